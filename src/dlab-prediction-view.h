/* DlabPredictionView: the network's reading. The most likely class in large
 * type with how sure the network is ("Not sure" below a threshold), then a
 * bar for every class with its name and probability. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_PREDICTION_VIEW (dlab_prediction_view_get_type ())
G_DECLARE_FINAL_TYPE (DlabPredictionView, dlab_prediction_view, DLAB, PREDICTION_VIEW, GtkWidget)

GtkWidget *dlab_prediction_view_new (void);

/* One bar per name; the view shows no reading until probabilities come. */
void dlab_prediction_view_set_class_names (DlabPredictionView *self, const char *const *names);
/* One probability per class; NULL shows that there is nothing to read. */
void dlab_prediction_view_set_probabilities (DlabPredictionView *self, const float *probs);

/* Below this top probability (0..1) the view says it is not sure. */
void dlab_prediction_view_set_threshold (DlabPredictionView *self, double threshold);
double dlab_prediction_view_get_threshold (DlabPredictionView *self);

/* What is on screen (tests): the shown class (-1 for none), the large
 * text, the caption below it, and whether the reading counts as sure. */
int dlab_prediction_view_get_top_class (DlabPredictionView *self);
const char *dlab_prediction_view_get_top_text (DlabPredictionView *self);
const char *dlab_prediction_view_get_caption (DlabPredictionView *self);
gboolean dlab_prediction_view_is_sure (DlabPredictionView *self);
int dlab_prediction_view_get_n_bars (DlabPredictionView *self);

G_END_DECLS
