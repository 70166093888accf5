#include "train_common.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "dlab/error.h"

double dlab_train_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int dlab_train_check_config(const DlabTrainConfig *cfg) {
  if (cfg->epochs < 1) return dlab_error("--epochs %d: must be at least 1", cfg->epochs);
  if (cfg->batch_size < 1) return dlab_error("--batch-size %d: must be at least 1", cfg->batch_size);
  if (!(cfg->optim.lr > 0)) return dlab_error("--lr %g: must be positive", (double)cfg->optim.lr);
  if (cfg->label_smoothing < 0 || cfg->label_smoothing >= 1)
    return dlab_error("--label-smoothing %g: must be in [0, 1)", (double)cfg->label_smoothing);
  if (cfg->start_epoch < 0 || cfg->start_epoch >= cfg->epochs)
    return dlab_error("resuming after epoch %d of %d: nothing left to train", cfg->start_epoch, cfg->epochs);
  if (cfg->save_best != DLAB_SAVE_BEST_NONE && !cfg->val)
    return dlab_error("--save-best needs a validation set (--val-split)");
  if (cfg->save_best != DLAB_SAVE_BEST_NONE && !cfg->best_checkpoint)
    return dlab_error("--save-best: no file given for the best checkpoint");
  return 0;
}

int dlab_train_check_compatible(const DlabModel *m, const DlabDataset *d) {
  const DlabShape in = m->input;
  if (in.ndim != 3 || in.d[0] != d->c || in.d[1] != d->h || in.d[2] != d->w) {
    char s[64];
    return dlab_error("%s has %dx%dx%d images but the model takes %s", d->name, d->c, d->h, d->w,
                      dlab_shape_str(in, s, sizeof s));
  }
  if (dlab_model_num_outputs(m) != d->num_classes)
    return dlab_error("%s has %d classes but the model has %d outputs", d->name, d->num_classes,
                      dlab_model_num_outputs(m));
  if (d->n < 1) return dlab_error("%s is empty", d->name);
  return 0;
}

int dlab_train_check_run(const DlabModel *m, const DlabDataset *train, const DlabDataset *test,
                         const DlabTrainConfig *cfg) {
  if (dlab_train_check_config(cfg) < 0 || dlab_train_check_compatible(m, train) < 0 ||
      dlab_train_check_compatible(m, test) < 0 || (cfg->val && dlab_train_check_compatible(m, cfg->val) < 0))
    return -1;
  return 0;
}

static const char *const csv_columns[] = {
    "epoch", "step", "lr", "loss", "accuracy", "train_loss", "train_accuracy",
    "test_loss", "test_accuracy", "images_per_sec", "seconds", "val_loss", "val_accuracy",
};
#define N_CSV_COLUMNS (int)(sizeof csv_columns / sizeof csv_columns[0])

int dlab_train_csv_open(DlabCsvLog *csv, const char *path) {
  return dlab_csv_open(csv, path, csv_columns, N_CSV_COLUMNS);
}

void dlab_train_csv_step(DlabCsvLog *csv, int epoch, long step, float lr, double loss, double accuracy) {
  double row[N_CSV_COLUMNS] = {epoch, step, lr, loss, accuracy, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
  dlab_csv_row(csv, row);
}

void dlab_train_csv_epoch(DlabCsvLog *csv, const DlabEpochInfo *ep, long steps_per_epoch) {
  double row[N_CSV_COLUMNS] = {ep->epoch, (double)ep->epoch * steps_per_epoch, NAN, NAN, NAN,
                               ep->train_loss, ep->train_accuracy, ep->test_loss, ep->test_accuracy,
                               ep->images_per_sec, ep->seconds, ep->val_loss, ep->val_accuracy};
  dlab_csv_row(csv, row);
}

int dlab_train_save_checkpoint(const DlabTrainConfig *cfg, const DlabModel *m, const DlabModelInfo *info,
                               DlabOptimizer *opt) {
  const char *path = cfg->checkpoint;
  if (!path) return 0;
  if (dlab_checkpoint_save(path, m, info) < 0) return -1;
  char opt_path[4096];
  return dlab_optimizer_save(dlab_optimizer_state_path(path, opt_path, sizeof opt_path), opt);
}

static int improves(const DlabTrainBest *best, DlabSaveBest metric, const DlabEpochInfo *ep) {
  if (best->epoch == 0) return 1;
  if (metric == DLAB_SAVE_BEST_VAL_LOSS) return ep->val_loss < best->value;
  return ep->val_accuracy > best->value;
}

int dlab_train_save_if_best(DlabTrainBest *best, const DlabTrainConfig *cfg, const DlabModel *m,
                            const DlabModelInfo *info, DlabEpochInfo *ep) {
  if (cfg->save_best == DLAB_SAVE_BEST_NONE || !improves(best, cfg->save_best, ep)) return 0;
  if (dlab_checkpoint_save(cfg->best_checkpoint, m, info) < 0) return -1;
  best->epoch = ep->epoch;
  best->value = cfg->save_best == DLAB_SAVE_BEST_VAL_LOSS ? ep->val_loss : ep->val_accuracy;
  ep->best = 1;
  return 0;
}
