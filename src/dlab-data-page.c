/* DlabDataPage: see dlab-data-page.h. */
#include "dlab-data-page.h"
#include "dlab-fold-box.h"
#include "dlab-format.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dlab-settings.h"
#include "dlab/transform.h"

struct _DlabDataPage {
  AdwBin parent_instance;

  GtkLabel *title_label, *count_label, *stats_label, *augment_label;
  GtkDropDown *split_dropdown, *class_dropdown;
  GtkScrolledWindow *grid_scroller;
  GtkDrawingArea *histogram;
  GtkButton *redraw_button;
  GtkPicture *original_picture;
  GtkFlowBox *preview_box;

  GtkWidget *grid;
  DlabSampleList *list;
  DlabSampleSet *set;
  GSettings *settings;
  char *transforms;
  int *counts;                  /* per class, of the split shown */
  int k;
  int filter;                   /* -1: all classes */
  int cursor;                   /* the histogram's bar under keyboard focus, -1: none */
  int n_draws;
  guint draw_round;             /* "new draws" presses */
  GCancellable *measuring;
  gboolean syncing;
};

G_DEFINE_FINAL_TYPE (DlabDataPage, dlab_data_page, ADW_TYPE_BIN)

static gboolean
showing_test (DlabDataPage *self)
{
  return gtk_drop_down_get_selected (self->split_dropdown) == 1;
}

static const DlabDataset *
shown (DlabDataPage *self)
{
  return self->set ? dlab_sample_set_get_split (self->set, showing_test (self)) : NULL;
}

/* ---- the augmentation preview ---------------------------------------------------- */

static guint64
draw_seed (DlabDataPage *self)
{
  int seed = self->settings ? g_settings_get_int (self->settings, "seed") : 1;
  return (guint64) seed + self->draw_round;
}

static void
clear_previews (DlabDataPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->preview_box))))
    gtk_flow_box_remove (self->preview_box, child);
  self->n_draws = 0;
}

static void
add_preview (DlabDataPage *self, GdkTexture *texture, const char *tooltip)
{
  GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  gtk_widget_set_tooltip_text (picture, tooltip);
  gtk_flow_box_append (self->preview_box, picture);
  self->n_draws++;
}

/* The selected sample, then the draws epochs 1..N would make of it. */
static void
update_preview (DlabDataPage *self)
{
  const DlabDataset *d = shown (self);
  GtkSingleSelection *sel = GTK_SINGLE_SELECTION (gtk_grid_view_get_model (GTK_GRID_VIEW (self->grid)));
  DlabSampleItem *item = gtk_single_selection_get_selected_item (sel);
  DlabTransformList list;
  DlabAugmenter *aug = NULL;
  int index, scale;
  g_autofree guint8 *pixels = NULL;
  g_autoptr (GdkTexture) original = NULL;
  g_autofree char *text = NULL;

  clear_previews (self);
  gtk_picture_set_paintable (self->original_picture, NULL);
  if (!d || !item)
    return;
  index = dlab_sample_item_get_index (item);
  scale = MAX (1, 112 / MAX (d->w, d->h));
  original = dlab_sample_texture (d, index, NULL, scale);
  gtk_picture_set_paintable (self->original_picture, GDK_PAINTABLE (original));

  if (!self->transforms || !*self->transforms)
    {
      gtk_label_set_label (self->augment_label, _("No augmentation is switched on (Train page). The sample as it is:"));
      return;
    }
  if (dlab_transforms_parse (self->transforms, &list) < 0 ||
      dlab_transforms_check (&list, d->c, d->h, d->w) < 0 ||
      !(aug = dlab_augmenter_create (&list, d->c, d->h, d->w, d->mean, d->std)))
    {
      gtk_label_set_label (self->augment_label, self->transforms);
      return;
    }
  {
    g_autofree char *name = dlab_sample_class_name (d, d->labels[index]);
    /* The first draws are those of the run with the Train page's seed;
     * ↻ moves on to others. */
    if (self->draw_round == 0)
      text = g_strdup_printf (ngettext ("Sample %d, a “%s”, as epoch 1 to %d of training sees it (%s):",
                                        "Sample %d, a “%s”, as epochs 1 to %d of training see it (%s):",
                                        DLAB_DATA_PAGE_DRAWS),
                              index, name, DLAB_DATA_PAGE_DRAWS, self->transforms);
    else
      text = g_strdup_printf (ngettext ("Sample %d, a “%s”, under %d other random draw (%s):",
                                        "Sample %d, a “%s”, under %d other random draws (%s):",
                                        DLAB_DATA_PAGE_DRAWS),
                              index, name, DLAB_DATA_PAGE_DRAWS, self->transforms);
  }
  gtk_label_set_label (self->augment_label, text);
  pixels = g_malloc ((gsize) d->c * d->h * d->w);
  for (int epoch = 1; epoch <= DLAB_DATA_PAGE_DRAWS; epoch++)
    {
      DlabRng rng;
      g_autoptr (GdkTexture) texture = NULL;
      g_autofree char *tip = g_strdup_printf (_("Epoch %d"), epoch);

      dlab_transform_rng (&rng, draw_seed (self), epoch, (uint32_t) index);
      dlab_augmenter_preview (aug, d->images + (gsize) index * d->c * d->h * d->w, pixels, &rng);
      texture = dlab_sample_texture (d, 0, pixels, MAX (1, 56 / MAX (d->w, d->h)));
      add_preview (self, texture, tip);
    }
  dlab_augmenter_free (aug);
}

