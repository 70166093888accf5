#include "dlab/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dlab/cnum.h"

#define DLAB_ERROR_MAX 1024

static _Thread_local char message[DLAB_ERROR_MAX];

/* A message is one line: names and keys quoted from a malformed file may
 * hold newlines or other control characters, shown as '?'. */
static void one_line(char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

int dlab_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dlab_vsnprintf_c(message, sizeof message, fmt, ap);
  va_end(ap);
  one_line(message);
  return -1;
}

int dlab_error_prefix(const char *fmt, ...) {
  char prefix[DLAB_ERROR_MAX], joined[2 * DLAB_ERROR_MAX + 2];
  va_list ap;
  va_start(ap, fmt);
  dlab_vsnprintf_c(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  snprintf(joined, sizeof joined, "%s: %s", prefix, message);
  size_t n = strlen(joined) < sizeof message - 1 ? strlen(joined) : sizeof message - 1;
  memcpy(message, joined, n);
  message[n] = '\0';
  one_line(message);
  return -1;
}

const char *dlab_error_message(void) { return message; }

void dlab_error_clear(void) { message[0] = '\0'; }
