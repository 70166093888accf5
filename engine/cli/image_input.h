/* A PNG of any size as a model's input (dlab predict, dlab inside). */
#ifndef DLAB_CLI_IMAGE_INPUT_H
#define DLAB_CLI_IMAGE_INPUT_H

#include "dlab/layer.h"

typedef enum { INVERT_AUTO, INVERT_YES, INVERT_NO } InvertMode;

/* The image at path scaled to the input shape `in`, HWC on the 0..1
 * scale, light ink on dark (inverted as `invert` says) into pixels
 * (C*H*W values). 0, or -1 with a message naming the file. */
int cli_load_image(const char *path, DlabShape in, InvertMode invert, float *pixels);

/* "auto", "yes" or "no": 0, else -1. */
int cli_parse_invert(const char *text, InvertMode *mode);

#endif
