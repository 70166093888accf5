/* Helpers of the GUI tests: running the main loop until something holds,
 * finding the widget a person would click, and screenshots rendered the
 * way GTK renders the window (GSK_RENDERER=cairo gives stable pixels). */
#ifndef DLAB_TEST_GUI_UTIL_H
#define DLAB_TEST_GUI_UTIL_H

#include <gtk/gtk.h>
#include <string.h>

typedef gboolean (*GuiCondition) (gpointer data);

static inline gboolean
gui_wake_up (gpointer data)
{
  (void) data;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until cond holds or timeout_ms pass. */
static inline gboolean
gui_wait_until (GuiCondition cond, gpointer data, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint ticker = g_timeout_add (5, gui_wake_up, NULL);
  gboolean ok;

  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  return ok;
}

static inline gboolean
gui_never (gpointer data)
{
  (void) data;
  return FALSE;
}

/* Lets the main loop run for ms milliseconds. */
static inline void
gui_spin (int ms)
{
  gui_wait_until (gui_never, NULL, ms);
}

/* The first widget under root (depth first) that activates `action`, as
 * a button bound to it in a .ui file does. */
static inline GtkWidget *
gui_find_actionable (GtkWidget *root, const char *action)
{
  if (GTK_IS_ACTIONABLE (root) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = gui_find_actionable (c, action);
      if (found)
        return found;
    }
  return NULL;
}

/* Clicks the button bound to `action` when it is on screen and
 * sensitive, as a person can; FALSE otherwise. */
static inline gboolean
gui_click (GtkWidget *root, const char *action)
{
  GtkWidget *button = gui_find_actionable (root, action);

  if (!button || !gtk_widget_is_sensitive (button) || !gtk_widget_get_mapped (button))
    return FALSE;
  g_signal_emit_by_name (button, "clicked");
  return TRUE;
}

/* The widget's last drawing, rendered to a texture; NULL while a redraw
 * is pending (a widget paintable has no image then). */
static inline GdkTexture *
gui_render_widget (GtkWidget *widget)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderNode *node;
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  g_object_unref (paintable);
  node = gtk_snapshot_free_to_node (snapshot);
  if (!node)
    return NULL;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  return texture;
}

static inline void
gui_on_after_paint (GdkFrameClock *clock, gpointer data)
{
  (void) clock;
  *(gboolean *) data = TRUE;
}

static inline gboolean
gui_flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Redraws the whole widget and waits until the frame is painted, so that
 * no part of it shows an older state. */
static inline void
gui_redraw (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  if (!clock)
    return;
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (gui_on_after_paint), &painted);
  gtk_widget_queue_draw (widget);
  gui_wait_until (gui_flag_set, &painted, 2000);
  g_signal_handler_disconnect (clock, id);
}

/* The widget as GTK draws it, saved as a PNG of its size. */
static inline gboolean
gui_save_screenshot (GtkWidget *widget, const char *path)
{
  GdkTexture *texture = NULL;
  gboolean ok;

  gui_redraw (widget);
  for (int tries = 0; !texture && tries < 20; tries++)
    if (!(texture = gui_render_widget (widget)))
      gui_spin (50);
  ok = texture && gdk_texture_save_to_png (texture, path) &&
       gdk_texture_get_width (texture) == gtk_widget_get_width (widget);
  if (!ok)
    printf ("# screenshot %s: %s\n", path, texture ? "not saved" : "nothing drawn");
  g_clear_object (&texture);
  return ok;
}

#endif
