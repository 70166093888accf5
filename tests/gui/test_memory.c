/* The application no heavier than its work (issue 15):
 *   - the Draw page alone reads no dataset (nothing is loaded before a
 *     page needs it);
 *   - the Data page reads the Train page's dataset when first shown, and
 *     the Train page and its runs use that one copy (no second read);
 *   - runs in a row leave the memory where the first ones left it: the
 *     bytes the allocator hands out (not the resident size, which the
 *     allocator's caches make noisy) stay flat from the second run to the
 *     sixth. */
#include <glib/gstdio.h>
#include <malloc.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-window.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "test_util.h"
#include "train_parts.h"

/* Four more runs may leave this much: the text and glyph caches settle;
 * one run's results left behind (10,000 test images' readings, its plot)
 * are more. */
#define MAX_GROWTH (256 * 1024)

static char *tmp_dir;
static gboolean mnist_found;

static size_t
in_use (void)
{
  struct mallinfo2 m = mallinfo2 ();
  return m.uordblks + m.hblkhd;
}

static gboolean
train_once (DlabWindow *window, DlabTrainPage *page)
{
  DlabTrainingJob *before = dlab_train_page_get_job (page);
  gboolean ok = gui_wait_until (page_ready, page, 20000) && gui_click (GTK_WIDGET (window), "train.start") &&
                dlab_train_page_get_job (page) != before && gui_wait_until (job_idle, page, 60000) &&
                dlab_training_job_get_state (dlab_train_page_get_job (page)) == DLAB_JOB_DONE;

  gui_spin (100); /* the results drawn */
  return ok;
}

static void
check_runs (DlabWindow *window, DlabTrainPage *train)
{
  size_t after_second = 0, after_last = 0;
  gboolean ran = TRUE;

  adw_combo_row_set_selected (ADW_COMBO_ROW (gui_train_child (train, "model_row")), 0); /* mlp */
  gtk_spin_button_set_value (gui_train_child (train, "epochs_spin"), 1);
  gtk_spin_button_set_value (gui_train_child (train, "limit_spin"), 500);
  gtk_spin_button_set_value (gui_train_child (train, "val_spin"), 0);
  gtk_spin_button_set_value (gui_train_child (train, "threads_spin"), 1);
  for (int i = 1; ran && i <= 6; i++)
    {
      ran = train_once (window, train);
      if (i == 2)
        after_second = in_use ();
    }
  after_last = in_use ();
  tap_ok (ran, "six short runs in a row");
  tap_ok (dlab_sample_set_get_n_loads () == 1, "the runs read no dataset of their own (%u reads in all)",
          dlab_sample_set_get_n_loads ());
  tap_ok (ran && after_last < after_second + MAX_GROWTH,
          "runs 3 to 6 leave the allocator's bytes in use flat: %+.0f KiB after run 2 (at most %d)",
          ((double) after_last - (double) after_second) / 1024, MAX_GROWTH / 1024);
}

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabTrainPage *train = dlab_window_get_train_page (window);
  DlabDataPage *data = dlab_window_get_data_page (window);

  gui_wait_until (model_loaded, window, 20000);
  gui_spin (500);
  tap_ok (dlab_sample_set_get_n_loads () == 0 && !dlab_train_page_get_sample_set (train) &&
            !dlab_train_page_get_loading_dataset (train) && !dlab_data_page_get_sample_set (data),
          "the Draw page alone reads no dataset (%u reads)", dlab_sample_set_get_n_loads ());
  if (!mnist_found)
    {
      tap_ok (1, "the Data and Train pages: skipped, MNIST is not found");
      return;
    }
  dlab_window_show_page (window, "data");
  tap_ok (gui_wait_until (data_shown, data, 20000) && dlab_sample_set_get_n_loads () == 1,
          "the Data page, shown, reads its dataset once");
  dlab_window_show_page (window, "train");
  tap_ok (gui_wait_until (page_ready, train, 20000) &&
            dlab_train_page_get_sample_set (train) == dlab_data_page_get_sample_set (data) &&
            dlab_sample_set_get_n_loads () == 1,
          "the Train page shows the same copy");
  check_runs (window, train);
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;
  const char *root = g_getenv ("DLAB_SOURCE_ROOT");
  int status;

  (void) argc;
  if (!g_getenv ("DLAB_DATA") && root)
    {
      g_autofree char *dir = g_build_filename (root, "data", NULL);
      g_setenv ("DLAB_DATA", dir, TRUE);
    }
  mnist_found = dataset_found ("mnist");
  /* Runs go to a temporary data home, set before GLib reads it. */
  tmp_dir = g_dir_make_tmp ("digit-lab-memory-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      remove_tree (tmp_dir);
      return 77;
    }
  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
