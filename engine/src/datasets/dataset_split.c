/* Subsets and the validation split.
 *
 * A split copies the validation samples into a new buffer and moves the
 * training ones down in theirs (or, for a lent dataset, copies both parts)
 * instead of keeping index lists: every consumer (gather, the loader,
 * evaluation, export) then sees an ordinary dataset, and MNIST's 47 MB
 * takes milliseconds. */
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/rng.h"

#include "core/i18n.h"
#include "core/memory.h"

#define SPLIT_STREAM 0x53504c4954ULL /* "SPLIT" */

static int copy_metadata(const DlabDataset *d, DlabDataset *out) {
  memcpy(out->name, d->name, sizeof out->name);
  memcpy(out->orientation, d->orientation, sizeof out->orientation);
  out->c = d->c;
  out->h = d->h;
  out->w = d->w;
  dlab_dataset_copy_stats(out, d);
  out->num_classes = d->num_classes;
  for (int k = 0; k < d->num_classes && k < DLAB_MAX_CLASSES; k++) {
    if (!d->class_names[k]) continue;
    out->class_names[k] = strdup(d->class_names[k]);
    if (!out->class_names[k]) return dlab_error(_("%s: out of memory"), d->name);
  }
  return 0;
}

int dlab_dataset_subset(const DlabDataset *d, const uint32_t *idx, int count, DlabDataset *out) {
  memset(out, 0, sizeof *out);
  size_t sample = (size_t)d->c * (size_t)d->h * (size_t)d->w;
  out->images = malloc(count > 0 ? (size_t)count * sample : 1);
  out->labels = malloc(count > 0 ? (size_t)count : 1);
  if (!out->images || !out->labels || copy_metadata(d, out) < 0) {
    dlab_dataset_free(out);
    return dlab_error(_("%s: out of memory for a subset of %d samples"), d->name, count);
  }
  dlab_advise_huge_pages(out->images, (size_t)count * sample);
  for (int i = 0; i < count; i++) {
    if (idx[i] >= (uint32_t)d->n) {
      dlab_dataset_free(out);
      return dlab_error(_("%s: sample %u does not exist (%d samples)"), d->name, idx[i], d->n);
    }
    memcpy(out->images + (size_t)i * sample, d->images + (size_t)idx[i] * sample, sample);
    out->labels[i] = d->labels[idx[i]];
  }
  out->n = count;
  return 0;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* perm[0..n_val) the validation samples, perm[n_val..n) the training
 * ones, each part in ascending order (the file order: training shuffles
 * anyway, and listings and exports stay readable). */
static int split_order(const DlabDataset *d, int n, double fraction, uint64_t seed, uint32_t **perm,
                       int *n_val_out) {
  if (!(fraction > 0 && fraction < 1))
    return dlab_error(_("--val-split %g: must be between 0 and 1 (e.g. 0.1)"), fraction);
  long n_val = (long)(n * fraction + 0.5);
  if (n_val < 1 || n_val >= n)
    return dlab_error(_("--val-split %g of %d training samples leaves %ld for validation and %ld "
                        "for training; both need at least one"),
                      fraction, n, n_val, n - n_val);
  if (!(*perm = malloc((size_t)n * sizeof **perm)))
    return dlab_error(_("%s: out of memory for the split"), d->name);
  for (int i = 0; i < n; i++) (*perm)[i] = (uint32_t)i;
  DlabRng rng;
  dlab_rng_derive(&rng, seed, SPLIT_STREAM);
  dlab_rng_shuffle(&rng, *perm, (uint32_t)n);
  qsort(*perm, (size_t)n_val, sizeof **perm, cmp_u32);
  qsort(*perm + n_val, (size_t)(n - n_val), sizeof **perm, cmp_u32);
  *n_val_out = (int)n_val;
  return 0;
}

static void measure_again(DlabDataset *train, DlabDataset *val) {
  if (train->stats_from_data) {
    dlab_dataset_compute_stats(train, train->mean, train->std);
    dlab_dataset_copy_stats(val, train);
  }
}

/* The training samples move down in their own buffer (ascending indices:
 * each goes to a place at or before its own, already read), so the split
 * needs memory for the validation samples only, not a second training set. */
static void keep_in_place(DlabDataset *d, const uint32_t *keep, int count) {
  size_t sample = (size_t)d->c * (size_t)d->h * (size_t)d->w;
  for (int i = 0; i < count; i++) {
    if (keep[i] == (uint32_t)i) continue;
    memmove(d->images + (size_t)i * sample, d->images + (size_t)keep[i] * sample, sample);
    d->labels[i] = d->labels[keep[i]];
  }
  d->n = count;
}

int dlab_dataset_split(DlabDataset *train, double fraction, uint64_t seed, DlabDataset *val) {
  memset(val, 0, sizeof *val);
  uint32_t *perm = NULL;
  int n_val = 0;
  if (split_order(train, train->n, fraction, seed, &perm, &n_val) < 0) return -1;
  int rc = dlab_dataset_subset(train, perm, n_val, val);
  if (rc == 0) {
    keep_in_place(train, perm + n_val, train->n - n_val);
    measure_again(train, val);
  }
  free(perm);
  return rc;
}

int dlab_dataset_split_copy(const DlabDataset *all, int n, double fraction, uint64_t seed, DlabDataset *train,
                            DlabDataset *val) {
  memset(train, 0, sizeof *train);
  memset(val, 0, sizeof *val);
  uint32_t *perm = NULL;
  int n_val = 0;
  if (split_order(all, n, fraction, seed, &perm, &n_val) < 0) return -1;
  int rc = dlab_dataset_subset(all, perm, n_val, val);
  if (rc == 0 && (rc = dlab_dataset_subset(all, perm + n_val, n - n_val, train)) < 0) dlab_dataset_free(val);
  if (rc == 0) measure_again(train, val);
  free(perm);
  return rc;
}

void dlab_dataset_copy_stats(DlabDataset *to, const DlabDataset *from) {
  memcpy(to->mean, from->mean, sizeof to->mean);
  memcpy(to->std, from->std, sizeof to->std);
  to->stats_from_data = from->stats_from_data;
}

void dlab_dataset_class_counts(const DlabDataset *d, int *counts) {
  memset(counts, 0, (size_t)d->num_classes * sizeof *counts);
  for (int i = 0; i < d->n; i++)
    if (d->labels[i] < d->num_classes) counts[d->labels[i]]++;
}
