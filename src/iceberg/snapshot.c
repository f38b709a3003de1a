/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshots (spec "Snapshots"): JSON as Java SnapshotParser reads and writes it (sequence-number only
 * when > 0, summary with "operation" first, manifest-list or v1 inline manifests, schema-id). */
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "util/str.h"

static int summary_from_json(qb_snapshot *s, qb_arena *a, const json_object *o, qb_err *err)
{
  size_t n = (size_t)json_object_object_length(o), k = 0;
  qb_kv *kv = qb_ice__alloc(a, n, sizeof *kv, err);
  if (!kv) return QB_ENOMEM;
  json_object_object_foreach((json_object *)o, key, val)
  {
    const char *v;
    (void)val;
    int rc = qb_json_req_str(&v, o, key, err);
    if (rc) return rc;
    char *copy = qb_ice__strdup(a, v, err);
    if (!copy) return QB_ENOMEM;
    if (!strcmp(key, "operation")) {
      s->operation = copy;
      continue;
    }
    if (!(kv[k].key = qb_ice__strdup(a, key, err))) return QB_ENOMEM;
    kv[k++].value = copy;
  }
  /* Java: a non-empty summary without an operation is read as "overwrite" so it stays readable. */
  if (n && !s->operation) s->operation = "overwrite";
  s->summary = kv;
  s->n_summary = k;
  return QB_OK;
}

int qb_snapshot__from_json(qb_snapshot *s, qb_arena *a, const json_object *o, qb_err *err)
{
  bool has;
  memset(s, 0, sizeof *s);
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse snapshot from a non-object: %s", qb_json_kind(o));
  int rc = qb_json_opt_i64(&s->sequence_number, &has, o, "sequence-number", err);
  if (!rc) rc = qb_json_req_i64(&s->snapshot_id, o, "snapshot-id", err);
  if (!rc) rc = qb_json_opt_i64(&s->parent_id, &s->has_parent, o, "parent-snapshot-id", err);
  if (!rc) rc = qb_json_req_i64(&s->timestamp_ms, o, "timestamp-ms", err);
  if (!rc) rc = qb_json_opt_i32(&s->schema_id, &s->has_schema_id, o, "schema-id", err);
  if (rc) return rc;
  if (s->sequence_number < 0) return QB_FAIL(err, QB_ECORRUPT, "field 'sequence-number' must not be negative");
  json_object *sum;
  if ((rc = qb_json_opt_object(&sum, o, "summary", err))) return rc;
  if (sum && (rc = summary_from_json(s, a, sum, err))) return qb_err_wrap(err, "summary");
  const char *ml;
  if ((rc = qb_json_opt_str(&ml, o, "manifest-list", err))) return rc;
  if (ml) {
    s->manifest_list = qb_ice__strdup(a, ml, err);
    return s->manifest_list ? QB_OK : QB_ENOMEM;
  }
  json_object *arr;
  if ((rc = qb_json_req_array(&arr, o, "manifests", err)))
    return QB_FAIL(err, QB_ECORRUPT, "missing required field 'manifest-list' (or v1 'manifests')");
  size_t n = json_object_array_length(arr);
  const char **m = qb_ice__alloc(a, n, sizeof *m, err);
  if (!m) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(arr, i);
    if (!json_object_is_type(e, json_type_string))
      return QB_FAIL(err, QB_ECORRUPT, "field 'manifests' must hold strings, got %s", qb_json_kind(e));
    if (!(m[i] = qb_ice__strdup(a, json_object_get_string(e), err))) return QB_ENOMEM;
  }
  s->manifests = m;
  s->n_manifests = n;
  return QB_OK;
}

void qb_snapshot__to_json(qb_jw *w, const qb_snapshot *s)
{
  qb_jw_begin_object(w);
  if (s->sequence_number > 0) {
    qb_jw_key(w, "sequence-number");
    qb_jw_i64(w, s->sequence_number);
  }
  qb_jw_key(w, "snapshot-id");
  qb_jw_i64(w, s->snapshot_id);
  if (s->has_parent) {
    qb_jw_key(w, "parent-snapshot-id");
    qb_jw_i64(w, s->parent_id);
  }
  qb_jw_key(w, "timestamp-ms");
  qb_jw_i64(w, s->timestamp_ms);
  if (s->operation) {
    qb_jw_key(w, "summary");
    qb_jw_begin_object(w);
    qb_jw_key(w, "operation");
    qb_jw_str(w, s->operation);
    for (size_t i = 0; i < s->n_summary; i++) {
      qb_jw_key(w, s->summary[i].key);
      qb_jw_str(w, s->summary[i].value);
    }
    qb_jw_end_object(w);
  }
  if (s->manifest_list) {
    qb_jw_key(w, "manifest-list");
    qb_jw_str(w, s->manifest_list);
  } else {
    qb_jw_key(w, "manifests");
    qb_jw_begin_array(w);
    for (size_t i = 0; i < s->n_manifests; i++) qb_jw_str(w, s->manifests[i]);
    qb_jw_end_array(w);
  }
  if (s->has_schema_id) {
    qb_jw_key(w, "schema-id");
    qb_jw_i64(w, s->schema_id);
  }
  qb_jw_end_object(w);
}

int qb_snapshot__copy(qb_snapshot *out, qb_arena *a, const qb_snapshot *src, qb_err *err)
{
  *out = *src;
  if (src->manifest_list && !(out->manifest_list = qb_ice__strdup(a, src->manifest_list, err))) return QB_ENOMEM;
  if (src->operation && !(out->operation = qb_ice__strdup(a, src->operation, err))) return QB_ENOMEM;
  if (src->n_manifests) {
    const char **m = qb_ice__alloc(a, src->n_manifests, sizeof *m, err);
    if (!m) return QB_ENOMEM;
    for (size_t i = 0; i < src->n_manifests; i++)
      if (!(m[i] = qb_ice__strdup(a, src->manifests[i], err))) return QB_ENOMEM;
    out->manifests = m;
  }
  qb_kv *kv = NULL;
  int rc = qb_kv__copy(&kv, a, src->summary, src->n_summary, err);
  out->summary = kv;
  return rc;
}

const char *qb_snapshot_summary_get(const qb_snapshot *s, const char *key)
{
  if (!strcmp(key, "operation")) return s->operation;
  for (size_t i = 0; i < s->n_summary; i++)
    if (!strcmp(s->summary[i].key, key)) return s->summary[i].value;
  return NULL;
}

void qb_snapshot_origin(const qb_snapshot *s, int64_t *id, int64_t *parent)
{
  *id = s->snapshot_id;
  *parent = s->has_parent ? s->parent_id : -1;
  if (!s->operation || strcmp(s->operation, "replace")) return;
  const char *f = qb_snapshot_summary_get(s, QB_SUMMARY_CARRIED_FROM);
  const char *p = qb_snapshot_summary_get(s, QB_SUMMARY_CARRIED_PARENT);
  int64_t a, b;
  if (f && p && qb_str_to_i64(f, &a) && qb_str_to_i64(p, &b)) {
    *id = a;
    *parent = b;
  }
}
