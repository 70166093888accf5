/* A small, strict JSON reader and writer, enough for safetensors headers.
 *
 * The reader is a cursor over a buffer that the caller walks: it never
 * builds a tree, never recurses (nesting is tracked on a fixed stack, at
 * most DLAB_JSON_MAX_DEPTH deep), never reads past `len`, and rejects what
 * RFC 8259 rejects (trailing commas, control characters in strings, invalid
 * UTF-8, leading zeros, lone surrogates). Every error goes through
 * dlab_error() as "byte N: what was expected", N counted from `origin`.
 *
 * Walking an object:
 *   if (dlab_json_begin_object(&j) < 0) return -1;
 *   while ((r = dlab_json_next_key(&j, key, sizeof key)) == 1) {
 *     ... read or dlab_json_skip() the value ...
 *   }
 *   if (r < 0) return -1;
 */
#ifndef DLAB_JSON_H
#define DLAB_JSON_H

#include <stddef.h>
#include <stdint.h>

#define DLAB_JSON_MAX_DEPTH 64

typedef enum {
  DLAB_JSON_ERROR = -1, /* nothing valid can start here (message set) */
  DLAB_JSON_OBJECT,
  DLAB_JSON_ARRAY,
  DLAB_JSON_STRING,
  DLAB_JSON_NUMBER,
  DLAB_JSON_TRUE,
  DLAB_JSON_FALSE,
  DLAB_JSON_NULL,
} DlabJsonType;

typedef struct {
  const char *buf;
  size_t len;
  size_t pos;
  size_t origin; /* added to positions in messages (e.g. 8 for a file offset) */
  int depth;
  char kind[DLAB_JSON_MAX_DEPTH];           /* '{' or '[' per open level */
  unsigned char first[DLAB_JSON_MAX_DEPTH]; /* no member read yet at that level */
} DlabJson;

void dlab_json_init(DlabJson *j, const char *buf, size_t len, size_t origin);

/* The type of the next value (after white space), without consuming it. */
DlabJsonType dlab_json_peek(DlabJson *j);

/* Consume '{' / '['. -1 if the next value is something else or too deep. */
int dlab_json_begin_object(DlabJson *j);
int dlab_json_begin_array(DlabJson *j);

/* In an object: 1 after reading the next key and its ':' (the value comes
 * next), 0 after consuming the closing '}', -1 on error. `key` may be NULL
 * to skip the key; a key longer than cap - 1 bytes is an error. */
int dlab_json_next_key(DlabJson *j, char *key, size_t cap);

/* In an array: 1 if another element follows (read it next), 0 after
 * consuming the closing ']', -1 on error. */
int dlab_json_next_item(DlabJson *j);

/* A string value decoded to UTF-8 into out (NUL-terminated). Strings
 * holding U+0000 are refused, since C strings cannot carry them. *out_len
 * (may be NULL) gets the decoded length. -1 if longer than cap - 1. */
int dlab_json_string(DlabJson *j, char *out, size_t cap, size_t *out_len);

/* The same into a newly allocated string (free() it). */
int dlab_json_string_dup(DlabJson *j, char **out);

/* An integer value (no fraction, no exponent) that fits in int64_t. */
int dlab_json_int64(DlabJson *j, int64_t *value);

/* Skips one whole value of any type, however nested (within the depth
 * limit), checking its syntax. */
int dlab_json_skip(DlabJson *j);

/* Succeeds when only white space remains after the top-level value. */
int dlab_json_finish(DlabJson *j);

/* Position of the cursor as messages count it (pos + origin). */
size_t dlab_json_offset(const DlabJson *j);

/* A growable output buffer for writing JSON. After an allocation failure
 * `failed` is set and further appends do nothing. */
typedef struct {
  char *data; /* NUL-terminated while not failed */
  size_t len, cap;
  int failed;
} DlabJsonOut;

void dlab_json_out_init(DlabJsonOut *o);
void dlab_json_out_free(DlabJsonOut *o);
void dlab_json_out_raw(DlabJsonOut *o, const char *text, size_t n);
void dlab_json_out_printf(DlabJsonOut *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s as a quoted JSON string (", \\ and control characters escaped,
 * other UTF-8 kept as is). -1 with a message if s is not valid UTF-8. */
int dlab_json_out_string(DlabJsonOut *o, const char *s);

/* 1 if s[0..n) is valid UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF). */
int dlab_utf8_valid(const char *s, size_t n);

#endif
