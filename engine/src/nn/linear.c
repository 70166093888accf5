/* Linear (nn.Linear): y = x W^T + b on a batch of flat vectors.
 *
 * Parameters in PyTorch's layout: weight [out, in], bias [out]. Every
 * product is a dlab_gemm where the processor runs its AVX-512 tiles
 * (kernels/cpu/gemm.c: operands read in place, no packing), otherwise an
 * OpenBLAS sgemm (an sgemv for a row or a few); with several threads each
 * product is cut into one slice per thread (see the slices below), so no
 * slice needs another's result. A ReLU or LeakyReLU right after the layer
 * can be absorbed (fuse): it is applied to y while y is in cache, and its
 * derivative taken from y in backward. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/simd.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "nn_internal.h"

#include "core/i18n.h"

enum { ARG_OUT = 0, ARG_BIAS = 1 };
enum { P_WEIGHT = 0, P_BIAS = 1 };

typedef struct {
  DlabAct act;    /* absorbed activation */
  DlabTensor dy_act; /* [batch, out]: dy * act'(y) in a fused backward */
  DlabTensor xt, yt; /* x^T and y^T of the forward product on dlab_gemm:
                        [in, batch] for each slice (or one for all:
                        xt_copies), [out, batch]; 64-byte lines of their
                        own, as every tensor's (threads write neighbouring
                        parts of them) */
} LinearState;

/* dlab_gemm's tiles put C's columns in the vector lanes; the forward
 * product's columns are the batch (y^T = W x^T), so below 8 images most
 * lanes would be empty and OpenBLAS's kernels for small matrices win (one
 * Zen 5 core, EMNIST's 256 -> 120 at batch 4: 41 GFLOP/s against 192; at
 * batch 8, mlp's 784 -> 300: 69 against 44). The gradients' products have
 * the layer's features in the lanes and run on dlab_gemm at any batch. */
enum { GEMM_FORWARD_MIN_BATCH = 8 };

static int gemm_forward(int batch) { return dlab_gemm_available() && batch >= GEMM_FORWARD_MIN_BATCH; }

/* Each forward slice makes x^T in a buffer of its own where all of them
 * fit in this many bytes: a buffer that every thread read and each wrote
 * a part of would be passed between the cores line by line at every step
 * (mlp at 2 threads, batch 64: 0.38-0.44 s an epoch against 0.41-0.47 on
 * one Zen 5 guest). Beyond it (evaluation's batches of 1000, many
 * threads) the slices share one x^T, made in parallel. */
#define PRIVATE_XT_BYTES (4u << 20)

/* x^T buffers for the forward product at this batch: one per thread or
 * one for all. */
static size_t xt_copies(const DlabLayer *l, int batch) {
  const size_t one = (size_t)batch * l->in_shape.d[0] * sizeof(float), threads = (size_t)dlab_threads_get();
  return threads > 1 && threads * one <= PRIVATE_XT_BYTES ? threads : 1;
}

static int has_bias(const DlabLayer *l) { return l->n_params > P_BIAS; }

static int linear_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  if (in.ndim != 1)
    return dlab_error(_("layer %s (linear): needs a flat input but gets %s; add `flatten` before it"),
                      l->name, dlab_shape_str(in, s, sizeof s));
  int out = (int)l->args[ARG_OUT];
  if (out < 1 || (float)out != l->args[ARG_OUT])
    return dlab_error(_("layer %s (linear): out_features must be a whole number >= 1, not %g"), l->name,
                      (double)l->args[ARG_OUT]);
  if (!l->state && !(l->state = calloc(1, sizeof(LinearState)))) return dlab_error(_("out of memory"));
  l->in_shape = in;
  l->out_shape = (DlabShape){1, {out, 0, 0}};
  int w_shape[2] = {out, in.d[0]};
  if (!dlab_layer_add_param(l, "weight", 1, 2, w_shape)) return -1;
  if (l->args[ARG_BIAS] != 0 && !dlab_layer_add_param(l, "bias", 1, 1, &out)) return -1;
  return 0;
}

/* PyTorch's default: kaiming_uniform(a=sqrt(5)) works out to
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the same bound as the bias. */
static void linear_reset(DlabLayer *l, DlabRng *rng) {
  float bound = 1.0f / sqrtf((float)l->in_shape.d[0]);
  for (int p = 0; p < l->n_params; p++) {
    DlabTensor *v = &l->params[p].value;
    for (size_t i = 0; i < v->numel; i++) v->data[i] = dlab_rng_range(rng, -bound, bound);
  }
}

