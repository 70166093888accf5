/* Random drawings of the non-digit proxy set (proxy-scribbles.h). Each
 * builds its path as text, the same language as the hand-made templates,
 * so that the hand (proxy-hand.c) varies them the same way. Random numbers
 * are drawn one per statement, never two in one expression or call (whose
 * order of evaluation is the compiler's choice): the files must not depend
 * on the compiler. */
#include "proxy-scribbles.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#define PI 3.14159265358979

typedef struct {
  char *buf;
  size_t cap, len;
  int overflow;
} Text;

static void put(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Text *t, const char *fmt, ...) {
  if (t->overflow) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= t->cap - t->len)
    t->overflow = 1;
  else
    t->len += (size_t)n;
}

static int done(const Text *t) { return t->overflow ? -1 : 0; }

static double uniform(DlabRng *rng, double lo, double hi) { return lo + (hi - lo) * dlab_rng_uniform(rng); }
static int between(DlabRng *rng, int lo, int hi) { return lo + (int)dlab_rng_below(rng, (uint32_t)(hi - lo + 1)); }

int proxy_spiral(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double turns = uniform(rng, 2, 3.5), squash = uniform(rng, 0.8, 1.2), dir = dlab_rng_uniform(rng) < 0.5 ? 1 : -1;
  double start = uniform(rng, 0, 2 * PI);
  int steps = (int)(36 * turns);
  for (int i = 0; i <= steps; i++) {
    double f = (double)i / steps, a = start + dir * 2 * PI * turns * f, r = 0.03 + 0.47 * f;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", 0.5 + r * cos(a), 0.5 + squash * r * sin(a));
  }
  return done(&t);
}

int proxy_zigzag(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int turns = between(rng, 5, 14);
  double width = uniform(rng, 0.6, 1.6), height = uniform(rng, 0.4, 1);
  for (int i = 0; i <= turns; i++) {
    double x = width * i / turns + uniform(rng, -0.04, 0.04);
    double y = (i % 2 ? height : 0) + uniform(rng, -0.1, 0.1) * height;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", x, y);
  }
  return done(&t);
}

int proxy_coil(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int loops = between(rng, 3, 7);
  double r = uniform(rng, 0.25, 0.45), advance = uniform(rng, 0.3, 0.6), squash = uniform(rng, 0.7, 1.3);
  int steps = 24 * loops;
  for (int i = 0; i <= steps; i++) {
    double a = 2 * PI * i / 24.0;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", advance * i / 24.0 - r * cos(a), 0.5 - squash * r * sin(a));
  }
  return done(&t);
}

static void hatch_set(DlabRng *rng, Text *t, int lines, double angle) {
  double spacing = uniform(rng, 0.18, 0.3), dx = cos(angle), dy = sin(angle);
  for (int i = 0; i < lines; i++) {
    double offset = (i - (lines - 1) / 2.0) * spacing, len = uniform(rng, 0.6, 1.0), shift = uniform(rng, -0.1, 0.1);
    double cx = 0.5 - dy * offset + dx * shift, cy = 0.5 + dx * offset + dy * shift;
    put(t, "M %.4f %.4f L %.4f %.4f ", cx - dx * len / 2, cy - dy * len / 2, cx + dx * len / 2, cy + dy * len / 2);
  }
}

int proxy_hatch(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double angle = uniform(rng, 20, 70) * PI / 180;
  if (dlab_rng_uniform(rng) < 0.5) angle = -angle;
  hatch_set(rng, &t, between(rng, 4, 9), angle);
  if (dlab_rng_uniform(rng) < 0.4) hatch_set(rng, &t, between(rng, 3, 6), angle + PI / 2);
  return done(&t);
}

int proxy_blot(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double rx = uniform(rng, 0.3, 0.5), ry = uniform(rng, 0.3, 0.5), wobble = uniform(rng, 0, 0.25);
  double phase = uniform(rng, 0, 2 * PI), spacing = uniform(rng, 0.03, 0.06);
  int rows = (int)(2 * ry / spacing);
  for (int i = 0; i <= rows; i++) {
    double y = -ry + 2 * ry * i / rows, half = rx * sqrt(fmax(0, 1 - y * y / (ry * ry)));
    half *= 1 + wobble * sin(3 * y / ry + phase);
    double x = i % 2 ? -half : half;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", 0.5 + x, 0.5 + y);
  }
  return done(&t);
}

