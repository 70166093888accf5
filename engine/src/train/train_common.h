/* What every training loop shares, whichever device runs the steps
 * (train.c on the CPU, backend/cuda/cuda_train.c on a GPU): the checks of a
 * configuration, the metrics.csv layout, checkpoint saving and the
 * best-on-validation bookkeeping. Keeping them in one place is what makes
 * a GPU run's files the same as a CPU run's. Internal to the engine. */
#ifndef DLAB_TRAIN_COMMON_H
#define DLAB_TRAIN_COMMON_H

#include "dlab/checkpoint.h"
#include "dlab/csv_log.h"
#include "dlab/train.h"

/* Seconds on the monotonic clock. */
double dlab_train_now(void);

/* The configuration's values are usable: -1 with a message naming the
 * option otherwise. */
int dlab_train_check_config(const DlabTrainConfig *cfg);

/* The dataset fits the model (image shape, class count) and is not empty. */
int dlab_train_check_compatible(const DlabModel *m, const DlabDataset *d);

/* Everything a run checks before it starts: the configuration, and that the
 * training, test and (when there is one) validation sets fit the model. */
int dlab_train_check_run(const DlabModel *m, const DlabDataset *train, const DlabDataset *test,
                         const DlabTrainConfig *cfg);

/* metrics.csv: one row per step, one per epoch, the same columns on every
 * device. */
int dlab_train_csv_open(DlabCsvLog *csv, const char *path);
void dlab_train_csv_step(DlabCsvLog *csv, int epoch, long step, float lr, double loss, double accuracy);
void dlab_train_csv_epoch(DlabCsvLog *csv, const DlabEpochInfo *ep, long steps_per_epoch);

/* cfg->checkpoint (when set) and the optimizer state beside it. */
int dlab_train_save_checkpoint(const DlabTrainConfig *cfg, const DlabModel *m, const DlabModelInfo *info,
                               DlabOptimizer *opt);

/* --save-best: the best epoch so far (0: none yet) and its metric. */
typedef struct {
  int epoch;
  double value;
} DlabTrainBest;

/* Saves the model to cfg->best_checkpoint, without optimizer state (it is
 * for using, not for resuming), when `ep` beats `best`; then sets ep->best. */
int dlab_train_save_if_best(DlabTrainBest *best, const DlabTrainConfig *cfg, const DlabModel *m,
                            const DlabModelInfo *info, DlabEpochInfo *ep);

#endif
