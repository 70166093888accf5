/* DlabSketchpad: strokes, their history, and how they are painted.
 *
 * History: every stroke drawn is appended to `history`; the drawing on
 * screen is the range [first, last) of it. Adding a stroke moves `last`,
 * clearing moves `first` up to `last` (so undo can bring the strokes back),
 * and undo/redo restore earlier ranges. Each state on the undo stack was an
 * ancestor of the current one, so its `last` is never beyond the current
 * `last`: dropping the strokes after `last` when a new stroke starts keeps
 * every undo state valid (only the redo stack, cleared then, pointed there).
 *
 * Painting: the finished part of each stroke goes into a persistent A8 ink
 * surface at the display's scale factor, piece by piece as points arrive;
 * the draw function only masks it with the text colour and adds the still
 * moving tail of the stroke in progress. The surface is rebuilt only when
 * the size, the scale or the drawing as a whole (undo, clear...) changes. */
#include "dlab-sketchpad.h"

#include <math.h>

typedef struct {
  int first, last;
} PadState;

struct _DlabSketchpad {
  GtkDrawingArea parent_instance;

  DlabStrokes history;       /* canvas pixels */
  int first, last;           /* the strokes on the pad */
  GArray *undo_states;       /* of PadState */
  GArray *redo_states;
  gboolean stroke_active;    /* history stroke last-1 is being drawn */

  DlabStrokes visible;       /* [first, last) copied out for readers */
  gboolean visible_stale;

  float canvas_side;         /* 0 until the first point fixes it */

  cairo_surface_t *ink;      /* alpha only, widget size x scale factor */
  int ink_width, ink_height, ink_scale;

  /* Last values announced, so notify fires only on real changes. */
  gboolean was_empty, could_undo, could_redo;
};

G_DEFINE_FINAL_TYPE (DlabSketchpad, dlab_sketchpad, GTK_TYPE_DRAWING_AREA)

enum {
  PROP_0,
  PROP_EMPTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Pen width in canvas pixels: a share of the canvas, thinner under light
 * pen pressure (a mouse presses with 1). What the network reads does not
 * depend on it: the engine renders the strokes with its own width. */
#define PEN_SHARE 0.055
#define MIN_PRESSURE_SHARE 0.3
/* Points closer than this (widget pixels) to the previous one add nothing. */
#define MIN_POINT_DISTANCE 0.75
/* Canvas side when a point comes before the widget has a size. */
#define FALLBACK_CANVAS_SIDE 400.0f

static double
pen_width (const DlabSketchpad *self, float pressure)
{
  double p = CLAMP (pressure, 0.0f, 1.0f);
  return self->canvas_side * PEN_SHARE * (MIN_PRESSURE_SHARE + (1.0 - MIN_PRESSURE_SHARE) * p);
}

/* ---- geometry ---------------------------------------------------------- */

/* How the square canvas sits in the widget: uniformly scaled, centred. */
static void
canvas_fit (DlabSketchpad *self, double *scale, double *ox, double *oy)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self));
  double h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->canvas_side <= 0 || w < 1 || h < 1)
    {
      *scale = 1;
      *ox = *oy = 0;
      return;
    }
  *scale = MIN (w, h) / self->canvas_side;
  *ox = (w - self->canvas_side * *scale) / 2;
  *oy = (h - self->canvas_side * *scale) / 2;
}

static void
widget_to_canvas (DlabSketchpad *self, double x, double y, float *cx, float *cy)
{
  double scale, ox, oy;

  canvas_fit (self, &scale, &ox, &oy);
  *cx = (float) ((x - ox) / scale);
  *cy = (float) ((y - oy) / scale);
}

static void
fix_canvas (DlabSketchpad *self)
{
  if (self->canvas_side > 0)
    return;
  double side = MIN (gtk_widget_get_width (GTK_WIDGET (self)),
                     gtk_widget_get_height (GTK_WIDGET (self)));
  self->canvas_side = side >= 1 ? (float) side : FALLBACK_CANVAS_SIDE;
  self->history.canvas_w = self->history.canvas_h = self->canvas_side;
}

/* ---- strokes as smooth paths -------------------------------------------- */

static const DlabInkPoint *
stroke_points (const DlabStrokes *s, int stroke, size_t *n)
{
  size_t begin = s->start[stroke];
  size_t end = stroke + 1 < s->n_strokes ? s->start[stroke + 1] : s->n_points;

  *n = end - begin;
  return s->points + begin;
}

