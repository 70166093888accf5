/* MaxPool2d and AvgPool2d with PyTorch's semantics: square kernel, stride,
 * padding, floor mode. Max pooling pads with -inf and remembers where each
 * maximum came from (the first one on ties, NaN winning, as PyTorch's CPU
 * kernel does); average pooling counts the padding in the divisor
 * (count_include_pad=True), which in floor mode is always K*K.
 *
 * Every (sample, channel) plane is independent, so both passes run over the
 * planes with dlab_parallel_for. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "nn_internal.h"

#include "core/i18n.h"

enum { ARG_KERNEL = 0, ARG_STRIDE = 1, ARG_PAD = 2 };

typedef struct {
  DlabConvGeom geom;
  int32_t *argmax;      /* max pooling: per output, the winner's index in its input plane */
  size_t argmax_count;  /* entries allocated */
} PoolState;

static int whole_arg(const DlabLayer *l, int slot, int min, const char *what, int *out) {
  float v = l->args[slot];
  if (!(v >= (float)min) || v != floorf(v) || v > 1e6f)
    return dlab_error(_("layer %s (%s): %s must be a whole number >= %d, not %g"), l->name, l->ops->keyword,
                      what, min, (double)v);
  *out = (int)v;
  return 0;
}

static int pool_setup(DlabLayer *l, DlabShape in) {
  const char *kind = l->ops->keyword;
  char s[64];
  if (in.ndim != 3)
    return dlab_error(_("layer %s (%s): needs an image input (CxHxW) but gets %s"), l->name, kind,
                      dlab_shape_str(in, s, sizeof s));
  int k = 0, stride = 0, pad = 0;
  if (whole_arg(l, ARG_KERNEL, 1, "kernel", &k) < 0 || whole_arg(l, ARG_STRIDE, 1, "stride", &stride) < 0 ||
      whole_arg(l, ARG_PAD, 0, "padding", &pad) < 0)
    return -1;
  /* PyTorch's rule; it also keeps every window on at least one real pixel. */
  if (pad > k / 2)
    return dlab_error(_("layer %s (%s): padding %d must be at most half the kernel (%d)"), l->name, kind, pad, k);
  PoolState *st = l->state;
  if (!st && !(st = l->state = calloc(1, sizeof *st))) return dlab_error(_("out of memory"));
  if (dlab_conv_geom_init(&st->geom, in.d[0], in.d[1], in.d[2], k, stride, pad) < 0)
    return dlab_error(_("layer %s (%s): kernel %d with stride %d and padding %d does not fit the "
                        "input %s (output side (H + 2*%d - %d) / %d + 1 would be < 1)"),
                      l->name, kind, k, stride, pad, dlab_shape_str(in, s, sizeof s), pad, k, stride);
  l->in_shape = in;
  l->out_shape = (DlabShape){3, {in.d[0], st->geom.out_h, st->geom.out_w}};
  return 0;
}

static int maxpool_resize(DlabLayer *l, int batch) {
  PoolState *st = l->state;
  size_t need = (size_t)batch * dlab_shape_numel(l->out_shape);
  if (need <= st->argmax_count) return 0;
  int32_t *p = realloc(st->argmax, need * sizeof *p);
  if (!p) return dlab_error(_("layer %s (maxpool): out of memory for batch %d"), l->name, batch);
  st->argmax = p;
  st->argmax_count = need;
  return 0;
}

static void pool_destroy(DlabLayer *l) {
  PoolState *st = l->state;
  if (!st) return;
  free(st->argmax);
  free(st);
  l->state = NULL;
}

/* Windows that tile the plane: stride = kernel, no padding. */
static int tiles(const DlabConvGeom *g) { return g->stride == g->kernel && g->pad == 0; }

int dlab_maxpool_fusable(const DlabLayer *l, int *k) {
  if (l->ops != &dlab_maxpool2d_ops || !l->state || !tiles(&((PoolState *)l->state)->geom)) return 0;
  *k = ((PoolState *)l->state)->geom.kernel;
  return 1;
}

/* ---- planes ---- */

typedef struct {
  const DlabConvGeom *g;
  const float *src; /* x in forward, dy in backward */
  float *dst;       /* y in forward, dx in backward */
  int32_t *argmax;
} PlaneJob;

/* The part of window (oh, ow) inside the image: rows [*h0, *h1), columns [*w0, *w1). */
static void window(const DlabConvGeom *g, int oh, int ow, int *h0, int *h1, int *w0, int *w1) {
  int top = oh * g->stride - g->pad, left = ow * g->stride - g->pad;
  *h0 = top > 0 ? top : 0;
  *w0 = left > 0 ? left : 0;
  *h1 = top + g->kernel < g->height ? top + g->kernel : g->height;
  *w1 = left + g->kernel < g->width ? left + g->kernel : g->width;
}

static size_t in_plane(const DlabConvGeom *g) { return (size_t)g->height * g->width; }
static size_t out_plane(const DlabConvGeom *g) { return (size_t)g->out_h * g->out_w; }

