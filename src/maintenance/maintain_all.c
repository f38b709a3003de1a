/* SPDX-License-Identifier: Apache-2.0 */
/* The maintenance routine of one table, in the order that makes each step cheapest for the next (iceberg.md
 * §7, PART III pain points 1, 4-7): expire first (fewer snapshots to keep files for), compact, cluster the
 * manifests, then remove orphans (including files earlier runs failed to delete) and old metadata files. */
#include <string.h>

#include "qberg/maintenance.h"
#include "util/clock.h"

#define DAY_MS 86400000LL

const char *qb_maint_file_kind_name(qb_maint_file_kind kind)
{
  switch (kind) {
  case QB_MAINT_DATA: return "data";
  case QB_MAINT_DELETES: return "deletes";
  case QB_MAINT_MANIFEST: return "manifest";
  case QB_MAINT_MANIFEST_LIST: return "manifest-list";
  case QB_MAINT_STATISTICS: return "statistics";
  case QB_MAINT_METADATA: return "metadata";
  case QB_MAINT_ORPHAN: return "orphan";
  case QB_MAINT_UPLOAD: return "upload";
  }
  return "?";
}

const char *qb_maintain_step_name(qb_maintain_step step)
{
  static const char *const names[] = {"expire-snapshots", "compact", "rewrite-manifests", "remove-orphans",
                                      "clean-metadata"};
  return (unsigned)step < QB_MAINTAIN_STEPS ? names[step] : "?";
}

int qb_maintain_table(qb_table *t, const qb_maintain_options *opts, qb_maintain_report *out, qb_err *err)
{
  qb_maintain_options defaults = QB_MAINTAIN_OPTIONS_INIT;
  const qb_maintain_options *o = opts ? opts : &defaults;
  qb_maintain_report rep;
  memset(&rep, 0, sizeof rep);
  int64_t now = o->now_ms ? o->now_ms : qb_now_ms();
  int first = QB_OK;
  for (int step = 0; step < QB_MAINTAIN_STEPS; step++) {
    qb_err *e = &rep.errors[step];
    qb_err_clear(e);
    int rc = step ? qb_table_refresh(t, e) : QB_OK;
    if (rc == QB_OK) {
      switch ((qb_maintain_step)step) {
      case QB_MAINTAIN_EXPIRE: {
        qb_expire_options x = QB_EXPIRE_OPTIONS_INIT;
        /* a table that sets its retention (history.expire.max-snapshot-age-ms) keeps it: an explicit cutoff
         * would override the property, and the routine runs over tables that chose 30 days as over the rest */
        const qb_table_metadata *md;
        if ((rc = qb_table_get_metadata(&md, t, e))) break;
        x.older_than_ms = o->expire_older_than_ms >= 0 ? o->expire_older_than_ms
                          : qb_table_metadata_property(md, "history.expire.max-snapshot-age-ms") ? -1
                                                                                                : now - 7 * DAY_MS;
        x.dry_run = o->dry_run;
        x.now_ms = now;
        x.on_file = o->on_file;
        x.ctx = o->ctx;
        rc = qb_expire_snapshots(t, &x, &rep.expire, e);
        break;
      }
      case QB_MAINTAIN_COMPACT: {
        if (o->skip_compact) continue;
        qb_compact_options x = {0, 0, NULL, o->dry_run};
        rc = qb_compact(t, &x, &rep.compact, e);
        break;
      }
      case QB_MAINTAIN_REWRITE_MANIFESTS: {
        /* refused on format v1 tables (qb_rewrite_manifests): not a failure of the routine, which would
         * otherwise fail on every run for such a table */
        const qb_table_metadata *md;
        if ((rc = qb_table_get_metadata(&md, t, e))) break;
        if (qb_table_metadata_format_version(md) < 2) continue;
        qb_rewrite_manifests_options x = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
        x.dry_run = o->dry_run;
        rc = qb_rewrite_manifests(t, &x, &rep.rewrite, e);
        break;
      }
      case QB_MAINTAIN_ORPHANS: {
        qb_orphan_options x = QB_ORPHAN_OPTIONS_INIT;
        x.older_than_ms = o->orphan_older_than_ms >= 0 ? o->orphan_older_than_ms : now - 3 * DAY_MS;
        x.dry_run = o->dry_run;
        x.now_ms = now;
        x.on_file = o->on_file;
        x.ctx = o->ctx;
        rc = qb_remove_orphan_files(t, &x, &rep.orphans, e);
        break;
      }
      case QB_MAINTAIN_METADATA: {
        qb_clean_metadata_options x = QB_CLEAN_METADATA_OPTIONS_INIT;
        x.dry_run = o->dry_run;
        x.on_file = o->on_file;
        x.ctx = o->ctx;
        rc = qb_clean_metadata(t, &x, &rep.metadata, e);
        break;
      }
      case QB_MAINTAIN_STEPS: break;
      }
    }
    rep.ran[step] = true;
    if (rc && first == QB_OK) {
      first = rc;
      if (err) {
        *err = *e;
        qb_err_wrap(err, "%s", qb_maintain_step_name((qb_maintain_step)step));
      }
    }
  }
  if (out) *out = rep;
  return first;
}
