/* SPDX-License-Identifier: Apache-2.0 */
/* Manifests and manifest lists: every corpus table's snapshots (counts from the corpus PROVENANCE), Java's
 * exact schemas and metadata, write -> read round trips, summaries equal to the ones Java/Spark wrote,
 * inheritance rules, partition summaries table-driven, and the errors corrupt or misused files give. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "iceberg/manifest_int.h"
#include "qberg/qberg.h"
#include "util/str.h"

static char *data_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *data_path(const char *fmt, ...)
{
  static char buf[8][1024];
  static int k;
  char rel[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rel, sizeof rel, fmt, ap);
  va_end(ap);
  char *out = buf[k++ % 8];
  snprintf(out, sizeof buf[0], "%s/%s", qb_test_data_dir(), rel);
  return out;
}

/* The local copy of a file a corpus table references by its original URI (only the basename matters). */
static const char *local(const char *table, const char *uri)
{
  const char *base = strrchr(uri, '/') ? strrchr(uri, '/') + 1 : uri;
  char *p = data_path("manifest/%s/%s", table, base);
  FILE *f = fopen(p, "rb");
  if (f) {
    fclose(f);
    return p;
  }
  return data_path("avro/%s/%s", table, base);
}

static qb_fileio *io_new(void)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = NULL;
  if (qb_fileio_local_new(&io, &err)) fprintf(stderr, "%s\n", err.msg);
  return io;
}

/* ---- every corpus table: live files and records per snapshot ------------------------------------------- */

typedef struct counts {
  int64_t data_files, records, pos_files, eq_files, entries, deleted;
} counts;

/* Walk one snapshot: its list (or v1 inline manifests), every manifest with the list entry's inheritance and
 * the table's spec for that manifest. Also checks the inherited numbers are assigned and consistent. */
static int walk(counts *c, qb_fileio *io, const char *table, const qb_table_metadata *md, const qb_snapshot *snap,
                qb_err *err)
{
  memset(c, 0, sizeof *c);
  qb_snapshot s = *snap;
  const char *inline_paths[16];
  if (s.manifest_list) {
    s.manifest_list = local(table, snap->manifest_list);
  } else {
    for (size_t i = 0; i < s.n_manifests && i < 16; i++) inline_paths[i] = local(table, snap->manifests[i]);
    s.manifests = inline_paths;
  }
  qb_manifest_list_reader *lr;
  int rc = qb_manifest_list_reader_open_snapshot(&lr, io, &s, err);
  if (rc) return rc;
  while (!rc) {
    const qb_manifest_file *m;
    if ((rc = qb_manifest_list_reader_next(&m, lr, err)) || !m) break;
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    o.manifest = m;
    o.spec = qb_table_metadata_spec_by_id(md, m->partition_spec_id);
    o.schema = qb_table_metadata_current_schema(md);
    qb_manifest_reader *r;
    if ((rc = qb_manifest_reader_open(&r, io, local(table, m->manifest_path), &o, err))) break;
    while (!rc) {
      const qb_manifest_entry *e;
      if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
      c->entries++;
      if (e->snapshot_id <= 0 || e->sequence_number < 0 || e->file_sequence_number < 0)
        rc = QB_FAIL(err, QB_EINTERNAL, "%s: entry without inherited numbers", e->data_file.file_path);
      else if (e->status == QB_ENTRY_ADDED && e->sequence_number != m->sequence_number)
        rc = QB_FAIL(err, QB_EINTERNAL, "%s: ADDED entry seq %" PRId64 " != manifest's %" PRId64,
                     e->data_file.file_path, e->sequence_number, m->sequence_number);
      else if (e->data_file.partition.u.seq.n != (o.spec ? o.spec->n_fields : 0))
        rc = QB_FAIL(err, QB_EINTERNAL, "partition arity");
      if (e->status == QB_ENTRY_DELETED) {
        c->deleted++;
        continue;
      }
      switch (e->data_file.content) {
      case QB_CONTENT_DATA:
        c->data_files++;
        c->records += e->data_file.record_count;
        break;
      case QB_CONTENT_POSITION_DELETES: c->pos_files++; break;
      default: c->eq_files++; break;
      }
    }
    qb_manifest_reader_close(r);
  }
  qb_manifest_list_reader_close(lr);
  return rc;
}

QB_TEST(corpus_snapshots_match_provenance)
{
  /* shared/corpus/iceberg/PROVENANCE.md "Current snapshot: N data files, sum(record_count)=R, position-delete
   * files, equality-delete files" and the per-snapshot row counts of tables without deletes */
  static const struct {
    const char *table, *metadata;
    const char *snapshot; /* NULL: current */
    int64_t data_files, records, pos_files, eq_files;
  } cases[] = {
      {"icebird-java-bunnies", "v5.metadata.json", NULL, 2, 22, 1, 1},
      {"icebird-java-bunnies", "v5.metadata.json", "4951213507629824583", 1, 21, 0, 0},
      {"icebird-spark-bunnies", "v5.metadata.json", NULL, 1, 20, 1, 0},
      {"icebird-spark-bunnies", "v5.metadata.json", "7505300640432048841", 1, 21, 0, 0},
      {"icebird-spark-rename-column", "v3.metadata.json", NULL, 3, 4, 0, 0},
      {"icebird-athena-example", "00001-aaf0d033-d06b-43c7-be60-67f83abd4aca.metadata.json", NULL, 1, 2, 0, 0},
      {"duckdb-equality-deletes", "v7.metadata.json", NULL, 2, 6, 0, 4},
      {"duckdb-partition-evolution", "v4.metadata.json", NULL, 6, 6, 0, 0},
      {"duckdb-partition-evolution", "v4.metadata.json", "2541674261311761067", -1, 2, 0, 0},
      {"duckdb-lineitem-v2", "v2.metadata.json", NULL, 1, 51793, 0, 0},
      {"duckdb-lineitem-v2", "v2.metadata.json", "7817332053627255703", 1, 60175, 0, 0},
      {"duckdb-lineitem-v1-gz-nohint", "v2.gz.metadata.json", NULL, 1, 111968, 0, 0},
      {"duckdb-v1-inline-manifests", "v2.metadata.json", NULL, 2, 3, 0, 0},
      {"duckdb-v1-existing-entries", "00003-8d01e4aa-d143-49c9-898e-b5e477577b70.metadata.json", NULL, 2, 4, 0, 0},
      {"duckdb-partition-decimal", "v2.metadata.json", NULL, 10, 10, 0, 0},
      {"duckdb-partition-time", "00001-44546aa6-1ee5-48c5-9e3b-bc6c0bc0a60c.metadata.json", NULL, 2, 2, 0, 0},
      {"duckdb-partition-timestamptz", "00001-ffeadb58-2a9e-46ba-8b4f-f363f05de68c.metadata.json", NULL, 2, 2, 0, 0},
      {"duckdb-partition-binary", "v2.metadata.json", NULL, 2, 2, 0, 0},
      {"duckdb-uuid", "00001-43fda1f4-1c96-4376-ad16-91beb71d0759.metadata.json", NULL, 2, 10, 0, 0},
      {"duckdb-null-stats", "00003-9d6a621e-8a72-4190-a880-f6ca02e32b86.metadata.json", NULL, 3, 9, 0, 0},
      {"duckdb-null-stats", "00003-9d6a621e-8a72-4190-a880-f6ca02e32b86.metadata.json", "250057325269371674", -1, 3, 0, 0},
      {"duckdb-null-stats", "00003-9d6a621e-8a72-4190-a880-f6ca02e32b86.metadata.json", "9136741709133330043", -1, 6, 0,
       0},
      {"duckdb-map-day-partition", "00002-0e059d4b-e5e8-41af-a763-76cbf3a3d0bc.metadata.json", NULL, 2, 2, 0, 0},
      {"duckdb-map-day-partition", "00002-0e059d4b-e5e8-41af-a763-76cbf3a3d0bc.metadata.json", "8792170059756986233", 1, 1,
       0, 0},
  };
  qb_fileio *io = io_new();
  CHECK(io);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_table_metadata *md = NULL;
    counts c;
    int rc = qb_table_metadata_read(&md, io, data_path("table_metadata/%s__%s", cases[i].table, cases[i].metadata), &err);
    const qb_snapshot *s = NULL;
    if (!rc) {
      int64_t id;
      s = cases[i].snapshot ? (qb_str_to_i64(cases[i].snapshot, &id) ? qb_table_metadata_snapshot_by_id(md, id) : NULL)
                            : qb_table_metadata_current_snapshot(md);
      rc = s ? walk(&c, io, cases[i].table, md, s, &err) : QB_FAIL(&err, QB_ENOTFOUND, "no such snapshot");
    }
    if (rc) {
      fprintf(stderr, "  %s %s: %s\n", cases[i].table, cases[i].snapshot ? cases[i].snapshot : "current", err.msg);
      EXPECT(rc == QB_OK);
    } else {
      EXPECT(cases[i].data_files < 0 || c.data_files == cases[i].data_files);
      EXPECT(c.records == cases[i].records);
      EXPECT(c.pos_files == cases[i].pos_files);
      EXPECT(c.eq_files == cases[i].eq_files);
      if (c.records != cases[i].records || (cases[i].data_files >= 0 && c.data_files != cases[i].data_files))
        fprintf(stderr, "  %s: %" PRId64 " files %" PRId64 " records\n", cases[i].table, c.data_files, c.records);
    }
    qb_table_metadata_free(md);
  }
  qb_fileio_free(io);
}

