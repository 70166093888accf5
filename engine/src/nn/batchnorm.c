/* BatchNorm1d and BatchNorm2d (nn.BatchNorm1d/2d, affine, tracking running
 * statistics). One implementation: a batch is viewed as N x C x S, with S = 1
 * for flat features and S = H*W for images, and every channel is normalized
 * over its N*S values.
 *
 * Training normalizes with the batch mean and the biased variance, and moves
 * the running statistics by `momentum` using the unbiased variance, exactly
 * as PyTorch does; evaluation normalizes with the running statistics.
 * Channel sums are accumulated in double (an image plane's in float lanes
 * first, which vectorizes): with 60,000-image epochs the running
 * statistics must not drift from PyTorch's.
 *
 * Memory order decides the loops: flat features (S = 1) are walked row by
 * row, every channel of a row at once; images plane by plane. A ReLU or
 * LeakyReLU after the layer can be absorbed (fuse): it is applied as y is
 * written, and backward reads its derivative from y. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "nn_internal.h"

#include "core/i18n.h"

enum { ARG_EPS = 0, ARG_MOMENTUM = 1 };
enum { P_WEIGHT, P_BIAS, P_RUNNING_MEAN, P_RUNNING_VAR, P_NUM_BATCHES };

/* The per-channel arrays, in one block, each starting on a cache line and
 * `stride` channels long (the channels rounded up to CHANNEL_ALIGN): the
 * threads that handle channel slices write them at every row, so no line
 * may hold two slices' channels (two arrays allocated back to back shared
 * a line: mlp's batch norm at 2 threads took twice as long as at one). */
#define CHANNEL_ALIGN 16 /* floats in a cache line */
typedef struct {
  float *mean;   /* per channel: the mean used by the last forward */
  float *invstd; /* per channel: 1/sqrt(var + eps) used by the last forward */
  float *coef;   /* 3 arrays of `stride`: forward's scale and shift, backward's factors for dx */
  double *acc1, *acc2; /* per channel: sums being accumulated */
  void *block;   /* all of the above */
  int stride;
  int trained;   /* the last forward used batch statistics */
  DlabAct act;   /* absorbed activation */
} BatchNormState;

static int channels(const DlabLayer *l) { return l->in_shape.d[0]; }
static int spatial(const DlabLayer *l) {
  return l->in_shape.ndim == 3 ? l->in_shape.d[1] * l->in_shape.d[2] : 1;
}

static int batchnorm_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  int want_image = l->ops == &dlab_batchnorm2d_ops;
  if (want_image && in.ndim != 3)
    return dlab_error(_("layer %s (bn2d): needs an image input (C x H x W) but gets %s; use bn1d"), l->name,
                      dlab_shape_str(in, s, sizeof s));
  if (!want_image && in.ndim != 1)
    return dlab_error(_("layer %s (bn1d): needs flat features but gets %s; use bn2d or add flatten"),
                      l->name, dlab_shape_str(in, s, sizeof s));
  if (!(l->args[ARG_EPS] > 0))
    return dlab_error(_("layer %s: eps must be > 0, not %g"), l->name, (double)l->args[ARG_EPS]);
  l->in_shape = in;
  l->out_shape = in;
  int c = in.d[0];
  if (!dlab_layer_add_param(l, "weight", 1, 1, &c) || !dlab_layer_add_param(l, "bias", 1, 1, &c) ||
      !dlab_layer_add_param(l, "running_mean", 0, 1, &c) ||
      !dlab_layer_add_param(l, "running_var", 0, 1, &c))
    return -1;
  DlabParam *count = dlab_layer_add_param(l, "num_batches_tracked", 0, 0, NULL);
  if (!count) return -1;
  count->is_int64 = 1;
  if (l->build == DLAB_BUILD_SHAPES) return 0; /* nothing will run */
  BatchNormState *st = calloc(1, sizeof *st);
  l->state = st;
  if (!st) return dlab_error(_("layer %s: out of memory"), l->name);
  /* c is a channel count that setup_layers bounded: no overflow here */
  const size_t stride = ((size_t)c + CHANNEL_ALIGN - 1) / CHANNEL_ALIGN * CHANNEL_ALIGN;
  const size_t bytes = stride * (5 * sizeof(float) + 2 * sizeof(double));
  if (!(st->block = aligned_alloc(64, bytes))) return dlab_error(_("layer %s: out of memory"), l->name);
  memset(st->block, 0, bytes);
  st->stride = (int)stride;
  st->mean = st->block;
  st->invstd = st->mean + stride;
  st->coef = st->invstd + stride;
  st->acc1 = (double *)(st->coef + 3 * stride);
  st->acc2 = st->acc1 + stride;
  return 0;
}

