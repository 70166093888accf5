/* DlabHyperParams: see dlab-hyper-params.h. */
#include "dlab-hyper-params.h"

#include <glib/gi18n.h>

#include "dlab-settings.h"
#include "dlab-format.h"
#include "dlab-option-rows.h"
#include "dlab/device.h"
#include "dlab/run.h"

struct _DlabHyperParams {
  AdwBin parent_instance;

  /* Template children. */
  AdwComboRow *optimizer_row;
  GtkSpinButton *lr_spin, *momentum_spin, *wd_spin, *batch_spin, *epochs_spin;
  AdwComboRow *schedule_row;
  GtkSwitch *rotate_switch, *shift_switch, *affine_switch, *elastic_switch, *flip_switch;
  GtkSpinButton *rotate_spin;
  GtkLabel *transform_label;
  AdwExpanderRow *more_row;
  AdwComboRow *normalize_row;
  GtkSpinButton *split_seed_spin;
  AdwComboRow *save_best_row;
  GtkSwitch *shuffle_switch, *transposed_switch;
  GtkSpinButton *seed_spin, *threads_spin;
  AdwComboRow *device_row;
  GtkLabel *device_note;

  GSettings *settings;    /* NULL without the schema */
  DlabOptionRows *others; /* the rows made from the options table */
  GPtrArray *devices;     /* --device values, by combo position */
  int h, w;               /* the dataset's images */
  gboolean syncing;       /* the choices are being restored */
};

G_DEFINE_FINAL_TYPE (DlabHyperParams, dlab_hyper_params, ADW_TYPE_BIN)

enum { SIGNAL_TRANSFORMS_CHANGED, SIGNAL_EPOCHS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *const optimizers[] = { "sgd", "adam", "adamw" };
static const char *const schedules[] = { "constant", "step:10:0.1", "cosine", "onecycle", "stepstart:5:0.1" };
/* The Normalization row's choices as transform steps ("": the dataset's). */
static const char *const normalizations[] = { "", "normalize:computed", "normalize:0.5:0.5", "normalize:0:1" };
static const char *const save_bests[] = { "", "val_loss", "val_acc" };

/* The options this form has a widget of its own for (or the page's other
 * parts, or the run folder): every other titled option of the table gets
 * a generated row under More options. */
static const char *const own_widgets[] = {
  "dataset", "limit", "val-split", "model",                                          /* the other parts */
  "optimizer", "lr", "momentum", "weight-decay", "batch-size", "epochs", "schedule", /* Optimizer */
  "transform",                                                                       /* Augmentation */
  "split-seed", "save-best", "no-shuffle", "keep-transposed",                        /* More options */
  "seed", "threads", "device", NULL,
};

#define PICK(names, row) (names)[MIN (adw_combo_row_get_selected (row), G_N_ELEMENTS (names) - 1)]

static char *
settings_string (DlabHyperParams *self, const char *key, const char *fallback)
{
  return self->settings ? g_settings_get_string (self->settings, key) : g_strdup (fallback);
}

static void
settings_set_string (DlabHyperParams *self, const char *key, const char *value)
{
  if (self->settings && !self->syncing)
    g_settings_set_string (self->settings, key, value);
}

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

/* ---- augmentation --------------------------------------------------------------------- */

char *
dlab_hyper_params_get_transforms (DlabHyperParams *self)
{
  GString *t = g_string_new (NULL);

#define STEP(...) g_string_append_printf (t, "%s" __VA_ARGS__)
  if (gtk_switch_get_active (self->rotate_switch))
    g_string_append_printf (t, "%srotate:%d", t->len ? "," : "", gtk_spin_button_get_value_as_int (self->rotate_spin));
  if (gtk_switch_get_active (self->shift_switch) && self->h == self->w)
    g_string_append_printf (t, "%scrop:%d:2", t->len ? "," : "", self->h);
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
update_transform_label (DlabHyperParams *self)
{
  g_autofree char *t = dlab_hyper_params_get_transforms (self);
  g_autofree char *text = *t ? g_strdup_printf ("--transform %s", t)
                             : g_strdup (_("No augmentation: every epoch sees the same images"));

  gtk_label_set_label (self->transform_label, text);
  g_signal_emit (self, signals[SIGNAL_TRANSFORMS_CHANGED], 0);
}

void
dlab_hyper_params_set_image_size (DlabHyperParams *self, int h, int w)
{
  self->h = h, self->w = w;
  update_transform_label (self);
}

/* The training transforms: the augmentation, then the normalization. */
static char *
transform_arg (DlabHyperParams *self)
{
  g_autofree char *augment = dlab_hyper_params_get_transforms (self);
  const char *norm = PICK (normalizations, self->normalize_row);

  if (!*norm)
    return g_steal_pointer (&augment);
  return g_strdup_printf ("%s%s%s", augment, *augment ? "," : "", norm);
}

/* The recipe's --transform on the augmentation switches and the
 * Normalization row. */
static void
apply_transforms (DlabHyperParams *self, const char *text)
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

/* ---- the arguments ---------------------------------------------------------------------- */

int
dlab_hyper_params_get_epochs (DlabHyperParams *self)
{
  return gtk_spin_button_get_value_as_int (self->epochs_spin);
}

static const char *
device_arg (DlabHyperParams *self)
{
  guint i = adw_combo_row_get_selected (self->device_row);
  return i < self->devices->len ? g_ptr_array_index (self->devices, i) : "cpu";
}

void
dlab_hyper_params_add_args (DlabHyperParams *self, GStrvBuilder *b, const char *dataset, double val_split)
{
  const char *optimizer = PICK (optimizers, self->optimizer_row), *best = PICK (save_bests, self->save_best_row);
  g_autofree char *transform = transform_arg (self);

#define ADD(opt, value) do { char *v_ = (value); g_strv_builder_add_many (b, opt, v_, NULL); g_free (v_); } while (0)
  if (gtk_switch_get_active (self->transposed_switch) && g_str_has_prefix (dataset, "emnist"))
    g_strv_builder_add (b, "--keep-transposed");
  ADD ("--optimizer", g_strdup (optimizer));
  ADD ("--lr", dlab_format_float_arg (gtk_spin_button_get_value (self->lr_spin)));
  if (strcmp (optimizer, "sgd") == 0)
    ADD ("--momentum", dlab_format_float_arg (gtk_spin_button_get_value (self->momentum_spin)));
  ADD ("--weight-decay", dlab_format_float_arg (gtk_spin_button_get_value (self->wd_spin)));
  ADD ("--schedule", g_strdup (PICK (schedules, self->schedule_row)));
  if (*transform)
    ADD ("--transform", g_strdup (transform));
  ADD ("--epochs", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->epochs_spin)));
  ADD ("--batch-size", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->batch_spin)));
  if (!gtk_switch_get_active (self->shuffle_switch))
    g_strv_builder_add (b, "--no-shuffle");
  if (val_split > 0)
    {
      ADD ("--split-seed", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->split_seed_spin)));
      if (*best)
        ADD ("--save-best", g_strdup (best));
    }
  ADD ("--seed", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->seed_spin)));
  ADD ("--threads", g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->threads_spin)));
  ADD ("--device", g_strdup (device_arg (self)));
