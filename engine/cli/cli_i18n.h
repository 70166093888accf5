/* The dlab command line's own messages in the user's language, as GNU
 * tools do: gettext from the C library, in the application's text domain
 * (po/, po/README.md), bound by main.c. Mark a string with _() where it is
 * printed, or N_() in a table and _() where the table is printed. The
 * engine translates its own messages (dlab_error) in the same domain
 * (engine/src/core/i18n.h); the lines scripts read stay English (eval's
 * accuracy and loss, predict's results). Numbers that a
 * program reads back or a person pastes into an option are printed with
 * dlab_fprintf_c (dlab/cnum.h), '.' in every locale. */
#ifndef DLAB_CLI_I18N_H
#define DLAB_CLI_I18N_H

#include <libintl.h>

#define _(text) gettext(text)
#define N_(text) text

#endif
