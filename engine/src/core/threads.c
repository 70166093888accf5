/* A persistent pool; the calling thread works on its loops too.
 *
 * A training step runs dozens of parallel loops of tens of microseconds
 * each, and waking a sleeping thread costs about as much (more in a virtual
 * machine, where the idle core has to be woken too). So a worker that has
 * finished a loop first watches for the next one for a short while
 * (SPIN_SECONDS) and only then sleeps on the condition variable; the caller
 * likewise watches for its loop's end for as long, then sleeps until the
 * last chunk is done. Sleeping matters where other programs keep the cores
 * busy: a worker that the system has descheduled in the middle of a chunk
 * may take milliseconds to come back, and a caller spinning all that time
 * would spend this process's share of the processor on nothing. */
#include "dlab/clock.h"
#include "dlab/threads.h"

#include <cblas.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "dlab/error.h"

#include "core/i18n.h"

#define DLAB_MAX_THREADS 256
/* How long an idle worker watches for the next loop before sleeping. */
#define SPIN_SECONDS 200e-6

typedef struct {
  pthread_mutex_t lock;  /* guards sleeping */
  pthread_cond_t wake;
  pthread_t workers[DLAB_MAX_THREADS];
  /* Read at any time by the layers (dlab_threads_get) on any thread, while
   * another may call dlab_threads_set (the GUI's training job, beside the
   * Draw page's reading): atomic. A loop reads it once. */
  atomic_int n_threads;  /* including the caller */
  int n_workers;         /* started; changed only under pool_owner */
  /* ticket[i] is bumped to hand worker i a chunk (or to make it quit);
   * workers that a loop does not use are left alone, so no worker ever
   * reads the fields of a loop it is not part of. */
  atomic_ulong ticket[DLAB_MAX_THREADS];
  atomic_int pending;    /* chunks of the current loop not yet finished */
  /* The current loop: its number (bits 32..63), its chunk count (16..31)
   * and how many threads take part (0..15: the caller and workers 1 ..
   * takers-1). Read by a worker before it claims anything, so that one
   * that wakes late never works on another loop's chunks. */
  atomic_ullong loop;
  atomic_int sleepers;   /* workers in (or entering) pthread_cond_wait */
  pthread_cond_t done;   /* the caller sleeps on it for the loop's end */
  atomic_int caller_waits;
  atomic_int quit;
  /* the current loop, written before the tickets are bumped */
  DlabRangeFn fn;
  void *arg;
  size_t n, chunk;
} DlabPool;

/* Held by the thread whose loop the pool runs. The GUI calls the engine
 * from more than one thread (training on a worker, a drawing read on the
 * main thread); a loop that finds the pool busy runs on its caller alone,
 * which gives the same numbers (every loop's items are independent). */
static pthread_mutex_t pool_owner = PTHREAD_MUTEX_INITIALIZER;

/* Chunks are claimed, not assigned: a descheduled worker's chunk is taken
 * by whoever is free (a chunk's work does not depend on the thread). But
 * each thread first claims its own share, the same share of every loop,
 * so that the samples whose activations a thread wrote in one layer are
 * the ones it reads in the next, from its own core's cache (lenet at 2
 * threads: 5% faster than chunks taken in turn). Chunk i of loop L is
 * free while its state is 2L and taken at 2L + 1; one cache line each, as
 * two cores claim side by side. */
typedef struct {
  alignas(64) atomic_uint state;
} ChunkState;
static ChunkState chunk_state[DLAB_MAX_THREADS * DLAB_CHUNKS_PER_THREAD];

static DlabPool pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .n_threads = 1,
};

/* The idle task (dlab_threads_set_idle_task): arg is written before fn and
 * fn cleared before the clearing thread waits for idle_users to reach 0,
 * so a worker that finds fn set also finds its arg, and none is left
 * inside fn when dlab_threads_clear_idle_task returns. */
static _Atomic(DlabIdleFn) idle_fn;
static _Atomic(void *) idle_arg;
static atomic_int idle_users;
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER; /* setting and clearing */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void run_chunk(int i) {
  size_t begin = (size_t)i * pool.chunk;
  size_t end = begin + pool.chunk < pool.n ? begin + pool.chunk : pool.n;
  if (begin < end) pool.fn(pool.arg, begin, end);
}

/* One piece of the idle task, if one is set; nonzero if it did work. */
static int run_idle_task(int id) {
  /* Workers above the thread count (started for an earlier, larger one)
   * take no part in loops; nor do they take a core for this. */
  if (!atomic_load(&idle_fn) || id >= atomic_load(&pool.n_threads)) return 0;
  atomic_fetch_add(&idle_users, 1);
  DlabIdleFn fn = atomic_load(&idle_fn);
  int did = fn ? fn(atomic_load(&idle_arg), id) : 0;
  atomic_fetch_sub(&idle_users, 1);
  return did;
}

