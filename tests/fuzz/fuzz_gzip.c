/* gzip streams, as the IDX reader and the label files inflate them. */
#include "datasets/idx.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *out = NULL;
  size_t len = 0;
  int rc = dlab_gunzip(data, size, (size_t)1 << 24, FUZZ_NAME, &out, &len);
  fuzz_check_failure(rc);
  free(out);
  return 0;
}
