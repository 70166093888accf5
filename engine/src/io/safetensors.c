/* Reading and writing safetensors files.
 *
 * Layout: u64 little-endian N, N bytes of JSON header, then the tensor data.
 * The reader trusts nothing: the header length, every offset and every
 * shape is checked against the file before a tensor is handed out, so a
 * truncated or hostile file gives an error message, never a crash. */
#include "io/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "io/json.h"

#include "core/i18n.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data is little-endian; a big-endian host would need byte swapping here"
#endif

/* The reference implementation refuses headers above 100 MB as well. */
#define MAX_HEADER_BYTES (100u * 1000u * 1000u)
#define NAME_CAP ((size_t)sizeof(((DlabStTensor *)0)->name))

static const char *dtype_name(DlabStDtype d) { return d == DLAB_ST_I64 ? "I64" : "F32"; }
static size_t dtype_size(DlabStDtype d) { return d == DLAB_ST_I64 ? 8 : 4; }

/* numel * itemsize of a shape; -1 on overflow (or a bad dimension). */
static int byte_count(DlabStDtype dtype, int ndim, const int64_t *shape, uint64_t *bytes) {
  uint64_t n = dtype_size(dtype);
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return -1;
    uint64_t d = (uint64_t)shape[i];
    if (d != 0 && n > UINT64_MAX / d) return -1;
    n *= d;
  }
  *bytes = n;
  return 0;
}

/* ---- reading ---- */

/* Per-tensor byte range inside the data section, kept beside the tensors
 * while parsing to check that the ranges tile the data exactly. */
typedef struct {
  uint64_t begin, end;
  int index;
} Range;

typedef struct {
  DlabSafetensors *st;
  Range *ranges;
  int cap_tensors, cap_meta;
  uint64_t data_len;
  int seen_metadata;
} Parser;

static int grow_tensors(Parser *p) {
  if (p->st->n_tensors == DLAB_ST_MAX_TENSORS)
    return dlab_error(_("the header lists more than %d tensors, the most a file may hold"), DLAB_ST_MAX_TENSORS);
  if (p->st->n_tensors < p->cap_tensors) return 0;
  int cap = p->cap_tensors ? 2 * p->cap_tensors : 16;
  DlabStTensor *t = realloc(p->st->tensors, (size_t)cap * sizeof *t);
  if (t) p->st->tensors = t;
  Range *r = realloc(p->ranges, (size_t)cap * sizeof *r);
  if (r) p->ranges = r;
  if (!t || !r) return dlab_error(_("out of memory for %d tensors"), cap);
  p->cap_tensors = cap;
  return 0;
}

static int grow_meta(Parser *p) {
  if (p->st->n_meta == DLAB_ST_MAX_META)
    return dlab_error(_("more than %d metadata entries, the most a file may hold"), DLAB_ST_MAX_META);
  if (p->st->n_meta < p->cap_meta) return 0;
  int cap = p->cap_meta ? 2 * p->cap_meta : 8;
  char **k = realloc(p->st->meta_keys, (size_t)cap * sizeof *k);
  if (k) p->st->meta_keys = k;
  char **v = realloc(p->st->meta_values, (size_t)cap * sizeof *v);
  if (v) p->st->meta_values = v;
  if (!k || !v) return dlab_error(_("out of memory for %d metadata entries"), cap);
  p->cap_meta = cap;
  return 0;
}

static int parse_dtype(DlabJson *j, DlabStDtype *dtype) {
  char s[32];
  if (dlab_json_string(j, s, sizeof s, NULL) < 0) return dlab_error_prefix("dtype");
  if (strcmp(s, "F32") == 0)
    *dtype = DLAB_ST_F32;
  else if (strcmp(s, "I64") == 0)
    *dtype = DLAB_ST_I64;
  else
    return dlab_error(_("dtype %s is not supported (only F32 and I64)"), s);
  return 0;
}

/* A JSON array of at most `max` non-negative integers. */
static int parse_int_list(DlabJson *j, const char *field, int64_t *out, int max, int *count) {
  if (dlab_json_begin_array(j) < 0) return dlab_error_prefix("%s", field);
  int n = 0, r;
  while ((r = dlab_json_next_item(j)) == 1) {
    if (n == max) return dlab_error(_("%s has more than %d entries"), field, max);
    if (dlab_json_int64(j, &out[n]) < 0) return dlab_error_prefix("%s", field);
    if (out[n] < 0) return dlab_error(_("%s holds a negative value %lld"), field, (long long)out[n]);
    n++;
  }
  if (r < 0) return dlab_error_prefix("%s", field);
  *count = n;
  return 0;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [begin, end]} */
