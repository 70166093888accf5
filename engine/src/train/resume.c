/* Resuming a run (resume.h): the checkpoint pair checked before it is
 * loaded, and the run's command.txt. */
#include "dlab/resume.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dlab/atomic_file.h"
#include "dlab/error.h"
#include "io/safetensors.h"
#include "dlab/train.h"

#include "core/i18n.h"
#include "core/path.h"

/* command.txt holds a line per start and resume: far below this. */
#define MAX_COMMAND_FILE (1 << 20)

/* ---- run ids ---- */

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void dlab_run_id_new(char id[DLAB_RUN_ID_SIZE]) {
  uint64_t words[2] = {0, 0};
  FILE *f = fopen("/dev/urandom", "rb");
  int got = f && fread(words, sizeof words, 1, f) == 1;
  if (f) fclose(f);
  if (!got) {
    /* No /dev/urandom: the time, the process and a counter still make
     * two runs' ids differ. */
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t state = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    state ^= (uint64_t)getpid() << 32 ^ ++counter;
    words[0] = splitmix64(&state);
    words[1] = splitmix64(&state);
  }
  snprintf(id, DLAB_RUN_ID_SIZE, "%016llx%016llx", (unsigned long long)words[0],
           (unsigned long long)words[1]);
}

/* ---- marks ---- */

static int parse_long(const char *text, long max, long *out) {
  if (!text || *text < '0' || *text > '9') return -1;
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno || *end || v < 0 || v > max) return -1;
  *out = v;
  return 0;
}

static int is_run_id(const char *text) {
  if (!text || strlen(text) != DLAB_RUN_ID_SIZE - 1) return 0;
  for (const char *c = text; *c; c++)
    if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))) return 0;
  return 1;
}

int dlab_run_mark_read(const char *path, DlabRunMark *mark) {
  memset(mark, 0, sizeof *mark);
  DlabSafetensors st;
  if (dlab_safetensors_read(path, &st) < 0) return -1;
  const char *id = dlab_safetensors_meta(&st, "dlab.run_id");
  const char *epoch_text = dlab_safetensors_meta(&st, "dlab.epoch");
  const char *step_text = dlab_safetensors_meta(&st, "dlab.step");
  long epoch = 0, step = 0;
  int rc = -1;
  if (!id && !epoch_text && !step_text)
    dlab_error(
        _("%s records no run id, epoch or step (saved by an older Digit Lab, or not by a training run), "
          "so nothing shows which optimizer state belongs with it: start the run afresh (without --resume)"),
        path);
  else if (!is_run_id(id))
    dlab_error(_("%s: dlab.run_id \"%s\": expected %d hex digits"), path, id ? id : "", DLAB_RUN_ID_SIZE - 1);
  else if (parse_long(epoch_text, INT_MAX, &epoch) < 0)
    dlab_error(_("%s: dlab.epoch \"%s\": expected a whole number of epochs"), path,
               epoch_text ? epoch_text : "");
  else if (parse_long(step_text, LONG_MAX, &step) < 0)
    dlab_error(_("%s: dlab.step \"%s\": expected a whole number of steps"), path, step_text ? step_text : "");
  else {
    snprintf(mark->run_id, sizeof mark->run_id, "%s", id);
    mark->epoch = (int)epoch;
    mark->step = step;
    rc = 0;
  }
  dlab_safetensors_free(&st);
  return rc;
}

/* ---- the pair ---- */

/* 1 when a was modified after b, -1 before, 0 when unknown or equal. */
static int compare_mtime(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) < 0 || stat(b, &sb) < 0) return 0;
  if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec) return sa.st_mtim.tv_sec > sb.st_mtim.tv_sec ? 1 : -1;
  if (sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec) return sa.st_mtim.tv_nsec > sb.st_mtim.tv_nsec ? 1 : -1;
  return 0;
}

/* The two files' marks agree; otherwise a message that says which file is
 * newer and what can be done. */
static int check_pair(const char *model_path, const DlabRunMark *model, const char *opt_path,
                      const DlabRunMark *opt) {
  static const char *const advice =
      N_("Resuming from them would go on with weights and optimizer state that do not belong together. "
         "Start the run afresh (without --resume); the model file is whole and can still be used as it is");
  if (strcmp(model->run_id, opt->run_id) != 0) {
    int newer = compare_mtime(model_path, opt_path);
    return dlab_error(
        _("%s (epoch %d) and %s (epoch %d) were saved by different runs (run ids %.8s... and "
          "%.8s...); %s. %s"),
        model_path, model->epoch, opt_path, opt->epoch, model->run_id, opt->run_id,
        newer > 0   ? _("the model file is the newer one")
        : newer < 0 ? _("the optimizer state is the newer one")
                    : _("both were written at the same time"),
        _(advice));
  }
  if (model->epoch != opt->epoch || model->step != opt->step) {
    int model_newer = model->step > opt->step || (model->step == opt->step && model->epoch > opt->epoch);
    const char *newer = model_newer ? model_path : opt_path, *older = model_newer ? opt_path : model_path;
    const DlabRunMark *n = model_newer ? model : opt, *o = model_newer ? opt : model;
    return dlab_error(
        _("%s (epoch %d, step %ld) is newer than %s (epoch %d, step %ld): the run was stopped "
          "between saving the two files of epoch %d. %s"),
        newer, n->epoch, n->step, older, o->epoch, o->step, n->epoch, _(advice));
  }
  return 0;
}

