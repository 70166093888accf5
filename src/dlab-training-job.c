/* DlabTrainingJob: see dlab-training-job.h. */
#include "dlab-training-job.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/resume.h"
#include "dlab/run.h"
#include "dlab/threads.h"
#include "dlab/transform.h"
#include "dlab/zoo.h"

/* The main loop collects the progress this often while a run goes on:
 * each delivery updates the page (counters, progress, curves) in one frame.
 * At 60 a second (one a frame) those frames took a fifth of the run's
 * time from the training where the GL renderer draws in software; ten a
 * second read as live. */
#define DELIVERY_INTERVAL_MS 100
/* The nice value of the training threads (see yield_to_interface). */
#define TRAINING_NICE 10

/* ---- the run's arguments -------------------------------------------------- */

gboolean
dlab_run_args_check (const char *const *args, GError **error)
{
  DlabRunOptions o = dlab_run_options_defaults ();

  dlab_error_clear ();
  if (dlab_run_options_parse (&o, (int) g_strv_length ((GStrv) args), (char *const *) args) < 0 ||
      dlab_run_options_check (&o) < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, dlab_error_message ());
      return FALSE;
    }
  return TRUE;
}

const char *
dlab_run_args_get (const char *const *args, const char *option)
{
  const char *found = NULL;

  /* The last occurrence wins, as when parsing. */
  for (int i = 0; args && args[i]; i++)
    if (g_str_has_prefix (args[i], "--") && strcmp (args[i] + 2, option) == 0)
      {
        const DlabRunOption *opt = dlab_run_option_find (option);
        found = opt && opt->kind == DLAB_RUN_OPT_FLAG ? "" : args[i + 1];
      }
  return found;
}

/* ---- the job ---------------------------------------------------------------- */

enum {
  SIGNAL_STEP,
  SIGNAL_EPOCH,
  SIGNAL_FINISHED,
  SIGNAL_RESULTS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _DlabTrainingJob {
  GObject parent_instance;

  GStrv args;                 /* the run's options, as `dlab train` reads them */
  DlabSampleSet *data;
  char *run_dir;
  char *epoch_checkpoint;     /* run_dir/model.safetensors */
  char *stopped_checkpoint;   /* run_dir/stopped.safetensors */
  gboolean resume;
  GCancellable *cancellable;
  gulong cancel_handler;
  atomic_int cancel;          /* the engine's flag */
  GThread *thread;

  /* Main thread's view. */
  DlabJobState state;
  gboolean busy;
  char *error;
  const char *checkpoint;     /* one of the two paths above, or NULL */
  int epochs_done;
  DlabJobResults *results;
  gint64 stop_time, end_time;
  guint n_deliveries;

  /* Between the threads, under `lock`. Steps and epochs are appended on
   * the job's thread to the *_in arrays and swapped with the *_out ones
   * on the main thread, so after the first epoch nothing is allocated. */
  GMutex lock;
  GArray *steps_in, *steps_out;    /* DlabStepInfo */
  GArray *epochs_in, *epochs_out;  /* DlabEpochInfo */
  guint delivery_id;               /* main thread: the collecting timeout */
  gboolean finished_in;            /* training ended: state_in, error_in */
  DlabJobState state_in;
  char *error_in;
  int epochs_done_in;
  gboolean results_in;             /* results_in_value is ready; the thread ends */
  DlabJobResults *results_in_value;

  /* Set up before the thread starts, read-only after. */
  int start_epoch;
  long steps_per_epoch;

  /* The job's thread only. */
  DlabDatasetPair lent;            /* the sample set's datasets, lent to the run */
  DlabRun *run;
  DlabDataset test;                /* the run's view of the test images, for the results */
};

G_DEFINE_FINAL_TYPE (DlabTrainingJob, dlab_training_job, G_TYPE_OBJECT)

static void
results_free (DlabJobResults *r)
{
  if (!r)
    return;
  dlab_run_predictions_free (&r->predictions);
  g_free (r);
}

static void
dlab_training_job_dispose (GObject *object)
{
  DlabTrainingJob *self = DLAB_TRAINING_JOB (object);

  if (self->cancel_handler)
    g_cancellable_disconnect (self->cancellable, self->cancel_handler);
  self->cancel_handler = 0;
  G_OBJECT_CLASS (dlab_training_job_parent_class)->dispose (object);
}

static void
dlab_training_job_finalize (GObject *object)
{
  DlabTrainingJob *self = DLAB_TRAINING_JOB (object);

  /* The thread holds a reference while it runs: it has ended by now. */
  if (self->thread)
    g_thread_join (self->thread);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->data);
  g_strfreev (self->args);
  g_free (self->run_dir);
  g_free (self->epoch_checkpoint);
  g_free (self->stopped_checkpoint);
  g_free (self->error);
  g_free (self->error_in);
  results_free (self->results);
  results_free (self->results_in_value);
  g_array_unref (self->steps_in);
  g_array_unref (self->steps_out);
  g_array_unref (self->epochs_in);
  g_array_unref (self->epochs_out);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (dlab_training_job_parent_class)->finalize (object);
}

