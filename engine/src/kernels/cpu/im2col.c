/* im2col and col2im for one sample (see cpu_kernels.h).
 *
 * Both walk the column matrix row by row (one kernel tap per row) and work
 * out once per row which output positions read a real pixel and which read
 * padding, so the inner loops carry no bounds tests: padding is a memset,
 * stride 1 is a memcpy (or a plain add loop the compiler vectorizes). */
#include "kernels/cpu/cpu_kernels.h"

#include <string.h>

static int out_size(int in, int kernel, int stride, int pad) {
  int span = in + 2 * pad - kernel;
  return span < 0 ? 0 : span / stride + 1;
}

int dlab_conv_geom_init(DlabConvGeom *geom, int channels, int height, int width, int kernel,
                        int stride, int pad) {
  if (channels < 1 || height < 1 || width < 1 || kernel < 1 || stride < 1 || pad < 0) return -1;
  geom->channels = channels;
  geom->height = height;
  geom->width = width;
  geom->kernel = kernel;
  geom->stride = stride;
  geom->pad = pad;
  geom->out_h = out_size(height, kernel, stride, pad);
  geom->out_w = out_size(width, kernel, stride, pad);
  return geom->out_h >= 1 && geom->out_w >= 1 ? 0 : -1;
}

/* Output positions o in [*lo, *hi) read input index o*stride + offset inside
 * [0, n_in); the others read padding. offset = tap - pad. */
static void valid_range(int n_in, int n_out, int stride, int offset, int *lo, int *hi) {
  int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int last_in = n_in - 1 - offset; /* largest o*stride allowed */
  int end = last_in < 0 ? 0 : last_in / stride + 1;
  if (end > n_out) end = n_out;
  if (first > end) first = end;
  *lo = first;
  *hi = end;
}

/* One output row of one tap: dst[ow] = src[ow*stride + offset], zero outside. */
static void gather_row(const float *src, int stride, int offset, int lo, int hi, int n_out,
                       float *dst) {
  memset(dst, 0, (size_t)lo * sizeof *dst);
  if (stride == 1) {
    memcpy(dst + lo, src + lo + offset, (size_t)(hi - lo) * sizeof *dst);
  } else {
    const float *s = src + lo * stride + offset;
    for (int o = lo; o < hi; o++, s += stride) dst[o] = *s;
  }
  memset(dst + hi, 0, (size_t)(n_out - hi) * sizeof *dst);
}

/* The adjoint of gather_row: dst[ow*stride + offset] += src[ow] where valid. */
static void scatter_row(const float *src, int stride, int offset, int lo, int hi, float *dst) {
  if (stride == 1) {
    float *d = dst + lo + offset;
    const float *s = src + lo;
    for (int i = 0; i < hi - lo; i++) d[i] += s[i];
  } else {
    float *d = dst + lo * stride + offset;
    for (int o = lo; o < hi; o++, d += stride) *d += src[o];
  }
}

void dlab_cpu_im2col(const DlabConvGeom *g, const float *image, float *col, int ldcol) {
  const int K = g->kernel, S = g->stride, OH = g->out_h, OW = g->out_w;
  const size_t plane = (size_t)g->height * g->width;
  for (int c = 0; c < g->channels; c++) {
    const float *channel = image + (size_t)c * plane;
    for (int ki = 0; ki < K; ki++) {
      int oh_lo, oh_hi;
      valid_range(g->height, OH, S, ki - g->pad, &oh_lo, &oh_hi);
      for (int kj = 0; kj < K; kj++) {
        int ow_lo, ow_hi;
        valid_range(g->width, OW, S, kj - g->pad, &ow_lo, &ow_hi);
        float *row = col + ((size_t)(c * K + ki) * K + kj) * (size_t)ldcol;
        memset(row, 0, (size_t)oh_lo * OW * sizeof *row);
        for (int oh = oh_lo; oh < oh_hi; oh++) {
          const float *src = channel + (size_t)(oh * S + ki - g->pad) * g->width;
          gather_row(src, S, kj - g->pad, ow_lo, ow_hi, OW, row + (size_t)oh * OW);
        }
        memset(row + (size_t)oh_hi * OW, 0, (size_t)(OH - oh_hi) * OW * sizeof *row);
      }
    }
  }
}

void dlab_cpu_col2im(const DlabConvGeom *g, const float *col, int ldcol, float *image) {
  const int K = g->kernel, S = g->stride, OW = g->out_w;
  const size_t plane = (size_t)g->height * g->width;
  memset(image, 0, (size_t)g->channels * plane * sizeof *image);
  for (int c = 0; c < g->channels; c++) {
    float *channel = image + (size_t)c * plane;
    for (int ki = 0; ki < K; ki++) {
      int oh_lo, oh_hi;
      valid_range(g->height, g->out_h, S, ki - g->pad, &oh_lo, &oh_hi);
      for (int kj = 0; kj < K; kj++) {
        int ow_lo, ow_hi;
        valid_range(g->width, OW, S, kj - g->pad, &ow_lo, &ow_hi);
        const float *row = col + ((size_t)(c * K + ki) * K + kj) * (size_t)ldcol;
        for (int oh = oh_lo; oh < oh_hi; oh++) {
          float *dst = channel + (size_t)(oh * S + ki - g->pad) * g->width;
          scatter_row(row + (size_t)oh * OW, S, kj - g->pad, ow_lo, ow_hi, dst);
        }
      }
    }
  }
}
