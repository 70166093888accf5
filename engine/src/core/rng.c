#include "dlab/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void dlab_rng_seed(DlabRng *rng, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

void dlab_rng_derive(DlabRng *rng, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
  dlab_rng_seed(rng, splitmix64(&x));
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t dlab_rng_u64(DlabRng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

uint32_t dlab_rng_u32(DlabRng *rng) { return (uint32_t)(dlab_rng_u64(rng) >> 32); }

uint32_t dlab_rng_below(DlabRng *rng, uint32_t n) {
  /* Lemire's multiply-shift; the bias for n < 2^32 is far below float noise. */
  return (uint32_t)(((uint64_t)dlab_rng_u32(rng) * n) >> 32);
}

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
