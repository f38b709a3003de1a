/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl glue (see http.h). Retried: connection failures and resets, timeouts, junk left on a kept-alive
 * connection, 5xx except 501, 429, S3's 400 RequestTimeout; an attempt that failed after the request may have reached the server marks the response
 * `ambiguous`, so callers can tell "our conditional PUT already landed" from "someone else's object" (S3 has no
 * idempotency keys). */
#include "io/http.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io/s3_xml.h"
#include "util/clock.h"
#include "util/str.h"

#define POOL_MAX 32
#define ERR_BODY_MAX (64u << 10)

struct qb_http {
  qb_http_opts o;
  CURLSH *share;
  pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
  pthread_mutex_t pool_mu;
  CURL *idle[POOL_MAX];
  int n_idle;
};

/* libcurl is loaded on the first qb_http_new (dlopen), not linked: with the two dozen libraries it pulls in
 * (TLS, HTTP/2, SSH, Kerberos, LDAP, IDN...) it cost every process start ~6 ms of CPU, ~270 page faults and
 * ~10 M instructions of relocations (docs/BENCHMARKS.md, "Session 19: iosys"), and most qberg processes
 * never speak HTTP (a local ingest, every test). The calls below go through these pointers (the macros
 * replace curl.h's type-checking wrappers, which would call the linked symbols). */
static struct curl_lib {
  CURLcode (*global_init)(long flags);
  CURLSH *(*share_init)(void);
  CURLSHcode (*share_setopt)(CURLSH *share, CURLSHoption option, ...);
  CURLSHcode (*share_cleanup)(CURLSH *share);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL *curl);
  void (*easy_cleanup)(CURL *curl);
  void (*easy_reset)(CURL *curl);
  CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
  const char *(*easy_strerror)(CURLcode code);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
  void (*slist_free_all)(struct curl_slist *list);
} lib;

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_share_setopt
#define curl_global_init(...) lib.global_init(__VA_ARGS__)
#define curl_share_init(...) lib.share_init(__VA_ARGS__)
#define curl_share_setopt(...) lib.share_setopt(__VA_ARGS__)
#define curl_share_cleanup(...) lib.share_cleanup(__VA_ARGS__)
#define curl_easy_init(...) lib.easy_init(__VA_ARGS__)
#define curl_easy_setopt(...) lib.easy_setopt(__VA_ARGS__)
#define curl_easy_perform(...) lib.easy_perform(__VA_ARGS__)
#define curl_easy_cleanup(...) lib.easy_cleanup(__VA_ARGS__)
#define curl_easy_reset(...) lib.easy_reset(__VA_ARGS__)
#define curl_easy_getinfo(...) lib.easy_getinfo(__VA_ARGS__)
#define curl_easy_strerror(...) lib.easy_strerror(__VA_ARGS__)
#define curl_slist_append(...) lib.slist_append(__VA_ARGS__)
#define curl_slist_free_all(...) lib.slist_free_all(__VA_ARGS__)

/* QB_CURL_LIBRARY (tests: a missing file) overrides the soname; libcurl's ABI has been .so.4 since 2006. */
#define CURL_SONAME "libcurl.so.4"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;
static bool loaded;        /* every pointer of `lib` is set */
static char load_msg[256]; /* why not, when not */

static bool load_curl(void)
{
  const char *name = getenv("QB_CURL_LIBRARY");
  if (!name || !*name) name = CURL_SONAME;
  void *so = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!so) {
    const char *e = dlerror();
    snprintf(load_msg, sizeof load_msg, "%s", e ? e : name);
    return false;
  }
  static const struct {
    const char *sym;
    size_t off;
  } syms[] = {
#define SYM(field, name) {name, offsetof(struct curl_lib, field)}
      SYM(global_init, "curl_global_init"),   SYM(share_init, "curl_share_init"),
      SYM(share_setopt, "curl_share_setopt"), SYM(share_cleanup, "curl_share_cleanup"),
      SYM(easy_init, "curl_easy_init"),       SYM(easy_setopt, "curl_easy_setopt"),
      SYM(easy_perform, "curl_easy_perform"), SYM(easy_cleanup, "curl_easy_cleanup"),
      SYM(easy_reset, "curl_easy_reset"),     SYM(easy_getinfo, "curl_easy_getinfo"),
      SYM(easy_strerror, "curl_easy_strerror"), SYM(slist_append, "curl_slist_append"),
      SYM(slist_free_all, "curl_slist_free_all"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *f = dlsym(so, syms[i].sym);
    if (!f) {
      snprintf(load_msg, sizeof load_msg, "%s: no symbol %s", name, syms[i].sym);
      dlclose(so);
      memset(&lib, 0, sizeof lib);
      return false;
    }
    /* POSIX: a function's address from dlsym fits a function pointer; memcpy keeps ISO C quiet about it */
    memcpy((char *)&lib + syms[i].off, &f, sizeof f);
  }
  return true; /* never dlclose'd: handles and callbacks live until exit */
}