/* ---- Java's exact schemas and metadata ---------------------------------------------------------------- */

static bool meta_equal(const qb_avro_reader *a, const qb_avro_reader *b, const char *key)
{
  qb_slice x, y;
  bool ha = qb_avro_reader_meta(a, key, &x), hb = qb_avro_reader_meta(b, key, &y);
  if (!ha || !hb || x.n != y.n || memcmp(x.p, y.p, x.n)) {
    fprintf(stderr, "  metadata %s differs: %.*s\n  vs %.*s\n", key, ha ? (int)x.n : 6, ha ? (const char *)x.p : "absent",
            hb ? (int)y.n : 6, hb ? (const char *)y.p : "absent");
    return false;
  }
  return true;
}

/* Rewrite every entry of `src` into `dst` with our writer (spec and schema from src's header); *summary gets
 * the writer's manifest_file. */
static int rewrite(qb_manifest_file **summary, qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  qb_manifest_reader *r = NULL, *r2 = NULL;
  qb_manifest_writer *w = NULL;
  int64_t sid = QB_UNASSIGNED;
  int rc = qb_manifest_reader_open(&r, io, src, NULL, err);
  while (!rc) { /* the commit that wrote src: the snapshot id of its ADDED (else DELETED) entries */
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r, err)) || !e) break;
    if (e->status == QB_ENTRY_ADDED || (e->status == QB_ENTRY_DELETED && sid < 0)) sid = e->snapshot_id;
  }
  if (!rc) rc = qb_manifest_reader_open(&r2, io, src, NULL, err);
  if (!rc)
    rc = qb_manifest_writer_open(&w, io, dst, qb_manifest_reader_schema(r2), qb_manifest_reader_spec(r2),
                                 qb_manifest_reader_content(r2), sid, NULL, err);
  while (!rc) {
    const qb_manifest_entry *e;
    if ((rc = qb_manifest_reader_next(&e, r2, err)) || !e) break;
    rc = qb_manifest_writer_append(w, e, err);
  }
  if (!rc) rc = qb_manifest_writer_close(summary, w, err);
  else qb_manifest_writer_abort(w);
  qb_manifest_reader_close(r);
  qb_manifest_reader_close(r2);
  return rc;
}

QB_TEST(java_manifest_schema_and_metadata_exact)
{
  /* Iceberg Java 1.9 (icebird-java-bunnies): data and delete manifests, unpartitioned */
  static const char *const files[] = {"583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro", "a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro",
                                      "e1756967-c907-47e2-8b37-82123c5e5908-m0.avro"};
  qb_fileio *io = io_new();
  for (size_t i = 0; i < 3; i++) {
    qb_err err = QB_ERR_INIT;
    char out[1024];
    qb_manifest_file *m = NULL;
    snprintf(out, sizeof out, "%s/%s", qb_test_tmpdir(), files[i]);
    const char *src = data_path("avro/icebird-java-bunnies/%s", files[i]);
    CHECK_OK(rewrite(&m, io, src, out, &err), &err);
    qb_avro_reader *a, *b;
    CHECK_OK(qb_avro_reader_open_path(&a, io, src, NULL, &err), &err);
    CHECK_OK(qb_avro_reader_open_path(&b, io, out, NULL, &err), &err);
    static const char *const keys[] = {"avro.schema", "avro.codec", "iceberg.schema", "schema", "partition-spec",
                                       "partition-spec-id", "format-version", "content"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) EXPECT(meta_equal(a, b, keys[k]));
    CHECK_EQ_INT(qb_avro_reader_meta_count(b), 8); /* and nothing else (Java writes no schema-id) */
    qb_avro_reader_close(a);
    qb_avro_reader_close(b);
    qb_manifest_file_free(m);
  }
  qb_fileio_free(io);
}

/* The partition record r102 of a file's Avro schema, as text. */
static int r102(char *out, size_t cap, qb_fileio *io, const char *path)
{
  qb_err err = QB_ERR_INIT;
  qb_avro_reader *r;
  qb_slice s;
  char *text = NULL;
  size_t tn;
  if (qb_avro_reader_open_path(&r, io, path, NULL, &err)) return -1;
  /* as Java would print it (PyIceberg's text has other spacing and key order) */
  if (qb_avro_schema_to_json(&text, &tn, qb_avro_reader_writer_schema(r), &err)) return -1;
  s.p = (const uint8_t *)text;
  s.n = tn;
  static const char start[] = "{\"type\":\"record\",\"name\":\"r102\"", stop[] = ",\"doc\":\"Partition data";
  const char *t = memmem(s.p, s.n, start, strlen(start));
  const char *end = t ? memmem(t, s.n - (size_t)(t - (const char *)s.p), stop, strlen(stop)) : NULL;
  int n = end ? snprintf(out, cap, "%.*s", (int)(end - t), t) : -1;
  free(text);
  qb_avro_reader_close(r);
  return n;
}

QB_TEST(partition_record_as_java_builds_it)
{
  /* Spark-written partitioned manifests: bucket[4] + identity(date) with a null value; identity(decimal(16, 11))
   * (fixed decimal_16_11 of 7 bytes); PyIceberg day(timestamp) */
  static const char *const files[] = {"icebird-spark-rename-column/abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro",
                                      "duckdb-partition-decimal/bad4520d-32bc-4c8e-841c-5c9ccc3aab3c-m0.avro",
                                      "duckdb-map-day-partition/8574bca8-244f-4667-965a-03a41a3e4e0e-m0.avro"};
  qb_fileio *io = io_new();
  for (size_t i = 0; i < 3; i++) {
    qb_err err = QB_ERR_INIT;
    char out[1024], want[4096], got[4096];
    qb_manifest_file *m = NULL;
    snprintf(out, sizeof out, "%s/p%zu.avro", qb_test_tmpdir(), i);
    const char *src = data_path("avro/%s", files[i]);
    CHECK_OK(rewrite(&m, io, src, out, &err), &err);
    CHECK(r102(want, sizeof want, io, src) > 0);
    CHECK(r102(got, sizeof got, io, out) > 0);
    CHECK_EQ_STR(got, want);
    qb_manifest_file_free(m);
  }
  qb_fileio_free(io);
}

QB_TEST(java_manifest_list_schema_and_metadata_exact)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  const char *src = data_path("avro/icebird-java-bunnies/snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro");
  char out[1024];
  snprintf(out, sizeof out, "%s/list.avro", qb_test_tmpdir());
  qb_manifest_list_reader *r;
  qb_manifest_list_writer *w;
  CHECK_OK(qb_manifest_list_reader_open(&r, io, src, &err), &err);
  CHECK_EQ_INT(qb_manifest_list_reader_snapshot_id(r), INT64_C(9158179788527662767));
  CHECK_EQ_INT(qb_manifest_list_reader_parent_snapshot_id(r), INT64_C(6458828015811002920));
  CHECK_EQ_INT(qb_manifest_list_reader_sequence_number(r), 3);
  CHECK_OK(qb_manifest_list_writer_open(&w, io, out, qb_manifest_list_reader_snapshot_id(r),
                                        qb_manifest_list_reader_parent_snapshot_id(r), 3, NULL, &err),
           &err);
  const qb_manifest_file *m;
  qb_manifest_file *orig[8];
  size_t n = 0;
  while (qb_manifest_list_reader_next(&m, r, &err) == QB_OK && m && n < 8) {
    CHECK_OK(qb_manifest_list_writer_append(w, m, &err), &err);
    CHECK_OK(qb_manifest_file_copy(&orig[n++], m, &err), &err);
  }
  CHECK_EQ_INT(n, 4);
  CHECK_OK(qb_manifest_list_writer_close(w, &err), &err);
  qb_manifest_list_reader_close(r);
  qb_avro_reader *a, *b;
  CHECK_OK(qb_avro_reader_open_path(&a, io, src, NULL, &err), &err);
  CHECK_OK(qb_avro_reader_open_path(&b, io, out, NULL, &err), &err);
  static const char *const keys[] = {"avro.schema",     "avro.codec",         "iceberg.schema", "snapshot-id",
                                     "parent-snapshot-id", "sequence-number", "format-version"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) EXPECT(meta_equal(a, b, keys[k]));
  CHECK_EQ_INT(qb_avro_reader_meta_count(b), 7);
  qb_avro_reader_close(a);
  qb_avro_reader_close(b);
  /* and the entries read back equal */
  CHECK_OK(qb_manifest_list_reader_open(&r, io, out, &err), &err);
  for (size_t i = 0; i < n; i++) {
    CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
    CHECK(m);
    char *x, *y;
    size_t xn, yn;
    CHECK_OK(qb_manifest_file_to_json(&x, &xn, m, &err), &err);
    CHECK_OK(qb_manifest_file_to_json(&y, &yn, orig[i], &err), &err);
    CHECK_EQ_STR(x, y);
    free(x);
    free(y);
    qb_manifest_file_free(orig[i]);
  }
  CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
  CHECK(m == NULL);
  qb_manifest_list_reader_close(r);
  qb_fileio_free(io);
}

