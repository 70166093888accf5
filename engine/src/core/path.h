/* File names derived from another: a checkpoint's best copy
 * ("run.best.safetensors") and its optimizer state
 * ("run.optim.safetensors") are named after it. */
#ifndef DLAB_PATH_H
#define DLAB_PATH_H

#include <stddef.h>

/* Writes `path` with its suffix `old` replaced by `with` into buf (n
 * bytes): ("run.safetensors", ".safetensors", ".best.safetensors") gives
 * "run.best.safetensors"; a path that does not end in `old` (or is no more
 * than it) gets `with` appended ("run" gives "run.best.safetensors").
 * Returns 0, or -1 with a message naming the path when it does not fit. */
int dlab_path_replace_suffix(const char *path, const char *old, const char *with, char *buf, size_t n);

#endif
