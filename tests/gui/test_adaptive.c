/* The window as a phone, large text, the dark style and the keyboard, under
 * Xvfb (issue 14, item 5):
 *
 *   - the pages fit a 360-pixel window; at 360 px and at 1.5x text (GNOME's
 *     text scaling: gtk-xft-dpi) every class's reading of a Fashion-MNIST
 *     model on the Draw page is shown whole (no label cut, each reachable
 *     on screen) and at the default 1000x680 all ten are on screen at once;
 *   - Tab walks round the Draw, the Data and the Train page (at 360 px and
 *     1.5x text, after a run), reaching every control, each named for
 *     screen readers, and the Data page's grid of images is a single stop;
 *     no label of the Train page is cut there;
 *   - the confusion matrix and the class histogram are driven by the arrow
 *     keys and Enter; Alt+1/2/3 show the pages; Escape and Ctrl+W close Get
 *     Datasets;
 *   - the chart's labels ("100%", "epoch") keep their room at 1.5x text;
 *   - in the dark style a rare mistake in the confusion matrix stands out.
 *
 * Screenshots (looked at by people, kept in the build directory):
 * draw-narrow.png, draw-narrow-large.png, draw-dark.png, draw-phone.png,
 * data-narrow.png, confusion-dark.png, train-phone-large.png (draw-dark.png and draw-phone.png are the metainfo's
 * screenshots, copied to resources/screenshots/).
 *
 * Usage: test_adaptive SCREENSHOT_DIR   (exits 77 without a display) */
#include <math.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-confusion-view.h"
#include "dlab-fold-box.h"
#include "dlab-get-datasets.h"
#include "dlab-plot.h"
#include "dlab-window.h"
#include "gui_app.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"
#include "test_util.h"
#include "ui_checks.h"

static const char *shot_dir;
static char *tmp_dir;

static const char *const fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                       "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };

/* ---- waiting ---------------------------------------------------------------------- */

static gboolean
not_loading (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
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

/* Resizes the window and waits until it has that width and a frame is
 * drawn at it. */
static gboolean
resize (GtkWindow *window, int width, int height)
{
  WidthWait w = { GTK_WIDGET (window), width };
  int default_w, default_h, frame;
  gboolean ok;

  /* Without a compositor (Xvfb) the window's default size includes a
   * frame the window's content does not get: ask for the content's size. */
  gtk_window_get_default_size (window, &default_w, &default_h);
  frame = MAX (0, default_w - gtk_widget_get_width (GTK_WIDGET (window)));
  gtk_window_set_default_size (window, width + frame, height + frame);
  ok = gui_wait_until (has_width, &w, 3000);
  gui_redraw (GTK_WIDGET (window));
  gui_spin (50);
  return ok;
}

static void
set_text_scale (double scale)
{
  g_object_set (gtk_settings_get_default (), "gtk-xft-dpi", (int) (96 * 1024 * scale), NULL);
  gui_spin (100);
}

static char *
shot_path (const char *name)
{
  return g_build_filename (shot_dir, name, NULL);
}

/* ---- the Draw page's readings ----------------------------------------------------------- */

static gpointer
template_child (gpointer widget, GType type, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

/* The first widget of `type` under root, depth first. */
static gpointer
find_descendant (gpointer root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (root)); c; c = gtk_widget_get_next_sibling (c))
    {
      gpointer found = find_descendant (c, type);
      if (found)
        return found;
    }
  return NULL;
}

/* A reading of the Fashion-MNIST model whose answer is class 9 (the
 * issue's case: the last row, "Ankle boot"). */
static void
show_ankle_boot (DlabDrawPage *page)
{
  float probs[10] = { 0.01f, 0.02f, 0.01f, 0.01f, 0.01f, 0.05f, 0.01f, 0.04f, 0.02f, 0.82f };

  dlab_prediction_view_set_probabilities (dlab_draw_page_get_prediction_view (page), probs);
}

/* Every row (name, bar, percentage) whole, on screen once the page is
 * scrolled to it; with `at_once`, all rows on screen without scrolling. */
