/* bench_train: times one training epoch of a network with the engine's API,
 * the same calls dlab_train() makes per step (gather, forward, loss,
 * backward, optimizer step), and single-image inference latency.
 *
 *   bench_train NETWORK [--batch B] [--optim sgd|adam] [--lr LR]
 *               [--momentum M] [--threads T] [--fraction F] [--data DIR]
 *               [--images N] [--seed S]
 *   bench_train NETWORK --latency REPS [--threads T]
 *
 * NETWORK is a zoo network or a spec, which takes 1x28x28 inputs (mlp
 * without its batch norms: "flatten | linear 300 | relu | linear 100 |
 * relu | linear 10").
 *
 * --profile (training) also prints, after the line below, where the step's
 * time goes: each layer group's forward and backward wall seconds (a fused
 * group, e.g. conv + relu + maxpool, counts as one, named by its layers),
 * their share of the step and the GFLOP/s of its convolution or linear
 * layer (the same FLOP count as `gflop`); then gathering the batch, the
 * loss and the optimizer's step, each a row, and what is left of the step
 * (the calls between them).
 *
 * Networks with 1x28x28 inputs train on MNIST's 60,000 training images
 * (random images of the same shape when MNIST is not found); cifarnet on
 * 50,000 random images of CIFAR-10's shape. --fraction runs that share of the
 * epoch's steps and scales the time up (for quick checks).
 *
 * Prints one line of `key=value` pairs that bench/run.sh reads:
 *   seconds   the measured wall time of the steps run
 *   epoch_s   seconds scaled to a whole epoch
 *   gflop     floating-point work of a whole epoch's convolutions and
 *             linears (forward, weight gradient and input gradient; no input
 *             gradient for the first layer, which PyTorch skips as well)
 *   rss_mb    peak resident memory of this process */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dlab/clock.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/model.h"
#include "dlab/optim.h"
#include "dlab/threads.h"
#include "dlab/zoo.h"
#include "nn/loss.h"
#include "nn/model_impl.h"
#include "bench_sort.h"

typedef struct {
  const char *network, *optim, *data;
  int batch, threads, images, latency_reps, profile;
  float lr, momentum, fraction;
  unsigned long seed;
} Args;

/* CPU time of the whole process (all threads): with other programs on the
 * machine, it moves less than the wall time. */
static double cpu_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_train NETWORK [--batch B] [--optim sgd|adam] [--lr LR] [--momentum M]\n"
                  "                   [--threads T] [--fraction F] [--data DIR] [--images N] [--seed S] [--profile]\n"
                  "       bench_train NETWORK --latency REPS [--threads T]\n");
  return 2;
}

static int parse_args(int argc, char **argv, Args *a) {
  *a = (Args){.optim = "sgd", .batch = 64, .threads = 1, .lr = 0.01f, .fraction = 1.0f, .seed = 1};
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i];
    if (k[0] != '-') {
      a->network = k;
      continue;
    }
    if (!strcmp(k, "--profile")) {
      a->profile = 1;
      continue;
    }
    if (i + 1 >= argc) return usage();
    const char *v = argv[++i];
    if (!strcmp(k, "--batch")) a->batch = atoi(v);
    else if (!strcmp(k, "--optim")) a->optim = v;
    else if (!strcmp(k, "--lr")) a->lr = strtof(v, NULL);
    else if (!strcmp(k, "--momentum")) a->momentum = strtof(v, NULL);
    else if (!strcmp(k, "--threads")) a->threads = atoi(v);
    else if (!strcmp(k, "--fraction")) a->fraction = strtof(v, NULL);
    else if (!strcmp(k, "--data")) a->data = v;
    else if (!strcmp(k, "--images")) a->images = atoi(v);
    else if (!strcmp(k, "--seed")) a->seed = strtoul(v, NULL, 10);
    else if (!strcmp(k, "--latency")) a->latency_reps = atoi(v);
    else return usage();
  }
  if (!a->network || a->batch < 1 || !(a->fraction > 0 && a->fraction <= 1)) return usage();
  return 0;
}

/* n random images of shape c x h x w with labels in [0, 10). */
static int random_dataset(DlabDataset *d, int n, int c, int h, int w, unsigned long seed) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "random");
  d->n = n, d->c = c, d->h = h, d->w = w;
  d->num_classes = 10;
  d->images = malloc((size_t)n * c * h * w);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) return dlab_error("out of memory for %d random images", n);
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < (size_t)n * c * h * w; i++) d->images[i] = (uint8_t)dlab_rng_below(&rng, 256);
  for (int i = 0; i < n; i++) d->labels[i] = (uint8_t)dlab_rng_below(&rng, 10);
  for (int ch = 0; ch < DLAB_MAX_CHANNELS; ch++) d->mean[ch] = 0.5f, d->std[ch] = 0.25f;
  return 0;
}

