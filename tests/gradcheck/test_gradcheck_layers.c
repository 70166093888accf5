/* Finite-difference checks and forward references for the layers without a
 * weight matrix: the activations (relu, lrelu, gelu, sigmoid, tanh),
 * batch normalization (1d and 2d, training and evaluation), dropout
 * (training and evaluation) and flatten.
 *
 * Each kind gets two kinds of test:
 *  - forward: the layer's output against the formula PyTorch documents,
 *    evaluated in double here;
 *  - backward: every input and parameter gradient against central
 *    differences of the forward pass (gradcheck.h). Batch normalization's
 *    backward pass is also checked against differences of a double
 *    reference of its forward pass, which float rounding does not blur.
 * Dropout and batch normalization are checked in evaluation mode too: a
 * backward pass after an evaluation forward pass (input gradients of a
 * trained model) must be the gradient of what that pass computed.
 *
 * ReLU and LeakyReLU have a kink at 0, where a difference quotient that
 * straddles it means nothing: their inputs come from seeds that keep every
 * value well away from 0 (checked here before use). Dropout's forward pass
 * draws a mask, so the finite-difference passes restart its generator
 * (dropout.c: reset() replays the mask) to compare one and the same
 * function. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "gradcheck.h"
#include "test_util.h"

#define TOL 1e-2          /* worst relative error of a gradient */
#define STEP_SMOOTH 1e-3  /* for smooth non-linear layers */
#define STEP_LINEAR 1e-2  /* for layers linear in what is perturbed */
#define STEP_BN 1e-2      /* batch norm in training: each input moves all the
                           * outputs of its channel, whose float rounding
                           * needs the larger step */
#define BN_EPS 1e-5f      /* PyTorch's defaults, args[0] and args[1] */
#define BN_MOMENTUM 0.1f

static DlabShape image(int c, int h, int w) { return (DlabShape){3, {c, h, w}}; }
static DlabShape flat(int f) { return (DlabShape){1, {f, 0, 0}}; }

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static void report(int rc, const GradcheckReport *rep, const char *what) {
  if (rc < 0)
    tap_ok(0, "%s: setup failed: %s", what, dlab_error_message());
  else
    tap_ok(rc == 0, "%s: worst relative error %.2e (%s[%d])", what, rep->max_rel_err, rep->where,
           rep->index);
}

static void run_hooked(const DlabLayerOps *ops, const float *args, int n_args, DlabShape in,
                       int batch, int training, double step, unsigned long seed,
                       const GradcheckHooks *hooks, const char *what) {
  DlabLayer *l = gradcheck_new_layer(ops, "t", args, n_args);
  l->seed = 0x5eed0000u + seed; /* dropout derives its mask generator from it */
  GradcheckReport rep;
  int rc = gradcheck_layer_hooked(l, in, batch, training, step, TOL, seed, hooks, &rep);
  report(rc, &rep, what);
  dlab_layer_destroy(l);
}

static void run(const DlabLayerOps *ops, const float *args, int n_args, DlabShape in, int batch,
                int training, double step, unsigned long seed, const char *what) {
  run_hooked(ops, args, n_args, in, batch, training, step, seed, NULL, what);
}

/* A layer set up for `in` and `batch`, initialized as a model would. */
static DlabLayer *ready_layer(const DlabLayerOps *ops, const float *args, int n_args, DlabShape in,
                              int batch, uint64_t seed) {
  DlabLayer *l = gradcheck_new_layer(ops, "t", args, n_args);
  l->seed = seed;
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  int rc = ops->setup(l, in);
  if (rc == 0 && ops->reset) ops->reset(l, &rng);
  if (rc == 0 && ops->resize) rc = ops->resize(l, batch);
  if (rc < 0) {
    tap_ok(0, "%s: setup failed: %s", ops->keyword, dlab_error_message());
    dlab_layer_destroy(l);
    return NULL;
  }
  l->batch = batch;
  return l;
}

static void batch_tensor(DlabTensor *t, int batch, DlabShape s) {
  if (s.ndim == 3)
    dlab_tensor_init4(t, batch, s.d[0], s.d[1], s.d[2]);
  else
    dlab_tensor_init2(t, batch, s.d[0]);
}

