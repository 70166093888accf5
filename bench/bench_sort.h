/* Sorting timings, for the bench programs' medians and percentiles. */
#ifndef DLAB_BENCH_SORT_H
#define DLAB_BENCH_SORT_H

#include <stdlib.h>

static inline int bench_compare_doubles(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Sorts v[0 .. n) in increasing order. */
static inline void bench_sort_doubles(double *v, size_t n) { qsort(v, n, sizeof *v, bench_compare_doubles); }

#endif
