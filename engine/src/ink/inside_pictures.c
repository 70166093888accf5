/* Pictures of inside.h's numbers, as 8-bit images: one implementation for
 * `dlab inside`'s PNGs and the application's Inside view, so the two show
 * the same thing. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/inside.h"

#include "core/i18n.h"

#define GAP 2         /* pixels between tiles */
#define GAP_VALUE 72  /* their grey: apart from black (a map's least) */
#define BAR_HEIGHT 48 /* pixels each side of the zero line */
#define MAX_PICTURE_SIDE 8192

/* Tiles in a grid as square as their count allows. */
static int columns_for(int count) {
  int cols = 1;
  while ((int64_t)cols * cols < count) cols++;
  return cols;
}

/* out sized for count tiles of tw x th pixels (scale applied), *cols a
 * row (0: as square as can be), filled with the gap grey; refuses pictures
 * over MAX_PICTURE_SIDE on a side. */
static int init_grid(int count, int tw, int th, int channels, DlabImage *out, int *cols) {
  if (*cols < 1)
    *cols = columns_for(count);
  else if (*cols > count)
    *cols = count;
  const int rows = (count + *cols - 1) / *cols;
  const int64_t w = (int64_t)*cols * (tw + GAP) + GAP, h = (int64_t)rows * (th + GAP) + GAP;
  if (count < 1 || tw < 1 || th < 1 || w > MAX_PICTURE_SIDE || h > MAX_PICTURE_SIDE)
    return dlab_error(_("inside: a picture of %d tiles of %dx%d pixels is too large"), count, tw, th);
  if (dlab_image_init(out, (int)w, (int)h, channels) < 0) return -1;
  memset(out->data, GAP_VALUE, (size_t)w * (size_t)h * (size_t)channels);
  return 0;
}

static uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 1.0f) return 255;
  return (uint8_t)lrintf(v * 255.0f);
}

static void range_of(const float *v, size_t n, float *lo, float *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < *lo) *lo = v[i];
    if (v[i] > *hi) *hi = v[i];
  }
}

/* Tile t of a grid: its top-left pixel's byte offset. */
static size_t tile_origin(const DlabImage *img, int t, int cols, int tw, int th) {
  const int x = GAP + (t % cols) * (tw + GAP), y = GAP + (t / cols) * (th + GAP);
  return ((size_t)y * (size_t)img->w + (size_t)x) * (size_t)img->c;
}

int dlab_inside_maps_image(const float *v, DlabShape s, int scale, int columns, DlabImage *out) {
  if (s.ndim != 3 || scale < 1) return dlab_error(_("inside: feature maps need a C x H x W shape"));
  const int c = s.d[0], h = s.d[1], w = s.d[2];
  int cols = columns;
  if (init_grid(c, w * scale, h * scale, 1, out, &cols) < 0) return -1;
  /* One scale for the whole layer, so that the maps compare. */
  float lo, hi;
  range_of(v, (size_t)c * h * w, &lo, &hi);
  const float k = hi > lo ? 1.0f / (hi - lo) : 0.0f;
  for (int ch = 0; ch < c; ch++) {
    const size_t at = tile_origin(out, ch, cols, w * scale, h * scale);
    for (int y = 0; y < h * scale; y++)
      for (int x = 0; x < w * scale; x++)
        out->data[at + (size_t)y * out->w + x] = to_byte((v[((size_t)ch * h + y / scale) * w + x / scale] - lo) * k);
  }
  return 0;
}

