/* The prefetching batch loader (loader.h).
 *
 * A ring of `depth` slots: batch b is made into slot b % depth once the
 * training loop has taken batch b - depth out of that slot. Batches are made
 * image by image, and any of three kinds of makers claims the next image:
 *  - the loader's workers, at the lowest priority (they run when a core
 *    would otherwise idle long enough for the system to schedule them);
 *  - the thread pool, in the moments between two parallel loops of a
 *    training step (its workers) and at the end of a loop (the thread
 *    that runs it, while it waits for the workers' last chunks): the pool's
 *    idle task (dlab_threads_set_idle_task). They are too short for the
 *    system to switch threads, long enough for a few images, and on a
 *    machine whose every core trains they are the only free moments;
 *  - the training thread, for the batch it needs now and no other.
 * An image's numbers do not depend on who made it (its generator is its
 * own: dlab_transform_rng), so neither do the batches. Hence also the
 * training thread never waits for an image another maker has claimed: that
 * maker may have been descheduled in the middle of it (a low-priority
 * worker, whose core the training threads took back, runs again only when
 * a core idles), so the training thread makes the image again itself.
 * Makers make an image into a buffer of their own and copy it into its
 * slot under the lock, where the first copy of an image wins. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/clock.h"
#include "dlab/error.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "loader/loader.h"

#include "core/i18n.h"

#define SHUFFLE_STREAM 0x5348554646ULL /* "SHUFF", the stream dlab_train has always used */
#define DEFAULT_PREFETCH 4

typedef struct {
  DlabTensor x;
  uint8_t *labels;
  uint8_t *image_done; /* of `making`, augmented: which images are in x */
  int count;
  long batch;      /* the batch it holds, ready; -1 when none */
  long making;     /* the batch being made into it; -1 when none */
  int epoch;       /* of `making` */
  int next_image;  /* images of `making` claimed */
  int done_images; /* images of `making` finished */
} Slot;

/* What a thread makes images with: its augmenter, and the image it makes
 * before copying it into its slot. */
typedef struct {
  DlabAugmenter *aug;
  float *image;
} Maker;

typedef struct {
  DlabLoader *loader;
  Maker maker;
} Worker;

struct DlabLoader {
  DlabLoaderConfig cfg;
  const DlabDataset *d;
  int augment;
  uint32_t *order;
  DlabRng shuffle_rng;
  int shuffled_epochs;
  long batches;
  int epoch;
  Maker inline_maker; /* the training thread's own */
  int n_workers, started;
  Worker *workers;
  pthread_t *threads;
  /* the thread pool's own (helper[w] for worker w, 0 the thread whose loop
   * runs), when the loader is the pool's idle task */
  Maker *helper;
  int n_helpers;
  int helping; /* help_between_loops is the pool's idle task */
  Slot *slots;
  int depth;
  pthread_mutex_t lock;
  pthread_cond_t work, ready;
  long next_claim, next_consume; /* next_claim: the next batch to open */
  int in_flight, active, quit;
  atomic_int has_work; /* a hint, read without the lock by the pool's workers */
  double wait_sec;
};

DlabLoaderConfig dlab_loader_defaults(void) {
  DlabLoaderConfig c;
  memset(&c, 0, sizeof c);
  c.batch_size = 64;
  c.seed = 1;
  c.shuffle = 1;
  c.workers = -1;
  return c;
}

static int auto_workers(int augment) {
  if (!augment) return 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int n = cores > 1 ? (int)(cores / 2) : 1;
  return n > DLAB_LOADER_MAX_WORKERS ? DLAB_LOADER_MAX_WORKERS : n;
}

static int batch_count(const DlabLoader *l, long b) {
  long start = b * l->cfg.batch_size;
  return l->d->n - start < l->cfg.batch_size ? (int)(l->d->n - start) : l->cfg.batch_size;
}

static size_t sample_size(const DlabDataset *d) { return (size_t)d->c * (size_t)d->h * (size_t)d->w; }

