/* EMNIST: small files in the official layout (EMNIST/raw/emnist-SPLIT-...,
 * images stored transposed) read back exactly: the loader turns them
 * upright, or keeps them as stored on request, and says which; class lists
 * of the splits as torchvision's; the checkpoint records the orientation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/checkpoint.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "test_files.h"
#include "test_util.h"
#include "write_formats.h"

#define SIDE 28
#define PLANE (SIDE * SIDE)

static char tmp[1024];

/* Sample i as it should look (upright): asymmetric, so a transpose shows. */
static uint8_t upright(int i, int y, int x) { return (uint8_t)((y * 9 + x * 2 + i * 31) % 256); }

static void write_split(const char *split, const char *part, int n, const uint8_t *labels) {
  char dir[1100], path[1400];
  snprintf(dir, sizeof dir, "%s/EMNIST/raw", tmp);
  tf_mkdirs(dir);
  uint8_t *img = malloc((size_t)n * PLANE);
  for (int i = 0; i < n; i++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) img[i * PLANE + y * SIDE + x] = upright(i, x, y); /* stored transposed */
  snprintf(path, sizeof path, "%s/emnist-%s-%s-images-idx3-ubyte", dir, split, part);
  wf_idx_images(path, n, SIDE, img);
  snprintf(path, sizeof path, "%s/emnist-%s-%s-labels-idx1-ubyte", dir, split, part);
  wf_idx_labels(path, n, labels);
  free(img);
}

static int is_upright(const DlabDataset *d, int transposed) {
  for (int i = 0; i < d->n; i++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        uint8_t want = transposed ? upright(i, x, y) : upright(i, y, x);
        if (d->images[i * PLANE + y * SIDE + x] != want) return 0;
      }
  return 1;
}

static int open_split(const char *name, int keep, DlabDatasetPair *p) {
  DlabDatasetOptions opt = dlab_dataset_options_default();
  opt.data_dir = tmp;
  opt.keep_transposed = keep;
  int rc = dlab_dataset_open(name, &opt, p);
  if (rc < 0) printf("# %s: %s\n", name, dlab_error_message());
  return rc;
}

static void test_digits(void) {
  uint8_t train_labels[3] = {7, 0, 9}, test_labels[2] = {1, 2};
  write_split("digits", "train", 3, train_labels);
  write_split("digits", "test", 2, test_labels);
  DlabDatasetPair p;
  int rc = open_split("emnist-digits", 0, &p);
  tap_ok(rc == 0 && p.train.n == 3 && p.test.n == 2 && p.train.c == 1 && p.train.h == SIDE &&
             p.train.labels[0] == 7 && p.test.labels[1] == 2 && p.train.num_classes == 10,
         "emnist-digits: counts, labels, 10 classes");
  tap_ok(rc == 0 && is_upright(&p.train, 0) && is_upright(&p.test, 0) &&
             strcmp(p.train.orientation, "normal") == 0,
         "emnist-digits: the stored transposed images are turned upright, orientation normal");
  tap_ok(rc == 0 && fabsf(p.train.mean[0] - 0.1733f) < 1e-6f && fabsf(p.test.std[0] - 0.3317f) < 1e-6f,
         "emnist-digits: normalized with the tutorial's 0.1733 / 0.3317");
  tap_ok(rc == 0 && strcmp(p.train.name, "emnist-digits") == 0 &&
             strcmp(p.train.class_names[9], "9") == 0,
         "emnist-digits: name and class names");
  if (rc == 0) dlab_dataset_pair_free(&p);
  rc = open_split("emnist-digits", 1, &p);
  tap_ok(rc == 0 && is_upright(&p.train, 1) && strcmp(p.train.orientation, "transposed") == 0,
         "keep_transposed: images as stored (as torchvision gives them), orientation transposed");
  if (rc == 0) {
    DlabModelInfo info;
    dlab_model_info_from_dataset(&info, &p.train);
    char path[1200];
    snprintf(path, sizeof path, "%s/emnist.safetensors", tmp);
    DlabShape in = {3, {1, SIDE, SIDE}};
    DlabModel *m = dlab_model_create("emnistnet", in, 1);
    DlabModelInfo back = {0};
    DlabModel *loaded = NULL;
    if (m && dlab_checkpoint_save(path, m, &info) == 0) loaded = dlab_checkpoint_load(path, &back);
    tap_ok(loaded && strcmp(back.orientation, "transposed") == 0 &&
               strcmp(back.dataset, "emnist-digits") == 0,
           "the checkpoint records dlab.orientation transposed and dlab.dataset emnist-digits");
    dlab_model_free(m);
    dlab_model_free(loaded);
    dlab_model_info_free(&info);
    dlab_model_info_free(&back);
    dlab_dataset_pair_free(&p);
  }
}

