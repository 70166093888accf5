/* The hand-designed drawings of the proxy sets (proxy-sets.c): digits in
 * the styles writers use, letters that are not digit look-alikes, shapes,
 * and scribbles made up at random; and a second set of non-digits designed
 * unlike the default model's training templates (proxy-unseen.c), and a
 * final one unlike all of them (proxy-final.c). Paths are turtle paths
 * (turtle.h) in a box 0.7 wide and 1 tall, y down. */
#ifndef DLAB_TOOLS_PROXY_TEMPLATES_H
#define DLAB_TOOLS_PROXY_TEMPLATES_H

#include <stddef.h>

#include "dlab/rng.h"

/* Writes a random path (turtle.h) into buf; -1 when it does not fit. */
typedef int (*ProxyGenerator)(DlabRng *rng, char *buf, size_t cap);

typedef struct {
  const char *name; /* the file names' stem: "9-gtail-curl", "x-shape-star" */
  const char *path; /* NULL when generate makes one per drawing */
  ProxyGenerator generate;
  unsigned reversible; /* bit k: stroke k may be drawn backwards */
  int reorder;         /* the strokes may come in reverse order */
} ProxyTemplate;

extern const ProxyTemplate proxy_digit_templates[];
extern const int proxy_n_digit_templates;
extern const ProxyTemplate proxy_nondigit_templates[];
extern const int proxy_n_nondigit_templates;
/* The unseen non-digits: designed unlike the training's (proxy-unseen.c). */
extern const ProxyTemplate proxy_unseen_templates[];
extern const int proxy_n_unseen_templates;
/* The final non-digits: the test figure nothing is chosen with
 * (proxy-final.c). */
extern const ProxyTemplate proxy_final_templates[];
extern const int proxy_n_final_templates;

#endif
