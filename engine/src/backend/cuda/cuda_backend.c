/* The CUDA backend (backend_impl.h), and the entry point of the module
 * libdlab-cuda.so that holds it.
 *
 * It keeps the training set on the GPU (DLAB_BACKEND_KEEPS_DATA): the data
 * goes up once, as uint8, and every batch is gathered, augmented and
 * normalized there from the epoch's order that the loop passes. At the
 * start of an epoch it turns the loop's learning rates into the table of
 * per-step scalars (the rate and Adam's bias corrections, computed as the
 * CPU optimizer computes them) and hands order and table over in one copy.
 * A step is then queued (a CUDA graph launch), its loss and accuracy
 * written by the GPU straight into host memory; the loop polls them a few
 * steps behind (depth DLAB_CUDA_RING), so the GPU never waits for the host.
 * The weights and optimizer state come back to the host model when the
 * loop asks (after every epoch, for the checkpoint), so a checkpoint is the
 * CPU's file: a model trained on the GPU loads on the CPU and the other way
 * round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend_impl.h"
#include "cuda_internal.h"
#include "dlab/error.h"
#include "core/i18n.h"

/* The evaluation sets uploaded so far (the test and validation sets of a
 * run): each goes to the GPU once. */
#define MAX_EVAL_SETS 4

typedef struct {
  DlabBackend base;
  int device;
  DlabOptimConfig optim;
  DlabCudaModel *g;
  DlabCudaData *train_data;
  DlabCudaRun *run;
  DlabCudaScalars *scalars; /* the epoch's, steps_per_epoch of them */
  long steps_per_epoch;
  struct {
    const DlabDataset *d;
    DlabCudaData *data;
  } sets[MAX_EVAL_SETS];
  int n_sets;
  DlabTensor logits; /* eval's host copy */
} CudaBackend;

static CudaBackend *gpu(DlabBackend *b) { return (CudaBackend *)b; }

static int use_graphs(void) {
  const char *env = getenv("DLAB_CUDA_GRAPHS");
  return !(env && strcmp(env, "0") == 0);
}

static void cuda_free(DlabBackend *b) {
  if (!b) return;
  CudaBackend *c = gpu(b);
  dlab_cuda_run_free(c->run);
  dlab_cuda_data_free(c->train_data);
  for (int i = 0; i < c->n_sets; i++) dlab_cuda_data_free(c->sets[i].data);
  dlab_cuda_model_free(c->g);
  dlab_tensor_free(&c->logits);
  free(c->scalars);
  free(c);
}

static int cuda_begin_epoch(DlabBackend *b, int epoch, const uint32_t *order, const float *lr, long steps) {
  CudaBackend *c = gpu(b);
  if (!c->run) return dlab_error("internal: this CUDA backend was made for evaluation only");
  if (steps > c->steps_per_epoch) return dlab_error("internal: %ld steps in an epoch of %ld", steps, c->steps_per_epoch);
  const long t0 = dlab_cuda_model_optimizer_steps(c->g);
  for (long s = 0; s < steps; s++) c->scalars[s] = dlab_cuda_scalars(&c->optim, lr[s], t0 + s + 1);
  return dlab_cuda_run_begin_epoch(c->run, epoch, order, c->scalars, steps);
}

static int cuda_step(DlabBackend *b, long s, int count, const uint8_t *labels) {
  (void)labels; /* made on the GPU, from the order */
  return dlab_cuda_run_step(gpu(b)->run, s, count);
}

static int cuda_poll(DlabBackend *b, long s, int wait, DlabBackendStep *out) {
  CudaBackend *c = gpu(b);
  int done = dlab_cuda_run_poll(c->run, s, wait);
  if (done == 1) {
    const DlabCudaStepStats st = dlab_cuda_run_stats(c->run)[s];
    *out = (DlabBackendStep){st.loss, st.correct};
  }
  return done;
}

/* Waits for the steps queued, before the weights are read or used. */
static int settle(CudaBackend *c) { return c->run ? dlab_cuda_run_finish(c->run) : 0; }

static const DlabCudaData *eval_set(CudaBackend *c, const DlabDataset *d) {
  for (int i = 0; i < c->n_sets; i++)
    if (c->sets[i].d == d) return c->sets[i].data;
  if (c->n_sets == MAX_EVAL_SETS) {
    dlab_error("internal: more than %d evaluation sets on one CUDA backend", MAX_EVAL_SETS);
    return NULL;
  }
  DlabCudaData *data = dlab_cuda_data_upload(d, c->device, "the evaluation set");
  if (!data) return NULL;
  c->sets[c->n_sets].d = d;
  c->sets[c->n_sets++].data = data;
  return data;
}

