/* Element-wise, pooling, BatchNorm, dropout, loss and optimizer kernels of
 * the CUDA backend (kernels.cuh). Each follows its CPU routine's formula;
 * where the CPU sums in a fixed order (pool gradients) the kernel gathers
 * the same terms in the same order instead of scattering with atomics, so
 * the results do not depend on scheduling. */
#include <math.h>

#include "cuda_common.cuh"
#include "kernels.cuh"

/* ---- activations ---- */

__device__ __forceinline__ float act_apply(float v, int act, float slope) {
  switch (act) {
    case DLAB_ACT_LEAKY: return v > 0.0f ? v : v * slope;
    case DLAB_ACT_GELU: return 0.5f * v * (1.0f + erff(v * (float)M_SQRT1_2));
    case DLAB_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case DLAB_ACT_TANH: return tanhf(v);
    default: return v;
  }
}

__global__ void bias_act_kernel(float *y, const float *bias, int rows, int cols, int act, float slope) {
  DLAB_GRID_STRIDE(i, (size_t)rows * cols) {
    float v = y[i] + (bias ? bias[i % cols] : 0.0f);
    y[i] = act == DLAB_ACT_LEAKY ? (v > 0.0f ? v : v * slope) : v;
  }
}

void dlab_k_bias_act(cudaStream_t s, float *y, const float *bias, int rows, int cols, int act, float slope) {
  size_t n = (size_t)rows * cols;
  bias_act_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(y, bias, rows, cols, act, slope);
}

__global__ void act_forward_kernel(const float *x, float *y, size_t n, int act, float slope) {
  DLAB_GRID_STRIDE(i, n) y[i] = act_apply(x[i], act, slope);
}

void dlab_k_act_forward(cudaStream_t s, const float *x, float *y, size_t n, int act, float slope) {
  act_forward_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(x, y, n, act, slope);
}

__global__ void act_backward_kernel(const float *x, const float *y, const float *dy, float *dx, size_t n, int act,
                                    float slope) {
  const float inv_sqrt_2pi = 0.3989422804014327f;
  DLAB_GRID_STRIDE(i, n) {
    float g = dy[i], out;
    switch (act) {
      case DLAB_ACT_LEAKY: out = x[i] > 0.0f ? g : g * slope; break;
      case DLAB_ACT_GELU: {
        float v = x[i];
        float cdf = 0.5f * (1.0f + erff(v * (float)M_SQRT1_2));
        float pdf = inv_sqrt_2pi * expf(-0.5f * v * v);
        out = g * (cdf + v * pdf);
        break;
      }
      case DLAB_ACT_SIGMOID: out = g * y[i] * (1.0f - y[i]); break;
      case DLAB_ACT_TANH: out = g * (1.0f - y[i] * y[i]); break;
      default: out = g;
    }
    dx[i] = out;
  }
}

void dlab_k_act_backward(cudaStream_t s, const float *x, const float *y, const float *dy, float *dx, size_t n,
                         int act, float slope) {
  act_backward_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(x, y, dy, dx, n, act, slope);
}

__global__ void act_backward_from_output_kernel(float *dy, const float *y, size_t n, float slope) {
  DLAB_GRID_STRIDE(i, n) if (!(y[i] > 0.0f)) dy[i] *= slope;
}

void dlab_k_act_backward_from_output(cudaStream_t s, float *dy, const float *y, size_t n, float slope) {
  act_backward_from_output_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(dy, y, n, slope);
}

/* ---- pooling ---- */

/* The part of window (oh, ow) inside the image (pool.c: window). */
__device__ __forceinline__ void pool_window(const DlabPoolGeom &g, int oh, int ow, int *h0, int *h1, int *w0,
                                            int *w1) {
  int top = oh * g.stride - g.pad, left = ow * g.stride - g.pad;
  *h0 = top > 0 ? top : 0;
  *w0 = left > 0 ? left : 0;
  *h1 = top + g.k < g.h ? top + g.k : g.h;
  *w1 = left + g.k < g.w ? left + g.k : g.w;
}

/* The outputs along one axis whose windows hold input coordinate v:
 * [*lo, *hi], empty when lo > hi. */