int dlab_inside_bars_image(const float *v, int n, int bar_width, DlabImage *out) {
  if (n < 1 || bar_width < 1 || (int64_t)n * bar_width + 2 * GAP > MAX_PICTURE_SIDE)
    return dlab_error(_("inside: %d activations do not fit a picture"), n);
  const int w = n * bar_width + 2 * GAP, h = 2 * BAR_HEIGHT + 1;
  if (dlab_image_init(out, w, h, 3) < 0) return -1;
  memset(out->data, 24, (size_t)w * h * 3);
  float lo, hi;
  range_of(v, (size_t)n, &lo, &hi);
  const float top = fmaxf(fabsf(lo), fabsf(hi));
  const float k = top > 0 ? BAR_HEIGHT / top : 0.0f;
  for (int x = 0; x < w; x++) memset(out->data + ((size_t)BAR_HEIGHT * w + x) * 3, 110, 3); /* zero line */
  for (int i = 0; i < n; i++) {
    const int len = (int)lrintf(fabsf(v[i]) * k);
    /* Positive blue upwards, negative orange downwards (GNOME's palette). */
    const uint8_t *rgb = v[i] >= 0 ? (const uint8_t[]){98, 160, 234} : (const uint8_t[]){230, 97, 0};
    for (int d = 1; d <= len; d++) {
      const int y = v[i] >= 0 ? BAR_HEIGHT - d : BAR_HEIGHT + d;
      for (int x = 0; x < bar_width - (bar_width > 2); x++)
        memcpy(out->data + ((size_t)y * w + GAP + (size_t)i * bar_width + x) * 3, rgb, 3);
    }
  }
  return 0;
}

int dlab_inside_filters_image(const DlabInsideFilters *f, int scale, DlabImage *out) {
  const int color = f->channels == 3;
  if (scale < 1 || (f->channels != 1 && !color))
    return dlab_error(_("inside: filters of %d channels are not pictures"), f->channels);
  int cols = 0;
  const int th = f->h * scale, tw = f->w * scale;
  if (init_grid(f->count, tw, th, color ? 3 : 1, out, &cols) < 0) return -1;
  const size_t per = (size_t)f->channels * f->h * f->w;
  for (int t = 0; t < f->count; t++) {
    /* Each filter on its own scale, zero mid-grey: what it looks for is in
     * its pattern, not its size. */
    const float *wt = f->weights + (size_t)t * per;
    float lo, hi;
    range_of(wt, per, &lo, &hi);
    const float top = fmaxf(fabsf(lo), fabsf(hi)), k = top > 0 ? 0.5f / top : 0.0f;
    const size_t at = tile_origin(out, t, cols, tw, th);
    for (int y = 0; y < th; y++)
      for (int x = 0; x < tw; x++)
        for (int ch = 0; ch < out->c; ch++)
          out->data[at + ((size_t)y * out->w + x) * out->c + ch] =
              to_byte(0.5f + wt[((size_t)ch * f->h + y / scale) * f->w + x / scale] * k);
  }
  return 0;
}

/* Black, red, yellow, white as the magnitude grows. */
static void heat(float t, uint8_t *rgb) {
  rgb[0] = to_byte(t * 3.0f);
  rgb[1] = to_byte(t * 3.0f - 1.0f);
  rgb[2] = to_byte(t * 3.0f - 2.0f);
}

int dlab_inside_saliency_image(const float *image, const float *grad, int h, int w, int c, int scale, DlabImage *out) {
  if (scale < 1 || c < 1 || (int64_t)w * scale > MAX_PICTURE_SIDE || (int64_t)h * scale > MAX_PICTURE_SIDE)
    return dlab_error(_("inside: a saliency picture of %dx%d pixels is too large"), w * scale, h * scale);
  if (dlab_image_init(out, w * scale, h * scale, 3) < 0) return -1;
  float top = 0;
  for (size_t i = 0; i < (size_t)h * w * c; i++) top = fmaxf(top, fabsf(grad[i]));
  const float k = top > 0 ? 1.0f / top : 0.0f;
  for (int y = 0; y < h * scale; y++)
    for (int x = 0; x < w * scale; x++) {
      const size_t p = ((size_t)(y / scale) * w + x / scale) * c;
      float ink = 0, mag = 0;
      for (int ch = 0; ch < c; ch++) {
        ink += image[p + ch] / (float)c;
        mag = fmaxf(mag, fabsf(grad[p + ch]) * k);
      }
      /* The drawing dimmed underneath, the heat over it where it matters. */
      uint8_t hot[3], *px = out->data + ((size_t)y * out->w + x) * 3;
      heat(mag, hot);
      const float a = fminf(1.0f, 2.0f * mag);
      for (int ch = 0; ch < 3; ch++) px[ch] = to_byte((1 - a) * 0.45f * ink + a * hot[ch] / 255.0f);
    }
  return 0;
}