/* MNIST's training split for 1x28x28 networks, random images otherwise. */
static int load_data(const Args *a, DlabShape in, DlabDatasetPair *pair, const char **source) {
  memset(pair, 0, sizeof *pair);
  if (in.d[0] == 1 && in.d[1] == 28 && in.d[2] == 28 && !a->images &&
      dlab_dataset_load("mnist", a->data, pair) == 0) {
    *source = "mnist";
    return 0;
  }
  *source = "random";
  int n = a->images ? a->images : in.d[0] == 3 ? 50000 : 60000;
  return random_dataset(&pair->train, n, in.d[0], in.d[1], in.d[2], a->seed);
}

/* Multiply-adds of one sample's forward pass through layer l, times two. */
static double layer_flops(const DlabLayer *l) {
  if (l->ops == &dlab_linear_ops) return 2.0 * l->in_shape.d[0] * l->out_shape.d[0];
  if (l->ops == &dlab_conv2d_ops) {
    double k = l->params[0].value.shape[2];
    return 2.0 * dlab_shape_numel(l->out_shape) * l->in_shape.d[0] * k * k;
  }
  return 0.0;
}

/* Training work per sample: forward + weight gradient + input gradient,
 * where the first weighted layer needs no input gradient. */
static double train_flops_per_sample(const DlabModel *m) {
  double total = 0;
  int first = 1;
  for (int i = 0; i < m->n_layers; i++) {
    double f = layer_flops(m->layers[i]);
    if (f == 0) continue;
    total += first ? 2 * f : 3 * f;
    first = 0;
  }
  return total;
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

static DlabOptimizer *make_optimizer(const Args *a, DlabModel *m) {
  DlabOptimKind kind;
  if (dlab_optim_parse_kind(a->optim, &kind) < 0) return NULL;
  DlabOptimConfig cfg = dlab_optim_defaults(kind);
  cfg.lr = a->lr;
  cfg.momentum = kind == DLAB_OPTIM_SGD ? a->momentum : 0.0f;
  return dlab_optimizer_create(&cfg, m);
}

/* When profiling: seconds spent outside the layers, in gathering the
 * batch, the loss and the optimizer's step. */
static double outside_seconds[3];

/* The per-step calls of train.c's train_epoch, over `steps` batches. */
static int run_steps(DlabModel *m, DlabOptimizer *opt, const DlabDataset *d, const uint32_t *order,
                     long steps, int batch, float lr, uint8_t *labels) {
  const int profile = m->profile != NULL;
  for (long s = 0; s < steps; s++) {
    int start = (int)(s * batch);
    int count = d->n - start < batch ? d->n - start : batch;
    double t0 = profile ? dlab_now_seconds() : 0;
    dlab_dataset_gather(d, order + start, count, &m->acts[0], labels);
    double t1 = profile ? dlab_now_seconds() : 0;
    DlabTensor *logits = dlab_model_forward(m, count, 1);
    double t2 = profile ? dlab_now_seconds() : 0;
    DlabLossResult r = dlab_cross_entropy(logits, labels, 0.0f, dlab_model_dlogits(m));
    double t3 = profile ? dlab_now_seconds() : 0;
    if (!isfinite(r.loss)) return dlab_error("step %ld: the loss is not finite", s + 1);
    dlab_model_backward(m);
    double t4 = profile ? dlab_now_seconds() : 0;
    dlab_optimizer_step(opt, lr);
    if (profile) {
      outside_seconds[0] += t1 - t0;
      outside_seconds[1] += t3 - t2;
      outside_seconds[2] += dlab_now_seconds() - t4;
    }
  }
  return 0;
}

/* Layers i .. i + fused of m, as "conv1+relu+maxpool". */
static void group_name(const DlabModel *m, int i, char *out, size_t n) {
  out[0] = 0;
  for (int k = i; k <= i + m->layers[i]->fused; k++) {
    size_t used = strlen(out);
    snprintf(out + used, n - used, "%s%s", k > i ? "+" : "", dlab_model_layer_summary(m, k).kind);
  }
}

/* The profile of `seconds` of training over `images` images: one row per
 * layer group, then what the layers leave (batch, loss, optimizer). */
static void print_profile(const DlabModel *m, double seconds, double images) {
  printf("# per layer group: forward and backward seconds over the steps run, share of the step, GFLOP/s\n");
  printf("# %-28s %9s %9s %7s %9s\n", "group", "fwd_s", "bwd_s", "share", "GFLOP/s");
  double layers = 0;
  int first = 1;
  for (int i = 0; i < m->n_layers; i += 1 + m->layers[i]->fused) {
    char name[128];
    group_name(m, i, name, sizeof name);
    double fwd = m->profile[2 * i], bwd = m->profile[2 * i + 1], flops = 0;
    for (int k = i; k <= i + m->layers[i]->fused; k++) {
      double f = layer_flops(m->layers[k]);
      flops += f == 0 ? 0 : first ? 2 * f : 3 * f;
      if (f > 0) first = 0;
    }
    layers += fwd + bwd;
    printf("# %-28s %9.3f %9.3f %6.1f%% %9.2f\n", name, fwd, bwd, 100 * (fwd + bwd) / seconds,
           flops > 0 ? flops * images * 1e-9 / (fwd + bwd) : 0.0);
  }
  static const char *const outside[3] = {"(batch)", "(loss)", "(optimizer)"};
  for (int k = 0; k < 3; k++) {
    printf("# %-28s %9s %9.3f %6.1f%%\n", outside[k], "", outside_seconds[k], 100 * outside_seconds[k] / seconds);
    layers += outside_seconds[k];
  }
  printf("# %-28s %9s %9.3f %6.1f%%\n", "(rest of the step)", "", seconds - layers, 100 * (seconds - layers) / seconds);
}

static int bench_epoch(const Args *a, DlabModel *m) {
  DlabDatasetPair pair;
  const char *source = NULL;
  if (load_data(a, m->input, &pair, &source) < 0) return -1;
  const DlabDataset *d = &pair.train;
  int rc = -1;
  uint32_t *order = malloc((size_t)d->n * sizeof *order);
  uint8_t *labels = malloc((size_t)a->batch);
  DlabOptimizer *opt = make_optimizer(a, m);
  if (!order || !labels || !opt || dlab_model_set_batch(m, a->batch) < 0) goto done;
  for (int i = 0; i < d->n; i++) order[i] = (uint32_t)i;
  DlabRng rng;
  dlab_rng_derive(&rng, a->seed, 0x5348554646ULL);
  dlab_rng_shuffle(&rng, order, (uint32_t)d->n);

  long epoch_steps = (d->n + a->batch - 1) / a->batch;
  long steps = (long)ceil(epoch_steps * (double)a->fraction);
  if (steps < 1) steps = 1;
  if (a->profile && dlab_model_profile_start(m) < 0) goto done;
  double t0 = dlab_now_seconds(), c0 = cpu_sec();
  if (run_steps(m, opt, d, order, steps, a->batch, a->lr, labels) < 0) goto done;
  double seconds = dlab_now_seconds() - t0, cpu = cpu_sec() - c0;
  double images = fmin((double)steps * a->batch, d->n);
  double gflop = train_flops_per_sample(m) * d->n * 1e-9;
  printf("network=%s data=%s images=%d batch=%d optim=%s threads=%d steps=%ld seconds=%.4f "
         "epoch_s=%.4f cpu_epoch_s=%.4f gflop=%.3f gflops=%.2f rss_mb=%.1f blas=%s\n",
         a->network, source, d->n, a->batch, a->optim, a->threads, steps, seconds,
         seconds * d->n / images, cpu * d->n / images, gflop, gflop / (seconds * d->n / images), peak_rss_mb(), openblas_get_corename());
  if (a->profile) print_profile(m, seconds, images);
  rc = 0;
done:
  dlab_optimizer_free(opt);
  free(order);
  free(labels);
  dlab_dataset_free(&pair.train);
  dlab_dataset_free(&pair.test);
  return rc;
}

/* Eval-mode forward pass and softmax of one image, `reps` times. */
static int bench_latency(const Args *a, DlabModel *m) {
  int reps = a->latency_reps;
  double *us = malloc((size_t)reps * sizeof *us);
  DlabTensor probs = {0};
  int shape[2] = {1, dlab_model_num_outputs(m)};
  if (!us || dlab_model_set_batch(m, 1) < 0 || dlab_tensor_init(&probs, 2, shape) < 0) {
    free(us);
    return -1;
  }
  DlabRng rng;
  dlab_rng_seed(&rng, a->seed);
  for (int warm = 0; warm < 100 + reps; warm++) {
    for (size_t i = 0; i < m->acts[0].capacity && i < (size_t)dlab_shape_numel(m->input); i++)
      m->acts[0].data[i] = dlab_rng_range(&rng, -1, 1);
    double t0 = dlab_now_seconds();
    dlab_softmax(dlab_model_forward(m, 1, 0), &probs);
    double t = (dlab_now_seconds() - t0) * 1e6;
    if (warm >= 100) us[warm - 100] = t;
  }
  bench_sort_doubles(us, (size_t)reps);
  printf("network=%s latency_reps=%d threads=%d median_us=%.2f p99_us=%.2f min_us=%.2f\n", a->network, reps,
         a->threads, us[reps / 2], us[(int)(reps * 0.99)], us[0]);
  free(us);
  dlab_tensor_free(&probs);
  return 0;
}

int main(int argc, char **argv) {
  Args a;
  if (parse_args(argc, argv, &a) != 0) return 2;
  if (dlab_threads_set(a.threads) < 0) {
    fprintf(stderr, "bench_train: %s\n", dlab_error_message());
    return 1;
  }
  const DlabZooEntry *z = dlab_zoo_find(a.network);
  DlabShape in = {3, {1, 28, 28}};
  if (z && dlab_shape_parse(z->input, &in) < 0) {
    fprintf(stderr, "bench_train: %s\n", dlab_error_message());
    return 1;
  }
  DlabModel *m = dlab_model_create(a.network, in, a.seed);
  int rc = !m ? -1 : a.latency_reps > 0 ? bench_latency(&a, m) : bench_epoch(&a, m);
  if (rc < 0) fprintf(stderr, "bench_train: %s\n", dlab_error_message());
  dlab_model_free(m);
  dlab_threads_shutdown();
  return rc < 0 ? 1 : 0;
}
