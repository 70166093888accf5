/* Model checkpoints and optimizer state as safetensors files.
 *
 * Tensors are stored under the PyTorch state_dict names that the model's
 * parameters carry, so a checkpoint loads into the tutorial's nn.Module with
 * load_state_dict, and a state_dict saved with safetensors.torch loads here.
 * Loading checks everything before it copies anything: a mismatching file
 * leaves the model as it was. */
#include "dlab/checkpoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "io/safetensors.h"
#include "model_info.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

/* ---- saving ---- */

/* Tensors for a list of parameters, plus room for `extra` more at the end.
 * I64 parameters (num_batches_tracked) are converted from their float
 * values into *ints, which the caller frees. */
static DlabStTensor *tensors_for(DlabParam *const *params, int n, int extra, int64_t **ints) {
  size_t n_ints = 0;
  for (int i = 0; i < n; i++)
    if (params[i]->is_int64) n_ints += params[i]->value.numel;
  DlabStTensor *t = calloc((size_t)(n + extra) + 1, sizeof *t);
  *ints = malloc((n_ints ? n_ints : 1) * sizeof **ints);
  if (!t || !*ints) {
    free(t);
    free(*ints);
    *ints = NULL;
    dlab_error(_("out of memory"));
    return NULL;
  }
  int64_t *next_int = *ints;
  for (int i = 0; i < n; i++) {
    const DlabParam *p = params[i];
    const DlabTensor *v = &p->value;
    snprintf(t[i].name, sizeof t[i].name, "%s", p->name);
    t[i].ndim = v->ndim;
    for (int d = 0; d < v->ndim; d++) t[i].shape[d] = v->shape[d];
    if (p->is_int64) {
      for (size_t k = 0; k < v->numel; k++) next_int[k] = (int64_t)llroundf(v->data[k]);
      t[i].dtype = DLAB_ST_I64;
      t[i].data = next_int;
      t[i].nbytes = v->numel * sizeof(int64_t);
      next_int += v->numel;
    } else {
      t[i].dtype = DLAB_ST_F32;
      t[i].data = v->data;
      t[i].nbytes = v->numel * sizeof(float);
    }
  }
  return t;
}

/* The run's mark as three metadata entries appended to keys/values at *n
 * (the texts live in `text`). */
#define MARK_KEYS 3
typedef struct {
  char epoch[16], step[24];
} MarkText;

static void add_mark(const DlabRunMark *mark, MarkText *text, const char **keys, const char **values,
                     int *n) {
  if (!mark) return;
  snprintf(text->epoch, sizeof text->epoch, "%d", mark->epoch);
  snprintf(text->step, sizeof text->step, "%ld", mark->step);
  keys[*n] = "dlab.run_id", values[(*n)++] = mark->run_id;
  keys[*n] = "dlab.epoch", values[(*n)++] = text->epoch;
  keys[*n] = "dlab.step", values[(*n)++] = text->step;
}

int dlab_checkpoint_save_marked(const char *path, const DlabModel *m, const DlabModelInfo *info,
                                const DlabRunMark *mark) {
  CheckpointMeta meta;
  if (checkpoint_meta_build(&meta, m, info) < 0) return dlab_error_prefix("%s", path);
  const char *keys[CHECKPOINT_META_MAX + MARK_KEYS], *values[CHECKPOINT_META_MAX + MARK_KEYS];
  int n_meta = meta.n;
  for (int i = 0; i < meta.n; i++) keys[i] = meta.keys[i], values[i] = meta.values[i];
  MarkText mark_text;
  add_mark(mark, &mark_text, keys, values, &n_meta);
  int64_t *ints;
  DlabStTensor *t = tensors_for(m->params, m->n_params, 0, &ints);
  int rc = -1;
  if (t) {
    dlab_atomic_remove_stale(path);
    rc = dlab_safetensors_write(path, t, m->n_params, keys, values, n_meta);
  }
  free(t);
  free(ints);
  checkpoint_meta_free(&meta);
  return rc;
}

