/* MNIST digits -> pen strokes, by thinning: the picture is enlarged and
 * binarized, thinned to a one-pixel skeleton (Zhang-Suen), and the
 * skeleton's graph is traced into polylines. Spurs that thinning leaves at
 * corners are pruned, and at every junction the branches that continue
 * each other most smoothly are joined, so a "4" or an "8" comes out as the
 * few long strokes a person would draw rather than many short pieces. */
#ifndef INK_SKELETON_H
#define INK_SKELETON_H

#include <stdint.h>

#include "dlab/strokes.h"

/* The canvas the strokes are written on: the 28x28 digit times this. */
#define SKELETON_CANVAS_SCALE 10.0f

/* Traces the 28x28 grey image (0 background .. 255 ink, MNIST's
 * convention) into out (replaced), on a 280x280 canvas, pressure 1.
 * Returns the number of strokes (0 for a blank image). */
int skeleton_strokes(const uint8_t *image28, DlabStrokes *out);

#endif
