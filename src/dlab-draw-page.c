/* DlabDrawPage: wires the sketchpad to the classifiers, one reading a frame. */
#include "dlab-draw-page-private.h"
#include "dlab-fold-box.h"
#include "dlab-inside-view.h"

#include <glib/gi18n.h>

#include "dlab/ink.h"

G_DEFINE_FINAL_TYPE (DlabDrawPage, dlab_draw_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CLASSIFIER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_no_reading (DlabDrawPage *self)
{
  dlab_prediction_view_set_probabilities (self->prediction_view, NULL);
  dlab_ink_preview_set_image (self->ink_preview, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->agreement_label), FALSE);
}

/* "A reads 9, B reads 4" (translated). */
static char *
who_reads_what (DlabDrawPage *self, const DlabEnsembleReading *r)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->picks->len; i++)
    {
      DlabClassifier *c = dlab_draw_page_pick (self, i);

      if (i > 0)
        g_string_append (text, _(", "));
      g_string_append_printf (text, _("%s reads %s"), dlab_classifier_get_name (c),
                              dlab_classifier_get_class_name (c, r->tops[i]));
    }
  return g_string_free (text, FALSE);
}

/* Under the bars, with several models: all read one class, or who reads what. */
static void
show_agreement (DlabDrawPage *self, const DlabEnsembleReading *r)
{
  g_autofree char *text = NULL;
  int n = (int) self->picks->len;

  if (n < 2)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->agreement_label), FALSE);
      return;
    }
  if (r->n_top_classes == 1)
    {
      text = g_strdup_printf (ngettext ("All %d model reads %s", "All %d models read %s", n), n,
                              dlab_classifier_get_class_name (self->classifier, r->tops[0]));
    }
  else
    {
      g_autofree char *list = who_reads_what (self, r);
      text = g_strdup_printf (_("The models disagree: %s"), list);
    }
  gtk_label_set_label (self->agreement_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->agreement_label), TRUE);
}

static void
read_drawing (DlabDrawPage *self)
{
  const DlabStrokes *strokes = dlab_sketchpad_get_strokes (self->sketchpad);
  DlabEnsembleReading reading;

  self->n_readings++;
  if (!self->ensemble || strokes->n_points == 0 ||
      dlab_ensemble_run_strokes (self->ensemble, strokes, self->image, &reading) < 0)
    {
      show_no_reading (self);
      return;
    }
  dlab_prediction_view_set_probabilities (self->prediction_view, reading.mean);
  dlab_ink_preview_set_image (self->ink_preview, self->image);
  show_agreement (self, &reading);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DlabDrawPage *self = DLAB_DRAW_PAGE (widget);

  (void) clock;
  (void) data;
  self->tick_id = 0;
  read_drawing (self);
  return G_SOURCE_REMOVE;
}

/* Coalesces changes: at most one reading per frame, however many pen
 * events the frame brought. */
void
dlab_draw_page_schedule_reading (DlabDrawPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

static void
on_sketchpad_changed (DlabDrawPage *self)
{
  dlab_draw_page_schedule_reading (self);
}

/* The names of the picks, joined for the details line. */
static char *
picked_names (DlabDrawPage *self)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->picks->len; i++)
    {
      if (i > 0)
        g_string_append (text, _(", "));
      g_string_append (text, dlab_classifier_get_name (dlab_draw_page_pick (self, i)));
    }
  return g_string_free (text, FALSE);
}

/* One line per pick: its name and what it was trained on. */
static char *
picked_descriptions (DlabDrawPage *self)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->picks->len; i++)
    {
      g_autofree char *details = dlab_classifier_describe (dlab_draw_page_pick (self, i));

      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%s: %s", dlab_classifier_get_name (dlab_draw_page_pick (self, i)), details);
    }
  return g_string_free (text, FALSE);
}