static void
check_readings (DlabWindow *window, const char *how, gboolean at_once)
{
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabPredictionView *view = dlab_draw_page_get_prediction_view (page);
  GtkGrid *bars = template_child (view, DLAB_TYPE_PREDICTION_VIEW, "bars");
  GtkScrolledWindow *scroller = find_descendant (page, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *top = template_child (view, DLAB_TYPE_PREDICTION_VIEW, "top_label");
  GString *cut = g_string_new (NULL), *hidden = g_string_new (NULL);
  int n = dlab_prediction_view_get_n_bars (view), on_screen = 0;

  show_ankle_boot (page);
  gui_redraw (GTK_WIDGET (window));
  for (int i = 0; i < n; i++)
    {
      GtkWidget *name = gtk_grid_get_child_at (bars, 0, i), *bar = gtk_grid_get_child_at (bars, 1, i);
      GtkWidget *percent = gtk_grid_get_child_at (bars, 2, i);
      const char *why;

      on_screen += ui_within (name, GTK_WIDGET (scroller)) && ui_within (percent, GTK_WIDGET (scroller));
      ui_scroll_to (scroller, percent);
      gui_redraw (GTK_WIDGET (window));
      if ((why = ui_label_cut (name)) || (why = ui_label_cut (percent)))
        g_string_append_printf (cut, " %s (%s)", gtk_label_get_label (GTK_LABEL (name)), why);
      else if (gtk_widget_get_width (bar) < 24)
        g_string_append_printf (cut, " %s (bar %d px)", gtk_label_get_label (GTK_LABEL (name)),
                                gtk_widget_get_width (bar));
      if (!ui_within (name, GTK_WIDGET (scroller)) || !ui_within (percent, GTK_WIDGET (scroller)) ||
          !ui_within (bar, GTK_WIDGET (window)))
        g_string_append_printf (hidden, " %s", gtk_label_get_label (GTK_LABEL (name)));
    }
  tap_ok (n == 10 && cut->len == 0, "%s: all %d readings are whole (cut:%s)", how, n, cut->len ? cut->str : " none");
  tap_ok (n == 10 && hidden->len == 0, "%s: every reading can be brought on screen (not:%s)", how,
          hidden->len ? hidden->str : " none");
  /* The page's own scroller, the Draw page's child: no other box where the
   * answer could be scrolled out of sight. */
  tap_ok (n > 0 && gtk_widget_get_ancestor (gtk_grid_get_child_at (bars, 0, n - 1), GTK_TYPE_SCROLLED_WINDOW) ==
                     adw_bin_get_child (ADW_BIN (page)),
          "%s: the readings scroll with the page, not in a scroll area of their own", how);
  if (at_once)
    tap_ok (on_screen == n, "%s: all %d readings are on screen at once, \"Ankle boot\" included (%d are)", how, n,
            on_screen);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (scroller), 0);
  gui_redraw (GTK_WIDGET (window));
  tap_ok (!ui_label_cut (top) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (top)), "Ankle boot") == 0 &&
          ui_within (top, GTK_WIDGET (scroller)),
          "%s: the answer \"%s\" is shown whole at the top (%s)", how, gtk_label_get_label (GTK_LABEL (top)),
          ui_label_cut (top) ? ui_label_cut (top) : "whole");
  g_string_free (cut, TRUE);
  g_string_free (hidden, TRUE);
}

static void
check_draw_page (DlabWindow *window)
{
  DlabDrawPage *page = dlab_window_get_draw_page (window);
  DlabFoldBox *fold = find_descendant (page, DLAB_TYPE_FOLD_BOX);
  g_autofree char *model = g_build_filename (tmp_dir, "fashion.safetensors", NULL);
  g_autofree char *path = ui_write_checkpoint (model, "lenet", "fashion-mnist", fashion);
  g_autoptr (GFile) file = path ? g_file_new_for_path (path) : NULL;

  tap_ok (file != NULL, "a Fashion-MNIST checkpoint is written");
  if (!file)
    return;
  dlab_window_show_page (window, "draw");
  dlab_window_open_model (window, file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (dlab_prediction_view_get_n_bars (dlab_draw_page_get_prediction_view (page)) == 10,
          "the Fashion-MNIST model is on the Draw page");

  tap_ok (resize (GTK_WINDOW (window), 1000, 680) && !dlab_fold_box_get_folded (fold),
          "at 1000x680 the pad and the readings are side by side");
  check_readings (window, "1000x680", TRUE);

  tap_ok (resize (GTK_WINDOW (window), 360, 720) && dlab_fold_box_get_folded (fold),
          "at 360 px the readings fold under the pad (window %d px wide)", gtk_widget_get_width (GTK_WIDGET (window)));
  check_readings (window, "360 px", FALSE);
  {
    g_autofree char *shot = shot_path ("draw-narrow.png");
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), shot), "screenshot: %s", shot);
  }

  set_text_scale (1.5);
  resize (GTK_WINDOW (window), 360, 720);
  check_readings (window, "360 px, text 1.5x", FALSE);
  {
    g_autofree char *shot = shot_path ("draw-narrow-large.png");
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), shot), "screenshot: %s", shot);
  }
  resize (GTK_WINDOW (window), 1000, 680);
  check_readings (window, "1000x680, text 1.5x", FALSE);
  set_text_scale (1.0);
}

