/* parity_driver: the engine's half of the PyTorch parity test.
 *
 *   parity_driver [--optim sgd|adam|adamw] [--nesterov] [--passes N]
 *                 [--threads N] [--save PATH] MODEL BATCH OUT
 *
 * Loads the checkpoint MODEL (dlab_checkpoint_load) and the batch BATCH
 * (safetensors: "x" F32 N x C x H x W, "labels" I64 or F32, N values), then
 * runs N training passes (default 2) exactly as the training loop does:
 * forward in training mode, cross-entropy, backward, one optimizer step.
 * Everything PyTorch must reproduce goes into OUT (safetensors, F32):
 *
 *   logitsK, lossK         pass K's training-mode logits and mean loss
 *   gradK.<param>          pass K's gradient of every trainable parameter
 *   maskK.<layer>          pass K's dropout keep-mask (1 kept, 0 dropped)
 *   argmaxK.<layer>        pass K's max-pooling winners: per output, the
 *                          index h * W + w of its input in the input plane
 *                          (PyTorch's return_indices layout)
 *   stepK.<param>          every trainable parameter after pass K's step
 *   buf.<name>             the buffers (BatchNorm running stats) at the end
 *   eval_logits            eval-mode logits at the end (running stats used)
 *
 * Dropout draws from the engine's RNG, which PyTorch cannot reproduce; so
 * the driver reports the mask it drew and the test applies that very mask on
 * the PyTorch side. Where a dropout input is 0 its output is 0 whether kept
 * or not; such elements are reported as kept. (The gradient there does not
 * matter when a ReLU precedes the dropout, as in every zoo network.)
 *
 * Max pooling is not continuous where two inputs of a window tie: when
 * they differ by less than float32 can resolve, the engine and a float64
 * PyTorch may pick different winners and route a gradient to different
 * pixels. So the driver also reports the winners it picked; the test routes
 * PyTorch's gradient through them after checking that each is a maximum of
 * its window up to rounding.
 *
 *   parity_driver --zoo NAME
 *
 * prints the zoo's spec of NAME, so the test can check that the spec it
 * writes into its checkpoints is the zoo's.
 *
 * The metadata of OUT holds "param_count" (dlab_model_count_params).
 * --save writes the model after the last pass with dlab_checkpoint_save, so
 * the test can load it into the tutorial's class. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/zoo.h"

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/optim.h"
#include "dlab/threads.h"
#include "io/safetensors.h"
#include "nn/loss.h"
#include "nn/model_impl.h"

typedef struct {
  const char *model, *batch, *out, *save;
  const char *optim;
  int nesterov;
  int passes;
  int threads;
} Options;

/* The growing list of tensors written to OUT; each owns a copy. */
typedef struct {
  DlabStTensor *t;
  int n, cap;
} Outputs;

typedef struct {
  float *x;        /* N x C x H x W */
  uint8_t *labels; /* N */
  int n;
} Batch;

static int usage(void) {
  fprintf(stderr,
          "usage: parity_driver --zoo NAME\n"
          "       parity_driver [--optim sgd|adam|adamw] [--nesterov] [--passes N] [--threads N]\n"
          "                     [--save PATH] MODEL BATCH OUT\n");
  return 2;
}

static int parse_options(int argc, char **argv, Options *o) {
  memset(o, 0, sizeof *o);
  o->optim = "sgd";
  o->passes = 2;
  o->threads = 1;
  const char *pos[3];
  int n_pos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (strcmp(a, "--optim") == 0 && has_value)
      o->optim = argv[++i];
    else if (strcmp(a, "--nesterov") == 0)
      o->nesterov = 1;
    else if (strcmp(a, "--passes") == 0 && has_value)
      o->passes = atoi(argv[++i]);
    else if (strcmp(a, "--threads") == 0 && has_value)
      o->threads = atoi(argv[++i]);
    else if (strcmp(a, "--save") == 0 && has_value)
      o->save = argv[++i];
    else if (a[0] == '-' || n_pos == 3)
      return -1;
    else
      pos[n_pos++] = a;
  }
  if (n_pos != 3 || o->passes < 1 || o->threads < 1) return -1;
  o->model = pos[0], o->batch = pos[1], o->out = pos[2];
  return 0;
}

