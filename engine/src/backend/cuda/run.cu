/* Datasets on the GPU, the training step, and evaluation (cuda_internal.h).
 *
 * A step is: make the batch (gather, or augment) from the epoch's order at
 * position *pos, forward, loss (its result straight into host memory),
 * backward, optimizer with the scalars of step *pos, *pos += 1. Everything
 * that changes from step to step is read from device memory, so the same
 * queued work serves every step: it is captured once as a CUDA graph (one
 * for full batches, one for the epoch's last, shorter batch) and then each
 * step is a single launch. When capture is not possible the same calls are
 * queued one by one. An event per step, in a ring, tells the host which
 * steps are done without waiting for the GPU. */
#include <stdlib.h>
#include <string.h>

#include "model.cuh"

extern "C" {
#include "transforms/transform_ops.h" /* the elastic kernel's taps, as the CPU makes them */
#include "core/i18n.h"
}

/* ---- datasets ---- */

struct DlabCudaData {
  int n, c, h, w;
  int device;
  uint8_t *images, *labels;
  float *table;                       /* c x 256: dataset_batch.c's normalization table */
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS];
};

DlabCudaData *dlab_cuda_data_upload(const DlabDataset *d, int device, const char *what) {
  if (d->n < 1 || d->c < 1 || d->c > DLAB_MAX_CHANNELS) {
    dlab_error("%s (%s): nothing to upload", what, d->name);
    return NULL;
  }
  if (dlab_cuda_use(device) < 0) return NULL;
  DlabCudaData *data = (DlabCudaData *)calloc(1, sizeof *data);
  if (!data) {
    dlab_error(_("out of host memory"));
    return NULL;
  }
  data->n = d->n;
  data->c = d->c;
  data->h = d->h;
  data->w = d->w;
  data->device = device;
  memcpy(data->mean, d->mean, sizeof data->mean);
  memcpy(data->std, d->std, sizeof data->std);
  const size_t bytes = (size_t)d->n * d->c * d->h * d->w;
  float table[DLAB_MAX_CHANNELS * 256];
  for (int ch = 0; ch < d->c; ch++) {
    /* dataset_batch.c: build_table, the same expression */
    float scale = d->std[ch] > 0.0f ? 1.0f / d->std[ch] : 1.0f;
    for (int v = 0; v < 256; v++) table[ch * 256 + v] = ((float)v / 255.0f - d->mean[ch]) * scale;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "%s (%s, %d images)", what, d->name, d->n);
  void *p = NULL;
  if (dlab_cuda_alloc(&p, bytes, msg) < 0) goto fail;
  data->images = (uint8_t *)p;
  if (dlab_cuda_alloc(&p, (size_t)d->n, msg) < 0) goto fail;
  data->labels = (uint8_t *)p;
  if (dlab_cuda_alloc(&p, sizeof table, msg) < 0) goto fail;
  data->table = (float *)p;
  if (dlab_cuda_check(cudaMemcpy(data->images, d->images, bytes, cudaMemcpyHostToDevice), msg) < 0 ||
      dlab_cuda_check(cudaMemcpy(data->labels, d->labels, (size_t)d->n, cudaMemcpyHostToDevice), msg) < 0 ||
      dlab_cuda_check(cudaMemcpy(data->table, table, sizeof table, cudaMemcpyHostToDevice), msg) < 0 ||
      dlab_cuda_check(cudaDeviceSynchronize(), msg) < 0)
    goto fail;
  return data;
fail:
  dlab_cuda_data_free(data);
  return NULL;
}

void dlab_cuda_data_free(DlabCudaData *data) {
  if (!data) return;
  cudaFree(data->images);
  cudaFree(data->labels);
  cudaFree(data->table);
  cudaGetLastError();
  free(data);
}

/* ---- augmentation settings ---- */

/* The transform list as the GPU runs it, with normalization appended when
 * the list has none (transform.c: dlab_augmenter_create) and the elastic
 * steps' Gaussian taps uploaded into `taps` (freed by the caller). */
