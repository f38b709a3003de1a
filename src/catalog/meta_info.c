/* SPDX-License-Identifier: Apache-2.0 */
/* The table properties the catalog acts on (iceberg.md §1.6), read with Java's defaults and parsing rules
 * (TableProperties.java, PropertyUtil): commit.retry.*, write.metadata.delete-after-commit.enabled,
 * write.metadata.compression-codec, write.metadata.path. */
#include <strings.h>

#include "catalog/catalog_int.h"
#include "util/str.h"

void qb_meta_info_defaults(qb_meta_info *out)
{
  *out = (qb_meta_info){NULL, 4, 100, 60000, 1800000, false, false, false};
}

static int prop_int(const qb_table_metadata *md, const char *key, int64_t *out, qb_err *err)
{
  const char *s = qb_table_metadata_property(md, key);
  if (!s) return QB_OK;
  int64_t x;
  /* Java: Integer.parseInt / Long.parseLong; a malformed value fails the commit */
  if (!qb_str_to_i64(s, &x)) return QB_FAIL(err, QB_EINVAL, "table property %s: '%s' is not an integer", key, s);
  *out = x < 0 ? 0 : x;
  return QB_OK;
}

int qb_meta_info_from(qb_meta_info *out, const qb_table_metadata *md, qb_err *err)
{
  qb_meta_info_defaults(out);
  out->md = md;
  int rc;
  if ((rc = prop_int(md, "commit.retry.num-retries", &out->retry_num, err)) ||
      (rc = prop_int(md, "commit.retry.min-wait-ms", &out->retry_min_ms, err)) ||
      (rc = prop_int(md, "commit.retry.max-wait-ms", &out->retry_max_ms, err)) ||
      (rc = prop_int(md, "commit.retry.total-timeout-ms", &out->retry_total_ms, err)))
    return rc;
  const char *s = qb_table_metadata_property(md, "write.metadata.delete-after-commit.enabled");
  out->delete_after_commit = s && !strcasecmp(s, "true"); /* Java Boolean.parseBoolean */
  s = qb_table_metadata_property(md, "write.metadata.compression-codec");
  out->gzip = s && !strcasecmp(s, "gzip");
  out->has_metadata_path = qb_table_metadata_property(md, "write.metadata.path") != NULL;
  return QB_OK;
}