/* ---- outputs ---- */

static int out_add(Outputs *o, const char *name, const float *data, int ndim, const int *shape) {
  if (o->n == o->cap) {
    int cap = o->cap ? 2 * o->cap : 64;
    DlabStTensor *t = realloc(o->t, (size_t)cap * sizeof *t);
    if (!t) return dlab_error("out of memory");
    o->t = t, o->cap = cap;
  }
  DlabStTensor *t = &o->t[o->n];
  memset(t, 0, sizeof *t);
  if (snprintf(t->name, sizeof t->name, "%s", name) >= (int)sizeof t->name)
    return dlab_error("output name %s is too long", name);
  size_t numel = 1;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++) {
    t->shape[d] = shape[d];
    numel *= (size_t)shape[d];
  }
  float *copy = malloc(numel * sizeof *copy + 1);
  if (!copy) return dlab_error("out of memory");
  memcpy(copy, data, numel * sizeof *copy);
  t->dtype = DLAB_ST_F32;
  t->data = copy;
  t->nbytes = numel * sizeof *copy;
  o->n++;
  return 0;
}

static int out_add_tensor(Outputs *o, const char *name, const DlabTensor *v) {
  return out_add(o, name, v->data, v->ndim, v->shape);
}

static int out_add_prefixed(Outputs *o, const char *prefix, const char *name, const DlabTensor *v) {
  char full[128];
  snprintf(full, sizeof full, "%s.%s", prefix, name);
  return out_add_tensor(o, full, v);
}

static void outputs_free(Outputs *o) {
  for (int i = 0; i < o->n; i++) free((void *)o->t[i].data);
  free(o->t);
}

/* ---- the batch ---- */

static int check_x(const char *path, const DlabStTensor *x, DlabShape in) {
  if (!x) return dlab_error("%s: tensor x missing", path);
  if (x->dtype != DLAB_ST_F32 || x->ndim != 4 || x->shape[0] < 1)
    return dlab_error("%s: x must be F32 of shape N x C x H x W", path);
  for (int d = 0; d < 3; d++)
    if (x->shape[d + 1] != in.d[d])
      return dlab_error("%s: x is %lldx%lldx%lld per sample but the model takes %dx%dx%d", path,
                        (long long)x->shape[1], (long long)x->shape[2], (long long)x->shape[3], in.d[0],
                        in.d[1], in.d[2]);
  return 0;
}

/* Labels as uint8, whether the file holds them as I64 or F32. */
static int read_labels(const char *path, const DlabStTensor *t, int n, int classes, uint8_t *out) {
  if (!t) return dlab_error("%s: tensor labels missing", path);
  size_t size = t->dtype == DLAB_ST_I64 ? sizeof(int64_t) : sizeof(float);
  if (t->nbytes != (size_t)n * size) return dlab_error("%s: labels must hold %d values", path, n);
  for (int i = 0; i < n; i++) {
    double v;
    if (t->dtype == DLAB_ST_I64) {
      int64_t k;
      memcpy(&k, (const char *)t->data + (size_t)i * size, size);
      v = (double)k;
    } else {
      float f;
      memcpy(&f, (const char *)t->data + (size_t)i * size, size);
      v = f;
    }
    if (!(v >= 0 && v < classes && v == (int)v))
      return dlab_error("%s: label %d is %g, not a class in [0, %d)", path, i, v, classes);
    out[i] = (uint8_t)v;
  }
  return 0;
}

static int batch_load(const char *path, const DlabModel *m, Batch *b) {
  memset(b, 0, sizeof *b);
  if (m->input.ndim != 3) return dlab_error("%s: the model does not take images", path);
  DlabSafetensors st;
  if (dlab_safetensors_read(path, &st) < 0) return -1;
  const DlabStTensor *x = dlab_safetensors_find(&st, "x");
  int rc = check_x(path, x, m->input);
  if (rc == 0) {
    b->n = (int)x->shape[0];
    b->x = malloc(x->nbytes);
    b->labels = malloc((size_t)b->n);
    if (!b->x || !b->labels) rc = dlab_error("out of memory");
  }
  if (rc == 0) {
    memcpy(b->x, x->data, x->nbytes);
    rc = read_labels(path, dlab_safetensors_find(&st, "labels"), b->n, dlab_model_num_outputs(m), b->labels);
  }
  dlab_safetensors_free(&st);
  return rc;
}

