/* The backend registry (engine/src/backend/registry.c) and the CPU backend
 * behind the one training loop.
 *
 *   test_backend cpu       dlab_train, through the backend interface, gives
 *                          the weights of the loop it replaced (written out
 *                          here: loader, forward, loss, backward, optimizer
 *                          step with the schedule's rate), byte for byte,
 *                          and dlab_evaluate the figures of that loop's
 *                          evaluation;
 *   test_backend bogus     $DLAB_BACKEND_DIR holds a libdlab-cuda.so that is
 *                          not a library: asking for cuda fails with one
 *                          message naming the file and the loader's reason;
 *   test_backend empty     $DLAB_BACKEND_DIR holds no module: the same, "No
 *                          such file";
 *   test_backend default   the build's own answer: without the module,
 *                          "built without CUDA"; with it, the module loads
 *                          and (no GPU here) the message is the driver's
 *                          or the GPU's; without the driver, the device
 *                          list says so before the module is loaded.
 * The module is looked for once per process, hence one mode per run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/train.h"
#include "loader/loader.h"
#include "nn/loss.h"
#include "test_util.h"
#include "nn/model_impl.h"

#define SIDE 8
#define MODEL "conv 4 3 | relu | maxpool 2 | flatten | linear 10"

/* n images of SIDE x SIDE, label i % 10, pixels from a hash of i. */
static void make(DlabDataset *d, const char *name, int n) {
  static const char *const names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->n = n, d->c = 1, d->h = SIDE, d->w = SIDE;
  d->images = malloc((size_t)n * SIDE * SIDE);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) exit(99);
  for (int i = 0; i < n; i++) {
    d->labels[i] = (uint8_t)(i % 10);
    for (int p = 0; p < SIDE * SIDE; p++)
      d->images[i * SIDE * SIDE + p] = (uint8_t)((i * 2654435761u + p * 40503u + (i % 10) * 977u) >> 7);
  }
  dlab_dataset_set_classes(d, names, 10);
  d->mean[0] = 0.5f, d->std[0] = 0.3f;
}

static DlabTrainConfig config(void) {
  DlabTrainConfig c = dlab_train_defaults();
  c.epochs = 2;
  c.batch_size = 16; /* 100 images: the last batch of each epoch is short */
  c.optim = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  c.optim.lr = 0.01f;
  dlab_schedule_parse("cosine", &c.schedule);
  c.label_smoothing = 0.1f;
  c.seed = 5;
  c.loader_workers = 0;
  return c;
}

/* The CPU loop as dlab_train ran it before the backend interface. */
static int reference_train(DlabModel *m, const DlabDataset *d, const DlabTrainConfig *cfg) {
  DlabLoaderConfig lc = dlab_loader_defaults();
  lc.data = d;
  lc.batch_size = cfg->batch_size;
  lc.seed = cfg->seed;
  lc.shuffle = !cfg->no_shuffle;
  lc.workers = cfg->loader_workers;
  DlabLoader *loader = dlab_loader_create(&lc);
  DlabOptimizer *opt = dlab_optimizer_create(&cfg->optim, m);
  uint8_t labels[64];
  if (!loader || !opt || dlab_model_set_batch(m, cfg->batch_size) < 0) return -1;
  long steps = (d->n + cfg->batch_size - 1) / cfg->batch_size, total = steps * cfg->epochs;
  for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
    dlab_loader_begin_epoch(loader, epoch);
    for (long s = 0; s < steps; s++) {
      int count = 0;
      float lr = dlab_schedule_lr(&cfg->schedule, cfg->optim.lr, (epoch - 1) * steps + s, steps, total);
      if (dlab_loader_next(loader, &m->acts[0], labels, &count) != 1) return -1;
      DlabTensor *logits = dlab_model_forward(m, count, 1);
      dlab_cross_entropy(logits, labels, cfg->label_smoothing, dlab_model_dlogits(m));
      dlab_model_backward(m);
      dlab_optimizer_step(opt, lr);
    }
  }
  dlab_optimizer_free(opt);
  dlab_loader_free(loader);
  return 0;
}

