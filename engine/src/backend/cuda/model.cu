/* The GPU mirror of a DlabModel (cuda_model.h, model.cuh).
 *
 * Built from the host model's layers, not from the spec text, so whatever
 * the CPU runs the GPU runs. Layers are regrouped the way the CPU fuses
 * them: a conv or linear computes the ReLU/LeakyReLU after it, and a conv
 * also a tiling max pooling, in the epilogue of its matrix product; a
 * flatten is free (its output is its input's memory). Products go to cuBLAS
 * (column-major: every row-major product below is written as its
 * transpose), everything else to the kernels of kernels.cuh.
 *
 * All buffers are sized at creation for max_batch samples; queueing a pass
 * allocates nothing, which is what lets the training loop capture a step as
 * a CUDA graph. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.cuh"
#include "core/i18n.h"
#include "nn/model_impl.h"

#define FLAT_ALIGN 32                 /* floats: each parameter starts on 128 bytes */
#define COL_BUDGET_FLOATS (32u << 20) /* im2col matrices up to 128 MiB */

/* ---- allocation ---- */

int dlab_gm_alloc(DlabCudaModel *g, void **p, size_t bytes, const char *what) {
  if (g->n_allocs == g->cap_allocs) {
    int cap = g->cap_allocs ? 2 * g->cap_allocs : 32;
    void **grown = (void **)realloc(g->allocs, (size_t)cap * sizeof *grown);
    if (!grown) return dlab_error(_("%s: out of host memory"), what);
    g->allocs = grown;
    g->cap_allocs = cap;
  }
  if (dlab_cuda_alloc(p, bytes, what) < 0) return -1;
  g->allocs[g->n_allocs++] = *p;
  return 0;
}

template <typename T>
static int alloc_n(DlabCudaModel *g, T **p, size_t count, const char *what) {
  void *raw = NULL;
  int rc = dlab_gm_alloc(g, &raw, count * sizeof(T), what);
  *p = (T *)raw;
  return rc;
}

/* Copies and clears in the model's stream order, then waits: the stream is
 * non-blocking, so the legacy synchronous calls would not be ordered with
 * its kernels. */
