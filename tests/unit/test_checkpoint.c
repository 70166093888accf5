/* Checkpoints (checkpoint.h): a model saved and loaded back is bit for bit
 * the same with its metadata; damaged, foreign or inconsistent files give a
 * clear message naming the file (and the tensor or key), never a crash;
 * writes are atomic; optimizer state round-trips for resuming. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "nn/model_impl.h"

#define SPEC "conv 6 5 | relu | maxpool 2 | flatten | linear 10"
#define OTHER_SPEC "conv 6 3 | relu | maxpool 2 | flatten | linear 10"

static const DlabShape mnist = {3, {1, 28, 28}};
static char dir[64];

static const char *path_in_dir(const char *name) {
  static char buf[4][512];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, 512, "%s/%s", dir, name);
  return p;
}

static int message_has(const char *needle) { return strstr(dlab_error_message(), needle) != NULL; }

static int count_entries(const char *part) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, part)) n++;
  if (d) closedir(d);
  return n;
}

static void remove_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlink(path_in_dir(e->d_name));
  if (d) closedir(d);
  rmdir(dir);
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

static void write_file(const char *path, const uint8_t *b, size_t len) {
  FILE *f = fopen(path, "wb");
  fwrite(b, 1, len, f);
  fclose(f);
}

/* MNIST-like metadata; class 3 has a name with a comma and a backslash. */
static void mnist_info(DlabModelInfo *info) {
  memset(info, 0, sizeof *info);
  snprintf(info->dataset, sizeof info->dataset, "mnist");
  snprintf(info->orientation, sizeof info->orientation, "normal");
  info->channels = 1;
  info->mean[0] = 0.1307f;
  info->std[0] = 0.3081f;
  info->num_classes = 10;
  for (int k = 0; k < 10; k++) {
    char name[16];
    snprintf(name, sizeof name, "%d", k);
    info->class_names[k] = strdup(k == 3 ? "three, or \\3" : name);
  }
}

static int same_weights(const DlabModel *a, const DlabModel *b) {
  if (a->n_params != b->n_params) return 0;
  for (int i = 0; i < a->n_params; i++) {
    const DlabTensor *x = &a->params[i]->value, *y = &b->params[i]->value;
    if (strcmp(a->params[i]->name, b->params[i]->name) || x->numel != y->numel ||
        memcmp(x->data, y->data, x->numel * sizeof(float)))
      return 0;
  }
  return 1;
}

/* Writes m's tensors (F32) with the given metadata, leaving out tensor
 * `skip` and adding `extra`, for hand-made bad checkpoints. */
static void write_custom(const char *path, const DlabModel *m, const char *const *keys, const char *const *values,
                         int n_meta, const char *skip, const char *extra) {
  DlabStTensor *t = calloc((size_t)m->n_params + 1, sizeof *t);
  int n = 0;
  for (int i = 0; i < m->n_params; i++) {
    const DlabParam *p = m->params[i];
    if (skip && strcmp(p->name, skip) == 0) continue;
    snprintf(t[n].name, sizeof t[n].name, "%s", p->name);
    t[n].dtype = DLAB_ST_F32;
    t[n].ndim = p->value.ndim;
    for (int d = 0; d < p->value.ndim; d++) t[n].shape[d] = p->value.shape[d];
    t[n].data = p->value.data;
    t[n].nbytes = p->value.numel * sizeof(float);
    n++;
  }
  static const float one = 1.0f;
  if (extra) {
    snprintf(t[n].name, sizeof t[n].name, "%s", extra);
    t[n].dtype = DLAB_ST_F32;
    t[n].data = &one;
    t[n].nbytes = sizeof one;
    n++;
  }
  if (dlab_safetensors_write(path, t, n, keys, values, n_meta) < 0) printf("# %s\n", dlab_error_message());
  free(t);
}

