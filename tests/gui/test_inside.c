/* The Draw page's Inside the Network view (issue 17), under Xvfb:
 *
 *   1. the built-in model and a drawn 7 (tests/data/strokes/7-plain): the
 *      view follows the drawing (layers, the saliency of the most likely
 *      class, 7, then of a clicked class), the diagram has a box per layer
 *      and exports as PNG and SVG; the probabilities are the same with the
 *      view shown; screenshots inside-builtin.png (dark style, 1.5x text:
 *      inside-builtin-dark.png);
 *   2. the Train page's network editor: its diagram follows the zoo choice
 *      and the typed spec (box count, shapes), keeps the last spec that
 *      built, exports; screenshot train-diagram.png;
 *   3. a lenet trained for two short epochs on MNIST, started with the
 *      Train page's button: the Draw page's view (the window hands it the
 *      page's job) shows the run's filters after each epoch; then the
 *      trained model on the Draw page: screenshot inside-lenet.png.
 *
 * Usage: test_inside SCREENSHOT_DIR. Exits 77 without a display; part 3 is
 * skipped without the MNIST files. */
#include <glib/gstdio.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-draw-page.h"
#include "dlab-inside-view.h"
#include "dlab/ink.h"
#include "dlab-window.h"
#include "dlab/zoo.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"
#include "test_util.h"
#include "ui_checks.h"

static const char *shot_dir;
static char *tmp_dir;

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

static gboolean
view_updated (gpointer data)
{
  DlabInsideView *view = data;
  return dlab_inside_view_get_shown_class (view) >= 0;
}

static void
shoot (GtkWidget *widget, const char *name)
{
  g_autofree char *path = g_build_filename (shot_dir, name, NULL);
  tap_ok (gui_save_screenshot (widget, path), "screenshot: %s", path);
}

static gboolean
file_starts_with (const char *path, const char *magic)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  return g_file_get_contents (path, &data, &len, NULL) && len > strlen (magic) &&
         memcmp (data, magic, strlen (magic)) == 0;
}

static void
set_text_scale (double scale)
{
  g_object_set (gtk_settings_get_default (), "gtk-xft-dpi", (int) (96 * 1024 * scale), NULL);
  gui_spin (100);
}

