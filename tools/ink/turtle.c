/* The turtle path language (turtle.h). The tracing arithmetic is the one
 * draw-digits has always used: tests/data/strokes must come out byte for
 * byte the same. */
#include "turtle.h"

#include <math.h>
#include <stdlib.h>

#define PI 3.14159265358979

int turtle_arity(char op) {
  switch (op) {
  case 'M':
  case 'L':
    return 2;
  case 'C':
  case 'A':
    return 6;
  default:
    return 0;
  }
}

/* Reads `count` numbers after a command letter; -1 when one is missing. */
static int numbers(const char **cur, double *v, int count) {
  for (int i = 0; i < count; i++) {
    char *end;
    v[i] = strtod(*cur, &end);
    if (end == *cur || !isfinite(v[i])) return -1;
    *cur = end;
  }
  return 0;
}

int turtle_parse(const char *text, TurtlePath *path) {
  path->n = 0;
  for (const char *cur = text; *cur;) {
    char op = *cur++;
    if (op == ' ') continue;
    int arity = turtle_arity(op);
    if (arity == 0 || path->n == TURTLE_MAX_COMMANDS || (path->n == 0 && op != 'M')) return -1;
    TurtleCommand *c = &path->cmd[path->n++];
    c->op = op;
    if (numbers(&cur, c->v, arity)) return -1;
  }
  return path->n > 0 ? 0 : -1;
}

static int emit(TurtleShape *s, double x, double y) {
  if (s->n == TURTLE_MAX_POINTS) return -1;
  s->p[s->n++] = (TurtlePt){x, y};
  return 0;
}

static int trace_line(TurtleShape *s, TurtlePt at, const double *v) {
  int steps = 1 + (int)(hypot(v[0] - at.x, v[1] - at.y) / 0.005);
  for (int i = 1; i <= steps; i++)
    if (emit(s, at.x + (v[0] - at.x) * i / steps, at.y + (v[1] - at.y) * i / steps)) return -1;
  return 0;
}

static int trace_curve(TurtleShape *s, TurtlePt at, const double *v) {
  for (int i = 1; i <= 200; i++) {
    double t = i / 200.0, u = 1 - t;
    if (emit(s, u * u * u * at.x + 3 * u * u * t * v[0] + 3 * u * t * t * v[2] + t * t * t * v[4],
             u * u * u * at.y + 3 * u * u * t * v[1] + 3 * u * t * t * v[3] + t * t * t * v[5]))
      return -1;
  }
  return 0;
}

static int trace_arc(TurtleShape *s, const double *v) {
  double sweep = fabs(v[5] - v[4]);
  if (!(sweep <= 3600)) return -1; /* ten turns: no drawing needs more */
  int steps = 1 + (int)(sweep / 1.0);
  for (int i = 0; i <= steps; i++) {
    double a = (v[4] + (v[5] - v[4]) * i / steps) * PI / 180;
    if (emit(s, v[0] + v[2] * cos(a), v[1] + v[3] * sin(a))) return -1;
  }
  return 0;
}

int turtle_trace(const TurtlePath *path, TurtleShape *s) {
  s->n = s->n_strokes = 0;
  TurtlePt at = {0, 0};
  for (int k = 0; k < path->n; k++) {
    const TurtleCommand *c = &path->cmd[k];
    const double *v = c->v;
    int rc = 0;
    switch (c->op) {
    case 'M':
      if (s->n_strokes == TURTLE_MAX_STROKES) return -1;
      s->start[s->n_strokes++] = s->n;
      rc = emit(s, v[0], v[1]);
      at = (TurtlePt){v[0], v[1]};
      break;
    case 'L':
      rc = trace_line(s, at, v);
      at = (TurtlePt){v[0], v[1]};
      break;
    case 'C':
      rc = trace_curve(s, at, v);
      at = (TurtlePt){v[4], v[5]};
      break;
    case 'A':
      rc = trace_arc(s, v);
      if (s->n > 0) at = s->p[s->n - 1];
      break;
    default:
      return -1;
    }
    if (rc || s->n_strokes == 0) return -1;
  }
  return 0;
}

int turtle_trace_text(const char *text, TurtleShape *s) {
  TurtlePath path;
  return turtle_parse(text, &path) || turtle_trace(&path, s) ? -1 : 0;
}
