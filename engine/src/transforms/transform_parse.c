/* The text form of a transform list (transform.h), both ways. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cnum.h"
#include "dlab/error.h"
#include "dlab/transform.h"

#include "core/i18n.h"

#define MAX_ARGS 6
#define STEP_TEXT 256

typedef struct {
  const char *name;
  DlabTransformKind kind;
  const char *params[MAX_ARGS]; /* positional order; also the KEY= names */
} StepSyntax;

static const StepSyntax syntax[] = {
    {"normalize", DLAB_TF_NORMALIZE, {"mean", "std"}},
    {"rotate", DLAB_TF_ROTATE, {"degrees", "fill"}},
    {"crop", DLAB_TF_CROP, {"size", "padding", "fill"}},
    {"hflip", DLAB_TF_HFLIP, {"p"}},
    {"affine", DLAB_TF_AFFINE, {"degrees", "translate", "scale", "shear", "fill"}},
    {"elastic", DLAB_TF_ELASTIC, {"alpha", "sigma", "fill"}},
};
#define N_SYNTAX (int)(sizeof syntax / sizeof syntax[0])

static DlabTransform defaults(DlabTransformKind kind) {
  DlabTransform t;
  memset(&t, 0, sizeof t);
  t.kind = kind;
  t.scale[0] = t.scale[1] = 1.0f;
  t.p = 0.5f;
  t.alpha = 50.0f;
  t.sigma = 5.0f;
  t.norm = DLAB_NORM_DATASET;
  return t;
}

/* The values each parameter accepts, whatever the step: written once,
 * checked on the number as typed (before it becomes a float), and named
 * with the range in the message. */
typedef struct {
  const char *key;
  double lo, hi;
  int lo_open; /* (lo, hi] */
} ParamRange;

static const ParamRange param_ranges[] = {
    {"fill", 0, 255, 0},      {"degrees", 0, 180, 0}, {"size", 1, 16384, 0}, {"padding", 0, 1024, 0},
    {"p", 0, 1, 0},           {"translate", 0, 1, 0}, {"scale", 0, 10, 1},   {"shear", 0, 80, 0},
    {"alpha", 0, 1000, 0},    {"sigma", 0, 50, 0},
    /* inputs are in [0, 1]: a mean far outside, or a std that scales them
     * to nothing (normalize:0:1e300) or to infinity, trains on garbage */
    {"mean", -10, 10, 0},     {"std", 0.001, 10, 0},
};

static const ParamRange *range_of(const char *key) {
  for (size_t i = 0; i < sizeof param_ranges / sizeof param_ranges[0]; i++)
    if (strcmp(param_ranges[i].key, key) == 0) return &param_ranges[i];
  return NULL;
}

static int bad_value(const char *step, const char *key, const char *value, const char *want) {
  return dlab_error("--transform %s: %s=%s: %s", step, key, value, want);
}

/* Numbers separated by '/': at most `max`, each finite and in the range of
 * `key`; returns the count, or -1 with a message. */
static int parse_numbers(const char *step, const char *key, const char *value, float *out, int max,
                         const char *want) {
  const ParamRange *r = range_of(key);
  int n = 0;
  const char *p = value;
  for (;;) {
    char *end;
    double v = dlab_strtod_c(p, &end);
    if (end == p || n == max || (*end != '\0' && *end != '/')) return bad_value(step, key, value, want);
    if (!isfinite(v) || (r && (r->lo_open ? !(v > r->lo) : !(v >= r->lo))) || (r && !(v <= r->hi)))
      return dlab_error(_("--transform %s: %s %g is outside %c%g, %g]"), step, key, v,
                        r && r->lo_open ? '(' : '[', r ? r->lo : -FLT_MAX, r ? r->hi : FLT_MAX);
    out[n++] = (float)v;
    if (*end == '\0') return n;
    p = end + 1;
  }
}

static int one_number(const char *step, const char *key, const char *value, float *out) {
  return parse_numbers(step, key, value, out, 1, _("not a number")) < 0 ? -1 : 0;
}

static int whole_number(const char *step, const char *key, const char *value, int *out) {
  float v = 0;
  if (one_number(step, key, value, &v) < 0) return -1;
  if (v != floorf(v)) return bad_value(step, key, value, _("not a whole number"));
  *out = (int)v;
  return 0;
}

static int pair(const char *step, const char *key, const char *value, float *out) {
  int n = parse_numbers(step, key, value, out, 2, _("not a number or a pair A/B"));
  if (n < 0) return -1;
  if (n == 1) out[1] = out[0];
  return 0;
}

