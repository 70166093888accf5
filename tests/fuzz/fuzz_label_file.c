/* PaddleOCR label files (`path<TAB>label` lines). */
#include "datasets/folder.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlabLabelList list;
  int rc = dlab_label_file_parse((const char *)data, size, FUZZ_NAME, &list);
  fuzz_check_failure(rc);
  if (rc == 0) {
    for (int i = 0; i < list.n; i++) {
      const char *path = list.items[i].path;
      if (!path[0] || !list.items[i].label[0]) abort();
      /* an accepted path stays in the folder: relative, no `..` component */
      if (path[0] == '/' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
          strstr(path, "/../") || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
        abort();
    }
    dlab_label_list_free(&list);
  }
  return 0;
}
