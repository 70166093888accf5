/* The application as a person meets it, under Xvfb: the real DlabApplication
 * starts, its window opens on the Draw page, strokes of known digits go
 * through the sketchpad and the displayed reading is checked; undo, redo,
 * clear; strokes files in and out; models opened, including a corrupt and a
 * mismatched one (an error in the window, the model kept); and a screenshot
 * of the window saved as a PNG next to the test.
 *
 * Usage: test_app SCREENSHOT.png   (exits 77 without a display) */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-settings.h"
#include "dlab-window.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "dlab/checkpoint.h"
#include "dlab/model.h"
#include "dlab/strokes.h"
#include "test_util.h"

static const char *screenshot_path;
static char *tmp_dir;
static int width_at_quit = -1;

/* ---- waiting for the main loop ------------------------------------------- */

/* Waits for the next reading of the drawing (the next frame's). */
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
not_opening_strokes (gpointer data)
{
  return !dlab_window_is_opening_strokes (DLAB_WINDOW (data));
}

/* Opens a strokes file as the Open action does and waits until it is read. */
static gboolean
open_strokes (DlabWindow *window, GFile *file)
{
  dlab_window_open_strokes (window, file);
  return gui_wait_until (not_opening_strokes, window, 10000);
}

static gboolean
pad_has_size (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 100 && gtk_widget_get_height (GTK_WIDGET (data)) > 100;
}

/* ---- drawing digits ------------------------------------------------------- */

/* Points of a digit in the unit square (0..1, y down), one stroke each. */
static void
draw_polyline (DlabSketchpad *pad, const double (*pts)[2], int n)
{
  double w = gtk_widget_get_width (GTK_WIDGET (pad));
  double h = gtk_widget_get_height (GTK_WIDGET (pad));
  double side = MIN (w, h), ox = (w - side) / 2, oy = (h - side) / 2;

  dlab_sketchpad_begin_stroke (pad, ox + pts[0][0] * side, oy + pts[0][1] * side, 1.0);
  for (int i = 1; i < n; i++)
    {
      /* Ten points per segment, as a moving pen gives them. */
      for (int k = 1; k <= 10; k++)
        {
          double t = k / 10.0;
          double x = pts[i - 1][0] + t * (pts[i][0] - pts[i - 1][0]);
          double y = pts[i - 1][1] + t * (pts[i][1] - pts[i - 1][1]);
          dlab_sketchpad_extend_stroke (pad, ox + x * side, oy + y * side, 1.0);
        }
    }
  dlab_sketchpad_end_stroke (pad);
}

static void
draw_one (DlabSketchpad *pad)
{
  static const double one[][2] = { { 0.52, 0.18 }, { 0.50, 0.50 }, { 0.48, 0.82 } };
  draw_polyline (pad, one, G_N_ELEMENTS (one));
}

static void
draw_zero (DlabSketchpad *pad)
{
  double pts[41][2];
  for (int i = 0; i <= 40; i++)
    {
      double a = 2 * G_PI * i / 40.0;
      pts[i][0] = 0.5 + 0.22 * sin (a);
      pts[i][1] = 0.5 - 0.32 * cos (a);
    }
  draw_polyline (pad, (const double (*)[2]) pts, 41);
}

static void
draw_seven (DlabSketchpad *pad)
{
  static const double seven[][2] = { { 0.28, 0.2 }, { 0.72, 0.2 }, { 0.60, 0.45 }, { 0.45, 0.82 } };
  draw_polyline (pad, seven, G_N_ELEMENTS (seven));
}

/* ---- looking at the window ------------------------------------------------ */

/* A toast on screen whose text contains `needle`. */
static gboolean
find_toast (GtkWidget *widget, const char *needle, gboolean inside_toast)
{
  inside_toast = inside_toast || g_strcmp0 (gtk_widget_get_css_name (widget), "toast") == 0;
  if (inside_toast && GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_label (GTK_LABEL (widget)), needle))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    if (find_toast (c, needle, inside_toast))
      return TRUE;
  return FALSE;
}

typedef struct {
  GtkWidget *window;
  const char *needle;
} ToastWait;

static gboolean
toast_shown (gpointer data)
{
  ToastWait *w = data;
  return find_toast (w->window, w->needle, FALSE);
}

