/* SPDX-License-Identifier: Apache-2.0 */
/* The table layer end to end on local tables: writes (append, fast append, merge append, overwrite by
 * filter, delete, replace partitions, rewrite, tags, branches), conflicts between concurrent
 * transactions, time travel, schema and partition evolution reading old and new files, and pruning
 * counted by the scan's metrics. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "qberg/qberg.h"

#define SCHEMA_JSON                                                                                              \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["                                                            \
  "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"                                              \
  "{\"id\":2,\"name\":\"basis\",\"required\":false,\"type\":\"string\"},"                                        \
  "{\"id\":3,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"},"                                      \
  "{\"id\":4,\"name\":\"energy\",\"required\":false,\"type\":\"double\"},"                                       \
  "{\"id\":5,\"name\":\"n\",\"required\":false,\"type\":\"int\"}]}"

#define DAY_US INT64_C(86400000000)
#define TS0 INT64_C(1704067200000000) /* 2024-01-01T00:00:00Z */

typedef struct fixture {
  qb_catalog *cat;
  qb_table *t;
  qb_schema *schema;
} fixture;

/* A fresh table "db.t" partitioned by `partition` ("" = unpartitioned) in a new warehouse. */
static int setup(fixture *f, const char *partition, const qb_kv *props, size_t n_props, qb_err *err)
{
  memset(f, 0, sizeof *f);
  int rc = qb_catalog_open(&f->cat, qb_test_tmpdir(), NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(f->cat, "db", err);
  if (rc == QB_OK) rc = qb_schema_parse_json(&f->schema, SCHEMA_JSON, strlen(SCHEMA_JSON), err);
  if (rc) return rc;
  qb_partition_field fields[8];
  qb_partition_spec spec = {0, 0, fields};
  char buf[256];
  snprintf(buf, sizeof buf, "%s", partition);
  for (char *tok = strtok(buf, ","); tok && spec.n_fields < 8; tok = strtok(NULL, ",")) {
    qb_transform tr;
    char *src;
    if ((rc = qb_spec_parse_field(&tr, &src, tok, err))) return rc;
    const qb_field *fld = qb_schema_find_field_by_name(f->schema, src);
    if (!fld) return QB_FAIL(err, QB_EINVAL, "no column %s", src);
    char *name = malloc(64);
    snprintf(name, 64, "%s_%d", src, (int)spec.n_fields);
    fields[spec.n_fields++] = (qb_partition_field){fld->id, 0, name, tr};
  }
  qb_table_def def = {f->schema, spec.n_fields ? &spec : NULL, NULL, props, n_props};
  rc = qb_catalog_create_table_def(&f->t, f->cat, "db.t", &def, NULL, err);
  for (size_t i = 0; i < spec.n_fields; i++) free((char *)fields[i].name);
  return rc;
}

static void teardown(fixture *f)
{
  qb_table_free(f->t);
  qb_schema_free(f->schema);
  qb_catalog_free(f->cat);
}

static qb_value row_of(qb_value *items, int64_t id, const char *basis, int64_t ts, double e, int32_t n)
{
  items[0] = (qb_value){.kind = QB_V_INT64, .u.i64 = id};
  items[1] = basis ? (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)basis, strlen(basis)}} : qb_value_null();
  items[2] = (qb_value){.kind = QB_V_INT64, .u.i64 = ts};
  items[3] = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = e};
  items[4] = (qb_value){.kind = QB_V_INT32, .u.i32 = n};
  return (qb_value){.kind = QB_V_STRUCT, .u.seq = {items, 5}};
}

static const char *const bases[] = {"sto-3g", "6-31g", "cc-pvdz"};

/* Append ids [from, to) in one snapshot: basis by id % 3, day by id % 4. */
static int append_range(qb_table *t, qb_txn_op op, int64_t from, int64_t to, const char *tag, qb_txn_result *res,
                        qb_err *err)
{
  qb_txn *txn;
  int rc = qb_txn_begin(&txn, t, op, NULL, err);
  if (rc) return rc;
  qb_value items[5];
  for (int64_t i = from; rc == QB_OK && i < to; i++) {
    qb_value r = row_of(items, i, bases[i % 3], TS0 + (i % 4) * DAY_US + i, (double)i / 2, (int32_t)i);
    rc = qb_txn_write(txn, &r, err);
  }
  if (rc == QB_OK && tag) rc = qb_txn_tag(txn, tag, -1, err);
  if (rc) {
    qb_txn_abort(txn);
    return rc;
  }
  return qb_txn_commit(txn, res, err);
}

/* Scan with an optional filter/as-of; count rows and sum ids. */
typedef struct scan_out {
  uint64_t rows;
  int64_t id_sum;
  qb_scan_metrics m;
} scan_out;

static int scan_count(scan_out *out, qb_table *t, const char *where, const char *as_of, qb_err *err)
{
  memset(out, 0, sizeof *out);
  qb_expr *e = NULL;
  qb_scan *s = NULL;
  const qb_table_metadata *md;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  int rc = where ? qb_expr_parse(&e, where, err) : QB_OK;
  o.filter = e;
  if (rc == QB_OK) rc = qb_table_get_metadata(&md, t, err);
  if (rc == QB_OK && as_of) rc = qb_scan_options_as_of(&o, md, as_of, err);
  if (rc == QB_OK) rc = qb_scan_new(&s, t, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    out->rows++;
    if (row->u.seq.items[0].kind == QB_V_INT64) out->id_sum += row->u.seq.items[0].u.i64;
  }
  if (s) qb_scan_get_metrics(s, &out->m);
  qb_scan_free(s);
  qb_expr_free(e);
  return rc;
}

static int64_t sum_ids(int64_t from, int64_t to) { return (from + to - 1) * (to - from) / 2; }

/* qb_scan_next_rows returns what qb_scan_next returns (same rows, order and values), `max_rows` at a time;
 * *count: the rows; the_most: the most rows one call gave (1: row by row). */
static size_t the_most;
static void same_rows(qb_table *t, const char *const *cols, size_t n_cols, const char *where, uint64_t limit,
                      size_t max_rows, uint64_t *count)
{
  size_t most = 0;
  the_most = 0;
  qb_err err = QB_ERR_INIT;
  qb_expr *e = NULL;
  if (where) CHECK_OK(qb_expr_parse(&e, where, &err), &err);
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = n_cols;
  o.filter = e;
  o.limit = limit;
  qb_scan *a, *b;
  CHECK_OK(qb_scan_new(&a, t, &o, &err), &err);
  CHECK_OK(qb_scan_new(&b, t, &o, &err), &err);
  size_t width = qb_scan_row_type(a)->n_fields;
  *count = 0;
  const qb_value *rows = NULL;
  size_t n = 0, k = 0;
  for (;;) {
    const qb_value *row;
    CHECK_OK(qb_scan_next(&row, a, &err), &err);
    if (k == n) {
      CHECK_OK(qb_scan_next_rows(&rows, &n, b, max_rows, &err), &err);
      CHECK(max_rows == 0 || n <= max_rows);
      if (n > most) most = n;
      k = 0;
    }
    CHECK_EQ_INT(row != NULL, n > 0);
    if (!row) break;
    CHECK_EQ_INT(row->u.seq.n, width);
    for (size_t i = 0; i < width; i++) CHECK(qb_value_equal(&row->u.seq.items[i], &rows[k * width + i]));
    k++;
    (*count)++;
  }
  qb_scan_metrics ma, mb;
  qb_scan_get_metrics(a, &ma);
  qb_scan_get_metrics(b, &mb);
  CHECK_EQ_INT(ma.rows_returned, mb.rows_returned);
  CHECK_EQ_INT(ma.data_files_scanned, mb.data_files_scanned);
  /* one way of reading per scan */
  const qb_value *row;
  CHECK_FAIL(qb_scan_next(&row, b, &err), QB_EINVAL, &err, "rows in bulk");
  CHECK_FAIL(qb_scan_next_rows(&rows, &n, a, 0, &err), QB_EINVAL, &err, "rows one by one");
  qb_scan_free(a);
  qb_scan_free(b);
  qb_expr_free(e);
  the_most = most;
}

QB_TEST(next_rows_equals_next)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 700, NULL, &r, &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  qb_value items[5];
  for (int64_t i = 700; i < 760; i++) { /* null strings and doubles */
    qb_value row = row_of(items, i, i % 2 ? NULL : "sto-3g", TS0 + i, 0, (int32_t)-i);
    if (i % 3 == 0) items[3] = qb_value_null();
    CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  }
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  uint64_t n;
  const char *some[] = {"energy", "id", "basis", "n"};
  const char *dup[] = {"n", "n", "id"};
  size_t sizes[] = {0, 1, 3, 4096};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    same_rows(f.t, NULL, 0, NULL, 0, sizes[i], &n);
    CHECK_EQ_INT(n, 760);
    CHECK(the_most > 1 || sizes[i] == 1); /* column by column */
    same_rows(f.t, some, 4, NULL, 0, sizes[i], &n);
    CHECK_EQ_INT(n, 760);
  }
  same_rows(f.t, dup, 3, NULL, 0, 7, &n);
  CHECK_EQ_INT(n, 760);
  /* a limit ends a bulk read exactly; a filter sends the files to the row path */
  same_rows(f.t, some, 4, NULL, 333, 100, &n);
  CHECK_EQ_INT(n, 333);
  same_rows(f.t, some, 4, "id >= 650 AND energy IS NOT NULL", 0, 50, &n);
  CHECK_EQ_INT(the_most, 1);
  CHECK_EQ_INT(n, 50 + 40);
  teardown(&f);
}

/* ---- expressions ----------------------------------------------------------------------------------- */

QB_TEST(expr_parse_print_roundtrip)
{
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"a = 1", "a = 1"},
      {"a==1 and b<>'x'", "a = 1 AND b != 'x'"},
      {"NOT (a < 1.5 OR b IS NULL)", "NOT (a < 1.5 OR b IS NULL)"},
      {"x in (1, 2,3) or y not in ('a')", "x IN (1, 2, 3) OR y NOT IN ('a')"},
      {"\"Breed Name\" = 'it''s'", "\"Breed Name\" = 'it''s'"},
      {"s.inner >= -3e2 AND f IS NOT NAN", "s.inner >= -3e2 AND f IS NOT NAN"},
      {"true and (false or a is not null)", "true AND (false OR a IS NOT NULL)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_expr *e;
    char *s;
    CHECK_OK(qb_expr_parse(&e, cases[i].in, &err), &err);
    CHECK_OK(qb_expr_to_string(&s, e, &err), &err);
    EXPECT(!strcmp(s, cases[i].out));
    if (strcmp(s, cases[i].out)) fprintf(stderr, "  got '%s' want '%s'\n", s, cases[i].out);
    qb_expr *e2;
    char *s2;
    CHECK_OK(qb_expr_parse(&e2, s, &err), &err);
    CHECK_OK(qb_expr_to_string(&s2, e2, &err), &err);
    EXPECT(!strcmp(s, s2));
    free(s);
    free(s2);
    qb_expr_free(e);
    qb_expr_free(e2);
  }
}

QB_TEST(expr_parse_errors)
{
  qb_err err = QB_ERR_INIT;
  qb_expr *e;
  CHECK_FAIL(qb_expr_parse(&e, "a = ", &err), QB_EINVAL, &err, "at the end of the filter: expected a literal");
  CHECK_FAIL(qb_expr_parse(&e, "a ~ 1", &err), QB_EINVAL, &err, "at offset 2");
  CHECK_FAIL(qb_expr_parse(&e, "(a = 1", &err), QB_EINVAL, &err, "expected ')'");
  CHECK_FAIL(qb_expr_parse(&e, "a in (1,", &err), QB_EINVAL, &err, "expected a literal");
  CHECK_FAIL(qb_expr_parse(&e, "a = 'x", &err), QB_EINVAL, &err, "closing quote");
  CHECK_FAIL(qb_expr_parse(&e, "a = 1 b", &err), QB_EINVAL, &err, "AND, OR or the end");
  char deep[400];
  memset(deep, '(', 200);
  strcpy(deep + 200, "a = 1");
  CHECK_FAIL(qb_expr_parse(&e, deep, &err), QB_ELIMIT, &err, "nested deeper");
}

/* ---- writes and reads ------------------------------------------------------------------------------ */

QB_TEST(append_and_scan_unpartitioned)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "", NULL, 0, &err), &err);
  qb_txn_result r1, r2;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 100, NULL, &r1, &err), &err);
  CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, 100, 150, NULL, &r2, &err), &err);
  CHECK_EQ_INT(r1.added_records, 100);
  CHECK_EQ_INT(r1.sequence_number, 1);
  CHECK_EQ_INT(r2.sequence_number, 2);
  CHECK_EQ_INT(r2.attempts, 1);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 150);
  CHECK_EQ_INT(s.id_sum, sum_ids(0, 150));
  CHECK_OK(scan_count(&s, f.t, "id >= 140 OR n < 3", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 13);
  CHECK_EQ_INT(s.m.rows_filtered, 137);
  /* the snapshot summary carries Java's counters and totals */
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  CHECK_EQ_STR(cur->operation, "append");
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "total-records"), "150");
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "added-records"), "50");
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "total-data-files"), "2");
  teardown(&f);
}

