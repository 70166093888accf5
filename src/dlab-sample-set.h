/* DlabSampleSet: a loaded dataset (the engine's train and test splits) as
 * a GObject, shared by the Train page, the Data page and training jobs.
 * Loaded on a worker thread; once loaded it never changes, so any thread
 * may read its images. Also: the catalogue of datasets the engine knows,
 * with whether their files are found, and sample images as textures. */
#pragma once

#include <gtk/gtk.h>

#include "dlab/dataset.h"

G_BEGIN_DECLS

#define DLAB_TYPE_SAMPLE_SET (dlab_sample_set_get_type ())
G_DECLARE_FINAL_TYPE (DlabSampleSet, dlab_sample_set, DLAB, SAMPLE_SET, GObject)

#define DLAB_SAMPLE_SET_ERROR (dlab_sample_set_error_quark ())
GQuark dlab_sample_set_error_quark (void);

/* Opens dataset `name` ("mnist", "folder:DIR", ...) from `data_dir` (NULL:
 * the engine's usual places). The error is the engine's message. Any
 * thread. */
DlabSampleSet *dlab_sample_set_load (const char *name, const char *data_dir, GError **error);

/* The same on a worker thread. The most recent set loaded is kept, so
 * asking again for it answers at once. */
void dlab_sample_set_load_async (const char *name, const char *data_dir, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
DlabSampleSet *dlab_sample_set_load_finish (GAsyncResult *result, GError **error);

/* How many times a dataset was read from its files in this process (the
 * tests check that nothing is read before it is needed, and only once). */
guint dlab_sample_set_get_n_loads (void);

const char *dlab_sample_set_get_name (DlabSampleSet *self);
const char *dlab_sample_set_get_data_dir (DlabSampleSet *self);  /* NULL: usual places */
/* The directory the files were read from. */
const char *dlab_sample_set_get_root (DlabSampleSet *self);
const DlabDataset *dlab_sample_set_get_train (DlabSampleSet *self);
const DlabDataset *dlab_sample_set_get_test (DlabSampleSet *self);
const DlabDataset *dlab_sample_set_get_split (DlabSampleSet *self, gboolean test);

/* ---- the catalogue ------------------------------------------------------- */

typedef struct {
  const char *name;   /* the engine's name: "mnist" */
  const char *title;  /* for people: "MNIST" */
  const char *blurb;  /* one line */
  gboolean found;     /* its files are in one of the places searched */
} DlabDatasetEntry;

/* Every named dataset of the engine (folders excepted), with `found` as
 * of this call: looks for the first training file where dataset.h says the
 * engine looks (data_dir, or $DLAB_DATA, ~/.local/share/digit-lab/datasets,
 * ./data, and Debian's Fashion-MNIST). Free with g_free. */
DlabDatasetEntry *dlab_dataset_catalog (const char *data_dir, int *n_entries);

/* "MNIST", "EMNIST Letters", "Folder “digits”" for any engine name. */
char *dlab_dataset_title (const char *name);

/* The input shape of a dataset's images before it is loaded, as the
 * engine will read them; FALSE when it depends on the files (folders). */
gboolean dlab_dataset_guess_shape (const char *name, int *c, int *h, int *w);

/* ---- images ---------------------------------------------------------------- */

/* Sample `index` of d (or pixels given in d's CHW layout when `pixels` is
 * not NULL), each pixel a scale x scale square, as an RGB texture. */
GdkTexture *dlab_sample_texture (const DlabDataset *d, int index, const guint8 *pixels, int scale);


/* d's class name of label `label` ("7" when the dataset has none). */
char *dlab_sample_class_name (const DlabDataset *d, int label);

G_END_DECLS
