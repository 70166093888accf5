/* The CUDA backend's kernels, as host functions that queue them on a
 * stream. Each mirrors a CPU routine of src/nn (named beside it) closely
 * enough that the two agree to rounding: same formulas, same order of the
 * terms where a sum decides the result (pool gradients, BatchNorm sums in
 * double). Batch tensors are NCHW as on the CPU. Not public API. */
#ifndef DLAB_CUDA_KERNELS_CUH
#define DLAB_CUDA_KERNELS_CUH

#include <cuda_runtime.h>
#include <stdint.h>

#include "cuda_internal.h"

/* Activations (activation.c). LEAKY with slope 0 is ReLU. */
enum { DLAB_ACT_NONE = 0, DLAB_ACT_LEAKY = 1, DLAB_ACT_GELU = 2, DLAB_ACT_SIGMOID = 3, DLAB_ACT_TANH = 4 };

/* ---- element-wise (kernels_nn.cu) ---- */

/* y[r][c] = act(y[r][c] + bias[c]) for a rows x cols matrix; bias may be
 * NULL; act NONE or LEAKY (linear.c + fused.c). */
void dlab_k_bias_act(cudaStream_t s, float *y, const float *bias, int rows, int cols, int act, float slope);

/* y = act(x), any activation kind. */
void dlab_k_act_forward(cudaStream_t s, const float *x, float *y, size_t n, int act, float slope);

/* dx = dy * act'(.), from the input x (LEAKY, GELU) or the output y
 * (SIGMOID, TANH), as activation.c. */
void dlab_k_act_backward(cudaStream_t s, const float *x, const float *y, const float *dy, float *dx,
                         size_t n, int act, float slope);

/* dy *= act'(y) in place for an absorbed LEAKY (slope >= 0): y > 0 ? 1 : slope. */
void dlab_k_act_backward_from_output(cudaStream_t s, float *dy, const float *y, size_t n, float slope);

/* ---- pooling (pool.c) ---- */

typedef struct {
  int c, h, w;       /* input plane count per sample and size */
  int k, stride, pad;
  int oh, ow;
} DlabPoolGeom;

void dlab_k_maxpool_forward(cudaStream_t s, DlabPoolGeom g, const float *x, float *y, int32_t *arg, int n);
void dlab_k_maxpool_backward(cudaStream_t s, DlabPoolGeom g, const float *dy, const int32_t *arg, float *dx, int n);
void dlab_k_avgpool_forward(cudaStream_t s, DlabPoolGeom g, const float *x, float *y, int n);
void dlab_k_avgpool_backward(cudaStream_t s, DlabPoolGeom g, const float *dy, float *dx, int n);

/* ---- BatchNorm (batchnorm.c): a batch seen as n x c x spatial ---- */

typedef struct {
  int c, spatial;
  float eps, momentum;
  const float *gamma, *beta;
  float *running_mean, *running_var;
  float *save_mean, *save_invstd; /* what the last forward used, per channel */
} DlabBnArgs;

void dlab_k_bn_forward(cudaStream_t s, DlabBnArgs a, const float *x, float *y, int n, int training);
/* dgamma, dbeta and (dx not NULL) dx; `trained`: the forward used batch statistics. */
void dlab_k_bn_backward(cudaStream_t s, DlabBnArgs a, const float *x, const float *dy, float *dx, float *dgamma,
                        float *dbeta, int n, int trained);

/* ---- dropout (dropout.c) ---- */

/* Training with p > 0: mask[i] = 0 with probability p, else 1/(1-p) (drawn
 * from a hash of seed, the global step *iter and i, unless `given`, when
 * mask already holds one), and y = x * mask. */
void dlab_k_dropout_forward(cudaStream_t s, const float *x, float *y, float *mask, size_t n, float p, int given,
                            uint64_t seed, const unsigned long long *iter);
void dlab_k_dropout_backward(cudaStream_t s, const float *dy, const float *mask, float *dx, size_t n);

/* ---- loss (loss.c) ---- */

/* Softmax cross-entropy with label smoothing over n x k logits. Writes, each
 * when not NULL: dlogits ((p - q) / n); stats[*pos] (mean loss, correct);
 * *acc_loss += summed loss, *acc_correct += correct, confusion[y*k + argmax]++. */
