/* Small files in the official formats, written independently of the
 * engine's readers: IDX (MNIST/EMNIST), CIFAR-10 binary batches, and PNGs
 * of every color type through libpng directly. Exit 99 when a file cannot
 * be written (the test cannot run then). */
#ifndef DLAB_TEST_WRITE_FORMATS_H
#define DLAB_TEST_WRITE_FORMATS_H

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_files.h"

static inline void wf_die(const char *path) {
  fprintf(stderr, "cannot write %s\n", path);
  exit(99);
}

/* An unsigned-byte IDX file of `ndim` dims. */
static inline void wf_idx(const char *path, int ndim, const uint32_t *dims, const uint8_t *data) {
  size_t count = 1;
  for (int i = 0; i < ndim; i++) count *= dims[i];
  size_t len = 4 + 4 * (size_t)ndim + count;
  uint8_t *buf = malloc(len);
  buf[0] = buf[1] = 0;
  buf[2] = 0x08;
  buf[3] = (uint8_t)ndim;
  for (int i = 0; i < ndim; i++)
    for (int b = 0; b < 4; b++) buf[4 + 4 * i + b] = (uint8_t)(dims[i] >> (24 - 8 * b));
  memcpy(buf + 4 + 4 * ndim, data, count);
  if (tf_write_bytes(path, buf, len) < 0) wf_die(path);
  free(buf);
}

static inline void wf_idx_images(const char *path, int n, int side, const uint8_t *pixels) {
  uint32_t dims[3] = {(uint32_t)n, (uint32_t)side, (uint32_t)side};
  wf_idx(path, 3, dims, pixels);
}

static inline void wf_idx_labels(const char *path, int n, const uint8_t *labels) {
  uint32_t dims[1] = {(uint32_t)n};
  wf_idx(path, 1, dims, labels);
}

/* A CIFAR-10 batch: per record, the label then R, G, B planes of 32x32. */
static inline void wf_cifar_batch(const char *path, int n, const uint8_t *labels,
                                  const uint8_t *chw) {
  size_t rec = 1 + 3 * 32 * 32;
  uint8_t *buf = malloc((size_t)n * rec);
  for (int i = 0; i < n; i++) {
    buf[(size_t)i * rec] = labels[i];
    memcpy(buf + (size_t)i * rec + 1, chw + (size_t)i * (rec - 1), rec - 1);
  }
  if (tf_write_bytes(path, buf, (size_t)n * rec) < 0) wf_die(path);
  free(buf);
}

/* A PNG of color type `color` and bit depth 8 or 16 from `rows` already
 * packed as libpng wants them (row_bytes per row). */
static inline void wf_png(const char *path, int w, int h, int depth, int color,
                          const uint8_t *rows, size_t row_bytes, const png_color *palette,
                          int n_palette) {
  FILE *fp = fopen(path, "wb");
  if (!fp) wf_die(path);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) wf_die(path);
  png_init_io(png, fp);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette) png_set_PLTE(png, info, palette, n_palette);
  png_write_info(png, info);
  for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rows + (size_t)y * row_bytes));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  if (fclose(fp) != 0) wf_die(path);
}

/* An 8-bit gray PNG. */
static inline void wf_png_gray(const char *path, int w, int h, const uint8_t *pixels) {
  wf_png(path, w, h, 8, PNG_COLOR_TYPE_GRAY, pixels, (size_t)w, NULL, 0);
}

#endif
