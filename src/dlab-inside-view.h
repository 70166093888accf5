/* DlabInsideView: inside the network, for the drawing on the Draw page.
 * Every layer in order with its output shape (feature maps as small grey
 * images, flat outputs as bars), the first layer's learned filters, which
 * pixels mattered to the most likely class or to any class clicked (the
 * saliency: the gradient of that class's logit with respect to each input
 * pixel, over the 28x28 image), and a diagram of the network, exportable as
 * PNG or SVG. The engine computes all of it (dlab/inside.h) on its own copy
 * of the model.
 *
 * Timing: the Draw page's reading (the probabilities) runs at the frame's
 * start; this view updates after that frame is painted (the frame clock's
 * after-paint), once per frame however many pen events came, and only while
 * it is shown. So the probabilities appear as fast as without it. */
#pragma once

#include <adwaita.h>

#include "dlab-classifier.h"
#include "dlab-network-diagram.h"
#include "dlab-sketchpad.h"
#include "dlab-training-job.h"

G_BEGIN_DECLS

#define DLAB_TYPE_INSIDE_VIEW (dlab_inside_view_get_type ())
G_DECLARE_FINAL_TYPE (DlabInsideView, dlab_inside_view, DLAB, INSIDE_VIEW, AdwBin)

/* The model to look inside (NULL: none). */
void dlab_inside_view_set_classifier (DlabInsideView *self, DlabClassifier *classifier);
/* The pad whose drawing it shows; followed through its "changed" signal. */
void dlab_inside_view_set_sketchpad (DlabInsideView *self, DlabSketchpad *sketchpad);
/* A run being trained: after each epoch its checkpoint is loaded (on a
 * worker thread) and its first layer's filters shown. NULL: the
 * classifier's own filters again. */
void dlab_inside_view_set_training_job (DlabInsideView *self, DlabTrainingJob *job);

/* The class whose saliency is shown: -1 for the most likely one. */
void dlab_inside_view_set_saliency_class (DlabInsideView *self, int cls);
int dlab_inside_view_get_saliency_class (DlabInsideView *self);
/* The class the saliency shown was computed for (-1 when none is shown). */
int dlab_inside_view_get_shown_class (DlabInsideView *self);

/* The diagram into file as PNG (png) or SVG, what its export buttons do
 * once a file is chosen; either way it says so through "message". */
gboolean dlab_inside_view_export_diagram (DlabInsideView *self, GFile *file, gboolean png);

/* Signal "message" (title, details or NULL): a diagram export was saved,
 * or could not be (details: which file and why), for the window to show. */

/* For tests: updates done, layer rows, the epoch whose filters show (0:
 * the classifier's), the diagram; and an update run now if one is due. */
guint dlab_inside_view_get_n_updates (DlabInsideView *self);
int dlab_inside_view_get_n_layers (DlabInsideView *self);
int dlab_inside_view_get_filters_epoch (DlabInsideView *self);
DlabNetworkDiagram *dlab_inside_view_get_diagram (DlabInsideView *self);
void dlab_inside_view_update_now (DlabInsideView *self);

G_END_DECLS
