/* Several models at once on the Draw page (issue 16), under Xvfb:
 *
 *   - the window keeps the models of the session (the built-in model and
 *     every file opened, each once) and the Draw page's Models button
 *     lists them;
 *   - a model of other classes (Fashion-MNIST) cannot be ticked with the
 *     first pick: its row is insensitive and says why;
 *   - with the built-in model and one that always reads 4 ticked, the
 *     name says "Average of 2 models" (the names in the details), the bars
 *     show the mean of the two models' probabilities, and the line under
 *     them says "The models disagree: Built-in model reads 7,
 *     four.safetensors reads 4"; a third reads 7 too; with the 4 unticked,
 *     "All 2 models read 7";
 *   - one reading per change, in the next frame; the Inside view keeps
 *     the first pick; unticking the first makes the next the window's
 *     model; the last cannot be unticked; opening a model starts again
 *     from it alone; a long session keeps the last dozen models.
 *
 * The Draw page with two models stays as SCREENSHOT_DIR/draw-average.png.
 *
 * Usage: test_ensemble SCREENSHOT_DIR   (exits 77 without a display) */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-window.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "test_util.h"
#include "ui_checks.h"
#include "nn/model_impl.h"

static char *tmp_dir;
static const char *shot_dir;

static gboolean
not_loading (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
}

static void
open_model (DlabWindow *window, const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  dlab_window_open_model (window, file);
  gui_wait_until (not_loading, window, 10000);
}

/* Waits for the next reading; then one more frame, to see that no second
 * reading follows. Returns the readings done. */
static guint
readings_after (DlabDrawPage *page, void (*change) (gpointer), gpointer data)
{
  ReadingWait w = { page, dlab_draw_page_get_n_readings (page) };

  change (data);
  gui_wait_until (reading_done, &w, 3000);
  gui_spin (60);
  return dlab_draw_page_get_n_readings (page) - w.readings;
}

static GtkLabel *
page_label (DlabWindow *window, const char *name)
{
  return GTK_LABEL (
    gtk_widget_get_template_child (GTK_WIDGET (dlab_window_get_draw_page (window)), DLAB_TYPE_DRAW_PAGE, name));
}

static const char *
label_text (DlabWindow *window, const char *name)
{
  return gtk_label_get_label (page_label (window, name));
}

/* The line under the bars, "" while it is hidden. */
static const char *
agreement (DlabWindow *window)
{
  GtkLabel *label = page_label (window, "agreement_label");
  return gtk_widget_get_visible (GTK_WIDGET (label)) ? gtk_label_get_label (label) : "";
}

/* ---- the models ------------------------------------------------------------ */

/* "flatten | linear 10" that reads 4 whatever it is shown. */
static gboolean
write_always_four (const char *path)
{
  static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  DlabModel *m;
  DlabModelInfo info;
  gboolean ok;

  if (!ui_write_checkpoint (path, "flatten | linear 10", "mnist", digits))
    return FALSE;
  m = dlab_checkpoint_load (path, &info);
  if (!m)
    return FALSE;
  for (int k = 0; k < m->n_params; k++)
    {
      DlabTensor *t = &m->params[k]->value;
      for (size_t i = 0; i < t->numel; i++)
        t->data[i] = 0.0f;
    }
  m->params[1]->value.data[4] = 3.0f; /* "1.bias": the linear layer's */
  ok = dlab_checkpoint_save (path, m, &info) == 0;
  dlab_model_info_free (&info);
  dlab_model_free (m);
  return ok;
}

static DlabClassifier *
session_model (DlabWindow *window, const char *name)
{
  GListModel *models = dlab_window_get_models (window);

  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr (DlabClassifier) c = g_list_model_get_item (models, i);
      if (g_strcmp0 (dlab_classifier_get_name (c), name) == 0)
        return c; /* the list keeps it */
    }
  return NULL;
}

static GtkWidget *
check_of (DlabWindow *window, DlabClassifier *c)
{
  GtkWidget *row = dlab_draw_page_get_model_row (dlab_window_get_draw_page (window), c);
  return row ? adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)) : NULL;
}

/* Clicks the model's row in the picker, as a person does: FALSE when the
 * row or its tick cannot be clicked. */
static gboolean
click_row (DlabWindow *window, DlabClassifier *c)
{
  GtkWidget *row = dlab_draw_page_get_model_row (dlab_window_get_draw_page (window), c);
  GtkWidget *check = check_of (window, c);

  if (!row || !check || !gtk_widget_is_sensitive (row) || !gtk_widget_is_sensitive (check))
    return FALSE;
  return gtk_widget_activate (check);
}

