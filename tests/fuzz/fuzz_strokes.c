/* The strokes text format (`dlab predict --strokes`, the sketchpad's saved
 * drawings), then the ink rendering of what it accepted: coordinates and
 * pressures of any size must give a 28x28 image of values in 0..1, or none. */
#include "dlab/ink.h"
#include "dlab/strokes.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DlabStrokes s;
  dlab_strokes_init(&s);
  int rc = dlab_strokes_parse((const char *)data, size, FUZZ_NAME, &s);
  fuzz_check_failure(rc);
  if (rc == 0) {
    float image[DLAB_INK_PIXELS];
    DlabInkStyle style = dlab_ink_default_style();
    if (dlab_ink_render(&s, &style, image) == 0) {
      for (int i = 0; i < DLAB_INK_PIXELS; i++)
        if (!(image[i] >= 0.0f && image[i] <= 1.0f)) {
          fprintf(stderr, "pixel %d of the rendered ink is %g, outside 0..1\n", i, image[i]);
          abort();
        }
    } else {
      dlab_error_clear();
    }
  }
  dlab_strokes_free(&s);
  return 0;
}
