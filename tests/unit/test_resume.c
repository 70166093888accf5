/* A run across stops and resumes (resume.h, issue 13):
 *   - both checkpoint files record the run id, epoch and step;
 *   - a resumed run (dropout included) ends with the weights and optimizer
 *     state of an uninterrupted one, tensor for tensor;
 *   - a mismatched pair (a later epoch's model beside an earlier optimizer
 *     state, and the reverse; two runs; a file without a mark) is refused
 *     with a message that names the newer file;
 *   - metrics.csv keeps the rows up to the resumed epoch, drops those of a
 *     half-finished epoch and a row cut short, refuses a foreign file;
 *   - a metrics row or event record that cannot be written stops the run;
 *   - command.txt keeps the first line and adds the resumes;
 *   - temporaries that killed saves left are removed by the next save,
 *     and nothing else. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlab/atomic_file.h"
#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/resume.h"
#include "dlab/train.h"
#include "io/csv_log.h"
#include "io/safetensors.h"
#include "test_util.h"

#define N_TRAIN 40
#define N_TEST 10
#define SIDE 6
#define BATCH 8
#define STEPS_PER_EPOCH ((N_TRAIN + BATCH - 1) / BATCH)
#define SPEC "flatten | linear 12 | relu | dropout 0.3 | linear 3"

static char dir[] = "/tmp/dlab-resume-XXXXXX";
static uint8_t train_images[N_TRAIN * SIDE * SIDE], train_labels[N_TRAIN];
static uint8_t test_images[N_TEST * SIDE * SIDE], test_labels[N_TEST];
static DlabDataset train_set = {.name = "tiny",
                                .n = N_TRAIN,
                                .c = 1,
                                .h = SIDE,
                                .w = SIDE,
                                .images = train_images,
                                .labels = train_labels,
                                .num_classes = 3,
                                .mean = {0.5f},
                                .std = {0.25f}};
static DlabDataset test_set = {.name = "tiny",
                               .n = N_TEST,
                               .c = 1,
                               .h = SIDE,
                               .w = SIDE,
                               .images = test_images,
                               .labels = test_labels,
                               .num_classes = 3,
                               .mean = {0.5f},
                               .std = {0.25f}};

/* dir/name, in one of 32 buffers used in turn. */
static const char *in_dir(const char *name) {
  static char paths[32][4096];
  static int next;
  char *p = paths[next++ % 32];
  snprintf(p, 4096, "%s/%s", dir, name);
  return p;
}

static int message_has(const char *text) { return strstr(dlab_error_message(), text) != NULL; }

