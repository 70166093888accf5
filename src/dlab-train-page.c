/* DlabTrainPage: see dlab-train-page.h. */
#include "dlab-train-page.h"
#include "dlab-format.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-settings.h"
#include "dlab-code-window.h"
#include "dlab-fold-box.h"
#include "dlab-tutorial-chooser.h"
#include "dlab-get-datasets.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/pytorch_code.h"
#include "dlab/recipes.h"
#include "dlab/run.h"
#include "dlab/zoo.h"

struct _DlabTrainPage {
  AdwBin parent_instance;

  /* Template children. */
  DlabTutorialChooser *tutorial_chooser;
  AdwComboRow *dataset_row;
  AdwActionRow *dataset_status_row;
  GtkSpinButton *limit_spin, *val_spin, *split_seed_spin;
  AdwComboRow *normalize_row;
  GtkSwitch *transposed_switch;
  AdwComboRow *model_row;
  GtkTextView *spec_view;
  GtkLabel *spec_status;
  GtkExpander *summary_expander;
  GtkGrid *summary_grid;
  AdwComboRow *optimizer_row;
  GtkSpinButton *lr_spin, *momentum_spin, *wd_spin, *batch_spin, *epochs_spin;
  AdwComboRow *schedule_row;
  GtkSwitch *rotate_switch, *shift_switch, *affine_switch, *elastic_switch, *flip_switch;
  GtkSpinButton *rotate_spin;
  GtkSwitch *shuffle_switch;
  AdwComboRow *save_best_row;
  AdwExpanderRow *more_row;
  GtkLabel *transform_label;
  GtkSpinButton *seed_spin, *threads_spin;
  AdwComboRow *device_row;
  GtkLabel *status_label, *error_label, *accuracy_label;
  GtkWidget *stop_button;
  GtkProgressBar *progress_bar;
  GtkStack *view_stack;
  DlabPlot *plot;
  DlabConfusionView *confusion_view;
  DlabMistakesView *mistakes_view;

  GSettings *settings;          /* NULL without the schema */
  GPtrArray *dataset_names;     /* engine names, by combo position */
  DlabSampleSet *data;          /* the selected dataset, once loaded */
  GCancellable *loading;
  gboolean spec_ok;
  gboolean syncing;             /* model combo and spec text update each other */
  DlabTrainingJob *job;         /* the current or last run */
  DlabStepInfo last_step;       /* the newest step, shown at the next frame */
  guint progress_tick;          /* the tick callback that shows it */
  double last_val_accuracy;     /* the last epoch's, for the tutorial's comparison */
  int last_val_n;
};

G_DEFINE_FINAL_TYPE (DlabTrainPage, dlab_train_page, ADW_TYPE_BIN)

enum { SIGNAL_USE_MODEL, SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_SAMPLE_SET, PROP_TRANSFORMS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
set_data (DlabTrainPage *self, DlabSampleSet *set)
{
  if (g_set_object (&self->data, set))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAMPLE_SET]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORMS]);
    }
}

static const char *const optimizers[] = { "sgd", "adam", "adamw" };
static const char *const schedules[] = { "constant", "step:10:0.1", "cosine", "onecycle", "stepstart:5:0.1" };
/* The Normalization row's choices as transform steps ("": the dataset's). */
static const char *const normalizations[] = { "", "normalize:computed", "normalize:0.5:0.5", "normalize:0:1" };
static const char *const save_bests[] = { "", "val_loss", "val_acc" };

static void update_actions (DlabTrainPage *self);
static gboolean validate_spec (DlabTrainPage *self);

static void
tell (DlabTrainPage *self, const char *title, const char *details)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, title, details);
}

/* ---- small helpers ------------------------------------------------------------ */

static char *
settings_string (DlabTrainPage *self, const char *key, const char *fallback)
{
  return self->settings ? g_settings_get_string (self->settings, key) : g_strdup (fallback);
}

static void
settings_set_string (DlabTrainPage *self, const char *key, const char *value)
{
  if (self->settings)
    g_settings_set_string (self->settings, key, value);
}

static char *
spec_text (DlabTrainPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->spec_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static const char *
current_dataset (DlabTrainPage *self)
{
  guint i = adw_combo_row_get_selected (self->dataset_row);
  return i < self->dataset_names->len ? g_ptr_array_index (self->dataset_names, i) : NULL;
}

static char *
data_dir (DlabTrainPage *self)
{
  g_autofree char *dir = settings_string (self, "data-dir", "");
  return *dir ? g_steal_pointer (&dir) : NULL;
}

static char *
format_duration (double seconds)
{
  long s = (long) (seconds + 0.5);

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("–");
  if (s >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%ld:%02ld", s / 60, s % 60);
}

/* ---- datasets ------------------------------------------------------------------ */

static void
show_dataset_status (DlabTrainPage *self, const char *text)
{
  adw_action_row_set_subtitle (self->dataset_status_row, text);
}

static void
on_dataset_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabSampleSet) set = dlab_sample_set_load_finish (result, &error);
  DlabTrainPage *self;

  (void) source;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = DLAB_TRAIN_PAGE (data);
  g_clear_object (&self->loading);
  if (!set)
    {
      show_dataset_status (self, error->message);
      update_actions (self);
      return;
    }
  set_data (self, set);
  {
    const DlabDataset *train = dlab_sample_set_get_train (set), *test = dlab_sample_set_get_test (set);
    g_autofree char *n_train = dlab_format_count (train->n), *n_test = dlab_format_count (test->n);
    g_autofree char *text = g_strdup_printf (ngettext ("%s training and %s test images, %d×%d×%d, %d class",
                                                       "%s training and %s test images, %d×%d×%d, %d classes",
                                                       train->num_classes),
                                             n_train, n_test, train->c, train->h, train->w, train->num_classes);
    show_dataset_status (self, text);
  }
  validate_spec (self);
  update_actions (self);
}

/* The page holds a reference while a load runs (dropped on completion). */
static void
load_dataset (DlabTrainPage *self)
{
  const char *name = current_dataset (self);
  g_autofree char *dir = data_dir (self);
  g_autofree char *title = NULL, *text = NULL;

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  set_data (self, NULL);
  if (!name)
    return;
  title = dlab_dataset_title (name);
  text = g_strdup_printf (_("Loading %s…"), title);
  show_dataset_status (self, text);
  self->loading = g_cancellable_new ();
  g_object_ref (self);
  dlab_sample_set_load_async (name, dir, self->loading, on_dataset_loaded, self);
  /* The callback runs later; the reference keeps self alive until then. */
  g_object_set_data_full (G_OBJECT (self->loading), "dlab-page", self, g_object_unref);
  validate_spec (self);
  update_actions (self);
}

