/* Issue 14: in a locale that writes decimals with a comma the engine read
 * "dropout 0.3" as "P `0.3` is not a number", stored `dlab.mean = 0,1307`
 * and wrote metrics.csv rows with commas inside the numbers. The
 * application calls setlocale(LC_ALL, ""), and so does dlab: every spec,
 * schedule, transform, JSON number, message and file must read and write
 * the same text in de_DE.UTF-8 as in C. A training run on a worker thread
 * (as the application's) writes a byte-identical checkpoint, optimizer
 * state and metrics.csv (timing columns aside) and the same TensorBoard
 * scalars in both locales. Skipped where no decimal-comma locale is
 * installed (tools/setup.sh generates de_DE.UTF-8). */
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/numtext.h"
#include "dlab/checkpoint.h"
#include "dlab/cnum.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/predictor.h"
#include "dlab/pytorch_code.h"
#include "dlab/run.h"
#include "dlab/schedule.h"
#include "dlab/train.h"
#include "dlab/transform.h"
#include "dlab/zoo.h"
#include "io/csv_log.h"
#include "io/json.h"
#include "io/safetensors.h"
#include "nn/spec.h"
#include "test_util.h"
#include "tfevents_reader.h"

static char dir[] = "/tmp/dlab-test-locale-XXXXXX";

static const char *path_in_dir(const char *name) {
  static char buf[4][512];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

static const char *comma_locale(void) {
  static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL};
  for (int i = 0; names[i]; i++) {
    const char *got = setlocale(LC_ALL, names[i]);
    if (got && strcmp(localeconv()->decimal_point, ",") == 0) return names[i];
  }
  setlocale(LC_ALL, "C");
  return NULL;
}

/* ---- texts ---- */

static void test_spec(const char *loc) {
  const char *spec = "flatten | dropout 0.3 | fc: linear 16 | lrelu 0.2 | linear 10";
  DlabLayer **layers = NULL;
  int n = 0;
  dlab_error_clear();
  int rc = dlab_spec_parse(spec, &layers, &n);
  tap_ok(rc == 0, "%s: spec `%s` parses (%s)", loc, spec, dlab_error_message());
  char *back = rc == 0 ? dlab_spec_format(layers, n) : NULL;
  tap_ok(back && strcmp(back, spec) == 0, "%s: it formats back with '.': %s", loc, back ? back : "(null)");
  free(back);
  for (int i = 0; i < n; i++) dlab_layer_destroy(layers[i]);
  free(layers);

  DlabShape in = {3, {1, 28, 28}};
  DlabModel *m = dlab_model_describe(dlab_zoo_find("lenet")->spec, in);
  tap_ok(m != NULL, "%s: the lenet spec (lrelu 0.1) is accepted (%s)", loc, m ? "" : dlab_error_message());
  char *code = m ? dlab_pytorch_code(m) : NULL;
  tap_ok(code && strstr(code, "0.1") && !strstr(code, "0,1"), "%s: its PyTorch code says 0.1", loc);
  free(code);
  dlab_model_free(m);
}

static void test_schedule(const char *loc) {
  DlabScheduleConfig c;
  int rc = dlab_schedule_parse("step:2:0.5", &c);
  tap_ok(rc == 0 && c.step_size == 2 && c.gamma == 0.5f, "%s: schedule step:2:0.5 (%s)", loc,
         rc ? dlab_error_message() : "gamma 0.5");
  rc = dlab_schedule_parse("cosine:0.0001,warmup:10", &c);
  tap_ok(rc == 0 && c.eta_min == 0.0001f && c.warmup_steps == 10, "%s: schedule cosine:0.0001,warmup:10 (%s)",
         loc, rc ? dlab_error_message() : "eta_min 1e-4");
}

static void test_transforms(const char *loc) {
  DlabTransformList t;
  const char *text = "rotate:7.5,hflip:0.25,normalize:0.1307:0.3081";
  int rc = dlab_transforms_parse(text, &t);
  tap_ok(rc == 0, "%s: transforms %s parse (%s)", loc, text, rc ? dlab_error_message() : "");
  char desc[256] = "";
  if (rc == 0) dlab_transforms_describe(&t, desc, sizeof desc);
  tap_ok(strcmp(desc, "rotate:7.5:0,hflip:0.25,normalize:0.1307:0.3081") == 0, "%s: described with '.': %s",
         loc, desc);
  rc = dlab_transforms_parse("rotate:200.5", &t);
  tap_ok(rc < 0 && strstr(dlab_error_message(), "200.5") && !strstr(dlab_error_message(), "200,5"),
         "%s: the engine's messages quote numbers as they are typed: %s", loc, dlab_error_message());
}

