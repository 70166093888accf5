/* Template drawings for the default model's training set (styles.h).
 *
 * A template is a pen path in the turtle language (turtle.h). Every number
 * of it is jittered before it is traced, so no two drawings of a template
 * are the same, and writer_vary adds slant, warp, tremor and sampling
 * afterwards. */
#include "styles.h"

#include <math.h>
#include <stdlib.h>

#include "turtle.h"

#define PI 3.14159265358979

/* ---- the digits writers draw in ways MNIST lacks ---- */

typedef struct {
  int label;
  const char *path;
} Template;

static const Template digit_styles[] = {
    /* 9: the tail curls left like a handwritten g, deep or shallow */
    {9, "M .62 .25 A .36 .25 .26 .23 10 -350 C .66 .55 .68 .9 .45 .97 C .3 1.02 .15 .95 .1 .85"},
    {9, "M .6 .22 A .35 .23 .26 .22 5 -355 C .64 .6 .6 1 .35 1 C .2 1 .12 .92 .16 .82"},
    {9, "M .62 .2 A .36 .22 .27 .21 0 -360 C .62 .5 .6 .8 .5 .92 C .42 1 .3 1 .22 .95"},
    {9, "M .55 .08 A .34 .24 .26 .2 -30 -390 L .6 .55 C .6 .85 .5 1 .3 .98"},
    /* 4: open top in one stroke: down, across, up the stem and down again */
    {4, "M .28 0 L .06 .6 L .62 .6 L .64 .02 L .6 1"},
    {4, "M .3 0 C .2 .2 .1 .45 .06 .6 C .3 .62 .5 .6 .66 .58 C .66 .4 .67 .2 .68 0 C .64 .3 .62 .7 .6 1"},
    {4, "M .12 0 C .06 .4 .2 .6 .62 .55 M .66 0 L .63 1"},
    {4, "M .12 0 C .06 .4 .25 .6 .6 .55 L .66 0 C .64 .4 .62 .7 .6 1"},
    {4, "M .25 0 L .05 .62 L .8 .6 M .62 .15 L .6 1"},
    /* 7: the stem hooks right or curls left at the bottom, or bends twice */
    {7, "M .05 .05 L .7 .02 C .5 .35 .4 .7 .42 .95 C .43 1.02 .52 1 .58 .92"},
    {7, "M .05 .05 L .7 .02 C .5 .3 .35 .75 .3 .92 C .25 1.02 .15 .98 .12 .9"},
    {7, "M .05 .05 L .7 .02 C .35 .3 .6 .6 .3 1"},
    {7, "M .04 .2 L .05 .04 L .7 .02 C .55 .3 .45 .6 .42 .85 C .4 1 .5 1.02 .6 .95"},
    {7, "M .05 .08 C .25 0 .5 .05 .7 .02 C .55 .25 .45 .5 .38 .7 C .3 .9 .35 1 .45 .98"},
    /* 1: a flag at the top, short or long, straight or curved, with a base */
    {1, "M .15 .25 L .45 0 L .45 1"},
    {1, "M .2 .2 C .3 .12 .4 .05 .45 0 L .42 1"},
    {1, "M .1 .32 C .25 .2 .35 .1 .45 0 L .45 1 M .2 1 L .7 1"},
    {1, "M .25 .15 L .45 0 L .4 1"},
};

/* ---- drawings that are no digit ---- */

