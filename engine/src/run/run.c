/* A training run (see run.h): what `dlab train` and the application's
 * Train page both do between "here are the options" and "here are the
 * results". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/path.h"
#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/resume.h"
#include "dlab/run.h"
#include "dlab/tfevents.h"
#include "dlab/threads.h"
#include "dlab/train.h"
#include "dlab/transform.h"
#include "dlab/zoo.h"

#include "core/i18n.h"

#define PATH_SIZE 4096

struct DlabRun {
  DlabRunOptions o;
  DlabDeviceSpec device;
  DlabDatasetPair owned;  /* opened by the run (no lender) */
  int owns_data;
  DlabDataset train, val; /* the run's own: limited, split */
  DlabDataset test;       /* a view: its images are the pair's */
  DlabTransformList transforms;
  DlabModel *model;
  DlabOptimizer *optimizer;
  DlabTrainConfig cfg;
  DlabTfEvents *events;
  DlabRunSummary summary;
  char out[PATH_SIZE], best[PATH_SIZE], csv[PATH_SIZE];
  char run_id[DLAB_RUN_ID_SIZE]; /* the resumed run's */
};

/* "<dataset>-<model>.safetensors" */
static void default_out(const DlabRunOptions *o, char *buf, size_t n) {
  const char *dataset = strncmp(o->dataset, "folder:", 7) == 0 ? "folder" : o->dataset;
  snprintf(buf, n, "%s-%s.safetensors", dataset, dlab_zoo_find(o->model) ? o->model : "custom");
}

/* "run.safetensors" -> "run.best.safetensors" */
static int default_best(const char *out, char *buf, size_t n) {
  if (dlab_path_replace_suffix(out, ".safetensors", ".best.safetensors", buf, n) < 0)
    return dlab_error(_("--out %s: the name is too long"), out);
  return 0;
}

static int open_data(DlabRun *r) {
  DlabDatasetOptions opt = dlab_dataset_options_default();
  opt.data_dir = r->o.data_dir;
  opt.channels = r->o.channels;
  opt.keep_transposed = r->o.keep_transposed;
  if (r->o.resize && dlab_dataset_parse_resize(r->o.resize, &opt) < 0) return -1;
  if (dlab_dataset_open(r->o.dataset, &opt, &r->owned) < 0) return -1;
  r->owns_data = 1;
  return 0;
}

/* The first `limit` training images as the run's own copy (the split
 * reorders it), the validation split, and the test set normalized with the
 * training statistics. */
static int split_data(DlabRun *r, const DlabDatasetPair *data) {
  const DlabDataset *all = &data->train;
  int n = r->o.limit > 0 && r->o.limit < all->n ? r->o.limit : all->n;
  if (r->owns_data) {
    /* The run's own data: no copy, the training set moves to the run. */
    r->train = r->owned.train;
    memset(&r->owned.train, 0, sizeof r->owned.train);
    r->train.n = n;
  } else {
    uint32_t *idx = malloc((size_t)n * sizeof *idx);
    if (!idx) return dlab_error(_("out of memory"));
    for (int i = 0; i < n; i++) idx[i] = (uint32_t)i;
    int rc = dlab_dataset_subset(all, idx, n, &r->train);
    free(idx);
    if (rc < 0) return -1;
  }
  r->test = data->test;
  if (r->o.val_split > 0) {
    if (dlab_dataset_split(&r->train, r->o.val_split, (uint64_t)r->o.split_seed, &r->val) < 0) return -1;
    dlab_dataset_copy_stats(&r->test, &r->train);
  }
  return 0;
}

static int prepare_transforms(DlabRun *r) {
  if (dlab_transforms_parse(r->o.transform, &r->transforms) < 0 ||
      dlab_transforms_set_stats(&r->transforms, &r->train, r->val.n ? &r->val : NULL, &r->test) < 0 ||
      dlab_transforms_check(&r->transforms, r->train.c, r->train.h, r->train.w) < 0)
    return -1;
  return 0;
}

