/* Drawings MNIST does not have, for the default model's training set
 * (ink-mnist dataset --styles N --nondigits N):
 *
 * - digits in the styles tablet writers reported as misread: a 9 whose
 *   tail curls like a handwritten "g", an open-top 4 in one stroke, a 7
 *   whose stem is hooked or curled, a 1 with a flag;
 * - drawings that are no digit (letters, shapes, scribbles, made-up
 *   glyphs of three to five random strokes, polygons, two crossing or
 *   meeting lines), which the model learns to be unsure of (label
 *   DLAB_LABEL_NONE).
 *
 * Each comes from a template path whose every coordinate is jittered, on a
 * box about 0.7 wide and 1 tall, y down; ink-mnist then scales it like a
 * traced MNIST digit and redraws it through a random writer (writer.h).
 * These templates are the training side only: the proxy test sets
 * (proxy-sets.c) are drawn by other templates and other code. */
#ifndef INK_STYLES_H
#define INK_STYLES_H

#include "dlab/rng.h"
#include "dlab/strokes.h"

/* The digits that have extra styles, in the order style_digit cycles. */
int style_digit_label(int i);

/* Style drawing i (labels cycle through style_digit_label) into out, a
 * new random variant from rng. Returns its label, or -1 (out of memory). */
int style_digit(int i, DlabRng *rng, DlabStrokes *out);

/* A random drawing that is no digit. Returns 0, or -1. */
int style_nondigit(DlabRng *rng, DlabStrokes *out);

#endif
