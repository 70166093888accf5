/* dlab data info|stats|grid|export: look at a dataset before training on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "data_args.h"
#include "dlab/cnum.h"
#include "dlab/error.h"
#include "dlab/export.h"
#include "dlab/grid.h"
#include "dlab/image.h"
#include "dlab/rng.h"
#include "dlab/threads.h"
#include "dlab/transform.h"
#include "options.h"

typedef struct {
  CliDataArgs data;
  const char *out, *split, *layout, *transform;
  int count, columns, scale, padding, first, random, no_labels, threads, help;
} DataArgs;

static void print_usage(FILE *f) {
  fputs(_("usage: dlab data info|stats|grid|export --dataset NAME [OPTIONS]\n\n"
          "  info    image size, classes, and the samples per class of each split\n"
          "  stats   mean and std per channel, measured on the training split only\n"
          "          (after --val-split), ready to paste into --transform normalize:M:S\n"
          "  grid    a PNG of samples with their labels (--out FILE.png), like\n"
          "          torchvision's make_grid; --transform previews an augmentation\n"
          "  export  the dataset as a folder of PNGs (--out DIR): train.txt/test.txt\n"
          "          label files (--layout labels, the default) or one sub-folder per\n"
          "          class (--layout folders); train on it with --dataset folder:DIR\n\n"),
        f);
}

/* ---- info ---- */

static void print_counts(const DlabDatasetPair *p, const DlabDataset *val) {
  int train[DLAB_MAX_CLASSES], test[DLAB_MAX_CLASSES], v[DLAB_MAX_CLASSES];
  dlab_dataset_class_counts(&p->train, train);
  dlab_dataset_class_counts(&p->test, test);
  if (val->n) dlab_dataset_class_counts(val, v);
  /* TRANSLATORS: the column headings of `dlab data info`'s table, with and without a validation column */
  printf("\n%s\n", val->n ? _("class  name                    train      val     test")
                            : _("class  name                    train     test"));
  for (int k = 0; k < p->train.num_classes; k++) {
    printf("%5d  %-20s %8d", k, p->train.class_names[k] ? p->train.class_names[k] : "", train[k]);
    if (val->n) printf(" %8d", v[k]);
    printf(" %8d\n", test[k]);
  }
}

static int cmd_info(DataArgs *a, DlabDatasetPair *p, DlabDataset *val) {
  const DlabDataset *t = &p->train;
  printf(_("dataset      %s\nroot         %s\nimages       %dx%dx%d (channels x height x width), %s\n"),
         t->name, p->root, t->c, t->h, t->w, t->orientation);
  printf(_("classes      %d\nsamples      %d train, "), t->num_classes, t->n);
  /* The options and statistics as they are typed: '.' in every locale. */
  if (val->n)
    dlab_fprintf_c(stdout, _("%d validation (--val-split %g, --split-seed %d), "), val->n,
                   (double)a->data.val_split, a->data.split_seed);
  printf(_("%d test\n"), p->test.n);
  fputs(_("normalize    mean"), stdout);
  for (int c = 0; c < t->c; c++) dlab_fprintf_c(stdout, " %.4f", t->mean[c]);
  fputs(_(", std"), stdout);
  for (int c = 0; c < t->c; c++) dlab_fprintf_c(stdout, " %.4f", t->std[c]);
  printf(" (%s)\n", t->stats_from_data ? _("measured on the training split") : _("the tutorials' constants"));
  print_counts(p, val);
  return 0;
}

/* ---- stats ---- */

static void print_values(const char *label, const float *v, int c) {
  printf("%s", label);
  for (int k = 0; k < c; k++) dlab_fprintf_c(stdout, " %.4f", v[k]);
  printf("\n");
}

