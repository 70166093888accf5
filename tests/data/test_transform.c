/* Transforms: the text form, exact results of each operation on known
 * images, torchvision's conventions (rotation direction, fills, padding),
 * normalization order, and seeded determinism. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/dataset.h"
#include "dlab/error.h"
#include "dlab/transform.h"
#include "test_files.h"
#include "test_util.h"
#include "transforms/transform_ops.h"

#define S 8

static const float unit_mean[3] = {0, 0, 0}, unit_std[3] = {1, 1, 1};

/* Runs `text` on src (c x S x S) without normalization into dst. */
static int preview(const char *text, int c, const uint8_t *src, uint8_t *dst, uint64_t seed) {
  DlabTransformList t;
  if (dlab_transforms_parse(text, &t) < 0) {
    printf("# %s\n", dlab_error_message());
    return -1;
  }
  DlabAugmenter *a = dlab_augmenter_create(&t, c, S, S, unit_mean, unit_std);
  if (!a) return -1;
  DlabRng rng;
  dlab_rng_seed(&rng, seed);
  dlab_augmenter_preview(a, src, dst, &rng);
  dlab_augmenter_free(a);
  return 0;
}

static void pattern(uint8_t *p, int c) {
  for (int i = 0; i < c * S * S; i++) p[i] = (uint8_t)(10 + i * 3);
}

static void test_parse(void) {
  DlabTransformList t;
  char buf[512];
  int rc = dlab_transforms_parse("rotate:5,crop:28:2", &t);
  tap_ok(rc == 0 && t.n == 2 && t.steps[0].kind == DLAB_TF_ROTATE && t.steps[0].degrees == 5 &&
             t.steps[1].size == 28 && t.steps[1].padding == 2 && dlab_transforms_augment(&t),
         "rotate:5,crop:28:2 parses to RandomRotation(5), RandomCrop(28, padding=2)");
  tap_ok(strcmp(dlab_transforms_describe(&t, buf, sizeof buf), "rotate:5:0,crop:28:2:0") == 0,
         "describe spells out every parameter: %s", buf);
  rc = dlab_transforms_parse("affine:10:translate=0.1/0.2:scale=0.9/1.1:shear=5, hflip:p=0.25 ,elastic:alpha=30,normalize:0.5/0.4/0.3:0.2/0.2/0.2", &t);
  tap_ok(rc == 0 && t.n == 4 && t.steps[0].translate[1] == 0.2f && t.steps[0].scale[0] == 0.9f &&
             t.steps[0].shear == 5 && t.steps[1].p == 0.25f && t.steps[2].alpha == 30 &&
             t.steps[2].sigma == 5 && t.steps[3].norm == DLAB_NORM_GIVEN && t.steps[3].norm_channels == 3 &&
             t.steps[3].mean[2] == 0.3f,
         "KEY=VALUE, pairs A/B, per-channel lists and spaces around steps");
  rc = dlab_transforms_parse("normalize:computed", &t);
  tap_ok(rc == 0 && t.steps[0].norm == DLAB_NORM_COMPUTED && !dlab_transforms_augment(&t),
         "normalize:computed; normalization alone is not augmentation");
  struct {
    const char *text, *needle;
  } bad[] = {
      {"rotat:5", "unknown transform"},   {"rotate:x", "not a number"},
      {"crop", "crop size"},               {"rotate:5,,crop:28", "empty step"},
      {"hflip:2", "outside"},              {"rotate:5:fill=300", "outside"},
      {"crop:28:padding=1.5", "whole number"}, {"affine:5:scale=1.2/0.8", "LO/HI"},
      {"normalize:0.5", "both"},           {"rotate:1:2:3", "too many"},
      {"rotate:size=3", "no parameter"},   {"normalize,normalize", "twice"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    rc = dlab_transforms_parse(bad[i].text, &t);
    tap_ok(rc == -1 && tf_contains(dlab_error_message(), bad[i].needle), "bad --transform %s: \"%s\"",
           bad[i].text, dlab_error_message());
  }
  rc = dlab_transforms_parse("", &t);
  tap_ok(rc == 0 && t.n == 0, "an empty list is no transform");
}

/* With no random step the pipeline equals dlab_dataset_gather bit for bit. */
static void test_identity_matches_gather(void) {
  uint8_t img[3 * S * S];
  pattern(img, 3);
  uint8_t label = 1;
  DlabDataset d = {.n = 1, .c = 3, .h = S, .w = S, .images = img, .labels = &label,
                   .num_classes = 2, .mean = {0.4f, 0.5f, 0.6f}, .std = {0.2f, 0.25f, 0.3f}};
  DlabTensor x = {0};
  dlab_dataset_gather(&d, NULL, 1, &x, NULL);
  const char *lists[] = {"", "crop:8", "rotate:0", "affine:0", "elastic:alpha=0", "hflip:p=0"};
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
    DlabTransformList t;
    dlab_transforms_parse(lists[i], &t);
    DlabAugmenter *a = dlab_augmenter_create(&t, 3, S, S, d.mean, d.std);
    float out[3 * S * S];
    DlabRng rng;
    dlab_rng_seed(&rng, 7);
    if (a) dlab_augmenter_run(a, img, out, &rng);
    tap_ok(a && memcmp(out, x.data, sizeof out) == 0,
           "\"%s\" changes nothing: the output equals gather's exactly", lists[i]);
    dlab_augmenter_free(a);
  }
  dlab_tensor_free(&x);
}