static void maxpool_planes(void *arg, size_t begin, size_t end) {
  const PlaneJob *j = arg;
  const DlabConvGeom *g = j->g;
  if (tiles(g)) {
    for (size_t plane = begin; plane < end; plane++)
      dlab_cpu_maxpool_plane(j->src + plane * in_plane(g), g->height, g->width, g->kernel,
                             j->dst + plane * out_plane(g), j->argmax + plane * out_plane(g));
    return;
  }
  for (size_t plane = begin; plane < end; plane++) {
    const float *in = j->src + plane * in_plane(g);
    float *out = j->dst + plane * out_plane(g);
    int32_t *arg_out = j->argmax + plane * out_plane(g);
    for (int oh = 0; oh < g->out_h; oh++)
      for (int ow = 0; ow < g->out_w; ow++) {
        int h0, h1, w0, w1;
        window(g, oh, ow, &h0, &h1, &w0, &w1);
        float best = -INFINITY; /* the padding's value */
        int32_t best_at = h0 * g->width + w0;
        for (int h = h0; h < h1; h++)
          for (int w = w0; w < w1; w++) {
            float v = in[h * g->width + w];
            if (v > best || isnan(v)) best = v, best_at = h * g->width + w;
          }
        out[oh * g->out_w + ow] = best;
        arg_out[oh * g->out_w + ow] = best_at;
      }
  }
}

static void maxpool_back_planes(void *arg, size_t begin, size_t end) {
  const PlaneJob *j = arg;
  const DlabConvGeom *g = j->g;
  const size_t n_out = out_plane(g);
  if (tiles(g)) { /* each pixel wins at most one window */
    const DlabAct identity = {0, 0.0f};
    for (size_t plane = begin; plane < end && g->kernel == 2; plane++)
      dlab_cpu_unpool2_plane(j->src + plane * n_out, NULL, j->argmax + plane * n_out, g->height, g->width,
                             identity, j->dst + plane * in_plane(g), (int)in_plane(g));
    for (size_t plane = begin; plane < end && g->kernel != 2; plane++)
      dlab_cpu_unpool_plane(j->src + plane * n_out, NULL, j->argmax + plane * n_out, (int)n_out, identity,
                            j->dst + plane * in_plane(g), (int)in_plane(g));
    return;
  }
  for (size_t plane = begin; plane < end; plane++) {
    const float *dy = j->src + plane * n_out;
    const int32_t *from = j->argmax + plane * n_out;
    float *dx = j->dst + plane * in_plane(g);
    memset(dx, 0, in_plane(g) * sizeof *dx);
    for (size_t o = 0; o < n_out; o++) dx[from[o]] += dy[o];
  }
}

static void avgpool_planes(void *arg, size_t begin, size_t end) {
  const PlaneJob *j = arg;
  const DlabConvGeom *g = j->g;
  const float scale = 1.0f / (float)(g->kernel * g->kernel);
  for (size_t plane = begin; plane < end; plane++) {
    const float *in = j->src + plane * in_plane(g);
    float *out = j->dst + plane * out_plane(g);
    for (int oh = 0; oh < g->out_h; oh++)
      for (int ow = 0; ow < g->out_w; ow++) {
        int h0, h1, w0, w1;
        window(g, oh, ow, &h0, &h1, &w0, &w1);
        float sum = 0.0f; /* padded cells add zero */
        for (int h = h0; h < h1; h++)
          for (int w = w0; w < w1; w++) sum += in[h * g->width + w];
        out[oh * g->out_w + ow] = sum * scale;
      }
  }
}

static void avgpool_back_planes(void *arg, size_t begin, size_t end) {
  const PlaneJob *j = arg;
  const DlabConvGeom *g = j->g;
  const float scale = 1.0f / (float)(g->kernel * g->kernel);
  for (size_t plane = begin; plane < end; plane++) {
    const float *dy = j->src + plane * out_plane(g);
    float *dx = j->dst + plane * in_plane(g);
    memset(dx, 0, in_plane(g) * sizeof *dx);
    for (int oh = 0; oh < g->out_h; oh++)
      for (int ow = 0; ow < g->out_w; ow++) {
        int h0, h1, w0, w1;
        window(g, oh, ow, &h0, &h1, &w0, &w1);
        float share = dy[oh * g->out_w + ow] * scale;
        for (int h = h0; h < h1; h++)
          for (int w = w0; w < w1; w++) dx[h * g->width + w] += share;
      }
  }
}

/* ---- passes ---- */

/* A plane is a few hundred comparisons: give each thread many. */
#define PLANE_GRAIN 256

static void run_planes(const DlabLayer *l, int batch, const float *src, float *dst, DlabRangeFn fn) {
  PoolState *st = l->state;
  PlaneJob job = {&st->geom, src, dst, st->argmax};
  dlab_parallel_for((size_t)batch * st->geom.channels, PLANE_GRAIN, fn, &job);
}

static void maxpool_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  run_planes(l, x->shape[0], x->data, y->data, maxpool_planes);
}

static void maxpool_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                             DlabTensor *dx) {
  (void)y;
  if (dx) run_planes(l, x->shape[0], dy->data, dx->data, maxpool_back_planes);
}

static void avgpool_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  run_planes(l, x->shape[0], x->data, y->data, avgpool_planes);
}

static void avgpool_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                             DlabTensor *dx) {
  (void)y;
  if (dx) run_planes(l, x->shape[0], dy->data, dx->data, avgpool_back_planes);
}

const DlabLayerOps dlab_maxpool2d_ops = {
    .keyword = "maxpool",
    .setup = pool_setup,
    .reset = NULL,
    .resize = maxpool_resize,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .destroy = pool_destroy,
};

const DlabLayerOps dlab_avgpool2d_ops = {
    .keyword = "avgpool",
    .setup = pool_setup,
    .reset = NULL,
    .resize = NULL,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
    .destroy = pool_destroy,
};
