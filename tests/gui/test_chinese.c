/* The application in Simplified Chinese (issue 14), under Xvfb.
 *
 * The program runs the application twice: once in English (itself again,
 * as a child, under LANG=C.UTF-8) and once in Chinese (LANGUAGE=zh_CN
 * LANG=zh_CN.UTF-8, the build's catalogue bound through DLAB_LOCALEDIR as
 * `meson devenv` does). Both runs walk the same pages the same way: the
 * Draw page empty and with a drawn 7, the Data page, the Train page with
 * its More options and its layers open, every tutorial chosen in turn
 * (and a result beside it), both of its views, then one epoch of the
 * LeNet tutorial on 2,048 Fashion-MNIST images (when they are found). The walk collects
 * every text a person sees: each shown label (buttons, group and row
 * titles and subtitles, page names are labels too) and every item of
 * every drop-down (AdwComboRow), shown or not.
 *
 * Checks, in Chinese:
 *   - the window title, the page names, the Train button, the Train page's
 *     group and row titles and the Test Results headings are Chinese;
 *   - the Tutorials chooser lists the tutorials' own Chinese titles;
 *   - no text of the English run is seen unchanged, except what is the
 *     same in every language (kept_as_is: names, numbers, file names,
 *     options and network specs);
 *   - the engine's messages (a dataset not found) are Chinese;
 *   - the font draws Chinese (no box instead of a glyph);
 *   - screenshots draw-zh_CN.png, data-zh_CN.png and train-zh_CN.png
 *     (after the run), copied to resources/screenshots/ by hand.
 *
 * Usage: test_chinese SCREENSHOT_DIR LOCALE_DIR
 *        test_chinese --texts FILE   (the English run: writes its texts)
 * Skips (77) without a display, the zh_CN.UTF-8 locale (tools/setup.sh
 * generates it) or the compiled catalogue (LOCALE_DIR/zh_CN/LC_MESSAGES). */
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#include "dlab-application.h"
#include "dlab-sample-set.h"
#include "dlab-window.h"
#include "dlab/recipes.h"
#include "gui_util.h"
#include "gui_conditions.h"
#include "train_parts.h"
#include "test_util.h"
#include "ui_checks.h"

static const char *shot_dir;
static char *tmp_dir;
static gboolean chinese;  /* this run is the Chinese one */
static const char *texts_out;  /* the English run writes its texts here */

/* Every text seen: text -> where (the first widget that showed it). */
static GHashTable *seen;
/* The class names of the datasets the run used, and the engine's messages
 * for the datasets that are not found (see kept_as_is, engine_messages). */
static GHashTable *class_names, *engine_messages;

/* ---- what stays the same in every language ------------------------------------------------------ */

/* Proper names: datasets, optimizers, libraries, networks. */
static const char *const names[] = {
  "MNIST", "Fashion-MNIST", "EMNIST", "CIFAR-10", "SGD", "Adam", "AdamW", "PyTorch", "LeNet", "LeNet-5", NULL,
};

static gboolean
has_letter (const char *text)
{
  for (const char *p = text; *p; p++)
    if (g_ascii_isalpha (*p))
      return TRUE;
  return FALSE;
}

/* A Chinese character (CJK Unified Ideographs and extension A). */
static gboolean
has_han (const char *text)
{
  for (const char *p = text; p && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
        return TRUE;
    }
  return FALSE;
}

/* Class names joined as the mistakes view shows a cell ("Sneaker → Ankle
 * boot"), each a class name of the dataset. */
static gboolean
only_class_names (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, " → ", -1);

  for (int i = 0; parts[i]; i++)
    if (!class_names || !g_hash_table_contains (class_names, parts[i]))
      return FALSE;
  return TRUE;
}

