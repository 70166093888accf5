/* The acceptance run: LeNet on the real MNIST for 2 epochs (Adam 1e-3,
 * batch 64, seed 1), once on the CPU and once on the GPU from the same
 * initial weights. The GPU's test accuracy must be the CPU's within 0.3
 * points. Prints both, and the seconds per epoch of each.
 * Exits 77 without a usable CUDA device or without data/MNIST. */
#include <string.h>

#include "dlab/train.h"
#include "gpu_test.h"

static double seconds[2][2];

static void on_epoch(const DlabEpochInfo *e, void *user) {
  double *s = user;
  if (e->epoch >= 1 && e->epoch <= 2) s[e->epoch - 1] = e->seconds;
}

int main(void) {
  if (!gpu_or_skip()) return 77;
  DlabDatasetPair p;
  if (dlab_dataset_load("mnist", NULL, &p) < 0) {
    char why[600];
    snprintf(why, sizeof why, "MNIST is not here (tools/fetch-data.sh): %s", dlab_error_message());
    tap_skip_all(why);
    return 77;
  }
  DlabShape in = {3, {1, 28, 28}};
  DlabModel *cpu = dlab_model_create("lenet", in, 1), *gpu = dlab_model_create("lenet", in, 1);
  DlabTrainConfig cfg = dlab_train_defaults();
  cfg.epochs = 2;
  cfg.batch_size = 64;
  cfg.optim = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  cfg.seed = 1;
  cfg.on_epoch = on_epoch;
  DlabTrainResult rc_cpu, rc_gpu;
  cfg.user = seconds[0];
  int a = cpu && gpu ? dlab_train(cpu, &p.train, &p.test, &cfg, &rc_cpu) : -1;
  tap_ok(a == 0, "2 epochs on the CPU: test accuracy %.4f (%.2f s, %.2f s per epoch)%s%s",
         a == 0 ? rc_cpu.last.test_accuracy : 0.0, seconds[0][0], seconds[0][1], a ? ": " : "",
         a ? dlab_error_message() : "");
  cfg.user = seconds[1];
  cfg.device = (DlabDeviceSpec){DLAB_DEVICE_CUDA, 0};
  int b = cpu && gpu ? dlab_train(gpu, &p.train, &p.test, &cfg, &rc_gpu) : -1;
  tap_ok(b == 0, "2 epochs on cuda:0: test accuracy %.4f (%.3f s, %.3f s per epoch)%s%s",
         b == 0 ? rc_gpu.last.test_accuracy : 0.0, seconds[1][0], seconds[1][1], b ? ": " : "",
         b ? dlab_error_message() : "");
  if (a == 0 && b == 0) {
    double diff = fabs(rc_gpu.last.test_accuracy - rc_cpu.last.test_accuracy);
    tap_ok(diff <= 0.003, "the GPU's accuracy is the CPU's within 0.3 points (%.2f points apart)", 100 * diff);
    tap_ok(rc_gpu.last.test_accuracy > 0.97, "and it learned: %.2f%% > 97%%", 100 * rc_gpu.last.test_accuracy);
  }
  dlab_model_free(cpu);
  dlab_model_free(gpu);
  dlab_dataset_pair_free(&p);
  return tap_done();
}
