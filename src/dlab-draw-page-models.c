/* The Draw page's picker: the session's models with a tick each, and the
 * picks that read the drawing together (dlab-draw-page.h). */
#include "dlab-draw-page-private.h"
#include "dlab-inside-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

static gboolean
is_picked (DlabDrawPage *self, DlabClassifier *classifier)
{
  return g_ptr_array_find (self->picks, classifier, NULL);
}

/* Why `classifier` cannot be ticked now, or NULL when it can (or is). */
static char *
why_not_pickable (DlabDrawPage *self, DlabClassifier *classifier)
{
  if (is_picked (self, classifier) || !self->classifier)
    return NULL;
  if (!dlab_classifier_can_average_with (classifier, self->classifier, NULL))
    return g_strdup_printf (_("Its classes differ from those of “%s”: only models of the same classes can be averaged"),
                            dlab_classifier_get_name (self->classifier));
  if (self->picks->len >= DLAB_ENSEMBLE_MAX)
    return g_strdup_printf (_("At most %d models can be averaged"), DLAB_ENSEMBLE_MAX);
  return NULL;
}

static DlabClassifier *
row_classifier (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "dlab-classifier");
}

/* The row's tick, whether it can change, and why not. */
static void
update_row (DlabDrawPage *self, GtkWidget *row)
{
  DlabClassifier *classifier = row_classifier (row);
  GtkWidget *check = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
  gboolean picked = is_picked (self, classifier);
  gboolean only = picked && self->picks->len == 1;
  g_autofree char *why = why_not_pickable (self, classifier);

  self->updating_rows = TRUE;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), picked);
  self->updating_rows = FALSE;
  gtk_widget_set_sensitive (row, why == NULL);
  gtk_widget_set_sensitive (check, why == NULL && !only);
  gtk_widget_set_tooltip_text (row, why ? why : only ? _("The drawing is always read by at least one model") : NULL);
}

static void
update_rows (DlabDrawPage *self)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->models_list, i)); i++)
    update_row (self, GTK_WIDGET (row));
}

static void
on_check_toggled (GtkCheckButton *check, DlabDrawPage *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (check), GTK_TYPE_LIST_BOX_ROW);

  if (self->updating_rows || !row)
    return;
  /* A refused change is undone by showing the picks again. */
  if (!dlab_draw_page_set_picked (self, row_classifier (row), gtk_check_button_get_active (check)))
    update_row (self, row);
}

static GtkWidget *
create_row (gpointer item, gpointer data)
{
  DlabDrawPage *self = data;
  DlabClassifier *classifier = DLAB_CLASSIFIER (item);
  g_autofree char *details = dlab_classifier_describe (classifier);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), dlab_classifier_get_name (classifier));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), details);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  dlab_classifier_get_name (classifier), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data_full (G_OBJECT (row), "dlab-classifier", g_object_ref (classifier), g_object_unref);
  g_signal_connect_object (check, "toggled", G_CALLBACK (on_check_toggled), self, 0);
  update_row (self, row);
  return row;
}

void
dlab_draw_page_picks_changed (DlabDrawPage *self)
{
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&self->ensemble, dlab_ensemble_free);
  if (self->picks->len > 0)
    {
      self->ensemble = dlab_classifier_new_ensemble ((DlabClassifier *const *) self->picks->pdata,
                                                     (int) self->picks->len, &error);
      /* Picks are checked as they are ticked: only memory can fail here. */
      if (!self->ensemble)
        g_critical ("%s", error->message);
    }
  dlab_draw_page_show_model (self);
  update_rows (self);
  dlab_draw_page_schedule_reading (self);
}

void
dlab_draw_page_set_models (DlabDrawPage *self, GListModel *models)
{
  g_return_if_fail (DLAB_IS_DRAW_PAGE (self));
  g_return_if_fail (models == NULL || G_IS_LIST_MODEL (models));

  if (!g_set_object (&self->models, models))
    return;
  gtk_list_box_bind_model (self->models_list, models, models ? create_row : NULL, self, NULL);
}

gboolean
dlab_draw_page_set_picked (DlabDrawPage *self, DlabClassifier *classifier, gboolean picked)
{
  guint index;

  g_return_val_if_fail (DLAB_IS_DRAW_PAGE (self), FALSE);
  g_return_val_if_fail (DLAB_IS_CLASSIFIER (classifier), FALSE);

  if (picked == is_picked (self, classifier))
    return TRUE;
  if (picked)
    {
      g_autofree char *why = why_not_pickable (self, classifier);

      if (!self->classifier)
        {
          dlab_draw_page_set_classifier (self, classifier);
          return TRUE;
        }
      if (why)
        return FALSE;
      g_ptr_array_add (self->picks, g_object_ref (classifier));
      dlab_draw_page_picks_changed (self);
      return TRUE;
    }
  if (self->picks->len == 1)
    return FALSE;
  g_ptr_array_find (self->picks, classifier, &index);
  /* The ensemble borrows the models: it goes before the reference. */
  g_clear_pointer (&self->ensemble, dlab_ensemble_free);
  g_ptr_array_remove_index (self->picks, index);
  if (index == 0)
    {
      g_set_object (&self->classifier, dlab_draw_page_pick (self, 0));
      dlab_inside_view_set_classifier (self->inside_view, self->classifier);
      g_object_notify (G_OBJECT (self), "classifier");
    }
  dlab_draw_page_picks_changed (self);
  return TRUE;
}

guint
dlab_draw_page_get_n_picked (DlabDrawPage *self)
{
  g_return_val_if_fail (DLAB_IS_DRAW_PAGE (self), 0);
  return self->picks->len;
}

DlabClassifier *
dlab_draw_page_get_picked (DlabDrawPage *self, guint index)
{
  g_return_val_if_fail (DLAB_IS_DRAW_PAGE (self), NULL);
  g_return_val_if_fail (index < self->picks->len, NULL);
  return dlab_draw_page_pick (self, index);
}

gboolean
dlab_draw_page_is_picked (DlabDrawPage *self, DlabClassifier *classifier)
{
  g_return_val_if_fail (DLAB_IS_DRAW_PAGE (self), FALSE);
  return is_picked (self, classifier);
}

GtkWidget *
dlab_draw_page_get_model_row (DlabDrawPage *self, DlabClassifier *classifier)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (DLAB_IS_DRAW_PAGE (self), NULL);
  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->models_list, i)); i++)
    if (row_classifier (GTK_WIDGET (row)) == classifier)
      return GTK_WIDGET (row);
  return NULL;
}

