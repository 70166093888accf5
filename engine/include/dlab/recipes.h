/* The tutorials' recipes: for each tutorial of ../shared/seeds, the data,
 * transforms, network, optimizer, learning-rate behaviour, batch size,
 * epochs, split and checkpoint rule it uses, as `dlab train` options.
 *
 * A recipe is a list of (option, value) pairs, the very options of `dlab
 * train`, so the command line applies it by reading them before the user's
 * own options (which then override), and the application fills its Train
 * page from the same pairs. */
#ifndef DLAB_RECIPES_H
#define DLAB_RECIPES_H

typedef struct {
  const char *option; /* a `dlab train` option without dashes: "lr" */
  const char *value;  /* its value; NULL for a flag ("no-shuffle") */
} DlabRecipeSetting;

typedef struct {
  const char *name;         /* "mlp-mnist" */
  const char *title;        /* the tutorial's title, in Chinese as published */
  const char *title_en;     /* the same in English */
  const char *trains;       /* one line: what it trains, on what */
  const char *unusual;      /* one sentence: what is unusual in it, what to try */
  const char *reports;      /* what the tutorial prints each epoch */
  const char *reported;     /* what the tutorial's text reports as its result, or NULL */
  double reported_accuracy; /* that result as a fraction (0.9815), or 0 when none */
  const char *reported_split; /* "val" or "test": where reported_accuracy was measured */
  const char *seed_file;    /* the tutorial in ../shared/seeds; NULL for a recipe that is no tutorial */
  const DlabRecipeSetting *settings; /* ends with {NULL, NULL} */
} DlabRecipe;

/* NULL-terminated table of the recipes, in the order of the tutorials. */
const DlabRecipe *dlab_recipes(void);

/* The recipe called `name`, or NULL (with an error that lists the names). */
const DlabRecipe *dlab_recipe_find(const char *name);

/* The value of `option` in `recipe`: its text, "" for a flag, or NULL when
 * the recipe leaves that option at its default. */
const char *dlab_recipe_value(const DlabRecipe *recipe, const char *option);

/* The standard error of an accuracy measured on n images, sqrt(p(1-p)/n):
 * how far the same network's accuracy would move on another test set of
 * the same size. 0 when n < 1. */
double dlab_accuracy_stderr(double accuracy, long n);

#endif
