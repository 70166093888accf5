/* The GPU against the CPU, layer by layer: for every zoo network (and a few
 * specs that use the layers the zoo does not: average pooling, GELU, tanh,
 * sigmoid, BatchNorm2d, strided and padded convolutions and pools), one
 * batch through the CPU model and through its GPU mirror must give the same
 *   - training-mode logits and loss (with label smoothing),
 *   - gradient of every trainable parameter,
 *   - two optimizer steps of SGD (momentum, Nesterov, weight decay), Adam
 *     and AdamW from the same gradients, and the optimizer state after them,
 *   - BatchNorm running statistics and batch counts,
 *   - evaluation-mode logits after the steps,
 * to a relative error of 1e-3 (max |gpu - cpu| / max |cpu| per tensor), with
 * TF32 off. Dropout gets the CPU's mask (the GPU draws its own otherwise).
 * Exits 77 without a usable CUDA device. */
#include <string.h>

#include "backend/cuda/cuda_model.h"
#include "dlab/zoo.h"
#include "gpu_test.h"
#include "nn/loss.h"
#include "nn/model_impl.h"

#define BATCH 24
#define TOL 1e-3
#define SMOOTHING 0.1f

typedef struct {
  const char *name, *input, *spec;
} Net;

/* Layers the zoo does not have, and layouts the GPU does not fuse. */
static const Net extra[] = {
    {"pools-and-activations", "3x20x20",
     "conv 8 3 pad 1 | bn2d | relu | avgpool 2 | conv 12 3 stride 2 pad 1 | gelu | maxpool 3 stride 2 pad 1 | "
     "flatten | linear 32 | tanh | dropout 0.5 | linear 16 | sigmoid | linear 7"},
    {"bn-lrelu-negative", "1x12x12",
     "conv 4 3 | lrelu -0.2 | maxpool 2 stride 1 | conv 6 3 bias 0 | bn2d momentum 0.3 | lrelu 0.05 | "
     "avgpool 3 stride 2 pad 1 | flatten | bn1d | linear 10 bias 0 | relu | linear 5"},
    {0},
};

static DlabShape parse_shape(const char *text) {
  DlabShape s = {3, {1, 28, 28}};
  if (sscanf(text, "%dx%dx%d", &s.d[0], &s.d[1], &s.d[2]) != 3) s = (DlabShape){3, {1, 28, 28}};
  return s;
}

/* Worst relative error over m's parameters (trainable: values or gradients;
 * buffers: values) against the reference r; names the worst. */
static double params_error(const DlabModel *m, const DlabModel *r, int grads, int buffers, char *worst, size_t n) {
  double err = 0;
  snprintf(worst, n, "-");
  for (int q = 0; q < m->n_params; q++) {
    const DlabParam *p = m->params[q], *pr = r->params[q];
    if (buffers == p->trainable) continue;
    const DlabTensor *a = grads ? &p->grad : &p->value, *b = grads ? &pr->grad : &pr->value;
    double e = rel_error(a->data, b->data, a->numel);
    if (e > err || isnan(e)) {
      err = e;
      snprintf(worst, n, "%s", p->name);
    }
  }
  return err;
}

static double state_error(DlabOptimizer *a, DlabOptimizer *b, char *worst, size_t n) {
  DlabParam *sa, *sb;
  int na, nb;
  dlab_optimizer_state(a, &sa, &na);
  dlab_optimizer_state(b, &sb, &nb);
  snprintf(worst, n, "-");
  if (na != nb) return INFINITY;
  double err = 0;
  for (int i = 0; i < na; i++) {
    double e = rel_error(sa[i].value.data, sb[i].value.data, sa[i].value.numel);
    if (e > err || isnan(e)) {
      err = e;
      snprintf(worst, n, "%s", sa[i].name);
    }
  }
  return err;
}

/* The CPU's dropout masks (from the layer's input and output, as the PyTorch
 * parity driver reads them) handed to the GPU for its next forward. Where
 * the input is 0 the mask does not show; the element is taken as kept (a
 * ReLU before it passes no gradient there either way). */
static int give_masks(DlabCudaModel *g, const DlabModel *m, int n) {
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (l->ops != &dlab_dropout_ops) continue;
    const DlabTensor *x = &m->acts[i], *y = &m->acts[i + 1];
    const float keep = 1.0f / (1.0f - l->args[0]);
    float *scale = malloc(x->numel * sizeof *scale);
    if (!scale) return -1;
    for (size_t k = 0; k < x->numel; k++) scale[k] = x->data[k] != 0.0f && y->data[k] == 0.0f ? 0.0f : keep;
    int rc = dlab_cuda_model_set_dropout_mask(g, i, scale, n);
    free(scale);
    if (rc < 0) return -1;
  }
  return 0;
}

static DlabOptimConfig optimizer(DlabOptimKind kind) {
  DlabOptimConfig c = dlab_optim_defaults(kind);
  if (kind == DLAB_OPTIM_SGD) {
    c.lr = 0.05f;
    c.momentum = 0.9f;
    c.nesterov = 1;
    c.weight_decay = 1e-4f;
  } else if (kind == DLAB_OPTIM_ADAM) {
    c.weight_decay = 1e-4f; /* the L2 path */
  }
  return c;
}

