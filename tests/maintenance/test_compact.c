/* SPDX-License-Identifier: Apache-2.0 */
/* qb_compact (src/maintenance/compact.c): a compaction planned on a stale handle whose inputs a concurrent
 * commit removed is redone from the new state; files of an older partition spec are rewritten into the
 * current one; the target size bounds the output files; option errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/qberg.h"

#define SCHEMA_JSON                                                                                              \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"}," \
  "{\"id\":2,\"name\":\"s\",\"required\":false,\"type\":\"string\"}]}"

typedef struct fx {
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
} fx;

static void setup(fx *f)
{
  qb_err err = QB_ERR_INIT;
  memset(f, 0, sizeof *f);
  CHECK_OK(qb_catalog_open(&f->cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(f->cat, "db", &err), &err);
  CHECK_OK(qb_schema_parse_json(&f->schema, SCHEMA_JSON, strlen(SCHEMA_JSON), &err), &err);
  qb_table_def def = {f->schema, NULL, NULL, NULL, 0};
  CHECK_OK(qb_catalog_create_table_def(&f->t, f->cat, "db.t", &def, NULL, &err), &err);
}

static void teardown(fx *f)
{
  qb_table_free(f->t);
  qb_schema_free(f->schema);
  qb_catalog_free(f->cat);
}

static const char *const tags[] = {"x", "y", "z"};

/* n rows with ids from..from+n-1, s cycling x/y/z, as one snapshot */
static int append(qb_table *t, int64_t from, int n, qb_err *err)
{
  qb_value items[256][2], rows[256];
  for (int i = 0; i < n && i < 256; i++) {
    const char *s = tags[(from + i) % 3];
    items[i][0] = (qb_value){.kind = QB_V_INT64, .u.i64 = from + i};
    items[i][1] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)s, 1}};
    rows[i] = (qb_value){.kind = QB_V_STRUCT, .u.seq = {items[i], 2}};
  }
  return qb_table_append_rows(t, rows, (size_t)n, NULL, NULL, err);
}

/* rows and sum of ids; files and the spec ids of the files */
typedef struct stats {
  int64_t rows, id_sum, files, files_in_spec0;
} stats;

static int table_stats(stats *out, qb_table *t, qb_err *err)
{
  memset(out, 0, sizeof *out);
  qb_scan *s;
  int rc = qb_scan_new(&s, t, NULL, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    out->rows++;
    out->id_sum += row->u.seq.items[0].u.i64;
  }
  qb_scan_free(s);
  if (rc) return rc;
  if ((rc = qb_scan_new(&s, t, NULL, err))) return rc;
  while (rc == QB_OK) {
    const qb_scan_task *task;
    if ((rc = qb_scan_next_file(&task, s, err)) || !task) break;
    out->files++;
    out->files_in_spec0 += task->spec_id == 0;
  }
  qb_scan_free(s);
  return rc;
}

QB_TEST(compact_redone_after_concurrent_delete)
{
  qb_err err = QB_ERR_INIT;
  fx f;
  setup(&f);
  for (int i = 0; i < 6; i++) CHECK_OK(append(f.t, i * 10, 4, &err), &err);
  /* a second handle removes one input file behind the first handle's back */
  qb_table *other;
  CHECK_OK(qb_table_load(&other, f.cat, "db.t", &err), &err);
  qb_scan *s;
  const qb_scan_task *task;
  CHECK_OK(qb_scan_new(&s, other, NULL, &err), &err);
  CHECK_OK(qb_scan_next_file(&task, s, &err), &err);
  CHECK(task != NULL);
  char *victim = strdup(task->entry->data_file.file_path);
  qb_scan_free(s);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, other, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_file(txn, victim, &err), &err);
  CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
  free(victim);
  stats want;
  CHECK_OK(table_stats(&want, other, &err), &err);
  CHECK_EQ_INT(want.rows, 20);
  qb_table_free(other);

  /* f.t still is at the version before the delete: the first attempt conflicts, the redo succeeds */
  qb_compact_report rep;
  CHECK_OK(qb_compact(f.t, NULL, &rep, &err), &err);
  CHECK_EQ_INT(rep.retries, 1);
  CHECK_EQ_INT(rep.files_in, 5);
  CHECK_EQ_INT(rep.files_out, 1);
  CHECK_EQ_INT(rep.partitions, 1);
  CHECK(rep.snapshot_id > 0);
  stats got;
  CHECK_OK(table_stats(&got, f.t, &err), &err);
  CHECK_EQ_INT(got.rows, want.rows);
  CHECK_EQ_INT(got.id_sum, want.id_sum);
  CHECK_EQ_INT(got.files, 1);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_STR(qb_table_metadata_current_snapshot(md)->operation, "replace");
  qb_fsck_report fr;
  qb_fsck_options fo = QB_FSCK_OPTIONS_INIT;
  fo.deep = true;
  CHECK_OK(qb_fsck(f.t, &fo, &fr, &err), &err);
  CHECK_EQ_INT(fr.problems, 0);
  teardown(&f);
}

