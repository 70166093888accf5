/* DlabNetworkEditor: see dlab-network-editor.h. */
#include "dlab-network-editor.h"

#include <glib/gi18n.h>

#include "dlab-settings.h"
#include "dlab-format.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/pytorch_code.h"
#include "dlab/zoo.h"

struct _DlabNetworkEditor {
  AdwBin parent_instance;

  /* Template children. */
  AdwComboRow *model_row;
  GtkTextView *spec_view;
  GtkLabel *spec_status;
  GtkExpander *summary_expander;
  GtkGrid *summary_grid;
  GtkExpander *diagram_expander;
  DlabNetworkDiagram *diagram;

  GSettings *settings; /* NULL without the schema */
  int c, h, w, classes; /* the input, see set_input */
  gboolean ready;
  gboolean syncing;    /* model combo and spec text update each other */
};

G_DEFINE_FINAL_TYPE (DlabNetworkEditor, dlab_network_editor, ADW_TYPE_BIN)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
settings_string (DlabNetworkEditor *self, const char *key, const char *fallback)
{
  return self->settings ? g_settings_get_string (self->settings, key) : g_strdup (fallback);
}

static void
settings_set_string (DlabNetworkEditor *self, const char *key, const char *value)
{
  if (self->settings)
    g_settings_set_string (self->settings, key, value);
}

static char *
spec_text (DlabNetworkEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->spec_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

/* ---- the summary table ------------------------------------------------------------ */

static void
add_summary_cell (DlabNetworkEditor *self, const char *text, int col, int row, gboolean header, gboolean number)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), number ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, header ? "caption-heading" : "caption");
  if (number)
    gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (self->summary_grid, label, col, row, 1, 1);
}

static void
clear_summary (DlabNetworkEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->summary_grid))))
    gtk_grid_remove (self->summary_grid, child);
}

/* torchsummary's table: each layer, its output shape and parameters. */
static void
show_summary (DlabNetworkEditor *self, const DlabModel *m)
{
  char shape[64];
  int row = 1;

  clear_summary (self);
  add_summary_cell (self, _("Layer"), 0, 0, TRUE, FALSE);
  add_summary_cell (self, _("Output"), 1, 0, TRUE, FALSE);
  add_summary_cell (self, _("Parameters"), 2, 0, TRUE, TRUE);
  add_summary_cell (self, _("input"), 0, row, FALSE, FALSE);
  add_summary_cell (self, dlab_shape_str (dlab_model_input (m), shape, sizeof shape), 1, row++, FALSE, FALSE);
  for (int i = 0; i < dlab_model_num_layers (m); i++, row++)
    {
      DlabLayerSummary l = dlab_model_layer_summary (m, i);
      g_autofree char *name = g_strdup_printf ("%s: %s", l.name, l.kind);
      g_autofree char *params = dlab_format_count (l.params);

      add_summary_cell (self, name, 0, row, FALSE, FALSE);
      add_summary_cell (self, dlab_shape_str (l.output, shape, sizeof shape), 1, row, FALSE, FALSE);
      add_summary_cell (self, params, 2, row, FALSE, TRUE);
    }
  {
    g_autofree char *total = dlab_format_count (dlab_model_count_params (m));
    add_summary_cell (self, _("Total"), 0, row, TRUE, FALSE);
    add_summary_cell (self, total, 2, row, TRUE, TRUE);
  }
}

/* ---- checking the spec --------------------------------------------------------------- */

static void
set_status (DlabNetworkEditor *self, const char *text, gboolean error)
{
  gtk_label_set_label (self->spec_status, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->spec_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->spec_status), "error");
}