/* Shows the view, draws the 7 and waits for the view to follow. */
static gboolean
draw_seven (DlabWindow *window, DlabDrawPage *page, DlabInsideView *view)
{
  g_autofree char *path =
    g_build_filename (g_getenv ("DLAB_SOURCE_ROOT"), "tests", "data", "strokes", "7-plain.strokes", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  gtk_toggle_button_set_active (dlab_draw_page_get_inside_toggle (page), TRUE);
  dlab_window_open_strokes (window, file);
  return gui_wait_until (not_opening_strokes, window, 10000) && gui_wait_until (view_updated, view, 10000);
}

typedef struct {
  GtkWidget *widget;
  int width;
} WidthWait;

static gboolean
has_width (gpointer data)
{
  WidthWait *w = data;
  return gtk_widget_get_width (w->widget) == w->width;
}

/* The window's content at width x height (as test_adaptive does it). */
static gboolean
resize (GtkWindow *window, int width, int height)
{
  WidthWait w = { GTK_WIDGET (window), width };
  int default_w, default_h, frame;

  gtk_window_get_default_size (window, &default_w, &default_h);
  frame = MAX (0, default_w - gtk_widget_get_width (GTK_WIDGET (window)));
  gtk_window_set_default_size (window, width + frame, height + frame);
  return gui_wait_until (has_width, &w, 3000);
}

static void
check_builtin (DlabWindow *window, DlabDrawPage *page, DlabInsideView *view)
{
  DlabClassifier *classifier = dlab_draw_page_get_classifier (page);
  g_autofree char *png = g_build_filename (tmp_dir, "network.png", NULL);
  g_autofree char *svg = g_build_filename (tmp_dir, "network.svg", NULL);
  g_autoptr (GError) error = NULL;
  DlabNetworkDiagram *diagram = dlab_inside_view_get_diagram (view);
  float probs[10], image[DLAB_INK_PIXELS];
  guint updates;

  tap_ok (!gtk_widget_get_mapped (GTK_WIDGET (view)) && dlab_inside_view_get_n_updates (view) == 0,
          "hidden at first, the view computes nothing");
  tap_ok (draw_seven (window, page, view), "the view follows a drawn 7");
  tap_ok (dlab_inside_view_get_shown_class (view) == 7, "its saliency is for the most likely class, 7 (%d)",
          dlab_inside_view_get_shown_class (view));
  int n_layers = dlab_inside_view_get_n_layers (view);
  tap_ok (n_layers > 0 && dlab_network_diagram_get_n_boxes (diagram) == n_layers + 1,
          "a row per layer (%d) and a diagram box per layer and the input (%d)", n_layers,
          dlab_network_diagram_get_n_boxes (diagram));
  g_autofree char *box = dlab_network_diagram_get_box_text (diagram, 1);
  tap_ok (box && strstr (box, "conv") && strstr (box, "parameters"), "the first layer's box: %s",
          box ? g_strdelimit (box, "\n", '|') : "none");

  /* The probabilities are the classifier's, with the view shown or not. */
  const DlabStrokes *strokes = dlab_sketchpad_get_strokes (dlab_draw_page_get_sketchpad (page));
  int best = dlab_classifier_read_strokes (classifier, strokes, image, probs);
  tap_ok (best == 7 && dlab_prediction_view_get_top_class (dlab_draw_page_get_prediction_view (page)) == 7,
          "the Draw page still reads a 7");

  /* A class clicked: its button, then the saliency shown for it. */
  dlab_inside_view_set_saliency_class (view, 3);
  tap_ok (dlab_inside_view_get_shown_class (view) == 3, "a clicked class (3) gets the saliency map (%d)",
          dlab_inside_view_get_shown_class (view));
  dlab_inside_view_set_saliency_class (view, -1);
  tap_ok (dlab_inside_view_get_shown_class (view) == 7, "back to the most likely class");

  tap_ok (dlab_network_diagram_export_png (diagram, png, &error) && file_starts_with (png, "\x89PNG"),
          "the diagram exports as PNG%s%s", error ? ": " : "", error ? error->message : "");
  tap_ok (dlab_network_diagram_export_svg (diagram, svg, &error) && file_starts_with (svg, "<?xml"),
          "the diagram exports as SVG%s%s", error ? ": " : "", error ? error->message : "");

  /* An export that cannot be written: the window tells the person, naming
   * the file. */
  {
    g_autofree char *missing = g_build_filename (tmp_dir, "no-such-folder", "network.png", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (missing);
    gboolean ok = dlab_inside_view_export_diagram (view, file, TRUE);
    const char *told = dlab_window_get_last_error (window);
    tap_ok (!ok && told && strstr (told, missing) && !g_file_test (missing, G_FILE_TEST_EXISTS),
            "a failed diagram export reaches the window: %s", told ? told : "nothing");
  }

  /* Pen events of one frame: one update after it, not one per event. */
  updates = dlab_inside_view_get_n_updates (view);
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  dlab_sketchpad_begin_stroke (pad, 0.2, 0.8, 1);
  for (int i = 0; i < 20; i++)
    dlab_sketchpad_extend_stroke (pad, 0.2 + i * 0.02, 0.8, 1);
  dlab_sketchpad_end_stroke (pad);
  gui_spin (200);
  guint more = dlab_inside_view_get_n_updates (view) - updates;
  tap_ok (more >= 1 && more < 22, "22 pen events: %u update(s) of the view", more);
  dlab_sketchpad_undo (pad);
  gui_wait_until (view_updated, view, 5000);
  gui_spin (200);

  /* The keyboard reaches every class button, the pictures' scrollers and
   * the exports, and a screen reader can name each. */
  {
    UiTabWalk walk = ui_walk_tab_chain (GTK_WINDOW (window), GTK_WIDGET (view), 0, 400);
    g_autoptr (GPtrArray) controls = g_ptr_array_new ();
    GString *unnamed = g_string_new (NULL);
    tap_ok (walk.reached == walk.expected && walk.expected >= 13, "Tab reaches all %u controls of the view (missed: %s)",
            walk.expected, walk.missed->len ? walk.missed->str : "none");
    ui_collect_controls (GTK_WIDGET (view), 0, controls);
    for (guint i = 0; i < controls->len; i++)
      if (!ui_is_named (controls->pdata[i]))
        ui_describe (controls->pdata[i], unnamed);
    tap_ok (unnamed->len == 0, "every control of the view has a name (unnamed: %s)",
            unnamed->len ? unnamed->str : "none");
    g_string_free (walk.missed, TRUE);
    g_string_free (unnamed, TRUE);
  }

  /* On a phone nothing in the view widens the window: pictures wider than
   * the page scroll sideways. */
  set_text_scale (1.5);
  gboolean narrow = resize (GTK_WINDOW (window), 360, 720);
  tap_ok (narrow, "shown, the view lets the window be 360 px wide at 1.5x text (%d)",
          gtk_widget_get_width (GTK_WIDGET (window)));
  set_text_scale (1.0);

  resize (GTK_WINDOW (window), 1000, 800);
  gui_spin (200);
  shoot (GTK_WIDGET (view), "inside-builtin.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  set_text_scale (1.5);
  gui_spin (200);
  shoot (GTK_WIDGET (view), "inside-builtin-dark.png");
  set_text_scale (1.0);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

/* ---- the Train page's diagram ---- */

static void
type_spec (DlabTrainPage *page, const char *spec)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (gui_train_child (page, "spec_view"))), spec,
                            -1);
  gui_spin (50);
}

static void
choose_zoo_network (DlabTrainPage *page, const char *name)
{
  guint position = 0;

  for (const DlabZooEntry *e = dlab_zoo_entries (); e->name && strcmp (e->name, name) != 0; e++)
    position++;
  adw_combo_row_set_selected (ADW_COMBO_ROW (gui_train_child (page, "model_row")), position);
  gui_spin (50);
}

/* Box i's text on one line ("" when there is none). */
static char *
box_text (DlabNetworkDiagram *diagram, int i)
{
  char *text = i < dlab_network_diagram_get_n_boxes (diagram) ? dlab_network_diagram_get_box_text (diagram, i)
                                                               : g_strdup ("");
  return g_strdelimit (text, "\n", '|');
}

/* The network editor's diagram follows the zoo choice and the typed spec,
 * keeps the last one that built while the text is wrong, and exports. */
static void
check_editor_diagram (DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  DlabNetworkEditor *editor = gui_train_child (page, "network_editor");
  DlabNetworkDiagram *diagram = dlab_network_editor_get_diagram (editor);
  g_autofree char *png = g_build_filename (tmp_dir, "editor-network.png", NULL);
  g_autoptr (GError) error = NULL;

  dlab_window_show_page (window, "train");
  gtk_expander_set_expanded (gui_train_child (page, "diagram_expander"), TRUE);
  choose_zoo_network (page, "lenet");
  tap_ok (dlab_network_diagram_get_n_boxes (diagram) == 13, "the Train page's diagram of lenet: 13 boxes (%d)",
          dlab_network_diagram_get_n_boxes (diagram));

  type_spec (page, "flatten | linear 64 | relu | linear 10");
  g_autofree char *linear = box_text (diagram, 2);
  tap_ok (dlab_network_diagram_get_n_boxes (diagram) == 5 && strstr (linear, "linear · 64|50240 parameters"),
          "a typed spec: its diagram has 5 boxes, the first linear's %s", linear);

  type_spec (page, "flatten | linear 64 | relu | linear 10 | nonsense");
  tap_ok (dlab_network_diagram_get_n_boxes (diagram) == 5, "a spec that does not build keeps the last diagram (%d boxes)",
          dlab_network_diagram_get_n_boxes (diagram));

  type_spec (page, "conv 4 3 | relu | maxpool 2 | flatten | linear 10");
  g_autofree char *conv = box_text (diagram, 1), *pool = box_text (diagram, 3);
  tap_ok (dlab_network_diagram_get_n_boxes (diagram) == 6 && strstr (conv, "4×26×26") && strstr (pool, "4×13×13"),
          "another spec: 6 boxes, their shapes (%s; %s)", conv, pool);
  tap_ok (dlab_network_diagram_export_png (diagram, png, &error) && file_starts_with (png, "\x89PNG"),
          "the Train page's diagram exports as PNG%s%s", error ? ": " : "", error ? error->message : "");
  gui_spin (100);
  shoot (gui_train_child (page, "network_editor"), "train-diagram.png");
  gtk_expander_set_expanded (gui_train_child (page, "diagram_expander"), FALSE);
}

/* ---- a lenet trained on the Train page ---- */

static gboolean
page_job_idle (gpointer data)
{
  DlabTrainingJob *job = dlab_train_page_get_job (DLAB_TRAIN_PAGE (data));
  return job && !dlab_training_job_is_busy (job);
}

static gboolean
filters_of_epoch_2 (gpointer data)
{
  return dlab_inside_view_get_filters_epoch (DLAB_INSIDE_VIEW (data)) == 2;
}

static void
set_spin (DlabTrainPage *page, const char *name, double value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gui_train_child (page, name)), value);
}

