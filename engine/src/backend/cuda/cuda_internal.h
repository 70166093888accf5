/* The CUDA backend's own interface between its C file (the backend's
 * table, cuda_backend.c) and its .cu files (everything that touches the CUDA
 * runtime). Plain C types only, so that both compilers read it; the .cu
 * files implement these with C linkage. Not public API. */
#ifndef DLAB_CUDA_INTERNAL_H
#define DLAB_CUDA_INTERNAL_H

/* The system headers the engine's headers use, first: inside the extern "C"
 * block below, C++ would give their templates C linkage. */
#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "dlab/cnum.h"
#include "cuda_model.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/optim.h"
#include "dlab/transform.h"

/* ---- devices (context.cu) ---- */

typedef struct {
  char name[128];
  size_t total_bytes, free_bytes;
  int major, minor;        /* compute capability */
  int multiprocessors;
} DlabCudaProps;

/* How many CUDA devices there are, or -1 with a message saying why none can
 * be used (no driver, a driver older than the runtime, ...). 0 is a
 * working driver without a GPU. */
int dlab_cuda_count(void);

/* Properties of device `index` (< dlab_cuda_count()). */
int dlab_cuda_props(int index, DlabCudaProps *p);

/* Checks that device `index` exists and makes it the calling thread's
 * device. -1 with a message naming "cuda:N" otherwise. */
int dlab_cuda_use(int index);

/* The runtime's and driver's CUDA versions as "13.0" (driver "none"). */
void dlab_cuda_versions(char *runtime, char *driver, size_t n);

/* ---- per-step scalars, worked out on the host (model.cu) ---- */

/* What one optimizer step needs besides the tensors: the schedule's
 * learning rate and Adam's bias corrections for step t, computed exactly as
 * the CPU optimizer computes them. */
typedef struct {
  float lr;
  float step_size; /* Adam: lr / (1 - beta1^t) */
  float bc2_sqrt;  /* Adam: sqrt(1 - beta2^t) */
  float decay;     /* AdamW: 1 - lr * weight_decay; otherwise 1 */
  int first;       /* SGD: the momentum buffer starts as the gradient */
  int pad_[3];
} DlabCudaScalars;

/* The scalars of step t (1-based, as the optimizer counts) at rate lr. */
DlabCudaScalars dlab_cuda_scalars(const DlabOptimConfig *cfg, float lr, long t);

/* Steps the GPU optimizer has taken (its t before the next step). */
long dlab_cuda_model_optimizer_steps(const DlabCudaModel *g);

/* Number of outputs (classes) of the model. */
int dlab_cuda_model_classes(const DlabCudaModel *g);

/* ---- datasets on the GPU (run.cu) ---- */

typedef struct DlabCudaData DlabCudaData;

/* Uploads d's images and labels (uint8) and its normalization. `what`
 * names it in messages ("the training set"). */
DlabCudaData *dlab_cuda_data_upload(const DlabDataset *d, int device, const char *what);
void dlab_cuda_data_free(DlabCudaData *data);

/* ---- a training run (run.cu) ---- */

/* The loss and correct count of one step, written by the GPU straight into
 * host memory. */
typedef struct {
  float loss;
  int correct;
} DlabCudaStepStats;

typedef struct {
  DlabCudaModel *model;
  const DlabCudaData *train;
  const DlabTransformList *transforms; /* NULL or without random steps: normalization only */
  uint64_t seed;
  int batch_size;
  long steps_per_epoch;
  float smoothing;
  int use_graphs; /* capture the step as a CUDA graph (falls back when capture fails) */
} DlabCudaRunConfig;

typedef struct DlabCudaRun DlabCudaRun;

DlabCudaRun *dlab_cuda_run_create(const DlabCudaRunConfig *cfg);
void dlab_cuda_run_free(DlabCudaRun *r);

/* Queues the start of an epoch: its order of samples (train->n indices),
 * the scalars of its steps, the epoch number for the augmentation. */
int dlab_cuda_run_begin_epoch(DlabCudaRun *r, int epoch, const uint32_t *order,
                              const DlabCudaScalars *scalars, long n_steps);

/* Queues step `step` (0-based within the epoch) on `count` samples; the
 * optimizer's step count and the BatchNorm batch counts advance. */
int dlab_cuda_run_step(DlabCudaRun *r, long step, int count);

/* Whether step `step` is done: 1 yes, 0 not yet (wait 0), -1 on a GPU
 * error. With wait 1 it blocks until it is. Only the last
 * DLAB_CUDA_RING steps queued can be asked about. */
int dlab_cuda_run_poll(DlabCudaRun *r, long step, int wait);
#define DLAB_CUDA_RING 64

/* The epoch's per-step results (valid for steps that poll says are done). */
const DlabCudaStepStats *dlab_cuda_run_stats(const DlabCudaRun *r);

/* Waits for everything queued. */
int dlab_cuda_run_finish(DlabCudaRun *r);

/* Whether the steps run as a CUDA graph (0 after a failed capture). */
int dlab_cuda_run_graphs(const DlabCudaRun *r);

/* ---- evaluation (run.cu) ---- */

/* Samples start .. start + count of `data` through the model in eval mode:
 * the count x K logits into host memory (waits for them). */
int dlab_cuda_eval_logits(DlabCudaModel *g, const DlabCudaData *data, int start, int count, float *logits);

#ifdef __cplusplus
}
#endif

#endif