typedef struct {
  float *x;
  uint8_t *labels;
} Batch;

static int make_batch(Batch *b, const DlabModel *m, uint64_t seed) {
  const size_t per = (size_t)dlab_shape_numel(m->input);
  const int k = dlab_model_num_outputs(m);
  b->x = malloc((size_t)BATCH * per * sizeof *b->x);
  b->labels = malloc(BATCH);
  if (!b->x || !b->labels) return -1;
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < (size_t)BATCH * per; i++) b->x[i] = dlab_rng_normal(&rng);
  for (int i = 0; i < BATCH; i++) b->labels[i] = (uint8_t)dlab_rng_below(&rng, (uint32_t)k);
  return 0;
}

/* The saved CPU gradients, before the GPU's are downloaded over them. */
static float **save_grads(const DlabModel *m) {
  float **saved = calloc((size_t)m->n_params, sizeof *saved);
  for (int q = 0; saved && q < m->n_params; q++) {
    const DlabParam *p = m->params[q];
    if (!p->trainable) continue;
    saved[q] = malloc(p->grad.numel * sizeof(float));
    if (saved[q]) memcpy(saved[q], p->grad.data, p->grad.numel * sizeof(float));
  }
  return saved;
}

static double grads_error(const DlabModel *m, float **cpu, char *worst, size_t n) {
  double err = 0;
  snprintf(worst, n, "-");
  for (int q = 0; q < m->n_params; q++) {
    const DlabParam *p = m->params[q];
    if (!p->trainable) continue;
    double e = cpu[q] ? rel_error(p->grad.data, cpu[q], p->grad.numel) : INFINITY;
    if (e > err || isnan(e)) {
      err = e;
      snprintf(worst, n, "%s", p->name);
    }
  }
  return err;
}

static void free_grads(float **g, int n) {
  for (int q = 0; g && q < n; q++) free(g[q]);
  free(g);
}

/* One network with one optimizer. cpu and gpu_host start identical (same
 * spec and seed); gpu_host receives what the GPU computed. */
