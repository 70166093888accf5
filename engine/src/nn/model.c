/* A sequential model: layers, their activations and gradients. */
#include "dlab/clock.h"
#include "dlab/model.h"

#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/zoo.h"
#include "nn/spec.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

/* Every layer sees the same seed; each kind that draws derives its own
 * stream from it and the layer's position. */
static void init_weights(DlabModel *m, uint64_t seed) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (int i = 0; i < m->n_layers; i++) {
    DlabLayer *l = m->layers[i];
    l->seed = seed ^ ((uint64_t)(i + 1) << 40);
    if (l->ops->reset) l->ops->reset(l, &rng);
  }
}

static int collect_params(DlabModel *m) {
  int n = 0;
  for (int i = 0; i < m->n_layers; i++) n += m->layers[i]->n_params;
  m->params = calloc((size_t)(n ? n : 1), sizeof *m->params);
  if (!m->params) return dlab_error(_("out of memory"));
  for (int i = 0; i < m->n_layers; i++)
    for (int p = 0; p < m->layers[i]->n_params; p++) {
      DlabParam *par = &m->layers[i]->params[p];
      for (int q = 0; q < m->n_params; q++)
        if (strcmp(m->params[q]->name, par->name) == 0)
          return dlab_error(_("spec: two layers are named `%s`"), m->layers[i]->name);
      m->params[m->n_params++] = par;
    }
  return 0;
}

/* Sets every layer up for the shape it receives, checking each output and
 * the activations of one sample together against the limits (layer.h). */
static int setup_layers(DlabModel *m) {
  DlabShape shape = m->input;
  int64_t activations = dlab_shape_numel(shape);
  for (int i = 0; i < m->n_layers; i++) {
    DlabLayer *l = m->layers[i];
    l->build = m->build;
    l->in_shape = shape;
    if (l->ops->setup(l, shape) < 0 || dlab_layer_check_output(l, l->out_shape) < 0) return -1;
    shape = l->out_shape;
    activations += dlab_shape_numel(shape);
    if (activations > DLAB_MODEL_MAX_ACTIVATIONS)
      return dlab_error(_("layer %s (%s): with it, the layers' outputs add up to more than %d values per "
                          "sample, the most supported"),
                        l->name, l->ops->keyword, DLAB_MODEL_MAX_ACTIVATIONS);
  }
  if (shape.ndim != 1) {
    char s[64];
    return dlab_error(_("spec: the network must end in a flat output (a `linear`), but it ends in %s"),
                      dlab_shape_str(shape, s, sizeof s));
  }
  return 0;
}

DlabModel *dlab_model_build(const char *spec_or_name, DlabShape input, uint64_t seed, DlabBuild build) {
  const char *spec = dlab_zoo_resolve(spec_or_name);
  DlabModel *m = calloc(1, sizeof *m);
  if (!m) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  m->input = input;
  m->build = build;
  if (dlab_shape_check_input(input) < 0 || dlab_spec_parse(spec, &m->layers, &m->n_layers) < 0 ||
      setup_layers(m) < 0)
    goto fail;
  m->spec = dlab_spec_format(m->layers, m->n_layers);
  m->acts = calloc((size_t)m->n_layers + 1, sizeof *m->acts);
  m->grads = calloc((size_t)m->n_layers + 1, sizeof *m->grads);
  if (!m->spec || !m->acts || !m->grads) {
    dlab_error(_("out of memory"));
    goto fail;
  }
  if (collect_params(m) < 0) goto fail;
  if (build == DLAB_BUILD_SHAPES) return m;
  /* Weights for inference come from a checkpoint: drawing them is wasted. */
  if (build == DLAB_BUILD_TRAIN) init_weights(m, seed);
  if (dlab_model_set_fusion(m, 1) < 0) goto fail;
  return m;
fail:
  dlab_model_free(m);
  return NULL;
}

DlabModel *dlab_model_create(const char *spec_or_name, DlabShape input, uint64_t seed) {
  return dlab_model_build(spec_or_name, input, seed, DLAB_BUILD_TRAIN);
}

DlabModel *dlab_model_describe(const char *spec_or_name, DlabShape input) {
  return dlab_model_build(spec_or_name, input, 0, DLAB_BUILD_SHAPES);
}

static int act_is_view(const DlabModel *m, int i);
static int grad_is_view(const DlabModel *m, int i);

