/* Conv2d (nn.Conv2d): square kernel, stride, zero padding, optional bias.
 *
 * Lowered to sgemm with the batch folded into the GEMM's N dimension: a
 * chunk of S samples becomes
 *   col  [C*K*K, S*OH*OW]   im2col of the chunk's samples side by side
 *   Y'   [OC,    S*OH*OW] = W [OC, C*K*K] * col
 * S is chosen so that col fits in the core's L2 cache: the column matrix is
 * written, multiplied and forgotten while it is still in cache, and never
 * exists for the whole batch (backward rebuilds it, which costs less than
 * streaming a batch-sized matrix through memory twice).
 *
 * Y' leaves through an epilogue that adds the bias and, when the layer has
 * absorbed them (fuse), applies the activation and the max pooling that
 * follow it, so their passes over the batch disappear. Backward builds dY'
 * straight from the group's output gradient (through the pooling winners
 * and the activation's derivative), then dW += dY' col^T,
 * db += row sums of dY', and dcol = W^T dY' goes back to images through
 * col2im.
 *
 * On processors with AVX2 or AVX-512, stride-1 convolutions skip im2col:
 * the direct kernels of cpu_kernels.h compute each sample from "shifted
 * copies" of its input, and the weight gradient from the same copies. The
 * input gradient is either the convolution of dY with the flipped kernel
 * (over dY padded by K - 1 - pad, whose padding rows the kernel skips) or,
 * where that is more padding than the forward's and OpenBLAS has AVX-512
 * kernels, dcol = W^T dY per sample and col2im (see plan_direct).
 *
 * The batch is cut into one slice per thread; each slice has its own
 * workspace and weight-gradient partial, summed in slice order afterwards,
 * so a given thread count always gives the same numbers. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu_kernels.h"
#include "kernels/cpu/simd.h"
#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "nn_internal.h"

#include "core/i18n.h"

enum { ARG_OUT = 0, ARG_KERNEL = 1, ARG_STRIDE = 2, ARG_PAD = 3, ARG_BIAS = 4 };
enum { P_WEIGHT = 0, P_BIAS = 1 };

/* Column matrices up to this size stay in a core's L2 cache. */
#define COL_BUDGET_BYTES (512 * 1024)
/* Output planes smaller than this go through im2col (see plan_direct). */
#define DLAB_DIRECT_MIN_PIXELS 16
/* Fewer columns than this make a thin, slow GEMM. */
#define MIN_COLUMNS 512
/* Each of dlab_gemm's tiles sums over the output channels for W^T dY with
 * its result in registers and stores it once, so a short sum leaves the
 * stores a larger share: below this many output channels OpenBLAS runs
 * W^T dY (one Zen 5 core, a sample's input gradient: DigitNet's 16 -> 32
 * 5x5 layer 13.5 us against OpenBLAS's 16.2; LeNet's 6 -> 16 1.88 against
 * 1.68). */
#define GEMM_MIN_CHANNELS 32

/* Whether W^T dY of a layer with OC output channels runs on dlab_gemm. */
static int weight_t_on_gemm(int OC) { return dlab_gemm_available() && OC >= GEMM_MIN_CHANNELS; }

/* One slice's buffers. */
typedef struct {
  float *col;  /* im2col: [C*K*K, chunk*P], then dcol in backward;
                  direct: the chunk's shifted copies */
  float *gemm; /* im2col: [OC, chunk*P], Y' in forward, dY' in backward;
                  direct: dY of the chunk, [chunk][OC][P rounded up] */
  float *dshift; /* direct: shifted copies of one sample's dY, or its dcol */
  float *dyt;  /* direct, wgrad_by_channel: dY of the chunk transposed */
  float *dw;   /* [OC, C*K*K] weight-gradient partial (slices > 0) */
  double *db;  /* [OC] bias-gradient partial */
} ConvWork;

typedef struct {
  DlabConvGeom geom;
  int out_channels;
  int chunk; /* samples per GEMM (im2col) or per weight-gradient pass (direct) */
  int direct; /* the direct kernels run this layer */
  DlabDirectConv fwd, wgrad, dgrad; /* direct: forward, weight and input gradient */
  int dgrad_gemm; /* direct: the input gradient as dcol = W^T dY and col2im */
  int wgrad_by_channel; /* direct: the weight gradient with channels in the lanes */
  float *flipped; /* direct, without dgrad_gemm: [C][OC][K][K], the input gradient's kernel */
  /* absorbed layers */
  DlabAct act;
  int pool;  /* max-pooling kernel (= stride), 0: none */
  int act_after_pool; /* the activation follows the pooling (conv | maxpool | relu) */
  int32_t *argmax; /* per pooled output: the winner's index in its plane */
  size_t argmax_count;
  ConvWork *work;
  int n_work;
} ConvState;

