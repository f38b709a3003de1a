/* SPDX-License-Identifier: Apache-2.0 */
/* Copy-on-write deletes and overwrites by row filter: files where only some rows match are rewritten
 * without them (same spec and partition, v2 deletes applied), files whose rows all match are dropped,
 * others untouched; NULL keeps a row; summary counts; conflicts with concurrent commits fail cleanly. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/qberg.h"

#define SCHEMA_JSON                                                                                              \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["                                                            \
  "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"                                              \
  "{\"id\":2,\"name\":\"basis\",\"required\":false,\"type\":\"string\"},"                                        \
  "{\"id\":3,\"name\":\"n\",\"required\":false,\"type\":\"int\"}]}"

#define MAX_ID 4000

typedef struct fixture {
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
} fixture;

static const char *const bases[] = {"sto-3g", "6-31g", "cc-pvdz"};

/* A fresh table "db.t" in a new warehouse, unpartitioned or by identity(basis). */
static int setup(fixture *f, bool by_basis, qb_err *err)
{
  memset(f, 0, sizeof *f);
  int rc = qb_catalog_open(&f->cat, qb_test_tmpdir(), NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(f->cat, "db", err);
  if (rc == QB_OK) rc = qb_schema_parse_json(&f->schema, SCHEMA_JSON, strlen(SCHEMA_JSON), err);
  if (rc) return rc;
  qb_partition_field field = {2, 0, "basis", {QB_TR_IDENTITY, 0, NULL}};
  qb_partition_spec spec = {0, 1, &field};
  qb_table_def def = {f->schema, by_basis ? &spec : NULL, NULL, NULL, 0};
  return qb_catalog_create_table_def(&f->t, f->cat, "db.t", &def, NULL, err);
}

static void teardown(fixture *f)
{
  qb_table_free(f->t);
  qb_schema_free(f->schema);
  qb_catalog_free(f->cat);
}

/* n of row `id`: null when id % 5 == 0, else id % 10 */
static bool n_null(int64_t id) { return id % 5 == 0; }
static int32_t n_of(int64_t id) { return (int32_t)(id % 10); }

/* Append ids [from, to) in one snapshot (one file per partition): basis by id % 3. */
static int append_range(qb_table *t, int64_t from, int64_t to, qb_txn_result *res, qb_err *err)
{
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, err);
  if (rc) return rc;
  for (int64_t i = from; rc == QB_OK && i < to; i++) {
    const char *b = bases[i % 3];
    qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = i},
                         {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)b, strlen(b)}},
                         n_null(i) ? qb_value_null() : (qb_value){.kind = QB_V_INT32, .u.i32 = n_of(i)}};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
    rc = qb_txn_write(txn, &row, err);
  }
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, res, err);
}

/* The ids a scan returns (at `as_of`, or current): present[id] and the count. */
static int scan_ids(bool *present, size_t *count, qb_table *t, const char *as_of, qb_err *err)
{
  memset(present, 0, MAX_ID * sizeof *present);
  *count = 0;
  const qb_table_metadata *md;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  qb_scan *s = NULL;
  int rc = qb_table_get_metadata(&md, t, err);
  if (rc == QB_OK && as_of) rc = qb_scan_options_as_of(&o, md, as_of, err);
  if (rc == QB_OK) rc = qb_scan_new(&s, t, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    int64_t id = row->u.seq.items[0].u.i64;
    if (id >= 0 && id < MAX_ID) present[id] = true;
    (*count)++;
  }
  qb_scan_free(s);
  return rc;
}

/* scan_ids through qb_scan_next_rows (a file with deletes goes the row path, one row per call) */
static int scan_ids_bulk(bool *present, size_t *count, qb_table *t, qb_err *err)
{
  memset(present, 0, MAX_ID * sizeof *present);
  *count = 0;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, t, NULL, err);
  while (rc == QB_OK) {
    const qb_value *rows;
    size_t n, width = qb_scan_row_type(s)->n_fields;
    if ((rc = qb_scan_next_rows(&rows, &n, s, 4, err)) || !n) break;
    for (size_t i = 0; i < n; i++) {
      int64_t id = rows[i * width].u.i64;
      if (id >= 0 && id < MAX_ID) present[id] = true;
      (*count)++;
    }
  }
  qb_scan_free(s);
  return rc;
}