/* Fills the dataset list: the engine's datasets (those not found are
 * marked) and the folders opened before. */
static void
fill_datasets (DlabTrainPage *self, const char *select)
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
on_dataset_selected (DlabTrainPage *self)
{
  const char *name = current_dataset (self);

  if (self->syncing || !name)
    return;
  settings_set_string (self, "dataset", name);
  load_dataset (self);
}

void
dlab_train_page_select_dataset (DlabTrainPage *self, const char *name)
{
  gboolean known = FALSE;

  g_return_if_fail (DLAB_IS_TRAIN_PAGE (self));
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
  fill_datasets (self, name);
  settings_set_string (self, "dataset", name);
  load_dataset (self);
}

static void
on_data_dir_changed (DlabTrainPage *self)
{
  g_autofree char *name = g_strdup (current_dataset (self));

  fill_datasets (self, name);
  load_dataset (self);
}

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        {
          g_autofree char *name = g_strconcat ("folder:", path, NULL);
          dlab_train_page_select_dataset (self, name);
        }
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
open_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Open a Folder of Images"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), _("_Cancel"));

  (void) action;
  (void) param;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_datasets_fetched (DlabTrainPage *self)
{
  on_data_dir_changed (self);
}

static void
get_datasets_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog = dlab_get_datasets_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL);

  (void) action;
  (void) param;
  g_signal_connect_object (dialog, "fetched", G_CALLBACK (on_datasets_fetched), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the network ------------------------------------------------------------------ */

static void
add_summary_cell (DlabTrainPage *self, const char *text, int col, int row, gboolean header, gboolean number)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), number ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, header ? "caption-heading" : "caption");
  if (number)
    gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (self->summary_grid, label, col, row, 1, 1);
}

static void
clear_summary (DlabTrainPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->summary_grid))))
    gtk_grid_remove (self->summary_grid, child);
}

/* torchsummary's table: each layer, its output shape and parameters. */
static void
show_summary (DlabTrainPage *self, const DlabModel *m)
{
  char shape[64];
  int row = 1;

  clear_summary (self);
  add_summary_cell (self, _("Layer"), 0, 0, TRUE, FALSE);
  add_summary_cell (self, _("Output"), 1, 0, TRUE, FALSE);
  add_summary_cell (self, _("Parameters"), 2, 0, TRUE, TRUE);
  add_summary_cell (self, _("input"), 0, row, FALSE, FALSE);
  add_summary_cell (self, dlab_shape_str (dlab_model_input (m), shape, sizeof shape), 1, row++, FALSE, FALSE);
  for (int i = 0; i < dlab_model_num_layers (m); i++, row++)
    {
      DlabLayerSummary l = dlab_model_layer_summary (m, i);
      g_autofree char *name = g_strdup_printf ("%s: %s", l.name, l.kind);
      g_autofree char *params = dlab_format_count (l.params);

      add_summary_cell (self, name, 0, row, FALSE, FALSE);
      add_summary_cell (self, dlab_shape_str (l.output, shape, sizeof shape), 1, row, FALSE, FALSE);
      add_summary_cell (self, params, 2, row, FALSE, TRUE);
    }
  {
    g_autofree char *total = dlab_format_count (dlab_model_count_params (m));
    add_summary_cell (self, _("Total"), 0, row, TRUE, FALSE);
    add_summary_cell (self, total, 2, row, TRUE, TRUE);
  }
}

static void
set_spec_status (DlabTrainPage *self, const char *text, gboolean error)
{
  gtk_label_set_label (self->spec_status, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->spec_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->spec_status), "error");
}

/* Checks the network for the dataset's images, as training will build it,
 * but only its shapes and parameter counts: no tensor is allocated, so a
 * spec of any size is checked at once at every keystroke. The engine's
 * message shows inline when it does not fit. TRUE when the spec describes
 * a network (whether or not its outputs match the dataset's classes). */
static gboolean
validate_spec (DlabTrainPage *self)
{
  g_autofree char *spec = spec_text (self);
  const char *name = current_dataset (self);
  int c = 1, h = 28, w = 28, classes = -1;
  DlabModel *m;
  gboolean builds;

  if (self->data)
    {
      const DlabDataset *d = dlab_sample_set_get_train (self->data);
      c = d->c, h = d->h, w = d->w, classes = d->num_classes;
    }
  else if (name)
    dlab_dataset_guess_shape (name, &c, &h, &w);

  self->spec_ok = FALSE;
  if (!*spec)
    {
      set_spec_status (self, _("Write a network, e.g. “flatten | linear 128 | relu | linear 10”"), TRUE);
      clear_summary (self);
      update_actions (self);
      return FALSE;
    }
  dlab_error_clear ();
  m = dlab_model_describe (spec, (DlabShape) { 3, { c, h, w } });
  builds = m != NULL;
  if (!m)
    {
      set_spec_status (self, dlab_error_message (), TRUE);
      clear_summary (self);
    }
  else
    {
      int outputs = dlab_model_num_outputs (m);
      g_autofree char *params = dlab_format_count (dlab_model_count_params (m));
      g_autofree char *text = NULL;

      show_summary (self, m);
      if (classes > 0 && outputs != classes)
        {
          text = g_strdup_printf (ngettext ("The network has %d output but the dataset has %d classes: "
                                            "end it with “linear %d”",
                                            "The network has %d outputs but the dataset has %d classes: "
                                            "end it with “linear %d”",
                                            outputs),
                                  outputs, classes, classes);
          set_spec_status (self, text, TRUE);
        }
      else
        {
          text = g_strdup_printf (ngettext ("%s parameters, %d layer", "%s parameters, %d layers",
                                            dlab_model_num_layers (m)),
                                  params, dlab_model_num_layers (m));
          set_spec_status (self, text, FALSE);
          self->spec_ok = TRUE;
        }
      dlab_model_free (m);
    }
  update_actions (self);
  return builds;
}

static const DlabZooEntry *
zoo_at (guint position)
{
  const DlabZooEntry *e = dlab_zoo_entries ();

  for (guint i = 0; e[i].name; i++)
    if (i == position)
      return &e[i];
  return NULL;
}

static void
set_spec_text (DlabTrainPage *self, const char *text)
{
  self->syncing = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->spec_view), text, -1);
  self->syncing = FALSE;
}

static void
on_model_selected (DlabTrainPage *self)
{
  const DlabZooEntry *e = zoo_at (adw_combo_row_get_selected (self->model_row));

  if (self->syncing)
    return;
  if (e)
    {
      set_spec_text (self, e->spec);
      settings_set_string (self, "network", e->name);
    }
  else
    {
      g_autofree char *custom = settings_string (self, "custom-spec", "");
      if (*custom)
        set_spec_text (self, custom);
      settings_set_string (self, "network", "custom");
    }
  validate_spec (self);
}