static int linear_resize(DlabLayer *l, int batch) {
  LinearState *st = l->state;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0];
  const int gemm = gemm_forward(batch);
  /* (tensors only grow: a smaller batch reuses what a larger one made) */
  if ((st->act.on && dlab_tensor_resize(&st->dy_act, 2, (int[]){batch, out}) < 0) ||
      (gemm && dlab_tensor_resize(&st->xt, 3, (int[]){(int)xt_copies(l, batch), in, batch}) < 0) ||
      (gemm && dlab_tensor_resize(&st->yt, 2, (int[]){out, batch}) < 0))
    return dlab_error(_("layer %s (linear): out of memory for batch %d"), l->name, batch);
  return 0;
}

static int linear_fuse(DlabLayer *l, DlabLayer *const *next, int n_next) {
  LinearState *st = l->state;
  st->act = (DlabAct){0, 0.0f};
  return n_next > 0 && dlab_act_fusable(next[0], &st->act) ? 1 : 0;
}

static void linear_destroy(DlabLayer *l) {
  LinearState *st = l->state;
  if (!st) return;
  dlab_tensor_free(&st->dy_act);
  dlab_tensor_free(&st->xt);
  dlab_tensor_free(&st->yt);
  free(st);
  l->state = NULL;
}

/* ---- slices ----
 *
 * OpenBLAS packs both operands of every call, so a product cut into
 * slices repacks, in each slice, the operand that the cut does not divide.
 * The forward product and dx are therefore cut along their longer side
 * of C (the other operand is the smaller one to repack), into at most one
 * slice per thread; dW always by output features (backward_slice says
 * why). One row (single-image inference), or up to four where OpenBLAS
 * has no kernels for small matrices (gemv_rows), skips packing altogether:
 * matrix-vector products, row by row. dlab_gemm packs nothing; its
 * forward product is cut by output features, every slice reading all of
 * x^T (its own copy, or one for all: xt_copies), and dx the same way as
 * OpenBLAS's. */

/* Rows up to which y = x W^T and dx = dy W run as matrix-vector products.
 * OpenBLAS's AVX-512 builds have kernels for small matrices that beat row
 * after row from two rows on; its AVX2 ones do not. (EMNIST's batch of 4,
 * 256 -> 120, one Zen 5 core: 62 GFLOP/s by rows, 153 as one product with
 * the Cooperlake kernels; 50 against 40 with the Haswell ones.) */
static int gemv_rows(void) { return dlab_cpu_blas_avx512() ? 1 : 4; }

typedef struct {
  DlabLayer *l;
  const float *x, *dy;
  float *y, *dx;
  DlabAct act;
  int batch, slices;
  int by_rows; /* forward and dx: the slices cut the batch, not the features */
  int gemm;    /* the products on dlab_gemm; the forward one as y^T = W x^T */
  int shared_xt; /* its slices read one x^T, made before them */
} LinearJob;

/* Whether a product with an M x N result is cut along M. */
static int cut_rows(int m, int n) { return m >= n; }

/* Slice s of a rows x cols result cut along its rows or its columns: rows
 * [*r0, *r1), columns [*c0, *c1). */
static void product_part(int rows, int cols, int by_rows, int slices, int s, int *r0, int *r1, int *c0, int *c1) {
  *r0 = 0, *r1 = rows, *c0 = 0, *c1 = cols;
  if (by_rows)
    dlab_slice_range(rows, slices, s, r0, r1);
  else
    dlab_slice_range(cols, slices, s, c0, c1);
}

/* Output features [o0, o1) of y^T = W x^T for the whole batch, from the
 * shared x^T or one the slice makes, then transposed into those columns
 * of y. */
static void gemm_forward_features(const LinearJob *j, int s, int o0, int o1) {
  const DlabLayer *l = j->l;
  const LinearState *st = l->state;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0], batch = j->batch;
  float *xt = st->xt.data + (j->shared_xt ? 0 : (size_t)s * batch * in), *yt = st->yt.data + (size_t)o0 * batch;
  if (!j->shared_xt) dlab_transpose(j->x, batch, in, in, xt, batch);
  dlab_gemm(o1 - o0, batch, in, l->params[P_WEIGHT].value.data + (size_t)o0 * in, in, 1, xt, batch, yt, batch);
  dlab_transpose(yt, o1 - o0, batch, batch, j->y + o0, out);
}

