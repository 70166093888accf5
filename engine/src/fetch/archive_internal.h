/* Shared by the archive readers (not public API). */
#ifndef DLAB_ARCHIVE_INTERNAL_H
#define DLAB_ARCHIVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "fetch/archive.h"

/* A file being extracted: dest/name.part, renamed to dest/name when whole. */
typedef struct {
  FILE *fp;
  char path[4096], tmp[4200];
  /* optional gunzip on the way through */
  int gunzip;
  z_stream zs;
  int zs_open, stream_ended;
  uint64_t written, max; /* never more than max bytes */
} DlabOutFile;

int dlab_out_open(DlabOutFile *o, const char *dest_dir, const char *name, int gunzip, uint64_t max);
int dlab_out_write(DlabOutFile *o, const uint8_t *data, size_t n);
/* Checks the gzip stream ended, flushes, renames into place. */
int dlab_out_commit(DlabOutFile *o);
void dlab_out_abort(DlabOutFile *o);

/* The files an extraction has written so far, removed again when a later
 * member fails: an archive is unpacked whole or not at all. */
typedef struct {
  char **paths;
  int n, cap;
} DlabWritten;

/* Commits o (as dlab_out_commit) and records its path in w. */
int dlab_out_commit_into(DlabOutFile *o, DlabWritten *w);
/* Removes every file recorded (after a failure) and frees the list. */
void dlab_written_undo(DlabWritten *w);
void dlab_written_free(DlabWritten *w);

/* Puts "ARCHIVE: MEMBER: " before the current message unless it already
 * names the archive (errors of the output file name only that). */
void dlab_member_error(const char *archive, const char *member);

/* Asks the filter and checks the name it gives is a plain base name;
 * *max_size gets the member's cap. */
int dlab_member_wanted(DlabMemberFilter filter, void *user, const char *member, char *out,
                       size_t n, uint64_t *max_size, const char *archive);

#endif
