/* Sample grids: see dlab-sample-grid.h. */
#include "dlab-sample-grid.h"

#include <glib/gi18n.h>
#include <math.h>

/* ---- items -------------------------------------------------------------------- */

struct _DlabSampleItem {
  GObject parent_instance;

  const DlabDataset *data;
  int index, label, predicted;
  float confidence;
};

G_DEFINE_FINAL_TYPE (DlabSampleItem, dlab_sample_item, G_TYPE_OBJECT)

static void
dlab_sample_item_class_init (DlabSampleItemClass *klass)
{
  (void) klass;
}

static void
dlab_sample_item_init (DlabSampleItem *self)
{
  self->predicted = -1;
}

int
dlab_sample_item_get_index (DlabSampleItem *self)
{
  return self->index;
}

int
dlab_sample_item_get_label (DlabSampleItem *self)
{
  return self->label;
}

int
dlab_sample_item_get_predicted (DlabSampleItem *self)
{
  return self->predicted;
}

/* ---- the list model ----------------------------------------------------------------- */

struct _DlabSampleList {
  GObject parent_instance;

  const DlabDataset *data;
  GObject *owner;
  guint32 *idx;       /* NULL: 0 .. n-1 */
  guint n;
  guint8 *predicted;
  float *confidence;
};

static void dlab_sample_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlabSampleList, dlab_sample_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, dlab_sample_list_model_init))

static GType
list_get_item_type (GListModel *model)
{
  (void) model;
  return DLAB_TYPE_SAMPLE_ITEM;
}

static guint
list_get_n_items (GListModel *model)
{
  return DLAB_SAMPLE_LIST (model)->n;
}

static gpointer
list_get_item (GListModel *model, guint position)
{
  DlabSampleList *self = DLAB_SAMPLE_LIST (model);
  DlabSampleItem *item;

  if (position >= self->n)
    return NULL;
  item = g_object_new (DLAB_TYPE_SAMPLE_ITEM, NULL);
  item->data = self->data;
  item->index = self->idx ? (int) self->idx[position] : (int) position;
  item->label = self->data->labels[item->index];
  if (self->predicted)
    {
      item->predicted = self->predicted[position];
      item->confidence = self->confidence ? self->confidence[position] : NAN;
    }
  return item;
}

static void
dlab_sample_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

static void
clear_list (DlabSampleList *self)
{
  g_clear_pointer (&self->idx, g_free);
  g_clear_pointer (&self->predicted, g_free);
  g_clear_pointer (&self->confidence, g_free);
  g_clear_object (&self->owner);
  self->data = NULL;
  self->n = 0;
}

static void
dlab_sample_list_finalize (GObject *object)
{
  clear_list (DLAB_SAMPLE_LIST (object));
  G_OBJECT_CLASS (dlab_sample_list_parent_class)->finalize (object);
}

static void
dlab_sample_list_class_init (DlabSampleListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dlab_sample_list_finalize;
}

static void
dlab_sample_list_init (DlabSampleList *self)
{
  (void) self;
}

DlabSampleList *
dlab_sample_list_new (void)
{
  return g_object_new (DLAB_TYPE_SAMPLE_LIST, NULL);
}

void
dlab_sample_list_set (DlabSampleList *self, const DlabDataset *d, GObject *owner,
                      const guint32 *idx, guint n, const guint8 *predicted, const float *confidence)
{
  guint removed = self->n;

  g_return_if_fail (DLAB_IS_SAMPLE_LIST (self));
  /* The new owner first: it may be the old one. */
  if (owner)
    g_object_ref (owner);
  clear_list (self);
  self->owner = owner;
  self->data = d;
  self->n = d ? (idx ? n : (guint) d->n) : 0;
  self->idx = d && idx ? g_memdup2 (idx, sizeof (guint32) * n) : NULL;
  self->predicted = d && predicted ? g_memdup2 (predicted, n) : NULL;
  self->confidence = d && confidence ? g_memdup2 (confidence, sizeof (float) * n) : NULL;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->n);
}

const DlabDataset *
dlab_sample_list_get_dataset (DlabSampleList *self)
{
  return self->data;
}

/* ---- tiles ------------------------------------------------------------------------------ */

/* A tile: the picture, and a label under it. The grid's tiles carry their
 * position so tests (and accessibility) can tell which sample is where. */
