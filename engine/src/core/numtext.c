/* Numbers as text (see numtext.h). */
#include "core/numtext.h"

#include <math.h>

#include "dlab/cnum.h"

/* Written and read back in the C locale (cnum.h): in de_DE, snprintf would
 * print 0,1 and strtod stop reading "0.1" at the '.'. */
const char *dlab_format_float(float v, char buf[DLAB_NUMTEXT_SIZE]) {
  /* Whole numbers as such: "300000", not "3e+05" (a spec's counts). */
  if (v == floorf(v) && fabsf(v) < 1e9f) {
    dlab_snprintf_c(buf, DLAB_NUMTEXT_SIZE, "%.0f", (double)v);
    return buf;
  }
  for (int digits = 1; digits <= 9; digits++) {
    dlab_snprintf_c(buf, DLAB_NUMTEXT_SIZE, "%.*g", digits, (double)v);
    if ((float)dlab_strtod_c(buf, NULL) == v) break;
  }
  return buf;
}
