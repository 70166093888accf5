/* Learning-rate schedules, evaluated per step:
 *   constant
 *   step      lr * gamma^(floor(epoch / step_size))      (StepLR)
 *   stepstart lr * gamma^(floor(epoch / step_size) + 1): the cut comes at the
 *             start of epochs 0, step_size, 2 step_size, … as in the MNIST
 *             MLP tutorial's `if epoch % 5 == 0: lr *= 0.1`
 *   cosine    eta_min + (lr - eta_min)(1 + cos(pi t / T)) / 2 over all steps
 *   onecycle  PyTorch's OneCycleLR (cosine, pct_start, div_factor, final_div)
 * each optionally preceded by a linear warm-up over `warmup_steps` from
 * lr * warmup_start to the scheduled value. */
#ifndef DLAB_SCHEDULE_H
#define DLAB_SCHEDULE_H

typedef enum {
  DLAB_SCHEDULE_CONSTANT,
  DLAB_SCHEDULE_STEP,
  DLAB_SCHEDULE_STEP_AT_START,
  DLAB_SCHEDULE_COSINE,
  DLAB_SCHEDULE_ONECYCLE,
} DlabScheduleKind;

typedef struct {
  DlabScheduleKind kind;
  int step_size;        /* epochs, for step and stepstart */
  float gamma;          /* for step and stepstart */
  float eta_min;        /* for cosine */
  float pct_start;      /* onecycle: share of steps rising (0.3) */
  float div_factor;     /* onecycle: initial lr = max / div_factor (25) */
  float final_div;      /* onecycle: final lr = initial / final_div (1e4) */
  long warmup_steps;    /* linear warm-up, 0 for none */
  float warmup_start;   /* warm-up starts at lr * warmup_start (0.0 .. 1) */
} DlabScheduleConfig;

DlabScheduleConfig dlab_schedule_defaults(DlabScheduleKind kind);

/* Parses "constant", "step[:STEP_SIZE[:GAMMA]]", "cosine[:ETA_MIN]",
 * "onecycle[:PCT_START]", each optionally followed by ",warmup:STEPS"
 * (e.g. "cosine,warmup:500"). -1 with a message quoting the text. */
int dlab_schedule_parse(const char *text, DlabScheduleConfig *cfg);

/* The learning rate at global step `step` (0-based) of a run of
 * `total_steps` steps with `steps_per_epoch` steps per epoch. */
float dlab_schedule_lr(const DlabScheduleConfig *cfg, float base_lr, long step,
                       long steps_per_epoch, long total_steps);

#endif