static void forward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  const DlabLayer *l = j->l;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0];
  const float *w = l->params[P_WEIGHT].value.data;
  const float *bias = has_bias(l) ? l->params[P_BIAS].value.data : NULL;
  for (size_t s = begin; s < end; s++) {
    int b0, b1, o0, o1;
    if (j->gemm) {
      dlab_slice_range(out, j->slices, (int)s, &o0, &o1);
      if (o1 == o0) continue;
      gemm_forward_features(j, (int)s, o0, o1);
      if (bias || j->act.on)
        dlab_cpu_bias_act_rows(j->y + o0, j->batch, o1 - o0, out, bias ? bias + o0 : NULL, j->act);
      continue;
    }
    product_part(j->batch, out, j->by_rows, j->slices, (int)s, &b0, &b1, &o0, &o1);
    if (b1 == b0 || o1 == o0) continue;
    float *y = j->y + (size_t)b0 * out + o0;
    if (b1 - b0 <= gemv_rows())
      for (int b = b0; b < b1; b++)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, o1 - o0, in, 1.0f, w + (size_t)o0 * in, in, j->x + (size_t)b * in,
                    1, 0.0f, y + (size_t)(b - b0) * out, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b1 - b0, o1 - o0, in, 1.0f, j->x + (size_t)b0 * in, in,
                  w + (size_t)o0 * in, in, 0.0f, y, out);
    if (bias || j->act.on) dlab_cpu_bias_act_rows(y, b1 - b0, o1 - o0, out, bias ? bias + o0 : NULL, j->act);
  }
}

/* Slice s computes the rows [o0, o1) of dW and the bias gradient of those
 * features, and its part of dx (batch rows or input columns): no slice
 * needs another's result. dW is always cut by output features, even where
 * it is wider than tall: then each slice's rows of dW are whole lines of
 * memory, which OpenBLAS clears and fills in one sweep, and the rows a
 * thread writes here are the ones it reads in the forward pass (cut by
 * features) and updates in the optimizer (which cuts every tensor the same
 * way). Cut by inputs, mlp's 784 -> 300 layer made every row half this
 * core's and half the other's: mlp at 2 threads took 0.575 s an epoch
 * against 0.505 now (one Zen 5 guest, bench_train). */
static void backward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  DlabLayer *l = j->l;
  const int in = l->in_shape.d[0], out = l->out_shape.d[0];
  const float *w = l->params[P_WEIGHT].value.data;
  for (size_t s = begin; s < end; s++) {
    int o0, o1;
    dlab_slice_range(out, j->slices, (int)s, &o0, &o1);
    if (!l->input_grad_only) {
      if (has_bias(l) && o1 > o0) dlab_cpu_column_sums(j->dy, j->batch, out, o0, o1, l->params[P_BIAS].grad.data);
      /* dW [out, in] = dy^T x, rows [o0, o1) */
      float *dw = l->params[P_WEIGHT].grad.data + (size_t)o0 * in;
      if (o1 > o0 && j->gemm)
        dlab_gemm(o1 - o0, in, j->batch, j->dy + o0, 1, out, j->x, in, dw, in);
      else if (o1 > o0)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, in, j->batch, 1.0f, j->dy + o0, out, j->x, in,
                    0.0f, dw, in);
    }
    if (!j->dx) continue;
    /* dx [batch, in] = dy W */
    int b0, b1, i0, i1;
    product_part(j->batch, in, j->by_rows, j->slices, (int)s, &b0, &b1, &i0, &i1);
    if (b1 == b0 || i1 == i0) continue;
    if (j->gemm)
      dlab_gemm(b1 - b0, i1 - i0, out, j->dy + (size_t)b0 * out, out, 1, w + i0, in, j->dx + (size_t)b0 * in + i0,
                in);
    else if (b1 - b0 <= gemv_rows())
      for (int b = b0; b < b1; b++)
        cblas_sgemv(CblasRowMajor, CblasTrans, out, i1 - i0, 1.0f, w + i0, in, j->dy + (size_t)b * out, 1, 0.0f,
                    j->dx + (size_t)b * in + i0, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b1 - b0, i1 - i0, out, 1.0f, j->dy + (size_t)b0 * out,
                  out, w + i0, in, 0.0f, j->dx + (size_t)b0 * in + i0, in);
  }
}

static void act_backward_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  const size_t out = (size_t)j->l->out_shape.d[0];
  for (size_t s = begin; s < end; s++) {
    int b0, b1;
    dlab_slice_range(j->batch, j->slices, (int)s, &b0, &b1);
    dlab_cpu_act_backward(j->dy + b0 * out, j->y + b0 * out, (size_t)(b1 - b0) * out, j->act,
                          ((LinearState *)j->l->state)->dy_act.data + b0 * out);
  }
}

/* ---- passes ---- */

