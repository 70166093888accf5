/* CPU kernels shared by the layers of the CPU backend (src/backend/cpu/).
 *
 * im2col turns a convolution into one matrix product: every kernel tap
 * (c, ki, kj) becomes a row, every output pixel a column, so that
 * W [OC x C*K*K] times the column matrix gives the output. The layers fold
 * the batch into the columns (sample b owns columns b*OH*OW .. +OH*OW), which
 * is why both kernels take the column matrix's row stride `ldcol`. */
#ifndef DLAB_CPU_KERNELS_H
#define DLAB_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

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

/* ---- fused element-wise kernels (fused.c) ----
 *
 * The activations that a conv or linear layer can absorb: LeakyReLU with a
 * slope >= 0 (ReLU is slope 0). Their derivative can be read from the
 * output, since y > 0 exactly when x > 0, so the pre-activation values
 * need not be kept. */
typedef struct {
  int on;      /* 0: identity */
  float slope; /* y = x > 0 ? x : slope * x */
} DlabAct;

/* out[i] = ((float)in[i] / 255 - mean) * scale, i < n: a dataset's bytes
 * normalized as ToTensor and Normalize do (scale = 1 / std), each value
 * rounded as that scalar expression rounds. */
void dlab_cpu_normalize_bytes(const uint8_t *in, size_t n, float mean, float scale, float *out);

/* out[i] = act(in[i] + bias), i < n. in == out is allowed. */
void dlab_cpu_bias_act(const float *in, size_t n, float bias, DlabAct act, float *out);

/* y[r][c] = act(y[r][c] + bias[c]) over a rows x cols block whose rows
 * are ld floats apart; bias may be NULL. */
void dlab_cpu_bias_act_rows(float *y, int rows, int cols, int ld, const float *bias, DlabAct act);

/* out[c] = sum over the rows of x[r][c], for columns [c0, c1) of a
 * rows x cols matrix (float, row after row, as the bias gradient of a
 * linear layer has always been summed). */
void dlab_cpu_column_sums(const float *x, int rows, int cols, int c0, int c1, float *out);

/* dx[i] = dy[i] * act'(y[i]), read from the activation's output y. */
void dlab_cpu_act_backward(const float *dy, const float *y, size_t n, DlabAct act, float *dx);

/* The sum of x[0..n), in 16 float lanes added up in double at the end:
 * vector speed, and rows of up to a few thousand terms lose nothing that
 * matters (callers add many rows in double). */
double dlab_cpu_sum(const float *x, size_t n);

/* Max pooling of one h x w plane with a k x k window moved by k, no
 * padding, floor mode (the last h % k rows and w % k columns are not
 * read). out gets (h/k) x (w/k) maxima and arg the index in the plane of
 * each winner: the first maximum in row-major order, NaN winning, as
 * PyTorch's CPU kernel picks. */
void dlab_cpu_maxpool_plane(const float *in, int h, int w, int k, float *out, int32_t *arg);

/* The adjoint of dlab_cpu_maxpool_plane with the activation before it:
 * zeroes the h x w plane dst, then dst[arg[o]] = dy[o] * act'(y[o]) for each
 * of the n_out pooled outputs, y being the pooled (activated) values. */
void dlab_cpu_unpool_plane(const float *dy, const float *y, const int32_t *arg, int n_out,
                           DlabAct act, float *dst, int plane);

/* The same for 2x2 windows of an h x w plane, writing every element of
 * dst[0..plane) once (plane >= h*w; the rest is zeroed). */
void dlab_cpu_unpool2_plane(const float *dy, const float *y, const int32_t *arg, int h, int w, DlabAct act,
                            float *dst, int plane);

/* ---- direct stride-1 convolution (direct_conv.c) ----
 *
 * For processors with AVX2 (or AVX-512): a convolution of one sample
 * without im2col. The input is first laid out as K "shifted copies" per
 * channel (dlab_direct_shift: C*K*in_h*out_w floats instead of im2col's
 * C*K*K*out_h*out_w), then the kernel multiplies the weights with windows
 * of those copies. The input gradient of a stride-1 convolution is itself
 * such a convolution (of dY, padded by K-1-pad, with the kernel flipped and
 * the channel axes swapped), so one forward kernel serves both passes. */
