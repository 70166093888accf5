/* Batch norm's channel slices: the same outputs, input gradient and
 * parameter gradients, bit for bit, whatever the thread count (each
 * channel's sums are its own), for flat features cut at whole cache lines
 * and image planes. The batch is large enough for several slices. */
#include <string.h>

#include "dlab/model.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "nn/model_impl.h"
#include "test_util.h"

#define BATCH 512

typedef struct {
  DlabTensor y, dx;
  float dgamma[512], dbeta[512];
  size_t channels;
} Result;

static void fill(DlabTensor *t, uint64_t seed) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < t->numel; i++) t->data[i] = dlab_rng_uniform(&rng) * 4.0f - 1.0f;
}

/* Layer 0 of `spec` (a batch norm, its activation absorbed or not) on its
 * own: one training forward and backward. (Enough work for several slices
 * at 2 and 3 threads: batchnorm.c's slices_for.) */
static int run(const char *spec, DlabShape in, int threads, Result *r) {
  DlabModel *m = dlab_model_create(spec, in, 3);
  if (!m || dlab_model_set_batch(m, BATCH) < 0 || dlab_threads_set(threads) < 0) return -1;
  DlabLayer *bn = m->layers[0];
  DlabShape s = bn->in_shape;
  int shape[4] = {BATCH, s.d[0], s.d[1], s.d[2]};
  DlabTensor x = {0}, dy = {0};
  int rc = -1;
  if (dlab_tensor_resize(&x, s.ndim + 1, shape) < 0 || dlab_tensor_resize(&dy, s.ndim + 1, shape) < 0 ||
      dlab_tensor_resize(&r->y, s.ndim + 1, shape) < 0 || dlab_tensor_resize(&r->dx, s.ndim + 1, shape) < 0)
    goto done;
  fill(&x, 1);
  fill(&dy, 2);
  if (bn->fused) { /* the activation absorbed: the group's passes */
    DlabTensor acts[3] = {x, r->y, r->y};
    bn->ops->forward_group(bn, acts, 1);
    bn->ops->backward_group(bn, acts, &dy, &r->dx);
  } else {
    bn->ops->forward(bn, &x, &r->y, 1);
    bn->ops->backward(bn, &x, &r->y, &dy, &r->dx);
  }
  r->channels = bn->params[0].grad.numel;
  memcpy(r->dgamma, bn->params[0].grad.data, bn->params[0].grad.numel * sizeof(float));
  memcpy(r->dbeta, bn->params[1].grad.data, bn->params[1].grad.numel * sizeof(float));
  rc = 0;
done:
  dlab_tensor_free(&x);
  dlab_tensor_free(&dy);
  dlab_model_free(m);
  return rc;
}

static void check(const char *spec, DlabShape in) {
  static Result one, many;
  for (int threads = 2; threads <= 3; threads++) {
    int ok = run(spec, in, 1, &one) == 0 && run(spec, in, threads, &many) == 0 &&
             memcmp(one.y.data, many.y.data, one.y.numel * sizeof(float)) == 0 &&
             memcmp(one.dx.data, many.dx.data, one.dx.numel * sizeof(float)) == 0 &&
             one.channels == many.channels && memcmp(one.dgamma, many.dgamma, one.channels * sizeof(float)) == 0 &&
             memcmp(one.dbeta, many.dbeta, one.channels * sizeof(float)) == 0;
    tap_ok(ok, "%s, 1 thread = %d threads, bit for bit", spec, threads);
  }
  dlab_tensor_free(&one.y), dlab_tensor_free(&one.dx), dlab_tensor_free(&many.y), dlab_tensor_free(&many.dx);
}

int main(void) {
  /* 300 features: cut at channel 160 (and 112, 224 for three) */
  check("bn1d | linear 10", (DlabShape){.ndim = 1, .d = {300}});
  check("bn1d | relu | linear 10", (DlabShape){.ndim = 1, .d = {300}});
  check("bn2d | flatten | linear 10", (DlabShape){.ndim = 3, .d = {16, 8, 8}});
  dlab_threads_shutdown();
  return tap_done();
}
