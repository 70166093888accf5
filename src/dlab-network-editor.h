/* DlabNetworkEditor: the Train page's network. A zoo network or a spec
 * typed in (the choice becomes "Custom" unless the text is a zoo spec),
 * checked at every keystroke against the dataset's images, shapes and
 * parameter counts only, with a torchsummary-like table, a diagram of its
 * layers and the PyTorch code that loads its checkpoints. The choice is kept in GSettings
 * ("network", "custom-spec": only a spec that builds). */
#pragma once

#include <adwaita.h>

#include "dlab-network-diagram.h"

G_BEGIN_DECLS

#define DLAB_TYPE_NETWORK_EDITOR (dlab_network_editor_get_type ())
G_DECLARE_FINAL_TYPE (DlabNetworkEditor, dlab_network_editor, DLAB, NETWORK_EDITOR, AdwBin)

/* The images the network reads and the classes it must tell apart
 * (classes -1: not known yet); the spec is checked again. */
void dlab_network_editor_set_input (DlabNetworkEditor *self, int c, int h, int w, int classes);
/* The network builds and its outputs match the classes. */
gboolean dlab_network_editor_is_ready (DlabNetworkEditor *self);
/* --model's value: the zoo name when one is chosen (so the run's folder
 * and `dlab train` say "lenet"), else the spec. */
char *dlab_network_editor_dup_model (DlabNetworkEditor *self);
/* --model's value from a recipe: selects the zoo network `name`, or, when
 * it is no zoo name, shows it as a custom spec (the speedrun recipe's);
 * nothing when NULL. */
void dlab_network_editor_select_model (DlabNetworkEditor *self, const char *name);
/* The spec text; errors show inline. */
void dlab_network_editor_set_spec (DlabNetworkEditor *self, const char *spec);
const char *dlab_network_editor_get_status (DlabNetworkEditor *self);
/* The PyTorch class that loads this network's checkpoints, or NULL with
 * the engine's message (dlab_error_message) when the spec does not build. */
char *dlab_network_editor_dup_pytorch_code (DlabNetworkEditor *self);
/* The diagram of the last spec that built (a spec that does not build
 * leaves it as it was), in the "Diagram" expander; the page's
 * train.export-diagram-png/-svg actions export it. */
DlabNetworkDiagram *dlab_network_editor_get_diagram (DlabNetworkEditor *self);

/* Signal "changed": the spec was checked again (ready or not). */

G_END_DECLS
