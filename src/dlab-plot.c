/* DlabPlot: see dlab-plot.h. Everything is drawn by one Cairo function,
 * so the window, the PNG and the SVG show the same picture. */
#include "dlab-plot.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-export.h"

/* One bucket of consecutive steps of the loss curve. */
typedef struct {
  double x0, x1;          /* first and last step's x */
  double min, max;        /* raw loss */
  double sum, sum_smooth; /* for the means */
  int count;
} Bucket;

enum { TRAIN_LOSS, VAL_LOSS, TEST_LOSS, TRAIN_ACC, VAL_ACC, TEST_ACC, N_EPOCH_VALUES };

typedef struct {
  int epoch;
  double v[N_EPOCH_VALUES];
} EpochRow;

struct _DlabPlot {
  GtkWidget parent_instance;

  Bucket buckets[DLAB_PLOT_MAX_BUCKETS];
  int n_buckets;
  int bucket_size;        /* steps per full bucket, a power of two */
  guint n_steps;
  double last_x;
  double smoothing;       /* EMA weight */
  double ema, weight_pow; /* TensorBoard's debiased EMA */
  double last_smoothed;

  GArray *epochs;         /* EpochRow, one per epoch: a few dozen bytes */
  int x_epochs;

  gboolean hovering;
  double hover_x, hover_y;

  char *title;            /* drawn above exported charts; names their files */

  gint64 last_drawn;      /* monotonic µs of the last snapshot */
  guint redraw_id;        /* a deferred redraw for new data */
};

/* New points are drawn at most this often: a training run delivers them
 * every frame, and curves redrawn 30 times a second look just as live
 * for half the work. The pointer's read-out is drawn at once. */
#define DATA_REDRAW_US 33000

G_DEFINE_FINAL_TYPE (DlabPlot, dlab_plot, GTK_TYPE_WIDGET)

/* ---- colours -------------------------------------------------------------- */

typedef struct {
  double r, g, b;
} Rgb;

/* GNOME's palette: blue, orange, green; the raw steps a light blue. */
static const Rgb train_rgb = { 0.21, 0.52, 0.89 };
static const Rgb val_rgb = { 0.90, 0.38, 0.00 };
static const Rgb test_rgb = { 0.15, 0.64, 0.41 };

typedef struct {
  Rgb fg;             /* text and axes */
  Rgb bg;             /* behind the legend when it sits inside a panel */
  gboolean export;    /* paper: black on white */
  PangoLayout *text;  /* one layout for every label of a drawing */
  PangoLayout *title; /* the exported chart's title */
} Style;

static void
set_rgb (cairo_t *cr, Rgb c, double alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}

/* ---- data ----------------------------------------------------------------- */