static int build_augment(const DlabTransformList *t, const DlabCudaData *d, uint64_t seed, DlabCudaAugment *aug,
                         float **taps) {
  memset(aug, 0, sizeof *aug);
  *taps = NULL;
  aug->seed = seed;
  for (int ch = 0; ch < d->c; ch++) {
    aug->mean[ch] = d->mean[ch];
    aug->inv_std[ch] = d->std[ch] > 0 ? 1.0f / d->std[ch] : 1.0f;
  }
  int has_normalize = 0, n_taps = 0;
  for (int i = 0; t && i < t->n; i++) {
    has_normalize |= t->steps[i].kind == DLAB_TF_NORMALIZE;
    if (t->steps[i].kind == DLAB_TF_ELASTIC) n_taps += (int)(8 * t->steps[i].sigma + 3);
  }
  const int n = t ? t->n : 0;
  if (n + !has_normalize > DLAB_CUDA_MAX_STEPS) return dlab_error(_("--transform: more than %d steps"), DLAB_CUDA_MAX_STEPS - 1);
  float *host_taps = (float *)calloc((size_t)n_taps + 1, sizeof *host_taps);
  if (!host_taps) return dlab_error(_("out of host memory"));
  if (n_taps && dlab_cuda_alloc((void **)taps, (size_t)n_taps * sizeof(float), "elastic transform") < 0) {
    free(host_taps);
    return -1;
  }
  int used = 0, rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    const DlabTransform *s = &t->steps[i];
    DlabCudaStep *g = &aug->steps[aug->n++];
    g->kind = s->kind;
    g->fill = s->fill;
    g->degrees = s->degrees;
    g->translate[0] = s->translate[0];
    g->translate[1] = s->translate[1];
    g->scale[0] = s->scale[0];
    g->scale[1] = s->scale[1];
    g->shear = s->shear;
    g->size = s->size;
    g->padding = s->padding;
    g->p = s->p;
    g->alpha = s->alpha;
    if (s->kind != DLAB_TF_ELASTIC) continue;
    DlabElastic e;
    if (dlab_tf_elastic_init(&e, s->sigma, d->h, d->w) < 0) {
      rc = -1;
      break;
    }
    g->radius = e.radius;
    g->kernel = *taps + used;
    memcpy(host_taps + used, e.kernel, (size_t)(2 * e.radius + 1) * sizeof *host_taps);
    used += 2 * e.radius + 1;
    dlab_tf_elastic_free(&e);
  }
  if (rc == 0 && !has_normalize) aug->steps[aug->n++].kind = DLAB_TF_NORMALIZE;
  if (rc == 0 && used)
    rc = dlab_cuda_check(cudaMemcpy(*taps, host_taps, (size_t)used * sizeof *host_taps, cudaMemcpyHostToDevice),
                         "elastic transform");
  free(host_taps);
  if (rc < 0) {
    cudaFree(*taps);
    *taps = NULL;
  }
  return rc;
}

/* ---- the run ---- */

struct DlabCudaRun {
  DlabCudaRunConfig cfg;
  DlabCudaModel *g;
  const DlabCudaData *train;
  uint32_t *order;           /* device: the epoch's sample order */
  uint32_t *order_stage;     /* pinned host copy being uploaded */
  DlabCudaScalars *sched_stage;
  int *epoch_stage;
  int augment;
  DlabCudaAugment aug;
  float *taps, *scratch;
  cudaGraphExec_t exec[2];   /* full batches, the last batch */
  int exec_count[2];
  int graphs;
  cudaEvent_t ring[DLAB_CUDA_RING];
  long ring_step[DLAB_CUDA_RING];
};

