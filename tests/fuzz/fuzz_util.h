/* Shared by the libFuzzer targets: every parser must either accept the
 * input or fail with exactly one clear message (one line, naming the
 * input); anything else stops the fuzzer as a crash. */
#ifndef DLAB_FUZZ_UTIL_H
#define DLAB_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

#define FUZZ_NAME "fuzz-input"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_check_failure(int rc) {
  if (rc >= 0) return;
  const char *msg = dlab_error_message();
  if (!msg[0] || strchr(msg, '\n')) {
    fprintf(stderr, "parser failed without one clear message: \"%s\"\n", msg);
    abort();
  }
  dlab_error_clear();
}

/* A NUL-terminated copy, for parsers of text. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
