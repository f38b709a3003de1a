/* SPDX-License-Identifier: Apache-2.0 */
/* S3 FileIO (Amazon S3 API Reference: HeadObject, GetObject with Range, PutObject, DeleteObject, DeleteObjects,
 * ListObjectsV2, CopyObject, Create/Upload/Complete/AbortMultipartUpload, CreateBucket, ListBuckets) over
 * io/http.c, signed by io/s3_sigv4.c. Works with Garage (no conditional PUT), radosgw and AWS. */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/config_int.h"
#include "io/fileio_int.h"
#include "io/http.h"
#include "io/s3_int.h"
#include "io/s3_sigv4.h"
#include "io/s3_xml.h"
#include "io/uri.h"
#include "qberg/s3.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

#define S3_MIN_PART ((size_t)5 << 20)      /* S3: every part but the last is at least 5 MiB */
#define S3_DEFAULT_PART ((size_t)8 << 20)
#define S3_MAX_PART ((size_t)5 << 30)      /* S3: at most 5 GiB per part and per single PUT */
#define S3_MAX_PARTS 10000
#define S3_MAX_PARALLEL 16
#define S3_EXCL_MAX ((size_t)64 << 20)     /* create-exclusive is one conditional PUT, buffered up to this */
#define S3_READAHEAD ((size_t)1 << 20)     /* small reads fetch this much around them */
#define S3_XML_MAX ((size_t)16 << 20)      /* one XML answer (a ListObjectsV2 page is ~300 KiB) */
#define S3_DELETE_BATCH 1000               /* DeleteObjects takes at most 1,000 keys */
#define S3_LIST_MAX_STALLED 100            /* truncated listing pages in a row without a new key: a store looping */
#define S3_COND_CONFLICT_RETRIES 5         /* 409 ConditionalRequestConflict: another conditional write in flight */

struct s3_io {
  qb_fileio base;
  qb_http *http;
  char *scheme; /* "http" | "https" */
  char *host;   /* "127.0.0.1:7480" */
  bool path_style;
  char *region;
  /* credentials: read by every request, replaced when a refused token is renewed (cred_mu, cred_gen) */
  pthread_mutex_t cred_mu;
  char *akid, *secret, *token;
  unsigned cred_gen;
  qb_config *creds_from; /* where to read them again; NULL: given once (qb_fileio_s3_new) */
  bool unsigned_payload;
  size_t part_size;
  int parallel;
  qb_s3_cond_mode cond_mode;
  int cond_state; /* qb_s3_cond_state; atomic */
};

static const struct qb_fileio_ops s3_ops;

/* ---------------------------------------------------------------- requests */

typedef struct sign_ctx {
  s3_io *s;
  const s3_req *r;
  const char *phash;
  char sha[65];
  /* where a redirect sent the request (NULL: s->scheme, s->host, s->region) */
  const char *to_scheme, *to_host, *to_region;
  bool to_vhost; /* the bucket is in to_host */
  unsigned cred_gen; /* s->cred_gen of the credentials the last attempt was signed with */
} sign_ctx;

