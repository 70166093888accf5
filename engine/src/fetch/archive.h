/* Unpacking what `dlab fetch` downloads: .gz files, .tar.gz archives
 * (CIFAR-10) and .zip archives (EMNIST), streamed, never whole in memory.
 * Only the members a caller asks for are written, under their base name in
 * the destination folder, each atomically (temporary file, then renamed):
 * an archive cannot write outside the folder or leave half a file. Every
 * member is capped at the size its caller knows it has (or
 * DLAB_MEMBER_DEFAULT_MAX): one that inflates past it is stopped there, and
 * a failed extraction removes every file it wrote. */
#ifndef DLAB_ARCHIVE_H
#define DLAB_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/* The cap of an extracted file whose size is not known: 1 GiB. */
#define DLAB_MEMBER_DEFAULT_MAX ((uint64_t)1 << 30)

/* Inflates gzip file `src` into `dst`, stopping with an error (and nothing
 * left) once it would exceed max_size bytes (0: DLAB_MEMBER_DEFAULT_MAX). */
int dlab_gunzip_file(const char *src, const char *dst, uint64_t max_size);

/* Decides what to do with an archive member: 1 to extract it to `out_name`
 * (a base name, filled in) holding at most *max_size bytes (preset to
 * DLAB_MEMBER_DEFAULT_MAX; lower it to the member's known size), 0 to skip
 * it. */
typedef int (*DlabMemberFilter)(const char *member, char *out_name, size_t n, uint64_t *max_size,
                                void *user);

/* Extracts the chosen regular files of a .tar.gz into dest_dir. Returns
 * the number extracted, or -1 with a message naming the archive (and
 * nothing of it left in dest_dir). */
int dlab_tar_gz_extract(const char *archive, const char *dest_dir, DlabMemberFilter filter,
                        void *user);

/* Extracts the chosen members of a .zip into dest_dir; with
 * `gunzip_members` each member is itself a .gz and is inflated on the way
 * (EMNIST's gzip.zip holds emnist-*.gz). Returns the count or -1. */
int dlab_zip_extract(const char *archive, const char *dest_dir, DlabMemberFilter filter,
                     void *user, int gunzip_members);

/* ---- the parsers, exposed for the fuzz targets ---- */

typedef struct {
  char name[256 + 160]; /* ustar prefix + "/" + name */
  uint64_t size;
  char type; /* '0' regular file, '5' directory, ... */
} DlabTarHeader;

/* Parses one 512-byte tar header. Returns 1 for a header, 0 for the
 * all-zero end-of-archive block, -1 with a message (bad checksum, size
 * field). */
int dlab_tar_parse_header(const uint8_t block[512], const char *what, DlabTarHeader *out);

typedef struct {
  char name[256];
  uint16_t method;           /* 0 stored, 8 deflate */
  uint32_t crc, compressed, size;
  uint32_t local_offset;     /* of the member's local header */
} DlabZipEntry;

/* Parses the central directory of a whole zip file held in buf. Fills
 * *entries (caller frees) and *n. Errors: no end record, zip64, entries
 * pointing outside the file, a name too long. */
int dlab_zip_parse_directory(const uint8_t *buf, size_t len, const char *what,
                             DlabZipEntry **entries, int *n);

#endif