/* A text that is the same in every language (the allowlist):
 *   - no Latin letter: numbers, "28×28", "98.1%";
 *   - a proper name (names[]) or one letter (an EMNIST class);
 *   - the dataset's class names ("Ankle boot", "Sneaker → Ankle boot"):
 *     its own labels, as torchvision and the tutorials name them, and what
 *     a checkpoint stores;
 *   - a file name or path ("model.safetensors", "/tmp/…");
 *   - a network spec ("conv 6 5 | relu"), one lowercase word (a zoo name
 *     "lenet", a layer kind) or a layer as the layers' summary names it
 *     ("fc.2: linear"), a shape ("16x8x8");
 *   - `dlab train` options ("--transform rotate:5,crop:28:2", whose
 *     values may hold a `/`: "affine:0:0/0:0.9/1.1:8"). */
static gboolean
kept_as_is (const char *text)
{
  if (!has_letter (text) || g_strv_contains (names, text) || g_utf8_strlen (text, -1) == 1 ||
      only_class_names (text))
    return TRUE;
  if (text[0] == '/' || g_str_has_suffix (text, ".safetensors") || g_str_has_suffix (text, ".png") ||
      g_str_has_suffix (text, ".strokes") || g_str_has_suffix (text, ".csv"))
    return TRUE;
  return g_regex_match_simple ("^[a-z0-9_.:, -]+( \\| [a-z0-9_.:, -]+)+$", text, 0, 0) ||
         g_regex_match_simple ("^([a-z0-9_.]+: )?[a-z0-9_.:-]+$", text, 0, 0) ||
         g_regex_match_simple ("^--[a-z-]+( [a-z0-9_.:,/-]+)?( --[a-z-]+( [a-z0-9_.:,/-]+)?)*$", text, 0, 0);
}

/* The allowlist lets names through, and English words not. */
static void
check_allowlist (void)
{
  static const char *const same[] = { "Fashion-MNIST", "60,000", "model.safetensors", "lenet", "fc.2: linear",
                                      "conv 6 5 | relu | linear 10", "--transform rotate:5,crop:28:2",
                                      "--transform affine:0:0/0:0.9/1.1:8",
                                      "16x8x8", NULL };
  static const char *const english[] = { "Train", "Layers, separated by “|”", "Custom", "Shuffle",
                                         "none: your own settings", "--lr Learning rate",
                                         "MNIST Digits", NULL };
  GString *wrong = g_string_new (NULL);

  for (int i = 0; same[i]; i++)
    if (!kept_as_is (same[i]))
      g_string_append_printf (wrong, " “%s”", same[i]);
  for (int i = 0; english[i]; i++)
    if (kept_as_is (english[i]))
      g_string_append_printf (wrong, " “%s”", english[i]);
  tap_ok (wrong->len == 0, "the allowlist keeps names, numbers, file names and specs, and no English words "
          "(wrong:%s)", wrong->len ? wrong->str : " none");
  g_string_free (wrong, TRUE);
}

/* ---- the walk ----------------------------------------------------------------------------------- */

static void
see (const char *text, GtkWidget *where)
{
  g_autofree char *t = g_strstrip (g_strdup (text ? text : ""));

  if (*t && !g_hash_table_contains (seen, t))
    g_hash_table_insert (seen, g_steal_pointer (&t), g_strdup (G_OBJECT_TYPE_NAME (where)));
}

/* Every item of a drop-down, as its list shows them. */
static void
see_items (AdwComboRow *row)
{
  GListModel *model = adw_combo_row_get_model (row);
  GtkExpression *expression = adw_combo_row_get_expression (row);
  guint n = model ? g_list_model_get_n_items (model) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (model, i);
      g_auto (GValue) value = G_VALUE_INIT;

      if (GTK_IS_STRING_OBJECT (item))
        see (gtk_string_object_get_string (GTK_STRING_OBJECT (item)), GTK_WIDGET (row));
      else if (expression && gtk_expression_evaluate (expression, item, &value) &&
               G_VALUE_HOLDS_STRING (&value))
        see (g_value_get_string (&value), GTK_WIDGET (row));
    }
}

/* The texts shown under widget: labels that are mapped, and the items of
 * its drop-downs. */