static int copy_sync(DlabCudaModel *g, void *dst, const void *src, size_t bytes, cudaMemcpyKind kind,
                     const char *what) {
  cudaError_t e = cudaMemcpyAsync(dst, src, bytes, kind, g->ctx.stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(g->ctx.stream);
  return dlab_cuda_check(e, what);
}

static int zero_sync(DlabCudaModel *g, void *dst, size_t bytes, const char *what) {
  cudaError_t e = cudaMemsetAsync(dst, 0, bytes, g->ctx.stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(g->ctx.stream);
  return dlab_cuda_check(e, what);
}

/* ---- building the GPU layers ---- */

/* spec.c's argument slots */
enum { LIN_OUT = 0, CONV_OUT = 0, CONV_K = 1, CONV_STRIDE = 2, CONV_PAD = 3, POOL_K = 0, POOL_STRIDE = 1,
       POOL_PAD = 2, BN_EPS = 0, BN_MOMENTUM = 1, DROP_P = 0, LRELU_SLOPE = 0 };

/* Whether l is an activation a conv or linear can absorb (activation.c's
 * dlab_act_fusable): its derivative must be readable from its output. */
static int absorbable_act(const DlabLayer *l, float *slope) {
  if (l->ops == &dlab_relu_ops) {
    *slope = 0.0f;
    return 1;
  }
  if (l->ops == &dlab_leaky_relu_ops && l->args[LRELU_SLOPE] >= 0.0f) {
    *slope = l->args[LRELU_SLOPE];
    return 1;
  }
  return 0;
}

/* A max pooling whose windows tile the plane (stride = kernel, no padding). */
static int absorbable_pool(const DlabLayer *l) {
  return l->ops == &dlab_maxpool2d_ops && l->args[POOL_STRIDE] == l->args[POOL_K] && l->args[POOL_PAD] == 0;
}

static int act_kind(const DlabLayer *l, float *slope) {
  *slope = 0.0f;
  if (l->ops == &dlab_relu_ops) return DLAB_ACT_LEAKY;
  if (l->ops == &dlab_leaky_relu_ops) {
    *slope = l->args[LRELU_SLOPE];
    return DLAB_ACT_LEAKY;
  }
  if (l->ops == &dlab_gelu_ops) return DLAB_ACT_GELU;
  if (l->ops == &dlab_sigmoid_ops) return DLAB_ACT_SIGMOID;
  if (l->ops == &dlab_tanh_ops) return DLAB_ACT_TANH;
  return -1;
}

static DlabPoolGeom pool_geom(const DlabLayer *l) {
  DlabPoolGeom pg;
  pg.c = l->in_shape.d[0];
  pg.h = l->in_shape.d[1];
  pg.w = l->in_shape.d[2];
  pg.k = (int)l->args[POOL_K];
  pg.stride = (int)l->args[POOL_STRIDE];
  pg.pad = (int)l->args[POOL_PAD];
  pg.oh = l->out_shape.d[1];
  pg.ow = l->out_shape.d[2];
  return pg;
}

/* How many host layers the GPU layer starting at host layer i covers, and
 * its kind and settings. */
static int plan_layer(DlabLayer *const *layers, int n, int i, GLayer *gl) {
  const DlabLayer *l = layers[i];
  memset(gl, 0, sizeof *gl);
  gl->first = i;
  gl->span = 1;
  float slope = 0.0f;
  if (l->ops == &dlab_linear_ops) {
    gl->kind = GL_LINEAR;
    gl->in_f = l->in_shape.d[0];
    gl->out_f = l->out_shape.d[0];
    if (i + 1 < n && absorbable_act(layers[i + 1], &slope)) gl->act = DLAB_ACT_LEAKY, gl->slope = slope, gl->span++;
  } else if (l->ops == &dlab_conv2d_ops) {
    gl->kind = GL_CONV;
    DlabConvGeom2 *c = &gl->conv;
    c->c = l->in_shape.d[0];
    c->h = l->in_shape.d[1];
    c->w = l->in_shape.d[2];
    c->oc = l->out_shape.d[0];
    c->oh = l->out_shape.d[1];
    c->ow = l->out_shape.d[2];
    c->k = (int)l->args[CONV_K];
    c->stride = (int)l->args[CONV_STRIDE];
    c->pad = (int)l->args[CONV_PAD];
    if (i + gl->span < n && absorbable_act(layers[i + gl->span], &slope))
      gl->act = DLAB_ACT_LEAKY, gl->slope = slope, gl->span++;
    if (i + gl->span < n && absorbable_pool(layers[i + gl->span])) gl->pool = (int)layers[i + gl->span]->args[POOL_K], gl->span++;
  } else if (l->ops == &dlab_maxpool2d_ops || l->ops == &dlab_avgpool2d_ops) {
    gl->kind = l->ops == &dlab_maxpool2d_ops ? GL_MAXPOOL : GL_AVGPOOL;
    gl->pg = pool_geom(l);
  } else if (act_kind(l, &slope) >= 0) {
    gl->kind = GL_ACT;
    gl->act = act_kind(l, &gl->slope);
  } else if (l->ops == &dlab_batchnorm1d_ops || l->ops == &dlab_batchnorm2d_ops) {
    gl->kind = GL_BN;
    gl->bn.c = l->in_shape.d[0];
    gl->bn.spatial = l->in_shape.ndim == 3 ? l->in_shape.d[1] * l->in_shape.d[2] : 1;
    gl->bn.eps = l->args[BN_EPS];
    gl->bn.momentum = l->args[BN_MOMENTUM];
  } else if (l->ops == &dlab_dropout_ops) {
    gl->kind = GL_DROPOUT;
    gl->p = l->args[DROP_P];
    gl->seed = l->seed;
  } else if (l->ops == &dlab_flatten_ops) {
    gl->kind = GL_FLATTEN;
  } else {
    return dlab_error(_("layer %s (%s): the CUDA backend has no kernel for it"), l->name, l->ops->keyword);
  }
  gl->in_size = (size_t)dlab_shape_numel(l->in_shape);
  gl->out_size = (size_t)dlab_shape_numel(layers[i + gl->span - 1]->out_shape);
  return 0;
}

static int plan(DlabCudaModel *g, const DlabModel *m) {
  g->layers = (GLayer *)calloc((size_t)m->n_layers, sizeof *g->layers);
  g->act_size = (size_t *)calloc((size_t)m->n_layers + 1, sizeof *g->act_size);
  if (!g->layers || !g->act_size) return dlab_error(_("out of host memory"));
  g->act_size[0] = (size_t)dlab_shape_numel(m->input);
  int learns = 0;
  for (int i = 0; i < m->n_layers;) {
    GLayer *gl = &g->layers[g->n_layers];
    if (plan_layer(m->layers, m->n_layers, i, gl) < 0) return -1;
    gl->in = g->n_layers;
    gl->out = g->n_layers + 1;
    gl->need_dx = learns;
    learns |= gl->kind == GL_LINEAR || gl->kind == GL_CONV || gl->kind == GL_BN;
    g->act_size[gl->out] = gl->out_size;
    g->n_layers++;
    i += gl->span;
  }
  g->n_acts = g->n_layers + 1;
  g->classes = dlab_model_num_outputs(m);
  return 0;
}

/* ---- buffers ---- */

static size_t conv_rows(const DlabConvGeom2 &c) { return (size_t)c.c * c.k * c.k; }
static size_t conv_pixels(const DlabConvGeom2 &c) { return (size_t)c.oh * c.ow; }

/* Activations and their gradients; a flatten shares its input's. */
static int alloc_activations(DlabCudaModel *g) {
  g->acts = (float **)calloc((size_t)g->n_acts, sizeof *g->acts);
  g->grads = (float **)calloc((size_t)g->n_acts, sizeof *g->grads);
  if (!g->acts || !g->grads) return dlab_error(_("out of host memory"));
  const size_t B = (size_t)g->max_batch;
  if (alloc_n(g, &g->acts[0], B * g->act_size[0], "the input batch") < 0 ||
      alloc_n(g, &g->grads[0], B * g->act_size[0], "the input gradient") < 0)
    return -1;
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    if (gl->kind == GL_FLATTEN) {
      g->acts[gl->out] = g->acts[gl->in];
      g->grads[gl->out] = g->grads[gl->in];
      continue;
    }
    if (alloc_n(g, &g->acts[gl->out], B * gl->out_size, "activations") < 0 ||
        alloc_n(g, &g->grads[gl->out], B * gl->out_size, "activation gradients") < 0)
      return -1;
    if ((gl->kind == GL_MAXPOOL || (gl->kind == GL_CONV && gl->pool)) &&
        alloc_n(g, &gl->arg, B * gl->out_size, "max pooling winners") < 0)
      return -1;
    if (gl->kind == GL_DROPOUT && alloc_n(g, &gl->mask, B * gl->out_size, "dropout mask") < 0) return -1;
  }
  return 0;
}

/* The im2col and product scratch, shared by every conv, and the ones that
 * turn bias gradients into a matrix-vector product. */
static int alloc_scratch(DlabCudaModel *g) {
  size_t col = 1, gemm = 1, ones = (size_t)g->max_batch;
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    if (gl->kind != GL_CONV) continue;
    const size_t per_sample = conv_rows(gl->conv) * conv_pixels(gl->conv);
    int chunk = g->max_batch;
    while (chunk > 1 && (size_t)chunk * per_sample > COL_BUDGET_FLOATS) chunk = (chunk + 1) / 2;
    gl->chunk = chunk;
    const size_t columns = (size_t)chunk * conv_pixels(gl->conv);
    if (columns * conv_rows(gl->conv) > col) col = columns * conv_rows(gl->conv);
    if (columns * gl->conv.oc > gemm) gemm = columns * gl->conv.oc;
    if (columns > ones) ones = columns;
  }
  if (alloc_n(g, &g->col, col, "im2col scratch") < 0 || alloc_n(g, &g->gemm, gemm, "convolution scratch") < 0 ||
      alloc_n(g, &g->ones, ones, "bias-gradient ones") < 0)
    return -1;
  float *host = (float *)malloc(ones * sizeof *host);
  if (!host) return dlab_error(_("out of host memory"));
  for (size_t i = 0; i < ones; i++) host[i] = 1.0f;
  int rc = copy_sync(g, g->ones, host, ones * sizeof *host, cudaMemcpyHostToDevice, "uploading ones");
  free(host);
  return rc;
}

