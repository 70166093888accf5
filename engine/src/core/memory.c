/* See memory.h. A dataset of tens of megabytes read at random (shuffled
 * batches) touches a new 4 KB page with nearly every sample; in 2 MB pages
 * the whole of MNIST's training images takes 23 page-table entries, and
 * filling it takes 23 page faults instead of 11,500. */
#include "core/memory.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

void dlab_advise_huge_pages(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  uintptr_t begin = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uintptr_t end = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
  if (end > begin) madvise((void *)begin, end - begin, MADV_HUGEPAGE);
#else
  (void)p, (void)n;
#endif
}
