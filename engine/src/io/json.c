/* The strict JSON cursor of json.h. Written for hostile input: every read
 * is bounds-checked against j->len, nesting lives on a fixed stack instead
 * of the C stack, and each error names the byte offset where it was found. */
#include "io/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"

/* Raises "byte N: <message>" for position pos of the buffer. */
static int fail_at(const DlabJson *j, size_t pos, const char *fmt, ...) DLAB_PRINTF(3, 4);
static int fail_at(const DlabJson *j, size_t pos, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  dlab_vsnprintf_c(what, sizeof what, fmt, ap);
  va_end(ap);
  return dlab_error(_("byte %zu: %s"), pos + j->origin, what);
}

void dlab_json_init(DlabJson *j, const char *buf, size_t len, size_t origin) {
  memset(j, 0, sizeof *j);
  j->buf = buf;
  j->len = len;
  j->origin = origin;
}

size_t dlab_json_offset(const DlabJson *j) { return j->pos + j->origin; }

static void skip_space(DlabJson *j) {
  while (j->pos < j->len) {
    char c = j->buf[j->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    j->pos++;
  }
}

/* Describes the byte at the cursor for messages: "'x'" or "end of text". */
static const char *describe_here(const DlabJson *j, char *buf, size_t n) {
  if (j->pos >= j->len) return _("the end of the text");
  unsigned char c = (unsigned char)j->buf[j->pos];
  if (c >= 0x20 && c < 0x7f)
    snprintf(buf, n, "'%c'", c);
  else
    snprintf(buf, n, _("byte 0x%02x"), c);
  return buf;
}

DlabJsonType dlab_json_peek(DlabJson *j) {
  skip_space(j);
  if (j->pos >= j->len) {
    fail_at(j, j->pos, _("unexpected end of the text, a value was expected"));
    return DLAB_JSON_ERROR;
  }
  char c = j->buf[j->pos];
  switch (c) {
  case '{': return DLAB_JSON_OBJECT;
  case '[': return DLAB_JSON_ARRAY;
  case '"': return DLAB_JSON_STRING;
  case 't': return DLAB_JSON_TRUE;
  case 'f': return DLAB_JSON_FALSE;
  case 'n': return DLAB_JSON_NULL;
  default:
    if (c == '-' || (c >= '0' && c <= '9')) return DLAB_JSON_NUMBER;
  }
  char d[16];
  fail_at(j, j->pos, _("expected a value, found %s"), describe_here(j, d, sizeof d));
  return DLAB_JSON_ERROR;
}

/* Enters a container whose opening character is `open`. */
static int begin(DlabJson *j, char open, const char *what) {
  skip_space(j);
  if (j->pos >= j->len || j->buf[j->pos] != open) {
    char d[16];
    return fail_at(j, j->pos, _("expected %s, found %s"), what, describe_here(j, d, sizeof d));
  }
  if (j->depth >= DLAB_JSON_MAX_DEPTH)
    return fail_at(j, j->pos, _("nested more than %d levels deep"), DLAB_JSON_MAX_DEPTH);
  j->kind[j->depth] = open;
  j->first[j->depth] = 1;
  j->depth++;
  j->pos++;
  return 0;
}

int dlab_json_begin_object(DlabJson *j) { return begin(j, '{', _("an object")); }
int dlab_json_begin_array(DlabJson *j) { return begin(j, '[', _("an array")); }

/* ---- strings ---- */

/* Length of the UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;      /* overlong */
    if (c == 0xed) hi = 0x9f;      /* surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;      /* overlong */
    if (c == 0xf4) hi = 0x8f;      /* above U+10FFFF */
  } else {
    return 0;
  }
  if (n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return len;
}

int dlab_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t k = utf8_sequence(p + i, n - i);
    if (!k) return 0;
    i += k;
  }
  return 1;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits after "\u" at j->pos (pointing at the 'u'). */
static int read_hex4(DlabJson *j, unsigned *code) {
  size_t at = j->pos;
  if (j->len - j->pos < 5) return fail_at(j, at - 1, _("truncated \\u escape"));
  unsigned v = 0;
  for (int i = 1; i <= 4; i++) {
    int h = hex_value(j->buf[j->pos + i]);
    if (h < 0) return fail_at(j, at - 1, _("\\u must be followed by 4 hex digits"));
    v = v * 16 + (unsigned)h;
  }
  j->pos += 5;
  *code = v;
  return 0;
}

/* Decodes a \u escape (j->pos at the 'u'), pairing surrogates, into a
 * code point. */