/* Which GPU layer owns host parameter `p`, and in which role. */
static void attach_param(DlabCudaModel *g, const DlabModel *m, const DlabParam *p, GParam *gp) {
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    const DlabLayer *l = m->layers[gl->first];
    for (int k = 0; k < l->n_params; k++) {
      if (&l->params[k] != p) continue;
      if (gl->kind == GL_LINEAR || gl->kind == GL_CONV) {
        if (k == 0) gl->w = gp->value, gl->dw = gp->grad;
        else gl->b = gp->value, gl->db = gp->grad;
      } else if (gl->kind == GL_BN) {
        switch (k) {
          case 0: gl->bn.gamma = gp->value, gl->dgamma = gp->grad; break;
          case 1: gl->bn.beta = gp->value, gl->dbeta = gp->grad; break;
          case 2: gl->bn.running_mean = gp->value; break;
          case 3: gl->bn.running_var = gp->value; break;
          default: gp->counter = gl;
        }
      }
      return;
    }
  }
}

static size_t align_up(size_t v) { return (v + FLAT_ALIGN - 1) / FLAT_ALIGN * FLAT_ALIGN; }

/* Trainable parameters into the flat buffers, other buffers on their own,
 * batch counters on the host. */
static int alloc_params(DlabCudaModel *g, const DlabModel *m) {
  g->params = (GParam *)calloc((size_t)m->n_params + 1, sizeof *g->params);
  if (!g->params) return dlab_error(_("out of host memory"));
  g->n_params = m->n_params;
  size_t len = 0;
  for (int q = 0; q < m->n_params; q++) {
    const DlabParam *p = m->params[q];
    GParam *gp = &g->params[q];
    snprintf(gp->name, sizeof gp->name, "%s", p->name);
    gp->numel = p->value.numel;
    gp->trainable = p->trainable;
    if (p->trainable) gp->offset = len, len = align_up(len + gp->numel);
  }
  g->flat_len = len ? len : FLAT_ALIGN;
  if (alloc_n(g, &g->flat, g->flat_len, "parameters") < 0 || alloc_n(g, &g->flat_grad, g->flat_len, "gradients") < 0 ||
      zero_sync(g, g->flat_grad, g->flat_len * sizeof(float), "clearing gradients") < 0)
    return -1;
  for (int q = 0; q < m->n_params; q++) {
    const DlabParam *p = m->params[q];
    GParam *gp = &g->params[q];
    if (gp->trainable) {
      gp->value = g->flat + gp->offset;
      gp->grad = g->flat_grad + gp->offset;
    } else if (!p->is_int64 && alloc_n(g, &gp->value, gp->numel, "buffers") < 0) {
      return -1;
    }
    attach_param(g, m, p, gp);
  }
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    if (gl->kind == GL_BN && (alloc_n(g, &gl->bn.save_mean, (size_t)gl->bn.c, "BatchNorm statistics") < 0 ||
                              alloc_n(g, &gl->bn.save_invstd, (size_t)gl->bn.c, "BatchNorm statistics") < 0))
      return -1;
  }
  return 0;
}

static int alloc_steps(DlabCudaModel *g) {
  if (alloc_n(g, &g->labels, (size_t)g->max_batch, "labels") < 0 || alloc_n(g, &g->pos, 1, "counters") < 0 ||
      alloc_n(g, &g->iter, 1, "counters") < 0 || alloc_n(g, &g->epoch, 1, "counters") < 0 ||
      alloc_n(g, &g->acc_loss, 1, "evaluation sums") < 0 || alloc_n(g, &g->acc_correct, 1, "evaluation sums") < 0 ||
      alloc_n(g, &g->confusion, (size_t)g->classes * g->classes, "confusion matrix") < 0)
    return -1;
  if (zero_sync(g, g->pos, sizeof(int), "counters") < 0 ||
      zero_sync(g, g->iter, sizeof(unsigned long long), "counters") < 0 ||
      zero_sync(g, g->epoch, sizeof(int), "counters") < 0)
    return -1;
  return dlab_gm_reserve_steps(g, 1);
}

