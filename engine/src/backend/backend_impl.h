/* The backend interface: what a device implements so that the one training
 * loop (train/train.c, dlab_train) can run on it. In the spirit of ggml's
 * `struct ggml_backend_i`: a table of functions per backend, an instance
 * that starts with a pointer to its table, and a registry entry per kind
 * of device (its devices, and how to make an instance on one).
 *
 * The loop owns everything that is the same on every device: batching and
 * shuffling (the loader, or its order for a backend that keeps the data),
 * the schedule's learning rates, the step report, the NaN check, the ETA,
 * the evaluations' figures, the metrics log and the checkpoints. A backend
 * owns only where the numbers are: the model's weights and the optimizer's
 * state while a run lasts, the step, the evaluation's logits, and the
 * copies to and from the host model.
 *
 * Layering: core/ < kernels/ < nn/ optim/ datasets/ transforms/ loader/
 * io/ checkpoint/ < backend/ < train/ (tools/check-includes.py keeps it).
 * The CPU backend (cpu_backend.c) runs the host model through nn/ and
 * optim/; the CUDA backend (backend/cuda/) is a module, libdlab-cuda.so,
 * loaded by registry.c the first time a CUDA device is asked for or listed.
 * The module finds the engine's functions in the executable that loaded it
 * (dlab, digit-lab and the GPU tests are linked with --export-dynamic and
 * the whole engine), so it links only the CUDA runtime and cuBLAS.
 *
 * Not public API: only train/, backend/ and the module include it. */
#ifndef DLAB_BACKEND_IMPL_H
#define DLAB_BACKEND_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/model.h"
#include "dlab/optim.h"
#include "dlab/tensor.h"
#include "dlab/transform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Changes whenever this file changes in a way a module built against an
 * older copy would misread: the registry refuses a module of another one. */
#define DLAB_BACKEND_ABI 1

/* What a backend instance is made for: one model and its optimizer, for a
 * training run (or for evaluation only: optimizer NULL, train NULL). */
typedef struct {
  int device;                  /* the device's number within its kind */
  DlabModel *model;            /* the host model: read at create; to_host
                                  writes it back */
  DlabOptimizer *optimizer;    /* the host optimizer state (NULL: evaluation
                                  only); to_host writes it back */
  const DlabOptimConfig *optim;
  int resume;                  /* 1: start from *optimizer's state (a resumed
                                  run); 0: from zero */
  int batch_size;              /* training batches */
  int max_batch;               /* the largest batch step or eval will get */
  float label_smoothing;
  /* For a backend that keeps the training set (DLAB_BACKEND_KEEPS_DATA):
   * the data, its augmentation and seed (each sample's generator is
   * dlab_transform_rng(seed, epoch, sample), as the loader's), and the
   * number of steps in an epoch. */
  const DlabDataset *train;
  const DlabTransformList *transforms;
  uint64_t seed;
  long steps_per_epoch;
} DlabBackendConfig;

/* One step's figures: the batch's mean loss and its correct predictions. */
typedef struct {
  double loss;
  int correct;
} DlabBackendStep;

typedef struct DlabBackend DlabBackend;

/* The backend keeps the training set on its device and makes each batch
 * there from the epoch's order (the loop passes the order instead of
 * batches): the CUDA backend, whose data never crosses the bus. */
#define DLAB_BACKEND_KEEPS_DATA 1u

