/* The --transform text form, then the pipeline it describes on one image. */
#include "dlab/transform.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  DlabTransformList t;
  int rc = dlab_transforms_parse(text, &t);
  fuzz_check_failure(rc);
  free(text);
  if (rc < 0) return 0;
  char desc[1024];
  dlab_transforms_describe(&t, desc, sizeof desc);
  float mean[3] = {0.5f, 0.5f, 0.5f}, std[3] = {0.25f, 0.25f, 0.25f};
  DlabAugmenter *a = dlab_augmenter_create(&t, 3, 12, 12, mean, std);
  if (!a) {
    fuzz_check_failure(-1);
    return 0;
  }
  uint8_t img[3 * 12 * 12];
  float out[3 * 12 * 12];
  for (size_t i = 0; i < sizeof img; i++) img[i] = (uint8_t)(i * 7);
  DlabRng rng;
  dlab_rng_seed(&rng, size);
  dlab_augmenter_run(a, img, out, &rng);
  dlab_augmenter_free(a);
  return 0;
}
