/* BatchNorm1d and BatchNorm2d (nn.BatchNorm1d/2d, affine, tracking running
 * statistics). One implementation: a batch is viewed as N x C x S, with S = 1
 * for flat features and S = H*W for images, and every channel is normalized
 * over its N*S values.
 *
 * Training normalizes with the batch mean and the biased variance, and moves
 * the running statistics by `momentum` using the unbiased variance, exactly
 * as PyTorch does; evaluation normalizes with the running statistics.
 * Channel sums are accumulated in double: with 60,000-image epochs the
 * running statistics must not drift from PyTorch's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"

enum { ARG_EPS = 0, ARG_MOMENTUM = 1 };
enum { P_WEIGHT, P_BIAS, P_RUNNING_MEAN, P_RUNNING_VAR, P_NUM_BATCHES };

typedef struct {
  float *mean;   /* per channel: the mean used by the last forward */
  float *invstd; /* per channel: 1/sqrt(var + eps) used by the last forward */
  int trained;   /* the last forward used batch statistics */
} BatchNormState;

static int channels(const DlabLayer *l) { return l->in_shape.d[0]; }
static int spatial(const DlabLayer *l) {
  return l->in_shape.ndim == 3 ? l->in_shape.d[1] * l->in_shape.d[2] : 1;
}

static int batchnorm_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  int want_image = l->ops == &dlab_batchnorm2d_ops;
  if (want_image && in.ndim != 3)
    return dlab_error("layer %s (bn2d): needs an image input (C x H x W) but gets %s; use bn1d", l->name,
                      dlab_shape_str(in, s, sizeof s));
  if (!want_image && in.ndim != 1)
    return dlab_error("layer %s (bn1d): needs flat features but gets %s; use bn2d or add flatten",
                      l->name, dlab_shape_str(in, s, sizeof s));
  if (!(l->args[ARG_EPS] > 0))
    return dlab_error("layer %s: eps must be > 0, not %g", l->name, (double)l->args[ARG_EPS]);
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
  BatchNormState *st = calloc(1, sizeof *st);
  if (st) {
    st->mean = calloc((size_t)c, sizeof *st->mean);
    st->invstd = calloc((size_t)c, sizeof *st->invstd);
  }
  l->state = st;
  if (!st || !st->mean || !st->invstd) return dlab_error("layer %s: out of memory", l->name);
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

typedef struct {
  DlabLayer *l;
  const DlabTensor *x, *dy;
  DlabTensor *y, *dx;
  int batch, training;
} BatchNormJob;

/* Value i of channel c in sample b of an N x C x S batch. */
static size_t at(const DlabLayer *l, int b, int c) {
  return ((size_t)b * (size_t)channels(l) + (size_t)c) * (size_t)spatial(l);
}

/* Batch mean and biased variance of channel c; updates the running stats. */
static void channel_statistics(BatchNormJob *j, int c) {
  DlabLayer *l = j->l;
  BatchNormState *st = l->state;
  const int s = spatial(l);
  double sum = 0, sumsq = 0;
  for (int b = 0; b < j->batch; b++) {
    const float *v = j->x->data + at(l, b, c);
    for (int i = 0; i < s; i++) sum += v[i];
  }
  const double n = (double)j->batch * s, mean = sum / n;
  for (int b = 0; b < j->batch; b++) {
    const float *v = j->x->data + at(l, b, c);
    for (int i = 0; i < s; i++) sumsq += (v[i] - mean) * (v[i] - mean);
  }
  const double var = sumsq / n;
  st->mean[c] = (float)mean;
  st->invstd[c] = (float)(1.0 / sqrt(var + l->args[ARG_EPS]));
  const float m = l->args[ARG_MOMENTUM];
  float *rm = l->params[P_RUNNING_MEAN].value.data, *rv = l->params[P_RUNNING_VAR].value.data;
  const double unbiased = n > 1 ? var * n / (n - 1) : var;
  rm[c] = (1 - m) * rm[c] + m * (float)mean;
  rv[c] = (1 - m) * rv[c] + m * (float)unbiased;
}

