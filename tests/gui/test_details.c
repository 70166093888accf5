/* Small things a learner trips over (issue 14, item 6), under Xvfb:
 *
 *   - the empty pad asks for what the model reads: a digit, a piece of
 *     clothing, a letter, or just "Draw here";
 *   - "Use in Sketchpad" names the model after its run, not
 *     "model.safetensors"; dlab_window_use_model takes any name;
 *   - Get Datasets downloads where `dlab fetch` does ($DLAB_DATA, else
 *     ~/.local/share/digit-lab/datasets), does not offer what is already
 *     there, says so plainly when the network cannot be reached (a proxy
 *     on a closed port stands in for "offline": no real network is used),
 *     and leaves no empty folder behind;
 *   - the chart's export suggests a name from the run and draws the run's
 *     name as its title;
 *   - the chart's and the network diagram's exports are written whole or
 *     not at all: a failed one (a missing folder, a write cut short as by
 *     a full disk, a name that is a folder) keeps the old file, leaves no
 *     temporary file, and its message names the file.
 *
 * The titled export stays as SCREENSHOT_DIR/chart-export.png.
 *
 * Usage: test_details SCREENSHOT_DIR   (exits 77 without a display) */
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "dlab-application.h"
#include "dlab-get-datasets.h"
#include "dlab-network-diagram.h"
#include "dlab-plot.h"
#include "dlab-window.h"
#include "gui_app.h"
#include "gui_util.h"
#include "test_util.h"
#include "ui_checks.h"

static char *tmp_dir;
static const char *shot_dir;

static gboolean
not_loading (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
}

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* ---- the pad's hint ------------------------------------------------------------------ */

static const char *
hint (DlabWindow *window)
{
  GtkWidget *label = GTK_WIDGET (
    gtk_widget_get_template_child (GTK_WIDGET (dlab_window_get_draw_page (window)), DLAB_TYPE_DRAW_PAGE, "hint_label"));
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
open_model (DlabWindow *window, const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  dlab_window_open_model (window, file);
  gui_wait_until (not_loading, window, 10000);
}

static void
check_hints (DlabWindow *window)
{
  static const char *const fashion[] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                         "Shirt", "Sneaker", "Bag", "Ankle boot", NULL };
  static const char *const letters[] = { "N/A", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
                                         "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", NULL };
  static const char *const pets[] = { "cat", "dog", NULL };
  g_autofree char *fashion_path = tmp_path ("fashion.safetensors");
  g_autofree char *letters_path = tmp_path ("letters.safetensors");
  g_autofree char *pets_path = tmp_path ("pets.safetensors");

  tap_ok (g_strcmp0 (hint (window), "Draw a digit here") == 0, "the built-in model's pad says \"%s\"", hint (window));
  tap_ok (ui_write_checkpoint (fashion_path, "lenet", "fashion-mnist", fashion) != NULL &&
          ui_write_checkpoint (letters_path, "flatten | linear 27", "emnist-letters", letters) != NULL &&
          ui_write_checkpoint (pets_path, "flatten | linear 2", "folder:pets", pets) != NULL,
          "Fashion-MNIST, EMNIST Letters and folder checkpoints are written");
  open_model (window, fashion_path);
  tap_ok (g_strcmp0 (hint (window), "Draw a piece of clothing here") == 0,
          "with a Fashion-MNIST model the pad says \"%s\"", hint (window));
  open_model (window, letters_path);
  tap_ok (g_strcmp0 (hint (window), "Draw a letter here") == 0, "with an EMNIST Letters model: \"%s\"",
          hint (window));
  open_model (window, pets_path);
  tap_ok (g_strcmp0 (hint (window), "Draw here") == 0, "with a model of a folder of pets: \"%s\"", hint (window));
  dlab_window_use_builtin_model (window);
}

/* ---- the name of a run's model ------------------------------------------------------------ */

static const char *
model_name (DlabWindow *window)
{
  GtkWidget *label = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (dlab_window_get_draw_page (window)),
                                                                DLAB_TYPE_DRAW_PAGE, "model_name_label"));
  return gtk_label_get_label (GTK_LABEL (label));
}

