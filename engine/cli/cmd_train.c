/* dlab train: the same dlab_train() the GUI runs, with terminal progress. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "dlab/checkpoint.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/threads.h"
#include "dlab/train.h"
#include "dlab/zoo.h"
#include "options.h"
#include "progress.h"

typedef struct {
  const char *dataset, *model, *optimizer, *schedule, *out, *log, *data;
  int epochs, batch_size, seed, threads, nesterov, resume, quiet, limit, help;
  float lr, momentum, dampening, weight_decay, label_smoothing, beta1, beta2;
} TrainArgs;

static void print_help(const CliOption *opts, int n) {
  printf("usage: dlab train --dataset mnist|fashion-mnist --model NAME|SPEC [OPTIONS]\n\n"
         "Trains a network, printing per-epoch train and test loss and accuracy, and\n"
         "saves a checkpoint (with the optimizer state beside it) after every epoch.\n\n");
  cli_print_options(opts, n);
  printf("\nSchedules: constant, step[:EPOCHS[:GAMMA]], cosine[:ETA_MIN], onecycle[:PCT],\n"
         "each optionally followed by ,warmup:STEPS (e.g. cosine,warmup:500).\n"
         "Example: dlab train --dataset fashion-mnist --model lenet --epochs 10 \\\n"
         "           --batch-size 256 --optimizer adam --lr 1e-3 --out lenet.safetensors\n");
}

/* The default checkpoint name: "<dataset>-<model>.safetensors". */
static const char *default_out(const TrainArgs *a, char *buf, size_t n) {
  snprintf(buf, n, "%s-%s.safetensors", a->dataset, dlab_zoo_find(a->model) ? a->model : "custom");
  return buf;
}

static int make_log_dir(const char *dir) {
  if (mkdir(dir, 0777) < 0 && errno != EEXIST)
    return dlab_error("--log %s: cannot create the directory: %s", dir, strerror(errno));
  return 0;
}

/* Keeps the first `limit` samples (for quick runs and tests). */
static void limit_dataset(DlabDataset *d, int limit) {
  if (limit > 0 && limit < d->n) d->n = limit;
}

/* Loads the checkpoint and optimizer state of an interrupted run. */
static int resume_from(const char *out, DlabModel *m, DlabOptimizer *opt, long steps_per_epoch,
                       int *start_epoch) {
  char opt_path[4096];
  if (dlab_checkpoint_load_weights(out, m) < 0) return -1;
  if (dlab_optimizer_load(dlab_optimizer_state_path(out, opt_path, sizeof opt_path), opt) < 0) return -1;
  long steps = dlab_optimizer_steps(opt);
  if (steps % steps_per_epoch != 0)
    return dlab_error("%s: %ld steps done is not a whole number of epochs at this batch size; "
                      "resume with the batch size of the original run",
                      opt_path, steps);
  *start_epoch = (int)(steps / steps_per_epoch);
  return 0;
}

static int train_with(TrainArgs *a, DlabDatasetPair *data, DlabTrainConfig *cfg) {
  DlabShape in = {3, {data->train.c, data->train.h, data->train.w}};
  DlabModel *m = dlab_model_create(a->model, in, (uint64_t)a->seed);
  if (!m) return cli_fail("train");
  int rc = 1;
  DlabOptimizer *opt = dlab_optimizer_create(&cfg->optim, m);
  if (!opt) goto done;
  cfg->optimizer = opt;
  if (a->resume) {
    long spe = (data->train.n + cfg->batch_size - 1) / cfg->batch_size;
    if (resume_from(a->out, m, opt, spe, &cfg->start_epoch) < 0) goto done;
    printf("resuming %s after epoch %d\n", a->out, cfg->start_epoch);
  }
  if (!a->quiet)
    printf("training %s (%ld parameters) on %s: %d train, %d test images, %s from %s\n",
           dlab_zoo_find(a->model) ? a->model : "a custom network", dlab_model_count_params(m),
           data->train.name, data->train.n, data->test.n, dlab_optim_kind_name(cfg->optim.kind),
           data->root);
  DlabTrainResult result;
  if (dlab_train(m, &data->train, &data->test, cfg, &result) < 0) goto done;
  if (!a->quiet) printf("saved %s\n", a->out);
  rc = 0;
done:
  if (rc) cli_fail("train");
  dlab_optimizer_free(opt);
  dlab_model_free(m);
  return rc;
}

