/* Running a transform list on one sample (transform.h).
 *
 * A sample goes uint8 -> float (v / 255) -> each step in order, ping-ponging
 * between two scratch planes, -> the output. Normalization is a step like
 * the others (appended last when the list has none), so a list that puts it
 * earlier gets exactly that order, with fills converted to its scale. With
 * no random step the output equals dlab_dataset_gather's bit for bit (same
 * arithmetic), so augmentation never changes what "no augmentation" means. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/transform.h"
#include "transform_ops.h"

#include "core/i18n.h"

#define AUGMENT_STREAM 0x4155474d454e54ULL /* "AUGMENT" */

struct DlabAugmenter {
  DlabTransformList list; /* with the normalize step */
  int c, h, w;
  float mean[DLAB_MAX_CHANNELS], inv_std[DLAB_MAX_CHANNELS];
  float *a, *b;                             /* c * h * w each */
  DlabElastic elastic[DLAB_MAX_TRANSFORMS]; /* for the elastic steps */
};

void dlab_transform_rng(DlabRng *rng, uint64_t seed, int epoch, uint32_t index) {
  dlab_rng_derive(rng, seed ^ AUGMENT_STREAM, (uint64_t)(uint32_t)epoch << 32 | index);
}

static const DlabTransform *find_normalize(const DlabTransformList *t) {
  for (int i = 0; t && i < t->n; i++)
    if (t->steps[i].kind == DLAB_TF_NORMALIZE) return &t->steps[i];
  return NULL;
}

int dlab_transforms_set_stats(const DlabTransformList *t, DlabDataset *train, DlabDataset *val,
                              DlabDataset *test) {
  const DlabTransform *n = find_normalize(t);
  if (!n || n->norm == DLAB_NORM_DATASET) return 0;
  if (n->norm == DLAB_NORM_COMPUTED) {
    dlab_dataset_compute_stats(train, train->mean, train->std);
    train->stats_from_data = 1;
  } else {
    if (n->norm_channels != 1 && n->norm_channels != train->c)
      return dlab_error(_("--transform normalize: %d values for %d-channel images"), n->norm_channels,
                        train->c);
    for (int ch = 0; ch < train->c && ch < DLAB_MAX_CHANNELS; ch++) {
      int k = n->norm_channels == 1 ? 0 : ch;
      train->mean[ch] = n->mean[k];
      train->std[ch] = n->std[k];
    }
    train->stats_from_data = 0;
  }
  if (val) dlab_dataset_copy_stats(val, train);
  if (test) dlab_dataset_copy_stats(test, train);
  return 0;
}

int dlab_transforms_check(const DlabTransformList *t, int c, int h, int w) {
  (void)c;
  for (int i = 0; t && i < t->n; i++) {
    const DlabTransform *s = &t->steps[i];
    if (s->kind != DLAB_TF_CROP) continue;
    if (s->size != h || s->size != w)
      return dlab_error(_("--transform crop:%d: the images are %dx%d; a crop must keep that size "
                          "(pad and cut back, as crop:%d:2)"),
                        s->size, w, h, h == w ? h : s->size);
  }
  return 0;
}

void dlab_augmenter_free(DlabAugmenter *a) {
  if (!a) return;
  for (int i = 0; i < DLAB_MAX_TRANSFORMS; i++) dlab_tf_elastic_free(&a->elastic[i]);
  free(a->a);
  free(a->b);
  free(a);
}

DlabAugmenter *dlab_augmenter_create(const DlabTransformList *t, int c, int h, int w,
                                     const float *mean, const float *std) {
  /* The warps address a plane with int offsets. */
  if (c < 1 || c > DLAB_MAX_CHANNELS || h < 1 || w < 1 || (size_t)h * (size_t)w > INT_MAX) {
    dlab_error(_("transforms: images of %dx%dx%d are not supported"), c, h, w);
    return NULL;
  }
  if (dlab_transforms_check(t, c, h, w) < 0) return NULL;
  DlabAugmenter *a = calloc(1, sizeof *a);
  if (!a) {
    dlab_error(_("transforms: out of memory"));
    return NULL;
  }
  if (t) a->list = *t;
  if (!find_normalize(&a->list)) {
    if (a->list.n == DLAB_MAX_TRANSFORMS) {
      dlab_error(_("--transform: more than %d steps"), DLAB_MAX_TRANSFORMS - 1);
      dlab_augmenter_free(a);
      return NULL;
    }
    a->list.steps[a->list.n++] = (DlabTransform){.kind = DLAB_TF_NORMALIZE};
  }
  a->c = c;
  a->h = h;
  a->w = w;
  for (int ch = 0; ch < c; ch++) {
    a->mean[ch] = mean[ch];
    /* As dlab_dataset_gather: a constant channel (std 0) is only centred. */
    a->inv_std[ch] = std[ch] > 0 ? 1.0f / std[ch] : 1.0f;
  }
  size_t n = (size_t)c * (size_t)h * (size_t)w;
  a->a = malloc(n * sizeof *a->a);
  a->b = malloc(n * sizeof *a->b);
  int ok = a->a && a->b;
  for (int i = 0; ok && i < a->list.n; i++)
    if (a->list.steps[i].kind == DLAB_TF_ELASTIC)
      ok = dlab_tf_elastic_init(&a->elastic[i], a->list.steps[i].sigma, h, w) == 0;
  if (!ok) {
    dlab_error(_("transforms: out of memory"));
    dlab_augmenter_free(a);
    return NULL;
  }
  return a;
}