typedef struct {
  DlabWindow *window;
  DlabClassifier *model;
} Click;

static void
click_it (gpointer data)
{
  Click *c = data;
  click_row (c->window, c->model);
}

static void
draw_it (gpointer data)
{
  static const double seven[][2] = { { 0.28, 0.2 }, { 0.72, 0.2 }, { 0.60, 0.45 }, { 0.45, 0.82 } };
  DlabSketchpad *pad = data;
  double w = gtk_widget_get_width (GTK_WIDGET (pad)), h = gtk_widget_get_height (GTK_WIDGET (pad));
  double side = MIN (w, h);

  dlab_sketchpad_clear (pad);
  dlab_sketchpad_begin_stroke (pad, seven[0][0] * side, seven[0][1] * side, 1.0);
  for (guint i = 1; i < G_N_ELEMENTS (seven); i++)
    for (int k = 1; k <= 10; k++)
      dlab_sketchpad_extend_stroke (pad, (seven[i - 1][0] + k / 10.0 * (seven[i][0] - seven[i - 1][0])) * side,
                                    (seven[i - 1][1] + k / 10.0 * (seven[i][1] - seven[i - 1][1])) * side, 1.0);
  dlab_sketchpad_end_stroke (pad);
}

/* ---- the checks -------------------------------------------------------------- */

static void
check_session (DlabWindow *window, const char *four, const char *copy, const char *fashion)
{
  GListModel *models = dlab_window_get_models (window);
  DlabClassifier *builtin = dlab_window_get_classifier (window);
  GtkWidget *row;

  tap_ok (g_list_model_get_n_items (models) == 1 && builtin &&
            dlab_draw_page_get_model_row (dlab_window_get_draw_page (window), builtin),
          "at start the session holds the built-in model, and the picker lists it");
  open_model (window, four);
  open_model (window, copy);
  open_model (window, four); /* again: the same entry */
  open_model (window, fashion);
  tap_ok (g_list_model_get_n_items (models) == 4 && session_model (window, "four.safetensors") &&
            session_model (window, "default-model.safetensors") && session_model (window, "fashion.safetensors"),
          "each model opened joins it once (%u models)", g_list_model_get_n_items (models));
  tap_ok (dlab_draw_page_get_n_picked (dlab_window_get_draw_page (window)) == 1 &&
            g_strcmp0 (label_text (window, "model_name_label"), "fashion.safetensors") == 0,
          "the model opened last reads alone: %s", label_text (window, "model_name_label"));
  row = dlab_draw_page_get_model_row (dlab_window_get_draw_page (window), builtin);
  tap_ok (row && !gtk_widget_is_sensitive (row) && !click_row (window, builtin) &&
            strstr (gtk_widget_get_tooltip_text (row), "fashion.safetensors"),
          "with Fashion-MNIST's model first, the built-in model cannot be ticked: \"%s\"",
          row ? gtk_widget_get_tooltip_text (row) : "no row");
  dlab_window_use_builtin_model (window);
  tap_ok (dlab_window_get_classifier (window) == builtin && g_list_model_get_n_items (models) == 4,
          "Use Built-in Model takes the session's built-in model again");
}

/* The Models button opens the picker: the session's models, two ticked
 * (its picture stays as draw-models.png). */
static void
check_picker_shown (DlabWindow *window)
{
  GtkMenuButton *button = GTK_MENU_BUTTON (
    gtk_widget_get_template_child (GTK_WIDGET (dlab_window_get_draw_page (window)), DLAB_TYPE_DRAW_PAGE, "models_button"));
  GtkWidget *popover = GTK_WIDGET (gtk_menu_button_get_popover (button));
  g_autofree char *shot = g_build_filename (shot_dir, "draw-models.png", NULL);

  gtk_menu_button_popup (button);
  gui_spin (200);
  tap_ok (gtk_widget_get_mapped (popover) && gui_save_screenshot (popover, shot),
          "the Models button shows the picker (saved as %s)", shot);
  gtk_menu_button_popdown (button);
  gui_spin (100);
}

