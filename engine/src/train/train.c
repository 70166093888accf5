/* The training loop shared by the CLI and the GUI. */
#include "dlab/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlab/checkpoint.h"
#include "io/csv_log.h"
#include "dlab/error.h"
#include "loader/loader.h"
#include "dlab/loss.h"
#include "train_common.h"

#define DEFAULT_EVAL_BATCH 1000

DlabTrainConfig dlab_train_defaults(void) {
  DlabTrainConfig c;
  memset(&c, 0, sizeof c);
  c.epochs = 10;
  c.batch_size = 64;
  c.optim = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  c.schedule = dlab_schedule_defaults(DLAB_SCHEDULE_CONSTANT);
  c.seed = 1;
  c.eval_batch_size = DEFAULT_EVAL_BATCH;
  c.loader_workers = -1;
  return c;
}

int dlab_save_best_parse(const char *text, DlabSaveBest *out) {
  if (strcmp(text, "val_loss") == 0) *out = DLAB_SAVE_BEST_VAL_LOSS;
  else if (strcmp(text, "val_acc") == 0 || strcmp(text, "val_accuracy") == 0) *out = DLAB_SAVE_BEST_VAL_ACC;
  else if (strcmp(text, "none") == 0) *out = DLAB_SAVE_BEST_NONE;
  else return dlab_error("--save-best %s: expected val_loss or val_acc", text);
  return 0;
}

const char *dlab_optimizer_state_path(const char *checkpoint, char *buf, size_t n) {
  size_t len = strlen(checkpoint);
  const char *ext = ".safetensors";
  size_t el = strlen(ext);
  if (len > el && strcmp(checkpoint + len - el, ext) == 0)
    snprintf(buf, n, "%.*s.optim%s", (int)(len - el), checkpoint, ext);
  else
    snprintf(buf, n, "%s.optim%s", checkpoint, ext);
  return buf;
}

int dlab_evaluate(DlabModel *m, const DlabDataset *d, int batch_size, DlabEvalResult *out) {
  return dlab_evaluate_cancellable(m, d, batch_size, NULL, out);
}

/* The predicted class of one row of logits, its probability and the true
 * class's (softmax, computed only when a reading is asked for). */
static int read_row(const float *row, int k, int label, DlabEvalReadings *readings, size_t at) {
  int best = 0;
  for (int c = 1; c < k; c++)
    if (row[c] > row[best]) best = c;
  if (readings) {
    double sum = 0;
    for (int c = 0; c < k; c++) sum += exp((double)row[c] - row[best]);
    readings->predicted[at] = (unsigned char)best;
    readings->confidence[at] = (float)(1.0 / sum);
    readings->p_true[at] = (float)(exp((double)row[label] - row[best]) / sum);
  }
  return best;
}

int dlab_evaluate_cancellable(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                              DlabEvalResult *out) {
  return dlab_evaluate_readings(m, d, batch_size, cancel, out, NULL);
}

int dlab_evaluate_readings(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                           DlabEvalResult *out, DlabEvalReadings *readings) {
  memset(out, 0, sizeof *out);
  if (dlab_train_check_compatible(m, d) < 0) return -1;
  if (batch_size <= 0) batch_size = DEFAULT_EVAL_BATCH;
  if (batch_size > d->n) batch_size = d->n;
  int k = d->num_classes;
  uint32_t *idx = malloc((size_t)batch_size * sizeof *idx);
  uint8_t *labels = malloc((size_t)batch_size);
  out->confusion = calloc((size_t)k * k, sizeof *out->confusion);
  if (!idx || !labels || !out->confusion || dlab_model_set_batch(m, batch_size) < 0) {
    free(idx);
    free(labels);
    dlab_eval_result_free(out);
    return dlab_error("out of memory for evaluation");
  }
  double loss_sum = 0;
  long correct = 0;
  int rc = 0;
  for (int start = 0; start < d->n; start += batch_size) {
    /* A large test set takes seconds: Stop must not wait for it. */
    if (cancel && atomic_load(cancel)) {
      rc = 1;
      break;
    }
    int count = d->n - start < batch_size ? d->n - start : batch_size;
    for (int i = 0; i < count; i++) idx[i] = (uint32_t)(start + i);
    dlab_dataset_gather(d, idx, count, &m->acts[0], labels);
    DlabTensor *logits = dlab_model_forward(m, count, 0);
    DlabLossResult r = dlab_cross_entropy(logits, labels, 0.0f, NULL);
    loss_sum += r.loss * count;
    correct += r.correct;
    for (int i = 0; i < count; i++) {
      int best = read_row(logits->data + (size_t)i * k, k, labels[i], readings, (size_t)start + i);
      out->confusion[labels[i] * k + best]++;
    }
    out->n += count;
  }
  out->loss = out->n ? loss_sum / out->n : NAN;
  out->accuracy = out->n ? (double)correct / out->n : NAN;
  free(idx);
  free(labels);
  return rc;
}