static int parse_entry_fields(Parser *p, DlabJson *j, DlabStTensor *t, Range *range) {
  enum { HAVE_DTYPE = 1, HAVE_SHAPE = 2, HAVE_OFFSETS = 4 };
  int have = 0, r;
  int64_t offsets[2];
  char field[32];
  if (dlab_json_begin_object(j) < 0) return -1;
  while ((r = dlab_json_next_key(j, field, sizeof field)) == 1) {
    int bit = strcmp(field, "dtype") == 0 ? HAVE_DTYPE
              : strcmp(field, "shape") == 0 ? HAVE_SHAPE
              : strcmp(field, "data_offsets") == 0 ? HAVE_OFFSETS : 0;
    if (!bit) return dlab_error(_("unknown field \"%s\""), field);
    if (have & bit) return dlab_error(_("field \"%s\" given twice"), field);
    have |= bit;
    int n = 0;
    if (bit == HAVE_DTYPE && parse_dtype(j, &t->dtype) < 0) return -1;
    if (bit == HAVE_SHAPE && parse_int_list(j, "shape", t->shape, 4, &t->ndim) < 0) return -1;
    if (bit == HAVE_OFFSETS) {
      if (parse_int_list(j, "data_offsets", offsets, 2, &n) < 0) return -1;
      if (n != 2) return dlab_error(_("data_offsets must be [begin, end], found %d values"), n);
    }
  }
  if (r < 0) return -1;
  if (!(have & HAVE_DTYPE)) return dlab_error(_("no dtype"));
  if (!(have & HAVE_SHAPE)) return dlab_error(_("no shape"));
  if (!(have & HAVE_OFFSETS)) return dlab_error(_("no data_offsets"));
  range->begin = (uint64_t)offsets[0];
  range->end = (uint64_t)offsets[1];
  if (range->begin > range->end)
    return dlab_error(_("data_offsets [%llu, %llu] end before they begin"), (unsigned long long)range->begin,
                      (unsigned long long)range->end);
  if (range->end > p->data_len)
    return dlab_error(_("data_offsets [%llu, %llu] reach past the %llu bytes of data (truncated file?)"),
                      (unsigned long long)range->begin, (unsigned long long)range->end,
                      (unsigned long long)p->data_len);
  uint64_t need;
  if (byte_count(t->dtype, t->ndim, t->shape, &need) < 0) return dlab_error(_("shape too large"));
  if (range->end - range->begin != need)
    return dlab_error(_("data_offsets [%llu, %llu] hold %llu bytes but a %s tensor of this shape needs %llu"),
                      (unsigned long long)range->begin, (unsigned long long)range->end,
                      (unsigned long long)(range->end - range->begin), dtype_name(t->dtype),
                      (unsigned long long)need);
  t->nbytes = (size_t)need;
  return 0;
}

/* Duplicate names are found once the whole header is read (see
 * index_names). */
static int parse_tensor(Parser *p, DlabJson *j, const char *name) {
  if (grow_tensors(p) < 0) return -1;
  DlabStTensor *t = &p->st->tensors[p->st->n_tensors];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  Range *range = &p->ranges[p->st->n_tensors];
  range->index = p->st->n_tensors;
  if (parse_entry_fields(p, j, t, range) < 0) return dlab_error_prefix(_("tensor %s"), name);
  p->st->n_tensors++;
  return 0;
}

/* "__metadata__": {"key": "value", ...}, strings only. */
static int parse_metadata(Parser *p, DlabJson *j) {
  if (p->seen_metadata) return dlab_error(_("__metadata__ given twice"));
  p->seen_metadata = 1;
  if (dlab_json_begin_object(j) < 0) return -1;
  DlabSafetensors *st = p->st;
  char key[256];
  int r;
  while ((r = dlab_json_next_key(j, key, sizeof key)) == 1) {
    if (dlab_json_peek(j) != DLAB_JSON_STRING)
      return dlab_error(_("the value of \"%s\" is not a string"), key);
    if (grow_meta(p) < 0) return -1;
    char *k = strdup(key), *v = NULL;
    if (!k || dlab_json_string_dup(j, &v) < 0) {
      free(k);
      return k ? dlab_error_prefix("\"%s\"", key) : dlab_error(_("out of memory"));
    }
    st->meta_keys[st->n_meta] = k;
    st->meta_values[st->n_meta] = v;
    st->n_meta++;
  }
  return r;
}