/* gamma 1, beta 0, running mean 0, running variance 1, no batch seen. */
static void batchnorm_reset(DlabLayer *l, DlabRng *rng) {
  (void)rng;
  for (int c = 0; c < channels(l); c++) {
    l->params[P_WEIGHT].value.data[c] = 1.0f;
    l->params[P_BIAS].value.data[c] = 0.0f;
    l->params[P_RUNNING_MEAN].value.data[c] = 0.0f;
    l->params[P_RUNNING_VAR].value.data[c] = 1.0f;
  }
  l->params[P_NUM_BATCHES].value.data[0] = 0.0f;
}

static int batchnorm_fuse(DlabLayer *l, DlabLayer *const *next, int n_next) {
  BatchNormState *st = l->state;
  st->act = (DlabAct){0, 0.0f};
  return n_next > 0 && dlab_act_fusable(next[0], &st->act) ? 1 : 0;
}

typedef struct {
  DlabLayer *l;
  const float *x, *dy, *y; /* y: the activation's output, when one is absorbed */
  float *out, *dx;
  DlabAct act;
  int batch, training, slices;
} BatchNormJob;

/* From the channel's mean and biased variance: the normalization used now
 * and the running statistics' update. */
static void set_statistics(DlabLayer *l, int c, double mean, double var, double n) {
  BatchNormState *st = l->state;
  st->mean[c] = (float)mean;
  st->invstd[c] = (float)(1.0 / sqrt(var + l->args[ARG_EPS]));
  const float m = l->args[ARG_MOMENTUM];
  float *rm = l->params[P_RUNNING_MEAN].value.data, *rv = l->params[P_RUNNING_VAR].value.data;
  const double unbiased = n > 1 ? var * n / (n - 1) : var;
  rm[c] = (1 - m) * rm[c] + m * (float)mean;
  rv[c] = (1 - m) * rv[c] + m * (float)unbiased;
}

static void use_running_statistics(DlabLayer *l, int c0, int c1) {
  BatchNormState *st = l->state;
  for (int c = c0; c < c1; c++) {
    st->mean[c] = l->params[P_RUNNING_MEAN].value.data[c];
    st->invstd[c] = 1.0f / sqrtf(l->params[P_RUNNING_VAR].value.data[c] + l->args[ARG_EPS]);
  }
}

/* ---- flat features: N x C, channels [c0, c1) of every row ---- */

static void forward_columns(const BatchNormJob *j, int c0, int c1) {
  DlabLayer *l = j->l;
  BatchNormState *st = l->state;
  const int C = channels(l), N = j->batch;
  if (j->training) {
    dlab_cpu_bn_rows_stats(j->x, N, C, c0, c1, st->acc1, st->acc2);
    for (int c = c0; c < c1; c++) set_statistics(l, c, st->acc1[c], st->acc2[c], N);
  } else {
    use_running_statistics(l, c0, c1);
  }
  const float *gamma = l->params[P_WEIGHT].value.data, *beta = l->params[P_BIAS].value.data;
  float *scale = st->coef, *shift = st->coef + st->stride;
  for (int c = c0; c < c1; c++) {
    scale[c] = gamma[c] * st->invstd[c];
    shift[c] = beta[c] - st->mean[c] * scale[c];
  }
  dlab_cpu_bn_rows_apply(j->x, N, C, c0, c1, scale, shift, j->act, j->out);
}

