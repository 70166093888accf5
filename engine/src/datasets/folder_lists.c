/* Which PNGs make up each split of a folder dataset, and their classes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data_internal.h"
#include "datasets/cifar.h"
#include "datasets/folder.h"
#include "datasets/idx.h"
#include "dlab/error.h"
#include "folder_internal.h"

#include "core/i18n.h"

#define CLASSES_FILE "classes.txt"

static void samples_free(DlabSampleList *s) {
  for (int i = 0; i < s->n; i++) free(s->paths[i]);
  free(s->paths);
  free(s->labels);
  memset(s, 0, sizeof *s);
}

void dlab_folder_listing_free(DlabFolderListing *l) {
  samples_free(&l->train);
  samples_free(&l->test);
  for (int k = 0; k < DLAB_MAX_CLASSES; k++) free(l->class_names[k]);
  memset(l, 0, sizeof *l);
}

static int samples_add(DlabSampleList *s, const char *dir, const char *rel, int label) {
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 1024;
    char **paths = realloc(s->paths, (size_t)cap * sizeof *paths);
    if (paths) s->paths = paths;
    uint8_t *labels = realloc(s->labels, (size_t)cap);
    if (labels) s->labels = labels;
    if (!paths || !labels) return dlab_error(_("%s: out of memory listing images"), dir);
    s->cap = cap;
  }
  char path[DLAB_PATH_LEN];
  if (dlab_join_path(path, sizeof path, dir, rel) < 0) return -1;
  s->paths[s->n] = strdup(path);
  if (!s->paths[s->n]) return dlab_error(_("%s: out of memory listing images"), dir);
  s->labels[s->n++] = (uint8_t)label;
  return 0;
}

/* ---- class names ---- */

static int set_names(DlabFolderListing *l, char **names, int n) {
  for (int k = 0; k < n; k++) {
    l->class_names[k] = strdup(names[k]);
    if (!l->class_names[k]) return dlab_error(_("out of memory"));
  }
  l->num_classes = n;
  return 0;
}

/* DIR/classes.txt, when present: returns the count (0 when absent). */
static int read_classes_file(const char *dir, char **names) {
  char path[DLAB_PATH_LEN];
  if (dlab_join_path(path, sizeof path, dir, CLASSES_FILE) < 0) return -1;
  if (!dlab_is_regular_file(path)) return 0;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (dlab_read_file_maybe_gz(path, DLAB_CLASS_NAMES_MAX, &buf, &len) < 0) return -1;
  int n = dlab_cifar_parse_meta((const char *)buf, len, path, names, DLAB_MAX_CLASSES);
  free(buf);
  return n;
}

static void free_strings(char **s, int n) {
  for (int i = 0; i < n; i++) {
    free(s[i]);
    s[i] = NULL;
  }
}

/* A label that is a whole number 0..255 (no sign, no spaces); -1 if not. */
static int numeric_label(const char *s) {
  int v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > 255) return -1;
  }
  return v;
}

