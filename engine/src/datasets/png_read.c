/* Reading PNG files with libpng into 8-bit gray or RGB.
 *
 * libpng reports errors by calling an error function that must not return;
 * ours records the text and longjmps back to decode(). Everything allocated
 * while decoding is reachable from the PngSource (not from locals of the
 * function that called setjmp), so it can be freed safely after the jump. */
#include <errno.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/image.h"

#include "core/i18n.h"

/* Larger images are certainly not meant for a digit classifier, and the cap
 * keeps a corrupt header from asking for gigabytes. */
#define PNG_MAX_SIDE 16384
/* libpng reads each ancillary chunk of variable length (text, suggested
 * palettes, ICC profiles, Exif) whole into memory, as long as the chunk's
 * header says: a 43-byte file claiming a 1.7 GB sPLT chunk made it allocate
 * and fill that much (png_set_chunk_malloc_max does not stop it in
 * Debian's libpng 1.6.39). The decoder needs none of them, so libpng skips
 * them, reading in small pieces; tRNS (transparency) is kept. The list:
 * 4-letter names, each followed by a NUL. */
static const png_byte ignored_chunks[] = "eXIf\0hIST\0iCCP\0iTXt\0pCAL\0sCAL\0sPLT\0tEXt\0zTXt";
#define N_IGNORED_CHUNKS 9
#define PNG_SIGNATURE_LEN 8

typedef struct {
  FILE *fp;
  const char *path;
  int truncated;      /* the read function hit end of file */
  char message[256];  /* libpng's error text */
  uint8_t *pixels;    /* decoded rows, as libpng delivers them */
  png_bytep *rows;
} PngSource;

static void on_error(png_structp png, png_const_charp msg) {
  PngSource *src = png_get_error_ptr(png);
  snprintf(src->message, sizeof src->message, "%s", msg);
  png_longjmp(png, 1);
}

/* Warnings (an odd ancillary chunk, a bad ICC profile) do not stop decoding
 * and a library must not print: ignore them. */
static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static void read_bytes(png_structp png, png_bytep data, size_t n) {
  PngSource *src = png_get_io_ptr(png);
  if (fread(data, 1, n, src->fp) == n) return;
  src->truncated = !ferror(src->fp);
  png_error(png, src->truncated ? _("the file ends early") : _("read error"));
}

/* Splits a decoded pixel of `channels` channels (1 gray, 2 gray+alpha,
 * 3 RGB, 4 RGBA) into r, g, b and alpha. */
static void pixel_rgba(const uint8_t *p, int channels, unsigned rgba[4]) {
  int gray = channels <= 2;
  rgba[0] = p[0];
  rgba[1] = gray ? p[0] : p[1];
  rgba[2] = gray ? p[0] : p[2];
  rgba[3] = channels == 2 ? p[1] : channels == 4 ? p[3] : 255;
}

/* Composites onto black (value * alpha) and writes 1 or 3 channels. Gray
 * from color uses PIL's convert("L") integer weights, for parity with the
 * Python tutorials. */
static void convert_row(const uint8_t *in, int channels, int w, uint8_t *out, int want) {
  for (int x = 0; x < w; x++) {
    unsigned rgba[4];
    pixel_rgba(in + (size_t)x * (size_t)channels, channels, rgba);
    for (int k = 0; k < 3; k++) rgba[k] = (rgba[k] * rgba[3] + 127) / 255;
    if (want == 3) {
      for (int k = 0; k < 3; k++) out[(size_t)x * 3 + (size_t)k] = (uint8_t)rgba[k];
    } else if (channels <= 2) {
      out[x] = (uint8_t)rgba[0];
    } else {
      out[x] = (uint8_t)((rgba[0] * 19595 + rgba[1] * 38470 + rgba[2] * 7471 + 0x8000) >> 16);
    }
  }
}

/* Asks libpng for 8 bits per sample, no palette, alpha from tRNS. */
static void request_8bit(png_structp png) {
  png_set_expand(png);
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
  png_set_scale_16(png); /* rounds, where strip_16 would truncate */
#else
  png_set_strip_16(png);
#endif
  png_set_interlace_handling(png);
}

