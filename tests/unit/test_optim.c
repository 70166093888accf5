/* Optimizers (optim.h) against the update rules of torch.optim's
 * documentation, computed here in double:
 *
 * SGD:   g = grad + wd * w
 *        if momentum: b = g at the first step, else b = mu * b + (1 - dampening) * g
 *                     g = nesterov ? g + mu * b : b
 *        w = w - lr * g
 * Adam:  g = grad + wd * w
 *        m = b1 * m + (1 - b1) g;  v = b2 * v + (1 - b2) g^2
 *        w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * AdamW: w = w - lr * wd * w, then Adam without the wd term.
 *
 * Each configuration runs three steps on the parameters of a tiny model
 * (`linear 3` over 4 features) with hand-set gradients and a different
 * learning rate each step (the rate given to step() is the one used, as a
 * scheduler would set it). Saving and restoring the state (state tensors
 * and step count) must continue exactly as an uninterrupted run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/optim.h"
#include "test_util.h"
#include "nn/model_impl.h"

#define STEPS 3
#define MAX_VALUES 64 /* floats over all trainable parameters */
#define MODEL_SEED 42

static DlabModel *tiny_model(const char *spec) {
  DlabModel *m = dlab_model_create(spec, (DlabShape){1, {4, 0, 0}}, MODEL_SEED);
  if (!m) tap_ok(0, "model `%s`: %s", spec, dlab_error_message());
  return m;
}

/* A gradient value for element i of trainable parameter p at step t: both
 * signs, different sizes, never zero. */
static float gradient_value(int t, int p, int i) {
  return 0.3f * sinf(1.7f * (float)i + 2.3f * (float)t + 0.9f * (float)p) + 0.05f * (float)(t + 1);
}

static void set_gradients(DlabModel *m, int t) {
  int p = 0;
  for (int k = 0; k < m->n_params; k++) {
    DlabParam *par = m->params[k];
    if (!par->trainable) continue;
    for (size_t i = 0; i < par->grad.numel; i++) par->grad.data[i] = gradient_value(t, p, (int)i);
    p++;
  }
}

/* The model's trainable values, flattened in parameter order. */
static int gather(const DlabModel *m, double *out) {
  int n = 0;
  for (int k = 0; k < m->n_params; k++) {
    const DlabParam *par = m->params[k];
    if (!par->trainable) continue;
    for (size_t i = 0; i < par->value.numel && n < MAX_VALUES; i++) out[n++] = par->value.data[i];
  }
  return n;
}

/* The reference optimizer, in double, over the flattened values. */
typedef struct {
  DlabOptimConfig cfg;
  double w[MAX_VALUES], buf[MAX_VALUES], m[MAX_VALUES], v[MAX_VALUES];
  int n;
  long t;
} Reference;

static void reference_step(Reference *r, const double *grad, double lr) {
  const DlabOptimConfig *c = &r->cfg;
  const double wd = c->weight_decay, mu = c->momentum, b1 = c->beta1, b2 = c->beta2;
  r->t++;
  for (int i = 0; i < r->n; i++) {
    if (c->kind == DLAB_OPTIM_SGD) {
      double g = grad[i] + wd * r->w[i];
      if (mu != 0) {
        r->buf[i] = r->t == 1 ? g : mu * r->buf[i] + (1 - c->dampening) * g;
        g = c->nesterov ? g + mu * r->buf[i] : r->buf[i];
      }
      r->w[i] -= lr * g;
      continue;
    }
    double g = grad[i];
    if (c->kind == DLAB_OPTIM_ADAMW)
      r->w[i] -= lr * wd * r->w[i];
    else
      g += wd * r->w[i];
    r->m[i] = b1 * r->m[i] + (1 - b1) * g;
    r->v[i] = b2 * r->v[i] + (1 - b2) * g * g;
    const double m_hat = r->m[i] / (1 - pow(b1, (double)r->t));
    const double v_hat = r->v[i] / (1 - pow(b2, (double)r->t));
    r->w[i] -= lr * m_hat / (sqrt(v_hat) + c->eps);
  }
}