int dlab_checkpoint_save(const char *path, const DlabModel *m, const DlabModelInfo *info) {
  return dlab_checkpoint_save_marked(path, m, info, NULL);
}

/* ---- loading ---- */

static const char *st_shape_str(const DlabStTensor *t, char *buf, size_t n) {
  size_t used = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < t->ndim && used < n; i++)
    used += (size_t)snprintf(buf + used, n - used, i ? ", %lld" : "%lld", (long long)t->shape[i]);
  if (used < n) snprintf(buf + used, n - used, "]");
  return buf;
}

/* Checks the file's tensor for parameter p: present, right dtype, right
 * shape. Returns it, or NULL with a message. */
static const DlabStTensor *matching_tensor(const char *path, const DlabSafetensors *st, const DlabParam *p,
                                           const char *needed_by) {
  const DlabStTensor *t = dlab_safetensors_find(st, p->name);
  if (!t) {
    dlab_error(_("%s: tensor %s missing"), path, p->name);
    return NULL;
  }
  const char *want = p->is_int64 ? "I64" : "F32";
  if ((t->dtype == DLAB_ST_I64) != (p->is_int64 != 0)) {
    dlab_error(_("%s: tensor %s has dtype %s but %s is expected"), path, p->name,
               t->dtype == DLAB_ST_I64 ? "I64" : "F32", want);
    return NULL;
  }
  int same = t->ndim == p->value.ndim;
  for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == p->value.shape[d];
  if (!same) {
    char have[96], need[96];
    dlab_error(_("%s: tensor %s has shape %s but %s needs %s"), path, p->name, st_shape_str(t, have, sizeof have),
               needed_by, dlab_tensor_shape_str(&p->value, need, sizeof need));
    return NULL;
  }
  return t;
}

/* The index of the first value of an F32 tensor that is not finite, or -1.
 * memcpy per element: the file's data need not be aligned. */
static int64_t first_non_finite(const DlabStTensor *t) {
  const unsigned char *src = t->data;
  const size_t n = t->nbytes / sizeof(float);
  for (size_t k = 0; k < n; k++) {
    float v;
    memcpy(&v, src + k * sizeof v, sizeof v);
    if (!isfinite(v)) return (int64_t)k;
  }
  return -1;
}