int dlab_gm_reserve_steps(DlabCudaModel *g, long len) {
  if (len <= g->sched_len && len <= g->stats_len) return 0;
  if (g->stats_host) cudaFreeHost(g->stats_host);
  g->stats_host = g->stats_dev = NULL;
  g->stats_len = g->sched_len = 0;
  void *raw = NULL;
  if (dlab_gm_alloc(g, &raw, (size_t)len * sizeof(DlabCudaScalars), "step scalars") < 0) return -1;
  g->sched = (DlabCudaScalars *)raw;
  g->sched_len = len;
  /* Mapped host memory: the loss kernel writes each step's result here
   * without a copy, and the host reads it when the step's event is done. */
  if (dlab_cuda_check(cudaHostAlloc(&raw, (size_t)len * sizeof(DlabCudaStepStats), cudaHostAllocMapped),
                      "step results (pinned host memory)") < 0)
    return -1;
  g->stats_host = (DlabCudaStepStats *)raw;
  memset(g->stats_host, 0, (size_t)len * sizeof(DlabCudaStepStats));
  if (dlab_cuda_check(cudaHostGetDevicePointer(&raw, g->stats_host, 0), "step results") < 0) return -1;
  g->stats_dev = (DlabCudaStepStats *)raw;
  g->stats_len = len;
  return 0;
}

/* ---- create, free, upload, download ---- */

DlabCudaOptions dlab_cuda_options_default(void) {
  DlabCudaOptions o;
  o.device = 0;
  o.max_batch = 256;
  o.tf32 = -1;
  return o;
}

static int default_tf32(void) {
  const char *env = getenv("DLAB_CUDA_TF32");
  return env && *env ? strcmp(env, "0") != 0 : 1;
}

DlabCudaModel *dlab_cuda_model_create(const DlabModel *m, const DlabCudaOptions *opt) {
  DlabCudaOptions o = opt ? *opt : dlab_cuda_options_default();
  if (o.max_batch < 1) {
    dlab_error("CUDA model: max_batch %d must be at least 1", o.max_batch);
    return NULL;
  }
  DlabCudaModel *g = (DlabCudaModel *)calloc(1, sizeof *g);
  if (!g) {
    dlab_error(_("out of host memory"));
    return NULL;
  }
  g->max_batch = o.max_batch;
  if (dlab_cuda_ctx_init(&g->ctx, o.device, o.tf32 < 0 ? default_tf32() : o.tf32) < 0) {
    free(g);
    return NULL;
  }
  if (plan(g, m) < 0 || alloc_activations(g) < 0 || alloc_scratch(g) < 0 || alloc_params(g, m) < 0 ||
      alloc_steps(g) < 0 || dlab_cuda_model_upload(g, m) < 0) {
    dlab_cuda_model_free(g);
    return NULL;
  }
  return g;
}

void dlab_cuda_model_free(DlabCudaModel *g) {
  if (!g) return;
  if (g->ctx.stream) cudaStreamSynchronize(g->ctx.stream);
  for (int i = 0; i < g->n_allocs; i++) cudaFree(g->allocs[i]);
  if (g->stats_host) cudaFreeHost(g->stats_host);
  dlab_cuda_ctx_free(&g->ctx);
  cudaGetLastError();
  free(g->allocs);
  free(g->layers);
  free(g->act_size);
  free(g->acts);
  free(g->grads);
  free(g->params);
  free(g);
}

/* The host model must be the one the mirror was built from. */
static int same_model(const DlabCudaModel *g, const DlabModel *m) {
  if (m->n_params != g->n_params) return dlab_error("CUDA model: the host model has a different architecture");
  for (int q = 0; q < m->n_params; q++)
    if (strcmp(m->params[q]->name, g->params[q].name) != 0 || m->params[q]->value.numel != g->params[q].numel)
      return dlab_error("CUDA model: parameter %s does not match the GPU's %s", m->params[q]->name,
                        g->params[q].name);
  return 0;
}

/* Moves every parameter's value (or gradient) between the host model and
 * the flat buffer through one host copy of it. */
static int transfer_flat(DlabCudaModel *g, DlabModel *m, float *device_flat, int grads, int to_device) {
  float *stage = (float *)calloc(g->flat_len, sizeof *stage);
  if (!stage) return dlab_error(_("out of host memory"));
  int rc = 0;
  if (!to_device)
    rc = copy_sync(g, stage, device_flat, g->flat_len * sizeof *stage, cudaMemcpyDeviceToHost,
                   "copying parameters from the GPU");
  for (int q = 0; rc == 0 && q < g->n_params; q++) {
    if (!g->params[q].trainable) continue;
    DlabTensor *t = grads ? &m->params[q]->grad : &m->params[q]->value;
    float *at = stage + g->params[q].offset;
    if (to_device)
      memcpy(at, t->data, g->params[q].numel * sizeof *at);
    else
      memcpy(t->data, at, g->params[q].numel * sizeof *at);
  }
  if (rc == 0 && to_device)
    rc = copy_sync(g, device_flat, stage, g->flat_len * sizeof *stage, cudaMemcpyHostToDevice,
                   "copying parameters to the GPU");
  free(stage);
  return rc;
}