static int prepare(void *ctx, qb_http_attempt *a, qb_err *err)
{
  sign_ctx *c = ctx;
  s3_io *s = c->s;
  const s3_req *r = c->r;
  bool vhost = r->bucket && !s->path_style;
  char *host;
  if (c->to_host) { /* redirected: the bucket is in the host name when the store put it there */
    vhost = r->bucket && c->to_vhost;
    host = strdup(c->to_host);
  } else {
    host = vhost ? qb_str_printf("%s.%s", r->bucket, s->host) : strdup(s->host);
  }
  char *path;
  if (!r->bucket)
    path = strdup("/");
  else if (vhost)
    path = qb_str_printf("/%s", r->key ? r->key : "");
  else
    path = r->key ? qb_str_printf("/%s/%s", r->bucket, r->key) : qb_str_printf("/%s", r->bucket);
  int rc = (!host || !path) ? QB_FAIL(err, QB_ENOMEM, "out of memory") : QB_OK;
  qb_sigv4_kv h[1 + S3_MAX_HDRS];
  size_t nh = 0;
  h[nh++] = (qb_sigv4_kv){"Host", host};
  for (size_t i = 0; i < r->nh && i < S3_MAX_HDRS; i++) h[nh++] = r->hdrs[i];
  /* anonymous requests are signed with a throw-away key only to get the canonical URL, and sent unsigned */
  pthread_mutex_lock(&s->cred_mu);
  c->cred_gen = s->cred_gen;
  qb_sigv4_creds cr = {s->akid ? s->akid : "anonymous", s->secret ? s->secret : "", s->token,
                       c->to_region ? c->to_region : s->region, "s3"};
  qb_sigv4_request sr = {r->method, path, false, r->query, r->nq, h, nh, c->phash, true, qb_now_ms()};
  qb_sigv4_result sg = {0};
  if (rc == QB_OK) rc = qb_sigv4_sign(&sg, &cr, &sr, err);
  if (rc == QB_OK) {
    a->url = qb_str_printf("%s://%s%s%s%s", c->to_scheme ? c->to_scheme : s->scheme, host, sg.canonical_uri, sg.canonical_query[0] ? "?" : "",
                           sg.canonical_query);
    a->headers[a->n_headers++] = qb_str_printf("Host: %s", host);
    if (s->akid) {
      a->headers[a->n_headers++] = qb_str_printf("x-amz-date: %s", sg.amz_date);
      a->headers[a->n_headers++] = qb_str_printf("x-amz-content-sha256: %s", c->phash);
      if (s->token) a->headers[a->n_headers++] = qb_str_printf("x-amz-security-token: %s", s->token);
      a->headers[a->n_headers++] = qb_str_printf("Authorization: %s", sg.authorization);
    }
    for (size_t i = 0; i < r->nh && i < S3_MAX_HDRS; i++)
      a->headers[a->n_headers++] = qb_str_printf("%s: %s", r->hdrs[i].name, r->hdrs[i].value);
    if (!a->url) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    for (size_t i = 0; i < a->n_headers; i++)
      if (!a->headers[i]) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  pthread_mutex_unlock(&s->cred_mu);
  qb_sigv4_result_free(&sg);
  free(host);
  free(path);
  return rc;
}

/* The host name of an authority "h", "h:port", "[v6]:port": its length. */
static size_t host_name_len(const char *a)
{
  if (a[0] == '[') {
    const char *e = strchr(a, ']');
    return e ? (size_t)(e - a) + 1 : strlen(a);
  }
  const char *colon = strrchr(a, ':');
  return colon ? (size_t)(colon - a) : strlen(a);
}

static bool is_aws(const char *host, size_t n)
{
  static const char *const sfx[] = {".amazonaws.com", ".amazonaws.com.cn"};
  for (size_t i = 0; i < 2; i++) {
    size_t k = strlen(sfx[i]);
    if (n > k && !strncasecmp(host + n - k, sfx[i], k)) return true;
  }
  return false;
}

/* The region in an AWS S3 host name: "b.s3.eu-west-1.amazonaws.com", "s3-eu-west-1.amazonaws.com"; "" if none. */
static void aws_region(char *out, size_t cap, const char *host, size_t n)
{
  out[0] = '\0';
  const char *end = strstr(host, ".amazonaws.com");
  if (!end || (size_t)(end - host) > n) return;
  for (const char *p = host; p < end; p++) {
    if ((p == host || p[-1] == '.') && !strncmp(p, "s3", 2) && (p[2] == '.' || p[2] == '-')) {
      const char *r = p + 3;
      size_t rn = (size_t)(end - r);
      if (rn && rn < cap && !memchr(r, '.', rn)) {
        memcpy(out, r, rn);
        out[rn] = '\0';
      }
      return;
    }
  }
}

/* An answer that refuses the credentials themselves (not their permissions): a HEAD's answer has no body. */
static bool creds_refused(const s3_req *r, const qb_http_resp *resp)
{
  if (resp->status != 400 && resp->status != 403) return false;
  qb_s3_error e;
  qb_err ignored = QB_ERR_INIT;
  if (qb_s3_error_parse(&e, (const char *)resp->err_body.p, resp->err_body.n, &ignored) != QB_OK) e.code[0] = '\0';
  if (!e.code[0]) return !strcmp(r->method, "HEAD");
  return !strcmp(e.code, "ExpiredToken") || !strcmp(e.code, "TokenRefreshRequired") ||
         !strcmp(e.code, "InvalidToken") || !strcmp(e.code, "InvalidAccessKeyId");
}

static void free_creds(char *akid, char *secret, char *token)
{
  free(akid);
  if (secret) OPENSSL_cleanse(secret, strlen(secret));
  free(secret);
  free(token);
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

/* Whether credentials newer than those of generation `used` are there now: another thread renewed them, or they
 * are read again from their sources and differ. */
static bool renew_creds(s3_io *s, unsigned used)
{
  pthread_mutex_lock(&s->cred_mu);
  bool newer = s->cred_gen != used;
  pthread_mutex_unlock(&s->cred_mu);
  if (newer) return true;
  char *akid, *secret, *token;
  qb_err ignored = QB_ERR_INIT;
  if (qb_config__credentials(s->creds_from, &akid, &secret, &token, &ignored) != QB_OK) return false;
  if (!akid || !secret) { /* none, or half a set (a file being rewritten): keep ours */
    free_creds(akid, secret, token);
    return false;
  }
  pthread_mutex_lock(&s->cred_mu);
  newer = s->cred_gen != used;
  if (!newer && !(same_str(akid, s->akid) && same_str(secret, s->secret) && same_str(token, s->token))) {
    char *oa = s->akid, *os = s->secret, *ot = s->token;
    s->akid = akid, s->secret = secret, s->token = token;
    akid = oa, secret = os, token = ot;
    s->cred_gen++;
    newer = true;
  }
  pthread_mutex_unlock(&s->cred_mu);
  free_creds(akid, secret, token);
  return newer;
}

typedef struct redirect {
  char scheme[8];
  char host[512];
  char region[64];
  bool vhost; /* the bucket is in the host name */
} redirect;

/* Where a 301/307 answer sends the request: its Location, or the <Endpoint> of AWS's 301 PermanentRedirect.
 * Followed only to the same host name (another port) or from AWS to AWS, never from https to http: the request
 * carries our signature. `shown` gets the target for the message when it is not followed. */
static bool redirect_target(const s3_io *s, const sign_ctx *c, const qb_http_resp *resp, redirect *to, char *shown,
                            size_t shown_cap)
{
  shown[0] = '\0';
  if (resp->status != 301 && resp->status != 307) return false;
  const char *cur_scheme = c->to_scheme ? c->to_scheme : s->scheme;
  const char *auth;
  size_t an;
  if (resp->location[0]) {
    const char *l = resp->location;
    if (qb_str_has_prefix(l, "https://")) snprintf(to->scheme, sizeof to->scheme, "https"), l += 8;
    else if (qb_str_has_prefix(l, "http://")) snprintf(to->scheme, sizeof to->scheme, "http"), l += 7;
    else return false; /* a relative Location: S3 does not send one */
    auth = l;
    an = strcspn(l, "/?#");
    /* path style when the path starts with the bucket and the host does not */
    const char *b = c->r->bucket, *path = l + an;
    size_t bn = b ? strlen(b) : 0;
    bool in_host = bn && an > bn && !strncmp(l, b, bn) && l[bn] == '.';
    bool in_path = bn && path[0] == '/' && !strncmp(path + 1, b, bn) && strchr("/?", path[1 + bn]);
    to->vhost = in_host && in_path ? !s->path_style : in_host;
  } else {
    qb_s3_error e;
    qb_err ignored = QB_ERR_INIT;
    if (qb_s3_error_parse(&e, (const char *)resp->err_body.p, resp->err_body.n, &ignored) != QB_OK)
      e.endpoint[0] = '\0';
    const char *cur = c->to_host ? c->to_host : s->host;
    const char *b = c->r->bucket;
    size_t bn = b ? strlen(b) : 0;
    if (!e.endpoint[0] && resp->bucket_region[0] && is_aws(cur, host_name_len(cur))) {
      /* AWS's 301 to a HEAD has no body: the bucket's region names its endpoint */
      bool vh = bn && !strncmp(cur, b, bn) && cur[bn] == '.';
      snprintf(e.endpoint, sizeof e.endpoint, "%s%ss3.%.60s.amazonaws.com", vh ? b : "", vh ? "." : "",
               resp->bucket_region);
    }
    if (!e.endpoint[0]) return false;
    snprintf(to->scheme, sizeof to->scheme, "%s", cur_scheme);
    an = strcspn(e.endpoint, "/?#");
    to->vhost = bn && an > bn && !strncmp(e.endpoint, b, bn) && e.endpoint[bn] == '.';
    if (an == 0 || an >= sizeof to->host) return false;
    memcpy(to->host, e.endpoint, an);
    to->host[an] = '\0';
    auth = to->host;
  }
  if (!shown[0]) snprintf(shown, shown_cap, "%s://%.*s", to->scheme, (int)an, auth);
  if (an == 0 || an >= sizeof to->host) return false;
  memmove(to->host, auth, an);
  to->host[an] = '\0';
  if (!strcmp(cur_scheme, "https") && strcmp(to->scheme, "https")) return false;
  const char *cur = c->to_host ? c->to_host : s->host;
  size_t cn = host_name_len(cur), tn = host_name_len(to->host);
  /* a virtual-hosted request's host carries the bucket: compare what follows it */
  const char *ch = cur, *th = to->host;
  bool same = (cn == tn && !strncasecmp(ch, th, cn)) ||
              (is_aws(ch, cn) && is_aws(th, tn));
  if (!same) {
    const char *dot = memchr(th, '.', tn);
    same = dot && (size_t)(tn - (size_t)(dot + 1 - th)) == cn && !strncasecmp(dot + 1, ch, cn);
  }
  if (!same) return false;
  if (resp->bucket_region[0]) snprintf(to->region, sizeof to->region, "%s", resp->bucket_region);
  else aws_region(to->region, sizeof to->region, th, tn);
  return true;
}

int qb_s3__do(s3_io *s, const s3_req *r, qb_http_resp *resp, qb_err *err)
{
  sign_ctx c = {.s = s, .r = r};
  if (!r->body || r->body_n == 0) {
    c.phash = QB_SIGV4_EMPTY_SHA256;
  } else if (s->unsigned_payload) {
    c.phash = QB_SIGV4_UNSIGNED_PAYLOAD;
  } else {
    qb_sigv4_sha256_hex(c.sha, r->body, r->body_n);
    c.phash = c.sha;
  }
  memset(resp, 0, sizeof *resp);
  qb_http_req hr = {r->method, r->body, r->body_n, r->dst, r->dst_cap, r->dst_skip, r->sink, r->what, 0};
  int rc = qb_http_perform(s->http, &hr, prepare, &c, resp, err);
  /* 307 TemporaryRedirect (S3, right after a bucket is created in another region) and 301 PermanentRedirect
   * (AWS: the bucket is in another region, <Endpoint> names where) are followed, re-signed for the new host and
   * region, up to 3 times. They were final, the request failing (found by exploreM). */
  /* One retry budget (s3.max-retries) for the whole request: each hop and the renewal below started a new one,
   * a store answering 503, 503, 307 getting 4 x (retries + 1) attempts, 5 x with a renewal, where the
   * documentation promised retries + 1 (found by exploreV). A hop or a renewal is one more attempt at least. */
  redirect to[3];
  char shown[300];
  int hop = 0;
  for (; rc == QB_OK && hop < 3 && redirect_target(s, &c, resp, &to[hop], shown, sizeof shown); hop++) {
    hr.retries_spent += resp->attempts - 1;
    c.to_scheme = to[hop].scheme;
    c.to_host = to[hop].host;
    c.to_vhost = to[hop].vhost;
    if (to[hop].region[0]) c.to_region = to[hop].region;
    bool amb = resp->ambiguous; /* an attempt before the redirect may have been applied */
    qb_http_resp_free(resp);
    memset(resp, 0, sizeof *resp);
    rc = qb_http_perform(s->http, &hr, prepare, &c, resp, err);
    resp->ambiguous = resp->ambiguous || amb;
  }
  /* credentials refused as expired (or unknown): read them again once, where they came from; a credential helper
   * renews a session token in qberg.conf while a long `ingest --watch` runs. It failed at the first expiry,
   * the watcher exiting (found by exploreM) */
  redirect extra;
  char extra_shown[300];
  bool loop = rc == QB_OK && hop == 3 && redirect_target(s, &c, resp, &extra, extra_shown, sizeof extra_shown);
  if (rc == QB_OK && s->creds_from && creds_refused(r, resp) && renew_creds(s, c.cred_gen)) {
    hr.retries_spent += resp->attempts - 1;
    bool amb = resp->ambiguous;
    qb_http_resp_free(resp);
    memset(resp, 0, sizeof *resp);
    rc = qb_http_perform(s->http, &hr, prepare, &c, resp, err);
    resp->ambiguous = resp->ambiguous || amb;
  }
  if (rc == QB_OK && (resp->status == 301 || resp->status == 307) && shown[0])
    snprintf(resp->redirect_shown, sizeof resp->redirect_shown, "%s", shown);
  if (rc == QB_OK && loop && (resp->status == 301 || resp->status == 307)) {
    resp->redirect_loop = true;
    snprintf(resp->redirect_shown, sizeof resp->redirect_shown, "%s", extra_shown);
  }
  return rc;
}

/* An S3 error answer as a clear message: what, status, S3 code, message, request id, and a hint. */
int qb_s3__fail(const qb_http_resp *resp, const char *what, qb_err *err)
{
  qb_s3_error e;
  qb_err ignored = QB_ERR_INIT;
  if (qb_s3_error_parse(&e, (const char *)resp->err_body.p, resp->err_body.n, &ignored) != QB_OK)
    memset(&e, 0, sizeof e);
  long st = resp->status;
  qb_code code = st == 404                ? QB_ENOTFOUND
                 : st == 401 || st == 403 ? QB_EAUTH
                 : st == 412              ? QB_EEXISTS
                 : st == 409              ? QB_ECONFLICT
                 : st == 400              ? QB_EINVAL
                                          : QB_EIO;
  const char *scode = e.code[0] ? e.code
                      : st == 404   ? "NotFound"
                      : st == 403   ? "Forbidden"
                      : st == 412   ? "PreconditionFailed"
                      : st == 301   ? "PermanentRedirect"
                      : st == 307   ? "TemporaryRedirect"
                      : st >= 500   ? "ServerError"
                                    : "Error";
  /* credentials refused whatever the status: AWS answers an expired session token with 400 ExpiredToken, which
   * was QB_EINVAL (a bad argument), so ingest rejected every raw file read after the expiry for good (found by
   * exploreI) */
  static const char *const auth_codes[] = {"ExpiredToken", "InvalidToken", "TokenRefreshRequired",
                                           "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied",
                                           "AuthorizationHeaderMalformed", "MissingSecurityHeader",
                                           "InvalidSecurity", "RequestTimeTooSkewed"};
  for (size_t i = 0; i < sizeof auth_codes / sizeof auth_codes[0]; i++)
    if (st >= 400 && st < 500 && !strcmp(e.code, auth_codes[i])) code = QB_EAUTH;
  const char *hint = "";
  char region_hint[400];
  if (resp->bucket_region[0] && (st == 301 || st == 400 || st == 403)) {
    /* AWS names the bucket's region when we asked the wrong one: a HEAD's 301 has no body to say more. It was
     * "HTTP 301 Error" alone (found by exploreI) */
    snprintf(region_hint, sizeof region_hint, " (the bucket is in region %.60s: set s3.region to it)",
             resp->bucket_region);
    hint = region_hint;
  } else if ((st == 301 || st == 307) && resp->redirect_loop) {
    /* it said "set s3.endpoint to it", naming the endpoint already set (found by exploreV) */
    snprintf(region_hint, sizeof region_hint, " (redirected again after 3 redirects followed, to %.80s: a loop?)",
             resp->redirect_shown);
    hint = region_hint;
  } else if ((st == 301 || st == 307) && resp->redirect_shown[0]) {
    /* not followed (another host, or https to http): the message names where */
    snprintf(region_hint, sizeof region_hint, " (the store redirects to %.80s: set s3.endpoint to it)",
             resp->redirect_shown);
    hint = region_hint;
  } else if (st == 301 || st == 307) {
    hint = " (the store redirects elsewhere: check s3.endpoint and s3.region)";
  } else if (!strcmp(scode, "ExpiredToken") || !strcmp(scode, "TokenRefreshRequired"))
    hint = " (the session token s3.session-token has expired: renew the credentials)";
  else if (!strcmp(scode, "InvalidToken"))
    hint = " (check the session token s3.session-token)";
  else if (!strcmp(scode, "SignatureDoesNotMatch"))
    hint = " (check the secret key s3.secret-access-key, and s3.region)";
  else if (!strcmp(scode, "InvalidAccessKeyId"))
    hint = " (check the access key s3.access-key-id)";
  else if (!strcmp(scode, "AccessDenied") || (st == 403 && !e.code[0]))
    hint = " (check the credentials and the key's permissions on the bucket)";
  else if (!strcmp(scode, "RequestTimeTooSkewed"))
    hint = " (this machine's clock is off)";
  else if (!strcmp(scode, "AuthorizationHeaderMalformed"))
    hint = " (check s3.region: Garage wants its s3_region, usually \"garage\")";
  else if (!strcmp(scode, "NoSuchBucket"))
    hint = " (create it: qberg s3 mb)";
  const char *rid = e.request_id[0] ? e.request_id : resp->request_id;
  int rc = QB_FAIL(err, code, "%s: HTTP %ld %s%s%s%s%s%s%s", what, st, scode, e.message[0] ? ": " : "", e.message,
                   hint, rid[0] ? " [request id " : "", rid, rid[0] ? "]" : "");
  if (err) {
    err->os_code = (int)st;
    err->retryable = st >= 500 || st == 429 || st == 409 || (st == 400 && !strcmp(scode, "RequestTimeout"));
  }
  return rc;
}

static bool ok2xx(const qb_http_resp *r) { return r->status >= 200 && r->status < 300; }

/* One request whose answer must be 2xx (its body goes to r->sink); any other status is the store's error. */
static int do_2xx(s3_io *s, const s3_req *r, qb_err *err)
{
  qb_http_resp resp;
  int rc = qb_s3__do(s, r, &resp, err);
  if (rc == QB_OK && !ok2xx(&resp)) rc = qb_s3__fail(&resp, r->what, err);
  qb_http_resp_free(&resp);
  return rc;
}

/* A 200 answer whose body is an <Error> (CopyObject and CompleteMultipartUpload do this: the status line is
 * sent before the work is done). */
int qb_s3__error_in_body(const qb_buf *body, const char *what, qb_err *err)
{
  if (!body->n) return QB_OK;
  qb_s3_error e;
  qb_err ignored = QB_ERR_INIT;
  if (qb_s3_error_parse(&e, (const char *)body->p, body->n, &ignored) != QB_OK || !e.code[0]) return QB_OK;
  int rc = QB_FAIL(err, QB_EIO, "%s: %s: %s%s%s%s", what, e.code, e.message, e.request_id[0] ? " [request id " : "",
                   e.request_id, e.request_id[0] ? "]" : "");
  if (err) err->retryable = !strcmp(e.code, "InternalError") || !strcmp(e.code, "SlowDown");
  return rc;
}

void qb_s3__md5(uint8_t out[16], const void *p, size_t n)
{
  unsigned len = 16;
  EVP_Digest(p, n, out, &len, EVP_md5(), NULL);
}

void qb_s3__base64(char *out, const uint8_t *p, size_t n) { EVP_EncodeBlock((unsigned char *)out, p, (int)n); }

/* Parse an S3 URI into out; it must name an object (or, with allow_empty_key, a bucket or prefix). */
static int s3_uri(qb_uri *out, const char *path, bool allow_empty_key, qb_err *err)
{
  int rc = qb_uri__parse(out, path, err);
  if (rc) return rc;
  if (out->kind != QB_URI_S3) {
    qb_uri__free(out);
    return QB_FAIL(err, QB_EINVAL, "%s: not an s3:// path (this FileIO is for S3)", path);
  }
  if (!allow_empty_key && !out->key[0]) {
    qb_uri__free(out);
    return QB_FAIL(err, QB_EINVAL, "%s: names a bucket, not an object", path);
  }
  return QB_OK;
}

int qb_s3__head(s3_io *s, const char *bucket, const char *key, qb_http_resp *resp, const char *what, qb_err *err)
{
  s3_req r = {.method = "HEAD", .bucket = bucket, .key = key, .what = what};
  int rc = qb_s3__do(s, &r, resp, err);
  if (rc == QB_OK && !ok2xx(resp)) rc = qb_s3__fail(resp, what, err);
  if (rc == QB_OK && !resp->has_length) rc = QB_FAIL(err, QB_ECORRUPT, "%s: no Content-Length in the answer", what);
  return rc;
}

/* ---------------------------------------------------------------- reads */

typedef struct s3_file {
  qb_file base;
  s3_io *s;
  qb_uri u;
  uint8_t *ra; /* read-ahead window */
  uint64_t ra_off;
  size_t ra_n;
} s3_file;

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static int fetch(s3_file *f, void *dst, size_t n, uint64_t off, qb_err *err)
{
  char range[64];
  snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)off, (unsigned long long)(off + n - 1));
  qb_sigv4_kv h[] = {{"Range", range}};
  char *what = qb_str_printf("GET %s (bytes %llu-%llu)", f->base.path, (unsigned long long)off,
                             (unsigned long long)(off + n - 1));
  if (!what) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc;
  for (int attempt = 1;; attempt++) {
    s3_req r = {.method = "GET", .bucket = f->u.bucket, .key = f->u.key, .hdrs = h, .nh = 1, .dst = dst,
                .dst_cap = n, .dst_skip = off, .what = what};
    qb_http_resp resp;
    rc = qb_s3__do(f->s, &r, &resp, err);
    if (rc == QB_OK && resp.status == 416)
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: truncated: the object ends before offset %llu", what,
                   (unsigned long long)off);
    else if (rc == QB_OK && resp.status == 404)
      rc = QB_FAIL(err, QB_ENOTFOUND, "%s: the object was deleted since it was opened", what);
    else if (rc == QB_OK && !ok2xx(&resp))
      rc = qb_s3__fail(&resp, what, err);
    int64_t total = -1;
    if (rc == QB_OK && resp.status == 206 && resp.content_range[0]) {
      const char *slash = strrchr(resp.content_range, '/');
      if (!slash || !qb_str_to_i64(slash + 1, &total)) total = -1;
      /* the bytes must be the ones asked for: a store (or a cache on the way) that answered another range was
       * taken at its word, its bytes returned as ours when the length matched (found by exploreM) */
      unsigned long long a, b;
      if (total == (int64_t)f->base.size && sscanf(resp.content_range, "bytes %llu-%llu/", &a, &b) == 2 &&
          a != off) {
        rc = QB_FAIL(err, QB_EIO, "%s: the store answered another range (Content-Range: %s)", what,
                     resp.content_range);
        if (err) err->retryable = true;
      }
    } else if (rc == QB_OK && resp.status == 200 && resp.has_length) {
      total = (int64_t)resp.content_length; /* the whole object */
    }
    /* replaced while read (a producer rewriting it): not the object's fault, and reading it again reads the new
     * one whole, so `retryable`; ingest skips such a raw file for the next batch (found by exploreI) */
    if (rc == QB_OK && total >= 0 && (uint64_t)total != f->base.size) {
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: the object changed since it was opened (%lld bytes, was %llu)", what,
                   (long long)total, (unsigned long long)f->base.size);
      if (err) err->retryable = true;
    }
    /* fewer bytes than asked of an object of the size it had: the answer was cut short on the way (a body that
     * ended with its own Content-Length). Not the object's fault: try again, then QB_EIO. It was QB_ECORRUPT
     * "truncated", which ingest takes for a bad file and rejects for good (found by exploreD). */
    bool short_answer = rc == QB_OK && resp.dst_n != n;
    size_t got = resp.dst_n;
    qb_http_resp_free(&resp);
    if (short_answer && attempt <= qb_http_options(f->s->http)->max_retries) {
      sleep_ms(qb_http_backoff_ms(f->s->http, attempt));
      continue;
    }
    if (short_answer) {
      rc = QB_FAIL(err, QB_EIO, "%s: the answers were cut short (%zu of %zu bytes, %d attempts)", what, got, n,
                   attempt);
      if (err) err->retryable = true;
    }
    break;
  }
  free(what);
  return rc;
}

