/* The direct convolution's two weight-gradient kernels (kernels/cpu:
 * pixels in the lanes, direct_body.h; output channels in the lanes,
 * direct_wgrad.c) against the definition, summed in double:
 *   dw[oc][c][ki][kj] = sum over samples s and output pixels (oh, ow) of
 *                       dy[s][oc][oh][ow] * x[s][c][oh + ki - pad][ow + kj - pad]
 * (zero outside the image), from the images themselves, not from the
 * shifted copies. Geometries: channel counts around the vector width (16,
 * 17, 32, 33, 48, 64: whole and partial vectors, one or two per tile), tap
 * counts that leave every kind of tail after the 12-tap tiles, padding and
 * none, rows shorter and longer than a vector, 1 to 3 samples; and with
 * `accumulate` the sums go on top of what dw held. The two kernels add in
 * different orders, so each is held to a bound relative to the sum of
 * the terms' magnitudes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "test_util.h"

static float *alloc_aligned(size_t n) { return aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64); }

typedef struct {
  int channels, size, kernel, pad, out_channels, samples;
} Case;

/* The reference and the bound: sum and sum of magnitudes of the terms. */
static void reference(const DlabDirectConv *d, const float *x, const float *dy, int samples, double *sum,
                      double *magnitude) {
  const int K = d->kernel, kdim = d->channels * K * K;
  for (int oc = 0; oc < d->out_channels; oc++)
    for (int k = 0; k < kdim; k++) {
      const int c = k / (K * K), ki = k / K % K, kj = k % K;
      double s_sum = 0, s_mag = 0;
      for (int s = 0; s < samples; s++)
        for (int oh = 0; oh < d->out_h; oh++)
          for (int ow = 0; ow < d->out_w; ow++) {
            const int ih = oh + ki - d->pad, iw = ow + kj - d->pad;
            if (ih < 0 || ih >= d->height || iw < 0 || iw >= d->width) continue;
            const double term = (double)dy[((size_t)s * d->out_channels + oc) * d->out_stride + oh * d->out_w + ow] *
                                x[(((size_t)s * d->channels + c) * d->height + ih) * d->width + iw];
            s_sum += term;
            s_mag += fabs(term);
          }
      sum[(size_t)oc * kdim + k] = s_sum;
      magnitude[(size_t)oc * kdim + k] = s_mag;
    }
}

/* Worst error of dw - before against the reference, in units of the bound. */
static double worst(const float *dw, const float *before, const double *sum, const double *magnitude, size_t n) {
  double w = 0;
  for (size_t i = 0; i < n; i++) {
    const double err = fabs((double)dw[i] - (before ? before[i] : 0.0) - sum[i]) / (1e-5 * magnitude[i] + 1e-30);
    if (!(err <= w)) w = err; /* NaN counts as the worst */
  }
  return w;
}

static void check(const Case *t, unsigned seed) {
  DlabDirectConv d;
  if (dlab_direct_conv_init(&d, t->channels, t->size, t->size, t->kernel, t->pad, t->out_channels, 0) < 0) {
    tap_ok(0, "init failed for %d -> %d, %dx%d, k%d p%d", t->channels, t->out_channels, t->size, t->size,
           t->kernel, t->pad);
    return;
  }
  d.out_stride = (d.out_h * d.out_w + 15) / 16 * 16; /* as the layer lays dY out */
  const int kdim = t->channels * t->kernel * t->kernel, S = t->samples;
  const size_t n_x = (size_t)S * t->channels * t->size * t->size, n_dy = (size_t)S * t->out_channels * d.out_stride;
  const size_t n_w = (size_t)t->out_channels * kdim;
  float *x = alloc_aligned(n_x), *dy = alloc_aligned(n_dy), *shifted = alloc_aligned(S * d.shift_stride);
  float *dyt = alloc_aligned(dlab_direct_dyt_floats(&d, S)), *dw = alloc_aligned(n_w), *start = alloc_aligned(n_w);
  double *sum = malloc(n_w * sizeof *sum), *magnitude = malloc(n_w * sizeof *magnitude);
  test_random_floats(x, n_x, &seed);
  test_random_floats(dy, n_dy, &seed);
  test_random_floats(start, n_w, &seed);
  const int P = d.out_h * d.out_w; /* dY rows are zero past the pixels, as the layer keeps them */
  for (size_t row = 0; row < (size_t)S * t->out_channels; row++)
    memset(dy + row * d.out_stride + P, 0, (size_t)(d.out_stride - P) * sizeof *dy);
  for (int s = 0; s < S; s++)
    dlab_direct_shift(&d, x + (size_t)s * t->channels * t->size * t->size, shifted + (size_t)s * d.shift_stride);
  reference(&d, x, dy, S, sum, magnitude);

  char what[128];
  snprintf(what, sizeof what, "%d -> %d channels, %dx%d, k%d p%d, %d sample%s", t->channels, t->out_channels,
           t->size, t->size, t->kernel, t->pad, S, S > 1 ? "s" : "");
  for (int accumulate = 0; accumulate < 2; accumulate++) {
    memcpy(dw, start, n_w * sizeof *dw);
    dlab_direct_weight_grad(&d, dy, shifted, S, dw, accumulate);
    double e = worst(dw, accumulate ? start : NULL, sum, magnitude, n_w);
    tap_ok(e < 1, "pixels in the lanes, %s%s: worst error %.3f of the bound", what,
           accumulate ? ", accumulating" : "", e);
    if (!dlab_direct_wgrad_by_channel(&d)) continue;
    memcpy(dw, start, n_w * sizeof *dw);
    dlab_direct_weight_grad_by_channel(&d, dy, dyt, shifted, S, dw, accumulate);
    e = worst(dw, accumulate ? start : NULL, sum, magnitude, n_w);
    tap_ok(e < 1, "channels in the lanes, %s%s: worst error %.3f of the bound", what,
           accumulate ? ", accumulating" : "", e);
  }
  free(x), free(dy), free(shifted), free(dyt), free(dw), free(start), free(sum), free(magnitude);
}

int main(void) {
  if (!dlab_direct_conv_available()) {
    tap_skip_all("the direct kernels need AVX2");
    return 0;
  }
  /* taps C*K*K: 150 = 12*12 + 6, 400 = 33*12 + 4, 800 = 66*12 + 8,
   * 153 = 12*12 + 9, 144 = 12*12, 162 = 13*12 + 6, 200 = 16*12 + 8,
   * 175 = 14*12 + 7, 325 = 27*12 + 1 */
  const Case cases[] = {
      {6, 14, 5, 0, 16, 3},  /* LeNet's second layer */
      {16, 13, 5, 0, 32, 2}, /* DigitNet's */
      {32, 16, 5, 2, 32, 2}, /* CIFAR's */
      {32, 8, 5, 2, 64, 1},  {17, 3, 3, 1, 17, 2}, {16, 9, 3, 1, 33, 3}, {18, 7, 3, 0, 48, 2},
      {8, 5, 5, 2, 33, 1},   {6, 21, 5, 2, 16, 1}, {7, 10, 5, 2, 32, 2}, {13, 6, 5, 2, 16, 1},
      {3, 9, 5, 2, 32, 2}, /* 75 taps: pixels in the lanes */
  };
  unsigned seed = 20261207u;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check(&cases[i], seed + (unsigned)i);
  if (!dlab_direct_wgrad_by_channel(&(DlabDirectConv){.channels = 32, .kernel = 5, .out_channels = 32}))
    printf("# this processor has no AVX-512: only the pixels-in-the-lanes kernel was checked\n");
  return tap_done();
}
