/* The prefetching loader: without augmentation it gives exactly the batches
 * dlab_train always made (same shuffle stream, same normalization); with
 * augmentation the batches do not depend on the number of workers, nor on
 * the thread pool's workers making images between the loops of a step;
 * every epoch holds every sample once; resuming at an epoch gives that
 * epoch. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "loader/loader.h"
#include "test_util.h"

#define N 37
#define SIDE 6
#define BS 8
#define EPOCHS 3

static uint8_t images[N * SIDE * SIDE], labels[N];
static DlabDataset data = {.n = N, .c = 1, .h = SIDE, .w = SIDE, .images = images, .labels = labels,
                           .num_classes = N, .mean = {0.3f}, .std = {0.2f}};

typedef struct {
  float x[EPOCHS][N * SIDE * SIDE];
  uint8_t y[EPOCHS][N];
} Run;

/* Parallel loops after each batch, as a training step runs: between them
 * the pool's workers make images (the loader is the pool's idle task). */
static int step_loops;
static volatile float step_sink[64];

static void step_range(void *arg, size_t begin, size_t end) {
  (void)arg;
  for (size_t i = begin; i < end; i++)
    for (int k = 0; k < 2000; k++) step_sink[i] = step_sink[i] * 0.5f + (float)k;
}

/* The batches of epochs 1..EPOCHS, concatenated. */
static int collect(const char *transforms, int workers, Run *out) {
  DlabTransformList t;
  if (dlab_transforms_parse(transforms, &t) < 0) return -1;
  DlabLoaderConfig c = dlab_loader_defaults();
  c.data = &data;
  c.transforms = &t;
  c.batch_size = BS;
  c.seed = 11;
  c.workers = workers;
  c.prefetch = 3;
  DlabLoader *l = dlab_loader_create(&c);
  if (!l) return -1;
  DlabTensor x = {0};
  uint8_t y[BS];
  for (int e = 1; e <= EPOCHS; e++) {
    dlab_loader_begin_epoch(l, e);
    int at = 0, count;
    while (dlab_loader_next(l, &x, y, &count) == 1) {
      memcpy(out->x[e - 1] + at * SIDE * SIDE, x.data, (size_t)count * SIDE * SIDE * sizeof(float));
      memcpy(out->y[e - 1] + at, y, (size_t)count);
      at += count;
      for (int k = 0; k < step_loops; k++) dlab_parallel_for(64, 1, step_range, NULL);
    }
    if (at != N) return -1;
  }
  dlab_tensor_free(&x);
  dlab_loader_free(l);
  return 0;
}

/* What dlab_train did before the loader existed. */
static void reference(Run *out) {
  uint32_t order[N];
  for (int i = 0; i < N; i++) order[i] = (uint32_t)i;
  DlabRng rng;
  dlab_rng_derive(&rng, 11, 0x5348554646ULL);
  DlabTensor x = {0};
  for (int e = 0; e < EPOCHS; e++) {
    dlab_rng_shuffle(&rng, order, N);
    for (int start = 0; start < N; start += BS) {
      int count = N - start < BS ? N - start : BS;
      dlab_dataset_gather(&data, order + start, count, &x, out->y[e] + start);
      memcpy(out->x[e] + start * SIDE * SIDE, x.data, (size_t)count * SIDE * SIDE * sizeof(float));
    }
  }
  dlab_tensor_free(&x);
}

static int each_once(const Run *r) {
  for (int e = 0; e < EPOCHS; e++) {
    int seen[N] = {0};
    for (int i = 0; i < N; i++) seen[r->y[e][i]]++;
    for (int i = 0; i < N; i++)
      if (seen[i] != 1) return 0;
  }
  return 1;
}

static int same(const Run *a, const Run *b) { return memcmp(a, b, sizeof *a) == 0; }

/* A background worker descheduled in the middle of an image: the first
 * one to claim an image stops there until released (or 10 s). */
static atomic_int stall_state; /* 0 none yet, 1 stalled, 2 released, 3 gave up */

