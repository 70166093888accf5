/* Random writers: one digit's strokes redrawn as a different person on a
 * different tablet might have drawn them. Used to make the default
 * model's training set from MNIST skeletons (ink-mnist dataset). */
#ifndef INK_WRITER_H
#define INK_WRITER_H

#include "dlab/ink.h"
#include "dlab/rng.h"
#include "dlab/strokes.h"

/* Redraws `in` (a skeleton on SKELETON_CANVAS_SCALE's 280x280 canvas) of
 * digit `label` (-1: unknown) into `out`: first the habits of writers
 * MNIST has few of (a 1 with a flag and a base, a crossed 7), then a
 * random slant, rotation (+-15 degrees), aspect ratio, scale
 * and position, a smooth random deformation of the shape, hand tremor,
 * stroke ends cut short, overshot or hooked, coarse or fine point
 * sampling and a pressure profile; `style` gets a random pen width around
 * the default. Everything is drawn from rng. */
void writer_vary(const DlabStrokes *in, int label, DlabRng *rng, DlabStrokes *out, DlabInkStyle *style);

#endif
