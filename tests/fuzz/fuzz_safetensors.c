/* safetensors checkpoints: header length, JSON header, tensor table. */
#include "fuzz_util.h"
#include "io/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) abort();
  memcpy(buf, data, size);
  DlabSafetensors st;
  int rc = dlab_safetensors_parse(buf, size, FUZZ_NAME, &st); /* takes buf */
  fuzz_check_failure(rc);
  if (rc == 0) dlab_safetensors_free(&st);
  return 0;
}
