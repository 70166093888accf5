/* IDX and gzip reading, and dataset loading from a torchvision-style tree,
 * on small files written here: good files read back exactly, and every bad
 * one fails with -1 and a message naming the file. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "datasets/idx.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/threads.h"
#include "test_files.h"
#include "test_util.h"

static char tmp[1024];

/* Header + data of an unsigned-byte IDX file. Returns the length. */
static size_t idx_bytes(uint8_t *out, int ndim, const uint32_t *dims, const uint8_t *data) {
  size_t count = 1, len = 0;
  out[len++] = 0, out[len++] = 0, out[len++] = 0x08, out[len++] = (uint8_t)ndim;
  for (int i = 0; i < ndim; i++) {
    for (int b = 3; b >= 0; b--) out[len++] = (uint8_t)(dims[i] >> (8 * b));
    count *= dims[i];
  }
  memcpy(out + len, data, count);
  return len + count;
}

static int write_gz(const char *path, const void *data, size_t len) {
  gzFile gz = gzopen(path, "wb");
  if (!gz) return -1;
  int wrote = gzwrite(gz, data, (unsigned)len);
  return gzclose(gz) == Z_OK && wrote == (int)len ? 0 : -1;
}

/* Writes an IDX file, gzip-compressed when `gz`. */
static void write_idx(const char *path, int ndim, const uint32_t *dims, const uint8_t *data,
                      int gz) {
  size_t count = 1;
  for (int i = 0; i < ndim; i++) count *= dims[i];
  uint8_t *buf = malloc(4 + 4 * (size_t)ndim + count);
  size_t len = idx_bytes(buf, ndim, dims, data);
  int rc = gz ? write_gz(path, buf, len) : tf_write_bytes(path, buf, len);
  free(buf);
  if (rc < 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(99);
  }
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)((i * 37u + seed * 11u) & 0xff);
}

/* A failing call: -1 and a message that contains the file name. */
static void expect_failure(int rc, const char *file, const char *what, const char *why) {
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, file) && tf_contains(msg, what), "%s: \"%s\"", why, msg);
}

static void test_round_trip(int gz) {
  char path[1200];
  snprintf(path, sizeof path, "%s/images%s", tmp, gz ? ".gz" : "");
  uint32_t dims[3] = {3, 4, 5};
  uint8_t data[60];
  fill_pattern(data, sizeof data, 1);
  write_idx(path, 3, dims, data, gz);
  DlabIdx idx;
  int rc = dlab_idx_read(path, &idx);
  tap_ok(rc == 0 && idx.ndim == 3 && idx.dims[0] == 3 && idx.dims[1] == 4 && idx.dims[2] == 5 &&
             memcmp(idx.data, data, sizeof data) == 0,
         "%s 3-d IDX reads back exactly", gz ? "gzip" : "raw");
  dlab_idx_free(&idx);
}

static void test_ranks(void) {
  char path[1200];
  snprintf(path, sizeof path, "%s/labels.gz", tmp);
  uint32_t one[1] = {7}, four[4] = {2, 3, 1, 2};
  uint8_t data[12] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12};
  write_idx(path, 1, one, data, 1);
  DlabIdx idx;
  int rc = dlab_idx_read(path, &idx);
  tap_ok(rc == 0 && idx.ndim == 1 && idx.dims[0] == 7 && memcmp(idx.data, data, 7) == 0,
         "1-d gzip IDX (labels) reads back");
  dlab_idx_free(&idx);
  snprintf(path, sizeof path, "%s/four", tmp);
  write_idx(path, 4, four, data, 0);
  rc = dlab_idx_read(path, &idx);
  tap_ok(rc == 0 && idx.ndim == 4 && idx.dims[3] == 2 && memcmp(idx.data, data, 12) == 0,
         "4-d IDX reads back");
  dlab_idx_free(&idx);
}

