/* The backend registry (backend_impl.h): the one place that maps a kind of
 * device to its backend. The CPU's is built in; the CUDA backend is the
 * module libdlab-cuda.so, opened the first time a CUDA device is asked
 * for or listed, so that a dlab that never uses a GPU never loads the CUDA
 * runtime or cuBLAS (a few hundred megabytes of address space and a tenth
 * of a second at start-up).
 *
 * The module is looked for in $DLAB_BACKEND_DIR when that is set (tests,
 * or a module kept elsewhere), else in the build tree's backend/cuda
 * folder (running uninstalled) and then in libdir/digit-lab (installed). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend_impl.h"
#include "dlab/error.h"

#define CUDA_MODULE "libdlab-cuda.so"

typedef struct {
  pthread_once_t once;
  const DlabBackendReg *reg;
  char why[2048]; /* the message of a failed load, repeated on every call */
} Loaded;

static Loaded cuda = {PTHREAD_ONCE_INIT, NULL, ""};

/* Opens one module file: its entry, or NULL with the reason in why. */
static const DlabBackendReg *open_module(const char *path, char *why, size_t n) {
  /* RTLD_NOW: a missing library (libcublas) or engine function is found
   * here, with dlerror's words, not at the first call. RTLD_LOCAL keeps
   * the CUDA libraries' symbols out of the process's namespace. */
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    /* dlerror's text usually starts with the path again. */
    const char *reason = dlerror();
    size_t len = strlen(path);
    if (reason && strncmp(reason, path, len) == 0 && strncmp(reason + len, ": ", 2) == 0) reason += len + 2;
    snprintf(why, n, "the CUDA backend %s cannot be loaded: %s", path, reason ? reason : "unknown error");
    return NULL;
  }
  DlabBackendEntry entry = NULL;
  void *sym = dlsym(h, DLAB_BACKEND_ENTRY);
  memcpy(&entry, &sym, sizeof entry); /* object pointer -> function pointer, as POSIX allows */
  const DlabBackendReg *reg = entry ? entry() : NULL;
  if (!reg || reg->abi != DLAB_BACKEND_ABI) {
    snprintf(why, n, "the CUDA backend %s is not a backend of this dlab (%s)", path,
             !entry ? "no " DLAB_BACKEND_ENTRY : !reg ? "it refused to start" : "another version");
    dlclose(h);
    return NULL;
  }
  /* Kept open for the life of the process: its kernels are registered
   * with the CUDA runtime. */
  return reg;
}

const char *dlab_backend_module_dir(void) {
  const char *dir = getenv("DLAB_BACKEND_DIR");
  return dir && *dir ? dir : NULL;
}

static void load_cuda(void) {
  char path[1024];
  const char *dir = dlab_backend_module_dir();
  if (dir) {
    snprintf(path, sizeof path, "%s/%s", dir, CUDA_MODULE);
    cuda.reg = open_module(path, cuda.why, sizeof cuda.why);
    return;
  }
#ifdef DLAB_CUDA_MODULE_BUILD_DIR
  /* Uninstalled: the module beside the build's objects, when it is there. */
  snprintf(path, sizeof path, "%s/%s", DLAB_CUDA_MODULE_BUILD_DIR, CUDA_MODULE);
  if (access(path, F_OK) == 0) {
    cuda.reg = open_module(path, cuda.why, sizeof cuda.why);
    return;
  }
  snprintf(path, sizeof path, "%s/%s", DLAB_CUDA_MODULE_INSTALL_DIR, CUDA_MODULE);
  cuda.reg = open_module(path, cuda.why, sizeof cuda.why);
#else
  snprintf(cuda.why, sizeof cuda.why,
           "this dlab was built without CUDA (install the CUDA Toolkit and rebuild with meson "
           "-Dcuda=enabled)");
#endif
}

const DlabBackendReg *dlab_backend_reg(DlabDevice kind) {
  if (kind == DLAB_DEVICE_CPU) return dlab_backend_cpu_reg();
  pthread_once(&cuda.once, load_cuda);
  if (!cuda.reg) dlab_error("%s", cuda.why);
  return cuda.reg;
}

DlabBackend *dlab_backend_create(DlabDeviceSpec device, const DlabBackendConfig *cfg) {
  const DlabBackendReg *reg = dlab_backend_reg(device.kind);
  if (!reg) return NULL;
  DlabBackendConfig c = *cfg;
  c.device = device.index;
  return reg->create(&c);
}

void dlab_backend_free(DlabBackend *b) {
  if (b) b->i->free(b);
}

int dlab_cuda_built(void) {
#ifdef DLAB_CUDA_MODULE_BUILD_DIR
  return 1;
#else
  return 0;
#endif
}
