/* What dlab-train-page.c and dlab-train-page-actions.c share: the page's
 * parts and its run (as gnome-text-editor's editor-page-private.h). */
#pragma once

#include "dlab-dataset-chooser.h"
#include "dlab-fold-box.h"
#include "dlab-hyper-params.h"
#include "dlab-network-editor.h"
#include "dlab-run-view.h"
#include "dlab-train-page.h"

G_BEGIN_DECLS

struct _DlabTrainPage {
  AdwBin parent_instance;

  /* The parts (template children). */
  DlabTutorialChooser *tutorial_chooser;
  DlabDatasetChooser *dataset_chooser;
  DlabNetworkEditor *network_editor;
  DlabHyperParams *hyper_params;
  DlabRunView *run_view;
  DlabFoldBox *fold_box;          /* the settings beside the run, or above it */
  GtkScrolledWindow *settings_scroller; /* side by side: the settings' own scroll */
  GtkBox *settings_box;           /* stacked: straight in the fold box, above the run */
  guint fold_idle;                /* the settings follow the fold after the allocation */

  GSettings *settings;      /* NULL without the schema */
  DlabTrainingJob *job;     /* the current or last run */
  double last_val_accuracy; /* the last epoch's, for the tutorial's comparison */
  int last_val_n;
};

enum { DLAB_TRAIN_PAGE_USE_MODEL, DLAB_TRAIN_PAGE_MESSAGE, DLAB_TRAIN_PAGE_N_SIGNALS };
extern guint _dlab_train_page_signals[DLAB_TRAIN_PAGE_N_SIGNALS];

/* dlab-train-page-actions.c: the train.* actions on the class, and their
 * enabled states from the page's. */
void _dlab_train_page_class_actions_init (GtkWidgetClass *klass);
void _dlab_train_page_update_actions (DlabTrainPage *self);
/* The run is training or evaluating; it is training; Resume can go on
 * (a checkpoint, and fewer epochs done than now set). */
gboolean _dlab_train_page_job_busy (DlabTrainPage *self);
gboolean _dlab_train_page_job_running (DlabTrainPage *self);
gboolean _dlab_train_page_can_resume (DlabTrainPage *self);

/* A message for the window: a title and details (or NULL). */
void _dlab_train_page_tell (DlabTrainPage *self, const char *title, const char *details);

G_END_DECLS