static void
check_run_names (DlabWindow *window)
{
  static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  g_autofree char *run = tmp_path ("mnist-lenet-20261206-101500");
  g_autofree char *model = g_build_filename (run, "model.safetensors", NULL);
  g_autofree char *command = g_build_filename (run, "command.txt", NULL);
  g_autoptr (GFile) file = NULL;

  g_mkdir_with_parents (run, 0700);
  tap_ok (ui_write_checkpoint (model, "lenet", "mnist", digits) != NULL &&
          g_file_set_contents (command, "dlab train --dataset mnist --model lenet\n", -1, NULL),
          "a run folder with model.safetensors and command.txt");
  file = g_file_new_for_path (model);

  /* "Use in Sketchpad", as the Train page emits it. */
  dlab_window_show_page (window, "train");
  g_signal_emit_by_name (dlab_window_get_train_page (window), "use-model", file);
  gui_wait_until (not_loading, window, 10000);
  tap_ok (g_strcmp0 (model_name (window), "mnist-lenet-20261206-101500") == 0,
          "\"Use in Sketchpad\" names the model after its run: \"%s\"", model_name (window));

  dlab_window_use_model (window, file, "MNIST · lenet");
  gui_wait_until (not_loading, window, 10000);
  tap_ok (g_strcmp0 (model_name (window), "MNIST · lenet") == 0 &&
          g_strcmp0 (dlab_classifier_get_name (dlab_window_get_classifier (window)), "MNIST · lenet") == 0,
          "dlab_window_use_model shows the name it is given: \"%s\"", model_name (window));
  dlab_window_use_builtin_model (window);
}

/* ---- Get Datasets ------------------------------------------------------------------------------ */

static gboolean
fetch_done (gpointer data)
{
  return !dlab_get_datasets_is_busy (DLAB_GET_DATASETS (data));
}

static void
check_get_datasets (DlabWindow *window)
{
  const char *data = g_getenv ("DLAB_DATA");
  g_autofree char *home_root = g_build_filename (g_get_home_dir (), ".local", "share", "digit-lab", "datasets", NULL);
  g_autofree char *root = dlab_get_datasets_root ();
  g_autofree char *fresh_parent = tmp_path ("new");
  g_autofree char *fresh = g_build_filename (fresh_parent, "datasets", NULL);
  DlabGetDatasets *dialog;
  const char *problem, *status;

  tap_ok (g_strcmp0 (root, data) == 0, "with $DLAB_DATA set, Get Datasets downloads into it, as dlab fetch does (%s)",
          root);
  g_unsetenv ("DLAB_DATA");
  g_free (root);
  root = dlab_get_datasets_root ();
  tap_ok (g_strcmp0 (root, home_root) == 0, "without it, into ~/.local/share/digit-lab/datasets, as dlab fetch (%s)",
          root);
  g_setenv ("DLAB_DATA", data, TRUE);

  /* What is there is not offered. */
  dialog = DLAB_GET_DATASETS (dlab_get_datasets_new (GTK_WINDOW (window)));
  gtk_window_present (GTK_WINDOW (dialog));
  tap_ok (!dlab_get_datasets_offers (dialog, "mnist") && dlab_get_datasets_offers (dialog, "cifar10"),
          "MNIST, already on this computer, is not offered for download; CIFAR-10 is");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Offline: every connection fails at once (a proxy on a closed port). */
  g_setenv ("DLAB_DATA", fresh, TRUE);
  g_setenv ("http_proxy", "http://127.0.0.1:9", TRUE);
  g_setenv ("https_proxy", "http://127.0.0.1:9", TRUE);
  g_unsetenv ("no_proxy");
  g_unsetenv ("NO_PROXY");
  dialog = DLAB_GET_DATASETS (dlab_get_datasets_new (GTK_WINDOW (window)));
  gtk_window_present (GTK_WINDOW (dialog));
  dlab_get_datasets_get (dialog, "cifar10");
  tap_ok (gui_wait_until (fetch_done, dialog, 30000), "the download ends");
  problem = dlab_get_datasets_get_problem (dialog);
  status = dlab_get_datasets_get_status (dialog);
  tap_ok (problem && strstr (problem, "network cannot be reached"), "offline, it says \"%s\"", problem ? problem : "");
  tap_ok (status && strstr (status, "press Get again") && strstr (status, fresh),
          "and what to do: try again, or copy the files into %s (\"%.60s…\")", fresh, status ? status : "");
  tap_ok (!g_file_test (fresh_parent, G_FILE_TEST_EXISTS), "the failed download leaves no folder behind (%s)",
          fresh_parent);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  g_setenv ("DLAB_DATA", data, TRUE);
}

/* ---- the chart's export --------------------------------------------------------------------------- */

