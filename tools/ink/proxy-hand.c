/* A random hand for the proxy sets (proxy-hand.h). Lengths are in canvas
 * pixels once the drawing is placed; before that, in the template's box
 * (1 tall). Random numbers are drawn one per statement (never two in one
 * call's arguments, whose order of evaluation is the compiler's choice), so
 * that the files are the same whatever compiles the tool. */
#include "proxy-hand.h"

#include <math.h>
#include <string.h>

#include "dlab/error.h"

#define PI 3.14159265358979
#define MARGIN 10.0 /* canvas pixels kept free around the drawing */
#define MAX_STROKE_POINTS (TURTLE_MAX_POINTS + 2)

static double uniform(DlabRng *rng, double lo, double hi) { return lo + (hi - lo) * dlab_rng_uniform(rng); }
static double normal(DlabRng *rng) { return dlab_rng_normal(rng); }
static int chance(DlabRng *rng, double p) { return dlab_rng_uniform(rng) < p; }

/* Device first: it decides the report rate, the wobble and the pressure. */
void hand_random(Hand *h, DlabRng *rng) {
  double device = dlab_rng_uniform(rng);
  h->device = device < 0.55 ? HAND_PEN : device < 0.8 ? HAND_MOUSE : HAND_FINGER;
  h->jitter = uniform(rng, 0.008, 0.03);
  h->slant_deg = uniform(rng, -15, 25);
  h->rotate_deg = uniform(rng, -6, 6);
  h->aspect = exp(uniform(rng, log(0.8), log(1.25)));
  h->taper = uniform(rng, -0.2, 0.2);
  h->height_px = uniform(rng, 110, 330);
  h->speed_px_s = uniform(rng, 350, 1600);
  switch (h->device) {
  case HAND_PEN:
    h->rate_hz = uniform(rng, 100, 240), h->tremor_px = uniform(rng, 0, 1.0), h->noise_px = uniform(rng, 0.1, 0.35);
    h->pressure = uniform(rng, 0.3, 0.85);
    break;
  case HAND_MOUSE:
    h->rate_hz = uniform(rng, 60, 125), h->tremor_px = uniform(rng, 0.4, 2.2), h->noise_px = 0.3;
    h->pressure = 1;
    break;
  case HAND_FINGER:
    h->rate_hz = uniform(rng, 60, 120), h->tremor_px = uniform(rng, 0.3, 1.5), h->noise_px = uniform(rng, 0.4, 0.8);
    h->pressure = 1;
    break;
  }
  h->tick_p = uniform(rng, 0, 0.35);
  h->tail_p = uniform(rng, 0, 0.3);
  h->reverse_p = uniform(rng, 0.1, 0.5);
  h->reorder_p = uniform(rng, 0.1, 0.5);
}

/* Moves the control points: every point a little, arcs' radii by a few
 * percent and their ends by a few degrees. Points that two strokes share
 * move apart, as they do when a person lifts the pen. */
static void perturb(const Hand *h, TurtlePath *path, DlabRng *rng) {
  for (int k = 0; k < path->n; k++) {
    double *v = path->cmd[k].v;
    if (path->cmd[k].op == 'A') {
      v[0] += 0.7 * h->jitter * normal(rng), v[1] += 0.7 * h->jitter * normal(rng);
      v[2] *= exp(0.07 * normal(rng)), v[3] *= exp(0.07 * normal(rng));
      v[4] += 4 * normal(rng), v[5] += 4 * normal(rng);
    } else {
      for (int i = 0; i < turtle_arity(path->cmd[k].op); i++) v[i] += h->jitter * normal(rng);
    }
  }
}

typedef struct {
  double x0, y0, x1, y1;
} Box;

static Box bounds(const TurtleShape *s) {
  Box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (int i = 0; i < s->n; i++) {
    b.x0 = fmin(b.x0, s->p[i].x), b.x1 = fmax(b.x1, s->p[i].x);
    b.y0 = fmin(b.y0, s->p[i].y), b.y1 = fmax(b.y1, s->p[i].y);
  }
  return b;
}

/* Taper, aspect, slant and rotation around the drawing's centre, then the
 * size and place on the canvas. */
static void place(const Hand *h, TurtleShape *s, DlabRng *rng) {
  Box b = bounds(s);
  double cx = (b.x0 + b.x1) / 2, cy = (b.y0 + b.y1) / 2;
  double shear = tan(h->slant_deg * PI / 180), c = cos(h->rotate_deg * PI / 180), sn = sin(h->rotate_deg * PI / 180);
  for (int i = 0; i < s->n; i++) {
    double u = s->p[i].x - cx, w = s->p[i].y - cy;
    u *= h->aspect * (1 + h->taper * w);
    u -= shear * w;
    s->p[i] = (TurtlePt){u * c - w * sn, u * sn + w * c};
  }
  b = bounds(s);
  double room = HAND_CANVAS - 2 * MARGIN, w = fmax(b.x1 - b.x0, 1e-6), ht = fmax(b.y1 - b.y0, 1e-6);
  double scale = fmin(h->height_px / ht, fmin(room / w, room / ht));
  double left = uniform(rng, MARGIN, HAND_CANVAS - MARGIN - w * scale);
  double top = uniform(rng, MARGIN, HAND_CANVAS - MARGIN - ht * scale);
  for (int i = 0; i < s->n; i++)
    s->p[i] = (TurtlePt){left + (s->p[i].x - b.x0) * scale, top + (s->p[i].y - b.y0) * scale};
}