QB_TEST(compact_old_spec_into_current)
{
  qb_err err = QB_ERR_INIT;
  fx f;
  setup(&f);
  CHECK_OK(append(f.t, 0, 9, &err), &err);
  CHECK_OK(append(f.t, 100, 9, &err), &err);
  qb_spec_change *c;
  CHECK_OK(qb_spec_change_begin(&c, f.t, &err), &err);
  qb_transform id = {QB_TR_IDENTITY, 0, NULL};
  CHECK_OK(qb_spec_add_field(c, "s", &id, NULL, &err), &err);
  CHECK_OK(qb_spec_change_commit(c, NULL, &err), &err);
  stats before;
  CHECK_OK(table_stats(&before, f.t, &err), &err);
  CHECK_EQ_INT(before.files, 2);
  CHECK_EQ_INT(before.files_in_spec0, 2);
  /* two files are fewer than min_input_files, but files of an older spec are always rewritten */
  qb_compact_report rep;
  CHECK_OK(qb_compact(f.t, NULL, &rep, &err), &err);
  CHECK_EQ_INT(rep.files_in, 2);
  CHECK_EQ_INT(rep.files_out, 3); /* one per value of s */
  stats after;
  CHECK_OK(table_stats(&after, f.t, &err), &err);
  CHECK_EQ_INT(after.rows, before.rows);
  CHECK_EQ_INT(after.id_sum, before.id_sum);
  CHECK_EQ_INT(after.files, 3);
  CHECK_EQ_INT(after.files_in_spec0, 0);
  /* now the partitions hold one file each: nothing to do */
  CHECK_OK(qb_compact(f.t, NULL, &rep, &err), &err);
  CHECK_EQ_INT(rep.snapshot_id, -1);
  CHECK_EQ_INT(rep.files_in, 0);
  teardown(&f);
}

QB_TEST(compact_min_input_and_target)
{
  qb_err err = QB_ERR_INIT;
  fx f;
  setup(&f);
  for (int i = 0; i < 4; i++) CHECK_OK(append(f.t, i * 1000, 200, &err), &err);
  qb_compact_report rep;
  /* 4 small files < min_input_files 5 and less than the target together: left alone */
  CHECK_OK(qb_compact(f.t, NULL, &rep, &err), &err);
  CHECK_EQ_INT(rep.snapshot_id, -1);
  qb_compact_options o = {0, 3, NULL, false};
  CHECK_OK(qb_compact(f.t, &o, &rep, &err), &err);
  CHECK_EQ_INT(rep.files_in, 4);
  CHECK_EQ_INT(rep.files_out, 1);
  CHECK(rep.bytes_out > 0 && rep.bytes_out < rep.bytes_in);
  /* bad options */
  qb_compact_options bad = {-1, 0, NULL, false};
  CHECK_FAIL(qb_compact(f.t, &bad, &rep, &err), QB_EINVAL, &err, "target size must be positive");
  qb_compact_options badf = {0, 0, "id >", false};
  CHECK_FAIL(qb_compact(f.t, &badf, &rep, &err), QB_EINVAL, &err, "partition filter");
  stats st;
  CHECK_OK(table_stats(&st, f.t, &err), &err);
  CHECK_EQ_INT(st.rows, 800);
  teardown(&f);
}

