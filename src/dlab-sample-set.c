/* DlabSampleSet: see dlab-sample-set.h. */
#include "dlab-sample-set.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dlab/error.h"

struct _DlabSampleSet {
  GObject parent_instance;

  char *name;
  char *data_dir;
  DlabDatasetPair pair;
};

G_DEFINE_FINAL_TYPE (DlabSampleSet, dlab_sample_set, G_TYPE_OBJECT)

G_DEFINE_QUARK (dlab-sample-set-error-quark, dlab_sample_set_error)

static void
dlab_sample_set_finalize (GObject *object)
{
  DlabSampleSet *self = DLAB_SAMPLE_SET (object);

  dlab_dataset_pair_free (&self->pair);
  g_free (self->name);
  g_free (self->data_dir);
  G_OBJECT_CLASS (dlab_sample_set_parent_class)->finalize (object);
}

static void
dlab_sample_set_class_init (DlabSampleSetClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dlab_sample_set_finalize;
}

static void
dlab_sample_set_init (DlabSampleSet *self)
{
  (void) self;
}

/* Datasets read from their files, for the tests (any thread). */
static guint n_loads;

guint
dlab_sample_set_get_n_loads (void)
{
  return g_atomic_int_get (&n_loads);
}

DlabSampleSet *
dlab_sample_set_load (const char *name, const char *data_dir, GError **error)
{
  DlabDatasetPair pair;

  g_atomic_int_inc (&n_loads);
  dlab_error_clear ();
  if (dlab_dataset_load (name, data_dir && *data_dir ? data_dir : NULL, &pair) < 0)
    {
      g_set_error_literal (error, DLAB_SAMPLE_SET_ERROR, 0, dlab_error_message ());
      return NULL;
    }
  DlabSampleSet *self = g_object_new (DLAB_TYPE_SAMPLE_SET, NULL);
  self->name = g_strdup (name);
  self->data_dir = data_dir && *data_dir ? g_strdup (data_dir) : NULL;
  self->pair = pair;
  return self;
}

/* The last set loaded, reused while the same one is asked for (main thread
 * only: the pages ask from there). */
static DlabSampleSet *last_loaded;

static gboolean
same_source (DlabSampleSet *set, const char *name, const char *data_dir)
{
  return set && g_strcmp0 (set->name, name) == 0 &&
         g_strcmp0 (set->data_dir, data_dir && *data_dir ? data_dir : NULL) == 0;
}

typedef struct {
  char *name;
  char *data_dir;
} LoadRequest;

static void
load_request_free (LoadRequest *req)
{
  g_free (req->name);
  g_free (req->data_dir);
  g_free (req);
}

static void
load_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadRequest *req = task_data;
  GError *error = NULL;
  DlabSampleSet *set;

  (void) source;
  (void) cancellable;
  set = dlab_sample_set_load (req->name, req->data_dir, &error);
  if (set)
    g_task_return_pointer (task, set, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
dlab_sample_set_load_async (const char *name, const char *data_dir, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  LoadRequest *req;

  g_task_set_source_tag (task, dlab_sample_set_load_async);
  if (same_source (last_loaded, name, data_dir))
    {
      g_task_return_pointer (task, g_object_ref (last_loaded), g_object_unref);
      return;
    }
  req = g_new0 (LoadRequest, 1);
  req->name = g_strdup (name);
  req->data_dir = g_strdup (data_dir);
  g_task_set_task_data (task, req, (GDestroyNotify) load_request_free);
  g_task_run_in_thread (task, load_in_thread);
}

DlabSampleSet *
dlab_sample_set_load_finish (GAsyncResult *result, GError **error)
{
  DlabSampleSet *set = g_task_propagate_pointer (G_TASK (result), error);

  if (set)
    g_set_object (&last_loaded, set);
  return set;
}

const char *
dlab_sample_set_get_name (DlabSampleSet *self)
{
  return self->name;
}

const char *
dlab_sample_set_get_data_dir (DlabSampleSet *self)
{
  return self->data_dir;
}

const char *
dlab_sample_set_get_root (DlabSampleSet *self)
{
  return self->pair.root;
}

const DlabDataset *
dlab_sample_set_get_train (DlabSampleSet *self)
{
  return &self->pair.train;
}

const DlabDataset *
dlab_sample_set_get_test (DlabSampleSet *self)
{
  return &self->pair.test;
}

const DlabDataset *
dlab_sample_set_get_split (DlabSampleSet *self, gboolean test)
{
  return test ? &self->pair.test : &self->pair.train;
}

/* ---- the catalogue --------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *title;
  const char *blurb;
  const char *subdir;      /* under each search root */
  const char *file;        /* the first training file (also tried with .gz) */
  const char *system_dir;  /* a distribution's flat directory */
} CatalogInfo;

