/* DlabExport: see dlab-export.h. */
#include "dlab-export.h"

#include <cairo-svg.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

static gboolean
write_failed (const char *path, int err, GError **error)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), _("%s: cannot write the file: %s"), path,
               g_strerror (err));
  return FALSE;
}

static gboolean
write_all (int fd, const guint8 *bytes, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, bytes, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n == 0)
        errno = EIO; /* nothing written, no reason given */
      if (n <= 0)
        return FALSE;
      bytes += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* "<path>.tmp-XXXXXX" beside the target, the engine's pattern for its own
 * atomic files (dlab_atomic_remove_stale knows it): written, fsynced,
 * closed, then renamed; removed on any failure. */
gboolean
dlab_export_write_file (const char *path, const void *bytes, gsize len, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-XXXXXX", path);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  int err;

  if (fd < 0)
    return write_failed (path, errno, error);
  if (!write_all (fd, bytes, len) || fsync (fd) != 0)
    {
      err = errno;
      close (fd);
      g_unlink (tmp);
      return write_failed (path, err, error);
    }
  if (close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      err = errno;
      g_unlink (tmp);
      return write_failed (path, err, error);
    }
  return TRUE;
}

static cairo_status_t
append (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
draw_on (cairo_surface_t *surface, int width, int height, DlabExportDrawFunc draw, gpointer data)
{
  cairo_t *cr = cairo_create (surface);
  draw (cr, width, height, data);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
}

gboolean
dlab_export_picture (const char *path, gboolean png, int width, int height, DlabExportDrawFunc draw,
                     gpointer data, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_status_t status;

  if (png)
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
      draw_on (surface, width, height, draw, data);
      status = cairo_surface_status (surface);
      if (status == CAIRO_STATUS_SUCCESS)
        status = cairo_surface_write_to_png_stream (surface, append, bytes);
    }
  else
    {
      surface = cairo_svg_surface_create_for_stream (append, bytes, width, height);
      draw_on (surface, width, height, draw, data);
      cairo_surface_finish (surface);
      status = cairo_surface_status (surface);
    }
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot draw the picture: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return dlab_export_write_file (path, bytes->data, bytes->len, error);
}
