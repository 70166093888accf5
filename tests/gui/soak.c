/* The application's soak run (bench/soak.sh; not a test of the suite): the
 * real window trains a network for --minutes while drawings are fed to the
 * Draw page, and the run is stopped and resumed every few epochs, at a
 * different point each time (early, late, at the end of an epoch, which
 * lands in its evaluation). It prints the resident memory every
 * --sample-seconds, and at the end judges:
 *   - memory flat: the highest RSS of the last quarter of the samples at
 *     most --max-growth MiB above that of the first quarter after warm-up
 *     (the highest: RSS drops while a stopped run's data is freed, and
 *     every quarter holds many runs);
 *   - no GLib warning or critical (counted as they are logged);
 *   - every epoch's row in each run's metrics.csv exactly once;
 *   - every resume continued after the last finished epoch.
 * The drawings: the files of --strokes DIR, opened as the Open action does
 * (read on a worker thread) or traced with the pen, one every 250 ms, each
 * undone before the next (the undo history stays bounded).
 *
 * Usage: soak [--minutes N] [--threads N] [--model NAME] [--limit N]
 *             [--stop-every N] [--sample-seconds N] [--max-growth MIB]
 *             [--strokes DIR]
 * Exits 0 when every check holds, 1 otherwise, 77 without a display or
 * MNIST. Under Xvfb: see bench/soak.sh. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-window.h"
#include "dlab/dataset.h"
#include "dlab/strokes.h"
#include "dlab/zoo.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"

static struct {
  double minutes;
  int threads, limit, stop_every, sample_seconds;
  double max_growth_mib;
  const char *model, *strokes_dir;
} opt = { 30, 0, 6000, 3, 5, 16, "lenet", NULL };

static char *tmp_dir;
static guint n_warnings;

/* ---- what the soak watches ---------------------------------------------------------------- */

typedef struct {
  GArray *rss;           /* long, bytes, one per sample */
  GArray *rss_time;      /* double, seconds since the start */
  gint64 start;
  /* the run in progress */
  DlabTrainingJob *job;
  int epochs_this_job, stop_after, stop_step;
  int first_epoch;       /* the epoch the job should report first */
  gboolean stop_due, finished;
  /* totals */
  guint n_stops, n_resumes, n_runs, bad_resumes, n_failed_runs;
  guint n_opened, n_traced;
  GPtrArray *run_dirs;   /* char *, each run's folder once */
  GArray *run_epochs;    /* int, the highest epoch each run reported */
  int last_epoch;        /* the highest epoch reported */
} Soak;

static Soak soak;

static long
rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;
  long kib = -1;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  if (line && sscanf (line, "VmRSS: %ld kB", &kib) != 1)
    kib = -1;
  return kib < 0 ? -1 : kib * 1024;
}

static double
elapsed (void)
{
  return (g_get_monotonic_time () - soak.start) / 1e6;
}

/* Every warning or critical GLib or GTK logs is counted, then written as usual. */
static GLogWriterOutput
count_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  (void) data;
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    n_warnings++;
  return g_log_writer_default (level, fields, n_fields, data);
}

/* ---- the pages ------------------------------------------------------------------------------ */

static DlabWindow *
window_of (DlabApplication *app)
{
  return DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
}

static gpointer
train_child (DlabTrainPage *page, const char *name)
{
  return gui_train_child (page, name);
}

static gboolean
stop_due_or_finished (gpointer data)
{
  (void) data;
  return soak.stop_due || soak.finished || elapsed () >= opt.minutes * 60;
}

static gboolean
configure (DlabTrainPage *page)
{
  guint position = 0;
  const DlabZooEntry *e = dlab_zoo_entries ();

  for (; e->name && strcmp (e->name, opt.model) != 0; e++)
    position++;
  if (!e->name)
    {
      printf ("soak: no network %s in the zoo\n", opt.model);
      return FALSE;
    }
  adw_combo_row_set_selected (ADW_COMBO_ROW (train_child (page, "model_row")), position);
  gtk_spin_button_set_value (train_child (page, "limit_spin"), opt.limit);
  gtk_spin_button_set_value (train_child (page, "val_spin"), 0.1);
  gtk_spin_button_set_value (train_child (page, "batch_spin"), 64);
  gtk_spin_button_set_value (train_child (page, "epochs_spin"), 1000);
  gtk_spin_button_set_value (train_child (page, "threads_spin"), opt.threads);
  if (!gui_wait_until (page_ready, page, 30000))
    {
      printf ("soak: the Train page is not ready: %s\n", dlab_train_page_get_spec_status (page));
      return FALSE;
    }
  return TRUE;
}