static void
dlab_training_job_class_init (DlabTrainingJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dlab_training_job_dispose;
  object_class->finalize = dlab_training_job_finalize;

  /* (const DlabStepInfo *) and (const DlabEpochInfo *), valid during the
   * emission. */
  signals[SIGNAL_STEP] = g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_EPOCH] = g_signal_new ("epoch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RESULTS] = g_signal_new ("results", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dlab_training_job_init (DlabTrainingJob *self)
{
  g_mutex_init (&self->lock);
  self->steps_in = g_array_sized_new (FALSE, FALSE, sizeof (DlabStepInfo), 256);
  self->steps_out = g_array_sized_new (FALSE, FALSE, sizeof (DlabStepInfo), 256);
  self->epochs_in = g_array_sized_new (FALSE, FALSE, sizeof (DlabEpochInfo), 16);
  self->epochs_out = g_array_sized_new (FALSE, FALSE, sizeof (DlabEpochInfo), 16);
  self->cancellable = g_cancellable_new ();
  self->state = DLAB_JOB_READY;
}

/* Runs in whichever thread cancels: only sets the engine's flag. */
static void
on_cancelled (GCancellable *cancellable, gpointer data)
{
  DlabTrainingJob *self = data;

  (void) cancellable;
  atomic_store (&self->cancel, 1);
}

DlabTrainingJob *
dlab_training_job_new (const char *const *args, DlabSampleSet *data, const char *run_dir, gboolean resume)
{
  DlabTrainingJob *self = g_object_new (DLAB_TYPE_TRAINING_JOB, NULL);

  self->args = g_strdupv ((GStrv) args);
  self->data = g_object_ref (data);
  self->run_dir = g_strdup (run_dir);
  self->epoch_checkpoint = g_build_filename (run_dir, "model.safetensors", NULL);
  self->stopped_checkpoint = g_build_filename (run_dir, "stopped.safetensors", NULL);
  self->resume = resume;
  self->cancel_handler = g_cancellable_connect (self->cancellable, G_CALLBACK (on_cancelled),
                                                self, NULL);
  return self;
}

/* ---- hand-over to the main loop ------------------------------------------------ */

static void
emit_batch (DlabTrainingJob *self, GArray *steps, GArray *epochs)
{
  for (guint i = 0; i < steps->len; i++)
    g_signal_emit (self, signals[SIGNAL_STEP], 0, &g_array_index (steps, DlabStepInfo, i));
  for (guint i = 0; i < epochs->len; i++)
    {
      const DlabEpochInfo *ep = &g_array_index (epochs, DlabEpochInfo, i);
      self->epochs_done = ep->epoch;
      g_signal_emit (self, signals[SIGNAL_EPOCH], 0, ep);
    }
}

/* The main thread collects what the job's thread queued. It never waits
 * for the lock: the job's thread runs at a lower priority (see
 * yield_to_interface) and could be descheduled while holding it, so a
 * busy lock is simply tried again at the next tick. The job's thread
 * never touches the main context either (no sources attached from it,
 * whose lock the main loop needs on every iteration). */
static gboolean
deliver (gpointer data)
{
  DlabTrainingJob *self = data;
  GArray *swap;
  gboolean finished, results;

  if (!g_mutex_trylock (&self->lock))
    return G_SOURCE_CONTINUE;
  swap = self->steps_out;
  self->steps_out = self->steps_in;
  self->steps_in = swap;
  swap = self->epochs_out;
  self->epochs_out = self->epochs_in;
  self->epochs_in = swap;
  finished = self->finished_in;
  self->finished_in = FALSE;
  results = self->results_in;
  self->results_in = FALSE;
  g_mutex_unlock (&self->lock);

  if (self->steps_out->len || self->epochs_out->len || finished || results)
    self->n_deliveries++;
  emit_batch (self, self->steps_out, self->epochs_out);
  g_array_set_size (self->steps_out, 0);
  g_array_set_size (self->epochs_out, 0);

  if (finished)
    {
      self->end_time = g_get_monotonic_time ();
      self->state = self->state_in;
      self->epochs_done = MAX (self->epochs_done, self->epochs_done_in);
      self->error = g_steal_pointer (&self->error_in);
      if (self->state == DLAB_JOB_STOPPED && g_file_test (self->stopped_checkpoint, G_FILE_TEST_EXISTS))
        self->checkpoint = self->stopped_checkpoint;
      else if (g_file_test (self->epoch_checkpoint, G_FILE_TEST_EXISTS))
        self->checkpoint = self->epoch_checkpoint;
      g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
    }
  if (results)
    {
      g_thread_join (self->thread);
      self->thread = NULL;
      self->results = g_steal_pointer (&self->results_in_value);
      self->busy = FALSE;
      self->delivery_id = 0;
      g_signal_emit (self, signals[SIGNAL_RESULTS], 0);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* From the start of the run until its results are in. The source holds a
 * reference on the job. */
static void
start_delivery (DlabTrainingJob *self)
{
  self->delivery_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, DELIVERY_INTERVAL_MS, deliver,
                                          g_object_ref (self), g_object_unref);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->delivery_id),
                            "[digit-lab] training progress");
}

