/* DlabDatasetChooser: see dlab-dataset-chooser.h. */
#include "dlab-dataset-chooser.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-settings.h"
#include "dlab-format.h"
#include "dlab-get-datasets.h"

struct _DlabDatasetChooser {
  AdwBin parent_instance;

  /* Template children. */
  AdwComboRow *dataset_row;
  AdwActionRow *dataset_status_row;
  GtkSpinButton *limit_spin, *val_spin;

  GSettings *settings;      /* NULL without the schema */
  GPtrArray *dataset_names; /* engine names, by combo position */
  DlabSampleSet *data;      /* the selected dataset, once loaded */
  GCancellable *loading;
  gboolean syncing;         /* the list is being filled */
};

G_DEFINE_FINAL_TYPE (DlabDatasetChooser, dlab_dataset_chooser, ADW_TYPE_BIN)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
changed (DlabDatasetChooser *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static char *
data_dir (DlabDatasetChooser *self)
{
  g_autofree char *dir = self->settings ? g_settings_get_string (self->settings, "data-dir") : NULL;
  return dir && *dir ? g_steal_pointer (&dir) : NULL;
}

static void
remember (DlabDatasetChooser *self, const char *name)
{
  if (self->settings)
    g_settings_set_string (self->settings, "dataset", name);
}

const char *
dlab_dataset_chooser_get_name (DlabDatasetChooser *self)
{
  guint i = adw_combo_row_get_selected (self->dataset_row);
  return i < self->dataset_names->len ? g_ptr_array_index (self->dataset_names, i) : NULL;
}

DlabSampleSet *
dlab_dataset_chooser_get_sample_set (DlabDatasetChooser *self)
{
  return self->data;
}

static void
show_status (DlabDatasetChooser *self, const char *text)
{
  adw_action_row_set_subtitle (self->dataset_status_row, text);
}

static void
show_loaded (DlabDatasetChooser *self)
{
  const DlabDataset *train = dlab_sample_set_get_train (self->data), *test = dlab_sample_set_get_test (self->data);
  g_autofree char *n_train = dlab_format_count (train->n), *n_test = dlab_format_count (test->n);
  g_autofree char *text = g_strdup_printf (ngettext ("%s training and %s test images, %d×%d×%d, %d class",
                                                     "%s training and %s test images, %d×%d×%d, %d classes",
                                                     train->num_classes),
                                           n_train, n_test, train->c, train->h, train->w, train->num_classes);
  show_status (self, text);
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabSampleSet) set = dlab_sample_set_load_finish (result, &error);
  DlabDatasetChooser *self;

  (void) source;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = DLAB_DATASET_CHOOSER (data);
  g_clear_object (&self->loading);
  if (!set)
    show_status (self, error->message);
  else
    {
      g_set_object (&self->data, set);
      show_loaded (self);
    }
  changed (self);
}

/* The chooser holds a reference while a load runs (dropped on completion). */
static void
load (DlabDatasetChooser *self)
{
  const char *name = dlab_dataset_chooser_get_name (self);
  g_autofree char *dir = data_dir (self);
  g_autofree char *title = NULL, *text = NULL;

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->data);
  if (!name)
    {
      changed (self);
      return;
    }
  title = dlab_dataset_title (name);
  text = g_strdup_printf (_("Loading %s…"), title);
  show_status (self, text);
  self->loading = g_cancellable_new ();
  g_object_ref (self);
  dlab_sample_set_load_async (name, dir, self->loading, on_loaded, self);
  /* The callback runs later; the reference keeps self alive until then. */
  g_object_set_data_full (G_OBJECT (self->loading), "dlab-chooser", self, g_object_unref);
  changed (self);
}

/* Fills the list: the engine's datasets (those not found are marked) and
 * the folders opened before. */