/* ---- name indexes ---- */

static int compare_names(const void *a, const void *b) {
  const DlabStName *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The n names, sorted, into a new *index; *dup gets the index of the
 * later of two equal names (-1 if none). O(n log n). */
static int sort_names(const char *(*name_of)(const DlabSafetensors *, int), const DlabSafetensors *st, int n,
                      DlabStName **index, int *dup) {
  *dup = -1;
  DlabStName *names = malloc((size_t)(n ? n : 1) * sizeof *names);
  if (!names) return dlab_error(_("out of memory indexing %d names"), n);
  for (int i = 0; i < n; i++) names[i] = (DlabStName){name_of(st, i), i};
  if (n > 1) qsort(names, (size_t)n, sizeof *names, compare_names);
  for (int i = 1; i < n && *dup < 0; i++)
    if (strcmp(names[i - 1].name, names[i].name) == 0) *dup = names[i].index;
  *index = names;
  return 0;
}

static const char *tensor_name(const DlabSafetensors *st, int i) { return st->tensors[i].name; }
static const char *meta_key(const DlabSafetensors *st, int i) { return st->meta_keys[i]; }

static int index_names(DlabSafetensors *st) {
  int dup;
  if (sort_names(tensor_name, st, st->n_tensors, &st->tensor_index, &dup) < 0) return -1;
  if (dup >= 0) return dlab_error(_("tensor %s is listed twice"), st->tensors[dup].name);
  if (sort_names(meta_key, st, st->n_meta, &st->meta_index, &dup) < 0) return -1;
  if (dup >= 0) return dlab_error(_("__metadata__: key \"%s\" given twice"), st->meta_keys[dup]);
  return 0;
}

/* Binary search of a sorted index: the entry's index, or -1. */
static int find_name(const DlabStName *index, int n, const char *name) {
  int lo = 0, hi = n;
  while (index && lo < hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(index[mid].name, name);
    if (c == 0) return index[mid].index;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static int compare_ranges(const void *a, const void *b) {
  const Range *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return x->index - y->index;
}

/* The byte ranges, sorted, must tile the data section: no gap, no overlap,
 * nothing left over (as the reference implementation demands). */
static int check_ranges(Parser *p) {
  DlabSafetensors *st = p->st;
  if (st->n_tensors > 1) qsort(p->ranges, (size_t)st->n_tensors, sizeof *p->ranges, compare_ranges);
  uint64_t expected = 0;
  for (int i = 0; i < st->n_tensors; i++) {
    const Range *r = &p->ranges[i];
    const char *name = st->tensors[r->index].name;
    if (r->begin < expected)
      return dlab_error(_("tensor %s: data_offsets [%llu, %llu] overlap tensor %s"), name,
                        (unsigned long long)r->begin, (unsigned long long)r->end,
                        st->tensors[p->ranges[i - 1].index].name);
    if (r->begin > expected)
      return dlab_error(_("tensor %s: data_offsets [%llu, %llu] leave a gap of %llu unused bytes before it"),
                        name, (unsigned long long)r->begin, (unsigned long long)r->end,
                        (unsigned long long)(r->begin - expected));
    expected = r->end;
  }
  if (expected != p->data_len)
    return dlab_error(_("%llu bytes of data after the last tensor"), (unsigned long long)(p->data_len - expected));
  return 0;
}

static int parse_header(Parser *p, const char *header, size_t len) {
  DlabJson j;
  dlab_json_init(&j, header, len, 8);
  if (dlab_json_begin_object(&j) < 0) return dlab_error_prefix(_("header"));
  char name[NAME_CAP];
  int r;
  while ((r = dlab_json_next_key(&j, name, sizeof name)) == 1) {
    if (strcmp(name, "__metadata__") == 0) {
      if (parse_metadata(p, &j) < 0) return dlab_error_prefix("__metadata__");
    } else if (parse_tensor(p, &j, name) < 0) {
      return -1;
    }
  }
  if (r < 0 || dlab_json_finish(&j) < 0) return dlab_error_prefix(_("header"));
  if (index_names(p->st) < 0) return -1;
  return check_ranges(p);
}

static uint64_t read_le64(const uint8_t *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static int parse_buffer(Parser *p, size_t len, const char *what) {
  DlabSafetensors *st = p->st;
  if (len < 8) return dlab_error(_("%s: %zu bytes, too short for a safetensors file (at least 8)"), what, len);
  uint64_t header_len = read_le64(st->buf);
  if (header_len > len - 8)
    return dlab_error(_("%s: header length %llu is beyond the end of the file (%zu bytes)"), what,
                      (unsigned long long)header_len, len);
  if (header_len > MAX_HEADER_BYTES)
    return dlab_error(_("%s: header length %llu is over the limit of %u bytes"), what,
                      (unsigned long long)header_len, MAX_HEADER_BYTES);
  p->data_len = len - 8 - header_len;
  if (parse_header(p, (const char *)st->buf + 8, (size_t)header_len) < 0) return dlab_error_prefix("%s", what);
  const uint8_t *data = st->buf + 8 + header_len;
  for (int i = 0; i < p->st->n_tensors; i++) {
    /* The ranges are sorted now; each remembers its tensor. */
    const Range *r = &p->ranges[i];
    st->tensors[r->index].data = data + r->begin;
  }
  return 0;
}

int dlab_safetensors_parse(uint8_t *buf, size_t len, const char *what, DlabSafetensors *st) {
  memset(st, 0, sizeof *st);
  st->buf = buf;
  Parser p = {.st = st};
  int rc = parse_buffer(&p, len, what);
  free(p.ranges);
  if (rc < 0) dlab_safetensors_free(st);
  return rc;
}

/* The whole of a regular file into a new buffer. */
static int read_whole_file(const char *path, uint8_t **out, size_t *out_len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) < 0) {
    int err = errno;
    close(fd);
    return dlab_error(_("%s: cannot stat: %s"), path, strerror(err));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return dlab_error(_("%s: not a regular file"), path);
  }
  size_t size = (size_t)sb.st_size;
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) {
    close(fd);
    return dlab_error(_("%s: out of memory for %zu bytes"), path, size);
  }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, buf + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : 0;
      free(buf);
      close(fd);
      return err ? dlab_error(_("%s: read error: %s"), path, strerror(err))
                 : dlab_error(_("%s: file shrank while reading it"), path);
    }
    got += (size_t)n;
  }
  close(fd);
  *out = buf;
  *out_len = size;
  return 0;
}

