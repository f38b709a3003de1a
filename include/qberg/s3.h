/* SPDX-License-Identifier: Apache-2.0 */
/* S3 storage (Garage, radosgw, AWS): the backend's options and constructor, buckets, the conditional-PUT
 * probe result, and Garage's admin API v2 (what `qberg garage init` does). See docs/S3.md. */
#ifndef QBERG_S3_H
#define QBERG_S3_H

#include "qberg/fileio.h"

typedef enum {
  QB_S3_COND_AUTO = 0, /* send If-None-Match: *, but trust it only after qb_fileio_probe said it is honoured */
  QB_S3_COND_ON,       /* the store honours If-None-Match: * on PUT (AWS since 2024, radosgw): no probe needed */
  QB_S3_COND_OFF,      /* never send it (Garage ignores it): exclusive creates are check-then-write */
} qb_s3_cond_mode;

typedef enum {
  QB_S3_COND_UNKNOWN = 0, /* not probed (and mode AUTO) */
  QB_S3_COND_HONOURED,    /* a second conditional PUT got 412: create-exclusive is atomic */
  QB_S3_COND_IGNORED,     /* the second PUT overwrote: last writer wins, use a lock for commits */
} qb_s3_cond_state;

typedef struct qb_s3_options {
  int version;                   /* 1 */
  const char *endpoint;          /* "http://127.0.0.1:3900" or "garage:3900"; NULL: AWS (https://s3.REGION.amazonaws.com) */
  const char *region;            /* signing region; NULL: "us-east-1". Garage: its s3_region, usually "garage" */
  const char *access_key_id;     /* NULL: anonymous requests (unsigned) */
  const char *secret_access_key;
  const char *session_token;     /* NULL: none */
  int path_style;                /* 1: http://host/bucket/key; 0: http://bucket.host/key; -1: 1 with an endpoint, 0 on AWS */
  int ssl;                       /* scheme for an endpoint given without one: 1 https, 0 http; -1: https */
  qb_s3_cond_mode conditional_put;
  bool unsigned_payload;         /* sign UNSIGNED-PAYLOAD instead of the body's SHA-256 (faster; use over https) */
  bool tls_no_verify;            /* accept any server certificate (test setups only) */
  size_t part_size_bytes;        /* multipart part size; 0: 8 MiB; at least 5 MiB. Memory per writer: (parallel+1)×part */
  int parallel_parts;            /* parts uploaded at once per writer; 0: 4 */
  int max_retries;               /* -1: 6 (7 attempts) */
  long connect_timeout_ms;       /* 0: 5000 */
  long stall_timeout_ms;         /* a transfer without progress for this long fails (and is retried); 0: 30000;
                                  * whole seconds (rounded up), under 1000 is QB_EINVAL */
  long retry_base_ms;            /* first backoff, doubling up to 2 s, with jitter; 0: 50 */
} qb_s3_options;

#define QB_S3_OPTIONS_INIT {1, NULL, NULL, NULL, NULL, NULL, -1, -1, QB_S3_COND_AUTO, false, false, 0, 0, -1, 0, 0, 0}

/** The S3 backend. Credentials are kept in memory only and never appear in errors. */
QB_API int qb_fileio_s3_new(qb_fileio **out, const qb_s3_options *opts, qb_err *err) QB_WUR;

/** What the conditional-PUT probe found (or the configured mode implies); QB_S3_COND_UNKNOWN for local. */
QB_API qb_s3_cond_state qb_fileio_s3_conditional_put(const qb_fileio *io);

/** Create the bucket of `uri` ("s3://name"). Already owned by us: QB_OK. Taken by someone else: QB_EEXISTS. */
QB_API int qb_s3_bucket_create(qb_fileio *io, const char *uri, qb_err *err) QB_WUR;

typedef int (*qb_s3_bucket_fn)(void *ctx, const char *name, int64_t created_ms, qb_err *err);
/** Every bucket the credentials can see (ListBuckets). */
QB_API int qb_s3_bucket_list(qb_fileio *io, qb_s3_bucket_fn fn, void *ctx, qb_err *err) QB_WUR;

/* An unfinished multipart upload: begun (CreateMultipartUpload), neither completed nor aborted. A killed writer
 * leaves one; its parts take space (and are billed on AWS) until it is aborted. */
typedef int (*qb_s3_upload_fn)(void *ctx, const char *uri, const char *upload_id, int64_t initiated_ms, qb_err *err);
/** Every unfinished multipart upload whose key starts with the key of `prefix_uri` ("s3://b/pre"), in key order
 * (ListMultipartUploads). */
QB_API int qb_s3_upload_list(qb_fileio *io, const char *prefix_uri, qb_s3_upload_fn fn, void *ctx, qb_err *err) QB_WUR;
/** Abort one (AbortMultipartUpload): its parts are freed. One already gone (404 NoSuchUpload) is QB_OK. */
QB_API int qb_s3_upload_abort(qb_fileio *io, const char *uri, const char *upload_id, qb_err *err) QB_WUR;

/* ---- Garage admin API v2 (http://HOST:3903/v2/<Operation>, Authorization: Bearer <admin token>) ---- */

typedef struct qb_garage_init_options {
  int version;                /* 1 */
  const char *admin_endpoint; /* "http://127.0.0.1:3903" */
  const char *admin_token;    /* the [admin] admin_token of garage.toml, or a scoped token */
  const char *key_name;       /* NULL: "qberg"; an existing key of that name is reused */
  const char *const *buckets; /* NULL: "raw-results", "features", "mlflow-artifacts" */
  size_t n_buckets;
} qb_garage_init_options;

#define QB_GARAGE_INIT_OPTIONS_INIT {1, NULL, NULL, NULL, NULL, 0}

typedef struct qb_garage_key {
  char access_key_id[128];
  char secret_access_key[128]; /* secret: print it only where the user asked for it */
  bool created;                /* false: an existing key was reused */
} qb_garage_key;

/** Progress lines ("bucket features: created") for the caller to show; never contains the secret. */
typedef void (*qb_garage_log_fn)(void *ctx, const char *line);

/**
 * Idempotent set-up: check the cluster answers (GetClusterHealth), create or reuse the key (CreateKey /
 * GetKeyInfo), create the buckets that do not exist (GetBucketInfo / CreateBucket) and allow the key
 * read+write+owner on each (AllowBucketKey). QB_EAUTH for a rejected token.
 */
QB_API int qb_garage_init(qb_garage_key *out, const qb_garage_init_options *opts, qb_garage_log_fn log, void *ctx,
                          qb_err *err) QB_WUR;

#endif