static int has_bias(const DlabLayer *l) { return l->n_params > P_BIAS; }

/* args are floats from the spec parser; they must hold whole numbers. */
static int whole_arg(const DlabLayer *l, int slot, int min, const char *what, int *out) {
  float v = l->args[slot];
  if (!(v >= (float)min) || v != floorf(v) || v > 1e6f)
    return dlab_error(_("layer %s (conv): %s must be a whole number >= %d, not %g"), l->name, what, min,
                      (double)v);
  *out = (int)v;
  return 0;
}

static size_t image_size(const DlabConvGeom *g) { return (size_t)g->channels * g->height * g->width; }
static int out_pixels(const DlabConvGeom *g) { return g->out_h * g->out_w; }
static int col_rows(const DlabConvGeom *g) { return g->channels * g->kernel * g->kernel; }

/* Samples per chunk: enough columns for a wide GEMM, few enough for L2. */
static int chunk_samples(const DlabConvGeom *g) {
  const int P = out_pixels(g);
  const size_t per_sample = (size_t)col_rows(g) * P * sizeof(float);
  int s = (MIN_COLUMNS + P - 1) / P;
  while (s > 1 && (size_t)s * per_sample > COL_BUDGET_BYTES) s--;
  return s;
}

/* Floats in a dY row for the direct weight gradient: whole 16-float vectors. */
static int padded_pixels(int P) { return (P + 15) / 16 * 16; }

/* The direct kernels take stride 1 and a padding that leaves the input
 * gradient a convolution too (pad <= K - 1). */
static void plan_direct(ConvState *st) {
  const DlabConvGeom *g = &st->geom;
  st->direct = 0;
  if (g->stride != 1 || g->pad > g->kernel - 1 || !dlab_direct_conv_available()) return;
  /* An output plane smaller than one vector would leave most lanes of the
   * direct kernel's vectors empty (DigitNet's last convolution has 2x2
   * outputs: 28 GFLOP/s direct, 59 through im2col and OpenBLAS). */
  if (out_pixels(g) < DLAB_DIRECT_MIN_PIXELS) return;
  const int OC = st->out_channels, K = g->kernel;
  if (dlab_direct_conv_init(&st->fwd, g->channels, g->height, g->width, K, g->pad, OC, 0) < 0 ||
      dlab_direct_conv_init(&st->dgrad, OC, g->out_h, g->out_w, K, K - 1 - g->pad, g->channels,
                            padded_pixels(out_pixels(g))) < 0)
    return;
  st->wgrad = st->fwd;
  st->wgrad.out_stride = padded_pixels(out_pixels(g));
  /* Enough samples per weight-gradient pass to amortize its reductions,
   * few enough for their copies to stay in L2. */
  const size_t per_sample = st->fwd.shift_stride * sizeof(float);
  int s = 16;
  while (s > 1 && (size_t)s * per_sample > COL_BUDGET_BYTES) s--;
  st->chunk = s;
  st->direct = 1;
  st->wgrad_by_channel = dlab_direct_wgrad_by_channel(&st->wgrad);
  /* The input gradient. The direct kernel convolves dY padded by K-1-pad:
   * with less padding than that in the forward ("same" padding: pad =
   * (K-1)/2) it multiplies more padding than the forward does, more than
   * half of its work for LeNet's and DigitNet's unpadded 5x5 layers. There
   * dcol = W^T dY (one OpenBLAS GEMM a sample) and col2im (AVX-512)
   * multiply none, and win where OpenBLAS has AVX-512 kernels. Measured a
   * sample on a Zen 5 core, direct against GEMM + col2im (OpenBLAS's
   * AVX-512 kernels; its AVX2 ones): DigitNet's 16 -> 32 5x5 25 us against
   * 18 (26), LeNet's 6 -> 16 7.6 against 4.4 (7.6); CIFAR's 32 -> 32 5x5
   * pad 2 67 against 89 (142). From 32 output channels the product runs
   * on dlab_gemm (weight_t_times), which needs no OpenBLAS kernels. The
   * choice depends on the layer, the machine and OpenBLAS's kernels only,
   * never on timing, so a run repeats bit for bit. */
  const int fast_product = weight_t_on_gemm(OC) || (OC < GEMM_MIN_CHANNELS && dlab_cpu_blas_avx512());
  st->dgrad_gemm = dlab_cpu_level() >= DLAB_CPU_AVX512 && 2 * g->pad < K - 1 && fast_product;
}

