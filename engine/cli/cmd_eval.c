/* dlab eval: accuracy, loss and confusion matrix of a checkpoint. The
 * `accuracy` and `loss` lines are read by scripts: keep their format (in
 * English, with '.' in every locale). */
#include <stdio.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "data_args.h"
#include "dlab/checkpoint.h"
#include "dlab/cnum.h"
#include "dlab/recipes.h"
#include "dlab/threads.h"
#include "dlab/train.h"
#include "options.h"

static void print_confusion(const DlabEvalResult *r, const DlabDataset *d) {
  int k = d->num_classes;
  printf("%s\n%6s", _("confusion matrix (rows: true class, columns: predicted class)"), "");
  for (int c = 0; c < k; c++) printf(" %5d", c);
  printf("\n");
  for (int t = 0; t < k; t++) {
    printf("%5d ", t);
    for (int p = 0; p < k; p++) printf(" %5d", r->confusion[t * k + p]);
    printf("   %s\n", d->class_names[t] ? d->class_names[t] : "");
  }
}

/* Normalizes with the statistics the model was trained with. */
static int apply_model_info(DlabDataset *d, const DlabModelInfo *info, const char *path) {
  if (info->channels != d->c) {
    fprintf(stderr, _("dlab eval: %s was trained on %d-channel images, %s has %d\n"), path, info->channels,
            d->name, d->c);
    return -1;
  }
  for (int c = 0; c < d->c; c++) {
    d->mean[c] = info->mean[c];
    d->std[c] = info->std[c];
  }
  return 0;
}

/* The split to evaluate: the test set, or the validation part of the
 * training set (the same --val-split and --split-seed as training). */
static int pick_split(const CliDataArgs *a, const char *split, DlabDatasetPair *pair,
                      DlabDataset *val, DlabDataset **out) {
  if (strcmp(split, "test") == 0) {
    *out = &pair->test;
    return 0;
  }
  if (strcmp(split, "train") == 0) {
    *out = &pair->train;
    return 0;
  }
  if (strcmp(split, "val") != 0) {
    fprintf(stderr, _("dlab eval: --split %s: expected test, val or train\n"), split);
    return -1;
  }
  if (a->val_split == 0) {
    fputs(_("dlab eval: --split val needs the --val-split (and --split-seed) of the training run\n"), stderr);
    return -1;
  }
  if (cli_split_validation("eval", a, pair, val) < 0) return -1;
  *out = val;
  return 0;
}

int cmd_eval(int argc, char **argv) {
  const char *model = NULL, *split = "test", *device = "cpu";
  int batch = 1000, threads = 0, help = 0;
  CliDataArgs data = {.split_seed = CLI_DEFAULT_SPLIT_SEED};
  CliOption opts[] = {
      {"model", OPT_STRING, &model, N_("checkpoint (.safetensors) to evaluate"), 0},
      CLI_DATA_OPTIONS(&data),
      {"split", OPT_STRING, &split, N_("test (default), val (with --val-split) or train"), 0},
      CLI_SPLIT_OPTIONS(&data),
      {"batch-size", OPT_INT, &batch, N_("images per forward pass (default 1000)"), 0},
      {"threads", OPT_INT, &threads, N_("CPU threads (default: all cores)"), 0},
      {"device", OPT_STRING, &device, N_("cpu (default), cuda or cuda:N (dlab devices)"), 0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  if (cli_parse("eval", argc, argv, 2, opts, n_opts, pos, 0, &n_pos) < 0) return 2;
  if (help) {
    fputs(_("usage: dlab eval --model FILE [--dataset D]\n\n"
            "Prints `accuracy A` and `loss L` lines for the test set, then the confusion\n"
            "matrix. The dataset defaults to the checkpoint's (dlab.dataset), read in the\n"
            "checkpoint's orientation; the images are normalized with the checkpoint's\n"
            "mean and std.\n\n"),
          stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  if (!model) {
    fputs(_("dlab eval: --model FILE is required\n"), stderr);
    return 2;
  }
  DlabDeviceSpec device_spec;
  if (dlab_device_parse(device, &device_spec) < 0 || dlab_device_check(device_spec) < 0) return cli_fail("eval");
  if (dlab_threads_set(threads) < 0) return cli_fail("eval");
  DlabModelInfo info;
  DlabModel *m = dlab_checkpoint_load_as(model, DLAB_BUILD_INFERENCE, &info);
  if (!m) return cli_fail("eval");
  /* A model that saw EMNIST as stored gets EMNIST as stored. */
  if (strcmp(info.orientation, "transposed") == 0) data.keep_transposed = 1;
  int rc = 1;
  DlabDatasetPair pair;
  DlabDataset val = {0}, *d = NULL;
  memset(&pair, 0, sizeof pair);
  DlabEvalResult r = {0};
  if (cli_open_dataset("eval", &data, info.dataset, &pair) < 0) goto done;
  if (pick_split(&data, split, &pair, &val, &d) < 0) goto done;
  if (apply_model_info(d, &info, model) < 0) goto done;
  if (dlab_evaluate_device(device_spec, m, d, batch, &r) < 0) {
    cli_fail("eval");
    goto done;
  }
  dlab_fprintf_c(stdout, "accuracy %.4f ± %.4f (standard error over %d images)\nloss %.4f\n", r.accuracy,
                 dlab_accuracy_stderr(r.accuracy, r.scored), r.scored, r.loss);
  if (r.scored < d->n)
    printf(_("%d images of no class (a drawing that is no digit) are left out of the accuracy\n"), d->n - r.scored);
  dlab_fprintf_c(stdout, "%s %.4f\n", "calibration_error", r.calibration_error);
  printf(_("  (expected calibration error: how far the top probability is from the accuracy, "
           "over %d bins; 0 is perfect)\n"),
         DLAB_ECE_BINS);
  print_confusion(&r, d);
  rc = 0;
done:
  dlab_eval_result_free(&r);
  dlab_dataset_free(&val);
  dlab_dataset_pair_free(&pair);
  dlab_model_info_free(&info);
  dlab_model_free(m);
  return rc;
}