static double step_lr(const DlabOptimConfig *c, int t) {
  static const double factor[STEPS] = {1.0, 0.5, 2.0};
  return (float)(c->lr * factor[t]); /* as the engine receives it */
}

/* Three steps of the engine against three reference steps. */
static void check_updates(const DlabOptimConfig *cfg, const char *what) {
  DlabModel *m = tiny_model("linear 3");
  if (!m) return;
  DlabOptimizer *o = dlab_optimizer_create(cfg, m);
  if (!o) {
    tap_ok(0, "%s: create: %s", what, dlab_error_message());
    dlab_model_free(m);
    return;
  }
  Reference ref = {.cfg = *cfg};
  ref.n = gather(m, ref.w);
  double worst = 0, grad[MAX_VALUES], got[MAX_VALUES], start[MAX_VALUES];
  memcpy(start, ref.w, sizeof start);
  for (int t = 0; t < STEPS; t++) {
    set_gradients(m, t);
    int n = 0;
    for (int k = 0; k < m->n_params; k++)
      if (m->params[k]->trainable)
        for (size_t i = 0; i < m->params[k]->grad.numel; i++) grad[n++] = m->params[k]->grad.data[i];
    dlab_optimizer_step(o, (float)step_lr(cfg, t));
    reference_step(&ref, grad, step_lr(cfg, t));
    gather(m, got);
    for (int i = 0; i < ref.n; i++) worst = fmax(worst, fabs(got[i] - ref.w[i]) / fmax(fabs(ref.w[i]), 1e-2));
  }
  /* The updates must be large enough for the comparison to mean something. */
  double moved = 0;
  for (int i = 0; i < ref.n; i++) moved = fmax(moved, fabs(ref.w[i] - start[i]));
  tap_ok(worst < 2e-6 && moved > 1e-3, "%s: %d steps, worst relative error %.1e (largest move %.3f)",
         what, STEPS, worst, moved);
  tap_ok(dlab_optimizer_steps(o) == STEPS, "%s: step count %ld", what, dlab_optimizer_steps(o));
  dlab_optimizer_free(o);
  dlab_model_free(m);
}

static DlabOptimConfig sgd(float lr, float momentum, float dampening, int nesterov, float wd) {
  DlabOptimConfig c = dlab_optim_defaults(DLAB_OPTIM_SGD);
  c.lr = lr, c.momentum = momentum, c.dampening = dampening, c.nesterov = nesterov, c.weight_decay = wd;
  return c;
}

static DlabOptimConfig adam(DlabOptimKind kind, float lr, float wd, float b1, float b2, float eps) {
  DlabOptimConfig c = dlab_optim_defaults(kind);
  c.lr = lr, c.weight_decay = wd, c.beta1 = b1, c.beta2 = b2, c.eps = eps;
  return c;
}

static void check_all_updates(void) {
  DlabOptimConfig c;
  c = sgd(0.1f, 0, 0, 0, 0), check_updates(&c, "SGD lr 0.1");
  c = sgd(0.1f, 0.9f, 0, 0, 0), check_updates(&c, "SGD momentum 0.9");
  c = sgd(0.1f, 0.9f, 0.5f, 0, 0), check_updates(&c, "SGD momentum 0.9, dampening 0.5");
  c = sgd(0.1f, 0.9f, 0, 1, 0), check_updates(&c, "SGD Nesterov momentum 0.9");
  c = sgd(0.1f, 0, 0, 0, 0.05f), check_updates(&c, "SGD weight decay 0.05");
  c = sgd(0.05f, 0.8f, 0.1f, 0, 0.01f), check_updates(&c, "SGD momentum 0.8, dampening 0.1, weight decay 0.01");
  c = sgd(0.05f, 0.9f, 0, 1, 0.01f), check_updates(&c, "SGD Nesterov 0.9, weight decay 0.01");
  c = adam(DLAB_OPTIM_ADAM, 0.01f, 0, 0.9f, 0.999f, 1e-8f), check_updates(&c, "Adam lr 0.01");
  c = adam(DLAB_OPTIM_ADAM, 0.01f, 0.1f, 0.9f, 0.999f, 1e-8f), check_updates(&c, "Adam weight decay 0.1 (L2)");
  c = adam(DLAB_OPTIM_ADAM, 0.02f, 0, 0.8f, 0.99f, 1e-3f), check_updates(&c, "Adam betas 0.8/0.99, eps 1e-3");
  c = adam(DLAB_OPTIM_ADAMW, 0.01f, 0.01f, 0.9f, 0.999f, 1e-8f), check_updates(&c, "AdamW weight decay 0.01");
  c = adam(DLAB_OPTIM_ADAMW, 0.05f, 0.5f, 0.9f, 0.999f, 1e-8f), check_updates(&c, "AdamW weight decay 0.5");
}