static int conv_setup(DlabLayer *l, DlabShape in) {
  char s[64];
  if (in.ndim != 3)
    return dlab_error(_("layer %s (conv): needs an image input (CxHxW) but gets %s"), l->name,
                      dlab_shape_str(in, s, sizeof s));
  int oc = 0, k = 0, stride = 0, pad = 0;
  if (whole_arg(l, ARG_OUT, 1, "out_channels", &oc) < 0 || whole_arg(l, ARG_KERNEL, 1, "kernel", &k) < 0 ||
      whole_arg(l, ARG_STRIDE, 1, "stride", &stride) < 0 || whole_arg(l, ARG_PAD, 0, "padding", &pad) < 0)
    return -1;
  /* The sizes below are ints: the weight (so C*K*K) and the output must
   * be within the limits before any is computed. */
  int w_shape[4] = {oc, in.d[0], k, k};
  if (dlab_layer_check_param(l, "weight", 4, w_shape) < 0) return -1;
  DlabConvGeom geom;
  if (dlab_conv_geom_init(&geom, in.d[0], in.d[1], in.d[2], k, stride, pad) < 0)
    return dlab_error(_("layer %s (conv): kernel %d with stride %d and padding %d does not fit the "
                        "input %s (output side (H + 2*%d - %d) / %d + 1 would be < 1)"),
                      l->name, k, stride, pad, dlab_shape_str(in, s, sizeof s), pad, k, stride);
  const DlabShape out = {3, {oc, geom.out_h, geom.out_w}};
  if (dlab_layer_check_output(l, out) < 0) return -1;
  ConvState *st = l->state;
  if (!st && !(st = l->state = calloc(1, sizeof *st))) return dlab_error(_("out of memory"));
  st->geom = geom;
  st->out_channels = oc;
  st->chunk = chunk_samples(&st->geom);
  plan_direct(st);
  l->in_shape = in;
  l->out_shape = out;
  if (!dlab_layer_add_param(l, "weight", 1, 4, w_shape)) return -1;
  if (l->args[ARG_BIAS] != 0 && !dlab_layer_add_param(l, "bias", 1, 1, &oc)) return -1;
  return 0;
}

/* PyTorch's default: kaiming_uniform(a=sqrt(5)) works out to
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C*K*K; the bias uses the
 * same bound. */
static void conv_reset(DlabLayer *l, DlabRng *rng) {
  const DlabConvGeom *g = &((ConvState *)l->state)->geom;
  float bound = 1.0f / sqrtf((float)(g->channels * g->kernel * g->kernel));
  for (int p = 0; p < l->n_params; p++) {
    DlabTensor *v = &l->params[p].value;
    for (size_t i = 0; i < v->numel; i++) v->data[i] = dlab_rng_range(rng, -bound, bound);
  }
}

/* ---- workspaces ---- */

static void free_work(ConvState *st) {
  for (int i = 0; i < st->n_work; i++) {
    free(st->work[i].col);
    free(st->work[i].gemm);
    free(st->work[i].dshift);
    free(st->work[i].dyt);
    free(st->work[i].dw);
    free(st->work[i].db);
  }
  free(st->work);
  st->work = NULL;
  st->n_work = 0;
}

/* n floats on a cache line: the direct kernels' vectors are 64 bytes, and
 * each one that straddles two lines costs two loads. */
static float *alloc_floats(size_t n) {
  const size_t line = 64, bytes = n * sizeof(float);
  if (n > SIZE_MAX / sizeof(float) - line) return NULL;
  return aligned_alloc(line, (bytes + line - 1) / line * line);
}

