/* dlab predict: classify PNG images or drawings (strokes files). One line
 * per input,
 *   path<TAB>class<TAB>probability
 * followed with --all by one <TAB>class=probability field per class.
 * Scripts read these lines: keep the format ('.' in every locale).
 *
 * With --model given more than once the models are averaged (dlab/ensemble.h):
 * that line holds the mean of their probabilities, and under it come, each
 * starting with a tab, one line per model
 *   <TAB>model<TAB>class<TAB>probability
 * and a sentence for people (translated): all N models read C, or which
 * model reads which class where they disagree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "image_input.h"
#include "dlab/cnum.h"
#include "dlab/ensemble.h"
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

/* Under the mean's line: each model's own class, then whether they agree. */
static void print_models(const DlabEnsembleReading *r, const char *const *names, int n, const DlabModelInfo *info) {
  const int k = info->num_classes;
  for (int i = 0; i < n; i++)
    dlab_fprintf_c(stdout, "\t%s\t%s\t%.4f\n", names[i], info->class_names[r->tops[i]],
                   (double)r->probs[(size_t)i * k + r->tops[i]]);
  if (r->n_top_classes == 1) {
    printf("\t");
    printf(ngettext("all %d model reads %s\n", "all %d models read %s\n", n), n, info->class_names[r->tops[0]]);
    return;
  }
  printf("\t%s", _("the models disagree:"));
  for (int i = 0; i < n; i++) {
    /* TRANSLATORS: between two "MODEL reads CLASS" of a list. */
    fputs(i ? _(", ") : " ", stdout);
    printf(_("%s reads %s"), names[i], info->class_names[r->tops[i]]);
  }
  printf("\n");
}

/* One input, image or drawing: the best class of the mean, or -1. */
static int classify(DlabEnsemble *e, const char *path, int strokes, InvertMode invert, float *pixels,
                    DlabEnsembleReading *r) {
  if (strokes) {
    DlabStrokes s;
    dlab_strokes_init(&s);
    int best = dlab_strokes_read(path, &s) < 0 ? -1 : dlab_ensemble_run_strokes(e, &s, NULL, r);
    if (best < 0 && s.n_points > 0) dlab_error_prefix("%s", path);
    dlab_strokes_free(&s);
    return best;
  }
  DlabShape in = dlab_model_input(dlab_predictor_model(dlab_ensemble_model(e, 0))); /* every model's */
  if (cli_load_image(path, in, invert, pixels) < 0) return -1;
  return dlab_ensemble_run(e, pixels, r);
}

/* Classifies each input on its own, so one bad file does not stop the rest.
 * One model is an ensemble of one: its mean is its own probabilities. */
static int predict_all(DlabEnsemble *e, const char *const *names, const char **paths, int n, int strokes,
                       InvertMode invert, int all) {
  const DlabModelInfo *info = dlab_predictor_info(dlab_ensemble_model(e, 0));
  const int n_models = dlab_ensemble_size(e);
  /* The input shape is within the limits of layer.h: numel fits. */
  DlabShape in = dlab_model_input(dlab_predictor_model(dlab_ensemble_model(e, 0)));
  float *pixels = malloc((size_t)dlab_shape_numel(in) * sizeof *pixels);
  int failures = 0;
  if (!pixels) {
    fputs(_("dlab predict: out of memory\n"), stderr);
    return 1;
  }
  for (int i = 0; i < n; i++) {
    DlabEnsembleReading r;
    int best = classify(e, paths[i], strokes, invert, pixels, &r);
    if (best < 0) {
      fprintf(stderr, "dlab predict: %s\n", dlab_error_message());
      failures++;
      continue;
    }
    print_prediction(paths[i], best, r.mean, info, all);
    if (n_models > 1) print_models(&r, names, n_models, info);
  }
  free(pixels);
  return failures ? 1 : 0;
}

/* Loads every model, then the ensemble (which checks that they read the
 * same classes); predicts. */
static int predict_with(const char *const *models, int n_models, const char **paths, int n_paths, int strokes,
                        InvertMode invert, int all) {
  DlabPredictor *loaded[DLAB_ENSEMBLE_MAX] = {0};
  DlabEnsemble *e = NULL;
  int rc = 1;
  for (int i = 0; i < n_models; i++)
    if (!(loaded[i] = dlab_predictor_load(models[i]))) goto done;
  if (!(e = dlab_ensemble_new(loaded, models, n_models))) goto done;
  rc = predict_all(e, models, paths, n_paths, strokes, invert, all);
done:
  if (rc == 1 && !e) cli_fail("predict");
  dlab_ensemble_free(e);
  for (int i = 0; i < n_models; i++) dlab_predictor_free(loaded[i]);
  return rc;
}

static void usage(FILE *f) {
  fputs(_("usage: dlab predict [--model FILE]... IMAGE.png...\n"
          "       dlab predict [--model FILE]... --strokes DRAWING.strokes...\n"),
        f);
}

int cmd_predict(int argc, char **argv) {
  const char *invert_text = "auto", *model_paths[DLAB_ENSEMBLE_MAX];
  CliStrings models = {model_paths, 0, DLAB_ENSEMBLE_MAX};
  int all = 0, strokes = 0, help = 0;
  CliOption opts[] = {
      {"model", OPT_STRINGS, &models,
       N_("checkpoint (.safetensors; default: the application's model); give it again to average several models "
          "of the same classes"), 0},
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
            "to the model's input; drawings go through the sketchpad's preprocessing.\n"),
          stdout);
    fputs(_("With several models that line holds the mean of their probabilities; under it come\n"
            "<TAB>model<TAB>class<TAB>probability for each model and whether they agree.\n\n"),
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
  if (models.n == 0) model_paths[models.n++] = dlab_default_model_path();
  return predict_with(model_paths, models.n, paths, n_paths, strokes, invert, all);
}