static void make_data(void) {
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof train_images; i++)
    train_images[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
  for (size_t i = 0; i < sizeof test_images; i++)
    test_images[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
  for (int i = 0; i < N_TRAIN; i++) train_labels[i] = (uint8_t)(i % 3);
  for (int i = 0; i < N_TEST; i++) test_labels[i] = (uint8_t)(i % 3);
}

static DlabTrainConfig config(int epochs, const char *checkpoint) {
  DlabTrainConfig c = dlab_train_defaults();
  c.epochs = epochs;
  c.batch_size = BATCH;
  c.seed = 5;
  c.checkpoint = checkpoint;
  c.loader_workers = 0;
  return c;
}

static DlabModel *new_model(void) {
  DlabShape in = {3, {1, SIDE, SIDE}};
  return dlab_model_create(SPEC, in, 5);
}

/* Trains `epochs` epochs from scratch into `checkpoint`. */
static int train_fresh(int epochs, const char *checkpoint) {
  DlabTrainConfig c = config(epochs, checkpoint);
  DlabModel *m = new_model();
  DlabTrainResult r;
  int rc = m ? dlab_train(m, &train_set, &test_set, &c, &r) : -1;
  dlab_model_free(m);
  return rc;
}

/* Resumes `checkpoint` up to `epochs`; the start epoch into *start. */
static int train_resumed(int epochs, const char *checkpoint, const char *csv, int *start) {
  DlabTrainConfig c = config(epochs, checkpoint);
  c.csv_path = csv;
  DlabModel *m = new_model();
  DlabOptimizer *o = m ? dlab_optimizer_create(&c.optim, m) : NULL;
  DlabRunMark mark;
  DlabTrainResult r;
  int rc = -1;
  if (o && dlab_resume_load(checkpoint, m, o, STEPS_PER_EPOCH, &mark) == 0) {
    c.start_epoch = *start = mark.epoch;
    c.run_id = mark.run_id;
    c.optimizer = o;
    rc = dlab_train(m, &train_set, &test_set, &c, &r);
  }
  dlab_optimizer_free(o);
  dlab_model_free(m);
  return rc;
}

/* The two files hold the same tensors, bit for bit. */
static int same_tensors(const char *a_path, const char *b_path) {
  DlabSafetensors a, b;
  if (dlab_safetensors_read(a_path, &a) < 0) return 0;
  if (dlab_safetensors_read(b_path, &b) < 0) {
    dlab_safetensors_free(&a);
    return 0;
  }
  int same = a.n_tensors == b.n_tensors && a.n_tensors > 0;
  for (int i = 0; same && i < a.n_tensors; i++) {
    const DlabStTensor *t = &a.tensors[i], *u = dlab_safetensors_find(&b, t->name);
    same = u && u->nbytes == t->nbytes && memcmp(u->data, t->data, t->nbytes) == 0;
  }
  dlab_safetensors_free(&a);
  dlab_safetensors_free(&b);
  return same;
}

static int copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  char buf[65536];
  size_t n;
  int ok = in && out;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  if (in) fclose(in);
  if (out && fclose(out) != 0) ok = 0;
  return ok ? 0 : -1;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

/* ---- the checkpoint pair ---- */

static void check_marks(void) {
  const char *ck = in_dir("marks.safetensors");
  DlabRunMark model, opt;
  int rc = train_fresh(2, ck);
  tap_ok(rc == 0 && dlab_run_mark_read(ck, &model) == 0 &&
             dlab_run_mark_read(in_dir("marks.optim.safetensors"), &opt) == 0,
         "both checkpoint files carry a run mark %s", rc ? dlab_error_message() : "");
  tap_ok(strlen(model.run_id) == 32 && strcmp(model.run_id, opt.run_id) == 0 && model.epoch == 2 &&
             opt.epoch == 2 && model.step == 2 * STEPS_PER_EPOCH && opt.step == model.step,
         "the same run id (%.8s...), epoch %d and step %ld in both", model.run_id, model.epoch, model.step);
  DlabRunMark again;
  train_fresh(1, in_dir("other.safetensors"));
  tap_ok(
      dlab_run_mark_read(in_dir("other.safetensors"), &again) == 0 && strcmp(again.run_id, model.run_id) != 0,
      "another run gets another id");
}

static void check_resume_identical(void) {
  const char *straight = in_dir("straight.safetensors"), *resumed = in_dir("resumed.safetensors");
  int start = -1;
  int rc = train_fresh(3, straight);
  rc |= train_fresh(1, resumed);
  rc |= train_resumed(3, resumed, NULL, &start);
  tap_ok(rc == 0 && start == 1, "1 epoch, then resumed after epoch %d to 3 %s", start,
         rc ? dlab_error_message() : "");
  tap_ok(same_tensors(straight, resumed),
         "the resumed run's weights (dropout included) are the uninterrupted run's, bit for bit");
  tap_ok(same_tensors(in_dir("straight.optim.safetensors"), in_dir("resumed.optim.safetensors")),
         "and so is the optimizer state");
}

/* dlab_resume_load of the pair (model, optimizer state) put in place as
 * pair.safetensors and pair.optim.safetensors; -1 on refusal. */
static int resume_pair(const char *model, const char *opt, long steps_per_epoch) {
  copy_file(in_dir(model), in_dir("pair.safetensors"));
  copy_file(in_dir(opt), in_dir("pair.optim.safetensors"));
  DlabModel *m = new_model();
  DlabOptimConfig oc = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  DlabOptimizer *o = dlab_optimizer_create(&oc, m);
  DlabRunMark mark;
  int rc = dlab_resume_load(in_dir("pair.safetensors"), m, o, steps_per_epoch, &mark);
  dlab_optimizer_free(o);
  dlab_model_free(m);
  return rc;
}

static void check_mismatch(void) {
  int start;
  char newer[256];
  /* Epoch 1 kept aside, then the same run goes on to epoch 2. */
  train_fresh(1, in_dir("run.safetensors"));
  copy_file(in_dir("run.safetensors"), in_dir("e1.safetensors"));
  copy_file(in_dir("run.optim.safetensors"), in_dir("e1.optim.safetensors"));
  train_resumed(2, in_dir("run.safetensors"), NULL, &start);
  /* And another run of one epoch. */
  train_fresh(1, in_dir("another.safetensors"));

  tap_ok(resume_pair("e1.safetensors", "e1.optim.safetensors", STEPS_PER_EPOCH) == 0,
         "a pair of one run and epoch resumes %s", dlab_error_message());

  /* As a kill between the two renames of epoch 2 leaves them. */
  snprintf(newer, sizeof newer, "%s (epoch 2, step %d) is newer than %s (epoch 1, step %d)",
           in_dir("pair.safetensors"), 2 * STEPS_PER_EPOCH, in_dir("pair.optim.safetensors"),
           STEPS_PER_EPOCH);
  tap_ok(resume_pair("run.safetensors", "e1.optim.safetensors", STEPS_PER_EPOCH) < 0 && message_has(newer) &&
             message_has("without --resume"),
         "epoch 2's model beside epoch 1's optimizer state is refused: %s", dlab_error_message());

  snprintf(newer, sizeof newer, "%s (epoch 2, step %d) is newer than %s (epoch 1, step %d)",
           in_dir("pair.optim.safetensors"), 2 * STEPS_PER_EPOCH, in_dir("pair.safetensors"),
           STEPS_PER_EPOCH);
  tap_ok(resume_pair("e1.safetensors", "run.optim.safetensors", STEPS_PER_EPOCH) < 0 && message_has(newer),
         "epoch 1's model beside epoch 2's optimizer state is refused: %s", dlab_error_message());

  tap_ok(resume_pair("e1.safetensors", "another.optim.safetensors", STEPS_PER_EPOCH) < 0 &&
             message_has("different runs") && message_has("newer one"),
         "the optimizer state of another run is refused: %s", dlab_error_message());

  tap_ok(resume_pair("e1.safetensors", "e1.optim.safetensors", STEPS_PER_EPOCH + 1) < 0 &&
             message_has("batch size"),
         "another batch size is refused: %s", dlab_error_message());

  /* A model file without a mark (as older versions saved it). */
  DlabModel *m = new_model();
  dlab_checkpoint_save(in_dir("unmarked.safetensors"), m, NULL);
  dlab_model_free(m);
  tap_ok(resume_pair("unmarked.safetensors", "e1.optim.safetensors", STEPS_PER_EPOCH) < 0 &&
             message_has("records no run id"),
         "a model file without a mark is refused: %s", dlab_error_message());
}

/* ---- metrics.csv ---- */

#define HEADER                                                                                            \
  "epoch,step,lr,loss,accuracy,train_loss,train_accuracy,test_loss,test_accuracy,images_per_sec,seconds," \
  "val_loss,val_accuracy\n"

/* Rows reach the file once a second, or when flushed (an epoch's row):
 * while the log is open, the file shows the rows up to then. */
static void check_csv_flush(void) {
  const char *csv = in_dir("flushed.csv");
  static const char *const columns[] = {"epoch", "step"};
  DlabCsvLog log;
  double row[2] = {1, 1};
  int rc = dlab_csv_open(&log, csv, columns, 2) | dlab_csv_row(&log, row) | dlab_csv_flush(&log);
  const char *text = read_text(csv);
  tap_ok(rc == 0 && text && strcmp(text, "epoch,step\n1,1\n") == 0, "a flushed row is in the file at once");
  row[1] = 2;
  rc = dlab_csv_row(&log, row);
  nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 50000000}, NULL); /* past DLAB_CSV_FLUSH_SECONDS */
  row[1] = 3;
  rc |= dlab_csv_row(&log, row);
  text = read_text(csv);
  tap_ok(rc == 0 && text && strcmp(text, "epoch,step\n1,1\n1,2\n1,3\n") == 0,
         "a row written a second after the last flush writes out the rows before it and itself");
  dlab_csv_close(&log);
  unlink(csv);
}