/* ---- following a run ------------------------------------------------------------------------ */

/* A run folder (a run and its resumes) and the highest epoch it reported. */
static void
remember_run (const char *dir, int epoch)
{
  guint i = 0;

  while (i < soak.run_dirs->len && g_strcmp0 (g_ptr_array_index (soak.run_dirs, i), dir) != 0)
    i++;
  if (i == soak.run_dirs->len)
    {
      int none = 0;
      g_ptr_array_add (soak.run_dirs, g_strdup (dir));
      g_array_append_val (soak.run_epochs, none);
    }
  g_array_index (soak.run_epochs, int, i) = MAX (g_array_index (soak.run_epochs, int, i), epoch);
}

static void
on_step (DlabTrainingJob *job, const DlabStepInfo *info, gpointer data)
{
  (void) job;
  (void) data;
  if (soak.epochs_this_job >= soak.stop_after && info->step_in_epoch >= soak.stop_step)
    soak.stop_due = TRUE;
}

static void
on_epoch (DlabTrainingJob *job, const DlabEpochInfo *info, gpointer data)
{
  (void) job;
  (void) data;
  if (soak.epochs_this_job++ == 0 && info->epoch != soak.first_epoch)
    {
      soak.bad_resumes++;
      printf ("soak: a run reported epoch %d first, expected %d\n", info->epoch, soak.first_epoch);
    }
  soak.last_epoch = MAX (soak.last_epoch, info->epoch);
  remember_run (dlab_training_job_get_run_dir (job), info->epoch);
}

static void
on_finished (DlabTrainingJob *job, gpointer data)
{
  (void) job;
  (void) data;
  soak.finished = TRUE;
}

/* Follows the page's new job; the k-th stop comes after 1..stop_every
 * epochs, at a step that moves through the epoch (its last step: Stop
 * lands in the evaluation). */
static void
follow (DlabTrainingJob *job, int first_epoch)
{
  guint k = soak.n_stops;
  long steps = dlab_training_job_get_steps_per_epoch (job);

  soak.job = job;
  soak.first_epoch = first_epoch;
  soak.epochs_this_job = 0;
  soak.stop_due = soak.finished = FALSE;
  soak.stop_after = 1 + (int) (k % (guint) MAX (1, opt.stop_every));
  soak.stop_step = k % 4 == 3 ? (int) steps : (int) (1 + (k * 37) % (guint) MAX (1, steps));
  g_signal_connect (job, "step", G_CALLBACK (on_step), NULL);
  g_signal_connect (job, "epoch", G_CALLBACK (on_epoch), NULL);
  g_signal_connect (job, "finished", G_CALLBACK (on_finished), NULL);
}

static void
unfollow (void)
{
  if (soak.job)
    {
      remember_run (dlab_training_job_get_run_dir (soak.job), 0);
      g_signal_handlers_disconnect_by_func (soak.job, on_step, NULL);
      g_signal_handlers_disconnect_by_func (soak.job, on_epoch, NULL);
      g_signal_handlers_disconnect_by_func (soak.job, on_finished, NULL);
    }
  soak.job = NULL;
}

static gboolean
activate (DlabTrainPage *page, const char *action)
{
  return gtk_widget_activate_action (GTK_WIDGET (page), action, NULL);
}

/* Starts a run (a fresh one, or a resume of the stopped one) and follows it. */
static gboolean
start (DlabTrainPage *page, gboolean resume)
{
  DlabTrainingJob *before = dlab_train_page_get_job (page), *job;
  int done = before ? dlab_training_job_get_epochs_done (before) : 0;

  if (!activate (page, resume ? "train.resume" : "train.start") ||
      (job = dlab_train_page_get_job (page)) == NULL || job == before)
    {
      printf ("soak: %s did not start a run\n", resume ? "Resume" : "Train");
      return FALSE;
    }
  if (resume)
    soak.n_resumes++;
  else
    soak.n_runs++;
  follow (job, resume ? done + 1 : 1);
  return TRUE;
}

/* ---- feeding the Draw page ------------------------------------------------------------------ */

typedef struct {
  DlabWindow *window;
  GPtrArray *files;  /* char *, paths */
  guint next;
} Feeder;