void dlab_model_free(DlabModel *m) {
  if (!m) return;
  if (m->acts) /* (before the layers, which say which tensors are views) */
    for (int i = 0; i <= m->n_layers; i++) {
      if (act_is_view(m, i)) m->acts[i].data = NULL; /* its source's */
      if (grad_is_view(m, i)) m->grads[i].data = NULL;
      dlab_tensor_free(&m->acts[i]);
      dlab_tensor_free(&m->grads[i]);
    }
  for (int i = 0; i < m->n_layers; i++) dlab_layer_destroy(m->layers[i]);
  free(m->layers);
  free(m->acts);
  free(m->grads);
  free(m->params);
  free(m->spec);
  free(m->profile);
  free(m);
}

/* Shapes a batch tensor for `batch` samples of shape s. */
static int shape_batch(DlabTensor *t, int batch, DlabShape s) {
  if (s.ndim == 3) {
    int shape[4] = {batch, s.d[0], s.d[1], s.d[2]};
    return dlab_tensor_resize(t, 4, shape);
  }
  int shape[2] = {batch, s.d[0]};
  return dlab_tensor_resize(t, 2, shape);
}

static DlabShape act_shape(const DlabModel *m, int i) {
  return i == 0 ? m->input : m->layers[i - 1]->out_shape;
}

/* Whether acts[i] and grads[i] (i >= 1) are views of acts[i - 1] and
 * grads[i - 1]: the output of a layer that shares its input's memory
 * (layer.h: shares_input). grads[i - 1] exists from i - 1 = 1 on. */
static int act_is_view(const DlabModel *m, int i) { return i > 0 && m->layers[i - 1]->ops->shares_input; }
static int grad_is_view(const DlabModel *m, int i) { return i > 1 && act_is_view(m, i); }

/* Gives view the shape of batch samples of s over source's buffer. */
static int shape_view(DlabTensor *view, const DlabTensor *source, int batch, DlabShape s) {
  int shape[4] = {batch, s.d[0], s.d[1], s.d[2]};
  if (dlab_tensor_describe(view, s.ndim + 1, shape) < 0) return -1;
  view->data = source->data;
  view->capacity = source->capacity;
  return 0;
}

/* acts[i] (or grads[i]) shaped for `batch`: grown if it owns its buffer,
 * pointed at its source's if it is a view (after the source's own). */
static int shape_act(DlabModel *m, DlabTensor *t, int i, int batch, int view) {
  return view ? shape_view(t, t - 1, batch, act_shape(m, i)) : shape_batch(t, batch, act_shape(m, i));
}

/* The layers [i, i + group_span(m, i)) run as one group (layer.h: fuse). */
static int group_span(const DlabModel *m, int i) { return 1 + m->layers[i]->fused; }

int dlab_model_set_fusion(DlabModel *m, int on) {
  for (int i = 0; i < m->n_layers; i++) {
    DlabLayer *l = m->layers[i];
    if (l->ops->fuse) l->ops->fuse(l, NULL, 0);
    l->fused = 0;
  }
  if (on)
    for (int i = 0; i < m->n_layers; i += group_span(m, i)) {
      DlabLayer *l = m->layers[i];
      if (l->ops->fuse) l->fused = l->ops->fuse(l, m->layers + i + 1, m->n_layers - i - 1);
    }
  /* A layer's workspaces may depend on what it absorbed. */
  for (int i = 0; i < m->n_layers && m->batch > 0; i++) {
    DlabLayer *l = m->layers[i];
    if (l->ops->resize && l->ops->resize(l, m->batch) < 0) return -1;
  }
  return 0;
}

int dlab_model_set_batch(DlabModel *m, int batch) {
  if (batch < 1) return dlab_error(_("batch size %d: must be at least 1"), batch);
  if (m->build == DLAB_BUILD_SHAPES) return dlab_error(_("internal: a model built for its shapes only cannot run"));
  if (batch <= m->batch) return 0;
  for (int i = 0; i <= m->n_layers; i++) {
    if (shape_act(m, &m->acts[i], i, batch, act_is_view(m, i)) < 0) return -1;
    if (i > 0 && m->build == DLAB_BUILD_TRAIN && shape_act(m, &m->grads[i], i, batch, grad_is_view(m, i)) < 0)
      return -1;
  }
  for (int i = 0; i < m->n_layers; i++) {
    DlabLayer *l = m->layers[i];
    if (l->ops->resize && l->ops->resize(l, batch) < 0) return -1;
    l->batch = batch;
  }
  m->batch = batch;
  return 0;
}

int dlab_model_profile_start(DlabModel *m) {
  free(m->profile);
  m->profile = calloc(2 * (size_t)m->n_layers, sizeof *m->profile);
  return m->profile ? 0 : dlab_error(_("out of memory for the profile"));
}

void dlab_model_profile_stop(DlabModel *m) {
  free(m->profile);
  m->profile = NULL;
}

