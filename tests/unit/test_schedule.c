/* Learning-rate schedules (schedule.h): parsing of the schedule texts, and
 * dlab_schedule_lr against the formulas the header documents, evaluated in
 * double here, and against values PyTorch's schedulers produced.
 *
 * The PyTorch values were computed once with /usr/bin/python3 (torch
 * 1.13), reading optimizer.param_groups[0]['lr'] before each
 * scheduler.step() of an SGD optimizer over one parameter:
 *
 *   run(lambda o: OneCycleLR(o, max_lr=0.1, total_steps=100), 100)
 *   run(lambda o: OneCycleLR(o, max_lr=0.02, total_steps=37, pct_start=0.25,
 *                            div_factor=10, final_div_factor=100), 37)
 *   run(lambda o: CosineAnnealingLR(o, T_max=50, eta_min=0.001), 51)      lr 0.1
 *   run(lambda o: CosineAnnealingLR(o, T_max=200), 201, base=0.05)
 *   run(lambda o: StepLR(o, step_size=3, gamma=0.5), 9)                  per epoch
 *   run(lambda o: LinearLR(o, start_factor=1/3, total_iters=10), 15)     lr 0.1
 *   run(lambda o: ChainedScheduler([LinearLR(o, start_factor=1/3, total_iters=10),
 *                                   CosineAnnealingLR(o, T_max=50)]), 50)  lr 0.1
 *
 * The warm-up is thus LinearLR (start factor warmup_start, default 1/3 as
 * LinearLR's) multiplied onto the schedule, which is how ChainedScheduler
 * composes the two. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/schedule.h"
#include "test_util.h"

typedef struct {
  long step;
  double lr;
} Point;

/* Relative error of a float learning rate against a double one. */
static double rel(float got, double want) { return fabs(got - want) / fmax(fabs(want), 1e-12); }

/* ---- parsing ---- */

static void check_parse_good(void) {
  DlabScheduleConfig c;
  const DlabScheduleConfig d = dlab_schedule_defaults(DLAB_SCHEDULE_ONECYCLE);
  tap_ok(d.pct_start == 0.3f && d.div_factor == 25.0f && d.final_div == 1e4f && d.warmup_steps == 0,
         "defaults: OneCycleLR's pct_start 0.3, div_factor 25, final_div_factor 1e4; no warm-up");

  tap_ok(dlab_schedule_parse("constant", &c) == 0 && c.kind == DLAB_SCHEDULE_CONSTANT && c.warmup_steps == 0,
         "`constant`");
  tap_ok(dlab_schedule_parse("step", &c) == 0 && c.kind == DLAB_SCHEDULE_STEP, "`step`");
  tap_ok(dlab_schedule_parse("step:5", &c) == 0 && c.kind == DLAB_SCHEDULE_STEP && c.step_size == 5,
         "`step:5`: step size 5");
  tap_ok(dlab_schedule_parse("step:5:0.5", &c) == 0 && c.step_size == 5 && c.gamma == 0.5f,
         "`step:5:0.5`: step size 5, gamma 0.5");
  tap_ok(dlab_schedule_parse("cosine", &c) == 0 && c.kind == DLAB_SCHEDULE_COSINE && c.eta_min == 0,
         "`cosine`: eta_min 0");
  tap_ok(dlab_schedule_parse("cosine:0.001", &c) == 0 && c.kind == DLAB_SCHEDULE_COSINE && c.eta_min == 0.001f,
         "`cosine:0.001`: eta_min 0.001");
  tap_ok(dlab_schedule_parse("onecycle", &c) == 0 && c.kind == DLAB_SCHEDULE_ONECYCLE && c.pct_start == 0.3f &&
             c.div_factor == 25.0f && c.final_div == 1e4f,
         "`onecycle`: OneCycleLR's defaults");
  tap_ok(dlab_schedule_parse("onecycle:0.25", &c) == 0 && c.pct_start == 0.25f, "`onecycle:0.25`");
  tap_ok(dlab_schedule_parse("cosine,warmup:500", &c) == 0 && c.kind == DLAB_SCHEDULE_COSINE &&
             c.warmup_steps == 500 && c.warmup_start >= 0 && c.warmup_start <= 1,
         "`cosine,warmup:500`: 500 warm-up steps from lr * %g", (double)c.warmup_start);
  tap_ok(dlab_schedule_parse("step:2:0.1,warmup:10", &c) == 0 && c.kind == DLAB_SCHEDULE_STEP &&
             c.step_size == 2 && c.gamma == 0.1f && c.warmup_steps == 10,
         "`step:2:0.1,warmup:10`");
  tap_ok(dlab_schedule_parse("constant,warmup:100", &c) == 0 && c.kind == DLAB_SCHEDULE_CONSTANT &&
             c.warmup_steps == 100,
         "`constant,warmup:100`");
  tap_ok(dlab_schedule_parse("onecycle:0.4,warmup:20", &c) == 0 && c.pct_start == 0.4f && c.warmup_steps == 20,
         "`onecycle:0.4,warmup:20`");
}

