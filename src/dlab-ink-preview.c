/* DlabInkPreview: draws each of the 784 pixels as one square. */
#include "dlab-ink-preview.h"

#include <string.h>

#include "dlab/ink.h"

/* Smallest and preferred size of one magnified pixel. */
#define MIN_CELL 4
#define NATURAL_CELL 6

struct _DlabInkPreview {
  GtkWidget parent_instance;

  float image[DLAB_INK_PIXELS];
  gboolean has_image;
};

G_DEFINE_FINAL_TYPE (DlabInkPreview, dlab_ink_preview, GTK_TYPE_WIDGET)

static void
dlab_ink_preview_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void) widget;
  (void) orientation;
  (void) for_size;
  *minimum = DLAB_INK_SIDE * MIN_CELL;
  *natural = DLAB_INK_SIDE * NATURAL_CELL;
  *minimum_baseline = *natural_baseline = -1;
}

static void
dlab_ink_preview_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlabInkPreview *self = DLAB_INK_PREVIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  /* Whole-pixel cells: neighbouring squares meet without seams. */
  int cell = MAX (1, MIN (width, height) / DLAB_INK_SIDE);
  int side = cell * DLAB_INK_SIDE;
  float x0 = (float) ((width - side) / 2), y0 = (float) ((height - side) / 2);
  const GdkRGBA black = { 0, 0, 0, 1 };

  gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (x0, y0, side, side));
  if (!self->has_image)
    return;

  for (int y = 0; y < DLAB_INK_SIDE; y++)
    for (int x = 0; x < DLAB_INK_SIDE; x++)
      {
        float v = self->image[y * DLAB_INK_SIDE + x];
        if (v <= 0.0f)
          continue;
        GdkRGBA grey = { v, v, v, 1 };
        gtk_snapshot_append_color (snapshot, &grey,
                                   &GRAPHENE_RECT_INIT (x0 + x * cell, y0 + y * cell, cell, cell));
      }
}

static void
dlab_ink_preview_class_init (DlabInkPreviewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = dlab_ink_preview_measure;
  widget_class->snapshot = dlab_ink_preview_snapshot;
  gtk_widget_class_set_css_name (widget_class, "ink-preview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dlab_ink_preview_init (DlabInkPreview *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}

GtkWidget *
dlab_ink_preview_new (void)
{
  return g_object_new (DLAB_TYPE_INK_PREVIEW, NULL);
}

void
dlab_ink_preview_set_image (DlabInkPreview *self, const float *image)
{
  g_return_if_fail (DLAB_IS_INK_PREVIEW (self));

  self->has_image = image != NULL;
  if (image)
    memcpy (self->image, image, sizeof self->image);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dlab_ink_preview_has_image (DlabInkPreview *self)
{
  return self->has_image;
}

double
dlab_ink_preview_get_ink (DlabInkPreview *self)
{
  double sum = 0;

  if (!self->has_image)
    return 0;
  for (int i = 0; i < DLAB_INK_PIXELS; i++)
    sum += self->image[i];
  return sum;
}