int cmd_train(int argc, char **argv) {
  TrainArgs a = {.dataset = "mnist", .model = "lenet", .optimizer = "adam", .schedule = "constant",
                 .epochs = 10, .batch_size = 64, .seed = 1, .beta1 = 0.9f, .beta2 = 0.999f};
  CliOption opts[] = {
      {"dataset", OPT_STRING, &a.dataset, "mnist or fashion-mnist (default mnist)", 0},
      {"model", OPT_STRING, &a.model, "a zoo name (dlab models) or a spec (default lenet)", 0},
      {"epochs", OPT_INT, &a.epochs, "number of epochs (default 10)", 0},
      {"batch-size", OPT_INT, &a.batch_size, "images per step (default 64)", 0},
      {"optimizer", OPT_STRING, &a.optimizer, "sgd, adam or adamw (default adam)", 0},
      {"lr", OPT_FLOAT, &a.lr, "learning rate (default 0.01 for sgd, 1e-3 otherwise)", 0},
      {"momentum", OPT_FLOAT, &a.momentum, "SGD momentum (default 0)", 0},
      {"dampening", OPT_FLOAT, &a.dampening, "SGD dampening (default 0)", 0},
      {"nesterov", OPT_FLAG, &a.nesterov, "Nesterov momentum for SGD", 0},
      {"weight-decay", OPT_FLOAT, &a.weight_decay, "L2 (sgd, adam) or decoupled (adamw, default 0.01)", 0},
      {"beta1", OPT_FLOAT, &a.beta1, "Adam beta1 (default 0.9)", 0},
      {"beta2", OPT_FLOAT, &a.beta2, "Adam beta2 (default 0.999)", 0},
      {"schedule", OPT_STRING, &a.schedule, "learning-rate schedule (default constant)", 0},
      {"label-smoothing", OPT_FLOAT, &a.label_smoothing, "cross-entropy label smoothing (default 0)", 0},
      {"seed", OPT_INT, &a.seed, "seed for initialization and shuffling (default 1)", 0},
      {"threads", OPT_INT, &a.threads, "CPU threads (default: all cores)", 0},
      {"out", OPT_STRING, &a.out, "checkpoint file (default DATASET-MODEL.safetensors)", 0},
      {"log", OPT_STRING, &a.log, "directory for metrics.csv", 0},
      {"data", OPT_STRING, &a.data, "dataset root directory (default: the usual places)", 0},
      {"limit", OPT_INT, &a.limit, "use only the first N training images", 0},
      {"resume", OPT_FLAG, &a.resume, "continue the run saved in --out", 0},
      {"quiet", OPT_FLAG, &a.quiet, "print nothing but errors", 0},
      {"help", OPT_FLAG, &a.help, "show this help", 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  if (cli_parse("train", argc, argv, 2, opts, n_opts, pos, 0, &n_pos) < 0) return 2;
  if (a.help) {
    print_help(opts, n_opts);
    return 0;
  }

  DlabTrainConfig cfg = dlab_train_defaults();
  DlabOptimKind kind;
  if (dlab_optim_parse_kind(a.optimizer, &kind) < 0) return cli_fail("train");
  cfg.optim = dlab_optim_defaults(kind);
  if (cli_given(opts, n_opts, "lr")) cfg.optim.lr = a.lr;
  cfg.optim.momentum = a.momentum;
  cfg.optim.dampening = a.dampening;
  cfg.optim.nesterov = a.nesterov;
  if (cli_given(opts, n_opts, "weight-decay")) cfg.optim.weight_decay = a.weight_decay;
  cfg.optim.beta1 = a.beta1;
  cfg.optim.beta2 = a.beta2;
  if (a.nesterov && (kind != DLAB_OPTIM_SGD || a.momentum <= 0 || a.dampening != 0)) {
    fprintf(stderr, "dlab train: --nesterov needs --optimizer sgd, a positive --momentum and no dampening\n");
    return 2;
  }
  if (dlab_schedule_parse(a.schedule, &cfg.schedule) < 0) return cli_fail("train");
  cfg.epochs = a.epochs;
  cfg.batch_size = a.batch_size;
  cfg.label_smoothing = a.label_smoothing;
  cfg.seed = (uint64_t)a.seed;
  char out_buf[4096], csv_path[4096];
  if (!a.out) a.out = default_out(&a, out_buf, sizeof out_buf);
  cfg.checkpoint = a.out;
  if (a.log) {
    if (make_log_dir(a.log) < 0) return cli_fail("train");
    snprintf(csv_path, sizeof csv_path, "%s/metrics.csv", a.log);
    cfg.csv_path = csv_path;
  }
  if (dlab_threads_set(a.threads) < 0) return cli_fail("train");

  CliProgress progress;
  cli_progress_init(&progress, a.quiet);
  cfg.on_step = cli_progress_step;
  cfg.on_epoch = cli_progress_epoch;
  cfg.user = &progress;

  DlabDatasetPair data;
  if (dlab_dataset_load(a.dataset, a.data, &data) < 0) return cli_fail("train");
  limit_dataset(&data.train, a.limit);
  int rc = train_with(&a, &data, &cfg);
  dlab_dataset_pair_free(&data);
  return rc;
}