static int sf_pread(qb_file *fb, void *buf, size_t n, uint64_t offset, qb_err *err)
{
  s3_file *f = (s3_file *)fb;
  if (n >= S3_READAHEAD) return fetch(f, buf, n, offset, err);
  if (f->ra && offset >= f->ra_off && offset + n <= f->ra_off + f->ra_n) {
    memcpy(buf, f->ra + (offset - f->ra_off), n);
    return QB_OK;
  }
  if (!f->ra && !(f->ra = malloc(S3_READAHEAD))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* the window starts at the read, or ends at the end of the object: footers are read back to front */
  size_t win = f->base.size < S3_READAHEAD ? (size_t)f->base.size : S3_READAHEAD;
  uint64_t start = offset;
  if (start + win > f->base.size) start = f->base.size - win;
  f->ra_n = 0;
  int rc = fetch(f, f->ra, win, start, err);
  if (rc) return rc;
  f->ra_off = start;
  f->ra_n = win;
  memcpy(buf, f->ra + (offset - start), n);
  return QB_OK;
}

static void sf_close(qb_file *fb)
{
  s3_file *f = (s3_file *)fb;
  qb_uri__free(&f->u);
  free(f->ra);
  free(fb->path);
  free(f);
}

static const struct qb_file_ops s3_file_ops = {sf_pread, sf_close, NULL};

static int s3_open_read(qb_fileio *io, const char *path, qb_file **out, qb_err *err)
{
  s3_io *s = (s3_io *)io;
  s3_file *f = calloc(1, sizeof *f);
  if (!f) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  f->base.ops = &s3_file_ops;
  f->s = s;
  int rc = s3_uri(&f->u, path, false, err);
  if (rc) {
    free(f);
    return rc;
  }
  f->base.path = strdup(path);
  char *what = qb_str_printf("HEAD %s", path);
  qb_http_resp resp;
  if (!f->base.path || !what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) {
    rc = qb_s3__head(s, f->u.bucket, f->u.key, &resp, what, err);
    f->base.size = resp.content_length;
    qb_http_resp_free(&resp);
  }
  free(what);
  if (rc) {
    sf_close(&f->base);
    return rc;
  }
  *out = &f->base;
  return QB_OK;
}

static int s3_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  qb_uri u;
  int rc = s3_uri(&u, path, false, err);
  if (rc) return rc;
  char *what = qb_str_printf("HEAD %s", path);
  qb_http_resp resp;
  rc = what ? qb_s3__head((s3_io *)io, u.bucket, u.key, &resp, what, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) {
    out->size_bytes = resp.content_length;
    int64_t t = qb_s3_parse_time(resp.last_modified);
    out->mtime_ms = t > 0 ? t : 0;
  }
  if (what) qb_http_resp_free(&resp);
  free(what);
  qb_uri__free(&u);
  return rc;
}

