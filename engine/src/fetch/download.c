/* One resumable, checksummed download with libcurl (fetch.h). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlab/error.h"
#include "dlab/fetch.h"
#include "fetch/md5.h"

#include "core/i18n.h"

#define DEFAULT_RETRIES 3
#define DEFAULT_CONNECT_TIMEOUT 30L
/* A transfer slower than 1 byte/s for this long is treated as cut off. */
#define STALL_SECONDS 60L
/* Only these, for the URL given and for every redirect. */
#define ALLOWED_PROTOCOLS "http,https"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_setup(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
  const DlabDownload *d;
  FILE *fp;
  uint64_t offset; /* bytes already in the .part when this attempt began */
  uint64_t received; /* bytes written by this attempt */
  CURL *curl;
  int checked_status;
  int restarted;   /* the server ignored the range: started again from 0 */
  int write_failed;
  uint64_t max_size; /* the most the whole file may be */
  int too_big;       /* the server sent more than that: stopped */
} Transfer;

static uint64_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The first data of an attempt that asked for a range: a plain 200 means
 * the whole file is coming, so what the .part holds is dropped. */
static void check_status(Transfer *t) {
  t->checked_status = 1;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  if (t->offset > 0 && code == 200) {
    if (ftruncate(fileno(t->fp), 0) == 0) rewind(t->fp);
    t->offset = 0;
    t->received = 0;
    t->restarted = 1;
  }
}

static size_t on_data(char *data, size_t size, size_t n, void *user) {
  Transfer *t = user;
  if (!t->checked_status) check_status(t);
  size_t bytes = size * n;
  /* An endless (or too long) body is stopped before the .part outgrows the
   * file it should become. */
  if (t->offset + t->received + bytes > t->max_size) {
    t->too_big = 1;
    return 0;
  }
  t->received += bytes;
  if (fwrite(data, 1, bytes, t->fp) != bytes) {
    t->write_failed = errno ? errno : EIO;
    return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
  }
  return bytes;
}

static int on_progress(void *user, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un) {
  (void)ut;
  (void)un;
  Transfer *t = user;
  if (t->d->progress)
    t->d->progress(t->d->path, t->offset + (uint64_t)now, total > 0 ? t->offset + (uint64_t)total : 0,
                   t->d->user);
  return 0;
}

/* Transfer problems worth another attempt from where it stopped. */
static int is_cut_off(CURLcode rc) {
  return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
         rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING;
}

static const char *reason(long code) {
  switch (code) {
    case 401: case 403: return _(" (forbidden)");
    case 404: case 410: return _(" (not found: check the URL or --mirror)");
    case 416: return _(" (range not satisfiable)");
    default: return code >= 500 ? _(" (server error; try again later or another --mirror)") : "";
  }
}

typedef enum { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED } AttemptResult;

static uint64_t max_size(const DlabDownload *d) {
  return d->max_size ? d->max_size : DLAB_DOWNLOAD_DEFAULT_MAX;
}

int dlab_url_check(const char *url) {
  if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0) return 0;
  return dlab_error(_("%s: only http:// and https:// URLs are downloaded"), url);
}

static void limit_protocols(CURL *c) {
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, ALLOWED_PROTOCOLS);
#else
  curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

/* A redirect to another scheme (file://, ftp://...) is refused by libcurl;
 * the message names where it led. */
static void refused_redirect(const DlabDownload *d, CURL *c) {
  char *to = NULL;
  /* libcurl moves to the Location it refuses (or leaves it as the redirect
   * it did not follow). */
  curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &to);
  if (!to || strcmp(to, d->url) == 0) curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &to);
  dlab_error(_("%s: redirected to %s, which is not an http:// or https:// URL; refused"), d->url,
             to ? to : _("a URL of another scheme"));
}

static void too_big(const DlabDownload *d, const char *part) {
  remove(part);
  dlab_error(_("%s: the server sends more than %llu bytes, %s; stopped, and the download removed"),
             d->url, (unsigned long long)max_size(d),
             d->max_size ? _("the most this file may have") : _("the most a file of unknown size may have"));
}

