/* ink-mnist: stroke test sets and the default model's training data
 * (tools/ink/README.md).
 *
 *   ink-mnist dataset --mnist DIR --out ROOT [--copies K] [--original 0|1]
 *                     [--styles N] [--nondigits N]
 *                     [--test plain|varied|original] [--seed S] [--threads T]
 *       MNIST train digits -> skeleton strokes -> K random writers each ->
 *       the ink renderer -> ROOT/MNIST/raw/train-*, optionally with the
 *       original images too; the MNIST test digits -> strokes -> renderer
 *       (plain: as traced; varied: through random writers as well;
 *       original: the MNIST pictures) -> ROOT/MNIST/raw/t10k-*.
 *       --styles adds N digits in the styles of styles.h, --nondigits N
 *       drawings of no digit (label 255, DLAB_LABEL_NONE), each through a
 *       random writer, after the MNIST ones.
 *       `dlab train --data ROOT --dataset mnist` trains on it.
 *   ink-mnist testset --mnist DIR --out ROOT [--test plain|varied] [--seed S]
 *       Only the test split (the train files get its first 1000 digits, so
 *       that `dlab eval --data ROOT` finds a complete dataset).
 *   ink-mnist render --strokes DIR --out ROOT [--writers N] [--seed S]
 *       Every DIR/<digit>*.strokes (label = first character of the name)
 *       through the renderer into a test split, as testset does; with
 *       --writers, each file is also redrawn by N random writers.
 *   ink-mnist strokes --mnist DIR --out DIR [--split test|train] [--limit N]
 *                     [--vary --seed S]
 *       Writes each digit's strokes as OUT/<index>-<label>.strokes.
 *   ink-mnist show --mnist DIR [--index I] [--seed S]
 *       Prints a digit, its traced strokes rendered, and random writers.
 *   ink-mnist view FILE.strokes...
 *       Prints how the renderer sees strokes files.
 *   ink-mnist stats --mnist DIR [--limit N]
 *       Mean ink, stroke count and timing of thinning and rendering. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "datasets/idx.h"
#include "dlab/atomic_file.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/ink.h"
#include "dlab/rng.h"
#include "dlab/strokes.h"
#include "skeleton.h"
#include "styles.h"
#include "writer.h"

typedef struct {
  const char *mnist, *out, *test, *split, *strokes_dir;
  int copies, original, threads, limit, index, vary, writers, styles, nondigits;
  uint64_t seed;
} Options;

static int usage(void) {
  fprintf(stderr,
          "usage: ink-mnist dataset|testset|render|strokes|show|stats [OPTIONS]\n"
          "       ink-mnist view FILE.strokes...\n"
          "  --mnist DIR      MNIST's raw IDX files (e.g. data/MNIST/raw)\n"
          "  --out DIR        output root (dataset: ROOT/MNIST/raw/...)\n"
          "  --copies K       random writers per training digit (default 2)\n"
          "  --original 0|1   also keep the original training images (default 1)\n"
          "  --test KIND      plain, varied or original (default plain)\n"
          "  --strokes DIR    hand-drawn strokes files (render)\n"
          "  --writers N      render: also N random writers of each file\n"
          "  --split NAME     test or train (strokes; default test)\n"
          "  --limit N        only the first N digits\n"
          "  --vary           strokes: through a random writer\n"
          "  --seed S         (default 1)\n"
          "  --threads T      (default 2)\n"
          "  --index I        show: which digit (default 0)\n"
          "see tools/ink/README.md\n");
  return 2;
}

static int parse_options(int argc, char **argv, Options *o) {
  *o = (Options){.test = "plain", .split = "test", .copies = 2, .original = 1, .threads = 2, .seed = 1};
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = 1;
    if (!strcmp(a, "--vary")) o->vary = 1, takes = 0;
    else if (!v) return usage();
    else if (!strcmp(a, "--mnist")) o->mnist = v;
    else if (!strcmp(a, "--out")) o->out = v;
    else if (!strcmp(a, "--test")) o->test = v;
    else if (!strcmp(a, "--split")) o->split = v;
    else if (!strcmp(a, "--strokes")) o->strokes_dir = v;
    else if (!strcmp(a, "--copies")) o->copies = atoi(v);
    else if (!strcmp(a, "--writers")) o->writers = atoi(v);
    else if (!strcmp(a, "--original")) o->original = atoi(v);
    else if (!strcmp(a, "--styles")) o->styles = atoi(v);
    else if (!strcmp(a, "--nondigits")) o->nondigits = atoi(v);
    else if (!strcmp(a, "--threads")) o->threads = atoi(v);
    else if (!strcmp(a, "--limit")) o->limit = atoi(v);
    else if (!strcmp(a, "--index")) o->index = atoi(v);
    else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
    else return usage();
    i += takes;
  }
  if (o->copies < 0 || o->copies > 16 || o->writers < 0 || o->writers > 1000 || o->threads < 1 || o->threads > 64 ||
      o->styles < 0 || o->styles > 1000000 || o->nondigits < 0 || o->nondigits > 1000000)
    return usage();
  return 0;
}

/* ---- MNIST input ---- */

