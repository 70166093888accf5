/* PNG files through libpng, read as gray and as RGB. */
#include "dlab/image.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int want = 1; want <= 3; want += 2) {
    DlabImage img;
    int rc = dlab_image_decode_png(data, size, FUZZ_NAME, want, &img);
    fuzz_check_failure(rc);
    if (rc == 0) {
      if (img.c != want || img.w < 1 || img.h < 1) abort();
      dlab_image_free(&img);
    }
  }
  return 0;
}
