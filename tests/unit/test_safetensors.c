/* safetensors reading and writing (safetensors.h) and atomic files
 * (atomic_file.h): round trips, the exact byte layout, every kind of
 * malformed header (each an error naming the file), and the exchange with
 * the Python helper tests/safetensors_io.py when numpy is there. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "io/safetensors.h"
#include "test_util.h"

static char dir[64];

static const char *path_in_dir(const char *name) {
  static char buf[4][512];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

static int message_has(const char *needle) { return strstr(dlab_error_message(), needle) != NULL; }

/* Number of directory entries whose name contains `part`. */
static int count_entries(const char *part) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, part)) n++;
  if (d) closedir(d);
  return n;
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(path_in_dir(e->d_name));
  if (d) closedir(d);
  rmdir(dir);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

/* A file made of the 8-byte length `declared`, `header`, then `data_len`
 * zero bytes. */
static const char *write_raw(const char *name, uint64_t declared, const char *header, size_t data_len) {
  const char *path = path_in_dir(name);
  FILE *f = fopen(path, "wb");
  for (int i = 0; i < 8; i++) fputc((int)(declared >> (8 * i)) & 0xff, f);
  fputs(header, f);
  for (size_t i = 0; i < data_len; i++) fputc(0, f);
  fclose(f);
  return path;
}

static const char *write_header(const char *name, const char *header, size_t data_len) {
  return write_raw(name, strlen(header), header, data_len);
}

static const float weights[6] = {1.5f, -2.0f, 0.25f, 3.0e-8f, -0.0f, 1e30f};
static const float bias[3] = {0.1f, 0.2f, 0.3f};
static const int64_t step = 1234567890123ll;

static const char *const meta_keys[] = {"quote", "unicode", "empty", "\xe9\x94\xae"};
static const char *const meta_values[] = {
    "he said \"hi\"\n\\ and left\t",
    "\xe6\x95\xb0\xe5\xad\x97\xe5\xae\x9e\xe9\xaa\x8c\xe5\xae\xa4 \xc3\xa9 \xf0\x9f\x98\x80",
    "",
    "value",
};
#define N_META 4

static int make_tensors(DlabStTensor *t) {
  memset(t, 0, 4 * sizeof *t);
  snprintf(t[0].name, sizeof t[0].name, "layer.weight");
  t[0].dtype = DLAB_ST_F32, t[0].ndim = 2, t[0].shape[0] = 2, t[0].shape[1] = 3;
  t[0].data = weights, t[0].nbytes = sizeof weights;
  snprintf(t[1].name, sizeof t[1].name, "layer.bias");
  t[1].dtype = DLAB_ST_F32, t[1].ndim = 1, t[1].shape[0] = 3, t[1].data = bias, t[1].nbytes = sizeof bias;
  snprintf(t[2].name, sizeof t[2].name, "bn.num_batches_tracked");
  t[2].dtype = DLAB_ST_I64, t[2].ndim = 0, t[2].data = &step, t[2].nbytes = sizeof step;
  snprintf(t[3].name, sizeof t[3].name, "empty");
  t[3].dtype = DLAB_ST_F32, t[3].ndim = 2, t[3].shape[0] = 0, t[3].shape[1] = 4, t[3].data = NULL;
  return 4;
}

static void test_round_trip(void) {
  DlabStTensor t[4];
  int n = make_tensors(t);
  const char *path = path_in_dir("round.safetensors");
  int rc = dlab_safetensors_write(path, t, n, meta_keys, meta_values, N_META);
  tap_ok(rc == 0, "write: %s", rc ? dlab_error_message() : "ok");
  DlabSafetensors st;
  rc = dlab_safetensors_read(path, &st);
  tap_ok(rc == 0, "read back: %s", rc ? dlab_error_message() : "ok");
  if (rc) return;
  int same = st.n_tensors == n;
  for (int i = 0; same && i < n; i++) {
    const DlabStTensor *a = &t[i], *b = &st.tensors[i];
    same = strcmp(a->name, b->name) == 0 && a->dtype == b->dtype && a->ndim == b->ndim && a->nbytes == b->nbytes &&
           (a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0);
    for (int d = 0; same && d < a->ndim; d++) same = a->shape[d] == b->shape[d];
  }
  tap_ok(same, "tensors come back in order, bit for bit (F32, I64 scalar, empty)");
  int meta_same = st.n_meta == N_META;
  for (int i = 0; meta_same && i < N_META; i++)
    meta_same = strcmp(st.meta_keys[i], meta_keys[i]) == 0 && strcmp(st.meta_values[i], meta_values[i]) == 0;
  tap_ok(meta_same, "metadata with quotes, escapes and unicode comes back in order");
  tap_ok(dlab_safetensors_find(&st, "layer.bias") == &st.tensors[1] && !dlab_safetensors_find(&st, "nope"),
         "find by name");
  tap_ok(strcmp(dlab_safetensors_meta(&st, "quote"), meta_values[0]) == 0 && !dlab_safetensors_meta(&st, "x"),
         "meta by key");
  dlab_safetensors_free(&st);
  tap_ok(st.tensors == NULL && st.buf == NULL, "free clears the struct");
}

