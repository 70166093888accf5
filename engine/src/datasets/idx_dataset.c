/* The IDX datasets: MNIST, Fashion-MNIST and the EMNIST splits. Each is a
 * row of a table (file names, class names, normalization) read by one
 * loader.
 *
 * EMNIST stores every image transposed (rows are the character's columns).
 * By default the loader turns them upright, so EMNIST looks like MNIST and a
 * model trained on it reads the sketchpad directly; with keep_transposed the
 * images stay as stored, the tensors torchvision hands to a PyTorch model,
 * and the dataset (hence the checkpoint) says "transposed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "datasets/idx.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define IMAGE_SIDE 28

static const char *const digits[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
static const char *const fashion[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
/* torchvision's EMNIST.classes_split_dict: letters keeps label 0 as "N/A" (the
 * files number the letters 1..26); byclass is sorted(digits + letters);
 * balanced and bymerge drop the 15 lowercase letters that look like their
 * capitals. */
static const char *const letters[] = {"N/A", "a", "b", "c", "d", "e", "f", "g", "h", "i",
                                      "j",   "k", "l", "m", "n", "o", "p", "q", "r", "s",
                                      "t",   "u", "v", "w", "x", "y", "z"};
static const char *const byclass[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F",
    "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V",
    "W", "X", "Y", "Z", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
    "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"};
static const char *const balanced[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F",
    "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V",
    "W", "X", "Y", "Z", "a", "b", "d", "e", "f", "g", "h", "n", "q", "r", "t"};

#define COUNT(a) (int)(sizeof a / sizeof a[0])

typedef struct {
  const char *name;
  const char *subdir;     /* <root>/<subdir>/raw */
  const char *system_dir; /* a distribution's flat directory, or NULL */
  const char *train_tag, *test_tag; /* "<tag>-images-idx3-ubyte" */
  const char *const *classes;
  int num_classes;
  /* The constants the tutorials pass to transforms.Normalize, so a model
   * trained here expects exactly the inputs the PyTorch one does; 0 means
   * none is published and the training split is measured. */
  float mean, std;
  int transposed;   /* stored transposed (EMNIST) */
  const char *hint; /* how to get it (N_: translated where it is shown) */
} IdxKind;

static const IdxKind kinds[] = {
    {"mnist", "MNIST/raw", NULL, "train", "t10k", digits, 10, 0.1307f, 0.3081f, 0,
     N_("dlab fetch mnist, or tools/fetch-data.sh, puts it into ./data")},
    {"fashion-mnist", "FashionMNIST/raw", "/usr/share/datasets/fashion-mnist", "train", "t10k",
     fashion, 10, 0.2860f, 0.3530f, 0,
     N_("dlab fetch fashion-mnist, or tools/fetch-data.sh, puts it into ./data")},
    {"emnist-digits", "EMNIST/raw", NULL, "emnist-digits-train", "emnist-digits-test", digits,
     10, 0.1733f, 0.3317f, 1, "dlab fetch emnist"},
    {"emnist-mnist", "EMNIST/raw", NULL, "emnist-mnist-train", "emnist-mnist-test", digits, 10,
     0, 0, 1, "dlab fetch emnist"},
    {"emnist-letters", "EMNIST/raw", NULL, "emnist-letters-train", "emnist-letters-test",
     letters, COUNT(letters), 0, 0, 1, "dlab fetch emnist"},
    {"emnist-balanced", "EMNIST/raw", NULL, "emnist-balanced-train", "emnist-balanced-test",
     balanced, COUNT(balanced), 0, 0, 1, "dlab fetch emnist"},
    {"emnist-bymerge", "EMNIST/raw", NULL, "emnist-bymerge-train", "emnist-bymerge-test",
     balanced, COUNT(balanced), 0, 0, 1, "dlab fetch emnist"},
    {"emnist-byclass", "EMNIST/raw", NULL, "emnist-byclass-train", "emnist-byclass-test",
     byclass, COUNT(byclass), 0, 0, 1, "dlab fetch emnist"},
};

static const IdxKind *find_kind(const char *name) {
  for (int i = 0; i < COUNT(kinds); i++)
    if (strcmp(kinds[i].name, name) == 0) return &kinds[i];
  return NULL;
}

int dlab_idx_dataset_known(const char *name) { return find_kind(name) != NULL; }

typedef struct {
  char images[128], labels[128];
} SplitFiles;

static void split_files(const IdxKind *k, int test, SplitFiles *f) {
  const char *tag = test ? k->test_tag : k->train_tag;
  snprintf(f->images, sizeof f->images, "%s-images-idx3-ubyte", tag);
  snprintf(f->labels, sizeof f->labels, "%s-labels-idx1-ubyte", tag);
}

/* A directory holds the dataset as soon as one of its files is there; a
 * directory with some files missing is then reported, not skipped, so that
 * a half-finished download gets a precise message. */
static int dir_has_any_file(const IdxKind *k, const char *dir) {
  char path[DLAB_PATH_LEN];
  for (int s = 0; s < 2; s++) {
    SplitFiles f;
    split_files(k, s, &f);
    if (dlab_find_maybe_gz(dir, f.images, path, sizeof path) ||
        dlab_find_maybe_gz(dir, f.labels, path, sizeof path))
      return 1;
  }
  return 0;
}

