/* CIFAR-10 binary batches: parsing (cifar.h) and the dataset loader.
 *
 * Looked for in <root>/cifar-10-batches-bin (where the official archive
 * unpacks) for each search root, or directly in --data. Training is
 * data_batch_1.bin .. data_batch_5.bin in order, test is test_batch.bin;
 * the files are read whole and checked before anything is copied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "datasets/cifar.h"
#include "datasets/idx.h"
#include "dlab/error.h"

#include "core/i18n.h"
#include "core/memory.h"

#define TRAIN_BATCHES 5
#define META_FILE "batches.meta.txt"
#define MAX_NAME_LEN 256

static const char *const default_classes[] = {"airplane", "automobile", "bird", "cat", "deer",
                                              "dog",      "frog",       "horse", "ship", "truck"};

long dlab_cifar_check_batch(const uint8_t *buf, size_t len, const char *what, int num_classes) {
  if (len == 0) return dlab_error(_("%s: empty CIFAR batch"), what);
  if (len % DLAB_CIFAR_RECORD != 0)
    return dlab_error(_("%s: %zu bytes is not a whole number of %d-byte CIFAR records "
                        "(truncated, or not a CIFAR-10 binary batch)"),
                      what, len, DLAB_CIFAR_RECORD);
  long n = (long)(len / DLAB_CIFAR_RECORD);
  for (long i = 0; i < n; i++) {
    int label = buf[(size_t)i * DLAB_CIFAR_RECORD];
    if (label >= num_classes)
      return dlab_error(_("%s: record %ld has label %d, but there are %d classes"), what, i, label,
                        num_classes);
  }
  return n;
}

void dlab_cifar_unpack_batch(const uint8_t *buf, long n, uint8_t *images, uint8_t *labels) {
  const size_t pixels = DLAB_CIFAR_RECORD - 1;
  for (long i = 0; i < n; i++) {
    const uint8_t *rec = buf + (size_t)i * DLAB_CIFAR_RECORD;
    labels[i] = rec[0];
    memcpy(images + (size_t)i * pixels, rec + 1, pixels);
  }
}

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++) {
    free(names[i]);
    names[i] = NULL;
  }
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int dlab_cifar_parse_meta(const char *text, size_t len, const char *what, char **names, int max) {
  int n = 0, line = 0;
  size_t pos = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    line++;
    size_t a = pos, b = end;
    pos = end + 1;
    while (a < b && is_space(text[a])) a++;
    while (b > a && is_space(text[b - 1])) b--;
    if (a == b) continue;
    if (memchr(text + a, '\0', b - a)) {
      free_names(names, n);
      return dlab_error(_("%s:%d: a NUL byte in a class name (not a text file?)"), what, line);
    }
    if (b - a > MAX_NAME_LEN) {
      free_names(names, n);
      return dlab_error(_("%s:%d: class name longer than %d bytes"), what, line, MAX_NAME_LEN);
    }
    if (n >= max) {
      free_names(names, n);
      return dlab_error(_("%s: more than %d class names"), what, max);
    }
    names[n] = strndup(text + a, b - a);
    if (!names[n]) {
      free_names(names, n);
      return dlab_error(_("%s: out of memory"), what);
    }
    n++;
  }
  if (n == 0) return dlab_error(_("%s: no class names in it"), what);
  return n;
}

/* Class names from batches.meta.txt when it is there, else CIFAR-10's own. */
static int load_classes(const char *dir, DlabDataset *d) {
  char path[DLAB_PATH_LEN];
  if (dlab_join_path(path, sizeof path, dir, META_FILE) < 0) return -1;
  if (!dlab_is_regular_file(path)) return dlab_dataset_set_classes(d, default_classes, 10);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (dlab_read_file_maybe_gz(path, DLAB_CLASS_NAMES_MAX, &buf, &len) < 0) return -1;
  char *names[DLAB_MAX_CLASSES] = {0};
  int n = dlab_cifar_parse_meta((const char *)buf, len, path, names, DLAB_MAX_CLASSES);
  free(buf);
  if (n < 0) return -1;
  int rc = dlab_dataset_set_classes(d, (const char *const *)names, n);
  free_names(names, n);
  return rc;
}

typedef struct {
  uint8_t *buf[TRAIN_BATCHES];
  long n[TRAIN_BATCHES];
  int count;
} Batches;