QB_TEST(partitioned_routing_and_pruning)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "day(ts),basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 120, NULL, &r, &err), &err);
  CHECK_EQ_INT(r.added_files, 12); /* 4 days x 3 bases */
  scan_out s;
  /* a point query on one basis and one day reads only that partition's file */
  CHECK_OK(scan_count(&s, f.t, "basis = 'sto-3g' AND ts >= '2024-01-02' AND ts < '2024-01-03'", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_total, 12);
  CHECK_EQ_INT(s.m.data_files_scanned, 1);
  CHECK_EQ_INT(s.m.data_files_pruned_partition, 11);
  int64_t want = 0, rows = 0;
  for (int64_t i = 0; i < 120; i++)
    if (i % 3 == 0 && i % 4 == 1) want += i, rows++;
  CHECK_EQ_INT(s.rows, rows);
  CHECK_EQ_INT(s.id_sum, want);
  /* a filter on a date prunes day partitions through the transform (one day of four) */
  CHECK_OK(scan_count(&s, f.t, "ts < '2024-01-02T00:00:00Z'", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_scanned, 3);
  CHECK_EQ_INT(s.rows, 30);
  /* column bounds prune files: the file of residue k = id % 12 holds ids k, k+12, ..., so only the files
   * with k <= 7 can hold id 7 */
  CHECK_OK(scan_count(&s, f.t, "id = 7", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 1);
  CHECK_EQ_INT(s.m.data_files_scanned, 8);
  CHECK_EQ_INT(s.m.data_files_pruned_metrics, 4);
  CHECK_OK(scan_count(&s, f.t, "basis IN ('6-31g', 'nope')", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_scanned, 4);
  CHECK_EQ_INT(s.rows, 40);
  CHECK_OK(scan_count(&s, f.t, "basis IS NULL", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_scanned, 0);
  teardown(&f);
}

QB_TEST(rolling_files_at_target_size)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_kv props[] = {{"write.target-file-size-bytes", "4096"}, {"write.parquet.compression-codec", "snappy"},
                   {"write.parquet.page-row-limit", "100"}};
  CHECK_OK(setup(&f, "", props, 3, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 3000, NULL, &r, &err), &err);
  CHECK(r.added_files > 3);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 3000);
  CHECK_EQ_INT(s.id_sum, sum_ids(0, 3000));
  teardown(&f);
}

/* Files come out near write.target-file-size-bytes when the target is below the row group size (so that
 * a file is one row group, its buffered bytes uncompressed until it is written): the estimate scales them
 * by the compression ratio learned from the first row group and the files finished before. They were 1/16
 * of the target, and `maintain compact` (which rewrites files under 3/4 of the target) then rewrote every
 * such file on every run. */
QB_TEST(files_near_the_target_size_when_compressed)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_kv props[] = {{"write.target-file-size-bytes", "65536"}};
  CHECK_OK(setup(&f, "", props, 1, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 200000, NULL, &r, &err), &err);
  qb_scan_options so = QB_SCAN_OPTIONS_INIT;
  qb_scan *sc = NULL;
  CHECK_OK(qb_scan_new(&sc, f.t, &so, &err), &err);
  size_t n = 0, in_range = 0;
  int64_t total = 0;
  const qb_scan_task *task;
  while (qb_scan_next_file(&task, sc, &err) == QB_OK && task) {
    int64_t size = task->entry->data_file.file_size_in_bytes;
    n++;
    total += task->entry->data_file.record_count;
    in_range += size >= 65536 / 4 * 3 && size <= 65536 / 10 * 18;
  }
  qb_scan_free(sc);
  CHECK_EQ_INT(total, 200000);
  CHECK(n >= 4);
  CHECK(in_range + 1 >= n); /* all but the last */
  teardown(&f);
}

/* write.parquet.compression-level is honoured: unset, zstd writes at its default (level 1 with a smaller
 * hash table and 7-byte matches, formats/parquet/codec.h), so level 1 set explicitly (zstd's own level 1)
 * writes other bytes, and so does level 19. */
QB_TEST(compression_level_property)
{
  qb_err err = QB_ERR_INIT;
  static const char *const levels[3] = {NULL, "1", "19"};
  int64_t size[3];
  for (int k = 0; k < 3; k++) {
    fixture f;
    qb_kv props[] = {{"write.parquet.compression-level", levels[k]}};
    CHECK_OK(setup(&f, "", props, levels[k] ? 1 : 0, &err), &err);
    qb_data_writer *w;
    CHECK_OK(qb_data_writer_open(&w, f.t, NULL, &err), &err);
    qb_value items[5];
    for (int64_t i = 0; i < 3000; i++) {
      qb_value r = row_of(items, i, bases[i % 3], TS0 + i * 1000, (double)(i % 97) / 8, (int32_t)(i * i % 1009));
      CHECK_OK(qb_data_writer_write(w, &r, &err), &err);
    }
    CHECK_OK(qb_data_writer_close(w, &err), &err);
    CHECK_EQ_INT(qb_data_writer_n_files(w), 1);
    size[k] = qb_data_writer_file(w, 0)->file_size_in_bytes;
    qb_data_writer_free(w);
    teardown(&f);
  }
  CHECK(size[0] != size[1]);
  CHECK(size[2] != size[1] && size[2] != size[0]);
}

/* One open file gets at most 16 MiB of the shared 64 MiB row-group budget: with the whole budget, the ML
 * phase of an ingest (one ml_iteration_features file of barely compressible doubles) held a 64 MiB row
 * group plus its dictionaries, 174 MiB of RSS for a 1 GB batch (docs/PIPELINE.md "Memory"). */
QB_TEST(one_open_file_row_groups_at_most_16_mib)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "", NULL, 0, &err), &err);
  qb_data_writer *w;
  CHECK_OK(qb_data_writer_open(&w, f.t, NULL, &err), &err);
  qb_value items[5];
  uint64_t x = 88172645463325252ULL;
  const int64_t n = 1200000; /* ~27 MB compressed: random values */
  for (int64_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double e;
    memcpy(&e, &x, 8);
    if (e != e) e = (double)i;
    qb_value r = row_of(items, (int64_t)(x >> 1), bases[i % 3], (int64_t)(x >> 3), e, (int32_t)x);
    CHECK_OK(qb_data_writer_write(w, &r, &err), &err);
  }
  CHECK_OK(qb_data_writer_close(w, &err), &err);
  CHECK_EQ_INT(qb_data_writer_n_files(w), 1);
  qb_fileio *io = NULL;
  qb_pq_reader *pr = NULL;
  const char *path = qb_data_writer_file(w, 0)->file_path;
  CHECK_OK(qb_fileio_for_uri(&io, path, NULL, &err), &err);
  CHECK_OK(qb_pq_reader_open_path(&pr, io, path, NULL, &err), &err);
  size_t groups = qb_pq_reader_num_row_groups(pr);
  CHECK(groups >= 2);
  for (size_t i = 0; i < groups; i++) {
    qb_pq_row_group_info g;
    CHECK_OK(qb_pq_reader_row_group(&g, pr, i, &err), &err);
    CHECK(g.total_compressed_size <= (int64_t)17 << 20);
  }
  CHECK_EQ_INT(qb_pq_reader_num_rows(pr), n);
  qb_pq_reader_close(pr);
  qb_fileio_free(io);
  qb_data_writer_free(w);
  teardown(&f);
}

/* A codec or level the Parquet writer cannot write (set by another engine, or before qberg's alter checked
 * them) fails the data writer's open, naming both properties, before any file is written. */
QB_TEST(unwritable_codec_or_level_names_the_properties)
{
  static const struct {
    const char *codec, *level, *want;
  } cases[] = {
      {"lz4", NULL, "table properties write.parquet.compression-codec=lz4, write.parquet.compression-level=(default): "
                    "codec LZ4 (Hadoop framing, deprecated by Parquet) cannot be written: use lz4_raw"},
      {"lzo", NULL, "compression-codec=lzo, write.parquet.compression-level=(default): codec LZO cannot be written"},
      {NULL, "23", "compression-codec=zstd, write.parquet.compression-level=23: compression level 23 is out "
                   "of range for ZSTD"},
      {"gzip", "-1", "compression-codec=gzip, write.parquet.compression-level=-1: compression level -1 is out of range "
                     "for GZIP (0-9)"},
      {"brotli", "12", "compression level 12 is out of range for BROTLI (0-11)"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    qb_err err = QB_ERR_INIT;
    fixture f;
    qb_kv props[2];
    size_t n = 0;
    if (cases[k].codec) props[n++] = (qb_kv){"write.parquet.compression-codec", cases[k].codec};
    if (cases[k].level) props[n++] = (qb_kv){"write.parquet.compression-level", cases[k].level};
    CHECK_OK(setup(&f, "", props, n, &err), &err);
    qb_data_writer *w = NULL;
    CHECK_FAIL(qb_data_writer_open(&w, f.t, NULL, &err), QB_EINVAL, &err, cases[k].want);
    CHECK(w == NULL);
    teardown(&f);
  }
}

QB_TEST(time_travel_by_id_tag_and_time)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r1, r2, r3;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 10, "batch-1", &r1, &err), &err);
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 10, 30, "batch-2", &r2, &err), &err);
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 30, 60, NULL, &r3, &err), &err);
  scan_out s;
  char id[32];
  snprintf(id, sizeof id, "%lld", (long long)r1.snapshot_id);
  CHECK_OK(scan_count(&s, f.t, NULL, id, &err), &err);
  CHECK_EQ_INT(s.rows, 10);
  CHECK_OK(scan_count(&s, f.t, NULL, "batch-2", &err), &err);
  CHECK_EQ_INT(s.rows, 30);
  CHECK_EQ_INT(s.id_sum, sum_ids(0, 30));
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *s2 = qb_table_metadata_snapshot_by_id(md, r2.snapshot_id);
  char when[32];
  snprintf(when, sizeof when, "%lld", (long long)s2->timestamp_ms);
  CHECK_OK(scan_count(&s, f.t, NULL, when, &err), &err);
  CHECK(s.rows == 30 || s.rows == 60); /* snapshots committed in the same millisecond */
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 60);
  qb_scan *sc;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  CHECK_FAIL(qb_scan_options_as_of(&o, md, "no-such-tag", &err), QB_ENOTFOUND, &err, "neither a snapshot id");
  /* a snapshot id the table does not have (expired) is not a time: it would read the current snapshot */
  qb_scan_options o2 = QB_SCAN_OPTIONS_INIT;
  CHECK_FAIL(qb_scan_options_as_of(&o2, md, "5234234234234234234", &err), QB_ENOTFOUND, &err, "no snapshot 5234234234234234234");
  CHECK_EQ_INT(o2.as_of_ms, -1);
  CHECK_OK(qb_scan_options_as_of(&o2, md, "253402300799999", &err), &err); /* the last ms of year 9999 */
  CHECK_EQ_INT(o2.as_of_ms, 253402300799999LL);
  /* a time before 1970 is a time too (as_of_ms -1 would mean "unset": the current snapshot) */
  qb_scan_options o3 = QB_SCAN_OPTIONS_INIT;
  CHECK_FAIL(qb_scan_options_as_of(&o3, md, "1969-12-31T23:59:59Z", &err), QB_ENOTFOUND, &err,
             "no snapshot was current at or before 1969-12-31T23:59:59.000Z");
  CHECK_EQ_INT(o3.as_of_ms, -1);
  CHECK_EQ_INT(o3.snapshot_id, QB_UNASSIGNED);
  CHECK_OK(qb_scan_options_as_of(&o, md, "1999-01-01T00:00:00Z", &err), &err);
  CHECK_FAIL(qb_scan_new(&sc, f.t, &o, &err), QB_ENOTFOUND, &err,
             "no snapshot was current at or before 1999-01-01T00:00:00.000Z (915148800000 ms): the table's history "
             "starts at");
  teardown(&f);
}

QB_TEST(overwrite_delete_replace_rewrite)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 60, NULL, &r, &err), &err);
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 60, 90, NULL, &r, &err), &err);
  scan_out s;

  /* overwrite by a filter on the identity partition column: decided from partition values */
  qb_txn *txn;
  qb_expr *e;
  CHECK_OK(qb_expr_parse(&e, "basis = 'sto-3g'", &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_OVERWRITE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(txn, e, &err), &err);
  qb_value items[5];
  qb_value row = row_of(items, 1000, "sto-3g", TS0, 1.0, 1);
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_expr_free(e);
  CHECK_EQ_INT(r.removed_files, 2);
  CHECK_EQ_INT(r.removed_records, 30);
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 61);
  CHECK_OK(scan_count(&s, f.t, "basis = 'sto-3g'", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 1);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_STR(qb_table_metadata_current_snapshot(md)->operation, "overwrite");

  /* a filter on a non-partition column: files are read (partial files: test_cow.c) */
  CHECK_OK(qb_expr_parse(&e, "id >= 1000", &err), &err); /* exactly the one new file */
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(txn, e, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  qb_expr_free(e);
  CHECK_EQ_INT(r.removed_files, 1);
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 60);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_STR(qb_table_metadata_current_snapshot(md)->operation, "delete");

  /* replace partitions: the 6-31g partition gets exactly the new rows */
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_REPLACE_PARTITIONS, NULL, &err), &err);
  row = row_of(items, 2000, "6-31g", TS0, 1.0, 1);
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_OK(scan_count(&s, f.t, "basis = '6-31g'", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 1);
  CHECK_EQ_INT(s.id_sum, 2000);
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 31);

  /* rewrite: the cc-pvdz files replaced by one file with the same rows, under the old sequence number */
  qb_scan *sc;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  CHECK_OK(qb_expr_parse(&e, "basis = 'cc-pvdz'", &err), &err);
  o.filter = e;
  CHECK_OK(qb_scan_new(&sc, f.t, &o, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_REWRITE, NULL, &err), &err);
  qb_data_writer *w;
  CHECK_OK(qb_data_writer_open(&w, f.t, NULL, &err), &err);
  size_t old_files = 0;
  const qb_scan_task *task;
  for (;;) {
    CHECK_OK(qb_scan_next_file(&task, sc, &err), &err);
    if (!task) break;
    CHECK_OK(qb_txn_remove_file(txn, task->entry->data_file.file_path, &err), &err);
    old_files++;
  }
  qb_scan_free(sc);
  CHECK_OK(qb_scan_new(&sc, f.t, &o, &err), &err);
  for (;;) {
    const qb_value *rw;
    CHECK_OK(qb_scan_next(&rw, sc, &err), &err);
    if (!rw) break;
    CHECK_OK(qb_data_writer_write(w, rw, &err), &err);
  }
  qb_scan_free(sc);
  qb_expr_free(e);
  CHECK_OK(qb_data_writer_close(w, &err), &err);
  CHECK_EQ_INT(qb_data_writer_n_files(w), 1);
  CHECK_OK(qb_txn_add_file(txn, qb_data_writer_file(w, 0), -1, &err), &err);
  qb_data_writer_free(w);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_EQ_INT(old_files, 2);
  CHECK_EQ_INT(r.removed_files, 2);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  CHECK_EQ_STR(cur->operation, "replace");
  CHECK_EQ_STR(qb_snapshot_summary_get(cur, "total-records"), "31");
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 31);
  CHECK_OK(scan_count(&s, f.t, "basis = 'cc-pvdz'", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_scanned, 1);
  teardown(&f);
}

