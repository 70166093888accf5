/* What every layer kind shares: parameters and shapes. */
#include "dlab/layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

DlabParam *dlab_layer_add_param(DlabLayer *l, const char *suffix, int trainable, int ndim,
                                const int *shape) {
  if (l->n_params >= DLAB_MAX_LAYER_PARAMS) {
    dlab_error("layer %s: too many parameters", l->name);
    return NULL;
  }
  DlabParam *p = &l->params[l->n_params];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s.%s", l->name, suffix);
  p->trainable = trainable;
  if (dlab_tensor_init(&p->value, ndim, shape) < 0) return NULL;
  if (trainable && dlab_tensor_init(&p->grad, ndim, shape) < 0) {
    dlab_tensor_free(&p->value);
    return NULL;
  }
  l->n_params++;
  return p;
}

void dlab_layer_destroy(DlabLayer *l) {
  if (!l) return;
  if (l->ops && l->ops->destroy) l->ops->destroy(l);
  for (int i = 0; i < l->n_params; i++) {
    dlab_tensor_free(&l->params[i].value);
    dlab_tensor_free(&l->params[i].grad);
  }
  free(l);
}

int dlab_shape_numel(DlabShape s) {
  int n = 1;
  for (int i = 0; i < s.ndim; i++) n *= s.d[i];
  return n;
}

const char *dlab_shape_str(DlabShape s, char *buf, int n) {
  if (s.ndim == 3)
    snprintf(buf, (size_t)n, "%dx%dx%d", s.d[0], s.d[1], s.d[2]);
  else
    snprintf(buf, (size_t)n, "%d", s.d[0]);
  return buf;
}
