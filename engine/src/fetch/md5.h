/* MD5 (RFC 1321), for the checksums the datasets publish. Not for security:
 * it only tells a download that arrived whole from one that did not. */
#ifndef DLAB_MD5_H
#define DLAB_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t state[4];
  uint64_t length;   /* bytes so far */
  uint8_t block[64]; /* bytes not yet hashed */
} DlabMd5;

void dlab_md5_init(DlabMd5 *m);
void dlab_md5_update(DlabMd5 *m, const void *data, size_t len);
/* Finishes and writes 32 lowercase hex digits and a NUL into hex. */
void dlab_md5_hex(DlabMd5 *m, char hex[33]);

/* The MD5 of a whole file; -1 with a message naming it when unreadable. */
int dlab_md5_file(const char *path, char hex[33]);

#endif
