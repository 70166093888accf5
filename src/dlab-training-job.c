/* DlabTrainingJob: see dlab-training-job.h. */
#include "dlab-training-job.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/resume.h"
#include "dlab/threads.h"
#include "dlab/transform.h"
#include "dlab/zoo.h"

/* The main loop collects the progress this often while a run goes on, so
 * a fast run costs the interface one short callback a frame. */
#define DELIVERY_INTERVAL_MS 16
/* Batch of the final per-sample evaluation. */
#define PREDICT_BATCH 500
/* The nice value of the training threads (see yield_to_interface). */
#define TRAINING_NICE 10

/* ---- settings -------------------------------------------------------------- */

DlabTrainSettings *
dlab_train_settings_new (void)
{
  DlabTrainSettings *s = g_new0 (DlabTrainSettings, 1);

  s->dataset = g_strdup ("mnist");
  s->model = g_strdup ("lenet");
  s->optimizer = g_strdup ("adam");
  s->lr = 1e-3;
  s->schedule = g_strdup ("constant");
  s->epochs = 10;
  s->batch_size = 64;
  s->split_seed = 42;
  s->seed = 1;
  return s;
}

DlabTrainSettings *
dlab_train_settings_copy (const DlabTrainSettings *s)
{
  DlabTrainSettings *c = g_memdup2 (s, sizeof *s);

  c->dataset = g_strdup (s->dataset);
  c->data_dir = g_strdup (s->data_dir);
  c->model = g_strdup (s->model);
  c->optimizer = g_strdup (s->optimizer);
  c->schedule = g_strdup (s->schedule);
  c->transforms = g_strdup (s->transforms);
  return c;
}

void
dlab_train_settings_free (DlabTrainSettings *s)
{
  if (!s)
    return;
  g_free (s->dataset);
  g_free (s->data_dir);
  g_free (s->model);
  g_free (s->optimizer);
  g_free (s->schedule);
  g_free (s->transforms);
  g_free (s);
}

static gboolean
is_sgd (const DlabTrainSettings *s)
{
  return g_strcmp0 (s->optimizer, "sgd") == 0;
}

/* Numbers as the CLI reads them back: a float printed with 9 digits is
 * the same float again, so both sides train with identical values. */
static char *
float_arg (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", (float) v));
}

GStrv
dlab_train_settings_to_argv (const DlabTrainSettings *s, const char *out, const char *log_dir)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

#define ADD(opt, value) do { char *v_ = (value); g_strv_builder_add (b, opt); g_strv_builder_add (b, v_); g_free (v_); } while (0)
  g_strv_builder_add (b, "train");
  ADD ("--dataset", g_strdup (s->dataset));
  if (s->data_dir && *s->data_dir)
    ADD ("--data", g_strdup (s->data_dir));
  ADD ("--model", g_strdup (s->model));
  ADD ("--optimizer", g_strdup (s->optimizer));
  ADD ("--lr", float_arg (s->lr));
  if (is_sgd (s))
    {
      ADD ("--momentum", float_arg (s->momentum));
      if (s->nesterov && s->momentum > 0)
        g_strv_builder_add (b, "--nesterov");
    }
  ADD ("--weight-decay", float_arg (s->weight_decay));
  ADD ("--schedule", g_strdup (s->schedule));
  if (s->transforms && *s->transforms)
    ADD ("--transform", g_strdup (s->transforms));
  ADD ("--epochs", g_strdup_printf ("%d", s->epochs));
  ADD ("--batch-size", g_strdup_printf ("%d", s->batch_size));
  if (s->limit > 0)
    ADD ("--limit", g_strdup_printf ("%d", s->limit));
  if (s->val_split > 0)
    {
      ADD ("--val-split", float_arg (s->val_split));
      ADD ("--split-seed", g_strdup_printf ("%d", s->split_seed));
    }
  ADD ("--seed", g_strdup_printf ("%d", s->seed));
  ADD ("--threads", g_strdup_printf ("%d", s->threads));
  if (out)
    ADD ("--out", g_strdup (out));
  if (log_dir)
    ADD ("--log", g_strdup (log_dir));
