/* DlabGetDatasets: see dlab-get-datasets.h. */
#include "dlab-get-datasets.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dlab-sample-set.h"
#include "dlab/error.h"
#include "dlab/fetch.h"

/* A row of the window: its dataset and what it offers. */
typedef struct {
  const char *name;   /* dlab fetch's name */
  GtkWidget *row;
  GtkWidget *button;  /* "Get", while the dataset is missing */
  GtkWidget *ready;   /* "Ready", once it is found */
} Row;

struct _DlabGetDatasets {
  AdwWindow parent_instance;

  GtkWidget *group;
  GArray *rows;       /* of Row */
  GtkProgressBar *progress;
  GtkLabel *problem;  /* what went wrong, in words (hidden when nothing did) */
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

/* As `dlab fetch` chooses (engine/cli/cmd_fetch.c), so that the datasets
 * the window fetches are where the command line and the engine look. */
char *
dlab_get_datasets_root (void)
{
  const char *env = g_getenv ("DLAB_DATA");

  if (env && *env)
    return g_strdup (env);
  return g_build_filename (g_get_home_dir (), ".local", "share", "digit-lab", "datasets", NULL);
}

/* ---- which datasets are there ------------------------------------------------ */

/* A dataset of `dlab fetch` is found when the engine finds every dataset
 * it unpacks (EMNIST: all six splits). */
static gboolean
fetched_dataset_found (const char *name)
{
  int n = 0, wanted = 0, found = 0;
  g_autofree DlabDatasetEntry *entries = dlab_dataset_catalog (NULL, &n);
  gboolean emnist = g_str_equal (name, "emnist");

  for (int i = 0; i < n; i++)
    if (emnist ? g_str_has_prefix (entries[i].name, "emnist-") : g_str_equal (entries[i].name, name))
      {
        wanted++;
        found += entries[i].found;
      }
  return wanted > 0 && found == wanted;
}

static void
update_rows (DlabGetDatasets *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *r = &g_array_index (self->rows, Row, i);
      gboolean found = fetched_dataset_found (r->name);
      gtk_widget_set_visible (r->button, !found);
      gtk_widget_set_visible (r->ready, found);
    }
}

gboolean
dlab_get_datasets_offers (DlabGetDatasets *self, const char *name)
{
  g_return_val_if_fail (DLAB_IS_GET_DATASETS (self), FALSE);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *r = &g_array_index (self->rows, Row, i);
      if (g_str_equal (r->name, name))
        return gtk_widget_get_visible (r->button);
    }
  return FALSE;
}

/* ---- tidying up after a failed download --------------------------------------- */

/* The folders a download may create: the root, its missing parents, and
 * two levels under it (MNIST/raw, cifar-10-batches-bin). */
typedef struct {
  GPtrArray *missing_parents;  /* root first, then up */
  GHashTable *existing;        /* the folders under root before */
} FolderSnapshot;

static void
list_folders (const char *dir, int depth, GPtrArray *out)
{
  g_autoptr (GDir) d = depth > 0 ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        {
          list_folders (path, depth - 1, out);
          g_ptr_array_add (out, path); /* children before their parent */
        }
      else
        g_free (path);
    }
}

static FolderSnapshot
snapshot_folders (const char *root)
{
  FolderSnapshot snap = { g_ptr_array_new_with_free_func (g_free),
                          g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  g_autoptr (GPtrArray) folders = g_ptr_array_new ();
  g_autofree char *dir = g_strdup (root);

  while (dir && !g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (dir);
      g_ptr_array_add (snap.missing_parents, g_steal_pointer (&dir));
      if (g_strcmp0 (parent, snap.missing_parents->pdata[snap.missing_parents->len - 1]) == 0)
        g_free (parent);  /* "/" or "." */
      else
        dir = parent;
    }
  list_folders (root, 2, folders);
  for (guint i = 0; i < folders->len; i++)
    g_hash_table_add (snap.existing, folders->pdata[i]);
  return snap;
}

/* Removes the folders the failed download created that are still empty
 * (a partial file, kept to be resumed, keeps its folder). */
static void
remove_new_empty_folders (const char *root, FolderSnapshot *snap)
{
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);

  list_folders (root, 2, folders);
  for (guint i = 0; i < folders->len; i++)
    if (!g_hash_table_contains (snap->existing, folders->pdata[i]))
      g_rmdir (folders->pdata[i]);
  for (guint i = 0; i < snap->missing_parents->len; i++)
    if (g_rmdir (snap->missing_parents->pdata[i]) != 0)
      break;
}

