/* What the application brings back at its next start, under Xvfb:
 *
 *   1. The last model: it is forgotten while it loads at start and
 *      remembered again only once it has loaded, so a file that crashes the
 *      application or gets it killed for memory is not retried at every
 *      start. A load that cannot finish until the test lets it (the model
 *      "file" is a FIFO) shows the state a kill would leave.
 *   2. The Train page's spec: checked at each keystroke without allocating
 *      the network (a 238 M-parameter spec costs no memory), and saved to
 *      GSettings only when it builds, so a mistake is not brought back.
 *
 * A "restart" is a new window of the same application, which reads the
 * same settings (the memory backend lives as long as the process).
 *
 * Usage: test_restore   (exits 77 without a display) */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlab-application.h"
#include "dlab-settings.h"
#include "dlab-window.h"
#include "dlab/checkpoint.h"
#include "dlab/model.h"
#include "gui_app.h"
#include "gui_util.h"
#include "train_parts.h"
#include "test_util.h"

#define BIG_SPEC "flatten | linear 300000 | linear 10"
#define GOOD_SPEC "flatten | fc: linear 32 | relu | linear 10"
#define BAD_SPEC "flatten | fc: linaer 32 | relu | linear 10"

static char *tmp_dir, *fifo_path, *model_path;

static char *
last_model (void)
{
  g_autoptr (GSettings) settings = dlab_settings_new ();
  return settings ? g_settings_get_string (settings, "last-model-path") : g_strdup ("no settings");
}

static char *
setting (const char *key)
{
  g_autoptr (GSettings) settings = dlab_settings_new ();
  return settings ? g_settings_get_string (settings, key) : g_strdup ("no settings");
}

static gboolean
not_loading (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
}

/* Opens the FIFO's writing end once the window's loader waits at its
 * reading end, then closes it: the load goes on (and fails). */
static gboolean
fifo_released (gpointer data)
{
  int fd = open (data, O_WRONLY | O_NONBLOCK);

  if (fd < 0)
    return FALSE; /* ENXIO: the loader has not opened it yet */
  close (fd);
  return TRUE;
}