/* Makes image i of batch b (of epoch `epoch`) into out; returns its label. */
static uint8_t make_image(const DlabLoader *l, DlabAugmenter *aug, long b, int i, int epoch, float *out) {
  const DlabDataset *d = l->d;
  uint32_t k = l->order[b * l->cfg.batch_size + i];
  DlabRng rng;
  dlab_transform_rng(&rng, l->cfg.seed, epoch, k);
  dlab_augmenter_run(aug, d->images + k * sample_size(d), out, &rng);
  return d->labels[k];
}

/* Makes all of batch b, in the calling thread (no workers). */
static int make_batch(DlabLoader *l, DlabAugmenter *aug, long b, int epoch, DlabTensor *x, uint8_t *labels) {
  const DlabDataset *d = l->d;
  int count = batch_count(l, b);
  if (!l->augment) {
    dlab_dataset_gather(d, l->order + b * l->cfg.batch_size, count, x, labels);
    return count;
  }
  int shape[4] = {count, d->c, d->h, d->w};
  dlab_tensor_resize(x, 4, shape); /* within capacity: sized at creation */
  for (int i = 0; i < count; i++) labels[i] = make_image(l, aug, b, i, epoch, x->data + (size_t)i * sample_size(d));
  return count;
}

/* Images [image, image + n) of a batch, claimed by a maker: one image of an
 * augmented batch, the whole of one without augmentation (a copy through
 * the normalization table: no work worth sharing). */
typedef struct {
  Slot *slot;
  long batch;
  int image, n;
} Claim;

/* The batch opened last, if it has images nobody has claimed yet. */
static Slot *open_slot(DlabLoader *l) {
  if (l->next_claim == 0) return NULL;
  Slot *s = &l->slots[(l->next_claim - 1) % l->depth];
  return s->making == l->next_claim - 1 && s->next_image < s->count ? s : NULL;
}

static int can_open(const DlabLoader *l, long limit) {
  return l->next_claim < l->batches && l->next_claim <= limit && l->next_claim < l->next_consume + l->depth;
}

static void update_hint(DlabLoader *l) {
  atomic_store(&l->has_work, l->active && (open_slot(l) || can_open(l, l->batches)));
}

/* Claims the next image to make (lock held) of a batch up to `limit`:
 * the rest of the batch opened last, else the first image of the next
 * batch where its slot is free. 0 when there is none. */
static int claim_image(DlabLoader *l, long limit, Claim *c) {
  if (!l->active) return 0;
  Slot *s = open_slot(l);
  if (!s || s->making > limit) {
    if (!can_open(l, limit)) return 0;
    long b = l->next_claim++;
    s = &l->slots[b % l->depth];
    s->batch = -1;
    s->making = b;
    s->epoch = l->epoch;
    s->count = batch_count(l, b);
    s->next_image = s->done_images = 0;
    if (l->augment) memset(s->image_done, 0, (size_t)s->count);
    int shape[4] = {s->count, l->d->c, l->d->h, l->d->w};
    dlab_tensor_resize(&s->x, 4, shape); /* within capacity: sized at creation */
    if (s->count > 1) pthread_cond_broadcast(&l->work); /* its other images */
  }
  int n = l->augment ? 1 : s->count - s->next_image;
  *c = (Claim){s, s->making, s->next_image, n};
  s->next_image += n;
  l->in_flight++;
  update_hint(l);
  return 1;
}

/* An image of the batch the training thread needs now that another maker
 * claimed and has not finished (lock held): the training thread makes it
 * again (see the top of the file). 0 when there is none. */
static int claim_unfinished(DlabLoader *l, long b, Claim *c) {
  Slot *s = &l->slots[b % l->depth];
  if (!l->augment || s->making != b) return 0;
  for (int i = 0; i < s->next_image; i++)
    if (!s->image_done[i]) {
      *c = (Claim){s, b, i, 1};
      l->in_flight++;
      return 1;
    }
  return 0;
}

/* Copies a made image into its slot (lock held), unless another maker's
 * copy of it is there already, or the batch is done and its slot reused
 * (a maker descheduled for that long). */
static void commit_image(DlabLoader *l, const Claim *c, const float *image, uint8_t label) {
  Slot *s = c->slot;
  if (s->making != c->batch || s->image_done[c->image]) return;
  memcpy(s->x.data + (size_t)c->image * sample_size(l->d), image, sample_size(l->d) * sizeof *image);
  s->labels[c->image] = label;
  s->image_done[c->image] = 1;
  s->done_images++;
}