#undef ADD
  return g_strv_builder_end (b);
}

static gboolean
engine_error (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, dlab_error_message ());
  return FALSE;
}

gboolean
dlab_train_settings_check (const DlabTrainSettings *s, GError **error)
{
  DlabOptimKind kind;
  DlabScheduleConfig schedule;
  DlabTransformList transforms;

  dlab_error_clear ();
  if (s->epochs < 1 || s->batch_size < 1 || s->limit < 0 || s->threads < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Epochs and batch size must be at least 1"));
      return FALSE;
    }
  if (!(s->lr > 0))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The learning rate must be positive"));
      return FALSE;
    }
  if (s->val_split < 0 || s->val_split >= 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The validation split must be between 0 and 1"));
      return FALSE;
    }
  if (dlab_optim_parse_kind (s->optimizer, &kind) < 0 ||
      dlab_schedule_parse (s->schedule, &schedule) < 0 ||
      dlab_transforms_parse (s->transforms, &transforms) < 0)
    return engine_error (error);
  return TRUE;
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

  DlabTrainSettings *settings;
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
  DlabDataset train, val;
  DlabDataset test;                /* the set's test split, with its own mean/std */
  DlabTransformList transforms;
  DlabModel *model;
  DlabOptimizer *optimizer;
  DlabTfEvents *events;
  DlabRunMark resumed;             /* where a resumed run's checkpoint was */
};

G_DEFINE_FINAL_TYPE (DlabTrainingJob, dlab_training_job, G_TYPE_OBJECT)

