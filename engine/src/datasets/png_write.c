/* Writing 8-bit PNG files with libpng, atomically.
 *
 * The PNG is written into a temporary file beside the target and renamed
 * over it only when complete (atomic_file.h), so a crash or a full disk never
 * leaves a half-written image under the real name. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "dlab/image.h"

#include "core/i18n.h"

typedef struct {
  char message[256];
} PngSink;

static void on_error(png_structp png, png_const_charp msg) {
  PngSink *sink = png_get_error_ptr(png);
  snprintf(sink->message, sizeof sink->message, "%s", msg);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg;
}

static int color_type_for(int channels) {
  switch (channels) {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGBA;
  }
}

/* The libpng work; failures longjmp out. Nothing is allocated here. */
static void encode_body(png_structp png, png_infop info, FILE *fp, const DlabImage *img) {
  png_init_io(png, fp);
  png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, color_type_for(img->c),
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  size_t stride = (size_t)img->w * (size_t)img->c;
  for (int y = 0; y < img->h; y++) png_write_row(png, img->data + (size_t)y * stride);
  png_write_end(png, NULL);
}

static int encode(png_structp png, png_infop info, PngSink *sink, FILE *fp,
                  const DlabImage *img, const char *path) {
  if (setjmp(png_jmpbuf(png))) return dlab_error(_("%s: cannot write PNG: %s"), path, sink->message);
  encode_body(png, info, fp, img);
  return 0;
}

static int encode_to(FILE *fp, const DlabImage *img, const char *path) {
  PngSink sink = {{0}};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  int rc = info ? encode(png, info, &sink, fp, img, path)
                : dlab_error(_("%s: out of memory for the PNG encoder"), path);
  png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
  return rc;
}

int dlab_image_write_png(const char *path, const DlabImage *img) {
  if (!img || !img->data || img->w <= 0 || img->h <= 0 || img->c < 1 || img->c > 4)
    return dlab_error(_("%s: cannot write an empty or malformed image as PNG"), path);
  DlabAtomicFile file;
  if (dlab_atomic_open(&file, path) < 0) return -1;
  if (encode_to(file.fp, img, path) < 0) {
    dlab_atomic_abort(&file);
    return -1;
  }
  return dlab_atomic_commit(&file);
}

int dlab_image_write_png_quick(const char *path, const DlabImage *img) {
  if (!img || !img->data || img->w <= 0 || img->h <= 0 || img->c < 1 || img->c > 4)
    return dlab_error(_("%s: cannot write an empty or malformed image as PNG"), path);
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.part", path) >= sizeof tmp)
    return dlab_error(_("%s: path too long"), path);
  FILE *fp = fopen(tmp, "wb");
  if (!fp) return dlab_error(_("%s: cannot create: %s"), tmp, strerror(errno));
  int rc = encode_to(fp, img, path);
  if (fclose(fp) != 0 && rc == 0) rc = dlab_error(_("%s: cannot write: %s"), tmp, strerror(errno));
  if (rc == 0 && rename(tmp, path) != 0) rc = dlab_error(_("%s: cannot rename into place: %s"), path, strerror(errno));
  if (rc != 0) remove(tmp);
  return rc;
}
