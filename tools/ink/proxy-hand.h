/* A random hand for the proxy sets (proxy-sets.c): it writes a turtle path
 * (turtle.h) on a 400x400 canvas the way one person with one device would.
 *
 * This is the proxy sets' own variation, written apart from the training
 * data's writer (writer.c), so that a model trained on that writer is not
 * tested on its own habits: control points moved a little, slant, small
 * rotation, aspect and taper, size and place on the canvas, strokes drawn
 * in another order or backwards where a writer would, a landing tick or a
 * lifting tail, tremor, and the points a device reports while the pen
 * moves at an uneven speed (slow at the ends and in the turns, a report
 * every 1/rate seconds with jitter and dropped reports), pressure from a
 * pen, none from a mouse or a finger. */
#ifndef DLAB_TOOLS_PROXY_HAND_H
#define DLAB_TOOLS_PROXY_HAND_H

#include "dlab/rng.h"
#include "dlab/strokes.h"
#include "turtle.h"

#define HAND_CANVAS 400

typedef enum { HAND_PEN, HAND_MOUSE, HAND_FINGER } HandDevice;

typedef struct {
  HandDevice device;
  double jitter;         /* control points' shift (sd), in box heights */
  double slant_deg;      /* -15..25, leaning right when positive */
  double rotate_deg;     /* the whole drawing turned, clockwise */
  double aspect;         /* width multiplier */
  double taper;          /* width change per box height, downwards */
  double height_px;      /* the drawing's height on the canvas */
  double speed_px_s;     /* top speed on a long straight stroke */
  double rate_hz;        /* reports per second */
  double tremor_px;      /* slow wobble */
  double noise_px;       /* per report */
  double pressure;       /* the pen's mean pressure */
  double tick_p, tail_p; /* chance of a landing tick and a lifting tail */
  double reverse_p;      /* chance that a reversible stroke goes backwards */
  double reorder_p;      /* chance that reorderable strokes come in reverse order */
} Hand;

/* A writer drawn from rng. */
void hand_random(Hand *h, DlabRng *rng);

/* Writes `path` with hand h into out (cleared; canvas 400x400).
 * reversible: bit k set when stroke k may be drawn backwards; reorder: the
 * strokes may come in reverse order. rng draws the drawing's own noise.
 * -1 when the path cannot be traced (too long) or out of memory. */
int hand_write(const Hand *h, const TurtlePath *path, unsigned reversible, int reorder, DlabRng *rng, DlabStrokes *out);

#endif