static void
results_free (DlabJobResults *r)
{
  if (!r)
    return;
  g_free (r->confusion);
  g_free (r->predicted);
  g_free (r->confidence);
  g_free (r->p_true);
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
  dlab_train_settings_free (self->settings);
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
dlab_training_job_new (const DlabTrainSettings *settings, DlabSampleSet *data,
                       const char *run_dir, gboolean resume)
{
  DlabTrainingJob *self = g_object_new (DLAB_TYPE_TRAINING_JOB, NULL);

  self->settings = dlab_train_settings_copy (settings);
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

/* The command line that repeats this run, in the run folder's command.txt
 * (a resume adds its line), as `dlab train --log` keeps it. */
static int
write_command (DlabTrainingJob *self, char **message)
{
  g_auto (GStrv) argv = dlab_train_settings_to_argv (self->settings, self->epoch_checkpoint, self->run_dir);
  g_autoptr (GPtrArray) line = g_ptr_array_new ();

  g_ptr_array_add (line, (gpointer) "dlab");
  for (int i = 0; argv[i]; i++)
    g_ptr_array_add (line, argv[i]);
  if (self->resume)
    g_ptr_array_add (line, (gpointer) "--resume");
  if (dlab_run_command_write (self->run_dir, (int) line->len, (const char *const *) line->pdata,
                              self->resume) < 0)
    return fail (message, NULL);
  return 0;
}

/* The data as `dlab train` prepares it: the first `limit` training images,
 * the validation split, the test split normalized with the training
 * statistics, and the transforms' normalization. */
static int
prepare_data (DlabTrainingJob *self, char **message)
{
  const DlabTrainSettings *s = self->settings;
  const DlabDataset *all = dlab_sample_set_get_train (self->data);
  int n = s->limit > 0 && s->limit < all->n ? s->limit : all->n;
  g_autofree guint32 *idx = g_new (guint32, n);

  for (int i = 0; i < n; i++)
    idx[i] = (guint32) i;
  if (dlab_dataset_subset (all, idx, n, &self->train) < 0)
    return fail (message, NULL);
  /* A view of the shared test images: only mean and std are changed. */
  self->test = *dlab_sample_set_get_test (self->data);
  if (s->val_split > 0)
    {
      if (dlab_dataset_split (&self->train, (double) (float) s->val_split, (uint64_t) s->split_seed,
                              &self->val) < 0)
        return fail (message, NULL);
      dlab_dataset_copy_stats (&self->test, &self->train);
    }
  if (dlab_transforms_parse (s->transforms, &self->transforms) < 0 ||
      dlab_transforms_set_stats (&self->transforms, &self->train, self->val.n ? &self->val : NULL,
                                 &self->test) < 0 ||
      dlab_transforms_check (&self->transforms, self->train.c, self->train.h, self->train.w) < 0)
    return fail (message, NULL);
  return 0;
}

static int
fill_config (DlabTrainingJob *self, DlabTrainConfig *cfg, char **message)
{
  const DlabTrainSettings *s = self->settings;
  DlabOptimKind kind;

  *cfg = dlab_train_defaults ();
  if (dlab_optim_parse_kind (s->optimizer, &kind) < 0 ||
      dlab_schedule_parse (s->schedule, &cfg->schedule) < 0)
    return fail (message, NULL);
  cfg->optim = dlab_optim_defaults (kind);
  cfg->optim.lr = (float) s->lr;
  cfg->optim.momentum = is_sgd (s) ? (float) s->momentum : 0.0f;
  cfg->optim.nesterov = is_sgd (s) && s->nesterov && s->momentum > 0;
  cfg->optim.weight_decay = (float) s->weight_decay;
  cfg->epochs = s->epochs;
  cfg->batch_size = s->batch_size;
  cfg->seed = (uint64_t) s->seed;
  cfg->checkpoint = self->epoch_checkpoint;
  cfg->transforms = &self->transforms;
  cfg->val = self->val.n ? &self->val : NULL;
  cfg->on_step = on_step;
  cfg->on_epoch = on_epoch;
  cfg->user = self;
  cfg->cancel = &self->cancel;
  return 0;
}

/* The checkpoint pair of the run folder, checked as `dlab train --resume`
 * checks it, into the model and optimizer. */
static int
load_resume_state (DlabTrainingJob *self, DlabTrainConfig *cfg, char **message)
{
  long spe = (self->train.n + cfg->batch_size - 1) / cfg->batch_size;

  if (dlab_resume_load (self->epoch_checkpoint, self->model, self->optimizer, spe, &self->resumed) < 0)
    return fail (message, NULL);
  cfg->start_epoch = self->resumed.epoch;
  cfg->run_id = self->resumed.run_id;
  return 0;
}

static int
setup_run (DlabTrainingJob *self, DlabTrainConfig *cfg, char **message)
{
  DlabShape in;
  g_autofree char *csv = g_build_filename (self->run_dir, "metrics.csv", NULL);

  if (g_mkdir_with_parents (self->run_dir, 0777) < 0)
    {
      *message = g_strdup_printf (_("%s: cannot create the run folder: %s"), self->run_dir,
                                  g_strerror (errno));
      return -1;
    }
  if (prepare_data (self, message) < 0 || fill_config (self, cfg, message) < 0)
    return -1;
  if (dlab_threads_set (self->settings->threads) < 0)
    return fail (message, NULL);
  in = (DlabShape) { 3, { self->train.c, self->train.h, self->train.w } };
  self->model = dlab_model_create (self->settings->model, in, (uint64_t) self->settings->seed);
  if (!self->model)
    return fail (message, NULL);
  self->optimizer = dlab_optimizer_create (&cfg->optim, self->model);
  if (!self->optimizer)
    return fail (message, NULL);
  cfg->optimizer = self->optimizer;
  if (self->resume && load_resume_state (self, cfg, message) < 0)
    return -1;
  /* A resumed run continues the engine's CSV log after its epoch. */
  cfg->csv_path = g_steal_pointer (&csv);
  self->steps_per_epoch = (self->train.n + cfg->batch_size - 1) / cfg->batch_size;
  self->start_epoch = cfg->start_epoch;
  if (write_command (self, message) < 0)
    return -1;
  self->events = dlab_tfevents_open (self->run_dir);
  if (!self->events)
    return fail (message, NULL);
  cfg->events = self->events;
  return 0;
}

/* The final weights on the test set: dlab_evaluate's loss, accuracy and
 * confusion matrix, and each sample's prediction for the mistakes. */
static DlabJobResults *
evaluate (DlabTrainingJob *self)
{
  const DlabDataset *d = &self->test;
  DlabEvalResult ev;
  DlabJobResults *r;
  int k = d->num_classes, batch = MIN (PREDICT_BATCH, d->n);
  g_autofree guint32 *idx = g_new (guint32, batch);
  g_autofree guint8 *labels = g_new (guint8, batch);

  if (dlab_evaluate (self->model, d, 0, &ev) < 0)
    return NULL;
  r = g_new0 (DlabJobResults, 1);
  r->n = d->n;
  r->k = k;
  r->loss = ev.loss;
  r->accuracy = ev.accuracy;
  r->confusion = g_memdup2 (ev.confusion, sizeof (int) * k * k);
  dlab_eval_result_free (&ev);
  r->predicted = g_new (guint8, d->n);
  r->confidence = g_new (float, d->n);
  r->p_true = g_new (float, d->n);
  r->test = d;
  if (dlab_model_set_batch (self->model, batch) < 0)
    {
      results_free (r);
      return NULL;
    }
  for (int start = 0; start < d->n; start += batch)
    {
      int count = MIN (batch, d->n - start);
      for (int i = 0; i < count; i++)
        idx[i] = (guint32) (start + i);
      dlab_dataset_gather (d, idx, count, &self->model->acts[0], labels);
      const DlabTensor *logits = dlab_model_forward (self->model, count, 0);
      for (int i = 0; i < count; i++)
        {
          const float *row = logits->data + (gsize) i * k;
          int best = 0;
          double sum = 0;
          for (int c = 1; c < k; c++)
            if (row[c] > row[best])
              best = c;
          for (int c = 0; c < k; c++)
            sum += exp (row[c] - row[best]);
          r->predicted[start + i] = (guint8) best;
          r->confidence[start + i] = (float) (1.0 / sum);
          r->p_true[start + i] = (float) (exp (row[labels[i]] - row[best]) / sum);
        }
    }
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
  DlabModelInfo info;

  dlab_model_info_from_dataset (&info, &self->train);
  if (dlab_checkpoint_save (self->stopped_checkpoint, self->model, &info) < 0)
    *message = g_strdup (dlab_error_message ());
  dlab_model_info_free (&info);
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

static gpointer
run_thread (gpointer data)
{
  DlabTrainingJob *self = data;
  DlabTrainConfig cfg;
  DlabTrainResult result = { 0 };
  char *message = NULL;
  DlabJobState state = DLAB_JOB_FAILED;
  gboolean trained = FALSE;

  yield_to_interface ();
  cfg = dlab_train_defaults ();
  dlab_error_clear ();
  if (setup_run (self, &cfg, &message) == 0)
    {
      if (dlab_train (self->model, &self->train, &self->test, &cfg, &result) == 0)
        {
          trained = TRUE;
          state = result.cancelled ? DLAB_JOB_STOPPED : DLAB_JOB_DONE;
        }
      else
        message = g_strdup (dlab_error_message ());
    }
  if (state == DLAB_JOB_STOPPED)
    save_stopped (self, &message);
  /* The last scalars reach the file here: a failure is the run's. */
  if (dlab_tfevents_close (self->events) < 0 && !message)
    {
      message = g_strdup (dlab_error_message ());
      state = DLAB_JOB_FAILED;
    }
  self->events = NULL;
  g_free ((char *) cfg.csv_path);
  post_finished (self, state, message, MAX (result.epochs_done, cfg.start_epoch));

  post_results (self, trained ? evaluate (self) : NULL);

  dlab_optimizer_free (self->optimizer);
  dlab_model_free (self->model);
  self->optimizer = NULL;
  self->model = NULL;
  dlab_dataset_free (&self->train);
  dlab_dataset_free (&self->val);
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

const DlabTrainSettings *
dlab_training_job_get_settings (DlabTrainingJob *self)
{
  return self->settings;
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
dlab_run_name (const DlabTrainSettings *s)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  const char *dataset = g_str_has_prefix (s->dataset, "folder:") ? "folder" : s->dataset;
  const char *model = dlab_zoo_find (s->model) ? s->model : "custom";

  return g_strdup_printf ("%s-%s-%s", dataset, model, stamp);
}
