/* The engine's messages in the user's language (po/, po/README.md): private
 * to engine/src, no GLib. A message is translated where it is formatted:
 * the format string goes through _(), so
 *   return dlab_error(_("%s: not an IDX file"), path);
 * N_() marks a string in a table that is translated where it is shown, and
 * ngettext() a message with a count.
 * gettext from the C library, in the application's text domain, which the
 * application and the dlab CLI bind; where the build has no NLS (no
 * <libintl.h>), _() is the English string itself.
 *
 * The lookup happens in the caller's locale, before dlab_error formats the
 * numbers with the C locale (cnum.h): the words follow the language, the
 * numbers are written with '.' in every locale. Not for what a program reads
 * back (file format keys, JSON keys, spec keywords). */
#ifndef DLAB_CORE_I18N_H
#define DLAB_CORE_I18N_H

#ifdef DLAB_ENABLE_NLS
#include <libintl.h>
#define _(text) dgettext(DLAB_TEXT_DOMAIN, text)
/* A message with a count: ngettext("%d value", "%d values", n), in the
 * engine's domain (not the program's default one). */
#undef ngettext
#define ngettext(singular, plural, n) dngettext(DLAB_TEXT_DOMAIN, singular, plural, n)
#else
#define _(text) text
#define ngettext(singular, plural, n) ((n) == 1 ? (singular) : (plural))
#endif
#define N_(text) text

#endif
