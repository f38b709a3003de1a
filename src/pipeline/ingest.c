/* SPDX-License-Identifier: Apache-2.0 */
/* The incremental VQE ingest (pipeline-spec §4, issue "The VQE feature pipeline"): discover raw files,
 * skip those in the ledger, parse in two passes (Spark's batch-wide type inference decides ids, so the
 * first pass only learns the types), de-duplicate rows on the seed's key columns, append to each table
 * with the batch tag, then write the audit row, the ledger and the rejections — in that order, so a
 * reader that trusts processing_metadata never sees half a batch, and a crash only causes a rerun. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qberg/pipeline.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

#define LEDGER_TABLE QB_VQE_NAMESPACE ".ingested_files"
#define REJECTS_TABLE QB_VQE_NAMESPACE ".rejected_inputs"

static const char ledger_schema_json[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"file\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":2,\"name\":\"status\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"records\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":4,\"name\":\"size_bytes\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":5,\"name\":\"processing_batch_id\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":6,\"name\":\"processing_timestamp\",\"required\":false,\"type\":\"timestamptz\"}]}";

static const char rejects_schema_json[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"file\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":2,\"name\":\"reason\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":3,\"name\":\"processing_batch_id\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":4,\"name\":\"processing_timestamp\",\"required\":false,\"type\":\"timestamptz\"}]}";

/* ---- raw file discovery ----------------------------------------------------------------------------- */

typedef struct raw_file {
  char *path;
  uint64_t size;
  uint64_t counter, nano; /* from "{counter}-{unix_nano}.json"; files without the pattern sort by name */
  bool patterned;
} raw_file;

typedef struct raw_list {
  raw_file *v;
  size_t n, cap;
} raw_list;

static int add_raw(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  raw_list *l = ctx;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (base[0] == '.' || !qb_str_has_suffix(base, ".json")) return QB_OK; /* temp files, other formats */
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 256;
    raw_file *v = realloc(l->v, cap * sizeof *v);
    if (!v) return QB_FAIL(err, QB_ENOMEM, "out of memory listing raw files");
    l->v = v;
    l->cap = cap;
  }
  raw_file *f = &l->v[l->n];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (!f->path) return QB_FAIL(err, QB_ENOMEM, "out of memory listing raw files");
  f->size = st->size_bytes;
  char *end;
  unsigned long long c = strtoull(base, &end, 10);
  if (end != base && *end == '-') {
    char *end2;
    unsigned long long ns = strtoull(end + 1, &end2, 10);
    if (end2 != end + 1 && !strcmp(end2, ".json")) {
      f->counter = c;
      f->nano = ns;
      f->patterned = true;
    }
  }
  l->n++;
  return QB_OK;
}

/* Topic folder, then {counter}, then {unix_nano}: the order Redpanda Connect wrote them. */
static int cmp_raw(const void *a, const void *b)
{
  const raw_file *x = a, *y = b;
  const char *sx = strrchr(x->path, '/'), *sy = strrchr(y->path, '/');
  size_t dx = sx ? (size_t)(sx - x->path) : 0, dy = sy ? (size_t)(sy - y->path) : 0;
  int c = strncmp(x->path, y->path, dx < dy ? dx : dy);
  if (c || dx != dy) return c ? c : (dx < dy ? -1 : 1);
  if (x->patterned != y->patterned) return x->patterned ? -1 : 1;
  if (x->patterned) {
    if (x->counter != y->counter) return x->counter < y->counter ? -1 : 1;
    if (x->nano != y->nano) return x->nano < y->nano ? -1 : 1;
  }
  return strcmp(x->path, y->path);
}

static void raw_list_free(raw_list *l)
{
  for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
  free(l->v);
}

/* ---- tables ------------------------------------------------------------------------------------------ */

static int ensure_table(qb_table **out, qb_catalog *cat, const char *ident, const qb_schema *schema,
                        const qb_partition_spec *spec, const char *comment, qb_err *err)
{
  int rc = qb_table_load(out, cat, ident, err);
  if (rc != QB_ENOTFOUND) return rc;
  qb_kv props[2] = {{"write.parquet.compression-codec", "zstd"}, {"comment", comment}};
  qb_table_def def = {schema, spec, NULL, props, comment ? 2 : 1};
  rc = qb_catalog_create_table_def(out, cat, ident, &def, NULL, err);
  if (rc == QB_EEXISTS) return qb_table_load(out, cat, ident, err); /* created concurrently */
  return rc;
}