static void
walk (GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget))
    see (gtk_label_get_text (GTK_LABEL (widget)), widget);
  if (ADW_IS_COMBO_ROW (widget))
    see_items (ADW_COMBO_ROW (widget));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    walk (c);
}

/* ---- driving the application -------------------------------------------------------------------- */

static gboolean
pad_has_size (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) > 100 && gtk_widget_get_height (GTK_WIDGET (data)) > 100;
}

static gpointer
template_child (gpointer widget, GType type, const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
}

static void
shoot (GtkWidget *window, const char *name)
{
  g_autofree char *path = g_build_filename (shot_dir, name, NULL);

  if (chinese)
    tap_ok (gui_save_screenshot (window, path), "screenshot: %s", path);
}

/* A 7 on the pad, as a pen draws it (ten points a segment). */
static void
draw_seven (DlabDrawPage *page)
{
  static const double seven[][2] = { { 0.28, 0.2 }, { 0.72, 0.2 }, { 0.60, 0.45 }, { 0.45, 0.82 } };
  DlabSketchpad *pad = dlab_draw_page_get_sketchpad (page);
  double w = gtk_widget_get_width (GTK_WIDGET (pad)), h = gtk_widget_get_height (GTK_WIDGET (pad));
  double side = MIN (w, h), ox = (w - side) / 2, oy = (h - side) / 2;
  ReadingWait wait = { page, dlab_draw_page_get_n_readings (page) };

  dlab_sketchpad_begin_stroke (pad, ox + seven[0][0] * side, oy + seven[0][1] * side, 1.0);
  for (guint i = 1; i < G_N_ELEMENTS (seven); i++)
    for (int k = 1; k <= 10; k++)
      {
        double t = k / 10.0;
        double x = seven[i - 1][0] + t * (seven[i][0] - seven[i - 1][0]);
        double y = seven[i - 1][1] + t * (seven[i][1] - seven[i - 1][1]);
        dlab_sketchpad_extend_stroke (pad, ox + x * side, oy + y * side, 1.0);
      }
  dlab_sketchpad_end_stroke (pad);
  gui_wait_until (reading_done, &wait, 3000);
}

static void
visit_draw (DlabWindow *window)
{
  DlabDrawPage *page = dlab_window_get_draw_page (window);

  dlab_window_show_page (window, "draw");
  gui_wait_until (pad_has_size, dlab_draw_page_get_sketchpad (page), 5000);
  walk (GTK_WIDGET (window));  /* the empty pad asks for a digit */
  draw_seven (page);
  gui_redraw (GTK_WIDGET (window));
  walk (GTK_WIDGET (window));
  shoot (GTK_WIDGET (window), "draw-zh_CN.png");
}

static void
visit_data (DlabWindow *window)
{
  DlabTrainPage *train = dlab_window_get_train_page (window);
  DlabDataPage *page = dlab_window_get_data_page (window);

  dlab_window_show_page (window, "data"); /* which loads the dataset */
  gui_wait_until (page_ready, train, 20000);
  dlab_data_page_select (page, 0);
  gui_spin (300);
  walk (GTK_WIDGET (window));
  shoot (GTK_WIDGET (window), "data-zh_CN.png");
}

static gboolean
transition_done (gpointer data)
{
  return !gtk_stack_get_transition_running (GTK_STACK (data));
}

/* Shows a view of the Train page once its crossfade is over: mid-way both
 * views are drawn, one over the other. */
static void
show_view (DlabTrainPage *page, const char *name)
{
  dlab_train_page_show_view (page, name);
  gui_spin (50);
  gui_wait_until (transition_done, gui_train_child (page, "view_stack"), 2000);
}

/* Both views of the Train page, More options open. */
static void
walk_train_page (DlabWindow *window, DlabTrainPage *page)
{
  adw_expander_row_set_expanded (gui_train_child (page, "more_row"), TRUE);
  gtk_expander_set_expanded (gui_train_child (page, "summary_expander"), TRUE);
  show_view (page, "results");
  walk (GTK_WIDGET (window));
  show_view (page, "curves");
  walk (GTK_WIDGET (window));
}

