/* Inside a network (inside.h): a second, unfused copy of a predictor's
 * model that keeps every layer's output and back-propagates to the input.
 * It lives next to the predictor because it takes the predictor's model and
 * preprocessing; the predictor itself is left untouched. */
#include "dlab/inside.h"

#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/ink.h"
#include "nn/loss.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

struct DlabInside {
  DlabModel *m;       /* built for training, fusion off, batch 1 */
  DlabModelInfo info; /* the predictor's preprocessing (no class names) */
  int ran;            /* acts hold the outputs of an image */
  float ink[DLAB_INK_PIXELS];
};

/* The model's input gradient, which dlab_model_set_batch does not allocate
 * (the training loop never needs it). */
static int size_input_grad(DlabModel *m) {
  const DlabShape s = m->input;
  if (s.ndim == 3) {
    int shape[4] = {1, s.d[0], s.d[1], s.d[2]};
    return dlab_tensor_resize(&m->grads[0], 4, shape);
  }
  int shape[2] = {1, s.d[0]};
  return dlab_tensor_resize(&m->grads[0], 2, shape);
}

DlabInside *dlab_inside_new(const DlabPredictor *p) {
  const DlabModel *src = dlab_predictor_model(p);
  DlabInside *in = calloc(1, sizeof *in);
  if (!in) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  in->info = *dlab_predictor_info(p);
  memset(in->info.class_names, 0, sizeof in->info.class_names);
  in->m = dlab_model_build(src->spec, src->input, 0, DLAB_BUILD_TRAIN);
  if (!in->m || dlab_model_set_fusion(in->m, 0) < 0 || dlab_model_set_batch(in->m, 1) < 0 ||
      size_input_grad(in->m) < 0 || dlab_inside_set_weights(in, src) < 0) {
    dlab_inside_free(in);
    return NULL;
  }
  /* The saliency wants d logit / d input alone: the layers skip their
   * parameter gradients, the bulk of a backward pass (the full pass cost
   * 3.6 ms median against 0.20 ms for the probabilities on the built-in
   * model, measured under load, before this). */
  for (int i = 0; i < in->m->n_layers; i++) in->m->layers[i]->input_grad_only = 1;
  return in;
}

void dlab_inside_free(DlabInside *in) {
  if (!in) return;
  dlab_model_free(in->m);
  free(in);
}

const DlabModel *dlab_inside_model(const DlabInside *in) { return in->m; }

int dlab_inside_set_weights(DlabInside *in, const DlabModel *src) {
  DlabModel *m = in->m;
  if (src->n_params != m->n_params || strcmp(src->spec, m->spec) != 0)
    return dlab_error(_("inside: the weights come from another network (%s)"), src->spec);
  for (int i = 0; i < m->n_params; i++) {
    const DlabTensor *from = &src->params[i]->value;
    DlabTensor *to = &m->params[i]->value;
    if (from->numel != to->numel || !from->data)
      return dlab_error(_("inside: parameter %s differs in size"), m->params[i]->name);
    memcpy(to->data, from->data, to->numel * sizeof *to->data);
  }
  in->ran = 0;
  return 0;
}

int dlab_inside_run(DlabInside *in, const float *image, float *probs) {
  DlabModel *m = in->m;
  dlab_predictor_image_to_input(&in->info, m->input, image, m->acts[0].data);
  DlabTensor *logits = dlab_model_forward(m, 1, 0);
  in->ran = 1;
  const int k = dlab_model_num_outputs(m);
  int best = 0;
  for (int i = 1; i < k; i++)
    if (logits->data[i] > logits->data[best]) best = i;
  if (probs) {
    DlabTensor out = {.data = probs, .ndim = 2, .shape = {1, k, 1, 1}, .numel = (size_t)k};
    dlab_softmax(logits, &out);
  }
  return best;
}