/* Stroke k of s into q, backwards when asked, without repeated points. */
static int stroke_points(const TurtleShape *s, int k, int backwards, TurtlePt *q) {
  int a = s->start[k], b = k + 1 < s->n_strokes ? s->start[k + 1] : s->n, m = 0;
  for (int i = a; i < b; i++) {
    TurtlePt p = s->p[backwards ? a + b - 1 - i : i];
    if (m == 0 || hypot(p.x - q[m - 1].x, p.y - q[m - 1].y) > 1e-9) q[m++] = p;
  }
  return m;
}

/* The direction of the stroke's first (or last) few pixels. */
static TurtlePt end_direction(const TurtlePt *q, int m, int at_end) {
  TurtlePt from = at_end ? q[m - 1] : q[0], d = {1, 0};
  for (int i = 1; i < m; i++) {
    TurtlePt p = at_end ? q[m - 1 - i] : q[i];
    double len = hypot(p.x - from.x, p.y - from.y);
    d = len > 0 ? (TurtlePt){(p.x - from.x) / len, (p.y - from.y) / len} : d;
    if (len >= 6) break;
  }
  return d; /* pointing into the stroke */
}

static TurtlePt turned(TurtlePt d, double degrees, double len) {
  double a = degrees * PI / 180;
  return (TurtlePt){len * (d.x * cos(a) - d.y * sin(a)), len * (d.x * sin(a) + d.y * cos(a))};
}

/* A landing tick (the pen touches down a little to the side and comes
 * into the stroke) and a lifting tail (it flicks away as it leaves). */
static int add_ends(const Hand *h, TurtlePt *q, int m, DlabRng *rng) {
  if (m >= 2 && chance(rng, h->tick_p)) {
    double side = chance(rng, 0.5) ? 1 : -1, angle = side * uniform(rng, 110, 160), len = uniform(rng, 2, 7);
    TurtlePt t = turned(end_direction(q, m, 0), angle, len);
    memmove(q + 1, q, (size_t)m * sizeof *q);
    q[0] = (TurtlePt){q[1].x + t.x, q[1].y + t.y};
    m++;
  }
  if (m >= 2 && chance(rng, h->tail_p)) {
    double side = chance(rng, 0.5) ? 1 : -1, angle = side * uniform(rng, 120, 170), len = uniform(rng, 2, 8);
    TurtlePt t = turned(end_direction(q, m, 1), angle, len);
    q[m] = (TurtlePt){q[m - 1].x + t.x, q[m - 1].y + t.y};
    m++;
  }
  return m;
}

/* A slow wobble along the stroke: two waves of random length and phase
 * in each direction. */
static void add_tremor(const Hand *h, TurtlePt *q, int m, DlabRng *rng) {
  double l1 = uniform(rng, 25, 70), l2 = uniform(rng, 6, 14), ph[4];
  for (int i = 0; i < 4; i++) ph[i] = uniform(rng, 0, 2 * PI);
  double s = 0;
  for (int i = 0; i < m; i++) {
    if (i > 0) s += hypot(q[i].x - q[i - 1].x, q[i].y - q[i - 1].y);
    double a = 2 * PI * s;
    q[i].x += h->tremor_px * (sin(a / l1 + ph[0]) + 0.4 * sin(a / l2 + ph[1]));
    q[i].y += h->tremor_px * (sin(a / l1 + ph[2]) + 0.4 * sin(a / l2 + ph[3]));
  }
}

/* How fast the pen moves at each point, relative to its top speed: slow
 * as it lands and lifts, slower in tight turns (the two-thirds power
 * law: speed falls as the cube root of the curvature). */
static void speed_profile(const TurtlePt *q, int m, const double *s, double *v) {
  double length = s[m - 1];
  for (int i = 0, j = 0, k = 0; i < m; i++) {
    while (j < i && s[i] - s[j + 1] >= 5) j++;
    if (k < i) k = i;
    while (k < m - 1 && s[k] - s[i] < 5) k++;
    double turn = 0;
    if (j < i && k > i) {
      turn = atan2(q[k].y - q[i].y, q[k].x - q[i].x) - atan2(q[i].y - q[j].y, q[i].x - q[j].x);
      turn = fabs(remainder(turn, 2 * PI));
    }
    double curvature = turn / fmax(1, s[k] - s[j]);
    double bell = 0.12 + 0.88 * pow(fmax(0, sin(PI * (length > 0 ? s[i] / length : 0.5))), 0.7);
    v[i] = bell * pow(1 + 60 * curvature, -1.0 / 3);
  }
}

