/* DlabDrawPage: the Draw page of the window. A sketchpad, the network's
 * reading of it (bars, headline) and the 28x28 image the network sees,
 * updated live: every change of the drawing asks for one reading at the
 * next frame, so a burst of pen events costs one inference per frame.
 *
 * The drawing is read by the window's model, or by several at once: the
 * Models button lists the models of the session (set_models) and each can
 * be ticked. With several, the bars show the mean of their probabilities
 * (the engine's DlabEnsemble), the model's name reads "Average of N
 * models" and a line under the bars says whether they read the same
 * class. Only models of the first one's classes can be ticked. */
#pragma once

#include <adwaita.h>

#include "dlab-classifier.h"
#include "dlab-ink-preview.h"
#include "dlab-inside-view.h"
#include "dlab-prediction-view.h"
#include "dlab-sketchpad.h"

G_BEGIN_DECLS

#define DLAB_TYPE_DRAW_PAGE (dlab_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DlabDrawPage, dlab_draw_page, DLAB, DRAW_PAGE, AdwBin)

/* The model that reads alone (the picks start again from it); the first
 * pick, which the Inside view shows. The property follows the picks: when
 * the first is unticked, the next becomes the classifier. */
void dlab_draw_page_set_classifier (DlabDrawPage *self, DlabClassifier *classifier);
DlabClassifier *dlab_draw_page_get_classifier (DlabDrawPage *self);

/* The models the picker offers (a GListModel of DlabClassifier). */
void dlab_draw_page_set_models (DlabDrawPage *self, GListModel *models);
/* Ticks or unticks a model, as its row in the picker does. FALSE when that
 * cannot be: its classes differ from the first pick's, too many models,
 * or the last one would be unticked. */
gboolean dlab_draw_page_set_picked (DlabDrawPage *self, DlabClassifier *classifier, gboolean picked);
gboolean dlab_draw_page_is_picked (DlabDrawPage *self, DlabClassifier *classifier);
/* The picks, the first one first. */
guint dlab_draw_page_get_n_picked (DlabDrawPage *self);
DlabClassifier *dlab_draw_page_get_picked (DlabDrawPage *self, guint index);
/* The picker's row of a model (an AdwActionRow whose activatable widget is
 * its check button), or NULL: for tests. */
GtkWidget *dlab_draw_page_get_model_row (DlabDrawPage *self, DlabClassifier *classifier);

DlabSketchpad *dlab_draw_page_get_sketchpad (DlabDrawPage *self);
DlabPredictionView *dlab_draw_page_get_prediction_view (DlabDrawPage *self);
DlabInkPreview *dlab_draw_page_get_ink_preview (DlabDrawPage *self);
/* Inside the network (dlab-inside-view.h), shown while its toggle is on. */
DlabInsideView *dlab_draw_page_get_inside_view (DlabDrawPage *self);
GtkToggleButton *dlab_draw_page_get_inside_toggle (DlabDrawPage *self);

/* How many readings (preprocessing + inference) have run: tests check
 * that they follow the frame clock, not the events. */
guint dlab_draw_page_get_n_readings (DlabDrawPage *self);

G_END_DECLS
