/* The folder-of-PNGs loader's two halves: listing the samples of each
 * split (folder_lists.c) and decoding them (folder.c). */
#ifndef DLAB_FOLDER_INTERNAL_H
#define DLAB_FOLDER_INTERNAL_H

#include <stdint.h>

#include "dlab/dataset.h"

typedef struct {
  char **paths;    /* full paths of the PNGs */
  uint8_t *labels; /* class index of each */
  int n, cap;
} DlabSampleList;

typedef struct {
  DlabSampleList train, test;
  char *class_names[DLAB_MAX_CLASSES];
  int num_classes;
  char layout[32]; /* "label files" or "class folders", for messages */
} DlabFolderListing;

/* Lists both splits of the folder dataset in `dir` (folder.h's layouts). */
int dlab_folder_list(const char *dir, DlabFolderListing *out);
void dlab_folder_listing_free(DlabFolderListing *l);

#endif
