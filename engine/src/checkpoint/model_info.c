/* What a checkpoint says about its model besides the weights: the input
 * normalization, the class names, the dataset and its orientation, stored
 * as dlab.* metadata strings so that Python reads them with one split(). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cnum.h"
#include "dlab/error.h"
#include "model_info.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

void dlab_model_info_from_dataset(DlabModelInfo *info, const DlabDataset *d) {
  memset(info, 0, sizeof *info);
  snprintf(info->dataset, sizeof info->dataset, "%s", d->name);
  snprintf(info->orientation, sizeof info->orientation, "%s", d->orientation[0] ? d->orientation : "normal");
  info->channels = d->c < DLAB_MAX_CHANNELS ? d->c : DLAB_MAX_CHANNELS;
  for (int c = 0; c < info->channels; c++) {
    info->mean[c] = d->mean[c];
    info->std[c] = d->std[c];
  }
  info->num_classes = d->num_classes < DLAB_MAX_CLASSES ? d->num_classes : DLAB_MAX_CLASSES;
  for (int k = 0; k < info->num_classes; k++) {
    char number[16];
    snprintf(number, sizeof number, "%d", k);
    info->class_names[k] = strdup(d->class_names[k] ? d->class_names[k] : number);
  }
}

void dlab_model_info_free(DlabModelInfo *info) {
  for (int k = 0; k < DLAB_MAX_CLASSES; k++) free(info->class_names[k]);
  memset(info, 0, sizeof *info);
}

/* ---- writing ---- */

static int add(CheckpointMeta *meta, const char *key, char *value) {
  if (!value) return dlab_error(_("out of memory"));
  meta->keys[meta->n] = key;
  meta->values[meta->n] = value;
  meta->n++;
  return 0;
}

/* "0.1307" or "0.4914,0.4822,0.4465". */
static char *format_floats(const float *v, int n) {
  char *s = malloc((size_t)n * 32 + 1);
  if (!s) return NULL;
  size_t len = 0;
  s[0] = '\0';
  for (int i = 0; i < n; i++) len += (size_t)dlab_snprintf_c(s + len, 32, i ? ",%.6g" : "%.6g", (double)v[i]);
  return s;
}

/* Class names joined by ','. A ',' or '\' inside a name is escaped with a
 * backslash, so folder datasets with odd names still round-trip. */
static char *format_classes(const DlabModelInfo *info) {
  size_t cap = 1;
  for (int k = 0; k < info->num_classes; k++)
    cap += 2 * (info->class_names[k] ? strlen(info->class_names[k]) : 12) + 1;
  char *s = malloc(cap), *p = s;
  if (!s) return NULL;
  for (int k = 0; k < info->num_classes; k++) {
    if (k) *p++ = ',';
    char number[16];
    snprintf(number, sizeof number, "%d", k);
    for (const char *c = info->class_names[k] ? info->class_names[k] : number; *c; c++) {
      if (*c == ',' || *c == '\\') *p++ = '\\';
      *p++ = *c;
    }
  }
  *p = '\0';
  return s;
}

static int check_info_fits(const DlabModel *m, const DlabModelInfo *info) {
  int channels = m->input.ndim == 3 ? m->input.d[0] : 1;
  int outputs = dlab_model_num_outputs(m);
  if (info->num_classes != outputs)
    return dlab_error(_("%d class names for a model with %d outputs"), info->num_classes, outputs);
  if (info->channels != channels)
    return dlab_error(_("normalization for %d channels but the model's input has %d"), info->channels, channels);
  return 0;
}

int checkpoint_meta_build(CheckpointMeta *meta, const DlabModel *m, const DlabModelInfo *info) {
  memset(meta, 0, sizeof *meta);
  char input[64];
  dlab_shape_str(m->input, input, sizeof input);
  if (add(meta, "dlab.arch", strdup(m->spec)) < 0 || add(meta, "dlab.input", strdup(input)) < 0) goto fail;
  if (!info) return 0;
  if (check_info_fits(m, info) < 0) goto fail;
  if (add(meta, "dlab.mean", format_floats(info->mean, info->channels)) < 0 ||
      add(meta, "dlab.std", format_floats(info->std, info->channels)) < 0 ||
      add(meta, "dlab.classes", format_classes(info)) < 0 ||
      add(meta, "dlab.dataset", strdup(info->dataset)) < 0 ||
      add(meta, "dlab.orientation", strdup(info->orientation[0] ? info->orientation : "normal")) < 0)
    goto fail;
  return 0;
fail:
  checkpoint_meta_free(meta);
  return -1;
}

void checkpoint_meta_free(CheckpointMeta *meta) {
  for (int i = 0; i < meta->n; i++) free(meta->values[i]);
  memset(meta, 0, sizeof *meta);
}

/* ---- reading ---- */

/* A positive dimension at *s, moving *s past it. */
static int parse_dim(const char **s, int *dim) {
  if (**s < '0' || **s > '9') return -1;
  errno = 0;
  char *end;
  long v = strtol(*s, &end, 10);
  if (errno || v < 1 || v > 1 << 20) return -1;
  *dim = (int)v;
  *s = end;
  return 0;
}

