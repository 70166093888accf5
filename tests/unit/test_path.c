/* core/path.h: a checkpoint's best copy and optimizer state are named
 * after it by replacing its suffix. */
#include <string.h>

#include "core/path.h"
#include "dlab/error.h"
#include "test_util.h"

static void check(const char *path, const char *with, const char *want) {
  char buf[64];
  int rc = dlab_path_replace_suffix(path, ".safetensors", with, buf, sizeof buf);
  tap_ok(rc == 0 && strcmp(buf, want) == 0, "%s + %s -> %s (%s)", path, with, want, rc == 0 ? buf : dlab_error_message());
}

int main(void) {
  check("run.safetensors", ".best.safetensors", "run.best.safetensors");
  check("dir/ckpt.safetensors", ".optim.safetensors", "dir/ckpt.optim.safetensors");
  check("run", ".best.safetensors", "run.best.safetensors");
  check(".safetensors", ".best.safetensors", ".safetensors.best.safetensors");
  check("run.safetensors.bak", ".best.safetensors", "run.safetensors.bak.best.safetensors");

  char small[21]; /* "run.best.safetensors" is 20 characters */
  tap_ok(dlab_path_replace_suffix("run.safetensors", ".safetensors", ".best.safetensors", small, sizeof small) == 0 &&
             strcmp(small, "run.best.safetensors") == 0,
         "a name that just fits is written whole");
  tap_ok(dlab_path_replace_suffix("runs.safetensors", ".safetensors", ".best.safetensors", small, sizeof small) < 0 &&
             strstr(dlab_error_message(), "runs.safetensors: the name is too long"),
         "one byte more is refused: %s", dlab_error_message());
  return tap_done();
}
