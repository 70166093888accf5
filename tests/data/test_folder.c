/* Folder-of-PNGs datasets: both layouts (PaddleOCR label files, one
 * sub-folder per class), every PNG kind converted to the dataset's channel
 * count, classes from numbers, names or classes.txt, sizes checked or
 * resized, clear errors; and export -> load gives back the same dataset. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/folder.h"
#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/export.h"
#include "test_files.h"
#include "test_util.h"
#include "write_formats.h"

#define W 6
#define H 5

static char tmp[1024];

static void path_of(char *out, size_t n, const char *root, const char *rel) {
  snprintf(out, n, "%s/%s", root, rel);
  char dir[1400];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  tf_mkdirs(dir);
}

static uint8_t value(int i, int p) { return (uint8_t)(i * 40 + p * 7); }

/* A gray W x H PNG whose pixels encode sample i. */
static void gray_png(const char *root, const char *rel, int i) {
  uint8_t px[W * H];
  for (int p = 0; p < W * H; p++) px[p] = value(i, p);
  char path[1500];
  path_of(path, sizeof path, root, rel);
  wf_png_gray(path, W, H, px);
}

static void write_text(const char *root, const char *name, const char *text) {
  char path[1500];
  path_of(path, sizeof path, root, name);
  if (tf_write_bytes(path, text, strlen(text)) < 0) exit(99);
}

static int open_folder(const char *root, int channels, int rw, int rh, DlabDatasetPair *p) {
  char name[1200];
  snprintf(name, sizeof name, "folder:%s", root);
  DlabDatasetOptions opt = dlab_dataset_options_default();
  opt.channels = channels;
  opt.resize_w = rw;
  opt.resize_h = rh;
  int rc = dlab_dataset_open(name, &opt, p);
  if (rc < 0) printf("# %s\n", dlab_error_message());
  return rc;
}

static int pixels_are(const DlabDataset *d, int s, int i) {
  for (int p = 0; p < W * H; p++)
    if (d->images[(size_t)s * W * H + p] != value(i, p)) return 0;
  return 1;
}

static void test_label_files(void) {
  char root[1200];
  snprintf(root, sizeof root, "%s/labels", tmp);
  for (int i = 0; i < 4; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "img/train_%d.png", i);
    gray_png(root, rel, i);
  }
  gray_png(root, "img/test_0.png", 5);
  write_text(root, "train.txt", "img/train_0.png\t3\nimg/train_1.png\t0\r\n\nimg/train_2.png\t1\nimg/train_3.png\t3\n");
  write_text(root, "test.txt", "img/test_0.png\t2\n");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  tap_ok(rc == 0 && p.train.n == 4 && p.test.n == 1 && p.train.c == 1 && p.train.w == W &&
             p.train.h == H && p.train.num_classes == 4,
         "label files: 4 + 1 gray %dx%d images, numeric labels 0..3 make 4 classes", W, H);
  tap_ok(rc == 0 && p.train.labels[0] == 3 && p.train.labels[1] == 0 && p.train.labels[2] == 1 &&
             p.test.labels[0] == 2 && pixels_are(&p.train, 0, 0) && pixels_are(&p.train, 3, 3) &&
             pixels_are(&p.test, 0, 5),
         "labels and pixels read back exactly, in the file's order (\\r\\n and blank lines ok)");
  tap_ok(rc == 0 && strcmp(p.train.class_names[2], "2") == 0 && p.train.stats_from_data &&
             p.test.mean[0] == p.train.mean[0] && strncmp(p.train.name, "folder:", 7) == 0,
         "numbers name the classes; mean/std measured on the training split and used for test");
  if (rc == 0) dlab_dataset_pair_free(&p);
  write_text(root, "classes.txt", "zero\none\ntwo\nthree\nfour\n");
  rc = open_folder(root, 0, 0, 0, &p);
  tap_ok(rc == 0 && p.train.num_classes == 5 && strcmp(p.train.class_names[3], "three") == 0,
         "classes.txt names the classes (and may list more than the labels use)");
  if (rc == 0) dlab_dataset_pair_free(&p);
  rc = open_folder(root, 3, 0, 0, &p);
  tap_ok(rc == 0 && p.train.c == 3 && p.train.images[0] == value(0, 0) &&
             p.train.images[W * H + 1] == value(0, 1) && p.train.images[2 * W * H + 2] == value(0, 2),
         "--channels 3: gray becomes R = G = B, stored planar");
  if (rc == 0) dlab_dataset_pair_free(&p);
}

