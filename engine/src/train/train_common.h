/* What the training loop (train.c) writes and checks, whichever device
 * runs the steps: the checks of a configuration, the metrics.csv layout,
 * checkpoint saving and the best-on-validation bookkeeping. Internal to
 * the engine. */
#ifndef DLAB_TRAIN_COMMON_H
#define DLAB_TRAIN_COMMON_H

#include "dlab/checkpoint.h"
#include "io/csv_log.h"
#include "dlab/train.h"

/* The configuration's values are usable: -1 with a message naming the
 * option otherwise. */
int dlab_train_check_config(const DlabTrainConfig *cfg);

/* Everything a run checks before it starts: the configuration, and that the
 * training, test and (when there is one) validation sets fit the model. */
int dlab_train_check_run(const DlabModel *m, const DlabDataset *train, const DlabDataset *test,
                         const DlabTrainConfig *cfg);

/* --save-best: the best epoch so far (0: none yet) and its metric. */
typedef struct {
  int epoch;
  double value;
} DlabTrainBest;

/* What a run writes as it goes, the same on every device: metrics.csv
 * (one row per step, one per epoch, the same columns), the TensorBoard
 * scalars, and after every epoch the checkpoint with the run's mark and
 * the best model. Any write that fails stops the run with its message. */
typedef struct {
  const DlabTrainConfig *cfg;
  long steps_per_epoch;
  DlabCsvLog csv;
  int csv_open;
  char run_id[DLAB_RUN_ID_SIZE];
  DlabModelInfo info; /* the checkpoints' metadata, from the training set */
  DlabTrainBest best;
} DlabTrainLog;

/* Opens metrics.csv (new, or continued after cfg->start_epoch), marks a
 * resumed run's first step in the event file, and takes cfg->run_id or a
 * new one. */
int dlab_train_log_open(DlabTrainLog *log, const DlabTrainConfig *cfg, const DlabDataset *train,
                        long steps_per_epoch);
void dlab_train_log_close(DlabTrainLog *log);

/* A step done: its metrics row and scalars, then cfg->on_step. `loss` is
 * the batch's mean loss at the precision the row keeps. */
int dlab_train_log_step(DlabTrainLog *log, const DlabStepInfo *si, double loss);

/* An epoch done and evaluated: its metrics row, the checkpoint, the best
 * model (sets ep->best), the scalars, result's fields, then cfg->on_epoch. */
int dlab_train_log_epoch(DlabTrainLog *log, const DlabModel *m, DlabOptimizer *opt, DlabEpochInfo *ep,
                         DlabTrainResult *result);

#endif
