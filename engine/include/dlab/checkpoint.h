/* Model checkpoints: safetensors whose tensor names are PyTorch's
 * state_dict names, with metadata
 *   dlab.arch         the spec
 *   dlab.input        "1x28x28"
 *   dlab.mean         "0.1307" (comma-separated per channel)
 *   dlab.std          "0.3081"
 *   dlab.classes      class names, comma-separated
 *   dlab.dataset      "mnist"
 *   dlab.orientation  "normal" or "transposed"
 * The optimizer state, for resuming, goes beside it in FILE.optim.safetensors.
 * The checkpoint a training run saves after each epoch also records, in
 * both files, where the run was (DlabRunMark):
 *   dlab.run_id       32 hex digits, the same for every epoch of one run
 *   dlab.epoch        whole epochs trained
 *   dlab.step         optimizer steps taken
 * so that a resume can tell that the two files belong together. */
#ifndef DLAB_CHECKPOINT_H
#define DLAB_CHECKPOINT_H

#include "dlab/dataset.h"
#include "dlab/model.h"
#include "dlab/optim.h"

typedef struct {
  char dataset[64];
  char orientation[16];
  int channels;
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS];
  int num_classes;
  char *class_names[DLAB_MAX_CLASSES];
} DlabModelInfo;

/* Fills info from a dataset (names are copied). */
void dlab_model_info_from_dataset(DlabModelInfo *info, const DlabDataset *d);
void dlab_model_info_free(DlabModelInfo *info);

/* Where a training run was when it saved a checkpoint. */
#define DLAB_RUN_ID_SIZE 33 /* 32 hex digits and the terminator */
typedef struct {
  char run_id[DLAB_RUN_ID_SIZE];
  int epoch; /* whole epochs trained */
  long step; /* optimizer steps taken */
} DlabRunMark;

/* Writes m's parameters and buffers plus the metadata, atomically (stale
 * temporaries of earlier, killed saves of `path` are removed first). */
int dlab_checkpoint_save(const char *path, const DlabModel *m, const DlabModelInfo *info);
/* The same with the run's mark in the metadata (mark may be NULL). */
int dlab_checkpoint_save_marked(const char *path, const DlabModel *m, const DlabModelInfo *info,
                                const DlabRunMark *mark);

/* Loads a checkpoint: checks the header, works out from dlab.arch and
 * dlab.input (within the limits of layer.h) the parameters the model has,
 * checks every tensor's presence, dtype, shape and values (all finite)
 * against them and the metadata's consistency, and only then allocates the
 * model and fills it. NULL with a message naming the file (and the tensor
 * or key) on any mismatch. The model is ready to train (gradients too). */
DlabModel *dlab_checkpoint_load(const char *path, DlabModelInfo *info);

/* The same, building the model as `build` says (layer.h): for a model that
 * only predicts, DLAB_BUILD_INFERENCE allocates no gradient (half the
 * memory); DLAB_BUILD_SHAPES checks the file without allocating weights. */
DlabModel *dlab_checkpoint_load_as(const char *path, DlabBuild build, DlabModelInfo *info);

/* The same for a checkpoint in memory (the application's embedded default
 * model); `what` names it in messages. The caller keeps `data`. */
DlabModel *dlab_checkpoint_load_buffer(const void *data, size_t len, const char *what, DlabModelInfo *info);
DlabModel *dlab_checkpoint_load_buffer_as(const void *data, size_t len, const char *what, DlabBuild build,
                                          DlabModelInfo *info);

/* Loads the tensors of `path` into an existing model (same checks). */
int dlab_checkpoint_load_weights(const char *path, DlabModel *m);

/* Optimizer state beside a checkpoint, for resuming; _marked records the
 * run's mark in the metadata as the model file does (mark may be NULL). */
int dlab_optimizer_save(const char *path, DlabOptimizer *o);
int dlab_optimizer_save_marked(const char *path, DlabOptimizer *o, const DlabRunMark *mark);
int dlab_optimizer_load(const char *path, DlabOptimizer *o);

#endif
