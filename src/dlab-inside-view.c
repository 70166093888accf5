/* DlabInsideView: see dlab-inside-view.h. The engine does the numbers and
 * draws the pictures (dlab/inside.h); this file shows them. */
#include "dlab-inside-view.h"
#include "dlab-fold-box.h"

#include <glib/gi18n.h>

#include "dlab/ink.h"
#include "dlab/inside.h"

#define SALIENCY_SCALE 6 /* screen pixels per input pixel */
#define TILE_TARGET 40   /* a feature map's side on screen, roughly */
#define MAPS_COLUMNS 16  /* feature maps a row: wide and short, shrunk to fit */
#define CLASS_COLUMNS 5  /* class buttons a row */

struct _DlabInsideView {
  AdwBin parent_instance;

  GtkLabel *empty_label;
  GtkPicture *saliency_picture;
  GtkLabel *saliency_label;
  GtkGrid *class_box;
  GtkWidget *filters_box;
  GtkLabel *filters_label;
  GtkPicture *filters_picture;
  GtkBox *layers_box;
  DlabNetworkDiagram *diagram;

  DlabClassifier *classifier;
  DlabInside *inside;       /* the classifier's, for the drawing */
  DlabSketchpad *sketchpad;
  DlabTrainingJob *job;
  GCancellable *loading;    /* an epoch checkpoint being loaded */
  GPtrArray *layer_labels;  /* GtkLabel *, one per layer */
  GPtrArray *layer_pictures; /* GtkPicture *, one per layer */
  GPtrArray *class_buttons; /* GtkToggleButton *: most likely, then each class */

  GdkFrameClock *clock;
  gulong after_paint_id;
  gboolean dirty;           /* the drawing changed since the last update */
  gboolean has_reading;     /* the last update had ink */
  gboolean epoch_pending;   /* an epoch ended while the view was hidden */
  guint n_updates;
  int saliency_class;       /* -1: the most likely */
  int shown_class;
  int filters_epoch;
  int best;
  float image[DLAB_INK_PIXELS];
  float grad[DLAB_INK_PIXELS];
};

G_DEFINE_FINAL_TYPE (DlabInsideView, dlab_inside_view, ADW_TYPE_BIN)

enum { SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- pictures ---- */

/* The engine's 8-bit picture as a texture (grey expanded to RGB: GTK 4.8
 * has no grey memory format). Takes and frees img. */
static GdkTexture *
texture_from_image (DlabImage *img)
{
  const gsize w = (gsize) img->w, h = (gsize) img->h;
  guint8 *rgb = g_malloc (w * h * 3);
  GdkTexture *texture;

  for (gsize i = 0; i < w * h; i++)
    for (int ch = 0; ch < 3; ch++)
      rgb[i * 3 + ch] = img->data[i * (gsize) img->c + (img->c == 3 ? ch : 0)];
  dlab_image_free (img);
  g_autoptr (GBytes) bytes = g_bytes_new_take (rgb, w * h * 3);
  texture = gdk_memory_texture_new ((int) w, (int) h, GDK_MEMORY_R8G8B8, bytes, w * 3);
  return texture;
}

static void
show_picture (GtkPicture *picture, int rc, DlabImage *img)
{
  if (rc < 0)
    {
      gtk_picture_set_paintable (picture, NULL);
      return;
    }
  g_autoptr (GdkTexture) texture = texture_from_image (img);
  gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

/* Feature maps of about TILE_TARGET pixels a side, whole-pixel zoom. */
static int
maps_scale (DlabShape s)
{
  return CLAMP ((TILE_TARGET + s.d[1] - 1) / s.d[1], 1, 8);
}

static int
bar_width (int n)
{
  return n > 200 ? 1 : n > 100 ? 2 : n > 40 ? 4 : n > 20 ? 8 : 16;
}

/* A flatten layer's output is the maps above it, one value after another:
 * bars of them would say nothing new (and be thousands of pixels wide). */
static gboolean
shows_picture (const DlabModel *m, int i)
{
  return strcmp (dlab_model_layer_summary (m, i).kind, "flatten") != 0;
}

/* ---- the layers, for a model ---- */

static char *
layer_heading (const DlabModel *m, int i)
{
  DlabLayerSummary l = dlab_model_layer_summary (m, i);
  DlabShape s = l.output;
  g_autofree char *shape = s.ndim == 3 ? g_strdup_printf ("%d×%d×%d", s.d[0], s.d[1], s.d[2])
                                       : g_strdup_printf ("%d", s.d[0]);
  long n = l.params;

  if (n == 0)
    /* TRANSLATORS: a layer of the Inside view: its name, kind (conv, relu…) and output shape */
    return g_strdup_printf (_("%s · %s · %s"), l.name, l.kind, shape);
  /* TRANSLATORS: a layer of the Inside view: its name, kind, output shape and parameter count */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %s · %ld parameter",
                                       "%s · %s · %s · %ld parameters", (gulong) n),
                          l.name, l.kind, shape, n);
}

