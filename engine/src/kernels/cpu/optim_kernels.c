/* The optimizers' per-element updates (see cpu_kernels.h), one pass over
 * each tensor with every branch taken outside the loop, so that the loops
 * vectorize. The arithmetic is torch.optim's, operation for operation:
 * vector lanes round exactly as the scalar code would. */
#include <math.h>

#include "kernels/cpu/cpu_kernels.h"
#include "simd.h"

DLAB_CLONES
void dlab_cpu_sgd_update(float *restrict w, const float *restrict grad, float *restrict buf, size_t n,
                         const DlabSgdStep *s) {
  const float wd = s->weight_decay, mu = s->momentum, keep = 1.0f - s->dampening, lr = s->lr;
  if (!buf) {
    for (size_t i = 0; i < n; i++) w[i] -= lr * (grad[i] + wd * w[i]);
  } else if (s->first) { /* the buffer starts as a copy of the first gradient */
    for (size_t i = 0; i < n; i++) {
      float g = grad[i] + wd * w[i];
      buf[i] = g;
      w[i] -= lr * (s->nesterov ? g + mu * g : g);
    }
  } else if (s->nesterov) {
    for (size_t i = 0; i < n; i++) {
      float g = grad[i] + wd * w[i];
      buf[i] = mu * buf[i] + keep * g;
      w[i] -= lr * (g + mu * buf[i]);
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      float g = grad[i] + wd * w[i];
      buf[i] = mu * buf[i] + keep * g;
      w[i] -= lr * buf[i];
    }
  }
}

/* One element of Adam, shared by the scalar loop and the vector tails. */
static inline void adam_one(float *w, const float *grad, float *m, float *v, const DlabAdamStep *s) {
  float p = *w * s->decay;
  float g = *grad + s->l2 * p;
  float mi = s->beta1 * *m + (1 - s->beta1) * g;
  float vi = s->beta2 * *v + (1 - s->beta2) * g * g;
  float denom = sqrtf(vi) / s->bias_correction2_sqrt + s->eps;
  *m = mi;
  *v = vi;
  *w = p - s->step_size * (mi / denom);
}

#if DLAB_X86
#include <immintrin.h>

/* GCC leaves a loop with sqrtf scalar (sqrtf may set errno), so the vector
 * versions are written out; each operation is the scalar one, in the same
 * order and unfused, so every lane rounds as adam_one does. */
#define ADAM_VECTOR(NAME, TARGET, V, W, LOAD, STORE, SET1, ADD, SUB, MUL, DIV, SQRT) \
  TARGET static size_t NAME(float *w, const float *grad, float *m, float *v, size_t n, const DlabAdamStep *s) { \
    const V b1 = SET1(s->beta1), b2 = SET1(s->beta2), one_b1 = SET1(1 - s->beta1), one_b2 = SET1(1 - s->beta2); \
    const V l2 = SET1(s->l2), decay = SET1(s->decay), eps = SET1(s->eps), step = SET1(s->step_size); \
    const V bc2 = SET1(s->bias_correction2_sqrt); \
    size_t i = 0; \
    for (; i + W <= n; i += W) { \
      V p = MUL(LOAD(w + i), decay); \
      V g = ADD(LOAD(grad + i), MUL(l2, p)); \
      V mi = ADD(MUL(b1, LOAD(m + i)), MUL(one_b1, g)); \
      V vi = ADD(MUL(b2, LOAD(v + i)), MUL(MUL(one_b2, g), g)); \
      V denom = ADD(DIV(SQRT(vi), bc2), eps); \
      STORE(m + i, mi); \
      STORE(v + i, vi); \
      STORE(w + i, SUB(p, MUL(step, DIV(mi, denom)))); \
    } \
    return i; \
  }

ADAM_VECTOR(adam_avx512, __attribute__((target("avx512f"))), __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps,
            _mm512_set1_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_div_ps, _mm512_sqrt_ps)
ADAM_VECTOR(adam_avx2, __attribute__((target("avx2"))), __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps,
            _mm256_set1_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_sqrt_ps)
#endif

void dlab_cpu_adam_update(float *restrict w, const float *restrict grad, float *restrict m, float *restrict v,
                          size_t n, const DlabAdamStep *s) {
  size_t i = 0;
#if DLAB_X86
  DlabCpuLevel level = dlab_cpu_level();
  if (level >= DLAB_CPU_AVX512)
    i = adam_avx512(w, grad, m, v, n, s);
  else if (level >= DLAB_CPU_AVX2)
    i = adam_avx2(w, grad, m, v, n, s);
#endif
  for (; i < n; i++) adam_one(w + i, grad + i, m + i, v + i, s);
}
