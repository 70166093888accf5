/* 2x2 max pooling and its adjoint (kernels/cpu: fused.c, pool_avx2.c)
 * against the definition, bit for bit: each window's
 * candidates scanned top-left, top-right, bottom-left, bottom-right, a
 * later one winning when it is larger or NaN (so the first of equal
 * maxima wins, and a NaN anywhere wins); the adjoint puts the window's
 * gradient, through the activation's derivative, on its winner and zeros
 * on the other pixels, the odd last row and column included. Planes with
 * pooled rows shorter than, equal to and longer than 8 and 16 windows, odd
 * sides, ties and NaNs; the AVX2 row kernels, and the plane functions the
 * layers call. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/simd.h"
#include "test_util.h"

typedef void (*PoolRow)(const float *in, int w, int r, float *out, int32_t *arg);
typedef void (*UnpoolRow)(const float *dy, const float *y, const int32_t *arg, int w, int r, DlabAct act,
                          float *dst);

static unsigned next(unsigned *seed) { return *seed = *seed * 1664525u + 1013904223u; }

/* Values from a few levels, so that windows tie often; some NaNs. */
static void fill_plane(float *p, int n, unsigned *seed) {
  for (int i = 0; i < n; i++) {
    unsigned v = next(seed) >> 8;
    p[i] = v % 23 == 0 ? NAN : (float)((int)(v % 7) - 3) * 0.5f;
  }
}

static void reference_pool(const float *in, int h, int w, float *out, int32_t *arg) {
  for (int r = 0; r < h / 2; r++)
    for (int c = 0; c < w / 2; c++) {
      int32_t at = 2 * r * w + 2 * c;
      const int32_t cand[4] = {at, at + 1, at + w, at + w + 1};
      float best = in[at];
      for (int k = 1; k < 4; k++)
        if (in[cand[k]] > best || isnan(in[cand[k]])) best = in[cand[k]], at = cand[k];
      out[r * (w / 2) + c] = best;
      arg[r * (w / 2) + c] = at;
    }
}

static void reference_unpool(const float *dy, const float *y, const int32_t *arg, int h, int w, DlabAct act,
                             float *dst) {
  memset(dst, 0, (size_t)h * w * sizeof *dst);
  for (int o = 0; o < (h / 2) * (w / 2); o++)
    dst[arg[o]] = !act.on || y[o] > 0.0f ? dy[o] : dy[o] * act.slope;
}

static int same_bits(const void *a, const void *b, size_t n) { return memcmp(a, b, n) == 0; }

static void check_plane(int h, int w, unsigned seed, const char *kernel, PoolRow pool_row, UnpoolRow unpool_row) {
  const int n = h * w, pooled = (h / 2) * (w / 2);
  float *in = malloc(n * sizeof *in), *out = malloc(pooled * sizeof *out), *want = malloc(pooled * sizeof *want);
  int32_t *arg = malloc(pooled * sizeof *arg), *want_arg = malloc(pooled * sizeof *want_arg);
  float *dy = malloc(pooled * sizeof *dy), *dst = malloc(n * sizeof *dst), *want_dst = malloc(n * sizeof *dst);
  fill_plane(in, n, &seed);
  reference_pool(in, h, w, want, want_arg);
  for (int i = 0; i < pooled; i++) dy[i] = (float)(next(&seed) >> 8) / (float)(1u << 24) - 0.5f;

  /* the row kernel alone (or, without one, the plane function) */
  memset(out, 0x7f, pooled * sizeof *out);
  if (pool_row)
    for (int r = 0; r < h / 2; r++) pool_row(in, w, r, out, arg);
  else
    dlab_cpu_maxpool_plane(in, h, w, 2, out, arg);
  tap_ok(same_bits(out, want, pooled * sizeof *out) && same_bits(arg, want_arg, pooled * sizeof *arg),
         "%s pooling, %dx%d: the reference's maxima and winners", kernel, h, w);

  for (int on = 0; on < 2; on++) {
    const DlabAct act = {on, 0.1f};
    reference_unpool(dy, want, want_arg, h, w, act, want_dst);
    for (int i = 0; i < n; i++) dst[i] = NAN; /* every pixel must be written */
    if (unpool_row) {
      for (int r = 0; r < h / 2; r++) unpool_row(dy, want, want_arg, w, r, act, dst);
      /* the row kernels leave what no window covers to the plane function */
      for (int r = 0; r < h / 2; r++)
        if (w % 2) dst[(2 * r + 1) * w - 1] = dst[(2 * r + 2) * w - 1] = 0.0f;
      if (h % 2) memset(dst + (size_t)(h - 1) * w, 0, (size_t)w * sizeof *dst);
    } else {
      dlab_cpu_unpool2_plane(dy, want, want_arg, h, w, act, dst, n);
    }
    tap_ok(same_bits(dst, want_dst, n * sizeof *dst), "%s adjoint%s, %dx%d: gradients on the winners, zeros elsewhere",
           kernel, on ? " through LeakyReLU" : "", h, w);
  }
  free(in), free(out), free(want), free(arg), free(want_arg), free(dy), free(dst), free(want_dst);
}

int main(void) {
  /* pooled rows of 1, 5, 7, 8, 9, 13, 14, 16, 17 and 20 windows */
  static const int sides[][2] = {{2, 2}, {10, 10}, {14, 15}, {16, 16}, {19, 18}, {26, 26},
                                 {28, 28}, {32, 32}, {5, 35}, {41, 40}};
  const size_t n_sides = sizeof sides / sizeof sides[0];
  unsigned seed = 7;
  for (size_t i = 0; i < n_sides; i++) check_plane(sides[i][0], sides[i][1], seed + (unsigned)i, "plane", NULL, NULL);
#if DLAB_X86
  if (dlab_cpu_level() >= DLAB_CPU_AVX2)
    for (size_t i = 0; i < n_sides; i++)
      check_plane(sides[i][0], sides[i][1], seed + (unsigned)i, "AVX2 row", dlab_maxpool2_row_avx2,
                  dlab_unpool2_row_avx2);
  else
    printf("# this processor has no AVX2: its row kernels were not checked\n");
#endif
  return tap_done();
}