typedef struct {
  int channels, height, width; /* input C, H, W (unpadded) */
  int kernel, pad;             /* square kernel, zero padding; stride 1 */
  int out_channels;
  int in_stride;               /* floats between input channels (>= H*W) */
  int in_h;                    /* H + 2*pad: rows of a shifted copy */
  int out_h, out_w;
  int out_stride;              /* floats between output channels (>= out_h*out_w) */
  size_t shift_stride;         /* floats of one sample's shifted copies */
} DlabDirectConv;

/* Whether the processor runs the direct kernels (AVX2 and FMA at least). */
int dlab_direct_conv_available(void);

/* Fills d (out_stride = out_h*out_w; in_stride 0 means H*W). Returns 0, or
 * -1 when the kernel does not fit. */
int dlab_direct_conv_init(DlabDirectConv *d, int channels, int height, int width, int kernel, int pad,
                          int out_channels, int in_stride);

/* The shifted copies of one C x H x W image (channels in_stride apart). */
void dlab_direct_shift(const DlabDirectConv *d, const float *image, float *shifted);

/* out[oc * out_stride + p] = act(bias[oc] + sum_k weight[oc][k] * column k
 * at pixel p), for one sample; weight is [OC][C][K][K]; bias may be NULL. */
void dlab_direct_forward(const DlabDirectConv *d, const float *weight, const float *shifted, const float *bias,
                         DlabAct act, float *out);

/* dw[oc][k] (+)= sum over `samples` samples and their pixels of
 * dy[oc][p] * column k at p. dy holds the samples one after the other,
 * out_channels * out_stride floats each, and must be zero from pixel
 * out_h*out_w up to the next multiple of 16 in every row; shifted holds the
 * samples' copies shift_stride floats apart. */
void dlab_direct_weight_grad(const DlabDirectConv *d, const float *dy, const float *shifted, int samples,
                             float *dw, int accumulate);

/* ---- the weight gradient with output channels in the lanes (direct_wgrad.c) ---- */

/* Whether dlab_direct_weight_grad_by_channel runs this layer here (AVX-512,
 * 16 output channels or more, 128 taps or more), where it is the faster of
 * the two. */
int dlab_direct_wgrad_by_channel(const DlabDirectConv *d);

/* Floats of the transposed dY that it needs for `samples` samples. */
size_t dlab_direct_dyt_floats(const DlabDirectConv *d, int samples);

/* The sums of dlab_direct_weight_grad, same arguments, through dyt: a
 * 64-byte aligned buffer of dlab_direct_dyt_floats(d, samples) floats that
 * it fills with dy transposed. */
void dlab_direct_weight_grad_by_channel(const DlabDirectConv *d, const float *dy, float *dyt, const float *shifted,
                                        int samples, float *dw, int accumulate);

/* ---- matrix products with operands read in place (gemm.c) ---- */

/* Whether dlab_gemm runs its AVX-512 tiles here (otherwise it is a plain
 * loop, for tests only: layers then call OpenBLAS). */
int dlab_gemm_available(void);

/* C = A B, an M x N result over K: a(m, k) = a[m * a_row + k * a_col] (so
 * A may be read transposed), b(k, n) = b[k * b_row + n], c(m, n) =
 * c[m * c_row + n], overwritten. Each c(m, n) is summed over k in order,
 * so the result does not depend on how callers cut C between threads. */
void dlab_gemm(int M, int N, int K, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *b,
               ptrdiff_t b_row, float *c, ptrdiff_t c_row);

/* dst[j * dst_row + i] = src[i * src_row + j] for a rows x cols block. */
void dlab_transpose(const float *src, int rows, int cols, ptrdiff_t src_row, float *dst, ptrdiff_t dst_row);