static double row_flops(const DlabLayer *l) { return 2.0 * l->in_shape.d[0] * l->out_shape.d[0]; }

/* Slices of a product: one per thread, none below DLAB_MIN_SLICE_FLOPS,
 * none thinner than a row or feature. */
static int product_slices(const DlabLayer *l, int batch, double passes, int by_rows) {
  const int side = by_rows ? batch : l->out_shape.d[0];
  return dlab_parallel_slices(side, passes * row_flops(l) * batch / side, DLAB_MIN_SLICE_FLOPS,
                              dlab_threads_get());
}

/* Slice s of the shared x^T: the columns of x's rows [b0, b1), whole
 * 16-row blocks (a thread reads the images it gathered or computed and
 * writes whole lines of x^T's rows). */
static void transpose_x_slice(void *arg, size_t begin, size_t end) {
  const LinearJob *j = arg;
  const int in = j->l->in_shape.d[0];
  float *xt = ((LinearState *)j->l->state)->xt.data;
  for (size_t s = begin; s < end; s++) {
    int b0, b1;
    dlab_slice_range_aligned(j->batch, j->slices, (int)s, 16, &b0, &b1);
    if (b1 > b0) dlab_transpose(j->x + (size_t)b0 * in, b1 - b0, in, in, xt + b0, j->batch);
  }
}

/* Whether the forward slices share one x^T: when there are not enough
 * buffers for one each (xt_copies; the thread count may also have grown
 * since linear_resize). */
static int share_xt(const DlabLayer *l, int batch, int slices) {
  return slices > 1 && ((LinearState *)l->state)->xt.capacity / ((size_t)batch * l->in_shape.d[0]) < (size_t)slices;
}

static void run_forward(DlabLayer *l, const DlabTensor *x, float *y, DlabAct act) {
  LinearJob j = {.l = l, .x = x->data, .y = y, .act = act, .batch = x->shape[0]};
  j.gemm = gemm_forward(j.batch);
  j.by_rows = !j.gemm && cut_rows(j.batch, l->out_shape.d[0]);
  j.slices = product_slices(l, j.batch, 1, j.by_rows);
  j.shared_xt = j.gemm && share_xt(l, j.batch, j.slices);
  if (j.shared_xt) dlab_parallel_for((size_t)j.slices, 1, transpose_x_slice, &j);
  dlab_parallel_for((size_t)j.slices, 1, forward_slice, &j);
}

static void run_backward(DlabLayer *l, const float *x, const float *dy, float *dx, int batch) {
  const int in = l->in_shape.d[0];
  LinearJob j = {.l = l, .x = x, .dy = dy, .dx = dx, .batch = batch, .gemm = dlab_gemm_available()};
  j.by_rows = cut_rows(batch, in);
  /* (a slice whose rows or features run out does nothing) */
  j.slices = dlab_parallel_slices(batch, 2 * row_flops(l), DLAB_MIN_SLICE_FLOPS, dlab_threads_get());
  dlab_parallel_for((size_t)j.slices, 1, backward_slice, &j);
}

static const DlabAct no_act = {0, 0.0f};

static void linear_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  run_forward(l, x, y->data, no_act);
}

static void linear_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                            DlabTensor *dx) {
  (void)y;
  run_backward(l, x->data, dy->data, dx ? dx->data : NULL, x->shape[0]);
}

/* acts[1] (before the activation) is not written; acts[2] is. */
static void linear_forward_group(DlabLayer *l, DlabTensor *acts, int training) {
  (void)training;
  run_forward(l, &acts[0], acts[2].data, ((LinearState *)l->state)->act);
}

static void linear_backward_group(DlabLayer *l, const DlabTensor *acts, const DlabTensor *dy, DlabTensor *dx) {
  LinearState *st = l->state;
  const int batch = acts[0].shape[0];
  LinearJob j = {.l = l, .dy = dy->data, .y = acts[2].data, .act = st->act, .batch = batch};
  j.slices = dlab_parallel_slices(batch, (double)l->out_shape.d[0], 1e5, DLAB_MAX_SLICES);
  dlab_parallel_for((size_t)j.slices, 1, act_backward_slice, &j);
  run_backward(l, acts[0].data, st->dy_act.data, dx ? dx->data : NULL, batch);
}

const DlabLayerOps dlab_linear_ops = {
    .keyword = "linear",
    .setup = linear_setup,
    .reset = linear_reset,
    .resize = linear_resize,
    .forward = linear_forward,
    .backward = linear_backward,
    .destroy = linear_destroy,
    .fuse = linear_fuse,
    .forward_group = linear_forward_group,
    .backward_group = linear_backward_group,
};
