/* bench_cores: what a pass over memory costs one core when the other core
 * wrote the memory last.
 *
 * A training step cut between threads hands data from core to core at
 * every layer, and the optimizer then writes what the layers read. How
 * much that costs is a property of the machine, and on the 2-vCPU Zen 5
 * guest of sessions 8-14 it decides how far a two-thread step can get
 * (issue 15). Two measurements, with the two threads pinned to CPUs 0
 * and 1:
 *
 *  - bandwidth: each thread reads and writes a buffer of its own (BYTES
 *    per thread, about the optimizer's share of mlp), one thread alone,
 *    then two together: how the memory the cores use scales with them;
 *  - sgd: the engine's SGD-with-momentum update (dlab_cpu_sgd_update) of
 *    mlp's 266,610 parameters (weights, gradients, momentum), after a pass
 *    that writes all three arrays, as the step's backward and previous
 *    update do: one thread over all of them; two threads over halves that
 *    each wrote last itself ("own"); two threads over halves that the
 *    other core wrote last ("other").
 *
 *   bench_cores [--reps N]      (default 2000)
 *
 * prints key=value lines: medians over the repetitions, in GB/s and us. */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/clock.h"
#include "kernels/cpu/cpu_kernels.h"
#include "bench_sort.h"

#define MLP_PARAMS 266610
#define BYTES (2u << 20)

typedef void (*Task)(int half);

/* The second thread: runs `task` on `half` each time `go` moves. */
static struct {
  alignas(64) atomic_int go;
  alignas(64) atomic_int done;
  alignas(64) Task task;
  int half;
} helper;

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static int pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *helper_main(void *arg) {
  (void)arg;
  pin(1);
  for (int seen = 0;;) {
    int go;
    while ((go = atomic_load(&helper.go)) == seen) relax();
    if (go < 0) return NULL;
    seen = go;
    helper.task(helper.half);
    atomic_store(&helper.done, go);
  }
}

static void helper_start(Task task, int half) {
  helper.task = task;
  helper.half = half;
  atomic_fetch_add(&helper.go, 1);
}

static void helper_wait(void) {
  while (atomic_load(&helper.done) != atomic_load(&helper.go)) relax();
}

/* ---- the passes ---- */

static float *stream[2];            /* bandwidth: one buffer per thread */
static float *w, *grad, *momentum;  /* sgd: mlp's parameters */

static void stream_pass(int t) {
  float *x = stream[t];
  for (size_t i = 0; i < BYTES / sizeof(float); i++) x[i] = x[i] * 0.999f + 1e-3f;
}

static void half_range(int half, size_t *begin, size_t *end) {
  *begin = half == 0 ? 0 : MLP_PARAMS / 2;
  *end = half == 0 ? MLP_PARAMS / 2 : MLP_PARAMS;
}

/* What the backward pass and the previous update leave: all three arrays
 * written (values kept small and finite). */
static void write_half(int half) {
  size_t b, e;
  half_range(half, &b, &e);
  for (size_t i = b; i < e; i++) {
    grad[i] = grad[i] * 0.5f + 1e-4f;
    w[i] = w[i] * 0.999f;
    momentum[i] = momentum[i] * 0.5f;
  }
}

static void update_half(int half) {
  size_t b, e;
  half_range(half, &b, &e);
  DlabSgdStep s = {.lr = 0.01f, .momentum = 0.9f};
  dlab_cpu_sgd_update(w + b, grad + b, momentum + b, e - b, &s);
}

/* ---- timing ---- */

static double median(double *v, int n) {
  bench_sort_doubles(v, (size_t)n);
  return v[n / 2];
}

/* Seconds of one bandwidth pass on `threads` threads together. */
static double time_stream(int threads) {
  double t0 = dlab_now_seconds();
  if (threads == 2) helper_start(stream_pass, 1);
  stream_pass(0);
  if (threads == 2) helper_wait();
  return dlab_now_seconds() - t0;
}

enum { SGD_ONE, SGD_OWN, SGD_OTHER };

/* Seconds of one update after the write pass, laid out as `mode` says. */
static double time_sgd(int mode) {
  if (mode == SGD_ONE) {
    write_half(0), write_half(1);
    double t0 = dlab_now_seconds();
    update_half(0), update_half(1);
    return dlab_now_seconds() - t0;
  }
  /* this thread (CPU 0) updates half 0; it or the other core wrote it */
  const int mine = mode == SGD_OWN ? 0 : 1;
  helper_start(write_half, 1 - mine);
  write_half(mine);
  helper_wait();
  double t0 = dlab_now_seconds();
  helper_start(update_half, 1);
  update_half(0);
  helper_wait();
  return dlab_now_seconds() - t0;
}

int main(int argc, char **argv) {
  int reps = 2000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = atoi(argv[++i]);
    } else {
      fprintf(stderr, "usage: bench_cores [--reps N]\n");
      return 2;
    }
  }
  if (reps < 1 || reps > 1000000) {
    fprintf(stderr, "bench_cores: --reps must be in 1..1000000\n");
    return 2;
  }
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || pin(0) != 0) {
    fprintf(stderr, "bench_cores: needs CPUs 0 and 1\n");
    return 1;
  }
  double *t = malloc((size_t)reps * sizeof *t);
  stream[0] = aligned_alloc(64, BYTES), stream[1] = aligned_alloc(64, BYTES);
  const size_t params = (MLP_PARAMS * sizeof(float) + 63) / 64 * 64;
  w = aligned_alloc(64, params), grad = aligned_alloc(64, params), momentum = aligned_alloc(64, params);
  if (!t || !stream[0] || !stream[1] || !w || !grad || !momentum) {
    fprintf(stderr, "bench_cores: out of memory\n");
    return 1;
  }
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < BYTES / sizeof(float); i++) stream[k][i] = 1.0f;
  for (size_t i = 0; i < MLP_PARAMS; i++) w[i] = 0.01f, grad[i] = 1e-3f, momentum[i] = 0.0f;
  pthread_t other;
  if (pthread_create(&other, NULL, helper_main, NULL) != 0) {
    fprintf(stderr, "bench_cores: cannot start a thread\n");
    return 1;
  }

  const double moved = 2.0 * BYTES; /* read and written */
  for (int threads = 1; threads <= 2; threads++) {
    for (int r = 0; r < reps; r++) t[r] = time_stream(threads);
    printf("bandwidth threads=%d mb_per_thread=%.1f gb_s=%.1f\n", threads, BYTES / 1048576.0,
           threads * moved / median(t, reps) * 1e-9);
  }
  static const char *const names[] = {"one", "own", "other"};
  for (int mode = SGD_ONE; mode <= SGD_OTHER; mode++) {
    for (int r = 0; r < reps; r++) t[r] = time_sgd(mode);
    printf("sgd params=%d threads=%d halves=%s us=%.2f\n", MLP_PARAMS, mode == SGD_ONE ? 1 : 2, names[mode],
           median(t, reps) * 1e6);
  }

  atomic_store(&helper.go, -1);
  pthread_join(other, NULL);
  free(t);
  free(stream[0]), free(stream[1]), free(w), free(grad), free(momentum);
  return 0;
}
