/* Expected calibration error of a classifier's top probability
 * (ink-assess): the drawings are put into CALIBRATION_BINS equal-width bins
 * of their top probability; in each bin the accuracy is compared with the
 * mean top probability, and the gaps are averaged, weighted by each bin's
 * share of the drawings. 0 for a model whose "90% sure" is right nine
 * times in ten. */
#ifndef DLAB_TOOLS_CALIBRATION_H
#define DLAB_TOOLS_CALIBRATION_H

#define CALIBRATION_BINS 15

typedef struct {
  int total;
  int n[CALIBRATION_BINS], correct[CALIBRATION_BINS];
  double confidence[CALIBRATION_BINS]; /* sum of the top probabilities */
} Calibration;

/* Adds one reading: its top probability (0..1) and whether it was right.
 * Bin b holds [b/15, (b+1)/15); 1 goes into the last. */
void calibration_add(Calibration *c, double top, int correct);

/* The expected calibration error, 0..1 (0 when nothing was added). */
double calibration_error(const Calibration *c);

#endif