/* ---- state save and restore ---- */

static int copy_values(DlabModel *to, DlabModel *from) {
  if (to->n_params != from->n_params) return -1;
  for (int k = 0; k < to->n_params; k++) {
    if (to->params[k]->value.numel != from->params[k]->value.numel) return -1;
    memcpy(to->params[k]->value.data, from->params[k]->value.data,
           from->params[k]->value.numel * sizeof(float));
  }
  return 0;
}

/* The names a run with this config should save, in order. */
static int expected_state_names(const DlabOptimConfig *c, char names[][64]) {
  static const char *params[] = {"0.weight", "0.bias"};
  int n = 0;
  for (int p = 0; p < 2; p++) {
    if (c->kind == DLAB_OPTIM_SGD && c->momentum != 0) {
      snprintf(names[n++], 64, "%s.momentum_buffer", params[p]);
    } else if (c->kind != DLAB_OPTIM_SGD) {
      snprintf(names[n++], 64, "%s.exp_avg", params[p]);
      snprintf(names[n++], 64, "%s.exp_avg_sq", params[p]);
    }
  }
  return n;
}

/* Runs `saved_after` steps, copies weights and optimizer state into a fresh
 * model and optimizer (restoring the step count only when `restore_steps`),
 * then one more step on both: 1 when the weights agree bit for bit. */
static int resumed_run_matches(const DlabOptimConfig *cfg, int saved_after, int restore_steps,
                               const char *what, int report_names) {
  DlabModel *a = tiny_model("linear 3"), *b = tiny_model("linear 3");
  DlabOptimizer *oa = a ? dlab_optimizer_create(cfg, a) : NULL;
  int same = 0;
  if (!oa) goto done;
  for (int t = 0; t < saved_after; t++) {
    set_gradients(a, t);
    dlab_optimizer_step(oa, (float)step_lr(cfg, t));
  }
  DlabParam *sa, *sb;
  int na, nb;
  if (dlab_optimizer_state(oa, &sa, &na) < 0) goto done;
  if (report_names) {
    char want[8][64];
    int n_want = expected_state_names(cfg, want), names_ok = na == n_want;
    for (int i = 0; i < na && names_ok; i++) names_ok = strcmp(sa[i].name, want[i]) == 0 && !sa[i].trainable;
    tap_ok(names_ok, "%s: %d state tensors named as torch's state (%s, ...)", what, na,
           na > 0 ? sa[0].name : "none");
    tap_ok(dlab_optimizer_steps(oa) == saved_after, "%s: %ld steps counted", what, dlab_optimizer_steps(oa));
  }

  /* "Resume": new model and optimizer, values copied as a checkpoint would. */
  DlabOptimizer *ob = dlab_optimizer_create(cfg, b);
  if (!ob || copy_values(b, a) < 0 || dlab_optimizer_state(ob, &sb, &nb) < 0 || nb != na) {
    dlab_optimizer_free(ob);
    goto done;
  }
  for (int i = 0; i < na; i++) {
    if (strcmp(sa[i].name, sb[i].name) != 0 || sa[i].value.numel != sb[i].value.numel) {
      dlab_optimizer_free(ob);
      goto done;
    }
    memcpy(sb[i].value.data, sa[i].value.data, sa[i].value.numel * sizeof(float));
  }
  if (restore_steps) dlab_optimizer_set_steps(ob, dlab_optimizer_steps(oa));

  set_gradients(a, saved_after);
  set_gradients(b, saved_after);
  dlab_optimizer_step(oa, (float)step_lr(cfg, saved_after));
  dlab_optimizer_step(ob, (float)step_lr(cfg, saved_after));
  same = 1;
  for (int k = 0; k < a->n_params; k++)
    same &= memcmp(a->params[k]->value.data, b->params[k]->value.data,
                   a->params[k]->value.numel * sizeof(float)) == 0;
  same &= dlab_optimizer_steps(oa) == dlab_optimizer_steps(ob) || !restore_steps;
  dlab_optimizer_free(ob);
done:
  dlab_optimizer_free(oa);
  dlab_model_free(a);
  dlab_model_free(b);
  return same;
}

