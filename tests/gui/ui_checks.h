/* Helpers of the adaptive-layout and keyboard tests (test_adaptive.c,
 * test_details.c): keys pressed the way GTK dispatches them to shortcuts,
 * the Tab chain, labels that are cut, and small datasets and models
 * written into a temporary folder. */
#ifndef DLAB_TEST_UI_CHECKS_H
#define DLAB_TEST_UI_CHECKS_H

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "dlab/checkpoint.h"
#include "dlab/model.h"

/* ---- keys ------------------------------------------------------------------ */

static inline gboolean
ui_trigger_matches (GtkShortcutTrigger *trigger, guint keyval, GdkModifierType mods)
{
  if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    return ui_trigger_matches (gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), keyval, mods) ||
           ui_trigger_matches (gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), keyval, mods);
  return GTK_IS_KEYVAL_TRIGGER (trigger) && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == keyval &&
         gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == mods;
}

static inline gboolean
ui_shortcut_matches (GtkShortcut *shortcut, guint keyval, GdkModifierType mods)
{
  return ui_trigger_matches (gtk_shortcut_get_trigger (shortcut), keyval, mods);
}

/* A key press on `widget` as it bubbles up to its window: the first
 * shortcut for that key (a class key binding, a shortcut controller, the
 * application's accelerators on the window) whose action runs handles it.
 * The tests cannot make real key events; this is how GTK finds what a key
 * does. FALSE when nothing handled it. */
static inline gboolean
ui_press_key (GtkWidget *widget, guint keyval, GdkModifierType mods)
{
  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent (w))
    {
      GListModel *controllers = gtk_widget_observe_controllers (w);
      guint n = g_list_model_get_n_items (controllers);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
          guint m;
          if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
            continue;
          m = g_list_model_get_n_items (G_LIST_MODEL (controller));
          for (guint j = 0; j < m; j++)
            {
              g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
              if (ui_shortcut_matches (shortcut, keyval, mods) &&
                  gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), GTK_SHORTCUT_ACTION_EXCLUSIVE, w,
                                                gtk_shortcut_get_arguments (shortcut)))
                {
                  g_object_unref (controllers);
                  return TRUE;
                }
            }
        }
      g_object_unref (controllers);
    }
  return FALSE;
}

/* Tab (or Shift+Tab) where the focus is now. */
static inline void
ui_press_tab (GtkWindow *window, gboolean backward)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  ui_press_key (focus ? focus : GTK_WIDGET (window), GDK_KEY_Tab, backward ? GDK_SHIFT_MASK : 0);
}

/* ---- the Tab chain ------------------------------------------------------------- */

static inline gboolean
ui_inside (GtkWidget *widget, GType type)
{
  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent (w))
    if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
      return TRUE;
  return FALSE;
}

static inline gboolean
ui_ancestors_can_focus (GtkWidget *widget)
{
  for (GtkWidget *w = widget; w; w = gtk_widget_get_parent (w))
    if (!gtk_widget_get_can_focus (w) || !gtk_widget_get_child_visible (w))
      return FALSE;
  return TRUE;
}

static inline gboolean
ui_has_focusable_descendant (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_mapped (c) && gtk_widget_is_sensitive (c) &&
        (gtk_widget_get_focusable (c) || ui_has_focusable_descendant (c)))
      return TRUE;
  return FALSE;
}

/* Every control the keyboard should reach under root: focusable, shown,
 * sensitive. A `stop_type` container (a grid that is one Tab stop) counts
 * as one control, itself; a scrolled window only when nothing in it can
 * take the focus (GTK gives it the focus only then, for scrolling). */
static inline void
ui_collect_controls (GtkWidget *root, GType stop_type, GPtrArray *out)
{
  if (!gtk_widget_get_mapped (root) || !gtk_widget_is_sensitive (root))
    return;
  if (stop_type && G_TYPE_CHECK_INSTANCE_TYPE (root, stop_type))
    {
      g_ptr_array_add (out, root);
      return;
    }
  if (gtk_widget_get_focusable (root) && ui_ancestors_can_focus (root) &&
      !(GTK_IS_SCROLLED_WINDOW (root) && ui_has_focusable_descendant (root)))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    ui_collect_controls (c, stop_type, out);
}

/* The stop (a control of `controls`) that holds the focus widget. */
static inline GtkWidget *
ui_stop_of (GtkWidget *focus, GPtrArray *controls)
{
  for (GtkWidget *w = focus; w; w = gtk_widget_get_parent (w))
    for (guint i = 0; i < controls->len; i++)
      if (controls->pdata[i] == w)
        return w;
  return NULL;
}