/* ---- the job's thread ------------------------------------------------------------ */

static void
on_step (const DlabStepInfo *info, void *user)
{
  DlabTrainingJob *self = user;

  g_mutex_lock (&self->lock);
  g_array_append_val (self->steps_in, *info);
  g_mutex_unlock (&self->lock);
}

static void
on_epoch (const DlabEpochInfo *info, void *user)
{
  DlabTrainingJob *self = user;

  g_mutex_lock (&self->lock);
  g_array_append_val (self->epochs_in, *info);
  g_mutex_unlock (&self->lock);
}

static int
fail (char **message, const char *what)
{
  *message = what ? g_strdup (what) : g_strdup (dlab_error_message ());
  return -1;
}

/* The run as `dlab train` would do it: the page's options, then the run
 * folder's checkpoint and log (and --resume). command.txt gets this very
 * command line. */
static GStrv
run_command (DlabTrainingJob *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  g_strv_builder_add (b, "dlab");
  g_strv_builder_add (b, "train");
  g_strv_builder_addv (b, (const char **) self->args);
  g_strv_builder_add_many (b, "--out", self->epoch_checkpoint, "--log", self->run_dir, NULL);
  if (self->resume)
    g_strv_builder_add (b, "--resume");
  return g_strv_builder_end (b);
}

