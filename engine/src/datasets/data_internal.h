/* Helpers shared by the dataset loaders in datasets/ and fetch/ (not public API). */
#ifndef DLAB_DATA_INTERNAL_H
#define DLAB_DATA_INTERNAL_H

#include <stddef.h>

#include "dlab/dataset.h"

#define DLAB_PATH_LEN 4096
#define DLAB_MAX_SEARCH_DIRS 8

/* The directories a named dataset may be in, in the order they are tried. */
typedef struct {
  char dirs[DLAB_MAX_SEARCH_DIRS][DLAB_PATH_LEN];
  int count;
} DlabSearchDirs;

/* Lists <root>/<subdir> for each search root of dataset.h: only data_dir
 * (then data_dir itself, for files put there directly) when data_dir is
 * set; else $DLAB_DATA, ~/.local/share/digit-lab/datasets and ./data, then
 * `system_dir` when not NULL. */
void dlab_search_dirs(const char *data_dir, const char *subdir, const char *system_dir,
                      DlabSearchDirs *out);

/* Sets the "not found" message: `name`, the file looked for, every
 * directory tried, and `hint` (how to get the dataset). Returns -1. */
int dlab_search_not_found(const char *name, const char *file, const DlabSearchDirs *dirs,
                          const char *hint);

int dlab_is_regular_file(const char *path);
int dlab_is_directory(const char *path);

/* Finds `base` or `base.gz` in `dir` (the uncompressed file first: it
 * loads faster). Returns 1 when found (path filled), 0 when not. */
int dlab_find_maybe_gz(const char *dir, const char *base, char *path, size_t n);

/* snprintf that reports truncation as an error naming `what`. */
int dlab_join_path(char *out, size_t n, const char *dir, const char *name);

/* The loaders of the dataset families; `name` is the full dataset name. */
int dlab_idx_dataset_open(const char *name, const DlabDatasetOptions *opt, DlabDatasetPair *out);
int dlab_idx_dataset_known(const char *name);
int dlab_cifar_open(const DlabDatasetOptions *opt, DlabDatasetPair *out);
int dlab_folder_open(const char *dir, const DlabDatasetOptions *opt, DlabDatasetPair *out);

/* Class names "0", "1", ... "n-1". */
int dlab_dataset_number_classes(DlabDataset *d, int n);

#endif