/* Typing turns the choice into "Custom" unless the text is a zoo spec. */
static void
on_spec_changed (DlabTrainPage *self)
{
  g_autofree char *spec = NULL;
  const DlabZooEntry *e;
  guint position = 0, custom = 0;

  if (self->syncing)
    return;
  spec = spec_text (self);
  for (e = dlab_zoo_entries (); e->name; e++, custom++)
    ;
  for (e = dlab_zoo_entries (); e->name && strcmp (e->spec, spec) != 0; e++)
    position++;
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->model_row, e->name ? position : custom);
  self->syncing = FALSE;
  /* Only a network that builds is remembered: text on its way to one, or
   * a mistake, is not brought back at the next start. */
  if (!validate_spec (self))
    return;
  settings_set_string (self, "network", e->name ? e->name : "custom");
  if (!e->name)
    settings_set_string (self, "custom-spec", spec);
}

void
dlab_train_page_set_spec (DlabTrainPage *self, const char *spec)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->spec_view), spec, -1);
}

const char *
dlab_train_page_get_spec_status (DlabTrainPage *self)
{
  return gtk_label_get_label (self->spec_status);
}

/* The model for the settings: a zoo name when one is chosen (so the run's
 * folder and `dlab train` say "lenet"), else the spec. */
static char *
model_choice (DlabTrainPage *self)
{
  const DlabZooEntry *e = zoo_at (adw_combo_row_get_selected (self->model_row));
  return e ? g_strdup (e->name) : spec_text (self);
}

/* How many images the validation split of the current settings holds (as
 * dlab_dataset_split rounds it), for the standard error of its accuracy. */
static int
dlab_run_args_get_val_n (DlabTrainPage *self)
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

/* ---- augmentation -------------------------------------------------------------------- */

char *
dlab_train_page_get_transforms (DlabTrainPage *self)
{
  GString *t = g_string_new (NULL);
  int c = 1, h = 28, w = 28;
  const char *name = current_dataset (self);

  if (self->data)
    {
      const DlabDataset *d = dlab_sample_set_get_train (self->data);
      c = d->c, h = d->h, w = d->w;
    }
  else if (name)
    dlab_dataset_guess_shape (name, &c, &h, &w);
  (void) c;
#define STEP(...) g_string_append_printf (t, "%s" __VA_ARGS__)
  if (gtk_switch_get_active (self->rotate_switch))
    g_string_append_printf (t, "%srotate:%d", t->len ? "," : "", gtk_spin_button_get_value_as_int (self->rotate_spin));
  if (gtk_switch_get_active (self->shift_switch) && h == w)
    g_string_append_printf (t, "%scrop:%d:2", t->len ? "," : "", h);
  if (gtk_switch_get_active (self->affine_switch))
    STEP ("affine:0:0/0:0.9/1.1:8", t->len ? "," : "");
  if (gtk_switch_get_active (self->elastic_switch))
    STEP ("elastic", t->len ? "," : "");
  if (gtk_switch_get_active (self->flip_switch))
    STEP ("hflip", t->len ? "," : "");
#undef STEP
  return g_string_free (t, FALSE);
}

static void
update_transform_label (DlabTrainPage *self)
{
  g_autofree char *t = dlab_train_page_get_transforms (self);
  g_autofree char *text = *t ? g_strdup_printf ("--transform %s", t) : g_strdup (_("No augmentation: every epoch sees the same images"));

  gtk_label_set_label (self->transform_label, text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORMS]);
}

/* ---- settings ------------------------------------------------------------------------------ */

/* A float as `dlab train` reads it back: the spin button's value, as
 * the float the engine will hold, with a '.' in any locale. */
static char *
float_arg (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", (float) v));
}

/* The training transforms: the augmentation, then the normalization. */
static char *
transform_arg (DlabTrainPage *self)
{
  g_autofree char *augment = dlab_train_page_get_transforms (self);
  guint norm = MIN (adw_combo_row_get_selected (self->normalize_row), G_N_ELEMENTS (normalizations) - 1);

  if (!*normalizations[norm])
    return g_steal_pointer (&augment);
  return g_strdup_printf ("%s%s%s", augment, *augment ? "," : "", normalizations[norm]);
}

GStrv
dlab_train_page_get_args (DlabTrainPage *self)
{
  g_autoptr (GStrvBuilder) b = NULL;
  guint opt = MIN (adw_combo_row_get_selected (self->optimizer_row), G_N_ELEMENTS (optimizers) - 1);
  guint sched = MIN (adw_combo_row_get_selected (self->schedule_row), G_N_ELEMENTS (schedules) - 1);
  guint best = MIN (adw_combo_row_get_selected (self->save_best_row), G_N_ELEMENTS (save_bests) - 1);
  double val_split = gtk_spin_button_get_value (self->val_spin);
  g_autofree char *dir = data_dir (self), *model = model_choice (self), *transform = transform_arg (self);

  if (!current_dataset (self))
    return NULL;
  b = g_strv_builder_new ();
#define ADD(opt, value) do { char *v_ = (value); g_strv_builder_add_many (b, opt, v_, NULL); g_free (v_); } while (0)
  ADD ("--dataset", g_strdup (current_dataset (self)));
  if (dir && *dir)
    ADD ("--data", g_strdup (dir));
  if (gtk_switch_get_active (self->transposed_switch) && g_str_has_prefix (current_dataset (self), "emnist"))
    g_strv_builder_add (b, "--keep-transposed");
  ADD ("--model", g_strdup (model));
  ADD ("--optimizer", g_strdup (optimizers[opt]));
  ADD ("--lr", float_arg (gtk_spin_button_get_value (self->lr_spin)));
  if (opt == 0)
    ADD ("--momentum", float_arg (gtk_spin_button_get_value (self->momentum_spin)));
  ADD ("--weight-decay", float_arg (gtk_spin_button_get_value (self->wd_spin)));
  ADD ("--schedule", g_strdup (schedules[sched]));
  if (*transform)
    ADD ("--transform", g_strdup (transform));
  ADD ("--epochs", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->epochs_spin)));
  ADD ("--batch-size", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->batch_spin)));
  if (!gtk_switch_get_active (self->shuffle_switch))
    g_strv_builder_add (b, "--no-shuffle");
  if (gtk_spin_button_get_value_as_int (self->limit_spin) > 0)
    ADD ("--limit", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->limit_spin)));
  if (val_split > 0)
    {
      ADD ("--val-split", float_arg (val_split));
      ADD ("--split-seed", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->split_seed_spin)));
      if (*save_bests[best])
        ADD ("--save-best", g_strdup (save_bests[best]));
    }
  ADD ("--seed", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->seed_spin)));
  ADD ("--threads", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->threads_spin)));
