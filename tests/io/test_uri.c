/* SPDX-License-Identifier: Apache-2.0 */
/* Storage URIs: schemes, buckets and keys, and the one normalised spelling (s3a:// == s3://). */
#include "harness.h"
#include "io/uri.h"
#include "qberg/fileio.h"

QB_TEST(normalize_table)
{
  static const struct {
    const char *in, *out;
  } t[] = {
      {"s3://features/warehouse", "s3://features/warehouse"},
      {"s3a://features/warehouse", "s3://features/warehouse"},
      {"S3A://features/warehouse", "s3://features/warehouse"},
      {"s3n://features/warehouse/db/t", "s3://features/warehouse/db/t"},
      {"s3://bucket", "s3://bucket/"},
      {"s3://bucket/", "s3://bucket/"},
      {"s3://bucket/a//b/../c", "s3://bucket/a//b/../c"}, /* keys are bytes: never squashed */
      {"file:///tmp/wh/", "/tmp/wh"},
      {"file:/tmp//wh/./t", "/tmp/wh/t"},
      {"file://localhost/tmp/wh", "/tmp/wh"},
      {"/tmp/wh/../x", "/tmp/wh/../x"},
      {"rel/./dir/", "rel/dir"},
      {"./", "."},
      {"/", "/"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    char *out;
    qb_err err = QB_ERR_INIT;
    CHECK_OK(qb_uri_normalize(&out, t[i].in, &err), &err);
    if (strcmp(out, t[i].out)) fprintf(stderr, "  %s -> %s, want %s\n", t[i].in, out, t[i].out);
    EXPECT(!strcmp(out, t[i].out));
    free(out);
  }
}

QB_TEST(parse_and_errors)
{
  qb_uri u;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_uri__parse(&u, "s3a://raw-results/runs/2024/x.json", &err), &err);
  CHECK_EQ_INT(u.kind, QB_URI_S3);
  CHECK_EQ_STR(u.bucket, "raw-results");
  CHECK_EQ_STR(u.key, "runs/2024/x.json");
  qb_uri__free(&u);
  char *out;
  CHECK_FAIL(qb_uri_normalize(&out, "gs://b/k", &err), QB_EUNSUPPORTED, &err, "scheme 'gs' is not supported");
  CHECK_FAIL(qb_uri_normalize(&out, "s3:///k", &err), QB_EINVAL, &err, "no bucket name");
  CHECK_FAIL(qb_uri_normalize(&out, "s3://bu cket/k", &err), QB_EINVAL, &err, "invalid character in bucket");
  CHECK_FAIL(qb_uri_normalize(&out, "file://otherhost/x", &err), QB_EUNSUPPORTED, &err, "another host");
  CHECK_FAIL(qb_uri_normalize(&out, "", &err), QB_EINVAL, &err, "empty path");
  /* a colon inside a plain path is not a scheme */
  CHECK_OK(qb_uri_normalize(&out, "data/a:b", &err), &err);
  CHECK_EQ_STR(out, "data/a:b");
  free(out);
}
