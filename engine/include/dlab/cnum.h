/* Numbers in text that a program reads back, with a '.' whatever the locale.
 *
 * The application and dlab call setlocale(LC_ALL, "") so that what a person
 * reads follows their language; from then on strtod, strtof and printf's
 * %g and %f follow LC_NUMERIC, and in de_DE they write "0,5" and stop
 * reading "0.5" at the '.'. Every file format and text the engine parses or
 * writes — specs, schedules, transforms, checkpoint metadata, metrics.csv,
 * strokes files, recipes, the CLI's options and the engine's messages,
 * which quote them — goes through these instead, so that it reads and
 * writes the same bytes in every locale.
 *
 * They switch the calling thread only to the C locale (uselocale), never
 * the process (setlocale): safe on the GUI's worker threads. */
#ifndef DLAB_CNUM_H
#define DLAB_CNUM_H

#include <locale.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "dlab/error.h" /* DLAB_PRINTF */

/* strtod and strtof in the C locale (errno as they leave it). */
double dlab_strtod_c(const char *s, char **end);
float dlab_strtof_c(const char *s, char **end);

/* snprintf, vsnprintf and fprintf in the C locale. */
int dlab_snprintf_c(char *buf, size_t n, const char *fmt, ...) DLAB_PRINTF(3, 4);
int dlab_vsnprintf_c(char *buf, size_t n, const char *fmt, va_list ap) DLAB_PRINTF(3, 0);
int dlab_fprintf_c(FILE *f, const char *fmt, ...) DLAB_PRINTF(2, 3);

/* For a run of calls (a whole file's parsing or writing): switches the
 * calling thread to the C locale and returns what to give back to
 * dlab_c_locale_leave. Pairs nest. Were the C locale object impossible to
 * make, both do nothing (then a decimal-comma locale misreads, but nothing
 * crashes). */
locale_t dlab_c_locale_enter(void);
void dlab_c_locale_leave(locale_t saved);

#endif
