/* The application's memory, stage by stage (bench/app_memory.sh; not a
 * test of the suite): the real window, as a person uses it, with
 * /proc/self/status read after each stage:
 *   idle      the Draw page, --idle-seconds after the window is up
 *   data      after the Data page was shown and its dataset loaded
 *   train     the Train page shown, its dataset loaded
 *   run       one training run of the page's settings (--model, --epochs,
 *             every image: the defaults), to its end: VmHWM is its peak
 *   stopped   a second such run, stopped after --stop-steps steps
 *   runs-1    after the first of --runs short runs (--limit images, one
 *             epoch), and runs-N after the last
 * Each line: "stage NAME rss KIB hwm KIB" (kibibytes, as the kernel says),
 * and after the run "time run seconds S" (from pressing Train to its end),
 * so that the script can tabulate them.
 *
 * With --speed-pairs N --cli-command CMD, the page's speed against CMD
 * (a shell-quoted command line: the script's `dlab train` with the page's
 * settings), alternated (this machine's speed moves from
 * minute to minute, so two runs far apart compare badly): N times, the
 * command line's run (the window idle meanwhile) and then the page's, each
 * timed from its start to its end: "time pair I cli S page S".
 *
 * With --idle-only, the idle stage alone (the window without any dataset,
 * run where none is found, is the reference of the idle Draw page).
 *
 * Usage: app_memory [--idle-seconds N] [--model NAME] [--epochs N]
 *                   [--stop-steps N] [--runs N] [--limit N] [--threads N]
 *                   [--speed-pairs N --cli-command CMD] [--idle-only]
 * Exits 0 when every stage ran, 1 otherwise, 77 without a display or MNIST. */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-window.h"
#include "dlab/zoo.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"

static struct {
  int idle_seconds, epochs, stop_steps, runs, limit, threads, speed_pairs;
  gboolean idle_only;
  const char *model;
  char **cli_argv; /* --cli-command, split as a shell would */
} opt = { 8, 1, 50, 10, 2000, 0, 0, FALSE, "lenet", NULL };

/* Where this run keeps its files (the command line's checkpoints). */
static char *tmp_dir;

static gboolean all_ran = TRUE;

/* VmRSS and VmHWM of this process, in KiB. */
static void
read_memory (long *rss, long *hwm)
{
  g_autofree char *status = NULL;
  const char *line;

  *rss = *hwm = -1;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return;
  if ((line = strstr (status, "VmRSS:")))
    sscanf (line, "VmRSS: %ld kB", rss);
  if ((line = strstr (status, "VmHWM:")))
    sscanf (line, "VmHWM: %ld kB", hwm);
}

static void
stage (const char *name)
{
  long rss, hwm;

  read_memory (&rss, &hwm);
  printf ("stage %s rss %ld hwm %ld\n", name, rss, hwm);
  fflush (stdout);
}

static void
failed (const char *what)
{
  printf ("app_memory: %s\n", what);
  all_ran = FALSE;
}

/* ---- conditions ------------------------------------------------------------------------------ */

typedef struct {
  DlabTrainPage *page;
  int steps;
} StepCount;

static void
on_step (DlabTrainingJob *job, const DlabStepInfo *info, gpointer data)
{
  (void) job;
  (void) info;
  ((StepCount *) data)->steps++;
}

static gboolean
steps_reached (gpointer data)
{
  StepCount *c = data;
  return c->steps >= opt.stop_steps || job_idle (c->page);
}

/* ---- the stages --------------------------------------------------------------------------------- */

static void
set_model (DlabTrainPage *page)
{
  guint position = 0;
  const DlabZooEntry *e = dlab_zoo_entries ();

  for (; e->name && strcmp (e->name, opt.model) != 0; e++)
    position++;
  if (e->name)
    adw_combo_row_set_selected (ADW_COMBO_ROW (gui_train_child (page, "model_row")), position);
  else
    failed ("no such network in the zoo");
}

/* Presses Train and waits for the run's end (its results included);
 * stop_steps > 0: presses Stop after that many steps. */
/* Wall seconds of the last train_once, from Train to the run's end. */
static double last_run_seconds;

static gboolean
train_once (DlabWindow *window, DlabTrainPage *page, int stop_steps)
{
  DlabTrainingJob *before = dlab_train_page_get_job (page), *job;
  StepCount count = { page, 0 };
  gint64 start = g_get_monotonic_time ();

  if (!gui_wait_until (page_ready, page, 60000) || !gui_click (GTK_WIDGET (window), "train.start") ||
      (job = dlab_train_page_get_job (page)) == before)
    {
      failed ("Train did not start a run");
      return FALSE;
    }
  if (stop_steps > 0)
    {
      g_signal_connect (job, "step", G_CALLBACK (on_step), &count);
      gui_wait_until (steps_reached, &count, 600000);
      g_signal_handlers_disconnect_by_func (job, on_step, &count);
      gui_click (GTK_WIDGET (window), "train.stop");
    }
  if (!gui_wait_until (job_idle, page, 3600000))
    {
      failed ("a run did not end");
      return FALSE;
    }
  last_run_seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  gui_spin (200); /* the results drawn */
  return TRUE;
}

