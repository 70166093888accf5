/* DlabConfusionView: the confusion matrix as a heat map. Rows are the true
 * classes, columns the predicted ones; each cell's shade is its share of
 * the row (the diagonal in blue, mistakes in red, made visible even when
 * rare), with the count written in when the cell is large enough. A click
 * on a cell selects it and emits "cell-activated" (true, predicted). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_CONFUSION_VIEW (dlab_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (DlabConfusionView, dlab_confusion_view, DLAB, CONFUSION_VIEW, GtkWidget)

GtkWidget *dlab_confusion_view_new (void);

/* k x k counts, [true][predicted] (copied), and k class names (NULL: the
 * class numbers). matrix NULL clears the view. */
void dlab_confusion_view_set_matrix (DlabConfusionView *self, const int *matrix, int k,
                                     const char *const *class_names);
int dlab_confusion_view_get_n_classes (DlabConfusionView *self);
int dlab_confusion_view_get_count (DlabConfusionView *self, int true_class, int predicted);

/* Selects a cell as a click does (emitting "cell-activated"); -1, -1
 * clears the selection. */
void dlab_confusion_view_select (DlabConfusionView *self, int true_class, int predicted);
gboolean dlab_confusion_view_get_selected (DlabConfusionView *self, int *true_class, int *predicted);

/* The cell under widget point (x, y); FALSE outside the matrix. */
gboolean dlab_confusion_view_cell_at (DlabConfusionView *self, double x, double y,
                                      int *true_class, int *predicted);

G_END_DECLS