static DlabParam *param(DlabLayer *l, const char *suffix) {
  char name[96];
  snprintf(name, sizeof name, "%s.%s", l->name, suffix);
  for (int i = 0; i < l->n_params; i++)
    if (strcmp(l->params[i].name, name) == 0) return &l->params[i];
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Activations                                                          */

typedef double (*Reference)(double x, double slope);

static double ref_relu(double x, double slope) { (void)slope; return x > 0 ? x : 0; }
static double ref_lrelu(double x, double slope) { return x > 0 ? x : slope * x; }
static double ref_gelu(double x, double slope) { (void)slope; return 0.5 * x * (1 + erf(x / sqrt(2.0))); }
static double ref_sigmoid(double x, double slope) { (void)slope; return 1 / (1 + exp(-x)); }
static double ref_tanh(double x, double slope) { (void)slope; return tanh(x); }

/* The output on a grid over [-6, 6] and a few extreme values, against the
 * double formula: a few float ulps, and never NaN or infinity. */
static void check_activation_forward(const DlabLayerOps *ops, float slope, Reference ref,
                                     const char *what) {
  enum { N = 1201 + 6 };
  DlabLayer *l = ready_layer(ops, &slope, 1, flat(N), 1, 1);
  if (!l) return;
  DlabTensor x, y;
  dlab_tensor_init2(&x, 1, N);
  dlab_tensor_init2(&y, 1, N);
  for (int i = 0; i < 1201; i++) x.data[i] = -6.0f + 0.01f * (float)i;
  const float extremes[6] = {-100, -30, -15, 15, 30, 100};
  memcpy(x.data + 1201, extremes, sizeof extremes);
  ops->forward(l, &x, &y, 1);
  double worst = 0;
  int worst_i = 0, finite = 1;
  for (int i = 0; i < N; i++) {
    double want = ref(x.data[i], slope);
    double err = fabs(y.data[i] - want) / fmax(fabs(want), 1.0);
    if (!isfinite(y.data[i])) finite = 0;
    if (err > worst) worst = err, worst_i = i;
  }
  tap_ok(finite && worst < 1e-6, "%s forward: worst error %.1e at x = %g%s", what, worst,
         (double)x.data[worst_i], finite ? "" : " (non-finite output)");
  /* Evaluation mode computes the same function. */
  DlabTensor y_eval;
  dlab_tensor_init2(&y_eval, 1, N);
  ops->forward(l, &x, &y_eval, 0);
  tap_ok(memcmp(y.data, y_eval.data, N * sizeof(float)) == 0, "%s forward: same in evaluation mode",
         what);
  dlab_tensor_free(&x);
  dlab_tensor_free(&y);
  dlab_tensor_free(&y_eval);
  dlab_layer_destroy(l);
}

/* gradcheck_layer seeds its generator, lets reset() draw (activations draw
 * nothing) and then draws the input: the same draw here tells whether every
 * input of a seed is at least `gap` away from the kink at 0. */
static unsigned long seed_clear_of_zero(DlabShape in, int batch, unsigned long first, double gap) {
  const int n = batch * dlab_shape_numel(in);
  for (unsigned long seed = first; seed < first + 10000; seed++) {
    DlabRng rng;
    dlab_rng_seed(&rng, seed);
    int clear = 1;
    for (int i = 0; i < n && clear; i++) clear = fabsf(dlab_rng_range(&rng, -1, 1)) >= gap;
    if (clear) return seed;
  }
  return 0;
}

static void run_kinked(const DlabLayerOps *ops, float slope, DlabShape in, int batch,
                       unsigned long first_seed, const char *what) {
  unsigned long seed = seed_clear_of_zero(in, batch, first_seed, 4 * STEP_SMOOTH);
  if (!seed) {
    tap_ok(0, "%s: no seed keeps the inputs away from 0", what);
    return;
  }
  char label[160];
  snprintf(label, sizeof label, "%s (seed %lu)", what, seed);
  run(ops, &slope, 1, in, batch, 1, STEP_SMOOTH, seed, label);
}

static void check_activations(void) {
  check_activation_forward(&dlab_relu_ops, 0, ref_relu, "relu");
  check_activation_forward(&dlab_leaky_relu_ops, 0.1f, ref_lrelu, "lrelu 0.1");
  check_activation_forward(&dlab_leaky_relu_ops, 0.01f, ref_lrelu, "lrelu 0.01");
  check_activation_forward(&dlab_gelu_ops, 0, ref_gelu, "gelu (erf)");
  check_activation_forward(&dlab_sigmoid_ops, 0, ref_sigmoid, "sigmoid");
  check_activation_forward(&dlab_tanh_ops, 0, ref_tanh, "tanh");

  run_kinked(&dlab_relu_ops, 0, image(3, 4, 4), 2, 1, "relu 3x4x4, batch 2");
  run_kinked(&dlab_relu_ops, 0, flat(17), 3, 50, "relu 17, batch 3");
  run_kinked(&dlab_leaky_relu_ops, 0.1f, image(2, 5, 3), 2, 100, "lrelu 0.1 2x5x3, batch 2");
  run_kinked(&dlab_leaky_relu_ops, 0.01f, flat(20), 3, 200, "lrelu 0.01 20, batch 3");
  run_kinked(&dlab_leaky_relu_ops, 0.01f, image(2, 3, 3), 2, 300, "lrelu 0.01 2x3x3, batch 2");

  /* Smooth: any seed. Inputs in [-1, 1]; gelu's curvature is largest there. */
  run(&dlab_gelu_ops, NULL, 0, image(3, 4, 4), 2, 1, STEP_SMOOTH, 31, "gelu 3x4x4, batch 2");
  run(&dlab_gelu_ops, NULL, 0, flat(19), 3, 1, STEP_SMOOTH, 32, "gelu 19, batch 3");
  run(&dlab_sigmoid_ops, NULL, 0, image(2, 4, 5), 2, 1, STEP_SMOOTH, 33, "sigmoid 2x4x5, batch 2");
  run(&dlab_sigmoid_ops, NULL, 0, flat(13), 3, 1, STEP_SMOOTH, 34, "sigmoid 13, batch 3");
  run(&dlab_tanh_ops, NULL, 0, image(2, 4, 5), 2, 1, STEP_SMOOTH, 35, "tanh 2x4x5, batch 2");
  run(&dlab_tanh_ops, NULL, 0, flat(13), 3, 1, STEP_SMOOTH, 36, "tanh 13, batch 3");
  /* Evaluation mode takes the same path; one each keeps it honest. */
  run_kinked(&dlab_leaky_relu_ops, 0.1f, flat(11), 2, 400, "lrelu 0.1 11, batch 2, evaluation");
  run(&dlab_gelu_ops, NULL, 0, flat(11), 2, 0, STEP_SMOOTH, 37, "gelu 11, batch 2, evaluation");
}

/* ------------------------------------------------------------------ */
/* Batch normalization                                                  */

/* Fills the running statistics with values far from the defaults (0, 1),
 * so that evaluation mode really reads them. */
static void set_running_stats(DlabLayer *l, void *ctx) {
  (void)ctx;
  DlabParam *mean = param(l, "running_mean"), *var = param(l, "running_var");
  if (!mean || !var) return;
  for (size_t c = 0; c < mean->value.numel; c++) {
    mean->value.data[c] = 0.3f * (float)c - 0.4f;
    var->value.data[c] = 0.5f + 0.7f * (float)c;
  }
}

/* Per channel c of an N x C x S batch: mean and biased variance in double. */
static void channel_moments(const DlabTensor *x, int C, int S, int c, double *mean, double *var) {
  const int N = x->shape[0];
  double sum = 0, sq = 0;
  for (int b = 0; b < N; b++)
    for (int s = 0; s < S; s++) sum += x->data[((size_t)b * C + c) * S + s];
  *mean = sum / (N * S);
  for (int b = 0; b < N; b++)
    for (int s = 0; s < S; s++) {
      double d = x->data[((size_t)b * C + c) * S + s] - *mean;
      sq += d * d;
    }
  *var = sq / (N * S);
}

/* One training forward pass and one evaluation pass against
 * y = gamma (x - mean) / sqrt(var + eps) + beta, with the batch's mean and
 * biased variance in training and the running statistics in evaluation;
 * the running statistics move by momentum with the unbiased variance
 * (torch.nn.BatchNorm1d/2d documentation), and only in training. */
static void check_batchnorm_forward(const DlabLayerOps *ops, DlabShape in, int batch, float eps,
                                    float momentum, const char *what) {
  const float args[2] = {eps, momentum};
  DlabLayer *l = ready_layer(ops, args, 2, in, batch, 7);
  if (!l) return;
  DlabParam *gamma = param(l, "weight"), *beta = param(l, "bias");
  DlabParam *rmean = param(l, "running_mean"), *rvar = param(l, "running_var");
  DlabParam *count = param(l, "num_batches_tracked");
  if (!gamma || !beta || !rmean || !rvar || !count) {
    tap_ok(0, "%s: parameters weight, bias, running_mean, running_var, num_batches_tracked", what);
    dlab_layer_destroy(l);
    return;
  }
  tap_ok(gamma->trainable && beta->trainable && !rmean->trainable && !rvar->trainable &&
             !count->trainable && count->is_int64,
         "%s: weight and bias trainable, the running statistics and count buffers", what);
  const int C = in.d[0], S = in.ndim == 3 ? in.d[1] * in.d[2] : 1;
  set_running_stats(l, NULL);
  for (int c = 0; c < C; c++) {
    gamma->value.data[c] = 0.5f + 0.25f * (float)c;
    beta->value.data[c] = 0.1f * (float)c - 0.2f;
  }
  double rm0[16], rv0[16];
  for (int c = 0; c < C; c++) rm0[c] = rmean->value.data[c], rv0[c] = rvar->value.data[c];

  DlabTensor x, y;
  batch_tensor(&x, batch, in);
  batch_tensor(&y, batch, in);
  DlabRng rng;
  dlab_rng_seed(&rng, 99);
  /* Channel c centred at c - 1 with spread 1 + c: not already normalized. */
  for (int b = 0; b < batch; b++)
    for (int c = 0; c < C; c++)
      for (int s = 0; s < S; s++)
        x.data[((size_t)b * C + c) * S + s] = (float)(c - 1) + (1.0f + (float)c) * dlab_rng_normal(&rng);

  ops->forward(l, &x, &y, 1);
  double worst_y = 0, worst_stat = 0;
  const double n = (double)batch * S;
  for (int c = 0; c < C; c++) {
    double mean, var;
    channel_moments(&x, C, S, c, &mean, &var);
    for (int b = 0; b < batch; b++)
      for (int s = 0; s < S; s++) {
        size_t i = ((size_t)b * C + c) * S + s;
        double want = gamma->value.data[c] * (x.data[i] - mean) / sqrt(var + eps) + beta->value.data[c];
        worst_y = fmax(worst_y, fabs(y.data[i] - want));
      }
    double want_rm = (1 - momentum) * rm0[c] + momentum * mean;
    double want_rv = (1 - momentum) * rv0[c] + momentum * var * n / (n - 1);
    worst_stat = fmax(worst_stat, fabs(rmean->value.data[c] - want_rm) / fmax(fabs(want_rm), 1));
    worst_stat = fmax(worst_stat, fabs(rvar->value.data[c] - want_rv) / fmax(fabs(want_rv), 1));
  }
  tap_ok(worst_y < 1e-5, "%s training: output with batch statistics, worst error %.1e", what, worst_y);
  tap_ok(worst_stat < 1e-5, "%s training: running mean and unbiased variance, worst error %.1e", what,
         worst_stat);
  tap_ok(count->value.data[0] == 1.0f, "%s training: num_batches_tracked %g after one batch", what,
         (double)count->value.data[0]);

  double rm1[16], rv1[16];
  for (int c = 0; c < C; c++) rm1[c] = rmean->value.data[c], rv1[c] = rvar->value.data[c];
  ops->forward(l, &x, &y, 0);
  double worst_eval = 0;
  int stats_kept = 1;
  for (int c = 0; c < C; c++) {
    stats_kept &= rmean->value.data[c] == (float)rm1[c] && rvar->value.data[c] == (float)rv1[c];
    for (int b = 0; b < batch; b++)
      for (int s = 0; s < S; s++) {
        size_t i = ((size_t)b * C + c) * S + s;
        double want = gamma->value.data[c] * (x.data[i] - rm1[c]) / sqrt(rv1[c] + eps) + beta->value.data[c];
        worst_eval = fmax(worst_eval, fabs(y.data[i] - want));
      }
  }
  tap_ok(worst_eval < 1e-5, "%s evaluation: output with running statistics, worst error %.1e", what,
         worst_eval);
  tap_ok(stats_kept && count->value.data[0] == 1.0f,
         "%s evaluation: running statistics and count unchanged", what);
  dlab_tensor_free(&x);
  dlab_tensor_free(&y);
  dlab_layer_destroy(l);
}

/* L = sum r * y of batch normalization in double, with the batch's mean and
 * biased variance (training) or the running statistics (evaluation). */
typedef struct {
  int N, C, S, training;
  double eps;
  const double *r, *running_mean, *running_var;
} BatchNormRef;

static double batchnorm_objective(const BatchNormRef *ref, const double *x, const double *gamma,
                                  const double *beta) {
  const int N = ref->N, C = ref->C, S = ref->S;
  double total = 0;
  for (int c = 0; c < C; c++) {
    double mean = ref->running_mean[c], var = ref->running_var[c];
    if (ref->training) {
      double sum = 0, sq = 0;
      for (int b = 0; b < N; b++)
        for (int s = 0; s < S; s++) sum += x[((size_t)b * C + c) * S + s];
      mean = sum / (N * S);
      for (int b = 0; b < N; b++)
        for (int s = 0; s < S; s++) sq += pow(x[((size_t)b * C + c) * S + s] - mean, 2);
      var = sq / (N * S);
    }
    for (int b = 0; b < N; b++)
      for (int s = 0; s < S; s++) {
        size_t i = ((size_t)b * C + c) * S + s;
        total += ref->r[i] * (gamma[c] * (x[i] - mean) / sqrt(var + ref->eps) + beta[c]);
      }
  }
  return total;
}

/* Central difference of the double objective in v[i]. */
static double ref_difference(const BatchNormRef *ref, double *x, double *gamma, double *beta,
                             double *v, size_t i) {
  const double h = 1e-6, saved = v[i];
  v[i] = saved + h;
  double plus = batchnorm_objective(ref, x, gamma, beta);
  v[i] = saved - h;
  double minus = batchnorm_objective(ref, x, gamma, beta);
  v[i] = saved;
  return (plus - minus) / (2 * h);
}

static double relative(double analytic, double numeric) {
  return fabs(analytic - numeric) / fmax(fabs(numeric), 1e-2);
}

/* The engine's backward pass against central differences of the double
 * objective: free of float rounding in the forward pass, so the tolerance
 * can be two orders tighter than gradcheck's. */
static void check_batchnorm_backward_double(const DlabLayerOps *ops, DlabShape in, int batch,
                                            int training, uint64_t seed, const char *what) {
  const float args[2] = {BN_EPS, BN_MOMENTUM};
  DlabLayer *l = ready_layer(ops, args, 2, in, batch, seed);
  if (!l) return;
  DlabParam *gamma = param(l, "weight"), *beta = param(l, "bias");
  DlabParam *rmean = param(l, "running_mean"), *rvar = param(l, "running_var");
  const int C = in.d[0], S = in.ndim == 3 ? in.d[1] * in.d[2] : 1;
  const size_t n = (size_t)batch * C * S;
  static double xd[4096], rd[4096];
  double gd[16], bd[16], rmd[16], rvd[16];
  if (n > 4096 || C > 16) {
    tap_ok(0, "%s: too large for the reference's arrays", what);
    dlab_layer_destroy(l);
    return;
  }
  set_running_stats(l, NULL);
  DlabTensor x, y, dy, dx;
  batch_tensor(&x, batch, in);
  batch_tensor(&y, batch, in);
  batch_tensor(&dy, batch, in);
  batch_tensor(&dx, batch, in);
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (int c = 0; c < C; c++) {
    gd[c] = gamma->value.data[c] = dlab_rng_range(&rng, 0.5f, 1.5f);
    bd[c] = beta->value.data[c] = dlab_rng_range(&rng, -0.5f, 0.5f);
    rmd[c] = rmean->value.data[c];
    rvd[c] = rvar->value.data[c];
  }
  for (size_t i = 0; i < n; i++) {
    xd[i] = x.data[i] = dlab_rng_normal(&rng);
    rd[i] = dy.data[i] = dlab_rng_range(&rng, -1, 1);
  }
  ops->forward(l, &x, &y, training);
  ops->backward(l, &x, &y, &dy, &dx);

  const BatchNormRef ref = {batch, C, S, training, BN_EPS, rd, rmd, rvd};
  double worst = 0;
  const char *where = "none";
  for (size_t i = 0; i < n; i++) {
    double e = relative(dx.data[i], ref_difference(&ref, xd, gd, bd, xd, i));
    if (e > worst) worst = e, where = "input";
  }
  for (int c = 0; c < C; c++) {
    double e = relative(gamma->grad.data[c], ref_difference(&ref, xd, gd, bd, gd, (size_t)c));
    if (e > worst) worst = e, where = "weight";
    e = relative(beta->grad.data[c], ref_difference(&ref, xd, gd, bd, bd, (size_t)c));
    if (e > worst) worst = e, where = "bias";
  }
  tap_ok(worst < 1e-4, "%s %s: backward vs differences of a double reference, worst %.1e (%s)", what,
         training ? "training" : "evaluation", worst, where);
  dlab_tensor_free(&x);
  dlab_tensor_free(&y);
  dlab_tensor_free(&dy);
  dlab_tensor_free(&dx);
  dlab_layer_destroy(l);
}

static void check_batchnorm(void) {
  const float args[2] = {BN_EPS, BN_MOMENTUM};
  const GradcheckHooks running = {.prepare = set_running_stats};

  for (int training = 1; training >= 0; training--) {
    check_batchnorm_backward_double(&dlab_batchnorm1d_ops, flat(5), 8, training, 71, "bn1d 5, batch 8");
    check_batchnorm_backward_double(&dlab_batchnorm1d_ops, flat(3), 2, training, 72, "bn1d 3, batch 2");
    check_batchnorm_backward_double(&dlab_batchnorm2d_ops, image(3, 4, 5), 2, training, 73,
                                    "bn2d 3x4x5, batch 2");
    check_batchnorm_backward_double(&dlab_batchnorm2d_ops, image(2, 3, 3), 1, training, 74,
                                    "bn2d 2x3x3, batch 1");
  }

  check_batchnorm_forward(&dlab_batchnorm1d_ops, flat(5), 6, BN_EPS, BN_MOMENTUM, "bn1d 5, batch 6");
  check_batchnorm_forward(&dlab_batchnorm1d_ops, flat(3), 2, 1e-3f, 0.3f,
                          "bn1d 3, batch 2, eps 1e-3, momentum 0.3");
  check_batchnorm_forward(&dlab_batchnorm2d_ops, image(3, 4, 5), 2, BN_EPS, BN_MOMENTUM,
                          "bn2d 3x4x5, batch 2");
  check_batchnorm_forward(&dlab_batchnorm2d_ops, image(4, 3, 3), 1, 1e-3f, 0.01f,
                          "bn2d 4x3x3, batch 1, eps 1e-3, momentum 0.01");

  /* Training: the batch statistics depend on every input of the channel. */
  run(&dlab_batchnorm1d_ops, args, 2, flat(5), 4, 1, STEP_BN, 41, "bn1d 5, batch 4, training");
  run(&dlab_batchnorm1d_ops, args, 2, flat(3), 7, 1, STEP_BN, 42, "bn1d 3, batch 7, training");
  run(&dlab_batchnorm1d_ops, args, 2, flat(4), 3, 1, STEP_BN, 43, "bn1d 4, batch 3, training");
  run(&dlab_batchnorm2d_ops, args, 2, image(3, 4, 4), 2, 1, STEP_BN, 44,
      "bn2d 3x4x4, batch 2, training");
  run(&dlab_batchnorm2d_ops, args, 2, image(2, 3, 5), 3, 1, STEP_BN, 45,
      "bn2d 2x3x5, batch 3, training");
  run(&dlab_batchnorm2d_ops, args, 2, image(4, 2, 2), 1, 1, STEP_BN, 46,
      "bn2d 4x2x2, batch 1, training");
  /* Evaluation: an affine map per channel with the running statistics. */
  run_hooked(&dlab_batchnorm1d_ops, args, 2, flat(5), 4, 0, STEP_LINEAR, 47, &running,
             "bn1d 5, batch 4, evaluation");
  run_hooked(&dlab_batchnorm2d_ops, args, 2, image(3, 4, 4), 2, 0, STEP_LINEAR, 48, &running,
             "bn2d 3x4x4, batch 2, evaluation");
  run_hooked(&dlab_batchnorm2d_ops, args, 2, image(2, 3, 5), 1, 0, STEP_LINEAR, 49, &running,
             "bn2d 2x3x5, batch 1, evaluation");
}

/* ------------------------------------------------------------------ */
/* Dropout                                                              */

/* Restarts the mask generator (dropout.c: reset replays the mask). */
static void replay_mask(DlabLayer *l, void *ctx) {
  (void)ctx;
  DlabRng unused;
  dlab_rng_seed(&unused, 0);
  l->ops->reset(l, &unused);
}

/* Fills x with values in [1, 2), so that a zero in y can only be a drop. */
static void fill_positive(DlabTensor *x, uint64_t seed) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  for (size_t i = 0; i < x->numel; i++) x->data[i] = dlab_rng_range(&rng, 1, 2);
}