static void
visit_train (DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  DlabTutorialChooser *chooser = dlab_train_page_get_tutorial_chooser (page);

  dlab_window_show_page (window, "train");
  walk_train_page (window, page);
  /* Each tutorial's texts, and what the chooser says beside a run (the
   * numbers are made up: only the words are looked at). */
  for (const DlabRecipe *r = dlab_recipes (); r->name; r++)
    {
      dlab_train_page_choose_tutorial (page, r->name);
      dlab_tutorial_chooser_set_result (chooser, 0.98, 10000, 0.97, 6000);
      gui_spin (50);
      walk_train_page (window, page);
    }
  dlab_train_page_choose_tutorial (page, NULL);
}

/* One epoch of the LeNet tutorial on 2,048 images; FALSE when it could
 * not run. */
static gboolean
visit_run (DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  gboolean ran;

  if (!dataset_found ("fashion-mnist"))
    return FALSE;
  dlab_train_page_choose_tutorial (page, "lenet-fashion");
  gtk_spin_button_set_value (gui_train_child (page, "epochs_spin"), 1);
  gtk_spin_button_set_value (gui_train_child (page, "limit_spin"), 2048);
  gtk_spin_button_set_value (gui_train_child (page, "threads_spin"), 1);
  gui_wait_until (page_ready, page, 20000);
  ran = gui_click (GTK_WIDGET (window), "train.start") && gui_wait_until (job_idle, page, 120000);
  if (dlab_train_page_get_sample_set (page))
    {
      const DlabDataset *test = dlab_sample_set_get_test (dlab_train_page_get_sample_set (page));
      for (int k = 0; k < test->num_classes; k++)
        g_hash_table_add (class_names, dlab_sample_class_name (test, k));
    }
  walk_train_page (window, page);
  shoot (GTK_WIDGET (window), "train-zh_CN.png");
  return ran;
}

/* ---- the checks of the Chinese run -------------------------------------------------------------- */

/* Each text of `what` that is not Chinese, in a list. */
static void
not_chinese (const char *text, GString *bad)
{
  if (text && *text && !has_han (text) && !kept_as_is (text))
    g_string_append_printf (bad, " “%s”", text);
}

static void
collect_titles (GtkWidget *widget, GString *bad, int *n)
{
  if (ADW_IS_PREFERENCES_GROUP (widget))
    {
      not_chinese (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget)), bad);
      not_chinese (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (widget)), bad);
      ++*n;
    }
  if (ADW_IS_PREFERENCES_ROW (widget))
    {
      not_chinese (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), bad);
      ++*n;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect_titles (c, bad, n);
}

static void
check_chinese_names (DlabWindow *window)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  AdwViewStack *stack = template_child (window, DLAB_TYPE_WINDOW, "stack");
  GtkButton *train = GTK_BUTTON (gui_find_actionable (GTK_WIDGET (page), "train.start"));
  GString *bad = g_string_new (NULL);
  int n = 0;

  tap_ok (has_han (gtk_window_get_title (GTK_WINDOW (window))), "the window title is Chinese: “%s”",
          gtk_window_get_title (GTK_WINDOW (window)));
  g_autoptr (GtkSelectionModel) pages = adw_view_stack_get_pages (stack);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++, n++)
    {
      g_autoptr (AdwViewStackPage) p = g_list_model_get_item (G_LIST_MODEL (pages), i);
      not_chinese (adw_view_stack_page_get_title (p), bad);
    }
  tap_ok (n == 3 && bad->len == 0, "the %d page names are Chinese (not:%s)", n,
          bad->len ? bad->str : " none");
  tap_ok (has_han (gtk_button_get_label (train)), "the Train button is Chinese: “%s”",
          gtk_button_get_label (train));

  g_string_truncate (bad, 0);
  n = 0;
  collect_titles (GTK_WIDGET (page), bad, &n);
  tap_ok (n > 30 && bad->len == 0, "the Train page's %d groups and rows have Chinese titles (not:%s)", n,
          bad->len ? bad->str : " none");
  g_string_free (bad, TRUE);
}

