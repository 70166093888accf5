/* The GPU mirror of a model (CUDA backend), and augmentation on the GPU.
 *
 * What the CUDA backend (cuda_backend.c) is built on, open for the GPU
 * tests: the layers of a DlabModel with their parameters on a GPU, run one
 * call at a time. Every call here waits for the GPU, so these are for
 * checking and tools, not for speed; the training loop queues its steps
 * instead (run.cu). These live in the module libdlab-cuda.so: only code
 * linked with it (the module itself, gpu-parity, gpu-train) calls them. */
#ifndef DLAB_CUDA_MODEL_H
#define DLAB_CUDA_MODEL_H

#include <stdint.h>

#include "dlab/dataset.h"
#include "nn/loss.h"
#include "dlab/model.h"
#include "dlab/optim.h"
#include "dlab/transform.h"

typedef struct DlabCudaModel DlabCudaModel;

typedef struct {
  int device;    /* CUDA device number */
  int max_batch; /* the largest batch that forward will be given */
  int tf32;      /* matrix products on TF32 tensor cores: 1 yes, 0 no (full
                    float32), -1 the default: $DLAB_CUDA_TF32 when set, else
                    yes (as PyTorch's convolutions) */
} DlabCudaOptions;

DlabCudaOptions dlab_cuda_options_default(void);

/* Builds the GPU layers for m (any spec the CPU runs) and uploads m's
 * weights and buffers. NULL with a message (no GPU, out of memory). */
DlabCudaModel *dlab_cuda_model_create(const DlabModel *m, const DlabCudaOptions *opt);
void dlab_cuda_model_free(DlabCudaModel *g);

/* Host -> GPU: every parameter and buffer of m (same spec as at create). */
int dlab_cuda_model_upload(DlabCudaModel *g, const DlabModel *m);
/* GPU -> host: parameters and buffers (running statistics, batch counts). */
int dlab_cuda_model_download(DlabCudaModel *g, DlabModel *m);
/* GPU -> host: the gradients of the last backward into m's params' .grad. */
int dlab_cuda_model_download_grads(DlabCudaModel *g, DlabModel *m);

/* Copies a batch (batch x C x H x W floats, already normalized) and its
 * labels (may be NULL) to the GPU's input. */
int dlab_cuda_model_set_input(DlabCudaModel *g, const float *x, const uint8_t *labels, int batch);

/* For comparing with the CPU: the next training forward of dropout layer
 * `layer` (its index in m->layers) uses `scale` (batch x features values,
 * each 0 or 1/(1-p)) instead of drawing a mask. */
int dlab_cuda_model_set_dropout_mask(DlabCudaModel *g, int layer, const float *scale, int batch);

/* Runs the layers on the input; when logits is not NULL it receives the
 * batch x K outputs. */
int dlab_cuda_model_forward(DlabCudaModel *g, int batch, int training, float *logits);

/* Cross-entropy of the last forward against the input's labels (with label
 * smoothing), then the backward pass: every parameter gradient. */
int dlab_cuda_model_backward(DlabCudaModel *g, int batch, float smoothing, DlabLossResult *loss);

/* The optimizer on the GPU: cfg's rule, starting from `state` (momentum,
 * moments and step count, e.g. of a resumed run) or from zero when NULL. */
int dlab_cuda_model_set_optimizer(DlabCudaModel *g, const DlabOptimConfig *cfg, DlabOptimizer *state);
/* One update of every trainable parameter with learning rate lr. */
int dlab_cuda_model_step(DlabCudaModel *g, float lr);
/* GPU -> host: the optimizer's state and step count into o (same rule). */
int dlab_cuda_model_download_optimizer(DlabCudaModel *g, DlabOptimizer *o);

/* ---- augmentation on the GPU ----
 *
 * Samples idx[0 .. count) of d through the transform list t (normalized with
 * d's mean/std) as the training loop makes them in epoch `epoch` of a run
 * seeded `seed`, into out (count x C x H x W floats, host memory). The CPU's
 * dlab_augmenter_run with dlab_transform_rng gives the same images. */
int dlab_cuda_augment(const DlabDataset *d, const DlabTransformList *t, uint64_t seed, int epoch,
                      const uint32_t *idx, int count, int device_index, float *out);

#endif
