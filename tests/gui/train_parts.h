/* The Train page's widgets by their template names, wherever they are now:
 * the page's own template or one of its parts' (the dataset chooser, the
 * network editor, the hyper-parameters form, the run view). */
#ifndef DLAB_TEST_TRAIN_PARTS_H
#define DLAB_TEST_TRAIN_PARTS_H

#include "dlab-dataset-chooser.h"
#include "dlab-hyper-params.h"
#include "dlab-network-editor.h"
#include "dlab-run-view.h"
#include "dlab-train-page.h"

static inline gpointer
gui_train_child (gpointer page, const char *name)
{
  static const struct {
    const char *id;
    GType (*type) (void);
  } parts[] = {
    { "dataset_chooser", dlab_dataset_chooser_get_type },
    { "network_editor", dlab_network_editor_get_type },
    { "hyper_params", dlab_hyper_params_get_type },
    { "run_view", dlab_run_view_get_type },
  };
  GObject *found = gtk_widget_get_template_child (GTK_WIDGET (page), DLAB_TYPE_TRAIN_PAGE, name);

  for (gsize i = 0; !found && i < G_N_ELEMENTS (parts); i++)
    {
      GObject *part = gtk_widget_get_template_child (GTK_WIDGET (page), DLAB_TYPE_TRAIN_PAGE, parts[i].id);
      found = part ? gtk_widget_get_template_child (GTK_WIDGET (part), parts[i].type (), name) : NULL;
    }
  if (!found)
    g_printerr ("# the Train page has no widget called %s\n", name);
  return found;
}

#endif
