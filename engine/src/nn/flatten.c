/* Flatten (nn.Flatten): C x H x W per sample becomes C*H*W features. NCHW is
 * already contiguous per sample in that order, so both passes are copies,
 * and in a model none at all: the output shares the input's buffer
 * (shares_input, see model.c). */
#include <string.h>

#include "dlab/layer.h"

static int flatten_setup(DlabLayer *l, DlabShape in) {
  l->in_shape = in;
  l->out_shape = (DlabShape){1, {dlab_shape_numel(in), 0, 0}};
  return 0;
}

static void flatten_reset(DlabLayer *l, DlabRng *rng) {
  (void)l;
  (void)rng;
}

static void flatten_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)l;
  (void)training;
  if (y->data != x->data) memcpy(y->data, x->data, x->numel * sizeof *x->data);
}

static void flatten_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                             const DlabTensor *dy, DlabTensor *dx) {
  (void)l;
  (void)x;
  (void)y;
  if (dx && dx->data != dy->data) memcpy(dx->data, dy->data, dy->numel * sizeof *dy->data);
}

const DlabLayerOps dlab_flatten_ops = {
    .keyword = "flatten",
    .setup = flatten_setup,
    .reset = flatten_reset,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .shares_input = 1,
};
