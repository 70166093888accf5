/* Softmax cross-entropy (nn.CrossEntropyLoss, mean reduction, label
 * smoothing). With q = (1 - s) onehot + s/K and p = softmax(z), the loss of
 * a sample is -sum_k q_k log p_k and its gradient is (p - q) / N; a sample
 * of no class (label >= K) has q = 1/K throughout and no accuracy.
 * Log-sum-exp is taken around the row maximum and summed in double, so large
 * logits neither overflow nor lose the small probabilities. */
#include "nn/loss.h"

#include <math.h>

/* log sum_k exp(z_k), stable. */
static double log_sum_exp(const float *z, int k, float *max_out) {
  float max = z[0];
  for (int i = 1; i < k; i++)
    if (z[i] > max) max = z[i];
  double sum = 0;
  for (int i = 0; i < k; i++) sum += exp((double)(z[i] - max));
  *max_out = max;
  return max + log(sum);
}

static int argmax(const float *z, int k) {
  int best = 0;
  for (int i = 1; i < k; i++)
    if (z[i] > z[best]) best = i;
  return best;
}

DlabLossResult dlab_cross_entropy(const DlabTensor *logits, const uint8_t *labels, float smoothing,
                                  DlabTensor *dlogits) {
  const int n = logits->shape[0], k = logits->shape[1];
  const double off = (double)smoothing / k, on = 1.0 - smoothing + off, uniform = 1.0 / k;
  DlabLossResult r = {0, 0, 0};
  double total = 0;
  for (int b = 0; b < n; b++) {
    const float *z = logits->data + (size_t)b * k;
    float max;
    const double lse = log_sum_exp(z, k, &max);
    const int y = labels[b];
    const int scored = y < k;
    const double q_y = scored ? on : uniform, q_other = scored ? off : uniform;
    /* -sum q log p = lse - sum q z, with sum q = 1. */
    double qz = 0;
    for (int i = 0; i < k; i++) qz += (i == y ? q_y : q_other) * z[i];
    total += lse - qz;
    r.scored += scored;
    r.correct += scored && argmax(z, k) == y;
    if (!dlogits) continue;
    float *g = dlogits->data + (size_t)b * k;
    for (int i = 0; i < k; i++) {
      double p = exp((double)z[i] - lse);
      g[i] = (float)((p - (i == y ? q_y : q_other)) / n);
    }
  }
  r.loss = n ? total / n : 0;
  return r;
}

void dlab_softmax(const DlabTensor *logits, DlabTensor *probs) {
  const int n = logits->shape[0], k = logits->shape[1];
  for (int b = 0; b < n; b++) {
    const float *z = logits->data + (size_t)b * k;
    float max;
    const double lse = log_sum_exp(z, k, &max);
    for (int i = 0; i < k; i++) probs->data[(size_t)b * k + i] = (float)exp((double)z[i] - lse);
  }
}
