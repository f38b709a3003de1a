/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot references (spec "Snapshot References"): branches and tags with retention, JSON as Java
 * SnapshotRefParser (optional keys omitted when unset) and SnapshotRef.Builder's validation. */
#include <string.h>
#include <strings.h>

#include "iceberg/iceberg_int.h"

int qb_ref__validate(const qb_ref *r, qb_err *err)
{
  if (r->type != QB_REF_BRANCH && r->type != QB_REF_TAG) return QB_FAIL(err, QB_EINVAL, "ref '%s': invalid type", r->name);
  if (r->type == QB_REF_TAG && r->min_snapshots_to_keep != -1)
    return QB_FAIL(err, QB_EINVAL, "ref '%s': tags do not support setting min-snapshots-to-keep", r->name);
  if (r->type == QB_REF_TAG && r->max_snapshot_age_ms != -1)
    return QB_FAIL(err, QB_EINVAL, "ref '%s': tags do not support setting max-snapshot-age-ms", r->name);
  if (r->min_snapshots_to_keep != -1 && r->min_snapshots_to_keep <= 0)
    return QB_FAIL(err, QB_EINVAL, "ref '%s': min-snapshots-to-keep must be greater than 0", r->name);
  if (r->max_snapshot_age_ms != -1 && r->max_snapshot_age_ms <= 0)
    return QB_FAIL(err, QB_EINVAL, "ref '%s': max-snapshot-age-ms must be greater than 0", r->name);
  if (r->max_ref_age_ms != -1 && r->max_ref_age_ms <= 0)
    return QB_FAIL(err, QB_EINVAL, "ref '%s': max-ref-age-ms must be greater than 0", r->name);
  return QB_OK;
}

int qb_ref__from_json(qb_ref *r, qb_arena *a, const char *name, const json_object *o, qb_err *err)
{
  const char *type;
  bool has;
  memset(r, 0, sizeof *r);
  r->min_snapshots_to_keep = -1;
  r->max_snapshot_age_ms = r->max_ref_age_ms = -1;
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse snapshot reference from a non-object: %s", qb_json_kind(o));
  int rc = qb_json_req_i64(&r->snapshot_id, o, "snapshot-id", err);
  if (!rc) rc = qb_json_req_str(&type, o, "type", err);
  if (!rc) rc = qb_json_opt_i32(&r->min_snapshots_to_keep, &has, o, "min-snapshots-to-keep", err);
  if (!rc && !has) r->min_snapshots_to_keep = -1;
  if (!rc) rc = qb_json_opt_i64(&r->max_snapshot_age_ms, &has, o, "max-snapshot-age-ms", err);
  if (!rc && !has) r->max_snapshot_age_ms = -1;
  if (!rc) rc = qb_json_opt_i64(&r->max_ref_age_ms, &has, o, "max-ref-age-ms", err);
  if (!rc && !has) r->max_ref_age_ms = -1;
  if (rc) return rc;
  if (!strcasecmp(type, "branch"))
    r->type = QB_REF_BRANCH;
  else if (!strcasecmp(type, "tag"))
    r->type = QB_REF_TAG;
  else
    return QB_FAIL(err, QB_ECORRUPT, "field 'type' must be 'branch' or 'tag', got '%s'", type);
  if (!(r->name = qb_ice__strdup(a, name, err))) return QB_ENOMEM;
  if ((rc = qb_ref__validate(r, err)) == QB_EINVAL) err->code = rc = QB_ECORRUPT;
  return rc;
}

void qb_ref__to_json(qb_jw *w, const qb_ref *r)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "snapshot-id");
  qb_jw_i64(w, r->snapshot_id);
  qb_jw_key(w, "type");
  qb_jw_str(w, r->type == QB_REF_TAG ? "tag" : "branch");
  if (r->min_snapshots_to_keep != -1) {
    qb_jw_key(w, "min-snapshots-to-keep");
    qb_jw_i64(w, r->min_snapshots_to_keep);
  }
  if (r->max_snapshot_age_ms != -1) {
    qb_jw_key(w, "max-snapshot-age-ms");
    qb_jw_i64(w, r->max_snapshot_age_ms);
  }
  if (r->max_ref_age_ms != -1) {
    qb_jw_key(w, "max-ref-age-ms");
    qb_jw_i64(w, r->max_ref_age_ms);
  }
  qb_jw_end_object(w);
}