static void expect_load_error(const char *path, const char *needle, const char *what) {
  DlabModelInfo info;
  dlab_error_clear();
  DlabModel *m = dlab_checkpoint_load(path, &info);
  tap_ok(!m && message_has(path) && message_has(needle) && info.class_names[0] == NULL, "%s: %s", what,
         dlab_error_message());
  dlab_model_free(m);
}

static void test_round_trip(DlabModel *m) {
  DlabModelInfo info, back;
  mnist_info(&info);
  const char *path = path_in_dir("lenet.safetensors");
  int rc = dlab_checkpoint_save(path, m, &info);
  tap_ok(rc == 0, "save: %s", rc ? dlab_error_message() : "ok");
  DlabModel *l = dlab_checkpoint_load(path, &back);
  tap_ok(l != NULL, "load: %s", l ? "ok" : dlab_error_message());
  if (!l) {
    dlab_model_info_free(&info);
    return;
  }
  tap_ok(same_weights(m, l), "every tensor comes back bit for bit");
  tap_ok(strcmp(l->spec, m->spec) == 0 && l->input.ndim == 3 && l->input.d[0] == 1 && l->input.d[2] == 28,
         "spec and input shape restored: %s", l->spec);
  int names = back.num_classes == 10;
  for (int k = 0; names && k < 10; k++) names = strcmp(back.class_names[k], info.class_names[k]) == 0;
  tap_ok(names, "class names restored, commas and backslashes included");
  tap_ok(back.channels == 1 && back.mean[0] == info.mean[0] && back.std[0] == info.std[0] &&
             strcmp(back.dataset, "mnist") == 0 && strcmp(back.orientation, "normal") == 0,
         "mean %g, std %g, dataset and orientation restored", (double)back.mean[0], (double)back.std[0]);
  DlabSafetensors st;
  dlab_safetensors_read(path, &st);
  const char *input = dlab_safetensors_meta(&st, "dlab.input"), *mean = dlab_safetensors_meta(&st, "dlab.mean");
  const char *classes = dlab_safetensors_meta(&st, "dlab.classes");
  tap_ok(input && strcmp(input, "1x28x28") == 0 && mean && strcmp(mean, "0.1307") == 0 && classes &&
             strcmp(classes, "0,1,2,three\\, or \\\\3,4,5,6,7,8,9") == 0 &&
             strcmp(dlab_safetensors_meta(&st, "dlab.arch"), m->spec) == 0,
         "metadata as written: input %s, mean %s, classes %s", input, mean, classes);
  tap_ok(st.n_tensors == m->n_params && strcmp(st.tensors[0].name, m->params[0]->name) == 0,
         "tensors in state_dict order under PyTorch's names (%s first)", st.tensors[0].name);
  dlab_safetensors_free(&st);

  /* The same weights into an existing model with other weights. */
  DlabModel *other = dlab_model_create(SPEC, mnist, 99);
  tap_ok(other && !same_weights(m, other) && dlab_checkpoint_load_weights(path, other) == 0 &&
             same_weights(m, other),
         "load_weights fills an existing model");
  dlab_model_free(other);
  other = dlab_model_create(OTHER_SPEC, mnist, 99);
  dlab_error_clear();
  tap_ok(other && dlab_checkpoint_load_weights(path, other) == -1 && message_has(path) &&
             message_has("0.weight has shape [6, 1, 5, 5]"),
         "load_weights into another network: %s", dlab_error_message());
  dlab_model_free(other);
  dlab_model_free(l);
  dlab_model_info_free(&back);
  dlab_model_info_free(&info);
}