QB_TEST(root_snapshot_list_says_parent_null)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  char out[1024];
  snprintf(out, sizeof out, "%s/root.avro", qb_test_tmpdir());
  qb_manifest_list_writer *w;
  CHECK_OK(qb_manifest_list_writer_open(&w, io, out, 42, QB_UNASSIGNED, 1, NULL, &err), &err);
  CHECK_OK(qb_manifest_list_writer_close(w, &err), &err);
  qb_avro_reader *a;
  qb_slice s;
  CHECK_OK(qb_avro_reader_open_path(&a, io, out, NULL, &err), &err);
  CHECK(qb_avro_reader_meta(a, "parent-snapshot-id", &s) && s.n == 4 && !memcmp(s.p, "null", 4));
  CHECK(qb_avro_reader_codec(a) == QB_AVRO_CODEC_DEFLATE);
  qb_avro_reader_close(a);
  qb_manifest_list_reader *r;
  CHECK_OK(qb_manifest_list_reader_open(&r, io, out, &err), &err);
  CHECK_EQ_INT(qb_manifest_list_reader_parent_snapshot_id(r), QB_UNASSIGNED);
  CHECK_EQ_INT(qb_manifest_list_reader_snapshot_id(r), 42);
  qb_manifest_list_reader_close(r);
  /* published exclusively: the same path again is QB_EEXISTS */
  CHECK_FAIL(qb_manifest_list_writer_open(&w, io, out, 42, QB_UNASSIGNED, 1, NULL, &err), QB_EEXISTS, &err, "root.avro");
  qb_fileio_free(io);
}

/* ---- write -> read round trips and summaries equal to the writers' ------------------------------------------ */

/* The manifest_file entry of `list` for manifest `base`. */
static int list_entry(qb_manifest_file **out, qb_fileio *io, const char *list, const char *base, qb_err *err)
{
  qb_manifest_list_reader *r;
  *out = NULL;
  int rc = qb_manifest_list_reader_open(&r, io, list, err);
  while (!rc) {
    const qb_manifest_file *m;
    if ((rc = qb_manifest_list_reader_next(&m, r, err)) || !m) break;
    if (qb_str_has_suffix(m->manifest_path, base)) {
      rc = qb_manifest_file_copy(out, m, err);
      break;
    }
  }
  qb_manifest_list_reader_close(r);
  return rc;
}

QB_TEST(round_trip_and_summaries_match_the_writers)
{
  static const struct {
    const char *dir, *manifest, *list;
  } cases[] = {
      {"avro/icebird-spark-rename-column", "abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro",
       "snap-5276958600260276572-1-abf62b15-903b-40b6-9e6b-26bcdceac9b3.avro"},
      {"avro/duckdb-partition-decimal", "bad4520d-32bc-4c8e-841c-5c9ccc3aab3c-m0.avro",
       "snap-7397340839278125996-1-bad4520d-32bc-4c8e-841c-5c9ccc3aab3c.avro"},
      {"avro/icebird-java-bunnies", "a01399a1-e864-4562-b921-c8cb56e6e4a9-m1.avro",
       "snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro"},
      {"avro/duckdb-map-day-partition", "8574bca8-244f-4667-965a-03a41a3e4e0e-m0.avro",
       "snap-554549470069664013-0-8574bca8-244f-4667-965a-03a41a3e4e0e.avro"},
      {"manifest/duckdb-partition-time", "224ebe49-75fb-4286-a9b4-b8a560495896-m0.avro", NULL},
      {"manifest/duckdb-partition-timestamptz", "cf619707-d8b6-44d1-b057-0af5e41c05bb-m0.avro", NULL},
      {"manifest/duckdb-partition-binary", NULL, NULL},
      {"manifest/duckdb-partition-evolution", NULL, NULL},
      {"manifest/duckdb-equality-deletes", NULL, NULL},
      {"manifest/duckdb-lineitem-v2", NULL, NULL},
      {"manifest/icebird-spark-bunnies", NULL, NULL},
      {"manifest/duckdb-uuid", NULL, NULL},
  };
  qb_fileio *io = io_new();
  int rewritten = 0, summaries = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    /* every manifest of the folder when none is named */
    char cmd[2048], line[1024];
    snprintf(cmd, sizeof cmd, "ls %s/%s | grep -v '^snap-' | grep '%s'", qb_test_data_dir(), cases[i].dir,
             cases[i].manifest ? cases[i].manifest : ".avro$");
    FILE *ls = popen(cmd, "r");
    CHECK(ls);
    while (fgets(line, sizeof line, ls)) {
      line[strcspn(line, "\n")] = 0;
      qb_err err = QB_ERR_INIT;
      char src[2560], dst[2560];
      snprintf(src, sizeof src, "%s/%s/%s", qb_test_data_dir(), cases[i].dir, line);
      snprintf(dst, sizeof dst, "%s/%zu-%s", qb_test_tmpdir(), i, line);
      qb_manifest_file *m = NULL;
      int rc = rewrite(&m, io, src, dst, &err);
      if (rc) fprintf(stderr, "  %s: %s\n", line, err.msg);
      EXPECT(rc == QB_OK);
      if (rc) continue;
      rewritten++;
      /* read both: raw entries (no inheritance) must be equal */
      qb_manifest_reader *a, *b;
      CHECK_OK(qb_manifest_reader_open(&a, io, src, NULL, &err), &err);
      CHECK_OK(qb_manifest_reader_open(&b, io, dst, NULL, &err), &err);
      CHECK_EQ_INT(qb_manifest_reader_format_version(b), 2);
      CHECK(qb_manifest_reader_content(a) == qb_manifest_reader_content(b));
      for (;;) {
        const qb_manifest_entry *x, *y;
        qb_data_file *keep;
        CHECK_OK(qb_manifest_reader_next(&x, a, &err), &err);
        if (!x) break;
        CHECK_OK(qb_data_file_copy(&keep, &x->data_file, &err), &err);
        qb_manifest_entry ex = *x;
        CHECK_OK(qb_manifest_reader_next(&y, b, &err), &err);
        CHECK(y);
        if (!(ex.status == y->status && ex.snapshot_id == y->snapshot_id && ex.sequence_number == y->sequence_number &&
              ex.file_sequence_number == y->file_sequence_number))
          fprintf(stderr, "  %s: %d %" PRId64 " %" PRId64 " %" PRId64 " != %d %" PRId64 " %" PRId64 " %" PRId64 "\n", line,
                  ex.status, ex.snapshot_id, ex.sequence_number, ex.file_sequence_number, y->status, y->snapshot_id,
                  y->sequence_number, y->file_sequence_number);
        EXPECT(ex.status == y->status && ex.snapshot_id == y->snapshot_id && ex.sequence_number == y->sequence_number &&
               ex.file_sequence_number == y->file_sequence_number);
        EXPECT(qb_data_file_equal(keep, &y->data_file));
        qb_data_file_free(keep);
      }
      qb_manifest_reader_close(a);
      qb_manifest_reader_close(b);
      /* the summary our writer computed equals the one the original writer put in its list */
      if (cases[i].list) {
        qb_manifest_file *want;
        char lp[1024];
        snprintf(lp, sizeof lp, "%s/%s/%s", qb_test_data_dir(), cases[i].dir, cases[i].list);
        CHECK_OK(list_entry(&want, io, lp, line, &err), &err);
        CHECK(want);
        CHECK_EQ_INT(m->added_files_count, want->added_files_count);
        CHECK_EQ_INT(m->existing_files_count, want->existing_files_count);
        CHECK_EQ_INT(m->deleted_files_count, want->deleted_files_count);
        CHECK_EQ_INT(m->added_rows_count, want->added_rows_count);
        CHECK_EQ_INT(m->existing_rows_count, want->existing_rows_count);
        CHECK_EQ_INT(m->deleted_rows_count, want->deleted_rows_count);
        CHECK_EQ_INT(m->added_snapshot_id, want->added_snapshot_id);
        CHECK_EQ_INT(m->partition_spec_id, want->partition_spec_id);
        CHECK(m->content == want->content);
        CHECK_EQ_INT(m->sequence_number, QB_UNASSIGNED);
        CHECK_EQ_INT(m->min_sequence_number, QB_UNASSIGNED); /* ADDED entries only: inherited */
        char *x, *y;
        size_t xn, yn;
        /* compare the summaries through JSON (bounds as hex) with path, length and numbers blanked */
        qb_manifest_file mm = *m, ww = *want;
        mm.manifest_path = ww.manifest_path = "";
        mm.manifest_length = ww.manifest_length = mm.sequence_number = ww.sequence_number = 0;
        mm.min_sequence_number = ww.min_sequence_number = 0;
        CHECK_OK(qb_manifest_file_to_json(&x, &xn, &mm, &err), &err);
        CHECK_OK(qb_manifest_file_to_json(&y, &yn, &ww, &err), &err);
        CHECK_EQ_STR(x, y);
        free(x);
        free(y);
        qb_manifest_file_free(want);
        summaries++;
      }
      qb_manifest_file_free(m);
    }
    pclose(ls);
  }
  CHECK(rewritten >= 23);
  CHECK_EQ_INT(summaries, 4);
  qb_fileio_free(io);
}