static void test_bad_headers(void) {
  char path[1200];
  DlabIdx idx;
  snprintf(path, sizeof path, "%s/bad-magic", tmp);
  tf_write_bytes(path, "GIF89a\0\0\0\0\0\0", 12);
  expect_failure(dlab_idx_read(path, &idx), "bad-magic", "not an IDX file (magic 0x47494638)",
                 "wrong magic");
  snprintf(path, sizeof path, "%s/float-idx", tmp);
  tf_write_bytes(path, "\0\0\x0d\x01\0\0\0\x01\0\0\0\0", 12);
  expect_failure(dlab_idx_read(path, &idx), "float-idx", "not supported", "float IDX refused");
  snprintf(path, sizeof path, "%s/empty-file", tmp);
  tf_write_bytes(path, "", 0);
  expect_failure(dlab_idx_read(path, &idx), "empty-file", "not an IDX file", "empty file");
  snprintf(path, sizeof path, "%s/short-header", tmp);
  tf_write_bytes(path, "\0\0\x08\x03\0\0\0\x02\0\0", 10);
  expect_failure(dlab_idx_read(path, &idx), "short-header", "truncated", "header cut short");
  snprintf(path, sizeof path, "%s/zero-dim", tmp);
  tf_write_bytes(path, "\0\0\x08\x02\0\0\0\x02\0\0\0\0", 12);
  expect_failure(dlab_idx_read(path, &idx), "zero-dim", "zero", "zero dimension");
  snprintf(path, sizeof path, "%s/does-not-exist", tmp);
  expect_failure(dlab_idx_read(path, &idx), "does-not-exist", "cannot open", "missing file");
}

static void test_overflow(void) {
  /* Four dimensions of 2^31 - 1: the product overflows 64 bits. */
  uint8_t buf[20] = {0, 0, 8, 4};
  for (int i = 0; i < 4; i++) {
    buf[4 + 4 * i] = 0x7f;
    buf[5 + 4 * i] = buf[6 + 4 * i] = buf[7 + 4 * i] = 0xff;
  }
  DlabIdx idx;
  expect_failure(dlab_idx_parse(buf, sizeof buf, "huge.idx", &idx), "huge.idx", "overflow",
                 "overflowing dimensions");
  buf[3] = 2; /* two such dimensions fit in 64 bits but not in this buffer */
  expect_failure(dlab_idx_parse(buf, 12, "big.idx", &idx), "big.idx", "truncated",
                 "dimensions far larger than the data");
}

static void test_data_length(void) {
  char path[1200];
  uint8_t buf[64];
  uint32_t dims[2] = {3, 5};
  uint8_t data[15] = {0};
  size_t len = idx_bytes(buf, 2, dims, data);
  DlabIdx idx;
  snprintf(path, sizeof path, "%s/cut-short", tmp);
  tf_write_bytes(path, buf, len - 4);
  expect_failure(dlab_idx_read(path, &idx), "cut-short",
                 "truncated: 15 bytes of data expected, 11 found", "truncated data");
  snprintf(path, sizeof path, "%s/trailing", tmp);
  buf[len] = buf[len + 1] = buf[len + 2] = 0xee;
  tf_write_bytes(path, buf, len + 3);
  expect_failure(dlab_idx_read(path, &idx), "trailing",
                 "more data after the 15 bytes the header promises", "trailing bytes");
}

static void test_bad_gzip(void) {
  char good[1200], path[1200];
  uint32_t dims[1] = {4000};
  uint8_t *data = malloc(4000);
  fill_pattern(data, 4000, 3);
  snprintf(good, sizeof good, "%s/good.gz", tmp);
  write_idx(good, 1, dims, data, 1);
  free(data);
  size_t len;
  uint8_t *gz = tf_read_bytes(good, &len);
  DlabIdx idx;
  snprintf(path, sizeof path, "%s/cut.gz", tmp);
  tf_write_bytes(path, gz, len / 2);
  expect_failure(dlab_idx_read(path, &idx), "cut.gz", "gzip stream ends early", "gzip cut short");
  snprintf(path, sizeof path, "%s/corrupt.gz", tmp);
  uint8_t first_deflate_byte = gz[10];
  gz[10] = 0xff; /* the first block's type becomes 3, which does not exist */
  tf_write_bytes(path, gz, len);
  expect_failure(dlab_idx_read(path, &idx), "corrupt.gz", "corrupt gzip stream",
                 "corrupt gzip data");
  gz[10] = first_deflate_byte;
  gz[len - 5] ^= 0x55; /* the CRC32 in the trailer */
  snprintf(path, sizeof path, "%s/bad-crc.gz", tmp);
  tf_write_bytes(path, gz, len);
  expect_failure(dlab_idx_read(path, &idx), "bad-crc.gz", "corrupt gzip stream (incorrect data check)",
                 "gzip CRC mismatch");
  free(gz);
}

