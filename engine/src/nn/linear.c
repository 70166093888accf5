/* Linear (nn.Linear): y = x W^T + b on a batch of flat vectors.
 *
 * Parameters in PyTorch's layout: weight [out, in], bias [out]. Every
 * product is an sgemm; with several threads the batch rows (forward, dx)
 * and the output features (dW, db) are cut into one slice per thread, so
 * no slice needs another's result. A ReLU or LeakyReLU right after the
 * layer can be absorbed (fuse): it is applied to y while y is in cache,
 * and its derivative taken from y in backward. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cpu_kernels.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "nn_internal.h"

enum { ARG_OUT = 0, ARG_BIAS = 1 };
enum { P_WEIGHT = 0, P_BIAS = 1 };

typedef struct {
  DlabAct act;    /* absorbed activation */
  float *dy_act;  /* [batch, out]: dy * act'(y) in a fused backward */
  size_t dy_cap;
} LinearState;

static int has_bias(const DlabLayer *l) { return l->n_params > P_BIAS; }

static int linear_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  if (in.ndim != 1)
    return dlab_error("layer %s (linear): needs a flat input but gets %s; add `flatten` before it",
                      l->name, dlab_shape_str(in, s, sizeof s));
  int out = (int)l->args[ARG_OUT];
  if (out < 1 || (float)out != l->args[ARG_OUT])
    return dlab_error("layer %s (linear): out_features must be a whole number >= 1, not %g", l->name,
                      (double)l->args[ARG_OUT]);
  if (!l->state && !(l->state = calloc(1, sizeof(LinearState)))) return dlab_error("out of memory");
  l->in_shape = in;
  l->out_shape = (DlabShape){1, {out, 0, 0}};
  int w_shape[2] = {out, in.d[0]};
  if (!dlab_layer_add_param(l, "weight", 1, 2, w_shape)) return -1;
  if (l->args[ARG_BIAS] != 0 && !dlab_layer_add_param(l, "bias", 1, 1, &out)) return -1;
  return 0;
}

/* PyTorch's default: kaiming_uniform(a=sqrt(5)) works out to
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same bound as the bias. */
static void linear_reset(DlabLayer *l, DlabRng *rng) {
  float bound = 1.0f / sqrtf((float)l->in_shape.d[0]);
  for (int p = 0; p < l->n_params; p++) {
    DlabTensor *v = &l->params[p].value;
    for (size_t i = 0; i < v->numel; i++) v->data[i] = dlab_rng_range(rng, -bound, bound);
  }
}

static int linear_resize(DlabLayer *l, int batch) {
  LinearState *st = l->state;
  size_t need = st->act.on ? (size_t)batch * l->out_shape.d[0] : 0;
  if (need <= st->dy_cap) return 0;
  float *p = realloc(st->dy_act, need * sizeof *p);
  if (!p) return dlab_error("layer %s (linear): out of memory for batch %d", l->name, batch);
  st->dy_act = p;
  st->dy_cap = need;
  return 0;
}

static int linear_fuse(DlabLayer *l, DlabLayer *const *next, int n_next) {
  LinearState *st = l->state;
  st->act = (DlabAct){0, 0.0f};
  return n_next > 0 && dlab_act_fusable(next[0], &st->act) ? 1 : 0;
}

static void linear_destroy(DlabLayer *l) {
  LinearState *st = l->state;
  if (!st) return;
  free(st->dy_act);
  free(st);
  l->state = NULL;
}

/* ---- slices ---- */

typedef struct {
  DlabLayer *l;
  const float *x, *dy;
  float *y, *dx;
  DlabAct act;
  int batch, slices;
} LinearJob;

static void forward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  const DlabLayer *l = j->l;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0];
  const float *bias = has_bias(l) ? l->params[P_BIAS].value.data : NULL;
  for (size_t s = begin; s < end; s++) {
    int b0, b1;
    dlab_slice_range(j->batch, j->slices, (int)s, &b0, &b1);
    if (b1 == b0) continue;
    float *y = j->y + (size_t)b0 * out;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b1 - b0, out, in, 1.0f, j->x + (size_t)b0 * in, in,
                l->params[P_WEIGHT].value.data, in, 0.0f, y, out);
    if (bias || j->act.on) dlab_cpu_bias_act_rows(y, b1 - b0, out, bias, j->act);
  }
}