/* A quadratic Bézier (as the cubic cairo draws) with its own width. */
static void
stroke_piece (cairo_t *cr, double x0, double y0, double cx, double cy,
              double x1, double y1, double width)
{
  cairo_move_to (cr, x0, y0);
  cairo_curve_to (cr,
                  x0 + 2.0 / 3.0 * (cx - x0), y0 + 2.0 / 3.0 * (cy - y0),
                  x1 + 2.0 / 3.0 * (cx - x1), y1 + 2.0 / 3.0 * (cy - y1),
                  x1, y1);
  cairo_set_line_width (cr, width);
  cairo_stroke (cr);
}

/* The path through points p[0..n) runs from p[0] to the midpoint m[0] of
 * p[0]p[1], then from each m[k-1] to m[k] bending towards p[k], and ends
 * with the tail m[n-2] -> p[n-1]: a curve as smooth as the pen moved, that
 * can be drawn piece by piece as points arrive. Piece k (1 <= k < n) is the
 * one that point k completes. */
static void
draw_piece (DlabSketchpad *self, cairo_t *cr, const DlabInkPoint *p, size_t k)
{
  const DlabInkPoint *a = &p[k - 1], *b = &p[k];
  double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2;

  if (k == 1)
    {
      stroke_piece (cr, a->x, a->y, (a->x + mx) / 2, (a->y + my) / 2, mx, my,
                    pen_width (self, a->pressure));
      return;
    }
  const DlabInkPoint *z = &p[k - 2];
  stroke_piece (cr, (z->x + a->x) / 2, (z->y + a->y) / 2, a->x, a->y, mx, my,
                pen_width (self, a->pressure));
}

static void
draw_tail (DlabSketchpad *self, cairo_t *cr, const DlabInkPoint *p, size_t n)
{
  if (n < 2)
    return;
  const DlabInkPoint *a = &p[n - 2], *b = &p[n - 1];
  double mx = (a->x + b->x) / 2, my = (a->y + b->y) / 2;
  stroke_piece (cr, mx, my, (mx + b->x) / 2, (my + b->y) / 2, b->x, b->y,
                pen_width (self, b->pressure));
}

static void
draw_dot (DlabSketchpad *self, cairo_t *cr, const DlabInkPoint *p)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, p->x, p->y, pen_width (self, p->pressure) / 2, 0, 2 * G_PI);
  cairo_fill (cr);
}

static gboolean
uniform_pressure (const DlabInkPoint *p, size_t n)
{
  for (size_t k = 1; k < n; k++)
    if (p[k].pressure != p[0].pressure)
      return FALSE;
  return TRUE;
}

/* A stroke of one width (a mouse, a finger) as a single path: separately
 * stroked pieces would darken the anti-aliased edges where they overlap. */
static void
draw_uniform_stroke (DlabSketchpad *self, cairo_t *cr, const DlabInkPoint *p, size_t n)
{
  cairo_move_to (cr, p[0].x, p[0].y);
  cairo_line_to (cr, (p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2);
  for (size_t k = 2; k < n; k++)
    {
      const DlabInkPoint *z = &p[k - 2], *a = &p[k - 1], *b = &p[k];
      double x0 = (z->x + a->x) / 2, y0 = (z->y + a->y) / 2;
      double x1 = (a->x + b->x) / 2, y1 = (a->y + b->y) / 2;
      cairo_curve_to (cr,
                      x0 + 2.0 / 3.0 * (a->x - x0), y0 + 2.0 / 3.0 * (a->y - y0),
                      x1 + 2.0 / 3.0 * (a->x - x1), y1 + 2.0 / 3.0 * (a->y - y1),
                      x1, y1);
    }
  cairo_line_to (cr, p[n - 1].x, p[n - 1].y);
  cairo_set_line_width (cr, pen_width (self, p[0].pressure));
  cairo_stroke (cr);
}

static void
draw_stroke (DlabSketchpad *self, cairo_t *cr, int stroke, gboolean with_tail)
{
  size_t n;
  const DlabInkPoint *p = stroke_points (&self->history, stroke, &n);

  if (n == 0)
    return;
  if (n >= 2 && with_tail && uniform_pressure (p, n))
    {
      draw_uniform_stroke (self, cr, p, n);
      return;
    }
  draw_dot (self, cr, p);
  for (size_t k = 1; k < n; k++)
    draw_piece (self, cr, p, k);
  if (with_tail)
    draw_tail (self, cr, p, n);
}

/* A cairo context on the ink surface, in canvas coordinates. */
static cairo_t *
ink_context (DlabSketchpad *self)
{
  double scale, ox, oy;
  cairo_t *cr = cairo_create (self->ink);

  canvas_fit (self, &scale, &ox, &oy);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, scale, scale);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  return cr;
}