/* ---- the pages' widths ---------------------------------------------------------------------- */

static int
min_width (gpointer widget)
{
  int min = 0, nat = 0;

  gtk_widget_measure (GTK_WIDGET (widget), GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  return min;
}

/* The Draw and Data pages fit a phone. The Train page is being split
 * (issue 14 lead); until it fits too, it is hidden here, so that the
 * window can be 360 px wide for the checks of the other pages. */
static void
check_widths (DlabWindow *window)
{
  int draw = min_width (dlab_window_get_draw_page (window));
  int data = min_width (dlab_window_get_data_page (window));
  int train = min_width (dlab_window_get_train_page (window));
  g_autofree char *what = g_strdup_printf ("the Train page fits 360 px (minimum width %d)", train);

  tap_ok (draw <= 360, "the Draw page fits a 360-pixel window (minimum width %d)", draw);
  tap_ok (data <= 360, "the Data page fits a 360-pixel window (minimum width %d)", data);
  tap_ok (train <= 360, "%s", what);
  /* The window's content, header bar included (without Xvfb's frame). */
  tap_ok (min_width (adw_application_window_get_content (ADW_APPLICATION_WINDOW (window))) <= 360,
          "the window can be 360 px wide (its content's minimum width %d)",
          min_width (adw_application_window_get_content (ADW_APPLICATION_WINDOW (window))));
}

/* ---- Tab -------------------------------------------------------------------------------------- */

static void
check_tab_chain (DlabWindow *window, const char *page_name, GtkWidget *page)
{
  UiTabWalk walk;
  GString *unnamed = g_string_new (NULL);
  g_autoptr (GPtrArray) controls = g_ptr_array_new ();

  dlab_window_show_page (window, page_name);
  gui_redraw (GTK_WIDGET (window));
  walk = ui_walk_tab_chain (GTK_WINDOW (window), GTK_WIDGET (window), DLAB_TYPE_TAB_STOP, 300);
  tap_ok (walk.cycled && walk.reached == walk.expected && walk.expected > 3,
          "%s page: Tab reaches all %u controls and comes back round in %u presses (%u reached; missed: %s)",
          page_name, walk.expected, walk.presses, walk.reached, walk.missed->len ? walk.missed->str : "none");
  tap_ok (!walk.stuck, "%s page: no grid holds Tab for more than one press", page_name);
  ui_collect_controls (page, DLAB_TYPE_TAB_STOP, controls);
  for (guint i = 0; i < controls->len; i++)
    if (!G_TYPE_CHECK_INSTANCE_TYPE (controls->pdata[i], DLAB_TYPE_TAB_STOP) && !ui_is_named (controls->pdata[i]))
      ui_describe (controls->pdata[i], unnamed);
  tap_ok (unnamed->len == 0, "%s page: every control has a name for screen readers (unnamed: %s)", page_name,
          unnamed->len ? unnamed->str : "none");
  g_string_free (walk.missed, TRUE);
  g_string_free (unnamed, TRUE);
}

/* ---- the Train page ---------------------------------------------------------------------------- */

/* The run finished and its test results are in. */
static gboolean
results_ready (gpointer data)
{
  DlabTrainingJob *job = dlab_train_page_get_job (DLAB_TRAIN_PAGE (data));
  return job && !dlab_training_job_is_busy (job) && dlab_training_job_get_results (job);
}

/* Every label under root with text that does not show it whole, into cut. */
static void
collect_cut_labels (GtkWidget *root, GString *cut)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_LABEL (root) && *gtk_label_get_text (GTK_LABEL (root)) && ui_label_cut (root))
    g_string_append_printf (cut, "%s\"%s\" (%s)", cut->len ? ", " : "", gtk_label_get_text (GTK_LABEL (root)),
                            ui_label_cut (root));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_cut_labels (c, cut);
}