static void
on_redraw (DlabDataPage *self)
{
  self->draw_round++;
  update_preview (self);
}

/* ---- statistics (measured on a worker thread: a pass over every pixel) ------------ */

typedef struct {
  DlabSampleSet *set;
  gboolean test;
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS];
} Measure;

static void
measure_free (Measure *m)
{
  g_object_unref (m->set);
  g_free (m);
}

static void
measure_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Measure *m = task_data;

  (void) source;
  (void) cancellable;
  dlab_dataset_compute_stats (dlab_sample_set_get_split (m->set, m->test), m->mean, m->std);
  g_task_return_boolean (task, TRUE);
}

static char *
channel_values (const float *v, int c)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < c; i++)
    g_string_append_printf (s, "%s%.4f", i ? " / " : "", v[i]);
  return g_string_free (s, FALSE);
}

static void
show_stats (DlabDataPage *self, const Measure *m)
{
  const DlabDataset *d = shown (self);
  g_autofree char *norm_mean = NULL, *norm_std = NULL, *text = NULL;

  if (!d)
    {
      gtk_label_set_label (self->stats_label, "");
      return;
    }
  norm_mean = channel_values (d->mean, d->c);
  norm_std = channel_values (d->std, d->c);
  if (m)
    {
      g_autofree char *mean = channel_values (m->mean, d->c), *std = channel_values (m->std, d->c);
      text = g_strdup_printf (_("This split: mean %s, std %s\nNormalized with mean %s, std %s\n(on the 0–1 scale, per channel)"),
                              mean, std, norm_mean, norm_std);
    }
  else
    text = g_strdup_printf (_("Measuring…\nNormalized with mean %s, std %s"), norm_mean, norm_std);
  gtk_label_set_label (self->stats_label, text);
}

static void
on_measured (GObject *source, GAsyncResult *result, gpointer data)
{
  Measure *m = g_task_get_task_data (G_TASK (result));
  DlabDataPage *self;

  (void) source;
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return; /* cancelled: the page moved on */
  self = DLAB_DATA_PAGE (data);
  show_stats (self, m);
}

static void
measure (DlabDataPage *self)
{
  Measure *m;
  GTask *task;

  if (self->measuring)
    g_cancellable_cancel (self->measuring);
  g_clear_object (&self->measuring);
  show_stats (self, NULL);
  if (!self->set)
    return;
  self->measuring = g_cancellable_new ();
  m = g_new0 (Measure, 1);
  m->set = g_object_ref (self->set);
  m->test = showing_test (self);
  task = g_task_new (NULL, self->measuring, on_measured, self);
  g_task_set_task_data (task, m, (GDestroyNotify) measure_free);
  g_task_run_in_thread (task, measure_in_thread);
  g_object_unref (task);
}

/* ---- the histogram ------------------------------------------------------------------ */

/* One bar per class; the rows are as tall as a line of the widget's text and
 * the columns as wide as the names and counts, so large text (GNOME's text
 * scaling, 1.5x) makes it taller rather than cutting it. */
typedef struct {
  double row;     /* height of a bar's row */
  double names;   /* the name column, right-aligned against the bars */
  double counts;  /* room after the longest bar for its count */
} HistogramGeometry;