/* ---- the columnar path ------------------------------------------------------------------------------------ */

/* Same partition tuple, counts and bounds (paths, sizes and split offsets may differ). */
static bool same_metrics(const qb_data_file *a, const qb_data_file *b)
{
  if (!qb_value_equal(&a->partition, &b->partition) || a->record_count != b->record_count) return false;
  const qb_counts *ca[3] = {&a->value_counts, &a->null_value_counts, &a->nan_value_counts};
  const qb_counts *cb[3] = {&b->value_counts, &b->null_value_counts, &b->nan_value_counts};
  for (int32_t id = 1; id <= 5; id++) {
    for (int k = 0; k < 3; k++) {
      int64_t x = -1, y = -1;
      if (qb_counts_get(ca[k], id, &x) != qb_counts_get(cb[k], id, &y) || x != y) return false;
    }
    qb_slice lx = {0}, ly = {0}, ux = {0}, uy = {0};
    if (qb_bounds_get(&a->lower_bounds, id, &lx) != qb_bounds_get(&b->lower_bounds, id, &ly) ||
        qb_bounds_get(&a->upper_bounds, id, &ux) != qb_bounds_get(&b->upper_bounds, id, &uy))
      return false;
    if (lx.n != ly.n || ux.n != uy.n || (lx.n && memcmp(lx.p, ly.p, lx.n)) || (ux.n && memcmp(ux.p, uy.p, ux.n)))
      return false;
  }
  return true;
}

enum { BN = 3000 };
typedef struct batch_data {
  int64_t id[BN], ts[BN], off[BN + 1];
  double e[BN];
  int32_t n[BN];
  uint8_t basis_ok[BN], e_ok[BN];
  char text[BN * 8];
} batch_data;

/* Partitions interleave in runs of 1 to 40 rows; null bases, NaN and null energies. */
static void batch_fill(batch_data *d)
{
  d->off[0] = 0;
  for (int i = 0; i < BN; i++) {
    int run = (i / 40) % 7;
    d->id[i] = i;
    d->ts[i] = TS0 + (run % 4) * DAY_US + i;
    d->e[i] = i % 11 == 0 ? NAN : (double)(i % 23) / 4;
    d->e_ok[i] = i % 17 != 3;
    d->n[i] = i % 5;
    d->basis_ok[i] = run != 6;
    const char *b = bases[(run + (i % 40 == 39)) % 3]; /* a one-row run at each block's end */
    size_t len = d->basis_ok[i] ? strlen(b) : 0;
    memcpy(d->text + d->off[i], b, len);
    d->off[i + 1] = d->off[i] + (int64_t)len;
  }
}

static qb_value batch_row(qb_value *items, const batch_data *d, int i)
{
  qb_value r = row_of(items, d->id[i], NULL, d->ts[i], d->e[i], d->n[i]);
  if (d->basis_ok[i])
    items[1] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)d->text + d->off[i], (size_t)(d->off[i + 1] - d->off[i])}};
  if (!d->e_ok[i]) items[3] = qb_value_null();
  return r;
}

/* Scan the table into per-id text lines, compared as a whole. */
static int scan_text(char **out, qb_table *t, const qb_schema *schema, qb_err *err)
{
  size_t tn;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, t, NULL, err);
  char **lines = calloc(BN, sizeof *lines);
  size_t total = 0, rows = 0;
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_scan_next(&row, s, err)) || !row) break;
    char *txt = NULL;
    if ((rc = qb_row_to_json(&txt, &tn, qb_schema_struct(schema), row, err))) break;
    int64_t id = row->u.seq.items[0].u.i64;
    if (id < 0 || id >= BN || lines[id]) rc = QB_FAIL(err, QB_EINVAL, "id %lld twice or out of range", (long long)id);
    else lines[id] = txt, total += strlen(txt) + 1, rows++;
    if (rc) free(txt);
  }
  qb_scan_free(s);
  *out = rc ? NULL : calloc(1, total + 1);
  for (size_t i = 0; i < BN; i++) {
    if (*out && lines[i]) strcat(strcat(*out, lines[i]), "\n");
    free(lines[i]);
  }
  free(lines);
  if (rc == QB_OK && rows != BN) rc = QB_FAIL(err, QB_EINVAL, "%zu rows", rows);
  return rc;
}

