/* The validation split: sizes, disjoint parts that cover the training set
 * in its order, seeded, statistics measured again on what training keeps;
 * and the errors for fractions that leave a side empty. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "test_util.h"

#define N 100

static void make(DlabDataset *d, int from_data) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "made");
  d->n = N, d->c = 1, d->h = 2, d->w = 2;
  d->images = malloc(N * 4);
  d->labels = malloc(N);
  for (int i = 0; i < N; i++) {
    for (int p = 0; p < 4; p++) d->images[i * 4 + p] = (uint8_t)(i < 50 ? p : 200 + p);
    d->labels[i] = (uint8_t)i;
  }
  static const char *const names[] = {"a"};
  dlab_dataset_set_classes(d, names, 1);
  d->num_classes = N; /* labels are the sample numbers here */
  d->mean[0] = 0.5f, d->std[0] = 0.25f;
  d->stats_from_data = from_data;
}

int main(void) {
  DlabDataset train, val;
  make(&train, 0);
  int rc = dlab_dataset_split(&train, 0.1, 42, &val);
  int seen[N] = {0}, ordered = 1;
  for (int i = 0; rc == 0 && i < train.n; i++) seen[train.labels[i]]++, ordered &= i == 0 || train.labels[i] > train.labels[i - 1];
  for (int i = 0; rc == 0 && i < val.n; i++) seen[val.labels[i]]++, ordered &= i == 0 || val.labels[i] > val.labels[i - 1];
  int covered = 1;
  for (int i = 0; i < N; i++) covered &= seen[i] == 1;
  tap_ok(rc == 0 && train.n == 90 && val.n == 10 && covered && ordered,
         "0.1 of 100: 90 train + 10 validation, disjoint, covering all, each in file order");
  int pixels_follow = 1;
  for (int i = 0; rc == 0 && i < val.n; i++)
    pixels_follow &= val.images[i * 4 + 3] == (val.labels[i] < 50 ? 3 : 203);
  tap_ok(pixels_follow && train.mean[0] == 0.5f && val.mean[0] == 0.5f,
         "images follow their labels; published statistics are kept");
  uint8_t first[10];
  memcpy(first, val.labels, 10);
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);

  make(&train, 0);
  dlab_dataset_split(&train, 0.1, 42, &val);
  int same = memcmp(first, val.labels, 10) == 0;
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);
  make(&train, 0);
  dlab_dataset_split(&train, 0.1, 43, &val);
  tap_ok(same && memcmp(first, val.labels, 10) != 0, "the same seed picks the same samples, another seed others");
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);

  make(&train, 1);
  rc = dlab_dataset_split(&train, 0.25, 1, &val);
  float mean[1], std[1];
  if (rc == 0) dlab_dataset_compute_stats(&train, mean, std);
  tap_ok(rc == 0 && train.mean[0] == mean[0] && val.mean[0] == mean[0] && train.std[0] == std[0],
         "measured statistics are measured again on the training part only");
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);

  double bad[] = {0, 1, -0.5, 0.001, 0.999};
  for (int i = 0; i < 5; i++) {
    make(&train, 0);
    rc = dlab_dataset_split(&train, bad[i], 1, &val);
    tap_ok(rc == -1 && strstr(dlab_error_message(), "--val-split"), "--val-split %g is refused: \"%s\"", bad[i], dlab_error_message());
    dlab_dataset_free(&train);
  }
  /* In place, the training part's pixels follow its labels (moved down in
   * their buffer); a lent dataset split by copy gives the same two parts
   * of its first 80 samples and is left as it was. */
  DlabDataset all, lent_train, lent_val;
  make(&all, 1);
  make(&train, 1);
  train.n = 80;
  rc = dlab_dataset_split(&train, 0.2, 7, &val);
  int rc2 = dlab_dataset_split_copy(&all, 80, 0.2, 7, &lent_train, &lent_val);
  int follow = rc == 0, same_parts = rc == 0 && rc2 == 0, untouched = 1;
  for (int i = 0; follow && i < train.n; i++)
    follow &= train.images[i * 4 + 3] == (train.labels[i] < 50 ? 3 : 203);
  same_parts = same_parts && lent_train.n == train.n && lent_val.n == val.n &&
               memcmp(lent_train.labels, train.labels, (size_t)train.n) == 0 &&
               memcmp(lent_train.images, train.images, (size_t)train.n * 4) == 0 &&
               memcmp(lent_val.labels, val.labels, (size_t)val.n) == 0 && lent_train.mean[0] == train.mean[0] &&
               lent_val.std[0] == val.std[0];
  for (int i = 0; i < N; i++) untouched &= all.labels[i] == (uint8_t)i && all.images[i * 4 + 3] == (i < 50 ? 3 : 203);
  tap_ok(follow && same_parts && untouched && all.n == N,
         "in place the images follow the labels; split_copy gives the same parts and leaves the lender as it was");
  dlab_dataset_free(&train);
  dlab_dataset_free(&val);
  dlab_dataset_free(&lent_train);
  dlab_dataset_free(&lent_val);
  rc = dlab_dataset_split_copy(&all, N + 1, 0.2, 7, &lent_train, &lent_val);
  tap_ok(rc == -1, "split_copy refuses more samples than the dataset has: %s", dlab_error_message());
  dlab_dataset_free(&all);

  make(&train, 0);
  int counts[N];
  dlab_dataset_class_counts(&train, counts);
  tap_ok(counts[0] == 1 && counts[99] == 1, "class counts");
  dlab_dataset_free(&train);
  return tap_done();
}
