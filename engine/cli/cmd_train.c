/* dlab train: the same dlab_train() the GUI runs, with terminal progress. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_i18n.h"
#include "commands.h"
#include "data_args.h"
#include "dlab/checkpoint.h"
#include "dlab/cuda_train.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/recipes.h"
#include "dlab/resume.h"
#include "dlab/threads.h"
#include "dlab/train.h"
#include "dlab/transform.h"
#include "dlab/zoo.h"
#include "options.h"
#include "progress.h"

typedef struct {
  CliDataArgs data;
  const char *model, *optimizer, *schedule, *out, *log, *transform, *save_best, *best, *device, *recipe;
  int epochs, batch_size, seed, threads, nesterov, resume, quiet, limit, help, workers, no_shuffle;
  float lr, momentum, dampening, weight_decay, label_smoothing, beta1, beta2;
  /* filled in */
  DlabTransformList transforms;
  DlabDataset val;
  CliProgress progress;
  DlabDeviceSpec device_spec;
  DlabTfEvents *events; /* --log: TensorBoard's copy of the curves */
  int argc;             /* the command line, for --log's command.txt */
  char **argv;
} TrainArgs;

static void print_help(const CliOption *opts, int n) {
  fputs(_("usage: dlab train --dataset NAME --model NAME|SPEC [OPTIONS]\n"
          "       dlab train --recipe NAME [OPTIONS]\n\n"
          "Trains a network, printing per-epoch train (and validation) and test loss and\n"
          "accuracy (with its standard error), and saves a checkpoint (with the optimizer\n"
          "state beside it) after every epoch. --recipe sets every option as a tutorial\n"
          "does (dlab recipes lists them); options given after it override its settings.\n\n"),
        stdout);
  cli_print_options(opts, n);
  printf(_("\nDatasets: mnist, fashion-mnist; emnist-digits, emnist-mnist, emnist-letters\n"
           "(27 classes: N/A, a..z, as torchvision), emnist-balanced, emnist-bymerge,\n"
           "emnist-byclass (EMNIST is turned upright unless --keep-transposed); cifar10\n"
           "(binary batches in cifar-10-batches-bin); folder:DIR, a folder of PNGs with\n"
           "DIR/train.txt and DIR/test.txt (`path<TAB>label` lines) or DIR/train/CLASS/\n"
           "and DIR/test/CLASS/ sub-folders. `dlab fetch` downloads the named ones.\n"
           "\nTransforms (--transform), applied in order to the training images, each step\n"
           "NAME[:ARG...] with ARG a value in the order shown or KEY=VALUE:\n"
           "  normalize[:MEAN:STD]   given values (A/B/C per channel) or normalize:computed\n"
           "                         (measured on the training split); default: the\n"
           "                         dataset's, added last when not listed\n"
           "  rotate:DEGREES[:FILL]  random rotation in [-DEGREES, DEGREES]\n"
           "  crop:SIZE[:PADDING[:FILL]]  random crop after padding every side\n"
           "  hflip[:P]              horizontal flip with probability P (0.5)\n"
           "  affine:DEGREES[:TX/TY[:LO/HI[:SHEAR[:FILL]]]]  random affine\n"
           "  elastic[:ALPHA[:SIGMA[:FILL]]]  elastic distortion (50, 5)\n"
           "e.g. --transform rotate:5,crop:28:2 is RandomRotation(5), RandomCrop(28, padding=2).\n"
           "\nValidation: --val-split 0.1 --split-seed 42 keeps 10%% of the training set\n"
           "out of training (never the test set) and evaluates it after every epoch;\n"
           "--save-best val_acc (or val_loss) writes the best epoch's model to --best\n"
           "(default OUT.best.safetensors).\n"
           "\nSchedules: constant, step[:EPOCHS[:GAMMA]], stepstart[:EPOCHS[:GAMMA]] (the cut\n"
           "at the start of epochs 0, EPOCHS, 2 EPOCHS... as the MNIST MLP tutorial does),\n"
           "cosine[:ETA_MIN], onecycle[:PCT], each optionally followed by ,warmup:STEPS\n"
           "(e.g. cosine,warmup:500).\n"
           "Example: dlab train --dataset fashion-mnist --model lenet --epochs 10 \\\n"
           "           --batch-size 256 --optimizer adam --lr 1e-3 --out lenet.safetensors\n"));
}