/* Training: a share p of zeros, the rest x / (1 - p); a new mask each pass
 * and the same one after reset; evaluation: the identity. */
static void check_dropout_forward(float p, DlabShape in, int batch, const char *what) {
  DlabLayer *l = ready_layer(&dlab_dropout_ops, &p, 1, in, batch, 1234);
  if (!l) return;
  DlabTensor x, y, y2;
  batch_tensor(&x, batch, in);
  batch_tensor(&y, batch, in);
  batch_tensor(&y2, batch, in);
  fill_positive(&x, 5);

  l->ops->forward(l, &x, &y, 1);
  size_t dropped = 0;
  double worst = 0;
  for (size_t i = 0; i < x.numel; i++) {
    if (y.data[i] == 0.0f)
      dropped++;
    else
      worst = fmax(worst, fabs(y.data[i] - x.data[i] / (1.0 - p)) / (x.data[i] / (1.0 - p)));
  }
  const double share = (double)dropped / (double)x.numel;
  /* Binomial: 5 standard deviations. */
  const double slack = 5 * sqrt(p * (1 - p) / (double)x.numel);
  tap_ok(fabs(share - p) <= slack, "%s training: %.4f of %zu dropped, expected %.2f +- %.4f", what,
         share, x.numel, (double)p, slack);
  tap_ok(worst < 1e-6, "%s training: survivors scaled by 1/(1-p), worst error %.1e", what, worst);

  l->ops->forward(l, &x, &y2, 1);
  tap_ok(memcmp(y.data, y2.data, x.numel * sizeof(float)) != 0, "%s training: a new mask each pass",
         what);
  replay_mask(l, NULL);
  l->ops->forward(l, &x, &y2, 1);
  tap_ok(memcmp(y.data, y2.data, x.numel * sizeof(float)) == 0,
         "%s training: reset replays the first mask", what);

  l->ops->forward(l, &x, &y2, 0);
  tap_ok(memcmp(x.data, y2.data, x.numel * sizeof(float)) == 0, "%s evaluation: identity", what);
  dlab_tensor_free(&x);
  dlab_tensor_free(&y);
  dlab_tensor_free(&y2);
  dlab_layer_destroy(l);
}

