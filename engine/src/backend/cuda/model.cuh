/* The GPU mirror of a model, as the .cu files of the CUDA backend see it:
 * the layers regrouped for the GPU, their buffers, and the calls that queue
 * a forward pass, the loss, a backward pass and an optimizer step on the
 * model's stream. Not public API (cuda_model.h is). */
#ifndef DLAB_CUDA_MODEL_CUH
#define DLAB_CUDA_MODEL_CUH

#include "cuda_common.cuh"
#include "kernels.cuh"

/* A GPU layer: one layer of the host model, or a conv/linear with the
 * activation (and, for a conv, the max pooling) after it, computed in one
 * pass over its output as the CPU's fusion does. */
typedef enum {
  GL_LINEAR,
  GL_CONV,
  GL_MAXPOOL,
  GL_AVGPOOL,
  GL_ACT,
  GL_BN,
  GL_DROPOUT,
  GL_FLATTEN,
} GLayerKind;

typedef struct {
  GLayerKind kind;
  int first, span;         /* the host layers [first, first + span) */
  int in, out;             /* activation indices of its input and output */
  size_t in_size, out_size; /* floats per sample */
  int need_dx;             /* an earlier layer learns: the input gradient is needed */
  /* linear and conv */
  float *w, *b, *dw, *db;  /* b, db NULL without bias */
  int in_f, out_f;         /* linear */
  DlabConvGeom2 conv;      /* conv */
  int chunk;               /* conv: samples per im2col product */
  int act;                 /* absorbed (linear, conv) or own (GL_ACT) activation */
  float slope;
  int pool;                /* conv: absorbed max pooling kernel, 0 for none */
  int32_t *arg;            /* max pooling winners (GL_MAXPOOL, pooled conv) */
  DlabPoolGeom pg;         /* GL_MAXPOOL, GL_AVGPOOL */
  DlabBnArgs bn;           /* GL_BN */
  float *dgamma, *dbeta;
  int trained;             /* GL_BN: the last forward used batch statistics */
  long batches;            /* GL_BN: training forwards since the upload */
  float p;                 /* GL_DROPOUT */
  float *mask;
  int mask_given, masked;
  uint64_t seed;
} GLayer;

/* A host parameter or buffer and where it lives on the GPU. */
typedef struct {
  char name[64];
  size_t numel;
  float *value;   /* device; NULL for a batch counter */
  float *grad;    /* device; trainable parameters only */
  size_t offset;  /* trainable: position in the flat buffers */
  int trainable;
  GLayer *counter; /* num_batches_tracked: the BatchNorm that counts */
  double count_base; /* its value at upload */
} GParam;

struct DlabCudaModel {
  DlabCudaCtx ctx;
  int max_batch, classes;
  GLayer *layers;
  int n_layers;
  int n_acts;           /* activations: the input, then each GPU layer's output */
  float **acts, **grads;
  size_t *act_size;     /* floats per sample of each activation */
  float *col, *gemm, *ones;
  /* every trainable parameter in one flat buffer (state_dict order), with
   * its gradients and the optimizer's state beside it: one kernel updates
   * them all */
  float *flat, *flat_grad, *state0, *state1;
  size_t flat_len;
  GParam *params;
  int n_params;
  uint8_t *labels;      /* the input batch's labels */
  int *pos;             /* the step within the epoch (indexes sched, stats) */
  unsigned long long *iter; /* training steps ever (dropout's stream) */
  int *epoch;           /* for the augmentation's generators */
  DlabCudaScalars *sched;
  long sched_len;
  DlabCudaStepStats *stats_host, *stats_dev; /* mapped host memory */
  long stats_len;
  double *acc_loss;     /* evaluation sums */
  unsigned long long *acc_correct;
  int *confusion;
  int has_optimizer;
  DlabOptimConfig optim;
  long optim_steps;
  void **allocs;        /* every cudaMalloc, for free */
  int n_allocs, cap_allocs;
};

/* cudaMalloc recorded in g (freed with it). */
int dlab_gm_alloc(DlabCudaModel *g, void **p, size_t bytes, const char *what);

/* Queue on g->ctx.stream. Each returns 0 or -1 with a message (a cuBLAS
 * call or a launch failed). */
int dlab_gm_forward(DlabCudaModel *g, int n, int training);
/* Loss of the last forward against g->labels; dlogits into the last
 * gradient when `backward`; stats[*pos] and the evaluation sums as given. */
int dlab_gm_loss(DlabCudaModel *g, int n, float smoothing, int backward, DlabCudaStepStats *stats,
                 int eval_sums, int confusion);
int dlab_gm_backward(DlabCudaModel *g, int n);
/* The optimizer with the scalars g->sched[*g->pos]. */
int dlab_gm_optimizer(DlabCudaModel *g);

/* Host-side bookkeeping of one training step: the optimizer's count and the
 * BatchNorm batch counts. */
void dlab_gm_count_step(DlabCudaModel *g);

/* Grows the per-step tables to hold `len` steps. */
int dlab_gm_reserve_steps(DlabCudaModel *g, long len);

#endif
