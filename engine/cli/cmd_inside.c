/* dlab inside: what every layer of a network makes of one image or drawing,
 * as pictures (dlab/inside.h). Into the --out folder (created):
 *
 *   input.png                the image the network reads (28x28 for a drawing)
 *   layer-NN-KIND.png        layer NN's output: feature maps as a grid of grey
 *                            tiles, flat outputs as bars
 *   filters.png              the first convolution's filters, or an MLP's
 *                            first linear weights as images
 *   saliency-CLASS.png       d logit[CLASS] / d input over the image
 *   summary.txt              the layers, their output shapes and parameters,
 *                            the probabilities
 *
 * File names come from the layers' positions and kinds only, never from
 * anything in the model file, so every file stays inside --out; each
 * appears whole or not at all (atomic writes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/atomic_file.h"
#include "dlab/cnum.h"
#include "dlab/error.h"
#include "dlab/inside.h"
#include "image_input.h"
#include "options.h"

#define PATH_LEN 4096

typedef struct {
  const char *model, *strokes, *image, *out, *invert;
  int cls, scale;
} Args;

/* mkdir -p out; refuses a path that exists and is not a folder. */
static int make_out_dir(const char *out) {
  char buf[PATH_LEN];
  struct stat st;
  if (!*out || (size_t)snprintf(buf, sizeof buf, "%s", out) >= sizeof buf)
    return dlab_error(_("--out %s: not a usable folder name"), out);
  for (char *p = buf + 1;; p++) {
    const int end = *p == '\0';
    if (!end && *p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return dlab_error(_("%s: cannot create the folder: %s"), buf, strerror(errno));
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return dlab_error(_("%s: exists and is not a folder"), buf);
    if (end) break;
    *p = '/';
  }
  return 0;
}

static int out_path(const Args *a, char *buf, const char *name) {
  if ((size_t)snprintf(buf, PATH_LEN, "%s/%s", a->out, name) >= PATH_LEN)
    return dlab_error(_("%s: path too long"), a->out);
  return 0;
}

static int write_picture(const Args *a, const char *name, DlabImage *img) {
  char path[PATH_LEN];
  int rc = out_path(a, path, name);
  if (rc == 0) rc = dlab_image_write_png(path, img);
  dlab_image_free(img);
  return rc;
}

/* The input as the network reads it, scaled up. */
static int write_input(const Args *a, const float *pixels, DlabShape in) {
  const int c = in.d[0], h = in.d[1], w = in.d[2], s = a->scale;
  DlabImage img;
  if (c != 1 && c != 3) return 0;
  if (dlab_image_init(&img, w * s, h * s, c) < 0) return -1;
  for (int y = 0; y < h * s; y++)
    for (int x = 0; x < w * s; x++)
      for (int ch = 0; ch < c; ch++) {
        float v = pixels[((size_t)(y / s) * w + x / s) * c + ch];
        img.data[((size_t)y * img.w + x) * c + ch] = (unsigned char)(v <= 0 ? 0 : v >= 1 ? 255 : v * 255 + 0.5f);
      }
  return write_picture(a, "input.png", &img);
}

static int write_layers(const Args *a, const DlabInside *in) {
  const DlabModel *m = dlab_inside_model(in);
  for (int i = 0; i < dlab_model_num_layers(m); i++) {
    DlabShape s;
    const float *v = dlab_inside_output(in, i, &s);
    DlabImage img;
    int rc = s.ndim == 3 ? dlab_inside_maps_image(v, s, a->scale, 0, &img)
                         : dlab_inside_bars_image(v, s.d[0], s.d[0] > 100 ? 2 : 6, &img);
    char name[64];
    snprintf(name, sizeof name, "layer-%02d-%s.png", i, dlab_model_layer_summary(m, i).kind);
    if (rc < 0 || write_picture(a, name, &img) < 0) return -1;
  }
  return 0;
}

static int write_filters(const Args *a, const DlabInside *in) {
  DlabInsideFilters f;
  DlabImage img;
  if (dlab_inside_filters(in, &f) < 0) return 0; /* a network without such weights: nothing to show */
  /* Small kernels zoomed; an MLP's 28x28 weight images at their own size. */
  const int scale = f.h < 8 ? 3 * a->scale : f.h < 16 ? a->scale : 1;
  if (dlab_inside_filters_image(&f, scale, &img) < 0) return -1;
  return write_picture(a, "filters.png", &img);
}

static int write_saliency(const Args *a, DlabInside *in, const float *pixels, int cls) {
  const DlabShape s = dlab_model_input(dlab_inside_model(in));
  const int c = s.d[0], h = s.d[1], w = s.d[2];
  float *grad = malloc((size_t)c * h * w * sizeof *grad); /* within layer.h's limits */
  DlabImage img;
  char name[64];
  int rc = grad ? dlab_inside_saliency(in, cls, grad) : dlab_error("%s", _("out of memory"));
  if (rc == 0) rc = dlab_inside_saliency_image(pixels, grad, h, w, c, a->scale, &img);
  free(grad);
  snprintf(name, sizeof name, "saliency-%d.png", cls);
  return rc < 0 ? -1 : write_picture(a, name, &img);
}

static void summary_text(FILE *f, const DlabInside *in, const DlabModelInfo *info, const float *probs, int best,
                         int cls) {
  const DlabModel *m = dlab_inside_model(in);
  char shape[64];
  fprintf(f, "%-4s %-16s %-8s %-12s %10s %12s %12s\n", "#", "name", "layer", "output", "params", "min", "max");
  fprintf(f, "%-4s %-16s %-8s %-12s\n", "", "", "input", dlab_shape_str(dlab_model_input(m), shape, sizeof shape));
  for (int i = 0; i < dlab_model_num_layers(m); i++) {
    const DlabLayerSummary l = dlab_model_layer_summary(m, i);
    DlabShape s;
    const float *v = dlab_inside_output(in, i, &s);
    float lo = v[0], hi = v[0];
    for (int64_t k = 1; k < dlab_shape_numel(s); k++) lo = v[k] < lo ? v[k] : lo, hi = v[k] > hi ? v[k] : hi;
    dlab_fprintf_c(f, "%-4d %-16.16s %-8s %-12s %10ld %12.5g %12.5g\n", i, l.name, l.kind,
                   dlab_shape_str(s, shape, sizeof shape), l.params,
                   (double)(lo + 0.0f), (double)(hi + 0.0f)); /* no -0 */
  }
  fprintf(f, "total trainable parameters: %ld\n", dlab_model_count_params(m));
  fprintf(f, "predicted: %s\n", info->class_names[best]);
  dlab_fprintf_c(f,
                 "saliency: d logit[%s] / d input (the class's score before "
                 "the softmax)\n",
                 info->class_names[cls]);
  fprintf(f, "probabilities:");
  for (int k = 0; k < info->num_classes; k++) dlab_fprintf_c(f, " %s=%.4f", info->class_names[k], (double)probs[k]);
  fprintf(f, "\n");
}

static int write_summary(const Args *a, const DlabInside *in, const DlabModelInfo *info, const float *probs, int best,
                         int cls) {
  char path[PATH_LEN];
  DlabAtomicFile f;
  if (out_path(a, path, "summary.txt") < 0 || dlab_atomic_open(&f, path) < 0) return -1;
  summary_text(f.fp, in, info, probs, best, cls);
  return dlab_atomic_commit(&f);
}

/* The input pixels (HWC 0..1): the drawing rendered, or the PNG. */
static int read_input(const Args *a, DlabInside *in, float *pixels, float *probs) {
  if (a->strokes) {
    DlabStrokes s;
    dlab_strokes_init(&s);
    int best = dlab_strokes_read(a->strokes, &s) < 0 ? -1 : dlab_inside_run_strokes(in, &s, pixels, probs);
    if (best < 0 && s.n_points > 0) dlab_error_prefix("%s", a->strokes);
    dlab_strokes_free(&s);
    return best;
  }
  InvertMode invert;
  if (cli_parse_invert(a->invert, &invert) < 0)
    return dlab_error(_("--invert %s: expected auto, yes or no"), a->invert);
  if (cli_load_image(a->image, dlab_model_input(dlab_inside_model(in)), invert, pixels) < 0) return -1;
  return dlab_inside_run(in, pixels, probs);
}

static int run(const Args *a) {
  DlabPredictor *p = dlab_predictor_load(a->model ? a->model : dlab_default_model_path());
  if (!p) return -1;
  const DlabModelInfo *info = dlab_predictor_info(p);
  DlabInside *in = dlab_inside_new(p);
  const int64_t n_in = dlab_shape_numel(dlab_model_input(dlab_predictor_model(p)));
  float *pixels = malloc((size_t)n_in * sizeof *pixels), *probs = malloc((size_t)info->num_classes * sizeof *probs);
  int rc = -1;
  if (!in || !pixels || !probs) {
    if (in) dlab_error("%s", _("out of memory"));
    goto done;
  }
  if (a->cls >= info->num_classes) {
    dlab_error(_("--class %d: the model has %d classes (0 to %d)"), a->cls, info->num_classes, info->num_classes - 1);
    goto done;
  }
  const int best = read_input(a, in, pixels, probs);
  if (best < 0 || make_out_dir(a->out) < 0) goto done;
  const int cls = a->cls >= 0 ? a->cls : best;
  DlabShape shape = dlab_model_input(dlab_inside_model(in));
  if (write_input(a, pixels, shape) < 0 || write_layers(a, in) < 0 || write_filters(a, in) < 0 ||
      write_saliency(a, in, pixels, cls) < 0 || write_summary(a, in, info, probs, best, cls) < 0)
    goto done;
  printf(_("wrote %s: %d layers, predicted %s (%.1f%%), saliency for %s\n"), a->out, dlab_model_num_layers(dlab_inside_model(in)),
         info->class_names[best], 100.0 * probs[best], info->class_names[cls]);
  rc = 0;
done:
  free(pixels);
  free(probs);
  dlab_inside_free(in);
  dlab_predictor_free(p);
  return rc;
}

static void usage(FILE *f) {
  fputs(_("usage: dlab inside [--model FILE] (--strokes DRAWING.strokes | --image IMAGE.png) --out DIR [OPTIONS]\n"),
        f);
}

int cmd_inside(int argc, char **argv) {
  Args a = {.invert = "auto", .cls = -1, .scale = 4};
  int help = 0;
  CliOption opts[] = {
      {"model", OPT_STRING, &a.model, N_("checkpoint (.safetensors; default: the application's model)"), 0},
      {"strokes", OPT_STRING, &a.strokes, N_("a drawing (strokes file), preprocessed as the sketchpad does"), 0},
      {"image", OPT_STRING, &a.image, N_("a PNG image, scaled to the model's input"), 0},
      {"out", OPT_STRING, &a.out, N_("folder for the pictures and summary.txt (created)"), 0},
      {"class", OPT_INT, &a.cls, N_("saliency for this class (default: the most likely one)"), 0},
      {"scale", OPT_INT, &a.scale, N_("pixels per value in the pictures"), 0},
      {"invert", OPT_STRING, &a.invert,
       N_("auto, yes or no: dark ink on light paper is inverted "
          "(auto: when the border is light)"),
       0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  const int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *extra[1];
  int n_extra;
  if (cli_parse("inside", argc, argv, 2, opts, n_opts, extra, 0, &n_extra) < 0) return 2;
  if (help) {
    usage(stdout);
    fputs(_("\nWrites one picture per layer (feature maps as grey tiles, flat "
            "outputs as bars),\n"
            "the first layer's filters, the saliency map (the gradient of the "
            "class's logit\n"
            "with respect to the input pixels) and summary.txt into the --out "
            "folder.\n\n"),
          stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  if (!a.out || !a.strokes == !a.image) {
    usage(stderr);
    return 2;
  }
  if (run(&a) < 0) return cli_fail("inside");
  return 0;
}
