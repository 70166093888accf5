/* The engine's one random number generator (xoshiro256**, seeded through
 * splitmix64). Shuffling, initialization, augmentation and dropout all draw
 * from generators derived from the run's seed, so the same seed and thread
 * count give the same numbers. */
#ifndef DLAB_RNG_H
#define DLAB_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} DlabRng;

void dlab_rng_seed(DlabRng *rng, uint64_t seed);

/* An independent generator for sub-stream `stream` of `seed` (e.g. one per
 * dropout layer), so adding a consumer does not shift the others' numbers. */
void dlab_rng_derive(DlabRng *rng, uint64_t seed, uint64_t stream);

uint64_t dlab_rng_u64(DlabRng *rng);
uint32_t dlab_rng_u32(DlabRng *rng);
/* Uniform in [0, n). */
uint32_t dlab_rng_below(DlabRng *rng, uint32_t n);
/* Uniform float in [0, 1). */
float dlab_rng_uniform(DlabRng *rng);
/* Uniform float in [lo, hi). */
float dlab_rng_range(DlabRng *rng, float lo, float hi);
/* Standard normal (Box-Muller). */
float dlab_rng_normal(DlabRng *rng);
/* Fisher-Yates shuffle of idx[0..n). */
void dlab_rng_shuffle(DlabRng *rng, uint32_t *idx, uint32_t n);

#endif