/* The default checkpoint name: "<dataset>-<model>.safetensors". */
static const char *default_out(const TrainArgs *a, char *buf, size_t n) {
  const char *dataset = a->data.dataset;
  if (strncmp(dataset, "folder:", 7) == 0) dataset = "folder";
  snprintf(buf, n, "%s-%s.safetensors", dataset, dlab_zoo_find(a->model) ? a->model : "custom");
  return buf;
}

/* "run.safetensors" -> "run.best.safetensors". */
static const char *default_best(const char *out, char *buf, size_t n) {
  size_t len = strlen(out);
  const char *ext = ".safetensors";
  size_t el = strlen(ext);
  if (len > el && strcmp(out + len - el, ext) == 0)
    snprintf(buf, n, "%.*s.best%s", (int)(len - el), out, ext);
  else
    snprintf(buf, n, "%s.best.safetensors", out);
  return buf;
}

static void on_step(const DlabStepInfo *info, void *user) {
  TrainArgs *a = user;
  cli_progress_step(info, &a->progress);
}

/* The per-epoch line, then the validation result when there is one. */
static void on_epoch(const DlabEpochInfo *info, void *user) {
  TrainArgs *a = user;
  cli_progress_epoch(info, &a->progress);
  if (a->quiet || !a->val.n) return;
  printf(_("  val loss %.4f acc %.4f%s\n"), info->val_loss, info->val_accuracy,
         info->best ? _("  (best so far, saved)") : "");
  fflush(stdout);
}

static int make_log_dir(const char *dir) {
  if (mkdir(dir, 0777) < 0 && errno != EEXIST)
    return dlab_error(_("--log %s: cannot create the directory: %s"), dir, strerror(errno));
  return 0;
}

/* Keeps the first `limit` samples (for quick runs and tests). */
static void limit_dataset(DlabDataset *d, int limit) {
  if (limit > 0 && limit < d->n) d->n = limit;
}

/* --log DIR: command.txt (the run's command, then a line per resume) and
 * a new TensorBoard event file, which a resumed run's scalars continue. */
static int open_log(TrainArgs *a, DlabTrainConfig *cfg) {
  if (!a->log) return 0;
  if (dlab_run_command_write(a->log, a->argc, (const char *const *)a->argv, a->resume) < 0) return -1;
  if (!(a->events = dlab_tfevents_open(a->log))) return -1;
  cfg->events = a->events;
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
  DlabRunMark mark;
  if (a->resume) {
    long spe = (data->train.n + cfg->batch_size - 1) / cfg->batch_size;
    if (dlab_resume_load(a->out, m, opt, spe, &mark) < 0) goto done;
    cfg->start_epoch = mark.epoch;
    cfg->run_id = mark.run_id;
    if (!a->quiet) printf(_("resuming %s after epoch %d\n"), a->out, cfg->start_epoch);
  }
  if (open_log(a, cfg) < 0) goto done;
  if (!a->quiet) {
    printf(_("training %s (%ld parameters) on %s: %d train, "),
           dlab_zoo_find(a->model) ? a->model : _("a custom network"), dlab_model_count_params(m),
           data->train.name, data->train.n);
    if (a->val.n) printf(_("%d validation, "), a->val.n);
    printf(_("%d test images, %s from %s\n"), data->test.n, dlab_optim_kind_name(cfg->optim.kind),
           data->root);
    if (dlab_transforms_augment(&a->transforms)) {
      char desc[512];
      printf(_("transforms: %s\n"), dlab_transforms_describe(&a->transforms, desc, sizeof desc));
    }
  }
  DlabTrainResult result;
  if (dlab_train_device(a->device_spec, m, &data->train, &data->test, cfg, &result) < 0) goto done;
  if (!a->quiet) printf(_("saved %s\n"), a->out);
  if (!a->quiet && result.best_epoch)
    printf(_("best: epoch %d, %s %.4f, saved %s\n"), result.best_epoch,
           cfg->save_best == DLAB_SAVE_BEST_VAL_LOSS ? "val_loss" : "val_acc", result.best_value,
           cfg->best_checkpoint);
  rc = 0;
done:
  if (rc) cli_fail("train");
  dlab_optimizer_free(opt);
  dlab_model_free(m);
  return rc;
}

static int train_main(int argc, char **argv);

/* A recipe's settings as command-line arguments: "--lr", "0.01", ... The
 * option names are built in `names` (one RECIPE_FLAG_MAX slot each); the
 * values point into the recipe table. Returns the count written to out. */