/* The Test Results view after the run: its name, the accuracy heading,
 * the matrix's caption, the mistakes' heading, each shown label. */
static void
check_results_headings (DlabWindow *window, gboolean ran)
{
  DlabTrainPage *page = dlab_window_get_train_page (window);
  GtkStack *views = gui_train_child (page, "view_stack");
  GtkLabel *accuracy = gui_train_child (page, "accuracy_label");
  g_autoptr (GHashTable) before = seen;
  GString *bad = g_string_new (NULL);
  GHashTableIter iter;
  gpointer text;
  int n = 0;

  for (const char *const *name = (const char *const[]) { "curves", "results", NULL }; *name; name++)
    {
      GtkWidget *view = gtk_stack_get_child_by_name (views, *name);
      not_chinese (gtk_stack_page_get_title (gtk_stack_get_page (views, view)), bad);
    }
  show_view (page, "results");
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  walk (gtk_stack_get_child_by_name (views, "results"));
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &text, NULL))
    {
      not_chinese (text, bad);
      n++;
    }
  tap_ok (n >= 3 && bad->len == 0, "the Test Results view's %d headings are Chinese (not:%s)", n,
          bad->len ? bad->str : " none");
  if (ran)
    tap_ok (has_han (gtk_label_get_text (accuracy)) && strchr (gtk_label_get_text (accuracy), '%'),
            "after the run its accuracy reads: “%s”", gtk_label_get_text (accuracy));
  else
    tap_ok (1, "after the run: skipped, Fashion-MNIST is not found");
  g_hash_table_destroy (seen);
  seen = g_steal_pointer (&before);
  show_view (page, "curves");
  g_string_free (bad, TRUE);
}

static void
check_tutorial_titles (DlabWindow *window)
{
  DlabTutorialChooser *chooser = dlab_train_page_get_tutorial_chooser (dlab_window_get_train_page (window));
  AdwComboRow *row = template_child (chooser, DLAB_TYPE_TUTORIAL_CHOOSER, "tutorial_row");
  GListModel *model = adw_combo_row_get_model (row);
  GString *bad = g_string_new (NULL);
  guint i = 1;

  for (const DlabRecipe *r = dlab_recipes (); r->name; r++, i++)
    {
      g_autoptr (GtkStringObject) item = g_list_model_get_item (model, i);
      if (!item || strcmp (gtk_string_object_get_string (item), r->title) != 0)
        g_string_append_printf (bad, " %s", r->name);
    }
  tap_ok (dlab_tutorial_chooser_prefers_original_titles () && i > 1 && bad->len == 0,
          "the Tutorials chooser lists the tutorials' Chinese titles (not:%s)",
          bad->len ? bad->str : " none");
  g_string_free (bad, TRUE);
}

/* The interface's font has the glyphs: no box drawn for 训练. */
static void
check_font (DlabWindow *window)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (window), "训练 测试 准确率");

  tap_ok (pango_layout_get_unknown_glyphs_count (layout) == 0,
          "the font draws Chinese (%d unknown glyphs; Debian: fonts-noto-cjk, tools/setup.sh)",
          pango_layout_get_unknown_glyphs_count (layout));
}

static GHashTable *
read_texts (const char *path)
{
  GHashTable *texts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return texts;
  lines = g_strsplit (contents, "\n", -1);
  for (int i = 0; lines[i]; i++)
    if (*lines[i])
      g_hash_table_add (texts, g_strcompress (lines[i]));
  return texts;
}

/* The messages the engine gives (dlab_error, translated by the engine's
 * own gettext calls, engine/src/core/i18n.h) when a dataset's files are not
 * found, as the Train page shows them for a tutorial whose dataset is
 * absent. */
