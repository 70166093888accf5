/* dlab predict: classify PNG images or drawings (strokes files). One line
 * per input,
 *   path<TAB>class<TAB>probability
 * followed with --all by one <TAB>class=probability field per class.
 * Scripts read these lines: keep the format ('.' in every locale). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "image_input.h"
#include "dlab/cnum.h"
#include "dlab/error.h"
#include "dlab/image.h"
#include "dlab/predictor.h"
#include "dlab/threads.h"
#include "options.h"

#define MAX_INPUTS 65536 /* a whole test set of drawings in one call */

static void print_prediction(const char *path, int best, const float *p, const DlabModelInfo *info, int all) {
  dlab_fprintf_c(stdout, "%s\t%s\t%.4f", path, info->class_names[best], (double)p[best]);
  if (all)
    for (int k = 0; k < info->num_classes; k++)
      dlab_fprintf_c(stdout, "\t%s=%.4f", info->class_names[k], (double)p[k]);
  printf("\n");
}

/* One input, image or drawing: the most likely class, or -1. */
static int classify(DlabPredictor *p, const char *path, int strokes, InvertMode invert, float *pixels,
                    float *probs) {
  if (strokes) {
    DlabStrokes s;
    dlab_strokes_init(&s);
    int best = dlab_strokes_read(path, &s) < 0 ? -1 : dlab_predictor_run_strokes(p, &s, NULL, probs);
    if (best < 0 && s.n_points > 0) dlab_error_prefix("%s", path);
    dlab_strokes_free(&s);
    return best;
  }
  if (cli_load_image(path, dlab_model_input(dlab_predictor_model(p)), invert, pixels) < 0) return -1;
  return dlab_predictor_run(p, pixels, probs);
}

/* Classifies each input on its own, so one bad file does not stop the rest. */
static int predict_all(DlabPredictor *p, const char **paths, int n, int strokes, InvertMode invert, int all) {
  const DlabModelInfo *info = dlab_predictor_info(p);
  /* The input shape is within the limits of layer.h: numel fits. */
  float *pixels = malloc((size_t)dlab_shape_numel(dlab_model_input(dlab_predictor_model(p))) * sizeof *pixels);
  float *probs = malloc((size_t)info->num_classes * sizeof *probs);
  int failures = 0;
  if (!pixels || !probs) {
    free(pixels);
    free(probs);
    fputs(_("dlab predict: out of memory\n"), stderr);
    return 1;
  }
  for (int i = 0; i < n; i++) {
    int best = classify(p, paths[i], strokes, invert, pixels, probs);
    if (best < 0) {
      fprintf(stderr, "dlab predict: %s\n", dlab_error_message());
      failures++;
    } else {
      print_prediction(paths[i], best, probs, info, all);
    }
  }
  free(pixels);
  free(probs);
  return failures ? 1 : 0;
}

static void usage(FILE *f) {
  fputs(_("usage: dlab predict [--model FILE] IMAGE.png...\n"
          "       dlab predict [--model FILE] --strokes DRAWING.strokes...\n"),
        f);
}

int cmd_predict(int argc, char **argv) {
  const char *model = NULL, *invert_text = "auto";
  int all = 0, strokes = 0, help = 0;
  CliOption opts[] = {
      {"model", OPT_STRING, &model, N_("checkpoint (.safetensors; default: the application's model)"), 0},
      {"strokes", OPT_FLAG, &strokes, N_("the inputs are drawings (strokes files), preprocessed as the "
                                         "sketchpad does"), 0},
      {"all", OPT_FLAG, &all, N_("also print every class's probability"), 0},
      {"invert", OPT_STRING, &invert_text, N_("auto, yes or no: dark ink on light paper is inverted "
                                              "(auto: when the border is light)"), 0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  static const char *paths[MAX_INPUTS];
  int n_paths;
  if (cli_parse("predict", argc, argv, 2, opts, n_opts, paths, MAX_INPUTS, &n_paths) < 0) return 2;
  if (help) {
    usage(stdout);
    fputs(_("\nPrints path<TAB>class<TAB>probability for each input. Images of any size are scaled\n"
            "to the model's input; drawings go through the sketchpad's preprocessing.\n\n"),
          stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  InvertMode invert;
  if (cli_parse_invert(invert_text, &invert) < 0) {
    fprintf(stderr, _("dlab predict: --invert %s: expected auto, yes or no\n"), invert_text);
    return 2;
  }
  if (n_paths == 0) {
    usage(stderr);
    return 2;
  }
  dlab_threads_set(1);
  DlabPredictor *p = dlab_predictor_load(model ? model : dlab_default_model_path());
  if (!p) return cli_fail("predict");
  int rc = predict_all(p, paths, n_paths, strokes, invert, all);
  dlab_predictor_free(p);
  return rc;
}
