/* A CSV metrics log: header written once, then one row per record, flushed
 * so that a crash loses at most the current row. */
#ifndef DLAB_CSV_LOG_H
#define DLAB_CSV_LOG_H

#include <stdio.h>

typedef struct {
  FILE *fp;
  int n_columns;
} DlabCsvLog;

int dlab_csv_open(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns);
/* n_columns values; NaN is written as an empty cell. */
int dlab_csv_row(DlabCsvLog *log, const double *values);
void dlab_csv_close(DlabCsvLog *log);

#endif