int dlab_cuda_model_upload(DlabCudaModel *g, const DlabModel *m) {
  if (same_model(g, m) < 0) return -1;
  if (dlab_cuda_check(cudaSetDevice(g->ctx.device), "selecting the GPU") < 0 ||
      dlab_cuda_check(cudaStreamSynchronize(g->ctx.stream), "waiting for the GPU") < 0)
    return -1;
  if (transfer_flat(g, (DlabModel *)m, g->flat, 0, 1) < 0) return -1;
  for (int q = 0; q < g->n_params; q++) {
    GParam *gp = &g->params[q];
    const DlabParam *p = m->params[q];
    if (gp->trainable) continue;
    if (gp->counter) {
      gp->count_base = p->value.data[0];
      gp->counter->batches = 0;
    } else if (gp->value && copy_sync(g, gp->value, p->value.data, gp->numel * sizeof(float),
                                      cudaMemcpyHostToDevice, "copying buffers to the GPU") < 0) {
      return -1;
    }
  }
  return 0;
}

int dlab_cuda_model_download(DlabCudaModel *g, DlabModel *m) {
  if (same_model(g, m) < 0) return -1;
  if (dlab_cuda_check(cudaSetDevice(g->ctx.device), "selecting the GPU") < 0 ||
      dlab_cuda_check(cudaStreamSynchronize(g->ctx.stream), "waiting for the GPU") < 0)
    return -1;
  if (transfer_flat(g, m, g->flat, 0, 0) < 0) return -1;
  for (int q = 0; q < g->n_params; q++) {
    GParam *gp = &g->params[q];
    DlabParam *p = m->params[q];
    if (gp->trainable) continue;
    if (gp->counter) {
      p->value.data[0] = (float)(gp->count_base + (double)gp->counter->batches);
    } else if (gp->value && copy_sync(g, p->value.data, gp->value, gp->numel * sizeof(float),
                                      cudaMemcpyDeviceToHost, "copying buffers from the GPU") < 0) {
      return -1;
    }
  }
  return 0;
}

int dlab_cuda_model_download_grads(DlabCudaModel *g, DlabModel *m) {
  if (same_model(g, m) < 0) return -1;
  if (dlab_cuda_check(cudaStreamSynchronize(g->ctx.stream), "waiting for the GPU") < 0) return -1;
  return transfer_flat(g, m, g->flat_grad, 1, 0);
}

/* ---- queueing the passes ---- */

/* cuBLAS is column-major: the row-major C [M][N] = A [M][K] B [K][N] is the
 * column-major C^T = B^T A^T. The calls below name their row-major
 * product in a comment and pass the operands in that transposed form. */
static int sgemm(DlabCudaModel *g, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  const float one = 1.0f;
  return dlab_cublas_check(cublasSgemm(g->ctx.blas, ta, tb, m, n, k, &one, a, lda, b, ldb, &beta, c, ldc),
                           "matrix product");
}

static int sgemv(DlabCudaModel *g, cublasOperation_t t, int m, int n, const float *a, int lda, float beta, float *y) {
  const float one = 1.0f;
  return dlab_cublas_check(cublasSgemv(g->ctx.blas, t, m, n, &one, a, lda, g->ones, 1, &beta, y, 1),
                           "bias gradient");
}

static int linear_forward(DlabCudaModel *g, GLayer *gl, int n) {
  const float *x = g->acts[gl->in];
  float *y = g->acts[gl->out];
  /* y [n][out] = x [n][in] W^T */
  if (sgemm(g, CUBLAS_OP_T, CUBLAS_OP_N, gl->out_f, n, gl->in_f, gl->w, gl->in_f, x, gl->in_f, 0.0f, y, gl->out_f) < 0)
    return -1;
  if (gl->b || gl->act) dlab_k_bias_act(g->ctx.stream, y, gl->b, n, gl->out_f, gl->act, gl->slope);
  return 0;
}

static int conv_forward(DlabCudaModel *g, GLayer *gl, int n) {
  const DlabConvGeom2 &c = gl->conv;
  const int rows = (int)conv_rows(c), P = (int)conv_pixels(c);
  for (int b0 = 0; b0 < n; b0 += gl->chunk) {
    const int nn = n - b0 < gl->chunk ? n - b0 : gl->chunk, columns = nn * P;
    dlab_k_im2col(g->ctx.stream, c, g->acts[gl->in] + (size_t)b0 * gl->in_size, nn, g->col);
    /* gemm [oc][columns] = W [oc][rows] col [rows][columns] */
    if (sgemm(g, CUBLAS_OP_N, CUBLAS_OP_N, columns, c.oc, rows, g->col, columns, gl->w, rows, 0.0f, g->gemm,
              columns) < 0)
      return -1;
    float *y = g->acts[gl->out] + (size_t)b0 * gl->out_size;
    if (gl->pool)
      dlab_k_conv_out_pool(g->ctx.stream, c, g->gemm, gl->b, nn, gl->act, gl->slope, gl->pool, y,
                           gl->arg + (size_t)b0 * gl->out_size);
    else
      dlab_k_conv_out(g->ctx.stream, c, g->gemm, gl->b, nn, gl->act, gl->slope, y);
  }
  return 0;
}

static void dropout_forward(DlabCudaModel *g, GLayer *gl, int n, int training) {
  const size_t count = (size_t)n * gl->out_size;
  gl->masked = training && gl->p != 0.0f;
  if (gl->masked)
    dlab_k_dropout_forward(g->ctx.stream, g->acts[gl->in], g->acts[gl->out], gl->mask, count, gl->p, gl->mask_given,
                           gl->seed, g->iter);
  else
    cudaMemcpyAsync(g->acts[gl->out], g->acts[gl->in], count * sizeof(float), cudaMemcpyDeviceToDevice,
                    g->ctx.stream);
  if (training) gl->mask_given = 0;
}

