/* Batches made on the GPU (kernels.cuh): gathering uint8 samples into a
 * normalized float batch, and the augmentation pipeline of transform.c.
 *
 * The augmentation draws from the very generator the CPU uses (xoshiro256**
 * seeded through splitmix64, one stream per sample and epoch:
 * dlab_transform_rng), in the same order, and computes with the same float
 * operations, rounded one at a time (the __f*_rn intrinsics keep the
 * compiler from fusing a multiply and an add, which the CPU build does not
 * do either). So a GPU batch is the CPU's batch. One block makes one
 * sample: thread 0 draws a step's parameters, then all threads apply it. */
#include <math.h>

#include "cuda_common.cuh"
#include "kernels.cuh"
#include "core/rng_core.h"
#include "transforms/inverse_map.h"

#define AUGMENT_STREAM 0x4155474d454e54ULL /* transform.c's "AUGMENT" */
#define AUGMENT_THREADS 128

/* ---- where a batch comes from ---- */

__device__ __forceinline__ long batch_first(const DlabBatchSource &src) {
  return src.base + (src.pos ? (long)*src.pos * src.stride : 0);
}

__device__ __forceinline__ uint32_t batch_sample(const DlabBatchSource &src, long first, int b) {
  return src.order ? src.order[first + b] : (uint32_t)(first + b);
}

__global__ void gather_kernel(DlabBatchSource src, const uint8_t *images, const uint8_t *labels, int count, int c,
                              int plane, const float *table, float *x, uint8_t *labels_out) {
  const long first = batch_first(src);
  const size_t sample = (size_t)c * plane, total = (size_t)count * sample;
  DLAB_GRID_STRIDE(i, total) {
    const int b = (int)(i / sample);
    const size_t r = i % sample;
    const uint32_t s = batch_sample(src, first, b);
    const int ch = (int)(r / plane);
    x[i] = table[ch * 256 + images[(size_t)s * sample + r]];
    if (r == 0 && labels_out) labels_out[b] = labels[s];
  }
}

void dlab_k_gather(cudaStream_t s, DlabBatchSource src, const uint8_t *images, const uint8_t *labels, int count,
                   int c, int h, int w, const float *table, float *x, uint8_t *labels_out) {
  size_t total = (size_t)count * c * h * w;
  gather_kernel<<<dlab_grid(total), DLAB_THREADS, 0, s>>>(src, images, labels, count, c, h * w, table, x,
                                                          labels_out);
}

/* ---- the CPU's generator (rng.c) ---- */

/* The integers come from rng_core.h, the CPU's own code. */

/* The floats as rng.c makes them, with rounding spelled out so that nvcc
 * does not contract them into fused multiply-adds the CPU does not do. */
__device__ float rng_uniform(DlabRng *r) { return __fmul_rn((float)(dlab_rng_core_u64(r) >> 40), 1.0f / 16777216.0f); }

__device__ float rng_range(DlabRng *r, float lo, float hi) {
  return __fadd_rn(lo, __fmul_rn(__fsub_rn(hi, lo), rng_uniform(r)));
}

/* ---- inverse maps: transforms/inverse_map.h, the CPU's own code ---- */

/* ---- one sample, one block ---- */

/* What thread 0 drew for the current step, for every thread to use. */
typedef struct {
  float map[6];
  int oy, ox;
  int wrote; /* the step writes a new image (else it leaves it as it was) */
} Drawn;

/* Thread 0: the parameters of step `st`, drawn in transform.c's order. */
__device__ void draw_step(const DlabCudaStep &st, DlabRng *rng, int h, int w, float *fdx, float *fdy, Drawn *d) {
  d->wrote = 1;
  switch (st.kind) {
    case DLAB_TF_ROTATE:
      dlab_rotation_inverse(rng_range(rng, -st.degrees, st.degrees), h, w, d->map);
      break;
    case DLAB_TF_AFFINE: {
      float angle = rng_range(rng, -st.degrees, st.degrees);
      float max_dx = __fmul_rn(st.translate[0], (float)w), max_dy = __fmul_rn(st.translate[1], (float)h);
      float tx = roundf(rng_range(rng, -max_dx, max_dx));
      float ty = roundf(rng_range(rng, -max_dy, max_dy));
      float scale = rng_range(rng, st.scale[0], st.scale[1]);
      float shear = rng_range(rng, -st.shear, st.shear);
      dlab_affine_inverse(angle, tx, ty, scale, shear, 0.0f, h, w, d->map);
      break;
    }
    case DLAB_TF_CROP:
      d->oy = (int)dlab_rng_core_below(rng, (uint32_t)(h + 2 * st.padding - st.size + 1));
      d->ox = (int)dlab_rng_core_below(rng, (uint32_t)(w + 2 * st.padding - st.size + 1));
      break;
    case DLAB_TF_HFLIP:
      d->wrote = !(rng_uniform(rng) >= st.p);
      break;
    case DLAB_TF_ELASTIC: {
      const int plane = h * w;
      for (int i = 0; i < plane; i++) fdx[i] = __fsub_rn(__fmul_rn(rng_uniform(rng), 2.0f), 1.0f);
      for (int i = 0; i < plane; i++) fdy[i] = __fsub_rn(__fmul_rn(rng_uniform(rng), 2.0f), 1.0f);
      break;
    }
    default: d->wrote = 0;
  }
}

