/* CPU kernels shared by the layers of the CPU backend (src/backend/cpu/).
 *
 * im2col turns a convolution into one matrix product: every kernel tap
 * (c, ki, kj) becomes a row, every output pixel a column, so that
 * W [OC x C*K*K] times the column matrix gives the output. The layers fold
 * the batch into the columns (sample b owns columns b*OH*OW .. +OH*OW), which
 * is why both kernels take the column matrix's row stride `ldcol`. */
#ifndef DLAB_CPU_KERNELS_H
#define DLAB_CPU_KERNELS_H

/* The geometry of a square-kernel convolution or pooling over one sample. */
typedef struct {
  int channels, height, width; /* input C, H, W */
  int kernel, stride, pad;     /* square kernel; the same stride and zero
                                  padding on both axes */
  int out_h, out_w;            /* (H + 2*pad - kernel) / stride + 1 */
} DlabConvGeom;

/* Fills `geom` and returns 0, or returns -1 without a message when the
 * kernel does not fit (an output side would be < 1) or an argument is out
 * of range; callers word the error for their layer. */
int dlab_conv_geom_init(DlabConvGeom *geom, int channels, int height, int width, int kernel,
                        int stride, int pad);

/* Writes the column matrix of one C x H x W image: row (c*K + ki)*K + kj,
 * column oh*OW + ow holds image[c][oh*stride - pad + ki][ow*stride - pad + kj]
 * (0 where that falls into the padding). Rows are `ldcol` floats apart
 * (ldcol >= OH*OW). */
void dlab_cpu_im2col(const DlabConvGeom *geom, const float *image, float *col, int ldcol);

/* The adjoint of im2col: overwrites `image` (C x H x W) with the sum of
 * every column entry that im2col would have read from each pixel. */
void dlab_cpu_col2im(const DlabConvGeom *geom, const float *col, int ldcol, float *image);

#endif
