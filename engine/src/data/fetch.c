/* The datasets `dlab fetch` knows: where each comes from, its published
 * checksums, and how it is unpacked into torchvision's layout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_internal.h"
#include "dlab/archive.h"
#include "dlab/error.h"
#include "dlab/fetch.h"

#define MAX_FILES 4
#define MAX_MIRRORS 2
#define MAX_OUTPUTS 24

typedef enum { UNPACK_GUNZIP, UNPACK_TAR_GZ, UNPACK_ZIP_OF_GZ } Unpack;

typedef struct {
  const char *name, *md5;
} Source;

typedef struct {
  const char *name;
  const char *subdir;                 /* under the root */
  const char *mirrors[MAX_MIRRORS];   /* base URLs, tried in order */
  Source files[MAX_FILES];
  Unpack unpack;
  const char *outputs[MAX_OUTPUTS];   /* the unpacked files, all present = done */
} Known;

#define IDX_OUTPUTS                                                                 \
  {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", \
   "t10k-labels-idx1-ubyte"}
#define EMNIST_SPLIT(s)                                                            \
  "emnist-" s "-train-images-idx3-ubyte", "emnist-" s "-train-labels-idx1-ubyte", \
      "emnist-" s "-test-images-idx3-ubyte", "emnist-" s "-test-labels-idx1-ubyte"

/* The checksums torchvision and the datasets' pages publish (MD5 of the
 * downloaded, compressed files). */
static const Known known[] = {
    {"mnist",
     "MNIST/raw",
     {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"},
     {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
      {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
      {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
      {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}},
     UNPACK_GUNZIP,
     IDX_OUTPUTS},
    {"fashion-mnist",
     "FashionMNIST/raw",
     {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", NULL},
     {{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
      {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
      {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
      {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"}},
     UNPACK_GUNZIP,
     IDX_OUTPUTS},
    {"emnist",
     "EMNIST/raw",
     {"https://biometrics.nist.gov/cs_links/EMNIST/", NULL},
     {{"gzip.zip", "58c8d27c78d21e728a6bc7b3cc06412e"}},
     UNPACK_ZIP_OF_GZ,
     {EMNIST_SPLIT("byclass"), EMNIST_SPLIT("bymerge"), EMNIST_SPLIT("balanced"),
      EMNIST_SPLIT("letters"), EMNIST_SPLIT("digits"), EMNIST_SPLIT("mnist")}},
    {"cifar10",
     "cifar-10-batches-bin",
     {"https://www.cs.toronto.edu/~kriz/", NULL},
     {{"cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"}},
     UNPACK_TAR_GZ,
     {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
      "data_batch_5.bin", "test_batch.bin", "batches.meta.txt"}},
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

static void say(const DlabFetchOptions *o, const char *fmt, const char *a, const char *b) {
  if (!o->status) return;
  char line[8400];
  snprintf(line, sizeof line, fmt, a, b);
  o->status(line, o->user);
}

/* mkdir -p */
static int make_dirs(const char *path) {
  char buf[DLAB_PATH_LEN];
  if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) return dlab_error("%s: path too long", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p) continue;
    char c = *p;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return dlab_error("%s: cannot create the folder: %s", buf, strerror(errno));
    if (!c) return 0;
    *p = c;
  }
}

/* ---- checksums from a file (md5sum's format: `HEX  NAME`) ---- */

static int checksum_from_file(const char *path, const char *file, char md5[33]) {
  FILE *fp = fopen(path, "r");
  if (!fp) return dlab_error("--checksums %s: cannot open: %s", path, strerror(errno));
  char line[1024];
  int found = 0, lineno = 0;
  while (!found && fgets(line, sizeof line, fp)) {
    lineno++;
    char hex[64], name[512];
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%63s %511s", hex, name) != 2 || strlen(hex) != 32) {
      fclose(fp);
      return dlab_error("--checksums %s:%d: expected `MD5  NAME`", path, lineno);
    }
    const char *base = name[0] == '*' ? name + 1 : name; /* md5sum's binary mark */
    if (strcmp(base, file) == 0) {
      snprintf(md5, 33, "%s", hex);
      found = 1;
    }
  }
  fclose(fp);
  if (!found) return dlab_error("--checksums %s: no line for %s", path, file);
  return 0;
}

/* ---- unpacking ---- */

typedef struct {
  const Known *k;
} Wanted;

/* Archive members: their base name must be one of the dataset's outputs
 * (for EMNIST, an output + ".gz"). */
static int member_filter(const char *member, char *out, size_t n, void *user) {
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
  for (int i = 0; i < MAX_OUTPUTS && w->k->outputs[i]; i++)
    if (strcmp(w->k->outputs[i], name) == 0) {
      snprintf(out, n, "%s", name);
      return 1;
    }
  return 0;
}

static int all_outputs_present(const Known *k, const char *dir) {
  char path[DLAB_PATH_LEN];
  for (int i = 0; i < MAX_OUTPUTS && k->outputs[i]; i++)
    if (dlab_join_path(path, sizeof path, dir, k->outputs[i]) < 0 || !dlab_is_regular_file(path)) return 0;
  return 1;
}

static int list_missing(const Known *k, const char *dir, const char *archive) {
  char path[DLAB_PATH_LEN];
  for (int i = 0; i < MAX_OUTPUTS && k->outputs[i]; i++)
    if (dlab_join_path(path, sizeof path, dir, k->outputs[i]) == 0 && !dlab_is_regular_file(path))
      return dlab_error("%s: %s is not in the archive", archive, k->outputs[i]);
  return 0;
}

static int unpack(const Known *k, const char *dir, const char *download, const DlabFetchOptions *o) {
  say(o, "unpacking %s%s", download, "");
  if (k->unpack == UNPACK_GUNZIP) {
    char out[DLAB_PATH_LEN];
    snprintf(out, sizeof out, "%.*s", (int)(strlen(download) - 3), download);
    return dlab_gunzip_file(download, out);
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
                         const DlabFetchOptions *o) {
  char url[4200];
  size_t len = strlen(base);
  snprintf(url, sizeof url, "%s%s%s", base, len && base[len - 1] == '/' ? "" : "/", s->name);
  DlabDownload d = {.url = url, .path = path, .md5 = md5, .retries = o->retries,
                    .progress = o->progress, .status = o->status, .user = o->user};
  return dlab_download(&d);
}

/* One file: already good, or downloaded from the first mirror that works. */
static int fetch_file(const Known *k, const Source *s, const char *dir, const DlabFetchOptions *o,
                      char *path, size_t n) {
  if (dlab_join_path(path, n, dir, s->name) < 0) return -1;
  char md5[33];
  snprintf(md5, sizeof md5, "%s", s->md5);
  if (o->checksums && checksum_from_file(o->checksums, s->name, md5) < 0) return -1;
  if (dlab_is_regular_file(path)) {
    say(o, "%s: already downloaded%s", path, "");
    return 0; /* it was renamed into place only after its checksum matched */
  }
  if (o->mirror) return download_from(o->mirror, s, path, md5, o);
  int rc = -1;
  for (int m = 0; m < MAX_MIRRORS && k->mirrors[m] && rc < 0; m++) {
    if (m > 0) say(o, "%s; trying %s", dlab_error_message(), k->mirrors[m]);
    rc = download_from(k->mirrors[m], s, path, md5, o);
    if (rc < 0 && strstr(dlab_error_message(), "checksum mismatch")) break;
  }
  return rc;
}

int dlab_fetch_dataset(const char *name, const DlabFetchOptions *o) {
  const Known *k = find(name);
  if (!k) return dlab_error("%s: unknown dataset (dlab fetch knows mnist, fashion-mnist, emnist, cifar10)", name);
  if (!o->root || !*o->root) return dlab_error("%s: no data root given", name);
  char dir[DLAB_PATH_LEN];
  if (dlab_join_path(dir, sizeof dir, o->root, k->subdir) < 0 || make_dirs(dir) < 0) return -1;
  if (all_outputs_present(k, dir)) {
    say(o, "%s: already in %s", k->name, dir);
    return 0;
  }
  /* Archives go beside the unpacked folder, as torchvision puts them. */
  const char *download_dir = k->unpack == UNPACK_TAR_GZ ? o->root : dir;
  for (int i = 0; i < MAX_FILES && k->files[i].name; i++) {
    char path[DLAB_PATH_LEN];
    if (fetch_file(k, &k->files[i], download_dir, o, path, sizeof path) < 0) return -1;
    if (unpack(k, dir, path, o) < 0) return -1;
  }
  say(o, "%s: ready in %s", k->name, dir);
  return 0;
}
