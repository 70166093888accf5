/* The engine's thread pool (threads.h): every item of a loop runs exactly
 * once whatever the thread count, up to the largest pool; and the thread
 * count may change on one thread (the application's training job calls
 * dlab_threads_set) while another runs loops and reads it (the Draw page's
 * reading of a drawing). The second case is also built with ThreadSanitizer
 * (test_threads_tsan, see meson.build), which reports any unguarded access
 * to the pool's settings. The idle task: run by the workers between loops,
 * one at a time, and never again once cleared. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "dlab/error.h"
#include "dlab/threads.h"
#include "test_util.h"

#define ITEMS 4096

static atomic_int hits[ITEMS];

static void count_range(void *arg, size_t begin, size_t end) {
  (void)arg;
  for (size_t i = begin; i < end; i++) atomic_fetch_add(&hits[i], 1);
}

/* Runs one loop over n items and checks that each ran once. */
static int each_once(size_t n, size_t grain) {
  for (size_t i = 0; i < n; i++) atomic_store(&hits[i], 0);
  dlab_parallel_for(n, grain, count_range, NULL);
  for (size_t i = 0; i < n; i++)
    if (atomic_load(&hits[i]) != 1) return 0;
  return 1;
}

static void test_counts(void) {
  static const int counts[] = {1, 2, 3, 8};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    int ok = dlab_threads_set(counts[k]) == 0 && dlab_threads_get() == counts[k];
    for (int rep = 0; ok && rep < 50; rep++) ok = each_once(ITEMS, 1) && each_once(10, 3) && each_once(1, 1);
    tap_ok(ok, "%d thread(s): every item runs once", counts[k]);
  }
  tap_ok(dlab_threads_set(257) < 0 && strstr(dlab_error_message(), "at most 256"), "257 threads are refused: %s",
         dlab_error_message());
}

/* The most threads: a loop then has up to 4 chunks per thread, far more
 * chunks than there are workers to hand them to. */
static void test_largest_pool(void) {
  int ok = dlab_threads_set(256) == 0;
  for (int rep = 0; ok && rep < 20; rep++) ok = each_once(ITEMS, 1);
  tap_ok(ok, "256 threads, 1024 chunks: every item runs once");
  dlab_threads_shutdown();
}

/* The distinct threads that ran a loop's chunks. */
static pthread_t runners[8];
static atomic_int n_runners;
static pthread_mutex_t runners_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_runner(void *arg, size_t begin, size_t end) {
  (void)arg, (void)begin, (void)end;
  pthread_mutex_lock(&runners_lock);
  int known = 0;
  for (int i = 0; i < atomic_load(&n_runners); i++) known |= pthread_equal(runners[i], pthread_self());
  if (!known && atomic_load(&n_runners) < 8) runners[atomic_fetch_add(&n_runners, 1)] = pthread_self();
  pthread_mutex_unlock(&runners_lock);
  /* long enough for every woken worker to claim a chunk */
  struct timespec pause = {0, 200000};
  nanosleep(&pause, NULL);
}

/* After a larger count, the workers above the new one stay out of loops
 * (the pool keeps them started): a loop runs on at most that many threads. */
static void test_fewer_threads(void) {
  static const int counts[] = {4, 2, 1};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    int most = 0;
    if (dlab_threads_set(counts[k]) < 0) break;
    for (int rep = 0; rep < 20; rep++) {
      atomic_store(&n_runners, 0);
      dlab_parallel_for(64, 1, note_runner, NULL);
      if (atomic_load(&n_runners) > most) most = atomic_load(&n_runners);
    }
    tap_ok(most >= 1 && most <= counts[k], "after %d threads, set to %d: loops ran on at most %d (%d)",
           k ? counts[k - 1] : 0, counts[k], counts[k], most);
  }
}

typedef struct {
  atomic_int stop;
  int sets_failed;
} Setter;

/* What the training job does at the start of every run. */
static void *set_counts(void *p) {
  Setter *s = p;
  for (int i = 0; !atomic_load(&s->stop); i++)
    if (dlab_threads_set(1 + i % 4) < 0) s->sets_failed++;
  return NULL;
}

/* Another thread changes the thread count while this one runs loops and
 * reads it, as the layers do. */
static void test_set_while_running(void) {
  Setter s = {.stop = 0};
  pthread_t t;
  if (pthread_create(&t, NULL, set_counts, &s) != 0) {
    tap_ok(0, "cannot start a thread");
    return;
  }
  int ok = 1, counts_ok = 1;
  for (int rep = 0; rep < 2000; rep++) {
    int n = dlab_threads_get();
    if (n < 1 || n > 4) counts_ok = 0;
    int slices = dlab_parallel_slices(1000, 1e6, 1.0, 64);
    if (slices < 1 || slices > 4 * DLAB_CHUNKS_PER_THREAD) counts_ok = 0;
    if (!each_once(64 + (size_t)rep % 300, 1)) ok = 0;
  }
  atomic_store(&s.stop, 1);
  pthread_join(t, NULL);
  tap_ok(ok && s.sets_failed == 0, "loops give every item once while the thread count changes");
  tap_ok(counts_ok, "the thread count and slice counts read meanwhile stay in range");
}