static void check_csv_resume(void) {
  const char *csv = in_dir("metrics.csv");
  static const char *const columns[] = {"epoch", "step", "lr"};
  DlabCsvLog log;
  write_text(csv, "epoch,step,lr\n1,1,0.1\n1,2,0.1\n1,2,\n2,3,0.1\n2,4,0.");
  int rc = dlab_csv_resume(&log, csv, columns, 3, 1);
  double row[3] = {2, 3, 0.5};
  rc |= dlab_csv_row(&log, row);
  dlab_csv_close(&log);
  const char *text = read_text(csv);
  tap_ok(rc == 0 && text && strcmp(text, "epoch,step,lr\n1,1,0.1\n1,2,0.1\n1,2,\n2,3,0.5\n") == 0,
         "resuming after epoch 1 keeps its rows, drops epoch 2's and the cut row, then appends");

  write_text(csv, "time,value\n1,2\n");
  rc = dlab_csv_resume(&log, csv, columns, 3, 1);
  text = read_text(csv);
  tap_ok(
      rc < 0 && message_has(csv) && message_has("header") && text && strcmp(text, "time,value\n1,2\n") == 0,
      "another file is refused and left as it was: %s", dlab_error_message());
  write_text(csv, "epoch,step,lr\nx,1,2\n");
  tap_ok(dlab_csv_resume(&log, csv, columns, 3, 1) < 0 && message_has("line 2"),
         "a row that does not start with a number is refused: %s", dlab_error_message());
  unlink(csv);
  rc = dlab_csv_resume(&log, csv, columns, 3, 1);
  dlab_csv_close(&log);
  text = read_text(csv);
  tap_ok(rc == 0 && text && strcmp(text, "epoch,step,lr\n") == 0, "a missing log is started with its header");

  /* Through dlab_train: the rows of the resumed run follow epoch 1's. */
  const char *ck = in_dir("csv.safetensors");
  int start;
  DlabTrainConfig c = config(1, ck);
  c.csv_path = csv;
  DlabModel *m = new_model();
  DlabTrainResult r;
  dlab_train(m, &train_set, &test_set, &c, &r);
  dlab_model_free(m);
  /* Rows of a half-finished epoch 2, as a stop leaves them. */
  FILE *f = fopen(csv, "a");
  fputs("2,6,0.001,1.5,0.25,,,,,,,,\n2,7,0.001,1.4,0.5,,,,,,,,\n", f);
  fclose(f);
  rc = train_resumed(3, ck, csv, &start);
  text = read_text(csv);
  int lines = 0, epoch_rows[4] = {0}, steps_ok = 1, step = 0;
  for (const char *p = text ? strchr(text, '\n') : NULL; p && p[1]; p = strchr(p + 1, '\n')) {
    int e = 0, s = 0;
    lines++;
    /* An epoch row leaves the third cell (lr) empty. */
    const char *third = strchr(p + 1, ',');
    third = third ? strchr(third + 1, ',') : NULL;
    if (sscanf(p + 1, "%d,%d", &e, &s) != 2 || e < 1 || e > 3 || !third) steps_ok = 0;
    else if (third[1] == ',') epoch_rows[e]++;
    else steps_ok &= s == ++step;
  }
  tap_ok(rc == 0 && text && strncmp(text, HEADER, strlen(HEADER)) == 0 && lines == 3 * STEPS_PER_EPOCH + 3 &&
             steps_ok && step == 3 * STEPS_PER_EPOCH && epoch_rows[1] == 1 && epoch_rows[2] == 1 &&
             epoch_rows[3] == 1,
         "after a resume metrics.csv has every step once, in order, and one row per epoch (%d rows)", lines);
}

