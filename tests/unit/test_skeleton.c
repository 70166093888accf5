/* tools/ink/skeleton.c (MNIST pictures -> strokes by thinning) on
 * pictures drawn here: a ring is one closed stroke, a bar one straight
 * stroke, a cross two strokes that pass through the junction (not four
 * stubs), a blank picture none; the strokes stay inside the picture and
 * render back to something close to the original. */
#include <math.h>
#include <string.h>

#include "../../tools/ink/skeleton.h"
#include "dlab/ink.h"
#include "test_util.h"

static uint8_t pic[28 * 28];

/* Paints a thick anti-aliased line or ring into pic (max with what is there). */
static void paint_segment(float x0, float y0, float x1, float y1, float half_width) {
  for (int i = 0; i < 28; i++)
    for (int j = 0; j < 28; j++) {
      float px = j + 0.5f - x0, py = i + 0.5f - y0, dx = x1 - x0, dy = y1 - y0;
      float t = (px * dx + py * dy) / (dx * dx + dy * dy);
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      float d = hypotf(px - t * dx, py - t * dy), v = half_width + 0.5f - d;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      uint8_t b = (uint8_t)(255 * v);
      if (b > pic[i * 28 + j]) pic[i * 28 + j] = b;
    }
}

static void paint_ring(float cx, float cy, float r, float half_width) {
  for (int i = 0; i < 28; i++)
    for (int j = 0; j < 28; j++) {
      float d = fabsf(hypotf(j + 0.5f - cx, i + 0.5f - cy) - r), v = half_width + 0.5f - d;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      pic[i * 28 + j] = (uint8_t)(255 * v);
    }
}

static size_t stroke_points(const DlabStrokes *s, int k) {
  return (k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points) - s->start[k];
}

static int inside_picture(const DlabStrokes *s) {
  for (size_t i = 0; i < s->n_points; i++)
    if (s->points[i].x < 0 || s->points[i].y < 0 || s->points[i].x > 280 || s->points[i].y > 280) return 0;
  return 1;
}

int main(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);

  memset(pic, 0, sizeof pic);
  tap_ok(skeleton_strokes(pic, &s) == 0 && s.n_points == 0, "a blank picture has no strokes");

  paint_ring(14, 14, 8, 1.3f);
  int n = skeleton_strokes(pic, &s);
  tap_ok(n == 1, "a ring is one stroke (%d)", n);
  if (n >= 1) {
    const DlabInkPoint *a = &s.points[0], *z = &s.points[stroke_points(&s, 0) - 1];
    tap_ok(hypotf(a->x - z->x, a->y - z->y) < 15, "the ring's stroke closes on itself");
    float worst = 0;
    for (size_t i = 0; i < s.n_points; i++)
      worst = fmaxf(worst, fabsf(hypotf(s.points[i].x - 140, s.points[i].y - 140) - 80));
    tap_ok(worst < 8, "its points follow the ring's middle (off by %.1f canvas px at most)", worst);
  }
  tap_ok(s.canvas_w == 280 && s.canvas_h == 280 && inside_picture(&s), "a 280x280 canvas, points inside it");

  memset(pic, 0, sizeof pic);
  paint_segment(5, 14, 23, 14, 1.5f);
  n = skeleton_strokes(pic, &s);
  tap_ok(n == 1, "a bar is one stroke (%d)", n);
  float lo = 1e9f, hi = -1e9f, dev = 0;
  for (size_t i = 0; i < s.n_points; i++) {
    lo = fminf(lo, s.points[i].x), hi = fmaxf(hi, s.points[i].x);
    dev = fmaxf(dev, fabsf(s.points[i].y - 140));
  }
  tap_ok(hi - lo > 150 && hi - lo < 200 && dev < 5, "it spans the bar (%.0f px long, %.1f px off its axis)", hi - lo, dev);

  memset(pic, 0, sizeof pic);
  paint_segment(4, 14, 24, 14, 1.5f);
  paint_segment(14, 4, 14, 24, 1.5f);
  n = skeleton_strokes(pic, &s);
  tap_ok(n == 2, "a cross is two strokes through its centre, not four stubs (%d)", n);
  tap_ok(inside_picture(&s), "points inside the picture");

  /* What thinning keeps renders back close to the picture it came from. */
  memset(pic, 0, sizeof pic);
  paint_segment(6, 4, 20, 4, 1.2f);
  paint_segment(20, 4, 9, 24, 1.2f);
  n = skeleton_strokes(pic, &s);
  float img[DLAB_INK_PIXELS];
  DlabInkStyle st = dlab_ink_default_style();
  tap_ok(n == 1 && dlab_ink_render(&s, &st, img) == 0, "a 7 is one stroke and renders (%d)", n);
  int bar_row = 0;
  double best = 0;
  for (int i = 0; i < 28; i++) {
    double row = 0;
    for (int j = 0; j < 28; j++) row += img[i * 28 + j];
    if (row > best) best = row, bar_row = i;
  }
  tap_ok(bar_row < 12, "its bar is on top: the inkiest row is %d", bar_row);

  dlab_strokes_free(&s);
  return tap_done();
}
