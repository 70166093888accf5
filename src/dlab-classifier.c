/* DlabClassifier: wraps the engine's DlabPredictor (see dlab-classifier.h). */
#include "dlab-classifier.h"
#include "dlab-format.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/ink.h"
#include "dlab/model.h"
#include "dlab/predictor.h"

#define BUILTIN_MODEL_RESOURCE "/io/github/digitlab/DigitLab/default-model.safetensors"

struct _DlabClassifier {
  GObject parent_instance;

  DlabPredictor *predictor;
  char *name;
  GFile *file;  /* NULL for the built-in model */
  /* Class names to show: the checkpoint's, or the class index when a
   * checkpoint has none. */
  char **class_names;
  int n_classes;
};

G_DEFINE_FINAL_TYPE (DlabClassifier, dlab_classifier, G_TYPE_OBJECT)

G_DEFINE_QUARK (dlab-classifier-error-quark, dlab_classifier_error)

static void
dlab_classifier_finalize (GObject *object)
{
  DlabClassifier *self = DLAB_CLASSIFIER (object);

  dlab_predictor_free (self->predictor);
  g_free (self->name);
  g_clear_object (&self->file);
  g_strfreev (self->class_names);

  G_OBJECT_CLASS (dlab_classifier_parent_class)->finalize (object);
}

static void
dlab_classifier_class_init (DlabClassifierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dlab_classifier_finalize;
}

static void
dlab_classifier_init (DlabClassifier *self)
{
  (void) self;
}

/* The sketchpad renders 28x28 grey images: a model that takes anything else
 * (CIFAR's 3x32x32) loads fine in the engine but cannot read a drawing. */
static gboolean
reads_drawings (DlabPredictor *predictor, const char *what, GError **error)
{
  DlabShape in = dlab_model_input (dlab_predictor_model (predictor));

  if (in.ndim == 3 && in.d[0] == 1 && in.d[1] == DLAB_INK_SIDE && in.d[2] == DLAB_INK_SIDE)
    return TRUE;

  if (in.ndim == 3)
    g_set_error (error, DLAB_CLASSIFIER_ERROR, DLAB_CLASSIFIER_ERROR_MISMATCH,
                 _("%s: the model reads %d×%d×%d images; the Draw page needs a model for 1×28×28 grey images"),
                 what, in.d[0], in.d[1], in.d[2]);
  else
    g_set_error (error, DLAB_CLASSIFIER_ERROR, DLAB_CLASSIFIER_ERROR_MISMATCH,
                 _("%s: the model reads flat vectors of %d values; the Draw page needs a model for 1×28×28 grey images"),
                 what, in.d[0]);
  return FALSE;
}

/* Takes ownership of predictor (freed on error). */
static DlabClassifier *
wrap (DlabPredictor *predictor, const char *name, GFile *file, GError **error)
{
  if (!reads_drawings (predictor, name, error))
    {
      dlab_predictor_free (predictor);
      return NULL;
    }

  DlabClassifier *self = g_object_new (DLAB_TYPE_CLASSIFIER, NULL);
  self->predictor = predictor;
  self->name = g_strdup (name);
  self->file = file ? g_object_ref (file) : NULL;

  const DlabModelInfo *info = dlab_predictor_info (predictor);
  self->n_classes = dlab_predictor_num_classes (predictor);
  self->class_names = g_new0 (char *, self->n_classes + 1);
  for (int i = 0; i < self->n_classes; i++)
    {
      const char *given = i < DLAB_MAX_CLASSES ? info->class_names[i] : NULL;
      self->class_names[i] = given && *given ? g_strdup (given) : g_strdup_printf ("%d", i);
    }
  return self;
}

static void
set_engine_error (GError **error)
{
  g_set_error_literal (error, DLAB_CLASSIFIER_ERROR, DLAB_CLASSIFIER_ERROR_INVALID,
                       dlab_error_message ());
}

DlabClassifier *
dlab_classifier_new_for_bytes (GBytes *bytes, const char *name, GError **error)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (bytes, &len);

  dlab_error_clear ();
  DlabPredictor *predictor = dlab_predictor_load_buffer (data, len, name);
  if (!predictor)
    {
      set_engine_error (error);
      return NULL;
    }
  return wrap (predictor, name, NULL, error);
}

DlabClassifier *
dlab_classifier_new_builtin (GError **error)
{
  g_autoptr (GBytes) bytes = g_resources_lookup_data (BUILTIN_MODEL_RESOURCE, 0, error);

  if (!bytes)
    return NULL;
  return dlab_classifier_new_for_bytes (bytes, _("Built-in model"), error);
}

DlabClassifier *
dlab_classifier_new_for_file (GFile *file, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);

  if (!path)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s: not a local file"), name);
      return NULL;
    }

  dlab_error_clear ();
  DlabPredictor *predictor = dlab_predictor_load (path);
  if (!predictor)
    {
      set_engine_error (error);
      return NULL;
    }
  return wrap (predictor, name, file, error);
}

/* Runs on the worker thread: the engine's error message is per thread, so
 * it is turned into a GError here, before going back to the main thread. */
static void
load_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  DlabClassifier *classifier;

  (void) source;
  (void) cancellable;
  classifier = dlab_classifier_new_for_file (G_FILE (task_data), &error);
  if (classifier)
    g_task_return_pointer (task, classifier, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
dlab_classifier_load_file_async (GFile *file, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, dlab_classifier_load_file_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_in_thread);
}

