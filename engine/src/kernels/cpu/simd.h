/* Runtime dispatch for the CPU kernels (private to src/backend/cpu and the
 * layers). DLAB_CLONES compiles a plain C loop three times, for AVX-512
 * (x86-64-v4), AVX2+FMA (x86-64-v3) and the baseline, and lets the loader
 * pick the best one the processor has (GCC's target_clones, which asks
 * __builtin_cpu_supports once at start-up). Hand-written kernels use
 * dlab_cpu_level() and target attributes instead. */
#ifndef DLAB_CPU_SIMD_H
#define DLAB_CPU_SIMD_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DLAB_X86 1
/* The element-wise loops choose between two values (LeakyReLU, pooling's
 * winners); with trapping math GCC will not compute both sides of such a
 * choice, so the loops would stay scalar with a mispredicted branch per
 * element. No trap is ever enabled here, and the results are the same. */
#pragma GCC optimize("no-trapping-math")
#define DLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DLAB_X86 0
#define DLAB_CLONES
#endif

#include <stdint.h>

#include "kernels/cpu/cpu_kernels.h"

typedef enum { DLAB_CPU_GENERIC = 0, DLAB_CPU_AVX2 = 1, DLAB_CPU_AVX512 = 2 } DlabCpuLevel;

/* The widest kernels this processor runs: AVX-512 needs F, BW, VL and DQ;
 * AVX2 needs FMA too. The environment variable DLAB_CPU=generic|avx2|avx512
 * lowers it (for tests and comparisons; it never raises it). */
DlabCpuLevel dlab_cpu_level(void);

/* Whether OpenBLAS multiplies with its AVX-512 kernels (SkylakeX,
 * Cooperlake, SapphireRapids): it chooses once, when it loads, from the
 * processor or from OPENBLAS_CORETYPE. Layers choose between a GEMM and a
 * direct kernel with it. */
int dlab_cpu_blas_avx512(void);

/* The mask of lanes [first, last) of a 16-lane vector, each bound clamped
 * to 0..16: which lanes of a piece of a row a masked load or store may
 * touch (the AVX-512 kernels' shifted copies, im2col and col2im). */
static inline uint16_t dlab_lanes16(int first, int last) {
  first = first < 0 ? 0 : first > 16 ? 16 : first;
  last = last < 0 ? 0 : last > 16 ? 16 : last;
  return last > first ? (uint16_t)((0xffffu >> (16 - last)) & (0xffffu << first)) : 0;
}

#if DLAB_X86
/* 2x2 pooling of pooled row r of an h x w plane, and its adjoint (the
 * row's windows only), as dlab_cpu_maxpool_plane and
 * dlab_cpu_unpool2_plane do them (pool_avx2.c; needs AVX2). */
void dlab_maxpool2_row_avx2(const float *in, int w, int r, float *out, int32_t *arg);
void dlab_unpool2_row_avx2(const float *dy, const float *y, const int32_t *arg, int w, int r, DlabAct act,
                           float *dst);
#endif

#endif
