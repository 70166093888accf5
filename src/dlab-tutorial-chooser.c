/* DlabTutorialChooser: see dlab-tutorial-chooser.h. */
#include "dlab-tutorial-chooser.h"

#include <glib/gi18n.h>
#include <math.h>

struct _DlabTutorialChooser {
  AdwPreferencesGroup parent_instance;

  AdwComboRow *tutorial_row;
  AdwActionRow *about_row, *unusual_row, *result_row;

  gboolean syncing;   /* selecting without telling the page */
  char *result_text;
};

G_DEFINE_FINAL_TYPE (DlabTutorialChooser, dlab_tutorial_chooser, ADW_TYPE_PREFERENCES_GROUP)

enum { SIGNAL_RECIPE_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

gboolean
dlab_tutorial_chooser_prefers_original_titles (void)
{
  const char *const *languages = g_get_language_names ();

  /* The first language the interface is shown in decides. */
  for (int i = 0; languages[i]; i++)
    {
      if (g_str_has_prefix (languages[i], "zh"))
        return TRUE;
      if (strcmp (languages[i], "C") != 0 && strcmp (languages[i], "POSIX") != 0)
        return FALSE;
    }
  return FALSE;
}

/* Position 0 is "your own settings"; recipe i is at i + 1. */
static const DlabRecipe *
recipe_at (guint position)
{
  const DlabRecipe *r = dlab_recipes ();

  if (position == 0 || position == GTK_INVALID_LIST_POSITION)
    return NULL;
  for (guint i = 1; r->name; r++, i++)
    if (i == position)
      return r;
  return NULL;
}

const DlabRecipe *
dlab_tutorial_chooser_get_recipe (DlabTutorialChooser *self)
{
  g_return_val_if_fail (DLAB_IS_TUTORIAL_CHOOSER (self), NULL);
  return recipe_at (adw_combo_row_get_selected (self->tutorial_row));
}

static void
show_recipe (DlabTutorialChooser *self, const DlabRecipe *r)
{
  gtk_widget_set_visible (GTK_WIDGET (self->about_row), r != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->unusual_row), r != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->result_row), FALSE);
  if (!r)
    return;
  /* The recipes' texts come from the engine, in English, marked with N_()
   * for the application's catalogue. */
  adw_action_row_set_subtitle (self->about_row, _(r->trains));
  adw_action_row_set_subtitle (self->unusual_row, _(r->unusual));
}

static void
on_selected (DlabTutorialChooser *self)
{
  const DlabRecipe *r = dlab_tutorial_chooser_get_recipe (self);

  show_recipe (self, r);
  if (!self->syncing && r)
    g_signal_emit (self, signals[SIGNAL_RECIPE_CHOSEN], 0, r);
}

void
dlab_tutorial_chooser_select (DlabTutorialChooser *self, const char *name)
{
  guint position = 0, i = 1;

  g_return_if_fail (DLAB_IS_TUTORIAL_CHOOSER (self));
  for (const DlabRecipe *r = dlab_recipes (); name && r->name; r++, i++)
    if (strcmp (r->name, name) == 0)
      position = i;
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->tutorial_row, position);
  self->syncing = FALSE;
  show_recipe (self, recipe_at (position));
}

/* "98.12% ± 0.13%" */
static char *
accuracy_text (double accuracy, int n)
{
  return g_strdup_printf ("%.2f%% ± %.2f%%", 100 * accuracy, 100 * dlab_accuracy_stderr (accuracy, n));
}

