/* DlabConfusionView: see dlab-confusion-view.h. */
#include "dlab-confusion-view.h"

#include <glib/gi18n.h>
#include <math.h>

struct _DlabConfusionView {
  GtkWidget parent_instance;

  int k;
  int *matrix;
  int *row_sums;
  char **names;
  double label_space;   /* room for the class names: the widest, up to LABEL_SPACE */
  double name_width;    /* the widest class name */
  int sel_true, sel_pred;
  int hover_true, hover_pred;
  int cur_true, cur_pred;   /* the cell the arrow keys are on */
};

G_DEFINE_FINAL_TYPE (DlabConfusionView, dlab_confusion_view, GTK_TYPE_WIDGET)

enum { SIGNAL_CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  double x, y, cell;  /* top-left of cell (0, 0) and the cell size */
} Geometry;

/* Room for the axis titles: a line of the widget's text (which grows with
 * GNOME's text scaling). */
static double
title_space (DlabConfusionView *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), "Ag");
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  g_object_unref (layout);
  return h + 6;
}

/* The names' room: the widest name, up to a third of the widget, so that
 * "T-shirt/top" is written out and a folder's long names leave room for
 * the cells. */
static double
label_space (DlabConfusionView *self, double w, double h)
{
  return MIN (self->label_space, MAX (24, MIN (w, h) / 3));
}

static Geometry
geometry (DlabConfusionView *self)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double room = label_space (self, w, h) + title_space (self);
  double side = MIN (w - room, h - room);
  double cell = self->k ? floor (MAX (side, 0) / self->k) : 0;
  double used = cell * self->k + room;

  return (Geometry) { floor ((w - used) / 2) + room, MAX (4, floor ((h - used) / 2)), cell };
}

gboolean
dlab_confusion_view_cell_at (DlabConfusionView *self, double x, double y, int *true_class, int *predicted)
{
  Geometry g = geometry (self);
  int col, row;

  if (!self->k || g.cell <= 0 || x < g.x || y < g.y)
    return FALSE;
  col = (int) ((x - g.x) / g.cell);
  row = (int) ((y - g.y) / g.cell);
  if (col >= self->k || row >= self->k)
    return FALSE;
  *true_class = row;
  *predicted = col;
  return TRUE;
}

static const char *
class_name (DlabConfusionView *self, int i)
{
  return self->names[i];
}

static void
draw_label (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double ax, double ay,
            double max_width)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - ax * w, y - ay * h);
  pango_cairo_show_layout (cr, layout);
}

/* Light text on the page: the dark style. */
static gboolean
is_dark (GdkRGBA fg)
{
  return 0.3 * fg.red + 0.6 * fg.green + 0.1 * fg.blue > 0.5;
}

/* Blue for the diagonal, red for mistakes; the square root lifts rare
 * mistakes out of the background. On the dark style the colours are
 * lighter and even the rarest mistake starts well above the background
 * (a 1 % cell at the light style's 0.19 alpha of dark red all but vanished
 * there). */
static void
cell_color (cairo_t *cr, gboolean diagonal, double share, gboolean dark)
{
  double t = diagonal ? share : sqrt (share);

  if (diagonal && dark)
    cairo_set_source_rgba (cr, 0.38, 0.62, 0.98, 0.14 + 0.86 * t);
  else if (diagonal)
    cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.08 + 0.92 * t);
  else if (share <= 0)
    cairo_set_source_rgba (cr, 0, 0, 0, 0);
  else if (dark)
    cairo_set_source_rgba (cr, 1.0, 0.42, 0.40, 0.32 + 0.68 * t);
  else
    cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.16 + 0.84 * t);
}

/* Whether a count is written in the background's contrast colour: on a
 * strong cell (deep colour on the light style, bright on the dark one). */
static gboolean
strong_cell (gboolean diagonal, double share)
{
  return diagonal ? share > 0.5 : sqrt (share) > 0.5;
}

