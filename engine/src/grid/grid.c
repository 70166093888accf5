/* Sample grids with labels (grid.h). */
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/grid.h"
#include "font5x7.h"

#include "core/i18n.h"

#define LABEL_GAP 2 /* pixels between a tile and its label */
#define MAX_SIDE 16384

DlabGridOptions dlab_grid_defaults(void) {
  DlabGridOptions o = {.columns = 8, .scale = 2, .padding = 2, .pad_value = 0, .labels = 1};
  return o;
}

/* Text is drawn at scale 1 up to 2x-zoomed tiles and bigger beyond, so it
 * stays readable next to the images. */
static int text_scale(int tile_scale) { return tile_scale >= 4 ? 2 : 1; }

static void draw_char(DlabImage *img, int x0, int y0, char ch, int ts) {
  if (ch < 32 || ch > 126) ch = '?';
  const uint8_t *rows = dlab_font5x7[ch - 32];
  for (int r = 0; r < DLAB_FONT_H; r++)
    for (int c = 0; c < DLAB_FONT_W; c++) {
      if (!(rows[r] >> (DLAB_FONT_W - 1 - c) & 1)) continue;
      for (int dy = 0; dy < ts; dy++)
        for (int dx = 0; dx < ts; dx++) {
          int x = x0 + c * ts + dx, y = y0 + r * ts + dy;
          if (x < 0 || y < 0 || x >= img->w || y >= img->h) continue;
          for (int k = 0; k < img->c; k++) img->data[((size_t)y * img->w + x) * img->c + k] = 255;
        }
    }
}

/* The label centred under a tile, cut to the tile's width. */
static void draw_label(DlabImage *img, int x0, int y0, int width, const char *text, int ts) {
  int fit = width / (DLAB_FONT_ADVANCE * ts);
  int len = (int)strlen(text);
  if (len > fit) len = fit;
  int x = x0 + (width - len * DLAB_FONT_ADVANCE * ts + ts) / 2;
  for (int i = 0; i < len; i++) draw_char(img, x + i * DLAB_FONT_ADVANCE * ts, y0, text[i], ts);
}

/* Tile i at (x0, y0): CHW samples become HWC pixels, each scale x scale. */
static void draw_tile(DlabImage *img, const uint8_t *chw, int c, int h, int w, int scale, int x0,
                      int y0) {
  size_t plane = (size_t)h * (size_t)w;
  for (int y = 0; y < h * scale; y++)
    for (int x = 0; x < w * scale; x++) {
      size_t src = (size_t)(y / scale) * (size_t)w + (size_t)(x / scale);
      uint8_t *dst = img->data + ((size_t)(y0 + y) * img->w + (size_t)(x0 + x)) * img->c;
      for (int k = 0; k < c; k++) dst[k] = chw[(size_t)k * plane + src];
    }
}

int dlab_grid_render(const DlabDataset *d, const uint32_t *idx, int count,
                     const DlabGridOptions *opt, DlabAugmenter *aug, uint64_t seed,
                     DlabImage *out) {
  memset(out, 0, sizeof *out);
  if (count < 1) return dlab_error(_("grid: no samples to draw"));
  if (opt->columns < 1 || opt->scale < 1 || opt->scale > 64 || opt->padding < 0 || opt->padding > 256)
    return dlab_error(_("grid: columns %d, scale %d, padding %d are not valid"), opt->columns,
                      opt->scale, opt->padding);
  if (d->c != 1 && d->c != 3) return dlab_error(_("%s: %d channels cannot be drawn"), d->name, d->c);
  int ts = text_scale(opt->scale);
  int cols = count < opt->columns ? count : opt->columns, rows = (count + cols - 1) / cols;
  int tile_w = d->w * opt->scale, tile_h = d->h * opt->scale;
  int label_h = opt->labels ? LABEL_GAP + DLAB_FONT_H * ts : 0;
  long cell_w = tile_w + opt->padding, cell_h = tile_h + label_h + opt->padding;
  long width = cols * cell_w + opt->padding, height = rows * cell_h + opt->padding;
  if (width > MAX_SIDE || height > MAX_SIDE)
    return dlab_error(_("grid: %ldx%ld pixels is too large; draw fewer samples or a smaller scale"),
                      width, height);
  if (dlab_image_init(out, (int)width, (int)height, d->c) < 0) return -1;
  memset(out->data, opt->pad_value, (size_t)width * (size_t)height * (size_t)d->c);
  size_t sample = (size_t)d->c * (size_t)d->h * (size_t)d->w;
  uint8_t *augmented = aug ? malloc(sample) : NULL;
  if (aug && !augmented) {
    dlab_image_free(out);
    return dlab_error(_("grid: out of memory"));
  }
  for (int i = 0; i < count; i++) {
    if (idx[i] >= (uint32_t)d->n) {
      free(augmented);
      dlab_image_free(out);
      return dlab_error(_("%s: sample %u does not exist (%d samples)"), d->name, idx[i], d->n);
    }
    const uint8_t *pixels = d->images + idx[i] * sample;
    if (aug) {
      DlabRng rng;
      dlab_transform_rng(&rng, seed, 1, idx[i]);
      dlab_augmenter_preview(aug, pixels, augmented, &rng);
      pixels = augmented;
    }
    int x0 = (int)(opt->padding + (i % cols) * cell_w), y0 = (int)(opt->padding + (i / cols) * cell_h);
    draw_tile(out, pixels, d->c, d->h, d->w, opt->scale, x0, y0);
    int label = d->labels[idx[i]];
    const char *name = label < d->num_classes && d->class_names[label] ? d->class_names[label] : "?";
    if (opt->labels) draw_label(out, x0, y0 + tile_h + LABEL_GAP, tile_w, name, ts);
  }
  free(augmented);
  return 0;
}
