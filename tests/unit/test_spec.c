/* The spec language and the zoo: parameter counts equal PyTorch's, the
 * canonical text parses back to the same network (for random specs too,
 * and through a checkpoint), mistakes give one clear message naming the
 * token, and sizes stay within the limits of layer.h. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/zoo.h"
#include "nn/spec.h"
#include "test_util.h"
#include "nn/model_impl.h"

static const DlabShape mnist = {3, {1, 28, 28}};
static const DlabShape cifar = {3, {3, 32, 32}};

static void check_count(const char *name, DlabShape in, long expected) {
  DlabModel *m = dlab_model_create(name, in, 1);
  long n = m ? dlab_model_count_params(m) : -1;
  tap_ok(n == expected, "%s has %ld parameters (PyTorch: %ld)%s%s", name, n, expected, m ? "" : ": ",
         m ? "" : dlab_error_message());
  dlab_model_free(m);
}

static void check_names(void) {
  DlabModel *m = dlab_model_create("mlp", mnist, 1);
  const char *expected[] = {"layer1.0.weight",       "layer1.0.bias",         "layer1.1.weight",
                            "layer1.1.bias",         "layer1.1.running_mean", "layer1.1.running_var",
                            "layer1.1.num_batches_tracked", "layer2.0.weight"};
  int ok = m && m->n_params >= 8;
  for (int i = 0; ok && i < 8; i++) ok = strcmp(m->params[i]->name, expected[i]) == 0;
  tap_ok(ok, "mlp parameters carry the tutorial's state_dict names in order");
  dlab_model_free(m);
  m = dlab_model_create("conv 6 5 | lrelu 0.1 | maxpool 2 | conv 16 5 | lrelu 0.1 | maxpool 2 | flatten | "
                        "linear 120 | lrelu 0.1 | linear 84 | relu | linear 10",
                        mnist, 1);
  ok = m && dlab_model_find_param(m, "0.weight") && dlab_model_find_param(m, "3.weight") &&
       dlab_model_find_param(m, "11.bias");
  tap_ok(ok, "unnamed layers are named by their index, as nn.Sequential does");
  dlab_model_free(m);
}

static void check_round_trip(void) {
  for (const DlabZooEntry *e = dlab_zoo_entries(); e->name; e++) {
    DlabShape in = strcmp(e->input, "3x32x32") == 0 ? cifar : mnist;
    DlabModel *a = dlab_model_create(e->spec, in, 1);
    DlabModel *b = a ? dlab_model_create(a->spec, in, 1) : NULL;
    tap_ok(a && b && strcmp(a->spec, b->spec) == 0 && a->n_params == b->n_params,
           "%s: canonical spec parses back to the same network", e->name);
    dlab_model_free(a);
    dlab_model_free(b);
  }
}

/* A plus sign is read as part of the number, as `--lr +0.1` is. */
static void check_plus_sign(void) {
  DlabModel *m = dlab_model_create("conv 8 +3 stride +1 | flatten | linear 10", mnist, 1);
  tap_ok(m && strcmp(m->spec, "conv 8 3 | flatten | linear 10") == 0, "`conv 8 +3 stride +1` reads as `conv 8 3`: %s",
         m ? m->spec : dlab_error_message());
  dlab_model_free(m);
}

static void check_error(const char *spec, DlabShape in, const char *needle) {
  DlabModel *m = dlab_model_create(spec, in, 1);
  const char *msg = dlab_error_message();
  tap_ok(!m && strstr(msg, needle) != NULL, "`%s` is rejected naming `%s` (%s)", spec, needle, msg);
  dlab_model_free(m);
}

static void check_errors(void) {
  check_error("conv 6 5 | relu | flaten | linear 10", mnist, "flaten");
  check_error("conv 6 5 | relu | flaten | linear 10", mnist, "did you mean `flatten`");
  check_error("conv 6 | linear 10", mnist, "conv needs OUT and K");
  check_error("conv 6 x | flatten | linear 10", mnist, "`x` is not a number");
  /* Found by fuzz-spec: `+3` was neither read as a number nor refused with
   * a message. */
  check_error("conv 8 ++3 stride | flatten | linear 10", mnist, "`++3` is not a number");
  check_error("conv 8 inf | flatten | linear 10", mnist, "`inf` is not a number");
  check_error("conv 6 5 | linear 10", mnist, "flatten");
  check_error("conv 6 29 | flatten | linear 10", mnist, "conv");
  check_error("conv 6 5 | | flatten | linear 10", mnist, "empty");
  check_error("conv 6 5 pad | flatten | linear 10", mnist, "`pad` needs a value");
  check_error("conv 6 5 padding 1 | flatten | linear 10", mnist, "unexpected `padding`");
  check_error("dropout 1.5 | flatten | linear 10", mnist, "in [0, 1)");
  check_error("a: flatten | a: linear 10", mnist, "two layers are named `a`");
  check_error("flatten | linear 10 | bn2d", mnist, "bn2d");
  check_error("maxpool 2 | maxpool 2 | maxpool 2 | maxpool 2 | maxpool 2 | flatten | linear 10", mnist,
              "maxpool");
}

