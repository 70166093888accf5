/* DlabCodeWindow: a window showing program text the learner can copy, such
 * as the PyTorch class of the Train page's network ("Show PyTorch Code"). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DLAB_TYPE_CODE_WINDOW (dlab_code_window_get_type ())
G_DECLARE_FINAL_TYPE (DlabCodeWindow, dlab_code_window, DLAB, CODE_WINDOW, AdwWindow)

/* A window titled `title` over `parent`, showing `code` (monospace,
 * selectable) and `note` (one line above it, may be NULL). */
DlabCodeWindow *dlab_code_window_new (GtkWindow *parent, const char *title, const char *note, const char *code);

const char *dlab_code_window_get_code (DlabCodeWindow *self);

G_END_DECLS
