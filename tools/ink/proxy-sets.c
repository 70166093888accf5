/* proxy-sets: writes the held-out proxy test sets of the sketchpad model
 * (tools/ink/README.md "Proxy sets"): digits in many hand-designed styles,
 * drawings that are not digits, a second set of non-digits designed
 * unlike anything the training draws (proxy-unseen.c), and the final set
 * of non-digits, unlike all of those, that nothing is ever chosen with
 * (proxy-final.c), each drawn several times by a random hand
 * (proxy-hand.c).
 *
 *   proxy-sets OUT [--seed S] [--only PREFIX[,PREFIX...]]
 *       writes OUT/digits/, OUT/nondigits/, OUT/unseen/ and OUT/final/
 *       (--only: the templates whose name starts with one of the prefixes,
 *       e.g. 9-gtail,x-scribble; their files are the same as in a whole
 *       run)
 *   proxy-sets --list             the templates and how many of each
 *
 * The files are named as proxy-names.h says; ink-assess scores a model on
 * them. They are test sets: nothing here may feed a model's training or
 * the choice of a model (that is what a validation split is for). Every
 * drawing's randomness comes from the seed, its set (the unseen and the
 * final sets' streams are their own) and its file name, so the same seed
 * gives the same files, byte for byte, and adding a template or a set
 * changes no other file. Each file is read back and compared after it is written. */
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

/* The sets, each in its own folder of OUT. A set's stream prefix keeps its
 * drawings' random streams apart from the other sets' (the first two have
 * none: their files stay as they were first reported). */
typedef struct {
  const char *folder, *what, *stream;
  const ProxyTemplate *templates;
  const int *n;
} ProxySet;

#define N_SETS 4
static const ProxySet sets[N_SETS] = {
    {"digits", "digits", "", proxy_digit_templates, &proxy_n_digit_templates},
    {"nondigits", "non-digits", "", proxy_nondigit_templates, &proxy_n_nondigit_templates},
    {"unseen", "unseen non-digits", "unseen/", proxy_unseen_templates, &proxy_n_unseen_templates},
    {"final", "final non-digits", "final/", proxy_final_templates, &proxy_n_final_templates},
};

/* FNV-1a: a drawing's random stream from its set's prefix and its name. */
static uint64_t name_hash(const char *prefix, const char *name) {
  uint64_t h = 1469598103934665603u;
  for (const char *s = prefix; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  for (const char *s = name; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
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
static int draw(const ProxyTemplate *t, const char *stream, const char *file, uint64_t seed, DlabStrokes *out) {
  static char text[PATH_TEXT_MAX];
  static TurtlePath path;
  DlabRng rng;
  dlab_rng_derive(&rng, seed, name_hash(stream, file));
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
  for (int k = 0; k < N_SETS; k++)
    for (int i = 0; i < *sets[k].n; i++)
      if (selected(only, sets[k].templates[i].name)) return 1;
  return 0;
}

/* Writes every selected template's drawings of `set` into dir; counts the
 * templates and the drawings written. */
static int write_set(const ProxySet *set, const char *dir, uint64_t seed, const char *only, int *used, int *written) {
  const ProxyTemplate *templates = set->templates;
  int n = *set->n;
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
      if (rc == 0) rc = draw(&templates[i], set->stream, file, seed, &s);
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
  int total[N_SETS] = {0};
  for (int k = 0; k < N_SETS; k++) {
    for (int i = 0; i < *sets[k].n; i++) {
      printf("%-10s %-24s %2d\n", sets[k].folder, sets[k].templates[i].name, copies_of(sets[k].templates[i].name));
      total[k] += copies_of(sets[k].templates[i].name);
    }
  }
  for (int k = 0; k < N_SETS; k++)
    printf("%s: %d drawings of %d templates%s", sets[k].what, total[k], *sets[k].n, k + 1 < N_SETS ? "; " : "\n");
}

static int usage(void) {
  fprintf(stderr, "usage: proxy-sets OUT [--seed S] [--only PREFIX[,PREFIX...]]   (OUT/digits, nondigits, unseen, final)\n"
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
  char dirs[N_SETS][4096];
  int used[N_SETS] = {0}, written[N_SETS] = {0};
  for (int k = 0; k < N_SETS; k++)
    if (snprintf(dirs[k], sizeof dirs[k], "%s/%s", argv[1], sets[k].folder) >= (int)sizeof dirs[k]) {
      fprintf(stderr, "proxy-sets: %s: folder name too long\n", argv[1]);
      return 1;
    }
  if (!any_selected(only)) {
    fprintf(stderr, "proxy-sets: --only %s: no template's name starts so (proxy-sets --list names them)\n", only);
    return 1;
  }
  int rc = make_dir(argv[1]);
  for (int k = 0; k < N_SETS && rc == 0; k++) rc = make_dir(dirs[k]);
  for (int k = 0; k < N_SETS && rc == 0; k++) rc = write_set(&sets[k], dirs[k], seed, only, &used[k], &written[k]);
  if (rc) {
    fprintf(stderr, "proxy-sets: %s\n", dlab_error_message());
    return 1;
  }
  for (int k = 0; k < N_SETS; k++) printf("%d %s (%d templates) -> %s\n", written[k], sets[k].what, used[k], dirs[k]);
  return 0;
}
