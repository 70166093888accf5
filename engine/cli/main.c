/* dlab: train, evaluate and run the Digit Lab networks from the shell. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dlab/error.h"
#include "dlab/threads.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} Command;

static const Command commands[] = {
    {"train", cmd_train, "train a network on a dataset"},
    {"eval", cmd_eval, "evaluate a checkpoint on a test set (accuracy, loss, confusion matrix)"},
    {"predict", cmd_predict, "classify PNG images with a checkpoint"},
    {"models", cmd_models, "list the built-in networks with their parameter counts"},
    {"recipes", cmd_recipes, "list the tutorials' recipes (dlab train --recipe NAME)"},
    {"data", cmd_data, "look at a dataset: info, stats, a grid of samples, export to PNGs"},
    {"fetch", cmd_fetch, "download a dataset (mnist, fashion-mnist, emnist, cifar10)"},
    {"devices", cmd_devices, "list the CPU and GPUs that dlab can train on"},
};
#define N_COMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fprintf(f, "usage: dlab COMMAND [OPTIONS]\n\ncommands:\n");
  for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n`dlab COMMAND --help` describes a command's options.\n");
}

int cli_fail(const char *cmd) {
  fprintf(stderr, "dlab %s: %s\n", cmd, dlab_error_message());
  return 1;
}

int main(int argc, char **argv) {
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
  fprintf(stderr, "dlab: unknown command `%s`\n\n", argv[1]);
  usage(stderr);
  return 2;
}
