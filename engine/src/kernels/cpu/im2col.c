/* im2col and col2im for one sample (see cpu_kernels.h).
 *
 * Both walk the column matrix row by row (one kernel tap per row) and work
 * out once per row which output positions read a real pixel and which read
 * padding, so the inner loops carry no bounds tests: padding is a memset,
 * stride 1 is a memcpy (or a plain add loop the compiler vectorizes). */
#include "kernels/cpu/cpu_kernels.h"

#include <string.h>

#include "simd.h"
#if DLAB_X86
#include <immintrin.h>
#endif

static int out_size(int in, int kernel, int stride, int pad) {
  int span = in + 2 * pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

int dlab_conv_geom_init(DlabConvGeom *geom, int channels, int height, int width, int kernel,
                        int stride, int pad) {
  if (channels < 1 || height < 1 || width < 1 || kernel < 1 || stride < 1 || pad < 0) return -1;
  geom->channels = channels;
  geom->height = height;
  geom->width = width;
  geom->kernel = kernel;
  geom->stride = stride;
  geom->pad = pad;
  geom->out_h = out_size(height, kernel, stride, pad);
  geom->out_w = out_size(width, kernel, stride, pad);
  return geom->out_h >= 1 && geom->out_w >= 1 ? 0 : -1;
}

/* Output positions o in [*lo, *hi) read input index o*stride + offset inside
 * [0, n_in); the others read padding. offset = tap - pad. */
static void valid_range(int n_in, int n_out, int stride, int offset, int *lo, int *hi) {
  int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int last_in = n_in - 1 - offset; /* largest o*stride allowed */
  int end = last_in < 0 ? 0 : last_in / stride + 1;
  if (end > n_out) end = n_out;
  if (first > end) first = end;
  *lo = first;
  *hi = end;
}

/* One output row of one tap: dst[ow] = src[ow*stride + offset], zero outside. */
static void gather_row(const float *src, int stride, int offset, int lo, int hi, int n_out,
                       float *dst) {
  memset(dst, 0, (size_t)lo * sizeof *dst);
  if (stride == 1) {
    memcpy(dst + lo, src + lo + offset, (size_t)(hi - lo) * sizeof *dst);
  } else {
    const float *s = src + lo * stride + offset;
    for (int o = lo; o < hi; o++, s += stride) dst[o] = *s;
  }
  memset(dst + hi, 0, (size_t)(n_out - hi) * sizeof *dst);
}

/* The adjoint of gather_row: dst[ow*stride + offset] += src[ow] where valid. */
static void scatter_row(const float *src, int stride, int offset, int lo, int hi, float *dst) {
  if (stride == 1) {
    float *d = dst + lo + offset;
    const float *s = src + lo;
    for (int i = 0; i < hi - lo; i++) d[i] += s[i];
  } else {
    float *d = dst + lo * stride + offset;
    for (int o = lo; o < hi; o++, d += stride) *d += src[o];
  }
}

#if DLAB_X86
#define IM2COL_MAX_PIECES 8 /* 16-pixel pieces of an output row: width <= 128 */
#define IM2COL_MAX_KERNEL 16

/* Stride 1: each output row of each tap is one masked load and one masked
 * store per 16 pixels (lanes over padding load zeros), instead of a
 * memset, a memcpy of a few floats and another memset. */
__attribute__((target("avx512f"))) static void im2col_s1_avx512(const DlabConvGeom *g, const float *image, float *col,
                                                               int ldcol) {
  const int K = g->kernel, OH = g->out_h, OW = g->out_w, H = g->height, W = g->width, p = g->pad;
  const int pieces = (OW + 15) / 16;
  /* lanes ow = 16q + lane of the row (ow < OW), and those of them that read
   * column ow + kj - p inside [0, W) */
  __mmask16 inside[IM2COL_MAX_PIECES], reach[IM2COL_MAX_KERNEL][IM2COL_MAX_PIECES];
  for (int q = 0; q < pieces; q++) {
    inside[q] = dlab_lanes16(0, OW - 16 * q);
    for (int kj = 0; kj < K; kj++) reach[kj][q] = dlab_lanes16(p - kj - 16 * q, W + p - kj - 16 * q) & inside[q];
  }
  const __m512 zero = _mm512_setzero_ps();
  for (int c = 0; c < g->channels; c++) {
    const float *channel = image + (size_t)c * H * W;
    for (int ki = 0; ki < K; ki++)
      for (int kj = 0; kj < K; kj++) {
        float *row = col + ((size_t)(c * K + ki) * K + kj) * (size_t)ldcol;
        for (int oh = 0; oh < OH; oh++, row += OW) {
          const int ih = oh + ki - p;
          if (ih < 0 || ih >= H) {
            for (int q = 0; q < pieces; q++) _mm512_mask_storeu_ps(row + 16 * q, inside[q], zero);
            continue;
          }
          const float *src = channel + (size_t)ih * W + kj - p;
          for (int q = 0; q < pieces; q++)
            _mm512_mask_storeu_ps(row + 16 * q, inside[q], _mm512_maskz_loadu_ps(reach[kj][q], src + 16 * q));
        }
      }
  }
}
#endif

void dlab_cpu_im2col(const DlabConvGeom *g, const float *image, float *col, int ldcol) {
#if DLAB_X86
  if (g->stride == 1 && g->kernel <= IM2COL_MAX_KERNEL && g->out_w <= 16 * IM2COL_MAX_PIECES &&
      dlab_cpu_level() >= DLAB_CPU_AVX512) {
    im2col_s1_avx512(g, image, col, ldcol);
    return;
  }
#endif
  const int K = g->kernel, S = g->stride, OH = g->out_h, OW = g->out_w;
  const size_t plane = (size_t)g->height * g->width;
  for (int c = 0; c < g->channels; c++) {
    const float *channel = image + (size_t)c * plane;
    for (int ki = 0; ki < K; ki++) {
      int oh_lo, oh_hi;
      valid_range(g->height, OH, S, ki - g->pad, &oh_lo, &oh_hi);
      for (int kj = 0; kj < K; kj++) {
        int ow_lo, ow_hi;
        valid_range(g->width, OW, S, kj - g->pad, &ow_lo, &ow_hi);
        float *row = col + ((size_t)(c * K + ki) * K + kj) * (size_t)ldcol;
        memset(row, 0, (size_t)oh_lo * OW * sizeof *row);
        for (int oh = oh_lo; oh < oh_hi; oh++) {
          const float *src = channel + (size_t)(oh * S + ki - g->pad) * g->width;
          gather_row(src, S, kj - g->pad, ow_lo, ow_hi, OW, row + (size_t)oh * OW);
        }
        memset(row + (size_t)oh_hi * OW, 0, (size_t)(OH - oh_hi) * OW * sizeof *row);
      }
    }
  }
}

#if DLAB_X86
#define COL2IM_MAX_PIECES 8  /* 16-pixel pieces of an image row: width <= 128 */
#define COL2IM_MAX_KERNEL 16
#define COL2IM_ROWS 4 /* image rows summed together: independent chains of adds (a0 .. a3 below) */

/* acc plus the K taps (c, ki, 0 .. K-1) that land on one 16-pixel piece of
 * an image row, whose output row starts at `at` in copy kj = 0. */
__attribute__((target("avx512f"))) static inline __m512 add_taps(__m512 acc, const float *at, const __mmask16 *reach,
                                                                int K, size_t tap) {
  for (int kj = 0; kj < K; kj++) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(reach[kj], at + kj * tap - kj));
  return acc;
}

