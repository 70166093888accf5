/* The Train page's actions (train.*), as gnome-text-editor keeps its
 * page's in editor-page-actions.c: Train, Stop, Resume, the run's model
 * and folder, the chart and diagram exports, the data buttons and the
 * PyTorch code. */
#include <glib/gi18n.h>

#include "dlab-code-window.h"
#include "dlab-train-page-private.h"
#include "dlab/error.h"
#include "dlab/zoo.h"

gboolean
_dlab_train_page_job_busy (DlabTrainPage *self)
{
  return self->job && dlab_training_job_is_busy (self->job);
}

gboolean
_dlab_train_page_job_running (DlabTrainPage *self)
{
  return self->job && dlab_training_job_get_state (self->job) == DLAB_JOB_RUNNING;
}

gboolean
_dlab_train_page_can_resume (DlabTrainPage *self)
{
  return self->job && !_dlab_train_page_job_busy (self) && dlab_training_job_get_resume_checkpoint (self->job) &&
         dlab_training_job_get_epochs_done (self->job) < dlab_hyper_params_get_epochs (self->hyper_params);
}

gboolean
dlab_train_page_is_ready (DlabTrainPage *self)
{
  return dlab_dataset_chooser_get_sample_set (self->dataset_chooser) &&
         dlab_network_editor_is_ready (self->network_editor) && !_dlab_train_page_job_busy (self);
}

void
_dlab_train_page_update_actions (DlabTrainPage *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean has_model = self->job && !_dlab_train_page_job_busy (self) && dlab_training_job_get_checkpoint (self->job);

  gtk_widget_action_set_enabled (w, "train.start", dlab_train_page_is_ready (self));
  gtk_widget_action_set_enabled (w, "train.stop", _dlab_train_page_job_running (self));
  dlab_run_view_set_stoppable (self->run_view, _dlab_train_page_job_running (self));
  gtk_widget_action_set_enabled (w, "train.resume", _dlab_train_page_can_resume (self));
  gtk_widget_action_set_enabled (w, "train.use-model", has_model);
  gtk_widget_action_set_enabled (w, "train.save-model", has_model);
  gtk_widget_action_set_enabled (w, "train.open-run-folder", self->job != NULL);
  dlab_dataset_chooser_set_locked (self->dataset_chooser, _dlab_train_page_job_busy (self));
}

/* ---- the run ------------------------------------------------------------------------------- */

static void
start_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_train_page_start (DLAB_TRAIN_PAGE (widget));
}

static void
stop_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_train_page_stop (DLAB_TRAIN_PAGE (widget));
}

static void
resume_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_train_page_resume (DLAB_TRAIN_PAGE (widget));
}

static void
use_model_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  const char *path = self->job ? dlab_training_job_get_checkpoint (self->job) : NULL;

  (void) action;
  (void) param;
  if (path)
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      g_signal_emit (self, _dlab_train_page_signals[DLAB_TRAIN_PAGE_USE_MODEL], 0, file);
    }
}

static GtkWindow *
parent_window (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
open_run_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  g_autoptr (GFile) dir = NULL;
  g_autofree char *uri = NULL;

  (void) action;
  (void) param;
  if (!self->job)
    return;
  dir = g_file_new_for_path (dlab_training_job_get_run_dir (self->job));
  uri = g_file_get_uri (dir);
  gtk_show_uri (parent_window (widget), uri, GDK_CURRENT_TIME);
}

/* ---- saving files ------------------------------------------------------------------------------ */

typedef void (*SaveFn) (DlabTrainPage *self, GFile *file);

static void
on_save_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  DlabTrainPage *self = g_object_get_data (G_OBJECT (chooser), "dlab-page");
  SaveFn fn = (SaveFn) data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file)
        fn (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_save (DlabTrainPage *self, const char *title, const char *name, SaveFn fn)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
      title, parent_window (GTK_WIDGET (self)), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data (G_OBJECT (chooser), "dlab-page", self);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_chosen), (gpointer) fn);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
saved (DlabTrainPage *self, GFile *file, gboolean ok, const char *error)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *text = NULL;

  if (ok)
    {
      text = g_strdup_printf (_("Saved “%s”"), name);
      _dlab_train_page_tell (self, text, NULL);
    }
  else
    {
      text = g_strdup_printf (_("Could not save “%s”"), name);
      _dlab_train_page_tell (self, text, error);
    }
}

static void
save_model (DlabTrainPage *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) from = g_file_new_for_path (dlab_training_job_get_checkpoint (self->job));
  gboolean ok = g_file_copy (from, file, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);

  saved (self, file, ok, ok ? NULL : error->message);
}

static void
export_png (DlabTrainPage *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  gboolean ok = path && dlab_plot_export_png (dlab_run_view_get_plot (self->run_view), path, 1200, 800, &error);

  saved (self, file, ok, ok ? NULL : error ? error->message : _("Only local files can be written."));
}

