/* Drawings of the non-digit proxy sets made up at random, as turtle paths
 * (turtle.h): a spiral and the scribbles of the first set
 * (proxy-templates.c), and the scribbles of the unseen set
 * (proxy-unseen.c). Each writes a path into buf and returns 0, or -1 when
 * it does not fit. */
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


/* The unseen set's: kinds the default model's training does not draw. */
/* A signature: a looped capital, running letters, an underline swash. */
int proxy_signature(DlabRng *rng, char *buf, size_t cap);
/* A box drawn round and shaded with diagonal strokes back and forth. */
int proxy_shading(DlabRng *rng, char *buf, size_t cap);
/* 10 to 30 dots in a patch, one stroke each. */
int proxy_dots(DlabRng *rng, char *buf, size_t cap);
/* A few running letters crossed out by one or two lines. */
int proxy_strikeout(DlabRng *rng, char *buf, size_t cap);
/* A right-angled path on a grid that never comes back to a cell, 8 turns
 * or more. */
int proxy_maze(DlabRng *rng, char *buf, size_t cap);
/* A ball of yarn: loops round a wandering centre, in one stroke. */
int proxy_yarn(DlabRng *rng, char *buf, size_t cap);
/* A long curved line with short stitches across. */
int proxy_stitches(DlabRng *rng, char *buf, size_t cap);

#endif
