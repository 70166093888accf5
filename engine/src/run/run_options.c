/* The description of a run (see run.h): one table of options, their
 * defaults, ranges and help; parsing and writing them back as arguments. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numtext.h"
#include "dlab/closest.h"
#include "dlab/cnum.h"
#include "dlab/device.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/optim.h"
#include "dlab/run.h"
#include "dlab/schedule.h"
#include "dlab/transform.h"
#include "loader/loader.h"

#include "core/i18n.h"

DlabRunOptions dlab_run_options_defaults(void) {
  return (DlabRunOptions){
      .dataset = "mnist",
      .split_seed = 42,
      .model = "lenet",
      .optimizer = "adam",
      .lr = 0,            /* the optimizer's: 0.01 for sgd, 1e-3 otherwise */
      .weight_decay = -1, /* the optimizer's: 0.01 for adamw, 0 otherwise */
      .beta1 = 0.9f,
      .beta2 = 0.999f,
      .schedule = "constant",
      .epochs = 10,
      .batch_size = 64,
      .seed = 1,
      .workers = -1,
      .device = "cpu",
  };
}

/* The titles and help texts are marked for po/ with N_() (core/i18n.h):
 * the application and the dlab command line translate them where they show
 * them. */

#define AT(field) offsetof(DlabRunOptions, field)
/* Each row: the name, the title (a setting's name in the Train page; NULL
 * for the files and folders of a run, which each front end chooses
 * itself), the field, the help line, and for numbers the range. */
#define STR(name, title, field, help) {name, DLAB_RUN_OPT_STRING, AT(field), help, 0, 0, 0, 0, title}
#define FLAG(name, title, field, help) {name, DLAB_RUN_OPT_FLAG, AT(field), help, 0, 0, 0, 0, title}
#define INT(name, title, field, help, lo, hi) {name, DLAB_RUN_OPT_INT, AT(field), help, lo, hi, 0, 0, title}
#define REAL(name, title, field, help, lo, hi, lo_open, hi_open) \
  {name, DLAB_RUN_OPT_FLOAT, AT(field), help, lo, hi, lo_open, hi_open, title}

static const DlabRunOption table[] = {
    STR("dataset", N_("Dataset"), dataset,
        N_("mnist, fashion-mnist, emnist-SPLIT, cifar10 or folder:DIR (default mnist)")),
    STR("data", NULL, data_dir, N_("dataset root directory (default: the usual places)")),
    STR("resize", N_("Resize folder images"), resize,
        N_("folder datasets: scale every PNG to WxH (or N for NxN)")),
    INT("channels", N_("Folder image channels"), channels,
        N_("folder datasets: 1 (gray) or 3 (RGB); default: the first image's"), 0, 3),
    FLAG("keep-transposed", N_("EMNIST as stored"), keep_transposed,
         N_("EMNIST: keep the stored transposed images (as torchvision)")),
    INT("limit", N_("Training images"), limit,
        N_("use only the first N training images (default 0: all)"), 0, INT_MAX),
    REAL("val-split", N_("Validation split"), val_split,
         N_("carve this fraction of the training set out for validation (e.g. 0.1)"), 0, 1, 0, 1),
    INT("split-seed", N_("Split seed"), split_seed,
        N_("seed choosing the validation samples (default 42)"), 0, INT_MAX),
    STR("transform", N_("Transforms"), transform,
        N_("training transforms, e.g. rotate:5,crop:28:2 (see below)")),
    STR("model", N_("Network"), model, N_("a zoo name (dlab models) or a spec (default lenet)")),
    INT("epochs", N_("Epochs"), epochs, N_("number of epochs (default 10)"), 1, 100000),
    INT("batch-size", N_("Batch size"), batch_size, N_("images per step (default 64)"), 1, 65536),
    FLAG("no-shuffle", N_("Keep the order"), no_shuffle,
         N_("keep the dataset's order in every epoch (default: shuffled)")),
    STR("optimizer", N_("Optimizer"), optimizer, N_("sgd, adam or adamw (default adam)")),
    REAL("lr", N_("Learning rate"), lr,
         N_("learning rate (default 0.01 for sgd, 1e-3 otherwise)"), 0, 10, 1, 0),
    REAL("momentum", N_("Momentum"), momentum, N_("SGD momentum (default 0)"), 0, 1, 0, 1),
    REAL("dampening", N_("SGD dampening"), dampening, N_("SGD dampening (default 0)"), 0, 1, 0, 0),
    FLAG("nesterov", N_("Nesterov momentum"), nesterov, N_("Nesterov momentum for SGD")),
    REAL("weight-decay", N_("Weight decay"), weight_decay,
         N_("L2 (sgd, adam) or decoupled (adamw, default 0.01)"), 0, 1, 0, 0),
    REAL("beta1", N_("Adam beta1"), beta1, N_("Adam beta1 (default 0.9)"), 0, 1, 0, 1),
    REAL("beta2", N_("Adam beta2"), beta2, N_("Adam beta2 (default 0.999)"), 0, 1, 0, 1),
    STR("schedule", N_("Learning-rate schedule"), schedule, N_("learning-rate schedule (default constant)")),
    REAL("label-smoothing", N_("Label smoothing"), label_smoothing,
         N_("cross-entropy label smoothing (default 0)"), 0, 1, 0, 1),
    INT("seed", N_("Seed"), seed, N_("seed for initialization and shuffling (default 1)"), 0, INT_MAX),
    INT("threads", N_("Threads"), threads, N_("CPU threads (default 0: all cores)"), 0, 256),
    INT("workers", N_("Loader threads"), workers,
        N_("threads preparing batches (default -1: 1 per 2 cores with augmentation)"), -1,
        DLAB_LOADER_MAX_WORKERS),
    STR("device", N_("Device"), device, N_("cpu (default), cuda or cuda:N: where to train (dlab devices)")),
    STR("out", NULL, out, N_("checkpoint file (default DATASET-MODEL.safetensors)")),
    STR("log", NULL, log, N_("directory for metrics.csv, a TensorBoard event file and command.txt")),
    STR("save-best", N_("Keep the best epoch"), save_best,
        N_("val_loss or val_acc: keep the best epoch's model (needs --val-split)")),
    STR("best", NULL, best, N_("file for --save-best (default OUT.best.safetensors)")),
    INT("patience", N_("Early stopping patience"), patience,
        N_("stop when --save-best's metric has not improved for N epochs (default 0: never)"), 0, 100000),
    FLAG("resume", NULL, resume, N_("continue the run saved in --out")),
    {0},
};
#define N_OPTIONS (int)(sizeof table / sizeof table[0] - 1)