static void test_text_labels(void) {
  char root[1200];
  snprintf(root, sizeof root, "%s/text", tmp);
  for (int i = 0; i < 3; i++) {
    char rel[64];
    snprintf(rel, sizeof rel, "%d.png", i);
    gray_png(root, rel, i);
  }
  write_text(root, "rec_gt_train.txt", "0.png\tcat\n1.png\tant\n2.png\tbee\n");
  write_text(root, "rec_gt_test.txt", "1.png\tbee\n");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  tap_ok(rc == 0 && p.train.num_classes == 3 && strcmp(p.train.class_names[0], "ant") == 0 &&
             strcmp(p.train.class_names[2], "cat") == 0 && p.train.labels[0] == 2 &&
             p.train.labels[1] == 0 && p.test.labels[0] == 1,
         "PaddleOCR names (rec_gt_*.txt), text labels: the sorted distinct labels are the classes");
  if (rc == 0) dlab_dataset_pair_free(&p);
  write_text(root, "rec_gt_test.txt", "1.png\tbee\n2.png\tdog\n");
  rc = open_folder(root, 0, 0, 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "rec_gt_test.txt:2") && tf_contains(msg, "dog"),
         "a test label the training split lacks: \"%s\"", msg);
}

/* Every PNG kind into 1 and into 3 channels. */
static void test_png_kinds(void) {
  char root[1200], path[1500];
  snprintf(root, sizeof root, "%s/kinds", tmp);
  uint8_t rgb[W * H * 3], rgba[W * H * 4], g16[W * H * 2], pal[W * H];
  for (int p = 0; p < W * H; p++) {
    rgb[3 * p] = (uint8_t)(p * 8), rgb[3 * p + 1] = (uint8_t)(255 - p), rgb[3 * p + 2] = (uint8_t)(p * 3);
    rgba[4 * p] = 200, rgba[4 * p + 1] = 100, rgba[4 * p + 2] = 50, rgba[4 * p + 3] = (uint8_t)(p * 8);
    uint16_t v = (uint16_t)(value(1, p) * 257);
    g16[2 * p] = (uint8_t)(v >> 8), g16[2 * p + 1] = (uint8_t)v;
    pal[p] = (uint8_t)(p % 3);
  }
  png_color palette[3] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
  path_of(path, sizeof path, root, "rgb.png");
  wf_png(path, W, H, 8, PNG_COLOR_TYPE_RGB, rgb, W * 3, NULL, 0);
  path_of(path, sizeof path, root, "rgba.png");
  wf_png(path, W, H, 8, PNG_COLOR_TYPE_RGBA, rgba, W * 4, NULL, 0);
  path_of(path, sizeof path, root, "g16.png");
  wf_png(path, W, H, 16, PNG_COLOR_TYPE_GRAY, g16, W * 2, NULL, 0);
  path_of(path, sizeof path, root, "pal.png");
  wf_png(path, W, H, 8, PNG_COLOR_TYPE_PALETTE, pal, W, palette, 3);
  write_text(root, "train.txt", "rgb.png\t0\nrgba.png\t1\ng16.png\t0\npal.png\t1\n");
  write_text(root, "test.txt", "rgb.png\t0\n");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  size_t plane = W * H;
  int ok = rc == 0 && p.train.c == 3;
  for (size_t i = 0; ok && i < plane; i++) {
    const uint8_t *rgb_s = p.train.images, *rgba_s = p.train.images + 3 * plane;
    const uint8_t *g16_s = p.train.images + 6 * plane, *pal_s = p.train.images + 9 * plane;
    unsigned a = rgba[4 * i + 3];
    ok = rgb_s[i] == rgb[3 * i] && rgb_s[plane + i] == rgb[3 * i + 1] && rgb_s[2 * plane + i] == rgb[3 * i + 2] &&
         rgba_s[i] == (200 * a + 127) / 255 && rgba_s[plane + i] == (100 * a + 127) / 255 &&
         g16_s[i] == value(1, (int)i) && g16_s[2 * plane + i] == value(1, (int)i) &&
         pal_s[i] == palette[i % 3].red && pal_s[plane + i] == palette[i % 3].green;
  }
  tap_ok(ok, "RGB first: 3 channels; RGB, RGBA (on black), 16-bit gray and palette PNGs read exactly");
  if (rc == 0) dlab_dataset_pair_free(&p);
  rc = open_folder(root, 1, 0, 0, &p);
  ok = rc == 0 && p.train.c == 1;
  for (size_t i = 0; ok && i < plane; i++) {
    unsigned r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    ok = p.train.images[i] == (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) &&
         p.train.images[2 * plane + i] == value(1, (int)i);
  }
  tap_ok(ok, "--channels 1: color becomes gray with PIL's convert(\"L\") weights");
  if (rc == 0) dlab_dataset_pair_free(&p);
}

