/* The named IDX datasets (MNIST, Fashion-MNIST): where to find them and how
 * to load a train/test pair into memory as uint8.
 *
 * Each search root holds datasets in torchvision's layout
 * (<root>/MNIST/raw/train-images-idx3-ubyte[.gz]), so a directory prepared
 * for the PyTorch tutorials works as is. Debian's dataset-fashion-mnist
 * package puts the four .gz files straight into
 * /usr/share/datasets/fashion-mnist, which is searched last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/idx.h"

#define PATH_LEN 4096
#define MAX_CANDIDATES 8
#define KNOWN_CLASSES 10
#define IMAGE_SIDE 28

typedef struct {
  const char *name;
  const char *torchvision_dir; /* <root>/<this>/raw */
  const char *system_dir;      /* a distribution's flat directory, or NULL */
  const char *classes[KNOWN_CLASSES];
  /* The constants the tutorials pass to transforms.Normalize, so a model
   * trained here expects exactly the inputs the PyTorch one does. */
  float mean, std;
} KnownDataset;

static const KnownDataset known[] = {
    {"mnist", "MNIST", NULL, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 0.1307f, 0.3081f},
    {"fashion-mnist",
     "FashionMNIST",
     "/usr/share/datasets/fashion-mnist",
     {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
      "Ankle boot"},
     0.2860f,
     0.3530f},
};

static const char *const known_names[] = {"mnist", "fashion-mnist", NULL};

/* The file names shared by MNIST and all its drop-in replacements. */
static const char *const split_files[2][2] = {
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
    {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
};

const char *const *dlab_dataset_names(void) { return known_names; }

static const KnownDataset *find_known(const char *name) {
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(known[i].name, name) == 0) return &known[i];
  return NULL;
}

static int is_regular_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds `base` or `base.gz` in `dir`; the uncompressed file wins because it
 * loads faster. Returns 1 when found (path filled), 0 when not. */
static int find_file(const char *dir, const char *base, char *path, size_t n) {
  if ((size_t)snprintf(path, n, "%s/%s", dir, base) < n && is_regular_file(path)) return 1;
  if ((size_t)snprintf(path, n, "%s/%s.gz", dir, base) < n && is_regular_file(path)) return 1;
  return 0;
}

/* A directory holds the dataset as soon as one of its files is there; a
 * directory with some files missing is then reported, not skipped, so that
 * a half-finished download gets a precise message. */
static int dir_has_any_file(const char *dir) {
  char path[PATH_LEN];
  for (int s = 0; s < 2; s++)
    for (int f = 0; f < 2; f++)
      if (find_file(dir, split_files[s][f], path, sizeof path)) return 1;
  return 0;
}

typedef struct {
  char dirs[MAX_CANDIDATES][PATH_LEN];
  int count;
} Candidates;

static void add_candidate(Candidates *c, const char *root, const char *sub) {
  if (c->count >= MAX_CANDIDATES || !root || !*root) return;
  char *dst = c->dirs[c->count];
  int n = sub ? snprintf(dst, PATH_LEN, "%s/%s/raw", root, sub) : snprintf(dst, PATH_LEN, "%s", root);
  if (n > 0 && n < PATH_LEN) c->count++;
}

/* The search order of dataset.h. An explicit directory is the only place
 * looked at; it may be a torchvision root or hold the files directly. */
static void list_candidates(const KnownDataset *k, const char *data_dir, Candidates *c) {
  c->count = 0;
  if (data_dir) {
    add_candidate(c, data_dir, k->torchvision_dir);
    add_candidate(c, data_dir, NULL);
    return;
  }
  add_candidate(c, getenv("DLAB_DATA"), k->torchvision_dir);
  const char *home = getenv("HOME");
  if (home && *home) {
    char user_root[PATH_LEN];
    int n = snprintf(user_root, sizeof user_root, "%s/.local/share/digit-lab/datasets", home);
    if (n > 0 && (size_t)n < sizeof user_root) add_candidate(c, user_root, k->torchvision_dir);
  }
  add_candidate(c, "./data", k->torchvision_dir);
  if (k->system_dir) add_candidate(c, k->system_dir, NULL);
}

static int report_not_found(const KnownDataset *k, const Candidates *c) {
  char places[2048] = "";
  size_t used = 0;
  for (int i = 0; i < c->count && used < sizeof places; i++)
    used += (size_t)snprintf(places + used, sizeof places - used, "%s%s", i ? ", " : "",
                             c->dirs[i]);
  return dlab_error("%s: dataset not found; looked for %s[.gz] and the other IDX files in: %s "
                    "(tools/fetch-data.sh puts it into ./data)",
                    k->name, split_files[0][0], places);
}

