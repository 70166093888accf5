/* Evaluation (train.h): a model over a dataset in eval mode, on any device,
 * batch by batch through the backend's logits; the loss, accuracy and
 * confusion matrix, and each image's reading, are computed here, once, the
 * same for every device. The training loop evaluates through the same
 * function with its own backend (evaluate.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "nn/loss.h"
#include "dlab/train.h"
#include "train/evaluate.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

int dlab_train_check_compatible(const DlabModel *m, const DlabDataset *d) {
  const DlabShape in = m->input;
  if (in.ndim != 3 || in.d[0] != d->c || in.d[1] != d->h || in.d[2] != d->w) {
    char s[64];
    return dlab_error(_("%s has %dx%dx%d images but the model takes %s"), d->name, d->c, d->h, d->w,
                      dlab_shape_str(in, s, sizeof s));
  }
  if (dlab_model_num_outputs(m) != d->num_classes)
    return dlab_error(_("%s has %d classes but the model has %d outputs"), d->name, d->num_classes,
                      dlab_model_num_outputs(m));
  if (d->n < 1) return dlab_error(_("%s is empty"), d->name);
  return 0;
}

/* The predicted class of one row of logits and its probability, and (when
 * readings are asked for) the true class's, NaN for a sample of no class. */
static int read_row(const float *row, int k, int label, DlabEvalReadings *readings, size_t at, double *top) {
  int best = 0;
  for (int c = 1; c < k; c++)
    if (row[c] > row[best]) best = c;
  double sum = 0;
  for (int c = 0; c < k; c++) sum += exp((double)row[c] - row[best]);
  *top = 1.0 / sum;
  if (readings) {
    readings->predicted[at] = (unsigned char)best;
    readings->confidence[at] = (float)*top;
    readings->p_true[at] = label < k ? (float)(exp((double)row[label] - row[best]) / sum) : NAN;
  }
  return best;
}

/* Per bin of top probability: images, their summed top probability and how
 * many were right. */
typedef struct {
  long count[DLAB_ECE_BINS], right[DLAB_ECE_BINS];
  double confidence[DLAB_ECE_BINS];
} Calibration;

static void calibration_add(Calibration *c, double top, int right) {
  int bin = (int)(top * DLAB_ECE_BINS);
  if (bin >= DLAB_ECE_BINS) bin = DLAB_ECE_BINS - 1;
  if (bin < 0) bin = 0;
  c->count[bin]++;
  c->right[bin] += right;
  c->confidence[bin] += top;
}

static double calibration_error(const Calibration *c, long total) {
  double ece = 0;
  for (int b = 0; b < DLAB_ECE_BINS; b++)
    if (c->count[b]) ece += fabs((double)c->right[b] - c->confidence[b]) / (double)total;
  return total ? ece : NAN;
}

int dlab_evaluate_on(DlabBackend *b, const DlabDataset *d, int batch_size, atomic_int *cancel, DlabEvalResult *out,
                       DlabEvalReadings *readings) {
  int k = d->num_classes;
  out->confusion = calloc((size_t)k * k, sizeof *out->confusion);
  if (!out->confusion) return dlab_error(_("out of memory for evaluation"));
  double loss_sum = 0;
  long correct = 0, scored = 0;
  Calibration calibration;
  memset(&calibration, 0, sizeof calibration);
  int rc = 0;
  for (int start = 0; start < d->n; start += batch_size) {
    /* A large test set takes seconds: Stop must not wait for it. */
    if (cancel && atomic_load(cancel)) {
      rc = 1;
      break;
    }
    int count = d->n - start < batch_size ? d->n - start : batch_size;
    const uint8_t *labels = d->labels + start;
    DlabTensor *logits;
    if (b->i->eval(b, d, start, count, &logits) < 0) {
      dlab_eval_result_free(out);
      return -1;
    }
    DlabLossResult r = dlab_cross_entropy(logits, labels, 0.0f, NULL);
    loss_sum += r.loss * count;
    correct += r.correct;
    scored += r.scored;
    for (int i = 0; i < count; i++) {
      double top;
      int best = read_row(logits->data + (size_t)i * k, k, labels[i], readings, (size_t)start + i, &top);
      if (labels[i] >= k) continue;
      out->confusion[labels[i] * k + best]++;
      calibration_add(&calibration, top, best == labels[i]);
    }
    out->n += count;
  }
  out->loss = out->n ? loss_sum / out->n : NAN;
  out->accuracy = scored ? (double)correct / scored : NAN;
  out->scored = (int)scored;
  out->calibration_error = calibration_error(&calibration, scored);
  return rc;
}

int dlab_eval_batch_size(int batch_size, const DlabDataset *d) {
  if (batch_size <= 0) batch_size = DLAB_DEFAULT_EVAL_BATCH;
  return batch_size > d->n ? d->n : batch_size;
}

/* Evaluation alone: a backend for m on `device`, without an optimizer. */
static int evaluate_with(DlabDeviceSpec device, DlabModel *m, const DlabDataset *d, int batch_size,
                         atomic_int *cancel, DlabEvalResult *out, DlabEvalReadings *readings) {
  memset(out, 0, sizeof *out);
  if (dlab_train_check_compatible(m, d) < 0) return -1;
  batch_size = dlab_eval_batch_size(batch_size, d);
  DlabBackendConfig bc = {.model = m, .batch_size = batch_size, .max_batch = batch_size};
  DlabBackend *b = dlab_backend_create(device, &bc);
  if (!b) return -1;
  int rc = dlab_evaluate_on(b, d, batch_size, cancel, out, readings);
  dlab_backend_free(b);
  return rc;
}

static const DlabDeviceSpec cpu_device = {DLAB_DEVICE_CPU, 0};

int dlab_evaluate(DlabModel *m, const DlabDataset *d, int batch_size, DlabEvalResult *out) {
  return evaluate_with(cpu_device, m, d, batch_size, NULL, out, NULL);
}

int dlab_evaluate_cancellable(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                              DlabEvalResult *out) {
  return evaluate_with(cpu_device, m, d, batch_size, cancel, out, NULL);
}

int dlab_evaluate_readings(DlabModel *m, const DlabDataset *d, int batch_size, atomic_int *cancel,
                           DlabEvalResult *out, DlabEvalReadings *readings) {
  return evaluate_with(cpu_device, m, d, batch_size, cancel, out, readings);
}

int dlab_evaluate_device(DlabDeviceSpec device, DlabModel *m, const DlabDataset *d, int batch_size,
                         DlabEvalResult *out) {
  return evaluate_with(device, m, d, batch_size, NULL, out, NULL);
}

void dlab_eval_result_free(DlabEvalResult *r) {
  free(r->confusion);
  r->confusion = NULL;
}