int dlab_gm_forward(DlabCudaModel *g, int n, int training) {
  if (n < 1 || n > g->max_batch) return dlab_error("CUDA model: batch %d outside 1..%d", n, g->max_batch);
  cudaStream_t s = g->ctx.stream;
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    const float *x = g->acts[gl->in];
    float *y = g->acts[gl->out];
    const size_t count = (size_t)n * gl->out_size;
    switch (gl->kind) {
      case GL_LINEAR:
        if (linear_forward(g, gl, n) < 0) return -1;
        break;
      case GL_CONV:
        if (conv_forward(g, gl, n) < 0) return -1;
        break;
      case GL_MAXPOOL: dlab_k_maxpool_forward(s, gl->pg, x, y, gl->arg, n); break;
      case GL_AVGPOOL: dlab_k_avgpool_forward(s, gl->pg, x, y, n); break;
      case GL_ACT: dlab_k_act_forward(s, x, y, count, gl->act, gl->slope); break;
      case GL_BN:
        dlab_k_bn_forward(s, gl->bn, x, y, n, training);
        gl->trained = training;
        break;
      case GL_DROPOUT: dropout_forward(g, gl, n, training); break;
      case GL_FLATTEN: break;
    }
  }
  return dlab_cuda_check(cudaGetLastError(), "forward pass");
}

int dlab_gm_loss(DlabCudaModel *g, int n, float smoothing, int backward, DlabCudaStepStats *stats, int eval_sums,
                 int confusion) {
  const int last = g->n_acts - 1;
  dlab_k_cross_entropy(g->ctx.stream, g->acts[last], g->labels, n, g->classes, smoothing,
                       backward ? g->grads[last] : NULL, stats, g->pos, eval_sums ? g->acc_loss : NULL,
                       eval_sums ? g->acc_correct : NULL, confusion ? g->confusion : NULL);
  return dlab_cuda_check(cudaGetLastError(), "loss");
}

static int linear_backward(DlabCudaModel *g, GLayer *gl, int n) {
  const float *x = g->acts[gl->in];
  float *dy = g->grads[gl->out];
  if (gl->act) dlab_k_act_backward_from_output(g->ctx.stream, dy, g->acts[gl->out], (size_t)n * gl->out_f, gl->slope);
  /* dW [out][in] = dy^T [out][n] x [n][in] */
  if (sgemm(g, CUBLAS_OP_N, CUBLAS_OP_T, gl->in_f, gl->out_f, n, x, gl->in_f, dy, gl->out_f, 0.0f, gl->dw, gl->in_f) < 0)
    return -1;
  /* db [out] = column sums of dy [n][out] */
  if (gl->db && sgemv(g, CUBLAS_OP_N, gl->out_f, n, dy, gl->out_f, 0.0f, gl->db) < 0) return -1;
  /* dx [n][in] = dy [n][out] W [out][in] */
  if (gl->need_dx &&
      sgemm(g, CUBLAS_OP_N, CUBLAS_OP_N, gl->in_f, n, gl->out_f, gl->w, gl->in_f, dy, gl->out_f, 0.0f,
            g->grads[gl->in], gl->in_f) < 0)
    return -1;
  return 0;
}

static int conv_backward(DlabCudaModel *g, GLayer *gl, int n) {
  const DlabConvGeom2 &c = gl->conv;
  const int rows = (int)conv_rows(c), P = (int)conv_pixels(c);
  for (int b0 = 0; b0 < n; b0 += gl->chunk) {
    const int nn = n - b0 < gl->chunk ? n - b0 : gl->chunk, columns = nn * P;
    const float beta = b0 == 0 ? 0.0f : 1.0f; /* the first chunk overwrites */
    const size_t out_at = (size_t)b0 * gl->out_size;
    dlab_k_conv_dgemm(g->ctx.stream, c, g->grads[gl->out] + out_at, g->acts[gl->out] + out_at,
                      gl->pool ? gl->arg + out_at : NULL, nn, gl->act, gl->slope, gl->pool, g->gemm);
    dlab_k_im2col(g->ctx.stream, c, g->acts[gl->in] + (size_t)b0 * gl->in_size, nn, g->col);
    /* dW [oc][rows] (+)= dgemm [oc][columns] col^T [columns][rows] */
    if (sgemm(g, CUBLAS_OP_T, CUBLAS_OP_N, rows, c.oc, columns, g->col, columns, g->gemm, columns, beta, gl->dw,
              rows) < 0)
      return -1;
    /* db [oc] (+)= row sums of dgemm */
    if (gl->db && sgemv(g, CUBLAS_OP_T, columns, c.oc, g->gemm, columns, beta, gl->db) < 0) return -1;
    if (!gl->need_dx) continue;
    /* dcol [rows][columns] = W^T [rows][oc] dgemm [oc][columns], over col */
    if (sgemm(g, CUBLAS_OP_N, CUBLAS_OP_T, columns, rows, c.oc, g->gemm, columns, gl->w, rows, 0.0f, g->col,
              columns) < 0)
      return -1;
    dlab_k_col2im(g->ctx.stream, c, g->col, nn, g->grads[gl->in] + (size_t)b0 * gl->in_size);
  }
  return 0;
}

