/* draw-digits: writes the hand-made sanity set tests/data/strokes/ — 50
 * digits drawn as pen paths, five ways of writing each digit, including
 * the ones MNIST rarely shows (a 1 with flag and base, a crossed 7, a
 * closed 4, a one-stroke 5, a 2 with a loop, a flat-topped 3).
 *
 *   draw-digits OUTDIR
 *
 * Each path is written in the turtle language of turtle.h, in a box 0.7
 * wide and 1 tall, y down: `M x y` starts a stroke, `L x y` draws a line,
 * `C x1 y1 x2 y2 x y` a cubic Bezier curve, `A cx cy rx ry from to` an
 * elliptical arc (degrees, 0 = right, 90 = down, drawn from `from` to
 * `to`). Every digit is then slanted, scaled and placed on a 400x400
 * canvas, sampled like a tablet (a point every few pixels, a little
 * tremor) with a pressure profile, all from a fixed seed, so the files are
 * reproducible. File names start with the digit: `4-closed.strokes`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/rng.h"
#include "dlab/strokes.h"
#include "turtle.h"

typedef struct {
  const char *name; /* "<digit>-<style>" */
  float slant;      /* x shift per unit of height, leaning right */
  float aspect;     /* width multiplier */
  const char *path;
} Drawing;