typedef struct {
  DlabIdx images, labels;
  int n;
} Split;

static int load_split(const char *dir, const char *which, int limit, Split *s) {
  char ip[4096], lp[4096];
  snprintf(ip, sizeof ip, "%s/%s-images-idx3-ubyte", dir, which);
  snprintf(lp, sizeof lp, "%s/%s-labels-idx1-ubyte", dir, which);
  if (dlab_idx_read(ip, &s->images) || dlab_idx_read(lp, &s->labels)) return -1;
  s->n = s->images.dims[0];
  if (s->images.ndim != 3 || s->images.dims[1] != 28 || s->images.dims[2] != 28 || s->labels.dims[0] != s->n)
    return dlab_error("%s: not 28x28 images matching %s", ip, lp);
  if (limit > 0 && limit < s->n) s->n = limit;
  return 0;
}

static void free_split(Split *s) {
  dlab_idx_free(&s->images);
  dlab_idx_free(&s->labels);
}

/* ---- IDX output ---- */

static void put_be32(FILE *f, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  fwrite(b, 1, 4, f);
}

static int write_idx(const char *path, const uint8_t *data, int n, int is_images) {
  DlabAtomicFile f;
  if (dlab_atomic_open(&f, path)) return -1;
  put_be32(f.fp, is_images ? 0x00000803u : 0x00000801u);
  put_be32(f.fp, (uint32_t)n);
  if (is_images) put_be32(f.fp, 28), put_be32(f.fp, 28);
  fwrite(data, 1, (size_t)n * (is_images ? 784 : 1), f.fp);
  return dlab_atomic_commit(&f);
}

static int make_dirs(const char *root, char *raw, size_t n) {
  char mid[4096];
  snprintf(mid, sizeof mid, "%s/MNIST", root);
  snprintf(raw, n, "%s/MNIST/raw", root);
  const char *dirs[] = {root, mid, raw};
  for (int i = 0; i < 3; i++)
    if (mkdir(dirs[i], 0777) && errno != EEXIST) return dlab_error("%s: cannot create: %s", dirs[i], strerror(errno));
  return 0;
}

static int write_split(const char *raw, const char *which, const uint8_t *images, const uint8_t *labels, int n) {
  char ip[4096], lp[4096];
  snprintf(ip, sizeof ip, "%s/%s-images-idx3-ubyte", raw, which);
  snprintf(lp, sizeof lp, "%s/%s-labels-idx1-ubyte", raw, which);
  return write_idx(ip, images, n, 1) || write_idx(lp, labels, n, 0) ? -1 : 0;
}

static void to_bytes(const float *img, uint8_t *out) {
  for (int i = 0; i < DLAB_INK_PIXELS; i++) out[i] = (uint8_t)(img[i] * 255.0f + 0.5f);
}

/* ---- the work per digit, spread over threads ---- */

typedef struct {
  const Split *src;
  uint8_t *images; /* n_out x 784 */
  int copies;      /* random writers per digit (0: traced as is) */
  int habits;      /* writers add flags to 1s and bars to 7s (training) */
  int original;    /* also the original picture */
  uint64_t seed;
  int first, step; /* this worker's digits: first, first+step, ... */
} Job;

/* Slot of copy c of digit i in the output: originals first. */
static size_t slot(const Job *j, int i, int c) {
  return j->original ? (size_t)j->src->n + (size_t)c * j->src->n + i : (size_t)c * j->src->n + i;
}