static void backward_columns(const BatchNormJob *j, int c0, int c1) {
  DlabLayer *l = j->l;
  BatchNormState *st = l->state;
  const int C = channels(l), N = j->batch;
  double *sum_dy = st->acc1, *sum_dy_xhat = st->acc2;
  dlab_cpu_bn_rows_grad_sums(j->dy, j->y, j->act, j->x, N, C, c0, c1, st->mean, st->invstd, sum_dy,
                             sum_dy_xhat);
  float *k = st->coef, *mean_dy = st->coef + st->stride, *mean_dy_xhat = st->coef + 2 * st->stride;
  for (int c = c0; c < c1; c++) {
    l->params[P_WEIGHT].grad.data[c] = (float)sum_dy_xhat[c];
    l->params[P_BIAS].grad.data[c] = (float)sum_dy[c];
    k[c] = l->params[P_WEIGHT].value.data[c] * st->invstd[c];
    mean_dy[c] = st->trained ? (float)(sum_dy[c] / N) : 0.0f;
    mean_dy_xhat[c] = st->trained ? (float)(sum_dy_xhat[c] / N) : 0.0f;
  }
  if (j->dx)
    dlab_cpu_bn_rows_dx(j->dy, j->y, j->act, j->x, N, C, c0, c1, st->mean, st->invstd, k, mean_dy, mean_dy_xhat,
                        j->dx);
}

/* ---- images: channel c is the planes (b, c) ---- */

static size_t at(const DlabLayer *l, int b, int c) {
  return ((size_t)b * (size_t)channels(l) + (size_t)c) * (size_t)spatial(l);
}

static void forward_planes(const BatchNormJob *j, int c0, int c1) {
  DlabLayer *l = j->l;
  BatchNormState *st = l->state;
  const size_t s = (size_t)spatial(l);
  if (!j->training) use_running_statistics(l, c0, c1);
  for (int c = c0; c < c1; c++) {
    if (j->training) {
      const double n = (double)j->batch * (double)s;
      double sum = 0, sq = 0;
      for (int b = 0; b < j->batch; b++) sum += dlab_cpu_sum(j->x + at(l, b, c), s);
      const float mean = (float)(sum / n);
      for (int b = 0; b < j->batch; b++) sq += dlab_cpu_bn_plane_sqdev(j->x + at(l, b, c), s, mean);
      set_statistics(l, c, mean, sq / n, n);
    }
    const float scale = l->params[P_WEIGHT].value.data[c] * st->invstd[c];
    const float shift = l->params[P_BIAS].value.data[c] - st->mean[c] * scale;
    for (int b = 0; b < j->batch; b++)
      dlab_cpu_bn_plane_apply(j->x + at(l, b, c), s, scale, shift, j->act, j->out + at(l, b, c));
  }
}

static void backward_planes(const BatchNormJob *j, int c0, int c1) {
  DlabLayer *l = j->l;
  const BatchNormState *st = l->state;
  const size_t s = (size_t)spatial(l);
  const double n = (double)j->batch * (double)s;
  for (int c = c0; c < c1; c++) {
    const float mean = st->mean[c], invstd = st->invstd[c];
    double sum_dy = 0, sum_dy_xc = 0;
    for (int b = 0; b < j->batch; b++) {
      const size_t base = at(l, b, c);
      dlab_cpu_bn_plane_grad_sums(j->dy + base, j->y ? j->y + base : NULL, j->act, j->x + base, s, mean,
                                  &sum_dy, &sum_dy_xc);
    }
    const double sum_dy_xhat = sum_dy_xc * invstd;
    l->params[P_WEIGHT].grad.data[c] = (float)sum_dy_xhat;
    l->params[P_BIAS].grad.data[c] = (float)sum_dy;
    if (!j->dx) continue;
    const float k = l->params[P_WEIGHT].value.data[c] * invstd;
    const float mean_dy = st->trained ? (float)(sum_dy / n) : 0.0f;
    const float mean_dy_xhat = st->trained ? (float)(sum_dy_xhat / n) : 0.0f;
    for (int b = 0; b < j->batch; b++) {
      const size_t base = at(l, b, c);
      dlab_cpu_bn_plane_dx(j->dy + base, j->y ? j->y + base : NULL, j->act, j->x + base, s, mean, invstd, k,
                           mean_dy, mean_dy_xhat, j->dx + base);
    }
  }
}

/* ---- passes: slices of channels ---- */

/* Channels [c0, c1) of slice s: flat features in whole cache lines (their
 * arrays are written at every row; see BatchNormState), planes as they
 * come (a plane's arrays are written once). */
