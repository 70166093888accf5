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

/* A file or a buffer read as a stream of bytes, inflated on the way when
 * it is gzip (decided by its 1f 8b magic, not its name; concatenated gzip
 * members continue the data). A reader takes exactly what it asks for:
 * nothing is inflated beyond it. Errors name the file. */
typedef struct DlabStream DlabStream;

DlabStream *dlab_stream_open_file(const char *path);
/* `what` names the buffer in messages; buf must outlive the stream. */
DlabStream *dlab_stream_open_memory(const uint8_t *buf, size_t len, const char *what);
/* Reads up to n bytes; *got < n only at the end of the data. -1 on a read
 * error or a corrupt or cut-off gzip stream. */
int dlab_stream_read(DlabStream *s, void *buf, size_t n, size_t *got);
/* 1 when the data has ended (for gzip: with a whole, checked stream), 0
 * when more follows (one byte of it is consumed), -1 on error. */
int dlab_stream_at_end(DlabStream *s);
int dlab_stream_is_gzip(const DlabStream *s);
/* The bytes handed out so far (inflated ones, for gzip). */
uint64_t dlab_stream_produced(const DlabStream *s);
/* The most bytes the stream can hand out in all: the source's size, or
 * for gzip the most that many compressed bytes can inflate to (1032
 * times). 0 when the source's size is not known (a pipe). A bound to
 * check a header's claims against, not a prediction. */
uint64_t dlab_stream_max_output(const DlabStream *s);
void dlab_stream_close(DlabStream *s);

/* Reads an unsigned-byte IDX file (magic 0x00000801 or 0x00000803), raw or
 * gzip. The header is read first and exactly the data size it declares is
 * read after it: errors name the path: bad magic, truncated data, more
 * data than declared (found without inflating past the declared size),
 * corrupt gzip stream. */
int dlab_idx_read(const char *path, DlabIdx *out);

/* The same from an open stream; `what` names it in messages. */
int dlab_idx_read_stream(DlabStream *s, const char *what, DlabIdx *out);

/* Parses an IDX image in memory (raw, or gzip by its magic). `what` names
 * the source in error messages. Exposed for the fuzz targets. */
int dlab_idx_parse(const uint8_t *buf, size_t len, const char *what, DlabIdx *out);

/* Inflates a gzip stream in memory (every member, as `cat a.gz b.gz`
 * makes), failing once it would produce more than max_len bytes; `what`
 * names it in messages. Exposed for the fuzz targets. */
int dlab_gunzip(const uint8_t *gz, size_t len, size_t max_len, const char *what, uint8_t **out,
                size_t *out_len);

/* Reads a whole file, inflating it if it is gzip; more than max_len bytes
 * (after inflating) is an error naming the file, found without reading
 * further. */
int dlab_read_file_maybe_gz(const char *path, size_t max_len, uint8_t **buf, size_t *len);

void dlab_idx_free(DlabIdx *idx);

#endif
