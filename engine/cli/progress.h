/* Training progress on the terminal: a live bar with images/s and ETA when
 * stdout is a terminal, one plain line per epoch otherwise (for logs and
 * scripts). */
#ifndef DLAB_CLI_PROGRESS_H
#define DLAB_CLI_PROGRESS_H

#include "dlab/train.h"

typedef struct {
  int tty;
  int quiet;
  double last_draw; /* seconds, to redraw at most 10 times a second */
  long test_n;      /* test images, for the accuracy's standard error */
} CliProgress;

void cli_progress_init(CliProgress *p, int quiet);
void cli_progress_step(const DlabStepInfo *info, void *progress);
void cli_progress_epoch(const DlabEpochInfo *info, void *progress);

/* "1:02:03" or "02:03" into buf. */
const char *cli_format_duration(double sec, char *buf, int n);

#endif