static void test_damaged(void) {
  const char *good = path_in_dir("lenet.safetensors");
  size_t len;
  uint8_t *bytes = read_file(good, &len);
  const char *cut = path_in_dir("cut.safetensors");
  write_file(cut, bytes, len / 2);
  expect_load_error(cut, "truncated file?", "file cut in half");
  write_file(cut, bytes, len - 1);
  expect_load_error(cut, cut, "file missing its last byte");
  write_file(cut, bytes, 5);
  expect_load_error(cut, "too short", "5-byte file");
  const char *bad = path_in_dir("corrupt.safetensors");
  uint8_t *copy = malloc(len);
  memcpy(copy, bytes, len);
  copy[8 + 20] ^= 0x55; /* a byte inside the first tensor's name or keys */
  write_file(bad, copy, len);
  expect_load_error(bad, bad, "a flipped header byte");
  memcpy(copy, bytes, len);
  copy[8] = '[';
  write_file(bad, copy, len);
  expect_load_error(bad, "byte 8", "header that does not start with '{'");
  memcpy(copy, bytes, len);
  copy[3] = 0x40; /* header length now huge */
  write_file(bad, copy, len);
  expect_load_error(bad, "header length", "corrupted header length");
  /* Random damage anywhere in the header: an error or a valid load, never a crash. */
  uint64_t s = 7;
  int survived = 1;
  for (int round = 0; round < 300; round++) {
    memcpy(copy, bytes, len);
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = header_len << 8 | bytes[i];
    copy[8 + (s >> 33) % header_len] = (uint8_t)(s >> 13);
    write_file(bad, copy, len);
    DlabModelInfo info;
    DlabModel *l = dlab_checkpoint_load(bad, &info);
    if (l) dlab_model_info_free(&info);
    else if (!message_has(bad)) survived = 0;
    dlab_model_free(l);
  }
  tap_ok(survived, "300 randomly damaged headers: each loads or fails with the file named");
  free(copy);
  free(bytes);
}

static void test_foreign(DlabModel *m) {
  char input[] = "1x28x28";
  const char *arch_other[] = {"dlab.arch", "dlab.input"};
  const char *values_other[] = {OTHER_SPEC, input};
  const char *path = path_in_dir("other.safetensors");
  write_custom(path, m, arch_other, values_other, 2, NULL, NULL);
  expect_load_error(path, "tensor 0.weight has shape [6, 1, 5, 5] but the spec needs [6, 1, 3, 3]",
                    "weights of another spec");
  const char *values_own[] = {m->spec, input};
  write_custom(path, m, arch_other + 1, values_own + 1, 1, NULL, NULL);
  expect_load_error(path, "dlab.arch", "no dlab.arch");
  write_custom(path, m, arch_other, values_own, 1, NULL, NULL);
  expect_load_error(path, "dlab.input", "no dlab.input");
  const char *bad_input[] = {m->spec, "1x28"};
  write_custom(path, m, arch_other, bad_input, 2, NULL, NULL);
  expect_load_error(path, "dlab.input \"1x28\"", "malformed dlab.input");
  const char *bad_arch[] = {"conv 6 5 | frobnicate", input};
  write_custom(path, m, arch_other, bad_arch, 2, NULL, NULL);
  expect_load_error(path, "frobnicate", "unknown layer in dlab.arch");
  write_custom(path, m, arch_other, values_own, 2, m->params[1]->name, NULL);
  expect_load_error(path, "tensor 0.bias missing", "a missing tensor");
  write_custom(path, m, arch_other, values_own, 2, NULL, "stray.weight");
  expect_load_error(path, "unexpected tensor stray.weight", "an extra tensor");

  const char *keys[] = {"dlab.arch", "dlab.input", "dlab.classes"};
  const char *nine[] = {m->spec, input, "a,b,c,d,e,f,g,h,i"};
  write_custom(path, m, keys, nine, 3, NULL, NULL);
  expect_load_error(path, "dlab.classes names 9 classes but the model has 10 outputs", "9 class names, 10 outputs");
  const char *mean_keys[] = {"dlab.arch", "dlab.input", "dlab.mean"};
  const char *two_means[] = {m->spec, input, "0.5,0.5"};
  write_custom(path, m, mean_keys, two_means, 3, NULL, NULL);
  expect_load_error(path, "dlab.mean has 2 values but the input has 1 channel", "2 means for 1 channel");
  const char *std_keys[] = {"dlab.arch", "dlab.input", "dlab.std"};
  const char *zero_std[] = {m->spec, input, "0"};
  write_custom(path, m, std_keys, zero_std, 3, NULL, NULL);
  expect_load_error(path, "positive", "std of 0");
  const char *orient_keys[] = {"dlab.arch", "dlab.input", "dlab.orientation"};
  const char *sideways[] = {m->spec, input, "sideways"};
  write_custom(path, m, orient_keys, sideways, 3, NULL, NULL);
  expect_load_error(path, "sideways", "unknown orientation");

  /* Only arch and input: defaults for the rest. */
  write_custom(path, m, arch_other, values_own, 2, NULL, NULL);
  DlabModelInfo info;
  DlabModel *l = dlab_checkpoint_load(path, &info);
  tap_ok(l && info.num_classes == 10 && strcmp(info.class_names[9], "9") == 0 && info.mean[0] == 0.0f &&
             info.std[0] == 1.0f && strcmp(info.orientation, "normal") == 0,
         "a checkpoint with only dlab.arch and dlab.input loads with neutral defaults");
  if (l) dlab_model_info_free(&info);
  dlab_model_free(l);
  expect_load_error(path_in_dir("nothing-here.safetensors"), "cannot open", "a missing file");
}