/* ---------------------------------------------------------------- deletes */

static int s3_remove(qb_fileio *io, const char *path, qb_err *err)
{
  qb_uri u;
  int rc = s3_uri(&u, path, false, err);
  if (rc) return rc;
  char *what = qb_str_printf("DELETE %s", path);
  s3_req r = {.method = "DELETE", .bucket = u.bucket, .key = u.key, .what = what};
  qb_http_resp resp;
  rc = what ? qb_s3__do((s3_io *)io, &r, &resp, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK && !ok2xx(&resp) && resp.status != 404) rc = qb_s3__fail(&resp, what, err);
  if (what) qb_http_resp_free(&resp);
  free(what);
  qb_uri__free(&u);
  return rc;
}

typedef struct delete_state {
  char key[512], code[64], message[256];
  char first_key[512], first_code[64], first_message[256];
  size_t failed;
  bool result; /* the root is <DeleteResult> */
} delete_state;

static int delete_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  delete_state *d = ctx;
  if (ev == QB_XML_OPEN) {
    if (!strcmp(path, "DeleteResult")) d->result = true;
    if (!strcmp(path, "DeleteResult/Error")) d->key[0] = d->code[0] = d->message[0] = '\0';
    return QB_OK;
  }
#define COPY(dst) snprintf(dst, sizeof dst, "%.*s", (int)n, t)
  if (!strcmp(path, "DeleteResult/Error/Key")) COPY(d->key);
  else if (!strcmp(path, "DeleteResult/Error/Code")) COPY(d->code);
  else if (!strcmp(path, "DeleteResult/Error/Message")) COPY(d->message);
  else if (!strcmp(path, "DeleteResult/Error") && strcmp(d->code, "NoSuchKey")) {
    if (d->failed++ == 0) {
      memcpy(d->first_key, d->key, sizeof d->key);
      memcpy(d->first_code, d->code, sizeof d->code);
      memcpy(d->first_message, d->message, sizeof d->message);
    }
  }
