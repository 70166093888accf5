/* DlabTrainingJob: one training run, on its own thread, through the very
 * engine run `dlab train` makes (dlab_run_prepare, dlab_run_train: the same
 * options, limit, validation split, normalization, model from the seed), so
 * the same arguments give the same weights. The page's datasets are lent
 * to the run.
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
#include "dlab/run.h"
#include "dlab/train.h"

G_BEGIN_DECLS

/* A run is described by `dlab train` arguments (dlab/run.h): the Train page
 * builds them from its widgets, the engine parses and checks them, and
 * command.txt repeats them. These helpers work on such an argument list
 * (NULL-terminated, without the program name). */

/* What can be checked without data: every number in its range, the
 * optimizer, schedule, transforms, device and what goes together. FALSE
 * with the engine's message. */
gboolean dlab_run_args_check (const char *const *args, GError **error);
/* The value of --option in args ("" for a flag), or NULL when absent. */
const char *dlab_run_args_get (const char *const *args, const char *option);

typedef enum {
  DLAB_JOB_READY,      /* not started */
  DLAB_JOB_RUNNING,
  DLAB_JOB_DONE,       /* every epoch trained */
  DLAB_JOB_STOPPED,    /* stopped by dlab_training_job_stop */
  DLAB_JOB_FAILED,
} DlabJobState;

/* The test set's verdict on the final weights (the engine's
 * DlabRunPredictions, with its figures at hand). */
typedef struct {
  DlabRunPredictions predictions;
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

/* A run of `args` on `data` (the dataset args name, already loaded)
 * writing to run_dir (created when missing). With `resume`, continues the
 * run saved in run_dir (model.safetensors and its optimizer state). */
DlabTrainingJob *dlab_training_job_new (const char *const *args, DlabSampleSet *data, const char *run_dir,
                                        gboolean resume);

/* Starts the thread. */
void dlab_training_job_start (DlabTrainingJob *self);
/* Asks the run to stop (cancels the job's cancellable). */
void dlab_training_job_stop (DlabTrainingJob *self);
GCancellable *dlab_training_job_get_cancellable (DlabTrainingJob *self);

DlabJobState dlab_training_job_get_state (DlabTrainingJob *self);
/* TRUE until the thread has ended (after "results"). */
gboolean dlab_training_job_is_busy (DlabTrainingJob *self);
const char *const *dlab_training_job_get_args (DlabTrainingJob *self);
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
char *dlab_run_name (const char *const *args);

G_END_DECLS
