/* SPDX-License-Identifier: Apache-2.0 */
/* Tags and branches (spec "Snapshot References"; Java SnapshotManager / UpdateSnapshotReferencesOperation):
 * create, replace and remove refs with their retention settings, in metadata-only commits. */
#include <string.h>

#include "iceberg/evolve_int.h"

int qb_refs__set(const qb_ref *ref, bool replace, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err)
{
  if (!ref->name || !*ref->name) return QB_FAIL(err, QB_EINVAL, "a ref needs a name");
  qb_ref r = *ref;
  if (r.snapshot_id < 0) {
    r.snapshot_id = qb_table_metadata_current_snapshot_id(base);
    if (r.snapshot_id < 0) return QB_FAIL(err, QB_EINVAL, "the table has no snapshot to point '%s' at", ref->name);
  }
  if (!qb_table_metadata_snapshot_by_id(base, r.snapshot_id))
    return QB_FAIL(err, QB_ENOTFOUND, "no snapshot %lld", (long long)r.snapshot_id);
  if (r.type == QB_REF_TAG && (r.min_snapshots_to_keep != -1 || r.max_snapshot_age_ms != -1))
    return QB_FAIL(err, QB_EINVAL, "tags have no snapshot retention (min-snapshots-to-keep, max-snapshot-age-ms)");
  if (!strcmp(r.name, "main") && r.max_ref_age_ms != -1) return QB_FAIL(err, QB_EINVAL, "main never expires");
  const qb_ref *old = qb_table_metadata_ref(base, r.name);
  if (old && !replace) return QB_FAIL(err, QB_EEXISTS, "ref '%s' already exists", r.name);
  if (old && old->type != r.type)
    return QB_FAIL(err, QB_EINVAL, "'%s' is a %s; remove it before creating a %s of that name", r.name,
                   old->type == QB_REF_TAG ? "tag" : "branch", r.type == QB_REF_TAG ? "tag" : "branch");
  if (old) { /* a move keeps the retention it does not set (Java SnapshotRef.builderFrom in replaceBranch/Tag) */
    if (r.max_ref_age_ms == -1) r.max_ref_age_ms = old->max_ref_age_ms;
    if (r.min_snapshots_to_keep == -1) r.min_snapshots_to_keep = old->min_snapshots_to_keep;
    if (r.max_snapshot_age_ms == -1) r.max_snapshot_age_ms = old->max_snapshot_age_ms;
  }
  return qb_metadata_builder_set_ref(b, &r, err);
}

int qb_refs__remove(const char *name, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err)
{
  if (!strcmp(name, "main")) return QB_FAIL(err, QB_EINVAL, "main cannot be removed");
  if (!qb_table_metadata_ref(base, name)) return QB_FAIL(err, QB_ENOTFOUND, "no branch or tag '%s'", name);
  return qb_metadata_builder_remove_ref(b, name, err);
}