static void *run_job(void *arg) {
  Job *j = arg;
  DlabStrokes sk, varied;
  dlab_strokes_init(&sk);
  dlab_strokes_init(&varied);
  float img[DLAB_INK_PIXELS];
  DlabInkStyle plain = dlab_ink_default_style();
  for (int i = j->first; i < j->src->n; i += j->step) {
    const uint8_t *pic = j->src->images.data + (size_t)i * 784;
    skeleton_strokes(pic, &sk);
    if (j->original) memcpy(j->images + (size_t)i * 784, pic, 784);
    if (j->copies == 0) {
      dlab_ink_render(&sk, &plain, img);
      to_bytes(img, j->images + slot(j, i, 0) * 784);
    }
    for (int c = 0; c < j->copies; c++) {
      DlabRng rng;
      DlabInkStyle style;
      dlab_rng_derive(&rng, j->seed, (uint64_t)i * 64 + (uint64_t)c);
      writer_vary(&sk, j->habits ? j->src->labels.data[i] : -1, &rng, &varied, &style);
      dlab_ink_render(&varied, &style, img);
      to_bytes(img, j->images + slot(j, i, c) * 784);
    }
  }
  dlab_strokes_free(&sk);
  dlab_strokes_free(&varied);
  return NULL;
}

/* Renders a split into images (+ labels repeated per copy); returns the
 * count or -1. Results do not depend on the thread count. */
