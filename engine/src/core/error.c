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

/* A message cut at the end of the buffer may end inside a character of
 * several bytes (a Chinese word, a file name): that part of a character
 * goes, so that the message stays valid UTF-8 for the application. */
static void drop_cut_character(char *s, size_t len) {
  size_t start = len;
  while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80) start--;
  if (start == 0) return;
  unsigned char lead = (unsigned char)s[start - 1];
  size_t size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (len - (start - 1) < size) s[start - 1] = '\0';
}

int dlab_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = dlab_vsnprintf_c(message, sizeof message, fmt, ap);
  va_end(ap);
  if (len >= (int)sizeof message) drop_cut_character(message, sizeof message - 1);
  one_line(message);
  return -1;
}

int dlab_error_prefix(const char *fmt, ...) {
  char prefix[DLAB_ERROR_MAX], joined[2 * DLAB_ERROR_MAX + 2];
  va_list ap;
  va_start(ap, fmt);
  int len = dlab_vsnprintf_c(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  if (len >= (int)sizeof prefix) drop_cut_character(prefix, sizeof prefix - 1);
  snprintf(joined, sizeof joined, "%s: %s", prefix, message);
  size_t n = strlen(joined) < sizeof message - 1 ? strlen(joined) : sizeof message - 1;
  memcpy(message, joined, n);
  message[n] = '\0';
  if (n < strlen(joined)) drop_cut_character(message, n);
  one_line(message);
  return -1;
}

const char *dlab_error_message(void) { return message; }

void dlab_error_clear(void) { message[0] = '\0'; }
