#include "options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 31 || lb > 31) return 99;
  int d[32][32];
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

static CliOption *find(CliOption *opts, int n, const char *name, size_t len) {
  for (int i = 0; i < n; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) return &opts[i];
  return NULL;
}

static int unknown(const char *cmd, const char *arg, const CliOption *opts, int n) {
  const char *best = NULL;
  int best_d = 4;
  char name[64];
  snprintf(name, sizeof name, "%s", arg + 2);
  char *eq = strchr(name, '=');
  if (eq) *eq = '\0';
  for (int i = 0; i < n; i++) {
    int d = distance(name, opts[i].name);
    if (d < best_d) best_d = d, best = opts[i].name;
  }
  if (best)
    fprintf(stderr, "dlab %s: unknown option %s (did you mean --%s?)\n", cmd, arg, best);
  else
    fprintf(stderr, "dlab %s: unknown option %s (see dlab %s --help)\n", cmd, arg, cmd);
  return -1;
}

static int set_value(const char *cmd, CliOption *o, const char *text) {
  char *end;
  switch (o->kind) {
    case OPT_STRING: *(const char **)o->value = text; return 0;
    case OPT_INT: {
      long v = strtol(text, &end, 10);
      if (end == text || *end || v < -2147483647L || v > 2147483647L) break;
      *(int *)o->value = (int)v;
      return 0;
    }
    case OPT_FLOAT: {
      double v = strtod(text, &end);
      if (end == text || *end || !isfinite(v)) break;
      *(float *)o->value = (float)v;
      return 0;
    }
    case OPT_FLAG: *(int *)o->value = 1; return 0;
  }
  fprintf(stderr, "dlab %s: --%s %s: not a valid %s\n", cmd, o->name, text,
          o->kind == OPT_INT ? "whole number" : "number");
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
        fprintf(stderr, "dlab %s: unexpected argument `%s`\n", cmd, a);
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
        fprintf(stderr, "dlab %s: --%s takes no value\n", cmd, o->name);
        return -1;
      }
      *(int *)o->value = 1;
      continue;
    }
    const char *text = eq ? eq + 1 : NULL;
    if (!text) {
      if (i + 1 >= argc) {
        fprintf(stderr, "dlab %s: --%s needs a value\n", cmd, o->name);
        return -1;
      }
      text = argv[++i];
    }
    if (set_value(cmd, o, text) < 0) return -1;
  }
  return 0;
}

void cli_print_options(const CliOption *opts, int n_opts) {
  for (int i = 0; i < n_opts; i++) {
    char left[48];
    snprintf(left, sizeof left, "--%s%s", opts[i].name,
             opts[i].kind == OPT_FLAG ? "" : opts[i].kind == OPT_STRING ? " TEXT" : " N");
    printf("  %-24s %s\n", left, opts[i].help);
  }
}

int cli_given(const CliOption *opts, int n_opts, const char *name) {
  for (int i = 0; i < n_opts; i++)
    if (strcmp(opts[i].name, name) == 0) return opts[i].seen;
  return 0;
}
