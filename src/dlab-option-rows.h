/* DlabOptionRows: the Train page's rows for the run options it has no
 * widget of its own for, made from the engine's options table (dlab/run.h):
 * a spin button over the table's range for a number, a switch for a flag,
 * an entry for text, titled and explained as the table says. A row added
 * to that table thus reaches the page with no code here. The values that
 * differ from `dlab train`'s defaults are kept in the "run-options"
 * setting. A plain helper: the rows belong to the expander row given. */
#pragma once

#include <adwaita.h>

#include "dlab/recipes.h"

G_BEGIN_DECLS

typedef struct _DlabOptionRows DlabOptionRows;

/* Rows in `into` for every titled option not named in `skip` (NULL-ended),
 * with their values from `settings` (may be NULL). */
DlabOptionRows *dlab_option_rows_new (AdwExpanderRow *into, const char *const *skip, GSettings *settings);
void dlab_option_rows_free (DlabOptionRows *rows);

/* The options whose values differ from the defaults, as `dlab train`
 * arguments. */
void dlab_option_rows_add_args (DlabOptionRows *rows, GStrvBuilder *args);
/* Every row to the recipe's value, or to the default where it has none.
 * TRUE when one of them differs from the default. */
gboolean dlab_option_rows_apply_recipe (DlabOptionRows *rows, const DlabRecipe *recipe);
/* The control (GtkSpinButton, GtkSwitch or AdwEntryRow) of option `name`,
 * NULL when it has no generated row. */
GtkWidget *dlab_option_rows_get_control (DlabOptionRows *rows, const char *name);

G_END_DECLS
