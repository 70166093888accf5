/* DlabPlot: the training curves, drawn with Cairo. Two panels:
 *   Loss      the loss of every step (raw, faint; and smoothed as
 *             TensorBoard smooths), with the train, validation and test
 *             loss of each epoch;
 *   Accuracy  train, validation and test accuracy per epoch.
 * The x axis counts epochs. Axes get "nice" ticks (1, 2, 5 x 10^k), each
 * panel a legend; hovering shows the values under the pointer. The step
 * curve keeps at most a fixed number of buckets (min, max and means of
 * consecutive steps, merged pairwise as the run grows), so memory and
 * drawing cost stay bounded however long the run. Exports to PNG and SVG. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_PLOT (dlab_plot_get_type ())
G_DECLARE_FINAL_TYPE (DlabPlot, dlab_plot, DLAB, PLOT, GtkWidget)

/* Buckets the step curve keeps at most. */
#define DLAB_PLOT_MAX_BUCKETS 1024

GtkWidget *dlab_plot_new (void);

/* Forgets every point; the x axis then spans `epochs`. */
void dlab_plot_reset (DlabPlot *self, int epochs);
/* Widens the x axis (a resumed run with more epochs). */
void dlab_plot_set_epochs (DlabPlot *self, int epochs);
/* Forgets the points after x = epochs done: a resumed run goes on from its
 * last saved epoch, and the steps of a stopped epoch are trained again.
 * (The smoothed curve goes on from where it was.) */
void dlab_plot_truncate (DlabPlot *self, double x);

/* One training step at x = epochs done (e.g. 2.5 is half through epoch 3). */
void dlab_plot_add_step (DlabPlot *self, double x, double loss);
/* One epoch's means; NAN for what was not measured (no validation set). */
void dlab_plot_add_epoch (DlabPlot *self, int epoch, double train_loss, double train_accuracy,
                          double val_loss, double val_accuracy, double test_loss,
                          double test_accuracy);

guint dlab_plot_get_n_steps (DlabPlot *self);
guint dlab_plot_get_n_epochs (DlabPlot *self);
guint dlab_plot_get_n_buckets (DlabPlot *self);
/* The smoothed loss of the last step (NAN before any). */
double dlab_plot_get_last_smoothed (DlabPlot *self);

/* TensorBoard's smoothing weight (0: none; 0.6 by default). */
void dlab_plot_set_smoothing (DlabPlot *self, double weight);

/* The read-out for a pointer at (x, y) in widget coordinates, as hovering
 * there shows it; NULL outside the data. */
char *dlab_plot_readout_at (DlabPlot *self, double x, double y);

/* Where a panel's curves are drawn, in widget coordinates, as the last
 * drawing placed them; the tick labels and titles are around it. FALSE
 * while the widget is too small to draw. */
gboolean dlab_plot_get_panel (DlabPlot *self, gboolean loss, graphene_rect_t *area);

/* The run the chart shows, e.g. its folder's name: drawn as the title of
 * exported charts (NULL: none). */
void dlab_plot_set_title (DlabPlot *self, const char *title);
const char *dlab_plot_get_title (DlabPlot *self);
/* The file name to suggest for an export: "TITLE-curves.EXTENSION"
 * ("curves.EXTENSION" without a title), safe as a file name. */
char *dlab_plot_dup_file_name (DlabPlot *self, const char *extension);

/* Both panels, black on white, width x height pixels (points for SVG),
 * under the title when there is one; written whole or not at all (the old
 * file stays when it fails: dlab-export.h). */
gboolean dlab_plot_export_png (DlabPlot *self, const char *path, int width, int height, GError **error);
gboolean dlab_plot_export_svg (DlabPlot *self, const char *path, int width, int height, GError **error);

G_END_DECLS