typedef struct {
  guint presses;        /* Tab presses until the focus came back round */
  guint reached;        /* controls visited */
  guint expected;
  gboolean stuck;       /* two presses in a row left the focus in one stop */
  gboolean cycled;      /* the focus came back to where it started */
  GString *missed;      /* the controls never reached */
} UiTabWalk;

static inline void
ui_describe (GtkWidget *w, GString *s)
{
  const char *tip = gtk_widget_get_tooltip_text (w);

  g_string_append_printf (s, "%s%s%s%s", s->len ? ", " : "", G_OBJECT_TYPE_NAME (w), tip ? ":" : "", tip ? tip : "");
}

/* Whether Tab reached `control`, or the control inside it that takes its
 * focus (a list box gives it to its rows, an expander row to its header,
 * an entry row to its text). */
static inline gboolean
ui_reached (GtkWidget *control, GHashTable *seen)
{
  GHashTableIter iter;
  gpointer stop;

  if (g_hash_table_contains (seen, control))
    return TRUE;
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &stop, NULL))
    if (gtk_widget_is_ancestor (stop, control))
      return TRUE;
  return FALSE;
}

/* Presses Tab from the first control round the window until the focus is
 * back on it (at most `limit` presses), counting the controls under
 * `root` it reached. */
static inline UiTabWalk
ui_walk_tab_chain (GtkWindow *window, GtkWidget *root, GType stop_type, guint limit)
{
  UiTabWalk walk = { 0, 0, 0, FALSE, FALSE, g_string_new (NULL) };
  g_autoptr (GPtrArray) controls = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  GtkWidget *first = NULL, *last_stop = NULL;

  ui_collect_controls (root, stop_type, controls);
  walk.expected = controls->len;
  gtk_window_set_focus (window, NULL);
  for (guint i = 0; i < limit; i++)
    {
      GtkWidget *focus, *stop;
      ui_press_tab (window, FALSE);
      walk.presses++;
      focus = gtk_root_get_focus (GTK_ROOT (window));
      stop = focus ? ui_stop_of (focus, controls) : NULL;
      if (stop && stop_type && G_TYPE_CHECK_INSTANCE_TYPE (stop, stop_type) && stop == last_stop)
        walk.stuck = TRUE;
      last_stop = stop;
      if (stop)
        g_hash_table_add (seen, stop);
      if (!first)
        first = focus;
      else if (focus == first)
        {
          walk.cycled = TRUE;
          break;
        }
    }
  for (guint i = 0; i < controls->len; i++)
    if (ui_reached (controls->pdata[i], seen))
      walk.reached++;
    else
      ui_describe (controls->pdata[i], walk.missed);
  return walk;
}

/* ---- names for screen readers ------------------------------------------------ */

static inline gboolean
ui_has_text_label (GtkWidget *w)
{
  if (GTK_IS_LABEL (w) && *gtk_label_get_text (GTK_LABEL (w)))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (ui_has_text_label (c))
      return TRUE;
  return FALSE;
}

/* A control a screen reader can name: an accessible label, a visible text,
 * or a tooltip (on it or the widget that wraps it, as a menu button wraps
 * its button). */
static inline gboolean
ui_is_named (GtkWidget *widget)
{
  GtkWidget *w = widget;

  for (int up = 0; w && up < 3; up++, w = gtk_widget_get_parent (w))
    if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
        gtk_test_accessible_has_relation (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_RELATION_LABELLED_BY) ||
        gtk_widget_get_tooltip_text (w) || ui_has_text_label (w))
      return TRUE;
  return FALSE;
}

/* ---- labels ------------------------------------------------------------------------- */

/* Why a label does not show all its text (NULL: it does): ellipsized, or
 * narrower or lower than it needs. */
static inline const char *
ui_label_cut (GtkWidget *label)
{
  int min, nat, min_h, nat_h, width = gtk_widget_get_width (label);
  /* Measured sizes include the margins; the allocated width and height do not. */
  int across = gtk_widget_get_margin_start (label) + gtk_widget_get_margin_end (label);
  int down = gtk_widget_get_margin_top (label) + gtk_widget_get_margin_bottom (label);

  if (!gtk_widget_get_mapped (label))
    return "not shown";
  if (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))))
    return "ellipsized";
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  if (width < min - across || (!gtk_label_get_wrap (GTK_LABEL (label)) && width < nat - across))
    return "narrower than its text";
  gtk_widget_measure (label, GTK_ORIENTATION_VERTICAL, width + across, &min_h, &nat_h, NULL, NULL);
  if (gtk_widget_get_height (label) < min_h - down)
    return "lower than its text";
  return NULL;
}

/* Whether all of `widget` lies inside `area` (an ancestor: a scrolled
 * window's visible part, the window). */
