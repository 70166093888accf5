/* Which kernels the processor runs: the hand-written ones (see simd.h) and
 * OpenBLAS's. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "simd.h"

static DlabCpuLevel detect(void) {
#if DLAB_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return DLAB_CPU_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return DLAB_CPU_AVX2;
#endif
  return DLAB_CPU_GENERIC;
}

/* The level asked for by DLAB_CPU, or -1. */
static int requested(void) {
  const char *v = getenv("DLAB_CPU");
  if (!v) return -1;
  if (strcmp(v, "generic") == 0) return DLAB_CPU_GENERIC;
  if (strcmp(v, "avx2") == 0) return DLAB_CPU_AVX2;
  if (strcmp(v, "avx512") == 0) return DLAB_CPU_AVX512;
  return -1;
}

DlabCpuLevel dlab_cpu_level(void) {
  static int level = -1; /* detected once; a benign race writes the same value */
  if (level < 0) {
    int found = detect(), want = requested();
    level = want >= 0 && want < found ? want : found;
  }
  return (DlabCpuLevel)level;
}

static int blas_avx512(void) {
  /* OpenBLAS names the kernels it chose when it loaded (from the processor,
   * or from OPENBLAS_CORETYPE); these are its AVX-512 ones. */
  static const char *const wide[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
  const char *name = openblas_get_corename();
  for (size_t i = 0; name && i < sizeof wide / sizeof wide[0]; i++)
    if (strcasecmp(name, wide[i]) == 0) return 1;
  return 0;
}

int dlab_cpu_blas_avx512(void) {
  static int wide = -1; /* asked once (linear layers ask every step); a benign race writes the same value */
  if (wide < 0) wide = blas_avx512();
  return wide;
}
