/* PaddleOCR label files (`path<TAB>label` lines). */
#include "dlab/folder.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlabLabelList list;
  int rc = dlab_label_file_parse((const char *)data, size, FUZZ_NAME, &list);
  fuzz_check_failure(rc);
  if (rc == 0) {
    for (int i = 0; i < list.n; i++)
      if (!list.items[i].path[0] || !list.items[i].label[0]) abort();
    dlab_label_list_free(&list);
  }
  return 0;
}
