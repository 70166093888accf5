/* DlabGetDatasets: the "Get Datasets" window. One row per dataset that
 * `dlab fetch` knows; "Get" downloads it with the engine's fetch code (on
 * a worker thread, checksums verified) into the folder `dlab fetch` uses,
 * with a progress bar; a dataset already on this computer shows "Ready"
 * instead. Offline, it says that the network cannot be reached and what to
 * do. Escape and Ctrl+W close it (a download goes on until it ends).
 * Emits "fetched" after each dataset arrives. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DLAB_TYPE_GET_DATASETS (dlab_get_datasets_get_type ())
G_DECLARE_FINAL_TYPE (DlabGetDatasets, dlab_get_datasets, DLAB, GET_DATASETS, AdwWindow)

GtkWidget *dlab_get_datasets_new (GtkWindow *parent);

/* The folder datasets are fetched into: as for `dlab fetch`, $DLAB_DATA,
 * else ~/.local/share/digit-lab/datasets. */
char *dlab_get_datasets_root (void);

/* For tests, what a person sees and does: whether a dataset's row offers
 * "Get" (FALSE once the dataset is found on this computer), pressing it,
 * whether a download runs, and the last problem's headline (NULL: none)
 * and its explanation. A failed download leaves no folder it created
 * empty behind. */
gboolean dlab_get_datasets_offers (DlabGetDatasets *self, const char *name);
void dlab_get_datasets_get (DlabGetDatasets *self, const char *name);
gboolean dlab_get_datasets_is_busy (DlabGetDatasets *self);
const char *dlab_get_datasets_get_problem (DlabGetDatasets *self);
const char *dlab_get_datasets_get_status (DlabGetDatasets *self);

G_END_DECLS