static gboolean
redraw_now (gpointer data)
{
  DlabPlot *self = data;

  self->redraw_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* The data changed: a redraw now, or when DATA_REDRAW_US have passed
 * since the last one. */
static void
data_changed (DlabPlot *self)
{
  gint64 wait = self->last_drawn + DATA_REDRAW_US - g_get_monotonic_time ();

  if (self->redraw_id)
    return;
  if (wait <= 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  else
    self->redraw_id = g_timeout_add ((guint) (wait / 1000) + 1, redraw_now, self);
}

void
dlab_plot_reset (DlabPlot *self, int epochs)
{
  g_return_if_fail (DLAB_IS_PLOT (self));

  self->n_buckets = 0;
  self->bucket_size = 1;
  self->n_steps = 0;
  self->last_x = 0;
  self->ema = 0;
  self->weight_pow = 1;
  self->last_smoothed = NAN;
  g_array_set_size (self->epochs, 0);
  self->x_epochs = MAX (1, epochs);
  data_changed (self);
}

void
dlab_plot_set_epochs (DlabPlot *self, int epochs)
{
  self->x_epochs = MAX (1, epochs);
  data_changed (self);
}

void
dlab_plot_truncate (DlabPlot *self, double x)
{
  g_return_if_fail (DLAB_IS_PLOT (self));

  /* A bucket reaching past x goes whole: no step after x may stay. */
  while (self->n_buckets > 0 && self->buckets[self->n_buckets - 1].x1 > x + 1e-9)
    self->n_steps -= (guint) self->buckets[--self->n_buckets].count;
  while (self->epochs->len > 0 && g_array_index (self->epochs, EpochRow, self->epochs->len - 1).epoch > x)
    g_array_set_size (self->epochs, self->epochs->len - 1);
  self->last_x = self->n_buckets ? MAX (x, self->buckets[self->n_buckets - 1].x1) : x;
  data_changed (self);
}

/* Halves the bucket count by merging neighbours: the curve keeps its shape
 * at half the detail, and memory stays where it was. */
static void
merge_buckets (DlabPlot *self)
{
  int n = 0;

  for (int i = 0; i + 1 < self->n_buckets; i += 2)
    {
      Bucket *a = &self->buckets[i], *b = &self->buckets[i + 1];
      Bucket m = { a->x0, b->x1, MIN (a->min, b->min), MAX (a->max, b->max),
                   a->sum + b->sum, a->sum_smooth + b->sum_smooth, a->count + b->count };
      self->buckets[n++] = m;
    }
  if (self->n_buckets % 2)
    self->buckets[n++] = self->buckets[self->n_buckets - 1];
  self->n_buckets = n;
  self->bucket_size *= 2;
}

void
dlab_plot_add_step (DlabPlot *self, double x, double loss)
{
  Bucket *b;
  double w = self->smoothing;

  g_return_if_fail (DLAB_IS_PLOT (self));
  if (!isfinite (loss))
    return;

  self->ema = w * self->ema + (1 - w) * loss;
  self->weight_pow *= w;
  self->last_smoothed = w > 0 ? self->ema / (1 - self->weight_pow) : loss;

  b = self->n_buckets ? &self->buckets[self->n_buckets - 1] : NULL;
  if (!b || b->count >= self->bucket_size)
    {
      if (self->n_buckets == DLAB_PLOT_MAX_BUCKETS)
        merge_buckets (self);
      b = &self->buckets[self->n_buckets++];
      *b = (Bucket) { x, x, loss, loss, 0, 0, 0 };
    }
  b->x1 = x;
  b->min = MIN (b->min, loss);
  b->max = MAX (b->max, loss);
  b->sum += loss;
  b->sum_smooth += self->last_smoothed;
  b->count++;
  self->n_steps++;
  self->last_x = MAX (self->last_x, x);
  data_changed (self);
}

void
dlab_plot_add_epoch (DlabPlot *self, int epoch, double train_loss, double train_accuracy,
                     double val_loss, double val_accuracy, double test_loss, double test_accuracy)
{
  EpochRow row = { epoch, { train_loss, val_loss, test_loss, train_accuracy, val_accuracy, test_accuracy } };

  g_return_if_fail (DLAB_IS_PLOT (self));
  g_array_append_val (self->epochs, row);
  self->last_x = MAX (self->last_x, epoch);
  data_changed (self);
}

guint
dlab_plot_get_n_steps (DlabPlot *self)
{
  return self->n_steps;
}

guint
dlab_plot_get_n_epochs (DlabPlot *self)
{
  return self->epochs->len;
}

guint
dlab_plot_get_n_buckets (DlabPlot *self)
{
  return (guint) self->n_buckets;
}

double
dlab_plot_get_last_smoothed (DlabPlot *self)
{
  return self->last_smoothed;
}

void
dlab_plot_set_smoothing (DlabPlot *self, double weight)
{
  self->smoothing = CLAMP (weight, 0.0, 0.999);
}

/* ---- geometry --------------------------------------------------------------- */

typedef struct {
  double x, y, w, h;          /* the plotting area */
  double x_min, x_max, y_min, y_max;
  double x_step, y_step;
  gboolean percent;
} Panel;

static double
px (const Panel *p, double x)
{
  return p->x + (x - p->x_min) / (p->x_max - p->x_min) * p->w;
}

static double
py (const Panel *p, double y)
{
  return p->y + p->h - (y - p->y_min) / (p->y_max - p->y_min) * p->h;
}

/* 1, 2 or 5 times a power of ten, giving about `target` intervals. */
static double
nice_step (double span, int target)
{
  double raw = span / MAX (1, target), mag, f;

  if (!(raw > 0))
    return 1;
  mag = pow (10, floor (log10 (raw)));
  f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static double
epoch_value (const EpochRow *row, int k)
{
  return row->v[k];
}

static double
x_extent (DlabPlot *self)
{
  return MAX ((double) self->x_epochs, ceil (self->last_x));
}

/* Ticks: about `target` intervals (fewer where labels would collide). */
static void
x_axis (DlabPlot *self, Panel *p, int target)
{
  p->x_min = 0;
  p->x_max = x_extent (self);
  p->x_step = MAX (1, nice_step (p->x_max, target));
}

static void
loss_range (DlabPlot *self, Panel *p, int target)
{
  double top = 0;

  for (int i = 0; i < self->n_buckets; i++)
    top = MAX (top, self->buckets[i].max);
  for (guint i = 0; i < self->epochs->len; i++)
    for (int k = TRAIN_LOSS; k <= TEST_LOSS; k++)
      {
        double v = epoch_value (&g_array_index (self->epochs, EpochRow, i), k);
        if (isfinite (v))
          top = MAX (top, v);
      }
  if (!(top > 0))
    top = 2.5;
  p->y_step = nice_step (top, target);
  p->y_min = 0;
  p->y_max = ceil (top / p->y_step - 1e-9) * p->y_step;
  p->percent = FALSE;
}

/* Accuracy runs up to 100 %; the bottom follows the lowest value, so the
 * last few tenths of a percent stay visible. */
static void
accuracy_range (DlabPlot *self, Panel *p, int target)
{
  double low = 1;

  for (guint i = 0; i < self->epochs->len; i++)
    for (int k = TRAIN_ACC; k <= TEST_ACC; k++)
      {
        double v = epoch_value (&g_array_index (self->epochs, EpochRow, i), k);
        if (isfinite (v))
          low = MIN (low, v);
      }
  if (self->epochs->len == 0)
    low = 0;
  p->y_step = nice_step (MAX (1 - low, 0.02), target);
  p->y_min = MAX (0, floor ((low - p->y_step * 0.3) / p->y_step) * p->y_step);
  p->y_max = 1;
  p->percent = TRUE;
}

/* ---- drawing ------------------------------------------------------------------ */

/* Puts text in the drawing's layout; its size in pixels. */
static PangoLayout *
text_layout (const Style *st, const char *text, int *w, int *h)
{
  pango_layout_set_text (st->text, text, -1);
  pango_layout_get_pixel_size (st->text, w, h);
  return st->text;
}

/* Draws text with its anchor at (x, y): ax, ay are 0 (left/top), 0.5 or 1. */
static void
draw_text (cairo_t *cr, const Style *st, const char *text, double x, double y, double ax, double ay)
{
  int w, h;
  PangoLayout *layout = text_layout (st, text, &w, &h);

  cairo_move_to (cr, x - ax * w, y - ay * h);
  pango_cairo_show_layout (cr, layout);
}

static char *
tick_label (const Panel *p, double v, gboolean y_axis)
{
  if (!y_axis)
    return g_strdup_printf ("%g", v);
  if (p->percent)
    return g_strdup_printf (p->y_step < 0.01 ? "%.1f%%" : "%.0f%%", v * 100);
  return g_strdup_printf ("%g", round (v / p->y_step) * p->y_step);
}

/* ---- where the panels go -------------------------------------------------------- */

static int
text_width (PangoLayout *layout, const char *text)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  return w;
}

static int
line_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_set_text (layout, "0123456789%", -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  return h;
}

/* The widest label of an axis. */
static int
tick_labels_width (const Panel *p, PangoLayout *layout, gboolean y_axis)
{
  double lo = y_axis ? p->y_min : p->x_min, hi = y_axis ? p->y_max : p->x_max;
  double step = y_axis ? p->y_step : p->x_step;
  int widest = 0;

  for (double v = lo; v <= hi + step * 1e-6; v += step)
    {
      g_autofree char *label = tick_label (p, v, y_axis);
      widest = MAX (widest, text_width (layout, label));
    }
  return widest;
}

static void
set_ranges (DlabPlot *self, Panel *p, gboolean loss, int x_target, int y_target)
{
  x_axis (self, p, x_target);
  if (loss)
    loss_range (self, p, y_target);
  else
    accuracy_range (self, p, y_target);
}

/* One panel in the box (x, y, w, h), its margins measured in `layout`'s
 * font: the y labels' width on the left, a line for the title above, two
 * (tick labels, axis title) below. Large text takes room from the curves
 * and thins the ticks out; it is never cut. */
static void
place_panel (DlabPlot *self, PangoLayout *layout, Panel *p, gboolean loss, double x, double y, double w, double h)
{
  int line = line_height (layout);
  double top = line + 10, bottom = 2 * line + 14, right, left;

  for (int pass = 0; pass < 2; pass++)
    {
      int x_label, y_target, x_target;
      /* First with the usual tick counts, then with as many as fit. */
      if (pass == 0)
        set_ranges (self, p, loss, 8, 5);
      left = tick_labels_width (p, layout, TRUE) + 10;
      x_label = tick_labels_width (p, layout, FALSE);
      right = MAX (14, x_label / 2 + 4);
      p->x = x + left;
      p->y = y + top;
      p->w = MAX (1, w - left - right);
      p->h = MAX (1, h - top - bottom);
      y_target = (int) CLAMP (p->h / (2.2 * line), 2, 5);
      x_target = (int) CLAMP (p->w / (x_label + 16.0), 2, 8);
      set_ranges (self, p, loss, x_target, y_target);
    }
  /* The final labels may be wider than the first pass's. */
  left = tick_labels_width (p, layout, TRUE) + 10;
  p->w = MAX (1, x + w - right - (x + left));
  p->x = x + left;
}

/* Loss above accuracy, or side by side when the widget is wide; `head`
 * pixels at the top are kept for a title. */
static void
layout_panels (DlabPlot *self, PangoLayout *layout, double width, double height, double head, Panel *loss,
               Panel *acc)
{
  double h = height - head;
  gboolean wide = width > 1.9 * h;

  *loss = (Panel) { 0 };
  *acc = (Panel) { 0 };
  if (wide)
    {
      place_panel (self, layout, loss, TRUE, 0, head, width / 2, h);
      place_panel (self, layout, acc, FALSE, width / 2, head, width / 2, h);
    }
  else
    {
      place_panel (self, layout, loss, TRUE, 0, head, width, h / 2);
      place_panel (self, layout, acc, FALSE, 0, head + h / 2, width, h / 2);
    }
}

static void
draw_axes (cairo_t *cr, const Panel *p, const Style *st, const char *title, const char *x_title)
{
  cairo_set_line_width (cr, 1);
  /* Grid and y ticks. */
  for (double v = p->y_min; v <= p->y_max + p->y_step * 1e-6; v += p->y_step)
    {
      g_autofree char *label = tick_label (p, v, TRUE);
      double y = round (py (p, v)) + 0.5;
      set_rgb (cr, st->fg, 0.12);
      cairo_move_to (cr, p->x, y);
      cairo_line_to (cr, p->x + p->w, y);
      cairo_stroke (cr);
      set_rgb (cr, st->fg, 0.7);
      draw_text (cr, st, label, p->x - 6, y, 1, 0.5);
    }
  for (double v = p->x_min; v <= p->x_max + 1e-9; v += p->x_step)
    {
      g_autofree char *label = tick_label (p, v, FALSE);
      double x = round (px (p, v)) + 0.5;
      set_rgb (cr, st->fg, 0.08);
      cairo_move_to (cr, x, p->y);
      cairo_line_to (cr, x, p->y + p->h);
      cairo_stroke (cr);
      set_rgb (cr, st->fg, 0.7);
      draw_text (cr, st, label, x, p->y + p->h + 4, 0.5, 0);
    }
  set_rgb (cr, st->fg, 0.45);
  cairo_rectangle (cr, round (p->x) + 0.5, round (p->y) + 0.5, round (p->w), round (p->h));
  cairo_stroke (cr);
  set_rgb (cr, st->fg, 0.9);
  draw_text (cr, st, title, p->x, p->y - 6, 0, 1);
  set_rgb (cr, st->fg, 0.6);
  draw_text (cr, st, x_title, p->x + p->w, p->y + p->h + 6 + line_height (st->text), 1, 0);
}

typedef struct {
  const char *label;
  Rgb color;
  double alpha, width;
  gboolean marker;
} LegendItem;

/* A legend entry's stroke and the space before its label; the space
 * between entries. */
#define LEGEND_SWATCH 22.0
#define LEGEND_GAP 14.0

/* One legend entry at (x, y): a stroke of the series' style, then the
 * label. Returns its width. */
static double
draw_legend_item (cairo_t *cr, const Style *st, const LegendItem *item, double x, double y)
{
  int w, h;
  PangoLayout *layout = text_layout (st, item->label, &w, &h);

  set_rgb (cr, st->fg, 0.8);
  cairo_move_to (cr, x + LEGEND_SWATCH, y);
  pango_cairo_show_layout (cr, layout);
  set_rgb (cr, item->color, item->alpha);
  cairo_set_line_width (cr, item->width);
  cairo_move_to (cr, x, y + h / 2.0);
  cairo_line_to (cr, x + 16, y + h / 2.0);
  cairo_stroke (cr);
  if (item->marker)
    {
      cairo_arc (cr, x + 8, y + h / 2.0, 3, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  return LEGEND_SWATCH + w;
}

/* The legend: one row right-aligned above the panel, after its title; in
 * a narrow panel, a box inside the corner where the curves seldom are
 * (top right for the loss, which falls; bottom right for the accuracy,
 * which rises). */
static void
draw_legend (cairo_t *cr, const Panel *p, const Style *st, const char *title, gboolean top,
             const LegendItem *items, int n)
{
  int w, h, title_w, widest = 0, line_h = 0;
  double row = 0, x, y;

  text_layout (st, title, &title_w, &h);
  for (int i = 0; i < n; i++)
    {
      text_layout (st, items[i].label, &w, &h);
      row += (i ? LEGEND_GAP : 0) + LEGEND_SWATCH + w;
      widest = MAX (widest, w);
      line_h = MAX (line_h, h);
    }
  if (title_w + LEGEND_GAP + row <= p->w)
    {
      x = p->x + p->w - row;
      for (int i = 0; i < n; i++)
        x += draw_legend_item (cr, st, &items[i], x, p->y - 6 - line_h) + LEGEND_GAP;
      return;
    }
  w = (int) (LEGEND_SWATCH + widest + 16);
  h = n * line_h + 8;
  x = p->x + p->w - w - 6;
  y = top ? p->y + 6 : p->y + p->h - h - 6;
  cairo_rectangle (cr, x, y, w, h);
  set_rgb (cr, st->bg, 0.88);
  cairo_fill (cr);
  for (int i = 0; i < n; i++)
    draw_legend_item (cr, st, &items[i], x + 8, y + 4 + i * line_h);
}

/* Buckets gathered into columns a couple of pixels wide: all the eye can
 * tell apart, so a frame costs what the width allows, however many steps. */
#define COLUMN_PX 2.0

typedef struct {
  double x, min, max, mean, smooth;
  int count;
} Column;

static long
column_of (const Panel *p, const Bucket *b)
{
  return (long) floor (px (p, (b->x0 + b->x1) / 2) / COLUMN_PX);
}

/* The column starting at bucket *i, which moves past it; FALSE at the end. */
static gboolean
next_column (DlabPlot *self, const Panel *p, int *i, Column *c)
{
  double sum = 0, sum_smooth = 0, sum_x = 0;
  long column;

  if (*i >= self->n_buckets)
    return FALSE;
  column = column_of (p, &self->buckets[*i]);
  c->min = G_MAXDOUBLE;
  c->max = -G_MAXDOUBLE;
  c->count = 0;
  for (; *i < self->n_buckets && column_of (p, &self->buckets[*i]) == column; (*i)++)
    {
      const Bucket *b = &self->buckets[*i];
      c->min = MIN (c->min, b->min);
      c->max = MAX (c->max, b->max);
      sum += b->sum;
      sum_smooth += b->sum_smooth;
      sum_x += (b->x0 + b->x1) / 2 * b->count;
      c->count += b->count;
    }
  c->x = sum_x / c->count;
  c->mean = sum / c->count;
  c->smooth = sum_smooth / c->count;
  return TRUE;
}

/* The faint raw band (min to max of each column, joined through the
 * means) and the smoothed line. */
static void
draw_steps (DlabPlot *self, cairo_t *cr, const Panel *p)
{
  Column c;
  int i;

  if (self->n_buckets == 0)
    return;
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
  set_rgb (cr, train_rgb, 0.28);
  cairo_set_line_width (cr, 1);
  for (i = 0; next_column (self, p, &i, &c);)
    if (c.count > 1 && c.max > c.min)
      {
        cairo_move_to (cr, px (p, c.x), py (p, c.min));
        cairo_line_to (cr, px (p, c.x), py (p, c.max));
      }
  cairo_stroke (cr);
  for (i = 0; next_column (self, p, &i, &c);)
    cairo_line_to (cr, px (p, c.x), py (p, c.mean));
  cairo_stroke (cr);

  set_rgb (cr, train_rgb, 1);
  cairo_set_line_width (cr, 2);
  for (i = 0; next_column (self, p, &i, &c);)
    cairo_line_to (cr, px (p, c.x), py (p, c.smooth));
  cairo_stroke (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
}

/* One per-epoch series: a line through dots. */
static void
draw_epoch_series (DlabPlot *self, cairo_t *cr, const Panel *p, int k, Rgb color, gboolean dashed)
{
  static const double dash[] = { 5, 3 };

  set_rgb (cr, color, 1);
  cairo_set_line_width (cr, 2);
  cairo_set_dash (cr, dash, dashed ? 2 : 0, 0);
  cairo_new_path (cr);
  for (guint i = 0; i < self->epochs->len; i++)
    {
      const EpochRow *row = &g_array_index (self->epochs, EpochRow, i);
      double v = epoch_value (row, k);
      if (isfinite (v))
        cairo_line_to (cr, px (p, row->epoch), py (p, v));
    }
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  for (guint i = 0; i < self->epochs->len; i++)
    {
      const EpochRow *row = &g_array_index (self->epochs, EpochRow, i);
      double v = epoch_value (row, k);
      if (!isfinite (v))
        continue;
      cairo_arc (cr, px (p, row->epoch), py (p, v), 3.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
}

static gboolean
has_series (DlabPlot *self, int k)
{
  for (guint i = 0; i < self->epochs->len; i++)
    if (isfinite (epoch_value (&g_array_index (self->epochs, EpochRow, i), k)))
      return TRUE;
  return FALSE;
}

static int
legend_items (DlabPlot *self, gboolean loss, LegendItem *items)
{
  int n = 0;
  int base = loss ? TRAIN_LOSS : TRAIN_ACC;

  if (loss)
    {
      items[n++] = (LegendItem) { _("step"), train_rgb, 0.35, 1, FALSE };
      items[n++] = (LegendItem) { _("smoothed"), train_rgb, 1, 2, FALSE };
    }
  if (loss ? has_series (self, TRAIN_LOSS) : TRUE)
    items[n++] = (LegendItem) { loss ? _("train (epoch)") : _("train"), train_rgb, 1, 2, TRUE };
  if (has_series (self, base + 1))
    items[n++] = (LegendItem) { _("validation"), val_rgb, 1, 2, TRUE };
  if (has_series (self, base + 2) || !loss)
    items[n++] = (LegendItem) { _("test"), test_rgb, 1, 2, TRUE };
  return n;
}

static void
draw_panel (DlabPlot *self, cairo_t *cr, Panel *p, gboolean loss, const Style *st)
{
  LegendItem items[5];
  int n;
  const char *title = loss ? _("Loss") : _("Accuracy");

  draw_axes (cr, p, st, title, _("epoch"));

  /* Clipped to the frame, with room for the dots on its edges (the last
   * epoch, 100 %). */
  cairo_save (cr);
  cairo_rectangle (cr, p->x - 5, p->y - 5, p->w + 10, p->h + 10);
  cairo_clip (cr);
  if (loss)
    {
      draw_steps (self, cr, p);
      draw_epoch_series (self, cr, p, TRAIN_LOSS, train_rgb, TRUE);
      draw_epoch_series (self, cr, p, VAL_LOSS, val_rgb, FALSE);
      draw_epoch_series (self, cr, p, TEST_LOSS, test_rgb, FALSE);
    }
  else
    {
      draw_epoch_series (self, cr, p, TRAIN_ACC, train_rgb, FALSE);
      draw_epoch_series (self, cr, p, VAL_ACC, val_rgb, FALSE);
      draw_epoch_series (self, cr, p, TEST_ACC, test_rgb, FALSE);
    }
  cairo_restore (cr);
  n = legend_items (self, loss, items);
  draw_legend (cr, p, st, title, loss, items, n);
}

/* ---- the read-out ---------------------------------------------------------------- */

static const Bucket *
bucket_near (DlabPlot *self, double x)
{
  const Bucket *best = NULL;
  double best_d = G_MAXDOUBLE;

  for (int i = 0; i < self->n_buckets; i++)
    {
      double d = fabs ((self->buckets[i].x0 + self->buckets[i].x1) / 2 - x);
      if (d < best_d)
        {
          best_d = d;
          best = &self->buckets[i];
        }
    }
  return best;
}

static const EpochRow *
epoch_near (DlabPlot *self, double x)
{
  const EpochRow *best = NULL;
  double best_d = G_MAXDOUBLE;

  for (guint i = 0; i < self->epochs->len; i++)
    {
      const EpochRow *row = &g_array_index (self->epochs, EpochRow, i);
      double d = fabs (row->epoch - x);
      if (d < best_d)
        {
          best_d = d;
          best = row;
        }
    }
  return best;
}

static void
append_value (GString *s, const char *name, double v, gboolean percent)
{
  if (!isfinite (v))
    return;
  if (percent)
    g_string_append_printf (s, "\n%s %.2f%%", name, v * 100);
  else
    g_string_append_printf (s, "\n%s %.4f", name, v);
}

/* The text for the data nearest to pointer x in panel p, and that data's
 * x for the guide line. */
static char *
readout_for (DlabPlot *self, const Panel *p, gboolean loss, double pointer_x, double *guide_x)
{
  double x = p->x_min + (pointer_x - p->x) / p->w * (p->x_max - p->x_min);
  const EpochRow *row = epoch_near (self, x);
  const Bucket *b = loss ? bucket_near (self, x) : NULL;
  GString *s;

  /* Steps unless an epoch's values are closer (within a bucket's width). */
  if (b && (!row || fabs ((b->x0 + b->x1) / 2 - x) < fabs (row->epoch - x) - 0.02))
    {
      *guide_x = (b->x0 + b->x1) / 2;
      s = g_string_new (NULL);
      if (b->count == 1)
        g_string_append_printf (s, _("epoch %.2f\nloss %.4f\nsmoothed %.4f"), b->x0, b->sum,
                                b->sum_smooth);
      else
        g_string_append_printf (s,
                                ngettext ("epochs %.2f–%.2f (%d step)\nloss %.4f (%.4f–%.4f)\nsmoothed %.4f",
                                          "epochs %.2f–%.2f (%d steps)\nloss %.4f (%.4f–%.4f)\nsmoothed %.4f",
                                          b->count),
                                b->x0, b->x1, b->count, b->sum / b->count, b->min, b->max,
                                b->sum_smooth / b->count);
      return g_string_free (s, FALSE);
    }
  if (!row)
    return NULL;
  *guide_x = row->epoch;
  s = g_string_new (NULL);
  g_string_append_printf (s, _("epoch %d"), row->epoch);
  append_value (s, _("train"), row->v[loss ? TRAIN_LOSS : TRAIN_ACC], !loss);
  append_value (s, _("validation"), row->v[loss ? VAL_LOSS : VAL_ACC], !loss);
  append_value (s, _("test"), row->v[loss ? TEST_LOSS : TEST_ACC], !loss);
  return g_string_free (s, FALSE);
}

static gboolean
inside (const Panel *p, double x, double y)
{
  return x >= p->x && x <= p->x + p->w && y >= p->y && y <= p->y + p->h;
}

/* Which panel (x, y) is over, with its axes set up, as the widget draws
 * them (in its own font). */
static int
panel_at (DlabPlot *self, double width, double height, double x, double y, Panel *out)
{
  Panel loss, acc;
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  layout_panels (self, layout, width, height, 0, &loss, &acc);
  g_object_unref (layout);
  if (inside (&loss, x, y))
    {
      *out = loss;
      return 1;
    }
  if (inside (&acc, x, y))
    {
      *out = acc;
      return 2;
    }
  return 0;
}

gboolean
dlab_plot_get_panel (DlabPlot *self, gboolean loss, graphene_rect_t *area)
{
  Panel p[2];
  PangoLayout *layout;
  double width = gtk_widget_get_width (GTK_WIDGET (self)), height = gtk_widget_get_height (GTK_WIDGET (self));

  g_return_val_if_fail (DLAB_IS_PLOT (self), FALSE);
  if (width < 120 || height < 120)
    return FALSE;
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  layout_panels (self, layout, width, height, 0, &p[0], &p[1]);
  g_object_unref (layout);
  graphene_rect_init (area, p[!loss].x, p[!loss].y, p[!loss].w, p[!loss].h);
  return TRUE;
}

char *
dlab_plot_readout_at (DlabPlot *self, double x, double y)
{
  Panel p;
  double guide;
  int which = panel_at (self, gtk_widget_get_width (GTK_WIDGET (self)),
                        gtk_widget_get_height (GTK_WIDGET (self)), x, y, &p);

  return which ? readout_for (self, &p, which == 1, x, &guide) : NULL;
}

static void
draw_readout (DlabPlot *self, cairo_t *cr, double width, double height, const Style *st)
{
  Panel p;
  double guide, gx, bx, by;
  int which = panel_at (self, width, height, self->hover_x, self->hover_y, &p), w, h;
  g_autofree char *text = which ? readout_for (self, &p, which == 1, self->hover_x, &guide) : NULL;

  if (!text)
    return;
  gx = round (px (&p, guide)) + 0.5;
  set_rgb (cr, st->fg, 0.5);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, gx, p.y);
  cairo_line_to (cr, gx, p.y + p.h);
  cairo_stroke (cr);

  PangoLayout *layout = text_layout (st, text, &w, &h);
  bx = gx + 8 + w + 12 > p.x + p.w ? gx - 8 - w - 12 : gx + 8;
  by = p.y + 8;
  cairo_rectangle (cr, bx, by, w + 12, h + 8);
  cairo_set_source_rgba (cr, 0.12, 0.12, 0.14, 0.88);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, bx + 6, by + 4);
  pango_cairo_show_layout (cr, layout);
}

/* The exported chart's title: the run, bold, centred; its height. */
static double
draw_title (DlabPlot *self, cairo_t *cr, double width, const Style *st)
{
  PangoFontDescription *font;
  int w, h;

  if (!st->export || !self->title || !*self->title)
    return 0;
  font = pango_font_description_copy (pango_layout_get_font_description (st->text));
  pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_font_description_set_size (font, pango_font_description_get_size (font) * 5 / 4);
  pango_layout_set_font_description (st->title, font);
  pango_font_description_free (font);
  pango_layout_set_width (st->title, (int) ((width - 24) * PANGO_SCALE));
  pango_layout_set_ellipsize (st->title, PANGO_ELLIPSIZE_MIDDLE);
  pango_layout_set_text (st->title, self->title, -1);
  pango_layout_get_pixel_size (st->title, &w, &h);
  set_rgb (cr, st->fg, 1);
  cairo_move_to (cr, (width - w) / 2, 10);
  pango_cairo_show_layout (cr, st->title);
  return h + 16;
}

static void
render (DlabPlot *self, cairo_t *cr, double width, double height, const Style *st)
{
  Panel loss, acc;
  double head;

  if (width < 120 || height < 120)
    return;
  head = draw_title (self, cr, width, st);
  layout_panels (self, st->text, width, height, head, &loss, &acc);
  draw_panel (self, cr, &loss, TRUE, st);
  draw_panel (self, cr, &acc, FALSE, st);
  if (self->n_steps == 0 && self->epochs->len == 0)
    {
      /* Wrapped to the panel: a narrow window or large text. */
      double room = MAX (loss.w - 16, 40);
      int w, h;

      set_rgb (cr, st->fg, 0.55);
      pango_layout_set_width (st->text, (int) (room * PANGO_SCALE));
      pango_layout_set_alignment (st->text, PANGO_ALIGN_CENTER);
      text_layout (st, _("Press Train to see the loss and accuracy curves grow"), &w, &h);
      cairo_move_to (cr, loss.x + (loss.w - room) / 2, loss.y + (loss.h - h) / 2);
      pango_cairo_show_layout (cr, st->text);
      pango_layout_set_width (st->text, -1);
      pango_layout_set_alignment (st->text, PANGO_ALIGN_LEFT);
    }
}

/* A drawing's style: its colours and text layouts (free with style_clear).
 * On screen the text is the widget's, at the screen's resolution, so it
 * grows with GNOME's text scaling; exports use the widget's font at
 * 96 dpi, the same on every screen. */
static Style
style_new (DlabPlot *self, cairo_t *cr, Rgb fg, gboolean export)
{
  const PangoFontDescription *font =
    pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  gboolean dark_text = 0.3 * fg.r + 0.6 * fg.g + 0.1 * fg.b < 0.5;
  Style st = { fg, dark_text ? (Rgb) { 1, 1, 1 } : (Rgb) { 0.14, 0.14, 0.15 }, export, NULL, NULL };

  if (export)
    {
      st.text = pango_cairo_create_layout (cr);
      pango_layout_set_font_description (st.text, font);
      st.title = pango_cairo_create_layout (cr);
    }
  else
    {
      st.text = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      st.title = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
    }
  return st;
}

static void
style_clear (Style *st)
{
  g_clear_object (&st->text);
  g_clear_object (&st->title);
}

static void
dlab_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlabPlot *self = DLAB_PLOT (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  Style st;
  cairo_t *cr;

  self->last_drawn = g_get_monotonic_time ();
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  st = style_new (self, cr, (Rgb) { fg.red, fg.green, fg.blue }, FALSE);
  render (self, cr, width, height, &st);
  if (self->hovering)
    draw_readout (self, cr, width, height, &st);
  style_clear (&st);
  cairo_destroy (cr);
}

/* ---- export ------------------------------------------------------------------------ */

/* Black on white, as on paper. */
static void
draw_export (cairo_t *cr, int width, int height, gpointer data)
{
  DlabPlot *self = data;
  Style st = style_new (self, cr, (Rgb) { 0, 0, 0 }, TRUE);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  render (self, cr, width, height, &st);
  style_clear (&st);
}

/* Whole or not at all: dlab-export.h. */
gboolean
dlab_plot_export_png (DlabPlot *self, const char *path, int width, int height, GError **error)
{
  g_return_val_if_fail (DLAB_IS_PLOT (self), FALSE);
  return dlab_export_picture (path, TRUE, width, height, draw_export, self, error);
}

gboolean
dlab_plot_export_svg (DlabPlot *self, const char *path, int width, int height, GError **error)
{
  g_return_val_if_fail (DLAB_IS_PLOT (self), FALSE);
  return dlab_export_picture (path, FALSE, width, height, draw_export, self, error);
}

void
dlab_plot_set_title (DlabPlot *self, const char *title)
{
  g_return_if_fail (DLAB_IS_PLOT (self));
  g_free (self->title);
  self->title = title && *title ? g_strdup (title) : NULL;
}

const char *
dlab_plot_get_title (DlabPlot *self)
{
  g_return_val_if_fail (DLAB_IS_PLOT (self), NULL);
  return self->title;
}

char *
dlab_plot_dup_file_name (DlabPlot *self, const char *extension)
{
  GString *name = g_string_new (NULL);

  g_return_val_if_fail (DLAB_IS_PLOT (self), NULL);
  /* The title as a file name: no slashes, no leading dot, no control
   * characters; spaces kept (they are fine in file names). */
  for (const char *c = self->title ? self->title : ""; *c; c++)
    g_string_append_c (name, *c == '/' || *c == '\\' || (guchar) *c < 0x20 ? '-' : *c);
  while (name->len && (name->str[0] == '.' || name->str[0] == ' '))
    g_string_erase (name, 0, 1);
  g_string_append (name, name->len ? "-curves." : "curves.");
  g_string_append (name, extension && *extension ? extension : "png");
  return g_string_free (name, FALSE);
}

/* ---- the widget -------------------------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *motion, double x, double y, gpointer data)
{
  DlabPlot *self = data;

  (void) motion;
  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *motion, gpointer data)
{
  DlabPlot *self = data;

  (void) motion;
  self->hovering = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dlab_plot_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                   int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) for_size;
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 300 : 260;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 420;
  *minimum_baseline = *natural_baseline = -1;
}

static void
dlab_plot_dispose (GObject *object)
{
  g_clear_handle_id (&DLAB_PLOT (object)->redraw_id, g_source_remove);
  G_OBJECT_CLASS (dlab_plot_parent_class)->dispose (object);
}

static void
dlab_plot_finalize (GObject *object)
{
  g_array_unref (DLAB_PLOT (object)->epochs);
  g_free (DLAB_PLOT (object)->title);
  G_OBJECT_CLASS (dlab_plot_parent_class)->finalize (object);
}

static void
dlab_plot_class_init (DlabPlotClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_plot_dispose;
  G_OBJECT_CLASS (klass)->finalize = dlab_plot_finalize;
  widget_class->snapshot = dlab_plot_snapshot;
  widget_class->measure = dlab_plot_measure;
  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dlab_plot_init (DlabPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->epochs = g_array_sized_new (FALSE, FALSE, sizeof (EpochRow), 64);
  self->smoothing = 0.6;
  dlab_plot_reset (self, 10);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}

GtkWidget *
dlab_plot_new (void)
{
  return g_object_new (DLAB_TYPE_PLOT, NULL);
}
