/* ink-assess: scores a digit model on the proxy sets (proxy-sets.c,
 * tools/ink/README.md "Proxy sets") through the engine's public predictor,
 * exactly as the Draw page reads a drawing.
 *
 *   ink-assess --model M [--digits DIR] [--nondigits DIR] [--unseen DIR]
 *              [--final DIR] [--threshold T] [--csv | --list]
 *
 * Digits (files <label>-<family>...-<nn>.strokes): accuracy, accuracy per
 * family (the four styles tablet writers reported as misread first), the
 * 10x10 confusion matrix, the share read with a top probability >= T
 * ("sure") and the accuracy among those, and the expected calibration
 * error (15 equal-width bins of the top probability; per bin |accuracy -
 * mean top probability|, weighted by the bin's share of the drawings).
 * Non-digits (x-<kind>...-<nn>.strokes): the share read "Not sure" (top
 * probability < T), overall and per kind (letter, shape, scribble), and
 * which digits the others were read as. --unseen scores a second set of
 * non-digits the same way, reported after the first (proxy-sets
 * OUT/unseen: drawings designed unlike the training's), so that one run
 * gives both; --final scores the final set of non-digits (proxy-sets
 * OUT/final: the one figure nothing is chosen with), reported last. T
 * defaults to 0.6, the application's not-sure-threshold. --csv prints the
 * same as rows set,group,metric,value,count,total (set digits, nondigits,
 * unseen or final); --list also names every misread digit and every
 * non-digit read as sure.
 *
 * Only a folder's own regular *.strokes files are read (no hidden files,
 * no symbolic links, no subfolders). A missing folder, a file that is not
 * a strokes file or holds no ink, a name that does not follow the
 * convention, or a model that does not read the ten digits from 28x28
 * drawings stops it with one line naming the file. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calibration.h"
#include "dlab/error.h"
#include "dlab/predictor.h"
#include "dlab/strokes.h"
#include "proxy-names.h"

#define CLASSES 10
#define MAX_FILES 100000
#define MAX_GROUPS 1024

typedef struct {
  char name[PROXY_NAME_MAX];
  int n, correct, sure, sure_correct;
} Group;

typedef struct {
  Group *g;
  int n;
} Groups;

typedef struct {
  Group all;
  Groups groups;                    /* digit families, or non-digit kinds */
  long confusion[CLASSES][CLASSES]; /* [written][read]; non-digits: row 0, sure readings only */
  Calibration calibration;          /* digits only */
} Score;

typedef struct {
  const char *model, *digits, *nondigits, *unseen, *final;
  double threshold;
  int csv, list;
} Options;

static int usage(void) {
  fprintf(stderr, "usage: ink-assess --model M [--digits DIR] [--nondigits DIR] [--unseen DIR] [--final DIR]\n"
                  "                  [--threshold T] [--csv | --list]\n"
                  "  --digits DIR     <digit>-<family>...-<nn>.strokes (proxy-sets OUT/digits)\n"
                  "  --nondigits DIR  x-<kind>...-<nn>.strokes (proxy-sets OUT/nondigits)\n"
                  "  --unseen DIR     a second set of non-digits, reported apart (proxy-sets OUT/unseen)\n"
                  "  --final DIR      the final set of non-digits, reported last (proxy-sets OUT/final)\n"
                  "  --threshold T    \"sure\" when the top probability is >= T (default 0.6, the app's)\n"
                  "  --csv            rows set,group,metric,value,count,total\n"
                  "  --list           also name every misread digit and every non-digit read as sure\n"
                  "see tools/ink/README.md\n");
  return 2;
}

static int parse_threshold(const char *text, double *t) {
  char *end;
  errno = 0;
  *t = strtod(text, &end);
  return errno || end == text || *end || !(*t > 0 && *t <= 1) ? -1 : 0;
}

/* 0, -1 for a command line to answer with the usage, -2 for a bad value
 * (already said). */
static int parse_options(int argc, char **argv, Options *o) {
  *o = (Options){.threshold = 0.6};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--csv"))
      o->csv = 1;
    else if (!strcmp(a, "--list"))
      o->list = 1;
    else if (!v)
      return -1;
    else if (!strcmp(a, "--model"))
      o->model = v, i++;
    else if (!strcmp(a, "--digits"))
      o->digits = v, i++;
    else if (!strcmp(a, "--nondigits"))
      o->nondigits = v, i++;
    else if (!strcmp(a, "--unseen"))
      o->unseen = v, i++;
    else if (!strcmp(a, "--final"))
      o->final = v, i++;
    else if (!strcmp(a, "--threshold")) {
      if (parse_threshold(v, &o->threshold)) {
        fprintf(stderr, "ink-assess: --threshold %s: expected a number in (0, 1]\n", v);
        return -2;
      }
      i++;
    } else
      return -1;
  }
  return o->model && (o->digits || o->nondigits || o->unseen || o->final) && !(o->csv && o->list) ? 0 : -1;
}

