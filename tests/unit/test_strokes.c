/* Strokes (strokes.h): the container's editing operations, the text
 * format's parser (every kind of bad input gives a message naming the
 * source and the line), lossless write/read round trips, atomic writes,
 * and numbers read the same in a decimal-comma locale. */
#include <dirent.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/error.h"
#include "dlab/strokes.h"
#include "test_util.h"

static char dir[64];

static int message_has(const char *needle) { return strstr(dlab_error_message(), needle) != NULL; }

static size_t stroke_len(const DlabStrokes *s, int k) {
  size_t end = k + 1 < s->n_strokes ? s->start[k + 1] : s->n_points;
  return end - s->start[k];
}

static int parse(const char *text, DlabStrokes *s) {
  dlab_error_clear();
  return dlab_strokes_parse(text, strlen(text), "pad.strokes", s);
}

static int same_strokes(const DlabStrokes *a, const DlabStrokes *b) {
  if (a->n_points != b->n_points || a->n_strokes != b->n_strokes) return 0;
  if (a->canvas_w != b->canvas_w || a->canvas_h != b->canvas_h) return 0;
  for (int k = 0; k < a->n_strokes; k++)
    if (a->start[k] != b->start[k]) return 0;
  for (size_t i = 0; i < a->n_points; i++)
    if (a->points[i].x != b->points[i].x || a->points[i].y != b->points[i].y ||
        a->points[i].pressure != b->points[i].pressure)
      return 0;
  return 1;
}

static void test_editing(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  tap_ok(dlab_strokes_add(&s, 1, 2, 1) == 0 && s.n_strokes == 1, "a point with no stroke begun starts one");
  dlab_strokes_begin(&s);
  dlab_strokes_begin(&s);
  tap_ok(s.n_strokes == 2, "beginning twice without points leaves one empty stroke, not two");
  for (int i = 0; i < 1000; i++) dlab_strokes_add(&s, (float)i, (float)-i, 0.5f);
  dlab_strokes_begin(&s);
  dlab_strokes_add(&s, 7, 8, 1);
  tap_ok(s.n_strokes == 3 && stroke_len(&s, 1) == 1000 && stroke_len(&s, 2) == 1, "three strokes of 1, 1000 and 1 points");
  DlabStrokes c;
  dlab_strokes_init(&c);
  tap_ok(dlab_strokes_copy(&c, &s) == 0 && same_strokes(&c, &s), "copy is equal");
  dlab_strokes_truncate(&s, 1);
  tap_ok(s.n_strokes == 1 && s.n_points == 1, "truncate to one stroke (undo) drops its followers' points");
  dlab_strokes_truncate(&s, 5);
  tap_ok(s.n_strokes == 1, "truncate beyond the count changes nothing");
  dlab_strokes_clear(&s);
  tap_ok(s.n_strokes == 0 && s.n_points == 0, "clear empties");
  tap_ok(c.n_points == 1002, "the copy owns its points");
  dlab_strokes_free(&s);
  dlab_strokes_free(&c);
}

static void test_parse_good(void) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  const char *text =
      "# canvas 400 300\r\n"
      "# a comment\n"
      "10 20\n"
      "  11.5\t21.25   0.5  \n"
      "\n\n   \n"
      "# canvas 1 1 (only the first, before points, counts)\n"
      "-3e1 +4 1\n"
      "5 6 0";
  tap_ok(parse(text, &s) == 0, "valid file parses (%s)", dlab_error_message());
  tap_ok(s.canvas_w == 400 && s.canvas_h == 300, "canvas size read");
  tap_ok(s.n_strokes == 2 && stroke_len(&s, 0) == 2 && stroke_len(&s, 1) == 2,
         "blank lines end a stroke; several blanks make no empty strokes");
  tap_ok(s.points[1].x == 11.5f && s.points[1].y == 21.25f && s.points[1].pressure == 0.5f,
         "point with pressure, tabs and blanks around");
  tap_ok(s.points[0].pressure == 1.0f, "pressure defaults to 1");
  tap_ok(s.points[2].x == -30.0f && s.points[3].pressure == 0.0f, "signs, exponents, last line without newline");
  tap_ok(parse("", &s) == 0 && s.n_points == 0 && s.canvas_w == 0, "an empty file is an empty drawing");
  tap_ok(parse("# canvas 10 10\n", &s) == 0 && s.n_points == 0 && s.canvas_w == 10, "a canvas and no points");
  dlab_strokes_free(&s);
}

