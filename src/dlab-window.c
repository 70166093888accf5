/* DlabWindow: pages, actions, files, models and errors. */
#include "dlab-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dlab-settings.h"
#include "dlab/error.h"
#include "dlab/strokes.h"

struct _DlabWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwViewStack *stack;
  DlabDrawPage *draw_page;
  DlabTrainPage *train_page;
  DlabDataPage *data_page;

  GSettings *settings;          /* NULL when the schema is not installed */
  DlabClassifier *classifier;
  GListStore *models;           /* the session's models, oldest first: the Draw page's picker */
  GCancellable *loading;        /* a model file is being read */
  GCancellable *opening_strokes; /* a strokes file is being read */
  char *error_title;            /* the last error shown: toast and details */
  char *error_details;
};

G_DEFINE_FINAL_TYPE (DlabWindow, dlab_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CLASSIFIER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- errors -------------------------------------------------------------- */

/* A short toast (the title) with a Details button for the full message,
 * which names the file and what is wrong with it. */
static void
show_error (DlabWindow *self, const char *title, const char *details)
{
  g_autofree char *markup = g_markup_escape_text (title, -1);
  AdwToast *toast = adw_toast_new (markup);

  g_free (self->error_title);
  g_free (self->error_details);
  self->error_title = g_strdup (title);
  self->error_details = g_strdup (details);

  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_set_timeout (toast, 8);
  adw_toast_set_button_label (toast, _("_Details"));
  adw_toast_set_action_name (toast, "win.show-error");
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
show_error_details (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabWindow *self = DLAB_WINDOW (widget);
  GtkWidget *dialog;

  (void) action;
  (void) param;
  if (!self->error_title)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (self), self->error_title, self->error_details);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

const char *
dlab_window_get_last_error (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return self->error_details;
}

/* ---- the model ----------------------------------------------------------- */

/* The session keeps this many models at most (each holds its weights). */
#define MAX_SESSION_MODELS 12

/* The session's entry for `file` (NULL: the built-in model, the one
 * without a file). */
static gboolean
find_by_file (DlabWindow *self, GFile *file, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->models));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DlabClassifier) other = g_list_model_get_item (G_LIST_MODEL (self->models), i);
      GFile *other_file = dlab_classifier_get_file (other);

      if (file ? other_file && g_file_equal (file, other_file) : !other_file)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Drops the oldest models beyond MAX_SESSION_MODELS, but never one in use
 * (the window's, or one ticked on the Draw page). */
static void
forget_old_models (DlabWindow *self)
{
  guint i = 0;

  while (g_list_model_get_n_items (G_LIST_MODEL (self->models)) > MAX_SESSION_MODELS)
    {
      g_autoptr (DlabClassifier) old = g_list_model_get_item (G_LIST_MODEL (self->models), i);

      if (!old)
        return;
      if (old == self->classifier || dlab_draw_page_is_picked (self->draw_page, old))
        i++;
      else
        g_list_store_remove (self->models, i);
    }
}

/* A model the window used joins the session's list; a file loaded again
 * (retrained, renamed) takes its old entry's place. */
static void
remember_in_session (DlabWindow *self, DlabClassifier *classifier)
{
  guint position;

  if (g_list_store_find (self->models, classifier, &position))
    return;
  if (find_by_file (self, dlab_classifier_get_file (classifier), &position))
    g_list_store_splice (self->models, position, 1, (gpointer *) &classifier, 1);
  else
    g_list_store_append (self->models, classifier);
  forget_old_models (self);
}

static void
set_classifier (DlabWindow *self, DlabClassifier *classifier)
{
  if (classifier)
    remember_in_session (self, classifier);
  if (g_set_object (&self->classifier, classifier))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSIFIER]);
}

/* The Draw page's first pick changed (it was unticked): the window's model
 * follows, so that every page shows the same one. */
static void
on_draw_page_classifier (DlabWindow *self)
{
  DlabClassifier *first = dlab_draw_page_get_classifier (self->draw_page);

  if (first)
    set_classifier (self, first);
}

GListModel *
dlab_window_get_models (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->models);
}

DlabClassifier *
dlab_window_get_classifier (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return self->classifier;
}

DlabDrawPage *
dlab_window_get_draw_page (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return self->draw_page;
}

DlabTrainPage *
dlab_window_get_train_page (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return self->train_page;
}

DlabDataPage *
dlab_window_get_data_page (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), NULL);
  return self->data_page;
}

void
dlab_window_show_page (DlabWindow *self, const char *name)
{
  g_return_if_fail (DLAB_IS_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->stack, name);
}