static int set_param(DlabTransform *t, const char *step, const char *key, const char *value) {
  if (strcmp(key, "fill") == 0) return one_number(step, key, value, &t->fill);
  if (strcmp(key, "degrees") == 0) return one_number(step, key, value, &t->degrees);
  if (strcmp(key, "size") == 0) return whole_number(step, key, value, &t->size);
  if (strcmp(key, "padding") == 0) return whole_number(step, key, value, &t->padding);
  if (strcmp(key, "p") == 0) return one_number(step, key, value, &t->p);
  if (strcmp(key, "translate") == 0) return pair(step, key, value, t->translate);
  if (strcmp(key, "scale") == 0) return pair(step, key, value, t->scale);
  if (strcmp(key, "shear") == 0) return one_number(step, key, value, &t->shear);
  if (strcmp(key, "alpha") == 0) return one_number(step, key, value, &t->alpha);
  if (strcmp(key, "sigma") == 0) return one_number(step, key, value, &t->sigma);
  float v[DLAB_MAX_CHANNELS];
  int n = parse_numbers(step, key, value, v, DLAB_MAX_CHANNELS, _("one value, or one per channel as A/B/C"));
  if (n < 0) return -1;
  if (t->norm_channels && n != t->norm_channels)
    return bad_value(step, key, value, _("as many values as the mean has"));
  t->norm = DLAB_NORM_GIVEN;
  t->norm_channels = n;
  memcpy(strcmp(key, "mean") == 0 ? t->mean : t->std, v, (size_t)n * sizeof *v);
  return 0;
}

/* What a single value's range cannot say: the parameters a step needs,
 * and the order of a pair. */
static int validate(const DlabTransform *t, const char *step, int mean_given, int std_given) {
  switch (t->kind) {
    case DLAB_TF_NORMALIZE:
      if (mean_given != std_given)
        return dlab_error(_("--transform %s: give both the mean and the std"), step);
      return 0;
    case DLAB_TF_CROP:
      if (t->size < 1) return dlab_error(_("--transform %s: give the crop size, e.g. crop:28:2"), step);
      return 0;
    case DLAB_TF_AFFINE:
      if (!(t->scale[0] <= t->scale[1]))
        return dlab_error(_("--transform %s: scale must be LO/HI with 0 < LO <= HI <= 10"), step);
      return 0;
    default: return 0;
  }
}

static const StepSyntax *find_syntax(const char *name) {
  for (int i = 0; i < N_SYNTAX; i++)
    if (strcmp(syntax[i].name, name) == 0) return &syntax[i];
  return NULL;
}

static int key_allowed(const StepSyntax *s, const char *key) {
  for (int i = 0; i < MAX_ARGS && s->params[i]; i++)
    if (strcmp(s->params[i], key) == 0) return 1;
  return 0;
}

/* normalize:computed and normalize:dataset name the source, not a value. */
static int normalize_source(DlabTransform *t, const char *arg) {
  if (strcmp(arg, "computed") == 0) t->norm = DLAB_NORM_COMPUTED;
  else if (strcmp(arg, "dataset") == 0) t->norm = DLAB_NORM_DATASET;
  else return 0;
  return 1;
}

/* One step, e.g. "crop:28:padding=2" (modified in place). */
static int parse_step(char *step, DlabTransform *out) {
  char original[STEP_TEXT];
  snprintf(original, sizeof original, "%s", step);
  char *save = NULL, *name = strtok_r(step, ":", &save);
  const StepSyntax *s = name ? find_syntax(name) : NULL;
  if (!s)
    return dlab_error(_("--transform %s: unknown transform (known: normalize, rotate, crop, hflip, "
                        "affine, elastic)"), original);
  *out = defaults(s->kind);
  int positional = 0, given[MAX_ARGS] = {0};
  for (char *arg; (arg = strtok_r(NULL, ":", &save));) {
    if (s->kind == DLAB_TF_NORMALIZE && positional == 0 && normalize_source(out, arg)) {
      positional = MAX_ARGS;
      continue;
    }
    char *eq = strchr(arg, '=');
    const char *key = NULL, *value = arg;
    if (eq) {
      *eq = '\0';
      key = arg;
      value = eq + 1;
      if (!key_allowed(s, key))
        return dlab_error(_("--transform %s: %s has no parameter `%s`"), original, s->name, key);
    } else {
      if (positional >= MAX_ARGS || !s->params[positional])
        return dlab_error(_("--transform %s: too many values for %s"), original, s->name);
      key = s->params[positional++];
    }
    for (int i = 0; i < MAX_ARGS && s->params[i]; i++)
      if (strcmp(s->params[i], key) == 0) given[i] = 1;
    if (set_param(out, original, key, value) < 0) return -1;
  }
  return validate(out, original, given[0], given[1]);
}