static int check_images(const DlabIdx *img, const char *path) {
  if (img->ndim != 3)
    return dlab_error("%s: images must have 3 dimensions (count, rows, columns), not %d", path,
                      img->ndim);
  if (img->dims[1] != IMAGE_SIDE || img->dims[2] != IMAGE_SIDE)
    return dlab_error("%s: images are %dx%d, %dx%d expected", path, img->dims[1], img->dims[2],
                      IMAGE_SIDE, IMAGE_SIDE);
  return 0;
}

static int check_labels(const DlabIdx *lab, const DlabIdx *img, const char *lab_path,
                        const char *img_path, const KnownDataset *k) {
  if (lab->ndim != 1)
    return dlab_error("%s: labels must have 1 dimension, not %d", lab_path, lab->ndim);
  if (lab->dims[0] != img->dims[0])
    return dlab_error("%s: %d images but %d labels in %s", img_path, img->dims[0], lab->dims[0],
                      lab_path);
  for (int i = 0; i < lab->dims[0]; i++)
    if (lab->data[i] >= KNOWN_CLASSES)
      return dlab_error("%s: label %d of sample %d is out of range (%s has %d classes)", lab_path,
                        lab->data[i], i, k->name, KNOWN_CLASSES);
  return 0;
}

static int fill_metadata(DlabDataset *d, const KnownDataset *k) {
  snprintf(d->name, sizeof d->name, "%s", k->name);
  snprintf(d->orientation, sizeof d->orientation, "normal");
  d->num_classes = KNOWN_CLASSES;
  d->mean[0] = k->mean;
  d->std[0] = k->std;
  for (int i = 0; i < KNOWN_CLASSES; i++) {
    d->class_names[i] = strdup(k->classes[i]);
    if (!d->class_names[i]) return dlab_error("%s: out of memory", k->name);
  }
  return 0;
}

static int find_split_file(const char *dir, const char *base, char *path, size_t n) {
  if (find_file(dir, base, path, n)) return 0;
  return dlab_error("%s/%s: missing (neither it nor %s.gz is in %s)", dir, base, base, dir);
}

/* Loads one split (train or test) from `dir`. On failure `d` is left empty. */
static int load_split(const KnownDataset *k, const char *dir, int split, DlabDataset *d) {
  char img_path[PATH_LEN], lab_path[PATH_LEN];
  DlabIdx img = {0}, lab = {0};
  memset(d, 0, sizeof *d);
  if (find_split_file(dir, split_files[split][0], img_path, sizeof img_path) < 0 ||
      find_split_file(dir, split_files[split][1], lab_path, sizeof lab_path) < 0 ||
      dlab_idx_read(img_path, &img) < 0 || check_images(&img, img_path) < 0 ||
      dlab_idx_read(lab_path, &lab) < 0 || check_labels(&lab, &img, lab_path, img_path, k) < 0)
    goto fail;
  d->n = img.dims[0];
  d->c = 1;
  d->h = img.dims[1];
  d->w = img.dims[2];
  d->images = img.data; /* ownership moves to the dataset */
  d->labels = lab.data;
  if (fill_metadata(d, k) < 0) {
    dlab_dataset_free(d);
    return -1;
  }
  return 0;
fail:
  dlab_idx_free(&img);
  dlab_idx_free(&lab);
  return -1;
}

int dlab_dataset_load(const char *name, const char *data_dir, DlabDatasetPair *out) {
  memset(out, 0, sizeof *out);
  if (!name) return dlab_error("no dataset name given");
  const KnownDataset *k = find_known(name);
  if (!k) return dlab_error("%s: unknown dataset (known: mnist, fashion-mnist)", name);
  Candidates c;
  list_candidates(k, data_dir, &c);
  for (int i = 0; i < c.count; i++) {
    if (!dir_has_any_file(c.dirs[i])) continue;
    if (load_split(k, c.dirs[i], 0, &out->train) < 0) return -1;
    if (load_split(k, c.dirs[i], 1, &out->test) < 0) {
      dlab_dataset_free(&out->train);
      return -1;
    }
    snprintf(out->root, sizeof out->root, "%s", c.dirs[i]);
    return 0;
  }
  return report_not_found(k, &c);
}

void dlab_dataset_free(DlabDataset *d) {
  if (!d) return;
  free(d->images);
  free(d->labels);
  for (int i = 0; i < DLAB_MAX_CLASSES; i++) free(d->class_names[i]);
  memset(d, 0, sizeof *d);
}

void dlab_dataset_pair_free(DlabDatasetPair *p) {
  if (!p) return;
  dlab_dataset_free(&p->train);
  dlab_dataset_free(&p->test);
}
