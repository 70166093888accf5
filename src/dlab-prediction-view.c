/* DlabPredictionView: a headline and one row per class (name, bar, %). */
#include "dlab-prediction-view.h"

#include <glib/gi18n.h>

typedef struct {
  GtkWidget *name;
  GtkWidget *bar;
  GtkWidget *percent;
} BarRow;

struct _DlabPredictionView {
  GtkWidget parent_instance;

  GtkLabel *top_label;
  GtkLabel *caption_label;
  GtkGrid *bars;

  GArray *rows;       /* of BarRow */
  int top_class;      /* -1: nothing read */
  gboolean sure;
  double threshold;
};

G_DEFINE_FINAL_TYPE (DlabPredictionView, dlab_prediction_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_THRESHOLD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_nothing (DlabPredictionView *self)
{
  self->top_class = -1;
  self->sure = FALSE;
  gtk_label_set_label (self->top_label, "?");
  gtk_widget_add_css_class (GTK_WIDGET (self->top_label), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (self->top_label), "unsure");
  gtk_label_set_label (self->caption_label, _("Nothing drawn yet"));
  gtk_widget_remove_css_class (GTK_WIDGET (self->caption_label), "warning");

  for (guint i = 0; i < self->rows->len; i++)
    {
      BarRow *row = &g_array_index (self->rows, BarRow, i);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (row->bar), 0);
      gtk_label_set_label (GTK_LABEL (row->percent), "");
      gtk_widget_remove_css_class (row->bar, "top");
      gtk_widget_remove_css_class (row->bar, "unsure");
      gtk_widget_remove_css_class (row->name, "top");
    }
}

static void
clear_rows (DlabPredictionView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bars))))
    gtk_grid_remove (self->bars, child);
  g_array_set_size (self->rows, 0);
}

void
dlab_prediction_view_set_class_names (DlabPredictionView *self, const char *const *names)
{
  g_return_if_fail (DLAB_IS_PREDICTION_VIEW (self));

  clear_rows (self);
  for (int i = 0; names && names[i]; i++)
    {
      BarRow row;

      /* A long name ("Ankle boot" at large text on a phone) wraps onto
       * a second line rather than losing its end. */
      row.name = gtk_label_new (names[i]);
      gtk_label_set_xalign (GTK_LABEL (row.name), 1);
      gtk_label_set_justify (GTK_LABEL (row.name), GTK_JUSTIFY_RIGHT);
      gtk_label_set_wrap (GTK_LABEL (row.name), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (row.name), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (row.name), 14);
      gtk_widget_add_css_class (row.name, "class-name");

      row.bar = gtk_progress_bar_new ();
      gtk_widget_set_hexpand (row.bar, TRUE);
      gtk_widget_set_valign (row.bar, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row.bar),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, names[i], -1);

      row.percent = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (row.percent), 1);
      gtk_label_set_width_chars (GTK_LABEL (row.percent), 5);
      gtk_widget_add_css_class (row.percent, "percent");

      gtk_grid_attach (self->bars, row.name, 0, i, 1, 1);
      gtk_grid_attach (self->bars, row.bar, 1, i, 1, 1);
      gtk_grid_attach (self->bars, row.percent, 2, i, 1, 1);
      g_array_append_val (self->rows, row);
    }
  show_nothing (self);
}

static void
show_headline (DlabPredictionView *self, float top_probability)
{
  const BarRow *top = &g_array_index (self->rows, BarRow, self->top_class);
  g_autofree char *caption = NULL;
  const char *name = gtk_label_get_label (GTK_LABEL (top->name));

  gtk_label_set_label (self->top_label, name);
  gtk_widget_remove_css_class (GTK_WIDGET (self->top_label), "dim-label");
  /* Long class names (Fashion-MNIST's "T-shirt/top") get a smaller size. */
  if (g_utf8_strlen (name, -1) > 3)
    gtk_widget_add_css_class (GTK_WIDGET (self->top_label), "long");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->top_label), "long");

  if (self->sure)
    {
      caption = g_strdup_printf (_("%.0f%% sure"), 100.0 * top_probability);
      gtk_widget_remove_css_class (GTK_WIDGET (self->top_label), "unsure");
      gtk_widget_remove_css_class (GTK_WIDGET (self->caption_label), "warning");
    }
  else
    {
      caption = g_strdup_printf (_("Not sure — %.0f%% at best"), 100.0 * top_probability);
      gtk_widget_add_css_class (GTK_WIDGET (self->top_label), "unsure");
      gtk_widget_add_css_class (GTK_WIDGET (self->caption_label), "warning");
    }
  gtk_label_set_label (self->caption_label, caption);
}

