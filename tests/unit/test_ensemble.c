/* Several models at once (ensemble.h): the mean is exactly the arithmetic
 * mean of each model's own probabilities, each model's reading is its own,
 * the classes the models read and their votes are counted, and models of
 * other classes (names or count) or another input are refused with a
 * message naming both and the first difference. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/checkpoint.h"
#include "dlab/ensemble.h"
#include "dlab/error.h"
#include "dlab/ink.h"
#include "test_util.h"
#include "nn/model_impl.h"

static const char *const digits[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL};
static const char *const clothes[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",      "Coat", "Sandal",
                                      "Shirt",       "Sneaker", "Bag",      "Ankle boot", NULL};
static const char *const renamed[] = {"0", "1", "2", "3", "4", "5", "6", "seven", "8", "9", NULL};
static const char *const letters[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", NULL};

static char dir[64];

static const char *path_of(const char *name) {
  static char buf[8][512];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

/* "flatten | linear K" on a c x side x side input, with random weights
 * (seed), or, when sure >= 0, none and a bias that makes it read class
 * `sure` whatever it is shown. Saved as `name`, loaded as a predictor. */
static DlabPredictor *model(const char *name, int c, int side, uint64_t seed, const char *const *classes, int sure) {
  DlabModelInfo info;
  memset(&info, 0, sizeof info);
  while (classes[info.num_classes]) info.num_classes++;
  char spec[64];
  snprintf(spec, sizeof spec, "flatten | linear %d", info.num_classes);
  DlabModel *m = dlab_model_create(spec, (DlabShape){3, {c, side, side}}, seed);
  if (!m) return NULL;
  if (sure >= 0) {
    DlabTensor *w = &m->layers[1]->params[0].value, *b = &m->layers[1]->params[1].value;
    memset(w->data, 0, w->numel * sizeof *w->data);
    for (size_t i = 0; i < b->numel; i++) b->data[i] = (int)i == sure ? 4.0f : (float)i * 0.1f;
  }
  snprintf(info.dataset, sizeof info.dataset, "mnist");
  snprintf(info.orientation, sizeof info.orientation, "normal");
  info.channels = c;
  for (int i = 0; i < c; i++) info.mean[i] = 0.1307f, info.std[i] = 0.3081f;
  for (int k = 0; k < info.num_classes; k++) info.class_names[k] = (char *)classes[k];
  int saved = dlab_checkpoint_save(path_of(name), m, &info);
  dlab_model_free(m);
  return saved == 0 ? dlab_predictor_load(path_of(name)) : NULL;
}

/* A 7: a bar and a diagonal. */
static void draw_seven(DlabStrokes *s) {
  dlab_strokes_clear(s);
  dlab_strokes_begin(s);
  for (int i = 0; i <= 20; i++) dlab_strokes_add(s, 10 + 4 * i, 10, 1);
  for (int i = 1; i <= 30; i++) dlab_strokes_add(s, 90 - 1.5f * i, 10 + 4 * i, 1);
}

/* The mean and every model's reading against each predictor run on its
 * own: bit for bit. */
