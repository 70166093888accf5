/* The datasets `dlab fetch` knows: where each comes from, its published
 * checksums, and how it is unpacked into torchvision's layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "datasets/data_internal.h"
#include "dlab/error.h"
#include "dlab/fetch.h"
#include "fetch/archive.h"
#include "fetch/md5.h"

#include "core/i18n.h"

#define MAX_FILES 4
#define MAX_MIRRORS 2
#define MAX_OUTPUTS 24

typedef enum { UNPACK_GUNZIP, UNPACK_TAR_GZ, UNPACK_ZIP_OF_GZ } Unpack;

typedef struct {
  const char *name, *md5;
  uint64_t size; /* bytes, as published with the MD5 */
} Source;

/* An unpacked file and its size: no member may unpack to more. */
typedef struct {
  const char *name;
  uint64_t size;
} Output;

typedef struct {
  const char *name;
  const char *subdir;                 /* under the root */
  const char *mirrors[MAX_MIRRORS];   /* base URLs, tried in order */
  Source files[MAX_FILES];
  Unpack unpack;
  Output outputs[MAX_OUTPUTS];        /* the unpacked files, all present = done */
} Known;

/* IDX sizes: a 16-byte header and 28x28 bytes per image; 8 and 1 per label. */
#define IDX_IMAGES(n) (16 + (uint64_t)(n) * 784)
#define IDX_LABELS(n) (8 + (uint64_t)(n))
#define IDX_OUTPUTS                                                                        \
  {{"train-images-idx3-ubyte", IDX_IMAGES(60000)}, {"train-labels-idx1-ubyte", IDX_LABELS(60000)}, \
   {"t10k-images-idx3-ubyte", IDX_IMAGES(10000)}, {"t10k-labels-idx1-ubyte", IDX_LABELS(10000)}}
#define EMNIST_SPLIT(s, train, test)                                                    \
  {"emnist-" s "-train-images-idx3-ubyte", IDX_IMAGES(train)},                          \
      {"emnist-" s "-train-labels-idx1-ubyte", IDX_LABELS(train)},                      \
      {"emnist-" s "-test-images-idx3-ubyte", IDX_IMAGES(test)},                        \
      {"emnist-" s "-test-labels-idx1-ubyte", IDX_LABELS(test)}
#define CIFAR_BATCH 30730000 /* 10,000 records of 3073 bytes */

/* The checksums and sizes torchvision and the datasets' pages publish (of
 * the downloaded, compressed files), and the sizes of what they unpack to. */
