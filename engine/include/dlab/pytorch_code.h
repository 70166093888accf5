/* PyTorch code for a network: an nn.Module whose state_dict has the very
 * names and shapes of the network's checkpoint, so that
 * load_state_dict(strict=True) accepts a Digit Lab checkpoint; then the
 * lines that load a .safetensors file into it. The learner leaves Digit Lab
 * for PyTorch with their weights. */
#ifndef DLAB_PYTORCH_CODE_H
#define DLAB_PYTORCH_CODE_H

#include "dlab/model.h"

/* The Python source for `m` (malloc'd text, free with free()), or NULL
 * with an error when a layer's name cannot be a PyTorch module path. */
char *dlab_pytorch_code(const DlabModel *m);

#endif
