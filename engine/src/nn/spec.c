/* The model spec language (grammar in spec.h): parsing into layers and
 * formatting back into canonical text. */
#include "nn/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numtext.h"
#include "dlab/closest.h"
#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define MAX_KEYS 3
#define MAX_TOKENS 16
#define MAX_LAYERS 256

/* What an argument may hold: a whole number in [1, 1e6] or in [0, 1e6],
 * 0 or 1, a probability in [0, 1), a number > 0, or any number. */
typedef enum { ARG_COUNT, ARG_WHOLE, ARG_FLAG, ARG_PROB, ARG_POSITIVE, ARG_ANY } ArgKind;

typedef struct {
  const char *name; /* for messages and keyed args */
  int slot;         /* index into DlabLayer.args */
  ArgKind kind;
  float fallback;   /* default when absent */
} ArgDesc;

typedef struct {
  const char *keyword;
  const DlabLayerOps *ops;
  int n_required;          /* positional args that must be present */
  int n_positional;        /* positional args accepted */
  ArgDesc positional[2];
  ArgDesc keyed[MAX_KEYS];
  int n_keyed;
} KeywordDesc;

/* Pooling stride defaults to the kernel size; -1 marks "not given". */
#define STRIDE_FROM_KERNEL -1.0f

static const KeywordDesc keywords[] = {
    {"linear", &dlab_linear_ops, 1, 1, {{"OUT", 0, ARG_COUNT, 0}}, {{"bias", 1, ARG_FLAG, 1}}, 1},
    {"conv", &dlab_conv2d_ops, 2, 2,
     {{"OUT", 0, ARG_COUNT, 0}, {"K", 1, ARG_COUNT, 0}},
     {{"stride", 2, ARG_COUNT, 1}, {"pad", 3, ARG_WHOLE, 0}, {"bias", 4, ARG_FLAG, 1}}, 3},
    {"maxpool", &dlab_maxpool2d_ops, 1, 1, {{"K", 0, ARG_COUNT, 0}},
     {{"stride", 1, ARG_COUNT, STRIDE_FROM_KERNEL}, {"pad", 2, ARG_WHOLE, 0}}, 2},
    {"avgpool", &dlab_avgpool2d_ops, 1, 1, {{"K", 0, ARG_COUNT, 0}},
     {{"stride", 1, ARG_COUNT, STRIDE_FROM_KERNEL}, {"pad", 2, ARG_WHOLE, 0}}, 2},
    {"relu", &dlab_relu_ops, 0, 0, {{0}}, {{0}}, 0},
    {"lrelu", &dlab_leaky_relu_ops, 0, 1, {{"SLOPE", 0, ARG_ANY, 0.01f}}, {{0}}, 0},
    {"gelu", &dlab_gelu_ops, 0, 0, {{0}}, {{0}}, 0},
    {"sigmoid", &dlab_sigmoid_ops, 0, 0, {{0}}, {{0}}, 0},
    {"tanh", &dlab_tanh_ops, 0, 0, {{0}}, {{0}}, 0},
    {"bn1d", &dlab_batchnorm1d_ops, 0, 0, {{0}},
     {{"eps", 0, ARG_POSITIVE, 1e-5f}, {"momentum", 1, ARG_PROB, 0.1f}}, 2},
    {"bn2d", &dlab_batchnorm2d_ops, 0, 0, {{0}},
     {{"eps", 0, ARG_POSITIVE, 1e-5f}, {"momentum", 1, ARG_PROB, 0.1f}}, 2},
    {"dropout", &dlab_dropout_ops, 0, 1, {{"P", 0, ARG_PROB, 0.5f}}, {{0}}, 0},
    {"flatten", &dlab_flatten_ops, 0, 0, {{0}}, {{0}}, 0},
};
#define N_KEYWORDS (int)(sizeof keywords / sizeof keywords[0])

static const KeywordDesc *find_keyword(const char *word) {
  for (int i = 0; i < N_KEYWORDS; i++)
    if (strcmp(keywords[i].keyword, word) == 0) return &keywords[i];
  return NULL;
}