static void test_atomic(DlabModel *m) {
  tap_ok(count_entries(".tmp-") == 0, "no temporary files left behind by the saves");
  DlabModelInfo info;
  mnist_info(&info);
  char nowhere[256];
  snprintf(nowhere, sizeof nowhere, "%s/no-such-dir/model.safetensors", dir);
  int before = count_entries("");
  dlab_error_clear();
  tap_ok(dlab_checkpoint_save(nowhere, m, &info) == -1 && message_has(nowhere) && count_entries("") == before,
         "saving into a missing directory fails and leaves nothing: %s", dlab_error_message());
  /* A save that fails keeps the previous file intact. */
  const char *path = path_in_dir("lenet.safetensors");
  size_t len_before, len_after;
  uint8_t *old = read_file(path, &len_before);
  info.num_classes = 9;
  dlab_error_clear();
  int rc = dlab_checkpoint_save(path, m, &info);
  info.num_classes = 10;
  uint8_t *now = read_file(path, &len_after);
  tap_ok(rc == -1 && message_has(path) && message_has("9 class names") && len_before == len_after &&
             memcmp(old, now, len_before) == 0 && count_entries(".tmp-") == 0,
         "a refused save leaves the old checkpoint as it was: %s", dlab_error_message());
  free(old);
  free(now);
  dlab_model_info_free(&info);
}

/* BatchNorm's num_batches_tracked is saved as I64, as PyTorch saves it. */
static void test_int64_buffer(void) {
  DlabModel *m = dlab_model_create("mlp", mnist, 3);
  DlabParam *tracked = m ? dlab_model_find_param(m, "layer1.1.num_batches_tracked") : NULL;
  if (!tracked) {
    tap_ok(0, "mlp with layer1.1.num_batches_tracked: %s", dlab_error_message());
    dlab_model_free(m);
    return;
  }
  tracked->value.data[0] = 937.0f;
  DlabParam *mean = dlab_model_find_param(m, "layer1.1.running_mean");
  for (size_t i = 0; mean && i < mean->value.numel; i++) mean->value.data[i] = 0.001f * (float)i;
  const char *path = path_in_dir("mlp.safetensors");
  int rc = dlab_checkpoint_save(path, m, NULL);
  DlabSafetensors st;
  rc |= dlab_safetensors_read(path, &st);
  const DlabStTensor *t = rc == 0 ? dlab_safetensors_find(&st, "layer1.1.num_batches_tracked") : NULL;
  int64_t v = 0;
  if (t) memcpy(&v, t->data, sizeof v);
  tap_ok(t && t->dtype == DLAB_ST_I64 && t->ndim == tracked->value.ndim && v == 937,
         "num_batches_tracked stored as I64 (value %lld, rank %d)", (long long)v, t ? t->ndim : -1);
  if (rc == 0) dlab_safetensors_free(&st);
  DlabModelInfo info;
  DlabModel *l = dlab_checkpoint_load(path, &info);
  tap_ok(l && same_weights(m, l), "mlp with BatchNorm buffers round-trips: %s", l ? "ok" : dlab_error_message());
  if (l) dlab_model_info_free(&info);
  dlab_model_free(l);
  dlab_model_free(m);
}

