/* A small fixed thread pool for data-parallel loops (im2col per sample,
 * elementwise kernels over the batch). Work is split into contiguous,
 * deterministic chunks, so results never depend on scheduling. OpenBLAS keeps
 * its own threads; the two never run at the same time. */
#ifndef DLAB_THREADS_H
#define DLAB_THREADS_H

#include <stddef.h>

/* Body of a parallel loop: handles items [begin, end). */
typedef void (*DlabRangeFn)(void *arg, size_t begin, size_t end);

/* Sets the number of threads used by the engine and by OpenBLAS (>= 1;
 * 0 means the number of cores). Call before training, not during. */
int dlab_threads_set(int n);
int dlab_threads_get(void);

/* Runs fn over [0, n) split into at most dlab_threads_get() chunks; chunks
 * smaller than `grain` items are not split further. Returns when all are
 * done. */
void dlab_parallel_for(size_t n, size_t grain, DlabRangeFn fn, void *arg);

/* Stops the pool's threads (at exit, so leak checkers stay quiet). */
void dlab_threads_shutdown(void);

#endif