static HistogramGeometry
histogram_geometry (DlabDataPage *self, PangoLayout *layout, double width)
{
  const DlabDataset *d = shown (self);
  HistogramGeometry g = { 16, 0, 0 };
  int tw, th;

  pango_layout_set_text (layout, "0123456789", -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  g.row = MAX (16.0, th + 6.0);
  for (int c = 0; d && self->counts && c < self->k; c++)
    {
      g_autofree char *name = dlab_sample_class_name (d, c);
      g_autofree char *count = dlab_format_count (self->counts[c]);
      pango_layout_set_text (layout, name, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      g.names = MAX (g.names, tw + 10.0);
      pango_layout_set_text (layout, count, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      g.counts = MAX (g.counts, tw + 8.0);
    }
  /* Very long names (a folder's classes) give way to the bars. */
  g.names = MIN (g.names, 0.45 * width);
  return g;
}

static double
histogram_row_height (DlabDataPage *self)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->histogram), NULL);
  double row = histogram_geometry (self, layout, 1000).row;

  g_object_unref (layout);
  return row;
}

static void
update_histogram_height (DlabDataPage *self)
{
  gtk_drawing_area_set_content_height (self->histogram, (int) ceil (histogram_row_height (self) * MAX (self->k, 1)));
}

static void
draw_histogram (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlabDataPage *self = data;
  const DlabDataset *d = shown (self);
  int top = 0;
  GdkRGBA fg;
  PangoLayout *layout;
  HistogramGeometry g;

  (void) height;
  if (!d || !self->counts)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  g = histogram_geometry (self, layout, width);
  for (int c = 0; c < self->k; c++)
    top = MAX (top, self->counts[c]);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  for (int c = 0; c < self->k; c++)
    {
      g_autofree char *name = dlab_sample_class_name (d, c);
      g_autofree char *count = dlab_format_count (self->counts[c]);
      double y = c * g.row, room = MAX (0, width - g.names - g.counts);
      double bar = top ? room * self->counts[c] / top : 0;
      int tw, th;

      if (c == self->filter)
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
          cairo_rectangle (cr, 0, y, width, g.row);
          cairo_fill (cr);
        }
      cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, self->filter < 0 || c == self->filter ? 0.9 : 0.35);
      cairo_rectangle (cr, g.names, y + 2, bar, g.row - 4);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, &fg);
      pango_layout_set_width (layout, (int) ((g.names - 6) * PANGO_SCALE));
      pango_layout_set_text (layout, name, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, g.names - 6 - tw, y + (g.row - th) / 2);
      pango_cairo_show_layout (cr, layout);
      pango_layout_set_width (layout, -1);
      pango_layout_set_text (layout, count, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, g.names + bar + 4, y + (g.row - th) / 2);
      pango_cairo_show_layout (cr, layout);
      /* The bar the arrow keys are on. */
      if (c == self->cursor && gtk_widget_has_visible_focus (GTK_WIDGET (area)))
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
          cairo_set_line_width (cr, 2);
          cairo_rectangle (cr, 1, y + 1, width - 2, g.row - 2);
          cairo_stroke (cr);
        }
    }
  g_object_unref (layout);
}

/* The class the keyboard is on, said to screen readers too. */
static void
set_cursor (DlabDataPage *self, int c)
{
  const DlabDataset *d = shown (self);
  g_autofree char *name = NULL, *count = NULL, *text = NULL;

  self->cursor = self->k ? CLAMP (c, 0, self->k - 1) : -1;
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
  if (!d || self->cursor < 0)
    return;
  name = dlab_sample_class_name (d, self->cursor);
  count = dlab_format_count (self->counts[self->cursor]);
  text = g_strdup_printf (ngettext ("“%s”: %s image", "“%s”: %s images", self->counts[self->cursor]), name, count);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->histogram), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
toggle_class (DlabDataPage *self, int c)
{
  if (c >= 0 && c < self->k)
    dlab_data_page_filter_class (self, c == self->filter ? -1 : c);
}

static void
on_histogram_click (GtkGestureClick *click, int n_press, double x, double y, gpointer data)
{
  DlabDataPage *self = data;
  int c = (int) (y / histogram_row_height (self));

  (void) click;
  (void) n_press;
  (void) x;
  if (c >= 0 && c < self->k)
    {
      set_cursor (self, c);
      toggle_class (self, c);
    }
}

/* Up and Down (Home, End) move between the bars, Enter or Space shows
 * that class (again: all classes). */
static gboolean
on_histogram_key (GtkWidget *widget, GVariant *args, gpointer data)
{
  DlabDataPage *self = data;
  int step = g_variant_get_int32 (args);

  (void) widget;
  if (!self->k)
    return FALSE;
  if (step == 0)
    toggle_class (self, MAX (self->cursor, 0));
  else
    set_cursor (self, self->cursor < 0 ? 0 : self->cursor + step);
  return TRUE;
}