/* Two layers with different seeds draw different masks; equal seeds, equal. */
static void check_dropout_seeds(void) {
  const float p = 0.5f;
  DlabLayer *a = ready_layer(&dlab_dropout_ops, &p, 1, flat(64), 4, 1);
  DlabLayer *b = ready_layer(&dlab_dropout_ops, &p, 1, flat(64), 4, 1);
  DlabLayer *c = ready_layer(&dlab_dropout_ops, &p, 1, flat(64), 4, 2);
  if (!a || !b || !c) return;
  DlabTensor x, ya, yb, yc;
  dlab_tensor_init2(&x, 4, 64);
  dlab_tensor_init2(&ya, 4, 64);
  dlab_tensor_init2(&yb, 4, 64);
  dlab_tensor_init2(&yc, 4, 64);
  fill_positive(&x, 6);
  a->ops->forward(a, &x, &ya, 1);
  b->ops->forward(b, &x, &yb, 1);
  c->ops->forward(c, &x, &yc, 1);
  tap_ok(memcmp(ya.data, yb.data, x.numel * sizeof(float)) == 0, "dropout: same seed, same mask");
  tap_ok(memcmp(ya.data, yc.data, x.numel * sizeof(float)) != 0, "dropout: other seed, other mask");
  dlab_tensor_free(&x);
  dlab_tensor_free(&ya);
  dlab_tensor_free(&yb);
  dlab_tensor_free(&yc);
  dlab_layer_destroy(a);
  dlab_layer_destroy(b);
  dlab_layer_destroy(c);
}