QB_TEST(write_batch_equals_write)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "day(ts),basis", NULL, 0, &err), &err);
  batch_data *d = malloc(sizeof *d);
  batch_fill(d);
  qb_pq_column_batch cols[5] = {{d->id, NULL, NULL, NULL}, {d->text, d->off, d->basis_ok, NULL}, {d->ts, NULL, NULL, NULL},
                                {d->e, NULL, d->e_ok, NULL}, {d->n, NULL, NULL, NULL}};
  /* the same rows one by one (A) and as batches of uneven sizes (B) */
  qb_data_writer *wa, *wb;
  CHECK_OK(qb_data_writer_open(&wa, f.t, NULL, &err), &err);
  CHECK_OK(qb_data_writer_open(&wb, f.t, NULL, &err), &err);
  qb_value items[5];
  for (int i = 0; i < BN; i++) {
    qb_value r = batch_row(items, d, i);
    CHECK_OK(qb_data_writer_write(wa, &r, &err), &err);
  }
  static const size_t cuts[] = {0, 1, 39, 40, 1000, 1001, 2500, BN};
  for (size_t k = 0; k + 1 < sizeof cuts / sizeof cuts[0]; k++) {
    size_t a = cuts[k];
    qb_pq_column_batch sl[5] = {{d->id + a, NULL, NULL, NULL}, {d->text, d->off + a, d->basis_ok + a, NULL}, {d->ts + a, NULL, NULL, NULL},
                                {d->e + a, NULL, d->e_ok + a, NULL}, {d->n + a, NULL, NULL, NULL}};
    CHECK_OK(qb_data_writer_write_batch(wb, sl, cuts[k + 1] - a, &err), &err);
  }
  /* (C) the same batches declaring the partition columns' repeats (qb_pq_column_batch.repeats): the
   * routing takes them without comparing and the files are the same */
  qb_data_writer *wc;
  CHECK_OK(qb_data_writer_open(&wc, f.t, NULL, &err), &err);
  static uint8_t brep[BN], trep[BN];
  for (int i = 1; i < BN; i++) {
    bool vb = d->basis_ok[i] != 0;
    size_t lb = (size_t)(d->off[i + 1] - d->off[i]);
    brep[i] = vb == (d->basis_ok[i - 1] != 0) && lb == (size_t)(d->off[i] - d->off[i - 1]) &&
              !memcmp(d->text + d->off[i], d->text + d->off[i - 1], lb);
    trep[i] = d->ts[i] == d->ts[i - 1];
  }
  for (size_t k = 0; k + 1 < sizeof cuts / sizeof cuts[0]; k++) {
    size_t a = cuts[k];
    uint8_t b0 = brep[a], t0 = trep[a];
    brep[a] = trep[a] = 0; /* a batch's first row repeats nothing */
    qb_pq_column_batch sl[5] = {{d->id + a, NULL, NULL, NULL}, {d->text, d->off + a, d->basis_ok + a, brep + a},
                                {d->ts + a, NULL, NULL, trep + a}, {d->e + a, NULL, d->e_ok + a, NULL},
                                {d->n + a, NULL, NULL, NULL}};
    CHECK_OK(qb_data_writer_write_batch(wc, sl, cuts[k + 1] - a, &err), &err);
    brep[a] = b0, trep[a] = t0;
  }
  /* a repeat across a null basis would desync values and levels: refused before anything is written */
  uint8_t lie[BN];
  memset(lie, 1, sizeof lie);
  lie[0] = 0;
  qb_pq_column_batch liar[5] = {cols[0], {d->text, d->off, d->basis_ok, lie}, cols[2], cols[3], cols[4]};
  CHECK_FAIL(qb_data_writer_write_batch(wc, liar, BN, &err), QB_EINVAL, &err, "column basis: row 240: repeats row 239 of another validity");
  CHECK_EQ_INT(qb_data_writer_rows(wc), BN);
  CHECK_OK(qb_data_writer_close(wc, &err), &err);
  /* a batch that breaks the schema is refused whole: the writer stays usable */
  uint8_t no[2] = {1, 0};
  qb_pq_column_batch bad[5] = {{d->id, NULL, no, NULL}, cols[1], cols[2], cols[3], cols[4]};
  CHECK_FAIL(qb_data_writer_write_batch(wb, bad, 2, &err), QB_EINVAL, &err, "column id: row 1: null in a REQUIRED column");
  int64_t neg[3] = {-1, 0, 1};
  qb_pq_column_batch bad2[5] = {cols[0], {d->text, neg, NULL, NULL}, cols[2], cols[3], cols[4]};
  CHECK_FAIL(qb_data_writer_write_batch(wb, bad2, 2, &err), QB_EINVAL, &err, "column basis: negative offset");
  CHECK_EQ_INT(qb_data_writer_rows(wb), BN);
  qb_err_clear(&err);
  CHECK_OK(qb_data_writer_close(wa, &err), &err);
  CHECK_OK(qb_data_writer_close(wb, &err), &err);
  size_t nf = qb_data_writer_n_files(wa);
  CHECK_EQ_INT(nf, 11); /* days 0-1: 3 bases, day 2: 2 bases and null, day 3: 2 bases */
  CHECK_EQ_INT(qb_data_writer_n_files(wb), nf);
  size_t matched = 0;
  for (size_t i = 0; i < nf; i++)
    for (size_t j = 0; j < nf; j++)
      if (same_metrics(qb_data_writer_file(wa, i), qb_data_writer_file(wb, j))) {
        matched++;
        break;
      }
  CHECK_EQ_INT(matched, nf);
  CHECK_EQ_INT(qb_data_writer_n_files(wc), nf);
  matched = 0;
  for (size_t i = 0; i < nf; i++)
    for (size_t j = 0; j < nf; j++)
      if (same_metrics(qb_data_writer_file(wa, i), qb_data_writer_file(wc, j))) {
        matched++;
        break;
      }
  CHECK_EQ_INT(matched, nf);
  /* commit A, read it; replace A's files by B's (a rewrite), read again: the same rows */
  qb_txn *txn;
  qb_txn_result r;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  for (size_t i = 0; i < nf; i++) CHECK_OK(qb_txn_add_file(txn, qb_data_writer_file(wa, i), -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  char *ta = NULL, *tb = NULL;
  CHECK_OK(scan_text(&ta, f.t, f.schema, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_REWRITE, NULL, &err), &err);
  for (size_t i = 0; i < nf; i++) CHECK_OK(qb_txn_remove_file(txn, qb_data_writer_file(wa, i)->file_path, &err), &err);
  for (size_t i = 0; i < nf; i++) CHECK_OK(qb_txn_add_file(txn, qb_data_writer_file(wb, i), -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_OK(scan_text(&tb, f.t, f.schema, &err), &err);
  CHECK(ta && tb && !strcmp(ta, tb));
  CHECK(ta && strstr(ta, "\"basis\":null"));
  free(ta);
  free(tb);
  qb_data_writer_free(wa);
  qb_data_writer_free(wb);
  qb_data_writer_free(wc);
  /* through a transaction: rows land as committed rows */
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_OK(qb_txn_write_batch(txn, cols, 10, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_EQ_INT(r.added_records, 10);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, "id < 10", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 20);
  free(d);
  teardown(&f);
}

QB_TEST(write_batch_rolls_files_like_write)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_kv props[] = {{"write.target-file-size-bytes", "4096"}, {"write.parquet.compression-codec", "snappy"},
                   {"write.parquet.page-row-limit", "100"}};
  CHECK_OK(setup(&f, "", props, 3, &err), &err);
  batch_data *d = malloc(sizeof *d);
  batch_fill(d);
  qb_pq_column_batch cols[5] = {{d->id, NULL, NULL, NULL}, {d->text, d->off, d->basis_ok, NULL}, {d->ts, NULL, NULL, NULL},
                                {d->e, NULL, d->e_ok, NULL}, {d->n, NULL, NULL, NULL}};
  qb_data_writer *wa, *wb;
  CHECK_OK(qb_data_writer_open(&wa, f.t, NULL, &err), &err);
  CHECK_OK(qb_data_writer_open(&wb, f.t, NULL, &err), &err);
  qb_value items[5];
  for (int i = 0; i < BN; i++) {
    qb_value r = batch_row(items, d, i);
    CHECK_OK(qb_data_writer_write(wa, &r, &err), &err);
  }
  CHECK_OK(qb_data_writer_write_batch(wb, cols, BN, &err), &err);
  CHECK_OK(qb_data_writer_close(wa, &err), &err);
  CHECK_OK(qb_data_writer_close(wb, &err), &err);
  size_t na = qb_data_writer_n_files(wa), nb = qb_data_writer_n_files(wb);
  CHECK(na > 3);
  /* the row path finishes a file at the first row whose estimated size reaches the target; the batch path
   * checks between slices, so its files end near the same place. The estimate scales the buffered bytes by
   * the compression ratio of the row groups written so far, which depends on where each path wrote its
   * first row group (the row path at the row that reached the target, the batch path at a slice's end):
   * the row counts agree within 10 % */
  int64_t lo = INT64_MAX, hi = 0, recs = 0;
  for (size_t i = 0; i + 1 < na; i++) {
    int64_t rc = qb_data_writer_file(wa, i)->record_count;
    lo = rc < lo ? rc : lo;
    hi = rc > hi ? rc : hi;
  }
  for (size_t i = 0; i < nb; i++) {
    const qb_data_file *fb = qb_data_writer_file(wb, i);
    recs += fb->record_count;
    if (i + 1 < nb) CHECK(fb->record_count >= lo - lo / 10 && fb->record_count <= hi + hi / 10);
  }
  CHECK_EQ_INT(recs, BN);
  CHECK(nb + 1 >= na && nb <= na + 1);
  qb_data_writer_abort(wa);
  qb_data_writer_abort(wb);
  free(d);
  teardown(&f);
}

/* Whether two data files hold the same bytes. */
static bool same_file_bytes(const char *a, const char *b, qb_err *err)
{
  qb_fileio *io = NULL;
  uint8_t *pa = NULL, *pb = NULL;
  size_t na = 0, nb = 0;
  bool same = qb_fileio_for_uri(&io, a, NULL, err) == QB_OK && qb_fileio_read_all(&pa, &na, io, a, 1 << 26, err) == QB_OK &&
              qb_fileio_read_all(&pb, &nb, io, b, 1 << 26, err) == QB_OK && na == nb && !memcmp(pa, pb, na);
  free(pa);
  free(pb);
  qb_fileio_free(io);
  return same;
}

/* Declared repeats hold no value of their own (qb_pq_column_batch): a repeated string stores no bytes, a
 * repeated number's slot holds garbage. Written as batches (C) they give byte for byte the files of the
 * same batches with every value stored and no repeat declared (B), and the rows of the row path (A):
 * partition boundaries fall on rows repeating in the other columns, in the other partition source (basis
 * changes inside a run of ts), after nulls; files roll every few hundred rows, so slices start on repeats
 * whose value went to another partition's file (n is constant over hundreds of rows), in every type; some
 * equal neighbours are not declared (a stored row then follows a run of repeats). */
QB_TEST(write_batch_repeats_without_values)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_kv props[] = {{"write.target-file-size-bytes", "3000"}, {"write.parquet.page-row-limit", "64"}};
  CHECK_OK(setup(&f, "day(ts),basis", props, 2, &err), &err);
  enum { N = 3000, NC = 5 };
  int64_t *id = malloc(N * 8), *ts = malloc(N * 8), *ts2 = malloc(N * 8), *off = malloc((N + 1) * 8), *off2 = malloc((N + 1) * 8);
  double *e = malloc(N * 8), *e2 = malloc(N * 8);
  int32_t *n = malloc(N * 4), *n2 = malloc(N * 4);
  uint8_t *b_ok = malloc(N), *e_ok = malloc(N), *n_ok = malloc(N), *rep[NC];
  char *text = malloc(N * 8), *text2 = malloc(N * 8);
  off[0] = off2[0] = 0;
  for (int i = 0; i < N; i++) {
    id[i] = i;
    ts[i] = TS0 + ((i / 210) % 3) * DAY_US + (i / 7) * 1000; /* runs of 7, a day every 210 rows */
    b_ok[i] = (i / 13) % 5 != 4;                              /* runs of 13, some null */
    const char *b = bases[(i / 13) % 3];
    size_t len = b_ok[i] ? strlen(b) : 0;
    memcpy(text + off[i], b, len);
    off[i + 1] = off[i] + (int64_t)len;
    e_ok[i] = (i / 5) % 9 != 2;
    e[i] = !e_ok[i] ? 0 : (i / 5) % 7 == 0 ? NAN : (double)((i / 5) % 4) / 2;
    n_ok[i] = (i / 400) % 5 != 3;
    n[i] = n_ok[i] ? ((i / 400) % 2 ? 42 : -7) : 0;
  }
  static const size_t cuts[] = {0, 1, 39, 40, 1000, 1001, 2500, N};
  const uint8_t *valids[NC] = {NULL, b_ok, NULL, e_ok, n_ok};
  size_t widths[NC] = {8, 0, 8, 8, 4};
  const void *vals[NC] = {id, text, ts, e, n};
  size_t repeated[NC] = {0};
  for (int c = 0; c < NC; c++) {
    rep[c] = calloc(N, 1);
    for (int i = 1; c && i < N; i++) {
      bool va = !valids[c] || valids[c][i], vb = !valids[c] || valids[c][i - 1];
      bool same = va == vb;
      if (same && va && !widths[c])
        same = off[i + 1] - off[i] == off[i] - off[i - 1] && !memcmp(text + off[i], text + off[i - 1], (size_t)(off[i + 1] - off[i]));
      else if (same && va)
        same = !memcmp((const char *)vals[c] + i * widths[c], (const char *)vals[c] + (i - 1) * widths[c], widths[c]);
      rep[c][i] = same && i % 11 != 5; /* some equal neighbours left undeclared: compared */
    }
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0] - 1; k++) rep[c][cuts[k]] = 0; /* a batch's first row */
    for (int i = 0; i < N; i++) repeated[c] += rep[c][i];
  }
  CHECK(repeated[1] > N / 2 && repeated[2] > N / 2 && repeated[3] > N / 2 && repeated[4] > N / 2);
  /* the compact layout: repeats store nothing (strings) or garbage (numbers) */
  for (int i = 0; i < N; i++) {
    int64_t len = rep[1][i] ? 0 : off[i + 1] - off[i];
    memcpy(text2 + off2[i], text + off[i], (size_t)len);
    off2[i + 1] = off2[i] + len;
    if (rep[2][i]) memset(&ts2[i], 0x5a, 8);
    else ts2[i] = ts[i];
    if (rep[3][i]) memset(&e2[i], 0xa5, 8);
    else e2[i] = e[i];
    if (rep[4][i]) memset(&n2[i], 0x3c, 4);
    else n2[i] = n[i];
  }
  CHECK(off2[N] < off[N] / 4);
  qb_data_writer *wa, *wb, *wc;
  CHECK_OK(qb_data_writer_open(&wa, f.t, NULL, &err), &err);
  CHECK_OK(qb_data_writer_open(&wb, f.t, NULL, &err), &err);
  CHECK_OK(qb_data_writer_open(&wc, f.t, NULL, &err), &err);
  qb_value items[5];
  for (int i = 0; i < N; i++) {
    qb_value r = row_of(items, id[i], NULL, ts[i], e[i], n[i]);
    if (b_ok[i]) items[1] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)text + off[i], (size_t)(off[i + 1] - off[i])}};
    if (!e_ok[i]) items[3] = qb_value_null();
    if (!n_ok[i]) items[4] = qb_value_null();
    CHECK_OK(qb_data_writer_write(wa, &r, &err), &err);
  }
  for (size_t k = 0; k + 1 < sizeof cuts / sizeof cuts[0]; k++) {
    size_t a = cuts[k], m = cuts[k + 1] - a;
    qb_pq_column_batch full[NC] = {{id + a, NULL, NULL, NULL}, {text, off + a, b_ok + a, NULL}, {ts + a, NULL, NULL, NULL},
                                   {e + a, NULL, e_ok + a, NULL}, {n + a, NULL, n_ok + a, NULL}};
    qb_pq_column_batch compact[NC] = {{id + a, NULL, NULL, NULL},
                                      {text2, off2 + a, b_ok + a, rep[1] + a},
                                      {ts2 + a, NULL, NULL, rep[2] + a},
                                      {e2 + a, NULL, e_ok + a, rep[3] + a},
                                      {n2 + a, NULL, n_ok + a, rep[4] + a}};
    CHECK_OK(qb_data_writer_write_batch(wb, full, m, &err), &err);
    CHECK_OK(qb_data_writer_write_batch(wc, compact, m, &err), &err);
  }
  CHECK_OK(qb_data_writer_close(wa, &err), &err);
  CHECK_OK(qb_data_writer_close(wb, &err), &err);
  CHECK_OK(qb_data_writer_close(wc, &err), &err);
  size_t nf = qb_data_writer_n_files(wb);
  CHECK(nf >= 18); /* 9 partitions (3 days x 2 bases + null), rolled */
  CHECK_EQ_INT(qb_data_writer_n_files(wc), nf);
  for (size_t i = 0; i < nf && i < qb_data_writer_n_files(wc); i++) {
    const qb_data_file *x = qb_data_writer_file(wb, i), *y = qb_data_writer_file(wc, i);
    CHECK(x->record_count == y->record_count && same_metrics(x, y));
    CHECK(same_file_bytes(x->file_path, y->file_path, &err));
  }
  /* the rows of the row path (A) read back from C's files */
  size_t na = qb_data_writer_n_files(wa);
  qb_txn *txn;
  qb_txn_result r;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  for (size_t i = 0; i < na; i++) CHECK_OK(qb_txn_add_file(txn, qb_data_writer_file(wa, i), -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  char *ta = NULL, *tc = NULL;
  CHECK_OK(scan_text(&ta, f.t, f.schema, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_REWRITE, NULL, &err), &err);
  for (size_t i = 0; i < na; i++) CHECK_OK(qb_txn_remove_file(txn, qb_data_writer_file(wa, i)->file_path, &err), &err);
  for (size_t i = 0; i < nf; i++) CHECK_OK(qb_txn_add_file(txn, qb_data_writer_file(wc, i), -1, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_OK(scan_text(&tc, f.t, f.schema, &err), &err);
  CHECK(ta && tc && !strcmp(ta, tc));
  CHECK(ta && strstr(ta, "\"basis\":null") && strstr(ta, "\"n\":null") && strstr(ta, "\"n\":42"));
  free(ta);
  free(tc);
  qb_data_writer_free(wa);
  qb_data_writer_free(wb);
  qb_data_writer_free(wc);
  for (int c = 0; c < NC; c++) free(rep[c]);
  free(id), free(ts), free(ts2), free(off), free(off2), free(e), free(e2), free(n), free(n2);
  free(b_ok), free(e_ok), free(n_ok), free(text), free(text2);
  teardown(&f);
}

QB_TEST(conflicts_between_transactions)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 30, NULL, &r, &err), &err);
  qb_table *t2;
  CHECK_OK(qb_table_load(&t2, f.cat, "db.t", &err), &err);

  /* appends never conflict: A began first, B committed, A retries on top */
  qb_txn *a;
  CHECK_OK(qb_txn_begin(&a, f.t, QB_TXN_FAST_APPEND, NULL, &err), &err);
  qb_value items[5];
  qb_value row = row_of(items, 100, "sto-3g", TS0, 1, 1);
  CHECK_OK(qb_txn_write(a, &row, &err), &err);
  CHECK_OK(append_range(t2, QB_TXN_APPEND, 200, 210, NULL, &r, &err), &err);
  CHECK_OK(qb_txn_commit(a, &r, &err), &err);
  CHECK_EQ_INT(r.attempts, 2);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 41);

  /* a delete of a file another writer already removed fails */
  qb_scan *sc;
  const qb_scan_task *task;
  CHECK_OK(qb_scan_new(&sc, f.t, NULL, &err), &err);
  CHECK_OK(qb_scan_next_file(&task, sc, &err), &err);
  char *victim = strdup(task->entry->data_file.file_path);
  qb_scan_free(sc);
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  qb_txn *d1, *d2;
  CHECK_OK(qb_txn_begin(&d1, f.t, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_file(d1, victim, &err), &err);
  CHECK_OK(qb_txn_begin(&d2, t2, QB_TXN_DELETE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_file(d2, victim, &err), &err);
  CHECK_OK(qb_txn_commit(d2, &r, &err), &err);
  CHECK_FAIL(qb_txn_commit(d1, &r, &err), QB_ECONFLICT, &err, "is not in the table (any more)");
  free(victim);

  /* an overwrite by filter fails when a concurrent append added matching rows (serializable) */
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(qb_table_refresh(t2, &err), &err);
  qb_expr *e;
  CHECK_OK(qb_expr_parse(&e, "basis = '6-31g'", &err), &err);
  qb_txn *ow;
  CHECK_OK(qb_txn_begin(&ow, f.t, QB_TXN_OVERWRITE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(ow, e, &err), &err);
  CHECK_OK(append_range(t2, QB_TXN_APPEND, 301, 302, NULL, &r, &err), &err); /* 301 % 3 == 1: 6-31g */
  CHECK_FAIL(qb_txn_commit(ow, &r, &err), QB_ECONFLICT, &err, "would have covered");
  /* ...and succeeds when the concurrent rows are elsewhere */
  CHECK_OK(qb_table_refresh(f.t, &err), &err);
  CHECK_OK(qb_txn_begin(&ow, f.t, QB_TXN_OVERWRITE, NULL, &err), &err);
  CHECK_OK(qb_txn_remove_where(ow, e, &err), &err);
  CHECK_OK(append_range(t2, QB_TXN_APPEND, 300, 301, NULL, &r, &err), &err); /* sto-3g */
  CHECK_OK(qb_txn_commit(ow, &r, &err), &err);
  CHECK_EQ_INT(r.attempts, 2);
  qb_expr_free(e);
  CHECK_OK(scan_count(&s, f.t, "basis = '6-31g'", NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 0);
  qb_table_free(t2);
  teardown(&f);
}

QB_TEST(poisoned_transaction)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "", NULL, 0, &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_FAIL(qb_txn_remove_file(txn, "x", &err), QB_EINVAL, &err, "removes no files");
  qb_value items[5];
  qb_value row = row_of(items, 1, "a", TS0, 1, 1);
  CHECK_FAIL(qb_txn_write(txn, &row, &err), QB_EINVAL, &err, "removes no files");
  CHECK_FAIL(qb_txn_commit(txn, NULL, &err), QB_EINVAL, &err, "removes no files");
  /* a row that does not fit the schema is refused without poisoning */
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  row.u.seq.items[0] = qb_value_null();
  CHECK_FAIL(qb_txn_write(txn, &row, &err), QB_EINVAL, &err, "column id is required");
  row = row_of(items, 1, "a", TS0, 1, 1);
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  qb_txn_result r;
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_EQ_INT(r.added_records, 1);
  teardown(&f);
}

QB_TEST(merge_append_bounds_manifests)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  qb_kv props[] = {{"commit.manifest.min-count-to-merge", "4"}};
  CHECK_OK(setup(&f, "", props, 1, &err), &err);
  qb_txn_result r;
  for (int i = 0; i < 12; i++) CHECK_OK(append_range(f.t, QB_TXN_APPEND, i * 10, i * 10 + 10, NULL, &r, &err), &err);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 120);
  CHECK_EQ_INT(s.id_sum, sum_ids(0, 120));
  CHECK(s.m.manifests_total < 4);
  /* fast appends never merge */
  for (int i = 12; i < 16; i++) CHECK_OK(append_range(f.t, QB_TXN_FAST_APPEND, i * 10, i * 10 + 10, NULL, &r, &err), &err);
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 160);
  CHECK(s.m.manifests_total >= 5);
  teardown(&f);
}

