/* Fused groups (layer.h: fuse) against the same layers run one by one:
 * a convolution with the activation and max pooling after it, in either
 * order (conv | act | maxpool, as LeNet; conv | maxpool | act, as
 * DigitNet), on the direct kernels and on the im2col path, 1 and 2
 * threads. The logits and every parameter gradient must be the same bit
 * for bit: fusing changes where the work is done, not the arithmetic. */
#include <string.h>

#include "dlab/model.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "nn/model_impl.h"
#include "test_util.h"

#define BATCH 5

typedef struct {
  float logits[BATCH * 10];
  float grads[1 << 16];
  size_t n_grads;
} Result;

/* One training forward and backward of `spec` on a fixed batch. */
static int run(const char *spec, DlabShape in, int fused, Result *r) {
  DlabModel *m = dlab_model_create(spec, in, 7);
  if (!m || dlab_model_set_fusion(m, fused) < 0 || dlab_model_set_batch(m, BATCH) < 0) return -1;
  if (m->layers[0]->fused != (fused ? 2 : 0)) return -1; /* the conv took its two neighbours, or none */
  DlabRng rng;
  dlab_rng_seed(&rng, 11);
  for (size_t i = 0; i < m->acts[0].numel; i++) m->acts[0].data[i] = dlab_rng_uniform(&rng) * 2.0f - 1.0f;
  DlabTensor *logits = dlab_model_forward(m, BATCH, 1);
  memcpy(r->logits, logits->data, logits->numel * sizeof *logits->data);
  DlabTensor *dl = dlab_model_dlogits(m);
  for (size_t i = 0; i < dl->numel; i++) dl->data[i] = dlab_rng_uniform(&rng) - 0.5f;
  dlab_model_backward(m);
  r->n_grads = 0;
  for (int p = 0; p < m->n_params; p++)
    for (size_t i = 0; i < m->params[p]->grad.numel && r->n_grads < sizeof r->grads / sizeof *r->grads; i++)
      r->grads[r->n_grads++] = m->params[p]->grad.data[i];
  dlab_model_free(m);
  return 0;
}

static void check(const char *spec, DlabShape in) {
  static Result fused, alone;
  for (int threads = 1; threads <= 2; threads++) {
    dlab_threads_set(threads);
    int ok = run(spec, in, 1, &fused) == 0 && run(spec, in, 0, &alone) == 0 && fused.n_grads == alone.n_grads &&
             memcmp(fused.logits, alone.logits, sizeof fused.logits) == 0 &&
             memcmp(fused.grads, alone.grads, fused.n_grads * sizeof *fused.grads) == 0;
    tap_ok(ok, "%s, %d thread(s): fused = layer by layer, bit for bit", spec, threads);
  }
}

int main(void) {
  const DlabShape mnist = {.ndim = 3, .d = {1, 28, 28}}, small = {.ndim = 3, .d = {3, 6, 6}};
  /* 26x26 and 24x24 planes: the direct kernels */
  check("conv 4 3 | maxpool 2 | relu | flatten | linear 10", mnist);
  check("conv 4 3 | maxpool 2 | lrelu 0.1 | flatten | linear 10", mnist);
  check("conv 4 3 | lrelu 0.1 | maxpool 2 | flatten | linear 10", mnist);
  check("conv 4 5 | maxpool 2 | relu | conv 8 3 | maxpool 2 | lrelu 0.2 | flatten | linear 10", mnist);
  /* 4x4 planes: the im2col path */
  check("conv 6 3 | maxpool 2 | relu | flatten | linear 10", small);
  check("conv 6 3 | relu | maxpool 2 | flatten | linear 10", small);
  dlab_threads_shutdown();
  return tap_done();
}
