/* A small fixed thread pool for data-parallel loops (slices of a batch,
 * elementwise kernels). Work is split into contiguous, deterministic
 * chunks, so results never depend on scheduling. OpenBLAS is kept to one
 * thread: the layers split their matrix products over this pool instead,
 * so the two never compete for the cores. */
#ifndef DLAB_THREADS_H
#define DLAB_THREADS_H

#include <stddef.h>

/* Body of a parallel loop: handles items [begin, end). */
typedef void (*DlabRangeFn)(void *arg, size_t begin, size_t end);

/* Sets the number of threads used by the engine (>= 1, at most 256; 0 means
 * the number of cores) and keeps OpenBLAS at one. Any thread may call it,
 * also while another runs loops (it waits for the running loop to end);
 * dlab_threads_get may be read on any thread. */
int dlab_threads_set(int n);
int dlab_threads_get(void);

/* Chunks a parallel loop may have per thread. Each thread first runs its
 * own share of them, the same share of every loop (the first thread the
 * first chunks, and so on), so that data a thread wrote in one loop is in
 * its cache in the next; what is left of a share is claimed by whichever
 * thread is free, so a thread that the system deschedules holds up at most
 * one small chunk. */
#define DLAB_CHUNKS_PER_THREAD 4

/* Runs fn over [0, n) split into at most DLAB_CHUNKS_PER_THREAD *
 * dlab_threads_get() contiguous chunks; chunks smaller than `grain` items
 * are not split further. Returns when all are done. */
void dlab_parallel_for(size_t n, size_t grain, DlabRangeFn fn, void *arg);

/* How many slices to cut `items` into for one parallel region (one chunk
 * each, with dlab_parallel_for(slices, 1, ...)): at most
 * DLAB_CHUNKS_PER_THREAD per thread and `max_slices`, and no slice with
 * less than `min_work` (small work stays on the caller). Layers give each
 * slice its own workspace, hence max_slices. One thread: one slice. */
int dlab_parallel_slices(int items, double work_per_item, double min_work, int max_slices);

/* Slice `s` of `n` items cut into `slices` contiguous parts: [*begin, *end). */
void dlab_slice_range(int n, int slices, int s, int *begin, int *end);

/* The same, cut at multiples of `align` items (n itself excepted): a
 * slice of a row of floats that starts on a cache line, where align is a
 * line's floats and the row starts on one. A slice may be empty when n
 * has fewer than `slices` multiples. */
void dlab_slice_range_aligned(int n, int slices, int s, int align, int *begin, int *end);

/* Work for the pool's idle moments: fn(arg, worker) does one small piece
 * (microseconds: a loop that starts or ends meanwhile waits for it) and
 * returns nonzero if there was something to do; worker is 0 .. threads - 1.
 * The pool's workers (1 ..) call it while they wait for the next loop, and
 * the thread whose loop runs (0) while it waits for the workers' last
 * chunks, instead of only spinning: where training leaves a core idle
 * between or at the end of its loops for moments too short for another
 * thread to be scheduled there, this work uses them (the batch loader's
 * augmentation). One task at a time: returns -1 if another is set. */
typedef int (*DlabIdleFn)(void *arg, int worker);
int dlab_threads_set_idle_task(DlabIdleFn fn, void *arg);
/* Removes the task set with fn; returns once no worker runs it any more. */
void dlab_threads_clear_idle_task(DlabIdleFn fn);

/* Stops the pool's threads (at exit, so leak checkers stay quiet). */
void dlab_threads_shutdown(void);

#endif
