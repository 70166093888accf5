/* Hostile checkpoints (checkpoint.h, predictor.h): every tensor is checked
 * against the spec before the model takes any memory, so a 104-byte file
 * claiming a 2 GB network fails at once and small; an input shape beyond
 * the limits (one that made flatten's int count wrap) is refused; NaN and
 * infinite weights are refused naming the tensor and the index; and a
 * model loaded to predict has no gradients. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dlab/checkpoint.h"
#include "dlab/error.h"
#include "dlab/predictor.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "nn/model_impl.h"

#define SPEC "conv 6 5 | relu | maxpool 2 | flatten | linear 10"

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

static long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

/* A checkpoint with the given metadata and no tensor at all. */
static const char *write_tensorless(const char *name, const char *arch, const char *input) {
  const char *path = path_in_dir(name);
  const char *keys[] = {"dlab.arch", "dlab.input"}, *values[] = {arch, input};
  if (dlab_safetensors_write(path, NULL, 0, keys, values, 2) < 0) printf("# %s\n", dlab_error_message());
  return path;
}

/* Loads `path` in a child process, by the predictor (the application's and
 * `dlab predict`'s way) or as a trainable model; returns the child's peak
 * resident memory in MiB, its verdict in *loaded (1 loaded, 0 refused, -1
 * crashed) and the message in msg. */
static long load_in_child(const char *path, int predictor, int *loaded, char *msg, size_t msg_len) {
  int fds[2];
  *loaded = -1;
  msg[0] = '\0';
  if (pipe(fds) < 0) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    DlabModelInfo info;
    void *got = predictor ? (void *)dlab_predictor_load(path) : (void *)dlab_checkpoint_load(path, &info);
    const char *text = got ? "" : dlab_error_message();
    if (write(fds[1], text, strlen(text)) < 0) _exit(3);
    _exit(got ? 0 : 1);
  }
  close(fds[1]);
  ssize_t n = read(fds[0], msg, msg_len - 1);
  msg[n > 0 ? n : 0] = '\0';
  close(fds[0]);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  wait4(pid, &status, 0, &ru);
  if (WIFEXITED(status) && WEXITSTATUS(status) <= 1) *loaded = WEXITSTATUS(status) == 0;
  return ru.ru_maxrss / 1024;
}

/* The file: `flatten | linear 300000 | linear 10`, no tensors. It
 * used to allocate and zero 235 M weights and as many gradients (1.9 GB)
 * before finding that none is in the file. */
static void test_tensorless_giant(DlabModel *small) {
  const char *path = write_tensorless("giant.safetensors", "flatten | linear 300000 | linear 10", "1x28x28");
  const char *small_path = path_in_dir("small.safetensors");
  if (dlab_checkpoint_save(small_path, small, NULL) < 0) printf("# %s\n", dlab_error_message());
  long size = file_size(path);
  char msg[512];
  int loaded;
  for (int predictor = 1; predictor >= 0; predictor--) {
    long baseline = load_in_child(small_path, predictor, &loaded, msg, sizeof msg);
    long peak = load_in_child(path, predictor, &loaded, msg, sizeof msg);
    tap_ok(loaded == 0 && strstr(msg, path) && strstr(msg, "tensor 1.weight missing") && baseline >= 0 &&
               peak < baseline + 100,
           "a %ld-byte checkpoint of a 238 M-parameter network: refused %s at a peak of %ld MiB (%ld MiB for a "
           "small model): %s",
           size, predictor ? "by the predictor" : "as a trainable model", peak, baseline, msg);
  }
}

/* The input: 1x65536x65537 made flatten report 65,536 features
 * (the product wrapped around in an int), the checkpoint loaded, and
 * `dlab predict` wrote 4.3 G values into a 65,536-float buffer. */
static void test_input_beyond_limits(void) {
  const char *path = path_in_dir("wide.safetensors");
  const char *keys[] = {"dlab.arch", "dlab.input"}, *values[] = {"flatten | linear 10", "1x65536x65537"};
  static float weight[10 * 65536], bias[10];
  DlabStTensor t[2];
  memset(t, 0, sizeof t);
  snprintf(t[0].name, sizeof t[0].name, "1.weight");
  t[0].dtype = DLAB_ST_F32, t[0].ndim = 2, t[0].shape[0] = 10, t[0].shape[1] = 65536;
  t[0].data = weight, t[0].nbytes = sizeof weight;
  snprintf(t[1].name, sizeof t[1].name, "1.bias");
  t[1].dtype = DLAB_ST_F32, t[1].ndim = 1, t[1].shape[0] = 10, t[1].data = bias, t[1].nbytes = sizeof bias;
  if (dlab_safetensors_write(path, t, 2, keys, values, 2) < 0) printf("# %s\n", dlab_error_message());
  char msg[512];
  int loaded;
  load_in_child(path, 1, &loaded, msg, sizeof msg);
  tap_ok(loaded == 0 && strstr(msg, path) && strstr(msg, "dlab.input") && strstr(msg, "over the limit of 4096"),
         "a checkpoint whose input is 1x65536x65537 is refused by the predictor: %s", msg);
  load_in_child(path, 0, &loaded, msg, sizeof msg);
  tap_ok(loaded == 0 && strstr(msg, "over the limit of 4096"), "and as a trainable model: %s", msg);
  path = write_tensorless("deep.safetensors", "flatten | linear 10", "4096x4096x4096");
  load_in_child(path, 1, &loaded, msg, sizeof msg);
  tap_ok(loaded == 0 && strstr(msg, "over the limit"), "a checkpoint whose input is 4096x4096x4096: %s", msg);
}

