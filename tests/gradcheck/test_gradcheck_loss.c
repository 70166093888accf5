/* Softmax cross-entropy (loss.h) against a double-precision reference
 * written here from nn.CrossEntropyLoss's documentation:
 *
 *   q = (1 - s) onehot(y) + s / K         (label smoothing s)
 *   loss_b = -sum_k q_k log softmax(z_b)_k = lse(z_b) - sum_k q_k z_bk
 *   loss = mean over the batch
 *
 * For several batch sizes, class counts and smoothings it checks the loss
 * value, the count of correct predictions, and d loss / d logits three ways:
 * against the closed form (p - q) / N, against central differences of the
 * reference loss in double, and against central differences of the engine's
 * own loss (forward and backward agree). Extreme logits must stay finite.
 * Rows labelled DLAB_LABEL_NONE (a drawing of no class) aim at q = 1/K for
 * every class and count in no accuracy. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/rng.h"
#include "nn/loss.h"
#include "test_util.h"

/* log sum exp of K doubles, around the maximum so that nothing overflows. */
static double lse(const double *z, int K) {
  double max = z[0];
  for (int k = 1; k < K; k++) max = fmax(max, z[k]);
  double sum = 0;
  for (int k = 0; k < K; k++) sum += exp(z[k] - max);
  return max + log(sum);
}

static double target(int k, int label, int K, double s) {
  if (label >= K) return 1.0 / K;
  return (k == label ? 1 - s : 0) + s / K;
}

/* Mean smoothed cross-entropy of N x K double logits. */
static double reference_loss(const double *z, const uint8_t *labels, int N, int K, double s) {
  double total = 0;
  for (int b = 0; b < N; b++) {
    const double *row = z + (size_t)b * K;
    double qz = 0;
    for (int k = 0; k < K; k++) qz += target(k, labels[b], K, s) * row[k];
    total += lse(row, K) - qz;
  }
  return total / N;
}

static int reference_correct(const double *z, const uint8_t *labels, int N, int K, int *scored) {
  int correct = 0;
  *scored = 0;
  for (int b = 0; b < N; b++) {
    if (labels[b] >= K) continue;
    ++*scored;
    int best = 0;
    for (int k = 1; k < K; k++)
      if (z[(size_t)b * K + k] > z[(size_t)b * K + best]) best = k;
    correct += best == labels[b];
  }
  return correct;
}

typedef struct {
  int N, K;
  float smoothing;
  float spread; /* logits uniform in [-spread, spread] */
  uint64_t seed;
  int none_every; /* every n-th row is of no class (0: none) */
} Case;

#define MAX_N 64
#define MAX_K 47

static void check_case(const Case *c) {
  const int N = c->N, K = c->K, n = N * K;
  const double s = c->smoothing;
  char what[96];
  snprintf(what, sizeof what, "N %d, K %d, smoothing %.1f%s", N, K, s, c->none_every ? ", rows of no class" : "");

  DlabTensor logits, dlogits;
  dlab_tensor_init2(&logits, N, K);
  dlab_tensor_init2(&dlogits, N, K);
  static double z[MAX_N * MAX_K];
  uint8_t labels[MAX_N];
  DlabRng rng;
  dlab_rng_seed(&rng, c->seed);
  for (int i = 0; i < n; i++) z[i] = logits.data[i] = dlab_rng_range(&rng, -c->spread, c->spread);
  /* Half the rows labelled with their argmax, so `correct` counts both ways. */
  for (int b = 0; b < N; b++) labels[b] = (uint8_t)dlab_rng_below(&rng, (uint32_t)K);
  for (int b = 0; b < N; b += 2)
    for (int k = 0; k < K; k++)
      if (z[b * K + k] > z[b * K + labels[b]]) labels[b] = (uint8_t)k;
  for (int b = 0; c->none_every && b < N; b += c->none_every) labels[b] = DLAB_LABEL_NONE;

  DlabLossResult r = dlab_cross_entropy(&logits, labels, c->smoothing, &dlogits);
  const double want = reference_loss(z, labels, N, K, s);
  tap_ok(fabs(r.loss - want) <= 1e-6 * fmax(1, fabs(want)), "%s: loss %.9f, reference %.9f", what,
         r.loss, want);
  int want_scored;
  const int want_correct = reference_correct(z, labels, N, K, &want_scored);
  tap_ok(r.correct == want_correct && r.scored == want_scored, "%s: correct %d of %d, reference %d of %d",
         what, r.correct, r.scored, want_correct, want_scored);
  DlabLossResult no_grad = dlab_cross_entropy(&logits, labels, c->smoothing, NULL);
  tap_ok(no_grad.loss == r.loss && no_grad.correct == r.correct,
         "%s: the same result without a gradient", what);

  /* Every gradient element is at most 1/N in size: errors are scaled by N. */
  double worst_closed = 0, worst_ref_fd = 0, worst_own_fd = 0;
  for (int b = 0; b < N; b++)
    for (int k = 0; k < K; k++) {
      const int i = b * K + k;
      const double *row = z + (size_t)b * K;
      const double p = exp(row[k] - lse(row, K));
      const double closed = (p - target(k, labels[b], K, s)) / N;
      worst_closed = fmax(worst_closed, fabs(dlogits.data[i] - closed) * N);

      /* Central differences of the double reference: step 1e-5 leaves
       * truncation (~1e-10) and rounding (~1e-11) far below the check. */
      const double hd = 1e-5, saved = z[i];
      z[i] = saved + hd;
      double plus = reference_loss(z, labels, N, K, s);
      z[i] = saved - hd;
      double minus = reference_loss(z, labels, N, K, s);
      z[i] = saved;
      worst_ref_fd = fmax(worst_ref_fd, fabs(dlogits.data[i] - (plus - minus) / (2 * hd)) * N);

      /* Central differences of the engine's loss over float logits; the
       * step actually taken is what the float sums hold. */
      const float fsaved = logits.data[i];
      logits.data[i] = fsaved + 1e-2f;
      const double up = logits.data[i];
      plus = dlab_cross_entropy(&logits, labels, c->smoothing, NULL).loss;
      logits.data[i] = fsaved - 1e-2f;
      const double down = logits.data[i];
      minus = dlab_cross_entropy(&logits, labels, c->smoothing, NULL).loss;
      logits.data[i] = fsaved;
      worst_own_fd = fmax(worst_own_fd, fabs(dlogits.data[i] - (plus - minus) / (up - down)) * N);
    }
  tap_ok(worst_closed < 1e-6, "%s: dlogits = (p - q) / N, worst error x N %.1e", what, worst_closed);
  tap_ok(worst_ref_fd < 1e-6, "%s: dlogits vs differences of the double loss, worst error x N %.1e",
         what, worst_ref_fd);
  tap_ok(worst_own_fd < 1e-4, "%s: dlogits vs differences of the engine's loss, worst error x N %.1e",
         what, worst_own_fd);
  dlab_tensor_free(&logits);
  dlab_tensor_free(&dlogits);
}