int dlab_inside_run_strokes(DlabInside *in, const DlabStrokes *s, float *image, float *probs) {
  const DlabShape sh = in->m->input;
  if (sh.ndim != 3 || sh.d[0] != 1 || sh.d[1] != DLAB_INK_SIDE || sh.d[2] != DLAB_INK_SIDE)
    return dlab_error(_("this model reads %dx%dx%d images; drawings need a 1x28x28 model"), sh.d[0], sh.d[1], sh.d[2]);
  DlabInkStyle style = dlab_ink_default_style();
  if (dlab_ink_render(s, &style, in->ink) != 0) return dlab_error(_("nothing is drawn"));
  if (image) memcpy(image, in->ink, sizeof in->ink);
  return dlab_inside_run(in, in->ink, probs);
}

const float *dlab_inside_output(const DlabInside *in, int i, DlabShape *shape) {
  if (!in->ran || i < 0 || i >= in->m->n_layers) return NULL;
  if (shape) *shape = in->m->layers[i]->out_shape;
  return in->m->acts[i + 1].data;
}

const float *dlab_inside_logits(const DlabInside *in) { return in->ran ? in->m->acts[in->m->n_layers].data : NULL; }

/* Every layer backwards, the first included (dlab_model_backward stops
 * before it: training needs no input gradient). The layers write no
 * parameter gradient (input_grad_only, set in dlab_inside_new). */
static void backward_to_input(DlabModel *m) {
  for (int i = m->n_layers - 1; i >= 0; i--) {
    DlabLayer *l = m->layers[i];
    l->ops->backward(l, &m->acts[i], &m->acts[i + 1], &m->grads[i + 1], &m->grads[i]);
  }
}

/* The normalized CHW gradient back into the caller's HWC 0..1 layout: the
 * inverse of dlab_predictor_image_to_input, times d x / d pixel = 1/std. */
static void gradient_to_image(const DlabInside *in, const float *gx, float *grad) {
  const DlabShape s = in->m->input;
  const int c = s.d[0], h = s.d[1], w = s.d[2];
  const int transposed = strcmp(in->info.orientation, "transposed") == 0;
  for (int ch = 0; ch < c; ch++) {
    const float inv_std = 1.0f / in->info.std[ch];
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++) {
        int sy = transposed ? xx : y, sx = transposed ? y : xx;
        grad[((size_t)sy * w + sx) * c + ch] = gx[((size_t)ch * h + y) * w + xx] * inv_std;
      }
  }
}

int dlab_inside_saliency(DlabInside *in, int cls, float *grad) {
  DlabModel *m = in->m;
  const int k = dlab_model_num_outputs(m);
  if (!in->ran) return dlab_error(_("inside: no image has been run yet"));
  if (cls < 0 || cls >= k) return dlab_error(_("inside: class %d is out of range (the model has %d)"), cls, k);
  if (m->input.ndim != 3) return dlab_error(_("inside: the model does not read images"));
  DlabTensor *dlogits = dlab_model_dlogits(m);
  memset(dlogits->data, 0, (size_t)k * sizeof *dlogits->data);
  dlogits->data[cls] = 1.0f;
  backward_to_input(m);
  gradient_to_image(in, m->grads[0].data, grad);
  return 0;
}

int dlab_inside_filters(const DlabInside *in, DlabInsideFilters *f) {
  const DlabModel *m = in->m;
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (l->n_params == 0) continue;
    const DlabTensor *w = &l->params[0].value;
    if (l->ops == &dlab_conv2d_ops && w->ndim == 4) {
      *f = (DlabInsideFilters){w->data, w->shape[0], w->shape[1], w->shape[2], w->shape[3], i};
      return 0;
    }
    if (l->ops == &dlab_linear_ops && w->ndim == 2 && m->input.ndim == 3 &&
        (int64_t)w->shape[1] == dlab_shape_numel(m->input)) {
      *f = (DlabInsideFilters){w->data, w->shape[0], m->input.d[0], m->input.d[1], m->input.d[2], i};
      return 0;
    }
    break;
  }
  return dlab_error(_("inside: the first layer with weights is neither a "
                      "convolution nor a linear layer on "
                      "the image"));
}
