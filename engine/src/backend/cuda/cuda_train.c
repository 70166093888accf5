/* dlab_train on a GPU (cuda_train.h): train.c's loop with the steps queued
 * on the GPU.
 *
 * The host works one epoch ahead of the GPU's needs: it shuffles the order
 * exactly as the CPU loader does (same generator, same stream), works out
 * the schedule's learning rate and the optimizer's scalars for every step
 * of the epoch, and hands both over in one copy. Then it queues steps as
 * fast as the GPU takes them, at most DLAB_CUDA_RING ahead, and reports
 * each step (callback, CSV row, NaN check) once the GPU has finished it, by
 * reading the loss and accuracy that the step wrote into host memory. At
 * the end of an epoch it evaluates on the GPU and brings the weights back
 * to the host model for the checkpoint, which is then the same file a CPU
 * run writes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_internal.h"
#include "dlab/checkpoint.h"
#include "dlab/cuda_train.h"
#include "dlab/error.h"
#include "dlab/rng.h"
#include "train/train_common.h"

#define DEFAULT_EVAL_BATCH 1000
/* loader.c's SHUFFLE_STREAM: the same order as a CPU run with this seed */
#define SHUFFLE_STREAM 0x5348554646ULL

typedef struct {
  DlabModel *m;
  const DlabDataset *train, *test;
  const DlabTrainConfig *cfg;
  int device;
  DlabOptimizer *opt; /* the host copy of the optimizer state, for checkpoints */
  DlabCudaModel *g;
  DlabCudaData *train_data, *test_data, *val_data;
  DlabCudaRun *run;
  DlabTrainLog log; /* metrics.csv, events, checkpoints: as on the CPU */
  int log_open;
  uint32_t *order;
  DlabRng shuffle_rng;
  DlabCudaScalars *scalars;
  long steps_per_epoch, total_steps;
  int eval_batch;
  double t_start;
  /* the epoch in progress */
  double t_epoch, loss_sum;
  long correct, seen, queued, reported;
} Run;

/* ---- setting up ---- */

static int use_graphs(void) {
  const char *env = getenv("DLAB_CUDA_GRAPHS");
  return !(env && strcmp(env, "0") == 0);
}

static int eval_batch_size(const DlabTrainConfig *cfg) {
  return cfg->eval_batch_size > 0 ? cfg->eval_batch_size : DEFAULT_EVAL_BATCH;
}

/* The largest batch any pass will see: training, or evaluation of the
 * largest evaluation set (capped by the evaluation batch size). */
static int max_batch(const DlabTrainConfig *cfg, const DlabDataset *test) {
  int eval = eval_batch_size(cfg), largest = test->n;
  if (cfg->val && cfg->val->n > largest) largest = cfg->val->n;
  if (eval > largest) eval = largest;
  return cfg->batch_size > eval ? cfg->batch_size : eval;
}

static int setup(Run *r) {
  const DlabTrainConfig *cfg = r->cfg;
  DlabCudaOptions opt = dlab_cuda_options_default();
  opt.device = r->device;
  opt.max_batch = max_batch(cfg, r->test);
  r->eval_batch = eval_batch_size(cfg);
  r->order = malloc((size_t)r->train->n * sizeof *r->order);
  r->scalars = malloc((size_t)r->steps_per_epoch * sizeof *r->scalars);
  if (!r->order || !r->scalars) return dlab_error("out of memory");
  for (int i = 0; i < r->train->n; i++) r->order[i] = (uint32_t)i;
  dlab_rng_derive(&r->shuffle_rng, cfg->seed, SHUFFLE_STREAM);
  /* Resuming: replay the skipped epochs' shuffles (loader.c does the same). */
  for (int e = 0; e < cfg->start_epoch && !cfg->no_shuffle; e++) dlab_rng_shuffle(&r->shuffle_rng, r->order, (uint32_t)r->train->n);

  r->opt = cfg->optimizer ? cfg->optimizer : dlab_optimizer_create(&cfg->optim, r->m);
  if (!r->opt) return -1;
  if (!(r->g = dlab_cuda_model_create(r->m, &opt))) return -1;
  if (dlab_cuda_model_set_optimizer(r->g, &cfg->optim, cfg->optimizer) < 0) return -1;
  if (!(r->train_data = dlab_cuda_data_upload(r->train, r->device, "the training set")) ||
      !(r->test_data = dlab_cuda_data_upload(r->test, r->device, "the test set")) ||
      (cfg->val && !(r->val_data = dlab_cuda_data_upload(cfg->val, r->device, "the validation set"))))
    return -1;
  DlabCudaRunConfig rc = {
      .model = r->g, .train = r->train_data, .transforms = cfg->transforms, .seed = cfg->seed,
      .batch_size = cfg->batch_size, .steps_per_epoch = r->steps_per_epoch,
      .smoothing = cfg->label_smoothing, .use_graphs = use_graphs(),
  };
  if (!(r->run = dlab_cuda_run_create(&rc))) return -1;
  r->log_open = 1;
  return dlab_train_log_open(&r->log, cfg, r->train, r->steps_per_epoch);
}