static void
clear_layers (DlabInsideView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->layers_box))))
    gtk_box_remove (self->layers_box, child);
  g_ptr_array_set_size (self->layer_labels, 0);
  g_ptr_array_set_size (self->layer_pictures, 0);
}

static void
build_layers (DlabInsideView *self)
{
  const DlabModel *m = dlab_inside_model (self->inside);

  for (int i = 0; i < dlab_model_num_layers (m); i++)
    {
      g_autofree char *heading = layer_heading (m, i);
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *label = gtk_label_new (heading);
      GtkWidget *picture = gtk_picture_new ();
      GtkWidget *scroller = gtk_scrolled_window_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "caption-heading");
      gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
      gtk_widget_set_halign (picture, GTK_ALIGN_START);
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL, heading, -1);
      /* At its own size; sideways scrolling where the page is narrower. */
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
      gtk_scrolled_window_set_propagate_natural_width (GTK_SCROLLED_WINDOW (scroller), TRUE);
      gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
      gtk_widget_set_halign (scroller, GTK_ALIGN_START);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), picture);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (row), scroller);
      gtk_widget_set_visible (scroller, shows_picture (m, i));
      gtk_box_append (self->layers_box, row);
      g_ptr_array_add (self->layer_labels, label);
      g_ptr_array_add (self->layer_pictures, picture);
    }
}

/* ---- the filters ---- */

static void
show_filters (DlabInsideView *self, const DlabInside *inside, int epoch)
{
  DlabInsideFilters f;
  DlabImage img;
  g_autofree char *text = NULL;

  self->filters_epoch = epoch;
  if (!inside || dlab_inside_filters (inside, &f) < 0 || (f.channels != 1 && f.channels != 3))
    {
      gtk_widget_set_visible (self->filters_box, FALSE);
      return;
    }
  const DlabModel *m = dlab_inside_model (inside);
  const int scale = f.h <= 8 ? 40 / f.h : f.h < 16 ? 2 : 1;
  show_picture (self->filters_picture, dlab_inside_filters_image (&f, scale, &img), &img);
  DlabLayerSummary first = dlab_model_layer_summary (m, f.layer);
  if (strcmp (first.kind, "conv") == 0)
    /* TRANSLATORS: the filters' caption: their count, the layer's name and the filters' size */
    text = g_strdup_printf (_("The %d filters of %s (%d×%d), each on its own scale: grey is zero."), f.count,
                            first.name, f.h, f.w);
  else
    /* TRANSLATORS: an MLP's first-layer weights shown as images */
    text = g_strdup_printf (_("The weights of the %d neurons of %s, each as a %d×%d image: grey is zero."),
                            f.count, first.name, f.h, f.w);
  if (epoch > 0)
    {
      /* TRANSLATORS: appended to the filters' caption while the Train page trains */
      char *more = g_strdup_printf (_("%s From the run being trained, after epoch %d."), text, epoch);
      g_free (text);
      text = more;
    }
  gtk_label_set_label (self->filters_label, text);
  gtk_widget_set_visible (self->filters_box, TRUE);
}

/* ---- the saliency's class buttons ---- */

static void
on_class_toggled (GtkToggleButton *button, DlabInsideView *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  dlab_inside_view_set_saliency_class (self,
                                       GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "dlab-class")));
}

