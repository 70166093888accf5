/* The run's options (dlab/run.h): one table read from arguments and
 * written back to them, ranges with the accepted range in the message,
 * defaults in one place, and the checks that need no data. */
#include <stdlib.h>
#include <string.h>

#include "dlab/error.h"
#include "dlab/recipes.h"
#include "dlab/run.h"
#include "test_util.h"

static int message_has(const char *text) { return strstr(dlab_error_message(), text) != NULL; }

static int parse(DlabRunOptions *o, int argc, const char **argv) {
  *o = dlab_run_options_defaults();
  dlab_error_clear();
  return dlab_run_options_parse(o, argc, (char *const *)argv);
}

/* Every option written back and read again is the same run. */
static void check_round_trip(void) {
  const char *argv[] = {"--dataset", "fashion-mnist", "--model", "conv 6 5 | relu | flatten | linear 10",
                        "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov",
                        "--weight-decay", "0.0005", "--schedule", "stepstart:5:0.1", "--label-smoothing", "0.1",
                        "--epochs", "3", "--batch-size", "32", "--no-shuffle", "--limit", "500", "--val-split",
                        "0.1", "--split-seed", "7", "--transform", "rotate:5,normalize:0.5:0.5", "--seed", "9",
                        "--threads", "1", "--workers", "0", "--save-best", "val_acc", "--out", "x.safetensors",
                        "--log", "runs/x", "--keep-transposed", "--beta1", "0.8", "--beta2", "0.99"};
  int argc = (int)(sizeof argv / sizeof argv[0]), n = 0;
  DlabRunOptions a, b;
  int rc = parse(&a, argc, argv);
  char **back = rc == 0 ? dlab_run_options_to_argv(&a, &n) : NULL;
  int rc2 = back ? parse(&b, n, (const char **)back) : -1;
  int same = rc2 == 0 && memcmp(&a.lr, &b.lr, sizeof(float)) == 0 && a.momentum == b.momentum &&
             a.nesterov == b.nesterov && a.weight_decay == b.weight_decay && a.epochs == b.epochs &&
             a.batch_size == b.batch_size && a.no_shuffle == b.no_shuffle && a.limit == b.limit &&
             a.val_split == b.val_split && a.split_seed == b.split_seed && a.seed == b.seed &&
             a.threads == b.threads && a.workers == b.workers && a.keep_transposed == b.keep_transposed &&
             a.beta1 == b.beta1 && a.beta2 == b.beta2 && a.label_smoothing == b.label_smoothing &&
             strcmp(a.model, b.model) == 0 && strcmp(a.schedule, b.schedule) == 0 &&
             strcmp(a.transform, b.transform) == 0 && strcmp(a.save_best, b.save_best) == 0 &&
             strcmp(a.out, b.out) == 0 && strcmp(a.log, b.log) == 0 && strcmp(a.dataset, b.dataset) == 0;
  tap_ok(same && n == argc, "%d arguments written back as %d and read again: the same run", argc, n);
  tap_ok(rc == 0 && dlab_run_options_check(&a) == 0, "those options pass the checks: %s", dlab_error_message());
  free(back);

  DlabRunOptions d = dlab_run_options_defaults();
  back = dlab_run_options_to_argv(&d, &n);
  tap_ok(back && n == 0 && back[0] == NULL, "the defaults need no argument (%d)", n);
  free(back);
}

static void check_ranges(void) {
  DlabRunOptions o;
  const char *lr[] = {"--lr", "1e300"};
  tap_ok(parse(&o, 2, lr) < 0 && message_has("--lr 1e300") && message_has("(0, 10]"),
         "--lr 1e300: %s", dlab_error_message());
  const char *nan[] = {"--momentum=nan"};
  tap_ok(parse(&o, 1, nan) < 0 && message_has("[0, 1)"), "--momentum nan: %s", dlab_error_message());
  const char *whole[] = {"--epochs", "2.5"};
  tap_ok(parse(&o, 2, whole) < 0 && message_has("whole number"), "--epochs 2.5: %s", dlab_error_message());
  const char *typo[] = {"--batchsize", "4"};
  tap_ok(parse(&o, 2, typo) < 0 && message_has("did you mean --batch-size"), "--batchsize: %s",
         dlab_error_message());
  const char *missing[] = {"--epochs"};
  tap_ok(parse(&o, 1, missing) < 0 && message_has("needs a value"), "--epochs alone: %s", dlab_error_message());
  const char *flag[] = {"--no-shuffle=1"};
  tap_ok(parse(&o, 1, flag) < 0 && message_has("takes no value"), "--no-shuffle=1: %s", dlab_error_message());
  const char *later[] = {"--epochs", "3", "--epochs=5"};
  tap_ok(parse(&o, 3, later) == 0 && o.epochs == 5, "a later option overrides an earlier one");
}

static void check_checks(void) {
  DlabRunOptions o;
  const char *best[] = {"--save-best", "val_loss"};
  tap_ok(parse(&o, 2, best) == 0 && dlab_run_options_check(&o) < 0 && message_has("--val-split"),
         "--save-best without a validation split: %s", dlab_error_message());
  const char *nesterov[] = {"--nesterov"};
  tap_ok(parse(&o, 1, nesterov) == 0 && dlab_run_options_check(&o) < 0 && message_has("--optimizer sgd"),
         "--nesterov with Adam: %s", dlab_error_message());
  const char *schedule[] = {"--schedule", "stepp:5"};
  tap_ok(parse(&o, 2, schedule) == 0 && dlab_run_options_check(&o) < 0 && message_has("stepp:5"),
         "an unknown schedule: %s", dlab_error_message());
  const char *transform[] = {"--transform", "rotate:x"};
  tap_ok(parse(&o, 2, transform) == 0 && dlab_run_options_check(&o) < 0 && message_has("rotate:x"),
         "a malformed transform: %s", dlab_error_message());
}

/* Every recipe is a list of valid options that pass the checks. */
static void check_recipes(void) {
  for (const DlabRecipe *r = dlab_recipes(); r->name; r++) {
    DlabRunOptions o = dlab_run_options_defaults();
    int ok = 1;
    dlab_error_clear();
    for (const DlabRecipeSetting *s = r->settings; ok && s->option; s++)
      ok = dlab_run_options_set(&o, s->option, s->value) == 0;
    tap_ok(ok && dlab_run_options_check(&o) == 0, "recipe %s: every setting is a valid option%s%s", r->name,
           ok ? "" : ": ", ok ? "" : dlab_error_message());
  }
}

int main(void) {
  check_round_trip();
  check_ranges();
  check_checks();
  check_recipes();
  return tap_done();
}