__device__ __forceinline__ void windows_holding(int v, int k, int stride, int pad, int out, int *lo, int *hi) {
  int first = v + pad - k + 1; /* o * stride >= first */
  *lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  int last = (v + pad) / stride; /* o * stride <= v + pad */
  *hi = last < out - 1 ? last : out - 1;
}

__global__ void maxpool_forward_kernel(DlabPoolGeom g, const float *x, float *y, int32_t *arg, int n) {
  const size_t total = (size_t)n * g.c * g.oh * g.ow;
  DLAB_GRID_STRIDE(i, total) {
    const int ow = (int)(i % g.ow), oh = (int)(i / g.ow % g.oh);
    const size_t plane = i / ((size_t)g.oh * g.ow);
    const float *in = x + plane * g.h * g.w;
    int h0, h1, w0, w1;
    pool_window(g, oh, ow, &h0, &h1, &w0, &w1);
    float best = -INFINITY; /* the padding's value */
    int32_t best_at = h0 * g.w + w0;
    for (int h = h0; h < h1; h++)
      for (int w = w0; w < w1; w++) {
        float v = in[h * g.w + w];
        if (v > best || isnan(v)) best = v, best_at = h * g.w + w;
      }
    y[i] = best;
    arg[i] = best_at;
  }
}

void dlab_k_maxpool_forward(cudaStream_t s, DlabPoolGeom g, const float *x, float *y, int32_t *arg, int n) {
  size_t total = (size_t)n * g.c * g.oh * g.ow;
  maxpool_forward_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, x, y, arg, n);
}

/* Each input pixel gathers the gradients of the windows it won, in the
 * order the CPU adds them (outputs in row-major order). */
__global__ void maxpool_backward_kernel(DlabPoolGeom g, const float *dy, const int32_t *arg, float *dx, int n) {
  const size_t total = (size_t)n * g.c * g.h * g.w;
  DLAB_GRID_STRIDE(i, total) {
    const int w = (int)(i % g.w), h = (int)(i / g.w % g.h);
    const size_t plane = i / ((size_t)g.h * g.w);
    const float *d = dy + plane * g.oh * g.ow;
    const int32_t *a = arg + plane * g.oh * g.ow;
    const int32_t me = h * g.w + w;
    int oh0, oh1, ow0, ow1;
    windows_holding(h, g.k, g.stride, g.pad, g.oh, &oh0, &oh1);
    windows_holding(w, g.k, g.stride, g.pad, g.ow, &ow0, &ow1);
    float sum = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++)
      for (int ow = ow0; ow <= ow1; ow++)
        if (a[oh * g.ow + ow] == me) sum += d[oh * g.ow + ow];
    dx[i] = sum;
  }
}

void dlab_k_maxpool_backward(cudaStream_t s, DlabPoolGeom g, const float *dy, const int32_t *arg, float *dx, int n) {
  size_t total = (size_t)n * g.c * g.h * g.w;
  maxpool_backward_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, dy, arg, dx, n);
}

/* count_include_pad: the divisor is always k*k in floor mode. */
__global__ void avgpool_forward_kernel(DlabPoolGeom g, const float *x, float *y, int n) {
  const float scale = 1.0f / (float)(g.k * g.k);
  const size_t total = (size_t)n * g.c * g.oh * g.ow;
  DLAB_GRID_STRIDE(i, total) {
    const int ow = (int)(i % g.ow), oh = (int)(i / g.ow % g.oh);
    const float *in = x + i / ((size_t)g.oh * g.ow) * g.h * g.w;
    int h0, h1, w0, w1;
    pool_window(g, oh, ow, &h0, &h1, &w0, &w1);
    float sum = 0.0f;
    for (int h = h0; h < h1; h++)
      for (int w = w0; w < w1; w++) sum += in[h * g.w + w];
    y[i] = sum * scale;
  }
}

void dlab_k_avgpool_forward(cudaStream_t s, DlabPoolGeom g, const float *x, float *y, int n) {
  size_t total = (size_t)n * g.c * g.oh * g.ow;
  avgpool_forward_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, x, y, n);
}