/* The mean of the picks' own readings of the pad, its best class. */
static int
mean_of_picks (DlabDrawPage *page, float *mean)
{
  const DlabStrokes *strokes = dlab_sketchpad_get_strokes (dlab_draw_page_get_sketchpad (page));
  guint n = dlab_draw_page_get_n_picked (page);
  float image[28 * 28], probs[10];
  double sum[10] = { 0 };
  int best = 0;

  for (guint i = 0; i < n; i++)
    {
      dlab_classifier_read_strokes (dlab_draw_page_get_picked (page, i), strokes, image, probs);
      for (int k = 0; k < 10; k++)
        sum[k] += probs[k];
    }
  for (int k = 0; k < 10; k++)
    {
      mean[k] = (float) (sum[k] / n);
      if (mean[k] > mean[best])
        best = k;
    }
  return best;
}

static void
check_average (DlabWindow *window)
{
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabPredictionView *view = dlab_draw_page_get_prediction_view (page);
  DlabClassifier *builtin = dlab_window_get_classifier (window);
  DlabClassifier *four = session_model (window, "four.safetensors");
  DlabClassifier *copy = session_model (window, "default-model.safetensors");
  DlabClassifier *fashion = session_model (window, "fashion.safetensors");
  GtkWidget *fashion_row = dlab_draw_page_get_model_row (page, fashion);
  Click tick_four = { window, four }, tick_copy = { window, copy }, tick_builtin = { window, builtin };
  g_autofree char *caption = NULL, *shot = NULL;
  const char *tooltip;
  float mean[10];
  int best;
  guint readings;

  tap_ok (fashion_row && !gtk_widget_is_sensitive (fashion_row) &&
            strstr (gtk_widget_get_tooltip_text (fashion_row), "Built-in model") &&
            strstr (gtk_widget_get_tooltip_text (fashion_row), "classes differ"),
          "Fashion-MNIST's model cannot be ticked with the built-in one: \"%s\"",
          fashion_row ? gtk_widget_get_tooltip_text (fashion_row) : "no row");
  tap_ok (check_of (window, builtin) && !gtk_widget_is_sensitive (check_of (window, builtin)) &&
            !dlab_draw_page_set_picked (page, builtin, FALSE),
          "the only pick cannot be unticked");
  readings = readings_after (page, draw_it, dlab_draw_page_get_sketchpad (page));
  tap_ok (readings == 1 && g_strcmp0 (agreement (window), "") == 0 &&
            g_strcmp0 (label_text (window, "model_name_label"), "Built-in model") == 0 &&
            g_strcmp0 (dlab_prediction_view_get_top_text (view), "7") == 0,
          "one model: its name, no line under the bars, a drawn %s reads %s", "7",
          dlab_prediction_view_get_top_text (view));

  readings = readings_after (page, click_it, &tick_four);
  tap_ok (readings == 1 && dlab_draw_page_get_n_picked (page) == 2,
          "ticking four.safetensors: one reading, in the next frame");
  tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (page_label (window, "model_name_label")));
  tap_ok (g_strcmp0 (label_text (window, "model_name_label"), "Average of 2 models") == 0 &&
            g_strcmp0 (label_text (window, "model_details_label"), "Built-in model, four.safetensors") == 0 &&
            tooltip && strstr (tooltip, "Built-in model: Trained on MNIST") && strstr (tooltip, "four.safetensors: "),
          "\"%s\", \"%s\"", label_text (window, "model_name_label"), label_text (window, "model_details_label"));
  best = mean_of_picks (page, mean);
  caption = g_strdup_printf ("%.0f%%", 100.0 * mean[best]);
  tap_ok (dlab_prediction_view_get_top_class (view) == best && mean[best] < 0.9f &&
            strstr (dlab_prediction_view_get_caption (view), caption),
          "the bars show the mean of the two models: %d, \"%s\" (4: %.0f%%)", best,
          dlab_prediction_view_get_caption (view), 100.0 * mean[4]);
  tap_ok (g_strcmp0 (agreement (window), "The models disagree: Built-in model reads 7, four.safetensors reads 4") == 0,
          "\"%s\"", agreement (window));
  shot = g_build_filename (shot_dir, "draw-average.png", NULL);
  tap_ok (gui_save_screenshot (GTK_WIDGET (page), shot), "the Draw page with two models is saved as %s", shot);
  check_picker_shown (window);

  gtk_toggle_button_set_active (dlab_draw_page_get_inside_toggle (page), TRUE);
  dlab_inside_view_update_now (dlab_draw_page_get_inside_view (page));
  tap_ok (dlab_inside_view_get_n_layers (dlab_draw_page_get_inside_view (page)) > 2,
          "the Inside view shows the first pick, the built-in model (%d layers; four.safetensors has 2)",
          dlab_inside_view_get_n_layers (dlab_draw_page_get_inside_view (page)));
  gtk_toggle_button_set_active (dlab_draw_page_get_inside_toggle (page), FALSE);

  readings_after (page, click_it, &tick_copy);
  tap_ok (g_strcmp0 (label_text (window, "model_name_label"), "Average of 3 models") == 0 &&
            g_strcmp0 (agreement (window), "The models disagree: Built-in model reads 7, four.safetensors reads 4, "
                                           "default-model.safetensors reads 7") == 0,
          "three models: \"%s\"", agreement (window));
  readings_after (page, click_it, &tick_four);
  tap_ok (g_strcmp0 (label_text (window, "model_name_label"), "Average of 2 models") == 0 &&
            g_strcmp0 (agreement (window), "All 2 models read 7") == 0,
          "four.safetensors unticked: \"%s\"", agreement (window));

  readings_after (page, click_it, &tick_builtin);
  tap_ok (dlab_draw_page_get_n_picked (page) == 1 && dlab_window_get_classifier (window) == copy &&
            dlab_draw_page_get_classifier (page) == copy && g_strcmp0 (agreement (window), "") == 0 &&
            g_strcmp0 (label_text (window, "model_name_label"), "default-model.safetensors") == 0,
          "the first unticked, the next reads alone and is the window's model: %s",
          label_text (window, "model_name_label"));
  tap_ok (gtk_widget_is_sensitive (fashion_row) == FALSE && dlab_draw_page_set_picked (page, four, TRUE) &&
            dlab_draw_page_set_picked (page, builtin, TRUE) && dlab_draw_page_get_n_picked (page) == 3,
          "models are ticked again through the page as well");
  dlab_window_use_builtin_model (window);
  tap_ok (dlab_draw_page_get_n_picked (page) == 1 && dlab_draw_page_get_picked (page, 0) == builtin &&
            g_strcmp0 (label_text (window, "model_name_label"), "Built-in model") == 0,
          "choosing a model starts again from it alone");
}

