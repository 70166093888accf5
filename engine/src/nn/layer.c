/* What every layer kind shares: parameters and shapes. */
#include "dlab/layer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

#include "core/i18n.h"

/* The product of a tensor shape in 64 bits, saturating at INT64_MAX. */
static int64_t dims_numel(int ndim, const int *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return -1;
    if (__builtin_mul_overflow(n, (int64_t)shape[i], &n)) return INT64_MAX;
  }
  return n;
}

int dlab_layer_check_param(const DlabLayer *l, const char *suffix, int ndim, const int *shape) {
  int64_t n = dims_numel(ndim, shape);
  if (n < 0 || n > DLAB_PARAM_MAX_NUMEL) {
    char dims[96];
    size_t used = 0;
    dims[0] = '\0';
    for (int i = 0; i < ndim && used < sizeof dims; i++)
      used += (size_t)snprintf(dims + used, sizeof dims - used, i ? " x %d" : "%d", shape[i]);
    return dlab_error(_("layer %s (%s): %s %s would hold %s%" PRId64 " values; at most %d are supported"),
                      l->name, l->ops->keyword, suffix, dims, n == INT64_MAX ? _("over ") : "", n,
                      DLAB_PARAM_MAX_NUMEL);
  }
  return 0;
}

DlabParam *dlab_layer_add_param(DlabLayer *l, const char *suffix, int trainable, int ndim,
                                const int *shape) {
  if (l->n_params >= DLAB_MAX_LAYER_PARAMS) {
    dlab_error(_("layer %s: too many parameters"), l->name);
    return NULL;
  }
  if (dlab_layer_check_param(l, suffix, ndim, shape) < 0) return NULL;
  DlabParam *p = &l->params[l->n_params];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s.%s", l->name, suffix);
  p->trainable = trainable;
  if (l->build == DLAB_BUILD_SHAPES) {
    if (dlab_tensor_describe(&p->value, ndim, shape) < 0) return NULL;
    l->n_params++;
    return p;
  }
  if (dlab_tensor_init(&p->value, ndim, shape) < 0) return NULL;
  if (trainable && l->build == DLAB_BUILD_TRAIN && dlab_tensor_init(&p->grad, ndim, shape) < 0) {
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

int64_t dlab_shape_numel(DlabShape s) { return dims_numel(s.ndim, s.d); }

const char *dlab_shape_str(DlabShape s, char *buf, int n) {
  if (s.ndim == 3)
    snprintf(buf, (size_t)n, "%dx%dx%d", s.d[0], s.d[1], s.d[2]);
  else
    snprintf(buf, (size_t)n, "%d", s.d[0]);
  return buf;
}

/* "1x65536x65537" for messages, whatever the rank (dlab_shape_str assumes a valid one). */
static const char *any_shape_str(DlabShape s, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < s.ndim && i < 3 && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, i ? "x%d" : "%d", s.d[i]);
  return buf;
}

int dlab_shape_check_input(DlabShape s) {
  char text[64];
  any_shape_str(s, text, sizeof text);
  if (s.ndim != 1 && s.ndim != 3)
    return dlab_error(_("input shape %s: expected C x H x W (an image) or a number of features"), text);
  for (int i = 0; i < s.ndim; i++)
    if (s.d[i] < 1) return dlab_error(_("input shape %s: every dimension must be at least 1"), text);
  if (s.ndim == 3) {
    if (s.d[0] > DLAB_SHAPE_MAX_CHANNELS)
      return dlab_error(_("input shape %s: %d channels, over the limit of %d"), text, s.d[0], DLAB_SHAPE_MAX_CHANNELS);
    if (s.d[1] > DLAB_SHAPE_MAX_SIDE || s.d[2] > DLAB_SHAPE_MAX_SIDE)
      return dlab_error(_("input shape %s: a side of %d pixels, over the limit of %d"), text,
                        s.d[1] > s.d[2] ? s.d[1] : s.d[2], DLAB_SHAPE_MAX_SIDE);
  }
  int64_t n = dlab_shape_numel(s);
  if (n > DLAB_SHAPE_MAX_NUMEL)
    return dlab_error(_("input shape %s: %" PRId64 " values per sample, over the limit of %d"), text, n,
                      DLAB_SHAPE_MAX_NUMEL);
  return 0;
}

int dlab_layer_check_output(const DlabLayer *l, DlabShape out) {
  int64_t n = dlab_shape_numel(out);
  if (n > DLAB_SHAPE_MAX_NUMEL) {
    char text[64];
    return dlab_error(_("layer %s (%s): its output %s would hold %s%" PRId64
                        " values per sample; at most %d are supported"),
                      l->name, l->ops->keyword, any_shape_str(out, text, sizeof text), n == INT64_MAX ? _("over ") : "",
                      n, DLAB_SHAPE_MAX_NUMEL);
  }
  return 0;
}

int dlab_shape_parse(const char *text, DlabShape *s) {
  DlabShape out = {0, {0, 0, 0}};
  const char *p = text;
  for (;;) {
    if (out.ndim == 3 || *p < '0' || *p > '9') goto malformed;
    /* Digits beyond any limit are refused whole, without overflowing. */
    int64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++)
      if (v <= INT32_MAX) v = v * 10 + (*p - '0');
    out.d[out.ndim++] = v > INT32_MAX ? INT32_MAX : (int)v;
    if (*p == '\0') break;
    if (*p++ != 'x') goto malformed;
  }
  if (out.ndim == 2) goto malformed;
  if (dlab_shape_check_input(out) < 0) return -1;
  *s = out;
  return 0;
malformed:
  return dlab_error(_("input shape \"%s\": expected CxHxW such as 1x28x28, or a number of features"), text);
}