const DlabRunOption *dlab_run_option_table(void) { return table; }

const DlabRunOption *dlab_run_option_find(const char *name) {
  for (int i = 0; i < N_OPTIONS; i++)
    if (strcmp(table[i].name, name) == 0) return &table[i];
  return NULL;
}

const char *dlab_run_option_range(const DlabRunOption *opt, char *buf, size_t n) {
  dlab_snprintf_c(buf, n, "%c%.10g, %.10g%c", opt->lo_open ? '(' : '[', opt->lo, opt->hi,
                  opt->hi_open ? ')' : ']');
  return buf;
}

static int in_range(const DlabRunOption *r, double v) {
  return (r->lo_open ? v > r->lo : v >= r->lo) && (r->hi_open ? v < r->hi : v <= r->hi);
}

static void *field(DlabRunOptions *o, const DlabRunOption *opt) { return (char *)o + opt->offset; }
static const void *cfield(const DlabRunOptions *o, const DlabRunOption *opt) {
  return (const char *)o + opt->offset;
}

/* A number option's text: finite, in range, whole for integers. */
static int set_number(DlabRunOptions *o, const DlabRunOption *opt, const char *text) {
  char *end, range[64];
  double v;
  errno = 0;
  if (opt->kind == DLAB_RUN_OPT_INT) {
    long long whole = strtoll(text, &end, 10);
    if (end == text || *end || errno == ERANGE)
      return dlab_error(_("--%s %s: not a valid whole number"), opt->name, text);
    v = (double)whole;
  } else {
    v = dlab_strtod_c(text, &end);
    if (end == text || *end) return dlab_error(_("--%s %s: not a valid number"), opt->name, text);
  }
  if (!isfinite(v) || !in_range(opt, v))
    return dlab_error(opt->kind == DLAB_RUN_OPT_INT ? _("--%s %s: must be a whole number in %s")
                                                    : _("--%s %s: must be in %s"),
                      opt->name, text, dlab_run_option_range(opt, range, sizeof range));
  if (opt->kind == DLAB_RUN_OPT_INT) *(int *)field(o, opt) = (int)v;
  else *(float *)field(o, opt) = (float)v;
  return 0;
}

int dlab_run_options_set(DlabRunOptions *o, const char *name, const char *value) {
  const DlabRunOption *opt = dlab_run_option_find(name);
  if (!opt) {
    const char *best = dlab_closest_name(name, table, N_OPTIONS, sizeof table[0], 4);
    if (best) return dlab_error(_("unknown option --%s (did you mean --%s?)"), name, best);
    return dlab_error(_("unknown option --%s (see dlab train --help)"), name);
  }
  switch (opt->kind) {
    case DLAB_RUN_OPT_FLAG:
      if (value) return dlab_error(_("--%s takes no value"), name);
      *(int *)field(o, opt) = 1;
      return 0;
    case DLAB_RUN_OPT_STRING:
      if (!value) return dlab_error(_("--%s needs a value"), name);
      *(const char **)field(o, opt) = value;
      return 0;
    default:
      if (!value) return dlab_error(_("--%s needs a value"), name);
      return set_number(o, opt, value);
  }
}