static void
render_all (DlabSketchpad *self)
{
  if (!self->ink)
    return;

  cairo_t *cr = ink_context (self);
  cairo_save (cr);
  cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
  cairo_paint (cr);
  cairo_restore (cr);
  for (int i = self->first; i < self->last; i++)
    {
      /* The moving tail of a stroke in progress is painted by draw(). */
      gboolean in_progress = self->stroke_active && i == self->last - 1;
      draw_stroke (self, cr, i, !in_progress);
    }
  cairo_destroy (cr);
}

/* (Re)creates the ink surface when the widget's size or scale changed. */
static void
ensure_ink (DlabSketchpad *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (width < 1 || height < 1)
    return;
  if (self->ink && width == self->ink_width && height == self->ink_height && scale == self->ink_scale)
    return;

  g_clear_pointer (&self->ink, cairo_surface_destroy);
  self->ink = cairo_image_surface_create (CAIRO_FORMAT_A8, width * scale, height * scale);
  cairo_surface_set_device_scale (self->ink, scale, scale);
  self->ink_width = width;
  self->ink_height = height;
  self->ink_scale = scale;
  render_all (self);
}

static void
draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlabSketchpad *self = DLAB_SKETCHPAD (area);
  GdkRGBA ink_color;

  (void) width;
  (void) height;
  (void) data;
  ensure_ink (self);
  if (!self->ink)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &ink_color);
  gdk_cairo_set_source_rgba (cr, &ink_color);
  cairo_mask_surface (cr, self->ink, 0, 0);

  if (self->stroke_active)
    {
      double scale, ox, oy;
      size_t n;
      const DlabInkPoint *p = stroke_points (&self->history, self->last - 1, &n);

      canvas_fit (self, &scale, &ox, &oy);
      cairo_translate (cr, ox, oy);
      cairo_scale (cr, scale, scale);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      draw_tail (self, cr, p, n);
    }
}

/* ---- announcing changes -------------------------------------------------- */

static void
notify_flags (DlabSketchpad *self)
{
  gboolean empty = dlab_sketchpad_is_empty (self);
  gboolean can_undo = dlab_sketchpad_can_undo (self);
  gboolean can_redo = dlab_sketchpad_can_redo (self);

  if (empty != self->was_empty)
    {
      self->was_empty = empty;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
    }
  if (can_undo != self->could_undo)
    {
      self->could_undo = can_undo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
    }
  if (can_redo != self->could_redo)
    {
      self->could_redo = can_redo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
    }
}

/* The drawing changed: readers get a fresh copy, the widget a redraw. */
static void
changed (DlabSketchpad *self)
{
  self->visible_stale = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  notify_flags (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- history ------------------------------------------------------------- */

static void
push_state (GArray *stack, int first, int last)
{
  PadState state = { first, last };
  g_array_append_val (stack, state);
}

static PadState
pop_state (GArray *stack)
{
  PadState state = g_array_index (stack, PadState, stack->len - 1);
  g_array_set_size (stack, stack->len - 1);
  return state;
}

/* A new step: the current range goes on the undo stack, and what could be
 * redone is forgotten with the strokes only it referred to. */
static void
start_step (DlabSketchpad *self)
{
  push_state (self->undo_states, self->first, self->last);
  g_array_set_size (self->redo_states, 0);
  dlab_strokes_truncate (&self->history, self->last);
}

/* ---- drawing ------------------------------------------------------------- */

static void
add_point (DlabSketchpad *self, double x, double y, double pressure)
{
  float cx, cy;
  size_t n;

  widget_to_canvas (self, x, y, &cx, &cy);
  const DlabInkPoint *p = stroke_points (&self->history, self->last - 1, &n);
  if (n > 0)
    {
      double scale, ox, oy;
      canvas_fit (self, &scale, &ox, &oy);
      const DlabInkPoint *prev = &p[n - 1];
      if (hypot (cx - prev->x, cy - prev->y) * scale < MIN_POINT_DISTANCE)
        return;
    }
  if (dlab_strokes_add (&self->history, cx, cy, (float) CLAMP (pressure, 0.0, 1.0)) < 0)
    return;

  p = stroke_points (&self->history, self->last - 1, &n);
  if (self->ink)
    {
      cairo_t *cr = ink_context (self);
      if (n == 1)
        draw_dot (self, cr, p);
      else
        draw_piece (self, cr, p, n - 1);
      cairo_destroy (cr);
    }
  changed (self);
}

void
dlab_sketchpad_begin_stroke (DlabSketchpad *self, double x, double y, double pressure)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  if (self->stroke_active)
    dlab_sketchpad_end_stroke (self);
  fix_canvas (self);
  start_step (self);
  if (dlab_strokes_begin (&self->history) < 0)
    {
      pop_state (self->undo_states);
      return;
    }
  self->last = self->history.n_strokes;
  self->stroke_active = TRUE;
  add_point (self, x, y, pressure);
}

void
dlab_sketchpad_extend_stroke (DlabSketchpad *self, double x, double y, double pressure)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  if (self->stroke_active)
    add_point (self, x, y, pressure);
}

