/* Helpers shared by the C test programs: TAP output and numeric checks. */
#ifndef DLAB_TEST_UTIL_H
#define DLAB_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline void tap_ok(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static inline void tap_ok(int ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s %d - ", ok ? "ok" : "not ok", ++tap_count);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  if (!ok) tap_failed++;
  fflush(stdout);
}

/* Prints the TAP plan and returns the exit status. */
static inline int tap_done(void) {
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

/* Fills p with n floats in [-0.5, 0.5) from a small linear congruential
 * generator: the same numbers for the same seed on every machine, so a
 * kernel test's inputs never depend on the engine's RNG. */
static inline void test_random_floats(float *p, size_t n, unsigned *seed) {
  for (size_t i = 0; i < n; i++) {
    *seed = *seed * 1664525u + 1013904223u;
    p[i] = (float)(*seed >> 8) / (float)(1u << 24) - 0.5f;
  }
}

static inline void tap_skip_all(const char *why) {
  printf("1..0 # SKIP %s\n", why);
}

#endif