static const char *const nondigit_templates[] = {
    /* letters whose shapes no digit shares */
    "M 0 1 L .35 0 L .7 1 M .15 .6 L .55 .6",
    "M .6 0 L 0 0 L 0 1 L .6 1 M 0 .5 L .45 .5",
    "M .6 0 L 0 0 L 0 1 M 0 .48 L .45 .48",
    "M 0 0 L 0 1 M .6 0 L .6 1 M 0 .5 L .6 .5",
    "M 0 0 L 0 1 M .6 0 L 0 .55 L .6 1",
    "M 0 1 L .05 0 L .35 .6 L .65 0 L .7 1",
    "M 0 1 L 0 0 L .6 1 L .6 0",
    "M 0 1 L 0 0 C .5 0 .6 .1 .6 .25 C .6 .4 .5 .5 0 .5 L .6 1",
    "M 0 0 L .7 0 M .35 0 L .35 1",
    "M 0 0 L 0 .7 C 0 1.05 .6 1.05 .6 .7 L .6 0",
    "M 0 0 L .35 1 L .7 0",
    "M 0 0 L .2 1 L .4 .3 L .6 1 L .8 0",
    "M 0 0 L .7 1 M .7 0 L 0 1",
    "M 0 0 L .35 .5 L .7 0 M .35 .5 L .35 1",
    "M 0 0 L 0 1 M 0 .6 C .2 .35 .55 .35 .55 .6 L .55 1",
    "M 0 0 L 0 1 M .5 .4 L 0 .7 L .5 1",
    "M 0 .4 L 0 1 M 0 .55 C .1 .35 .35 .35 .35 .55 L .35 1 M .35 .55 C .45 .35 .7 .35 .7 .55 L .7 1",
    "M 0 .4 L 0 1 M 0 .6 C .15 .35 .55 .35 .55 .6 L .55 1",
    "M 0 .4 L 0 1 M 0 .6 C .1 .4 .3 .35 .45 .42",
    "M 0 .4 L 0 .8 C 0 1.02 .5 1.02 .5 .8 M .5 .4 L .5 1",
    "M 0 .4 L .3 1 L .6 .4",
    "M 0 .4 L .15 1 L .3 .6 L .45 1 L .6 .4",
    "M 0 .4 L .55 1 M .55 .4 L 0 1",
    /* shapes */
    "M .5 0 L 1 .85 L 0 .85 L .5 0",
    "M 0 0 L 1 0 L 1 1 L 0 1 L 0 0",
    "M 0 0 L 1 .05 L .95 .6 L .05 .6 L 0 0",
    "M .5 0 L .62 .38 L 1 .38 L .69 .6 L .8 1 L .5 .75 L .2 1 L .31 .6 L 0 .38 L .38 .38 L .5 0",
    "M .5 .3 C .5 0 0 0 0 .35 C 0 .6 .3 .8 .5 1 C .7 .8 1 .6 1 .35 C 1 0 .5 0 .5 .3",
    "M 0 .5 L 1 .5 M .7 .2 L 1 .5 L .7 .8",
    "M .5 0 L .5 1 M .2 .3 L .5 0 L .8 .3",
    "M .5 0 L .5 1 M 0 .5 L 1 .5",
    "M .5 .5 A .5 .5 .5 .5 0 360 M .32 .35 L .33 .4 M .68 .35 L .67 .4 M .28 .62 C .38 .8 .62 .8 .72 .62",
    "M 0 .45 L .5 0 L 1 .45 M .15 .35 L .15 1 L .85 1 L .85 .35",
    "M .6 0 L .2 .55 L .55 .5 L .3 1",
    "M 0 .5 C .15 .2 .3 .2 .45 .5 C .6 .8 .75 .8 .9 .5 C 1 .3 1.1 .3 1.2 .4",
    "M .2 .7 A .2 .55 .2 .15 90 270 A .45 .4 .28 .25 180 360 A .75 .55 .2 .15 270 450 L .2 .7",
    "M 0 0 L 1 1 M 1 0 L 0 1 M .5 0 L .5 1",
    "M .5 .5 A .5 .5 .5 .5 0 360 M .5 .5 A .5 .5 .2 .2 0 360",
    "M .1 .1 L .9 .1 M .1 .4 L .9 .4 M .1 .7 L .9 .7 M .3 0 L .3 .9 M .7 0 L .7 .9",
};

#define N_NONDIGIT (int)(sizeof nondigit_templates / sizeof nondigit_templates[0])

/* ---- the templates, jittered ---- */

/* Moves every number of the parsed template: coordinates by `jitter`, an
 * arc's radii by half of it and its angles by a few degrees. */
static void jitter_path(TurtlePath *path, DlabRng *rng, double jitter) {
  for (int c = 0; c < path->n; c++) {
    TurtleCommand *cmd = &path->cmd[c];
    for (int i = 0; i < turtle_arity(cmd->op); i++) {
      double sd = cmd->op == 'A' && i >= 4 ? 8 : cmd->op == 'A' && i >= 2 ? jitter / 2 : jitter;
      cmd->v[i] += sd * dlab_rng_normal(rng);
    }
  }
}

static int draw_path(const char *text, DlabRng *rng, double jitter, DlabStrokes *out) {
  static _Thread_local TurtlePath path;
  static _Thread_local TurtleShape shape;
  if (turtle_parse(text, &path) < 0) return -1;
  jitter_path(&path, rng, jitter);
  if (turtle_trace(&path, &shape) < 0) return -1;
  dlab_strokes_clear(out);
  for (int k = 0; k < shape.n_strokes; k++) {
    int end = k + 1 < shape.n_strokes ? shape.start[k + 1] : shape.n;
    if (dlab_strokes_begin(out) < 0) return -1;
    for (int i = shape.start[k]; i < end; i++)
      if (dlab_strokes_add(out, (float)(shape.p[i].x * 100), (float)(shape.p[i].y * 100), 1.0f) < 0) return -1;
  }
  return 0;
}