/* Each bad text must fail with a message holding `line` and `detail`. */
static void expect_bad(const char *text, size_t len, const char *line, const char *detail) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  dlab_strokes_add(&s, 1, 1, 1);
  dlab_error_clear();
  int rc = dlab_strokes_parse(text, len, "pad.strokes", &s);
  tap_ok(rc == -1 && message_has("pad.strokes") && message_has(line) && message_has(detail) && s.n_points == 0,
         "bad input %s refused: %s", line, dlab_error_message());
  dlab_strokes_free(&s);
}

static void test_parse_bad(void) {
  expect_bad("1 2\n3 x\n", 8, "line 2:", "expected `x y` or `x y pressure`");
  expect_bad("1\n", 2, "line 1:", "found \"1\"");
  expect_bad("1 2 0.5 7\n", 10, "line 1:", "expected");
  expect_bad("1 2,5\n", 6, "line 1:", "expected");
  expect_bad("\n\n1 2 1.5\n", 9, "line 3:", "pressure must lie in 0..1");
  expect_bad("1 2 -0.1\n", 9, "line 1:", "pressure");
  expect_bad("nan 2\n", 6, "line 1:", "finite");
  expect_bad("1 inf\n", 6, "line 1:", "finite");
  expect_bad("1e30 2\n", 7, "line 1:", "finite");
  expect_bad("# canvas 0 10\n", 14, "line 1:", "positive");
  expect_bad("# canvas wide\n", 14, "line 1:", "# canvas WIDTH HEIGHT");
  expect_bad("# canvas 10 10 10\n", 18, "line 1:", "# canvas WIDTH HEIGHT");
  expect_bad("1 2\n\0\0\0\n", 8, "line 2:", "NUL byte");
  char long_line[400];
  memset(long_line, '1', sizeof long_line - 1);
  long_line[sizeof long_line - 1] = '\0';
  expect_bad(long_line, strlen(long_line), "line 1:", "more than 255 characters");
}

static const char *path_in_dir(const char *name) {
  static char buf[2][256];
  static int next;
  char *p = buf[next++ % 2];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

static int dir_entries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  if (d) closedir(d);
  return n;
}

static void test_round_trip(void) {
  DlabStrokes s, back;
  dlab_strokes_init(&s);
  dlab_strokes_init(&back);
  s.canvas_w = 333.25f;
  s.canvas_h = 1.0f / 3.0f;
  float v = 0.1f;
  for (int k = 0; k < 4; k++) {
    dlab_strokes_begin(&s);
    for (int i = 0; i < 50; i++, v *= 1.37f) dlab_strokes_add(&s, v, -v / 7.0f, i % 3 ? 1.0f : 1.0f / (float)(i + 2));
    v = 0.1f * (float)(k + 2);
  }
  const char *path = path_in_dir("digit.strokes");
  dlab_error_clear();
  tap_ok(dlab_strokes_write(path, &s) == 0, "write (%s)", dlab_error_message());
  tap_ok(dlab_strokes_read(path, &back) == 0, "read back (%s)", dlab_error_message());
  tap_ok(same_strokes(&s, &back), "round trip is exact (floats, pressure, canvas, strokes)");
  tap_ok(dir_entries() == 1, "no temporary file left behind");

  /* Empty strokes are not written; a stroke of one point survives. */
  dlab_strokes_clear(&s);
  s.canvas_w = s.canvas_h = 0;
  dlab_strokes_begin(&s);
  dlab_strokes_add(&s, 12.5f, 3, 1);
  dlab_strokes_begin(&s);
  tap_ok(dlab_strokes_write(path, &s) == 0 && dlab_strokes_read(path, &back) == 0 && back.n_strokes == 1 &&
             back.n_points == 1 && back.points[0].x == 12.5f && back.canvas_w == 0,
         "a trailing empty stroke is not written; no canvas line when unknown");
  FILE *f = fopen(path, "r");
  char text[64] = {0};
  size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
  if (f) fclose(f);
  int exact = got > 0 && strcmp(text, "12.5 3\n") == 0;
  text[strcspn(text, "\n")] = '\0'; /* the description must stay one line of TAP */
  tap_ok(exact, "short numbers are written short: \"%s\"", text);

  s.points[0].x = NAN;
  dlab_error_clear();
  tap_ok(dlab_strokes_write(path, &s) == -1 && message_has(path) && message_has("point 1"),
         "a NaN point is not written: %s", dlab_error_message());
  tap_ok(dlab_strokes_read(path, &back) == 0 && back.points[0].x == 12.5f, "the previous file is kept");
  dlab_error_clear();
  tap_ok(dlab_strokes_read(path_in_dir("absent.strokes"), &back) == -1 && message_has("absent.strokes"),
         "a missing file is named: %s", dlab_error_message());
  s.points[0].x = 1;
  tap_ok(dlab_strokes_write(path_in_dir("no/such/dir.strokes"), &s) == -1 && message_has("no/such/dir.strokes"),
         "an unwritable path is named: %s", dlab_error_message());
  unlink(path);
  dlab_strokes_free(&s);
  dlab_strokes_free(&back);
}

