/* Several models reading the same image: what `dlab predict --model A
 * --model B` and the Draw page's "Average of N models" use.
 *
 * A DlabEnsemble borrows N predictors (predictor.h; the caller keeps them
 * alive and frees them after the ensemble) that read the same classes
 * (the same count and names, in the same order) from the same input shape.
 * A drawing is preprocessed once (the ink preprocessing is the same for
 * every model), then every model reads the picture with its own
 * orientation and normalization. The reading gives:
 *   - the mean of the models' probabilities, class by class (the
 *     arithmetic mean: each model counts the same);
 *   - each model's own probabilities and most likely class;
 *   - where they disagree: the classes that are some model's most likely
 *     one, and how many models read each (one class: they agree).
 * Everything is sized when the ensemble is made: a reading allocates
 * nothing. */
#ifndef DLAB_ENSEMBLE_H
#define DLAB_ENSEMBLE_H

#include "dlab/predictor.h"
#include "dlab/strokes.h"

/* Models in one ensemble at most. */
#define DLAB_ENSEMBLE_MAX 32

typedef struct DlabEnsemble DlabEnsemble;

/* One reading; the arrays are the ensemble's, valid until its next reading
 * (K classes, N models). */
typedef struct {
  int best;               /* the class of the largest mean probability */
  const float *mean;      /* K: the models' mean probability of each class */
  const float *probs;     /* N x K: model i's probabilities at probs + i * K */
  const int *tops;        /* N: model i's most likely class */
  const int *votes;       /* K: how many models read each class */
  const int *top_classes; /* the classes some model reads, in class order */
  int n_top_classes;      /* 1 when every model reads the same class */
} DlabEnsembleReading;

/* Whether `p` can be read together with `first`: the same classes (count
 * and names, in order) and the same input shape. 0, or -1 with a message
 * naming both models (by the names given) and the first difference. */
int dlab_ensemble_check(const DlabPredictor *first, const char *first_name, const DlabPredictor *p, const char *name);

/* An ensemble of models[0..n), 1 <= n <= DLAB_ENSEMBLE_MAX, borrowed;
 * names[i] names model i in messages. NULL with a message (a pair that
 * dlab_ensemble_check refuses, or no memory). */
DlabEnsemble *dlab_ensemble_new(DlabPredictor *const *models, const char *const *names, int n);
void dlab_ensemble_free(DlabEnsemble *e);

int dlab_ensemble_size(const DlabEnsemble *e);
int dlab_ensemble_num_classes(const DlabEnsemble *e);
/* Model i, as given (its info() has the class names). */
DlabPredictor *dlab_ensemble_model(const DlabEnsemble *e, int i);

/* Every model reads one image (HWC, 0..1, MNIST's convention: see
 * dlab_predictor_run). Returns the best class of the mean. */
int dlab_ensemble_run(DlabEnsemble *e, const float *image, DlabEnsembleReading *out);

/* The ink preprocessing once (ink.h), then dlab_ensemble_run. When image is
 * not NULL it receives the 28x28 picture the models saw. Returns the best
 * class, or -1 when nothing is drawn or the models do not take 1x28x28
 * inputs (with a message). */
int dlab_ensemble_run_strokes(DlabEnsemble *e, const DlabStrokes *s, float *image, DlabEnsembleReading *out);

#endif
