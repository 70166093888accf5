/* Numbers as the application shows them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 65674 -> "65,674": counts as the tutorials print them. Free with g_free. */
char *dlab_format_count (long n);

G_END_DECLS