/* Logits far beyond exp's float and double range: a confident right row, a
 * confident wrong row and a row of equal values. */
static void check_extremes(float smoothing) {
  enum { N = 3, K = 4 };
  const float rows[N][K] = {{1000, -1000, 0, 5}, {-800, 900, 899, 0}, {60, 60, 60, 60}};
  const uint8_t labels[N] = {0, 2, 1};
  DlabTensor logits, dlogits;
  dlab_tensor_init2(&logits, N, K);
  dlab_tensor_init2(&dlogits, N, K);
  double z[N * K];
  for (int i = 0; i < N * K; i++) z[i] = logits.data[i] = rows[i / K][i % K];
  DlabLossResult r = dlab_cross_entropy(&logits, labels, smoothing, &dlogits);
  const double want = reference_loss(z, labels, N, K, smoothing);
  int finite = isfinite(r.loss);
  double worst = 0;
  for (int i = 0; i < N * K; i++) {
    finite &= isfinite(dlogits.data[i]);
    const double *row = z + (size_t)(i / K) * K;
    const double closed = (exp(z[i] - lse(row, K)) - target(i % K, labels[i / K], K, smoothing)) / N;
    worst = fmax(worst, fabs(dlogits.data[i] - closed) * N);
  }
  tap_ok(finite && fabs(r.loss - want) <= 1e-6 * fmax(1, fabs(want)) && worst < 1e-6,
         "extreme logits, smoothing %.1f: loss %.6f (reference %.6f), gradient error x N %.1e%s",
         (double)smoothing, r.loss, want, worst, finite ? "" : ", NOT FINITE");
  dlab_tensor_free(&logits);
  dlab_tensor_free(&dlogits);
}

/* Rows of dlab_softmax sum to 1 and match exp(z - lse(z)). */
static void check_softmax(void) {
  enum { N = 5, K = 10 };
  DlabTensor logits, probs;
  dlab_tensor_init2(&logits, N, K);
  dlab_tensor_init2(&probs, N, K);
  double z[N * K];
  DlabRng rng;
  dlab_rng_seed(&rng, 77);
  for (int i = 0; i < N * K; i++) z[i] = logits.data[i] = dlab_rng_range(&rng, -20, 20);
  dlab_softmax(&logits, &probs);
  double worst = 0, worst_sum = 0;
  for (int b = 0; b < N; b++) {
    double sum = 0;
    for (int k = 0; k < K; k++) {
      const double p = exp(z[b * K + k] - lse(z + b * K, K));
      worst = fmax(worst, fabs(probs.data[b * K + k] - p));
      sum += probs.data[b * K + k];
    }
    worst_sum = fmax(worst_sum, fabs(sum - 1));
  }
  tap_ok(worst < 1e-7 && worst_sum < 1e-6, "softmax: worst error %.1e, rows sum to 1 within %.1e",
         worst, worst_sum);
  dlab_tensor_free(&logits);
  dlab_tensor_free(&probs);
}

int main(void) {
  const Case cases[] = {
      {1, 2, 0.0f, 3, 1, 0},    {1, 10, 0.1f, 3, 2, 0},   {3, 10, 0.0f, 3, 3, 0},  {8, 10, 0.1f, 3, 4, 0},
      {64, 10, 0.0f, 3, 5, 0},  {64, 10, 0.1f, 3, 6, 0},  {5, 47, 0.0f, 3, 7, 0},  {5, 47, 0.1f, 3, 8, 0},
      {16, 3, 0.1f, 8, 9, 0},   {7, 2, 0.1f, 1, 10, 0},   {32, 26, 0.0f, 6, 11, 0},
      {12, 10, 0.0f, 3, 12, 3}, {12, 10, 0.1f, 5, 13, 2}, {1, 10, 0.0f, 3, 14, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i]);
  check_extremes(0.0f);
  check_extremes(0.1f);
  check_softmax();
  return tap_done();
}