static void
setup_tile (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *picture = gtk_picture_new ();
  GtkWidget *label = gtk_label_new (NULL);

  (void) factory;
  (void) data;
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), FALSE);
  gtk_widget_set_halign (picture, GTK_ALIGN_CENTER);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 12);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  gtk_widget_add_css_class (box, "sample-tile");
  gtk_list_item_set_child (list_item, box);
}

/* Tiles about 72 pixels wide, whole pixels per sample pixel. */
static int
tile_scale (const DlabDataset *d)
{
  return MAX (1, 72 / MAX (d->w, d->h));
}

static void
bind_tile (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  DlabSampleItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *picture = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (picture);
  g_autoptr (GdkTexture) texture = dlab_sample_texture (item->data, item->index, NULL, tile_scale (item->data));
  g_autofree char *name = dlab_sample_class_name (item->data, item->label);
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;

  (void) factory;
  (void) data;
  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (texture));
  if (item->predicted >= 0)
    {
      g_autofree char *predicted = dlab_sample_class_name (item->data, item->predicted);
      text = g_strdup_printf ("%s → %s", name, predicted);
      tooltip = g_strdup_printf (_("Test image %d: a “%s”, read as “%s” (%.0f%% sure)"), item->index,
                                 name, predicted, item->confidence * 100);
      gtk_widget_set_visible (label, TRUE);
    }
  else
    {
      text = g_strdup (name);
      tooltip = g_strdup_printf (_("Image %d: “%s”"), item->index, name);
    }
  gtk_label_set_label (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (box, tooltip);
  /* What a screen reader says for the image: the same sentence. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL, tooltip, -1);
  if (item->predicted >= 0 && item->predicted != item->label)
    gtk_widget_add_css_class (label, "error");
  else
    gtk_widget_remove_css_class (label, "error");
  g_object_set_data (G_OBJECT (box), "dlab-position", GUINT_TO_POINTER (gtk_list_item_get_position (list_item) + 1));
}

static void
unbind_tile (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer data)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);

  (void) factory;
  (void) data;
  gtk_picture_set_paintable (GTK_PICTURE (gtk_widget_get_first_child (box)), NULL);
  g_object_set_data (G_OBJECT (box), "dlab-position", NULL);
}

GtkWidget *
dlab_sample_grid_new (DlabSampleList *list)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (list))));
  GtkWidget *grid;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_tile), NULL);
  grid = gtk_grid_view_new (selection, factory);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (grid), 40);
  gtk_widget_add_css_class (grid, "sample-grid");
  gtk_accessible_update_property (GTK_ACCESSIBLE (grid), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Images"), -1);
  return grid;
}

/* ---- one Tab stop ------------------------------------------------------------------------ */

struct _DlabTabStop {
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (DlabTabStop, dlab_tab_stop, GTK_TYPE_WIDGET)

static gboolean
dlab_tab_stop_focus (GtkWidget *widget, GtkDirectionType direction)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  gboolean inside = gtk_widget_get_focus_child (widget) != NULL;

  /* Focus inside and Tab pressed: on to the widget after the grid (the
   * container above tries our next sibling when we refuse). */
  if (inside && (direction == GTK_DIR_TAB_FORWARD || direction == GTK_DIR_TAB_BACKWARD))
    return FALSE;
  return child && gtk_widget_child_focus (child, direction);
}

static void
dlab_tab_stop_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dlab_tab_stop_parent_class)->dispose (object);
}

static void
dlab_tab_stop_class_init (DlabTabStopClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_tab_stop_dispose;
  widget_class->focus = dlab_tab_stop_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "tabstop");
}

static void
dlab_tab_stop_init (DlabTabStop *self)
{
  (void) self;
}

GtkWidget *
dlab_tab_stop_new (GtkWidget *child)
{
  GtkWidget *self = g_object_new (DLAB_TYPE_TAB_STOP, NULL);

  if (child)
    gtk_widget_set_parent (child, self);
  return self;
}

static const char *
find_tile_text (GtkWidget *widget, guint position)
{
  if (g_object_get_data (G_OBJECT (widget), "dlab-position") == GUINT_TO_POINTER (position + 1) &&
      gtk_widget_get_mapped (widget))
    return gtk_label_get_label (GTK_LABEL (gtk_widget_get_last_child (widget)));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      const char *text = find_tile_text (c, position);
      if (text)
        return text;
    }
  return NULL;
}

const char *
dlab_sample_grid_get_tile_text (GtkWidget *grid, guint position)
{
  return find_tile_text (grid, position);
}