static int ensure_vqe_table(qb_table **out, qb_catalog *cat, qb_vqe_table t, qb_err *err)
{
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  qb_schema *schema = NULL;
  qb_partition_field fields[QB_VQE_MAX_PARTITION_FIELDS];
  qb_partition_spec spec;
  char ident[128];
  snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, d->name);
  int rc = qb_vqe_table_schema(&schema, t, err);
  if (rc == QB_OK) rc = qb_vqe_table_partition_spec(&spec, fields, t, err);
  if (rc == QB_OK) rc = ensure_table(out, cat, ident, schema, spec.n_fields ? &spec : NULL, d->comment, err);
  qb_schema_free(schema);
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

static int ensure_json_table(qb_table **out, qb_catalog *cat, const char *ident, const char *schema_json,
                             const char *comment, qb_err *err)
{
  qb_schema *schema = NULL;
  int rc = qb_schema_parse_json(&schema, schema_json, strlen(schema_json), err);
  if (rc == QB_OK) rc = ensure_table(out, cat, ident, schema, NULL, comment, err);
  qb_schema_free(schema);
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

/* ---- key de-duplication ------------------------------------------------------------------------------ */

/* A 64-bit digest of a row's key columns. Collisions (p ~ n^2 / 2^65) would drop a row; with 10^6 keys
 * per table that is ~3e-8 per batch — documented in docs/PIPELINE.md. */
static uint64_t value_digest(uint64_t h, const qb_value *v)
{
  uint8_t tag = (uint8_t)v->kind;
  h = qb_hash_u64(h ^ tag);
  switch (v->kind) {
  case QB_V_NULL: return h;
  case QB_V_BOOL: return qb_hash_u64(h ^ v->u.b);
  case QB_V_INT32: return qb_hash_u64(h ^ (uint64_t)(int64_t)v->u.i32);
  case QB_V_INT64: return qb_hash_u64(h ^ (uint64_t)v->u.i64);
  case QB_V_FLOAT: {
    uint32_t b;
    memcpy(&b, &v->u.f32, 4);
    return qb_hash_u64(h ^ b);
  }
  case QB_V_DOUBLE: {
    uint64_t b;
    memcpy(&b, &v->u.f64, 8);
    return qb_hash_u64(h ^ b);
  }
  case QB_V_BYTES:
  case QB_V_STRING: return qb_hash_u64(h ^ qb_hash_bytes(v->u.bytes.p, v->u.bytes.n));
  case QB_V_STRUCT:
  case QB_V_LIST:
  case QB_V_MAP: {
    size_t n = v->kind == QB_V_MAP ? 2 * v->u.seq.n : v->u.seq.n;
    h = qb_hash_u64(h ^ n);
    for (size_t i = 0; i < n; i++) h = value_digest(h, &v->u.seq.items[i]);
    return h;
  }
  }
  return h;
}

static uint64_t key_digest(const qb_vqe_table_desc *d, const qb_value *row)
{
  uint64_t h = 0x5157424b4559ULL;
  for (size_t i = 0; i < d->n_key_columns; i++) h = value_digest(h, &row->u.seq.items[d->key_columns[i]]);
  return h;
}

/* Load the key digests of every row stored in `t` (projection of the key columns only). */
static int load_keys(qb_u64set *keys, qb_table *t, const qb_vqe_table_desc *d, qb_err *err)
{
  const char *cols[8];
  size_t n = d->n_key_columns < 8 ? d->n_key_columns : 8;
  for (size_t i = 0; i < n; i++) cols[i] = d->columns[d->key_columns[i]].name;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = n;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, t, &o, err);
  const qb_value *row;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    uint64_t h = 0x5157424b4559ULL;
    for (size_t i = 0; i < n; i++) h = value_digest(h, &row->u.seq.items[i]);
    rc = qb_u64set_add(keys, h, err);
  }
  qb_scan_free(s);
  return rc ? qb_err_wrap(err, "reading the stored keys of %s", d->name) : QB_OK;
}

static int load_ledger(qb_u64set *seen, qb_table *t, qb_err *err)
{
  const char *cols[1] = {"file"};
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = 1;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, t, &o, err);
  const qb_value *row;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    const qb_value *f = &row->u.seq.items[0];
    if (f->kind == QB_V_STRING) rc = qb_u64set_add(seen, qb_hash_bytes(f->u.bytes.p, f->u.bytes.n), err);
  }
  qb_scan_free(s);
  return rc ? qb_err_wrap(err, "reading the ledger %s", LEDGER_TABLE) : QB_OK;
}