/* The loop's configuration from the options (already checked). */
static int fill_config(DlabRun *r) {
  const DlabRunOptions *o = &r->o;
  DlabTrainConfig *c = &r->cfg;
  DlabOptimKind kind;
  *c = dlab_train_defaults();
  if (dlab_optim_parse_kind(o->optimizer, &kind) < 0 || dlab_schedule_parse(o->schedule, &c->schedule) < 0)
    return -1;
  c->optim = dlab_optim_defaults(kind);
  c->device = r->device;
  if (o->lr > 0) c->optim.lr = o->lr;
  c->optim.momentum = o->momentum;
  c->optim.dampening = o->dampening;
  c->optim.nesterov = o->nesterov;
  if (o->weight_decay >= 0) c->optim.weight_decay = o->weight_decay;
  c->optim.beta1 = o->beta1;
  c->optim.beta2 = o->beta2;
  c->epochs = o->epochs;
  c->batch_size = o->batch_size;
  c->no_shuffle = o->no_shuffle;
  c->label_smoothing = o->label_smoothing;
  c->seed = (uint64_t)o->seed;
  c->loader_workers = o->workers;
  c->transforms = &r->transforms;
  c->val = r->val.n ? &r->val : NULL;
  c->checkpoint = r->out;
  if (o->save_best) {
    if (dlab_save_best_parse(o->save_best, &c->save_best) < 0) return -1;
    if (c->save_best != DLAB_SAVE_BEST_NONE) c->best_checkpoint = r->best;
  }
  c->patience = o->patience;
  return 0;
}

static int make_dir(const char *dir) {
  if (mkdir(dir, 0777) < 0 && errno != EEXIST)
    return dlab_error(_("--log %s: cannot create the directory: %s"), dir, strerror(errno));
  return 0;
}

/* --log DIR: command.txt (the run's command, then a line per resume),
 * metrics.csv (continued when resuming) and a new TensorBoard file. */
static int open_log(DlabRun *r, int argc, const char *const *argv) {
  if (!r->o.log) return 0;
  if (make_dir(r->o.log) < 0) return -1;
  int own_argc = 0;
  char **own = NULL;
  if (!argv) {
    if (!(own = dlab_run_options_to_argv(&r->o, &own_argc))) return -1;
    argc = own_argc;
    argv = (const char *const *)own;
  }
  int rc = dlab_run_command_write(r->o.log, argc, argv, r->o.resume);
  free(own);
  if (rc < 0) return -1;
  snprintf(r->csv, sizeof r->csv, "%s/metrics.csv", r->o.log);
  r->cfg.csv_path = r->csv;
  if (!(r->events = dlab_tfevents_open(r->o.log))) return -1;
  r->cfg.events = r->events;
  return 0;
}

static int build_model(DlabRun *r) {
  DlabShape in = {3, {r->train.c, r->train.h, r->train.w}};
  if (!(r->model = dlab_model_create(r->o.model, in, (uint64_t)r->o.seed))) return -1;
  if (!(r->optimizer = dlab_optimizer_create(&r->cfg.optim, r->model))) return -1;
  r->cfg.optimizer = r->optimizer;
  return 0;
}

static int load_resume_state(DlabRun *r) {
  DlabRunMark mark;
  long spe = (r->train.n + r->cfg.batch_size - 1) / r->cfg.batch_size;
  if (dlab_resume_load(r->out, r->model, r->optimizer, spe, &mark) < 0) return -1;
  r->cfg.start_epoch = mark.epoch;
  memcpy(r->run_id, mark.run_id, sizeof r->run_id);
  r->cfg.run_id = r->run_id;
  return 0;
}

static void fill_summary(DlabRun *r, const DlabDatasetPair *data) {
  DlabRunSummary *s = &r->summary;
  s->model_name = dlab_zoo_find(r->o.model) ? r->o.model : "a custom network";
  s->params = dlab_model_count_params(r->model);
  s->dataset = r->train.name;
  s->data_root = data->root;
  s->n_train = r->train.n;
  s->n_val = r->val.n;
  s->n_test = r->test.n;
  s->start_epoch = r->cfg.start_epoch;
  s->steps_per_epoch = (r->train.n + r->cfg.batch_size - 1) / r->cfg.batch_size;
  s->transforms[0] = '\0';
  if (dlab_transforms_augment(&r->transforms))
    dlab_transforms_describe(&r->transforms, s->transforms, sizeof s->transforms);
  s->checkpoint = r->out;
  s->best_checkpoint = r->cfg.best_checkpoint;
}