static void
draw_cells (DlabConfusionView *self, cairo_t *cr, Geometry g, PangoLayout *layout, GdkRGBA fg)
{
  gboolean dark = is_dark (fg);

  /* The empty grid, faint, so that a matrix with few mistakes still reads
   * as a matrix. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.07);
  cairo_set_line_width (cr, 1);
  for (int i = 0; i <= self->k; i++)
    {
      cairo_move_to (cr, g.x + i * g.cell, g.y);
      cairo_line_to (cr, g.x + i * g.cell, g.y + self->k * g.cell);
      cairo_move_to (cr, g.x, g.y + i * g.cell);
      cairo_line_to (cr, g.x + self->k * g.cell, g.y + i * g.cell);
    }
  cairo_stroke (cr);
  for (int t = 0; t < self->k; t++)
    for (int p = 0; p < self->k; p++)
      {
        int count = self->matrix[t * self->k + p];
        double share = self->row_sums[t] ? (double) count / self->row_sums[t] : 0;
        double x = g.x + p * g.cell, y = g.y + t * g.cell;

        cairo_rectangle (cr, x + 0.5, y + 0.5, g.cell - 1, g.cell - 1);
        cell_color (cr, t == p, share, dark);
        cairo_fill (cr);
        if (g.cell >= 16 && count > 0)
          {
            g_autofree char *text = g_strdup_printf ("%d", count);
            int tw, th;
            pango_layout_set_width (layout, -1);
            pango_layout_set_text (layout, text, -1);
            pango_layout_get_pixel_size (layout, &tw, &th);
            /* A wide number is drawn smaller; one that would be too small
             * to read is left to the tooltip. */
            double scale = MIN (1.0, (g.cell - 4) / MAX (tw, 1));
            if (scale < 0.6)
              continue;
            if (strong_cell (t == p, share))
              cairo_set_source_rgb (cr, dark ? 0 : 1, dark ? 0 : 1, dark ? 0 : 1);
            else
              gdk_cairo_set_source_rgba (cr, &fg);
            cairo_save (cr);
            cairo_translate (cr, x + g.cell / 2, y + g.cell / 2);
            cairo_scale (cr, scale, scale);
            cairo_move_to (cr, -tw / 2.0, -th / 2.0);
            pango_cairo_show_layout (cr, layout);
            cairo_restore (cr);
          }
      }
}

static void
outline_cell (cairo_t *cr, Geometry g, int t, int p, double width)
{
  cairo_set_line_width (cr, width);
  cairo_rectangle (cr, g.x + p * g.cell + width / 2, g.y + t * g.cell + width / 2, g.cell - width,
                   g.cell - width);
  cairo_stroke (cr);
}

