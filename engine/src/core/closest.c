/* "Did you mean ...?" (see closest.h). */
#include "dlab/closest.h"

#include <stddef.h>
#include <string.h>

int dlab_edit_distance(const char *a, const char *b) {
  int la = (int)strlen(a), lb = (int)strlen(b);
  if (la > 31 || lb > 31) return 99;
  int d[32][32];
  for (int i = 0; i <= la; i++) d[i][0] = i;
  for (int j = 0; j <= lb; j++) d[0][j] = j;
  for (int i = 1; i <= la; i++)
    for (int j = 1; j <= lb; j++) {
      int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
      d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
  return d[la][lb];
}

const char *dlab_closest_name(const char *word, const void *names, int n, size_t stride, int max_distance) {
  const char *best = NULL;
  int best_d = max_distance;
  for (int i = 0; i < n; i++) {
    const char *name = *(const char *const *)((const char *)names + (size_t)i * stride);
    if (!name) continue;
    int d = dlab_edit_distance(word, name);
    if (d < best_d) best_d = d, best = name;
  }
  return best;
}