/* ---- failed writes ---- */

/* Runs dlab_train in a child whose files may not grow past `limit` bytes;
 * 0 when the run failed with a message containing `needle`. */
static int fails_when_full(const char *csv, int with_events, rlim_t limit, const char *needle) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    DlabTrainConfig c = config(3, NULL);
    c.csv_path = csv;
    if (with_events && !(c.events = dlab_tfevents_open(dir))) _exit(2);
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &rl) < 0) _exit(2);
    DlabModel *m = new_model();
    DlabTrainResult r;
    int rc = dlab_train(m, &train_set, &test_set, &c, &r);
    fprintf(stderr, "# child: dlab_train returned %d: %s\n", rc, rc ? dlab_error_message() : "");
    _exit(rc < 0 && strstr(dlab_error_message(), needle) ? 0 : 1);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_failed_writes(void) {
  const char *csv = in_dir("full.csv");
  tap_ok(
      fails_when_full(csv, 0, 600, "full.csv") == 0,
      "a metrics row that cannot be written (file size limit) stops the run with a message naming the file");
  tap_ok(fails_when_full(NULL, 1, 300, "events.out.tfevents") == 0,
         "so does an event record that cannot be written");
}

/* ---- command.txt ---- */

static void check_command(void) {
  const char *first[] = {"dlab", "train", "--out", "my run.safetensors", "--transform", "it's"};
  const char *again[] = {"dlab", "train", "--epochs", "4", "--resume"};
  int rc = dlab_run_command_write(dir, 6, first, 0);
  rc |= dlab_run_command_write(dir, 5, again, 1);
  const char *text = read_text(in_dir("command.txt"));
  tap_ok(rc == 0 && text &&
             strcmp(text,
                    "dlab train --out 'my run.safetensors' --transform 'it'\\''s'\n"
                    "dlab train --epochs 4 --resume\n") == 0,
         "command.txt keeps the run's command (quoted for the shell) and adds the resume");
  rc = dlab_run_command_write(dir, 5, again, 0);
  text = read_text(in_dir("command.txt"));
  tap_ok(rc == 0 && text && strcmp(text, "dlab train --epochs 4 --resume\n") == 0,
         "a new run starts it afresh");
}