/* Dark pixels in the top `rows` rows of a white PNG, in the columns just
 * left of its centre: a title, in a chart whose two panels sit side by
 * side (the loss panel ends 14 px or more left of the centre, the
 * accuracy panel's labels start 4 px or more right of it). */
static int
dark_pixels_on_top (const char *path, int rows)
{
  g_autoptr (GdkTexture) texture = gdk_texture_new_from_filename (path, NULL);
  int w, n = 0;
  g_autofree guint8 *px = NULL;

  if (!texture)
    return -1;
  w = gdk_texture_get_width (texture);
  px = g_malloc ((gsize) w * gdk_texture_get_height (texture) * 4);
  gdk_texture_download (texture, px, (gsize) w * 4);
  for (int y = 0; y < rows; y++)
    for (int x = w / 2 - 10; x < w / 2 + 3; x++)
      n += px[(y * w + x) * 4 + 1] < 128;
  return n;
}

static void
check_plot_export (void)
{
  DlabPlot *plot = DLAB_PLOT (g_object_ref_sink (dlab_plot_new ()));
  g_autofree char *plain = tmp_path ("plain.png");
  g_autofree char *titled = g_build_filename (shot_dir, "chart-export.png", NULL);
  g_autofree char *none = dlab_plot_dup_file_name (plot, "png"), *named = NULL, *odd = NULL;
  int dark_plain, dark_titled;

  tap_ok (g_strcmp0 (none, "curves.png") == 0, "without a run, the export suggests %s", none);
  dlab_plot_set_title (plot, "fashion-mnist-lenet-20261206-101500");
  named = dlab_plot_dup_file_name (plot, "svg");
  tap_ok (g_strcmp0 (named, "fashion-mnist-lenet-20261206-101500-curves.svg") == 0,
          "with a run, it suggests %s", named);
  dlab_plot_set_title (plot, ".a/b\\c");
  odd = dlab_plot_dup_file_name (plot, "png");
  tap_ok (g_strcmp0 (odd, "a-b-c-curves.png") == 0, "a title is made safe as a file name (%s)", odd);

  dlab_plot_reset (plot, 3);
  for (int e = 1; e <= 3; e++)
    dlab_plot_add_epoch (plot, e, 1.0 / e, 0.8 + e * 0.05, NAN, NAN, 1.1 / e, 0.8 + e * 0.04);
  dlab_plot_set_title (plot, NULL);
  dlab_plot_export_png (plot, plain, 1200, 400, NULL);
  dlab_plot_set_title (plot, "fashion-mnist-lenet-20261206-101500");
  dlab_plot_export_png (plot, titled, 1200, 400, NULL);
  dark_plain = dark_pixels_on_top (plain, 40);
  dark_titled = dark_pixels_on_top (titled, 40);
  tap_ok (dark_plain == 0 && dark_titled > 20,
          "the exported chart has the run's name as its title (dark pixels in the top band: %d without, %d with)",
          dark_plain, dark_titled);
  g_object_unref (plot);
}

/* ---- exports: whole or not at all ------------------------------------------------------------ */

typedef gboolean (*ExportFn) (gpointer what, const char *path, GError **error);

static gboolean
export_chart_png (gpointer plot, const char *path, GError **error)
{
  return dlab_plot_export_png (plot, path, 1200, 800, error);
}

static gboolean
export_chart_svg (gpointer plot, const char *path, GError **error)
{
  return dlab_plot_export_svg (plot, path, 900, 600, error);
}

static gboolean
export_diagram_png (gpointer diagram, const char *path, GError **error)
{
  return dlab_network_diagram_export_png (diagram, path, error);
}

static gboolean
export_diagram_svg (gpointer diagram, const char *path, GError **error)
{
  return dlab_network_diagram_export_svg (diagram, path, error);
}

/* The names in dir other than `keep`, comma-separated ("" when none). */
static char *
others_in (const char *dir, const char *keep)
{
  GString *names = g_string_new (NULL);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    if (strcmp (name, keep) != 0)
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", name);
  if (d)
    g_dir_close (d);
  return g_string_free (names, FALSE);
}

static gboolean
has_contents (const char *path, const char *expected)
{
  g_autofree char *data = NULL;
  return g_file_get_contents (path, &data, NULL, NULL) && strcmp (data, expected) == 0;
}

/* The process may write files of at most `bytes` (RLIM_INFINITY: as
 * before): a write past it fails with EFBIG, half way, as on a full disk
 * (whoever runs the test, root included). */