static void check_resume(const DlabOptimConfig *cfg, const char *what) {
  tap_ok(resumed_run_matches(cfg, 2, 1, what, 1), "%s: restored state and step count continue exactly",
         what);
  /* Without the step count the first-step rules (momentum buffer copy,
   * bias correction) would apply again: the count must matter. */
  tap_ok(!resumed_run_matches(cfg, 2, 0, what, 0), "%s: without the step count the step differs", what);
}

static void check_all_resumes(void) {
  DlabOptimConfig c;
  c = sgd(0.1f, 0.9f, 0.5f, 0, 0.01f), check_resume(&c, "SGD momentum, dampening");
  c = sgd(0.1f, 0.9f, 0, 1, 0), check_resume(&c, "SGD Nesterov");
  c = adam(DLAB_OPTIM_ADAM, 0.01f, 0, 0.9f, 0.999f, 1e-8f), check_resume(&c, "Adam");
  c = adam(DLAB_OPTIM_ADAMW, 0.01f, 0.01f, 0.9f, 0.999f, 1e-8f), check_resume(&c, "AdamW");
  /* Plain SGD has no state at all: resuming needs only the weights. */
  c = sgd(0.1f, 0, 0, 0, 0);
  tap_ok(resumed_run_matches(&c, 2, 1, "SGD", 1), "SGD plain: resumes exactly with no state");
}

/* ---- buffers, kinds, defaults, bad configurations ---- */

/* Running statistics are not trainable: a step must leave them alone. */
static void check_buffers_untouched(void) {
  DlabModel *m = tiny_model("linear 3 | bn1d");
  if (!m) return;
  DlabOptimConfig cfg = adam(DLAB_OPTIM_ADAMW, 0.1f, 0.01f, 0.9f, 0.999f, 1e-8f);
  DlabOptimizer *o = dlab_optimizer_create(&cfg, m);
  if (!o) {
    tap_ok(0, "linear 3 | bn1d: create: %s", dlab_error_message());
    dlab_model_free(m);
    return;
  }
  DlabParam *rm = dlab_model_find_param(m, "1.running_mean"), *rv = dlab_model_find_param(m, "1.running_var");
  DlabParam *gamma = dlab_model_find_param(m, "1.weight");
  if (!rm || !rv || !gamma) {
    tap_ok(0, "linear 3 | bn1d: parameters 1.running_mean, 1.running_var, 1.weight");
  } else {
    for (int c = 0; c < 3; c++) rm->value.data[c] = 0.25f * (float)c, rv->value.data[c] = 1.5f;
    set_gradients(m, 0);
    dlab_optimizer_step(o, 0.1f);
    int kept = 1;
    for (int c = 0; c < 3; c++) kept &= rm->value.data[c] == 0.25f * (float)c && rv->value.data[c] == 1.5f;
    tap_ok(kept && gamma->value.data[0] != 1.0f, "linear 3 | bn1d: weights move, running statistics do not");
    DlabParam *st;
    int n;
    dlab_optimizer_state(o, &st, &n);
    tap_ok(n == 8, "linear 3 | bn1d: AdamW keeps 2 tensors for each of 4 trainable parameters (%d)", n);
  }
  dlab_optimizer_free(o);
  dlab_model_free(m);
}