/* ---- random specs ---- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t next_u32(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng_state >> 33);
}

static int pick(int n) { return (int)(next_u32() % (uint32_t)n); }

static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n > 0) *len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
  return n;
}

/* A number as a person might type it, from edge values and random ones at
 * every precision, including values that round to another float. */
static void random_number(char *out, size_t n, const char *const *edges, int n_edges, double lo, double hi) {
  static const char *const formats[] = {"%g", "%.3g", "%.9g", "%.17g"};
  if (pick(3) == 0) {
    snprintf(out, n, "%s", edges[pick(n_edges)]);
    return;
  }
  double u = (double)next_u32() / 4294967296.0;
  snprintf(out, n, formats[pick(4)], lo + (hi - lo) * u);
}

static void random_prob(char *out, size_t n) {
  static const char *const edges[] = {"0", "0.5", "0.99999994", "0.99999999", "0.9999999", "1e-45",
                                      "1e-46", "-0", "0.1", "0.999999970198"};
  random_number(out, n, edges, 10, 0, 1);
}

static void random_slope(char *out, size_t n) {
  static const char *const edges[] = {"0.01", "-0.5", "3.4028234e38", "3.5e38", "1e-45", "1e-40",
                                      "-0", "0.0123456789", "1e300", "16777217"};
  random_number(out, n, edges, 10, -3, 3);
}

static void random_eps(char *out, size_t n) {
  static const char *const edges[] = {"1e-5", "1e-45", "1e-46", "1.4e-45", "3.4028234e38", "3.5e38",
                                      "0", "0.001", "1.00000001e-5", "2"};
  random_number(out, n, edges, 10, 0, 0.1);
}

/* A name for some layers: letters, digits, '_' and '.', up to 40 long
 * (and now and then 41, which must be refused). */
static void maybe_name(char *buf, size_t cap, size_t *len, int index) {
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_.";
  if (pick(3) != 0) return;
  int n = pick(4) == 0 ? 38 + pick(4) : 1 + pick(8);
  char name[64];
  for (int i = 0; i < n; i++) name[i] = chars[pick((int)sizeof chars - 1)];
  name[n] = '\0';
  if (pick(8) == 0) snprintf(name, sizeof name, "%d", index); /* its own index: the default name */
  append(buf, cap, len, "%s: ", name);
}

typedef struct {
  int image; /* 1: C x H x W, 0: flat */
  int c, h, w, f;
} GenShape;