/* One workspace per slice; they do not depend on the batch size. */
static int alloc_work(ConvState *st, int n) {
  if (n <= st->n_work) return 0;
  free_work(st);
  if (!(st->work = calloc((size_t)n, sizeof *st->work))) return -1;
  st->n_work = n;
  const DlabConvGeom *g = &st->geom;
  const size_t rows = (size_t)col_rows(g), OC = (size_t)st->out_channels;
  size_t col = rows * st->chunk * out_pixels(g), gemm = OC * st->chunk * out_pixels(g), dshift = 1, dyt = 1;
  if (st->direct) {
    col = st->chunk * st->fwd.shift_stride;
    gemm = st->chunk * OC * st->wgrad.out_stride;
    dshift = st->dgrad.shift_stride;
    if (st->dgrad_gemm && rows * out_pixels(g) > dshift) dshift = rows * out_pixels(g);
    if (st->wgrad_by_channel) dyt = dlab_direct_dyt_floats(&st->wgrad, st->chunk);
  }
  for (int i = 0; i < n; i++) {
    ConvWork *w = &st->work[i];
    w->col = alloc_floats(col);
    w->gemm = alloc_floats(gemm);
    w->dshift = alloc_floats(dshift);
    w->dyt = alloc_floats(dyt);
    w->dw = malloc(OC * rows * sizeof *w->dw);
    w->db = malloc(OC * sizeof *w->db);
    if (!w->col || !w->gemm || !w->dshift || !w->dyt || !w->dw || !w->db) return -1;
  }
  return 0;
}

static size_t pooled_pixels(const ConvState *st) {
  return st->pool ? (size_t)(st->geom.out_h / st->pool) * (st->geom.out_w / st->pool) : 0;
}

static int conv_resize(DlabLayer *l, int batch) {
  ConvState *st = l->state;
  int threads = dlab_threads_get(), slices = threads > 1 ? threads * DLAB_CHUNKS_PER_THREAD : 1;
  if (alloc_work(st, slices) < 0)
    return dlab_error(_("layer %s (conv): out of memory for %d threads"), l->name, threads);
  if (st->direct && !st->dgrad_gemm && !st->flipped &&
      !(st->flipped = malloc((size_t)st->out_channels * col_rows(&st->geom) * sizeof *st->flipped)))
    return dlab_error(_("layer %s (conv): out of memory"), l->name);
  size_t need = (size_t)batch * st->out_channels * pooled_pixels(st);
  if (need > st->argmax_count) {
    int32_t *p = realloc(st->argmax, need * sizeof *p);
    if (!p) return dlab_error(_("layer %s (conv): out of memory for batch %d"), l->name, batch);
    st->argmax = p;
    st->argmax_count = need;
  }
  return 0;
}

/* ---- fusion ---- */

/* conv | act | maxpool, conv | maxpool | act, or a prefix of either. The
 * second order (DigitNet's) pools the raw planes and applies the activation
 * to the pooled values, as the layers on their own would: the same winners
 * and outputs bit for bit. Its backward is the first order's: the
 * gradient reaches the winner times act' of the group's output. */
static int conv_fuse(DlabLayer *l, DlabLayer *const *next, int n_next) {
  ConvState *st = l->state;
  st->act = (DlabAct){0, 0.0f};
  st->pool = 0;
  st->act_after_pool = 0;
  int k = 0;
  if (k < n_next && dlab_act_fusable(next[k], &st->act)) k++;
  if (k < n_next && dlab_maxpool_fusable(next[k], &st->pool)) k++;
  if (k == 1 && st->pool && k < n_next && dlab_act_fusable(next[k], &st->act)) {
    st->act_after_pool = 1;
    k++;
  }
  return k;
}

/* ---- one slice of the batch ---- */

typedef struct {
  DlabLayer *l;
  const float *x;   /* input batch */
  float *plane_out; /* forward: conv (+ activation) output, the pool's input */
  float *pool_out;  /* forward: pooled output, or NULL */
  const float *dy;  /* backward: gradient of the group's last output */
  const float *y;   /* backward: the group's last output (for act') */
  float *dx;        /* backward: input gradient, or NULL */
  DlabAct act;        /* forward: on the planes before pooling; backward: the group's */
  DlabAct pooled_act; /* forward: on the pooled values (act_after_pool) */
  float *pool_raw;    /* forward: the pooled values before pooled_act, or NULL */
  int pool;
  int scratch_planes; /* forward: the pool's input goes to a workspace, not plane_out */
  int batch, slices;
} ConvJob;

/* ---- the products with W ----
 *
 * On dlab_gemm (kernels/cpu/gemm.c) where the processor runs its tiles,
 * otherwise OpenBLAS (weight_t_on_gemm says where W^T dY stays on
 * OpenBLAS). */

/* out [OC, columns] = W [OC, rows] col [rows, columns] */
static void weight_times(const float *weight, int OC, int rows, const float *col, int columns, float *out) {
  if (dlab_gemm_available())
    dlab_gemm(OC, columns, rows, weight, rows, 1, col, columns, out, columns);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, columns, rows, 1.0f, weight, rows, col, columns,
                0.0f, out, columns);
}

