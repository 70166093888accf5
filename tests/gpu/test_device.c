/* Devices: parsing `--device` text, the device list, and the errors of a
 * GPU that is not there (a build without CUDA, no driver, no GPU, a wrong
 * number). Runs everywhere: without a GPU it checks that training and
 * evaluation on cuda fail with a message instead of crashing. */
#include <string.h>

#include "dlab/train.h"
#include "gpu_test.h"

static void check_parse(const char *text, DlabDevice kind, int index) {
  DlabDeviceSpec d = {DLAB_DEVICE_CPU, -1};
  int rc = dlab_device_parse(text, &d);
  tap_ok(rc == 0 && d.kind == kind && d.index == index, "`%s` parses as %s %d", text,
         kind == DLAB_DEVICE_CPU ? "cpu" : "cuda", index);
}

static void check_bad(const char *text) {
  DlabDeviceSpec d;
  dlab_error_clear();
  int rc = dlab_device_parse(text, &d);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && strstr(msg, "--device") && strstr(msg, "cuda:N"), "`%s` is refused: %s", text, msg);
}

static void check_names(void) {
  char buf[32];
  tap_ok(strcmp(dlab_device_name((DlabDeviceSpec){DLAB_DEVICE_CPU, 0}, buf, sizeof buf), "cpu") == 0 &&
             strcmp(dlab_device_name((DlabDeviceSpec){DLAB_DEVICE_CUDA, 2}, buf, sizeof buf), "cuda:2") == 0,
         "device names: cpu, cuda:2");
}

static int check_list(void) {
  DlabDeviceInfo devices[8];
  char note[512];
  int n = dlab_devices_list(devices, 8, note, sizeof note);
  tap_ok(n >= 1 && devices[0].spec.kind == DLAB_DEVICE_CPU && devices[0].name[0] && devices[0].multiprocessors >= 1,
         "the list starts with the CPU: %s", n >= 1 ? devices[0].name : "(none)");
  tap_ok((n == 1) == (note[0] != '\0'), "a note says why there is no GPU exactly when there is none (%s)",
         note[0] ? note : "GPUs listed");
  for (int i = 1; i < n && i < 8; i++)
    tap_ok(devices[i].spec.kind == DLAB_DEVICE_CUDA && devices[i].spec.index == i - 1 && devices[i].memory_bytes > 0,
           "cuda:%d listed: %s, %.1f GiB, compute %d.%d", i - 1, devices[i].name,
           devices[i].memory_bytes / 1073741824.0, devices[i].compute_major, devices[i].compute_minor);
  if (!dlab_cuda_built()) tap_ok(strstr(note, "without CUDA") != NULL, "the note says the build has no CUDA");
  return n - 1;
}

/* A tiny dataset and model for the entry points' error paths. */
static void check_unusable_gpu(void) {
  DlabDeviceSpec cuda = {DLAB_DEVICE_CUDA, 0};
  dlab_error_clear();
  int rc = dlab_device_check(cuda);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && strstr(msg, "--device cuda:0") &&
             (strstr(msg, "CUDA") || strstr(msg, "GPU") || strstr(msg, "driver")),
         "--device cuda without a usable GPU: %s", msg);

  DlabDataset d;
  make_random_dataset(&d, "random", 64, 1, 28, 28, 3);
  DlabModel *m = dlab_model_create("lenet", (DlabShape){3, {1, 28, 28}}, 1);
  DlabTrainConfig cfg = dlab_train_defaults();
  cfg.epochs = 1;
  DlabTrainResult result;
  dlab_error_clear();
  cfg.device = cuda;
  rc = dlab_train(m, &d, &d, &cfg, &result);
  tap_ok(rc == -1 && dlab_error_message()[0], "training on cuda fails with a message: %s", dlab_error_message());
  DlabEvalResult ev;
  dlab_error_clear();
  rc = dlab_evaluate_device(cuda, m, &d, 32, &ev);
  tap_ok(rc == -1 && ev.confusion == NULL && dlab_error_message()[0], "evaluating on cuda fails with a message");
  cfg.device = (DlabDeviceSpec){DLAB_DEVICE_CPU, 0};
  rc = dlab_train(m, &d, &d, &cfg, &result);
  tap_ok(rc == 0 && result.epochs_done == 1, "the same call trains on the CPU");
  dlab_model_free(m);
  dlab_dataset_free(&d);
}

static void check_wrong_number(int gpus) {
  DlabDeviceSpec d = {DLAB_DEVICE_CUDA, gpus};
  dlab_error_clear();
  int rc = dlab_device_check(d);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && strstr(msg, "cuda:0"), "cuda:%d of %d GPUs is refused, naming the ones there are: %s", gpus,
         gpus, msg);
  tap_ok(dlab_device_check((DlabDeviceSpec){DLAB_DEVICE_CUDA, 0}) == 0, "cuda:0 is ready");
}

int main(void) {
  check_parse("cpu", DLAB_DEVICE_CPU, 0);
  check_parse("cuda", DLAB_DEVICE_CUDA, 0);
  check_parse("gpu", DLAB_DEVICE_CUDA, 0);
  check_parse("cuda:0", DLAB_DEVICE_CUDA, 0);
  check_parse("cuda:3", DLAB_DEVICE_CUDA, 3);
  check_parse("gpu:1", DLAB_DEVICE_CUDA, 1);
  check_bad("");
  check_bad("tpu");
  check_bad("cuda:");
  check_bad("cuda:-1");
  check_bad("cuda:x");
  check_bad("cuda:1x");
  check_bad("CUDA");
  check_names();
  tap_ok(dlab_device_check((DlabDeviceSpec){DLAB_DEVICE_CPU, 0}) == 0, "the CPU is always ready");
  char versions[96];
  tap_ok(dlab_cuda_version_text(versions, sizeof versions)[0] != '\0', "versions: %s", versions);
  int gpus = check_list();
  if (gpus == 0)
    check_unusable_gpu();
  else
    check_wrong_number(gpus);
  return tap_done();
}