__global__ void avgpool_backward_kernel(DlabPoolGeom g, const float *dy, float *dx, int n) {
  const float scale = 1.0f / (float)(g.k * g.k);
  const size_t total = (size_t)n * g.c * g.h * g.w;
  DLAB_GRID_STRIDE(i, total) {
    const int w = (int)(i % g.w), h = (int)(i / g.w % g.h);
    const float *d = dy + i / ((size_t)g.h * g.w) * g.oh * g.ow;
    int oh0, oh1, ow0, ow1;
    windows_holding(h, g.k, g.stride, g.pad, g.oh, &oh0, &oh1);
    windows_holding(w, g.k, g.stride, g.pad, g.ow, &ow0, &ow1);
    float sum = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++)
      for (int ow = ow0; ow <= ow1; ow++) sum += d[oh * g.ow + ow] * scale;
    dx[i] = sum;
  }
}

void dlab_k_avgpool_backward(cudaStream_t s, DlabPoolGeom g, const float *dy, float *dx, int n) {
  size_t total = (size_t)n * g.c * g.h * g.w;
  avgpool_backward_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, dy, dx, n);
}

/* ---- BatchNorm: one block per channel ---- */

#define BN_THREADS 256

/* Sum of a double over the block; every thread gets the result. */
__device__ double block_sum(double v, double *shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if ((int)threadIdx.x < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
    __syncthreads();
  }
  double total = shared[0];
  __syncthreads();
  return total;
}

/* Element e (< n * spatial) of channel c. */
__device__ __forceinline__ size_t bn_at(const DlabBnArgs &a, int c, size_t e) {
  size_t b = e / a.spatial, i = e % a.spatial;
  return (b * a.c + c) * a.spatial + i;
}

__global__ void bn_forward_kernel(DlabBnArgs a, const float *x, float *y, int n, int training) {
  __shared__ double shared[BN_THREADS];
  const int c = blockIdx.x;
  const size_t count = (size_t)n * a.spatial;
  float mean, invstd;
  if (training) {
    double sum = 0;
    for (size_t e = threadIdx.x; e < count; e += blockDim.x) sum += x[bn_at(a, c, e)];
    const double nn = (double)count, m = block_sum(sum, shared) / nn;
    double sq = 0;
    for (size_t e = threadIdx.x; e < count; e += blockDim.x) {
      double d = x[bn_at(a, c, e)] - m;
      sq += d * d;
    }
    const double var = block_sum(sq, shared) / nn;
    mean = (float)m;
    invstd = (float)(1.0 / sqrt(var + a.eps));
    if (threadIdx.x == 0) {
      const float mo = a.momentum;
      const double unbiased = nn > 1 ? var * nn / (nn - 1) : var;
      a.running_mean[c] = (1 - mo) * a.running_mean[c] + mo * (float)m;
      a.running_var[c] = (1 - mo) * a.running_var[c] + mo * (float)unbiased;
    }
  } else {
    mean = a.running_mean[c];
    invstd = 1.0f / sqrtf(a.running_var[c] + a.eps);
  }
  if (threadIdx.x == 0) {
    a.save_mean[c] = mean;
    a.save_invstd[c] = invstd;
  }
  const float scale = a.gamma[c] * invstd, shift = a.beta[c] - mean * scale;
  for (size_t e = threadIdx.x; e < count; e += blockDim.x) {
    size_t at = bn_at(a, c, e);
    y[at] = x[at] * scale + shift;
  }
}

void dlab_k_bn_forward(cudaStream_t s, DlabBnArgs a, const float *x, float *y, int n, int training) {
  bn_forward_kernel<<<a.c, BN_THREADS, 0, s>>>(a, x, y, n, training);
}