#undef COPY
  return QB_OK;
}

/* One DeleteObjects request for keys[0..n) of `bucket`. */
static int delete_batch(s3_io *s, const char *bucket, char *const *keys, size_t n, qb_err *err)
{
  qb_buf body, answer;
  qb_buf_init(&body, QB_BUF_NOLIMIT);
  qb_buf_init(&answer, S3_XML_MAX);
  int rc = qb_buf_puts(&body,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                       "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>",
                       err);
  for (size_t i = 0; i < n && rc == QB_OK; i++) {
    rc = qb_buf_puts(&body, "<Object><Key>", err);
    if (rc == QB_OK) rc = qb_xml_escape(&body, keys[i], err);
    if (rc == QB_OK) rc = qb_buf_puts(&body, "</Key></Object>", err);
  }
  if (rc == QB_OK) rc = qb_buf_puts(&body, "</Delete>", err);
  char *what = qb_str_printf("DeleteObjects s3://%s (%zu keys)", bucket, n);
  if (rc == QB_OK && !what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) {
    /* S3 requires Content-MD5 (or a checksum) on DeleteObjects */
    uint8_t md5[16];
    char md5b64[32];
    qb_s3__md5(md5, body.p, body.n);
    qb_s3__base64(md5b64, md5, 16);
    qb_sigv4_kv h[] = {{"Content-MD5", md5b64}, {"Content-Type", "application/xml"}};
    qb_sigv4_kv q[] = {{"delete", ""}};
    s3_req r = {.method = "POST", .bucket = bucket, .query = q, .nq = 1, .hdrs = h, .nh = 2, .body = body.p,
                .body_n = body.n, .sink = &answer, .what = what};
    rc = do_2xx(s, &r, err);
  }
  /* a 200 whose body is an <Error> document deleted nothing (it was counted as every key deleted) */
  if (rc == QB_OK) rc = qb_s3__error_in_body(&answer, what, err);
  if (rc == QB_OK) {
    delete_state d = {0};
    rc = qb_xml_walk((const char *)answer.p, answer.n, delete_cb, &d, err);
    if (rc == QB_OK && !d.result)
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: the answer is not a DeleteResult: nothing is known to be deleted", what);
    else if (rc == QB_OK && d.failed)
      rc = QB_FAIL(err, QB_EIO, "%s: %zu not deleted, first s3://%s/%s: %s: %s", what, d.failed, bucket, d.first_key,
                   d.first_code, d.first_message);
    else if (rc)
      rc = qb_err_wrap(err, "%s", what);
  }
  free(what);
  qb_buf_free(&body);
  qb_buf_free(&answer);
  return rc;
}

static int s3_remove_many(qb_fileio *io, const char *const *paths, size_t n, qb_err *err)
{
  s3_io *s = (s3_io *)io;
  int rc = QB_OK;
  char **keys = calloc(n < S3_DELETE_BATCH ? n : S3_DELETE_BATCH, sizeof *keys);
  char *bucket = NULL;
  size_t nk = 0;
  if (!keys) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; i <= n && rc == QB_OK; i++) {
    qb_uri u = {0};
    if (i < n && (rc = s3_uri(&u, paths[i], false, err)) != QB_OK) break;
    /* send the batch when it is full, the bucket changes, or at the end */
    if (nk && (i == n || nk == S3_DELETE_BATCH || strcmp(u.bucket, bucket))) {
      rc = delete_batch(s, bucket, keys, nk, err);
      for (size_t k = 0; k < nk; k++) free(keys[k]);
      nk = 0;
    }
    /* a key with a byte XML 1.0 cannot carry (below 0x20 but TAB, LF, CR) cannot be in a DeleteObjects request:
     * it gets a DELETE of its own. It failed the whole call, "byte 0x01 cannot be sent in an XML request",
     * naming no key and deleting none (found by exploreM) */
    bool alone = false;
    for (const unsigned char *k = (const unsigned char *)(i < n ? u.key : ""); *k && !alone; k++)
      alone = *k < 0x20 && *k != '\t' && *k != '\n' && *k != '\r';
    if (alone && rc == QB_OK) {
      rc = s3_remove(io, paths[i], err);
    } else if (i < n && rc == QB_OK) {
      free(bucket);
      bucket = u.bucket;
      keys[nk++] = u.key;
      u.bucket = u.key = NULL;
    }
    qb_uri__free(&u);
  }
  for (size_t k = 0; k < nk; k++) free(keys[k]);
  free(keys);
  free(bucket);
  return rc;
}

static int s3_list_impl(qb_fileio *io, const char *prefix, bool shallow, qb_list_fn fn, void *ctx, qb_err *err);

static int s3_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  return s3_list_impl(io, prefix, false, fn, ctx, err);
}

static int s3_list_shallow(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  return s3_list_impl(io, prefix, true, fn, ctx, err);
}

/* ---------------------------------------------------------------- unfinished multipart uploads */

typedef struct uploads_ctx {
  const char *bucket;
  qb_s3_upload_fn fn;
  void *ctx;
  qb_buf path;
} uploads_ctx;

static int upload_entry(void *ctx, const qb_s3_upload_entry *e, qb_err *err)
{
  uploads_ctx *u = ctx;
  qb_buf_reset(&u->path);
  int rc = qb_buf_printf(&u->path, err, "s3://%s/", u->bucket);
  if (rc == QB_OK) rc = qb_buf_append(&u->path, e->key, e->key_n, err);
  if (rc == QB_OK) rc = qb_buf_cstr(&u->path, err);
  return rc ? rc : u->fn(u->ctx, (const char *)u->path.p, e->upload_id, e->initiated_ms, err);
}

/* Killed writers leave their multipart uploads behind, their parts kept (billed on AWS) for ever; nothing in
 * qberg listed or aborted them (found by exploreV). */
int qb_s3_upload_list(qb_fileio *io, const char *prefix_uri, qb_s3_upload_fn fn, void *ctx, qb_err *err)
{
  if (io->ops != &s3_ops) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: multipart uploads are an S3 thing", prefix_uri);
  s3_io *s = (s3_io *)io;
  qb_uri u;
  int rc = s3_uri(&u, prefix_uri, true, err);
  if (rc) return rc;
  uploads_ctx uc = {.bucket = u.bucket, .fn = fn, .ctx = ctx};
  qb_buf_init(&uc.path, 1 << 20);
  qb_buf page;
  qb_buf_init(&page, S3_XML_MAX);
  char *key_marker = NULL, *id_marker = NULL;
  qb_u64set seen; /* markers followed: a store repeating one would list for ever */
  qb_u64set_init(&seen);
  char *what = qb_str_printf("ListMultipartUploads s3://%s/%s", u.bucket, u.key);
  if (!what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  while (rc == QB_OK) {
    qb_sigv4_kv q[6] = {{"uploads", ""}, {"prefix", u.key}, {"max-uploads", "1000"}, {"encoding-type", "url"}};
    size_t nq = 4;
    if (key_marker) q[nq++] = (qb_sigv4_kv){"key-marker", key_marker};
    if (id_marker) q[nq++] = (qb_sigv4_kv){"upload-id-marker", id_marker};
    s3_req r = {.method = "GET", .bucket = u.bucket, .query = q, .nq = nq, .sink = &page, .what = what};
    qb_http_resp resp;
    rc = qb_s3__do(s, &r, &resp, err);
    /* a store without ListMultipartUploads answers 501 NotImplemented: QB_EUNSUPPORTED, as documented (it was
     * QB_EIO, and remove-orphans counted it as a failure on every run: exploreR2) */
    if (rc == QB_OK && resp.status == 501)
      rc = QB_FAIL(err, QB_EUNSUPPORTED, "%s: HTTP 501: the store does not implement ListMultipartUploads", what);
    else if (rc == QB_OK && !ok2xx(&resp)) rc = qb_s3__fail(&resp, what, err);
    qb_http_resp_free(&resp);
    if (rc) break;
    qb_s3_uploads_page pg;
    rc = qb_s3_uploads_parse(&pg, (const char *)page.p, page.n, upload_entry, &uc, err);
    if (rc) {
      if (rc == QB_ECORRUPT) qb_err_wrap(err, "%s", what);
      break;
    }
    if (!pg.truncated) {
      qb_s3_uploads_page_free(&pg);
      break;
    }
    uint64_t h = qb_hash_bytes(pg.next_key_marker, strlen(pg.next_key_marker)) ^
                 (pg.next_upload_id_marker ? qb_hash_bytes(pg.next_upload_id_marker, strlen(pg.next_upload_id_marker)) * 31 : 0);
    if (qb_u64set_has(&seen, h))
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: the server repeats key marker '%.80s': the listing would never end", what,
                   pg.next_key_marker);
    if (rc == QB_OK) rc = qb_u64set_add(&seen, h, err);
    free(key_marker);
    free(id_marker);
    key_marker = pg.next_key_marker;
    id_marker = pg.next_upload_id_marker;
  }
  free(key_marker);
  free(id_marker);
  free(what);
  qb_u64set_free(&seen);
  qb_buf_free(&page);
  qb_buf_free(&uc.path);
  qb_uri__free(&u); /* it leaked, here and in qb_s3_upload_abort (found by exploreR2) */
  return rc;
}