int dlab_safetensors_read(const char *path, DlabSafetensors *st) {
  memset(st, 0, sizeof *st);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (read_whole_file(path, &buf, &len) < 0) return -1;
  return dlab_safetensors_parse(buf, len, path, st);
}

const DlabStTensor *dlab_safetensors_find(const DlabSafetensors *st, const char *name) {
  int i = find_name(st->tensor_index, st->n_tensors, name);
  return i < 0 ? NULL : &st->tensors[i];
}

const char *dlab_safetensors_meta(const DlabSafetensors *st, const char *key) {
  int i = find_name(st->meta_index, st->n_meta, key);
  return i < 0 ? NULL : st->meta_values[i];
}

void dlab_safetensors_free(DlabSafetensors *st) {
  for (int i = 0; i < st->n_meta; i++) {
    free(st->meta_keys[i]);
    free(st->meta_values[i]);
  }
  free(st->meta_keys);
  free(st->meta_values);
  free(st->tensors);
  free(st->tensor_index);
  free(st->meta_index);
  free(st->buf);
  memset(st, 0, sizeof *st);
}

/* ---- writing ---- */

static int check_tensor(const DlabStTensor *tensors, int i) {
  const DlabStTensor *t = &tensors[i];
  size_t len = strnlen(t->name, NAME_CAP);
  if (len == 0) return dlab_error(_("tensor %d has an empty name"), i);
  if (len >= NAME_CAP) return dlab_error(_("tensor %d: name longer than %zu bytes"), i, NAME_CAP - 1);
  if (strcmp(t->name, "__metadata__") == 0) return dlab_error(_("a tensor cannot be named __metadata__"));
  if (!dlab_utf8_valid(t->name, len)) return dlab_error(_("tensor %d: name is not valid UTF-8"), i);
  for (int k = 0; k < i; k++)
    if (strcmp(tensors[k].name, t->name) == 0) return dlab_error(_("tensor %s is given twice"), t->name);
  if (t->dtype != DLAB_ST_F32 && t->dtype != DLAB_ST_I64)
    return dlab_error(_("tensor %s: unknown dtype %d"), t->name, (int)t->dtype);
  if (t->ndim < 0 || t->ndim > 4) return dlab_error(_("tensor %s: rank %d is not supported"), t->name, t->ndim);
  uint64_t need;
  if (byte_count(t->dtype, t->ndim, t->shape, &need) < 0)
    return dlab_error(_("tensor %s: invalid or too large shape"), t->name);
  if (need != t->nbytes)
    return dlab_error(_("tensor %s: %zu bytes given but its shape needs %llu"), t->name, t->nbytes,
                      (unsigned long long)need);
  if (t->nbytes && !t->data) return dlab_error(_("tensor %s: no data"), t->name);
  return 0;
}