static void check_net(const char *name, const char *spec, DlabShape in, DlabOptimKind kind) {
  const char *opt_name = dlab_optim_kind_name(kind);
  DlabModel *cpu = dlab_model_create(spec, in, 7), *gpu_host = dlab_model_create(spec, in, 7);
  if (!cpu || !gpu_host || dlab_model_set_batch(cpu, BATCH) < 0) {
    tap_ok(0, "%s: the model builds: %s", name, dlab_error_message());
    dlab_model_free(cpu);
    dlab_model_free(gpu_host);
    return;
  }
  DlabCudaOptions o = dlab_cuda_options_default();
  o.max_batch = BATCH;
  o.tf32 = 0;
  DlabCudaModel *g = dlab_cuda_model_create(cpu, &o);
  tap_ok(g != NULL, "%s/%s: GPU mirror built%s%s", name, opt_name, g ? "" : ": ", g ? "" : dlab_error_message());
  Batch b = {0};
  if (!g || make_batch(&b, cpu, 11) < 0) goto done;
  const int k = dlab_model_num_outputs(cpu);
  const size_t per = (size_t)dlab_shape_numel(in);

  /* the CPU: forward, loss, backward */
  memcpy(cpu->acts[0].data, b.x, (size_t)BATCH * per * sizeof(float));
  DlabTensor *logits = dlab_model_forward(cpu, BATCH, 1);
  DlabLossResult lc = dlab_cross_entropy(logits, b.labels, SMOOTHING, dlab_model_dlogits(cpu));
  dlab_model_backward(cpu);
  float **cpu_grads = save_grads(cpu);

  /* the GPU: the same */
  float *gl = malloc((size_t)BATCH * k * sizeof *gl);
  DlabLossResult lg = {0};
  int rc = gl && cpu_grads ? 0 : -1;
  if (rc == 0) rc = dlab_cuda_model_set_input(g, b.x, b.labels, BATCH);
  if (rc == 0) rc = give_masks(g, cpu, BATCH);
  if (rc == 0) rc = dlab_cuda_model_forward(g, BATCH, 1, gl);
  if (rc == 0) rc = dlab_cuda_model_backward(g, BATCH, SMOOTHING, &lg);
  if (rc == 0) rc = dlab_cuda_model_download_grads(g, cpu); /* the GPU's gradients into cpu's .grad */
  tap_ok(rc == 0, "%s/%s: forward and backward on the GPU%s%s", name, opt_name, rc ? ": " : "",
         rc ? dlab_error_message() : "");
  if (rc < 0) goto free_pass;
  double e_logits = rel_error(gl, logits->data, (size_t)BATCH * k);
  double e_loss = fabs(lg.loss - lc.loss) / fabs(lc.loss);
  tap_ok(e_logits < TOL && e_loss < TOL, "%s/%s: logits (rel %.2g) and loss %.6f vs %.6f (rel %.2g)", name,
         opt_name, e_logits, lg.loss, lc.loss, e_loss);
  char worst[64];
  double e_grads = grads_error(cpu, cpu_grads, worst, sizeof worst);
  tap_ok(e_grads < TOL, "%s/%s: gradients, worst rel %.2g (%s)", name, opt_name, e_grads, worst);

  /* Two optimizer steps from the same (the GPU's) gradients on both sides,
   * so that what is compared is the update itself. */
  DlabOptimConfig oc = optimizer(kind);
  DlabOptimizer *oc_cpu = dlab_optimizer_create(&oc, cpu), *oc_gpu = dlab_optimizer_create(&oc, gpu_host);
  rc = oc_cpu && oc_gpu ? dlab_cuda_model_set_optimizer(g, &oc, NULL) : -1;
  for (int step = 0; rc == 0 && step < 2; step++) {
    dlab_optimizer_step(oc_cpu, oc.lr * (step ? 0.5f : 1.0f));
    rc = dlab_cuda_model_step(g, oc.lr * (step ? 0.5f : 1.0f));
  }
  if (rc == 0) rc = dlab_cuda_model_download(g, gpu_host);
  if (rc == 0) rc = dlab_cuda_model_download_optimizer(g, oc_gpu);
  tap_ok(rc == 0, "%s/%s: two optimizer steps on the GPU%s%s", name, opt_name, rc ? ": " : "",
         rc ? dlab_error_message() : "");
  if (rc == 0) {
    double e_step = params_error(gpu_host, cpu, 0, 0, worst, sizeof worst);
    tap_ok(e_step < TOL, "%s/%s: weights after two steps, worst rel %.2g (%s)", name, opt_name, e_step, worst);
    char worst_state[96];
    double e_state = state_error(oc_gpu, oc_cpu, worst_state, sizeof worst_state);
    tap_ok(e_state < TOL && dlab_optimizer_steps(oc_gpu) == dlab_optimizer_steps(oc_cpu),
           "%s/%s: optimizer state, worst rel %.2g (%s), %ld steps", name, opt_name, e_state, worst_state,
           dlab_optimizer_steps(oc_gpu));
    double e_buf = params_error(gpu_host, cpu, 0, 1, worst, sizeof worst);
    tap_ok(e_buf < TOL, "%s/%s: buffers (running statistics, batch counts), worst rel %.2g (%s)", name, opt_name,
           e_buf, worst);
    /* evaluation mode with the stepped weights and the running statistics */
    logits = dlab_model_forward(cpu, BATCH, 0);
    rc = dlab_cuda_model_forward(g, BATCH, 0, gl);
    double e_eval = rc == 0 ? rel_error(gl, logits->data, (size_t)BATCH * k) : INFINITY;
    tap_ok(e_eval < TOL, "%s/%s: evaluation logits after the steps, rel %.2g", name, opt_name, e_eval);
  }
  dlab_optimizer_free(oc_cpu);
  dlab_optimizer_free(oc_gpu);
free_pass:
  free(gl);
  free_grads(cpu_grads, cpu->n_params);
done:
  free(b.x);
  free(b.labels);
  dlab_cuda_model_free(g);
  dlab_model_free(cpu);
  dlab_model_free(gpu_host);
}

/* The mirror refuses a batch it was not sized for, and a model too large
 * for the GPU's memory is a message. */
static void check_limits(void) {
  DlabModel *m = dlab_model_create("lenet", (DlabShape){3, {1, 28, 28}}, 1);
  DlabCudaOptions o = dlab_cuda_options_default();
  o.max_batch = 4;
  DlabCudaModel *g = m ? dlab_cuda_model_create(m, &o) : NULL;
  float x[8 * 784] = {0};
  dlab_error_clear();
  int rc = g ? dlab_cuda_model_set_input(g, x, NULL, 8) : 0;
  tap_ok(g && rc == -1 && strstr(dlab_error_message(), "batch 8"), "a batch beyond max_batch is refused: %s",
         dlab_error_message());
  dlab_cuda_model_free(g);
  o.max_batch = 1 << 30; /* 3 TiB of activations */
  dlab_error_clear();
  g = m ? dlab_cuda_model_create(m, &o) : NULL;
  tap_ok(g == NULL && strstr(dlab_error_message(), "out of GPU memory"), "out of GPU memory is a message: %s",
         dlab_error_message());
  dlab_cuda_model_free(g);
  dlab_model_free(m);
}

int main(void) {
  if (!gpu_or_skip()) return 77;
  static const DlabOptimKind kinds[] = {DLAB_OPTIM_SGD, DLAB_OPTIM_ADAM, DLAB_OPTIM_ADAMW};
  for (const DlabZooEntry *e = dlab_zoo_entries(); e->name; e++)
    for (int k = 0; k < 3; k++) check_net(e->name, e->spec, parse_shape(e->input), kinds[k]);
  for (const Net *n = extra; n->name; n++)
    for (int k = 0; k < 3; k++) check_net(n->name, n->spec, parse_shape(n->input), kinds[k]);
  check_limits();
  return tap_done();
}