/* Makes the claimed images (lock released meanwhile) and marks them done;
 * the batch's last image makes the batch ready. Called and returns with
 * the lock held. */
static void make_claimed(DlabLoader *l, Maker *m, const Claim *c) {
  Slot *s = c->slot;
  int epoch = s->epoch;
  pthread_mutex_unlock(&l->lock);
  uint8_t label = 0;
  if (l->augment)
    label = make_image(l, m->aug, c->batch, c->image, epoch, m->image);
  else
    make_batch(l, m->aug, c->batch, epoch, &s->x, s->labels);
  pthread_mutex_lock(&l->lock);
  l->in_flight--;
  if (l->augment)
    commit_image(l, c, m->image, label);
  else
    s->done_images += c->n;
  if (s->making == c->batch && s->done_images == s->count) {
    s->making = -1;
    s->batch = c->batch;
  }
  pthread_cond_broadcast(&l->ready); /* the batch, or in_flight for begin_epoch */
}

/* The pool's idle task: one image, if one may be made. */
static int help_between_loops(void *arg, int worker) {
  DlabLoader *l = arg;
  if (!atomic_load(&l->has_work) || worker >= l->n_helpers) return 0;
  pthread_mutex_lock(&l->lock);
  Claim c;
  int did = claim_image(l, l->batches, &c);
  if (did) make_claimed(l, &l->helper[worker], &c);
  pthread_mutex_unlock(&l->lock);
  return did;
}

/* Workers run at the lowest priority: on a machine whose cores are all busy
 * training they use the moments a core idles instead of taking a core from
 * the training threads. Should they fall behind (other programs keep every
 * core busy), the training thread makes the images it needs itself
 * (dlab_loader_next), so a starved worker never stalls training. */
static void lower_priority(void) {
#ifdef SCHED_IDLE
  struct sched_param sp = {0};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
#endif
}

static DlabLoaderWorkerHook worker_hook;

void dlab_loader_set_worker_hook(DlabLoaderWorkerHook hook) { worker_hook = hook; }

static void *worker_main(void *arg) {
  Worker *w = arg;
  DlabLoader *l = w->loader;
  lower_priority();
  pthread_mutex_lock(&l->lock);
  for (;;) {
    Claim c;
    while (!l->quit && !claim_image(l, l->batches, &c)) pthread_cond_wait(&l->work, &l->lock);
    if (l->quit) break;
    if (worker_hook) {
      pthread_mutex_unlock(&l->lock);
      worker_hook();
      pthread_mutex_lock(&l->lock);
    }
    make_claimed(l, &w->maker, &c);
  }
  pthread_mutex_unlock(&l->lock);
  return NULL;
}

static int alloc_slots(DlabLoader *l) {
  const DlabDataset *d = l->d;
  l->slots = calloc((size_t)l->depth, sizeof *l->slots);
  if (!l->slots) return -1;
  for (int i = 0; i < l->depth; i++) {
    Slot *s = &l->slots[i];
    s->batch = s->making = -1;
    s->labels = malloc((size_t)l->cfg.batch_size);
    s->image_done = calloc((size_t)l->cfg.batch_size, 1);
    if (!s->labels || !s->image_done || dlab_tensor_init4(&s->x, l->cfg.batch_size, d->c, d->h, d->w) < 0)
      return -1;
  }
  return 0;
}

/* An augmenter and an image buffer; no buffer without augmentation (whole
 * batches are gathered into their slot). */
static int init_maker(const DlabLoader *l, Maker *m) {
  const DlabDataset *d = l->d;
  if (!l->augment) return 0;
  m->aug = dlab_augmenter_create(l->cfg.transforms, d->c, d->h, d->w, d->mean, d->std);
  if (!m->aug) return -1;
  m->image = malloc(sample_size(d) * sizeof *m->image);
  return m->image ? 0 : dlab_error(_("loader: out of memory"));
}

static void free_maker(Maker *m) {
  dlab_augmenter_free(m->aug);
  free(m->image);
}

