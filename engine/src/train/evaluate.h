/* Evaluation with a backend the caller holds: the training loop's, after
 * every epoch. Internal to the engine. */
#ifndef DLAB_TRAIN_EVALUATE_H
#define DLAB_TRAIN_EVALUATE_H

#include <stdatomic.h>

#include "backend/backend_impl.h"
#include "dlab/train.h"

/* The evaluation batch when none is given (DlabTrainConfig's 0). */
#define DLAB_DEFAULT_EVAL_BATCH 1000

/* The dataset fits the model (image shape, class count) and is not empty. */
int dlab_train_check_compatible(const DlabModel *m, const DlabDataset *d);

/* batch_size, or the default for 0, at most d->n. */
int dlab_eval_batch_size(int batch_size, const DlabDataset *d);

/* Evaluates on d with backend b in batches of batch_size: loss, accuracy,
 * the confusion matrix and (readings not NULL) every image's reading, from
 * the logits the backend returns. Returns 1 if cancelled (the figures of
 * the images done so far), 0 when done, -1 on error (out is then freed). */
int dlab_evaluate_on(DlabBackend *b, const DlabDataset *d, int batch_size, atomic_int *cancel, DlabEvalResult *out,
                     DlabEvalReadings *readings);

#endif
