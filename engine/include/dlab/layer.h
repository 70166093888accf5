/* Layers: a small vtable per kind, one source file per kind in src/nn/.
 *
 * Shapes are per sample: a feature vector {ndim 1, d = {F}} or an image
 * {ndim 3, d = {C, H, W}}. Batch tensors are NCHW (or N x F).
 *
 * Life of a layer: created by the spec parser from its keyword and arguments
 * (`conv 32 3 pad 1`), then setup() checks the input shape, computes the
 * output shape and allocates the parameters; reset() applies PyTorch's
 * default initialization; resize() sizes the workspaces for a batch size;
 * forward()/backward() then run without allocating. */
#ifndef DLAB_LAYER_H
#define DLAB_LAYER_H

#include <stdint.h>

#include "dlab/rng.h"
#include "dlab/tensor.h"

typedef struct {
  int ndim; /* 1 (features) or 3 (C, H, W) */
  int d[3];
} DlabShape;

/* Limits on sizes, checked once when a model is built (from a spec, an
 * --input or a checkpoint), so that every size derived from them fits in
 * an int and no product of sizes overflows later:
 *   an image input: at most 4096 channels, sides of at most 4096 pixels,
 *     and C*H*W at most 16 M values (a 4096x4096 picture);
 *   a flat input and every layer's output: at most 16 M values per sample;
 *   all the outputs of one sample together: at most 256 M values (1 GiB);
 *   a parameter tensor: at most 2^31 - 1 values (8 GiB of floats). */
#define DLAB_SHAPE_MAX_CHANNELS 4096
#define DLAB_SHAPE_MAX_SIDE 4096
#define DLAB_SHAPE_MAX_NUMEL (1 << 24)
#define DLAB_MODEL_MAX_ACTIVATIONS (1 << 28)
#define DLAB_PARAM_MAX_NUMEL INT32_MAX

/* What setup() allocates (the model sets it on each layer before setup):
 * everything for training, the values alone for inference (no gradient:
 * backward must not run), or nothing at all, to learn the shapes and the
 * parameter counts of a network cheaply (params then have their shapes
 * and numel, but no data). */
typedef enum { DLAB_BUILD_TRAIN = 0, DLAB_BUILD_INFERENCE, DLAB_BUILD_SHAPES } DlabBuild;

/* A learnable parameter or a buffer, under its PyTorch state_dict name. */
typedef struct {
  char name[64];    /* "conv1.weight", "0.bias", "bn1.running_mean" */
  DlabTensor value;
  DlabTensor grad;  /* same shape as value; empty for buffers */
  int trainable;    /* 0 for buffers: running stats, num_batches_tracked */
  int is_int64;     /* stored as I64 in checkpoints (num_batches_tracked) */
} DlabParam;

#define DLAB_MAX_LAYER_ARGS 8
#define DLAB_MAX_LAYER_PARAMS 5

typedef struct DlabLayer DlabLayer;

typedef struct {
  const char *keyword; /* spec keyword: "conv", "linear", "lrelu", ... */
  /* Checks `in`, computes l->out_shape, allocates l->params (names from
   * l->name). Returns 0, or -1 with a message naming the layer. */
  int (*setup)(DlabLayer *l, DlabShape in);
  /* PyTorch's default initialization (kaiming-uniform a=sqrt(5), bias
   * U(-1/sqrt(fan_in), 1/sqrt(fan_in)); BatchNorm gamma 1, beta 0). */
  void (*reset)(DlabLayer *l, DlabRng *rng);
  /* Sizes private workspaces for `batch` samples. May be NULL. */
  int (*resize)(DlabLayer *l, int batch);
  /* y = f(x). x and y are batch tensors already shaped by the model. */
  void (*forward)(DlabLayer *l, const DlabTensor *x, DlabTensor *y, int training);
  /* Given dy, writes the parameter gradients (overwriting, not
   * accumulating; not when l->input_grad_only) and, when dx is not NULL,
   * the input gradient.
   * x and y are the tensors of the last forward(). */
  void (*backward)(DlabLayer *l, const DlabTensor *x, const DlabTensor *y,
                   const DlabTensor *dy, DlabTensor *dx);
  /* Frees l->state (params are freed by dlab_layer_destroy). May be NULL. */
  void (*destroy)(DlabLayer *l);
  /* Nonzero for a layer whose output holds its input's values in the same
   * order (flatten): in a model, the output and its gradient share the
   * input's buffers and neither pass is called (a copy each way, mlp's
   * whole input batch, cost 2% of its step). forward()/backward() still
   * work on their own, and with x and y sharing a buffer. */
  int shares_input;

  /* Optional layer fusion, for speed (all three NULL: none). After setup,
   * the model offers each layer the n_next layers that follow it; fuse()
   * returns how many of them (0..n_next) this layer will compute itself
   * (n_next 0 undoes a fusion), and stores that count in l->fused. The
   * model then calls the group passes instead of the members' own:
   *   forward_group: acts[0] is the group's input, acts[k] the output of
   *     its k-th layer (k = 1 .. fused + 1), all shaped. It writes the last
   *     output and the input of every absorbed pooling or dropout layer
   *     (a pooling layer's input not in training, unless
   *     l->keep_pool_input; then also the pooling's output where an
   *     activation follows it); the other intermediate outputs are left as
   *     they were.
   *   backward_group: dy is the gradient of the group's last output; it
   *     writes every parameter gradient and, when dx is not NULL, the
   *     gradient of acts[0]. The members' own gradients are not written.
   * forward()/backward() keep working for each layer on its own. */
  int (*fuse)(DlabLayer *l, DlabLayer *const *next, int n_next);
  void (*forward_group)(DlabLayer *l, DlabTensor *acts, int training);
  void (*backward_group)(DlabLayer *l, const DlabTensor *acts, const DlabTensor *dy, DlabTensor *dx);
} DlabLayerOps;

