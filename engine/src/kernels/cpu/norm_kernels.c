/* Batch normalization (see cpu_kernels.h). Flat features: an N x C
 * matrix normalized per column, walked row after row so that every loop
 * runs along contiguous memory and vectorizes; sums are in double, in row
 * order, as the per-column scalar loops added them. Images: one plane of a
 * channel at a time, summed in 16 float lanes (a vector's worth, so the
 * loops vectorize without reassociating anything) added up in double. */
#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

/* act(v) and dy through act, written so that both sides of the choice are
 * computed: without that, GCC keeps the branch (the multiplication could
 * raise a floating-point exception it must not add) and the loops stay
 * scalar, with a mispredicted branch on every random sign. */
static inline float leaky(float v, float slope) {
  const float scaled = v * slope;
  return v > 0.0f ? v : scaled;
}

static inline float through(float dy, float y, float slope) {
  const float scaled = dy * slope;
  return y > 0.0f ? dy : scaled;
}

DLAB_CLONES
void dlab_cpu_bn_rows_stats(const float *restrict x, int rows, int cols, int c0, int c1, double *restrict mean,
                            double *restrict var) {
  for (int c = c0; c < c1; c++) mean[c] = var[c] = 0.0;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * cols;
    for (int c = c0; c < c1; c++) mean[c] += row[c];
  }
  for (int c = c0; c < c1; c++) mean[c] /= rows;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * cols;
    for (int c = c0; c < c1; c++) {
      double d = row[c] - mean[c];
      var[c] += d * d;
    }
  }
  for (int c = c0; c < c1; c++) var[c] /= rows;
}

DLAB_CLONES
void dlab_cpu_bn_rows_apply(const float *restrict x, int rows, int cols, int c0, int c1,
                            const float *restrict scale, const float *restrict shift, DlabAct act,
                            float *restrict y) {
  const float slope = act.on ? act.slope : 1.0f;
  for (int r = 0; r < rows; r++) {
    const float *in = x + (size_t)r * cols;
    float *out = y + (size_t)r * cols;
    for (int c = c0; c < c1; c++) {
      out[c] = leaky(in[c] * scale[c] + shift[c], slope);
    }
  }
}

DLAB_CLONES
void dlab_cpu_bn_rows_grad_sums(const float *restrict dy, const float *restrict y, DlabAct act,
                                const float *restrict x, int rows, int cols, int c0, int c1,
                                const float *restrict mean, const float *restrict invstd,
                                double *restrict sum_dy, double *restrict sum_dy_xhat) {
  const float slope = act.on ? act.slope : 1.0f;
  for (int c = c0; c < c1; c++) sum_dy[c] = sum_dy_xhat[c] = 0.0;
  for (int r = 0; r < rows; r++) {
    const size_t base = (size_t)r * cols;
    for (int c = c0; c < c1; c++) {
      const float g = act.on ? through(dy[base + c], y[base + c], slope) : dy[base + c];
      sum_dy[c] += g;
      sum_dy_xhat[c] += (double)g * (x[base + c] - mean[c]) * invstd[c];
    }
  }
}

DLAB_CLONES
void dlab_cpu_bn_rows_dx(const float *restrict dy, const float *restrict y, DlabAct act, const float *restrict x,
                         int rows, int cols, int c0, int c1, const float *restrict mean,
                         const float *restrict invstd, const float *restrict k, const float *restrict mean_dy,
                         const float *restrict mean_dy_xhat, float *restrict dx) {
  const float slope = act.on ? act.slope : 1.0f;
  for (int r = 0; r < rows; r++) {
    const size_t base = (size_t)r * cols;
    for (int c = c0; c < c1; c++) {
      const float g = act.on ? through(dy[base + c], y[base + c], slope) : dy[base + c];
      const float xhat = (x[base + c] - mean[c]) * invstd[c];
      dx[base + c] = k[c] * (g - mean_dy[c] - xhat * mean_dy_xhat[c]);
    }
  }
}

enum { LANES = 16 };

static double lanes_total(const float *lane) {
  double total = 0.0;
  for (int k = 0; k < LANES; k++) total += lane[k];
  return total;
}

DLAB_CLONES
double dlab_cpu_bn_plane_sqdev(const float *restrict x, size_t s, float mean) {
  float lane[LANES] = {0};
  size_t i = 0;
  for (; i + LANES <= s; i += LANES)
    for (int k = 0; k < LANES; k++) {
      const float d = x[i + k] - mean;
      lane[k] += d * d;
    }
  double total = lanes_total(lane);
  for (; i < s; i++) {
    const float d = x[i] - mean;
    total += d * d;
  }
  return total;
}

DLAB_CLONES
void dlab_cpu_bn_plane_apply(const float *restrict x, size_t s, float scale, float shift, DlabAct act,
                             float *restrict y) {
  const float slope = act.on ? act.slope : 1.0f;
  for (size_t i = 0; i < s; i++) y[i] = leaky(x[i] * scale + shift, slope);
}

DLAB_CLONES
void dlab_cpu_bn_plane_grad_sums(const float *restrict dy, const float *restrict y, DlabAct act,
                                 const float *restrict x, size_t s, float mean, double *sum_dy,
                                 double *sum_dy_xc) {
  const float slope = act.on ? act.slope : 1.0f;
  float lane_dy[LANES] = {0}, lane_dy_xc[LANES] = {0};
  size_t i = 0;
  for (; i + LANES <= s; i += LANES)
    for (int k = 0; k < LANES; k++) {
      const float g = act.on ? through(dy[i + k], y[i + k], slope) : dy[i + k];
      lane_dy[k] += g;
      lane_dy_xc[k] += g * (x[i + k] - mean);
    }
  double total_dy = lanes_total(lane_dy), total_dy_xc = lanes_total(lane_dy_xc);
  for (; i < s; i++) {
    const float g = act.on ? through(dy[i], y[i], slope) : dy[i];
    total_dy += g;
    total_dy_xc += g * (x[i] - mean);
  }
  *sum_dy += total_dy;
  *sum_dy_xc += total_dy_xc;
}

DLAB_CLONES
void dlab_cpu_bn_plane_dx(const float *restrict dy, const float *restrict y, DlabAct act,
                          const float *restrict x, size_t s, float mean, float invstd, float k, float mean_dy,
                          float mean_dy_xhat, float *restrict dx) {
  const float slope = act.on ? act.slope : 1.0f;
  for (size_t i = 0; i < s; i++) {
    const float g = act.on ? through(dy[i], y[i], slope) : dy[i];
    const float xhat = (x[i] - mean) * invstd;
    dx[i] = k * (g - mean_dy - xhat * mean_dy_xhat);
  }
}