#undef ADD
  return g_strv_builder_end (b);
}

static void
on_optimizer_selected (DlabTrainPage *self)
{
  guint opt = adw_combo_row_get_selected (self->optimizer_row);

  gtk_widget_set_sensitive (GTK_WIDGET (self->momentum_spin), opt == 0);
  if (!self->syncing)
    settings_set_string (self, "optimizer", optimizers[MIN (opt, G_N_ELEMENTS (optimizers) - 1)]);
}

static void
on_schedule_selected (DlabTrainPage *self)
{
  guint sched = adw_combo_row_get_selected (self->schedule_row);

  if (!self->syncing)
    settings_set_string (self, "schedule", schedules[MIN (sched, G_N_ELEMENTS (schedules) - 1)]);
}

static void
on_normalize_selected (DlabTrainPage *self)
{
  guint i = MIN (adw_combo_row_get_selected (self->normalize_row), G_N_ELEMENTS (normalizations) - 1);

  if (!self->syncing)
    settings_set_string (self, "normalize", normalizations[i]);
}

static void
on_save_best_selected (DlabTrainPage *self)
{
  guint i = MIN (adw_combo_row_get_selected (self->save_best_row), G_N_ELEMENTS (save_bests) - 1);

  if (!self->syncing)
    settings_set_string (self, "save-best", save_bests[i]);
}

static guint
index_of (const char *const *names, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return 0;
}

static void
bind_spin (DlabTrainPage *self, const char *key, GtkSpinButton *spin)
{
  if (self->settings)
    g_settings_bind (self->settings, key, gtk_spin_button_get_adjustment (spin), "value", G_SETTINGS_BIND_DEFAULT);
}

static void
bind_switch (DlabTrainPage *self, const char *key, GtkSwitch *sw)
{
  if (self->settings)
    g_settings_bind (self->settings, key, sw, "active", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (update_transform_label), self);
}

/* The last choices, or dlab train's defaults without settings. */
static void
restore_choices (DlabTrainPage *self)
{
  g_autofree char *dataset = settings_string (self, "dataset", "mnist");
  g_autofree char *network = settings_string (self, "network", "lenet");
  g_autofree char *optimizer = settings_string (self, "optimizer", "adam");
  g_autofree char *schedule = settings_string (self, "schedule", "constant");
  g_autofree char *normalize = settings_string (self, "normalize", "");
  g_autofree char *save_best = settings_string (self, "save-best", "");
  g_autofree char *tutorial = settings_string (self, "tutorial", "");
  const DlabZooEntry *e = dlab_zoo_entries ();
  guint position = 0;

  if (!self->settings)
    {
      gtk_spin_button_set_value (self->lr_spin, 0.001);
      gtk_spin_button_set_value (self->batch_spin, 64);
      gtk_spin_button_set_value (self->epochs_spin, 10);
      gtk_spin_button_set_value (self->seed_spin, 1);
    }
  bind_spin (self, "train-limit", self->limit_spin);
  bind_spin (self, "val-split", self->val_spin);
  bind_spin (self, "split-seed", self->split_seed_spin);
  bind_spin (self, "rotate-degrees", self->rotate_spin);
  bind_spin (self, "learning-rate", self->lr_spin);
  bind_spin (self, "momentum", self->momentum_spin);
  bind_spin (self, "weight-decay", self->wd_spin);
  bind_spin (self, "batch-size", self->batch_spin);
  bind_spin (self, "epochs", self->epochs_spin);
  bind_spin (self, "seed", self->seed_spin);
  bind_spin (self, "threads", self->threads_spin);
  bind_switch (self, "augment-rotate", self->rotate_switch);
  bind_switch (self, "augment-shift", self->shift_switch);
  bind_switch (self, "augment-affine", self->affine_switch);
  bind_switch (self, "augment-elastic", self->elastic_switch);
  bind_switch (self, "augment-flip", self->flip_switch);
  if (self->settings)
    {
      g_settings_bind (self->settings, "shuffle", self->shuffle_switch, "active", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "keep-transposed", self->transposed_switch, "active", G_SETTINGS_BIND_DEFAULT);
    }
  g_signal_connect_swapped (self->rotate_spin, "value-changed", G_CALLBACK (update_transform_label), self);

  self->syncing = TRUE;
  adw_combo_row_set_selected (self->optimizer_row, index_of (optimizers, G_N_ELEMENTS (optimizers), optimizer));
  adw_combo_row_set_selected (self->schedule_row, index_of (schedules, G_N_ELEMENTS (schedules), schedule));
  adw_combo_row_set_selected (self->normalize_row, index_of (normalizations, G_N_ELEMENTS (normalizations), normalize));
  adw_combo_row_set_selected (self->save_best_row, index_of (save_bests, G_N_ELEMENTS (save_bests), save_best));
  for (; e->name && strcmp (e->name, network) != 0; e++)
    position++;
  adw_combo_row_set_selected (self->model_row, position);
  self->syncing = FALSE;
  if (e->name)
    set_spec_text (self, e->spec);
  else
    {
      g_autofree char *custom = settings_string (self, "custom-spec", "");
      set_spec_text (self, custom);
    }
  on_optimizer_selected (self);
  fill_datasets (self, dataset);
  dlab_tutorial_chooser_select (self->tutorial_chooser, *tutorial ? tutorial : NULL);
}

/* ---- runs ------------------------------------------------------------------------------------- */

static gboolean
job_busy (DlabTrainPage *self)
{
  return self->job && dlab_training_job_is_busy (self->job);
}

static gboolean
job_running (DlabTrainPage *self)
{
  return self->job && dlab_training_job_get_state (self->job) == DLAB_JOB_RUNNING;
}

gboolean
dlab_train_page_is_ready (DlabTrainPage *self)
{
  return self->data && self->spec_ok && !job_busy (self);
}

static gboolean
can_resume (DlabTrainPage *self)
{
  return self->job && !job_busy (self) && dlab_training_job_get_resume_checkpoint (self->job) &&
         dlab_training_job_get_epochs_done (self->job) < gtk_spin_button_get_value_as_int (self->epochs_spin);
}

static void
update_actions (DlabTrainPage *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean has_model = self->job && !job_busy (self) && dlab_training_job_get_checkpoint (self->job);

  gtk_widget_action_set_enabled (w, "train.start", dlab_train_page_is_ready (self));
  gtk_widget_action_set_enabled (w, "train.stop", job_running (self));
  /* Red only while there is something to stop. */
  if (job_running (self))
    gtk_widget_add_css_class (self->stop_button, "destructive-action");
  else
    gtk_widget_remove_css_class (self->stop_button, "destructive-action");
  gtk_widget_action_set_enabled (w, "train.resume", can_resume (self));
  gtk_widget_action_set_enabled (w, "train.use-model", has_model);
  gtk_widget_action_set_enabled (w, "train.save-model", has_model);
  gtk_widget_action_set_enabled (w, "train.open-run-folder", self->job != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->dataset_row), !job_busy (self));
}