int dlab_gm_backward(DlabCudaModel *g, int n) {
  cudaStream_t s = g->ctx.stream;
  for (int i = g->n_layers - 1; i >= 0; i--) {
    GLayer *gl = &g->layers[i];
    const float *x = g->acts[gl->in], *y = g->acts[gl->out], *dy = g->grads[gl->out];
    float *dx = gl->need_dx ? g->grads[gl->in] : NULL;
    const size_t count = (size_t)n * gl->out_size;
    switch (gl->kind) {
      case GL_LINEAR:
        if (linear_backward(g, gl, n) < 0) return -1;
        break;
      case GL_CONV:
        if (conv_backward(g, gl, n) < 0) return -1;
        break;
      case GL_MAXPOOL:
        if (dx) dlab_k_maxpool_backward(s, gl->pg, dy, gl->arg, dx, n);
        break;
      case GL_AVGPOOL:
        if (dx) dlab_k_avgpool_backward(s, gl->pg, dy, dx, n);
        break;
      case GL_ACT:
        if (dx) dlab_k_act_backward(s, x, y, dy, dx, count, gl->act, gl->slope);
        break;
      case GL_BN: dlab_k_bn_backward(s, gl->bn, x, dy, dx, gl->dgamma, gl->dbeta, n, gl->trained); break;
      case GL_DROPOUT:
        if (dx && gl->masked)
          dlab_k_dropout_backward(s, dy, gl->mask, dx, count);
        else if (dx)
          cudaMemcpyAsync(dx, dy, count * sizeof(float), cudaMemcpyDeviceToDevice, s);
        break;
      case GL_FLATTEN: break;
    }
  }
  return dlab_cuda_check(cudaGetLastError(), "backward pass");
}

static DlabOptimArgs optim_args(const DlabOptimConfig *c) {
  DlabOptimArgs a;
  a.kind = c->kind;
  a.momentum = c->momentum;
  a.dampening = c->dampening;
  a.weight_decay = c->weight_decay;
  a.nesterov = c->nesterov;
  a.beta1 = c->beta1;
  a.beta2 = c->beta2;
  a.eps = c->eps;
  return a;
}

int dlab_gm_optimizer(DlabCudaModel *g) {
  if (!g->has_optimizer) return dlab_error("CUDA model: no optimizer set");
  dlab_k_optimizer(g->ctx.stream, optim_args(&g->optim), g->flat, g->flat_grad, g->state0, g->state1, g->flat_len,
                   g->sched, g->pos);
  return dlab_cuda_check(cudaGetLastError(), "optimizer step");
}

static void count_batchnorm(DlabCudaModel *g) {
  for (int i = 0; i < g->n_layers; i++)
    if (g->layers[i].kind == GL_BN) g->layers[i].batches++;
}

void dlab_gm_count_step(DlabCudaModel *g) {
  g->optim_steps++;
  count_batchnorm(g);
}

/* ---- the optimizer's state ---- */

DlabCudaScalars dlab_cuda_scalars(const DlabOptimConfig *c, float lr, long t) {
  DlabCudaScalars s;
  memset(&s, 0, sizeof s);
  s.lr = lr;
  s.first = t == 1;
  s.decay = 1.0f;
  s.step_size = lr;
  s.bc2_sqrt = 1.0f;
  if (c->kind != DLAB_OPTIM_SGD) {
    /* optim.c: adam_update's scalars, the same expressions */
    s.decay = c->kind == DLAB_OPTIM_ADAMW ? 1.0f - lr * c->weight_decay : 1.0f;
    s.step_size = lr / (float)(1.0 - pow(c->beta1, (double)t));
    s.bc2_sqrt = (float)sqrt(1.0 - pow(c->beta2, (double)t));
  }
  return s;
}

long dlab_cuda_model_optimizer_steps(const DlabCudaModel *g) { return g->optim_steps; }
int dlab_cuda_model_classes(const DlabCudaModel *g) { return g->classes; }

/* "fc1.weight.exp_avg" -> the parameter "fc1.weight" and slot 0/1 of its state. */
static GParam *state_target(DlabCudaModel *g, const char *state_name, int *slot) {
  static const char *const suffixes[] = {".momentum_buffer", ".exp_avg", ".exp_avg_sq"};
  static const int slots[] = {0, 0, 1};
  size_t len = strlen(state_name);
  for (int k = 0; k < 3; k++) {
    size_t sl = strlen(suffixes[k]);
    if (len <= sl || strcmp(state_name + len - sl, suffixes[k]) != 0) continue;
    for (int q = 0; q < g->n_params; q++)
      if (g->params[q].trainable && strlen(g->params[q].name) == len - sl &&
          strncmp(g->params[q].name, state_name, len - sl) == 0) {
        *slot = slots[k];
        return &g->params[q];
      }
  }
  return NULL;
}

/* Moves the optimizer state between o and the GPU (to_device) or back. */
static int transfer_state(DlabCudaModel *g, DlabOptimizer *o, int to_device) {
  DlabParam *state = NULL;
  int n_state = 0;
  dlab_optimizer_state(o, &state, &n_state);
  float *bufs[2] = {g->state0, g->state1};
  for (int i = 0; i < n_state; i++) {
    int slot = 0;
    GParam *gp = state_target(g, state[i].name, &slot);
    if (!gp || !bufs[slot] || state[i].value.numel != gp->numel)
      return dlab_error("optimizer state %s does not match the model on the GPU", state[i].name);
    float *dev = bufs[slot] + gp->offset;
    size_t bytes = gp->numel * sizeof(float);
    int rc = to_device ? copy_sync(g, dev, state[i].value.data, bytes, cudaMemcpyHostToDevice, "copying optimizer state")
                       : copy_sync(g, state[i].value.data, dev, bytes, cudaMemcpyDeviceToHost, "copying optimizer state");
    if (rc < 0) return -1;
  }
  return 0;
}

