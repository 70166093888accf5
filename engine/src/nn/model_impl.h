/* DlabModel's fields (dlab/model.h declares the type opaque): for the
 * engine's own code, and the tests and benchmarks that look inside a model
 * through the internal include directory; never for a front end. */
#ifndef DLAB_NN_MODEL_IMPL_H
#define DLAB_NN_MODEL_IMPL_H

#include "dlab/model.h"

struct DlabModel {
  DlabLayer **layers;
  int n_layers;
  DlabShape input;
  char *spec;          /* canonical spec text, stored in checkpoints */
  /* acts[0] is the input batch, acts[i+1] the output of layers[i];
   * grads[i] is d loss / d acts[i] (not computed before the first layer
   * with parameters, nor inside a fused group: see dlab_model_set_fusion). */
  DlabTensor *acts;
  DlabTensor *grads;
  DlabParam **params;  /* every parameter and buffer, in state_dict order */
  int n_params;
  int batch;           /* batch size the buffers hold */
  DlabBuild build;     /* what was allocated (layer.h) */
  /* When not NULL (dlab_model_profile_start), each layer group's forward
   * and backward wall seconds add up here, under the group's first layer:
   * profile[2 i] forward, profile[2 i + 1] backward. The benchmarks read it;
   * training leaves it NULL and pays one test per group. */
  double *profile;
};

/* Starts (or restarts at zero) the per-layer profile; -1 without memory. */
int dlab_model_profile_start(DlabModel *m);
void dlab_model_profile_stop(DlabModel *m);

#endif
