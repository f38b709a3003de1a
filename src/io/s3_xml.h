/* SPDX-License-Identifier: Apache-2.0 */
/* The little XML S3 speaks (ListObjectsV2, errors, multipart, DeleteObjects results): a bounded walker that
 * reports each element by its path ("ListBucketResult/Contents/Key") with its decoded text. No DTDs, no
 * external entities, no dependency. */
#ifndef QB_IO_S3_XML_H
#define QB_IO_S3_XML_H

#include <stddef.h>

#include "qberg/err.h"
#include "util/buf.h"

#define QB_XML_MAX_DEPTH 16
#define QB_XML_MAX_PATH 512

typedef enum { QB_XML_OPEN, QB_XML_CLOSE } qb_xml_event;

/* OPEN: `path` names the element just opened (text is empty). CLOSE: its direct text, entities decoded.
 * Namespace prefixes are dropped from names. A non-zero return stops the walk and is returned. */
typedef int (*qb_xml_fn)(void *ctx, qb_xml_event ev, const char *path, const char *text, size_t text_n,
                         qb_err *err);

/** Walk `doc`; malformed XML is QB_ECORRUPT naming the byte offset. */
int qb_xml_walk(const char *doc, size_t n, qb_xml_fn fn, void *ctx, qb_err *err);

/** Append `s` escaped for XML text (&, <, >, ", '); characters XML 1.0 cannot carry are QB_EINVAL. */
int qb_xml_escape(qb_buf *b, const char *s, qb_err *err);

/* An S3 <Error> document. */
typedef struct qb_s3_error {
  char code[64];
  char message[256];
  char key[256];
  char request_id[128];
  char endpoint[256]; /* <Endpoint>: where a 301 PermanentRedirect says to send the request */
} qb_s3_error;

/** Parse an <Error> body; QB_OK with code[0]=='\0' when the document is not one. */
int qb_s3_error_parse(qb_s3_error *out, const char *doc, size_t n, qb_err *err);

/* One page of ListObjectsV2. Entries are reported through `fn` as they are parsed. */
typedef struct qb_s3_list_entry {
  const char *key; /* decoded (encoding-type=url undone) */
  size_t key_n;
  uint64_t size;
  int64_t mtime_ms;
  const char *etag;
  bool is_prefix; /* a <CommonPrefixes> entry (delimiter given): key is the sub-prefix, ending in it */
} qb_s3_list_entry;

typedef int (*qb_s3_list_fn)(void *ctx, const qb_s3_list_entry *e, qb_err *err);

typedef struct qb_s3_list_page {
  bool truncated;
  char *next_token; /* malloc'd, NULL when absent */
  size_t n_keys;
} qb_s3_list_page;

int qb_s3_list_parse(qb_s3_list_page *out, const char *doc, size_t n, qb_s3_list_fn fn, void *ctx, qb_err *err);

/* One page of ListMultipartUploads: the uploads begun and neither completed nor aborted. */
typedef struct qb_s3_upload_entry {
  const char *key; /* decoded (encoding-type=url undone) */
  size_t key_n;
  const char *upload_id;
  int64_t initiated_ms; /* 0 when absent or unreadable */
} qb_s3_upload_entry;

typedef int (*qb_s3_upload_entry_fn)(void *ctx, const qb_s3_upload_entry *e, qb_err *err);

typedef struct qb_s3_uploads_page {
  bool truncated;
  char *next_key_marker;       /* malloc'd, NULL when absent */
  char *next_upload_id_marker; /* malloc'd, NULL when absent */
  size_t n_uploads;
} qb_s3_uploads_page;

/** Parse a ListMultipartUploadsResult; a truncated page without NextKeyMarker is QB_ECORRUPT. */
int qb_s3_uploads_parse(qb_s3_uploads_page *out, const char *doc, size_t n, qb_s3_upload_entry_fn fn, void *ctx,
                        qb_err *err);
void qb_s3_uploads_page_free(qb_s3_uploads_page *p);

/** ISO-8601 "2009-10-12T17:50:30.000Z" or RFC 1123 "Mon, 12 Oct 2009 17:50:30 GMT" → ms since epoch; -1 if bad. */
int64_t qb_s3_parse_time(const char *s);

#endif
