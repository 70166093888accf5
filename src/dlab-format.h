/* Numbers as the application shows them, and as it writes them for
 * `dlab train`. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 65674 -> "65,674": counts as the tutorials print them. Free with g_free. */
char *dlab_format_count (long n);

/* A spin button's value as `dlab train` reads it back: as the float the
 * engine will hold, with a '.' in any locale. Free with g_free. */
char *dlab_format_float_arg (double v);

G_END_DECLS
