/* The spec language and the zoo: parameter counts equal PyTorch's, the
 * canonical text parses back to the same network, and mistakes give one
 * clear message naming the token. */
#include <string.h>

#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/spec.h"
#include "dlab/zoo.h"
#include "test_util.h"

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
  return tap_done();
}
