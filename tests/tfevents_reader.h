/* An independent reader of TensorBoard event files for the tests: its own
 * table-driven CRC-32C and a small protobuf decoder, sharing no code with
 * the writer (engine/src/io/tfevents.c). It checks each record's framing
 * (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of
 * the data) and decodes Event {wall_time, step, file_version,
 * summary {value {tag, simple_value}}, session_log {status}}. Used by the
 * unit test of the writer and by the GUI test of a whole training run. */
#ifndef DLAB_TEST_TFEVENTS_READER_H
#define DLAB_TEST_TFEVENTS_READER_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- CRC-32C (Castagnoli), reflected polynomial 0x82F63B78 ------------------ */

static inline uint32_t tfr_crc32c(const uint8_t *p, size_t n) {
  static uint32_t table[256];
  static int ready;
  if (!ready) {
    for (uint32_t i = 0; i < 256; i++) {
      uint32_t c = i;
      for (int k = 0; k < 8; k++) c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = 1;
  }
  uint32_t c = 0xffffffffu;
  while (n--) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static inline uint32_t tfr_masked(const uint8_t *p, size_t n) {
  uint32_t c = tfr_crc32c(p, n);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

static inline uint64_t tfr_le(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* ---- protobuf ----------------------------------------------------------------- */

typedef struct {
  double wall_time;
  int64_t step;
  char file_version[64];
  char tag[300];
  float value;
  int has_value;
  int session_status; /* SessionLog.status: 1 START; 0 when absent */
  int unknown_fields;
} TfrEvent;

static inline int tfr_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return 0;
  }
  return -1;
}

/* Calls fn(event, field, wire type, pointer, length or value) per field. */
typedef int (*TfrFieldFn)(TfrEvent *e, int field, int wire, const uint8_t *p, uint64_t v);

static inline int tfr_walk(const uint8_t *p, const uint8_t *end, TfrEvent *e, TfrFieldFn fn) {
  while (p < end) {
    uint64_t key, v;
    if (tfr_varint(&p, end, &key) < 0) return -1;
    int field = (int)(key >> 3), wire = (int)(key & 7);
    const uint8_t *at = p;
    if (wire == 0) {
      if (tfr_varint(&p, end, &v) < 0) return -1;
    } else if (wire == 1) {
      if (end - p < 8) return -1;
      v = tfr_le(p, 8);
      p += 8;
    } else if (wire == 5) {
      if (end - p < 4) return -1;
      v = tfr_le(p, 4);
      p += 4;
    } else if (wire == 2) {
      if (tfr_varint(&p, end, &v) < 0 || (uint64_t)(end - p) < v) return -1;
      at = p;
      p += v;
    } else {
      return -1;
    }
    if (fn(e, field, wire, at, v) < 0) return -1;
  }
  return 0;
}

static inline int tfr_value_field(TfrEvent *e, int field, int wire, const uint8_t *p, uint64_t v) {
  if (field == 1 && wire == 2 && v < sizeof e->tag) {
    memcpy(e->tag, p, v);
    e->tag[v] = '\0';
  } else if (field == 2 && wire == 5) {
    uint32_t bits = (uint32_t)v;
    memcpy(&e->value, &bits, 4);
    e->has_value = 1;
  } else {
    e->unknown_fields++;
  }
  return 0;
}

static inline int tfr_summary_field(TfrEvent *e, int field, int wire, const uint8_t *p, uint64_t v) {
  if (field == 1 && wire == 2) return tfr_walk(p, p + v, e, tfr_value_field);
  e->unknown_fields++;
  return 0;
}

static inline int tfr_session_log_field(TfrEvent *e, int field, int wire, const uint8_t *p, uint64_t v) {
  (void)p;
  if (field == 1 && wire == 0) e->session_status = (int)v;
  else e->unknown_fields++;
  return 0;
}

static inline int tfr_event_field(TfrEvent *e, int field, int wire, const uint8_t *p, uint64_t v) {
  if (field == 1 && wire == 1) memcpy(&e->wall_time, &v, 8);
  else if (field == 2 && wire == 0) e->step = (int64_t)v;
  else if (field == 3 && wire == 2 && v < sizeof e->file_version) {
    memcpy(e->file_version, p, v);
    e->file_version[v] = '\0';
  } else if (field == 5 && wire == 2) return tfr_walk(p, p + v, e, tfr_summary_field);
  else if (field == 7 && wire == 2) return tfr_walk(p, p + v, e, tfr_session_log_field);
  else e->unknown_fields++;
  return 0;
}

/* ---- files ------------------------------------------------------------------------ */

typedef struct {
  TfrEvent *events;
  int n;
  int bad_length_crc, bad_data_crc, truncated;
} TfrRecords;

/* Reads every record of `path`; -1 when the file cannot be read. Free
 * out->events with free(). */
static inline int tfr_read_records(const char *path, TfrRecords *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc((size_t)size + 1);
  if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) size = 0;
  fclose(f);
  int cap = 0;
  long pos = 0;
  while (pos < size) {
    if (size - pos < 12) {
      out->truncated++;
      break;
    }
    uint64_t len = tfr_le(buf + pos, 8);
    if ((uint32_t)tfr_le(buf + pos + 8, 4) != tfr_masked(buf + pos, 8)) out->bad_length_crc++;
    if ((uint64_t)(size - pos - 12) < len + 4) {
      out->truncated++;
      break;
    }
    const uint8_t *data = buf + pos + 12;
    if ((uint32_t)tfr_le(data + len, 4) != tfr_masked(data, len)) out->bad_data_crc++;
    if (out->n == cap) {
      cap = cap ? 2 * cap : 1024;
      TfrEvent *grown = realloc(out->events, (size_t)cap * sizeof *grown);
      if (!grown) break;
      out->events = grown;
    }
    TfrEvent *e = &out->events[out->n++];
    memset(e, 0, sizeof *e);
    if (tfr_walk(data, data + len, e, tfr_event_field) < 0) e->unknown_fields += 1000;
    pos += 12 + (long)len + 4;
  }
  free(buf);
  return 0;
}

/* The events.out.tfevents.* files in dir: the last one's path, and how many. */
static inline int tfr_find_event_file(const char *dir, char *path, size_t n, int *count) {
  DIR *d = opendir(dir);
  struct dirent *ent;
  *count = 0;
  while (d && (ent = readdir(d))) {
    if (strncmp(ent->d_name, "events.out.tfevents.", 20) == 0) {
      snprintf(path, n, "%s/%s", dir, ent->d_name);
      (*count)++;
    }
  }
  if (d) closedir(d);
  return *count > 0 ? 0 : -1;
}

/* The scalars TensorBoard shows for the run folder `dir`: every event file
 * in name order (as TensorBoard reads them), where a SessionLog START at
 * step S (a resumed run's first event) purges the scalars read so far at
 * steps >= S (TensorBoard's purge_orphaned_data). out->events holds the
 * scalars only; *n_files the files read. -1 when there is none. */
static int tfr_cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static inline int tfr_read_run(const char *dir, TfrRecords *out, int *n_files) {
  memset(out, 0, sizeof *out);
  *n_files = 0;
  char *names[256];
  DIR *d = opendir(dir);
  struct dirent *ent;
  while (d && (ent = readdir(d)) && *n_files < 256)
    if (strncmp(ent->d_name, "events.out.tfevents.", 20) == 0) names[(*n_files)++] = strdup(ent->d_name);
  if (d) closedir(d);
  if (*n_files == 0) return -1;
  qsort(names, (size_t)*n_files, sizeof *names, tfr_cmp_names);
  int cap = 0;
  for (int f = 0; f < *n_files; f++) {
    char path[4096];
    TfrRecords r;
    snprintf(path, sizeof path, "%s/%s", dir, names[f]);
    free(names[f]);
    if (tfr_read_records(path, &r) < 0) continue;
    out->bad_length_crc += r.bad_length_crc;
    out->bad_data_crc += r.bad_data_crc;
    out->truncated += r.truncated;
    for (int i = 0; i < r.n; i++) {
      const TfrEvent *e = &r.events[i];
      if (e->session_status == 1) {
        int kept = 0;
        for (int k = 0; k < out->n; k++)
          if (out->events[k].step < e->step) out->events[kept++] = out->events[k];
        out->n = kept;
      }
      if (!e->has_value) continue;
      if (out->n == cap) {
        cap = cap ? 2 * cap : 1024;
        TfrEvent *grown = realloc(out->events, (size_t)cap * sizeof *grown);
        if (!grown) break;
        out->events = grown;
      }
      out->events[out->n++] = *e;
    }
    free(r.events);
  }
  return 0;
}

#endif