static void tangle_stroke(DlabRng *rng, Text *t) {
  int bends = between(rng, 4, 8);
  double v[6];
  /* The numbers are drawn before the call: the order in which a call's
   * arguments are evaluated is the compiler's choice. */
  for (int k = 0; k < 2; k++) v[k] = dlab_rng_uniform(rng);
  put(t, "M %.4f %.4f ", v[0], v[1]);
  for (int i = 0; i < bends; i++) {
    for (int k = 0; k < 6; k++) v[k] = dlab_rng_uniform(rng);
    put(t, "C %.4f %.4f %.4f %.4f %.4f %.4f ", v[0], v[1], v[2], v[3], v[4], v[5]);
  }
}

int proxy_tangle(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  tangle_stroke(rng, &t);
  if (dlab_rng_uniform(rng) < 0.3) tangle_stroke(rng, &t);
  return done(&t);
}

/* ---- the unseen set's scribbles (proxy-unseen.c) ---- */

/* One letter-like element of running handwriting, from (x, 1) on the
 * baseline to (x + w, 1): an arch (n), a small loop (e) or a tall one
 * (l), or a cup that rises to the x-height and comes back (u). */
static double cursive_element(DlabRng *rng, Text *t, double x) {
  double w = uniform(rng, 0.12, 0.22), kind = dlab_rng_uniform(rng);
  if (kind < 0.35) {
    put(t, "C %.4f .55 %.4f .55 %.4f 1 ", x + 0.1 * w, x + 0.9 * w, x + w);
  } else if (kind < 0.75) {
    double top = kind < 0.6 ? uniform(rng, 0.5, 0.6) : uniform(rng, 0.05, 0.25);
    put(t, "C %.4f 1 %.4f %.4f %.4f %.4f ", x + w, x + w, top, x + 0.5 * w, top);
    put(t, "C %.4f %.4f %.4f 1 %.4f 1 ", x + 0.2 * w, top, x + 0.3 * w, x + w);
  } else {
    put(t, "C %.4f .9 %.4f .65 %.4f .6 ", x + 0.2 * w, x + 0.3 * w, x + 0.4 * w);
    put(t, "C %.4f 1.05 %.4f 1.05 %.4f 1 ", x + 0.4 * w, x + 0.9 * w, x + w);
  }
  return x + w;
}

/* A signature: a tall looped capital, four to eight running letters, and
 * an underline swash, joined or apart. */
int proxy_signature(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double top = uniform(rng, 0, 0.3), lean = uniform(rng, 0.05, 0.2);
  put(&t, "M 0 .8 C 0 .4 %.4f %.4f %.4f %.4f ", lean, top, lean + 0.15, top);
  put(&t, "C .4 %.4f .35 .55 .2 .75 C .1 .95 .25 1 .35 1 ", top);
  double x = 0.35;
  int letters = between(rng, 4, 8);
  for (int i = 0; i < letters; i++) x = cursive_element(rng, &t, x);
  double under = uniform(rng, 1.1, 1.25), back = uniform(rng, 0, 0.25);
  if (dlab_rng_uniform(rng) < 0.6)
    put(&t, "C %.4f 1.15 %.4f %.4f %.4f %.4f L %.4f %.4f ", x + 0.2, x + 0.1, under + 0.05, x - 0.1, under, back,
        under + 0.03);
  else
    put(&t, "M %.4f %.4f C %.4f %.4f %.4f %.4f %.4f %.4f ", back, under, x * 0.3, under + 0.06, x * 0.7, under - 0.06,
        x + 0.1, under);
  return done(&t);
}

/* Where the line {p : p . n = offset} crosses the box [0, w] x [0, h]
 * (n the unit normal of the direction d): its two ends, or 0. */
static int clip_line(double w, double h, double dx, double dy, double offset, double end[4]) {
  double px = -dy * offset, py = dx * offset, t0 = -1e9, t1 = 1e9;
  double p[2] = {px, py}, d[2] = {dx, dy}, hi[2] = {w, h};
  for (int k = 0; k < 2; k++) {
    if (fabs(d[k]) < 1e-12) {
      if (p[k] < 0 || p[k] > hi[k]) return 0;
      continue;
    }
    double a = (0 - p[k]) / d[k], b = (hi[k] - p[k]) / d[k];
    t0 = fmax(t0, fmin(a, b)), t1 = fmin(t1, fmax(a, b));
  }
  if (t1 - t0 < 0.02) return 0;
  end[0] = px + t0 * dx, end[1] = py + t0 * dy, end[2] = px + t1 * dx, end[3] = py + t1 * dy;
  return 1;
}

