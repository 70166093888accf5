/* Optimizers with PyTorch's update rules (torch.optim, foreach=False):
 * SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW. */
#ifndef DLAB_OPTIM_H
#define DLAB_OPTIM_H

#include "dlab/model.h"

typedef enum { DLAB_OPTIM_SGD, DLAB_OPTIM_ADAM, DLAB_OPTIM_ADAMW } DlabOptimKind;

typedef struct {
  DlabOptimKind kind;
  float lr;
  float momentum;     /* SGD */
  float dampening;    /* SGD */
  int nesterov;       /* SGD */
  float weight_decay; /* L2 for SGD/Adam, decoupled for AdamW */
  float beta1, beta2, eps; /* Adam, AdamW */
} DlabOptimConfig;

/* PyTorch's defaults for `kind` (AdamW weight decay 0.01, betas 0.9/0.999,
 * eps 1e-8; lr 1e-3 for Adam/AdamW, 0.01 for SGD). */
DlabOptimConfig dlab_optim_defaults(DlabOptimKind kind);

/* "sgd", "adam", "adamw" -> kind; -1 with a message if unknown. */
int dlab_optim_parse_kind(const char *name, DlabOptimKind *kind);
const char *dlab_optim_kind_name(DlabOptimKind kind);

typedef struct DlabOptimizer DlabOptimizer;

/* Keeps state (momentum, moments) for every trainable parameter of m. */
DlabOptimizer *dlab_optimizer_create(const DlabOptimConfig *cfg, DlabModel *m);
void dlab_optimizer_free(DlabOptimizer *o);

/* One update of every trainable parameter with learning rate lr, using the
 * gradients the last backward pass wrote. */
void dlab_optimizer_step(DlabOptimizer *o, float lr);

/* The optimizer's state tensors as named parameters ("<param>.momentum_buffer",
 * "<param>.exp_avg", "<param>.exp_avg_sq") plus the step count, so that a
 * checkpoint can save and restore them for resuming. */
int dlab_optimizer_state(DlabOptimizer *o, DlabParam **state, int *n_state);
long dlab_optimizer_steps(const DlabOptimizer *o);
void dlab_optimizer_set_steps(DlabOptimizer *o, long steps);

#endif