#undef ADD
  dlab_option_rows_add_args (self->others, b);
}

/* ---- recipes ------------------------------------------------------------------------------ */

void
dlab_hyper_params_apply_recipe (DlabHyperParams *self, const DlabRecipe *r)
{
  const DlabRunOptions d = dlab_run_options_defaults ();
  const char *optimizer = dlab_recipe_value (r, "optimizer"), *schedule = dlab_recipe_value (r, "schedule");
  const char *save_best = dlab_recipe_value (r, "save-best");
  gboolean others;

  select_in_list (self->optimizer_row, optimizers, G_N_ELEMENTS (optimizers), optimizer ? optimizer : d.optimizer);
  select_in_list (self->schedule_row, schedules, G_N_ELEMENTS (schedules), schedule ? schedule : d.schedule);
  select_in_list (self->save_best_row, save_bests, G_N_ELEMENTS (save_bests), save_best ? save_best : "");
  gtk_spin_button_set_value (self->lr_spin, strcmp (optimizer ? optimizer : d.optimizer, "sgd") == 0 ? 0.01 : 0.001);
  set_spin_text (self->lr_spin, dlab_recipe_value (r, "lr"));
  gtk_spin_button_set_value (self->momentum_spin, 0);
  set_spin_text (self->momentum_spin, dlab_recipe_value (r, "momentum"));
  gtk_spin_button_set_value (self->wd_spin, 0);
  set_spin_text (self->wd_spin, dlab_recipe_value (r, "weight-decay"));
  gtk_spin_button_set_value (self->batch_spin, d.batch_size);
  set_spin_text (self->batch_spin, dlab_recipe_value (r, "batch-size"));
  gtk_spin_button_set_value (self->epochs_spin, d.epochs);
  set_spin_text (self->epochs_spin, dlab_recipe_value (r, "epochs"));
  gtk_spin_button_set_value (self->split_seed_spin, d.split_seed);
  set_spin_text (self->split_seed_spin, dlab_recipe_value (r, "split-seed"));
  gtk_switch_set_active (self->shuffle_switch, dlab_recipe_value (r, "no-shuffle") == NULL);
  gtk_switch_set_active (self->transposed_switch, dlab_recipe_value (r, "keep-transposed") != NULL);
  apply_transforms (self, dlab_recipe_value (r, "transform"));
  others = dlab_option_rows_apply_recipe (self->others, r);
  /* The tutorial's settings under More options are shown, not hidden. */
  adw_expander_row_set_expanded (self->more_row, dlab_recipe_value (r, "no-shuffle") || save_best ||
                                                     dlab_recipe_value (r, "keep-transposed") || others ||
                                                     adw_combo_row_get_selected (self->normalize_row) != 0);
}

