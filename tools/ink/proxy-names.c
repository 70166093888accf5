/* The proxy sets' file names (proxy-names.h). */
#include "proxy-names.h"

#include <string.h>

const ProxyReported proxy_reported[PROXY_N_REPORTED] = {
    {"9-gtail", "9 with a curved, hooked \"g\" tail (read as 3)"},
    {"4-opentop", "open-top 4 in one stroke (read as 5, 6 or 9)"},
    {"7-hook", "7 with a hooked or curled stem (read as 2)"},
    {"1-flag", "1 with a flag at the top (read as 2)"},
};

int proxy_is_reported(const char *family) {
  for (int i = 0; i < PROXY_N_REPORTED; i++)
    if (!strcmp(family, proxy_reported[i].family)) return 1;
  return 0;
}

/* Lower-case letters, digits and '-' (capitals too: letters' names). */
static int is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

int proxy_name_parse(const char *name, int *label, char *group, size_t cap) {
  static const char suffix[] = ".strokes";
  size_t len = strlen(name), tail = sizeof suffix - 1;
  if (len < 2 + tail || strcmp(name + len - tail, suffix) != 0 || name[1] != '-') return -1;
  size_t stem = len - tail;
  for (size_t i = 0; i < stem; i++)
    if (!is_name_char(name[i])) return -1;
  /* The copy number: digits after the last '-', which must not be the
   * label's own dash. */
  const char *last = memrchr(name, '-', stem);
  if (!last || last == name + 1 || last + 1 == name + stem) return -1;
  for (const char *c = last + 1; c < name + stem; c++)
    if (*c < '0' || *c > '9') return -1;
  /* The group: the label and the first word after it, or the kind. */
  const char *word = name + 2, *end = word;
  while (*end != '-') end++;
  if (end == word) return -1;
  size_t n;
  if (name[0] >= '0' && name[0] <= '9') {
    *label = name[0] - '0';
    n = (size_t)(end - name);
    word = name;
  } else if (name[0] == 'x') {
    *label = -1;
    n = (size_t)(end - word);
  } else {
    return -1;
  }
  if (n >= cap) return -1;
  memcpy(group, word, n);
  group[n] = '\0';
  return 0;
}