static void test_sizes_and_errors(void) {
  char root[1200], path[1500];
  snprintf(root, sizeof root, "%s/sizes", tmp);
  gray_png(root, "a.png", 0);
  uint8_t big[12 * 10] = {0};
  for (int i = 0; i < 120; i++) big[i] = (uint8_t)(i * 2);
  path_of(path, sizeof path, root, "big.png");
  wf_png_gray(path, 12, 10, big);
  write_text(root, "train.txt", "a.png\t0\nbig.png\t1\n");
  write_text(root, "test.txt", "a.png\t1\n");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "big.png") && tf_contains(msg, "12x10") && tf_contains(msg, "--resize"),
         "an image of another size names the file and suggests --resize: \"%s\"", msg);
  rc = open_folder(root, 0, 4, 3, &p);
  tap_ok(rc == 0 && p.train.w == 4 && p.train.h == 3 && p.test.n == 1,
         "--resize 4x3 scales every image");
  if (rc == 0) dlab_dataset_pair_free(&p);
  write_text(root, "train.txt", "a.png\t0\nbig.png 1\n");
  rc = open_folder(root, 0, 0, 0, &p);
  msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "train.txt:2") && tf_contains(msg, "TAB"),
         "a line without a TAB: \"%s\"", msg);
  write_text(root, "train.txt", "a.png\t0\nmissing.png\t1\n");
  rc = open_folder(root, 0, 0, 0, &p);
  msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "missing.png"), "a listed PNG that is absent: \"%s\"", msg);
  write_text(root, "bad.png", "not a png at all");
  write_text(root, "train.txt", "a.png\t0\nbad.png\t1\n");
  rc = open_folder(root, 0, 0, 0, &p);
  msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "bad.png") && tf_contains(msg, "not a PNG"), "not a PNG: \"%s\"", msg);
  char empty[1200];
  snprintf(empty, sizeof empty, "%s/empty", tmp);
  tf_mkdirs(empty);
  rc = open_folder(empty, 0, 0, 0, &p);
  msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "not a folder dataset"), "neither layout: \"%.120s\"", msg);
  DlabLabelList list;
  const char text[] = "a.png\t\n";
  tap_ok(dlab_label_file_parse(text, strlen(text), "mem", &list) == -1 &&
             tf_contains(dlab_error_message(), "empty label"),
         "label parser: an empty label is refused");
}

/* A label file's paths stay inside the dataset's folder (issue 13: a line
 * `/etc/hostname` or `../outside.png` was opened): the message names the
 * label file, the line and the path. */
