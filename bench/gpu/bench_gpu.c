/* bench_gpu: seconds per training epoch of a zoo network on a CUDA GPU,
 * through the very call `dlab train --device cuda` makes (dlab_train):
 * the training set uploaded once, batches gathered on the GPU, the step a
 * CUDA graph. The first epoch (graph capture, cuBLAS start-up) is a warm-up;
 * the figure is the fastest of the timed epochs after it (DlabEpochInfo's
 * seconds: the training steps, not the evaluation that follows).
 *
 *   bench_gpu NETWORK [--batch B] [--optim sgd|adam] [--lr LR] [--momentum M]
 *             [--epochs N] [--device cuda:N] [--data DIR] [--tf32 0|1]
 *
 * Networks with 1x28x28 inputs train on MNIST's 60,000 training images
 * (random images of that shape when MNIST is not found), cifarnet on 50,000
 * random images of CIFAR-10's shape, as bench_train and torch_gpu.py do.
 * Prints one line of key=value pairs for bench/gpu/run.sh:
 *   dlab network=lenet batch=256 data=mnist steps=235 epoch_s=0.0812 ...
 * Without a usable GPU it says why on stderr and exits 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/device.h"
#include "dlab/error.h"
#include "dlab/rng.h"
#include "dlab/train.h"
#include "dlab/zoo.h"

#define MAX_EPOCHS 64
#define TEST_IMAGES 1000 /* the per-epoch evaluation is not timed; keep it short */

typedef struct {
  const char *network, *optim, *data, *device;
  int batch, epochs, tf32;
  float lr, momentum;
} Args;

static double epoch_seconds[MAX_EPOCHS + 1];

static void on_epoch(const DlabEpochInfo *e, void *user) {
  (void)user;
  if (e->epoch >= 1 && e->epoch <= MAX_EPOCHS) epoch_seconds[e->epoch] = e->seconds;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_gpu NETWORK [--batch B] [--optim sgd|adam] [--lr LR] [--momentum M]\n"
                  "                 [--epochs N] [--device cuda:N] [--data DIR] [--tf32 0|1]\n");
  return 2;
}

static int parse(int argc, char **argv, Args *a) {
  *a = (Args){.optim = "sgd", .device = "cuda", .batch = 64, .epochs = 3, .tf32 = 1, .lr = 0.01f};
  if (argc < 2) return -1;
  a->network = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return -1;
    if (strcmp(k, "--batch") == 0) a->batch = atoi(v);
    else if (strcmp(k, "--optim") == 0) a->optim = v;
    else if (strcmp(k, "--lr") == 0) a->lr = strtof(v, NULL);
    else if (strcmp(k, "--momentum") == 0) a->momentum = strtof(v, NULL);
    else if (strcmp(k, "--epochs") == 0) a->epochs = atoi(v);
    else if (strcmp(k, "--device") == 0) a->device = v;
    else if (strcmp(k, "--data") == 0) a->data = v;
    else if (strcmp(k, "--tf32") == 0) a->tf32 = atoi(v);
    else return -1;
    i++;
  }
  return a->batch >= 1 && a->epochs >= 1 && a->epochs < MAX_EPOCHS && dlab_zoo_find(a->network) ? 0 : -1;
}

/* n random images of c x h x w with random labels (bench_train's stand-in). */
static int random_set(DlabDataset *d, const char *name, int n, int c, int h, int w, uint64_t seed) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->n = n, d->c = c, d->h = h, d->w = w, d->num_classes = 10;
  d->images = malloc((size_t)n * c * h * w);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) return dlab_error("out of memory for %d random images", n);
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < (size_t)n * c * h * w; i++) d->images[i] = (uint8_t)dlab_rng_below(&rng, 256);
  for (int i = 0; i < n; i++) d->labels[i] = (uint8_t)dlab_rng_below(&rng, 10);
  for (int ch = 0; ch < c; ch++) d->mean[ch] = 0.5f, d->std[ch] = 0.25f;
  snprintf(d->orientation, sizeof d->orientation, "normal");
  return 0;
}

/* MNIST when it is there, else random data of the network's input shape. */
static int load(const Args *a, DlabShape in, DlabDatasetPair *p, const char **source) {
  memset(p, 0, sizeof *p);
  if (in.d[0] == 1 && in.d[1] == 28 && dlab_dataset_load("mnist", a->data, p) == 0) {
    *source = "mnist";
    if (p->test.n > TEST_IMAGES) p->test.n = TEST_IMAGES;
    return 0;
  }
  dlab_dataset_pair_free(p);
  memset(p, 0, sizeof *p);
  *source = "random";
  int n = in.d[0] == 3 ? 50000 : 60000;
  if (random_set(&p->train, "random", n, in.d[0], in.d[1], in.d[2], 1) < 0 ||
      random_set(&p->test, "random-test", TEST_IMAGES, in.d[0], in.d[1], in.d[2], 2) < 0)
    return -1;
  return 0;
}

int main(int argc, char **argv) {
  Args a;
  if (parse(argc, argv, &a) < 0) return usage();
  DlabDeviceSpec device;
  if (dlab_device_parse(a.device, &device) < 0 || dlab_device_check(device) < 0) {
    fprintf(stderr, "bench_gpu: no CUDA device: %s\n", dlab_error_message());
    return 3;
  }
  setenv("DLAB_CUDA_TF32", a.tf32 ? "1" : "0", 1);
  DlabShape in = {3, {1, 28, 28}};
  sscanf(dlab_zoo_find(a.network)->input, "%dx%dx%d", &in.d[0], &in.d[1], &in.d[2]);
  DlabDatasetPair data;
  const char *source = "";
  DlabModel *m = NULL;
  int rc = 1;
  if (load(&a, in, &data, &source) < 0 || !(m = dlab_model_create(a.network, in, 1))) goto done;
  DlabTrainConfig cfg = dlab_train_defaults();
  DlabOptimKind kind;
  if (dlab_optim_parse_kind(a.optim, &kind) < 0) goto done;
  cfg.optim = dlab_optim_defaults(kind);
  cfg.optim.lr = a.lr;
  cfg.optim.momentum = a.momentum;
  cfg.epochs = a.epochs + 1; /* the first is the warm-up */
  cfg.batch_size = a.batch;
  cfg.seed = 1;
  cfg.on_epoch = on_epoch;
  DlabTrainResult result;
  cfg.device = device;
  if (dlab_train(m, &data.train, &data.test, &cfg, &result) < 0) goto done;
  double best = epoch_seconds[2], warm = epoch_seconds[1];
  for (int e = 3; e <= cfg.epochs; e++)
    if (epoch_seconds[e] < best) best = epoch_seconds[e];
  DlabDeviceInfo devices[17];
  int n = dlab_devices_list(devices, 17, NULL, 0);
  const char *gpu = device.index + 1 < n && device.index + 1 < 17 ? devices[device.index + 1].name : "?";
  printf("dlab network=%s batch=%d optim=%s data=%s steps=%ld epoch_s=%.4f warmup_s=%.4f epochs=%d "
         "train_loss=%.4f tf32=%d gpu=\"%s\"\n",
         a.network, a.batch, a.optim, source, (long)((data.train.n + a.batch - 1) / a.batch), best, warm, a.epochs,
         result.last.train_loss, a.tf32, gpu);
  rc = 0;
done:
  if (rc) fprintf(stderr, "bench_gpu: %s\n", dlab_error_message());
  dlab_model_free(m);
  dlab_dataset_pair_free(&data);
  return rc;
}
