/* The training loop shared by the CLI and the GUI, on every device: the
 * loop owns batching and shuffling, the schedule, the step report, the NaN
 * check, the ETA, the evaluations and (through train_common.c) the files;
 * a backend (backend/backend_impl.h) owns where the numbers are and runs
 * the steps. The loop never asks which device it is on, only what the
 * backend can do: take host batches from the loader, or keep the data and
 * take the loader's order; finish each step at once, or be polled for it a
 * few steps later. */
#include "dlab/clock.h"
#include "dlab/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_impl.h"
#include "dlab/error.h"
#include "loader/loader.h"
#include "train/evaluate.h"
#include "train/train_common.h"
#include "core/i18n.h"

DlabTrainConfig dlab_train_defaults(void) {
  DlabTrainConfig c;
  memset(&c, 0, sizeof c);
  c.epochs = 10;
  c.batch_size = 64;
  c.optim = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  c.schedule = dlab_schedule_defaults(DLAB_SCHEDULE_CONSTANT);
  c.seed = 1;
  c.eval_batch_size = DLAB_DEFAULT_EVAL_BATCH;
  c.loader_workers = -1;
  return c;
}

int dlab_save_best_parse(const char *text, DlabSaveBest *out) {
  if (strcmp(text, "val_loss") == 0) *out = DLAB_SAVE_BEST_VAL_LOSS;
  else if (strcmp(text, "val_acc") == 0 || strcmp(text, "val_accuracy") == 0) *out = DLAB_SAVE_BEST_VAL_ACC;
  else if (strcmp(text, "none") == 0) *out = DLAB_SAVE_BEST_NONE;
  else return dlab_error(_("--save-best %s: expected val_loss or val_acc"), text);
  return 0;
}

/* What one run keeps between steps. */
typedef struct {
  DlabModel *m;
  const DlabDataset *train, *test;
  const DlabTrainConfig *cfg;
  DlabOptimizer *opt; /* the host's state: checkpoints, resume */
  DlabBackend *b;
  int keeps_data;     /* b makes its batches from the loader's order */
  DlabTrainLog log;   /* metrics.csv, events, checkpoints */
  int log_open;
  DlabLoader *loader; /* shuffles, augments and normalizes the batches */
  uint8_t *labels;
  float *lr;          /* the epoch's learning rate of every step */
  long steps_per_epoch, total_steps;
  double t_start;
  /* the epoch in progress */
  double t_epoch, loss_sum;
  long correct, scored, seen, queued, reported;
} Run;

static int step_count(const Run *r, long s) {
  long start = s * r->cfg->batch_size;
  return r->train->n - start < r->cfg->batch_size ? (int)(r->train->n - start) : r->cfg->batch_size;
}

/* Samples of step s that have a class: accuracy leaves out the drawings of
 * no class (DLAB_LABEL_NONE) a sketchpad training set may hold. */
static int scored_in_step(const Run *r, long s, int count) {
  const uint32_t *order = dlab_loader_order(r->loader);
  const uint8_t *labels = r->train->labels;
  const int k = r->train->num_classes;
  int scored = 0;
  for (long i = s * r->cfg->batch_size, end = i + count; i < end; i++)
    scored += labels[order ? order[i] : i] < k;
  return scored;
}

/* Step s is done: the NaN check, its figures, callback and CSV row. */
static int report_step(Run *r, int epoch, long s, DlabBackendStep st) {
  const DlabTrainConfig *cfg = r->cfg;
  const int count = step_count(r, s);
  const long step = (long)(epoch - 1) * r->steps_per_epoch + s; /* 0-based, global */
  const float lr = r->lr[s];
  if (!isfinite(st.loss))
    return dlab_error(_("epoch %d, step %ld: the loss is %s; the learning rate (%g) is probably too "
                      "high. The last good checkpoint is kept."),
                      epoch, s + 1, isnan(st.loss) ? "NaN" : "infinite", (double)lr);
  const int scored = scored_in_step(r, s, count);
  r->loss_sum += (double)st.loss * count;
  r->correct += st.correct;
  r->scored += scored;
  r->seen += count;
  double now = dlab_now_seconds();
  DlabStepInfo si = {
      .epoch = epoch, .epochs = cfg->epochs, .step = step + 1,
      .steps_per_epoch = r->steps_per_epoch, .step_in_epoch = s + 1, .lr = lr,
      .loss = (float)st.loss, .accuracy = scored ? (float)st.correct / scored : NAN,
      .images_per_sec = r->seen / fmax(now - r->t_epoch, 1e-9), .elapsed_sec = now - r->t_start,
  };
  long done = step + 1 - (long)cfg->start_epoch * r->steps_per_epoch;
  long left = r->total_steps - (step + 1);
  si.eta_sec = (now - r->t_start) / done * left;
  return dlab_train_log_step(&r->log, &si, st.loss);
}

