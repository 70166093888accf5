#include "options.h"

#include "cli_i18n.h"
#include "dlab/closest.h"
#include "dlab/cnum.h"
#include "dlab/run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CliOption *find(CliOption *opts, int n, const char *name, size_t len) {
  for (int i = 0; i < n; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) return &opts[i];
  return NULL;
}

static int unknown(const char *cmd, const char *arg, const CliOption *opts, int n) {
  char name[64];
  snprintf(name, sizeof name, "%s", arg + 2);
  char *eq = strchr(name, '=');
  if (eq) *eq = '\0';
  const char *best = dlab_closest_name(name, opts, n, sizeof opts[0], 4);
  if (best)
    fprintf(stderr, _("dlab %s: unknown option %s (did you mean --%s?)\n"), cmd, arg, best);
  else
    fprintf(stderr, _("dlab %s: unknown option %s (see dlab %s --help)\n"), cmd, arg, cmd);
  return -1;
}

/* The values every numeric option of every dlab command accepts, by
 * name: an option means the same in each command, so its range is written
 * here once. The GUI's spin buttons (ui/dlab-train-page.ui) stay inside
 * these. */
typedef struct {
  const char *name;
  double lo, hi;
  int lo_open, hi_open; /* (lo, ...] and [..., hi) */
} CliRange;

/* The options of a run (dlab train's, which eval and data share: threads,
 * batch-size, channels, val-split, split-seed) have their ranges in the
 * engine's table (dlab/run.h); these are the other commands' own. */
static const CliRange ranges[] = {
    /* dlab data grid */
    {"count", 1, 100000, 0, 0},
    {"columns", 1, 1000, 0, 0},
    {"scale", 1, 64, 0, 0},
    {"padding", 0, 256, 0, 0},
    {"first", 0, INT_MAX, 0, 0},
    {"random", 0, INT_MAX, 0, 0}, /* 0: the first samples, in order */
    /* dlab inside (the model's class count is checked once it is loaded) */
    {"class", 0, INT_MAX, 0, 0},
    /* dlab fetch */
    {"retries", 0, 100, 0, 0},
    {"max-mb", 1, 1048576, 0, 0},
};

static const CliRange *find_range(const char *name) {
  static _Thread_local CliRange from_run;
  const DlabRunOption *run = dlab_run_option_find(name);
  if (run && (run->kind == DLAB_RUN_OPT_INT || run->kind == DLAB_RUN_OPT_FLOAT)) {
    from_run = (CliRange){run->name, run->lo, run->hi, run->lo_open, run->hi_open};
    return &from_run;
  }
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
    if (strcmp(ranges[i].name, name) == 0) return &ranges[i];
  return NULL;
}

static void format_range(const CliRange *r, char *buf, size_t n) {
  dlab_snprintf_c(buf, n, "%c%.10g, %.10g%c", r->lo_open ? '(' : '[', r->lo, r->hi, r->hi_open ? ')' : ']');
}

int cli_option_range(const char *name, char *buf, size_t n) {
  const CliRange *r = find_range(name);
  if (!r) return -1;
  format_range(r, buf, n);
  return 0;
}

static int in_range(const CliRange *r, double v) {
  return (r->lo_open ? v > r->lo : v >= r->lo) && (r->hi_open ? v < r->hi : v <= r->hi);
}

