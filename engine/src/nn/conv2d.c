/* Conv2d (nn.Conv2d): square kernel, stride, zero padding, optional bias.
 *
 * Lowered to one sgemm per pass with the batch folded into the GEMM's N
 * dimension, so even small images give OpenBLAS a wide product:
 *   col  [C*K*K, B*OH*OW]   im2col of every sample side by side
 *   Y'   [OC,    B*OH*OW] = W [OC, C*K*K] * col
 * then Y' is scattered into NCHW with the bias added. Backward permutes dY
 * into the same [OC, B*OH*OW] layout, so dW = dY' col^T is one sgemm, and
 * dcol = W^T dY' goes back to images through col2im.
 *
 * The column matrix of the last forward() is kept for backward(), which
 * needs it for dW and then reuses the buffer for dcol. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cpu_kernels.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"

enum { ARG_OUT = 0, ARG_KERNEL = 1, ARG_STRIDE = 2, ARG_PAD = 3, ARG_BIAS = 4 };
enum { P_WEIGHT = 0, P_BIAS = 1 };

typedef struct {
  DlabConvGeom geom;
  int out_channels;
  DlabTensor col;  /* [C*K*K, batch*OH*OW]: im2col in forward, dcol in backward */
  DlabTensor gemm; /* [OC, batch*OH*OW]: Y' in forward, dY' in backward */
} ConvState;

static int has_bias(const DlabLayer *l) { return l->n_params > P_BIAS; }

/* args are floats from the spec parser; they must hold whole numbers. */
static int whole_arg(const DlabLayer *l, int slot, int min, const char *what, int *out) {
  float v = l->args[slot];
  if (!(v >= (float)min) || v != floorf(v) || v > 1e6f)
    return dlab_error("layer %s (conv): %s must be a whole number >= %d, not %g", l->name, what, min,
                      (double)v);
  *out = (int)v;
  return 0;
}

static int conv_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  if (in.ndim != 3)
    return dlab_error("layer %s (conv): needs an image input (CxHxW) but gets %s", l->name,
                      dlab_shape_str(in, s, sizeof s));
  int oc = 0, k = 0, stride = 0, pad = 0;
  if (whole_arg(l, ARG_OUT, 1, "out_channels", &oc) < 0 || whole_arg(l, ARG_KERNEL, 1, "kernel", &k) < 0 ||
      whole_arg(l, ARG_STRIDE, 1, "stride", &stride) < 0 || whole_arg(l, ARG_PAD, 0, "padding", &pad) < 0)
    return -1;
  ConvState *st = l->state;
  if (!st && !(st = l->state = calloc(1, sizeof *st))) return dlab_error("out of memory");
  if (dlab_conv_geom_init(&st->geom, in.d[0], in.d[1], in.d[2], k, stride, pad) < 0)
    return dlab_error("layer %s (conv): kernel %d with stride %d and padding %d does not fit the "
                      "input %s (output side (H + 2*%d - %d) / %d + 1 would be < 1)",
                      l->name, k, stride, pad, dlab_shape_str(in, s, sizeof s), pad, k, stride);
  st->out_channels = oc;
  l->in_shape = in;
  l->out_shape = (DlabShape){3, {oc, st->geom.out_h, st->geom.out_w}};
  int w_shape[4] = {oc, in.d[0], k, k};
  if (!dlab_layer_add_param(l, "weight", 1, 4, w_shape)) return -1;
  if (l->args[ARG_BIAS] != 0 && !dlab_layer_add_param(l, "bias", 1, 1, &oc)) return -1;
  return 0;
}

/* PyTorch's default: kaiming_uniform(a=sqrt(5)) works out to
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C*K*K; the bias uses the
 * same bound. */
static void conv_reset(DlabLayer *l, DlabRng *rng) {
  const DlabConvGeom *g = &((ConvState *)l->state)->geom;
  float bound = 1.0f / sqrtf((float)(g->channels * g->kernel * g->kernel));
  for (int p = 0; p < l->n_params; p++) {
    DlabTensor *v = &l->params[p].value;
    for (size_t i = 0; i < v->numel; i++) v->data[i] = dlab_rng_range(rng, -bound, bound);
  }
}

static int conv_resize(DlabLayer *l, int batch) {
  ConvState *st = l->state;
  const DlabConvGeom *g = &st->geom;
  int columns = batch * g->out_h * g->out_w;
  int col_shape[2] = {g->channels * g->kernel * g->kernel, columns};
  int gemm_shape[2] = {st->out_channels, columns};
  if (dlab_tensor_resize(&st->col, 2, col_shape) < 0 || dlab_tensor_resize(&st->gemm, 2, gemm_shape) < 0)
    return dlab_error_prefix("layer %s (conv): batch %d", l->name, batch);
  return 0;
}

/* ---- per-sample work, run over the batch with dlab_parallel_for ---- */

typedef struct {
  const ConvState *st;
  const float *src;
  float *dst;
  const float *bias; /* NULL: none */
  int batch;
} SampleJob;

static size_t image_size(const DlabConvGeom *g) { return (size_t)g->channels * g->height * g->width; }
static size_t out_pixels(const DlabConvGeom *g) { return (size_t)g->out_h * g->out_w; }

