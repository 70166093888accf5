/* A persistent pool: workers sleep on a condition variable and wake for each
 * parallel loop; the calling thread takes chunk 0 itself. */
#include "dlab/threads.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "dlab/error.h"

#define DLAB_MAX_THREADS 256

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  pthread_t workers[DLAB_MAX_THREADS];
  int n_threads;     /* including the caller */
  int n_workers;     /* started */
  int active;        /* chunks of the current loop; worker i runs chunk i */
  unsigned long generation;
  int pending;       /* chunks not yet finished */
  int quit;
  /* the current loop */
  DlabRangeFn fn;
  void *arg;
  size_t n, chunk;
} DlabPool;

static DlabPool pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .n_threads = 1,
};

static void run_chunk(int i) {
  size_t begin = (size_t)i * pool.chunk;
  size_t end = begin + pool.chunk < pool.n ? begin + pool.chunk : pool.n;
  if (begin < end) pool.fn(pool.arg, begin, end);
}

static void *worker_main(void *p) {
  int id = (int)(intptr_t)p; /* 1 .. n_workers */
  unsigned long seen = 0;
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (!pool.quit && pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    if (pool.quit) break;
    seen = pool.generation;
    int active = id < pool.active;
    pthread_mutex_unlock(&pool.lock);
    if (active) run_chunk(id);
    pthread_mutex_lock(&pool.lock);
    if (active && --pool.pending == 0) pthread_cond_signal(&pool.done);
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

int dlab_threads_set(int n) {
  if (n <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = cores > 0 ? (int)cores : 1;
  }
  if (n > DLAB_MAX_THREADS) return dlab_error("--threads %d: at most %d threads", n, DLAB_MAX_THREADS);
  pthread_mutex_lock(&pool.lock);
  while (pool.n_workers < n - 1) {
    int id = pool.n_workers + 1;
    if (pthread_create(&pool.workers[pool.n_workers], NULL, worker_main, (void *)(intptr_t)id) != 0) {
      pthread_mutex_unlock(&pool.lock);
      return dlab_error("cannot start thread %d", id);
    }
    pool.n_workers++;
  }
  pool.n_threads = n;
  pthread_mutex_unlock(&pool.lock);
  openblas_set_num_threads(n);
  return 0;
}

int dlab_threads_get(void) { return pool.n_threads; }

void dlab_parallel_for(size_t n, size_t grain, DlabRangeFn fn, void *arg) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  size_t chunks = (n + grain - 1) / grain;
  if (chunks > (size_t)pool.n_threads) chunks = (size_t)pool.n_threads;
  if (chunks <= 1) {
    fn(arg, 0, n);
    return;
  }
  pthread_mutex_lock(&pool.lock);
  pool.active = (int)chunks;
  pool.fn = fn;
  pool.arg = arg;
  pool.n = n;
  pool.chunk = (n + chunks - 1) / chunks;
  pool.pending = (int)chunks - 1;
  pool.generation++;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);

  run_chunk(0);

  pthread_mutex_lock(&pool.lock);
  while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
}

void dlab_threads_shutdown(void) {
  pthread_mutex_lock(&pool.lock);
  pool.quit = 1;
  pthread_cond_broadcast(&pool.wake);
  int n = pool.n_workers;
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < n; i++) pthread_join(pool.workers[i], NULL);
  pthread_mutex_lock(&pool.lock);
  pool.n_workers = 0;
  pool.n_threads = 1;
  pool.quit = 0;
  pthread_mutex_unlock(&pool.lock);
}
