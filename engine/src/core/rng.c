#include "dlab/rng.h"

#include <math.h>

#include "rng_core.h"

void dlab_rng_seed(DlabRng *rng, uint64_t seed) { dlab_rng_core_seed(rng, seed); }

void dlab_rng_derive(DlabRng *rng, uint64_t seed, uint64_t stream) { dlab_rng_core_derive(rng, seed, stream); }

uint64_t dlab_rng_u64(DlabRng *rng) { return dlab_rng_core_u64(rng); }

uint32_t dlab_rng_u32(DlabRng *rng) { return (uint32_t)(dlab_rng_u64(rng) >> 32); }

uint32_t dlab_rng_below(DlabRng *rng, uint32_t n) { return dlab_rng_core_below(rng, n); }

float dlab_rng_uniform(DlabRng *rng) { return (float)(dlab_rng_u64(rng) >> 40) * (1.0f / 16777216.0f); }

float dlab_rng_range(DlabRng *rng, float lo, float hi) { return lo + (hi - lo) * dlab_rng_uniform(rng); }

float dlab_rng_normal(DlabRng *rng) {
  double u1 = ((double)(dlab_rng_u64(rng) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
  double u2 = (double)(dlab_rng_u64(rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void dlab_rng_shuffle(DlabRng *rng, uint32_t *idx, uint32_t n) {
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = dlab_rng_below(rng, i);
    uint32_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}