static void test_json_and_numbers(const char *loc) {
  DlabJsonOut o;
  dlab_json_out_init(&o);
  dlab_json_out_printf(&o, "{\"lr\":%g}", 0.25);
  tap_ok(!o.failed && strcmp(o.data, "{\"lr\":0.25}") == 0, "%s: JSON numbers are written with '.': %s", loc,
         o.data);
  dlab_json_out_free(&o);

  char *end;
  double d = dlab_strtod_c("0.3081x", &end);
  char buf[32];
  dlab_snprintf_c(buf, sizeof buf, "%.4f", 0.1307);
  tap_ok(d == 0.3081 && *end == 'x' && dlab_strtof_c("1e-3", NULL) == 1e-3f && strcmp(buf, "0.1307") == 0,
         "%s: dlab_strtod_c, dlab_strtof_c and dlab_snprintf_c read and write '.'", loc);
}

/* The run's options, which dlab train and the Train page parse. */
static void test_run_options(const char *loc) {
  DlabRunOptions o = dlab_run_options_defaults();
  int rc = dlab_run_options_set(&o, "lr", "0.05");
  tap_ok(rc == 0 && o.lr == 0.05f, "%s: --lr 0.05 is read (%s)", loc, rc ? dlab_error_message() : "0.05");
  char range[64], num[DLAB_NUMTEXT_SIZE];
  dlab_run_option_range(dlab_run_option_find("val-split"), range, sizeof range);
  dlab_format_float(0.1f, num);
  tap_ok(strcmp(range, "[0, 1)") == 0 && strcmp(num, "0.1") == 0,
         "%s: ranges and option values are written with '.': %s, %s", loc, range, num);
}

/* ---- files ---- */

/* A checkpoint records mean and std as "0.1307", and reads them back. */
static void test_checkpoint_meta(const char *loc) {
  DlabShape in = {3, {1, 2, 2}};
  DlabModel *m = dlab_model_create("flatten | linear 2", in, 1);
  DlabModelInfo info = {0}, back = {0};
  snprintf(info.dataset, sizeof info.dataset, "mnist");
  snprintf(info.orientation, sizeof info.orientation, "normal");
  info.channels = 1, info.mean[0] = 0.1307f, info.std[0] = 0.3081f;
  info.num_classes = 2, info.class_names[0] = strdup("a"), info.class_names[1] = strdup("b");
  const char *path = path_in_dir("meta.safetensors");
  int rc = m ? dlab_checkpoint_save(path, m, &info) : -1;
  tap_ok(rc == 0, "%s: save a checkpoint (%s)", loc, rc ? dlab_error_message() : "");
  DlabSafetensors st;
  if (rc == 0 && dlab_safetensors_read(path, &st) == 0) {
    const char *mean = dlab_safetensors_meta(&st, "dlab.mean"), *std = dlab_safetensors_meta(&st, "dlab.std");
    tap_ok(mean && std && strcmp(mean, "0.1307") == 0 && strcmp(std, "0.3081") == 0,
           "%s: dlab.mean = %s, dlab.std = %s", loc, mean ? mean : "-", std ? std : "-");
    dlab_safetensors_free(&st);
  } else {
    tap_ok(0, "%s: read the checkpoint's metadata (%s)", loc, dlab_error_message());
  }
  DlabModel *loaded = dlab_checkpoint_load(path, &back);
  tap_ok(loaded && back.mean[0] == 0.1307f && back.std[0] == 0.3081f, "%s: it loads with mean 0.1307 (%s)",
         loc, loaded ? "" : dlab_error_message());
  dlab_model_free(loaded);
  dlab_model_free(m);
  dlab_model_info_free(&info);
  dlab_model_info_free(&back);
  unlink(path);
}

static char *slurp(const char *path, size_t *len);

/* metrics.csv: a row of 3 values has 3 fields. */
static void test_csv(const char *loc) {
  static const char *const columns[] = {"epoch", "lr", "loss"};
  const double row[] = {1, 0.001, 2.5};
  DlabCsvLog log = {0};
  const char *path = path_in_dir("metrics.csv");
  int rc = dlab_csv_open(&log, path, columns, 3) == 0 && dlab_csv_row(&log, row) == 0 ? 0 : -1;
  dlab_csv_close(&log);
  size_t len = 0;
  char *text = rc == 0 ? slurp(path, &len) : NULL;
  int same = text && strcmp(text, "epoch,lr,loss\n1,0.001,2.5\n") == 0;
  tap_ok(same, "%s: metrics.csv rows are written with '.' (1,0.001,2.5)", loc);
  if (!same) printf("# %s\n", text ? strchr(text, '\n') + 1 : dlab_error_message());
  free(text);
  unlink(path);
}