/* One random layer fitting (mostly) the shape s, which it updates. */
static void random_layer(char *buf, size_t cap, size_t *len, GenShape *s, int index) {
  char a[48], b[48];
  maybe_name(buf, cap, len, index);
  int kind = pick(13);
  if (!s->image && (kind == 1 || kind == 2 || kind == 3 || kind == 10)) kind = 0;
  if (s->image && (kind == 0 || kind == 9)) kind = 12;
  switch (kind) {
    case 0: {
      int out = 1 + pick(12);
      append(buf, cap, len, "linear %d%s", out, pick(3) == 0 ? " bias 0" : pick(4) == 0 ? " bias 1" : "");
      s->f = out;
      break;
    }
    case 1: {
      int out = 1 + pick(6), k = 1 + pick(3), stride = 1 + pick(2), pad = pick(3);
      append(buf, cap, len, "conv %d %d", out, k);
      if (pick(2)) append(buf, cap, len, " stride %d", stride); else stride = 1;
      if (pick(2)) append(buf, cap, len, " pad %d", pad); else pad = 0;
      if (pick(3) == 0) append(buf, cap, len, " bias %d", pick(2));
      s->c = out;
      s->h = (s->h + 2 * pad - k) / stride + 1;
      s->w = (s->w + 2 * pad - k) / stride + 1;
      break;
    }
    case 2:
    case 3: {
      int k = 1 + pick(3), stride = k, pad = 0;
      append(buf, cap, len, "%s %d", kind == 2 ? "maxpool" : "avgpool", k);
      if (pick(2)) append(buf, cap, len, " stride %d", stride = 1 + pick(3));
      if (pick(3) == 0) append(buf, cap, len, " pad %d", pad = pick(k / 2 + 1));
      s->h = (s->h + 2 * pad - k) / stride + 1;
      s->w = (s->w + 2 * pad - k) / stride + 1;
      break;
    }
    case 4: append(buf, cap, len, "relu"); break;
    case 5:
      random_slope(a, sizeof a);
      append(buf, cap, len, pick(4) == 0 ? "lrelu" : "lrelu %s", a);
      break;
    case 6: append(buf, cap, len, "gelu"); break;
    case 7: append(buf, cap, len, "sigmoid"); break;
    case 8: append(buf, cap, len, "tanh"); break;
    case 9:
    case 10:
      random_eps(a, sizeof a);
      random_prob(b, sizeof b);
      append(buf, cap, len, "%s", kind == 9 ? "bn1d" : "bn2d");
      if (pick(2)) append(buf, cap, len, " eps %s", a);
      if (pick(2)) append(buf, cap, len, " momentum %s", b);
      break;
    case 11:
      random_prob(a, sizeof a);
      append(buf, cap, len, pick(4) == 0 ? "dropout" : "dropout %s", a);
      break;
    default:
      append(buf, cap, len, "flatten");
      s->f = s->image ? s->c * s->h * s->w : s->f;
      s->image = 0;
  }
}

static void random_spec(char *buf, size_t cap, DlabShape *in) {
  GenShape s = {1, 1 + pick(3), 4 + pick(13), 4 + pick(13), 0};
  *in = (DlabShape){3, {s.c, s.h, s.w}};
  size_t len = 0;
  buf[0] = '\0';
  int n = 1 + pick(7), i = 0;
  for (; i < n; i++) {
    if (i) append(buf, cap, &len, " | ");
    random_layer(buf, cap, &len, &s, i);
  }
  if (s.image) append(buf, cap, &len, " | flatten"), i++;
  append(buf, cap, &len, " | linear %d", 2 + pick(9));
}

/* Same layers, names, arguments (as floats) and parameter shapes. */
static int same_network(const DlabModel *a, const DlabModel *b) {
  if (a->n_layers != b->n_layers || a->n_params != b->n_params || strcmp(a->spec, b->spec) != 0) return 0;
  for (int i = 0; i < a->n_layers; i++) {
    const DlabLayer *x = a->layers[i], *y = b->layers[i];
    if (x->ops != y->ops || strcmp(x->name, y->name) != 0) return 0;
    for (int k = 0; k < DLAB_MAX_LAYER_ARGS; k++)
      if (!(x->args[k] == y->args[k])) return 0;
  }
  for (int i = 0; i < a->n_params; i++) {
    const DlabTensor *x = &a->params[i]->value, *y = &b->params[i]->value;
    if (strcmp(a->params[i]->name, b->params[i]->name) || x->ndim != y->ndim ||
        memcmp(x->shape, y->shape, sizeof x->shape))
      return 0;
  }
  return 1;
}

static int same_weights(const DlabModel *a, const DlabModel *b) {
  for (int i = 0; i < a->n_params; i++)
    if (a->params[i]->value.numel != b->params[i]->value.numel ||
        memcmp(a->params[i]->value.data, b->params[i]->value.data, a->params[i]->value.numel * sizeof(float)))
      return 0;
  return 1;
}

/* Whatever the parser accepts comes back the same from its canonical text
 * and, for some, from a checkpoint: the text is what checkpoints store. */
