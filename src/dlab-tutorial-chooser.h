/* DlabTutorialChooser: the Train page's first control. The five tutorials
 * our learners come from (the engine's recipes, dlab/recipes.h) with their
 * titles: picking one asks the page to fill every setting with it, and says
 * in one sentence what is unusual in it. After a run it shows what the
 * tutorial reported beside what this run got, each accuracy with its
 * standard error over the images it was measured on. */
#pragma once

#include <adwaita.h>

#include "dlab/recipes.h"

G_BEGIN_DECLS

#define DLAB_TYPE_TUTORIAL_CHOOSER (dlab_tutorial_chooser_get_type ())
G_DECLARE_FINAL_TYPE (DlabTutorialChooser, dlab_tutorial_chooser, DLAB, TUTORIAL_CHOOSER, AdwPreferencesGroup)

GtkWidget *dlab_tutorial_chooser_new (void);

/* The chosen recipe, or NULL for "your own settings". */
const DlabRecipe *dlab_tutorial_chooser_get_recipe (DlabTutorialChooser *self);
/* Selects the recipe called `name` (NULL: none) without emitting
 * "recipe-chosen". */
void dlab_tutorial_chooser_select (DlabTutorialChooser *self, const char *name);

/* The last run's test accuracy on n_test images and, when it had one, its
 * validation accuracy on n_val images (n_val 0: none). n_test 0 clears. */
void dlab_tutorial_chooser_set_result (DlabTutorialChooser *self, double test_accuracy, int n_test,
                                       double val_accuracy, int n_val);

/* The result line, as shown (for tests). */
const char *dlab_tutorial_chooser_get_result_text (DlabTutorialChooser *self);

/* Whether to show the titles as the tutorials published them (Chinese), as
 * the interface language says. */
gboolean dlab_tutorial_chooser_prefers_original_titles (void);

G_END_DECLS