/* The libpng work; any failure longjmps out of here. */
static void decode_body(png_structp png, png_infop info, PngSource *src, int want,
                        DlabImage *out) {
  png_set_sig_bytes(png, PNG_SIGNATURE_LEN);
  png_set_read_fn(png, src, read_bytes);
  png_set_user_limits(png, PNG_MAX_SIDE, PNG_MAX_SIDE);
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks, N_IGNORED_CHUNKS);
  png_read_info(png, info);
  request_8bit(png);
  png_read_update_info(png, info);
  int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
  int channels = png_get_channels(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  if (channels < 1 || channels > 4 || rowbytes != (size_t)w * (size_t)channels)
    png_error(png, _("unexpected pixel layout after conversion to 8 bits"));
  src->pixels = malloc((size_t)h * rowbytes);
  src->rows = malloc((size_t)h * sizeof *src->rows);
  if (!src->pixels || !src->rows) png_error(png, _("out of memory"));
  for (int y = 0; y < h; y++) src->rows[y] = src->pixels + (size_t)y * rowbytes;
  png_read_image(png, src->rows);
  png_read_end(png, NULL);
  if (dlab_image_init(out, w, h, want) < 0) png_error(png, _("out of memory"));
  for (int y = 0; y < h; y++)
    convert_row(src->rows[y], channels, w, out->data + (size_t)y * (size_t)w * (size_t)want,
                want);
}

static int decode(png_structp png, png_infop info, PngSource *src, int want, DlabImage *out) {
  if (setjmp(png_jmpbuf(png))) {
    dlab_image_free(out);
    if (src->truncated) return dlab_error(_("%s: truncated PNG (the file ends early)"), src->path);
    return dlab_error(_("%s: bad PNG: %s"), src->path, src->message);
  }
  decode_body(png, info, src, want, out);
  return 0;
}

static int check_signature(FILE *fp, const char *path) {
  png_byte sig[PNG_SIGNATURE_LEN];
  size_t got = fread(sig, 1, sizeof sig, fp);
  if (got == 0 && ferror(fp)) return dlab_error(_("%s: read error: %s"), path, strerror(errno));
  if (got < sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0)
    return dlab_error(_("%s: not a PNG file"), path);
  return 0;
}

/* Decodes the PNG that `fp` is positioned at; `what` names it. */
static int read_stream(FILE *fp, const char *what, int want_channels, DlabImage *out) {
  if (check_signature(fp, what) < 0) return -1;
  int rc = -1;
  PngSource src = {.fp = fp, .path = what};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info)
    dlab_error(_("%s: out of memory for the PNG decoder"), what);
  else
    rc = decode(png, info, &src, want_channels, out);
  png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
  free(src.pixels);
  free(src.rows);
  return rc;
}

static int check_want(const char *what, int want_channels) {
  if (want_channels != 1 && want_channels != 3)
    return dlab_error(_("%s: %d channels asked for; PNGs are read as 1 (gray) or 3 (RGB)"), what,
                      want_channels);
  return 0;
}

int dlab_image_read_png(const char *path, int want_channels, DlabImage *out) {
  memset(out, 0, sizeof *out);
  if (check_want(path, want_channels) < 0) return -1;
  FILE *fp = fopen(path, "rb");
  if (!fp) return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  int rc = read_stream(fp, path, want_channels, out);
  fclose(fp);
  return rc;
}

int dlab_image_decode_png(const void *data, size_t len, const char *what, int want_channels,
                          DlabImage *out) {
  memset(out, 0, sizeof *out);
  if (check_want(what, want_channels) < 0) return -1;
  if (len < PNG_SIGNATURE_LEN) return dlab_error(_("%s: not a PNG file"), what);
  /* fmemopen gives libpng the same FILE interface as a file on disk. */
  FILE *fp = fmemopen((void *)(uintptr_t)data, len, "rb");
  if (!fp) return dlab_error(_("%s: cannot read from memory: %s"), what, strerror(errno));
  int rc = read_stream(fp, what, want_channels, out);
  fclose(fp);
  return rc;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The IHDR chunk always comes first: 8-byte signature, length, "IHDR",
 * width, height, bit depth, color type. Reading it directly avoids a full
 * decoder setup when only the size is wanted. */
int dlab_image_png_info(const char *path, int *w, int *h, int *color_channels) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  uint8_t head[PNG_SIGNATURE_LEN + 8 + 13];
  size_t got = fread(head, 1, sizeof head, fp);
  fclose(fp);
  if (got < PNG_SIGNATURE_LEN || png_sig_cmp(head, 0, PNG_SIGNATURE_LEN) != 0)
    return dlab_error(_("%s: not a PNG file"), path);
  if (got < sizeof head || memcmp(head + 12, "IHDR", 4) != 0)
    return dlab_error(_("%s: bad PNG: no IHDR chunk at the start"), path);
  uint32_t width = be32(head + 16), height = be32(head + 20);
  if (width == 0 || height == 0 || width > PNG_MAX_SIDE || height > PNG_MAX_SIDE)
    return dlab_error(_("%s: bad PNG: size %ux%u (at most %d per side)"), path, width, height,
                      PNG_MAX_SIDE);
  int color_type = head[25];
  *w = (int)width;
  *h = (int)height;
  *color_channels = (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) ? 1 : 3;
  return 0;
}
