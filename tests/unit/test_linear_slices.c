/* A linear layer's products cut between threads (linear.c): the output,
 * the input gradient and the weight and bias gradients against the
 * definition (summed in double), and bit for bit the same at 1, 2 and 3
 * threads where the products run on dlab_gemm (elsewhere OpenBLAS's
 * blocking follows each slice's shape: each thread count is held to the
 * definition instead). The batches take each of the forward's paths: 4 (OpenBLAS's
 * kernels for small matrices), 64 (dlab_gemm where the processor has
 * AVX-512, each slice with its own x^T) and 1000 with 784 inputs (one x^T
 * for all the slices: more than PRIVATE_XT_BYTES for one each); and the
 * thread count raised after the batch was set (fewer x^T buffers than
 * slices: shared too). */
#include <math.h>
#include <string.h>

#include "dlab/model.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "kernels/cpu/cpu_kernels.h"
#include "nn/model_impl.h"
#include "test_util.h"

typedef struct {
  DlabTensor x, dy, y, dx, dw, db;
} Run;

static void fill(DlabTensor *t, uint64_t seed) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < t->numel; i++) t->data[i] = dlab_rng_uniform(&rng) * 2.0f - 1.0f;
}

static int copy(DlabTensor *to, const DlabTensor *from) {
  if (dlab_tensor_resize(to, from->ndim, from->shape) < 0) return -1;
  memcpy(to->data, from->data, from->numel * sizeof(float));
  return 0;
}

static void free_run(Run *r) {
  DlabTensor *t[] = {&r->x, &r->dy, &r->y, &r->dx, &r->dw, &r->db};
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) dlab_tensor_free(t[i]);
}

/* `linear OUT` after an unused input layer (so that it computes dx) on a
 * batch of `in` features: one forward and backward at `threads`, set
 * before the batch or, with `late`, after it. */
static int run(int in, int out, int batch, int threads, int late, Run *r) {
  char spec[64];
  snprintf(spec, sizeof spec, "flatten | linear %d", out);
  DlabModel *m = dlab_model_create(spec, (DlabShape){.ndim = 1, .d = {in}}, 5);
  int rc = -1;
  if (!m || dlab_threads_set(late ? 1 : threads) < 0 || dlab_model_set_batch(m, batch) < 0 ||
      dlab_threads_set(threads) < 0)
    goto done;
  DlabLayer *l = m->layers[1];
  int xs[2] = {batch, in}, ys[2] = {batch, out};
  if (dlab_tensor_resize(&r->x, 2, xs) < 0 || dlab_tensor_resize(&r->dy, 2, ys) < 0 ||
      dlab_tensor_resize(&r->y, 2, ys) < 0 || dlab_tensor_resize(&r->dx, 2, xs) < 0)
    goto done;
  fill(&r->x, 1);
  fill(&r->dy, 2);
  l->ops->forward(l, &r->x, &r->y, 1);
  l->ops->backward(l, &r->x, &r->y, &r->dy, &r->dx);
  if (copy(&r->dw, &l->params[0].grad) < 0 || copy(&r->db, &l->params[1].grad) < 0) goto done;
  rc = 0;
done:
  dlab_model_free(m);
  return rc;
}

static int same(const DlabTensor *a, const DlabTensor *b) {
  return a->numel == b->numel && memcmp(a->data, b->data, a->numel * sizeof(float)) == 0;
}

static void add_term(double term, double *sum, double *magnitude) {
  *sum += term;
  *magnitude += fabs(term);
}

/* Worst |got - want| / (sum of the terms' magnitudes + 1e-30) over the
 * four results, the weights read from a model built alike. */
static double worst_error(int in, int out, int batch, const Run *r) {
  char spec[64];
  snprintf(spec, sizeof spec, "flatten | linear %d", out);
  DlabModel *m = dlab_model_create(spec, (DlabShape){.ndim = 1, .d = {in}}, 5);
  if (!m) return INFINITY;
  const float *w = m->layers[1]->params[0].value.data, *bias = m->layers[1]->params[1].value.data;
  const float *x = r->x.data, *dy = r->dy.data;
  double worst = 0;
#define TERM_CHECK(got, sum, mag)                                          \
  do {                                                                     \
    double e = fabs((double)(got) - (sum)) / ((mag) + 1e-30);              \
    if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;                    \
  } while (0)
  for (int b = 0; b < batch; b++)
    for (int o = 0; o < out; o++) {
      double s = bias[o], mag = fabs(bias[o]);
      for (int i = 0; i < in; i++) add_term((double)x[b * in + i] * w[o * in + i], &s, &mag);
      TERM_CHECK(r->y.data[b * out + o], s, mag);
    }
  for (int o = 0; o < out; o++) {
    double sb = 0, mb = 0;
    for (int b = 0; b < batch; b++) add_term(dy[b * out + o], &sb, &mb);
    TERM_CHECK(r->db.data[o], sb, mb);
    for (int i = 0; i < in; i++) {
      double s = 0, mag = 0;
      for (int b = 0; b < batch; b++) add_term((double)dy[b * out + o] * x[b * in + i], &s, &mag);
      TERM_CHECK(r->dw.data[o * in + i], s, mag);
    }
  }
  for (int b = 0; b < batch; b++)
    for (int i = 0; i < in; i++) {
      double s = 0, mag = 0;
      for (int o = 0; o < out; o++) add_term((double)dy[b * out + o] * w[o * in + i], &s, &mag);
      TERM_CHECK(r->dx.data[b * in + i], s, mag);
    }
#undef TERM_CHECK
  dlab_model_free(m);
  return worst;
}

static void check(int in, int out, int batch, const char *path) {
  static Run one, many;
  int ok = run(in, out, batch, 1, 0, &one) == 0;
  const double err = ok ? worst_error(in, out, batch, &one) : INFINITY;
  /* float sums of n terms: within n units of 2^-24 of the terms' magnitude;
   * a slip in the plumbing (a row, a transpose) is of order 1 */
  const int longest = in > batch ? (in > out ? in : out) : (batch > out ? batch : out);
  tap_ok(ok && err < longest * 6e-8, "linear %d -> %d, batch %d (%s), 1 thread: y, dx, dW, db as defined (worst %.2g)",
         in, out, batch, path, err);
  for (int threads = 2; threads <= 3; threads++)
    for (int late = 0; late <= 1; late++) {
      const char *when = late ? " set after the batch" : "";
      if (run(in, out, batch, threads, late, &many) < 0) {
        tap_ok(0, "linear %d -> %d, batch %d, %d threads%s: runs", in, out, batch, threads, when);
      } else if (dlab_gemm_available()) {
        tap_ok(same(&one.y, &many.y) && same(&one.dx, &many.dx) && same(&one.dw, &many.dw) && same(&one.db, &many.db),
               "linear %d -> %d, batch %d: 1 thread = %d threads%s, bit for bit", in, out, batch, threads, when);
      } else { /* OpenBLAS's blocking depends on the slice's shape */
        const double e = worst_error(in, out, batch, &many);
        tap_ok(e < longest * 6e-8, "linear %d -> %d, batch %d, %d threads%s (OpenBLAS): as defined (worst %.2g)", in,
               out, batch, threads, when, e);
      }
      free_run(&many);
    }
  free_run(&one);
}

int main(void) {
  check(100, 37, 4, "OpenBLAS's forward");
  check(300, 100, 64, "x^T for each slice");
  check(784, 300, 1000, "one x^T for all");
  dlab_threads_shutdown();
  return tap_done();
}
