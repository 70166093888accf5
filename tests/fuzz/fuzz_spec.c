/* A network spec, as `--model` and a checkpoint's dlab.arch give it (the
 * first byte picks the input shape): shapes worked out without allocating;
 * the canonical text written back must read back as itself (checkpoints
 * store it); and a small network is built and runs one training step of
 * two samples, so that every layer meets the shapes the parser let through. */
#include "dlab/model.h"
#include "fuzz_util.h"
#include "nn/model_impl.h"

#define MAX_PARAMS 200000
#define MAX_VALUES 1000000 /* activations of one sample, all layers */

static const DlabShape inputs[] = {
    {3, {1, 28, 28}}, {3, {3, 32, 32}}, {3, {2, 5, 7}}, {1, {10, 0, 0}},
};

static long activation_values(const DlabModel *m) {
  long total = 0;
  for (int i = 0; i < dlab_model_num_layers(m); i++) {
    DlabShape s = dlab_model_layer_summary(m, i).output;
    long n = 1;
    for (int d = 0; d < s.ndim; d++) n *= s.d[d];
    total += n;
  }
  return total;
}

static void step(const char *spec, DlabShape in) {
  DlabModel *m = dlab_model_create(spec, in, 1);
  if (!m) {
    fuzz_check_failure(-1);
    return;
  }
  if (dlab_model_set_batch(m, 2) == 0) {
    DlabTensor *x = &m->acts[0];
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (float)((i * 37) % 11) / 5.0f - 1.0f;
    DlabTensor *logits = dlab_model_forward(m, 2, 1);
    DlabTensor *dl = dlab_model_dlogits(m);
    for (size_t i = 0; i < dl->numel && logits; i++) dl->data[i] = i % 2 ? 0.5f : -0.5f;
    dlab_model_backward(m);
  } else {
    fuzz_check_failure(-1);
  }
  dlab_model_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const DlabShape in = inputs[data[0] % (sizeof inputs / sizeof *inputs)];
  char *text = fuzz_text(data + 1, size - 1);
  DlabModel *m = dlab_model_describe(text, in);
  free(text);
  if (!m) {
    fuzz_check_failure(-1);
    return 0;
  }
  char *canonical = strdup(dlab_model_spec(m));
  const long params = dlab_model_count_params(m), values = activation_values(m);
  dlab_model_free(m);
  if (!canonical) abort();
  DlabModel *again = dlab_model_describe(canonical, in);
  if (!again || strcmp(dlab_model_spec(again), canonical) != 0 || dlab_model_count_params(again) != params) {
    fprintf(stderr, "the canonical spec does not read back as itself: \"%s\" -> \"%s\" (%s)\n", canonical,
            again ? dlab_model_spec(again) : "", again ? "" : dlab_error_message());
    abort();
  }
  dlab_model_free(again);
  if (params <= MAX_PARAMS && values <= MAX_VALUES) step(canonical, in);
  free(canonical);
  return 0;
}
