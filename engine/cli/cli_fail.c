/* How every subcommand reports the engine's error (commands.h). Not in
 * main.c: main calls the commands, and they would call back into it. */
#include <stdio.h>

#include "commands.h"
#include "dlab/error.h"

int cli_fail(const char *cmd) {
  fprintf(stderr, "dlab %s: %s\n", cmd, dlab_error_message());
  return 1;
}
