/* A training run, described once and run by the engine.
 *
 * DlabRunOptions is the one description of a run: the data, the split, the
 * transforms, the network, the optimizer and its schedule, epochs, batch
 * size, seed, threads, device, outputs, save-best and resume. Every option
 * is a row of one table (its name as `dlab train` spells it, its default,
 * its accepted range, its help), so it is written once and reaches the
 * command line and the Train page alike: `dlab train` parses its arguments
 * with dlab_run_options_parse, the application builds the same arguments
 * from its widgets, and the run folder's command.txt is written back from
 * the options.
 *
 * A run is then prepared (data opened or borrowed, validation split,
 * transforms, model, optimizer, the resume state checked and loaded),
 * trained (dlab_train on the chosen device, with the logs and checkpoints),
 * and evaluated image by image for the confusion matrix and the mistakes.
 * Everything here runs on the caller's thread; progress comes through the
 * callbacks, and the cancel flag stops training and evaluation. */
#ifndef DLAB_RUN_H
#define DLAB_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include "dlab/dataset.h"
#include "dlab/model.h"
#include "dlab/train.h"

typedef struct {
  /* data */
  const char *dataset;   /* "mnist", "fashion-mnist", "emnist-SPLIT", "cifar10", "folder:DIR" */
  const char *data_dir;  /* --data: the dataset root (NULL: the usual places) */
  const char *resize;    /* folder datasets: "WxH" or "N" */
  int channels;          /* folder datasets: 1 or 3 (0: the first image's) */
  int keep_transposed;   /* EMNIST as stored */
  int limit;             /* the first N training images (0: all) */
  float val_split;       /* share of the training images held out (0: none) */
  int split_seed;
  const char *transform; /* training transforms (transform.h), NULL: none */
  /* network and training */
  const char *model;     /* zoo name or spec */
  const char *optimizer; /* sgd, adam, adamw */
  float lr;              /* 0: the optimizer's default */
  float momentum, dampening;
  int nesterov;
  float weight_decay;    /* < 0: the optimizer's default */
  float beta1, beta2;
  const char *schedule;
  float label_smoothing;
  int epochs, batch_size, no_shuffle, seed;
  int threads;           /* 0: every core */
  int workers;           /* loader threads, -1: automatic */
  const char *device;    /* cpu, cuda, cuda:N */
  /* outputs */
  const char *out;       /* the checkpoint (NULL: DATASET-MODEL.safetensors) */
  const char *log;       /* folder for metrics.csv, TensorBoard and command.txt */
  const char *save_best; /* val_loss, val_acc (NULL: none) */
  const char *best;      /* the best model's file (NULL: OUT.best.safetensors) */
  int patience;          /* stop after this many epochs without a better best (0: never) */
  int resume;            /* continue the run saved in out */
} DlabRunOptions;

/* `dlab train`'s defaults: every default of a run, in one place. */
DlabRunOptions dlab_run_options_defaults(void);

typedef enum { DLAB_RUN_OPT_STRING, DLAB_RUN_OPT_INT, DLAB_RUN_OPT_FLOAT, DLAB_RUN_OPT_FLAG } DlabRunOptionKind;

/* One row of the options table. */
typedef struct {
  const char *name;   /* as `dlab train` spells it, without dashes: "batch-size" */
  DlabRunOptionKind kind;
  size_t offset;      /* of its field in DlabRunOptions */
  const char *help;   /* one line, with the default */
  double lo, hi;      /* numbers: the accepted range */
  int lo_open, hi_open;
  /* The setting's name as a person reads it (marked for translation, like
   * the help): the Train page shows a row for each titled option it has
   * no widget of its own for. NULL for the files and folders of a run
   * (--out, --log, ...), which each front end chooses itself. */
  const char *title;
} DlabRunOption;