static void
build_class_buttons (DlabInsideView *self)
{
  GtkToggleButton *group = NULL;
  int n = dlab_classifier_get_n_classes (self->classifier);

  for (int k = -1; k < n; k++)
    {
      const char *name = k < 0 ? _("Most Likely") : dlab_classifier_get_class_name (self->classifier, k);
      GtkWidget *button = gtk_toggle_button_new_with_label (name);

      g_object_set_data (G_OBJECT (button), "dlab-class", GINT_TO_POINTER (k));
      if (group)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), k == self->saliency_class);
      g_signal_connect (button, "toggled", G_CALLBACK (on_class_toggled), self);
      /* "Most Likely" on a row of its own, then the classes five a row. */
      if (k < 0)
        gtk_grid_attach (self->class_box, button, 0, 0, CLASS_COLUMNS, 1);
      else
        gtk_grid_attach (self->class_box, button, k % CLASS_COLUMNS, 1 + k / CLASS_COLUMNS, 1, 1);
      g_ptr_array_add (self->class_buttons, button);
    }
}

static void
clear_class_buttons (DlabInsideView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_box))))
    gtk_grid_remove (self->class_box, child);
  g_ptr_array_set_size (self->class_buttons, 0);
}

/* ---- updates ---- */

static void load_epoch_filters (DlabInsideView *self);

static void
show_saliency (DlabInsideView *self)
{
  DlabImage img;
  int cls = self->saliency_class >= 0 ? self->saliency_class : self->best;
  g_autofree char *text = NULL;

  if (cls >= dlab_classifier_get_n_classes (self->classifier) || dlab_inside_saliency (self->inside, cls, self->grad) < 0)
    {
      gtk_picture_set_paintable (self->saliency_picture, NULL);
      self->shown_class = -1;
      return;
    }
  show_picture (self->saliency_picture,
                dlab_inside_saliency_image (self->image, self->grad, DLAB_INK_SIDE, DLAB_INK_SIDE, 1, SALIENCY_SCALE,
                                            &img),
                &img);
  self->shown_class = cls;
  /* TRANSLATORS: the saliency map's caption; %s is a class name */
  text = g_strdup_printf (_("Bright where a change of the pixel would change the score of “%s” most (the "
                            "gradient of its logit, before the softmax)."),
                          dlab_classifier_get_class_name (self->classifier, cls));
  gtk_label_set_label (self->saliency_label, text);
}

static void
show_empty (DlabInsideView *self, gboolean empty)
{
  self->has_reading = !empty;
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), empty);
  if (!empty)
    return;
  gtk_picture_set_paintable (self->saliency_picture, NULL);
  gtk_label_set_label (self->saliency_label, "");
  self->shown_class = -1;
  for (guint i = 0; i < self->layer_pictures->len; i++)
    gtk_picture_set_paintable (g_ptr_array_index (self->layer_pictures, i), NULL);
}

static void
update (DlabInsideView *self)
{
  const DlabStrokes *strokes;

  self->dirty = FALSE;
  if (!self->inside || !self->sketchpad)
    return;
  self->n_updates++;
  strokes = dlab_sketchpad_get_strokes (self->sketchpad);
  self->best = strokes->n_points ? dlab_inside_run_strokes (self->inside, strokes, self->image, NULL) : -1;
  show_empty (self, self->best < 0);
  if (self->best < 0)
    return;
  for (guint i = 0; i < self->layer_pictures->len; i++)
    {
      DlabShape s;
      DlabImage img;
      if (!shows_picture (dlab_inside_model (self->inside), (int) i))
        continue;
      const float *v = dlab_inside_output (self->inside, (int) i, &s);
      int rc = s.ndim == 3 ? dlab_inside_maps_image (v, s, maps_scale (s), MAPS_COLUMNS, &img)
                           : dlab_inside_bars_image (v, s.d[0], bar_width (s.d[0]), &img);
      show_picture (g_ptr_array_index (self->layer_pictures, i), rc, &img);
    }
  show_saliency (self);
}

/* After the frame that showed the probabilities has been painted. */
static void
on_after_paint (GdkFrameClock *clock, DlabInsideView *self)
{
  (void) clock;
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    update (self);
}

