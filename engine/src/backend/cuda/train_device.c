/* Training and evaluation on a chosen device (cuda_train.h): the CPU's
 * functions or the GPU's, behind one call for the CLI and the GUI. */
#include "dlab/cuda_train.h"

#include <string.h>

int dlab_train_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *train, const DlabDataset *test,
                      const DlabTrainConfig *cfg, DlabTrainResult *result) {
  if (device.kind == DLAB_DEVICE_CPU) return dlab_train(m, train, test, cfg, result);
  memset(result, 0, sizeof *result);
  if (dlab_device_check(device) < 0) return -1;
  return dlab_train_cuda(m, train, test, cfg, device.index, result);
}

int dlab_evaluate_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *d, int batch_size,
                         DlabEvalResult *out) {
  if (device.kind == DLAB_DEVICE_CPU) return dlab_evaluate(m, d, batch_size, out);
  /* Nothing for the caller to free when the GPU cannot be used. */
  memset(out, 0, sizeof *out);
  if (dlab_device_check(device) < 0) return -1;
  return dlab_evaluate_cuda(m, d, batch_size, device.index, out);
}
