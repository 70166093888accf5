/* The file names of the proxy sets (proxy-sets writes them, ink-assess
 * reads them back; tools/ink/README.md "Proxy sets"):
 *
 *   digits/<label>-<family>[-<variant>...]-<nn>.strokes     4-opentop-loop-07.strokes
 *   nondigits/x-<kind>[-<what>...]-<nn>.strokes             x-shape-star-03.strokes
 *
 * The label is the digit written; the family groups the ways of writing it
 * that a reader would name alike (every hooked 7 is in 7-hook); a
 * non-digit's kind is letter, shape or scribble. */
#ifndef DLAB_TOOLS_PROXY_NAMES_H
#define DLAB_TOOLS_PROXY_NAMES_H

#include <stddef.h>

#define PROXY_NAME_MAX 64 /* a family or kind with its label, terminator included */

/* The styles tablet writers reported as misread (issue 16). */
typedef struct {
  const char *family; /* "9-gtail" */
  const char *what;   /* how the writers described it */
} ProxyReported;

#define PROXY_N_REPORTED 4
extern const ProxyReported proxy_reported[PROXY_N_REPORTED];

/* 1 when `family` ("9-gtail") is one of the reported styles. */
int proxy_is_reported(const char *family);

/* Splits a file name (no folder) of the form above. label: 0..9 for a
 * digit, -1 for a non-digit ("x-"); group receives "<label>-<family>" or
 * the non-digit's kind ("shape"). 0, or -1 when the name does not follow
 * the convention (not an error message: the caller names the file). */
int proxy_name_parse(const char *name, int *label, char *group, size_t cap);

#endif
