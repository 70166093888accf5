/* The training loop, shared by `dlab train` and the GUI: shuffling,
 * batching, forward, loss, backward, optimizer step, schedule, evaluation,
 * metrics log and checkpoint. Progress reaches the caller through callbacks
 * on the training thread; `cancel` stops the run between steps and between
 * the batches of an evaluation. */
#ifndef DLAB_TRAIN_H
#define DLAB_TRAIN_H

#include <stdatomic.h>
#include <stddef.h>

#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/model.h"
#include "dlab/transform.h"
#include "dlab/optim.h"
#include "dlab/schedule.h"
#include "dlab/tfevents.h"

typedef struct {
  int epoch;          /* 1-based */
  int epochs;
  long step;          /* global, 1-based */
  long steps_per_epoch;
  long step_in_epoch; /* 1-based */
  float lr;
  float loss;         /* this batch */
  float accuracy;     /* this batch */
  double images_per_sec; /* over the epoch so far */
  double elapsed_sec;    /* since the run started */
  double eta_sec;        /* for the whole run */
} DlabStepInfo;

typedef struct {
  int epoch;
  int epochs;
  double train_loss, train_accuracy; /* means over the epoch's batches */
  double test_loss, test_accuracy;   /* on the test set, in eval mode */
  double seconds;                    /* the epoch's training time */
  double images_per_sec;
  double val_loss, val_accuracy;     /* on the validation set; NAN without one */
  int best;                          /* the best epoch so far (--save-best wrote it) */
  double data_wait_sec;              /* time the loop waited for batches */
} DlabEpochInfo;

/* Which validation metric picks the best checkpoint. */
typedef enum {
  DLAB_SAVE_BEST_NONE,
  DLAB_SAVE_BEST_VAL_LOSS, /* lowest validation loss */
  DLAB_SAVE_BEST_VAL_ACC,  /* highest validation accuracy */
} DlabSaveBest;

/* "val_loss" / "val_acc" (also "val_accuracy", "none"). */
int dlab_save_best_parse(const char *text, DlabSaveBest *out);

typedef struct {
  int epochs;               /* total, including start_epoch */
  int start_epoch;          /* epochs already done when resuming (0); see
                               dlab_resume_load (resume.h) */
  int batch_size;
  int no_shuffle;           /* 1: every epoch in the dataset's order (the
                               CIFAR-10 tutorial's DataLoader); 0: shuffled */
  DlabOptimConfig optim;
  DlabScheduleConfig schedule;
  float label_smoothing;
  uint64_t seed;
  int eval_batch_size;      /* 0: 1000 */
  const char *checkpoint;   /* written after every epoch when not NULL, with
                               the optimizer state beside it (see
                               dlab_optimizer_state_path); both files record
                               the run id, epoch and step (DlabRunMark) */
  const char *run_id;       /* the run the checkpoints belong to: a resume
                               passes the checkpoint's; NULL: a new id */
  const char *csv_path;     /* metrics log when not NULL: new, or when
                               resuming the rows up to start_epoch's kept
                               and the rest dropped (dlab_csv_resume) */
  DlabTfEvents *events;     /* TensorBoard scalars of every step and epoch
                               (run_events.h) when not NULL; a resumed run
                               first marks its first step as a restart
                               (dlab_tfevents_add_session_start) */
  void (*on_step)(const DlabStepInfo *info, void *user);
  void (*on_epoch)(const DlabEpochInfo *info, void *user);
  void *user;
  atomic_int *cancel;       /* the run stops between steps and between the
                               evaluation's batches when set */
  DlabOptimizer *optimizer; /* resume with this state; NULL: a fresh one */
  /* Data pipeline (loader.h): augmentation of the training batches, made
   * ahead on background threads. NULL: normalization only. */
  const DlabTransformList *transforms;
  int loader_workers;       /* -1: automatic (the default), 0: none */
  /* Validation: evaluated after every epoch when not NULL (carve it from
   * the training set with dlab_dataset_split, never from the test set). */
  const DlabDataset *val;
  DlabSaveBest save_best;   /* needs val */
  const char *best_checkpoint; /* where the best epoch's model goes */
  /* Early stopping: the run ends after an epoch that is `patience` epochs
   * past the best one (0: never). Needs save_best, whose best survives a
   * resume, so a resumed run stops where an uninterrupted one would. */
  int patience;
  /* Where the steps run (device.h; dlab_device_check it first for its
   * message): the CPU (the default, all zero) or a CUDA GPU, whose backend
   * keeps the data on the GPU and makes the batches there, with the same
   * order and augmentation draws (cfg->loader_workers is then unused). The
   * files a run writes are the same on every device. */
  DlabDeviceSpec device;
} DlabTrainConfig;