static void batches_free(Batches *b) {
  for (int i = 0; i < b->count; i++) free(b->buf[i]);
  memset(b, 0, sizeof *b);
}

/* Reads and checks the batch files `names[0..count)`. */
static int read_batches(const char *dir, const char *const *names, int count, int num_classes,
                        Batches *b) {
  memset(b, 0, sizeof *b);
  for (int i = 0; i < count; i++) {
    char path[DLAB_PATH_LEN];
    size_t len = 0;
    if (dlab_join_path(path, sizeof path, dir, names[i]) < 0) goto fail;
    if (!dlab_is_regular_file(path)) {
      dlab_error(_("%s: missing (CIFAR-10 needs data_batch_1.bin .. data_batch_5.bin and "
                   "test_batch.bin in %s)"), path, dir);
      goto fail;
    }
    if (dlab_read_file_maybe_gz(path, DLAB_CIFAR_BATCH_MAX, &b->buf[i], &len) < 0) goto fail;
    b->count = i + 1;
    b->n[i] = dlab_cifar_check_batch(b->buf[i], len, path, num_classes);
    if (b->n[i] < 0) goto fail;
  }
  return 0;
fail:
  batches_free(b);
  return -1;
}

static int build_split(const char *dir, const char *const *files, int count, DlabDataset *d) {
  Batches b;
  if (read_batches(dir, files, count, d->num_classes, &b) < 0) return -1;
  long total = 0;
  for (int i = 0; i < b.count; i++) total += b.n[i];
  const size_t pixels = DLAB_CIFAR_RECORD - 1;
  d->images = malloc((size_t)total * pixels);
  d->labels = malloc((size_t)total);
  if (!d->images || !d->labels) {
    batches_free(&b);
    return dlab_error(_("%s: out of memory for %ld CIFAR images"), dir, total);
  }
  dlab_advise_huge_pages(d->images, (size_t)total * pixels);
  long at = 0;
  for (int i = 0; i < b.count; i++) {
    dlab_cifar_unpack_batch(b.buf[i], b.n[i], d->images + (size_t)at * pixels, d->labels + at);
    at += b.n[i];
  }
  batches_free(&b);
  d->n = (int)total;
  return 0;
}

static int init_split(const char *dir, DlabDataset *d) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "cifar10");
  snprintf(d->orientation, sizeof d->orientation, "normal");
  d->c = 3;
  d->h = d->w = DLAB_CIFAR_SIDE;
  /* The per-channel statistics of the training set, as the tutorials quote them. */
  const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
  memcpy(d->mean, mean, sizeof mean);
  memcpy(d->std, std, sizeof std);
  return load_classes(dir, d);
}

static int load_from(const char *dir, DlabDatasetPair *out) {
  static const char *const train_files[TRAIN_BATCHES] = {
      "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
      "data_batch_5.bin"};
  static const char *const test_files[1] = {"test_batch.bin"};
  if (init_split(dir, &out->train) < 0 || build_split(dir, train_files, TRAIN_BATCHES, &out->train) < 0 ||
      init_split(dir, &out->test) < 0 || build_split(dir, test_files, 1, &out->test) < 0) {
    dlab_dataset_pair_free(out);
    return -1;
  }
  snprintf(out->root, sizeof out->root, "%s", dir);
  return 0;
}

static int dir_has_cifar(const char *dir) {
  char path[DLAB_PATH_LEN];
  static const char *const any[] = {"data_batch_1.bin", "test_batch.bin", META_FILE};
  for (int i = 0; i < 3; i++)
    if (dlab_join_path(path, sizeof path, dir, any[i]) == 0 && dlab_is_regular_file(path)) return 1;
  return 0;
}

int dlab_cifar_open(const DlabDatasetOptions *opt, DlabDatasetPair *out) {
  DlabSearchDirs dirs;
  dlab_search_dirs(opt->data_dir, "cifar-10-batches-bin", NULL, &dirs);
  for (int i = 0; i < dirs.count; i++)
    if (dir_has_cifar(dirs.dirs[i])) return load_from(dirs.dirs[i], out);
  return dlab_search_not_found("cifar10", _("data_batch_1.bin and the other batches"), &dirs,
                               "dlab fetch cifar10");
}
