/* DlabDrawPage: the Draw page of the window. A sketchpad, the network's
 * reading of it (bars, headline) and the 28x28 image the network sees,
 * updated live: every change of the drawing asks for one reading at the
 * next frame, so a burst of pen events costs one inference per frame. */
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

void dlab_draw_page_set_classifier (DlabDrawPage *self, DlabClassifier *classifier);
DlabClassifier *dlab_draw_page_get_classifier (DlabDrawPage *self);

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
