/* proxy-sets: writes the held-out proxy test sets of the sketchpad model
 * (tools/ink/README.md "Proxy sets"): digits in many hand-designed styles,
 * and drawings that are not digits, each drawn several times by a random
 * hand (proxy-hand.c).
 *
 *   proxy-sets OUT [--seed S] [--only PREFIX[,PREFIX...]]
 *       writes OUT/digits/ and OUT/nondigits/ (--only: the templates whose
 *       name starts with one of the prefixes, e.g. 9-gtail,x-scribble;
 *       their files are the same as in a whole run)
 *   proxy-sets --list             the templates and how many of each
 *
 * The files are named as proxy-names.h says; ink-assess scores a model on
 * them. They are test sets: nothing here may feed a model's training or
 * the choice of a model (that is what a validation split is for). Every
 * drawing's randomness comes from the seed and its file name, so the same
 * seed gives the same files, byte for byte, and adding a template changes
 * no other file. Each file is read back and compared after it is written. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dlab/error.h"
#include "dlab/rng.h"
#include "dlab/strokes.h"
#include "proxy-hand.h"
#include "proxy-names.h"
#include "proxy-templates.h"
#include "turtle.h"

#define DEFAULT_SEED 16
#define PATH_TEXT_MAX 16384

/* Drawings per template: more of the reported styles, and of the
 * non-digits whose templates are few. */
static int copies_of(const char *name) {
  int label;
  char group[PROXY_NAME_MAX], file[256];
  snprintf(file, sizeof file, "%s-01.strokes", name);
  if (proxy_name_parse(file, &label, group, sizeof group)) return 0;
  if (label >= 0) return proxy_is_reported(group) ? 10 : 8;
  if (!strcmp(group, "letter")) return 7;
  if (!strcmp(group, "shape")) return 9;
  return 15;
}

/* FNV-1a: a drawing's random stream from its name. */
static uint64_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static int same_strokes(const DlabStrokes *a, const DlabStrokes *b) {
  if (a->n_points != b->n_points || a->n_strokes != b->n_strokes || a->canvas_w != b->canvas_w ||
      a->canvas_h != b->canvas_h)
    return 0;
  for (int k = 0; k < a->n_strokes; k++)
    if (a->start[k] != b->start[k]) return 0;
  for (size_t i = 0; i < a->n_points; i++)
    if (a->points[i].x != b->points[i].x || a->points[i].y != b->points[i].y ||
        a->points[i].pressure != b->points[i].pressure)
      return 0;
  return 1;
}

/* Writes s (atomically) and reads it back through the parser. */
static int write_checked(const char *path, const DlabStrokes *s, DlabStrokes *back) {
  if (dlab_strokes_write(path, s) || dlab_strokes_read(path, back)) return -1;
  if (!same_strokes(s, back)) return dlab_error("%s: reads back different from what was written", path);
  return 0;
}

/* One drawing of template t: its path (made up when t has a generator),
 * a writer, and the hand's variation, all from the drawing's own stream. */
static int draw(const ProxyTemplate *t, const char *file, uint64_t seed, DlabStrokes *out) {
  static char text[PATH_TEXT_MAX];
  static TurtlePath path;
  DlabRng rng;
  dlab_rng_derive(&rng, seed, name_hash(file));
  const char *source = t->path;
  if (t->generate) {
    if (t->generate(&rng, text, sizeof text)) return dlab_error("%s: the made-up path is too long", file);
    source = text;
  }
  if (turtle_parse(source, &path)) return dlab_error("%s: bad turtle path \"%.60s\"", file, source);
  Hand hand;
  hand_random(&hand, &rng);
  if (hand_write(&hand, &path, t->reversible, t->reorder, &rng, out)) return dlab_error_prefix("%s", file);
  return 0;
}

/* Whether the comma-separated list of prefixes `only` (NULL: everything)
 * selects the template `name`. */
static int selected(const char *only, const char *name) {
  if (!only) return 1;
  for (const char *p = only; *p;) {
    size_t len = strcspn(p, ",");
    if (len > 0 && strncmp(name, p, len) == 0) return 1;
    p += len + (p[len] == ',');
  }
  return 0;
}

static int any_selected(const char *only) {
  for (int i = 0; i < proxy_n_digit_templates; i++)
    if (selected(only, proxy_digit_templates[i].name)) return 1;
  for (int i = 0; i < proxy_n_nondigit_templates; i++)
    if (selected(only, proxy_nondigit_templates[i].name)) return 1;
  return 0;
}