DlabCudaRun *dlab_cuda_run_create(const DlabCudaRunConfig *cfg) {
  DlabCudaRun *r = (DlabCudaRun *)calloc(1, sizeof *r);
  if (!r) {
    dlab_error(_("out of host memory"));
    return NULL;
  }
  r->cfg = *cfg;
  r->g = cfg->model;
  r->train = cfg->train;
  r->graphs = cfg->use_graphs;
  for (int i = 0; i < DLAB_CUDA_RING; i++) r->ring_step[i] = -1;
  DlabCudaModel *g = r->g;
  const DlabCudaData *d = cfg->train;
  void *p = NULL;
  if (cfg->batch_size > g->max_batch) {
    dlab_error("CUDA run: batch %d exceeds the model's %d", cfg->batch_size, g->max_batch);
    goto fail;
  }
  if (dlab_gm_reserve_steps(g, cfg->steps_per_epoch) < 0) goto fail;
  if (dlab_gm_alloc(g, &p, (size_t)d->n * sizeof(uint32_t), "the epoch's order") < 0) goto fail;
  r->order = (uint32_t *)p;
  if (dlab_cuda_check(cudaMallocHost(&p, (size_t)d->n * sizeof(uint32_t)), "the epoch's order (pinned)") < 0) goto fail;
  r->order_stage = (uint32_t *)p;
  if (dlab_cuda_check(cudaMallocHost(&p, (size_t)cfg->steps_per_epoch * sizeof(DlabCudaScalars)),
                      "step scalars (pinned)") < 0)
    goto fail;
  r->sched_stage = (DlabCudaScalars *)p;
  if (dlab_cuda_check(cudaMallocHost(&p, sizeof(int)), "epoch (pinned)") < 0) goto fail;
  r->epoch_stage = (int *)p;
  r->augment = dlab_transforms_augment(cfg->transforms);
  if (r->augment) {
    if (build_augment(cfg->transforms, d, cfg->seed, &r->aug, &r->taps) < 0) goto fail;
    if (dlab_gm_alloc(g, &p, (size_t)cfg->batch_size * dlab_augment_scratch_floats(d->c, d->h, d->w) * sizeof(float),
                      "augmentation scratch") < 0)
      goto fail;
    r->scratch = (float *)p;
  }
  for (int i = 0; i < DLAB_CUDA_RING; i++)
    if (dlab_cuda_check(cudaEventCreateWithFlags(&r->ring[i], cudaEventDisableTiming), "creating events") < 0)
      goto fail;
  return r;
fail:
  dlab_cuda_run_free(r);
  return NULL;
}

void dlab_cuda_run_free(DlabCudaRun *r) {
  if (!r) return;
  if (r->g && r->g->ctx.stream) cudaStreamSynchronize(r->g->ctx.stream);
  for (int i = 0; i < 2; i++)
    if (r->exec[i]) cudaGraphExecDestroy(r->exec[i]);
  for (int i = 0; i < DLAB_CUDA_RING; i++)
    if (r->ring[i]) cudaEventDestroy(r->ring[i]);
  cudaFreeHost(r->order_stage);
  cudaFreeHost(r->sched_stage);
  cudaFreeHost(r->epoch_stage);
  cudaFree(r->taps);
  cudaGetLastError();
  free(r);
}

int dlab_cuda_run_begin_epoch(DlabCudaRun *r, int epoch, const uint32_t *order, const DlabCudaScalars *scalars,
                              long n_steps) {
  DlabCudaModel *g = r->g;
  cudaStream_t s = g->ctx.stream;
  if (n_steps > r->cfg.steps_per_epoch) return dlab_error("CUDA run: %ld steps in an epoch of %ld", n_steps, r->cfg.steps_per_epoch);
  /* The staging buffers are reused: the previous epoch's copies must be done. */
  if (dlab_cuda_check(cudaStreamSynchronize(s), "waiting for the GPU") < 0) return -1;
  memcpy(r->order_stage, order, (size_t)r->train->n * sizeof *order);
  memcpy(r->sched_stage, scalars, (size_t)n_steps * sizeof *scalars);
  *r->epoch_stage = epoch;
  cudaMemcpyAsync(r->order, r->order_stage, (size_t)r->train->n * sizeof *order, cudaMemcpyHostToDevice, s);
  cudaMemcpyAsync(g->sched, r->sched_stage, (size_t)n_steps * sizeof *scalars, cudaMemcpyHostToDevice, s);
  cudaMemcpyAsync(g->epoch, r->epoch_stage, sizeof(int), cudaMemcpyHostToDevice, s);
  cudaMemsetAsync(g->pos, 0, sizeof(int), s);
  return dlab_cuda_check(cudaGetLastError(), "starting an epoch on the GPU");
}