static int cmd_stats(DlabDatasetPair *p) {
  float mean[DLAB_MAX_CHANNELS], std[DLAB_MAX_CHANNELS];
  const DlabDataset *t = &p->train;
  dlab_dataset_compute_stats(t, mean, std);
  printf(_("# %s, training split: %d images of %dx%dx%d\n"), t->name, t->n, t->c, t->h, t->w);
  print_values("mean", mean, t->c);
  print_values("std", std, t->c);
  printf("--transform normalize:");
  for (int k = 0; k < t->c; k++) dlab_fprintf_c(stdout, "%s%.4f", k ? "/" : "", mean[k]);
  printf(":");
  for (int k = 0; k < t->c; k++) dlab_fprintf_c(stdout, "%s%.4f", k ? "/" : "", std[k]);
  printf("\n");
  return 0;
}

/* ---- grid ---- */

static const DlabDataset *pick_split(const char *split, DlabDatasetPair *p, DlabDataset *val) {
  if (strcmp(split, "train") == 0) return &p->train;
  if (strcmp(split, "test") == 0) return &p->test;
  if (strcmp(split, "val") == 0 && val->n) return val;
  dlab_error(_("--split %s: expected train, test, or val (with --val-split)"), split);
  return NULL;
}

/* Samples first..first+count-1, or `count` distinct ones drawn with --random SEED. */
static uint32_t *choose_samples(const DataArgs *a, const DlabDataset *d, int *count) {
  int n = a->count < d->n ? a->count : d->n;
  if (!a->random && a->first + n > d->n) n = d->n - a->first;
  if (n < 1 || a->first < 0) {
    dlab_error(_("--first %d: %s has %d samples"), a->first, d->name, d->n);
    return NULL;
  }
  uint32_t *idx = malloc((size_t)(a->random ? d->n : n) * sizeof *idx);
  if (!idx) {
    dlab_error("%s", _("out of memory"));
    return NULL;
  }
  if (a->random) {
    for (int i = 0; i < d->n; i++) idx[i] = (uint32_t)i;
    DlabRng rng;
    dlab_rng_seed(&rng, (uint64_t)a->random);
    dlab_rng_shuffle(&rng, idx, (uint32_t)d->n);
  } else {
    for (int i = 0; i < n; i++) idx[i] = (uint32_t)(a->first + i);
  }
  *count = n;
  return idx;
}

static int cmd_grid(DataArgs *a, DlabDatasetPair *p, DlabDataset *val) {
  if (!a->out) return dlab_error("%s", _("grid: --out FILE.png is required"));
  const DlabDataset *d = pick_split(a->split, p, val);
  if (!d) return -1;
  DlabTransformList t;
  if (dlab_transforms_parse(a->transform, &t) < 0) return -1;
  DlabAugmenter *aug = NULL;
  if (dlab_transforms_augment(&t) && !(aug = dlab_augmenter_create(&t, d->c, d->h, d->w, d->mean, d->std)))
    return -1;
  int count = 0, rc = -1;
  uint32_t *idx = choose_samples(a, d, &count);
  DlabGridOptions opt = dlab_grid_defaults();
  opt.columns = a->columns;
  opt.scale = a->scale;
  opt.padding = a->padding;
  opt.labels = !a->no_labels;
  DlabImage img = {0};
  if (idx && dlab_grid_render(d, idx, count, &opt, aug, (uint64_t)(a->random ? a->random : 1), &img) == 0 &&
      dlab_image_write_png(a->out, &img) == 0) {
    printf(_("wrote %s: %d samples of %s (%s split), %dx%d pixels\n"), a->out, count, d->name, a->split,
           img.w, img.h);
    rc = 0;
  }
  dlab_image_free(&img);
  dlab_augmenter_free(aug);
  free(idx);
  return rc;
}

/* ---- export ---- */

