/* Finite-difference checks for linear, conv, maxpool and avgpool: every
 * input and parameter gradient of the analytic backward pass against
 * central differences of the forward pass (see gradcheck.h).
 *
 * Linear, conv and average pooling are linear in each input and parameter,
 * so a large step only costs float rounding. Max pooling is piecewise
 * linear: a difference across a change of winner is meaningless, so its
 * inputs come from a seed whose windows have no near-ties (checked here). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/layer.h"
#include "dlab/threads.h"
#include "gradcheck.h"
#include "test_util.h"

#define TOL 1e-2
#define STEP_LINEAR 1e-2 /* for layers linear in what is perturbed */
#define STEP_MAX 1e-3    /* for max pooling */

static DlabShape image(int c, int h, int w) { return (DlabShape){3, {c, h, w}}; }
static DlabShape flat(int f) { return (DlabShape){1, {f, 0, 0}}; }

static void run(const DlabLayerOps *ops, const float *args, int n_args, DlabShape in, int batch,
                double step, unsigned long seed, const char *what) {
  DlabLayer *l = gradcheck_new_layer(ops, "t", args, n_args);
  GradcheckReport rep;
  int rc = gradcheck_layer(l, in, batch, 1, step, TOL, seed, &rep);
  if (rc < 0)
    tap_ok(0, "%s: setup failed: %s", what, dlab_error_message());
  else
    tap_ok(rc == 0, "%s: worst relative error %.2e (%s[%d])", what, rep.max_rel_err, rep.where, rep.index);
  dlab_layer_destroy(l);
}

static void check_linear(void) {
  run(&dlab_linear_ops, (float[]){5, 1}, 2, flat(7), 3, STEP_LINEAR, 1, "linear 7->5 with bias, batch 3");
  run(&dlab_linear_ops, (float[]){4, 0}, 2, flat(12), 2, STEP_LINEAR, 2, "linear 12->4 without bias, batch 2");
  run(&dlab_linear_ops, (float[]){3, 1}, 2, flat(9), 1, STEP_LINEAR, 3, "linear 9->3, batch 1");
}

/* args: out_channels, kernel, stride, padding, bias */
static void check_conv(void) {
  run(&dlab_conv2d_ops, (float[]){4, 3, 1, 1, 1}, 5, image(3, 6, 6), 2, STEP_LINEAR, 11,
      "conv 3->4 k3 s1 p1, 6x6, batch 2");
  run(&dlab_conv2d_ops, (float[]){3, 3, 2, 0, 1}, 5, image(2, 7, 7), 3, STEP_LINEAR, 12,
      "conv 2->3 k3 s2 p0, 7x7, batch 3");
  run(&dlab_conv2d_ops, (float[]){3, 5, 1, 2, 1}, 5, image(2, 8, 8), 2, STEP_LINEAR, 13,
      "conv 2->3 k5 s1 p2, 8x8, batch 2");
  run(&dlab_conv2d_ops, (float[]){2, 1, 1, 0, 1}, 5, image(4, 5, 5), 3, STEP_LINEAR, 14,
      "conv 4->2 k1 s1 p0, 5x5, batch 3");
  run(&dlab_conv2d_ops, (float[]){2, 5, 2, 2, 0}, 5, image(3, 9, 9), 2, STEP_LINEAR, 15,
      "conv 3->2 k5 s2 p2 without bias, 9x9, batch 2");
  run(&dlab_conv2d_ops, (float[]){3, 3, 2, 1, 1}, 5, image(2, 7, 5), 3, STEP_LINEAR, 16,
      "conv 2->3 k3 s2 p1, 7x5 (not square), batch 3");
  run(&dlab_conv2d_ops, (float[]){3, 3, 1, 1, 1}, 5, image(1, 5, 5), 1, STEP_LINEAR, 17,
      "conv 1->3 k3 s1 p1, 5x5, batch 1");
  /* Unpadded 5x5 kernels on small images: the input gradient's convolution
   * runs over dY padded by 4 rows, and the direct kernel skips the kernel
   * rows that read only padding (direct_body.h); one with padding 1 and one
   * not square. */
  run(&dlab_conv2d_ops, (float[]){4, 5, 1, 0, 1}, 5, image(3, 9, 9), 3, STEP_LINEAR, 18,
      "conv 3->4 k5 s1 p0, 9x9, batch 3");
  run(&dlab_conv2d_ops, (float[]){4, 5, 1, 1, 1}, 5, image(3, 9, 9), 2, STEP_LINEAR, 19,
      "conv 3->4 k5 s1 p1, 9x9, batch 2");
  run(&dlab_conv2d_ops, (float[]){3, 5, 1, 0, 0}, 5, image(2, 11, 8), 2, STEP_LINEAR, 20,
      "conv 2->3 k5 s1 p0 without bias, 11x8 (not square), batch 2");
  /* 32 output channels or more: the input gradient's W^T dY runs on
   * dlab_gemm where the processor has AVX-512 (conv2d.c's weight_t_times),
   * after the direct kernels (unpadded 5x5) and through im2col (stride 2). */
  run(&dlab_conv2d_ops, (float[]){33, 5, 1, 0, 1}, 5, image(2, 9, 9), 2, STEP_LINEAR, 21,
      "conv 2->33 k5 s1 p0, 9x9, batch 2");
  run(&dlab_conv2d_ops, (float[]){32, 3, 2, 1, 1}, 5, image(3, 7, 7), 2, STEP_LINEAR, 22,
      "conv 3->32 k3 s2 p1, 7x7, batch 2");
}

