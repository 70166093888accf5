/* IDX files, raw or gzip (decided by the magic, as dlab_idx_read does). */
#include "datasets/idx.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlabIdx idx;
  int rc = dlab_idx_parse(data, size, FUZZ_NAME, &idx);
  fuzz_check_failure(rc);
  if (rc == 0) dlab_idx_free(&idx);
  return 0;
}
