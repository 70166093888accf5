/* The application in a locale that writes decimals with a comma (issue 14),
 * under Xvfb: GTK calls setlocale(LC_ALL, "") with LC_ALL=de_DE.UTF-8, and
 * the built-in model ("dropout 0.3" in its spec) used to fail to load. It
 * loads, the Draw page reads a drawn 7, a saved drawing has '.' in its
 * numbers, and the committed default model opens as a file.
 *
 * Usage: test_locale   (exits 77 without a display or without de_DE.UTF-8) */
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-window.h"
#include "dlab/strokes.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "test_util.h"

#define LOCALE "de_DE.UTF-8"

static char *tmp_dir;

static gboolean
wait_for_reading (DlabDrawPage *page)
{
  ReadingWait w = { page, dlab_draw_page_get_n_readings (page) };
  return gui_wait_until (reading_done, &w, 3000);
}

static gboolean
not_loading (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
}

static gboolean
pad_has_size (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 100 && gtk_widget_get_height (GTK_WIDGET (data)) > 100;
}

/* A 7 in the unit square, ten pen samples a segment, at fractional pixels. */
static void
draw_seven (DlabSketchpad *pad)
{
  static const double seven[][2] = { { 0.28, 0.2 }, { 0.72, 0.2 }, { 0.60, 0.45 }, { 0.45, 0.82 } };
  double w = gtk_widget_get_width (GTK_WIDGET (pad)), h = gtk_widget_get_height (GTK_WIDGET (pad));
  double side = MIN (w, h), ox = (w - side) / 2 + 0.25, oy = (h - side) / 2 + 0.5;

  dlab_sketchpad_begin_stroke (pad, ox + seven[0][0] * side, oy + seven[0][1] * side, 0.75);
  for (guint i = 1; i < G_N_ELEMENTS (seven); i++)
    for (int k = 1; k <= 10; k++)
      {
        double t = k / 10.0;
        dlab_sketchpad_extend_stroke (pad, ox + (seven[i - 1][0] + t * (seven[i][0] - seven[i - 1][0])) * side,
                                      oy + (seven[i - 1][1] + t * (seven[i][1] - seven[i - 1][1])) * side, 0.75);
      }
  dlab_sketchpad_end_stroke (pad);
}

static const char *
model_name (DlabWindow *window)
{
  DlabClassifier *classifier = dlab_window_get_classifier (window);
  return classifier ? dlab_classifier_get_name (classifier) : "(no model)";
}

static const char *
last_error (DlabWindow *window)
{
  return dlab_window_get_last_error (window) ? dlab_window_get_last_error (window) : "no error";
}

static const char *
top_text (DlabDrawPage *page)
{
  return dlab_prediction_view_get_top_text (dlab_draw_page_get_prediction_view (page));
}

static void
check_drawing_file (DlabWindow *window)
{
  g_autofree char *path = g_build_filename (tmp_dir, "seven.strokes", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autofree char *text = NULL;
  DlabStrokes back;

  tap_ok (dlab_window_save_strokes (window, file) && g_file_get_contents (path, &text, NULL, NULL),
          "the drawing is saved");
  /* Pressure 0.75 on every point: "x y 0.75", never "0,75". */
  tap_ok (text && strstr (text, " 0.75\n") && !strstr (text, "0,75"), "its numbers are written with '.'");
  dlab_strokes_init (&back);
  int rc = dlab_strokes_read (path, &back);
  tap_ok (rc == 0 && back.n_points > 0, "and read back (%zu points)", back.n_points);
  dlab_strokes_free (&back);
  g_unlink (path);
}

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  const char *source_root = g_getenv ("DLAB_SOURCE_ROOT");
  g_autofree char *default_path = g_build_filename (source_root ? source_root : ".", "resources",
                                                    "default-model.safetensors", NULL);
  g_autoptr (GFile) default_file = g_file_new_for_path (default_path);

  tap_ok (strcmp (localeconv ()->decimal_point, ",") == 0, "the application runs in %s (decimal point \"%s\")",
          setlocale (LC_NUMERIC, NULL), localeconv ()->decimal_point);
  tap_ok (strcmp (model_name (window), "Built-in model") == 0, "the built-in model is loaded at start (%s)",
          last_error (window));
  if (!gui_wait_until (pad_has_size, pad, 5000))
    {
      tap_ok (0, "the sketchpad gets a size");
      return;
    }
  wait_for_reading (page);
  draw_seven (pad);
  wait_for_reading (page);
  tap_ok (g_strcmp0 (top_text (page), "7") == 0, "a drawn 7 reads as 7 (shown: \"%s\")", top_text (page));
  check_drawing_file (window);

  dlab_window_open_model (window, default_file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (strcmp (model_name (window), "default-model.safetensors") == 0, "the default model opens as a file (%s)",
          last_error (window));
}

int
main (int argc, char **argv)
{
  int status;

  (void) argc;
  /* As a user's session would have it; GTK's setlocale (LC_ALL, "") picks it up. */
  g_setenv ("LC_ALL", LOCALE, TRUE);
  if (!setlocale (LC_ALL, LOCALE))
    {
      tap_skip_all (LOCALE " is not installed (tools/setup.sh generates it)");
      return 77;
    }
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      return 77;
    }
  tmp_dir = g_dir_make_tmp ("digit-lab-locale-XXXXXX", NULL);
  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
