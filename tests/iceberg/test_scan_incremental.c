/* SPDX-License-Identifier: Apache-2.0 */
/* Incremental scans (qb_scan_options.after_snapshot_id, Java IncrementalAppendScan): rows of the files
 * appended after a snapshot, through merged manifests; replace snapshots passed over; an overwrite or delete
 * in the range refused; a start that is not an ancestor (unknown, expired, another branch) not found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/qberg.h"

#define SCHEMA_JSON                                                                                              \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["                                                            \
  "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"                                              \
  "{\"id\":2,\"name\":\"tag\",\"required\":false,\"type\":\"string\"}]}"

typedef struct fixture {
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
} fixture;

/* A fresh unpartitioned table "db.t"; merge appends merge as soon as there are 2 manifests. */
static int setup(fixture *f, qb_err *err)
{
  memset(f, 0, sizeof *f);
  int rc = qb_catalog_open(&f->cat, qb_test_tmpdir(), NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(f->cat, "db", err);
  if (rc == QB_OK) rc = qb_schema_parse_json(&f->schema, SCHEMA_JSON, strlen(SCHEMA_JSON), err);
  if (rc) return rc;
  qb_kv props[] = {{"commit.manifest.min-count-to-merge", "2"}};
  qb_table_def def = {f->schema, NULL, NULL, props, 1};
  return qb_catalog_create_table_def(&f->t, f->cat, "db.t", &def, NULL, err);
}

static void teardown(fixture *f)
{
  qb_table_free(f->t);
  qb_schema_free(f->schema);
  qb_catalog_free(f->cat);
}

/* Append ids [from, to) in one snapshot (on `branch`, NULL: main); its id in *snap. */
static int append_ids(int64_t *snap, qb_table *t, qb_txn_op op, int64_t from, int64_t to, const char *branch,
                      qb_err *err)
{
  qb_txn *txn;
  qb_txn_options o = QB_TXN_OPTIONS_INIT;
  o.branch = branch;
  int rc = qb_txn_begin(&txn, t, op, &o, err);
  if (rc) return rc;
  for (int64_t i = from; rc == QB_OK && i < to; i++) {
    qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = i}, {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"x", 1}}};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
    rc = qb_txn_write(txn, &row, err);
  }
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  qb_txn_result res;
  rc = qb_txn_commit(txn, &res, err);
  if (rc == QB_OK) *snap = res.snapshot_id;
  return rc;
}

typedef struct scan_out {
  uint64_t rows;
  int64_t id_sum;
  qb_scan_metrics m;
} scan_out;

/* Rows after `after` (QB_UNASSIGNED: a full scan), with options of `version`. */
static int scan_after(scan_out *out, qb_table *t, int64_t after, unsigned version, qb_err *err)
{
  memset(out, 0, sizeof *out);
  qb_scan *s = NULL;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.version = version;
  o.after_snapshot_id = after;
  int rc = qb_scan_new(&s, t, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    out->rows++;
    out->id_sum += row->u.seq.items[0].u.i64;
  }
  if (s) qb_scan_get_metrics(s, &out->m);
  qb_scan_free(s);
  return rc;
}

static int64_t sum_ids(int64_t from, int64_t to) { return (from + to - 1) * (to - from) / 2; }

