/* 8-bit images in memory, PNG files, and resizing.
 *
 * Used by the folder-of-PNGs datasets, `dlab predict` on an image and the
 * sketchpad's preview. Pixels are interleaved (HWC): row after row, each
 * pixel `c` consecutive bytes (gray, or R G B). */
#ifndef DLAB_IMAGE_H
#define DLAB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int w, h, c;    /* c is 1 (gray) or 3 (RGB); written PNGs may also use 2 or 4 */
  uint8_t *data;  /* h * w * c bytes */
} DlabImage;

/* Reads any PNG (gray, gray+alpha, RGB, RGBA, palette, 1 to 16 bits, interlaced
 * or not) as 8-bit with `want_channels` 1 or 3. Color becomes gray with the
 * weights PIL's convert("L") uses (299/587/114 per mille), so images match
 * what a Python tutorial feeds its network. Transparency is composited onto
 * black, then dropped: MNIST-style drawings (light ink on a transparent
 * background) come out as light ink on black. Images over 16384 pixels on a
 * side are refused. Returns 0, or -1 with a message naming the file (not a
 * PNG, truncated, or libpng's own complaint). */
int dlab_image_read_png(const char *path, int want_channels, DlabImage *out);

/* The same for a PNG in memory; `what` names it in messages. */
int dlab_image_decode_png(const void *data, size_t len, const char *what, int want_channels,
                          DlabImage *out);

/* Reads only the header: size, and the channels the image has in color
 * (1 for gray and gray+alpha, 3 for RGB, RGBA and palette). */
int dlab_image_png_info(const char *path, int *w, int *h, int *color_channels);

/* Writes `img` (c = 1, 2, 3 or 4: gray, gray+alpha, RGB, RGBA) as an 8-bit
 * PNG. The file appears whole or not at all (atomic_file.h). */
int dlab_image_write_png(const char *path, const DlabImage *img);

/* The same without the fsync, for writing thousands of files (dataset
 * exports): each still appears whole or not at all (written beside, then
 * renamed), but a power cut may lose the newest ones. */
int dlab_image_write_png_quick(const char *path, const DlabImage *img);

/* Scales `in` to w x h into `out` (allocated here, same channels): each output
 * pixel is the area-weighted mean of the input pixels it covers along an axis
 * that shrinks, and bilinear (pixel centres aligned, as PIL and PyTorch's
 * align_corners=False) along an axis that grows. */
int dlab_image_resize(const DlabImage *in, int w, int h, DlabImage *out);

/* Allocates a zeroed w x h x c image. */
int dlab_image_init(DlabImage *img, int w, int h, int c);

void dlab_image_free(DlabImage *img);

#endif