DlabTrainConfig dlab_train_defaults(void);

/* "run.safetensors" -> "run.optim.safetensors" into buf. */
const char *dlab_optimizer_state_path(const char *checkpoint, char *buf, size_t n);

typedef struct {
  int epochs_done;
  int cancelled;
  DlabEpochInfo last;
  int best_epoch;    /* 0 when no best checkpoint was saved */
  double best_value; /* its validation loss or accuracy */
  int stopped_early; /* the epoch early stopping (patience) ended the run after; 0: it did not */
} DlabTrainResult;

/* Trains m on train on cfg->device, evaluating on val (if any) and test
 * after each epoch. m's weights (and cfg->optimizer's state, when resuming)
 * are read at the start and hold the run's after every epoch and when it
 * stops. Returns 0 (also when cancelled: result->cancelled) or -1 with a
 * message (a NaN loss stops the run and names the step; the last good
 * checkpoint is kept; so does a metrics row or an event record that cannot
 * be written). */
int dlab_train(DlabModel *m, const DlabDataset *train, const DlabDataset *test,
               const DlabTrainConfig *cfg, DlabTrainResult *result);

/* Equal-width bins of the top probability for the calibration error. */
#define DLAB_ECE_BINS 15

typedef struct {
  double loss, accuracy;
  int n;
  int scored;     /* images with a class (accuracy counts these; see DLAB_LABEL_NONE) */
  int *confusion; /* num_classes x num_classes, [true][predicted]; caller frees */
  /* Expected calibration error: over DLAB_ECE_BINS bins of the top
   * probability, |accuracy - mean top probability| weighted by the share of
   * images in the bin. 0 when "90% sure" is right 90% of the time. */
  double calibration_error;
} DlabEvalResult;

/* Evaluates m on d in eval mode (d's mean/std normalize the images). */
int dlab_evaluate(DlabModel *m, const DlabDataset *d, int batch_size, DlabEvalResult *out);
/* dlab_evaluate that stops before the next batch once *cancel is set (cancel
 * may be NULL): returns 1 then, with the figures of the out->n images
 * evaluated so far (loss and accuracy NaN when none); free out as well. */
int dlab_evaluate_cancellable(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                              DlabEvalResult *out);

/* Each image's reading, filled by dlab_evaluate_readings: arrays of d->n
 * the caller allocates. */
typedef struct {
  unsigned char *predicted; /* the predicted class */
  float *confidence;        /* its probability */
  float *p_true;            /* the probability of the true class */
} DlabEvalReadings;

/* dlab_evaluate_cancellable that also reads every image (readings may be
 * NULL), in the same pass. */
int dlab_evaluate_readings(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                           DlabEvalResult *out, DlabEvalReadings *readings);
void dlab_eval_result_free(DlabEvalResult *r);

/* dlab_evaluate on `device` (the CPU, or a CUDA GPU after dlab_device_check).
 * Nothing to free in out when it fails. */
int dlab_evaluate_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *d, int batch_size,
                         DlabEvalResult *out);

#endif