static void global_init(void)
{
  loaded = load_curl();
  global_rc = loaded ? curl_global_init(CURL_GLOBAL_DEFAULT) : CURLE_FAILED_INIT;
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *ud)
{
  qb_http *h = ud;
  pthread_mutex_lock(&h->share_mu[data]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *ud)
{
  qb_http *h = ud;
  pthread_mutex_unlock(&h->share_mu[data]);
}

int qb_http_new(qb_http **out, const qb_http_opts *opts, qb_err *err)
{
  *out = NULL;
  pthread_once(&global_once, global_init);
  if (!loaded)
    return QB_FAIL(err, QB_EUNSUPPORTED, "HTTP needs libcurl, which could not be loaded: %s",
                   load_msg[0] ? load_msg : CURL_SONAME);
  if (global_rc != CURLE_OK)
    return QB_FAIL(err, QB_EINTERNAL, "libcurl initialisation failed: %s", curl_easy_strerror(global_rc));
  qb_http *h = calloc(1, sizeof *h);
  if (!h) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_http_opts def = QB_HTTP_OPTS_INIT;
  h->o = opts ? *opts : def;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&h->share_mu[i], NULL);
  pthread_mutex_init(&h->pool_mu, NULL);
  h->share = curl_share_init();
  if (!h->share) {
    qb_http_free(h);
    return QB_FAIL(err, QB_ENOMEM, "out of memory (curl share)");
  }
  /* DNS answers and TLS sessions are shared; live connections stay with the pooled handle that opened them
   * (one connection per handle, reused by the next request that takes the handle). */
  curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
  curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  *out = h;
  return QB_OK;
}

void qb_http_free(qb_http *h)
{
  if (!h) return;
  for (int i = 0; i < h->n_idle; i++) curl_easy_cleanup(h->idle[i]);
  if (h->share) curl_share_cleanup(h->share);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&h->share_mu[i]);
  pthread_mutex_destroy(&h->pool_mu);
  free(h);
}

const qb_http_opts *qb_http_options(const qb_http *h) { return &h->o; }

static CURL *acquire(qb_http *h, bool *reused)
{
  CURL *c = NULL;
  pthread_mutex_lock(&h->pool_mu);
  if (h->n_idle) c = h->idle[--h->n_idle];
  pthread_mutex_unlock(&h->pool_mu);
  *reused = c != NULL;
  if (c)
    curl_easy_reset(c); /* keeps the live connection, drops every option */
  else
    c = curl_easy_init();
  return c;
}

static void release(qb_http *h, CURL *c, bool healthy)
{
  pthread_mutex_lock(&h->pool_mu);
  if (healthy && h->n_idle < POOL_MAX) {
    h->idle[h->n_idle++] = c;
    c = NULL;
  }
  pthread_mutex_unlock(&h->pool_mu);
  if (c) curl_easy_cleanup(c);
}

void qb_http_resp_free(qb_http_resp *r)
{
  if (r) qb_buf_free(&r->err_body);
}