static int read_unicode_escape(DlabJson *j, unsigned *code) {
  size_t at = j->pos - 1;
  unsigned hi;
  if (read_hex4(j, &hi) < 0) return -1;
  if (hi >= 0xdc00 && hi <= 0xdfff) return fail_at(j, at, _("lone low surrogate \\u%04X"), hi);
  if (hi >= 0xd800 && hi <= 0xdbff) {
    if (j->len - j->pos < 2 || j->buf[j->pos] != '\\' || j->buf[j->pos + 1] != 'u')
      return fail_at(j, at, _("high surrogate \\u%04X not followed by a low surrogate"), hi);
    j->pos++;
    unsigned lo;
    if (read_hex4(j, &lo) < 0) return -1;
    if (lo < 0xdc00 || lo > 0xdfff)
      return fail_at(j, at, _("high surrogate \\u%04X not followed by a low surrogate"), hi);
    hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
  }
  if (hi == 0) return fail_at(j, at, _("\\u0000 is not supported in strings"));
  *code = hi;
  return 0;
}

static size_t encode_utf8(unsigned code, char *out) {
  if (code < 0x80) {
    out[0] = (char)code;
    return 1;
  }
  if (code < 0x800) {
    out[0] = (char)(0xc0 | (code >> 6));
    out[1] = (char)(0x80 | (code & 0x3f));
    return 2;
  }
  if (code < 0x10000) {
    out[0] = (char)(0xe0 | (code >> 12));
    out[1] = (char)(0x80 | ((code >> 6) & 0x3f));
    out[2] = (char)(0x80 | (code & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (code >> 18));
  out[1] = (char)(0x80 | ((code >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((code >> 6) & 0x3f));
  out[3] = (char)(0x80 | (code & 0x3f));
  return 4;
}

/* Decodes one escape (j->pos just after the backslash) into bytes[]. */
static int read_escape(DlabJson *j, char *bytes, size_t *n) {
  if (j->pos >= j->len) return fail_at(j, j->pos - 1, _("unterminated escape"));
  char c = j->buf[j->pos];
  static const char simple_in[] = "\"\\/bfnrt";
  static const char simple_out[] = "\"\\/\b\f\n\r\t";
  const char *hit = c ? strchr(simple_in, c) : NULL;
  if (hit) {
    bytes[0] = simple_out[hit - simple_in];
    *n = 1;
    j->pos++;
    return 0;
  }
  if (c != 'u') return fail_at(j, j->pos - 1, _("unknown escape \\%c"), c >= 0x20 && c < 0x7f ? c : '?');
  unsigned code = 0;
  if (read_unicode_escape(j, &code) < 0) return -1;
  *n = encode_utf8(code, bytes);
  return 0;
}

/* Reads the string at the cursor. With out == NULL only checks it and
 * counts its decoded length. */
static int read_string(DlabJson *j, char *out, size_t cap, size_t *out_len) {
  skip_space(j);
  size_t start = j->pos;
  if (j->pos >= j->len || j->buf[j->pos] != '"') {
    char d[16];
    return fail_at(j, j->pos, _("expected a string, found %s"), describe_here(j, d, sizeof d));
  }
  j->pos++;
  size_t n = 0;
  for (;;) {
    if (j->pos >= j->len) return fail_at(j, start, _("unterminated string"));
    unsigned char c = (unsigned char)j->buf[j->pos];
    char bytes[4];
    size_t k = 0;
    if (c == '"') {
      j->pos++;
      break;
    } else if (c == '\\') {
      j->pos++;
      if (read_escape(j, bytes, &k) < 0) return -1;
    } else if (c < 0x20) {
      return fail_at(j, j->pos, _("control character 0x%02x in a string (it must be escaped)"), c);
    } else {
      k = utf8_sequence((const unsigned char *)j->buf + j->pos, j->len - j->pos);
      if (!k) return fail_at(j, j->pos, _("invalid UTF-8 in a string"));
      memcpy(bytes, j->buf + j->pos, k);
      j->pos += k;
    }
    if (out) {
      if (n + k >= cap) return fail_at(j, start, _("string longer than %zu bytes"), cap ? cap - 1 : 0);
      memcpy(out + n, bytes, k);
    }
    n += k;
  }
  if (out) out[n] = '\0';
  if (out_len) *out_len = n;
  return 0;
}

int dlab_json_string(DlabJson *j, char *out, size_t cap, size_t *out_len) {
  return read_string(j, out, cap, out_len);
}

int dlab_json_string_dup(DlabJson *j, char **out) {
  *out = NULL;
  DlabJson probe = *j;
  size_t n;
  if (read_string(&probe, NULL, 0, &n) < 0) {
    j->pos = probe.pos;
    return -1;
  }
  char *s = malloc(n + 1);
  if (!s) return fail_at(j, j->pos, _("out of memory for a string of %zu bytes"), n);
  if (read_string(j, s, n + 1, NULL) < 0) {
    free(s);
    return -1;
  }
  *out = s;
  return 0;
}

/* ---- numbers and literals ---- */

static int is_digit(const DlabJson *j, size_t pos) {
  return pos < j->len && j->buf[pos] >= '0' && j->buf[pos] <= '9';
}

/* Checks the number grammar at the cursor and moves past it. *integral is
 * set when there is neither a fraction nor an exponent. */
static int scan_number(DlabJson *j, int *integral) {
  skip_space(j);
  size_t p = j->pos, start = p;
  if (p < j->len && j->buf[p] == '-') p++;
  if (!is_digit(j, p)) return fail_at(j, start, _("malformed number"));
  if (j->buf[p] == '0') {
    p++;
    if (is_digit(j, p)) return fail_at(j, start, _("number with a leading zero"));
  } else {
    while (is_digit(j, p)) p++;
  }
  *integral = 1;
  if (p < j->len && j->buf[p] == '.') {
    p++;
    if (!is_digit(j, p)) return fail_at(j, start, _("malformed number: digits must follow '.'"));
    while (is_digit(j, p)) p++;
    *integral = 0;
  }
  if (p < j->len && (j->buf[p] == 'e' || j->buf[p] == 'E')) {
    p++;
    if (p < j->len && (j->buf[p] == '+' || j->buf[p] == '-')) p++;
    if (!is_digit(j, p)) return fail_at(j, start, _("malformed number: digits must follow the exponent"));
    while (is_digit(j, p)) p++;
    *integral = 0;
  }
  j->pos = p;
  return 0;
}

int dlab_json_int64(DlabJson *j, int64_t *value) {
  skip_space(j);
  size_t start = j->pos;
  if (dlab_json_peek(j) != DLAB_JSON_NUMBER) {
    char d[16];
    return fail_at(j, start, _("expected an integer, found %s"), describe_here(j, d, sizeof d));
  }
  int integral;
  if (scan_number(j, &integral) < 0) return -1;
  if (!integral) return fail_at(j, start, _("expected an integer, found a number with a fraction or exponent"));
  size_t p = start;
  int negative = j->buf[p] == '-';
  if (negative) p++;
  /* Magnitude limit: 2^63 for negatives, 2^63 - 1 otherwise. */
  const uint64_t limit = (uint64_t)INT64_MAX + (negative ? 1u : 0u);
  uint64_t v = 0;
  for (; p < j->pos; p++) {
    uint64_t d = (uint64_t)(j->buf[p] - '0');
    if (v > (limit - d) / 10) return fail_at(j, start, _("integer out of the 64-bit range"));
    v = v * 10 + d;
  }
  if (negative)
    *value = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
  else
    *value = (int64_t)v;
  return 0;
}

static int read_literal(DlabJson *j, const char *word) {
  size_t n = strlen(word);
  if (j->len - j->pos < n || memcmp(j->buf + j->pos, word, n) != 0)
    return fail_at(j, j->pos, _("invalid literal (expected %s)"), word);
  j->pos += n;
  return 0;
}

/* ---- structure ---- */

static int check_open(const DlabJson *j, char kind) {
  if (j->depth == 0 || j->kind[j->depth - 1] != kind)
    return fail_at(j, j->pos, _("internal: not inside %s"), kind == '{' ? _("an object") : _("an array"));
  return 0;
}

/* After a member: ',' (another one follows) or the closing character.
 * Returns 1 after ',', 0 after the close (popping the level). */
static int separator_or_close(DlabJson *j, char close, const char *where) {
  skip_space(j);
  int top = j->depth - 1;
  if (j->pos < j->len && j->buf[j->pos] == close) {
    j->pos++;
    j->depth--;
    return 0;
  }
  if (!j->first[top]) {
    if (j->pos >= j->len || j->buf[j->pos] != ',') {
      char d[16];
      return fail_at(j, j->pos, _("expected ',' or '%c' in %s, found %s"), close, where,
                     describe_here(j, d, sizeof d));
    }
    j->pos++;
    skip_space(j);
    if (j->pos < j->len && j->buf[j->pos] == close)
      return fail_at(j, j->pos, _("trailing comma in %s"), where);
  }
  j->first[top] = 0;
  return 1;
}

int dlab_json_next_key(DlabJson *j, char *key, size_t cap) {
  if (check_open(j, '{') < 0) return -1;
  int r = separator_or_close(j, '}', _("an object"));
  if (r <= 0) return r;
  if (j->pos >= j->len || j->buf[j->pos] != '"') {
    char d[16];
    return fail_at(j, j->pos, _("expected a key string, found %s"), describe_here(j, d, sizeof d));
  }
  if (read_string(j, key, key ? cap : 0, NULL) < 0) return -1;
  skip_space(j);
  if (j->pos >= j->len || j->buf[j->pos] != ':') {
    char d[16];
    return fail_at(j, j->pos, _("expected ':' after an object key, found %s"), describe_here(j, d, sizeof d));
  }
  j->pos++;
  return 1;
}

int dlab_json_next_item(DlabJson *j) {
  if (check_open(j, '[') < 0) return -1;
  return separator_or_close(j, ']', _("an array"));
}

/* Reads one value that is not a container. */
static int skip_scalar(DlabJson *j, DlabJsonType t) {
  int integral;
  switch (t) {
  case DLAB_JSON_STRING: return read_string(j, NULL, 0, NULL);
  case DLAB_JSON_NUMBER: return scan_number(j, &integral);
  case DLAB_JSON_TRUE: return read_literal(j, "true");
  case DLAB_JSON_FALSE: return read_literal(j, "false");
  case DLAB_JSON_NULL: return read_literal(j, "null");
  default: return -1;
  }
}

int dlab_json_skip(DlabJson *j) {
  const int base = j->depth;
  for (;;) {
    /* A value starts here: open it or read it whole. */
    DlabJsonType t = dlab_json_peek(j);
    int rc;
    if (t == DLAB_JSON_OBJECT)
      rc = dlab_json_begin_object(j);
    else if (t == DLAB_JSON_ARRAY)
      rc = dlab_json_begin_array(j);
    else
      rc = skip_scalar(j, t);
    if (rc < 0) return -1;
    /* Close finished containers until another value is due. */
    for (;;) {
      if (j->depth == base) return 0;
      int r = j->kind[j->depth - 1] == '{' ? dlab_json_next_key(j, NULL, 0) : dlab_json_next_item(j);
      if (r < 0) return -1;
      if (r == 1) break;
    }
  }
}

int dlab_json_finish(DlabJson *j) {
  if (j->depth != 0) return fail_at(j, j->pos, _("%d unclosed levels"), j->depth);
  skip_space(j);
  if (j->pos != j->len) return fail_at(j, j->pos, _("unexpected data after the JSON value"));
  return 0;
}

/* ---- writing ---- */

void dlab_json_out_init(DlabJsonOut *o) { memset(o, 0, sizeof *o); }

void dlab_json_out_free(DlabJsonOut *o) {
  free(o->data);
  memset(o, 0, sizeof *o);
}

/* Makes room for n more bytes plus the terminating NUL. */
static int reserve(DlabJsonOut *o, size_t n) {
  if (o->failed) return -1;
  if (o->len + n + 1 <= o->cap) return 0;
  size_t cap = o->cap ? o->cap : 256;
  while (cap < o->len + n + 1) {
    if (cap > SIZE_MAX / 2) {
      o->failed = 1;
      return -1;
    }
    cap *= 2;
  }
  char *p = realloc(o->data, cap);
  if (!p) {
    o->failed = 1;
    return -1;
  }
  o->data = p;
  o->cap = cap;
  return 0;
}

void dlab_json_out_raw(DlabJsonOut *o, const char *text, size_t n) {
  if (reserve(o, n) < 0) return;
  memcpy(o->data + o->len, text, n);
  o->len += n;
  o->data[o->len] = '\0';
}

void dlab_json_out_printf(DlabJsonOut *o, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = dlab_vsnprintf_c(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    o->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    dlab_json_out_raw(o, small, (size_t)n);
    return;
  }
  if (reserve(o, (size_t)n) < 0) return;
  va_start(ap, fmt);
  dlab_vsnprintf_c(o->data + o->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  o->len += (size_t)n;
}

int dlab_json_out_string(DlabJsonOut *o, const char *s) {
  size_t n = strlen(s);
  if (!dlab_utf8_valid(s, n)) return dlab_error(_("not valid UTF-8"));
  dlab_json_out_raw(o, "\"", 1);
  size_t run = 0; /* bytes copied as they are, flushed before each escape */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char hex[8];
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default:
      if (c < 0x20) {
        snprintf(hex, sizeof hex, "\\u%04x", c);
        esc = hex;
      }
    }
    if (!esc) {
      run++;
      continue;
    }
    dlab_json_out_raw(o, s + i - run, run);
    run = 0;
    dlab_json_out_raw(o, esc, strlen(esc));
  }
  dlab_json_out_raw(o, s + n - run, run);
  dlab_json_out_raw(o, "\"", 1);
  return 0;
}