static void
mark_dirty (DlabInsideView *self)
{
  self->dirty = TRUE;
  /* A frame is coming for the pad's own redraw; ask for one anyway. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dlab_inside_view_map (GtkWidget *widget)
{
  DlabInsideView *self = DLAB_INSIDE_VIEW (widget);

  GTK_WIDGET_CLASS (dlab_inside_view_parent_class)->map (widget);
  self->clock = gtk_widget_get_frame_clock (widget);
  if (self->clock)
    self->after_paint_id = g_signal_connect (self->clock, "after-paint", G_CALLBACK (on_after_paint), self);
  mark_dirty (self);
  if (self->epoch_pending)
    load_epoch_filters (self);
}

static void
dlab_inside_view_unmap (GtkWidget *widget)
{
  DlabInsideView *self = DLAB_INSIDE_VIEW (widget);

  if (self->clock && self->after_paint_id)
    g_signal_handler_disconnect (self->clock, self->after_paint_id);
  self->clock = NULL;
  self->after_paint_id = 0;
  GTK_WIDGET_CLASS (dlab_inside_view_parent_class)->unmap (widget);
}

/* ---- public ---- */

void
dlab_inside_view_set_classifier (DlabInsideView *self, DlabClassifier *classifier)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (DLAB_IS_INSIDE_VIEW (self));
  if (!g_set_object (&self->classifier, classifier))
    return;
  g_clear_pointer (&self->inside, dlab_inside_free);
  clear_layers (self);
  clear_class_buttons (self);
  self->saliency_class = -1;
  if (classifier && !(self->inside = dlab_classifier_new_inside (classifier, &error)))
    g_warning ("inside view: %s", error->message);
  if (self->inside)
    {
      const DlabModel *m = dlab_inside_model (self->inside);
      char input[64];
      build_layers (self);
      build_class_buttons (self);
      dlab_network_diagram_set_spec (self->diagram, dlab_model_spec (m), dlab_shape_str (dlab_model_input (m), input, sizeof input), NULL);
    }
  else
    dlab_network_diagram_set_spec (self->diagram, "", "1", NULL);
  show_filters (self, self->inside, 0);
  show_empty (self, TRUE);
  mark_dirty (self);
}

void
dlab_inside_view_set_sketchpad (DlabInsideView *self, DlabSketchpad *sketchpad)
{
  g_return_if_fail (DLAB_IS_INSIDE_VIEW (self));
  if (self->sketchpad)
    g_signal_handlers_disconnect_by_data (self->sketchpad, self);
  g_set_object (&self->sketchpad, sketchpad);
  if (sketchpad)
    g_signal_connect_swapped (sketchpad, "changed", G_CALLBACK (mark_dirty), self);
  mark_dirty (self);
}

void
dlab_inside_view_set_saliency_class (DlabInsideView *self, int cls)
{
  g_return_if_fail (DLAB_IS_INSIDE_VIEW (self));
  if (cls < -1 || cls == self->saliency_class)
    return;
  self->saliency_class = cls;
  if ((guint) (cls + 1) < self->class_buttons->len)
    gtk_toggle_button_set_active (g_ptr_array_index (self->class_buttons, cls + 1), TRUE);
  if (self->has_reading)
    show_saliency (self);
}

int
dlab_inside_view_get_saliency_class (DlabInsideView *self)
{
  return self->saliency_class;
}

int
dlab_inside_view_get_shown_class (DlabInsideView *self)
{
  return self->shown_class;
}

/* ---- the run being trained ---- */

typedef struct {
  DlabInsideView *view; /* a reference */
  int epoch;
} EpochLoad;

static void
on_epoch_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  EpochLoad *load = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DlabClassifier) trained = dlab_classifier_load_file_finish (result, &error);
  DlabInside *inside = trained ? dlab_classifier_new_inside (trained, NULL) : NULL;

  (void) source;
  /* Cancelled, or a model that cannot read drawings: what shows stays. */
  if (inside)
    show_filters (load->view, inside, load->epoch);
  dlab_inside_free (inside);
  g_object_unref (load->view);
  g_free (load);
}

/* The job's newest epoch checkpoint, loaded on a worker thread. */
static void
load_epoch_filters (DlabInsideView *self)
{
  const char *path = self->job ? dlab_training_job_get_resume_checkpoint (self->job) : NULL;
  EpochLoad *load;

  self->epoch_pending = FALSE;
  if (!path)
    return;
  g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  g_autoptr (GFile) file = g_file_new_for_path (path);
  load = g_new (EpochLoad, 1);
  load->view = g_object_ref (self);
  load->epoch = dlab_training_job_get_epochs_done (self->job);
  dlab_classifier_load_file_async (file, self->loading, on_epoch_loaded, load);
}

/* Hidden, the view loads nothing: the newest epoch waits for it to show. */
static void
on_job_epoch (DlabTrainingJob *job, gconstpointer info, DlabInsideView *self)
{
  (void) job;
  (void) info;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    load_epoch_filters (self);
  else
    self->epoch_pending = TRUE;
}

