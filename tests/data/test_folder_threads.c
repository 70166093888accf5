/* A folder of PNGs is decoded on the engine's thread pool; when files are
 * bad, the error names the first of them (lowest index) whatever the
 * scheduling, and every thread's check of "an earlier file failed" is
 * guarded. Also built with ThreadSanitizer (test_folder_threads_tsan, see
 * meson.build), which reports an unguarded read of the failing index. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/threads.h"
#include "test_files.h"
#include "test_util.h"
#include "write_formats.h"

#define FILES 1200
#define SIDE 4

static char tmp[1024];

/* DIR/train/0/f0000.png .. : good PNGs except those listed in `bad`. */
static void write_folder(const char *root, const int *bad, int n_bad) {
  char dir[1200], path[1400];
  uint8_t px[SIDE * SIDE] = {0};
  snprintf(dir, sizeof dir, "%s/train/0", root);
  tf_mkdirs(dir);
  for (int i = 0; i < FILES; i++) {
    snprintf(path, sizeof path, "%s/f%04d.png", dir, i);
    int is_bad = 0;
    for (int k = 0; k < n_bad; k++) is_bad |= bad[k] == i;
    if (is_bad) {
      if (tf_write_bytes(path, "not a png", 9) < 0) exit(99);
    } else {
      px[0] = (uint8_t)i;
      wf_png_gray(path, SIDE, SIDE, px);
    }
  }
  snprintf(dir, sizeof dir, "%s/test/0", root);
  tf_mkdirs(dir);
  snprintf(path, sizeof path, "%s/t.png", dir);
  wf_png_gray(path, SIDE, SIDE, px);
}

static int open_folder(const char *root, DlabDatasetPair *p) {
  char name[1300];
  snprintf(name, sizeof name, "folder:%s", root);
  DlabDatasetOptions opt = dlab_dataset_options_default();
  return dlab_dataset_open(name, &opt, p);
}

/* Bad files early and late: each thread that meets one records it while
 * the others check, before every file, whether an earlier one failed. */
static void test_first_error(void) {
  static const int bad[] = {1100, 700, 70, 71, 140};
  char root[1200];
  snprintf(root, sizeof root, "%s/bad", tmp);
  write_folder(root, bad, 5);
  for (int rep = 0; rep < 5; rep++) {
    DlabDatasetPair p;
    int rc = open_folder(root, &p);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", dlab_error_message());
    tap_ok(rc == -1 && tf_contains(msg, "f0070.png") && tf_contains(msg, "not a PNG"),
           "run %d: the first bad file is named: \"%s\"", rep + 1, msg);
    if (rc == 0) dlab_dataset_pair_free(&p);
  }
}

static void test_all_good(void) {
  char root[1200];
  snprintf(root, sizeof root, "%s/good", tmp);
  write_folder(root, NULL, 0);
  DlabDatasetPair p;
  int rc = open_folder(root, &p);
  int ok = rc == 0 && p.train.n == FILES;
  for (int i = 0; ok && i < FILES; i++) ok = p.train.images[(size_t)i * SIDE * SIDE] == (uint8_t)i;
  tap_ok(ok, "%d good files decode, each into its own sample", FILES);
  if (rc == 0) dlab_dataset_pair_free(&p);
}

int main(void) {
  if (dlab_threads_set(4) < 0) {
    tap_skip_all(dlab_error_message());
    return 0;
  }
  tf_make_temp_dir(tmp, sizeof tmp, "folder-threads");
  test_first_error();
  test_all_good();
  tf_remove_tree(tmp);
  dlab_threads_shutdown();
  return tap_done();
}
