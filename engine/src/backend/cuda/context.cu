/* Devices, errors and execution contexts of the CUDA backend.
 *
 * Every CUDA or cuBLAS failure becomes an engine message (error.h) that a
 * learner can act on: no driver, no GPU, which device numbers exist, and
 * for out of memory how much the device has and has free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_common.cuh"
#include "core/i18n.h"

#define CUBLAS_WORKSPACE_BYTES (32u << 20)

static double mib(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

int dlab_cuda_check(cudaError_t e, const char *what) {
  if (e == cudaSuccess) return 0;
  cudaGetLastError(); /* clear the sticky-free error so later calls can report their own */
  if (e == cudaErrorMemoryAllocation) {
    size_t free_b = 0, total_b = 0;
    int dev = -1;
    cudaGetDevice(&dev);
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) cudaGetLastError();
    return dlab_error(_("%s: out of GPU memory on cuda:%d (%.0f MiB free of %.0f MiB); "
                      "try a smaller --batch-size or the CPU"),
                      what, dev, mib(free_b), mib(total_b));
  }
  if (e == cudaErrorInsufficientDriver)
    return dlab_error(_("%s: no NVIDIA driver was found, or it is older than this build's CUDA runtime (%s)"), what,
                      cudaGetErrorString(e));
  if (e == cudaErrorNoDevice) return dlab_error(_("%s: no CUDA-capable GPU found"), what);
  return dlab_error(_("%s: CUDA error %d: %s"), what, (int)e, cudaGetErrorString(e));
}

static const char *cublas_text(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_NOT_INITIALIZED: return "cuBLAS could not start (driver or library missing)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "out of GPU memory in cuBLAS";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid argument";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "the GPU lacks a feature cuBLAS needs";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "a cuBLAS kernel failed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "not supported";
    default: return "cuBLAS error";
  }
}

int dlab_cublas_check(cublasStatus_t s, const char *what) {
  if (s == CUBLAS_STATUS_SUCCESS) return 0;
  return dlab_error("%s: %s (status %d)", what, cublas_text(s), (int)s);
}

int dlab_cuda_alloc(void **p, size_t bytes, const char *what) {
  *p = NULL;
  if (bytes == 0) bytes = 16; /* a valid pointer for empty buffers */
  cudaError_t e = cudaMalloc(p, bytes);
  if (e != cudaSuccess) {
    *p = NULL;
    char buf[256];
    /* Part of an engine message: '.' in every locale, as dlab_error writes. */
    dlab_snprintf_c(buf, sizeof buf, "%s (%.1f MiB)", what, mib(bytes));
    return dlab_cuda_check(e, buf);
  }
  return 0;
}

int dlab_cuda_count(void) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e == cudaErrorNoDevice) {
    cudaGetLastError();
    return 0;
  }
  if (dlab_cuda_check(e, "CUDA") < 0) return -1;
  return n;
}

int dlab_cuda_props(int index, DlabCudaProps *p) {
  memset(p, 0, sizeof *p);
  cudaDeviceProp prop;
  char what[32];
  snprintf(what, sizeof what, "cuda:%d", index);
  if (dlab_cuda_check(cudaGetDeviceProperties(&prop, index), what) < 0) return -1;
  snprintf(p->name, sizeof p->name, "%.127s", prop.name);
  p->total_bytes = prop.totalGlobalMem;
  p->major = prop.major;
  p->minor = prop.minor;
  p->multiprocessors = prop.multiProcessorCount;
  /* Free memory needs a context on that device; keep the caller's device. */
  int previous = 0;
  if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(index) == cudaSuccess) {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) p->free_bytes = free_b;
    cudaSetDevice(previous);
  }
  cudaGetLastError();
  return 0;
}

int dlab_cuda_use(int index) {
  char what[32];
  snprintf(what, sizeof what, "cuda:%d", index);
  int n = dlab_cuda_count();
  if (n < 0) {
    /* "CUDA: no NVIDIA driver ..." -> "cuda:N: no NVIDIA driver ..." */
    char why[512];
    const char *msg = dlab_error_message();
    snprintf(why, sizeof why, "%s", strncmp(msg, "CUDA: ", 6) == 0 ? msg + 6 : msg);
    return dlab_error("%s: %s", what, why);
  }
  if (n == 0) return dlab_error(_("%s: no CUDA-capable GPU found (the NVIDIA driver sees none)"), what);
  if (index < 0 || index >= n) {
    if (n == 1) return dlab_error(_("%s: there is only one CUDA device, cuda:0"), what);
    return dlab_error(_("%s: there are %d CUDA devices, cuda:0 to cuda:%d"), what, n, n - 1);
  }
  return dlab_cuda_check(cudaSetDevice(index), what);
}

static void version_text(int v, char *buf, size_t n) {
  if (v <= 0)
    snprintf(buf, n, "none");
  else
    snprintf(buf, n, "%d.%d", v / 1000, (v % 1000) / 10);
}

void dlab_cuda_versions(char *runtime, char *driver, size_t n) {
  int rv = 0, dv = 0;
  if (cudaRuntimeGetVersion(&rv) != cudaSuccess) rv = 0;
  if (cudaDriverGetVersion(&dv) != cudaSuccess) dv = 0;
  cudaGetLastError();
  version_text(rv, runtime, n);
  version_text(dv, driver, n);
}

int dlab_cuda_ctx_init(DlabCudaCtx *c, int device, int tf32) {
  memset(c, 0, sizeof *c);
  c->device = device;
  c->tf32 = tf32;
  if (dlab_cuda_use(device) < 0) return -1;
  if (dlab_cuda_check(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking), "creating a CUDA stream") < 0)
    return -1;
  if (dlab_cublas_check(cublasCreate(&c->blas), "starting cuBLAS") < 0) {
    c->blas = NULL;
    dlab_cuda_ctx_free(c);
    return -1;
  }
  c->workspace_bytes = CUBLAS_WORKSPACE_BYTES;
  if (dlab_cuda_alloc(&c->workspace, c->workspace_bytes, "cuBLAS workspace") < 0 ||
      dlab_cublas_check(cublasSetStream(c->blas, c->stream), "cuBLAS stream") < 0 ||
      dlab_cublas_check(cublasSetWorkspace(c->blas, c->workspace, c->workspace_bytes), "cuBLAS workspace") < 0 ||
      dlab_cublas_check(cublasSetMathMode(c->blas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                        "cuBLAS math mode") < 0) {
    dlab_cuda_ctx_free(c);
    return -1;
  }
  return 0;
}

void dlab_cuda_ctx_free(DlabCudaCtx *c) {
  if (c->stream) cudaStreamSynchronize(c->stream);
  if (c->blas) cublasDestroy(c->blas);
  if (c->workspace) cudaFree(c->workspace);
  if (c->stream) cudaStreamDestroy(c->stream);
  cudaGetLastError();
  memset(c, 0, sizeof *c);
}
