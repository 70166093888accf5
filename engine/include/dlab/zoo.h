/* The seed networks of the tutorials, by name. */
#ifndef DLAB_ZOO_H
#define DLAB_ZOO_H

typedef struct {
  const char *name;        /* "lenet" */
  const char *description; /* one line, for `dlab models` */
  const char *input;       /* "1x28x28" */
  const char *spec;
} DlabZooEntry;

/* NULL-terminated table of entries. */
const DlabZooEntry *dlab_zoo_entries(void);

/* The entry called `name`, or NULL. */
const DlabZooEntry *dlab_zoo_find(const char *name);

/* A zoo name's spec, or `name_or_spec` itself when it is not a zoo name. */
const char *dlab_zoo_resolve(const char *name_or_spec);

#endif