/* The live data files: path, spec id, record count, partition (basis or "") */
typedef struct live_file {
  char path[512];
  char basis[16];
  int32_t spec_id;
  int64_t records;
} live_file;

static int live_files(live_file *out, size_t cap, size_t *n, qb_table *t, qb_err *err)
{
  *n = 0;
  qb_scan *s;
  int rc = qb_scan_new(&s, t, NULL, err);
  while (rc == QB_OK) {
    const qb_scan_task *task;
    if ((rc = qb_scan_next_file(&task, s, err)) || !task) break;
    if (*n == cap) continue;
    const qb_data_file *f = &task->entry->data_file;
    live_file *l = &out[(*n)++];
    snprintf(l->path, sizeof l->path, "%s", f->file_path);
    l->basis[0] = 0;
    if (f->partition.u.seq.n && f->partition.u.seq.items[0].kind == QB_V_STRING)
      snprintf(l->basis, sizeof l->basis, "%.*s", (int)f->partition.u.seq.items[0].u.bytes.n,
               (const char *)f->partition.u.seq.items[0].u.bytes.p);
    l->spec_id = task->spec_id;
    l->records = f->record_count;
  }
  qb_scan_free(s);
  return rc;
}

static const char *summary(const qb_snapshot *s, const char *key)
{
  for (size_t i = 0; i < s->n_summary; i++)
    if (!strcmp(s->summary[i].key, key)) return s->summary[i].value;
  return "";
}

static int delete_where(qb_table *t, qb_txn_op op, const char *where, qb_txn_result *r, qb_err *err)
{
  qb_expr *e;
  qb_txn *txn;
  int rc = qb_expr_parse(&e, where, err);
  if (rc) return rc;
  if ((rc = qb_txn_begin(&txn, t, op, NULL, err)) == QB_OK) {
    if ((rc = qb_txn_remove_where(txn, e, err))) qb_txn_abort(txn);
    else rc = qb_txn_commit(txn, r, err);
  }
  qb_expr_free(e);
  return rc;
}

/* ---- position and equality delete files written here (spec "Delete Formats") ---------------------------- */

static int write_parquet(qb_pq_write_result **res, const char *path, const qb_pq_schema *sc, const qb_value *rows,
                         size_t n, qb_err *err)
{
  qb_fileio *io;
  qb_writer *w;
  qb_pq_writer *pw;
  int rc = qb_fileio_local_new(&io, err);
  if (rc) return rc;
  if ((rc = qb_fileio_create(&w, io, path, QB_CREATE_EXCLUSIVE, err)) == QB_OK) {
    rc = qb_pq_writer_open(&pw, w, sc, NULL, err);
    for (size_t i = 0; rc == QB_OK && i < n; i++) rc = qb_pq_writer_write_row(pw, &rows[i], err);
    if (rc == QB_OK) rc = qb_pq_writer_close(pw, res, err);
    else qb_pq_writer_abort(pw);
    if (rc == QB_OK) rc = qb_writer_close(w, err);
    else qb_writer_abort(w);
  }
  qb_fileio_free(io);
  return rc;
}

/* Commit a row delta with a position delete file for `data_path` (positions) and/or an equality delete
 * file on id (ids). */
