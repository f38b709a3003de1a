/* SPDX-License-Identifier: Apache-2.0 */
/* AWS Signature Version 4 (header and presigned-query forms), signed with OpenSSL.
 * We sign ourselves because libcurl 7.88's CURLOPT_AWS_SIGV4 mis-canonicalises queries and headers. */
#ifndef QB_IO_S3_SIGV4_H
#define QB_IO_S3_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"

#define QB_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* SHA-256 of the empty string: the payload hash of a request without a body. */
#define QB_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct qb_sigv4_kv {
  const char *name;
  const char *value;
} qb_sigv4_kv;

typedef struct qb_sigv4_creds {
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token; /* NULL: none; signed as x-amz-security-token */
  const char *region;        /* "garage", "us-east-1" */
  const char *service;       /* "s3" */
} qb_sigv4_creds;

typedef struct qb_sigv4_request {
  const char *method;        /* "GET" */
  const char *path;          /* decoded path bytes, "/bucket/a b"; encoded once by the signer */
  bool normalize_path;       /* non-S3 services: drop "." ".." and empty segments. S3: false */
  const qb_sigv4_kv *query;  /* decoded names and values; a valueless subresource has value "" */
  size_t n_query;
  const qb_sigv4_kv *headers; /* headers to sign (any case); must hold Host; duplicates are joined by ',' */
  size_t n_headers;
  const char *payload_hash;   /* lowercase hex SHA-256 of the body, or QB_SIGV4_UNSIGNED_PAYLOAD */
  bool content_sha256_header; /* also sign and send x-amz-content-sha256 (S3 requires it) */
  int64_t now_ms;             /* request time, ms since the epoch (qb_now_ms honours QB_TEST_NOW) */
} qb_sigv4_request;

/* Everything the signer produced; strings are malloc'd, freed by qb_sigv4_result_free. */
typedef struct qb_sigv4_result {
  char amz_date[17];       /* "20150830T123600Z": send as x-amz-date (header form) */
  char *canonical_uri;     /* the encoded path: send exactly this */
  char *canonical_query;   /* encoded and sorted: send exactly this after '?' (presign: with X-Amz-Signature) */
  char *canonical_request;
  char *string_to_sign;
  char *signed_headers; /* "host;x-amz-date" */
  char signature[65];   /* lowercase hex */
  char *authorization;  /* header form: the Authorization value; presign: NULL */
} qb_sigv4_result;

/** Header form: sign `r` with `c`. The caller sends x-amz-date (and x-amz-content-sha256, x-amz-security-token
 * when asked for or present) plus Authorization. */
int qb_sigv4_sign(qb_sigv4_result *out, const qb_sigv4_creds *c, const qb_sigv4_request *r, qb_err *err);

/** Presigned-URL form: the X-Amz-* parameters go into the query; `expires_s` seconds of validity.
 * `token_in_query`: put the session token into the signed query (false: the caller adds it afterwards). */
int qb_sigv4_presign(qb_sigv4_result *out, const qb_sigv4_creds *c, const qb_sigv4_request *r, int64_t expires_s,
                     bool token_in_query, qb_err *err);

/** NULL-safe; leaves `r` zeroed. */
void qb_sigv4_result_free(qb_sigv4_result *r);

/** RFC 3986 percent-encoding as SigV4 wants it: every byte outside A-Za-z0-9-_.~ becomes %XX (upper case);
 * '/' is kept when `keep_slash`. Appends to `b`. */
struct qb_buf;
int qb_sigv4_uri_encode(struct qb_buf *b, const char *s, size_t n, bool keep_slash, qb_err *err);

/** Lowercase hex SHA-256 of p[0..n) into out[65]. */
void qb_sigv4_sha256_hex(char out[65], const void *p, size_t n);

#endif