/* A gzip IDX file: `header` (4 + 4 * ndim bytes), then `body` zero bytes,
 * streamed through RLE deflate (a 64 MiB body is a 64 KiB file). */
static void write_gz_zeros(const char *path, const uint8_t *header, size_t header_len, size_t body) {
  static const uint8_t zeros[1 << 16];
  gzFile gz = gzopen(path, "wb1R");
  int ok = gz && gzwrite(gz, header, (unsigned)header_len) == (int)header_len;
  for (size_t done = 0; ok && done < body; done += sizeof zeros) {
    unsigned n = (unsigned)(body - done < sizeof zeros ? body - done : sizeof zeros);
    ok = gzwrite(gz, zeros, n) == (int)n;
  }
  if (!gz || gzclose(gz) != Z_OK || !ok) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(99);
  }
}

static long peak_rss_kib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* The inflated bytes a stream hands out before dlab_idx_read_stream fails. */
static uint64_t produced_until_failure(const char *path, const char *file, const char *what,
                                       const char *why) {
  DlabStream *s = dlab_stream_open_file(path);
  DlabIdx idx;
  int rc = s ? dlab_idx_read_stream(s, path, &idx) : 0;
  uint64_t produced = s ? dlab_stream_produced(s) : UINT64_MAX;
  expect_failure(rc, file, what, why);
  dlab_stream_close(s);
  return produced;
}

/* A .gz whose header declares 100x28x28 bytes but whose body inflates to
 * 64 MiB (issue 13: 1 MB of .gz became 1 GiB in memory before the size
 * check), and one whose header declares 60000x28x28 over a body of 1000
 * bytes: both refused, nothing inflated past the declared size. */
static void test_inflate_capped(void) {
  char path[1200];
  const uint8_t header[16] = {0, 0, 8, 3, 0, 0, 0, 100, 0, 0, 0, 28, 0, 0, 0, 28};
  const size_t declared = 100 * 28 * 28, bomb = (size_t)64 << 20;
  snprintf(path, sizeof path, "%s/bomb-images.gz", tmp);
  write_gz_zeros(path, header, sizeof header, bomb);
  DlabIdx idx;
  long rss_before = peak_rss_kib();
  int rc = dlab_idx_read(path, &idx);
  long grew_mib = (peak_rss_kib() - rss_before) / 1024;
  expect_failure(rc, "bomb-images.gz", "more data after the 78400 bytes the header promises",
                 "a .gz whose body is far larger than its header says");
  tap_ok(grew_mib < 24, "... and reading it took %ld MiB more memory (the body is 64 MiB)", grew_mib);
  uint64_t produced = produced_until_failure(path, "bomb-images.gz", "more data",
                                             "the same through a stream");
  tap_ok(produced == sizeof header + declared + 1,
         "... which inflated %llu bytes: the header, the declared data and one byte to see more",
         (unsigned long long)produced);
  const uint8_t big_header[16] = {0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28};
  snprintf(path, sizeof path, "%s/short-images.gz", tmp);
  write_gz_zeros(path, big_header, sizeof big_header, 1000);
  produced = produced_until_failure(path, "short-images.gz",
                                    "truncated: 47040000 bytes of data expected, 1000 found",
                                    "a .gz whose body is smaller than its header says");
  tap_ok(produced == sizeof big_header + 1000, "... after inflating its %llu bytes",
         (unsigned long long)produced);
  uint8_t *out = NULL;
  size_t out_len = 0;
  size_t gz_len = 0;
  uint8_t *gz = tf_read_bytes(path, &gz_len);
  rc = dlab_gunzip(gz, gz_len, 500, "mem.gz", &out, &out_len);
  tap_ok(rc == -1 && !out && tf_contains(dlab_error_message(), "mem.gz: more than 500 bytes once inflated"),
         "dlab_gunzip stops at its cap: \"%s\"", dlab_error_message());
  free(gz);
}

