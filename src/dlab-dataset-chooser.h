/* DlabDatasetChooser: the Train page's data. The dataset (the engine's
 * catalogue, those not found marked, and the folders of images opened
 * before), its loading and what it holds, how many training images to use
 * and the share kept for validation. The choice is kept in GSettings
 * ("dataset", "folder-datasets", "train-limit", "val-split"); the data
 * folder is the "data-dir" setting. */
#pragma once

#include <adwaita.h>

#include "dlab-sample-set.h"
#include "dlab/recipes.h"

G_BEGIN_DECLS

#define DLAB_TYPE_DATASET_CHOOSER (dlab_dataset_chooser_get_type ())
G_DECLARE_FINAL_TYPE (DlabDatasetChooser, dlab_dataset_chooser, DLAB, DATASET_CHOOSER, AdwBin)

/* The engine name of the chosen dataset ("mnist", "folder:DIR"), or NULL. */
const char *dlab_dataset_chooser_get_name (DlabDatasetChooser *self);
/* The chosen dataset once loaded, else NULL. */
DlabSampleSet *dlab_dataset_chooser_get_sample_set (DlabDatasetChooser *self);
/* Selects a dataset by engine name and loads it; a folder not in the list
 * is added to it (and to the "folder-datasets" setting). */
void dlab_dataset_chooser_select (DlabDatasetChooser *self, const char *name);
/* Lists the datasets again (the data folder changed, some were fetched). */
void dlab_dataset_chooser_refresh (DlabDatasetChooser *self);
/* The images' shape and classes: the loaded dataset's, else as the name
 * suggests (1x28x28, classes -1: unknown). */
void dlab_dataset_chooser_get_shape (DlabDatasetChooser *self, int *c, int *h, int *w, int *classes);
/* The validation share as set, and how many images the split will hold
 * (as dlab_dataset_split rounds it; 0 before the data is loaded). */
double dlab_dataset_chooser_get_val_split (DlabDatasetChooser *self);
int dlab_dataset_chooser_get_val_n (DlabDatasetChooser *self);
/* --dataset, --data, --limit and --val-split for `dlab train`. */
void dlab_dataset_chooser_add_args (DlabDatasetChooser *self, GStrvBuilder *args);
/* The recipe's dataset and validation split; every image used. */
void dlab_dataset_chooser_apply_recipe (DlabDatasetChooser *self, const DlabRecipe *recipe);
/* While a run uses the data, another dataset cannot be chosen. */
void dlab_dataset_chooser_set_locked (DlabDatasetChooser *self, gboolean locked);

/* The "Open a Folder of Images" and "Get Datasets" buttons. */
void dlab_dataset_chooser_open_folder (DlabDatasetChooser *self);
void dlab_dataset_chooser_get_datasets (DlabDatasetChooser *self);

/* Signal "changed": another dataset was chosen, or it finished loading
 * (the shape, the classes or the sample set changed). */

G_END_DECLS
