/* A loaded model ready to classify one image at a time: what `dlab predict`
 * and the sketchpad use. It owns the model, its metadata and a batch-of-one
 * workspace, so a prediction allocates nothing. */
#ifndef DLAB_PREDICTOR_H
#define DLAB_PREDICTOR_H

#include <stddef.h>

#include "dlab/checkpoint.h"
#include "dlab/strokes.h"

typedef struct DlabPredictor DlabPredictor;

/* From a checkpoint file, or from a checkpoint in memory (the application's
 * embedded default model); `what` names it in messages. NULL on error. */
DlabPredictor *dlab_predictor_load(const char *path);
DlabPredictor *dlab_predictor_load_buffer(const void *data, size_t len, const char *what);
void dlab_predictor_free(DlabPredictor *p);

const DlabModelInfo *dlab_predictor_info(const DlabPredictor *p);
const DlabModel *dlab_predictor_model(const DlabPredictor *p);
int dlab_predictor_num_classes(const DlabPredictor *p);

/* Classifies one image given as the model's input height x width x channels,
 * values 0..1 in MNIST's convention (bright ink on dark, normal
 * orientation, HWC). The predictor applies the model's own orientation
 * (EMNIST checkpoints are transposed) and normalization, and writes one
 * probability per class into probs. Returns the most likely class. */
int dlab_predictor_run(DlabPredictor *p, const float *image, float *probs);

/* What dlab_predictor_run does to an image before the network sees it:
 * HWC 0..1 -> the model's CHW input x (input shape `in`, C*H*W values),
 * with the orientation and normalization of `info`. */
void dlab_predictor_image_to_input(const DlabModelInfo *info, DlabShape in, const float *image, float *x);

/* Ink preprocessing (ink.h) then dlab_predictor_run. When image is not NULL
 * it receives the 28x28 picture the network saw (before normalization).
 * Returns the most likely class, or -1 when nothing is drawn or the model
 * does not take 1x28x28 inputs (with a message). */
int dlab_predictor_run_strokes(DlabPredictor *p, const DlabStrokes *s, float *image, float *probs);

/* The model the application and `dlab predict` use without --model:
 * $DLAB_DEFAULT_MODEL, else the installed
 * <datadir>/digit-lab/default-model.safetensors. */
const char *dlab_default_model_path(void);

#endif
