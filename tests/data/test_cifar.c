/* CIFAR-10 binary batches written here in the official format read back
 * exactly: CHW planar RGB, labels, class names from batches.meta.txt, the
 * batches in order; and each kind of bad file gives one clear message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/cifar.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "test_files.h"
#include "test_util.h"
#include "write_formats.h"

#define PIX (3 * 32 * 32)

static char tmp[1024], dir[1200];

/* Batch b, record i: R, G and B planes that differ, so channel order shows. */
static uint8_t pixel(int b, int i, int ch, int y, int x) {
  return (uint8_t)(ch * 80 + y * 3 + x + b * 7 + i * 13);
}

static void write_batch(const char *name, int b, int n) {
  uint8_t labels[8], *chw = malloc((size_t)n * PIX);
  for (int i = 0; i < n; i++) {
    labels[i] = (uint8_t)((b * 3 + i) % 10);
    for (int ch = 0; ch < 3; ch++)
      for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++) chw[(size_t)i * PIX + ch * 1024 + y * 32 + x] = pixel(b, i, ch, y, x);
  }
  char path[1400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  wf_cifar_batch(path, n, labels, chw);
  free(chw);
}

static void write_all(void) {
  char name[64];
  for (int b = 1; b <= 5; b++) {
    snprintf(name, sizeof name, "data_batch_%d.bin", b);
    write_batch(name, b, 2);
  }
  write_batch("test_batch.bin", 0, 3);
}

static int check_samples(const DlabDataset *d, int first_batch, int per_batch) {
  for (int s = 0; s < d->n; s++) {
    int b = first_batch + s / per_batch, i = s % per_batch;
    if (d->labels[s] != (b * 3 + i) % 10) return 0;
    for (int ch = 0; ch < 3; ch++)
      for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
          if (d->images[(size_t)s * PIX + ch * 1024 + y * 32 + x] != pixel(b, i, ch, y, x)) return 0;
  }
  return 1;
}

static int open_cifar(DlabDatasetPair *p) { return dlab_dataset_load("cifar10", tmp, p); }

static void test_good(void) {
  write_all();
  char meta[1400];
  snprintf(meta, sizeof meta, "%s/batches.meta.txt", dir);
  const char *names = "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  tf_write_bytes(meta, names, strlen(names));
  DlabDatasetPair p;
  int rc = open_cifar(&p);
  if (rc) printf("# %s\n", dlab_error_message());
  tap_ok(rc == 0 && p.train.n == 10 && p.test.n == 3 && p.train.c == 3 && p.train.h == 32 &&
             p.train.w == 32,
         "cifar10: 5 x 2 training and 3 test images of 3x32x32 from cifar-10-batches-bin");
  tap_ok(rc == 0 && check_samples(&p.train, 1, 2) && check_samples(&p.test, 0, 3),
         "every pixel and label read back, batches in order, channels planar R, G, B");
  tap_ok(rc == 0 && p.train.num_classes == 10 && strcmp(p.train.class_names[0], "plane") == 0 &&
             strcmp(p.test.class_names[9], "truck") == 0,
         "class names from batches.meta.txt (trailing blank line ignored)");
  tap_ok(rc == 0 && fabsf(p.train.mean[2] - 0.4465f) < 1e-6f && fabsf(p.test.std[0] - 0.2470f) < 1e-6f,
         "normalized with the usual CIFAR-10 per-channel statistics");
  if (rc == 0) dlab_dataset_pair_free(&p);
  remove(meta);
  rc = open_cifar(&p);
  tap_ok(rc == 0 && strcmp(p.train.class_names[0], "airplane") == 0 &&
             strcmp(p.train.class_names[1], "automobile") == 0,
         "without batches.meta.txt the names are CIFAR-10's own");
  if (rc == 0) dlab_dataset_pair_free(&p);
  /* The data root may also hold the files directly. */
  DlabDatasetPair q;
  rc = dlab_dataset_load("cifar10", dir, &q);
  tap_ok(rc == 0 && q.train.n == 10, "--data may point at the batch folder itself");
  if (rc == 0) dlab_dataset_pair_free(&q);
}

static void expect_error(const char *needle1, const char *needle2, const char *why) {
  DlabDatasetPair p;
  int rc = open_cifar(&p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, needle1) && tf_contains(msg, needle2), "%s: \"%s\"", why, msg);
  if (rc == 0) dlab_dataset_pair_free(&p);
}

static void test_bad(void) {
  char path[1400];
  write_all();
  snprintf(path, sizeof path, "%s/data_batch_3.bin", dir);
  if (truncate(path, 3073 + 100) != 0) exit(99);
  expect_error("data_batch_3.bin", "whole number", "a truncated batch");
  write_all();
  snprintf(path, sizeof path, "%s/test_batch.bin", dir);
  uint8_t rec[3073] = {12};
  tf_write_bytes(path, rec, sizeof rec);
  expect_error("test_batch.bin", "label 12", "a label past the classes");
  write_all();
  snprintf(path, sizeof path, "%s/data_batch_5.bin", dir);
  remove(path);
  expect_error("data_batch_5.bin", "missing", "a missing batch");
  write_all();
  snprintf(path, sizeof path, "%s/batches.meta.txt", dir);
  tf_write_bytes(path, "\n\n  \n", 5);
  expect_error("batches.meta.txt", "no class names", "an empty class list");
  remove(path);
  char empty[1200];
  snprintf(empty, sizeof empty, "%s/nothing", tmp);
  tf_mkdirs(empty);
  DlabDatasetPair p;
  int rc = dlab_dataset_load("cifar10", empty, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "cifar-10-batches-bin") && tf_contains(msg, "dlab fetch cifar10"),
         "not found: where it looked and how to fetch: \"%.150s\"", msg);
}

static void test_parsers(void) {
  uint8_t two[2 * 3073] = {0};
  two[3073] = 9;
  tap_ok(dlab_cifar_check_batch(two, sizeof two, "mem", 10) == 2, "check_batch counts records");
  tap_ok(dlab_cifar_check_batch(two, 0, "mem", 10) == -1 && tf_contains(dlab_error_message(), "empty"),
         "an empty batch is an error");
  char *names[DLAB_MAX_CLASSES] = {0};
  const char *text = "\xef\xbb\xbf" "a\r\n b \n";
  int n = dlab_cifar_parse_meta(text + 3, strlen(text) - 3, "meta", names, DLAB_MAX_CLASSES);
  tap_ok(n == 2 && strcmp(names[0], "a") == 0 && strcmp(names[1], "b") == 0,
         "meta names are trimmed of spaces and \\r");
  for (int i = 0; i < n; i++) free(names[i]);
  const char nul[] = {'a', '\n', 'b', 0, 'c', '\n'};
  tap_ok(dlab_cifar_parse_meta(nul, sizeof nul, "meta", names, DLAB_MAX_CLASSES) == -1 &&
             tf_contains(dlab_error_message(), "meta:2"),
         "a NUL byte is an error naming the line");
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "cifar");
  snprintf(dir, sizeof dir, "%s/cifar-10-batches-bin", tmp);
  tf_mkdirs(dir);
  test_good();
  test_bad();
  test_parsers();
  tf_remove_tree(tmp);
  return tap_done();
}
