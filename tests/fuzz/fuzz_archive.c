/* What dlab fetch unpacks: tar headers and zip central directories. */
#include "fetch/archive.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 512) {
    DlabTarHeader h;
    fuzz_check_failure(dlab_tar_parse_header(data, FUZZ_NAME, &h));
  }
  DlabZipEntry *entries = NULL;
  int n = 0;
  int rc = dlab_zip_parse_directory(data, size, FUZZ_NAME, &entries, &n);
  fuzz_check_failure(rc);
  if (rc == 0) {
    for (int i = 0; i < n; i++)
      if ((uint64_t)entries[i].local_offset + entries[i].compressed > size) abort();
    free(entries);
  }
  return 0;
}
