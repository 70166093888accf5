/* DlabClassifier: a loaded model (a DlabPredictor from the engine) as a
 * GObject, so the window, the Draw page and later the Train page can share
 * one with ordinary reference counting. Used from the main thread only;
 * loading a file runs on a worker thread and hands the result back. */
#pragma once

#include <gio/gio.h>

#include "dlab/ensemble.h"
#include "dlab/inside.h"
#include "dlab/strokes.h"

G_BEGIN_DECLS

#define DLAB_TYPE_CLASSIFIER (dlab_classifier_get_type ())
G_DECLARE_FINAL_TYPE (DlabClassifier, dlab_classifier, DLAB, CLASSIFIER, GObject)

#define DLAB_CLASSIFIER_ERROR (dlab_classifier_error_quark ())
GQuark dlab_classifier_error_quark (void);

typedef enum {
  DLAB_CLASSIFIER_ERROR_INVALID,   /* the engine refused the file */
  DLAB_CLASSIFIER_ERROR_MISMATCH,  /* a valid model that cannot read drawings */
} DlabClassifierError;

/* The built-in model embedded in the GResource. */
DlabClassifier *dlab_classifier_new_builtin (GError **error);
DlabClassifier *dlab_classifier_new_for_bytes (GBytes *bytes, const char *name, GError **error);
DlabClassifier *dlab_classifier_new_for_file (GFile *file, GError **error);

/* Loads a checkpoint on a worker thread (the engine's checks and a
 * model of any size never block the interface). */
void dlab_classifier_load_file_async (GFile *file, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
DlabClassifier *dlab_classifier_load_file_finish (GAsyncResult *result, GError **error);

/* "Built-in model" or the file's base name, unless set_name gave
 * another (a training run's name). */
const char *dlab_classifier_get_name (DlabClassifier *self);
void dlab_classifier_set_name (DlabClassifier *self, const char *name);
/* The engine's name of the dataset it was trained on ("mnist",
 * "fashion-mnist", "emnist-letters", "folder:…"); "" when unknown. */
const char *dlab_classifier_get_dataset (DlabClassifier *self);
/* The file it came from; NULL for the built-in model. */
GFile *dlab_classifier_get_file (DlabClassifier *self);
/* What to ask for on the empty pad: "Draw a digit here" for a digits
 * model, "Draw a letter here", "Draw a piece of clothing here", else
 * "Draw here" (translated). */
const char *dlab_classifier_get_drawing_hint (DlabClassifier *self);
/* One line for people: dataset, class count, parameter count. */
char *dlab_classifier_describe (DlabClassifier *self);

int dlab_classifier_get_n_classes (DlabClassifier *self);
const char *dlab_classifier_get_class_name (DlabClassifier *self, int index);
/* All of them, NULL-terminated. */
const char *const *dlab_classifier_get_class_names (DlabClassifier *self);

/* Ink preprocessing + inference. image receives the 28x28 picture the
 * network saw, probs one probability per class. Returns the most likely
 * class, or -1 when nothing is drawn. */
int dlab_classifier_read_strokes (DlabClassifier *self, const DlabStrokes *strokes,
                                  float *image, float *probs);

/* Whether self can be averaged with `first` (dlab/ensemble.h: the same
 * classes, in the same order). FALSE with the engine's message. */
gboolean dlab_classifier_can_average_with (DlabClassifier *self, DlabClassifier *first, GError **error);

/* The engine's ensemble of classifiers[0..n) (n >= 1), for one reading of
 * them all at once. It borrows their models: keep the classifiers until it
 * is freed (dlab_ensemble_free). NULL with the engine's message. */
DlabEnsemble *dlab_classifier_new_ensemble (DlabClassifier *const *classifiers, int n, GError **error);

/* A DlabInside of the model (dlab/inside.h: every layer's output and the
 * saliency, from its own copy of the weights; the readings above are not
 * slowed). Free with dlab_inside_free. NULL with the engine's message. */
DlabInside *dlab_classifier_new_inside (DlabClassifier *self, GError **error);

G_END_DECLS
