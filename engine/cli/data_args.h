/* The dataset options shared by dlab train, eval and data: which dataset,
 * where, and how its images are read. */
#ifndef DLAB_CLI_DATA_ARGS_H
#define DLAB_CLI_DATA_ARGS_H

#include "cli_i18n.h"
#include "dlab/dataset.h"
#include "options.h"

typedef struct {
  const char *dataset, *data, *resize;
  int channels, keep_transposed;
  float val_split;
  int split_seed;
} CliDataArgs;

#define CLI_DATASET_HELP N_("mnist, fashion-mnist, emnist-SPLIT, cifar10 or folder:DIR (dlab train --help)")

/* The option rows, to put into a command's table. */
#define CLI_DATA_OPTIONS(a)                                                                       \
  {"dataset", OPT_STRING, &(a)->dataset, CLI_DATASET_HELP, 0},                                     \
  {"data", OPT_STRING, &(a)->data, N_("dataset root directory (default: the usual places)"), 0},      \
  {"resize", OPT_STRING, &(a)->resize, N_("folder datasets: scale every PNG to WxH (or N for NxN)"), 0}, \
  {"channels", OPT_INT, &(a)->channels, N_("folder datasets: 1 (gray) or 3 (RGB); default: the first image's"), 0}, \
  {"keep-transposed", OPT_FLAG, &(a)->keep_transposed, N_("EMNIST: keep the stored transposed images (as torchvision)"), 0}

#define CLI_SPLIT_OPTIONS(a)                                                                      \
  {"val-split", OPT_FLOAT, &(a)->val_split, N_("carve this fraction of the training set out for validation (e.g. 0.1)"), 0}, \
  {"split-seed", OPT_INT, &(a)->split_seed, N_("seed choosing the validation samples (default 42)"), 0}

#define CLI_DEFAULT_SPLIT_SEED 42


/* Opens the dataset the options name (a.dataset, or `fallback` when it is
 * NULL). Prints "dlab CMD: ..." and returns -1 on failure. */
int cli_open_dataset(const char *cmd, const CliDataArgs *a, const char *fallback,
                     DlabDatasetPair *pair);

/* With a.val_split > 0: carves the validation set out of pair->train and
 * normalizes the test split with what training keeps. Prints on failure. */
int cli_split_validation(const char *cmd, const CliDataArgs *a, DlabDatasetPair *pair,
                         DlabDataset *val);

#endif
