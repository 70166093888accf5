/* Drawings of the non-digit proxy sets made up at random, as turtle paths
 * (turtle.h): a spiral and the scribbles of the first set
 * (proxy-templates.c), and the scribbles of the unseen set
 * (proxy-unseen.c) and of the final set (proxy-final.c). Each writes a
 * path into buf and returns 0, or -1 when it does not fit. */
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

/* The final set's: kinds no other set and no training template draws. */
/* 12 to 30 short dashes pointing every way, in a patch. */
int proxy_dashes(DlabRng *rng, char *buf, size_t cap);
/* A spiky ball: in and out round a centre, 10 to 20 uneven spikes. */
int proxy_burst(DlabRng *rng, char *buf, size_t cap);
/* A tuft of grass: 6 to 14 curved blades, on a ground line or not. */
int proxy_grass(DlabRng *rng, char *buf, size_t cap);
/* A crack: a jagged line of short steps with two to four branches. */
int proxy_crack(DlabRng *rng, char *buf, size_t cap);
/* A knot: a Lissajous curve of frequencies 2:3, 3:4 or 4:5. */
int proxy_knot(DlabRng *rng, char *buf, size_t cap);

#endif