static int start_workers(DlabLoader *l) {
  l->workers = calloc((size_t)l->n_workers, sizeof *l->workers);
  l->threads = calloc((size_t)l->n_workers, sizeof *l->threads);
  if (!l->workers || !l->threads || alloc_slots(l) < 0) return dlab_error(_("loader: out of memory"));
  for (int i = 0; i < l->n_workers; i++) {
    l->workers[i].loader = l;
    if (init_maker(l, &l->workers[i].maker) < 0) return -1;
  }
  for (int i = 0; i < l->n_workers; i++) {
    if (pthread_create(&l->threads[i], NULL, worker_main, &l->workers[i]) != 0)
      return dlab_error(_("loader: cannot start worker thread %d"), i + 1);
    l->started++;
  }
  return 0;
}

/* Augmented batches are also made by the thread pool between the loops of
 * a step, and by the thread that runs a loop while it waits for the end of
 * the workers' chunks (help_between_loops), each with its own maker.
 * Another loader may hold the pool's idle task already (two trainings in
 * one process): this one then does without. */
static int start_helpers(DlabLoader *l) {
  int n = dlab_threads_get();
  if (!l->augment || n < 2) return 0;
  l->helper = calloc((size_t)n, sizeof *l->helper);
  if (!l->helper) return dlab_error(_("loader: out of memory"));
  l->n_helpers = n;
  for (int i = 0; i < n; i++)
    if (init_maker(l, &l->helper[i]) < 0) return -1;
  l->helping = dlab_threads_set_idle_task(help_between_loops, l) == 0;
  return 0;
}

DlabLoader *dlab_loader_create(const DlabLoaderConfig *cfg) {
  const DlabDataset *d = cfg->data;
  if (!d || d->n < 1) {
    dlab_error(_("loader: the dataset is empty"));
    return NULL;
  }
  if (cfg->batch_size < 1) {
    dlab_error(_("--batch-size %d: must be at least 1"), cfg->batch_size);
    return NULL;
  }
  DlabLoader *l = calloc(1, sizeof *l);
  if (!l) {
    dlab_error(_("loader: out of memory"));
    return NULL;
  }
  l->cfg = *cfg;
  l->d = d;
  l->augment = dlab_transforms_augment(cfg->transforms);
  l->batches = (d->n + cfg->batch_size - 1) / cfg->batch_size;
  l->n_workers = cfg->workers < 0 ? auto_workers(l->augment) : cfg->workers;
  if (l->n_workers > DLAB_LOADER_MAX_WORKERS) l->n_workers = DLAB_LOADER_MAX_WORKERS;
  l->depth = cfg->prefetch > 0 ? cfg->prefetch : DEFAULT_PREFETCH;
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->work, NULL);
  pthread_cond_init(&l->ready, NULL);
  l->order = malloc((size_t)d->n * sizeof *l->order);
  if (!l->order) {
    dlab_error(_("loader: out of memory"));
    goto fail;
  }
  for (int i = 0; i < d->n; i++) l->order[i] = (uint32_t)i;
  dlab_rng_derive(&l->shuffle_rng, cfg->seed, SHUFFLE_STREAM);
  if (dlab_transforms_check(cfg->transforms, d->c, d->h, d->w) < 0) goto fail;
  if (init_maker(l, &l->inline_maker) < 0) goto fail;
  if (l->n_workers > 0 && (start_workers(l) < 0 || start_helpers(l) < 0)) goto fail;
  return l;
fail:
  dlab_loader_free(l);
  return NULL;
}

long dlab_loader_batches_per_epoch(const DlabLoader *l) { return l->batches; }
int dlab_loader_workers(const DlabLoader *l) { return l->n_workers; }
int dlab_loader_epoch(const DlabLoader *l) { return l->epoch; }
double dlab_loader_wait_seconds(const DlabLoader *l) { return l->wait_sec; }
const uint32_t *dlab_loader_order(const DlabLoader *l) { return l->order; }