static void
dlab_confusion_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlabConfusionView *self = DLAB_CONFUSION_VIEW (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  Geometry g = geometry (self);
  GdkRGBA fg;
  cairo_t *cr;
  PangoLayout *layout;

  if (!self->k || g.cell <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  layout = gtk_widget_create_pango_layout (widget, NULL);

  {
    /* Counts in a font that suits the cells, up to the usual size. */
    PangoLayout *numbers = gtk_widget_create_pango_layout (widget, NULL);
    PangoFontDescription *font = pango_font_description_copy (
      pango_context_get_font_description (pango_layout_get_context (numbers)));
    double size = MIN (pango_font_description_get_size (font) / (double) PANGO_SCALE, g.cell * 0.30);
    pango_font_description_set_size (font, (int) (size * PANGO_SCALE));
    pango_layout_set_font_description (numbers, font);
    draw_cells (self, cr, g, numbers, fg);
    pango_font_description_free (font);
    g_object_unref (numbers);
  }

  /* Class names: rows on the left, columns below. */
  double names = label_space (self, w, h);
  gdk_cairo_set_source_rgba (cr, &fg);
  /* Column names run downwards when they are wider than the cells. */
  gboolean rotate = self->name_width > g.cell - 4;
  for (int i = 0; i < self->k && g.cell >= 9; i++)
    {
      draw_label (cr, layout, class_name (self, i), g.x - 4, g.y + (i + 0.5) * g.cell, 1, 0.5, names - 6);
      cairo_save (cr);
      cairo_translate (cr, g.x + (i + 0.5) * g.cell, g.y + self->k * g.cell + 4);
      cairo_rotate (cr, rotate ? G_PI / 2 : 0);
      if (rotate)
        draw_label (cr, layout, class_name (self, i), 0, 0, 0, 0.5, names - 6);
      else
        draw_label (cr, layout, class_name (self, i), 0, 0, 0.5, 0, g.cell);
      cairo_restore (cr);
    }
  /* Axis titles. */
  cairo_save (cr);
  cairo_translate (cr, g.x - names - 4, g.y + self->k * g.cell / 2);
  cairo_rotate (cr, -G_PI / 2);
  draw_label (cr, layout, _("true class"), 0, 0, 0.5, 1, self->k * g.cell);
  cairo_restore (cr);
  draw_label (cr, layout, _("predicted class"), g.x + self->k * g.cell / 2, g.y + self->k * g.cell + names, 0.5, 0,
              self->k * g.cell);

  /* The keyboard's cell. */
  if (self->cur_true >= 0 && gtk_widget_has_visible_focus (widget))
    {
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_save (cr);
      cairo_set_dash (cr, (const double[]) { 3, 2 }, 2, 0);
      outline_cell (cr, g, self->cur_true, self->cur_pred, 2);
      cairo_restore (cr);
    }

  if (self->hover_true >= 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
      outline_cell (cr, g, self->hover_true, self->hover_pred, 1);
    }
  if (self->sel_true >= 0)
    {
      gdk_cairo_set_source_rgba (cr, &fg);
      outline_cell (cr, g, self->sel_true, self->sel_pred, 2.5);
    }
  g_object_unref (layout);
  cairo_destroy (cr);
}

/* What a cell says, in the tooltip and to screen readers. */
static char *
cell_text (DlabConfusionView *self, int t, int p)
{
  int count = self->matrix[t * self->k + p];

  if (t == p)
    return g_strdup_printf (ngettext ("%d “%s” read correctly (%.1f%% of them)",
                                      "%d “%s” read correctly (%.1f%% of them)", count),
                            count, class_name (self, t), self->row_sums[t] ? 100.0 * count / self->row_sums[t] : 0);
  return g_strdup_printf (ngettext ("%d “%s” read as “%s” (%.1f%% of them). Click to see it.",
                                    "%d “%s” read as “%s” (%.1f%% of them). Click to see them.", count),
                          count, class_name (self, t), class_name (self, p),
                          self->row_sums[t] ? 100.0 * count / self->row_sums[t] : 0);
}

static void
update_tooltip (DlabConfusionView *self)
{
  g_autofree char *text = NULL;

  if (self->hover_true < 0)
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
      return;
    }
  text = cell_text (self, self->hover_true, self->hover_pred);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), text);
}

/* ---- the keyboard ---------------------------------------------------------------- */

