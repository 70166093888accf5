/* IDX files (the MNIST format), raw or gzip-compressed. */
#ifndef DLAB_IDX_H
#define DLAB_IDX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int ndim;         /* 1 for labels, 3 for images */
  int dims[4];
  uint8_t *data;    /* product(dims) bytes */
} DlabIdx;

/* Reads an unsigned-byte IDX file (magic 0x00000801 or 0x00000803); gzip is
 * detected by its magic bytes, not the file name. Errors name the path:
 * bad magic, truncated data, trailing bytes, corrupt gzip stream. */
int dlab_idx_read(const char *path, DlabIdx *out);

/* Parses an IDX image already in memory (after decompression). `what` names
 * the source in error messages. Exposed for the fuzz targets. */
int dlab_idx_parse(const uint8_t *buf, size_t len, const char *what, DlabIdx *out);

/* Inflates a gzip stream in memory (every member, as `cat a.gz b.gz`
 * makes); `what` names it in messages. Exposed for the fuzz targets. */
int dlab_gunzip(const uint8_t *gz, size_t len, const char *what, uint8_t **out, size_t *out_len);

/* Reads a whole file, inflating it if it is gzip. */
int dlab_read_file_maybe_gz(const char *path, uint8_t **buf, size_t *len);

void dlab_idx_free(DlabIdx *idx);

#endif