static void check_kinds(void) {
  static const char *names[] = {"sgd", "adam", "adamw"};
  static const DlabOptimKind kinds[] = {DLAB_OPTIM_SGD, DLAB_OPTIM_ADAM, DLAB_OPTIM_ADAMW};
  for (int i = 0; i < 3; i++) {
    DlabOptimKind k = (DlabOptimKind)-1;
    int rc = dlab_optim_parse_kind(names[i], &k);
    tap_ok(rc == 0 && k == kinds[i] && strcmp(dlab_optim_kind_name(k), names[i]) == 0,
           "optimizer `%s` parses and names itself back", names[i]);
  }
  static const char *bad[] = {"adamx", "sdg", "", "adam w", "rmsprop"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    DlabOptimKind k = DLAB_OPTIM_ADAM;
    dlab_error_clear();
    int rc = dlab_optim_parse_kind(bad[i], &k);
    char quoted[32];
    snprintf(quoted, sizeof quoted, "`%s`", bad[i]);
    tap_ok(rc == -1 && strstr(dlab_error_message(), quoted) != NULL,
           "optimizer `%s` is refused: %s", bad[i], dlab_error_message());
  }
}

/* torch.optim's defaults. */
static void check_defaults(void) {
  DlabOptimConfig s = dlab_optim_defaults(DLAB_OPTIM_SGD);
  tap_ok(s.kind == DLAB_OPTIM_SGD && s.lr == 0.01f && s.momentum == 0 && s.dampening == 0 &&
             !s.nesterov && s.weight_decay == 0,
         "SGD defaults: lr 0.01, no momentum, dampening, Nesterov or weight decay");
  DlabOptimConfig a = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  tap_ok(a.kind == DLAB_OPTIM_ADAM && a.lr == 1e-3f && a.beta1 == 0.9f && a.beta2 == 0.999f &&
             a.eps == 1e-8f && a.weight_decay == 0,
         "Adam defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0");
  DlabOptimConfig w = dlab_optim_defaults(DLAB_OPTIM_ADAMW);
  tap_ok(w.kind == DLAB_OPTIM_ADAMW && w.lr == 1e-3f && w.beta1 == 0.9f && w.beta2 == 0.999f &&
             w.eps == 1e-8f && w.weight_decay == 0.01f,
         "AdamW defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01");
}

/* What torch.optim refuses with a ValueError is refused here too. */
static void check_bad_configs(void) {
  DlabModel *m = tiny_model("linear 3");
  if (!m) return;
  struct {
    DlabOptimConfig cfg;
    const char *what;
  } bad[] = {
      {sgd(-0.1f, 0, 0, 0, 0), "negative learning rate"},
      {sgd(0.1f, 0, 0, 1, 0), "Nesterov without momentum"},
      {sgd(0.1f, 0.9f, 0.5f, 1, 0), "Nesterov with dampening"},
      {sgd(0.1f, -0.5f, 0, 0, 0), "negative momentum"},
      {sgd(0.1f, 0, 0, 0, -1e-4f), "negative weight decay"},
      {adam(DLAB_OPTIM_ADAM, 0.01f, 0, 1.0f, 0.999f, 1e-8f), "Adam beta1 1"},
      {adam(DLAB_OPTIM_ADAMW, 0.01f, 0, 0.9f, 1.5f, 1e-8f), "AdamW beta2 1.5"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dlab_error_clear();
    DlabOptimizer *o = dlab_optimizer_create(&bad[i].cfg, m);
    tap_ok(!o && dlab_error_message()[0] != '\0', "%s is refused: %s", bad[i].what, dlab_error_message());
    dlab_optimizer_free(o);
  }
  dlab_model_free(m);
}

int main(void) {
  check_all_updates();
  check_all_resumes();
  check_buffers_untouched();
  check_kinds();
  check_defaults();
  check_bad_configs();
  return tap_done();
}