static int row_delta(qb_table *t, const char *dir, const char *data_path, const int64_t *pos, size_t n_pos,
                     const int64_t *ids, size_t n_ids, qb_err *err)
{
  static int counter;
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, QB_TXN_ROW_DELTA, NULL, err);
  if (rc) return rc;
  qb_value empty = {.kind = QB_V_STRUCT, .u.seq = {NULL, 0}};
  char path[600];
  qb_pq_schema *sc = NULL;
  qb_pq_write_result *res = NULL;
  qb_pq_logical_type str = {.kind = QB_PQ_LT_STRING};
  if (n_pos) {
    snprintf(path, sizeof path, "%s/data/pos-%d.parquet", dir, counter++);
    rc = qb_pq_schema_new(&sc, "table", err);
    if (rc == QB_OK)
      rc = qb_pq_schema_add_primitive(NULL, sc, qb_pq_schema_root(sc), "file_path", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY,
                                      0, &str, 2147483546, err);
    if (rc == QB_OK)
      rc = qb_pq_schema_add_primitive(NULL, sc, qb_pq_schema_root(sc), "pos", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL,
                                      2147483545, err);
    if (rc == QB_OK) rc = qb_pq_schema_finish(sc, err);
    qb_value items[16][2], rows[8];
    for (size_t i = 0; i < n_pos && i < 8; i++) {
      items[i][0] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)data_path, strlen(data_path)}};
      items[i][1] = (qb_value){.kind = QB_V_INT64, .u.i64 = pos[i]};
      rows[i] = (qb_value){.kind = QB_V_STRUCT, .u.seq = {items[i], 2}};
    }
    if (rc == QB_OK) rc = write_parquet(&res, path, sc, rows, n_pos, err);
    qb_data_file df = {.content = QB_CONTENT_POSITION_DELETES, .file_path = path, .file_format = "PARQUET",
                       .partition = empty, .sort_order_id = QB_UNASSIGNED, .referenced_data_file = data_path};
    if (rc == QB_OK) {
      df.record_count = (int64_t)res->record_count;
      df.file_size_in_bytes = (int64_t)res->file_size_bytes;
      rc = qb_txn_add_file(txn, &df, -1, err);
    }
    qb_pq_write_result_free(res);
    res = NULL;
    qb_pq_schema_free(sc);
    sc = NULL;
  }
  if (rc == QB_OK && n_ids) {
    snprintf(path, sizeof path, "%s/data/eq-%d.parquet", dir, counter++);
    rc = qb_pq_schema_new(&sc, "table", err);
    if (rc == QB_OK)
      rc = qb_pq_schema_add_primitive(NULL, sc, qb_pq_schema_root(sc), "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1,
                                      err);
    if (rc == QB_OK) rc = qb_pq_schema_finish(sc, err);
    qb_value items[8], rows[8];
    for (size_t i = 0; i < n_ids && i < 8; i++) {
      items[i] = (qb_value){.kind = QB_V_INT64, .u.i64 = ids[i]};
      rows[i] = (qb_value){.kind = QB_V_STRUCT, .u.seq = {&items[i], 1}};
    }
    if (rc == QB_OK) rc = write_parquet(&res, path, sc, rows, n_ids, err);
    static const int32_t eq_ids[] = {1};
    qb_data_file df = {.content = QB_CONTENT_EQUALITY_DELETES, .file_path = path, .file_format = "PARQUET",
                       .partition = empty, .sort_order_id = QB_UNASSIGNED, .n_equality_ids = 1,
                       .equality_ids = eq_ids};
    if (rc == QB_OK) {
      df.record_count = (int64_t)res->record_count;
      df.file_size_in_bytes = (int64_t)res->file_size_bytes;
      rc = qb_txn_add_file(txn, &df, -1, err);
    }
    qb_pq_write_result_free(res);
    qb_pq_schema_free(sc);
  }
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  qb_txn_result r;
  return qb_txn_commit(txn, &r, err);
}

static const char *table_dir(qb_table *t, qb_err *err)
{
  const qb_table_metadata *md;
  if (qb_table_get_metadata(&md, t, err)) return NULL;
  return qb_table_metadata_location(md);
}

/* Parquet files in the data directory of an unpartitioned table. */
static int count_parquet(const char *dir)
{
  char path[600];
  snprintf(path, sizeof path, "%s/data", dir);
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, ".parquet") != NULL;
  closedir(d);
  return n;
}

/* ---- tests --------------------------------------------------------------------------------------------- */

/* the filter of the first tests, evaluated here on the generated values, SQL null semantics */
static bool expect_deleted(int64_t id) { return (!n_null(id) && n_of(id) < 3) || (id >= 100 && id < 110); }

