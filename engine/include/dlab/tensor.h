/* Dense float32 tensors, NCHW, owning their buffer.
 *
 * Buffers are sized once (when a model is set up for a batch size) and then
 * reused: dlab_tensor_resize only reallocates when the tensor must grow, so
 * nothing is allocated inside the training loop. */
#ifndef DLAB_TENSOR_H
#define DLAB_TENSOR_H

#include <stddef.h>

#define DLAB_MAX_DIMS 4

typedef enum { DLAB_DEVICE_CPU = 0, DLAB_DEVICE_CUDA = 1 } DlabDevice;

typedef struct {
  float *data;
  int ndim;
  int shape[DLAB_MAX_DIMS];
  size_t numel;    /* product of shape */
  size_t capacity; /* floats allocated */
  DlabDevice device;
} DlabTensor;

/* Allocates a zero-filled tensor of the given shape. Returns 0 or -1. */
int dlab_tensor_init(DlabTensor *t, int ndim, const int *shape);

/* Changes the shape, growing the buffer if needed (contents are then
 * undefined). Returns 0, or -1 when the size overflows or memory runs out. */
int dlab_tensor_resize(DlabTensor *t, int ndim, const int *shape);

/* Gives t a shape (and numel) but no buffer: data NULL, capacity 0. For
 * models built only to learn their shapes. Returns 0 or -1. */
int dlab_tensor_describe(DlabTensor *t, int ndim, const int *shape);

void dlab_tensor_zero(DlabTensor *t);
void dlab_tensor_free(DlabTensor *t);

/* Shorthands for the common ranks. */
int dlab_tensor_init2(DlabTensor *t, int d0, int d1);
int dlab_tensor_init4(DlabTensor *t, int d0, int d1, int d2, int d3);

/* "[64, 6, 24, 24]" into buf; returns buf. */
const char *dlab_tensor_shape_str(const DlabTensor *t, char *buf, size_t n);

#endif