long qb_http_backoff_ms(const qb_http *h, int attempt)
{
  long d = h->o.retry_base_ms;
  for (int i = 1; i < attempt && d < h->o.retry_max_ms; i++) d *= 2;
  if (d > h->o.retry_max_ms) d = h->o.retry_max_ms;
  if (d <= 1) return d;
  /* "equal jitter": half fixed, half random, so concurrent clients spread out but never retry instantly */
  return d / 2 + (long)(qb_random_u64() % (uint64_t)(d / 2 + 1));
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* State of one attempt, seen by the curl callbacks. */
typedef struct attempt_state {
  const qb_http_req *req;
  qb_http_resp *resp;
  size_t body_off;
  uint64_t skipped;
  bool overflow;   /* a 2xx body did not fit */
  bool done_early; /* dst filled from a 200 answer: the rest of the body is not needed */
  bool sink_fail;
} attempt_state;

static size_t on_read(char *p, size_t sz, size_t nm, void *ud)
{
  attempt_state *a = ud;
  size_t left = a->req->body_n - a->body_off, n = sz * nm;
  if (n > left) n = left;
  if (n) memcpy(p, (const uint8_t *)a->req->body + a->body_off, n);
  a->body_off += n;
  return n;
}

/* curl rewinds the body when it resends on a reused connection that turned out dead. */
static int on_seek(void *ud, curl_off_t off, int origin)
{
  attempt_state *a = ud;
  if (origin != SEEK_SET || off < 0 || (uint64_t)off > a->req->body_n) return CURL_SEEKFUNC_FAIL;
  a->body_off = (size_t)off;
  return CURL_SEEKFUNC_OK;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
  while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ')) n--;
  while (n && *v == ' ') v++, n--;
  if (n >= 2 && v[0] == '"' && v[n - 1] == '"') v++, n -= 2;
  if (n >= cap) n = cap - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
  attempt_state *a = ud;
  qb_http_resp *r = a->resp;
  size_t n = sz * nm;
  if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
    /* a new status line (after a 100 Continue, too): forget earlier headers */
    const char *s = memchr(p, ' ', n);
    r->status = s ? strtol(s + 1, NULL, 10) : 0;
    r->etag[0] = r->request_id[0] = r->content_range[0] = r->last_modified[0] = r->write_id[0] =
        r->bucket_region[0] = r->location[0] = '\0';
    r->has_length = false;
    r->retry_after_ms = 0;
    return n;
  }
  const char *colon = memchr(p, ':', n);
  if (!colon) return n;
  size_t kn = (size_t)(colon - p), vn = n - kn - 1;
  const char *v = colon + 1;
  if (kn == 4 && !strncasecmp(p, "ETag", 4))
    copy_value(r->etag, sizeof r->etag, v, vn);
  else if ((kn == 16 && !strncasecmp(p, "x-amz-request-id", 16)) ||
           (kn == 12 && !strncasecmp(p, "x-request-id", 12) && !r->request_id[0]))
    copy_value(r->request_id, sizeof r->request_id, v, vn);
  else if (kn == 13 && !strncasecmp(p, "Content-Range", 13))
    copy_value(r->content_range, sizeof r->content_range, v, vn);
  else if (kn == 13 && !strncasecmp(p, "Last-Modified", 13))
    copy_value(r->last_modified, sizeof r->last_modified, v, vn);
  else if (kn == 25 && !strncasecmp(p, "x-amz-meta-qberg-write-id", 25))
    copy_value(r->write_id, sizeof r->write_id, v, vn);
  else if (kn == 19 && !strncasecmp(p, "x-amz-bucket-region", 19))
    copy_value(r->bucket_region, sizeof r->bucket_region, v, vn);
  else if (kn == 8 && !strncasecmp(p, "Location", 8))
    copy_value(r->location, sizeof r->location, v, vn);
  else if (kn == 11 && !strncasecmp(p, "Retry-After", 11)) {
    /* seconds, or an HTTP date (RFC 9110 10.2.3) */
    char tmp[64];
    copy_value(tmp, sizeof tmp, v, vn);
    int64_t sec;
    if (qb_str_to_i64(tmp, &sec)) {
      r->retry_after_ms = sec <= 0 ? 0 : sec >= QB_HTTP_RETRY_AFTER_MAX_MS / 1000 ? QB_HTTP_RETRY_AFTER_MAX_MS
                                                                                  : (long)sec * 1000;
    } else {
      int64_t at = qb_s3_parse_time(tmp), now = qb_now_ms();
      r->retry_after_ms = at <= now ? 0 : at - now >= QB_HTTP_RETRY_AFTER_MAX_MS ? QB_HTTP_RETRY_AFTER_MAX_MS
                                                                                : (long)(at - now);
    }
  } else if (kn == 14 && !strncasecmp(p, "Content-Length", 14)) {
    char tmp[32];
    copy_value(tmp, sizeof tmp, v, vn);
    int64_t len;
    r->has_length = qb_str_to_i64(tmp, &len) && len >= 0;
    r->content_length = r->has_length ? (uint64_t)len : 0;
  }
  return n;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
  attempt_state *a = ud;
  const qb_http_req *q = a->req;
  qb_http_resp *r = a->resp;
  size_t n = sz * nm;
  if (r->status < 200 || r->status >= 300) {
    size_t room = ERR_BODY_MAX - r->err_body.n;
    if (n < room) room = n;
    if (room) qb_buf_append(&r->err_body, p, room, NULL);
    return n;
  }
  if (q->dst) {
    if (r->status == 200 && a->skipped < q->dst_skip) {
      uint64_t k = q->dst_skip - a->skipped;
      if (k > n) k = n;
      a->skipped += k;
      p += k;
      n -= (size_t)k;
      if (!n) return sz * nm;
    }
    size_t room = q->dst_cap - r->dst_n;
    if (n > room) {
      memcpy((uint8_t *)q->dst + r->dst_n, p, room);
      r->dst_n += room;
      if (r->status == 200) a->done_early = true; /* the server sent the whole object: we have our range */
      else a->overflow = true;
      return 0; /* stop the transfer */
    }
    memcpy((uint8_t *)q->dst + r->dst_n, p, n);
    r->dst_n += n;
    return sz * nm;
  }
  if (q->sink && qb_buf_append(q->sink, p, n, NULL) != QB_OK) {
    a->sink_fail = true;
    return 0;
  }
  return sz * nm;
}

