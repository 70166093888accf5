/* The CSV metrics log: a header row, then one row of numbers per record.
 * Each row is flushed at once so that a crash or a kill loses at most the
 * row being written, and a plot can follow the file while training runs. */
#include "dlab/csv_log.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "dlab/error.h"

/* A header cell, quoted (RFC 4180) only when it must be. */
static void write_cell(FILE *fp, const char *text) {
  if (!strpbrk(text, ",\"\r\n")) {
    fputs(text, fp);
    return;
  }
  fputc('"', fp);
  for (const char *c = text; *c; c++) {
    if (*c == '"') fputc('"', fp);
    fputc(*c, fp);
  }
  fputc('"', fp);
}

int dlab_csv_open(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns) {
  log->fp = NULL;
  log->n_columns = 0;
  if (n_columns < 1) return dlab_error("%s: a CSV log needs at least one column", path);
  FILE *fp = fopen(path, "w");
  if (!fp) return dlab_error("%s: cannot create: %s", path, strerror(errno));
  for (int i = 0; i < n_columns; i++) {
    if (i) fputc(',', fp);
    write_cell(fp, columns[i]);
  }
  fputc('\n', fp);
  if (fflush(fp) != 0 || ferror(fp)) {
    int err = errno;
    fclose(fp);
    return dlab_error("%s: cannot write: %s", path, strerror(err));
  }
  log->fp = fp;
  log->n_columns = n_columns;
  return 0;
}

int dlab_csv_row(DlabCsvLog *log, const double *values) {
  if (!log->fp) return dlab_error("CSV log: not open");
  for (int i = 0; i < log->n_columns; i++) {
    if (i) fputc(',', log->fp);
    /* %.10g keeps step counts exact and metrics readable. */
    if (!isnan(values[i])) fprintf(log->fp, "%.10g", values[i]);
  }
  fputc('\n', log->fp);
  if (fflush(log->fp) != 0 || ferror(log->fp))
    return dlab_error("CSV log: writing a row failed: %s", strerror(errno));
  return 0;
}

void dlab_csv_close(DlabCsvLog *log) {
  if (log->fp) fclose(log->fp);
  log->fp = NULL;
  log->n_columns = 0;
}
