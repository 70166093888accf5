/* Subsets and the validation split.
 *
 * A split copies the samples into two new buffers instead of keeping index
 * lists: every consumer (gather, the loader, evaluation, export) then sees
 * an ordinary dataset, and MNIST's 47 MB copy takes milliseconds. */
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/rng.h"

#include "core/i18n.h"

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

int dlab_dataset_split(DlabDataset *train, double fraction, uint64_t seed, DlabDataset *val) {
  memset(val, 0, sizeof *val);
  if (!(fraction > 0 && fraction < 1))
    return dlab_error(_("--val-split %g: must be between 0 and 1 (e.g. 0.1)"), fraction);
  long n_val = (long)(train->n * fraction + 0.5);
  if (n_val < 1 || n_val >= train->n)
    return dlab_error(_("--val-split %g of %d training samples leaves %ld for validation and %ld "
                        "for training; both need at least one"),
                      fraction, train->n, n_val, train->n - n_val);
  uint32_t *perm = malloc((size_t)train->n * sizeof *perm);
  if (!perm) return dlab_error(_("%s: out of memory for the split"), train->name);
  for (int i = 0; i < train->n; i++) perm[i] = (uint32_t)i;
  DlabRng rng;
  dlab_rng_derive(&rng, seed, SPLIT_STREAM);
  dlab_rng_shuffle(&rng, perm, (uint32_t)train->n);
  /* Each part keeps the file order: training shuffles anyway, and listings
   * and exports stay readable. */
  qsort(perm, (size_t)n_val, sizeof *perm, cmp_u32);
  qsort(perm + n_val, (size_t)(train->n - n_val), sizeof *perm, cmp_u32);
  DlabDataset rest;
  int rc = -1;
  if (dlab_dataset_subset(train, perm, (int)n_val, val) < 0) goto done;
  if (dlab_dataset_subset(train, perm + n_val, train->n - (int)n_val, &rest) < 0) {
    dlab_dataset_free(val);
    goto done;
  }
  dlab_dataset_free(train);
  *train = rest;
  if (train->stats_from_data) {
    dlab_dataset_compute_stats(train, train->mean, train->std);
    dlab_dataset_copy_stats(val, train);
  }
  rc = 0;
done:
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
