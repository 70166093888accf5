/* The matrix products that read their operands in place (kernels/cpu/gemm.c)
 * and the transpose beside them, against their definitions.
 *
 * Every element of C is one sum over k in order with fused multiply-adds,
 * so the reference is that very sum (fmaf), and the check is equality, bit
 * for bit: it holds whatever tile computed the element and wherever C was
 * cut. Shapes leave every kind of edge: rows around the tile's 6, columns
 * around a vector (16) and the tile's 64, K from 1; A read in rows and
 * transposed, every matrix with rows longer than its columns; and nothing
 * outside C (or outside the transpose's destination) is written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "test_util.h"

/* Whether every float of p is the guard value (bit for bit). */
static int untouched(const float *p, size_t n, float guard) {
  for (size_t i = 0; i < n; i++)
    if (memcmp(&p[i], &guard, sizeof guard) != 0) return 0;
  return 1;
}

/* One product: M x N over K, A read transposed or not, every row `pad`
 * floats longer than it needs. */
static int check_gemm(int M, int N, int K, int a_transposed, int pad, unsigned seed) {
  const ptrdiff_t a_row = a_transposed ? 1 : K + pad, a_col = a_transposed ? M + pad : 1;
  const size_t a_size = a_transposed ? (size_t)K * (M + pad) : (size_t)M * (K + pad);
  const ptrdiff_t b_row = N + pad, c_row = N + pad;
  float *a = malloc(a_size * sizeof *a), *b = malloc((size_t)K * b_row * sizeof *b);
  float *c = malloc(((size_t)M * c_row + 64) * sizeof *c);
  const float guard = -12345.5f;
  test_random_floats(a, a_size, &seed);
  test_random_floats(b, (size_t)K * b_row, &seed);
  for (size_t i = 0; i < (size_t)M * c_row + 64; i++) c[i] = guard;
  dlab_gemm(M, N, K, a, a_row, a_col, b, b_row, c, c_row);
  int ok = 1;
  for (int m = 0; m < M && ok; m++) {
    for (int n = 0; n < N; n++) {
      float s = 0.0f;
      for (int k = 0; k < K; k++) s = fmaf(a[m * a_row + k * a_col], b[k * b_row + n], s);
      if (memcmp(&s, &c[m * c_row + n], sizeof s) != 0) {
        printf("# %dx%dx%d: c[%d][%d] = %.9g, the sum in order is %.9g\n", M, N, K, m, n, c[m * c_row + n], s);
        ok = 0;
        break;
      }
    }
    if (ok && !untouched(c + m * c_row + N, (size_t)pad, guard)) {
      printf("# %dx%dx%d: row %d written past its %d columns\n", M, N, K, m, N);
      ok = 0;
    }
  }
  if (ok && !untouched(c + (size_t)M * c_row, 64, guard)) {
    printf("# %dx%dx%d: written past the last row\n", M, N, K);
    ok = 0;
  }
  free(a);
  free(b);
  free(c);
  return ok;
}

static int check_transpose(int rows, int cols, int pad, unsigned seed) {
  const ptrdiff_t src_row = cols + pad, dst_row = rows + pad;
  float *src = malloc((size_t)rows * src_row * sizeof *src);
  float *dst = malloc(((size_t)cols * dst_row + 64) * sizeof *dst);
  const float guard = -12345.5f;
  test_random_floats(src, (size_t)rows * src_row, &seed);
  for (size_t i = 0; i < (size_t)cols * dst_row + 64; i++) dst[i] = guard;
  dlab_transpose(src, rows, cols, src_row, dst, dst_row);
  int ok = 1;
  for (int j = 0; j < cols && ok; j++) {
    for (int i = 0; i < rows; i++)
      if (memcmp(&dst[j * dst_row + i], &src[i * src_row + j], sizeof(float)) != 0) ok = 0;
    if (!untouched(dst + j * dst_row + rows, (size_t)pad, guard)) ok = 0;
  }
  if (!untouched(dst + (size_t)cols * dst_row, 64, guard)) ok = 0;
  free(src);
  free(dst);
  return ok;
}

int main(void) {
  static const int rows[] = {1, 5, 6, 7, 12, 13, 64};
  static const int columns[] = {1, 15, 16, 17, 48, 63, 64, 65, 100, 130};
  static const int depths[] = {1, 3, 64, 300};
  unsigned seed = 7;
  int failed = 0, run = 0;
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
    for (size_t j = 0; j < sizeof columns / sizeof *columns; j++)
      for (size_t k = 0; k < sizeof depths / sizeof *depths; k++)
        for (int t = 0; t < 2; t++, run++)
          if (!check_gemm(rows[i], columns[j], depths[k], t, (int)(i + j + k) % 3 * 5, seed++)) failed++;
  tap_ok(failed == 0, "dlab_gemm (%s): %d of %d shapes equal the sums in order, nothing outside C written",
         dlab_gemm_available() ? "AVX-512 tiles" : "plain loop", run - failed, run);
  /* the linear layers' own shapes: mlp's, lenet's at batch 256, cifarnet's */
  tap_ok(check_gemm(300, 64, 784, 0, 0, 11) && check_gemm(300, 784, 64, 1, 0, 12) &&
             check_gemm(64, 784, 300, 0, 0, 13) && check_gemm(120, 256, 400, 0, 3, 14) &&
             check_gemm(64, 1024, 16, 1, 0, 15),
         "dlab_gemm: the layers' shapes (300x64x784, 300x784x64, 64x784x300, 120x256x400, 64x1024x16)");
  failed = run = 0;
  for (int r = 1; r <= 40; r += 3)
    for (int c = 1; c <= 40; c += 3, run++)
      if (!check_transpose(r, c, (r + c) % 4, seed++)) failed++;
  tap_ok(failed == 0 && check_transpose(64, 784, 0, 3) && check_transpose(300, 64, 1, 4),
         "dlab_transpose: %d of %d shapes and 64x784, 300x64 exact, nothing outside written", run - failed, run);
  return tap_done();
}
