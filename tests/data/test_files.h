/* Temporary directories and small files for the data tests. */
#ifndef DLAB_TEST_FILES_H
#define DLAB_TEST_FILES_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp); exits on failure, since no test
 * can run without it. */
static inline void tf_make_temp_dir(char *path, size_t n, const char *tag) {
  const char *tmp = getenv("TMPDIR");
  snprintf(path, n, "%s/dlab-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
  if (!mkdtemp(path)) {
    perror("mkdtemp");
    exit(99);
  }
}

static inline int tf_remove_entry(const char *path, const struct stat *st, int flag,
                                  struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static inline void tf_remove_tree(const char *path) {
  nftw(path, tf_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p for the directories of the test trees. */
static inline void tf_mkdirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(buf, 0755);
    *p = '/';
  }
  mkdir(buf, 0755);
}

static inline int tf_write_bytes(const char *path, const void *data, size_t len) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  size_t wrote = fwrite(data, 1, len, fp);
  return fclose(fp) == 0 && wrote == len ? 0 : -1;
}

/* Reads a whole (small) file; the caller frees. Exits when it cannot, since
 * the test reads back only files it has just written. */
static inline unsigned char *tf_read_bytes(const char *path, size_t *len) {
  *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    perror(path);
    exit(99);
  }
  fseek(fp, 0, SEEK_END);
  long size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  unsigned char *buf = malloc(size > 0 ? (size_t)size : 1);
  *len = buf ? fread(buf, 1, (size_t)size, fp) : 0;
  fclose(fp);
  return buf;
}

static inline int tf_contains(const char *haystack, const char *needle) {
  return strstr(haystack, needle) != NULL;
}

/* Whether anything (a file, a folder, a dangling link) is at path. */
static inline int tf_exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

#endif