/* ---- files ---------------------------------------------------------------- */

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* A checkpoint with random weights: enough to test opening models. */
static char *
write_checkpoint (const char *name, const char *arch, int c, int side, const char *dataset,
                  const char *const *classes)
{
  DlabShape input = { 3, { c, side, side } };
  DlabModel *m = dlab_model_create (arch, input, 7);
  DlabModelInfo info;
  char *path = tmp_path (name);

  memset (&info, 0, sizeof info);
  g_strlcpy (info.dataset, dataset, sizeof info.dataset);
  g_strlcpy (info.orientation, "normal", sizeof info.orientation);
  info.channels = c;
  for (int i = 0; i < c; i++)
    {
      info.mean[i] = 0.5f;
      info.std[i] = 0.25f;
    }
  for (info.num_classes = 0; classes[info.num_classes]; info.num_classes++)
    info.class_names[info.num_classes] = g_strdup (classes[info.num_classes]);
  if (!m || dlab_checkpoint_save (path, m, &info) != 0)
    g_clear_pointer (&path, g_free);
  for (int i = 0; i < info.num_classes; i++)
    g_free (info.class_names[i]);
  dlab_model_free (m);
  return path;
}

/* ---- the checks ----------------------------------------------------------- */

static const char *
top_text (DlabDrawPage *page)
{
  return dlab_prediction_view_get_top_text (dlab_draw_page_get_prediction_view (page));
}

static int
top_class (DlabDrawPage *page)
{
  return dlab_prediction_view_get_top_class (dlab_draw_page_get_prediction_view (page));
}

static void
check_startup (DlabWindow *window, DlabDrawPage *page)
{
  DlabClassifier *classifier = dlab_window_get_classifier (window);

  tap_ok (gtk_widget_get_visible (GTK_WIDGET (window)), "the window is shown");
  tap_ok (classifier && strcmp (dlab_classifier_get_name (classifier), "Built-in model") == 0,
          "the built-in model (from the GResource) is loaded at start");
  tap_ok (dlab_prediction_view_get_n_bars (dlab_draw_page_get_prediction_view (page)) == 10,
          "one bar per class: %d", dlab_prediction_view_get_n_bars (dlab_draw_page_get_prediction_view (page)));
  wait_for_reading (page);
  tap_ok (top_class (page) == -1 && !dlab_ink_preview_has_image (dlab_draw_page_get_ink_preview (page)),
          "an empty pad shows no prediction (\"%s\")", top_text (page));
}

static void
check_reading (DlabDrawPage *page, void (*draw_digit) (DlabSketchpad *), const char *expected)
{
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);

  dlab_sketchpad_clear (pad);
  wait_for_reading (page);
  draw_digit (pad);
  wait_for_reading (page);
  tap_ok (g_strcmp0 (top_text (page), expected) == 0, "a drawn %s reads as %s (shown: \"%s\", %s)",
          expected, expected, top_text (page),
          dlab_prediction_view_get_caption (dlab_draw_page_get_prediction_view (page)));
}

static void
check_live_reading (DlabDrawPage *page)
{
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  DlabInkPreview *preview = dlab_draw_page_get_ink_preview (page);
  guint before;

  dlab_sketchpad_clear (pad);
  wait_for_reading (page);
  /* A whole stroke of changes between two frames... */
  before = dlab_draw_page_get_n_readings (page);
  draw_one (pad);
  tap_ok (dlab_draw_page_get_n_readings (page) == before, "no reading runs inside the event burst");
  wait_for_reading (page);
  /* ...give one reading at the next frame. */
  tap_ok (dlab_draw_page_get_n_readings (page) == before + 1,
          "the burst is read once, at the next frame (%u readings)",
          dlab_draw_page_get_n_readings (page) - before);
  tap_ok (dlab_ink_preview_has_image (preview) && dlab_ink_preview_get_ink (preview) > 20,
          "the 28x28 image the network sees is shown (ink %.1f)", dlab_ink_preview_get_ink (preview));
}