static void
collect_engine_messages (void)
{
  int n = 0;
  g_autofree DlabDatasetEntry *entries = dlab_dataset_catalog (NULL, &n);

  for (int i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (DlabSampleSet) set = NULL;
      if (!entries[i].found && !(set = dlab_sample_set_load (entries[i].name, NULL, &error)))
        g_hash_table_add (engine_messages, g_strdup (error->message));
    }
}

/* No text of the English run is seen unchanged in Chinese. */
static void
check_nothing_english (GHashTable *english)
{
  GString *left = g_string_new (NULL), *engine = g_string_new (NULL), *kept = g_string_new (NULL);
  GString *untranslated = g_string_new (NULL);
  GHashTableIter iter;
  gpointer text, where;
  guint same = 0;

  tap_ok (g_hash_table_size (english) > 150 && g_hash_table_contains (english, "Train"),
          "the English run saw %u texts, “Train” among them", g_hash_table_size (english));
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &text, &where))
    if (!g_hash_table_contains (english, text))
      continue;
    else if (kept_as_is (text))
      {
        if (has_letter (text))
          g_string_append_printf (kept, " “%s”", (char *) text);
        same++;
      }
    else if (g_hash_table_contains (engine_messages, text))
      g_string_append_printf (engine, "\n#   %s: “%s”", (char *) where, (char *) text);
    else
      g_string_append_printf (left, "\n#   %s: “%s”", (char *) where, (char *) text);
  tap_ok (g_hash_table_size (seen) > 150 && left->len == 0,
          "no text is left in English: %u texts seen in Chinese, %u the same in both runs as names, "
          "numbers or file names; left in English:%s",
          g_hash_table_size (seen), same, left->len ? left->str : " none");
  /* For whoever reads the log: what passed as a name. */
  g_autofree char *kept_line = g_strescape (kept->str, "“”→×–—");
  printf ("# the same in both runs, with letters:%s\n", kept_line);
  /* The engine's messages: none shown as the English run showed it, and
   * each one the engine gave for an absent dataset has Chinese words (the
   * words around the dataset's name and folders). */
  g_hash_table_iter_init (&iter, engine_messages);
  while (g_hash_table_iter_next (&iter, &text, NULL))
    if (!has_han (text))
      g_string_append_printf (untranslated, "\n#   “%s”", (char *) text);
  tap_ok (g_hash_table_size (engine_messages) > 0 && engine->len == 0 && untranslated->len == 0,
          "the engine's messages are in Chinese: %u for the absent datasets; shown as in English:%s; "
          "without Chinese:%s",
          g_hash_table_size (engine_messages), engine->len ? engine->str : " none",
          untranslated->len ? untranslated->str : " none");
  g_string_free (left, TRUE);
  g_string_free (engine, TRUE);
  g_string_free (untranslated, TRUE);
  g_string_free (kept, TRUE);
}

/* ---- the runs ----------------------------------------------------------------------------------- */

static void
write_texts (void)
{
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer text;

  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &text, NULL))
    {
      g_autofree char *line = g_strescape (text, "");
      g_string_append_printf (out, "%s\n", line);
    }
  if (!g_file_set_contents (texts_out, out->str, (gssize) out->len, NULL))
    tap_ok (0, "the English run's texts are written to %s", texts_out);
  g_string_free (out, TRUE);
}

