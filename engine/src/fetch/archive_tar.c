/* .tar.gz extraction. A tar is a run of 512-byte headers, each followed by
 * its file's data padded to 512 bytes, ended by zero blocks. ustar splits
 * long names into a prefix and a name; GNU tar puts a long name into an
 * 'L' entry before the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "archive_internal.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define BLOCK 512
#define CHUNK (1 << 16)

/* An octal field (spaces or NULs around the digits). -1 if malformed. */
static int64_t octal_field(const uint8_t *p, int len) {
  int i = 0;
  while (i < len && p[i] == ' ') i++;
  if (i < len && (p[i] & 0x80)) return -1; /* base-256: files over 8 GiB, not ours */
  int64_t v = 0;
  int digits = 0;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; i++, digits++) {
    if (v > (INT64_MAX >> 3)) return -1;
    v = v * 8 + (p[i] - '0');
  }
  for (; i < len; i++)
    if (p[i] != ' ' && p[i] != '\0') return -1;
  return digits ? v : -1;
}

static void copy_field(char *dst, const uint8_t *src, int len) {
  int n = 0;
  while (n < len && src[n]) n++;
  memcpy(dst, src, (size_t)n);
  dst[n] = '\0';
}

int dlab_tar_parse_header(const uint8_t block[BLOCK], const char *what, DlabTarHeader *out) {
  memset(out, 0, sizeof *out);
  int zero = 1;
  for (int i = 0; i < BLOCK && zero; i++) zero = block[i] == 0;
  if (zero) return 0;
  int64_t stored = octal_field(block + 148, 8);
  uint32_t sum = 0;
  int32_t signed_sum = 0;
  for (int i = 0; i < BLOCK; i++) {
    uint8_t b = i >= 148 && i < 156 ? ' ' : block[i];
    sum += b;
    signed_sum += (int8_t)b;
  }
  if (stored < 0 || (stored != sum && stored != signed_sum))
    return dlab_error(_("%s: not a tar archive, or corrupt (header checksum mismatch)"), what);
  int64_t size = octal_field(block + 124, 12);
  if (size < 0) return dlab_error(_("%s: corrupt tar header (size field)"), what);
  out->size = (uint64_t)size;
  out->type = (char)block[156];
  char name[101], prefix[156];
  copy_field(name, block, 100);
  copy_field(prefix, block + 345, 155);
  if (memcmp(block + 257, "ustar", 5) == 0 && prefix[0])
    snprintf(out->name, sizeof out->name, "%s/%s", prefix, name);
  else
    snprintf(out->name, sizeof out->name, "%s", name);
  return 1;
}

static int read_exact(gzFile gz, uint8_t *buf, size_t n, const char *what) {
  size_t got = 0;
  while (got < n) {
    int r = gzread(gz, buf + got, (unsigned)(n - got));
    if (r <= 0) {
      int err;
      const char *msg = gzerror(gz, &err);
      if (r < 0 || err) return dlab_error(_("%s: corrupt gzip data (%s)"), what, msg);
      return dlab_error(_("%s: the archive ends early"), what);
    }
    got += (size_t)r;
  }
  return 0;
}

/* Reads `size` bytes of member data (plus padding) into `out`, or skips
 * them when out is NULL. */
static int pass_data(gzFile gz, uint64_t size, DlabOutFile *out, const char *what) {
  uint8_t buf[CHUNK];
  uint64_t left = (size + BLOCK - 1) / BLOCK * BLOCK, data_left = size;
  while (left > 0) {
    size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
    if (read_exact(gz, buf, n, what) < 0) return -1;
    size_t useful = data_left < n ? (size_t)data_left : n;
    if (out && dlab_out_write(out, buf, useful) < 0) return -1;
    data_left -= useful;
    left -= n;
  }
  return 0;
}

/* A GNU 'L' entry: the next member's full name. */
static int read_long_name(gzFile gz, uint64_t size, char *name, size_t n, const char *what) {
  if (size == 0 || size >= n)
    return dlab_error(_("%s: a long-name entry of %llu bytes"), what, (unsigned long long)size);
  uint8_t buf[BLOCK * 9];
  uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
  if (padded > sizeof buf) return dlab_error(_("%s: a long-name entry of %llu bytes"), what, (unsigned long long)size);
  if (read_exact(gz, buf, (size_t)padded, what) < 0) return -1;
  memcpy(name, buf, (size_t)size);
  name[size] = '\0';
  return 0;
}

static int extract_member(gzFile gz, const DlabTarHeader *h, const char *dest, const char *out_name,
                          uint64_t max_size, const char *archive, DlabWritten *written) {
  if (h->size > max_size)
    return dlab_error(_("%s: %s: %llu bytes, more than the %llu this file may hold"), archive, h->name,
                      (unsigned long long)h->size, (unsigned long long)max_size);
  DlabOutFile o;
  if (dlab_out_open(&o, dest, out_name, 0, max_size) < 0) return -1;
  if (pass_data(gz, h->size, &o, archive) < 0) {
    dlab_member_error(archive, h->name);
    dlab_out_abort(&o);
    return -1;
  }
  if (dlab_out_commit_into(&o, written) < 0) {
    dlab_member_error(archive, h->name);
    return -1;
  }
  return 0;
}

/* Handles the member whose header is h; returns 1 if extracted, 0 if
 * skipped, -1 on error. */
static int handle_member(gzFile gz, const DlabTarHeader *h, const char *name, const char *archive,
                         const char *dest_dir, DlabMemberFilter filter, void *user,
                         DlabWritten *written) {
  char out_name[256];
  uint64_t max_size = 0;
  int want = 0;
  if (h->type == '0' || h->type == '\0') {
    want = dlab_member_wanted(filter, user, name, out_name, sizeof out_name, &max_size, archive);
    if (want < 0) return -1;
  }
  if (!want) return pass_data(gz, h->size, NULL, archive) < 0 ? -1 : 0;
  return extract_member(gz, h, dest_dir, out_name, max_size, archive, written) < 0 ? -1 : 1;
}

int dlab_tar_gz_extract(const char *archive, const char *dest_dir, DlabMemberFilter filter,
                        void *user) {
  gzFile gz = gzopen(archive, "rb");
  if (!gz) return dlab_error(_("%s: cannot open: %s"), archive, strerror(errno));
  int extracted = 0;
  DlabWritten written = {0};
  char long_name[BLOCK * 8] = "";
  for (;;) {
    uint8_t block[BLOCK];
    DlabTarHeader h;
    /* Some writers stop without the two zero blocks: the end of the data
     * at a header boundary ends the archive too. */
    int first = gzgetc(gz);
    if (first < 0 && gzeof(gz)) break;
    if (first < 0) {
      int err;
      dlab_error(_("%s: corrupt gzip data (%s)"), archive, gzerror(gz, &err));
      goto fail;
    }
    block[0] = (uint8_t)first;
    if (read_exact(gz, block + 1, BLOCK - 1, archive) < 0) goto fail;
    int kind = dlab_tar_parse_header(block, archive, &h);
    if (kind < 0) goto fail;
    if (kind == 0) break;
    if (h.type == 'L') {
      if (read_long_name(gz, h.size, long_name, sizeof long_name, archive) < 0) goto fail;
      continue;
    }
    int rc = handle_member(gz, &h, long_name[0] ? long_name : h.name, archive, dest_dir, filter, user,
                           &written);
    long_name[0] = '\0';
    if (rc < 0) goto fail;
    extracted += rc;
  }
  gzclose(gz);
  dlab_written_free(&written);
  return extracted;
fail:
  gzclose(gz);
  dlab_written_undo(&written);
  return -1;
}