/* Writes a split of `n` 28x28 images and `n_labels` labels (values mod
 * `classes`) into dir, raw or gzip. */
static void write_split(const char *dir, const char *prefix, int n, int n_labels, int side,
                        int classes, int gz) {
  char path[1400];
  uint32_t img_dims[3] = {(uint32_t)n, (uint32_t)side, (uint32_t)side};
  uint32_t lab_dims[1] = {(uint32_t)n_labels};
  uint8_t *images = malloc((size_t)n * side * side), labels[64];
  fill_pattern(images, (size_t)n * side * side, (unsigned)n);
  for (int i = 0; i < n_labels; i++) labels[i] = (uint8_t)((i * 3 + 5) % classes);
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
  write_idx(path, 3, img_dims, images, gz);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
  write_idx(path, 1, lab_dims, labels, gz);
  free(images);
}

/* A data root <root>/<sub>/raw with a good train and test split. */
static void make_tree(char *root, size_t n, const char *name, const char *sub, int gz) {
  char dir[1400];
  snprintf(root, n, "%s/%s", tmp, name);
  snprintf(dir, sizeof dir, "%s/%s/raw", root, sub);
  tf_mkdirs(dir);
  write_split(dir, "train", 6, 6, 28, 10, gz);
  write_split(dir, "t10k", 4, 4, 28, 10, gz);
}

static void test_load_good(void) {
  char root[1200];
  DlabDatasetPair p;
  make_tree(root, sizeof root, "good", "MNIST", 0);
  int rc = dlab_dataset_load("mnist", root, &p);
  tap_ok(rc == 0 && p.train.n == 6 && p.test.n == 4 && p.train.h == 28 && p.train.c == 1,
         "mnist loads from a torchvision tree (%s)", rc ? dlab_error_message() : p.root);
  tap_ok(rc == 0 && p.train.labels[0] == 5 && p.test.labels[1] == 8 && p.train.num_classes == 10 &&
             strcmp(p.train.class_names[3], "3") == 0 && fabsf(p.train.mean[0] - 0.1307f) < 1e-6f &&
             strcmp(p.train.orientation, "normal") == 0 && tf_contains(p.root, "MNIST/raw"),
         "labels, class names, mean and root filled in");
  dlab_dataset_pair_free(&p);
  make_tree(root, sizeof root, "good-gz", "FashionMNIST", 1);
  rc = dlab_dataset_load("fashion-mnist", root, &p);
  tap_ok(rc == 0 && p.train.n == 6 && strcmp(p.train.class_names[9], "Ankle boot") == 0 &&
             fabsf(p.test.std[0] - 0.3530f) < 1e-6f,
         "fashion-mnist loads from .gz files (%s)", rc ? dlab_error_message() : "ok");
  dlab_dataset_pair_free(&p);
  /* Debian's layout: the files directly in the given directory. */
  snprintf(root, sizeof root, "%s/good-gz/FashionMNIST/raw", tmp);
  rc = dlab_dataset_load("fashion-mnist", root, &p);
  tap_ok(rc == 0 && p.test.n == 4, "a directory holding the files directly is accepted");
  dlab_dataset_pair_free(&p);
}

/* A tree whose train split is replaced by the given bad one. */
static void make_bad_tree(char *dir, size_t n, const char *name, int n_img, int n_lab, int side,
                          int classes) {
  char root[1200];
  make_tree(root, sizeof root, name, "MNIST", 0);
  snprintf(dir, n, "%s/MNIST/raw", root);
  write_split(dir, "train", n_img, n_lab, side, classes, 0);
}