/* ---- the model ---- */

/* A model the Draw page could read digits with: ten classes named 0..9. */
static int check_digit_model(const char *path, const DlabPredictor *p) {
  int n = dlab_predictor_num_classes(p);
  if (n != CLASSES) return dlab_error("%s: reads %d classes, not the ten digits", path, n);
  const DlabModelInfo *info = dlab_predictor_info(p);
  for (int k = 0; k < CLASSES; k++) {
    const char *name = info->class_names[k];
    if (name && (name[0] != '0' + k || name[1] != '\0'))
      return dlab_error("%s: class %d is \"%s\", not the digit %d", path, k, name, k);
  }
  return 0;
}

/* ---- the folders ---- */

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* Only regular files of the folder itself are read: not hidden files, not
 * symbolic links (which could lead out of it), not subfolders. */
static int is_strokes_file(const char *dir, const char *name) {
  size_t len = strlen(name);
  if (name[0] == '.' || len < 8 || strcmp(name + len - 8, ".strokes") != 0) return 0;
  char path[8192];
  struct stat st;
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) return 0;
  return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The *.strokes files of dir (names only, sorted: the output does not
 * depend on the file system's order). */
static int list_folder(const char *dir, char ***out, int *count) {
  if (strlen(dir) > 4096) return dlab_error("%.64s...: folder name too long", dir);
  DIR *d = opendir(dir);
  if (!d) return dlab_error("%s: cannot open the folder: %s", dir, strerror(errno));
  char **names = NULL;
  int n = 0, rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d))) {
    if (!is_strokes_file(dir, e->d_name)) continue;
    if (n == MAX_FILES) {
      rc = dlab_error("%s: more than %d drawings", dir, MAX_FILES);
      break;
    }
    if (n % 256 == 0) {
      char **grown = realloc(names, (size_t)(n + 256) * sizeof *names);
      if (!grown)
        rc = dlab_error("%s: out of memory", dir);
      else
        names = grown;
    }
    if (rc == 0 && !(names[n++] = strdup(e->d_name))) rc = dlab_error("%s: out of memory", dir);
  }
  closedir(d);
  if (rc == 0 && n == 0) rc = dlab_error("%s: no .strokes files", dir);
  if (rc) {
    free_names(names, n);
    return -1;
  }
  qsort(names, (size_t)n, sizeof *names, compare_names);
  *out = names;
  *count = n;
  return 0;
}

/* ---- counting ---- */

static Group *find_group(Groups *gs, const char *name) {
  for (int i = 0; i < gs->n; i++)
    if (!strcmp(gs->g[i].name, name)) return &gs->g[i];
  if (gs->n == MAX_GROUPS) return NULL;
  Group *g = &gs->g[gs->n++];
  memset(g, 0, sizeof *g);
  snprintf(g->name, sizeof g->name, "%s", name);
  return g;
}

static void count(Group *g, int correct, int sure) {
  g->n++;
  g->correct += correct;
  g->sure += sure;
  g->sure_correct += sure && correct;
}

/* Reads one drawing and adds the model's reading of it to the score. */
static int assess_file(DlabPredictor *p, const Options *o, const char *dir, const char *name, int digits,
                       Score *score) {
  char path[8192], group[PROXY_NAME_MAX];
  int label;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (proxy_name_parse(name, &label, group, sizeof group) || (digits ? label < 0 : label >= 0))
    return dlab_error("%s: not named %s (tools/ink/README.md)", path,
                      digits ? "<digit>-<family>-<nn>.strokes" : "x-<kind>-<nn>.strokes");
  DlabStrokes s;
  dlab_strokes_init(&s);
  float probs[CLASSES];
  dlab_error_clear();
  int read = dlab_strokes_read(path, &s) ? -2 : dlab_predictor_run_strokes(p, &s, NULL, probs);
  dlab_strokes_free(&s);
  if (read == -2) return -1;
  if (read < 0 || read >= CLASSES || !(probs[read] >= 0 && probs[read] <= 1))
    return *dlab_error_message() ? dlab_error_prefix("%s", path) : dlab_error("%s: no ink to read", path);
  double top = probs[read];
  int sure = top >= o->threshold, correct = read == label;
  Group *g = find_group(&score->groups, group);
  if (!g) return dlab_error("%s: more than %d families or kinds", dir, MAX_GROUPS);
  count(&score->all, correct, sure);
  count(g, correct, sure);
  if (digits) {
    score->confusion[label][read]++;
    calibration_add(&score->calibration, top, correct);
  } else if (sure) {
    score->confusion[0][read]++;
  }
  if (o->list && (digits ? !correct : sure)) printf("  %s: read as %d (%.0f%%)\n", name, read, 100 * top);
  return 0;
}