/* out [rows, columns] = W^T dy, dy's rows `dy_row` floats apart */
static void weight_t_times(const float *weight, int OC, int rows, const float *dy, int dy_row, int columns,
                           float *out) {
  if (weight_t_on_gemm(OC))
    dlab_gemm(rows, columns, OC, weight, 1, rows, dy, dy_row, out, columns);
  else
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, rows, columns, OC, 1.0f, weight, rows, dy, dy_row, 0.0f,
                out, columns);
}

/* im2col of samples [b0, b0 + n) into w->col with n*P columns. */
static void im2col_chunk(const ConvState *st, const float *x, int b0, int n, float *col) {
  const DlabConvGeom *g = &st->geom;
  const int P = out_pixels(g);
  for (int i = 0; i < n; i++) dlab_cpu_im2col(g, x + (size_t)(b0 + i) * image_size(g), col + (size_t)i * P, n * P);
}

/* Max-pools one output plane (number `plane` of the batch) into the
 * group's output, then the activation that follows the pooling, if any
 * (keeping the pooled values before it where the caller asks). */
static void pool_plane(const ConvJob *j, const ConvState *st, const float *in, size_t plane) {
  const size_t pooled = pooled_pixels(st);
  float *out = j->pool_out + plane * pooled;
  dlab_cpu_maxpool_plane(in, st->geom.out_h, st->geom.out_w, j->pool, out, st->argmax + plane * pooled);
  if (!j->pooled_act.on) return;
  if (j->pool_raw) memcpy(j->pool_raw + plane * pooled, out, pooled * sizeof *out);
  dlab_cpu_bias_act(out, pooled, 0.0f, j->pooled_act, out);
}

/* Y' [OC, n*P] -> bias, activation, pooling, NCHW outputs of samples b0... */
static void forward_epilogue(const ConvJob *j, const ConvState *st, const float *gemm, int b0, int n) {
  const DlabConvGeom *g = &st->geom;
  const int OC = st->out_channels, P = out_pixels(g);
  const size_t ld = (size_t)n * P;
  const float *bias = has_bias(j->l) ? j->l->params[P_BIAS].value.data : NULL;
  for (int i = 0; i < n; i++)
    for (int oc = 0; oc < OC; oc++) {
      const size_t plane = (size_t)(b0 + i) * OC + oc;
      float *out = j->plane_out + plane * P;
      dlab_cpu_bias_act(gemm + oc * ld + (size_t)i * P, (size_t)P, bias ? bias[oc] : 0.0f, j->act, out);
      if (j->pool_out) pool_plane(j, st, out, plane);
    }
}

/* Pools sample b's planes, which the kernel wrote to `planes`. */
static void pool_sample(const ConvJob *j, const ConvState *st, const float *planes, int b) {
  const int OC = st->out_channels, P = out_pixels(&st->geom);
  for (int oc = 0; oc < OC; oc++) pool_plane(j, st, planes + (size_t)oc * P, (size_t)b * OC + oc);
}

static void forward_slice_direct(const ConvJob *j, const ConvState *st, ConvWork *w, int b_begin, int b_end) {
  const DlabLayer *l = j->l;
  const float *weight = l->params[P_WEIGHT].value.data;
  const float *bias = has_bias(l) ? l->params[P_BIAS].value.data : NULL;
  const int OC = st->out_channels, P = out_pixels(&st->geom);
  for (int b = b_begin; b < b_end; b++) {
    float *planes = j->scratch_planes ? w->gemm : j->plane_out + (size_t)b * OC * P;
    dlab_direct_shift(&st->fwd, j->x + (size_t)b * image_size(&st->geom), w->col);
    dlab_direct_forward(&st->fwd, weight, w->col, bias, j->act, planes);
    if (j->pool_out) pool_sample(j, st, planes, b);
  }
}

