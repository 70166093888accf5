/* The strict JSON reader and writer (json.h): every accepted form, every
 * rejected one with the byte offset in the message, the depth limit, and
 * a small mutation run that checks hostile input never crashes it. Inputs
 * are copied into buffers of their exact length, without a terminating NUL,
 * so a sanitizer build catches any read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "io/json.h"
#include "test_util.h"

/* An exact-length, unterminated copy of text[0..n). */
static char *exact_copy(const char *text, size_t n) {
  char *b = malloc(n ? n : 1);
  if (n) memcpy(b, text, n);
  return b;
}

/* Skips one value and requires the end: 0 or -1. */
static int check_n(const char *text, size_t n) {
  char *b = exact_copy(text, n);
  DlabJson j;
  dlab_json_init(&j, b, n, 0);
  int rc = dlab_json_skip(&j) < 0 || dlab_json_finish(&j) < 0 ? -1 : 0;
  free(b);
  return rc;
}

static int check(const char *text) { return check_n(text, strlen(text)); }

/* text with control and non-ASCII bytes shown as '.', for TAP lines. */
static const char *printable(const char *text) {
  static char buf[128];
  size_t i = 0;
  for (; text[i] && i < sizeof buf - 1; i++) buf[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '.';
  buf[i] = '\0';
  return buf;
}

static int message_has(const char *needle) { return strstr(dlab_error_message(), needle) != NULL; }

static void test_valid_documents(void) {
  static const char *const ok[] = {
      "{}", "[]", " { } ", "\n\t[ ]\r\n", "0", "-0", "12", "-3.25", "1e5", "1E+5", "2.5e-3", "true",
      "false", "null", "\"\"", "\"a\\u00e9\\n\"", "[1,[2,[3,{}]],{\"a\":[true,false,null]}]",
      "{\"k\":{\"k\":{\"k\":\"v\"}},\"x\":-1.0e0}", "\"\xe6\x95\xb0\xe5\xad\x97\"", "\"\xf0\x9f\x98\x80\"",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) tap_ok(check(ok[i]) == 0, "accepts %s", printable(ok[i]));
}

static void test_invalid_documents(void) {
  static const char *const bad[] = {
      "",          "   ",        "{",           "[",           "}",          "{\"a\"}",     "{\"a\":}",
      "{\"a\" 1}", "{\"a\":1,}", "[1,]",        "[1 2]",       "{a:1}",      "{'a':1}",     "[,1]",
      "01",        "-",          "1.",          ".5",          "1e",         "+1",          "0x10",
      "tru",       "nul",        "True",        "nan",         "\"abc",      "\"\\x\"",     "\"\\u12\"",
      "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"", "\"a\tb\"",
      "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe6\x95\"", "\"\xff\"", "{} {}",
      "[] x",      "{\"a\":1 \"b\":2}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dlab_error_clear();
    int rc = check(bad[i]);
    tap_ok(rc == -1 && message_has("byte "), "rejects [%s]: %s", printable(bad[i]), dlab_error_message());
  }
  /* A NUL byte inside the buffer is data, not an end. */
  tap_ok(check_n("\"a\0b\"", 5) == -1, "rejects a raw NUL inside a string");
  tap_ok(check_n("[1]\0", 4) == -1, "rejects a NUL after the value");
}

static void test_error_offsets(void) {
  char *b = exact_copy("{\"a\" 1}", 7);
  DlabJson j;
  dlab_json_init(&j, b, 7, 8);
  dlab_json_begin_object(&j);
  int r = dlab_json_next_key(&j, NULL, 0);
  tap_ok(r == -1 && message_has("byte 13:") && message_has("':'"), "offset counted from the origin: %s",
         dlab_error_message());
  free(b);
  dlab_error_clear();
  tap_ok(check("[1, 2, 3,]") == -1 && message_has("byte 9:") && message_has("trailing comma"),
         "trailing comma reported at its offset: %s", dlab_error_message());
}

static void test_strings(void) {
  const char *text = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \xe4\xb8\xad\"";
  char *b = exact_copy(text, strlen(text));
  DlabJson j;
  dlab_json_init(&j, b, strlen(text), 0);
  char out[64];
  size_t n = 0;
  int rc = dlab_json_string(&j, out, sizeof out, &n);
  const char *want = "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 \xe4\xb8\xad";
  tap_ok(rc == 0 && n == strlen(want) && strcmp(out, want) == 0, "escapes decode to UTF-8");
  free(b);

  /* Capacity: 5 bytes fit a 6-byte buffer, not a 5-byte one. */
  b = exact_copy("\"hello\"", 7);
  dlab_json_init(&j, b, 7, 0);
  tap_ok(dlab_json_string(&j, out, 6, NULL) == 0 && strcmp(out, "hello") == 0, "string fills the buffer exactly");
  dlab_json_init(&j, b, 7, 0);
  tap_ok(dlab_json_string(&j, out, 5, NULL) == -1 && message_has("longer than 4"), "too long: %s",
         dlab_error_message());
  free(b);

  /* A long string through string_dup. */
  size_t len = 10000;
  char *big = malloc(len + 2);
  big[0] = '"';
  memset(big + 1, 'x', len);
  big[len + 1] = '"';
  dlab_json_init(&j, big, len + 2, 0);
  char *dup = NULL;
  tap_ok(dlab_json_string_dup(&j, &dup) == 0 && dup && strlen(dup) == len && j.pos == len + 2,
         "string_dup of %zu bytes", len);
  free(dup);
  free(big);
}

static int read_int(const char *text, int64_t *v) {
  char *b = exact_copy(text, strlen(text));
  DlabJson j;
  dlab_json_init(&j, b, strlen(text), 0);
  int rc = dlab_json_int64(&j, v);
  free(b);
  return rc;
}

static void test_integers(void) {
  int64_t v = 0;
  tap_ok(read_int("0", &v) == 0 && v == 0, "0");
  tap_ok(read_int("-0", &v) == 0 && v == 0, "-0");
  tap_ok(read_int(" 600", &v) == 0 && v == 600, "600");
  tap_ok(read_int("9223372036854775807", &v) == 0 && v == INT64_MAX, "INT64_MAX");
  tap_ok(read_int("-9223372036854775808", &v) == 0 && v == INT64_MIN, "INT64_MIN");
  tap_ok(read_int("9223372036854775808", &v) == -1 && message_has("64-bit"), "INT64_MAX + 1 overflows");
  tap_ok(read_int("-9223372036854775809", &v) == -1, "INT64_MIN - 1 overflows");
  tap_ok(read_int("99999999999999999999999", &v) == -1, "huge integer overflows");
  tap_ok(read_int("1.0", &v) == -1 && message_has("fraction"), "1.0 is not an integer");
  tap_ok(read_int("1e3", &v) == -1, "1e3 is not an integer");
  tap_ok(read_int("\"1\"", &v) == -1, "a string is not an integer");
  tap_ok(read_int("007", &v) == -1 && message_has("leading zero"), "leading zeros");
}

static void test_walk(void) {
  const char *text = "{\"shape\": [3, 4], \"skip\": {\"x\": [1, {\"y\": null}]}, \"name\": \"w\"}";
  char *b = exact_copy(text, strlen(text));
  DlabJson j;
  dlab_json_init(&j, b, strlen(text), 0);
  char key[16], name[16] = "";
  int64_t dims[4];
  int n_dims = 0, r, ok = dlab_json_begin_object(&j) == 0;
  while (ok && (r = dlab_json_next_key(&j, key, sizeof key)) == 1) {
    if (strcmp(key, "shape") == 0) {
      ok = dlab_json_begin_array(&j) == 0;
      while (ok && (r = dlab_json_next_item(&j)) == 1) ok = dlab_json_int64(&j, &dims[n_dims++]) == 0;
      ok = ok && r == 0;
    } else if (strcmp(key, "name") == 0) {
      ok = dlab_json_string(&j, name, sizeof name, NULL) == 0;
    } else {
      ok = dlab_json_skip(&j) == 0;
    }
  }
  ok = ok && r == 0 && dlab_json_finish(&j) == 0;
  tap_ok(ok && n_dims == 2 && dims[0] == 3 && dims[1] == 4 && strcmp(name, "w") == 0,
         "walks an object, skipping a nested value");
  free(b);
}

static void test_depth(void) {
  char text[2 * DLAB_JSON_MAX_DEPTH + 4];
  int n = DLAB_JSON_MAX_DEPTH;
  memset(text, '[', (size_t)n);
  memset(text + n, ']', (size_t)n);
  tap_ok(check_n(text, 2 * (size_t)n) == 0, "%d nested arrays are accepted", n);
  memset(text, '[', (size_t)n + 1);
  memset(text + n + 1, ']', (size_t)n + 1);
  tap_ok(check_n(text, 2 * (size_t)n + 2) == -1 && message_has("deep"), "%d nested arrays are refused: %s", n + 1,
         dlab_error_message());
  size_t deep = 1000000;
  char *many = malloc(deep);
  memset(many, '[', deep);
  tap_ok(check_n(many, deep) == -1, "a million '[' fail cleanly");
  memset(many, '{', deep);
  tap_ok(check_n(many, deep) == -1, "a million '{' fail cleanly");
  free(many);
}

/* Every prefix of a valid document is an error; mutated documents either
 * parse or fail, never crash (run it under a sanitizer to see reads). */
static void test_truncation_and_mutation(void) {
  const char *doc =
      "{\"__metadata__\":{\"dlab.arch\":\"conv 6 5\",\"u\":\"\\u00e9\\ud83d\\ude00\"},"
      "\"0.weight\":{\"dtype\":\"F32\",\"shape\":[6,1,5,5],\"data_offsets\":[0,600]},"
      "\"x\":[1.5e-3,-2,true,false,null]}";
  size_t len = strlen(doc);
  int prefixes_ok = 1;
  for (size_t n = 0; n < len; n++)
    if (check_n(doc, n) != -1) prefixes_ok = 0;
  tap_ok(prefixes_ok && check_n(doc, len) == 0, "all %zu proper prefixes are rejected, the whole accepted", len);
  uint64_t state = 12345;
  char *copy = malloc(len);
  int accepted = 0;
  for (int round = 0; round < 20000; round++) {
    memcpy(copy, doc, len);
    int edits = 1 + round % 3;
    for (int e = 0; e < edits; e++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      size_t at = (size_t)(state >> 33) % len;
      copy[at] = (char)(state >> 17);
    }
    accepted += check_n(copy, len) == 0;
  }
  free(copy);
  tap_ok(1, "20000 mutated documents parsed without a crash (%d accepted)", accepted);
}

static void test_writer(void) {
  DlabJsonOut o;
  dlab_json_out_init(&o);
  char all[128];
  for (int i = 1; i < 128; i++) all[i - 1] = (char)i;
  all[127] = '\0';
  const char *unicode = "\xe6\x95\xb0\xe5\xad\x97 \"\xc3\xa9\" \\ \xf0\x9f\x98\x80";
  dlab_json_out_raw(&o, "[", 1);
  int rc = dlab_json_out_string(&o, all);
  dlab_json_out_raw(&o, ",", 1);
  rc |= dlab_json_out_string(&o, unicode);
  dlab_json_out_printf(&o, ",%d]", 42);
  tap_ok(rc == 0 && !o.failed && strstr(o.data, "\\u0001") && strstr(o.data, "\\\"") && strstr(o.data, "\\n"),
         "writer escapes quotes and control characters");
  DlabJson j;
  dlab_json_init(&j, o.data, o.len, 0);
  char back1[256], back2[256];
  int64_t v = 0;
  int ok = dlab_json_begin_array(&j) == 0 && dlab_json_next_item(&j) == 1 &&
           dlab_json_string(&j, back1, sizeof back1, NULL) == 0 && dlab_json_next_item(&j) == 1 &&
           dlab_json_string(&j, back2, sizeof back2, NULL) == 0 && dlab_json_next_item(&j) == 1 &&
           dlab_json_int64(&j, &v) == 0 && dlab_json_next_item(&j) == 0 && dlab_json_finish(&j) == 0;
  tap_ok(ok && strcmp(back1, all) == 0 && strcmp(back2, unicode) == 0 && v == 42,
         "what the writer writes, the reader reads back");
  tap_ok(dlab_json_out_string(&o, "bad \xff byte") == -1 && message_has("UTF-8"), "writer refuses invalid UTF-8");
  dlab_json_out_free(&o);

  /* Growth past the first block and through printf's slow path. */
  dlab_json_out_init(&o);
  char long_text[1000];
  memset(long_text, 'z', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  for (int i = 0; i < 50; i++) dlab_json_out_printf(&o, "%s", long_text);
  tap_ok(!o.failed && o.len == 50 * 999 && strlen(o.data) == o.len, "buffer grows to %zu bytes", o.len);
  dlab_json_out_free(&o);
}

static void test_utf8(void) {
  tap_ok(dlab_utf8_valid("abc", 3), "ASCII is UTF-8");
  tap_ok(dlab_utf8_valid("\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf", 9), "largest 2-, 3- and 4-byte forms");
  tap_ok(!dlab_utf8_valid("\xe0\x9f\xbf", 3), "overlong 3-byte form rejected");
  tap_ok(!dlab_utf8_valid("\xf0\x8f\xbf\xbf", 4), "overlong 4-byte form rejected");
  tap_ok(!dlab_utf8_valid("\xc3", 1), "truncated sequence rejected");
  tap_ok(!dlab_utf8_valid("\x80", 1), "lone continuation byte rejected");
}

int main(void) {
  test_valid_documents();
  test_invalid_documents();
  test_error_offsets();
  test_strings();
  test_integers();
  test_walk();
  test_depth();
  test_truncation_and_mutation();
  test_writer();
  test_utf8();
  return tap_done();
}
