/* TensorBoard event files (see tfevents.h): records framed with masked
 * CRC-32C, each holding a tensorflow.Event protobuf encoded by hand. */
#include "dlab/tfevents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "dlab/error.h"

#include "core/i18n.h"

#define PATH_MAX_LEN 4096

struct DlabTfEvents {
  FILE *fp;
  int failed; /* a write went wrong; reported by flush and close */
  char path[PATH_MAX_LEN];
};

/* ---- CRC-32C ------------------------------------------------------------- */

/* Bit at a time with the reflected Castagnoli polynomial: records are a
 * few dozen bytes, and no table means nothing to set up or share between
 * threads. */
uint32_t dlab_crc32c(uint32_t crc, const void *data, size_t n) {
  const uint8_t *p = data;
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
  }
  return ~crc;
}

uint32_t dlab_tfevents_masked_crc(const void *data, size_t n) {
  uint32_t crc = dlab_crc32c(0, data, n);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

/* ---- protobuf encoding ----------------------------------------------------- */

/* The wire format's pieces: a key is (field << 3) | wire type; wire types
 * 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2, WIRE_FIXED32 = 5 };

typedef struct {
  uint8_t *p;
  size_t n, cap;
} Buf;

static void put_byte(Buf *b, uint8_t v) {
  if (b->n < b->cap) b->p[b->n] = v;
  b->n++; /* counts on past the end, so overflow is detected once */
}

static void put_varint(Buf *b, uint64_t v) {
  while (v >= 0x80) {
    put_byte(b, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  put_byte(b, (uint8_t)v);
}

static void put_key(Buf *b, int field, int wire) { put_varint(b, (uint64_t)(field << 3 | wire)); }

static void put_le(Buf *b, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) put_byte(b, (uint8_t)(v >> (8 * i)));
}

static void put_double(Buf *b, int field, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_key(b, field, WIRE_FIXED64);
  put_le(b, bits, 8);
}

static void put_float(Buf *b, int field, float v) {
  uint32_t bits;
  memcpy(&bits, &v, sizeof bits);
  put_key(b, field, WIRE_FIXED32);
  put_le(b, bits, 4);
}

static void put_bytes(Buf *b, int field, const void *data, size_t n) {
  put_key(b, field, WIRE_BYTES);
  put_varint(b, n);
  for (size_t i = 0; i < n; i++) put_byte(b, ((const uint8_t *)data)[i]);
}

static size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* Event fields (tensorflow/core/util/event.proto) and Summary.Value's. */
enum {
  EVENT_WALL_TIME = 1,
  EVENT_STEP = 2,
  EVENT_FILE_VERSION = 3,
  EVENT_SUMMARY = 5,
  EVENT_SESSION_LOG = 7
};
enum { SESSION_LOG_STATUS = 1, SESSION_START = 1 };
enum { SUMMARY_VALUE = 1 };
enum { VALUE_TAG = 1, VALUE_SIMPLE = 2 };

/* Event{wall_time, step, summary{value{tag, simple_value}}}. Like every
 * proto3 encoder, a zero step is left out (it reads back as 0). */
static void encode_scalar(Buf *b, const char *tag, float value, int64_t step, double wall_time) {
  size_t tag_len = strlen(tag);
  size_t value_len = 1 + varint_size(tag_len) + tag_len + 1 + 4;
  size_t summary_len = 1 + varint_size(value_len) + value_len;
  put_double(b, EVENT_WALL_TIME, wall_time);
  if (step != 0) {
    put_key(b, EVENT_STEP, WIRE_VARINT);
    put_varint(b, (uint64_t)step); /* int64: negatives take ten bytes */
  }
  put_key(b, EVENT_SUMMARY, WIRE_BYTES);
  put_varint(b, summary_len);
  put_key(b, SUMMARY_VALUE, WIRE_BYTES);
  put_varint(b, value_len);
  put_bytes(b, VALUE_TAG, tag, tag_len);
  put_float(b, VALUE_SIMPLE, value);
}

/* ---- records --------------------------------------------------------------- */

static int write_record(DlabTfEvents *w, const uint8_t *data, size_t n) {
  uint8_t head[12], tail[4];
  Buf h = {head, 0, sizeof head}, t = {tail, 0, sizeof tail};
  put_le(&h, (uint64_t)n, 8);
  put_le(&h, dlab_tfevents_masked_crc(head, 8), 4);
  put_le(&t, dlab_tfevents_masked_crc(data, n), 4);
  if (fwrite(head, 1, sizeof head, w->fp) != sizeof head || fwrite(data, 1, n, w->fp) != n ||
      fwrite(tail, 1, sizeof tail, w->fp) != sizeof tail) {
    w->failed = 1;
    return dlab_error(_("%s: cannot write: %s"), w->path, strerror(errno));
  }
  return 0;
}

static double now_seconds(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + tv.tv_usec * 1e-6;
}

int dlab_tfevents_add_scalar(DlabTfEvents *w, const char *tag, float value, int64_t step,
                             double wall_time) {
  uint8_t data[DLAB_TFEVENTS_MAX_TAG + 64];
  Buf b = {data, 0, sizeof data};
  if (!tag || !*tag || strlen(tag) > DLAB_TFEVENTS_MAX_TAG)
    return dlab_error(_("%s: scalar tag must be 1 to %d bytes"), w->path, DLAB_TFEVENTS_MAX_TAG);
  encode_scalar(&b, tag, value, step, wall_time > 0 ? wall_time : now_seconds());
  if (b.n > b.cap) return dlab_error(_("%s: tag \"%s\" too long"), w->path, tag);
  return write_record(w, data, b.n);
}

int dlab_tfevents_add_session_start(DlabTfEvents *w, int64_t step) {
  uint8_t data[64];
  Buf b = {data, 0, sizeof data};
  put_double(&b, EVENT_WALL_TIME, now_seconds());
  if (step != 0) {
    put_key(&b, EVENT_STEP, WIRE_VARINT);
    put_varint(&b, (uint64_t)step);
  }
  /* SessionLog{status: START}: two bytes. */
  put_key(&b, EVENT_SESSION_LOG, WIRE_BYTES);
  put_varint(&b, 2);
  put_key(&b, SESSION_LOG_STATUS, WIRE_VARINT);
  put_varint(&b, SESSION_START);
  return write_record(w, data, b.n);
}

/* ---- the file --------------------------------------------------------------- */

#define NAME_PREFIX "events.out.tfevents."

/* The latest time stamp in the names of dir's event files (0: none). */
static long latest_stamp(const char *dir) {
  long latest = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    if (strncmp(name, NAME_PREFIX, sizeof NAME_PREFIX - 1) != 0) continue;
    char *end;
    long stamp = strtol(name + sizeof NAME_PREFIX - 1, &end, 10);
    if (*end == '.' && stamp > latest) latest = stamp;
  }
  if (d) closedir(d);
  return latest;
}

