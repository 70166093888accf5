/* What `dlab fetch` unpacks with: MD5 (RFC 1321's test vectors), .gz files,
 * .tar.gz and .zip archives built here byte by byte, extracting only the
 * wanted members, never outside the folder, and refusing corrupt ones. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dlab/error.h"
#include "fetch/archive.h"
#include "fetch/md5.h"
#include "test_files.h"
#include "test_util.h"

static char tmp[1024];

static void test_md5(void) {
  static const struct {
    const char *text, *md5;
  } v[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
  };
  int ok = 1;
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    DlabMd5 m;
    char hex[33];
    dlab_md5_init(&m);
    /* fed in pieces of 7 bytes, to cross block boundaries */
    size_t len = strlen(v[i].text);
    for (size_t at = 0; at < len; at += 7) dlab_md5_update(&m, v[i].text + at, len - at < 7 ? len - at : 7);
    dlab_md5_hex(&m, hex);
    ok &= strcmp(hex, v[i].md5) == 0;
  }
  tap_ok(ok, "MD5 of RFC 1321's test strings");
  char path[1200], hex[33];
  snprintf(path, sizeof path, "%s/abc", tmp);
  tf_write_bytes(path, "abc", 3);
  tap_ok(dlab_md5_file(path, hex) == 0 && strcmp(hex, "900150983cd24fb0d6963f7d28e17f72") == 0, "MD5 of a file");
}

/* ---- .gz ---- */

static void write_gz(const char *path, const void *data, size_t len) {
  gzFile gz = gzopen(path, "wb");
  gzwrite(gz, data, (unsigned)len);
  gzclose(gz);
}

static void test_gunzip(void) {
  char gz[1200], out[1200];
  snprintf(gz, sizeof gz, "%s/x.gz", tmp);
  snprintf(out, sizeof out, "%s/x", tmp);
  char data[5000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (char)(i * 31);
  write_gz(gz, data, sizeof data);
  size_t len = 0;
  int rc = dlab_gunzip_file(gz, out, 0);
  unsigned char *back = rc == 0 ? tf_read_bytes(out, &len) : NULL;
  tap_ok(rc == 0 && len == sizeof data && memcmp(back, data, len) == 0, "gunzip a file");
  free(back);
  remove(out);
  size_t glen;
  unsigned char *g = tf_read_bytes(gz, &glen);
  tf_write_bytes(gz, g, glen / 2);
  free(g);
  rc = dlab_gunzip_file(gz, out, 0);
  FILE *left = fopen(out, "rb");
  char part[1300];
  snprintf(part, sizeof part, "%s.part", out);
  FILE *left_part = fopen(part, "rb");
  tap_ok(rc == -1 && !left && !left_part && tf_contains(dlab_error_message(), "x.gz"),
         "a truncated .gz: an error naming it and nothing left behind: \"%s\"", dlab_error_message());
  if (left) fclose(left);
  if (left_part) fclose(left_part);
  /* Capped: 5000 bytes may not inflate into a file of at most 4000. */
  write_gz(gz, data, sizeof data);
  rc = dlab_gunzip_file(gz, out, 4000);
  tap_ok(rc == -1 && !tf_exists(out) && !tf_exists(part) &&
             tf_contains(dlab_error_message(), "more than 4000 bytes, the most this file may hold"),
         "a .gz inflating past its cap is stopped, nothing left: \"%s\"", dlab_error_message());
}

/* ---- tar ---- */

static void tar_header(uint8_t *h, const char *name, size_t size, char type) {
  memset(h, 0, 512);
  snprintf((char *)h, 100, "%s", name);
  snprintf((char *)h + 100, 8, "%07o", 0644);
  snprintf((char *)h + 124, 12, "%011zo", size);
  snprintf((char *)h + 136, 12, "%011o", 0);
  h[156] = (uint8_t)type;
  memcpy(h + 257, "ustar", 6);
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; i++) sum += h[i];
  snprintf((char *)h + 148, 8, "%06o", sum);
}

/* A .tar.gz of: dir/keep.bin, dir/skip.txt, a directory entry, ../evil.bin */
static size_t make_tar(uint8_t *buf, const uint8_t *payload, size_t n) {
  size_t at = 0;
  const char *names[] = {"dir/", "dir/keep.bin", "dir/skip.txt", "../evil.bin"};
  char types[] = {'5', '0', '0', '0'};
  for (int i = 0; i < 4; i++) {
    size_t size = types[i] == '5' ? 0 : n;
    tar_header(buf + at, names[i], size, types[i]);
    at += 512;
    memcpy(buf + at, payload, size);
    at += (size + 511) / 512 * 512;
  }
  memset(buf + at, 0, 1024);
  return at + 1024;
}

