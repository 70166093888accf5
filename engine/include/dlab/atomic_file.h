/* Files that appear whole or not at all (for the engine, and for the CLI
 * commands that write files of their own): written to a temporary file in the
 * same directory, flushed with fsync, then renamed over the target. A failed
 * or abandoned write removes the temporary file. */
#ifndef DLAB_ATOMIC_FILE_H
#define DLAB_ATOMIC_FILE_H

#include <stdio.h>

typedef struct {
  FILE *fp;           /* write through this */
  char path[4096];    /* final name */
  char tmp_path[4096];
} DlabAtomicFile;

int dlab_atomic_open(DlabAtomicFile *f, const char *path);
/* Flushes, fsyncs, renames. On any failure the temporary is removed, the
 * target is untouched, and -1 is returned with a message naming `path`. */
int dlab_atomic_commit(DlabAtomicFile *f);
/* Gives up: closes and removes the temporary file. */
void dlab_atomic_abort(DlabAtomicFile *f);

/* Removes what killed writes of `path` left behind: the files beside it
 * named exactly "<name of path>.tmp-" and six letters or digits (our own
 * pattern), if they are regular files of this user; nothing else (a
 * symbolic link, a folder, a longer or shorter suffix) is touched. Returns
 * how many were removed (0 when the folder cannot be listed). Call it
 * before saving or resuming from a file; never while another process may
 * be writing that same file. */
int dlab_atomic_remove_stale(const char *path);

#endif
