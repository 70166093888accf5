/* .zip extraction. The central directory at the end lists the members
 * (name, method, sizes, CRC, where the local header is); each member's data
 * follows its local header. Only stored and deflated members, and no zip64:
 * the archives dlab fetches are under 4 GiB. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "archive_internal.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define EOCD_SIG 0x06054b50u
#define CENTRAL_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define EOCD_LEN 22
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define MAX_COMMENT 65535
#define CHUNK (1 << 16)

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct {
  uint64_t cd_offset, cd_size;
  int count;
} EndRecord;

/* Finds the end record in the tail of a file (`tail` holds its last
 * `len` bytes; the file is file_size long). */
static int find_end(const uint8_t *tail, size_t len, uint64_t file_size, const char *what,
                    EndRecord *end) {
  if (len < EOCD_LEN) return dlab_error(_("%s: not a zip archive (too short)"), what);
  for (size_t i = len - EOCD_LEN + 1; i-- > 0;) {
    const uint8_t *p = tail + i;
    if (le32(p) != EOCD_SIG) continue;
    if (le16(p + 20) != len - i - EOCD_LEN) continue; /* the comment must reach the end */
    uint16_t entries = le16(p + 10);
    uint32_t size = le32(p + 12), offset = le32(p + 16);
    if (entries == 0xffff || size == 0xffffffffu || offset == 0xffffffffu)
      return dlab_error(_("%s: zip64 archives are not supported"), what);
    if ((uint64_t)offset + size > file_size)
      return dlab_error(_("%s: corrupt zip (the directory lies outside the file)"), what);
    end->cd_offset = offset;
    end->cd_size = size;
    end->count = entries;
    return 0;
  }
  return dlab_error(_("%s: not a zip archive (no end-of-directory record)"), what);
}

static int parse_entries(const uint8_t *cd, size_t len, const EndRecord *end, uint64_t file_size,
                         const char *what, DlabZipEntry **entries, int *n) {
  *entries = calloc(end->count > 0 ? (size_t)end->count : 1, sizeof **entries);
  if (!*entries) return dlab_error(_("%s: out of memory"), what);
  size_t pos = 0;
  for (int i = 0; i < end->count; i++) {
    DlabZipEntry *e = &(*entries)[i];
    const uint8_t *p = cd + pos;
    if (len - pos < CENTRAL_LEN || le32(p) != CENTRAL_SIG) goto corrupt;
    size_t name_len = le16(p + 28), extra = le16(p + 30), comment = le16(p + 32);
    if (len - pos - CENTRAL_LEN < name_len + extra + comment) goto corrupt;
    if (name_len >= sizeof e->name)
      return dlab_error(_("%s: member name of %zu bytes is too long"), what, name_len);
    e->method = le16(p + 10);
    e->crc = le32(p + 16);
    e->compressed = le32(p + 20);
    e->size = le32(p + 24);
    e->local_offset = le32(p + 42);
    if (e->compressed == 0xffffffffu || e->size == 0xffffffffu || e->local_offset == 0xffffffffu)
      return dlab_error(_("%s: zip64 archives are not supported"), what);
    if ((uint64_t)e->local_offset + LOCAL_LEN + e->compressed > file_size) goto corrupt;
    memcpy(e->name, p + CENTRAL_LEN, name_len);
    e->name[name_len] = '\0';
    pos += CENTRAL_LEN + name_len + extra + comment;
  }
  *n = end->count;
  return 0;
corrupt:
  return dlab_error(_("%s: corrupt zip central directory"), what);
}

int dlab_zip_parse_directory(const uint8_t *buf, size_t len, const char *what,
                             DlabZipEntry **entries, int *n) {
  *entries = NULL;
  *n = 0;
  EndRecord end;
  if (find_end(buf, len, len, what, &end) < 0) return -1;
  if (parse_entries(buf + end.cd_offset, (size_t)end.cd_size, &end, len, what, entries, n) < 0) {
    free(*entries);
    *entries = NULL;
    return -1;
  }
  return 0;
}

/* Reads the end record and the directory of an archive on disk. */
static int read_directory(FILE *fp, const char *what, DlabZipEntry **entries, int *n) {
  struct stat st;
  if (fstat(fileno(fp), &st) != 0) return dlab_error("%s: %s", what, strerror(errno));
  uint64_t size = (uint64_t)st.st_size;
  size_t tail_len = size < EOCD_LEN + MAX_COMMENT ? (size_t)size : EOCD_LEN + MAX_COMMENT;
  uint8_t *tail = malloc(tail_len ? tail_len : 1);
  uint8_t *cd = NULL;
  EndRecord end;
  int rc = -1;
  if (!tail) return dlab_error(_("%s: out of memory"), what);
  if (fseeko(fp, (off_t)(size - tail_len), SEEK_SET) != 0 || fread(tail, 1, tail_len, fp) != tail_len) {
    dlab_error(_("%s: read error"), what);
    goto done;
  }
  if (find_end(tail, tail_len, size, what, &end) < 0) goto done;
  cd = malloc(end.cd_size ? (size_t)end.cd_size : 1);
  if (!cd || fseeko(fp, (off_t)end.cd_offset, SEEK_SET) != 0 ||
      fread(cd, 1, (size_t)end.cd_size, fp) != end.cd_size) {
    dlab_error(_("%s: cannot read the zip directory"), what);
    goto done;
  }
  rc = parse_entries(cd, (size_t)end.cd_size, &end, size, what, entries, n);
  if (rc < 0) {
    free(*entries);
    *entries = NULL;
  }
done:
  free(tail);
  free(cd);
  return rc;
}

