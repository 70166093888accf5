/* DlabDataPage: the Data page. Every sample of the dataset chosen on the
 * Train page in a virtualised grid with its label (the training or the
 * test split, one class or all), the class histogram, the pixel statistics
 * and a preview of the augmentation: the selected sample under several
 * random draws of the Train page's transforms (the draws training would
 * make for it in epochs 1, 2, ... with the run's seed). */
#pragma once

#include <adwaita.h>

#include "dlab-sample-grid.h"
#include "dlab-sample-set.h"

G_BEGIN_DECLS

#define DLAB_TYPE_DATA_PAGE (dlab_data_page_get_type ())
G_DECLARE_FINAL_TYPE (DlabDataPage, dlab_data_page, DLAB, DATA_PAGE, AdwBin)

/* How many augmented draws the preview shows. */
#define DLAB_DATA_PAGE_DRAWS 8

void dlab_data_page_set_sample_set (DlabDataPage *self, DlabSampleSet *set);
DlabSampleSet *dlab_data_page_get_sample_set (DlabDataPage *self);
/* No sample set yet: dataset `name` is being loaded (the title says so). */
void dlab_data_page_show_loading (DlabDataPage *self, const char *name);
/* The transform text of the augmentation preview ("" or NULL: none). */
void dlab_data_page_set_transforms (DlabDataPage *self, const char *transforms);

void dlab_data_page_show_split (DlabDataPage *self, gboolean test);
/* -1: every class. */
void dlab_data_page_filter_class (DlabDataPage *self, int label);
/* Selects the sample at `position` of the grid (its preview shows). */
void dlab_data_page_select (DlabDataPage *self, guint position);

GtkWidget *dlab_data_page_get_grid (DlabDataPage *self);
DlabSampleList *dlab_data_page_get_list (DlabDataPage *self);
const char *dlab_data_page_get_stats_text (DlabDataPage *self);
/* Class counts of the split shown (k values). */
const int *dlab_data_page_get_class_counts (DlabDataPage *self, int *k);
/* Augmented draws shown for the selected sample. */
int dlab_data_page_get_n_draws (DlabDataPage *self);

G_END_DECLS
