/* What the GUI tests wait for (gui_wait_until's conditions): the window's
 * model loaded, the Draw page's next reading, the Data page showing its
 * set, the Train page ready, its run finished. And the scratch folders
 * they remove afterwards. */
#ifndef DLAB_TEST_GUI_CONDITIONS_H
#define DLAB_TEST_GUI_CONDITIONS_H

#include <glib/gstdio.h>
#include <string.h>

#include "dlab-sample-set.h"

#include "dlab-data-page.h"
#include "dlab-draw-page.h"
#include "dlab-train-page.h"
#include "dlab-training-job.h"
#include "dlab-window.h"

/* data: the DlabWindow */
static inline gboolean
model_loaded (gpointer data)
{
  return !dlab_window_is_loading (DLAB_WINDOW (data));
}

/* A Draw page and its reading count before a change: reading_done is true
 * once a reading followed. */
typedef struct {
  DlabDrawPage *page;
  guint readings;
} ReadingWait;

static inline gboolean
reading_done (gpointer data)
{
  ReadingWait *w = data;
  return dlab_draw_page_get_n_readings (w->page) > w->readings;
}

/* data: the DlabDataPage */
static inline gboolean
data_shown (gpointer data)
{
  return dlab_data_page_get_sample_set (DLAB_DATA_PAGE (data)) != NULL;
}

/* data: the DlabTrainPage */
static inline gboolean
page_ready (gpointer data)
{
  return dlab_train_page_is_ready (DLAB_TRAIN_PAGE (data));
}

/* data: the DlabTrainPage; its last run has finished */
static inline gboolean
job_idle (gpointer data)
{
  DlabTrainingJob *job = dlab_train_page_get_job (DLAB_TRAIN_PAGE (data));
  return job && !dlab_training_job_is_busy (job);
}

/* Whether the engine finds dataset `name` ("mnist", "fashion-mnist") where
 * it looks (DLAB_DATA, the usual places). */
static inline gboolean
dataset_found (const char *name)
{
  int n = 0;
  gboolean found = FALSE;
  g_autofree DlabDatasetEntry *entries = dlab_dataset_catalog (NULL, &n);

  for (int i = 0; i < n; i++)
    found |= strcmp (entries[i].name, name) == 0 && entries[i].found;
  return found;
}

/* Removes `path` and everything below it. */
static inline void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *sub = g_build_filename (path, name, NULL);
      if (g_file_test (sub, G_FILE_TEST_IS_DIR))
        remove_tree (sub);
      else
        g_unlink (sub);
    }
  g_rmdir (path);
}

#endif