static void forward_slice(void *arg, size_t begin, size_t end) {
  const ConvJob *j = arg;
  const ConvState *st = j->l->state;
  if (st->direct) {
    for (size_t s = begin; s < end; s++) {
      int b_begin, b_end;
      dlab_slice_range(j->batch, j->slices, (int)s, &b_begin, &b_end);
      forward_slice_direct(j, st, &st->work[s], b_begin, b_end);
    }
    return;
  }
  const DlabConvGeom *g = &st->geom;
  const int OC = st->out_channels, rows = col_rows(g), P = out_pixels(g);
  const float *weight = j->l->params[P_WEIGHT].value.data;
  for (size_t s = begin; s < end; s++) {
    ConvWork *w = &st->work[s];
    int b_begin, b_end;
    dlab_slice_range(j->batch, j->slices, (int)s, &b_begin, &b_end);
    for (int b0 = b_begin; b0 < b_end; b0 += st->chunk) {
      const int n = b_end - b0 < st->chunk ? b_end - b0 : st->chunk, columns = n * P;
      im2col_chunk(st, j->x, b0, n, w->col);
      weight_times(weight, OC, rows, w->col, columns, w->gemm);
      forward_epilogue(j, st, w->gemm, b0, n);
    }
  }
}

/* dY' [OC, n*P] of samples b0... from the group's output gradient. */
static void build_dgemm(const ConvJob *j, const ConvState *st, int b0, int n, float *dgemm) {
  const int OC = st->out_channels, P = out_pixels(&st->geom);
  const size_t ld = (size_t)n * P, pooled = pooled_pixels(st);
  for (int i = 0; i < n; i++)
    for (int oc = 0; oc < OC; oc++) {
      const size_t plane = (size_t)(b0 + i) * OC + oc;
      float *to = dgemm + oc * ld + (size_t)i * P;
      if (j->pool == 2)
        dlab_cpu_unpool2_plane(j->dy + plane * pooled, j->y + plane * pooled, st->argmax + plane * pooled,
                               st->geom.out_h, st->geom.out_w, j->act, to, P);
      else if (j->pool)
        dlab_cpu_unpool_plane(j->dy + plane * pooled, j->y + plane * pooled, st->argmax + plane * pooled,
                              (int)pooled, j->act, to, P);
      else
        dlab_cpu_act_backward(j->dy + plane * P, j->y + plane * P, (size_t)P, j->act, to);
    }
}

/* dY of samples b0.. into rows of `stride` floats, zero past the pixels. */
static void build_dy_padded(const ConvJob *j, const ConvState *st, int b0, int n, float *to, int stride) {
  const int OC = st->out_channels, P = out_pixels(&st->geom);
  const size_t pooled = pooled_pixels(st);
  for (int i = 0; i < n; i++)
    for (int oc = 0; oc < OC; oc++) {
      const size_t plane = (size_t)(b0 + i) * OC + oc;
      float *row = to + ((size_t)i * OC + oc) * stride;
      if (j->pool == 2) {
        dlab_cpu_unpool2_plane(j->dy + plane * pooled, j->y + plane * pooled, st->argmax + plane * pooled,
                               st->geom.out_h, st->geom.out_w, j->act, row, stride);
      } else if (j->pool) {
        dlab_cpu_unpool_plane(j->dy + plane * pooled, j->y + plane * pooled, st->argmax + plane * pooled,
                              (int)pooled, j->act, row, stride);
      } else {
        dlab_cpu_act_backward(j->dy + plane * P, j->y + plane * P, (size_t)P, j->act, row);
        memset(row + P, 0, (size_t)(stride - P) * sizeof *row);
      }
    }
}

static void backward_slice_direct(const ConvJob *j, const ConvState *st, ConvWork *w, float *dw, int b_begin,
                                  int b_end) {
  const int OC = st->out_channels, stride = st->wgrad.out_stride;
  for (int b0 = b_begin; b0 < b_end; b0 += st->chunk) {
    const int n = b_end - b0 < st->chunk ? b_end - b0 : st->chunk;
    build_dy_padded(j, st, b0, n, w->gemm, stride);
    if (!j->l->input_grad_only) {
      for (int i = 0; i < n; i++)
        dlab_direct_shift(&st->fwd, j->x + (size_t)(b0 + i) * image_size(&st->geom),
                          w->col + (size_t)i * st->fwd.shift_stride);
      if (st->wgrad_by_channel)
        dlab_direct_weight_grad_by_channel(&st->wgrad, w->gemm, w->dyt, w->col, n, dw, b0 != b_begin);
      else
        dlab_direct_weight_grad(&st->wgrad, w->gemm, w->col, n, dw, b0 != b_begin);
      for (int i = 0; i < n; i++)
        for (int oc = 0; oc < OC; oc++)
          w->db[oc] += dlab_cpu_sum(w->gemm + ((size_t)i * OC + oc) * stride, (size_t)stride);
    }
    if (!j->dx) continue;
    for (int i = 0; i < n; i++) {
      const float *dy = w->gemm + (size_t)i * OC * stride;
      float *dx = j->dx + (size_t)(b0 + i) * image_size(&st->geom);
      if (st->dgrad_gemm) {
        const int rows = col_rows(&st->geom), P = out_pixels(&st->geom);
        weight_t_times(j->l->params[P_WEIGHT].value.data, OC, rows, dy, stride, P, w->dshift);
        dlab_cpu_col2im(&st->geom, w->dshift, P, dx);
      } else {
        dlab_direct_shift(&st->dgrad, dy, w->dshift);
        dlab_direct_forward(&st->dgrad, st->flipped, w->dshift, NULL, (DlabAct){0, 0.0f}, dx);
      }
    }
  }
}