static int check_images(const DlabIdx *img, const char *path) {
  if (img->ndim != 3)
    return dlab_error(_("%s: images must have 3 dimensions (count, rows, columns), not %d"), path,
                      img->ndim);
  if (img->dims[1] != IMAGE_SIDE || img->dims[2] != IMAGE_SIDE)
    return dlab_error(_("%s: images are %dx%d, %dx%d expected"), path, img->dims[1], img->dims[2],
                      IMAGE_SIDE, IMAGE_SIDE);
  return 0;
}

static int check_labels(const DlabIdx *lab, const DlabIdx *img, const char *lab_path,
                        const char *img_path, const IdxKind *k, int test) {
  if (lab->ndim != 1)
    return dlab_error(_("%s: labels must have 1 dimension, not %d"), lab_path, lab->ndim);
  if (lab->dims[0] != img->dims[0])
    return dlab_error(_("%s: %d images but %d labels in %s"), img_path, img->dims[0], lab->dims[0],
                      lab_path);
  for (int i = 0; i < lab->dims[0]; i++)
    if (lab->data[i] >= k->num_classes && (test || lab->data[i] != DLAB_LABEL_NONE))
      return dlab_error(_("%s: label %d of sample %d is out of range (%s has %d classes)"), lab_path,
                        lab->data[i], i, k->name, k->num_classes);
  return 0;
}

/* Swaps rows and columns of every h x w image in place (h == w). */
static void transpose_all(uint8_t *images, int n, int side) {
  size_t plane = (size_t)side * (size_t)side;
  for (int i = 0; i < n; i++) {
    uint8_t *p = images + (size_t)i * plane;
    for (int y = 0; y < side; y++)
      for (int x = y + 1; x < side; x++) {
        uint8_t t = p[y * side + x];
        p[y * side + x] = p[x * side + y];
        p[x * side + y] = t;
      }
  }
}

static int fill_metadata(DlabDataset *d, const IdxKind *k, int transposed) {
  snprintf(d->name, sizeof d->name, "%s", k->name);
  snprintf(d->orientation, sizeof d->orientation, "%s", transposed ? "transposed" : "normal");
  if (dlab_dataset_set_classes(d, k->classes, k->num_classes) < 0) return -1;
  if (k->std > 0) {
    d->mean[0] = k->mean;
    d->std[0] = k->std;
  } else {
    dlab_dataset_compute_stats(d, d->mean, d->std);
    d->stats_from_data = 1;
  }
  return 0;
}

static int find_split_file(const char *dir, const char *base, char *path, size_t n) {
  if (dlab_find_maybe_gz(dir, base, path, n)) return 0;
  return dlab_error(_("%s/%s: missing (neither it nor %s.gz is in %s)"), dir, base, base, dir);
}

/* Loads one split (train or test) from `dir`. On failure `d` is left empty. */
static int load_split(const IdxKind *k, const char *dir, int test, int keep_transposed,
                      DlabDataset *d) {
  char img_path[DLAB_PATH_LEN], lab_path[DLAB_PATH_LEN];
  DlabIdx img = {0}, lab = {0};
  SplitFiles f;
  split_files(k, test, &f);
  memset(d, 0, sizeof *d);
  if (find_split_file(dir, f.images, img_path, sizeof img_path) < 0 ||
      find_split_file(dir, f.labels, lab_path, sizeof lab_path) < 0 ||
      dlab_idx_read(img_path, &img) < 0 || check_images(&img, img_path) < 0 ||
      dlab_idx_read(lab_path, &lab) < 0 || check_labels(&lab, &img, lab_path, img_path, k, test) < 0) {
    dlab_idx_free(&img);
    dlab_idx_free(&lab);
    return -1;
  }
  d->n = img.dims[0];
  d->c = 1;
  d->h = img.dims[1];
  d->w = img.dims[2];
  d->images = img.data; /* ownership moves to the dataset */
  d->labels = lab.data;
  int transposed = k->transposed && keep_transposed;
  if (k->transposed && !keep_transposed) transpose_all(d->images, d->n, IMAGE_SIDE);
  if (fill_metadata(d, k, transposed) < 0) {
    dlab_dataset_free(d);
    return -1;
  }
  return 0;
}

int dlab_idx_dataset_open(const char *name, const DlabDatasetOptions *opt, DlabDatasetPair *out) {
  const IdxKind *k = find_kind(name);
  if (!k) return dlab_error(_("%s: not an IDX dataset"), name);
  DlabSearchDirs dirs;
  dlab_search_dirs(opt->data_dir, k->subdir, k->system_dir, &dirs);
  for (int i = 0; i < dirs.count; i++) {
    if (!dir_has_any_file(k, dirs.dirs[i])) continue;
    if (load_split(k, dirs.dirs[i], 0, opt->keep_transposed, &out->train) < 0) return -1;
    if (load_split(k, dirs.dirs[i], 1, opt->keep_transposed, &out->test) < 0) {
      dlab_dataset_free(&out->train);
      return -1;
    }
    /* The test split is normalized with the training statistics. */
    dlab_dataset_copy_stats(&out->test, &out->train);
    snprintf(out->root, sizeof out->root, "%s", dirs.dirs[i]);
    return 0;
  }
  SplitFiles f;
  split_files(k, 0, &f);
  char file[160];
  snprintf(file, sizeof file, _("%s[.gz] and the other IDX files"), f.images);
  return dlab_search_not_found(k->name, file, &dirs, k->hint);
}
