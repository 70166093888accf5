/* Matrix products that read their operands where they lie (AVX-512).
 *
 * OpenBLAS copies both operands of every product into its own layout
 * (packing) before it multiplies; for the linear layers' products at the
 * batch sizes of the tutorials that copying is a large part of the call
 * (mlp's 784 -> 300 layer at batch 64, one Zen 5 core: its forward product
 * at 151 GFLOP/s, 67% of the core's peak). Here one register tile of up to
 * 6 rows x 64 columns of C keeps its 24 sums in registers over the whole of
 * K: each step broadcasts one value of A per row, wherever A's rows and
 * columns lie (a row stride and a column stride, so A may be read
 * transposed), and loads a row of B's 64 columns, which must be contiguous.
 * With B's rows in L1 or L2 this runs at the core's peak (the same layer:
 * 227 GFLOP/s for the product alone). Of a linear layer's three products
 * all but the forward one fit it as they are; there B would be W^T, so the
 * layer computes y^T = W x^T, with x transposed first (dlab_transpose).
 *
 * Each element of C is one sum over k = 0 .. K-1 in order, whatever the
 * tiles and the threads: the results do not depend on how a product is
 * cut. */
#include <math.h>
#include <stddef.h>

#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

int dlab_gemm_available(void) { return DLAB_X86 && dlab_cpu_level() >= DLAB_CPU_AVX512; }

#if DLAB_X86
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET

enum { TILE_ROWS = 6, TILE_VECTORS = 4, TILE_COLUMNS = TILE_VECTORS * 16 };

/* C[rows][vectors * 16, the last vector masked by `last`] = sum over k of
 * a(r, k) b(k, :). Called with constant rows and vectors, so the loops
 * unroll and the sums stay in registers. */
INLINE void tile(int rows, int vectors, int K, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *b,
                 ptrdiff_t b_row, float *c, ptrdiff_t c_row, __mmask16 last) {
  __m512 sum[TILE_ROWS][TILE_VECTORS];
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
    for (int v = 0; v < vectors; v++) sum[r][v] = _mm512_setzero_ps();
  for (int k = 0; k < K; k++, a += a_col, b += b_row) {
    __m512 bk[TILE_VECTORS];
#pragma GCC unroll 4
    for (int v = 0; v < vectors; v++)
      bk[v] = v == vectors - 1 ? _mm512_maskz_loadu_ps(last, b + 16 * v) : _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < rows; r++) {
      const __m512 ark = _mm512_set1_ps(a[r * a_row]);
#pragma GCC unroll 4
      for (int v = 0; v < vectors; v++) sum[r][v] = _mm512_fmadd_ps(ark, bk[v], sum[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 4
    for (int v = 0; v < vectors; v++)
      _mm512_mask_storeu_ps(c + r * c_row + 16 * v, v == vectors - 1 ? last : 0xffff, sum[r][v]);
}

/* One instance of `tile` per shape; the edges of C take the smaller ones. */
TARGET static void any_tile(int rows, int vectors, int K, const float *a, ptrdiff_t a_row, ptrdiff_t a_col,
                            const float *b, ptrdiff_t b_row, float *c, ptrdiff_t c_row, __mmask16 last) {
#define TILE(R, V)                                                                                                   \
  case (R) * TILE_VECTORS + (V) - 1:                                                                                 \
    tile(R, V, K, a, a_row, a_col, b, b_row, c, c_row, last);                                                        \
    break;
#define TILE_ROW(R) TILE(R, 1) TILE(R, 2) TILE(R, 3) TILE(R, 4)
  switch (rows * TILE_VECTORS + vectors - 1) {
    TILE_ROW(1) TILE_ROW(2) TILE_ROW(3) TILE_ROW(4) TILE_ROW(5) TILE_ROW(6)
  }
#undef TILE_ROW
#undef TILE
}

/* Column blocks outside, row blocks inside: a block of B's columns (K x 64
 * floats) is read by every row block in turn while it is in cache. */
TARGET static void gemm_avx512(int M, int N, int K, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *b,
                               ptrdiff_t b_row, float *c, ptrdiff_t c_row) {
  for (int n0 = 0; n0 < N; n0 += TILE_COLUMNS) {
    const int columns = N - n0 < TILE_COLUMNS ? N - n0 : TILE_COLUMNS;
    const int vectors = (columns + 15) / 16;
    const __mmask16 last = (__mmask16)(0xffffu >> (16 * vectors - columns));
    for (int m0 = 0; m0 < M; m0 += TILE_ROWS)
      any_tile(M - m0 < TILE_ROWS ? M - m0 : TILE_ROWS, vectors, K, a + m0 * a_row, a_row, a_col, b + n0, b_row,
               c + m0 * c_row + n0, c_row, last);
  }
}

/* A block of up to 16 x 16 through registers: one (masked) load per source
 * row, four rounds of shuffles, one store per destination row. */
INLINE void transpose16(const float *src, ptrdiff_t src_row, float *dst, ptrdiff_t dst_row, int rows, int cols) {
  __m512 r[16];
  const __mmask16 col_mask = (__mmask16)(0xffffu >> (16 - cols));
  for (int i = 0; i < 16; i++)
    r[i] = i < rows ? _mm512_maskz_loadu_ps(col_mask, src + i * src_row) : _mm512_setzero_ps();
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  /* r[j] is now column j, rows 0-15 in order */
  const __mmask16 row_mask = (__mmask16)(0xffffu >> (16 - rows));
  for (int j = 0; j < cols; j++) _mm512_mask_storeu_ps(dst + j * dst_row, row_mask, r[j]);
}

TARGET static void transpose_avx512(const float *src, int rows, int cols, ptrdiff_t src_row, float *dst,
                                    ptrdiff_t dst_row) {
  for (int i0 = 0; i0 < rows; i0 += 16)
    for (int j0 = 0; j0 < cols; j0 += 16)
      transpose16(src + i0 * src_row + j0, src_row, dst + j0 * dst_row + i0, dst_row,
                  rows - i0 < 16 ? rows - i0 : 16, cols - j0 < 16 ? cols - j0 : 16);
}
#endif

void dlab_gemm(int M, int N, int K, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *b,
               ptrdiff_t b_row, float *c, ptrdiff_t c_row) {
#if DLAB_X86
  if (dlab_gemm_available()) {
    gemm_avx512(M, N, K, a, a_row, a_col, b, b_row, c, c_row);
    return;
  }
#endif
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      float s = 0.0f; /* fused multiply-adds in k's order, as the tiles do */
      for (int k = 0; k < K; k++) s = fmaf(a[m * a_row + k * a_col], b[k * b_row + n], s);
      c[m * c_row + n] = s;
    }
}

void dlab_transpose(const float *src, int rows, int cols, ptrdiff_t src_row, float *dst, ptrdiff_t dst_row) {
#if DLAB_X86
  if (dlab_gemm_available()) {
    transpose_avx512(src, rows, cols, src_row, dst, dst_row);
    return;
  }
#endif
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) dst[j * dst_row + i] = src[i * src_row + j];
}