int qb_s3_upload_abort(qb_fileio *io, const char *uri, const char *upload_id, qb_err *err)
{
  if (io->ops != &s3_ops) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: multipart uploads are an S3 thing", uri);
  if (!upload_id || !*upload_id) return QB_FAIL(err, QB_EINVAL, "%s: no upload id", uri);
  s3_io *s = (s3_io *)io;
  qb_uri u;
  int rc = s3_uri(&u, uri, false, err);
  if (rc) return rc;
  char *what = qb_str_printf("AbortMultipartUpload %s (upload %.100s)", uri, upload_id);
  if (!what) {
    qb_uri__free(&u);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  qb_sigv4_kv q[] = {{"uploadId", upload_id}};
  s3_req r = {.method = "DELETE", .bucket = u.bucket, .key = u.key, .query = q, .nq = 1, .what = what};
  qb_http_resp resp;
  rc = qb_s3__do(s, &r, &resp, err);
  if (rc == QB_OK && !ok2xx(&resp) && resp.status != 404) rc = qb_s3__fail(&resp, what, err);
  qb_http_resp_free(&resp);
  free(what);
  qb_uri__free(&u);
  return rc;
}

/* ---------------------------------------------------------------- listing */

typedef struct list_ctx {
  const char *bucket;
  qb_list_fn fn;
  void *ctx;
  qb_buf path;
  qb_buf last;          /* the greatest key reported so far */
  bool any;             /* `last` is set */
  size_t advanced;      /* keys that came after `last` (progress) */
  qb_u64set recent[2];  /* hashes of the keys of the previous page and of this one */
  int cur;              /* recent[cur] is this page's */
} list_ctx;

/* S3 lists keys in ascending byte order, each once. A key that does not come after the last one reported is a
 * repeat when it was on this page or the one before (a store whose pages overlap, or that repeats an entry):
 * it is skipped. Every key was reported as often as the store listed it: ingest read a repeated raw file twice
 * in one batch and committed its rows twice (found by exploreM). Any other key out of order is reported (never
 * lost). */
static int list_entry(void *ctx, const qb_s3_list_entry *e, qb_err *err)
{
  list_ctx *l = ctx;
  uint64_t h = qb_hash_bytes(e->key, e->key_n);
  bool after = true;
  if (l->any) {
    size_t m = e->key_n < l->last.n ? e->key_n : l->last.n;
    int c = memcmp(e->key, l->last.p, m);
    after = c > 0 || (c == 0 && e->key_n > l->last.n);
  }
  /* a skipped repeat stays in this page's set too: a key repeated on three pages in a row was reported twice */
  bool repeat = !after && (qb_u64set_has(&l->recent[0], h) || qb_u64set_has(&l->recent[1], h));
  int rc = qb_u64set_add(&l->recent[l->cur], h, err);
  if (rc || repeat) return rc;
  if (after) {
    l->advanced++;
    qb_buf_reset(&l->last);
    if ((rc = qb_buf_append(&l->last, e->key, e->key_n, err))) return rc;
    l->any = true;
  }
  qb_buf_reset(&l->path);
  rc = qb_buf_printf(&l->path, err, "s3://%s/", l->bucket);
  if (rc == QB_OK) rc = qb_buf_append(&l->path, e->key, e->key_n, err);
  if (rc == QB_OK) rc = qb_buf_cstr(&l->path, err);
  if (rc) return rc;
  qb_stat st = {e->size, e->mtime_ms};
  return l->fn(l->ctx, (const char *)l->path.p, &st, err);
}

static int s3_list_impl(qb_fileio *io, const char *prefix, bool shallow, qb_list_fn fn, void *ctx, qb_err *err)
{
  s3_io *s = (s3_io *)io;
  qb_uri u;
  int rc = s3_uri(&u, prefix, true, err);
  if (rc) return rc;
  list_ctx l = {.bucket = u.bucket, .fn = fn, .ctx = ctx};
  qb_buf_init(&l.path, 1 << 20);
  qb_buf_init(&l.last, 1 << 20);
  qb_u64set_init(&l.recent[0]);
  qb_u64set_init(&l.recent[1]);
  qb_buf page;
  qb_buf_init(&page, S3_XML_MAX);
  char *token = NULL;
  qb_u64set tokens; /* hashes of the continuation tokens followed */
  qb_u64set_init(&tokens);
  int stalled = 0;  /* pages in a row without a new key */
  char *what = qb_str_printf("ListObjectsV2 s3://%s/%s", u.bucket, u.key);
  if (!what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (int pages = 0; rc == QB_OK; pages++) {
    /* encoding-type=url: keys may hold bytes XML 1.0 cannot carry */
    qb_sigv4_kv q[6] = {{"list-type", "2"}, {"prefix", u.key}, {"max-keys", "1000"}, {"encoding-type", "url"}};
    size_t nq = 4;
    if (shallow) q[nq++] = (qb_sigv4_kv){"delimiter", "/"};
    if (token) q[nq++] = (qb_sigv4_kv){"continuation-token", token};
    s3_req r = {.method = "GET", .bucket = u.bucket, .query = q, .nq = nq, .sink = &page, .what = what};
    rc = do_2xx(s, &r, err);
    if (rc) break;
    /* this page's keys go into the set that held the page before the previous one */
    l.cur = pages % 2;
    qb_u64set_free(&l.recent[l.cur]);
    qb_u64set_init(&l.recent[l.cur]);
    qb_s3_list_page pg;
    size_t advanced_before = l.advanced;
    rc = qb_s3_list_parse(&pg, (const char *)page.p, page.n, list_entry, &l, err);
    if (rc) {
      if (rc == QB_ECORRUPT) qb_err_wrap(err, "%s: page %d", what, pages + 1);
      break;
    }
    if (!pg.truncated) {
      free(pg.next_token);
      break;
    }
    /* a token seen before (A, B, A: not only the one just sent) or pages without a new key for too long would
     * make the listing go on forever; it did, `s3 ls` of a store cycling its tokens never ending (found by
     * exploreV) */
    uint64_t th = qb_hash_bytes(pg.next_token, strlen(pg.next_token));
    stalled = l.advanced != advanced_before ? 0 : stalled + 1;
    if (qb_u64set_has(&tokens, th)) {
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: the server repeats continuation token '%.80s' after %d pages: the listing would never end",
                   what, pg.next_token, pages + 1);
      free(pg.next_token);
      break;
    }
    if (stalled >= S3_LIST_MAX_STALLED) {
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: %d pages in a row without a new key (continuation token '%.80s'): the listing would never end",
                   what, stalled, pg.next_token);
      free(pg.next_token);
      break;
    }
    if ((rc = qb_u64set_add(&tokens, th, err))) {
      free(pg.next_token);
      break;
    }
    free(token);
    token = pg.next_token;
  }
  free(token);
  free(what);
  qb_u64set_free(&tokens);
  qb_buf_free(&page);
  qb_buf_free(&l.path);
  qb_buf_free(&l.last);
  qb_u64set_free(&l.recent[0]);
  qb_u64set_free(&l.recent[1]);
  qb_uri__free(&u);
  return rc;
}

/* ---------------------------------------------------------------- copy */