/* The Train page on a phone at 1.5x text, after a short run, with More
 * options, the layer table and the diagram open: every control is reached
 * by Tab and named, and no reading is cut. */
static void
check_train_page (DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  GString *cut = g_string_new (NULL);

  dlab_window_show_page (window, "train");
  resize (GTK_WINDOW (window), 360, 720);
  set_text_scale (1.5);
  resize (GTK_WINDOW (window), 360, 720);
  gtk_spin_button_set_value (gui_train_child (page, "epochs_spin"), 1);
  gtk_spin_button_set_value (gui_train_child (page, "threads_spin"), 1);
  adw_expander_row_set_expanded (gui_train_child (page, "more_row"), TRUE);
  gtk_expander_set_expanded (gui_train_child (page, "summary_expander"), TRUE);
  gtk_expander_set_expanded (gui_train_child (page, "diagram_expander"), TRUE);
  tap_ok (gui_wait_until (page_ready, page, 5000) && dlab_train_page_start (page) &&
          gui_wait_until (results_ready, page, 60000),
          "a one-epoch run on the small MNIST: %s", dlab_train_page_get_status_text (page));
  gui_spin (400); /* the view switcher bar slides in */
  {
    /* The page's own scroll (its child) is the only one the settings are in. */
    GtkWidget *settings = gui_train_child (page, "settings_box");
    GtkWidget *scroll = gtk_widget_get_ancestor (settings, GTK_TYPE_SCROLLED_WINDOW);
    tap_ok (scroll == gtk_widget_get_first_child (GTK_WIDGET (page)),
            "at 360 px the settings are laid out whole above the run (%d px) and scroll with the page, "
            "not in a strip of their own (%d px)", gtk_widget_get_height (settings),
            scroll ? gtk_widget_get_height (scroll) : -1);
  }
  check_tab_chain (window, "train", GTK_WIDGET (page));
  collect_cut_labels (GTK_WIDGET (page), cut);
  tap_ok (cut->len == 0, "train page at 360 px and 1.5x text: every label shows all its text (cut: %s)",
          cut->len ? cut->str : "none");
  {
    g_autofree char *shot = shot_path ("train-phone-large.png");
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), shot), "screenshot: %s", shot);
  }
  dlab_train_page_show_view (page, "results");
  gui_spin (300);
  g_string_truncate (cut, 0);
  collect_cut_labels (GTK_WIDGET (page), cut);
  tap_ok (cut->len == 0, "the test results at 360 px and 1.5x text: every label shows all its text (cut: %s)",
          cut->len ? cut->str : "none");
  dlab_train_page_show_view (page, "curves");
  adw_expander_row_set_expanded (gui_train_child (page, "more_row"), FALSE);
  gtk_expander_set_expanded (gui_train_child (page, "summary_expander"), FALSE);
  gtk_expander_set_expanded (gui_train_child (page, "diagram_expander"), FALSE);
  set_text_scale (1.0);
  g_string_free (cut, TRUE);
}

/* ---- the Data page ---------------------------------------------------------------------------- */

static gboolean
tiles_shown (gpointer data)
{
  return dlab_sample_grid_get_tile_text (GTK_WIDGET (data), 0) != NULL;
}

