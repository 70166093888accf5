/* Pictures written to files whole or not at all: drawn with cairo into
 * memory as PNG or SVG, then written to a temporary file beside the target,
 * flushed to disk and renamed over it. A failed export (a folder that
 * cannot be written, a full disk) leaves the old file as it was and no
 * temporary behind, and says which file and why. The plots and the
 * network diagram export through it. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Draws the whole picture, width x height, into cr (a blank surface). */
typedef void (*DlabExportDrawFunc) (cairo_t *cr, int width, int height, gpointer data);

/* PNG (png TRUE) or SVG of width x height pixels into path. FALSE with a
 * message that names path when it cannot be drawn or written. */
gboolean dlab_export_picture (const char *path, gboolean png, int width, int height, DlabExportDrawFunc draw,
                              gpointer data, GError **error);

/* The bytes into path, atomically (as above). FALSE with a message naming
 * path. */
gboolean dlab_export_write_file (const char *path, const void *bytes, gsize len, GError **error);

G_END_DECLS
