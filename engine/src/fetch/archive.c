/* Writing extracted files (whole or not at all), optionally inflating gzip
 * on the way, and gunzipping a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_internal.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define CHUNK (1 << 16)

int dlab_member_wanted(DlabMemberFilter filter, void *user, const char *member, char *out,
                       size_t n, uint64_t *max_size, const char *archive) {
  out[0] = '\0';
  *max_size = DLAB_MEMBER_DEFAULT_MAX;
  if (!filter(member, out, n, max_size, user)) return 0;
  if (!out[0] || strchr(out, '/') || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
    return dlab_error(_("%s: member %s would be written as \"%s\", not a plain file name"), archive,
                      member, out);
  return 1;
}

void dlab_member_error(const char *archive, const char *member) {
  if (strncmp(dlab_error_message(), archive, strlen(archive)) != 0)
    dlab_error_prefix("%s: %s", archive, member);
}

int dlab_out_open(DlabOutFile *o, const char *dest_dir, const char *name, int gunzip, uint64_t max) {
  memset(o, 0, sizeof *o);
  o->max = max ? max : DLAB_MEMBER_DEFAULT_MAX;
  if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dest_dir, name) >= sizeof o->path)
    return dlab_error(_("%s/%s: path too long"), dest_dir, name);
  snprintf(o->tmp, sizeof o->tmp, "%s.part", o->path);
  o->fp = fopen(o->tmp, "wb");
  if (!o->fp) return dlab_error(_("%s: cannot create: %s"), o->tmp, strerror(errno));
  o->gunzip = gunzip;
  if (gunzip) {
    if (inflateInit2(&o->zs, 16 + MAX_WBITS) != Z_OK) {
      dlab_out_abort(o);
      return dlab_error(_("%s: cannot initialize zlib"), o->path);
    }
    o->zs_open = 1;
  }
  return 0;
}

static int put(DlabOutFile *o, const uint8_t *data, size_t n) {
  if (n > o->max - o->written)
    return dlab_error(_("%s: more than %llu bytes, the most this file may hold; stopped there"),
                      o->path, (unsigned long long)o->max);
  if (n && fwrite(data, 1, n, o->fp) != n)
    return dlab_error(_("%s: cannot write: %s"), o->tmp, strerror(errno));
  o->written += n;
  return 0;
}

/* Inflates `n` bytes of gzip; concatenated members continue the stream. */
static int put_gunzipped(DlabOutFile *o, const uint8_t *data, size_t n) {
  uint8_t out[CHUNK];
  o->zs.next_in = (Bytef *)(uintptr_t)data;
  o->zs.avail_in = (uInt)n;
  while (o->zs.avail_in > 0) {
    if (o->stream_ended) {
      if (o->zs.avail_in >= 2 && o->zs.next_in[0] == 0x1f && o->zs.next_in[1] == 0x8b) {
        inflateReset(&o->zs);
        o->stream_ended = 0;
      } else {
        return dlab_error(_("%s: garbage after the gzip stream"), o->path);
      }
    }
    o->zs.next_out = out;
    o->zs.avail_out = sizeof out;
    int rc = inflate(&o->zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && o->zs.avail_in == 0))
      return dlab_error(_("%s: corrupt gzip data (%s)"), o->path, o->zs.msg ? o->zs.msg : _("zlib error"));
    if (put(o, out, sizeof out - o->zs.avail_out) < 0) return -1;
    if (rc == Z_STREAM_END) o->stream_ended = 1;
  }
  return 0;
}

int dlab_out_write(DlabOutFile *o, const uint8_t *data, size_t n) {
  return o->gunzip ? put_gunzipped(o, data, n) : put(o, data, n);
}

void dlab_out_abort(DlabOutFile *o) {
  if (o->zs_open) inflateEnd(&o->zs);
  o->zs_open = 0;
  if (o->fp) fclose(o->fp);
  o->fp = NULL;
  remove(o->tmp);
}

int dlab_out_commit(DlabOutFile *o) {
  if (o->gunzip && !o->stream_ended) {
    dlab_error(_("%s: the gzip stream ends early"), o->path);
    dlab_out_abort(o);
    return -1;
  }
  if (o->zs_open) inflateEnd(&o->zs);
  o->zs_open = 0;
  FILE *fp = o->fp;
  o->fp = NULL;
  if (fflush(fp) != 0 || fclose(fp) != 0) {
    remove(o->tmp);
    return dlab_error(_("%s: cannot write: %s"), o->tmp, strerror(errno));
  }
  if (rename(o->tmp, o->path) != 0) {
    remove(o->tmp);
    return dlab_error(_("%s: cannot rename into place: %s"), o->path, strerror(errno));
  }
  return 0;
}

static int written_add(DlabWritten *w, const char *path) {
  if (w->n == w->cap) {
    int cap = w->cap ? w->cap * 2 : 16;
    char **p = realloc(w->paths, (size_t)cap * sizeof *p);
    if (!p) return dlab_error(_("%s: out of memory"), path);
    w->paths = p;
    w->cap = cap;
  }
  if (!(w->paths[w->n] = strdup(path))) return dlab_error(_("%s: out of memory"), path);
  w->n++;
  return 0;
}

int dlab_out_commit_into(DlabOutFile *o, DlabWritten *w) {
  char path[sizeof o->path];
  snprintf(path, sizeof path, "%s", o->path);
  if (dlab_out_commit(o) < 0) return -1;
  if (written_add(w, path) < 0) {
    remove(path);
    return -1;
  }
  return 0;
}

void dlab_written_undo(DlabWritten *w) {
  for (int i = 0; i < w->n; i++) remove(w->paths[i]);
  dlab_written_free(w);
}

void dlab_written_free(DlabWritten *w) {
  for (int i = 0; i < w->n; i++) free(w->paths[i]);
  free(w->paths);
  memset(w, 0, sizeof *w);
}

int dlab_gunzip_file(const char *src, const char *dst, uint64_t max_size) {
  FILE *in = fopen(src, "rb");
  if (!in) return dlab_error(_("%s: cannot open: %s"), src, strerror(errno));
  const char *slash = strrchr(dst, '/');
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - dst) : 1, slash ? dst : ".");
  DlabOutFile o;
  if (dlab_out_open(&o, dir, slash ? slash + 1 : dst, 1, max_size) < 0) {
    fclose(in);
    return -1;
  }
  uint8_t buf[CHUNK];
  size_t got;
  int rc = 0;
  while (rc == 0 && (got = fread(buf, 1, sizeof buf, in)) > 0) rc = dlab_out_write(&o, buf, got);
  if (rc == 0 && ferror(in)) rc = dlab_error(_("%s: read error"), src);
  fclose(in);
  if (rc < 0) {
    dlab_error_prefix("%s", src);
    dlab_out_abort(&o);
    return -1;
  }
  if (dlab_out_commit(&o) < 0) return dlab_error_prefix("%s", src);
  return 0;
}