/* err must hold CURL_ERROR_SIZE bytes (libcurl's own message). */
static AttemptResult attempt(const DlabDownload *d, const char *part, char *err) {
  Transfer t = {.d = d, .offset = file_size(part), .max_size = max_size(d)};
  t.fp = fopen(part, "ab");
  if (!t.fp) {
    dlab_error(_("%s: cannot create: %s"), part, strerror(errno));
    return ATTEMPT_FAILED;
  }
  t.curl = curl_easy_init();
  if (!t.curl) {
    fclose(t.fp);
    dlab_error(_("%s: cannot start libcurl"), d->url);
    return ATTEMPT_FAILED;
  }
  CURL *c = t.curl;
  err[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, d->url);
  limit_protocols(c);
  /* libcurl refuses a Content-Length above this before any byte comes;
   * on_data stops a body that goes on past it. */
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t.max_size);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "dlab (Digit Lab)");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, d->connect_timeout > 0 ? d->connect_timeout : DEFAULT_CONNECT_TIMEOUT);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (t.offset > 0) curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)t.offset);
  CURLcode rc = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_UNSUPPORTED_PROTOCOL) refused_redirect(d, c);
  curl_easy_cleanup(c);
  int close_failed = fclose(t.fp) != 0;
  if (rc == CURLE_UNSUPPORTED_PROTOCOL) return ATTEMPT_FAILED;
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    too_big(d, part);
    return ATTEMPT_FAILED;
  }
  if (rc == CURLE_OK && !close_failed) return ATTEMPT_DONE;
  if (rc == CURLE_WRITE_ERROR || close_failed) {
    dlab_error(_("%s: cannot write: %s"), part, strerror(t.write_failed ? t.write_failed : errno));
    return ATTEMPT_FAILED;
  }
  if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && t.offset > 0)
    return ATTEMPT_DONE; /* the .part already holds everything: the checksum decides */
  if (rc == CURLE_RANGE_ERROR) {
    remove(part); /* no ranges from this server: start over */
    return ATTEMPT_RETRY;
  }
  if (rc == CURLE_HTTP_RETURNED_ERROR)
    dlab_error(_("%s: HTTP %ld%s"), d->url, code, reason(code));
  else
    dlab_error("%s: %s", d->url, err[0] ? err : curl_easy_strerror(rc));
  return is_cut_off(rc) ? ATTEMPT_RETRY : ATTEMPT_FAILED;
}

static int verify(const DlabDownload *d, const char *part) {
  if (!d->md5) return 0;
  char got[33];
  if (dlab_md5_file(part, got) < 0) return -1;
  if (strcasecmp(got, d->md5) == 0) return 0;
  remove(part);
  dlab_error(_("%s: checksum mismatch: MD5 %s, expected %s (the download from %s was "
               "removed; try again, or another --mirror)"),
             d->path, got, d->md5, d->url);
  return DLAB_DOWNLOAD_MISMATCH;
}

static void say(const DlabDownload *d, const char *fmt, const char *a) {
  if (!d->status) return;
  char line[4200];
  snprintf(line, sizeof line, fmt, a);
  d->status(line, d->user);
}

int dlab_download(const DlabDownload *d) {
  pthread_once(&curl_once, curl_setup);
  if (dlab_url_check(d->url) < 0) return -1;
  char part[4200];
  if ((size_t)snprintf(part, sizeof part, "%s.part", d->path) >= sizeof part)
    return dlab_error(_("%s: path too long"), d->path);
  /* A .part larger than the file it should become is not worth resuming. */
  if (file_size(part) > max_size(d)) remove(part);
  /* 0 means the default; a negative count means no retry at all. */
  int retries = d->retries > 0 ? d->retries : d->retries < 0 ? 0 : DEFAULT_RETRIES;
  char err[CURL_ERROR_SIZE];
  say(d, file_size(part) > 0 ? _("resuming %s") : _("downloading %s"), d->url);
  for (int i = 0;; i++) {
    AttemptResult r = attempt(d, part, err);
    if (r == ATTEMPT_DONE) break;
    if (r == ATTEMPT_FAILED || i >= retries) {
      /* A part worth resuming stays; an empty one is nothing to keep. */
      uint64_t kept = file_size(part);
      if (kept == 0 || kept > max_size(d)) {
        remove(part);
        return -1;
      }
      char first[2048];
      snprintf(first, sizeof first, "%s", dlab_error_message());
      return dlab_error(_("%s; the %llu bytes received stay in %s: run the same command again to "
                          "resume"), first, (unsigned long long)kept, part);
    }
    say(d, _("connection lost, resuming %s"), d->url);
    sleep(i == 0 ? 0 : 1);
  }
  int verified = verify(d, part);
  if (verified < 0) return verified;
  if (rename(part, d->path) != 0) {
    int e = errno;
    remove(part);
    return dlab_error(_("%s: cannot rename into place: %s"), d->path, strerror(e));
  }
  return 0;
}
