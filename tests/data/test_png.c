/* PNG reading (every color type and bit depth, as 1 and 3 channels),
 * writing, resizing, and the errors for files that are not good PNGs.
 * The PNGs are written here with libpng directly, so the reader is checked
 * against an independent writer. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dlab/error.h"
#include "dlab/image.h"
#include "test_files.h"
#include "test_util.h"

static char tmp[1024];

typedef struct {
  int w, h, bit_depth, color_type, interlace;
  const png_color *palette; /* palette images */
  int num_palette;
  const png_byte *trns; /* palette alpha */
  int num_trns;
} PngFormat;

static int write_raw_png(const char *path, const PngFormat *f, const uint8_t *packed_rows,
                         size_t row_bytes) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    return -1;
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, (png_uint_32)f->w, (png_uint_32)f->h, f->bit_depth, f->color_type,
               f->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (f->palette) png_set_PLTE(png, info, f->palette, f->num_palette);
  if (f->trns) png_set_tRNS(png, info, f->trns, f->num_trns, NULL);
  png_write_info(png, info);
  png_bytep rows[64];
  for (int y = 0; y < f->h; y++) rows[y] = (png_bytep)(uintptr_t)(packed_rows + (size_t)y * row_bytes);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return fclose(fp);
}

static void path_in_tmp(char *path, size_t n, const char *name) {
  snprintf(path, n, "%s/%s", tmp, name);
}

/* Reads `path` as `want` channels and compares with `expected` (w*h*want). */
static void expect_pixels(const char *path, int want, int w, int h, const uint8_t *expected,
                          const char *what) {
  DlabImage img;
  int rc = dlab_image_read_png(path, want, &img);
  int same = rc == 0 && img.w == w && img.h == h && img.c == want &&
             memcmp(img.data, expected, (size_t)w * h * want) == 0;
  tap_ok(same, "%s read as %d channel%s%s%s", what, want, want > 1 ? "s" : "",
         rc ? ": " : "", rc ? dlab_error_message() : "");
  if (rc == 0 && !same)
    for (int i = 0; i < w * h * want && i < 12; i++)
      printf("# byte %d: got %d want %d\n", i, img.data[i], expected[i]);
  dlab_image_free(&img);
}