/* gradcheck_layer draws the input right after seeding (pooling layers have
 * no reset), so the same draw here tells whether a seed gives windows whose
 * two largest real values are at least `gap` apart. */
static int seed_has_no_near_ties(DlabShape in, int batch, int k, int s, int p, unsigned long seed,
                                 double gap) {
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  const int C = in.d[0], H = in.d[1], W = in.d[2];
  const int OH = (H + 2 * p - k) / s + 1, OW = (W + 2 * p - k) / s + 1;
  float x[4096];
  int n = batch * C * H * W;
  if (n > 4096) return 0;
  for (int i = 0; i < n; i++) x[i] = dlab_rng_range(&rng, -1, 1);
  for (int plane = 0; plane < batch * C; plane++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        float first = -INFINITY, second = -INFINITY;
        for (int h = oh * s - p; h < oh * s - p + k; h++)
          for (int w = ow * s - p; w < ow * s - p + k; w++) {
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            float v = x[(plane * H + h) * W + w];
            if (v > first) second = first, first = v;
            else if (v > second) second = v;
          }
        if (first - second < gap) return 0;
      }
  return 1;
}

static void run_maxpool(int k, int s, int p, DlabShape in, int batch, const char *what) {
  unsigned long seed = 100;
  while (seed < 10100 && !seed_has_no_near_ties(in, batch, k, s, p, seed, 4 * STEP_MAX)) seed++;
  if (seed == 10100) {
    tap_ok(0, "%s: no seed without near-ties found", what);
    return;
  }
  char label[160];
  snprintf(label, sizeof label, "%s (seed %lu)", what, seed);
  run(&dlab_maxpool2d_ops, (float[]){(float)k, (float)s, (float)p}, 3, in, batch, STEP_MAX, seed, label);
}

/* args: kernel, stride, padding */
static void check_pools(void) {
  run_maxpool(2, 2, 0, image(2, 6, 6), 2, "maxpool k2 s2, 6x6, batch 2");
  run_maxpool(3, 2, 1, image(2, 7, 7), 2, "maxpool k3 s2 p1, 7x7, batch 2");
  run_maxpool(3, 1, 1, image(1, 5, 5), 2, "maxpool k3 s1 p1 (overlapping), 5x5, batch 2");
  run_maxpool(2, 1, 1, image(2, 4, 5), 3, "maxpool k2 s1 p1, 4x5, batch 3");
  run(&dlab_avgpool2d_ops, (float[]){2, 2, 0}, 3, image(2, 6, 6), 2, STEP_LINEAR, 21,
      "avgpool k2 s2, 6x6, batch 2");
  run(&dlab_avgpool2d_ops, (float[]){3, 2, 1}, 3, image(2, 7, 7), 2, STEP_LINEAR, 22,
      "avgpool k3 s2 p1, 7x7, batch 2");
  run(&dlab_avgpool2d_ops, (float[]){3, 1, 1}, 3, image(3, 5, 4), 3, STEP_LINEAR, 23,
      "avgpool k3 s1 p1 (overlapping), 5x4, batch 3");
}

int main(void) {
  /* Two threads so the per-sample and per-plane loops really split. */
  if (dlab_threads_set(2) < 0) tap_ok(0, "threads: %s", dlab_error_message());
  check_linear();
  check_conv();
  check_pools();
  dlab_threads_shutdown();
  return tap_done();
}