struct DlabLayer {
  const DlabLayerOps *ops;
  char name[48];               /* state_dict prefix: "conv1" or "3" */
  float args[DLAB_MAX_LAYER_ARGS]; /* parsed spec arguments, see spec.c */
  DlabShape in_shape, out_shape;
  DlabParam params[DLAB_MAX_LAYER_PARAMS];
  int n_params;
  int batch;                   /* batch size the workspaces hold */
  uint64_t seed;               /* for layers that draw (dropout) */
  void *state;                 /* private to the kind */
  int fused;                   /* layers after this one that it computes (see fuse) */
  DlabBuild build;             /* what setup() allocates */
  /* backward writes the input gradient alone, no parameter gradient
   * (convolution and linear layers skip their weight and bias products):
   * the saliency's pass (dlab_inside), which wants d output / d input.
   * 0, and so untouched, for every model that trains. */
  int input_grad_only;
  /* In training, a fused convolution pools each sample's output straight
   * from a workspace and leaves its pooling layer's input unwritten: the
   * backward pass needs only the winners, and a batch of pre-pool planes
   * written to memory cost LeNet's epoch 8%. Set to have it written (the
   * parity driver reads it to find the winners). 0 for every model that
   * trains. */
  int keep_pool_input;
};

/* The vtables, one per kind (src/nn/<kind>.c). */
extern const DlabLayerOps dlab_linear_ops;
extern const DlabLayerOps dlab_conv2d_ops;
extern const DlabLayerOps dlab_maxpool2d_ops;
extern const DlabLayerOps dlab_avgpool2d_ops;
extern const DlabLayerOps dlab_relu_ops;
extern const DlabLayerOps dlab_leaky_relu_ops;
extern const DlabLayerOps dlab_gelu_ops;
extern const DlabLayerOps dlab_sigmoid_ops;
extern const DlabLayerOps dlab_tanh_ops;
extern const DlabLayerOps dlab_batchnorm1d_ops;
extern const DlabLayerOps dlab_batchnorm2d_ops;
extern const DlabLayerOps dlab_dropout_ops;
extern const DlabLayerOps dlab_flatten_ops;

/* A dropout layer's masks for `epoch` (1-based) come from that epoch's own
 * stream: the training loop calls it before each epoch, so a resumed run
 * draws the masks of an uninterrupted one. */
void dlab_dropout_begin_epoch(DlabLayer *l, int epoch);

/* Adds a parameter "<l->name>.<suffix>" of the given shape to l (zeroed;
 * with a gradient when trainable and l->build is DLAB_BUILD_TRAIN; with
 * no data at all for DLAB_BUILD_SHAPES). Refuses a tensor of more than
 * DLAB_PARAM_MAX_NUMEL values. Returns a pointer to it, or NULL. */
DlabParam *dlab_layer_add_param(DlabLayer *l, const char *suffix, int trainable,
                                int ndim, const int *shape);

/* Frees parameters, state and the layer itself. */
void dlab_layer_destroy(DlabLayer *l);

/* The number of values per sample, in 64 bits (saturating at INT64_MAX;
 * -1 for a negative dimension). */
int64_t dlab_shape_numel(DlabShape s);
/* "1x28x28" or "120" into buf; returns buf. */
const char *dlab_shape_str(DlabShape s, char *buf, int n);

/* Checks an input shape against the limits above: 0, or -1 with a message
 * naming the shape and the limit. */
int dlab_shape_check_input(DlabShape s);

/* Checks a layer's output shape: 0, or -1 with a message naming the layer. */
int dlab_layer_check_output(const DlabLayer *l, DlabShape out);

/* Checks that a parameter "<l->name>.<suffix>" of this shape stays within
 * DLAB_PARAM_MAX_NUMEL: 0, or -1 with a message naming the layer. */
int dlab_layer_check_param(const DlabLayer *l, const char *suffix, int ndim, const int *shape);

/* Parses "CxHxW" (an image) or "F" (flat features), each a decimal whole
 * number, and checks it with dlab_shape_check_input. -1 with a message. */
int dlab_shape_parse(const char *text, DlabShape *s);

#endif