static void
limit_file_size (rlim_t bytes)
{
  static struct rlimit before;
  static gboolean saved;
  struct rlimit limit;

  if (!saved)
    {
      getrlimit (RLIMIT_FSIZE, &before);
      signal (SIGXFSZ, SIG_IGN);
      saved = TRUE;
    }
  limit = before;
  if (bytes != RLIM_INFINITY)
    limit.rlim_cur = bytes;
  setrlimit (RLIMIT_FSIZE, &limit);
}

static void
check_export_whole (const char *what, gpointer source, ExportFn export, const char *ext)
{
  g_autofree char *dir_name = g_strdup_printf ("export-%s-%s", what, ext);
  g_autofree char *dir = tmp_path (dir_name);
  g_autofree char *name = g_strdup_printf ("picture.%s", ext);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *missing = g_build_filename (dir, "gone", name, NULL);
  g_autofree char *folder = g_build_filename (dir, "folder", NULL);
  g_autofree char *left = NULL;
  GError *error = NULL;
  gboolean ok;

  g_mkdir_with_parents (dir, 0755);
  g_file_set_contents (path, "the old picture", -1, NULL);

  ok = export (source, missing, &error);
  tap_ok (!ok && error && strstr (error->message, missing), "%s %s into a missing folder fails, naming it: %s",
          what, ext, error ? error->message : "no message");
  g_clear_error (&error);

  limit_file_size (2000);
  ok = export (source, path, &error);
  limit_file_size (RLIM_INFINITY);
  left = others_in (dir, name);
  tap_ok (!ok && error && strstr (error->message, path) && has_contents (path, "the old picture") && !*left,
          "%s %s cut short after 2000 bytes: the old file is whole, nothing left beside it (%s), and the "
          "message names it: %s",
          what, ext, left, error ? error->message : "no message");
  g_clear_error (&error);
  g_free (left);

  g_mkdir (folder, 0755);
  ok = export (source, folder, &error);
  left = others_in (dir, name);
  tap_ok (!ok && error && strstr (error->message, folder) && g_file_test (folder, G_FILE_TEST_IS_DIR)
            && g_strcmp0 (left, "folder") == 0,
          "%s %s over a folder fails and leaves it (beside: %s): %s", what, ext, left,
          error ? error->message : "no message");
  g_clear_error (&error);
  g_rmdir (folder);
  g_free (left);

  ok = export (source, path, &error);
  left = others_in (dir, name);
  tap_ok (ok && !has_contents (path, "the old picture") && !*left, "%s %s replaces the old file%s%s", what, ext,
          error ? ": " : "", error ? error->message : "");
  g_clear_error (&error);
}

static void
check_exports_whole (void)
{
  DlabPlot *plot = DLAB_PLOT (g_object_ref_sink (dlab_plot_new ()));
  DlabNetworkDiagram *diagram = DLAB_NETWORK_DIAGRAM (g_object_ref_sink (dlab_network_diagram_new ()));

  dlab_plot_reset (plot, 3);
  for (int e = 1; e <= 3; e++)
    dlab_plot_add_epoch (plot, e, 1.0 / e, 0.8 + e * 0.05, NAN, NAN, 1.1 / e, 0.8 + e * 0.04);
  dlab_network_diagram_set_spec (diagram, "lenet", "1x28x28", NULL);
  check_export_whole ("the chart", plot, export_chart_png, "png");
  check_export_whole ("the chart", plot, export_chart_svg, "svg");
  check_export_whole ("the diagram", diagram, export_diagram_png, "png");
  check_export_whole ("the diagram", diagram, export_diagram_svg, "svg");
  g_object_unref (diagram);
  g_object_unref (plot);
}

/* ---- running it ------------------------------------------------------------------------------------ */

static void
run_checks (DlabApplication *app)
{
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));

  gui_redraw (GTK_WIDGET (window));
  check_hints (window);
  check_run_names (window);
  check_get_datasets (window);
  check_plot_export ();
  check_exports_whole ();
}

int
main (int argc, char **argv)
{
  g_autofree char *data = NULL, *xdg = NULL;
  int status;

  shot_dir = argc > 1 ? argv[1] : ".";
  tmp_dir = g_dir_make_tmp ("digit-lab-details-XXXXXX", NULL);
  data = g_build_filename (tmp_dir, "data", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("DLAB_DATA", data, TRUE);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
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
