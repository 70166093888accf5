/* DlabApplication: the AdwApplication io.github.digitlab.DigitLab. It owns
 * the application actions (about, quit) and the keyboard
 * accelerators, and opens a window on activation or for files given on the
 * command line (models and strokes). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DLAB_TYPE_APPLICATION (dlab_application_get_type ())
G_DECLARE_FINAL_TYPE (DlabApplication, dlab_application, DLAB, APPLICATION, AdwApplication)

DlabApplication *dlab_application_new (void);

/* Binds the text domain GETTEXT_PACKAGE and makes it the default one
 * (ngettext () uses that): to $DLAB_LOCALEDIR when set, else to the
 * installed locale directory. `meson devenv` sets DLAB_LOCALEDIR to the
 * build's po/ output, so that an uninstalled build speaks the locale's
 * language; the tests bind it the same way. Call after setlocale (). */
void dlab_application_bind_text_domain (void);

/* Chooses GTK's Cairo renderer (GSK_RENDERER=cairo) where the machine has
 * no GPU render node (/dev/dri/renderD*): there the GL renderer draws every
 * frame on the CPU (Mesa's llvmpipe), on the cores the training needs, and
 * a run from the Train page took 40% longer than the same dlab train.
 * A GSK_RENDERER already set is kept. It sets an environment variable, so
 * call it first in main (), before any thread starts. Returns TRUE if it
 * chose Cairo. */
gboolean dlab_application_choose_renderer (void);

G_END_DECLS
