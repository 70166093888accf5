/* Finite-difference checks for layers: the analytic backward pass of a layer
 * against central differences of its forward pass, accumulated in double.
 *
 * The scalar checked is L = sum_i r_i * y_i with fixed random r, so dL/dy = r
 * exercises every output. */
#ifndef DLAB_GRADCHECK_H
#define DLAB_GRADCHECK_H

#include "dlab/layer.h"

typedef struct {
  double max_rel_err;  /* worst |analytic - numeric| / max(|numeric|, floor) */
  const char *where;   /* "input" or the parameter's name */
  int index;           /* element with the worst error */
} GradcheckReport;

/* Sets up `l` for input shape `in` and `batch` samples, fills the input
 * with values drawn from `seed` in [-1, 1], and compares every input and
 * parameter gradient with central differences of step `h`. `training` is
 * passed to forward (dropout needs a fixed mask: see gradcheck.c).
 * Returns 0 when the worst relative error is below `tol`, else 1, and fills
 * report. -1 if the layer cannot be set up. */
int gradcheck_layer(DlabLayer *l, DlabShape in, int batch, int training, double h, double tol,
                    unsigned long seed, GradcheckReport *report);

/* A calloc'ed layer of the given kind and name with args[] copied, not set
 * up, for tests that build layers without the spec parser. */
DlabLayer *gradcheck_new_layer(const DlabLayerOps *ops, const char *name, const float *args,
                               int n_args);

#endif