/* The work of one step on `count` samples, queued on the model's stream. */
static int queue_step(DlabCudaRun *r, int count) {
  DlabCudaModel *g = r->g;
  const DlabCudaData *d = r->train;
  DlabBatchSource src;
  src.order = r->order;
  src.pos = g->pos;
  src.base = 0;
  src.stride = r->cfg.batch_size;
  if (r->augment)
    dlab_k_augment(g->ctx.stream, &r->aug, src, d->images, d->labels, count, d->c, d->h, d->w, g->epoch, r->scratch,
                   g->acts[0], g->labels);
  else
    dlab_k_gather(g->ctx.stream, src, d->images, d->labels, count, d->c, d->h, d->w, d->table, g->acts[0], g->labels);
  if (dlab_gm_forward(g, count, 1) < 0 || dlab_gm_loss(g, count, r->cfg.smoothing, 1, g->stats_dev, 0, 0) < 0 ||
      dlab_gm_backward(g, count) < 0 || dlab_gm_optimizer(g) < 0)
    return -1;
  dlab_k_advance(g->ctx.stream, g->pos, g->iter);
  return dlab_cuda_check(cudaGetLastError(), "training step");
}

/* Captures the step for `count` samples into r->exec[slot]; 0 or -1 (the
 * caller then queues steps directly; the error is cleared). */
static int capture(DlabCudaRun *r, int slot, int count) {
  cudaStream_t s = r->g->ctx.stream;
  if (r->exec[slot]) cudaGraphExecDestroy(r->exec[slot]);
  r->exec[slot] = NULL;
  cudaGraph_t graph = NULL;
  if (cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
    cudaGetLastError();
    return -1;
  }
  int queued = queue_step(r, count);
  cudaError_t e = cudaStreamEndCapture(s, &graph);
  if (queued < 0 || e != cudaSuccess || !graph ||
      cudaGraphInstantiateWithFlags(&r->exec[slot], graph, 0) != cudaSuccess) {
    if (graph) cudaGraphDestroy(graph);
    r->exec[slot] = NULL;
    cudaGetLastError();
    dlab_error_clear();
    return -1;
  }
  cudaGraphDestroy(graph);
  r->exec_count[slot] = count;
  return 0;
}

int dlab_cuda_run_step(DlabCudaRun *r, long step, int count) {
  DlabCudaModel *g = r->g;
  cudaStream_t s = g->ctx.stream;
  const int slot = count == r->cfg.batch_size ? 0 : 1;
  if (r->graphs && (!r->exec[slot] || r->exec_count[slot] != count) && capture(r, slot, count) < 0) r->graphs = 0;
  if (r->graphs) {
    if (dlab_cuda_check(cudaGraphLaunch(r->exec[slot], s), "launching a training step") < 0) return -1;
  } else if (queue_step(r, count) < 0) {
    return -1;
  }
  const int at = (int)(step % DLAB_CUDA_RING);
  if (dlab_cuda_check(cudaEventRecord(r->ring[at], s), "recording a step") < 0) return -1;
  r->ring_step[at] = step;
  dlab_gm_count_step(g);
  return 0;
}

int dlab_cuda_run_poll(DlabCudaRun *r, long step, int wait) {
  const int at = (int)(step % DLAB_CUDA_RING);
  if (r->ring_step[at] != step) return dlab_error("CUDA run: step %ld is not among the last queued", step + 1);
  cudaError_t e = wait ? cudaEventSynchronize(r->ring[at]) : cudaEventQuery(r->ring[at]);
  if (e == cudaErrorNotReady) {
    cudaGetLastError();
    return 0;
  }
  return dlab_cuda_check(e, "training step") < 0 ? -1 : 1;
}

const DlabCudaStepStats *dlab_cuda_run_stats(const DlabCudaRun *r) { return r->g->stats_host; }

