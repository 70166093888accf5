/* The data pipeline's speed on this machine:
 *  1. the loader alone: MNIST training images per second through
 *     shuffle + transforms (default rotate:10,crop:28:2 and normalize) +
 *     batching, as the training loop receives them;
 *  2. with --model NAME: training epochs without and with the
 *     augmentation, in --repeat (3) pairs; the fastest of each is
 *     compared, since on a shared machine other work only ever adds time,
 *     and so are the pairs (the median of their ratios). --images N
 *     trains these epochs on the first N images only: shorter epochs, more
 *     of them in the same time, so the fastest is likelier to be a quiet
 *     one. The CPU time of the process is printed beside the wall time:
 *     what the augmentation costs whatever else the machine is doing.
 *
 *   bench_loader [--data DIR] [--transform LIST] [--workers N] [--epochs N]
 *                [--batch-size N] [--model digitnet] [--threads N] [--repeat N]
 *                [--images N]
 * Prints one `key value` line per figure (for scripts) after a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlab/clock.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/threads.h"
#include "dlab/train.h"
#include "dlab/transform.h"
#include "loader/loader.h"
#include "bench_sort.h"

typedef struct {
  const char *data, *transform, *model;
  int workers, epochs, batch, threads, repeat, images;
} Args;

static int parse_args(int argc, char **argv, Args *a) {
  for (int i = 1; i < argc; i += 2) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return fprintf(stderr, "bench_loader: %s needs a value\n", k), -1;
    if (strcmp(k, "--data") == 0) a->data = v;
    else if (strcmp(k, "--transform") == 0) a->transform = v;
    else if (strcmp(k, "--model") == 0) a->model = v;
    else if (strcmp(k, "--workers") == 0) a->workers = atoi(v);
    else if (strcmp(k, "--epochs") == 0) a->epochs = atoi(v);
    else if (strcmp(k, "--batch-size") == 0) a->batch = atoi(v);
    else if (strcmp(k, "--threads") == 0) a->threads = atoi(v);
    else if (strcmp(k, "--repeat") == 0) a->repeat = atoi(v);
    else if (strcmp(k, "--images") == 0) a->images = atoi(v);
    else return fprintf(stderr, "bench_loader: unknown option %s\n", k), -1;
  }
  return 0;
}

/* Images per second through the loader, the first epoch not counted. */
static double loader_rate(const DlabDataset *d, const DlabTransformList *t, const Args *a, int workers,
                          int *used_workers) {
  DlabLoaderConfig c = dlab_loader_defaults();
  c.data = d;
  c.transforms = t;
  c.batch_size = a->batch;
  c.workers = workers;
  DlabLoader *l = dlab_loader_create(&c);
  if (!l) return -1;
  *used_workers = dlab_loader_workers(l);
  DlabTensor x = {0};
  uint8_t *labels = malloc((size_t)a->batch);
  int count;
  double t0 = 0;
  long images = 0;
  for (int e = 0; e <= a->epochs; e++) {
    if (e == 1) t0 = dlab_now_seconds();
    dlab_loader_begin_epoch(l, e + 1);
    while (dlab_loader_next(l, &x, labels, &count) == 1)
      if (e > 0) images += count;
  }
  double rate = images / (dlab_now_seconds() - t0);
  free(labels);
  dlab_tensor_free(&x);
  dlab_loader_free(l);
  return rate;
}

static double cpu_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The process's CPU time from the end of the first step to the end of the
 * last: the training loop's, not model creation's or the test's. */
typedef struct {
  double first, last;
} CpuSpan;

static void on_step(const DlabStepInfo *info, void *user) {
  CpuSpan *c = user;
  if (info->step_in_epoch == 1) c->first = cpu_sec();
  if (info->step_in_epoch == info->steps_per_epoch) c->last = cpu_sec();
}

static int epoch_seconds(const char *model, DlabDatasetPair *p, const DlabTransformList *t, const Args *a,
                         double *seconds, double *cpu, double *wait) {
  DlabShape in = {3, {p->train.c, p->train.h, p->train.w}};
  DlabModel *m = dlab_model_create(model, in, 1);
  if (!m) return -1;
  DlabTrainConfig cfg = dlab_train_defaults();
  cfg.epochs = 1;
  cfg.batch_size = a->batch;
  cfg.transforms = t;
  cfg.loader_workers = a->workers;
  CpuSpan span = {0, 0};
  cfg.on_step = on_step;
  cfg.user = &span;
  DlabTrainResult r;
  int rc = dlab_train(m, &p->train, &p->test, &cfg, &r);
  dlab_model_free(m);
  *seconds = r.last.seconds;
  *cpu = span.last - span.first;
  *wait = r.last.data_wait_sec;
  return rc;
}

#define MAX_REPEAT 16

/* Epochs without and with the transforms, in pairs back to back (the
 * order swapped every other pair, so that a trend in the machine's load
 * favours neither): the fastest of each, and the median of the pairs'
 * ratios, which other work on the machine disturbs least. */
