/* The GPU's training loop against the CPU's, on small random datasets:
 *   - augmentation on the GPU (rotate, crop, hflip, affine, elastic) makes
 *     the CPU's images, sample by sample, from the same generators;
 *   - dlab_train on cuda:0 follows dlab_train on the CPU step for step (same order, same
 *     augmentation draws, same schedule): per-step losses, epoch results and
 *     the final weights agree, also over a last, shorter batch;
 *   - dlab_evaluate_device on cuda:0 gives dlab_evaluate's loss, accuracy and confusion;
 *   - a GPU run's checkpoint loads on the CPU and evaluates as the GPU said
 *     (with a validation split and --save-best), and a run can be cancelled.
 * TF32 is off (DLAB_CUDA_TF32=0). Exits 77 without a usable CUDA device. */
#include <string.h>
#include <unistd.h>

#include "backend/cuda/cuda_model.h"
#include "dlab/checkpoint.h"
#include "dlab/train.h"
#include "dlab/transform.h"
#include "gpu_test.h"
#include "nn/model_impl.h"

#define TOL 1e-3
#define MAX_STEPS 256

/* ---- augmentation ---- */

static void check_augment(const char *text, int c, int h, int w) {
  DlabDataset d;
  DlabTransformList t;
  if (make_random_dataset(&d, "random", 40, c, h, w, 5) < 0 || dlab_transforms_parse(text, &t) < 0) {
    tap_ok(0, "augment %s: setup: %s", text, dlab_error_message());
    return;
  }
  const int count = 32;
  const size_t sample = (size_t)c * h * w;
  uint32_t idx[32];
  for (int i = 0; i < count; i++) idx[i] = (uint32_t)((i * 7 + 3) % d.n);
  float *cpu = malloc(count * sample * sizeof *cpu), *gpu = malloc(count * sample * sizeof *gpu);
  DlabAugmenter *a = dlab_augmenter_create(&t, c, h, w, d.mean, d.std);
  const uint64_t seed = 99;
  const int epoch = 3;
  for (int i = 0; a && cpu && i < count; i++) {
    DlabRng rng;
    dlab_transform_rng(&rng, seed, epoch, idx[i]);
    dlab_augmenter_run(a, d.images + idx[i] * sample, cpu + i * sample, &rng);
  }
  int rc = a && cpu && gpu ? dlab_cuda_augment(&d, &t, seed, epoch, idx, count, 0, gpu) : -1;
  /* The same draws and the same float operations: equal values. A pixel
   * whose source coordinate lands on a rounding boundary may be taken from
   * the neighbour; allow a few of those in the whole batch. */
  size_t differ = 0;
  double worst = 0;
  for (size_t i = 0; rc == 0 && i < count * sample; i++) {
    double e = fabs((double)gpu[i] - cpu[i]);
    if (e > 1e-4 || isnan(e)) differ++;
    if (e > worst || isnan(e)) worst = e;
  }
  tap_ok(rc == 0 && differ * 1000 <= count * sample,
         "augment %s on %dx%dx%d: %zu of %zu values differ (largest difference %.3g)%s%s", text, c, h, w, differ,
         count * sample, worst, rc ? ": " : "", rc ? dlab_error_message() : "");
  dlab_augmenter_free(a);
  free(cpu);
  free(gpu);
  dlab_dataset_free(&d);
}

/* ---- the training loop ---- */

typedef struct {
  float loss[MAX_STEPS];
  long steps;
  atomic_int *cancel;
  long cancel_at;
} Steps;

static void on_step(const DlabStepInfo *s, void *user) {
  Steps *st = user;
  if (st->steps < MAX_STEPS) st->loss[st->steps] = s->loss;
  st->steps++;
  if (st->cancel && st->steps == st->cancel_at) atomic_store(st->cancel, 1);
}

