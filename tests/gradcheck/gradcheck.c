#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"

DlabLayer *gradcheck_new_layer(const DlabLayerOps *ops, const char *name, const float *args,
                               int n_args) {
  DlabLayer *l = calloc(1, sizeof *l);
  l->ops = ops;
  snprintf(l->name, sizeof l->name, "%s", name);
  for (int i = 0; i < n_args && i < DLAB_MAX_LAYER_ARGS; i++) l->args[i] = args[i];
  return l;
}

static void batch_tensor(DlabTensor *t, int batch, DlabShape s) {
  int shape[4] = {batch, s.d[0], s.ndim == 3 ? s.d[1] : 1, s.ndim == 3 ? s.d[2] : 1};
  dlab_tensor_init(t, s.ndim == 3 ? 4 : 2, shape);
}

static void forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training,
                    const GradcheckHooks *hooks) {
  if (hooks && hooks->before_forward) hooks->before_forward(l, hooks->ctx);
  l->ops->forward(l, x, y, training);
}

/* L = sum r*y in double, after a fresh forward pass. */
static double objective(DlabLayer *l, const DlabTensor *x, DlabTensor *y, const DlabTensor *r,
                        int training, const GradcheckHooks *hooks) {
  forward(l, x, y, training, hooks);
  double s = 0;
  for (size_t i = 0; i < y->numel; i++) s += (double)r->data[i] * y->data[i];
  return s;
}

static void check_one(double analytic, double numeric, const char *where, int index,
                      GradcheckReport *rep) {
  double floor = 1e-2;
  double err = fabs(analytic - numeric) / fmax(fabs(numeric), floor);
  if (err > rep->max_rel_err) {
    rep->max_rel_err = err;
    rep->where = where;
    rep->index = index;
  }
}

int gradcheck_layer(DlabLayer *l, DlabShape in, int batch, int training, double h, double tol,
                    unsigned long seed, GradcheckReport *rep) {
  return gradcheck_layer_hooked(l, in, batch, training, h, tol, seed, NULL, rep);
}

int gradcheck_layer_hooked(DlabLayer *l, DlabShape in, int batch, int training, double h,
                           double tol, unsigned long seed, const GradcheckHooks *hooks,
                           GradcheckReport *rep) {
  memset(rep, 0, sizeof *rep);
  rep->where = "none";
  if (l->ops->setup(l, in) < 0) return -1;
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  if (l->ops->reset) l->ops->reset(l, &rng);
  if (l->ops->resize && l->ops->resize(l, batch) < 0) return -1;
  l->batch = batch;
  if (hooks && hooks->prepare) hooks->prepare(l, hooks->ctx);

  DlabTensor x, y, r, dx;
  batch_tensor(&x, batch, in);
  batch_tensor(&dx, batch, in);
  batch_tensor(&y, batch, l->out_shape);
  batch_tensor(&r, batch, l->out_shape);
  for (size_t i = 0; i < x.numel; i++) x.data[i] = dlab_rng_range(&rng, -1, 1);
  for (size_t i = 0; i < r.numel; i++) r.data[i] = dlab_rng_range(&rng, -1, 1);
  /* Randomize parameters too, so zero-initialized biases/betas are tested. */
  for (int p = 0; p < l->n_params; p++)
    if (l->params[p].trainable)
      for (size_t i = 0; i < l->params[p].value.numel; i++)
        l->params[p].value.data[i] += dlab_rng_range(&rng, -0.5f, 0.5f);

  forward(l, &x, &y, training, hooks);
  l->ops->backward(l, &x, &y, &r, &dx);

  for (size_t i = 0; i < x.numel; i++) {
    float saved = x.data[i];
    x.data[i] = saved + (float)h;
    double plus = objective(l, &x, &y, &r, training, hooks);
    x.data[i] = saved - (float)h;
    double minus = objective(l, &x, &y, &r, training, hooks);
    x.data[i] = saved;
    check_one(dx.data[i], (plus - minus) / (2 * h), "input", (int)i, rep);
  }
  for (int p = 0; p < l->n_params; p++) {
    DlabParam *par = &l->params[p];
    if (!par->trainable) continue;
    for (size_t i = 0; i < par->value.numel; i++) {
      float saved = par->value.data[i];
      par->value.data[i] = saved + (float)h;
      double plus = objective(l, &x, &y, &r, training, hooks);
      par->value.data[i] = saved - (float)h;
      double minus = objective(l, &x, &y, &r, training, hooks);
      par->value.data[i] = saved;
      check_one(par->grad.data[i], (plus - minus) / (2 * h), par->name, (int)i, rep);
    }
  }
  dlab_tensor_free(&x);
  dlab_tensor_free(&y);
  dlab_tensor_free(&r);
  dlab_tensor_free(&dx);
  return rep->max_rel_err < tol ? 0 : 1;
}