static void check_random_round_trips(void) {
  char dir[] = "/tmp/dlab-spec-XXXXXX", path[64];
  if (!mkdtemp(dir)) {
    tap_ok(0, "a temporary directory for checkpoints");
    return;
  }
  snprintf(path, sizeof path, "%s/random.safetensors", dir);
  int accepted = 0, refused = 0, text_ok = 0, saved = 0, checkpoint_ok = 0;
  char first_bad[1024] = "", first_bad_ckpt[1024] = "";
  for (int round = 0; round < 3000; round++) {
    char spec[1024];
    DlabShape in;
    random_spec(spec, sizeof spec, &in);
    DlabModel *a = dlab_model_create(spec, in, (uint64_t)round);
    if (!a) {
      refused++;
      continue;
    }
    accepted++;
    DlabModel *b = dlab_model_create(a->spec, in, (uint64_t)round);
    if (b && same_network(a, b))
      text_ok++;
    else if (!first_bad[0])
      snprintf(first_bad, sizeof first_bad, "`%s` -> `%s`: %s", spec, a->spec, b ? "differs" : dlab_error_message());
    dlab_model_free(b);
    if (accepted % 25 == 0) {
      saved++;
      DlabModel *c = dlab_checkpoint_save(path, a, NULL) == 0 ? dlab_checkpoint_load(path, NULL) : NULL;
      if (c && same_network(a, c) && same_weights(a, c))
        checkpoint_ok++;
      else if (!first_bad_ckpt[0])
        snprintf(first_bad_ckpt, sizeof first_bad_ckpt, "`%s`: %s", a->spec, c ? "differs" : dlab_error_message());
      dlab_model_free(c);
    }
    dlab_model_free(a);
  }
  unlink(path);
  rmdir(dir);
  tap_ok(accepted > 1500 && refused > 50, "random specs: %d accepted, %d refused", accepted, refused);
  tap_ok(text_ok == accepted, "each accepted spec's canonical text parses back to the same layers, names and "
         "arguments (%d of %d)%s%s", text_ok, accepted, first_bad[0] ? ": " : "", first_bad);
  tap_ok(checkpoint_ok == saved && saved > 50, "%d of %d saved in a checkpoint load back the same%s%s",
         checkpoint_ok, saved, first_bad_ckpt[0] ? ": " : "", first_bad_ckpt);
}

/* The parameter of the issue, and its neighbours. */
static void check_rounding(void) {
  check_error("flatten | dropout 0.99999999 | linear 10", mnist, "rounds to 1");
  check_error("flatten | bn1d momentum 0.99999999 | linear 10", mnist, "momentum must be in [0, 1)");
  check_error("flatten | lrelu 1e300 | linear 10", mnist, "too large");
  check_error("flatten | bn1d eps 1e-50 | linear 10", mnist, "eps must be > 0");
  check_error("flatten | bn1d eps 3.5e38 | linear 10", mnist, "too large");
  DlabModel *m = dlab_model_create("flatten | dropout 0.99999994 | lrelu 0.0123456789 | linear 10", mnist, 1);
  tap_ok(m && strcmp(m->spec, "flatten | dropout 0.99999994 | lrelu 0.012345679 | linear 10") == 0,
         "floats are written with the digits they need: %s", m ? m->spec : dlab_error_message());
  dlab_model_free(m);
}

/* Sizes: the input of the issue (a side over 65536 made flatten's int
 * count wrap to 65,536), outputs and weights too large, and the limits
 * themselves (layer.h). */
static void check_limits(void) {
  check_error("flatten | linear 10", (DlabShape){3, {1, 65536, 65537}}, "over the limit of 4096");
  check_error("flatten | linear 10", (DlabShape){3, {5000, 2, 2}}, "5000 channels");
  check_error("flatten | linear 10", (DlabShape){3, {4, 4096, 4096}}, "67108864 values per sample");
  check_error("linear 10", (DlabShape){1, {(1 << 24) + 1, 0, 0}}, "over the limit");
  check_error("conv 4096 1 | flatten | linear 10", (DlabShape){3, {1, 1024, 1024}}, "4294967296 values per sample");
  check_error("conv 1000000 1000 pad 500 | flatten | linear 10", mnist, "at most 2147483647");
  check_error("flatten | linear 3 | linear 1000000 | linear 1000000", mnist, "at most 2147483647");
  check_error("relu | relu | relu | relu | relu | relu | relu | relu | relu | relu | relu | relu | relu | relu | "
              "relu | avgpool 4096 | flatten | linear 2",
              (DlabShape){3, {1, 4096, 4096}}, "values per sample");
  DlabModel *m = dlab_model_create("avgpool 64 | flatten | linear 10", (DlabShape){3, {1, 4096, 4096}}, 1);
  tap_ok(m && m->layers[1]->out_shape.d[0] == 4096, "a 4096x4096 image is within the limits: %s",
         m ? "accepted" : dlab_error_message());
  dlab_model_free(m);

  DlabShape s = {0, {0, 0, 0}};
  tap_ok(dlab_shape_parse("3x32x32", &s) == 0 && s.ndim == 3 && s.d[0] == 3 && s.d[2] == 32 &&
             dlab_shape_parse("784", &s) == 0 && s.ndim == 1 && s.d[0] == 784,
         "dlab_shape_parse reads CxHxW and flat shapes");
  const char *bad[] = {"1x65536x65537", "1x99999999999999999999999x1", "1x28", "0x28x28", "1x28x28x1", "x", "",
                       "-1x28x28", "1x28x28 "};
  int refused = 1;
  for (int i = 0; i < (int)(sizeof bad / sizeof *bad); i++) refused = refused && dlab_shape_parse(bad[i], &s) < 0;
  tap_ok(refused, "dlab_shape_parse refuses malformed and oversized shapes (%s)", dlab_error_message());
}