static void forward_channels(void *arg, size_t begin, size_t end) {
  BatchNormJob *j = arg;
  DlabLayer *l = j->l;
  BatchNormState *st = l->state;
  const int s = spatial(l);
  for (size_t c = begin; c < end; c++) {
    if (j->training) {
      channel_statistics(j, (int)c);
    } else {
      st->mean[c] = l->params[P_RUNNING_MEAN].value.data[c];
      st->invstd[c] = 1.0f / sqrtf(l->params[P_RUNNING_VAR].value.data[c] + l->args[ARG_EPS]);
    }
    const float scale = l->params[P_WEIGHT].value.data[c] * st->invstd[c];
    const float shift = l->params[P_BIAS].value.data[c] - st->mean[c] * scale;
    for (int b = 0; b < j->batch; b++) {
      const float *v = j->x->data + at(l, b, (int)c);
      float *out = j->y->data + at(l, b, (int)c);
      for (int i = 0; i < s; i++) out[i] = v[i] * scale + shift;
    }
  }
}

static void batchnorm_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  BatchNormJob j = {.l = l, .x = x, .y = y, .batch = x->shape[0], .training = training};
  ((BatchNormState *)l->state)->trained = training;
  dlab_parallel_for((size_t)channels(l), 1, forward_channels, &j);
  if (training) l->params[P_NUM_BATCHES].value.data[0] += 1.0f;
}

/* d gamma = sum dy * xhat, d beta = sum dy. With batch statistics the mean
 * and variance depend on x too, which adds the two correction terms of dx. */
static void backward_channels(void *arg, size_t begin, size_t end) {
  BatchNormJob *j = arg;
  DlabLayer *l = j->l;
  const BatchNormState *st = l->state;
  const int s = spatial(l);
  const double n = (double)j->batch * s;
  for (size_t c = begin; c < end; c++) {
    const float mean = st->mean[c], invstd = st->invstd[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int b = 0; b < j->batch; b++) {
      const float *v = j->x->data + at(l, b, (int)c), *g = j->dy->data + at(l, b, (int)c);
      for (int i = 0; i < s; i++) {
        sum_dy += g[i];
        sum_dy_xhat += (double)g[i] * (v[i] - mean) * invstd;
      }
    }
    l->params[P_WEIGHT].grad.data[c] = (float)sum_dy_xhat;
    l->params[P_BIAS].grad.data[c] = (float)sum_dy;
    if (!j->dx) continue;
    const float k = l->params[P_WEIGHT].value.data[c] * invstd;
    const float mean_dy = st->trained ? (float)(sum_dy / n) : 0.0f;
    const float mean_dy_xhat = st->trained ? (float)(sum_dy_xhat / n) : 0.0f;
    for (int b = 0; b < j->batch; b++) {
      const float *v = j->x->data + at(l, b, (int)c), *g = j->dy->data + at(l, b, (int)c);
      float *out = j->dx->data + at(l, b, (int)c);
      for (int i = 0; i < s; i++) {
        float xhat = (v[i] - mean) * invstd;
        out[i] = k * (g[i] - mean_dy - xhat * mean_dy_xhat);
      }
    }
  }
}

static void batchnorm_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                               const DlabTensor *dy, DlabTensor *dx) {
  (void)y;
  BatchNormJob j = {.l = l, .x = x, .dy = dy, .dx = dx, .batch = x->shape[0]};
  dlab_parallel_for((size_t)channels(l), 1, backward_channels, &j);
}

static void batchnorm_destroy(DlabLayer *l) {
  BatchNormState *st = l->state;
  if (!st) return;
  free(st->mean);
  free(st->invstd);
  free(st);
  l->state = NULL;
}

#define BATCHNORM_OPS(var, kw)      \
  const DlabLayerOps var = {        \
      .keyword = kw,                \
      .setup = batchnorm_setup,     \
      .reset = batchnorm_reset,     \
      .forward = batchnorm_forward, \
      .backward = batchnorm_backward, \
      .destroy = batchnorm_destroy, \
  }

BATCHNORM_OPS(dlab_batchnorm1d_ops, "bn1d");
BATCHNORM_OPS(dlab_batchnorm2d_ops, "bn2d");
