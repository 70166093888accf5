/* Internal to src/io: the checkpoint metadata (dlab.* keys) to and from a
 * DlabModelInfo. */
#ifndef DLAB_IO_MODEL_INFO_H
#define DLAB_IO_MODEL_INFO_H

#include "dlab/checkpoint.h"
#include "io/safetensors.h"

#define CHECKPOINT_META_MAX 8

/* Metadata strings ready for dlab_safetensors_write. */
typedef struct {
  const char *keys[CHECKPOINT_META_MAX];
  char *values[CHECKPOINT_META_MAX];
  int n;
} CheckpointMeta;

/* Formats dlab.arch and dlab.input from m, and the rest from info (which
 * may be NULL). -1 with a message if info does not fit the model. */
int checkpoint_meta_build(CheckpointMeta *meta, const DlabModel *m, const DlabModelInfo *info);
void checkpoint_meta_free(CheckpointMeta *meta);

/* "1x28x28" -> {3, {1, 28, 28}}, "784" -> {1, {784}}. -1 (no message) if
 * malformed. */
int checkpoint_parse_input(const char *text, DlabShape *shape);

/* Fills info from st's metadata, checked against the model m (class count
 * equal to its outputs, one mean and std per input channel). Keys that are
 * absent get neutral defaults. Messages name `path` and the key. */
int checkpoint_info_from_meta(DlabModelInfo *info, const DlabSafetensors *st, const DlabModel *m,
                              const char *path);

#endif