/* A run started with the Train button: the window hands the page's job to
 * the Draw page's view, which shows the run's filters after each epoch
 * (the epoch checkpoint, loaded through the job's API). */
static void
check_trained (DlabWindow *window, DlabDrawPage *page, DlabInsideView *view)
{
  DlabTrainPage *train = dlab_window_get_train_page (window);
  DlabTrainingJob *job = NULL;

  dlab_window_show_page (window, "train");
  choose_zoo_network (train, "lenet");
  set_spin (train, "limit_spin", 2000);
  set_spin (train, "batch_spin", 32);
  set_spin (train, "epochs_spin", 2);
  set_spin (train, "seed_spin", 1);
  set_spin (train, "lr_spin", 0.002);
  adw_combo_row_set_selected (ADW_COMBO_ROW (gui_train_child (train, "optimizer_row")), 1); /* Adam */
  if (!gui_wait_until (page_ready, train, 20000))
    {
      tap_ok (1, "a lenet trained on the Train page # SKIP not ready (no MNIST files?): %s",
              dlab_train_page_get_spec_status (train));
      return;
    }
  tap_ok (gui_click (GTK_WIDGET (window), "train.start") && (job = dlab_train_page_get_job (train)),
          "the Train button starts a run");
  if (!job)
    return;
  /* The learner goes to the Draw page to watch. */
  dlab_window_show_page (window, "draw");
  gui_spin (100);
  tap_ok (gtk_widget_get_mapped (GTK_WIDGET (view)), "the Inside view is shown on the Draw page");
  gui_wait_until (page_job_idle, train, 120000);
  tap_ok (dlab_training_job_get_state (job) == DLAB_JOB_DONE, "lenet trained 2 epochs (%s)",
          dlab_training_job_get_error (job) ? dlab_training_job_get_error (job) : "ok");
  tap_ok (gui_wait_until (filters_of_epoch_2, view, 10000),
          "the Draw page's view shows the run's filters after its last epoch (%d)",
          dlab_inside_view_get_filters_epoch (view));

  g_autoptr (GFile) file = g_file_new_for_path (dlab_training_job_get_checkpoint (job));
  dlab_window_open_model (window, file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (dlab_inside_view_get_n_layers (view) == 12 && dlab_inside_view_get_filters_epoch (view) == 0,
          "the trained lenet on the Draw page: 12 layers, its own filters");
  gboolean followed = draw_seven (window, page, view);
  tap_ok (followed, "the view follows the 7 with the trained lenet (saliency of %d)",
          dlab_inside_view_get_shown_class (view));
  gui_spin (200);
  shoot (GTK_WIDGET (view), "inside-lenet.png");
}

static void
checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabInsideView *view = dlab_draw_page_get_inside_view (page);

  dlab_window_show_page (window, "draw");
  gui_wait_until (not_loading, window, 10000);
  check_builtin (window, page, view);
  check_editor_diagram (window);
  check_trained (window, page, view);
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;
  int status;

  shot_dir = argc > 1 ? argv[1] : ".";
  /* Settings and runs in a temporary data home, set before GLib reads it. */
  tmp_dir = g_dir_make_tmp ("digit-lab-inside-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!g_getenv ("DLAB_DATA") && g_getenv ("DLAB_SOURCE_ROOT"))
    {
      g_autofree char *data = g_build_filename (g_getenv ("DLAB_SOURCE_ROOT"), "data", NULL);
      g_setenv ("DLAB_DATA", data, TRUE);
    }
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      ui_remove_tree (tmp_dir);
      return 77;
    }
  status = gui_app_run (argv[0], checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  ui_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