static int cuda_eval(DlabBackend *b, const DlabDataset *d, int start, int count, DlabTensor **logits) {
  CudaBackend *c = gpu(b);
  const DlabCudaData *data = eval_set(c, d);
  if (!data || settle(c) < 0) return -1;
  int shape[2] = {count, dlab_cuda_model_classes(c->g)};
  if (dlab_tensor_resize(&c->logits, 2, shape) < 0) return -1;
  if (dlab_cuda_eval_logits(c->g, data, start, count, c->logits.data) < 0) return -1;
  *logits = &c->logits;
  return 0;
}

static int cuda_to_host(DlabBackend *b, DlabModel *m, DlabOptimizer *o) {
  CudaBackend *c = gpu(b);
  if (settle(c) < 0 || dlab_cuda_model_download(c->g, m) < 0) return -1;
  return o ? dlab_cuda_model_download_optimizer(c->g, o) : 0;
}

static int cuda_from_host(DlabBackend *b, const DlabModel *m, DlabOptimizer *o) {
  CudaBackend *c = gpu(b);
  if (settle(c) < 0 || dlab_cuda_model_upload(c->g, m) < 0) return -1;
  return o ? dlab_cuda_model_set_optimizer(c->g, &c->optim, o) : 0;
}

static const DlabBackendI cuda_i = {
    .name = "cuda",
    .flags = DLAB_BACKEND_KEEPS_DATA,
    .depth = DLAB_CUDA_RING,
    .free = cuda_free,
    .input = NULL,
    .begin_epoch = cuda_begin_epoch,
    .step = cuda_step,
    .poll = cuda_poll,
    .eval = cuda_eval,
    .to_host = cuda_to_host,
    .from_host = cuda_from_host,
};

/* The training side: the optimizer, the training set and the run. */
static int setup_training(CudaBackend *c, const DlabBackendConfig *cfg) {
  c->optim = *cfg->optim;
  if (dlab_cuda_model_set_optimizer(c->g, cfg->optim, cfg->resume ? cfg->optimizer : NULL) < 0) return -1;
  if (!cfg->train) return 0;
  if (dlab_transforms_check(cfg->transforms, cfg->train->c, cfg->train->h, cfg->train->w) < 0) return -1;
  c->steps_per_epoch = cfg->steps_per_epoch;
  c->scalars = malloc((size_t)cfg->steps_per_epoch * sizeof *c->scalars);
  if (!c->scalars) return dlab_error(_("out of memory"));
  if (!(c->train_data = dlab_cuda_data_upload(cfg->train, c->device, "the training set"))) return -1;
  DlabCudaRunConfig rc = {
      .model = c->g, .train = c->train_data, .transforms = cfg->transforms, .seed = cfg->seed,
      .batch_size = cfg->batch_size, .steps_per_epoch = cfg->steps_per_epoch,
      .smoothing = cfg->label_smoothing, .use_graphs = use_graphs(),
  };
  return (c->run = dlab_cuda_run_create(&rc)) ? 0 : -1;
}

static DlabBackend *cuda_create(const DlabBackendConfig *cfg) {
  CudaBackend *c = calloc(1, sizeof *c);
  if (!c) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  c->base.i = &cuda_i;
  c->device = cfg->device;
  DlabCudaOptions opt = dlab_cuda_options_default();
  opt.device = cfg->device;
  opt.max_batch = cfg->max_batch;
  if (!(c->g = dlab_cuda_model_create(cfg->model, &opt)) || (cfg->optimizer && setup_training(c, cfg) < 0)) {
    cuda_free(&c->base);
    return NULL;
  }
  return &c->base;
}

/* ---- the registry entry ---- */

static int cuda_device_info(int index, DlabDeviceInfo *out) {
  DlabCudaProps p;
  if (dlab_cuda_props(index, &p) < 0) return -1;
  snprintf(out->name, sizeof out->name, "%s", p.name);
  out->memory_bytes = p.total_bytes;
  out->free_bytes = p.free_bytes;
  out->compute_major = p.major;
  out->compute_minor = p.minor;
  out->multiprocessors = p.multiprocessors;
  return 0;
}

static void cuda_versions(char *buf, size_t n) {
  char runtime[16], driver[16];
  dlab_cuda_versions(runtime, driver, sizeof runtime);
  snprintf(buf, n, "CUDA runtime %s, driver %s", runtime, driver);
}

static const DlabBackendReg cuda_reg = {
    .abi = DLAB_BACKEND_ABI,
    .name = "cuda",
    .device_count = dlab_cuda_count,
    .device_info = cuda_device_info,
    .device_use = dlab_cuda_use,
    .versions = cuda_versions,
    .create = cuda_create,
};

/* What the registry looks up (DLAB_BACKEND_ENTRY). */
__attribute__((visibility("default"))) const DlabBackendReg *dlab_backend_entry(void);
const DlabBackendReg *dlab_backend_entry(void) { return &cuda_reg; }