/* Stride 1, image row by image row: each 16-pixel piece of a row is summed
 * in registers from the column rows' entries that land on it, read with
 * masked loads (a masked-off lane never faults). The generic version adds
 * into memory, so that the taps that land on one pixel, 25 for a 5x5
 * kernel, wait on each other's stores; here they wait on an add. The sum of
 * each pixel runs in the same order (ki, then kj, from zero) and the
 * masked-off lanes add exact zeros, so the result is the same bit for bit.
 * The COL2IM_ROWS sums are named variables, not an array: an array indexed
 * by the row, with rows skipped at the edges, stayed in memory (GCC 12),
 * and each add waited on the store of the one before (DigitNet's 16 -> 32
 * 5x5: 7.4 us a sample in training, 4.8 us now). */
__attribute__((target("avx512f"))) static void col2im_s1_avx512(const DlabConvGeom *g, const float *col, int ldcol,
                                                               float *image) {
  const int K = g->kernel, OH = g->out_h, OW = g->out_w, H = g->height, W = g->width, p = g->pad;
  const int pieces = (W + 15) / 16;
  /* lanes of piece q that copy (c, ki, kj) reaches: x = 16q + lane with
   * 0 <= x + p - kj < OW (and x < W) */
  __mmask16 reach[COL2IM_MAX_PIECES][COL2IM_MAX_KERNEL], inside[COL2IM_MAX_PIECES];
  for (int q = 0; q < pieces; q++) {
    inside[q] = dlab_lanes16(0, W - 16 * q);
    for (int kj = 0; kj < K; kj++) reach[q][kj] = dlab_lanes16(kj - p - 16 * q, OW + kj - p - 16 * q) & inside[q];
  }
  const size_t tap = (size_t)ldcol;
  for (int c = 0; c < g->channels; c++) {
    const float *taps = col + (size_t)c * K * K * tap;
    float *plane = image + (size_t)c * H * W;
    for (int y = 0; y < H; y += COL2IM_ROWS) {
      const int rows = H - y < COL2IM_ROWS ? H - y : COL2IM_ROWS;
      for (int q = 0; q < pieces; q++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int ki = 0; ki < K; ki++) {
          /* image row y + r takes output row oh0 + r, where there is one */
          const int oh0 = y + p - ki;
          const float *at = taps + (size_t)ki * K * tap + 16 * q + p;
#define COL2IM_ROW(r, acc) \
  if (r < rows && oh0 + r >= 0 && oh0 + r < OH) acc = add_taps(acc, at + (size_t)(oh0 + r) * OW, reach[q], K, tap)
          COL2IM_ROW(0, a0);
          COL2IM_ROW(1, a1);
          COL2IM_ROW(2, a2);
          COL2IM_ROW(3, a3);
#undef COL2IM_ROW
        }
        float *out = plane + (size_t)y * W + 16 * q;
        _mm512_mask_storeu_ps(out, inside[q], a0);
        if (rows > 1) _mm512_mask_storeu_ps(out + W, inside[q], a1);
        if (rows > 2) _mm512_mask_storeu_ps(out + 2 * W, inside[q], a2);
        if (rows > 3) _mm512_mask_storeu_ps(out + 3 * W, inside[q], a3);
      }
    }
  }
}
#endif