DlabRun *dlab_run_prepare(const DlabRunOptions *o, const DlabDatasetPair *data, int argc,
                          const char *const *argv) {
  if (dlab_run_options_check(o) < 0) return NULL;
  DlabRun *r = calloc(1, sizeof *r);
  if (!r) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  r->o = *o;
  if (o->out && strlen(o->out) >= sizeof r->out) {
    dlab_error(_("--out: the name is too long"));
    goto fail;
  }
  if (o->out) snprintf(r->out, sizeof r->out, "%s", o->out);
  else default_out(o, r->out, sizeof r->out);
  if (o->best && strlen(o->best) >= sizeof r->best) {
    dlab_error(_("--best: the name is too long"));
    goto fail;
  }
  if (o->best) snprintf(r->best, sizeof r->best, "%s", o->best);
  else if (default_best(r->out, r->best, sizeof r->best) < 0) goto fail;
  /* Before any data is read: a GPU that is not there is said at once. */
  if (dlab_device_parse(o->device, &r->device) < 0 || dlab_device_check(r->device) < 0) goto fail;
  if (dlab_threads_set(o->threads) < 0) goto fail;
  if (!data) {
    if (open_data(r) < 0) goto fail;
    data = &r->owned;
  }
  if (split_data(r, data) < 0 || prepare_transforms(r) < 0 || fill_config(r) < 0 || build_model(r) < 0)
    goto fail;
  if (o->resume && load_resume_state(r) < 0) goto fail;
  if (open_log(r, argc, argv) < 0) goto fail;
  fill_summary(r, data);
  return r;
fail:
  dlab_run_free(r);
  return NULL;
}

const DlabRunSummary *dlab_run_summary(const DlabRun *run) { return &run->summary; }

int dlab_run_train(DlabRun *r, const DlabRunCallbacks *cb, DlabTrainResult *result) {
  r->cfg.on_step = cb ? cb->on_step : NULL;
  r->cfg.on_epoch = cb ? cb->on_epoch : NULL;
  r->cfg.user = cb ? cb->user : NULL;
  r->cfg.cancel = cb ? cb->cancel : NULL;
  int rc = dlab_train(r->model, &r->train, &r->test, &r->cfg, result);
  int closed = dlab_tfevents_close(r->events);
  r->events = NULL;
  r->cfg.events = NULL;
  return rc < 0 || closed < 0 ? -1 : 0;
}

int dlab_run_save_model(DlabRun *r, const char *path) {
  DlabModelInfo info;
  dlab_model_info_from_dataset(&info, &r->train);
  int rc = dlab_checkpoint_save(path, r->model, &info);
  dlab_model_info_free(&info);
  return rc;
}

int dlab_run_predict_test(DlabRun *r, atomic_int *cancel, DlabRunPredictions *out) {
  memset(out, 0, sizeof *out);
  const DlabDataset *d = &r->test;
  out->n = d->n;
  out->k = d->num_classes;
  out->test = d;
  out->predicted = malloc((size_t)d->n);
  out->confidence = malloc((size_t)d->n * sizeof(float));
  out->p_true = malloc((size_t)d->n * sizeof(float));
  if (!out->predicted || !out->confidence || !out->p_true) {
    dlab_run_predictions_free(out);
    return dlab_error(_("out of memory for the test set's predictions"));
  }
  DlabEvalReadings readings = {out->predicted, out->confidence, out->p_true};
  int rc = dlab_evaluate_readings(r->model, d, 0, cancel, &out->eval, &readings);
  if (rc != 0) dlab_run_predictions_free(out);
  return rc;
}

void dlab_run_predictions_free(DlabRunPredictions *p) {
  dlab_eval_result_free(&p->eval);
  free(p->predicted);
  free(p->confidence);
  free(p->p_true);
  memset(p, 0, sizeof *p);
}

void dlab_run_free(DlabRun *r) {
  if (!r) return;
  if (r->events) dlab_tfevents_close(r->events);
  dlab_optimizer_free(r->optimizer);
  dlab_model_free(r->model);
  dlab_dataset_free(&r->train);
  dlab_dataset_free(&r->val);
  if (r->owns_data) dlab_dataset_pair_free(&r->owned);
  free(r);
}
