/* What the Draw page's files share (dlab-draw-page.c: the reading and the
 * labels; dlab-draw-page-models.c: the picker of the models that read). */
#pragma once

#include "dlab-draw-page.h"

#include "dlab/ensemble.h"
#include "dlab/ink.h"

G_BEGIN_DECLS

struct _DlabDrawPage {
  AdwBin parent_instance;

  DlabSketchpad *sketchpad;
  DlabPredictionView *prediction_view;
  DlabInkPreview *ink_preview;
  GtkLabel *model_name_label;
  GtkLabel *model_details_label;
  GtkLabel *agreement_label;
  GtkLabel *hint_label;
  GtkMenuButton *models_button;
  GtkListBox *models_list;
  GtkToggleButton *inside_toggle;
  DlabInsideView *inside_view;

  DlabClassifier *classifier; /* the first pick: the Inside view's */
  GPtrArray *picks;           /* the DlabClassifiers that read, picks[0] the first */
  DlabEnsemble *ensemble;     /* the engine's reading of the picks */
  GListModel *models;         /* what the picker offers (the window's), or NULL */
  gboolean updating_rows;     /* the picker's checks are being set, not clicked */
  guint tick_id;              /* a reading is due at the next frame */
  guint n_readings;
  float image[DLAB_INK_PIXELS];
};

static inline DlabClassifier *
dlab_draw_page_pick (DlabDrawPage *self, guint i)
{
  return g_ptr_array_index (self->picks, i);
}

/* A reading at the next frame (one a frame, however many changes). */
void dlab_draw_page_schedule_reading (DlabDrawPage *self);
/* The model's name and details, the hint and the bars' class names. */
void dlab_draw_page_show_model (DlabDrawPage *self);
/* After the picks changed: a new ensemble, the labels, the picker, a reading. */
void dlab_draw_page_picks_changed (DlabDrawPage *self);

G_END_DECLS