QB_TEST(partial_full_and_untouched_files)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 20, &r, &err), &err);    /* A: some rows match, n null on 0, 5, 10, 15 */
  CHECK_OK(append_range(f.t, 100, 110, &r, &err), &err); /* B: every row matches */
  CHECK_OK(append_range(f.t, 203, 208, &r, &err), &err); /* C: n 3..7: no row matches (metrics prune it) */
  live_file before[8];
  size_t nb;
  CHECK_OK(live_files(before, 8, &nb, f.t, &err), &err);
  CHECK_EQ_INT(nb, 3);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  char prev[32];
  snprintf(prev, sizeof prev, "%lld", (long long)qb_table_metadata_current_snapshot(md)->snapshot_id);

  /* NOT (n >= 3) is n < 3: a null n matches neither the filter nor its negation, so the row is kept */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "NOT (n >= 3) OR (id >= 100 AND id < 110)", &r, &err), &err);
  int64_t want_kept_a = 0;
  for (int64_t i = 0; i < 20; i++) want_kept_a += !expect_deleted(i);
  CHECK_EQ_INT(want_kept_a, 16); /* n < 3 on ids 1, 2, 11, 12; n is null on 0 and 10 */
  CHECK_EQ_INT(r.removed_files, 2);
  CHECK_EQ_INT(r.removed_records, 30);
  CHECK_EQ_INT(r.added_files, 1);
  CHECK_EQ_INT(r.added_records, (uint64_t)want_kept_a);

  bool present[MAX_ID];
  size_t count;
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  size_t want = 0;
  for (int64_t i = 0; i < MAX_ID; i++) {
    bool exists = (i < 20) || (i >= 100 && i < 110) || (i >= 203 && i < 208);
    bool kept = exists && !expect_deleted(i);
    want += kept;
    if (present[i] != kept) CHECK_EQ_INT(i, -1); /* names the first wrong id */
  }
  CHECK_EQ_INT(count, want);
  CHECK(present[0] && present[5] && present[10]); /* n null: kept */

  /* files: C untouched (same path), A replaced, B gone */
  live_file after[8];
  size_t na;
  CHECK_OK(live_files(after, 8, &na, f.t, &err), &err);
  CHECK_EQ_INT(na, 2);
  bool c_kept = false;
  for (size_t i = 0; i < na; i++)
    for (size_t k = 0; k < nb; k++)
      if (!strcmp(after[i].path, before[k].path)) {
        CHECK_EQ_INT(before[k].records, 5); /* only C keeps its file */
        c_kept = true;
      }
  CHECK(c_kept);

  /* the snapshot: an overwrite with Java's summary counts */
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  CHECK_EQ_STR(s->operation, "overwrite");
  CHECK_EQ_STR(summary(s, "deleted-data-files"), "2");
  CHECK_EQ_STR(summary(s, "added-data-files"), "1");
  CHECK_EQ_STR(summary(s, "deleted-records"), "30");
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", (long long)want_kept_a);
  CHECK_EQ_STR(summary(s, "added-records"), buf);
  snprintf(buf, sizeof buf, "%zu", want);
  CHECK_EQ_STR(summary(s, "total-records"), buf);
  CHECK_EQ_STR(summary(s, "total-data-files"), "2");

  /* time travel: the previous snapshot still has every row */
  CHECK_OK(scan_ids(present, &count, f.t, prev, &err), &err);
  CHECK_EQ_INT(count, 35);

  /* a delete that only drops whole files stays a "delete" */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id >= 200", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_EQ_INT(r.added_files, 0);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_STR(qb_table_metadata_current_snapshot(md)->operation, "delete");
  /* nothing matches: nothing changes */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id = 999", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files + r.added_files, 0);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, (size_t)want_kept_a);
  teardown(&f);
}

QB_TEST(overwrite_rewrites_and_adds)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 10, &r, &err), &err);
  qb_expr *e;
  CHECK_OK(qb_expr_parse(&e, "id < 4", &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_OVERWRITE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(txn, e, &err), &err);
  qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = 500}, qb_value_null(), qb_value_null()};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_expr_free(e);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_EQ_INT(r.added_files, 2);
  CHECK_EQ_INT(r.added_records, 7);
  bool present[MAX_ID];
  size_t count;
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 7);
  bool bulk[MAX_ID];
  CHECK_OK(scan_ids_bulk(bulk, &count, f.t, &err), &err);
  CHECK_EQ_INT(count, 7);
  CHECK(!memcmp(bulk, present, sizeof bulk));
  CHECK(!present[3] && present[4] && present[9] && present[500]);
  teardown(&f);
}

