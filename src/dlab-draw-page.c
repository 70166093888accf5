/* DlabDrawPage: wires the sketchpad to the classifier, one reading a frame. */
#include "dlab-draw-page.h"
#include "dlab-fold-box.h"
#include "dlab-inside-view.h"

#include "dlab/ink.h"

struct _DlabDrawPage {
  AdwBin parent_instance;

  DlabSketchpad *sketchpad;
  DlabPredictionView *prediction_view;
  DlabInkPreview *ink_preview;
  GtkLabel *model_name_label;
  GtkLabel *model_details_label;
  GtkLabel *hint_label;
  GtkToggleButton *inside_toggle;
  DlabInsideView *inside_view;

  DlabClassifier *classifier;
  guint tick_id;        /* a reading is due at the next frame */
  guint n_readings;
  float image[DLAB_INK_PIXELS];
  float *probs;         /* one per class of the classifier */
};

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
}

static void
read_drawing (DlabDrawPage *self)
{
  const DlabStrokes *strokes = dlab_sketchpad_get_strokes (self->sketchpad);

  self->n_readings++;
  if (!self->classifier || strokes->n_points == 0)
    {
      show_no_reading (self);
      return;
    }
  if (dlab_classifier_read_strokes (self->classifier, strokes, self->image, self->probs) < 0)
    {
      show_no_reading (self);
      return;
    }
  dlab_prediction_view_set_probabilities (self->prediction_view, self->probs);
  dlab_ink_preview_set_image (self->ink_preview, self->image);
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
static void
schedule_reading (DlabDrawPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

static void
on_sketchpad_changed (DlabDrawPage *self)
{
  schedule_reading (self);
}

static void
show_model (DlabDrawPage *self)
{
  g_autofree char *details = NULL;

  if (!self->classifier)
    {
      gtk_label_set_label (self->model_name_label, "");
      gtk_label_set_label (self->model_details_label, "");
      dlab_prediction_view_set_class_names (self->prediction_view, NULL);
      return;
    }
  details = dlab_classifier_describe (self->classifier);
  gtk_label_set_label (self->model_name_label, dlab_classifier_get_name (self->classifier));
  gtk_label_set_label (self->model_details_label, details);
  gtk_label_set_label (self->hint_label, dlab_classifier_get_drawing_hint (self->classifier));
  dlab_prediction_view_set_class_names (self->prediction_view,
                                        dlab_classifier_get_class_names (self->classifier));
}

void
dlab_draw_page_set_classifier (DlabDrawPage *self, DlabClassifier *classifier)
{
  g_return_if_fail (DLAB_IS_DRAW_PAGE (self));
  g_return_if_fail (classifier == NULL || DLAB_IS_CLASSIFIER (classifier));

  if (!g_set_object (&self->classifier, classifier))
    return;
  g_free (self->probs);
  self->probs = classifier ? g_new0 (float, dlab_classifier_get_n_classes (classifier)) : NULL;
  show_model (self);
  dlab_inside_view_set_classifier (self->inside_view, classifier);
  schedule_reading (self);
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
  g_clear_object (&self->classifier);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_DRAW_PAGE);
  G_OBJECT_CLASS (dlab_draw_page_parent_class)->dispose (object);
}

static void
dlab_draw_page_finalize (GObject *object)
{
  g_free (DLAB_DRAW_PAGE (object)->probs);
  G_OBJECT_CLASS (dlab_draw_page_parent_class)->finalize (object);
}

static void
dlab_draw_page_class_init (DlabDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_draw_page_get_property;
  object_class->set_property = dlab_draw_page_set_property;
  object_class->dispose = dlab_draw_page_dispose;
  object_class->finalize = dlab_draw_page_finalize;

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
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, inside_toggle);
  gtk_widget_class_bind_template_child (widget_class, DlabDrawPage, inside_view);
}

static void
dlab_draw_page_init (DlabDrawPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->sketchpad, "changed", G_CALLBACK (on_sketchpad_changed), self);
  dlab_inside_view_set_sketchpad (self->inside_view, self->sketchpad);
}
