/* Elastic distortion (Simard et al. 2003, as torchvision's ElasticTransform):
 * each pixel moves by a random displacement that is smooth across the image,
 * so strokes bend the way handwriting varies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "transform_ops.h"

#include "core/i18n.h"

void dlab_tf_elastic_free(DlabElastic *e) {
  free(e->kernel);
  free(e->dx);
  free(e->dy);
  free(e->tmp);
  memset(e, 0, sizeof *e);
}

int dlab_tf_elastic_init(DlabElastic *e, float sigma, int h, int w) {
  memset(e, 0, sizeof *e);
  /* torchvision's kernel: int(8 sigma + 1) taps, made odd. */
  int size = sigma > 0 ? (int)(8 * sigma + 1) : 1;
  if (size % 2 == 0) size++;
  e->radius = size / 2;
  size_t plane = (size_t)h * (size_t)w;
  e->kernel = malloc((size_t)size * sizeof *e->kernel);
  e->dx = malloc(plane * sizeof *e->dx);
  e->dy = malloc(plane * sizeof *e->dy);
  e->tmp = malloc(plane * sizeof *e->tmp);
  if (!e->kernel || !e->dx || !e->dy || !e->tmp) {
    dlab_tf_elastic_free(e);
    return dlab_error(_("elastic: out of memory"));
  }
  double total = 0;
  for (int i = 0; i < size; i++) {
    double x = i - e->radius;
    e->kernel[i] = sigma > 0 ? (float)exp(-0.5 * (x / sigma) * (x / sigma)) : 1.0f;
    total += e->kernel[i];
  }
  for (int i = 0; i < size; i++) e->kernel[i] = (float)(e->kernel[i] / total);
  return 0;
}

/* Index i reflected into [0, n) without repeating the edge (numpy's and
 * torch's "reflect"), however far outside it is. */
static int reflect(int i, int n) {
  if (n == 1) return 0;
  int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/* Separable blur of `f` in place (through e->tmp). */
static void blur(DlabElastic *e, float *f, int h, int w) {
  const int r = e->radius;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float acc = 0;
      for (int k = -r; k <= r; k++) acc += e->kernel[k + r] * f[y * w + reflect(x + k, w)];
      e->tmp[y * w + x] = acc;
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float acc = 0;
      for (int k = -r; k <= r; k++) acc += e->kernel[k + r] * e->tmp[reflect(y + k, h) * w + x];
      f[y * w + x] = acc;
    }
}

/* Bilinear sample of plane `p` at (sx, sy) in pixel-index coordinates;
 * corners outside the image contribute `fill` in proportion to their
 * weight (torchvision's mask trick). */
static float sample(const float *p, int h, int w, float sx, float sy, float fill) {
  float fx = floorf(sx), fy = floorf(sy);
  int x0 = (int)fx, y0 = (int)fy;
  float ax = sx - fx, ay = sy - fy;
  float wts[4] = {(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay};
  int xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  float acc = 0, covered = 0;
  for (int k = 0; k < 4; k++)
    if (xs[k] >= 0 && xs[k] < w && ys[k] >= 0 && ys[k] < h) {
      acc += wts[k] * p[ys[k] * w + xs[k]];
      covered += wts[k];
    }
  return acc + (1 - covered) * fill;
}

void dlab_tf_elastic(DlabElastic *e, const float *src, float *dst, int c, int h, int w,
                     float alpha, const float *fill, DlabRng *rng) {
  size_t plane = (size_t)h * (size_t)w;
  for (size_t i = 0; i < plane; i++) e->dx[i] = dlab_rng_uniform(rng) * 2 - 1;
  for (size_t i = 0; i < plane; i++) e->dy[i] = dlab_rng_uniform(rng) * 2 - 1;
  if (e->radius > 0) {
    blur(e, e->dx, h, w);
    blur(e, e->dy, h, w);
  }
  /* torchvision scales the fields by alpha / size in grid units ([-1, 1]
   * across the image), which is alpha / size * (side / 2) pixels. */
  float sx_scale = alpha / h * (w * 0.5f), sy_scale = alpha / w * (h * 0.5f);
  for (int ch = 0; ch < c; ch++) {
    const float *s = src + (size_t)ch * plane;
    float *d = dst + (size_t)ch * plane;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        size_t i = (size_t)y * (size_t)w + (size_t)x;
        d[i] = sample(s, h, w, x + e->dx[i] * sx_scale, y + e->dy[i] * sy_scale, fill[ch]);
      }
  }
}