static void im2col_samples(void *arg, size_t begin, size_t end) {
  const SampleJob *j = arg;
  const DlabConvGeom *g = &j->st->geom;
  int ld = j->batch * (int)out_pixels(g);
  for (size_t b = begin; b < end; b++)
    dlab_cpu_im2col(g, j->src + b * image_size(g), j->dst + b * out_pixels(g), ld);
}

static void col2im_samples(void *arg, size_t begin, size_t end) {
  const SampleJob *j = arg;
  const DlabConvGeom *g = &j->st->geom;
  int ld = j->batch * (int)out_pixels(g);
  for (size_t b = begin; b < end; b++)
    dlab_cpu_col2im(g, j->src + b * out_pixels(g), ld, j->dst + b * image_size(g));
}

/* [OC, B*P] -> [B, OC, P], adding the bias on the way. */
static void scatter_samples(void *arg, size_t begin, size_t end) {
  const SampleJob *j = arg;
  const size_t P = out_pixels(&j->st->geom), ld = (size_t)j->batch * P;
  const int OC = j->st->out_channels;
  for (size_t b = begin; b < end; b++)
    for (int oc = 0; oc < OC; oc++) {
      const float *from = j->src + oc * ld + b * P;
      float *to = j->dst + (b * OC + oc) * P;
      float add = j->bias ? j->bias[oc] : 0.0f;
      for (size_t p = 0; p < P; p++) to[p] = from[p] + add;
    }
}

/* [B, OC, P] -> [OC, B*P]. */
static void gather_samples(void *arg, size_t begin, size_t end) {
  const SampleJob *j = arg;
  const size_t P = out_pixels(&j->st->geom), ld = (size_t)j->batch * P;
  const int OC = j->st->out_channels;
  for (size_t b = begin; b < end; b++)
    for (int oc = 0; oc < OC; oc++)
      memcpy(j->dst + oc * ld + b * P, j->src + (b * OC + oc) * P, P * sizeof(float));
}

/* ---- passes ---- */

static void conv_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  ConvState *st = l->state;
  const DlabConvGeom *g = &st->geom;
  const int batch = x->shape[0], OC = st->out_channels;
  const int rows = g->channels * g->kernel * g->kernel, columns = batch * (int)out_pixels(g);
  const float *bias = has_bias(l) ? l->params[P_BIAS].value.data : NULL;

  SampleJob job = {st, x->data, st->col.data, NULL, batch};
  dlab_parallel_for((size_t)batch, 1, im2col_samples, &job);

  if (batch == 1) {
    /* One sample: Y' already is the NCHW output; let sgemm add onto the bias. */
    for (int oc = 0; oc < OC; oc++)
      for (int p = 0; p < columns; p++) y->data[(size_t)oc * columns + p] = bias ? bias[oc] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, columns, rows, 1.0f,
                l->params[P_WEIGHT].value.data, rows, st->col.data, columns, 1.0f, y->data, columns);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, columns, rows, 1.0f,
              l->params[P_WEIGHT].value.data, rows, st->col.data, columns, 0.0f, st->gemm.data, columns);
  job = (SampleJob){st, st->gemm.data, y->data, bias, batch};
  dlab_parallel_for((size_t)batch, 1, scatter_samples, &job);
}

static void conv_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                          DlabTensor *dx) {
  (void)y;
  ConvState *st = l->state;
  const DlabConvGeom *g = &st->geom;
  const int batch = x->shape[0], OC = st->out_channels;
  const int rows = g->channels * g->kernel * g->kernel, columns = batch * (int)out_pixels(g);

  /* dY' [OC, B*P]; with one sample dy already has that layout. */
  const float *dyp = dy->data;
  if (batch > 1) {
    SampleJob job = {st, dy->data, st->gemm.data, NULL, batch};
    dlab_parallel_for((size_t)batch, 1, gather_samples, &job);
    dyp = st->gemm.data;
  }
  /* dW [OC, C*K*K] = dY' col^T, col still holding the forward's im2col. */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, rows, columns, 1.0f, dyp, columns,
              st->col.data, columns, 0.0f, l->params[P_WEIGHT].grad.data, rows);
  if (has_bias(l)) {
    float *db = l->params[P_BIAS].grad.data;
    for (int oc = 0; oc < OC; oc++) {
      const float *row = dyp + (size_t)oc * columns;
      double sum = 0.0; /* B*OH*OW terms: a float sum would drift */
      for (int p = 0; p < columns; p++) sum += row[p];
      db[oc] = (float)sum;
    }
  }
  if (!dx) return;
  /* dcol [C*K*K, B*P] = W^T dY', written over col (no longer needed). */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, columns, OC, 1.0f,
              l->params[P_WEIGHT].value.data, rows, dyp, columns, 0.0f, st->col.data, columns);
  SampleJob job = {st, st->col.data, dx->data, NULL, batch};
  dlab_parallel_for((size_t)batch, 1, col2im_samples, &job);
}

static void conv_destroy(DlabLayer *l) {
  ConvState *st = l->state;
  if (!st) return;
  dlab_tensor_free(&st->col);
  dlab_tensor_free(&st->gemm);
  free(st);
  l->state = NULL;
}

const DlabLayerOps dlab_conv2d_ops = {
    .keyword = "conv",
    .setup = conv_setup,
    .reset = conv_reset,
    .resize = conv_resize,
    .forward = conv_forward,
    .backward = conv_backward,
    .destroy = conv_destroy,
};
