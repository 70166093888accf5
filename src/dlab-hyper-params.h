/* DlabHyperParams: the Train page's form of hyper-parameters. The
 * optimizer and its numbers, the batch size, the epochs and the
 * learning-rate schedule; the augmentation; under "More options" the
 * normalization, the split seed, the best epoch, the order, EMNIST's
 * orientation and a row for every other option of the run (made from the
 * engine's options table, dlab-option-rows.h); the seed, the threads and
 * the device (what dlab_devices_list finds). Kept in GSettings. */
#pragma once

#include <adwaita.h>

#include "dlab/recipes.h"

G_BEGIN_DECLS

#define DLAB_TYPE_HYPER_PARAMS (dlab_hyper_params_get_type ())
G_DECLARE_FINAL_TYPE (DlabHyperParams, dlab_hyper_params, DLAB, HYPER_PARAMS, AdwBin)

/* The dataset's image size (a shift needs square images). */
void dlab_hyper_params_set_image_size (DlabHyperParams *self, int h, int w);
/* The augmentation switched on, in the engine's transform text ("" for
 * none). */
char *dlab_hyper_params_get_transforms (DlabHyperParams *self);
int dlab_hyper_params_get_epochs (DlabHyperParams *self);
/* The form as `dlab train` arguments, for `dataset` with `val_split` of
 * the training images held out (the split seed and the best epoch need
 * one). */
void dlab_hyper_params_add_args (DlabHyperParams *self, GStrvBuilder *args, const char *dataset, double val_split);
/* Every setting of the form from a tutorial's recipe; what it leaves out
 * takes `dlab train`'s default. */
void dlab_hyper_params_apply_recipe (DlabHyperParams *self, const DlabRecipe *recipe);
/* The control of a generated row (dlab_option_rows_get_control), for tests. */
GtkWidget *dlab_hyper_params_get_option_control (DlabHyperParams *self, const char *name);

/* Signals "transforms-changed" (the augmentation) and "epochs-changed". */

G_END_DECLS
