/* Strokes: what the sketchpad records and `dlab predict --strokes` reads.
 *
 * The file format (DESIGN.md) is text: an optional first line
 * `# canvas W H`, then one point per line `x y` (pixels, y down) or
 * `x y pressure` (0..1; 1 when absent), a blank line ending a stroke.
 * Other lines starting with `#` are comments. */
#ifndef DLAB_STROKES_H
#define DLAB_STROKES_H

#include <stddef.h>

typedef struct {
  float x, y;     /* canvas pixels, y down */
  float pressure; /* 0..1; 1 for a mouse */
} DlabInkPoint;

typedef struct {
  DlabInkPoint *points;
  size_t n_points, cap_points;
  /* Stroke i holds points[start[i] .. start[i+1]) (the last: .. n_points). */
  size_t *start;
  int n_strokes, cap_strokes;
  float canvas_w, canvas_h; /* 0 when unknown */
} DlabStrokes;

void dlab_strokes_init(DlabStrokes *s);
void dlab_strokes_free(DlabStrokes *s);
void dlab_strokes_clear(DlabStrokes *s);

/* Starts a new stroke; the following points belong to it. 0 or -1. */
int dlab_strokes_begin(DlabStrokes *s);
/* Appends a point to the current stroke (starting one if none). 0 or -1. */
int dlab_strokes_add(DlabStrokes *s, float x, float y, float pressure);
/* Keeps only the first n strokes (undo). */
void dlab_strokes_truncate(DlabStrokes *s, int n_strokes);
/* Copies src into dst (dst initialized or freshly init'ed). 0 or -1. */
int dlab_strokes_copy(DlabStrokes *dst, const DlabStrokes *src);

/* Parses the text format; `what` names the source in messages
 * ("digit.strokes: line 12: ..."). s is replaced. 0 or -1. */
int dlab_strokes_parse(const char *text, size_t len, const char *what, DlabStrokes *s);
int dlab_strokes_read(const char *path, DlabStrokes *s);
/* Writes the text format atomically. 0 or -1. */
int dlab_strokes_write(const char *path, const DlabStrokes *s);

#endif