int dlab_cuda_run_finish(DlabCudaRun *r) {
  return dlab_cuda_check(cudaStreamSynchronize(r->g->ctx.stream), "training on the GPU");
}

int dlab_cuda_run_graphs(const DlabCudaRun *r) { return r->graphs; }

/* ---- evaluation ---- */

int dlab_cuda_eval_logits(DlabCudaModel *g, const DlabCudaData *data, int start, int count, float *logits) {
  if (count < 1 || count > g->max_batch) return dlab_error("CUDA model: batch %d outside 1..%d", count, g->max_batch);
  if (start < 0 || start > data->n - count)
    return dlab_error("evaluation: samples %d..%d of %d", start, start + count, data->n);
  cudaStream_t s = g->ctx.stream;
  DlabBatchSource src;
  src.order = NULL;
  src.pos = NULL;
  src.base = start;
  src.stride = 0;
  dlab_k_gather(s, src, data->images, data->labels, count, data->c, data->h, data->w, data->table, g->acts[0],
                g->labels);
  if (dlab_gm_forward(g, count, 0) < 0) return -1;
  cudaMemcpyAsync(logits, g->acts[g->n_acts - 1], (size_t)count * g->classes * sizeof *logits,
                  cudaMemcpyDeviceToHost, s);
  return dlab_cuda_check(cudaStreamSynchronize(s), "evaluating on the GPU");
}

/* ---- augmentation for tests and previews (cuda_model.h) ---- */

int dlab_cuda_augment(const DlabDataset *d, const DlabTransformList *t, uint64_t seed, int epoch, const uint32_t *idx,
                      int count, int device_index, float *out) {
  if (count < 1) return dlab_error("augment: count %d must be at least 1", count);
  for (int i = 0; i < count; i++)
    if (idx[i] >= (uint32_t)d->n) return dlab_error("augment: sample %u of %d", idx[i], d->n);
  if (dlab_transforms_check(t, d->c, d->h, d->w) < 0) return -1;
  DlabCudaCtx ctx;
  if (dlab_cuda_ctx_init(&ctx, device_index, 0) < 0) return -1;
  DlabCudaData *data = dlab_cuda_data_upload(d, device_index, "augment");
  DlabCudaAugment aug;
  float *taps = NULL;
  void *order = NULL, *scratch = NULL, *x = NULL, *ep = NULL;
  const size_t sample = (size_t)d->c * d->h * d->w;
  int rc = -1;
  if (!data || build_augment(t, data, seed, &aug, &taps) < 0 ||
      dlab_cuda_alloc(&order, (size_t)count * sizeof *idx, "augment") < 0 ||
      dlab_cuda_alloc(&scratch, (size_t)count * dlab_augment_scratch_floats(d->c, d->h, d->w) * sizeof(float),
                      "augment") < 0 ||
      dlab_cuda_alloc(&x, (size_t)count * sample * sizeof(float), "augment") < 0 ||
      dlab_cuda_alloc(&ep, sizeof(int), "augment") < 0)
    goto done;
  {
    cudaMemcpyAsync(order, idx, (size_t)count * sizeof *idx, cudaMemcpyHostToDevice, ctx.stream);
    cudaMemcpyAsync(ep, &epoch, sizeof epoch, cudaMemcpyHostToDevice, ctx.stream);
    DlabBatchSource src;
    src.order = (const uint32_t *)order;
    src.pos = NULL;
    src.base = 0;
    src.stride = 0;
    dlab_k_augment(ctx.stream, &aug, src, data->images, data->labels, count, d->c, d->h, d->w, (const int *)ep,
                   (float *)scratch, (float *)x, NULL);
    cudaMemcpyAsync(out, x, (size_t)count * sample * sizeof *out, cudaMemcpyDeviceToHost, ctx.stream);
    rc = dlab_cuda_check(cudaStreamSynchronize(ctx.stream), "augmenting on the GPU");
  }
done:
  cudaFree(order);
  cudaFree(scratch);
  cudaFree(x);
  cudaFree(ep);
  cudaFree(taps);
  dlab_cuda_data_free(data);
  dlab_cuda_ctx_free(&ctx);
  return rc;
}
