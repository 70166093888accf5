/* The real MNIST and Fashion-MNIST, when tools/fetch-data.sh has put them
 * into $DLAB_DATA (meson points it at the source tree's data/): counts,
 * known labels, class balance and the statistics the tutorials quote.
 * Exits 77 (skipped) when neither dataset is there. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "test_util.h"

typedef struct {
  const char *name, *subdir;
  int first_train_label, first_test_label;
  int train_class_counts[10]; /* images per class in the training split */
  float mean, std;
} Expected;

static const Expected mnist = {
    "mnist", "MNIST", 5, 7,
    {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, 0.1307f, 0.3081f};
static const Expected fashion = {
    "fashion-mnist", "FashionMNIST", 9, 9,
    {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, 0.2860f, 0.3530f};

static int present(const char *root, const Expected *e) {
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s/raw/train-images-idx3-ubyte", root, e->subdir);
  if (stat(path, &st) == 0) return 1;
  snprintf(path, sizeof path, "%s/%s/raw/train-images-idx3-ubyte.gz", root, e->subdir);
  return stat(path, &st) == 0;
}

static void check_counts(const DlabDatasetPair *p, const Expected *e) {
  tap_ok(p->train.n == 60000 && p->test.n == 10000 && p->train.h == 28 && p->train.w == 28 &&
             p->train.c == 1,
         "%s: 60000 + 10000 images of 1x28x28 (got %d + %d)", e->name, p->train.n, p->test.n);
  tap_ok(p->train.labels[0] == e->first_train_label && p->test.labels[0] == e->first_test_label,
         "%s: first labels %d (train) and %d (test)", e->name, p->train.labels[0],
         p->test.labels[0]);
  int counts[10] = {0};
  for (int i = 0; i < p->train.n; i++) counts[p->train.labels[i]]++;
  tap_ok(memcmp(counts, e->train_class_counts, sizeof counts) == 0,
         "%s: images per class in the training split as published", e->name);
}

static void check_stats(const DlabDatasetPair *p, const Expected *e) {
  float mean[1], std[1];
  dlab_dataset_compute_stats(&p->train, mean, std);
  tap_ok(fabsf(mean[0] - e->mean) < 5e-4f && fabsf(std[0] - e->std) < 5e-4f,
         "%s: computed mean %.4f std %.4f (tutorials: %.4f %.4f)", e->name, mean[0], std[0],
         e->mean, e->std);
  tap_ok(p->train.mean[0] == e->mean && p->train.std[0] == e->std,
         "%s: the dataset carries the tutorials' normalization", e->name);
  /* The first sample through gather: pixel (0,0) is background, 0 -> -mean/std. */
  DlabTensor x = {0};
  uint32_t idx = 0;
  unsigned char label;
  dlab_dataset_gather(&p->train, &idx, 1, &x, &label);
  tap_ok(x.numel == 784 && fabsf(x.data[0] + e->mean / e->std) < 1e-5f &&
             label == e->first_train_label,
         "%s: gather normalizes the first sample", e->name);
  dlab_tensor_free(&x);
}

static void check_dataset(const char *root, const Expected *e) {
  if (!present(root, e)) {
    printf("ok %d - # SKIP %s is not in %s (run tools/fetch-data.sh)\n", ++tap_count, e->name,
           root);
    return;
  }
  DlabDatasetPair p;
  if (dlab_dataset_load(e->name, root, &p) < 0) {
    tap_ok(0, "%s loads: %s", e->name, dlab_error_message());
    return;
  }
  tap_ok(1, "%s loads from %s", e->name, p.root);
  check_counts(&p, e);
  check_stats(&p, e);
  dlab_dataset_pair_free(&p);
}

/* Debian's own layout (four .gz files in one directory), when installed. */
static void check_debian_fashion(void) {
  const char *dir = "/usr/share/datasets/fashion-mnist";
  struct stat st;
  if (stat(dir, &st) != 0) {
    printf("ok %d - # SKIP %s is not installed\n", ++tap_count, dir);
    return;
  }
  DlabDatasetPair p;
  int rc = dlab_dataset_load("fashion-mnist", dir, &p);
  tap_ok(rc == 0 && p.train.n == 60000 && p.test.labels[0] == 9,
         "fashion-mnist loads from Debian's %s%s%s", dir, rc ? ": " : "",
         rc ? dlab_error_message() : "");
  if (rc == 0) dlab_dataset_pair_free(&p);
}

int main(void) {
  const char *root = getenv("DLAB_DATA");
  if (!root || !*root || (!present(root, &mnist) && !present(root, &fashion))) {
    printf("1..0 # SKIP no MNIST or Fashion-MNIST in $DLAB_DATA (%s); run tools/fetch-data.sh\n",
           root ? root : "unset");
    return 77;
  }
  check_dataset(root, &mnist);
  check_dataset(root, &fashion);
  check_debian_fashion();
  return tap_done();
}
