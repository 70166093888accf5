/* Atomic file replacement: write "<path>.tmp-XXXXXX" beside the target,
 * fsync it, rename it over the target, then fsync the directory so that the
 * rename itself survives a power cut. Readers see the old file or the new
 * one, never half of one. */
#include "dlab/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlab/error.h"

#include "core/i18n.h"

/* The process umask, without changing it: umask(2) can only be read by
 * setting it, which would race with other threads creating files. Linux
 * reports it in /proc/self/status; elsewhere assume the common 022. */
static mode_t current_umask(void) {
  mode_t mask = 022;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return mask;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    unsigned int value;
    if (sscanf(line, "Umask: %o", &value) == 1) {
      mask = (mode_t)(value & 0777);
      break;
    }
  }
  fclose(f);
  return mask;
}

/* The directory part of `path` ("." when there is none) into buf. */
static void directory_of(const char *path, char *buf, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(buf, n, ".");
  else if (slash == path)
    snprintf(buf, n, "/");
  else
    snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* The suffix mkstemp fills in: "XXXXXX" becomes six letters or digits. */
#define TMP_TAG ".tmp-"
#define TMP_RANDOM 6

/* `name` is `base` followed by exactly our temporary suffix. */
static int is_our_temporary(const char *name, const char *base, size_t base_len) {
  size_t tag_len = sizeof TMP_TAG - 1;
  if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, TMP_TAG, tag_len) != 0) return 0;
  const char *random = name + base_len + tag_len;
  for (int i = 0; i < TMP_RANDOM; i++) {
    char c = random[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
  }
  return random[TMP_RANDOM] == '\0';
}

int dlab_atomic_remove_stale(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t base_len = strlen(base);
  if (base_len == 0) return 0;
  char dir[4096];
  directory_of(path, dir, sizeof dir);
  /* A folder that does not exist, or that may be written but not listed,
   * keeps what it holds: the save that follows says what is wrong, if
   * anything is. */
  DIR *d = opendir(dir);
  if (!d) return 0;
  int removed = 0, fd = dirfd(d);
  uid_t me = geteuid();
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (!is_our_temporary(e->d_name, base, base_len)) continue;
    /* lstat-like: a symbolic link of that name is not ours to follow or remove. */
    if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || st.st_uid != me)
      continue;
    if (unlinkat(fd, e->d_name, 0) == 0) removed++;
  }
  closedir(d);
  return removed;
}

int dlab_atomic_open(DlabAtomicFile *f, const char *path) {
  memset(f, 0, sizeof *f);
  size_t len = strlen(path);
  if (len == 0) return dlab_error(_("atomic write: empty file name"));
  if (len + sizeof TMP_TAG "XXXXXX" > sizeof f->tmp_path) return dlab_error(_("%s: file name too long"), path);
  memcpy(f->path, path, len + 1);
  snprintf(f->tmp_path, sizeof f->tmp_path, "%s" TMP_TAG "XXXXXX", path);
  int fd = mkstemp(f->tmp_path);
  if (fd < 0) {
    int err = errno;
    f->tmp_path[0] = '\0';
    return dlab_error(_("%s: cannot create a temporary file beside it: %s"), path, strerror(err));
  }
  /* mkstemp creates the file 0600; give it the mode a plain fopen would.
   * A failure is harmless (the file only keeps stricter rights). */
  (void)fchmod(fd, 0666 & ~current_umask());
  f->fp = fdopen(fd, "wb");
  if (!f->fp) {
    int err = errno;
    close(fd);
    unlink(f->tmp_path);
    f->tmp_path[0] = '\0';
    return dlab_error(_("%s: cannot open the temporary file: %s"), path, strerror(err));
  }
  return 0;
}


/* Makes the rename durable. Some file systems cannot fsync a directory
 * (EINVAL); there is nothing more to do on those. */
static int sync_directory(const char *path) {
  char dir[4096];
  directory_of(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return dlab_error(_("%s: written, but its directory cannot be opened to sync it: %s"), path, strerror(errno));
  int rc = 0;
  if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP)
    rc = dlab_error(_("%s: written, but syncing its directory failed: %s"), path, strerror(errno));
  close(fd);
  return rc;
}

/* Flushes and closes the temporary file; -1 with the reason on failure
 * (a full disk usually shows up here). The stream is closed either way. */
static int flush_and_close(DlabAtomicFile *f) {
  FILE *fp = f->fp;
  f->fp = NULL;
  int err = 0;
  if (fflush(fp) != 0 || ferror(fp))
    err = errno ? errno : EIO;
  else if (fsync(fileno(fp)) < 0)
    err = errno;
  if (fclose(fp) != 0 && !err) err = errno ? errno : EIO;
  if (err) return dlab_error(_("%s: writing failed: %s"), f->path, strerror(err));
  return 0;
}

int dlab_atomic_commit(DlabAtomicFile *f) {
  if (!f->fp) {
    dlab_atomic_abort(f);
    return dlab_error(_("%s: atomic write was not open"), f->path);
  }
  errno = 0;
  if (flush_and_close(f) < 0) {
    dlab_atomic_abort(f);
    return -1;
  }
  if (rename(f->tmp_path, f->path) < 0) {
    int err = errno;
    dlab_atomic_abort(f);
    return dlab_error(_("%s: cannot rename the temporary file over it: %s"), f->path, strerror(err));
  }
  f->tmp_path[0] = '\0';
  return sync_directory(f->path);
}

void dlab_atomic_abort(DlabAtomicFile *f) {
  if (f->fp) {
    fclose(f->fp);
    f->fp = NULL;
  }
  if (f->tmp_path[0]) {
    unlink(f->tmp_path);
    f->tmp_path[0] = '\0';
  }
}