/* win.show-page('draw'), bound to Alt+1, 2, 3 (dlab-application.c). */
static void
show_page_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabWindow *self = DLAB_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);

  (void) action;
  if (adw_view_stack_get_child_by_name (self->stack, name))
    adw_view_stack_set_visible_child_name (self->stack, name);
}

static void
remember_model (DlabWindow *self, GFile *file)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (self->settings)
    g_settings_set_string (self->settings, "last-model-path", path ? path : "");
}

void
dlab_window_use_builtin_model (DlabWindow *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabClassifier) builtin = NULL;
  guint position;

  g_return_if_fail (DLAB_IS_WINDOW (self));

  /* The session's, if it has one. */
  if (find_by_file (self, NULL, &position))
    builtin = g_list_model_get_item (G_LIST_MODEL (self->models), position);
  else
    builtin = dlab_classifier_new_builtin (&error);
  if (!builtin)
    {
      show_error (self, _("The built-in model could not be loaded"), error->message);
      return;
    }
  set_classifier (self, builtin);
  remember_model (self, NULL);
}

typedef struct {
  DlabWindow *window;
  char *name;          /* the file's name, for messages */
  char *display_name;  /* shown instead of it once loaded, or NULL */
  gboolean restoring;  /* the model of the last session, opened at start */
} LoadContext;

static void
load_context_free (LoadContext *ctx)
{
  g_object_unref (ctx->window);
  g_free (ctx->name);
  g_free (ctx->display_name);
  g_free (ctx);
}

static void
on_model_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  LoadContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  g_autoptr (DlabClassifier) classifier = dlab_classifier_load_file_finish (result, &error);
  DlabWindow *self = ctx->window;

  (void) source;
  /* A newer load replaced this one, or the window is closing. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      load_context_free (ctx);
      return;
    }
  g_clear_object (&self->loading);

  if (classifier)
    {
      if (ctx->display_name)
        dlab_classifier_set_name (classifier, ctx->display_name);
      set_classifier (self, classifier);
      remember_model (self, dlab_classifier_get_file (classifier));
    }
  else if (ctx->restoring)
    {
      title = g_strdup_printf (_("Could not open the last model “%s”; using the built-in model"),
                               ctx->name);
      show_error (self, title, error->message);
      remember_model (self, NULL);
    }
  else
    {
      title = g_strdup_printf (_("Could not open “%s” as a model"), ctx->name);
      show_error (self, title, error->message);
    }
  load_context_free (ctx);
}

/* A training run's checkpoint is named after its run folder
 * (DATASET-MODEL-DATE-TIME): every run calls its files model.safetensors
 * and stopped.safetensors. NULL for any other file. */
static char *
run_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);
  g_autoptr (GFile) dir = g_file_get_parent (file);
  g_autoptr (GFile) command = dir ? g_file_get_child (dir, "command.txt") : NULL;

  if (!base || !command || (strcmp (base, "model.safetensors") != 0 && strcmp (base, "stopped.safetensors") != 0) ||
      !g_file_query_exists (command, NULL))
    return NULL;
  return g_file_get_basename (dir);
}

static void
load_model (DlabWindow *self, GFile *file, const char *display_name, gboolean restoring)
{
  LoadContext *ctx = g_new0 (LoadContext, 1);

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();

  ctx->window = g_object_ref (self);
  ctx->restoring = restoring;
  ctx->name = g_file_get_basename (file);
  ctx->display_name = display_name && *display_name ? g_strdup (display_name) : run_name (file);
  dlab_classifier_load_file_async (file, self->loading, on_model_loaded, ctx);
}

void
dlab_window_open_model (DlabWindow *self, GFile *file)
{
  g_return_if_fail (DLAB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  load_model (self, file, NULL, FALSE);
}

void
dlab_window_use_model (DlabWindow *self, GFile *file, const char *display_name)
{
  g_return_if_fail (DLAB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  load_model (self, file, display_name, FALSE);
  adw_view_stack_set_visible_child_name (self->stack, "draw");
}

gboolean
dlab_window_is_loading (DlabWindow *self)
{
  return self->loading != NULL;
}

/* The built-in model at once, then the last session's model if there was
 * one (it replaces the built-in one when it loads). The last model is
 * forgotten while it loads and remembered again once it has loaded: a file
 * that crashes the application, or gets it killed for its memory, is not
 * tried again at every start. */
static void
load_initial_model (DlabWindow *self)
{
  g_autofree char *path = self->settings
                            ? g_settings_get_string (self->settings, "last-model-path") : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabClassifier) builtin = dlab_classifier_new_builtin (&error);

  if (builtin)
    set_classifier (self, builtin);
  else
    show_error (self, _("The built-in model could not be loaded"), error->message);

  if (path && *path)
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);

      remember_model (self, NULL);
      /* On disk before the load begins: the load may not return. */
      g_settings_sync ();
      load_model (self, file, NULL, TRUE);
    }
}

