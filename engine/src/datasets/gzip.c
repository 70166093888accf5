/* Reading a file (or a buffer) as a stream of bytes, inflating it on the
 * way when it is gzip, so that a reader takes exactly the bytes it expects
 * and no more: a small .gz that inflates to gigabytes costs no more than
 * what its reader asked for.
 *
 * Whether a file is compressed is decided by its first two bytes (1f 8b),
 * never by its name: torchvision leaves both train-images-idx3-ubyte and
 * train-images-idx3-ubyte.gz around, and people rename files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "datasets/idx.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define IN_CHUNK (1u << 16)
/* A whole-file read grows its buffer by doubling from here, so a file
 * that is shorter than its cap costs what it holds, not the cap. */
#define FIRST_BUFFER (1u << 16)

struct DlabStream {
  char *what;
  FILE *fp;        /* the file, or NULL when reading memory */
  uint8_t *in_buf; /* IN_CHUNK bytes read from fp */
  const uint8_t *next_in;
  size_t avail_in;
  int input_done;  /* no more input after next_in[0..avail_in) */
  int gz;          /* the source is gzip (decided by its first two bytes) */
  z_stream zs;
  int zs_open;
  int member_done; /* the current gzip member has ended */
  uint64_t produced;
  uint64_t source_size; /* bytes of the file or buffer; 0: not known (not a regular file) */
};

/* Makes at least `want` input bytes available, unless the input ends
 * first. Memory sources have all their input from the start. */
static int fill_input(DlabStream *s, size_t want) {
  if (!s->fp) return 0;
  while (s->avail_in < want && !s->input_done) {
    if (s->avail_in) memmove(s->in_buf, s->next_in, s->avail_in);
    s->next_in = s->in_buf;
    size_t got = fread(s->in_buf + s->avail_in, 1, IN_CHUNK - s->avail_in, s->fp);
    if (got == 0) {
      if (ferror(s->fp)) return dlab_error(_("%s: read error: %s"), s->what, strerror(errno));
      s->input_done = 1;
    }
    s->avail_in += got;
  }
  return 0;
}

static int at_gzip_magic(const DlabStream *s) {
  return s->avail_in >= 2 && s->next_in[0] == 0x1f && s->next_in[1] == 0x8b;
}

static DlabStream *stream_new(const char *what) {
  DlabStream *s = calloc(1, sizeof *s);
  if (!s || !(s->what = strdup(what))) {
    free(s);
    dlab_error(_("%s: out of memory"), what);
    return NULL;
  }
  return s;
}

/* Looks at the first bytes and sets up zlib for a gzip source. */
static int start(DlabStream *s) {
  if (fill_input(s, 2) < 0) return -1;
  s->gz = at_gzip_magic(s);
  if (!s->gz) return 0;
  if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK)
    return dlab_error(_("%s: cannot initialize zlib"), s->what);
  s->zs_open = 1;
  return 0;
}