int checkpoint_parse_input(const char *text, DlabShape *shape) {
  DlabShape out = {0, {0, 0, 0}};
  const char *s = text;
  for (;;) {
    if (out.ndim == 3 || parse_dim(&s, &out.d[out.ndim]) < 0) return -1;
    out.ndim++;
    if (*s == '\0') break;
    if (*s++ != 'x') return -1;
  }
  if (out.ndim == 2) return -1;
  *shape = out;
  return 0;
}

/* Comma-separated floats: exactly `expected` of them, each finite (and
 * positive when `positive`). */
static int parse_floats(const char *path, const char *key, const char *text, float *out, int expected,
                        int positive) {
  const char *s = text;
  int n = 0;
  for (;;) {
    errno = 0;
    char *end;
    float v = dlab_strtof_c(s, &end);
    if (end == s || errno || !isfinite(v))
      return dlab_error(_("%s: %s \"%s\": not a list of numbers"), path, key, text);
    if (positive && !(v > 0)) return dlab_error(_("%s: %s \"%s\": values must be positive"), path, key, text);
    if (n < expected) out[n] = v;
    n++;
    s = end;
    if (*s == '\0') break;
    if (*s++ != ',') return dlab_error(_("%s: %s \"%s\": not a list of numbers"), path, key, text);
  }
  if (n != expected) {
    char values[64], channels[64];
    dlab_snprintf_c(values, sizeof values, ngettext("%d value", "%d values", n), n);
    dlab_snprintf_c(channels, sizeof channels, ngettext("%d channel", "%d channels", expected), expected);
    return dlab_error(_("%s: %s has %s but the input has %s"), path, key, values, channels);
  }
  return 0;
}

/* Splits dlab.classes at unescaped commas into info->class_names. */
static int parse_classes(DlabModelInfo *info, const char *text, int expected, const char *path) {
  size_t len = strlen(text);
  int n = 0;
  const char *s = text;
  while (n <= DLAB_MAX_CLASSES) {
    char *name = malloc(len + 1), *p = name;
    if (!name) return dlab_error(_("out of memory"));
    while (*s && *s != ',') {
      if (*s == '\\' && s[1]) s++;
      *p++ = *s++;
    }
    *p = '\0';
    if (n < DLAB_MAX_CLASSES)
      info->class_names[n] = name;
    else
      free(name);
    n++;
    if (*s == '\0') break;
    s++;
  }
  info->num_classes = n < DLAB_MAX_CLASSES ? n : DLAB_MAX_CLASSES;
  if (n != expected)
    return dlab_error(n > DLAB_MAX_CLASSES
                          ? _("%s: dlab.classes names more than %d classes but the model has %d outputs")
                          : _("%s: dlab.classes names %d classes but the model has %d outputs"),
                      path, n > DLAB_MAX_CLASSES ? DLAB_MAX_CLASSES : n, expected);
  return 0;
}

static int default_classes(DlabModelInfo *info, int outputs) {
  for (int k = 0; k < outputs; k++) {
    char number[16];
    snprintf(number, sizeof number, "%d", k);
    if (!(info->class_names[k] = strdup(number))) return dlab_error(_("out of memory"));
    info->num_classes = k + 1;
  }
  return 0;
}

int checkpoint_info_from_meta(DlabModelInfo *info, const DlabSafetensors *st, const DlabModel *m,
                              const char *path) {
  memset(info, 0, sizeof *info);
  int channels = m->input.ndim == 3 ? m->input.d[0] : 1;
  int outputs = dlab_model_num_outputs(m);
  if (channels > DLAB_MAX_CHANNELS)
    return dlab_error(_("%s: the input has %d channels; at most %d are supported"), path, channels, DLAB_MAX_CHANNELS);
  if (outputs > DLAB_MAX_CLASSES)
    return dlab_error(_("%s: the model has %d outputs; at most %d classes are supported"), path, outputs,
                      DLAB_MAX_CLASSES);
  info->channels = channels;
  const char *mean = dlab_safetensors_meta(st, "dlab.mean"), *std = dlab_safetensors_meta(st, "dlab.std");
  for (int c = 0; c < channels; c++) {
    info->mean[c] = 0.0f;
    info->std[c] = 1.0f;
  }
  if (mean && parse_floats(path, "dlab.mean", mean, info->mean, channels, 0) < 0) return -1;
  if (std && parse_floats(path, "dlab.std", std, info->std, channels, 1) < 0) return -1;
  const char *classes = dlab_safetensors_meta(st, "dlab.classes");
  if (classes ? parse_classes(info, classes, outputs, path) < 0 : default_classes(info, outputs) < 0) return -1;
  const char *dataset = dlab_safetensors_meta(st, "dlab.dataset");
  snprintf(info->dataset, sizeof info->dataset, "%s", dataset ? dataset : "");
  const char *orientation = dlab_safetensors_meta(st, "dlab.orientation");
  if (!orientation) orientation = "normal";
  if (strcmp(orientation, "normal") != 0 && strcmp(orientation, "transposed") != 0)
    return dlab_error(_("%s: dlab.orientation \"%s\": expected normal or transposed"), path, orientation);
  snprintf(info->orientation, sizeof info->orientation, "%s", orientation);
  return 0;
}