/* A box drawn round, then shaded with diagonal strokes back and forth in
 * one stroke, the turns along the box's sides. */
int proxy_shading(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double w = uniform(rng, 0.6, 1.1), h = uniform(rng, 0.5, 1), angle = uniform(rng, 30, 60) * PI / 180;
  double spacing = uniform(rng, 0.05, 0.1);
  if (dlab_rng_uniform(rng) < 0.5) angle = PI - angle;
  put(&t, "M 0 0 L %.4f 0 L %.4f %.4f L 0 %.4f L 0 0 ", w, w, h, h);
  double dx = cos(angle), dy = sin(angle), lo = 1e9, hi = -1e9, corner[4][2] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  for (int k = 0; k < 4; k++) {
    double o = -dy * corner[k][0] + dx * corner[k][1]; /* the offset of the line through this corner */
    lo = fmin(lo, o), hi = fmax(hi, o);
  }
  int lines = 0;
  for (double o = lo + spacing / 2; o < hi; o += spacing) {
    double e[4];
    if (!clip_line(w, h, dx, dy, o, e)) continue;
    int flip = lines % 2;
    put(&t, "%s%.4f %.4f L %.4f %.4f ", lines ? "L " : "M ", e[flip ? 2 : 0], e[flip ? 3 : 1], e[flip ? 0 : 2],
        e[flip ? 1 : 3]);
    lines++;
  }
  return done(&t);
}

/* Ten to thirty dots (the pen touches down and lifts) in a patch. */
int proxy_dots(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int dots = between(rng, 10, 30);
  double w = uniform(rng, 0.5, 1), h = uniform(rng, 0.5, 1);
  for (int i = 0; i < dots; i++) {
    double x = uniform(rng, 0, w), y = uniform(rng, 0, h);
    put(&t, "M %.4f %.4f L %.4f %.4f ", x, y, x + 0.005, y + 0.005);
  }
  return done(&t);
}

/* A few running letters crossed out by one or two lines. */
int proxy_strikeout(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double x = 0;
  put(&t, "M 0 1 ");
  int letters = between(rng, 3, 6);
  for (int i = 0; i < letters; i++) x = cursive_element(rng, &t, x);
  int lines = between(rng, 1, 2);
  for (int i = 0; i < lines; i++) {
    double y0 = uniform(rng, 0.7, 0.9), y1 = uniform(rng, 0.7, 0.9), over = uniform(rng, 0.02, 0.12);
    put(&t, "M %.4f %.4f L %.4f %.4f ", -over, y0, x + over, y1);
  }
  return done(&t);
}

/* A walk on a 5 x 5 grid that turns at right angles and never comes back
 * to a cell, until it is stuck; its length, and its turns in *turns. */
