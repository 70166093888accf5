/* Ink preprocessing (ink.h): strokes -> the 28x28 picture a digit network
 * was trained on, the way MNIST's authors normalized their scans.
 *
 * 1. The pen: every point gets a radius proportional to the digit's size
 *    (the longest side of the bounding box of the pen path), so a digit
 *    drawn small or large looks the same, and modulated by the pressure
 *    relative to the drawing's mean pressure (0.5x .. 1.5x), so a light
 *    hand does not give a faint digit but pressing harder still thickens
 *    the line.
 * 2. The box: the ink's bounding box (pen path plus pen radius) is scaled
 *    so that its longest side is style->box (20) pixels, the aspect ratio
 *    kept.
 * 3. The centre: the ink's centre of mass goes to the centre of the 28x28
 *    field, pixel index (14, 14) as in MNIST (measured on its training set:
 *    14.01, 14.00). The mass is measured on a first rendering into a
 *    larger field (so nothing is clipped), then the digit is rendered
 *    again at its final sub-pixel place.
 *
 * Rendering is analytic, not supersampled: every segment between two
 * successive points is a capsule whose radius varies linearly along it, and
 * a pixel's value is the overlap of the pixel with the band across the
 * capsule's axis (an exact box filter for a straight band), the union of
 * segments taken with max. Each capsule only visits the pixels of its own
 * bounding box, and points closer than MIN_STEP output pixels to the
 * previous one are skipped, so the cost follows the length of the ink, not
 * the number of pointer events: a few tens of microseconds for a digit.
 * Nothing is allocated. */
#include "dlab/ink.h"

#include <math.h>
#include <string.h>

/* The pen width that gives rendered MNIST skeletons the ink of the real
 * digits (about 102 units of 0..1 per image on average: tools/ink/README.md). */
#define DEFAULT_WIDTH 0.15f
#define DEFAULT_BOX 20.0f
/* Points closer than this (output pixels) to the last drawn one add
 * nothing visible. */
#define MIN_STEP 0.8f
/* First-pass field: the 20-px box centred with room on every side. */
#define WIDE_SIDE 48
/* The centre of mass lands on this pixel index (MNIST's). */
#define CENTRE_INDEX 14.0f

DlabInkStyle dlab_ink_default_style(void) {
  return (DlabInkStyle){.box = DEFAULT_BOX, .width = DEFAULT_WIDTH};
}

/* Maps canvas points to output pixels: out = (p - origin) * scale + offset,
 * radius = (base + slope * pressure) * scale. */
typedef struct {
  float origin_x, origin_y, scale, offset_x, offset_y;
  float radius_base, radius_slope; /* in canvas units */
} Placement;

static float pressure_mean(const DlabStrokes *s) {
  double sum = 0;
  for (size_t i = 0; i < s->n_points; i++) sum += s->points[i].pressure;
  return (float)(sum / (double)s->n_points);
}

/* The pen radius at a point, in canvas units: half the width, scaled by
 * 0.5 + 0.5 * (p / mean p) clamped to 0.5 .. 1.5. */
static void pen_radius_law(const DlabStrokes *s, float width, float size, Placement *pl) {
  float mean = pressure_mean(s);
  float half = 0.5f * width * size;
  if (mean > 1e-6f) {
    pl->radius_base = 0.5f * half;
    pl->radius_slope = 0.5f * half / mean;
  } else { /* no pressure at all: treat as uniform */
    pl->radius_base = half;
    pl->radius_slope = 0;
  }
}

/* base + slope * p, at most 1.5x the radius at the mean pressure (3x
 * base); pressure is never negative, so base is the least. */
static float radius_at(const Placement *pl, float pressure) {
  return fminf(pl->radius_base + pl->radius_slope * pressure, 3.0f * pl->radius_base);
}

/* Finds the digit's size and the ink's bounding box, and sets the scale
 * that brings the longest side of the ink to `box` pixels. */
static int place(const DlabStrokes *s, const DlabInkStyle *st, Placement *pl) {
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (size_t i = 0; i < s->n_points; i++) {
    if (!isfinite(s->points[i].x) || !isfinite(s->points[i].y) || !isfinite(s->points[i].pressure)) return -1;
    x0 = fminf(x0, s->points[i].x), x1 = fmaxf(x1, s->points[i].x);
    y0 = fminf(y0, s->points[i].y), y1 = fmaxf(y1, s->points[i].y);
  }
  float size = fmaxf(x1 - x0, y1 - y0);
  if (!isfinite(size)) return -1; /* points too far apart for floats */
  /* A dot has no size: any width will do, the box sets its scale. */
  pen_radius_law(s, st->width, size > 0 ? size : 1.0f, pl);
  float ix0 = INFINITY, iy0 = INFINITY, ix1 = -INFINITY, iy1 = -INFINITY;
  for (size_t i = 0; i < s->n_points; i++) {
    float r = radius_at(pl, s->points[i].pressure);
    ix0 = fminf(ix0, s->points[i].x - r), ix1 = fmaxf(ix1, s->points[i].x + r);
    iy0 = fminf(iy0, s->points[i].y - r), iy1 = fmaxf(iy1, s->points[i].y + r);
  }
  float ink_size = fmaxf(ix1 - ix0, iy1 - iy0);
  pl->scale = ink_size > 0 ? st->box / ink_size : 1.0f;
  pl->origin_x = 0.5f * (ix0 + ix1);
  pl->origin_y = 0.5f * (iy0 + iy1);
  return isfinite(pl->scale) && pl->scale > 0 ? 0 : -1;
}