static void check_parse_bad(void) {
  static const char *bad[] = {
      "",                  /* nothing */
      "cosin",             /* typo */
      "Cosine",            /* names are lower case */
      "linear",            /* no such schedule */
      "constant:3",        /* constant takes no argument */
      "cosine:",           /* missing value */
      "cosine:abc",        /* not a number */
      "cosine:-0.1",       /* negative minimum */
      "step:x",            /* not a number */
      "step:2.5",          /* epochs are whole */
      "step:0",            /* step size below 1 */
      "step:-1",
      "step:1:-0.5",       /* negative gamma */
      "step:5:0.5:2",      /* too many arguments */
      "onecycle:1.5",      /* share beyond 1 */
      "cosine,warmup",     /* no steps */
      "cosine,warmup:",
      "cosine,warmup:-5",
      "cosine,warmup:2.5",
      "cosine,warmpu:5",   /* typo */
      "cosine;warmup:5",   /* wrong separator */
      "cosine,warmup:5,warmup:6",
      "cosine ",           /* trailing space */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    DlabScheduleConfig c;
    dlab_error_clear();
    int rc = dlab_schedule_parse(bad[i], &c);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "`%s`", bad[i]);
    tap_ok(rc == -1 && strstr(dlab_error_message(), quoted) != NULL, "`%s` is refused: %s", bad[i],
           dlab_error_message());
  }
}

/* ---- learning rates ---- */

static DlabScheduleConfig config(DlabScheduleKind kind) { return dlab_schedule_defaults(kind); }

static void check_constant(void) {
  DlabScheduleConfig c = config(DLAB_SCHEDULE_CONSTANT);
  int same = 1;
  for (long s = 0; s < 1000; s += 37) same &= dlab_schedule_lr(&c, 0.05f, s, 100, 1000) == 0.05f;
  tap_ok(same, "constant: the base rate at every step");
}

/* StepLR: lr * gamma^floor(epoch / step_size), epoch = step / steps_per_epoch. */
static void check_step(void) {
  DlabScheduleConfig c = config(DLAB_SCHEDULE_STEP);
  c.step_size = 3;
  c.gamma = 0.5f;
  const long per_epoch = 10;
  /* StepLR(step_size=3, gamma=0.5), lr 0.1, one value per epoch. */
  static const double torch_epochs[9] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025};
  double worst = 0;
  for (long s = 0; s < 90; s++) {
    const double formula = 0.1 * pow(0.5, floor((double)(s / per_epoch) / 3));
    const float got = dlab_schedule_lr(&c, 0.1f, s, per_epoch, 90);
    worst = fmax(worst, fmax(rel(got, formula), rel(got, torch_epochs[s / per_epoch])));
  }
  tap_ok(worst < 1e-6, "step 3 epochs, gamma 0.5: every step vs formula and StepLR, worst %.1e", worst);

  c.step_size = 1;
  c.gamma = 0.7f;
  worst = 0;
  for (long s = 0; s < 5 * 469; s += 13) {
    const double formula = 1.0 * pow(0.7f, (double)(s / 469));
    worst = fmax(worst, rel(dlab_schedule_lr(&c, 1.0f, s, 469, 5 * 469), formula));
  }
  tap_ok(worst < 1e-6, "step 1 epoch, gamma 0.7, 469 steps an epoch: vs formula, worst %.1e", worst);
}

/* The MNIST MLP tutorial: `if epoch % 5 == 0: lr *= 0.1` at the start of
 * each epoch, so epoch 0 already runs at lr / 10. */
static void check_step_at_start(void) {
  DlabScheduleConfig c;
  tap_ok(dlab_schedule_parse("stepstart:5:0.1", &c) == 0 && c.kind == DLAB_SCHEDULE_STEP_AT_START &&
             c.step_size == 5 && c.gamma == 0.1f,
         "`stepstart:5:0.1`: step size 5, gamma 0.1");
  double tutorial = 0.01, worst = 0;
  const long per_epoch = 7;
  for (int epoch = 0; epoch < 20; epoch++) {
    if (epoch % 5 == 0) tutorial *= 0.1;
    for (long s = 0; s < per_epoch; s++)
      worst = fmax(worst, rel(dlab_schedule_lr(&c, 0.01f, epoch * per_epoch + s, per_epoch, 20 * per_epoch),
                              tutorial));
  }
  tap_ok(worst < 1e-6, "stepstart: 20 epochs as the tutorial's loop sets them (0.001 from epoch 0), worst %.1e",
         worst);
}