static int s3_copy(qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  s3_io *s = (s3_io *)io;
  qb_uri a, b;
  int rc = s3_uri(&a, src, false, err);
  if (rc) return rc;
  if ((rc = s3_uri(&b, dst, false, err)) != QB_OK) {
    qb_uri__free(&a);
    return rc;
  }
  char *what = qb_str_printf("CopyObject %s to %s", src, dst);
  qb_http_resp resp;
  qb_buf body, source;
  qb_buf_init(&body, S3_XML_MAX);
  qb_buf_init(&source, 1 << 20);
  if (!what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK) {
    rc = qb_s3__head(s, a.bucket, a.key, &resp, what, err);
    uint64_t size = resp.content_length;
    qb_http_resp_free(&resp);
    if (rc == QB_OK && size > S3_MAX_PART) { /* CopyObject stops at 5 GiB: stream it instead */
      free(what);
      qb_buf_free(&body);
      qb_buf_free(&source);
      qb_uri__free(&a);
      qb_uri__free(&b);
      return qb_fileio__copy_stream(io, src, dst, err);
    }
  }
  if (rc == QB_OK) rc = qb_buf_printf(&source, err, "/%s/", a.bucket);
  if (rc == QB_OK) rc = qb_sigv4_uri_encode(&source, a.key, strlen(a.key), true, err);
  /* a 200 whose body is <Error>InternalError</Error> (or SlowDown) did not copy: S3 says to retry it, as for
   * CompleteMultipartUpload (a copy is idempotent). It was final at once (found by exploreI). */
  for (int attempt = 1; rc == QB_OK; attempt++) {
    qb_sigv4_kv h[] = {{"x-amz-copy-source", (const char *)source.p}};
    s3_req r = {.method = "PUT", .bucket = b.bucket, .key = b.key, .hdrs = h, .nh = 1, .sink = &body, .what = what};
    rc = qb_s3__do(s, &r, &resp, err);
    if (rc != QB_OK) break;
    if (!ok2xx(&resp)) {
      rc = qb_s3__fail(&resp, what, err);
    } else {
      qb_err e = QB_ERR_INIT;
      rc = qb_s3__error_in_body(&body, what, &e);
      if (rc != QB_OK && e.retryable && attempt <= qb_http_options(s->http)->max_retries) {
        qb_http_resp_free(&resp);
        sleep_ms(qb_http_backoff_ms(s->http, attempt));
        rc = QB_OK;
        continue;
      }
      if (rc != QB_OK && err) *err = e;
    }
    qb_http_resp_free(&resp);
    break;
  }
  free(what);
  qb_buf_free(&body);
  qb_buf_free(&source);
  qb_uri__free(&a);
  qb_uri__free(&b);
  return rc;
}

/* ---------------------------------------------------------------- probe */

qb_s3_cond_state qb_fileio_s3_conditional_put(const qb_fileio *io)
{
  if (!io || io->ops != &s3_ops) return QB_S3_COND_UNKNOWN;
  const s3_io *s = (const s3_io *)io;
  return (qb_s3_cond_state)__atomic_load_n(&s->cond_state, __ATOMIC_ACQUIRE);
}

void qb_s3__set_cond_state(s3_io *s, qb_s3_cond_state st)
{
  __atomic_store_n(&s->cond_state, (int)st, __ATOMIC_RELEASE);
  if (st == QB_S3_COND_HONOURED)
    __atomic_or_fetch(&s->base.caps, (unsigned)QB_IO_CREATE_EXCL, __ATOMIC_ACQ_REL);
  else
    __atomic_and_fetch(&s->base.caps, ~(unsigned)QB_IO_CREATE_EXCL, __ATOMIC_ACQ_REL);
}

qb_s3_cond_state qb_s3__cond_state(const s3_io *s)
{
  return (qb_s3_cond_state)__atomic_load_n(&s->cond_state, __ATOMIC_ACQUIRE);
}

qb_s3_cond_mode qb_s3__cond_mode(const s3_io *s) { return s->cond_mode; }
size_t qb_s3__part_size(const s3_io *s) { return s->part_size; }
int qb_s3__parallel(const s3_io *s) { return s->parallel; }
qb_http *qb_s3__http(const s3_io *s) { return s->http; }

static int put_probe(s3_io *s, const char *bucket, const char *key, const char *body, qb_http_resp *resp,
                     const char *what, qb_err *err)
{
  qb_sigv4_kv h[] = {{"If-None-Match", "*"}};
  s3_req r = {.method = "PUT", .bucket = bucket, .key = key, .hdrs = h, .nh = 1, .body = body,
              .body_n = strlen(body), .what = what};
  return qb_s3__do(s, &r, resp, err);
}

/* PUT a fresh key twice with If-None-Match: *. A store that honours it answers the second with 412. */
static int s3_probe(qb_fileio *io, const char *uri, qb_err *err)
{
  s3_io *s = (s3_io *)io;
  if (s->cond_mode != QB_S3_COND_AUTO) return QB_OK;
  qb_uri u;
  int rc = s3_uri(&u, uri, true, err);
  if (rc) return rc;
  char id[37];
  qb_uuid_v4(id);
  size_t kl = strlen(u.key);
  char *key = qb_str_printf("%s%s.qberg-probe-%s", u.key, kl && u.key[kl - 1] != '/' ? "/" : "", id);
  char *what = key ? qb_str_printf("probing conditional PUT at s3://%s/%s", u.bucket, key) : NULL;
  qb_http_resp resp;
  if (!what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  bool sent = rc == QB_OK;
  if (rc == QB_OK) {
    rc = put_probe(s, u.bucket, key, "qberg probe 1\n", &resp, what, err);
    /* the key is new (a UUID): a 412 after a lost answer is our own first PUT. It failed the probe, and with it
     * the command that opened the catalog, and left the probe object behind (found by exploreI) */
    if (rc == QB_OK && !ok2xx(&resp) && !(resp.status == 412 && resp.ambiguous)) rc = qb_s3__fail(&resp, what, err);
    qb_http_resp_free(&resp);
  }
  if (rc == QB_OK) {
    rc = put_probe(s, u.bucket, key, "qberg probe 2\n", &resp, what, err);
    if (rc == QB_OK) {
      if (resp.status == 412)
        qb_s3__set_cond_state(s, QB_S3_COND_HONOURED);
      else if (ok2xx(&resp) || resp.status == 501)
        qb_s3__set_cond_state(s, QB_S3_COND_IGNORED);
      else
        rc = qb_s3__fail(&resp, what, err);
    }
    qb_http_resp_free(&resp);
  }
  if (sent) { /* whatever happened, the first PUT may have written it */
    qb_err ignored = QB_ERR_INIT;
    s3_req r = {.method = "DELETE", .bucket = u.bucket, .key = key, .what = what};
    if (qb_s3__do(s, &r, &resp, &ignored) == QB_OK) qb_http_resp_free(&resp);
  }
  free(key);
  free(what);
  qb_uri__free(&u);
  return rc;
}

/* ---------------------------------------------------------------- buckets */

int qb_s3_bucket_create(qb_fileio *io, const char *uri, qb_err *err)
{
  if (!io || io->ops != &s3_ops) return QB_FAIL(err, QB_EINVAL, "%s: not an S3 FileIO", uri);
  qb_uri u;
  int rc = s3_uri(&u, uri, true, err);
  if (rc) return rc;
  char *what = qb_str_printf("CreateBucket s3://%s", u.bucket);
  qb_http_resp resp;
  s3_req r = {.method = "PUT", .bucket = u.bucket, .what = what};
  rc = what ? qb_s3__do((s3_io *)io, &r, &resp, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK && !ok2xx(&resp)) {
    qb_s3_error e;
    qb_err ignored = QB_ERR_INIT;
    if (qb_s3_error_parse(&e, (const char *)resp.err_body.p, resp.err_body.n, &ignored) != QB_OK) e.code[0] = '\0';
    /* AWS outside us-east-1 answers 409 BucketAlreadyOwnedByYou; Garage and radosgw answer 200 */
    if (!(resp.status == 409 && !strcmp(e.code, "BucketAlreadyOwnedByYou"))) {
      rc = qb_s3__fail(&resp, what, err);
      if (resp.status == 409 && err) err->code = rc = QB_EEXISTS;
    }
  }
  if (what) qb_http_resp_free(&resp);
  free(what);
  qb_uri__free(&u);
  return rc;
}

typedef struct buckets_ctx {
  qb_s3_bucket_fn fn;
  void *ctx;
  char name[256];
  int64_t created;
} buckets_ctx;

static int buckets_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  buckets_ctx *b = ctx;
  if (ev != QB_XML_CLOSE) return QB_OK;
  if (!strcmp(path, "ListAllMyBucketsResult/Buckets/Bucket/Name")) {
    snprintf(b->name, sizeof b->name, "%.*s", (int)n, t);
  } else if (!strcmp(path, "ListAllMyBucketsResult/Buckets/Bucket/CreationDate")) {
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*s", (int)n, t);
    b->created = qb_s3_parse_time(tmp);
  } else if (!strcmp(path, "ListAllMyBucketsResult/Buckets/Bucket")) {
    int rc = b->fn(b->ctx, b->name, b->created, err);
    b->name[0] = '\0';
    b->created = 0;
    return rc;
  }
  return QB_OK;
}

