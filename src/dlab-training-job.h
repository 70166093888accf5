/* DlabTrainingJob: one training run, on its own thread, through the very
 * engine call `dlab train` makes (dlab_train), with the same steps around
 * it (first `limit` images, validation split, normalization, model from the
 * seed), so the same settings give the same weights.
 *
 * Threads: the run and its final evaluation happen on the job's thread,
 * at a lower priority than the interface. Progress is queued there and
 * collected by the main loop in batches (a 16 ms timeout while the job is
 * busy, which never waits for the queue's lock), where the signals are
 * emitted: "step" once per training step, "epoch" once per epoch,
 * "finished" when training ends (done, stopped or failed) and "results"
 * when the test set has been evaluated. Nothing here touches GTK.
 *
 * Stop: g_cancellable_cancel on the job's cancellable (dlab_training_job_stop)
 * sets the engine's cancel flag; the run ends after the current step and
 * the weights of that moment are saved (stopped.safetensors) before
 * "finished". The run folder holds the checkpoint after every epoch
 * (model.safetensors, with its optimizer state for resuming), metrics.csv,
 * the TensorBoard event files and command.txt, the equivalent `dlab train`
 * command. A resume checks and loads the checkpoint pair, continues
 * metrics.csv after the resumed epoch and adds its line to command.txt
 * exactly as `dlab train --resume --log` does (resume.h). */
#pragma once

#include <gio/gio.h>

#include "dlab-sample-set.h"
#include "dlab/train.h"

G_BEGIN_DECLS

/* Every choice of the Train page; strings are owned. */
typedef struct {
  char *dataset;        /* engine name: "mnist", "folder:DIR" */
  char *data_dir;       /* NULL or "": the usual places */
  char *model;          /* a zoo name or a spec */
  char *optimizer;      /* "sgd", "adam", "adamw" */
  double lr, momentum, weight_decay;
  gboolean nesterov;
  char *schedule;       /* dlab_schedule_parse's text */
  char *transforms;     /* dlab_transforms_parse's text; NULL or "": none */
  int epochs, batch_size;
  int limit;            /* first N training images; 0: all */
  double val_split;     /* 0: no validation set */
  int split_seed;
  int seed;
  int threads;          /* 0: every core */
} DlabTrainSettings;

DlabTrainSettings *dlab_train_settings_new (void);  /* dlab train's defaults */
DlabTrainSettings *dlab_train_settings_copy (const DlabTrainSettings *s);
void dlab_train_settings_free (DlabTrainSettings *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlabTrainSettings, dlab_train_settings_free)

/* The `dlab train` arguments (without the program name) that do the same
 * run, writing to `out` and logging to `log_dir` (either may be NULL). */
GStrv dlab_train_settings_to_argv (const DlabTrainSettings *s, const char *out, const char *log_dir);

/* Checks what can be checked without data: numbers in range, the
 * optimizer, schedule and transforms parse. FALSE with a message. */
gboolean dlab_train_settings_check (const DlabTrainSettings *s, GError **error);

typedef enum {
  DLAB_JOB_READY,      /* not started */
  DLAB_JOB_RUNNING,
  DLAB_JOB_DONE,       /* every epoch trained */
  DLAB_JOB_STOPPED,    /* stopped by dlab_training_job_stop */
  DLAB_JOB_FAILED,
} DlabJobState;

/* The test set's verdict on the final weights. */
typedef struct {
  int n, k;                 /* test samples, classes */
  double loss, accuracy;    /* dlab_evaluate's */
  int *confusion;           /* k x k, [true][predicted], dlab_evaluate's */
  guint8 *predicted;        /* n: the predicted class of each test sample */
  float *confidence;        /* n: its probability */
  float *p_true;            /* n: the probability of the true class */
  const DlabDataset *test;  /* the images (kept alive by the job) */
} DlabJobResults;

#define DLAB_TYPE_TRAINING_JOB (dlab_training_job_get_type ())
G_DECLARE_FINAL_TYPE (DlabTrainingJob, dlab_training_job, DLAB, TRAINING_JOB, GObject)

/* A run of `settings` on `data` (loaded from settings->dataset) writing to
 * run_dir (created when missing). With `resume`, continues the run saved
 * in run_dir (model.safetensors and its optimizer state). */
DlabTrainingJob *dlab_training_job_new (const DlabTrainSettings *settings, DlabSampleSet *data,
                                        const char *run_dir, gboolean resume);

/* Starts the thread. */
void dlab_training_job_start (DlabTrainingJob *self);
/* Asks the run to stop (cancels the job's cancellable). */
void dlab_training_job_stop (DlabTrainingJob *self);
GCancellable *dlab_training_job_get_cancellable (DlabTrainingJob *self);

DlabJobState dlab_training_job_get_state (DlabTrainingJob *self);
/* TRUE until the thread has ended (after "results"). */
gboolean dlab_training_job_is_busy (DlabTrainingJob *self);
const DlabTrainSettings *dlab_training_job_get_settings (DlabTrainingJob *self);
DlabSampleSet *dlab_training_job_get_data (DlabTrainingJob *self);
const char *dlab_training_job_get_run_dir (DlabTrainingJob *self);
/* The message of a failed run, else NULL. */
const char *dlab_training_job_get_error (DlabTrainingJob *self);
/* The newest weights once finished: stopped.safetensors after a stop,
 * else model.safetensors; NULL when none was written. */
const char *dlab_training_job_get_checkpoint (DlabTrainingJob *self);
/* The epoch checkpoint a resume would continue (NULL when none). */
const char *dlab_training_job_get_resume_checkpoint (DlabTrainingJob *self);
int dlab_training_job_get_epochs_done (DlabTrainingJob *self);
int dlab_training_job_get_start_epoch (DlabTrainingJob *self);
long dlab_training_job_get_steps_per_epoch (DlabTrainingJob *self);
/* NULL until "results". */
const DlabJobResults *dlab_training_job_get_results (DlabTrainingJob *self);
/* Monotonic times (µs) of the stop request and of the end of training,
 * 0 when they have not happened: what the Stop button promises. */
gint64 dlab_training_job_get_stop_time (DlabTrainingJob *self);
gint64 dlab_training_job_get_end_time (DlabTrainingJob *self);
/* How many batches of progress the main loop collected (coalescing). */
guint dlab_training_job_get_n_deliveries (DlabTrainingJob *self);

/* <data dir>/digit-lab/runs (XDG_DATA_HOME or ~/.local/share). */
char *dlab_runs_dir (void);
/* A new run folder name: DATASET-MODEL-YYYYmmdd-HHMMSS. */
char *dlab_run_name (const DlabTrainSettings *s);

G_END_DECLS
