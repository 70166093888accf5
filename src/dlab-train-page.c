/* DlabTrainPage: see dlab-train-page.h. The page owns its parts (the
 * tutorial chooser, the dataset chooser, the network editor, the
 * hyper-parameters form and the run view), builds the run's arguments
 * from them and runs the job; its actions are in
 * dlab-train-page-actions.c. */
#include "dlab-train-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-settings.h"
#include "dlab-train-page-private.h"
#include "dlab/error.h"
#include "dlab/run.h"

G_DEFINE_FINAL_TYPE (DlabTrainPage, dlab_train_page, ADW_TYPE_BIN)

guint _dlab_train_page_signals[DLAB_TRAIN_PAGE_N_SIGNALS];

enum { PROP_0, PROP_SAMPLE_SET, PROP_TRANSFORMS, PROP_JOB, N_PROPS };
static GParamSpec *properties[N_PROPS];

void
_dlab_train_page_tell (DlabTrainPage *self, const char *title, const char *details)
{
  g_signal_emit (self, _dlab_train_page_signals[DLAB_TRAIN_PAGE_MESSAGE], 0, title, details);
}

/* ---- the parts ------------------------------------------------------------------------------ */

/* Another dataset, or the chosen one loaded: the network is checked for its
 * images, the shift for their size; the Data page follows. */
static void
on_dataset_changed (DlabTrainPage *self)
{
  int c, h, w, classes;

  dlab_dataset_chooser_get_shape (self->dataset_chooser, &c, &h, &w, &classes);
  dlab_network_editor_set_input (self->network_editor, c, h, w, classes);
  dlab_hyper_params_set_image_size (self->hyper_params, h, w);
  _dlab_train_page_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAMPLE_SET]);
}

static void
on_transforms_changed (DlabTrainPage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSFORMS]);
}

GStrv
dlab_train_page_get_args (DlabTrainPage *self)
{
  const char *dataset = dlab_dataset_chooser_get_name (self->dataset_chooser);
  g_autofree char *model = dlab_network_editor_dup_model (self->network_editor);
  g_autoptr (GStrvBuilder) b = NULL;

  if (!dataset)
    return NULL;
  b = g_strv_builder_new ();
  dlab_dataset_chooser_add_args (self->dataset_chooser, b);
  g_strv_builder_add_many (b, "--model", model, NULL);
  dlab_hyper_params_add_args (self->hyper_params, b, dataset,
                              dlab_dataset_chooser_get_val_split (self->dataset_chooser));
  return g_strv_builder_end (b);
}

char *
dlab_train_page_get_transforms (DlabTrainPage *self)
{
  return dlab_hyper_params_get_transforms (self->hyper_params);
}

/* ---- the job -------------------------------------------------------------------------------- */

static void
on_job_epoch (DlabTrainingJob *job, const DlabEpochInfo *info, DlabTrainPage *self)
{
  (void) job;
  self->last_val_accuracy = info->val_accuracy;
  self->last_val_n = isnan (info->val_accuracy) ? 0 : dlab_dataset_chooser_get_val_n (self->dataset_chooser);
}

static void
on_job_finished (DlabTrainingJob *job, DlabTrainPage *self)
{
  if (dlab_training_job_get_state (job) == DLAB_JOB_FAILED)
    _dlab_train_page_tell (self, _("Training failed"), dlab_training_job_get_error (job));
  _dlab_train_page_update_actions (self);
}

static void
on_job_results (DlabTrainingJob *job, DlabTrainPage *self)
{
  const DlabJobResults *r = dlab_training_job_get_results (job);

  if (r)
    dlab_tutorial_chooser_set_result (self->tutorial_chooser, r->accuracy, r->n, self->last_val_accuracy,
                                      self->last_val_n);
  _dlab_train_page_update_actions (self);
}

static void
watch_job (DlabTrainPage *self, DlabTrainingJob *job)
{
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  dlab_run_view_watch (self->run_view, job);
  g_signal_connect (job, "epoch", G_CALLBACK (on_job_epoch), self);
  g_signal_connect (job, "finished", G_CALLBACK (on_job_finished), self);
  g_signal_connect (job, "results", G_CALLBACK (on_job_results), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);
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
      dlab_run_view_show_error (self->run_view, _("Cannot train"), error->message);
      return FALSE;
    }
  runs = dlab_runs_dir ();
  name = dlab_run_name ((const char *const *) args);
  run_dir = g_build_filename (runs, name, NULL);
  job = dlab_training_job_new ((const char *const *) args, dlab_dataset_chooser_get_sample_set (self->dataset_chooser),
                               run_dir, FALSE);
  watch_job (self, job);
  dlab_tutorial_chooser_set_result (self->tutorial_chooser, 0, 0, 0, 0);
  dlab_run_view_begin (self->run_view, name, dlab_hyper_params_get_epochs (self->hyper_params));
  dlab_training_job_start (job);
  _dlab_train_page_update_actions (self);
  return TRUE;
}

