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

G_END_DECLS