static void normalize(const DlabAugmenter *a, float *x) {
  size_t plane = (size_t)a->h * (size_t)a->w;
  for (int ch = 0; ch < a->c; ch++) {
    float m = a->mean[ch], s = a->inv_std[ch], *p = x + (size_t)ch * plane;
    for (size_t i = 0; i < plane; i++) p[i] = (p[i] - m) * s;
  }
}

/* Runs one random step from `in` to `out`; returns 1 if it wrote `out`,
 * 0 if it left the image as it was. */
static int random_step(DlabAugmenter *a, int index, const float *in, float *out,
                       const float *fill, DlabRng *rng) {
  const DlabTransform *s = &a->list.steps[index];
  const int c = a->c, h = a->h, w = a->w;
  switch (s->kind) {
    case DLAB_TF_ROTATE: {
      DlabInverseMap map = dlab_tf_rotation_map(dlab_rng_range(rng, -s->degrees, s->degrees), h, w);
      dlab_tf_warp_nearest(in, out, c, h, w, &map, fill);
      return 1;
    }
    case DLAB_TF_AFFINE: {
      float angle = dlab_rng_range(rng, -s->degrees, s->degrees);
      float max_dx = s->translate[0] * w, max_dy = s->translate[1] * h;
      float tx = roundf(dlab_rng_range(rng, -max_dx, max_dx));
      float ty = roundf(dlab_rng_range(rng, -max_dy, max_dy));
      float scale = dlab_rng_range(rng, s->scale[0], s->scale[1]);
      float shear = dlab_rng_range(rng, -s->shear, s->shear);
      DlabInverseMap map = dlab_tf_affine_map(angle, tx, ty, scale, shear, 0, h, w);
      dlab_tf_warp_nearest(in, out, c, h, w, &map, fill);
      return 1;
    }
    case DLAB_TF_CROP: {
      int oy = (int)dlab_rng_below(rng, (uint32_t)(h + 2 * s->padding - s->size + 1));
      int ox = (int)dlab_rng_below(rng, (uint32_t)(w + 2 * s->padding - s->size + 1));
      dlab_tf_crop(in, out, c, h, w, s->size, s->padding, oy, ox, fill);
      return 1;
    }
    case DLAB_TF_HFLIP:
      if (dlab_rng_uniform(rng) >= s->p) return 0;
      dlab_tf_hflip(in, out, c, h, w);
      return 1;
    case DLAB_TF_ELASTIC:
      dlab_tf_elastic(&a->elastic[index], in, out, c, h, w, s->alpha, fill, rng);
      return 1;
    case DLAB_TF_NORMALIZE: return 0;
  }
  return 0;
}

/* The pipeline; returns the plane holding the result. */
static float *pipeline(DlabAugmenter *a, const uint8_t *src, int with_normalize, DlabRng *rng) {
  size_t n = (size_t)a->c * (size_t)a->h * (size_t)a->w;
  float *x = a->a, *y = a->b;
  for (size_t i = 0; i < n; i++) x[i] = (float)src[i] / 255.0f;
  int normalized = 0;
  for (int i = 0; i < a->list.n; i++) {
    const DlabTransform *s = &a->list.steps[i];
    if (s->kind == DLAB_TF_NORMALIZE) {
      if (with_normalize) normalize(a, x), normalized = 1;
      continue;
    }
    float fill[DLAB_MAX_CHANNELS];
    for (int ch = 0; ch < a->c; ch++) {
      fill[ch] = s->fill / 255.0f;
      if (normalized) fill[ch] = (fill[ch] - a->mean[ch]) * a->inv_std[ch];
    }
    if (random_step(a, i, x, y, fill, rng)) {
      float *t = x;
      x = y;
      y = t;
    }
  }
  return x;
}

void dlab_augmenter_run(DlabAugmenter *a, const uint8_t *src, float *dst, DlabRng *rng) {
  float *x = pipeline(a, src, 1, rng);
  memcpy(dst, x, (size_t)a->c * (size_t)a->h * (size_t)a->w * sizeof *dst);
}

void dlab_augmenter_preview(DlabAugmenter *a, const uint8_t *src, uint8_t *dst, DlabRng *rng) {
  float *x = pipeline(a, src, 0, rng);
  size_t n = (size_t)a->c * (size_t)a->h * (size_t)a->w;
  for (size_t i = 0; i < n; i++) {
    float v = x[i] * 255.0f + 0.5f;
    dst[i] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
  }
}