/* ---- inheritance ------------------------------------------------------------------------------------------ */

static qb_manifest_file list_file(int64_t added_snapshot_id, int64_t seq)
{
  qb_manifest_file m;
  memset(&m, 0, sizeof m);
  m.manifest_path = "x";
  m.added_snapshot_id = added_snapshot_id;
  m.sequence_number = m.min_sequence_number = seq;
  return m;
}

QB_TEST(inheritance_rules)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  qb_schema *schema;
  static const char sj[] = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,"
                           "\"type\":\"long\"}]}";
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_partition_spec spec = {0, 0, NULL};
  char out[1024];
  snprintf(out, sizeof out, "%s/inherit.avro", qb_test_tmpdir());
  /* written with a null snapshot id: ADDED entries inherit the list entry's */
  qb_manifest_writer *w;
  CHECK_OK(qb_manifest_writer_open(&w, io, out, schema, &spec, QB_MANIFEST_DATA, QB_UNASSIGNED, NULL, &err), &err);
  qb_data_file f;
  memset(&f, 0, sizeof f);
  f.file_path = "s3://b/t/data/a.parquet";
  f.file_format = "PARQUET";
  f.partition.kind = QB_V_STRUCT;
  f.record_count = 10;
  f.file_size_in_bytes = 100;
  f.sort_order_id = QB_UNASSIGNED;
  CHECK_OK(qb_manifest_writer_add(w, &f, &err), &err);
  qb_manifest_entry ex = {QB_ENTRY_EXISTING, 7, 5, 4, f};
  ex.data_file.file_path = "s3://b/t/data/b.parquet";
  CHECK_OK(qb_manifest_writer_append(w, &ex, &err), &err);
  qb_manifest_entry del = {QB_ENTRY_DELETED, 7, 3, 2, f};
  del.data_file.file_path = "s3://b/t/data/c.parquet";
  CHECK_OK(qb_manifest_writer_append(w, &del, &err), &err);
  qb_manifest_file *sum;
  CHECK_OK(qb_manifest_writer_close(&sum, w, &err), &err);
  CHECK_EQ_INT(sum->min_sequence_number, 5); /* the EXISTING entry's; DELETED ones do not count */
  CHECK_EQ_INT(sum->added_snapshot_id, QB_UNASSIGNED);
  CHECK_EQ_INT(sum->added_rows_count + sum->existing_rows_count + sum->deleted_rows_count, 30);
  qb_manifest_file_free(sum);
  static const struct {
    bool with_list;
    int64_t list_seq;
    int64_t want[3][3]; /* per entry: snapshot id, data seq, file seq */
  } cases[] = {
      {false, 0, {{QB_UNASSIGNED, QB_UNASSIGNED, QB_UNASSIGNED}, {7, 5, 4}, {QB_UNASSIGNED, 3, 2}}},
      {true, 9, {{99, 9, 9}, {7, 5, 4}, {99, 3, 2}}},
  };
  for (size_t i = 0; i < 2; i++) {
    qb_manifest_file lf = list_file(99, cases[i].list_seq);
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    o.manifest = cases[i].with_list ? &lf : NULL;
    qb_manifest_reader *r;
    CHECK_OK(qb_manifest_reader_open(&r, io, out, &o, &err), &err);
    for (int k = 0; k < 3; k++) {
      const qb_manifest_entry *e;
      CHECK_OK(qb_manifest_reader_next(&e, r, &err), &err);
      CHECK(e);
      CHECK_EQ_INT(e->snapshot_id, cases[i].want[k][0]);
      CHECK_EQ_INT(e->sequence_number, cases[i].want[k][1]);
      CHECK_EQ_INT(e->file_sequence_number, cases[i].want[k][2]);
    }
    qb_manifest_reader_close(r);
  }
  /* a v1 manifest (PyIceberg, EXISTING entries with null sequence numbers): alone -> 0; from a v1 list
   * (sequence number 0) -> 0; from a v2 list entry with sequence number 7 -> EXISTING stays null */
  const char *v1 = data_path("avro/duckdb-v1-existing-entries/ccab0b80-739e-4dc6-a95d-306d70e93d65-m0.avro");
  int64_t want_seq[3] = {0, 0, QB_UNASSIGNED};
  for (int i = 0; i < 3; i++) {
    qb_manifest_file lf = list_file(5191822260710938731, i == 2 ? 7 : 0);
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    o.manifest = i ? &lf : NULL;
    qb_manifest_reader *r;
    const qb_manifest_entry *e;
    CHECK_OK(qb_manifest_reader_open(&r, io, v1, &o, &err), &err);
    CHECK_EQ_INT(qb_manifest_reader_format_version(r), 1);
    CHECK_OK(qb_manifest_reader_next(&e, r, &err), &err);
    CHECK(e && e->status == QB_ENTRY_EXISTING);
    CHECK_EQ_INT(e->sequence_number, want_seq[i]);
    CHECK_EQ_INT(e->file_sequence_number, want_seq[i]);
    qb_manifest_reader_close(r);
  }
  qb_schema_free(schema);
  qb_fileio_free(io);
}

QB_TEST(list_writer_assigns_sequence_numbers)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  char out[1024];
  snprintf(out, sizeof out, "%s/l.avro", qb_test_tmpdir());
  qb_manifest_list_writer *w;
  CHECK_OK(qb_manifest_list_writer_open(&w, io, out, 200, 100, 6, NULL, &err), &err);
  qb_manifest_file mine = list_file(200, QB_UNASSIGNED), old = list_file(100, 5), bad = list_file(100, QB_UNASSIGNED),
                   nullid = list_file(QB_UNASSIGNED, QB_UNASSIGNED);
  mine.min_sequence_number = QB_UNASSIGNED;
  old.min_sequence_number = 2;
  CHECK_OK(qb_manifest_list_writer_append(w, &mine, &err), &err);
  CHECK_OK(qb_manifest_list_writer_append(w, &old, &err), &err);
  CHECK_OK(qb_manifest_list_writer_append(w, &nullid, &err), &err);
  CHECK_FAIL(qb_manifest_list_writer_append(w, &bad, &err), QB_EINVAL, &err,
             "found unassigned sequence number for a manifest from snapshot 100");
  qb_manifest_file v1 = old;
  v1.added_files_count = QB_UNASSIGNED;
  CHECK_FAIL(qb_manifest_list_writer_append(w, &v1, &err), QB_EINVAL, &err, "counts are required");
  CHECK_OK(qb_manifest_list_writer_close(w, &err), &err);
  qb_manifest_list_reader *r;
  const qb_manifest_file *m;
  CHECK_OK(qb_manifest_list_reader_open(&r, io, out, &err), &err);
  int64_t want[3][3] = {{6, 6, 200}, {5, 2, 100}, {6, 6, 200}};
  for (int i = 0; i < 3; i++) {
    CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
    CHECK(m);
    CHECK_EQ_INT(m->sequence_number, want[i][0]);
    CHECK_EQ_INT(m->min_sequence_number, want[i][1]);
    CHECK_EQ_INT(m->added_snapshot_id, want[i][2]);
  }
  CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
  CHECK(!m);
  qb_manifest_list_reader_close(r);
  qb_fileio_free(io);
}