static int
setup_run (DlabTrainingJob *self, char **message)
{
  g_auto (GStrv) argv = run_command (self);
  int argc = (int) g_strv_length (argv);
  DlabRunOptions o = dlab_run_options_defaults ();

  if (g_mkdir_with_parents (self->run_dir, 0777) < 0)
    {
      *message = g_strdup_printf (_("%s: cannot create the run folder: %s"), self->run_dir,
                                  g_strerror (errno));
      return -1;
    }
  if (dlab_run_options_parse (&o, argc - 2, argv + 2) < 0)
    return fail (message, NULL);
  /* The data the page loaded (and the Data page shows) is lent, not read again. */
  self->lent.train = *dlab_sample_set_get_train (self->data);
  self->lent.test = *dlab_sample_set_get_test (self->data);
  self->run = dlab_run_prepare (&o, &self->lent, argc, (const char *const *) argv);
  if (!self->run)
    return fail (message, NULL);
  self->start_epoch = dlab_run_summary (self->run)->start_epoch;
  self->steps_per_epoch = dlab_run_summary (self->run)->steps_per_epoch;
  return 0;
}

/* The final weights on the test set, image by image (the engine's). */
static DlabJobResults *
evaluate (DlabTrainingJob *self)
{
  DlabJobResults *r = g_new0 (DlabJobResults, 1);

  /* Stop ends the training, not its results: the evaluation runs to the end. */
  if (dlab_run_predict_test (self->run, NULL, &r->predictions) != 0)
    {
      g_free (r);
      return NULL;
    }
  /* A copy of the run's view of the test images outlives the run. */
  self->test = *r->predictions.test;
  r->n = r->predictions.n;
  r->k = r->predictions.k;
  r->loss = r->predictions.eval.loss;
  r->accuracy = r->predictions.eval.accuracy;
  r->confusion = r->predictions.eval.confusion;
  r->predicted = r->predictions.predicted;
  r->confidence = r->predictions.confidence;
  r->p_true = r->predictions.p_true;
  r->test = &self->test;
  return r;
}

static void
post_finished (DlabTrainingJob *self, DlabJobState state, char *message, int epochs_done)
{
  g_mutex_lock (&self->lock);
  self->finished_in = TRUE;
  self->state_in = state;
  self->error_in = message;
  self->epochs_done_in = epochs_done;
  g_mutex_unlock (&self->lock);
}

static void
post_results (DlabTrainingJob *self, DlabJobResults *results)
{
  g_mutex_lock (&self->lock);
  self->results_in = TRUE;
  self->results_in_value = results;
  g_mutex_unlock (&self->lock);
}

static void
save_stopped (DlabTrainingJob *self, char **message)
{
  if (dlab_run_save_model (self->run, self->stopped_checkpoint) < 0 && !*message)
    *message = g_strdup (dlab_error_message ());
}

/* Training takes every core it is given; the interface must still get
 * one the moment it has a frame to draw. The job's thread lowers its own
 * priority, and the engine's pool threads, started from it by
 * dlab_threads_set, inherit it. An idle machine still gives training all
 * its cores. (Linux: nice values are per thread.) */
static void
yield_to_interface (void)
{
#ifdef __linux__
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), TRAINING_NICE);
#endif
}

/* The run's model, optimizer state and batches are freed, but glibc keeps
 * freed memory in its arenas (one per thread that allocated: the job's,
 * the pool's, the loader's) and raises its mmap threshold after large
 * frees, so each run would leave the process a little larger. Handing
 * the free pages back leaves it where the run found it. */