static const CatalogInfo catalog[] = {
  { "mnist", "MNIST", N_("Handwritten digits, 28×28 grey"),
    "MNIST/raw", "train-images-idx3-ubyte", NULL },
  { "fashion-mnist", "Fashion-MNIST", N_("Clothes and shoes, 28×28 grey"),
    "FashionMNIST/raw", "train-images-idx3-ubyte", "/usr/share/datasets/fashion-mnist" },
  { "emnist-digits", "EMNIST Digits", N_("Handwritten digits, 28×28 grey"),
    "EMNIST/raw", "emnist-digits-train-images-idx3-ubyte", NULL },
  { "emnist-mnist", "EMNIST MNIST", N_("Digits in MNIST's proportions"),
    "EMNIST/raw", "emnist-mnist-train-images-idx3-ubyte", NULL },
  { "emnist-letters", "EMNIST Letters", N_("Handwritten letters, 26 classes"),
    "EMNIST/raw", "emnist-letters-train-images-idx3-ubyte", NULL },
  { "emnist-balanced", "EMNIST Balanced", N_("Digits and letters, 47 classes"),
    "EMNIST/raw", "emnist-balanced-train-images-idx3-ubyte", NULL },
  { "emnist-bymerge", "EMNIST By Merge", N_("Digits and letters, 47 classes"),
    "EMNIST/raw", "emnist-bymerge-train-images-idx3-ubyte", NULL },
  { "emnist-byclass", "EMNIST By Class", N_("Digits and letters, 62 classes"),
    "EMNIST/raw", "emnist-byclass-train-images-idx3-ubyte", NULL },
  { "cifar10", "CIFAR-10", N_("Small colour photos, 10 classes, 32×32"),
    "cifar-10-batches-bin", "data_batch_1.bin", NULL },
};

static gboolean
file_in (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *gz = g_strconcat (path, ".gz", NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR) || g_file_test (gz, G_FILE_TEST_IS_REGULAR);
}

static gboolean
found_under (const char *root, const CatalogInfo *info)
{
  g_autofree char *dir = root && *root ? g_build_filename (root, info->subdir, NULL) : NULL;

  return dir && file_in (dir, info->file);
}

static gboolean
catalog_found (const CatalogInfo *info, const char *data_dir)
{
  g_autofree char *user_root = g_build_filename (g_get_home_dir (), ".local", "share", "digit-lab",
                                                 "datasets", NULL);

  if (data_dir && *data_dir)
    return found_under (data_dir, info) || file_in (data_dir, info->file);
  return found_under (g_getenv ("DLAB_DATA"), info) || found_under (user_root, info) ||
         found_under ("./data", info) || (info->system_dir && file_in (info->system_dir, info->file));
}

DlabDatasetEntry *
dlab_dataset_catalog (const char *data_dir, int *n_entries)
{
  DlabDatasetEntry *entries = g_new0 (DlabDatasetEntry, G_N_ELEMENTS (catalog));

  for (gsize i = 0; i < G_N_ELEMENTS (catalog); i++)
    {
      entries[i].name = catalog[i].name;
      entries[i].title = catalog[i].title;
      entries[i].blurb = _(catalog[i].blurb);
      entries[i].found = catalog_found (&catalog[i], data_dir);
    }
  *n_entries = G_N_ELEMENTS (catalog);
  return entries;
}

char *
dlab_dataset_title (const char *name)
{
  if (g_str_has_prefix (name, "folder:"))
    {
      g_autofree char *base = g_path_get_basename (name + 7);
      return g_strdup_printf (_("Folder “%s”"), base);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (catalog); i++)
    if (strcmp (catalog[i].name, name) == 0)
      return g_strdup (catalog[i].title);
  return g_strdup (name);
}

gboolean
dlab_dataset_guess_shape (const char *name, int *c, int *h, int *w)
{
  if (g_str_has_prefix (name, "folder:"))
    return FALSE;
  *c = strcmp (name, "cifar10") == 0 ? 3 : 1;
  *h = *w = *c == 3 ? 32 : 28;
  return TRUE;
}

/* ---- images ------------------------------------------------------------------ */

GdkTexture *
dlab_sample_texture (const DlabDataset *d, int index, const guint8 *pixels, int scale)
{
  int w = d->w * scale, h = d->h * scale, plane = d->w * d->h;
  const guint8 *src = pixels ? pixels : d->images + (gsize) index * d->c * plane;
  guint8 *rgb = g_malloc ((gsize) w * h * 3);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int p = (y / scale) * d->w + x / scale;
        guint8 *dst = rgb + ((gsize) y * w + x) * 3;
        for (int ch = 0; ch < 3; ch++)
          dst[ch] = src[(d->c == 3 ? ch : 0) * plane + p];
      }
  g_autoptr (GBytes) bytes = g_bytes_new_take (rgb, (gsize) w * h * 3);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_R8G8B8, bytes, (gsize) w * 3);
}

char *
dlab_sample_class_name (const DlabDataset *d, int label)
{
  if (label >= 0 && label < d->num_classes && label < DLAB_MAX_CLASSES && d->class_names[label])
    return g_strdup (d->class_names[label]);
  /* The sketchpad model's training drawings that are no digit. */
  if (label == DLAB_LABEL_NONE)
    return g_strdup (C_("class", "none"));
  return g_strdup_printf ("%d", label);
}
