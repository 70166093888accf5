/* Random writers (writer.h). The renderer already removes what a pen and a
 * canvas add (pen width, size, position: it draws its own pen and
 * normalizes the box), so the variation that matters is in the shape of
 * the path: slant, rotation, proportions, wobble, the ends of strokes
 * (people overshoot, stop short, leave hooks when the pen lands or lifts,
 * close loops or not) and how densely the tablet sampled the pen.
 * Distances below are in the 28-px units of an MNIST digit. */
#include "writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "skeleton.h"

#define PI 3.14159265358979f
#define MAX_PTS 4096

typedef struct {
  float x, y;
} P2;

typedef struct {
  P2 p[MAX_PTS];
  int n;
} Path;

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A normal draw with standard deviation sd, cut at +-limit. */
static float normal(DlabRng *rng, float sd, float limit) { return clampf(sd * dlab_rng_normal(rng), -limit, limit); }

static float seg_len(P2 a, P2 b) { return hypotf(b.x - a.x, b.y - a.y); }

static float path_len(const Path *pa) {
  float l = 0;
  for (int i = 1; i < pa->n; i++) l += seg_len(pa->p[i - 1], pa->p[i]);
  return l;
}

/* Keeps arc lengths [from, to] of the path, resampled evenly at about
 * `step` apart, in one walk along it. */
static void resample(const Path *in, float from, float to, float step, Path *out) {
  out->n = 0;
  if (in->n == 1 || to <= from) {
    out->p[out->n++] = in->p[0];
    return;
  }
  int count = (int)ceilf((to - from) / step);
  if (count < 1) count = 1;
  if (count > MAX_PTS - 1) count = MAX_PTS - 1;
  int i = 1;
  float before = 0; /* arc length at in->p[i - 1] */
  for (int k = 0; k <= count; k++) {
    float s = from + (to - from) * (float)k / (float)count;
    while (i < in->n - 1 && before + seg_len(in->p[i - 1], in->p[i]) < s) before += seg_len(in->p[i - 1], in->p[i]), i++;
    float l = seg_len(in->p[i - 1], in->p[i]);
    float t = l > 0 ? clampf((s - before) / l, 0, 1) : 0;
    out->p[out->n++] = (P2){in->p[i - 1].x + t * (in->p[i].x - in->p[i - 1].x), in->p[i - 1].y + t * (in->p[i].y - in->p[i - 1].y)};
  }
}

/* Resamples like a tablet that reports the pen every few milliseconds:
 * the pen slows down in curves (the two-thirds power law: speed grows as
 * the cube root of the radius of curvature) and as it lands and lifts, so
 * points crowd at corners and ends and spread out on straight runs.
 * `spacing` is the mean distance between reports. `in` must be dense
 * (resampled every 0.25 px). */
static void resample_in_time(const Path *in, float spacing, Path *out) {
  out->n = 0;
  if (in->n < 3) {
    *out = *in;
    return;
  }
  static _Thread_local float when[MAX_PTS];
  float total_len = path_len(in), walked = 0;
  when[0] = 0;
  for (int i = 1; i < in->n; i++) {
    int a = i > 1 ? i - 2 : 0, b = i + 1 < in->n ? i + 1 : in->n - 1;
    /* curvature from the turn between the chords before and after i */
    float ux = in->p[i].x - in->p[a].x, uy = in->p[i].y - in->p[a].y;
    float vx = in->p[b].x - in->p[i].x, vy = in->p[b].y - in->p[i].y;
    float cross = fabsf(ux * vy - uy * vx), dot = ux * vx + uy * vy;
    float turn = atan2f(cross, dot), chord = 0.5f * (hypotf(ux, uy) + hypotf(vx, vy));
    float radius = turn > 1e-4f ? chord / turn : 100.0f;
    float ds = seg_len(in->p[i - 1], in->p[i]);
    walked += ds;
    float u = walked / total_len;
    float ends = 0.25f + 0.75f * sqrtf(fmaxf(0.0f, sinf(PI * u))); /* slow landing and lifting */
    float speed = cbrtf(clampf(radius, 0.3f, 30.0f)) * ends;
    when[i] = when[i - 1] + ds / speed;
  }
  float mean_speed = total_len / when[in->n - 1];
  float dt = spacing / mean_speed;
  int j = 1;
  for (float t = 0; out->n < MAX_PTS - 1; t += dt) {
    if (t >= when[in->n - 1]) break;
    while (j < in->n - 1 && when[j] < t) j++;
    float span = when[j] - when[j - 1], f = span > 0 ? clampf((t - when[j - 1]) / span, 0, 1) : 0;
    out->p[out->n++] = (P2){in->p[j - 1].x + f * (in->p[j].x - in->p[j - 1].x), in->p[j - 1].y + f * (in->p[j].y - in->p[j - 1].y)};
  }
  out->p[out->n++] = in->p[in->n - 1];
}