QB_TEST(incremental_appends_through_merged_manifests)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, &err), &err);
  int64_t s1, s2, s3, s4;
  CHECK_OK(append_ids(&s1, f.t, QB_TXN_APPEND, 0, 10, NULL, &err), &err);
  CHECK_OK(append_ids(&s2, f.t, QB_TXN_APPEND, 10, 30, NULL, &err), &err);
  CHECK_OK(append_ids(&s3, f.t, QB_TXN_APPEND, 30, 60, NULL, &err), &err);
  CHECK_OK(append_ids(&s4, f.t, QB_TXN_FAST_APPEND, 60, 100, NULL, &err), &err);
  scan_out o;
  CHECK_OK(scan_after(&o, f.t, QB_UNASSIGNED, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 100);
  CHECK(o.m.manifests_total <= 2); /* the merge appends merged their manifests */
  CHECK_OK(scan_after(&o, f.t, s1, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 90);
  CHECK_EQ_INT(o.id_sum, sum_ids(10, 100));
  CHECK_EQ_INT(o.m.data_files_scanned, 3);
  CHECK_OK(scan_after(&o, f.t, s2, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 70);
  CHECK_EQ_INT(o.id_sum, sum_ids(30, 100));
  CHECK_EQ_INT(o.m.rows_read, 70);
  CHECK_OK(scan_after(&o, f.t, s3, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.id_sum, sum_ids(60, 100));
  /* empty range: nothing is read */
  CHECK_OK(scan_after(&o, f.t, s4, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 0);
  CHECK_EQ_INT(o.m.manifests_total, 0);
  /* the end snapshot chosen by id: s1..s3 */
  qb_scan *s;
  qb_scan_options so = QB_SCAN_OPTIONS_INIT;
  so.snapshot_id = s3;
  so.after_snapshot_id = s1;
  CHECK_OK(qb_scan_new(&s, f.t, &so, &err), &err);
  uint64_t n = 0;
  for (const qb_value *row;;) {
    CHECK_OK(qb_scan_next(&row, s, &err), &err);
    if (!row) break;
    n++;
  }
  qb_scan_free(s);
  CHECK_EQ_INT(n, 50);
  /* version 1 options (without after_snapshot_id) still work: a full scan */
  CHECK_OK(scan_after(&o, f.t, s2, 1, &err), &err);
  CHECK_EQ_INT(o.rows, 100);
  CHECK_FAIL(scan_after(&o, f.t, s2, 3, &err), QB_EINVAL, &err, "scan options version 3");
  teardown(&f);
}

QB_TEST(incremental_start_not_an_ancestor)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, &err), &err);
  scan_out o;
  /* no snapshot at all */
  CHECK_FAIL(scan_after(&o, f.t, 42, QB_SCAN_OPTIONS_VERSION, &err), QB_ENOTFOUND, &err, "not an ancestor");
  int64_t s1, s2, b1, s3;
  CHECK_OK(append_ids(&s1, f.t, QB_TXN_FAST_APPEND, 0, 10, NULL, &err), &err);
  CHECK_OK(append_ids(&s2, f.t, QB_TXN_FAST_APPEND, 10, 20, NULL, &err), &err);
  CHECK_OK(append_ids(&b1, f.t, QB_TXN_FAST_APPEND, 100, 110, "side", &err), &err);
  CHECK_OK(append_ids(&s3, f.t, QB_TXN_FAST_APPEND, 20, 30, NULL, &err), &err);
  CHECK_FAIL(scan_after(&o, f.t, 12345, QB_SCAN_OPTIONS_VERSION, &err), QB_ENOTFOUND, &err,
             "snapshot 12345 is not an ancestor");
  /* a snapshot of another branch */
  CHECK_FAIL(scan_after(&o, f.t, b1, QB_SCAN_OPTIONS_VERSION, &err), QB_ENOTFOUND, &err, "another branch");
  /* the branch reads its own appends after the shared ancestor */
  qb_scan *s;
  qb_scan_options so = QB_SCAN_OPTIONS_INIT;
  so.ref = "side";
  so.after_snapshot_id = s2;
  CHECK_OK(qb_scan_new(&s, f.t, &so, &err), &err);
  int64_t sum = 0;
  for (const qb_value *row;;) {
    CHECK_OK(qb_scan_next(&row, s, &err), &err);
    if (!row) break;
    sum += row->u.seq.items[0].u.i64;
  }
  qb_scan_free(s);
  CHECK_EQ_INT(sum, sum_ids(100, 110));
  /* expired: s1 is gone from the metadata */
  CHECK_OK(scan_after(&o, f.t, s1, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 20);
  qb_expire_options eo = {QB_EXPIRE_OPTIONS_VERSION, INT64_MAX / 2, 2, false, 0, NULL, NULL, NULL};
  qb_expire_report er;
  CHECK_OK(qb_expire_snapshots(f.t, &eo, &er, &err), &err);
  CHECK(er.expired >= 1);
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_FAIL(scan_after(&o, f.t, s1, QB_SCAN_OPTIONS_VERSION, &err), QB_ENOTFOUND, &err, "not an ancestor");
  CHECK_OK(scan_after(&o, f.t, s2, QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.id_sum, sum_ids(20, 30));
  teardown(&f);
}

QB_TEST(incremental_refuses_overwrite_and_delete)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, &err), &err);
  int64_t s1, s2, s3;
  CHECK_OK(append_ids(&s1, f.t, QB_TXN_FAST_APPEND, 0, 10, NULL, &err), &err);
  CHECK_OK(append_ids(&s2, f.t, QB_TXN_FAST_APPEND, 10, 20, NULL, &err), &err);
  qb_txn *txn;
  qb_expr *e;
  qb_txn_result r;
  CHECK_OK(qb_expr_parse(&e, "id >= 10", &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(txn, e, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_expr_free(e);
  CHECK_OK(append_ids(&s3, f.t, QB_TXN_FAST_APPEND, 20, 30, NULL, &err), &err);
  scan_out o;
  CHECK_FAIL(scan_after(&o, f.t, s1, QB_SCAN_OPTIONS_VERSION, &err), QB_EUNSUPPORTED, &err,
             "incremental scan over a delete snapshot");
  CHECK_OK(scan_after(&o, f.t, r.snapshot_id, QB_SCAN_OPTIONS_VERSION, &err), &err); /* after it: fine */
  CHECK_EQ_INT(o.id_sum, sum_ids(20, 30));
  CHECK_OK(qb_expr_parse(&e, "id >= 20", &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_OVERWRITE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(txn, e, &err), &err);
  qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = 7}, qb_value_null()};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_expr_free(e);
  CHECK_FAIL(scan_after(&o, f.t, s3, QB_SCAN_OPTIONS_VERSION, &err), QB_EUNSUPPORTED, &err,
             "incremental scan over a overwrite snapshot");
  teardown(&f);
}

QB_TEST(incremental_passes_over_compaction)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, &err), &err);
  int64_t s[4], s5;
  for (int i = 0; i < 4; i++) CHECK_OK(append_ids(&s[i], f.t, QB_TXN_FAST_APPEND, i * 10, i * 10 + 10, NULL, &err), &err);
  qb_compact_options co = {0, 2, NULL, false};
  qb_compact_report cr;
  CHECK_OK(qb_compact(f.t, &co, &cr, &err), &err);
  CHECK(cr.snapshot_id > 0);
  CHECK_EQ_INT(cr.files_in, 4);
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_STR(qb_table_metadata_current_snapshot(md)->operation, "replace");
  scan_out o;
  /* the compaction added files but no rows: nothing new after s[3] */
  CHECK_OK(scan_after(&o, f.t, s[3], QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 0);
  CHECK_OK(append_ids(&s5, f.t, QB_TXN_FAST_APPEND, 40, 55, NULL, &err), &err);
  CHECK_OK(scan_after(&o, f.t, s[3], QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 15);
  CHECK_EQ_INT(o.id_sum, sum_ids(40, 55));
  /* across it: the appends' files (compacted away since, still readable) and the new one, once each */
  CHECK_OK(scan_after(&o, f.t, s[1], QB_SCAN_OPTIONS_VERSION, &err), &err);
  CHECK_EQ_INT(o.rows, 35);
  CHECK_EQ_INT(o.id_sum, sum_ids(20, 55));
  teardown(&f);
}
