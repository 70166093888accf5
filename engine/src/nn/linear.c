/* Linear (nn.Linear): y = x W^T + b on a batch of flat vectors.
 *
 * Parameters in PyTorch's layout: weight [out, in], bias [out]. Every
 * product is one sgemm over the whole batch. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/layer.h"

enum { ARG_OUT = 0, ARG_BIAS = 1 };
enum { P_WEIGHT = 0, P_BIAS = 1 };

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

static void linear_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  const int batch = x->shape[0], in = l->in_shape.d[0], out = l->out_shape.d[0];
  float beta = 0.0f;
  if (has_bias(l)) {
    /* Start y at the bias and let sgemm accumulate onto it: one pass. */
    const float *bias = l->params[P_BIAS].value.data;
    for (int b = 0; b < batch; b++) memcpy(y->data + (size_t)b * out, bias, (size_t)out * sizeof *bias);
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, out, in, 1.0f, x->data, in,
              l->params[P_WEIGHT].value.data, in, beta, y->data, out);
}

static void linear_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                            const DlabTensor *dy, DlabTensor *dx) {
  (void)y;
  const int batch = x->shape[0], in = l->in_shape.d[0], out = l->out_shape.d[0];
  /* dW [out, in] = dy^T x */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, batch, 1.0f, dy->data, out, x->data,
              in, 0.0f, l->params[P_WEIGHT].grad.data, in);
  if (has_bias(l)) {
    float *db = l->params[P_BIAS].grad.data;
    memset(db, 0, (size_t)out * sizeof *db);
    for (int b = 0; b < batch; b++) {
      const float *row = dy->data + (size_t)b * out;
      for (int o = 0; o < out; o++) db[o] += row[o];
    }
  }
  /* dx [batch, in] = dy W */
  if (dx)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, in, out, 1.0f, dy->data, out,
                l->params[P_WEIGHT].value.data, in, 0.0f, dx->data, in);
}

const DlabLayerOps dlab_linear_ops = {
    .keyword = "linear",
    .setup = linear_setup,
    .reset = linear_reset,
    .resize = NULL,
    .forward = linear_forward,
    .backward = linear_backward,
    .destroy = NULL,
};