static void test_default_model(const char *loc) {
  const char *path = dlab_default_model_path();
  if (access(path, R_OK) != 0) {
    printf("# %s: no built-in model at %s\n", loc, path);
    return;
  }
  DlabPredictor *p = dlab_predictor_load(path);
  tap_ok(p != NULL, "%s: the built-in model loads (%s)", loc, p ? path : dlab_error_message());
  dlab_predictor_free(p);
}

/* ---- a training run on a worker thread, as the application's ---- */

#define SIDE 4
#define N_TRAIN 40

static void make_dataset(DlabDataset *d, const char *name, int n) {
  static const char *const names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  memset(d, 0, sizeof *d);
  snprintf(d->name, sizeof d->name, "%s", name);
  d->n = n, d->c = 1, d->h = SIDE, d->w = SIDE;
  d->images = malloc((size_t)n * SIDE * SIDE);
  d->labels = malloc((size_t)n);
  if (!d->images || !d->labels) exit(99);
  for (int i = 0; i < n; i++) {
    d->labels[i] = (uint8_t)(i % 10);
    for (int p = 0; p < SIDE * SIDE; p++) d->images[i * SIDE * SIDE + p] = (uint8_t)((37 * i + 11 * p) % 256);
  }
  dlab_dataset_set_classes(d, names, 10);
  d->mean[0] = 0.1307f, d->std[0] = 0.3081f;
}

typedef struct {
  const char *tag; /* "c" or "de": the files' prefix */
  DlabDataset *train, *test;
  int rc;
  char error[256];
} Run;

static void *run_training(void *arg) {
  Run *r = arg;
  char ckpt[600], csv[600], log[600];
  snprintf(ckpt, sizeof ckpt, "%s/%s.safetensors", dir, r->tag);
  snprintf(log, sizeof log, "%s/%s-log", dir, r->tag);
  snprintf(csv, sizeof csv, "%s/%s-log/metrics.csv", dir, r->tag);
  r->rc = -1;
  DlabTrainConfig cfg = dlab_train_defaults();
  DlabTransformList t;
  DlabShape in = {3, {1, SIDE, SIDE}};
  DlabModel *m = dlab_model_create("flatten | dropout 0.25 | linear 12 | lrelu 0.1 | linear 10", in, 3);
  DlabTfEvents *events = NULL;
  if (m && dlab_schedule_parse("step:1:0.5", &cfg.schedule) == 0 &&
      dlab_transforms_parse("rotate:7.5", &t) == 0 && mkdir(log, 0777) == 0 &&
      (events = dlab_tfevents_open(log))) {
    cfg.epochs = 2, cfg.batch_size = 8, cfg.seed = 5, cfg.loader_workers = 0;
    cfg.optim = dlab_optim_defaults(DLAB_OPTIM_SGD);
    cfg.optim.lr = 0.05f, cfg.optim.momentum = 0.9f;
    cfg.label_smoothing = 0.1f;
    cfg.transforms = &t;
    cfg.checkpoint = ckpt, cfg.csv_path = csv, cfg.events = events;
    cfg.run_id = "0123456789abcdef0123456789abcdef"; /* pinned: the files compare byte for byte */
    DlabTrainResult result;
    r->rc = dlab_train(m, r->train, r->test, &cfg, &result);
  }
  if (dlab_tfevents_close(events) < 0) r->rc = -1;
  snprintf(r->error, sizeof r->error, "%s", dlab_error_message());
  dlab_model_free(m);
  return NULL;
}

static int train_on_thread(Run *r) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_training, r) != 0) return -1;
  pthread_join(thread, NULL);
  return r->rc;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n + 4096 + 1 > cap && !(buf = realloc(buf, cap = 2 * cap + 4096 + 1))) break;
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got < 4096) break;
  }
  fclose(f);
  if (buf) buf[n] = '\0';
  *len = n;
  return buf;
}

static int same_file(const char *a, const char *b) {
  size_t la = 0, lb = 0;
  char *x = slurp(a, &la), *y = slurp(b, &lb);
  int same = x && y && la == lb && memcmp(x, y, la) == 0;
  free(x);
  free(y);
  return same;
}

/* metrics.csv without the columns that time the run; also counts the
 * fields of every row against the header. */
