/* Softmax cross-entropy over a batch of logits, mean over the batch, with
 * PyTorch's label smoothing: target = (1 - s) * onehot + s / K. A sample
 * labelled DLAB_LABEL_NONE (or any label >= K) has the target 1/K for every
 * class: it teaches the network to be unsure of what belongs to no class. */
#ifndef DLAB_LOSS_H
#define DLAB_LOSS_H

#include <stdint.h>

#include "dlab/tensor.h"

typedef struct {
  double loss;  /* mean loss over the batch */
  int correct;  /* samples whose argmax equals the label */
  int scored;   /* samples with a class label (what accuracy counts) */
} DlabLossResult;

/* logits: N x K; labels: N values in [0, K) or DLAB_LABEL_NONE. When dlogits is not NULL it
 * receives d mean-loss / d logits (N x K). */
DlabLossResult dlab_cross_entropy(const DlabTensor *logits, const uint8_t *labels,
                                  float smoothing, DlabTensor *dlogits);

/* Row-wise softmax of logits (N x K) into probs (same shape). */
void dlab_softmax(const DlabTensor *logits, DlabTensor *probs);

#endif