QB_TEST(refs_and_branches)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "", NULL, 0, &err), &err);
  qb_txn_result r1, r2;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 5, NULL, &r1, &err), &err);
  qb_ref tag = QB_REF_INIT("v1", -1, QB_REF_TAG);
  CHECK_OK(qb_table_set_ref(f.t, &tag, false, NULL, &err), &err);
  CHECK_FAIL(qb_table_set_ref(f.t, &tag, false, NULL, &err), QB_EEXISTS, &err, "already exists");
  tag.min_snapshots_to_keep = 3;
  CHECK_FAIL(qb_table_set_ref(f.t, &tag, true, NULL, &err), QB_EINVAL, &err, "tags have no snapshot retention");
  /* write to a branch: main does not move */
  qb_txn *txn;
  qb_txn_options o = QB_TXN_OPTIONS_INIT;
  o.branch = "dev";
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, &o, &err), &err);
  qb_value items[5];
  qb_value row = row_of(items, 99, "x", TS0, 1, 1);
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r2, &err), &err);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 5);
  CHECK_OK(scan_count(&s, f.t, NULL, "dev", &err), &err);
  CHECK_EQ_INT(s.rows, 6);
  CHECK_OK(scan_count(&s, f.t, NULL, "v1", &err), &err);
  CHECK_EQ_INT(s.rows, 5);
  /* move the tag to the branch head, with an age limit */
  qb_ref moved = QB_REF_INIT("v1", r2.snapshot_id, QB_REF_TAG);
  moved.max_ref_age_ms = 86400000;
  CHECK_OK(qb_table_set_ref(f.t, &moved, true, NULL, &err), &err);
  CHECK_OK(scan_count(&s, f.t, NULL, "v1", &err), &err);
  CHECK_EQ_INT(s.rows, 6);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_ref(md, "v1")->max_ref_age_ms, 86400000);
  /* moving a ref keeps the retention the move does not set (Java replaceTag/replaceBranch) */
  qb_ref back = QB_REF_INIT("v1", r1.snapshot_id, QB_REF_TAG);
  CHECK_OK(qb_table_set_ref(f.t, &back, true, NULL, &err), &err);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_ref(md, "v1")->snapshot_id, r1.snapshot_id);
  CHECK_EQ_INT(qb_table_metadata_ref(md, "v1")->max_ref_age_ms, 86400000);
  qb_ref dev = QB_REF_INIT("dev", r2.snapshot_id, QB_REF_BRANCH);
  dev.min_snapshots_to_keep = 3;
  dev.max_snapshot_age_ms = 7200000;
  CHECK_OK(qb_table_set_ref(f.t, &dev, true, NULL, &err), &err);
  qb_ref dev_back = QB_REF_INIT("dev", r1.snapshot_id, QB_REF_BRANCH);
  dev_back.max_snapshot_age_ms = 60000;
  CHECK_OK(qb_table_set_ref(f.t, &dev_back, true, NULL, &err), &err);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_ref *d = qb_table_metadata_ref(md, "dev");
  CHECK_EQ_INT(d->snapshot_id, r1.snapshot_id);
  CHECK_EQ_INT(d->min_snapshots_to_keep, 3);
  CHECK_EQ_INT(d->max_snapshot_age_ms, 60000);
  /* so does a transaction's qb_txn_tag that moves an existing tag */
  qb_txn_result r3;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 5, 7, "v1", &r3, &err), &err);
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_ref(md, "v1")->snapshot_id, r3.snapshot_id);
  CHECK_EQ_INT(qb_table_metadata_ref(md, "v1")->max_ref_age_ms, 86400000);
  CHECK_OK(qb_table_remove_ref(f.t, "v1", NULL, &err), &err);
  CHECK_FAIL(qb_table_remove_ref(f.t, "v1", NULL, &err), QB_ENOTFOUND, &err, "no branch or tag");
  CHECK_FAIL(qb_table_remove_ref(f.t, "main", NULL, &err), QB_EINVAL, &err, "main cannot be removed");
  teardown(&f);
}

/* ---- evolution ------------------------------------------------------------------------------------- */

QB_TEST(schema_evolution_reads_old_and_new_files)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 10, "before", &r, &err), &err);
  qb_schema_change *c;
  CHECK_OK(qb_schema_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "note", qb_type_primitive(QB_T_STRING), "added later", &err), &err);
  qb_field inner[] = {{1, "lat", true, qb_type_primitive(QB_T_DOUBLE), NULL, NULL, NULL},
                      {2, "lon", false, qb_type_primitive(QB_T_DOUBLE), NULL, NULL, NULL}};
  qb_type st = {.id = QB_T_STRUCT, .n_fields = 2, .fields = inner};
  CHECK_OK(qb_schema_add_column(c, NULL, "pos", &st, NULL, &err), &err);
  CHECK_OK(qb_schema_rename_column(c, "energy", "e_hartree", &err), &err);
  CHECK_OK(qb_schema_widen_column(c, "n", qb_type_primitive(QB_T_LONG), &err), &err);
  CHECK_OK(qb_schema_drop_column(c, "ts", &err), &err);
  CHECK_OK(qb_schema_move_column(c, "note", NULL, &err), &err);
  CHECK_FAIL(qb_schema_drop_column(c, "basis", &err), QB_EINVAL, &err, "the current partition spec uses field 2");
  qb_schema_change_abort(c); /* poisoned: start again */
  CHECK_OK(qb_schema_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "note", qb_type_primitive(QB_T_STRING), "added later", &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "pos", &st, NULL, &err), &err);
  CHECK_OK(qb_schema_add_column(c, "pos", "alt", qb_type_primitive(QB_T_FLOAT), NULL, &err), &err);
  CHECK_OK(qb_schema_rename_column(c, "energy", "e_hartree", &err), &err);
  CHECK_OK(qb_schema_widen_column(c, "n", qb_type_primitive(QB_T_LONG), &err), &err);
  CHECK_OK(qb_schema_drop_column(c, "ts", &err), &err);
  CHECK_OK(qb_schema_move_column(c, "note", NULL, &err), &err);
  CHECK_FAIL(qb_schema_widen_column(c, "basis", qb_type_primitive(QB_T_LONG), &err), QB_EINVAL, &err,
             "cannot change 'basis' from string to long");
  qb_schema_change_abort(c);
  CHECK_OK(qb_schema_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "note", qb_type_primitive(QB_T_STRING), "added later", &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "pos", &st, NULL, &err), &err);
  CHECK_OK(qb_schema_add_column(c, "pos", "alt", qb_type_primitive(QB_T_FLOAT), NULL, &err), &err);
  CHECK_OK(qb_schema_rename_column(c, "energy", "e_hartree", &err), &err);
  CHECK_OK(qb_schema_widen_column(c, "n", qb_type_primitive(QB_T_LONG), &err), &err);
  CHECK_OK(qb_schema_drop_column(c, "ts", &err), &err);
  CHECK_OK(qb_schema_move_column(c, "note", NULL, &err), &err);
  CHECK_OK(qb_schema_change_commit(c, NULL, &err), &err);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_schema *s1 = qb_table_metadata_current_schema(md);
  CHECK_EQ_INT(qb_schema_id(s1), 1);
  CHECK_EQ_STR(qb_schema_fields(s1)[0].name, "note");
  CHECK_EQ_INT(qb_schema_fields(s1)[0].id, 6);
  CHECK(qb_schema_find_field_by_name(s1, "pos.alt") != NULL);
  CHECK_EQ_INT(qb_schema_find_field_by_name(s1, "pos.alt")->id, 10);
  CHECK(qb_schema_find_field_by_name(s1, "ts") == NULL);
  CHECK_EQ_INT(qb_table_metadata_last_column_id(md), 10);

  /* new rows in the new layout: note, id, basis, e_hartree, n(long), pos{lat, lon, alt} */
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  qb_value pos[3] = {{.kind = QB_V_DOUBLE, .u.f64 = 1.5}, qb_value_null(), {.kind = QB_V_FLOAT, .u.f32 = 2.5f}};
  qb_value items[6] = {{.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"hi", 2}},
                       {.kind = QB_V_INT64, .u.i64 = 500},
                       {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"sto-3g", 6}},
                       {.kind = QB_V_DOUBLE, .u.f64 = -1.25},
                       {.kind = QB_V_INT64, .u.i64 = INT64_C(5000000000)},
                       {.kind = QB_V_STRUCT, .u.seq = {pos, 3}}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 6}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);

  /* every row reads in the new schema: old files give null for new columns and long for the int */
  qb_scan *sc;
  CHECK_OK(qb_scan_new(&sc, f.t, NULL, &err), &err);
  const qb_type *rt = qb_scan_row_type(sc);
  CHECK_EQ_INT(rt->n_fields, 6);
  CHECK_EQ_STR(rt->fields[3].name, "e_hartree");
  int seen = 0;
  for (;;) {
    const qb_value *rw;
    CHECK_OK(qb_scan_next(&rw, sc, &err), &err);
    if (!rw) break;
    seen++;
    const qb_value *v = rw->u.seq.items;
    CHECK_EQ_INT(v[4].kind, QB_V_INT64);
    if (v[1].u.i64 == 500) {
      CHECK_EQ_INT(v[0].kind, QB_V_STRING);
      CHECK_EQ_INT(v[4].u.i64, INT64_C(5000000000));
      CHECK_EQ_INT(v[5].kind, QB_V_STRUCT);
      CHECK(v[5].u.seq.items[2].kind == QB_V_FLOAT && v[5].u.seq.items[2].u.f32 == 2.5f);
    } else {
      CHECK_EQ_INT(v[0].kind, QB_V_NULL);
      CHECK_EQ_INT(v[5].kind, QB_V_NULL);
      CHECK_EQ_INT(v[4].u.i64, v[1].u.i64);
      CHECK(v[3].u.f64 == (double)v[1].u.i64 / 2);
    }
  }
  qb_scan_free(sc);
  CHECK_EQ_INT(seen, 11);
  /* in bulk: the int read as long and the missing note (null) in old files; pos (a struct) row by row */
  uint64_t n_bulk;
  const char *flat[] = {"note", "n", "id", "e_hartree", "basis"};
  same_rows(f.t, flat, 5, NULL, 0, 4, &n_bulk);
  CHECK_EQ_INT(n_bulk, 11);
  same_rows(f.t, NULL, 0, NULL, 0, 4, &n_bulk);
  CHECK_EQ_INT(n_bulk, 11);
  const char *nested[] = {"pos.alt", "id"};
  same_rows(f.t, nested, 2, NULL, 0, 0, &n_bulk);
  CHECK_EQ_INT(the_most, 1);
  CHECK_EQ_INT(n_bulk, 11);
  /* the old snapshot reads with its own schema (ts still there) */
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.ref = "before";
  CHECK_OK(qb_scan_new(&sc, f.t, &o, &err), &err);
  CHECK_EQ_INT(qb_scan_row_type(sc)->n_fields, 5);
  CHECK_EQ_STR(qb_scan_row_type(sc)->fields[2].name, "ts");
  qb_scan_free(sc);
  /* filters use the new names; renamed columns prune old files by id */
  scan_out so;
  CHECK_OK(scan_count(&so, f.t, "e_hartree < 0", NULL, &err), &err);
  CHECK_EQ_INT(so.rows, 1);
  CHECK_OK(scan_count(&so, f.t, "note IS NULL", NULL, &err), &err);
  CHECK_EQ_INT(so.rows, 10);
  /* a concurrent schema change is a conflict, not a silent overwrite */
  qb_table *t2;
  CHECK_OK(qb_table_load(&t2, f.cat, "db.t", &err), &err);
  qb_schema_change *c1, *c2;
  CHECK_OK(qb_schema_change_begin(&c1, f.t, &err), &err);
  CHECK_OK(qb_schema_change_begin(&c2, t2, &err), &err);
  CHECK_OK(qb_schema_add_column(c1, NULL, "x1", qb_type_primitive(QB_T_INT), NULL, &err), &err);
  CHECK_OK(qb_schema_add_column(c2, NULL, "x2", qb_type_primitive(QB_T_INT), NULL, &err), &err);
  CHECK_OK(qb_schema_change_commit(c2, NULL, &err), &err);
  CHECK_FAIL(qb_schema_change_commit(c1, NULL, &err), QB_ECONFLICT, &err, "the schema changed concurrently");
  qb_table_free(t2);
  teardown(&f);
}