/* Reports the steps the backend has finished; with `all`, waits for every
 * queued one; otherwise waits only when the backend's depth is reached (at
 * once, for a backend of depth 1). */
static int drain(Run *r, int epoch, int all) {
  while (r->reported < r->queued) {
    int must_wait = all || r->queued - r->reported >= r->b->i->depth;
    DlabBackendStep st;
    int done = r->b->i->poll(r->b, r->reported, must_wait, &st);
    if (done < 0) return -1;
    if (!done) return 0;
    if (report_step(r, epoch, r->reported, st) < 0) return -1;
    r->reported++;
  }
  return 0;
}

/* This epoch's order, learning rates and random streams. */
static int begin_epoch(Run *r, int epoch) {
  const DlabTrainConfig *cfg = r->cfg;
  /* Usually begun already, so that its first batches were made while the
   * previous epoch was being evaluated. */
  if (dlab_loader_epoch(r->loader) != epoch) dlab_loader_begin_epoch(r->loader, epoch);
  for (long s = 0; s < r->steps_per_epoch; s++) {
    long step = (long)(epoch - 1) * r->steps_per_epoch + s;
    r->lr[s] = dlab_schedule_lr(&cfg->schedule, cfg->optim.lr, step, r->steps_per_epoch, r->total_steps);
  }
  r->t_epoch = dlab_now_seconds();
  r->loss_sum = 0;
  r->correct = r->scored = r->seen = r->queued = r->reported = 0;
  const uint32_t *order = r->keeps_data ? dlab_loader_order(r->loader) : NULL;
  return r->b->i->begin_epoch(r->b, epoch, order, r->lr, r->steps_per_epoch);
}

/* Queues step s: the loader's next batch into the backend's input, or
 * (a backend that keeps the data) just the step. */
static int queue_step(Run *r, int epoch, long s) {
  int count = step_count(r, s);
  if (!r->keeps_data && dlab_loader_next(r->loader, r->b->i->input(r->b), r->labels, &count) != 1)
    return dlab_error(_("epoch %d, step %ld: the loader ran out of batches"), epoch, s + 1);
  if (r->b->i->step(r->b, s, count, r->labels) < 0) return -1;
  r->queued++;
  return 0;
}

/* One epoch of training. Returns 1 if cancelled, 0 when done, -1 on error. */
static int train_epoch(Run *r, int epoch, DlabEpochInfo *ep) {
  const DlabTrainConfig *cfg = r->cfg;
  if (begin_epoch(r, epoch) < 0) return -1;
  int cancelled = 0;
  for (long s = 0; s < r->steps_per_epoch; s++) {
    if (cfg->cancel && atomic_load(cfg->cancel)) {
      cancelled = 1;
      break;
    }
    if (queue_step(r, epoch, s) < 0 || drain(r, epoch, 0) < 0) return -1;
  }
  /* The steps already queued finish and are reported, cancelled or not. */
  if (drain(r, epoch, 1) < 0) return -1;
  if (cancelled) return 1;
  ep->epoch = epoch;
  ep->epochs = cfg->epochs;
  ep->seconds = dlab_now_seconds() - r->t_epoch;
  ep->train_loss = r->loss_sum / r->seen;
  ep->train_accuracy = r->scored ? (double)r->correct / r->scored : NAN;
  ep->images_per_sec = r->seen / fmax(ep->seconds, 1e-9);
  ep->data_wait_sec = r->keeps_data ? 0 : dlab_loader_wait_seconds(r->loader);
  return 0;
}

/* Evaluates on `d` into loss and accuracy. Returns 1 if cancelled, 0 when
 * done, -1 on error. */