QB_TEST(rewritten_rows_roll_at_target_size)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 3000, &r, &err), &err);
  CHECK_EQ_INT(r.added_files, 1);
  qb_kv props[] = {{"write.target-file-size-bytes", "4096"}, {"write.parquet.compression-codec", "snappy"},
                   {"write.parquet.page-row-limit", "100"}};
  CHECK_OK(qb_table_set_properties(f.t, props, 3, NULL, 0, NULL, &err), &err);
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id = 1500", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK(r.added_files > 3);
  CHECK_EQ_INT(r.added_records, 2999);
  bool *present = calloc(MAX_ID, sizeof *present);
  size_t count;
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 2999);
  size_t missing = 0;
  for (int64_t i = 0; i < 3000; i++) missing += !present[i];
  CHECK_EQ_INT(missing, 1);
  CHECK(!present[1500]);
  free(present);
  teardown(&f);
}

QB_TEST(partitioned_keeps_partition_and_spec)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, true, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 30, &r, &err), &err); /* spec 0: one file per basis */
  /* evolve: spec 1 partitions by bucket(4, id) instead; the old files keep spec 0 */
  qb_spec_change *c;
  qb_transform bucket = {QB_TR_BUCKET, 4, NULL};
  CHECK_OK(qb_spec_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_spec_add_field(c, "id", &bucket, NULL, &err), &err);
  CHECK_OK(qb_spec_remove_field(c, "basis", &err), &err);
  CHECK_OK(qb_spec_change_commit(c, NULL, &err), &err);
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "n = 1 OR n = 2", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 3);
  CHECK_EQ_INT(r.added_files, 3);
  live_file lf[8];
  size_t n;
  CHECK_OK(live_files(lf, 8, &n, f.t, &err), &err);
  CHECK_EQ_INT(n, 3);
  int seen = 0;
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_INT(lf[i].spec_id, 0);
    for (int b = 0; b < 3; b++)
      if (!strcmp(lf[i].basis, bases[b])) {
        seen |= 1 << b;
        CHECK(strstr(lf[i].path, "basis=") != NULL);
        int64_t want = 0;
        for (int64_t id = 0; id < 30; id++) want += id % 3 == b && (n_null(id) || (n_of(id) != 1 && n_of(id) != 2));
        CHECK_EQ_INT(lf[i].records, want);
      }
  }
  CHECK_EQ_INT(seen, 7);
  /* every surviving row is in the file of its own basis */
  qb_expr *e;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  for (int b = 0; b < 3; b++) {
    char w[64];
    snprintf(w, sizeof w, "basis = '%s'", bases[b]);
    CHECK_OK(qb_expr_parse(&e, w, &err), &err);
    o.filter = e;
    qb_scan *s;
    CHECK_OK(qb_scan_new(&s, f.t, &o, &err), &err);
    size_t rows = 0;
    for (;;) {
      const qb_value *row;
      CHECK_OK(qb_scan_next(&row, s, &err), &err);
      if (!row) break;
      CHECK_EQ_INT(row->u.seq.items[0].u.i64 % 3, b);
      rows++;
    }
    qb_scan_metrics m;
    qb_scan_get_metrics(s, &m);
    CHECK_EQ_INT(m.data_files_scanned, 1);
    CHECK(rows > 0);
    qb_scan_free(s);
    qb_expr_free(e);
  }
  teardown(&f);
}

QB_TEST(existing_deletes_are_applied)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 10, &r, &err), &err);
  live_file lf[4];
  size_t n;
  CHECK_OK(live_files(lf, 4, &n, f.t, &err), &err);
  CHECK_EQ_INT(n, 1);
  const char *dir = table_dir(f.t, &err);
  CHECK(dir != NULL);
  char *d = strdup(dir);
  int64_t pos[] = {2, 3}; /* ids 2 and 3 */
  int64_t eq[] = {7};
  CHECK_OK(row_delta(f.t, d, lf[0].path, pos, 2, eq, 1, &err), &err);
  bool present[MAX_ID];
  size_t count;
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 7);

  /* only deleted rows match: nothing to rewrite */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id = 7 OR id = 2", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files + r.added_files, 0);
  /* id >= 6 matches live 6, 8, 9: the rewrite holds the live others (0 1 4 5), not the deleted 2 3 */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id >= 6", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_EQ_INT(r.removed_records, 10);
  CHECK_EQ_INT(r.added_files, 1);
  CHECK_EQ_INT(r.added_records, 4);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 4);
  CHECK(present[0] && present[1] && present[4] && present[5]);
  /* the live rows left all match: the file goes whole */
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id < 6", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_EQ_INT(r.added_files, 0);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 0);

  /* a file whose live rows all match although its deleted rows do not is removed whole */
  CHECK_OK(append_range(f.t, 20, 25, &r, &err), &err);
  CHECK_OK(live_files(lf, 4, &n, f.t, &err), &err);
  CHECK_EQ_INT(n, 1);
  int64_t pos2[] = {0}; /* id 20 */
  CHECK_OK(row_delta(f.t, d, lf[0].path, pos2, 1, NULL, 0, &err), &err);
  CHECK_OK(delete_where(f.t, QB_TXN_DELETE, "id > 20", &r, &err), &err);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_EQ_INT(r.added_files, 0);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 0);
  free(d);
  teardown(&f);
}