typedef struct {
  double land, lift; /* shares of the stroke over which pressure rises and falls */
} PenEnds;

static double smoothstep(double t) { return t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t); }

/* One report of the device: noise, the canvas' edges, the device's
 * precision and, for a pen, the pressure (harder where it moves slowly). */
static int report(const Hand *h, const PenEnds *ends, double x, double y, double along, double speed, DlabRng *rng,
                  DlabStrokes *out) {
  x = fmin(HAND_CANVAS, fmax(0, x + h->noise_px * normal(rng)));
  y = fmin(HAND_CANVAS, fmax(0, y + h->noise_px * normal(rng)));
  double pressure = 1;
  if (h->device == HAND_MOUSE) {
    x = round(x), y = round(y);
    size_t n = out->n_points, first = out->start[out->n_strokes - 1];
    if (n > first && out->points[n - 1].x == (float)x && out->points[n - 1].y == (float)y) return 0;
  } else {
    x = round(100 * x) / 100, y = round(100 * y) / 100;
  }
  if (h->device == HAND_PEN) {
    double rise = 0.35 + 0.65 * smoothstep(along / ends->land);
    double fall = 0.4 + 0.6 * smoothstep((1 - along) / ends->lift);
    pressure = h->pressure * rise * fall * (1 + 0.25 * (1 - speed));
    pressure = round(1000 * fmin(1, fmax(0.05, pressure))) / 1000;
  }
  return dlab_strokes_add(out, (float)x, (float)y, (float)pressure);
}

/* The time between two reports: the device's period with jitter, and now
 * and then a report lost. */
static double next_interval(const Hand *h, DlabRng *rng) {
  double period = 1 / h->rate_hz, dt = period * fmin(1.6, fmax(0.5, 1 + 0.12 * normal(rng)));
  return chance(rng, 0.03) ? dt + period : dt;
}

/* Walks the stroke in time and reports where the pen is every interval,
 * the first and last points included. */
static int sample_stroke(const Hand *h, const TurtlePt *q, int m, DlabRng *rng, DlabStrokes *out) {
  static double s[MAX_STROKE_POINTS], v[MAX_STROKE_POINTS];
  s[0] = 0;
  for (int i = 1; i < m; i++) s[i] = s[i - 1] + hypot(q[i].x - q[i - 1].x, q[i].y - q[i - 1].y);
  speed_profile(q, m, s, v);
  double length = s[m - 1], top = fmax(60, h->speed_px_s * fmin(1, sqrt(length / 250)));
  PenEnds ends;
  ends.land = uniform(rng, 0.04, 0.12);
  ends.lift = uniform(rng, 0.06, 0.15);
  if (dlab_strokes_begin(out) || report(h, &ends, q[0].x, q[0].y, 0, v[0], rng, out)) return -1;
  double t = 0, next = next_interval(h, rng);
  for (int i = 0; i + 1 < m; i++) {
    double ds = s[i + 1] - s[i], dt = ds / (top * 0.5 * (v[i] + v[i + 1]));
    if (!(dt > 0)) continue;
    for (; next <= t + dt; next += next_interval(h, rng)) {
      double f = (next - t) / dt, along = length > 0 ? (s[i] + f * ds) / length : 0;
      if (report(h, &ends, q[i].x + f * (q[i + 1].x - q[i].x), q[i].y + f * (q[i + 1].y - q[i].y), along,
                 v[i] + f * (v[i + 1] - v[i]), rng, out))
        return -1;
    }
    t += dt;
  }
  return report(h, &ends, q[m - 1].x, q[m - 1].y, 1, v[m - 1], rng, out);
}

int hand_write(const Hand *h, const TurtlePath *path, unsigned reversible, int reorder, DlabRng *rng,
               DlabStrokes *out) {
  static TurtlePath moved;
  static TurtleShape shape;
  static TurtlePt q[MAX_STROKE_POINTS];
  moved = *path;
  perturb(h, &moved, rng);
  if (turtle_trace(&moved, &shape))
    return dlab_error("the path needs more than %d points or %d strokes", TURTLE_MAX_POINTS, TURTLE_MAX_STROKES);
  place(h, &shape, rng);
  int flip = reorder && chance(rng, h->reorder_p);
  dlab_strokes_clear(out);
  out->canvas_w = out->canvas_h = HAND_CANVAS;
  for (int i = 0; i < shape.n_strokes; i++) {
    int k = flip ? shape.n_strokes - 1 - i : i;
    int backwards = k < 32 && (reversible >> k & 1u) && chance(rng, h->reverse_p);
    int m = stroke_points(&shape, k, backwards, q);
    m = add_ends(h, q, m, rng);
    add_tremor(h, q, m, rng);
    if (sample_stroke(h, q, m, rng, out)) return -1;
  }
  return 0;
}