typedef struct {
  atomic_int pieces;    /* pieces done */
  atomic_int caller_pieces; /* by worker 0, the thread whose loop runs */
  atomic_int second_begun;  /* slow_second_chunk */
  atomic_int inside;    /* workers inside the task now */
  atomic_int bad_worker;
} IdleWork;

static int idle_piece(void *arg, int worker) {
  IdleWork *w = arg;
  atomic_fetch_add(&w->inside, 1);
  if (worker < 0 || worker >= dlab_threads_get()) atomic_store(&w->bad_worker, 1);
  if (worker == 0) atomic_fetch_add(&w->caller_pieces, 1);
  atomic_fetch_add(&w->pieces, 1);
  atomic_fetch_sub(&w->inside, 1);
  return 1;
}

/* A loop of two chunks: the second (the worker's share) lasts until the
 * thread that runs the loop has done a piece of the idle task while it
 * waited for it (or 5 s), and the first (that thread's own share) until
 * the second has begun, so that the worker, and not that thread, runs it
 * (or 5 s: a worker the system does not schedule). */
static void slow_second_chunk(void *arg, size_t begin, size_t end) {
  IdleWork *w = arg;
  (void)end;
  if (begin == 0)
    for (int i = 0; i < 10000 && !atomic_load(&w->second_begun); i++) nanosleep(&(struct timespec){0, 500000}, NULL);
  else {
    atomic_store(&w->second_begun, 1);
    for (int i = 0; i < 10000 && atomic_load(&w->caller_pieces) == 0; i++)
      nanosleep(&(struct timespec){0, 500000}, NULL);
  }
}

static int other_piece(void *arg, int worker) {
  (void)arg, (void)worker;
  return 0;
}

static void test_idle_task(void) {
  IdleWork w = {0};
  dlab_threads_set(2);
  each_once(ITEMS, 1); /* the worker now waits for the next loop */
  tap_ok(dlab_threads_set_idle_task(idle_piece, &w) == 0, "an idle task is set");
  tap_ok(dlab_threads_set_idle_task(other_piece, NULL) < 0, "a second one is refused while it is set");
  int ok = 1;
  for (int i = 0; i < 200 && ok; i++) ok = each_once(ITEMS, 1); /* loops go on around it */
  /* A worker runs the task while it watches for the next loop; on a busy
   * machine (the test suite runs two tests at once on two cores) the system
   * may not schedule it for a while: loops and 1 ms pauses until it has,
   * for up to 5 s. */
  for (int i = 0; i < 5000 && ok && atomic_load(&w.pieces) == 0; i++) {
    ok = each_once(ITEMS, 1);
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  }
  tap_ok(ok, "loops give every item once while the workers run the idle task between them");
  tap_ok(atomic_load(&w.pieces) > 0 && !atomic_load(&w.bad_worker), "the workers ran it (%d pieces), as workers 0..n-1",
         atomic_load(&w.pieces));
  dlab_parallel_for(2, 1, slow_second_chunk, &w);
  tap_ok(atomic_load(&w.caller_pieces) > 0, "the thread whose loop runs does it too while it waits for a worker's chunk");
  dlab_threads_clear_idle_task(other_piece); /* not the task set: nothing happens */
  tap_ok(dlab_threads_set_idle_task(other_piece, NULL) < 0, "clearing another task leaves it set");
  dlab_threads_clear_idle_task(idle_piece);
  int inside = atomic_load(&w.inside), before = atomic_load(&w.pieces);
  for (int i = 0; i < 100; i++) each_once(ITEMS, 1);
  tap_ok(inside == 0 && atomic_load(&w.pieces) == before, "once cleared, no worker is inside it or enters it again");
  tap_ok(dlab_threads_set_idle_task(other_piece, NULL) == 0, "then another may be set");
  dlab_threads_clear_idle_task(other_piece);
}

/* dlab_slice_range_aligned: the slices tile [0, n) in order, and every
 * boundary but n is a multiple of align. */
static void test_aligned_slices(void) {
  const int ns[] = {0, 1, 15, 16, 17, 100, 300, 784, 1000}, aligns[] = {1, 16}, counts[] = {1, 2, 3, 7, 64};
  int ok = 1;
  for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
    for (size_t b = 0; b < sizeof aligns / sizeof *aligns; b++)
      for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int at = 0;
        for (int s = 0; s < counts[c]; s++) {
          int begin, end;
          dlab_slice_range_aligned(ns[a], counts[c], s, aligns[b], &begin, &end);
          ok &= begin == at && end >= begin && end <= ns[a] && (end == ns[a] || end % aligns[b] == 0);
          at = end;
        }
        ok &= at == ns[a];
      }
  int b0, e0, b1, e1;
  dlab_slice_range_aligned(300, 2, 0, 16, &b0, &e0);
  dlab_slice_range_aligned(300, 2, 1, 16, &b1, &e1);
  tap_ok(ok && b0 == 0 && e0 == 160 && b1 == 160 && e1 == 300,
         "aligned slices tile [0, n) at multiples of the alignment (300 in two: [0, %d) [%d, %d))", e0, b1, e1);
}

int main(void) {
  test_aligned_slices();
  test_fewer_threads();
  test_counts();
  test_idle_task();
  test_largest_pool();
  test_set_while_running();
  dlab_threads_shutdown();
  return tap_done();
}