/* ---- stale temporaries ---- */

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

static void check_stale_temporaries(void) {
  char ck[4096];
  snprintf(ck, sizeof ck, "%s", in_dir("stale.safetensors"));
  const char *stale[] = {"stale.safetensors.tmp-AbC123", "stale.safetensors.tmp-zz9ZZ0"};
  const char *kept[] = {
      "stale.safetensors.tmp-AbC12",   /* five characters */
      "stale.safetensors.tmp-AbC1234", /* seven */
      "stale.safetensors.tmp-AbC_23",  /* not mkstemp's alphabet */
      "stale.safetensors.tmp-AbC123x", /* longer */
      "xstale.safetensors.tmp-AbC123", /* another file's */
      "stale.safetensors.tmp-",        /* no suffix */
      "stale.optim.safetensors.bak",
  };
  for (int i = 0; i < 2; i++) write_text(in_dir(stale[i]), "");
  for (int i = 0; i < 7; i++) write_text(in_dir(kept[i]), "keep");
  mkdir(in_dir("stale.safetensors.tmp-Dir123"), 0755);
  write_text(in_dir("target"), "target");
  if (symlink(in_dir("target"), in_dir("stale.safetensors.tmp-Lnk123")) < 0) perror("symlink");

  DlabModel *m = new_model();
  int rc = dlab_checkpoint_save(ck, m, NULL);
  int gone = !exists(in_dir(stale[0])) && !exists(in_dir(stale[1]));
  int others = 1;
  for (int i = 0; i < 7; i++) others &= exists(in_dir(kept[i]));
  others &= exists(in_dir("stale.safetensors.tmp-Dir123")) &&
            exists(in_dir("stale.safetensors.tmp-Lnk123")) && exists(in_dir("target"));
  tap_ok(rc == 0 && gone, "a save removes the stale temporaries of its file");
  tap_ok(others, "and nothing else: other names, a folder, a symbolic link (and its target) stay");

  write_text(in_dir("stale.optim.safetensors.tmp-Opt123"), "");
  DlabOptimConfig oc = dlab_optim_defaults(DLAB_OPTIM_SGD);
  DlabOptimizer *o = dlab_optimizer_create(&oc, m);
  rc = dlab_optimizer_save(in_dir("stale.optim.safetensors"), o);
  tap_ok(rc == 0 && !exists(in_dir("stale.optim.safetensors.tmp-Opt123")),
         "so does a save of the optimizer state");

  /* A resume removes them too, before it reads anything. */
  train_fresh(1, in_dir("res.safetensors"));
  write_text(in_dir("res.safetensors.tmp-Res123"), "");
  write_text(in_dir("res.optim.safetensors.tmp-Res456"), "");
  DlabRunMark mark;
  DlabOptimConfig ac = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  DlabOptimizer *adam = dlab_optimizer_create(&ac, m);
  rc = dlab_resume_load(in_dir("res.safetensors"), m, adam, STEPS_PER_EPOCH, &mark);
  tap_ok(rc == 0 && !exists(in_dir("res.safetensors.tmp-Res123")) &&
             !exists(in_dir("res.optim.safetensors.tmp-Res456")),
         "and so does a resume %s", rc ? dlab_error_message() : "");
  tap_ok(dlab_atomic_remove_stale(ck) == 0, "none left the second time");
  dlab_optimizer_free(adam);
  dlab_optimizer_free(o);
  dlab_model_free(m);
}

int main(void) {
  if (!mkdtemp(dir)) {
    tap_ok(0, "temporary directory");
    return tap_done();
  }
  make_data();
  check_stale_temporaries();
  check_marks();
  check_resume_identical();
  check_mismatch();
  check_csv_resume();
  check_csv_flush();
  check_failed_writes();
  check_command();
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) printf("# could not remove %s\n", dir);
  return tap_done();
}
