/* Drawings of the non-digit proxy set made up at random, as turtle paths
 * (turtle.h): a spiral and the scribbles (proxy-templates.c lists them).
 * Each writes a path into buf and returns 0, or -1 when it does not fit. */
#ifndef DLAB_TOOLS_PROXY_SCRIBBLES_H
#define DLAB_TOOLS_PROXY_SCRIBBLES_H

#include <stddef.h>

#include "dlab/rng.h"

/* A spiral of two to three and a half turns, from the centre outwards. */
int proxy_spiral(DlabRng *rng, char *buf, size_t cap);
/* A zigzag of 5 to 14 sharp turns, in one stroke. */
int proxy_zigzag(DlabRng *rng, char *buf, size_t cap);
/* A coil of 3 to 7 loops along a line, like a telephone cord. */
int proxy_coil(DlabRng *rng, char *buf, size_t cap);
/* 4 to 9 parallel lines, sometimes crossed by a second set. */
int proxy_hatch(DlabRng *rng, char *buf, size_t cap);
/* An irregular blob filled back and forth, in one stroke. */
int proxy_blot(DlabRng *rng, char *buf, size_t cap);
/* A smooth random curve of 4 to 8 bends, sometimes two. */
int proxy_tangle(DlabRng *rng, char *buf, size_t cap);

#endif
