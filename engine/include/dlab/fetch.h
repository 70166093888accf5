/* Downloading datasets (`dlab fetch`): from the official mirrors with
 * libcurl, resuming partial downloads, checking the published MD5 sums, and
 * unpacking into torchvision's layout under a data root:
 *   mnist          <root>/MNIST/raw/          the four IDX .gz files, unpacked
 *   fashion-mnist  <root>/FashionMNIST/raw/   the same
 *   emnist         <root>/EMNIST/raw/         gzip.zip's emnist-*-ubyte files
 *   cifar10        <root>/cifar-10-batches-bin/  the binary batches
 * A download goes to FILE.part and becomes FILE only once its checksum
 * matches; a wrong checksum removes it. A transfer cut off is retried from
 * where it stopped (HTTP Range), and a .part left by an interrupted run is
 * resumed by the next one. */
#ifndef DLAB_FETCH_H
#define DLAB_FETCH_H

#include <stdint.h>

/* Progress of one file: bytes so far and in all (0 when unknown). */
typedef void (*DlabFetchProgress)(const char *file, uint64_t done, uint64_t total, void *user);
/* One line of news: "downloading URL", "unpacking FILE", "already there". */
typedef void (*DlabFetchStatus)(const char *message, void *user);

typedef struct {
  const char *url;
  const char *path;     /* the file to create */
  const char *md5;      /* 32 hex digits, or NULL not to check */
  int retries;          /* further attempts after a cut-off transfer; 0: 3,
                           negative: none */
  long connect_timeout; /* seconds (30) */
  uint64_t max_size;    /* the most the file may be (its size, when known):
                           a longer body is stopped and the .part removed;
                           0: DLAB_DOWNLOAD_DEFAULT_MAX */
  DlabFetchProgress progress;
  DlabFetchStatus status;
  void *user;
} DlabDownload;

/* The cap of a download whose size is not known: 4 GiB. */
#define DLAB_DOWNLOAD_DEFAULT_MAX ((uint64_t)4 << 30)

/* Downloads url to path (see above); only http:// and https:// URLs, for
 * redirects too. Errors name the URL or the file: the HTTP status ("HTTP
 * 404"), the network problem, a body longer than max_size, a redirect to
 * another scheme, or the checksum mismatch. Returns 0, or -1 with the
 * message, or DLAB_DOWNLOAD_MISMATCH when the whole file arrived but its MD5
 * is not md5's (another mirror would serve the same file). */
#define DLAB_DOWNLOAD_MISMATCH (-2)
int dlab_download(const DlabDownload *d);

/* 0 for an http:// or https:// URL; else -1 with a message naming it. */
int dlab_url_check(const char *url);

typedef struct {
  const char *root;      /* the data root (see above) */
  const char *mirror;    /* base URL used instead of the official mirrors */
  const char *checksums; /* a file of `MD5  NAME` lines (md5sum's format)
                            replacing the published sums, for a mirror that
                            repackages the files; NULL: the published ones */
  int retries;
  int keep_archives;     /* keep .zip / .tar.gz after unpacking */
  DlabFetchProgress progress;
  DlabFetchStatus status;
  void *user;
} DlabFetchOptions;

/* NULL-terminated: mnist, fashion-mnist, emnist, cifar10. */
const char *const *dlab_fetch_names(void);

/* Fetches dataset `name` into opt->root; a dataset already there (every
 * unpacked file present) is left alone. */
int dlab_fetch_dataset(const char *name, const DlabFetchOptions *opt);

#endif
