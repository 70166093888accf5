/* The integer heart of the engine's generator (xoshiro256** seeded through
 * splitmix64), shared by rng.c on the CPU and the CUDA augmentation kernels
 * (backend/cuda/kernels_data.cu), so a GPU run draws the very numbers the
 * CPU would for the same seed, stream and sample. Internal to the engine;
 * the public interface is dlab/rng.h. */
#ifndef DLAB_RNG_CORE_H
#define DLAB_RNG_CORE_H

#include <stdint.h>

#include "dlab/rng.h"

#ifdef __CUDACC__
#define DLAB_RNG_FN static __host__ __device__ __forceinline__
#else
#define DLAB_RNG_FN static inline
#endif

DLAB_RNG_FN uint64_t dlab_rng_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

DLAB_RNG_FN void dlab_rng_core_seed(DlabRng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = dlab_rng_splitmix64(&x);
}

/* An independent generator for (seed, stream). */
DLAB_RNG_FN void dlab_rng_core_derive(DlabRng *rng, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
  dlab_rng_core_seed(rng, dlab_rng_splitmix64(&x));
}

DLAB_RNG_FN uint64_t dlab_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

DLAB_RNG_FN uint64_t dlab_rng_core_u64(DlabRng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = dlab_rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = dlab_rng_rotl(s[3], 45);
  return result;
}

/* Uniform in [0, n): Lemire's multiply-shift on the top 32 bits; the bias
 * for n < 2^32 is far below float noise. */
DLAB_RNG_FN uint32_t dlab_rng_core_below(DlabRng *rng, uint32_t n) {
  return (uint32_t)(((uint64_t)(uint32_t)(dlab_rng_core_u64(rng) >> 32) * n) >> 32);
}

#endif