#define RECIPE_FLAG_MAX 64
static int recipe_arguments(const DlabRecipe *r, char **out, char *names) {
  int k = 0;
  for (int i = 0; r->settings[i].option; i++) {
    char *flag = names + (size_t)RECIPE_FLAG_MAX * i;
    snprintf(flag, RECIPE_FLAG_MAX, "--%s", r->settings[i].option);
    out[k++] = flag;
    if (r->settings[i].value) out[k++] = (char *)r->settings[i].value;
  }
  return k;
}

/* `dlab train ... --recipe NAME ...` runs as `dlab train ... SETTINGS ...`:
 * the recipe's settings stand where --recipe stood, so the options after it
 * override them. */
int cmd_train(int argc, char **argv) {
  int at = -1, width = 0;
  for (int i = 2; i < argc && at < 0; i++) {
    if (strcmp(argv[i], "--recipe") == 0) at = i, width = 2;
    else if (strncmp(argv[i], "--recipe=", 9) == 0) at = i, width = 1;
  }
  if (at < 0) return train_main(argc, argv);
  if (width == 2 && at + 1 >= argc) {
    fputs(_("dlab train: --recipe needs a name (dlab recipes lists them)\n"), stderr);
    return 2;
  }
  const DlabRecipe *r = dlab_recipe_find(width == 2 ? argv[at + 1] : argv[at] + 9);
  if (!r) return cli_fail("train");
  int n_settings = 0;
  while (r->settings[n_settings].option) n_settings++;
  char **args = calloc((size_t)(argc + 2 * n_settings + 1), sizeof *args);
  char *names = calloc((size_t)n_settings + 1, RECIPE_FLAG_MAX);
  int rc = 1;
  if (!args || !names) {
    dlab_error("%s", _("out of memory"));
    cli_fail("train");
    goto done;
  }
  int n = 0;
  for (int i = 0; i < at; i++) args[n++] = argv[i];
  n += recipe_arguments(r, args + n, names);
  for (int i = at + width; i < argc; i++) args[n++] = argv[i];
  rc = train_main(n, args);
done:
  free(args);
  free(names);
  return rc;
}