static bool retryable_curl(CURLcode c)
{
  switch (c) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

/* 5xx (except 501 Not Implemented, which will not change) and 429 are worth another try; S3's throttling
 * answer "503 SlowDown" is one of them. 4xx are final: the caller decides what 404/409/412 mean. */
static bool retryable_status(long s) { return (s >= 500 && s != 501) || s == 429; }

/* S3's "400 RequestTimeout" ("Your socket connection to the server was not read from or written to within the
 * timeout period") is a slow moment on the way, not a bad request: the AWS SDKs retry it, and so do we. */
static bool retryable_answer(const qb_http_resp *r)
{
  static const char code[] = "<Code>RequestTimeout</Code>";
  if (r->status != 400 || r->err_body.n < sizeof code - 1) return false;
  for (size_t i = 0; i + sizeof code - 1 <= r->err_body.n; i++)
    if (!memcmp(r->err_body.p + i, code, sizeof code - 1)) return true;
  return false;
}

static void free_attempt(qb_http_attempt *at)
{
  free(at->url);
  for (size_t i = 0; i < at->n_headers; i++) free(at->headers[i]);
  memset(at, 0, sizeof *at);
}

/* One request on handle c. Returns the CURLcode; fills resp. */
static CURLcode run_once(qb_http *h, CURL *c, const qb_http_req *q, const qb_http_attempt *at, attempt_state *st,
                         struct curl_slist **hl, char *errbuf)
{
  for (size_t i = 0; i < at->n_headers; i++) {
    struct curl_slist *n = curl_slist_append(*hl, at->headers[i]);
    if (!n) return CURLE_OUT_OF_MEMORY;
    *hl = n;
  }
  /* no "Expect: 100-continue" round trip before bodies: our bodies are bounded parts */
  struct curl_slist *n = curl_slist_append(*hl, "Expect:");
  if (!n) return CURLE_OUT_OF_MEMORY;
  *hl = n;
  curl_easy_setopt(c, CURLOPT_URL, at->url);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* S3 keys may hold "/../" and "//": never squash them */
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hl);
  curl_easy_setopt(c, CURLOPT_SHARE, h->share);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
  /* curl counts a stall in whole seconds: rounded up, so a transfer is never given up sooner than asked. It was
   * rounded down, 1,900 ms failing a pause of 1.3 s (found by exploreM) */
  long stall_s = (h->o.stall_timeout_ms + 999) / 1000;
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_s < 1 ? 1L : stall_s);
  if (h->o.request_timeout_ms > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.request_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L << 10);
  curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->o.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->o.tls_verify ? 2L : 0L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, st);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, st);
  const char *m = q->method;
  if (!strcmp(m, "HEAD")) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (!strcmp(m, "PUT")) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, st);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, st);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_n);
  } else if (!strcmp(m, "POST")) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body ? (const char *)q->body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_n);
  } else if (strcmp(m, "GET")) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
  }
  return curl_easy_perform(c);
}

