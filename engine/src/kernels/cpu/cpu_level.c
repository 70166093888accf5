/* Which hand-written kernels the processor can run (see simd.h). */
#include <stdlib.h>
#include <string.h>

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