static void check_average(DlabPredictor *a, DlabPredictor *b, DlabPredictor *c, const DlabStrokes *s) {
  DlabPredictor *models[] = {a, b, c};
  const char *names[] = {"a", "b", "c"};
  float own[3][10], image[DLAB_INK_PIXELS], own_image[DLAB_INK_PIXELS];
  int own_top[3];
  for (int i = 0; i < 3; i++) own_top[i] = dlab_predictor_run_strokes(models[i], s, own_image, own[i]);

  DlabEnsemble *e = dlab_ensemble_new(models, names, 3);
  DlabEnsembleReading r;
  tap_ok(e && dlab_ensemble_size(e) == 3 && dlab_ensemble_num_classes(e) == 10 && dlab_ensemble_model(e, 2) == c &&
             dlab_ensemble_model(e, 3) == NULL,
         "three models of the same classes make an ensemble of 3 (%s)", e ? "ok" : dlab_error_message());
  if (!e) return;
  int best = dlab_ensemble_run_strokes(e, s, image, &r);
  int exact = 1, mine = 0;
  double total = 0;
  for (int k = 0; k < 10; k++) {
    float want = (float)(((double)own[0][k] + own[1][k] + own[2][k]) / 3);
    exact &= r.mean[k] == want;
    total += r.mean[k];
    if (r.mean[k] > r.mean[mine]) mine = k;
  }
  tap_ok(exact, "the mean is the arithmetic mean of the three models' probabilities, exactly");
  tap_ok(total > 0.9999 && total < 1.0001, "the mean probabilities sum to 1 (%.6f)", total);
  tap_ok(best == mine && r.best == mine, "the best class is the mean's largest (%d)", best);
  tap_ok(memcmp(r.probs, own, sizeof own) == 0 && memcmp(r.tops, own_top, sizeof own_top) == 0,
         "each model's probabilities and class are what it reads alone (%d, %d, %d)", r.tops[0], r.tops[1], r.tops[2]);
  tap_ok(memcmp(image, own_image, sizeof image) == 0, "the picture is the predictor's");

  /* Read again: the same numbers (nothing carried over). */
  DlabEnsembleReading again;
  float first[10];
  memcpy(first, r.mean, sizeof first);
  dlab_ensemble_run_strokes(e, s, NULL, &again);
  tap_ok(memcmp(first, again.mean, sizeof first) == 0, "a second reading gives the same mean");

  DlabStrokes empty;
  dlab_strokes_init(&empty);
  tap_ok(dlab_ensemble_run_strokes(e, &empty, NULL, &r) == -1 && strstr(dlab_error_message(), "nothing is drawn"),
         "an empty pad: -1, %s", dlab_error_message());
  dlab_strokes_free(&empty);
  dlab_ensemble_free(e);

  /* A model with itself: its own probabilities, and it agrees. */
  DlabPredictor *twice[] = {a, a};
  e = dlab_ensemble_new(twice, names, 2);
  dlab_ensemble_run_strokes(e, s, NULL, &r);
  tap_ok(memcmp(r.mean, own[0], sizeof own[0]) == 0 && r.n_top_classes == 1 && r.top_classes[0] == own_top[0] &&
             r.votes[own_top[0]] == 2,
         "a model averaged with itself reads as alone and agrees (class %d, 2 votes)", own_top[0]);
  dlab_ensemble_free(e);
}

/* Models that read 4, 7 and 4 whatever they see. */
static void check_disagreement(const DlabStrokes *s) {
  DlabPredictor *four = model("four.safetensors", 1, 28, 1, digits, 4);
  DlabPredictor *seven = model("seven.safetensors", 1, 28, 2, digits, 7);
  DlabPredictor *models[] = {four, seven, four};
  const char *names[] = {"four", "seven", "four again"};
  DlabEnsemble *e = four && seven ? dlab_ensemble_new(models, names, 3) : NULL;
  DlabEnsembleReading r = {0};
  int best = e ? dlab_ensemble_run_strokes(e, s, NULL, &r) : -1;
  tap_ok(e && r.tops[0] == 4 && r.tops[1] == 7 && r.tops[2] == 4, "the models read 4, 7 and 4");
  tap_ok(e && r.n_top_classes == 2 && r.top_classes[0] == 4 && r.top_classes[1] == 7,
         "they disagree on two classes, 4 and 7 in class order (%d)", r.n_top_classes);
  int others = 0;
  for (int k = 0; e && k < 10; k++) others += k != 4 && k != 7 && r.votes[k] != 0;
  tap_ok(e && r.votes[4] == 2 && r.votes[7] == 1 && others == 0, "votes: 4 twice, 7 once, nothing else");
  tap_ok(best == 4, "the mean reads 4 (%d)", best);
  dlab_ensemble_free(e);

  /* With the one that reads 7 first: the same set, in class order. */
  DlabPredictor *swapped[] = {seven, four};
  e = four && seven ? dlab_ensemble_new(swapped, names, 2) : NULL;
  if (e) dlab_ensemble_run_strokes(e, s, NULL, &r);
  tap_ok(e && r.n_top_classes == 2 && r.top_classes[0] == 4 && r.top_classes[1] == 7 && r.tops[0] == 7,
         "the classes read are in class order whatever the models' order");
  dlab_ensemble_free(e);
  dlab_predictor_free(four);
  dlab_predictor_free(seven);
}

