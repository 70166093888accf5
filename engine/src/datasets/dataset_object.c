/* The dataset itself: its class names and its memory. The loaders (idx,
 * cifar, folder) fill datasets with these; dataset.c, which picks the
 * loader for a name, sits above them, so that no loader calls back into
 * the file that calls it. */
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "dlab/dataset.h"
#include "dlab/error.h"

int dlab_dataset_set_classes(DlabDataset *d, const char *const *names, int n) {
  if (n < 1 || n > DLAB_MAX_CLASSES)
    return dlab_error(_("%s: %d classes; between 1 and %d are supported"), d->name, n,
                      DLAB_MAX_CLASSES);
  for (int k = 0; k < DLAB_MAX_CLASSES; k++) {
    free(d->class_names[k]);
    d->class_names[k] = NULL;
  }
  for (int k = 0; k < n; k++) {
    d->class_names[k] = strdup(names[k]);
    if (!d->class_names[k]) return dlab_error(_("%s: out of memory"), d->name);
  }
  d->num_classes = n;
  return 0;
}

void dlab_dataset_free(DlabDataset *d) {
  if (!d) return;
  free(d->images);
  free(d->labels);
  for (int i = 0; i < DLAB_MAX_CLASSES; i++) free(d->class_names[i]);
  memset(d, 0, sizeof *d);
}

void dlab_dataset_pair_free(DlabDatasetPair *p) {
  if (!p) return;
  dlab_dataset_free(&p->train);
  dlab_dataset_free(&p->test);
}
