/* The engine's messages (dlab_error, dlab_error_prefix) are one line of
 * valid UTF-8 (issue 14): a translated message or a file name of several
 * bytes per character, cut at the end of the message buffer, loses the
 * cut character instead of ending in half of it, which the application
 * could not show. Messages that fit are kept byte for byte. */
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "test_util.h"

#define LONG 3000

/* 1 when s is valid UTF-8 (no cut or stray continuation byte). */
static int valid_utf8(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (extra < 0) return 0;
    p++;
    for (int i = 0; i < extra; i++, p++)
      if ((*p & 0xC0) != 0x80) return 0;
  }
  return 1;
}

/* "x" then Chinese characters (3 bytes each): a cut at 1023 bytes falls
 * inside one. */
static void chinese_text(char *out, size_t n) {
  size_t used = 0;
  out[used++] = 'x';
  while (used + 3 < n) {
    memcpy(out + used, "训", 3);
    used += 3;
  }
  out[used] = '\0';
}

int main(void) {
  static char text[LONG];
  chinese_text(text, sizeof text);

  dlab_error("%s", text);
  size_t len = strlen(dlab_error_message());
  tap_ok(len > 1000 && len < 1024 && valid_utf8(dlab_error_message()),
         "a long Chinese message is cut to %zu bytes of valid UTF-8", len);
  tap_ok(strncmp(dlab_error_message(), text, len) == 0, "...and is the start of the message");

  dlab_error("%s", "短消息");
  dlab_error_prefix("%s", text);
  len = strlen(dlab_error_message());
  tap_ok(len > 1000 && len < 1024 && valid_utf8(dlab_error_message()),
         "a long Chinese prefix is cut to %zu bytes of valid UTF-8", len);

  dlab_error("%s", text + 1);
  dlab_error_prefix("%s", "data/训练.png");
  len = strlen(dlab_error_message());
  tap_ok(len < 1024 && valid_utf8(dlab_error_message()) &&
             strncmp(dlab_error_message(), "data/训练.png: 训训", strlen("data/训练.png: 训训")) == 0,
         "a prefix before a long message: %zu bytes of valid UTF-8", len);

  dlab_error("%s: 文件被截断：应有 %d 字节", "a.idx", 78400);
  tap_ok(strcmp(dlab_error_message(), "a.idx: 文件被截断：应有 78400 字节") == 0, "a message that fits is kept: %s",
         dlab_error_message());
  return tap_done();
}
