/* DlabMistakesView: test images after a run, with their true and predicted
 * classes: by default the worst mistakes (wrong, and most sure of it),
 * or every image of one confusion-matrix cell. A virtualised grid.
 * Emits "showing-worst" when it goes back to the worst mistakes. */
#pragma once

#include <gtk/gtk.h>

#include "dlab-sample-grid.h"
#include "dlab-training-job.h"

G_BEGIN_DECLS

#define DLAB_TYPE_MISTAKES_VIEW (dlab_mistakes_view_get_type ())
G_DECLARE_FINAL_TYPE (DlabMistakesView, dlab_mistakes_view, DLAB, MISTAKES_VIEW, GtkBox)

/* How many worst mistakes are shown. */
#define DLAB_MISTAKES_WORST 64

GtkWidget *dlab_mistakes_view_new (void);

/* The results of `job` (kept alive while shown): shows the worst
 * mistakes. NULL (or a job without results) hides the images; the old
 * ones are dropped when the next results replace them. */
void dlab_mistakes_view_set_job (DlabMistakesView *self, DlabTrainingJob *job);
void dlab_mistakes_view_show_worst (DlabMistakesView *self);
/* Every test image of class true_class read as `predicted`, surest first. */
void dlab_mistakes_view_show_cell (DlabMistakesView *self, int true_class, int predicted);

DlabSampleList *dlab_mistakes_view_get_list (DlabMistakesView *self);
GtkWidget *dlab_mistakes_view_get_grid (DlabMistakesView *self);
const char *dlab_mistakes_view_get_title (DlabMistakesView *self);

G_END_DECLS
