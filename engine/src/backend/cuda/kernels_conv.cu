/* The convolution's own kernels (kernels.cuh): im2col and its adjoint, and
 * the epilogues around the cuBLAS product, as conv2d.c does it on the CPU.
 *
 * A chunk of n samples becomes one product
 *   gemm [OC][n*P] = W [OC][C*K*K] x col [C*K*K][n*P]      (P = OH*OW)
 * with sample b owning columns b*P .. b*P + P - 1. The epilogue adds the
 * bias, applies an absorbed activation and max pooling, and writes NCHW;
 * backward builds dgemm [OC][n*P] from the output gradient through the
 * pooling winners and the activation's derivative, for the two products
 * dW = dgemm x col^T and dcol = W^T x dgemm, and col2im brings dcol back to
 * images. Consecutive threads take consecutive columns, so the column
 * matrices are read and written in full lines. */
#include "cuda_common.cuh"
#include "kernels.cuh"

static inline size_t out_pixels(const DlabConvGeom2 &g) { return (size_t)g.oh * g.ow; }

__global__ void im2col_kernel(DlabConvGeom2 g, const float *x, int n, float *col) {
  const size_t P = (size_t)g.oh * g.ow, columns = (size_t)n * P;
  const size_t total = (size_t)g.c * g.k * g.k * columns;
  DLAB_GRID_STRIDE(i, total) {
    const size_t j = i % columns, row = i / columns;
    const int b = (int)(j / P), p = (int)(j % P);
    const int oh = p / g.ow, ow = p % g.ow;
    const int kw = (int)(row % g.k), kh = (int)(row / g.k % g.k), c = (int)(row / ((size_t)g.k * g.k));
    const int ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
    float v = 0.0f;
    if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) v = x[(((size_t)b * g.c + c) * g.h + ih) * g.w + iw];
    col[i] = v;
  }
}

void dlab_k_im2col(cudaStream_t s, DlabConvGeom2 g, const float *x, int n, float *col) {
  size_t total = (size_t)g.c * g.k * g.k * n * out_pixels(g);
  im2col_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, x, n, col);
}

/* Each input pixel sums the column entries that read it, taps in row-major
 * order (no atomics: the same sum whatever the scheduling). */
__global__ void col2im_kernel(DlabConvGeom2 g, const float *col, int n, float *dx) {
  const size_t P = (size_t)g.oh * g.ow, columns = (size_t)n * P;
  const size_t total = (size_t)n * g.c * g.h * g.w;
  DLAB_GRID_STRIDE(i, total) {
    const int w = (int)(i % g.w), h = (int)(i / g.w % g.h);
    const int c = (int)(i / ((size_t)g.w * g.h) % g.c), b = (int)(i / ((size_t)g.w * g.h * g.c));
    float sum = 0.0f;
    for (int kh = 0; kh < g.k; kh++) {
      const int th = h + g.pad - kh; /* = oh * stride */
      if (th < 0 || th % g.stride) continue;
      const int oh = th / g.stride;
      if (oh >= g.oh) continue;
      for (int kw = 0; kw < g.k; kw++) {
        const int tw = w + g.pad - kw;
        if (tw < 0 || tw % g.stride) continue;
        const int ow = tw / g.stride;
        if (ow >= g.ow) continue;
        const size_t row = ((size_t)c * g.k + kh) * g.k + kw;
        sum += col[row * columns + (size_t)b * P + (size_t)oh * g.ow + ow];
      }
    }
    dx[i] = sum;
  }
}

void dlab_k_col2im(cudaStream_t s, DlabConvGeom2 g, const float *col, int n, float *dx) {
  size_t total = (size_t)n * g.c * g.h * g.w;
  col2im_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, col, n, dx);
}

__device__ __forceinline__ float leaky(float v, int act, float slope) {
  return act == DLAB_ACT_LEAKY ? (v > 0.0f ? v : v * slope) : v;
}

/* Threads walk the output in NCHW order; within a plane consecutive
 * threads read consecutive gemm columns. */
