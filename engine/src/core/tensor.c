#include "dlab/tensor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

#include "core/i18n.h"

/* 64-byte alignment suits AVX-512 loads and cache lines. */
#define DLAB_TENSOR_ALIGN 64

/* The product of the dimensions, with the bytes it takes (and the
 * alignment padding) kept within size_t. */
static int shape_numel(int ndim, const int *shape, size_t *numel) {
  if (ndim < 0 || ndim > DLAB_MAX_DIMS) return dlab_error(_("tensor rank %d is not supported"), ndim);
  size_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return dlab_error(_("negative tensor dimension %d"), shape[i]);
    if (__builtin_mul_overflow(n, (size_t)shape[i], &n)) return dlab_error(_("tensor size overflows"));
  }
  if (n > (SIZE_MAX - DLAB_TENSOR_ALIGN) / sizeof(float)) return dlab_error(_("tensor size overflows"));
  *numel = n;
  return 0;
}

static void set_shape(DlabTensor *t, int ndim, const int *shape, size_t n) {
  t->ndim = ndim;
  for (int i = 0; i < DLAB_MAX_DIMS; i++) t->shape[i] = i < ndim ? shape[i] : 1;
  t->numel = n;
}

int dlab_tensor_describe(DlabTensor *t, int ndim, const int *shape) {
  memset(t, 0, sizeof *t);
  size_t n = 0;
  if (shape_numel(ndim, shape, &n) < 0) return -1;
  set_shape(t, ndim, shape, n);
  return 0;
}

int dlab_tensor_resize(DlabTensor *t, int ndim, const int *shape) {
  size_t n = 0;
  if (shape_numel(ndim, shape, &n) < 0) return -1;
  if (n > t->capacity) {
    size_t bytes = (n * sizeof(float) + DLAB_TENSOR_ALIGN - 1) / DLAB_TENSOR_ALIGN * DLAB_TENSOR_ALIGN;
    float *p = aligned_alloc(DLAB_TENSOR_ALIGN, bytes);
    if (!p) return dlab_error(_("out of memory allocating %zu floats"), n);
    free(t->data);
    t->data = p;
    t->capacity = n;
  }
  set_shape(t, ndim, shape, n);
  return 0;
}

int dlab_tensor_init(DlabTensor *t, int ndim, const int *shape) {
  memset(t, 0, sizeof *t);
  if (dlab_tensor_resize(t, ndim, shape) < 0) return -1;
  dlab_tensor_zero(t);
  return 0;
}

int dlab_tensor_init2(DlabTensor *t, int d0, int d1) {
  int s[2] = {d0, d1};
  return dlab_tensor_init(t, 2, s);
}

int dlab_tensor_init4(DlabTensor *t, int d0, int d1, int d2, int d3) {
  int s[4] = {d0, d1, d2, d3};
  return dlab_tensor_init(t, 4, s);
}

void dlab_tensor_zero(DlabTensor *t) {
  if (t->data) memset(t->data, 0, t->numel * sizeof(float));
}

void dlab_tensor_free(DlabTensor *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}

const char *dlab_tensor_shape_str(const DlabTensor *t, char *buf, size_t n) {
  size_t used = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < t->ndim && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, i ? ", %d" : "%d", t->shape[i]);
  if (used < n) snprintf(buf + used, n - used, "]");
  return buf;
}
