/* bench_products: a network's training step reduced to its matrix products,
 * run by OpenBLAS alone or by the engine's own dlab_gemm where it can
 * (issue 15's question: how near the machine's peak can a step of these
 * shapes get?).
 *
 *   bench_products NETWORK [--batch B] [--threads T] [--seconds S] [--gemm openblas|dlab]
 *
 * Every convolution and linear layer of the network contributes the
 * products a GEMM-based training step makes, with the batch folded into
 * one product where it can be (the shapes most favourable to the library):
 *
 *   linear  forward  y[B, out] = x[B, in] W^T
 *           dW       dW[out, in] = dy^T x
 *           dx       dx[B, in] = dy W          (not for the first layer)
 *   conv    forward  y[oc, B*P] = W[oc, C*K*K] cols[C*K*K, B*P]
 *           dW       dW[oc, C*K*K] = dy cols^T
 *           dx       dcols[C*K*K, B*P] = W^T dy (not for the first layer)
 *
 * where P is a sample's output pixels. Nothing else is timed: no im2col
 * copy, no pooling, no activation, no optimizer, no batch. With T threads
 * each product is cut into T slices along its longer side, one per thread
 * of the engine's pool, the way linear.c cuts its own products; OpenBLAS
 * runs single-threaded in each (as in the engine).
 *
 * With --gemm dlab every product whose B is read in rows (not transposed)
 * runs on dlab_gemm (kernels/cpu/gemm.c), as the engine's linear layers and
 * im2col products do, the linear forward one as y^T = W x^T with x^T made
 * beforehand (untimed, like the other operands); the weight gradient of a
 * convolution (B = cols^T) stays on OpenBLAS.
 *
 * Prints a line per product (shape, microseconds, GFLOP/s; the best of
 * several repetitions) and a last line of key=value pairs: flop (of one
 * step), us (the products' total), gflops. bench/profile.sh sets that
 * rate beside the measured step's: the share of the peak a step would
 * reach if it were nothing but these products at the library's speed. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/clock.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/model.h"
#include "dlab/threads.h"
#include "dlab/zoo.h"
#include "kernels/cpu/cpu_kernels.h"
#include "nn/model_impl.h"

typedef struct {
  const char *what;
  int trans_a, trans_b, m, n, k;
} Product;

typedef struct {
  const Product *p;
  const float *a, *b;
  float *c;
  int slices;
  int dlab; /* on dlab_gemm (B not transposed) */
} ProductJob;

/* Row-major leading dimensions of op(A) [m, k], op(B) [k, n], C [m, n]. */
static int lda_of(const Product *p) { return p->trans_a ? p->m : p->k; }
static int ldb_of(const Product *p) { return p->trans_b ? p->k : p->n; }

/* Slice s: rows or columns of C, whichever side is longer. */
static void product_slice(void *arg, size_t begin, size_t end) {
  const ProductJob *j = arg;
  const Product *p = j->p;
  const int by_rows = p->m >= p->n;
  for (size_t s = begin; s < end; s++) {
    int r0 = 0, r1 = p->m, c0 = 0, c1 = p->n;
    if (by_rows)
      dlab_slice_range(p->m, j->slices, (int)s, &r0, &r1);
    else
      dlab_slice_range(p->n, j->slices, (int)s, &c0, &c1);
    if (r1 == r0 || c1 == c0) continue;
    const float *a = j->a + (p->trans_a ? (size_t)r0 : (size_t)r0 * lda_of(p));
    const float *b = j->b + (p->trans_b ? (size_t)c0 * ldb_of(p) : (size_t)c0);
    if (j->dlab)
      dlab_gemm(r1 - r0, c1 - c0, p->k, a, p->trans_a ? 1 : lda_of(p), p->trans_a ? lda_of(p) : 1, b, ldb_of(p),
                j->c + (size_t)r0 * p->n + c0, p->n);
    else
      cblas_sgemm(CblasRowMajor, p->trans_a ? CblasTrans : CblasNoTrans, p->trans_b ? CblasTrans : CblasNoTrans,
                  r1 - r0, c1 - c0, p->k, 1.0f, a, lda_of(p), b, ldb_of(p), 0.0f, j->c + (size_t)r0 * p->n + c0,
                  p->n);
  }
}

/* The best of `reps` rounds of `calls` products, in seconds a product. */
static double time_product(const Product *p, int threads, double budget, int dlab) {
  const size_t na = (size_t)p->m * p->k, nb = (size_t)p->k * p->n, nc = (size_t)p->m * p->n;
  float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b), *c = malloc(nc * sizeof *c);
  if (!a || !b || !c) {
    free(a), free(b), free(c);
    return -1;
  }
  for (size_t i = 0; i < na; i++) a[i] = (float)(i % 13) * 0.01f;
  for (size_t i = 0; i < nb; i++) b[i] = (float)(i % 7) * 0.01f;
  ProductJob j = {p, a, b, c, threads, dlab && !p->trans_b};
  double best = 1e30, spent = 0;
  int calls = 1;
  for (int round = 0; round < 7 || spent < budget; round++) {
    double t0 = dlab_now_seconds();
    for (int i = 0; i < calls; i++) dlab_parallel_for((size_t)threads, 1, product_slice, &j);
    double t = (dlab_now_seconds() - t0) / calls;
    spent += t * calls;
    if (t < best) best = t;
    if (t * calls < 2e-3) calls *= 2; /* rounds of at least 2 ms */
    if (round > 200) break;
  }
  free(a), free(b), free(c);
  return best;
}