/* ---- the passes ---- */

static int make_optimizer(const Options *opt, DlabModel *m, DlabOptimizer **o, float *lr) {
  DlabOptimKind kind;
  if (dlab_optim_parse_kind(opt->optim, &kind) < 0) return -1;
  DlabOptimConfig cfg = dlab_optim_defaults(kind);
  if (kind == DLAB_OPTIM_SGD) {
    /* The tutorials' SGD: lr 0.1, momentum 0.9, weight decay 1e-4. */
    cfg.lr = 0.1f;
    cfg.momentum = 0.9f;
    cfg.weight_decay = 1e-4f;
    cfg.nesterov = opt->nesterov;
  }
  *lr = cfg.lr;
  *o = dlab_optimizer_create(&cfg, m);
  return *o ? 0 : -1;
}

/* keep = 1 where the dropout layer let its input through (see the top). */
static int record_masks(Outputs *out, const DlabModel *m, int pass) {
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (l->ops != &dlab_dropout_ops) continue;
    const DlabTensor *x = &m->acts[i], *y = &m->acts[i + 1];
    DlabTensor mask;
    if (dlab_tensor_init(&mask, y->ndim, y->shape) < 0) return -1;
    for (size_t k = 0; k < y->numel; k++)
      mask.data[k] = (x->data[k] == 0.0f || y->data[k] != 0.0f) ? 1.0f : 0.0f;
    char name[64];
    snprintf(name, sizeof name, "mask%d", pass);
    int rc = out_add_prefixed(out, name, l->name, &mask);
    dlab_tensor_free(&mask);
    if (rc < 0) return -1;
  }
  return 0;
}

/* The first position of the window of output (oh, ow) whose input equals
 * the output: the engine's winner (it keeps the first maximum on ties). */
static int pool_winner(const float *in, int height, int width, int kernel, int stride, int pad, int oh, int ow,
                       float best) {
  int top = oh * stride - pad, left = ow * stride - pad;
  int h0 = top > 0 ? top : 0, w0 = left > 0 ? left : 0;
  int h1 = top + kernel < height ? top + kernel : height, w1 = left + kernel < width ? left + kernel : width;
  for (int h = h0; h < h1; h++)
    for (int w = w0; w < w1; w++)
      if (in[h * width + w] == best) return h * width + w;
  return h0 * width + w0; /* NaN: not reached with finite inputs */
}

static int record_pool_winners(Outputs *out, const DlabModel *m, int pass) {
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (l->ops != &dlab_maxpool2d_ops) continue;
    const DlabTensor *x = &m->acts[i], *y = &m->acts[i + 1];
    int kernel = (int)l->args[0], stride = l->args[1] >= 1 ? (int)l->args[1] : kernel, pad = (int)l->args[2];
    int height = x->shape[2], width = x->shape[3], out_h = y->shape[2], out_w = y->shape[3];
    DlabTensor winners;
    if (dlab_tensor_init(&winners, y->ndim, y->shape) < 0) return -1;
    size_t planes = (size_t)y->shape[0] * (size_t)y->shape[1];
    for (size_t p = 0; p < planes; p++) {
      const float *in = x->data + p * (size_t)height * width;
      const float *best = y->data + p * (size_t)out_h * out_w;
      float *at = winners.data + p * (size_t)out_h * out_w;
      for (int oh = 0; oh < out_h; oh++)
        for (int ow = 0; ow < out_w; ow++)
          at[oh * out_w + ow] =
              (float)pool_winner(in, height, width, kernel, stride, pad, oh, ow, best[oh * out_w + ow]);
    }
    char name[64];
    snprintf(name, sizeof name, "argmax%d", pass);
    int rc = out_add_prefixed(out, name, l->name, &winners);
    dlab_tensor_free(&winners);
    if (rc < 0) return -1;
  }
  return 0;
}