static void
show_model (DlabNetworkEditor *self, DlabModel *m)
{
  int outputs = dlab_model_num_outputs (m);
  g_autofree char *params = dlab_format_count (dlab_model_count_params (m));
  g_autofree char *text = NULL;

  show_summary (self, m);
  if (self->classes > 0 && outputs != self->classes)
    {
      text = g_strdup_printf (ngettext ("The network has %d output but the dataset has %d classes: "
                                        "end it with “linear %d”",
                                        "The network has %d outputs but the dataset has %d classes: "
                                        "end it with “linear %d”",
                                        outputs),
                              outputs, self->classes, self->classes);
      set_status (self, text, TRUE);
      return;
    }
  text = g_strdup_printf (ngettext ("%s parameters, %d layer", "%s parameters, %d layers", dlab_model_num_layers (m)),
                          params, dlab_model_num_layers (m));
  set_status (self, text, FALSE);
  self->ready = TRUE;
}

/* The diagram follows the last spec that builds: text on its way to
 * another network keeps the one before. */
static void
show_diagram (DlabNetworkEditor *self, const char *spec)
{
  g_autofree char *input = g_strdup_printf ("%dx%dx%d", self->c, self->h, self->w);

  dlab_network_diagram_set_spec (self->diagram, spec, input, NULL);
}

/* Checks the network for the dataset's images, as training will build it,
 * but only its shapes and parameter counts: no tensor is allocated, so a
 * spec of any size is checked at once at every keystroke. The engine's
 * message shows inline when it does not fit. TRUE when the spec describes
 * a network (whether or not its outputs match the dataset's classes). */
static gboolean
validate (DlabNetworkEditor *self)
{
  g_autofree char *spec = spec_text (self);
  DlabModel *m = NULL;
  gboolean builds;

  self->ready = FALSE;
  if (!*spec)
    {
      set_status (self, _("Write a network, e.g. “flatten | linear 128 | relu | linear 10”"), TRUE);
      clear_summary (self);
    }
  else
    {
      dlab_error_clear ();
      m = dlab_model_describe (spec, (DlabShape) { 3, { self->c, self->h, self->w } });
      if (m)
        {
          show_model (self, m);
          show_diagram (self, spec);
        }
      else
        {
          set_status (self, dlab_error_message (), TRUE);
          clear_summary (self);
        }
    }
  builds = m != NULL;
  dlab_model_free (m);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return builds;
}

void
dlab_network_editor_set_input (DlabNetworkEditor *self, int c, int h, int w, int classes)
{
  self->c = c, self->h = h, self->w = w, self->classes = classes;
  validate (self);
}

gboolean
dlab_network_editor_is_ready (DlabNetworkEditor *self)
{
  return self->ready;
}

const char *
dlab_network_editor_get_status (DlabNetworkEditor *self)
{
  return gtk_label_get_label (self->spec_status);
}

/* ---- the zoo choice and the text ----------------------------------------------------------- */

static const DlabZooEntry *
zoo_at (guint position)
{
  const DlabZooEntry *e = dlab_zoo_entries ();

  for (guint i = 0; e[i].name; i++)
    if (i == position)
      return &e[i];
  return NULL;
}

static void
set_spec_text (DlabNetworkEditor *self, const char *text)
{
  self->syncing = TRUE;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->spec_view), text, -1);
  self->syncing = FALSE;
}

static void
on_model_selected (DlabNetworkEditor *self)
{
  const DlabZooEntry *e = zoo_at (adw_combo_row_get_selected (self->model_row));

  if (self->syncing)
    return;
  if (e)
    {
      set_spec_text (self, e->spec);
      settings_set_string (self, "network", e->name);
    }
  else
    {
      g_autofree char *custom = settings_string (self, "custom-spec", "");
      if (*custom)
        set_spec_text (self, custom);
      settings_set_string (self, "network", "custom");
    }
  validate (self);
}

/* Typing turns the choice into "Custom" unless the text is a zoo spec. */
static void
on_spec_changed (DlabNetworkEditor *self)
{
  g_autofree char *spec = NULL;
  const DlabZooEntry *e;
  guint position = 0, custom = 0;

  if (self->syncing)
    return;
  spec = spec_text (self);
  for (e = dlab_zoo_entries (); e->name; e++, custom++)
    ;
  for (e = dlab_zoo_entries (); e->name && strcmp (e->spec, spec) != 0; e++)
    position++;
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->model_row, e->name ? position : custom);
  self->syncing = FALSE;
  /* Only a network that builds is remembered: text on its way to one, or
   * a mistake, is not brought back at the next start. */
  if (!validate (self))
    return;
  settings_set_string (self, "network", e->name ? e->name : "custom");
  if (!e->name)
    settings_set_string (self, "custom-spec", spec);
}