static double cosine_formula(double lr, double eta_min, long t, long total) {
  return eta_min + (lr - eta_min) * (1 + cos(M_PI * (double)t / (double)total)) / 2;
}

static void check_cosine(void) {
  DlabScheduleConfig c = config(DLAB_SCHEDULE_COSINE);
  c.eta_min = 0.001f;
  static const Point torch_a[] = {{0, 0.1},
                                  {1, 0.09990232305719944},
                                  {10, 0.09054634122155988},
                                  {25, 0.0505},
                                  {40, 0.010453658778440102},
                                  {49, 0.0010976769428005578}};
  double worst_torch = 0, worst_formula = 0;
  for (size_t i = 0; i < sizeof torch_a / sizeof torch_a[0]; i++)
    worst_torch = fmax(worst_torch, rel(dlab_schedule_lr(&c, 0.1f, torch_a[i].step, 7, 50), torch_a[i].lr));
  for (long s = 0; s < 50; s++)
    worst_formula = fmax(worst_formula, rel(dlab_schedule_lr(&c, 0.1f, s, 7, 50),
                                            cosine_formula(0.1f, 0.001f, s, 50)));
  tap_ok(worst_torch < 1e-6 && worst_formula < 1e-6,
         "cosine lr 0.1, eta_min 0.001, 50 steps: vs CosineAnnealingLR %.1e, vs formula %.1e", worst_torch,
         worst_formula);

  c.eta_min = 0;
  static const Point torch_b[] = {
      {0, 0.05}, {7, 0.049849023886379504}, {100, 0.025000000000000012}, {150, 0.007322330470336316},
      {199, 3.0841879584853094e-06}};
  worst_torch = 0;
  for (size_t i = 0; i < sizeof torch_b / sizeof torch_b[0]; i++)
    worst_torch = fmax(worst_torch, rel(dlab_schedule_lr(&c, 0.05f, torch_b[i].step, 40, 200), torch_b[i].lr));
  tap_ok(worst_torch < 1e-6, "cosine lr 0.05, 200 steps: vs CosineAnnealingLR, worst %.1e", worst_torch);
}

/* OneCycleLR with two phases and cosine annealing, in double. */
static double onecycle_formula(double max_lr, double pct, double div, double final_div, long t, long total) {
  const double initial = max_lr / div, min_lr = initial / final_div;
  const double end_rise = pct * (double)total - 1, end_all = (double)total - 1;
  double from = initial, to = max_lr, share = t / end_rise;
  if (t > end_rise) from = max_lr, to = min_lr, share = (t - end_rise) / (end_all - end_rise);
  return to + (from - to) / 2 * (1 + cos(M_PI * share));
}

static void check_onecycle(void) {
  DlabScheduleConfig c = config(DLAB_SCHEDULE_ONECYCLE);
  static const Point torch_a[] = {
      {0, 0.0040000000000000036}, {1, 0.004281378056590748}, {10, 0.029516394846410082},
      {28, 0.09971862194340926},  {29, 0.1},                 {30, 0.09994965352845243},
      {31, 0.09979871550490317},  {50, 0.0793893450575732},  {75, 0.026306861650082565},
      {98, 5.07464715475788e-05}, {99, 4e-07}};
  double worst_torch = 0, worst_formula = 0;
  for (size_t i = 0; i < sizeof torch_a / sizeof torch_a[0]; i++)
    worst_torch = fmax(worst_torch, rel(dlab_schedule_lr(&c, 0.1f, torch_a[i].step, 10, 100), torch_a[i].lr));
  for (long s = 0; s < 100; s++)
    worst_formula = fmax(worst_formula, rel(dlab_schedule_lr(&c, 0.1f, s, 10, 100),
                                            onecycle_formula(0.1f, 0.3f, 25.0f, 1e4f, s, 100)));
  tap_ok(worst_torch < 1e-6 && worst_formula < 1e-6,
         "onecycle max 0.1, 100 steps: vs OneCycleLR %.1e, vs formula %.1e", worst_torch, worst_formula);

  /* pct_start * total not whole: the rise ends between two steps. */
  c.pct_start = 0.25f;
  c.div_factor = 10;
  c.final_div = 100;
  static const Point torch_b[] = {{0, 0.0019999999999999983}, {3, 0.00726126488298302},
                                  {8, 0.019959247303157762},  {9, 0.01996401091053984},
                                  {10, 0.019804582093133655}, {20, 0.012390203328317417},
                                  {36, 2e-05}};
  worst_torch = worst_formula = 0;
  for (size_t i = 0; i < sizeof torch_b / sizeof torch_b[0]; i++)
    worst_torch = fmax(worst_torch, rel(dlab_schedule_lr(&c, 0.02f, torch_b[i].step, 5, 37), torch_b[i].lr));
  for (long s = 0; s < 37; s++)
    worst_formula = fmax(worst_formula, rel(dlab_schedule_lr(&c, 0.02f, s, 5, 37),
                                            onecycle_formula(0.02f, 0.25f, 10, 100, s, 37)));
  tap_ok(worst_torch < 1e-6 && worst_formula < 1e-6,
         "onecycle max 0.02, pct 0.25, div 10, final 100, 37 steps: vs OneCycleLR %.1e, vs formula %.1e",
         worst_torch, worst_formula);
}

