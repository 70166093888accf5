/* DlabFoldBox: children side by side while they fit, one above the other
 * when the box is narrower than their minimum widths put together: what
 * libadwaita 1.4's breakpoints do, for Debian 12's libadwaita 1.2 (no
 * AdwBreakpoint there; AdwLeaflet shows one child at a time when folded).
 * Side by side every child gets the whole height; stacked every child gets
 * the whole width and the extra height goes to the children that expand
 * vertically. The fold follows the width only, never the children's
 * style, so a change of style after folding cannot make it flip back. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_FOLD_BOX (dlab_fold_box_get_type ())
G_DECLARE_FINAL_TYPE (DlabFoldBox, dlab_fold_box, DLAB, FOLD_BOX, GtkWidget)

GtkWidget *dlab_fold_box_new (void);

/* Pixels between the children, in both arrangements. */
void dlab_fold_box_set_spacing (DlabFoldBox *self, int spacing);
int dlab_fold_box_get_spacing (DlabFoldBox *self);

/* TRUE while the children are stacked (a "folded" notification follows
 * each change, during the allocation that made it). */
gboolean dlab_fold_box_get_folded (DlabFoldBox *self);

G_END_DECLS
