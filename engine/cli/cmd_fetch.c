/* dlab fetch: download datasets (or one file) with resuming, checksums and
 * a progress bar on the terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/clock.h"
#include "dlab/error.h"
#include "dlab/fetch.h"
#include "options.h"

#define BAR_WIDTH 30
#define MAX_NAMES 8

typedef struct {
  int tty, quiet;
  double last_draw, started;
  const char *file;
  uint64_t last_done;
} FetchProgress;

static void clear_line(FetchProgress *p) {
  if (p->tty && p->file) fprintf(stderr, "\r\033[K");
  p->file = NULL;
}

static void on_status(const char *message, void *user) {
  FetchProgress *p = user;
  if (p->quiet) return;
  clear_line(p);
  fprintf(stderr, "%s\n", message);
}

static void on_progress(const char *file, uint64_t done, uint64_t total, void *user) {
  FetchProgress *p = user;
  if (p->quiet || !p->tty) return;
  double t = dlab_now_seconds();
  if (p->file != file) p->started = t, p->file = file;
  if (t - p->last_draw < 0.1 && done != total) return;
  p->last_draw = t;
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  double mb = done / 1e6, rate = mb / (t - p->started > 1e-3 ? t - p->started : 1e-3);
  if (total > 0) {
    char bar[BAR_WIDTH + 1];
    int filled = (int)(BAR_WIDTH * (double)done / (double)total);
    for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < filled ? '=' : ' ';
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r\033[K%-28.28s [%s] %5.1f%% %7.1f/%.1f MB %6.2f MB/s", base, bar,
            100.0 * (double)done / (double)total, mb, total / 1e6, rate);
  } else {
    fprintf(stderr, "\r\033[K%-28.28s %7.1f MB %6.2f MB/s", base, mb, rate);
  }
}

/* --data, $DLAB_DATA, or the per-user folder the engine searches. */
static const char *default_root(char *buf, size_t n) {
  const char *env = getenv("DLAB_DATA");
  if (env && *env) return env;
  const char *home = getenv("HOME");
  if (!home || !*home) return "./data";
  snprintf(buf, n, "%s/.local/share/digit-lab/datasets", home);
  return buf;
}

static void print_help(const CliOption *opts, int n) {
  fputs(_("usage: dlab fetch mnist|fashion-mnist|emnist|cifar10... [--data DIR] [--mirror URL]\n"
          "       dlab fetch --url URL --out FILE [--md5 HEX]\n\n"
          "Downloads datasets from their official mirrors into DIR in torchvision's layout\n"
          "(DIR/MNIST/raw, DIR/FashionMNIST/raw, DIR/EMNIST/raw, DIR/cifar-10-batches-bin),\n"
          "checks the published MD5 sums and unpacks them. DIR defaults to $DLAB_DATA, else\n"
          "~/.local/share/digit-lab/datasets. A download is written to FILE.part and renamed\n"
          "only once its checksum matches; a transfer cut off is resumed, also by the next\n"
          "run. With --url, fetches a single file the same way.\n\n"),
        stdout);
  cli_print_options(opts, n);
}

int cmd_fetch(int argc, char **argv) {
  const char *data = NULL, *mirror = NULL, *checksums = NULL, *url = NULL, *out = NULL, *md5 = NULL;
  int retries = 3, quiet = 0, keep = 0, help = 0, max_mb = 0;
  CliOption opts[] = {
      {"data", OPT_STRING, &data, N_("data root to fill (default $DLAB_DATA or ~/.local/share/digit-lab/datasets)"), 0},
      {"mirror", OPT_STRING, &mirror, N_("base URL to download from instead of the official mirrors"), 0},
      {"checksums", OPT_STRING, &checksums, N_("`MD5  NAME` lines replacing the published checksums"), 0},
      {"retries", OPT_INT, &retries, N_("attempts to resume a transfer cut off (default 3)"), 0},
      {"keep-archives", OPT_FLAG, &keep, N_("keep the .zip / .tar.gz after unpacking"), 0},
      {"url", OPT_STRING, &url, N_("download this one URL (with --out)"), 0},
      {"out", OPT_STRING, &out, N_("file to write with --url"), 0},
      {"md5", OPT_STRING, &md5, N_("expected MD5 of the --url download"), 0},
      {"max-mb", OPT_INT, &max_mb, N_("stop a --url download larger than this many MB (default 4096)"), 0},
      {"quiet", OPT_FLAG, &quiet, N_("print nothing but errors"), 0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *names[MAX_NAMES];
  int n_names;
  if (cli_parse("fetch", argc, argv, 2, opts, n_opts, names, MAX_NAMES, &n_names) < 0) return 2;
  if (help) {
    print_help(opts, n_opts);
    return 0;
  }
  /* Only http and https: said now, before anything is created. */
  if (url && dlab_url_check(url) < 0) {
    fprintf(stderr, "dlab fetch: --url %s\n", dlab_error_message());
    return 2;
  }
  if (mirror && dlab_url_check(mirror) < 0) {
    fprintf(stderr, "dlab fetch: --mirror %s\n", dlab_error_message());
    return 2;
  }
  FetchProgress progress = {.tty = isatty(2), .quiet = quiet};
  if (retries == 0) retries = -1; /* the library's 0 means its default */
  if (url) {
    if (!out || n_names) {
      fputs(_("dlab fetch: --url needs --out FILE, and no dataset names\n"), stderr);
      return 2;
    }
    if (md5 && strlen(md5) != 32) {
      fprintf(stderr, _("dlab fetch: --md5 %s: expected 32 hex digits\n"), md5);
      return 2;
    }
    DlabDownload d = {.url = url, .path = out, .md5 = md5, .retries = retries,
                      .max_size = (uint64_t)max_mb * 1000000, .progress = on_progress,
                      .status = on_status, .user = &progress};
    int rc = dlab_download(&d);
    clear_line(&progress);
    if (rc < 0) return cli_fail("fetch");
    if (!quiet) printf(_("saved %s\n"), out);
    return 0;
  }
  if (n_names == 0) {
    fputs(_("dlab fetch: name a dataset: mnist, fashion-mnist, emnist or cifar10\n"), stderr);
    return 2;
  }
  char root_buf[4096];
  DlabFetchOptions o = {.root = data ? data : default_root(root_buf, sizeof root_buf),
                        .mirror = mirror, .checksums = checksums, .retries = retries,
                        .keep_archives = keep, .progress = on_progress, .status = on_status,
                        .user = &progress};
  for (int i = 0; i < n_names; i++) {
    int rc = dlab_fetch_dataset(names[i], &o);
    clear_line(&progress);
    if (rc < 0) return cli_fail("fetch");
  }
  return 0;
}
