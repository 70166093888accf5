/* Inside a network: what every layer makes of one image, and which input
 * pixels mattered to a class. What the Draw page's Inside view and
 * `dlab inside` show.
 *
 * A DlabInside holds its own copy of a predictor's model, built for
 * training (it owns the gradient buffers back-propagation needs), without
 * layer fusion (so every layer's output is kept, a fused convolution's
 * output before its activation included) and sized for one image, once:
 * running it allocates nothing. The predictor it came from keeps its own
 * fused, gradient-free model, so classifying stays as fast as before.
 *
 * Saliency is the gradient of one class's logit (the score before the
 * softmax) with respect to the input pixels on the 0..1 scale the caller
 * hands in (before the model's normalization), in the caller's HWC layout
 * and orientation. */
#ifndef DLAB_INSIDE_H
#define DLAB_INSIDE_H

#include "dlab/image.h"
#include "dlab/model.h"
#include "dlab/predictor.h"

typedef struct DlabInside DlabInside;

/* A copy of p's model, weights and preprocessing. NULL with a message. */
DlabInside *dlab_inside_new(const DlabPredictor *p);
void dlab_inside_free(DlabInside *in);

/* Copies the weights of m, a model of the same spec and input (say, the
 * one a training run is training), into in. 0, or -1 with a message when
 * the two models differ. */
int dlab_inside_set_weights(DlabInside *in, const DlabModel *m);

/* The model inside (its spec, its layers' names, kinds and shapes). */
const DlabModel *dlab_inside_model(const DlabInside *in);

/* Runs one image (HWC, 0..1, MNIST's convention: see dlab_predictor_run)
 * through every layer, keeping each output. probs (may be NULL) receives
 * one probability per class. Returns the most likely class. */
int dlab_inside_run(DlabInside *in, const float *image, float *probs);

/* Ink preprocessing then dlab_inside_run; image (may be NULL) receives the
 * 28x28 picture. -1 with a message when nothing is drawn or the model does
 * not read 1x28x28 images. */
int dlab_inside_run_strokes(DlabInside *in, const DlabStrokes *s, float *image, float *probs);

/* Layer i's output for the last image run (i in 0 .. n_layers-1): its
 * values (CHW or F, one sample) and, in *shape, its shape; NULL before a
 * run or for an i out of range. */
const float *dlab_inside_output(const DlabInside *in, int i, DlabShape *shape);

/* The logits of the last run (n classes). */
const float *dlab_inside_logits(const DlabInside *in);

/* d logit[cls] / d image for the last image run, into grad (the image's
 * H x W x C values, its layout and orientation). 0, or -1 with a message
 * (no run yet, cls out of range). Runs the network backwards once. */
int dlab_inside_saliency(DlabInside *in, int cls, float *grad);

/* The first layer's learned weights as pictures: the first convolution's
 * filters (count = out channels, each channels x kh x kw), or for a network
 * without convolutions the first linear layer's rows as images of the
 * input's shape (each row one picture of channels x h x w: an MLP's 28x28
 * "templates"). weights points at count pictures, one after the other,
 * CHW. 0, or -1 when the first layer with weights is neither. */
typedef struct {
  const float *weights;
  int count, channels, h, w;
  int layer; /* index of the layer they belong to */
} DlabInsideFilters;
int dlab_inside_filters(const DlabInside *in, DlabInsideFilters *f);

/* Pictures (image.h; free with dlab_image_free), for `dlab inside` and the
 * application alike. 0, or -1 with a message (a picture over 8192 pixels
 * on a side is refused).
 *   maps: a C x H x W output as a grid of C grey tiles, `columns` a row
 *     (0: as square a grid as C allows), each pixel `scale` times, on one
 *     black-to-white scale for the whole layer;
 *   bars: n activations as bars `bar_width` pixels wide around a zero
 *     line, positive blue upwards, negative orange downwards (RGB);
 *   filters: a grid of the filters, each on its own scale with zero
 *     mid-grey (grey, or RGB for 3-channel filters);
 *   saliency: the image (H x W x C, 0..1) dimmed, with the gradient's
 *     magnitude over it as heat (RGB, H*scale x W*scale). */
int dlab_inside_maps_image(const float *v, DlabShape s, int scale, int columns, DlabImage *out);
int dlab_inside_bars_image(const float *v, int n, int bar_width, DlabImage *out);
int dlab_inside_filters_image(const DlabInsideFilters *f, int scale, DlabImage *out);
int dlab_inside_saliency_image(const float *image, const float *grad, int h, int w, int c, int scale, DlabImage *out);

#endif
