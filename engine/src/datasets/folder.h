/* Folder-of-PNGs datasets (dataset name "folder:DIR").
 *
 * Two layouts, tried in this order:
 *  1. label files, PaddleOCR's recognition format as the MNIST-to-PNG
 *     tutorial writes it: DIR/train.txt and DIR/test.txt (or
 *     rec_gt_train.txt / rec_gt_test.txt), one `relative/path.png<TAB>label`
 *     per line, paths relative to DIR and inside it (no absolute path, no
 *     `..`, no symlink resolving outside DIR). Labels that are all whole numbers
 *     0..63 are class indices; otherwise the distinct labels, sorted, are the
 *     classes. DIR/classes.txt (one name per line), when present, names the
 *     classes (and fixes their order for text labels).
 *  2. one sub-folder per class: DIR/train/CLASS/NAME.png and DIR/test/CLASS/NAME.png;
 *     classes are the training sub-folders sorted by name (as torchvision's
 *     ImageFolder), files sorted by name within each.
 * Every PNG is converted to the dataset's channel count; one of another size
 * is an error naming the file unless a resize is asked for. Mean and std are
 * measured on the training images. */
#ifndef DLAB_FOLDER_H
#define DLAB_FOLDER_H

#include <stddef.h>

typedef struct {
  char *path;  /* as written in the file */
  char *label;
  int line;    /* 1-based, for messages */
} DlabLabelEntry;

typedef struct {
  DlabLabelEntry *items;
  int n;
} DlabLabelList;

/* Parses a label file in memory. Blank lines are skipped, a UTF-8 BOM and
 * \r line ends are accepted; every other line must be PATH<TAB>LABEL with
 * neither part empty, PATH relative and without `..` components (it stays
 * in the dataset's folder). Errors name `what`, the line and the path. */
int dlab_label_file_parse(const char *text, size_t len, const char *what, DlabLabelList *out);

/* The most a label file may hold (8 million lines of 32 bytes); a larger
 * one, or a .gz inflating to more, is refused without reading on. */
#define DLAB_LABEL_FILE_MAX ((size_t)256 << 20)

int dlab_label_file_read(const char *path, DlabLabelList *out);
void dlab_label_list_free(DlabLabelList *list);

/* The label-file names tried for each split, in order. */
extern const char *const dlab_folder_train_lists[];
extern const char *const dlab_folder_test_lists[];

#endif
