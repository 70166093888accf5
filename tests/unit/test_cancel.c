/* Stop ends an evaluation too: the cancel flag that stops training between
 * steps (the GUI's Stop) also stops dlab_evaluate_cancellable between
 * batches and the evaluation after every epoch of dlab_train, which then
 * reports the run as cancelled, without that epoch's row or checkpoint. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/train.h"
#include "test_util.h"

#define SIDE 2

/* n images of SIDE x SIDE, label i % 10, pixels that depend on it. */
static void make(DlabDataset *d, const char *name, int n) {
  static const char *const names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->n = n, d->c = 1, d->h = SIDE, d->w = SIDE;
  d->images = malloc((size_t)n * SIDE * SIDE);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) exit(99);
  for (int i = 0; i < n; i++) {
    d->labels[i] = (uint8_t)(i % 10);
    for (int p = 0; p < SIDE * SIDE; p++) d->images[i * SIDE * SIDE + p] = (uint8_t)(25 * (i % 10) + p);
  }
  dlab_dataset_set_classes(d, names, 10);
  d->mean[0] = 0.5f, d->std[0] = 0.3f;
}

static DlabModel *make_model(void) {
  DlabShape in = {3, {1, SIDE, SIDE}};
  DlabModel *m = dlab_model_create("flatten | linear 10", in, 7);
  if (!m) printf("# %s\n", dlab_error_message());
  return m;
}

static void test_evaluate(DlabModel *m, const DlabDataset *test) {
  atomic_int cancel = 1;
  DlabEvalResult ev;
  int rc = dlab_evaluate_cancellable(m, test, 10, &cancel, &ev);
  tap_ok(rc == 1 && ev.n == 0 && isnan(ev.accuracy), "cancelled before the first batch: no batch evaluated (%d images)",
         ev.n);
  dlab_eval_result_free(&ev);

  atomic_store(&cancel, 0);
  DlabEvalResult all;
  rc = dlab_evaluate_cancellable(m, test, 10, &cancel, &ev);
  int rc_all = dlab_evaluate(m, test, 10, &all);
  tap_ok(rc == 0 && rc_all == 0 && ev.n == test->n && all.n == test->n && ev.accuracy == all.accuracy &&
             ev.loss == all.loss && memcmp(ev.confusion, all.confusion, 100 * sizeof(int)) == 0,
         "not cancelled: every image, as dlab_evaluate");
  dlab_eval_result_free(&ev);
  dlab_eval_result_free(&all);
}

typedef struct {
  atomic_int cancel;
  long stop_at_step; /* the step after which Stop is pressed */
  int epochs_seen;
} Run;

static void on_step(const DlabStepInfo *info, void *user) {
  Run *r = user;
  if (info->step == r->stop_at_step) atomic_store(&r->cancel, 1);
}

static void on_epoch(const DlabEpochInfo *info, void *user) {
  (void)info;
  ((Run *)user)->epochs_seen++;
}

/* Stop pressed during the last step of epoch 1: the loop then evaluates
 * the validation and test sets, and must give up at once. */
static void test_train(DlabModel *m, const DlabDataset *train, const DlabDataset *val, const DlabDataset *test) {
  char dir[] = "/tmp/dlab-cancel-XXXXXX", ckpt[64], csv[64];
  if (!mkdtemp(dir)) exit(99);
  snprintf(ckpt, sizeof ckpt, "%s/run.safetensors", dir);
  snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
  for (int with_val = 0; with_val <= 1; with_val++) {
    Run run = {.stop_at_step = 10};
    DlabTrainConfig cfg = dlab_train_defaults();
    cfg.epochs = 3;
    cfg.batch_size = 100; /* 10 steps an epoch */
    cfg.eval_batch_size = 10;
    cfg.loader_workers = 0;
    cfg.cancel = &run.cancel;
    cfg.on_step = on_step;
    cfg.on_epoch = on_epoch;
    cfg.user = &run;
    cfg.checkpoint = ckpt;
    cfg.csv_path = csv;
    cfg.val = with_val ? val : NULL;
    DlabTrainResult result;
    int rc = dlab_train(m, train, test, &cfg, &result);
    if (rc < 0) printf("# %s\n", dlab_error_message());
    tap_ok(rc == 0 && result.cancelled && result.epochs_done == 0 && run.epochs_seen == 0,
           "%s: Stop during epoch 1's evaluation ends the run, cancelled, with no epoch done (cancelled %d, "
           "epochs done %d, epochs reported %d)",
           with_val ? "with validation" : "test set only", result.cancelled, result.epochs_done, run.epochs_seen);
    tap_ok(access(ckpt, F_OK) != 0, "no checkpoint of the unevaluated epoch");
  }
  unlink(csv);
  rmdir(dir);
}

int main(void) {
  DlabDataset train, val, test;
  make(&train, "train", 1000);
  make(&val, "val", 2000);
  make(&test, "test", 5000);
  DlabModel *m = make_model();
  if (!m) {
    tap_ok(0, "the model is built");
    return tap_done();
  }
  test_evaluate(m, &test);
  test_train(m, &train, &val, &test);
  dlab_model_free(m);
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);
  dlab_dataset_free(&test);
  return tap_done();
}
