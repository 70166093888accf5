/* "Did you mean ...?": the known name closest to a mistyped one. */
#ifndef DLAB_CLOSEST_H
#define DLAB_CLOSEST_H

#include <stddef.h>

/* Levenshtein distance of a and b (99 when either is over 31 bytes). */
int dlab_edit_distance(const char *a, const char *b);

/* The name among names[0..n) closest to `word`, if it is nearer than
 * `max_distance` edits; else NULL. `stride` is the distance in bytes from
 * one name pointer to the next (sizeof the table's row), so a table of
 * structs whose first field is the name can be searched in place. */
const char *dlab_closest_name(const char *word, const void *names, int n, size_t stride, int max_distance);

#endif
