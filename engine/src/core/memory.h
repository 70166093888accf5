/* Hints to the system about how the engine uses large buffers. */
#ifndef DLAB_CORE_MEMORY_H
#define DLAB_CORE_MEMORY_H
#include <stddef.h>

/* Asks for the 2 MB pages of [p, p + n) to be backed by huge pages when
 * first written, where the system offers them (Linux with transparent huge
 * pages in "madvise" mode, Debian's default). Call it before writing the
 * buffer. A hint: nothing changes but speed, and nothing fails. */
void dlab_advise_huge_pages(void *p, size_t n);

#endif