static void
check_data_page (DlabWindow *window)
{
  DlabDataPage *page = dlab_window_get_data_page (window);
  GtkWidget *grid = dlab_data_page_get_grid (page);
  GtkWidget *histogram = template_child (page, DLAB_TYPE_DATA_PAGE, "histogram");
  GtkWidget *focus;
  int k = 0;
  const int *counts;
  PangoLayout *layout;
  int tw, th;

  dlab_window_show_page (window, "data");
  dlab_data_page_filter_class (page, -1);
  tap_ok (gui_wait_until (tiles_shown, grid, 5000), "the Data page shows the dataset's images");
  counts = dlab_data_page_get_class_counts (page, &k);

  /* Tab into the grid, then out of it at once, to the widgets after it. */
  gtk_widget_grab_focus (template_child (page, DLAB_TYPE_DATA_PAGE, "class_dropdown"));
  for (int i = 0; i < 4 && !ui_inside (gtk_root_get_focus (GTK_ROOT (window)), GTK_TYPE_GRID_VIEW); i++)
    ui_press_tab (GTK_WINDOW (window), FALSE);
  tap_ok (ui_inside (gtk_root_get_focus (GTK_ROOT (window)), GTK_TYPE_GRID_VIEW), "Tab goes into the grid of images");
  ui_press_key (gtk_root_get_focus (GTK_ROOT (window)), GDK_KEY_Right, 0);
  focus = gtk_root_get_focus (GTK_ROOT (window));
  tap_ok (ui_inside (focus, GTK_TYPE_GRID_VIEW), "the arrow keys move inside the grid");
  ui_press_tab (GTK_WINDOW (window), FALSE);
  focus = gtk_root_get_focus (GTK_ROOT (window));
  tap_ok (focus && !ui_inside (focus, GTK_TYPE_GRID_VIEW),
          "one Tab leaves the grid of %u images (focus on %s)",
          g_list_model_get_n_items (G_LIST_MODEL (dlab_data_page_get_list (page))),
          focus ? G_OBJECT_TYPE_NAME (focus) : "nothing");
  ui_press_tab (GTK_WINDOW (window), TRUE);
  tap_ok (ui_inside (gtk_root_get_focus (GTK_ROOT (window)), GTK_TYPE_GRID_VIEW), "Shift+Tab goes back into it");

  /* The histogram: Down, Down, Down, Enter shows class 2. */
  gtk_widget_grab_focus (histogram);
  tap_ok (gtk_widget_has_focus (histogram), "the class histogram takes the keyboard focus");
  for (int i = 0; i < 3; i++)
    ui_press_key (histogram, GDK_KEY_Down, 0);
  ui_press_key (histogram, GDK_KEY_Return, 0);
  tap_ok (k == 10 && counts && g_list_model_get_n_items (G_LIST_MODEL (dlab_data_page_get_list (page))) ==
                                 (guint) counts[2],
          "Down three times and Enter on the histogram show class 2 only (%u images)",
          g_list_model_get_n_items (G_LIST_MODEL (dlab_data_page_get_list (page))));
  ui_press_key (histogram, GDK_KEY_Return, 0);
  tap_ok (g_list_model_get_n_items (G_LIST_MODEL (dlab_data_page_get_list (page))) == 300,
          "Enter again shows every class");

  /* Large text on a phone: taller rows, not overlapping ones. (Narrowed
   * first: libadwaita 1.2's view switcher bar, revealed after the text
   * grew, keeps its height for the old text size.) */
  resize (GTK_WINDOW (window), 360, 720);
  set_text_scale (1.5);
  layout = gtk_widget_create_pango_layout (histogram, "0123456789");
  pango_layout_get_pixel_size (layout, &tw, &th);
  g_object_unref (layout);
  tap_ok (gtk_drawing_area_get_content_height (GTK_DRAWING_AREA (histogram)) >= k * th,
          "at 1.5x text the histogram's %d rows are a line of text tall each (%d px for %d-px lines)", k,
          gtk_drawing_area_get_content_height (GTK_DRAWING_AREA (histogram)), th);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
                              GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (histogram, GTK_TYPE_SCROLLED_WINDOW))),
                            0);
  gui_spin (400); /* the view switcher bar slides in */
  {
    g_autofree char *shot = shot_path ("data-narrow.png");
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), shot), "screenshot: %s", shot);
  }
  set_text_scale (1.0);
}

/* ---- the chart at 1.5x text --------------------------------------------------------------------- */