void
dlab_network_editor_set_spec (DlabNetworkEditor *self, const char *spec)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->spec_view), spec, -1);
}

char *
dlab_network_editor_dup_model (DlabNetworkEditor *self)
{
  const DlabZooEntry *e = zoo_at (adw_combo_row_get_selected (self->model_row));
  return e ? g_strdup (e->name) : spec_text (self);
}

void
dlab_network_editor_select_model (DlabNetworkEditor *self, const char *name)
{
  guint position = 0;

  if (!name)
    return;
  for (const DlabZooEntry *e = dlab_zoo_entries (); e->name; e++, position++)
    if (strcmp (e->name, name) == 0)
      {
        adw_combo_row_set_selected (self->model_row, position);
        return;
      }
  dlab_network_editor_set_spec (self, name);
}

char *
dlab_network_editor_dup_pytorch_code (DlabNetworkEditor *self)
{
  g_autofree char *spec = spec_text (self);
  /* Shapes only: nothing is allocated, whatever the spec asks for. */
  DlabModel *m = dlab_model_describe (spec, (DlabShape) { 3, { self->c, self->h, self->w } });
  char *code = m ? dlab_pytorch_code (m) : NULL;

  dlab_model_free (m);
  return code;
}

DlabNetworkDiagram *
dlab_network_editor_get_diagram (DlabNetworkEditor *self)
{
  return self->diagram;
}

/* ---- life ------------------------------------------------------------------------------------ */

static void
fill_models (DlabNetworkEditor *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (const DlabZooEntry *e = dlab_zoo_entries (); e->name; e++)
    {
      g_autofree char *label = g_strdup_printf ("%s — %s", e->name, _(e->description));
      gtk_string_list_append (list, label);
    }
  gtk_string_list_append (list, _("Custom"));
  adw_combo_row_set_model (self->model_row, G_LIST_MODEL (list));
  g_object_unref (list);
}

/* The last choice, or dlab train's default without settings. */
static void
restore (DlabNetworkEditor *self)
{
  g_autofree char *network = settings_string (self, "network", "lenet");
  const DlabZooEntry *e = dlab_zoo_entries ();
  guint position = 0;

  for (; e->name && strcmp (e->name, network) != 0; e++)
    position++;
  self->syncing = TRUE;
  adw_combo_row_set_selected (self->model_row, position);
  self->syncing = FALSE;
  if (e->name)
    set_spec_text (self, e->spec);
  else
    {
      g_autofree char *custom = settings_string (self, "custom-spec", "");
      set_spec_text (self, custom);
    }
}

static void
dlab_network_editor_dispose (GObject *object)
{
  DlabNetworkEditor *self = DLAB_NETWORK_EDITOR (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DLAB_TYPE_NETWORK_EDITOR);
  G_OBJECT_CLASS (dlab_network_editor_parent_class)->dispose (object);
}

static void
dlab_network_editor_class_init (DlabNetworkEditorClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dlab_network_editor_dispose;
  g_type_ensure (DLAB_TYPE_NETWORK_DIAGRAM);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/dlab-network-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, model_row);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, spec_view);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, spec_status);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, summary_expander);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, summary_grid);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, diagram_expander);
  gtk_widget_class_bind_template_child (widget_class, DlabNetworkEditor, diagram);
}

static void
dlab_network_editor_init (DlabNetworkEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = dlab_settings_new ();
  self->c = 1, self->h = 28, self->w = 28, self->classes = -1;
  fill_models (self);
  restore (self);
  g_signal_connect_swapped (self->model_row, "notify::selected", G_CALLBACK (on_model_selected), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->spec_view), "changed", G_CALLBACK (on_spec_changed),
                            self);
}