static char *
spec_text (DlabTrainPage *page)
{
  GtkTextView *view = GTK_TEXT_VIEW (gui_train_child (page, "spec_view"));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static long
peak_rss_mib (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}

/* ---- 1. the last model ------------------------------------------------------ */

static void
check_blocked_restore (DlabWindow *window)
{
  g_autofree char *during = last_model ();
  g_autofree char *after = NULL;

  tap_ok (dlab_window_is_loading (window), "the last model is being loaded at start");
  tap_ok (g_strcmp0 (during, "") == 0,
          "while it loads it is not remembered: killed now, the next start would not try it again (\"%s\")",
          during);
  tap_ok (gui_wait_until (fifo_released, fifo_path, 5000), "the loader reached the file");
  tap_ok (gui_wait_until (not_loading, window, 5000), "the load ends");
  after = last_model ();
  tap_ok (g_strcmp0 (after, "") == 0 && dlab_window_get_last_error (window) &&
          strstr (dlab_window_get_last_error (window), "not a regular file"),
          "a last model that fails is forgotten, with an error: %s", dlab_window_get_last_error (window));
}

static void
check_restore_after_restart (GtkApplication *app)
{
  g_autoptr (GSettings) settings = dlab_settings_new ();
  DlabWindow *window;
  g_autofree char *during = NULL, *after = NULL;
  DlabClassifier *classifier;

  if (settings)
    g_settings_set_string (settings, "last-model-path", model_path);
  window = dlab_window_new (app);
  during = last_model ();
  tap_ok (g_strcmp0 (during, "") == 0, "restart: the good last model is forgotten while it loads");
  tap_ok (gui_wait_until (not_loading, window, 10000), "and it loads");
  after = last_model ();
  classifier = dlab_window_get_classifier (window);
  tap_ok (g_strcmp0 (after, model_path) == 0 && classifier &&
          g_strcmp0 (dlab_classifier_get_name (classifier), "restore.safetensors") == 0,
          "once loaded it is remembered again (%s) and in use", after);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- 2. the spec ------------------------------------------------------------ */

static void
check_spec (GtkApplication *app, DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  long before = peak_rss_mib ();
  g_autofree char *saved_good = NULL, *saved_network = NULL, *kept = NULL, *kept_network = NULL;
  g_autofree char *restored = NULL;
  DlabWindow *restarted;

  dlab_train_page_set_spec (page, BIG_SPEC);
  tap_ok (strstr (dlab_train_page_get_spec_status (page), "238,500,010") != NULL,
          "a 238 M-parameter spec is checked: %s", dlab_train_page_get_spec_status (page));
  tap_ok (peak_rss_mib () < before + 100, "without building it: peak memory %ld MiB, %ld MiB before",
          peak_rss_mib (), before);

  dlab_train_page_set_spec (page, GOOD_SPEC);
  saved_good = setting ("custom-spec");
  saved_network = setting ("network");
  tap_ok (g_strcmp0 (saved_good, GOOD_SPEC) == 0 && g_strcmp0 (saved_network, "custom") == 0,
          "a spec that builds is saved (%s: %s)", saved_network, saved_good);

  dlab_train_page_set_spec (page, BAD_SPEC);
  kept = setting ("custom-spec");
  kept_network = setting ("network");
  tap_ok (strstr (dlab_train_page_get_spec_status (page), "linaer") != NULL,
          "a mistake shows inline: %s", dlab_train_page_get_spec_status (page));
  tap_ok (g_strcmp0 (kept, GOOD_SPEC) == 0 && g_strcmp0 (kept_network, "custom") == 0,
          "a spec that does not build is not saved (custom-spec is still \"%s\")", kept);

  restarted = dlab_window_new (app);
  gui_wait_until (not_loading, restarted, 10000);
  restored = spec_text (dlab_window_get_train_page (restarted));
  tap_ok (g_strcmp0 (restored, GOOD_SPEC) == 0, "restart: the Train page shows the last spec that built (\"%s\")",
          restored);
  gtk_window_destroy (GTK_WINDOW (restarted));
}

static void
run_checks (DlabApplication *dlab_app)
{
  GtkApplication *app = GTK_APPLICATION (dlab_app);

  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (app));

  check_blocked_restore (window);
  check_restore_after_restart (app);
  check_spec (app, window);
}

/* A small checkpoint for 1x28x28 drawings. */
static gboolean
write_model (const char *path)
{
  DlabModel *m = dlab_model_create (GOOD_SPEC, (DlabShape) { 3, { 1, 28, 28 } }, 3);
  DlabModelInfo info;
  gboolean ok;

  memset (&info, 0, sizeof info);
  g_strlcpy (info.dataset, "mnist", sizeof info.dataset);
  g_strlcpy (info.orientation, "normal", sizeof info.orientation);
  info.channels = 1;
  info.mean[0] = 0.1307f;
  info.std[0] = 0.3081f;
  info.num_classes = 10;
  for (int k = 0; k < 10; k++)
    info.class_names[k] = g_strdup_printf ("%d", k);
  ok = m && dlab_checkpoint_save (path, m, &info) == 0;
  for (int k = 0; k < 10; k++)
    g_free (info.class_names[k]);
  dlab_model_free (m);
  return ok;
}

int
main (void)
{
  g_autoptr (GSettings) settings = NULL;
  int status;

  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      return 77;
    }
  tmp_dir = g_dir_make_tmp ("digit-lab-restore-XXXXXX", NULL);
  fifo_path = g_build_filename (tmp_dir, "blocking.safetensors", NULL);
  model_path = g_build_filename (tmp_dir, "restore.safetensors", NULL);
  if (mkfifo (fifo_path, 0600) < 0 || !write_model (model_path))
    {
      printf ("Bail out! cannot write the test files: %s\n", g_strerror (errno));
      return 1;
    }
  settings = dlab_settings_new ();
  if (!settings)
    {
      tap_skip_all ("no GSettings schema (GSETTINGS_SCHEMA_DIR)");
      return 77;
    }
  g_settings_set_string (settings, "last-model-path", fifo_path);

  status = gui_app_run ("test_restore", run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);

  g_unlink (fifo_path);
  g_unlink (model_path);
  g_rmdir (tmp_dir);
  g_free (fifo_path);
  g_free (model_path);
  g_free (tmp_dir);
  return tap_done ();
}