static int evaluate_into(Run *r, const DlabDataset *d, double *loss, double *accuracy) {
  DlabEvalResult ev;
  memset(&ev, 0, sizeof ev);
  int rc = dlab_evaluate_on(r->b, d, dlab_eval_batch_size(r->cfg->eval_batch_size, d), r->cfg->cancel, &ev, NULL);
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

/* Early stopping: `patience` epochs have passed since the best one (the
 * best_epoch the log keeps, restored on resume). */
static int patience_ran_out(const DlabTrainConfig *cfg, const DlabTrainResult *result, int epoch) {
  return cfg->patience > 0 && result->best_epoch > 0 && epoch - result->best_epoch >= cfg->patience &&
         epoch < cfg->epochs;
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
    /* The host model holds the weights of the last step taken: for the
     * checkpoint, or for Stop's model when cancelled. */
    if (r->b->i->to_host(r->b, r->m, r->opt) < 0) return -1;
    if (rc == 1) {
      result->cancelled = 1;
      return 0;
    }
    if (dlab_train_log_epoch(&r->log, r->m, r->opt, &ep, result) < 0) return -1;
    if (patience_ran_out(cfg, result, epoch)) {
      result->stopped_early = epoch;
      return 0;
    }
  }
  return 0;
}

/* The loader with the trainer's seed: its shuffle stream is the one this
 * loop has always used, so runs without augmentation keep their numbers.
 * A backend that keeps the data takes only its order (no workers). */
static DlabLoader *create_loader(const DlabDataset *train, const DlabTrainConfig *cfg, int keeps_data) {
  DlabLoaderConfig lc = dlab_loader_defaults();
  lc.data = train;
  lc.transforms = cfg->transforms;
  lc.batch_size = cfg->batch_size;
  lc.seed = cfg->seed;
  lc.shuffle = !cfg->no_shuffle;
  lc.workers = keeps_data ? 0 : cfg->loader_workers;
  return dlab_loader_create(&lc);
}

/* The largest batch any pass will see: training, or evaluation of the
 * largest evaluation set (capped by the evaluation batch size). */
static int max_batch(const DlabTrainConfig *cfg, const DlabDataset *test) {
  int eval = cfg->eval_batch_size > 0 ? cfg->eval_batch_size : DLAB_DEFAULT_EVAL_BATCH, largest = test->n;
  if (cfg->val && cfg->val->n > largest) largest = cfg->val->n;
  if (eval > largest) eval = largest;
  return cfg->batch_size > eval ? cfg->batch_size : eval;
}

static DlabBackend *create_backend(Run *r) {
  const DlabTrainConfig *cfg = r->cfg;
  DlabBackendConfig bc = {
      .model = r->m, .optimizer = r->opt, .optim = &cfg->optim, .resume = cfg->optimizer != NULL,
      .batch_size = cfg->batch_size, .max_batch = max_batch(cfg, r->test),
      .label_smoothing = cfg->label_smoothing, .train = r->train, .transforms = cfg->transforms,
      .seed = cfg->seed, .steps_per_epoch = r->steps_per_epoch,
  };
  return dlab_backend_create(cfg->device, &bc);
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
  r.lr = malloc((size_t)r.steps_per_epoch * sizeof *r.lr);
  if (!r.labels || !r.lr) {
    dlab_error(_("out of memory"));
    goto done;
  }
  r.opt = cfg->optimizer ? cfg->optimizer : dlab_optimizer_create(&cfg->optim, m);
  if (!r.opt || !(r.b = create_backend(&r))) goto done;
  r.keeps_data = (r.b->i->flags & DLAB_BACKEND_KEEPS_DATA) != 0;
  if (!(r.loader = create_loader(train, cfg, r.keeps_data))) goto done;
  r.log_open = 1;
  if (dlab_train_log_open(&r.log, cfg, train, r.steps_per_epoch) < 0) goto done;
  r.t_start = dlab_now_seconds();
  rc = run_epochs(&r, result);
done:
  if (r.log_open) dlab_train_log_close(&r.log);
  dlab_backend_free(r.b);
  if (r.opt && r.opt != cfg->optimizer) dlab_optimizer_free(r.opt);
  dlab_loader_free(r.loader);
  free(r.labels);
  free(r.lr);
  return rc;
}