static const KeywordDesc *find_by_ops(const DlabLayerOps *ops) {
  for (int i = 0; i < N_KEYWORDS; i++)
    if (keywords[i].ops == ops) return &keywords[i];
  return NULL;
}

static int unknown_keyword(const char *word, const char *segment) {
  const char *best = dlab_closest_name(word, keywords, N_KEYWORDS, sizeof keywords[0], 3);
  if (best)
    return dlab_error(_("spec: unknown layer `%s` in `%s` (did you mean `%s`?)"), word, segment, best);
  return dlab_error(_("spec: unknown layer `%s` in `%s` (known: linear conv maxpool avgpool relu "
                      "lrelu gelu sigmoid tanh bn1d bn2d dropout flatten)"),
                    word, segment);
}

/* Whether v is acceptable for an argument of kind `kind`. */
static int in_range(ArgKind kind, double v) {
  switch (kind) {
    case ARG_COUNT: return v >= 1 && v == floor(v) && v <= 1e6;
    case ARG_FLAG: return v == 0 || v == 1;
    case ARG_PROB: return v >= 0 && v < 1;
    case ARG_POSITIVE: return v > 0;
    case ARG_WHOLE: return v >= 0 && v == floor(v) && v <= 1e6;
    case ARG_ANY: break;
  }
  return 1;
}

static const char *range_text(ArgKind kind) {
  switch (kind) {
    case ARG_COUNT: return _("a whole number in [1, 1000000]");
    case ARG_FLAG: return _("0 or 1");
    case ARG_PROB: return _("in [0, 1)");
    case ARG_POSITIVE: return "> 0";
    case ARG_WHOLE: return _("a whole number in [0, 1000000]");
    case ARG_ANY: break;
  }
  return _("a number");
}

/* The argument is stored as a float and written back into checkpoints: the
 * range is checked on the value as typed and again on the float it
 * becomes, so that what is accepted is what the stored text says
 * (`dropout 0.99999999` would become `dropout 1`). */
static int parse_value(const ArgDesc *a, const char *tok, const char *segment, float *out) {
  char *end;
  double v = dlab_strtod_c(tok, &end);
  if (end == tok || *end != '\0' || !isfinite(v))
    return dlab_error(_("spec: `%s`: %s `%s` is not a number"), segment, a->name, tok);
  if (!in_range(a->kind, v))
    return dlab_error(_("spec: `%s`: %s must be %s, not `%s`"), segment, a->name, range_text(a->kind), tok);
  float f = (float)v;
  if (!isfinite(f))
    return dlab_error(_("spec: `%s`: %s `%s` is too large for a single-precision float"), segment, a->name, tok);
  if (!in_range(a->kind, f))
    return dlab_error(_("spec: `%s`: %s must be %s, not `%s` (it rounds to %.9g in single precision)"), segment,
                      a->name, range_text(a->kind), tok, (double)f);
  *out = f;
  return 0;
}

