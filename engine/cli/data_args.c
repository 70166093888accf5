#include "data_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dlab/error.h"

int cli_open_dataset(const char *cmd, const CliDataArgs *a, const char *fallback,
                     DlabDatasetPair *pair) {
  memset(pair, 0, sizeof *pair);
  DlabDatasetOptions opt = dlab_dataset_options_default();
  opt.data_dir = a->data;
  opt.channels = a->channels;
  opt.keep_transposed = a->keep_transposed;
  if (a->resize && dlab_dataset_parse_resize(a->resize, &opt) < 0) {
    cli_fail(cmd);
    return -1;
  }
  if (dlab_dataset_open(a->dataset ? a->dataset : fallback, &opt, pair) < 0) {
    cli_fail(cmd);
    return -1;
  }
  return 0;
}

int cli_split_validation(const char *cmd, const CliDataArgs *a, DlabDatasetPair *pair,
                         DlabDataset *val) {
  memset(val, 0, sizeof *val);
  if (a->val_split == 0) return 0;
  if (dlab_dataset_split(&pair->train, a->val_split, (uint64_t)a->split_seed, val) < 0) {
    cli_fail(cmd);
    return -1;
  }
  dlab_dataset_copy_stats(&pair->test, &pair->train);
  return 0;
}
