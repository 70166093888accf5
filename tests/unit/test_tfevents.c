/* TensorBoard event files: write scalars with dlab_tfevents, then read the
 * file back with an independent reader (tests/tfevents_reader.h: its own
 * table-driven CRC-32C and protobuf decoder) and check every record's
 * framing, both checksums, the file_version event, and each scalar's tag,
 * step and value. When
 * /usr/bin/python3 has `tensorboard` or `tensorflow`, their reader is asked
 * too; otherwise that check is skipped with a message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlab/tfevents.h"
#include "test_util.h"
#include "tfevents_reader.h"

static int python_has_reader(void) {
  return access("/usr/bin/python3", X_OK) == 0 &&
         system("/usr/bin/python3 -c 'import tensorboard' >/dev/null 2>&1 || "
                "/usr/bin/python3 -c 'import tensorflow' >/dev/null 2>&1") == 0;
}

static void check_with_python(const char *path) {
  if (!python_has_reader()) {
    printf("# /usr/bin/python3 has neither tensorboard nor tensorflow: the C reader is the check\n");
    return;
  }
  char cmd[8192];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 - '%s' <<'EOF'\n"
           "import sys\n"
           "try:\n"
           "    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader\n"
           "    events = list(EventFileLoader(sys.argv[1]).Load())\n"
           "except ImportError:\n"
           "    import tensorflow as tf\n"
           "    events = [tf.compat.v1.Event.FromString(r.numpy()) for r in tf.data.TFRecordDataset(sys.argv[1])]\n"
           "vals = [(v.tag, e.step, v.simple_value if v.HasField('simple_value') else v.tensor.float_val[0])\n"
           "        for e in events for v in e.summary.value]\n"
           "assert events[0].file_version == 'brain.Event:2', events[0]\n"
           "assert ('loss/train', 3, 0.25) in vals, vals[:5]\n"
           "print('# python read', len(events), 'events')\n"
           "EOF",
           path);
  tap_ok(system(cmd) == 0, "TensorBoard's own reader accepts the file");
}

int main(void) {
  /* Known answers: RFC 3720's check value and the writer's CRC agree. */
  tap_ok(tfr_crc32c((const uint8_t *)"123456789", 9) == 0xE3069283u, "test CRC-32C check value");
  tap_ok(dlab_crc32c(0, "123456789", 9) == 0xE3069283u, "dlab_crc32c check value 0xE3069283");
  uint8_t zeros[32] = {0};
  tap_ok(dlab_crc32c(0, zeros, 32) == 0x8A9136AAu, "dlab_crc32c of 32 zero bytes (RFC 3720)");
  tap_ok(dlab_crc32c(dlab_crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u, "dlab_crc32c continues");

  char dir[] = "/tmp/dlab-tfevents-XXXXXX";
  if (!mkdtemp(dir)) {
    tap_ok(0, "temporary directory");
    return tap_done();
  }
  DlabTfEvents *w = dlab_tfevents_open(dir);
  tap_ok(w != NULL, "event file created");
  if (!w) return tap_done();
  const char *base = strrchr(dlab_tfevents_path(w), '/') + 1;
  char host[256];
  gethostname(host, sizeof host);
  char expect_tail[300];
  snprintf(expect_tail, sizeof expect_tail, ".%s.%ld.0", host, (long)getpid());
  tap_ok(strncmp(base, "events.out.tfevents.", 20) == 0 && strlen(base) > 31 &&
             strcmp(base + strlen(base) - strlen(expect_tail), expect_tail) == 0,
         "file name as SummaryWriter's: %s", base);

  /* A second writer in the same second gets its own file. */
  DlabTfEvents *w2 = dlab_tfevents_open(dir);
  tap_ok(w2 && strcmp(dlab_tfevents_path(w2), dlab_tfevents_path(w)) != 0,
         "a second writer gets another name");
  /* TensorBoard reads a folder's files in name order: a resumed run's file
   * comes after the one it continues, even within the same second (and
   * whatever the process ids). */
  tap_ok(w2 && strcmp(dlab_tfevents_path(w2), dlab_tfevents_path(w)) > 0,
         "the second writer's file sorts after the first's: %s",
         w2 ? strrchr(dlab_tfevents_path(w2), '/') + 1 : "");
  if (w2) {
    /* A resumed run's restart mark: SessionLog{START} at its first step. */
    char p2[4096];
    snprintf(p2, sizeof p2, "%s", dlab_tfevents_path(w2));
    int rc = dlab_tfevents_add_session_start(w2, 701);
    rc |= dlab_tfevents_add_scalar(w2, "train/loss", 0.5f, 701, 0);
    dlab_tfevents_close(w2);
    TfrRecords rs;
    tfr_read_records(p2, &rs);
    tap_ok(rc == 0 && rs.n == 3 && rs.bad_data_crc == 0 && rs.events[1].session_status == 1 &&
               rs.events[1].step == 701 && rs.events[1].unknown_fields == 0 && !rs.events[1].has_value &&
               rs.events[2].session_status == 0,
           "a session start is an Event{step 701, session_log{status START}} record");
    free(rs.events);
    unlink(p2);
  }

  /* Steps 0..199 of two tags, then per-epoch values with odd floats. */
  int ok = 1;
  for (int s = 0; s < 200; s++) {
    ok &= dlab_tfevents_add_scalar(w, "loss/train", 1.0f / (float)(s + 1), s, 1700000000.0 + s) == 0;
    ok &= dlab_tfevents_add_scalar(w, "accuracy/train", (float)s / 200.0f, s, 0) == 0;
  }
  const float special[] = {0.0f, -0.0f, 1e-30f, 3.4e38f, -2.5f};
  for (int i = 0; i < 5; i++) ok &= dlab_tfevents_add_scalar(w, "odd/values", special[i], 1000 + i, 0) == 0;
  ok &= dlab_tfevents_add_scalar(w, "big/step", 0.5f, 1LL << 40, 0) == 0;
  tap_ok(ok, "406 scalars written");
  tap_ok(dlab_tfevents_add_scalar(w, "", 1.0f, 1, 0) < 0, "an empty tag is refused");
  char long_tag[400];
  memset(long_tag, 'x', sizeof long_tag - 1);
  long_tag[sizeof long_tag - 1] = '\0';
  tap_ok(dlab_tfevents_add_scalar(w, long_tag, 1.0f, 1, 0) < 0, "a tag over the limit is refused");
  char path[4096];
  snprintf(path, sizeof path, "%s", dlab_tfevents_path(w));
  tap_ok(dlab_tfevents_close(w) == 0, "closed");

  int count = 0;
  char found[4096];
  tap_ok(tfr_find_event_file(dir, found, sizeof found, &count) == 0 && count == 1 && strcmp(found, path) == 0,
         "one event file in the run directory");

  TfrRecords r;
  int read_rc = tfr_read_records(path, &r);
  tap_ok(read_rc == 0 && r.n == 1 + 406, "%d records read", r.n);
  tap_ok(r.bad_length_crc == 0 && r.bad_data_crc == 0 && r.truncated == 0,
         "every length and data CRC matches, no trailing bytes (%d, %d, %d)", r.bad_length_crc,
         r.bad_data_crc, r.truncated);
  int unknown = 0;
  for (int i = 0; i < r.n; i++) unknown += r.events[i].unknown_fields;
  tap_ok(unknown == 0, "only Event, Summary and Value fields appear");

  const TfrEvent *first = &r.events[0];
  tap_ok(strcmp(first->file_version, "brain.Event:2") == 0 && first->wall_time > 1.6e9 &&
             !first->has_value && first->step == 0,
         "first event: file_version \"%s\", wall_time %.0f", first->file_version, first->wall_time);

  int tags_ok = 1, values_ok = 1, steps_ok = 1;
  for (int s = 0; s < 200; s++) {
    const TfrEvent *loss = &r.events[1 + 2 * s], *acc = &r.events[2 + 2 * s];
    tags_ok &= strcmp(loss->tag, "loss/train") == 0 && strcmp(acc->tag, "accuracy/train") == 0;
    values_ok &= loss->has_value && loss->value == 1.0f / (float)(s + 1) && acc->value == (float)s / 200.0f;
    steps_ok &= loss->step == s && acc->step == s && loss->wall_time == 1700000000.0 + s;
  }
  tap_ok(tags_ok, "scalar tags as written");
  tap_ok(values_ok, "scalar values bit for bit");
  tap_ok(steps_ok, "steps and given wall times (step 0 is left out, as proto3 does)");
  int odd_ok = 1;
  for (int i = 0; i < 5; i++) {
    const TfrEvent *e = &r.events[401 + i];
    odd_ok &= e->has_value && memcmp(&e->value, &special[i], 4) == 0 && e->step == 1000 + i &&
              strcmp(e->tag, "odd/values") == 0;
  }
  tap_ok(odd_ok, "zero, negative zero, tiny and huge values kept (zero is still written)");
  tap_ok(r.events[406].step == (1LL << 40) && r.events[406].wall_time > 1.6e9, "64-bit step, wall time now");
  free(r.events);

  /* A corrupted byte is caught by the data CRC. */
  FILE *f = fopen(path, "r+b");
  fseek(f, 40, SEEK_SET);
  int c = fgetc(f);
  fseek(f, 40, SEEK_SET);
  fputc(c ^ 0x5a, f);
  fclose(f);
  tfr_read_records(path, &r);
  tap_ok(r.bad_data_crc + r.bad_length_crc >= 1, "a flipped byte fails a CRC");
  free(r.events);

  tap_ok(dlab_tfevents_open("/nonexistent/dir") == NULL, "a missing directory is an error");

  /* A fresh file for TensorBoard's reader, when it is installed. */
  unlink(path);
  w = dlab_tfevents_open(dir);
  for (int s = 0; s < 5; s++) dlab_tfevents_add_scalar(w, "loss/train", s * 0.125f - 0.125f, s, 0);
  snprintf(path, sizeof path, "%s", dlab_tfevents_path(w));
  dlab_tfevents_close(w);
  check_with_python(path);
  unlink(path);
  rmdir(dir);
  return tap_done();
}