/* A commit that changes none of the parent's manifests copies the parent list after its new entries: a v2 list
 * in our schema and codec (Java's list: the schema text is the same) block by block, anything else (v1 list,
 * other codec) entry by entry with v1 values upgraded; either way the entries read back as they were, and only
 * the new entry takes the commit's sequence number. */
QB_TEST(list_writer_copies_the_parent_list)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  static const struct {
    const char *src;
    qb_avro_codec codec;
    bool verbatim;
  } cases[] = {
      {"avro/icebird-java-bunnies/snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro", QB_AVRO_CODEC_DEFLATE, true},
      {"avro/icebird-java-bunnies/snap-9158179788527662767-1-a01399a1-e864-4562-b921-c8cb56e6e4a9.avro", QB_AVRO_CODEC_NULL, false},
      {"avro/duckdb-v1-existing-entries/snap-3549704636346557910-0-ad6ad4d3-fe85-469b-8f9c-2c8e9c7379d7.avro", QB_AVRO_CODEC_DEFLATE, false},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const char *src = data_path("%s", cases[c].src);
    char out[1024];
    snprintf(out, sizeof out, "%s/copy%zu.avro", qb_test_tmpdir(), c);
    qb_manifest_list_reader *r;
    qb_manifest_list_writer *w;
    const qb_manifest_file *m;
    qb_manifest_file *orig[16];
    size_t n = 0;
    CHECK_OK(qb_manifest_list_reader_open(&r, io, src, &err), &err);
    while (qb_manifest_list_reader_next(&m, r, &err) == QB_OK && m && n < 16) CHECK_OK(qb_manifest_file_copy(&orig[n++], m, &err), &err);
    qb_manifest_list_reader_close(r);
    CHECK(n >= 1);
    qb_manifest_write_options o = QB_MANIFEST_WRITE_OPTIONS_INIT;
    o.codec = cases[c].codec;
    CHECK_OK(qb_manifest_list_writer_open(&w, io, out, 777, 1, 99, &o, &err), &err);
    qb_manifest_file mine = list_file(777, QB_UNASSIGNED);
    mine.min_sequence_number = QB_UNASSIGNED;
    CHECK_OK(qb_manifest_list_writer_append(w, &mine, &err), &err);
    CHECK_OK(qb_manifest_list_reader_open(&r, io, src, &err), &err);
    bool verbatim = !cases[c].verbatim;
    CHECK_OK(qb_manifest_list_writer__append_rest(w, r, &verbatim, &err), &err);
    EXPECT(verbatim == cases[c].verbatim);
    qb_manifest_list_reader_close(r);
    CHECK_OK(qb_manifest_list_writer_close(w, &err), &err);
    CHECK_OK(qb_manifest_list_reader_open(&r, io, out, &err), &err);
    CHECK_EQ_INT(qb_manifest_list_reader_format_version(r), 2);
    CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
    CHECK(m && m->sequence_number == 99 && m->min_sequence_number == 99 && m->added_snapshot_id == 777);
    for (size_t i = 0; i < n; i++) {
      CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
      CHECK(m);
      char *x, *y;
      size_t xn, yn;
      CHECK_OK(qb_manifest_file_to_json(&x, &xn, m, &err), &err);
      CHECK_OK(qb_manifest_file_to_json(&y, &yn, orig[i], &err), &err);
      EXPECT(!strcmp(x, y));
      free(x);
      free(y);
      qb_manifest_file_free(orig[i]);
    }
    CHECK_OK(qb_manifest_list_reader_next(&m, r, &err), &err);
    CHECK(m == NULL);
    qb_manifest_list_reader_close(r);
  }
  qb_fileio_free(io);
}

/* ---- partition summaries, table-driven ---------------------------------------------------------------------- */

static qb_value vi32(int32_t x) { qb_value v = {.kind = QB_V_INT32}; v.u.i32 = x; return v; }
static qb_value vi64(int64_t x) { qb_value v = {.kind = QB_V_INT64}; v.u.i64 = x; return v; }
static qb_value vf64(double x) { qb_value v = {.kind = QB_V_DOUBLE}; v.u.f64 = x; return v; }
static qb_value vf32(float x) { qb_value v = {.kind = QB_V_FLOAT}; v.u.f32 = x; return v; }
static qb_value vbool(bool x) { qb_value v = {.kind = QB_V_BOOL}; v.u.b = x; return v; }
static qb_value vstr(const char *s) { qb_value v = {.kind = QB_V_STRING}; v.u.bytes.p = (const uint8_t *)s; v.u.bytes.n = strlen(s); return v; }
static qb_value vbin(const char *s, size_t n) { qb_value v = {.kind = QB_V_BYTES}; v.u.bytes.p = (const uint8_t *)s; v.u.bytes.n = n; return v; }
#define VNULL {.kind = QB_V_NULL}
#define VEND {.kind = QB_V_MAP} /* end of a case's values */