static void
snapshot_clear (FolderSnapshot *snap)
{
  g_ptr_array_unref (snap->missing_parents);
  g_hash_table_unref (snap->existing);
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

/* curl's words for "the network or the server cannot be reached" (its
 * error buffer and curl_easy_strerror), as the engine passes them on. */
static gboolean
is_network_error (const char *message)
{
  static const char *const signs[] = {
    "resolve host", "resolve proxy", "Could not resolve", "Couldn't resolve", "Failed to connect",
    "Couldn't connect", "Connection refused", "Connection timed out", "Timeout was reached",
    "Network is unreachable", "No route to host", "Resolving timed out",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (signs); i++)
    if (strstr (message, signs[i]))
      return TRUE;
  return FALSE;
}

static void
fetch_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DlabGetDatasets *self = source;
  g_autofree char *root = dlab_get_datasets_root ();
  DlabFetchOptions opt = { 0 };
  FolderSnapshot snap = snapshot_folders (root);
  int rc;

  (void) cancellable;
  if (g_mkdir_with_parents (root, 0777) < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot create the folder"), root);
      snapshot_clear (&snap);
      return;
    }
  opt.root = root;
  opt.retries = 3;
  opt.progress = on_progress;
  opt.status = on_status;
  opt.user = self;
  dlab_error_clear ();
  rc = dlab_fetch_dataset (task_data, &opt);
  if (rc < 0)
    {
      const char *message = dlab_error_message ();
      remove_new_empty_folders (root, &snap);
      g_task_return_new_error (task, G_IO_ERROR,
                               is_network_error (message) ? G_IO_ERROR_NETWORK_UNREACHABLE : G_IO_ERROR_FAILED,
                               "%s", message);
    }
  else
    g_task_return_boolean (task, TRUE);
  snapshot_clear (&snap);
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
show_problem (DlabGetDatasets *self, const char *title, const GError *error)
{
  g_autofree char *root = dlab_get_datasets_root ();
  g_autofree char *problem = NULL, *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    {
      problem = g_strdup (_("The network cannot be reached"));
      text = g_strdup_printf (_("%s could not be downloaded. Check that this computer is online (and its proxy "
                                "settings), then press Get again. Without a network, copy the dataset’s files "
                                "from a computer that has them into %s, in the layout README’s “Datasets” "
                                "describes.\n\nDetails: %s"),
                              title, root, error->message);
    }
  else
    {
      problem = g_strdup_printf (_("Could not get %s"), title);
      text = g_strdup (error->message);
    }
  gtk_label_set_label (self->problem, problem);
  gtk_widget_set_visible (GTK_WIDGET (self->problem), TRUE);
  gtk_label_set_label (self->status, text);
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
  gtk_window_set_hide_on_close (GTK_WINDOW (self), FALSE);
  gtk_widget_set_sensitive (self->group, TRUE);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      text = g_strdup_printf (_("%s is ready."), title);
      gtk_progress_bar_set_fraction (self->progress, 1);
      gtk_label_set_label (self->status, text);
      update_rows (self);
      g_signal_emit (self, signals[SIGNAL_FETCHED], 0);
    }
  else
    {
      gtk_progress_bar_set_fraction (self->progress, 0);
      show_problem (self, title, error);
    }
  /* Closed while it ran: it was only hidden, so that the download could
   * finish and tell the Train page. */
  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_window_destroy (GTK_WINDOW (self));
}