static void test_operations(void) {
  uint8_t img[2 * S * S], out[2 * S * S];
  pattern(img, 2);
  preview("hflip:1", 2, img, out, 1);
  int ok = 1;
  for (int ch = 0; ch < 2; ch++)
    for (int y = 0; y < S; y++)
      for (int x = 0; x < S; x++) ok &= out[ch * 64 + y * S + x] == img[ch * 64 + y * S + (S - 1 - x)];
  tap_ok(ok, "hflip:1 mirrors every row of every channel");

  /* A 90-degree turn through the inverse map: counter-clockwise on screen,
   * as PIL's rotate(90): the top row becomes the left column, reversed. */
  float src[S * S], dst[S * S], fill = 0;
  for (int i = 0; i < S * S; i++) src[i] = (float)i;
  DlabInverseMap m = dlab_tf_rotation_map(90, S, S);
  dlab_tf_warp_nearest(src, dst, 1, S, S, &m, &fill);
  ok = 1;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++) ok &= dst[y * S + x] == src[x * S + (S - 1 - y)];
  tap_ok(ok, "rotation by 90 degrees is counter-clockwise (PIL's convention), pixel for pixel");

  /* crop with padding: offsets (0, 0) shift the image down-right by the padding. */
  float cropped[S * S], fillv = -1;
  dlab_tf_crop(src, cropped, 1, S, S, S, 2, 0, 0, &fillv);
  ok = 1;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      ok &= cropped[y * S + x] == (y < 2 || x < 2 ? -1 : src[(y - 2) * S + (x - 2)]);
  tap_ok(ok, "crop at offset 0 of the 2-padded image: fill on the top and left, the image shifted");

  /* affine: pure translation by (2, 1) pixels. */
  DlabInverseMap t = dlab_tf_affine_map(0, 2, 1, 1, 0, 0, S, S);
  dlab_tf_warp_nearest(src, dst, 1, S, S, &t, &fill);
  ok = 1;
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      ok &= dst[y * S + x] == (x < 2 || y < 1 ? 0 : src[(y - 1) * S + (x - 2)]);
  tap_ok(ok, "affine translate (2, 1) moves the image right 2 and down 1");

  /* Random rotations: nearest sampling only ever copies input values or
   * the fill, and the same seed gives the same image. */
  uint8_t a[2 * S * S], b[2 * S * S];
  preview("rotate:30:fill=255", 2, img, a, 99);
  preview("rotate:30:fill=255", 2, img, b, 99);
  ok = memcmp(a, b, sizeof a) == 0;
  for (int i = 0; i < 2 * S * S; i++) {
    int found = a[i] == 255;
    for (int j = 0; j < 2 * S * S && !found; j++) found = a[i] == img[j];
    ok &= found;
  }
  preview("rotate:30:fill=255", 2, img, b, 100);
  tap_ok(ok && memcmp(a, b, sizeof a) != 0,
         "rotate: same seed, same image; other seed, other angle; only input values or the fill");

  preview("elastic:alpha=40:sigma=3", 2, img, a, 5);
  preview("elastic:alpha=40:sigma=3", 2, img, b, 5);
  int changed = memcmp(a, img, sizeof a) != 0;
  tap_ok(changed && memcmp(a, b, sizeof a) == 0, "elastic distorts, reproducibly for a seed");
}