static int write_metadata(DlabJsonOut *o, const char *const *keys, const char *const *values, int n) {
  dlab_json_out_raw(o, "\"__metadata__\":{", 16);
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < i; k++)
      if (strcmp(keys[k], keys[i]) == 0) return dlab_error(_("metadata key \"%s\" is given twice"), keys[i]);
    if (i) dlab_json_out_raw(o, ",", 1);
    if (dlab_json_out_string(o, keys[i]) < 0) return dlab_error_prefix(_("metadata key"));
    dlab_json_out_raw(o, ":", 1);
    if (dlab_json_out_string(o, values[i]) < 0) return dlab_error_prefix(_("metadata \"%s\""), keys[i]);
  }
  dlab_json_out_raw(o, "}", 1);
  return 0;
}

/* The JSON header, tensors in the given order with contiguous offsets,
 * padded with spaces to a multiple of 8 bytes as the reference writer does
 * (so that the data that follows is 8-byte aligned). */
static int build_header(DlabJsonOut *o, const DlabStTensor *tensors, int n_tensors,
                        const char *const *meta_keys, const char *const *meta_values, int n_meta) {
  dlab_json_out_raw(o, "{", 1);
  if (n_meta > 0) {
    if (write_metadata(o, meta_keys, meta_values, n_meta) < 0) return -1;
    if (n_tensors) dlab_json_out_raw(o, ",", 1);
  }
  uint64_t offset = 0;
  for (int i = 0; i < n_tensors; i++) {
    const DlabStTensor *t = &tensors[i];
    if (check_tensor(tensors, i) < 0) return -1;
    if (i) dlab_json_out_raw(o, ",", 1);
    dlab_json_out_string(o, t->name);
    dlab_json_out_printf(o, ":{\"dtype\":\"%s\",\"shape\":[", dtype_name(t->dtype));
    for (int d = 0; d < t->ndim; d++) dlab_json_out_printf(o, d ? ",%lld" : "%lld", (long long)t->shape[d]);
    dlab_json_out_printf(o, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
                         (unsigned long long)(offset + t->nbytes));
    offset += t->nbytes;
  }
  dlab_json_out_raw(o, "}", 1);
  while (!o->failed && o->len % 8 != 0) dlab_json_out_raw(o, " ", 1);
  if (o->failed) return dlab_error(_("out of memory building the header"));
  return 0;
}

static int write_all(DlabAtomicFile *f, const void *data, size_t n) {
  if (n && fwrite(data, 1, n, f->fp) != n) return dlab_error(_("%s: writing failed: %s"), f->path, strerror(errno));
  return 0;
}

int dlab_safetensors_write(const char *path, const DlabStTensor *tensors, int n_tensors,
                           const char *const *meta_keys, const char *const *meta_values, int n_meta) {
  DlabJsonOut header;
  dlab_json_out_init(&header);
  if (build_header(&header, tensors, n_tensors, meta_keys, meta_values, n_meta) < 0) {
    dlab_json_out_free(&header);
    return dlab_error_prefix("%s", path);
  }
  uint8_t len_bytes[8];
  for (int i = 0; i < 8; i++) len_bytes[i] = (uint8_t)((uint64_t)header.len >> (8 * i));
  DlabAtomicFile f;
  int rc = dlab_atomic_open(&f, path);
  if (rc == 0) rc = write_all(&f, len_bytes, 8);
  if (rc == 0) rc = write_all(&f, header.data, header.len);
  for (int i = 0; rc == 0 && i < n_tensors; i++) rc = write_all(&f, tensors[i].data, tensors[i].nbytes);
  dlab_json_out_free(&header);
  if (rc < 0) {
    dlab_atomic_abort(&f);
    return -1;
  }
  return dlab_atomic_commit(&f);
}