static void expect_outside(const char *root, const char *train, const char *needle, const char *why) {
  write_text(root, "train.txt", train);
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "train.txt:2: ") && tf_contains(msg, needle), "%s: \"%s\"", why, msg);
  if (rc == 0) dlab_dataset_pair_free(&p);
}

static void test_paths_stay_inside(void) {
  char root[1200], link[1400], target[1400];
  snprintf(root, sizeof root, "%s/confined", tmp);
  gray_png(root, "a.png", 0);
  gray_png(tmp, "outside.png", 1); /* a good PNG beside the folder */
  write_text(root, "test.txt", "a.png\t1\n");
  expect_outside(root, "a.png\t0\n/etc/hostname\t1\n", "/etc/hostname: an absolute path",
                 "an absolute path is refused");
  expect_outside(root, "a.png\t0\n../outside.png\t1\n", "../outside.png: a `..` component",
                 "../outside.png is refused");
  expect_outside(root, "a.png\t0\nimg/../../outside.png\t1\n", "img/../../outside.png: a `..` component",
                 "a `..` further in is refused too");
  snprintf(link, sizeof link, "%s/link.png", root);
  snprintf(target, sizeof target, "%s/outside.png", tmp);
  int linked = symlink(target, link) == 0;
  snprintf(link, sizeof link, "%s/up", root);
  linked &= symlink(tmp, link) == 0;
  snprintf(link, sizeof link, "%s/alias.png", root);
  linked &= symlink("a.png", link) == 0;
  if (!linked) {
    tap_ok(0, "cannot make symlinks in %s", root);
    return;
  }
  expect_outside(root, "a.png\t0\nlink.png\t1\n", "link.png: a symlink leads out of the dataset's folder",
                 "an image that is a symlink to a file outside is refused");
  expect_outside(root, "a.png\t0\nup/outside.png\t1\n", "up/outside.png: a symlink leads out",
                 "a symlinked folder leading outside is refused");
  write_text(root, "train.txt", "a.png\t0\nalias.png\t1\n");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  tap_ok(rc == 0 && p.train.n == 2 && pixels_are(&p.train, 1, 0),
         "a symlink that stays inside the folder is followed");
  if (rc == 0) dlab_dataset_pair_free(&p);
  DlabLabelList list;
  const char text[] = "a.png\t0\r\n/abs.png\t1\n";
  tap_ok(dlab_label_file_parse(text, strlen(text), "mem", &list) == -1 &&
             tf_contains(dlab_error_message(), "mem:2: /abs.png: an absolute path"),
         "label parser: \"%s\"", dlab_error_message());
}

static void test_class_folders(void) {
  char root[1200];
  snprintf(root, sizeof root, "%s/classes", tmp);
  gray_png(root, "train/dog/b.png", 1);
  gray_png(root, "train/dog/a.png", 0);
  gray_png(root, "train/cat/x.png", 2);
  gray_png(root, "test/dog/t.png", 3);
  write_text(root, "train/dog/notes.txt", "ignored");
  DlabDatasetPair p;
  int rc = open_folder(root, 0, 0, 0, &p);
  tap_ok(rc == 0 && p.train.n == 3 && p.train.num_classes == 2 && strcmp(p.train.class_names[0], "cat") == 0 &&
             p.train.labels[0] == 0 && p.train.labels[1] == 1 && pixels_are(&p.train, 1, 0) &&
             pixels_are(&p.train, 2, 1) && p.test.labels[0] == 1,
         "class folders: classes sorted by name, files sorted within, other files ignored");
  if (rc == 0) dlab_dataset_pair_free(&p);
  gray_png(root, "test/eel/e.png", 4);
  rc = open_folder(root, 0, 0, 0, &p);
  const char *msg = dlab_error_message();
  tap_ok(rc == -1 && tf_contains(msg, "eel"), "a test class the training split lacks: \"%s\"", msg);
}