void
dlab_train_page_stop (DlabTrainPage *self)
{
  g_return_if_fail (DLAB_IS_TRAIN_PAGE (self));
  if (_dlab_train_page_job_running (self))
    {
      dlab_training_job_stop (self->job);
      dlab_run_view_set_status (self->run_view, _("Stopping…"));
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
  int n_epochs = dlab_hyper_params_get_epochs (self->hyper_params);

  g_return_val_if_fail (DLAB_IS_TRAIN_PAGE (self), FALSE);
  if (!_dlab_train_page_can_resume (self))
    return FALSE;
  /* The last run's arguments; the epochs as set now (the later one wins). */
  epochs = g_strdup_printf ("%d", n_epochs);
  g_strv_builder_addv (b, (const char **) dlab_training_job_get_args (last));
  g_strv_builder_add_many (b, "--epochs", epochs, NULL);
  args = g_strv_builder_end (b);
  job = dlab_training_job_new ((const char *const *) args, dlab_training_job_get_data (last),
                               dlab_training_job_get_run_dir (last), TRUE);
  dlab_run_view_begin_resume (self->run_view, n_epochs, dlab_training_job_get_epochs_done (last));
  watch_job (self, job);
  dlab_training_job_start (job);
  _dlab_train_page_update_actions (self);
  return TRUE;
}

/* ---- tutorials ------------------------------------------------------------------------------- */

/* Every setting from a tutorial's recipe; what it leaves out takes
 * `dlab train`'s default. */
static void
apply_recipe (DlabTrainPage *self, const DlabRecipe *r)
{
  dlab_dataset_chooser_apply_recipe (self->dataset_chooser, r);
  dlab_network_editor_select_model (self->network_editor, dlab_recipe_value (r, "model"));
  dlab_hyper_params_apply_recipe (self->hyper_params, r);
  if (self->settings)
    g_settings_set_string (self->settings, "tutorial", r->name);
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

/* ---- accessors -------------------------------------------------------------------------------- */

void
dlab_train_page_select_dataset (DlabTrainPage *self, const char *name)
{
  g_return_if_fail (DLAB_IS_TRAIN_PAGE (self));
  dlab_dataset_chooser_select (self->dataset_chooser, name);
}

void
dlab_train_page_set_spec (DlabTrainPage *self, const char *spec)
{
  dlab_network_editor_set_spec (self->network_editor, spec);
}

const char *
dlab_train_page_get_spec_status (DlabTrainPage *self)
{
  return dlab_network_editor_get_status (self->network_editor);
}

DlabTrainingJob *
dlab_train_page_get_job (DlabTrainPage *self)
{
  return self->job;
}

DlabSampleSet *
dlab_train_page_get_sample_set (DlabTrainPage *self)
{
  return dlab_dataset_chooser_get_sample_set (self->dataset_chooser);
}

DlabPlot *
dlab_train_page_get_plot (DlabTrainPage *self)
{
  return dlab_run_view_get_plot (self->run_view);
}

DlabConfusionView *
dlab_train_page_get_confusion_view (DlabTrainPage *self)
{
  return dlab_run_view_get_confusion_view (self->run_view);
}

DlabMistakesView *
dlab_train_page_get_mistakes_view (DlabTrainPage *self)
{
  return dlab_run_view_get_mistakes_view (self->run_view);
}

const char *
dlab_train_page_get_status_text (DlabTrainPage *self)
{
  return dlab_run_view_get_status (self->run_view);
}

void
dlab_train_page_show_view (DlabTrainPage *self, const char *name)
{
  dlab_run_view_show_view (self->run_view, name);
}

GtkWidget *
dlab_train_page_get_option_control (DlabTrainPage *self, const char *name)
{
  return dlab_hyper_params_get_option_control (self->hyper_params, name);
}

/* ---- the fold -------------------------------------------------------------------------------------- */

/* Side by side, the settings scroll on their own beside the run; stacked
 * (a phone), they are laid out whole above the run and the page scrolls,
 * rather than squeezed into a strip a few rows high. (A scrolled window
 * measures its child's height without the width it will have, so it
 * cannot simply take the settings' height: the settings leave it.) */
static gboolean
follow_fold (gpointer data)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (data);
  GtkWidget *box = GTK_WIDGET (self->settings_box);
  gboolean folded = dlab_fold_box_get_folded (self->fold_box);
  gboolean in_scroller = gtk_widget_get_ancestor (box, GTK_TYPE_SCROLLED_WINDOW) ==
                         GTK_WIDGET (self->settings_scroller);

  self->fold_idle = 0;
  if (folded == !in_scroller)
    return G_SOURCE_REMOVE;
  g_object_ref (box);
  if (folded)
    {
      gtk_scrolled_window_set_child (self->settings_scroller, NULL);
      gtk_widget_insert_after (box, GTK_WIDGET (self->fold_box), GTK_WIDGET (self->settings_scroller));
    }
  else
    {
      gtk_widget_unparent (box);
      gtk_scrolled_window_set_child (self->settings_scroller, box);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->settings_scroller), !folded);
  g_object_unref (box);
  return G_SOURCE_REMOVE;
}