gboolean
dlab_get_datasets_is_busy (DlabGetDatasets *self)
{
  g_return_val_if_fail (DLAB_IS_GET_DATASETS (self), FALSE);
  return self->busy;
}

const char *
dlab_get_datasets_get_problem (DlabGetDatasets *self)
{
  g_return_val_if_fail (DLAB_IS_GET_DATASETS (self), NULL);
  return gtk_widget_get_visible (GTK_WIDGET (self->problem)) ? gtk_label_get_label (self->problem) : NULL;
}

const char *
dlab_get_datasets_get_status (DlabGetDatasets *self)
{
  g_return_val_if_fail (DLAB_IS_GET_DATASETS (self), NULL);
  return gtk_label_get_label (self->status);
}

void
dlab_get_datasets_get (DlabGetDatasets *self, const char *name)
{
  g_return_if_fail (DLAB_IS_GET_DATASETS (self));
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *r = &g_array_index (self->rows, Row, i);
      if (g_str_equal (r->name, name) && gtk_widget_get_visible (r->button))
        g_signal_emit_by_name (r->button, "clicked");
    }
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
  gtk_widget_set_visible (GTK_WIDGET (self->problem), FALSE);
  gtk_label_set_label (self->status, _("Connecting…"));
  /* Closing the window now only hides it until the download ends. */
  gtk_window_set_hide_on_close (GTK_WINDOW (self), TRUE);
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
  g_array_unref (self->rows);
  g_free (self->file);
  g_free (self->message);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (dlab_get_datasets_parent_class)->finalize (object);
}

static void
dlab_get_datasets_class_init (DlabGetDatasetsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dlab_get_datasets_finalize;
  /* As every dialog: Escape and Ctrl+W close it. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
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
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
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
      Row r = { *n, adw_action_row_new (), gtk_button_new_with_mnemonic (_("_Get")), NULL };
      g_autofree char *title = dlab_dataset_title (*n);
      g_autofree char *get = NULL;
      const char *shown = g_str_equal (*n, "emnist") ? "EMNIST" : title;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (r.row), shown);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (r.row), fetch_blurb (*n));
      gtk_widget_set_valign (r.button, GTK_ALIGN_CENTER);
      get = g_strdup_printf (_("Get %s"), shown);
      gtk_accessible_update_property (GTK_ACCESSIBLE (r.button), GTK_ACCESSIBLE_PROPERTY_LABEL, get, -1);
      g_object_set_data (G_OBJECT (r.button), "dlab-dataset", (gpointer) *n);
      g_signal_connect (r.button, "clicked", G_CALLBACK (on_get_clicked), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (r.row), r.button);
      /* Found on this computer: nothing to offer. */
      r.ready = gtk_label_new (_("Ready"));
      gtk_widget_set_tooltip_text (r.ready, _("Found on this computer: choose it on the Train page"));
      gtk_widget_add_css_class (r.ready, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (r.row), r.ready);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->group), r.row);
      g_array_append_val (self->rows, r);
    }
  update_rows (self);
  gtk_box_append (GTK_BOX (content), self->group);

  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->progress));
  self->problem = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->problem, 0);
  gtk_label_set_wrap (self->problem, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->problem), "heading");
  gtk_widget_add_css_class (GTK_WIDGET (self->problem), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->problem), FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->problem));
  self->status = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_selectable (self->status, TRUE);
  gtk_label_set_xalign (self->status, 0);
  gtk_label_set_wrap (self->status, TRUE);
  gtk_label_set_wrap_mode (self->status, PANGO_WRAP_WORD_CHAR);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (self->status));
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (ADW_WINDOW (self), box);
}

GtkWidget *
dlab_get_datasets_new (GtkWindow *parent)
{
  return g_object_new (DLAB_TYPE_GET_DATASETS, "transient-for", parent, NULL);
}