/* Traces a drawing with the pen, as pointer events would. */
static void
trace (DlabSketchpad *pad, const DlabStrokes *s)
{
  double w = gtk_widget_get_width (GTK_WIDGET (pad)), h = gtk_widget_get_height (GTK_WIDGET (pad));
  double side = MIN (w, h), canvas = MAX (s->canvas_w, s->canvas_h);

  if (side < 10 || canvas <= 0)
    return;
  for (int k = 0; k < s->n_strokes; k++)
    {
      size_t a = s->start[k], b = k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points;
      for (size_t i = a; i < b; i++)
        {
          double x = (w - side) / 2 + s->points[i].x / canvas * side;
          double y = (h - side) / 2 + s->points[i].y / canvas * side;
          if (i == a)
            dlab_sketchpad_begin_stroke (pad, x, y, s->points[i].pressure);
          else
            dlab_sketchpad_extend_stroke (pad, x, y, s->points[i].pressure);
        }
      dlab_sketchpad_end_stroke (pad);
    }
}

/* One drawing per call on the Draw page, undone at the next. */
static gboolean
feed (gpointer data)
{
  Feeder *f = data;
  DlabDrawPage *page = dlab_window_get_draw_page (f->window);
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  const char *path;

  if (dlab_window_is_opening_strokes (f->window) || f->files->len == 0 ||
      !gtk_widget_get_mapped (GTK_WIDGET (pad)))
    return G_SOURCE_CONTINUE;
  if (!dlab_sketchpad_is_empty (pad))
    {
      dlab_sketchpad_undo (pad);
      return G_SOURCE_CONTINUE;
    }
  path = g_ptr_array_index (f->files, f->next % f->files->len);
  if (f->next++ % 2 == 0)
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      dlab_window_open_strokes (f->window, file);
      soak.n_opened++;
    }
  else
    {
      DlabStrokes s;
      dlab_strokes_init (&s);
      if (dlab_strokes_read (path, &s) == 0)
        {
          trace (pad, &s);
          soak.n_traced++;
        }
      dlab_strokes_free (&s);
    }
  return G_SOURCE_CONTINUE;
}

static GPtrArray *
list_strokes (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".strokes"))
      g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  return files;
}

/* Every few seconds the Train page is shown for one, so that its curves
 * are drawn too; the Draw page the rest of the time. */
static gboolean
switch_pages (gpointer data)
{
  DlabWindow *window = data;
  static guint tick;

  dlab_window_show_page (window, tick++ % 5 == 4 ? "train" : "draw");
  return G_SOURCE_CONTINUE;
}