/* The English run: this program again, with the same display. */
static GHashTable *
run_english (const char *self)
{
  g_autofree char *path = g_build_filename (tmp_dir, "english.txt", NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { self, "--texts", path, NULL };
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  int status = -1;

  env = g_environ_unsetenv (env, "LANGUAGE");
  env = g_environ_unsetenv (env, "LC_ALL");
  env = g_environ_unsetenv (env, "LC_MESSAGES");
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
  tap_ok (error == NULL && g_spawn_check_wait_status (status, NULL), "the English run ran%s%s",
          error ? ": " : "", error ? error->message : "");
  if (out && !g_spawn_check_wait_status (status, NULL))
    printf ("# the English run said:\n# %s\n", out);
  return read_texts (path);
}

static gboolean
start_checks (gpointer data)
{
  DlabApplication *app = data;
  DlabWindow *window = DLAB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gboolean ran;

  visit_draw (window);
  visit_data (window);
  visit_train (window);
  ran = visit_run (window);
  if (chinese)
    {
      check_font (window);
      check_chinese_names (window);
      check_tutorial_titles (window);
      check_results_headings (window, ran);
    }
  else
    write_texts ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app)
{
  g_idle_add (start_checks, app);
}

static int
run_application (const char *self)
{
  g_autoptr (DlabApplication) app = dlab_application_new ();
  char *args[] = { (char *) self, NULL };

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), 1, args);
}

/* Why the Chinese run cannot be made, or NULL. */
static const char *
missing_for_chinese (const char *locale_dir)
{
  g_autofree char *mo = g_build_filename (locale_dir, "zh_CN", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);

  if (!setlocale (LC_ALL, "zh_CN.UTF-8"))
    return "the zh_CN.UTF-8 locale is not installed (tools/setup.sh generates it)";
  if (!g_file_test (mo, G_FILE_TEST_IS_REGULAR))
    return "the compiled catalogue zh_CN/LC_MESSAGES/" GETTEXT_PACKAGE ".mo is not built";
  return NULL;
}

int
main (int argc, char **argv)
{
  const char *root = g_getenv ("DLAB_SOURCE_ROOT"), *why;
  g_autofree char *xdg = NULL;
  GHashTable *english = NULL;
  int status;

  texts_out = argc > 2 && strcmp (argv[1], "--texts") == 0 ? argv[2] : NULL;
  chinese = texts_out == NULL;
  shot_dir = chinese && argc > 1 ? argv[1] : ".";
  if (chinese)
    {
      const char *locale_dir = argc > 2 ? argv[2] : "po";
      if ((why = missing_for_chinese (locale_dir)))
        {
          tap_skip_all (why);
          return 77;
        }
      g_setenv ("DLAB_LOCALEDIR", locale_dir, TRUE);
    }
  if (!g_getenv ("DLAB_DATA") && root)
    {
      g_autofree char *data = g_build_filename (root, "data", NULL);
      g_setenv ("DLAB_DATA", data, TRUE);
    }
  tmp_dir = g_dir_make_tmp ("digit-lab-chinese-XXXXXX", NULL);
  xdg = g_build_filename (tmp_dir, "xdg", NULL);
  g_setenv ("XDG_DATA_HOME", xdg, TRUE);
  /* The locale before GTK starts: it picks the fonts' language from it. */
  if (chinese)
    {
      g_setenv ("LANGUAGE", "zh_CN", TRUE);
      g_setenv ("LANG", "zh_CN.UTF-8", TRUE);
      g_unsetenv ("LC_ALL");
      g_unsetenv ("LC_MESSAGES");
    }
  if (!gtk_init_check ())
    {
      tap_skip_all ("no display (run under xvfb-run)");
      ui_remove_tree (tmp_dir);
      return 77;
    }
  if (chinese)
    english = run_english (argv[0]);
  /* What main.c does. */
  setlocale (LC_ALL, "");
  dlab_application_bind_text_domain ();

  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  class_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  engine_messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (chinese)
    {
      check_allowlist ();
      collect_engine_messages ();
    }
  status = run_application (argv[0]);
  tap_ok (status == 0, "the application ran and quit with status %d", status);
  if (chinese)
    check_nothing_english (english);
  g_clear_pointer (&english, g_hash_table_destroy);
  g_hash_table_destroy (seen);
  g_hash_table_destroy (class_names);
  g_hash_table_destroy (engine_messages);
  ui_remove_tree (tmp_dir);
  g_free (tmp_dir);
  return tap_done ();
}