/* A hand-made pair: n samples of c x 7 x 5 with class names. */
static void make_pair(DlabDatasetPair *p, int c, const char *const *names, int k) {
  memset(p, 0, sizeof *p);
  DlabDataset *ds[2] = {&p->train, &p->test};
  for (int s = 0; s < 2; s++) {
    DlabDataset *d = ds[s];
    snprintf(d->name, sizeof d->name, "made");
    d->n = s ? 3 : 12;
    d->c = c, d->h = 7, d->w = 5;
    d->images = malloc((size_t)d->n * c * 35);
    d->labels = malloc((size_t)d->n);
    for (int i = 0; i < d->n * c * 35; i++) d->images[i] = (uint8_t)(i * 13 + s);
    for (int i = 0; i < d->n; i++) d->labels[i] = (uint8_t)((i * 5 + s) % k);
    dlab_dataset_set_classes(d, names, k);
  }
}

/* b holds a's samples, in a's order, or grouped by class (class folders
 * list each class's files in turn). */
static int same_data(const DlabDataset *a, const DlabDataset *b, int by_class) {
  if (a->n != b->n || a->c != b->c || a->h != b->h || a->w != b->w || a->num_classes != b->num_classes) return 0;
  size_t sample = (size_t)a->c * a->h * a->w;
  int at = 0;
  for (int k = 0; k < (by_class ? a->num_classes : 1); k++)
    for (int i = 0; i < a->n; i++) {
      if (by_class && a->labels[i] != k) continue;
      if (b->labels[at] != a->labels[i] || memcmp(b->images + at * sample, a->images + i * sample, sample)) return 0;
      at++;
    }
  return at == a->n;
}

static void test_export_round_trip(void) {
  static const char *const fashion[] = {"T-shirt/top", "Trouser", "Pullover", "Dress"};
  static const char *const digits[] = {"0", "1", "2"};
  const char *const *names[2] = {fashion, digits};
  int counts[2] = {4, 3}, channels[2] = {1, 3};
  for (int layout = 0; layout < 2; layout++)
    for (int v = 0; v < 2; v++) {
      DlabDatasetPair p, back;
      make_pair(&p, channels[v], names[v], counts[v]);
      char root[1200];
      snprintf(root, sizeof root, "%s/export_%d_%d", tmp, layout, v);
      int rc = dlab_dataset_export(&p, root, layout ? DLAB_EXPORT_CLASS_FOLDERS : DLAB_EXPORT_LABEL_FILES);
      if (rc < 0) printf("# export: %s\n", dlab_error_message());
      int rc2 = rc == 0 ? open_folder(root, channels[v], 0, 0, &back) : -1;
      int names_ok = rc2 == 0 && (layout ? strstr(back.train.class_names[0], "T-shirt_top") || v == 1
                                         : strcmp(back.train.class_names[0], names[v][0]) == 0);
      tap_ok(rc2 == 0 && same_data(&p.train, &back.train, layout) && same_data(&p.test, &back.test, layout) && names_ok,
             "export (%s, %d channel%s) then load: the same images, labels and classes (\"%s\")",
             layout ? "class folders" : "label files", channels[v], channels[v] > 1 ? "s" : "",
             rc2 == 0 ? back.train.class_names[0] : "-");
      if (rc2 == 0) dlab_dataset_pair_free(&back);
      if (v == 0 && layout == 0) {
        rc = dlab_dataset_export(&p, root, DLAB_EXPORT_LABEL_FILES);
        tap_ok(rc == -1 && tf_contains(dlab_error_message(), "not empty"),
               "export refuses a folder that is not empty: \"%s\"", dlab_error_message());
      }
      dlab_dataset_pair_free(&p);
    }
}

int main(void) {
  tf_make_temp_dir(tmp, sizeof tmp, "folder");
  test_label_files();
  test_text_labels();
  test_png_kinds();
  test_sizes_and_errors();
  test_paths_stay_inside();
  test_class_folders();
  test_export_round_trip();
  tf_remove_tree(tmp);
  return tap_done();
}