static uint64_t le64(const uint8_t *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static void test_layout(void) {
  DlabStTensor t[4];
  int n = make_tensors(t);
  const char *path = path_in_dir("layout.safetensors");
  /* Try every metadata count so that the unpadded header length varies. */
  int all_padded = 1;
  for (int k = 0; k <= N_META; k++) {
    dlab_safetensors_write(path, t, n, meta_keys, meta_values, k);
    size_t len;
    uint8_t *b = read_file(path, &len);
    uint64_t h = le64(b);
    size_t data = sizeof weights + sizeof bias + sizeof step;
    size_t end = 8 + (size_t)h, pad = 0;
    while (end > 8 && b[end - 1] == ' ') end--, pad++;
    if (h % 8 != 0 || len != 8 + h + data || b[end - 1] != '}' || pad > 7) all_padded = 0;
    if (k == 0)
      tap_ok(memcmp(b + 8, "{\"layer.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", 66) == 0,
             "header in the reference's compact form");
    if (k == 1) tap_ok(memcmp(b + 8, "{\"__metadata__\":{\"quote\":", 25) == 0, "metadata comes first");
    free(b);
  }
  tap_ok(all_padded, "header padded with at most 7 spaces to a multiple of 8, data right after");
}

/* Each malformed file: -1, the path in the message, and `needle` too. */
static void expect_bad(const char *path, const char *needle, const char *what) {
  DlabSafetensors st;
  dlab_error_clear();
  int rc = dlab_safetensors_read(path, &st);
  tap_ok(rc == -1 && message_has(path) && message_has(needle) && st.tensors == NULL && st.buf == NULL, "%s: %s",
         what, dlab_error_message());
}

#define F32_ENTRY(name, shape, b, e) "\"" name "\":{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_malformed(void) {
  expect_bad(path_in_dir("missing.safetensors"), "cannot open", "missing file");
  FILE *f = fopen(path_in_dir("short.safetensors"), "wb");
  fputs("abc", f);
  fclose(f);
  expect_bad(path_in_dir("short.safetensors"), "too short", "3-byte file");
  expect_bad(write_raw("empty.safetensors", 0, "", 0), "byte 8", "zero-length header");
  expect_bad(write_raw("beyond.safetensors", 1000, "{}", 0), "beyond the end", "header length beyond the file");
  expect_bad(write_raw("huge.safetensors", UINT64_MAX, "{}", 0), "beyond the end", "header length 2^64-1");
  expect_bad(write_header("json.safetensors", "{\"a\":{\"dtype\":\"F32\",}}", 0), "trailing comma", "bad JSON");
  expect_bad(write_header("array.safetensors", "[]", 0), "expected an object", "header not an object");
  expect_bad(write_header("f16.safetensors", "{\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
             "tensor half: dtype F16 is not supported", "unknown dtype");
  expect_bad(write_header("neg.safetensors", "{" F32_ENTRY("w", "[-1]", 0, 4) "}", 4), "negative",
             "negative dimension");
  expect_bad(write_header("rank.safetensors", "{" F32_ENTRY("w", "[1,1,1,1,1]", 0, 4) "}", 4), "more than 4",
             "five dimensions");
  expect_bad(write_header("float.safetensors", "{" F32_ENTRY("w", "[1.0]", 0, 4) "}", 4), "integer",
             "fractional dimension");
  expect_bad(write_header("range.safetensors", "{" F32_ENTRY("w", "[100]", 0, 400) "}", 16), "reach past",
             "offsets beyond the data");
  expect_bad(write_header("size.safetensors", "{" F32_ENTRY("w", "[3]", 0, 8) "}", 8), "needs 12",
             "byte count differs from the shape");
  expect_bad(write_header("backward.safetensors", "{" F32_ENTRY("w", "[0]", 8, 4) "}", 8), "end before",
             "end before begin");
  expect_bad(write_header("overlap.safetensors", "{" F32_ENTRY("a", "[2]", 0, 8) "," F32_ENTRY("b", "[2]", 4, 12) "}", 12),
             "overlap", "overlapping tensors");
  expect_bad(write_header("gap.safetensors", "{" F32_ENTRY("a", "[2]", 0, 8) "," F32_ENTRY("b", "[2]", 12, 20) "}", 20),
             "gap", "gap between tensors");
  expect_bad(write_header("trail.safetensors", "{" F32_ENTRY("a", "[2]", 0, 8) "}", 12), "after the last tensor",
             "data after the last tensor");
  expect_bad(write_header("dup.safetensors", "{" F32_ENTRY("a", "[1]", 0, 4) "," F32_ENTRY("a", "[1]", 4, 8) "}", 8),
             "listed twice", "duplicate tensor");
  expect_bad(write_header("nooff.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "no data_offsets",
             "missing data_offsets");
  expect_bad(write_header("extra.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", 4),
             "unknown field", "unknown field");
  expect_bad(write_header("meta.safetensors", "{\"__metadata__\":{\"k\":1}}", 0), "not a string",
             "non-string metadata value");
  expect_bad(write_header("meta2.safetensors", "{\"__metadata__\":[]}", 0), "expected an object",
             "metadata not an object");
  expect_bad(write_header("offsets3.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
             "[begin, end]", "one offset");
  expect_bad(write_header("overflow.safetensors",
                          "{" F32_ENTRY("a", "[4611686018427387904,4611686018427387904]", 0, 4) "}", 4),
             "too large", "shape whose size overflows");
  char dirpath[128];
  snprintf(dirpath, sizeof dirpath, "%s/subdir", dir);
  mkdir(dirpath, 0700);
  expect_bad(dirpath, "not a regular file", "a directory");
  rmdir(dirpath);

  /* A valid file cut anywhere is an error, never a crash. */
  DlabStTensor t[4];
  int n = make_tensors(t);
  const char *good = path_in_dir("good.safetensors");
  dlab_safetensors_write(good, t, n, meta_keys, meta_values, N_META);
  size_t len;
  uint8_t *bytes = read_file(good, &len);
  int all_fail = 1;
  for (size_t cut = 0; cut < len; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, bytes, cut);
    DlabSafetensors st;
    if (dlab_safetensors_parse(copy, cut, "cut", &st) != -1 || !message_has("cut")) all_fail = 0;
  }
  tap_ok(all_fail, "every one of the %zu truncations is rejected", len);
  free(bytes);
}

static void test_parse_in_memory(void) {
  const char *header = "{" F32_ENTRY("w", "[1]", 0, 4) "}   ";
  size_t h = strlen(header);
  uint8_t *buf = malloc(8 + h + 4);
  for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(h >> (8 * i));
  memcpy(buf + 8, header, h);
  float one = 1.0f;
  memcpy(buf + 8 + h, &one, 4);
  DlabSafetensors st;
  int rc = dlab_safetensors_parse(buf, 8 + h + 4, "mem", &st);
  float back = 0;
  if (rc == 0) memcpy(&back, st.tensors[0].data, 4);
  tap_ok(rc == 0 && st.n_tensors == 1 && back == 1.0f, "parse from memory, unaligned header length %zu", h);
  if (rc == 0) dlab_safetensors_free(&st);
}

static void test_write_errors(void) {
  DlabStTensor t[4];
  int n = make_tensors(t);
  const char *path = path_in_dir("bad-write.safetensors");
  dlab_error_clear();
  t[1].nbytes = 8;
  tap_ok(dlab_safetensors_write(path, t, n, NULL, NULL, 0) == -1 && message_has(path) && message_has("layer.bias"),
         "byte count that does not match the shape: %s", dlab_error_message());
  n = make_tensors(t);
  snprintf(t[1].name, sizeof t[1].name, "layer.weight");
  tap_ok(dlab_safetensors_write(path, t, n, NULL, NULL, 0) == -1 && message_has("twice"), "duplicate name: %s",
         dlab_error_message());
  n = make_tensors(t);
  const char *const keys[] = {"a", "a"}, *const values[] = {"1", "2"};
  tap_ok(dlab_safetensors_write(path, t, n, keys, values, 2) == -1 && message_has("twice"),
         "duplicate metadata key: %s", dlab_error_message());
  const char *const bad_values[] = {"\xff", "2"};
  tap_ok(dlab_safetensors_write(path, t, n, keys, bad_values, 1) == -1 && message_has("UTF-8"),
         "metadata that is not UTF-8: %s", dlab_error_message());
  tap_ok(access(path, F_OK) != 0 && count_entries(".tmp-") == 0, "failed writes leave no file behind");
  char nowhere[256];
  snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/x.safetensors", dir);
  tap_ok(dlab_safetensors_write(nowhere, t, n, NULL, NULL, 0) == -1 && message_has(nowhere) &&
             message_has("No such file"),
         "write into a missing directory: %s", dlab_error_message());
}

static void test_atomic(void) {
  const char *path = path_in_dir("atomic.txt");
  DlabAtomicFile f;
  dlab_atomic_open(&f, path);
  fputs("first", f.fp);
  int rc = dlab_atomic_commit(&f);
  size_t len;
  uint8_t *b = read_file(path, &len);
  tap_ok(rc == 0 && b && len == 5 && memcmp(b, "first", 5) == 0, "commit makes the file");
  free(b);
  dlab_atomic_open(&f, path);
  fputs("second, unfinished", f.fp);
  tap_ok(count_entries("atomic.txt.tmp-") == 1, "the temporary lives beside the target: %s", f.tmp_path);
  dlab_atomic_abort(&f);
  b = read_file(path, &len);
  tap_ok(b && len == 5 && memcmp(b, "first", 5) == 0 && count_entries(".tmp-") == 0,
         "abort keeps the old file and removes the temporary");
  free(b);
  dlab_atomic_abort(&f);
  tap_ok(1, "a second abort is harmless");
  dlab_atomic_open(&f, path);
  fputs("third", f.fp);
  rc = dlab_atomic_commit(&f);
  b = read_file(path, &len);
  tap_ok(rc == 0 && len == 5 && memcmp(b, "third", 5) == 0 && count_entries(".tmp-") == 0,
         "commit replaces the old file, no temporary left");
  free(b);
  struct stat sb;
  mode_t mask = umask(022);
  umask(mask);
  int have = stat(path, &sb) == 0;
  tap_ok(have && (sb.st_mode & 0777) == (0666 & ~mask), "mode %o follows the umask %03o",
         have ? (unsigned)(sb.st_mode & 0777) : 0u, (unsigned)mask);
  char nowhere[256];
  snprintf(nowhere, sizeof nowhere, "%s/missing/file", dir);
  dlab_error_clear();
  tap_ok(dlab_atomic_open(&f, nowhere) == -1 && message_has(nowhere) && message_has("No such file"),
         "open in a missing directory: %s", dlab_error_message());
  dlab_atomic_abort(&f);
}

/* The Python helper reads what C wrote and writes what C reads. */
static void test_python_exchange(void) {
  const char *root = getenv("DLAB_SOURCE_ROOT");
  if (!root || access("/usr/bin/python3", X_OK) != 0 ||
      system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
    tap_ok(1, "# SKIP no /usr/bin/python3 with numpy, or DLAB_SOURCE_ROOT unset");
    return;
  }
  DlabStTensor t[4];
  int n = make_tensors(t);
  const char *c_file = path_in_dir("from-c.safetensors"), *py_file = path_in_dir("from-py.safetensors");
  dlab_safetensors_write(c_file, t, n, meta_keys, meta_values, N_META);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c '\n"
           "import sys, numpy as np\n"
           "sys.path.insert(0, \"%s/tests\")\n"
           "import safetensors_io as s\n"
           "t, m = s.read(\"%s\")\n"
           "assert list(t) == [\"layer.weight\", \"layer.bias\", \"bn.num_batches_tracked\", \"empty\"], list(t)\n"
           "assert t[\"layer.weight\"].dtype == np.float32 and t[\"layer.weight\"].shape == (2, 3)\n"
           "assert t[\"layer.weight\"][0, 1] == -2.0 and t[\"layer.bias\"][2] == np.float32(0.3)\n"
           "assert t[\"bn.num_batches_tracked\"].dtype == np.int64 and t[\"bn.num_batches_tracked\"].shape == ()\n"
           "assert int(t[\"bn.num_batches_tracked\"]) == 1234567890123 and t[\"empty\"].shape == (0, 4)\n"
           "assert m[\"quote\"] == \"he said \\\"hi\\\"\\n\\\\ and left\\t\", repr(m[\"quote\"])\n"
           "assert m[\"unicode\"].startswith(\"\\u6570\\u5b57\") and m[\"\\u952e\"] == \"value\"\n"
           "s.write(\"%s\", {\"a\": np.arange(6, dtype=np.float32).reshape(2, 3), \"n\": np.array(7, dtype=np.int64)},\n"
           "        {\"dlab.arch\": \"x \\\"y\\\"\", \"k\": \"\\u00e9\"})\n"
           "'",
           root, c_file, py_file);
  int rc = system(cmd);
  tap_ok(rc == 0, "Python reads the C file and writes one");
  DlabSafetensors st;
  rc = dlab_safetensors_read(py_file, &st);
  float a[6] = {0};
  int64_t v = 0;
  if (rc == 0 && st.n_tensors == 2) {
    memcpy(a, st.tensors[0].data, sizeof a);
    memcpy(&v, st.tensors[1].data, sizeof v);
  }
  tap_ok(rc == 0 && st.n_tensors == 2 && a[5] == 5.0f && v == 7 && st.tensors[1].dtype == DLAB_ST_I64 &&
             strcmp(dlab_safetensors_meta(&st, "dlab.arch"), "x \"y\"") == 0 &&
             strcmp(dlab_safetensors_meta(&st, "k"), "\xc3\xa9") == 0,
         "C reads the Python file: %s", rc ? dlab_error_message() : "ok");
  if (rc == 0) dlab_safetensors_free(&st);
}

/* ---- many entries ---- */

/* A file in memory whose header lists n empty tensors t0000000, t0000001,
 * ... (the last one named `last` instead when not NULL) and n_meta
 * metadata keys k0, k1, ... (the last one `last_key` when not NULL). */
static uint8_t *many_entries(int n, const char *last, int n_meta, const char *last_key, size_t *len) {
  size_t cap = 64 + (size_t)n * 80 + (size_t)n_meta * 32;
  char *header = malloc(cap);
  size_t h = 0;
  h += (size_t)snprintf(header + h, cap - h, "{\"__metadata__\":{");
  for (int i = 0; i < n_meta; i++)
    h += i + 1 == n_meta && last_key ? (size_t)snprintf(header + h, cap - h, "%s\"%s\":\"v\"", i ? "," : "", last_key)
                                     : (size_t)snprintf(header + h, cap - h, "%s\"k%d\":\"v\"", i ? "," : "", i);
  h += (size_t)snprintf(header + h, cap - h, "}");
  for (int i = 0; i < n; i++) {
    char name[32];
    if (i + 1 == n && last)
      snprintf(name, sizeof name, "%s", last);
    else
      snprintf(name, sizeof name, "t%07d", i);
    h += (size_t)snprintf(header + h, cap - h, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}",
                          name);
  }
  h += (size_t)snprintf(header + h, cap - h, "}");
  uint8_t *buf = malloc(8 + h);
  for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)h >> (8 * i));
  memcpy(buf + 8, header, h);
  free(header);
  *len = 8 + h;
  return buf;
}