static int same_weights(const DlabModel *a, const DlabModel *b) {
  if (a->n_params != b->n_params) return 0;
  for (int i = 0; i < a->n_params; i++)
    if (a->params[i]->value.numel != b->params[i]->value.numel ||
        memcmp(a->params[i]->value.data, b->params[i]->value.data, a->params[i]->value.numel * sizeof(float)) != 0)
      return 0;
  return 1;
}

static void test_cpu(void) {
  DlabDataset train, test;
  make(&train, "train", 100);
  make(&test, "test", 30);
  DlabShape in = {3, {1, SIDE, SIDE}};
  DlabModel *ours = dlab_model_create(MODEL, in, 3), *ref = dlab_model_create(MODEL, in, 3);
  DlabTrainConfig cfg = config();
  DlabTrainResult result;
  int a = ours ? dlab_train(ours, &train, &test, &cfg, &result) : -1;
  int b = ref ? reference_train(ref, &train, &cfg) : -1;
  tap_ok(a == 0 && b == 0 && result.epochs_done == 2, "dlab_train on the CPU backend and the old loop both train%s%s",
         a || b ? ": " : "", a || b ? dlab_error_message() : "");
  tap_ok(a == 0 && b == 0 && same_weights(ours, ref), "the same weights, byte for byte");

  /* Evaluation: the loss and accuracy of the old loop's own evaluation. */
  DlabEvalResult ev;
  int e = a == 0 ? dlab_evaluate(ours, &test, 7, &ev) : -1;
  double loss = 0;
  long correct = 0;
  for (int start = 0; e == 0 && start < test.n; start += 7) {
    int count = test.n - start < 7 ? test.n - start : 7;
    uint32_t idx[7];
    for (int i = 0; i < count; i++) idx[i] = (uint32_t)(start + i);
    uint8_t labels[7];
    dlab_dataset_gather(&test, idx, count, &ref->acts[0], labels);
    DlabLossResult r = dlab_cross_entropy(dlab_model_forward(ref, count, 0), labels, 0.0f, NULL);
    loss += r.loss * count;
    correct += r.correct;
  }
  tap_ok(e == 0 && ev.n == test.n && ev.loss == loss / test.n && ev.accuracy == (double)correct / test.n,
         "dlab_evaluate: loss %.6f and accuracy %.3f, as the old loop's evaluation", e == 0 ? ev.loss : NAN,
         e == 0 ? ev.accuracy : NAN);
  if (e == 0) dlab_eval_result_free(&ev);

  DlabDeviceSpec cpu = {DLAB_DEVICE_CPU, 0};
  tap_ok(dlab_device_check(cpu) == 0, "the CPU is always there");
  dlab_model_free(ours);
  dlab_model_free(ref);
  dlab_dataset_free(&train);
  dlab_dataset_free(&test);
}

/* Asking for cuda:0: the check fails with one line containing every one
 * of `words`; with `everywhere`, so do training, evaluation and the device
 * list's note (without it, the module loaded and only the device is
 * missing: the CUDA runtime says so in its own words). */
static void expect_cuda_refused(const char *const *words, int n_words, int everywhere) {
  DlabDeviceSpec cuda = {DLAB_DEVICE_CUDA, 0};
  dlab_error_clear();
  int rc = dlab_device_check(cuda);
  char msg[2048];
  snprintf(msg, sizeof msg, "%s", dlab_error_message());
  int all = rc == -1 && strncmp(msg, "--device cuda:0: ", 17) == 0 && !strchr(msg, '\n');
  for (int i = 0; i < n_words; i++) all = all && strstr(msg, words[i]);
  tap_ok(all, "--device cuda: one line naming what is missing: %s", msg);
  if (!everywhere) {
    DlabDeviceInfo devices[4];
    char note[2048];
    int n = dlab_devices_list(devices, 4, note, sizeof note);
    tap_ok(n == 1 && note[0], "the device list holds the CPU, and the note says why no GPU: %s", note);
    return;
  }

  DlabDataset d;
  make(&d, "train", 20);
  DlabModel *m = dlab_model_create(MODEL, (DlabShape){3, {1, SIDE, SIDE}}, 1);
  DlabTrainConfig cfg = config();
  cfg.device = cuda;
  DlabTrainResult result;
  dlab_error_clear();
  rc = m ? dlab_train(m, &d, &d, &cfg, &result) : 0;
  tap_ok(rc == -1 && strstr(dlab_error_message(), words[0]), "dlab_train on cuda fails with it: %s",
         dlab_error_message());
  DlabEvalResult ev;
  dlab_error_clear();
  rc = m ? dlab_evaluate_device(cuda, m, &d, 8, &ev) : 0;
  tap_ok(rc == -1 && ev.confusion == NULL && strstr(dlab_error_message(), words[0]),
         "dlab_evaluate_device on cuda fails with it");

  DlabDeviceInfo devices[4];
  char note[2048];
  int n = dlab_devices_list(devices, 4, note, sizeof note);
  tap_ok(n == 1 && devices[0].spec.kind == DLAB_DEVICE_CPU && strstr(note, words[0]),
         "the device list holds the CPU, and the note says why no GPU: %s", note);
  dlab_model_free(m);
  dlab_dataset_free(&d);
}