static double weights_error(const DlabModel *a, const DlabModel *b, char *worst, size_t n) {
  double err = 0;
  snprintf(worst, n, "-");
  for (int q = 0; q < a->n_params; q++) {
    double e = rel_error(a->params[q]->value.data, b->params[q]->value.data, a->params[q]->value.numel);
    if (e > err || isnan(e)) {
      err = e;
      snprintf(worst, n, "%s", a->params[q]->name);
    }
  }
  return err;
}

typedef struct {
  const char *model, *transforms, *schedule;
  DlabOptimKind optim;
  int c, hw, n, batch, epochs;
} RunCase;

static void check_run(const RunCase *rcase) {
  DlabDataset train, test;
  DlabTransformList t;
  make_random_dataset(&train, "random-train", rcase->n, rcase->c, rcase->hw, rcase->hw, 21);
  make_random_dataset(&test, "random-test", 77, rcase->c, rcase->hw, rcase->hw, 22);
  DlabShape in = {3, {rcase->c, rcase->hw, rcase->hw}};
  DlabModel *cpu = dlab_model_create(rcase->model, in, 3), *gpu = dlab_model_create(rcase->model, in, 3);
  if (!cpu || !gpu || dlab_transforms_parse(rcase->transforms, &t) < 0) {
    tap_ok(0, "%s: setup: %s", rcase->model, dlab_error_message());
    goto done;
  }
  DlabTrainConfig cfg = dlab_train_defaults();
  cfg.epochs = rcase->epochs;
  cfg.batch_size = rcase->batch;
  cfg.optim = dlab_optim_defaults(rcase->optim);
  if (rcase->optim == DLAB_OPTIM_SGD) cfg.optim.lr = 0.02f, cfg.optim.momentum = 0.9f;
  dlab_schedule_parse(rcase->schedule, &cfg.schedule);
  cfg.label_smoothing = 0.05f;
  cfg.seed = 17;
  cfg.transforms = &t;
  cfg.loader_workers = 0;
  cfg.on_step = on_step;
  static Steps sc, sg;
  memset(&sc, 0, sizeof sc);
  memset(&sg, 0, sizeof sg);
  DlabTrainResult rc_cpu, rc_gpu;
  cfg.user = &sc;
  int a = dlab_train(cpu, &train, &test, &cfg, &rc_cpu);
  cfg.user = &sg;
  cfg.device = (DlabDeviceSpec){DLAB_DEVICE_CUDA, 0};
  int b = dlab_train(gpu, &train, &test, &cfg, &rc_gpu);
  const char *what = rcase->model;
  tap_ok(a == 0 && b == 0 && sc.steps == sg.steps && rc_gpu.epochs_done == rcase->epochs,
         "%s (%s, %s, batch %d of %d): %ld steps on both%s%s", what, dlab_optim_kind_name(rcase->optim),
         rcase->transforms, rcase->batch, rcase->n, sg.steps, b ? ": " : "", b ? dlab_error_message() : "");
  if (a || b) goto done;
  double worst_step = 0;
  long at = 0;
  for (long s = 0; s < sc.steps && s < MAX_STEPS; s++) {
    double e = fabs((double)sg.loss[s] - sc.loss[s]) / fabs((double)sc.loss[s]);
    if (e > worst_step || isnan(e)) worst_step = e, at = s + 1;
  }
  tap_ok(worst_step < TOL, "%s: per-step losses agree, worst rel %.2g (step %ld)", what, worst_step, at);
  const DlabEpochInfo *ec = &rc_cpu.last, *eg = &rc_gpu.last;
  double e_train = fabs(eg->train_loss - ec->train_loss) / ec->train_loss;
  double e_test = fabs(eg->test_loss - ec->test_loss) / ec->test_loss;
  tap_ok(e_train < TOL && e_test < TOL && fabs(eg->test_accuracy - ec->test_accuracy) <= 1.5 / test.n,
         "%s: last epoch train loss %.5f vs %.5f, test loss %.5f vs %.5f, test accuracy %.4f vs %.4f", what,
         eg->train_loss, ec->train_loss, eg->test_loss, ec->test_loss, eg->test_accuracy, ec->test_accuracy);
  char worst[64];
  double e_w = weights_error(gpu, cpu, worst, sizeof worst);
  tap_ok(e_w < TOL, "%s: weights and buffers after the run, worst rel %.2g (%s)", what, e_w, worst);
done:
  dlab_model_free(cpu);
  dlab_model_free(gpu);
  dlab_dataset_free(&train);
  dlab_dataset_free(&test);
}