QB_TEST(conflicts_fail_cleanly)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, false, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 0, 10, &r, &err), &err);
  CHECK_OK(append_range(f.t, 100, 110, &r, &err), &err);
  qb_table *t2;
  CHECK_OK(qb_table_load(&t2, f.cat, "db.t", &err), &err);
  qb_expr *e;
  CHECK_OK(qb_expr_parse(&e, "id < 3", &err), &err); /* part of the first file */
  bool present[MAX_ID];
  size_t count;

  /* a concurrent delete of the whole file being rewritten; the failed commit leaves no new data file */
  char *d = strdup(table_dir(f.t, &err));
  int files = count_parquet(d);
  CHECK_EQ_INT(files, 2);
  qb_txn *a;
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(a, e, &err), &err);
  CHECK_OK(delete_where(t2, QB_TXN_DELETE, "id < 10", &r, &err), &err);
  CHECK_FAIL(qb_txn_commit(a, &r, &err), QB_ECONFLICT, &err, "is not in the table (any more)");
  CHECK_EQ_INT(count_parquet(d), files);
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 10);
  CHECK(present[100] && !present[5]);

  /* a concurrent rewrite of it (itself copy-on-write) */
  CHECK_OK(append_range(f.t, 0, 10, &r, &err), &err);
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(a, e, &err), &err);
  CHECK_OK(delete_where(t2, QB_TXN_DELETE, "id = 9", &r, &err), &err);
  CHECK_EQ_INT(r.added_files, 1);
  /* its new file may hold matching rows: that conflict is found first */
  CHECK_FAIL(qb_txn_commit(a, &r, &err), QB_ECONFLICT, &err, "which this overwrite would have covered");
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 19);
  CHECK(present[0] && !present[9]);

  /* concurrent position deletes for the file being rewritten */
  live_file lf[4];
  size_t n;
  CHECK_OK(live_files(lf, 4, &n, f.t, &err), &err);
  const char *victim = NULL;
  for (size_t i = 0; i < n; i++)
    if (lf[i].records == 9) victim = lf[i].path;
  CHECK(victim != NULL);
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(a, e, &err), &err);
  int64_t pos[] = {8};
  CHECK_OK(row_delta(t2, d, victim, pos, 1, NULL, 0, &err), &err);
  CHECK_FAIL(qb_txn_commit(a, &r, &err), QB_ECONFLICT, &err, "added delete file");
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 18);
  CHECK(present[0] && present[1] && present[2]);

  /* a concurrent append of rows that may match */
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(a, e, &err), &err);
  CHECK_OK(append_range(t2, 1, 2, &r, &err), &err);
  CHECK_FAIL(qb_txn_commit(a, &r, &err), QB_ECONFLICT, &err, "would have covered");
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 19);

  /* ...but one that cannot match is fine: the retry commits */
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(a, e, &err), &err);
  CHECK_OK(append_range(t2, 300, 301, &r, &err), &err);
  CHECK_OK(qb_txn_commit(a, &r, &err), &err);
  CHECK_EQ_INT(r.attempts, 2);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 20 - 4); /* 0, 1, 1 (appended), 2 gone; 300 added */
  CHECK(!present[0] && !present[1] && !present[2] && present[3] && present[300]);
  qb_expr_free(e);
  free(d);
  qb_table_free(t2);
  teardown(&f);
}

/* An equality delete keyed on an identity-partition source column that a data file does not store (Hive-
 * migrated files keep their partition columns in the path only): the key is the partition value. Once the key
 * column is dropped (after its partition field), the delete is read through the older schema per data file;
 * that read took the key from the file only (null), so the deleted rows came back in scans, and a compaction
 * wrote them again and removed the delete file (found by exploreO). */