static int want_bins(const char *member, char *out, size_t n, uint64_t *max_size, void *user) {
  (void)user;
  (void)max_size;
  const char *base = strrchr(member, '/');
  base = base ? base + 1 : member;
  size_t len = strlen(base);
  if (len < 4 || strcmp(base + len - 4, ".bin") != 0) return 0;
  snprintf(out, n, "%s", base);
  return 1;
}

/* keep.bin may hold 1000 bytes, evil.bin only 100. */
static int capped_bins(const char *member, char *out, size_t n, uint64_t *max_size, void *user) {
  if (!want_bins(member, out, n, max_size, user)) return 0;
  *max_size = strcmp(out, "keep.bin") == 0 ? 1000 : 100;
  return 1;
}

static int unsafe_name(const char *member, char *out, size_t n, uint64_t *max_size, void *user) {
  (void)member;
  (void)user;
  (void)max_size;
  snprintf(out, n, "../outside");
  return 1;
}

static void test_tar(void) {
  uint8_t payload[700], tar[8192];
  for (int i = 0; i < 700; i++) payload[i] = (uint8_t)(i * 5);
  size_t len = make_tar(tar, payload, sizeof payload);
  char path[1200], dest[1200], out[1400];
  snprintf(path, sizeof path, "%s/a.tar.gz", tmp);
  snprintf(dest, sizeof dest, "%s/tar_out", tmp);
  tf_mkdirs(dest);
  write_gz(path, tar, len);
  int n = dlab_tar_gz_extract(path, dest, want_bins, NULL);
  snprintf(out, sizeof out, "%s/keep.bin", dest);
  size_t got = 0;
  unsigned char *back = n == 2 ? tf_read_bytes(out, &got) : NULL;
  snprintf(out, sizeof out, "%s/evil.bin", dest);
  FILE *evil = fopen(out, "rb");
  tap_ok(n == 2 && got == sizeof payload && memcmp(back, payload, got) == 0 && evil,
         "tar.gz: the wanted members extracted by base name (../evil.bin lands inside as evil.bin)");
  free(back);
  if (evil) fclose(evil);
  tap_ok(dlab_tar_gz_extract(path, dest, unsafe_name, NULL) == -1 &&
             tf_contains(dlab_error_message(), "not a plain file name"),
         "a filter answer with a path is refused: \"%s\"", dlab_error_message());
  /* keep.bin (700 bytes) fits its cap, evil.bin (700) does not: the
   * extraction fails and takes keep.bin, already written, away again. */
  char keep[1400], evil_path[1400];
  snprintf(keep, sizeof keep, "%s/keep.bin", dest);
  snprintf(evil_path, sizeof evil_path, "%s/evil.bin", dest);
  remove(keep);
  remove(evil_path);
  n = dlab_tar_gz_extract(path, dest, capped_bins, NULL);
  tap_ok(n == -1 && !tf_exists(keep) && !tf_exists(evil_path) &&
             tf_contains(dlab_error_message(), "../evil.bin: 700 bytes, more than the 100"),
         "tar.gz: a member over its cap fails the extraction, and nothing of it is left: \"%s\"",
         dlab_error_message());
  tar[148] ^= 1; /* break the first header's checksum */
  write_gz(path, tar, len);
  tap_ok(dlab_tar_gz_extract(path, dest, want_bins, NULL) == -1 &&
             tf_contains(dlab_error_message(), "checksum"),
         "a corrupt tar header: \"%s\"", dlab_error_message());
  DlabTarHeader h;
  uint8_t zero[512] = {0};
  tap_ok(dlab_tar_parse_header(zero, "mem", &h) == 0, "an all-zero block ends the archive");
}

/* ---- zip ---- */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff), put16(p + 2, v >> 16); }

/* A zip with one deflated member `name` holding `data`. */
static size_t make_zip(uint8_t *buf, const char *name, const uint8_t *data, size_t n) {
  uint8_t packed[20000];
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = (Bytef *)(uintptr_t)data;
  zs.avail_in = (uInt)n;
  zs.next_out = packed;
  zs.avail_out = sizeof packed;
  deflate(&zs, Z_FINISH);
  size_t clen = sizeof packed - zs.avail_out;
  deflateEnd(&zs);
  uint32_t crc = (uint32_t)crc32(0, data, (uInt)n);
  size_t nl = strlen(name), at = 0;
  uint8_t *l = buf;
  memset(l, 0, 30);
  put32(l, 0x04034b50), put16(l + 8, 8), put32(l + 14, crc), put32(l + 18, (uint32_t)clen),
      put32(l + 22, (uint32_t)n), put16(l + 26, (unsigned)nl);
  memcpy(l + 30, name, nl);
  at = 30 + nl;
  memcpy(buf + at, packed, clen);
  at += clen;
  size_t cd = at;
  uint8_t *c = buf + at;
  memset(c, 0, 46);
  put32(c, 0x02014b50), put16(c + 10, 8), put32(c + 16, crc), put32(c + 20, (uint32_t)clen),
      put32(c + 24, (uint32_t)n), put16(c + 28, (unsigned)nl), put32(c + 42, 0);
  memcpy(c + 46, name, nl);
  at += 46 + nl;
  uint8_t *e = buf + at;
  memset(e, 0, 22);
  put32(e, 0x06054b50), put16(e + 8, 1), put16(e + 10, 1), put32(e + 12, (uint32_t)(at - cd)),
      put32(e + 16, (uint32_t)cd);
  return at + 22;
}