static void test_load_bad(void) {
  char dir[1400], root[1200];
  DlabDatasetPair p;
  make_bad_tree(dir, sizeof dir, "count", 6, 5, 28, 10);
  snprintf(root, sizeof root, "%s/count", tmp);
  expect_failure(dlab_dataset_load("mnist", root, &p), "train-labels-idx1-ubyte",
                 "6 images but 5 labels", "label count differs from image count");
  make_bad_tree(dir, sizeof dir, "range", 6, 6, 28, 13);
  snprintf(root, sizeof root, "%s/range", tmp);
  expect_failure(dlab_dataset_load("mnist", root, &p), "train-labels-idx1-ubyte",
                 "out of range", "label beyond the classes");
  make_bad_tree(dir, sizeof dir, "side", 6, 6, 12, 10);
  snprintf(root, sizeof root, "%s/side", tmp);
  expect_failure(dlab_dataset_load("mnist", root, &p), "train-images-idx3-ubyte", "12x12",
                 "images of the wrong size");
  make_bad_tree(dir, sizeof dir, "missing", 6, 6, 28, 10);
  snprintf(root, sizeof root, "%s/missing/MNIST/raw/t10k-labels-idx1-ubyte", tmp);
  remove(root);
  snprintf(root, sizeof root, "%s/missing", tmp);
  expect_failure(dlab_dataset_load("mnist", root, &p), "t10k-labels-idx1-ubyte", "missing",
                 "one file of four missing");
  make_bad_tree(dir, sizeof dir, "corrupt", 6, 6, 28, 10);
  snprintf(root, sizeof root, "%s/corrupt/MNIST/raw/t10k-images-idx3-ubyte.gz", tmp);
  tf_write_bytes(root, "\x1f\x8b\x08\0\0\0\0\0\0\x03\xff\xff\xff", 13);
  snprintf(root, sizeof root, "%s/corrupt/MNIST/raw/t10k-images-idx3-ubyte", tmp);
  remove(root);
  snprintf(root, sizeof root, "%s/corrupt", tmp);
  expect_failure(dlab_dataset_load("mnist", root, &p), "t10k-images-idx3-ubyte.gz",
                 "corrupt gzip stream", "corrupt .gz in the tree");
}

static void test_not_found(void) {
  char empty[1200], home[1200], cwd[4096];
  DlabDatasetPair p;
  snprintf(empty, sizeof empty, "%s/empty", tmp);
  tf_mkdirs(empty);
  expect_failure(dlab_dataset_load("mnist", empty, &p), empty, "MNIST/raw",
                 "nothing in --data: the message names it");
  snprintf(home, sizeof home, "%s/home", tmp);
  tf_mkdirs(home);
  setenv("DLAB_DATA", empty, 1);
  setenv("HOME", home, 1);
  if (!getcwd(cwd, sizeof cwd) || chdir(empty) != 0) exit(99);
  int rc = dlab_dataset_load("mnist", NULL, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, empty) && tf_contains(msg, home) &&
             tf_contains(msg, ".local/share/digit-lab/datasets/MNIST/raw") &&
             tf_contains(msg, "./data/MNIST/raw"),
         "not found: every place looked is listed: \"%s\"", msg);
  if (chdir(cwd) != 0) exit(99);
  expect_failure(dlab_dataset_load("cifar-100", NULL, &p), "cifar-100", "unknown",
                 "unknown dataset name");
  const char *const *names = dlab_dataset_names();
  int count = 0, has_cifar = 0, has_folder = 0;
  for (; names[count]; count++) {
    has_cifar |= strcmp(names[count], "cifar10") == 0;
    has_folder |= strcmp(names[count], "folder") == 0;
  }
  tap_ok(strcmp(names[0], "mnist") == 0 && strcmp(names[1], "fashion-mnist") == 0 && has_cifar &&
             has_folder && count == 10,
         "dlab_dataset_names lists mnist, fashion-mnist, the EMNIST splits, cifar10, folder");
}