/* ---- strokes files ------------------------------------------------------- */

/* A strokes file read on a worker thread: a file may hold millions of
 * points (seconds to parse), and the window must stay responsive. The
 * thread touches only this and the engine, never GTK. */
typedef struct {
  char *path;
  char *name;          /* the file's name, for messages */
  DlabStrokes strokes; /* what the thread read */
} StrokesRead;

static void
strokes_read_free (gpointer data)
{
  StrokesRead *read = data;

  g_free (read->path);
  g_free (read->name);
  dlab_strokes_free (&read->strokes);
  g_free (read);
}

static void
read_strokes_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  StrokesRead *read = task_data;

  (void) source;
  (void) cancellable;
  dlab_error_clear ();
  if (dlab_strokes_read (read->path, &read->strokes) < 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", dlab_error_message ());
  else
    g_task_return_boolean (task, TRUE);
}

static void
show_strokes_error (DlabWindow *self, const char *name, const char *details)
{
  g_autofree char *title = g_strdup_printf (_("Could not open “%s” as strokes"), name);

  show_error (self, title, details);
}

static void
on_strokes_read (GObject *source, GAsyncResult *result, gpointer data)
{
  DlabWindow *self = DLAB_WINDOW (source);
  StrokesRead *read = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  (void) data;
  /* A newer file replaced this one, or the window is closing. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->opening_strokes);
  if (error)
    {
      show_strokes_error (self, read->name, error->message);
      return;
    }
  dlab_sketchpad_set_strokes (dlab_draw_page_get_sketchpad (self->draw_page), &read->strokes);
  adw_view_stack_set_visible_child_name (self->stack, "draw");
}

void
dlab_window_open_strokes (DlabWindow *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr (GTask) task = NULL;
  StrokesRead *read;

  g_return_if_fail (DLAB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->opening_strokes)
    g_cancellable_cancel (self->opening_strokes);
  g_clear_object (&self->opening_strokes);
  path = g_file_get_path (file);
  if (!path)
    {
      g_autofree char *name = g_file_get_basename (file);
      show_strokes_error (self, name, _("Only local files can be opened."));
      return;
    }
  read = g_new0 (StrokesRead, 1);
  read->path = g_steal_pointer (&path);
  read->name = g_file_get_basename (file);
  dlab_strokes_init (&read->strokes);
  self->opening_strokes = g_cancellable_new ();
  task = g_task_new (self, self->opening_strokes, on_strokes_read, NULL);
  g_task_set_source_tag (task, dlab_window_open_strokes);
  g_task_set_task_data (task, read, strokes_read_free);
  g_task_run_in_thread (task, read_strokes_in_thread);
}

gboolean
dlab_window_is_opening_strokes (DlabWindow *self)
{
  g_return_val_if_fail (DLAB_IS_WINDOW (self), FALSE);
  return self->opening_strokes != NULL;
}

gboolean
dlab_window_save_strokes (DlabWindow *self, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;
  const DlabStrokes *strokes;

  g_return_val_if_fail (DLAB_IS_WINDOW (self), FALSE);

  strokes = dlab_sketchpad_get_strokes (dlab_draw_page_get_sketchpad (self->draw_page));
  dlab_error_clear ();
  if (path && dlab_strokes_write (path, strokes) == 0)
    return TRUE;
  title = g_strdup_printf (_("Could not save “%s”"), name);
  show_error (self, title, path ? dlab_error_message () : _("Only local files can be written."));
  return FALSE;
}

void
dlab_window_open_file (DlabWindow *self, GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  if (name && g_str_has_suffix (name, ".safetensors"))
    dlab_window_open_model (self, file);
  else
    dlab_window_open_strokes (self, file);
}

/* ---- file choosers ------------------------------------------------------- */

typedef void (*FileAction) (DlabWindow *self, GFile *file);

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer data)
{
  DlabWindow *self = g_object_get_data (G_OBJECT (chooser), "dlab-window");
  FileAction action = (FileAction) data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file)
        action (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static GtkFileFilter *
filter_new (const char *name, const char *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  return filter;
}

/* Runs `action` on the file the person picks (the portal's chooser in a
 * sandbox: the application asks for no access to the home folder). */
static void
choose_file (DlabWindow *self, const char *title, GtkFileChooserAction mode,
             const char *accept, GtkFileFilter *filter, const char *suggested_name,
             FileAction action)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (title, GTK_WINDOW (self), mode, accept, _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter_new (_("All Files"), "*"));
  if (suggested_name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested_name);
  g_object_set_data (G_OBJECT (chooser), "dlab-window", self);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), (gpointer) action);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_strokes_action (DlabWindow *self, GFile *file)
{
  dlab_window_open_strokes (self, file);
}

