/* A model: a sequence of layers built from a spec (the engine's spec
 * parser, nn/spec.h), with the activations and their gradients for one
 * batch size.
 *
 * The application and the CLI build models (from a zoo name or a spec),
 * count and describe them with the functions below, and hand them to the
 * run, checkpoint and predictor calls. DlabModel is opaque (its fields
 * are the engine's, in nn/model_impl.h): a front end asks
 * dlab_model_input, dlab_model_num_layers and dlab_model_layer_summary. */
#ifndef DLAB_MODEL_H
#define DLAB_MODEL_H

#include "dlab/layer.h"

/* Opaque to the front ends: its fields are in nn/model_impl.h. */
typedef struct DlabModel DlabModel;

/* Parses `spec` (a zoo name or a spec), builds the layers for inputs of
 * shape `input`, and initializes the weights from `seed` as PyTorch does.
 * NULL on error (the message names the offending token or layer). */
DlabModel *dlab_model_create(const char *spec, DlabShape input, uint64_t seed);

/* The same, allocating only what `build` asks for (layer.h): for
 * DLAB_BUILD_INFERENCE the weights (left zero, for a checkpoint to fill)
 * and no gradient, so dlab_model_backward does nothing and no optimizer
 * may be made for it; for DLAB_BUILD_SHAPES no tensor at all: the layers'
 * shapes and parameter shapes and counts are there (params[i]->value has
 * its shape and numel, no data) but the model cannot run. */
DlabModel *dlab_model_build(const char *spec, DlabShape input, uint64_t seed, DlabBuild build);

/* dlab_model_build(spec, input, 0, DLAB_BUILD_SHAPES): checks a spec for
 * an input shape and counts its parameters without allocating any tensor,
 * cheap enough to run at every keystroke. */
DlabModel *dlab_model_describe(const char *spec, DlabShape input);
void dlab_model_free(DlabModel *m);

/* Layer fusion (layer.h: fuse), on by default: a conv or linear computes
 * the activation and pooling after it in the same pass over its output.
 * The outputs of a fused conv/linear (before its activation) and the
 * gradients inside a group are then not stored. Off: every layer runs on
 * its own. Returns 0, or -1 (a workspace could not be sized). */
int dlab_model_set_fusion(DlabModel *m, int on);

/* Sizes every buffer for `batch` samples; only grows memory. */
int dlab_model_set_batch(DlabModel *m, int batch);

/* Runs the layers on m->acts[0] (filled by the caller, batch samples:
 * acts[0] is reshaped to `batch` first). Returns the logits tensor. */
DlabTensor *dlab_model_forward(DlabModel *m, int batch, int training);

/* Back-propagates dlogits (m->grads[n_layers], filled by the caller) and
 * writes every parameter gradient. Input gradients are only computed where
 * a parameter lies before: grads[i] is left alone for every i up to the
 * first layer with a trainable parameter. */
void dlab_model_backward(DlabModel *m);

/* The logits' gradient buffer that the loss writes into. */
DlabTensor *dlab_model_dlogits(DlabModel *m);

/* Number of output classes (features of the last layer). */
int dlab_model_num_outputs(const DlabModel *m);

/* Learnable parameter count (buffers excluded), as torchsummary counts. */
long dlab_model_count_params(const DlabModel *m);

/* The shape of one input sample. */
DlabShape dlab_model_input(const DlabModel *m);

/* The canonical spec text (the one checkpoints store), the model's. */
const char *dlab_model_spec(const DlabModel *m);

/* The number of layers (each a row of the summary). */
int dlab_model_num_layers(const DlabModel *m);

/* One row of the summary: a layer as torchsummary shows it. */
typedef struct {
  const char *name; /* "conv1", "0": the model's, valid while it lives */
  const char *kind; /* its spec keyword: "conv", "linear", "relu", ... */
  DlabShape output; /* the shape of its output, per sample */
  long params;      /* its learnable parameters (buffers excluded) */
} DlabLayerSummary;

/* The summary row of layer `i`, 0 <= i < dlab_model_num_layers(m). */
DlabLayerSummary dlab_model_layer_summary(const DlabModel *m, int i);

DlabParam *dlab_model_find_param(DlabModel *m, const char *name);

/* A torchsummary-like table (layer, output shape, params, total) into f. */
#include <stdio.h>
void dlab_model_summary(const DlabModel *m, FILE *f);

#endif