/* gather and compute_stats on a tiny 2-channel dataset built by hand. */
static void test_gather_and_stats(void) {
  uint8_t images[3 * 2 * 2 * 2] = {0,   255, 51,  102, 10, 20, 30, 40, 1, 2, 3, 4,
                                   200, 201, 202, 203, 7,  7,  7,  7,  9, 9, 9, 9};
  uint8_t labels[3] = {2, 0, 1};
  DlabDataset d = {.n = 3, .c = 2, .h = 2, .w = 2, .images = images, .labels = labels,
                   .num_classes = 3, .mean = {0.5f, 0.1f}, .std = {0.25f, 2.0f}};
  DlabTensor x = {0};
  uint32_t idx[2] = {2, 0};
  uint8_t got[2];
  dlab_dataset_gather(&d, idx, 2, &x, got);
  /* x[0] is sample 2, channel 0, pixel 0; x[15] is sample 0, channel 1, pixel 3. */
  float want0 = (7 / 255.0f - 0.5f) / 0.25f, want15 = (40 / 255.0f - 0.1f) / 2.0f;
  tap_ok(x.ndim == 4 && x.shape[0] == 2 && x.shape[1] == 2 && x.shape[3] == 2 &&
             fabsf(x.data[0] - want0) < 1e-6f && fabsf(x.data[15] - want15) < 1e-6f &&
             got[0] == 1 && got[1] == 2,
         "gather normalizes with the per-channel mean and std");
  dlab_dataset_gather(&d, NULL, 3, &x, NULL);
  tap_ok(x.shape[0] == 3 && fabsf(x.data[8] - (1 / 255.0f - 0.5f) / 0.25f) < 1e-6f,
         "gather with no index list takes samples in order");
  dlab_tensor_free(&x);
  float mean[2], std[2];
  dlab_dataset_compute_stats(&d, mean, std);
  double s = 0, s2 = 0;
  int ch0[12] = {0, 255, 51, 102, 1, 2, 3, 4, 7, 7, 7, 7};
  for (int i = 0; i < 12; i++) s += ch0[i] / 255.0, s2 += (ch0[i] / 255.0) * (ch0[i] / 255.0);
  double m = s / 12, sd = sqrt(s2 / 12 - m * m);
  tap_ok(fabs(mean[0] - m) < 1e-6 && fabs(std[0] - sd) < 1e-6,
         "compute_stats: channel 0 mean %.6f std %.6f (expected %.6f %.6f)", mean[0], std[0], m,
         sd);
}

/* A batch large enough to be cut into one slice per thread: on 1 and on 3
 * threads, every sample lands in its place with its label. */
static void test_gather_threads(void) {
  enum { N = 150, SIDE = 28, BATCH = 97 };
  static uint8_t images[N * SIDE * SIDE], labels[N];
  for (int i = 0; i < N * SIDE * SIDE; i++) images[i] = (uint8_t)(i * 7 + i / 13);
  for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 10);
  DlabDataset d = {.n = N, .c = 1, .h = SIDE, .w = SIDE, .images = images, .labels = labels,
                   .num_classes = 10, .mean = {0.3f}, .std = {0.4f}};
  uint32_t idx[BATCH];
  for (int i = 0; i < BATCH; i++) idx[i] = (uint32_t)((i * 31 + 5) % N);
  int ok[2] = {1, 1};
  for (int t = 0; t < 2; t++) {
    DlabTensor x = {0};
    uint8_t got[BATCH];
    dlab_threads_set(t ? 3 : 1);
    dlab_dataset_gather(&d, idx, BATCH, &x, got);
    for (int i = 0; i < BATCH && ok[t]; i++) {
      const uint8_t *src = images + (size_t)idx[i] * SIDE * SIDE;
      for (int p = 0; p < SIDE * SIDE; p++)
        if (x.data[(size_t)i * SIDE * SIDE + p] != (src[p] / 255.0f - 0.3f) * (1.0f / 0.4f)) ok[t] = 0;
      if (got[i] != labels[idx[i]]) ok[t] = 0;
    }
    dlab_tensor_free(&x);
  }
  dlab_threads_set(1);
  tap_ok(ok[0] && ok[1], "gather: a batch of %d samples, on 1 and on 3 threads, each in its place (%d, %d)", BATCH,
         ok[0], ok[1]);
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "idx");
  test_inflate_capped(); /* first: it measures the peak memory */
  test_round_trip(0);
  test_round_trip(1);
  test_ranks();
  test_bad_headers();
  test_overflow();
  test_data_length();
  test_bad_gzip();
  test_load_good();
  test_load_bad();
  test_not_found();
  test_gather_and_stats();
  test_gather_threads();
  tf_remove_tree(tmp);
  return tap_done();
}