static void
add_histogram_keys (DlabDataPage *self)
{
  static const struct {
    guint key;
    int step;
  } keys[] = {
    { GDK_KEY_Up, -1 }, { GDK_KEY_KP_Up, -1 }, { GDK_KEY_Down, 1 }, { GDK_KEY_KP_Down, 1 },
    { GDK_KEY_Home, -1000 }, { GDK_KEY_End, 1000 }, { GDK_KEY_Return, 0 }, { GDK_KEY_KP_Enter, 0 },
    { GDK_KEY_space, 0 },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keys[i].key, 0),
                                                gtk_callback_action_new (on_histogram_key, self, NULL));
      gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (keys[i].step));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self->histogram), controller);
}

/* ---- what is shown ---------------------------------------------------------------------- */

static void
refill_grid (DlabDataPage *self)
{
  const DlabDataset *d = shown (self);
  g_autofree guint32 *idx = NULL;
  g_autofree char *count = NULL, *all = NULL, *text = NULL;
  guint n = 0;

  if (!d)
    {
      dlab_sample_list_set (self->list, NULL, NULL, NULL, 0, NULL, NULL);
      gtk_label_set_label (self->count_label, "");
      update_preview (self);
      return;
    }
  if (self->filter >= 0)
    {
      idx = g_new (guint32, MAX (1, self->counts[self->filter]));
      for (int i = 0; i < d->n; i++)
        if (d->labels[i] == self->filter)
          idx[n++] = (guint32) i;
    }
  dlab_sample_list_set (self->list, d, G_OBJECT (self->set), idx, n, NULL, NULL);
  count = dlab_format_count (g_list_model_get_n_items (G_LIST_MODEL (self->list)));
  all = dlab_format_count (d->n);
  if (self->filter >= 0)
    {
      g_autofree char *name = dlab_sample_class_name (d, self->filter);
      text = g_strdup_printf (ngettext ("%s image of “%s” (of %s)", "%s images of “%s” (of %s)",
                                        g_list_model_get_n_items (G_LIST_MODEL (self->list))),
                              count, name, all);
    }
  else
    text = g_strdup_printf (ngettext ("%s image, %d×%d, %s", "%s images, %d×%d, %s", d->n), count, d->w, d->h,
                            d->c == 3 ? _("colour") : _("grey"));
  gtk_label_set_label (self->count_label, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->histogram));
  update_preview (self);
}

static void
fill_classes (DlabDataPage *self)
{
  const DlabDataset *d = shown (self);
  GtkStringList *list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, _("All classes"));
  for (int c = 0; d && c < d->num_classes; c++)
    {
      g_autofree char *name = dlab_sample_class_name (d, c);
      gtk_string_list_append (list, name);
    }
  self->syncing = TRUE;
  gtk_drop_down_set_model (self->class_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->class_dropdown, self->filter + 1);
  self->syncing = FALSE;
  g_object_unref (list);
}

/* The split changed (or the dataset): counts, histogram, statistics. */
static void
show_split (DlabDataPage *self)
{
  const DlabDataset *d = shown (self);

  g_clear_pointer (&self->counts, g_free);
  self->k = d ? d->num_classes : 0;
  if (d)
    {
      self->counts = g_new0 (int, self->k);
      dlab_dataset_class_counts (d, self->counts);
    }
  if (self->filter >= self->k)
    self->filter = -1;
  if (self->cursor >= self->k)
    self->cursor = -1;
  update_histogram_height (self);
  fill_classes (self);
  refill_grid (self);
  measure (self);
}

void
dlab_data_page_set_sample_set (DlabDataPage *self, DlabSampleSet *set)
{
  g_autofree char *title = NULL;

  g_return_if_fail (DLAB_IS_DATA_PAGE (self));
  if (set == self->set)
    return;
  g_set_object (&self->set, set);
  self->filter = -1;
  if (set)
    {
      title = dlab_dataset_title (dlab_sample_set_get_name (set));
      gtk_label_set_label (self->title_label, title);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label), dlab_sample_set_get_root (set));
    }
  else
    gtk_label_set_label (self->title_label, _("No dataset yet: choose one on the Train page"));
  show_split (self);
}

DlabSampleSet *
dlab_data_page_get_sample_set (DlabDataPage *self)
{
  return self->set;
}

void
dlab_data_page_set_transforms (DlabDataPage *self, const char *transforms)
{
  g_return_if_fail (DLAB_IS_DATA_PAGE (self));
  if (g_strcmp0 (self->transforms, transforms) == 0)
    return;
  g_free (self->transforms);
  self->transforms = g_strdup (transforms);
  update_preview (self);
}

void
dlab_data_page_show_split (DlabDataPage *self, gboolean test)
{
  gtk_drop_down_set_selected (self->split_dropdown, test ? 1 : 0);
}