static gboolean
sample (gpointer data)
{
  DlabWindow *window = data;
  long rss = rss_bytes ();
  double t = elapsed ();

  g_array_append_val (soak.rss, rss);
  g_array_append_val (soak.rss_time, t);
  printf ("soak: t=%.0f s rss=%.1f MiB epoch=%d stops=%u readings=%u warnings=%u\n", t, rss / 1048576.0,
          soak.last_epoch, soak.n_stops, dlab_draw_page_get_n_readings (dlab_window_get_draw_page (window)),
          n_warnings);
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

/* ---- the verdicts ----------------------------------------------------------------------------- */

static long
highest (const long *v, guint n)
{
  long most = 0;

  for (guint i = 0; i < n; i++)
    most = MAX (most, v[i]);
  return most;
}

/* The first fifth of the samples (at least one) is warm-up: the dataset,
 * the model, the caches. The rest is cut into quarters. */
static gboolean
memory_flat (void)
{
  guint n = soak.rss->len, warm = MAX (1, n / 5), rest = n - MIN (n, warm), q = rest / 4;
  const long *v = (const long *) soak.rss->data;
  long peak[4];
  double growth;

  if (q < 1)
    {
      printf ("soak: too few RSS samples to judge memory (%u)\n", n);
      return FALSE;
    }
  for (guint k = 0; k < 4; k++)
    peak[k] = highest (v + warm + k * q, k == 3 ? n - (warm + 3 * q) : q);
  growth = (peak[3] - peak[0]) / 1048576.0;
  printf ("soak: highest RSS in each quarter after warm-up (%u samples each): %.1f, %.1f, %.1f, %.1f MiB: "
          "%+.1f MiB (limit %.0f)\n",
          q, peak[0] / 1048576.0, peak[1] / 1048576.0, peak[2] / 1048576.0, peak[3] / 1048576.0, growth,
          opt.max_growth_mib);
  return growth <= opt.max_growth_mib;
}

/* metrics.csv of one run: the epoch rows (train_loss filled in) hold
 * epochs 1..done, each once. */
static gboolean
epochs_once (const char *run_dir, int done, int *rows_out, int *highest_out)
{
  g_autofree char *path = g_build_filename (run_dir, "metrics.csv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  int col_epoch = -1, col_train_loss = -1, highest = 0, rows = 0;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      printf ("soak: %s: cannot read\n", path);
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i] && lines[i][0]; i++)
    {
      g_auto (GStrv) cells = g_strsplit (lines[i], ",", -1);
      int n = (int) g_strv_length (cells);
      if (i == 0)
        {
          for (int c = 0; c < n; c++)
            {
              if (strcmp (cells[c], "epoch") == 0)
                col_epoch = c;
              if (strcmp (cells[c], "train_loss") == 0)
                col_train_loss = c;
            }
          continue;
        }
      if (col_epoch < 0 || col_train_loss < 0 || n <= col_train_loss || !cells[col_train_loss][0])
        continue;
      int epoch = atoi (cells[col_epoch]);
      rows++;
      highest = MAX (highest, epoch);
      if (g_hash_table_contains (seen, GINT_TO_POINTER (epoch)))
        {
          printf ("soak: %s: epoch %d has more than one row\n", path, epoch);
          ok = FALSE;
        }
      g_hash_table_add (seen, GINT_TO_POINTER (epoch));
    }
  if (highest > done)
    {
      printf ("soak: %s: a row for epoch %d, but the run reported %d epochs\n", path, highest, done);
      ok = FALSE;
    }
  int missing = 0, first_missing = 0;
  for (int e = done; e >= 1; e--)
    if (!g_hash_table_contains (seen, GINT_TO_POINTER (e)))
      {
        missing++;
        first_missing = e;
      }
  if (missing)
    {
      printf ("soak: %s: %d of the %d epochs have no row (the first: epoch %d)\n", path, missing, done,
              first_missing);
      ok = FALSE;
    }
  *rows_out = rows;
  *highest_out = highest;
  return ok && col_epoch >= 0 && col_train_loss >= 0;
}

static gboolean
metrics_complete (void)
{
  gboolean ok = soak.run_dirs->len > 0;

  for (guint i = 0; i < soak.run_dirs->len; i++)
    {
      int rows = 0, highest = 0, done = g_array_index (soak.run_epochs, int, i);
      gboolean run_ok = epochs_once (g_ptr_array_index (soak.run_dirs, i), done, &rows, &highest);
      printf ("soak: %s/metrics.csv: %d epoch rows, up to epoch %d, for the %d epochs reported%s\n",
              (char *) g_ptr_array_index (soak.run_dirs, i), rows, highest, done, run_ok ? ": each once" : "");
      ok &= run_ok;
    }
  return ok;
}

/* ---- the soak -------------------------------------------------------------------------------- */