static const Drawing drawings[] = {
    {"0-oval", 0.0f, 1, "M .35 0 A .35 .5 .33 .5 -90 -460"},
    {"0-gap", 0.05f, 1, "M .40 .02 A .35 .5 .34 .48 -80 -425"},
    {"0-narrow", 0.0f, 0.65f, "M .35 0 A .35 .5 .33 .5 -90 -450"},
    {"0-clockwise", 0.0f, 1, "M .35 0 A .35 .5 .33 .5 -90 290"},
    {"0-slanted", 0.3f, 0.9f, "M .35 0 A .35 .5 .33 .5 -90 -455"},
    {"1-line", 0.0f, 1, "M .35 0 L .35 1"},
    {"1-flag", 0.0f, 1, "M .12 .22 L .38 0 L .38 1"},
    {"1-flag-base", 0.0f, 1, "M .12 .22 L .38 0 L .38 1 M .12 1 L .62 1"},
    {"1-slanted", 0.0f, 1, "M .45 0 L .25 1"},
    {"1-curved-flag", 0.1f, 1, "M .22 .12 C .3 .08 .38 .03 .42 0 L .36 1"},
    {"2-plain", 0.0f, 1, "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .5 .2 .75 .03 1 L .68 1"},
    {"2-loop", 0.0f, 1, "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .55 .25 .75 .12 .9 C .02 1.02 .2 1.04 .3 .92 C .4 .85 .55 .98 .7 .98"},
    {"2-angular", 0.0f, 1, "M .05 .05 L .65 .05 L .05 1 L .68 1"},
    {"2-curly", 0.0f, 1, "M .1 .3 C .1 .05 .6 0 .6 .3 C .6 .55 .1 .7 .1 .98 C .3 .96 .5 .96 .68 1"},
    {"2-slanted", 0.3f, 1, "M .08 .22 C .12 0 .62 -.05 .62 .28 C .62 .5 .2 .75 .03 1 L .68 1"},
    {"3-round", 0.0f, 1, "M .08 .12 C .25 -.05 .65 0 .6 .25 C .56 .45 .3 .47 .25 .47 C .45 .47 .7 .55 .66 .78 C .6 1.05 .2 1.05 .05 .88"},
    {"3-flat-top", 0.0f, 1, "M .08 0 L .62 0 L .3 .4 C .6 .4 .72 .6 .65 .8 C .55 1.05 .15 1.02 .05 .85"},
    {"3-pointed", 0.0f, 1, "M .1 .1 C .3 -.05 .65 .05 .55 .3 L .3 .48 C .7 .5 .75 .85 .5 .97 C .35 1.03 .15 1 .05 .9"},
    {"3-narrow", 0.0f, 0.7f, "M .08 .12 C .25 -.05 .65 0 .6 .25 C .56 .45 .3 .47 .25 .47 C .45 .47 .7 .55 .66 .78 C .6 1.05 .2 1.05 .05 .88"},
    {"3-slanted", 0.3f, 1, "M .08 .12 C .25 -.05 .65 0 .6 .25 C .56 .45 .3 .47 .25 .47 C .45 .47 .7 .55 .66 .78 C .6 1.05 .2 1.05 .05 .88"},
    {"4-open", 0.0f, 1, "M .45 0 L .05 .65 L .7 .65 M .52 .25 L .52 1"},
    {"4-closed", 0.0f, 1, "M .5 0 L .05 .65 L .7 .65 M .5 0 L .5 1"},
    {"4-square", 0.0f, 1, "M .1 0 L .08 .55 L .68 .55 M .5 .05 L .5 1"},
    {"4-one-stroke", 0.0f, 1, "M .1 0 L .1 .55 L .62 .55 L .6 0 L .6 1"},
    {"4-slanted", 0.3f, 1, "M .45 0 L .05 .65 L .7 .65 M .52 .25 L .52 1"},
    {"5-two-strokes", 0.0f, 1, "M .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88 M .15 0 L .62 0"},
    {"5-one-stroke", 0.0f, 1, "M .62 0 L .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88"},
    {"5-angular", 0.0f, 1, "M .12 0 L .1 .45 L .5 .45 L .62 .6 L .62 .85 L .5 .98 L .08 .95 M .12 0 L .62 0"},
    {"5-round", 0.0f, 1, "M .15 0 L .12 .42 C .4 .3 .72 .45 .68 .72 C .64 1 .2 1.05 .05 .85 M .15 .01 L .65 -.02"},
    {"5-slanted", 0.3f, 1, "M .62 0 L .15 0 L .1 .45 C .3 .33 .65 .38 .65 .68 C .65 1 .25 1.05 .05 .88"},
    {"6-curve", 0.0f, 1, "M .55 0 C .25 .15 .05 .45 .08 .72 C .1 1 .6 1.05 .62 .72 C .63 .45 .2 .45 .1 .68"},
    {"6-straight", 0.0f, 1, "M .45 0 L .12 .6 C .05 .85 .2 1 .38 1 C .6 1 .68 .72 .5 .6 C .35 .5 .15 .6 .12 .7"},
    {"6-big-loop", 0.0f, 1, "M .6 .05 C .3 0 .05 .3 .05 .65 C .05 .95 .3 1 .4 1 C .6 1 .68 .85 .66 .7 C .64 .5 .4 .42 .08 .62"},
    {"6-slanted", 0.3f, 1, "M .55 0 C .25 .15 .05 .45 .08 .72 C .1 1 .6 1.05 .62 .72 C .63 .45 .2 .45 .1 .68"},
    {"6-narrow", 0.0f, 0.7f, "M .55 0 C .25 .15 .05 .45 .08 .72 C .1 1 .6 1.05 .62 .72 C .63 .45 .2 .45 .1 .68"},
    {"7-plain", 0.0f, 1, "M .05 0 L .65 0 L .25 1"},
    {"7-crossed", 0.0f, 1, "M .05 0 L .65 0 L .25 1 M .2 .5 L .6 .5"},
    {"7-curved", 0.0f, 1, "M .05 .02 L .65 0 C .45 .3 .35 .6 .3 1"},
    {"7-serif", 0.0f, 1, "M .05 .12 L .05 0 L .65 0 L .3 1"},
    {"7-slanted", 0.3f, 1, "M .05 0 L .65 0 L .25 1 M .2 .5 L .6 .5"},
    {"8-one-stroke", 0.0f, 1, "M .6 .12 C .5 -.05 .1 -.02 .12 .2 C .15 .42 .65 .5 .65 .75 C .65 1.03 .05 1.03 .05 .75 C .05 .5 .55 .42 .58 .22 C .6 .08 .55 .03 .5 0"},
    {"8-two-loops", 0.0f, 1, "M .35 0 A .35 .24 .23 .24 -90 -450 M .35 .48 A .35 .74 .3 .26 -90 270"},
    {"8-small-top", 0.0f, 1, "M .55 .1 C .45 -.03 .18 -.02 .2 .18 C .22 .38 .68 .48 .66 .76 C .64 1.04 .04 1.02 .06 .74 C .08 .5 .5 .4 .52 .2 C .53 .08 .5 .02 .45 0"},
    {"8-slanted", 0.3f, 1, "M .6 .12 C .5 -.05 .1 -.02 .12 .2 C .15 .42 .65 .5 .65 .75 C .65 1.03 .05 1.03 .05 .75 C .05 .5 .55 .42 .58 .22 C .6 .08 .55 .03 .5 0"},
    {"8-wide", 0.15f, 1.25f, "M .35 0 A .35 .24 .23 .24 -90 -450 M .35 .48 A .35 .74 .3 .26 -90 270"},
    {"9-straight", 0.0f, 1, "M .62 .22 A .35 .22 .27 .22 0 -360 L .62 1"},
    {"9-hooked", 0.0f, 1, "M .62 .22 A .35 .22 .27 .22 0 -360 C .62 .6 .55 .9 .3 1"},
    {"9-slanted-stem", 0.0f, 1, "M .62 .22 A .35 .22 .27 .22 0 -360 L .4 1"},
    {"9-small-loop", 0.0f, 1, "M .6 .18 A .4 .18 .2 .18 0 -360 L .58 1"},
    {"9-slanted", 0.3f, 1, "M .62 .22 A .35 .22 .27 .22 0 -360 L .62 1"},
};