static int compare_epochs(const Args *a, DlabDatasetPair *p, const DlabTransformList *none,
                          const DlabTransformList *t) {
  double plain[MAX_REPEAT], aug[MAX_REPEAT], plain_cpu[MAX_REPEAT], aug_cpu[MAX_REPEAT];
  double ratio[MAX_REPEAT], cpu_ratio[MAX_REPEAT], wait = 0, w = 0, aug_total = 0;
  int n = a->repeat < 1 ? 1 : a->repeat > MAX_REPEAT ? MAX_REPEAT : a->repeat;
  int full_n = p->train.n, test_n = p->test.n;
  if (a->images > 0 && a->images < full_n) p->train.n = a->images;
  if (p->test.n > 1000) p->test.n = 1000; /* evaluated after each epoch, not timed */
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    for (int k = 0; k < 2 && rc == 0; k++) {
      if ((k == 0) == (i % 2 == 0)) {
        rc = epoch_seconds(a->model, p, none, a, &plain[i], &plain_cpu[i], &w);
      } else {
        rc = epoch_seconds(a->model, p, t, a, &aug[i], &aug_cpu[i], &w);
        wait += w;
        aug_total += aug[i];
      }
    }
    if (rc == 0) ratio[i] = aug[i] / plain[i], cpu_ratio[i] = aug_cpu[i] / plain_cpu[i];
  }
  int images = p->train.n;
  p->train.n = full_n;
  p->test.n = test_n;
  if (rc < 0) return -1;
  double *sorted[] = {plain, aug, plain_cpu, aug_cpu, ratio, cpu_ratio};
  for (int k = 0; k < 6; k++) bench_sort_doubles(sorted[k], (size_t)n);
  double slow = 100 * (aug[0] / plain[0] - 1), slow_cpu = 100 * (aug_cpu[0] / plain_cpu[0] - 1);
  double paired = 100 * (ratio[n / 2] - 1), paired_cpu = 100 * (cpu_ratio[n / 2] - 1);
  printf("%s epoch of %d images, %d pairs: fastest %.2f s without augmentation, %.2f s with it (%+.1f%%); "
         "medians %.2f s and %.2f s; median of the pairs' ratios %+.1f%%; the loop waited %.3f s for data "
         "in all\n",
         a->model, images, n, plain[0], aug[0], slow, plain[n / 2], aug[n / 2], paired, wait);
  printf("  CPU time: least %.2f s without, %.2f s with it (%+.1f%%); median of the pairs' ratios %+.1f%%\n",
         plain_cpu[0], aug_cpu[0], slow_cpu, paired_cpu);
  printf("epoch_images %d\nepoch_seconds_plain %.3f\nepoch_seconds_augmented %.3f\nepoch_slowdown_percent %.1f\n"
         "epoch_slowdown_paired_median_percent %.1f\nepoch_cpu_seconds_plain %.3f\n"
         "epoch_cpu_seconds_augmented %.3f\nepoch_cpu_slowdown_percent %.1f\n"
         "epoch_cpu_slowdown_paired_median_percent %.1f\n",
         images, plain[0], aug[0], slow, paired, plain_cpu[0], aug_cpu[0], slow_cpu, paired_cpu);
  /* The loader's share of an augmented epoch: the time the training loop
   * stood still for a batch (waiting for a worker or making it itself). */
  printf("loader_wait_seconds %.3f\nloader_wait_share_percent %.2f\n", wait, aug_total > 0 ? 100 * wait / aug_total : 0);
  return 0;
}

int main(int argc, char **argv) {
  Args a = {.transform = "rotate:10,crop:28:2,normalize", .workers = -1, .epochs = 2, .batch = 64,
            .repeat = 3};
  if (parse_args(argc, argv, &a) < 0) return 2;
  DlabTransformList t, none = {0};
  DlabDatasetPair p;
  if (dlab_threads_set(a.threads) < 0 || dlab_transforms_parse(a.transform, &t) < 0 ||
      dlab_dataset_load("mnist", a.data, &p) < 0) {
    fprintf(stderr, "bench_loader: %s\n", dlab_error_message());
    return 1;
  }
  char desc[256];
  int workers = 0, inline_workers = 0;
  double rate = loader_rate(&p.train, &t, &a, a.workers, &workers);
  double inline_rate = loader_rate(&p.train, &t, &a, 0, &inline_workers);
  if (rate < 0 || inline_rate < 0) {
    fprintf(stderr, "bench_loader: %s\n", dlab_error_message());
    return 1;
  }
  printf("loader: %s on %d MNIST images, batches of %d, %d epochs timed\n",
         dlab_transforms_describe(&t, desc, sizeof desc), p.train.n, a.batch, a.epochs);
  printf("  %.0f images/s with %d background worker%s, %.0f images/s in the calling thread\n", rate,
         workers, workers == 1 ? "" : "s", inline_rate);
  printf("loader_images_per_sec %.0f\nloader_workers %d\nloader_inline_images_per_sec %.0f\n", rate, workers,
         inline_rate);
  if (a.model && compare_epochs(&a, &p, &none, &t) < 0) {
    fprintf(stderr, "bench_loader: %s\n", dlab_error_message());
    return 1;
  }
  dlab_dataset_pair_free(&p);
  dlab_threads_shutdown();
  return 0;
}
