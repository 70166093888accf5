/* Inside a network (inside.h) beyond the PyTorch parity test: the copy
 * reads a drawing as the predictor does (same probabilities, the predictor
 * untouched), follows new weights, refuses another network's, a class out
 * of range and a saliency before any run; the saliency's pass writes no
 * parameter gradient; the pictures have the sizes their arguments give and
 * refuse impossible ones. */
#include <math.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/ink.h"
#include "dlab/inside.h"
#include "test_util.h"
#include "nn/model_impl.h"

static const char *model_path(void) {
  static char path[4096];
  const char *root = getenv("DLAB_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/resources/default-model.safetensors", root ? root : ".");
  return path;
}

/* A 7: a bar and a diagonal. */
static void draw_seven(DlabStrokes *s) {
  dlab_strokes_clear(s);
  dlab_strokes_begin(s);
  for (int i = 0; i <= 20; i++) dlab_strokes_add(s, 10 + 4 * i, 10, 1);
  for (int i = 1; i <= 30; i++) dlab_strokes_add(s, 90 - 1.5f * i, 10 + 4 * i, 1);
}

static void check_run(DlabPredictor *p, DlabInside *in) {
  DlabStrokes s;
  float image[DLAB_INK_PIXELS], grad[DLAB_INK_PIXELS], probs[10], inside_probs[10];
  dlab_strokes_init(&s);
  draw_seven(&s);
  tap_ok(dlab_inside_output(in, 0, NULL) == NULL && dlab_inside_saliency(in, 0, grad) < 0,
         "no outputs and no saliency before a run (%s)", dlab_error_message());
  int best = dlab_predictor_run_strokes(p, &s, NULL, probs);
  int inside_best = dlab_inside_run_strokes(in, &s, image, inside_probs);
  double worst = 0;
  for (int k = 0; k < 10; k++) worst = fmax(worst, fabs(probs[k] - inside_probs[k]));
  tap_ok(best == inside_best && worst < 1e-5, "the unfused copy reads the drawing as the predictor (class %d, %.1e)",
         best, worst);
  const DlabModel *m = dlab_inside_model(in);
  DlabShape shape;
  const float *last = dlab_inside_output(in, m->n_layers - 1, &shape);
  tap_ok(last && shape.ndim == 1 && shape.d[0] == 10 && last == dlab_inside_logits(in), "the last output is the logits");
  tap_ok(dlab_inside_output(in, m->n_layers, NULL) == NULL && dlab_inside_output(in, -1, NULL) == NULL,
         "layers out of range give NULL");
  tap_ok(dlab_inside_saliency(in, 10, grad) < 0 && strstr(dlab_error_message(), "class 10"),
         "class 10 of 10 is refused: %s", dlab_error_message());
  /* The saliency's pass writes no parameter gradient (input_grad_only):
   * each keeps what was there. */
  DlabModel *inner = (DlabModel *)m;
  for (int i = 0; i < inner->n_layers; i++)
    for (int k = 0; k < inner->layers[i]->n_params; k++) {
      DlabTensor *g = &inner->layers[i]->params[k].grad;
      for (size_t e = 0; g->data && e < g->numel; e++) g->data[e] = 12345.0f;
    }
  tap_ok(dlab_inside_saliency(in, best, grad) == 0, "the saliency of the most likely class");
  size_t touched = 0, grads = 0;
  for (int i = 0; i < inner->n_layers; i++)
    for (int k = 0; k < inner->layers[i]->n_params; k++) {
      const DlabTensor *g = &inner->layers[i]->params[k].grad;
      for (size_t e = 0; g->data && e < g->numel; e++, grads++) touched += g->data[e] != 12345.0f;
    }
  tap_ok(grads > 0 && touched == 0, "the saliency wrote none of the %zu parameter gradients (%zu changed)", grads,
         touched);
  /* A 3x3 first convolution without padding reaches every pixel, but a
   * pixel's gradient through the whole network is some finite number. */
  int finite = 1;
  for (int i = 0; i < DLAB_INK_PIXELS; i++) finite &= isfinite(grad[i]);
  tap_ok(finite, "every pixel's gradient is finite");
  dlab_strokes_free(&s);
}

static void check_weights(DlabInside *in) {
  DlabShape input = {3, {1, 28, 28}};
  DlabModel *other = dlab_model_create("lenet", input, 1);
  tap_ok(other && dlab_inside_set_weights(in, other) < 0, "another network's weights are refused: %s",
         dlab_error_message());
  dlab_model_free(other);
}

static void check_pictures(void) {
  DlabImage img = {0};
  float v[6 * 24 * 24];
  for (int i = 0; i < 6 * 24 * 24; i++) v[i] = (float)(i % 7) - 3.0f;
  DlabShape s = {3, {6, 24, 24}};
  tap_ok(dlab_inside_maps_image(v, s, 2, 16, &img) == 0 && img.w == 6 * 50 + 2 && img.h == 52 && img.c == 1,
         "six 24x24 maps at 2x in one row: %dx%d", img.w, img.h);
  dlab_image_free(&img);
  tap_ok(dlab_inside_maps_image(v, s, 1, 0, &img) == 0 && img.w == 3 * 26 + 2 && img.h == 2 * 26 + 2,
         "columns 0: as square a grid as 6 maps allow (3 x 2)");
  dlab_image_free(&img);
  DlabShape huge = {3, {4096, 4096, 1}};
  tap_ok(dlab_inside_maps_image(v, huge, 4, 0, &img) < 0 && img.data == NULL, "a picture over 8192 pixels is refused");
  tap_ok(dlab_inside_bars_image(v, 10, 8, &img) == 0 && img.w == 84 && img.c == 3, "ten bars 8 pixels wide");
  dlab_image_free(&img);
  tap_ok(dlab_inside_bars_image(v, 5000, 2, &img) < 0, "10,000 pixels of bars are refused");
  float zero[DLAB_INK_PIXELS] = {0};
  tap_ok(dlab_inside_saliency_image(zero, zero, 28, 28, 1, 6, &img) == 0 && img.w == 168, "a zero gradient draws black");
  int black = 1;
  for (size_t i = 0; img.data && i < (size_t)img.w * img.h * 3; i++) black &= img.data[i] == 0;
  tap_ok(black, "... and nothing else");
  dlab_image_free(&img);
}

int main(void) {
  DlabPredictor *p = dlab_predictor_load(model_path());
  DlabInside *in = p ? dlab_inside_new(p) : NULL;
  tap_ok(in != NULL, "the built-in model's inside copy: %s", in ? "built" : dlab_error_message());
  if (in) {
    check_run(p, in);
    check_weights(in);
  }
  check_pictures();
  dlab_inside_free(in);
  dlab_predictor_free(p);
  return tap_done();
}