static int check_finite(const char *path, const DlabStTensor *t) {
  if (t->dtype != DLAB_ST_F32) return 0;
  int64_t k = first_non_finite(t);
  if (k < 0) return 0;
  float v;
  memcpy(&v, (const unsigned char *)t->data + (size_t)k * sizeof v, sizeof v);
  return dlab_error(_("%s: tensor %s holds %s at index %lld (of %zu values): every value must be finite"), path,
                    t->name, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf", (long long)k, t->nbytes / sizeof v);
}

/* Checks every parameter against st (present, right dtype and shape,
 * finite values), then refuses tensors nobody asked for (other than
 * `also_allowed`). Copies nothing, so it can run before the parameters
 * have memory (their shapes suffice). */
static int check_params(const char *path, const DlabSafetensors *st, DlabParam *const *params, int n,
                        const char *needed_by, const char *also_allowed) {
  unsigned char *wanted = calloc((size_t)st->n_tensors + 1, 1);
  if (!wanted) return dlab_error(_("%s: out of memory"), path);
  int rc = 0;
  for (int i = 0; rc == 0 && i < n; i++) {
    const DlabStTensor *t = matching_tensor(path, st, params[i], needed_by);
    if (!t || check_finite(path, t) < 0)
      rc = -1;
    else
      wanted[t - st->tensors] = 1;
  }
  for (int k = 0; rc == 0 && k < st->n_tensors; k++) {
    const char *name = st->tensors[k].name;
    if (!wanted[k] && !(also_allowed && strcmp(name, also_allowed) == 0))
      rc = dlab_error(_("%s: unexpected tensor %s (%s has no such parameter)"), path, name, needed_by);
  }
  free(wanted);
  return rc;
}

static void copy_into(DlabParam *p, const DlabStTensor *t) {
  float *dst = p->value.data;
  const unsigned char *src = t->data;
  /* memcpy per element: the file's data need not be aligned. */
  if (t->dtype == DLAB_ST_F32) {
    memcpy(dst, src, t->nbytes);
  } else {
    for (size_t k = 0; k < p->value.numel; k++) {
      int64_t v;
      memcpy(&v, src + k * sizeof v, sizeof v);
      dst[k] = (float)v;
    }
  }
}

static void copy_params(const DlabSafetensors *st, DlabParam *const *params, int n) {
  for (int i = 0; i < n; i++) copy_into(params[i], dlab_safetensors_find(st, params[i]->name));
}

/* Checks, then copies. All or nothing. */
static int load_params(const char *path, const DlabSafetensors *st, DlabParam *const *params, int n,
                       const char *needed_by, const char *also_allowed) {
  if (check_params(path, st, params, n, needed_by, also_allowed) < 0) return -1;
  copy_params(st, params, n);
  return 0;
}

/* The model a parsed checkpoint describes, checked before anything is
 * allocated: the spec and input are built for their shapes only, every
 * tensor is checked against them, and only then is the model built as
 * `build` asks and filled. A 100-byte file claiming a network of 2 GB
 * thus costs nothing. Consumes st. */
static DlabModel *model_from(const char *path, DlabSafetensors *st, DlabBuild build, DlabModelInfo *info) {
  DlabModel *m = NULL, *shapes = NULL;
  const char *arch = dlab_safetensors_meta(st, "dlab.arch");
  const char *input_text = dlab_safetensors_meta(st, "dlab.input");
  DlabShape input;
  int ok = 0;
  if (!arch) {
    dlab_error(_("%s: no dlab.arch in the metadata (not a Digit Lab checkpoint?)"), path);
  } else if (!input_text) {
    dlab_error(_("%s: no dlab.input in the metadata (not a Digit Lab checkpoint?)"), path);
  } else if (checkpoint_parse_input(input_text, &input) < 0) {
    dlab_error(_("%s: dlab.input \"%s\": expected CxHxW such as 1x28x28"), path, input_text);
  } else if (dlab_shape_check_input(input) < 0) {
    dlab_error_prefix("%s: dlab.input", path);
  } else if (!(shapes = dlab_model_describe(arch, input))) {
    dlab_error_prefix("%s: dlab.arch", path);
  } else if (check_params(path, st, shapes->params, shapes->n_params, _("the spec"), NULL) == 0 &&
             (!info || checkpoint_info_from_meta(info, st, shapes, path) == 0)) {
    ok = 1;
  }
  if (ok && build == DLAB_BUILD_SHAPES) {
    m = shapes;
    shapes = NULL;
  } else if (ok && !(m = dlab_model_build(arch, input, 0, build))) {
    dlab_error_prefix("%s", path);
  } else if (ok) {
    copy_params(st, m->params, m->n_params);
  }
  dlab_model_free(shapes);
  if (!m && info) dlab_model_info_free(info);
  dlab_safetensors_free(st);
  return m;
}

DlabModel *dlab_checkpoint_load_as(const char *path, DlabBuild build, DlabModelInfo *info) {
  if (info) memset(info, 0, sizeof *info);
  DlabSafetensors st;
  if (dlab_safetensors_read(path, &st) < 0) return NULL;
  return model_from(path, &st, build, info);
}

DlabModel *dlab_checkpoint_load(const char *path, DlabModelInfo *info) {
  return dlab_checkpoint_load_as(path, DLAB_BUILD_TRAIN, info);
}

DlabModel *dlab_checkpoint_load_buffer_as(const void *data, size_t len, const char *what, DlabBuild build,
                                          DlabModelInfo *info) {
  if (info) memset(info, 0, sizeof *info);
  /* parse takes ownership of its buffer: give it a copy of the caller's. */
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) {
    dlab_error(_("%s: out of memory"), what);
    return NULL;
  }
  memcpy(copy, data, len);
  DlabSafetensors st;
  if (dlab_safetensors_parse(copy, len, what, &st) < 0) return NULL;
  return model_from(what, &st, build, info);
}