QB_TEST(partition_summaries_table)
{
  static const qb_type dec9 = {.id = QB_T_DECIMAL, .precision = 9, .scale = 2};
  static const qb_type dec38 = {.id = QB_T_DECIMAL, .precision = 38, .scale = 0};
  static const qb_type fixed2 = {.id = QB_T_FIXED, .length = 2};
  double nan = strtod("nan", NULL);
  struct {
    qb_type_id t;
    const qb_type *param;
    qb_value v[6];
    bool null, has_nan;
    const char *lower, *upper; /* hex; NULL: no bound */
  } cases[] = {
      {QB_T_INT, NULL, {vi32(5), vi32(-3), VNULL, vi32(7), VEND}, true, false, "fdffffff", "07000000"},
      {QB_T_LONG, NULL, {vi64(INT64_MIN), vi64(0), vi32(3), VEND}, false, false, "0000000000000080", "0300000000000000"},
      {QB_T_DATE, NULL, {vi32(17486), VEND}, false, false, "4e440000", "4e440000"},
      {QB_T_TIMESTAMPTZ, NULL, {vi64(-1), vi64(1), VEND}, false, false, "ffffffffffffffff", "0100000000000000"},
      /* strings in code point order (= UTF-8 byte order; Java's CharSeqComparator puts supplementary
       * characters after the BMP) */
      {QB_T_STRING, NULL, {vstr("b"), vstr("a\xc3\xa9"), vstr("ab"), VEND}, false, false, "6162", "62"},
      {QB_T_STRING, NULL, {vstr("\xf0\x90\x80\x80"), vstr("\xef\xbf\xbf"), VEND}, false, false, "efbfbf", "f0908080"},
      {QB_T_STRING, NULL, {vstr(""), vstr("a"), VEND}, false, false, "", "61"},
      /* NaN is flagged, never a bound; -0.0 sorts before 0.0 (Double.compare) */
      {QB_T_DOUBLE, NULL, {vf64(1.5), vf64(nan), vf64(0.0), vf64(-0.0), VEND}, false, true, "0000000000000080",
       "000000000000f83f"},
      {QB_T_FLOAT, NULL, {vf32((float)nan), VNULL, VEND}, true, true, NULL, NULL},
      {QB_T_DOUBLE, NULL, {vf32(2.5f), VEND}, false, false, "0000000000000440", "0000000000000440"},
      /* decimals by value, serialised minimal big-endian */
      {QB_T_DECIMAL, &dec9, {vi32(1420), vi32(-1), vi32(128), VEND}, false, false, "ff", "058c"},
      {QB_T_DECIMAL, &dec38, {vbin("\xff\xff\x80", 3), vbin("\x00\x7f", 2), VEND}, false, false, "80", "7f"},
      /* uuid as java.util.UUID.compareTo: signed halves, so 8000... < 7fff... */
      {QB_T_UUID,
       NULL,
       {vbin("\x7f\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01", 16),
        vbin("\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16), VEND},
       false,
       false,
       "80000000000000000000000000000000",
       "7fffffffffffffff0000000000000001"},
      {QB_T_BOOLEAN, NULL, {vbool(true), vbool(false), VEND}, false, false, "00", "01"},
      {QB_T_BINARY, NULL, {vbin("\xff", 1), vbin("\x00\x01", 2), vbin("\x00", 1), VEND}, false, false, "00", "ff"},
      {QB_T_FIXED, &fixed2, {vbin("\x02\x00", 2), vbin("\x01\xff", 2), VEND}, false, false, "01ff", "0200"},
      {QB_T_STRING, NULL, {VNULL, VNULL, VEND}, true, false, NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_field fld = {1000, "p", false, cases[i].param ? cases[i].param : qb_type_primitive(cases[i].t), NULL, NULL, NULL};
    qb_type ptype = {.id = QB_T_STRUCT, .n_fields = 1, .fields = &fld};
    qb_partition_summary *s;
    CHECK_OK(qb_partition_summary__new(&s, &ptype, &err), &err);
    for (int k = 0; cases[i].v[k].kind != QB_V_MAP; k++) {
      qb_value tuple = {.kind = QB_V_STRUCT};
      tuple.u.seq.items = &cases[i].v[k];
      tuple.u.seq.n = 1;
      CHECK_OK(qb_partition_summary__update(s, &tuple, &err), &err);
    }
    qb_partition_field_summary out;
    CHECK_EQ_INT(qb_partition_summary__get(s, &out, 1), 1);
    char lo[80] = "", hi[80] = "";
    if (out.lower_bound.p) qb_hex_encode(lo, out.lower_bound.p, out.lower_bound.n);
    if (out.upper_bound.p) qb_hex_encode(hi, out.upper_bound.p, out.upper_bound.n);
    if (out.contains_null != cases[i].null || out.contains_nan != cases[i].has_nan || !out.lower_bound.p != !cases[i].lower ||
        (cases[i].lower && (strcmp(lo, cases[i].lower) || strcmp(hi, cases[i].upper))))
      fprintf(stderr, "  case %zu: null=%d nan=%d lower=%s upper=%s\n", i, out.contains_null, out.contains_nan, lo, hi);
    EXPECT(out.contains_null == cases[i].null);
    EXPECT(out.contains_nan == cases[i].has_nan);
    EXPECT(!out.lower_bound.p == !cases[i].lower);
    EXPECT(!cases[i].lower || (!strcmp(lo, cases[i].lower) && !strcmp(hi, cases[i].upper)));
    qb_partition_summary__free(s);
  }
}

/* ---- writes through the public API: partition values, names, big manifests ------------------------------------ */

QB_TEST(partitioned_write_read_many_entries)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  static const char sj[] =
      "{\"type\":\"struct\",\"schema-id\":3,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
      "{\"id\":2,\"name\":\"my col\",\"required\":false,\"type\":\"string\"},"
      "{\"id\":3,\"name\":\"amount\",\"required\":false,\"type\":\"decimal(9, 2)\"},"
      "{\"id\":4,\"name\":\"ts\",\"required\":false,\"type\":\"timestamptz\"}]}";
  qb_schema *schema;
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_partition_field pf[4] = {{2, 1000, "my col", {QB_TR_IDENTITY, 0, NULL}},
                              {1, 1001, "id_bucket", {QB_TR_BUCKET, 16, NULL}},
                              {3, 1002, "amount", {QB_TR_IDENTITY, 0, NULL}},
                              {4, 1003, "ts_day", {QB_TR_DAY, 0, NULL}}};
  qb_partition_spec spec = {3, 4, pf};
  char out[1024];
  snprintf(out, sizeof out, "%s/big.avro", qb_test_tmpdir());
  qb_manifest_writer *w;
  qb_manifest_write_options wo = QB_MANIFEST_WRITE_OPTIONS_INIT;
  wo.codec = QB_AVRO_CODEC_NULL;
  CHECK_OK(qb_manifest_writer_open(&w, io, out, schema, &spec, QB_MANIFEST_DATA, 77, &wo, &err), &err);
  enum { N = 20000 };
  for (int i = 0; i < N; i++) {
    char path[64], name[16];
    snprintf(path, sizeof path, "s3://b/t/data/f-%05d.parquet", i);
    snprintf(name, sizeof name, "v%d", i % 7);
    qb_value part[4] = {i % 11 ? vstr(name) : (qb_value)VNULL, vi32(i % 16), vi32(i - 5000), vi32(19000 + i % 3)};
    qb_column_count cs[2] = {{1, i}, {2, 2 * i}};
    int64_t offs[1] = {4};
    qb_data_file f;
    memset(&f, 0, sizeof f);
    f.file_path = path;
    f.file_format = "PARQUET";
    f.partition.kind = QB_V_STRUCT;
    f.partition.u.seq.items = part;
    f.partition.u.seq.n = 4;
    f.record_count = i + 1;
    f.file_size_in_bytes = 1000 + i;
    f.column_sizes.items = cs;
    f.column_sizes.n = 2;
    f.split_offsets = offs;
    f.n_split_offsets = 1;
    f.sort_order_id = 0;
    CHECK_OK(qb_manifest_writer_add(w, &f, &err), &err);
  }
  qb_manifest_file *sum;
  CHECK_OK(qb_manifest_writer_close(&sum, w, &err), &err);
  CHECK_EQ_INT(sum->added_files_count, N);
  CHECK_EQ_INT(sum->added_rows_count, (int64_t)N * (N + 1) / 2);
  CHECK_EQ_INT(sum->partition_spec_id, 3);
  CHECK_EQ_INT(sum->added_snapshot_id, 77);
  CHECK_EQ_INT(sum->n_partitions, 4);
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, out, &st, &err), &err);
  CHECK_EQ_INT(sum->manifest_length, (int64_t)st.size_bytes);
  CHECK(sum->partitions[0].contains_null && sum->partitions[0].lower_bound.n == 2 &&
        !memcmp(sum->partitions[0].lower_bound.p, "v0", 2) && !memcmp(sum->partitions[0].upper_bound.p, "v6", 2));
  CHECK(!sum->partitions[1].contains_null && sum->partitions[1].contains_nan == 0);
  /* decimal(9, 2) bounds: -5000 -> ec78, 14999 -> 3a97 */
  char lo[16], hi[16];
  qb_hex_encode(lo, sum->partitions[2].lower_bound.p, sum->partitions[2].lower_bound.n);
  qb_hex_encode(hi, sum->partitions[2].upper_bound.p, sum->partitions[2].upper_bound.n);
  CHECK_EQ_STR(lo, "ec78");
  CHECK_EQ_STR(hi, "3a97");
  qb_manifest_file_free(sum);

  /* the partition record: a sanitised Avro name that keeps the original; decimal as fixed(4) */
  qb_avro_reader *ar;
  qb_slice s;
  CHECK_OK(qb_avro_reader_open_path(&ar, io, out, NULL, &err), &err);
  CHECK(qb_avro_reader_meta(ar, "avro.schema", &s));
  CHECK(memmem(s.p, s.n, "{\"name\":\"my_x20col\",\"type\":[\"null\",\"string\"],\"default\":null,"
                         "\"iceberg-field-name\":\"my col\",\"field-id\":1000}", 102));
  CHECK(memmem(s.p, s.n, "{\"type\":\"fixed\",\"name\":\"decimal_9_2\",\"size\":4,\"logicalType\":\"decimal\","
                         "\"precision\":9,\"scale\":2}", 94));
  CHECK(memmem(s.p, s.n, "{\"name\":\"ts_day\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"date\"}]", 68));
  CHECK(qb_avro_reader_meta(ar, "partition-spec", &s));
  CHECK(s.n > 20 && !memcmp(s.p, "[{\"name\":\"my col\",\"transform\":\"identity\",\"source-id\":2,\"field-id\":1000}", 71));
  qb_avro_reader_close(ar);

  /* read back, with the table's spec and from the file alone: same values */
  for (int pass = 0; pass < 2; pass++) {
    qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
    if (pass) {
      o.spec = &spec;
      o.schema = schema;
    }
    qb_manifest_reader *r;
    CHECK_OK(qb_manifest_reader_open(&r, io, out, &o, &err), &err);
    const qb_type *pt = qb_manifest_reader_partition_type(r);
    CHECK_EQ_INT(pt->n_fields, 4);
    CHECK_EQ_STR(pt->fields[0].name, "my col");
    CHECK(pt->fields[2].type->id == QB_T_DECIMAL && pt->fields[3].type->id == QB_T_DATE);
    CHECK_EQ_INT(qb_manifest_reader_spec(r)->spec_id, 3);
    CHECK_EQ_INT(qb_schema_id(qb_manifest_reader_schema(r)), 3);
    int n = 0;
    const qb_manifest_entry *e;
    while (qb_manifest_reader_next(&e, r, &err) == QB_OK && e) {
      const qb_value *p = e->data_file.partition.u.seq.items;
      qb_i128 d;
      EXPECT(e->snapshot_id == 77 && e->data_file.record_count == n + 1);
      EXPECT(p[1].kind == QB_V_INT32 && p[1].u.i32 == n % 16);
      EXPECT(qb_ice__decimal_of(&p[2], &d) && d == n - 5000);
      EXPECT(p[3].kind == QB_V_INT32 && p[3].u.i32 == 19000 + n % 3);
      EXPECT((n % 11 == 0) == (p[0].kind == QB_V_NULL));
      n++;
    }
    CHECK_EQ_INT(n, N);
    qb_manifest_reader_close(r);
  }
  /* the spec the caller gives must be the one the file was written with */
  qb_partition_spec other = {4, 4, pf};
  qb_manifest_read_options o = QB_MANIFEST_READ_OPTIONS_INIT;
  o.spec = &other;
  o.schema = schema;
  qb_manifest_reader *r;
  CHECK_FAIL(qb_manifest_reader_open(&r, io, out, &o, &err), QB_EINVAL, &err,
             "the manifest was written with partition spec 3, not 4");
  qb_schema_free(schema);
  qb_fileio_free(io);
}