/* ---- the run ----------------------------------------------------------------------------------------- */

typedef struct table_state {
  qb_table *table;
  const qb_vqe_table_desc *desc;
  qb_u64set keys; /* key digests stored before this batch */
  qb_txn *txn;    /* opened on the first new row */
  bool was_empty;
  int64_t rows, dups;
} table_state;

typedef struct row_ctx {
  table_state *ts;
  qb_err *err;
} row_ctx;

static int on_row(void *ctx, const qb_value *row, qb_err *err)
{
  table_state *ts = ctx;
  /* Only keys stored before this batch count, as the seed's left-anti join against the existing table:
   * rows of one batch that share a key are all appended (EXPECTED.md: 48 initial parameters, 1 key). */
  if (ts->desc->n_key_columns && qb_u64set_has(&ts->keys, key_digest(ts->desc, row))) {
    ts->dups++;
    return QB_OK;
  }
  if (!ts->txn) {
    int rc = qb_txn_begin(&ts->txn, ts->table, QB_TXN_FAST_APPEND, NULL, err);
    if (rc) return rc;
  }
  ts->rows++;
  return qb_txn_write(ts->txn, row, err);
}

static void add_reject(qb_ingest_report *rep, const char *file, const char *reason)
{
  rep->files_rejected++;
  if (rep->n_rejects >= QB_INGEST_MAX_REJECTS) return;
  qb_ingest_reject *r = &rep->rejects[rep->n_rejects++];
  snprintf(r->file, sizeof r->file, "%s", file);
  snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* Read a raw file and run fn on each record; a parse error is returned with the file named. */
typedef int (*record_fn)(void *ctx, const qb_vqe_record *rec, qb_err *err);

static int for_each_record(qb_fileio *io, const raw_file *f, record_fn fn, void *ctx, uint64_t *n_records,
                           qb_err *err)
{
  uint8_t *data = NULL;
  size_t n = 0;
  int rc = qb_fileio_read_all(&data, &n, io, f->path, QB_VQE_MAX_FILE_BYTES, err);
  if (rc) return rc;
  qb_vqe_reader *r = NULL;
  rc = qb_vqe_reader_open(&r, f->path, data, n, err);
  const qb_vqe_record *rec;
  uint64_t count = 0;
  while (rc == QB_OK && (rc = qb_vqe_reader_next(&rec, r, err)) == QB_OK && rec) {
    count++;
    rc = fn(ctx, rec, err);
  }
  if (rc == QB_OK && count == 0) rc = QB_FAIL(err, QB_ECORRUPT, "%s: no record in the file", f->path);
  qb_vqe_reader_close(r);
  free(data);
  if (n_records) *n_records = count;
  return rc;
}

static int learn_types(void *ctx, const qb_vqe_record *rec, qb_err *err)
{
  qb_vqe_types_add(ctx, rec);
  return QB_OK;
}

typedef struct derive_ctx {
  table_state *ts;
  const qb_vqe_types *types;
  const qb_vqe_meta *meta;
} derive_ctx;

static int derive(void *ctx, const qb_vqe_record *rec, qb_err *err)
{
  derive_ctx *d = ctx;
  char id[65];
  int rc = qb_vqe_experiment_id(id, rec, d->types, err);
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++)
    rc = qb_vqe_rows((qb_vqe_table)t, rec, id, d->types, d->meta, on_row, &d->ts[t], err);
  return rc;
}

static int append_one(qb_table *t, const qb_value *row, qb_err *err)
{
  return qb_table_append_rows(t, row, 1, NULL, NULL, err);
}

typedef struct meta_ctx {
  qb_table *table;
} meta_ctx;

static int on_meta_row(void *ctx, const qb_value *row, qb_err *err) { return append_one(ctx, row, err); }

static qb_value str_value(const char *s)
{
  qb_value v;
  v.kind = QB_V_STRING;
  v.u.bytes.p = (const uint8_t *)s;
  v.u.bytes.n = strlen(s);
  return v;
}

static qb_value i64_value(int64_t x)
{
  qb_value v;
  v.kind = QB_V_INT64;
  v.u.i64 = x;
  return v;
}

