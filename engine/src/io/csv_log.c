/* The CSV metrics log: a header row, then one row of numbers per record.
 * Rows are flushed once a second and when the caller asks (epoch rows), so
 * that a plot can follow the file while training runs and a crash or a
 * kill loses at most the last second of step rows. Not every row: a row a
 * step, each its own write(2), cost LeNet's MNIST epoch 6% on the 2-core
 * guest (the other training thread waits while the first writes). */
#include "io/csv_log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/clock.h"
#include "dlab/atomic_file.h"
#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"

/* The longest row a resumed log may hold (ours are about 150 bytes). */
#define MAX_LINE 4096

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

static void write_header(FILE *fp, const char *const *columns, int n_columns) {
  for (int i = 0; i < n_columns; i++) {
    if (i) fputc(',', fp);
    write_cell(fp, columns[i]);
  }
  fputc('\n', fp);
}

int dlab_csv_open(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns) {
  log->fp = NULL;
  log->n_columns = 0;
  if (n_columns < 1) return dlab_error(_("%s: a CSV log needs at least one column"), path);
  FILE *fp = fopen(path, "w");
  if (!fp) return dlab_error(_("%s: cannot create: %s"), path, strerror(errno));
  write_header(fp, columns, n_columns);
  if (fflush(fp) != 0 || ferror(fp)) {
    int err = errno;
    fclose(fp);
    return dlab_error(_("%s: cannot write: %s"), path, strerror(err));
  }
  log->fp = fp;
  log->n_columns = n_columns;
  log->flushed = dlab_now_seconds();
  snprintf(log->path, sizeof log->path, "%s", path);
  return 0;
}

/* The header line as dlab_csv_open writes it, newline included; NULL when
 * out of memory. The caller frees it. */
static char *header_text(const char *const *columns, int n_columns) {
  char *text = NULL;
  size_t size = 0;
  FILE *fp = open_memstream(&text, &size);
  if (!fp) return NULL;
  write_header(fp, columns, n_columns);
  if (fclose(fp) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

/* The first cell of a row as a number; -1 when it is not a finite one. */
static int first_value(const char *line, double *value) {
  char *end;
  errno = 0;
  *value = dlab_strtod_c(line, &end);
  if (end == line || errno || !isfinite(*value) || (*end != ',' && *end != '\n')) return -1;
  return 0;
}

/* Copies the header and the rows of `in` whose first value is at most
 * `last_key` to `out`, stopping at the first row past it or at a last row
 * without its newline (one a kill cut short). */
static int copy_kept_rows(FILE *in, FILE *out, const char *path, const char *header, double last_key) {
  char line[MAX_LINE];
  long number = 0;
  while (fgets(line, sizeof line, in)) {
    number++;
    size_t len = strlen(line);
    if (len == 0 || line[len - 1] != '\n') {
      if (feof(in)) break;
      return dlab_error(_("%s: line %ld is longer than %d bytes: not a metrics log"), path, number,
                        MAX_LINE - 1);
    }
    if (number == 1) {
      if (strcmp(line, header) != 0)
        return dlab_error(_("%s: its first line is not the header of this log (%.*s); it is not this run's "
                            "log: move it away or log to another folder"),
                          path, (int)strcspn(header, "\n"), header);
    } else {
      double key;
      if (first_value(line, &key) < 0)
        return dlab_error(_("%s: line %ld: expected a number in the first column: not a metrics log"), path,
                          number);
      if (key > last_key) break;
    }
    if (fputs(line, out) == EOF) return dlab_error(_("%s: writing failed: %s"), path, strerror(errno));
  }
  if (ferror(in)) return dlab_error(_("%s: cannot read: %s"), path, strerror(errno));
  if (number == 0) return dlab_error(_("%s: empty, without the header of this log: move it away"), path);
  return 0;
}

int dlab_csv_resume(DlabCsvLog *log, const char *path, const char *const *columns, int n_columns,
                    double last_key) {
  log->fp = NULL;
  log->n_columns = 0;
  if (n_columns < 1) return dlab_error(_("%s: a CSV log needs at least one column"), path);
  FILE *in = fopen(path, "r");
  if (!in) {
    if (errno == ENOENT) return dlab_csv_open(log, path, columns, n_columns);
    return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  }
  dlab_atomic_remove_stale(path);
  char *header = header_text(columns, n_columns);
  DlabAtomicFile out;
  int rc = -1;
  if (!header)
    dlab_error(_("%s: out of memory"), path);
  else if (dlab_atomic_open(&out, path) == 0) {
    rc = copy_kept_rows(in, out.fp, path, header, last_key);
    if (rc == 0)
      rc = dlab_atomic_commit(&out);
    else
      dlab_atomic_abort(&out);
  }
  free(header);
  fclose(in);
  if (rc < 0) return -1;
  FILE *fp = fopen(path, "a");
  if (!fp) return dlab_error(_("%s: cannot open for appending: %s"), path, strerror(errno));
  log->fp = fp;
  log->n_columns = n_columns;
  log->flushed = dlab_now_seconds();
  snprintf(log->path, sizeof log->path, "%s", path);
  return 0;
}

int dlab_csv_flush(DlabCsvLog *log) {
  if (!log->fp) return dlab_error(_("CSV log: not open"));
  log->flushed = dlab_now_seconds();
  if (fflush(log->fp) != 0 || ferror(log->fp))
    return dlab_error(_("%s: writing a row failed: %s"), log->path, strerror(errno));
  return 0;
}

int dlab_csv_row(DlabCsvLog *log, const double *values) {
  if (!log->fp) return dlab_error(_("CSV log: not open"));
  for (int i = 0; i < log->n_columns; i++) {
    if (i) fputc(',', log->fp);
    /* %.10g keeps step counts exact and metrics readable. */
    if (!isnan(values[i])) dlab_fprintf_c(log->fp, "%.10g", values[i]);
  }
  fputc('\n', log->fp);
  if (ferror(log->fp)) return dlab_error(_("%s: writing a row failed: %s"), log->path, strerror(errno));
  return dlab_now_seconds() - log->flushed >= DLAB_CSV_FLUSH_SECONDS ? dlab_csv_flush(log) : 0;
}

/* (What fclose writes out is step rows after the last epoch row, of an
 * epoch that did not finish: dlab_csv_resume drops them anyway.) */
void dlab_csv_close(DlabCsvLog *log) {
  if (log->fp) fclose(log->fp);
  log->fp = NULL;
  log->n_columns = 0;
}