static int assess_folder(DlabPredictor *p, const Options *o, const char *dir, int digits, Score *score) {
  char **names = NULL;
  int n = 0;
  if (list_folder(dir, &names, &n)) return -1;
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) rc = assess_file(p, o, dir, names[i], digits, score);
  free_names(names, n);
  return rc;
}

/* ---- reporting ---- */

static double ratio(int a, int b) { return b ? (double)a / b : 0; }

static void csv_row(const char *set, const char *group, const char *metric, int count, int total) {
  printf("%s,%s,%s,%.6f,%d,%d\n", set, group, metric, ratio(count, total), count, total);
}

static void csv_digits(const Score *s) {
  csv_row("digits", "all", "accuracy", s->all.correct, s->all.n);
  csv_row("digits", "all", "sure", s->all.sure, s->all.n);
  csv_row("digits", "all", "sure_accuracy", s->all.sure_correct, s->all.sure);
  printf("digits,all,ece,%.6f,,%d\n", calibration_error(&s->calibration), s->all.n);
  for (int i = 0; i < s->groups.n; i++) {
    const Group *g = &s->groups.g[i];
    csv_row("digits", g->name, "accuracy", g->correct, g->n);
    csv_row("digits", g->name, "sure", g->sure, g->n);
  }
  for (int t = 0; t < CLASSES; t++) {
    long row = 0;
    for (int r = 0; r < CLASSES; r++) row += s->confusion[t][r];
    for (int r = 0; r < CLASSES; r++) {
      char group[4], metric[16];
      snprintf(group, sizeof group, "%d", t);
      snprintf(metric, sizeof metric, "read_%d", r);
      csv_row("digits", group, metric, (int)s->confusion[t][r], (int)row);
    }
  }
}

/* set: "nondigits", "unseen" or "final". */
static void csv_nondigits(const char *set, const Score *s) {
  csv_row(set, "all", "not_sure", s->all.n - s->all.sure, s->all.n);
  for (int i = 0; i < s->groups.n; i++)
    csv_row(set, s->groups.g[i].name, "not_sure", s->groups.g[i].n - s->groups.g[i].sure, s->groups.g[i].n);
  for (int r = 0; r < CLASSES; r++) {
    char metric[16];
    snprintf(metric, sizeof metric, "read_%d", r);
    csv_row(set, "all", metric, (int)s->confusion[0][r], s->all.sure);
  }
}

static void print_confusion(const Score *s) {
  printf("\n  confusion (rows: the digit written, columns: the digit read)\n       ");
  for (int r = 0; r < CLASSES; r++) printf("%5d", r);
  printf("\n");
  for (int t = 0; t < CLASSES; t++) {
    printf("  %3d  ", t);
    for (int r = 0; r < CLASSES; r++) printf("%5ld", s->confusion[t][r]);
    printf("\n");
  }
}

static void print_digits(const Options *o, const Score *s) {
  printf("digits (%s): %d drawing%s\n", o->digits, s->all.n, s->all.n == 1 ? "" : "s");
  printf("  accuracy                        %7.2f%%  (%d/%d)\n", 100 * ratio(s->all.correct, s->all.n), s->all.correct,
         s->all.n);
  printf("  sure (top probability >= %.2f)  %7.2f%%  (%d/%d), accuracy among them %.2f%% (%d/%d)\n", o->threshold,
         100 * ratio(s->all.sure, s->all.n), s->all.sure, s->all.n, 100 * ratio(s->all.sure_correct, s->all.sure),
         s->all.sure_correct, s->all.sure);
  printf("  expected calibration error      %7.2f%%  (%d bins of the top probability)\n",
         100 * calibration_error(&s->calibration), CALIBRATION_BINS);
  printf("\n  reported as misread                                               n  accuracy\n");
  for (int i = 0; i < PROXY_N_REPORTED; i++)
    for (int k = 0; k < s->groups.n; k++)
      if (!strcmp(s->groups.g[k].name, proxy_reported[i].family))
        printf("  %-10s %-52s %4d  %7.2f%%\n", proxy_reported[i].family, proxy_reported[i].what, s->groups.g[k].n,
               100 * ratio(s->groups.g[k].correct, s->groups.g[k].n));
  printf("\n  family               n  accuracy      sure\n");
  for (int i = 0; i < s->groups.n; i++) {
    const Group *g = &s->groups.g[i];
    printf("  %-16s %5d  %7.2f%%  %7.2f%%\n", g->name, g->n, 100 * ratio(g->correct, g->n), 100 * ratio(g->sure, g->n));
  }
  print_confusion(s);
}

