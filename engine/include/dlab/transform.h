/* Data transforms, torchvision's names and meanings, applied in the order
 * given, each drawing from the sample's own seeded generator.
 *
 * Text form (the CLI's --transform, the GUI's augmentation field): steps
 * separated by ',', each NAME[:ARG[:ARG...]]; an ARG is a value in the
 * step's order below or KEY=VALUE; a pair or a per-channel list is written
 * with '/' (0.1/0.1, 0.49/0.48/0.45). Fill values are pixel values 0..255.
 *
 *   normalize[:MEAN:STD]   (v - mean) / std on the 0..1 scale; without
 *                          values the dataset's; normalize:computed measures
 *                          the training split
 *   rotate:DEGREES[:FILL]  RandomRotation: uniform angle in [-D, D], nearest
 *   crop:SIZE[:PADDING[:FILL]]
 *                          RandomCrop(SIZE, padding): pad every side, then
 *                          cut SIZE x SIZE at a uniform offset
 *   hflip[:P]              RandomHorizontalFlip(p=P), P 0.5 by default
 *   affine:DEGREES[:TRANSLATE[:SCALE[:SHEAR[:FILL]]]]
 *                          RandomAffine: TRANSLATE=TX/TY fractions of the
 *                          size, SCALE=LO/HI, SHEAR in degrees along x
 *   elastic[:ALPHA[:SIGMA[:FILL]]]
 *                          ElasticTransform(alpha=50, sigma=5): a Gaussian-
 *                          smoothed random displacement field, bilinear
 *
 * Example: "rotate:5,crop:28:2" is RandomRotation(5) then
 * RandomCrop(28, padding=2); normalization is added last when not listed. */
#ifndef DLAB_TRANSFORM_H
#define DLAB_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "dlab/dataset.h"
#include "dlab/rng.h"

typedef enum {
  DLAB_TF_NORMALIZE,
  DLAB_TF_ROTATE,
  DLAB_TF_CROP,
  DLAB_TF_HFLIP,
  DLAB_TF_AFFINE,
  DLAB_TF_ELASTIC,
} DlabTransformKind;

typedef enum {
  DLAB_NORM_DATASET,  /* the dataset's mean/std */
  DLAB_NORM_GIVEN,    /* mean[]/std[] below */
  DLAB_NORM_COMPUTED, /* measured on the training split */
} DlabNormSource;

typedef struct {
  DlabTransformKind kind;
  float fill;                      /* 0..255, for pixels that come from outside */
  float degrees;                   /* rotate, affine */
  float translate[2], scale[2], shear; /* affine */
  int size, padding;               /* crop */
  float p;                         /* hflip */
  float alpha, sigma;              /* elastic */
  DlabNormSource norm;             /* normalize */
  int norm_channels;               /* values given (1 applies to every channel) */
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS];
} DlabTransform;

#define DLAB_MAX_TRANSFORMS 16

typedef struct {
  DlabTransform steps[DLAB_MAX_TRANSFORMS];
  int n;
} DlabTransformList;

/* Parses the text form; NULL or "" gives an empty list. Errors name the
 * step: "--transform rotate:x: `x` is not a number". */
int dlab_transforms_parse(const char *text, DlabTransformList *out);

/* The list in the text form, with every parameter spelled out. */
const char *dlab_transforms_describe(const DlabTransformList *t, char *buf, size_t n);

/* Whether any step is random (an augmentation, not just normalization). */
int dlab_transforms_augment(const DlabTransformList *t);

/* Applies the list's normalize step to the datasets before training: given
 * values, or the statistics of `train`, become every split's mean/std (so
 * the checkpoint records what the model saw). val and test may be NULL.
 * Fails when given values do not match the channel count. */
int dlab_transforms_set_stats(const DlabTransformList *t, DlabDataset *train, DlabDataset *val,
                              DlabDataset *test);

/* Checks that the steps suit c x h x w images (a crop must keep the size,
 * its padding must fit). Errors name the step. */
int dlab_transforms_check(const DlabTransformList *t, int c, int h, int w);

/* A pipeline ready to run on samples of one shape: its scratch memory is
 * allocated here, so running it allocates nothing. One per thread. */
typedef struct DlabAugmenter DlabAugmenter;

/* mean/std: the normalization (c values each), normally the dataset's after
 * dlab_transforms_set_stats. t may be NULL (normalization only). */
DlabAugmenter *dlab_augmenter_create(const DlabTransformList *t, int c, int h, int w,
                                     const float *mean, const float *std);

/* One uint8 CHW sample -> c*h*w normalized floats. */
void dlab_augmenter_run(DlabAugmenter *a, const uint8_t *src, float *dst, DlabRng *rng);

/* The same without normalization, back to uint8: what the augmentation does
 * to an image (grids, the GUI's preview). */
void dlab_augmenter_preview(DlabAugmenter *a, const uint8_t *src, uint8_t *dst, DlabRng *rng);

void dlab_augmenter_free(DlabAugmenter *a);

/* The generator of sample `index` in epoch `epoch` of a run seeded `seed`:
 * the same numbers whichever thread or batch handles the sample. */
void dlab_transform_rng(DlabRng *rng, uint64_t seed, int epoch, uint32_t index);

#endif