int dlab_threads_set_idle_task(DlabIdleFn fn, void *arg) {
  pthread_mutex_lock(&idle_lock);
  int busy = atomic_load(&idle_fn) != NULL;
  if (!busy) {
    atomic_store(&idle_arg, arg);
    atomic_store(&idle_fn, fn);
  }
  pthread_mutex_unlock(&idle_lock);
  return busy ? -1 : 0;
}

void dlab_threads_clear_idle_task(DlabIdleFn fn) {
  /* Held until no worker is inside: a task set meanwhile could otherwise
   * have its arg read beside the old fn. */
  pthread_mutex_lock(&idle_lock);
  if (atomic_load(&idle_fn) == fn) {
    atomic_store(&idle_fn, NULL);
    while (atomic_load(&idle_users) > 0) cpu_relax();
  }
  pthread_mutex_unlock(&idle_lock);
}

/* Waits until worker id's ticket differs from `seen`: watching for a
 * while (doing the idle task's work meanwhile, if there is any), then
 * asleep. Returns the new ticket. */
static unsigned long wait_for_ticket(int id, unsigned long seen) {
  atomic_ulong *ticket = &pool.ticket[id];
  double deadline = 0;
  for (unsigned spins = 0;; spins++) {
    unsigned long t = atomic_load(ticket);
    if (t != seen) return t;
    if (run_idle_task(id)) {
      deadline = 0; /* there was work: watch for the next loop as long again */
      continue;
    }
    cpu_relax();
    if ((spins & 255) != 255) continue;
    double now = dlab_now_seconds();
    if (deadline == 0) deadline = now + SPIN_SECONDS;
    if (now < deadline) continue;
    /* Sleep. sleepers is raised before the ticket is read again, and the
     * caller bumps tickets before it reads sleepers: one of the two sees
     * the other, so a wake-up cannot be lost. */
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add(&pool.sleepers, 1);
    while ((t = atomic_load(ticket)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.lock);
    return t;
  }
}

/* The last chunk wakes a sleeping caller. caller_waits is raised before
 * the caller reads pending again, and pending is lowered here before
 * caller_waits is read: one side sees the other. */
static void finish_chunk(void) {
  if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.caller_waits)) {
    pthread_mutex_lock(&pool.lock);
    pthread_cond_broadcast(&pool.done);
    pthread_mutex_unlock(&pool.lock);
  }
}

/* Runs chunk i of loop `loop` if nobody has claimed it. */
static void try_chunk(unsigned loop, int i) {
  unsigned free_state = loop * 2u;
  if (atomic_load_explicit(&chunk_state[i].state, memory_order_relaxed) != free_state) return;
  if (!atomic_compare_exchange_strong(&chunk_state[i].state, &free_state, loop * 2u + 1u)) return;
  run_chunk(i);
  finish_chunk();
}

/* Thread `id`'s share of a loop's chunks: [*lo, *hi). */
static void share(int id, int chunks, int takers, int *lo, int *hi) {
  *lo = id * chunks / takers;
  *hi = (id + 1) * chunks / takers;
}

/* Runs this thread's share of the current loop's chunks, then whatever is
 * left of the others' shares, from the end of each. */
static void run_chunks(int id) {
  unsigned long long word = atomic_load(&pool.loop);
  unsigned loop = (unsigned)(word >> 32);
  int chunks = (int)(word >> 16 & 0xffffu), takers = (int)(word & 0xffffu), lo, hi;
  if (id >= takers) return;
  share(id, chunks, takers, &lo, &hi);
  for (int i = lo; i < hi; i++) try_chunk(loop, i);
  for (int k = 1; k < takers; k++) {
    share((id + k) % takers, chunks, takers, &lo, &hi);
    for (int i = hi - 1; i >= lo; i--) try_chunk(loop, i);
  }
}

static void *worker_main(void *p) {
  int id = (int)(intptr_t)p; /* 1 .. n_workers */
  unsigned long seen = 0;    /* tickets start at 0 */
  for (;;) {
    seen = wait_for_ticket(id, seen);
    if (atomic_load(&pool.quit)) break;
    run_chunks(id);
  }
  return NULL;
}

/* Wakes workers 1 .. workers for a loop. */
static void start_loop(int workers) {
  for (int i = 1; i <= workers; i++) atomic_fetch_add(&pool.ticket[i], 1);
  if (atomic_load(&pool.sleepers) > 0) {
    pthread_mutex_lock(&pool.lock);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
  }
}

/* What is left runs on the workers and usually takes about as long as a
 * chunk: watch for SPIN_SECONDS (doing the idle task's work meanwhile, as
 * worker 0), then sleep until the last chunk ends. */
