/* dlab train: a thin front end over the engine's run API (dlab/run.h),
 * which the application's Train page drives too: the options are the
 * engine's table, the run is the engine's; this file adds the terminal's
 * progress lines and --recipe, --quiet and --help. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/error.h"
#include "dlab/recipes.h"
#include "dlab/run.h"
#include "dlab/threads.h"
#include "dlab/zoo.h"
#include "options.h"
#include "progress.h"

typedef struct {
  int quiet, help;
  int has_val;
  CliProgress progress;
} TrainCli;

/* The run's options are the engine's table; their help texts are marked
 * there for po/ and translated here. */
static void print_options(void) {
  static const OptKind kinds[] = {[DLAB_RUN_OPT_STRING] = OPT_STRING, [DLAB_RUN_OPT_INT] = OPT_INT,
                                  [DLAB_RUN_OPT_FLOAT] = OPT_FLOAT, [DLAB_RUN_OPT_FLAG] = OPT_FLAG};
  for (const DlabRunOption *o = dlab_run_option_table(); o->name; o++)
    cli_print_option(o->name, kinds[o->kind], o->help);
  cli_print_option("recipe", OPT_STRING, N_("a tutorial's settings (dlab recipes); later options override"));
  cli_print_option("quiet", OPT_FLAG, N_("print nothing but errors"));
  cli_print_option("help", OPT_FLAG, N_("show this help"));
}

static void print_help(void) {
  fputs(_("usage: dlab train --dataset NAME --model NAME|SPEC [OPTIONS]\n"
          "       dlab train --recipe NAME [OPTIONS]\n\n"
          "Trains a network, printing per-epoch train (and validation) and test loss and\n"
          "accuracy (with its standard error), and saves a checkpoint (with the optimizer\n"
          "state beside it) after every epoch. --recipe sets every option as a tutorial\n"
          "does (dlab recipes lists them); options given after it override its settings.\n\n"),
        stdout);
  print_options();
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

static void on_step(const DlabStepInfo *info, void *user) {
  TrainCli *t = user;
  cli_progress_step(info, &t->progress);
}

/* The per-epoch line, then the validation result when there is one. */
static void on_epoch(const DlabEpochInfo *info, void *user) {
  TrainCli *t = user;
  cli_progress_epoch(info, &t->progress);
  if (t->quiet || !t->has_val) return;
  printf(_("  val loss %.4f acc %.4f%s\n"), info->val_loss, info->val_accuracy,
         info->best ? _("  (best so far, saved)") : "");
  fflush(stdout);
}

static void print_start(const DlabRunSummary *s, const DlabRunOptions *o) {
  if (s->start_epoch > 0) printf(_("resuming %s after epoch %d\n"), s->checkpoint, s->start_epoch);
  const char *model = dlab_zoo_find(o->model) ? o->model : _("a custom network");
  printf(_("training %s (%ld parameters) on %s: %d train, "), model, s->params, s->dataset, s->n_train);
  if (s->n_val) printf(_("%d validation, "), s->n_val);
  printf(_("%d test images, %s from %s\n"), s->n_test, o->optimizer, s->data_root);
  if (s->transforms[0]) printf(_("transforms: %s\n"), s->transforms);
}

static void print_end(const DlabRunSummary *s, const DlabTrainResult *result, const DlabRunOptions *o) {
  if (result->stopped_early)
    printf(_("stopped early after epoch %d: no better %s for %d epochs since epoch %d\n"), result->stopped_early,
           strcmp(o->save_best, "val_loss") == 0 ? "val_loss" : "val_acc", o->patience, result->best_epoch);
  printf(_("saved %s\n"), s->checkpoint);
  if (result->best_epoch)
    printf(_("best: epoch %d, %s %.4f, saved %s\n"), result->best_epoch,
           strcmp(o->save_best, "val_loss") == 0 ? "val_loss" : "val_acc", result->best_value,
           s->best_checkpoint);
}

/* Takes --quiet, --help and a second --recipe out of the arguments; the
 * rest are the run's options. */
static int take_cli_options(TrainCli *t, int argc, char **argv, char **rest, int *n_rest) {
  *n_rest = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--quiet") == 0) t->quiet = 1;
    else if (strcmp(argv[i], "--help") == 0) t->help = 1;
    else if (strcmp(argv[i], "--recipe") == 0 || strncmp(argv[i], "--recipe=", 9) == 0) {
      fputs(_("dlab train: --recipe: give one recipe, once\n"), stderr);
      return -1;
    } else rest[(*n_rest)++] = argv[i];
  }
  return 0;
}

static int train_main(int argc, char **argv) {
  TrainCli t = {0};
  char **rest = calloc((size_t)argc + 1, sizeof *rest);
  if (!rest) return cli_fail("train");
  int n_rest, rc = 2;
  DlabRun *run = NULL;
  DlabRunOptions o = dlab_run_options_defaults();
  if (take_cli_options(&t, argc - 2, argv + 2, rest, &n_rest) < 0) goto done;
  if (t.help) {
    print_help();
    rc = 0;
    goto done;
  }
  if (dlab_run_options_parse(&o, n_rest, rest) < 0) {
    cli_fail("train");
    goto done;
  }
  rc = 1;
  if (!(run = dlab_run_prepare(&o, NULL, argc, (const char *const *)argv))) {
    cli_fail("train");
    goto done;
  }
  const DlabRunSummary *s = dlab_run_summary(run);
  cli_progress_init(&t.progress, t.quiet);
  t.progress.test_n = s->n_test;
  t.has_val = s->n_val > 0;
  if (!t.quiet) print_start(s, &o);
  DlabRunCallbacks cb = {on_step, on_epoch, &t, NULL};
  DlabTrainResult result;
  if (dlab_run_train(run, &cb, &result) < 0) {
    cli_fail("train");
    goto done;
  }
  if (!t.quiet) print_end(s, &result, &o);
  rc = 0;
done:
  dlab_run_free(run);
  free(rest);
  return rc;
}

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