static void
set_status (DlabTrainPage *self, const char *text)
{
  gtk_label_set_label (self->status_label, text);
}

/* The status line and the progress bar, once a frame however many steps
 * arrived since the last one (and not at all while the page is hidden). */
static gboolean
show_progress (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  const DlabStepInfo *info = &self->last_step;
  g_autofree char *elapsed = format_duration (info->elapsed_sec);
  g_autofree char *eta = format_duration (info->eta_sec);
  g_autofree char *ips = dlab_format_count ((long) (info->images_per_sec + 0.5));
  g_autofree char *text = NULL;
  long total = info->steps_per_epoch * info->epochs;

  (void) clock;
  (void) data;
  self->progress_tick = 0;
  /* The times first: in a narrow window the end of the line is cut. */
  text = g_strdup_printf (_("Epoch %d of %d · step %ld of %ld · %s elapsed · %s left · loss %.3f · %s images/s"),
                          info->epoch, info->epochs, info->step_in_epoch, info->steps_per_epoch, elapsed, eta,
                          info->loss, ips);
  set_status (self, text);
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) info->step / total : 0);
  return G_SOURCE_REMOVE;
}

static void
forget_progress (DlabTrainPage *self)
{
  if (self->progress_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->progress_tick);
  self->progress_tick = 0;
}

static void
on_job_step (DlabTrainingJob *job, const DlabStepInfo *info, DlabTrainPage *self)
{
  double x = (info->epoch - 1) + (double) info->step_in_epoch / info->steps_per_epoch;

  (void) job;
  dlab_plot_add_step (self->plot, x, info->loss);
  self->last_step = *info;
  if (!self->progress_tick)
    self->progress_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), show_progress, NULL, NULL);
}

static void
on_job_epoch (DlabTrainingJob *job, const DlabEpochInfo *info, DlabTrainPage *self)
{
  (void) job;
  self->last_val_accuracy = info->val_accuracy;
  self->last_val_n = isnan (info->val_accuracy) ? 0 : dlab_run_args_get_val_n (self);
  dlab_plot_add_epoch (self->plot, info->epoch, info->train_loss, info->train_accuracy, info->val_loss,
                       info->val_accuracy, info->test_loss, info->test_accuracy);
}

static void
on_job_finished (DlabTrainingJob *job, DlabTrainPage *self)
{
  g_autofree char *text = NULL;
  int done = dlab_training_job_get_epochs_done (job);

  forget_progress (self);
  switch (dlab_training_job_get_state (job))
    {
    case DLAB_JOB_DONE:
      text = g_strdup_printf (ngettext ("Trained %d epoch · evaluating on the test set…",
                                        "Trained %d epochs · evaluating on the test set…", done), done);
      gtk_progress_bar_set_fraction (self->progress_bar, 1);
      break;
    case DLAB_JOB_STOPPED:
      text = g_strdup_printf (ngettext ("Stopped after %d whole epoch · "
                                        "evaluating the weights of the moment of the stop…",
                                        "Stopped after %d whole epochs · "
                                        "evaluating the weights of the moment of the stop…", done), done);
      break;
    default:
      text = g_strdup (_("Training failed"));
      gtk_label_set_label (self->error_label, dlab_training_job_get_error (job));
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      tell (self, _("Training failed"), dlab_training_job_get_error (job));
      break;
    }
  set_status (self, text);
  update_actions (self);
}

/* After Stop two sets of weights exist: those of the moment of the stop
 * (stopped.safetensors, which the accuracy is of and Use in Sketchpad
 * takes) and the last whole epoch's checkpoint (which Resume continues).
 * The line names both. */
static char *
stopped_status (DlabTrainingJob *job, const char *prefix, double accuracy)
{
  const char *checkpoint = dlab_training_job_get_checkpoint (job);
  gboolean saved = checkpoint && g_str_has_suffix (checkpoint, "stopped.safetensors");
  const char *stopped = saved ? "stopped.safetensors" : _("not saved");
  const char *resume = dlab_training_job_get_resume_checkpoint (job);
  int done = dlab_training_job_get_epochs_done (job);

  if (!resume || done < 1)
    return g_strdup_printf (_("%s · test accuracy %.2f%% with the weights of the moment of the stop (%s)"),
                            prefix, accuracy * 100, stopped);
  return g_strdup_printf (_("%s · test accuracy %.2f%% with the weights of the moment of the stop (%s) · "
                            "Resume continues from the checkpoint of epoch %d"),
                          prefix, accuracy * 100, stopped, done);
}

static void
on_job_results (DlabTrainingJob *job, DlabTrainPage *self)
{
  const DlabJobResults *r = dlab_training_job_get_results (job);
  g_autofree char *right = NULL, *all = NULL, *text = NULL;
  const char *status = gtk_label_get_label (self->status_label);
  g_autofree char *prefix = NULL;

  if (r)
    {
      long correct = 0;
      for (int c = 0; c < r->k; c++)
        correct += r->confusion[c * r->k + c];
      right = dlab_format_count (correct);
      all = dlab_format_count (r->n);
      text = g_strdup_printf (ngettext ("Test accuracy %.2f%% (%s of %s image)",
                                        "Test accuracy %.2f%% (%s of %s images)", r->n),
                              r->accuracy * 100, right, all);
      gtk_label_set_label (self->accuracy_label, text);
      dlab_tutorial_chooser_set_result (self->tutorial_chooser, r->accuracy, r->n, self->last_val_accuracy,
                                        self->last_val_n);
      dlab_confusion_view_set_matrix (self->confusion_view, r->confusion, r->k,
                                      (const char *const *) r->test->class_names);
      prefix = g_strndup (status, strstr (status, " · ") ? (gsize) (strstr (status, " · ") - status) : strlen (status));
      g_free (text);
      if (dlab_training_job_get_state (job) == DLAB_JOB_STOPPED)
        text = stopped_status (job, prefix, r->accuracy);
      else
        text = g_strdup_printf (_("%s · test accuracy %.2f%%"), prefix, r->accuracy * 100);
      set_status (self, text);
    }
  else if (dlab_training_job_get_state (job) != DLAB_JOB_FAILED)
    set_status (self, dlab_error_message ());
  dlab_mistakes_view_set_job (self->mistakes_view, r ? job : NULL);
  update_actions (self);
}

