/* A training run's curves as TensorBoard scalars: one set of tag names for
 * the GUI's runs folder and `dlab train --log`, so `tensorboard --logdir`
 * shows the same curves whichever started the run.
 *
 * Per step:  train/loss, train/accuracy, train/lr        (step = global step)
 * Per epoch: epoch/train_loss, epoch/train_accuracy, epoch/val_loss,
 *            epoch/val_accuracy, epoch/test_loss, epoch/test_accuracy,
 *            epoch/images_per_sec                        (step = epoch)
 * A value that is NaN (validation without a validation split) is left out.
 * Both run on the training thread and allocate nothing. */
#ifndef DLAB_RUN_EVENTS_H
#define DLAB_RUN_EVENTS_H

#include "dlab/tfevents.h"
#include "dlab/train.h"

int dlab_run_events_step(DlabTfEvents *w, const DlabStepInfo *info);

/* Also flushes, so TensorBoard sees each finished epoch. */
int dlab_run_events_epoch(DlabTfEvents *w, const DlabEpochInfo *info);

#endif