/* ---- drawings made by chance ---- */

/* A smooth random walk: the heading turns by a slowly changing amount. */
static int scribble(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  int strokes = 1 + (int)dlab_rng_below(rng, 3);
  for (int s = 0; s < strokes; s++) {
    if (dlab_strokes_begin(out) < 0) return -1;
    double x = dlab_rng_range(rng, 0, 1), y = dlab_rng_range(rng, 0, 1);
    double heading = dlab_rng_range(rng, 0, 2 * PI), turn = 0;
    int steps = 80 + (int)dlab_rng_below(rng, 240);
    for (int i = 0; i < steps; i++) {
      turn = 0.9 * turn + dlab_rng_normal(rng) * 0.12;
      heading += turn;
      x += 0.012 * cos(heading), y += 0.012 * sin(heading);
      /* stay roughly in a box, as a drawing on a pad does */
      if (x < 0 || x > 1 || y < 0 || y > 1) heading += PI / 2;
      if (dlab_strokes_add(out, (float)(x * 100), (float)(y * 100), 1.0f) < 0) return -1;
    }
  }
  return 0;
}

/* Back and forth: a zigzag, or hatching of parallel lines. */
static int zigzag(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  int turns = 3 + (int)dlab_rng_below(rng, 8), hatch = dlab_rng_uniform(rng) < 0.4f;
  double amp = dlab_rng_range(rng, 0.2, 1), tilt = dlab_rng_range(rng, -0.5, 0.5);
  for (int i = 0; i <= turns; i++) {
    if ((hatch || i == 0) && dlab_strokes_begin(out) < 0) return -1;
    double x = (double)i / turns, y0 = (i % 2 || hatch) ? 0 : amp, y1 = hatch ? amp : y0;
    if (dlab_strokes_add(out, (float)(100 * (x + tilt * y0)), (float)(100 * y0), 1.0f) < 0) return -1;
    if (hatch && dlab_strokes_add(out, (float)(100 * (x + tilt * y1)), (float)(100 * y1), 1.0f) < 0) return -1;
  }
  return 0;
}

/* An inward spiral of 1.5 to 4 turns. */
static int spiral(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  if (dlab_strokes_begin(out) < 0) return -1;
  double turns = dlab_rng_range(rng, 1.5, 4), dir = dlab_rng_uniform(rng) < 0.5f ? 1 : -1;
  int steps = (int)(turns * 60);
  for (int i = 0; i <= steps; i++) {
    double t = (double)i / steps, a = dir * t * turns * 2 * PI, r = 0.5 * (1 - 0.85 * t);
    if (dlab_strokes_add(out, (float)(50 + 100 * r * cos(a)), (float)(50 + 100 * r * sin(a)), 1.0f) < 0) return -1;
  }
  return 0;
}

/* A made-up glyph: three to five strokes, each a line, an arc or a curve,
 * anywhere in the box. Letters of any alphabet and most symbols are such
 * glyphs; three strokes or more keep them away from the digits (most
 * digits take one or two). */
static int glyph(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  int strokes = 3 + (int)dlab_rng_below(rng, 3);
  for (int s = 0; s < strokes; s++) {
    if (dlab_strokes_begin(out) < 0) return -1;
    float kind = dlab_rng_uniform(rng);
    double p[8];
    for (int i = 0; i < 8; i++) p[i] = dlab_rng_range(rng, 0, 1);
    for (int i = 0; i <= 40; i++) {
      double t = i / 40.0, u = 1 - t, x, y;
      if (kind < 0.4f) { /* line */
        x = p[0] + t * (p[2] - p[0]), y = p[1] + t * (p[3] - p[1]);
      } else if (kind < 0.7f) { /* arc: centre, radius, start, sweep */
        double r = 0.15 + 0.35 * p[2], a = 2 * PI * p[3] + t * (PI / 3 + p[4] * 4 * PI / 3) * (p[5] < 0.5 ? 1 : -1);
        x = p[0] + r * cos(a), y = p[1] + r * sin(a);
      } else { /* cubic curve */
        x = u * u * u * p[0] + 3 * u * u * t * p[2] + 3 * u * t * t * p[4] + t * t * t * p[6];
        y = u * u * u * p[1] + 3 * u * u * t * p[3] + 3 * u * t * t * p[5] + t * t * t * p[7];
      }
      if (dlab_strokes_add(out, (float)(x * 100), (float)(y * 100), 1.0f) < 0) return -1;
    }
  }
  return 0;
}