static void
save_strokes_action (DlabWindow *self, GFile *file)
{
  if (dlab_window_save_strokes (self, file))
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *text = g_strdup_printf (_("Saved “%s”"), name);
      g_autofree char *markup = g_markup_escape_text (text, -1);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
    }
}

static void
open_model_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_file (DLAB_WINDOW (widget), _("Open Model"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
               filter_new (_("Digit Lab Models"), "*.safetensors"), NULL, dlab_window_open_model);
}

static void
use_builtin_model_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_window_use_builtin_model (DLAB_WINDOW (widget));
}

static void
open_strokes_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_file (DLAB_WINDOW (widget), _("Open Strokes"), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
               filter_new (_("Strokes"), "*.strokes"), NULL, open_strokes_action);
}

static void
save_strokes_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_file (DLAB_WINDOW (widget), _("Save Strokes"), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
               filter_new (_("Strokes"), "*.strokes"), _("digit.strokes"), save_strokes_action);
}

/* ---- drawing actions ----------------------------------------------------- */

static DlabSketchpad *
sketchpad (DlabWindow *self)
{
  return dlab_draw_page_get_sketchpad (self->draw_page);
}

static void
undo_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_sketchpad_undo (sketchpad (DLAB_WINDOW (widget)));
}

static void
redo_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_sketchpad_redo (sketchpad (DLAB_WINDOW (widget)));
}

static void
clear_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_sketchpad_clear (sketchpad (DLAB_WINDOW (widget)));
}

/* Drawing shortcuts (Escape, Ctrl+Z) act only while the Draw page shows,
 * so that other pages keep those keys for themselves. */
static void
update_actions (DlabWindow *self)
{
  DlabSketchpad *pad = sketchpad (self);
  const char *page = adw_view_stack_get_visible_child_name (self->stack);
  gboolean drawing = g_strcmp0 (page, "draw") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 drawing && dlab_sketchpad_can_undo (pad));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 drawing && dlab_sketchpad_can_redo (pad));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear",
                                 drawing && !dlab_sketchpad_is_empty (pad));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-strokes",
                                 !dlab_sketchpad_is_empty (pad));
}

/* ---- the Train and Data pages ------------------------------------------- */

/* "Use in Sketchpad": the run's checkpoint becomes the window's model (a
 * model that cannot read drawings shows an error and the old one stays),
 * named after its run (see run_name). */
static void
on_use_model (DlabWindow *self, GFile *file)
{
  dlab_window_use_model (self, file, NULL);
}

/* The Train page's, and the Inside view's (its diagram exports). */
static void
on_train_message (DlabWindow *self, const char *title, const char *details)
{
  if (details)
    {
      show_error (self, title, details);
      return;
    }
  g_autofree char *markup = g_markup_escape_text (title, -1);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

/* The Inside view shows the first layer of the run being trained, epoch by
 * epoch. */
static void
on_train_job_changed (DlabWindow *self)
{
  dlab_inside_view_set_training_job (dlab_draw_page_get_inside_view (self->draw_page),
                                     dlab_train_page_get_job (self->train_page));
}

static void
on_train_data_changed (DlabWindow *self)
{
  g_autofree char *transforms = NULL;

  g_object_get (self->train_page, "transforms", &transforms, NULL);
  dlab_data_page_set_sample_set (self->data_page, dlab_train_page_get_sample_set (self->train_page));
  dlab_data_page_show_loading (self->data_page, dlab_train_page_get_loading_dataset (self->train_page));
  dlab_data_page_set_transforms (self->data_page, transforms);
}

/* Nothing is loaded before a page needs it: the Data page shows the Train
 * page's dataset, which it asks for when it is first shown. */
static void
on_page_shown (DlabWindow *self)
{
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "data") == 0)
    dlab_train_page_load_dataset (self->train_page);
}

/* ---- window state -------------------------------------------------------- */

