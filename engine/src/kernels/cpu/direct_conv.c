/* Direct stride-1 convolution with AVX-512 or AVX2 (see cpu_kernels.h).
 *
 * im2col copies every input pixel K*K times, and the copies go through
 * memory once more when OpenBLAS packs them. Here each input row is copied
 * only K times, shifted by kj = 0 .. K-1 ("shifted copies"); the row of the
 * column matrix for tap (c, ki, kj) is then a window that starts ki rows
 * down in copy (c, kj), so the matrix product reads its operand rows
 * straight from the copies. The product itself runs in register tiles
 * (direct_body.h) with the bias and the activation applied on the way out.
 *
 * The body is compiled for each instruction set below; dlab_cpu_level()
 * picks one at run time. */
#include <stddef.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

#define SLACK_FLOATS 64 /* zeros after each copy: whole vectors may read past the end */

/* Floats of one sample's copies, before the slack. */
static size_t shift_floats(const DlabDirectConv *d) {
  return (size_t)d->channels * d->kernel * d->in_h * d->out_w;
}

/* Zeros from the end of the copies to the next sample's (the slack and the
 * rounding to whole cache lines): a vector read past the last row meets
 * zeros, and zero times a zero gradient adds nothing (garbage could be a
 * NaN). */
static void zero_slack(const DlabDirectConv *d, float *shifted) {
  const size_t used = shift_floats(d);
  memset(shifted + used, 0, (d->shift_stride - used) * sizeof *shifted);
}

#if DLAB_X86
#include <immintrin.h>

/* ---- AVX-512 ---- */

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

/* The lanes' sums of 16 vectors as one vector, element i the sum of v[i]:
 * each level adds pairs of halves of two vectors, so 15 additions (and
 * twice as many shuffles) do what 16 separate reductions do in 64. */