static void check_dropout(void) {
  const GradcheckHooks fixed_mask = {.before_forward = replay_mask};
  check_dropout_forward(0.5f, flat(4000), 5, "dropout 0.5");
  check_dropout_forward(0.2f, image(4, 10, 10), 25, "dropout 0.2");
  check_dropout_seeds();
  run_hooked(&dlab_dropout_ops, (float[]){0.5f}, 1, flat(13), 3, 1, STEP_LINEAR, 51, &fixed_mask,
             "dropout 0.5 13, batch 3, training");
  run_hooked(&dlab_dropout_ops, (float[]){0.3f}, 1, image(2, 3, 4), 2, 1, STEP_LINEAR, 52,
             &fixed_mask, "dropout 0.3 2x3x4, batch 2, training");
  run(&dlab_dropout_ops, (float[]){0.0f}, 1, flat(9), 2, 1, STEP_LINEAR, 53,
      "dropout 0 9, batch 2, training (identity)");
  /* Backward after an evaluation pass (saliency, input gradients): the
   * identity's gradient, whatever mask an earlier training pass drew. */
  run(&dlab_dropout_ops, (float[]){0.5f}, 1, flat(13), 3, 0, STEP_LINEAR, 54,
      "dropout 0.5 13, batch 3, evaluation");
  run(&dlab_dropout_ops, (float[]){0.3f}, 1, image(2, 3, 4), 2, 0, STEP_LINEAR, 55,
      "dropout 0.3 2x3x4, batch 2, evaluation");
}