static int render_split(const Split *src, int copies, int original, int habits, uint64_t seed, int threads,
                        uint8_t **images, uint8_t **labels) {
  int per = (copies > 0 ? copies : 1) + (original ? 1 : 0);
  size_t n_out = (size_t)src->n * per;
  *images = malloc(n_out * 784);
  *labels = malloc(n_out);
  if (!*images || !*labels) return dlab_error("out of memory for %zu images", n_out);
  for (size_t k = 0; k < n_out; k++) (*labels)[k] = src->labels.data[k % src->n];
  pthread_t tid[64];
  Job jobs[64];
  for (int t = 0; t < threads; t++) {
    jobs[t] = (Job){src, *images, copies, habits, original, seed, t, threads};
    pthread_create(&tid[t], NULL, run_job, &jobs[t]);
  }
  for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
  return (int)n_out;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The test split as asked: plain traced strokes, random writers, or the
 * original pictures. */
static int make_test(const Options *o, const char *raw, int train_placeholder) {
  Split test;
  if (load_split(o->mnist, "t10k", o->limit, &test)) return -1;
  uint8_t *images, *labels;
  int n;
  if (!strcmp(o->test, "original")) {
    n = test.n;
    images = malloc((size_t)n * 784), labels = malloc((size_t)n);
    memcpy(images, test.images.data, (size_t)n * 784);
    memcpy(labels, test.labels.data, (size_t)n);
  } else if (!strcmp(o->test, "plain") || !strcmp(o->test, "varied")) {
    int varied = !strcmp(o->test, "varied");
    n = render_split(&test, varied ? 1 : 0, 0, 0, o->seed + 1000003, o->threads, &images, &labels);
  } else {
    free_split(&test);
    return dlab_error("--test %s: expected plain, varied or original", o->test);
  }
  int rc = n < 0 ? -1 : write_split(raw, "t10k", images, labels, n);
  if (!rc && train_placeholder) rc = write_split(raw, "train", images, labels, n < 1000 ? n : 1000);
  printf("test: %d digits (%s) -> %s/t10k-*\n", n, o->test, raw);
  free(images), free(labels);
  free_split(&test);
  return rc;
}

static int add_drawings(const Options *o, int n, uint8_t **images, uint8_t **labels);

static int cmd_dataset(const Options *o, int with_train) {
  if (!o->mnist || !o->out) return usage();
  char raw[4096];
  if (make_dirs(o->out, raw, sizeof raw)) return -1;
  if (with_train) {
    double t0 = now();
    Split train;
    if (load_split(o->mnist, "train", o->limit, &train)) return -1;
    uint8_t *images, *labels;
    int n = render_split(&train, o->copies, o->original, 1, o->seed, o->threads, &images, &labels);
    if (n >= 0) n = add_drawings(o, n, &images, &labels);
    if (n < 0 || write_split(raw, "train", images, labels, n)) return -1;
    printf("train: %d images (%d writers per digit%s, %d style digits, %d non-digits) in %.1f s -> %s/train-*\n",
           n, o->copies, o->original ? " + the originals" : "", o->styles, o->nondigits, now() - t0, raw);
    free(images), free(labels);
    free_split(&train);
  }
  return make_test(o, raw, !with_train);
}

/* ---- hand-drawn strokes files ---- */

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Scales and moves a drawing so that its box is about 20 px of a 28-px
 * digit on SKELETON_CANVAS_SCALE's canvas, as the traced MNIST digits are. */
static void normalize_to_skeleton_canvas(DlabStrokes *s) {
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (size_t i = 0; i < s->n_points; i++) {
    x0 = fminf(x0, s->points[i].x), x1 = fmaxf(x1, s->points[i].x);
    y0 = fminf(y0, s->points[i].y), y1 = fmaxf(y1, s->points[i].y);
  }
  float size = fmaxf(fmaxf(x1 - x0, y1 - y0), 1e-6f), k = 18.0f * SKELETON_CANVAS_SCALE / size;
  float cx = 0.5f * (x0 + x1), cy = 0.5f * (y0 + y1), mid = 14.0f * SKELETON_CANVAS_SCALE;
  for (size_t i = 0; i < s->n_points; i++) {
    s->points[i].x = mid + k * (s->points[i].x - cx);
    s->points[i].y = mid + k * (s->points[i].y - cy);
  }
}

/* Appends o->styles style digits and o->nondigits drawings of no digit
 * (styles.h), each redrawn by a random writer, to the n training images.
 * Returns the new count, or -1. */
static int add_drawings(const Options *o, int n, uint8_t **images, uint8_t **labels) {
  const int extra = o->styles + o->nondigits;
  if (extra == 0) return n;
  uint8_t *more_images = realloc(*images, ((size_t)n + extra) * 784);
  if (!more_images) return dlab_error("out of memory for %d more images", extra);
  *images = more_images;
  uint8_t *more_labels = realloc(*labels, (size_t)n + extra);
  if (!more_labels) return dlab_error("out of memory for %d more labels", extra);
  *labels = more_labels;
  DlabStrokes drawing, varied;
  dlab_strokes_init(&drawing);
  dlab_strokes_init(&varied);
  float img[DLAB_INK_PIXELS];
  int rc = 0;
  for (int i = 0; i < extra && rc == 0; i++) {
    DlabRng rng;
    DlabInkStyle style;
    /* Streams far from run_job's (digit * 64 + copy < 2^22). */
    dlab_rng_derive(&rng, o->seed, ((uint64_t)1 << 40) + (uint64_t)i);
    int label = i < o->styles ? style_digit(i, &rng, &drawing) : style_nondigit(&rng, &drawing) < 0 ? -1 : DLAB_LABEL_NONE;
    if (label < 0) {
      rc = dlab_error("out of memory drawing %d", i);
      break;
    }
    normalize_to_skeleton_canvas(&drawing);
    writer_vary(&drawing, -1, &rng, &varied, &style);
    dlab_ink_render(&varied, &style, img);
    to_bytes(img, *images + ((size_t)n + i) * 784);
    (*labels)[n + i] = (uint8_t)label;
  }
  dlab_strokes_free(&drawing);
  dlab_strokes_free(&varied);
  return rc < 0 ? -1 : n + extra;
}

static int cmd_render(const Options *o) {
  if (!o->strokes_dir || !o->out) return usage();
  DIR *d = opendir(o->strokes_dir);
  if (!d) return dlab_error("%s: cannot open: %s", o->strokes_dir, strerror(errno));
  char *names[4096];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 4096) {
    size_t len = strlen(e->d_name);
    if (len > 8 && !strcmp(e->d_name + len - 8, ".strokes") && e->d_name[0] >= '0' && e->d_name[0] <= '9')
      names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, by_name);
  int per = 1 + o->writers, total = n * per;
  uint8_t *images = malloc((size_t)total * 784 + 1), *labels = malloc((size_t)total + 1);
  DlabStrokes s, varied;
  dlab_strokes_init(&s);
  dlab_strokes_init(&varied);
  DlabInkStyle st = dlab_ink_default_style();
  float img[DLAB_INK_PIXELS];
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", o->strokes_dir, names[i]);
    if ((rc = dlab_strokes_read(path, &s))) break;
    dlab_ink_render(&s, &st, img);
    to_bytes(img, images + (size_t)i * per * 784);
    /* The writers expect a 28-px digit on a 280 canvas, like the traced
     * MNIST digits: bring the drawing's box to that size first. */
    normalize_to_skeleton_canvas(&s);
    for (int w = 0; w < o->writers; w++) {
      DlabRng rng;
      DlabInkStyle style;
      dlab_rng_derive(&rng, o->seed + 2000003, (uint64_t)i * 1024 + (uint64_t)w);
      writer_vary(&s, -1, &rng, &varied, &style); /* test sets: no added habits */
      dlab_ink_render(&varied, &style, img);
      to_bytes(img, images + ((size_t)i * per + 1 + (size_t)w) * 784);
    }
    for (int w = 0; w < per; w++) labels[i * per + w] = (uint8_t)(names[i][0] - '0');
  }
  char raw[4096];
  if (!rc) rc = make_dirs(o->out, raw, sizeof raw);
  if (!rc) rc = write_split(raw, "t10k", images, labels, total) || write_split(raw, "train", images, labels, total) ? -1 : 0;
  if (!rc) printf("%d drawn digits, %d renderings -> %s/t10k-*\n", n, total, raw);
  dlab_strokes_free(&varied);
  for (int i = 0; i < n; i++) free(names[i]);
  free(images), free(labels);
  dlab_strokes_free(&s);
  return rc;
}