int dlab_resume_load(const char *checkpoint, DlabModel *m, DlabOptimizer *opt, long steps_per_epoch,
                     DlabRunMark *mark) {
  char opt_path[4096];
  DlabRunMark model_mark, opt_mark;
  dlab_optimizer_state_path(checkpoint, opt_path, sizeof opt_path);
  dlab_atomic_remove_stale(checkpoint);
  dlab_atomic_remove_stale(opt_path);
  if (dlab_run_mark_read(checkpoint, &model_mark) < 0 || dlab_run_mark_read(opt_path, &opt_mark) < 0 ||
      check_pair(checkpoint, &model_mark, opt_path, &opt_mark) < 0)
    return -1;
  if (steps_per_epoch < 1 || model_mark.step != (long)model_mark.epoch * steps_per_epoch)
    return dlab_error(
        _("%s: %ld steps in %d epochs is not %ld steps per epoch: resume with the batch size and "
          "the training images of the original run"),
        checkpoint, model_mark.step, model_mark.epoch, steps_per_epoch);
  if (dlab_checkpoint_load_weights(checkpoint, m) < 0 || dlab_optimizer_load(opt_path, opt) < 0) return -1;
  if (dlab_optimizer_steps(opt) != model_mark.step)
    return dlab_error(_("%s: its step tensor says %ld steps but its metadata %ld"), opt_path,
                      dlab_optimizer_steps(opt), model_mark.step);
  *mark = model_mark;
  return 0;
}

/* ---- command.txt ---- */

/* `arg` as a POSIX shell reads it back: as it is when it is made of plain
 * characters, else in single quotes (a quote inside becomes '\''). */
static void append_quoted(FILE *out, const char *arg) {
  int plain = *arg != '\0';
  for (const char *c = arg; *c && plain; c++)
    plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-_./:=,+@%", *c) != NULL;
  if (plain) {
    fputs(arg, out);
    return;
  }
  fputc('\'', out);
  for (const char *c = arg; *c; c++)
    if (*c == '\'') fputs("'\\''", out);
    else fputc(*c, out);
  fputc('\'', out);
}

/* The lines already in `path` (none when it does not exist) into out. */
static int copy_earlier_lines(const char *path, FILE *out) {
  FILE *in = fopen(path, "rb");
  if (!in) return errno == ENOENT ? 0 : dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  char buf[4096];
  size_t n, total = 0;
  int last = '\n';
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
    total += n;
    if (total > MAX_COMMAND_FILE) {
      fclose(in);
      return dlab_error(_("%s: larger than %d bytes: not a command file; move it away"), path, MAX_COMMAND_FILE);
    }
    fwrite(buf, 1, n, out);
    last = buf[n - 1];
  }
  int failed = ferror(in);
  fclose(in);
  if (failed) return dlab_error(_("%s: cannot read"), path);
  if (last != '\n') fputc('\n', out); /* a line cut short stays one line */
  return 0;
}

int dlab_run_command_write(const char *dir, int argc, const char *const *argv, int resume) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/command.txt", dir) >= sizeof path)
    return dlab_error(_("%s: folder name too long"), dir);
  dlab_atomic_remove_stale(path);
  DlabAtomicFile f;
  if (dlab_atomic_open(&f, path) < 0) return -1;
  if (resume && copy_earlier_lines(path, f.fp) < 0) {
    dlab_atomic_abort(&f);
    return -1;
  }
  for (int i = 0; i < argc; i++) {
    if (i) fputc(' ', f.fp);
    append_quoted(f.fp, argv[i]);
  }
  fputc('\n', f.fp);
  return dlab_atomic_commit(&f);
}

/* The optimizer state beside its checkpoint (train.h). */
const char *dlab_optimizer_state_path(const char *checkpoint, char *buf, size_t n) {
  /* A name too long for buf gets an empty path, which no open accepts. */
  if (dlab_path_replace_suffix(checkpoint, ".safetensors", ".optim.safetensors", buf, n) < 0 && n) buf[0] = 0;
  return buf;
}
