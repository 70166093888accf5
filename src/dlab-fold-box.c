/* DlabFoldBox: see dlab-fold-box.h. */
#include "dlab-fold-box.h"

struct _DlabFoldBox {
  GtkWidget parent_instance;

  int spacing;
  gboolean folded;
};

G_DEFINE_FINAL_TYPE (DlabFoldBox, dlab_fold_box, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SPACING,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The visible children, in order (at most 8: the pages use two). */
#define MAX_CHILDREN 8

static int
visible_children (DlabFoldBox *self, GtkWidget **children)
{
  int n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self)); c && n < MAX_CHILDREN;
       c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_should_layout (c))
      children[n++] = c;
  return n;
}

static int
gaps (DlabFoldBox *self, int n)
{
  return self->spacing * MAX (n - 1, 0);
}

/* The least width at which the children fit side by side. */
static int
side_by_side_minimum (DlabFoldBox *self, GtkWidget **children, int n)
{
  int sum = gaps (self, n);

  for (int i = 0; i < n; i++)
    {
      int min;
      gtk_widget_measure (children[i], GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
      sum += min;
    }
  return sum;
}

/* Shares `total` pixels along `orientation` as GtkBox does: every child its
 * minimum, then up to its natural size, then the rest to the children that
 * expand that way. for_size is the other dimension (-1: none). */
static void
share (DlabFoldBox *self, GtkWidget **children, int n, GtkOrientation orientation, int total,
       int for_size, int *out)
{
  GtkRequestedSize sizes[MAX_CHILDREN];
  int extra = total - gaps (self, n), n_expand = 0;

  for (int i = 0; i < n; i++)
    {
      gtk_widget_measure (children[i], orientation, for_size, &sizes[i].minimum_size, &sizes[i].natural_size,
                          NULL, NULL);
      sizes[i].data = children[i];
      extra -= sizes[i].minimum_size;
      n_expand += gtk_widget_compute_expand (children[i], orientation);
    }
  extra = gtk_distribute_natural_allocation (MAX (extra, 0), (guint) n, sizes);
  for (int i = 0; i < n; i++)
    {
      out[i] = sizes[i].minimum_size;
      if (n_expand && gtk_widget_compute_expand (children[i], orientation))
        {
          int part = extra / n_expand;
          out[i] += part;
          extra -= part;
          n_expand--;
        }
    }
}

static void
dlab_fold_box_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlabFoldBox *self = DLAB_FOLD_BOX (widget);
  GtkWidget *children[MAX_CHILDREN];
  int n = visible_children (self, children), widths[MAX_CHILDREN];
  gboolean stacked;

  *minimum = *natural = 0;
  *minimum_baseline = *natural_baseline = -1;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Stacked, the widest child's minimum is enough; side by side is
       * what the children would like. */
      *natural = gaps (self, n);
      for (int i = 0; i < n; i++)
        {
          int min, nat;
          gtk_widget_measure (children[i], orientation, -1, &min, &nat, NULL, NULL);
          *minimum = MAX (*minimum, min);
          *natural += nat;
        }
      *natural = MAX (*natural, *minimum);
      return;
    }

  stacked = for_size >= 0 && for_size < side_by_side_minimum (self, children, n);
  if (stacked)
    {
      *minimum = *natural = gaps (self, n);
      for (int i = 0; i < n; i++)
        {
          int min, nat;
          gtk_widget_measure (children[i], orientation, for_size, &min, &nat, NULL, NULL);
          *minimum += min;
          *natural += nat;
        }
      return;
    }
  if (for_size >= 0)
    share (self, children, n, GTK_ORIENTATION_HORIZONTAL, for_size, -1, widths);
  for (int i = 0; i < n; i++)
    {
      int min, nat;
      gtk_widget_measure (children[i], orientation, for_size >= 0 ? widths[i] : -1, &min, &nat, NULL, NULL);
      *minimum = MAX (*minimum, min);
      *natural = MAX (*natural, nat);
    }
}

static void
dlab_fold_box_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DlabFoldBox *self = DLAB_FOLD_BOX (widget);
  GtkWidget *children[MAX_CHILDREN];
  int n = visible_children (self, children), sizes[MAX_CHILDREN], pos = 0;
  gboolean folded = width < side_by_side_minimum (self, children, n);
  gboolean rtl = gtk_widget_get_direction (widget) == GTK_TEXT_DIR_RTL;

  (void) baseline;
  if (folded)
    {
      share (self, children, n, GTK_ORIENTATION_VERTICAL, height, width, sizes);
      for (int i = 0; i < n; i++)
        {
          gtk_widget_size_allocate (children[i], &(GtkAllocation) { 0, pos, width, sizes[i] }, -1);
          pos += sizes[i] + self->spacing;
        }
    }
  else
    {
      share (self, children, n, GTK_ORIENTATION_HORIZONTAL, width, -1, sizes);
      for (int i = 0; i < n; i++)
        {
          int x = rtl ? width - pos - sizes[i] : pos;
          gtk_widget_size_allocate (children[i], &(GtkAllocation) { x, 0, sizes[i], height }, -1);
          pos += sizes[i] + self->spacing;
        }
    }
  if (folded != self->folded)
    {
      /* For the style sheet (a separator drawn as a shadow, which moves
       * nothing). */
      self->folded = folded;
      if (folded)
        gtk_widget_add_css_class (widget, "folded");
      else
        gtk_widget_remove_css_class (widget, "folded");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
    }
}

static GtkSizeRequestMode
dlab_fold_box_get_request_mode (GtkWidget *widget)
{
  (void) widget;
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

void
dlab_fold_box_set_spacing (DlabFoldBox *self, int spacing)
{
  g_return_if_fail (DLAB_IS_FOLD_BOX (self));

  spacing = MAX (spacing, 0);
  if (spacing == self->spacing)
    return;
  self->spacing = spacing;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPACING]);
}

int
dlab_fold_box_get_spacing (DlabFoldBox *self)
{
  g_return_val_if_fail (DLAB_IS_FOLD_BOX (self), 0);
  return self->spacing;
}

gboolean
dlab_fold_box_get_folded (DlabFoldBox *self)
{
  g_return_val_if_fail (DLAB_IS_FOLD_BOX (self), FALSE);
  return self->folded;
}

static void
dlab_fold_box_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlabFoldBox *self = DLAB_FOLD_BOX (object);

  switch (prop_id)
    {
    case PROP_SPACING:
      g_value_set_int (value, self->spacing);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_fold_box_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SPACING:
      dlab_fold_box_set_spacing (DLAB_FOLD_BOX (object), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dlab_fold_box_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dlab_fold_box_parent_class)->dispose (object);
}

static void
dlab_fold_box_class_init (DlabFoldBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dlab_fold_box_get_property;
  object_class->set_property = dlab_fold_box_set_property;
  object_class->dispose = dlab_fold_box_dispose;
  widget_class->measure = dlab_fold_box_measure;
  widget_class->size_allocate = dlab_fold_box_size_allocate;
  widget_class->get_request_mode = dlab_fold_box_get_request_mode;

  properties[PROP_SPACING] =
    g_param_spec_int ("spacing", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "foldbox");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
dlab_fold_box_init (DlabFoldBox *self)
{
  (void) self;
}

GtkWidget *
dlab_fold_box_new (void)
{
  return g_object_new (DLAB_TYPE_FOLD_BOX, NULL);
}