/* ---- strokes files from MNIST ---- */

static int cmd_strokes(const Options *o) {
  if (!o->mnist || !o->out) return usage();
  Split sp;
  if (load_split(o->mnist, strcmp(o->split, "train") ? "t10k" : "train", o->limit, &sp)) return -1;
  if (mkdir(o->out, 0777) && errno != EEXIST) return dlab_error("%s: cannot create: %s", o->out, strerror(errno));
  DlabStrokes sk, varied;
  dlab_strokes_init(&sk);
  dlab_strokes_init(&varied);
  int rc = 0;
  for (int i = 0; i < sp.n && !rc; i++) {
    skeleton_strokes(sp.images.data + (size_t)i * 784, &sk);
    const DlabStrokes *s = &sk;
    if (o->vary) {
      DlabRng rng;
      DlabInkStyle style;
      dlab_rng_derive(&rng, o->seed + 1000003, (uint64_t)i * 64);
      writer_vary(&sk, -1, &rng, &varied, &style);
      s = &varied;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%05d-%d.strokes", o->out, i, sp.labels.data[i]);
    rc = dlab_strokes_write(path, s);
  }
  if (!rc) printf("%d strokes files -> %s\n", sp.n, o->out);
  dlab_strokes_free(&sk);
  dlab_strokes_free(&varied);
  free_split(&sp);
  return rc;
}

/* ---- inspection ---- */

static void print_rows(const float *const *imgs, int count) {
  for (int i = 0; i < 28; i++) {
    for (int k = 0; k < count; k++) {
      for (int j = 0; j < 28; j++) putchar(" .:-=+*#%@"[(int)(imgs[k][i * 28 + j] * 9.99f)]);
      printf("  ");
    }
    putchar('\n');
  }
}

static int cmd_show(const Options *o) {
  if (!o->mnist) return usage();
  Split sp;
  if (load_split(o->mnist, strcmp(o->split, "train") ? "t10k" : "train", 0, &sp)) return -1;
  if (o->index < 0 || o->index >= sp.n) return dlab_error("--index %d: out of range", o->index);
  float pics[4][DLAB_INK_PIXELS];
  const float *rows[4] = {pics[0], pics[1], pics[2], pics[3]};
  for (int i = 0; i < 784; i++) pics[0][i] = sp.images.data[(size_t)o->index * 784 + i] / 255.0f;
  DlabStrokes sk, varied;
  dlab_strokes_init(&sk);
  dlab_strokes_init(&varied);
  int n = skeleton_strokes(sp.images.data + (size_t)o->index * 784, &sk);
  DlabInkStyle st = dlab_ink_default_style();
  dlab_ink_render(&sk, &st, pics[1]);
  for (int c = 0; c < 2; c++) {
    DlabRng rng;
    DlabInkStyle style;
    dlab_rng_derive(&rng, o->seed, (uint64_t)o->index * 64 + (uint64_t)c);
    writer_vary(&sk, sp.labels.data[o->index], &rng, &varied, &style);
    dlab_ink_render(&varied, &style, pics[2 + c]);
  }
  printf("digit %d (label %d): %d strokes, %zu points; original, traced, two writers\n", o->index,
         sp.labels.data[o->index], n, sk.n_points);
  print_rows(rows, 4);
  dlab_strokes_free(&sk);
  dlab_strokes_free(&varied);
  free_split(&sp);
  return 0;
}

/* Renders strokes files side by side, four to a row. */
static int cmd_view(int argc, char **argv) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  DlabInkStyle st = dlab_ink_default_style();
  static float pics[4][DLAB_INK_PIXELS];
  const float *rows[4] = {pics[0], pics[1], pics[2], pics[3]};
  int n = 0, rc = 0;
  for (int i = 2; i < argc && !rc; i++) {
    if ((rc = dlab_strokes_read(argv[i], &s))) break;
    dlab_ink_render(&s, &st, pics[n % 4]);
    printf("%-30s", argv[i] + (strrchr(argv[i], '/') ? strrchr(argv[i], '/') - argv[i] + 1 : 0));
    if (++n % 4 == 0 || i == argc - 1) {
      printf("\n");
      print_rows(rows, n % 4 ? n % 4 : 4);
    }
  }
  dlab_strokes_free(&s);
  return rc;
}

