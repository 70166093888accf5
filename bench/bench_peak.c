/* bench_peak: the FP32 peak this machine actually reaches, measured.
 *
 * bench/peak.sh used to work the peak out from lscpu, and a virtual
 * machine shows only its base clock (BogoMIPS / 2) while the cores run at
 * their boost clock: on the 2-core Zen 5 guest of 2026-12-07 that was
 * 2.10 GHz x 64 = 134 GFLOP/s a core, against 230 measured here. A share
 * of a peak the machine exceeds says nothing, so the benchmarks divide by
 * this measurement.
 *
 * Each thread runs 12 independent chains of fused multiply-adds on the
 * widest vectors the engine's kernels use (dlab_cpu_level: AVX-512, else
 * AVX2 + FMA; no figure without FMA). Twelve chains cover the FMA latency
 * (4 cycles) times the two FMA pipes with room to spare, and stay in
 * registers. The best of several repetitions is printed, once with one
 * thread and once with one thread per online processor, running together:
 *
 *   bench_peak [--seconds S]      (default 0.3 s per repetition)
 *
 * prints   isa=avx512 lanes=16 threads=2 core_gflops=230.1 all_gflops=459.8 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/clock.h"
#include "kernels/cpu/simd.h"

#if DLAB_X86
#include <immintrin.h>
#endif

#define CHAINS 12
#define REPS 5
#define MAX_THREADS 256

/* Each function runs `iterations` rounds of CHAINS multiply-adds and
 * returns a sum of the chains, which the caller prints so that no chain
 * is optimised away. */
#if DLAB_X86
__attribute__((target("avx512f"))) static float chains_avx512(long iterations) {
  __m512 acc[CHAINS];
  const __m512 scale = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
  for (long k = 0; k < iterations; k++)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], scale, add);
  __m512 sum = acc[0];
  for (int i = 1; i < CHAINS; i++) sum = _mm512_add_ps(sum, acc[i]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float chains_avx2(long iterations) {
  __m256 acc[CHAINS];
  const __m256 scale = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
  for (long k = 0; k < iterations; k++)
#pragma GCC unroll 12
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], scale, add);
  __m256 sum = acc[0];
  for (int i = 1; i < CHAINS; i++) sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}
#endif

static int lanes(void) {
#if DLAB_X86
  if (dlab_cpu_level() >= DLAB_CPU_AVX512) return 16;
  if (dlab_cpu_level() >= DLAB_CPU_AVX2) return 8;
#endif
  return 0;
}

static float run_chains(long iterations) {
#if DLAB_X86
  if (lanes() == 16) return chains_avx512(iterations);
  if (lanes() == 8) return chains_avx2(iterations);
#endif
  (void)iterations;
  return 0.0f;
}

typedef struct {
  long iterations;
  pthread_barrier_t *start;
  double seconds;
  float sink;
} Worker;

static void *worker_main(void *arg) {
  Worker *w = arg;
  pthread_barrier_wait(w->start);
  double t0 = dlab_now_seconds();
  w->sink = run_chains(w->iterations);
  w->seconds = dlab_now_seconds() - t0;
  return NULL;
}

/* GFLOP/s of `threads` threads running together (the slowest one's time,
 * so a thread that had to share its core shows). */
static double measure(int threads, long iterations, float *sink) {
  Worker workers[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)threads);
  for (int t = 0; t < threads; t++) {
    workers[t] = (Worker){.iterations = iterations, .start = &start};
    if (t > 0) pthread_create(&ids[t], NULL, worker_main, &workers[t]);
  }
  worker_main(&workers[0]);
  double slowest = workers[0].seconds;
  for (int t = 1; t < threads; t++) {
    pthread_join(ids[t], NULL);
    if (workers[t].seconds > slowest) slowest = workers[t].seconds;
  }
  pthread_barrier_destroy(&start);
  for (int t = 0; t < threads; t++) *sink += workers[t].sink;
  return (double)threads * (double)iterations * CHAINS * lanes() * 2.0 / slowest * 1e-9;
}

static double best_of(int threads, long iterations, float *sink) {
  double best = 0.0;
  for (int r = 0; r < REPS; r++) {
    double g = measure(threads, iterations, sink);
    if (g > best) best = g;
  }
  return best;
}

int main(int argc, char **argv) {
  double seconds = 0.3;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: bench_peak [--seconds S]\n");
      return 2;
    }
  }
  if (!(seconds > 0.0 && seconds <= 60.0)) {
    fprintf(stderr, "bench_peak: --seconds must be in (0, 60]\n");
    return 2;
  }
  if (lanes() == 0) {
    fprintf(stderr, "bench_peak: this processor has neither AVX2 with FMA nor AVX-512: no figure\n");
    return 1;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = online < 1 ? 1 : online > MAX_THREADS ? MAX_THREADS : (int)online;
  float sink = 0.0f;
  /* Size the repetitions from a short trial run. */
  long trial = 1000000;
  double trial_gflops = measure(1, trial, &sink);
  long iterations = (long)(seconds * trial_gflops * 1e9 / (CHAINS * lanes() * 2.0));
  if (iterations < trial) iterations = trial;
  double core = best_of(1, iterations, &sink);
  double all = best_of(threads, iterations, &sink);
  printf("isa=%s lanes=%d threads=%d core_gflops=%.1f all_gflops=%.1f sink=%g\n", lanes() == 16 ? "avx512" : "avx2",
         lanes(), threads, core, all, (double)sink);
  return 0;
}
