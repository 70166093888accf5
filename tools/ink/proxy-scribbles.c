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
