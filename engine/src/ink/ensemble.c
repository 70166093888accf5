/* Several predictors reading one image (ensemble.h). It lives beside the
 * predictor because it is made of predictors and the ink preprocessing;
 * each model keeps its own orientation and normalization. */
#include "dlab/ensemble.h"

#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/ink.h"

#include "core/i18n.h"

struct DlabEnsemble {
  int n, k;
  DlabPredictor *models[DLAB_ENSEMBLE_MAX]; /* borrowed */
  float *mean;                              /* k */
  float *probs;                             /* n * k */
  int tops[DLAB_ENSEMBLE_MAX];
  int *votes;       /* k */
  int *top_classes; /* k at most */
  float ink[DLAB_INK_PIXELS];
};

static DlabShape input_of(const DlabPredictor *p) { return dlab_model_input(dlab_predictor_model(p)); }

static int same_shape(DlabShape a, DlabShape b) {
  if (a.ndim != b.ndim) return 0;
  for (int i = 0; i < a.ndim; i++)
    if (a.d[i] != b.d[i]) return 0;
  return 1;
}

int dlab_ensemble_check(const DlabPredictor *first, const char *first_name, const DlabPredictor *p, const char *name) {
  const DlabModelInfo *a = dlab_predictor_info(first), *b = dlab_predictor_info(p);
  if (b->num_classes != a->num_classes)
    return dlab_error(_("cannot average %s with %s: it reads %d classes, not %d"), name, first_name, b->num_classes,
                      a->num_classes);
  for (int c = 0; c < a->num_classes; c++)
    if (strcmp(b->class_names[c], a->class_names[c]) != 0)
      return dlab_error(_("cannot average %s with %s: its class %d is `%s`, not `%s`"), name, first_name, c,
                        b->class_names[c], a->class_names[c]);
  if (!same_shape(input_of(p), input_of(first))) {
    char theirs[64], ours[64];
    return dlab_error(_("cannot average %s with %s: it reads %s inputs, not %s"), name, first_name,
                      dlab_shape_str(input_of(p), theirs, sizeof theirs),
                      dlab_shape_str(input_of(first), ours, sizeof ours));
  }
  return 0;
}

DlabEnsemble *dlab_ensemble_new(DlabPredictor *const *models, const char *const *names, int n) {
  if (n < 1 || n > DLAB_ENSEMBLE_MAX) {
    dlab_error(_("an average needs 1 to %d models, not %d"), DLAB_ENSEMBLE_MAX, n);
    return NULL;
  }
  for (int i = 1; i < n; i++)
    if (dlab_ensemble_check(models[0], names[0], models[i], names[i]) < 0) return NULL;
  DlabEnsemble *e = calloc(1, sizeof *e);
  /* k <= DLAB_MAX_CLASSES and n <= DLAB_ENSEMBLE_MAX: the sizes are small. */
  const int k = dlab_predictor_num_classes(models[0]);
  if (e) {
    e->mean = calloc((size_t)k, sizeof *e->mean);
    e->probs = calloc((size_t)n * (size_t)k, sizeof *e->probs);
    e->votes = calloc((size_t)k, sizeof *e->votes);
    e->top_classes = calloc((size_t)k, sizeof *e->top_classes);
  }
  if (!e || !e->mean || !e->probs || !e->votes || !e->top_classes) {
    dlab_ensemble_free(e);
    dlab_error(_("out of memory"));
    return NULL;
  }
  e->n = n;
  e->k = k;
  memcpy(e->models, models, (size_t)n * sizeof *models);
  return e;
}

void dlab_ensemble_free(DlabEnsemble *e) {
  if (!e) return;
  free(e->mean);
  free(e->probs);
  free(e->votes);
  free(e->top_classes);
  free(e);
}

int dlab_ensemble_size(const DlabEnsemble *e) { return e->n; }
int dlab_ensemble_num_classes(const DlabEnsemble *e) { return e->k; }
DlabPredictor *dlab_ensemble_model(const DlabEnsemble *e, int i) { return i >= 0 && i < e->n ? e->models[i] : NULL; }

/* The mean in double, in model order, then rounded once: the same sum
 * whatever the number of models. */
static int average(DlabEnsemble *e) {
  int best = 0;
  for (int c = 0; c < e->k; c++) {
    double sum = 0;
    for (int i = 0; i < e->n; i++) sum += e->probs[(size_t)i * e->k + c];
    e->mean[c] = (float)(sum / e->n);
    if (e->mean[c] > e->mean[best]) best = c;
  }
  return best;
}

static void count_votes(DlabEnsemble *e) {
  memset(e->votes, 0, (size_t)e->k * sizeof *e->votes);
  for (int i = 0; i < e->n; i++) e->votes[e->tops[i]]++;
}

int dlab_ensemble_run(DlabEnsemble *e, const float *image, DlabEnsembleReading *out) {
  for (int i = 0; i < e->n; i++) e->tops[i] = dlab_predictor_run(e->models[i], image, e->probs + (size_t)i * e->k);
  count_votes(e);
  int n_top = 0;
  for (int c = 0; c < e->k; c++)
    if (e->votes[c]) e->top_classes[n_top++] = c;
  *out = (DlabEnsembleReading){.best = average(e),
                               .mean = e->mean,
                               .probs = e->probs,
                               .tops = e->tops,
                               .votes = e->votes,
                               .top_classes = e->top_classes,
                               .n_top_classes = n_top};
  return out->best;
}

int dlab_ensemble_run_strokes(DlabEnsemble *e, const DlabStrokes *s, float *image, DlabEnsembleReading *out) {
  const DlabShape in = input_of(e->models[0]); /* every model's (dlab_ensemble_check) */
  if (in.ndim != 3 || in.d[0] != 1 || in.d[1] != DLAB_INK_SIDE || in.d[2] != DLAB_INK_SIDE)
    return dlab_error(_("this model reads %dx%dx%d images; drawings need a 1x28x28 model"), in.d[0], in.d[1], in.d[2]);
  DlabInkStyle style = dlab_ink_default_style();
  if (dlab_ink_render(s, &style, e->ink) != 0) return dlab_error(_("nothing is drawn"));
  if (image) memcpy(image, e->ink, sizeof e->ink);
  return dlab_ensemble_run(e, e->ink, out);
}