static int record_params(Outputs *out, DlabModel *m, const char *prefix, int grads) {
  for (int i = 0; i < m->n_params; i++) {
    const DlabParam *p = m->params[i];
    if (!p->trainable) continue;
    if (out_add_prefixed(out, prefix, p->name, grads ? &p->grad : &p->value) < 0) return -1;
  }
  return 0;
}

static int run_pass(DlabModel *m, DlabOptimizer *o, float lr, const Batch *b, int pass, Outputs *out) {
  char name[32];
  memcpy(m->acts[0].data, b->x, (size_t)b->n * (size_t)dlab_shape_numel(m->input) * sizeof(float));
  DlabTensor *logits = dlab_model_forward(m, b->n, 1);
  DlabLossResult r = dlab_cross_entropy(logits, b->labels, 0.0f, dlab_model_dlogits(m));
  float loss = (float)r.loss;
  snprintf(name, sizeof name, "logits%d", pass);
  if (out_add_tensor(out, name, logits) < 0) return -1;
  snprintf(name, sizeof name, "loss%d", pass);
  if (out_add(out, name, &loss, 0, NULL) < 0) return -1;
  if (record_masks(out, m, pass) < 0 || record_pool_winners(out, m, pass) < 0) return -1;
  dlab_model_backward(m);
  /* Recorded before the step: an optimizer may fold weight decay into them. */
  snprintf(name, sizeof name, "grad%d", pass);
  if (record_params(out, m, name, 1) < 0) return -1;
  dlab_optimizer_step(o, lr);
  snprintf(name, sizeof name, "step%d", pass);
  return record_params(out, m, name, 0);
}

static int record_end(Outputs *out, DlabModel *m, const Batch *b) {
  for (int i = 0; i < m->n_params; i++)
    if (!m->params[i]->trainable && out_add_prefixed(out, "buf", m->params[i]->name, &m->params[i]->value) < 0)
      return -1;
  memcpy(m->acts[0].data, b->x, (size_t)b->n * (size_t)dlab_shape_numel(m->input) * sizeof(float));
  return out_add_tensor(out, "eval_logits", dlab_model_forward(m, b->n, 0));
}

static int write_outputs(const char *path, const Outputs *out, const DlabModel *m) {
  char count[32];
  snprintf(count, sizeof count, "%ld", dlab_model_count_params(m));
  const char *keys[] = {"param_count"}, *values[] = {count};
  return dlab_safetensors_write(path, out->t, out->n, keys, values, 1);
}

static int run(const Options *opt) {
  DlabModelInfo info;
  DlabModel *m = dlab_checkpoint_load(opt->model, &info);
  if (!m) return -1;
  /* record_pool_winners reads every pooling layer's input */
  for (int i = 0; i < m->n_layers; i++) m->layers[i]->keep_pool_input = 1;
  Batch b;
  Outputs out = {0};
  DlabOptimizer *o = NULL;
  float lr = 0;
  int rc = batch_load(opt->batch, m, &b);
  if (rc == 0) rc = dlab_model_set_batch(m, b.n);
  if (rc == 0) rc = make_optimizer(opt, m, &o, &lr);
  for (int pass = 1; rc == 0 && pass <= opt->passes; pass++) rc = run_pass(m, o, lr, &b, pass, &out);
  if (rc == 0) rc = record_end(&out, m, &b);
  if (rc == 0) rc = write_outputs(opt->out, &out, m);
  if (rc == 0 && opt->save) rc = dlab_checkpoint_save(opt->save, m, &info);
  outputs_free(&out);
  if (o) dlab_optimizer_free(o);
  free(b.x);
  free(b.labels);
  dlab_model_info_free(&info);
  dlab_model_free(m);
  return rc;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--zoo") == 0) {
    const DlabZooEntry *e = dlab_zoo_find(argv[2]);
    if (!e) return usage();
    printf("%s\n", e->spec);
    return 0;
  }
  Options opt;
  if (parse_options(argc, argv, &opt) < 0) return usage();
  if (dlab_threads_set(opt.threads) < 0) {
    fprintf(stderr, "parity_driver: %s\n", dlab_error_message());
    return 1;
  }
  int rc = run(&opt);
  if (rc < 0) fprintf(stderr, "parity_driver: %s\n", dlab_error_message());
  dlab_threads_shutdown();
  return rc < 0 ? 1 : 0;
}
