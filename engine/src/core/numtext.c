/* Numbers as text (see numtext.h). */
#include "dlab/numtext.h"

#include <stdio.h>
#include <stdlib.h>

/* A locale may print 0,5: files and specs always say 0.5. */
static void point_decimal(char *s) {
  for (; *s; s++)
    if (*s == ',') *s = '.';
}

const char *dlab_format_float(float v, char buf[DLAB_NUMTEXT_SIZE]) {
  for (int digits = 1; digits <= 9; digits++) {
    snprintf(buf, DLAB_NUMTEXT_SIZE, "%.*g", digits, (double)v);
    point_decimal(buf);
    if ((float)strtod(buf, NULL) == v) break;
  }
  return buf;
}