/* ---- evaluation ---- */

static void check_evaluate(void) {
  DlabDataset d;
  make_random_dataset(&d, "random", 1234, 3, 32, 32, 8);
  DlabModel *m = dlab_model_create("cifarnet", (DlabShape){3, {3, 32, 32}}, 5);
  DlabEvalResult rc = {0}, rg = {0};
  int a = m ? dlab_evaluate(m, &d, 500, &rc) : -1;
  int b = m ? dlab_evaluate_device((DlabDeviceSpec){DLAB_DEVICE_CUDA, 0}, m, &d, 500, &rg) : -1;
  int same_confusion = a == 0 && b == 0;
  long moved = 0;
  for (int i = 0; same_confusion && i < 100; i++) moved += labs((long)rg.confusion[i] - rc.confusion[i]);
  tap_ok(a == 0 && b == 0 && rg.n == d.n && fabs(rg.loss - rc.loss) / rc.loss < TOL && moved <= 4,
         "evaluate on the GPU: loss %.6f vs %.6f, accuracy %.4f vs %.4f, %ld confusion counts moved%s%s", rg.loss,
         rc.loss, rg.accuracy, rc.accuracy, moved, b ? ": " : "", b ? dlab_error_message() : "");
  dlab_eval_result_free(&rc);
  dlab_eval_result_free(&rg);
  dlab_model_free(m);
  dlab_dataset_free(&d);
}

/* ---- checkpoints, validation, cancel ---- */

static void on_epoch_copy(const DlabEpochInfo *e, void *user) { *(DlabEpochInfo *)user = *e; }