/* Unit tangent at the start (end = 0) or end (end = 1), outward. */
static P2 end_tangent(const Path *pa, int end) {
  int a = end ? pa->n - 1 : 0, step = end ? -1 : 1;
  int b = a;
  float len = 0;
  while (b + step >= 0 && b + step < pa->n && len < 1.5f) len += seg_len(pa->p[b], pa->p[b + step]), b += step;
  float dx = pa->p[a].x - pa->p[b].x, dy = pa->p[a].y - pa->p[b].y, n = hypotf(dx, dy);
  return n > 0 ? (P2){dx / n, dy / n} : (P2){0, 0};
}

/* Stroke ends: cut short, overshot along the tangent, or a small hook. */
static void vary_ends(Path *pa, DlabRng *rng, Path *tmp) {
  float len = path_len(pa);
  if (pa->n < 2 || len < 2.0f) return;
  float cut0 = 0, cut1 = 0;
  if (dlab_rng_uniform(rng) < 0.25f) cut0 = dlab_rng_range(rng, 0, fminf(1.5f, 0.15f * len));
  if (dlab_rng_uniform(rng) < 0.25f) cut1 = dlab_rng_range(rng, 0, fminf(1.5f, 0.15f * len));
  resample(pa, cut0, len - cut1, 0.25f, tmp);
  *pa = *tmp;
  for (int end = 0; end < 2; end++) {
    float u = dlab_rng_uniform(rng);
    if (u > 0.35f) continue;
    P2 t = end_tangent(pa, end);
    float ext = dlab_rng_range(rng, 0.4f, 1.8f);
    if (u < 0.12f) { /* a hook: the pen turns as it lands or lifts */
      float a = dlab_rng_range(rng, 0.8f, 2.2f) * (dlab_rng_uniform(rng) < 0.5f ? -1 : 1);
      float c = cosf(a), s = sinf(a);
      t = (P2){c * t.x - s * t.y, s * t.x + c * t.y};
      ext *= 0.7f;
    }
    int at = end ? pa->n - 1 : 0;
    P2 q = {pa->p[at].x + ext * t.x, pa->p[at].y + ext * t.y};
    if (pa->n >= MAX_PTS) continue;
    if (end) {
      pa->p[pa->n++] = q;
    } else {
      memmove(&pa->p[1], &pa->p[0], (size_t)pa->n * sizeof pa->p[0]);
      pa->p[0] = q, pa->n++;
    }
  }
}

/* A smooth random displacement: three plane waves per axis. */
typedef struct {
  float kx[6], ky[6], phase[6], amp[6];
} Warp;

static void warp_init(Warp *w, DlabRng *rng, float strength) {
  for (int i = 0; i < 6; i++) {
    float wavelength = dlab_rng_range(rng, 10, 40), dir = dlab_rng_range(rng, 0, 2 * PI);
    w->kx[i] = 2 * PI / wavelength * cosf(dir);
    w->ky[i] = 2 * PI / wavelength * sinf(dir);
    w->phase[i] = dlab_rng_range(rng, 0, 2 * PI);
    w->amp[i] = strength * dlab_rng_normal(rng);
  }
}

static P2 warp_apply(const Warp *w, P2 p) {
  P2 d = {0, 0};
  for (int i = 0; i < 3; i++) d.x += w->amp[i] * sinf(w->kx[i] * p.x + w->ky[i] * p.y + w->phase[i]);
  for (int i = 3; i < 6; i++) d.y += w->amp[i] * sinf(w->kx[i] * p.x + w->ky[i] * p.y + w->phase[i]);
  return (P2){p.x + d.x, p.y + d.y};
}

/* The linear part of the writer's geometry: slant, rotation, aspect. */
typedef struct {
  float a, b, c, d;
} Mat2;