void
dlab_prediction_view_set_probabilities (DlabPredictionView *self, const float *probs)
{
  g_return_if_fail (DLAB_IS_PREDICTION_VIEW (self));

  if (!probs || self->rows->len == 0)
    {
      show_nothing (self);
      return;
    }

  self->top_class = 0;
  for (guint i = 1; i < self->rows->len; i++)
    if (probs[i] > probs[self->top_class])
      self->top_class = (int) i;
  self->sure = probs[self->top_class] >= self->threshold;

  for (guint i = 0; i < self->rows->len; i++)
    {
      BarRow *row = &g_array_index (self->rows, BarRow, i);
      char text[16];
      double p = CLAMP (probs[i], 0.0f, 1.0f);

      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (row->bar), p);
      g_snprintf (text, sizeof text, "%.0f%%", 100.0 * p);
      gtk_label_set_label (GTK_LABEL (row->percent), text);
      if ((int) i == self->top_class)
        {
          gtk_widget_add_css_class (row->bar, "top");
          gtk_widget_add_css_class (row->name, "top");
        }
      else
        {
          gtk_widget_remove_css_class (row->bar, "top");
          gtk_widget_remove_css_class (row->name, "top");
        }
      /* The leading bar turns to the warning colour when it is not enough. */
      if ((int) i == self->top_class && !self->sure)
        gtk_widget_add_css_class (row->bar, "unsure");
      else
        gtk_widget_remove_css_class (row->bar, "unsure");
    }
  show_headline (self, probs[self->top_class]);
}

void
dlab_prediction_view_set_threshold (DlabPredictionView *self, double threshold)
{
  g_return_if_fail (DLAB_IS_PREDICTION_VIEW (self));

  threshold = CLAMP (threshold, 0.0, 1.0);
  if (threshold == self->threshold)
    return;
  self->threshold = threshold;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THRESHOLD]);
}

double
dlab_prediction_view_get_threshold (DlabPredictionView *self)
{
  return self->threshold;
}

int
dlab_prediction_view_get_top_class (DlabPredictionView *self)
{
  return self->top_class;
}

const char *
dlab_prediction_view_get_top_text (DlabPredictionView *self)
{
  return gtk_label_get_label (self->top_label);
}

const char *
dlab_prediction_view_get_caption (DlabPredictionView *self)
{
  return gtk_label_get_label (self->caption_label);
}

gboolean
dlab_prediction_view_is_sure (DlabPredictionView *self)
{
  return self->sure;
}

int
dlab_prediction_view_get_n_bars (DlabPredictionView *self)
{
  return (int) self->rows->len;
}

static void
dlab_prediction_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabPredictionView *self = DLAB_PREDICTION_VIEW (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      g_value_set_double (value, self->threshold);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_prediction_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlabPredictionView *self = DLAB_PREDICTION_VIEW (object);

  switch (prop_id)
    {
    case PROP_THRESHOLD:
      dlab_prediction_view_set_threshold (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_prediction_view_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), DLAB_TYPE_PREDICTION_VIEW);
  /* A plain GtkWidget owns its children: the template's box and scroller. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dlab_prediction_view_parent_class)->dispose (object);
}

static void
dlab_prediction_view_finalize (GObject *object)
{
  g_array_unref (DLAB_PREDICTION_VIEW (object)->rows);
  G_OBJECT_CLASS (dlab_prediction_view_parent_class)->finalize (object);
}

static void
dlab_prediction_view_class_init (DlabPredictionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_prediction_view_get_property;
  object_class->set_property = dlab_prediction_view_set_property;
  object_class->dispose = dlab_prediction_view_dispose;
  object_class->finalize = dlab_prediction_view_finalize;

  properties[PROP_THRESHOLD] =
    g_param_spec_double ("threshold", NULL, NULL, 0.0, 1.0, 0.6,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dlab-prediction-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabPredictionView, top_label);
  gtk_widget_class_bind_template_child (widget_class, DlabPredictionView, caption_label);
  gtk_widget_class_bind_template_child (widget_class, DlabPredictionView, bars);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "prediction-view");
}

static void
dlab_prediction_view_init (DlabPredictionView *self)
{
  GtkLayoutManager *layout;

  self->rows = g_array_new (FALSE, FALSE, sizeof (BarRow));
  self->threshold = 0.6;
  gtk_widget_init_template (GTK_WIDGET (self));

  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 18);
  show_nothing (self);
}

GtkWidget *
dlab_prediction_view_new (void)
{
  return g_object_new (DLAB_TYPE_PREDICTION_VIEW, NULL);
}