__global__ void conv_out_kernel(DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act, float slope,
                                float *y) {
  const size_t P = (size_t)g.oh * g.ow, columns = (size_t)n * P;
  const size_t total = (size_t)n * g.oc * P;
  DLAB_GRID_STRIDE(i, total) {
    const size_t p = i % P;
    const int oc = (int)(i / P % g.oc), b = (int)(i / (P * g.oc));
    float v = gemm[(size_t)oc * columns + (size_t)b * P + p] + (bias ? bias[oc] : 0.0f);
    y[i] = leaky(v, act, slope);
  }
}

void dlab_k_conv_out(cudaStream_t s, DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act,
                     float slope, float *y) {
  size_t total = (size_t)n * g.oc * out_pixels(g);
  conv_out_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, gemm, bias, n, act, slope, y);
}

/* One thread per pooled output: its k x k window of activated values, the
 * first maximum in row-major order winning, NaN winning (fused.c: max4). */
__global__ void conv_out_pool_kernel(DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act,
                                     float slope, int pool, float *y, int32_t *arg) {
  const size_t P = (size_t)g.oh * g.ow, columns = (size_t)n * P;
  const int ph = g.oh / pool, pw = g.ow / pool;
  const size_t total = (size_t)n * g.oc * ph * pw;
  DLAB_GRID_STRIDE(i, total) {
    const int x0 = (int)(i % pw) * pool, y0 = (int)(i / pw % ph) * pool;
    const int oc = (int)(i / ((size_t)pw * ph) % g.oc), b = (int)(i / ((size_t)pw * ph * g.oc));
    const float *plane = gemm + (size_t)oc * columns + (size_t)b * P;
    const float add = bias ? bias[oc] : 0.0f;
    float best = 0.0f;
    int32_t at = 0;
    for (int r = 0; r < pool; r++)
      for (int q = 0; q < pool; q++) {
        const int32_t idx = (y0 + r) * g.ow + x0 + q;
        const float v = leaky(plane[idx] + add, act, slope);
        if ((r == 0 && q == 0) || v > best || isnan(v)) best = v, at = idx;
      }
    y[i] = best;
    arg[i] = at;
  }
}

void dlab_k_conv_out_pool(cudaStream_t s, DlabConvGeom2 g, const float *gemm, const float *bias, int n, int act,
                          float slope, int pool, float *y, int32_t *arg) {
  size_t total = (size_t)n * g.oc * (g.oh / pool) * (g.ow / pool);
  conv_out_pool_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, gemm, bias, n, act, slope, pool, y, arg);
}

__device__ __forceinline__ float act_grad(float dy, float y, int act, float slope) {
  return act == DLAB_ACT_LEAKY && !(y > 0.0f) ? dy * slope : dy;
}

__global__ void conv_dgemm_kernel(DlabConvGeom2 g, const float *dy, const float *y, const int32_t *arg, int n,
                                  int act, float slope, int pool, float *dgemm) {
  const size_t P = (size_t)g.oh * g.ow, columns = (size_t)n * P;
  const size_t total = (size_t)g.oc * columns;
  DLAB_GRID_STRIDE(i, total) {
    const size_t j = i % columns;
    const int oc = (int)(i / columns), b = (int)(j / P), p = (int)(j % P);
    float v = 0.0f;
    if (pool) {
      const int ph = g.oh / pool, pw = g.ow / pool;
      const int qh = p / g.ow / pool, qw = p % g.ow / pool;
      if (qh < ph && qw < pw) {
        const size_t q = (((size_t)b * g.oc + oc) * ph + qh) * pw + qw;
        if (arg[q] == p) v = act_grad(dy[q], y[q], act, slope);
      }
    } else {
      const size_t q = ((size_t)b * g.oc + oc) * P + p;
      v = act_grad(dy[q], y[q], act, slope);
    }
    dgemm[i] = v;
  }
}

void dlab_k_conv_dgemm(cudaStream_t s, DlabConvGeom2 g, const float *dy, const float *y, const int32_t *arg, int n,
                       int act, float slope, int pool, float *dgemm) {
  size_t total = (size_t)g.oc * n * out_pixels(g);
  conv_dgemm_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(g, dy, y, arg, n, act, slope, pool, dgemm);
}