void
dlab_sketchpad_end_stroke (DlabSketchpad *self)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  if (!self->stroke_active)
    return;
  self->stroke_active = FALSE;
  /* Repainted whole: the finished stroke as one clean path. */
  render_all (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
restore (DlabSketchpad *self, PadState state)
{
  self->first = state.first;
  self->last = state.last;
  render_all (self);
  changed (self);
}

void
dlab_sketchpad_undo (DlabSketchpad *self)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  dlab_sketchpad_end_stroke (self);
  if (self->undo_states->len == 0)
    return;
  push_state (self->redo_states, self->first, self->last);
  restore (self, pop_state (self->undo_states));
}

void
dlab_sketchpad_redo (DlabSketchpad *self)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  dlab_sketchpad_end_stroke (self);
  if (self->redo_states->len == 0)
    return;
  push_state (self->undo_states, self->first, self->last);
  restore (self, pop_state (self->redo_states));
}

void
dlab_sketchpad_clear (DlabSketchpad *self)
{
  g_return_if_fail (DLAB_IS_SKETCHPAD (self));

  dlab_sketchpad_end_stroke (self);
  if (dlab_sketchpad_is_empty (self))
    return;
  start_step (self);
  restore (self, (PadState) { self->last, self->last });
}

/* The rectangle of s's coordinates to fit into the canvas: its own canvas,
 * or, for a file without one, the strokes' bounding box with a margin. */
static void
source_rect (const DlabStrokes *s, double *x0, double *y0, double *side)
{
  if (s->canvas_w > 0 && s->canvas_h > 0)
    {
      *side = MAX (s->canvas_w, s->canvas_h);
      *x0 = (s->canvas_w - *side) / 2;
      *y0 = (s->canvas_h - *side) / 2;
      return;
    }
  double lo_x = G_MAXDOUBLE, lo_y = G_MAXDOUBLE, hi_x = -G_MAXDOUBLE, hi_y = -G_MAXDOUBLE;
  for (size_t i = 0; i < s->n_points; i++)
    {
      lo_x = MIN (lo_x, s->points[i].x);
      hi_x = MAX (hi_x, s->points[i].x);
      lo_y = MIN (lo_y, s->points[i].y);
      hi_y = MAX (hi_y, s->points[i].y);
    }
  *side = MAX (MAX (hi_x - lo_x, hi_y - lo_y) * 1.6, 1.0);
  *x0 = (lo_x + hi_x) / 2 - *side / 2;
  *y0 = (lo_y + hi_y) / 2 - *side / 2;
}

