/* Ink preprocessing (ink.h): the rendered 28x28 has MNIST's geometry
 * (centre of mass at pixel (14, 14), longest side of the ink 20 px), a pen
 * width that follows the digit's size, so drawing smaller, larger or on a
 * tiny or huge canvas gives the same picture; nothing drawn gives 1 and a
 * blank image; a dot, straight lines, pressure and point density behave. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/ink.h"
#include "dlab/strokes.h"
#include "test_util.h"

#define PI 3.14159265358979f

/* A hand-written-looking "2" of height 100 at (x, y), scaled by k: an arc,
 * a diagonal and a base, in two strokes. */
static void draw_two(DlabStrokes *s, float x, float y, float k, float pressure) {
  dlab_strokes_clear(s);
  dlab_strokes_begin(s);
  for (int i = 0; i <= 40; i++) {
    float a = PI * (1.1f - 1.35f * (float)i / 40.0f);
    dlab_strokes_add(s, x + k * (30 + 30 * cosf(a)), y + k * (30 - 30 * sinf(a)), pressure);
  }
  for (int i = 1; i <= 30; i++) dlab_strokes_add(s, x + k * (50 - 50 * i / 30.0f), y + k * (45 + 55 * i / 30.0f), pressure);
  dlab_strokes_begin(s);
  for (int i = 0; i <= 10; i++) dlab_strokes_add(s, x + k * (6 * i), y + k * 100, pressure);
}

static double ink_sum(const float *img) {
  double t = 0;
  for (int i = 0; i < DLAB_INK_PIXELS; i++) t += img[i];
  return t;
}

static void centre_of_mass(const float *img, double *cx, double *cy) {
  double m = 0, mx = 0, my = 0;
  for (int i = 0; i < DLAB_INK_SIDE; i++)
    for (int j = 0; j < DLAB_INK_SIDE; j++) {
      double v = img[i * DLAB_INK_SIDE + j];
      m += v, mx += v * j, my += v * i;
    }
  *cx = mx / m, *cy = my / m;
}

/* Width and height of the block of pixels holding any ink. */
static void ink_extent(const float *img, int *w, int *h) {
  int x0 = DLAB_INK_SIDE, x1 = -1, y0 = DLAB_INK_SIDE, y1 = -1;
  for (int i = 0; i < DLAB_INK_SIDE; i++)
    for (int j = 0; j < DLAB_INK_SIDE; j++)
      if (img[i * DLAB_INK_SIDE + j] > 0) {
        if (j < x0) x0 = j;
        if (j > x1) x1 = j;
        if (i < y0) y0 = i;
        if (i > y1) y1 = i;
      }
  *w = x1 - x0 + 1, *h = y1 - y0 + 1;
}

static float max_diff(const float *a, const float *b) {
  float d = 0;
  for (int i = 0; i < DLAB_INK_PIXELS; i++) d = fmaxf(d, fabsf(a[i] - b[i]));
  return d;
}

static int in_unit_range(const float *img) {
  for (int i = 0; i < DLAB_INK_PIXELS; i++)
    if (!(img[i] >= 0 && img[i] <= 1)) return 0;
  return 1;
}

static void check_geometry(const float *img, const char *what) {
  double cx, cy;
  int w, h;
  centre_of_mass(img, &cx, &cy);
  ink_extent(img, &w, &h);
  int longest = w > h ? w : h;
  tap_ok(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5, "%s: centre of mass (%.2f, %.2f) at (14, 14)", what, cx, cy);
  tap_ok(longest >= 19 && longest <= 21, "%s: longest side %d px (20 +- 1)", what, longest);
  tap_ok(in_unit_range(img), "%s: values in 0..1", what);
}

