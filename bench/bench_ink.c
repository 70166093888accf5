/* bench_ink: the sketchpad's latency budget, stroke -> probabilities.
 *
 *   bench_ink [MODEL] [STROKES...]
 *
 * Times dlab_predictor_run_strokes (ink preprocessing + one forward pass of
 * batch 1, on one thread) over every drawing given (default: the hand-drawn
 * set in tests/data/strokes with the application's default model), many
 * times, and prints the median and the 99th percentile in milliseconds.
 * The budget is 1 ms on the development machine's CPU.
 *
 * Then the same for the stroke-to-everything update of the Draw page with
 * its Inside view shown (issue 17): the probabilities as above, then
 * dlab_inside_run_strokes (every layer's output, unfused), every layer's
 * picture as the view draws it (dlab_inside_maps_image in rows of 16 /
 * dlab_inside_bars_image), and the saliency of the most likely class with
 * its picture. The view does the part after the probabilities once the
 * frame showing them is painted, so this is the time a frame needs, not the
 * probabilities' latency. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlab/clock.h"
#include "dlab/error.h"
#include "dlab/ink.h"
#include "dlab/inside.h"
#include "dlab/predictor.h"
#include "dlab/threads.h"
#include "nn/model_impl.h"
#include "bench_sort.h"

#define ROUNDS 2000
#define MAX_DRAWINGS 256

static double now_ms(void) { return dlab_now_seconds() * 1e3; }

/* Every *.strokes file of dir, read into drawings[]. */
static int read_dir(const char *dir, DlabStrokes *drawings, int max) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  char path[8192];
  while ((e = readdir(d)) && n < max) {
    size_t len = strlen(e->d_name);
    if (len < 8 || strcmp(e->d_name + len - 8, ".strokes") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    dlab_strokes_init(&drawings[n]);
    if (dlab_strokes_read(path, &drawings[n]) == 0) n++;
  }
  closedir(d);
  return n;
}

static void report(double *ms, const char *what, const char *model, int n) {
  bench_sort_doubles(ms, ROUNDS);
  printf("%s (%s, %d drawings, %d runs, 1 thread)\n", what, model, n, ROUNDS);
  printf("median %.3f ms  p99 %.3f ms  (budget 1 ms)\n", ms[ROUNDS / 2], ms[ROUNDS * 99 / 100]);
}

/* What the Draw page does for one change of the drawing with the Inside
 * view shown (dlab-draw-page.c, dlab-inside-view.c). */
static void everything(DlabPredictor *p, DlabInside *in, const DlabStrokes *s, float *probs) {
  static float image[DLAB_INK_PIXELS], grad[DLAB_INK_PIXELS];
  DlabImage img;
  dlab_predictor_run_strokes(p, s, NULL, probs);
  int best = dlab_inside_run_strokes(in, s, image, NULL);
  if (best < 0) return;
  const DlabModel *m = dlab_inside_model(in);
  for (int i = 0; i < m->n_layers; i++) {
    DlabShape sh;
    const float *v = dlab_inside_output(in, i, &sh);
    if (m->layers[i]->ops == &dlab_flatten_ops) continue;
    int rc = sh.ndim == 3 ? dlab_inside_maps_image(v, sh, 2, 16, &img) : dlab_inside_bars_image(v, sh.d[0], 2, &img);
    if (rc == 0) dlab_image_free(&img);
  }
  if (dlab_inside_saliency(in, best, grad) == 0 &&
      dlab_inside_saliency_image(image, grad, DLAB_INK_SIDE, DLAB_INK_SIDE, 1, 6, &img) == 0)
    dlab_image_free(&img);
}

int main(int argc, char **argv) {
  const char *model = argc > 1 ? argv[1] : dlab_default_model_path();
  static DlabStrokes drawings[MAX_DRAWINGS];
  int n = 0;
  for (int i = 2; i < argc && n < MAX_DRAWINGS; i++) {
    dlab_strokes_init(&drawings[n]);
    if (dlab_strokes_read(argv[i], &drawings[n]) < 0) {
      fprintf(stderr, "bench_ink: %s\n", dlab_error_message());
      return 1;
    }
    n++;
  }
  if (n == 0) {
    const char *root = getenv("DLAB_SOURCE_ROOT");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/data/strokes", root ? root : ".");
    n = read_dir(dir, drawings, MAX_DRAWINGS);
  }
  if (n == 0) {
    fprintf(stderr, "bench_ink: no drawings (give .strokes files, or run from the source tree)\n");
    return 1;
  }
  dlab_threads_set(1);
  DlabPredictor *p = dlab_predictor_load(model);
  if (!p) {
    fprintf(stderr, "bench_ink: %s\n", dlab_error_message());
    return 1;
  }
  float probs[64];
  double *ms = malloc(ROUNDS * sizeof *ms);
  for (int i = 0; i < 50; i++) dlab_predictor_run_strokes(p, &drawings[i % n], NULL, probs); /* warm up */
  for (int i = 0; i < ROUNDS; i++) {
    double t0 = now_ms();
    dlab_predictor_run_strokes(p, &drawings[i % n], NULL, probs);
    ms[i] = now_ms() - t0;
  }
  report(ms, "stroke -> probabilities", model, n);

  DlabInside *in = dlab_inside_new(p);
  if (!in) {
    fprintf(stderr, "bench_ink: %s\n", dlab_error_message());
    return 1;
  }
  for (int i = 0; i < 50; i++) everything(p, in, &drawings[i % n], probs); /* warm up */
  for (int i = 0; i < ROUNDS; i++) {
    double t0 = now_ms();
    everything(p, in, &drawings[i % n], probs);
    ms[i] = now_ms() - t0;
  }
  report(ms, "stroke -> probabilities + every layer + saliency (Inside view)", model, n);
  dlab_inside_free(in);
  free(ms);
  dlab_predictor_free(p);
  for (int i = 0; i < n; i++) dlab_strokes_free(&drawings[i]);
  dlab_threads_shutdown();
  return 0;
}