/* The fold changes during an allocation: the settings move after it. */
static void
on_folded (DlabTrainPage *self)
{
  if (!self->fold_idle)
    self->fold_idle = g_idle_add (follow_fold, self);
}

/* ---- life ---------------------------------------------------------------------------------------- */

static void
dlab_train_page_dispose (GObject *object)
{
  DlabTrainPage *self = DLAB_TRAIN_PAGE (object);

  /* A run still going is stopped; its thread ends on its own. */
  if (self->job)
    {
      g_signal_handlers_disconnect_by_data (self->job, self);
      dlab_training_job_stop (self->job);
    }
  g_clear_object (&self->job);
  g_clear_object (&self->settings);
  g_clear_handle_id (&self->fold_idle, g_source_remove);
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
      g_value_set_object (value, dlab_train_page_get_sample_set (self));
      break;
    case PROP_TRANSFORMS:
      g_value_take_string (value, dlab_train_page_get_transforms (self));
      break;
    case PROP_JOB:
      g_value_set_object (value, self->job);
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
  /* The run being trained (the window shows its filters after each epoch). */
  properties[PROP_JOB] =
    g_param_spec_object ("job", NULL, NULL, DLAB_TYPE_TRAINING_JOB,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* "use-model" (GFile *checkpoint): read drawings with it.
   * "message" (title, details or NULL): something to tell the person. */
  _dlab_train_page_signals[DLAB_TRAIN_PAGE_USE_MODEL] =
    g_signal_new ("use-model", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_FILE);
  _dlab_train_page_signals[DLAB_TRAIN_PAGE_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);

  g_type_ensure (DLAB_TYPE_TUTORIAL_CHOOSER);
  g_type_ensure (DLAB_TYPE_DATASET_CHOOSER);
  g_type_ensure (DLAB_TYPE_NETWORK_EDITOR);
  g_type_ensure (DLAB_TYPE_HYPER_PARAMS);
  g_type_ensure (DLAB_TYPE_RUN_VIEW);
  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-train-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, tutorial_chooser);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, dataset_chooser);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, network_editor);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, hyper_params);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, run_view);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, fold_box);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, settings_scroller);
  gtk_widget_class_bind_template_child (widget_class, DlabTrainPage, settings_box);
  _dlab_train_page_class_actions_init (widget_class);
}

static void
on_recipe_chosen (DlabTrainPage *self, const DlabRecipe *r)
{
  apply_recipe (self, r);
}

static void
dlab_train_page_init (DlabTrainPage *self)
{
  g_autofree char *tutorial = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = dlab_settings_new ();
  tutorial = self->settings ? g_settings_get_string (self->settings, "tutorial") : g_strdup ("");
  dlab_tutorial_chooser_select (self->tutorial_chooser, *tutorial ? tutorial : NULL);

  g_signal_connect_swapped (self->tutorial_chooser, "recipe-chosen", G_CALLBACK (on_recipe_chosen), self);
  g_signal_connect_swapped (self->dataset_chooser, "changed", G_CALLBACK (on_dataset_changed), self);
  g_signal_connect_swapped (self->network_editor, "changed", G_CALLBACK (_dlab_train_page_update_actions), self);
  g_signal_connect_swapped (self->hyper_params, "transforms-changed", G_CALLBACK (on_transforms_changed), self);
  g_signal_connect_swapped (self->fold_box, "notify::folded", G_CALLBACK (on_folded), self);
  g_signal_connect_swapped (self->hyper_params, "epochs-changed", G_CALLBACK (_dlab_train_page_update_actions),
                            self);
  dlab_dataset_chooser_refresh (self->dataset_chooser);
}
