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
 * passed to forward (dropout needs a fixed mask: see GradcheckHooks).
 * Returns 0 when the worst relative error is below `tol`, else 1, and fills
 * report. -1 if the layer cannot be set up. */
int gradcheck_layer(DlabLayer *l, DlabShape in, int batch, int training, double h, double tol,
                    unsigned long seed, GradcheckReport *report);

/* Optional calls into the test, for layers whose forward pass depends on
 * more than the input and the trainable parameters. */
typedef struct {
  /* After setup, reset and resize, before anything is drawn: e.g. set
   * running statistics that evaluation mode will use. */
  void (*prepare)(DlabLayer *l, void *ctx);
  /* Before every forward pass, the analytic one and each finite-difference
   * one: e.g. restart dropout's generator so every pass draws the same mask,
   * without which the differences would compare different functions. */
  void (*before_forward)(DlabLayer *l, void *ctx);
  void *ctx;
} GradcheckHooks;

/* gradcheck_layer with hooks (NULL for none). */
int gradcheck_layer_hooked(DlabLayer *l, DlabShape in, int batch, int training, double h,
                           double tol, unsigned long seed, const GradcheckHooks *hooks,
                           GradcheckReport *report);

/* A calloc'ed layer of the given kind and name with args[] copied, not set
 * up, for tests that build layers without the spec parser. */
DlabLayer *gradcheck_new_layer(const DlabLayerOps *ops, const char *name, const float *args,
                               int n_args);

#endif