static void backward_slice(void *arg, size_t begin, size_t end) {
  const ConvJob *j = arg;
  DlabLayer *l = j->l;
  const ConvState *st = l->state;
  if (st->direct) {
    for (size_t s = begin; s < end; s++) {
      ConvWork *w = &st->work[s];
      memset(w->db, 0, (size_t)st->out_channels * sizeof *w->db);
      int b_begin, b_end;
      dlab_slice_range(j->batch, j->slices, (int)s, &b_begin, &b_end);
      backward_slice_direct(j, st, w, s == 0 ? l->params[P_WEIGHT].grad.data : w->dw, b_begin, b_end);
    }
    return;
  }
  const DlabConvGeom *g = &st->geom;
  const int OC = st->out_channels, rows = col_rows(g), P = out_pixels(g);
  const float *weight = l->params[P_WEIGHT].value.data;
  for (size_t s = begin; s < end; s++) {
    ConvWork *w = &st->work[s];
    float *dw = s == 0 ? l->params[P_WEIGHT].grad.data : w->dw;
    memset(w->db, 0, (size_t)OC * sizeof *w->db);
    int b_begin, b_end;
    dlab_slice_range(j->batch, j->slices, (int)s, &b_begin, &b_end);
    for (int b0 = b_begin; b0 < b_end; b0 += st->chunk) {
      const int n = b_end - b0 < st->chunk ? b_end - b0 : st->chunk, columns = n * P;
      build_dgemm(j, st, b0, n, w->gemm);
      if (!l->input_grad_only) {
        im2col_chunk(st, j->x, b0, n, w->col);
        /* dW (+)= dY' col^T: the first chunk overwrites. */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, rows, columns, 1.0f, w->gemm, columns, w->col,
                    columns, b0 == b_begin ? 0.0f : 1.0f, dw, rows);
        for (int oc = 0; oc < OC; oc++) w->db[oc] += dlab_cpu_sum(w->gemm + (size_t)oc * columns, (size_t)columns);
      }
      if (!j->dx) continue;
      /* dcol = W^T dY', over col (already used). */
      weight_t_times(weight, OC, rows, w->gemm, columns, columns, w->col);
      for (int i = 0; i < n; i++)
        dlab_cpu_col2im(g, w->col + (size_t)i * P, columns, j->dx + (size_t)(b0 + i) * image_size(g));
    }
  }
}

/* ---- passes ---- */

static double forward_flops(const ConvState *st) {
  return 2.0 * st->out_channels * col_rows(&st->geom) * out_pixels(&st->geom);
}

static void run_forward(DlabLayer *l, const float *x, float *plane_out, float *pool_out, DlabAct act,
                        DlabAct pooled_act, float *pool_raw, int pool, int batch, int scratch_planes) {
  ConvState *st = l->state;
  ConvJob j = {.l = l, .x = x, .plane_out = plane_out, .pool_out = pool_out, .act = act,
               .pooled_act = pooled_act, .pool_raw = pool_raw, .pool = pool,
               .scratch_planes = scratch_planes && pool_out && st->direct, .batch = batch};
  j.slices = dlab_parallel_slices(batch, forward_flops(st), DLAB_MIN_SLICE_FLOPS, st->n_work);
  dlab_parallel_for((size_t)j.slices, 1, forward_slice, &j);
}

/* flipped[c][oc][ki][kj] = weight[oc][c][K-1-ki][K-1-kj]: the input
 * gradient's kernel. */
