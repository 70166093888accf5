/* DlabOptionRows: see dlab-option-rows.h. */
#include "dlab-option-rows.h"

#include <glib/gi18n.h>
#include <limits.h>

#include "dlab-format.h"
#include "dlab/run.h"

typedef struct {
  const DlabRunOption *opt;
  GtkWidget *control; /* GtkSpinButton, GtkSwitch or AdwEntryRow */
} OptionRow;

struct _DlabOptionRows {
  GArray *rows; /* OptionRow */
  GSettings *settings;
  gboolean loading; /* values being set from settings or a recipe */
};

/* Numbers are shown to 4 decimals: an open bound is one step inside. */
#define FLOAT_DIGITS 4
#define FLOAT_STEP 1e-4

static const void *
default_field (const DlabRunOption *opt)
{
  static DlabRunOptions defaults;
  static gboolean set;

  if (!set)
    defaults = dlab_run_options_defaults ();
  set = TRUE;
  return (const char *) &defaults + opt->offset;
}

/* The control's value as `dlab train` reads it; NULL when it is the
 * default (a flag: "" when on). */
static char *
value_text (const OptionRow *r)
{
  const DlabRunOption *opt = r->opt;

  switch (opt->kind)
    {
    case DLAB_RUN_OPT_FLAG:
      return gtk_switch_get_active (GTK_SWITCH (r->control)) != *(const int *) default_field (opt) ? g_strdup ("")
                                                                                                    : NULL;
    case DLAB_RUN_OPT_INT:
      {
        int v = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (r->control));
        return v != *(const int *) default_field (opt) ? g_strdup_printf ("%d", v) : NULL;
      }
    case DLAB_RUN_OPT_FLOAT:
      {
        double v = gtk_spin_button_get_value (GTK_SPIN_BUTTON (r->control));
        return (float) v != *(const float *) default_field (opt) ? dlab_format_float_arg (v) : NULL;
      }
    default:
      {
        const char *text = gtk_editable_get_text (GTK_EDITABLE (r->control));
        const char *d = *(const char *const *) default_field (opt);
        return *text && g_strcmp0 (text, d) != 0 ? g_strdup (text) : NULL;
      }
    }
}

/* Sets the control from text (NULL: the default). */
static void
set_value (OptionRow *r, const char *text)
{
  const DlabRunOption *opt = r->opt;

  switch (opt->kind)
    {
    case DLAB_RUN_OPT_FLAG:
      gtk_switch_set_active (GTK_SWITCH (r->control), text ? TRUE : *(const int *) default_field (opt));
      break;
    case DLAB_RUN_OPT_INT:
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (r->control),
                                 text ? g_ascii_strtod (text, NULL) : *(const int *) default_field (opt));
      break;
    case DLAB_RUN_OPT_FLOAT:
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (r->control),
                                 text ? g_ascii_strtod (text, NULL) : *(const float *) default_field (opt));
      break;
    default:
      {
        const char *d = *(const char *const *) default_field (opt);
        gtk_editable_set_text (GTK_EDITABLE (r->control), text ? text : d ? d : "");
      }
    }
}

/* Every value that differs from the default, into the "run-options" setting. */
static void
save (DlabOptionRows *rows)
{
  GVariantBuilder b;

  if (!rows->settings || rows->loading)
    return;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < rows->rows->len; i++)
    {
      const OptionRow *r = &g_array_index (rows->rows, OptionRow, i);
      g_autofree char *text = value_text (r);
      if (text)
        g_variant_builder_add (&b, "{ss}", r->opt->name, text);
    }
  g_settings_set_value (rows->settings, "run-options", g_variant_builder_end (&b));
}

static void
restore (DlabOptionRows *rows)
{
  g_autoptr (GVariant) saved = rows->settings ? g_settings_get_value (rows->settings, "run-options") : NULL;

  rows->loading = TRUE;
  for (guint i = 0; i < rows->rows->len; i++)
    {
      OptionRow *r = &g_array_index (rows->rows, OptionRow, i);
      const char *text = NULL;
      if (!saved || !g_variant_lookup (saved, r->opt->name, "&s", &text))
        text = NULL;
      set_value (r, text);
    }
  rows->loading = FALSE;
}