int qb_http_perform(qb_http *h, const qb_http_req *q, qb_http_prepare_fn prepare, void *ctx, qb_http_resp *resp,
                    qb_err *err)
{
  qb_buf_init(&resp->err_body, ERR_BODY_MAX + 1);
  const char *what = q->what ? q->what : q->method;
  int rc = QB_OK;
  CURLcode last = CURLE_OK;
  char last_msg[CURL_ERROR_SIZE + 1] = "";
  long pause_ms = 0; /* before the next attempt */
  for (int attempt = 1;; attempt++) {
    if (attempt > 1) sleep_ms(pause_ms);
    qb_http_attempt at = {0};
    if ((rc = prepare(ctx, &at, err)) != QB_OK) {
      free_attempt(&at);
      return rc;
    }
    bool reused;
    CURL *c = acquire(h, &reused);
    if (!c) {
      free_attempt(&at);
      return QB_FAIL(err, QB_ENOMEM, "%s: out of memory (curl handle)", what);
    }
    resp->status = 0;
    resp->retry_after_ms = 0;
    resp->dst_n = 0;
    resp->attempts = attempt;
    qb_buf_reset(&resp->err_body);
    if (q->sink) qb_buf_reset(q->sink);
    attempt_state st = {.req = q, .resp = resp};
    struct curl_slist *hl = NULL;
    char errbuf[CURL_ERROR_SIZE + 1] = "";
    CURLcode cc = run_once(h, c, q, &at, &st, &hl, errbuf);
    curl_slist_free_all(hl);
    if (cc == CURLE_WRITE_ERROR && st.done_early) cc = CURLE_OK;
    /* libcurl silently resends a request whose reused connection died before any answer: the server may have
     * applied the first copy. A pooled handle that had to open a new connection may have done that. */
    long connects = 0;
    if (reused && curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
      resp->ambiguous = true;
    /* An answer that is no HTTP ("Received HTTP/0.9 when not allowed") on a kept-alive connection is what an
     * earlier answer left behind (a body longer than its Content-Length): the connection is dropped (below)
     * and the request sent again on another, like a reset one (the server may have applied it: ambiguous).
     * It was final, failing a read one fresh connection would have served (found by exploreI). */
    bool stale = cc == CURLE_UNSUPPORTED_PROTOCOL && reused && connects == 0;
    release(h, c, cc == CURLE_OK);
    if (cc == CURLE_OK && resp->status == 0) cc = CURLE_WEIRD_SERVER_REPLY;
    char *url = at.url;
    at.url = NULL;
    free_attempt(&at);
    if (cc == CURLE_WRITE_ERROR && st.overflow) {
      free(url);
      return QB_FAIL(err, QB_ECORRUPT, "%s: the server sent more than the %zu bytes asked for", what, q->dst_cap);
    }
    if (cc == CURLE_WRITE_ERROR && st.sink_fail) {
      free(url);
      return QB_FAIL(err, QB_ELIMIT, "%s: the answer is larger than the %zu bytes allowed", what,
                     q->sink ? q->sink->max : 0);
    }
    bool again = false;
    if (cc != CURLE_OK) {
      last = cc;
      snprintf(last_msg, sizeof last_msg, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cc));
      again = retryable_curl(cc) || stale;
    } else if (retryable_status(resp->status) || retryable_answer(resp)) {
      again = true;
    }
    if (again && attempt + q->retries_spent <= h->o.max_retries) {
      /* a request refused at connect never reached the server; anything later may have been applied */
      if (cc != CURLE_COULDNT_CONNECT) resp->ambiguous = true;
      /* a throttling answer (503 SlowDown, 429) may say how long to wait: retrying sooner only gets throttled
       * again. It was ignored, the retries spent within ~1 s (found by exploreM) */
      pause_ms = qb_http_backoff_ms(h, attempt + q->retries_spent);
      if (cc == CURLE_OK && resp->retry_after_ms > pause_ms) pause_ms = resp->retry_after_ms;
      free(url);
      continue;
    }
    if (cc != CURLE_OK) {
      /* the URL carries no credentials (header auth only), so it may be shown */
      /* an answer that is no HTTP on a fresh connection: the endpoint is another service (Garage's RPC port 3901
       * instead of its S3 port 3900, say); "Received HTTP/0.9 when not allowed" alone did not say so (found by
       * exploreI) */
      const char *hint = last == CURLE_UNSUPPORTED_PROTOCOL && !stale
                             ? " (the server does not answer HTTP: check the endpoint and its port)"
                         : last == CURLE_PEER_FAILED_VERIFICATION
                             ? " (the server's TLS certificate is not trusted: s3.tls-verify=false for a test setup)"
                             : "";
      rc = QB_FAIL(err, QB_ENET, "%s: %.200s: %s (curl error %d)%s", what, url, last_msg, (int)last, hint);
      if (err) {
        err->os_code = (int)last;
        err->retryable = retryable_curl(last) || stale;
        size_t ml = strlen(err->msg);
        if (attempt > 1) snprintf(err->msg + ml, sizeof err->msg - ml, " after %d attempts", attempt);
      }
      free(url);
      return rc;
    }
    free(url);
    return QB_OK;
  }
}