QB_TEST(eq_delete_on_dropped_partition_source_not_in_file)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, true, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, 10, 13, &r, &err), &err); /* 10 6-31g, 11 cc-pvdz, 12 sto-3g (column written) */
  char *dir = strdup(table_dir(f.t, &err));
  CHECK(dir != NULL);
  char hive[600], eq[600];
  snprintf(hive, sizeof hive, "%s/data/basis=sto-3g/hive-0.parquet", dir);
  snprintf(eq, sizeof eq, "%s/data/basis=sto-3g/eq-basis.parquet", dir);
  qb_pq_schema *sc = NULL, *esc = NULL;
  qb_pq_logical_type str = {.kind = QB_PQ_LT_STRING};
  CHECK_OK(qb_pq_schema_new(&sc, "table", &err), &err);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, sc, qb_pq_schema_root(sc), "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1,
                                      &err), &err);
  CHECK_OK(qb_pq_schema_finish(sc, &err), &err);
  CHECK_OK(qb_pq_schema_new(&esc, "table", &err), &err);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, esc, qb_pq_schema_root(esc), "basis", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0,
                                      &str, 2, &err), &err);
  CHECK_OK(qb_pq_schema_finish(esc, &err), &err);
  qb_value ids[4], rows[4], sto = {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"sto-3g", 6}};
  for (int i = 0; i < 4; i++) {
    ids[i] = (qb_value){.kind = QB_V_INT64, .u.i64 = i};
    rows[i] = (qb_value){.kind = QB_V_STRUCT, .u.seq = {&ids[i], 1}};
  }
  qb_value part = {.kind = QB_V_STRUCT, .u.seq = {&sto, 1}}, key = {.kind = QB_V_STRUCT, .u.seq = {&sto, 1}};
  qb_pq_write_result *res = NULL, *eres = NULL;
  CHECK_OK(write_parquet(&res, hive, sc, rows, 4, &err), &err);
  CHECK_OK(write_parquet(&eres, eq, esc, &key, 1, &err), &err);
  qb_data_file df = {.content = QB_CONTENT_DATA, .file_path = hive, .file_format = "PARQUET", .partition = part,
                     .record_count = 4, .file_size_in_bytes = (int64_t)res->file_size_bytes,
                     .sort_order_id = QB_UNASSIGNED};
  static const int32_t eq_ids[] = {2};
  qb_data_file dd = {.content = QB_CONTENT_EQUALITY_DELETES, .file_path = eq, .file_format = "PARQUET",
                     .partition = part, .record_count = 1, .file_size_in_bytes = (int64_t)eres->file_size_bytes,
                     .sort_order_id = QB_UNASSIGNED, .n_equality_ids = 1, .equality_ids = eq_ids};
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_OK(qb_txn_add_file(txn, &df, -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_ROW_DELTA, NULL, &err), &err);
  CHECK_OK(qb_txn_add_file(txn, &dd, -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_pq_write_result_free(res);
  qb_pq_write_result_free(eres);
  qb_pq_schema_free(sc);
  qb_pq_schema_free(esc);
  bool present[MAX_ID];
  size_t count;
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 2); /* 10 and 11: the partition sto-3g is deleted, stored column or not */

  qb_spec_change *sp;
  CHECK_OK(qb_spec_change_begin(&sp, f.t, &err), &err);
  CHECK_OK(qb_spec_remove_field(sp, "basis", &err), &err);
  CHECK_OK(qb_spec_change_commit(sp, NULL, &err), &err);
  qb_schema_change *sch;
  CHECK_OK(qb_schema_change_begin(&sch, f.t, &err), &err);
  CHECK_OK(qb_schema_drop_column(sch, "basis", &err), &err);
  CHECK_OK(qb_schema_change_commit(sch, NULL, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 2);
  CHECK(present[10] && present[11] && !present[0] && !present[3] && !present[12]);
  qb_compact_options co = {0, 1, NULL, false};
  qb_compact_report cr;
  CHECK_OK(qb_compact(f.t, &co, &cr, &err), &err);
  CHECK_OK(scan_ids(present, &count, f.t, NULL, &err), &err);
  CHECK_EQ_INT(count, 2);
  CHECK(present[10] && present[11]);
  free(dir);
  teardown(&f);
}