DlabTensor *dlab_model_forward(DlabModel *m, int batch, int training) {
  /* Within capacity these resizes only rewrite the shape. */
  shape_batch(&m->acts[0], batch, m->input);
  const int with_grads = m->build == DLAB_BUILD_TRAIN;
  for (int i = 1; i <= m->n_layers; i++) {
    shape_act(m, &m->acts[i], i, batch, act_is_view(m, i));
    if (with_grads) shape_act(m, &m->grads[i], i, batch, grad_is_view(m, i));
  }
  for (int i = 0; i < m->n_layers; i += group_span(m, i)) {
    DlabLayer *l = m->layers[i];
    if (l->ops->shares_input) continue; /* its output is its input */
    const double t0 = m->profile ? dlab_now_seconds() : 0;
    if (l->fused)
      l->ops->forward_group(l, &m->acts[i], training);
    else
      l->ops->forward(l, &m->acts[i], &m->acts[i + 1], training);
    if (m->profile) m->profile[2 * i] += dlab_now_seconds() - t0;
  }
  return &m->acts[m->n_layers];
}

DlabTensor *dlab_model_dlogits(DlabModel *m) { return &m->grads[m->n_layers]; }

/* The first layer of the group that layer `last` ends. */
static int group_head(const DlabModel *m, int last) {
  int head = 0;
  while (head + group_span(m, head) <= last) head += group_span(m, head);
  return head;
}

/* The first layer with a trainable parameter: no layer up to it needs the
 * gradient of its input. */
static int first_trained(const DlabModel *m) {
  for (int i = 0; i < m->n_layers; i++)
    for (int p = 0; p < m->layers[i]->n_params; p++)
      if (m->layers[i]->params[p].trainable) return i;
  return m->n_layers;
}

void dlab_model_backward(DlabModel *m) {
  if (m->build != DLAB_BUILD_TRAIN) return; /* no gradients to write into */
  const int first = first_trained(m);
  for (int last = m->n_layers - 1; last >= 0;) {
    int i = group_head(m, last);
    DlabLayer *l = m->layers[i];
    DlabTensor *dx = i > first ? &m->grads[i] : NULL;
    if (l->ops->shares_input) { /* dx is dy, or unwanted */
      last = i - 1;
      continue;
    }
    const double t0 = m->profile ? dlab_now_seconds() : 0;
    if (l->fused)
      l->ops->backward_group(l, &m->acts[i], &m->grads[last + 1], dx);
    else
      l->ops->backward(l, &m->acts[i], &m->acts[i + 1], &m->grads[i + 1], dx);
    if (m->profile) m->profile[2 * i + 1] += dlab_now_seconds() - t0;
    last = i - 1;
  }
}

int dlab_model_num_outputs(const DlabModel *m) { return m->layers[m->n_layers - 1]->out_shape.d[0]; }

long dlab_model_count_params(const DlabModel *m) {
  long n = 0;
  for (int i = 0; i < m->n_params; i++)
    if (m->params[i]->trainable) n += (long)m->params[i]->value.numel;
  return n;
}

DlabParam *dlab_model_find_param(DlabModel *m, const char *name) {
  for (int i = 0; i < m->n_params; i++)
    if (strcmp(m->params[i]->name, name) == 0) return m->params[i];
  return NULL;
}

DlabShape dlab_model_input(const DlabModel *m) { return m->input; }

const char *dlab_model_spec(const DlabModel *m) { return m->spec; }

int dlab_model_num_layers(const DlabModel *m) { return m->n_layers; }

DlabLayerSummary dlab_model_layer_summary(const DlabModel *m, int i) {
  const DlabLayer *l = m->layers[i];
  DlabLayerSummary row = {l->name, l->ops->keyword, l->out_shape, 0};
  for (int p = 0; p < l->n_params; p++)
    if (l->params[p].trainable) row.params += (long)l->params[p].value.numel;
  return row;
}

void dlab_model_summary(const DlabModel *m, FILE *f) {
  char shape[64];
  fprintf(f, "%-4s %-12s %-10s %-14s %10s\n", "#", "name", "layer", "output", "params");
  fprintf(f, "%-4s %-12s %-10s %-14s %10s\n", "", "", "input", dlab_shape_str(m->input, shape, sizeof shape), "");
  for (int i = 0; i < m->n_layers; i++) {
    DlabLayerSummary row = dlab_model_layer_summary(m, i);
    fprintf(f, "%-4d %-12s %-10s %-14s %10ld\n", i, row.name, row.kind,
            dlab_shape_str(row.output, shape, sizeof shape), row.params);
  }
  fprintf(f, "total trainable parameters: %ld\n", dlab_model_count_params(m));
}