static int cmd_export(DataArgs *a, DlabDatasetPair *p) {
  if (!a->out) return dlab_error("%s", _("export: --out DIR is required"));
  DlabExportLayout layout;
  if (strcmp(a->layout, "labels") == 0) layout = DLAB_EXPORT_LABEL_FILES;
  else if (strcmp(a->layout, "folders") == 0) layout = DLAB_EXPORT_CLASS_FOLDERS;
  else return dlab_error(_("--layout %s: expected labels or folders"), a->layout);
  if (dlab_dataset_export(p, a->out, layout) < 0) return -1;
  const char *how =
      layout == DLAB_EXPORT_LABEL_FILES ? _("train.txt and test.txt label files") : _("one folder per class");
  printf(_("wrote %d train and %d test PNGs of %s to %s (%s); train with --dataset folder:%s\n"), p->train.n,
         p->test.n, p->train.name, a->out, how, a->out);
  return 0;
}

int cmd_data(int argc, char **argv) {
  const char *sub = argc > 2 ? argv[2] : NULL;
  if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
    print_usage(sub ? stdout : stderr);
    return sub ? 0 : 2;
  }
  static const char *const subs[] = {"info", "stats", "grid", "export"};
  int which = -1;
  for (int i = 0; i < 4; i++)
    if (strcmp(sub, subs[i]) == 0) which = i;
  if (which < 0) {
    fprintf(stderr, _("dlab data: unknown subcommand `%s` (info, stats, grid or export)\n"), sub);
    return 2;
  }
  DataArgs a = {.data = {.dataset = "mnist", .split_seed = CLI_DEFAULT_SPLIT_SEED},
                .split = "train", .layout = "labels", .count = 64, .columns = 8, .scale = 2,
                .padding = 2};
  CliOption opts[] = {
      CLI_DATA_OPTIONS(&a.data),
      CLI_SPLIT_OPTIONS(&a.data),
      {"out", OPT_STRING, &a.out, N_("grid: the PNG to write; export: the folder to create"), 0},
      {"split", OPT_STRING, &a.split, N_("grid: train (default), test or val"), 0},
      {"count", OPT_INT, &a.count, N_("grid: samples to draw (default 64)"), 0},
      {"columns", OPT_INT, &a.columns, N_("grid: samples per row (default 8)"), 0},
      {"scale", OPT_INT, &a.scale, N_("grid: zoom of each sample (default 2)"), 0},
      {"padding", OPT_INT, &a.padding, N_("grid: pixels between samples (default 2)"), 0},
      {"first", OPT_INT, &a.first, N_("grid: index of the first sample (default 0)"), 0},
      {"random", OPT_INT, &a.random, N_("grid: draw random samples with this seed instead"), 0},
      {"no-labels", OPT_FLAG, &a.no_labels, N_("grid: no class names under the samples"), 0},
      {"transform", OPT_STRING, &a.transform, N_("grid: show the samples augmented (see dlab train --help)"), 0},
      {"layout", OPT_STRING, &a.layout, N_("export: labels (train.txt, test.txt) or folders"), 0},
      {"threads", OPT_INT, &a.threads, N_("CPU threads for decoding and encoding PNGs (default: all cores)"), 0},
      {"help", OPT_FLAG, &a.help, N_("show this help"), 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  char cmd[32];
  snprintf(cmd, sizeof cmd, "data %s", sub);
  if (cli_parse(cmd, argc, argv, 3, opts, n_opts, pos, 0, &n_pos) < 0) return 2;
  if (a.help) {
    print_usage(stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  if (dlab_threads_set(a.threads) < 0) return cli_fail(cmd);
  DlabDatasetPair pair;
  DlabDataset val = {0};
  if (cli_open_dataset(cmd, &a.data, NULL, &pair) < 0) return 1;
  int rc = cli_split_validation(cmd, &a.data, &pair, &val);
  if (rc == 0) {
    switch (which) {
      case 0: rc = cmd_info(&a, &pair, &val); break;
      case 1: rc = cmd_stats(&pair); break;
      case 2: rc = cmd_grid(&a, &pair, &val); break;
      default: rc = cmd_export(&a, &pair); break;
    }
    if (rc < 0) cli_fail(cmd);
  }
  dlab_dataset_free(&val);
  dlab_dataset_pair_free(&pair);
  return rc == 0 ? 0 : 1;
}
