/* DlabGetDatasets: see dlab-get-datasets.h. */
#include "dlab-get-datasets.h"

#include <glib/gi18n.h>

#include "dlab-sample-set.h"
#include "dlab/error.h"
#include "dlab/fetch.h"

struct _DlabGetDatasets {
  AdwWindow parent_instance;

  GtkWidget *group;
  GtkProgressBar *progress;
  GtkLabel *status;
  guint poll_id;
  gboolean busy;

  /* Written by the fetch thread, read by the poll, under `lock`. */
  GMutex lock;
  char *file;
  guint64 done, total;
  char *message;
};

G_DEFINE_FINAL_TYPE (DlabGetDatasets, dlab_get_datasets, ADW_TYPE_WINDOW)

enum { SIGNAL_FETCHED, N_SIGNALS };
static guint signals[N_SIGNALS];

char *
dlab_get_datasets_root (void)
{
  return g_build_filename (g_get_home_dir (), ".local", "share", "digit-lab", "datasets", NULL);
}

/* ---- the fetch thread ------------------------------------------------------ */

static void
on_progress (const char *file, uint64_t done, uint64_t total, void *user)
{
  DlabGetDatasets *self = user;

  g_mutex_lock (&self->lock);
  if (g_strcmp0 (self->file, file) != 0)
    {
      g_free (self->file);
      self->file = g_strdup (file);
    }
  self->done = done;
  self->total = total;
  g_mutex_unlock (&self->lock);
}

static void
on_status (const char *message, void *user)
{
  DlabGetDatasets *self = user;

  g_mutex_lock (&self->lock);
  g_free (self->message);
  self->message = g_strdup (message);
  g_mutex_unlock (&self->lock);
}

static void
fetch_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DlabGetDatasets *self = source;
  g_autofree char *root = dlab_get_datasets_root ();
  DlabFetchOptions opt = { 0 };

  (void) cancellable;
  if (g_mkdir_with_parents (root, 0777) < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot create the folder"), root);
      return;
    }
  opt.root = root;
  opt.retries = 3;
  opt.progress = on_progress;
  opt.status = on_status;
  opt.user = self;
  dlab_error_clear ();
  if (dlab_fetch_dataset (task_data, &opt) < 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", dlab_error_message ());
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- the window ---------------------------------------------------------------- */

static gboolean
poll_progress (gpointer data)
{
  DlabGetDatasets *self = data;
  g_autofree char *text = NULL;

  g_mutex_lock (&self->lock);
  if (self->total > 0)
    gtk_progress_bar_set_fraction (self->progress, (double) self->done / self->total);
  else
    gtk_progress_bar_pulse (self->progress);
  if (self->file)
    text = g_strdup_printf (_("%s: %.1f of %.1f MB"), self->file, self->done / 1e6, self->total / 1e6);
  else if (self->message)
    text = g_strdup (self->message);
  g_mutex_unlock (&self->lock);
  if (text)
    gtk_label_set_label (self->status, text);
  return G_SOURCE_CONTINUE;
}

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  DlabGetDatasets *self = DLAB_GET_DATASETS (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = data;
  g_autofree char *title = dlab_dataset_title (name);
  g_autofree char *text = NULL;

  g_clear_handle_id (&self->poll_id, g_source_remove);
  self->busy = FALSE;
  gtk_widget_set_sensitive (self->group, TRUE);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      text = g_strdup_printf (_("%s is ready."), title);
      gtk_progress_bar_set_fraction (self->progress, 1);
      g_signal_emit (self, signals[SIGNAL_FETCHED], 0);
    }
  else
    {
      text = g_strdup_printf (_("Could not get %s: %s"), title, error->message);
      gtk_progress_bar_set_fraction (self->progress, 0);
    }
  gtk_label_set_label (self->status, text);
}

static void
on_get_clicked (GtkButton *button, DlabGetDatasets *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "dlab-dataset");
  g_autoptr (GTask) task = NULL;

  if (self->busy)
    return;
  self->busy = TRUE;
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->file, g_free);
  g_clear_pointer (&self->message, g_free);
  self->done = self->total = 0;
  g_mutex_unlock (&self->lock);
  gtk_widget_set_sensitive (self->group, FALSE);
  gtk_label_set_label (self->status, _("Connecting…"));
  self->poll_id = g_timeout_add (100, poll_progress, self);
  task = g_task_new (self, NULL, on_fetched, g_strdup (name));
  g_task_set_task_data (task, g_strdup (name), g_free);
  g_task_run_in_thread (task, fetch_in_thread);
}

static void
dlab_get_datasets_finalize (GObject *object)
{
  DlabGetDatasets *self = DLAB_GET_DATASETS (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_free (self->file);
  g_free (self->message);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (dlab_get_datasets_parent_class)->finalize (object);
}

static void
dlab_get_datasets_class_init (DlabGetDatasetsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dlab_get_datasets_finalize;
  signals[SIGNAL_FETCHED] = g_signal_new ("fetched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static const char *
fetch_blurb (const char *name)
{
  if (g_str_equal (name, "mnist"))
    return _("70,000 handwritten digits (11 MB)");
  if (g_str_equal (name, "fashion-mnist"))
    return _("70,000 clothes and shoes (30 MB)");
  if (g_str_equal (name, "emnist"))
    return _("Handwritten letters and digits, every split (536 MB)");
  if (g_str_equal (name, "cifar10"))
    return _("60,000 small colour photos (163 MB)");
  return "";
}

static void
dlab_get_datasets_init (DlabGetDatasets *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *intro;
  g_autofree char *root = dlab_get_datasets_root ();
  g_autofree char *intro_text = g_strdup_printf (_("Downloads from the official mirrors, checks every file, and unpacks into %s."), root);

  g_mutex_init (&self->lock);
  gtk_window_set_title (GTK_WINDOW (self), _("Get Datasets"));
  gtk_window_set_default_size (GTK_WINDOW (self), 480, -1);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_margin_start (content, 18);
  gtk_widget_set_margin_end (content, 18);
  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 18);
  intro = gtk_label_new (intro_text);
  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_label_set_xalign (GTK_LABEL (intro), 0);
  gtk_box_append (GTK_BOX (content), intro);

  self->group = adw_preferences_group_new ();
  for (const char *const *n = dlab_fetch_names (); *n; n++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Get"));
      g_autofree char *title = dlab_dataset_title (*n);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), g_str_equal (*n, "emnist") ? "EMNIST" : title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), fetch_blurb (*n));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (button), "dlab-dataset", (gpointer) *n);
      g_signal_connect (button, "clicked", G_CALLBACK (on_get_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->group), row);
    }
  gtk_box_append (GTK_BOX (content), self->group);

  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->progress));
  self->status = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_wrap (self->status, TRUE);
  gtk_label_set_wrap_mode (self->status, PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->status));
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (ADW_WINDOW (self), box);
}

GtkWidget *
dlab_get_datasets_new (GtkWindow *parent)
{
  return g_object_new (DLAB_TYPE_GET_DATASETS, "transient-for", parent, NULL);
}
