/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: S3 XML answers (ListObjectsV2 pages, <Error> documents) from an untrusted server. */
#include <stdint.h>
#include <stdlib.h>

#include "io/s3_xml.h"

static int count(void *ctx, const qb_s3_list_entry *e, qb_err *err)
{
  volatile size_t sink = e->key_n + e->size;
  (void)sink;
  return QB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_s3_list_page pg;
  if (qb_s3_list_parse(&pg, (const char *)data, size, count, NULL, &err) == QB_OK) free(pg.next_token);
  qb_s3_error e;
  (void)qb_s3_error_parse(&e, (const char *)data, size, &err);
  return 0;
}