static void teardown(Run *r) {
  if (r->log_open) dlab_train_log_close(&r->log);
  dlab_cuda_run_free(r->run);
  dlab_cuda_data_free(r->train_data);
  dlab_cuda_data_free(r->test_data);
  dlab_cuda_data_free(r->val_data);
  dlab_cuda_model_free(r->g);
  if (r->opt && r->opt != r->cfg->optimizer) dlab_optimizer_free(r->opt);
  free(r->order);
  free(r->scalars);
}

/* ---- one epoch ---- */

static int step_count(const Run *r, long s) {
  long start = s * r->cfg->batch_size;
  return r->train->n - start < r->cfg->batch_size ? (int)(r->train->n - start) : r->cfg->batch_size;
}

/* This epoch's order and per-step scalars, handed to the GPU. */
static int begin_epoch(Run *r, int epoch) {
  const DlabTrainConfig *cfg = r->cfg;
  if (!cfg->no_shuffle) dlab_rng_shuffle(&r->shuffle_rng, r->order, (uint32_t)r->train->n);
  const long t0 = dlab_cuda_model_optimizer_steps(r->g);
  for (long s = 0; s < r->steps_per_epoch; s++) {
    long step = (long)(epoch - 1) * r->steps_per_epoch + s;
    float lr = dlab_schedule_lr(&cfg->schedule, cfg->optim.lr, step, r->steps_per_epoch, r->total_steps);
    r->scalars[s] = dlab_cuda_scalars(&cfg->optim, lr, t0 + s + 1);
  }
  r->t_epoch = dlab_train_now();
  r->loss_sum = 0;
  r->correct = r->seen = r->queued = r->reported = 0;
  return dlab_cuda_run_begin_epoch(r->run, epoch, r->order, r->scalars, r->steps_per_epoch);
}

/* Step s is done: its callback, CSV row and NaN check. */
static int report_step(Run *r, int epoch, long s) {
  const DlabTrainConfig *cfg = r->cfg;
  const DlabCudaStepStats st = dlab_cuda_run_stats(r->run)[s];
  const int count = step_count(r, s);
  const long step = (long)(epoch - 1) * r->steps_per_epoch + s; /* 0-based, global */
  const float lr = r->scalars[s].lr;
  if (!isfinite(st.loss))
    return dlab_error("epoch %d, step %ld: the loss is %s; the learning rate (%g) is probably too "
                      "high. The last good checkpoint is kept.",
                      epoch, s + 1, isnan(st.loss) ? "NaN" : "infinite", (double)lr);
  r->loss_sum += (double)st.loss * count;
  r->correct += st.correct;
  r->seen += count;
  double now = dlab_train_now();
  DlabStepInfo si = {
      .epoch = epoch, .epochs = cfg->epochs, .step = step + 1, .steps_per_epoch = r->steps_per_epoch,
      .step_in_epoch = s + 1, .lr = lr, .loss = st.loss, .accuracy = (float)st.correct / count,
      .images_per_sec = r->seen / fmax(now - r->t_epoch, 1e-9), .elapsed_sec = now - r->t_start,
  };
  long done = step + 1 - (long)cfg->start_epoch * r->steps_per_epoch;
  long left = r->total_steps - (step + 1);
  si.eta_sec = (now - r->t_start) / done * left;
  return dlab_train_log_step(&r->log, &si, st.loss);
}

/* Reports the steps the GPU has finished; with `all`, waits for every
 * queued one; otherwise waits only when the ring of queued steps is full. */
static int drain(Run *r, int epoch, int all) {
  while (r->reported < r->queued) {
    int must_wait = all || r->queued - r->reported >= DLAB_CUDA_RING;
    int done = dlab_cuda_run_poll(r->run, r->reported, must_wait);
    if (done < 0) return -1;
    if (!done) return 0;
    if (report_step(r, epoch, r->reported) < 0) return -1;
    r->reported++;
  }
  return 0;
}

/* Returns 1 if cancelled, 0 when done, -1 on error. */
static int train_epoch(Run *r, int epoch, DlabEpochInfo *ep) {
  const DlabTrainConfig *cfg = r->cfg;
  if (begin_epoch(r, epoch) < 0) return -1;
  int cancelled = 0;
  for (long s = 0; s < r->steps_per_epoch; s++) {
    if (cfg->cancel && atomic_load(cfg->cancel)) {
      cancelled = 1;
      break;
    }
    if (drain(r, epoch, 0) < 0) return -1;
    if (dlab_cuda_run_step(r->run, s, step_count(r, s)) < 0) return -1;
    r->queued++;
  }
  if (drain(r, epoch, 1) < 0) return -1;
  if (cancelled) return 1;
  if (dlab_cuda_run_finish(r->run) < 0) return -1;
  ep->epoch = epoch;
  ep->epochs = cfg->epochs;
  ep->seconds = dlab_train_now() - r->t_epoch;
  ep->train_loss = r->loss_sum / r->seen;
  ep->train_accuracy = (double)r->correct / r->seen;
  ep->images_per_sec = r->seen / fmax(ep->seconds, 1e-9);
  ep->data_wait_sec = 0; /* the batches are made on the GPU, in the step */
  return 0;
}

