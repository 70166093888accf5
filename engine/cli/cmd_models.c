/* dlab models: the zoo, or the summary of one network / spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/error.h"
#include "dlab/model.h"
#include "dlab/pytorch_code.h"
#include "dlab/zoo.h"
#include "options.h"

int cmd_models(int argc, char **argv) {
  const char *input = NULL;
  int help = 0, pytorch = 0;
  CliOption opts[] = {
      {"input", OPT_STRING, &input, N_("input shape CxHxW for a custom spec (default 1x28x28; each side and "
                                       "the channels at most 4096, C*H*W at most 16M)"), 0},
      {"pytorch", OPT_FLAG, &pytorch, N_("print a PyTorch nn.Module that loads this network's checkpoints"), 0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  const int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  if (cli_parse("models", argc, argv, 2, opts, n_opts, pos, 1, &n_pos) < 0) return 2;
  if (help) {
    fputs(_("usage: dlab models [NAME|SPEC] [--input CxHxW] [--pytorch]\n\n"
            "Without an argument, lists the built-in networks. With a name or a spec,\n"
            "prints each layer's output shape and parameter count; with --pytorch, the\n"
            "PyTorch class whose load_state_dict(strict=True) takes its checkpoints.\n\n"),
          stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  if (pytorch && n_pos == 0) {
    fputs(_("dlab models: --pytorch needs a network: a zoo name or a spec\n"), stderr);
    return 2;
  }
  if (n_pos == 0) {
    /* TRANSLATORS: the column headings of `dlab models`: name, input shape, parameters, description */
    printf("%s\n", _("name       input        params  description"));
    for (const DlabZooEntry *e = dlab_zoo_entries(); e->name; e++) {
      DlabShape s;
      DlabModel *m = dlab_shape_parse(e->input, &s) < 0 ? NULL : dlab_model_describe(e->spec, s);
      if (!m) return cli_fail("models");
      printf("%-10s %-8s %10ld  %s\n", e->name, e->input, dlab_model_count_params(m), _(e->description));
      dlab_model_free(m);
    }
    return 0;
  }
  const DlabZooEntry *e = dlab_zoo_find(pos[0]);
  const char *in_text = input ? input : e ? e->input : "1x28x28";
  DlabShape s;
  if (dlab_shape_parse(in_text, &s) < 0) {
    fprintf(stderr, "dlab models: --input: %s\n", dlab_error_message());
    return 2;
  }
  /* Shapes and counts only: a spec of any size is described at once. */
  DlabModel *m = dlab_model_describe(pos[0], s);
  if (!m) return cli_fail("models");
  if (pytorch) {
    char *code = dlab_pytorch_code(m);
    dlab_model_free(m);
    if (!code) return cli_fail("models");
    fputs(code, stdout);
    free(code);
    return 0;
  }
  printf("spec: %s\n\n", dlab_model_spec(m));
  dlab_model_summary(m, stdout);
  dlab_model_free(m);
  return 0;
}
