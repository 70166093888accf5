/* dlab recipes: the tutorials' recipes, and the command each stands for. */
#include <stdio.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/recipes.h"
#include "options.h"

/* The `dlab train` command line a recipe stands for, ready to paste: a
 * value with spaces or pipes (a network spec) is quoted for the shell. */
static void print_command(const DlabRecipe *r) {
  printf("  dlab train");
  for (const DlabRecipeSetting *s = r->settings; s->option; s++) {
    printf(" --%s", s->option);
    if (s->value) printf(strpbrk(s->value, " |") ? " '%s'" : " %s", s->value);
  }
  printf("\n");
}

static void print_recipe(const DlabRecipe *r) {
  printf("%s\n  %s\n", r->name, r->title);
  /* In Chinese the title's translation is the title itself. */
  if (strcmp(_(r->title_en), r->title) != 0) printf("  %s\n", _(r->title_en));
  printf(_("  trains: %s\n  unusual: %s\n  reports each epoch: %s\n"), _(r->trains), _(r->unusual), _(r->reports));
  /* A recipe that is no tutorial reports what this project measured. */
  if (r->reported && r->seed_file) printf(_("  the tutorial reports: %s\n"), _(r->reported));
  else if (r->reported) printf(_("  measured by this project: %s\n"), _(r->reported));
  if (r->seed_file) printf(_("  tutorial: shared/seeds/%s\n"), r->seed_file);
  fputs(_("  same as:\n"), stdout);
  print_command(r);
}

int cmd_recipes(int argc, char **argv) {
  int help = 0;
  CliOption opts[] = {
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  const char *pos[1];
  int n_pos;
  if (cli_parse("recipes", argc, argv, 2, opts, 1, pos, 1, &n_pos) < 0) return 2;
  if (help) {
    fputs(_("usage: dlab recipes [NAME]\n\n"
            "Lists the tutorials' recipes: each runs exactly its tutorial's data,\n"
            "transforms, network, optimizer, learning-rate behaviour, batch size, epochs,\n"
            "split and checkpoint rule. Train one with `dlab train --recipe NAME`; options\n"
            "after it override its settings. With NAME, prints that recipe in full.\n\n"),
          stdout);
    cli_print_options(opts, 1);
    return 0;
  }
  if (n_pos == 1) {
    const DlabRecipe *r = dlab_recipe_find(pos[0]);
    if (!r) return cli_fail("recipes");
    print_recipe(r);
    return 0;
  }
  for (const DlabRecipe *r = dlab_recipes(); r->name; r++) {
    print_recipe(r);
    if (r[1].name) printf("\n");
  }
  return 0;
}