/* Nearest-neighbour warp; one thread per row, walking it as the CPU does
 * (the source position advances by adding m[0], m[3] per pixel). */
__device__ void warp_nearest(const float *src, float *dst, int c, int h, int w, const float *m, const float *fill) {
  const size_t plane = (size_t)h * w;
  for (int y = threadIdx.x; y < h; y += blockDim.x) {
    float yc = __fadd_rn((float)y, 0.5f);
    float sx = __fadd_rn(__fadd_rn(__fmul_rn(m[0], 0.5f), __fmul_rn(m[1], yc)), m[2]);
    float sy = __fadd_rn(__fadd_rn(__fmul_rn(m[3], 0.5f), __fmul_rn(m[4], yc)), m[5]);
    for (int x = 0; x < w; x++, sx = __fadd_rn(sx, m[0]), sy = __fadd_rn(sy, m[3])) {
      int ix = sx >= 0 ? (int)sx : -1, iy = sy >= 0 ? (int)sy : -1;
      int inside = ix < w && iy < h && ix >= 0 && iy >= 0;
      size_t out = (size_t)y * w + x, in = inside ? (size_t)iy * w + ix : 0;
      for (int ch = 0; ch < c; ch++) dst[ch * plane + out] = inside ? src[ch * plane + in] : fill[ch];
    }
  }
}

__device__ void crop(const float *src, float *dst, int c, int h, int w, int size, int pad, int oy, int ox,
                     const float *fill) {
  const int total = c * size * size;
  for (int i = threadIdx.x; i < total; i += blockDim.x) {
    int x = i % size, y = i / size % size, ch = i / (size * size);
    int sy = y + oy - pad, sx = x + ox - pad;
    dst[i] = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[((size_t)ch * h + sy) * w + sx] : fill[ch];
  }
}

__device__ void hflip(const float *src, float *dst, int c, int h, int w) {
  const int total = c * h * w;
  for (int i = threadIdx.x; i < total; i += blockDim.x) {
    int x = i % w, row = i / w;
    dst[i] = src[row * w + (w - 1 - x)];
  }
}

__device__ __forceinline__ int reflect(int i, int n) {
  if (n == 1) return 0;
  int period = 2 * (n - 1);
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - i;
}

/* Separable Gaussian blur of field f in place, through tmp
 * (transform_elastic.c: blur). */
__device__ void blur(const DlabCudaStep &st, float *f, float *tmp, int h, int w) {
  const int r = st.radius, plane = h * w;
  for (int i = threadIdx.x; i < plane; i += blockDim.x) {
    int x = i % w, y = i / w;
    float acc = 0;
    for (int k = -r; k <= r; k++) acc = __fadd_rn(acc, __fmul_rn(st.kernel[k + r], f[y * w + reflect(x + k, w)]));
    tmp[i] = acc;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < plane; i += blockDim.x) {
    int x = i % w, y = i / w;
    float acc = 0;
    for (int k = -r; k <= r; k++) acc = __fadd_rn(acc, __fmul_rn(st.kernel[k + r], tmp[reflect(y + k, h) * w + x]));
    f[i] = acc;
  }
  __syncthreads();
}

/* Bilinear sample with fill for corners outside (transform_elastic.c). */
__device__ float bilinear(const float *p, int h, int w, float sx, float sy, float fill) {
  float fx = floorf(sx), fy = floorf(sy);
  int x0 = (int)fx, y0 = (int)fy;
  float ax = __fsub_rn(sx, fx), ay = __fsub_rn(sy, fy);
  float bx = __fsub_rn(1.0f, ax), by = __fsub_rn(1.0f, ay);
  float wts[4] = {__fmul_rn(bx, by), __fmul_rn(ax, by), __fmul_rn(bx, ay), __fmul_rn(ax, ay)};
  int xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  float acc = 0, covered = 0;
  for (int k = 0; k < 4; k++)
    if (xs[k] >= 0 && xs[k] < w && ys[k] >= 0 && ys[k] < h) {
      acc = __fadd_rn(acc, __fmul_rn(wts[k], p[ys[k] * w + xs[k]]));
      covered = __fadd_rn(covered, wts[k]);
    }
  return __fadd_rn(acc, __fmul_rn(__fsub_rn(1.0f, covered), fill));
}