/* Slice s computes the rows [o0, o1) of dW and db and the batch rows
 * [b0, b1) of dx: neither needs another slice's result. */
static void backward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  DlabLayer *l = j->l;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0];
  for (size_t s = begin; s < end; s++) {
    int o0, o1, b0, b1;
    dlab_slice_range(out, j->slices, (int)s, &o0, &o1);
    dlab_slice_range(j->batch, j->slices, (int)s, &b0, &b1);
    if (o1 > o0) {
      /* dW [out, in] = dy^T x */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, in, j->batch, 1.0f, j->dy + o0, out, j->x,
                  in, 0.0f, l->params[P_WEIGHT].grad.data + (size_t)o0 * in, in);
      if (has_bias(l)) dlab_cpu_column_sums(j->dy, j->batch, out, o0, o1, l->params[P_BIAS].grad.data);
    }
    /* dx [batch, in] = dy W */
    if (j->dx && b1 > b0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b1 - b0, in, out, 1.0f, j->dy + (size_t)b0 * out,
                  out, l->params[P_WEIGHT].value.data, in, 0.0f, j->dx + (size_t)b0 * in, in);
  }
}

static void act_backward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  const size_t out = (size_t)j->l->out_shape.d[0];
  for (size_t s = begin; s < end; s++) {
    int b0, b1;
    dlab_slice_range(j->batch, j->slices, (int)s, &b0, &b1);
    dlab_cpu_act_backward(j->dy + b0 * out, j->y + b0 * out, (size_t)(b1 - b0) * out, j->act,
                          ((LinearState *)j->l->state)->dy_act + b0 * out);
  }
}

/* ---- passes ---- */

static double row_flops(const DlabLayer *l) { return 2.0 * l->in_shape.d[0] * l->out_shape.d[0]; }

static void run_forward(DlabLayer *l, const DlabTensor *x, float *y, DlabAct act) {
  LinearJob j = {.l = l, .x = x->data, .y = y, .act = act, .batch = x->shape[0]};
  j.slices = dlab_parallel_slices(j.batch, row_flops(l), DLAB_MIN_SLICE_FLOPS, DLAB_MAX_SLICES);
  dlab_parallel_for((size_t)j.slices, 1, forward_slice, &j);
}

static void run_backward(DlabLayer *l, const float *x, const float *dy, float *dx, int batch) {
  LinearJob j = {.l = l, .x = x, .dy = dy, .dx = dx, .batch = batch};
  j.slices = dlab_parallel_slices(batch, 2 * row_flops(l), DLAB_MIN_SLICE_FLOPS, DLAB_MAX_SLICES);
  if (j.slices > l->out_shape.d[0]) j.slices = l->out_shape.d[0];
  dlab_parallel_for((size_t)j.slices, 1, backward_slice, &j);
}

static const DlabAct no_act = {0, 0.0f};

static void linear_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  run_forward(l, x, y->data, no_act);
}

static void linear_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                            DlabTensor *dx) {
  (void)y;
  run_backward(l, x->data, dy->data, dx ? dx->data : NULL, x->shape[0]);
}

/* acts[1] (before the activation) is not written; acts[2] is. */
static void linear_forward_group(DlabLayer *l, DlabTensor *acts, int training) {
  (void)training;
  run_forward(l, &acts[0], acts[2].data, ((LinearState *)l->state)->act);
}

static void linear_backward_group(DlabLayer *l, const DlabTensor *acts, const DlabTensor *dy, DlabTensor *dx) {
  LinearState *st = l->state;
  const int batch = acts[0].shape[0];
  LinearJob j = {.l = l, .dy = dy->data, .y = acts[2].data, .act = st->act, .batch = batch};
  j.slices = dlab_parallel_slices(batch, (double)l->out_shape.d[0], 1e5, DLAB_MAX_SLICES);
  dlab_parallel_for((size_t)j.slices, 1, act_backward_slice, &j);
  run_backward(l, acts[0].data, st->dy_act, dx ? dx->data : NULL, batch);
}

const DlabLayerOps dlab_linear_ops = {
    .keyword = "linear",
    .setup = linear_setup,
    .reset = linear_reset,
    .resize = linear_resize,
    .forward = linear_forward,
    .backward = linear_backward,
    .destroy = linear_destroy,
    .fuse = linear_fuse,
    .forward_group = linear_forward_group,
    .backward_group = linear_backward_group,
};
