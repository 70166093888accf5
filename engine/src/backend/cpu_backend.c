/* The CPU backend (backend_impl.h): the host model and optimizer
 * themselves, through nn/ and optim/ (whose layers call the SIMD kernels of
 * kernels/cpu). The step is the code path dlab_train has always taken —
 * forward, loss, backward, optimizer step on the batch the loader wrote
 * into the model's input — so CPU runs keep their numbers to the bit. */
#include <math.h>
#include <stdlib.h>

#include "backend/backend_impl.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "nn/loss.h"
#include "core/i18n.h"
#include "nn/model_impl.h"

typedef struct {
  DlabBackend base;
  DlabModel *m;
  DlabOptimizer *opt;
  float smoothing;
  int batch_size;
  const float *lr; /* the epoch's rates (begin_epoch) */
  DlabBackendStep last;
  uint32_t *idx; /* evaluation: the batch's sample numbers */
  int idx_len;
} CpuBackend;

static CpuBackend *cpu(DlabBackend *b) { return (CpuBackend *)b; }

static void cpu_free(DlabBackend *b) {
  if (!b) return;
  free(cpu(b)->idx);
  free(b);
}

static DlabTensor *cpu_input(DlabBackend *b) { return &cpu(b)->m->acts[0]; }

/* Layers that draw (dropout) draw epoch `epoch`'s numbers, however many
 * epochs this process trained before. */
static void begin_epoch_streams(DlabModel *m, int epoch) {
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i]->ops == &dlab_dropout_ops) dlab_dropout_begin_epoch(m->layers[i], epoch);
}

static int cpu_begin_epoch(DlabBackend *b, int epoch, const uint32_t *order, const float *lr, long steps) {
  (void)order, (void)steps;
  CpuBackend *c = cpu(b);
  c->lr = lr;
  begin_epoch_streams(c->m, epoch);
  /* The evaluations between epochs may have grown the batch; this only
   * rewrites shapes. */
  return dlab_model_set_batch(c->m, c->batch_size);
}

static int cpu_step(DlabBackend *b, long s, int count, const uint8_t *labels) {
  CpuBackend *c = cpu(b);
  DlabTensor *logits = dlab_model_forward(c->m, count, 1);
  DlabLossResult r = dlab_cross_entropy(logits, labels, c->smoothing, dlab_model_dlogits(c->m));
  c->last = (DlabBackendStep){r.loss, r.correct};
  /* A NaN stops the run before it reaches the weights. */
  if (!isfinite(r.loss)) return 0;
  dlab_model_backward(c->m);
  dlab_optimizer_step(c->opt, c->lr[s]);
  return 0;
}

static int cpu_poll(DlabBackend *b, long s, int wait, DlabBackendStep *out) {
  (void)s, (void)wait;
  *out = cpu(b)->last;
  return 1;
}

static int cpu_eval(DlabBackend *b, const DlabDataset *d, int start, int count, DlabTensor **logits) {
  CpuBackend *c = cpu(b);
  if (count > c->idx_len) {
    uint32_t *idx = realloc(c->idx, (size_t)count * sizeof *idx);
    if (!idx) return dlab_error(_("out of memory for evaluation"));
    c->idx = idx;
    c->idx_len = count;
  }
  if (dlab_model_set_batch(c->m, count) < 0) return dlab_error(_("out of memory for evaluation"));
  for (int i = 0; i < count; i++) c->idx[i] = (uint32_t)(start + i);
  dlab_dataset_gather(d, c->idx, count, &c->m->acts[0], NULL);
  *logits = dlab_model_forward(c->m, count, 0);
  return 0;
}

/* The weights are the host model's own: nothing to copy. */
static int cpu_to_host(DlabBackend *b, DlabModel *m, DlabOptimizer *o) {
  (void)o;
  return m == cpu(b)->m ? 0 : dlab_error("internal: the CPU backend works on its own model only");
}

static int cpu_from_host(DlabBackend *b, const DlabModel *m, DlabOptimizer *o) {
  (void)o;
  return m == cpu(b)->m ? 0 : dlab_error("internal: the CPU backend works on its own model only");
}

static const DlabBackendI cpu_i = {
    .name = "cpu",
    .flags = 0,
    .depth = 1,
    .free = cpu_free,
    .input = cpu_input,
    .begin_epoch = cpu_begin_epoch,
    .step = cpu_step,
    .poll = cpu_poll,
    .eval = cpu_eval,
    .to_host = cpu_to_host,
    .from_host = cpu_from_host,
};

static DlabBackend *cpu_create(const DlabBackendConfig *cfg) {
  CpuBackend *c = calloc(1, sizeof *c);
  if (!c) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  c->base.i = &cpu_i;
  c->m = cfg->model;
  c->opt = cfg->optimizer;
  c->smoothing = cfg->label_smoothing;
  c->batch_size = cfg->batch_size;
  if (cfg->optimizer && dlab_model_set_batch(c->m, cfg->batch_size) < 0) {
    free(c);
    return NULL;
  }
  return &c->base;
}

static int cpu_count(void) { return 1; }

static int cpu_use(int index) { return index == 0 ? 0 : dlab_error(_("cpu:%d: there is one CPU device, cpu"), index); }

static const DlabBackendReg cpu_reg = {
    .abi = DLAB_BACKEND_ABI,
    .name = "cpu",
    .device_count = cpu_count,
    .device_info = NULL, /* device.c describes the CPU */
    .device_use = cpu_use,
    .versions = NULL,
    .create = cpu_create,
};

const DlabBackendReg *dlab_backend_cpu_reg(void) { return &cpu_reg; }
