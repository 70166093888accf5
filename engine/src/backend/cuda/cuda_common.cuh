/* What every .cu file of the CUDA backend shares: the runtime headers, the
 * error reporting that turns CUDA and cuBLAS status codes into the engine's
 * messages, and the per-model execution context (device, stream, cuBLAS).
 * Not public API. */
#ifndef DLAB_CUDA_COMMON_CUH
#define DLAB_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "cuda_internal.h"

/* One model's place to run: everything it queues goes to `stream`, and
 * cuBLAS works on that stream with its own fixed workspace (so that it
 * never allocates, which graph capture forbids). */
typedef struct {
  int device;
  cudaStream_t stream;
  cublasHandle_t blas;
  void *workspace;
  size_t workspace_bytes;
  int tf32;
} DlabCudaCtx;

/* 0 when e is cudaSuccess; otherwise -1 with the message "WHAT: ...". Out of
 * memory is said in words with the free and total memory of the device. */
int dlab_cuda_check(cudaError_t e, const char *what);
int dlab_cublas_check(cublasStatus_t s, const char *what);

/* cudaMalloc with the message above; *p is NULL on failure. */
int dlab_cuda_alloc(void **p, size_t bytes, const char *what);

int dlab_cuda_ctx_init(DlabCudaCtx *c, int device, int tf32);
void dlab_cuda_ctx_free(DlabCudaCtx *c);

/* Threads per block of the element-wise kernels, and a grid that covers n
 * items with grid-stride loops (never more blocks than the hardware wants). */
#define DLAB_THREADS 256
static inline unsigned dlab_grid(size_t n) {
  size_t blocks = (n + DLAB_THREADS - 1) / DLAB_THREADS;
  if (blocks < 1) blocks = 1;
  if (blocks > 65535u * 8u) blocks = 65535u * 8u;
  return (unsigned)blocks;
}

#define DLAB_GRID_STRIDE(i, n)                                                                   \
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)(n);              \
       i += (size_t)blockDim.x * gridDim.x)

#endif
