/* Layers whose output shares their input's memory (layer.h: shares_input;
 * flatten): in a model their output and its gradient are views of their
 * input's buffers, and neither pass runs. The model's logits, parameter
 * gradients and input gradient must be the same, bit for bit, as every
 * layer run on its own tensors (the copies flatten makes alone), at two
 * batch sizes (the second grows the buffers, and the views must follow). */
#include <string.h>

#include "dlab/model.h"
#include "dlab/rng.h"
#include "nn/model_impl.h"
#include "test_util.h"

#define MAX_LAYERS 8
#define MAX_GRADS 4096

typedef struct {
  float logits[16 * 10];
  float dinput[16 * 2 * 6 * 6];
  float grads[MAX_GRADS];
  size_t n_logits, n_dinput, n_grads;
} Result;

static void fill(DlabTensor *t, uint64_t seed) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < t->numel; i++) t->data[i] = dlab_rng_uniform(&rng) * 2.0f - 1.0f;
}

static void keep_grads(const DlabModel *m, Result *r) {
  r->n_grads = 0;
  for (int p = 0; p < m->n_params; p++)
    for (size_t i = 0; i < m->params[p]->grad.numel && r->n_grads < MAX_GRADS; i++)
      r->grads[r->n_grads++] = m->params[p]->grad.data[i];
}

/* The model's own passes. A training model computes no input gradient:
 * where the first layer has parameters, its backward is run again by hand
 * with one (as dlab_inside does); where it has none (flatten first), no
 * layer computed d first layer's output either, and none is compared.
 * Checks the views on the way. */
static int run_model(DlabModel *m, int batch, Result *r, int *views_ok) {
  if (dlab_model_set_batch(m, batch) < 0) return -1;
  fill(&m->acts[0], 3);
  DlabTensor *logits = dlab_model_forward(m, batch, 1);
  DlabTensor *dl = dlab_model_dlogits(m);
  fill(dl, 5);
  dlab_model_backward(m);
  *views_ok = 1;
  for (int i = 0; i < m->n_layers; i++) {
    if (!m->layers[i]->ops->shares_input) continue;
    *views_ok &= m->acts[i + 1].data == m->acts[i].data && m->acts[i + 1].numel == m->acts[i].numel;
    if (i > 0) *views_ok &= m->grads[i + 1].data == m->grads[i].data;
  }
  r->n_logits = logits->numel;
  memcpy(r->logits, logits->data, logits->numel * sizeof *logits->data);
  keep_grads(m, r);
  r->n_dinput = 0;
  if (m->layers[0]->n_params == 0) return 0;
  /* d logits / d input: the first layer's input gradient from grads[1] */
  DlabTensor dx = {0};
  if (dlab_tensor_resize(&dx, m->acts[0].ndim, m->acts[0].shape) < 0) return -1;
  DlabLayer *first = m->layers[0];
  first->ops->backward(first, &m->acts[0], &m->acts[1], &m->grads[1], &dx);
  r->n_dinput = dx.numel;
  memcpy(r->dinput, dx.data, dx.numel * sizeof *dx.data);
  dlab_tensor_free(&dx);
  /* keep_grads again: the first layer's backward rewrote its own */
  keep_grads(m, r);
  return 0;
}

/* Every layer's forward() and backward() on tensors of its own. */
static int run_alone(DlabModel *m, int batch, Result *r) {
  DlabTensor acts[MAX_LAYERS + 1] = {{0}}, grads[MAX_LAYERS + 1] = {{0}};
  int rc = -1, n = m->n_layers;
  if (n > MAX_LAYERS || dlab_model_set_batch(m, batch) < 0) return -1;
  for (int i = 0; i <= n; i++) {
    DlabShape s = i == 0 ? m->input : m->layers[i - 1]->out_shape;
    int shape[4] = {batch, s.d[0], s.d[1], s.d[2]};
    if (dlab_tensor_resize(&acts[i], s.ndim + 1, shape) < 0 || dlab_tensor_resize(&grads[i], s.ndim + 1, shape) < 0)
      goto done;
  }
  fill(&acts[0], 3);
  for (int i = 0; i < n; i++) m->layers[i]->ops->forward(m->layers[i], &acts[i], &acts[i + 1], 1);
  fill(&grads[n], 5);
  for (int i = n - 1; i >= 0; i--) m->layers[i]->ops->backward(m->layers[i], &acts[i], &acts[i + 1], &grads[i + 1], &grads[i]);
  r->n_logits = acts[n].numel;
  memcpy(r->logits, acts[n].data, acts[n].numel * sizeof *acts[n].data);
  r->n_dinput = m->layers[0]->n_params ? grads[0].numel : 0;
  memcpy(r->dinput, grads[0].data, grads[0].numel * sizeof *grads[0].data);
  keep_grads(m, r);
  rc = 0;
done:
  for (int i = 0; i <= n; i++) {
    dlab_tensor_free(&acts[i]);
    dlab_tensor_free(&grads[i]);
  }
  return rc;
}

static int same(const Result *a, const Result *b) {
  return a->n_logits == b->n_logits && a->n_dinput == b->n_dinput && a->n_grads == b->n_grads &&
         memcmp(a->logits, b->logits, a->n_logits * sizeof *a->logits) == 0 &&
         memcmp(a->dinput, b->dinput, a->n_dinput * sizeof *a->dinput) == 0 &&
         memcmp(a->grads, b->grads, a->n_grads * sizeof *a->grads) == 0;
}

static void check(const char *spec, DlabShape in) {
  static Result model, alone;
  DlabModel *m = dlab_model_create(spec, in, 7), *ref = dlab_model_create(spec, in, 7);
  int ok = m && ref && dlab_model_set_fusion(m, 0) == 0 && dlab_model_set_fusion(ref, 0) == 0;
  tap_ok(ok, "%s: built", spec);
  for (int b = 0; ok && b < 2; b++) {
    const int batch = b == 0 ? 3 : 16; /* the second grows every buffer */
    int views_ok = 0;
    int ran = run_model(m, batch, &model, &views_ok) == 0 && run_alone(ref, batch, &alone) == 0;
    tap_ok(ran && views_ok, "%s, batch %d: flatten's output and gradient are views of its input's", spec, batch);
    tap_ok(ran && same(&model, &alone), "%s, batch %d: = every layer on its own tensors, bit for bit", spec, batch);
  }
  dlab_model_free(m);
  dlab_model_free(ref);
}

int main(void) {
  const DlabShape image = {.ndim = 3, .d = {2, 6, 6}};
  /* flatten first (mlp), in the middle, and twice in a row (a view of a view) */
  check("flatten | linear 5 | relu | linear 10", image);
  check("conv 3 3 | relu | flatten | linear 10", image);
  check("conv 3 3 | flatten | flatten | linear 4 | relu | linear 10", image);
  return tap_done();
}
