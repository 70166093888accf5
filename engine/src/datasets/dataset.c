/* Opening a dataset by name: the name picks the family (IDX, CIFAR-10
 * binary batches, a folder of PNGs) and the family's loader finds and reads
 * the files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "dlab/error.h"

#include "core/i18n.h"

#define FOLDER_PREFIX "folder:"

static const char *const known_names[] = {
    "mnist",          "fashion-mnist",  "emnist-digits",  "emnist-mnist",
    "emnist-letters", "emnist-balanced", "emnist-bymerge", "emnist-byclass",
    "cifar10",        "folder",          NULL};

const char *const *dlab_dataset_names(void) { return known_names; }

int dlab_dataset_parse_resize(const char *text, DlabDatasetOptions *opt) {
  char *end;
  long a = strtol(text, &end, 10), b = a;
  if (end != text && (*end == 'x' || *end == 'X')) {
    const char *second = end + 1;
    b = strtol(second, &end, 10);
    if (end == second) return dlab_error(_("--resize %s: expected WxH, e.g. 28x28"), text);
  }
  if (end == text || *end || a < 1 || b < 1 || a > 16384 || b > 16384)
    return dlab_error(_("--resize %s: expected WxH, e.g. 28x28 (1 to 16384 per side)"), text);
  opt->resize_w = (int)a;
  opt->resize_h = (int)b;
  return 0;
}

DlabDatasetOptions dlab_dataset_options_default(void) {
  DlabDatasetOptions o;
  memset(&o, 0, sizeof o);
  return o;
}

static int check_options(const DlabDatasetOptions *opt) {
  if (opt->channels != 0 && opt->channels != 1 && opt->channels != 3)
    return dlab_error(_("--channels %d: must be 1 (gray) or 3 (RGB)"), opt->channels);
  if (opt->resize_w < 0 || opt->resize_h < 0 || (opt->resize_w > 0) != (opt->resize_h > 0))
    return dlab_error(_("--resize %dx%d: both sides must be positive"), opt->resize_w,
                      opt->resize_h);
  return 0;
}

int dlab_dataset_open(const char *name, const DlabDatasetOptions *opt, DlabDatasetPair *out) {
  memset(out, 0, sizeof *out);
  DlabDatasetOptions defaults = dlab_dataset_options_default();
  if (!opt) opt = &defaults;
  if (!name || !*name) return dlab_error(_("no dataset name given"));
  if (check_options(opt) < 0) return -1;
  if (strncmp(name, FOLDER_PREFIX, strlen(FOLDER_PREFIX)) == 0) {
    const char *dir = name + strlen(FOLDER_PREFIX);
    if (!*dir) return dlab_error(_("%s: give the folder, as folder:DIR"), name);
    return dlab_folder_open(dir, opt, out);
  }
  if (strcmp(name, "cifar10") == 0 || strcmp(name, "cifar-10") == 0)
    return dlab_cifar_open(opt, out);
  if (dlab_idx_dataset_known(name)) return dlab_idx_dataset_open(name, opt, out);
  return dlab_error(_("%s: unknown dataset (known: mnist, fashion-mnist, emnist-digits, "
                      "emnist-mnist, emnist-letters, emnist-balanced, emnist-bymerge, "
                      "emnist-byclass, cifar10, folder:DIR)"),
                    name);
}

int dlab_dataset_load(const char *name, const char *data_dir, DlabDatasetPair *out) {
  DlabDatasetOptions opt = dlab_dataset_options_default();
  opt.data_dir = data_dir;
  return dlab_dataset_open(name, &opt, out);
}