static void
watch_job (DlabTrainPage *self, DlabTrainingJob *job)
{
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  g_signal_connect (job, "step", G_CALLBACK (on_job_step), self);
  g_signal_connect (job, "epoch", G_CALLBACK (on_job_epoch), self);
  g_signal_connect (job, "finished", G_CALLBACK (on_job_finished), self);
  g_signal_connect (job, "results", G_CALLBACK (on_job_results), self);
}

static void
show_error (DlabTrainPage *self, const char *title, const char *details)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", title, details);

  gtk_label_set_label (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

gboolean
dlab_train_page_start (DlabTrainPage *self)
{
  g_auto (GStrv) args = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabTrainingJob) job = NULL;
  g_autofree char *runs = NULL, *name = NULL, *run_dir = NULL;

  g_return_val_if_fail (DLAB_IS_TRAIN_PAGE (self), FALSE);
  if (!dlab_train_page_is_ready (self))
    return FALSE;
  args = dlab_train_page_get_args (self);
  if (!dlab_run_args_check ((const char *const *) args, &error))
    {
      show_error (self, _("Cannot train"), error->message);
      return FALSE;
    }
  runs = dlab_runs_dir ();
  name = dlab_run_name ((const char *const *) args);
  run_dir = g_build_filename (runs, name, NULL);
  job = dlab_training_job_new ((const char *const *) args, self->data, run_dir, FALSE);
  watch_job (self, job);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  dlab_tutorial_chooser_set_result (self->tutorial_chooser, 0, 0, 0, 0);
  dlab_plot_reset (self->plot, gtk_spin_button_get_value_as_int (self->epochs_spin));
  dlab_plot_set_title (self->plot, name);
  dlab_confusion_view_set_matrix (self->confusion_view, NULL, 0, NULL);
  dlab_mistakes_view_set_job (self->mistakes_view, NULL);
  gtk_label_set_label (self->accuracy_label, _("Training…"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  set_status (self, _("Starting…"));
  dlab_training_job_start (job);
  update_actions (self);
  return TRUE;
}

void
dlab_train_page_stop (DlabTrainPage *self)
{
  g_return_if_fail (DLAB_IS_TRAIN_PAGE (self));
  if (job_running (self))
    {
      dlab_training_job_stop (self->job);
      set_status (self, _("Stopping…"));
    }
}

gboolean
dlab_train_page_resume (DlabTrainPage *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;
  g_autofree char *epochs = NULL;
  g_autoptr (DlabTrainingJob) job = NULL;
  DlabTrainingJob *last = self->job;
  int n_epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);

  g_return_val_if_fail (DLAB_IS_TRAIN_PAGE (self), FALSE);
  if (!can_resume (self))
    return FALSE;
  /* The last run's arguments; the epochs as set now (the later one wins). */
  epochs = g_strdup_printf ("%d", n_epochs);
  g_strv_builder_addv (b, (const char **) dlab_training_job_get_args (last));
  g_strv_builder_add_many (b, "--epochs", epochs, NULL);
  args = g_strv_builder_end (b);
  job = dlab_training_job_new ((const char *const *) args, dlab_training_job_get_data (last),
                               dlab_training_job_get_run_dir (last), TRUE);
  watch_job (self, job);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  dlab_plot_set_epochs (self->plot, n_epochs);
  dlab_plot_truncate (self->plot, dlab_training_job_get_epochs_done (last));
  set_status (self, _("Resuming…"));
  dlab_training_job_start (job);
  update_actions (self);
  return TRUE;
}

/* "Show PyTorch Code": the class that loads this network's checkpoints. */
static void
show_pytorch_code_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  g_autofree char *spec = spec_text (self), *code = NULL;
  int c = 1, h = 28, w = 28;
  DlabModel *m;
  GtkRoot *root = gtk_widget_get_root (widget);

  (void) action;
  (void) param;
  if (self->data)
    {
      const DlabDataset *d = dlab_sample_set_get_train (self->data);
      c = d->c, h = d->h, w = d->w;
    }
  else if (current_dataset (self))
    dlab_dataset_guess_shape (current_dataset (self), &c, &h, &w);
  /* Shapes only: nothing is allocated, whatever the spec asks for. */
  m = dlab_model_describe (spec, (DlabShape) { 3, { c, h, w } });
  code = m ? dlab_pytorch_code (m) : NULL;
  dlab_model_free (m);
  if (!code)
    {
      show_error (self, _("No PyTorch code for this network"), dlab_error_message ());
      return;
    }
  gtk_window_present (GTK_WINDOW (dlab_code_window_new (
      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("PyTorch Code"),
      _("An nn.Module whose load_state_dict(strict=True) takes this network’s checkpoints, then the "
        "lines that load one. Run folders keep the checkpoint as model.safetensors."),
      code)));
}

/* ---- tutorials ------------------------------------------------------------------------------- */

static void
select_in_list (AdwComboRow *row, const char *const *values, guint n, const char *value)
{
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (values[i], value) == 0)
      adw_combo_row_set_selected (row, i);
}

static void
set_spin_text (GtkSpinButton *spin, const char *text)
{
  if (text)
    gtk_spin_button_set_value (spin, g_ascii_strtod (text, NULL));
}

/* The recipe's --transform on the augmentation switches and the
 * Normalization row. */
static void
apply_transforms (DlabTrainPage *self, const char *text)
{
  g_auto (GStrv) steps = g_strsplit (text ? text : "", ",", -1);
  guint norm = 0;

  gtk_switch_set_active (self->rotate_switch, FALSE);
  gtk_switch_set_active (self->shift_switch, FALSE);
  gtk_switch_set_active (self->affine_switch, FALSE);
  gtk_switch_set_active (self->elastic_switch, FALSE);
  gtk_switch_set_active (self->flip_switch, FALSE);
  for (int i = 0; steps[i]; i++)
    {
      if (g_str_has_prefix (steps[i], "rotate:"))
        {
          gtk_switch_set_active (self->rotate_switch, TRUE);
          set_spin_text (self->rotate_spin, steps[i] + 7);
        }
      else if (g_str_has_prefix (steps[i], "crop:"))
        gtk_switch_set_active (self->shift_switch, TRUE);
      else if (g_str_has_prefix (steps[i], "affine"))
        gtk_switch_set_active (self->affine_switch, TRUE);
      else if (g_str_has_prefix (steps[i], "elastic"))
        gtk_switch_set_active (self->elastic_switch, TRUE);
      else if (g_str_has_prefix (steps[i], "hflip"))
        gtk_switch_set_active (self->flip_switch, TRUE);
      for (guint k = 1; k < G_N_ELEMENTS (normalizations); k++)
        if (strcmp (steps[i], normalizations[k]) == 0)
          norm = k;
    }
  adw_combo_row_set_selected (self->normalize_row, norm);
}

