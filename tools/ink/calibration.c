/* Expected calibration error (calibration.h). */
#include "calibration.h"

#include <math.h>

void calibration_add(Calibration *c, double top, int correct) {
  int bin = top >= 1 ? CALIBRATION_BINS - 1 : top <= 0 ? 0 : (int)(top * CALIBRATION_BINS);
  c->total++;
  c->n[bin]++;
  c->correct[bin] += correct != 0;
  c->confidence[bin] += top;
}

double calibration_error(const Calibration *c) {
  double ece = 0;
  for (int b = 0; b < CALIBRATION_BINS; b++) {
    if (c->n[b] == 0) continue;
    double accuracy = (double)c->correct[b] / c->n[b], confidence = c->confidence[b] / c->n[b];
    ece += (double)c->n[b] / c->total * fabs(accuracy - confidence);
  }
  return ece;
}