static void
fill (DlabDatasetChooser *self, const char *select)
{
  g_autofree char *dir = data_dir (self);
  int n = 0;
  g_autofree DlabDatasetEntry *entries = dlab_dataset_catalog (dir, &n);
  g_auto (GStrv) folders = self->settings ? g_settings_get_strv (self->settings, "folder-datasets") : NULL;
  GtkStringList *list = gtk_string_list_new (NULL);
  guint selected = 0;

  g_ptr_array_set_size (self->dataset_names, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *label = entries[i].found ? g_strdup (entries[i].title)
                                                : g_strdup_printf (_("%s (not found)"), entries[i].title);
      gtk_string_list_append (list, label);
      g_ptr_array_add (self->dataset_names, g_strdup (entries[i].name));
    }
  for (int i = 0; folders && folders[i]; i++)
    {
      g_autofree char *name = g_strconcat ("folder:", folders[i], NULL);
      g_autofree char *label = dlab_dataset_title (name);
      gtk_string_list_append (list, label);
      g_ptr_array_add (self->dataset_names, g_steal_pointer (&name));
    }
  for (guint i = 0; i < self->dataset_names->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->dataset_names, i), select) == 0)
      selected = i;
  self->syncing = TRUE;
  adw_combo_row_set_model (self->dataset_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->dataset_row, selected);
  self->syncing = FALSE;
  g_object_unref (list);
}

static void
on_selected (DlabDatasetChooser *self)
{
  const char *name = dlab_dataset_chooser_get_name (self);

  if (self->syncing || !name)
    return;
  remember (self, name);
  load (self);
}

void
dlab_dataset_chooser_select (DlabDatasetChooser *self, const char *name)
{
  gboolean known = FALSE;

  g_return_if_fail (DLAB_IS_DATASET_CHOOSER (self));
  for (guint i = 0; i < self->dataset_names->len; i++)
    known |= g_strcmp0 (g_ptr_array_index (self->dataset_names, i), name) == 0;
  if (!known && g_str_has_prefix (name, "folder:") && self->settings)
    {
      g_auto (GStrv) old = g_settings_get_strv (self->settings, "folder-datasets");
      g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
      g_strv_builder_add (b, name + 7);
      g_strv_builder_addv (b, (const char **) old);
      g_auto (GStrv) folders = g_strv_builder_end (b);
      g_settings_set_strv (self->settings, "folder-datasets", (const char *const *) folders);
    }
  fill (self, name);
  remember (self, name);
  load (self);
}

void
dlab_dataset_chooser_refresh (DlabDatasetChooser *self)
{
  g_autofree char *name = g_strdup (dlab_dataset_chooser_get_name (self));

  fill (self, name);
  load (self);
}

void
dlab_dataset_chooser_get_shape (DlabDatasetChooser *self, int *c, int *h, int *w, int *classes)
{
  const char *name = dlab_dataset_chooser_get_name (self);

  *c = 1, *h = 28, *w = 28, *classes = -1;
  if (self->data)
    {
      const DlabDataset *d = dlab_sample_set_get_train (self->data);
      *c = d->c, *h = d->h, *w = d->w, *classes = d->num_classes;
    }
  else if (name)
    dlab_dataset_guess_shape (name, c, h, w);
}

double
dlab_dataset_chooser_get_val_split (DlabDatasetChooser *self)
{
  return gtk_spin_button_get_value (self->val_spin);
}

int
dlab_dataset_chooser_get_val_n (DlabDatasetChooser *self)
{
  const DlabDataset *all;
  int n, limit = gtk_spin_button_get_value_as_int (self->limit_spin);
  double split = (float) gtk_spin_button_get_value (self->val_spin);

  if (!self->data || split <= 0)
    return 0;
  all = dlab_sample_set_get_train (self->data);
  n = limit > 0 && limit < all->n ? limit : all->n;
  return (int) ceil (n * split);
}

