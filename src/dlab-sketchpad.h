/* DlabSketchpad: the surface people draw digits on, with the mouse, a finger
 * or a pen (pressure changes the width). It records strokes in the engine's
 * DlabStrokes form, keeps an undo/redo history, and paints from a persistent
 * ink surface at the display's scale factor.
 *
 * Coordinates: strokes are kept in "canvas" pixels, a square fixed when the
 * first point is drawn (or taken from a strokes file); the canvas is fitted
 * into the widget, so the drawing scales with the window. */
#pragma once

#include <gtk/gtk.h>

#include "dlab/strokes.h"

G_BEGIN_DECLS

#define DLAB_TYPE_SKETCHPAD (dlab_sketchpad_get_type ())
G_DECLARE_FINAL_TYPE (DlabSketchpad, dlab_sketchpad, DLAB, SKETCHPAD, GtkDrawingArea)

GtkWidget *dlab_sketchpad_new (void);

/* The strokes on the pad now (what the network reads and Save writes). */
const DlabStrokes *dlab_sketchpad_get_strokes (DlabSketchpad *self);
/* Replaces the drawing with s (an undoable step), fitting s's canvas into
 * the pad's. An empty s clears the pad. */
void dlab_sketchpad_set_strokes (DlabSketchpad *self, const DlabStrokes *s);

/* Drawing from code, as the gestures do (tests, demos): x, y in widget
 * coordinates, pressure 0..1. */
void dlab_sketchpad_begin_stroke (DlabSketchpad *self, double x, double y, double pressure);
void dlab_sketchpad_extend_stroke (DlabSketchpad *self, double x, double y, double pressure);
void dlab_sketchpad_end_stroke (DlabSketchpad *self);

void dlab_sketchpad_undo (DlabSketchpad *self);
void dlab_sketchpad_redo (DlabSketchpad *self);
/* Clears the pad; undo brings the drawing back. */
void dlab_sketchpad_clear (DlabSketchpad *self);

gboolean dlab_sketchpad_is_empty (DlabSketchpad *self);
gboolean dlab_sketchpad_can_undo (DlabSketchpad *self);
gboolean dlab_sketchpad_can_redo (DlabSketchpad *self);

G_END_DECLS