static void
check_undo_redo_clear (DlabWindow *window, DlabDrawPage *page)
{
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  GtkWidget *w = GTK_WIDGET (window);

  dlab_sketchpad_clear (pad);
  draw_one (pad);
  wait_for_reading (page);
  tap_ok (top_class (page) == 1, "a 1 is on the pad");

  gtk_widget_activate_action (w, "win.undo", NULL);
  wait_for_reading (page);
  tap_ok (dlab_sketchpad_is_empty (pad) && top_class (page) == -1,
          "undo removes the stroke and the prediction");
  tap_ok (dlab_sketchpad_can_redo (pad), "redo is possible after undo");

  gtk_widget_activate_action (w, "win.redo", NULL);
  wait_for_reading (page);
  tap_ok (dlab_sketchpad_get_strokes (pad)->n_strokes == 1 && top_class (page) == 1,
          "redo brings the stroke and the reading back");

  gtk_widget_activate_action (w, "win.clear", NULL);
  wait_for_reading (page);
  tap_ok (dlab_sketchpad_is_empty (pad) && top_class (page) == -1, "clear empties the pad");

  gtk_widget_activate_action (w, "win.undo", NULL);
  wait_for_reading (page);
  tap_ok (dlab_sketchpad_get_strokes (pad)->n_strokes == 1 && top_class (page) == 1,
          "undo after clear restores the drawing");

  /* A new stroke after undo forgets what could be redone. */
  gtk_widget_activate_action (w, "win.undo", NULL);
  draw_one (pad);
  tap_ok (!dlab_sketchpad_can_redo (pad) && dlab_sketchpad_get_strokes (pad)->n_strokes == 1,
          "drawing after undo drops the redo history");
}

static gboolean
has_accel (GtkApplication *app, const char *action, const char *accel)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (app, action);
  return accels && g_strv_contains ((const char *const *) accels, accel);
}

static void
check_accelerators (GtkApplication *app)
{
  tap_ok (has_accel (app, "win.undo", "<Control>z") && has_accel (app, "win.redo", "<Shift><Control>z") &&
          has_accel (app, "win.clear", "Escape") && has_accel (app, "win.clear", "Delete") &&
          has_accel (app, "app.quit", "<Control>q") && has_accel (app, "win.open-model", "<Control>o"),
          "keyboard accelerators are set on the application");
}

static void
check_strokes_files (DlabWindow *window, DlabDrawPage *page)
{
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  g_autofree char *path = tmp_path ("one.strokes");
  g_autofree char *bad_path = tmp_path ("broken.strokes");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) bad = g_file_new_for_path (bad_path);
  DlabStrokes back;
  ToastWait toast = { GTK_WIDGET (window), "broken.strokes" };

  dlab_sketchpad_clear (pad);
  draw_one (pad);
  tap_ok (dlab_window_save_strokes (window, file), "the strokes are saved");
  dlab_strokes_init (&back);
  tap_ok (dlab_strokes_read (path, &back) == 0 && back.n_strokes == 1 && back.canvas_w > 0 &&
          back.n_points == dlab_sketchpad_get_strokes (pad)->n_points,
          "the saved file holds the stroke and the canvas size");
  dlab_strokes_free (&back);

  dlab_sketchpad_clear (pad);
  wait_for_reading (page);
  tap_ok (open_strokes (window, file) && dlab_sketchpad_get_strokes (pad)->n_strokes == 1,
          "the strokes file opens");
  wait_for_reading (page);
  tap_ok (top_class (page) == 1, "the opened strokes read as 1 (\"%s\")", top_text (page));

  g_file_set_contents (bad_path, "# canvas 400 400\n10 20\n30 forty\n", -1, NULL);
  tap_ok (open_strokes (window, bad) && gui_wait_until (toast_shown, &toast, 2000),
          "a malformed strokes file is refused with a toast naming the file");
  tap_ok (dlab_window_get_last_error (window) && strstr (dlab_window_get_last_error (window), "broken.strokes"),
          "the error names the file: %s", dlab_window_get_last_error (window));
  tap_ok (dlab_sketchpad_get_strokes (pad)->n_strokes == 1, "the drawing is kept");
}

static gboolean
count_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* A file of a million points takes about half a second to parse: it is
 * read on a worker thread while the main loop goes on (a 10 ms timeout
 * keeps firing), then the drawing appears and is read. */