/* Splits s (modified in place) on whitespace. */
static int tokenize(char *s, char **tok, int max) {
  int n = 0;
  for (char *p = strtok(s, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
    if (n == max) return -1;
    tok[n++] = p;
  }
  return n;
}

/* Layer names are state_dict prefixes: "<name>.num_batches_tracked" must
 * fit in DlabParam.name. */
#define MAX_NAME_LEN 40

static int valid_name(const char *s) {
  if (!*s || strlen(s) > MAX_NAME_LEN) return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.') return 0;
  return 1;
}

static int is_key(const KeywordDesc *kw, const char *tok) {
  for (int i = 0; i < kw->n_keyed; i++)
    if (strcmp(kw->keyed[i].name, tok) == 0) return 1;
  return 0;
}

/* Builds one layer from a segment such as "conv1: conv 6 5 pad 2". */
static DlabLayer *parse_segment(const char *segment, int index) {
  /* "name:" may touch the keyword ("fc1:linear 10"): give it room. */
  char spaced[1024];
  size_t j = 0;
  for (size_t i = 0; segment[i] && j < sizeof spaced - 2; i++) {
    spaced[j++] = segment[i];
    if (segment[i] == ':') spaced[j++] = ' ';
  }
  spaced[j] = '\0';
  char *tok[MAX_TOKENS];
  int n = tokenize(spaced, tok, MAX_TOKENS);
  if (n < 0) {
    dlab_error(_("spec: `%s`: too many arguments"), segment);
    return NULL;
  }
  if (n == 0) {
    dlab_error(_("spec: layer %d is empty (two `|` in a row?)"), index + 1);
    return NULL;
  }
  const char *name = NULL;
  size_t first_len = strlen(tok[0]);
  if (tok[0][first_len - 1] == ':') {
    tok[0][first_len - 1] = '\0';
    if (!valid_name(tok[0])) {
      dlab_error(_("spec: `%s`: layer name `%s` must be 1 to %d letters, digits, `_` or `.`"), segment, tok[0],
                 MAX_NAME_LEN);
      return NULL;
    }
    name = tok[0];
    memmove(tok, tok + 1, (size_t)--n * sizeof *tok);
    if (n == 0) {
      dlab_error(_("spec: `%s`: a name but no layer"), segment);
      return NULL;
    }
  }
  const KeywordDesc *kw = find_keyword(tok[0]);
  if (!kw) {
    unknown_keyword(tok[0], segment);
    return NULL;
  }
  DlabLayer *l = calloc(1, sizeof *l);
  if (!l) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  l->ops = kw->ops;
  if (name)
    snprintf(l->name, sizeof l->name, "%s", name);
  else
    snprintf(l->name, sizeof l->name, "%d", index);
  for (int i = 0; i < kw->n_positional; i++) l->args[kw->positional[i].slot] = kw->positional[i].fallback;
  for (int i = 0; i < kw->n_keyed; i++) l->args[kw->keyed[i].slot] = kw->keyed[i].fallback;

  int t = 1, pos = 0;
  while (t < n && pos < kw->n_positional && (isdigit((unsigned char)tok[t][0]) || (tok[t][0] && strchr("+-.", tok[t][0])))) {
    if (parse_value(&kw->positional[pos], tok[t], segment, &l->args[kw->positional[pos].slot]) < 0)
      goto fail;
    pos++, t++;
  }
  if (pos < kw->n_required && t < n && !is_key(kw, tok[t])) {
    /* `conv 6 x`: a word where a number belongs. parse_value says why; a
     * word it would take (none should reach here) still gets a message. */
    if (parse_value(&kw->positional[pos], tok[t], segment, &l->args[0]) == 0)
      dlab_error(_("spec: `%s`: %s `%s` is not a number"), segment, kw->positional[pos].name, tok[t]);
    goto fail;
  }
  if (pos < kw->n_required) {
    if (kw->n_required > 1)
      dlab_error(_("spec: `%s`: %s needs %s and %s"), segment, kw->keyword, kw->positional[0].name,
                 kw->positional[1].name);
    else
      dlab_error(_("spec: `%s`: %s needs %s"), segment, kw->keyword, kw->positional[0].name);
    goto fail;
  }
  while (t < n) {
    const ArgDesc *a = NULL;
    for (int i = 0; i < kw->n_keyed; i++)
      if (strcmp(kw->keyed[i].name, tok[t]) == 0) a = &kw->keyed[i];
    if (!a) {
      dlab_error(_("spec: `%s`: unexpected `%s` for %s"), segment, tok[t], kw->keyword);
      goto fail;
    }
    if (t + 1 >= n) {
      dlab_error(_("spec: `%s`: `%s` needs a value"), segment, tok[t]);
      goto fail;
    }
    if (parse_value(a, tok[t + 1], segment, &l->args[a->slot]) < 0) goto fail;
    t += 2;
  }
  for (int i = 0; i < kw->n_keyed; i++)
    if (l->args[kw->keyed[i].slot] == STRIDE_FROM_KERNEL) l->args[kw->keyed[i].slot] = l->args[0];
  return l;
fail:
  free(l);
  return NULL;
}

int dlab_spec_parse(const char *spec, DlabLayer ***layers_out, int *n_out) {
  DlabLayer **layers = calloc(MAX_LAYERS, sizeof *layers);
  if (!layers) return dlab_error(_("out of memory"));
  int n = 0;
  const char *p = spec;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    char segment[512];
    if (len >= sizeof segment) {
      dlab_error(_("spec: layer %d is too long"), n + 1);
      goto fail;
    }
    memcpy(segment, p, len);
    segment[len] = '\0';
    /* trim for messages */
    char *s = segment;
    while (isspace((unsigned char)*s)) s++;
    for (char *e = s + strlen(s); e > s && isspace((unsigned char)e[-1]);) *--e = '\0';
    if (n == MAX_LAYERS) {
      dlab_error(_("spec: more than %d layers"), MAX_LAYERS);
      goto fail;
    }
    if (!*s && !bar && n == 0) {
      dlab_error(_("spec: empty"));
      goto fail;
    }
    DlabLayer *l = parse_segment(s, n);
    if (!l) goto fail;
    for (int i = 0; i < n; i++)
      if (strcmp(layers[i]->name, l->name) == 0) {
        dlab_error(_("spec: two layers are named `%s`"), l->name);
        free(l);
        goto fail;
      }
    layers[n++] = l;
    if (!bar) break;
    p = bar + 1;
  }
  *layers_out = layers;
  *n_out = n;
  return 0;
fail:
  for (int i = 0; i < n; i++) free(layers[i]);
  free(layers);
  return -1;
}

