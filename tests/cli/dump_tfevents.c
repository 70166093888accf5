/* dump_tfevents DIR: prints the scalars of DIR's TensorBoard event file, one
 * "TAG STEP VALUE" line each, after checking every record's framing with
 * the tests' independent reader. Exit 1 (with a message) when the file is
 * missing, truncated or has a bad CRC, so test_cli.sh can compare the
 * curves dlab train logged with its metrics.csv.
 *
 * dump_tfevents --run DIR: the same for the scalars TensorBoard shows for
 * the run folder DIR: all its event files in name order, a resumed run's
 * SessionLog START purging what earlier files hold from its step on. */
#include <stdio.h>

#include "tfevents_reader.h"

static int dump_run(const char *dir) {
  TfrRecords r;
  int n_files;
  if (tfr_read_run(dir, &r, &n_files) < 0) {
    fprintf(stderr, "dump_tfevents: no events.out.tfevents.* in %s\n", dir);
    return 1;
  }
  int status = 0;
  if (r.bad_length_crc || r.bad_data_crc) {
    fprintf(stderr, "dump_tfevents: %s: %d bad length CRCs, %d bad data CRCs\n", dir, r.bad_length_crc,
            r.bad_data_crc);
    status = 1;
  }
  for (int i = 0; i < r.n; i++)
    printf("%s %lld %.9g\n", r.events[i].tag, (long long)r.events[i].step, (double)r.events[i].value);
  fprintf(stderr, "dump_tfevents: %d files, %d truncated\n", n_files, r.truncated);
  free(r.events);
  return status;
}

int main(int argc, char **argv) {
  char path[4096];
  int count;
  TfrRecords r;
  if (argc == 3 && strcmp(argv[1], "--run") == 0) return dump_run(argv[2]);
  if (argc != 2 || tfr_find_event_file(argv[1], path, sizeof path, &count) < 0) {
    fprintf(stderr, "dump_tfevents: no events.out.tfevents.* in %s\n", argc == 2 ? argv[1] : "?");
    return 1;
  }
  if (tfr_read_records(path, &r) < 0 || r.n == 0) {
    fprintf(stderr, "dump_tfevents: %s: cannot read\n", path);
    return 1;
  }
  int status = 0;
  if (r.bad_length_crc || r.bad_data_crc || r.truncated) {
    fprintf(stderr, "dump_tfevents: %s: %d bad length CRCs, %d bad data CRCs, %d truncated\n", path,
            r.bad_length_crc, r.bad_data_crc, r.truncated);
    status = 1;
  }
  if (strcmp(r.events[0].file_version, "brain.Event:2") != 0) {
    fprintf(stderr, "dump_tfevents: %s: the first event is not file_version brain.Event:2\n", path);
    status = 1;
  }
  for (int i = 1; i < r.n; i++)
    if (r.events[i].has_value)
      printf("%s %lld %.9g\n", r.events[i].tag, (long long)r.events[i].step, (double)r.events[i].value);
  free(r.events);
  return status;
}
