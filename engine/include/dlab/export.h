/* Writing a dataset out as a folder of PNGs (`dlab data export`), in either
 * layout that folder datasets read (datasets/folder.h), so that the tutorials' "MNIST
 * to PNG" round trip works:
 *   DLAB_EXPORT_LABEL_FILES   DIR/train/00000.png ..., DIR/test/...,
 *                             DIR/train.txt and DIR/test.txt
 *                             (`train/00000.png<TAB>5`, the class index)
 *   DLAB_EXPORT_CLASS_FOLDERS DIR/train/CLASS/00000.png, DIR/test/CLASS/...
 * and DIR/classes.txt with the class names in index order. Class folders
 * are the class names when sorting them keeps the index order (digits,
 * CIFAR-10), else the index and the name ("03_Dress"), '/' becoming '_'.
 * Images are written in the dataset's orientation (EMNIST upright unless it
 * was loaded transposed). DIR must be new or empty; the label files come
 * last, so an interrupted export is never mistaken for a whole one. */
#ifndef DLAB_EXPORT_H
#define DLAB_EXPORT_H

#include "dlab/dataset.h"

typedef enum { DLAB_EXPORT_LABEL_FILES, DLAB_EXPORT_CLASS_FOLDERS } DlabExportLayout;

int dlab_dataset_export(const DlabDatasetPair *p, const char *dir, DlabExportLayout layout);

#endif