static void check_warmup(void) {
  DlabScheduleConfig c;
  if (dlab_schedule_parse("constant,warmup:10", &c) < 0) {
    tap_ok(0, "constant,warmup:10: %s", dlab_error_message());
    return;
  }
  tap_ok(fabs(c.warmup_start - 1.0 / 3) < 1e-7, "warm-up starts at lr / 3 (LinearLR's start_factor) by default");
  /* LinearLR(start_factor=1/3, total_iters=10), lr 0.1. */
  static const Point torch_linear[] = {{0, 0.03333333333333333}, {1, 0.04}, {5, 0.06666666666666667},
                                       {9, 0.0933333333333333},  {10, 0.1}, {14, 0.1}};
  double worst = 0;
  for (size_t i = 0; i < sizeof torch_linear / sizeof torch_linear[0]; i++)
    worst = fmax(worst, rel(dlab_schedule_lr(&c, 0.1f, torch_linear[i].step, 5, 100), torch_linear[i].lr));
  tap_ok(worst < 1e-6, "constant,warmup:10: vs LinearLR, worst %.1e", worst);

  /* ChainedScheduler([LinearLR(1/3, 10), CosineAnnealingLR(T_max=50)]), lr 0.1. */
  if (dlab_schedule_parse("cosine,warmup:10", &c) < 0) {
    tap_ok(0, "cosine,warmup:10: %s", dlab_error_message());
    return;
  }
  static const Point torch_chained[] = {
      {0, 0.03333333333333333},  {1, 0.03996053456856543},  {4, 0.059057494833858935},
      {9, 0.08606863652342739},  {10, 0.09045084971874738}, {11, 0.08852566213878947},
      {25, 0.05000000000000001}, {49, 9.866357858642205e-05}};
  worst = 0;
  for (size_t i = 0; i < sizeof torch_chained / sizeof torch_chained[0]; i++)
    worst = fmax(worst, rel(dlab_schedule_lr(&c, 0.1f, torch_chained[i].step, 5, 50), torch_chained[i].lr));
  tap_ok(worst < 1e-6, "cosine,warmup:10: vs LinearLR chained with CosineAnnealingLR, worst %.1e", worst);

  /* Every kind: from lr * warmup_start, rising linearly, then the schedule
   * itself from the end of the warm-up on. */
  static const char *texts[] = {"constant,warmup:20", "step:1:0.5,warmup:20", "cosine:0.01,warmup:20",
                                "onecycle,warmup:20"};
  static const char *plain[] = {"constant", "step:1:0.5", "cosine:0.01", "onecycle"};
  for (int k = 0; k < 4; k++) {
    DlabScheduleConfig w, p;
    if (dlab_schedule_parse(texts[k], &w) < 0 || dlab_schedule_parse(plain[k], &p) < 0) {
      tap_ok(0, "%s: %s", texts[k], dlab_error_message());
      continue;
    }
    double worst_ramp = 0;
    int after_same = 1;
    for (long s = 0; s < 200; s++) {
      const float with = dlab_schedule_lr(&w, 0.1f, s, 30, 200);
      const float without = dlab_schedule_lr(&p, 0.1f, s, 30, 200);
      if (s >= 20) {
        after_same &= with == without;
      } else {
        const double factor = w.warmup_start + (1 - w.warmup_start) * (double)s / 20;
        worst_ramp = fmax(worst_ramp, rel(with, without * factor));
      }
    }
    tap_ok(worst_ramp < 1e-6 && after_same,
           "%s: linear factor from %.3f over 20 steps (worst %.1e), the plain schedule after", texts[k],
           (double)w.warmup_start, worst_ramp);
  }
}

int main(void) {
  check_parse_good();
  check_parse_bad();
  check_constant();
  check_step();
  check_step_at_start();
  check_cosine();
  check_onecycle();
  check_warmup();
  return tap_done();
}