void dlab_k_cross_entropy(cudaStream_t s, const float *logits, const uint8_t *labels, int n, int k, float smoothing,
                          float *dlogits, DlabCudaStepStats *stats, const int *pos, double *acc_loss,
                          unsigned long long *acc_correct, int *confusion);

/* ---- optimizers (optim.c), over one flat buffer of all parameters ---- */

typedef struct {
  int kind; /* DLAB_OPTIM_* */
  float momentum, dampening, weight_decay;
  int nesterov;
  float beta1, beta2, eps;
} DlabOptimArgs;

/* One update with the scalars sched[*pos]. state0/state1: momentum buffer
 * (SGD with momentum), or exp_avg and exp_avg_sq (Adam, AdamW). */
void dlab_k_optimizer(cudaStream_t s, DlabOptimArgs a, float *w, const float *grad, float *state0, float *state1,
                      size_t n, const DlabCudaScalars *sched, const int *pos);

/* End of a step: (*pos)++, (*iter)++. */
void dlab_k_advance(cudaStream_t s, int *pos, unsigned long long *iter);

/* ---- convolution (conv2d.c, im2col.c) ---- */

typedef struct {
  int c, h, w;        /* input */
  int oc, k, stride, pad;
  int oh, ow;         /* output */
} DlabConvGeom2;

/* col [c*k*k][n*oh*ow] of the n samples starting at x (sample-major columns). */
void dlab_k_im2col(cudaStream_t s, DlabConvGeom2 g, const float *x, int n, float *col);
/* The adjoint: dx (n samples) = the sum of every column entry read from each pixel. */
void dlab_k_col2im(cudaStream_t s, DlabConvGeom2 g, const float *col, int n, float *dx);

/* gemm [oc][n*P] -> y (NCHW, n samples) = act(gemm + bias). */
void dlab_k_conv_out(cudaStream_t s, DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act,
                     float slope, float *y);
/* The same followed by max pooling k x k, stride k: y (n x oc x oh/k x ow/k)
 * and arg (the winner's index in its oh x ow plane). */
void dlab_k_conv_out_pool(cudaStream_t s, DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act,
                          float slope, int pool, float *y, int32_t *arg);
/* dgemm [oc][n*P] from the gradient dy of the conv's (activated, pooled)
 * output y: through the pooling winners and act'(y). */
void dlab_k_conv_dgemm(cudaStream_t s, DlabConvGeom2 g, const float *dy, const float *y, const int32_t *arg,
                       int n, int act, float slope, int pool, float *dgemm);

/* ---- data (kernels_data.cu) ---- */

/* Where a batch's samples come from: sample b of the batch is
 * order[first + b] (or first + b without an order), with
 * first = base + (*pos) * stride (base alone when pos is NULL). */
typedef struct {
  const uint32_t *order;
  const int *pos;
  long base;
  int stride;
} DlabBatchSource;

/* x[b] = table[c][images[sample]] (the CPU's normalization table), labels too. */
void dlab_k_gather(cudaStream_t s, DlabBatchSource src, const uint8_t *images, const uint8_t *labels, int count,
                   int c, int h, int w, const float *table, float *x, uint8_t *labels_out);

/* A transform list for the GPU: the steps, their scratch needs. */
#define DLAB_CUDA_MAX_STEPS 16
typedef struct {
  int kind; /* DLAB_TF_* */
  float fill;
  float degrees, translate[2], scale[2], shear;
  int size, padding;
  float p, alpha;
  int radius;          /* elastic: Gaussian taps = 2 * radius + 1 */
  const float *kernel; /* elastic: the taps (device memory) */
} DlabCudaStep;

typedef struct {
  int n;
  DlabCudaStep steps[DLAB_CUDA_MAX_STEPS];
  float mean[3], inv_std[3];
  uint64_t seed;
} DlabCudaAugment;

/* Scratch floats per sample: two image planes and three fields. */
static __host__ __device__ inline size_t dlab_augment_scratch_floats(int c, int h, int w) {
  return 2 * (size_t)c * h * w + 3 * (size_t)h * w;
}

/* The augmentation pipeline (transform.c) on count samples, epoch *epoch. */
void dlab_k_augment(cudaStream_t s, const DlabCudaAugment *aug, DlabBatchSource src, const uint8_t *images,
                    const uint8_t *labels, int count, int c, int h, int w, const int *epoch, float *scratch,
                    float *x, uint8_t *labels_out);

#endif