/* qb_txn_set_write_schema: a writer built for the table's first schema (a pipeline) keeps writing rows and
 * batches in that layout after users evolved the table, and each value lands in its column by field id: a
 * column moved (n, first), renamed (energy to e), dropped (ts: not written) or added (note: null). A type
 * that changed, or a required column the rows lack, fails at once naming the column; the input schema is
 * set before the first row. Before, rows were taken by position: n's values went into id, and so on. */
QB_TEST(write_schema_matches_columns_by_field_id)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_schema_change *c;
  CHECK_OK(qb_schema_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_schema_add_column(c, NULL, "note", qb_type_primitive(QB_T_STRING), NULL, &err), &err);
  CHECK_OK(qb_schema_rename_column(c, "energy", "e", &err), &err);
  CHECK_OK(qb_schema_drop_column(c, "ts", &err), &err);
  CHECK_OK(qb_schema_move_column(c, "n", NULL, &err), &err);
  CHECK_OK(qb_schema_change_commit(c, NULL, &err), &err);

  /* rows 0..2 one by one, 3..5 as a batch, all in the first schema's layout: id, basis, ts, energy, n */
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_OK(qb_txn_set_write_schema(txn, f.schema, &err), &err);
  qb_value items[5];
  for (int64_t i = 0; i < 3; i++) {
    qb_value r = row_of(items, i, bases[i % 3], TS0 + i, (double)i / 2, (int32_t)(100 + i));
    CHECK_OK(qb_txn_write(txn, &r, &err), &err);
  }
  CHECK_FAIL(qb_txn_set_write_schema(txn, f.schema, &err), QB_EINVAL, &err, "before the first row");
  int64_t ids[3] = {3, 4, 5}, ts[3] = {TS0, TS0, TS0};
  double energy[3] = {1.5, 2.0, 2.5};
  int32_t n[3] = {103, 104, 105};
  const char basis_bytes[] = "sto-3g6-31gcc-pvdz";
  int64_t offs[4] = {0, 6, 11, 18};
  qb_pq_column_batch cols[5] = {{ids, NULL, NULL, NULL}, {basis_bytes, offs, NULL, NULL}, {ts, NULL, NULL, NULL},
                                {energy, NULL, NULL, NULL}, {n, NULL, NULL, NULL}};
  CHECK_OK(qb_txn_write_batch(txn, cols, 3, &err), &err);
  qb_txn_result r;
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  CHECK_EQ_INT(r.added_records, 6);

  /* read back by the current names */
  const char *names[] = {"n", "id", "basis", "e", "note"};
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = names;
  o.n_columns = 5;
  qb_scan *s = NULL;
  CHECK_OK(qb_scan_new(&s, f.t, &o, &err), &err);
  int seen = 0;
  const qb_value *row;
  while (qb_scan_next(&row, s, &err) == QB_OK && row) {
    const qb_value *v = row->u.seq.items;
    int64_t id = v[1].u.i64;
    CHECK(id >= 0 && id < 6);
    CHECK_EQ_INT(v[0].kind, QB_V_INT32);
    CHECK_EQ_INT(v[0].u.i32, 100 + id);
    CHECK(v[2].kind == QB_V_STRING && v[2].u.bytes.n == strlen(bases[id % 3]) &&
          !memcmp(v[2].u.bytes.p, bases[id % 3], v[2].u.bytes.n));
    CHECK(v[3].kind == QB_V_DOUBLE && v[3].u.f64 == (double)id / 2);
    CHECK_EQ_INT(v[4].kind, QB_V_NULL);
    seen++;
  }
  qb_scan_free(s);
  CHECK_EQ_INT(seen, 6);

  /* the table's own schema: nothing to map; a type that changed, and a required column the rows lack, fail */
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  CHECK_OK(qb_txn_begin(&txn, f.t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_OK(qb_txn_set_write_schema(txn, qb_table_metadata_current_schema(md), &err), &err);
  const char *as_float = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
                         "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                         "{\"id\":4,\"name\":\"energy\",\"required\":false,\"type\":\"float\"}]}";
  qb_schema *bad = NULL;
  CHECK_OK(qb_schema_parse_json(&bad, as_float, strlen(as_float), &err), &err);
  CHECK_FAIL(qb_txn_set_write_schema(txn, bad, &err), QB_EINVAL, &err,
             "column e (field id 4) is double in the table, the rows' energy is float");
  qb_schema_free(bad);
  const char *no_id = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
                      "{\"id\":2,\"name\":\"basis\",\"required\":false,\"type\":\"string\"}]}";
  CHECK_OK(qb_schema_parse_json(&bad, no_id, strlen(no_id), &err), &err);
  CHECK_FAIL(qb_txn_set_write_schema(txn, bad, &err), QB_EINVAL, &err,
             "column id (field id 1) is required, and the rows have no such column");
  qb_schema_free(bad);
  qb_txn_abort(txn);
  teardown(&f);
}

/* qb_txn_set_write_schema with nested columns numbered another way (a table created by another engine): the
 * list's element id and requiredness differ, the shape is the same, so the rows are written as they are;
 * a list of another element type is refused. */
QB_TEST(write_schema_compares_nested_types_by_shape)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "n", &err), &err);
  const char *table_json = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
                           "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                           "{\"id\":2,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
                           "\"element-id\":3,\"element\":\"string\",\"element-required\":false}}]}";
  const char *input_json = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
                           "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                           "{\"id\":2,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
                           "\"element-id\":9,\"element\":\"string\",\"element-required\":true}}]}";
  const char *other_json = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
                           "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
                           "{\"id\":2,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\","
                           "\"element-id\":3,\"element\":\"long\",\"element-required\":false}}]}";
  qb_schema *ts = NULL, *in = NULL, *other = NULL;
  CHECK_OK(qb_schema_parse_json(&ts, table_json, strlen(table_json), &err), &err);
  CHECK_OK(qb_schema_parse_json(&in, input_json, strlen(input_json), &err), &err);
  CHECK_OK(qb_schema_parse_json(&other, other_json, strlen(other_json), &err), &err);
  qb_table *t;
  qb_table_def def = {ts, NULL, NULL, NULL, 0};
  CHECK_OK(qb_catalog_create_table_def(&t, cat, "n.l", &def, NULL, &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, &err), &err);
  CHECK_FAIL(qb_txn_set_write_schema(txn, other, &err), QB_EINVAL, &err,
             "column tags (field id 2) is list<string> in the table, the rows' tags is list<long>");
  CHECK_OK(qb_txn_set_write_schema(txn, in, &err), &err);
  qb_value tags[2] = {{.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"a", 1}},
                      {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)"bc", 2}}};
  qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = 7}, {.kind = QB_V_LIST, .u.seq = {tags, 2}}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
  CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  CHECK_OK(qb_txn_commit(txn, NULL, &err), &err);
  qb_scan *s = NULL;
  CHECK_OK(qb_scan_new(&s, t, NULL, &err), &err);
  const qb_value *got;
  CHECK_OK(qb_scan_next(&got, s, &err), &err);
  CHECK(got != NULL);
  if (got) {
    char *txt = NULL;
    size_t tn;
    CHECK_OK(qb_row_to_json(&txt, &tn, qb_schema_struct(ts), got, &err), &err);
    CHECK_EQ_STR(txt, "{\"id\":7,\"tags\":[\"a\",\"bc\"]}");
    free(txt);
  }
  qb_scan_free(s);
  qb_table_free(t);
  qb_schema_free(ts);
  qb_schema_free(in);
  qb_schema_free(other);
  qb_catalog_free(cat);
}

QB_TEST(partition_evolution_reads_both_specs)
{
  qb_err err = QB_ERR_INIT;
  fixture f;
  CHECK_OK(setup(&f, "basis", NULL, 0, &err), &err);
  qb_txn_result r;
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 0, 30, NULL, &r, &err), &err);
  qb_spec_change *c;
  CHECK_OK(qb_spec_change_begin(&c, f.t, &err), &err);
  qb_transform day = {QB_TR_DAY, 0, NULL}, bucket = {QB_TR_BUCKET, 8, NULL};
  CHECK_OK(qb_spec_add_field(c, "ts", &day, NULL, &err), &err);
  CHECK_FAIL(qb_spec_add_field(c, "ts", &day, "again", &err), QB_EINVAL, &err, "already partitions by");
  qb_spec_change_abort(c);
  CHECK_OK(qb_spec_change_begin(&c, f.t, &err), &err);
  CHECK_OK(qb_spec_add_field(c, "ts", &day, NULL, &err), &err);
  CHECK_OK(qb_spec_add_field(c, "id", &bucket, NULL, &err), &err);
  CHECK_OK(qb_spec_remove_field(c, "basis_0", &err), &err);
  CHECK_OK(qb_spec_change_commit(c, NULL, &err), &err);
  const qb_table_metadata *md;
  CHECK_OK(qb_table_get_metadata(&md, f.t, &err), &err);
  const qb_partition_spec *sp = qb_table_metadata_default_spec(md);
  CHECK_EQ_INT(sp->spec_id, 1);
  CHECK_EQ_INT(sp->n_fields, 2);
  CHECK_EQ_STR(sp->fields[0].name, "ts_day");
  CHECK_EQ_INT(sp->fields[0].field_id, 1001);
  CHECK_OK(append_range(f.t, QB_TXN_APPEND, 30, 70, NULL, &r, &err), &err);
  CHECK_EQ_INT(r.added_files > 4, 1);
  scan_out s;
  CHECK_OK(scan_count(&s, f.t, NULL, NULL, &err), &err);
  CHECK_EQ_INT(s.rows, 70);
  CHECK_EQ_INT(s.id_sum, sum_ids(0, 70));
  /* a basis filter prunes the old spec's files by partition, the new spec's only by metrics */
  CHECK_OK(scan_count(&s, f.t, "basis = '6-31g'", NULL, &err), &err);
  int64_t want = 0, rows = 0;
  for (int64_t i = 0; i < 70; i++)
    if (i % 3 == 1) want += i, rows++;
  CHECK_EQ_INT(s.rows, rows);
  CHECK_EQ_INT(s.id_sum, want);
  CHECK(s.m.data_files_pruned_partition >= 2);
  /* a day filter prunes the new spec's files by partition */
  CHECK_OK(scan_count(&s, f.t, "ts >= '2024-01-04'", NULL, &err), &err);
  rows = 0;
  for (int64_t i = 0; i < 70; i++) rows += i % 4 == 3;
  CHECK_EQ_INT(s.rows, rows);
  CHECK(s.m.data_files_pruned_partition > 0);
  teardown(&f);
}

QB_TEST(values_text_and_json_rows)
{
  qb_err err = QB_ERR_INIT;
  qb_schema *s;
  const char *js = "{\"type\":\"struct\",\"fields\":["
                   "{\"id\":1,\"name\":\"d\",\"required\":false,\"type\":\"date\"},"
                   "{\"id\":2,\"name\":\"t\",\"required\":false,\"type\":\"timestamp\"},"
                   "{\"id\":3,\"name\":\"m\",\"required\":false,\"type\":\"decimal(9,2)\"},"
                   "{\"id\":4,\"name\":\"u\",\"required\":false,\"type\":\"uuid\"},"
                   "{\"id\":5,\"name\":\"b\",\"required\":false,\"type\":\"binary\"},"
                   "{\"id\":6,\"name\":\"l\",\"required\":false,\"type\":{\"type\":\"list\",\"element-id\":8,"
                   "\"element-required\":false,\"element\":\"int\"}},"
                   "{\"id\":7,\"name\":\"f\",\"required\":false,\"type\":\"double\"}]}";
  CHECK_OK(qb_schema_parse_json(&s, js, strlen(js), &err), &err);
  qb_row_decoder *d;
  CHECK_OK(qb_row_decoder_new(&d, s, &err), &err);
  const char *line = "{\"d\":\"1969-12-31\",\"t\":\"2024-02-29T23:59:59.5\",\"m\":\"-12.30\","
                     "\"u\":\"f79c3e09-677c-4bbd-a479-3f349cb785e7\",\"b\":\"00ff\",\"l\":[1,null,3],\"f\":\"NaN\"}";
  const qb_value *row;
  CHECK_OK(qb_row_decoder_parse(&row, d, line, strlen(line), &err), &err);
  CHECK_EQ_INT(row->u.seq.items[0].u.i32, -1);
  char *out;
  size_t n;
  CHECK_OK(qb_row_to_json(&out, &n, qb_schema_struct(s), row, &err), &err);
  CHECK_EQ_STR(out, "{\"d\":\"1969-12-31\",\"t\":\"2024-02-29T23:59:59.5\",\"m\":\"-12.30\","
                    "\"u\":\"f79c3e09-677c-4bbd-a479-3f349cb785e7\",\"b\":\"00ff\",\"l\":[1,null,3],\"f\":\"NaN\"}");
  free(out);
  CHECK_FAIL(qb_row_decoder_parse(&row, d, "{\"zz\":1}", 8, &err), QB_EINVAL, &err, "no column named 'zz'");
  CHECK_FAIL(qb_row_decoder_parse(&row, d, "{\"d\":\"2023-02-29\"}", 18, &err), QB_EINVAL, &err, "is not a date");
  CHECK_FAIL(qb_row_decoder_parse(&row, d, "{\"m\":\"1.234\"}", 13, &err), QB_EINVAL, &err, "more than 2 digits");
  /* 39 digits: a number too wide for any decimal, not "not a decimal number" */
  line = "{\"m\":\"100000000000000000000000000000000000000\"}";
  CHECK_FAIL(qb_row_decoder_parse(&row, d, line, strlen(line), &err), QB_EINVAL, &err, "does not fit decimal(9, 2)");
  qb_row_decoder_free(d);
  qb_schema_free(s);
}

