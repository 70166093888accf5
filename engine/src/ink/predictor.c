/* One model, one image at a time: the shared back end of `dlab predict` and
 * the sketchpad. The caller hands over pixels in MNIST's convention; the
 * predictor owns everything that depends on the checkpoint (orientation,
 * normalization, class count), so both front ends agree by construction. */
#include "dlab/predictor.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/error.h"
#include "dlab/ink.h"
#include "nn/loss.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

struct DlabPredictor {
  DlabModel *m;
  DlabModelInfo info;
  float ink[DLAB_INK_PIXELS]; /* the last rendered drawing */
};

/* Takes m and info; the model must read images (its input is what a
 * picture or a drawing becomes). */
static DlabPredictor *wrap(DlabModel *m, DlabModelInfo *info, const char *what) {
  char shape[64];
  DlabPredictor *p = NULL;
  if (m->input.ndim != 3)
    dlab_error(_("%s: the model reads %s features, not images (CxHxW): it cannot classify pictures"), what,
               dlab_shape_str(m->input, shape, sizeof shape));
  else if (!(p = calloc(1, sizeof *p)))
    dlab_error(_("out of memory"));
  if (!p || dlab_model_set_batch(m, 1) < 0) {
    free(p);
    dlab_model_info_free(info);
    dlab_model_free(m);
    return NULL;
  }
  p->m = m;
  p->info = *info;
  return p;
}

/* Prediction needs no gradient: the model is built for inference. */
DlabPredictor *dlab_predictor_load(const char *path) {
  DlabModelInfo info;
  DlabModel *m = dlab_checkpoint_load_as(path, DLAB_BUILD_INFERENCE, &info);
  return m ? wrap(m, &info, path) : NULL;
}

DlabPredictor *dlab_predictor_load_buffer(const void *data, size_t len, const char *what) {
  DlabModelInfo info;
  DlabModel *m = dlab_checkpoint_load_buffer_as(data, len, what, DLAB_BUILD_INFERENCE, &info);
  return m ? wrap(m, &info, what) : NULL;
}

void dlab_predictor_free(DlabPredictor *p) {
  if (!p) return;
  dlab_model_info_free(&p->info);
  dlab_model_free(p->m);
  free(p);
}

const DlabModelInfo *dlab_predictor_info(const DlabPredictor *p) { return &p->info; }
const DlabModel *dlab_predictor_model(const DlabPredictor *p) { return p->m; }
int dlab_predictor_num_classes(const DlabPredictor *p) { return p->info.num_classes; }

/* HWC 0..1 in normal orientation -> the model's normalized CHW input. EMNIST
 * models saw their images transposed, so they get them transposed here. */
void dlab_predictor_image_to_input(const DlabModelInfo *info, DlabShape in, const float *image, float *x) {
  const int c = in.d[0], h = in.d[1], w = in.d[2];
  const int transposed = strcmp(info->orientation, "transposed") == 0;
  for (int ch = 0; ch < c; ch++) {
    const float mean = info->mean[ch], inv_std = 1.0f / info->std[ch];
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++) {
        int sy = transposed ? xx : y, sx = transposed ? y : xx;
        x[((size_t)ch * h + y) * w + xx] = (image[((size_t)sy * w + sx) * c + ch] - mean) * inv_std;
      }
  }
}

static void fill_input(DlabPredictor *p, const float *image) {
  dlab_predictor_image_to_input(&p->info, p->m->input, image, p->m->acts[0].data);
}

int dlab_predictor_run(DlabPredictor *p, const float *image, float *probs) {
  fill_input(p, image);
  DlabTensor *logits = dlab_model_forward(p->m, 1, 0);
  const int k = p->info.num_classes;
  DlabTensor out = {.data = probs, .ndim = 2, .shape = {1, k, 1, 1}, .numel = (size_t)k};
  dlab_softmax(logits, &out);
  int best = 0;
  for (int i = 1; i < k; i++)
    if (probs[i] > probs[best]) best = i;
  return best;
}

int dlab_predictor_run_strokes(DlabPredictor *p, const DlabStrokes *s, float *image, float *probs) {
  const DlabShape in = p->m->input;
  if (in.ndim != 3 || in.d[0] != 1 || in.d[1] != DLAB_INK_SIDE || in.d[2] != DLAB_INK_SIDE)
    return dlab_error(_("this model reads %dx%dx%d images; drawings need a 1x28x28 model"), in.d[0], in.d[1],
                      in.d[2]);
  DlabInkStyle style = dlab_ink_default_style();
  if (dlab_ink_render(s, &style, p->ink) != 0) return dlab_error(_("nothing is drawn"));
  if (image) memcpy(image, p->ink, sizeof p->ink);
  return dlab_predictor_run(p, p->ink, probs);
}

#ifndef DLAB_DEFAULT_MODEL_DIR
#define DLAB_DEFAULT_MODEL_DIR "/usr/share/digit-lab"
#endif

/* Installed copy first; an uninstalled build falls back to the source tree's,
 * so `dlab predict` works straight from the build directory. */
const char *dlab_default_model_path(void) {
  const char *env = getenv("DLAB_DEFAULT_MODEL");
  if (env && *env) return env;
  static const char installed[] = DLAB_DEFAULT_MODEL_DIR "/default-model.safetensors";
#ifdef DLAB_SOURCE_DEFAULT_MODEL
  if (access(installed, R_OK) != 0 && access(DLAB_SOURCE_DEFAULT_MODEL, R_OK) == 0)
    return DLAB_SOURCE_DEFAULT_MODEL;
#endif
  return installed;
}