/* ---- optimizer updates (optim_kernels.c) ---- */

/* One SGD step of a tensor with torch.optim.SGD's rule (see optim.h). */
typedef struct {
  float lr, momentum, dampening, weight_decay;
  int nesterov;
  int first; /* the first step: the momentum buffer starts as the gradient */
} DlabSgdStep;

/* buf NULL: no momentum. */
void dlab_cpu_sgd_update(float *w, const float *grad, float *buf, size_t n, const DlabSgdStep *s);

/* One Adam/AdamW step of a tensor with torch.optim's rule:
 *   p = w * decay; g = grad + l2 * p; m = b1 m + (1-b1) g;
 *   v = b2 v + (1-b2) g g; w = p - step_size * m / (sqrt(v) / bc2_sqrt + eps)
 * (Adam: decay 1, l2 = weight decay; AdamW: decay 1 - lr wd, l2 0). */
typedef struct {
  float beta1, beta2, eps;
  float l2, decay;
  float step_size;             /* lr / (1 - beta1^t) */
  float bias_correction2_sqrt; /* sqrt(1 - beta2^t) */
} DlabAdamStep;

void dlab_cpu_adam_update(float *w, const float *grad, float *m, float *v, size_t n, const DlabAdamStep *s);

/* ---- batch normalization of flat features (norm_kernels.c) ----
 * x is rows x cols; each function handles the columns [c0, c1). */

/* mean[c] and the biased variance var[c] of each column (two passes). */
void dlab_cpu_bn_rows_stats(const float *x, int rows, int cols, int c0, int c1, double *mean, double *var);

/* y = act(x * scale[c] + shift[c]). */
void dlab_cpu_bn_rows_apply(const float *x, int rows, int cols, int c0, int c1, const float *scale,
                            const float *shift, DlabAct act, float *y);

/* With g = dy through the activation (read from its output y; y unused
 * when act is off): sum_dy[c] = sum g and sum_dy_xhat[c] = sum g * xhat,
 * xhat = (x - mean[c]) * invstd[c]. */
void dlab_cpu_bn_rows_grad_sums(const float *dy, const float *y, DlabAct act, const float *x, int rows,
                                int cols, int c0, int c1, const float *mean, const float *invstd,
                                double *sum_dy, double *sum_dy_xhat);

/* dx = k[c] * (g - mean_dy[c] - xhat * mean_dy_xhat[c]). */
void dlab_cpu_bn_rows_dx(const float *dy, const float *y, DlabAct act, const float *x, int rows, int cols,
                         int c0, int c1, const float *mean, const float *invstd, const float *k,
                         const float *mean_dy, const float *mean_dy_xhat, float *dx);

/* ---- batch normalization of images (norm_kernels.c) ----
 * One plane: the s values of one channel of one sample. Sums run in 16
 * float lanes added up in double (as dlab_cpu_sum): a plane has at most a
 * few thousand values, and callers add the planes in double. */

/* The sum of (x - mean)^2 over the plane. */
double dlab_cpu_bn_plane_sqdev(const float *x, size_t s, float mean);

/* y = act(x * scale + shift). */
void dlab_cpu_bn_plane_apply(const float *x, size_t s, float scale, float shift, DlabAct act, float *y);

/* With g = dy through the activation (read from its output y; y unused
 * when act is off): adds sum g to *sum_dy and sum g * (x - mean) to
 * *sum_dy_xc. */
void dlab_cpu_bn_plane_grad_sums(const float *dy, const float *y, DlabAct act, const float *x, size_t s,
                                 float mean, double *sum_dy, double *sum_dy_xc);

/* dx = k * (g - mean_dy - (x - mean) * invstd * mean_dy_xhat). */
void dlab_cpu_bn_plane_dx(const float *dy, const float *y, DlabAct act, const float *x, size_t s, float mean,
                          float invstd, float k, float mean_dy, float mean_dy_xhat, float *dx);

#endif