static Mat2 random_shape(DlabRng *rng) {
  float slant = normal(rng, 0.18f, 0.45f);       /* x += slant * (-y): leaning right */
  float rot = normal(rng, 7.0f, 15.0f) * PI / 180;
  float aspect = expf(normal(rng, 0.12f, 0.3f));  /* width / height */
  float c = cosf(rot), s = sinf(rot);
  /* rotation * shear * aspect */
  Mat2 sh = {aspect, -slant, 0, 1};
  return (Mat2){c * sh.a - s * sh.c, c * sh.b - s * sh.d, s * sh.a + c * sh.c, s * sh.b + c * sh.d};
}

/* Pressure along a stroke at fraction t of its length: a stroke-wide
 * level, tapered over the first `in` and last `out` of the stroke from
 * floor_in / floor_out of it. */
static float pressure_at(float t, float level, float in, float out, float floor_in, float floor_out) {
  float p = level;
  if (t < in) p *= floor_in + (1 - floor_in) * t / in;
  if (1 - t < out) p *= floor_out + (1 - floor_out) * (1 - t) / out;
  return clampf(p, 0, 1);
}

static void load_stroke(const DlabStrokes *s, int k, Path *pa) {
  size_t a = s->start[k], b = k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points;
  pa->n = 0;
  for (size_t i = a; i < b && pa->n < MAX_PTS; i++)
    pa->p[pa->n++] = (P2){s->points[i].x / SKELETON_CANVAS_SCALE, s->points[i].y / SKELETON_CANVAS_SCALE};
}

/* Appends the line from a to b as points about 0.5 px apart (the start
 * point only when `with_start`). */
static void add_line(DlabStrokes *s, float ax, float ay, float bx, float by, int with_start) {
  int n = 1 + (int)(hypotf(bx - ax, by - ay) / (0.5f * SKELETON_CANVAS_SCALE));
  for (int i = with_start ? 0 : 1; i <= n; i++)
    dlab_strokes_add(s, ax + (bx - ax) * (float)i / (float)n, ay + (by - ay) * (float)i / (float)n, 1);
}

static void bounds(const DlabStrokes *s, float *x0, float *y0, float *x1, float *y1) {
  *x0 = *y0 = 1e30f, *x1 = *y1 = -1e30f;
  for (size_t i = 0; i < s->n_points; i++) {
    *x0 = fminf(*x0, s->points[i].x), *x1 = fmaxf(*x1, s->points[i].x);
    *y0 = fminf(*y0, s->points[i].y), *y1 = fmaxf(*y1, s->points[i].y);
  }
}

/* A 1 as much of Europe and Asia writes it: a one-stroke straight MNIST 1
 * gets a flag (a rising lead-in to its top) and sometimes a base. */
static void add_flag(const DlabStrokes *in, DlabRng *rng, DlabStrokes *out) {
  const DlabInkPoint *p = in->points;
  size_t n = in->n_points;
  int top_first = p[0].y <= p[n - 1].y;
  DlabInkPoint top = top_first ? p[0] : p[n - 1], bottom = top_first ? p[n - 1] : p[0];
  float h = hypotf(bottom.x - top.x, bottom.y - top.y);
  for (size_t i = 0; i < n; i++) { /* only straight strokes */
    float off = fabsf((bottom.x - top.x) * (p[i].y - top.y) - (bottom.y - top.y) * (p[i].x - top.x)) / fmaxf(h, 1e-3f);
    if (off > 0.12f * h) return;
  }
  float len = dlab_rng_range(rng, 0.15f, 0.4f) * h, angle = dlab_rng_range(rng, 25, 65) * PI / 180;
  dlab_strokes_clear(out);
  out->canvas_w = in->canvas_w, out->canvas_h = in->canvas_h;
  dlab_strokes_begin(out);
  add_line(out, top.x - len * cosf(angle), top.y + len * sinf(angle), top.x, top.y, 1);
  for (size_t i = 0; i < n; i++) {
    const DlabInkPoint *q = &p[top_first ? i : n - 1 - i];
    dlab_strokes_add(out, q->x, q->y, q->pressure);
  }
  if (dlab_rng_uniform(rng) < 0.4f) {
    dlab_strokes_begin(out);
    add_line(out, bottom.x - dlab_rng_range(rng, 0.12f, 0.3f) * h, bottom.y + dlab_rng_range(rng, -0.03f, 0.03f) * h,
             bottom.x + dlab_rng_range(rng, 0.12f, 0.3f) * h, bottom.y, 1);
  }
}