static void test_optimizer(DlabModel *m) {
  DlabOptimConfig cfg = dlab_optim_defaults(DLAB_OPTIM_ADAM);
  DlabOptimizer *a = dlab_optimizer_create(&cfg, m), *b = dlab_optimizer_create(&cfg, m);
  DlabParam *sa = NULL, *sb = NULL;
  int na = 0, nb = 0;
  if (!a || !b || dlab_optimizer_state(a, &sa, &na) < 0 || dlab_optimizer_state(b, &sb, &nb) < 0 || na == 0) {
    tap_ok(0, "Adam state for the model: %s", dlab_error_message());
    dlab_optimizer_free(a);
    dlab_optimizer_free(b);
    return;
  }
  for (int i = 0; i < na; i++)
    for (size_t k = 0; k < sa[i].value.numel; k++) sa[i].value.data[k] = (float)(i + 1) * 0.5f + (float)k * 1e-3f;
  dlab_optimizer_set_steps(a, 4242);
  const char *path = path_in_dir("lenet.optim.safetensors");
  int rc = dlab_optimizer_save(path, a);
  tap_ok(rc == 0, "optimizer state saved: %s", rc ? dlab_error_message() : "ok");
  rc = dlab_optimizer_load(path, b);
  int same = rc == 0 && na == nb && dlab_optimizer_steps(b) == 4242;
  for (int i = 0; same && i < na; i++)
    same = strcmp(sa[i].name, sb[i].name) == 0 &&
           memcmp(sa[i].value.data, sb[i].value.data, sa[i].value.numel * sizeof(float)) == 0;
  tap_ok(same, "optimizer state and step count restored: %s", rc ? dlab_error_message() : "ok");
  DlabOptimConfig sgd_cfg = dlab_optim_defaults(DLAB_OPTIM_SGD);
  sgd_cfg.momentum = 0.9f;
  DlabOptimizer *sgd = dlab_optimizer_create(&sgd_cfg, m);
  dlab_error_clear();
  tap_ok(sgd && dlab_optimizer_load(path, sgd) == -1 && message_has(path), "Adam state refused by SGD: %s",
         dlab_error_message());
  dlab_optimizer_free(sgd);
  dlab_error_clear();
  tap_ok(dlab_optimizer_load(path_in_dir("lenet.safetensors"), b) == -1 && message_has("step"),
         "a model checkpoint is not optimizer state: %s", dlab_error_message());
  dlab_optimizer_free(a);
  dlab_optimizer_free(b);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dlab-ckpt-XXXXXX");
  if (!mkdtemp(dir)) {
    printf("Bail out! cannot create a temporary directory\n");
    return 1;
  }
  DlabModel *m = dlab_model_create(SPEC, mnist, 1);
  if (!m) {
    printf("Bail out! %s: %s\n", SPEC, dlab_error_message());
    remove_dir();
    return 1;
  }
  test_round_trip(m);
  test_damaged();
  test_foreign(m);
  test_atomic(m);
  test_int64_buffer();
  test_optimizer(m);
  dlab_model_free(m);
  remove_dir();
  return tap_done();
}