/* SummaryWriter's name; the final counter makes it unique in `dir`. The
 * time stamp is at least one past those of the folder's other event files:
 * TensorBoard reads a folder's files in name order, and a resumed run's
 * file must come after the file of the run it continues, even within the
 * same second. Returns an fd opened with O_EXCL, or -1. */
static int create_file(const char *dir, char *path, size_t n) {
  char host[256];
  if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
  host[sizeof host - 1] = '\0';
  long now = (long)now_seconds(), latest = latest_stamp(dir);
  if (latest >= now) now = latest + 1;
  for (int uid = 0; uid < 1000; uid++) {
    int len = snprintf(path, n, "%s/" NAME_PREFIX "%010ld.%s.%ld.%d", dir, now, host,
                       (long)getpid(), uid);
    if (len < 0 || (size_t)len >= n) {
      dlab_error(_("%s: directory name too long for an event file"), dir);
      return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) {
      dlab_error(_("%s: cannot create: %s"), path, strerror(errno));
      return -1;
    }
  }
  dlab_error(_("%s: too many event files of this second"), dir);
  return -1;
}

DlabTfEvents *dlab_tfevents_open(const char *dir) {
  DlabTfEvents *w = calloc(1, sizeof *w);
  if (!w) {
    dlab_error(_("%s: out of memory for an event file"), dir);
    return NULL;
  }
  int fd = create_file(dir, w->path, sizeof w->path);
  if (fd < 0) {
    free(w);
    return NULL;
  }
  w->fp = fdopen(fd, "wb");
  if (!w->fp) {
    dlab_error(_("%s: cannot open: %s"), w->path, strerror(errno));
    close(fd);
    free(w);
    return NULL;
  }
  /* The first event names the format version, as TensorFlow's writer does. */
  uint8_t data[64];
  Buf b = {data, 0, sizeof data};
  static const char version[] = "brain.Event:2";
  put_double(&b, EVENT_WALL_TIME, now_seconds());
  put_bytes(&b, EVENT_FILE_VERSION, version, sizeof version - 1);
  if (write_record(w, data, b.n) < 0 || dlab_tfevents_flush(w) < 0) {
    fclose(w->fp);
    free(w);
    return NULL;
  }
  return w;
}

const char *dlab_tfevents_path(const DlabTfEvents *w) { return w->path; }

int dlab_tfevents_flush(DlabTfEvents *w) {
  if (fflush(w->fp) != 0) {
    w->failed = 1;
    return dlab_error(_("%s: cannot write: %s"), w->path, strerror(errno));
  }
  return w->failed ? dlab_error(_("%s: some records could not be written"), w->path) : 0;
}

int dlab_tfevents_close(DlabTfEvents *w) {
  if (!w) return 0;
  int rc = dlab_tfevents_flush(w);
  if (fclose(w->fp) != 0 && rc == 0) rc = dlab_error(_("%s: cannot close: %s"), w->path, strerror(errno));
  free(w);
  return rc;
}