static int all_numeric(const DlabLabelList *a, const DlabLabelList *b, int *max) {
  *max = -1;
  const DlabLabelList *lists[2] = {a, b};
  for (int l = 0; l < 2; l++)
    for (int i = 0; i < lists[l]->n; i++) {
      int v = numeric_label(lists[l]->items[i].label);
      if (v < 0) return 0;
      if (v > *max) *max = v;
    }
  return 1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct labels of the training list, sorted. */
static int distinct_labels(const DlabLabelList *train, const char *train_path, char **names) {
  int n = 0;
  for (int i = 0; i < train->n; i++) {
    const char *label = train->items[i].label;
    int seen = 0;
    for (int k = 0; k < n && !seen; k++) seen = strcmp(names[k], label) == 0;
    if (seen) continue;
    if (n == DLAB_MAX_CLASSES) {
      free_strings(names, n);
      return dlab_error(_("%s:%d: more than %d different labels"), train_path,
                        train->items[i].line, DLAB_MAX_CLASSES);
    }
    names[n] = strdup(label);
    if (!names[n]) {
      free_strings(names, n);
      return dlab_error(_("out of memory"));
    }
    n++;
  }
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  return n;
}

/* Decides the classes of a label-file dataset (folder.h). */
static int label_classes(const char *dir, const DlabLabelList *train, const DlabLabelList *test,
                         const char *train_path, DlabFolderListing *l, int *numeric) {
  char *names[DLAB_MAX_CLASSES] = {0};
  int n = read_classes_file(dir, names);
  if (n < 0) return -1;
  int max, rc = 0;
  *numeric = all_numeric(train, test, &max);
  if (*numeric) {
    if (max >= DLAB_MAX_CLASSES)
      rc = dlab_error(_("%s: label %d; class indices must be below %d"), train_path, max,
                      DLAB_MAX_CLASSES);
    else if (n > 0 && n <= max)
      rc = dlab_error(_("%s/%s names %d classes but the labels go up to %d"), dir, CLASSES_FILE, n,
                      max);
    else if (n > 0)
      rc = set_names(l, names, n);
    else {
      char number[16];
      for (int k = 0; k <= max && rc == 0; k++) {
        snprintf(number, sizeof number, "%d", k);
        l->class_names[k] = strdup(number);
        if (!l->class_names[k]) rc = dlab_error(_("out of memory"));
      }
      l->num_classes = max + 1;
    }
  } else {
    if (n == 0) n = distinct_labels(train, train_path, names);
    rc = n < 0 ? -1 : set_names(l, names, n);
  }
  free_strings(names, n > 0 ? n : 0);
  return rc;
}

/* Numeric labels are the class index; text labels are looked up by name. */
static int class_of(const DlabFolderListing *l, const char *label, int numeric) {
  if (numeric) return numeric_label(label);
  for (int k = 0; k < l->num_classes; k++)
    if (strcmp(l->class_names[k], label) == 0) return k;
  return -1;
}

/* The parser has refused absolute paths and `..`; a symlink (the image, or
 * a folder on its way) can still lead out of the dataset's folder. The
 * path is resolved with realpath and must lie under the folder's own real
 * path, `dir_real`. */
static int check_inside(const char *dir, const char *dir_real, const DlabLabelEntry *e,
                        const char *list_path) {
  char joined[DLAB_PATH_LEN], *real;
  if (dlab_join_path(joined, sizeof joined, dir, e->path) < 0) return -1;
  if (!(real = realpath(joined, NULL)))
    return dlab_error(_("%s:%d: %s: cannot open: %s"), list_path, e->line, e->path, strerror(errno));
  size_t n = strlen(dir_real);
  int inside = strncmp(real, dir_real, n) == 0 && (real[n] == '/' || (n == 1 && dir_real[0] == '/'));
  int rc = inside ? 0
                  : dlab_error(_("%s:%d: %s: a symlink leads out of the dataset's folder (to %s)"), list_path,
                               e->line, e->path, real);
  free(real);
  return rc;
}

static int add_labelled(const char *dir, const DlabLabelList *list, const char *list_path,
                        const DlabFolderListing *l, int numeric, DlabSampleList *s) {
  char *dir_real = realpath(dir, NULL);
  if (!dir_real) return dlab_error(_("%s: cannot open the folder: %s"), dir, strerror(errno));
  int rc = 0;
  for (int i = 0; i < list->n && rc == 0; i++) {
    const DlabLabelEntry *e = &list->items[i];
    int k = class_of(l, e->label, numeric);
    if (k < 0)
      rc = dlab_error(_("%s:%d: label \"%s\" is not one of the %d classes"), list_path, e->line, e->label,
                      l->num_classes);
    else if (check_inside(dir, dir_real, e, list_path) == 0)
      rc = samples_add(s, dir, e->path, k);
    else
      rc = -1;
  }
  free(dir_real);
  return rc;
}

/* The first of `names` present in dir; 0 when none. */
static int find_list(const char *dir, const char *const *names, char *path, size_t n) {
  for (int i = 0; names[i]; i++)
    if (dlab_join_path(path, n, dir, names[i]) == 0 && dlab_is_regular_file(path)) return 1;
  return 0;
}

static int list_label_files(const char *dir, const char *train_path, DlabFolderListing *l) {
  char test_path[DLAB_PATH_LEN];
  if (!find_list(dir, dlab_folder_test_lists, test_path, sizeof test_path))
    return dlab_error(_("%s: %s found but no test.txt (or rec_gt_test.txt) beside it"), dir,
                      train_path);
  DlabLabelList train = {0}, test = {0};
  int rc = -1, numeric = 0;
  if (dlab_label_file_read(train_path, &train) == 0 && dlab_label_file_read(test_path, &test) == 0 &&
      label_classes(dir, &train, &test, train_path, l, &numeric) == 0 &&
      add_labelled(dir, &train, train_path, l, numeric, &l->train) == 0 &&
      add_labelled(dir, &test, test_path, l, numeric, &l->test) == 0)
    rc = 0;
  dlab_label_list_free(&train);
  dlab_label_list_free(&test);
  snprintf(l->layout, sizeof l->layout, "label files");
  return rc;
}

/* ---- one sub-folder per class ---- */

typedef struct {
  char **names;
  int n, cap;
} NameList;

static void names_free(NameList *nl) {
  free_strings(nl->names, nl->n);
  free(nl->names);
  memset(nl, 0, sizeof *nl);
}

static int has_png_suffix(const char *name) {
  size_t len = strlen(name);
  return len > 4 && strcasecmp(name + len - 4, ".png") == 0;
}

/* Sorted entries of `dir` that are directories (want_dirs) or PNG files;
 * hidden entries are skipped. */
static int list_dir(const char *dir, int want_dirs, NameList *out) {
  memset(out, 0, sizeof *out);
  DIR *d = opendir(dir);
  if (!d) return dlab_error(_("%s: cannot open the folder: %s"), dir, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[DLAB_PATH_LEN];
    if (dlab_join_path(path, sizeof path, dir, e->d_name) < 0) goto fail;
    if (want_dirs ? !dlab_is_directory(path) : !(has_png_suffix(e->d_name) && dlab_is_regular_file(path)))
      continue;
    if (out->n == out->cap) {
      int cap = out->cap ? out->cap * 2 : 64;
      char **p = realloc(out->names, (size_t)cap * sizeof *p);
      if (!p) goto oom;
      out->names = p;
      out->cap = cap;
    }
    out->names[out->n] = strdup(e->d_name);
    if (!out->names[out->n]) goto oom;
    out->n++;
  }
  closedir(d);
  if (out->n > 1) qsort(out->names, (size_t)out->n, sizeof *out->names, cmp_str);
  return 0;
oom:
  dlab_error(_("%s: out of memory listing the folder"), dir);
fail:
  closedir(d);
  names_free(out);
  return -1;
}

static int list_class_dir(const char *split_dir, const char *cls, int k, DlabSampleList *s) {
  char cls_dir[DLAB_PATH_LEN];
  NameList files;
  if (dlab_join_path(cls_dir, sizeof cls_dir, split_dir, cls) < 0 || list_dir(cls_dir, 0, &files) < 0)
    return -1;
  int rc = 0;
  for (int i = 0; i < files.n && rc == 0; i++) rc = samples_add(s, cls_dir, files.names[i], k);
  names_free(&files);
  return rc;
}

static int list_split_folders(const char *split_dir, DlabFolderListing *l, int is_train,
                              DlabSampleList *s) {
  NameList classes;
  if (list_dir(split_dir, 1, &classes) < 0) return -1;
  int rc = 0;
  if (classes.n == 0) rc = dlab_error(_("%s: no class sub-folders in it"), split_dir);
  if (rc == 0 && is_train) {
    if (classes.n > DLAB_MAX_CLASSES)
      rc = dlab_error(_("%s: %d class folders; at most %d are supported"), split_dir, classes.n,
                      DLAB_MAX_CLASSES);
    else
      rc = set_names(l, classes.names, classes.n);
  }
  for (int i = 0; i < classes.n && rc == 0; i++) {
    int k = -1;
    for (int c = 0; c < l->num_classes && k < 0; c++)
      if (strcmp(l->class_names[c], classes.names[i]) == 0) k = c;
    if (k < 0)
      rc = dlab_error(_("%s/%s: a class folder that the training split does not have"), split_dir,
                      classes.names[i]);
    else
      rc = list_class_dir(split_dir, classes.names[i], k, s);
  }
  names_free(&classes);
  if (rc == 0 && s->n == 0) rc = dlab_error(_("%s: no .png files in its class folders"), split_dir);
  return rc;
}

static int list_class_folders(const char *dir, DlabFolderListing *l) {
  char train_dir[DLAB_PATH_LEN], test_dir[DLAB_PATH_LEN];
  if (dlab_join_path(train_dir, sizeof train_dir, dir, "train") < 0 ||
      dlab_join_path(test_dir, sizeof test_dir, dir, "test") < 0)
    return -1;
  if (!dlab_is_directory(test_dir))
    return dlab_error(_("%s: a train/ folder but no test/ folder beside it"), dir);
  snprintf(l->layout, sizeof l->layout, "class folders");
  if (list_split_folders(train_dir, l, 1, &l->train) < 0) return -1;
  return list_split_folders(test_dir, l, 0, &l->test);
}

int dlab_folder_list(const char *dir, DlabFolderListing *out) {
  memset(out, 0, sizeof *out);
  if (!dlab_is_directory(dir)) return dlab_error(_("%s: no such folder"), dir);
  char train_path[DLAB_PATH_LEN], train_dir[DLAB_PATH_LEN];
  int rc;
  if (find_list(dir, dlab_folder_train_lists, train_path, sizeof train_path))
    rc = list_label_files(dir, train_path, out);
  else if (dlab_join_path(train_dir, sizeof train_dir, dir, "train") == 0 && dlab_is_directory(train_dir))
    rc = list_class_folders(dir, out);
  else
    rc = dlab_error(_("%s: not a folder dataset: neither a label file (train.txt or "
                      "rec_gt_train.txt, lines `path<TAB>label`) nor a train/ folder with one "
                      "sub-folder per class"),
                    dir);
  if (rc < 0) dlab_folder_listing_free(out);
  return rc;
}