typedef struct {
  float x, y, r;
} Dab;

static Dab dab_at(const Placement *pl, const DlabInkPoint *p) {
  return (Dab){(p->x - pl->origin_x) * pl->scale + pl->offset_x,
               (p->y - pl->origin_y) * pl->scale + pl->offset_y,
               radius_at(pl, p->pressure) * pl->scale};
}

/* Share of the pixel [-0.5, 0.5] covered by a band of half-width r whose
 * axis is at distance d from the pixel's centre. */
static inline float band_coverage(float d, float r) {
  float hi = d + r < 0.5f ? d + r : 0.5f;   /* plain compares: fminf is a */
  float lo = d - r > -0.5f ? d - r : -0.5f; /* library call on x86 */
  float c = hi - lo;
  return c > 0 ? c : 0.0f;
}

/* Draws the capsule from a to b into img (side x side) with max. Pixel
 * (i, j) covers [j, j+1) x [i, i+1). */
static void draw_capsule(float *img, int side, Dab a, Dab b) {
  float reach = fmaxf(a.r, b.r); /* pixels [j, j+1) touching the ink */
  int j0 = (int)floorf(fminf(a.x, b.x) - reach), j1 = (int)ceilf(fmaxf(a.x, b.x) + reach);
  int i0 = (int)floorf(fminf(a.y, b.y) - reach), i1 = (int)ceilf(fmaxf(a.y, b.y) + reach);
  if (j0 < 0) j0 = 0;
  if (i0 < 0) i0 = 0;
  if (j1 > side) j1 = side;
  if (i1 > side) i1 = side;
  float dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  float inv = len2 > 1e-12f ? 1.0f / len2 : 0.0f;
  for (int i = i0; i < i1; i++) {
    float py = (float)i + 0.5f - a.y;
    for (int j = j0; j < j1; j++) {
      float px = (float)j + 0.5f - a.x;
      float t = (px * dx + py * dy) * inv;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      float ex = px - t * dx, ey = py - t * dy;
      float c = band_coverage(sqrtf(ex * ex + ey * ey), a.r + t * (b.r - a.r));
      float *v = &img[i * side + j];
      if (c > *v) *v = c;
    }
  }
}

static void draw_strokes(const DlabStrokes *s, const Placement *pl, float *img, int side) {
  memset(img, 0, (size_t)side * side * sizeof *img);
  for (int k = 0; k < s->n_strokes; k++) {
    size_t a = s->start[k], b = k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points;
    if (a == b) continue;
    Dab last = dab_at(pl, &s->points[a]);
    draw_capsule(img, side, last, last); /* a stroke of one point is a dot */
    for (size_t i = a + 1; i < b; i++) {
      Dab next = dab_at(pl, &s->points[i]);
      float dx = next.x - last.x, dy = next.y - last.y;
      if (dx * dx + dy * dy < MIN_STEP * MIN_STEP && i + 1 < b) continue;
      draw_capsule(img, side, last, next);
      last = next;
    }
  }
}

/* Centre of mass in pixel indices; 0 when there is no ink. */
static int centre_of_mass(const float *img, int side, float *cx, float *cy) {
  double m = 0, mx = 0, my = 0;
  for (int i = 0; i < side; i++)
    for (int j = 0; j < side; j++) {
      double v = img[i * side + j];
      m += v, mx += v * j, my += v * i;
    }
  if (m <= 0) return 0;
  *cx = (float)(mx / m), *cy = (float)(my / m);
  return 1;
}

static int usable(const DlabInkStyle *st) {
  return st && st->box > 0 && st->box <= DLAB_INK_SIDE && st->width > 0 && st->width < 10;
}

int dlab_ink_render(const DlabStrokes *s, const DlabInkStyle *style, float *out) {
  memset(out, 0, DLAB_INK_PIXELS * sizeof *out);
  if (!s || s->n_points == 0) return 1;
  DlabInkStyle st = usable(style) ? *style : dlab_ink_default_style();
  Placement pl;
  if (place(s, &st, &pl)) return 1; /* nothing drawable */
  /* First pass: box centred in a wide field, to find the centre of mass. */
  float wide[WIDE_SIDE * WIDE_SIDE];
  pl.offset_x = pl.offset_y = 0.5f * WIDE_SIDE;
  draw_strokes(s, &pl, wide, WIDE_SIDE);
  float cx, cy;
  if (!centre_of_mass(wide, WIDE_SIDE, &cx, &cy)) return 1;
  /* Second pass: shifted so that the centre of mass lands on CENTRE_INDEX. */
  pl.offset_x += CENTRE_INDEX - cx;
  pl.offset_y += CENTRE_INDEX - cy;
  draw_strokes(s, &pl, out, DLAB_INK_SIDE);
  return 0;
}