/* A 7 crossed through the middle of its stem, the continental way. */
static void add_crossbar(const DlabStrokes *in, DlabRng *rng, DlabStrokes *out) {
  float x0, y0, x1, y1;
  bounds(in, &x0, &y0, &x1, &y1);
  float h = y1 - y0, w = x1 - x0, yc = y0 + dlab_rng_range(rng, 0.45f, 0.6f) * h;
  const DlabInkPoint *stem = NULL;
  for (size_t i = 0; i < in->n_points; i++)
    if (!stem || fabsf(in->points[i].y - yc) < fabsf(stem->y - yc)) stem = &in->points[i];
  if (!stem || dlab_strokes_copy(out, in)) return;
  float tilt = dlab_rng_range(rng, -0.05f, 0.05f) * h;
  dlab_strokes_begin(out);
  add_line(out, stem->x - dlab_rng_range(rng, 0.15f, 0.3f) * w, yc + tilt, stem->x + dlab_rng_range(rng, 0.15f, 0.3f) * w,
           yc - tilt, 1);
}

/* The writer's national habits, applied to the traced digit before
 * anything else; returns what to draw (in, or the changed copy in tmp). */
static const DlabStrokes *writing_habits(const DlabStrokes *in, int label, DlabRng *rng, DlabStrokes *tmp) {
  float u = dlab_rng_uniform(rng);
  dlab_strokes_clear(tmp);
  if (label == 1 && u < 0.35f && in->n_strokes == 1 && in->n_points >= 2) add_flag(in, rng, tmp);
  if (label == 7 && u < 0.25f && in->n_points >= 2) add_crossbar(in, rng, tmp);
  return tmp->n_points ? tmp : in;
}

void writer_vary(const DlabStrokes *src, int label, DlabRng *rng, DlabStrokes *out, DlabInkStyle *style) {
  static _Thread_local Path pa, tmp;
  static _Thread_local DlabStrokes habits;
  const DlabStrokes *in = writing_habits(src, label, rng, &habits);
  dlab_strokes_clear(out);
  *style = dlab_ink_default_style();
  style->width *= expf(normal(rng, 0.15f, 0.35f));
  Warp warp;
  warp_init(&warp, rng, dlab_rng_range(rng, 0, 0.35f));
  Mat2 m = random_shape(rng);
  float scale = dlab_rng_range(rng, 4, 16); /* 28 px -> 112 .. 448 canvas px */
  float ox = dlab_rng_range(rng, 20, 200), oy = dlab_rng_range(rng, 20, 200);
  float tremor = dlab_rng_uniform(rng) < 0.5f ? 0 : dlab_rng_range(rng, 0, 0.12f);
  /* Half the writers on a tablet that samples in time, from dense to a
   * report every 5 px; the others sampled evenly and finely. */
  int timed = dlab_rng_uniform(rng) < 0.5f;
  float step = timed ? expf(dlab_rng_range(rng, logf(0.5f), logf(5.0f))) : dlab_rng_range(rng, 0.3f, 1.0f);
  int mouse = dlab_rng_uniform(rng) < 0.4f;
  out->canvas_w = out->canvas_h = 700; /* offset 200 + 16 * 28 fits */
  for (int k = 0; k < in->n_strokes; k++) {
    load_stroke(in, k, &pa);
    if (pa.n == 0) continue;
    vary_ends(&pa, rng, &tmp);
    if (timed) {
      resample(&pa, 0, path_len(&pa), 0.25f, &tmp);
      resample_in_time(&tmp, step, &pa);
      tmp = pa;
    } else {
      resample(&pa, 0, path_len(&pa), step, &tmp);
    }
    float level = dlab_rng_range(rng, 0.35f, 0.95f), tin = dlab_rng_range(rng, 0, 0.3f), tout = dlab_rng_range(rng, 0, 0.3f);
    float fin = dlab_rng_range(rng, 0.1f, 0.8f), fout = dlab_rng_range(rng, 0.1f, 0.8f);
    dlab_strokes_begin(out);
    for (int i = 0; i < tmp.n; i++) {
      P2 p = warp_apply(&warp, tmp.p[i]);
      p.x += tremor * dlab_rng_normal(rng) - 14, p.y += tremor * dlab_rng_normal(rng) - 14;
      P2 q = {m.a * p.x + m.b * p.y, m.c * p.x + m.d * p.y};
      float t = tmp.n > 1 ? (float)i / (float)(tmp.n - 1) : 0.5f;
      float pressure = mouse ? 1.0f : pressure_at(t, level, tin, tout, fin, fout);
      dlab_strokes_add(out, ox + scale * (q.x + 14), oy + scale * (q.y + 14), pressure);
    }
  }
}