static int train_main(int argc, char **argv) {
  static TrainArgs a; /* large (transform list, datasets); one per process */
  a = (TrainArgs){.data = {.dataset = "mnist", .split_seed = CLI_DEFAULT_SPLIT_SEED},
                  .model = "lenet", .optimizer = "adam", .schedule = "constant", .epochs = 10,
                  .batch_size = 64, .seed = 1, .beta1 = 0.9f, .beta2 = 0.999f, .workers = -1,
                  .device = "cpu"};
  CliOption opts[] = {
      CLI_DATA_OPTIONS(&a.data),
      {"recipe", OPT_STRING, &a.recipe, N_("a tutorial's settings (dlab recipes); later options override"), 0},
      {"model", OPT_STRING, &a.model, N_("a zoo name (dlab models) or a spec (default lenet)"), 0},
      {"epochs", OPT_INT, &a.epochs, N_("number of epochs (default 10)"), 0},
      {"batch-size", OPT_INT, &a.batch_size, N_("images per step (default 64)"), 0},
      {"no-shuffle", OPT_FLAG, &a.no_shuffle, N_("keep the dataset's order in every epoch (default: shuffled)"), 0},
      {"optimizer", OPT_STRING, &a.optimizer, N_("sgd, adam or adamw (default adam)"), 0},
      {"lr", OPT_FLOAT, &a.lr, N_("learning rate (default 0.01 for sgd, 1e-3 otherwise)"), 0},
      {"momentum", OPT_FLOAT, &a.momentum, N_("SGD momentum (default 0)"), 0},
      {"dampening", OPT_FLOAT, &a.dampening, N_("SGD dampening (default 0)"), 0},
      {"nesterov", OPT_FLAG, &a.nesterov, N_("Nesterov momentum for SGD"), 0},
      {"weight-decay", OPT_FLOAT, &a.weight_decay, N_("L2 (sgd, adam) or decoupled (adamw, default 0.01)"), 0},
      {"beta1", OPT_FLOAT, &a.beta1, N_("Adam beta1 (default 0.9)"), 0},
      {"beta2", OPT_FLOAT, &a.beta2, N_("Adam beta2 (default 0.999)"), 0},
      {"schedule", OPT_STRING, &a.schedule, N_("learning-rate schedule (default constant)"), 0},
      {"label-smoothing", OPT_FLOAT, &a.label_smoothing, N_("cross-entropy label smoothing (default 0)"), 0},
      {"seed", OPT_INT, &a.seed, N_("seed for initialization and shuffling (default 1)"), 0},
      {"threads", OPT_INT, &a.threads, N_("CPU threads (default: all cores)"), 0},
      {"device", OPT_STRING, &a.device, N_("cpu (default), cuda or cuda:N: where to train (dlab devices)"), 0},
      {"out", OPT_STRING, &a.out, N_("checkpoint file (default DATASET-MODEL.safetensors)"), 0},
      {"log", OPT_STRING, &a.log, N_("directory for metrics.csv and a TensorBoard event file"), 0},
      CLI_SPLIT_OPTIONS(&a.data),
      {"save-best", OPT_STRING, &a.save_best, N_("val_loss or val_acc: keep the best epoch's model (needs --val-split)"), 0},
      {"best", OPT_STRING, &a.best, N_("file for --save-best (default OUT.best.safetensors)"), 0},
      {"transform", OPT_STRING, &a.transform, N_("training transforms, e.g. rotate:5,crop:28:2 (see below)"), 0},
      {"workers", OPT_INT, &a.workers, N_("threads preparing batches (default: 1 per 2 cores with augmentation)"), 0},
      {"limit", OPT_INT, &a.limit, N_("use only the first N training images"), 0},
      {"resume", OPT_FLAG, &a.resume, N_("continue the run saved in --out"), 0},
      {"quiet", OPT_FLAG, &a.quiet, N_("print nothing but errors"), 0},
      {"help", OPT_FLAG, &a.help, N_("show this help"), 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  if (cli_parse("train", argc, argv, 2, opts, n_opts, pos, 0, &n_pos) < 0) return 2;
  if (a.help) {
    print_help(opts, n_opts);
    return 0;
  }
  if (a.recipe) {
    fprintf(stderr, _("dlab train: --recipe %s: give one recipe, once\n"), a.recipe);
    return 2;
  }

  /* Before any data is read: a GPU that is not there is said at once. */
  if (dlab_device_parse(a.device, &a.device_spec) < 0 || dlab_device_check(a.device_spec) < 0)
    return cli_fail("train");
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
    fputs(_("dlab train: --nesterov needs --optimizer sgd, a positive --momentum and no dampening\n"),
          stderr);
    return 2;
  }
  if (dlab_schedule_parse(a.schedule, &cfg.schedule) < 0) return cli_fail("train");
  cfg.epochs = a.epochs;
  cfg.batch_size = a.batch_size;
  cfg.no_shuffle = a.no_shuffle;
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

  if (dlab_transforms_parse(a.transform, &a.transforms) < 0) return cli_fail("train");
  cfg.transforms = &a.transforms;
  cfg.loader_workers = a.workers;
  char best_buf[4096];
  if (a.save_best) {
    if (dlab_save_best_parse(a.save_best, &cfg.save_best) < 0) return cli_fail("train");
    if (cfg.save_best != DLAB_SAVE_BEST_NONE && a.data.val_split == 0) {
      fputs(_("dlab train: --save-best needs a validation set: add --val-split (e.g. 0.1)\n"), stderr);
      return 2;
    }
    cfg.best_checkpoint = a.best ? a.best : default_best(a.out, best_buf, sizeof best_buf);
  }

  a.argc = argc;
  a.argv = argv;
  cli_progress_init(&a.progress, a.quiet);
  cfg.on_step = on_step;
  cfg.on_epoch = on_epoch;
  cfg.user = &a;

  DlabDatasetPair data;
  if (cli_open_dataset("train", &a.data, NULL, &data) < 0) return 1;
  limit_dataset(&data.train, a.limit);
  a.progress.test_n = data.test.n;
  int rc = 1;
  if (cli_split_validation("train", &a.data, &data, &a.val) < 0) goto done;
  if (dlab_transforms_set_stats(&a.transforms, &data.train, a.val.n ? &a.val : NULL, &data.test) < 0 ||
      dlab_transforms_check(&a.transforms, data.train.c, data.train.h, data.train.w) < 0) {
    cli_fail("train");
    goto done;
  }
  cfg.val = a.val.n ? &a.val : NULL;
  rc = train_with(&a, &data, &cfg);
  if (dlab_tfevents_close(a.events) < 0 && rc == 0) rc = cli_fail("train");
done:
  dlab_dataset_free(&a.val);
  dlab_dataset_pair_free(&data);
  return rc;
}