int dlab_run_options_parse(DlabRunOptions *o, int argc, char *const *argv) {
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || !a[2]) return dlab_error(_("unexpected argument `%s`"), a);
    char name[64];
    const char *eq = strchr(a + 2, '=');
    size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (len >= sizeof name) return dlab_error(_("unknown option %.80s"), a);
    memcpy(name, a + 2, len);
    name[len] = '\0';
    const DlabRunOption *opt = dlab_run_option_find(name);
    const char *value = eq ? eq + 1 : NULL;
    if (opt && opt->kind != DLAB_RUN_OPT_FLAG && !value) {
      if (i + 1 >= argc) return dlab_error(_("--%s needs a value"), name);
      value = argv[++i];
    }
    if (dlab_run_options_set(o, name, value) < 0) return -1;
  }
  return 0;
}

int dlab_run_options_check(const DlabRunOptions *o) {
  DlabOptimKind kind;
  DlabScheduleConfig schedule;
  DlabSaveBest best = DLAB_SAVE_BEST_NONE;
  DlabDeviceSpec device;
  if (!o->dataset || !*o->dataset) return dlab_error(_("--dataset: no dataset given"));
  if (!o->model || !*o->model) return dlab_error(_("--model: no network given"));
  if (dlab_optim_parse_kind(o->optimizer, &kind) < 0 || dlab_schedule_parse(o->schedule, &schedule) < 0 ||
      dlab_device_parse(o->device, &device) < 0)
    return -1;
  if (o->nesterov && (kind != DLAB_OPTIM_SGD || o->momentum <= 0 || o->dampening != 0))
    return dlab_error(_("--nesterov needs --optimizer sgd, a positive --momentum and no dampening"));
  if (o->save_best && dlab_save_best_parse(o->save_best, &best) < 0) return -1;
  if (best != DLAB_SAVE_BEST_NONE && o->val_split == 0)
    return dlab_error(_("--save-best needs a validation set: add --val-split (e.g. 0.1)"));
  if (o->patience > 0 && best == DLAB_SAVE_BEST_NONE)
    return dlab_error(_("--patience needs --save-best val_loss or val_acc: it counts the epochs since the best"));
  DlabTransformList *transforms = malloc(sizeof *transforms);
  if (!transforms) return dlab_error(_("out of memory"));
  int rc = dlab_transforms_parse(o->transform, transforms);
  free(transforms);
  return rc;
}

/* Whether an option holds its default. */
static int is_default(const DlabRunOptions *o, const DlabRunOptions *d, const DlabRunOption *opt) {
  switch (opt->kind) {
    case DLAB_RUN_OPT_STRING: {
      const char *a = *(const char *const *)cfield(o, opt), *b = *(const char *const *)cfield(d, opt);
      return a == b || (a && b && strcmp(a, b) == 0);
    }
    case DLAB_RUN_OPT_FLOAT: return *(const float *)cfield(o, opt) == *(const float *)cfield(d, opt);
    default: return *(const int *)cfield(o, opt) == *(const int *)cfield(d, opt);
  }
}

/* The value's text for to_argv; flags have none. */
static void value_text(const DlabRunOptions *o, const DlabRunOption *opt, char *buf, size_t n) {
  if (opt->kind == DLAB_RUN_OPT_FLOAT) {
    char num[DLAB_NUMTEXT_SIZE];
    snprintf(buf, n, "%s", dlab_format_float(*(const float *)cfield(o, opt), num));
  } else if (opt->kind == DLAB_RUN_OPT_INT) {
    snprintf(buf, n, "%d", *(const int *)cfield(o, opt));
  } else {
    buf[0] = '\0';
  }
}

char **dlab_run_options_to_argv(const DlabRunOptions *o, int *argc) {
  const DlabRunOptions d = dlab_run_options_defaults();
  size_t bytes = 0;
  int n = 0;
  char num[64];
  /* One block: the pointer array, then the texts. */
  for (int pass = 0; pass < 2; pass++) {
    char **out = NULL, *text = NULL;
    if (pass == 1) {
      out = malloc((size_t)(n + 1) * sizeof *out + bytes);
      if (!out) {
        dlab_error(_("out of memory"));
        return NULL;
      }
      text = (char *)(out + n + 1);
      n = 0;
    }
    for (int i = 0; i < N_OPTIONS; i++) {
      const DlabRunOption *opt = &table[i];
      if (is_default(o, &d, opt)) continue;
      const char *str = opt->kind == DLAB_RUN_OPT_STRING ? *(const char *const *)cfield(o, opt) : NULL;
      if (opt->kind == DLAB_RUN_OPT_STRING && !str) continue;
      value_text(o, opt, num, sizeof num);
      const char *value = str ? str : num;
      size_t name_len = strlen(opt->name) + 3, value_len = strlen(value) + 1;
      if (pass == 0) {
        bytes += name_len + (opt->kind == DLAB_RUN_OPT_FLAG ? 0 : value_len);
        n += opt->kind == DLAB_RUN_OPT_FLAG ? 1 : 2;
        continue;
      }
      snprintf(text, name_len, "--%s", opt->name);
      out[n++] = text;
      text += name_len;
      if (opt->kind == DLAB_RUN_OPT_FLAG) continue;
      memcpy(text, value, value_len);
      out[n++] = text;
      text += value_len;
    }
    if (pass == 1) {
      out[n] = NULL;
      if (argc) *argc = n;
      return out;
    }
  }
  return NULL;
}