void
dlab_dataset_chooser_add_args (DlabDatasetChooser *self, GStrvBuilder *args)
{
  g_autofree char *dir = data_dir (self);
  int limit = gtk_spin_button_get_value_as_int (self->limit_spin);
  double val_split = gtk_spin_button_get_value (self->val_spin);

  g_strv_builder_add_many (args, "--dataset", dlab_dataset_chooser_get_name (self), NULL);
  if (dir)
    g_strv_builder_add_many (args, "--data", dir, NULL);
  if (limit > 0)
    {
      g_autofree char *text = g_strdup_printf ("%d", limit);
      g_strv_builder_add_many (args, "--limit", text, NULL);
    }
  if (val_split > 0)
    {
      g_autofree char *text = dlab_format_float_arg (val_split);
      g_strv_builder_add_many (args, "--val-split", text, NULL);
    }
}

void
dlab_dataset_chooser_apply_recipe (DlabDatasetChooser *self, const DlabRecipe *r)
{
  const char *dataset = dlab_recipe_value (r, "dataset"), *val = dlab_recipe_value (r, "val-split");

  if (dataset)
    dlab_dataset_chooser_select (self, dataset);
  gtk_spin_button_set_value (self->val_spin, val ? g_ascii_strtod (val, NULL) : 0);
  gtk_spin_button_set_value (self->limit_spin, 0);
}

void
dlab_dataset_chooser_set_locked (DlabDatasetChooser *self, gboolean locked)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->dataset_row), !locked);
}

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  DlabDatasetChooser *self = DLAB_DATASET_CHOOSER (data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        {
          g_autofree char *name = g_strconcat ("folder:", path, NULL);
          dlab_dataset_chooser_select (self, name);
        }
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static GtkWindow *
parent_window (DlabDatasetChooser *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

void
dlab_dataset_chooser_open_folder (DlabDatasetChooser *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Open a Folder of Images"), parent_window (self),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
dlab_dataset_chooser_get_datasets (DlabDatasetChooser *self)
{
  GtkWidget *dialog = dlab_get_datasets_new (parent_window (self));

  g_signal_connect_object (dialog, "fetched", G_CALLBACK (dlab_dataset_chooser_refresh), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
dlab_dataset_chooser_dispose (GObject *object)
{
  DlabDatasetChooser *self = DLAB_DATASET_CHOOSER (object);

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->data);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->dataset_names, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_DATASET_CHOOSER);
  G_OBJECT_CLASS (dlab_dataset_chooser_parent_class)->dispose (object);
}

static void
dlab_dataset_chooser_class_init (DlabDatasetChooserClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_dataset_chooser_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-dataset-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabDatasetChooser, dataset_row);
  gtk_widget_class_bind_template_child (widget_class, DlabDatasetChooser, dataset_status_row);
  gtk_widget_class_bind_template_child (widget_class, DlabDatasetChooser, limit_spin);
  gtk_widget_class_bind_template_child (widget_class, DlabDatasetChooser, val_spin);
}

static void
dlab_dataset_chooser_init (DlabDatasetChooser *self)
{
  g_autofree char *dataset = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = dlab_settings_new ();
  self->dataset_names = g_ptr_array_new_with_free_func (g_free);
  if (self->settings)
    {
      g_settings_bind (self->settings, "train-limit", gtk_spin_button_get_adjustment (self->limit_spin), "value",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "val-split", gtk_spin_button_get_adjustment (self->val_spin), "value",
                       G_SETTINGS_BIND_DEFAULT);
      g_signal_connect_swapped (self->settings, "changed::data-dir", G_CALLBACK (dlab_dataset_chooser_refresh), self);
    }
  dataset = self->settings ? g_settings_get_string (self->settings, "dataset") : g_strdup ("mnist");
  fill (self, dataset);
  g_signal_connect_swapped (self->dataset_row, "notify::selected", G_CALLBACK (on_selected), self);
  /* The first load is the page's to start, once it listens. */
}
