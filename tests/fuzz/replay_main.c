/* For compilers without libFuzzer (gcc): runs a fuzz target once on each
 * file named on the command line, so the targets build and their seed
 * corpus runs in every build. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"

int main(int argc, char **argv) {
  int ran = 0;
  for (int i = 1; i < argc; i++) {
    FILE *fp = fopen(argv[i], "rb");
    if (!fp) {
      perror(argv[i]);
      return 1;
    }
    static uint8_t buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, n);
    ran++;
  }
  printf("replayed %d inputs\n", ran);
  return 0;
}