__global__ void bn_backward_kernel(DlabBnArgs a, const float *x, const float *dy, float *dx, float *dgamma,
                                   float *dbeta, int n, int trained) {
  __shared__ double shared[BN_THREADS];
  const int c = blockIdx.x;
  const size_t count = (size_t)n * a.spatial;
  const float mean = a.save_mean[c], invstd = a.save_invstd[c];
  double s_dy = 0, s_dy_xhat = 0;
  for (size_t e = threadIdx.x; e < count; e += blockDim.x) {
    size_t at = bn_at(a, c, e);
    s_dy += dy[at];
    s_dy_xhat += (double)dy[at] * (x[at] - mean) * invstd;
  }
  const double sum_dy = block_sum(s_dy, shared), sum_dy_xhat = block_sum(s_dy_xhat, shared);
  if (threadIdx.x == 0) {
    dgamma[c] = (float)sum_dy_xhat;
    dbeta[c] = (float)sum_dy;
  }
  if (!dx) return;
  const double nn = (double)count;
  const float k = a.gamma[c] * invstd;
  const float mean_dy = trained ? (float)(sum_dy / nn) : 0.0f;
  const float mean_dy_xhat = trained ? (float)(sum_dy_xhat / nn) : 0.0f;
  for (size_t e = threadIdx.x; e < count; e += blockDim.x) {
    size_t at = bn_at(a, c, e);
    float xhat = (x[at] - mean) * invstd;
    dx[at] = k * (dy[at] - mean_dy - xhat * mean_dy_xhat);
  }
}

void dlab_k_bn_backward(cudaStream_t s, DlabBnArgs a, const float *x, const float *dy, float *dx, float *dgamma,
                        float *dbeta, int n, int trained) {
  bn_backward_kernel<<<a.c, BN_THREADS, 0, s>>>(a, x, dy, dx, dgamma, dbeta, n, trained);
}

/* ---- dropout ---- */

/* splitmix64's finalizer: a counter-based generator, so every element draws
 * independently of the others and of the thread that handles it. */
__device__ __forceinline__ uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

__global__ void dropout_forward_kernel(const float *x, float *y, float *mask, size_t n, float p, int given,
                                       uint64_t seed, const unsigned long long *iter) {
  const float keep_scale = 1.0f / (1.0f - p);
  const uint64_t stream = mix64(seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(*iter + 1)));
  DLAB_GRID_STRIDE(i, n) {
    float m;
    if (given) {
      m = mask[i];
    } else {
      uint64_t r = mix64(stream + 0xd1342543de82ef95ULL * (uint64_t)(i + 1));
      float u = (float)(r >> 40) * (1.0f / 16777216.0f);
      m = u < p ? 0.0f : keep_scale;
      mask[i] = m;
    }
    y[i] = x[i] * m;
  }
}

void dlab_k_dropout_forward(cudaStream_t s, const float *x, float *y, float *mask, size_t n, float p, int given,
                            uint64_t seed, const unsigned long long *iter) {
  dropout_forward_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(x, y, mask, n, p, given, seed, iter);
}

__global__ void dropout_backward_kernel(const float *dy, const float *mask, float *dx, size_t n) {
  DLAB_GRID_STRIDE(i, n) dx[i] = dy[i] * mask[i];
}

void dlab_k_dropout_backward(cudaStream_t s, const float *dy, const float *mask, float *dx, size_t n) {
  dropout_backward_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(dy, mask, dx, n);
}

/* ---- cross-entropy: one block, so the batch's sums have a fixed order ---- */

#define LOSS_THREADS 256

