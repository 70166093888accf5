/* Element-wise work that the layers fuse into their passes (see
 * cpu_kernels.h): bias + activation on the way out of a matrix product,
 * max pooling of the plane just written, and their adjoints. Plain loops
 * that the compiler vectorizes, built for AVX-512, AVX2 and the baseline. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

/* A division, not a multiplication by 1/255: the quotient is the one a
 * scalar division gives, and vector division rounds the same way. */
DLAB_CLONES
void dlab_cpu_normalize_bytes(const uint8_t *restrict in, size_t n, float mean, float scale, float *restrict out) {
  for (size_t i = 0; i < n; i++) out[i] = ((float)in[i] / 255.0f - mean) * scale;
}

DLAB_CLONES
void dlab_cpu_bias_act(const float *in, size_t n, float bias, DlabAct act, float *out) {
  if (!act.on) {
    for (size_t i = 0; i < n; i++) out[i] = in[i] + bias;
    return;
  }
  const float slope = act.slope;
  for (size_t i = 0; i < n; i++) {
    float v = in[i] + bias;
    out[i] = v > 0.0f ? v : v * slope;
  }
}

DLAB_CLONES
void dlab_cpu_bias_act_rows(float *y, int rows, int cols, int ld, const float *bias, DlabAct act) {
  const float slope = act.on ? act.slope : 1.0f;
  for (int r = 0; r < rows; r++) {
    float *row = y + (size_t)r * ld;
    if (bias)
      for (int c = 0; c < cols; c++) row[c] += bias[c];
    if (act.on)
      for (int c = 0; c < cols; c++) row[c] = row[c] > 0.0f ? row[c] : row[c] * slope;
  }
}

DLAB_CLONES
void dlab_cpu_column_sums(const float *x, int rows, int cols, int c0, int c1, float *out) {
  for (int c = c0; c < c1; c++) out[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * cols;
    for (int c = c0; c < c1; c++) out[c] += row[c];
  }
}

DLAB_CLONES
void dlab_cpu_act_backward(const float *dy, const float *y, size_t n, DlabAct act, float *dx) {
  if (!act.on) {
    if (dx != dy) memcpy(dx, dy, n * sizeof *dx);
    return;
  }
  const float slope = act.slope;
  for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : dy[i] * slope;
}

DLAB_CLONES
double dlab_cpu_sum(const float *x, size_t n) {
  float lane[16] = {0};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) lane[k] += x[i + k];
  double sum = 0.0;
  for (int k = 0; k < 16; k++) sum += lane[k];
  for (; i < n; i++) sum += x[i];
  return sum;
}

/* One 2x2 window: a b on the first row, c d on the second, scanned in that
 * order; a later value wins when it is larger or NaN. */
static inline void max4(float a, float b, float c, float d, int ia, int ib, int ic, int id, float *best,
                        int32_t *at) {
  float m = a;
  int32_t w = ia;
  if (b > m || isnan(b)) m = b, w = ib;
  if (c > m || isnan(c)) m = c, w = ic;
  if (d > m || isnan(d)) m = d, w = id;
  *best = m;
  *at = w;
}

#if DLAB_X86
/* Whether the AVX2 pooling kernels run. */
static int wide_pool(void) { return dlab_cpu_level() >= DLAB_CPU_AVX2; }
#endif

static void maxpool2_plane(const float *in, int h, int w, float *out, int32_t *arg) {
  const int oh = h / 2, ow = w / 2;
#if DLAB_X86
  if (wide_pool()) {
    for (int r = 0; r < oh; r++) dlab_maxpool2_row_avx2(in, w, r, out, arg);
    return;
  }
#endif
  for (int r = 0; r < oh; r++) {
    const float *top = in + (size_t)(2 * r) * w, *bottom = top + w;
    const int base = 2 * r * w;
    for (int c = 0; c < ow; c++) {
      const int j = 2 * c;
      max4(top[j], top[j + 1], bottom[j], bottom[j + 1], base + j, base + j + 1, base + w + j,
           base + w + j + 1, &out[r * ow + c], &arg[r * ow + c]);
    }
  }
}

void dlab_cpu_maxpool_plane(const float *in, int h, int w, int k, float *out, int32_t *arg) {
  if (k == 2) {
    maxpool2_plane(in, h, w, out, arg);
    return;
  }
  const int oh = h / k, ow = w / k;
  for (int r = 0; r < oh; r++)
    for (int c = 0; c < ow; c++) {
      int32_t at = r * k * w + c * k;
      float best = in[at];
      for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
          int32_t p = (r * k + i) * w + c * k + j;
          float v = in[p];
          if (v > best || isnan(v)) best = v, at = p;
        }
      out[r * ow + c] = best;
      arg[r * ow + c] = at;
    }
}

void dlab_cpu_unpool2_plane(const float *dy, const float *y, const int32_t *arg, int h, int w, DlabAct act,
                            float *dst, int plane) {
  const int oh = h / 2;
#if DLAB_X86
  if (wide_pool()) {
    /* Every pixel of every window written once, eight windows at a time. */
    for (int r = 0; r < oh; r++) {
      dlab_unpool2_row_avx2(dy, y, arg, w, r, act, dst);
      if (w % 2) dst[(size_t)(2 * r + 1) * w - 1] = dst[(size_t)(2 * r + 2) * w - 1] = 0.0f; /* no window's column */
    }
    /* the row no window reads, and the rest of the plane */
    memset(dst + (size_t)2 * oh * w, 0, (size_t)(plane - 2 * oh * w) * sizeof *dst);
    return;
  }
#endif
  /* Zeroing everything and then storing the winners keeps the loop free of
   * branches: which pixel of its window won is random. */
  dlab_cpu_unpool_plane(dy, y, arg, oh * (w / 2), act, dst, plane);
}

void dlab_cpu_unpool_plane(const float *dy, const float *y, const int32_t *arg, int n_out, DlabAct act,
                           float *dst, int plane) {
  memset(dst, 0, (size_t)plane * sizeof *dst);
  if (!act.on) {
    for (int o = 0; o < n_out; o++) dst[arg[o]] = dy[o];
    return;
  }
  for (int o = 0; o < n_out; o++) dst[arg[o]] = y[o] > 0.0f ? dy[o] : dy[o] * act.slope;
}
