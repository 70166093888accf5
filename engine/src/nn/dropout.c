/* Dropout (nn.Dropout): in training, each element is zeroed with
 * probability p and the survivors are scaled by 1/(1-p); in evaluation it is
 * the identity.
 *
 * The mask comes from the layer's own generator, derived from l->seed, so a
 * run is reproducible and adding a dropout layer does not shift the other
 * random streams. reset() restarts that generator: calling it before a
 * forward pass replays the same mask (the finite-difference test does so).
 * Training restarts it at every epoch on a stream of its own (epoch 1 on
 * the first), so that a run resumed after epoch k draws the masks an
 * uninterrupted run draws. */
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/layer.h"

#include "core/i18n.h"

typedef struct {
  DlabRng rng;
  float *scale; /* per element: 0 (dropped) or 1/(1-p) (kept) */
  size_t capacity;
  int masked;   /* the last forward applied a mask (training, p > 0) */
} DropoutState;

static int dropout_setup(DlabLayer *l, DlabShape in) {
  l->in_shape = in;
  l->out_shape = in;
  DropoutState *s = calloc(1, sizeof *s);
  if (!s) return dlab_error(_("layer %s (dropout): out of memory"), l->name);
  l->state = s;
  dlab_rng_derive(&s->rng, l->seed, 0);
  return 0;
}

static void dropout_reset(DlabLayer *l, DlabRng *rng) {
  (void)rng;
  DropoutState *s = l->state;
  dlab_rng_derive(&s->rng, l->seed, 0);
}

static int dropout_resize(DlabLayer *l, int batch) {
  DropoutState *s = l->state;
  size_t n = (size_t)batch * (size_t)dlab_shape_numel(l->in_shape);
  if (n <= s->capacity) return 0;
  float *scale = realloc(s->scale, n * sizeof *scale);
  if (!scale) return dlab_error(_("layer %s (dropout): out of memory for batch %d"), l->name, batch);
  s->scale = scale;
  s->capacity = n;
  return 0;
}

static void dropout_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  const float p = l->args[0];
  DropoutState *s = l->state;
  s->masked = training && p != 0.0f;
  if (!s->masked) {
    memcpy(y->data, x->data, x->numel * sizeof *x->data);
    return;
  }
  const float keep_scale = 1.0f / (1.0f - p);
  for (size_t i = 0; i < x->numel; i++) {
    s->scale[i] = dlab_rng_uniform(&s->rng) < p ? 0.0f : keep_scale;
    y->data[i] = x->data[i] * s->scale[i];
  }
}

static void dropout_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                             const DlabTensor *dy, DlabTensor *dx) {
  (void)x;
  (void)y;
  if (!dx) return;
  /* Without a mask the forward pass was a copy, and so is this. */
  const DropoutState *s = l->state;
  if (!s->masked) {
    memcpy(dx->data, dy->data, dy->numel * sizeof *dy->data);
    return;
  }
  for (size_t i = 0; i < dy->numel; i++) dx->data[i] = dy->data[i] * s->scale[i];
}

static void dropout_destroy(DlabLayer *l) {
  DropoutState *s = l->state;
  if (!s) return;
  free(s->scale);
  free(s);
  l->state = NULL;
}

void dlab_dropout_begin_epoch(DlabLayer *l, int epoch) {
  DropoutState *s = l->state;
  dlab_rng_derive(&s->rng, l->seed, (uint64_t)(epoch - 1));
}

const DlabLayerOps dlab_dropout_ops = {
    .keyword = "dropout",
    .setup = dropout_setup,
    .reset = dropout_reset,
    .resize = dropout_resize,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .destroy = dropout_destroy,
};