/* title: "non-digits", "unseen non-digits" or "final non-digits"; dir:
 * their folder. */
static void print_nondigits(const Options *o, const char *title, const char *dir, const Score *s) {
  int not_sure = s->all.n - s->all.sure;
  printf("%s (%s): %d drawing%s\n", title, dir, s->all.n, s->all.n == 1 ? "" : "s");
  printf("  read \"Not sure\" (top < %.2f)    %7.2f%%  (%d/%d)\n", o->threshold, 100 * ratio(not_sure, s->all.n),
         not_sure, s->all.n);
  for (int i = 0; i < s->groups.n; i++) {
    const Group *g = &s->groups.g[i];
    printf("    %-28s  %7.2f%%  (%d/%d)\n", g->name, 100 * ratio(g->n - g->sure, g->n), g->n - g->sure, g->n);
  }
  printf("  the others, read as:");
  for (int r = 0; r < CLASSES; r++) printf(" %d: %ld%s", r, s->confusion[0][r], r + 1 < CLASSES ? "," : "\n");
}

/* Families sorted by name, so that reports compare line by line. */
static int compare_groups(const void *a, const void *b) {
  return strcmp(((const Group *)a)->name, ((const Group *)b)->name);
}

/* The scores of the four sets. */
typedef struct {
  Score digits, nondigits, unseen, final;
} Scores;

static int run(const Options *o, DlabPredictor *p, Scores *sc) {
  Score *digits = &sc->digits, *nondigits = &sc->nondigits, *unseen = &sc->unseen, *final = &sc->final;
  if (o->list && o->digits) printf("misread digits:\n");
  if (o->digits && assess_folder(p, o, o->digits, 1, digits)) return -1;
  if (o->list && o->nondigits) printf("non-digits read as sure:\n");
  if (o->nondigits && assess_folder(p, o, o->nondigits, 0, nondigits)) return -1;
  if (o->list && o->unseen) printf("unseen non-digits read as sure:\n");
  if (o->unseen && assess_folder(p, o, o->unseen, 0, unseen)) return -1;
  if (o->list && o->final) printf("final non-digits read as sure:\n");
  if (o->final && assess_folder(p, o, o->final, 0, final)) return -1;
  qsort(digits->groups.g, (size_t)digits->groups.n, sizeof(Group), compare_groups);
  qsort(nondigits->groups.g, (size_t)nondigits->groups.n, sizeof(Group), compare_groups);
  qsort(unseen->groups.g, (size_t)unseen->groups.n, sizeof(Group), compare_groups);
  qsort(final->groups.g, (size_t)final->groups.n, sizeof(Group), compare_groups);
  if (o->csv) {
    printf("set,group,metric,value,count,total\n");
    if (o->digits) csv_digits(digits);
    if (o->nondigits) csv_nondigits("nondigits", nondigits);
    if (o->unseen) csv_nondigits("unseen", unseen);
    if (o->final) csv_nondigits("final", final);
    return 0;
  }
  printf("%smodel: %s\n", o->list ? "\n" : "", o->model);
  if (o->digits) {
    printf("\n");
    print_digits(o, digits);
  }
  if (o->nondigits) {
    printf("\n");
    print_nondigits(o, "non-digits", o->nondigits, nondigits);
  }
  if (o->unseen) {
    printf("\n");
    print_nondigits(o, "unseen non-digits", o->unseen, unseen);
  }
  if (o->final) {
    printf("\n");
    print_nondigits(o, "final non-digits", o->final, final);
  }
  return 0;
}

int main(int argc, char **argv) {
  Options o;
  int parsed = parse_options(argc, argv, &o);
  if (parsed) return parsed == -2 ? 2 : usage();
  static Group digit_groups[MAX_GROUPS], nondigit_groups[MAX_GROUPS], unseen_groups[MAX_GROUPS],
      final_groups[MAX_GROUPS];
  static Scores scores;
  scores.digits.groups.g = digit_groups;
  scores.nondigits.groups.g = nondigit_groups;
  scores.unseen.groups.g = unseen_groups;
  scores.final.groups.g = final_groups;
  DlabPredictor *p = dlab_predictor_load(o.model);
  int rc = !p || check_digit_model(o.model, p) || run(&o, p, &scores);
  if (rc) fprintf(stderr, "ink-assess: %s\n", dlab_error_message());
  dlab_predictor_free(p);
  return rc ? 1 : 0;
}
