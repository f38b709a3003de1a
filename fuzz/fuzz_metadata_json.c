/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: table metadata JSON (and schema JSON). Anything that loads must write and load back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qberg/qberg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_table_metadata *md = NULL;
  if (qb_table_metadata_parse(&md, data, size, &err) == QB_OK) {
    for (unsigned flags = 0; flags <= QB_METADATA_JSON_PRETTY; flags++) {
      char *js = NULL;
      size_t n = 0;
      qb_table_metadata *back = NULL;
      if (qb_table_metadata_to_json(&js, &n, md, flags, &err) != QB_OK) abort();
      if (qb_table_metadata_parse(&back, js, n, &err) != QB_OK) abort();
      if (!qb_table_metadata_equal(md, back)) abort();
      qb_table_metadata_free(back);
      free(js);
    }
    qb_table_metadata_free(md);
  }
  qb_schema *s = NULL;
  if (qb_schema_parse_json(&s, (const char *)data, size, &err) == QB_OK) {
    char *js = NULL;
    qb_schema *back = NULL;
    if (qb_schema_to_json(&js, s, &err) != QB_OK) abort();
    if (qb_schema_parse_json(&back, js, strlen(js), &err) != QB_OK || !qb_schema_same(s, back)) abort();
    qb_schema_free(back);
    free(js);
    qb_schema_free(s);
  }
  return 0;
}