/* Places one drawing on the canvas the way a person would write it on a
 * tablet: a size and place of their choosing, points every few pixels, a
 * slight tremor, pressure rising as the pen lands and falling as it lifts
 * (or none: every third digit is drawn with a mouse). */
static void write_on_canvas(const Drawing *d, const TurtleShape *sh, int index, DlabStrokes *out) {
  DlabRng rng;
  dlab_rng_seed(&rng, 20240 + (uint64_t)index);
  double height = dlab_rng_range(&rng, 170, 300);
  double left = dlab_rng_range(&rng, 20, 380 - 0.95 * height), top = dlab_rng_range(&rng, 20, 380 - height);
  double spacing = dlab_rng_range(&rng, 2, 7); /* canvas pixels between samples */
  int mouse = index % 3 == 2;
  dlab_strokes_clear(out);
  out->canvas_w = out->canvas_h = 400;
  for (int k = 0; k < sh->n_strokes; k++) {
    int a = sh->start[k], b = k + 1 < sh->n_strokes ? sh->start[k + 1] : sh->n;
    double length = 0, since = spacing;
    for (int i = a + 1; i < b; i++) length += hypot(sh->p[i].x - sh->p[i - 1].x, sh->p[i].y - sh->p[i - 1].y) * height;
    double walked = 0;
    dlab_strokes_begin(out);
    for (int i = a; i < b; i++) {
      if (i > a) {
        double step = hypot(sh->p[i].x - sh->p[i - 1].x, sh->p[i].y - sh->p[i - 1].y) * height;
        walked += step, since += step;
      }
      if (since < spacing && i != b - 1) continue;
      since = 0;
      double x = sh->p[i].x * d->aspect + d->slant * (1 - sh->p[i].y), y = sh->p[i].y;
      double t = length > 0 ? walked / length : 0.5;
      double pressure = mouse ? 1.0 : 0.75 * fmin(1.0, 0.3 + 0.7 * fmin(t / 0.15, (1 - t) / 0.1 + 0.3));
      /* Two decimals, as a tablet driver reports them. */
      double px = round(100 * (left + x * height + 0.6 * dlab_rng_normal(&rng))) / 100;
      double py = round(100 * (top + y * height + 0.6 * dlab_rng_normal(&rng))) / 100;
      dlab_strokes_add(out, (float)px, (float)py, (float)(round(1000 * fmax(0.05, fmin(1.0, pressure))) / 1000));
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: draw-digits OUTDIR\n");
    return 2;
  }
  static TurtleShape shape;
  DlabStrokes out;
  dlab_strokes_init(&out);
  int count = (int)(sizeof drawings / sizeof drawings[0]);
  for (int i = 0; i < count; i++) {
    if (turtle_trace_text(drawings[i].path, &shape)) {
      fprintf(stderr, "draw-digits: %s: bad path \"%s\"\n", drawings[i].name, drawings[i].path);
      return 1;
    }
    write_on_canvas(&drawings[i], &shape, i, &out);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.strokes", argv[1], drawings[i].name);
    if (dlab_strokes_write(path, &out)) {
      fprintf(stderr, "draw-digits: %s\n", dlab_error_message());
      return 1;
    }
  }
  printf("%d digits -> %s\n", count, argv[1]);
  dlab_strokes_free(&out);
  return 0;
}
