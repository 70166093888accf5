/* The strokes text format (strokes.h, DESIGN.md "Files"):
 *
 *   # canvas 400 400        optional, before the first point
 *   120.5 80 0.8            x y [pressure], pixels, y down
 *   121 84.25 0.85
 *                           a blank line ends a stroke
 *   200 90
 *
 * Numbers are read and written in the C locale whatever the application's
 * locale is: the GUI calls setlocale(), and in a decimal-comma locale
 * strtod would otherwise stop at the '.' of "120.5". */
#include "dlab/strokes.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dlab/atomic_file.h"
#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"

/* Far beyond any drawing (a digit has hundreds of points), small enough
 * that a hostile file cannot make us allocate without bound. */
#define MAX_POINTS (1u << 22)
#define MAX_FILE_BYTES ((size_t)256 << 20)
/* Coordinates past this are certainly not pixels of a canvas and would
 * lose all precision in float arithmetic. */
#define MAX_COORD 1e7

/* One line being parsed: its text (not NUL-terminated) and position. */
typedef struct {
  const char *what;
  int number;
  char text[256];
  int too_long;
} Line;

static int line_error(const Line *line, const char *fmt, const char *detail) {
  char msg[512];
  snprintf(msg, sizeof msg, fmt, detail);
  return dlab_error(_("%s: line %d: %s"), line->what, line->number, msg);
}

/* Reads one number from *p, advancing it; 0, or -1 when there is none. */
static int next_number(const char **p, double *v) {
  while (**p == ' ' || **p == '\t') (*p)++;
  if (**p == '\0') return -1;
  char *end;
  errno = 0;
  *v = strtod(*p, &end);
  if (end == *p || (*end != '\0' && *end != ' ' && *end != '\t')) return -1;
  *p = end;
  return 0;
}

static int is_blank(const char *t) {
  for (; *t; t++)
    if (*t != ' ' && *t != '\t') return 0;
  return 1;
}

/* "# canvas W H": 1 when the line is one (values stored), 0 when it is
 * another comment, -1 when it starts like one but is malformed. */
static int parse_canvas(const Line *line, DlabStrokes *s) {
  const char *p = line->text + 1;
  while (*p == ' ' || *p == '\t') p++;
  if (strncmp(p, "canvas", 6) != 0 || (p[6] != ' ' && p[6] != '\t' && p[6] != '\0')) return 0;
  p += 6;
  double w, h;
  if (next_number(&p, &w) || next_number(&p, &h) || !is_blank(p))
    return line_error(line, _("expected `# canvas WIDTH HEIGHT`, found \"%s\""), line->text);
  if (!(w > 0 && h > 0 && w <= MAX_COORD && h <= MAX_COORD))
    return line_error(line, _("the canvas size must be positive numbers, found \"%s\""), line->text);
  s->canvas_w = (float)w;
  s->canvas_h = (float)h;
  return 1;
}

static int parse_point(const Line *line, DlabStrokes *s) {
  const char *p = line->text;
  double v[3] = {0, 0, 1};
  int n = 0;
  while (n < 3 && next_number(&p, &v[n]) == 0) n++;
  if (n < 2 || !is_blank(p))
    return line_error(line, _("expected `x y` or `x y pressure`, found \"%s\""), line->text);
  for (int i = 0; i < 2; i++)
    if (!(fabs(v[i]) <= MAX_COORD))
      return line_error(line, _("coordinates must be finite pixel positions, found \"%s\""), line->text);
  if (!(v[2] >= 0 && v[2] <= 1))
    return line_error(line, _("the pressure must lie in 0..1, found \"%s\""), line->text);
  if (s->n_points >= MAX_POINTS) return line_error(line, _("too many points (the limit is %s)"), "4194304");
  if (dlab_strokes_add(s, (float)v[0], (float)v[1], (float)v[2])) return dlab_error_prefix("%s", line->what);
  return 0;
}

/* Copies the line [begin, end) into line->text without its '\r', trailing
 * newline or surrounding blanks; -1 on a NUL byte. */
static int take_line(Line *line, const char *begin, const char *end) {
  if (end > begin && end[-1] == '\r') end--;
  while (begin < end && (*begin == ' ' || *begin == '\t')) begin++;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\t')) end--;
  if (memchr(begin, '\0', (size_t)(end - begin)))
    return dlab_error(_("%s: line %d: contains a NUL byte (not a strokes text file?)"), line->what, line->number);
  size_t n = (size_t)(end - begin);
  line->too_long = n >= sizeof line->text;
  if (line->too_long) n = sizeof line->text - 1;
  memcpy(line->text, begin, n);
  line->text[n] = '\0';
  return 0;
}