static void
set_cursor (DlabConfusionView *self, int t, int p)
{
  g_autofree char *text = NULL;

  if (!self->k)
    return;
  self->cur_true = CLAMP (t, 0, self->k - 1);
  self->cur_pred = CLAMP (p, 0, self->k - 1);
  text = cell_text (self, self->cur_true, self->cur_pred);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The arrow keys move the keyboard's cell by (dx, dy) cells; Home and End
 * go to the row's first and last. */
static gboolean
move_cursor (GtkWidget *widget, GVariant *args, gpointer data)
{
  DlabConfusionView *self = DLAB_CONFUSION_VIEW (widget);
  int dx, dy;

  (void) data;
  if (!self->k)
    return FALSE;
  g_variant_get (args, "(ii)", &dx, &dy);
  set_cursor (self, self->cur_true + dy, self->cur_pred + dx);
  return TRUE;
}

/* Enter or Space does what a click on the cell does. */
static gboolean
activate_cursor (GtkWidget *widget, GVariant *args, gpointer data)
{
  DlabConfusionView *self = DLAB_CONFUSION_VIEW (widget);

  (void) args;
  (void) data;
  if (!self->k)
    return FALSE;
  dlab_confusion_view_select (self, self->cur_true, self->cur_pred);
  return TRUE;
}

static void
add_key_bindings (GtkWidgetClass *widget_class)
{
  static const struct {
    guint key;
    int dx, dy;
  } moves[] = {
    { GDK_KEY_Left, -1, 0 }, { GDK_KEY_KP_Left, -1, 0 }, { GDK_KEY_Right, 1, 0 }, { GDK_KEY_KP_Right, 1, 0 },
    { GDK_KEY_Up, 0, -1 }, { GDK_KEY_KP_Up, 0, -1 }, { GDK_KEY_Down, 0, 1 }, { GDK_KEY_KP_Down, 0, 1 },
    { GDK_KEY_Home, -1000, 0 }, { GDK_KEY_End, 1000, 0 },
  };
  static const guint activate[] = { GDK_KEY_Return, GDK_KEY_KP_Enter, GDK_KEY_ISO_Enter, GDK_KEY_space };

  for (gsize i = 0; i < G_N_ELEMENTS (moves); i++)
    gtk_widget_class_add_binding (widget_class, moves[i].key, 0, move_cursor, "(ii)", moves[i].dx, moves[i].dy);
  for (gsize i = 0; i < G_N_ELEMENTS (activate); i++)
    gtk_widget_class_add_binding (widget_class, activate[i], 0, activate_cursor, NULL);
}

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, gpointer data)
{
  DlabConfusionView *self = data;
  int t = -1, p = -1;

  (void) motion;
  if (!dlab_confusion_view_cell_at (self, x, y, &t, &p))
    t = p = -1;
  if (t == self->hover_true && p == self->hover_pred)
    return;
  self->hover_true = t;
  self->hover_pred = p;
  update_tooltip (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion, gpointer data)
{
  DlabConfusionView *self = data;

  (void) motion;
  self->hover_true = self->hover_pred = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_click (GtkGestureClick *click, int n_press, double x, double y, gpointer data)
{
  DlabConfusionView *self = data;
  int t, p;

  (void) click;
  (void) n_press;
  if (dlab_confusion_view_cell_at (self, x, y, &t, &p))
    {
      set_cursor (self, t, p);
      dlab_confusion_view_select (self, t, p);
    }
}

void
dlab_confusion_view_select (DlabConfusionView *self, int true_class, int predicted)
{
  g_return_if_fail (DLAB_IS_CONFUSION_VIEW (self));

  if (true_class < 0 || predicted < 0 || true_class >= self->k || predicted >= self->k)
    true_class = predicted = -1;
  self->sel_true = true_class;
  self->sel_pred = predicted;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (true_class >= 0)
    g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, true_class, predicted);
}

gboolean
dlab_confusion_view_get_selected (DlabConfusionView *self, int *true_class, int *predicted)
{
  *true_class = self->sel_true;
  *predicted = self->sel_pred;
  return self->sel_true >= 0;
}

/* The widest class name sets the room kept for the names, measured in
 * the widget's font: digits need little, "T-shirt/top" is written out
 * (see label_space for the longest). */
static void
measure_names (DlabConfusionView *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  int w, h;

  self->name_width = 0;
  for (int i = 0; i < self->k; i++)
    {
      pango_layout_set_text (layout, self->names[i], -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      self->name_width = MAX (self->name_width, w);
    }
  self->label_space = self->name_width + 12;
  g_object_unref (layout);
}

void
dlab_confusion_view_set_matrix (DlabConfusionView *self, const int *matrix, int k,
                                const char *const *class_names)
{
  g_return_if_fail (DLAB_IS_CONFUSION_VIEW (self));

  g_clear_pointer (&self->matrix, g_free);
  g_clear_pointer (&self->row_sums, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  self->k = matrix ? k : 0;
  self->sel_true = self->sel_pred = self->hover_true = self->hover_pred = -1;
  self->cur_true = self->cur_pred = self->k ? 0 : -1;
  if (self->k)
    {
      self->matrix = g_memdup2 (matrix, sizeof (int) * k * k);
      self->row_sums = g_new0 (int, k);
      self->names = g_new0 (char *, k + 1);
      for (int t = 0; t < k; t++)
        {
          for (int p = 0; p < k; p++)
            self->row_sums[t] += matrix[t * k + p];
          self->names[t] = class_names && class_names[t] ? g_strdup (class_names[t]) : g_strdup_printf ("%d", t);
        }
    }
  measure_names (self);
  if (self->k)
    set_cursor (self, 0, 0);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
dlab_confusion_view_get_n_classes (DlabConfusionView *self)
{
  return self->k;
}

int
dlab_confusion_view_get_count (DlabConfusionView *self, int true_class, int predicted)
{
  g_return_val_if_fail (true_class >= 0 && predicted >= 0 && true_class < self->k && predicted < self->k, 0);
  return self->matrix[true_class * self->k + predicted];
}

static void
dlab_confusion_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                             int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlabConfusionView *self = DLAB_CONFUSION_VIEW (widget);

  (void) orientation;
  (void) for_size;
  *minimum = (int) (MIN (self->label_space, 64) + title_space (self) + 8 * MAX (self->k, 2));
  *natural = (int) (self->label_space + title_space (self) + 34 * MAX (self->k, 2));
  *minimum_baseline = *natural_baseline = -1;
}

/* Larger text: the names take more room. */
static void
dlab_confusion_view_system_setting_changed (GtkWidget *widget, GtkSystemSetting setting)
{
  GTK_WIDGET_CLASS (dlab_confusion_view_parent_class)->system_setting_changed (widget, setting);
  if (setting == GTK_SYSTEM_SETTING_DPI || setting == GTK_SYSTEM_SETTING_FONT_NAME)
    {
      measure_names (DLAB_CONFUSION_VIEW (widget));
      gtk_widget_queue_resize (widget);
    }
}

static void
dlab_confusion_view_finalize (GObject *object)
{
  DlabConfusionView *self = DLAB_CONFUSION_VIEW (object);

  g_free (self->matrix);
  g_free (self->row_sums);
  g_strfreev (self->names);
  G_OBJECT_CLASS (dlab_confusion_view_parent_class)->finalize (object);
}

static void
dlab_confusion_view_class_init (DlabConfusionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = dlab_confusion_view_finalize;
  widget_class->snapshot = dlab_confusion_view_snapshot;
  widget_class->measure = dlab_confusion_view_measure;
  widget_class->system_setting_changed = dlab_confusion_view_system_setting_changed;
  add_key_bindings (widget_class);
  gtk_widget_class_set_css_name (widget_class, "confusion-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  signals[SIGNAL_CELL_ACTIVATED] = g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
dlab_confusion_view_init (DlabConfusionView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new (), *focus;
  GtkGesture *click = gtk_gesture_click_new ();

  self->sel_true = self->sel_pred = self->hover_true = self->hover_pred = -1;
  self->cur_true = self->cur_pred = -1;
  self->label_space = 64;
  /* One Tab stop; the arrow keys move between the cells. */
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self);
  gtk_widget_add_controller (GTK_WIDGET (self), focus);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Confusion matrix"), -1);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "released", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
dlab_confusion_view_new (void)
{
  return g_object_new (DLAB_TYPE_CONFUSION_VIEW, NULL);
}
