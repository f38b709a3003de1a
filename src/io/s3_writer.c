/* SPDX-License-Identifier: Apache-2.0 */
/* S3 object writer (Amazon S3 API Reference: PutObject, CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload). Small objects are one PUT at close; larger ones stream as
 * multipart parts uploaded by up to `parallel` threads while the caller fills the next part, so memory stays at
 * (parallel + 1) × part size. Nothing is visible before close; a failed upload is aborted.
 * Create-exclusive is one PUT with If-None-Match: * (atomic where the store honours it, see s3_probe). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/s3_int.h"
#include "io/s3_xml.h"
#include "io/uri.h"
#include "util/clock.h"
#include "util/str.h"

#define PART_MAX ((size_t)5 << 30)
#define MAX_PARTS 10000
#define MAX_PARALLEL 16
#define EXCL_MAX ((size_t)64 << 20)
#define FIRST_BUF ((size_t)64 << 10)
#define XML_MAX ((size_t)4 << 20)
#define CONFLICT_RETRIES 5
#define WRITE_ID_HEADER "x-amz-meta-qberg-write-id"

typedef struct part_job {
  int no;
  uint8_t *buf;
  size_t n, cap;
} part_job;

typedef struct spare_buf {
  uint8_t *p;
  size_t cap;
} spare_buf;

typedef struct s3_writer {
  qb_writer base;
  s3_io *s;
  qb_uri u;
  qb_create_mode mode;
  char *what; /* "PUT s3://b/k" */
  char write_id[37]; /* a UUID sent as x-amz-meta-qberg-write-id: our object, whatever its ETag (see landed) */
  uint8_t *buf; /* the part being filled */
  size_t n, cap;
  char *upload_id;
  int n_parts; /* parts handed out */
  char (*etags)[128];
  int etags_cap;
  int parallel;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thr[MAX_PARALLEL];
  int n_thr;
  part_job queue[MAX_PARALLEL];
  int q_head, q_len;
  int busy; /* jobs queued or running */
  spare_buf spare[MAX_PARALLEL + 1];
  int n_spare;
  bool stop;
  bool failed;
  qb_err first_err;
} s3_writer;

/* S3 allows 10,000 parts: part sizes double every 1,000 parts (8 MiB parts reach ~8 TB), capped at 5 GiB. */
static size_t part_size_for(const s3_writer *w, int no)
{
  size_t sz = qb_s3__part_size(w->s);
  for (int k = (no - 1) / 1000; k > 0 && sz < PART_MAX; k--) sz *= 2;
  return sz > PART_MAX ? PART_MAX : sz;
}

