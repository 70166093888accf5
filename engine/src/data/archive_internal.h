/* Shared by the archive readers (not public API). */
#ifndef DLAB_ARCHIVE_INTERNAL_H
#define DLAB_ARCHIVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <zlib.h>

#include "dlab/archive.h"

/* A file being extracted: dest/name.part, renamed to dest/name when whole. */
typedef struct {
  FILE *fp;
  char path[4096], tmp[4200];
  /* optional gunzip on the way through */
  int gunzip;
  z_stream zs;
  int zs_open, stream_ended;
  uint64_t written;
} DlabOutFile;

int dlab_out_open(DlabOutFile *o, const char *dest_dir, const char *name, int gunzip);
int dlab_out_write(DlabOutFile *o, const uint8_t *data, size_t n);
/* Checks the gzip stream ended, flushes, renames into place. */
int dlab_out_commit(DlabOutFile *o);
void dlab_out_abort(DlabOutFile *o);

/* Puts "ARCHIVE: MEMBER: " before the current message unless it already
 * names the archive (errors of the output file name only that). */
void dlab_member_error(const char *archive, const char *member);

/* Asks the filter and checks the name it gives is a plain base name. */
int dlab_member_wanted(DlabMemberFilter filter, void *user, const char *member, char *out,
                       size_t n, const char *archive);

#endif