static const Known known[] = {
    {"mnist",
     "MNIST/raw",
     {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"},
     {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422},
      {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", 28881},
      {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", 1648877},
      {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", 4542}},
     UNPACK_GUNZIP,
     IDX_OUTPUTS},
    {"fashion-mnist",
     "FashionMNIST/raw",
     {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", NULL},
     {{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", 26421880},
      {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", 29515},
      {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", 4422102},
      {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", 5148}},
     UNPACK_GUNZIP,
     IDX_OUTPUTS},
    {"emnist",
     "EMNIST/raw",
     {"https://biometrics.nist.gov/cs_links/EMNIST/", NULL},
     {{"gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e", 561753746}},
     UNPACK_ZIP_OF_GZ,
     {EMNIST_SPLIT("byclass", 697932, 116323), EMNIST_SPLIT("bymerge", 697932, 116323),
      EMNIST_SPLIT("balanced", 112800, 18800), EMNIST_SPLIT("letters", 124800, 20800),
      EMNIST_SPLIT("digits", 240000, 40000), EMNIST_SPLIT("mnist", 60000, 10000)}},
    {"cifar10",
     "cifar-10-batches-bin",
     {"https://www.cs.toronto.edu/~kriz/", NULL},
     {{"cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", 170052171}},
     UNPACK_TAR_GZ,
     {{"data_batch_1.bin", CIFAR_BATCH}, {"data_batch_2.bin", CIFAR_BATCH}, {"data_batch_3.bin", CIFAR_BATCH},
      {"data_batch_4.bin", CIFAR_BATCH}, {"data_batch_5.bin", CIFAR_BATCH}, {"test_batch.bin", CIFAR_BATCH},
      {"batches.meta.txt", 61}}},
};
#define N_KNOWN (int)(sizeof known / sizeof known[0])

static const char *const names[] = {"mnist", "fashion-mnist", "emnist", "cifar10", NULL};

const char *const *dlab_fetch_names(void) { return names; }

static const Known *find(const char *name) {
  if (strcmp(name, "cifar-10") == 0) name = "cifar10";
  for (int i = 0; i < N_KNOWN; i++)
    if (strcmp(known[i].name, name) == 0) return &known[i];
  return NULL;
}

/* A status line: fmt (translated) uses a, and b when it has a second %s. */
static void say(const DlabFetchOptions *o, const char *fmt, const char *a, const char *b) {
  if (!o->status) return;
  char line[8400];
  snprintf(line, sizeof line, fmt, a, b);
  o->status(line, o->user);
}

/* mkdir -p */
static int make_dirs(const char *path) {
  char buf[DLAB_PATH_LEN];
  if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return dlab_error(_("%s: path too long"), path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p) continue;
    char c = *p;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return dlab_error(_("%s: cannot create the folder: %s"), buf, strerror(errno));
    if (!c) return 0;
    *p = c;
  }
}

/* ---- checksums from a file (md5sum's format: `HEX  NAME`) ---- */

static int checksum_from_file(const char *path, const char *file, char md5[33]) {
  FILE *fp = fopen(path, "r");
  if (!fp) return dlab_error(_("--checksums %s: cannot open: %s"), path, strerror(errno));
  char line[1024];
  int found = 0, lineno = 0;
  while (!found && fgets(line, sizeof line, fp)) {
    lineno++;
    char hex[64], name[512];
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%63s %511s", hex, name) != 2 || strlen(hex) != 32) {
      fclose(fp);
      return dlab_error(_("--checksums %s:%d: expected `MD5  NAME`"), path, lineno);
    }
    const char *base = name[0] == '*' ? name + 1 : name; /* md5sum's binary mark */
    if (strcmp(base, file) == 0) {
      snprintf(md5, 33, "%s", hex);
      found = 1;
    }
  }
  fclose(fp);
  if (!found) return dlab_error(_("--checksums %s: no line for %s"), path, file);
  return 0;
}

/* ---- sizes ---- */

static const Output *find_output(const Known *k, const char *name) {
  for (int i = 0; i < MAX_OUTPUTS && k->outputs[i].name; i++)
    if (strcmp(k->outputs[i].name, name) == 0) return &k->outputs[i];
  return NULL;
}

/* What a downloaded .gz unpacks to: its name without ".gz". */
static const Output *gunzip_output(const Known *k, const char *gz_name) {
  char name[256];
  snprintf(name, sizeof name, "%.*s", (int)strlen(gz_name) - 3, gz_name);
  return find_output(k, name);
}

/* The most the download of `s` may be: its published size; with
 * --checksums (a mirror that repackages the files) the size of what it
 * unpacks to, stored uncompressed, plus room for headers. */
static uint64_t download_cap(const Known *k, const Source *s, const DlabFetchOptions *o) {
  if (!o->checksums) return s->size;
  uint64_t raw = 0;
  if (k->unpack == UNPACK_GUNZIP) {
    const Output *out = gunzip_output(k, s->name);
    raw = out ? out->size : 0;
  } else {
    for (int i = 0; i < MAX_OUTPUTS && k->outputs[i].name; i++) raw += k->outputs[i].size;
  }
  return raw + raw / 64 + ((uint64_t)1 << 20);
}

/* ---- unpacking ---- */

typedef struct {
  const Known *k;
} Wanted;

/* Archive members: their base name must be one of the dataset's outputs
 * (for EMNIST, an output + ".gz"), and they unpack to its size at most. */
static int member_filter(const char *member, char *out, size_t n, uint64_t *max_size, void *user) {
  const Wanted *w = user;
  const char *base = strrchr(member, '/');
  base = base ? base + 1 : member;
  char name[256];
  snprintf(name, sizeof name, "%s", base);
  size_t len = strlen(name);
  if (w->k->unpack == UNPACK_ZIP_OF_GZ) {
    if (len < 4 || strcmp(name + len - 3, ".gz") != 0) return 0;
    name[len - 3] = '\0';
  }
  const Output *o = find_output(w->k, name);
  if (!o) return 0;
  snprintf(out, n, "%s", name);
  *max_size = o->size;
  return 1;
}

static int all_outputs_present(const Known *k, const char *dir) {
  char path[DLAB_PATH_LEN];
  for (int i = 0; i < MAX_OUTPUTS && k->outputs[i].name; i++)
    if (dlab_join_path(path, sizeof path, dir, k->outputs[i].name) < 0 || !dlab_is_regular_file(path))
      return 0;
  return 1;
}

static int list_missing(const Known *k, const char *dir, const char *archive) {
  char path[DLAB_PATH_LEN];
  for (int i = 0; i < MAX_OUTPUTS && k->outputs[i].name; i++)
    if (dlab_join_path(path, sizeof path, dir, k->outputs[i].name) == 0 && !dlab_is_regular_file(path))
      return dlab_error(_("%s: %s is not in the archive"), archive, k->outputs[i].name);
  return 0;
}

static int unpack(const Known *k, const Source *s, const char *dir, const char *download,
                  const DlabFetchOptions *o) {
  say(o, _("unpacking %s"), download, NULL);
  if (k->unpack == UNPACK_GUNZIP) {
    char out[DLAB_PATH_LEN];
    snprintf(out, sizeof out, "%.*s", (int)(strlen(download) - 3), download);
    const Output *want = gunzip_output(k, s->name);
    return dlab_gunzip_file(download, out, want ? want->size : 0);
  }
  Wanted w = {k};
  int n = k->unpack == UNPACK_TAR_GZ ? dlab_tar_gz_extract(download, dir, member_filter, &w)
                                     : dlab_zip_extract(download, dir, member_filter, &w, 1);
  if (n < 0 || list_missing(k, dir, download) < 0) return -1;
  if (!o->keep_archives) remove(download);
  return 0;
}

/* ---- downloading ---- */

static int download_from(const char *base, const Source *s, const char *path, const char *md5,
                         uint64_t max_size, const DlabFetchOptions *o) {
  char url[4200];
  size_t len = strlen(base);
  snprintf(url, sizeof url, "%s%s%s", base, len && base[len - 1] == '/' ? "" : "/", s->name);
  DlabDownload d = {.url = url, .path = path, .md5 = md5, .retries = o->retries, .max_size = max_size,
                    .progress = o->progress, .status = o->status, .user = o->user};
  return dlab_download(&d);
}

/* A file already there (from an earlier run, or put there by someone
 * else) is used only when its MD5 matches; a wrong one is removed, to be
 * downloaded again. Returns 1 when it is good, 0 when it was removed. */
static int existing_is_good(const char *path, const char *md5, const DlabFetchOptions *o) {
  char got[33], line[200];
  if (dlab_md5_file(path, got) < 0) return -1;
  if (strcasecmp(got, md5) == 0) {
    say(o, _("%s: already downloaded, checksum verified"), path, NULL);
    return 1;
  }
  if (remove(path) != 0)
    return dlab_error(_("%s: checksum mismatch: MD5 %s, expected %s, and it cannot be removed: %s"), path,
                      got, md5, strerror(errno));
  snprintf(line, sizeof line, "MD5 %s, expected %s", got, md5);
  say(o, _("%s: checksum mismatch (%s): removed, downloading it again"), path, line);
  return 0;
}

/* One file: already good, or downloaded from the first mirror that works. */
static int fetch_file(const Known *k, const Source *s, const char *dir, const DlabFetchOptions *o,
                      char *path, size_t n) {
  if (dlab_join_path(path, n, dir, s->name) < 0) return -1;
  char md5[33];
  snprintf(md5, sizeof md5, "%s", s->md5);
  if (o->checksums && checksum_from_file(o->checksums, s->name, md5) < 0) return -1;
  if (dlab_is_regular_file(path)) {
    int good = existing_is_good(path, md5, o);
    if (good != 0) return good < 0 ? -1 : 0;
  }
  uint64_t cap = download_cap(k, s, o);
  if (o->mirror) return download_from(o->mirror, s, path, md5, cap, o);
  int rc = -1;
  for (int m = 0; m < MAX_MIRRORS && k->mirrors[m] && rc < 0; m++) {
    if (m > 0) say(o, _("%s; trying %s"), dlab_error_message(), k->mirrors[m]);
    rc = download_from(k->mirrors[m], s, path, md5, cap, o);
    /* A wrong file from one mirror is the same wrong file from the next. */
    if (rc == DLAB_DOWNLOAD_MISMATCH) break;
  }
  return rc;
}

int dlab_fetch_dataset(const char *name, const DlabFetchOptions *o) {
  const Known *k = find(name);
  if (!k) return dlab_error(_("%s: unknown dataset (dlab fetch knows mnist, fashion-mnist, emnist, cifar10)"), name);
  if (!o->root || !*o->root) return dlab_error(_("%s: no data root given"), name);
  if (o->mirror && dlab_url_check(o->mirror) < 0) return dlab_error_prefix("--mirror");
  char dir[DLAB_PATH_LEN];
  if (dlab_join_path(dir, sizeof dir, o->root, k->subdir) < 0 || make_dirs(dir) < 0) return -1;
  if (all_outputs_present(k, dir)) {
    say(o, _("%s: already in %s"), k->name, dir);
    return 0;
  }
  /* Archives go beside the unpacked folder, as torchvision puts them. */
  const char *download_dir = k->unpack == UNPACK_TAR_GZ ? o->root : dir;
  for (int i = 0; i < MAX_FILES && k->files[i].name; i++) {
    char path[DLAB_PATH_LEN];
    if (fetch_file(k, &k->files[i], download_dir, o, path, sizeof path) < 0) return -1;
    if (unpack(k, &k->files[i], dir, path, o) < 0) return -1;
  }
  say(o, _("%s: ready in %s"), k->name, dir);
  return 0;
}