static int set_value(const char *cmd, CliOption *o, const char *text) {
  char *end, range[64];
  double v = 0;
  if (o->kind == OPT_STRING || o->kind == OPT_FLAG) {
    if (o->kind == OPT_STRING) *(const char **)o->value = text;
    else *(int *)o->value = 1;
    return 0;
  }
  if (o->kind == OPT_STRINGS) {
    CliStrings *list = o->value;
    if (list->n >= list->max) {
      fprintf(stderr, _("dlab %s: --%s is given more than %d times\n"), cmd, o->name, list->max);
      return -1;
    }
    list->items[list->n++] = text;
    return 0;
  }
  const CliRange *r = find_range(o->name);
  if (!r) {
    fprintf(stderr, "dlab %s: --%s has no accepted range (a bug: add it to options.c)\n", cmd, o->name);
    return -1;
  }
  if (o->kind == OPT_INT) {
    errno = 0;
    long long whole = strtoll(text, &end, 10);
    if (end == text || *end || errno == ERANGE) goto not_a_number;
    v = (double)whole;
  } else {
    v = dlab_strtod_c(text, &end);
    if (end == text || *end) goto not_a_number;
  }
  /* strtod turns 1e400 into inf and `inf` is a number to it: neither is in
   * any range, and the range check keeps a float's conversion defined. */
  if (!isfinite(v) || !in_range(r, v)) {
    format_range(r, range, sizeof range);
    if (o->kind == OPT_INT)
      fprintf(stderr, _("dlab %s: --%s %s: must be a whole number in %s\n"), cmd, o->name, text, range);
    else
      fprintf(stderr, _("dlab %s: --%s %s: must be in %s\n"), cmd, o->name, text, range);
    return -1;
  }
  if (o->kind == OPT_INT) *(int *)o->value = (int)v;
  else *(float *)o->value = (float)v;
  return 0;
not_a_number:
  if (o->kind == OPT_INT)
    fprintf(stderr, _("dlab %s: --%s %s: not a valid whole number\n"), cmd, o->name, text);
  else
    fprintf(stderr, _("dlab %s: --%s %s: not a valid number\n"), cmd, o->name, text);
  return -1;
}

int cli_parse(const char *cmd, int argc, char **argv, int first, CliOption *opts, int n_opts,
              const char **positional, int max_positional, int *n_positional) {
  *n_positional = 0;
  int only_positional = 0;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (only_positional || a[0] != '-' || a[1] != '-' || a[2] == '\0') {
      if (!only_positional && strcmp(a, "--") == 0) {
        only_positional = 1;
        continue;
      }
      if (*n_positional >= max_positional) {
        fprintf(stderr, _("dlab %s: unexpected argument `%s`\n"), cmd, a);
        return -1;
      }
      positional[(*n_positional)++] = a;
      continue;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    CliOption *o = find(opts, n_opts, name, eq ? (size_t)(eq - name) : strlen(name));
    if (!o) return unknown(cmd, a, opts, n_opts);
    o->seen = 1;
    if (o->kind == OPT_FLAG) {
      if (eq) {
        fprintf(stderr, _("dlab %s: --%s takes no value\n"), cmd, o->name);
        return -1;
      }
      *(int *)o->value = 1;
      continue;
    }
    const char *text = eq ? eq + 1 : NULL;
    if (!text) {
      if (i + 1 >= argc) {
        fprintf(stderr, _("dlab %s: --%s needs a value\n"), cmd, o->name);
        return -1;
      }
      text = argv[++i];
    }
    if (set_value(cmd, o, text) < 0) return -1;
  }
  return 0;
}

void cli_print_option(const char *name, OptKind kind, const char *help) {
  char left[48], range[64] = "";
  const char *value = kind == OPT_FLAG ? "" : kind == OPT_STRING || kind == OPT_STRINGS ? " TEXT" : " N";
  snprintf(left, sizeof left, "--%s%s", name, value);
  if (kind == OPT_INT || kind == OPT_FLOAT) {
    range[0] = ' ';
    if (cli_option_range(name, range + 1, sizeof range - 1) < 0) range[0] = '\0';
  }
  printf("  %-24s %s%s\n", left, _(help), range);
}

void cli_print_options(const CliOption *opts, int n_opts) {
  for (int i = 0; i < n_opts; i++) cli_print_option(opts[i].name, opts[i].kind, opts[i].help);
}

int cli_given(const CliOption *opts, int n_opts, const char *name) {
  for (int i = 0; i < n_opts; i++)
    if (strcmp(opts[i].name, name) == 0) return opts[i].seen;
  return 0;
}
