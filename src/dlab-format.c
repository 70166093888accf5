#include "dlab-format.h"

#include <string.h>

char *
dlab_format_count (long n)
{
  g_autofree char *digits = g_strdup_printf ("%ld", n < 0 ? -n : n);
  GString *out = g_string_new (n < 0 ? "-" : "");
  size_t len = strlen (digits);

  for (size_t i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

char *
dlab_format_float_arg (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g", (float) v));
}