/* Brings the order to epoch `epoch`: the identity shuffled once per epoch. */
static void order_for_epoch(DlabLoader *l, int epoch) {
  if (!l->cfg.shuffle) return;
  if (epoch < l->shuffled_epochs) {
    for (int i = 0; i < l->d->n; i++) l->order[i] = (uint32_t)i;
    dlab_rng_derive(&l->shuffle_rng, l->cfg.seed, SHUFFLE_STREAM);
    l->shuffled_epochs = 0;
  }
  for (; l->shuffled_epochs < epoch; l->shuffled_epochs++)
    dlab_rng_shuffle(&l->shuffle_rng, l->order, (uint32_t)l->d->n);
}

void dlab_loader_begin_epoch(DlabLoader *l, int epoch) {
  pthread_mutex_lock(&l->lock);
  l->active = 0;
  update_hint(l);
  while (l->in_flight > 0) pthread_cond_wait(&l->ready, &l->lock);
  pthread_mutex_unlock(&l->lock);
  order_for_epoch(l, epoch);
  pthread_mutex_lock(&l->lock);
  l->epoch = epoch;
  l->next_claim = l->next_consume = 0;
  l->wait_sec = 0;
  for (int i = 0; i < l->depth && l->slots; i++) l->slots[i].batch = l->slots[i].making = -1;
  l->active = 1;
  update_hint(l);
  pthread_cond_broadcast(&l->work);
  pthread_mutex_unlock(&l->lock);
}

static void copy_slot(const Slot *s, DlabTensor *x, uint8_t *labels, int *count) {
  int shape[4] = {s->x.shape[0], s->x.shape[1], s->x.shape[2], s->x.shape[3]};
  if (dlab_tensor_resize(x, 4, shape) == 0) memcpy(x->data, s->x.data, s->x.numel * sizeof *x->data);
  memcpy(labels, s->labels, (size_t)s->count);
  *count = s->count;
}

int dlab_loader_next(DlabLoader *l, DlabTensor *x, uint8_t *labels, int *count) {
  if (l->next_consume >= l->batches) return 0;
  long b = l->next_consume;
  if (l->n_workers == 0) {
    *count = make_batch(l, l->inline_maker.aug, b, l->epoch, x, labels);
    l->next_consume++;
    return 1;
  }
  Slot *s = &l->slots[b % l->depth];
  pthread_mutex_lock(&l->lock);
  if (s->batch != b) {
    /* Not ready: make what nobody has claimed of it here, then what
     * others have claimed and not finished. */
    double t0 = dlab_now_seconds();
    while (s->batch != b) {
      Claim c;
      if (claim_image(l, b, &c) || claim_unfinished(l, b, &c))
        make_claimed(l, &l->inline_maker, &c);
      else
        pthread_cond_wait(&l->ready, &l->lock);
    }
    l->wait_sec += dlab_now_seconds() - t0;
  }
  pthread_mutex_unlock(&l->lock);
  copy_slot(s, x, labels, count);
  pthread_mutex_lock(&l->lock);
  l->next_consume++;
  update_hint(l);
  pthread_cond_broadcast(&l->work);
  pthread_mutex_unlock(&l->lock);
  return 1;
}

void dlab_loader_free(DlabLoader *l) {
  if (!l) return;
  if (l->helping) dlab_threads_clear_idle_task(help_between_loops);
  pthread_mutex_lock(&l->lock);
  l->quit = 1;
  pthread_cond_broadcast(&l->work);
  pthread_mutex_unlock(&l->lock);
  for (int i = 0; i < l->started; i++) pthread_join(l->threads[i], NULL);
  for (int i = 0; l->workers && i < l->n_workers; i++) free_maker(&l->workers[i].maker);
  for (int i = 0; l->slots && i < l->depth; i++) {
    dlab_tensor_free(&l->slots[i].x);
    free(l->slots[i].labels);
    free(l->slots[i].image_done);
  }
  for (int i = 0; i < l->n_helpers; i++) free_maker(&l->helper[i]);
  free(l->helper);
  free_maker(&l->inline_maker);
  pthread_mutex_destroy(&l->lock);
  pthread_cond_destroy(&l->work);
  pthread_cond_destroy(&l->ready);
  free(l->slots);
  free(l->workers);
  free(l->threads);
  free(l->order);
  free(l);
}