GtkWidget *
dlab_hyper_params_get_option_control (DlabHyperParams *self, const char *name)
{
  return dlab_option_rows_get_control (self->others, name);
}

/* ---- the devices ----------------------------------------------------------------------------- */

/* What dlab_devices_list finds, the CPU first; without a GPU the row says
 * why none is listed. */
static void
fill_devices (DlabHyperParams *self)
{
  DlabDeviceInfo devices[16];
  char note[256] = "", name[32];
  int n = MIN (dlab_devices_list (devices, G_N_ELEMENTS (devices), note, sizeof note), (int) G_N_ELEMENTS (devices));
  GtkStringList *list = gtk_string_list_new (NULL);

  g_ptr_array_set_size (self->devices, 0);
  for (int i = 0; i < n; i++)
    {
      g_autofree char *label = NULL;

      if (devices[i].spec.kind == DLAB_DEVICE_CPU)
        label = g_strdup_printf (_("CPU: %s"), devices[i].name);
      else
        {
          g_autofree char *memory = g_format_size_full (devices[i].memory_bytes, G_FORMAT_SIZE_IEC_UNITS);
          label = g_strdup_printf (_("GPU %d: %s, %s"), devices[i].spec.index, devices[i].name, memory);
        }
      gtk_string_list_append (list, label);
      g_ptr_array_add (self->devices, g_strdup (dlab_device_name (devices[i].spec, name, sizeof name)));
    }
  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (list));
  if (*note)
    {
      g_autofree char *why = g_strdup_printf (_("No GPU listed: %s"), note);
      gtk_label_set_label (self->device_note, why);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->device_note), *note != '\0');
  g_object_unref (list);
}

/* ---- the choices ------------------------------------------------------------------------------- */

static void
on_optimizer_selected (DlabHyperParams *self)
{
  guint opt = adw_combo_row_get_selected (self->optimizer_row);

  gtk_widget_set_sensitive (GTK_WIDGET (self->momentum_spin), opt == 0);
  settings_set_string (self, "optimizer", PICK (optimizers, self->optimizer_row));
}

static void
on_schedule_selected (DlabHyperParams *self)
{
  settings_set_string (self, "schedule", PICK (schedules, self->schedule_row));
}

static void
on_normalize_selected (DlabHyperParams *self)
{
  settings_set_string (self, "normalize", PICK (normalizations, self->normalize_row));
}

static void
on_save_best_selected (DlabHyperParams *self)
{
  settings_set_string (self, "save-best", PICK (save_bests, self->save_best_row));
}