/* ------------------------------------------------------------------ */
/* Flatten                                                              */

static void check_flatten(void) {
  DlabLayer *l = ready_layer(&dlab_flatten_ops, NULL, 0, image(3, 4, 5), 2, 1);
  if (l) {
    tap_ok(l->out_shape.ndim == 1 && l->out_shape.d[0] == 60, "flatten 3x4x5: output shape %d, %d",
           l->out_shape.ndim, l->out_shape.d[0]);
    DlabTensor x, y;
    dlab_tensor_init4(&x, 2, 3, 4, 5);
    dlab_tensor_init2(&y, 2, 60);
    fill_positive(&x, 8);
    l->ops->forward(l, &x, &y, 1);
    /* NCHW is C, H, W-major per sample: the order nn.Flatten gives. */
    tap_ok(memcmp(x.data, y.data, x.numel * sizeof(float)) == 0, "flatten: values in CHW order");
    dlab_tensor_free(&x);
    dlab_tensor_free(&y);
    dlab_layer_destroy(l);
  }
  run(&dlab_flatten_ops, NULL, 0, image(3, 4, 5), 2, 1, STEP_LINEAR, 61, "flatten 3x4x5, batch 2, training");
  run(&dlab_flatten_ops, NULL, 0, image(1, 2, 7), 3, 0, STEP_LINEAR, 62,
      "flatten 1x2x7, batch 3, evaluation");
}

int main(void) {
  /* Two threads so batch normalization's per-channel loop really splits. */
  if (dlab_threads_set(2) < 0) tap_ok(0, "threads: %s", dlab_error_message());
  check_activations();
  check_batchnorm();
  check_dropout();
  check_flatten();
  dlab_threads_shutdown();
  return tap_done();
}