/* the current snapshot of t */
static const qb_snapshot *head(qb_table *t, qb_err *err)
{
  const qb_table_metadata *md;
  if (qb_table_refresh(t, err) || qb_table_get_metadata(&md, t, err)) return NULL;
  return qb_table_metadata_current_snapshot(md);
}

/* A compaction and a manifest rewrite (replace: the same rows) carry the qberg.* summary entries of the
 * snapshot they replace, not its qberg.batch-id, and name it (qberg.carried-from, through the chain) with
 * its parent: an application's state recorded with the rows (qberg ingest's qberg.covers, qberg.bloom,
 * qberg.ledger-ranges) outlives that snapshot's expiry (found by exploreN). */
QB_TEST(compact_carries_qberg_summary)
{
  qb_err err = QB_ERR_INIT;
  fx f;
  setup(&f);
  for (int i = 0; i < 3; i++) CHECK_OK(append(f.t, i * 1000, 50, &err), &err);
  qb_txn *txn = NULL;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = 9}, {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"x", 1}}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_set_summary(txn, "qberg.state", "A", &err), &err);
  CHECK_OK(qb_txn_set_summary(txn, "qberg.batch-id", "b4", &err), &err);
  CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
  const qb_snapshot *s = head(f.t, &err);
  CHECK(s != NULL);
  int64_t writer = s->snapshot_id, writer_parent = s->parent_id, id, parent;
  qb_snapshot_origin(s, &id, &parent); /* an append: itself */
  CHECK_EQ_INT(id, writer);
  CHECK_EQ_INT(parent, writer_parent);

  qb_compact_options o = {0, 2, NULL, false};
  qb_compact_report rep;
  CHECK_OK(qb_compact(f.t, &o, &rep, &err), &err);
  CHECK(rep.snapshot_id > 0);
  s = head(f.t, &err);
  CHECK(s != NULL && !strcmp(s->operation, "replace"));
  CHECK_EQ_STR(qb_snapshot_summary_get(s, "qberg.state"), "A");
  CHECK(qb_snapshot_summary_get(s, "qberg.batch-id") == NULL);
  CHECK_EQ_STR(qb_snapshot_summary_get(s, QB_SUMMARY_CARRIED_OPERATION), "append"); /* the writer's (exploreR) */
  qb_snapshot_origin(s, &id, &parent);
  CHECK_EQ_INT(id, writer);
  CHECK_EQ_INT(parent, writer_parent);

  /* a second replace on top (more files, compacted again): still the writer */
  for (int i = 0; i < 2; i++) CHECK_OK(append(f.t, 5000 + i * 1000, 10, &err), &err);
  s = head(f.t, &err);
  CHECK(s != NULL && qb_snapshot_summary_get(s, "qberg.state") == NULL); /* an append without it */
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_set_summary(txn, "qberg.state", "B", &err), &err);
  CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
  s = head(f.t, &err);
  CHECK(s != NULL);
  writer = s->snapshot_id;
  writer_parent = s->parent_id;
  CHECK_OK(qb_compact(f.t, &o, &rep, &err), &err);
  qb_rewrite_manifests_options ro = {QB_REWRITE_MANIFESTS_OPTIONS_VERSION, 0, false};
  qb_rewrite_manifests_report rr;
  CHECK_OK(qb_rewrite_manifests(f.t, &ro, &rr, &err), &err);
  s = head(f.t, &err);
  CHECK(s != NULL && !strcmp(s->operation, "replace") && s->parent_id != writer); /* two replaces on the writer */
  CHECK_EQ_STR(qb_snapshot_summary_get(s, "qberg.state"), "B");
  CHECK_EQ_STR(qb_snapshot_summary_get(s, QB_SUMMARY_CARRIED_OPERATION), "append"); /* through the chain */
  qb_snapshot_origin(s, &id, &parent);
  CHECK_EQ_INT(id, writer);
  CHECK_EQ_INT(parent, writer_parent);
  stats st;
  CHECK_OK(table_stats(&st, f.t, &err), &err);
  CHECK_EQ_INT(st.rows, 150 + 1 + 20 + 1);
  teardown(&f);
}
