/* DlabTrainPage: the Train page, made of its parts (dlab-dataset-chooser.h,
 * dlab-network-editor.h, dlab-hyper-params.h, dlab-run-view.h). Choose a dataset, a network (from the zoo
 * or a spec validated as it is typed, with a torchsummary-like table),
 * the optimizer and its numbers, the augmentation and the seed; press Train
 * and watch the curves grow while the run goes on in a DlabTrainingJob.
 * After a run: test accuracy, the confusion matrix and the mistakes, and
 * the model to save or to use in the sketchpad. The choices are kept in
 * GSettings; every run is logged to the runs folder (see
 * dlab-training-job.h). */
#pragma once

#include <adwaita.h>

#include "dlab-confusion-view.h"
#include "dlab-mistakes-view.h"
#include "dlab-plot.h"
#include "dlab-sample-set.h"
#include "dlab-training-job.h"

#include "dlab-tutorial-chooser.h"

G_BEGIN_DECLS

#define DLAB_TYPE_TRAIN_PAGE (dlab_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DlabTrainPage, dlab_train_page, DLAB, TRAIN_PAGE, AdwBin)

/* The run the page describes, as `dlab train` arguments (dlab/run.h; no
 * program name, no --out/--log: the run folder adds them). NULL when no
 * dataset is chosen. */
GStrv dlab_train_page_get_args (DlabTrainPage *self);

/* Fills every setting from a tutorial's recipe (`dlab recipes` name; NULL:
 * none chosen), as picking it in the Tutorial row does. */
void dlab_train_page_choose_tutorial (DlabTrainPage *self, const char *name);
DlabTutorialChooser *dlab_train_page_get_tutorial_chooser (DlabTrainPage *self);

/* What the Train, Stop and Resume buttons do. start and resume return
 * FALSE (showing why) when they cannot run. */
gboolean dlab_train_page_start (DlabTrainPage *self);
void dlab_train_page_stop (DlabTrainPage *self);
gboolean dlab_train_page_resume (DlabTrainPage *self);

/* The dataset is loaded and the network fits it: Train can run. */
gboolean dlab_train_page_is_ready (DlabTrainPage *self);
/* Selects a dataset by engine name ("mnist", "folder:DIR"). */
void dlab_train_page_select_dataset (DlabTrainPage *self, const char *name);
/* The network text (a spec); errors show inline. */
void dlab_train_page_set_spec (DlabTrainPage *self, const char *spec);
const char *dlab_train_page_get_spec_status (DlabTrainPage *self);

DlabTrainingJob *dlab_train_page_get_job (DlabTrainPage *self);
DlabSampleSet *dlab_train_page_get_sample_set (DlabTrainPage *self);
DlabPlot *dlab_train_page_get_plot (DlabTrainPage *self);
DlabConfusionView *dlab_train_page_get_confusion_view (DlabTrainPage *self);
DlabMistakesView *dlab_train_page_get_mistakes_view (DlabTrainPage *self);
const char *dlab_train_page_get_status_text (DlabTrainPage *self);
/* Shows "curves" or "results". */
void dlab_train_page_show_view (DlabTrainPage *self, const char *name);

/* The augmentation switched on, in the engine's transform text, for
 * images of c x h x w ("" for none). */
char *dlab_train_page_get_transforms (DlabTrainPage *self);
/* The control of the generated row of run option `name` (a GtkSpinButton,
 * GtkSwitch or AdwEntryRow under More options), NULL when the option has a
 * widget of its own or no title (dlab-option-rows.h). */
GtkWidget *dlab_train_page_get_option_control (DlabTrainPage *self, const char *name);

G_END_DECLS
