/* SGD, Adam and AdamW with torch.optim's update rules (single-tensor form),
 * so that a step here and a step in PyTorch give the same weights.
 *
 * State lives in DlabParams named like torch's state entries
 * ("fc1.weight.exp_avg"), so the checkpoint code saves and restores it with
 * the same functions it uses for a model. */
#include "dlab/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "dlab/error.h"
#include "dlab/threads.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

struct DlabOptimizer {
  DlabOptimConfig cfg;
  DlabParam **targets; /* the model's trainable parameters */
  int n_targets;
  DlabParam *state;    /* per target: momentum_buffer (SGD), or exp_avg and exp_avg_sq */
  int n_state;
  int state_per_target;
  long steps;
  size_t total;        /* elements over all targets */
};

static const char *const kind_names[] = {"sgd", "adam", "adamw"};

DlabOptimConfig dlab_optim_defaults(DlabOptimKind kind) {
  DlabOptimConfig c = {.kind = kind, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
  c.lr = kind == DLAB_OPTIM_SGD ? 0.01f : 1e-3f;
  c.weight_decay = kind == DLAB_OPTIM_ADAMW ? 0.01f : 0.0f;
  return c;
}

int dlab_optim_parse_kind(const char *name, DlabOptimKind *kind) {
  for (int k = 0; k < 3; k++)
    if (strcmp(name, kind_names[k]) == 0) {
      *kind = (DlabOptimKind)k;
      return 0;
    }
  return dlab_error(_("unknown optimizer `%s` (choose sgd, adam or adamw)"), name);
}

const char *dlab_optim_kind_name(DlabOptimKind kind) {
  return kind >= 0 && kind <= DLAB_OPTIM_ADAMW ? kind_names[kind] : "?";
}

static int add_state(DlabOptimizer *o, const DlabParam *target, const char *suffix) {
  DlabParam *s = &o->state[o->n_state];
  memset(s, 0, sizeof *s);
  int n = snprintf(s->name, sizeof s->name, "%s.%s", target->name, suffix);
  if (n < 0 || (size_t)n >= sizeof s->name) return dlab_error(_("parameter name %s is too long"), target->name);
  if (dlab_tensor_init(&s->value, target->value.ndim, target->value.shape) < 0) return -1;
  o->n_state++;
  return 0;
}

static int validate(const DlabOptimConfig *c) {
  if (!(c->lr >= 0)) return dlab_error(_("learning rate %g: must be >= 0"), (double)c->lr);
  if (!(c->momentum >= 0)) return dlab_error(_("momentum %g: must be >= 0"), (double)c->momentum);
  if (!(c->weight_decay >= 0)) return dlab_error(_("weight decay %g: must be >= 0"), (double)c->weight_decay);
  if (c->nesterov && (c->momentum <= 0 || c->dampening != 0))
    return dlab_error(_("Nesterov momentum needs a momentum > 0 and no dampening"));
  if (!(c->beta1 >= 0 && c->beta1 < 1 && c->beta2 >= 0 && c->beta2 < 1))
    return dlab_error(_("Adam betas %g, %g: each must be in [0, 1)"), (double)c->beta1, (double)c->beta2);
  return 0;
}

DlabOptimizer *dlab_optimizer_create(const DlabOptimConfig *cfg, DlabModel *m) {
  if (validate(cfg) < 0) return NULL;
  DlabOptimizer *o = calloc(1, sizeof *o);
  if (!o) goto oom;
  o->cfg = *cfg;
  o->targets = calloc((size_t)m->n_params + 1, sizeof *o->targets);
  if (!o->targets) goto oom;
  for (int i = 0; i < m->n_params; i++)
    if (m->params[i]->trainable) {
      o->targets[o->n_targets++] = m->params[i];
      o->total += m->params[i]->value.numel;
    }
  o->state_per_target = cfg->kind != DLAB_OPTIM_SGD ? 2 : cfg->momentum != 0 ? 1 : 0;
  o->state = calloc((size_t)(o->n_targets * o->state_per_target) + 1, sizeof *o->state);
  if (!o->state) goto oom;
  for (int i = 0; i < o->n_targets; i++) {
    int rc = 0;
    if (cfg->kind == DLAB_OPTIM_SGD && o->state_per_target)
      rc = add_state(o, o->targets[i], "momentum_buffer");
    else if (cfg->kind != DLAB_OPTIM_SGD)
      rc = add_state(o, o->targets[i], "exp_avg") < 0 ? -1 : add_state(o, o->targets[i], "exp_avg_sq");
    if (rc < 0) {
      dlab_optimizer_free(o);
      return NULL;
    }
  }
  return o;
oom:
  dlab_optimizer_free(o);
  dlab_error(_("out of memory creating the optimizer"));
  return NULL;
}

void dlab_optimizer_free(DlabOptimizer *o) {
  if (!o) return;
  for (int i = 0; i < o->n_state; i++) dlab_tensor_free(&o->state[i].value);
  free(o->state);
  free(o->targets);
  free(o);
}

/* The updates themselves are in kernels/cpu/optim_kernels.c: one
 * vectorized pass over each tensor. With several threads, each tensor is
 * cut into as many ranges as there are slices (every element's update is
 * independent of the others). */
typedef struct {
  DlabOptimizer *o;
  float lr;
  int first; /* SGD: the first step, when momentum buffers start */
  int slices;
  DlabAdamStep adam;
} StepJob;

/* Elements [begin, end) of target i. PyTorch starts the momentum buffer as
 * a copy of the first gradient. */
static void update_range(const StepJob *j, int i, size_t begin, size_t end) {
  DlabOptimizer *o = j->o;
  DlabParam *p = o->targets[i];
  float *w = p->value.data + begin;
  const float *g = p->grad.data + begin;
  if (o->cfg.kind == DLAB_OPTIM_SGD) {
    const DlabOptimConfig *c = &o->cfg;
    DlabSgdStep s = {.lr = j->lr, .momentum = c->momentum, .dampening = c->dampening,
                     .weight_decay = c->weight_decay, .nesterov = c->nesterov, .first = j->first};
    float *buf = o->state_per_target ? o->state[i].value.data + begin : NULL;
    dlab_cpu_sgd_update(w, g, buf, end - begin, &s);
  } else {
    dlab_cpu_adam_update(w, g, o->state[2 * i].value.data + begin, o->state[2 * i + 1].value.data + begin,
                         end - begin, &j->adam);
  }
}

/* Slice s of every target: the same share of each tensor, so that the
 * thread that updates rows [r0, r1) of a linear layer's weight is the one
 * that wrote their gradient (linear.c cuts dW by output features, and the
 * pool hands each thread the same share of every loop). */
static void step_slice(void *arg, size_t begin, size_t end) {
  const StepJob *j = arg;
  const DlabOptimizer *o = j->o;
  for (size_t s = begin; s < end; s++)
    for (int i = 0; i < o->n_targets; i++) {
      size_t n = o->targets[i]->value.numel;
      size_t from = n * s / (size_t)j->slices, to = n * (s + 1) / (size_t)j->slices;
      if (from < to) update_range(j, i, from, to);
    }
}

void dlab_optimizer_step(DlabOptimizer *o, float lr) {
  StepJob j = {.o = o, .lr = lr, .first = o->steps == 0};
  o->steps++;
  const DlabOptimConfig *c = &o->cfg;
  if (c->kind != DLAB_OPTIM_SGD) {
    const int decoupled = c->kind == DLAB_OPTIM_ADAMW;
    j.adam = (DlabAdamStep){
        .beta1 = c->beta1, .beta2 = c->beta2, .eps = c->eps,
        .l2 = decoupled ? 0.0f : c->weight_decay,
        .decay = decoupled ? 1.0f - lr * c->weight_decay : 1.0f,
        .step_size = lr / (float)(1.0 - pow(c->beta1, (double)o->steps)),
        .bias_correction2_sqrt = (float)sqrt(1.0 - pow(c->beta2, (double)o->steps)),
    };
  }
  /* a few memory accesses per element: only large models are worth it */
  j.slices = dlab_parallel_slices(o->total > 0 ? (int)(o->total < 1u << 30 ? o->total : 1u << 30) : 1, 1.0,
                                  1e5, 64);
  dlab_parallel_for((size_t)j.slices, 1, step_slice, &j);
}

int dlab_optimizer_state(DlabOptimizer *o, DlabParam **state, int *n_state) {
  *state = o->state;
  *n_state = o->n_state;
  return 0;
}

long dlab_optimizer_steps(const DlabOptimizer *o) { return o->steps; }

void dlab_optimizer_set_steps(DlabOptimizer *o, long steps) { o->steps = steps; }