void dlab_eval_result_free(DlabEvalResult *r) {
  free(r->confusion);
  r->confusion = NULL;
}

/* What one run keeps between steps. */
typedef struct {
  DlabModel *m;
  const DlabDataset *train, *test;
  const DlabTrainConfig *cfg;
  DlabOptimizer *opt;
  DlabTrainLog log;   /* metrics.csv, events, checkpoints */
  int log_open;
  DlabLoader *loader; /* shuffles, augments and normalizes the batches */
  uint8_t *labels;
  long steps_per_epoch, total_steps;
  double t_start;
} Run;

/* Layers that draw (dropout) draw epoch `epoch`'s numbers, however many
 * epochs this process trained before. */
static void begin_epoch_streams(DlabModel *m, int epoch) {
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i]->ops == &dlab_dropout_ops) dlab_dropout_begin_epoch(m->layers[i], epoch);
}

/* One epoch of training. Returns 1 if cancelled, 0 when done, -1 on error. */
static int train_epoch(Run *r, int epoch, DlabEpochInfo *ep) {
  const DlabTrainConfig *cfg = r->cfg;
  begin_epoch_streams(r->m, epoch);
  /* Usually begun already, so that its first batches were made while the
   * previous epoch was being evaluated. */
  if (dlab_loader_epoch(r->loader) != epoch) dlab_loader_begin_epoch(r->loader, epoch);
  double t0 = dlab_train_now(), loss_sum = 0;
  long correct = 0, seen = 0;
  for (long s = 0; s < r->steps_per_epoch; s++) {
    if (cfg->cancel && atomic_load(cfg->cancel)) return 1;
    int count = 0;
    long step = (long)(epoch - 1) * r->steps_per_epoch + s; /* 0-based, global */
    float lr = dlab_schedule_lr(&cfg->schedule, cfg->optim.lr, step, r->steps_per_epoch, r->total_steps);

    if (dlab_loader_next(r->loader, &r->m->acts[0], r->labels, &count) != 1)
      return dlab_error("epoch %d, step %ld: the loader ran out of batches", epoch, s + 1);
    DlabTensor *logits = dlab_model_forward(r->m, count, 1);
    DlabLossResult lr_ = dlab_cross_entropy(logits, r->labels, cfg->label_smoothing, dlab_model_dlogits(r->m));
    if (!isfinite(lr_.loss))
      return dlab_error("epoch %d, step %ld: the loss is %s; the learning rate (%g) is probably too "
                        "high. The last good checkpoint is kept.",
                        epoch, s + 1, isnan(lr_.loss) ? "NaN" : "infinite", (double)lr);
    dlab_model_backward(r->m);
    dlab_optimizer_step(r->opt, lr);

    loss_sum += lr_.loss * count;
    correct += lr_.correct;
    seen += count;
    double now = dlab_train_now();
    DlabStepInfo si = {
        .epoch = epoch, .epochs = cfg->epochs, .step = step + 1,
        .steps_per_epoch = r->steps_per_epoch, .step_in_epoch = s + 1, .lr = lr,
        .loss = (float)lr_.loss, .accuracy = (float)lr_.correct / count,
        .images_per_sec = seen / fmax(now - t0, 1e-9), .elapsed_sec = now - r->t_start,
    };
    long done = step + 1 - (long)cfg->start_epoch * r->steps_per_epoch;
    long left = r->total_steps - (step + 1);
    si.eta_sec = (now - r->t_start) / done * left;
    if (dlab_train_log_step(&r->log, &si, lr_.loss) < 0) return -1;
  }
  ep->epoch = epoch;
  ep->epochs = cfg->epochs;
  ep->seconds = dlab_train_now() - t0;
  ep->train_loss = loss_sum / seen;
  ep->train_accuracy = (double)correct / seen;
  ep->images_per_sec = seen / fmax(ep->seconds, 1e-9);
  ep->data_wait_sec = dlab_loader_wait_seconds(r->loader);
  return 0;
}