DlabStream *dlab_stream_open_file(const char *path) {
  DlabStream *s = stream_new(path);
  if (!s) return NULL;
  s->fp = fopen(path, "rb");
  if (!s->fp) {
    dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
    dlab_stream_close(s);
    return NULL;
  }
  struct stat st;
  if (fstat(fileno(s->fp), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) s->source_size = (uint64_t)st.st_size;
  s->in_buf = malloc(IN_CHUNK);
  if (!s->in_buf) {
    dlab_error(_("%s: out of memory"), path);
    dlab_stream_close(s);
    return NULL;
  }
  s->next_in = s->in_buf;
  if (start(s) < 0) {
    dlab_stream_close(s);
    return NULL;
  }
  return s;
}

DlabStream *dlab_stream_open_memory(const uint8_t *buf, size_t len, const char *what) {
  DlabStream *s = stream_new(what);
  if (!s) return NULL;
  s->next_in = buf;
  s->avail_in = len;
  s->source_size = len;
  s->input_done = 1;
  if (start(s) < 0) {
    dlab_stream_close(s);
    return NULL;
  }
  return s;
}

void dlab_stream_close(DlabStream *s) {
  if (!s) return;
  if (s->zs_open) inflateEnd(&s->zs);
  if (s->fp) fclose(s->fp);
  free(s->in_buf);
  free(s->what);
  free(s);
}

int dlab_stream_is_gzip(const DlabStream *s) { return s->gz; }

uint64_t dlab_stream_produced(const DlabStream *s) { return s->produced; }

/* Deflate stores a run of up to 258 bytes in as little as one bit and a
 * bit more, so no stream inflates to more than 1032 times its size (zlib's
 * documented limit). */
#define DEFLATE_MAX_RATIO 1032u

uint64_t dlab_stream_max_output(const DlabStream *s) {
  if (!s->source_size) return 0;
  if (!s->gz) return s->source_size;
  return s->source_size > UINT64_MAX / DEFLATE_MAX_RATIO ? UINT64_MAX : s->source_size * DEFLATE_MAX_RATIO;
}

static size_t read_raw(DlabStream *s, uint8_t *out, size_t n) {
  size_t have = 0;
  while (have < n) {
    if (s->avail_in == 0 && fill_input(s, 1) < 0) return (size_t)-1;
    if (s->avail_in == 0) break;
    size_t take = s->avail_in < n - have ? s->avail_in : n - have;
    memcpy(out + have, s->next_in, take);
    s->next_in += take;
    s->avail_in -= take;
    have += take;
  }
  return have;
}

/* After a member ends: another member (what `cat a.gz b.gz` makes)
 * continues the data; anything else is garbage. Returns 1 when the data
 * goes on, 0 at its end. */
static int next_member(DlabStream *s) {
  if (fill_input(s, 2) < 0) return -1;
  if (s->avail_in == 0) return 0;
  if (!at_gzip_magic(s)) return dlab_error(_("%s: garbage after the gzip stream"), s->what);
  inflateReset(&s->zs);
  s->member_done = 0;
  return 1;
}

static int zlib_failure(DlabStream *s, int rc) {
  if (rc == Z_MEM_ERROR) return dlab_error(_("%s: out of memory while inflating"), s->what);
  return dlab_error(_("%s: corrupt gzip stream (%s)"), s->what,
                    s->zs.msg ? s->zs.msg : _("unknown zlib error"));
}

/* Inflates at most n bytes: never more than asked, whatever the stream
 * holds. */
static size_t read_gz(DlabStream *s, uint8_t *out, size_t n) {
  size_t have = 0;
  while (have < n) {
    if (s->member_done) {
      int more = next_member(s);
      if (more < 0) return (size_t)-1;
      if (!more) break;
    }
    if (s->avail_in == 0 && fill_input(s, 1) < 0) return (size_t)-1;
    if (s->avail_in == 0) {
      dlab_error(_("%s: gzip stream ends early"), s->what);
      return (size_t)-1;
    }
    /* zlib counts in uInt (32 bits): feed and drain in bounded steps. */
    uInt in = s->avail_in > UINT32_MAX ? UINT32_MAX : (uInt)s->avail_in;
    uInt room = n - have > UINT32_MAX ? UINT32_MAX : (uInt)(n - have);
    s->zs.next_in = (Bytef *)(uintptr_t)s->next_in;
    s->zs.avail_in = in;
    s->zs.next_out = out + have;
    s->zs.avail_out = room;
    int rc = inflate(&s->zs, Z_NO_FLUSH);
    s->next_in += in - s->zs.avail_in;
    s->avail_in -= in - s->zs.avail_in;
    have += room - s->zs.avail_out;
    if (rc == Z_STREAM_END) s->member_done = 1;
    else if (rc == Z_BUF_ERROR && s->zs.avail_in == 0) continue; /* needs more input */
    else if (rc != Z_OK) {
      zlib_failure(s, rc);
      return (size_t)-1;
    }
  }
  return have;
}

int dlab_stream_read(DlabStream *s, void *buf, size_t n, size_t *got) {
  size_t have = s->gz ? read_gz(s, buf, n) : read_raw(s, buf, n);
  *got = 0;
  if (have == (size_t)-1) return -1;
  s->produced += have;
  *got = have;
  return 0;
}

int dlab_stream_at_end(DlabStream *s) {
  uint8_t byte;
  size_t got = 0;
  if (dlab_stream_read(s, &byte, 1, &got) < 0) return -1;
  return got == 0;
}

/* Reads everything, growing the buffer as data arrives, and stops one
 * byte past max_len. */
static int read_all(DlabStream *s, size_t max_len, uint8_t **out, size_t *out_len) {
  uint8_t *buf = NULL;
  size_t cap = 0, len = 0;
  for (;;) {
    if (len == cap) {
      size_t limit = max_len < SIZE_MAX ? max_len + 1 : SIZE_MAX;
      size_t first = limit < FIRST_BUFFER ? limit : FIRST_BUFFER;
      size_t new_cap = cap ? (cap > limit / 2 ? limit : cap * 2) : first;
      if (new_cap <= cap) break; /* max_len + 1 bytes are in: too long */
      uint8_t *p = realloc(buf, new_cap);
      if (!p) {
        free(buf);
        return dlab_error(_("%s: out of memory (%zu bytes)"), s->what, new_cap);
      }
      buf = p;
      cap = new_cap;
    }
    size_t got = 0;
    if (dlab_stream_read(s, buf + len, cap - len, &got) < 0) {
      free(buf);
      return -1;
    }
    len += got;
    if (len < cap) break; /* the end of the data */
  }
  if (len > max_len) {
    free(buf);
    return dlab_error(s->gz ? _("%s: more than %zu bytes once inflated, the most this file may hold")
                            : _("%s: more than %zu bytes, the most this file may hold"),
                      s->what, max_len);
  }
  *out = buf;
  *out_len = len;
  return 0;
}

int dlab_read_file_maybe_gz(const char *path, size_t max_len, uint8_t **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  DlabStream *s = dlab_stream_open_file(path);
  if (!s) return -1;
  int rc = read_all(s, max_len, buf, len);
  dlab_stream_close(s);
  return rc;
}

int dlab_gunzip(const uint8_t *gz, size_t len, size_t max_len, const char *what, uint8_t **out,
                size_t *out_len) {
  *out = NULL;
  *out_len = 0;
  if (len < 2 || gz[0] != 0x1f || gz[1] != 0x8b)
    return dlab_error(_("%s: not gzip data (no 1f 8b magic)"), what);
  DlabStream *s = dlab_stream_open_memory(gz, len, what);
  if (!s) return -1;
  int rc = read_all(s, max_len, out, out_len);
  dlab_stream_close(s);
  return rc;
}