static int cmd_stats(const Options *o) {
  if (!o->mnist) return usage();
  Split sp;
  if (load_split(o->mnist, strcmp(o->split, "train") ? "t10k" : "train", o->limit, &sp)) return -1;
  DlabStrokes sk;
  dlab_strokes_init(&sk);
  DlabInkStyle st = dlab_ink_default_style();
  float img[DLAB_INK_PIXELS];
  double ink_orig = 0, ink_ink = 0, strokes = 0, t_skel = 0, t_render = 0;
  int hist[8] = {0};
  for (int i = 0; i < sp.n; i++) {
    const uint8_t *pic = sp.images.data + (size_t)i * 784;
    double t0 = now();
    int k = skeleton_strokes(pic, &sk);
    double t1 = now();
    dlab_ink_render(&sk, &st, img);
    t_skel += t1 - t0, t_render += now() - t1;
    for (int p = 0; p < 784; p++) ink_orig += pic[p] / 255.0, ink_ink += img[p];
    strokes += k;
    hist[k < 7 ? k : 7]++;
  }
  printf("%d digits: ink %.1f original, %.1f traced+rendered (width %.3f); %.2f strokes per digit\n", sp.n,
         ink_orig / sp.n, ink_ink / sp.n, st.width, strokes / sp.n);
  printf("strokes per digit: 0:%d 1:%d 2:%d 3:%d 4:%d 5:%d 6:%d 7+:%d\n", hist[0], hist[1], hist[2], hist[3],
         hist[4], hist[5], hist[6], hist[7]);
  printf("per digit: thinning+tracing %.1f us, rendering %.1f us\n", 1e6 * t_skel / sp.n, 1e6 * t_render / sp.n);
  dlab_strokes_free(&sk);
  free_split(&sp);
  return 0;
}

int main(int argc, char **argv) {
  Options o;
  if (argc >= 2 && !strcmp(argv[1], "view")) {
    int rc = cmd_view(argc, argv);
    if (rc) fprintf(stderr, "ink-mnist view: %s\n", dlab_error_message());
    return rc ? 1 : 0;
  }
  if (argc < 2 || parse_options(argc, argv, &o)) return usage();
  const char *cmd = argv[1];
  int rc;
  if (!strcmp(cmd, "dataset")) rc = cmd_dataset(&o, 1);
  else if (!strcmp(cmd, "testset")) rc = cmd_dataset(&o, 0);
  else if (!strcmp(cmd, "render")) rc = cmd_render(&o);
  else if (!strcmp(cmd, "strokes")) rc = cmd_strokes(&o);
  else if (!strcmp(cmd, "show")) rc = cmd_show(&o);
  else if (!strcmp(cmd, "stats")) rc = cmd_stats(&o);
  else return usage();
  if (rc) fprintf(stderr, "ink-mnist %s: %s\n", cmd, dlab_error_message());
  return rc ? 1 : 0;
}
