/* In-memory 8-bit images and resizing.
 *
 * Resizing is separable: first along x, then along y, through a float
 * intermediate. Each axis gets its own filter: an area (box) average when it
 * shrinks, so that thin strokes are averaged rather than skipped, and
 * bilinear interpolation when it grows, so that enlargements stay smooth. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/image.h"

#include "core/i18n.h"

int dlab_image_init(DlabImage *img, int w, int h, int c) {
  memset(img, 0, sizeof *img);
  if (w <= 0 || h <= 0 || c < 1 || c > 4)
    return dlab_error(_("image size %dx%d with %d channels is not valid"), w, h, c);
  if ((size_t)h * (size_t)c > SIZE_MAX / (size_t)w)
    return dlab_error(_("image size %dx%d is too large"), w, h);
  size_t bytes = (size_t)w * (size_t)h * (size_t)c;
  img->data = calloc(bytes, 1);
  if (!img->data) return dlab_error(_("out of memory for a %dx%d image"), w, h);
  img->w = w;
  img->h = h;
  img->c = c;
  return 0;
}

void dlab_image_free(DlabImage *img) {
  if (!img) return;
  free(img->data);
  memset(img, 0, sizeof *img);
}

/* For each output index: the first input index it reads and the weights of
 * the `taps` consecutive inputs from there (unused taps have weight 0). */
typedef struct {
  int *first;
  float *weights; /* out * taps */
  int taps;
} AxisFilter;

static void axis_filter_free(AxisFilter *f) {
  free(f->first);
  free(f->weights);
  memset(f, 0, sizeof *f);
}

/* Output pixel i covers [i*scale, (i+1)*scale) of the input; each input pixel
 * contributes in proportion to the overlap. */
static void fill_area(AxisFilter *f, int in, int out) {
  double scale = (double)in / out;
  for (int i = 0; i < out; i++) {
    double lo = i * scale, hi = (i + 1) * scale;
    int first = (int)floor(lo);
    float *w = f->weights + (size_t)i * (size_t)f->taps;
    double total = 0;
    for (int t = 0; t < f->taps; t++) {
      int j = first + t;
      double overlap = j < in ? fmin(hi, j + 1.0) - fmax(lo, (double)j) : 0.0;
      w[t] = overlap > 0 ? (float)overlap : 0.0f;
      total += w[t];
    }
    /* Normalizing makes the weights sum to exactly one, so a constant image
     * stays constant despite rounding in lo and hi. */
    for (int t = 0; t < f->taps; t++) w[t] = (float)(w[t] / total);
    f->first[i] = first;
  }
}

/* Pixel centres aligned: output i samples the input at (i + 0.5) * in/out - 0.5,
 * clamped to the edge pixels. */
static void fill_bilinear(AxisFilter *f, int in, int out) {
  double scale = (double)in / out;
  for (int i = 0; i < out; i++) {
    double src = (i + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    if (src > in - 1) src = in - 1;
    int first = (int)floor(src);
    double frac = src - first;
    if (first >= in - 1) {
      first = in - 1;
      frac = 0;
    }
    float *w = f->weights + (size_t)i * 2;
    w[0] = (float)(1.0 - frac);
    w[1] = (float)frac;
    f->first[i] = first;
  }
}

static int axis_filter_init(AxisFilter *f, int in, int out) {
  f->taps = out < in ? (int)ceil((double)in / out) + 1 : 2;
  f->first = malloc((size_t)out * sizeof *f->first);
  f->weights = malloc((size_t)out * (size_t)f->taps * sizeof *f->weights);
  if (!f->first || !f->weights) {
    axis_filter_free(f);
    return dlab_error(_("out of memory for resize weights"));
  }
  if (out < in)
    fill_area(f, in, out);
  else
    fill_bilinear(f, in, out);
  return 0;
}

/* Resamples along x: src is h rows of in_w pixels, dst h rows of out_w. */
static void resize_rows(const uint8_t *src, int in_w, float *dst, int out_w, int h, int c,
                        const AxisFilter *f) {
  for (int y = 0; y < h; y++) {
    const uint8_t *row = src + (size_t)y * (size_t)in_w * (size_t)c;
    float *out = dst + (size_t)y * (size_t)out_w * (size_t)c;
    for (int x = 0; x < out_w; x++) {
      const float *w = f->weights + (size_t)x * (size_t)f->taps;
      for (int ch = 0; ch < c; ch++) {
        float acc = 0;
        for (int t = 0; t < f->taps; t++)
          if (w[t] != 0.0f) acc += w[t] * row[(size_t)(f->first[x] + t) * (size_t)c + (size_t)ch];
        out[(size_t)x * (size_t)c + (size_t)ch] = acc;
      }
    }
  }
}

static uint8_t to_byte(float v) {
  if (v <= 0.0f) return 0;
  if (v >= 255.0f) return 255;
  return (uint8_t)(v + 0.5f);
}

/* Resamples along y: src is in_h rows, dst out_h rows, each `row_len` values. */
static void resize_cols(const float *src, uint8_t *dst, int out_h, size_t row_len,
                        const AxisFilter *f) {
  for (int y = 0; y < out_h; y++) {
    const float *w = f->weights + (size_t)y * (size_t)f->taps;
    uint8_t *out = dst + (size_t)y * row_len;
    for (size_t i = 0; i < row_len; i++) {
      float acc = 0;
      for (int t = 0; t < f->taps; t++)
        if (w[t] != 0.0f) acc += w[t] * src[(size_t)(f->first[y] + t) * row_len + i];
      out[i] = to_byte(acc);
    }
  }
}

int dlab_image_resize(const DlabImage *in, int w, int h, DlabImage *out) {
  memset(out, 0, sizeof *out);
  if (!in || !in->data || in->w <= 0 || in->h <= 0)
    return dlab_error(_("resize: the input image is empty"));
  if (w <= 0 || h <= 0) return dlab_error(_("resize: target size %dx%d is not valid"), w, h);
  AxisFilter fx = {0}, fy = {0};
  float *tmp = NULL;
  if (dlab_image_init(out, w, h, in->c) < 0 || axis_filter_init(&fx, in->w, w) < 0 ||
      axis_filter_init(&fy, in->h, h) < 0)
    goto fail;
  size_t row_len = (size_t)w * (size_t)in->c;
  tmp = malloc((size_t)in->h * row_len * sizeof *tmp);
  if (!tmp) {
    dlab_error(_("resize: out of memory"));
    goto fail;
  }
  resize_rows(in->data, in->w, tmp, w, in->h, in->c, &fx);
  resize_cols(tmp, out->data, h, row_len, &fy);
  free(tmp);
  axis_filter_free(&fx);
  axis_filter_free(&fy);
  return 0;
fail:
  free(tmp);
  axis_filter_free(&fx);
  axis_filter_free(&fy);
  dlab_image_free(out);
  return -1;
}