static void
check_large_strokes (DlabWindow *window, DlabDrawPage *page)
{
  enum { POINTS = 1000000 };
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  g_autofree char *path = tmp_path ("large.strokes");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  GString *text = g_string_sized_new (POINTS * 16);
  guint ticks = 0, ticker;
  gboolean read;
  gint64 start;

  /* A 1, drawn down with a million pen samples. */
  g_string_append (text, "# canvas 400 400\n");
  for (int i = 0; i < POINTS; i++)
    g_string_append_printf (text, "%.4f %.4f\n", 208.0 - 16.0 * i / POINTS, 72.0 + 256.0 * i / POINTS);
  g_file_set_contents (path, text->str, (gssize) text->len, NULL);
  g_string_free (text, TRUE);

  dlab_sketchpad_clear (pad);
  wait_for_reading (page);
  ticker = g_timeout_add (10, count_tick, &ticks);
  start = g_get_monotonic_time ();
  dlab_window_open_strokes (window, file);
  read = gui_wait_until (not_opening_strokes, window, 20000);
  g_source_remove (ticker);
  tap_ok (read && ticks >= 3, "the main loop runs while %d points are read (%u ticks of 10 ms in %.2f s)", POINTS,
          ticks, (g_get_monotonic_time () - start) / 1e6);
  tap_ok (dlab_sketchpad_get_strokes (pad)->n_points == POINTS, "then the drawing appears (%zu points)",
          dlab_sketchpad_get_strokes (pad)->n_points);
  start = g_get_monotonic_time ();
  wait_for_reading (page);
  tap_ok (top_class (page) == 1, "and reads as 1 (\"%s\", %.2f s after it appeared)", top_text (page),
          (g_get_monotonic_time () - start) / 1e6);
  dlab_sketchpad_clear (pad);
}