/* Writes every selected template's drawings into dir; counts the
 * templates and the drawings written. */
static int write_set(const char *dir, const ProxyTemplate *templates, int n, uint64_t seed, const char *only, int *used,
                     int *written) {
  DlabStrokes s, back;
  dlab_strokes_init(&s);
  dlab_strokes_init(&back);
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    if (!selected(only, templates[i].name)) continue;
    (*used)++;
    int copies = copies_of(templates[i].name);
    if (copies == 0) rc = dlab_error("template %s: not named as proxy-names.h says", templates[i].name);
    for (int c = 1; c <= copies && rc == 0; c++) {
      char file[256], path[4096];
      snprintf(file, sizeof file, "%s-%02d.strokes", templates[i].name, c);
      if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
        rc = dlab_error("%s: folder name too long", dir);
      if (rc == 0) rc = draw(&templates[i], file, seed, &s);
      if (rc == 0) rc = write_checked(path, &s, &back);
      if (rc == 0) (*written)++;
    }
  }
  dlab_strokes_free(&s);
  dlab_strokes_free(&back);
  return rc;
}

static int make_dir(const char *path) {
  struct stat st;
  if (mkdir(path, 0777) == 0 || (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) return 0;
  return dlab_error("%s: cannot create the folder: %s", path,
                    errno == EEXIST ? "a file is in the way" : strerror(errno));
}

static void list(void) {
  int total[2] = {0, 0};
  for (int set = 0; set < 2; set++) {
    const ProxyTemplate *t = set ? proxy_nondigit_templates : proxy_digit_templates;
    int n = set ? proxy_n_nondigit_templates : proxy_n_digit_templates;
    for (int i = 0; i < n; i++) {
      printf("%-24s %2d\n", t[i].name, copies_of(t[i].name));
      total[set] += copies_of(t[i].name);
    }
  }
  printf("digits: %d drawings of %d templates; non-digits: %d drawings of %d templates\n", total[0],
         proxy_n_digit_templates, total[1], proxy_n_nondigit_templates);
}

static int usage(void) {
  fprintf(stderr, "usage: proxy-sets OUT [--seed S] [--only PREFIX[,PREFIX...]]   (OUT/digits, OUT/nondigits)\n"
                  "       proxy-sets --list\n"
                  "see tools/ink/README.md\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc == 2 && !strcmp(argv[1], "--list")) {
    list();
    return 0;
  }
  uint64_t seed = DEFAULT_SEED;
  const char *only = NULL;
  if (argc < 2 || argv[1][0] == '-') return usage();
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 == argc) return usage();
    if (!strcmp(argv[i], "--only")) {
      only = argv[i + 1];
    } else if (!strcmp(argv[i], "--seed")) {
      char *end;
      errno = 0;
      seed = strtoull(argv[i + 1], &end, 10);
      if (errno || end == argv[i + 1] || *end || argv[i + 1][0] == '-') return usage();
    } else {
      return usage();
    }
  }
  char digits[4096], nondigits[4096];
  int n_digits = 0, n_nondigits = 0, t_digits = 0, t_nondigits = 0;
  if (snprintf(digits, sizeof digits, "%s/digits", argv[1]) >= (int)sizeof digits ||
      snprintf(nondigits, sizeof nondigits, "%s/nondigits", argv[1]) >= (int)sizeof nondigits) {
    fprintf(stderr, "proxy-sets: %s: folder name too long\n", argv[1]);
    return 1;
  }
  if (!any_selected(only)) {
    fprintf(stderr, "proxy-sets: --only %s: no template's name starts so (proxy-sets --list names them)\n", only);
    return 1;
  }
  if (make_dir(argv[1]) || make_dir(digits) || make_dir(nondigits) ||
      write_set(digits, proxy_digit_templates, proxy_n_digit_templates, seed, only, &t_digits, &n_digits) ||
      write_set(nondigits, proxy_nondigit_templates, proxy_n_nondigit_templates, seed, only, &t_nondigits,
                &n_nondigits)) {
    fprintf(stderr, "proxy-sets: %s\n", dlab_error_message());
    return 1;
  }
  printf("%d digits (%d templates) -> %s\n%d non-digits (%d templates) -> %s\n", n_digits, t_digits, digits,
         n_nondigits, t_nondigits, nondigits);
  return 0;
}