static void
check_plot (void)
{
  GtkWidget *win = gtk_window_new ();
  DlabPlot *plot = DLAB_PLOT (dlab_plot_new ());
  graphene_rect_t loss, acc;
  PangoLayout *layout;
  int hundred_w, line_h, w, h;
  gboolean room;

  gtk_window_set_child (GTK_WINDOW (win), GTK_WIDGET (plot));
  gtk_window_set_default_size (GTK_WINDOW (win), 360, 520);
  dlab_plot_reset (plot, 5);
  for (int e = 1; e <= 5; e++)
    dlab_plot_add_epoch (plot, e, 1.0 / e, 0.9 + e * 0.02, NAN, NAN, 1.1 / e, 0.88 + e * 0.02);
  set_text_scale (1.5);
  gtk_window_present (GTK_WINDOW (win));
  gui_redraw (win);
  gui_spin (100);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (plot), "100%");
  pango_layout_get_pixel_size (layout, &hundred_w, &line_h);
  g_object_unref (layout);
  w = gtk_widget_get_width (GTK_WIDGET (plot));
  h = gtk_widget_get_height (GTK_WIDGET (plot));
  room = dlab_plot_get_panel (plot, TRUE, &loss) && dlab_plot_get_panel (plot, FALSE, &acc);
  tap_ok (room && acc.origin.x >= hundred_w + 6,
          "at 1.5x text the accuracy axis keeps room for \"100%%\" (%d px wide; the axis starts at %.0f)", hundred_w,
          room ? acc.origin.x : -1.0);
  tap_ok (room && acc.origin.y + acc.size.height + 2 * line_h + 8 <= h &&
          loss.origin.y + loss.size.height + 2 * line_h + 8 <= acc.origin.y - line_h,
          "the tick labels and \"epoch\" below each panel get a line each (%d-px lines)", line_h);
  tap_ok (room && loss.origin.x + loss.size.width <= w && loss.origin.y >= line_h,
          "the panels stay inside the %dx%d chart with a line for their titles", w, h);
  set_text_scale (1.0);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- the confusion matrix: keys and the dark style ------------------------------------------------- */

static void
on_cell (DlabConfusionView *view, int t, int p, int *got)
{
  (void) view;
  got[0] = t;
  got[1] = p;
}

static double
luminance_at (GdkTexture *texture, int x, int y)
{
  int w = gdk_texture_get_width (texture);
  guint8 *px = g_malloc ((gsize) w * gdk_texture_get_height (texture) * 4);
  double l;

  gdk_texture_download (texture, px, (gsize) w * 4);
  /* Cairo's ARGB32 in memory order B, G, R, A on little-endian. */
  l = (0.1 * px[(y * w + x) * 4] + 0.6 * px[(y * w + x) * 4 + 1] + 0.3 * px[(y * w + x) * 4 + 2]) / 255.0;
  g_free (px);
  return l;
}

/* How far a cell with 1 % of its row stands out from an empty one. */
static double
rare_mistake_contrast (DlabConfusionView *view)
{
  GtkWidget *w = GTK_WIDGET (view);
  double x, y, cell, rare, empty;
  int t = -1, p = -1, x0 = 0, y0 = 0;
  g_autoptr (GdkTexture) texture = NULL;

  gui_redraw (gtk_widget_get_ancestor (w, GTK_TYPE_WINDOW));
  texture = gui_render_widget (w);
  if (!texture)
    return 0;
  /* Find cell (0, 0)'s corner, then its size, by asking the view. */
  for (y0 = 0; y0 < gtk_widget_get_height (w) && t < 0; y0++)
    for (x0 = 0; x0 < gtk_widget_get_width (w); x0++)
      if (dlab_confusion_view_cell_at (view, x0, y0, &t, &p))
        break;
  y0--;
  for (cell = 1; dlab_confusion_view_cell_at (view, x0 + cell, y0, &t, &p) && p == 0; cell++)
    ;
  x = x0 + 1.5 * cell;   /* (true 0, predicted 1): the rare mistake */
  y = y0 + 0.5 * cell;
  rare = luminance_at (texture, (int) x, (int) (y - 0.35 * cell));
  empty = luminance_at (texture, (int) (x + cell), (int) (y - 0.35 * cell)); /* (0, 2): none */
  return fabs (rare - empty);
}