static void test_empty(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  float img[DLAB_INK_PIXELS];
  DlabInkStyle st = dlab_ink_default_style();
  img[5] = 7;
  tap_ok(dlab_ink_render(&s, &st, img) == 1 && ink_sum(img) == 0, "no strokes: returns 1, blank image");
  dlab_strokes_begin(&s);
  tap_ok(dlab_ink_render(&s, &st, img) == 1 && ink_sum(img) == 0, "an empty stroke: returns 1, blank image");
  dlab_strokes_add(&s, NAN, 3, 1);
  tap_ok(dlab_ink_render(&s, &st, img) == 1 && ink_sum(img) == 0, "a NaN point: returns 1, blank image");
  tap_ok(dlab_ink_render(NULL, &st, img) == 1, "NULL strokes: returns 1");
  dlab_strokes_free(&s);
}

static void test_digit(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  float ref[DLAB_INK_PIXELS], img[DLAB_INK_PIXELS];
  DlabInkStyle st = dlab_ink_default_style();
  tap_ok(st.box == 20 && st.width > 0.05f && st.width < 0.25f, "default style: box 20, width %.3f of the size", st.width);
  draw_two(&s, 50, 80, 1, 1);
  tap_ok(dlab_ink_render(&s, &st, ref) == 0, "a drawn 2 renders");
  check_geometry(ref, "a 2");
  float peak = 0;
  for (int i = 0; i < DLAB_INK_PIXELS; i++) peak = fmaxf(peak, ref[i]);
  tap_ok(peak > 0.99f, "the stroke's core is full ink (%.3f)", peak);
  tap_ok(ink_sum(ref) > 60 && ink_sum(ref) < 160, "ink %.1f is MNIST-like (MNIST mean 102)", ink_sum(ref));

  draw_two(&s, 3000, -700, 25, 1);
  dlab_ink_render(&s, &st, img);
  tap_ok(max_diff(ref, img) < 2e-3f, "25x larger and elsewhere on the canvas: same picture (diff %.2g)", max_diff(ref, img));
  draw_two(&s, 0.01f, 0.02f, 0.004f, 1);
  dlab_ink_render(&s, &st, img);
  tap_ok(max_diff(ref, img) < 2e-3f, "a tiny canvas (0.4 units): same picture (diff %.2g)", max_diff(ref, img));
  draw_two(&s, 2e5f, 1e5f, 500, 1);
  dlab_ink_render(&s, &st, img);
  tap_ok(max_diff(ref, img) < 2e-2f, "a huge canvas (50000 units at 2e5): same picture (diff %.2g)", max_diff(ref, img));

  draw_two(&s, 50, 80, 1, 0.3f);
  dlab_ink_render(&s, &st, img);
  tap_ok(max_diff(ref, img) < 1e-4f, "a lighter hand, uniformly: same picture");

  DlabInkStyle thick = st;
  thick.width *= 2;
  dlab_ink_render(&s, &thick, img);
  tap_ok(ink_sum(img) > 1.5 * ink_sum(ref), "twice the width: %.0f ink vs %.0f", ink_sum(img), ink_sum(ref));
  check_geometry(img, "a thick 2");
  tap_ok(dlab_ink_render(&s, NULL, img) == 0 && max_diff(ref, img) < 1e-4f, "NULL style is the default");
  dlab_strokes_free(&s);
}

/* The same line with 2 points or 200: the same picture. */
static void test_lines(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  float a[DLAB_INK_PIXELS], b[DLAB_INK_PIXELS];
  DlabInkStyle st = dlab_ink_default_style();
  dlab_strokes_add(&s, 10, 50, 1);
  dlab_strokes_add(&s, 110, 50, 1);
  tap_ok(dlab_ink_render(&s, &st, a) == 0, "a horizontal line renders");
  int w, h;
  ink_extent(a, &w, &h);
  double cx, cy;
  centre_of_mass(a, &cx, &cy);
  tap_ok(w >= 19 && w <= 21 && h >= 2 && h <= 5, "horizontal line: %dx%d px", w, h);
  tap_ok(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5, "horizontal line: centre (%.2f, %.2f)", cx, cy);
  dlab_strokes_clear(&s);
  for (int i = 0; i <= 200; i++) dlab_strokes_add(&s, 10 + 0.5f * (float)i, 50, 1);
  dlab_ink_render(&s, &st, b);
  tap_ok(max_diff(a, b) < 0.02f, "the same line in 200 points: same picture (diff %.3f)", max_diff(a, b));

  dlab_strokes_clear(&s);
  dlab_strokes_add(&s, 40, 0, 1);
  dlab_strokes_add(&s, 40, 300, 1);
  dlab_ink_render(&s, &st, b);
  ink_extent(b, &w, &h);
  tap_ok(h >= 19 && h <= 21 && w >= 2 && w <= 5, "a vertical line (a 1): %dx%d px", w, h);
  float transposed = 0;
  for (int i = 0; i < DLAB_INK_SIDE; i++)
    for (int j = 0; j < DLAB_INK_SIDE; j++) transposed = fmaxf(transposed, fabsf(a[i * 28 + j] - b[j * 28 + i]));
  tap_ok(transposed < 1e-4f, "vertical is the horizontal transposed (diff %.2g)", transposed);
  dlab_strokes_free(&s);
}