static void gray3(const uint8_t *gray, int n, uint8_t *rgb) {
  for (int i = 0; i < n; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
}

static void test_gray(void) {
  char path[1200];
  uint8_t px[12], rgb[36];
  for (int i = 0; i < 12; i++) px[i] = (uint8_t)(i * 23);
  gray3(px, 12, rgb);
  PngFormat f = {4, 3, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
  path_in_tmp(path, sizeof path, "gray8.png");
  write_raw_png(path, &f, px, 4);
  expect_pixels(path, 1, 4, 3, px, "8-bit gray");
  expect_pixels(path, 3, 4, 3, rgb, "8-bit gray");
  /* 16-bit: v * 257 is exactly v in 8 bits. */
  uint8_t px16[24];
  for (int i = 0; i < 12; i++) px16[2 * i] = px16[2 * i + 1] = px[i];
  f.bit_depth = 16;
  path_in_tmp(path, sizeof path, "gray16.png");
  write_raw_png(path, &f, px16, 8);
  expect_pixels(path, 1, 4, 3, px, "16-bit gray");
  /* 1-bit: 0 and 1 become 0 and 255. Row 0: 1010, row 1: 0110, row 2: 1111. */
  uint8_t bits[3] = {0xa0, 0x60, 0xf0}, want1[12] = {255, 0, 255, 0, 0, 255, 255, 0, 255, 255, 255, 255};
  f.bit_depth = 1;
  path_in_tmp(path, sizeof path, "gray1.png");
  write_raw_png(path, &f, bits, 1);
  expect_pixels(path, 1, 4, 3, want1, "1-bit gray");
}

/* Alpha composites onto black: v * a / 255, rounded. */
static uint8_t over_black(int v, int a) { return (uint8_t)((v * a + 127) / 255); }

static void test_gray_alpha(void) {
  char path[1200];
  uint8_t px[2 * 4] = {200, 128, 255, 255, 90, 0, 10, 255}, want[4], rgb[12];
  for (int i = 0; i < 4; i++) want[i] = over_black(px[2 * i], px[2 * i + 1]);
  gray3(want, 4, rgb);
  PngFormat f = {2, 2, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
  path_in_tmp(path, sizeof path, "gray-alpha.png");
  write_raw_png(path, &f, px, 4);
  expect_pixels(path, 1, 2, 2, want, "gray+alpha");
  expect_pixels(path, 3, 2, 2, rgb, "gray+alpha");
  tap_ok(want[0] == 100 && want[2] == 0, "alpha 128 halves, alpha 0 is black");
}

/* PIL's convert("L"): (r*19595 + g*38470 + b*7471 + 0x8000) >> 16. */
static uint8_t pil_gray(int r, int g, int b) {
  return (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

static void test_rgb(void) {
  char path[1200];
  uint8_t px[3 * 6] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 255, 255, 255, 0, 0, 0};
  uint8_t gray[6];
  for (int i = 0; i < 6; i++) gray[i] = pil_gray(px[3 * i], px[3 * i + 1], px[3 * i + 2]);
  PngFormat f = {3, 2, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
  path_in_tmp(path, sizeof path, "rgb.png");
  write_raw_png(path, &f, px, 9);
  expect_pixels(path, 3, 3, 2, px, "8-bit RGB");
  expect_pixels(path, 1, 3, 2, gray, "8-bit RGB");
  tap_ok(gray[0] == 76 && gray[1] == 150 && gray[2] == 29 && gray[4] == 255,
         "gray weights are PIL's (red 76, green 150, blue 29)");
  /* The same pixels, Adam7-interlaced. */
  f.interlace = PNG_INTERLACE_ADAM7;
  path_in_tmp(path, sizeof path, "rgb-interlaced.png");
  write_raw_png(path, &f, px, 9);
  expect_pixels(path, 3, 3, 2, px, "interlaced RGB");
}

static void test_rgba16(void) {
  char path[1200];
  /* Two pixels: opaque (10, 20, 30) and half-transparent (200, 100, 50). */
  uint16_t v[8] = {10 * 257, 20 * 257, 30 * 257, 65535, 200 * 257, 100 * 257, 50 * 257, 128 * 257};
  uint8_t px[16];
  for (int i = 0; i < 8; i++) px[2 * i] = (uint8_t)(v[i] >> 8), px[2 * i + 1] = (uint8_t)v[i];
  uint8_t rgb[6] = {10, 20, 30, over_black(200, 128), over_black(100, 128), over_black(50, 128)};
  uint8_t gray[2] = {pil_gray(10, 20, 30), pil_gray(rgb[3], rgb[4], rgb[5])};
  PngFormat f = {2, 1, 16, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, NULL, 0, NULL, 0};
  path_in_tmp(path, sizeof path, "rgba16.png");
  write_raw_png(path, &f, px, 16);
  expect_pixels(path, 3, 2, 1, rgb, "16-bit RGBA");
  expect_pixels(path, 1, 2, 1, gray, "16-bit RGBA");
}

static void test_palette(void) {
  char path[1200];
  png_color palette[3] = {{0, 0, 0}, {250, 240, 230}, {0, 128, 255}};
  png_byte trns[2] = {255, 0}; /* entry 1 fully transparent */
  uint8_t idx[4] = {0, 1, 2, 1};
  uint8_t rgb[12] = {0, 0, 0, 0, 0, 0, 0, 128, 255, 0, 0, 0};
  uint8_t gray[4] = {0, 0, pil_gray(0, 128, 255), 0};
  PngFormat f = {4, 1, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, palette, 3, trns, 2};
  path_in_tmp(path, sizeof path, "palette.png");
  write_raw_png(path, &f, idx, 4);
  expect_pixels(path, 3, 4, 1, rgb, "palette with tRNS");
  expect_pixels(path, 1, 4, 1, gray, "palette with tRNS");
}

static void expect_failure(int rc, const char *file, const char *what, const char *why) {
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, file) && tf_contains(msg, what), "%s: \"%s\"", why, msg);
}

static void test_bad_files(void) {
  char path[1200], cut[1200];
  DlabImage img;
  path_in_tmp(path, sizeof path, "notes.png");
  tf_write_bytes(path, "this is text, not an image\n", 27);
  expect_failure(dlab_image_read_png(path, 1, &img), "notes.png", "not a PNG", "text file");
  path_in_tmp(path, sizeof path, "rgb.png");
  size_t len;
  uint8_t *bytes = tf_read_bytes(path, &len);
  path_in_tmp(cut, sizeof cut, "cut.png");
  tf_write_bytes(cut, bytes, len - 20);
  expect_failure(dlab_image_read_png(cut, 3, &img), "cut.png", "truncated", "truncated PNG");
  bytes[len - 20] ^= 0x40; /* inside the IDAT chunk: its CRC no longer matches */
  path_in_tmp(cut, sizeof cut, "crc.png");
  tf_write_bytes(cut, bytes, len);
  expect_failure(dlab_image_read_png(cut, 3, &img), "crc.png", "bad PNG", "corrupt chunk");
  free(bytes);
  path_in_tmp(path, sizeof path, "absent.png");
  expect_failure(dlab_image_read_png(path, 1, &img), "absent.png", "cannot open", "missing file");
  path_in_tmp(path, sizeof path, "rgb.png");
  expect_failure(dlab_image_read_png(path, 2, &img), "rgb.png", "channels", "2 channels refused");
}

/* A file whose second chunk (sPLT, ancillary) claims 1.7 GB and ends at
 * once: refused as truncated without reading that much into memory (the
 * fuzzer found it; libpng allocates a chunk as long as its header says
 * unless it is told a limit). */
static void test_huge_chunk(void) {
  static const uint8_t file[43] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
      0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x03, 0x00, 0x00, 0x00, 0xc3,
      0xfc, 0x8f, 0xb8, 0x69, 0x00, 0x00, 0x06, 0x73, 0x50, 0x4c, 0x54, 0x45, 0x00};
  struct rusage before, after;
  DlabImage img;
  getrusage(RUSAGE_SELF, &before);
  int rc = dlab_image_decode_png(file, sizeof file, "huge-chunk.png", 1, &img);
  getrusage(RUSAGE_SELF, &after);
  const long grew_mb = (after.ru_maxrss - before.ru_maxrss) / 1024;
  expect_failure(rc, "huge-chunk.png", "PNG", "a chunk claiming 1.7 GB");
  tap_ok(grew_mb < 64, "...refused without reading it into memory (peak memory grew %ld MB)", grew_mb);
}

static int all_equal(const DlabImage *img, uint8_t v) {
  for (size_t i = 0; i < (size_t)img->w * img->h * img->c; i++)
    if (img->data[i] != v) return 0;
  return 1;
}

static void test_resize_constant(void) {
  DlabImage in, out;
  dlab_image_init(&in, 7, 5, 3);
  memset(in.data, 173, 7 * 5 * 3);
  int sizes[4][2] = {{3, 2}, {20, 13}, {3, 13}, {7, 5}};
  for (int i = 0; i < 4; i++) {
    int rc = dlab_image_resize(&in, sizes[i][0], sizes[i][1], &out);
    tap_ok(rc == 0 && out.w == sizes[i][0] && out.h == sizes[i][1] && out.c == 3 &&
               all_equal(&out, 173),
           "a constant 7x5 image resized to %dx%d stays constant", sizes[i][0], sizes[i][1]);
    dlab_image_free(&out);
  }
  expect_failure(dlab_image_resize(&in, 0, 4, &out), "resize", "0x4", "zero target size");
  dlab_image_free(&in);
}

static void test_resize_values(void) {
  DlabImage in, out;
  /* 4x4 -> 2x2 averages 2x2 blocks. */
  uint8_t block[16] = {0, 10, 100, 100, 20, 30, 100, 100, 255, 255, 1, 2, 255, 255, 3, 4};
  dlab_image_init(&in, 4, 4, 1);
  memcpy(in.data, block, 16);
  int rc = dlab_image_resize(&in, 2, 2, &out);
  tap_ok(rc == 0 && out.data[0] == 15 && out.data[1] == 100 && out.data[2] == 255 &&
             out.data[3] == 3,
         "shrinking by 2 averages blocks (%d %d %d %d)", out.data[0], out.data[1], out.data[2],
         out.data[3]);
  dlab_image_free(&out);
  dlab_image_free(&in);
  /* 2x1 -> 4x1: samples at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped). */
  dlab_image_init(&in, 2, 1, 1);
  in.data[1] = 255;
  rc = dlab_image_resize(&in, 4, 1, &out);
  tap_ok(rc == 0 && out.data[0] == 0 && out.data[1] == 64 && out.data[2] == 191 &&
             out.data[3] == 255,
         "enlarging is bilinear with centres aligned (%d %d %d %d)", out.data[0], out.data[1],
         out.data[2], out.data[3]);
  dlab_image_free(&out);
  dlab_image_free(&in);
}

static void test_write(void) {
  char path[1200];
  DlabImage img, back;
  dlab_image_init(&img, 5, 3, 3);
  for (int i = 0; i < 45; i++) img.data[i] = (uint8_t)(i * 5);
  path_in_tmp(path, sizeof path, "written.png");
  int rc = dlab_image_write_png(path, &img);
  int rc2 = rc == 0 ? dlab_image_read_png(path, 3, &back) : -1;
  tap_ok(rc2 == 0 && back.w == 5 && back.h == 3 && memcmp(back.data, img.data, 45) == 0,
         "an RGB image written and read back is unchanged%s%s", rc2 ? ": " : "",
         rc2 ? dlab_error_message() : "");
  if (rc2 == 0) dlab_image_free(&back);
  path_in_tmp(path, sizeof path, "no-such-dir/out.png");
  expect_failure(dlab_image_write_png(path, &img), "no-such-dir/out.png", "", "write into a missing directory");
  dlab_image_free(&img);
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "png");
  test_gray();
  test_gray_alpha();
  test_rgb();
  test_rgba16();
  test_palette();
  test_bad_files();
  test_huge_chunk();
  test_resize_constant();
  test_resize_values();
  test_write();
  tf_remove_tree(tmp);
  return tap_done();
}