static void
restore_size (DlabWindow *self)
{
  if (!self->settings)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
dlab_window_close_request (GtkWindow *window)
{
  DlabWindow *self = DLAB_WINDOW (window);

  if (self->settings)
    {
      int width, height;
      gboolean maximized = gtk_window_is_maximized (window);

      /* The size before maximizing, so unmaximizing later restores it. */
      if (!maximized)
        {
          gtk_window_get_default_size (window, &width, &height);
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_set_boolean (self->settings, "window-maximized", maximized);
    }
  return GTK_WINDOW_CLASS (dlab_window_parent_class)->close_request (window);
}

static void
dlab_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabWindow *self = DLAB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CLASSIFIER:
      g_value_set_object (value, self->classifier);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_window_dispose (GObject *object)
{
  DlabWindow *self = DLAB_WINDOW (object);

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->opening_strokes)
    g_cancellable_cancel (self->opening_strokes);
  g_clear_object (&self->opening_strokes);
  g_clear_object (&self->classifier);
  g_clear_object (&self->models);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_WINDOW);
  G_OBJECT_CLASS (dlab_window_parent_class)->dispose (object);
}

static void
dlab_window_finalize (GObject *object)
{
  DlabWindow *self = DLAB_WINDOW (object);

  g_free (self->error_title);
  g_free (self->error_details);
  G_OBJECT_CLASS (dlab_window_parent_class)->finalize (object);
}

static void
dlab_window_class_init (DlabWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_window_get_property;
  object_class->dispose = dlab_window_dispose;
  object_class->finalize = dlab_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = dlab_window_close_request;

  properties[PROP_CLASSIFIER] =
    g_param_spec_object ("classifier", NULL, NULL, DLAB_TYPE_CLASSIFIER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DLAB_TYPE_DRAW_PAGE);
  g_type_ensure (DLAB_TYPE_TRAIN_PAGE);
  g_type_ensure (DLAB_TYPE_DATA_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dlab-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DlabWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DlabWindow, draw_page);
  gtk_widget_class_bind_template_child (widget_class, DlabWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, DlabWindow, data_page);

  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_activated);
  gtk_widget_class_install_action (widget_class, "win.use-builtin-model", NULL,
                                   use_builtin_model_activated);
  gtk_widget_class_install_action (widget_class, "win.open-strokes", NULL, open_strokes_activated);
  gtk_widget_class_install_action (widget_class, "win.save-strokes", NULL, save_strokes_activated);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_activated);
  gtk_widget_class_install_action (widget_class, "win.clear", NULL, clear_activated);
  gtk_widget_class_install_action (widget_class, "win.show-error", NULL, show_error_details);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_activated);
}

static void
dlab_window_init (DlabWindow *self)
{
  DlabSketchpad *pad;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->models = g_list_store_new (DLAB_TYPE_CLASSIFIER);

  /* Every page shows the window's model; the Draw page can tick more of
   * the session's, and its first pick is the window's. */
  g_object_bind_property (self, "classifier", self->draw_page, "classifier", G_BINDING_SYNC_CREATE);
  dlab_draw_page_set_models (self->draw_page, G_LIST_MODEL (self->models));
  g_signal_connect_object (self->draw_page, "notify::classifier", G_CALLBACK (on_draw_page_classifier), self,
                           G_CONNECT_SWAPPED);

  pad = dlab_draw_page_get_sketchpad (self->draw_page);
  g_signal_connect_object (pad, "notify::can-undo", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (pad, "notify::can-redo", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (pad, "notify::empty", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->stack, "notify::visible-child-name", G_CALLBACK (update_actions),
                           self, G_CONNECT_SWAPPED);
  update_actions (self);

  g_signal_connect_object (self->train_page, "use-model", G_CALLBACK (on_use_model), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_page, "message", G_CALLBACK (on_train_message), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (dlab_draw_page_get_inside_view (self->draw_page), "message",
                           G_CALLBACK (on_train_message), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_page, "notify::sample-set", G_CALLBACK (on_train_data_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_page, "notify::transforms", G_CALLBACK (on_train_data_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->train_page, "notify::job", G_CALLBACK (on_train_job_changed), self,
                           G_CONNECT_SWAPPED);
  on_train_data_changed (self);
  g_signal_connect_object (self->stack, "notify::visible-child-name", G_CALLBACK (on_page_shown), self,
                           G_CONNECT_SWAPPED);
  on_page_shown (self);

  self->settings = dlab_settings_new ();
  if (self->settings)
    g_settings_bind (self->settings, "not-sure-threshold",
                     dlab_draw_page_get_prediction_view (self->draw_page), "threshold",
                     G_SETTINGS_BIND_GET);
  restore_size (self);
  load_initial_model (self);
}

DlabWindow *
dlab_window_new (GtkApplication *application)
{
  return g_object_new (DLAB_TYPE_WINDOW, "application", application, NULL);
}
