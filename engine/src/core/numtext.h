/* Numbers written into files, specs and command lines: whole numbers as
 * such ("300000"), others as the shortest text that reads back as the same
 * float ("0.1", not "0.100000001"), always with a '.' (never the locale's
 * decimal comma). */
#ifndef DLAB_NUMTEXT_H
#define DLAB_NUMTEXT_H

#include <stddef.h>

#define DLAB_NUMTEXT_SIZE 32

/* "0.1", not "0.100000001"; returns buf. */
const char *dlab_format_float(float v, char buf[DLAB_NUMTEXT_SIZE]);

#endif