static int evaluate_into(Run *r, const DlabCudaData *data, int n, double *loss, double *accuracy) {
  double sum = 0;
  long correct = 0;
  int batch = r->eval_batch < n ? r->eval_batch : n;
  if (dlab_cuda_eval(r->g, data, batch, &sum, &correct, NULL) < 0) return -1;
  *loss = sum / n;
  *accuracy = (double)correct / n;
  return 0;
}

/* The GPU's weights and optimizer state into the host model and optimizer. */
static int bring_back(Run *r) {
  return dlab_cuda_model_download(r->g, r->m) < 0 || dlab_cuda_model_download_optimizer(r->g, r->opt) < 0 ? -1 : 0;
}

static int finish_epoch(Run *r, DlabEpochInfo *ep, DlabTrainResult *result) {
  const DlabTrainConfig *cfg = r->cfg;
  ep->val_loss = ep->val_accuracy = NAN;
  if (cfg->val && evaluate_into(r, r->val_data, cfg->val->n, &ep->val_loss, &ep->val_accuracy) < 0) return -1;
  if (evaluate_into(r, r->test_data, r->test->n, &ep->test_loss, &ep->test_accuracy) < 0) return -1;
  if (bring_back(r) < 0) return -1;
  return dlab_train_log_epoch(&r->log, r->m, r->opt, ep, result);
}

static int run_epochs(Run *r, DlabTrainResult *result) {
  for (int epoch = r->cfg->start_epoch + 1; epoch <= r->cfg->epochs; epoch++) {
    DlabEpochInfo ep;
    memset(&ep, 0, sizeof ep);
    int rc = train_epoch(r, epoch, &ep);
    if (rc < 0) return -1;
    if (rc == 1) {
      /* As on the CPU, the model holds the weights of the last step taken. */
      result->cancelled = 1;
      return bring_back(r);
    }
    if (finish_epoch(r, &ep, result) < 0) return -1;
  }
  return 0;
}

int dlab_train_cuda(DlabModel *m, const DlabDataset *train, const DlabDataset *test, const DlabTrainConfig *cfg,
                    int device_index, DlabTrainResult *result) {
  memset(result, 0, sizeof *result);
  if (dlab_train_check_run(m, train, test, cfg) < 0 ||
      dlab_transforms_check(cfg->transforms, train->c, train->h, train->w) < 0)
    return -1;
  Run r;
  memset(&r, 0, sizeof r);
  r.m = m;
  r.train = train;
  r.test = test;
  r.cfg = cfg;
  r.device = device_index;
  r.steps_per_epoch = (train->n + cfg->batch_size - 1) / cfg->batch_size;
  r.total_steps = r.steps_per_epoch * cfg->epochs;
  int rc = setup(&r);
  if (rc == 0) {
    r.t_start = dlab_train_now();
    rc = run_epochs(&r, result);
  }
  teardown(&r);
  return rc;
}

int dlab_evaluate_cuda(DlabModel *m, const DlabDataset *d, int batch_size, int device_index, DlabEvalResult *out) {
  memset(out, 0, sizeof *out);
  if (dlab_train_check_compatible(m, d) < 0) return -1;
  if (batch_size <= 0) batch_size = DEFAULT_EVAL_BATCH;
  if (batch_size > d->n) batch_size = d->n;
  const int k = d->num_classes;
  out->confusion = calloc((size_t)k * k, sizeof *out->confusion);
  if (!out->confusion) return dlab_error("out of memory for evaluation");
  DlabCudaOptions opt = dlab_cuda_options_default();
  opt.device = device_index;
  opt.max_batch = batch_size;
  DlabCudaModel *g = dlab_cuda_model_create(m, &opt);
  DlabCudaData *data = g ? dlab_cuda_data_upload(d, device_index, "the evaluation set") : NULL;
  double sum = 0;
  long correct = 0;
  int rc = data ? dlab_cuda_eval(g, data, batch_size, &sum, &correct, out->confusion) : -1;
  dlab_cuda_data_free(data);
  dlab_cuda_model_free(g);
  if (rc < 0) {
    dlab_eval_result_free(out);
    return -1;
  }
  out->n = d->n;
  out->loss = sum / d->n;
  out->accuracy = (double)correct / d->n;
  return 0;
}

int dlab_cuda_built(void) { return 1; }