typedef struct {
  const char *name; /* "cpu", "cuda" */
  unsigned flags;   /* DLAB_BACKEND_KEEPS_DATA */
  /* How many steps may be queued before the first is reported (poll): 1
   * for a backend that finishes a step before returning from it. */
  int depth;

  void (*free)(DlabBackend *b);

  /* Where the loop puts the next host batch (count x C x H x W,
   * normalized) before step(); NULL with DLAB_BACKEND_KEEPS_DATA. */
  DlabTensor *(*input)(DlabBackend *b);

  /* Epoch `epoch` (1-based) begins: lr[s] is the learning rate of its step
   * s (steps values, kept by the loop until the epoch ends); order is the
   * epoch's sample order (train->n indices) for DLAB_BACKEND_KEEPS_DATA,
   * else NULL (the loader already used it). */
  int (*begin_epoch)(DlabBackend *b, int epoch, const uint32_t *order, const float *lr, long steps);

  /* Queues (or takes) step s of the epoch on `count` samples: the batch in
   * input() with `labels`, or samples s * batch_size .. of the order. A
   * step whose loss is not finite must not change the weights when the
   * backend can still tell (the CPU's can; the loop stops the run either
   * way). */
  int (*step)(DlabBackend *b, long s, int count, const uint8_t *labels);

  /* Step s's figures: 1 when done (out filled), 0 when not yet (only with
   * wait 0), -1 on error. Only the last `depth` steps queued are asked. */
  int (*poll)(DlabBackend *b, long s, int wait, DlabBackendStep *out);

  /* Samples start .. start + count of d through the model in eval mode:
   * *logits is count x K on the host, valid until the next call. */
  int (*eval)(DlabBackend *b, const DlabDataset *d, int start, int count, DlabTensor **logits);

  /* The device's weights, buffers (running statistics) and optimizer state
   * into the host model and optimizer (checkpoints, Stop, the best model);
   * and the other way round (a resumed run, weights changed on the host). */
  int (*to_host)(DlabBackend *b, DlabModel *m, DlabOptimizer *o);
  int (*from_host)(DlabBackend *b, const DlabModel *m, DlabOptimizer *o);
} DlabBackendI;

/* An instance: backends embed this first in their own struct. */
struct DlabBackend {
  const DlabBackendI *i;
};

/* A kind of device: its devices, and instances on one of them. */
typedef struct {
  int abi; /* DLAB_BACKEND_ABI */
  const char *name;
  /* How many devices there are, or -1 with a message saying why none can
   * be used (no driver, ...). */
  int (*device_count)(void);
  /* Device `index`'s name, memory and compute into out (spec is set by
   * the caller). */
  int (*device_info)(int index, DlabDeviceInfo *out);
  /* Checks that device `index` exists and can be used from this thread:
   * -1 with a message naming "cuda:N" otherwise. */
  int (*device_use)(int index);
  /* "CUDA runtime 13.0, driver 13.0" into buf. */
  void (*versions)(char *buf, size_t n);
  /* NULL with a message (no device, out of memory, a layer or transform
   * it cannot run). */
  DlabBackend *(*create)(const DlabBackendConfig *cfg);
} DlabBackendReg;

/* What a backend module exports (dlsym), returning its registry entry. */
#define DLAB_BACKEND_ENTRY "dlab_backend_entry"
typedef const DlabBackendReg *(*DlabBackendEntry)(void);

/* ---- the registry (registry.c) ---- */

/* The registry entry for a kind of device: the CPU's, or the CUDA module's
 * (loaded on the first call). NULL with one message naming the module file
 * and the loader's reason when it cannot be loaded, or saying that this
 * build has no CUDA backend. */
const DlabBackendReg *dlab_backend_reg(DlabDevice kind);

/* The folder named by $DLAB_BACKEND_DIR, where the modules are looked for
 * (tests, or modules kept elsewhere), or NULL when it is unset or empty. */
const char *dlab_backend_module_dir(void);

/* An instance on `device` (dlab_device_check it first for its message). */
DlabBackend *dlab_backend_create(DlabDeviceSpec device, const DlabBackendConfig *cfg);
void dlab_backend_free(DlabBackend *b);

/* The CPU backend's entry (cpu_backend.c): it works on cfg->model and
 * cfg->optimizer themselves, so its to_host and from_host copy nothing. */
const DlabBackendReg *dlab_backend_cpu_reg(void);

#ifdef __cplusplus
}
#endif

#endif
