/* The direct convolution's weight gradient vectorized over output channels
 * (AVX-512), for layers with 16 output channels or more and enough taps.
 *
 * dlab_direct_weight_grad (direct_body.h) puts pixels in the vector lanes:
 * each (output channel, tap) pair sums its products in a vector whose lanes
 * are added up at the end, and every multiply-add needs a row of the
 * shifted copies and a row of dY, both streamed from L2. Here the lanes are
 * 16 output channels: dY is first transposed to [pixel][channel], so one
 * aligned load gives 16 channels' gradients at a pixel, and one broadcast
 * of a shifted copy's value at that pixel multiplies them for a tap. A tile
 * of 12 taps x 32 channels keeps 24 sums in registers with 14 loads per 24
 * multiply-adds, and its sums are already the weight gradient's, without
 * adding up lanes. (One Zen 5 core, hot, GFLOP/s: DigitNet's 16 -> 32 5x5
 * layer 113 -> 192, CIFAR's 32 -> 32 5x5 149 -> 190, LeNet's 6 -> 16 5x5,
 * with half the tile, 113 -> 140.) With fewer channels most lanes would
 * be empty, and pixels in the lanes win. */
#include <stddef.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

#define MIN_CHANNELS 16
/* Each tile reads all of the chunk's dY^T for its 12 taps: with few taps
 * (CIFAR's first layer: 3 channels, 75 taps, 32 x 32 pixels) that is much
 * reading for little work, and pixels in the lanes win (129 GFLOP/s
 * against 83). */
#define MIN_TAPS 128

/* Output channels rounded up to whole vectors: the columns of dY^T. */
static int padded_channels(const DlabDirectConv *d) { return (d->out_channels + 15) / 16 * 16; }

int dlab_direct_wgrad_by_channel(const DlabDirectConv *d) {
  return dlab_cpu_level() >= DLAB_CPU_AVX512 && d->out_channels >= MIN_CHANNELS &&
         d->channels * d->kernel * d->kernel >= MIN_TAPS;
}

size_t dlab_direct_dyt_floats(const DlabDirectConv *d, int samples) {
  return (size_t)samples * d->out_h * d->out_w * padded_channels(d);
}

/* dyt[s][p][oc] = dy[s][oc][p], zero for oc >= OC. */
static void transpose_dy(const DlabDirectConv *d, const float *dy, int samples, float *dyt) {
  const int P = d->out_h * d->out_w, OC = d->out_channels, ocp = padded_channels(d);
  for (int s = 0; s < samples; s++) {
    float *to = dyt + (size_t)s * P * ocp;
    dlab_transpose(dy + (size_t)s * OC * d->out_stride, OC, P, d->out_stride, to, ocp);
    if (ocp > OC)
      for (int p = 0; p < P; p++) memset(to + (size_t)p * ocp + OC, 0, (size_t)(ocp - OC) * sizeof *to);
  }
}

#if DLAB_X86
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define INLINE static inline __attribute__((always_inline)) TARGET

typedef struct {
  const DlabDirectConv *d;
  const float *dyt, *shifted;
  int samples, accumulate;
  float *dw;
} WgradJob;

/* Taps [k0, k0 + live) x channels [16*j0, 16*(j0 + NO)): TK and NO are
 * constants after inlining, so acc[][] lives in registers. Taps past
 * `live` repeat the last live one and are not stored. */
INLINE void tile(const WgradJob *j, int k0, int live, int j0, const int TK, const int NO) {
  const DlabDirectConv *d = j->d;
  const int K = d->kernel, P = d->out_h * d->out_w, ocp = padded_channels(d);
  const size_t block = (size_t)d->in_h * d->out_w;
  size_t offset[12]; /* where tap t's window starts in a sample's copies (TK <= 12) */
  for (int t = 0; t < TK; t++) {
    const int k = k0 + (t < live ? t : live - 1), c = k / (K * K), ki = k / K % K, kj = k % K;
    offset[t] = ((size_t)c * K + kj) * block + (size_t)ki * d->out_w;
  }
  __m512 acc[12][2];
  for (int t = 0; t < TK; t++)
    for (int v = 0; v < NO; v++) acc[t][v] = _mm512_setzero_ps();
  for (int s = 0; s < j->samples; s++) {
    const float *b = j->shifted + (size_t)s * d->shift_stride;
    const float *g = j->dyt + (size_t)s * P * ocp + 16 * j0;
    for (int p = 0; p < P; p++, g += ocp) {
      __m512 dv[2];
      for (int v = 0; v < NO; v++) dv[v] = _mm512_load_ps(g + 16 * v);
      for (int t = 0; t < TK; t++) {
        const __m512 a = _mm512_set1_ps(b[offset[t] + p]);
        for (int v = 0; v < NO; v++) acc[t][v] = _mm512_fmadd_ps(a, dv[v], acc[t][v]);
      }
    }
  }
  const int kdim = d->channels * K * K;
  for (int v = 0; v < NO; v++) {
    const int oc0 = 16 * (j0 + v), lanes = d->out_channels - oc0 < 16 ? d->out_channels - oc0 : 16;
    for (int t = 0; t < TK && t < live; t++) {
      float sums[16];
      _mm512_storeu_ps(sums, acc[t][v]);
      float *to = j->dw + (size_t)oc0 * kdim + k0 + t;
      for (int l = 0; l < lanes; l++, to += kdim) *to = j->accumulate ? *to + sums[l] : sums[l];
    }
  }
}

/* Every tap for channel vectors [j0, j0 + NO). */
INLINE void tap_tiles(const WgradJob *j, int j0, const int NO) {
  const int kdim = j->d->channels * j->d->kernel * j->d->kernel;
  int k0 = 0;
  for (; k0 + 12 <= kdim; k0 += 12) tile(j, k0, 12, j0, 12, NO);
  if (kdim - k0 > 6)
    tile(j, k0, kdim - k0, j0, 12, NO);
  else if (kdim > k0)
    tile(j, k0, kdim - k0, j0, 6, NO); /* a short tail: less waste */
}

TARGET static void weight_grad_avx512(const WgradJob *j) {
  const int vectors = padded_channels(j->d) / 16;
  int j0 = 0;
  for (; j0 + 2 <= vectors; j0 += 2) tap_tiles(j, j0, 2);
  if (j0 < vectors) tap_tiles(j, j0, 1);
}
#endif /* DLAB_X86 */

void dlab_direct_weight_grad_by_channel(const DlabDirectConv *d, const float *dy, float *dyt, const float *shifted,
                                        int samples, float *dw, int accumulate) {
  transpose_dy(d, dy, samples, dyt);
#if DLAB_X86
  const WgradJob j = {d, dyt, shifted, samples, accumulate, dw};
  weight_grad_avx512(&j);
#else
  (void)shifted, (void)dw, (void)accumulate;
#endif
}