/* A long session keeps a dozen models, the one in use among them. */
static void
check_session_limit (DlabWindow *window)
{
  static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  GListModel *models = dlab_window_get_models (window);
  gboolean written = TRUE, kept = TRUE;

  for (int i = 0; i < 13; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%02d.safetensors", i);
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_autofree char *made = ui_write_checkpoint (path, "flatten | linear 10", "mnist", digits);

      written &= made != NULL;
      open_model (window, path);
      kept &= g_list_model_get_n_items (models) <= 12 && session_model (window, name) != NULL &&
              dlab_window_get_classifier (window) == session_model (window, name);
    }
  tap_ok (written && kept && g_list_model_get_n_items (models) == 12 && !session_model (window, "Built-in model") &&
            !session_model (window, "m00.safetensors") && session_model (window, "m01.safetensors"),
          "13 more models opened: the session keeps the last 12, the one in use always among them");
}

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  static const char *const clothes[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot", NULL };
  g_autofree char *four = g_build_filename (tmp_dir, "four.safetensors", NULL);
  g_autofree char *copy = g_build_filename (tmp_dir, "default-model.safetensors", NULL);
  g_autofree char *fashion = g_build_filename (tmp_dir, "fashion.safetensors", NULL);
  g_autofree char *builtin_file = g_build_filename (g_getenv ("DLAB_SOURCE_ROOT"), "resources",
                                                    "default-model.safetensors", NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;

  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 760);
  gui_redraw (GTK_WIDGET (window));
  tap_ok (write_always_four (four) && ui_write_checkpoint (fashion, "lenet", "fashion-mnist", clothes) &&
            g_file_get_contents (builtin_file, &bytes, &len, NULL) &&
            g_file_set_contents (copy, bytes, (gssize) len, NULL),
          "a model that always reads 4, a Fashion-MNIST one and a copy of the built-in one are written");
  check_session (window, four, copy, fashion);
  check_average (window);
  check_session_limit (window);
}

int
main (int argc, char **argv)
{
  g_autofree char *xdg = NULL;
  int status;

  shot_dir = argc > 1 ? argv[1] : ".";
  tmp_dir = g_dir_make_tmp ("digit-lab-ensemble-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      ui_remove_tree (tmp_dir);
      return 77;
    }
  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  ui_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