DlabClassifier *
dlab_classifier_load_file_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
dlab_classifier_get_name (DlabClassifier *self)
{
  return self->name;
}

GFile *
dlab_classifier_get_file (DlabClassifier *self)
{
  return self->file;
}

/* The dataset's usual spelling for the checkpoint's identifier. */
static const char *
dataset_title (const char *id)
{
  static const struct { const char *id, *title; } titles[] = {
    { "mnist", "MNIST" },
    { "fashion-mnist", "Fashion-MNIST" },
    { "emnist", "EMNIST" },
    { "cifar10", "CIFAR-10" },
    { "cifar-10", "CIFAR-10" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_ascii_strcasecmp (id, titles[i].id) == 0)
      return titles[i].title;
  if (g_ascii_strncasecmp (id, "emnist", 6) == 0)
    return "EMNIST";
  return id;
}

void
dlab_classifier_set_name (DlabClassifier *self, const char *name)
{
  g_return_if_fail (DLAB_IS_CLASSIFIER (self));
  g_return_if_fail (name != NULL);
  g_free (self->name);
  self->name = g_strdup (name);
}

const char *
dlab_classifier_get_dataset (DlabClassifier *self)
{
  g_return_val_if_fail (DLAB_IS_CLASSIFIER (self), "");
  return dlab_predictor_info (self->predictor)->dataset;
}

/* Every class name a single digit, in order: a digits model whatever
 * its dataset (a folder of digit images, a checkpoint without one). */
static gboolean
classes_are_digits (DlabClassifier *self)
{
  if (self->n_classes != 10)
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (self->class_names[i][0] != '0' + i || self->class_names[i][1] != '\0')
      return FALSE;
  return TRUE;
}

const char *
dlab_classifier_get_drawing_hint (DlabClassifier *self)
{
  const char *dataset;

  g_return_val_if_fail (DLAB_IS_CLASSIFIER (self), "");
  dataset = dlab_classifier_get_dataset (self);
  if (g_str_equal (dataset, "fashion-mnist"))
    return _("Draw a piece of clothing here");
  if (g_str_equal (dataset, "emnist-letters"))
    return _("Draw a letter here");
  if (g_str_has_prefix (dataset, "emnist-b"))  /* balanced, bymerge, byclass */
    return _("Draw a letter or a digit here");
  if (classes_are_digits (self))
    return _("Draw a digit here");
  return _("Draw here");
}

char *
dlab_classifier_describe (DlabClassifier *self)
{
  const DlabModelInfo *info = dlab_predictor_info (self->predictor);
  long n_params = dlab_model_count_params (dlab_predictor_model (self->predictor));
  g_autofree char *params = dlab_format_count (n_params);
  const char *dataset = info->dataset[0] ? dataset_title (info->dataset) : _("unknown data");

  return g_strdup_printf (ngettext ("Trained on %s · %d class · %s parameters",
                                    "Trained on %s · %d classes · %s parameters",
                                    self->n_classes),
                          dataset, self->n_classes, params);
}

int
dlab_classifier_get_n_classes (DlabClassifier *self)
{
  return self->n_classes;
}

const char *
dlab_classifier_get_class_name (DlabClassifier *self, int index)
{
  g_return_val_if_fail (index >= 0 && index < self->n_classes, "");
  return self->class_names[index];
}

const char *const *
dlab_classifier_get_class_names (DlabClassifier *self)
{
  return (const char *const *) self->class_names;
}

int
dlab_classifier_read_strokes (DlabClassifier *self, const DlabStrokes *strokes,
                              float *image, float *probs)
{
  return dlab_predictor_run_strokes (self->predictor, strokes, image, probs);
}

DlabInside *
dlab_classifier_new_inside (DlabClassifier *self, GError **error)
{
  DlabInside *inside;

  g_return_val_if_fail (DLAB_IS_CLASSIFIER (self), NULL);
  inside = dlab_inside_new (self->predictor);
  if (!inside)
    g_set_error_literal (error, DLAB_CLASSIFIER_ERROR, DLAB_CLASSIFIER_ERROR_INVALID, dlab_error_message ());
  return inside;
}

gboolean
dlab_classifier_can_average_with (DlabClassifier *self, DlabClassifier *first, GError **error)
{
  g_return_val_if_fail (DLAB_IS_CLASSIFIER (self) && DLAB_IS_CLASSIFIER (first), FALSE);
  if (dlab_ensemble_check (first->predictor, first->name, self->predictor, self->name) == 0)
    return TRUE;
  set_engine_error (error);
  return FALSE;
}

DlabEnsemble *
dlab_classifier_new_ensemble (DlabClassifier *const *classifiers, int n, GError **error)
{
  DlabPredictor *predictors[DLAB_ENSEMBLE_MAX];
  const char *names[DLAB_ENSEMBLE_MAX];
  DlabEnsemble *ensemble;

  g_return_val_if_fail (n >= 1 && n <= DLAB_ENSEMBLE_MAX, NULL);
  for (int i = 0; i < n; i++)
    {
      predictors[i] = classifiers[i]->predictor;
      names[i] = classifiers[i]->name;
    }
  ensemble = dlab_ensemble_new (predictors, names, n);
  if (!ensemble)
    set_engine_error (error);
  return ensemble;
}
