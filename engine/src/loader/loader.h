/* The batch loader: shuffles, augments (transform.h) and normalizes
 * training batches on background threads, a few batches ahead of the
 * training loop, so that the loop never waits for data. With augmentation
 * and workers, the thread pool's workers make images too, between the
 * parallel loops of a training step (loader.c).
 *
 * Batches are deterministic: the order is the trainer's seeded shuffle
 * (one more shuffle per epoch, as dlab_train always did) and each sample's
 * augmentation draws from its own generator (dlab_transform_rng), so the
 * numbers do not depend on the number of workers or on timing. */
#ifndef DLAB_LOADER_H
#define DLAB_LOADER_H

#include <stdint.h>

#include "dlab/dataset.h"
#include "dlab/tensor.h"
#include "dlab/transform.h"

typedef struct {
  const DlabDataset *data;             /* kept by the caller while the loader lives */
  const DlabTransformList *transforms; /* NULL or empty: normalization only */
  int batch_size;
  uint64_t seed;
  int shuffle;  /* 1: a new order every epoch; 0: the dataset's order */
  int workers;  /* background threads; 0: batches are made inside
                   dlab_loader_next; -1: automatic (none without
                   augmentation, else 1 per 2 cores); at most
                   DLAB_LOADER_MAX_WORKERS */
  int prefetch; /* batches made ahead (0: 4) */
} DlabLoaderConfig;

#define DLAB_LOADER_MAX_WORKERS 4

DlabLoaderConfig dlab_loader_defaults(void);

typedef struct DlabLoader DlabLoader;

/* Checks the transforms against the data's shape and allocates every
 * buffer (nothing is allocated per batch). NULL with a message on error. */
DlabLoader *dlab_loader_create(const DlabLoaderConfig *cfg);

long dlab_loader_batches_per_epoch(const DlabLoader *l);
int dlab_loader_epoch(const DlabLoader *l); /* the epoch begun last, 0 before any */
int dlab_loader_workers(const DlabLoader *l);

/* Starts epoch `epoch` (1-based): its order (replaying the shuffles of
 * skipped epochs, so resuming gives the order of an uninterrupted run), and
 * the workers on its first batches. Abandons what is left of the previous
 * epoch. */
void dlab_loader_begin_epoch(DlabLoader *l, int epoch);

/* The epoch's next batch into x (count x C x H x W; x grows only the first
 * time) and labels[0..count). Returns 1, or 0 when the epoch is over. */
int dlab_loader_next(DlabLoader *l, DlabTensor *x, uint8_t *labels, int *count);

/* Seconds dlab_loader_next has spent waiting for a batch, or making one
 * itself because no worker had started it, since the epoch began. */
double dlab_loader_wait_seconds(const DlabLoader *l);

/* The sample order of the epoch begun last (d->n sample numbers, until the
 * next dlab_loader_begin_epoch): for a training backend that keeps the data
 * on its device and makes the batches there, in the loader's order. */
const uint32_t *dlab_loader_order(const DlabLoader *l);

void dlab_loader_free(DlabLoader *l);

/* For tests: called by a background worker after it has claimed an image
 * and before it makes it (a worker the system deschedules there). NULL:
 * none. Set it while no loader exists. */
typedef void (*DlabLoaderWorkerHook)(void);
void dlab_loader_set_worker_hook(DlabLoaderWorkerHook hook);

#endif
