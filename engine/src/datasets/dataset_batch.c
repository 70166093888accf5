/* Turning uint8 samples into normalized float batches, and the statistics
 * that the normalization uses.
 *
 * The dataset stays uint8 in memory (a quarter of the float size); each
 * batch is normalized on the way out, (v/255 - mean) / std in vectors of
 * 16 or 8 pixels (dlab_cpu_normalize_bytes). A table of the 256 values,
 * looked up pixel by pixel, gives the same floats but stays scalar: an
 * epoch of MNIST in batches of 64 took 21 ms to gather that way, 6 ms
 * now (one Zen 5 core). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/threads.h"
#include "kernels/cpu/cpu_kernels.h"

/* A zero std (a constant channel) would divide by zero; leave the values
 * centred instead of turning them into inf. */
static float norm_scale(float std) { return std > 0.0f ? 1.0f / std : 1.0f; }

/* A shuffled batch reads its samples from all over the dataset (47 MB for
 * MNIST): each one a cache miss per line unless asked for ahead. */
#define PREFETCH_AHEAD 4

static void prefetch_sample(const uint8_t *p, size_t n) {
  for (size_t off = 0; off < n; off += 64) __builtin_prefetch(p + off, 0, 0);
}

static void normalize_sample(const DlabDataset *d, const uint8_t *src, float *dst, int c, size_t plane) {
  for (int ch = 0; ch < c; ch++)
    dlab_cpu_normalize_bytes(src + (size_t)ch * plane, plane, d->mean[ch], norm_scale(d->std[ch]),
                             dst + (size_t)ch * plane);
}

typedef struct {
  const DlabDataset *d;
  const uint32_t *idx;
  int count, slices;
  float *x;
  uint8_t *labels;
} GatherJob;

static void gather_slice(void *arg, size_t begin, size_t end) {
  const GatherJob *j = arg;
  const DlabDataset *d = j->d;
  const size_t plane = (size_t)d->h * (size_t)d->w, sample = plane * (size_t)d->c;
  const int c = d->c < DLAB_MAX_CHANNELS ? d->c : DLAB_MAX_CHANNELS;
  for (size_t s = begin; s < end; s++) {
    int i0, i1;
    dlab_slice_range(j->count, j->slices, (int)s, &i0, &i1);
    for (int i = i0; i < i1; i++) {
      size_t k = j->idx ? j->idx[i] : (size_t)i;
      if (j->idx && i + PREFETCH_AHEAD < i1) prefetch_sample(d->images + (size_t)j->idx[i + PREFETCH_AHEAD] * sample, sample);
      normalize_sample(d, d->images + k * sample, j->x + (size_t)i * sample, c, plane);
      if (j->labels) j->labels[i] = d->labels[k];
    }
  }
}

/* A slice per thread at most, and none under this many floats: the copy
 * is quick, and a thread's slice is then the samples whose activations
 * the same thread computes next (the pool hands each thread the same
 * share of every loop), already in its cache. */
#define GATHER_MIN_FLOATS 16384.0

void dlab_dataset_gather(const DlabDataset *d, const uint32_t *idx, int count, DlabTensor *x,
                         uint8_t *labels) {
  int shape[4] = {count, d->c, d->h, d->w};
  /* Only grows the buffer the first time a batch size is seen; the training
   * loop sizes x once, so this does not allocate per step. */
  if (dlab_tensor_resize(x, 4, shape) < 0) return;
  double floats = (double)d->c * d->h * d->w;
  GatherJob j = {.d = d, .idx = idx, .count = count, .x = x->data, .labels = labels};
  j.slices = dlab_parallel_slices(count, floats, GATHER_MIN_FLOATS, dlab_threads_get());
  dlab_parallel_for((size_t)j.slices, 1, gather_slice, &j);
}

/* Counts how often each byte value occurs, then takes the moments from the
 * histogram: exact (no float accumulation over tens of millions of pixels)
 * and a single pass over the data. */
void dlab_dataset_compute_stats(const DlabDataset *d, float *mean, float *std) {
  int c = d->c < DLAB_MAX_CHANNELS ? d->c : DLAB_MAX_CHANNELS;
  size_t plane = (size_t)d->h * (size_t)d->w;
  for (int ch = 0; ch < c; ch++) {
    uint64_t hist[256];
    memset(hist, 0, sizeof hist);
    for (int n = 0; n < d->n; n++) {
      const uint8_t *p = d->images + ((size_t)n * (size_t)d->c + (size_t)ch) * plane;
      for (size_t i = 0; i < plane; i++) hist[p[i]]++;
    }
    double total = 0, sum = 0, sum_sq = 0;
    for (int v = 0; v < 256; v++) {
      double x = v / 255.0;
      total += (double)hist[v];
      sum += (double)hist[v] * x;
      sum_sq += (double)hist[v] * x * x;
    }
    double m = total > 0 ? sum / total : 0.0;
    double var = total > 0 ? sum_sq / total - m * m : 0.0;
    mean[ch] = (float)m;
    std[ch] = (float)sqrt(var > 0 ? var : 0.0);
  }
}
