/* Helpers of the GPU tests: whether a GPU can be used, relative errors,
 * small in-memory datasets. */
#ifndef DLAB_GPU_TEST_H
#define DLAB_GPU_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/error.h"
#include "dlab/rng.h"
#include "test_util.h"

/* 1 when cuda:0 can be used; otherwise prints the TAP skip line with the
 * reason and returns 0 (the test then exits 77). */
static inline int gpu_or_skip(void) {
  DlabDeviceSpec cuda = {DLAB_DEVICE_CUDA, 0};
  if (!dlab_cuda_built()) {
    tap_skip_all("this dlab was built without CUDA");
    return 0;
  }
  if (dlab_device_check(cuda) < 0) {
    char why[600];
    snprintf(why, sizeof why, "no usable CUDA device: %s", dlab_error_message());
    tap_skip_all(why);
    return 0;
  }
  return 1;
}

/* max |a - b| / max |b|: how far a is from the reference b, relative to b's
 * scale (elementwise relative errors blow up where b is near zero). */
static inline double rel_error(const float *a, const float *b, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (d > diff || isnan(d)) diff = d;
    if (fabs((double)b[i]) > scale) scale = fabs((double)b[i]);
  }
  return scale > 0 ? diff / scale : diff;
}

/* A dataset of n random c x h x w images (each pixel drawn from a few
 * stroke-like levels so that crops and rotations have edges to move). */
static inline int make_random_dataset(DlabDataset *d, const char *name, int n, int c, int h, int w, uint64_t seed) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->n = n;
  d->c = c;
  d->h = h;
  d->w = w;
  d->num_classes = 10;
  d->images = malloc((size_t)n * c * h * w);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) return -1;
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < (size_t)n * c * h * w; i++) d->images[i] = (uint8_t)dlab_rng_below(&rng, 256);
  for (int i = 0; i < n; i++) d->labels[i] = (uint8_t)dlab_rng_below(&rng, 10);
  for (int ch = 0; ch < c; ch++) d->mean[ch] = 0.5f, d->std[ch] = 0.29f;
  snprintf(d->orientation, sizeof d->orientation, "normal");
  return 0;
}

#endif