static void wait_for_loop_end(void) {
  double deadline = 0;
  for (unsigned spins = 1; atomic_load(&pool.pending) > 0; spins++) {
    if (run_idle_task(0)) {
      deadline = 0;
      continue;
    }
    cpu_relax();
    if ((spins & 255) != 0) continue;
    double now = dlab_now_seconds();
    if (deadline == 0) deadline = now + SPIN_SECONDS;
    if (now < deadline) continue;
    pthread_mutex_lock(&pool.lock);
    atomic_store(&pool.caller_waits, 1);
    while (atomic_load(&pool.pending) > 0) pthread_cond_wait(&pool.done, &pool.lock);
    atomic_store(&pool.caller_waits, 0);
    pthread_mutex_unlock(&pool.lock);
    return;
  }
}

int dlab_threads_set(int n) {
  if (n <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = cores > 0 ? (int)cores : 1;
  }
  if (n > DLAB_MAX_THREADS) return dlab_error(_("--threads %d: at most %d threads"), n, DLAB_MAX_THREADS);
  /* Waits for a loop of another thread to end: a loop's workers stay as
   * they were when it started. */
  pthread_mutex_lock(&pool_owner);
  while (pool.n_workers < n - 1) {
    int id = pool.n_workers + 1;
    if (pthread_create(&pool.workers[pool.n_workers], NULL, worker_main, (void *)(intptr_t)id) != 0) {
      pthread_mutex_unlock(&pool_owner);
      return dlab_error(_("cannot start thread %d"), id);
    }
    pool.n_workers++;
  }
  atomic_store(&pool.n_threads, n);
  pthread_mutex_unlock(&pool_owner);
  /* OpenBLAS's own threads spin for a while after each call; running them
   * beside this pool would put two busy threads on each core. */
  openblas_set_num_threads(1);
  return 0;
}

int dlab_threads_get(void) { return atomic_load(&pool.n_threads); }

void dlab_parallel_for(size_t n, size_t grain, DlabRangeFn fn, void *arg) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  const int threads = dlab_threads_get(); /* read once: another thread may change it */
  size_t chunks = (n + grain - 1) / grain, most = (size_t)threads * DLAB_CHUNKS_PER_THREAD;
  if (chunks > most) chunks = most;
  if (chunks <= 1 || threads <= 1 || pthread_mutex_trylock(&pool_owner) != 0) {
    fn(arg, 0, n);
    return;
  }
  pool.fn = fn;
  pool.arg = arg;
  pool.n = n;
  pool.chunk = (n + chunks - 1) / chunks;
  atomic_store(&pool.pending, (int)chunks);
  /* the workers above the thread count (started for an earlier, larger
   * one) take no part */
  int workers = threads - 1;
  if (workers > pool.n_workers) workers = pool.n_workers;
  if (workers > (int)chunks - 1) workers = (int)chunks - 1;
  unsigned loop = (unsigned)(atomic_load(&pool.loop) >> 32) + 1u;
  for (size_t i = 0; i < chunks; i++) atomic_store_explicit(&chunk_state[i].state, loop * 2u, memory_order_relaxed);
  atomic_store(&pool.loop, (unsigned long long)loop << 32 | (unsigned long long)chunks << 16 | (unsigned)(workers + 1));
  start_loop(workers);

  run_chunks(0);
  wait_for_loop_end();
  pthread_mutex_unlock(&pool_owner);
}

int dlab_parallel_slices(int items, double work_per_item, double min_work, int max_slices) {
  int threads = dlab_threads_get();
  if (threads <= 1) return 1;
  int most = threads * DLAB_CHUNKS_PER_THREAD;
  int slices = most < max_slices ? most : max_slices;
  if (slices > items) slices = items;
  if (min_work > 0) {
    double fit = (double)items * work_per_item / min_work;
    if (fit < slices) slices = (int)fit;
  }
  return slices < 1 ? 1 : slices;
}

void dlab_slice_range(int n, int slices, int s, int *begin, int *end) {
  /* The first n % slices slices take one item more. */
  int base = n / slices, extra = n % slices;
  *begin = s * base + (s < extra ? s : extra);
  *end = *begin + base + (s < extra);
}

void dlab_slice_range_aligned(int n, int slices, int s, int align, int *begin, int *end) {
  const int units = n / align + (n % align != 0);
  dlab_slice_range(units, slices, s, begin, end);
  *begin = *begin < units ? *begin * align : n;
  *end = *end < units ? *end * align : n;
}

void dlab_threads_shutdown(void) {
  pthread_mutex_lock(&pool_owner); /* no loop is running */
  atomic_store(&pool.quit, 1);
  start_loop(pool.n_workers);
  for (int i = 0; i < pool.n_workers; i++) pthread_join(pool.workers[i], NULL);
  for (int i = 0; i <= pool.n_workers; i++) atomic_store(&pool.ticket[i], 0);
  pool.n_workers = 0;
  atomic_store(&pool.n_threads, 1);
  atomic_store(&pool.quit, 0);
  pthread_mutex_unlock(&pool_owner);
}