/* ---- misuse and corrupt input -------------------------------------------------------------------------------- */

QB_TEST(writer_refuses_what_does_not_fit)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  static const char sj[] = "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"id\",\"required\":true,"
                           "\"type\":\"int\"}]}";
  qb_schema *schema;
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_partition_field pf = {1, 1000, "id", {QB_TR_IDENTITY, 0, NULL}};
  qb_partition_spec spec = {0, 1, &pf};
  char out[1024];
  snprintf(out, sizeof out, "%s/w.avro", qb_test_tmpdir());
  qb_manifest_writer *w;
  CHECK_OK(qb_manifest_writer_open(&w, io, out, schema, &spec, QB_MANIFEST_DATA, 1, NULL, &err), &err);
  qb_value part = vstr("x");
  qb_data_file f;
  memset(&f, 0, sizeof f);
  f.file_path = "d.parquet";
  f.file_format = "PARQUET";
  f.partition.kind = QB_V_STRUCT;
  f.partition.u.seq.items = &part;
  f.partition.u.seq.n = 1;
  f.sort_order_id = QB_UNASSIGNED;
  CHECK_FAIL(qb_manifest_writer_add(w, &f, &err), QB_EINVAL, &err, "partition field id: a value of kind 7 does not fit");
  f.partition.u.seq.n = 0;
  CHECK_FAIL(qb_manifest_writer_add(w, &f, &err), QB_EINVAL, &err, "the partition tuple has 0 values, the spec 1 fields");
  part = vi32(4);
  f.partition.u.seq.n = 1;
  f.content = QB_CONTENT_POSITION_DELETES;
  CHECK_FAIL(qb_manifest_writer_add(w, &f, &err), QB_EINVAL, &err, "a delete file does not belong in a data manifest");
  f.content = QB_CONTENT_DATA;
  qb_manifest_entry ex = {QB_ENTRY_EXISTING, 5, QB_UNASSIGNED, QB_UNASSIGNED, f};
  CHECK_FAIL(qb_manifest_writer_append(w, &ex, &err), QB_EINVAL, &err,
             "found unassigned sequence number for an entry from snapshot 5");
  /* a refused entry leaves the manifest usable */
  CHECK_OK(qb_manifest_writer_add(w, &f, &err), &err);
  qb_manifest_file *m;
  CHECK_OK(qb_manifest_writer_close(&m, w, &err), &err);
  CHECK_EQ_INT(m->added_files_count, 1);
  qb_manifest_file_free(m);
  /* deletes: equality deletes need their ids */
  snprintf(out, sizeof out, "%s/d.avro", qb_test_tmpdir());
  CHECK_OK(qb_manifest_writer_open(&w, io, out, schema, &spec, QB_MANIFEST_DELETES, 1, NULL, &err), &err);
  f.content = QB_CONTENT_EQUALITY_DELETES;
  CHECK_FAIL(qb_manifest_writer_add(w, &f, &err), QB_EINVAL, &err, "an equality delete file needs equality_ids");
  qb_manifest_writer_abort(w);
  CHECK_FAIL(qb_fileio_stat(io, out, &(qb_stat){0}, &err), QB_ENOTFOUND, &err, "d.avro"); /* aborted: nothing published */
  /* a spec that does not fit the schema */
  qb_partition_field bad = {9, 1000, "nope", {QB_TR_IDENTITY, 0, NULL}};
  qb_partition_spec bspec = {0, 1, &bad};
  CHECK_FAIL(qb_manifest_writer_open(&w, io, out, schema, &bspec, QB_MANIFEST_DATA, 1, NULL, &err), QB_EINVAL, &err,
             "writing manifest");
  qb_schema_free(schema);
  qb_fileio_free(io);
}

QB_TEST(readers_refuse_the_wrong_files)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  qb_manifest_reader *r;
  qb_manifest_list_reader *l;
  const char *list = data_path("avro/icebird-java-bunnies/snap-4951213507629824583-1-583a45a0-7389-4d71-9305-ac3a8725c38b.avro");
  const char *man = data_path("avro/icebird-java-bunnies/583a45a0-7389-4d71-9305-ac3a8725c38b-m0.avro");
  CHECK_FAIL(qb_manifest_reader_open(&r, io, list, NULL, &err), QB_ECORRUPT, &err,
             "not a manifest: the file holds a manifest list");
  CHECK(strstr(err.msg, "snap-4951213507629824583"));
  CHECK_FAIL(qb_manifest_list_reader_open(&l, io, man, &err), QB_ECORRUPT, &err,
             "not a manifest list: the file holds a manifest");
  CHECK_FAIL(qb_manifest_list_reader_open(&l, io, data_path("manifest/iceberg-rust-lists/manifest-list-v3-encrypted.avro"), &err),
             QB_ECORRUPT, &err, "bad magic");
  CHECK_FAIL(qb_manifest_list_reader_open(&l, io, data_path("manifest/iceberg-rust-lists/duckdb_v3_manifest_list.avro"), &err),
             QB_EUNSUPPORTED, &err, "format-version 3 is not supported");
  CHECK_FAIL(qb_manifest_reader_open(&r, io, data_path("avro/write/all_types.avsc"), NULL, &err), QB_ECORRUPT, &err,
             "not an Avro object container file");
  CHECK_FAIL(qb_manifest_reader_open(&r, io, data_path("manifest/nope.avro"), NULL, &err), QB_ENOTFOUND, &err, "nope.avro");
  qb_fileio_free(io);
}

