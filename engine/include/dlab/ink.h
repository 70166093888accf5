/* Ink preprocessing: strokes -> the 28x28 image a digit network expects
 * (DESIGN.md "Sketchpad preprocessing"). Do to the drawing what MNIST's
 * authors did to their scans: anti-aliased strokes whose width is
 * proportional to the digit's size (and to the pen pressure), cropped to the
 * bounding box, the longest side scaled to 20 px keeping the aspect ratio,
 * then placed in 28x28 with the centre of mass at the centre.
 *
 * Shared by the sketchpad and `dlab predict --strokes`: both see exactly the
 * same pixels. */
#ifndef DLAB_INK_H
#define DLAB_INK_H

#include "dlab/strokes.h"

#define DLAB_INK_SIDE 28
#define DLAB_INK_PIXELS (DLAB_INK_SIDE * DLAB_INK_SIDE)

typedef struct {
  float box;          /* longest side of the digit in the 28x28 image: 20 */
  float width;        /* pen width as a share of the digit's longest side */
} DlabInkStyle;

/* MNIST's geometry and a pen width that matches its strokes. */
DlabInkStyle dlab_ink_default_style(void);

/* Renders `s` into out[28*28], row-major, 0 (background) .. 1 (ink): the
 * MNIST convention, normal orientation. Returns 0, or 1 when there is no
 * ink (nothing drawn, or a non-finite point: out is all zeros). `style`
 * may be NULL for the default. Allocates nothing; tens of microseconds. */
int dlab_ink_render(const DlabStrokes *s, const DlabInkStyle *style, float *out);

#endif
