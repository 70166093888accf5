/* Locale-independent numbers (cnum.h): the thread switches to one shared
 * C locale object around each call, with uselocale(). */
#include "dlab/cnum.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

/* Made once and kept for the life of the process (glibc hands out a
 * static object for "C" anyway). */
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

locale_t dlab_c_locale_enter(void) {
  pthread_once(&c_locale_once, make_c_locale);
  if (!c_locale) return (locale_t)0;
  int saved_errno = errno;
  locale_t old = uselocale(c_locale);
  errno = saved_errno;
  return old;
}

void dlab_c_locale_leave(locale_t saved) {
  if (!saved) return;
  int saved_errno = errno;
  uselocale(saved);
  errno = saved_errno;
}

double dlab_strtod_c(const char *s, char **end) {
  locale_t saved = dlab_c_locale_enter();
  double v = strtod(s, end);
  dlab_c_locale_leave(saved);
  return v;
}

float dlab_strtof_c(const char *s, char **end) {
  locale_t saved = dlab_c_locale_enter();
  float v = strtof(s, end);
  dlab_c_locale_leave(saved);
  return v;
}

int dlab_vsnprintf_c(char *buf, size_t n, const char *fmt, va_list ap) {
  locale_t saved = dlab_c_locale_enter();
  int len = vsnprintf(buf, n, fmt, ap);
  dlab_c_locale_leave(saved);
  return len;
}

int dlab_snprintf_c(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = dlab_vsnprintf_c(buf, n, fmt, ap);
  va_end(ap);
  return len;
}

int dlab_fprintf_c(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  locale_t saved = dlab_c_locale_enter();
  int len = vfprintf(f, fmt, ap);
  dlab_c_locale_leave(saved);
  va_end(ap);
  return len;
}