typedef struct {
  int n_tensors, n_meta;
  const char *last, *last_key;
} ManyCase;

/* Parses a ManyCase in a child process limited to `cpu_seconds` of CPU
 * time, far above what a parse in O(n log n) needs and far below what one
 * comparing every pair needed (about 10 s for 60,000 names). Returns the
 * child's verdict: 0 parsed, 1 refused (message in msg), 2 killed. */
static int parse_limited(const ManyCase *c, int cpu_seconds, char *msg, size_t msg_len) {
  size_t len;
  uint8_t *buf = many_entries(c->n_tensors, c->last, c->n_meta, c->last_key, &len);
  int fds[2];
  if (pipe(fds) < 0) return 2;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    struct rlimit cpu = {(rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    DlabSafetensors st;
    int rc = dlab_safetensors_parse(buf, len, "many", &st);
    const char *text = rc == 0 ? "" : dlab_error_message();
    if (write(fds[1], text, strlen(text)) < 0) _exit(3);
    _exit(rc == 0 ? 0 : 1);
  }
  free(buf);
  close(fds[1]);
  ssize_t got = read(fds[0], msg, msg_len - 1);
  msg[got > 0 ? got : 0] = '\0';
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) snprintf(msg, msg_len, "killed by signal %d (CPU limit %d s)", WTERMSIG(status), cpu_seconds);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

/* The issue: 100,000 empty tensors took 27 s, found duplicates by
 * comparing every pair. Now at most DLAB_ST_MAX_TENSORS, and duplicates
 * found by sorting. */
static void test_many_entries(void) {
  char msg[512];
  ManyCase too_many = {100000, 1, NULL, NULL};
  int rc = parse_limited(&too_many, 4, msg, sizeof msg);
  tap_ok(rc == 1 && strstr(msg, "more than 65536 tensors"), "100,000 tensors are refused by the cap, within 4 s of "
         "CPU: %s", msg);
  ManyCase most = {DLAB_ST_MAX_TENSORS, 1, NULL, NULL};
  rc = parse_limited(&most, 4, msg, sizeof msg);
  tap_ok(rc == 0, "65,536 distinct tensors parse within 4 s of CPU%s%s", rc ? ": " : "", msg);
  ManyCase dup = {60001, 1, "t0000000", NULL};
  rc = parse_limited(&dup, 4, msg, sizeof msg);
  tap_ok(rc == 1 && strstr(msg, "tensor t0000000 is listed twice"),
         "60,000 distinct tensors and a duplicate of the first at the end: found within 4 s of CPU: %s", msg);
  ManyCase meta_dup = {1, DLAB_ST_MAX_META, NULL, "k0"};
  rc = parse_limited(&meta_dup, 4, msg, sizeof msg);
  tap_ok(rc == 1 && strstr(msg, "key \"k0\" given twice"), "a duplicate metadata key at the end of %d: %s",
         DLAB_ST_MAX_META, msg);
  ManyCase meta_many = {1, DLAB_ST_MAX_META + 1, NULL, NULL};
  rc = parse_limited(&meta_many, 4, msg, sizeof msg);
  tap_ok(rc == 1 && strstr(msg, "more than 4096 metadata entries"), "%d metadata entries are refused: %s",
         DLAB_ST_MAX_META + 1, msg);

  /* Lookups in a large file find every name, and no name it lacks. */
  size_t len;
  uint8_t *buf = many_entries(5000, NULL, 100, NULL, &len);
  DlabSafetensors st;
  int found = dlab_safetensors_parse(buf, len, "lookups", &st) == 0;
  for (int i = 0; found && i < 5000; i += 7) {
    char name[32];
    snprintf(name, sizeof name, "t%07d", i);
    const DlabStTensor *t = dlab_safetensors_find(&st, name);
    found = t && strcmp(t->name, name) == 0;
  }
  found = found && !dlab_safetensors_find(&st, "t0005000") && !dlab_safetensors_find(&st, "") &&
          strcmp(dlab_safetensors_meta(&st, "k99"), "v") == 0 && !dlab_safetensors_meta(&st, "k100");
  tap_ok(found, "lookups among 5,000 tensors and 100 keys find what is there and nothing else");
  if (st.buf) dlab_safetensors_free(&st);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dlab-st-XXXXXX");
  if (!mkdtemp(dir)) {
    printf("Bail out! cannot create a temporary directory\n");
    return 1;
  }
  test_round_trip();
  test_layout();
  test_malformed();
  test_parse_in_memory();
  test_write_errors();
  test_atomic();
  test_python_exchange();
  test_many_entries();
  remove_dir();
  return tap_done();
}