/* The GUI sets the user's locale; a decimal-comma locale must not change
 * how files read or write. Skipped where no such locale is installed. */
static void test_locale(void) {
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "ru_RU.UTF-8", NULL};
  const char *got = NULL;
  for (int i = 0; names[i] && !got; i++) got = setlocale(LC_NUMERIC, names[i]);
  if (!got) {
    printf("# no decimal-comma locale installed: locale check skipped\n");
    return;
  }
  DlabStrokes s;
  dlab_strokes_init(&s);
  tap_ok(parse("1.5 2.25 0.5\n", &s) == 0 && s.points[0].x == 1.5f && s.points[0].y == 2.25f,
         "numbers parse with '.' in locale %s", got);
  const char *path = path_in_dir("locale.strokes");
  dlab_strokes_write(path, &s);
  FILE *f = fopen(path, "r");
  char text[64] = {0};
  if (f) {
    if (fread(text, 1, sizeof text - 1, f) == 0) text[0] = '\0';
    fclose(f);
  }
  tap_ok(strcmp(text, "1.5 2.25 0.5\n") == 0, "numbers are written with '.' in locale %s", got);
  unlink(path);
  setlocale(LC_NUMERIC, "C");
  dlab_strokes_free(&s);
}

/* The limits that keep a hostile file from taking unbounded memory: 4 Mi
 * points, 256 MiB (a larger file is refused before it is read). */
static void test_limits(void) {
  const size_t most = (size_t)1 << 22;
  size_t len = (most + 1) * 4;
  char *text = malloc(len);
  if (!text) exit(99);
  for (size_t i = 0; i < most + 1; i++) memcpy(text + 4 * i, "1 2\n", 4);
  DlabStrokes s;
  dlab_strokes_init(&s);
  dlab_error_clear();
  int rc = dlab_strokes_parse(text, len, "many.strokes", &s);
  tap_ok(rc == -1 && message_has("many.strokes: line 4194305") && message_has("too many points") && s.n_points == 0,
         "one point past 4194304 is refused: %s", dlab_error_message());
  rc = dlab_strokes_parse(text, len - 4, "most.strokes", &s);
  tap_ok(rc == 0 && s.n_points == most, "4194304 points are read");
  free(text);

  const char *huge = path_in_dir("huge.strokes");
  FILE *f = fopen(huge, "wb");
  int made = f && ftruncate(fileno(f), (off_t)300 << 20) == 0;
  if (f) fclose(f);
  dlab_error_clear();
  rc = made ? dlab_strokes_read(huge, &s) : 0;
  tap_ok(rc == -1 && message_has("huge.strokes") && message_has("too large"), "a 300 MiB file is refused: %s",
         dlab_error_message());
  unlink(huge);
  dlab_strokes_free(&s);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dlab-strokes-XXXXXX");
  if (!mkdtemp(dir)) {
    tap_skip_all("cannot create a temporary directory");
    return 77;
  }
  test_editing();
  test_parse_good();
  test_parse_bad();
  test_round_trip();
  test_locale();
  test_limits();
  rmdir(dir);
  return tap_done();
}
