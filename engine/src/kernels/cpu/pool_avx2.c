/* 2x2 max pooling and its adjoint with AVX2 (see simd.h), eight windows
 * at a time: a pair of input rows is loaded 16 floats a row, split into
 * even and odd columns, and the four candidates of each window are
 * compared in the scalar code's order, so the winners (NaN included) are
 * the same. The last windows of a row use masked loads and stores. */
#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

#if DLAB_X86
#include <immintrin.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))

/* The even (odd) floats of the 16 in lo, hi, in order. */
AVX2 static inline __m256 evens(__m256 lo, __m256 hi) {
  __m256 e = _mm256_shuffle_ps(lo, hi, 0x88); /* lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6 */
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
}

AVX2 static inline __m256 odds(__m256 lo, __m256 hi) {
  __m256 o = _mm256_shuffle_ps(lo, hi, 0xDD);
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), 0xD8));
}

/* A later candidate wins when it is larger or NaN (fused.c: max4). */
AVX2 static inline void take(__m256 v, __m256i at, __m256 *best, __m256i *win) {
  const __m256 t = _mm256_or_ps(_mm256_cmp_ps(v, *best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  *best = _mm256_blendv_ps(*best, v, t);
  *win = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(*win), _mm256_castsi256_ps(at), t));
}

/* Lanes [0, n) set, n clamped to [0, 8]. */
AVX2 static inline __m256i first_lanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Windows [c, c + 8) of pooled row r; only the first `live` are read and
 * stored (masked lanes never fault). */
AVX2 static inline void maxpool8(const float *in, int w, int r, int c, int live, float *out, int32_t *arg) {
  const int ow = w / 2, j = 2 * c;
  const float *top = in + (size_t)(2 * r) * w + j, *bottom = top + w;
  __m256 t0, t1, b0, b1;
  if (live == 8) {
    t0 = _mm256_loadu_ps(top), t1 = _mm256_loadu_ps(top + 8);
    b0 = _mm256_loadu_ps(bottom), b1 = _mm256_loadu_ps(bottom + 8);
  } else {
    const __m256i lo = first_lanes(2 * live), hi = first_lanes(2 * live - 8);
    t0 = _mm256_maskload_ps(top, lo), t1 = _mm256_maskload_ps(top + 8, hi);
    b0 = _mm256_maskload_ps(bottom, lo), b1 = _mm256_maskload_ps(bottom + 8, hi);
  }
  const __m256i ia = _mm256_add_epi32(_mm256_set1_epi32(2 * r * w + j), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
  const __m256i one = _mm256_set1_epi32(1), row = _mm256_set1_epi32(w);
  __m256 best = evens(t0, t1);
  __m256i win = ia;
  take(odds(t0, t1), _mm256_add_epi32(ia, one), &best, &win);
  take(evens(b0, b1), _mm256_add_epi32(ia, row), &best, &win);
  take(odds(b0, b1), _mm256_add_epi32(_mm256_add_epi32(ia, row), one), &best, &win);
  if (live == 8) {
    _mm256_storeu_ps(out + r * ow + c, best);
    _mm256_storeu_si256((__m256i *)(arg + r * ow + c), win);
  } else {
    const __m256i keep = first_lanes(live);
    _mm256_maskstore_ps(out + r * ow + c, keep, best);
    _mm256_maskstore_epi32(arg + r * ow + c, keep, win);
  }
}

AVX2 void dlab_maxpool2_row_avx2(const float *in, int w, int r, float *out, int32_t *arg) {
  const int ow = w / 2;
  int c = 0;
  for (; c + 8 <= ow; c += 8) maxpool8(in, w, r, c, 8, out, arg);
  if (c < ow) maxpool8(in, w, r, c, ow - c, out, arg);
}

/* Stores the first n of 8 lanes (all of them when n >= 8). */
AVX2 static inline void store_first(float *p, __m256 v, int n) {
  if (n >= 8)
    _mm256_storeu_ps(p, v);
  else if (n > 0)
    _mm256_maskstore_ps(p, first_lanes(n), v);
}

/* Windows [c, c + 8) of pooled row r, the first `live` of them. */
AVX2 static inline void unpool8(const float *dy, const float *y, const int32_t *arg, int w, int r, int c, int live,
                                DlabAct act, float *dst) {
  const int ow = w / 2, o = r * ow + c, j = 2 * c;
  float *top = dst + (size_t)(2 * r) * w + j, *bottom = top + w;
  const __m256i keep = first_lanes(live);
  __m256 g = live == 8 ? _mm256_loadu_ps(dy + o) : _mm256_maskload_ps(dy + o, keep);
  if (act.on) {
    const __m256 yv = live == 8 ? _mm256_loadu_ps(y + o) : _mm256_maskload_ps(y + o, keep);
    g = _mm256_blendv_ps(_mm256_mul_ps(g, _mm256_set1_ps(act.slope)), g,
                         _mm256_cmp_ps(yv, _mm256_setzero_ps(), _CMP_GT_OQ));
  }
  const __m256i at = live == 8 ? _mm256_loadu_si256((const __m256i *)(arg + o)) : _mm256_maskload_epi32(arg + o, keep);
  const __m256i ia = _mm256_add_epi32(_mm256_set1_epi32(2 * r * w + j), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
  const __m256i one = _mm256_set1_epi32(1), ic = _mm256_add_epi32(ia, _mm256_set1_epi32(w));
  const __m256 a = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, ia)));
  const __m256 b = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, _mm256_add_epi32(ia, one))));
  const __m256 cc = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, ic)));
  const __m256 d = _mm256_and_ps(g, _mm256_castsi256_ps(_mm256_cmpeq_epi32(at, _mm256_add_epi32(ic, one))));
  /* interleave a, b into the top row and c, d into the bottom one */
  const __m256 ab_lo = _mm256_unpacklo_ps(a, b), ab_hi = _mm256_unpackhi_ps(a, b);
  const __m256 cd_lo = _mm256_unpacklo_ps(cc, d), cd_hi = _mm256_unpackhi_ps(cc, d);
  store_first(top, _mm256_permute2f128_ps(ab_lo, ab_hi, 0x20), 2 * live);
  store_first(top + 8, _mm256_permute2f128_ps(ab_lo, ab_hi, 0x31), 2 * live - 8);
  store_first(bottom, _mm256_permute2f128_ps(cd_lo, cd_hi, 0x20), 2 * live);
  store_first(bottom + 8, _mm256_permute2f128_ps(cd_lo, cd_hi, 0x31), 2 * live - 8);
}

AVX2 void dlab_unpool2_row_avx2(const float *dy, const float *y, const int32_t *arg, int w, int r, DlabAct act,
                                float *dst) {
  const int ow = w / 2;
  int c = 0;
  for (; c + 8 <= ow; c += 8) unpool8(dy, y, arg, w, r, c, 8, act, dst);
  if (c < ow) unpool8(dy, y, arg, w, r, c, ow - c, act, dst);
}
#endif