AVX512_TARGET static inline __m512 hsum16_avx512(const __m512 *v) {
  __m512 b[8], c[4], d[2];
  for (int k = 0; k < 8; k++) /* per 128-bit lane: v2k's e0+e2, v2k+1's e0+e2, v2k's e1+e3, v2k+1's e1+e3 */
    b[k] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]), _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]));
  for (int m = 0; m < 4; m++) /* per 128-bit lane: the lane's sum of v4m .. v4m+3 */
    c[m] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(b[2 * m]), _mm512_castps_pd(b[2 * m + 1]))),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(b[2 * m]), _mm512_castps_pd(b[2 * m + 1]))));
  for (int n = 0; n < 2; n++) /* lanes 0, 1 + lanes 2, 3 of each, side by side */
    d[n] = _mm512_add_ps(_mm512_shuffle_f32x4(c[2 * n], c[2 * n + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(c[2 * n], c[2 * n + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm512_add_ps(_mm512_shuffle_f32x4(d[0], d[1], _MM_SHUFFLE(2, 0, 2, 0)),
                       _mm512_shuffle_f32x4(d[0], d[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

/* sums[i] = the sum of the lanes of v[i], i < n. */
AVX512_TARGET static inline void hsum_many_avx512(const __m512 *v, int n, float *sums) {
  for (int i = 0; i < n; i += 16) {
    __m512 group[16];
    const int live = n - i < 16 ? n - i : 16;
    for (int k = 0; k < 16; k++) group[k] = k < live ? v[i + k] : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(sums + i, dlab_lanes16(0, live), hsum16_avx512(group));
  }
}

#define V __m512
#define LANES 16
#define VZERO() _mm512_setzero_ps()
#define VLOAD(p) _mm512_loadu_ps(p)
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSTORE_N(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1u), v)
#define VLEAKY(v, s) \
  _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_mul_ps(v, _mm512_set1_ps(s)), v)
#define VHSUM_MANY(v, n, sums) hsum_many_avx512(v, n, sums)
/* 8 x 2 accumulators: with 8 x 3 GCC spilled the pixel vectors to the
 * stack inside the tap loop and the kernel ran at half the speed (CIFAR's
 * 32 -> 32 5x5 layer, one Zen 5 core: 111 GFLOP/s, 193 with 8 x 2). */
#define MR 8
#define NR 2
#define WR 4
#define WK 6
#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,avx2")))
#define INLINE static inline __attribute__((always_inline)) TARGET
#define NAME(x) x##_avx512
#include "direct_body.h"
#undef V
#undef LANES
#undef VZERO
#undef VLOAD
#undef VBCAST
#undef VSET1
#undef VFMA
#undef VADD
#undef VSTORE_N
#undef VLEAKY
#undef VHSUM_MANY
#undef MR
#undef NR
#undef WR
#undef WK
#undef TARGET
#undef INLINE
#undef NAME

/* ---- AVX2 + FMA ---- */
__attribute__((target("avx2,fma"))) static inline void store_n_avx2(float *p, __m256 v, int n) {
  if (n == 8) {
    _mm256_storeu_ps(p, v);
    return;
  }
  __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  _mm256_maskstore_ps(p, mask, v);
}

__attribute__((target("avx2,fma"))) static inline float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#define V __m256
#define LANES 8
#define VZERO() _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VBCAST(p) _mm256_broadcast_ss(p)
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSTORE_N(p, v, n) store_n_avx2(p, v, n)
#define VLEAKY(v, s) \
  _mm256_blendv_ps(_mm256_mul_ps(v, _mm256_set1_ps(s)), v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ))
#define VHSUM_MANY(v, n, sums) \
  do { \
    for (int h_ = 0; h_ < (n); h_++) (sums)[h_] = hsum_avx2((v)[h_]); \
  } while (0)
#define MR 4
#define NR 3
#define WR 3
#define WK 4
#define TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET
#define NAME(x) x##_avx2
#include "direct_body.h"
#endif /* DLAB_X86 */

int dlab_direct_conv_available(void) { return dlab_cpu_level() >= DLAB_CPU_AVX2; }

int dlab_direct_conv_init(DlabDirectConv *d, int channels, int height, int width, int kernel, int pad,
                          int out_channels, int in_stride) {
  memset(d, 0, sizeof *d);
  if (channels < 1 || height < 1 || width < 1 || kernel < 1 || pad < 0 || out_channels < 1) return -1;
  d->channels = channels;
  d->height = height;
  d->width = width;
  d->kernel = kernel;
  d->pad = pad;
  d->out_channels = out_channels;
  d->in_stride = in_stride > 0 ? in_stride : height * width;
  d->in_h = height + 2 * pad;
  d->out_h = d->in_h - kernel + 1;
  d->out_w = width + 2 * pad - kernel + 1;
  if (d->out_h < 1 || d->out_w < 1) return -1;
  d->out_stride = d->out_h * d->out_w;
  /* each sample's copies start on a cache line (in a 64-byte aligned
   * buffer): split loads cost the weight gradient 5-15% */
  d->shift_stride = (shift_floats(d) + 15) / 16 * 16 + SLACK_FLOATS;
  return 0;
}

#if DLAB_X86
#define MAX_SHIFT_PIECES 64 /* 16-float pieces of a row: out_w <= 1024 */
#define MAX_SHIFT_KERNEL 16

/* The same copies with masked loads: lanes that fall into the padding are
 * masked off (a masked-off lane never faults), so a piece of 16 floats is
 * one load and one store whatever its padding. The stores are whole
 * vectors: what spills past a row's end is overwritten by the next row,
 * or lands in the slack, which is zeroed last. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) static void shift_avx512(const DlabDirectConv *d,
                                                                                       const float *image,
                                                                                       float *shifted) {
  const int K = d->kernel, OW = d->out_w, p = d->pad, pieces = (OW + 15) / 16;
  const __m512 zero = _mm512_setzero_ps();
  /* lanes of each piece of copy kj that read the image: columns [p - kj, W + p - kj) */
  __mmask16 read[MAX_SHIFT_KERNEL][MAX_SHIFT_PIECES];
  for (int kj = 0; kj < K; kj++)
    for (int q = 0; q < pieces; q++) read[kj][q] = dlab_lanes16(p - kj - 16 * q, d->width + p - kj - 16 * q);
  /* in memory order, so that each spill is overwritten afterwards */
  float *row = shifted;
  for (int c = 0; c < d->channels; c++)
    for (int kj = 0; kj < K; kj++) {
      const float *channel = image + (size_t)c * d->in_stride + kj - p;
      for (int r = 0; r < d->in_h; r++, row += OW) {
        const int src_r = r - p;
        if (src_r < 0 || src_r >= d->height) {
          for (int q = 0; q < pieces; q++) _mm512_storeu_ps(row + 16 * q, zero);
          continue;
        }
        const float *src = channel + (size_t)src_r * d->width;
        for (int q = 0; q < pieces; q++)
          _mm512_storeu_ps(row + 16 * q, _mm512_maskz_loadu_ps(read[kj][q], src + 16 * q));
      }
    }
  zero_slack(d, shifted);
}

/* The same with AVX2's masked loads (which never fault on a masked-off
 * lane either), 8 floats a piece; the masks of one copy are worked out
 * before its rows. */
#define MAX_SHIFT_PIECES8 (2 * MAX_SHIFT_PIECES)
__attribute__((target("avx2,fma"))) static void shift_avx2(const DlabDirectConv *d, const float *image,
                                                          float *shifted) {
  const int K = d->kernel, OW = d->out_w, p = d->pad, pieces = (OW + 7) / 8;
  const __m256 zero = _mm256_setzero_ps();
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i read[MAX_SHIFT_PIECES8];
  float *row = shifted;
  for (int c = 0; c < d->channels; c++)
    for (int kj = 0; kj < K; kj++) {
      /* lanes of piece q that read the image: columns [p - kj, W + p - kj) */
      for (int q = 0; q < pieces; q++) {
        const int first = p - kj - 8 * q, last = d->width + p - kj - 8 * q;
        read[q] = _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(last), lane),
                                   _mm256_cmpgt_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(1)),
                                                      _mm256_set1_epi32(first)));
      }
      const float *channel = image + (size_t)c * d->in_stride + kj - p;
      for (int r = 0; r < d->in_h; r++, row += OW) {
        const int src_r = r - p;
        if (src_r < 0 || src_r >= d->height) {
          for (int q = 0; q < pieces; q++) _mm256_storeu_ps(row + 8 * q, zero);
          continue;
        }
        const float *src = channel + (size_t)src_r * d->width;
        for (int q = 0; q < pieces; q++) _mm256_storeu_ps(row + 8 * q, _mm256_maskload_ps(src + 8 * q, read[q]));
      }
    }
  zero_slack(d, shifted);
}
#endif

