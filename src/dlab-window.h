/* DlabWindow: the main window. A header bar with the page switcher, the
 * pages (Draw, Train, Data), toasts for errors, and the current model, which
 * every page reads from the window's "classifier" property. The Data page
 * shows the dataset and augmentation chosen on the Train page, and a
 * trained network goes to the Draw page with "Use in Sketchpad". */
#pragma once

#include <adwaita.h>

#include "dlab-classifier.h"
#include "dlab-data-page.h"
#include "dlab-draw-page.h"
#include "dlab-train-page.h"

G_BEGIN_DECLS

#define DLAB_TYPE_WINDOW (dlab_window_get_type ())
G_DECLARE_FINAL_TYPE (DlabWindow, dlab_window, DLAB, WINDOW, AdwApplicationWindow)

DlabWindow *dlab_window_new (GtkApplication *application);

DlabClassifier *dlab_window_get_classifier (DlabWindow *self);
/* The models this session has used (DlabClassifier, oldest first; at most
 * a dozen, none in use dropped): the built-in model, opened files and
 * trained runs. The Draw page offers them to read with together. */
GListModel *dlab_window_get_models (DlabWindow *self);
DlabDrawPage *dlab_window_get_draw_page (DlabWindow *self);
DlabTrainPage *dlab_window_get_train_page (DlabWindow *self);
DlabDataPage *dlab_window_get_data_page (DlabWindow *self);
/* Shows a page: "draw", "train" or "data". */
void dlab_window_show_page (DlabWindow *self, const char *name);

/* Opens a checkpoint in the background; while it loads, is_loading is TRUE.
 * A file the engine refuses leaves the current model in place and shows an
 * error in the window. */
void dlab_window_open_model (DlabWindow *self, GFile *file);
gboolean dlab_window_is_loading (DlabWindow *self);
/* Opens a checkpoint as open_model does, shows the Draw page, and names the
 * model `display_name` there, e.g. "MNIST · lenet". NULL: the file's name,
 * or for a run's model.safetensors or stopped.safetensors (a folder with
 * command.txt) the run folder's name, as open_model names them too. */
void dlab_window_use_model (DlabWindow *self, GFile *file, const char *display_name);
void dlab_window_use_builtin_model (DlabWindow *self);

/* Strokes files (DESIGN.md format). Opening reads the file on a worker
 * thread (is_opening_strokes is TRUE meanwhile), then puts the drawing on
 * the sketchpad and shows the Draw page, or shows an error naming the file
 * and keeps the drawing. Saving returns FALSE after showing an error. */
void dlab_window_open_strokes (DlabWindow *self, GFile *file);
gboolean dlab_window_is_opening_strokes (DlabWindow *self);
gboolean dlab_window_save_strokes (DlabWindow *self, GFile *file);

/* A model (.safetensors) or a strokes file, by its name. */
void dlab_window_open_file (DlabWindow *self, GFile *file);

/* The full text of the last error shown, or NULL. */
const char *dlab_window_get_last_error (DlabWindow *self);

G_END_DECLS