DlabModel *dlab_checkpoint_load_buffer(const void *data, size_t len, const char *what, DlabModelInfo *info) {
  return dlab_checkpoint_load_buffer_as(data, len, what, DLAB_BUILD_TRAIN, info);
}

int dlab_checkpoint_load_weights(const char *path, DlabModel *m) {
  DlabSafetensors st;
  if (dlab_safetensors_read(path, &st) < 0) return -1;
  int rc = load_params(path, &st, m->params, m->n_params, _("the model"), NULL);
  dlab_safetensors_free(&st);
  return rc;
}

/* ---- optimizer state ---- */

#define STEP_TENSOR "step"

/* The optimizer's state as an array of pointers, like a model's params. */
static DlabParam **optimizer_params(DlabOptimizer *o, int *n) {
  DlabParam *state = NULL;
  *n = 0;
  if (dlab_optimizer_state(o, &state, n) < 0) return NULL;
  DlabParam **list = calloc((size_t)*n + 1, sizeof *list);
  if (!list) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  for (int i = 0; i < *n; i++) list[i] = &state[i];
  return list;
}

int dlab_optimizer_save_marked(const char *path, DlabOptimizer *o, const DlabRunMark *mark) {
  int n;
  DlabParam **params = optimizer_params(o, &n);
  if (!params) return dlab_error_prefix("%s", path);
  int64_t *ints = NULL;
  DlabStTensor *t = tensors_for(params, n, 1, &ints);
  int rc = -1;
  if (t) {
    dlab_atomic_remove_stale(path);
    /* The step count, as torch.optim keeps it: an I64 scalar. */
    int64_t steps = dlab_optimizer_steps(o);
    snprintf(t[n].name, sizeof t[n].name, "%s", STEP_TENSOR);
    t[n].dtype = DLAB_ST_I64;
    t[n].ndim = 0;
    t[n].data = &steps;
    t[n].nbytes = sizeof steps;
    const char *keys[MARK_KEYS], *values[MARK_KEYS];
    int n_meta = 0;
    MarkText mark_text;
    add_mark(mark, &mark_text, keys, values, &n_meta);
    rc = dlab_safetensors_write(path, t, n + 1, keys, values, n_meta);
  }
  free(t);
  free(ints);
  free(params);
  return rc;
}

int dlab_optimizer_save(const char *path, DlabOptimizer *o) {
  return dlab_optimizer_save_marked(path, o, NULL);
}

int dlab_optimizer_load(const char *path, DlabOptimizer *o) {
  int n;
  DlabParam **params = optimizer_params(o, &n);
  if (!params) return dlab_error_prefix("%s", path);
  DlabSafetensors st;
  if (dlab_safetensors_read(path, &st) < 0) {
    free(params);
    return -1;
  }
  int rc = -1;
  const DlabStTensor *step = dlab_safetensors_find(&st, STEP_TENSOR);
  int64_t steps = -1;
  if (!step)
    dlab_error(_("%s: tensor step missing"), path);
  else if (step->dtype != DLAB_ST_I64 || step->nbytes != sizeof steps)
    dlab_error(_("%s: tensor step must be one I64 value"), path);
  else if (memcpy(&steps, step->data, sizeof steps), steps < 0)
    dlab_error(_("%s: negative step count %lld"), path, (long long)steps);
  else
    rc = load_params(path, &st, params, n, _("the optimizer"), STEP_TENSOR);
  if (rc == 0) dlab_optimizer_set_steps(o, (long)steps);
  dlab_safetensors_free(&st);
  free(params);
  return rc;
}
