/* dlab predict: classify PNG images. One line per input,
 *   path<TAB>class<TAB>probability
 * followed with --all by one <TAB>class=probability field per class.
 * Scripts read these lines: keep the format. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/image.h"
#include "dlab/loss.h"
#include "dlab/threads.h"
#include "options.h"

#define MAX_INPUTS 4096

typedef enum { INVERT_AUTO, INVERT_YES, INVERT_NO } InvertMode;

/* Mean of the outermost ring of pixels: paper-like (bright) borders mean
 * dark ink on a light background, the opposite of MNIST. */
static double border_mean(const DlabImage *img) {
  double sum = 0;
  long n = 0;
  for (int y = 0; y < img->h; y++)
    for (int x = 0; x < img->w; x++)
      if (y == 0 || x == 0 || y == img->h - 1 || x == img->w - 1)
        for (int c = 0; c < img->c; c++, n++) sum += img->data[((size_t)y * img->w + x) * img->c + c];
  return n ? sum / n : 0;
}

/* Turns a PNG into the model's normalized CHW input. */
static int load_input(const char *path, const DlabModel *m, const DlabModelInfo *info, InvertMode invert,
                      float *x) {
  int c = m->input.d[0], h = m->input.d[1], w = m->input.d[2];
  DlabImage img = {0}, scaled = {0};
  if (dlab_image_read_png(path, c, &img) < 0) return -1;
  const DlabImage *src = &img;
  if (img.w != w || img.h != h) {
    if (dlab_image_resize(&img, w, h, &scaled) < 0) {
      dlab_image_free(&img);
      return dlab_error_prefix("%s", path);
    }
    src = &scaled;
  }
  int inv = invert == INVERT_YES || (invert == INVERT_AUTO && c == 1 && border_mean(src) > 127);
  int transposed = strcmp(info->orientation, "transposed") == 0;
  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++) {
        int sy = transposed ? xx : y, sx = transposed ? y : xx;
        float v = src->data[((size_t)sy * w + sx) * c + ch] / 255.0f;
        if (inv) v = 1.0f - v;
        x[((size_t)ch * h + y) * w + xx] = (v - info->mean[ch]) / info->std[ch];
      }
  dlab_image_free(&img);
  dlab_image_free(&scaled);
  return 0;
}

static void print_prediction(const char *path, const float *p, const DlabModelInfo *info, int all) {
  int best = 0;
  for (int k = 1; k < info->num_classes; k++)
    if (p[k] > p[best]) best = k;
  printf("%s\t%s\t%.4f", path, info->class_names[best], (double)p[best]);
  if (all)
    for (int k = 0; k < info->num_classes; k++) printf("\t%s=%.4f", info->class_names[k], (double)p[k]);
  printf("\n");
}

static int parse_invert(const char *text, InvertMode *mode) {
  if (strcmp(text, "auto") == 0) *mode = INVERT_AUTO;
  else if (strcmp(text, "yes") == 0) *mode = INVERT_YES;
  else if (strcmp(text, "no") == 0) *mode = INVERT_NO;
  else return -1;
  return 0;
}

/* Classifies each input on its own, so one bad file does not stop the rest. */
static int predict_all(DlabModel *m, const DlabModelInfo *info, const char **paths, int n, InvertMode invert,
                       int all) {
  int failures = 0;
  DlabTensor probs = {0};
  if (dlab_model_set_batch(m, 1) < 0 || dlab_tensor_init2(&probs, 1, info->num_classes) < 0)
    return cli_fail("predict");
  for (int i = 0; i < n; i++) {
    if (load_input(paths[i], m, info, invert, m->acts[0].data) < 0) {
      fprintf(stderr, "dlab predict: %s\n", dlab_error_message());
      failures++;
      continue;
    }
    dlab_softmax(dlab_model_forward(m, 1, 0), &probs);
    print_prediction(paths[i], probs.data, info, all);
  }
  dlab_tensor_free(&probs);
  return failures ? 1 : 0;
}

int cmd_predict(int argc, char **argv) {
  const char *model = NULL, *invert_text = "auto";
  int all = 0, help = 0;
  CliOption opts[] = {
      {"model", OPT_STRING, &model, "checkpoint (.safetensors)", 0},
      {"all", OPT_FLAG, &all, "also print every class's probability", 0},
      {"invert", OPT_STRING, &invert_text, "auto, yes or no: dark ink on light paper is inverted "
                                           "(auto: when the border is light)", 0},
      {"help", OPT_FLAG, &help, "show this help", 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  static const char *paths[MAX_INPUTS];
  int n_paths;
  if (cli_parse("predict", argc, argv, 2, opts, n_opts, paths, MAX_INPUTS, &n_paths) < 0) return 2;
  if (help) {
    printf("usage: dlab predict --model FILE IMAGE.png...\n\nPrints path<TAB>class<TAB>probability "
           "for each image (any size: it is scaled to the model's input).\n\n");
    cli_print_options(opts, n_opts);
    return 0;
  }
  InvertMode invert;
  if (parse_invert(invert_text, &invert) < 0) {
    fprintf(stderr, "dlab predict: --invert %s: expected auto, yes or no\n", invert_text);
    return 2;
  }
  if (!model || n_paths == 0) {
    fprintf(stderr, "usage: dlab predict --model FILE IMAGE.png...\n");
    return 2;
  }
  dlab_threads_set(1);
  DlabModelInfo info;
  DlabModel *m = dlab_checkpoint_load(model, &info);
  if (!m) return cli_fail("predict");
  int rc = predict_all(m, &info, paths, n_paths, invert, all);
  dlab_model_info_free(&info);
  dlab_model_free(m);
  return rc;
}
