/* DlabNetworkDiagram: boxes for the layers, in rows, joined by arrows. One
 * cairo drawing serves the screen (the theme's colours and text scale) and
 * the exports (black on white at 96 dpi). */
#include "dlab-network-diagram.h"

#include <glib/gi18n.h>

#include "dlab-export.h"

#include "dlab/error.h"
#include "dlab/model.h"

#define COLUMNS 5   /* boxes per row */
#define PAD 8       /* inside a box */
#define GAP 28      /* between boxes: room for an arrow */
#define MARGIN 6

struct _DlabNetworkDiagram {
  GtkWidget parent_instance;

  GPtrArray *boxes; /* char *: each box's text, "title\nline\nline" */
};

G_DEFINE_FINAL_TYPE (DlabNetworkDiagram, dlab_network_diagram, GTK_TYPE_WIDGET)

typedef struct {
  double r, g, b;
} Rgb;

/* ---- what the boxes say ---- */

static char *
shape_text (DlabShape s)
{
  if (s.ndim == 3)
    return g_strdup_printf ("%d×%d×%d", s.d[0], s.d[1], s.d[2]);
  return g_strdup_printf ("%d", s.d[0]);
}

static char *
layer_text (DlabLayerSummary l)
{
  g_autofree char *shape = shape_text (l.output);

  if (l.params == 0)
    /* TRANSLATORS: a box of the network diagram: the layer's name, its kind
       (relu, maxpool…) and its output shape */
    return g_strdup_printf (_("%s\n%s · %s"), l.name, l.kind, shape);
  /* TRANSLATORS: a box of the network diagram: the layer's name, its kind
     (conv, linear…), its output shape and parameter count */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s\n%s · %s\n%ld parameter", "%s\n%s · %s\n%ld parameters",
                                       (gulong) l.params),
                          l.name, l.kind, shape, l.params);
}

gboolean
dlab_network_diagram_set_spec (DlabNetworkDiagram *self, const char *spec, const char *input,
                               GError **error)
{
  DlabShape in;
  DlabModel *m = NULL;

  g_return_val_if_fail (DLAB_IS_NETWORK_DIAGRAM (self), FALSE);
  g_ptr_array_set_size (self->boxes, 0);
  if (dlab_shape_parse (input, &in) == 0)
    m = dlab_model_describe (spec, in);
  if (m)
    {
      g_autofree char *shape = shape_text (in);
      g_ptr_array_add (self->boxes, g_strdup_printf ("%s\n%s", _("input"), shape));
      for (int i = 0; i < dlab_model_num_layers (m); i++)
        g_ptr_array_add (self->boxes, layer_text (dlab_model_layer_summary (m, i)));
      dlab_model_free (m);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
  if (!m)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, dlab_error_message ());
  return m != NULL;
}

int
dlab_network_diagram_get_n_boxes (DlabNetworkDiagram *self)
{
  return (int) self->boxes->len;
}

char *
dlab_network_diagram_get_box_text (DlabNetworkDiagram *self, int i)
{
  g_return_val_if_fail (i >= 0 && (guint) i < self->boxes->len, NULL);
  return g_strdup (g_ptr_array_index (self->boxes, i));
}

/* ---- layout: every box as large as the largest text ---- */

typedef struct {
  int box_w, box_h, cols, rows, width, height;
} Layout;

static Layout
layout_for (DlabNetworkDiagram *self, PangoLayout *text)
{
  Layout lay = { 0 };
  int n = (int) self->boxes->len;

  for (int i = 0; i < n; i++)
    {
      int w, h;
      pango_layout_set_text (text, g_ptr_array_index (self->boxes, i), -1);
      pango_layout_get_pixel_size (text, &w, &h);
      lay.box_w = MAX (lay.box_w, w + 2 * PAD);
      lay.box_h = MAX (lay.box_h, h + 2 * PAD);
    }
  lay.cols = MIN (n, COLUMNS);
  lay.rows = n ? (n + COLUMNS - 1) / COLUMNS : 0;
  lay.width = n ? 2 * MARGIN + lay.cols * lay.box_w + (lay.cols - 1) * GAP : 0;
  lay.height = n ? 2 * MARGIN + lay.rows * lay.box_h + (lay.rows - 1) * GAP : 0;
  return lay;
}

static void
box_origin (const Layout *lay, int i, double *x, double *y)
{
  *x = MARGIN + (i % lay->cols) * (lay->box_w + GAP);
  *y = MARGIN + (i / lay->cols) * (lay->box_h + GAP);
}

static void
arrow_head (cairo_t *cr, double x, double y, double dx, double dy)
{
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x - 6 * dx - 4 * dy, y - 6 * dy - 4 * dx);
  cairo_line_to (cr, x - 6 * dx + 4 * dy, y - 6 * dy + 4 * dx);
  cairo_close_path (cr);
  cairo_fill (cr);
}

/* From box i to box i + 1: straight along a row, else down, back and down. */
static void
draw_arrow (cairo_t *cr, const Layout *lay, int i)
{
  double x0, y0, x1, y1;

  box_origin (lay, i, &x0, &y0);
  box_origin (lay, i + 1, &x1, &y1);
  if (y0 == y1)
    {
      double y = y0 + lay->box_h / 2.0;
      cairo_move_to (cr, x0 + lay->box_w + 3, y);
      cairo_line_to (cr, x1 - 3, y);
      cairo_stroke (cr);
      arrow_head (cr, x1 - 2, y, 1, 0);
      return;
    }
  double mid = y0 + lay->box_h + GAP / 2.0;
  cairo_move_to (cr, x0 + lay->box_w / 2.0, y0 + lay->box_h + 3);
  cairo_line_to (cr, x0 + lay->box_w / 2.0, mid);
  cairo_line_to (cr, x1 + lay->box_w / 2.0, mid);
  cairo_line_to (cr, x1 + lay->box_w / 2.0, y1 - 3);
  cairo_stroke (cr);
  arrow_head (cr, x1 + lay->box_w / 2.0, y1 - 2, 0, 1);
}

