/* SPDX-License-Identifier: Apache-2.0 */
/* The few things the catalog itself reads from a table metadata document (Iceberg spec "Table Metadata
 * Fields"): location, table-uuid, metadata-log, and the commit/metadata table properties of iceberg.md §1.6
 * with Java's defaults (TableProperties.java). */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog_int.h"
#include "util/str.h"

/* Java's TableProperties defaults */
#define RETRY_NUM_DEFAULT 4
#define RETRY_MIN_WAIT_DEFAULT 100
#define RETRY_MAX_WAIT_DEFAULT 60000
#define RETRY_TOTAL_DEFAULT 1800000

static int prop_int(json_object *props, const char *key, int64_t dflt, int64_t lo, int64_t *out, const char *what,
                    qb_err *err)
{
  *out = dflt;
  json_object *v;
  if (!props || !json_object_object_get_ex(props, key, &v) || json_object_is_type(v, json_type_null)) return QB_OK;
  int64_t x;
  const char *s = json_object_get_string(v);
  /* Java: Integer.parseInt / Long.parseLong; a malformed value fails the operation */
  if (!json_object_is_type(v, json_type_string) || !qb_str_to_i64(s, &x))
    return QB_FAIL(err, QB_EINVAL, "%s: table property %s: '%s' is not an integer", what, key, s ? s : "");
  *out = x < lo ? lo : x;
  return QB_OK;
}

static const char *prop_str(json_object *props, const char *key)
{
  json_object *v;
  if (!props || !json_object_object_get_ex(props, key, &v) || !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

static char *dup_member(json_object *doc, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, json_type_string)) return NULL;
  return strdup(json_object_get_string(v));
}

int qb_meta_info_parse(qb_meta_info *out, const uint8_t *json, size_t n, const char *what, qb_err *err)
{
  memset(out, 0, sizeof *out);
  if (n > INT32_MAX) return QB_FAIL(err, QB_ELIMIT, "%s: %zu bytes of JSON is too large", what, n);
  json_tokener *tok = json_tokener_new_ex(64);
  if (!tok) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  json_object *doc = json_tokener_parse_ex(tok, (const char *)json, (int)n);
  enum json_tokener_error je = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  int rc = QB_OK;
  if (!doc || je != json_tokener_success) {
    rc = QB_FAIL(err, QB_ECORRUPT, "%s: not valid JSON at byte %zu: %s", what, end,
                 je == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(je));
    goto done;
  }
  for (size_t i = end; i < n; i++)
    if (json[i] != ' ' && json[i] != '\n' && json[i] != '\r' && json[i] != '\t') {
      rc = QB_FAIL(err, QB_ECORRUPT, "%s: trailing bytes after the JSON document at byte %zu", what, i);
      goto done;
    }
  if (!json_object_is_type(doc, json_type_object)) {
    rc = QB_FAIL(err, QB_ECORRUPT, "%s: table metadata is not a JSON object", what);
    goto done;
  }
  out->location = dup_member(doc, "location");
  out->uuid = dup_member(doc, "table-uuid");
  if (!out->location) {
    rc = QB_FAIL(err, QB_ECORRUPT, "%s: table metadata has no \"location\"", what);
    goto done;
  }
  json_object *props = NULL;
  if (json_object_object_get_ex(doc, "properties", &props) && !json_object_is_type(props, json_type_object))
    props = NULL;
  if ((rc = prop_int(props, "commit.retry.num-retries", RETRY_NUM_DEFAULT, 0, &out->retry_num, what, err)) ||
      (rc = prop_int(props, "commit.retry.min-wait-ms", RETRY_MIN_WAIT_DEFAULT, 0, &out->retry_min_ms, what, err)) ||
      (rc = prop_int(props, "commit.retry.max-wait-ms", RETRY_MAX_WAIT_DEFAULT, 0, &out->retry_max_ms, what, err)) ||
      (rc = prop_int(props, "commit.retry.total-timeout-ms", RETRY_TOTAL_DEFAULT, 0, &out->retry_total_ms, what,
                     err)))
    goto done;
  const char *s = prop_str(props, "write.metadata.delete-after-commit.enabled");
  out->delete_after_commit = s && !strcasecmp(s, "true"); /* Java Boolean.parseBoolean */
  s = prop_str(props, "write.metadata.compression-codec");
  out->gzip = s && !strcasecmp(s, "gzip");
  out->has_metadata_path = prop_str(props, "write.metadata.path") != NULL;
  json_object *log;
  if (json_object_object_get_ex(doc, "metadata-log", &log) && json_object_is_type(log, json_type_array)) {
    size_t k = json_object_array_length(log);
    out->log = calloc(k ? k : 1, sizeof *out->log);
    if (!out->log) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
      goto done;
    }
    for (size_t i = 0; i < k; i++) {
      json_object *e = json_object_array_get_idx(log, i), *f;
      if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "metadata-file", &f) ||
          !json_object_is_type(f, json_type_string)) {
        rc = QB_FAIL(err, QB_ECORRUPT, "%s: metadata-log entry %zu has no \"metadata-file\"", what, i);
        goto done;
      }
      if (!(out->log[out->n_log++] = strdup(json_object_get_string(f)))) {
        rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        goto done;
      }
    }
  }
done:
  json_object_put(doc);
  if (rc) qb_meta_info_free(out);
  return rc;
}

void qb_meta_info_free(qb_meta_info *mi)
{
  if (!mi) return;
  free(mi->location);
  free(mi->uuid);
  for (size_t i = 0; i < mi->n_log; i++) free(mi->log[i]);
  free(mi->log);
  memset(mi, 0, sizeof *mi);
}