/* With a user pointer, the cap it points to. */
static int want_gz(const char *member, char *out, size_t n, uint64_t *max_size, void *user) {
  if (strcmp(member, "gzip/emnist-x.gz") != 0) return 0;
  if (user) *max_size = *(const uint64_t *)user;
  snprintf(out, n, "emnist-x");
  return 1;
}

static void test_zip(void) {
  /* The member is itself gzip (as EMNIST's gzip.zip holds .gz files). */
  char gz[1200];
  snprintf(gz, sizeof gz, "%s/member.gz", tmp);
  uint8_t data[3000];
  for (int i = 0; i < 3000; i++) data[i] = (uint8_t)(i % 251);
  write_gz(gz, data, sizeof data);
  size_t gz_len;
  unsigned char *gz_bytes = tf_read_bytes(gz, &gz_len);
  static uint8_t zip[40000];
  size_t len = make_zip(zip, "gzip/emnist-x.gz", gz_bytes, gz_len);
  char path[1200], dest[1200], out[1400];
  snprintf(path, sizeof path, "%s/a.zip", tmp);
  snprintf(dest, sizeof dest, "%s/zip_out", tmp);
  tf_mkdirs(dest);
  tf_write_bytes(path, zip, len);
  snprintf(out, sizeof out, "%s/emnist-x", dest);
  uint64_t cap = 2999;
  int n = dlab_zip_extract(path, dest, want_gz, &cap, 1);
  tap_ok(n == -1 && !tf_exists(out) && tf_contains(dlab_error_message(), "more than 2999 bytes"),
         "zip: a .gz member inflating past its cap (2999 bytes) is stopped: \"%s\"", dlab_error_message());
  n = dlab_zip_extract(path, dest, want_gz, NULL, 1);
  size_t got = 0;
  unsigned char *back = n == 1 ? tf_read_bytes(out, &got) : NULL;
  tap_ok(n == 1 && got == sizeof data && memcmp(back, data, got) == 0,
         "zip of .gz members: deflate, then gunzip, on the way out");
  free(back);
  /* A directory that says the member is smaller than it inflates to: the
   * inflating stops there (offset 24 of the central record: its size). */
  uint8_t *lying = malloc(len);
  memcpy(lying, zip, len);
  size_t cd = len - 22 - 46 - strlen("gzip/emnist-x.gz");
  put32(lying + cd + 24, 100);
  tf_write_bytes(path, lying, len);
  remove(out);
  n = dlab_zip_extract(path, dest, want_gz, NULL, 0);
  tap_ok(n == -1 && !tf_exists(out) &&
             tf_contains(dlab_error_message(), "inflates to more than the 100 bytes"),
         "zip: a member inflating past the size its directory gives: \"%s\"", dlab_error_message());
  free(lying);
  tf_write_bytes(path, zip, len);
  DlabZipEntry *entries;
  int count;
  int rc = dlab_zip_parse_directory(zip, len, "mem", &entries, &count);
  tap_ok(rc == 0 && count == 1 && entries[0].method == 8 && entries[0].size == gz_len &&
             strcmp(entries[0].name, "gzip/emnist-x.gz") == 0,
         "the central directory parsed from memory");
  if (rc == 0) free(entries);
  zip[30 + 16 + 5] ^= 0xff; /* corrupt the compressed data (after the local header and name) */
  tf_write_bytes(path, zip, len);
  remove(out);
  rc = dlab_zip_extract(path, dest, want_gz, NULL, 1);
  FILE *left = fopen(out, "rb");
  tap_ok(rc == -1 && !left && tf_contains(dlab_error_message(), "a.zip"),
         "corrupt member data: an error, nothing left behind: \"%s\"", dlab_error_message());
  if (left) fclose(left);
  tap_ok(dlab_zip_parse_directory(zip, 100, "mem", &entries, &count) == -1 &&
             tf_contains(dlab_error_message(), "end-of-directory"),
         "no end record: \"%s\"", dlab_error_message());
  free(gz_bytes);
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "archive");
  test_md5();
  test_gunzip();
  test_tar();
  test_zip();
  tf_remove_tree(tmp);
  return tap_done();
}
