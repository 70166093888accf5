/* Folder-of-PNGs datasets: decoding the listed PNGs into a uint8 dataset.
 *
 * Decoding tens of thousands of small PNGs is the slow part of opening such
 * a dataset, so it runs on the engine's thread pool; each worker writes its
 * own samples, and the first failing file (lowest index, so the message does
 * not depend on scheduling) is reported. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "datasets/folder.h"
#include "dlab/error.h"
#include "dlab/image.h"
#include "dlab/threads.h"
#include "folder_internal.h"

#include "core/i18n.h"
#include "core/memory.h"

#define DECODE_GRAIN 64

typedef struct {
  const DlabSampleList *samples;
  DlabDataset *d;
  int resize; /* scale images of another size instead of refusing them */
  const char *first_path; /* the image that fixed the size, for messages */
  pthread_mutex_t lock;  /* guards error and the lowering of error_index */
  /* Atomic: every worker reads it before each file, while the one that
   * meets a bad file lowers it. */
  atomic_int error_index;
  char error[1024];
} DecodeJob;

static void record_error(DecodeJob *job, int index) {
  pthread_mutex_lock(&job->lock);
  if (index < atomic_load(&job->error_index)) {
    atomic_store(&job->error_index, index);
    snprintf(job->error, sizeof job->error, "%s", dlab_error_message());
  }
  pthread_mutex_unlock(&job->lock);
}

/* HWC (as decoded) to the dataset's CHW. */
static void store_chw(const DlabImage *img, uint8_t *dst) {
  size_t plane = (size_t)img->w * (size_t)img->h;
  for (int ch = 0; ch < img->c; ch++)
    for (size_t i = 0; i < plane; i++) dst[(size_t)ch * plane + i] = img->data[i * (size_t)img->c + (size_t)ch];
}

static int decode_one(DecodeJob *job, int i) {
  DlabDataset *d = job->d;
  const char *path = job->samples->paths[i];
  DlabImage img = {0}, scaled = {0};
  if (dlab_image_read_png(path, d->c, &img) < 0) return -1;
  const DlabImage *use = &img;
  if (img.w != d->w || img.h != d->h) {
    if (!job->resize) {
      int w = img.w, h = img.h;
      dlab_image_free(&img);
      return dlab_error(_("%s: %dx%d, but the dataset's images are %dx%d (as %s); give --resize "
                          "%dx%d to scale them all"),
                        path, w, h, d->w, d->h, job->first_path, d->w, d->h);
    }
    if (dlab_image_resize(&img, d->w, d->h, &scaled) < 0) {
      dlab_image_free(&img);
      return dlab_error_prefix("%s", path);
    }
    use = &scaled;
  }
  store_chw(use, d->images + (size_t)i * (size_t)d->c * (size_t)d->h * (size_t)d->w);
  dlab_image_free(&img);
  dlab_image_free(&scaled);
  return 0;
}

static void decode_range(void *arg, size_t begin, size_t end) {
  DecodeJob *job = arg;
  for (size_t i = begin; i < end; i++) {
    if ((int)i > atomic_load_explicit(&job->error_index, memory_order_relaxed))
      return; /* an earlier file already failed */
    if (decode_one(job, (int)i) < 0) {
      record_error(job, (int)i);
      return;
    }
  }
}

static int decode_all(const DlabSampleList *s, DlabDataset *d, int resize, const char *first) {
  size_t sample = (size_t)d->c * (size_t)d->h * (size_t)d->w;
  d->images = malloc((size_t)s->n * sample);
  d->labels = malloc((size_t)s->n);
  if (!d->images || !d->labels) return dlab_error(_("%s: out of memory for %d images"), d->name, s->n);
  dlab_advise_huge_pages(d->images, (size_t)s->n * sample);
  memcpy(d->labels, s->labels, (size_t)s->n);
  d->n = s->n;
  DecodeJob job = {.samples = s, .d = d, .resize = resize, .first_path = first,
                   .lock = PTHREAD_MUTEX_INITIALIZER};
  atomic_init(&job.error_index, s->n);
  dlab_parallel_for((size_t)s->n, DECODE_GRAIN, decode_range, &job);
  pthread_mutex_destroy(&job.lock);
  if (atomic_load(&job.error_index) < s->n) return dlab_error("%s", job.error);
  return 0;
}

static int init_split(const char *dir, const DlabFolderListing *l, int c, int w, int h,
                      DlabDataset *d) {
  memset(d, 0, sizeof *d);
  if ((size_t)snprintf(d->name, sizeof d->name, "folder:%s", dir) >= sizeof d->name)
    snprintf(d->name, sizeof d->name, "folder");
  snprintf(d->orientation, sizeof d->orientation, "normal");
  d->c = c;
  d->w = w;
  d->h = h;
  return dlab_dataset_set_classes(d, (const char *const *)l->class_names, l->num_classes);
}

/* Size and channels: asked for, or those of the first training image. */
static int decide_shape(const DlabFolderListing *l, const DlabDatasetOptions *opt, int *c, int *w,
                        int *h) {
  int fw, fh, fc;
  if (dlab_image_png_info(l->train.paths[0], &fw, &fh, &fc) < 0) return -1;
  *c = opt->channels ? opt->channels : fc;
  *w = opt->resize_w ? opt->resize_w : fw;
  *h = opt->resize_h ? opt->resize_h : fh;
  return 0;
}

int dlab_folder_open(const char *dir, const DlabDatasetOptions *opt, DlabDatasetPair *out) {
  DlabFolderListing l;
  if (dlab_folder_list(dir, &l) < 0) return -1;
  int c, w, h, rc = -1;
  int resize = opt->resize_w > 0;
  const char *first = l.train.paths[0];
  if (decide_shape(&l, opt, &c, &w, &h) < 0 || init_split(dir, &l, c, w, h, &out->train) < 0 ||
      init_split(dir, &l, c, w, h, &out->test) < 0 ||
      decode_all(&l.train, &out->train, resize, first) < 0 ||
      decode_all(&l.test, &out->test, resize, first) < 0) {
    dlab_dataset_pair_free(out);
    goto done;
  }
  /* No published statistics: measure the training split, normalize both. */
  dlab_dataset_compute_stats(&out->train, out->train.mean, out->train.std);
  out->train.stats_from_data = 1;
  dlab_dataset_copy_stats(&out->test, &out->train);
  snprintf(out->root, sizeof out->root, "%s", dir);
  rc = 0;
done:
  dlab_folder_listing_free(&l);
  return rc;
}
