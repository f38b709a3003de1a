/* SPDX-License-Identifier: Apache-2.0 */
/* The only libcurl user in qberg: one HTTP/1.1 request at a time per call, connections reused through a pool of
 * easy handles (plus a share for DNS and TLS sessions), timeouts, and retries with exponential backoff and
 * jitter on 5xx, 429 and connection failures — never on other 4xx answers, which the caller interprets. A
 * retried answer's Retry-After is honoured, up to QB_HTTP_RETRY_AFTER_MAX_MS. */
#ifndef QB_IO_HTTP_H
#define QB_IO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"
#include "util/buf.h"

typedef struct qb_http qb_http;

typedef struct qb_http_opts {
  long connect_timeout_ms; /* TCP/TLS connect */
  long stall_timeout_ms;   /* abort a transfer that moved no byte for this long (>= 1 s; whole seconds, rounded up) */
  long request_timeout_ms; /* whole request; 0 = none (large transfers) */
  int max_retries;         /* extra attempts after the first */
  long retry_base_ms;      /* first backoff; doubles per attempt */
  long retry_max_ms;       /* backoff cap */
  bool tls_verify;         /* verify the server certificate (https) */
} qb_http_opts;

#define QB_HTTP_OPTS_INIT {5000, 30000, 0, 6, 50, 2000, true}

/* The longest pause a server's Retry-After gets before a retry (a longer one waits this long). */
#define QB_HTTP_RETRY_AFTER_MAX_MS 20000L

/** Thread-safe: one qb_http serves any number of threads. */
int qb_http_new(qb_http **out, const qb_http_opts *opts, qb_err *err);
void qb_http_free(qb_http *h);
const qb_http_opts *qb_http_options(const qb_http *h);

#define QB_HTTP_MAX_HEADERS 16

/* What one attempt sends; filled by the caller's prepare callback before every attempt, so signatures carry a
 * fresh date. Strings are malloc'd by the callback and freed by qb_http_perform. */
typedef struct qb_http_attempt {
  char *url;
  char *headers[QB_HTTP_MAX_HEADERS]; /* "Name: value" */
  size_t n_headers;
} qb_http_attempt;

typedef int (*qb_http_prepare_fn)(void *ctx, qb_http_attempt *a, qb_err *err);

typedef struct qb_http_req {
  const char *method;   /* GET HEAD PUT POST DELETE */
  const void *body;     /* request body, kept by the caller for retries; NULL = none */
  size_t body_n;
  void *dst;            /* 2xx body into this fixed buffer (range reads) ... */
  size_t dst_cap;       /* ... which must be filled exactly */
  uint64_t dst_skip;    /* bytes of a 200 answer to skip first (the server ignored our Range) */
  qb_buf *sink;         /* ... or into this growable buffer (reset per attempt); NULL: discarded */
  const char *what;     /* "GET s3://b/k" for messages */
  int retries_spent;    /* retries an earlier perform of the same request used (after a redirect): they count
                         * against max_retries */
} qb_http_req;

typedef struct qb_http_resp {
  long status;             /* final HTTP status; 0 if no answer */
  int attempts;            /* requests sent */
  bool ambiguous;          /* an earlier attempt failed after it may have reached the server */
  bool has_length;
  uint64_t content_length;
  size_t dst_n;            /* bytes stored into dst */
  char etag[128];          /* without the quotes */
  char request_id[128];    /* x-amz-request-id (or Garage/RGW's equivalent) */
  char content_range[128];
  char last_modified[64];
  char write_id[64];       /* x-amz-meta-qberg-write-id: the writer that stored the object (S3 writer) */
  char bucket_region[64];  /* x-amz-bucket-region (AWS: with a 301 or 400 for a bucket of another region) */
  char location[1024];     /* Location (a redirect) */
  char redirect_shown[300]; /* set by the S3 layer: where a redirect not followed pointed */
  bool redirect_loop;       /* set by the S3 layer: still redirected after the hops it follows */
  long retry_after_ms;     /* Retry-After of the answer (seconds or an HTTP date), 0 = none */
  qb_buf err_body;         /* body of a non-2xx answer (first 64 KiB); qb_http_resp_free */
} qb_http_resp;

/**
 * Run the request, retrying transient failures. QB_OK means an HTTP answer arrived (any status: the caller
 * maps 4xx/5xx); QB_ENET when no answer came after all attempts (os_code = CURLcode), QB_ECORRUPT when a
 * 2xx body did not fit dst/sink. `resp` must be zeroed (or fresh) before the call.
 */
int qb_http_perform(qb_http *h, const qb_http_req *req, qb_http_prepare_fn prepare, void *ctx, qb_http_resp *resp,
                    qb_err *err);
void qb_http_resp_free(qb_http_resp *r);

/** The pause before retry number `attempt` (1-based): exponential with jitter, for callers' own retry loops. */
long qb_http_backoff_ms(const qb_http *h, int attempt);

#endif