int qb_ingest_run(qb_ingest_report *rep, qb_catalog *cat, const qb_ingest_options *opts, qb_err *err)
{
  memset(rep, 0, sizeof *rep);
  if (!opts || !opts->raw) return QB_FAIL(err, QB_EINVAL, "ingest: no raw source given");
  qb_fileio *io = opts->raw_io ? opts->raw_io : qb_catalog_io(cat);
  table_state ts[QB_VQE_FEATURE_TABLES];
  memset(ts, 0, sizeof ts);
  qb_table *meta_t = NULL, *ledger_t = NULL, *rejects_t = NULL;
  qb_txn *ledger_txn = NULL, *rejects_txn = NULL;
  raw_list files = {0};
  qb_u64set seen;
  qb_u64set_init(&seen);
  qb_vqe_meta meta;
  char batch[37], hex[33];
  int rc = QB_OK;

  if (opts->batch_id) {
    snprintf(batch, sizeof batch, "%s", opts->batch_id);
    qb_vqe_meta_init(&meta, qb_now_ms() * 1000, batch);
  } else {
    qb_vqe_meta_now(&meta, batch);
  }
  snprintf(rep->batch_id, sizeof rep->batch_id, "%s", batch);
  size_t hn = 0;
  for (const char *p = batch; *p && hn < 32; p++)
    if (*p != '-') hex[hn++] = *p;
  hex[hn] = '\0';
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    rep->snapshot_ids[t] = -1;
    snprintf(rep->versions[t], sizeof rep->versions[t], "no_changes");
  }

  rc = qb_catalog_create_namespace(cat, QB_VQE_NAMESPACE, err);
  if (rc == QB_EEXISTS) rc = QB_OK;
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    ts[t].desc = qb_vqe_table_describe((qb_vqe_table)t);
    qb_u64set_init(&ts[t].keys);
    rc = ensure_vqe_table(&ts[t].table, cat, (qb_vqe_table)t, err);
  }
  if (rc == QB_OK) rc = ensure_vqe_table(&meta_t, cat, QB_VQE_PROCESSING_METADATA, err);
  if (rc == QB_OK)
    rc = ensure_json_table(&ledger_t, cat, LEDGER_TABLE, ledger_schema_json,
                           "raw files processed by qberg ingest (accepted and rejected)", err);
  if (rc == QB_OK)
    rc = ensure_json_table(&rejects_t, cat, REJECTS_TABLE, rejects_schema_json,
                           "raw files qberg ingest rejected, with the reason", err);
  if (rc) goto done;

  /* 1. discover and drop what the ledger already has */
  if ((rc = qb_fileio_list(io, opts->raw, add_raw, &files, err)) != QB_OK) {
    qb_err_wrap(err, "listing raw files under %s", opts->raw);
    goto done;
  }
  qsort(files.v, files.n, sizeof *files.v, cmp_raw);
  rep->files_seen = files.n;
  if ((rc = load_ledger(&seen, ledger_t, err)) != QB_OK) goto done;
  size_t k = 0;
  for (size_t i = 0; i < files.n; i++) {
    if (qb_u64set_has(&seen, qb_hash_bytes(files.v[i].path, strlen(files.v[i].path)))) {
      free(files.v[i].path);
      continue;
    }
    files.v[k++] = files.v[i];
  }
  files.n = k;
  rep->files_new = files.n;

  /* 2. pass one: the batch's types (and rejections) */
  qb_vqe_types types;
  qb_vqe_types_init(&types);
  bool *ok = calloc(files.n ? files.n : 1, sizeof *ok);
  uint64_t *nrec = calloc(files.n ? files.n : 1, sizeof *nrec);
  if (!ok || !nrec) {
    free(ok);
    free(nrec);
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < files.n; i++) {
    qb_err fe = QB_ERR_INIT;
    qb_vqe_types probe = types;
    int frc = for_each_record(io, &files.v[i], learn_types, &probe, &nrec[i], &fe);
    rep->bytes += files.v[i].size;
    if (frc == QB_OK) {
      types = probe; /* a rejected file must not change the batch's types */
      ok[i] = true;
    } else if (frc == QB_ENOMEM || frc == QB_EIO || frc == QB_ENET || frc == QB_EAUTH) {
      *err = fe;
      rc = frc;
      break;
    } else {
      add_reject(rep, files.v[i].path, fe.msg);
    }
  }

  /* 3. stored keys, then pass two: derive, de-duplicate and write */
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    const qb_table_metadata *md;
    rc = qb_table_get_metadata(&md, ts[t].table, err);
    if (rc == QB_OK) {
      ts[t].was_empty = qb_table_metadata_current_snapshot_id(md) < 0;
      if (!ts[t].was_empty && ts[t].desc->n_key_columns) rc = load_keys(&ts[t].keys, ts[t].table, ts[t].desc, err);
    }
  }
  derive_ctx dc = {ts, &types, &meta};
  for (size_t i = 0; rc == QB_OK && i < files.n; i++) {
    if (!ok[i]) continue;
    rc = for_each_record(io, &files.v[i], derive, &dc, NULL, err);
    if (rc == QB_OK) rep->records += nrec[i];
  }

  /* 4. commit each table with its tag */
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    rep->rows[t] = ts[t].rows;
    rep->duplicates[t] = ts[t].dups;
    if (!ts[t].txn) continue;
    snprintf(rep->versions[t], sizeof rep->versions[t], "%s%s", ts[t].was_empty ? "v_" : "v_incr_", hex);
    qb_txn_result res;
    if ((rc = qb_txn_set_summary(ts[t].txn, "qberg.batch-id", batch, err)) == QB_OK &&
        (rc = qb_txn_tag(ts[t].txn, rep->versions[t], -1, err)) == QB_OK) {
      rc = qb_txn_commit(ts[t].txn, &res, err);
      ts[t].txn = NULL;
      if (rc == QB_OK) rep->snapshot_ids[t] = res.snapshot_id;
    }
    if (rc) qb_err_wrap(err, "committing %s", ts[t].desc->name);
  }

  /* 5. the audit row, then the ledger and the rejections */
  if (rc == QB_OK) {
    const char *versions[QB_VQE_FEATURE_TABLES];
    int64_t counts[QB_VQE_FEATURE_TABLES];
    for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
      versions[t] = rep->versions[t];
      counts[t] = rep->rows[t];
    }
    const char *topic = files.n ? files.v[0].path : "";
    char topic_buf[256] = "";
    const char *slash = strrchr(topic, '/');
    if (slash) {
      const char *prev = slash;
      while (prev > topic && prev[-1] != '/') prev--;
      snprintf(topic_buf, sizeof topic_buf, "%.*s", (int)(slash - prev), prev);
    }
    rc = qb_vqe_metadata_row(&meta, versions, counts, topic_buf, on_meta_row, meta_t, err);
    if (rc) qb_err_wrap(err, "writing processing_metadata");
  }
  for (size_t i = 0; rc == QB_OK && i < files.n; i++) {
    if (!ledger_txn && (rc = qb_txn_begin(&ledger_txn, ledger_t, QB_TXN_FAST_APPEND, NULL, err)) != QB_OK) break;
    qb_value items[6] = {str_value(files.v[i].path), str_value(ok[i] ? "ingested" : "rejected"),
                         i64_value((int64_t)nrec[i]), i64_value((int64_t)files.v[i].size), str_value(batch),
                         i64_value(meta.processing_timestamp_us)};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 6}};
    rc = qb_txn_write(ledger_txn, &row, err);
  }
  if (rc == QB_OK && ledger_txn) {
    rc = qb_txn_commit(ledger_txn, NULL, err);
    ledger_txn = NULL;
    if (rc) qb_err_wrap(err, "committing the ledger");
  }
  for (size_t i = 0; rc == QB_OK && i < rep->n_rejects; i++) {
    if (!rejects_txn && (rc = qb_txn_begin(&rejects_txn, rejects_t, QB_TXN_FAST_APPEND, NULL, err)) != QB_OK)
      break;
    qb_value items[4] = {str_value(rep->rejects[i].file), str_value(rep->rejects[i].reason), str_value(batch),
                         i64_value(meta.processing_timestamp_us)};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
    rc = qb_txn_write(rejects_txn, &row, err);
  }
  if (rc == QB_OK && rejects_txn) {
    rc = qb_txn_commit(rejects_txn, NULL, err);
    rejects_txn = NULL;
  }
  if (rc == QB_OK && !opts->no_features) { /* the ML tables of the experiments this batch added */
    qb_features_options fo = {QB_FEATURES_OPTIONS_VERSION, batch, meta.processing_timestamp_us};
    rc = qb_features_run(&rep->features, cat, &fo, err);
  }
  free(ok);
  free(nrec);

done:
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    qb_txn_abort(ts[t].txn);
    qb_table_free(ts[t].table);
    qb_u64set_free(&ts[t].keys);
  }
  qb_txn_abort(ledger_txn);
  qb_txn_abort(rejects_txn);
  qb_table_free(meta_t);
  qb_table_free(ledger_t);
  qb_table_free(rejects_t);
  qb_u64set_free(&seen);
  raw_list_free(&files);
  return rc ? qb_err_wrap(err, "ingest batch %s", batch) : QB_OK;
}
