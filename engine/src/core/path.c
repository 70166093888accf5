/* Deriving a file name from another by its suffix (path.h). */
#include "core/path.h"

#include <string.h>

#include "core/i18n.h"
#include "dlab/error.h"

int dlab_path_replace_suffix(const char *path, const char *old, const char *with, char *buf, size_t n) {
  size_t len = strlen(path), old_len = strlen(old), with_len = strlen(with);
  if (len > old_len && strcmp(path + len - old_len, old) == 0) len -= old_len;
  if (len + with_len >= n) return dlab_error(_("%s: the name is too long"), path);
  memcpy(buf, path, len);
  memcpy(buf + len, with, with_len + 1);
  return 0;
}