void
dlab_data_page_filter_class (DlabDataPage *self, int label)
{
  self->filter = label >= 0 && label < self->k ? label : -1;
  if (self->filter >= 0)
    set_cursor (self, self->filter);
  self->syncing = TRUE;
  gtk_drop_down_set_selected (self->class_dropdown, self->filter + 1);
  self->syncing = FALSE;
  refill_grid (self);
}

void
dlab_data_page_select (DlabDataPage *self, guint position)
{
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_grid_view_get_model (GTK_GRID_VIEW (self->grid))),
                                     position);
}

static void
on_class_selected (DlabDataPage *self)
{
  if (!self->syncing)
    dlab_data_page_filter_class (self, (int) gtk_drop_down_get_selected (self->class_dropdown) - 1);
}

GtkWidget *
dlab_data_page_get_grid (DlabDataPage *self)
{
  return self->grid;
}

DlabSampleList *
dlab_data_page_get_list (DlabDataPage *self)
{
  return self->list;
}

const char *
dlab_data_page_get_stats_text (DlabDataPage *self)
{
  return gtk_label_get_label (self->stats_label);
}

const int *
dlab_data_page_get_class_counts (DlabDataPage *self, int *k)
{
  *k = self->k;
  return self->counts;
}

int
dlab_data_page_get_n_draws (DlabDataPage *self)
{
  return self->n_draws;
}

static void
dlab_data_page_dispose (GObject *object)
{
  DlabDataPage *self = DLAB_DATA_PAGE (object);

  if (self->measuring)
    g_cancellable_cancel (self->measuring);
  g_clear_object (&self->measuring);
  g_clear_object (&self->set);
  g_clear_object (&self->list);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_DATA_PAGE);
  G_OBJECT_CLASS (dlab_data_page_parent_class)->dispose (object);
}

static void
dlab_data_page_finalize (GObject *object)
{
  DlabDataPage *self = DLAB_DATA_PAGE (object);

  g_free (self->transforms);
  g_free (self->counts);
  G_OBJECT_CLASS (dlab_data_page_parent_class)->finalize (object);
}

static void
dlab_data_page_class_init (DlabDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dlab_data_page_dispose;
  object_class->finalize = dlab_data_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-data-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, DlabDataPage, name)
  CHILD (title_label);
  CHILD (count_label);
  CHILD (stats_label);
  CHILD (augment_label);
  CHILD (split_dropdown);
  CHILD (class_dropdown);
  CHILD (grid_scroller);
  CHILD (histogram);
  CHILD (redraw_button);
  CHILD (original_picture);
  CHILD (preview_box);
#undef CHILD
}

static void
dlab_data_page_init (DlabDataPage *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *focus;

  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  g_type_ensure (DLAB_TYPE_TAB_STOP);
  gtk_widget_init_template (GTK_WIDGET (self));
  self->filter = -1;
  self->cursor = -1;
  self->settings = dlab_settings_new ();
  self->list = dlab_sample_list_new ();
  self->grid = dlab_sample_grid_new (self->list);
  gtk_scrolled_window_set_child (self->grid_scroller, self->grid);
  gtk_drawing_area_set_draw_func (self->histogram, draw_histogram, self, NULL);
  g_signal_connect (click, "released", G_CALLBACK (on_histogram_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self->histogram), GTK_EVENT_CONTROLLER (click));
  gtk_widget_add_css_class (GTK_WIDGET (self->histogram), "histogram");
  add_histogram_keys (self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self->histogram);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self->histogram);
  gtk_widget_add_controller (GTK_WIDGET (self->histogram), focus);
  /* Larger text (GNOME's text scaling changes gtk-xft-dpi) makes taller rows. */
  g_signal_connect_object (gtk_settings_get_default (), "notify::gtk-xft-dpi", G_CALLBACK (update_histogram_height),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_settings_get_default (), "notify::gtk-font-name", G_CALLBACK (update_histogram_height),
                           self, G_CONNECT_SWAPPED);

  g_signal_connect_swapped (self->split_dropdown, "notify::selected", G_CALLBACK (show_split), self);
  g_signal_connect_swapped (self->class_dropdown, "notify::selected", G_CALLBACK (on_class_selected), self);
  g_signal_connect_swapped (gtk_grid_view_get_model (GTK_GRID_VIEW (self->grid)), "notify::selected",
                            G_CALLBACK (update_preview), self);
  g_signal_connect_swapped (self->redraw_button, "clicked", G_CALLBACK (on_redraw), self);
  if (self->settings)
    g_signal_connect_swapped (self->settings, "changed::seed", G_CALLBACK (update_preview), self);
  fill_classes (self);
}