static void test_letters(void) {
  uint8_t train_labels[4] = {1, 26, 5, 26}, test_labels[2] = {3, 1};
  write_split("letters", "train", 4, train_labels);
  write_split("letters", "test", 2, test_labels);
  DlabDatasetPair p;
  int rc = open_split("emnist-letters", 0, &p);
  tap_ok(rc == 0 && p.train.num_classes == 27 && strcmp(p.train.class_names[0], "N/A") == 0 &&
             strcmp(p.train.class_names[1], "a") == 0 && strcmp(p.train.class_names[26], "z") == 0 &&
             p.train.labels[1] == 26,
         "emnist-letters: 27 classes as torchvision (N/A, a..z), labels 1..26 kept");
  float mean[1], std[1];
  if (rc == 0) dlab_dataset_compute_stats(&p.train, mean, std);
  tap_ok(rc == 0 && p.train.stats_from_data && fabsf(p.train.mean[0] - mean[0]) < 1e-7f &&
             p.test.mean[0] == p.train.mean[0],
         "emnist-letters: no published constants, so mean/std are measured on the training split");
  if (rc == 0) dlab_dataset_pair_free(&p);
  uint8_t bad[2] = {3, 27};
  write_split("letters", "test", 2, bad);
  rc = open_split("emnist-letters", 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "emnist-letters-test-labels-idx1-ubyte") && tf_contains(msg, "27"),
         "a label past the class list is an error naming the file: \"%s\"", msg);
}

static void test_balanced_and_mnist(void) {
  uint8_t train_labels[3] = {46, 36, 10}, test_labels[2] = {0, 38};
  write_split("balanced", "train", 3, train_labels);
  write_split("balanced", "test", 2, test_labels);
  DlabDatasetPair p;
  int rc = open_split("emnist-balanced", 0, &p);
  tap_ok(rc == 0 && p.train.num_classes == 47 && strcmp(p.train.class_names[10], "A") == 0 &&
             strcmp(p.train.class_names[36], "a") == 0 && strcmp(p.train.class_names[38], "d") == 0 &&
             strcmp(p.train.class_names[46], "t") == 0,
         "emnist-balanced: 47 classes, 0-9 A-Z a b d e f g h n q r t");
  if (rc == 0) dlab_dataset_pair_free(&p);
  uint8_t l3[3] = {1, 2, 3}, l2[2] = {4, 5};
  write_split("mnist", "train", 3, l3);
  write_split("mnist", "test", 2, l2);
  rc = open_split("emnist-mnist", 0, &p);
  tap_ok(rc == 0 && p.train.num_classes == 10 && is_upright(&p.test, 0),
         "emnist-mnist: 10 classes, upright");
  if (rc == 0) dlab_dataset_pair_free(&p);
  rc = open_split("emnist-byclass", 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "emnist-byclass-train-images-idx3-ubyte") &&
             tf_contains(msg, "dlab fetch emnist"),
         "a split that is absent: where it looked and how to fetch it: \"%.160s\"", msg);
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "emnist");
  test_digits();
  test_letters();
  test_balanced_and_mnist();
  tf_remove_tree(tmp);
  return tap_done();
}
