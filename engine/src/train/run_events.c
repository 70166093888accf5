#include "train/run_events.h"

#include <math.h>

static int add(DlabTfEvents *w, const char *tag, double value, long step) {
  if (isnan(value)) return 0;
  return dlab_tfevents_add_scalar(w, tag, (float)value, step, 0);
}

int dlab_run_events_step(DlabTfEvents *w, const DlabStepInfo *info) {
  int rc = 0;
  rc |= add(w, "train/loss", info->loss, info->step);
  rc |= add(w, "train/accuracy", info->accuracy, info->step);
  rc |= add(w, "train/lr", info->lr, info->step);
  return rc ? -1 : 0;
}

int dlab_run_events_epoch(DlabTfEvents *w, const DlabEpochInfo *info) {
  int rc = 0;
  rc |= add(w, "epoch/train_loss", info->train_loss, info->epoch);
  rc |= add(w, "epoch/train_accuracy", info->train_accuracy, info->epoch);
  rc |= add(w, "epoch/val_loss", info->val_loss, info->epoch);
  rc |= add(w, "epoch/val_accuracy", info->val_accuracy, info->epoch);
  rc |= add(w, "epoch/test_loss", info->test_loss, info->epoch);
  rc |= add(w, "epoch/test_accuracy", info->test_accuracy, info->epoch);
  rc |= add(w, "epoch/images_per_sec", info->images_per_sec, info->epoch);
  rc |= dlab_tfevents_flush(w);
  return rc ? -1 : 0;
}
