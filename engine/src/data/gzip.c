/* Reading a whole file into memory, inflating it when it is gzip.
 *
 * Whether a file is compressed is decided by its first two bytes (1f 8b),
 * never by its name: torchvision leaves both train-images-idx3-ubyte and
 * train-images-idx3-ubyte.gz around, and people rename files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dlab/error.h"
#include "dlab/idx.h"

#define READ_CHUNK (1u << 20)
/* Deflate cannot compress better than about 1032:1, so a size hint larger
 * than that is a lie (a corrupt or hostile trailer) and is not trusted. */
#define DEFLATE_MAX_RATIO 1032u

static int grow(uint8_t **buf, size_t *cap, size_t need, const char *path) {
  if (need <= *cap) return 0;
  size_t new_cap = *cap ? *cap : 4096;
  while (new_cap < need) {
    if (new_cap > SIZE_MAX / 2) return dlab_error("%s: file too large for memory", path);
    new_cap *= 2;
  }
  uint8_t *p = realloc(*buf, new_cap);
  if (!p) return dlab_error("%s: out of memory (%zu bytes)", path, new_cap);
  *buf = p;
  *cap = new_cap;
  return 0;
}

/* Reads the file as it is on disk. Works for pipes and /proc files too,
 * since it reads until end of file instead of trusting a size. */
static int read_raw(const char *path, uint8_t **out, size_t *out_len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return dlab_error("%s: cannot open: %s", path, strerror(errno));
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (grow(&buf, &cap, len + READ_CHUNK, path) < 0) goto fail;
    size_t got = fread(buf + len, 1, cap - len, fp);
    len += got;
    if (got == 0) break;
  }
  if (ferror(fp)) {
    dlab_error("%s: read error: %s", path, strerror(errno));
    goto fail;
  }
  fclose(fp);
  *out = buf;
  *out_len = len;
  return 0;
fail:
  free(buf);
  fclose(fp);
  return -1;
}

static int is_gzip(const uint8_t *buf, size_t len) {
  return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* The gzip trailer ends with the uncompressed size modulo 2^32: a good first
 * guess for the output buffer, bounded by what deflate can possibly reach. */
static size_t size_hint(const uint8_t *gz, size_t len) {
  if (len < 18) return 4096;
  const uint8_t *t = gz + len - 4;
  size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
  size_t bound = len > SIZE_MAX / DEFLATE_MAX_RATIO ? SIZE_MAX : len * DEFLATE_MAX_RATIO;
  if (isize == 0) return 4096;
  return isize < bound ? isize + 1 : bound;
}

static int zlib_failure(const char *path, int rc, const z_stream *zs) {
  if (rc == Z_MEM_ERROR) return dlab_error("%s: out of memory while inflating", path);
  return dlab_error("%s: corrupt gzip stream (%s)", path, zs->msg ? zs->msg : "unknown zlib error");
}

/* Inflates every gzip member in `gz` (concatenated members are legal gzip and
 * what `cat a.gz b.gz` produces). */
static int inflate_all(const char *path, const uint8_t *gz, size_t gz_len, uint8_t **out,
                       size_t *out_len) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    return dlab_error("%s: cannot initialize zlib", path);
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0, consumed = 0;
  if (grow(&buf, &cap, size_hint(gz, gz_len), path) < 0) goto fail;
  for (;;) {
    if (len == cap && grow(&buf, &cap, cap + 1, path) < 0) goto fail;
    /* zlib counts in uInt (32 bits): feed and drain in bounded steps. */
    size_t in_left = gz_len - consumed, out_left = cap - len;
    zs.next_in = (Bytef *)(uintptr_t)(gz + consumed);
    zs.avail_in = in_left > UINT32_MAX ? UINT32_MAX : (uInt)in_left;
    zs.next_out = buf + len;
    zs.avail_out = out_left > UINT32_MAX ? UINT32_MAX : (uInt)out_left;
    uInt in_before = zs.avail_in, out_before = zs.avail_out;
    int rc = inflate(&zs, Z_NO_FLUSH);
    consumed += in_before - zs.avail_in;
    len += out_before - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (consumed == gz_len) break;
      if (!is_gzip(gz + consumed, gz_len - consumed)) {
        dlab_error("%s: %zu bytes of garbage after the gzip stream", path, gz_len - consumed);
        goto fail;
      }
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && consumed == gz_len) {
      dlab_error("%s: gzip stream ends early", path);
      goto fail;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      zlib_failure(path, rc, &zs);
      goto fail;
    }
  }
  inflateEnd(&zs);
  *out = buf;
  *out_len = len;
  return 0;
fail:
  inflateEnd(&zs);
  free(buf);
  return -1;
}

int dlab_read_file_maybe_gz(const char *path, uint8_t **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (read_raw(path, &raw, &raw_len) < 0) return -1;
  if (!is_gzip(raw, raw_len)) {
    *buf = raw;
    *len = raw_len;
    return 0;
  }
  int rc = inflate_all(path, raw, raw_len, buf, len);
  free(raw);
  return rc;
}

int dlab_gunzip(const uint8_t *gz, size_t len, const char *what, uint8_t **out, size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (!is_gzip(gz, len)) return dlab_error("%s: not gzip data (no 1f 8b magic)", what);
  return inflate_all(what, gz, len, out, out_len);
}
