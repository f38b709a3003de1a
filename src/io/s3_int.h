/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the S3 backend's files: s3.c (requests, reads, listing, deletes, probe) and s3_writer.c (PUT and
 * multipart uploads). */
#ifndef QB_IO_S3_INT_H
#define QB_IO_S3_INT_H

#include "io/fileio_int.h"
#include "io/http.h"
#include "io/s3_sigv4.h"
#include "qberg/config.h"
#include "qberg/s3.h"

typedef struct s3_io s3_io;

#define S3_MAX_HDRS 6 /* extra headers per request; all of them are signed */

typedef struct s3_req {
  const char *method;
  const char *bucket;       /* NULL: service level (ListBuckets) */
  const char *key;          /* NULL: bucket level */
  const qb_sigv4_kv *query; /* decoded; encoded and sorted by the signer */
  size_t nq;
  const qb_sigv4_kv *hdrs;
  size_t nh;
  const void *body;
  size_t body_n;
  void *dst; /* fixed 2xx body sink (see qb_http_req) */
  size_t dst_cap;
  uint64_t dst_skip;
  qb_buf *sink; /* growable 2xx body sink */
  const char *what; /* "PUT s3://b/k": the start of every message */
} s3_req;

/** Sign (afresh per attempt) and run `r`. QB_OK means an answer arrived: check resp->status. */
int qb_s3__do(s3_io *s, const s3_req *r, qb_http_resp *resp, qb_err *err);
/** Turn a non-2xx answer into an error: 404 QB_ENOTFOUND, 401/403 QB_EAUTH, 412 QB_EEXISTS, 409 QB_ECONFLICT,
 * 400 QB_EINVAL, else QB_EIO; os_code = the HTTP status. */
int qb_s3__fail(const qb_http_resp *resp, const char *what, qb_err *err);
/** A 200 answer carrying an <Error> document (CopyObject, CompleteMultipartUpload) as an error. */
int qb_s3__error_in_body(const qb_buf *body, const char *what, qb_err *err);
/** HEAD; a non-2xx answer is an error. */
int qb_s3__head(s3_io *s, const char *bucket, const char *key, qb_http_resp *resp, const char *what, qb_err *err);

int qb_s3__create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err);

/** Read the credentials again from `cfg`'s sources (a copy is kept) when the store refuses them as expired or
 * unknown; a FileIO that is not S3 is left alone. */
int qb_s3__creds_from(qb_fileio *io, const qb_config *cfg, qb_err *err);

void qb_s3__set_cond_state(s3_io *s, qb_s3_cond_state st);
qb_s3_cond_state qb_s3__cond_state(const s3_io *s);
qb_s3_cond_mode qb_s3__cond_mode(const s3_io *s);
size_t qb_s3__part_size(const s3_io *s);
int qb_s3__parallel(const s3_io *s);
qb_http *qb_s3__http(const s3_io *s);

void qb_s3__md5(uint8_t out[16], const void *p, size_t n);
/** Base64 of n bytes into out (4*ceil(n/3)+1 bytes). */
void qb_s3__base64(char *out, const uint8_t *p, size_t n);

#endif
