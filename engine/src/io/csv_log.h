/* A CSV metrics log: header written once, then one row per record. Rows
 * reach the file at least every DLAB_CSV_FLUSH_SECONDS and whenever the
 * caller flushes (an epoch's row): a crash loses at most that last second
 * of step rows, never a finished epoch's. */
#ifndef DLAB_CSV_LOG_H
#define DLAB_CSV_LOG_H

#include <stdio.h>

#define DLAB_CSV_FLUSH_SECONDS 1.0

typedef struct {
  FILE *fp;
  int n_columns;
  double flushed; /* monotonic seconds of the last flush */
  char path[4096]; /* for messages */
} DlabCsvLog;

/* Creates (or empties) the log and writes the header. */
int dlab_csv_open(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns);
/* Continues the log of a resumed run: keeps the header and the rows up to
 * the last one whose first value is at most `last_key` (the epoch the run
 * resumes after: its step rows and its epoch row), drops what follows (the
 * rows of a half-finished epoch, a row a kill cut short), rewriting the
 * file atomically, and opens it for appending. A missing file is created
 * as dlab_csv_open does; a file with another header, an over-long line or
 * a row that does not start with a number is refused, untouched. */
int dlab_csv_resume(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns,
                    double last_key);
/* n_columns values; NaN is written as an empty cell. -1 with a message
 * naming the file when the row could not be written (full disk). */
int dlab_csv_row(DlabCsvLog *log, const double *values);
/* Writes out the rows buffered so far; -1 with a message as above. */
int dlab_csv_flush(DlabCsvLog *log);
void dlab_csv_close(DlabCsvLog *log);

#endif