/* A string column of a foreign file may hold bytes that are not UTF-8; the JSON of the row must still be
 * UTF-8 (RFC 8259): each such byte is U+FFFD, as parquet cat and avro cat write it (before, the raw bytes were
 * copied into scan --format jsonl, which no JSON reader took). Map keys go the same way. */
QB_TEST(json_rows_hold_only_utf8)
{
  qb_err err = QB_ERR_INIT;
  qb_schema *s;
  const char *js = "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"s\",\"required\":false,\"type\":\"string\"},"
                   "{\"id\":2,\"name\":\"m\",\"required\":false,\"type\":{\"type\":\"map\",\"key-id\":3,"
                   "\"key\":\"string\",\"value-id\":4,\"value-required\":false,\"value\":\"int\"}}]}";
  CHECK_OK(qb_schema_parse_json(&s, js, strlen(js), &err), &err);
  static const uint8_t bad[] = "a\xff\xc3(\xe2\x82\xac\xed\xa0\x80\xf0\x9f\x98\x80z";
  qb_value pair[2] = {{.kind = QB_V_STRING, .u.bytes = {bad, 2}}, {.kind = QB_V_INT32, .u.i32 = 1}};
  qb_value items[2] = {{.kind = QB_V_STRING, .u.bytes = {bad, sizeof bad - 1}},
                       {.kind = QB_V_MAP, .u.seq = {pair, 1}}};
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
  char *out;
  size_t n;
  CHECK_OK(qb_row_to_json(&out, &n, qb_schema_struct(s), &row, &err), &err);
  /* \xff and a lone \xc3 bad; the euro sign and the emoji kept; the encoded surrogate (3 bytes) bad */
  CHECK_EQ_STR(out, "{\"s\":\"a\\ufffd\\ufffd(\xe2\x82\xac\\ufffd\\ufffd\\ufffd\xf0\x9f\x98\x80z\",\"m\":{\"a\\ufffd\":1}}");
  free(out);
  qb_schema_free(s);
}

/* ---- the pipeline's shape: identity partitions on processing_date, basis_set, backend ------------------ */

typedef struct gen {
  int i, n;
  qb_value items[4];
  qb_value row;
} gen;

static int next_vqe_row(void *ctx, const qb_value **row, qb_err *err)
{
  (void)err;
  gen *g = ctx;
  static const char *const basis[] = {"sto-3g", "6-31g", "cc-pvdz"}, *const backend[] = {"aer", "ibm_kyiv"};
  if (g->i == g->n) {
    *row = NULL;
    return QB_OK;
  }
  int i = g->i++;
  g->items[0] = (qb_value){.kind = QB_V_INT32, .u.i32 = 19723 + i % 2}; /* 2024-01-01, 2024-01-02 */
  g->items[1] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)basis[i / 2 % 3], strlen(basis[i / 2 % 3])}};
  g->items[2] = (qb_value){.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)backend[i / 6 % 2], strlen(backend[i / 6 % 2])}};
  g->items[3] = (qb_value){.kind = QB_V_DOUBLE, .u.f64 = -1.0 - i};
  g->row = (qb_value){.kind = QB_V_STRUCT, .u.seq = {g->items, 4}};
  *row = &g->row;
  return QB_OK;
}

QB_TEST(point_query_on_basis_set_and_backend)
{
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_schema *schema;
  qb_table *t;
  const char *js = "{\"type\":\"struct\",\"fields\":["
                   "{\"id\":1,\"name\":\"processing_date\",\"required\":true,\"type\":\"date\"},"
                   "{\"id\":2,\"name\":\"basis_set\",\"required\":true,\"type\":\"string\"},"
                   "{\"id\":3,\"name\":\"backend\",\"required\":true,\"type\":\"string\"},"
                   "{\"id\":4,\"name\":\"energy\",\"required\":false,\"type\":\"double\"}]}";
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "quantum", &err), &err);
  CHECK_OK(qb_schema_parse_json(&schema, js, strlen(js), &err), &err);
  qb_partition_field pf[] = {{1, 0, "processing_date", {QB_TR_IDENTITY, 0, NULL}},
                             {2, 0, "basis_set", {QB_TR_IDENTITY, 0, NULL}},
                             {3, 0, "backend", {QB_TR_IDENTITY, 0, NULL}}};
  qb_partition_spec spec = {0, 3, pf};
  qb_table_def def = {schema, &spec, NULL, NULL, 0};
  CHECK_OK(qb_catalog_create_table_def(&t, cat, "quantum.vqe", &def, NULL, &err), &err);
  /* two batches, each one streamed call with its tag: 2 dates x 3 basis sets x 2 backends = 12 files each */
  for (int b = 0; b < 2; b++) {
    gen g = {0, 24, {{0}}, {0}};
    qb_txn_result r;
    CHECK_OK(qb_table_append_stream(t, next_vqe_row, &g, b ? "batch-2" : "batch-1", &r, &err), &err);
    CHECK_EQ_INT(r.added_files, 12);
    CHECK_EQ_INT(r.added_records, 24);
  }
  scan_out s;
  CHECK_OK(scan_count(&s, t, "basis_set = '6-31g' AND backend = 'ibm_kyiv'", NULL, &err), &err);
  CHECK_EQ_INT(s.m.data_files_total, 24);
  CHECK_EQ_INT(s.m.data_files_scanned, 4); /* 2 dates x 2 batches: only the matching files are read */
  CHECK_EQ_INT(s.m.data_files_pruned_partition, 20);
  CHECK_EQ_INT(s.rows, 8);
  CHECK_OK(scan_count(&s, t, "basis_set = '6-31g' AND backend = 'ibm_kyiv' AND processing_date = '2024-01-02'", NULL,
                      &err),
           &err);
  CHECK_EQ_INT(s.m.data_files_scanned, 2);
  CHECK_EQ_INT(s.rows, 4);
  CHECK_OK(scan_count(&s, t, NULL, "batch-1", &err), &err);
  CHECK_EQ_INT(s.rows, 24);
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
}

/* ---- -0.0 and NaN: pruning agrees with the row filter ------------------------------------------------- */

#define ZN_SCHEMA                                                                                                \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"}," \
  "{\"id\":2,\"name\":\"d\",\"required\":false,\"type\":\"double\"},"                                            \
  "{\"id\":3,\"name\":\"f\",\"required\":false,\"type\":\"float\"}]}"

/* A catalog in the test's folder with namespace db, and ZN_SCHEMA parsed. */
static int zn_catalog(qb_catalog **cat, qb_schema **schema, qb_err *err)
{
  int rc = qb_catalog_open(cat, qb_test_tmpdir(), NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(*cat, "db", err);
  return rc ? rc : qb_schema_parse_json(schema, ZN_SCHEMA, strlen(ZN_SCHEMA), err);
}

/* The row filter's order, written out independently: Java's Double.compare (-0.0 < 0.0, NaN above all). */
static int java_cmp(double a, double b)
{
  if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
  if (a != b) return a < b ? -1 : 1;
  return (int)!signbit(a) - (int)!signbit(b);
}

typedef struct zn_filter {
  const char *op; /* "<" ... "!=", "IN", "NOT IN" */
  double lits[2];
  size_t n_lits;
  const char *text; /* the literals as written in the filter */
} zn_filter;

static bool zn_holds(const zn_filter *z, double v)
{
  if (!strcmp(z->op, "IN") || !strcmp(z->op, "NOT IN")) {
    bool in = false;
    for (size_t i = 0; i < z->n_lits; i++) in = in || java_cmp(v, z->lits[i]) == 0;
    return in == !strcmp(z->op, "IN");
  }
  int c = java_cmp(v, z->lits[0]);
  if (!strcmp(z->op, "<")) return c < 0;
  if (!strcmp(z->op, "<=")) return c <= 0;
  if (!strcmp(z->op, ">")) return c > 0;
  if (!strcmp(z->op, ">=")) return c >= 0;
  if (!strcmp(z->op, "=")) return c == 0;
  return c != 0;
}

/* Rows whose d (and f) is -0.0, 0.0 or NaN come back for a filter exactly when the filter holds for them,
 * whatever their neighbours: whether their file and row group are pruned by bounds and statistics must not
 * matter. Each value set is written three ways: one file of one row group; one row group per row (file
 * bounds over all, row group statistics per value); partitioned by d (a file and partition per value).
 * Before, {-0.0, 1.0} gave nothing for "d < 0" (its min -0.0 equal to 0 in IEEE) while {-0.0, 1.0, -1.5}
 * gave the -0.0 row, and {NaN, 1.0} gave nothing for "d > 5" while {NaN, 10.0} gave the NaN row. */
QB_TEST(signed_zero_and_nan_rows_do_not_depend_on_neighbours)
{
  static const struct {
    size_t n;
    double v[3];
  } sets[] = {
      {3, {-0.0, 1.0, -1.5}}, {2, {-0.0, 1.0}}, {2, {0.0, -1.0}}, {3, {0.0, -1.0, 2.0}}, {1, {-0.0}},
      {1, {0.0}},             {2, {-0.0, 0.0}}, {2, {NAN, 1.0}},  {2, {NAN, 10.0}},      {1, {NAN}},
      {2, {NAN, -0.0}},       {3, {0.0, NAN, -2.0}},
  };
  static const char *const ops[] = {"<", "<=", ">", ">=", "=", "!="};
  zn_filter filters[6 * 3 + 3];
  size_t n_filters = 0;
  static const struct {
    double v;
    const char *text;
  } lits[] = {{0.0, "0"}, {-0.0, "-0.0"}, {5.0, "5"}};
  for (size_t o = 0; o < 6; o++)
    for (size_t l = 0; l < 3; l++) filters[n_filters++] = (zn_filter){ops[o], {lits[l].v, 0}, 1, lits[l].text};
  filters[n_filters++] = (zn_filter){"IN", {5.0, NAN}, 2, "(5, 'NaN')"};
  filters[n_filters++] = (zn_filter){"IN", {-0.0, 7.0}, 2, "(-0.0, 7)"};
  filters[n_filters++] = (zn_filter){"NOT IN", {0.0, 7.0}, 2, "(0, 7)"};
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_schema *schema;
  CHECK_OK(zn_catalog(&cat, &schema, &err), &err);
  qb_partition_field by_d = {2, 1000, "d", {QB_TR_IDENTITY, 0, NULL}};
  qb_partition_spec spec = {0, 1, &by_d};
  qb_kv one_row_per_group = {"write.parquet.row-group-size-bytes", "1"};
  for (size_t si = 0; si < sizeof sets / sizeof *sets; si++) {
    for (int layout = 0; layout < 3; layout++) {
      char name[32];
      snprintf(name, sizeof name, "db.t%zu_%d", si, layout);
      qb_table_def def = {schema, layout == 2 ? &spec : NULL, NULL, layout == 1 ? &one_row_per_group : NULL,
                          layout == 1 ? 1u : 0u};
      qb_table *t;
      CHECK_OK(qb_catalog_create_table_def(&t, cat, name, &def, NULL, &err), &err);
      qb_txn *txn;
      CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, &err), &err);
      for (size_t i = 0; i < sets[si].n; i++) {
        qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = INT64_C(1) << i},
                             {.kind = QB_V_DOUBLE, .u.f64 = sets[si].v[i]},
                             {.kind = QB_V_FLOAT, .u.f32 = (float)sets[si].v[i]}};
        qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
        CHECK_OK(qb_txn_write(txn, &row, &err), &err);
      }
      qb_txn_result r;
      CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
      scan_out s;
      CHECK_OK(scan_count(&s, t, NULL, NULL, &err), &err);
      CHECK_EQ_INT(s.rows, sets[si].n);
      /* the layouts are what they claim: one row group per row in 1, one file per row in 2 */
      if (layout == 1) CHECK_EQ_INT(s.m.row_groups_read, sets[si].n);
      if (layout == 2) CHECK_EQ_INT(s.m.data_files_total, sets[si].n);
      for (int col = 0; col < 2; col++) {
        for (size_t fi = 0; fi < n_filters; fi++) {
          const zn_filter *z = &filters[fi];
          char where[64];
          snprintf(where, sizeof where, "%s %s %s", col ? "f" : "d", z->op, z->text);
          int64_t want = 0;
          for (size_t i = 0; i < sets[si].n; i++)
            if (zn_holds(z, col ? (double)(float)sets[si].v[i] : sets[si].v[i])) want |= INT64_C(1) << i;
          CHECK_OK(scan_count(&s, t, where, NULL, &err), &err);
          if (s.id_sum != want)
            fprintf(stderr, "  set %zu layout %d: %s gave ids %lld, want %lld\n", si, layout, where,
                    (long long)s.id_sum, (long long)want);
          EXPECT(s.id_sum == want);
        }
      }
      qb_table_free(t);
    }
  }
  qb_schema_free(schema);
  qb_catalog_free(cat);
}

