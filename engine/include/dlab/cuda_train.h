/* Training and evaluation on a CUDA GPU, and the GPU mirror of a model.
 *
 * dlab_train_cuda runs the same loop as dlab_train (train.h): the same
 * callbacks, cancel flag, CSV columns, validation, --save-best and
 * checkpoints, the same shuffled order and the same augmentation draws
 * (each sample's generator, dlab_transform_rng), so a run on the GPU differs
 * from the CPU's only by floating-point rounding. What changes is where the
 * work happens:
 *   - the datasets go to the GPU once, as uint8; every batch is gathered,
 *     augmented (rotate, affine, crop, hflip, elastic) and normalized there;
 *   - each layer, the loss and the optimizer run as CUDA kernels and cuBLAS
 *     products, the whole step captured once as a CUDA graph;
 *   - the learning-rate schedule and Adam's bias corrections are worked out
 *     on the host, one epoch ahead, as a table of scalars;
 *   - the only transfers per step are the batch's loss and accuracy, which
 *     the kernels write straight into host memory and the host reads when
 *     the step is done, a few steps behind, without stalling the GPU;
 *   - after every epoch the weights (and optimizer state) come back to the
 *     host model, so checkpoints are the CPU's files: a model trained on the
 *     GPU loads on the CPU and the other way round.
 *
 * In a build without CUDA every function here fails with a message saying
 * so (dlab_cuda_built() is 0); nothing else changes. */
#ifndef DLAB_CUDA_TRAIN_H
#define DLAB_CUDA_TRAIN_H

#include <stdint.h>

#include "dlab/cuda_model.h"
#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/model.h"
#include "dlab/train.h"

/* ---- training on any device ---- */

/* dlab_train on the CPU, dlab_train_cuda on a GPU (after dlab_device_check). */
int dlab_train_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *train,
                      const DlabDataset *test, const DlabTrainConfig *cfg, DlabTrainResult *result);

/* dlab_evaluate on the CPU, dlab_evaluate_cuda on a GPU. */
int dlab_evaluate_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *d, int batch_size,
                         DlabEvalResult *out);

/* dlab_train with the work on GPU `device_index`. m's weights (and
 * cfg->optimizer's state, when resuming) are read at the start and written
 * back after every epoch. cfg->loader_workers is ignored (there is no host
 * loader). Besides dlab_train's errors it fails, with a message, when the
 * GPU is missing, runs out of memory, or a transform cannot run there. */
int dlab_train_cuda(DlabModel *m, const DlabDataset *train, const DlabDataset *test,
                    const DlabTrainConfig *cfg, int device_index, DlabTrainResult *result);

/* dlab_evaluate on GPU `device_index`. */
int dlab_evaluate_cuda(DlabModel *m, const DlabDataset *d, int batch_size, int device_index,
                       DlabEvalResult *out);

#endif
