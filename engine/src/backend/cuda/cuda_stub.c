/* The CUDA backend's entry points in a build without CUDA (meson
 * -Dcuda=disabled, or no CUDA Toolkit found): each fails with a message
 * that says so, and the device list holds only the CPU. */
#include <string.h>

#include "cuda_internal.h"
#include "dlab/cuda_train.h"
#include "dlab/error.h"

static int no_cuda(void) {
  return dlab_error("this dlab was built without CUDA (install the CUDA Toolkit and rebuild with "
                    "meson -Dcuda=enabled); use the CPU");
}

int dlab_cuda_built(void) { return 0; }
int dlab_cuda_count(void) { return no_cuda(); }

int dlab_cuda_props(int index, DlabCudaProps *p) {
  (void)index;
  memset(p, 0, sizeof *p);
  return no_cuda();
}

int dlab_cuda_use(int index) {
  (void)index;
  return no_cuda();
}

void dlab_cuda_versions(char *runtime, char *driver, size_t n) {
  if (n) {
    strncpy(runtime, "none", n - 1)[n - 1] = '\0';
    strncpy(driver, "none", n - 1)[n - 1] = '\0';
  }
}

int dlab_train_cuda(DlabModel *m, const DlabDataset *train, const DlabDataset *test, const DlabTrainConfig *cfg,
                    int device_index, DlabTrainResult *result) {
  (void)m, (void)train, (void)test, (void)cfg, (void)device_index;
  memset(result, 0, sizeof *result);
  return no_cuda();
}

int dlab_evaluate_cuda(DlabModel *m, const DlabDataset *d, int batch_size, int device_index, DlabEvalResult *out) {
  (void)m, (void)d, (void)batch_size, (void)device_index;
  memset(out, 0, sizeof *out);
  return no_cuda();
}

DlabCudaOptions dlab_cuda_options_default(void) {
  DlabCudaOptions o = {.device = 0, .max_batch = 256, .tf32 = -1};
  return o;
}

DlabCudaModel *dlab_cuda_model_create(const DlabModel *m, const DlabCudaOptions *opt) {
  (void)m, (void)opt;
  no_cuda();
  return NULL;
}

void dlab_cuda_model_free(DlabCudaModel *g) { (void)g; }

int dlab_cuda_model_upload(DlabCudaModel *g, const DlabModel *m) {
  (void)g, (void)m;
  return no_cuda();
}

int dlab_cuda_model_download(DlabCudaModel *g, DlabModel *m) {
  (void)g, (void)m;
  return no_cuda();
}

int dlab_cuda_model_download_grads(DlabCudaModel *g, DlabModel *m) {
  (void)g, (void)m;
  return no_cuda();
}

int dlab_cuda_model_set_input(DlabCudaModel *g, const float *x, const uint8_t *labels, int batch) {
  (void)g, (void)x, (void)labels, (void)batch;
  return no_cuda();
}

int dlab_cuda_model_set_dropout_mask(DlabCudaModel *g, int layer, const float *scale, int batch) {
  (void)g, (void)layer, (void)scale, (void)batch;
  return no_cuda();
}

int dlab_cuda_model_forward(DlabCudaModel *g, int batch, int training, float *logits) {
  (void)g, (void)batch, (void)training, (void)logits;
  return no_cuda();
}

int dlab_cuda_model_backward(DlabCudaModel *g, int batch, float smoothing, DlabLossResult *loss) {
  (void)g, (void)batch, (void)smoothing, (void)loss;
  return no_cuda();
}

int dlab_cuda_model_set_optimizer(DlabCudaModel *g, const DlabOptimConfig *cfg, DlabOptimizer *state) {
  (void)g, (void)cfg, (void)state;
  return no_cuda();
}

int dlab_cuda_model_step(DlabCudaModel *g, float lr) {
  (void)g, (void)lr;
  return no_cuda();
}

int dlab_cuda_model_download_optimizer(DlabCudaModel *g, DlabOptimizer *o) {
  (void)g, (void)o;
  return no_cuda();
}

int dlab_cuda_augment(const DlabDataset *d, const DlabTransformList *t, uint64_t seed, int epoch, const uint32_t *idx,
                      int count, int device_index, float *out) {
  (void)d, (void)t, (void)seed, (void)epoch, (void)idx, (void)count, (void)device_index, (void)out;
  return no_cuda();
}