int dlab_transforms_parse(const char *text, DlabTransformList *out) {
  memset(out, 0, sizeof *out);
  if (!text || !*text) return 0;
  for (const char *c = text; *c; c++)
    if ((unsigned char)*c < 32 || *c == 127)
      return dlab_error(_("--transform: a control character (byte %d) in the list"), (unsigned char)*c);
  int normalizes = 0;
  for (const char *p = text;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    while (n > 0 && *p == ' ') p++, n--;
    while (n > 0 && p[n - 1] == ' ') n--;
    char step[STEP_TEXT];
    if (n == 0) return dlab_error(_("--transform %s: an empty step (a comma too many?)"), text);
    if (n >= sizeof step) return dlab_error(_("--transform: step \"%.40s...\" is too long"), p);
    memcpy(step, p, n);
    step[n] = '\0';
    if (out->n == DLAB_MAX_TRANSFORMS)
      return dlab_error(_("--transform: more than %d steps"), DLAB_MAX_TRANSFORMS);
    if (parse_step(step, &out->steps[out->n]) < 0) return -1;
    if (out->steps[out->n].kind == DLAB_TF_NORMALIZE && ++normalizes > 1)
      return dlab_error(_("--transform %s: normalize is listed twice"), text);
    out->n++;
    if (!comma) return 0;
    p = comma + 1;
  }
}

int dlab_transforms_augment(const DlabTransformList *t) {
  if (!t) return 0;
  for (int i = 0; i < t->n; i++)
    if (t->steps[i].kind != DLAB_TF_NORMALIZE) return 1;
  return 0;
}

static size_t put_values(char *buf, size_t n, const float *v, int count) {
  size_t used = 0;
  for (int i = 0; i < count && used < n; i++)
    used += (size_t)dlab_snprintf_c(buf + used, n - used, "%s%g", i ? "/" : "", (double)v[i]);
  return used;
}

static size_t describe_step(const DlabTransform *t, char *b, size_t n) {
  size_t u = 0;
  switch (t->kind) {
    case DLAB_TF_NORMALIZE:
      if (t->norm == DLAB_NORM_COMPUTED) return (size_t)snprintf(b, n, "normalize:computed");
      if (t->norm == DLAB_NORM_DATASET) return (size_t)snprintf(b, n, "normalize");
      u = (size_t)snprintf(b, n, "normalize:");
      if (u < n) u += put_values(b + u, n - u, t->mean, t->norm_channels);
      if (u < n) u += (size_t)snprintf(b + u, n - u, ":");
      if (u < n) u += put_values(b + u, n - u, t->std, t->norm_channels);
      return u;
    case DLAB_TF_ROTATE:
      return (size_t)dlab_snprintf_c(b, n, "rotate:%g:%g", (double)t->degrees, (double)t->fill);
    case DLAB_TF_CROP:
      return (size_t)dlab_snprintf_c(b, n, "crop:%d:%d:%g", t->size, t->padding, (double)t->fill);
    case DLAB_TF_HFLIP: return (size_t)dlab_snprintf_c(b, n, "hflip:%g", (double)t->p);
    case DLAB_TF_AFFINE:
      return (size_t)dlab_snprintf_c(b, n, "affine:%g:%g/%g:%g/%g:%g:%g", (double)t->degrees,
                                     (double)t->translate[0], (double)t->translate[1],
                                     (double)t->scale[0], (double)t->scale[1], (double)t->shear,
                                     (double)t->fill);
    case DLAB_TF_ELASTIC:
      return (size_t)dlab_snprintf_c(b, n, "elastic:%g:%g:%g", (double)t->alpha, (double)t->sigma,
                                     (double)t->fill);
  }
  return 0;
}

const char *dlab_transforms_describe(const DlabTransformList *t, char *buf, size_t n) {
  size_t used = 0;
  if (n) buf[0] = '\0';
  for (int i = 0; t && i < t->n && used + 1 < n; i++) {
    if (i) buf[used++] = ',', buf[used] = '\0';
    used += describe_step(&t->steps[i], buf + used, n - used);
  }
  if (!t || t->n == 0) snprintf(buf, n, "none");
  return buf;
}