int qb_s3_bucket_list(qb_fileio *io, qb_s3_bucket_fn fn, void *ctx, qb_err *err)
{
  if (!io || io->ops != &s3_ops) return QB_FAIL(err, QB_EINVAL, "not an S3 FileIO");
  qb_buf body;
  qb_buf_init(&body, S3_XML_MAX);
  s3_req r = {.method = "GET", .sink = &body, .what = "ListBuckets"};
  qb_http_resp resp;
  int rc = qb_s3__do((s3_io *)io, &r, &resp, err);
  if (rc == QB_OK && !ok2xx(&resp)) rc = qb_s3__fail(&resp, "ListBuckets", err);
  qb_http_resp_free(&resp);
  buckets_ctx b = {fn, ctx, "", 0};
  if (rc == QB_OK && (rc = qb_xml_walk((const char *)body.p, body.n, buckets_cb, &b, err)) == QB_ECORRUPT)
    qb_err_wrap(err, "ListBuckets");
  qb_buf_free(&body);
  return rc;
}

int qb_s3__creds_from(qb_fileio *io, const qb_config *cfg, qb_err *err)
{
  if (!io || io->ops != &s3_ops) return QB_OK;
  s3_io *s = (s3_io *)io;
  qb_config_free(s->creds_from);
  s->creds_from = NULL;
  return cfg ? qb_config__clone(&s->creds_from, cfg, err) : QB_OK;
}

/* ---------------------------------------------------------------- construction */

static void s3_free(qb_fileio *io)
{
  s3_io *s = (s3_io *)io;
  qb_http_free(s->http);
  free(s->scheme);
  free(s->host);
  free(s->region);
  free_creds(s->akid, s->secret, s->token);
  qb_config_free(s->creds_from);
  pthread_mutex_destroy(&s->cred_mu);
  free(s);
}

static const struct qb_fileio_ops s3_ops = {
    .name = "s3",
    .caps = QB_IO_LIST,
    .open_read = s3_open_read,
    .create = qb_s3__create,
    .stat = s3_stat,
    .remove = s3_remove,
    .list = s3_list,
    .list_shallow = s3_list_shallow,
    .free = s3_free,
    .remove_many = s3_remove_many,
    .copy = s3_copy,
    .probe = s3_probe,
};

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

/* "http://h:p", "https://h", "h:p" (scheme from ssl); a trailing '/' is fine, another path is not. */
static int parse_endpoint(s3_io *s, const qb_s3_options *o, qb_err *err)
{
  const char *e = o->endpoint;
  if (!e || !*e) {
    s->scheme = strdup("https");
    s->host = qb_str_printf("s3.%s.amazonaws.com", s->region);
    return s->scheme && s->host ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  const char *h = e;
  if (qb_str_has_prefix(e, "http://")) {
    s->scheme = strdup("http");
    h = e + 7;
  } else if (qb_str_has_prefix(e, "https://")) {
    s->scheme = strdup("https");
    h = e + 8;
  } else if (strstr(e, "://")) {
    return QB_FAIL(err, QB_EINVAL, "S3 endpoint '%s': only http:// and https:// are supported", e);
  } else {
    s->scheme = strdup(o->ssl == 0 ? "http" : "https");
  }
  size_t n = strcspn(h, "/");
  if (n == 0) return QB_FAIL(err, QB_EINVAL, "S3 endpoint '%s': no host", e);
  if (h[n] && strcmp(h + n, "/"))
    return QB_FAIL(err, QB_EINVAL, "S3 endpoint '%s': a path after the host is not supported", e);
  s->host = strndup(h, n);
  /* the port the scheme implies is left out, as HTTP clients send Host (and Garage signs Host as received) */
  if (s->host && !strcmp(s->scheme, "http") && qb_str_has_suffix(s->host, ":80")) s->host[n - 3] = '\0';
  if (s->host && !strcmp(s->scheme, "https") && qb_str_has_suffix(s->host, ":443")) s->host[n - 4] = '\0';
  return s->scheme && s->host ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

int qb_fileio_s3_new(qb_fileio **out, const qb_s3_options *o, qb_err *err)
{
  *out = NULL;
  qb_s3_options def = QB_S3_OPTIONS_INIT;
  if (!o) o = &def;
  if (o->version != 1) return QB_FAIL(err, QB_EINVAL, "qb_s3_options version %d is not supported", o->version);
  if (o->part_size_bytes && (o->part_size_bytes < S3_MIN_PART || o->part_size_bytes > S3_MAX_PART))
    return QB_FAIL(err, QB_EINVAL, "S3 part size %zu is outside 5 MiB..5 GiB", o->part_size_bytes);
  if (o->parallel_parts < 0 || o->parallel_parts > S3_MAX_PARALLEL)
    return QB_FAIL(err, QB_EINVAL, "S3 parallel parts %d is outside 1..%d", o->parallel_parts, S3_MAX_PARALLEL);
  if (o->stall_timeout_ms > 0 && o->stall_timeout_ms < 1000)
    return QB_FAIL(err, QB_EINVAL, "S3 stall timeout %ld ms is under 1 s (it counts whole seconds)",
                   o->stall_timeout_ms);
  bool has_key = o->access_key_id && *o->access_key_id;
  if (has_key != (o->secret_access_key && *o->secret_access_key))
    return QB_FAIL(err, QB_EINVAL, "S3 credentials: %s is set but not %s", has_key ? "the access key" : "the secret key",
                   has_key ? "the secret key" : "the access key");
  s3_io *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  s->base.ops = &s3_ops;
  s->base.impl = s;
  s->base.caps = s3_ops.caps;
  s->region = strdup(o->region && *o->region ? o->region : "us-east-1");
  pthread_mutex_init(&s->cred_mu, NULL);
  s->akid = dup_or_null(o->access_key_id);
  s->secret = dup_or_null(o->secret_access_key);
  s->token = dup_or_null(o->session_token);
  s->unsigned_payload = o->unsigned_payload;
  s->part_size = o->part_size_bytes ? o->part_size_bytes : S3_DEFAULT_PART;
  s->parallel = o->parallel_parts ? o->parallel_parts : 4;
  s->cond_mode = o->conditional_put;
  int rc = !s->region || (has_key && (!s->akid || !s->secret)) ? QB_FAIL(err, QB_ENOMEM, "out of memory") : QB_OK;
  if (rc == QB_OK) rc = parse_endpoint(s, o, err);
  s->path_style = o->path_style < 0 ? (o->endpoint && *o->endpoint) : o->path_style != 0;
  if (rc == QB_OK) {
    qb_http_opts ho = QB_HTTP_OPTS_INIT;
    if (o->max_retries >= 0) ho.max_retries = o->max_retries;
    if (o->connect_timeout_ms > 0) ho.connect_timeout_ms = o->connect_timeout_ms;
    if (o->stall_timeout_ms > 0) ho.stall_timeout_ms = o->stall_timeout_ms;
    if (o->retry_base_ms > 0) ho.retry_base_ms = o->retry_base_ms;
    ho.tls_verify = !o->tls_no_verify;
    rc = qb_http_new(&s->http, &ho, err);
  }
  if (rc) {
    s3_free(&s->base);
    return rc;
  }
  if (s->cond_mode == QB_S3_COND_ON) qb_s3__set_cond_state(s, QB_S3_COND_HONOURED);
  if (s->cond_mode == QB_S3_COND_OFF) qb_s3__set_cond_state(s, QB_S3_COND_IGNORED);
  *out = &s->base;
  return QB_OK;
}