void
dlab_tutorial_chooser_set_result (DlabTutorialChooser *self, double test_accuracy, int n_test,
                                  double val_accuracy, int n_val)
{
  const DlabRecipe *r;
  GString *text;

  g_return_if_fail (DLAB_IS_TUTORIAL_CHOOSER (self));
  g_clear_pointer (&self->result_text, g_free);
  r = dlab_tutorial_chooser_get_recipe (self);
  if (!r || n_test < 1)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->result_row), FALSE);
      return;
    }
  text = g_string_new (NULL);
  if (r->reported && r->seed_file)
    g_string_append_printf (text, _("The tutorial reports: %s."), _(r->reported));
  else if (r->reported)
    g_string_append_printf (text, _("Measured by this project: %s."), _(r->reported));
  else
    g_string_append (text, _("The tutorial's text gives no final accuracy."));
  g_string_append_c (text, '\n');
  {
    g_autofree char *test = accuracy_text (test_accuracy, n_test);
    g_string_append_printf (text, _("This run: test accuracy %s"), test);
  }
  if (n_val > 0)
    {
      g_autofree char *val = accuracy_text (val_accuracy, n_val);
      g_string_append_printf (text, _(", validation accuracy %s"), val);
    }
  /* Translators: the full stop that ends "This run: test accuracy …". */
  g_string_append (text, C_("end of a sentence", "."));
  if (r->reported && r->reported_accuracy > 0)
    {
      gboolean on_val = g_strcmp0 (r->reported_split, "val") == 0 && n_val > 0;
      double ours = on_val ? val_accuracy : test_accuracy;
      double se = dlab_accuracy_stderr (ours, on_val ? n_val : n_test);
      double gap = ours - r->reported_accuracy;

      g_string_append_c (text, '\n');
      /* Two standard errors: a gap smaller than that is what another
       * sample of the same size could show. */
      if (fabs (gap) <= 2 * se)
        g_string_append (text, _("The difference is within two standard errors: it could be noise."));
      else if (gap > 0)
        g_string_append (text, _("This run is better by more than two standard errors."));
      else
        g_string_append (text, _("This run is worse by more than two standard errors."));
    }
  self->result_text = g_string_free (text, FALSE);
  adw_action_row_set_subtitle (self->result_row, self->result_text);
  gtk_widget_set_visible (GTK_WIDGET (self->result_row), TRUE);
}

const char *
dlab_tutorial_chooser_get_result_text (DlabTutorialChooser *self)
{
  g_return_val_if_fail (DLAB_IS_TUTORIAL_CHOOSER (self), NULL);
  return self->result_text;
}

static void
fill_titles (DlabTutorialChooser *self)
{
  g_autoptr (GtkStringList) titles = gtk_string_list_new (NULL);
  gboolean original = dlab_tutorial_chooser_prefers_original_titles ();

  gtk_string_list_append (titles, _("None: your own settings"));
  for (const DlabRecipe *r = dlab_recipes (); r->name; r++)
    gtk_string_list_append (titles, original ? r->title : _(r->title_en));
  adw_combo_row_set_model (self->tutorial_row, G_LIST_MODEL (titles));
}

static void
dlab_tutorial_chooser_finalize (GObject *object)
{
  DlabTutorialChooser *self = DLAB_TUTORIAL_CHOOSER (object);

  g_free (self->result_text);
  G_OBJECT_CLASS (dlab_tutorial_chooser_parent_class)->finalize (object);
}

static void
dlab_tutorial_chooser_class_init (DlabTutorialChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dlab_tutorial_chooser_finalize;
  /* (const DlabRecipe *): the page fills every setting from it. */
  signals[SIGNAL_RECIPE_CHOSEN] = g_signal_new ("recipe-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dlab-tutorial-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabTutorialChooser, tutorial_row);
  gtk_widget_class_bind_template_child (widget_class, DlabTutorialChooser, about_row);
  gtk_widget_class_bind_template_child (widget_class, DlabTutorialChooser, unusual_row);
  gtk_widget_class_bind_template_child (widget_class, DlabTutorialChooser, result_row);
}

static void
dlab_tutorial_chooser_init (DlabTutorialChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  fill_titles (self);
  g_signal_connect_swapped (self->tutorial_row, "notify::selected", G_CALLBACK (on_selected), self);
}

GtkWidget *
dlab_tutorial_chooser_new (void)
{
  return g_object_new (DLAB_TYPE_TUTORIAL_CHOOSER, NULL);
}
