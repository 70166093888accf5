#include "train_common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab/clock.h"
#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/resume.h"
#include "train/evaluate.h"
#include "train/run_events.h"

#include "core/i18n.h"

int dlab_train_check_config(const DlabTrainConfig *cfg) {
  if (cfg->epochs < 1) return dlab_error(_("--epochs %d: must be at least 1"), cfg->epochs);
  if (cfg->batch_size < 1) return dlab_error(_("--batch-size %d: must be at least 1"), cfg->batch_size);
  if (!(cfg->optim.lr > 0)) return dlab_error(_("--lr %g: must be positive"), (double)cfg->optim.lr);
  if (cfg->label_smoothing < 0 || cfg->label_smoothing >= 1)
    return dlab_error(_("--label-smoothing %g: must be in [0, 1)"), (double)cfg->label_smoothing);
  if (cfg->start_epoch < 0 || cfg->start_epoch >= cfg->epochs)
    return dlab_error(_("resuming after epoch %d of %d: nothing left to train"), cfg->start_epoch, cfg->epochs);
  if (cfg->save_best != DLAB_SAVE_BEST_NONE && !cfg->val)
    return dlab_error(_("--save-best needs a validation set (--val-split)"));
  if (cfg->save_best != DLAB_SAVE_BEST_NONE && !cfg->best_checkpoint)
    return dlab_error(_("--save-best: no file given for the best checkpoint"));
  if (cfg->patience < 0 || (cfg->patience > 0 && cfg->save_best == DLAB_SAVE_BEST_NONE))
    return dlab_error(_("--patience needs --save-best val_loss or val_acc: it counts the epochs since the best"));
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

/* --save-best across a resume: the best model this run saved before it
 * stopped (its file carries the run's mark), evaluated again on the
 * validation set, is the best so far; without this the first resumed epoch
 * would replace it, better or not. A file of another run, or none, leaves
 * the best unset. */
static int restore_best(DlabTrainLog *log) {
  const DlabTrainConfig *cfg = log->cfg;
  DlabRunMark mark;
  if (cfg->save_best == DLAB_SAVE_BEST_NONE || !cfg->val || !cfg->best_checkpoint) return 0;
  if (dlab_run_mark_read(cfg->best_checkpoint, &mark) < 0 || strcmp(mark.run_id, log->run_id) != 0 ||
      mark.epoch < 1 || mark.epoch > cfg->start_epoch) {
    dlab_error_clear();
    return 0;
  }
  DlabModelInfo info;
  DlabModel *best = dlab_checkpoint_load_as(cfg->best_checkpoint, DLAB_BUILD_INFERENCE, &info);
  if (!best) return -1;
  DlabEvalResult ev;
  int rc = dlab_evaluate(best, cfg->val, cfg->eval_batch_size, &ev);
  if (rc == 0) {
    log->best.epoch = mark.epoch;
    log->best.value = cfg->save_best == DLAB_SAVE_BEST_VAL_LOSS ? ev.loss : ev.accuracy;
  }
  dlab_eval_result_free(&ev);
  dlab_model_info_free(&info);
  dlab_model_free(best);
  return rc;
}

int dlab_train_log_open(DlabTrainLog *log, const DlabTrainConfig *cfg, const DlabDataset *train,
                        long steps_per_epoch) {
  memset(log, 0, sizeof *log);
  log->cfg = cfg;
  log->steps_per_epoch = steps_per_epoch;
  if (cfg->run_id)
    snprintf(log->run_id, sizeof log->run_id, "%s", cfg->run_id);
  else
    dlab_run_id_new(log->run_id);
  dlab_model_info_from_dataset(&log->info, train);
  if (cfg->start_epoch > 0 && restore_best(log) < 0) return -1;
  if (cfg->csv_path) {
    int rc = cfg->start_epoch > 0
                 ? dlab_csv_resume(&log->csv, cfg->csv_path, csv_columns, N_CSV_COLUMNS, cfg->start_epoch)
                 : dlab_csv_open(&log->csv, cfg->csv_path, csv_columns, N_CSV_COLUMNS);
    if (rc < 0) return -1;
    log->csv_open = 1;
  }
  /* TensorBoard forgets what earlier files hold from this step on: the
   * steps a stopped run took past its checkpoint, taken again now. */
  if (cfg->events && cfg->start_epoch > 0 &&
      (dlab_tfevents_add_session_start(cfg->events, (int64_t)cfg->start_epoch * steps_per_epoch + 1) < 0 ||
       dlab_tfevents_flush(cfg->events) < 0))
    return -1;
  return 0;
}

void dlab_train_log_close(DlabTrainLog *log) {
  if (log->csv_open) dlab_csv_close(&log->csv);
  log->csv_open = 0;
  dlab_model_info_free(&log->info);
}

int dlab_train_log_step(DlabTrainLog *log, const DlabStepInfo *si, double loss) {
  const DlabTrainConfig *cfg = log->cfg;
  if (log->csv_open) {
    double row[N_CSV_COLUMNS] = {si->epoch, si->step, si->lr, loss, si->accuracy, NAN, NAN,
                                 NAN,       NAN,      NAN,    NAN,  NAN,          NAN};
    if (dlab_csv_row(&log->csv, row) < 0) return -1;
  }
  if (cfg->events && dlab_run_events_step(cfg->events, si) < 0) return -1;
  if (cfg->on_step) cfg->on_step(si, cfg->user);
  return 0;
}

static int csv_epoch(DlabTrainLog *log, const DlabEpochInfo *ep) {
  if (!log->csv_open) return 0;
  double row[N_CSV_COLUMNS] = {ep->epoch, (double)ep->epoch * log->steps_per_epoch, NAN, NAN, NAN,
                               ep->train_loss, ep->train_accuracy, ep->test_loss, ep->test_accuracy,
                               ep->images_per_sec, ep->seconds, ep->val_loss, ep->val_accuracy};
  return dlab_csv_row(&log->csv, row) < 0 ? -1 : dlab_csv_flush(&log->csv);
}

/* cfg->checkpoint (when set) and the optimizer state beside it, both
 * marked with the run id, the epoch and the step. */
static int save_checkpoint(DlabTrainLog *log, const DlabModel *m, DlabOptimizer *opt, int epoch) {
  const char *path = log->cfg->checkpoint;
  if (!path) return 0;
  DlabRunMark mark = {.epoch = epoch, .step = dlab_optimizer_steps(opt)};
  snprintf(mark.run_id, sizeof mark.run_id, "%s", log->run_id);
  char opt_path[4096];
  dlab_optimizer_state_path(path, opt_path, sizeof opt_path);
  if (dlab_checkpoint_save_marked(path, m, &log->info, &mark) < 0) return -1;
  return dlab_optimizer_save_marked(opt_path, opt, &mark);
}

static int improves(const DlabTrainBest *best, DlabSaveBest metric, const DlabEpochInfo *ep) {
  if (best->epoch == 0) return 1;
  if (metric == DLAB_SAVE_BEST_VAL_LOSS) return ep->val_loss < best->value;
  return ep->val_accuracy > best->value;
}

/* Saves the model to cfg->best_checkpoint, without optimizer state (it is
 * for using, not for resuming), when `ep` beats the best so far; then sets
 * ep->best. */
static int save_if_best(DlabTrainLog *log, const DlabModel *m, DlabEpochInfo *ep) {
  const DlabTrainConfig *cfg = log->cfg;
  DlabTrainBest *best = &log->best;
  if (cfg->save_best == DLAB_SAVE_BEST_NONE || !improves(best, cfg->save_best, ep)) return 0;
  /* Marked with the run and the epoch, so that a resume finds it again. */
  DlabRunMark mark = {.epoch = ep->epoch, .step = (long)ep->epoch * log->steps_per_epoch};
  snprintf(mark.run_id, sizeof mark.run_id, "%s", log->run_id);
  if (dlab_checkpoint_save_marked(cfg->best_checkpoint, m, &log->info, &mark) < 0) return -1;
  best->epoch = ep->epoch;
  best->value = cfg->save_best == DLAB_SAVE_BEST_VAL_LOSS ? ep->val_loss : ep->val_accuracy;
  ep->best = 1;
  return 0;
}

int dlab_train_log_epoch(DlabTrainLog *log, const DlabModel *m, DlabOptimizer *opt, DlabEpochInfo *ep,
                         DlabTrainResult *result) {
  const DlabTrainConfig *cfg = log->cfg;
  if (csv_epoch(log, ep) < 0 || save_checkpoint(log, m, opt, ep->epoch) < 0 || save_if_best(log, m, ep) < 0)
    return -1;
  /* After the checkpoint: an epoch in the event file is one a resume
   * starts after, never one it trains again. */
  if (cfg->events && dlab_run_events_epoch(cfg->events, ep) < 0) return -1;
  result->best_epoch = log->best.epoch;
  result->best_value = log->best.value;
  result->epochs_done = ep->epoch;
  result->last = *ep;
  if (cfg->on_epoch) cfg->on_epoch(ep, cfg->user);
  return 0;
}
