/* DlabNetworkDiagram: a network drawn as the tutorials draw it by hand, one
 * box per layer (its name, kind, output shape and parameter count) from the
 * input to the logits, left to right in rows. Built from a spec and an
 * input shape with the engine's dlab_model_describe (no weights), so it
 * works for any zoo network or typed spec. Exported as PNG or SVG like the
 * plots (black on white), whole or not at all (dlab-export.h). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DLAB_TYPE_NETWORK_DIAGRAM (dlab_network_diagram_get_type ())
G_DECLARE_FINAL_TYPE (DlabNetworkDiagram, dlab_network_diagram, DLAB, NETWORK_DIAGRAM, GtkWidget)

GtkWidget *dlab_network_diagram_new (void);

/* A zoo name or spec for inputs of `input` ("1x28x28"); FALSE with the
 * engine's message when it does not build (the diagram is then empty). */
gboolean dlab_network_diagram_set_spec (DlabNetworkDiagram *self, const char *spec, const char *input,
                                        GError **error);
/* Boxes drawn, the input's included (0 when empty). */
int dlab_network_diagram_get_n_boxes (DlabNetworkDiagram *self);
/* The text of box i ("conv1\nconv\n32×26×26\n320 parameters"), for tests. */
char *dlab_network_diagram_get_box_text (DlabNetworkDiagram *self, int i);

/* The diagram at its natural size, black on white. */
gboolean dlab_network_diagram_export_png (DlabNetworkDiagram *self, const char *path, GError **error);
gboolean dlab_network_diagram_export_svg (DlabNetworkDiagram *self, const char *path, GError **error);

G_END_DECLS