/* The table, NULL-name terminated, in `dlab train --help` order. */
const DlabRunOption *dlab_run_option_table(void);
/* The row called `name`, or NULL. */
const DlabRunOption *dlab_run_option_find(const char *name);
/* "[1, 65536]" or "(0, 10]" into buf. */
const char *dlab_run_option_range(const DlabRunOption *opt, char *buf, size_t n);

/* Sets one option from its text (NULL for a flag): the number checked to
 * be finite and in range, with the range in the message. The string is
 * kept by pointer: it must outlive the options. */
int dlab_run_options_set(DlabRunOptions *o, const char *name, const char *value);

/* Reads `--name value`, `--name=value` and `--flag` arguments (argv[0..argc))
 * into o, later ones overriding earlier ones. Unknown options get a message
 * with the closest name. The strings stay argv's. */
int dlab_run_options_parse(DlabRunOptions *o, int argc, char *const *argv);

/* The checks that need no data: names (optimizer, schedule, transforms,
 * save-best, device, model spec), and what goes together (--nesterov,
 * --save-best with --val-split). One clear message for the first problem. */
int dlab_run_options_check(const DlabRunOptions *o);

/* The options as arguments of `dlab train`, the ones that differ from the
 * defaults in table order: a NULL-terminated array of n strings (*argc),
 * one malloc'd block, freed with free(). */
char **dlab_run_options_to_argv(const DlabRunOptions *o, int *argc);

/* ---- a run ---- */

typedef struct DlabRun DlabRun;

/* What a prepared run holds, for the front ends to tell the learner. */
typedef struct {
  const char *model_name;  /* the zoo name, or "a custom network" */
  long params;
  const char *dataset;     /* the training set's name */
  const char *data_root;   /* where it was read from */
  int n_train, n_val, n_test;
  int start_epoch;         /* > 0 when resuming */
  long steps_per_epoch;
  char transforms[512];    /* the augmentation, "" for none */
  const char *checkpoint;  /* the file written after every epoch */
  const char *best_checkpoint; /* NULL without --save-best */
} DlabRunSummary;

typedef struct {
  void (*on_step)(const DlabStepInfo *info, void *user);
  void (*on_epoch)(const DlabEpochInfo *info, void *user);
  void *user;
  atomic_int *cancel; /* stops training and evaluation when set */
} DlabRunCallbacks;

/* Prepares the run `o` describes. `data` (may be NULL) lends datasets the
 * caller already opened (the application shares its copy with the Data
 * page); they must outlive the run. Otherwise the run opens o->dataset.
 * `argc`/`argv` are written to the log folder's command.txt (the run's
 * command, a line added per resume); NULL: the options' own arguments.
 * Returns NULL with a message naming the option, file or problem. */
DlabRun *dlab_run_prepare(const DlabRunOptions *o, const DlabDatasetPair *data, int argc,
                          const char *const *argv);

const DlabRunSummary *dlab_run_summary(const DlabRun *run);

/* Trains (on o->device), writing the checkpoint after every epoch and the
 * logs as it goes. 0 (also when cancelled: result->cancelled) or -1. */
int dlab_run_train(DlabRun *run, const DlabRunCallbacks *cb, DlabTrainResult *result);

/* The model as it is now (after Stop: mid-epoch) into `path`. */
int dlab_run_save_model(DlabRun *run, const char *path);

/* Every test image's reading: the loss, accuracy and confusion matrix of
 * dlab_evaluate, and per image the predicted class, its probability and
 * the probability of the true class. */
typedef struct {
  DlabEvalResult eval;
  int n, k;
  unsigned char *predicted; /* n */
  float *confidence;        /* n: probability of the predicted class */
  float *p_true;            /* n: probability of the true class */
  const DlabDataset *test;  /* the images, owned by the run or the lender */
} DlabRunPredictions;

/* 0, 1 when cancelled (nothing to free then), or -1. */
int dlab_run_predict_test(DlabRun *run, atomic_int *cancel, DlabRunPredictions *out);
void dlab_run_predictions_free(DlabRunPredictions *p);

void dlab_run_free(DlabRun *run);

#endif