/* A fill after normalization is converted to the normalized scale. */
static void test_fill_after_normalize(void) {
  uint8_t img[S * S];
  memset(img, 255, sizeof img);
  DlabTransformList t;
  dlab_transforms_parse("normalize,crop:8:2:fill=0", &t);
  float mean[1] = {0.5f}, std[1] = {0.25f}, out[S * S];
  DlabAugmenter *a = dlab_augmenter_create(&t, 1, S, S, mean, std);
  DlabRng rng;
  int ok = a != NULL, saw_fill = 0;
  for (int trial = 0; ok && trial < 20; trial++) {
    dlab_rng_seed(&rng, (uint64_t)trial);
    dlab_augmenter_run(a, img, out, &rng);
    for (int i = 0; i < S * S; i++) {
      int is_fill = fabsf(out[i] - (0 - 0.5f) / 0.25f) < 1e-6f;
      int is_white = fabsf(out[i] - (1 - 0.5f) / 0.25f) < 1e-6f;
      ok &= is_fill || is_white;
      saw_fill |= is_fill;
    }
  }
  tap_ok(ok && saw_fill, "normalize before crop: the padding is black normalized, -2, not 0");
  dlab_augmenter_free(a);
}

static void test_stats(void) {
  uint8_t img[2 * 4] = {0, 255, 0, 255, 10, 10, 10, 10}, labels[2] = {0, 1};
  DlabDataset train = {.n = 2, .c = 1, .h = 2, .w = 2, .images = img, .labels = labels,
                       .mean = {0.1f}, .std = {0.2f}};
  DlabDataset test = train;
  DlabTransformList t;
  dlab_transforms_parse("normalize:0.3:0.4", &t);
  int rc = dlab_transforms_set_stats(&t, &train, NULL, &test);
  tap_ok(rc == 0 && train.mean[0] == 0.3f && test.std[0] == 0.4f,
         "normalize:M:S becomes the datasets' statistics (so the checkpoint records it)");
  dlab_transforms_parse("normalize:computed", &t);
  rc = dlab_transforms_set_stats(&t, &train, NULL, &test);
  float m[1], s[1];
  dlab_dataset_compute_stats(&train, m, s);
  tap_ok(rc == 0 && train.mean[0] == m[0] && test.mean[0] == m[0] && train.stats_from_data,
         "normalize:computed measures the training split and applies it to test");
  dlab_transforms_parse("normalize:0.1/0.2:0.3/0.4", &t);
  rc = dlab_transforms_set_stats(&t, &train, NULL, &test);
  tap_ok(rc == -1 && tf_contains(dlab_error_message(), "2 values for 1-channel"),
         "per-channel values must match the channels: \"%s\"", dlab_error_message());
  dlab_transforms_parse("crop:24:2", &t);
  tap_ok(dlab_transforms_check(&t, 1, 28, 28) == -1 && tf_contains(dlab_error_message(), "crop:24"),
         "a crop that would change the size is refused: \"%s\"", dlab_error_message());
}

int main(void) {
  test_parse();
  test_identity_matches_gather();
  test_operations();
  test_fill_after_normalize();
  test_stats();
  return tap_done();
}