/* Streams one member's data through inflate (or not) into `out`, checking
 * its CRC and size; stops as soon as it inflates past its declared size. */
static int copy_member(FILE *fp, const DlabZipEntry *e, DlabOutFile *out, const char *what) {
  uint8_t local[LOCAL_LEN];
  if (fseeko(fp, (off_t)e->local_offset, SEEK_SET) != 0 || fread(local, 1, LOCAL_LEN, fp) != LOCAL_LEN ||
      le32(local) != LOCAL_SIG)
    return dlab_error(_("%s: %s: corrupt local header"), what, e->name);
  if (fseeko(fp, (off_t)(le16(local + 26) + le16(local + 28)), SEEK_CUR) != 0)
    return dlab_error(_("%s: %s: corrupt local header"), what, e->name);
  if (e->method != 0 && e->method != 8)
    return dlab_error(_("%s: %s: compression method %d is not supported"), what, e->name, e->method);
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (e->method == 8 && inflateInit2(&zs, -MAX_WBITS) != Z_OK) return dlab_error(_("%s: zlib init failed"), what);
  uint8_t in[CHUNK], buf[CHUNK];
  uint32_t left = e->compressed, crc = (uint32_t)crc32(0, NULL, 0);
  uint64_t produced = 0;
  int rc = 0, ended = e->method == 0;
  while (rc == 0 && left > 0) {
    size_t n = left < sizeof in ? left : sizeof in;
    if (fread(in, 1, n, fp) != n) {
      rc = dlab_error(_("%s: %s: the archive ends early"), what, e->name);
      break;
    }
    left -= (uint32_t)n;
    if (e->method == 0) {
      crc = (uint32_t)crc32(crc, in, (uInt)n);
      produced += n;
      rc = dlab_out_write(out, in, n);
      continue;
    }
    zs.next_in = in;
    zs.avail_in = (uInt)n;
    while (rc == 0 && zs.avail_in > 0 && !ended) {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      int z = inflate(&zs, Z_NO_FLUSH);
      if (z != Z_OK && z != Z_STREAM_END && z != Z_BUF_ERROR)
        rc = dlab_error(_("%s: %s: corrupt deflate data (%s)"), what, e->name, zs.msg ? zs.msg : _("zlib error"));
      size_t got = sizeof buf - zs.avail_out;
      crc = (uint32_t)crc32(crc, buf, (uInt)got);
      produced += got;
      if (rc == 0 && produced > e->size)
        rc = dlab_error(_("%s: %s: inflates to more than the %lu bytes the directory says"), what,
                        e->name, (unsigned long)e->size);
      if (rc == 0) rc = dlab_out_write(out, buf, got);
      if (z == Z_STREAM_END) ended = 1;
      if (z == Z_BUF_ERROR && zs.avail_in > 0) rc = dlab_error(_("%s: %s: corrupt deflate data"), what, e->name);
    }
  }
  if (e->method == 8) inflateEnd(&zs);
  if (rc < 0) return -1;
  if (!ended || produced != e->size || crc != e->crc)
    return dlab_error(_("%s: %s: corrupt member (size or CRC-32 does not match the directory)"), what, e->name);
  return 0;
}

int dlab_zip_extract(const char *archive, const char *dest_dir, DlabMemberFilter filter,
                     void *user, int gunzip_members) {
  FILE *fp = fopen(archive, "rb");
  if (!fp) return dlab_error(_("%s: cannot open: %s"), archive, strerror(errno));
  DlabZipEntry *entries = NULL;
  DlabWritten written = {0};
  int n = 0, extracted = 0;
  if (read_directory(fp, archive, &entries, &n) < 0) goto fail;
  for (int i = 0; i < n; i++) {
    char out_name[256];
    uint64_t max_size = 0;
    int want = dlab_member_wanted(filter, user, entries[i].name, out_name, sizeof out_name, &max_size,
                                  archive);
    if (want < 0) goto fail;
    if (!want) continue;
    /* A stored member's size is what it writes; a .gz member is capped as
     * it inflates. */
    if (!gunzip_members && entries[i].size > max_size) {
      dlab_error(_("%s: %s: %lu bytes, more than the %llu this file may hold"), archive, entries[i].name,
                 (unsigned long)entries[i].size, (unsigned long long)max_size);
      goto fail;
    }
    DlabOutFile out;
    if (dlab_out_open(&out, dest_dir, out_name, gunzip_members, max_size) < 0) goto fail;
    if (copy_member(fp, &entries[i], &out, archive) < 0) {
      dlab_member_error(archive, entries[i].name);
      dlab_out_abort(&out);
      goto fail;
    }
    if (dlab_out_commit_into(&out, &written) < 0) {
      dlab_member_error(archive, entries[i].name);
      goto fail;
    }
    extracted++;
  }
  free(entries);
  fclose(fp);
  dlab_written_free(&written);
  return extracted;
fail:
  free(entries);
  fclose(fp);
  dlab_written_undo(&written);
  return -1;
}