static void check_checkpoints(void) {
  char dir[] = "/tmp/dlab-gpu-XXXXXX";
  if (!mkdtemp(dir)) {
    tap_ok(0, "a temporary directory");
    return;
  }
  char ck[256], best[256], opt_path[300];
  snprintf(ck, sizeof ck, "%s/run.safetensors", dir);
  snprintf(best, sizeof best, "%s/run.best.safetensors", dir);
  DlabDataset train, test, val;
  make_random_dataset(&train, "random-train", 500, 1, 28, 28, 31);
  make_random_dataset(&test, "random-test", 100, 1, 28, 28, 32);
  int split = dlab_dataset_split(&train, 0.2, 4, &val);
  DlabModel *m = dlab_model_create("mlp", (DlabShape){3, {1, 28, 28}}, 9);
  DlabTrainConfig cfg = dlab_train_defaults();
  cfg.epochs = 2;
  cfg.batch_size = 50;
  cfg.optim = dlab_optim_defaults(DLAB_OPTIM_ADAMW);
  cfg.checkpoint = ck;
  cfg.val = &val;
  cfg.save_best = DLAB_SAVE_BEST_VAL_LOSS;
  cfg.best_checkpoint = best;
  DlabEpochInfo last;
  memset(&last, 0, sizeof last);
  cfg.on_epoch = on_epoch_copy;
  cfg.user = &last;
  DlabTrainResult r;
  cfg.device = (DlabDeviceSpec){DLAB_DEVICE_CUDA, 0};
  int rc = split == 0 && m ? dlab_train(m, &train, &test, &cfg, &r) : -1;
  tap_ok(rc == 0 && r.epochs_done == 2 && r.best_epoch >= 1 && access(ck, F_OK) == 0 && access(best, F_OK) == 0 &&
             access(dlab_optimizer_state_path(ck, opt_path, sizeof opt_path), F_OK) == 0,
         "a GPU run writes its checkpoint, optimizer state and best model (epoch %d)%s%s", r.best_epoch,
         rc ? ": " : "", rc ? dlab_error_message() : "");
  DlabModelInfo info;
  DlabModel *loaded = rc == 0 ? dlab_checkpoint_load(ck, &info) : NULL;
  DlabEvalResult ev = {0};
  int e = loaded ? dlab_evaluate(loaded, &test, 100, &ev) : -1;
  tap_ok(e == 0 && fabs(ev.loss - last.test_loss) / last.test_loss < TOL &&
             fabs(ev.accuracy - last.test_accuracy) <= 1.5 / test.n,
         "the checkpoint evaluates on the CPU as the GPU reported: loss %.5f vs %.5f, accuracy %.3f vs %.3f",
         ev.loss, last.test_loss, ev.accuracy, last.test_accuracy);
  if (loaded) {
    DlabParam *count = dlab_model_find_param(loaded, "layer1.1.num_batches_tracked");
    tap_ok(count && count->value.data[0] == 2.0f * 8, "BatchNorm counted %g batches on the GPU (2 epochs of 8)",
           count ? count->value.data[0] : -1.0);
    dlab_model_info_free(&info);
  }
  dlab_eval_result_free(&ev);
  dlab_model_free(loaded);

  /* cancel after 5 steps: no error, the flag in the result */
  atomic_int cancel = 0;
  static Steps st;
  memset(&st, 0, sizeof st);
  st.cancel = &cancel;
  st.cancel_at = 5;
  DlabTrainConfig c2 = dlab_train_defaults();
  c2.epochs = 3;
  c2.batch_size = 20;
  c2.cancel = &cancel;
  c2.on_step = on_step;
  c2.user = &st;
  c2.device = (DlabDeviceSpec){DLAB_DEVICE_CUDA, 0};
  rc = m ? dlab_train(m, &train, &test, &c2, &r) : -1;
  /* The steps already queued on the GPU finish (at most an epoch here). */
  tap_ok(rc == 0 && r.cancelled && st.steps >= 5 && r.epochs_done <= 1,
         "a GPU run stops when cancelled (%ld steps reported, %d epochs done)", st.steps, r.epochs_done);
  dlab_model_free(m);
  dlab_dataset_free(&train);
  dlab_dataset_free(&test);
  dlab_dataset_free(&val);
  unlink(best);
  unlink(dlab_optimizer_state_path(ck, opt_path, sizeof opt_path));
  unlink(ck);
  rmdir(dir);
}

int main(void) {
  setenv("DLAB_CUDA_TF32", "0", 1);
  if (!gpu_or_skip()) return 77;
  check_augment("rotate:15", 1, 28, 28);
  check_augment("crop:28:4", 1, 28, 28);
  check_augment("hflip", 3, 32, 32);
  check_augment("affine:10:0.1/0.1:0.9/1.1:5", 1, 28, 28);
  check_augment("elastic:40:4", 1, 28, 28);
  check_augment("rotate:5:128,crop:32:4,hflip:0.5,normalize", 3, 32, 32);

  static const RunCase runs[] = {
      {"lenet", "rotate:5,crop:28:2", "cosine", DLAB_OPTIM_SGD, 1, 28, 300, 32, 2},
      {"mlp", "", "onecycle", DLAB_OPTIM_ADAM, 1, 28, 200, 64, 2}, /* BatchNorm; no dropout (masks differ) */
      {"cifarnet", "crop:32:4,hflip", "step:1:0.5,warmup:3", DLAB_OPTIM_SGD, 3, 32, 160, 16, 2},
  };
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) check_run(&runs[i]);
  check_evaluate();
  check_checkpoints();
  return tap_done();
}