/* The --cli-command run, to its end: its wall seconds, or -1 if it failed.
 * The window's main loop waits meanwhile (nothing to draw). */
static double
cli_run_seconds (void)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  int wait_status = 0;

  if (!g_spawn_sync (NULL, opt.cli_argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                     NULL, NULL, NULL, &wait_status, &error)
      || !g_spawn_check_wait_status (wait_status, &error))
    {
      printf ("app_memory: %s: %s\n", opt.cli_argv[0], error->message);
      return -1;
    }
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static void
speed_pairs (DlabWindow *window, DlabTrainPage *train)
{
  gtk_spin_button_set_value (gui_train_child (train, "limit_spin"), 0);
  for (int i = 1; i <= opt.speed_pairs; i++)
    {
      double cli = cli_run_seconds ();
      if (cli < 0 || !train_once (window, train, 0))
        {
          failed ("a speed pair did not run");
          return;
        }
      printf ("time pair %d cli %.2f page %.2f\n", i, cli, last_run_seconds);
    }
}

static void
run_stages (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabTrainPage *train = dlab_window_get_train_page (window);

  gui_wait_until (model_loaded, window, 30000);
  gui_spin (opt.idle_seconds * 1000);
  stage ("idle");
  if (opt.idle_only)
    return;

  dlab_window_show_page (window, "data");
  if (!gui_wait_until (data_shown, dlab_window_get_data_page (window), 60000))
    failed ("the Data page shows no dataset");
  gui_spin (1000); /* its tiles and statistics */
  stage ("data");

  dlab_window_show_page (window, "train");
  set_model (train);
  gtk_spin_button_set_value (gui_train_child (train, "epochs_spin"), opt.epochs);
  gtk_spin_button_set_value (gui_train_child (train, "threads_spin"), opt.threads);
  gtk_spin_button_set_value (gui_train_child (train, "limit_spin"), 0);
  gtk_spin_button_set_value (gui_train_child (train, "val_spin"), 0);
  if (!gui_wait_until (page_ready, train, 60000))
    failed ("the Train page is not ready");
  gui_spin (500);
  stage ("train");

  if (train_once (window, train, 0))
    {
      stage ("run");
      printf ("time run seconds %.2f\n", last_run_seconds);
    }
  if (train_once (window, train, opt.stop_steps))
    stage ("stopped");

  gtk_spin_button_set_value (gui_train_child (train, "limit_spin"), opt.limit);
  for (int i = 1; i <= opt.runs; i++)
    {
      g_autofree char *name = g_strdup_printf ("runs-%d", i);
      if (!train_once (window, train, 0))
        break;
      if (i == 1 || i == opt.runs)
        stage (name);
    }
  if (opt.speed_pairs > 0)
    speed_pairs (window, train);
}

/* ---- running it ------------------------------------------------------------------------------------ */

static gboolean
parse_args (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
      if (strcmp (arg, "--idle-only") == 0)
        {
          opt.idle_only = TRUE;
          continue;
        }
      if (!value)
        return FALSE;
      if (strcmp (arg, "--idle-seconds") == 0)
        opt.idle_seconds = atoi (value);
      else if (strcmp (arg, "--model") == 0)
        opt.model = value;
      else if (strcmp (arg, "--epochs") == 0)
        opt.epochs = atoi (value);
      else if (strcmp (arg, "--stop-steps") == 0)
        opt.stop_steps = atoi (value);
      else if (strcmp (arg, "--runs") == 0)
        opt.runs = atoi (value);
      else if (strcmp (arg, "--limit") == 0)
        opt.limit = atoi (value);
      else if (strcmp (arg, "--threads") == 0)
        opt.threads = atoi (value);
      else if (strcmp (arg, "--speed-pairs") == 0)
        opt.speed_pairs = atoi (value);
      else if (strcmp (arg, "--cli-command") == 0)
        {
          g_strfreev (opt.cli_argv);
          if (!g_shell_parse_argv (value, NULL, &opt.cli_argv, NULL))
            return FALSE;
        }
      else
        return FALSE;
      i++;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;
  int status;

  if (!parse_args (argc, argv) || (opt.speed_pairs > 0 && !opt.cli_argv))
    {
      printf ("usage: app_memory [--idle-seconds N] [--model NAME] [--epochs N] [--stop-steps N] [--runs N] "
              "[--limit N] [--threads N] [--speed-pairs N --cli-command CMD] [--idle-only]\n");
      return 2;
    }
  if (!dataset_found ("mnist") && !opt.idle_only)
    {
      printf ("app_memory: MNIST is not found (set DLAB_DATA)\n");
      return 77;
    }
  /* The renderer the application picks (main.c), where none is set. */
  dlab_application_choose_renderer ();
  /* Runs go to a temporary data home, set before GLib reads it. */
  tmp_dir = g_dir_make_tmp ("digit-lab-memory-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!gtk_init_check ())
    {
      printf ("app_memory: no display (run under xvfb-run)\n");
      remove_tree (tmp_dir);
      return 77;
    }
  status = gui_app_run (argv[0], run_stages);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status == 0 && all_ran ? 0 : 1;
}