static void flip_kernel(DlabLayer *l) {
  ConvState *st = l->state;
  const int C = st->geom.channels, OC = st->out_channels, K = st->geom.kernel, KK = K * K;
  const float *w = l->params[P_WEIGHT].value.data;
  for (int oc = 0; oc < OC; oc++)
    for (int c = 0; c < C; c++)
      for (int t = 0; t < KK; t++)
        st->flipped[((size_t)c * OC + oc) * KK + (KK - 1 - t)] = w[((size_t)oc * C + c) * KK + t];
}

static void run_backward(DlabLayer *l, const float *x, const float *y, const float *dy, float *dx, DlabAct act,
                         int pool, int batch) {
  ConvState *st = l->state;
  if (st->direct && !st->dgrad_gemm && dx) flip_kernel(l);
  ConvJob j = {.l = l, .x = x, .y = y, .dy = dy, .dx = dx, .act = act, .pool = pool, .batch = batch};
  /* One slice per thread: each slice sums its own weight-gradient partial,
   * whose reductions and final addition cost more the more slices there
   * are (and the direct kernel's passes get shorter). */
  const int most = st->n_work < dlab_threads_get() ? st->n_work : dlab_threads_get();
  j.slices = dlab_parallel_slices(batch, 3 * forward_flops(st), DLAB_MIN_SLICE_FLOPS, most);
  dlab_parallel_for((size_t)j.slices, 1, backward_slice, &j);
  if (l->input_grad_only) return;
  /* Sum the partials in slice order. */
  const int OC = st->out_channels;
  const size_t n_w = (size_t)OC * col_rows(&st->geom);
  float *dw = l->params[P_WEIGHT].grad.data;
  for (int s = 1; s < j.slices; s++)
    for (size_t i = 0; i < n_w; i++) dw[i] += st->work[s].dw[i];
  if (has_bias(l)) {
    float *db = l->params[P_BIAS].grad.data;
    for (int oc = 0; oc < OC; oc++) {
      double sum = 0;
      for (int s = 0; s < j.slices; s++) sum += st->work[s].db[oc];
      db[oc] = (float)sum;
    }
  }
}

static const DlabAct no_act = {0, 0.0f};

static void conv_forward(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training) {
  (void)training;
  run_forward(l, x->data, y->data, NULL, no_act, no_act, NULL, 0, x->shape[0], 0);
}

static void conv_backward(DlabLayer *l, const DlabTensor *x, const DlabTensor *y, const DlabTensor *dy,
                          DlabTensor *dx) {
  run_backward(l, x->data, y->data, dy->data, dx ? dx->data : NULL, no_act, 0, x->shape[0]);
}

/* conv | act | maxpool: acts[1] the conv output (not written), acts[2]
 * the activation's output (the pool's input), acts[3] the pooled output.
 * conv | maxpool | act: acts[1] the conv output (the pool's input),
 * acts[2] the pooled values, acts[3] the activation's output. The pool's
 * input, and in the second order its output, are written only where they
 * are kept: in training, unless l->keep_pool_input, the direct path pools
 * from a workspace. acts[last + 1] is always written. */
static void conv_forward_group(DlabLayer *l, DlabTensor *acts, int training) {
  const ConvState *st = l->state;
  const int last = l->fused, before_pool = st->act.on && !st->act_after_pool;
  const int keep = !training || l->keep_pool_input;
  const int plane = before_pool ? 2 : 1;
  float *pool_raw = st->act_after_pool && keep ? acts[2].data : NULL;
  run_forward(l, acts[0].data, acts[plane].data, st->pool ? acts[last + 1].data : NULL,
              before_pool ? st->act : no_act, st->act_after_pool ? st->act : no_act, pool_raw, st->pool,
              acts[0].shape[0], !keep);
}

static void conv_backward_group(DlabLayer *l, const DlabTensor *acts, const DlabTensor *dy, DlabTensor *dx) {
  const ConvState *st = l->state;
  run_backward(l, acts[0].data, acts[l->fused + 1].data, dy->data, dx ? dx->data : NULL, st->act, st->pool,
               acts[0].shape[0]);
}

static void conv_destroy(DlabLayer *l) {
  ConvState *st = l->state;
  if (!st) return;
  free_work(st);
  free(st->argmax);
  free(st->flipped);
  free(st);
  l->state = NULL;
}

const DlabLayerOps dlab_conv2d_ops = {
    .keyword = "conv",
    .setup = conv_setup,
    .reset = conv_reset,
    .resize = conv_resize,
    .forward = conv_forward,
    .backward = conv_backward,
    .destroy = conv_destroy,
    .fuse = conv_fuse,
    .forward_group = conv_forward_group,
    .backward_group = conv_backward_group,
};