/* x != 'NaN' and x NOT IN ('NaN') are comparisons: not true for a null x (SQL), as x != 1.5 and
 * x NOT IN (1.5, 'NaN') are. Before, they were bound to notNaN(x) alone, which holds for null, so they
 * returned the null rows (and delete --where "d != 'NaN'" deleted them). NOT (x IS NAN) keeps them (Java's
 * notNaN). Row ids: 1 NaN, 2 1.5, 4 null. */
QB_TEST(nan_inequality_does_not_select_nulls)
{
  static const struct {
    const char *where;
    int64_t want;
  } cases[] = {
      {"d != 'NaN'", 2},       {"d <> 'NaN'", 2},        {"d NOT IN ('NaN')", 2}, {"NOT (d = 'NaN')", 2},
      {"NOT (d IN ('NaN'))", 2}, {"d != 'NaN' OR id = 4", 6}, {"NOT (d != 'NaN')", 1}, {"d = 'NaN'", 1},
      {"d NOT IN (1.5, 'NaN')", 0}, {"d != 1.5", 1},        {"NOT (d IS NAN)", 6},   {"f != 'NaN'", 2},
      {"f NOT IN ('NaN')", 2},
  };
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_schema *schema;
  CHECK_OK(zn_catalog(&cat, &schema, &err), &err);
  qb_table_def def = {schema, NULL, NULL, NULL, 0};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table_def(&t, cat, "db.nn", &def, NULL, &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, &err), &err);
  const double dv[3] = {NAN, 1.5, 0};
  for (int k = 0; k < 3; k++) {
    qb_value items[3] = {{.kind = QB_V_INT64, .u.i64 = INT64_C(1) << k},
                         {.kind = k == 2 ? QB_V_NULL : QB_V_DOUBLE, .u.f64 = dv[k]},
                         {.kind = k == 2 ? QB_V_NULL : QB_V_FLOAT, .u.f32 = (float)dv[k]}};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 3}};
    CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  }
  qb_txn_result r;
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    scan_out s;
    CHECK_OK(scan_count(&s, t, cases[i].where, NULL, &err), &err);
    if (s.id_sum != cases[i].want)
      fprintf(stderr, "  %s gave ids %lld, want %lld\n", cases[i].where, (long long)s.id_sum, (long long)cases[i].want);
    EXPECT(s.id_sum == cases[i].want);
  }
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
}

/* truncate[10] of an int near INT32_MIN: the bucket of INT32_MIN starts at -2147483650, which Java's int
 * arithmetic (and qberg's writer) wraps to the partition value 2147483646. Pruning must still find those rows
 * (i < 0, i <= v) and must not compute a bound from a literal in that bucket (i > INT32_MIN projected to
 * t(i) >= 2147483646 pruned every ordinary partition). Before, "i < 0" lost the INT32_MIN row and "i >
 * -2147483648" returned nothing. The same after widening to long (old files keep the int's wrapped value;
 * "i = -9223372036854775808" was an error, "truncate[10] overflows"). Each row is its own partition and
 * file; the reference is the comparison itself, null never matching. */
QB_TEST(truncate_near_the_int_minimum_prunes_no_row)
{
  enum { N = 8 };
  static const int32_t iv[N] = {INT32_MIN, INT32_MIN + 7, INT32_MIN + 8, -5, 0, 7, INT32_MAX, 0};
  static const char *const ops[] = {"<", "<=", ">", ">=", "=", "!="};
  static const char *const lits[] = {"-2147483648", "-2147483647", "-2147483641", "-2147483640", "-1", "0", "2147483647"};
  static const char *const long_lits[] = {"-9223372036854775808", "-9223372036854775807", "-2147483650", "-2147483649"};
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_schema *schema;
  const char *json = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,"
                     "\"type\":\"long\"},{\"id\":2,\"name\":\"i\",\"required\":false,\"type\":\"int\"}]}";
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "db", &err), &err);
  CHECK_OK(qb_schema_parse_json(&schema, json, strlen(json), &err), &err);
  qb_partition_field by_i = {2, 1000, "i_trunc", {QB_TR_TRUNCATE, 10, NULL}};
  qb_partition_spec spec = {0, 1, &by_i};
  qb_table_def def = {schema, &spec, NULL, NULL, 0};
  qb_table *t;
  CHECK_OK(qb_catalog_create_table_def(&t, cat, "db.tr", &def, NULL, &err), &err);
  qb_txn *txn;
  CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, &err), &err);
  for (int k = 0; k < N; k++) {
    qb_value items[2] = {{.kind = QB_V_INT64, .u.i64 = INT64_C(1) << k},
                         {.kind = k == N - 1 ? QB_V_NULL : QB_V_INT32, .u.i32 = iv[k]}};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
    CHECK_OK(qb_txn_write(txn, &row, &err), &err);
  }
  qb_txn_result r;
  CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
  for (int widened = 0; widened < 2; widened++) {
    if (widened) {
      qb_schema_change *c;
      CHECK_OK(qb_schema_change_begin(&c, t, &err), &err);
      CHECK_OK(qb_schema_widen_column(c, "i", qb_type_primitive(QB_T_LONG), &err), &err);
      CHECK_OK(qb_schema_change_commit(c, NULL, &err), &err);
    }
    for (size_t li = 0; li < (widened ? 11u : 7u); li++) {
      const char *lit = li < 7 ? lits[li] : long_lits[li - 7];
      long long lv = strtoll(lit, NULL, 10);
      for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
        char where[80];
        snprintf(where, sizeof where, "i %s %s", ops[o], lit);
        int64_t want = 0;
        for (int k = 0; k < N - 1; k++) {
          int c = iv[k] < lv ? -1 : iv[k] > lv;
          bool h = !strcmp(ops[o], "<") ? c < 0 : !strcmp(ops[o], "<=") ? c <= 0 : !strcmp(ops[o], ">") ? c > 0
                   : !strcmp(ops[o], ">=") ? c >= 0 : !strcmp(ops[o], "=") ? c == 0 : c != 0;
          if (h) want |= INT64_C(1) << k;
        }
        scan_out so;
        CHECK_OK(scan_count(&so, t, where, NULL, &err), &err);
        if (so.id_sum != want)
          fprintf(stderr, "  widened %d: %s gave ids %lld, want %lld\n", widened, where, (long long)so.id_sum,
                  (long long)want);
        EXPECT(so.id_sum == want);
      }
    }
  }
  qb_table_free(t);
  qb_schema_free(schema);
  qb_catalog_free(cat);
}

/* A literal beyond a column's range (i < 3000000000 on an int, l > 99999999999999999999 on a long, f = 1e300
 * on a float) is compared as a number, as SQL does: every non-null row lies below 3000000000, none equals it.
 * Before, the int and long cases were an error ("does not fit a 32-bit int", "is not an integer") and the
 * float literal became infinity, so f = 1e300 gave the +inf row and f > 1e300 did not. The reference below
 * compares the rows' values with the literal's text in long double, NaN above every number, null never
 * matching; each filter runs on one file and on one row group per row (statistics pruning). */
#define BR_SCHEMA                                                                                                  \
  "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"}," \
  "{\"id\":2,\"name\":\"i\",\"required\":false,\"type\":\"int\"},"                                                \
  "{\"id\":3,\"name\":\"l\",\"required\":false,\"type\":\"long\"},"                                               \
  "{\"id\":4,\"name\":\"f\",\"required\":false,\"type\":\"float\"}]}"

static bool br_cmp_holds(const char *op, long double v, long double lit)
{
  int c = isnan(v) ? 1 : v < lit ? -1 : v > lit ? 1 : 0;
  if (!strcmp(op, "<")) return c < 0;
  if (!strcmp(op, "<=")) return c <= 0;
  if (!strcmp(op, ">")) return c > 0;
  if (!strcmp(op, ">=")) return c >= 0;
  if (!strcmp(op, "=")) return c == 0;
  return c != 0;
}

QB_TEST(literals_beyond_a_columns_range_filter_as_sql)
{
  enum { N = 7 };
  static const bool i_null[N] = {0, 0, 0, 0, 1, 0, 0}, f_null[N] = {0, 0, 0, 0, 0, 0, 1};
  static const int32_t iv[N] = {INT32_MIN, -1, 0, INT32_MAX, 0, 7, 5};
  static const int64_t lv[N] = {INT64_MIN, -1, 0, INT64_MAX, 0, 7, 5};
  const float fv[N] = {-INFINITY, -FLT_MAX, 1.5f, FLT_MAX, INFINITY, NAN, 0};
  static const char *const ops[] = {"<", "<=", ">", ">=", "=", "!="};
  static const char *const int_lits[] = {"3000000000", "-3000000000", "99999999999999999999", "-99999999999999999999"};
  static const char *const float_lits[] = {"1e300", "-1e300", "3.5e38", "-3.5e38", "3.4028235e38"};
  static const struct {
    char col;
    const char *op, *list; /* the literals of an IN list, as written */
  } lists[] = {{'i', "IN", "0, 3000000000"},        {'i', "IN", "3000000000"},
               {'i', "NOT IN", "3000000000, -3000000000"}, {'i', "NOT IN", "0, 3000000000"},
               {'l', "IN", "7, 99999999999999999999"}, {'l', "NOT IN", "-99999999999999999999"},
               {'f', "IN", "1.5, 1e300"},            {'f', "NOT IN", "1e300, 1.5"}};
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat;
  qb_schema *schema;
  CHECK_OK(qb_catalog_open(&cat, qb_test_tmpdir(), NULL, &err), &err);
  CHECK_OK(qb_catalog_create_namespace(cat, "db", &err), &err);
  CHECK_OK(qb_schema_parse_json(&schema, BR_SCHEMA, strlen(BR_SCHEMA), &err), &err);
  qb_kv one_row_per_group = {"write.parquet.row-group-size-bytes", "1"};
  for (int layout = 0; layout < 2; layout++) {
    char name[32];
    snprintf(name, sizeof name, "db.br%d", layout);
    qb_table_def def = {schema, NULL, NULL, layout ? &one_row_per_group : NULL, layout ? 1u : 0u};
    qb_table *t;
    CHECK_OK(qb_catalog_create_table_def(&t, cat, name, &def, NULL, &err), &err);
    qb_txn *txn;
    CHECK_OK(qb_txn_begin(&txn, t, QB_TXN_APPEND, NULL, &err), &err);
    for (int k = 0; k < N; k++) {
      qb_value items[4] = {{.kind = QB_V_INT64, .u.i64 = INT64_C(1) << k},
                           {.kind = i_null[k] ? QB_V_NULL : QB_V_INT32, .u.i32 = iv[k]},
                           {.kind = i_null[k] ? QB_V_NULL : QB_V_INT64, .u.i64 = lv[k]},
                           {.kind = f_null[k] ? QB_V_NULL : QB_V_FLOAT, .u.f32 = fv[k]}};
      qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
      CHECK_OK(qb_txn_write(txn, &row, &err), &err);
    }
    qb_txn_result r;
    CHECK_OK(qb_txn_commit(txn, &r, &err), &err);
    scan_out s;
    char where[96];
    for (int col = 0; col < 3; col++) {
      const char *const *lits = col == 2 ? float_lits : int_lits;
      for (size_t li = 0; li < (col == 2 ? 5u : 4u); li++) {
        if (col == 1 && li < 2) continue; /* 3000000000 is a long */
        long double lit = strtold(lits[li], NULL);
        /* a float literal is rounded to float unless that overflows: 3.4028235e38, the text qberg prints for
         * the largest float, is that float */
        if (col == 2 && isfinite((float)lit)) lit = (float)lit;
        for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
          snprintf(where, sizeof where, "%s %s %s", col == 0 ? "i" : col == 1 ? "l" : "f", ops[o], lits[li]);
          int64_t want = 0;
          for (int k = 0; k < N; k++) {
            bool null = col == 2 ? f_null[k] : i_null[k];
            long double v = col == 0 ? (long double)iv[k] : col == 1 ? (long double)lv[k] : (long double)fv[k];
            if (!null && br_cmp_holds(ops[o], v, lit)) want |= INT64_C(1) << k;
          }
          CHECK_OK(scan_count(&s, t, where, NULL, &err), &err);
          if (s.id_sum != want)
            fprintf(stderr, "  layout %d: %s gave ids %lld, want %lld\n", layout, where, (long long)s.id_sum,
                    (long long)want);
          EXPECT(s.id_sum == want);
        }
      }
    }
    for (size_t li = 0; li < sizeof lists / sizeof *lists; li++) {
      snprintf(where, sizeof where, "%c %s (%s)", lists[li].col, lists[li].op, lists[li].list);
      bool in_op = !strcmp(lists[li].op, "IN");
      int64_t want = 0;
      for (int k = 0; k < N; k++) {
        int col = lists[li].col == 'i' ? 0 : lists[li].col == 'l' ? 1 : 2;
        bool null = col == 2 ? f_null[k] : i_null[k];
        long double v = col == 0 ? (long double)iv[k] : col == 1 ? (long double)lv[k] : (long double)fv[k];
        bool member = false;
        for (const char *p = lists[li].list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
          member = member || (!isnan(v) && v == strtold(p, NULL));
        if (!null && member == in_op) want |= INT64_C(1) << k;
      }
      CHECK_OK(scan_count(&s, t, where, NULL, &err), &err);
      if (s.id_sum != want)
        fprintf(stderr, "  layout %d: %s gave ids %lld, want %lld\n", layout, where, (long long)s.id_sum,
                (long long)want);
      EXPECT(s.id_sum == want);
    }
    /* what is not a number of the column's kind stays an error */
    CHECK_FAIL(scan_count(&s, t, "i < 1e10", NULL, &err), QB_EINVAL, &err, "1e10 is not an integer");
    qb_err_clear(&err);
    qb_table_free(t);
  }
  qb_schema_free(schema);
  qb_catalog_free(cat);
}
