/* inside_driver: the engine's half of the Inside parity test (test_inside.py).
 *
 *   inside_driver MODEL IMAGE OUT
 *
 * Loads the checkpoint MODEL as the sketchpad does (dlab_predictor_load,
 * then dlab_inside_new) and the image IMAGE (safetensors: "image", F32,
 * H x W x C on the 0..1 scale), runs it through dlab_inside_run and writes
 * into OUT (safetensors, F32):
 *
 *   out.<i>        layer i's output (its per-sample shape)
 *   probs          the probabilities dlab_inside_run returned
 *   saliency.<k>   dlab_inside_saliency for class k (H x W x C), every k
 *
 * with the metadata "layers": the engine's layers as name:keyword, joined
 * by '|', so the test knows which PyTorch module to hook for each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/inside.h"
#include "io/safetensors.h"
#include "nn/model_impl.h"

#define MAX_OUTPUTS 256

typedef struct {
  DlabStTensor t[MAX_OUTPUTS];
  int n;
} Outputs;

/* The tensors point into buffers the caller keeps alive until written. */
static int out_add(Outputs *o, const char *name, const float *data, int ndim, const int *shape) {
  if (o->n == MAX_OUTPUTS) return dlab_error("too many outputs");
  DlabStTensor *t = &o->t[o->n++];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  size_t numel = 1;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++) {
    t->shape[d] = shape[d];
    numel *= (size_t)shape[d];
  }
  t->dtype = DLAB_ST_F32;
  t->data = data;
  t->nbytes = numel * sizeof(float);
  return 0;
}

static const float *read_image(const DlabSafetensors *st, const char *path, DlabShape in) {
  const DlabStTensor *t = dlab_safetensors_find(st, "image");
  if (!t || t->dtype != DLAB_ST_F32 || t->ndim != 3 || t->shape[0] != in.d[1] || t->shape[1] != in.d[2] ||
      t->shape[2] != in.d[0]) {
    dlab_error("%s: tensor image must be F32 of shape %d x %d x %d (H x W x C)", path, in.d[1], in.d[2], in.d[0]);
    return NULL;
  }
  return t->data;
}

static int run(const char *model, const char *image_path, const char *out_path) {
  DlabPredictor *p = dlab_predictor_load(model);
  if (!p) return -1;
  DlabInside *in = dlab_inside_new(p);
  DlabSafetensors st = {0};
  int rc = -1, k = dlab_predictor_num_classes(p);
  float *probs = calloc((size_t)k, sizeof *probs), *sal = NULL;
  char names[MAX_OUTPUTS][32], layers[4096] = "";
  Outputs o = {.n = 0};
  if (!in || !probs || dlab_safetensors_read(image_path, &st) < 0) goto done;
  const DlabModel *m = dlab_inside_model(in);
  const float *image = read_image(&st, image_path, m->input);
  if (!image || m->n_layers + 1 + k > MAX_OUTPUTS) goto done;
  const int h = m->input.d[1], w = m->input.d[2], c = m->input.d[0];
  sal = malloc((size_t)k * h * w * c * sizeof *sal);
  if (!sal) goto done;
  dlab_inside_run(in, image, probs);
  for (int i = 0; i < m->n_layers; i++) {
    DlabShape s;
    const float *v = dlab_inside_output(in, i, &s);
    snprintf(names[i], sizeof names[i], "out.%d", i);
    if (out_add(&o, names[i], v, s.ndim, s.d) < 0) goto done;
    size_t used = strlen(layers);
    snprintf(layers + used, sizeof layers - used, "%s%s:%s", i ? "|" : "", m->layers[i]->name,
             m->layers[i]->ops->keyword);
  }
  if (out_add(&o, "probs", probs, 1, &k) < 0) goto done;
  for (int cls = 0; cls < k; cls++) {
    float *g = sal + (size_t)cls * h * w * c;
    if (dlab_inside_saliency(in, cls, g) < 0) goto done;
    char *name = names[m->n_layers + cls];
    snprintf(name, 32, "saliency.%d", cls);
    int shape[3] = {h, w, c};
    if (out_add(&o, name, g, 3, shape) < 0) goto done;
  }
  const char *keys[] = {"layers"}, *values[] = {layers};
  rc = dlab_safetensors_write(out_path, o.t, o.n, keys, values, 1);
done:
  free(probs);
  free(sal);
  dlab_safetensors_free(&st);
  dlab_inside_free(in);
  dlab_predictor_free(p);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: inside_driver MODEL IMAGE OUT\n");
    return 2;
  }
  if (run(argv[1], argv[2], argv[3]) < 0) {
    fprintf(stderr, "inside_driver: %s\n", dlab_error_message());
    return 1;
  }
  return 0;
}