__global__ void cross_entropy_kernel(const float *logits, const uint8_t *labels, int n, int k, float smoothing,
                                     float *dlogits, DlabCudaStepStats *stats, const int *pos, double *acc_loss,
                                     unsigned long long *acc_correct, int *confusion) {
  __shared__ double loss_part[LOSS_THREADS];
  __shared__ int correct_part[LOSS_THREADS];
  const double off = (double)smoothing / k, on = 1.0 - smoothing + off;
  double loss = 0;
  int correct = 0;
  for (int b = threadIdx.x; b < n; b += blockDim.x) {
    const float *z = logits + (size_t)b * k;
    float max = z[0];
    int best = 0;
    for (int i = 1; i < k; i++) {
      if (z[i] > max) max = z[i];
      if (z[i] > z[best]) best = i;
    }
    double sum = 0;
    for (int i = 0; i < k; i++) sum += exp((double)(z[i] - max));
    const double lse = max + log(sum);
    const int y = labels[b];
    /* A sample of no class (DLAB_LABEL_NONE) aims at 1/k everywhere. */
    const int scored = y < k;
    const double q_y = scored ? on : 1.0 / k, q_other = scored ? off : 1.0 / k;
    double qz = 0;
    for (int i = 0; i < k; i++) qz += (i == y ? q_y : q_other) * z[i];
    loss += lse - qz;
    correct += scored && best == y;
    if (confusion && scored) atomicAdd(&confusion[y * k + best], 1);
    if (dlogits) {
      float *g = dlogits + (size_t)b * k;
      for (int i = 0; i < k; i++) {
        double p = exp((double)z[i] - lse);
        g[i] = (float)((p - (i == y ? q_y : q_other)) / n);
      }
    }
  }
  loss_part[threadIdx.x] = loss;
  correct_part[threadIdx.x] = correct;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if ((int)threadIdx.x < stride) {
      loss_part[threadIdx.x] += loss_part[threadIdx.x + stride];
      correct_part[threadIdx.x] += correct_part[threadIdx.x + stride];
    }
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  if (stats) {
    DlabCudaStepStats *out = stats + (pos ? *pos : 0);
    out->loss = (float)(n ? loss_part[0] / n : 0.0);
    out->correct = correct_part[0];
  }
  if (acc_loss) *acc_loss += loss_part[0];
  if (acc_correct) *acc_correct += (unsigned long long)correct_part[0];
}

void dlab_k_cross_entropy(cudaStream_t s, const float *logits, const uint8_t *labels, int n, int k, float smoothing,
                          float *dlogits, DlabCudaStepStats *stats, const int *pos, double *acc_loss,
                          unsigned long long *acc_correct, int *confusion) {
  cross_entropy_kernel<<<1, LOSS_THREADS, 0, s>>>(logits, labels, n, k, smoothing, dlogits, stats, pos, acc_loss,
                                                  acc_correct, confusion);
}

/* ---- optimizers (optim.c: sgd_update, adam_update) ---- */

__global__ void sgd_kernel(DlabOptimArgs a, float *w, const float *grad, float *buf, size_t n,
                           const DlabCudaScalars *sched, const int *pos) {
  const DlabCudaScalars sc = sched[*pos];
  DLAB_GRID_STRIDE(i, n) {
    float g = grad[i] + a.weight_decay * w[i];
    if (buf) {
      buf[i] = sc.first ? g : a.momentum * buf[i] + (1 - a.dampening) * g;
      g = a.nesterov ? g + a.momentum * buf[i] : buf[i];
    }
    w[i] -= sc.lr * g;
  }
}

__global__ void adam_kernel(DlabOptimArgs a, float *w, const float *grad, float *m, float *v, size_t n,
                            const DlabCudaScalars *sched, const int *pos) {
  const DlabCudaScalars sc = sched[*pos];
  const float l2 = a.kind == DLAB_OPTIM_ADAMW ? 0.0f : a.weight_decay;
  DLAB_GRID_STRIDE(i, n) {
    float wi = w[i] * sc.decay;
    float g = grad[i] + l2 * wi;
    float mi = a.beta1 * m[i] + (1 - a.beta1) * g;
    float vi = a.beta2 * v[i] + (1 - a.beta2) * g * g;
    float denom = sqrtf(vi) / sc.bc2_sqrt + a.eps;
    m[i] = mi;
    v[i] = vi;
    w[i] = wi - sc.step_size * (mi / denom);
  }
}

void dlab_k_optimizer(cudaStream_t s, DlabOptimArgs a, float *w, const float *grad, float *state0, float *state1,
                      size_t n, const DlabCudaScalars *sched, const int *pos) {
  if (a.kind == DLAB_OPTIM_SGD)
    sgd_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(a, w, grad, state0, n, sched, pos);
  else
    adam_kernel<<<dlab_grid(n), DLAB_THREADS, 0, s>>>(a, w, grad, state0, state1, n, sched, pos);
}

__global__ void advance_kernel(int *pos, unsigned long long *iter) {
  (*pos)++;
  (*iter)++;
}

void dlab_k_advance(cudaStream_t s, int *pos, unsigned long long *iter) { advance_kernel<<<1, 1, 0, s>>>(pos, iter); }
