/* Learning-rate schedules, as functions of the global step (see schedule.h).
 * Being pure functions of the step, they resume exactly: a run restarted at
 * step k sees the learning rate the uninterrupted run would have seen. */
#include "dlab/schedule.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"

DlabScheduleConfig dlab_schedule_defaults(DlabScheduleKind kind) {
  /* step: StepLR(step_size=1, gamma=0.7), the PyTorch MNIST example's. */
  return (DlabScheduleConfig){
      .kind = kind,
      .step_size = 1,
      .gamma = 0.7f,
      .eta_min = 0.0f,
      .pct_start = 0.3f,
      .div_factor = 25.0f,
      .final_div = 1e4f,
      .warmup_steps = 0,
      .warmup_start = 1.0f / 3.0f, /* LinearLR's default start factor */
  };
}

/* Reads the number at *p (up to ':' or ','); -1 if it is not one. */
static int read_number(const char **p, double *out) {
  char *end;
  *out = dlab_strtod_c(*p, &end);
  if (end == *p || (*end != '\0' && *end != ':' && *end != ',')) return -1;
  *p = end;
  return 0;
}

/* The optional ":A[:B]" after a schedule's name; returns how many were read,
 * or -1. */
static int read_arguments(const char **p, double *args, int max) {
  int n = 0;
  while (**p == ':') {
    if (n == max) return -1;
    (*p)++;
    if (read_number(p, &args[n++]) < 0) return -1;
  }
  return n;
}

static int check_config(const char *text, const DlabScheduleConfig *c) {
  if (c->step_size < 1) return dlab_error(_("schedule `%s`: the step size must be >= 1 epoch"), text);
  if (!(c->gamma > 0)) return dlab_error(_("schedule `%s`: gamma must be > 0"), text);
  if (!(c->eta_min >= 0)) return dlab_error(_("schedule `%s`: the minimum learning rate must be >= 0"), text);
  if (!(c->pct_start > 0 && c->pct_start < 1))
    return dlab_error(_("schedule `%s`: the rising share must be in (0, 1)"), text);
  if (c->warmup_steps < 0) return dlab_error(_("schedule `%s`: warm-up steps must be >= 0"), text);
  return 0;
}

int dlab_schedule_parse(const char *text, DlabScheduleConfig *cfg) {
  static const struct {
    const char *name;
    DlabScheduleKind kind;
    int max_args;
  } names[] = {{"constant", DLAB_SCHEDULE_CONSTANT, 0},
               {"step", DLAB_SCHEDULE_STEP, 2},
               {"stepstart", DLAB_SCHEDULE_STEP_AT_START, 2},
               {"cosine", DLAB_SCHEDULE_COSINE, 1},
               {"onecycle", DLAB_SCHEDULE_ONECYCLE, 1}};
  const char *p = text;
  int found = -1;
  const int n_names = (int)(sizeof names / sizeof names[0]);
  for (int i = 0; i < n_names && found < 0; i++) {
    size_t len = strlen(names[i].name);
    if (strncmp(p, names[i].name, len) == 0 && strchr(":,", p[len])) found = i;
  }
  if (found < 0)
    return dlab_error(_("schedule `%s`: unknown (choose constant, step[:EPOCHS[:GAMMA]], "
                        "stepstart[:EPOCHS[:GAMMA]], cosine[:ETA_MIN] or onecycle[:PCT_START], optionally "
                        ",warmup:STEPS)"),
                      text);
  *cfg = dlab_schedule_defaults(names[found].kind);
  p += strlen(names[found].name);
  double args[2];
  int n = read_arguments(&p, args, names[found].max_args);
  if (n < 0) return dlab_error(_("schedule `%s`: bad or too many arguments after `%s`"), text, names[found].name);
  if (cfg->kind == DLAB_SCHEDULE_STEP || cfg->kind == DLAB_SCHEDULE_STEP_AT_START) {
    if (n > 0) {
      if (args[0] != floor(args[0])) return dlab_error(_("schedule `%s`: the step size must be whole epochs"), text);
      cfg->step_size = (int)args[0];
    }
    if (n > 1) cfg->gamma = (float)args[1];
  } else if (cfg->kind == DLAB_SCHEDULE_COSINE && n > 0) {
    cfg->eta_min = (float)args[0];
  } else if (cfg->kind == DLAB_SCHEDULE_ONECYCLE && n > 0) {
    cfg->pct_start = (float)args[0];
  }
  if (*p == ',') {
    double steps;
    p++;
    if (strncmp(p, "warmup:", 7) != 0) return dlab_error(_("schedule `%s`: expected `,warmup:STEPS`"), text);
    p += 7;
    if (read_number(&p, &steps) < 0 || *p != '\0' || steps != floor(steps))
      return dlab_error(_("schedule `%s`: warm-up needs a whole number of steps"), text);
    cfg->warmup_steps = (long)steps;
  }
  if (*p != '\0') return dlab_error(_("schedule `%s`: unexpected `%s`"), text, p);
  return check_config(text, cfg);
}

/* Cosine interpolation from `from` (pct 0) to `to` (pct 1). */
static double cosine_between(double from, double to, double pct) {
  return to + (from - to) * 0.5 * (1.0 + cos(M_PI * pct));
}

/* OneCycleLR, two phases with cosine annealing: initial -> max over the first
 * pct_start of the steps, then max -> min over the rest. */
static double one_cycle(const DlabScheduleConfig *c, double max_lr, long step, long total) {
  const double initial = max_lr / c->div_factor, min_lr = initial / c->final_div;
  const double end_rise = (double)c->pct_start * total - 1, end_all = (double)total - 1;
  if (step <= end_rise) return cosine_between(initial, max_lr, end_rise > 0 ? step / end_rise : 1.0);
  double span = end_all - end_rise;
  return cosine_between(max_lr, min_lr, span > 0 ? (step - end_rise) / span : 1.0);
}

static long epoch_of(long step, long per_epoch) { return step / (per_epoch > 0 ? per_epoch : 1); }

static double scheduled(const DlabScheduleConfig *c, double lr, long step, long per_epoch, long total) {
  switch (c->kind) {
  case DLAB_SCHEDULE_STEP:
    return lr * pow(c->gamma, (double)(epoch_of(step, per_epoch) / c->step_size));
  case DLAB_SCHEDULE_STEP_AT_START:
    return lr * pow(c->gamma, (double)(epoch_of(step, per_epoch) / c->step_size + 1));
  case DLAB_SCHEDULE_COSINE:
    return total > 0 ? cosine_between(lr, c->eta_min, fmin((double)step / total, 1.0)) : lr;
  case DLAB_SCHEDULE_ONECYCLE:
    return one_cycle(c, lr, step, total);
  case DLAB_SCHEDULE_CONSTANT:
  default:
    return lr;
  }
}

float dlab_schedule_lr(const DlabScheduleConfig *cfg, float base_lr, long step, long steps_per_epoch,
                       long total_steps) {
  double lr = scheduled(cfg, base_lr, step, steps_per_epoch, total_steps);
  if (step < cfg->warmup_steps) {
    double t = (double)step / (double)cfg->warmup_steps;
    lr *= cfg->warmup_start + (1.0 - cfg->warmup_start) * t;
  }
  return (float)lr;
}