static void slice_channels(const BatchNormJob *j, int s, int *c0, int *c1) {
  if (spatial(j->l) == 1)
    dlab_slice_range_aligned(channels(j->l), j->slices, s, CHANNEL_ALIGN, c0, c1);
  else
    dlab_slice_range(channels(j->l), j->slices, s, c0, c1);
}

static void forward_slice(void *arg, size_t begin, size_t end) {
  const BatchNormJob *j = arg;
  for (size_t s = begin; s < end; s++) {
    int c0, c1;
    slice_channels(j, (int)s, &c0, &c1);
    if (spatial(j->l) == 1)
      forward_columns(j, c0, c1);
    else
      forward_planes(j, c0, c1);
  }
}

static void backward_slice(void *arg, size_t begin, size_t end) {
  const BatchNormJob *j = arg;
  for (size_t s = begin; s < end; s++) {
    int c0, c1;
    slice_channels(j, (int)s, &c0, &c1);
    if (spatial(j->l) == 1)
      backward_columns(j, c0, c1);
    else
      backward_planes(j, c0, c1);
  }
}

/* A few operations per value and channel. */
static int slices_for(const BatchNormJob *j) {
  return dlab_parallel_slices(channels(j->l), 8.0 * j->batch * spatial(j->l), DLAB_MIN_SLICE_FLOPS,
                              DLAB_MAX_SLICES);
}

static void run_forward(DlabLayer *l, const DlabTensor *x, float *out, DlabAct act, int training) {
  BatchNormJob j = {.l = l, .x = x->data, .out = out, .act = act, .batch = x->shape[0], .training = training};
  ((BatchNormState *)l->state)->trained = training;
  j.slices = slices_for(&j);
  dlab_parallel_for((size_t)j.slices, 1, forward_slice, &j);
  if (training) l->params[P_NUM_BATCHES].value.data[0] += 1.0f;
}

static void run_backward(DlabLayer *l, const DlabTensor *x, const float *y, const float *dy, float *dx,
                         DlabAct act) {
  BatchNormJob j = {.l = l, .x = x->data, .y = y, .dy = dy, .dx = dx, .act = act, .batch = x->shape[0]};
  j.slices = slices_for(&j);
  dlab_parallel_for((size_t)j.slices, 1, backward_slice, &j);
}

static const DlabAct no_act = {0, 0.0f};

static void batchnorm_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  run_forward(l, x, y->data, no_act, training);
}

/* d gamma = sum dy * xhat, d beta = sum dy. With batch statistics the mean
 * and variance depend on x too, which adds the two correction terms of dx. */
static void batchnorm_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                               const DlabTensor *dy, DlabTensor *dx) {
  (void)y;
  run_backward(l, x, NULL, dy->data, dx ? dx->data : NULL, no_act);
}

/* acts[1] (before the activation) is not written; acts[2] is. */
static void batchnorm_forward_group(DlabLayer *l, DlabTensor *acts, int training) {
  run_forward(l, &acts[0], acts[2].data, ((BatchNormState *)l->state)->act, training);
}

static void batchnorm_backward_group(DlabLayer *l, const DlabTensor *acts, const DlabTensor *dy,
                                     DlabTensor *dx) {
  run_backward(l, &acts[0], acts[2].data, dy->data, dx ? dx->data : NULL, ((BatchNormState *)l->state)->act);
}

static void batchnorm_destroy(DlabLayer *l) {
  BatchNormState *st = l->state;
  if (!st) return;
  free(st->block);
  free(st);
  l->state = NULL;
}

#define BATCHNORM_OPS(var, kw)                    \
  const DlabLayerOps var = {                      \
      .keyword = kw,                              \
      .setup = batchnorm_setup,                   \
      .reset = batchnorm_reset,                   \
      .forward = batchnorm_forward,               \
      .backward = batchnorm_backward,             \
      .destroy = batchnorm_destroy,               \
      .fuse = batchnorm_fuse,                     \
      .forward_group = batchnorm_forward_group,   \
      .backward_group = batchnorm_backward_group, \
  }

BATCHNORM_OPS(dlab_batchnorm1d_ops, "bn1d");
BATCHNORM_OPS(dlab_batchnorm2d_ops, "bn2d");
