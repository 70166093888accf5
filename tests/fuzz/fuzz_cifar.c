/* CIFAR-10 binary batches and batches.meta.txt. */
#include "datasets/cifar.h"
#include "dlab/dataset.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  long n = dlab_cifar_check_batch(data, size, FUZZ_NAME, 10);
  fuzz_check_failure(n < 0 ? -1 : 0);
  if (n > 0) {
    uint8_t *images = malloc((size_t)n * (DLAB_CIFAR_RECORD - 1)), *labels = malloc((size_t)n);
    if (!images || !labels) abort();
    dlab_cifar_unpack_batch(data, n, images, labels);
    for (long i = 0; i < n; i++)
      if (labels[i] >= 10) abort();
    free(images);
    free(labels);
  }
  char *names[DLAB_MAX_CLASSES] = {0};
  int k = dlab_cifar_parse_meta((const char *)data, size, FUZZ_NAME, names, DLAB_MAX_CLASSES);
  fuzz_check_failure(k);
  for (int i = 0; i < k; i++) free(names[i]);
  return 0;
}