static char *csv_without_timing(const char *path, int *bad_rows) {
  size_t len;
  char *text = slurp(path, &len);
  if (!text) return NULL;
  char *out = calloc(len + 1, 1), *o = out;
  int skip[64] = {0}, header_fields = 0;
  *bad_rows = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    int field = 0, is_header = header_fields == 0;
    for (char *p = line, *start = line;; p++) {
      if (*p != ',' && *p != '\0') continue;
      if (is_header && field < 64)
        skip[field] = (p - start == 14 && strncmp(start, "images_per_sec", 14) == 0) ||
                      (p - start == 7 && strncmp(start, "seconds", 7) == 0);
      if (field >= 64 || !skip[field]) {
        memcpy(o, start, (size_t)(p - start));
        o += p - start;
        *o++ = *p ? ',' : '\n';
      }
      field++;
      start = p + 1;
      if (!*p) break;
    }
    if (header_fields == 0)
      header_fields = field;
    else if (field != header_fields)
      (*bad_rows)++;
  }
  free(text);
  return out;
}

/* The scalars but images_per_sec (a timing), one "tag step value" line each. */
static char *scalars(const char *log_dir) {
  char path[1024];
  int count;
  TfrRecords r;
  if (tfr_find_event_file(log_dir, path, sizeof path, &count) < 0 || tfr_read_records(path, &r) < 0)
    return NULL;
  char *out = calloc((size_t)r.n + 1, 400), *o = out;
  for (int i = 0; out && i < r.n; i++)
    if (r.events[i].has_value && !strstr(r.events[i].tag, "images_per_sec"))
      o +=
          sprintf(o, "%s %lld %a\n", r.events[i].tag, (long long)r.events[i].step, (double)r.events[i].value);
  free(r.events);
  return out;
}

static void test_training(const char *loc) {
  DlabDataset train, test;
  make_dataset(&train, "synthetic", N_TRAIN);
  make_dataset(&test, "synthetic-test", 20);
  Run c = {.tag = "c", .train = &train, .test = &test}, de = {.tag = "de", .train = &train, .test = &test};
  setlocale(LC_ALL, "C");
  int rc_c = train_on_thread(&c);
  setlocale(LC_ALL, loc);
  int rc_de = train_on_thread(&de);
  tap_ok(rc_c == 0 && rc_de == 0, "%s: a run trains on a worker thread in C and in %s (%s%s)", loc, loc,
         c.error, de.error);
  tap_ok(same_file(path_in_dir("c.safetensors"), path_in_dir("de.safetensors")),
         "%s: the checkpoints are byte-identical", loc);
  tap_ok(same_file(path_in_dir("c.optim.safetensors"), path_in_dir("de.optim.safetensors")),
         "%s: the optimizer states are byte-identical", loc);
  int bad_c = 0, bad_de = 0;
  char *csv_c = csv_without_timing(path_in_dir("c-log/metrics.csv"), &bad_c);
  char *csv_de = csv_without_timing(path_in_dir("de-log/metrics.csv"), &bad_de);
  tap_ok(csv_c && csv_de && bad_de == 0 && bad_c == 0 && strcmp(csv_c, csv_de) == 0,
         "%s: metrics.csv is the same but for the timing columns (%d rows of the wrong width)", loc, bad_de);

  free(csv_c);
  free(csv_de);
  char *tb_c = scalars(path_in_dir("c-log")), *tb_de = scalars(path_in_dir("de-log"));
  tap_ok(tb_c && tb_de && *tb_c && strcmp(tb_c, tb_de) == 0, "%s: the TensorBoard scalars are the same", loc);
  free(tb_c);
  free(tb_de);
  dlab_dataset_free(&train);
  dlab_dataset_free(&test);
}

static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  struct dirent *e;
  char sub[1024];
  while (d && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    if (e->d_type == DT_DIR)
      remove_tree(sub);
    else
      unlink(sub);
  }
  if (d) closedir(d);
  rmdir(path);
}

int main(void) {
  const char *loc = comma_locale();
  if (!loc) {
    tap_skip_all("no decimal-comma locale (de_DE.UTF-8) installed: tools/setup.sh generates it");
    return 77;
  }
  if (!mkdtemp(dir)) {
    tap_skip_all("cannot create a temporary directory");
    return 77;
  }
  test_spec(loc);
  test_schedule(loc);
  test_transforms(loc);
  test_json_and_numbers(loc);
  test_run_options(loc);
  test_checkpoint_meta(loc);
  test_csv(loc);
  test_default_model(loc);
  test_training(loc);
  remove_tree(dir);
  return tap_done();
}
