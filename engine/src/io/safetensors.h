/* The safetensors format: 8-byte little-endian header length, a JSON header
 * {"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}},
 * then the raw little-endian tensor bytes. */
#ifndef DLAB_SAFETENSORS_H
#define DLAB_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { DLAB_ST_F32, DLAB_ST_I64 } DlabStDtype;

typedef struct {
  char name[128];
  DlabStDtype dtype;
  int ndim;            /* 0 for a scalar */
  int64_t shape[4];
  const void *data;    /* F32 or I64 elements, little-endian */
  size_t nbytes;
} DlabStTensor;

/* A reader refuses headers with more entries than these: far above any
 * model of the zoo (a few dozen tensors) or of PyTorch's own (a few
 * thousand), low enough that a hostile header cannot make parsing slow or
 * large. */
#define DLAB_ST_MAX_TENSORS 65536
#define DLAB_ST_MAX_META 4096

typedef struct {
  const char *name;
  int index;
} DlabStName;

typedef struct {
  DlabStTensor *tensors;
  int n_tensors;
  char **meta_keys, **meta_values;
  int n_meta;
  uint8_t *buf; /* owns the data the tensors point into */
  /* The tensor names and metadata keys in sorted order, each with its
   * index: lookups are binary searches, and duplicates are found by
   * sorting, never by comparing every pair. */
  DlabStName *tensor_index, *meta_index;
} DlabSafetensors;

/* Reads and validates a whole file: header length within the file, JSON
 * well-formed, dtypes F32/I64 only, offsets contiguous and within the data,
 * byte counts equal to the shapes, no name or metadata key twice, at most
 * DLAB_ST_MAX_TENSORS tensors and DLAB_ST_MAX_META metadata entries. Time
 * is O(n log n) in the number of entries. Errors name the path and the
 * tensor. */
int dlab_safetensors_read(const char *path, DlabSafetensors *st);

/* Same, for a buffer in memory (takes ownership of buf on success and on
 * failure). `what` names the source in messages. Exposed for fuzzing. */
int dlab_safetensors_parse(uint8_t *buf, size_t len, const char *what, DlabSafetensors *st);

const DlabStTensor *dlab_safetensors_find(const DlabSafetensors *st, const char *name);
const char *dlab_safetensors_meta(const DlabSafetensors *st, const char *key);
void dlab_safetensors_free(DlabSafetensors *st);

/* Writes tensors and metadata atomically (see atomic_file.h). */
int dlab_safetensors_write(const char *path, const DlabStTensor *tensors, int n_tensors,
                           const char *const *meta_keys, const char *const *meta_values,
                           int n_meta);

#endif