/* The products of one training step of m at batch B, in layer order, the
 * linear forward one as y^T = W x^T for dlab_gemm; returns their count (at
 * most max). */
static int step_products(const DlabModel *m, int batch, int dlab, Product *out, int max) {
  int n = 0, first = 1;
  for (int i = 0; i < m->n_layers && n + 3 <= max; i++) {
    const DlabLayer *l = m->layers[i];
    if (l->ops == &dlab_linear_ops) {
      const int in = l->in_shape.d[0], o = l->out_shape.d[0];
      if (dlab) /* y^T [o, B] = W x^T */
        out[n++] = (Product){"linear forward", 0, 0, o, batch, in};
      else
        out[n++] = (Product){"linear forward", 0, 1, batch, o, in};
      out[n++] = (Product){"linear dW", 1, 0, o, in, batch};
      if (!first) out[n++] = (Product){"linear dx", 0, 0, batch, in, o};
    } else if (l->ops == &dlab_conv2d_ops) {
      const int oc = l->out_shape.d[0], pixels = l->out_shape.d[1] * l->out_shape.d[2];
      const int k = l->params[0].value.shape[2], taps = l->in_shape.d[0] * k * k;
      out[n++] = (Product){"conv forward", 0, 0, oc, batch * pixels, taps};
      out[n++] = (Product){"conv dW", 0, 1, oc, taps, batch * pixels};
      if (!first) out[n++] = (Product){"conv dx", 1, 0, taps, batch * pixels, oc};
    } else {
      continue;
    }
    first = 0;
  }
  return n;
}

int main(int argc, char **argv) {
  const char *network = argc > 1 ? argv[1] : NULL;
  int batch = 64, threads = 1, dlab = 0;
  double seconds = 0.2; /* per product */
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--batch"))
      batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads"))
      threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds"))
      seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--gemm") && (!strcmp(argv[i + 1], "dlab") || !strcmp(argv[i + 1], "openblas")))
      dlab = !strcmp(argv[i + 1], "dlab");
    else
      network = NULL;
  }
  if (!network || network[0] == '-' || batch < 1 || batch > 4096 || threads < 1 || seconds <= 0) {
    fprintf(stderr, "usage: bench_products NETWORK [--batch B] [--threads T] [--seconds S] [--gemm openblas|dlab]\n");
    return 2;
  }
  if (dlab && !dlab_gemm_available()) {
    fprintf(stderr, "bench_products: dlab_gemm needs AVX-512, which this processor lacks (or DLAB_CPU lowers)\n");
    return 1;
  }
  if (dlab_threads_set(threads) < 0) {
    fprintf(stderr, "bench_products: %s\n", dlab_error_message());
    return 1;
  }
  const DlabZooEntry *z = dlab_zoo_find(network);
  DlabShape in = {3, {1, 28, 28}};
  if (z && dlab_shape_parse(z->input, &in) < 0) {
    fprintf(stderr, "bench_products: %s\n", dlab_error_message());
    return 1;
  }
  DlabModel *m = dlab_model_build(network, in, 1, DLAB_BUILD_SHAPES);
  if (!m) {
    fprintf(stderr, "bench_products: %s\n", dlab_error_message());
    return 1;
  }
  Product p[96];
  const int n = step_products(m, batch, dlab, p, 96);
  double flop = 0, total = 0;
  for (int i = 0; i < n; i++) {
    const double t = time_product(&p[i], threads, seconds, dlab);
    if (t < 0) {
      fprintf(stderr, "bench_products: out of memory\n");
      dlab_model_free(m);
      return 1;
    }
    const double f = 2.0 * p[i].m * p[i].n * p[i].k;
    flop += f;
    total += t;
    printf("# %-15s %6d x %6d x %6d  %9.1f us  %7.1f GFLOP/s\n", p[i].what, p[i].m, p[i].n, p[i].k, t * 1e6,
           f / t * 1e-9);
  }
  printf("network=%s batch=%d threads=%d products=%d flop=%.0f us=%.1f gflops=%.2f gemm=%s blas=%s\n", network,
         batch, threads, n, flop, total * 1e6, total > 0 ? flop / total * 1e-9 : 0.0, dlab ? "dlab" : "openblas",
         openblas_get_corename());
  dlab_model_free(m);
  dlab_threads_shutdown();
  return 0;
}