/* refused(first, other, needles...): the pair is refused by check and new,
 * with a message holding every needle. */
static void check_refused(DlabPredictor *first, DlabPredictor *other, const char *what, const char *n1, const char *n2,
                          const char *n3) {
  DlabPredictor *models[] = {first, other};
  const char *names[] = {"mnist-a.safetensors", "other.safetensors"};
  int checked = other ? dlab_ensemble_check(first, names[0], other, names[1]) : 0;
  char msg[512];
  snprintf(msg, sizeof msg, "%s", dlab_error_message());
  DlabEnsemble *e = other ? dlab_ensemble_new(models, names, 2) : NULL;
  tap_ok(checked == -1 && !e && strstr(msg, "mnist-a.safetensors") && strstr(msg, "other.safetensors") &&
             strstr(msg, n1) && strstr(msg, n2) && strstr(msg, n3) && strcmp(msg, dlab_error_message()) == 0,
         "%s: refused, naming both models: %s", what, msg);
}

static void check_mismatch(DlabPredictor *a) {
  DlabPredictor *fashion = model("fashion.safetensors", 1, 28, 3, clothes, -1);
  DlabPredictor *seven = model("renamed.safetensors", 1, 28, 4, renamed, -1);
  DlabPredictor *short_ = model("letters.safetensors", 1, 28, 5, letters, -1);
  DlabPredictor *colour = model("colour.safetensors", 3, 28, 6, digits, -1);
  check_refused(a, fashion, "Fashion-MNIST's classes", "class 0", "`T-shirt/top`", "`0`");
  check_refused(a, seven, "one class renamed", "class 7", "`seven`", "`7`");
  check_refused(a, short_, "13 classes", "13 classes", "not 10", "reads");
  check_refused(a, colour, "another input", "3x28x28", "1x28x28", "reads");
  dlab_predictor_free(fashion);
  dlab_predictor_free(seven);
  dlab_predictor_free(short_);
  dlab_predictor_free(colour);

  DlabPredictor *many[DLAB_ENSEMBLE_MAX + 1];
  const char *names[DLAB_ENSEMBLE_MAX + 1];
  for (int i = 0; i <= DLAB_ENSEMBLE_MAX; i++) many[i] = a, names[i] = "a";
  tap_ok(!dlab_ensemble_new(many, names, 0) && !dlab_ensemble_new(many, names, DLAB_ENSEMBLE_MAX + 1),
         "no model, or more than %d, is refused: %s", DLAB_ENSEMBLE_MAX, dlab_error_message());
  DlabEnsemble *e = dlab_ensemble_new(many, names, DLAB_ENSEMBLE_MAX);
  tap_ok(e != NULL, "%d models of one kind make an ensemble", DLAB_ENSEMBLE_MAX);
  dlab_ensemble_free(e);
  dlab_ensemble_free(NULL);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dlab-ensemble-XXXXXX");
  if (!mkdtemp(dir)) return 1;
  DlabStrokes s;
  dlab_strokes_init(&s);
  draw_seven(&s);
  DlabPredictor *a = model("mnist-a.safetensors", 1, 28, 11, digits, -1);
  DlabPredictor *b = model("mnist-b.safetensors", 1, 28, 12, digits, -1);
  DlabPredictor *c = model("mnist-c.safetensors", 1, 28, 13, digits, -1);
  tap_ok(a && b && c, "three MNIST models are written and loaded (%s)", dlab_error_message());
  if (a && b && c) {
    check_average(a, b, c, &s);
    check_disagreement(&s);
    check_mismatch(a);
  }
  dlab_predictor_free(a);
  dlab_predictor_free(b);
  dlab_predictor_free(c);
  dlab_strokes_free(&s);
  const char *files[] = {"mnist-a", "mnist-b", "mnist-c", "four", "seven", "fashion", "renamed", "letters", "colour"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s.safetensors", files[i]);
    unlink(path_of(name));
  }
  rmdir(dir);
  return tap_done();
}