/* A small model's checkpoint with one value replaced. */
static const char *write_with(const char *name, DlabModel *m, const char *tensor, size_t index, float value) {
  DlabParam *p = dlab_model_find_param(m, tensor);
  float saved = p->value.data[index];
  p->value.data[index] = value;
  const char *path = path_in_dir(name);
  if (dlab_checkpoint_save(path, m, NULL) < 0) printf("# %s\n", dlab_error_message());
  p->value.data[index] = saved;
  return path;
}

static void expect_refused(const char *path, const char *needle, const char *what) {
  DlabModelInfo info;
  dlab_error_clear();
  DlabModel *m = dlab_checkpoint_load(path, &info);
  int trainable_refused = !m && message_has(path) && message_has(needle);
  dlab_model_free(m);
  dlab_error_clear();
  DlabPredictor *p = dlab_predictor_load(path);
  tap_ok(trainable_refused && !p && message_has(path) && message_has(needle), "%s: %s", what, dlab_error_message());
  dlab_predictor_free(p);
}

static void test_non_finite(DlabModel *m) {
  expect_refused(write_with("nan.safetensors", m, "0.weight", 7, NAN), "tensor 0.weight holds NaN at index 7",
                 "one NaN weight");
  expect_refused(write_with("inf.safetensors", m, "4.bias", 2, INFINITY), "tensor 4.bias holds +Inf at index 2",
                 "one +Inf bias");
  expect_refused(write_with("ninf.safetensors", m, "4.weight", 1000, -INFINITY),
                 "tensor 4.weight holds -Inf at index 1000", "one -Inf weight");
  const char *path = write_with("finite.safetensors", m, "4.weight", 1000, 3.4e38f);
  DlabPredictor *p = dlab_predictor_load(path);
  tap_ok(p != NULL, "the largest finite float is a value like any other: %s", p ? "loaded" : dlab_error_message());
  dlab_predictor_free(p);
}

/* Prediction needs no gradient; what it computes does not change. */
static void test_inference_build(DlabModel *m) {
  const char *path = path_in_dir("good.safetensors");
  if (dlab_checkpoint_save(path, m, NULL) < 0) printf("# %s\n", dlab_error_message());
  DlabPredictor *p = dlab_predictor_load(path);
  const DlabModel *pm = p ? dlab_predictor_model(p) : NULL;
  int no_grads = pm != NULL;
  for (int i = 0; pm && i < pm->n_params; i++)
    no_grads = no_grads && pm->params[i]->value.data && !pm->params[i]->grad.data;
  for (int i = 0; pm && i <= pm->n_layers; i++) no_grads = no_grads && !pm->grads[i].data;
  tap_ok(no_grads, "the predictor's model has weights but no gradients: %s", p ? "ok" : dlab_error_message());

  DlabModelInfo info;
  DlabModel *trainable = dlab_checkpoint_load(path, &info);
  float image[28 * 28], probs[10];
  for (int i = 0; i < 28 * 28; i++) image[i] = (float)((i * 37) % 101) / 100.0f;
  int same = trainable && p && dlab_model_set_batch(trainable, 1) == 0;
  if (same) {
    memcpy(trainable->acts[0].data, image, sizeof image); /* mean 0, std 1, one channel: no change */
    DlabTensor *logits = dlab_model_forward(trainable, 1, 0);
    dlab_predictor_run(p, image, probs);
    float max = logits->data[0], sum = 0;
    for (int k = 1; k < 10; k++) max = fmaxf(max, logits->data[k]);
    for (int k = 0; k < 10; k++) sum += expf(logits->data[k] - max);
    for (int k = 0; k < 10; k++) same = same && fabsf(expf(logits->data[k] - max) / sum - probs[k]) < 1e-6f;
  }
  tap_ok(same, "it predicts what the trainable model computes");
  if (trainable) dlab_model_info_free(&info);
  dlab_model_free(trainable);
  dlab_predictor_free(p);

  DlabModel *shapes = dlab_checkpoint_load_as(path, DLAB_BUILD_SHAPES, NULL);
  tap_ok(shapes && shapes->n_params == m->n_params && !shapes->params[0]->value.data &&
             dlab_model_count_params(shapes) == dlab_model_count_params(m),
         "a checkpoint can be checked without allocating its weights");
  dlab_model_free(shapes);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/dlab-limits-XXXXXX");
  if (!mkdtemp(dir)) {
    printf("Bail out! cannot create a temporary directory\n");
    return 1;
  }
  DlabModel *m = dlab_model_create(SPEC, mnist, 1);
  if (!m) {
    printf("Bail out! %s: %s\n", SPEC, dlab_error_message());
    return 1;
  }
  test_tensorless_giant(m);
  test_input_beyond_limits();
  test_non_finite(m);
  test_inference_build(m);
  dlab_model_free(m);
  const char *names[] = {"giant", "small", "wide", "deep", "nan", "inf", "ninf", "finite", "good"};
  for (int i = 0; i < 9; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s.safetensors", names[i]);
    unlink(path_in_dir(name));
  }
  rmdir(dir);
  return tap_done();
}
