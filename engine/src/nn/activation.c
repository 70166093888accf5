/* Element-wise activations: ReLU, LeakyReLU, GELU (exact, erf form, as
 * PyTorch's default), Sigmoid and Tanh. They keep the input's shape and have
 * no parameters. ReLU and LeakyReLU read the sign of the input in backward;
 * Sigmoid and Tanh reuse their output, which is cheaper than recomputing. */
#include <math.h>

#include "dlab/layer.h"
#include "nn_internal.h"

static int same_shape_setup(DlabLayer *l, DlabShape in) {
  l->in_shape = in;
  l->out_shape = in;
  return 0;
}

static void no_reset(DlabLayer *l, DlabRng *rng) {
  (void)l;
  (void)rng;
}

/* ---- ReLU and LeakyReLU share one kernel: slope 0 is ReLU ---- */

static float slope_of(const DlabLayer *l) { return l->ops == &dlab_relu_ops ? 0.0f : l->args[0]; }

static void leaky_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  dlab_cpu_bias_act(x->data, x->numel, 0.0f, (DlabAct){1, slope_of(l)}, y->data);
}

static void leaky_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                           const DlabTensor *dy, DlabTensor *dx) {
  (void)y;
  if (!dx) return;
  /* act' read from the input: x > 0 decides, as from the output */
  dlab_cpu_act_backward(dy->data, x->data, x->numel, (DlabAct){1, slope_of(l)}, dx->data);
}

int dlab_act_fusable(const DlabLayer *l, DlabAct *act) {
  if (l->ops != &dlab_relu_ops && l->ops != &dlab_leaky_relu_ops) return 0;
  float slope = slope_of(l);
  /* A negative slope would make act'(x) unreadable from the output's sign. */
  if (!(slope >= 0.0f)) return 0;
  *act = (DlabAct){1, slope};
  return 1;
}

/* ---- GELU: x * Phi(x) ---- */

static void gelu_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)l;
  (void)training;
  const float *in = x->data;
  float *out = y->data;
  for (size_t i = 0; i < x->numel; i++) out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * (float)M_SQRT1_2));
}

static void gelu_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                          const DlabTensor *dy, DlabTensor *dx) {
  (void)l;
  (void)y;
  if (!dx) return;
  const float inv_sqrt_2pi = 0.3989422804014327f;
  const float *in = x->data, *g = dy->data;
  float *out = dx->data;
  for (size_t i = 0; i < x->numel; i++) {
    float v = in[i];
    float cdf = 0.5f * (1.0f + erff(v * (float)M_SQRT1_2));
    float pdf = inv_sqrt_2pi * expf(-0.5f * v * v);
    out[i] = g[i] * (cdf + v * pdf);
  }
}

/* ---- Sigmoid and Tanh: the derivative is a function of the output ---- */

static void sigmoid_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)l;
  (void)training;
  const float *in = x->data;
  float *out = y->data;
  for (size_t i = 0; i < x->numel; i++) out[i] = 1.0f / (1.0f + expf(-in[i]));
}

static void sigmoid_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                             const DlabTensor *dy, DlabTensor *dx) {
  (void)l;
  (void)x;
  if (!dx) return;
  const float *out = y->data, *g = dy->data;
  for (size_t i = 0; i < y->numel; i++) dx->data[i] = g[i] * out[i] * (1.0f - out[i]);
}

static void tanh_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)l;
  (void)training;
  for (size_t i = 0; i < x->numel; i++) y->data[i] = tanhf(x->data[i]);
}

static void tanh_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                          const DlabTensor *dy, DlabTensor *dx) {
  (void)l;
  (void)x;
  if (!dx) return;
  const float *out = y->data, *g = dy->data;
  for (size_t i = 0; i < y->numel; i++) dx->data[i] = g[i] * (1.0f - out[i] * out[i]);
}

#define ACTIVATION_OPS(var, kw, fwd, bwd) \
  const DlabLayerOps var = {              \
      .keyword = kw,                      \
      .setup = same_shape_setup,          \
      .reset = no_reset,                  \
      .forward = fwd,                     \
      .backward = bwd,                    \
  }

ACTIVATION_OPS(dlab_relu_ops, "relu", leaky_forward, leaky_backward);
ACTIVATION_OPS(dlab_leaky_relu_ops, "lrelu", leaky_forward, leaky_backward);
ACTIVATION_OPS(dlab_gelu_ops, "gelu", gelu_forward, gelu_backward);
ACTIVATION_OPS(dlab_sigmoid_ops, "sigmoid", sigmoid_forward, sigmoid_backward);
ACTIVATION_OPS(dlab_tanh_ops, "tanh", tanh_forward, tanh_backward);