static void sleep_ms(long ms)
{
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static bool ok2xx(const qb_http_resp *r) { return r->status >= 200 && r->status < 300; }

static int upload_part(s3_writer *w, const part_job *j, char etag[128], qb_err *err)
{
  char no[16], *what = qb_str_printf("%s (part %d, %zu bytes)", w->what, j->no, j->n);
  if (!what) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  snprintf(no, sizeof no, "%d", j->no);
  qb_sigv4_kv q[] = {{"partNumber", no}, {"uploadId", w->upload_id}};
  s3_req r = {.method = "PUT", .bucket = w->u.bucket, .key = w->u.key, .query = q, .nq = 2, .body = j->buf,
              .body_n = j->n, .what = what};
  qb_http_resp resp;
  int rc = qb_s3__do(w->s, &r, &resp, err);
  if (rc == QB_OK && !ok2xx(&resp)) rc = qb_s3__fail(&resp, what, err);
  if (rc == QB_OK && !resp.etag[0]) rc = QB_FAIL(err, QB_ECORRUPT, "%s: the answer has no ETag", what);
  if (rc == QB_OK) memcpy(etag, resp.etag, sizeof resp.etag);
  qb_http_resp_free(&resp);
  free(what);
  return rc;
}

static void give_back(s3_writer *w, uint8_t *buf, size_t cap)
{
  if (w->n_spare < MAX_PARALLEL + 1) {
    w->spare[w->n_spare++] = (spare_buf){buf, cap};
  } else {
    free(buf);
  }
}

/* Called with w->mu held; returns with it held. */
static void run_job(s3_writer *w, part_job j)
{
  bool skip = w->failed;
  pthread_mutex_unlock(&w->mu);
  char etag[128] = "";
  qb_err e = QB_ERR_INIT;
  int rc = skip ? QB_OK : upload_part(w, &j, etag, &e);
  pthread_mutex_lock(&w->mu);
  if (!skip && rc != QB_OK && !w->failed) {
    w->failed = true;
    w->first_err = e;
  } else if (!skip && rc == QB_OK) {
    memcpy(w->etags[j.no - 1], etag, sizeof etag);
  }
  give_back(w, j.buf, j.cap);
  w->busy--;
  pthread_cond_broadcast(&w->cv);
}

static void *worker(void *arg)
{
  s3_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->q_len && !w->stop) pthread_cond_wait(&w->cv, &w->mu);
    if (!w->q_len) break;
    part_job j = w->queue[w->q_head];
    w->q_head = (w->q_head + 1) % MAX_PARALLEL;
    w->q_len--;
    run_job(w, j);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static int fail_with_first(s3_writer *w, qb_err *err)
{
  if (err) *err = w->first_err;
  return w->first_err.code ? (int)w->first_err.code : QB_EINTERNAL;
}

typedef struct upload_id_ctx {
  char *id;
} upload_id_ctx;

static int upload_id_cb(void *ctx, qb_xml_event ev, const char *path, const char *t, size_t n, qb_err *err)
{
  upload_id_ctx *c = ctx;
  if (ev == QB_XML_CLOSE && !strcmp(path, "InitiateMultipartUploadResult/UploadId")) {
    free(c->id);
    c->id = strndup(t, n);
    if (!c->id) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  return QB_OK;
}

static int initiate(s3_writer *w, qb_err *err)
{
  qb_buf body;
  qb_buf_init(&body, XML_MAX);
  char *what = qb_str_printf("CreateMultipartUpload %s", w->base.path);
  qb_sigv4_kv q[] = {{"uploads", ""}};
  qb_sigv4_kv h[] = {{WRITE_ID_HEADER, w->write_id}};
  s3_req r = {.method = "POST", .bucket = w->u.bucket, .key = w->u.key, .query = q, .nq = 1, .hdrs = h, .nh = 1,
              .sink = &body, .what = what};
  qb_http_resp resp;
  int rc = what ? qb_s3__do(w->s, &r, &resp, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK && !ok2xx(&resp)) rc = qb_s3__fail(&resp, what, err);
  if (what) qb_http_resp_free(&resp);
  upload_id_ctx c = {NULL};
  if (rc == QB_OK && (rc = qb_xml_walk((const char *)body.p, body.n, upload_id_cb, &c, err)) == QB_ECORRUPT)
    qb_err_wrap(err, "%s", what);
  if (rc == QB_OK && (!c.id || !c.id[0])) rc = QB_FAIL(err, QB_ECORRUPT, "%s: the answer has no UploadId", what);
  if (rc == QB_OK) {
    w->upload_id = c.id;
    c.id = NULL;
  }
  free(c.id);
  free(what);
  qb_buf_free(&body);
  return rc;
}

/* Hand the filled buffer to the workers and take a fresh one. */
static int flush_part(s3_writer *w, qb_err *err)
{
  int rc;
  if (!w->upload_id && (rc = initiate(w, err)) != QB_OK) return rc;
  if (w->n_parts >= MAX_PARTS)
    return QB_FAIL(err, QB_ELIMIT, "%s: more than %d parts", w->base.path, MAX_PARTS);
  pthread_mutex_lock(&w->mu);
  if (w->n_parts >= w->etags_cap) {
    int cap = w->etags_cap ? w->etags_cap * 2 : 64;
    void *p = realloc(w->etags, (size_t)cap * sizeof *w->etags);
    if (!p) {
      pthread_mutex_unlock(&w->mu);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    w->etags = p;
    w->etags_cap = cap;
  }
  while (w->busy >= w->parallel && !w->failed) pthread_cond_wait(&w->cv, &w->mu);
  if (w->failed) {
    pthread_mutex_unlock(&w->mu);
    return fail_with_first(w, err);
  }
  part_job j = {++w->n_parts, w->buf, w->n, w->cap};
  w->etags[j.no - 1][0] = '\0';
  w->buf = NULL;
  w->n = w->cap = 0;
  w->busy++;
  if (w->n_thr < w->parallel && w->n_thr < w->busy &&
      pthread_create(&w->thr[w->n_thr], NULL, worker, w) == 0)
    w->n_thr++;
  if (w->n_thr == 0) {
    run_job(w, j); /* no thread could be started: upload it here */
  } else {
    w->queue[(w->q_head + w->q_len) % MAX_PARALLEL] = j;
    w->q_len++;
    pthread_cond_broadcast(&w->cv);
  }
  /* the next buffer: a spare one that is large enough, or a new one */
  size_t want = part_size_for(w, w->n_parts + 1);
  for (int i = 0; i < w->n_spare; i++) {
    if (w->spare[i].cap >= want) {
      w->buf = w->spare[i].p;
      w->cap = w->spare[i].cap;
      w->spare[i] = w->spare[--w->n_spare];
      break;
    }
  }
  pthread_mutex_unlock(&w->mu);
  if (!w->buf) {
    w->buf = malloc(want);
    if (!w->buf) return QB_FAIL(err, QB_ENOMEM, "out of memory for a %zu-byte part", want);
    w->cap = want;
  }
  return QB_OK;
}

static int sw_write(qb_writer *wb, const void *p, size_t n, qb_err *err)
{
  s3_writer *w = (s3_writer *)wb;
  const uint8_t *src = p;
  while (n) {
    if (w->n == w->cap) {
      size_t limit = w->mode == QB_CREATE_EXCLUSIVE ? EXCL_MAX : part_size_for(w, w->n_parts + 1);
      if (w->cap < limit) {
        size_t cap = w->cap ? w->cap * 2 : FIRST_BUF;
        if (cap > limit) cap = limit;
        uint8_t *nb = realloc(w->buf, cap);
        if (!nb) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", wb->path);
        w->buf = nb;
        w->cap = cap;
      } else if (w->mode == QB_CREATE_EXCLUSIVE) {
        return QB_FAIL(err, QB_ELIMIT, "%s: create-exclusive objects are one PUT of at most %zu bytes", wb->path,
                       EXCL_MAX);
      } else {
        int rc = flush_part(w, err);
        if (rc) return rc;
      }
    }
    size_t k = w->cap - w->n;
    if (k > n) k = n;
    memcpy(w->buf + w->n, src, k);
    w->n += k;
    src += k;
    n -= k;
  }
  return QB_OK;
}

/* Wait for every queued part and stop the workers. */
static void drain(s3_writer *w)
{
  pthread_mutex_lock(&w->mu);
  while (w->busy) pthread_cond_wait(&w->cv, &w->mu);
  w->stop = true;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  for (int i = 0; i < w->n_thr; i++) pthread_join(w->thr[i], NULL);
  w->n_thr = 0;
}

static void sw_free(s3_writer *w)
{
  free(w->buf);
  for (int i = 0; i < w->n_spare; i++) free(w->spare[i].p);
  free(w->etags);
  free(w->upload_id);
  free(w->what);
  free(w->base.path);
  qb_uri__free(&w->u);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w);
}

static void abort_upload(s3_writer *w)
{
  if (!w->upload_id) return;
  qb_sigv4_kv q[] = {{"uploadId", w->upload_id}};
  s3_req r = {.method = "DELETE", .bucket = w->u.bucket, .key = w->u.key, .query = q, .nq = 1, .what = w->what};
  qb_http_resp resp;
  qb_err ignored = QB_ERR_INIT;
  if (qb_s3__do(w->s, &r, &resp, &ignored) == QB_OK) qb_http_resp_free(&resp);
}

static int hexv(char c)
{
  return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, "-", part count. Empty if a part's ETag
 * is not a plain MD5 (then the object cannot be recognised). */
static void multipart_etag(const s3_writer *w, char out[64])
{
  out[0] = '\0';
  uint8_t *md5s = malloc((size_t)w->n_parts * 16);
  if (!md5s) return;
  for (int i = 0; i < w->n_parts; i++) {
    const char *e = w->etags[i];
    if (strlen(e) != 32) {
      free(md5s);
      return;
    }
    for (int k = 0; k < 16; k++) {
      int hi = hexv(e[2 * k]), lo = hexv(e[2 * k + 1]);
      if (hi < 0 || lo < 0) {
        free(md5s);
        return;
      }
      md5s[i * 16 + k] = (uint8_t)(hi * 16 + lo);
    }
  }
  uint8_t md5[16];
  qb_s3__md5(md5, md5s, (size_t)w->n_parts * 16);
  free(md5s);
  qb_hex_encode(out, md5, 16);
  snprintf(out + 32, 32, "-%d", w->n_parts);
}

/* A final error after an attempt that may have reached the store (its answer was lost, then a retry failed):
 * the object may be there all the same, so the write is QB_ECOMMIT_UNKNOWN, not a failure the caller may clean
 * up after (publish reads the version back; a transaction keeps the files it wrote). */
static int fail_maybe_applied(const qb_http_resp *resp, const char *what, qb_err *err)
{
  int rc = qb_s3__fail(resp, what, err);
  if (!resp->ambiguous) return rc;
  if (err) {
    err->code = QB_ECOMMIT_UNKNOWN;
    err->retryable = false;
    size_t ml = strlen(err->msg);
    snprintf(err->msg + ml, sizeof err->msg - ml, " (an earlier attempt whose answer was lost may have written it)");
  }
  return QB_ECOMMIT_UNKNOWN;
}

/* Did an earlier attempt of ours already publish the object? Its write id is ours (no other writer has that
 * UUID), or its ETag equals what we would have produced (an object written by an older qberg, a store that drops
 * user metadata). The ETag alone failed where the store makes it otherwise: SSE-KMS and SSE-C single PUTs, a
 * multipart ETag not derived from the part ETags, so such a write ended QB_ECOMMIT_UNKNOWN or QB_EEXISTS though
 * the object was ours (found by exploreI). */
static bool landed(s3_writer *w, const char *expected_etag)
{
  qb_http_resp resp;
  qb_err ignored = QB_ERR_INIT;
  if (qb_s3__head(w->s, w->u.bucket, w->u.key, &resp, w->what, &ignored) != QB_OK) return false;
  bool same = !strcmp(resp.write_id, w->write_id) || (expected_etag[0] && !strcmp(resp.etag, expected_etag));
  qb_http_resp_free(&resp);
  return same;
}

static int complete(s3_writer *w, qb_err *err)
{
  qb_buf body, answer;
  qb_buf_init(&body, QB_BUF_NOLIMIT);
  qb_buf_init(&answer, XML_MAX);
  int rc = qb_buf_puts(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">", err);
  for (int i = 0; i < w->n_parts && rc == QB_OK; i++)
    rc = qb_buf_printf(&body, err, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1, w->etags[i]);
  if (rc == QB_OK) rc = qb_buf_puts(&body, "</CompleteMultipartUpload>", err);
  char *what = qb_str_printf("CompleteMultipartUpload %s (%d parts)", w->base.path, w->n_parts);
  if (rc == QB_OK && !what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* a 200 whose body is <Error>InternalError</Error> (or SlowDown) did not complete: S3 says to retry it */
  bool earlier = false; /* an earlier Complete of ours may have completed the upload after all */
  for (int attempt = 1; rc == QB_OK; attempt++) {
    qb_sigv4_kv q[] = {{"uploadId", w->upload_id}};
    qb_sigv4_kv h[] = {{"Content-Type", "application/xml"}};
    s3_req r = {.method = "POST", .bucket = w->u.bucket, .key = w->u.key, .query = q, .nq = 1, .hdrs = h, .nh = 1,
                .body = body.p, .body_n = body.n, .sink = &answer, .what = what};
    qb_http_resp resp;
    rc = qb_s3__do(w->s, &r, &resp, err);
    if (rc != QB_OK) break;
    resp.ambiguous = resp.ambiguous || earlier;
    if (resp.status == 404 && resp.ambiguous) {
      /* NoSuchUpload after a lost answer: the first Complete may have worked. Check the object's ETag. */
      char expect[64];
      multipart_etag(w, expect);
      if (landed(w, expect)) {
        free(w->upload_id);
        w->upload_id = NULL;
      } else {
        rc = fail_maybe_applied(&resp, what, err);
      }
    } else if (!ok2xx(&resp)) {
      rc = fail_maybe_applied(&resp, what, err);
    } else {
      qb_err e = QB_ERR_INIT;
      rc = qb_s3__error_in_body(&answer, what, &e);
      if (rc != QB_OK && e.retryable && attempt <= qb_http_options(qb_s3__http(w->s))->max_retries) {
        earlier = resp.ambiguous;
        qb_http_resp_free(&resp);
        sleep_ms(qb_http_backoff_ms(qb_s3__http(w->s), attempt));
        rc = QB_OK;
        continue;
      }
      if (rc != QB_OK && err) *err = e;
    }
    qb_http_resp_free(&resp);
    break;
  }
  if (rc == QB_OK) {
    free(w->upload_id); /* completed: nothing to abort */
    w->upload_id = NULL;
  }
  free(what);
  qb_buf_free(&body);
  qb_buf_free(&answer);
  return rc;
}

static int head_absent(s3_writer *w, qb_err *err)
{
  qb_http_resp resp;
  int rc = qb_s3__head(w->s, w->u.bucket, w->u.key, &resp, w->what, err);
  qb_http_resp_free(&resp);
  if (rc == QB_OK) return QB_FAIL(err, QB_EEXISTS, "%s: already exists", w->base.path);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_OK;
  }
  return rc;
}

/* The whole object in one PUT. Exclusive: If-None-Match: * unless configured off. */
static int put_single(s3_writer *w, bool excl, qb_err *err)
{
  uint8_t md5[16];
  char md5b64[32], md5hex[33];
  qb_s3__md5(md5, w->buf, w->n);
  qb_s3__base64(md5b64, md5, 16);
  qb_hex_encode(md5hex, md5, 16);
  bool cond = excl && qb_s3__cond_mode(w->s) != QB_S3_COND_OFF;
  int rc;
  /* unless the store is known to honour If-None-Match, look first: a cheap, early QB_EEXISTS (not atomic) */
  if (excl && qb_s3__cond_state(w->s) != QB_S3_COND_HONOURED && (rc = head_absent(w, err)) != QB_OK) return rc;
  for (int attempt = 1;; attempt++) {
    qb_sigv4_kv h[3] = {{"Content-MD5", md5b64}, {WRITE_ID_HEADER, w->write_id}, {"If-None-Match", "*"}};
    s3_req r = {.method = "PUT", .bucket = w->u.bucket, .key = w->u.key, .hdrs = h, .nh = cond ? 3 : 2,
                .body = w->buf, .body_n = w->n, .what = w->what};
    qb_http_resp resp;
    rc = qb_s3__do(w->s, &r, &resp, err);
    if (rc) return rc;
    long st = resp.status;
    if (ok2xx(&resp)) {
      rc = QB_OK;
    } else if (st == 412 && excl) {
      /* after a lost answer our own first attempt may be what is there: same bytes, same MD5 ETag */
      if (resp.ambiguous && landed(w, md5hex))
        rc = QB_OK;
      else
        rc = QB_FAIL(err, QB_EEXISTS, "%s: already exists (HTTP 412)", w->base.path);
    } else if (st == 409 && cond && attempt <= CONFLICT_RETRIES) {
      /* ConditionalRequestConflict: another conditional write to this key is in flight; its outcome decides */
      qb_http_resp_free(&resp);
      sleep_ms(qb_http_backoff_ms(qb_s3__http(w->s), attempt));
      continue;
    } else if (st == 501 && cond) {
      /* the store does not implement conditional writes: say so, and fall back to check-then-write */
      qb_s3__set_cond_state(w->s, QB_S3_COND_IGNORED);
      cond = false;
      qb_http_resp_free(&resp);
      continue;
    } else {
      rc = fail_maybe_applied(&resp, w->what, err);
    }
    qb_http_resp_free(&resp);
    return rc;
  }
}

static int sw_close(qb_writer *wb, qb_err *err)
{
  s3_writer *w = (s3_writer *)wb;
  int rc;
  if (w->mode == QB_CREATE_EXCLUSIVE || !w->upload_id) {
    rc = put_single(w, w->mode == QB_CREATE_EXCLUSIVE, err);
  } else {
    rc = w->n ? flush_part(w, err) : QB_OK;
    drain(w);
    if (rc == QB_OK && w->failed) rc = fail_with_first(w, err);
    if (rc == QB_OK) rc = complete(w, err);
    if (rc) abort_upload(w);
  }
  sw_free(w);
  return rc;
}

static void sw_abort(qb_writer *wb)
{
  s3_writer *w = (s3_writer *)wb;
  pthread_mutex_lock(&w->mu);
  w->failed = true; /* queued parts are skipped */
  if (!w->first_err.code) w->first_err.code = QB_EIO;
  pthread_mutex_unlock(&w->mu);
  drain(w);
  abort_upload(w);
  sw_free(w);
}

static const struct qb_writer_ops s3_writer_ops = {sw_write, sw_close, sw_abort};

int qb_s3__create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err)
{
  s3_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_uri__parse(&w->u, path, err);
  if (rc) {
    free(w);
    return rc;
  }
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  w->base.ops = &s3_writer_ops;
  w->s = (s3_io *)io;
  w->mode = mode;
  qb_uuid_v4(w->write_id);
  w->parallel = qb_s3__parallel(w->s);
  if (w->parallel > MAX_PARALLEL) w->parallel = MAX_PARALLEL;
  w->base.path = strdup(path);
  w->what = qb_str_printf("PUT %s", path);
  if (w->u.kind != QB_URI_S3) rc = QB_FAIL(err, QB_EINVAL, "%s: not an s3:// path (this FileIO is for S3)", path);
  else if (!w->u.key[0]) rc = QB_FAIL(err, QB_EINVAL, "%s: names a bucket, not an object", path);
  else if (!w->base.path || !w->what) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) {
    sw_free(w);
    return rc;
  }
  *out = &w->base;
  return QB_OK;
}