static void
export_svg (DlabTrainPage *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  gboolean ok = path && dlab_plot_export_svg (dlab_run_view_get_plot (self->run_view), path, 900, 600, &error);

  saved (self, file, ok, ok ? NULL : error ? error->message : _("Only local files can be written."));
}

static void
export_diagram (DlabTrainPage *self, GFile *file, gboolean png)
{
  DlabNetworkDiagram *diagram = dlab_network_editor_get_diagram (self->network_editor);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  gboolean ok = path && (png ? dlab_network_diagram_export_png (diagram, path, &error)
                             : dlab_network_diagram_export_svg (diagram, path, &error));

  saved (self, file, ok, ok ? NULL : error ? error->message : _("Only local files can be written."));
}

static void
export_diagram_png (DlabTrainPage *self, GFile *file)
{
  export_diagram (self, file, TRUE);
}

static void
export_diagram_svg (DlabTrainPage *self, GFile *file)
{
  export_diagram (self, file, FALSE);
}

/* Named after the zoo network ("lenet-diagram.png"), or "network-diagram". */
static void
export_diagram_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  gboolean png = g_str_has_suffix (action, "png");
  g_autofree char *model = dlab_network_editor_dup_model (self->network_editor);
  g_autofree char *name =
    g_strdup_printf ("%s-diagram.%s", dlab_zoo_find (model) ? model : "network", png ? "png" : "svg");

  (void) param;
  choose_save (self, _("Export Diagram"), name, png ? export_diagram_png : export_diagram_svg);
}

static void
save_model_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  g_autofree char *name = NULL;

  (void) action;
  (void) param;
  if (!self->job || !dlab_training_job_get_checkpoint (self->job))
    return;
  name = g_strdup_printf ("%s.safetensors", strrchr (dlab_training_job_get_run_dir (self->job), '/') + 1);
  choose_save (self, _("Save Model"), name, save_model);
}

static void
export_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  gboolean png = g_str_has_suffix (action, "png");
  g_autofree char *name = dlab_plot_dup_file_name (dlab_run_view_get_plot (self->run_view), png ? "png" : "svg");

  (void) param;
  choose_save (self, _("Export Chart"), name, png ? export_png : export_svg);
}

/* ---- the settings' buttons ----------------------------------------------------------------------- */

static void
open_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_dataset_chooser_open_folder (DLAB_TRAIN_PAGE (widget)->dataset_chooser);
}

static void
get_datasets_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  dlab_dataset_chooser_get_datasets (DLAB_TRAIN_PAGE (widget)->dataset_chooser);
}

/* "Show PyTorch Code": the class that loads this network's checkpoints. */
static void
show_pytorch_code_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  g_autofree char *code = NULL;

  (void) action;
  (void) param;
  dlab_error_clear ();
  code = dlab_network_editor_dup_pytorch_code (self->network_editor);
  if (!code)
    {
      dlab_run_view_show_error (self->run_view, _("No PyTorch code for this network"), dlab_error_message ());
      return;
    }
  gtk_window_present (GTK_WINDOW (dlab_code_window_new (
      parent_window (widget), _("PyTorch Code"),
      _("An nn.Module whose load_state_dict(strict=True) takes this network’s checkpoints, then the "
        "lines that load one. Run folders keep the checkpoint as model.safetensors."),
      code)));
}

void
_dlab_train_page_class_actions_init (GtkWidgetClass *klass)
{
  gtk_widget_class_install_action (klass, "train.start", NULL, start_activated);
  gtk_widget_class_install_action (klass, "train.show-pytorch-code", NULL, show_pytorch_code_activated);
  gtk_widget_class_install_action (klass, "train.stop", NULL, stop_activated);
  gtk_widget_class_install_action (klass, "train.resume", NULL, resume_activated);
  gtk_widget_class_install_action (klass, "train.use-model", NULL, use_model_activated);
  gtk_widget_class_install_action (klass, "train.save-model", NULL, save_model_activated);
  gtk_widget_class_install_action (klass, "train.open-run-folder", NULL, open_run_folder_activated);
  gtk_widget_class_install_action (klass, "train.export-png", NULL, export_activated);
  gtk_widget_class_install_action (klass, "train.export-svg", NULL, export_activated);
  gtk_widget_class_install_action (klass, "train.export-diagram-png", NULL, export_diagram_activated);
  gtk_widget_class_install_action (klass, "train.export-diagram-svg", NULL, export_diagram_activated);
  gtk_widget_class_install_action (klass, "train.open-folder", NULL, open_folder_activated);
  gtk_widget_class_install_action (klass, "train.get-datasets", NULL, get_datasets_activated);
}