static void
check_confusion (void)
{
  GtkWidget *win = gtk_window_new ();
  DlabConfusionView *view = DLAB_CONFUSION_VIEW (dlab_confusion_view_new ());
  AdwStyleManager *style = adw_style_manager_get_default ();
  int matrix[100] = { 0 }, got[2] = { -1, -1 };
  double light, dark;

  for (int i = 0; i < 10; i++)
    matrix[i * 10 + i] = 990;
  matrix[0 * 10 + 1] = 10;   /* 1 % of the zeros read as 1 */
  dlab_confusion_view_set_matrix (view, matrix, 10, fashion);
  gtk_window_set_child (GTK_WINDOW (win), GTK_WIDGET (view));
  gtk_window_set_default_size (GTK_WINDOW (win), 520, 520);
  gtk_window_present (GTK_WINDOW (win));
  g_signal_connect (view, "cell-activated", G_CALLBACK (on_cell), got);
  gui_redraw (win);

  gtk_widget_grab_focus (GTK_WIDGET (view));
  tap_ok (gtk_widget_has_focus (GTK_WIDGET (view)), "the confusion matrix takes the keyboard focus");
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Right, 0);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Down, 0);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Down, 0);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Return, 0);
  tap_ok (got[0] == 2 && got[1] == 1, "Right, Down, Down, Enter opens the cell true 2, predicted 1 (got %d, %d)",
          got[0], got[1]);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Home, 0);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_Up, 0);
  ui_press_key (GTK_WIDGET (view), GDK_KEY_space, 0);
  tap_ok (got[0] == 1 && got[1] == 0, "Home, Up, Space opens true 1, predicted 0 (got %d, %d)", got[0], got[1]);

  gtk_window_set_focus (GTK_WINDOW (win), NULL);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  light = rare_mistake_contrast (view);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  gui_spin (100);
  dark = rare_mistake_contrast (view);
  {
    g_autofree char *shot = shot_path ("confusion-dark.png");
    tap_ok (gui_save_screenshot (win, shot), "screenshot of the confusion matrix in the dark style: %s", shot);
  }
  tap_ok (light > 0.08 && dark > 0.08,
          "a mistake made on 1 %% of a class stands out from an empty cell (luminance %.3f light, %.3f dark)", light,
          dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* ---- shortcuts ------------------------------------------------------------------------------------ */

static gboolean
has_accel (GtkApplication *app, const char *action, const char *accel)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (app, action);
  return accels && g_strv_contains ((const char *const *) accels, accel);
}

/* The Keyboard Shortcuts window lists `action`. */
static gboolean
help_lists (const char *action)
{
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/digitlab/DigitLab/gtk/help-overlay.ui");
  GSList *objects = gtk_builder_get_objects (builder);
  gboolean found = FALSE;

  for (GSList *l = objects; l; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        g_autofree char *name = NULL;
        g_object_get (l->data, "action-name", &name, NULL);
        found |= g_strcmp0 (name, action) == 0;
      }
  g_slist_free (objects);
  return found;
}

static void
check_shortcuts (GtkApplication *app, DlabWindow *window)
{
  static const char *const pages[] = { "draw", "train", "data" };
  gboolean ok = TRUE, listed = TRUE, shown = TRUE;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *action = g_strdup_printf ("win.show-page::%s", pages[i]);
      g_autofree char *accel = g_strdup_printf ("<Alt>%d", i + 1);
      ok &= has_accel (app, action, accel);
      listed &= help_lists (action);
    }
  tap_ok (ok, "Alt+1, Alt+2, Alt+3 are the pages' shortcuts");
  tap_ok (listed, "the Keyboard Shortcuts window lists them");
  for (int i = 2; i >= 0; i -= 2)
    {
      g_autofree char *accel = g_strdup_printf ("<Alt>%d", i + 1);
      guint key;
      GdkModifierType mods;
      gtk_accelerator_parse (accel, &key, &mods);
      ui_press_key (GTK_WIDGET (window), key, mods);
      shown &= g_strcmp0 (adw_view_stack_get_visible_child_name (
                            ADW_VIEW_STACK (template_child (window, DLAB_TYPE_WINDOW, "stack"))),
                          pages[i]) == 0;
    }
  tap_ok (shown, "pressing Alt+3 shows the Data page and Alt+1 the Draw page");
}

static void
check_get_datasets_keys (DlabWindow *window)
{
  static const struct {
    guint key;
    GdkModifierType mods;
    const char *name;
  } keys[] = { { GDK_KEY_Escape, 0, "Escape" }, { GDK_KEY_w, GDK_CONTROL_MASK, "Ctrl+W" } };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkWidget *dialog = dlab_get_datasets_new (GTK_WINDOW (window));
      GtkWidget *gone = dialog;

      g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &gone);
      gtk_window_present (GTK_WINDOW (dialog));
      gui_redraw (dialog);
      ui_press_key (dialog, keys[i].key, keys[i].mods);
      gui_spin (50);
      tap_ok (gone == NULL, "%s closes Get Datasets", keys[i].name);
      if (gone)
        gtk_window_destroy (GTK_WINDOW (gone));
    }
}

/* ---- the dark style --------------------------------------------------------------------------------- */