static void append(char **buf, size_t *len, size_t *cap, const char *text) {
  size_t t = strlen(text);
  if (*len + t + 1 > *cap) {
    size_t cap2 = (*cap + t + 1) * 2;
    char *b = realloc(*buf, cap2);
    if (!b) return;
    *buf = b;
    *cap = cap2;
  }
  memcpy(*buf + *len, text, t + 1);
  *len += t;
}

/* The shortest text that parses back (as parse_value does) to the same
 * float: whole numbers as they are, others with 6 to 9 significant digits
 * (9 always suffice for a float). */
char *dlab_spec_format(DlabLayer *const *layers, int n_layers) {
  size_t len = 0, cap = 256;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  buf[0] = '\0';
  for (int i = 0; i < n_layers; i++) {
    const DlabLayer *l = layers[i];
    const KeywordDesc *kw = find_by_ops(l->ops);
    char num[DLAB_NUMTEXT_SIZE], index[16];
    if (i) append(&buf, &len, &cap, " | ");
    snprintf(index, sizeof index, "%d", i);
    if (strcmp(l->name, index) != 0) {
      append(&buf, &len, &cap, l->name);
      append(&buf, &len, &cap, ": ");
    }
    append(&buf, &len, &cap, kw->keyword);
    for (int a = 0; a < kw->n_positional; a++) {
      float v = l->args[kw->positional[a].slot];
      /* Optional positional args are only written when they differ. */
      if (a >= kw->n_required && v == kw->positional[a].fallback) continue;
      dlab_format_float(v, num);
      append(&buf, &len, &cap, " ");
      append(&buf, &len, &cap, num);
    }
    for (int a = 0; a < kw->n_keyed; a++) {
      float v = l->args[kw->keyed[a].slot], def = kw->keyed[a].fallback;
      if (def == STRIDE_FROM_KERNEL) def = l->args[0];
      if (v == def) continue;
      dlab_format_float(v, num);
      append(&buf, &len, &cap, " ");
      append(&buf, &len, &cap, kw->keyed[a].name);
      append(&buf, &len, &cap, " ");
      append(&buf, &len, &cap, num);
    }
  }
  return buf;
}
