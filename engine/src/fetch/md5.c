/* MD5 as RFC 1321 defines it: 64-byte blocks, four rounds of sixteen steps,
 * little-endian words. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dlab/error.h"
#include "fetch/md5.h"

#include "core/i18n.h"

/* Per-step left rotations, four per round. */
static const int shifts[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

/* floor(abs(sin(i + 1)) * 2^32), the RFC's table T. */
static const uint32_t sines[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

static uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void hash_block(uint32_t state[4], const uint8_t *p) {
  uint32_t w[16];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
           (uint32_t)p[4 * i + 3] << 24;
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  for (int i = 0; i < 64; i++) {
    int round = i / 16;
    uint32_t f;
    int g;
    switch (round) {
      case 0: f = (b & c) | (~b & d), g = i; break;
      case 1: f = (d & b) | (~d & c), g = (5 * i + 1) % 16; break;
      case 2: f = b ^ c ^ d, g = (3 * i + 5) % 16; break;
      default: f = c ^ (b | ~d), g = (7 * i) % 16; break;
    }
    uint32_t next = b + rotl(a + f + sines[i] + w[g], shifts[round][i % 4]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

void dlab_md5_init(DlabMd5 *m) {
  m->state[0] = 0x67452301;
  m->state[1] = 0xefcdab89;
  m->state[2] = 0x98badcfe;
  m->state[3] = 0x10325476;
  m->length = 0;
}

void dlab_md5_update(DlabMd5 *m, const void *data, size_t len) {
  const uint8_t *p = data;
  size_t have = (size_t)(m->length % 64);
  m->length += len;
  if (have) {
    size_t take = 64 - have < len ? 64 - have : len;
    memcpy(m->block + have, p, take);
    p += take;
    len -= take;
    if (have + take < 64) return;
    hash_block(m->state, m->block);
  }
  for (; len >= 64; p += 64, len -= 64) hash_block(m->state, p);
  memcpy(m->block, p, len);
}

void dlab_md5_hex(DlabMd5 *m, char hex[33]) {
  /* Padding: 0x80, zeros up to 56 mod 64, then the bit length (LE). */
  uint64_t bits = m->length * 8;
  uint8_t pad[72] = {0x80};
  size_t have = (size_t)(m->length % 64);
  size_t pad_len = have < 56 ? 56 - have : 120 - have;
  for (int i = 0; i < 8; i++) pad[pad_len + i] = (uint8_t)(bits >> (8 * i));
  dlab_md5_update(m, pad, pad_len + 8);
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 16; i++) {
    uint8_t byte = (uint8_t)(m->state[i / 4] >> (8 * (i % 4)));
    hex[2 * i] = digits[byte >> 4];
    hex[2 * i + 1] = digits[byte & 15];
  }
  hex[32] = '\0';
}

int dlab_md5_file(const char *path, char hex[33]) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return dlab_error(_("%s: cannot open: %s"), path, strerror(errno));
  DlabMd5 m;
  dlab_md5_init(&m);
  uint8_t buf[16384];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, fp)) > 0) dlab_md5_update(&m, buf, got);
  int failed = ferror(fp);
  fclose(fp);
  if (failed) return dlab_error(_("%s: read error"), path);
  dlab_md5_hex(&m, hex);
  return 0;
}