__device__ void elastic(const DlabCudaStep &st, const float *src, float *dst, int c, int h, int w, float *fdx,
                        float *fdy, float *tmp, const float *fill) {
  if (st.radius > 0) {
    blur(st, fdx, tmp, h, w);
    blur(st, fdy, tmp, h, w);
  }
  const float sx_scale = __fmul_rn(__fdiv_rn(st.alpha, (float)h), __fmul_rn((float)w, 0.5f));
  const float sy_scale = __fmul_rn(__fdiv_rn(st.alpha, (float)w), __fmul_rn((float)h, 0.5f));
  const int plane = h * w;
  for (int i = threadIdx.x; i < c * plane; i += blockDim.x) {
    int ch = i / plane, at = i % plane, x = at % w, y = at / w;
    float sx = __fadd_rn((float)x, __fmul_rn(fdx[at], sx_scale));
    float sy = __fadd_rn((float)y, __fmul_rn(fdy[at], sy_scale));
    dst[i] = bilinear(src + (size_t)ch * plane, h, w, sx, sy, fill[ch]);
  }
}

__device__ void normalize(float *x, int c, int plane, const float *mean, const float *inv_std) {
  for (int i = threadIdx.x; i < c * plane; i += blockDim.x) {
    int ch = i / plane;
    x[i] = __fmul_rn(__fsub_rn(x[i], mean[ch]), inv_std[ch]);
  }
}

__global__ void augment_kernel(DlabCudaAugment aug, DlabBatchSource src, const uint8_t *images,
                               const uint8_t *labels, int c, int h, int w, const int *epoch, float *scratch,
                               float *xout, uint8_t *labels_out) {
  __shared__ DlabRng rng;
  __shared__ Drawn drawn;
  const int b = blockIdx.x, plane = h * w, n = c * plane;
  const uint32_t s = batch_sample(src, batch_first(src), b);
  float *x = scratch + (size_t)b * dlab_augment_scratch_floats(c, h, w);
  float *y = x + n, *fdx = y + n, *fdy = fdx + plane, *tmp = fdy + plane;
  if (threadIdx.x == 0) {
    dlab_rng_core_derive(&rng, aug.seed ^ AUGMENT_STREAM, (uint64_t)(uint32_t)*epoch << 32 | s);
    if (labels_out) labels_out[b] = labels[s];
  }
  const uint8_t *in = images + (size_t)s * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x) x[i] = __fdiv_rn((float)in[i], 255.0f);
  __syncthreads();
  int normalized = 0;
  for (int k = 0; k < aug.n; k++) {
    const DlabCudaStep &st = aug.steps[k];
    if (st.kind == DLAB_TF_NORMALIZE) {
      normalize(x, c, plane, aug.mean, aug.inv_std);
      normalized = 1;
      __syncthreads();
      continue;
    }
    float fill[3];
    for (int ch = 0; ch < c && ch < 3; ch++) {
      fill[ch] = __fdiv_rn(st.fill, 255.0f);
      if (normalized) fill[ch] = __fmul_rn(__fsub_rn(fill[ch], aug.mean[ch]), aug.inv_std[ch]);
    }
    if (threadIdx.x == 0) draw_step(st, &rng, h, w, fdx, fdy, &drawn);
    __syncthreads();
    /* The same for every thread, so the barriers below are reached by all. */
    const int wrote = drawn.wrote;
    if (wrote) {
      switch (st.kind) {
        case DLAB_TF_ROTATE:
        case DLAB_TF_AFFINE: warp_nearest(x, y, c, h, w, drawn.map, fill); break;
        case DLAB_TF_CROP: crop(x, y, c, h, w, st.size, st.padding, drawn.oy, drawn.ox, fill); break;
        case DLAB_TF_HFLIP: hflip(x, y, c, h, w); break;
        case DLAB_TF_ELASTIC: elastic(st, x, y, c, h, w, fdx, fdy, tmp, fill); break;
        default: break;
      }
    }
    /* Everyone is done with this step's image and `drawn` before thread 0
     * draws the next. */
    __syncthreads();
    if (wrote) {
      float *t = x;
      x = y;
      y = t;
    }
  }
  float *out = xout + (size_t)b * n;
  for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = x[i];
}

void dlab_k_augment(cudaStream_t s, const DlabCudaAugment *aug, DlabBatchSource src, const uint8_t *images,
                    const uint8_t *labels, int count, int c, int h, int w, const int *epoch, float *scratch,
                    float *x, uint8_t *labels_out) {
  augment_kernel<<<count, AUGMENT_THREADS, 0, s>>>(*aug, src, images, labels, c, h, w, epoch, scratch, x,
                                                   labels_out);
}
