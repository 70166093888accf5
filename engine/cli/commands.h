/* The dlab subcommands. Each returns the process exit status. */
#ifndef DLAB_CLI_COMMANDS_H
#define DLAB_CLI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_inside(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_recipes(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_devices(int argc, char **argv);

/* "dlab CMD: " + the engine's last error message, on stderr; returns 1. */
int cli_fail(const char *cmd);

#endif
