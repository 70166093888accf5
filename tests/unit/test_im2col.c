/* im2col and col2im (kernels/cpu/im2col.c) against their definitions.
 * im2col's columns are the image's pixels or zeros, exactly, and it writes
 * nothing past a sample's columns. col2im, pixel by pixel:
 * image[c][y][x] = the sum over taps (ki, kj), in that order from zero, of
 * the column entry (c, ki, kj; oh, ow) that im2col fills from (y, x). The
 * vector version (stride 1, AVX-512) keeps that order, so the two agree bit
 * for bit, over geometries with and without padding, rows shorter and
 * longer than a vector, and kernels from 1 to 7; the generic version
 * (strides 2 and 3, and any processor) is checked the same way. And the
 * pair is adjoint: <im2col(x), col> = <x, col2im(col)>. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "test_util.h"

static float *random_floats(size_t n, unsigned *seed) {
  float *p = malloc(n * sizeof *p);
  if (p) test_random_floats(p, n, seed);
  return p;
}

/* im2col by its definition: column (c, ki, kj; oh, ow) = the image at
 * (oh * S + ki - pad, ow * S + kj - pad), zero outside. */
static void reference_im2col(const DlabConvGeom *g, const float *image, float *col, int ldcol) {
  const int K = g->kernel, S = g->stride;
  for (int c = 0; c < g->channels; c++)
    for (int ki = 0; ki < K; ki++)
      for (int kj = 0; kj < K; kj++)
        for (int oh = 0; oh < g->out_h; oh++)
          for (int ow = 0; ow < g->out_w; ow++) {
            int ih = oh * S + ki - g->pad, iw = ow * S + kj - g->pad;
            int in = ih >= 0 && ih < g->height && iw >= 0 && iw < g->width;
            col[((size_t)(c * K + ki) * K + kj) * ldcol + (size_t)oh * g->out_w + ow] =
                in ? image[((size_t)c * g->height + ih) * g->width + iw] : 0.0f;
          }
}

static void reference(const DlabConvGeom *g, const float *col, int ldcol, float *image) {
  const int K = g->kernel, S = g->stride;
  for (int c = 0; c < g->channels; c++)
    for (int y = 0; y < g->height; y++)
      for (int x = 0; x < g->width; x++) {
        float sum = 0.0f;
        for (int ki = 0; ki < K; ki++)
          for (int kj = 0; kj < K; kj++) {
            int ih = y + g->pad - ki, iw = x + g->pad - kj; /* = oh * S, ow * S */
            if (ih < 0 || iw < 0 || ih % S || iw % S || ih / S >= g->out_h || iw / S >= g->out_w) continue;
            sum += col[((size_t)(c * K + ki) * K + kj) * ldcol + (size_t)(ih / S) * g->out_w + iw / S];
          }
        image[((size_t)c * g->height + y) * g->width + x] = sum;
      }
}

/* One geometry: exact agreement with the reference, and adjointness. */
static int check(int C, int H, int W, int K, int S, int pad, unsigned *seed) {
  DlabConvGeom g;
  if (dlab_conv_geom_init(&g, C, H, W, K, S, pad) < 0) return 1; /* no such convolution: nothing to check */
  const int P = g.out_h * g.out_w, ldcol = P + 3; /* a wider leading dimension, as in a chunk of samples */
  const size_t rows = (size_t)C * K * K, pixels = (size_t)C * H * W;
  float *col = random_floats(rows * ldcol, seed), *x = random_floats(pixels, seed);
  float *got = malloc(pixels * sizeof *got), *want = malloc(pixels * sizeof *want);
  float *col_x = malloc(rows * ldcol * sizeof *col_x);
  int ok = col && x && got && want && col_x;
  if (ok) {
    dlab_cpu_col2im(&g, col, ldcol, got);
    reference(&g, col, ldcol, want);
    ok = memcmp(got, want, pixels * sizeof *got) == 0;
    /* im2col leaves the columns past P alone: both start from the same bytes */
    float *want_col = malloc(rows * ldcol * sizeof *want_col);
    memcpy(col_x, col, rows * ldcol * sizeof *col_x);
    if (want_col) memcpy(want_col, col, rows * ldcol * sizeof *want_col);
    dlab_cpu_im2col(&g, x, col_x, ldcol);
    if (want_col) reference_im2col(&g, x, want_col, ldcol);
    ok = ok && want_col && memcmp(col_x, want_col, rows * ldcol * sizeof *col_x) == 0;
    free(want_col);
    double a = 0, b = 0;
    for (size_t r = 0; r < rows; r++)
      for (int p = 0; p < P; p++) a += (double)col_x[r * ldcol + p] * col[r * ldcol + p];
    for (size_t i = 0; i < pixels; i++) b += (double)x[i] * got[i];
    ok = ok && fabs(a - b) <= 1e-4 * (1.0 + fabs(a));
    if (!ok) printf("# C=%d H=%d W=%d K=%d S=%d pad=%d differs\n", C, H, W, K, S, pad);
  }
  free(col), free(x), free(got), free(want), free(col_x);
  return ok;
}

int main(void) {
  unsigned seed = 7;
  int stride1 = 1, strided = 1, n = 0;
  for (int K = 1; K <= 7; K++)
    for (int pad = 0; pad < K; pad++)
      for (int side = K; side <= 40; side += 3) {
        stride1 &= check(2, side, side + 1, K, 1, pad, &seed);
        strided &= check(2, side, side, K, 2, pad, &seed) & check(1, side + 2, side, K, 3, pad, &seed);
        n++;
      }
  /* the zoo's input-gradient shapes: LeNet's and DigitNet's second convolutions, a padded 5x5 */
  stride1 &= check(6, 14, 14, 5, 1, 0, &seed) & check(16, 13, 13, 5, 1, 0, &seed) & check(32, 16, 16, 5, 1, 2, &seed);
  tap_ok(stride1, "stride 1: im2col and col2im are their definitions bit for bit, and adjoint (%d geometries)", n + 3);
  tap_ok(strided, "strides 2 and 3: the same (%d geometries each)", n);
  return tap_done();
}