static int parse_lines(const char *text, size_t len, const char *what, DlabStrokes *s) {
  Line line = {.what = what ? what : "strokes"};
  const char *p = text, *stop = text + len;
  int in_stroke = 0;
  while (p < stop) {
    const char *nl = memchr(p, '\n', (size_t)(stop - p));
    const char *end = nl ? nl : stop;
    line.number++;
    if (take_line(&line, p, end)) return -1;
    p = nl ? nl + 1 : stop;
    if (line.text[0] == '\0') {
      in_stroke = 0;
    } else if (line.text[0] == '#') {
      if (s->n_points == 0 && parse_canvas(&line, s) < 0) return -1;
    } else {
      if (line.too_long) return line_error(&line, _("expected `x y` or `x y pressure`, found a line of %s"),
                                            _("more than 255 characters"));
      if (!in_stroke && dlab_strokes_begin(s)) return dlab_error_prefix("%s", line.what);
      in_stroke = 1;
      if (parse_point(&line, s)) return -1;
    }
  }
  return 0;
}

int dlab_strokes_parse(const char *text, size_t len, const char *what, DlabStrokes *s) {
  dlab_strokes_clear(s);
  s->canvas_w = s->canvas_h = 0;
  locale_t saved = dlab_c_locale_enter();
  int rc = parse_lines(text, len, what, s);
  dlab_c_locale_leave(saved);
  if (rc) dlab_strokes_clear(s);
  return rc;
}

int dlab_strokes_read(const char *path, DlabStrokes *s) {
  FILE *f = fopen(path, "rb");
  if (!f) return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  /* A file known to be too large is refused before a byte is read; the
   * loop below still stops at the limit (a pipe, a file that grows). */
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (unsigned long long)st.st_size > MAX_FILE_BYTES) {
    fclose(f);
    return dlab_error(_("%s: too large for a strokes file (%lld bytes, more than 256 MiB)"), path,
                      (long long)st.st_size);
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (len == cap) {
      if (cap >= MAX_FILE_BYTES) {
        rc = dlab_error(_("%s: too large for a strokes file (more than 256 MiB)"), path);
        break;
      }
      cap = cap ? cap * 2 : 4096;
      char *nb = realloc(buf, cap);
      if (!nb) {
        rc = dlab_error(_("%s: out of memory"), path);
        break;
      }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) rc = dlab_error(_("%s: read error: %s"), path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc == 0) rc = dlab_strokes_parse(buf, len, path, s);
  free(buf);
  return rc;
}

/* The shortest "%g" text that reads back as exactly v, so files stay
 * readable ("12.5", not "12.500000") and a round trip is lossless. */
static void format_float(char *buf, size_t n, float v) {
  for (int digits = 6; digits <= 9; digits++) {
    snprintf(buf, n, "%.*g", digits, (double)v);
    if (strtof(buf, NULL) == v) return;
  }
}

static void write_points(FILE *fp, const DlabStrokes *s) {
  int written = 0;
  for (int k = 0; k < s->n_strokes; k++) {
    size_t a = s->start[k], b = k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points;
    if (a == b) continue;
    if (written++) fputc('\n', fp);
    for (size_t i = a; i < b; i++) {
      char x[32], y[32], p[32];
      format_float(x, sizeof x, s->points[i].x);
      format_float(y, sizeof y, s->points[i].y);
      if (s->points[i].pressure == 1.0f) {
        fprintf(fp, "%s %s\n", x, y);
      } else {
        format_float(p, sizeof p, s->points[i].pressure);
        fprintf(fp, "%s %s %s\n", x, y, p);
      }
    }
  }
}

/* What the parser would refuse is refused here too, so every file written
 * can be read back. */
static int check_writable(const char *path, const DlabStrokes *s) {
  for (size_t i = 0; i < s->n_points; i++) {
    const DlabInkPoint *q = &s->points[i];
    if (!(fabsf(q->x) <= MAX_COORD && fabsf(q->y) <= MAX_COORD))
      return dlab_error(_("%s: point %zu has a non-finite or huge coordinate"), path, i + 1);
    if (!(q->pressure >= 0 && q->pressure <= 1))
      return dlab_error(_("%s: point %zu has a pressure outside 0..1"), path, i + 1);
  }
  return 0;
}

int dlab_strokes_write(const char *path, const DlabStrokes *s) {
  if (check_writable(path, s)) return -1;
  DlabAtomicFile f;
  if (dlab_atomic_open(&f, path)) return -1;
  locale_t saved = dlab_c_locale_enter();
  if (s->canvas_w > 0 && s->canvas_h > 0) {
    char w[32], h[32];
    format_float(w, sizeof w, s->canvas_w);
    format_float(h, sizeof h, s->canvas_h);
    fprintf(f.fp, "# canvas %s %s\n", w, h);
  }
  write_points(f.fp, s);
  dlab_c_locale_leave(saved);
  if (ferror(f.fp)) {
    dlab_atomic_abort(&f);
    return dlab_error(_("%s: write error"), path);
  }
  return dlab_atomic_commit(&f);
}