void
dlab_sketchpad_set_strokes (DlabSketchpad *self, const DlabStrokes *s)
{
  double x0, y0, side;

  g_return_if_fail (DLAB_IS_SKETCHPAD (self));
  g_return_if_fail (s != NULL);

  if (s->n_points == 0)
    {
      dlab_sketchpad_clear (self);
      return;
    }
  dlab_sketchpad_end_stroke (self);
  source_rect (s, &x0, &y0, &side);
  if (self->canvas_side <= 0)
    {
      self->canvas_side = (float) side;
      self->history.canvas_w = self->history.canvas_h = self->canvas_side;
    }
  double k = self->canvas_side / side;

  start_step (self);
  int first = self->history.n_strokes;
  for (int i = 0; i < s->n_strokes; i++)
    {
      size_t n;
      const DlabInkPoint *p = stroke_points (s, i, &n);
      if (n == 0 || dlab_strokes_begin (&self->history) < 0)
        continue;
      for (size_t j = 0; j < n; j++)
        dlab_strokes_add (&self->history, (float) ((p[j].x - x0) * k),
                          (float) ((p[j].y - y0) * k), p[j].pressure);
    }
  restore (self, (PadState) { first, self->history.n_strokes });
}

const DlabStrokes *
dlab_sketchpad_get_strokes (DlabSketchpad *self)
{
  g_return_val_if_fail (DLAB_IS_SKETCHPAD (self), NULL);

  if (!self->visible_stale)
    return &self->visible;

  dlab_strokes_clear (&self->visible);
  self->visible.canvas_w = self->visible.canvas_h = self->canvas_side;
  for (int i = self->first; i < self->last; i++)
    {
      size_t n;
      const DlabInkPoint *p = stroke_points (&self->history, i, &n);
      if (n == 0 || dlab_strokes_begin (&self->visible) < 0)
        continue;
      for (size_t j = 0; j < n; j++)
        dlab_strokes_add (&self->visible, p[j].x, p[j].y, p[j].pressure);
    }
  self->visible_stale = FALSE;
  return &self->visible;
}

gboolean
dlab_sketchpad_is_empty (DlabSketchpad *self)
{
  return self->first == self->last;
}

gboolean
dlab_sketchpad_can_undo (DlabSketchpad *self)
{
  return self->undo_states->len > 0;
}

gboolean
dlab_sketchpad_can_redo (DlabSketchpad *self)
{
  return self->redo_states->len > 0;
}

/* ---- input --------------------------------------------------------------- */

/* GDK merges the motion events of one frame; their positions come back as
 * the event's history, in surface coordinates. The gesture gives the
 * current point in widget coordinates, so the difference of the two maps
 * the history onto the widget. */
static void
add_event_history (DlabSketchpad *self, GtkGesture *gesture, double x, double y,
                   gboolean with_pressure)
{
  GdkEventSequence *sequence = gtk_gesture_single_get_current_sequence (GTK_GESTURE_SINGLE (gesture));
  GdkEvent *event = gtk_gesture_get_last_event (gesture, sequence);
  double ex, ey;
  guint n = 0;

  if (!event || gdk_event_get_event_type (event) != GDK_MOTION_NOTIFY ||
      !gdk_event_get_position (event, &ex, &ey))
    return;

  GdkTimeCoord *history = gdk_event_get_history (event, &n);
  for (guint i = 0; i < n; i++)
    {
      const GdkTimeCoord *c = &history[i];
      if (!(c->flags & GDK_AXIS_FLAG_X) || !(c->flags & GDK_AXIS_FLAG_Y))
        continue;
      double pressure = with_pressure && (c->flags & GDK_AXIS_FLAG_PRESSURE)
                          ? c->axes[GDK_AXIS_PRESSURE] : 1.0;
      add_point (self, c->axes[GDK_AXIS_X] + (x - ex), c->axes[GDK_AXIS_Y] + (y - ey), pressure);
    }
  g_free (history);
}

/* Pens are the stylus gesture's: a tablet's events also reach the drag
 * gesture, which leaves them alone so that no stroke is drawn twice. */
