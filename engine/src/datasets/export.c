/* Exporting a dataset as a folder of PNGs (export.h). PNGs are encoded on
 * the engine's thread pool; the first failure (lowest index) is reported. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_internal.h"
#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "dlab/export.h"
#include "dlab/image.h"
#include "dlab/threads.h"

#include "core/i18n.h"

#define NAME_LEN 128
#define WRITE_GRAIN 32

typedef struct {
  char dirs[DLAB_MAX_CLASSES][NAME_LEN]; /* class folder names */
  int digits;                            /* width of the file numbers */
} Naming;

static int make_dir(const char *path) {
  if (mkdir(path, 0777) == 0 || (errno == EEXIST && dlab_is_directory(path))) return 0;
  return dlab_error(_("%s: cannot create the folder: %s"), path, strerror(errno));
}

/* mkdir -p; the output folder must be new or empty. */
static int prepare_root(const char *dir) {
  char buf[DLAB_PATH_LEN];
  if ((size_t)snprintf(buf, sizeof buf, "%s", dir) >= sizeof buf) return dlab_error(_("%s: path too long"), dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (!dlab_is_directory(buf) && make_dir(buf) < 0) return -1;
    *p = '/';
  }
  if (make_dir(buf) < 0) return -1;
  DIR *d = opendir(dir);
  if (!d) return dlab_error(_("%s: cannot open: %s"), dir, strerror(errno));
  struct dirent *e;
  int empty = 1;
  while (empty && (e = readdir(d))) empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
  closedir(d);
  if (!empty) return dlab_error(_("%s: the folder is not empty; export into a new one"), dir);
  return 0;
}

static void safe_name(const char *name, char *out, size_t n) {
  snprintf(out, n, "%s", name);
  for (char *p = out; *p; p++)
    if (*p == '/' || *p == '\\' || (unsigned char)*p < 32) *p = '_';
  if (out[0] == '.' || out[0] == '\0') out[0] = '_';
}

/* Class folders sort back into index order (folder datasets number the
 * classes by sorted folder name): the names alone when they already do. */
static void decide_naming(const DlabDataset *d, Naming *nm) {
  int sorted = 1;
  for (int k = 0; k < d->num_classes; k++) {
    safe_name(d->class_names[k] ? d->class_names[k] : "?", nm->dirs[k], NAME_LEN);
    if (k > 0 && strcmp(nm->dirs[k - 1], nm->dirs[k]) >= 0) sorted = 0;
  }
  int width = d->num_classes > 10 ? 2 : 1;
  for (int k = 0; !sorted && k < d->num_classes; k++) {
    char named[NAME_LEN];
    snprintf(named, sizeof named, "%s", nm->dirs[k]);
    snprintf(nm->dirs[k], NAME_LEN, "%0*d_%.100s", width, k, named);
  }
  int n = d->n > 0 ? d->n - 1 : 0;
  nm->digits = 5;
  while (n >= 100000) n /= 10, nm->digits++;
}

typedef struct {
  const DlabDataset *d;
  const Naming *naming;
  const char *root, *split;
  DlabExportLayout layout;
  pthread_mutex_t lock;
  int error_index;
  char error[1024];
} WriteJob;

/* "train/00042.png" or "train/7/00042.png", relative to the root. */
static void relative_path(const WriteJob *job, int i, char *out, size_t n) {
  if (job->layout == DLAB_EXPORT_LABEL_FILES)
    snprintf(out, n, "%s/%0*d.png", job->split, job->naming->digits, i);
  else
    snprintf(out, n, "%s/%s/%0*d.png", job->split, job->naming->dirs[job->d->labels[i]],
             job->naming->digits, i);
}

static int write_one(WriteJob *job, int i, DlabImage *img) {
  const DlabDataset *d = job->d;
  size_t plane = (size_t)d->h * (size_t)d->w;
  const uint8_t *src = d->images + (size_t)i * plane * (size_t)d->c;
  for (int ch = 0; ch < d->c; ch++)
    for (size_t p = 0; p < plane; p++) img->data[p * (size_t)d->c + (size_t)ch] = src[(size_t)ch * plane + p];
  char rel[512], path[DLAB_PATH_LEN];
  relative_path(job, i, rel, sizeof rel);
  if (dlab_join_path(path, sizeof path, job->root, rel) < 0) return -1;
  return dlab_image_write_png_quick(path, img);
}