/* Whether a library whose name holds `name` is mapped into this process. */
static int maps_mention(const char *name) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[1024];
  int found = 0;
  while (f && !found && fgets(line, sizeof line, f)) found = strstr(line, name) != NULL;
  if (f) fclose(f);
  return found;
}

/* A module folder in /tmp holding `content` as libdlab-cuda.so (NULL: no
 * file), set as $DLAB_BACKEND_DIR; returns the module's path. */
static const char *module_dir(const char *content, char *dir, size_t n, char *path, size_t path_n) {
  snprintf(dir, n, "/tmp/dlab-backend-XXXXXX");
  if (!mkdtemp(dir)) exit(99);
  snprintf(path, path_n, "%s/libdlab-cuda.so", dir);
  if (content) {
    FILE *f = fopen(path, "w");
    if (!f) exit(99);
    fputs(content, f);
    fclose(f);
  }
  setenv("DLAB_BACKEND_DIR", dir, 1);
  return path;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "cpu";
  char dir[64], path[128];
  if (strcmp(mode, "cpu") == 0) {
    test_cpu();
  } else if (strcmp(mode, "bogus") == 0) {
    module_dir("this is not a shared library\n", dir, sizeof dir, path, sizeof path);
    const char *words[] = {path, "cannot be loaded: "};
    expect_cuda_refused(words, 2, 1);
    unlink(path);
    rmdir(dir);
  } else if (strcmp(mode, "empty") == 0) {
    module_dir(NULL, dir, sizeof dir, path, sizeof path);
    const char *words[] = {path, "No such file"};
    expect_cuda_refused(words, 2, 1);
    rmdir(dir);
  } else {
    unsetenv("DLAB_BACKEND_DIR");
    if (dlab_cuda_built()) {
      /* Without the NVIDIA driver, listing the devices (the application
       * does at start-up) says so without loading the CUDA module. */
      DlabDeviceInfo devices[4];
      char note[512];
      dlab_devices_list(devices, 4, note, sizeof note);
      if (strstr(note, "libcuda.so.1"))
        tap_ok(!maps_mention("libcublas"), "no driver: the device list says so (\"%s\") and cuBLAS is not loaded",
               note);
      /* No GPU on the machines the unit suite runs on; where there is one,
       * the gpu suite covers it. */
      DlabDeviceSpec cuda = {DLAB_DEVICE_CUDA, 0};
      if (dlab_device_check(cuda) == 0) {
        tap_skip_all("a usable GPU is here: the gpu suite tests it");
        return 77;
      }
      const char *words[] = {"--device cuda:0"};
      expect_cuda_refused(words, 1, 0);
      /* The module itself loads: every engine function it calls is
       * exported by this executable, linked as dlab and digit-lab are. */
      char versions[256];
      dlab_cuda_version_text(versions, sizeof versions);
      tap_ok(strncmp(versions, "CUDA runtime ", 13) == 0, "the CUDA module loads here: %s", versions);
    } else {
      const char *words[] = {"built without CUDA"};
      expect_cuda_refused(words, 1, 1);
    }
  }
  return tap_done();
}