static void stall_first_claim(void) {
  int none = 0;
  if (!atomic_compare_exchange_strong(&stall_state, &none, 1)) return;
  for (int ms = 0; ms < 10000 && atomic_load(&stall_state) == 1; ms++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  int stalled = 1;
  atomic_compare_exchange_strong(&stall_state, &stalled, 3);
}

/* Epoch 1 with the worker stalled on an image from the start: the batches
 * come without waiting for it. 1 if the whole epoch came while it stood
 * still and matched `want`. */
static int epoch_past_stalled_worker(const Run *want) {
  DlabTransformList t;
  if (dlab_transforms_parse("rotate:10,crop:6:1", &t) < 0) return 0;
  DlabLoaderConfig c = dlab_loader_defaults();
  c.data = &data;
  c.transforms = &t;
  c.batch_size = BS;
  c.seed = 11;
  c.workers = 1;
  c.prefetch = 3;
  atomic_store(&stall_state, 0);
  dlab_loader_set_worker_hook(stall_first_claim);
  DlabLoader *l = dlab_loader_create(&c);
  if (!l) return 0;
  dlab_loader_begin_epoch(l, 1);
  for (int ms = 0; ms < 10000 && atomic_load(&stall_state) == 0; ms++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  int ok = atomic_load(&stall_state) == 1, at = 0, count;
  DlabTensor x = {0};
  uint8_t y[BS];
  while (ok && dlab_loader_next(l, &x, y, &count) == 1) {
    ok &= memcmp(y, want->y[0] + at, (size_t)count) == 0 &&
          memcmp(x.data, want->x[0] + at * SIDE * SIDE, (size_t)count * SIDE * SIDE * sizeof(float)) == 0;
    at += count;
  }
  int stalled = 1;
  ok &= at == N && atomic_compare_exchange_strong(&stall_state, &stalled, 2);
  dlab_loader_begin_epoch(l, 2); /* the released worker's late image is dropped */
  while (ok && dlab_loader_next(l, &x, y, &count) == 1) ok &= count > 0;
  dlab_tensor_free(&x);
  dlab_loader_free(l);
  dlab_loader_set_worker_hook(NULL);
  return ok;
}

int main(void) {
  for (int i = 0; i < N * SIDE * SIDE; i++) images[i] = (uint8_t)(i * 7 + i / 36);
  for (int i = 0; i < N; i++) labels[i] = (uint8_t)i;
  static Run ref, inline_run, async, aug0, aug1, aug3;
  reference(&ref);
  int rc = collect("", 0, &inline_run);
  tap_ok(rc == 0 && same(&ref, &inline_run),
         "no augmentation, no workers: exactly the batches dlab_train made before");
  rc = collect("", 2, &async);
  tap_ok(rc == 0 && same(&ref, &async), "no augmentation, 2 background workers: the same batches");
  tap_ok(each_once(&ref), "every epoch holds every sample exactly once");
  int r0 = collect("rotate:10,crop:6:1", 0, &aug0);
  int r1 = collect("rotate:10,crop:6:1", 1, &aug1);
  int r3 = collect("rotate:10,crop:6:1", 3, &aug3);
  tap_ok(r0 == 0 && r1 == 0 && r3 == 0 && same(&aug0, &aug1) && same(&aug0, &aug3),
         "augmented batches are the same with 0, 1 or 3 workers");
  static Run pooled;
  dlab_threads_set(3);
  step_loops = 20;
  int rp = collect("rotate:10,crop:6:1", 1, &pooled);
  step_loops = 0;
  tap_ok(rp == 0 && same(&aug0, &pooled),
         "augmented batches are the same when the pool's 2 workers make images between a step's loops");
  dlab_threads_set(1);
  tap_ok(r0 == 0 && epoch_past_stalled_worker(&aug0),
         "a worker stalled in the middle of an image holds up no batch: the training thread makes it again");
  tap_ok(r0 == 0 && memcmp(aug0.y, ref.y, sizeof ref.y) == 0 && memcmp(aug0.x, ref.x, sizeof ref.x) != 0,
         "augmentation keeps the order and labels and changes the pixels");
  tap_ok(r0 == 0 && memcmp(aug0.x[0], aug0.x[1], sizeof aug0.x[0]) != 0,
         "each epoch augments anew");

  /* Resuming: a new loader asked for epoch 3 directly. */
  DlabLoaderConfig c = dlab_loader_defaults();
  c.data = &data;
  c.batch_size = BS;
  c.seed = 11;
  c.workers = 2;
  DlabLoader *l = dlab_loader_create(&c);
  DlabTensor x = {0};
  uint8_t y[BS];
  int count = 0, ok = l != NULL;
  if (l) {
    dlab_loader_begin_epoch(l, 1);
    ok &= dlab_loader_next(l, &x, y, &count) == 1 && count == BS; /* then abandon epoch 1 */
    dlab_loader_begin_epoch(l, 3);
    for (int at = 0; ok && dlab_loader_next(l, &x, y, &count) == 1; at += count)
      ok &= memcmp(y, ref.y[2] + at, (size_t)count) == 0 &&
            memcmp(x.data, ref.x[2] + at * SIDE * SIDE, (size_t)count * SIDE * SIDE * sizeof(float)) == 0;
    ok &= dlab_loader_wait_seconds(l) >= 0 && dlab_loader_batches_per_epoch(l) == 5;
    dlab_loader_begin_epoch(l, 2); /* going back replays from the start */
    ok &= dlab_loader_next(l, &x, y, &count) == 1 && memcmp(y, ref.y[1], (size_t)count) == 0;
  }
  tap_ok(ok, "an abandoned epoch, a jump to epoch 3 (resume) and back to 2 give those epochs' batches");
  dlab_tensor_free(&x);
  dlab_loader_free(l);

  DlabTransformList t;
  dlab_transforms_parse("crop:4", &t);
  c.transforms = &t;
  l = dlab_loader_create(&c);
  tap_ok(!l && strstr(dlab_error_message(), "crop:4"), "a transform that does not fit the images: \"%s\"",
         dlab_error_message());
  dlab_threads_shutdown();
  return tap_done();
}
