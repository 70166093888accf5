/* DlabInkPreview: the 28x28 picture the network reads, magnified with
 * nearest-neighbour scaling so every pixel shows as a square: what people
 * draw, as the model sees it (MNIST's white ink on black). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_INK_PREVIEW (dlab_ink_preview_get_type ())
G_DECLARE_FINAL_TYPE (DlabInkPreview, dlab_ink_preview, DLAB, INK_PREVIEW, GtkWidget)

GtkWidget *dlab_ink_preview_new (void);

/* image: 28x28 values 0..1, row-major; NULL shows an empty (black) image. */
void dlab_ink_preview_set_image (DlabInkPreview *self, const float *image);
/* Whether an image is shown, and the sum of its pixels (for tests). */
gboolean dlab_ink_preview_has_image (DlabInkPreview *self);
double dlab_ink_preview_get_ink (DlabInkPreview *self);

G_END_DECLS