static GtkWidget *
number_control (const DlabRunOption *opt)
{
  gboolean whole = opt->kind == DLAB_RUN_OPT_INT;
  double step = whole ? 1 : FLOAT_STEP;
  double lo = opt->lo + (opt->lo_open ? step : 0), hi = MIN (opt->hi - (opt->hi_open ? step : 0), INT_MAX);
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, whole ? 1 : 0.01);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), whole ? 0 : FLOAT_DIGITS);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 7);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  return spin;
}

static void
add_row (DlabOptionRows *rows, AdwExpanderRow *into, const DlabRunOption *opt)
{
  OptionRow r = { opt, NULL };
  GtkWidget *row;

  if (opt->kind == DLAB_RUN_OPT_STRING)
    {
      row = r.control = adw_entry_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(opt->title));
      gtk_widget_set_tooltip_text (row, _(opt->help));
      g_signal_connect_swapped (row, "changed", G_CALLBACK (save), rows);
    }
  else
    {
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(opt->title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(opt->help));
      if (opt->kind == DLAB_RUN_OPT_FLAG)
        {
          r.control = gtk_switch_new ();
          gtk_widget_set_valign (r.control, GTK_ALIGN_CENTER);
          g_signal_connect_swapped (r.control, "notify::active", G_CALLBACK (save), rows);
        }
      else
        {
          r.control = number_control (opt);
          gtk_accessible_update_property (GTK_ACCESSIBLE (r.control), GTK_ACCESSIBLE_PROPERTY_LABEL, _(opt->title),
                                          -1);
          g_signal_connect_swapped (r.control, "value-changed", G_CALLBACK (save), rows);
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), r.control);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), r.control);
    }
  gtk_widget_set_name (row, opt->name);
  adw_expander_row_add_row (into, row);
  g_array_append_val (rows->rows, r);
}

DlabOptionRows *
dlab_option_rows_new (AdwExpanderRow *into, const char *const *skip, GSettings *settings)
{
  DlabOptionRows *rows = g_new0 (DlabOptionRows, 1);

  rows->rows = g_array_new (FALSE, FALSE, sizeof (OptionRow));
  rows->settings = settings ? g_object_ref (settings) : NULL;
  for (const DlabRunOption *opt = dlab_run_option_table (); opt->name; opt++)
    if (opt->title && !g_strv_contains (skip, opt->name))
      add_row (rows, into, opt);
  restore (rows);
  return rows;
}

void
dlab_option_rows_free (DlabOptionRows *rows)
{
  if (!rows)
    return;
  g_array_unref (rows->rows);
  g_clear_object (&rows->settings);
  g_free (rows);
}

void
dlab_option_rows_add_args (DlabOptionRows *rows, GStrvBuilder *args)
{
  for (guint i = 0; i < rows->rows->len; i++)
    {
      const OptionRow *r = &g_array_index (rows->rows, OptionRow, i);
      g_autofree char *text = value_text (r);
      g_autofree char *name = text ? g_strconcat ("--", r->opt->name, NULL) : NULL;

      if (text)
        g_strv_builder_add (args, name);
      if (text && r->opt->kind != DLAB_RUN_OPT_FLAG)
        g_strv_builder_add (args, text);
    }
}

gboolean
dlab_option_rows_apply_recipe (DlabOptionRows *rows, const DlabRecipe *recipe)
{
  gboolean any = FALSE;

  for (guint i = 0; i < rows->rows->len; i++)
    {
      OptionRow *r = &g_array_index (rows->rows, OptionRow, i);
      g_autofree char *text = NULL;

      set_value (r, dlab_recipe_value (recipe, r->opt->name));
      text = value_text (r);
      any |= text != NULL;
    }
  return any;
}

GtkWidget *
dlab_option_rows_get_control (DlabOptionRows *rows, const char *name)
{
  for (guint i = 0; i < rows->rows->len; i++)
    if (strcmp (g_array_index (rows->rows, OptionRow, i).opt->name, name) == 0)
      return g_array_index (rows->rows, OptionRow, i).control;
  return NULL;
}
