/* IDX files, the format of MNIST and its relatives.
 *
 * Layout: two zero bytes, a type byte (0x08 = unsigned byte, the only one
 * these datasets use), a rank byte, then one big-endian uint32 per dimension,
 * then the data in row-major order. The reader trusts nothing: the header is
 * read first, the data size it declares is computed in 64 bits with overflow
 * checks, and exactly that many bytes are read (inflated, for a .gz): a
 * file with more data, or less, is refused without reading past it. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/idx.h"
#include "dlab/error.h"

#include "core/i18n.h"
#include "core/memory.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_MAX_DIMS 4
/* The data buffer starts at this size and doubles up to the declared one. */
#define DATA_CHUNK (1u << 20)
#define READ_WHOLE_MAX ((size_t)3 << 30) /* bytes: EMNIST's largest split is 0.6 GB */

static uint32_t read_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The other IDX element types exist (int, float, double) but no dataset we
 * read uses them; naming them gives a clearer message than "bad magic". */
static int is_other_idx_type(uint8_t type) {
  return type == 0x09 || type == 0x0b || type == 0x0c || type == 0x0d || type == 0x0e;
}

static int check_magic(const uint8_t *buf, size_t len, const char *what) {
  if (len < 4)
    return dlab_error(_("%s: not an IDX file (%zu bytes, shorter than the 4-byte magic)"), what, len);
  uint32_t magic = read_be32(buf);
  int ndim = buf[3];
  if (buf[0] != 0 || buf[1] != 0 || ndim < 1 || ndim > IDX_MAX_DIMS)
    return dlab_error(_("%s: not an IDX file (magic 0x%08x)"), what, magic);
  if (buf[2] != IDX_TYPE_UBYTE && is_other_idx_type(buf[2]))
    return dlab_error(_("%s: IDX element type 0x%02x is not supported, only unsigned bytes "
                        "(magic 0x%08x)"), what, buf[2], magic);
  if (buf[2] != IDX_TYPE_UBYTE)
    return dlab_error(_("%s: not an IDX file (magic 0x%08x)"), what, magic);
  return ndim;
}

/* Reads the dimensions and their product in 64 bits; rejects zeros and
 * products that do not fit in memory sizes or in an int per dimension. */
static int read_dims(const uint8_t *hdr, int ndim, const char *what, DlabIdx *out, size_t *count) {
  uint64_t product = 1;
  for (int i = 0; i < ndim; i++) {
    uint32_t d = read_be32(hdr + 4 * i);
    if (d == 0) return dlab_error(_("%s: dimension %d of the IDX file is zero"), what, i);
    if (d > INT_MAX)
      return dlab_error(_("%s: dimension %d of the IDX file is too large (%u)"), what, i, d);
    if (product > UINT64_MAX / d || product * d > SIZE_MAX)
      return dlab_error(_("%s: IDX dimensions overflow (their product does not fit in memory)"),
                        what);
    product *= d;
    out->dims[i] = (int)d;
  }
  *count = (size_t)product;
  return 0;
}

/* Reads up to `count` bytes into a buffer that grows as they arrive. */
static int read_growing(DlabStream *s, size_t count, const char *what, uint8_t **out, size_t *len_out) {
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0;
  while (len < count) {
    size_t new_cap = cap ? (cap > count / 2 ? count : cap * 2) : (count < DATA_CHUNK ? count : DATA_CHUNK);
    uint8_t *p = realloc(buf, new_cap);
    if (!p) {
      free(buf);
      return dlab_error(_("%s: out of memory (%zu bytes)"), what, new_cap);
    }
    buf = p;
    cap = new_cap;
    size_t got = 0;
    if (dlab_stream_read(s, buf + len, cap - len, &got) < 0) {
      free(buf);
      return -1;
    }
    len += got;
    if (len < cap) break;
  }
  *out = buf;
  *len_out = len;
  return 0;
}

/* Reads exactly the `count` bytes of data the header declared and checks
 * that nothing follows them. The buffer is allocated whole at first where
 * the source could hold that much (its size, or 1032 times it inflated:
 * dlab_stream_max_output): pages never written cost no memory (the system
 * commits a page when it is first written), so a header that lies costs
 * only what is there, and the allocation is bounded by the file. Beyond
 * that bound, or where the allocation fails, the buffer grows as the data
 * arrives instead. Written where it stays, the data is fast to read at
 * once: on a virtual machine with shadow page tables, a buffer that
 * realloc had grown (and moved) cost the first epoch's gathers 25 ms more
 * for MNIST, one page-table fault per page; and in huge pages
 * (dlab_advise_huge_pages) MNIST's training images load in 35-115 ms
 * instead of 200 there. */
static int read_data(DlabStream *s, size_t count, const char *what, uint8_t **out) {
  const uint64_t most = dlab_stream_max_output(s);
  uint8_t *buf = count <= READ_WHOLE_MAX && most > 0 && count <= most ? malloc(count) : NULL;
  size_t len = 0;
  if (buf) {
    dlab_advise_huge_pages(buf, count);
    if (dlab_stream_read(s, buf, count, &len) < 0) goto fail;
  } else if (read_growing(s, count, what, &buf, &len) < 0) {
    return -1;
  }
  if (len < count) {
    dlab_error(_("%s: truncated: %zu bytes of data expected, %zu found"), what, count, len);
    goto fail;
  }
  int end = dlab_stream_at_end(s);
  if (end < 0) goto fail;
  if (!end) {
    dlab_error(_("%s: more data after the %zu bytes the header promises%s"), what, count,
               dlab_stream_is_gzip(s) ? _(" (inflating stopped there)") : "");
    goto fail;
  }
  *out = buf;
  return 0;
fail:
  free(buf);
  return -1;
}

int dlab_idx_read_stream(DlabStream *s, const char *what, DlabIdx *out) {
  memset(out, 0, sizeof *out);
  /* Unused dimensions read as 1 so that a product over all four is safe. */
  for (int i = 0; i < IDX_MAX_DIMS; i++) out->dims[i] = 1;
  uint8_t hdr[4 + 4 * IDX_MAX_DIMS];
  size_t got = 0;
  if (dlab_stream_read(s, hdr, 4, &got) < 0) return -1;
  int ndim = check_magic(hdr, got, what);
  if (ndim < 0) return -1;
  size_t dims_len = 4 * (size_t)ndim;
  if (dlab_stream_read(s, hdr + 4, dims_len, &got) < 0) return -1;
  if (got < dims_len)
    return dlab_error(_("%s: truncated: IDX header of %zu bytes expected, %zu found"), what,
                      4 + dims_len, 4 + got);
  size_t count = 0;
  if (read_dims(hdr + 4, ndim, what, out, &count) < 0) return -1;
  if (read_data(s, count, what, &out->data) < 0) return -1;
  out->ndim = ndim;
  return 0;
}

int dlab_idx_parse(const uint8_t *buf, size_t len, const char *what, DlabIdx *out) {
  memset(out, 0, sizeof *out);
  DlabStream *s = dlab_stream_open_memory(buf, len, what);
  if (!s) return -1;
  int rc = dlab_idx_read_stream(s, what, out);
  dlab_stream_close(s);
  return rc;
}

int dlab_idx_read(const char *path, DlabIdx *out) {
  memset(out, 0, sizeof *out);
  DlabStream *s = dlab_stream_open_file(path);
  if (!s) return -1;
  int rc = dlab_idx_read_stream(s, path, out);
  dlab_stream_close(s);
  return rc;
}

void dlab_idx_free(DlabIdx *idx) {
  if (!idx) return;
  free(idx->data);
  memset(idx, 0, sizeof *idx);
}