static void
check_dark (DlabWindow *window)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (dlab_window_get_draw_page (window));
  g_autofree char *shot = shot_path ("draw-dark.png");
  g_autoptr (GdkTexture) texture = NULL;
  static const double seven[][2] = { { 0.28, 0.2 }, { 0.72, 0.2 }, { 0.60, 0.45 }, { 0.45, 0.82 } };
  double w, h, side;

  dlab_window_use_builtin_model (window);
  dlab_window_show_page (window, "draw");
  resize (GTK_WINDOW (window), 1000, 680);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  gui_spin (100);
  w = gtk_widget_get_width (GTK_WIDGET (pad));
  h = gtk_widget_get_height (GTK_WIDGET (pad));
  side = MIN (w, h);
  dlab_sketchpad_clear (pad);
  dlab_sketchpad_begin_stroke (pad, (w - side) / 2 + seven[0][0] * side, (h - side) / 2 + seven[0][1] * side, 1);
  for (gsize i = 1; i < G_N_ELEMENTS (seven); i++)
    for (int k = 1; k <= 10; k++)
      {
        double t = k / 10.0;
        dlab_sketchpad_extend_stroke (pad, (w - side) / 2 + (seven[i - 1][0] + t * (seven[i][0] - seven[i - 1][0])) * side,
                                      (h - side) / 2 + (seven[i - 1][1] + t * (seven[i][1] - seven[i - 1][1])) * side, 1);
      }
  dlab_sketchpad_end_stroke (pad);
  gui_spin (200);
  tap_ok (gui_save_screenshot (GTK_WIDGET (window), shot), "screenshot of the Draw page in the dark style: %s", shot);
  texture = gui_render_widget (GTK_WIDGET (window));
  tap_ok (texture && luminance_at (texture, 5, gdk_texture_get_height (texture) - 5) < 0.3,
          "the window follows the dark style (corner luminance %.2f)",
          texture ? luminance_at (texture, 5, gdk_texture_get_height (texture) - 5) : -1.0);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  gui_spin (50);

  /* The same 7 on a phone (the metainfo's screenshot draw-phone.png). */
  resize (GTK_WINDOW (window), 360, 720);
  gui_spin (400); /* the view switcher bar slides in */
  {
    g_autofree char *phone = shot_path ("draw-phone.png");
    tap_ok (gui_save_screenshot (GTK_WIDGET (window), phone), "screenshot of the Draw page on a phone: %s", phone);
  }
}

/* ---- running it --------------------------------------------------------------------------------------- */

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  DlabTrainPage *train = dlab_window_get_train_page (window);

  /* A phone's window manager: a close button, no minimize or maximize. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", ":close", NULL);
  dlab_train_page_load_dataset (train); /* as the Train or Data page, shown, would */
  tap_ok (gui_wait_until (page_ready, train, 20000), "the Train page loads the small MNIST");
  gui_redraw (GTK_WIDGET (window));
  check_widths (window);
  check_draw_page (window);
  resize (GTK_WINDOW (window), 360, 720);
  check_tab_chain (window, "draw", GTK_WIDGET (dlab_window_get_draw_page (window)));
  check_tab_chain (window, "data", GTK_WIDGET (dlab_window_get_data_page (window)));
  check_train_page (window);
  resize (GTK_WINDOW (window), 1000, 680);
  check_data_page (window);
  check_plot ();
  check_confusion ();
  check_shortcuts (GTK_APPLICATION (app), window);
  check_get_datasets_keys (window);
  check_dark (window);
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL, *xdg = NULL;
  int status;

  shot_dir = argc > 1 ? argv[1] : ".";
  /* A small MNIST where the engine looks first, and runs and settings
   * in a temporary data home, set before GLib reads them. */
  tmp_dir = g_dir_make_tmp ("digit-lab-adaptive-XXXXXX", NULL);
  data = g_build_filename (tmp_dir, "data", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("DLAB_DATA", data, TRUE);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  /* GTK's test accessibility backend: it needs no bus, and unlike "none"
   * it keeps the accessible names, so that the check of the names sees
   * those set in the .ui files and the code. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      ui_remove_tree (tmp_dir);
      return 77;
    }
  if (!ui_write_tiny_mnist (data))
    {
      tap_ok (0, "a small MNIST is written to %s", data);
      return tap_done ();
    }

  status = gui_app_run (argv[0], run_checks);
  tap_ok (status == 0, "the application ran and quit with status %d", status);

  ui_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
