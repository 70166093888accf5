/* DlabRunView: the Train page's run. The Train, Stop and Resume buttons
 * (the page's train.* actions), the progress line and bar, the curves and
 * the test results (accuracy, confusion matrix, mistakes) of the job it
 * watches. It shows; the page starts, stops and resumes. */
#pragma once

#include <adwaita.h>

#include "dlab-confusion-view.h"
#include "dlab-mistakes-view.h"
#include "dlab-plot.h"
#include "dlab-training-job.h"

G_BEGIN_DECLS

#define DLAB_TYPE_RUN_VIEW (dlab_run_view_get_type ())
G_DECLARE_FINAL_TYPE (DlabRunView, dlab_run_view, DLAB, RUN_VIEW, AdwBin)

/* Shows `job`'s steps, epochs, end and results from now on. */
void dlab_run_view_watch (DlabRunView *self, DlabTrainingJob *job);
/* A new run called `title` of `epochs` epochs: everything cleared. */
void dlab_run_view_begin (DlabRunView *self, const char *title, int epochs);
/* A resumed run to `epochs` epochs, `done` of them trained before. */
void dlab_run_view_begin_resume (DlabRunView *self, int epochs, int done);

void dlab_run_view_set_status (DlabRunView *self, const char *text);
const char *dlab_run_view_get_status (DlabRunView *self);
/* "title: details" in red under the progress, until the next run. */
void dlab_run_view_show_error (DlabRunView *self, const char *title, const char *details);
/* Stop is red while there is something to stop. */
void dlab_run_view_set_stoppable (DlabRunView *self, gboolean stoppable);

DlabPlot *dlab_run_view_get_plot (DlabRunView *self);
DlabConfusionView *dlab_run_view_get_confusion_view (DlabRunView *self);
DlabMistakesView *dlab_run_view_get_mistakes_view (DlabRunView *self);
/* Shows "curves" or "results". */
void dlab_run_view_show_view (DlabRunView *self, const char *name);

G_END_DECLS
