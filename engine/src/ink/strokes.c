/* The strokes container (strokes.h): every point of every stroke in one
 * growing array, plus the index where each stroke starts. The sketchpad
 * appends a point per pointer event, so appending must stay cheap: both
 * arrays grow geometrically and are never shrunk until freed. */
#include "dlab/strokes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

#include "core/i18n.h"

void dlab_strokes_init(DlabStrokes *s) { memset(s, 0, sizeof *s); }

void dlab_strokes_free(DlabStrokes *s) {
  free(s->points);
  free(s->start);
  dlab_strokes_init(s);
}

void dlab_strokes_clear(DlabStrokes *s) {
  s->n_points = 0;
  s->n_strokes = 0;
}

/* Makes room for `need` points. */
static int reserve_points(DlabStrokes *s, size_t need) {
  if (need <= s->cap_points) return 0;
  size_t cap = s->cap_points ? s->cap_points : 256;
  while (cap < need) {
    if (cap > SIZE_MAX / 2 / sizeof *s->points) return dlab_error(_("strokes: too many points (%zu)"), need);
    cap *= 2;
  }
  DlabInkPoint *p = realloc(s->points, cap * sizeof *p);
  if (!p) return dlab_error(_("strokes: out of memory for %zu points"), need);
  s->points = p;
  s->cap_points = cap;
  return 0;
}

static int reserve_strokes(DlabStrokes *s, int need) {
  if (need <= s->cap_strokes) return 0;
  int cap = s->cap_strokes ? s->cap_strokes : 16;
  while (cap < need) {
    if (cap > INT32_MAX / 2) return dlab_error(_("strokes: too many strokes (%d)"), need);
    cap *= 2;
  }
  size_t *st = realloc(s->start, (size_t)cap * sizeof *st);
  if (!st) return dlab_error(_("strokes: out of memory for %d strokes"), need);
  s->start = st;
  s->cap_strokes = cap;
  return 0;
}

/* An empty last stroke is reused rather than followed by another one, so
 * that a press without motion followed by another press does not leave
 * empty strokes behind. */
int dlab_strokes_begin(DlabStrokes *s) {
  if (s->n_strokes > 0 && s->start[s->n_strokes - 1] == s->n_points) return 0;
  if (reserve_strokes(s, s->n_strokes + 1)) return -1;
  s->start[s->n_strokes++] = s->n_points;
  return 0;
}

int dlab_strokes_add(DlabStrokes *s, float x, float y, float pressure) {
  if (s->n_strokes == 0 && dlab_strokes_begin(s)) return -1;
  if (reserve_points(s, s->n_points + 1)) return -1;
  s->points[s->n_points++] = (DlabInkPoint){x, y, pressure};
  return 0;
}

void dlab_strokes_truncate(DlabStrokes *s, int n_strokes) {
  if (n_strokes < 0) n_strokes = 0;
  if (n_strokes >= s->n_strokes) return;
  s->n_points = s->start[n_strokes];
  s->n_strokes = n_strokes;
}

int dlab_strokes_copy(DlabStrokes *dst, const DlabStrokes *src) {
  if (dst == src) return 0;
  if (reserve_points(dst, src->n_points) || reserve_strokes(dst, src->n_strokes)) return -1;
  if (src->n_points) memcpy(dst->points, src->points, src->n_points * sizeof *src->points);
  if (src->n_strokes) memcpy(dst->start, src->start, (size_t)src->n_strokes * sizeof *src->start);
  dst->n_points = src->n_points;
  dst->n_strokes = src->n_strokes;
  dst->canvas_w = src->canvas_w;
  dst->canvas_h = src->canvas_h;
  return 0;
}
