/* dlab: train, evaluate and run the Digit Lab networks from the shell. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/threads.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
    {"train", cmd_train, N_("train a network on a dataset")},
    {"eval", cmd_eval, N_("evaluate a checkpoint on a test set (accuracy, loss, confusion matrix)")},
    {"predict", cmd_predict, N_("classify PNG images with a checkpoint")},
    {"inside", cmd_inside, N_("pictures of what every layer makes of an image or a drawing")},
    {"models", cmd_models, N_("list the built-in networks with their parameter counts")},
    {"recipes", cmd_recipes, N_("list the tutorials' recipes (dlab train --recipe NAME)")},
    {"data", cmd_data, N_("look at a dataset: info, stats, a grid of samples, export to PNGs")},
    {"fetch", cmd_fetch, N_("download a dataset (mnist, fashion-mnist, emnist, cifar10)")},
    {"devices", cmd_devices, N_("list the CPU and GPUs that dlab can train on")},
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fputs(_("usage: dlab COMMAND [OPTIONS]\n\ncommands:\n"), f);
  for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
  fputs(_("\n`dlab COMMAND --help` describes a command's options.\n"), f);
}

/* The user's locale, for messages and what a person reads (numbers in
 * files and options stay in the C locale: dlab/cnum.h), and the text
 * domain: $DLAB_LOCALEDIR for an uninstalled build (its po/ folder, as the
 * tests set it), else the installed one. */
static void init_i18n(void) {
  setlocale(LC_ALL, "");
  const char *dir = getenv("DLAB_LOCALEDIR");
  bindtextdomain(GETTEXT_PACKAGE, dir && *dir ? dir : DLAB_LOCALEDIR);
  textdomain(GETTEXT_PACKAGE);
}

int main(int argc, char **argv) {
  init_i18n();
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("dlab %s\n", DLAB_VERSION);
    return 0;
  }
  for (int i = 0; i < N_COMMANDS; i++)
    if (strcmp(argv[1], commands[i].name) == 0) {
      int rc = commands[i].run(argc, argv);
      dlab_threads_shutdown();
      return rc;
    }
  fprintf(stderr, _("dlab: unknown command `%s`\n\n"), argv[1]);
  usage(stderr);
  return 2;
}