/* Every setting from a tutorial's recipe; what it leaves out takes
 * `dlab train`'s default. */
static void
apply_recipe (DlabTrainPage *self, const DlabRecipe *r)
{
  const DlabRunOptions d = dlab_run_options_defaults ();
  const char *model = dlab_recipe_value (r, "model"), *dataset = dlab_recipe_value (r, "dataset");
  const char *optimizer = dlab_recipe_value (r, "optimizer"), *schedule = dlab_recipe_value (r, "schedule");
  const char *save_best = dlab_recipe_value (r, "save-best");
  guint position = 0;

  if (dataset)
    dlab_train_page_select_dataset (self, dataset);
  for (const DlabZooEntry *e = dlab_zoo_entries (); model && e->name; e++, position++)
    if (strcmp (e->name, model) == 0)
      adw_combo_row_set_selected (self->model_row, position);
  select_in_list (self->optimizer_row, optimizers, G_N_ELEMENTS (optimizers), optimizer ? optimizer : d.optimizer);
  select_in_list (self->schedule_row, schedules, G_N_ELEMENTS (schedules), schedule ? schedule : d.schedule);
  select_in_list (self->save_best_row, save_bests, G_N_ELEMENTS (save_bests), save_best ? save_best : "");
  gtk_spin_button_set_value (self->lr_spin, strcmp (optimizer ? optimizer : d.optimizer, "sgd") == 0 ? 0.01 : 0.001);
  set_spin_text (self->lr_spin, dlab_recipe_value (r, "lr"));
  gtk_spin_button_set_value (self->momentum_spin, 0);
  set_spin_text (self->momentum_spin, dlab_recipe_value (r, "momentum"));
  gtk_spin_button_set_value (self->wd_spin, 0);
  gtk_spin_button_set_value (self->batch_spin, d.batch_size);
  set_spin_text (self->batch_spin, dlab_recipe_value (r, "batch-size"));
  gtk_spin_button_set_value (self->epochs_spin, d.epochs);
  set_spin_text (self->epochs_spin, dlab_recipe_value (r, "epochs"));
  gtk_spin_button_set_value (self->val_spin, 0);
  set_spin_text (self->val_spin, dlab_recipe_value (r, "val-split"));
  gtk_spin_button_set_value (self->split_seed_spin, d.split_seed);
  set_spin_text (self->split_seed_spin, dlab_recipe_value (r, "split-seed"));
  gtk_switch_set_active (self->shuffle_switch, dlab_recipe_value (r, "no-shuffle") == NULL);
  gtk_switch_set_active (self->transposed_switch, dlab_recipe_value (r, "keep-transposed") != NULL);
  gtk_spin_button_set_value (self->limit_spin, 0);
  apply_transforms (self, dlab_recipe_value (r, "transform"));
  /* The tutorial's settings under More options are shown, not hidden. */
  adw_expander_row_set_expanded (self->more_row, dlab_recipe_value (r, "no-shuffle") || save_best ||
                                                     dlab_recipe_value (r, "keep-transposed") ||
                                                     adw_combo_row_get_selected (self->normalize_row) != 0);
  settings_set_string (self, "tutorial", r->name);
}

static void
on_recipe_chosen (DlabTrainPage *self, const DlabRecipe *r)
{
  apply_recipe (self, r);
}

void
dlab_train_page_choose_tutorial (DlabTrainPage *self, const char *name)
{
  const DlabRecipe *r;

  g_return_if_fail (DLAB_IS_TRAIN_PAGE (self));
  dlab_error_clear ();
  r = name ? dlab_recipe_find (name) : NULL;
  dlab_tutorial_chooser_select (self->tutorial_chooser, r ? r->name : NULL);
  if (r)
    apply_recipe (self, r);
}

DlabTutorialChooser *
dlab_train_page_get_tutorial_chooser (DlabTrainPage *self)
{
  return self->tutorial_chooser;
}

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
      g_signal_emit (self, signals[SIGNAL_USE_MODEL], 0, file);
    }
}

static void
open_run_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr (GFile) dir = NULL;
  g_autofree char *uri = NULL;

  (void) action;
  (void) param;
  if (!self->job)
    return;
  dir = g_file_new_for_path (dlab_training_job_get_run_dir (self->job));
  uri = g_file_get_uri (dir);
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

/* ---- saving files ----------------------------------------------------------------------------- */

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
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));

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
      tell (self, text, NULL);
    }
  else
    {
      text = g_strdup_printf (_("Could not save “%s”"), name);
      tell (self, text, error);
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
  gboolean ok = path && dlab_plot_export_png (self->plot, path, 1200, 800, &error);

  saved (self, file, ok, ok ? NULL : error ? error->message : _("Only local files can be written."));
}

static void
export_svg (DlabTrainPage *self, GFile *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_file_get_path (file);
  gboolean ok = path && dlab_plot_export_svg (self->plot, path, 900, 600, &error);

  saved (self, file, ok, ok ? NULL : error ? error->message : _("Only local files can be written."));
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
export_png_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  g_autofree char *name = dlab_plot_dup_file_name (DLAB_TRAIN_PAGE (widget)->plot, "png");
  choose_save (DLAB_TRAIN_PAGE (widget), _("Export Chart"), name, export_png);
}

static void
export_svg_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  g_autofree char *name = dlab_plot_dup_file_name (DLAB_TRAIN_PAGE (widget)->plot, "svg");
  choose_save (DLAB_TRAIN_PAGE (widget), _("Export Chart"), name, export_svg);
}

/* ---- accessors ------------------------------------------------------------------------------------ */

DlabTrainingJob *
dlab_train_page_get_job (DlabTrainPage *self)
{
  return self->job;
}

DlabSampleSet *
dlab_train_page_get_sample_set (DlabTrainPage *self)
{
  return self->data;
}

DlabPlot *
dlab_train_page_get_plot (DlabTrainPage *self)
{
  return self->plot;
}

DlabConfusionView *
dlab_train_page_get_confusion_view (DlabTrainPage *self)
{
  return self->confusion_view;
}

DlabMistakesView *
dlab_train_page_get_mistakes_view (DlabTrainPage *self)
{
  return self->mistakes_view;
}

const char *
dlab_train_page_get_status_text (DlabTrainPage *self)
{
  return gtk_label_get_label (self->status_label);
}

void
dlab_train_page_show_view (DlabTrainPage *self, const char *name)
{
  gtk_stack_set_visible_child_name (self->view_stack, name);
}

static void
on_cell_activated (DlabTrainPage *self, int true_class, int predicted)
{
  dlab_mistakes_view_show_cell (self->mistakes_view, true_class, predicted);
}