static inline gboolean
ui_within (GtkWidget *widget, GtkWidget *area)
{
  graphene_rect_t r;

  return gtk_widget_compute_bounds (widget, area, &r) && r.origin.x >= -0.5 && r.origin.y >= -0.5 &&
         r.origin.x + r.size.width <= gtk_widget_get_width (area) + 0.5 &&
         r.origin.y + r.size.height <= gtk_widget_get_height (area) + 0.5;
}

/* Scrolls `scroller` (an ancestor) so that widget is inside it, as a person
 * scrolls to read it. */
static inline void
ui_scroll_to (GtkScrolledWindow *scroller, GtkWidget *widget)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (scroller);
  double h = gtk_widget_get_height (GTK_WIDGET (scroller));
  graphene_rect_t r;

  if (!gtk_widget_compute_bounds (widget, GTK_WIDGET (scroller), &r))
    return;
  if (r.origin.y < 0)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + r.origin.y);
  else if (r.origin.y + r.size.height > h)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + r.origin.y + r.size.height - h);
}

/* ---- files ------------------------------------------------------------------------- */

static inline void
ui_put_be32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* An IDX pair of n images (a blob whose size grows with the label) in
 * dir/PREFIX-images-idx3-ubyte and dir/PREFIX-labels-idx1-ubyte. */
static inline gboolean
ui_write_idx (const char *dir, const char *prefix, int n)
{
  gsize image_bytes = 16 + (gsize) n * 784, label_bytes = 8 + (gsize) n;
  g_autofree guint8 *images = g_malloc0 (image_bytes), *labels = g_malloc0 (label_bytes);
  g_autofree char *image_path = g_strdup_printf ("%s/%s-images-idx3-ubyte", dir, prefix);
  g_autofree char *label_path = g_strdup_printf ("%s/%s-labels-idx1-ubyte", dir, prefix);

  ui_put_be32 (images, 0x803);
  ui_put_be32 (images + 4, (guint32) n);
  ui_put_be32 (images + 8, 28);
  ui_put_be32 (images + 12, 28);
  ui_put_be32 (labels, 0x801);
  ui_put_be32 (labels + 4, (guint32) n);
  for (int i = 0; i < n; i++)
    {
      int label = i % 10, r = 3 + label;
      labels[8 + i] = (guint8) label;
      for (int y = 14 - r; y < 14 + r; y++)
        for (int x = 14 - r; x < 14 + r; x++)
          images[16 + (gsize) i * 784 + y * 28 + x] = 200;
    }
  return g_file_set_contents (image_path, (const char *) images, (gssize) image_bytes, NULL) &&
         g_file_set_contents (label_path, (const char *) labels, (gssize) label_bytes, NULL);
}

/* A small MNIST (train 300, test 100) under root/MNIST/raw. */
static inline gboolean
ui_write_tiny_mnist (const char *root)
{
  g_autofree char *dir = g_build_filename (root, "MNIST", "raw", NULL);

  return g_mkdir_with_parents (dir, 0700) == 0 && ui_write_idx (dir, "train", 300) && ui_write_idx (dir, "t10k", 100);
}

/* A checkpoint with random weights and these class names: enough to test
 * what the Draw page shows for a model. NULL on failure. */
static inline char *
ui_write_checkpoint (const char *path, const char *arch, const char *dataset, const char *const *classes)
{
  DlabShape input = { 3, { 1, 28, 28 } };
  DlabModel *m = dlab_model_create (arch, input, 7);
  DlabModelInfo info;
  char *out = g_strdup (path);

  memset (&info, 0, sizeof info);
  g_strlcpy (info.dataset, dataset, sizeof info.dataset);
  g_strlcpy (info.orientation, "normal", sizeof info.orientation);
  info.channels = 1;
  info.mean[0] = 0.5f;
  info.std[0] = 0.25f;
  for (info.num_classes = 0; classes[info.num_classes]; info.num_classes++)
    info.class_names[info.num_classes] = g_strdup (classes[info.num_classes]);
  if (!m || dlab_checkpoint_save (path, m, &info) != 0)
    g_clear_pointer (&out, g_free);
  for (int i = 0; i < info.num_classes; i++)
    g_free (info.class_names[i]);
  dlab_model_free (m);
  return out;
}

static inline void
ui_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *sub = g_build_filename (path, name, NULL);
      if (g_file_test (sub, G_FILE_TEST_IS_DIR) && !g_file_test (sub, G_FILE_TEST_IS_SYMLINK))
        ui_remove_tree (sub);
      else
        g_unlink (sub);
    }
  g_rmdir (path);
}

#endif
