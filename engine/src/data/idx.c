/* IDX files, the format of MNIST and its relatives.
 *
 * Layout: two zero bytes, a type byte (0x08 = unsigned byte, the only one
 * these datasets use), a rank byte, then one big-endian uint32 per dimension,
 * then the data in row-major order. The parser trusts nothing: every size is
 * checked against the buffer before a byte is read. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/idx.h"

#define IDX_TYPE_UBYTE 0x08
#define IDX_MAX_DIMS 4

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
    return dlab_error("%s: not an IDX file (%zu bytes, shorter than the 4-byte magic)", what, len);
  uint32_t magic = read_be32(buf);
  int ndim = buf[3];
  if (buf[0] != 0 || buf[1] != 0 || ndim < 1 || ndim > IDX_MAX_DIMS)
    return dlab_error("%s: not an IDX file (magic 0x%08x)", what, magic);
  if (buf[2] != IDX_TYPE_UBYTE && is_other_idx_type(buf[2]))
    return dlab_error("%s: IDX element type 0x%02x is not supported, only unsigned bytes "
                      "(magic 0x%08x)", what, buf[2], magic);
  if (buf[2] != IDX_TYPE_UBYTE)
    return dlab_error("%s: not an IDX file (magic 0x%08x)", what, magic);
  return ndim;
}

/* Reads the dimensions and their product; rejects zeros and products that
 * do not fit in memory sizes or in an int per dimension. */
static int read_dims(const uint8_t *buf, size_t len, int ndim, const char *what, DlabIdx *out,
                     size_t *count) {
  size_t header = 4 + 4 * (size_t)ndim;
  if (len < header)
    return dlab_error("%s: truncated: IDX header of %zu bytes expected, %zu found", what,
                      header, len);
  size_t product = 1;
  for (int i = 0; i < ndim; i++) {
    uint32_t d = read_be32(buf + 4 + 4 * i);
    if (d == 0) return dlab_error("%s: dimension %d of the IDX file is zero", what, i);
    if (d > INT_MAX)
      return dlab_error("%s: dimension %d of the IDX file is too large (%u)", what, i, d);
    if (product > SIZE_MAX / d)
      return dlab_error("%s: IDX dimensions overflow (their product does not fit in memory)",
                        what);
    product *= d;
    out->dims[i] = (int)d;
  }
  *count = product;
  return 0;
}

int dlab_idx_parse(const uint8_t *buf, size_t len, const char *what, DlabIdx *out) {
  memset(out, 0, sizeof *out);
  /* Unused dimensions read as 1 so that a product over all four is safe. */
  for (int i = 0; i < IDX_MAX_DIMS; i++) out->dims[i] = 1;
  int ndim = check_magic(buf, len, what);
  if (ndim < 0) return -1;
  size_t count = 0;
  if (read_dims(buf, len, ndim, what, out, &count) < 0) return -1;
  size_t header = 4 + 4 * (size_t)ndim;
  size_t present = len - header;
  if (present < count)
    return dlab_error("%s: truncated: %zu bytes of data expected, %zu found", what, count,
                      present);
  if (present > count)
    return dlab_error("%s: %zu bytes after the data (the header promises %zu)", what,
                      present - count, count);
  out->data = malloc(count);
  if (!out->data) return dlab_error("%s: out of memory (%zu bytes)", what, count);
  memcpy(out->data, buf + header, count);
  out->ndim = ndim;
  return 0;
}

int dlab_idx_read(const char *path, DlabIdx *out) {
  memset(out, 0, sizeof *out);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (dlab_read_file_maybe_gz(path, &buf, &len) < 0) return -1;
  int rc = dlab_idx_parse(buf, len, path, out);
  free(buf);
  return rc;
}

void dlab_idx_free(DlabIdx *idx) {
  if (!idx) return;
  free(idx->data);
  memset(idx, 0, sizeof *idx);
}