static void shift_generic(const DlabDirectConv *d, const float *image, float *shifted);

void dlab_direct_shift(const DlabDirectConv *d, const float *image, float *shifted) {
#if DLAB_X86
  if (dlab_cpu_level() >= DLAB_CPU_AVX512 && d->out_w <= 16 * MAX_SHIFT_PIECES &&
      d->kernel <= MAX_SHIFT_KERNEL) {
    shift_avx512(d, image, shifted);
    return;
  }
  if (dlab_cpu_level() >= DLAB_CPU_AVX2 && d->out_w <= 8 * MAX_SHIFT_PIECES8) {
    shift_avx2(d, image, shifted);
    return;
  }
#endif
  shift_generic(d, image, shifted);
}

/* copy (c, kj), row r, column ow = padded input (r, ow + kj). */
DLAB_CLONES
static void shift_generic(const DlabDirectConv *d, const float *image, float *shifted) {
  const int K = d->kernel, OW = d->out_w, p = d->pad;
  for (int c = 0; c < d->channels; c++) {
    const float *channel = image + (size_t)c * d->in_stride;
    for (int kj = 0; kj < K; kj++) {
      float *block = shifted + ((size_t)c * K + kj) * d->in_h * OW;
      /* columns ow with 0 <= ow + kj - p < width read the image */
      int lo = p - kj > 0 ? p - kj : 0, hi = d->width + p - kj < OW ? d->width + p - kj : OW;
      if (hi < lo) hi = lo;
      for (int r = 0; r < d->in_h; r++) {
        float *row = block + (size_t)r * OW;
        int src_r = r - p;
        if (src_r < 0 || src_r >= d->height) {
          memset(row, 0, (size_t)OW * sizeof *row);
          continue;
        }
        const float *src = channel + (size_t)src_r * d->width + kj - p;
        for (int ow = 0; ow < lo; ow++) row[ow] = 0.0f;
        for (int ow = lo; ow < hi; ow++) row[ow] = src[ow];
        for (int ow = hi; ow < OW; ow++) row[ow] = 0.0f;
      }
    }
  }
  zero_slack(d, shifted);
}

void dlab_direct_forward(const DlabDirectConv *d, const float *weight, const float *shifted, const float *bias,
                         DlabAct act, float *out) {
#if DLAB_X86
  if (dlab_cpu_level() >= DLAB_CPU_AVX512)
    direct_forward_avx512(d, weight, shifted, bias, act, out);
  else
    direct_forward_avx2(d, weight, shifted, bias, act, out);
#else
  (void)d, (void)weight, (void)shifted, (void)bias, (void)act, (void)out;
#endif
}

void dlab_direct_weight_grad(const DlabDirectConv *d, const float *dy, const float *shifted, int samples,
                             float *dw, int accumulate) {
#if DLAB_X86
  if (dlab_cpu_level() >= DLAB_CPU_AVX512)
    direct_weight_grad_avx512(d, dy, shifted, samples, dw, accumulate);
  else
    direct_weight_grad_avx2(d, dy, shifted, samples, dw, accumulate);
#else
  (void)d, (void)dy, (void)shifted, (void)samples, (void)dw, (void)accumulate;
#endif
}