static void
give_back_memory (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

static gpointer
run_thread (gpointer data)
{
  DlabTrainingJob *self = data;
  DlabTrainResult result = { 0 };
  char *message = NULL;
  DlabJobState state = DLAB_JOB_FAILED;
  gboolean trained = FALSE;
  DlabRunCallbacks callbacks = { on_step, on_epoch, self, &self->cancel };

  yield_to_interface ();
  dlab_error_clear ();
  if (setup_run (self, &message) == 0)
    {
      if (dlab_run_train (self->run, &callbacks, &result) == 0)
        {
          trained = TRUE;
          state = result.cancelled ? DLAB_JOB_STOPPED : DLAB_JOB_DONE;
        }
      else
        message = g_strdup (dlab_error_message ());
    }
  if (state == DLAB_JOB_STOPPED)
    save_stopped (self, &message);
  post_finished (self, state, message, MAX (result.epochs_done, self->start_epoch));

  post_results (self, trained ? evaluate (self) : NULL);

  dlab_run_free (self->run);
  self->run = NULL;
  give_back_memory ();
  g_object_unref (self);
  return NULL;
}

void
dlab_training_job_start (DlabTrainingJob *self)
{
  g_return_if_fail (DLAB_IS_TRAINING_JOB (self));
  g_return_if_fail (self->state == DLAB_JOB_READY && !self->busy);

  self->state = DLAB_JOB_RUNNING;
  self->busy = TRUE;
  start_delivery (self);
  self->thread = g_thread_new ("dlab-train", run_thread, g_object_ref (self));
}

void
dlab_training_job_stop (DlabTrainingJob *self)
{
  g_return_if_fail (DLAB_IS_TRAINING_JOB (self));
  if (!self->stop_time && self->state == DLAB_JOB_RUNNING)
    self->stop_time = g_get_monotonic_time ();
  g_cancellable_cancel (self->cancellable);
}

GCancellable *
dlab_training_job_get_cancellable (DlabTrainingJob *self)
{
  return self->cancellable;
}

DlabJobState
dlab_training_job_get_state (DlabTrainingJob *self)
{
  return self->state;
}

gboolean
dlab_training_job_is_busy (DlabTrainingJob *self)
{
  return self->busy;
}

const char *const *
dlab_training_job_get_args (DlabTrainingJob *self)
{
  return (const char *const *) self->args;
}

DlabSampleSet *
dlab_training_job_get_data (DlabTrainingJob *self)
{
  return self->data;
}

const char *
dlab_training_job_get_run_dir (DlabTrainingJob *self)
{
  return self->run_dir;
}

const char *
dlab_training_job_get_error (DlabTrainingJob *self)
{
  return self->error;
}

const char *
dlab_training_job_get_checkpoint (DlabTrainingJob *self)
{
  return self->checkpoint;
}

const char *
dlab_training_job_get_resume_checkpoint (DlabTrainingJob *self)
{
  g_autofree char *optim = g_build_filename (self->run_dir, "model.optim.safetensors", NULL);

  if (g_file_test (self->epoch_checkpoint, G_FILE_TEST_EXISTS) && g_file_test (optim, G_FILE_TEST_EXISTS))
    return self->epoch_checkpoint;
  return NULL;
}

int
dlab_training_job_get_epochs_done (DlabTrainingJob *self)
{
  return self->epochs_done;
}

int
dlab_training_job_get_start_epoch (DlabTrainingJob *self)
{
  return self->start_epoch;
}

long
dlab_training_job_get_steps_per_epoch (DlabTrainingJob *self)
{
  return self->steps_per_epoch;
}

const DlabJobResults *
dlab_training_job_get_results (DlabTrainingJob *self)
{
  return self->results;
}

gint64
dlab_training_job_get_stop_time (DlabTrainingJob *self)
{
  return self->stop_time;
}

gint64
dlab_training_job_get_end_time (DlabTrainingJob *self)
{
  return self->end_time;
}

guint
dlab_training_job_get_n_deliveries (DlabTrainingJob *self)
{
  return self->n_deliveries;
}

char *
dlab_runs_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digit-lab", "runs", NULL);
}

char *
dlab_run_name (const char *const *args)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  const char *dataset = dlab_run_args_get (args, "dataset"), *model = dlab_run_args_get (args, "model");

  dataset = !dataset ? "mnist" : g_str_has_prefix (dataset, "folder:") ? "folder" : dataset;
  model = model && dlab_zoo_find (model) ? model : model ? "custom" : "lenet";

  return g_strdup_printf ("%s-%s-%s", dataset, model, stamp);
}