static void test_dot_and_pressure(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  float img[DLAB_INK_PIXELS];
  DlabInkStyle st = dlab_ink_default_style();
  dlab_strokes_add(&s, 123, 45, 0.7f);
  tap_ok(dlab_ink_render(&s, &st, img) == 0, "a single dot renders");
  check_geometry(img, "a dot");
  float asym = 0;
  for (int i = 0; i < 28; i++)
    for (int j = 0; j < 28; j++) asym = fmaxf(asym, fabsf(img[i * 28 + j] - img[j * 28 + i]));
  tap_ok(asym < 1e-4f, "the dot is round (diff to its transpose %.2g)", asym);

  /* A line drawn light then hard is thicker where it was pressed. */
  dlab_strokes_clear(&s);
  for (int i = 0; i <= 100; i++) dlab_strokes_add(&s, (float)i, 0, i < 50 ? 0.2f : 0.9f);
  dlab_ink_render(&s, &st, img);
  int x0 = 28, x1 = -1;
  for (int j = 0; j < 28; j++)
    for (int i = 0; i < 28; i++)
      if (img[i * 28 + j] > 0) x0 = j < x0 ? j : x0, x1 = j > x1 ? j : x1;
  double light = 0, hard = 0; /* ink across the line, a quarter from each end */
  for (int i = 0; i < 28; i++) light += img[i * 28 + x0 + 5], hard += img[i * 28 + x1 - 5];
  tap_ok(hard > 1.5 * light, "pressure thickens the stroke: %.2f px pressed vs %.2f px light", hard, light);
  dlab_strokes_free(&s);
}

/* Every file of the hand-drawn set (tests/data/strokes) reads and renders
 * with MNIST's geometry. */
static void test_drawn_set(void) {
  const char *root = getenv("DLAB_SOURCE_ROOT");
  char dirname[4096];
  snprintf(dirname, sizeof dirname, "%s/tests/data/strokes", root ? root : ".");
  DIR *d = opendir(dirname);
  if (!d) {
    printf("# %s: absent, the drawn set is not checked\n", dirname);
    return;
  }
  DlabStrokes s;
  dlab_strokes_init(&s);
  float img[DLAB_INK_PIXELS];
  int files = 0, good = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 9 || strcmp(e->d_name + len - 8, ".strokes")) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dirname, e->d_name);
    files++;
    if (dlab_strokes_read(path, &s) || dlab_ink_render(&s, NULL, img) != 0) {
      printf("# %s: %s\n", path, dlab_error_message());
      continue;
    }
    double cx, cy;
    int w, h;
    centre_of_mass(img, &cx, &cy);
    ink_extent(img, &w, &h);
    int longest = w > h ? w : h;
    if (fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5 && longest >= 19 && longest <= 21 && s.canvas_w == 400)
      good++;
    else
      printf("# %s: centre (%.2f, %.2f), %dx%d\n", path, cx, cy, w, h);
  }
  closedir(d);
  tap_ok(files >= 50 && good == files, "the hand-drawn set: %d of %d files read and render to MNIST's geometry", good, files);
  dlab_strokes_free(&s);
}

int main(void) {
  test_drawn_set();
  test_empty();
  test_digit();
  test_lines();
  test_dot_and_pressure();
  return tap_done();
}
