/* The application's settings: the GSettings schema io.github.digitlab.DigitLab
 * (resources/io.github.digitlab.DigitLab.gschema.xml), which the window and the
 * pages read and write. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A new handle on the application's settings, or NULL when the schema is
 * not installed (an uninstalled build run without GSETTINGS_SCHEMA_DIR, see
 * `meson devenv`): the window then simply starts with its defaults. */
GSettings *dlab_settings_new (void);

G_END_DECLS