QB_TEST(corrupt_entries_are_clear_errors)
{
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  /* a record with status 7, written through the manifest's own Avro schema */
  qb_type pt = {.id = QB_T_STRUCT};
  const qb_avro_schema *schema;
  qb_avro_schema *owned;
  CHECK_OK(qb_manifest__entry_schema(&schema, &owned, &pt, QB_MANIFEST_SCHEMA_WRITE, &err), &err);
  char out[1024];
  snprintf(out, sizeof out, "%s/bad-status.avro", qb_test_tmpdir());
  qb_writer *dst;
  qb_avro_writer *w;
  CHECK_OK(qb_fileio_create(&dst, io, out, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_OK(qb_avro_writer_open(&w, dst, schema, NULL, &err), &err);
  static const char rec[] = "{\"status\":7,\"snapshot_id\":1,\"sequence_number\":null,\"file_sequence_number\":null,"
                            "\"data_file\":{\"content\":0,\"file_path\":\"a\",\"file_format\":\"PARQUET\",\"partition\":{},"
                            "\"record_count\":1,\"file_size_in_bytes\":1}}";
  CHECK_OK(qb_avro_writer_append_json(w, rec, strlen(rec), &err), &err);
  static const char rec2[] = "{\"status\":1,\"snapshot_id\":1,\"sequence_number\":null,\"file_sequence_number\":null,"
                             "\"data_file\":{\"content\":5,\"file_path\":\"a\",\"file_format\":\"PARQUET\",\"partition\":{},"
                             "\"record_count\":1,\"file_size_in_bytes\":1}}";
  CHECK_OK(qb_avro_writer_append_json(w, rec2, strlen(rec2), &err), &err);
  CHECK_OK(qb_avro_writer_close(w, &err), &err);
  CHECK_OK(qb_writer_close(dst, &err), &err);
  qb_avro_schema_free(owned);
  qb_manifest_reader *r;
  const qb_manifest_entry *e;
  CHECK_OK(qb_manifest_reader_open(&r, io, out, NULL, &err), &err);
  CHECK_FAIL(qb_manifest_reader_next(&e, r, &err), QB_ECORRUPT, &err, "bad-status.avro: entry 0 (block 0): status 7 is not 0, 1 or 2");
  CHECK_FAIL(qb_manifest_reader_next(&e, r, &err), QB_ECORRUPT, &err, "data_file.content 5 is not 0, 1 or 2");
  qb_manifest_reader_close(r);

  /* an entry of the other kind than its manifest's "content": readers of one kind skipped it (a delete file in
   * a data manifest lost its rows from a scan with no error); a manifest that does not say its kind (and no
   * list entry) is read as before */
  static const char *const kinds[] = {"data", "deletes", NULL};
  static const char dat[] = "{\"status\":1,\"snapshot_id\":1,\"sequence_number\":null,\"file_sequence_number\":null,"
                            "\"data_file\":{\"content\":0,\"file_path\":\"a\",\"file_format\":\"PARQUET\",\"partition\":{},"
                            "\"record_count\":1,\"file_size_in_bytes\":1}}";
  static const char del[] = "{\"status\":1,\"snapshot_id\":1,\"sequence_number\":null,\"file_sequence_number\":null,"
                            "\"data_file\":{\"content\":2,\"file_path\":\"d\",\"file_format\":\"PARQUET\",\"partition\":{},"
                            "\"record_count\":1,\"file_size_in_bytes\":1,\"equality_ids\":[1]}}";
  for (int k = 0; k < 3; k++) {
    CHECK_OK(qb_manifest__entry_schema(&schema, &owned, &pt, QB_MANIFEST_SCHEMA_WRITE, &err), &err);
    snprintf(out, sizeof out, "%s/mixed-%d.avro", qb_test_tmpdir(), k);
    CHECK_OK(qb_fileio_create(&dst, io, out, QB_CREATE_EXCLUSIVE, &err), &err);
    CHECK_OK(qb_avro_writer_open(&w, dst, schema, NULL, &err), &err);
    if (kinds[k]) CHECK_OK(qb_avro_writer_set_meta_str(w, "content", kinds[k], &err), &err);
    const char *first = k == 1 ? del : dat, *second = k == 1 ? dat : del;
    CHECK_OK(qb_avro_writer_append_json(w, first, strlen(first), &err), &err);
    CHECK_OK(qb_avro_writer_append_json(w, second, strlen(second), &err), &err);
    CHECK_OK(qb_avro_writer_close(w, &err), &err);
    CHECK_OK(qb_writer_close(dst, &err), &err);
    qb_avro_schema_free(owned);
    CHECK_OK(qb_manifest_reader_open(&r, io, out, NULL, &err), &err);
    CHECK_OK(qb_manifest_reader_next(&e, r, &err), &err);
    CHECK(e && (e->data_file.content == QB_CONTENT_DATA) == (k != 1));
    if (k == 2) {
      CHECK_OK(qb_manifest_reader_next(&e, r, &err), &err);
      CHECK(e && e->data_file.content == QB_CONTENT_EQUALITY_DELETES);
    } else {
      CHECK_FAIL(qb_manifest_reader_next(&e, r, &err), QB_ECORRUPT, &err,
                 k == 0 ? "entry 1 (block 0): data_file.content 2 (deletes) in a data manifest"
                        : "entry 1 (block 0): data_file.content 0 (data) in a delete manifest");
    }
    qb_manifest_reader_close(r);
  }
  /* an empty file_path is no file: the error names the manifest and the entry */
  CHECK_OK(qb_manifest__entry_schema(&schema, &owned, &pt, QB_MANIFEST_SCHEMA_WRITE, &err), &err);
  snprintf(out, sizeof out, "%s/empty-path.avro", qb_test_tmpdir());
  CHECK_OK(qb_fileio_create(&dst, io, out, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_OK(qb_avro_writer_open(&w, dst, schema, NULL, &err), &err);
  static const char nopath[] = "{\"status\":1,\"snapshot_id\":1,\"sequence_number\":null,\"file_sequence_number\":null,"
                               "\"data_file\":{\"content\":0,\"file_path\":\"\",\"file_format\":\"PARQUET\",\"partition\":{},"
                               "\"record_count\":1,\"file_size_in_bytes\":1}}";
  CHECK_OK(qb_avro_writer_append_json(w, nopath, strlen(nopath), &err), &err);
  CHECK_OK(qb_avro_writer_close(w, &err), &err);
  CHECK_OK(qb_writer_close(dst, &err), &err);
  qb_avro_schema_free(owned);
  CHECK_OK(qb_manifest_reader_open(&r, io, out, NULL, &err), &err);
  CHECK_FAIL(qb_manifest_reader_next(&e, r, &err), QB_ECORRUPT, &err,
             "empty-path.avro: entry 0 (block 0): data_file.file_path is empty");
  qb_manifest_reader_close(r);

  /* a manifest cut short: the Avro layer's error, prefixed with the manifest's path */
  uint8_t *bytes;
  size_t n;
  const char *src = data_path("avro/icebird-spark-rename-column/abf62b15-903b-40b6-9e6b-26bcdceac9b3-m0.avro");
  CHECK_OK(qb_fileio_read_all(&bytes, &n, io, src, 1 << 20, &err), &err);
  snprintf(out, sizeof out, "%s/cut.avro", qb_test_tmpdir());
  CHECK_OK(qb_fileio_write_all(io, out, bytes, n - 40, QB_CREATE_EXCLUSIVE, &err), &err);
  free(bytes);
  CHECK_OK(qb_manifest_reader_open(&r, io, out, NULL, &err), &err);
  int rc;
  while ((rc = qb_manifest_reader_next(&e, r, &err)) == QB_OK && e) {
  }
  CHECK(rc == QB_ECORRUPT && strstr(err.msg, "cut.avro"));
  qb_manifest_reader_close(r);
  qb_fileio_free(io);
}

QB_TEST(named_partition_types_defined_once)
{
  /* two uuid and two decimal(9, 2) partition fields: Avro allows one definition of uuid_fixed and
   * decimal_9_2, later fields refer to them by name (as Java's Schema.toString prints them) */
  qb_fileio *io = io_new();
  qb_err err = QB_ERR_INIT;
  static const char sj[] =
      "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":false,\"type\":\"uuid\"},"
      "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"uuid\"},"
      "{\"id\":3,\"name\":\"c\",\"required\":false,\"type\":\"decimal(9, 2)\"},"
      "{\"id\":4,\"name\":\"d\",\"required\":false,\"type\":\"decimal(9, 2)\"}]}";
  qb_schema *schema;
  CHECK_OK(qb_schema_parse_json(&schema, sj, strlen(sj), &err), &err);
  qb_partition_field pf[4] = {{1, 1000, "a", {QB_TR_IDENTITY, 0, NULL}},
                              {2, 1001, "b", {QB_TR_IDENTITY, 0, NULL}},
                              {3, 1002, "c", {QB_TR_IDENTITY, 0, NULL}},
                              {4, 1003, "d", {QB_TR_IDENTITY, 0, NULL}}};
  qb_partition_spec spec = {0, 4, pf};
  char out[1024];
  snprintf(out, sizeof out, "%s/named.avro", qb_test_tmpdir());
  qb_manifest_writer *w;
  CHECK_OK(qb_manifest_writer_open(&w, io, out, schema, &spec, QB_MANIFEST_DATA, 1, NULL, &err), &err);
  qb_value part[4] = {vbin("0123456789abcdef", 16), vbin("fedcba9876543210", 16), vi32(-7), vi64(12345)};
  qb_data_file f;
  memset(&f, 0, sizeof f);
  f.file_path = "a.parquet";
  f.file_format = "PARQUET";
  f.partition.kind = QB_V_STRUCT;
  f.partition.u.seq.items = part;
  f.partition.u.seq.n = 4;
  f.sort_order_id = QB_UNASSIGNED;
  CHECK_OK(qb_manifest_writer_add(w, &f, &err), &err);
  qb_manifest_file *m;
  CHECK_OK(qb_manifest_writer_close(&m, w, &err), &err);
  qb_manifest_file_free(m);
  qb_avro_reader *ar;
  qb_slice s;
  CHECK_OK(qb_avro_reader_open_path(&ar, io, out, NULL, &err), &err);
  CHECK(qb_avro_reader_meta(ar, "avro.schema", &s));
  CHECK(memmem(s.p, s.n, "{\"name\":\"b\",\"type\":[\"null\",\"uuid_fixed\"]", 40));
  CHECK(memmem(s.p, s.n, "{\"name\":\"d\",\"type\":[\"null\",\"decimal_9_2\"]", 41));
  qb_avro_reader_close(ar);
  qb_manifest_reader *r;
  const qb_manifest_entry *e;
  CHECK_OK(qb_manifest_reader_open(&r, io, out, NULL, &err), &err);
  CHECK_OK(qb_manifest_reader_next(&e, r, &err), &err);
  CHECK(e);
  const qb_value *p = e->data_file.partition.u.seq.items;
  qb_i128 c, d;
  CHECK(p[1].kind == QB_V_BYTES && p[1].u.bytes.n == 16 && !memcmp(p[1].u.bytes.p, "fedcba9876543210", 16));
  CHECK(qb_ice__decimal_of(&p[2], &c) && c == -7 && qb_ice__decimal_of(&p[3], &d) && d == 12345);
  qb_manifest_reader_close(r);
  qb_schema_free(schema);
  qb_fileio_free(io);
}