void
dlab_draw_page_show_model (DlabDrawPage *self)
{
  g_autofree char *name = NULL, *details = NULL, *tooltip = NULL;
  int n = (int) self->picks->len;

  if (!self->classifier)
    {
      gtk_label_set_label (self->model_name_label, "");
      gtk_label_set_label (self->model_details_label, "");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_name_label), NULL);
      dlab_prediction_view_set_class_names (self->prediction_view, NULL);
      return;
    }
  if (n == 1)
    {
      name = g_strdup (dlab_classifier_get_name (self->classifier));
      details = dlab_classifier_describe (self->classifier);
    }
  else
    {
      name = g_strdup_printf (ngettext ("Average of %d model", "Average of %d models", n), n);
      details = picked_names (self);
      tooltip = picked_descriptions (self);
    }
  gtk_label_set_label (self->model_name_label, name);
  gtk_label_set_label (self->model_details_label, details);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_name_label), tooltip);
  gtk_label_set_label (self->hint_label, dlab_classifier_get_drawing_hint (self->classifier));
  dlab_prediction_view_set_class_names (self->prediction_view,
                                        dlab_classifier_get_class_names (self->classifier));
}

/* ---- the first model ----------------------------------------------------- */

/* The model the window uses now: it alone reads, until others are ticked. */
void
dlab_draw_page_set_classifier (DlabDrawPage *self, DlabClassifier *classifier)
{
  g_return_if_fail (DLAB_IS_DRAW_PAGE (self));
  g_return_if_fail (classifier == NULL || DLAB_IS_CLASSIFIER (classifier));

  if (!g_set_object (&self->classifier, classifier))
    return;
  g_clear_pointer (&self->ensemble, dlab_ensemble_free);
  g_ptr_array_set_size (self->picks, 0);
  if (classifier)
    g_ptr_array_add (self->picks, g_object_ref (classifier));
  dlab_inside_view_set_classifier (self->inside_view, classifier);
  dlab_draw_page_picks_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSIFIER]);
}

DlabClassifier *
dlab_draw_page_get_classifier (DlabDrawPage *self)
{
  return self->classifier;
}

DlabSketchpad *
dlab_draw_page_get_sketchpad (DlabDrawPage *self)
{
  return self->sketchpad;
}

DlabPredictionView *
dlab_draw_page_get_prediction_view (DlabDrawPage *self)
{
  return self->prediction_view;
}

DlabInkPreview *
dlab_draw_page_get_ink_preview (DlabDrawPage *self)
{
  return self->ink_preview;
}

DlabInsideView *
dlab_draw_page_get_inside_view (DlabDrawPage *self)
{
  return self->inside_view;
}

GtkToggleButton *
dlab_draw_page_get_inside_toggle (DlabDrawPage *self)
{
  return self->inside_toggle;
}

guint
dlab_draw_page_get_n_readings (DlabDrawPage *self)
{
  return self->n_readings;
}

static void
dlab_draw_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabDrawPage *self = DLAB_DRAW_PAGE (object);

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
dlab_draw_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlabDrawPage *self = DLAB_DRAW_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLASSIFIER:
      dlab_draw_page_set_classifier (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_draw_page_dispose (GObject *object)
{
  DlabDrawPage *self = DLAB_DRAW_PAGE (object);

  if (self->tick_id)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->ensemble, dlab_ensemble_free);
  g_clear_pointer (&self->picks, g_ptr_array_unref);
  g_clear_object (&self->classifier);
  if (self->models_list)
    gtk_list_box_bind_model (self->models_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->models);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_DRAW_PAGE);
  G_OBJECT_CLASS (dlab_draw_page_parent_class)->dispose (object);
}

static void
dlab_draw_page_class_init (DlabDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_draw_page_get_property;
  object_class->set_property = dlab_draw_page_set_property;
  object_class->dispose = dlab_draw_page_dispose;

  properties[PROP_CLASSIFIER] =
    g_param_spec_object ("classifier", NULL, NULL, DLAB_TYPE_CLASSIFIER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The template's custom widgets must be registered before it is parsed. */
  g_type_ensure (DLAB_TYPE_SKETCHPAD);
  g_type_ensure (DLAB_TYPE_PREDICTION_VIEW);
  g_type_ensure (DLAB_TYPE_INK_PREVIEW);
  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  g_type_ensure (DLAB_TYPE_INSIDE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dlab-draw-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, sketchpad);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, prediction_view);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, ink_preview);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, model_name_label);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, model_details_label);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, hint_label);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, agreement_label);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, models_button);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, models_list);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, inside_toggle);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, inside_view);
}

static void
dlab_draw_page_init (DlabDrawPage *self)
{
  self->picks = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->sketchpad, "changed", G_CALLBACK (on_sketchpad_changed), self);
  dlab_inside_view_set_sketchpad (self->inside_view, self->sketchpad);
}
