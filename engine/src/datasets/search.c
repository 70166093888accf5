/* Where datasets are looked for, and the message when they are not there.
 *
 * Each search root holds datasets in torchvision's layout (<root>/MNIST/raw,
 * <root>/EMNIST/raw, <root>/cifar-10-batches-bin), so a directory prepared
 * for the PyTorch tutorials works as is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_internal.h"
#include "dlab/error.h"

#include "core/i18n.h"

int dlab_is_regular_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int dlab_is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int dlab_join_path(char *out, size_t n, const char *dir, const char *name) {
  int len = snprintf(out, n, "%s/%s", dir, name);
  if (len < 0 || (size_t)len >= n) return dlab_error(_("%s/%s: path too long"), dir, name);
  return 0;
}

int dlab_find_maybe_gz(const char *dir, const char *base, char *path, size_t n) {
  if ((size_t)snprintf(path, n, "%s/%s", dir, base) < n && dlab_is_regular_file(path)) return 1;
  if ((size_t)snprintf(path, n, "%s/%s.gz", dir, base) < n && dlab_is_regular_file(path)) return 1;
  return 0;
}

static void add_dir(DlabSearchDirs *s, const char *root, const char *subdir) {
  if (s->count >= DLAB_MAX_SEARCH_DIRS || !root || !*root) return;
  char *dst = s->dirs[s->count];
  int n = subdir ? snprintf(dst, DLAB_PATH_LEN, "%s/%s", root, subdir)
                 : snprintf(dst, DLAB_PATH_LEN, "%s", root);
  if (n > 0 && n < DLAB_PATH_LEN) s->count++;
}

void dlab_search_dirs(const char *data_dir, const char *subdir, const char *system_dir,
                      DlabSearchDirs *out) {
  out->count = 0;
  if (data_dir) {
    add_dir(out, data_dir, subdir);
    add_dir(out, data_dir, NULL);
    return;
  }
  add_dir(out, getenv("DLAB_DATA"), subdir);
  const char *home = getenv("HOME");
  if (home && *home) {
    char user_root[DLAB_PATH_LEN];
    int n = snprintf(user_root, sizeof user_root, "%s/.local/share/digit-lab/datasets", home);
    if (n > 0 && (size_t)n < sizeof user_root) add_dir(out, user_root, subdir);
  }
  add_dir(out, "./data", subdir);
  if (system_dir) add_dir(out, system_dir, NULL);
}

int dlab_search_not_found(const char *name, const char *file, const DlabSearchDirs *dirs,
                          const char *hint) {
  char places[2048] = "";
  size_t used = 0;
  for (int i = 0; i < dirs->count && used < sizeof places; i++)
    used += (size_t)snprintf(places + used, sizeof places - used, "%s%s", i ? ", " : "",
                             dirs->dirs[i]);
  return dlab_error(_("%s: dataset not found; looked for %s in: %s (%s)"), name, file, places, _(hint));
}

int dlab_dataset_number_classes(DlabDataset *d, int n) {
  char number[16];
  for (int k = 0; k < n; k++) {
    snprintf(number, sizeof number, "%d", k);
    free(d->class_names[k]);
    d->class_names[k] = strdup(number);
    if (!d->class_names[k]) return dlab_error(_("%s: out of memory"), d->name);
  }
  d->num_classes = n;
  return 0;
}