static void
render (DlabNetworkDiagram *self, cairo_t *cr, PangoLayout *text, Rgb fg)
{
  Layout lay = layout_for (self, text);
  int n = (int) self->boxes->len;

  cairo_set_line_width (cr, 1.5);
  for (int i = 0; i < n; i++)
    {
      double x, y;
      box_origin (&lay, i, &x, &y);
      cairo_set_source_rgba (cr, fg.r, fg.g, fg.b, i == 0 ? 0.04 : 0.08);
      cairo_rectangle (cr, x + 0.75, y + 0.75, lay.box_w - 1.5, lay.box_h - 1.5);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, fg.r, fg.g, fg.b);
      cairo_stroke (cr);
      pango_layout_set_text (text, g_ptr_array_index (self->boxes, i), -1);
      /* The layer's name in bold: the first line. */
      PangoAttrList *attrs = pango_attr_list_new ();
      PangoAttribute *bold = pango_attr_weight_new (PANGO_WEIGHT_BOLD);
      const char *text_now = g_ptr_array_index (self->boxes, i), *nl = strchr (text_now, '\n');
      bold->end_index = nl ? (guint) (nl - text_now) : G_MAXUINT;
      pango_attr_list_insert (attrs, bold);
      pango_layout_set_attributes (text, attrs);
      pango_attr_list_unref (attrs);
      cairo_move_to (cr, x + PAD, y + PAD);
      pango_cairo_show_layout (cr, text);
      pango_layout_set_attributes (text, NULL);
      if (i + 1 < n)
        draw_arrow (cr, &lay, i);
    }
}

/* ---- on screen ---- */

static void
dlab_network_diagram_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                              int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlabNetworkDiagram *self = DLAB_NETWORK_DIAGRAM (widget);
  g_autoptr (PangoLayout) text = gtk_widget_create_pango_layout (widget, NULL);
  Layout lay = layout_for (self, text);

  (void) for_size;
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? lay.width : lay.height;
  *minimum_baseline = *natural_baseline = -1;
}

static void
dlab_network_diagram_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlabNetworkDiagram *self = DLAB_NETWORK_DIAGRAM (widget);
  g_autoptr (PangoLayout) text = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA color;
  cairo_t *cr;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                                 gtk_widget_get_height (widget)));
  render (self, cr, text, (Rgb) { color.red, color.green, color.blue });
  cairo_destroy (cr);
}

/* ---- exports ---- */

typedef struct {
  DlabNetworkDiagram *self;
  const PangoFontDescription *font;
} Export;

/* Black on white, laid out with a cairo layout at 96 dpi, as measured. */
static void
draw_export (cairo_t *cr, int width, int height, gpointer data)
{
  Export *ex = data;
  PangoLayout *text = pango_cairo_create_layout (cr);

  (void) width;
  (void) height;
  pango_layout_set_font_description (text, ex->font);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  render (ex->self, cr, text, (Rgb) { 0, 0, 0 });
  g_object_unref (text);
}

static gboolean
export_to (DlabNetworkDiagram *self, const char *path, gboolean png, GError **error)
{
  Export ex = { self, pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self))) };
  cairo_surface_t *probe = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *pcr = cairo_create (probe);
  PangoLayout *text = pango_cairo_create_layout (pcr);
  Layout lay;

  pango_layout_set_font_description (text, ex.font);
  lay = layout_for (self, text);
  g_object_unref (text);
  cairo_destroy (pcr);
  cairo_surface_destroy (probe);
  if (lay.width == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: there is no network to draw"), path);
      return FALSE;
    }
  return dlab_export_picture (path, png, lay.width, lay.height, draw_export, &ex, error);
}

gboolean
dlab_network_diagram_export_png (DlabNetworkDiagram *self, const char *path, GError **error)
{
  g_return_val_if_fail (DLAB_IS_NETWORK_DIAGRAM (self), FALSE);
  return export_to (self, path, TRUE, error);
}

gboolean
dlab_network_diagram_export_svg (DlabNetworkDiagram *self, const char *path, GError **error)
{
  g_return_val_if_fail (DLAB_IS_NETWORK_DIAGRAM (self), FALSE);
  return export_to (self, path, FALSE, error);
}

/* ---- life ---- */

static void
dlab_network_diagram_finalize (GObject *object)
{
  g_ptr_array_unref (DLAB_NETWORK_DIAGRAM (object)->boxes);
  G_OBJECT_CLASS (dlab_network_diagram_parent_class)->finalize (object);
}

static void
dlab_network_diagram_class_init (DlabNetworkDiagramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dlab_network_diagram_finalize;
  widget_class->measure = dlab_network_diagram_measure;
  widget_class->snapshot = dlab_network_diagram_snapshot;
  gtk_widget_class_set_css_name (widget_class, "network-diagram");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dlab_network_diagram_init (DlabNetworkDiagram *self)
{
  self->boxes = g_ptr_array_new_with_free_func (g_free);
}

GtkWidget *
dlab_network_diagram_new (void)
{
  return g_object_new (DLAB_TYPE_NETWORK_DIAGRAM, NULL);
}
