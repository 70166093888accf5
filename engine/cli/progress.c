#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "cli_i18n.h"
#include "dlab/clock.h"
#include "dlab/recipes.h"

#define BAR_WIDTH 24

void cli_progress_init(CliProgress *p, int quiet) {
  p->tty = isatty(STDOUT_FILENO);
  p->quiet = quiet;
  p->last_draw = 0;
  p->test_n = 0;
}

const char *cli_format_duration(double sec, char *buf, int n) {
  /* Clamped to 999 hours so the text has a known width. */
  int s = sec < 0 ? 0 : sec > 3599999 ? 3599999 : (int)(sec + 0.5);
  if (s >= 3600)
    snprintf(buf, (size_t)n, "%d:%02d:%02d", s / 3600 % 1000, s / 60 % 60, s % 60);
  else
    snprintf(buf, (size_t)n, "%02d:%02d", s / 60 % 60, s % 60);
  return buf;
}

void cli_progress_step(const DlabStepInfo *info, void *progress) {
  CliProgress *p = progress;
  if (!p->tty || p->quiet) return;
  double t = dlab_now_seconds();
  int last = info->step_in_epoch == info->steps_per_epoch;
  if (!last && t - p->last_draw < 0.1) return;
  p->last_draw = t;
  int filled = (int)(BAR_WIDTH * info->step_in_epoch / info->steps_per_epoch);
  char bar[BAR_WIDTH + 1], elapsed[32], eta[32];
  for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < filled ? '#' : '.';
  bar[BAR_WIDTH] = '\0';
  printf("\r\033[K");
  printf(_("epoch %d/%d [%s] %ld/%ld  loss %.4f  %.0f img/s  %s elapsed, ETA %s"), info->epoch, info->epochs,
         bar, info->step_in_epoch, info->steps_per_epoch, (double)info->loss, info->images_per_sec,
         cli_format_duration(info->elapsed_sec, elapsed, sizeof elapsed),
         cli_format_duration(info->eta_sec, eta, sizeof eta));
  fflush(stdout);
}

void cli_progress_epoch(const DlabEpochInfo *info, void *progress) {
  CliProgress *p = progress;
  if (p->quiet) return;
  if (p->tty) printf("\r\033[K");
  printf(_("epoch %d/%d  train loss %.4f acc %.4f  test loss %.4f acc %.4f ± %.4f  %.1f s  %.0f img/s\n"),
         info->epoch, info->epochs, info->train_loss, info->train_accuracy, info->test_loss,
         info->test_accuracy, dlab_accuracy_stderr(info->test_accuracy, p->test_n), info->seconds,
         info->images_per_sec);
  fflush(stdout);
}
