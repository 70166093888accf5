/* In-memory datasets: uint8 images (N x C x H x W) and uint8 labels. Data
 * stays uint8 and is normalized per batch (dlab_dataset_gather). */
#ifndef DLAB_DATASET_H
#define DLAB_DATASET_H

#include <stdint.h>

#include "dlab/tensor.h"

#define DLAB_MAX_CLASSES 64
#define DLAB_MAX_CHANNELS 3

typedef struct {
  char name[64];       /* "mnist", "fashion-mnist" */
  int n, c, h, w;
  uint8_t *images;     /* n * c * h * w, CHW per sample */
  uint8_t *labels;     /* n */
  int num_classes;
  char *class_names[DLAB_MAX_CLASSES];
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS]; /* on the 0..1 scale */
  char orientation[16]; /* "normal" or "transposed" (EMNIST) */
} DlabDataset;

/* Train and test split of a named dataset. */
typedef struct {
  DlabDataset train, test;
  char root[1024]; /* the directory holding the files, e.g. data/MNIST/raw */
} DlabDatasetPair;

/* Names the engine knows: "mnist", "fashion-mnist". */
const char *const *dlab_dataset_names(void);

/* Finds and loads dataset `name`. Looks in `data_dir` when not NULL, else in
 * $DLAB_DATA, ~/.local/share/digit-lab/datasets, ./data (each in
 * torchvision's layout, <root>/MNIST/raw/...), and for Fashion-MNIST also
 * /usr/share/datasets/fashion-mnist. IDX files may be raw or .gz. A data_dir
 * may also hold the four files directly (Debian's flat layout).
 * On failure the message lists where it looked. */
int dlab_dataset_load(const char *name, const char *data_dir, DlabDatasetPair *out);

void dlab_dataset_free(DlabDataset *d);
void dlab_dataset_pair_free(DlabDatasetPair *p);

/* Fills x (count x C x H x W floats, reshaped) with the samples idx[0..count)
 * normalized as (v/255 - mean) / std, and labels[0..count). idx may be NULL
 * (samples 0..count-1, for evaluation in order) and labels may be NULL.
 * Every idx[i] must be < d->n. x only reallocates when it must grow. */
void dlab_dataset_gather(const DlabDataset *d, const uint32_t *idx, int count,
                         DlabTensor *x, uint8_t *labels);

/* Per-channel mean and std of the whole dataset on the 0..1 scale. */
void dlab_dataset_compute_stats(const DlabDataset *d, float *mean, float *std);

#endif
