/* The model spec language.
 *
 *   spec   := layer ( '|' layer )*
 *   layer  := [ NAME ':' ] KEYWORD ARG*
 *
 * NAME is the layer's state_dict prefix (`conv1: conv 6 5` gives
 * conv1.weight); unnamed layers take their index in the sequence, as
 * nn.Sequential does (`0.weight`). Keywords and their arguments
 * (positional first, then `key value` pairs):
 *
 *   linear OUT [bias 0|1]
 *   conv OUT K [stride S] [pad P] [bias 0|1]
 *   maxpool K [stride S] [pad P]        stride defaults to K
 *   avgpool K [stride S] [pad P]
 *   relu | lrelu [SLOPE=0.01] | gelu | sigmoid | tanh
 *   bn1d [eps E] [momentum M] | bn2d [eps E] [momentum M]
 *   dropout [P=0.5]
 *   flatten
 */
#ifndef DLAB_SPEC_H
#define DLAB_SPEC_H

#include "dlab/layer.h"

/* Parses a spec into freshly created layers (not yet set up). On error
 * returns -1 with a message quoting the offending token. */
int dlab_spec_parse(const char *spec, DlabLayer ***layers, int *n_layers);

/* Writes the canonical text of the layers (names included) into a newly
 * allocated string. */
char *dlab_spec_format(DlabLayer *const *layers, int n_layers);

#endif
