/* SPDX-License-Identifier: Apache-2.0 */
/* Storage URIs: s3:// (and the Hadoop spellings s3a://, s3n://), file:, plain local paths. */
#ifndef QB_IO_URI_H
#define QB_IO_URI_H

#include "qberg/err.h"

typedef enum { QB_URI_LOCAL, QB_URI_S3 } qb_uri_kind;

typedef struct qb_uri {
  qb_uri_kind kind;
  char *bucket; /* S3 only; NULL for local */
  char *key;    /* S3: object key ("" for the bucket root); local: the normalised path */
} qb_uri;

/** Split `uri`. s3a://b/k and s3://b/k give the same result. Unknown schemes are QB_EUNSUPPORTED. */
int qb_uri__parse(qb_uri *out, const char *uri, qb_err *err);
/** NULL-safe; leaves `u` zeroed. */
void qb_uri__free(qb_uri *u);

#endif