static void write_range(void *arg, size_t begin, size_t end) {
  WriteJob *job = arg;
  DlabImage img;
  if (dlab_image_init(&img, job->d->w, job->d->h, job->d->c) < 0) {
    pthread_mutex_lock(&job->lock);
    if ((int)begin < job->error_index) {
      job->error_index = (int)begin;
      snprintf(job->error, sizeof job->error, "%s", dlab_error_message());
    }
    pthread_mutex_unlock(&job->lock);
    return;
  }
  for (size_t i = begin; i < end; i++) {
    if (write_one(job, (int)i, &img) == 0) continue;
    pthread_mutex_lock(&job->lock);
    if ((int)i < job->error_index) {
      job->error_index = (int)i;
      snprintf(job->error, sizeof job->error, "%s", dlab_error_message());
    }
    pthread_mutex_unlock(&job->lock);
    break;
  }
  dlab_image_free(&img);
}

static int make_split_dirs(const char *root, const char *split, const DlabDataset *d,
                           const Naming *nm, DlabExportLayout layout) {
  char path[DLAB_PATH_LEN];
  if (dlab_join_path(path, sizeof path, root, split) < 0 || make_dir(path) < 0) return -1;
  if (layout == DLAB_EXPORT_LABEL_FILES) return 0;
  char split_dir[DLAB_PATH_LEN];
  snprintf(split_dir, sizeof split_dir, "%s", path);
  for (int k = 0; k < d->num_classes; k++)
    if (dlab_join_path(path, sizeof path, split_dir, nm->dirs[k]) < 0 || make_dir(path) < 0) return -1;
  return 0;
}

static int write_label_file(const char *root, const char *split, const DlabDataset *d,
                            const Naming *nm) {
  char path[DLAB_PATH_LEN], name[64];
  snprintf(name, sizeof name, "%s.txt", split);
  if (dlab_join_path(path, sizeof path, root, name) < 0) return -1;
  DlabAtomicFile f;
  if (dlab_atomic_open(&f, path) < 0) return -1;
  for (int i = 0; i < d->n; i++) fprintf(f.fp, "%s/%0*d.png\t%d\n", split, nm->digits, i, d->labels[i]);
  return dlab_atomic_commit(&f);
}

static int write_classes(const char *root, const DlabDataset *d) {
  char path[DLAB_PATH_LEN];
  if (dlab_join_path(path, sizeof path, root, "classes.txt") < 0) return -1;
  DlabAtomicFile f;
  if (dlab_atomic_open(&f, path) < 0) return -1;
  for (int k = 0; k < d->num_classes; k++) {
    char name[NAME_LEN];
    safe_name(d->class_names[k] ? d->class_names[k] : "?", name, sizeof name);
    /* '/' is kept in the names file: only folder names cannot hold it. */
    fprintf(f.fp, "%s\n", d->class_names[k] && !strchr(d->class_names[k], '\n') ? d->class_names[k] : name);
  }
  return dlab_atomic_commit(&f);
}

static int export_split(const DlabDataset *d, const char *root, const char *split,
                        const Naming *nm, DlabExportLayout layout) {
  if (make_split_dirs(root, split, d, nm, layout) < 0) return -1;
  WriteJob job = {.d = d, .naming = nm, .root = root, .split = split, .layout = layout,
                  .lock = PTHREAD_MUTEX_INITIALIZER, .error_index = d->n};
  dlab_parallel_for((size_t)d->n, WRITE_GRAIN, write_range, &job);
  pthread_mutex_destroy(&job.lock);
  if (job.error_index < d->n) return dlab_error("%s", job.error);
  return 0;
}

/* A folder of PNGs names a class for every image: a sample of no class
 * (DLAB_LABEL_NONE) has no folder and no line to go to. */
static int check_all_labelled(const DlabDataset *d) {
  for (int i = 0; i < d->n; i++)
    if (d->labels[i] >= d->num_classes)
      return dlab_error(_("%s: sample %d belongs to no class; a folder of PNGs cannot hold it"), d->name, i);
  return 0;
}

int dlab_dataset_export(const DlabDatasetPair *p, const char *dir, DlabExportLayout layout) {
  const DlabDataset *train = &p->train;
  if (train->c != 1 && train->c != 3)
    return dlab_error(_("%s: %d-channel images cannot be written as PNG"), train->name, train->c);
  if (check_all_labelled(train) < 0 || check_all_labelled(&p->test) < 0) return -1;
  Naming nm;
  decide_naming(train, &nm);
  if (p->test.n > train->n) {
    Naming t;
    decide_naming(&p->test, &t);
    nm.digits = t.digits;
  }
  if (prepare_root(dir) < 0 || export_split(train, dir, "train", &nm, layout) < 0 ||
      export_split(&p->test, dir, "test", &nm, layout) < 0 || write_classes(dir, train) < 0)
    return -1;
  if (layout == DLAB_EXPORT_CLASS_FOLDERS) return 0;
  if (write_label_file(dir, "test", &p->test, &nm) < 0) return -1;
  return write_label_file(dir, "train", train, &nm); /* last: marks the export complete */
}