static void
check_models (DlabWindow *window, DlabDrawPage *page)
{
  static const char *const fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };
  static const char *const cifar[] = { "airplane", "automobile", "bird", "cat", "deer",
                                       "dog", "frog", "horse", "ship", "truck", NULL };
  g_autofree char *fashion_path = write_checkpoint ("fashion.safetensors", "lenet", 1, 28, "fashion-mnist", fashion);
  g_autofree char *cifar_path = write_checkpoint ("cifar.safetensors", "cifarnet", 3, 32, "cifar10", cifar);
  g_autofree char *corrupt_path = tmp_path ("corrupt.safetensors");
  const char *source_root = g_getenv ("DLAB_SOURCE_ROOT");
  g_autofree char *default_path = g_build_filename (source_root ? source_root : ".", "resources",
                                                    "default-model.safetensors", NULL);
  DlabPredictionView *view = dlab_draw_page_get_prediction_view (page);
  DlabClassifier *before;
  ToastWait toast = { GTK_WIDGET (window), "corrupt.safetensors" };

  tap_ok (fashion_path && cifar_path, "test checkpoints written");
  if (!fashion_path || !cifar_path)
    return;

  /* The committed default model, as a file. */
  g_autoptr (GFile) default_file = g_file_new_for_path (default_path);
  dlab_window_open_model (window, default_file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (g_strcmp0 (dlab_classifier_get_name (dlab_window_get_classifier (window)),
                     "default-model.safetensors") == 0,
          "a model file opens");
  wait_for_reading (page);
  tap_ok (top_class (page) == 1, "the opened model reads the 1 (\"%s\")", top_text (page));

  /* Class names come from the checkpoint's metadata. */
  g_autoptr (GFile) fashion_file = g_file_new_for_path (fashion_path);
  dlab_window_open_model (window, fashion_file);
  gui_wait_until (not_loading, window, 10000);
  wait_for_reading (page);
  tap_ok (g_strcmp0 (dlab_classifier_get_name (dlab_window_get_classifier (window)), "fashion.safetensors") == 0 &&
          dlab_prediction_view_get_n_bars (view) == 10 &&
          g_strv_contains (fashion, top_text (page)),
          "a Fashion-MNIST model shows its class names (\"%s\")", top_text (page));
  g_autoptr (GSettings) settings = dlab_settings_new ();
  g_autofree char *remembered = settings ? g_settings_get_string (settings, "last-model-path") : NULL;
  tap_ok (g_strcmp0 (remembered, fashion_path) == 0, "the opened model is remembered in GSettings (%s)",
          remembered ? remembered : "no settings");

  /* A corrupt file: an error in the window, the model stays. */
  before = dlab_window_get_classifier (window);
  g_file_set_contents (corrupt_path, "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": garbage", 22, NULL);
  g_autoptr (GFile) corrupt = g_file_new_for_path (corrupt_path);
  dlab_window_open_model (window, corrupt);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (dlab_window_get_classifier (window) == before, "a corrupt model file keeps the current model");
  tap_ok (gui_wait_until (toast_shown, &toast, 2000), "the window shows the error in a toast naming the file");
  tap_ok (dlab_window_get_last_error (window) && strstr (dlab_window_get_last_error (window), "corrupt.safetensors"),
          "the error names the file: %s", dlab_window_get_last_error (window));

  /* A valid model that cannot read drawings (3x32x32 inputs). */
  g_autoptr (GFile) cifar_file = g_file_new_for_path (cifar_path);
  dlab_window_open_model (window, cifar_file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (dlab_window_get_classifier (window) == before &&
          strstr (dlab_window_get_last_error (window), "1×28×28"),
          "a model for other images is refused: %s", dlab_window_get_last_error (window));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.use-builtin-model", NULL);
  wait_for_reading (page);
  tap_ok (g_strcmp0 (dlab_classifier_get_name (dlab_window_get_classifier (window)), "Built-in model") == 0 &&
          top_class (page) == 1,
          "back to the built-in model, which reads the 1 again");
}

static void
check_not_sure (DlabDrawPage *page)
{
  DlabPredictionView *view = dlab_draw_page_get_prediction_view (page);
  g_autoptr (GSettings) settings = dlab_settings_new ();
  float unsure[10] = { 0.05f, 0.05f, 0.05f, 0.35f, 0.05f, 0.05f, 0.05f, 0.3f, 0.0f, 0.05f };
  float sure[10] = { 0.01f, 0.01f, 0.01f, 0.9f, 0.01f, 0.01f, 0.01f, 0.02f, 0.01f, 0.01f };

  if (settings)
    g_settings_set_double (settings, "not-sure-threshold", 0.75);
  gui_spin (50); /* the settings backend announces changes from the main loop */
  tap_ok (fabs (dlab_prediction_view_get_threshold (view) - 0.75) < 1e-9,
          "the threshold follows GSettings");
  dlab_prediction_view_set_probabilities (view, unsure);
  tap_ok (!dlab_prediction_view_is_sure (view) && g_str_has_prefix (dlab_prediction_view_get_caption (view), "Not sure") &&
          strcmp (dlab_prediction_view_get_top_text (view), "3") == 0,
          "below the threshold it says \"%s\" under the top class", dlab_prediction_view_get_caption (view));
  dlab_prediction_view_set_probabilities (view, sure);
  tap_ok (dlab_prediction_view_is_sure (view), "above it, it is sure (\"%s\")", dlab_prediction_view_get_caption (view));
  if (settings)
    g_settings_reset (settings, "not-sure-threshold");
}

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);

  if (!gui_wait_until (pad_has_size, pad, 5000))
    {
      tap_ok (0, "the sketchpad gets a size");
      return;
    }
  check_startup (window, page);
  check_live_reading (page);
  check_reading (page, draw_one, "1");
  check_reading (page, draw_zero, "0");
  check_reading (page, draw_seven, "7");
  /* The screenshot: the 7 on the pad, read by the built-in model. */
  tap_ok (gui_save_screenshot (GTK_WIDGET (window), screenshot_path), "screenshot saved to %s", screenshot_path);
  check_undo_redo_clear (window, page);
  check_accelerators (GTK_APPLICATION (app));
  check_strokes_files (window, page);
  check_models (window, page);
  check_not_sure (page);
  check_large_strokes (window, page);

  /* A resize, which the window keeps in GSettings when it closes. */
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  gui_spin (300);
  int height;
  gtk_window_get_default_size (GTK_WINDOW (window), &width_at_quit, &height);
}

static void
remove_tmp_dir (void)
{
  g_autoptr (GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (tmp_dir);
}

int
main (int argc, char **argv)
{
  int status;

  screenshot_path = argc > 1 ? argv[1] : "digit-lab-window.png";
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      return 77;
    }
  tmp_dir = g_dir_make_tmp ("digit-lab-gui-XXXXXX", NULL);

  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);

  g_autoptr (GSettings) settings = dlab_settings_new ();
  tap_ok (settings && width_at_quit == 1100 && g_settings_get_int (settings, "window-width") == 1100 &&
          g_settings_get_int (settings, "window-height") == 720,
          "the window size was saved at quit (%d)", width_at_quit);

  remove_tmp_dir ();
  g_free (tmp_dir);
  return tap_done ();
}