static void
on_epochs_changed (DlabHyperParams *self)
{
  g_signal_emit (self, signals[SIGNAL_EPOCHS_CHANGED], 0);
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
bind_spin (DlabHyperParams *self, const char *key, GtkSpinButton *spin)
{
  if (self->settings)
    g_settings_bind (self->settings, key, gtk_spin_button_get_adjustment (spin), "value", G_SETTINGS_BIND_DEFAULT);
}

static void
bind_switch (DlabHyperParams *self, const char *key, GtkSwitch *sw)
{
  if (self->settings)
    g_settings_bind (self->settings, key, sw, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
bind_augmentation (DlabHyperParams *self, const char *key, GtkSwitch *sw)
{
  bind_switch (self, key, sw);
  g_signal_connect_swapped (sw, "notify::active", G_CALLBACK (update_transform_label), self);
}

/* The last choices, or dlab train's defaults without settings. */
static void
restore_choices (DlabHyperParams *self)
{
  g_autofree char *optimizer = settings_string (self, "optimizer", "adam");
  g_autofree char *schedule = settings_string (self, "schedule", "constant");
  g_autofree char *normalize = settings_string (self, "normalize", "");
  g_autofree char *save_best = settings_string (self, "save-best", "");

  if (!self->settings)
    {
      gtk_spin_button_set_value (self->lr_spin, 0.001);
      gtk_spin_button_set_value (self->batch_spin, 64);
      gtk_spin_button_set_value (self->epochs_spin, 10);
      gtk_spin_button_set_value (self->seed_spin, 1);
    }
  bind_spin (self, "split-seed", self->split_seed_spin);
  bind_spin (self, "rotate-degrees", self->rotate_spin);
  bind_spin (self, "learning-rate", self->lr_spin);
  bind_spin (self, "momentum", self->momentum_spin);
  bind_spin (self, "weight-decay", self->wd_spin);
  bind_spin (self, "batch-size", self->batch_spin);
  bind_spin (self, "epochs", self->epochs_spin);
  bind_spin (self, "seed", self->seed_spin);
  bind_spin (self, "threads", self->threads_spin);
  bind_augmentation (self, "augment-rotate", self->rotate_switch);
  bind_augmentation (self, "augment-shift", self->shift_switch);
  bind_augmentation (self, "augment-affine", self->affine_switch);
  bind_augmentation (self, "augment-elastic", self->elastic_switch);
  bind_augmentation (self, "augment-flip", self->flip_switch);
  bind_switch (self, "shuffle", self->shuffle_switch);
  bind_switch (self, "keep-transposed", self->transposed_switch);
  g_signal_connect_swapped (self->rotate_spin, "value-changed", G_CALLBACK (update_transform_label), self);

  self->syncing = TRUE;
  adw_combo_row_set_selected (self->optimizer_row, index_of (optimizers, G_N_ELEMENTS (optimizers), optimizer));
  adw_combo_row_set_selected (self->schedule_row, index_of (schedules, G_N_ELEMENTS (schedules), schedule));
  adw_combo_row_set_selected (self->normalize_row, index_of (normalizations, G_N_ELEMENTS (normalizations), normalize));
  adw_combo_row_set_selected (self->save_best_row, index_of (save_bests, G_N_ELEMENTS (save_bests), save_best));
  on_optimizer_selected (self);
  self->syncing = FALSE;
}

/* ---- life ------------------------------------------------------------------------------------------- */

static void
dlab_hyper_params_dispose (GObject *object)
{
  DlabHyperParams *self = DLAB_HYPER_PARAMS (object);

  g_clear_pointer (&self->others, dlab_option_rows_free);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_HYPER_PARAMS);
  G_OBJECT_CLASS (dlab_hyper_params_parent_class)->dispose (object);
}

static void
dlab_hyper_params_class_init (DlabHyperParamsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_hyper_params_dispose;
  signals[SIGNAL_TRANSFORMS_CHANGED] = g_signal_new ("transforms-changed", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_EPOCHS_CHANGED] = g_signal_new ("epochs-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-hyper-params.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, DlabHyperParams, name)
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
  CHILD (transform_label);
  CHILD (more_row);
  CHILD (normalize_row);
  CHILD (split_seed_spin);
  CHILD (save_best_row);
  CHILD (shuffle_switch);
  CHILD (transposed_switch);
  CHILD (seed_spin);
  CHILD (threads_spin);
  CHILD (device_row);
  CHILD (device_note);
#undef CHILD
}

static void
dlab_hyper_params_init (DlabHyperParams *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = dlab_settings_new ();
  self->devices = g_ptr_array_new_with_free_func (g_free);
  self->h = self->w = 28;
  self->others = dlab_option_rows_new (self->more_row, own_widgets, self->settings);
  fill_devices (self);
  restore_choices (self);
  update_transform_label (self);
  g_signal_connect_swapped (self->optimizer_row, "notify::selected", G_CALLBACK (on_optimizer_selected), self);
  g_signal_connect_swapped (self->schedule_row, "notify::selected", G_CALLBACK (on_schedule_selected), self);
  g_signal_connect_swapped (self->normalize_row, "notify::selected", G_CALLBACK (on_normalize_selected), self);
  g_signal_connect_swapped (self->save_best_row, "notify::selected", G_CALLBACK (on_save_best_selected), self);
  g_signal_connect_swapped (self->epochs_spin, "value-changed", G_CALLBACK (on_epochs_changed), self);
}
