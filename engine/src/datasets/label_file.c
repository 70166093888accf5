/* Label files: `path<TAB>label` per line (PaddleOCR's recognition format). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/folder.h"
#include "datasets/idx.h"
#include "dlab/error.h"

#include "core/i18n.h"

const char *const dlab_folder_train_lists[] = {"train.txt", "rec_gt_train.txt", NULL};
const char *const dlab_folder_test_lists[] = {"test.txt", "rec_gt_test.txt", NULL};

void dlab_label_list_free(DlabLabelList *list) {
  if (!list) return;
  for (int i = 0; i < list->n; i++) {
    free(list->items[i].path);
    free(list->items[i].label);
  }
  free(list->items);
  memset(list, 0, sizeof *list);
}

static int append(DlabLabelList *list, int *cap, const char *path, size_t path_len,
                  const char *label, size_t label_len, int line, const char *what) {
  if (list->n == *cap) {
    int new_cap = *cap ? *cap * 2 : 256;
    DlabLabelEntry *p = realloc(list->items, (size_t)new_cap * sizeof *p);
    if (!p) return dlab_error(_("%s: out of memory"), what);
    list->items = p;
    *cap = new_cap;
  }
  DlabLabelEntry *e = &list->items[list->n];
  e->path = strndup(path, path_len);
  e->label = strndup(label, label_len);
  e->line = line;
  list->n++; /* counted even when strndup failed, so that free releases the other */
  if (!e->path || !e->label) return dlab_error(_("%s: out of memory"), what);
  return 0;
}

/* A path in a label file stays inside the dataset's folder: it is relative
 * to the folder and has no `..` component. (Symlinks that lead out are
 * found where the files are listed, folder_lists.c.) */
static int check_path(const char *path, size_t len, int line, const char *what) {
  int shown = len < 200 ? (int)len : 200;
  if (path[0] == '/')
    return dlab_error(_("%s:%d: %.*s: an absolute path; the paths of a label file are relative to its "
                        "folder and stay inside it"),
                      what, line, shown, path);
  for (size_t at = 0; at < len;) {
    const char *slash = memchr(path + at, '/', len - at);
    size_t end = slash ? (size_t)(slash - path) : len;
    if (end - at == 2 && path[at] == '.' && path[at + 1] == '.')
      return dlab_error(_("%s:%d: %.*s: a `..` component leads out of the dataset's folder"), what, line,
                        shown, path);
    at = end + 1;
  }
  return 0;
}

/* Checks one line [a, b) and splits it at its TAB. */
static int parse_line(const char *a, const char *b, int line, const char *what, DlabLabelList *list,
                      int *cap) {
  if (memchr(a, '\0', (size_t)(b - a)))
    return dlab_error(_("%s:%d: a NUL byte (not a text label file?)"), what, line);
  const char *tab = memchr(a, '\t', (size_t)(b - a));
  if (!tab)
    return dlab_error(_("%s:%d: expected `path<TAB>label`, found no TAB in \"%.*s\""), what, line,
                      b - a < 60 ? (int)(b - a) : 60, a);
  if (memchr(tab + 1, '\t', (size_t)(b - tab - 1)))
    return dlab_error(_("%s:%d: more than one TAB; expected `path<TAB>label`"), what, line);
  if (tab == a) return dlab_error(_("%s:%d: empty image path before the TAB"), what, line);
  if (tab + 1 == b) return dlab_error(_("%s:%d: empty label after the TAB"), what, line);
  if (check_path(a, (size_t)(tab - a), line, what) < 0) return -1;
  return append(list, cap, a, (size_t)(tab - a), tab + 1, (size_t)(b - tab - 1), line, what);
}

int dlab_label_file_parse(const char *text, size_t len, const char *what, DlabLabelList *out) {
  memset(out, 0, sizeof *out);
  int cap = 0, line = 0;
  size_t pos = 0;
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) pos = 3;
  while (pos < len) {
    const char *a = text + pos;
    const char *nl = memchr(a, '\n', len - pos);
    const char *b = nl ? nl : text + len;
    pos = (size_t)(b - text) + 1;
    line++;
    if (b > a && b[-1] == '\r') b--;
    if (b == a) continue;
    if (parse_line(a, b, line, what, out, &cap) < 0) {
      dlab_label_list_free(out);
      return -1;
    }
  }
  if (out->n == 0) return dlab_error(_("%s: no `path<TAB>label` lines in it"), what);
  return 0;
}

int dlab_label_file_read(const char *path, DlabLabelList *out) {
  memset(out, 0, sizeof *out);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (dlab_read_file_maybe_gz(path, DLAB_LABEL_FILE_MAX, &buf, &len) < 0) return -1;
  int rc = dlab_label_file_parse((const char *)buf, len, path, out);
  free(buf);
  return rc;
}