void dlab_cpu_col2im(const DlabConvGeom *g, const float *col, int ldcol, float *image) {
#if DLAB_X86
  if (g->stride == 1 && g->kernel <= COL2IM_MAX_KERNEL && g->width <= 16 * COL2IM_MAX_PIECES &&
      dlab_cpu_level() >= DLAB_CPU_AVX512) {
    col2im_s1_avx512(g, col, ldcol, image);
    return;
  }
#endif
  const int K = g->kernel, S = g->stride, OW = g->out_w;
  const size_t plane = (size_t)g->height * g->width;
  memset(image, 0, (size_t)g->channels * plane * sizeof *image);
  for (int c = 0; c < g->channels; c++) {
    float *channel = image + (size_t)c * plane;
    for (int ki = 0; ki < K; ki++) {
      int oh_lo, oh_hi;
      valid_range(g->height, g->out_h, S, ki - g->pad, &oh_lo, &oh_hi);
      for (int kj = 0; kj < K; kj++) {
        int ow_lo, ow_hi;
        valid_range(g->width, OW, S, kj - g->pad, &ow_lo, &ow_hi);
        const float *row = col + ((size_t)(c * K + ki) * K + kj) * (size_t)ldcol;
        for (int oh = oh_lo; oh < oh_hi; oh++) {
          float *dst = channel + (size_t)(oh * S + ki - g->pad) * g->width;
          scatter_row(row + (size_t)oh * OW, S, kj - g->pad, ow_lo, ow_hi, dst);
        }
      }
    }
  }
}
