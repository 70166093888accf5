/* The Tutorials chooser as a learner uses it, under Xvfb: each tutorial
 * picked in the chooser fills the Train page so that the run it describes
 * (dlab_train_page_get_args) carries every setting of the tutorial's
 * recipe, with the same value; then one tutorial (LeNet on Fashion-MNIST)
 * trains for an epoch on a subset, and the chooser shows the tutorial's
 * result beside the run's, with standard errors. Also: "Show PyTorch Code"
 * opens a window with the class of the chosen network.
 *
 * Usage: test_tutorials SCREENSHOT_DIR
 * Exits 77 without a display; the run is skipped without Fashion-MNIST. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-code-window.h"
#include "dlab-window.h"
#include "dlab/recipes.h"
#include "dlab/run.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"
#include "test_util.h"

static const char *shot_dir;
static char *tmp_dir;

static gpointer
child (DlabTrainPage *page, const char *name)
{
  return gui_train_child (page, name);
}

/* Whether args say `--option value` as the recipe does: numbers compared
 * as the floats the engine reads, flags present, texts equal. */
static gboolean
same_value (const char *const *args, const DlabRecipeSetting *s, char **why)
{
  const char *got = dlab_run_args_get (args, s->option);
  const DlabRunOption *opt = dlab_run_option_find (s->option);

  if (!got)
    {
      *why = g_strdup_printf ("--%s missing", s->option);
      return FALSE;
    }
  if (!s->value)
    return TRUE;
  if (opt && (opt->kind == DLAB_RUN_OPT_FLOAT || opt->kind == DLAB_RUN_OPT_INT))
    {
      if ((float) g_ascii_strtod (got, NULL) == (float) g_ascii_strtod (s->value, NULL))
        return TRUE;
    }
  else if (strcmp (got, s->value) == 0)
    return TRUE;
  *why = g_strdup_printf ("--%s %s, the tutorial says %s", s->option, got, s->value);
  return FALSE;
}

static void
check_recipe (DlabTrainPage *page, const DlabRecipe *r)
{
  g_auto (GStrv) args = NULL;
  g_autofree char *why = NULL;
  gboolean ok = TRUE;
  int n = 0;

  dlab_train_page_choose_tutorial (page, r->name);
  args = dlab_train_page_get_args (page);
  for (const DlabRecipeSetting *s = r->settings; ok && s->option; s++, n++)
    ok = args && same_value ((const char *const *) args, s, &why);
  tap_ok (ok, "%s: the Train page holds all %d of the tutorial's settings%s%s", r->name, n, why ? ": " : "",
          why ? why : "");
  /* What the tutorial's recipe leaves out is dlab train's default. */
  ok = args && !dlab_run_args_get ((const char *const *) args, "no-shuffle") ==
                   !dlab_recipe_value (r, "no-shuffle");
  tap_ok (ok, "%s: shuffling %s as the tutorial's DataLoader", r->name,
          dlab_recipe_value (r, "no-shuffle") ? "off" : "on");
  tap_ok (dlab_tutorial_chooser_get_recipe (dlab_train_page_get_tutorial_chooser (page)) == r,
          "%s: the chooser shows it", r->name);
}

/* One epoch of the LeNet tutorial on 2,048 images. */
static void
check_run (DlabWindow *window, DlabTrainPage *page)
{
  DlabTutorialChooser *chooser = dlab_train_page_get_tutorial_chooser (page);
  const char *text;
  DlabTrainingJob *job;

  if (!dataset_found ("fashion-mnist"))
    {
      /* Counted as passed with the reason, as test_util.h has no skip. */
      tap_ok (1, "the LeNet tutorial's run: skipped, Fashion-MNIST is not found");
      return;
    }
  dlab_train_page_choose_tutorial (page, "lenet-fashion");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (page, "epochs_spin")), 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (page, "limit_spin")), 2048);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (page, "threads_spin")), 1);
  gui_wait_until (page_ready, page, 20000);
  tap_ok (gui_click (GTK_WIDGET (window), "train.start") && (job = dlab_train_page_get_job (page)),
          "the LeNet tutorial starts from the chooser's settings");
  gui_wait_until (job_idle, page, 120000);
  text = dlab_tutorial_chooser_get_result_text (chooser);
  {
    g_autofree char *line = g_strdelimit (g_strdup (text ? text : "(nothing)"), "\n", ' ');
    tap_ok (text && strstr (text, "This run: test accuracy") && strstr (text, "±") &&
                strstr (text, "gives no final accuracy"),
            "the chooser puts the run beside the tutorial: %s", line);
  }
  {
    g_autofree char *path = g_build_filename (shot_dir, "train-tutorial.png", NULL);
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), path), "screenshot: %s", path);
  }
}

static void
check_code_window (DlabWindow *window, DlabTrainPage *page)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  DlabCodeWindow *code = NULL;

  dlab_train_page_choose_tutorial (page, "digitnet-png");
  gui_click (GTK_WIDGET (window), "train.show-pytorch-code");
  gui_spin (200);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);
      if (DLAB_IS_CODE_WINDOW (w))
        code = DLAB_CODE_WINDOW (w);
    }
  tap_ok (code && strstr (dlab_code_window_get_code (code), "self.classifier = nn.Sequential(") &&
              strstr (dlab_code_window_get_code (code), "load_state_dict(load_file(\"model.safetensors\"), strict=True)"),
          "Show PyTorch Code shows the DigitNet class and the lines that load a checkpoint");
  if (code)
    gtk_window_destroy (GTK_WINDOW (code));
}

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabTrainPage *page = dlab_window_get_train_page (window);

  dlab_window_show_page (window, "train");
  for (const DlabRecipe *r = dlab_recipes (); r->name; r++)
    check_recipe (page, r);
  check_code_window (window, page);
  check_run (window, page);
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;
  const char *root = g_getenv ("DLAB_SOURCE_ROOT");
  int status;

  shot_dir = argc > 1 ? argv[1] : ".";
  if (!g_getenv ("DLAB_DATA") && root)
    {
      g_autofree char *data = g_build_filename (root, "data", NULL);
      g_setenv ("DLAB_DATA", data, TRUE);
    }
  tmp_dir = g_dir_make_tmp ("digit-lab-tutorials-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      return 77;
    }
  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  g_free (tmp_dir);
  return tap_done ();
}