/* Evaluates on `d` into loss and accuracy. Returns 1 if cancelled, 0 when
 * done, -1 on error. */
static int evaluate_into(Run *r, const DlabDataset *d, double *loss, double *accuracy) {
  DlabEvalResult ev;
  int rc = dlab_evaluate_cancellable(r->m, d, r->cfg->eval_batch_size, r->cfg->cancel, &ev);
  *loss = ev.loss;
  *accuracy = ev.accuracy;
  dlab_eval_result_free(&ev);
  return rc;
}

/* The epoch's validation and test figures. Cancelled: the epoch counts as
 * unfinished, as if stopped during its last step (no row, no checkpoint). */
static int evaluate_epoch(Run *r, DlabEpochInfo *ep) {
  int rc = 0;
  ep->val_loss = ep->val_accuracy = NAN;
  if (r->cfg->val) rc = evaluate_into(r, r->cfg->val, &ep->val_loss, &ep->val_accuracy);
  if (rc == 0) rc = evaluate_into(r, r->test, &ep->test_loss, &ep->test_accuracy);
  return rc;
}

static int run_epochs(Run *r, DlabTrainResult *result) {
  const DlabTrainConfig *cfg = r->cfg;
  for (int epoch = cfg->start_epoch + 1; epoch <= cfg->epochs; epoch++) {
    DlabEpochInfo ep;
    memset(&ep, 0, sizeof ep);
    int rc = train_epoch(r, epoch, &ep);
    if (rc == 0 && epoch < cfg->epochs) dlab_loader_begin_epoch(r->loader, epoch + 1);
    if (rc == 0) rc = evaluate_epoch(r, &ep);
    if (rc < 0) return -1;
    if (rc == 1) {
      result->cancelled = 1;
      return 0;
    }
    if (dlab_model_set_batch(r->m, cfg->batch_size) < 0) return -1;
    if (dlab_train_log_epoch(&r->log, r->m, r->opt, &ep, result) < 0) return -1;
  }
  return 0;
}

/* The loader with the trainer's seed: its shuffle stream is the one this
 * loop has always used, so runs without augmentation keep their numbers. */
static DlabLoader *create_loader(const DlabDataset *train, const DlabTrainConfig *cfg) {
  DlabLoaderConfig lc = dlab_loader_defaults();
  lc.data = train;
  lc.transforms = cfg->transforms;
  lc.batch_size = cfg->batch_size;
  lc.seed = cfg->seed;
  lc.shuffle = !cfg->no_shuffle;
  lc.workers = cfg->loader_workers;
  return dlab_loader_create(&lc);
}

int dlab_train(DlabModel *m, const DlabDataset *train, const DlabDataset *test,
               const DlabTrainConfig *cfg, DlabTrainResult *result) {
  memset(result, 0, sizeof *result);
  if (dlab_train_check_run(m, train, test, cfg) < 0) return -1;
  Run r;
  memset(&r, 0, sizeof r);
  r.m = m;
  r.train = train;
  r.test = test;
  r.cfg = cfg;
  r.steps_per_epoch = (train->n + cfg->batch_size - 1) / cfg->batch_size;
  r.total_steps = r.steps_per_epoch * cfg->epochs;
  /* Resuming: the loader replays the skipped epochs' shuffles, so the order
   * matches an uninterrupted run. */
  int rc = -1;
  r.labels = malloc((size_t)cfg->batch_size);
  if (!r.labels) {
    dlab_error("out of memory");
    goto done;
  }
  if (!(r.loader = create_loader(train, cfg))) goto done;
  r.opt = cfg->optimizer ? cfg->optimizer : dlab_optimizer_create(&cfg->optim, m);
  if (!r.opt || dlab_model_set_batch(m, cfg->batch_size) < 0) goto done;
  r.log_open = 1;
  if (dlab_train_log_open(&r.log, cfg, train, r.steps_per_epoch) < 0) goto done;
  r.t_start = dlab_train_now();
  rc = run_epochs(&r, result);
done:
  if (r.log_open) dlab_train_log_close(&r.log);
  if (r.opt && r.opt != cfg->optimizer) dlab_optimizer_free(r.opt);
  dlab_loader_free(r.loader);
  free(r.labels);
  return rc;
}
