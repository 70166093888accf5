/* Sample grids, as torchvision's make_grid: tiles in rows of `columns`,
 * `padding` pixels around each, every tile scaled up `scale` times, with the
 * sample's class name written under it. For `dlab data grid` and the GUI's
 * Data page. */
#ifndef DLAB_GRID_H
#define DLAB_GRID_H

#include <stdint.h>

#include "dlab/dataset.h"
#include "dlab/image.h"
#include "dlab/transform.h"

typedef struct {
  int columns;     /* tiles per row (make_grid's nrow; default 8) */
  int scale;       /* integer zoom of each tile (default 2) */
  int padding;     /* pixels around tiles (default 2) */
  uint8_t pad_value; /* 0 */
  int labels;      /* write class names under the tiles (default 1) */
} DlabGridOptions;

DlabGridOptions dlab_grid_defaults(void);

/* Draws samples idx[0..count) of d into out (HWC, 1 or 3 channels as d).
 * With `aug` (a preview augmenter for d's shape) each tile shows the sample
 * as augmented with the generator of (seed, epoch 1, index). */
int dlab_grid_render(const DlabDataset *d, const uint32_t *idx, int count,
                     const DlabGridOptions *opt, DlabAugmenter *aug, uint64_t seed,
                     DlabImage *out);

#endif