static gboolean
event_is_from_pen (GtkGesture *gesture)
{
  GdkEventSequence *sequence = gtk_gesture_single_get_current_sequence (GTK_GESTURE_SINGLE (gesture));
  GdkEvent *event = gtk_gesture_get_last_event (gesture, sequence);

  return event && gdk_event_get_device_tool (event) != NULL;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, DlabSketchpad *self)
{
  if (event_is_from_pen (GTK_GESTURE (gesture)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  dlab_sketchpad_begin_stroke (self, x, y, 1.0);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, DlabSketchpad *self)
{
  double x0, y0;

  if (!self->stroke_active || !gtk_gesture_drag_get_start_point (gesture, &x0, &y0))
    return;
  add_event_history (self, GTK_GESTURE (gesture), x0 + dx, y0 + dy, FALSE);
  add_point (self, x0 + dx, y0 + dy, 1.0);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, DlabSketchpad *self)
{
  (void) gesture;
  (void) dx;
  (void) dy;
  dlab_sketchpad_end_stroke (self);
}

static double
stylus_pressure (GtkGestureStylus *gesture)
{
  double pressure;

  if (gtk_gesture_stylus_get_axis (gesture, GDK_AXIS_PRESSURE, &pressure))
    return pressure;
  return 1.0;
}

static gboolean
is_eraser (GtkGestureStylus *gesture)
{
  GdkDeviceTool *tool = gtk_gesture_stylus_get_device_tool (gesture);

  return tool && gdk_device_tool_get_tool_type (tool) == GDK_DEVICE_TOOL_TYPE_ERASER;
}

static void
on_stylus_down (GtkGestureStylus *gesture, double x, double y, DlabSketchpad *self)
{
  /* The eraser end of a pen does not draw. */
  if (is_eraser (gesture))
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  dlab_sketchpad_begin_stroke (self, x, y, stylus_pressure (gesture));
}

static void
on_stylus_motion (GtkGestureStylus *gesture, double x, double y, DlabSketchpad *self)
{
  if (!self->stroke_active)
    return;
  add_event_history (self, GTK_GESTURE (gesture), x, y, TRUE);
  add_point (self, x, y, stylus_pressure (gesture));
}

static void
on_stylus_up (GtkGestureStylus *gesture, double x, double y, DlabSketchpad *self)
{
  (void) gesture;
  (void) x;
  (void) y;
  dlab_sketchpad_end_stroke (self);
}

/* ---- GObject ------------------------------------------------------------- */

static void
dlab_sketchpad_resize (GtkDrawingArea *area, int width, int height)
{
  (void) width;
  (void) height;
  /* The canvas is refitted: the ink surface is redrawn at the new size. */
  g_clear_pointer (&DLAB_SKETCHPAD (area)->ink, cairo_surface_destroy);
}

static void
on_scale_factor (DlabSketchpad *self, GParamSpec *pspec, gpointer data)
{
  (void) pspec;
  (void) data;
  g_clear_pointer (&self->ink, cairo_surface_destroy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dlab_sketchpad_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabSketchpad *self = DLAB_SKETCHPAD (object);

  switch (prop_id)
    {
    case PROP_EMPTY:
      g_value_set_boolean (value, dlab_sketchpad_is_empty (self));
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, dlab_sketchpad_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, dlab_sketchpad_can_redo (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_sketchpad_finalize (GObject *object)
{
  DlabSketchpad *self = DLAB_SKETCHPAD (object);

  dlab_strokes_free (&self->history);
  dlab_strokes_free (&self->visible);
  g_array_unref (self->undo_states);
  g_array_unref (self->redo_states);
  g_clear_pointer (&self->ink, cairo_surface_destroy);

  G_OBJECT_CLASS (dlab_sketchpad_parent_class)->finalize (object);
}

static void
dlab_sketchpad_class_init (DlabSketchpadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_sketchpad_get_property;
  object_class->finalize = dlab_sketchpad_finalize;
  GTK_DRAWING_AREA_CLASS (klass)->resize = dlab_sketchpad_resize;

  properties[PROP_EMPTY] =
    g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Any change of the strokes on the pad, a point as much as an undo. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "sketchpad");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dlab_sketchpad_init (DlabSketchpad *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *stylus = gtk_gesture_stylus_new ();

  dlab_strokes_init (&self->history);
  dlab_strokes_init (&self->visible);
  self->undo_states = g_array_new (FALSE, FALSE, sizeof (PadState));
  self->redo_states = g_array_new (FALSE, FALSE, sizeof (PadState));
  self->was_empty = TRUE;

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_focusable (GTK_WIDGET (self), FALSE);

  /* Mouse and touch. */
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  /* Pens, with pressure (GTK 4.8's stylus gesture sees nothing else). */
  g_signal_connect (stylus, "down", G_CALLBACK (on_stylus_down), self);
  g_signal_connect (stylus, "motion", G_CALLBACK (on_stylus_motion), self);
  g_signal_connect (stylus, "up", G_CALLBACK (on_stylus_up), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (stylus));

  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (on_scale_factor), NULL);
}

GtkWidget *
dlab_sketchpad_new (void)
{
  return g_object_new (DLAB_TYPE_SKETCHPAD, NULL);
}
