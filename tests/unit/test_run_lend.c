/* A run over lent datasets (the application's: the Data page, the Train
 * page and the run share one copy) does not copy them: without a
 * validation split it reads the lender's images, with one it copies them
 * once (into the two parts), and it leaves the lender as it was. Counted
 * with the allocator's own figures (bytes in use), not the resident size. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/run.h"
#include "test_util.h"

#define N_TRAIN 40000
#define N_TEST 1000
#define SAMPLE (28 * 28)

static void make(DlabDataset *d, int n) {
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "mnist");
  snprintf(d->orientation, sizeof d->orientation, "normal");
  d->n = n, d->c = 1, d->h = 28, d->w = 28, d->num_classes = 10;
  d->images = malloc((size_t)n * SAMPLE);
  d->labels = malloc((size_t)n);
  for (size_t i = 0; i < (size_t)n * SAMPLE; i++) d->images[i] = (uint8_t)(i * 7);
  for (int i = 0; i < n; i++) d->labels[i] = (uint8_t)(i % 10);
  d->mean[0] = 0.1307f, d->std[0] = 0.3081f;
}

/* Bytes the allocator hands out now (heap and mmap'ed blocks). */
static size_t in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

/* How many bytes preparing the run took, the run still held. */
static long prepared_bytes(const DlabDatasetPair *pair, double val_split, const char *out, int *ok) {
  DlabRunOptions o = dlab_run_options_defaults();
  o.dataset = "mnist";
  o.model = "mlp";
  o.threads = 1;
  o.out = out;
  o.val_split = val_split;
  size_t before = in_use();
  DlabRun *run = dlab_run_prepare(&o, pair, 0, NULL);
  long grown = (long)(in_use() - before);
  *ok = run != NULL;
  if (!run) printf("# %s\n", dlab_error_message());
  dlab_run_free(run);
  return grown;
}

int main(void) {
  DlabDatasetPair pair;
  memset(&pair, 0, sizeof pair);
  make(&pair.train, N_TRAIN);
  make(&pair.test, N_TEST);
  uint8_t first = pair.train.images[SAMPLE * 5 + 3], label = pair.train.labels[5];
  long data_bytes = (long)N_TRAIN * SAMPLE, ok = 0;
  int prepared;
  char out[] = "/tmp/dlab-run-lend-XXXXXX";
  if (!mkdtemp(out)) return 1;
  char path[64];
  snprintf(path, sizeof path, "%s/m.safetensors", out);

  long whole = prepared_bytes(&pair, 0, path, &prepared);
  tap_ok(prepared && whole < data_bytes / 2,
         "no split: the run holds %ld bytes beside %ld bytes of lent images (no copy)", whole, data_bytes);
  long split = prepared_bytes(&pair, 0.1, path, &prepared);
  tap_ok(prepared && split < data_bytes + data_bytes / 2,
         "a 0.1 split: the run holds %ld bytes, one copy of the %ld bytes (its two parts)", split, data_bytes);
  ok = pair.train.n == N_TRAIN && pair.train.images[SAMPLE * 5 + 3] == first && pair.train.labels[5] == label &&
       pair.train.mean[0] == 0.1307f && pair.test.mean[0] == 0.1307f;
  tap_ok(ok, "the lender's datasets are as they were");
  dlab_dataset_pair_free(&pair);
  remove(path);
  remove(out);
  return tap_done();
}