void
dlab_inside_view_set_training_job (DlabInsideView *self, DlabTrainingJob *job)
{
  g_return_if_fail (DLAB_IS_INSIDE_VIEW (self));
  if (self->job)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  self->epoch_pending = FALSE;
  if (job)
    g_signal_connect (job, "epoch", G_CALLBACK (on_job_epoch), self);
}

/* ---- exports ---- */

gboolean
dlab_inside_view_export_diagram (DlabInsideView *self, GFile *file, gboolean png)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_return_val_if_fail (DLAB_IS_INSIDE_VIEW (self), FALSE);
  ok = path && (png ? dlab_network_diagram_export_png (self->diagram, path, &error)
                    : dlab_network_diagram_export_svg (self->diagram, path, &error));
  title = g_strdup_printf (ok ? _("Saved “%s”") : _("Could not save “%s”"), name);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, title,
                 ok ? NULL : error ? error->message : _("Only local files can be written."));
  return ok;
}

static void
on_export_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  DlabInsideView *self = g_object_get_data (G_OBJECT (chooser), "dlab-view");
  gboolean png = GPOINTER_TO_INT (data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file)
        dlab_inside_view_export_diagram (self, file, png);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

static void
choose_export (DlabInsideView *self, gboolean png)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Export Diagram"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  const char *name = png ? "network.png" : "network.svg";

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data (G_OBJECT (chooser), "dlab-view", self);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_chosen), GINT_TO_POINTER (png));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_png_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_export (DLAB_INSIDE_VIEW (widget), TRUE);
}

static void
export_svg_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_export (DLAB_INSIDE_VIEW (widget), FALSE);
}

/* ---- for tests ---- */

guint
dlab_inside_view_get_n_updates (DlabInsideView *self)
{
  return self->n_updates;
}

int
dlab_inside_view_get_n_layers (DlabInsideView *self)
{
  return (int) self->layer_pictures->len;
}

int
dlab_inside_view_get_filters_epoch (DlabInsideView *self)
{
  return self->filters_epoch;
}

DlabNetworkDiagram *
dlab_inside_view_get_diagram (DlabInsideView *self)
{
  return self->diagram;
}

void
dlab_inside_view_update_now (DlabInsideView *self)
{
  if (self->dirty)
    update (self);
}

/* ---- life ---- */

static void
dlab_inside_view_dispose (GObject *object)
{
  DlabInsideView *self = DLAB_INSIDE_VIEW (object);

  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  dlab_inside_view_set_training_job (self, NULL);
  dlab_inside_view_set_sketchpad (self, NULL);
  g_clear_object (&self->classifier);
  g_clear_pointer (&self->inside, dlab_inside_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_INSIDE_VIEW);
  G_OBJECT_CLASS (dlab_inside_view_parent_class)->dispose (object);
}

static void
dlab_inside_view_finalize (GObject *object)
{
  DlabInsideView *self = DLAB_INSIDE_VIEW (object);

  g_ptr_array_unref (self->layer_labels);
  g_ptr_array_unref (self->layer_pictures);
  g_ptr_array_unref (self->class_buttons);
  G_OBJECT_CLASS (dlab_inside_view_parent_class)->finalize (object);
}

static void
dlab_inside_view_class_init (DlabInsideViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dlab_inside_view_dispose;
  object_class->finalize = dlab_inside_view_finalize;
  widget_class->map = dlab_inside_view_map;
  widget_class->unmap = dlab_inside_view_unmap;

  g_type_ensure (DLAB_TYPE_NETWORK_DIAGRAM);
  g_type_ensure (DLAB_TYPE_FOLD_BOX);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-inside-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, empty_label);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, saliency_picture);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, saliency_label);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, class_box);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, filters_box);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, filters_label);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, filters_picture);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, layers_box);
  gtk_widget_class_bind_template_child (widget_class, DlabInsideView, diagram);
  /* "message" (title, details or NULL): an export saved, or why not. */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  gtk_widget_class_install_action (widget_class, "inside.export-png", NULL, export_png_activated);
  gtk_widget_class_install_action (widget_class, "inside.export-svg", NULL, export_svg_activated);
}

static void
dlab_inside_view_init (DlabInsideView *self)
{
  self->layer_labels = g_ptr_array_new ();
  self->layer_pictures = g_ptr_array_new ();
  self->class_buttons = g_ptr_array_new ();
  self->saliency_class = -1;
  self->shown_class = -1;
  self->best = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  show_filters (self, NULL, 0);
}