static int maze_walk(DlabRng *rng, int cells[25][2], int *turns) {
  static const int step[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  int seen[5][5] = {{0}}, dir = -1, n;
  *turns = 0;
  cells[0][0] = between(rng, 0, 4);
  cells[0][1] = between(rng, 0, 4);
  seen[cells[0][0]][cells[0][1]] = 1;
  for (n = 1; n < 25; n++) {
    int options[4], k = 0;
    for (int d = 0; d < 4; d++) {
      int cx = cells[n - 1][0] + step[d][0], cy = cells[n - 1][1] + step[d][1];
      if (cx >= 0 && cx < 5 && cy >= 0 && cy < 5 && !seen[cx][cy]) options[k++] = d;
    }
    if (k == 0) break;
    int d = options[dlab_rng_below(rng, (uint32_t)k)];
    *turns += dir >= 0 && d != dir;
    dir = d;
    cells[n][0] = cells[n - 1][0] + step[d][0];
    cells[n][1] = cells[n - 1][1] + step[d][1];
    seen[cells[n][0]][cells[n][1]] = 1;
  }
  return n;
}

/* How many cells apart the walk's extremes lie along an axis. */
static int maze_span(int cells[25][2], int n, int axis) {
  int lo = 4, hi = 0;
  for (int i = 0; i < n; i++) {
    if (cells[i][axis] < lo) lo = cells[i][axis];
    if (cells[i][axis] > hi) hi = cells[i][axis];
  }
  return hi - lo;
}

/* A maze-like meander: a grid walk of 15 cells or more, 8 turns or more,
 * spread over 4 columns and 4 rows or more (walked again until it is one):
 * too many turns, and too wide, for a squared-off digit. */
int proxy_maze(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int cells[25][2], n = 0, turns = 0;
  for (int attempt = 0; attempt < 200; attempt++) {
    n = maze_walk(rng, cells, &turns);
    if (n >= 15 && turns >= 8 && maze_span(cells, n, 0) >= 3 && maze_span(cells, n, 1) >= 3) break;
  }
  put(&t, "M %.4f %.4f ", 0.25 * cells[0][0], 0.25 * cells[0][1]);
  for (int i = 1; i < n; i++) {
    int last = i == n - 1;
    /* a corner or the end: straight runs are one line */
    if (last || cells[i + 1][0] - cells[i][0] != cells[i][0] - cells[i - 1][0] ||
        cells[i + 1][1] - cells[i][1] != cells[i][1] - cells[i - 1][1])
      put(&t, "L %.4f %.4f ", 0.25 * cells[i][0], 0.25 * cells[i][1]);
  }
  return done(&t);
}

/* A ball of yarn: four to eight loops round a centre that wanders, each
 * of its own size and shape, in one stroke. */
int proxy_yarn(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int loops = between(rng, 4, 8);
  double dir = dlab_rng_uniform(rng) < 0.5 ? 1 : -1, a = uniform(rng, 0, 2 * PI);
  double cx = 0.5, cy = 0.5, rx = uniform(rng, 0.2, 0.5), ry = uniform(rng, 0.2, 0.5);
  for (int i = 0; i <= 24 * loops; i++) {
    if (i % 24 == 12) { /* half way round: the next loop's centre and size */
      cx = 0.5 + uniform(rng, -0.15, 0.15), cy = 0.5 + uniform(rng, -0.15, 0.15);
      rx = uniform(rng, 0.15, 0.5), ry = uniform(rng, 0.15, 0.5);
    }
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", cx + rx * cos(a), cy + ry * sin(a));
    a += dir * 2 * PI / 24;
  }
  return done(&t);
}

/* A long gently curved line with five to twelve short stitches across. */
int proxy_stitches(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  double len = uniform(rng, 1.2, 2), bow[2], tick = uniform(rng, 0.1, 0.2), tilt = uniform(rng, -0.5, 0.5);
  for (int k = 0; k < 2; k++) bow[k] = uniform(rng, -0.2, 0.2);
  put(&t, "M 0 .5 C %.4f %.4f %.4f %.4f %.4f .5 ", len / 3, 0.5 + bow[0], 2 * len / 3, 0.5 + bow[1], len);
  int stitches = between(rng, 5, 12);
  for (int i = 0; i < stitches; i++) {
    double s = (i + 0.5) / stitches, u = 1 - s;
    double y = u * u * u * 0.5 + 3 * u * u * s * (0.5 + bow[0]) + 3 * u * s * s * (0.5 + bow[1]) + s * s * s * 0.5;
    double x = s * len; /* the curve's x is linear in s: its control points are evenly spaced */
    put(&t, "M %.4f %.4f L %.4f %.4f ", x - tilt * tick, y - tick, x + tilt * tick, y + tick);
  }
  return done(&t);
}

/* ---- the final set's scribbles (proxy-final.c) ---- */

/* Twelve to thirty short dashes, each its own stroke, pointing every way,
 * in a patch. */
int proxy_dashes(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int dashes = between(rng, 12, 30);
  double w = uniform(rng, 0.6, 1.1), h = uniform(rng, 0.6, 1.1);
  for (int i = 0; i < dashes; i++) {
    double x = uniform(rng, 0, w), y = uniform(rng, 0, h), len = uniform(rng, 0.04, 0.12);
    double a = uniform(rng, 0, PI);
    put(&t, "M %.4f %.4f L %.4f %.4f ", x, y, x + len * cos(a), y + len * sin(a));
  }
  return done(&t);
}

/* A spiky ball: one closed stroke in and out round a centre, 10 to 20
 * spikes of uneven length. */
int proxy_burst(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int spikes = between(rng, 10, 20);
  double inner = uniform(rng, 0.12, 0.25), start = uniform(rng, 0, 2 * PI), dir = dlab_rng_uniform(rng) < 0.5 ? 1 : -1;
  double first_x = 0, first_y = 0;
  for (int i = 0; i < spikes; i++) {
    double a = start + dir * 2 * PI * i / spikes, outer = uniform(rng, 0.32, 0.5);
    double x = 0.5 + inner * cos(a), y = 0.5 + inner * sin(a);
    if (i == 0) first_x = x, first_y = y;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", x, y);
    a += dir * PI / spikes;
    put(&t, "L %.4f %.4f ", 0.5 + outer * cos(a), 0.5 + outer * sin(a));
  }
  put(&t, "L %.4f %.4f ", first_x, first_y);
  return done(&t);
}

/* A tuft of grass: 6 to 14 blades, each a curved stroke up from a gently
 * curved ground line that is drawn first, or not at all. */
int proxy_grass(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int blades = between(rng, 6, 14);
  double width = uniform(rng, 0.8, 1.4), sag = uniform(rng, -0.05, 0.05);
  if (dlab_rng_uniform(rng) < 0.6)
    put(&t, "M -.05 1 C %.4f %.4f %.4f %.4f %.4f 1 ", width / 3, 1 + sag, 2 * width / 3, 1 - sag, width + 0.05);
  for (int i = 0; i < blades; i++) {
    double x = width * (i + uniform(rng, 0.1, 0.9)) / blades, height = uniform(rng, 0.35, 1);
    double lean = uniform(rng, -0.35, 0.35), bend = uniform(rng, -0.15, 0.15);
    put(&t, "M %.4f 1 C %.4f %.4f %.4f %.4f %.4f %.4f ", x, x + bend, 1 - height / 3, x + lean / 2 + bend,
        1 - 2 * height / 3, x + lean, 1 - height);
  }
  return done(&t);
}

/* One jagged line of short straight steps that wanders a little off its
 * course; returns where it ended after `steps` steps. */
static void crack_line(DlabRng *rng, Text *t, double x, double y, double heading, int steps, double step,
                       double *end_x, double *end_y) {
  put(t, "M %.4f %.4f ", x, y);
  for (int i = 0; i < steps; i++) {
    double turn = uniform(rng, -0.7, 0.7), len = uniform(rng, 0.5, 1.5) * step;
    x += len * cos(heading + turn), y += len * sin(heading + turn);
    put(t, "L %.4f %.4f ", x, y);
  }
  *end_x = x, *end_y = y;
}

/* A crack: a jagged line of 12 to 24 short steps, with two to four
 * jagged branches forking off it, each its own stroke. */
int proxy_crack(DlabRng *rng, char *buf, size_t cap) {
  Text t = {buf, cap, 0, 0};
  int steps = between(rng, 12, 24), branches = between(rng, 2, 4);
  double heading = uniform(rng, -0.6, 0.6), step = 1.0 / steps, x, y;
  crack_line(rng, &t, 0, 0.5, heading, steps, step, &x, &y);
  for (int b = 0; b < branches; b++) {
    /* from a point part way along the main line's course */
    double along = uniform(rng, 0.15, 0.85), side = dlab_rng_uniform(rng) < 0.5 ? 1 : -1;
    double bx = along * x, by = 0.5 + along * (y - 0.5), angle = heading + side * uniform(rng, 0.5, 1.1);
    int length = between(rng, 4, 10);
    double ex, ey;
    crack_line(rng, &t, bx, by, angle, length, step, &ex, &ey);
  }
  return done(&t);
}

/* A knot: a Lissajous curve whose two frequencies are 2:3, 3:4 or 4:5
 * (either way round; never 1:1, an ellipse, or 1:2, an 8), with a random
 * phase, in one closed stroke. */
int proxy_knot(DlabRng *rng, char *buf, size_t cap) {
  static const int ratios[3][2] = {{2, 3}, {3, 4}, {4, 5}};
  Text t = {buf, cap, 0, 0};
  int pick = between(rng, 0, 2), swap = dlab_rng_uniform(rng) < 0.5;
  double fx = ratios[pick][swap], fy = ratios[pick][!swap], phase = uniform(rng, 0.2, 1.4);
  double squash = uniform(rng, 0.7, 1.3);
  int steps = 60 * ratios[pick][1];
  for (int i = 0; i <= steps; i++) {
    double s = 2 * PI * i / steps;
    put(&t, "%s%.4f %.4f ", i ? "L " : "M ", 0.5 + 0.5 * sin(fx * s + phase), 0.5 + 0.5 * squash * sin(fy * s));
  }
  return done(&t);
}