/* Back to the worst mistakes: no cell is chosen any more. */
static void
on_showing_worst (DlabTrainPage *self)
{
  dlab_confusion_view_select (self->confusion_view, -1, -1);
}

/* ---- life ---------------------------------------------------------------------------------------------- */

static void
fill_models (DlabTrainPage *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (const DlabZooEntry *e = dlab_zoo_entries (); e->name; e++)
    {
      g_autofree char *label = g_strdup_printf ("%s — %s", e->name, _(e->description));
      gtk_string_list_append (list, label);
    }
  gtk_string_list_append (list, _("Custom"));
  adw_combo_row_set_model (self->model_row, G_LIST_MODEL (list));
  g_object_unref (list);
}

static void
fill_devices (DlabTrainPage *self)
{
  guint cores = g_get_num_processors ();
  g_autofree char *cpu = g_strdup_printf (ngettext ("CPU (%u core)", "CPU (%u cores)", cores), cores);
  const char *devices[] = { cpu, NULL };
  GtkStringList *list = gtk_string_list_new (devices);

  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (list));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row),
                               _("This build trains on the CPU"));
  g_object_unref (list);
}

static void
dlab_train_page_dispose (GObject *object)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (object);

  forget_progress (self);
  /* A run still going is stopped; its thread ends on its own. */
  if (self->job)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      dlab_training_job_stop (self->job);
    }
  g_clear_object (&self->job);
  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_clear_object (&self->data);
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->dataset_names, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_TRAIN_PAGE);
  G_OBJECT_CLASS (dlab_train_page_parent_class)->dispose (object);
}

static void
dlab_train_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SAMPLE_SET:
      g_value_set_object (value, self->data);
      break;
    case PROP_TRANSFORMS:
      g_value_take_string (value, dlab_train_page_get_transforms (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_train_page_class_init (DlabTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dlab_train_page_dispose;
  object_class->get_property = dlab_train_page_get_property;

  /* The loaded dataset and the augmentation, which the Data page shows. */
  properties[PROP_SAMPLE_SET] =
    g_param_spec_object ("sample-set", NULL, NULL, DLAB_TYPE_SAMPLE_SET,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRANSFORMS] =
    g_param_spec_string ("transforms", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* "use-model" (GFile *checkpoint): read drawings with it.
   * "message" (title, details or NULL): something to tell the person. */
  signals[SIGNAL_USE_MODEL] = g_signal_new ("use-model", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_FILE);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (DLAB_TYPE_TUTORIAL_CHOOSER);
  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  g_type_ensure (DLAB_TYPE_PLOT);
  g_type_ensure (DLAB_TYPE_CONFUSION_VIEW);
  g_type_ensure (DLAB_TYPE_MISTAKES_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-train-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, name)
  CHILD (tutorial_chooser);
  CHILD (dataset_row);
  CHILD (dataset_status_row);
  CHILD (limit_spin);
  CHILD (val_spin);
  CHILD (split_seed_spin);
  CHILD (normalize_row);
  CHILD (transposed_switch);
  CHILD (model_row);
  CHILD (spec_view);
  CHILD (spec_status);
  CHILD (summary_expander);
  CHILD (summary_grid);
  CHILD (optimizer_row);
  CHILD (lr_spin);
  CHILD (momentum_spin);
  CHILD (wd_spin);
  CHILD (batch_spin);
  CHILD (epochs_spin);
  CHILD (schedule_row);
  CHILD (rotate_switch);
  CHILD (shift_switch);
  CHILD (affine_switch);
  CHILD (elastic_switch);
  CHILD (flip_switch);
  CHILD (rotate_spin);
  CHILD (shuffle_switch);
  CHILD (save_best_row);
  CHILD (more_row);
  CHILD (transform_label);
  CHILD (seed_spin);
  CHILD (threads_spin);
  CHILD (device_row);
  CHILD (status_label);
  CHILD (stop_button);
  CHILD (error_label);
  CHILD (accuracy_label);
  CHILD (progress_bar);
  CHILD (view_stack);
  CHILD (plot);
  CHILD (confusion_view);
  CHILD (mistakes_view);
#undef CHILD

  gtk_widget_class_install_action (widget_class, "train.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "train.show-pytorch-code", NULL, show_pytorch_code_activated);
  gtk_widget_class_install_action (widget_class, "train.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "train.resume", NULL, resume_activated);
  gtk_widget_class_install_action (widget_class, "train.use-model", NULL, use_model_activated);
  gtk_widget_class_install_action (widget_class, "train.save-model", NULL, save_model_activated);
  gtk_widget_class_install_action (widget_class, "train.open-run-folder", NULL, open_run_folder_activated);
  gtk_widget_class_install_action (widget_class, "train.export-png", NULL, export_png_activated);
  gtk_widget_class_install_action (widget_class, "train.export-svg", NULL, export_svg_activated);
  gtk_widget_class_install_action (widget_class, "train.open-folder", NULL, open_folder_activated);
  gtk_widget_class_install_action (widget_class, "train.get-datasets", NULL, get_datasets_activated);
}

static void
dlab_train_page_init (DlabTrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = dlab_settings_new ();
  self->dataset_names = g_ptr_array_new_with_free_func (g_free);
  fill_models (self);
  fill_devices (self);
  restore_choices (self);
  update_transform_label (self);
  set_status (self, _("Ready"));

  g_signal_connect_swapped (self->dataset_row, "notify::selected", G_CALLBACK (on_dataset_selected), self);
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (on_model_selected), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->spec_view), "changed", G_CALLBACK (on_spec_changed), self);
  g_signal_connect_swapped (self->optimizer_row, "notify::selected", G_CALLBACK (on_optimizer_selected), self);
  g_signal_connect_swapped (self->schedule_row, "notify::selected", G_CALLBACK (on_schedule_selected), self);
  g_signal_connect_swapped (self->normalize_row, "notify::selected", G_CALLBACK (on_normalize_selected), self);
  g_signal_connect_swapped (self->save_best_row, "notify::selected", G_CALLBACK (on_save_best_selected), self);
  g_signal_connect_swapped (self->tutorial_chooser, "recipe-chosen", G_CALLBACK (on_recipe_chosen), self);
  g_signal_connect_swapped (self->epochs_spin, "value-changed", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (self->confusion_view, "cell-activated", G_CALLBACK (on_cell_activated), self);
  g_signal_connect_swapped (self->mistakes_view, "showing-worst", G_CALLBACK (on_showing_worst), self);
  if (self->settings)
    g_signal_connect_swapped (self->settings, "changed::data-dir", G_CALLBACK (on_data_dir_changed), self);

  load_dataset (self);
}
