/* What the layer kinds tell each other for fusion (layer.h: fuse), and how
 * they split a batch over the thread pool. Private to src/nn. */
#ifndef DLAB_NN_INTERNAL_H
#define DLAB_NN_INTERNAL_H

#include "kernels/cpu/cpu_kernels.h"
#include "dlab/layer.h"

/* Whether l is a ReLU or a LeakyReLU with slope >= 0, which a conv or
 * linear before it can apply on its way out (activation.c). */
int dlab_act_fusable(const DlabLayer *l, DlabAct *act);

/* Whether l is a max pooling whose windows do not overlap (stride =
 * kernel, no padding), which a conv before it can do on its way out; *k
 * gets the kernel (pool.c). */
int dlab_maxpool_fusable(const DlabLayer *l, int *k);

/* Below this many floating-point operations a slice of a batch is not
 * worth waking a thread for (see dlab_parallel_slices). */
#define DLAB_MIN_SLICE_FLOPS 4e5

/* At most this many slices (dlab_threads_set's limit). */
#define DLAB_MAX_SLICES 256

#endif