static int
run_soak (DlabApplication *app)
{
  DlabWindow *window = window_of (app);
  DlabTrainPage *page = dlab_window_get_train_page (window);
  Feeder feeder = { window, list_strokes (opt.strokes_dir), 0 };
  guint feed_id, sample_id, pages_id;
  gboolean ok = TRUE, flat, metrics;

  soak.rss = g_array_new (FALSE, FALSE, sizeof (long));
  soak.rss_time = g_array_new (FALSE, FALSE, sizeof (double));
  soak.run_dirs = g_ptr_array_new_with_free_func (g_free);
  soak.run_epochs = g_array_new (FALSE, FALSE, sizeof (int));
  soak.start = g_get_monotonic_time ();
  printf ("soak: %.1f minutes, %s on %d MNIST images, %d thread(s) (0: all cores), a stop every 1..%d epochs, "
          "%u drawings from %s\n",
          opt.minutes, opt.model, opt.limit, opt.threads, opt.stop_every, feeder.files->len,
          opt.strokes_dir ? opt.strokes_dir : "(none)");
  dlab_window_show_page (window, "train");
  if (!configure (page) || !start (page, FALSE))
    return 1;
  feed_id = g_timeout_add (250, feed, &feeder);
  pages_id = g_timeout_add (1000, switch_pages, window);
  sample_id = g_timeout_add_seconds ((guint) opt.sample_seconds, sample, window);
  sample (window);

  while (elapsed () < opt.minutes * 60)
    {
      gui_wait_until (stop_due_or_finished, NULL, 600000);
      if (elapsed () >= opt.minutes * 60)
        break;
      if (soak.finished)
        {
          /* All epochs done, or a failure: a fresh run goes on. */
          DlabJobState state = dlab_training_job_get_state (soak.job);
          if (state == DLAB_JOB_FAILED)
            {
              soak.n_failed_runs++;
              printf ("soak: the run failed: %s\n", dlab_training_job_get_error (soak.job));
            }
          gui_wait_until (job_idle, page, 60000);
          unfollow ();
          if (!start (page, FALSE))
            break;
          continue;
        }
      activate (page, "train.stop");
      soak.n_stops++;
      if (!gui_wait_until (job_idle, page, 60000))
        {
          printf ("soak: the run did not stop within a minute\n");
          ok = FALSE;
          break;
        }
      unfollow ();
      if (!start (page, TRUE))
        {
          ok = FALSE;
          break;
        }
    }
  if (soak.job)
    {
      activate (page, "train.stop");
      gui_wait_until (job_idle, page, 60000);
      unfollow ();
    }
  g_source_remove (feed_id);
  g_source_remove (pages_id);
  g_source_remove (sample_id);
  sample (window);

  printf ("soak: %.0f s: %u run(s), %u stops, %u resumes, highest epoch %d; %u drawings opened and %u traced, "
          "%u readings\n",
          elapsed (), soak.n_runs, soak.n_stops, soak.n_resumes, soak.last_epoch, soak.n_opened, soak.n_traced,
          dlab_draw_page_get_n_readings (dlab_window_get_draw_page (window)));
  flat = memory_flat ();
  metrics = metrics_complete ();
  printf ("soak: GLib warnings and criticals: %u\n", n_warnings);
  printf ("soak: resumes that did not continue after the last finished epoch: %u; failed runs: %u\n",
          soak.bad_resumes, soak.n_failed_runs);
  ok &= flat && metrics && n_warnings == 0 && soak.bad_resumes == 0 && soak.n_failed_runs == 0 && soak.n_stops > 0;
  printf ("soak: %s\n", ok ? "PASS" : "FAIL");
  g_ptr_array_unref (feeder.files);
  return ok ? 0 : 1;
}

static int soak_status = 1;

static gboolean
start_soak (gpointer data)
{
  DlabApplication *app = data;

  soak_status = run_soak (app);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app)
{
  g_idle_add (start_soak, app);
}

static gboolean
parse_args (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "minutes", 0, 0, G_OPTION_ARG_DOUBLE, &opt.minutes, "How long to train (30)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opt.threads, "Training threads (0: all cores)", "N" },
    { "model", 0, 0, G_OPTION_ARG_STRING, &opt.model, "A network of the zoo (lenet)", "NAME" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &opt.limit, "Training images (6000)", "N" },
    { "stop-every", 0, 0, G_OPTION_ARG_INT, &opt.stop_every, "Stop after 1..N epochs (3)", "N" },
    { "sample-seconds", 0, 0, G_OPTION_ARG_INT, &opt.sample_seconds, "RSS sampling period (5)", "N" },
    { "max-growth", 0, 0, G_OPTION_ARG_DOUBLE, &opt.max_growth_mib, "RSS growth allowed, MiB (16)", "MIB" },
    { "strokes", 0, 0, G_OPTION_ARG_FILENAME, &opt.strokes_dir, "Folder of .strokes files to feed", "DIR" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- Digit Lab's soak run");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "soak: %s\n", error->message);
      return FALSE;
    }
  opt.sample_seconds = MAX (1, opt.sample_seconds);
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (DlabApplication) app = NULL;
  char *args[] = { argv[0], NULL };
  g_autofree char *xdg = NULL;
  int status;

  g_log_set_writer_func (count_warnings, NULL, NULL);
  if (!parse_args (argc, argv))
    return 2;
  if (!dataset_found ("mnist"))
    {
      printf ("soak: the MNIST files are not found (set DLAB_DATA; see README)\n");
      return 77;
    }
  /* Runs go to a temporary data home, set before GLib reads it. */
  tmp_dir = g_dir_make_tmp ("digit-lab-soak-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!gtk_init_check ())
    {
      printf ("soak: no display (run it under xvfb-run: bench/soak.sh)\n");
      remove_tree (tmp_dir);
      return 77;
    }
  app = dlab_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), NULL);
  status = g_application_run (G_APPLICATION (app), 1, args);
  remove_tree (tmp_dir);
  g_free (tmp_dir);
  return status != 0 ? 1 : soak_status;
}