/* The Train page's check at each keystroke: shapes and counts, no tensor. */
static void check_describe(void) {
  DlabModel *m = dlab_model_describe("flatten | linear 300000 | linear 10", mnist);
  int no_data = m != NULL;
  for (int i = 0; m && i < m->n_params; i++) no_data = no_data && !m->params[i]->value.data && !m->params[i]->grad.data;
  tap_ok(m && dlab_model_count_params(m) == 238500010L && no_data && m->layers[1]->params[0].value.numel == 235200000,
         "describe counts the 238,500,010 parameters of `flatten | linear 300000 | linear 10` without allocating "
         "them: %s", m ? "ok" : dlab_error_message());
  tap_ok(m && dlab_model_set_batch(m, 1) < 0, "a described model refuses to be given a batch");
  dlab_model_free(m);
  m = dlab_model_describe("mlp", mnist);
  tap_ok(m && dlab_model_count_params(m) == 267410 && m->n_params == 16, "describe agrees with create on mlp");
  dlab_model_free(m);
  check_error("conv 6 5 | relu | flaten | linear 10", mnist, "did you mean `flatten`");
  m = dlab_model_describe("conv 6 5 | linear 10", mnist);
  tap_ok(!m && strstr(dlab_error_message(), "add `flatten`"), "describe gives build's messages: %s",
         dlab_error_message());
}

/* The summary's rows, as the Train page shows them without walking the
 * model: each layer's name, keyword, output shape and learnable count. */
static void check_layer_summary(void) {
  DlabModel *m = dlab_model_describe("c1: conv 6 5 | relu | flatten | out: linear 10", mnist);
  int n = m ? dlab_model_num_layers(m) : 0;
  DlabLayerSummary conv = {0}, fc = {0};
  long sum = 0;
  for (int i = 0; i < n; i++) sum += dlab_model_layer_summary(m, i).params;
  if (n == 4) conv = dlab_model_layer_summary(m, 0), fc = dlab_model_layer_summary(m, 3);
  tap_ok(n == 4 && conv.name && strcmp(conv.name, "c1") == 0 && strcmp(conv.kind, "conv") == 0 &&
             conv.output.ndim == 3 && conv.output.d[0] == 6 && conv.output.d[1] == 24 && conv.params == 156 &&
             strcmp(fc.name, "out") == 0 && strcmp(fc.kind, "linear") == 0 && fc.output.d[0] == 10 &&
             fc.params == 34570 && sum == dlab_model_count_params(m),
         "the layer summary: names, keywords, output shapes, and counts that add up to the total (%s)",
         m ? "ok" : dlab_error_message());
  tap_ok(m && dlab_model_input(m).d[1] == 28 && strcmp(dlab_model_spec(m), "c1: conv 6 5 | relu | flatten | out: linear 10") == 0,
         "the model's input shape and canonical spec: %s", m ? dlab_model_spec(m) : dlab_error_message());
  dlab_model_free(m);
}

int main(void) {
  check_count("mlp", mnist, 267410);
  check_count("lenet", mnist, 44426);
  check_count("digitnet", mnist, 65674);
  check_count("emnistnet", mnist, 44426);
  check_count("cifarnet", cifar, 145578);
  check_count("lenet3x3", mnist, 43414);
  check_names();
  check_round_trip();
  check_errors();
  check_plus_sign();
  check_rounding();
  check_limits();
  check_describe();
  check_layer_summary();
  check_random_round_trips();
  return tap_done();
}