int dlab_cuda_model_set_optimizer(DlabCudaModel *g, const DlabOptimConfig *cfg, DlabOptimizer *state) {
  if (dlab_cuda_check(cudaSetDevice(g->ctx.device), "selecting the GPU") < 0) return -1;
  const int slots = cfg->kind != DLAB_OPTIM_SGD ? 2 : cfg->momentum != 0 ? 1 : 0;
  if (slots >= 1 && !g->state0 && alloc_n(g, &g->state0, g->flat_len, "optimizer state") < 0) return -1;
  if (slots >= 2 && !g->state1 && alloc_n(g, &g->state1, g->flat_len, "optimizer state") < 0) return -1;
  if (slots < 2) g->state1 = NULL;
  if (slots < 1) g->state0 = NULL;
  for (int k = 0; k < slots; k++)
    if (zero_sync(g, k ? g->state1 : g->state0, g->flat_len * sizeof(float), "clearing optimizer state") < 0)
      return -1;
  g->optim = *cfg;
  g->has_optimizer = 1;
  g->optim_steps = 0;
  if (!state) return 0;
  if (transfer_state(g, state, 1) < 0) return -1;
  g->optim_steps = dlab_optimizer_steps(state);
  return 0;
}

int dlab_cuda_model_download_optimizer(DlabCudaModel *g, DlabOptimizer *o) {
  if (dlab_cuda_check(cudaStreamSynchronize(g->ctx.stream), "waiting for the GPU") < 0) return -1;
  if (transfer_state(g, o, 0) < 0) return -1;
  dlab_optimizer_set_steps(o, g->optim_steps);
  return 0;
}

/* ---- one call at a time (cuda_model.h) ---- */

static int finish(DlabCudaModel *g, const char *what) {
  return dlab_cuda_check(cudaStreamSynchronize(g->ctx.stream), what);
}

int dlab_cuda_model_set_input(DlabCudaModel *g, const float *x, const uint8_t *labels, int batch) {
  if (batch < 1 || batch > g->max_batch) return dlab_error("CUDA model: batch %d outside 1..%d", batch, g->max_batch);
  if (copy_sync(g, g->acts[0], x, (size_t)batch * g->act_size[0] * sizeof *x, cudaMemcpyHostToDevice,
                "copying the batch to the GPU") < 0)
    return -1;
  if (labels && copy_sync(g, g->labels, labels, (size_t)batch, cudaMemcpyHostToDevice, "copying the labels to the GPU") < 0)
    return -1;
  return 0;
}

int dlab_cuda_model_set_dropout_mask(DlabCudaModel *g, int layer, const float *scale, int batch) {
  for (int i = 0; i < g->n_layers; i++) {
    GLayer *gl = &g->layers[i];
    if (gl->first != layer) continue;
    if (gl->kind != GL_DROPOUT) return dlab_error("CUDA model: layer %d is not a dropout layer", layer);
    if (batch < 1 || batch > g->max_batch) return dlab_error("CUDA model: batch %d outside 1..%d", batch, g->max_batch);
    if (copy_sync(g, gl->mask, scale, (size_t)batch * gl->out_size * sizeof *scale, cudaMemcpyHostToDevice,
                  "copying a dropout mask") < 0)
      return -1;
    gl->mask_given = 1;
    return 0;
  }
  return dlab_error("CUDA model: no layer %d of its own on the GPU (absorbed into the layer before?)", layer);
}

int dlab_cuda_model_forward(DlabCudaModel *g, int batch, int training, float *logits) {
  if (dlab_gm_forward(g, batch, training) < 0) return -1;
  if (training) count_batchnorm(g);
  if (finish(g, "forward pass") < 0) return -1;
  if (!logits) return 0;
  return copy_sync(g, logits, g->acts[g->n_acts - 1], (size_t)batch * g->classes * sizeof *logits,
                   cudaMemcpyDeviceToHost, "copying the logits from the GPU");
}

int dlab_cuda_model_backward(DlabCudaModel *g, int batch, float smoothing, DlabLossResult *loss) {
  if (batch < 1 || batch > g->max_batch) return dlab_error("CUDA model: batch %d outside 1..%d", batch, g->max_batch);
  cudaStream_t s = g->ctx.stream;
  cudaMemsetAsync(g->acc_loss, 0, sizeof(double), s);
  cudaMemsetAsync(g->acc_correct, 0, sizeof(unsigned long long), s);
  if (dlab_gm_loss(g, batch, smoothing, 1, NULL, 1, 0) < 0 || dlab_gm_backward(g, batch) < 0) return -1;
  double sum = 0;
  unsigned long long correct = 0;
  if (finish(g, "backward pass") < 0 ||
      copy_sync(g, &sum, g->acc_loss, sizeof sum, cudaMemcpyDeviceToHost, "reading the loss") < 0 ||
      copy_sync(g, &correct, g->acc_correct, sizeof correct, cudaMemcpyDeviceToHost, "reading the loss") < 0)
    return -1;
  if (loss) {
    loss->loss = sum / batch;
    loss->correct = (int)correct;
  }
  return 0;
}

int dlab_cuda_model_step(DlabCudaModel *g, float lr) {
  if (!g->has_optimizer) return dlab_error("CUDA model: set an optimizer first");
  DlabCudaScalars sc = dlab_cuda_scalars(&g->optim, lr, g->optim_steps + 1);
  if (copy_sync(g, g->sched, &sc, sizeof sc, cudaMemcpyHostToDevice, "copying step scalars") < 0 ||
      zero_sync(g, g->pos, sizeof(int), "step counter") < 0)
    return -1;
  if (dlab_gm_optimizer(g) < 0 || finish(g, "optimizer step") < 0) return -1;
  g->optim_steps++;
  return 0;
}
