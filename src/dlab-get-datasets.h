/* DlabGetDatasets: the "Get Datasets" window. One row per dataset that
 * `dlab fetch` knows; "Get" downloads it with the engine's fetch code (on
 * a worker thread, checksums verified) into the user's dataset folder,
 * ~/.local/share/digit-lab/datasets, with a progress bar. Emits "fetched"
 * after each dataset arrives. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DLAB_TYPE_GET_DATASETS (dlab_get_datasets_get_type ())
G_DECLARE_FINAL_TYPE (DlabGetDatasets, dlab_get_datasets, DLAB, GET_DATASETS, AdwWindow)

GtkWidget *dlab_get_datasets_new (GtkWindow *parent);

/* The folder datasets are fetched into. */
char *dlab_get_datasets_root (void);

G_END_DECLS