/* A closed polygon of three to six corners, roughly regular or not,
 * sometimes with a stroke inside. A 0 is round: corners make it something
 * else (more corners would round it into a 0). */
static int polygon(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  if (dlab_strokes_begin(out) < 0) return -1;
  int corners = 3 + (int)dlab_rng_below(rng, 4);
  double turn = dlab_rng_range(rng, 0, 2 * PI), aspect = dlab_rng_range(rng, 0.6f, 1.4f);
  double x0 = 0, y0 = 0;
  for (int i = 0; i <= corners; i++) {
    double a = turn + 2 * PI * (i % corners) / corners + (i % corners ? dlab_rng_normal(rng) * 0.15 : 0);
    double r = 0.5 * (i % corners ? dlab_rng_range(rng, 0.8f, 1.1f) : 1);
    double x = 0.5 + r * aspect * cos(a), y = 0.5 + r * sin(a);
    if (i == 0) x0 = x, y0 = y;
    if (i == corners) x = x0, y = y0; /* closed */
    if (dlab_strokes_add(out, (float)(x * 100), (float)(y * 100), 1.0f) < 0) return -1;
  }
  if (dlab_rng_uniform(rng) < 0.3f) {
    if (dlab_strokes_begin(out) < 0) return -1;
    for (int k = 0; k < 2; k++)
      if (dlab_strokes_add(out, (float)(100 * dlab_rng_range(rng, 0.2f, 0.8f)), (float)(100 * dlab_rng_range(rng, 0.2f, 0.8f)),
                           1.0f) < 0)
        return -1;
  }
  return 0;
}

/* Two straight strokes, the second crossing the first or starting from its
 * middle at a wide angle (an X, a 人 or a λ): figures of two lines that are
 * no digit. Two lines meeting at their ends would make a 7 or a 1 with a
 * flag, so they never do. */
static int two_lines(DlabRng *rng, DlabStrokes *out) {
  dlab_strokes_clear(out);
  double ax = dlab_rng_range(rng, 0, 1), ay = dlab_rng_range(rng, 0, 0.3f);
  double bx = dlab_rng_range(rng, 0, 1), by = dlab_rng_range(rng, 0.7f, 1);
  double t = dlab_rng_range(rng, 0.3f, 0.7f);
  /* The second stroke passes through (or starts at) a point of the first. */
  double side = dlab_rng_uniform(rng) < 0.5f ? 1 : -1;
  double mx = ax + t * (bx - ax), my = ay + t * (by - ay), a = side * dlab_rng_range(rng, 0.7f, 2.2f) + atan2(by - ay, bx - ax);
  double len = dlab_rng_range(rng, 0.5f, 1), back = dlab_rng_uniform(rng) < 0.5f ? dlab_rng_range(rng, 0.3f, 0.6f) : 0;
  const double pts[2][4] = {{ax, ay, bx, by},
                            {mx - back * len * cos(a), my - back * len * sin(a), mx + (1 - back) * len * cos(a),
                             my + (1 - back) * len * sin(a)}};
  for (int k = 0; k < 2; k++) {
    if (dlab_strokes_begin(out) < 0) return -1;
    for (int i = 0; i <= 20; i++) {
      double u = i / 20.0;
      if (dlab_strokes_add(out, (float)(100 * (pts[k][0] + u * (pts[k][2] - pts[k][0]))),
                           (float)(100 * (pts[k][1] + u * (pts[k][3] - pts[k][1]))), 1.0f) < 0)
        return -1;
    }
  }
  return 0;
}

int style_digit_label(int i) { return digit_styles[i % (int)(sizeof digit_styles / sizeof digit_styles[0])].label; }

int style_digit(int i, DlabRng *rng, DlabStrokes *out) {
  const Template *t = &digit_styles[i % (int)(sizeof digit_styles / sizeof digit_styles[0])];
  return draw_path(t->path, rng, dlab_rng_range(rng, 0.01f, 0.045f), out) < 0 ? -1 : t->label;
}

int style_nondigit(DlabRng *rng, DlabStrokes *out) {
  float kind = dlab_rng_uniform(rng);
  if (kind < 0.10f) return scribble(rng, out);
  if (kind < 0.16f) return zigzag(rng, out);
  if (kind < 0.20f) return spiral(rng, out);
  if (kind < 0.45f) return glyph(rng, out);
  if (kind < 0.55f) return polygon(rng, out);
  if (kind < 0.62f) return two_lines(rng, out);
  const char *path = nondigit_templates[dlab_rng_below(rng, N_NONDIGIT)];
  return draw_path(path, rng, dlab_rng_range(rng, 0.01f, 0.06f), out);
}
