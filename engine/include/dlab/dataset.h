/* In-memory datasets: uint8 images (N x C x H x W) and uint8 labels. Data
 * stays uint8 and is normalized per batch (dlab_dataset_gather).
 *
 * Named datasets (dlab_dataset_open):
 *   mnist, fashion-mnist        IDX files, torchvision's <root>/MNIST/raw/...
 *   emnist-digits, emnist-mnist, emnist-letters, emnist-balanced,
 *   emnist-byclass, emnist-bymerge
 *                               IDX files <root>/EMNIST/raw/emnist-SPLIT-...;
 *                               class lists as torchvision's EMNIST (letters:
 *                               27 classes, "N/A" then a..z, labels 1..26)
 *   cifar10                     binary batches <root>/cifar-10-batches-bin/
 *                               (data_batch_1..5.bin, test_batch.bin,
 *                               batches.meta.txt for the class names)
 *   folder:DIR                  PNGs, either DIR/train.txt + DIR/test.txt
 *                               (label files, datasets/folder.h) or DIR/train/CLASS/
 *                               and DIR/test/CLASS/ (one sub-folder per class) */
#ifndef DLAB_DATASET_H
#define DLAB_DATASET_H

#include <stdint.h>

#include "dlab/tensor.h"

#define DLAB_MAX_CLASSES 64
#define DLAB_MAX_CHANNELS 3

/* The label of a training sample that belongs to no class: a drawing that
 * is no digit, in the sketchpad model's training set. Training pulls its
 * probabilities toward equal shares for every class (so the model learns to
 * be unsure of such shapes); accuracies leave it out. Only an IDX training
 * split may hold it: test splits are all labelled. */
#define DLAB_LABEL_NONE 255

/* A dataset's fields are for reading: the application and the CLI show its
 * images, labels and class names; only the engine's calls write them. */
typedef struct {
  char name[64];       /* "mnist", "emnist-letters", "folder:DIR" */
  int n, c, h, w;
  uint8_t *images;     /* n * c * h * w, CHW per sample (CIFAR: planar R, G, B) */
  uint8_t *labels;     /* n: class numbers, or DLAB_LABEL_NONE (train split) */
  int num_classes;
  char *class_names[DLAB_MAX_CLASSES];
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS]; /* on the 0..1 scale */
  char orientation[16]; /* what the images are in memory: "normal", or
                           "transposed" (EMNIST kept as stored) */
  int stats_from_data;  /* mean/std were measured on the training images (no
                           published constants): a validation split measures
                           them again on what is left for training */
} DlabDataset;

/* Train and test split of a named dataset. */
typedef struct {
  DlabDataset train, test;
  char root[1024]; /* the directory holding the files, e.g. data/MNIST/raw */
} DlabDatasetPair;

/* Everything about opening a dataset beyond its name. */
typedef struct {
  const char *data_dir;   /* NULL: the usual places (see dlab_dataset_load) */
  int resize_w, resize_h; /* folder datasets: scale every image to this size;
                             0: every image must have the first one's size */
  int channels;           /* folder datasets: 1 or 3; 0: the first image's
                             (gray or gray+alpha -> 1, anything else -> 3) */
  int keep_transposed;    /* EMNIST: keep the stored transposed images (the
                             tensors torchvision gives); default: turn them
                             upright */
} DlabDatasetOptions;

DlabDatasetOptions dlab_dataset_options_default(void);

/* --resize "WxH" or "N" (1 to 16384 per side) into opt. */
int dlab_dataset_parse_resize(const char *text, DlabDatasetOptions *opt);

/* NULL-terminated names the engine knows; "folder:DIR" is listed as "folder". */
const char *const *dlab_dataset_names(void);

/* Opens dataset `name` (see the table above). Looks in opt->data_dir when
 * set, else in $DLAB_DATA, ~/.local/share/digit-lab/datasets, ./data (each in
 * torchvision's layout), and for Fashion-MNIST also
 * /usr/share/datasets/fashion-mnist. IDX files may be raw or .gz. A data_dir
 * may also hold a dataset's files directly. On failure the message lists
 * where it looked, or names the bad file. */
int dlab_dataset_open(const char *name, const DlabDatasetOptions *opt, DlabDatasetPair *out);

/* dlab_dataset_open with the default options and `data_dir`. */
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

/* ---- splits and subsets (dataset_split.c) ---- */

/* A new dataset holding copies of samples idx[0..count), with d's metadata. */
int dlab_dataset_subset(const DlabDataset *d, const uint32_t *idx, int count, DlabDataset *out);

/* Carves a validation set out of `train` in place: round(n * fraction)
 * samples chosen by `seed` go to `val` (a copy), the rest stay in `train`
 * (moved down in its own buffer), each part in its original order.
 * fraction must be in (0, 1) and leave at least one sample on each side.
 * When train->stats_from_data, mean/std are measured again on the
 * remaining training samples (val gets the same values). */
int dlab_dataset_split(DlabDataset *train, double fraction, uint64_t seed, DlabDataset *val);

/* The same split of the first n samples of `all`, left as it is (a lent
 * dataset): `train` and `val` are new datasets, one copy of the n samples
 * in all. */
int dlab_dataset_split_copy(const DlabDataset *all, int n, double fraction, uint64_t seed, DlabDataset *train,
                            DlabDataset *val);

/* Copies mean, std (and stats_from_data) from `from` to `to`: evaluation
 * data is normalized with the training statistics. */
void dlab_dataset_copy_stats(DlabDataset *to, const DlabDataset *from);

/* counts[k] = samples of class k, for k < d->num_classes. */
void dlab_dataset_class_counts(const DlabDataset *d, int *counts);

/* Replaces the class names with names[0..n) (copied). */
int dlab_dataset_set_classes(DlabDataset *d, const char *const *names, int n);

#endif
