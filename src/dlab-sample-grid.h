/* Sample grids: a list model of dataset samples, created on demand (a
 * GtkGridView over it builds tiles only for what is on screen, so 60,000
 * samples cost an index array), and the grid view showing each sample's
 * image with its class name, or with the true and predicted class. Used by
 * the Data page (every sample, filtered by class) and the mistakes gallery. */
#pragma once

#include <gtk/gtk.h>

#include "dlab-sample-set.h"

G_BEGIN_DECLS

/* One sample: its index in the dataset and, for predictions, the
 * predicted class (-1: none) and its probability. */
#define DLAB_TYPE_SAMPLE_ITEM (dlab_sample_item_get_type ())
G_DECLARE_FINAL_TYPE (DlabSampleItem, dlab_sample_item, DLAB, SAMPLE_ITEM, GObject)

int dlab_sample_item_get_index (DlabSampleItem *self);
int dlab_sample_item_get_label (DlabSampleItem *self);
int dlab_sample_item_get_predicted (DlabSampleItem *self);

#define DLAB_TYPE_SAMPLE_LIST (dlab_sample_list_get_type ())
G_DECLARE_FINAL_TYPE (DlabSampleList, dlab_sample_list, DLAB, SAMPLE_LIST, GObject)

DlabSampleList *dlab_sample_list_new (void);

/* Shows samples idx[0..n) of d (idx NULL: all of d, in order). `owner`
 * keeps d alive while the list shows it (ref taken). predicted and
 * confidence (n values, or NULL) label the tiles "true → predicted". */
void dlab_sample_list_set (DlabSampleList *self, const DlabDataset *d, GObject *owner,
                           const guint32 *idx, guint n, const guint8 *predicted,
                           const float *confidence);
const DlabDataset *dlab_sample_list_get_dataset (DlabSampleList *self);

/* A GtkGridView of the list with a single selection; arrow keys, Page
 * Up/Down, Home and End move through the images, Enter picks one. */
GtkWidget *dlab_sample_grid_new (DlabSampleList *list);

/* DlabTabStop: holds one child (a sample grid's scrolled window) and makes
 * all of it a single stop of the Tab chain. GTK 4.8's grid view makes
 * every image a Tab stop, so the 60,000 images of a dataset kept the
 * keyboard from ever reaching what follows the grid; inside a tab stop,
 * Tab and Shift+Tab leave the grid at once (the arrow keys still move
 * within it), and entering it focuses the image last focused. */
#define DLAB_TYPE_TAB_STOP (dlab_tab_stop_get_type ())
G_DECLARE_FINAL_TYPE (DlabTabStop, dlab_tab_stop, DLAB, TAB_STOP, GtkWidget)

GtkWidget *dlab_tab_stop_new (GtkWidget *child);

/* The tile text shown under the sample at `position` when it is on
 * screen (bound to a tile), else NULL: what a person reads there. */
const char *dlab_sample_grid_get_tile_text (GtkWidget *grid, guint position);

G_END_DECLS
