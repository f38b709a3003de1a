/* SPDX-License-Identifier: Apache-2.0 */
/* The incremental VQE ingest (pipeline-spec §4, issue "The VQE feature pipeline"): discover raw files,
 * skip those in the ledger, parse each once under speculated batch types (Spark's batch-wide type
 * inference decides ids; a second pass only when the speculation fails), de-duplicate rows on the seed's
 * key columns through the experiment index, append to each table with the batch tag, then write the audit
 * row, the index, the ledger and the rejections — in that order, so a reader that trusts
 * processing_metadata never sees half a batch, and a crash only causes a rerun. One function per phase;
 * qb_ingest_run lists them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/experiment_index.h"
#include "pipeline/ingest_lock.h"
#include "pipeline/ingest_writer.h"
#include "pipeline/table_binding.h"
#include "pipeline/ml_features_int.h"
#include "pipeline/ledger.h"
#include "pipeline/vqe_cols.h"
#include "pipeline/vqe_ids.h"
#include "qberg/pipeline.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/thread.h"

#define LEDGER_TABLE QB_LEDGER_TABLE
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

/* ---- raw file discovery: pipeline/ledger.c ----------------------------------------------------------- */

typedef qb_raw_file raw_file;
typedef qb_raw_list raw_list;

/* ---- tables ------------------------------------------------------------------------------------------ */

/* Where a missing table is made: fn gives the catalog (a dry run's scratch catalog, opened on first use). */
typedef struct make_in {
  int (*fn)(void *ctx, qb_catalog **out, qb_err *err);
  void *ctx;
} make_in;

/* The table `ident` of `cat`, created in `*schema` when missing: in `cat`, or with `mk` in the catalog it
 * gives. An existing one may have been evolved by users since (qberg alter, Spark): *schema is then bound to
 * it and checked (qb_vqe__bind_schema), and a change the pipeline cannot write through (a column's type, a
 * required column added) fails here, before the batch writes anything. */
static int ensure_table(qb_table **out, qb_catalog *cat, const make_in *mk, const char *ident,
                        qb_schema **schema, const qb_partition_spec *spec, const char *comment,
                        const char *const *plain, qb_err *err)
{
  int rc = qb_table_load(out, cat, ident, err);
  if (rc == QB_OK) {
    qb_schema *bound = NULL;
    rc = qb_vqe__bind_schema(&bound, *out, *schema, true, err);
    if (rc == QB_OK) {
      qb_schema_free(*schema);
      *schema = bound;
      return QB_OK;
    }
    qb_table_free(*out);
    *out = NULL;
    return rc;
  }
  if (rc != QB_ENOTFOUND) return rc;
  /* Small row groups bound the batch's memory: a batch writes up to ~45 partition files at once (nine
   * tables x basis sets x backends), each buffering one row group (Iceberg's default: 128 MiB). */
  qb_kv props[5] = {{"write.parquet.compression-codec", "zstd"}, {"write.parquet.row-group-size-bytes", "4194304"}};
  char keys[2][96];
  size_t n = 2;
  for (size_t i = 0; plain && plain[i] && i < 2; i++) {
    snprintf(keys[i], sizeof keys[i], "write.parquet.dict-encoding-enabled.column.%s", plain[i]);
    props[n++] = (qb_kv){keys[i], "false"};
  }
  if (comment) props[n++] = (qb_kv){"comment", comment};
  qb_table_def def = {*schema, spec, NULL, props, n};
  qb_err_clear(err);
  qb_catalog *create_cat = cat;
  if (mk && (rc = mk->fn(mk->ctx, &create_cat, err))) return rc;
  rc = qb_catalog_create_table_def(out, create_cat, ident, &def, NULL, err);
  if (rc == QB_EEXISTS) return qb_table_load(out, create_cat, ident, err); /* created concurrently */
  return rc;
}

/* Columns whose values differ on (almost) every row by construction: the experiment's id and a per-row
 * suffix (iteration_id, iteration_parameters' parameter_id, term_id), or a bucket in (-10^6, 10^6) of a hash of
 * distinct (experiment, label) pairs (term_index). Their dictionary always loses parquet-java's first-page
 * rule (it pays only when a few percent of the strings, or half of the ints, repeat), so they are created
 * PLAIN from the first value (write.parquet.dict-encoding-enabled.column.<c>=false): the same files,
 * without hashing every value into a dictionary that is then dropped. */
static const char *const *plain_columns(qb_vqe_table t)
{
  static const char *const iterations[] = {"iteration_id", NULL};
  static const char *const iter_params[] = {"parameter_id", NULL};
  static const char *const terms[] = {"term_id", "term_index", NULL};
  switch (t) {
  case QB_VQE_VQE_ITERATIONS: return iterations;
  case QB_VQE_ITERATION_PARAMETERS: return iter_params;
  case QB_VQE_HAMILTONIAN_TERMS: return terms;
  default: return NULL;
  }
}

static int ensure_vqe_table(qb_table **out, qb_schema **schema_out, qb_catalog *cat, const make_in *mk,
                            qb_vqe_table t, qb_err *err)
{
  const qb_vqe_table_desc *d = qb_vqe_table_describe(t);
  qb_schema *schema = NULL;
  qb_partition_field fields[QB_VQE_MAX_PARTITION_FIELDS];
  qb_partition_spec spec;
  char ident[128];
  snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, d->name);
  int rc = qb_vqe_table_schema(&schema, t, err);
  if (rc == QB_OK) rc = qb_vqe_table_partition_spec(&spec, fields, t, err);
  if (rc == QB_OK)
    rc = ensure_table(out, cat, mk, ident, &schema, spec.n_fields ? &spec : NULL, d->comment, plain_columns(t),
                      err);
  if (rc == QB_OK) *schema_out = schema;
  else qb_schema_free(schema);
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

static int ensure_json_table(qb_table **out, qb_schema **schema_out, qb_catalog *cat, const make_in *mk,
                             const char *ident, const char *schema_json, const char *comment, qb_err *err)
{
  qb_schema *schema = NULL;
  int rc = qb_schema_parse_json(&schema, schema_json, strlen(schema_json), err);
  if (rc == QB_OK) rc = ensure_table(out, cat, mk, ident, &schema, NULL, comment, NULL, err);
  if (rc == QB_OK) *schema_out = schema;
  else qb_schema_free(schema);
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

/* ---- key de-duplication ------------------------------------------------------------------------------ */

/* A 64-bit digest of a row's key columns. Collisions (p ~ n^2 / 2^65) would drop a row; only the keys of
 * re-checked experiments are compared this way, far fewer than 10^6 — documented in docs/PIPELINE.md. */
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

/* value_digest(h, s) for a string s = p + rest whose first bytes p have the qb_hash_bytes_update state
 * `pre` (the same value, without hashing p again). */
static uint64_t string_digest_after(uint64_t h, uint64_t pre, const uint8_t *rest, size_t rest_n)
{
  h = qb_hash_u64(h ^ (uint8_t)QB_V_STRING);
  return qb_hash_u64(h ^ qb_hash_bytes_final(qb_hash_bytes_update(pre, rest, rest_n)));
}

static uint64_t key_digest(const qb_vqe_table_desc *d, const qb_value *row)
{
  uint64_t h = 0x5157424b4559ULL;
  for (size_t i = 0; i < d->n_key_columns; i++) h = value_digest(h, &row->u.seq.items[d->key_columns[i]]);
  return h;
}

/* ---- the run ----------------------------------------------------------------------------------------- */

typedef struct table_state {
  qb_table *table;
  qb_schema *schema; /* the pipeline's: rows are written and read by its field ids (table_binding.h) */
  const qb_vqe_table_desc *desc;
  qb_u64set keys; /* exact key digests: rows of interrupted batches and of re-checked experiments */
  qb_txn *txn;    /* opened on the first new row */
  bool columnar;  /* MODE_WRITE rows go through cols and qb_txn_write_batch (flat tables) */
  qb_vqe_cols cols;
  bool was_empty;
  int64_t rows, dups;
  /* rows and the latest tag of interrupted batches committed here (earlier_attempt) */
  int64_t earlier_rows;
  uint64_t key_rows_read; /* stored rows whose keys load_keys read (interrupted batches, re-checks) */
  char earlier_tag[48];
} table_state;

/* How a record's rows meet the stored ones (docs/PIPELINE.md "De-duplication"). */
typedef enum row_mode {
  MODE_WRITE,  /* experiment not stored: append every row */
  MODE_CHECK,  /* compare each row's key with table_state.keys */
  MODE_DIGEST, /* only compute the record's key-set digest and row counts */
} row_mode;

typedef struct ingest_run ingest_run;

typedef struct row_sink {
  ingest_run *run;
  int t;
} row_sink;

struct ingest_run {
  qb_catalog *cat;
  /* a dry run's tables that are not in the warehouse yet (a first batch) are made here, in a temporary
   * folder removed at the end, so that the dry run writes nothing to the warehouse */
  qb_catalog *scratch;
  char *scratch_dir;
  const qb_ingest_options *opts;
  qb_ingest_report *rep;
  qb_fileio *io;
  qb_ingest_lock *lock; /* the warehouse's, for the batch (NULL: a dry run) */
  /* the directory of the raw files being read, held for the batch (qb_dir_reader: each file opened relative
   * to it, its listed size as the hint); NULL with raw_dir set when it could not be opened (read by path) */
  qb_dir_reader *raw_reader;
  char *raw_dir;
  size_t raw_dir_n;
  /* the reader's read-ahead plan (qb_dir_reader_plan): the listing's files from plan_from on, in raw_dir;
   * plan_next: the file after the last read (a pass that goes back or jumps far ahead plans anew) */
  size_t plan_from, plan_next;
  table_state ts[QB_VQE_FEATURE_TABLES];
  row_sink sinks[QB_VQE_FEATURE_TABLES];
  qb_table *meta_t, *ledger_t, *rejects_t;
  qb_schema *meta_schema, *ledger_schema, *rejects_schema; /* the pipeline's (see table_state.schema) */
  /* threads > 1: the feature tables' writes run here, in hand-off order; their transactions are the
   * writer's until qb_ingest_writer_drain (ingest_writer.h) */
  qb_ingest_writer *writer;
  qb_ledger ledger;
  qb_expidx ix;
  qb_expidx_map recovered; /* experiments with rows in snapshots the index does not cover -> key-set digest */
  qb_expidx_map added;     /* experiments this batch wrote to -> their key-set digest after the batch */
  qb_expidx_map deferred;  /* stored experiments whose rows must be compared one by one */
  /* vqe_iterations' dropDuplicates(experiment_id, iteration_step) over the batch (batch_steps): per
   * experiment the steps taken so far, a range first..last (steps_pack) or STEPS_SET: each in step_set */
  qb_expidx_map steps;
  qb_u64set step_set;
  qb_vqe_iteration *step_buf; /* the iterations of a record whose steps an earlier record took in part */
  size_t step_cap;
  char (*deferred_ids)[65];
  size_t n_deferred, cap_deferred;
  raw_list files;
  bool *ok;        /* per file: accepted by pass one */
  bool *skipped;   /* per file: gone when read (not recorded anywhere: a later listing retries it) */
  bool *recheck;   /* per file: holds a deferred record */
  uint64_t *nrec;  /* per file: records */
  char **reasons;  /* per file: why it was rejected */
  qb_vqe_types types; /* the current topic's types; during the one pass, the speculated ones (spec) */
  /* Spark reads, infers the schema of, and processes each topic folder on its own (spec §2.1), so a batch's
   * types are per topic: topic[i] is file i's (topic_of), and r->types with spec.fixed / spec.fixed_order
   * are those of topic `cur` (use_topic swaps them with tt / tfixed / torder; tseen: the types of each
   * topic's accepted files so far) */
  size_t *topic, n_topics, cur;
  qb_vqe_types *tt, *tseen;
  unsigned *tfixed;
  bool *torder;
  struct {
    bool on;           /* rows derived so far hold under the speculated types */
    unsigned fixed;    /* QB_VQE_F_* bits some derived record depends on (qb_vqe_types_deps) */
    bool fixed_order;  /* a JSON record was derived: its field order depends on the batch's Avro flag */
  } spec;
  qb_vqe_meta meta;
  char batch[37], hex[33];
  int64_t t0_ms;
  qb_ingest_phase phase; /* the phase running since phase_ns (report->phase_us) */
  int64_t phase_ns;
  /* the record being derived */
  qb_vqe_nums nums; /* its initial_parameters' texts, kept by the experiment id for the rows */
  row_mode mode;
  bool only_deferred;   /* the recheck pass: skip records that were not deferred */
  uint64_t rec_keyset;  /* multiset sum of the record's rows (all rows in MODE_DIGEST, written rows else) */
  int64_t rec_rows[QB_VQE_FEATURE_TABLES];
};

static uint64_t mix_key(int t, uint64_t key)
{
  return qb_hash_u64(key + (uint64_t)(t + 1) * UINT64_C(0x9e3779b97f4a7c15));
}

/* Rows (and bytes) buffered in a table's columns before they go to qb_txn_write_batch: large enough that
 * the per-batch costs vanish, small enough that nine tables' buffers stay a few MiB (ansatz_info holds a
 * few KB of OpenQASM per row). */
#define SLICE_ROWS 2048
#define SLICE_BYTES ((size_t)256 << 10)

static int begin_txn(table_state *ts, qb_err *err)
{
  return ts->txn ? QB_OK : qb_vqe__txn_begin(&ts->txn, ts->table, QB_TXN_FAST_APPEND, ts->schema, err);
}

/* Write table t's buffered rows (before any row-path write to it, so rows keep their order), or hand them
 * to the writer thread, which begins the transaction itself. */
static int flush_cols(ingest_run *r, int t, qb_err *err)
{
  table_state *ts = &r->ts[t];
  size_t n = ts->cols.n_rows;
  if (!n) return QB_OK;
  if (r->writer) return qb_ingest_writer_put_cols(r->writer, t, ts->table, ts->schema, &ts->txn, &ts->cols, err);
  int rc = qb_txn_write_batch(ts->txn, qb_vqe_cols_batch(&ts->cols), n, err);
  qb_vqe_cols_truncate(&ts->cols, 0);
  return rc;
}

/* Every hand-off written: the transactions are this thread's again (phases that read the tables, abort or
 * commit). The writer's first failure, if any, fails the batch here. */
static int drain(ingest_run *r, qb_err *err)
{
  return r->writer ? qb_ingest_writer_drain(r->writer, err) : QB_OK;
}

/* MODE_WRITE on a flat table: the record's rows go into the table's column buffers; the bookkeeping is
 * on_row's for each of them. */
static int derive_cols_run(ingest_run *r, int t, const qb_vqe_record *rec, const char *id, qb_err *err)
{
  table_state *ts = &r->ts[t];
  qb_vqe_cols *c = &ts->cols;
  size_t from = c->n_rows;
  int rc = qb_vqe__rows_to_cols(c, rec, id, &r->types, &r->meta, &r->nums, err);
  if (rc || c->n_rows == from) return rc;
  /* key_digest over the buffered cells. A key that is one string starting with the experiment id
   * (parameter_id, iteration_id, term_id) hashes the id's 64 bytes once per record, then each row's rest. */
  const qb_vqe_table_desc *d = ts->desc;
  bool id_key = d->n_key_columns == 1 && c->cols[d->key_columns[0]].width == 0;
  /* ids the derivation hashed as it wrote them (parameter_id, term_id): their states, no bytes read */
  const uint64_t *id_hash = id_key ? qb_vqe_cols_id_hashes(c, d->key_columns[0]) : NULL;
  uint64_t pre = id_key ? qb_hash_bytes_update(QB_HASH_BYTES_INIT, id, 64) : 0;
  for (size_t i = from; i < c->n_rows; i++) {
    uint64_t h = 0x5157424b4559ULL;
    if (id_hash) {
      r->rec_keyset += mix_key(t, string_digest_after(h, id_hash[i], NULL, 0));
      continue;
    }
    for (size_t k = 0; k < d->n_key_columns; k++) {
      qb_value v = qb_vqe_cols_value(c, d->key_columns[k], i);
      if (id_key && v.kind == QB_V_STRING && v.u.bytes.n >= 64 && !memcmp(v.u.bytes.p, id, 64))
        h = string_digest_after(h, pre, v.u.bytes.p + 64, v.u.bytes.n - 64);
      else
        h = value_digest(h, &v);
    }
    r->rec_keyset += mix_key(t, d->n_key_columns ? h : 0);
  }
  r->rec_rows[t] += (int64_t)(c->n_rows - from);
  ts->rows += (int64_t)(c->n_rows - from);
  if (!r->writer && (rc = begin_txn(ts, err))) return rc;
  return c->n_rows >= SLICE_ROWS || qb_vqe_cols_bytes(c) >= SLICE_BYTES ? flush_cols(r, t, err) : QB_OK;
}

/* Rows of iteration i of rec in table t (the tables whose rows grow with the iterations), for the runs below. */
static size_t iteration_rows(int t, const qb_vqe_record *rec, size_t i)
{
  return t == QB_VQE_ITERATION_PARAMETERS ? rec->iterations[i].parameters.n : 1;
}

static bool steps_increasing(const qb_vqe_record *rec)
{
  for (size_t i = 1; i < rec->n_iterations; i++)
    if (rec->iterations[i].iteration <= rec->iterations[i - 1].iteration) return false;
  return true;
}

/* A record's rows in the tables that grow with its iterations (iteration_parameters, vqe_iterations) are
 * derived a run of iterations at a time, each run at most SLICE_ROWS rows, and handed on as a slice fills:
 * the column buffers (and with two threads each queued or spare set, which keeps its capacity) held every
 * row of the largest record, ~1.7 KB per iteration of 16 parameters, so one raw file of 100,000 iterations
 * (42 MB) took 372 MiB, and 1 GB of runs of 50-500 iterations 184-226 MiB. The rows, their order and the
 * bookkeeping are those of one call: a view of a run of iterations derives the same rows (ids and constants
 * depend on the step and the record, not the position), and vqe_iterations is split only when its steps
 * increase (its in-record de-duplication then drops nothing). A record under SLICE_ROWS rows is one run. */
static int derive_cols(ingest_run *r, int t, const qb_vqe_record *rec, const char *id, qb_err *err)
{
  if (t != QB_VQE_ITERATION_PARAMETERS && t != QB_VQE_VQE_ITERATIONS) return derive_cols_run(r, t, rec, id, err);
  size_t total = 0;
  for (size_t i = 0; i < rec->n_iterations && total <= SLICE_ROWS; i++) total += iteration_rows(t, rec, i);
  if (total <= SLICE_ROWS || (t == QB_VQE_VQE_ITERATIONS && !steps_increasing(rec)))
    return derive_cols_run(r, t, rec, id, err);
  qb_vqe_record view = *rec;
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < rec->n_iterations;) {
    size_t j = i, n = 0;
    while (j < rec->n_iterations && (j == i || n + iteration_rows(t, rec, j) <= SLICE_ROWS))
      n += iteration_rows(t, rec, j++);
    view.iterations = rec->iterations + i;
    view.n_iterations = j - i;
    rc = derive_cols_run(r, t, &view, id, err);
    i = j;
  }
  return rc;
}

static int on_row(void *ctx, const qb_value *row, qb_err *err)
{
  row_sink *s = ctx;
  ingest_run *r = s->run;
  table_state *ts = &r->ts[s->t];
  uint64_t key = ts->desc->n_key_columns ? key_digest(ts->desc, row) : 0;
  r->rec_rows[s->t]++;
  if (r->mode == MODE_DIGEST) {
    r->rec_keyset += mix_key(s->t, key);
    return QB_OK;
  }
  /* Only keys stored before this batch count, as the seed's left-anti join against the existing table:
   * rows of one batch that share a key are all appended (EXPECTED.md: 48 initial parameters, 1 key). */
  if (r->mode == MODE_CHECK && ts->desc->n_key_columns && qb_u64set_has(&ts->keys, key)) {
    ts->dups++;
    return QB_OK;
  }
  int rc = r->writer ? QB_OK : begin_txn(ts, err);
  if (rc == QB_OK) rc = flush_cols(r, s->t, err);
  if (rc) return rc;
  ts->rows++;
  r->rec_keyset += mix_key(s->t, key);
  if (r->writer) return qb_ingest_writer_put_row(r->writer, ts->table, ts->schema, &ts->txn, row, err);
  return qb_txn_write(ts->txn, row, err);
}

static void progress(ingest_run *r, const char *phase, uint64_t files_done, uint64_t files_total,
                     uint64_t bytes_done, uint64_t bytes_total)
{
  if (!r->opts->progress) return;
  qb_ingest_progress p = {phase, files_done, files_total, bytes_done, bytes_total, qb_now_ms() - r->t0_ms};
  r->opts->progress(r->opts->progress_ctx, &p);
}

/* Read a raw file and run fn on each record; a parse error is returned with the file named. */
typedef int (*record_fn)(void *ctx, const qb_vqe_record *rec, qb_err *err);

/* Ends the phase running (its wall time goes to the report) and starts `next`. */
static void phase_next(ingest_run *r, qb_ingest_phase next)
{
  int64_t now = qb_mono_ns();
  r->rep->phase_us[r->phase] += (now - r->phase_ns) / 1000;
  r->phase = next;
  r->phase_ns = now;
}

static int each_record(const raw_file *f, const uint8_t *data, size_t n, record_fn fn, void *ctx,
                       uint64_t *n_records, qb_err *err)
{
  qb_vqe_reader *r = NULL;
  int rc = qb_vqe_reader_open(&r, f->path, data, n, err);
  const qb_vqe_record *rec;
  uint64_t count = 0;
  while (rc == QB_OK && (rc = qb_vqe_reader_next(&rec, r, err)) == QB_OK && rec) {
    count++;
    rc = fn(ctx, rec, err);
  }
  if (rc == QB_OK && count == 0) rc = QB_FAIL(err, QB_ECORRUPT, "%s: no record in the file", f->path);
  qb_vqe_reader_close(r);
  if (n_records) *n_records = count;
  return rc;
}

/* The read-ahead plan of the raw files' reader: the listing's files from plan_from on, while they are in
 * raw_dir (the listing is sorted by folder, then name: the order the passes read them in). */
static bool raw_plan(void *ctx, size_t k, const char **path, uint64_t *size)
{
  ingest_run *r = ctx;
  size_t i = r->plan_from + k, dn = r->raw_dir_n;
  if (i < r->plan_from || i >= r->files.n) return false;
  const raw_file *f = &r->files.v[i];
  if (strncmp(f->path, r->raw_dir, dn) != 0 || f->path[dn] != '/' || strchr(f->path + dn + 1, '/')) return false;
  *path = f->path;
  *size = f->size;
  return true;
}

/* Raw file f's bytes (qb_fileio_read_once's contract), read through a reader of its directory held for the
 * batch: the files are sorted by name within a folder, so the reader changes only where the folder does. A
 * directory renamed during the batch is read on under its new name (docs/PIPELINE.md "Reading raw files").
 * A directory that cannot be opened leaves the reads to the path, which report the error per file. */
static int read_raw(ingest_run *r, const raw_file *f, uint8_t **data, size_t *n, qb_err *err)
{
  const char *slash = strrchr(f->path, '/');
  if (slash) {
    size_t dn = slash == f->path ? 1 : (size_t)(slash - f->path);
    if (!r->raw_dir || strncmp(r->raw_dir, f->path, dn) != 0 || r->raw_dir[dn] != '\0') {
      qb_dir_reader_close(r->raw_reader);
      r->raw_reader = NULL;
      free(r->raw_dir);
      if (!(r->raw_dir = strndup(f->path, dn))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      r->raw_dir_n = dn;
      qb_err de = QB_ERR_INIT;
      if (qb_fileio_dir_reader_open(&r->raw_reader, r->io, r->raw_dir, &de) != QB_OK) qb_err_clear(&de);
      r->plan_next = SIZE_MAX; /* plan the new reader */
    }
  }
  if (!slash || !r->raw_reader) return qb_fileio_read_once(data, n, r->io, f->path, QB_VQE_MAX_FILE_BYTES, err);
  /* files read in listing order from here: a plan, so that uncached ones are read ahead (the reader follows
   * a pass skipping a few files; one going back, as the next pass does, or far ahead starts a new plan) */
  size_t i = (size_t)(f - r->files.v);
  if (i < r->plan_next || i - r->plan_next > 32) {
    r->plan_from = i;
    qb_dir_reader_plan(r->raw_reader, raw_plan, r);
  }
  r->plan_next = i + 1;
  return qb_dir_reader_read_once(data, n, r->raw_reader, f->path, f->size, QB_VQE_MAX_FILE_BYTES, err);
}

static int for_each_record(ingest_run *r, const raw_file *f, record_fn fn, void *ctx, uint64_t *n_records,
                           qb_err *err)
{
  uint8_t *data = NULL;
  size_t n = 0;
  int rc = read_raw(r, f, &data, &n, err);
  if (rc == QB_OK) rc = each_record(f, data, n, fn, ctx, n_records, err);
  free(data);
  return rc;
}

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

/* ---- phase 0: batch identity and tables -------------------------------------------------------------- */

/* Whether `covered` (a snapshot the index covers) is on the current snapshot's parent chain: 1 yes (it, or
 * a compaction of it that names it as parent or qberg.carried-from), 0 no (the chain ends at its root
 * without it: main was moved back or elsewhere, a rollback), -1 cannot tell (a parent expired). *removed:
 * a snapshot after it removed rows (`delete`, `overwrite`: `qberg delete --where`, another engine's). */
static int covered_is_ancestor(const qb_table_metadata *md, int64_t covered, bool *removed)
{
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  *removed = false;
  for (size_t hops = 0; s && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    int64_t origin, parent;
    qb_snapshot_origin(s, &origin, &parent);
    if (s->snapshot_id == covered || origin == covered) return 1;
    if (s->operation && (!strcmp(s->operation, "delete") || !strcmp(s->operation, "overwrite"))) *removed = true;
    /* a compaction carrying the rows of another snapshot, which may have expired: its operation (carried) says
     * whether it removed rows, and the chain goes on at its parent. Walking the compaction's parent instead
     * stopped at the expired writer, so a `delete --where` compacted and expired before the next batch was not
     * seen and the deleted experiment's rows were dropped as stored when delivered again (found by exploreR) */
    const char *op = origin != s->snapshot_id ? qb_snapshot_summary_get(s, QB_SUMMARY_CARRIED_OPERATION) : NULL;
    if (op) {
      if (!strcmp(op, "delete") || !strcmp(op, "overwrite")) *removed = true;
      if (parent == covered) return 1;
      if (parent < 0) return 0;
      s = qb_table_metadata_snapshot_by_id(md, parent);
      continue;
    }
    if (s->has_parent && s->parent_id == covered) return 1;
    if (!s->has_parent) return 0;
    s = qb_table_metadata_snapshot_by_id(md, s->parent_id);
  }
  return -1;
}

/* `anc` is `of` or one of its ancestors (both kept) */
static bool is_ancestor(const qb_table_metadata *md, int64_t anc, int64_t of)
{
  const qb_snapshot *s = qb_table_metadata_snapshot_by_id(md, of);
  for (size_t hops = 0; s && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    if (s->snapshot_id == anc) return true;
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  return false;
}

/* Feature tables replaced since the index covered them: another table uuid than the one it recorded, or
 * no snapshot where it covered one (a table dropped and created again by this run, or an index written
 * before uuids were recorded), or rolled back: its main branch moved to a snapshot the covered one does not
 * descend from (`qberg tag TABLE main --branch --snapshot ID --replace`, e.g. to an older batch's tag; before,
 * the experiments of the batches undone were dropped as stored when delivered again, and that table never
 * got their rows back: found by exploreN), or rows deleted since (a `delete` or `overwrite` snapshot after
 * the covered one: the same loss; a documented limit before). The index's key-set digests then count rows that are gone: an experiment
 * met again would be dropped whole as stored, and the table would never get its rows back. From now on
 * (qb_expidx.keysets_untrusted, kept by every later index commit) stored experiments are compared row by
 * row, as the seed's anti join does. */
static int find_replaced(ingest_run *r, qb_err *err)
{
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    const qb_table_metadata *md;
    int rc = qb_table_get_metadata(&md, r->ts[t].table, err);
    if (rc) return rc;
    const char *uuid = qb_table_metadata_uuid(md), *was = r->ix.covers_uuid[t];
    int64_t covered = r->ix.covers[t], cur = qb_table_metadata_current_snapshot_id(md);
    bool removed = false;
    bool replaced = (was[0] && uuid && strcmp(uuid, was) != 0) || (covered >= 0 && cur < 0) ||
                    (covered >= 0 && cur != covered && (covered_is_ancestor(md, covered, &removed) == 0 || removed));
    r->rep->tables_replaced[t] = replaced;
    if (replaced) r->ix.keysets_untrusted = true;
  }
  r->rep->keysets_untrusted = r->ix.keysets_untrusted;
  return QB_OK;
}

/* A --batch-id given again after its batch completed (its processing_metadata row is written after the
 * data tables) would move that batch's v_/v_incr_ tags to this one and record two runs under one id: it
 * is refused. A batch that did not complete (a crash, a failed run) may be run again under its id, as a
 * scheduler's retry does: its rows are recovered first (phase 3). One filtered scan, only for a given id. */
static int check_batch_id_unused(ingest_run *r, qb_err *err)
{
  bool used;
  int rc = qb_vqe__audit_row_exists(&used, r->meta_t, r->meta_schema, r->batch, NULL, err);
  bool ml = true; /* a batch stopped after its row, before its ML run's (a crash, a failed ML phase) */
  if (rc == QB_OK && used && !r->opts->no_features)
    rc = qb_vqe__audit_row_exists(&ml, r->meta_t, r->meta_schema, r->batch, QB_ML_PROCESSING_NAME, err);
  if (rc == QB_OK && used)
    rc = QB_FAIL(err, QB_EEXISTS,
                 "batch id %s names a batch that completed (it has a row in %s.processing_metadata): a batch id "
                 "names one batch; give a new one, or none%s%s%s",
                 r->batch, QB_VQE_NAMESPACE, ml ? "" : " (its ML run did not complete: `qberg features --batch-id ",
                 ml ? "" : r->batch, ml ? "" : "` completes it)");
  return rc;
}

/* The dry run's scratch catalog (ingest_run.scratch), opened on first use in a new folder under $TMPDIR: a
 * dry run of a warehouse that has every table needs none (and no usable $TMPDIR). A make_in function. */
static int open_scratch(void *ctx, qb_catalog **out, qb_err *err)
{
  ingest_run *r = ctx;
  *out = r->scratch;
  if (r->scratch) return QB_OK;
  const char *tmp = getenv("TMPDIR");
  r->scratch_dir = qb_str_printf("%s/qberg-dry-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!r->scratch_dir) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (!mkdtemp(r->scratch_dir)) {
    int e = errno;
    free(r->scratch_dir);
    r->scratch_dir = NULL;
    return QB_FAIL_ERRNO(err, QB_EIO, e, "dry run: cannot make a scratch folder under %s", tmp && *tmp ? tmp : "/tmp");
  }
  int rc = qb_catalog_open(&r->scratch, r->scratch_dir, NULL, err);
  if (rc == QB_OK) rc = qb_catalog_create_namespace(r->scratch, QB_VQE_NAMESPACE, err);
  *out = r->scratch;
  return rc ? qb_err_wrap(err, "dry run: scratch catalog in %s", r->scratch_dir) : QB_OK;
}

static int drop_scratch_table(void *ctx, const char *name, qb_err *err)
{
  return qb_catalog_drop_table(ctx, name, true, err);
}

/* Removes the scratch catalog's tables and folder (its tables' handles are freed before). Best effort: a
 * failure leaves a folder under $TMPDIR and changes nothing else. */
static void close_scratch(ingest_run *r)
{
  if (r->scratch) {
    qb_err e = QB_ERR_INIT;
    if (qb_catalog_list_tables(r->scratch, QB_VQE_NAMESPACE, drop_scratch_table, r->scratch, &e) == QB_OK &&
        qb_catalog_drop_namespace(r->scratch, QB_VQE_NAMESPACE, &e) != QB_OK)
      qb_err_clear(&e); /* the folder stays: rmdir below fails too */
    qb_catalog_free(r->scratch);
    r->scratch = NULL;
  }
  if (r->scratch_dir) (void)rmdir(r->scratch_dir);
  free(r->scratch_dir);
  r->scratch_dir = NULL;
}

static int open_tables(ingest_run *r, qb_err *err)
{
  const qb_ingest_options *o = r->opts;
  if (o->batch_id) {
    snprintf(r->batch, sizeof r->batch, "%s", o->batch_id);
    qb_vqe_meta_init(&r->meta, qb_now_ms() * 1000, r->batch);
  } else {
    qb_vqe_meta_now(&r->meta, r->batch);
  }
  snprintf(r->rep->batch_id, sizeof r->rep->batch_id, "%s", r->batch);
  size_t hn = 0;
  for (const char *p = r->batch; *p && hn < 32; p++)
    if (*p != '-') r->hex[hn++] = *p;
  r->hex[hn] = '\0';
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    r->rep->snapshot_ids[t] = -1;
    snprintf(r->rep->versions[t], sizeof r->rep->versions[t], "no_changes");
  }

  int rc = o->dry_run ? QB_OK : qb_catalog_create_namespace(r->cat, QB_VQE_NAMESPACE, err);
  if (rc == QB_EEXISTS) rc = QB_OK;
  const make_in scratch = {open_scratch, r}, *mk = o->dry_run ? &scratch : NULL; /* where missing tables go */
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    rc = ensure_vqe_table(&r->ts[t].table, &r->ts[t].schema, r->cat, mk, (qb_vqe_table)t, err);
    const qb_table_metadata *md;
    if (rc == QB_OK) rc = qb_table_get_metadata(&md, r->ts[t].table, err);
    if (rc == QB_OK) r->ts[t].was_empty = qb_table_metadata_current_snapshot_id(md) < 0;
  }
  if (rc == QB_OK) rc = ensure_vqe_table(&r->meta_t, &r->meta_schema, r->cat, mk, QB_VQE_PROCESSING_METADATA, err);
  if (rc == QB_OK && o->batch_id) rc = check_batch_id_unused(r, err);
  if (rc == QB_OK)
    rc = ensure_json_table(&r->ledger_t, &r->ledger_schema, r->cat, mk, LEDGER_TABLE, ledger_schema_json,
                           "raw files processed by qberg ingest (accepted and rejected)", err);
  if (rc == QB_OK)
    rc = ensure_json_table(&r->rejects_t, &r->rejects_schema, r->cat, mk, REJECTS_TABLE, rejects_schema_json,
                           "raw files qberg ingest rejected, with the reason", err);
  if (rc == QB_OK) {
    qb_catalog *ix_cat = r->cat;
    if (o->dry_run) { /* the index where it is, else an empty one in the scratch catalog */
      qb_table *probe = NULL;
      rc = qb_table_load(&probe, r->cat, QB_EXPIDX_TABLE, err);
      qb_table_free(probe);
      if (rc == QB_ENOTFOUND) {
        qb_err_clear(err);
        rc = open_scratch(r, &ix_cat, err);
      }
    }
    if (rc == QB_OK) rc = qb_expidx_open(&r->ix, ix_cat, err);
  }
  if (rc == QB_OK) rc = find_replaced(r, err);
  /* Under the warehouse's lock, no other ingest commits: a version hint left naming an older version (a run
   * killed between publishing a version and its hint) names the current one again, for the readers that
   * trust the hint alone (DuckDB), also when this batch commits nothing to the table. */
  qb_table *held[QB_VQE_FEATURE_TABLES + 4] = {r->meta_t, r->ledger_t, r->rejects_t, r->ix.table};
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) held[4 + t] = r->ts[t].table;
  for (size_t i = 0; rc == QB_OK && i < sizeof held / sizeof held[0]; i++)
    if (held[i] && r->lock) rc = qb_table_repair_version_hint(held[i], NULL, err); /* a dry run writes nothing */
  return rc;
}

/* ---- phase 1: the raw files not in the ledger --------------------------------------------------------- */

/* The topic of each file: the first folder below --raw (a folder of topic folders, the seed's
 * S3_BUCKET_URL), or --raw itself for the files directly in it and below folders named k=v (one topic
 * folder given, e.g. with Kafka Connect's partition=N folders; no topic name holds '='). A topic's `.avro`
 * files and its JSON files are typed apart: Spark reads only the `.avro` files of a topic that has any
 * (spec §2.1), so it gives the JSON records there no id; qberg gives them the id they have in a topic of
 * JSON files alone, which no `.avro` file in the batch changes. */
static int find_topics(ingest_run *r, qb_err *err)
{
  size_t n = r->files.n ? r->files.n : 1;
  r->topic = calloc(n, sizeof *r->topic);
  r->tt = calloc(n, sizeof *r->tt);
  r->tseen = calloc(n, sizeof *r->tseen);
  r->tfixed = calloc(n, sizeof *r->tfixed);
  r->torder = calloc(n, sizeof *r->torder);
  size_t *name_at = calloc(n, sizeof *name_at), *name_n = calloc(n, sizeof *name_n); /* topic -> file, length */
  bool *name_avro = calloc(n, sizeof *name_avro);
  char *norm = NULL;
  int rc = !r->topic || !r->tt || !r->tseen || !r->tfixed || !r->torder || !name_at || !name_n || !name_avro
               ? QB_FAIL(err, QB_ENOMEM, "out of memory")
               : qb_uri_normalize(&norm, r->opts->raw, err);
  size_t fn = norm ? strlen(norm) : 0;
  while (fn && norm[fn - 1] == '/') fn--;
  r->n_topics = 0;
  for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) {
    const char *p = r->files.v[i].path;
    size_t len = r->files.v[i].dir_len; /* not below --raw as spelled: its own folder */
    if (!strncmp(p, norm, fn) && p[fn] == '/') {
      const char *slash = strchr(p + fn + 1, '/');
      len = slash ? (size_t)(slash - p) : fn;
      /* a Kafka topic name has no '=' ([a-zA-Z0-9._-]): a folder such as Kafka Connect's partition=N is a
       * partition of the topic folder given, whose files are one topic (Spark reads a topic recursively) */
      if (slash && memchr(p + fn + 1, '=', (size_t)(slash - (p + fn + 1)))) len = fn;
    }
    bool avro = qb_str_has_suffix(p, ".avro");
    size_t t = r->n_topics;
    if (t && name_n[t - 1] == len && name_avro[t - 1] == avro && !memcmp(r->files.v[name_at[t - 1]].path, p, len))
      t--; /* sorted */
    for (size_t k = 0; t == r->n_topics && k < r->n_topics; k++)
      if (name_n[k] == len && name_avro[k] == avro && !memcmp(r->files.v[name_at[k]].path, p, len)) t = k;
    if (t == r->n_topics) {
      name_at[t] = i;
      name_n[t] = len;
      name_avro[t] = avro;
      r->n_topics++;
    }
    r->topic[i] = t;
  }
  for (size_t t = 0; t < n && r->tt; t++) {
    qb_vqe_types_init(&r->tt[t]);
    qb_vqe_types_init(&r->tseen[t]);
  }
  free(norm);
  free(name_at);
  free(name_n);
  free(name_avro);
  return rc ? qb_err_wrap(err, "raw files under %s", r->opts->raw) : QB_OK;
}

static void save_topic(ingest_run *r)
{
  r->tt[r->cur] = r->types;
  r->tfixed[r->cur] = r->spec.fixed;
  r->torder[r->cur] = r->spec.fixed_order;
}

/* Make topic t the current one: r->types and the speculation's fixed bits are its own. */
static void use_topic(ingest_run *r, size_t t)
{
  if (t == r->cur) return;
  save_topic(r);
  r->cur = t;
  r->types = r->tt[t];
  r->spec.fixed = r->tfixed[t];
  r->spec.fixed_order = r->torder[t];
}

/* Every topic's types are its final ones (pass one is complete): tseen. */
static void topics_final(ingest_run *r)
{
  for (size_t t = 0; t < r->n_topics; t++) r->tt[t] = r->tseen[t];
  r->types = r->tt[r->cur];
}

static void add_skip(qb_ingest_report *rep, const char *file, const char *reason);

/* A path that is not valid UTF-8 for the report: each byte that is not part of well-formed UTF-8 as \xNN
 * (a backslash as \\), into out[cap]. */
static void escape_path(char *out, size_t cap, const char *p)
{
  size_t o = 0, n = strlen(p);
  for (size_t i = 0; i < n && o + 5 < cap;) {
    size_t k = 1;
    while (k <= 4 && i + k <= n && !qb_vqe_utf8_valid(p + i, k)) k++;
    if (k <= 4 && i + k <= n && p[i] != '\\') {
      if (o + k >= cap) break;
      memcpy(out + o, p + i, k);
      o += k;
      i += k;
    } else {
      o += (size_t)snprintf(out + o, cap - o, p[i] == '\\' ? "\\\\" : "\\x%02x", (unsigned char)p[i]);
      i++;
    }
  }
  out[o] = 0;
}

static int discover(ingest_run *r, qb_err *err)
{
  int rc = qb_ledger_open(&r->ledger, r->ledger_t, r->ledger_schema, err);
  if (rc == QB_OK) rc = qb_ledger_discover(&r->files, &r->rep->files_seen, &r->ledger, r->io, r->opts->raw, err);
  r->rep->ledger_rows_read = r->ledger.rows_read;
  if (rc) return rc;
  /* raw files whose path is not valid UTF-8: skipped in every batch until renamed (their path would go into
   * string columns, which every reader of the tables refuses then), and said so */
  uint64_t named = r->ledger.bad_paths < QB_LEDGER_BAD_PATHS ? r->ledger.bad_paths : QB_LEDGER_BAD_PATHS;
  for (uint64_t i = 0; i < named; i++) {
    char esc[sizeof r->rep->skipped[0].file], why[sizeof r->rep->skipped[0].reason];
    escape_path(esc, sizeof esc, r->ledger.bad_path[i]);
    snprintf(why, sizeof why,
             "%.700s: its path is not valid UTF-8 (bytes shown as \\xNN), and Iceberg strings (the ledger's file "
             "column, processing_metadata) must be: rename it; it is left out of every batch until then",
             esc);
    add_skip(r->rep, esc, why);
  }
  r->rep->files_skipped += r->ledger.bad_paths - named; /* counted, not named */
  size_t k = r->files.n;
  r->rep->files_new = k;
  size_t n = k ? k : 1;
  r->ok = calloc(n, sizeof *r->ok);
  r->recheck = calloc(n, sizeof *r->recheck);
  r->nrec = calloc(n, sizeof *r->nrec);
  r->reasons = calloc(n, sizeof *r->reasons);
  r->skipped = calloc(n, sizeof *r->skipped);
  if (!r->ok || !r->recheck || !r->nrec || !r->reasons || !r->skipped)
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  return find_topics(r, err);
}

/* ---- phase 2: pass one, the batch's types and the rejections ----------------------------------------- */

static int learn_types(void *ctx, const qb_vqe_record *rec, qb_err *err)
{
  (void)err;
  qb_vqe_types_add(ctx, rec);
  return QB_OK;
}

static void add_reject(qb_ingest_report *rep, const char *file, const char *reason)
{
  rep->files_rejected++;
  if (rep->n_rejects >= QB_INGEST_MAX_REJECTS) return;
  qb_ingest_reject *j = &rep->rejects[rep->n_rejects++];
  snprintf(j->file, sizeof j->file, "%s", file);
  snprintf(j->reason, sizeof j->reason, "%s", reason);
}

static bool fatal_code(int rc) { return rc == QB_ENOMEM || rc == QB_EIO || rc == QB_ENET || rc == QB_EAUTH; }

static void add_skip(qb_ingest_report *rep, const char *file, const char *reason)
{
  rep->files_skipped++;
  if (rep->n_skipped >= QB_INGEST_MAX_SKIPPED) return;
  qb_ingest_reject *j = &rep->skipped[rep->n_skipped++];
  snprintf(j->file, sizeof j->file, "%s", file);
  snprintf(j->reason, sizeof j->reason, "%s", reason);
}

/* Whether raw file f is gone or changed (size or modification time) since the listing. A file that a
 * producer is still writing (a local copy in progress, a writer that does not write under a '.' name and
 * rename) fails to parse, truncated; a rejection is final, so such a file is skipped instead and the next
 * batch reads it whole (the producer's own write after the read changes its size, or its time). Asked
 * only of files about to be rejected: one stat each (S3: a HEAD). A stat that fails otherwise leaves the
 * rejection as it was. */
static bool changed_since_listing(ingest_run *r, const raw_file *f)
{
  qb_stat st;
  qb_err e = QB_ERR_INIT;
  int rc = qb_fileio_stat(r->io, f->path, &st, &e);
  qb_err_clear(&e);
  if (rc == QB_ENOTFOUND) return true;
  if (rc != QB_OK) return false;
  /* times compared in whole seconds: S3 lists them to the millisecond, its HEAD to the second */
  return st.size_bytes != f->size || (f->mtime_ms && st.mtime_ms && st.mtime_ms / 1000 != f->mtime_ms / 1000);
}

/* The outcome of parsing file i: accepted (`seen` takes the file's types: a rejected file must not change
 * the batch's types), rejected with its reason, skipped, or a fatal error that stops the batch. Only the
 * read returns QB_ENOTFOUND (the reader's errors are QB_ECORRUPT, QB_ELIMIT, QB_EUNSUPPORTED): the file was
 * deleted or moved since the listing (an S3 404 too). It is skipped, not rejected: rejections are final,
 * and a file that reappears (a retention job restoring it, a producer rewriting it) must be processed then.
 * So is a file that fails to parse and has changed since the listing (changed_since_listing), and one whose
 * read failed with a retryable error (an object replaced while read). A skipped file
 * never enters the ledger, so the ledger's range summary stays the set of the files it records. */
static int settle_file(ingest_run *r, size_t i, qb_vqe_types *seen, const qb_vqe_types *probe, int frc,
                       const qb_err *fe, qb_err *err)
{
  const raw_file *f = &r->files.v[i];
  if (frc == QB_ENOTFOUND) {
    r->skipped[i] = true;
    add_skip(r->rep, f->path, fe->msg);
    return QB_OK;
  }
  if (fatal_code(frc)) {
    *err = *fe;
    return frc;
  }
  /* a retryable error (S3: the object was replaced between its HEAD and a GET, "changed since it was opened";
   * a 400 RequestTimeout after the last retry) is no fault of the file: skipped without asking the store again.
   * It was rejected for good whenever that stat failed or found the listed size again (found by exploreI). */
  if (frc != QB_OK && (fe->retryable || changed_since_listing(r, f))) {
    char why[sizeof r->rep->skipped[0].reason];
    snprintf(why, sizeof why, "changed while the batch read it (still being written?), left for the next batch: %.900s",
             fe->msg);
    r->skipped[i] = true;
    add_skip(r->rep, f->path, why);
    return QB_OK;
  }
  r->rep->bytes += f->size;
  if (frc == QB_OK) {
    *seen = *probe;
    r->ok[i] = true;
    return QB_OK;
  }
  r->reasons[i] = strdup(fe->msg);
  if (!r->reasons[i]) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  add_reject(r->rep, f->path, fe->msg);
  return QB_OK;
}

/* Pass one over files [from, n): the types into their topic's tseen, and the rejections. */
static int learn_types_from(ingest_run *r, size_t from, qb_err *err)
{
  uint64_t total = 0, done = 0;
  for (size_t i = from; i < r->files.n; i++) total += r->files.v[i].size;
  int rc = QB_OK;
  for (size_t i = from; rc == QB_OK && i < r->files.n; i++) {
    qb_err fe = QB_ERR_INIT;
    qb_vqe_types *seen = &r->tseen[r->topic[i]], probe = *seen;
    int frc = for_each_record(r, &r->files.v[i], learn_types, &probe, &r->nrec[i], &fe);
    rc = settle_file(r, i, seen, &probe, frc, &fe, err);
    done += r->files.v[i].size;
    progress(r, "types", i + 1 - from, r->files.n - from, done, total);
  }
  return rc;
}

static int learn_batch_types(ingest_run *r, qb_err *err)
{
  int rc = learn_types_from(r, 0, err);
  topics_final(r);
  return rc;
}

/* ---- phase 3: rows of batches the index does not cover (an interrupted run) -------------------------- */

/* The batch ids of the snapshots of `t` after the one the index covers; *full when some snapshot was not
 * written by a qberg batch (or the covered one is no ancestor): then every row of the table is read. */
static int uncovered_batches(qb_expr **filter, bool *full, const qb_table_metadata *md, int64_t covered,
                             const char *batch_col, qb_err *err)
{
  *filter = NULL;
  *full = false;
  qb_value ids[256];
  size_t n = 0;
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  bool reached = false;
  while (s) {
    int64_t origin, parent;
    qb_snapshot_origin(s, &origin, &parent);
    if (s->snapshot_id == covered || origin == covered) { /* or a compaction of it (which it may outlive) */
      reached = true;
      break;
    }
    const char *b = qb_snapshot_summary_get(s, "qberg.batch-id");
    if (s->operation && (!strcmp(s->operation, "replace") || !strcmp(s->operation, "delete"))) {
      /* compaction: the same rows in other files; a delete adds none (find_replaced made the batch
       * re-check stored experiments for the rows it removed) */
    } else if (b && n < sizeof ids / sizeof ids[0]) {
      ids[n++] = str_value(b);
    } else {
      *full = true;
      return QB_OK;
    }
    if (!s->has_parent) break;
    if (s->parent_id == covered) { /* the covered snapshot may have expired since */
      reached = true;
      break;
    }
    const qb_snapshot *p = qb_table_metadata_snapshot_by_id(md, s->parent_id);
    if (!p) { /* expired history: which batches wrote the older rows is unknown */
      *full = true;
      return QB_OK;
    }
    s = p;
  }
  if (!reached && covered != -1) {
    /* rolled back to an ancestor of the covered snapshot: every row is one the index covers (find_replaced
     * made it re-check the experiments the rollback took away); else (moved elsewhere) all are read */
    *full = !is_ancestor(md, qb_table_metadata_current_snapshot_id(md), covered);
    return QB_OK;
  }
  if (!n) return QB_OK;
  return qb_expr_predicate(filter, QB_EXPR_IN, batch_col, ids, n, err);
}

/* Read the key columns (and experiment_id) of the rows `filter` selects into ts->keys; with `exps`, also
 * add each row to its experiment's key-set digest there. */
static int load_keys(table_state *ts, int t, const qb_expr *filter, qb_expidx_map *exps, qb_err *err)
{
  const qb_vqe_table_desc *d = ts->desc;
  const char *cols[9];
  size_t n = d->n_key_columns < 8 ? d->n_key_columns : 8, eid = n;
  for (size_t i = 0; i < n; i++) {
    cols[i] = d->columns[d->key_columns[i]].name;
    if (d->key_columns[i] == 0) eid = i; /* experiment_id is column 0 of every feature table */
  }
  if (eid == n) cols[n] = d->columns[0].name;
  /* by field id: the names the table has now (a user may have renamed a column since) */
  int rc = qb_vqe__column_names(cols, ts->table, ts->schema, cols, eid == n ? n + 1 : n, err);
  if (rc) return rc;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = eid == n ? n + 1 : n;
  o.filter = filter;
  qb_scan *s = NULL;
  rc = qb_scan_new(&s, ts->table, &o, err);
  const qb_value *row;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    uint64_t h = 0x5157424b4559ULL;
    for (size_t i = 0; i < n; i++) h = value_digest(h, &row->u.seq.items[i]);
    rc = qb_u64set_add(&ts->keys, h, err);
    ts->key_rows_read++;
    const qb_value *e = &row->u.seq.items[eid];
    if (rc == QB_OK && exps && e->kind == QB_V_STRING) {
      uint64_t *v;
      bool created;
      rc = qb_expidx_map_ref(&v, &created, exps, qb_expidx_digest((const char *)e->u.bytes.p, e->u.bytes.n), err);
      if (rc == QB_OK) *v = qb_expidx_add(created ? QB_EXPIDX_EMPTY : *v, mix_key(t, h));
    }
  }
  qb_scan_free(s);
  return rc ? qb_err_wrap(err, "reading the stored keys of %s", d->name) : QB_OK;
}

/* Interrupted batches (a crash after some of their tables committed, before their audit row): the snapshots
 * of `t` after the one the index covers that batches without a processing_metadata row committed — this
 * batch's own earlier attempt (--batch-id run again) or another batch's. Their rows are recovered and so not
 * appended again, and no other audit row names them: this batch's row counts them and, for a table it
 * appends nothing to, names the tag of the latest of them instead of `no_changes`, so a reader going by
 * processing_metadata and tags sees those rows with the rest of their experiments' rows, which this batch
 * appends to the other tables. The walk passes over compactions and stops at a snapshot no qberg batch wrote,
 * or at an audited one. */
static int earlier_attempt(ingest_run *r, table_state *ts, const qb_table_metadata *md, int64_t covered, qb_err *err)
{
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  const char *latest = NULL, *checked = NULL;
  int rc = QB_OK;
  for (size_t hops = 0; rc == QB_OK && s && s->snapshot_id != covered && hops <= qb_table_metadata_n_snapshots(md);
       hops++) {
    int64_t origin, parent;
    qb_snapshot_origin(s, &origin, &parent);
    bool replace = s->operation && !strcmp(s->operation, "replace");
    if (replace && origin == covered) break; /* a compaction of the covered snapshot */
    const char *b = qb_snapshot_summary_get(s, "qberg.batch-id");
    /* a compaction (the same rows in other files; it names no batch) is passed over: before, one between the
     * crash and the rerun stopped the walk, and the rerun's audit row said no_changes for the tables the
     * interrupted batch had committed (found by exploreN) */
    if (!b && !replace) break;
    if (!replace) {
      if (strcmp(b, r->batch) && (!checked || strcmp(b, checked))) {
        bool audited = false;
        rc = qb_vqe__audit_row_exists(&audited, r->meta_t, r->meta_schema, b, NULL, err);
        if (rc || audited) break;
        checked = b;
      }
      const char *added = qb_snapshot_summary_get(s, "added-records");
      int64_t n;
      if (added && qb_str_to_i64(added, &n)) ts->earlier_rows += n;
      if (!latest) latest = b;
    }
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  if (rc) return qb_err_wrap(err, "looking for interrupted batches in %s", ts->desc->name);
  char hex[33];
  size_t hn = 0;
  for (const char *p = latest; p && *p && hn < 32; p++)
    if (*p != '-') hex[hn++] = *p;
  hex[hn] = '\0';
  static const char *const prefixes[2] = {"v_incr_", "v_"};
  for (int i = 0; i < 2 && latest && ts->earlier_rows && !ts->earlier_tag[0]; i++) {
    char name[sizeof ts->earlier_tag];
    snprintf(name, sizeof name, "%s%s", prefixes[i], hex);
    const qb_ref *ref = qb_table_metadata_ref(md, name);
    const qb_snapshot *at = ref ? qb_table_metadata_snapshot_by_id(md, ref->snapshot_id) : NULL;
    const char *b = at ? qb_snapshot_summary_get(at, "qberg.batch-id") : NULL;
    if (b && !strcmp(b, latest)) snprintf(ts->earlier_tag, sizeof ts->earlier_tag, "%s", name);
  }
  return QB_OK;
}

static int recover_uncovered(ingest_run *r, qb_err *err)
{
  int rc = QB_OK;
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    const qb_table_metadata *md;
    if ((rc = qb_table_get_metadata(&md, r->ts[t].table, err)) != QB_OK) break;
    int64_t cur = qb_table_metadata_current_snapshot_id(md);
    if (cur < 0 || cur == r->ix.covers[t]) continue;
    qb_expr *filter = NULL;
    bool full;
    static const char *const batch_col[] = {"processing_batch_id"};
    const char *col;
    rc = qb_vqe__column_names(&col, r->ts[t].table, r->ts[t].schema, batch_col, 1, err);
    if (rc == QB_OK) rc = uncovered_batches(&filter, &full, md, r->ix.covers[t], col, err);
    if (rc == QB_OK && (filter || full)) rc = load_keys(&r->ts[t], t, filter, &r->recovered, err);
    qb_expr_free(filter);
    if (rc == QB_OK) rc = earlier_attempt(r, &r->ts[t], md, r->ix.covers[t], err);
  }
  r->rep->experiments_recovered = r->recovered.count;
  return rc;
}

/* ---- phase 4: pass two, derive, de-duplicate and write ----------------------------------------------- */

/* vqe_iterations is dropDuplicates(experiment_id, iteration_step) over the whole batch, before the anti
 * join (spec §4.7): a step of an experiment is derived once per batch, from the first record that has it
 * (the same experiment delivered twice, or run again, in one batch). The other tables keep in-batch
 * duplicates. The steps an experiment's records took so far: a range first..last, which the usual steps
 * 1..n keep (8 bytes per experiment), or STEPS_SET with each step in step_set. */
#define STEPS_SET UINT64_C(0x00000000ffffffff) /* first 0 > last -1: no range */

static uint64_t steps_pack(int64_t first, int64_t last) { return (uint64_t)(uint32_t)first << 32 | (uint32_t)last; }
static int64_t steps_first(uint64_t v) { return (int32_t)(uint32_t)(v >> 32); }
static int64_t steps_last(uint64_t v) { return (int32_t)(uint32_t)v; }
static uint64_t step_key(uint64_t exp, int64_t step) { return qb_hash_u64(exp ^ qb_hash_u64((uint64_t)step + 1)); }

static bool steps_taken(const ingest_run *r, uint64_t exp, uint64_t v, int64_t step)
{
  if (v == STEPS_SET) return qb_u64set_has(&r->step_set, step_key(exp, step));
  return step >= steps_first(v) && step <= steps_last(v);
}

/* the record's steps are one range (consecutive, increasing) */
static bool steps_range(const qb_vqe_record *rec, int64_t *first, int64_t *last)
{
  if (!rec->n_iterations) return false;
  for (size_t i = 1; i < rec->n_iterations; i++)
    if ((int64_t)rec->iterations[i].iteration != (int64_t)rec->iterations[0].iteration + (int64_t)i) return false;
  *first = rec->iterations[0].iteration;
  *last = rec->iterations[rec->n_iterations - 1].iteration;
  return true;
}

static int steps_add_record(ingest_run *r, uint64_t exp, const qb_vqe_record *rec, qb_err *err)
{
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < rec->n_iterations; i++)
    rc = qb_u64set_add(&r->step_set, step_key(exp, rec->iterations[i].iteration), err);
  return rc;
}

/* *view: the record as vqe_iterations sees it, without the steps earlier records of the batch took. */
static int batch_steps(ingest_run *r, const char *id, const qb_vqe_record *rec, qb_vqe_record *view, qb_err *err)
{
  uint64_t exp = qb_expidx_digest(id, 64), *v;
  bool created;
  int rc = qb_expidx_map_ref(&v, &created, &r->steps, exp, err);
  if (rc) return rc;
  int64_t a = 0, b = 0;
  bool range = steps_range(rec, &a, &b);
  *view = *rec;
  if (created) {
    *v = range ? steps_pack(a, b) : STEPS_SET;
    return range ? QB_OK : steps_add_record(r, exp, rec, err);
  }
  if (r->step_cap < rec->n_iterations) {
    qb_vqe_iteration *buf = realloc(r->step_buf, rec->n_iterations * sizeof *buf);
    if (!buf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    r->step_buf = buf;
    r->step_cap = rec->n_iterations;
  }
  size_t k = 0;
  for (size_t i = 0; i < rec->n_iterations; i++)
    if (!steps_taken(r, exp, *v, rec->iterations[i].iteration)) r->step_buf[k++] = rec->iterations[i];
  view->iterations = r->step_buf;
  view->n_iterations = k;
  if (*v != STEPS_SET) {
    int64_t f = steps_first(*v), l = steps_last(*v);
    if (range && a <= l + 1 && b + 1 >= f) { /* overlapping or adjacent: still one range */
      *v = steps_pack(a < f ? a : f, b > l ? b : l);
      return QB_OK;
    }
    /* at most as many steps as the earlier records had iterations */
    for (int64_t s = f; rc == QB_OK && s <= l; s++) rc = qb_u64set_add(&r->step_set, step_key(exp, s), err);
    *v = STEPS_SET;
  }
  return rc ? rc : steps_add_record(r, exp, rec, err);
}

static void steps_reset(ingest_run *r)
{
  qb_expidx_map_free(&r->steps);
  qb_expidx_map_init(&r->steps);
  qb_u64set_free(&r->step_set);
  qb_u64set_init(&r->step_set);
}

static int derive_rows(ingest_run *r, const qb_vqe_record *rec, const char *id, row_mode mode, qb_err *err)
{
  r->mode = mode;
  r->rec_keyset = 0;
  memset(r->rec_rows, 0, sizeof r->rec_rows);
  int rc = QB_OK;
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    const qb_vqe_record *in = rec;
    qb_vqe_record view;
    if (t == QB_VQE_VQE_ITERATIONS && mode != MODE_DIGEST) {
      if ((rc = batch_steps(r, id, rec, &view, err)) != QB_OK) break;
      r->ts[t].dups += (int64_t)(rec->n_iterations - view.n_iterations);
      in = &view;
    }
    rc = mode == MODE_WRITE && r->ts[t].columnar
             ? derive_cols(r, t, in, id, err)
             : qb_vqe_rows((qb_vqe_table)t, in, id, &r->types, &r->meta, on_row, &r->sinks[t], err);
  }
  return rc;
}

/* The experiment's entry for the index after this batch: what was stored (`base`, 0 = unknown) plus the
 * rows this record appended. */
static int note_written(ingest_run *r, uint64_t exp, uint64_t base, qb_err *err)
{
  uint64_t *v;
  bool created;
  int rc = qb_expidx_map_ref(&v, &created, &r->added, exp, err);
  if (rc) return rc;
  if (created) *v = base;
  *v = qb_expidx_add(*v, r->rec_keyset);
  return QB_OK;
}

static int defer(ingest_run *r, uint64_t exp, const char *id, qb_err *err)
{
  uint64_t *v;
  bool created;
  int rc = qb_expidx_map_ref(&v, &created, &r->deferred, exp, err);
  if (rc || !created) return rc;
  if (r->n_deferred == r->cap_deferred) {
    size_t cap = r->cap_deferred ? r->cap_deferred * 2 : 16;
    char(*ids)[65] = realloc(r->deferred_ids, cap * sizeof *ids);
    if (!ids) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    r->deferred_ids = ids;
    r->cap_deferred = cap;
  }
  memcpy(r->deferred_ids[r->n_deferred++], id, 65);
  return QB_OK;
}

typedef struct record_ctx {
  ingest_run *run;
  size_t file;
} record_ctx;

static int on_record(void *ctx, const qb_vqe_record *rec, qb_err *err)
{
  record_ctx *c = ctx;
  ingest_run *r = c->run;
  char id[65];
  int rc = qb_vqe__experiment_id_nums(id, rec, &r->types, &r->nums, err);
  if (rc) return rc;
  uint64_t exp = qb_expidx_digest(id, 64), stored, recovered;
  bool is_deferred = qb_expidx_map_get(&r->deferred, exp, NULL);
  if (r->only_deferred) {
    if (!is_deferred) return QB_OK;
    r->rep->experiments_rechecked++;
    rc = derive_rows(r, rec, id, MODE_CHECK, err);
    return rc ? rc : note_written(r, exp, 0, err);
  }
  if (is_deferred) {
    r->recheck[c->file] = true;
    return QB_OK;
  }
  bool is_stored;
  if ((rc = qb_expidx_lookup(&is_stored, &stored, &r->ix, exp, err)) != QB_OK) return rc;
  if (is_stored) {
    /* stored: the same key multiset means every key is stored, so the seed's anti join drops every row */
    if (stored && !r->ix.keysets_untrusted && !qb_expidx_map_get(&r->recovered, exp, NULL)) {
      if ((rc = derive_rows(r, rec, id, MODE_DIGEST, err)) != QB_OK) return rc;
      if (qb_expidx_add(QB_EXPIDX_EMPTY, r->rec_keyset) == stored) {
        r->rep->experiments_known++;
        for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) r->ts[t].dups += r->rec_rows[t];
        return QB_OK;
      }
    }
    r->recheck[c->file] = true;
    return defer(r, exp, id, err);
  }
  if (qb_expidx_map_get(&r->recovered, exp, &recovered)) {
    /* rows of an interrupted batch: their keys are in ts->keys */
    r->rep->experiments_rechecked++;
    rc = derive_rows(r, rec, id, MODE_CHECK, err);
    return rc ? rc : note_written(r, exp, recovered, err);
  }
  r->rep->experiments_new++;
  rc = derive_rows(r, rec, id, MODE_WRITE, err);
  return rc ? rc : note_written(r, exp, QB_EXPIDX_EMPTY, err);
}

/* A later read of file i, accepted by pass one. Gone by now, it cannot be skipped: its records are in the
 * batch's types (and so in other files' ids). The batch fails before any commit; the next one lists again. */
static int reread_file(ingest_run *r, size_t i, record_fn fn, void *ctx, qb_err *err)
{
  int rc = for_each_record(r, &r->files.v[i], fn, ctx, NULL, err);
  if (rc == QB_ENOTFOUND)
    return qb_err_wrap(err, "raw file %s vanished after its first read; nothing was committed, rerun the batch",
                       r->files.v[i].path);
  return rc;
}

static int derive_and_write(ingest_run *r, qb_err *err)
{
  uint64_t total = 0, done = 0;
  for (size_t i = 0; i < r->files.n; i++)
    if (r->ok[i]) total += r->files.v[i].size;
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) {
    if (!r->ok[i]) continue;
    record_ctx c = {r, i};
    use_topic(r, r->topic[i]);
    rc = reread_file(r, i, on_record, &c, err);
    if (rc == QB_OK) r->rep->records += r->nrec[i];
    done += r->files.v[i].size;
    progress(r, "rows", i + 1, r->files.n, done, total);
  }
  return rc;
}

/* ---- phases 2 and 4 in one pass: rows under speculated types, pass two only when they do not hold ---- */

/* Spark's batch types (the union of the accepted records' float bits) are known only at the end of the
 * batch, and ids depend on them. The one pass derives each record under types assumed up front: a bit
 * already seen in an accepted file is certain (the union only grows); an unseen one is guessed; a derived
 * record fixes the bits it depends on (qb_vqe_types_deps). The rows hold when the final union agrees with
 * the assumption on every fixed bit. Otherwise they are discarded — nothing is committed before the end of
 * the batch, and qb_txn_abort deletes their data files — and pass two derives every record again under
 * the final types, exactly the two-pass path. */

/* The guess: double for every field except the imaginary parts of Hamiltonian coefficients (Jordan-Wigner
 * terms are real: goavro writes the token 0, so the batch types them bigint); Avro field order when a
 * listed file is named *.avro. */
static void spec_begin(ingest_run *r)
{
  for (size_t t = 0; t < r->n_topics; t++) {
    qb_vqe_types_init(&r->tt[t]);
    r->tt[t].float_fields = QB_VQE_F_ALL & ~QB_VQE_F_COEFF_IMAG;
    r->tfixed[t] = 0;
    r->torder[t] = false;
  }
  for (size_t i = 0; i < r->files.n; i++)
    if (qb_str_has_suffix(r->files.v[i].path, ".avro")) r->tt[r->topic[i]].flags |= QB_VQE_TYPES_AVRO;
  r->cur = 0;
  r->types = r->tt[0];
  r->spec.on = true;
  r->spec.fixed = 0;
  r->spec.fixed_order = false;
}

/* Admit rec, whose file is accepted (`seen`: the types of the accepted files so far, its own included):
 * false when a bit some derived record depends on turned out otherwise than assumed. */
static bool spec_admit(ingest_run *r, const qb_vqe_types *seen, const qb_vqe_record *rec)
{
  unsigned certain = seen->float_fields & ~r->types.float_fields;
  if (certain & r->spec.fixed) return false;
  r->types.float_fields |= certain;
  if ((seen->flags & QB_VQE_TYPES_AVRO) && !(r->types.flags & QB_VQE_TYPES_AVRO)) {
    if (r->spec.fixed_order) return false;
    r->types.flags |= QB_VQE_TYPES_AVRO;
  }
  r->spec.fixed |= qb_vqe_types_deps(rec);
  if (rec->source == QB_VQE_SRC_JSON) r->spec.fixed_order = true;
  return true;
}

static bool spec_holds(ingest_run *r)
{
  save_topic(r);
  for (size_t t = 0; t < r->n_topics; t++) {
    const qb_vqe_types *used = &r->tt[t], *final = &r->tseen[t];
    if ((used->float_fields ^ final->float_fields) & r->tfixed[t]) return false;
    if (r->torder[t] && ((used->flags ^ final->flags) & QB_VQE_TYPES_AVRO)) return false;
  }
  return true;
}

/* Drop what the speculation derived: the open transactions (with their data files) and the
 * de-duplication state and counters the rows fed. The keys of recovered experiments stay. */
static int spec_discard(ingest_run *r, qb_err *err)
{
  int rc = drain(r, err);
  if (rc) return rc;
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    qb_txn_abort(r->ts[t].txn);
    r->ts[t].txn = NULL;
    qb_vqe_cols_truncate(&r->ts[t].cols, 0); /* buffered rows of the transaction */
    r->ts[t].rows = r->ts[t].dups = 0;
  }
  r->rep->records = 0;
  r->rep->experiments_new = r->rep->experiments_known = r->rep->experiments_rechecked = 0;
  qb_expidx_map_free(&r->added);
  qb_expidx_map_init(&r->added);
  qb_expidx_map_free(&r->deferred);
  qb_expidx_map_init(&r->deferred);
  steps_reset(r);
  r->n_deferred = 0;
  memset(r->recheck, 0, (r->files.n ? r->files.n : 1) * sizeof *r->recheck);
  r->spec.on = false;
  return QB_OK;
}

typedef struct spec_record_ctx {
  record_ctx rc;
  const qb_vqe_types *seen;
} spec_record_ctx;

static int spec_record(void *ctx, const qb_vqe_record *rec, qb_err *err)
{
  spec_record_ctx *c = ctx;
  ingest_run *r = c->rc.run;
  if (!r->spec.on) return QB_OK;
  if (!spec_admit(r, c->seen, rec)) return spec_discard(r, err);
  return on_record(&c->rc, rec, err);
}

/* File i, parsed once: records, types, accepted or rejected, and while speculating its rows. A file whose
 * first record may not be its last (several records; Avro containers) is parsed to its end before any row
 * is derived and then once more: a later record's rejection must leave no row of the earlier ones. */
static int one_pass_file(ingest_run *r, size_t i, qb_vqe_types *seen, qb_err *err)
{
  const raw_file *f = &r->files.v[i];
  qb_err fe = QB_ERR_INIT;
  qb_vqe_types probe = *seen;
  uint8_t *data = NULL;
  size_t n = 0;
  qb_vqe_reader *rd = NULL;
  const qb_vqe_record *rec = NULL;
  bool single = false;
  int frc = read_raw(r, f, &data, &n, &fe);
  if (frc == QB_OK) frc = qb_vqe_reader_open(&rd, f->path, data, n, &fe);
  while (frc == QB_OK && (frc = qb_vqe_reader_next(&rec, rd, &fe)) == QB_OK && rec) {
    r->nrec[i]++;
    qb_vqe_types_add(&probe, rec);
    if (r->nrec[i] == 1 && qb_vqe_reader__at_end(rd)) {
      single = true;
      break;
    }
  }
  if (frc == QB_OK && !r->nrec[i]) frc = QB_FAIL(&fe, QB_ECORRUPT, "%s: no record in the file", f->path);
  int rc = settle_file(r, i, seen, &probe, frc, &fe, err);
  if (rc == QB_OK && r->ok[i] && r->spec.on) {
    spec_record_ctx c = {{r, i}, seen};
    rc = single ? spec_record(&c, rec, err) : each_record(f, data, n, spec_record, &c, NULL, err);
    if (rc == QB_OK && r->spec.on) r->rep->records += r->nrec[i];
  }
  qb_vqe_reader_close(rd);
  free(data);
  return rc;
}

static int one_pass(ingest_run *r, qb_err *err)
{
  spec_begin(r);
  uint64_t total = 0, done = 0;
  for (size_t i = 0; i < r->files.n; i++) total += r->files.v[i].size;
  int rc = QB_OK;
  size_t i = 0;
  for (; rc == QB_OK && r->spec.on && i < r->files.n; i++) {
    use_topic(r, r->topic[i]);
    rc = one_pass_file(r, i, &r->tseen[r->topic[i]], err);
    done += r->files.v[i].size;
    progress(r, "rows", i + 1, r->files.n, done, total);
  }
  if (rc == QB_OK && !r->spec.on) rc = learn_types_from(r, i, err); /* the rest of pass one */
  if (rc) return rc;
  if (r->spec.on && !spec_holds(r) && (rc = spec_discard(r, err))) return rc;
  r->rep->passes = r->spec.on ? 1 : 2;
  topics_final(r);
  return r->spec.on ? QB_OK : derive_and_write(r, err);
}

/* ---- phase 5: records of stored experiments whose keys differ: compare row by row -------------------- */

static int recheck_deferred(ingest_run *r, qb_err *err)
{
  if (!r->n_deferred) return QB_OK;
  int rc = drain(r, err); /* load_keys reads the tables the writer thread writes to */
  if (rc) return rc;
  qb_value *ids = malloc(r->n_deferred * sizeof *ids);
  if (!ids) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->n_deferred; i++) {
    ids[i].kind = QB_V_STRING;
    ids[i].u.bytes.p = (const uint8_t *)r->deferred_ids[i];
    ids[i].u.bytes.n = 64;
  }
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    static const char *const id_col[] = {"experiment_id"};
    const char *col;
    qb_expr *filter = NULL;
    rc = qb_vqe__column_names(&col, r->ts[t].table, r->ts[t].schema, id_col, 1, err);
    if (rc == QB_OK) rc = qb_expr_predicate(&filter, QB_EXPR_IN, col, ids, r->n_deferred, err);
    if (rc == QB_OK) rc = load_keys(&r->ts[t], t, filter, NULL, err);
    qb_expr_free(filter);
  }
  free(ids);
  r->only_deferred = true;
  for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) {
    if (!r->recheck[i]) continue;
    record_ctx c = {r, i};
    use_topic(r, r->topic[i]);
    rc = reread_file(r, i, on_record, &c, err);
  }
  r->only_deferred = false;
  return rc;
}

/* ---- phase 6: commit each table with its tag --------------------------------------------------------- */

static int commit_tables(ingest_run *r, qb_err *err)
{
  int rc = QB_OK;
  progress(r, "commit", 0, QB_VQE_FEATURE_TABLES, 0, 0);
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) rc = flush_cols(r, t, err);
  if (rc == QB_OK) rc = drain(r, err);
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    table_state *ts = &r->ts[t];
    r->rep->rows[t] = ts->rows;
    r->rep->duplicates[t] = ts->dups;
    if (!ts->txn) continue;
    snprintf(r->rep->versions[t], sizeof r->rep->versions[t], "%s%s", ts->was_empty ? "v_" : "v_incr_", r->hex);
    qb_txn_result res;
    if ((rc = qb_txn_set_summary(ts->txn, "qberg.batch-id", r->batch, err)) == QB_OK &&
        (rc = qb_txn_tag(ts->txn, r->rep->versions[t], -1, err)) == QB_OK) {
      rc = qb_txn_commit(ts->txn, &res, err);
      ts->txn = NULL;
      if (rc == QB_OK) r->rep->snapshot_ids[t] = res.snapshot_id;
    }
    if (rc) qb_err_wrap(err, "committing %s", ts->desc->name);
    progress(r, "commit", (uint64_t)t + 1, QB_VQE_FEATURE_TABLES, 0, 0);
  }
  return rc;
}

/* ---- phase 7: the audit row ----------------------------------------------------------------------------- */

static int on_meta_row(void *ctx, const qb_value *row, qb_err *err)
{
  ingest_run *r = ctx;
  qb_txn *txn = NULL;
  int rc = qb_vqe__txn_begin(&txn, r->meta_t, QB_TXN_APPEND, r->meta_schema, err);
  if (rc == QB_OK && (rc = qb_txn_write(txn, row, err)) == QB_OK) {
    rc = qb_txn_commit(txn, NULL, err);
    txn = NULL;
  }
  qb_txn_abort(txn);
  return rc;
}

static int write_audit(ingest_run *r, qb_err *err)
{
  const char *versions[QB_VQE_FEATURE_TABLES];
  int64_t counts[QB_VQE_FEATURE_TABLES];
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    const table_state *ts = &r->ts[t];
    /* with the rows interrupted batches committed (this batch's tag, if it appended too) */
    bool none = !strcmp(r->rep->versions[t], "no_changes");
    versions[t] = ts->earlier_tag[0] && none ? ts->earlier_tag : r->rep->versions[t];
    counts[t] = r->rep->rows[t] + (ts->earlier_tag[0] ? ts->earlier_rows : 0);
  }
  const char *topic = r->files.n ? r->files.v[0].path : "";
  char topic_buf[256] = "";
  const char *slash = strrchr(topic, '/');
  if (slash) {
    const char *prev = slash;
    while (prev > topic && prev[-1] != '/') prev--;
    snprintf(topic_buf, sizeof topic_buf, "%.*s", (int)(slash - prev), prev);
  }
  int rc = qb_vqe_metadata_row(&r->meta, versions, counts, topic_buf, on_meta_row, r, err);
  return rc ? qb_err_wrap(err, "writing processing_metadata") : QB_OK;
}

/* ---- phase 8: the experiment index, after the data: a crash before it is repaired by phase 3 ---------- */

static int commit_index(ingest_run *r, qb_err *err)
{
  int rc = QB_OK;
  /* experiments of interrupted batches that this batch did not touch */
  for (size_t i = 0; rc == QB_OK && i < r->recovered.cap; i++) {
    if (!r->recovered.keys[i]) continue;
    uint64_t *v;
    bool created, stored;
    rc = qb_expidx_map_ref(&v, &created, &r->added, r->recovered.keys[i], err);
    if (rc == QB_OK && created) rc = qb_expidx_lookup(&stored, NULL, &r->ix, r->recovered.keys[i], err);
    if (rc == QB_OK && created) *v = stored ? 0 : r->recovered.vals[i];
  }
  int64_t covers[QB_VQE_FEATURE_TABLES];
  const char *uuids[QB_VQE_FEATURE_TABLES];
  for (int t = 0; rc == QB_OK && t < QB_VQE_FEATURE_TABLES; t++) {
    const qb_table_metadata *md;
    rc = qb_table_get_metadata(&md, r->ts[t].table, err);
    if (rc == QB_OK) covers[t] = qb_table_metadata_current_snapshot_id(md);
    if (rc == QB_OK) uuids[t] = qb_table_metadata_uuid(md);
  }
  if (rc == QB_OK)
    rc = qb_expidx_commit(&r->ix, &r->added, covers, uuids, r->batch, r->meta.processing_timestamp_us, err);
  return rc;
}

/* ---- phase 9: the ledger, then the rejections ------------------------------------------------------------ */

static int record_files(ingest_run *r, qb_err *err)
{
  qb_txn *txn = NULL;
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) {
    if (r->skipped[i]) continue;
    if (!txn && (rc = qb_vqe__txn_begin(&txn, r->ledger_t, QB_TXN_FAST_APPEND, r->ledger_schema, err)) != QB_OK)
      break;
    qb_value items[6] = {str_value(r->files.v[i].path), str_value(r->ok[i] ? "ingested" : "rejected"),
                         i64_value((int64_t)r->nrec[i]), i64_value((int64_t)r->files.v[i].size),
                         str_value(r->batch), i64_value(r->meta.processing_timestamp_us)};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 6}};
    rc = qb_txn_write(txn, &row, err);
    if (rc == QB_OK) rc = qb_ledger_note(&r->ledger, r->files.v[i].path, err);
  }
  char *ranges = NULL; /* in the same commit as the rows it describes (pipeline/ledger.c) */
  if (rc == QB_OK && txn) rc = qb_ledger_summary(&ranges, &r->ledger, err);
  if (rc == QB_OK && txn) rc = qb_txn_set_summary(txn, QB_LEDGER_SUMMARY_KEY, ranges, err);
  free(ranges);
  if (rc == QB_OK && txn) rc = qb_txn_set_summary(txn, "qberg.batch-id", r->batch, err);
  if (rc == QB_OK && txn) {
    rc = qb_txn_commit(txn, NULL, err);
    txn = NULL;
    if (rc) qb_err_wrap(err, "committing the ledger");
  }
  for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) {
    if (r->ok[i] || r->skipped[i]) continue;
    if (!txn && (rc = qb_vqe__txn_begin(&txn, r->rejects_t, QB_TXN_FAST_APPEND, r->rejects_schema, err)) != QB_OK)
      break;
    qb_value items[4] = {str_value(r->files.v[i].path), str_value(r->reasons[i] ? r->reasons[i] : ""),
                         str_value(r->batch), i64_value(r->meta.processing_timestamp_us)};
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
    rc = qb_txn_write(txn, &row, err);
  }
  if (rc == QB_OK && txn) {
    rc = qb_txn_commit(txn, NULL, err);
    txn = NULL;
    if (rc) qb_err_wrap(err, "committing %s", REJECTS_TABLE);
  }
  qb_txn_abort(txn);
  return rc;
}

static void run_free(ingest_run *r)
{
  qb_ingest_writer_free(r->writer); /* joined before its transactions are aborted */
  r->writer = NULL;
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    qb_txn_abort(r->ts[t].txn);
    qb_table_free(r->ts[t].table);
    qb_schema_free(r->ts[t].schema);
    qb_u64set_free(&r->ts[t].keys);
    qb_vqe_cols_free(&r->ts[t].cols);
  }
  qb_table_free(r->meta_t);
  qb_table_free(r->ledger_t);
  qb_table_free(r->rejects_t);
  qb_schema_free(r->meta_schema);
  qb_schema_free(r->ledger_schema);
  qb_schema_free(r->rejects_schema);
  qb_expidx_close(&r->ix);
  qb_expidx_map_free(&r->recovered);
  qb_expidx_map_free(&r->added);
  qb_expidx_map_free(&r->deferred);
  qb_expidx_map_free(&r->steps);
  qb_u64set_free(&r->step_set);
  free(r->step_buf);
  free(r->topic);
  free(r->tt);
  free(r->tseen);
  free(r->tfixed);
  free(r->torder);
  free(r->deferred_ids);
  for (size_t i = 0; r->reasons && i < r->files.n; i++) free(r->reasons[i]);
  free(r->reasons);
  free(r->ok);
  free(r->skipped);
  free(r->recheck);
  free(r->nrec);
  qb_dir_reader_close(r->raw_reader); /* before the files its plan names */
  qb_raw_list_free(&r->files);
  qb_ledger_close(&r->ledger);
  qb_vqe_nums_free(&r->nums);
  free(r->raw_dir);
  close_scratch(r); /* after every table handle */
}

/* The ML phase's question about an experiment of this batch's rows, answered from the index instead of
 * ml_run_summary: stored by an earlier qberg batch, or first written by this one; rows the index did not
 * cover (an interrupted batch, another writer) may lack vqe_iterations rows, so those stay unknown. */
static qb_features_membership batch_membership(void *ctx, const char *experiment_id, size_t n)
{
  const ingest_run *r = ctx;
  uint64_t exp = qb_expidx_digest(experiment_id, n);
  if (qb_expidx_map_get(&r->recovered, exp, NULL)) return QB_FEATURES_UNKNOWN;
  int stored = qb_expidx_stored(&r->ix, exp); /* every experiment of the batch was looked up: exact */
  if (stored) return stored > 0 ? QB_FEATURES_STORED : QB_FEATURES_UNKNOWN;
  return qb_expidx_map_get(&r->added, exp, NULL) ? QB_FEATURES_NEW : QB_FEATURES_UNKNOWN;
}

/* The phases after discovery, in their crash-safe order: data tables, audit row, index, ledger. */
static int run_batch(ingest_run *r, qb_err *err)
{
  /* each commit phase starts only while the batch surely holds the warehouse (on an object store a lease
   * whose renewals failed may be someone else's by now: the batch stops as if it had crashed there) */
  static int (*const commits[])(ingest_run *, qb_err *) = {commit_tables, write_audit, commit_index, record_files};
  static const qb_ingest_phase phases[] = {QB_INGEST_PHASE_COMMIT, QB_INGEST_PHASE_AUDIT, QB_INGEST_PHASE_INDEX,
                                            QB_INGEST_PHASE_LEDGER};
  phase_next(r, QB_INGEST_PHASE_RECOVER);
  int rc = recover_uncovered(r, err);
  phase_next(r, QB_INGEST_PHASE_ROWS);
  if (rc == QB_OK) rc = one_pass(r, err);
  if (rc == QB_OK) rc = recheck_deferred(r, err);
  for (size_t i = 0; rc == QB_OK && i < sizeof commits / sizeof commits[0]; i++) {
    phase_next(r, phases[i]);
    if ((rc = qb__ingest_lock_check(r->lock, err)) == QB_OK) rc = commits[i](r, err);
  }
  return rc;
}

/* Threads for the batch: opts->threads, 0 (or an options struct older than the field) meaning 2 when this
 * process may run on two CPUs or more. One writer thread is all the pipeline can use: more are 2. */
static unsigned batch_threads(const qb_ingest_options *o) { return qb_thread_count(o->version >= 3 ? o->threads : 0); }

int qb_ingest_run(qb_ingest_report *rep, qb_catalog *cat, const qb_ingest_options *opts, qb_err *err)
{
  memset(rep, 0, sizeof *rep);
  rep->threads = 1;
  if (!opts || !opts->raw) return QB_FAIL(err, QB_EINVAL, "ingest: no raw source given");
  ingest_run *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  r->cat = cat;
  r->opts = opts;
  r->rep = rep;
  r->io = opts->raw_io ? opts->raw_io : qb_catalog_io(cat);
  r->t0_ms = qb_now_ms();
  r->phase = QB_INGEST_PHASE_OPEN;
  r->phase_ns = qb_mono_ns();
  qb_vqe_nums_init(&r->nums);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    r->ts[t].desc = qb_vqe_table_describe((qb_vqe_table)t);
    qb_u64set_init(&r->ts[t].keys);
    r->sinks[t] = (row_sink){r, t};
    /* QB_INGEST_ROW_PATH=1: every row through qb_txn_write (tests compare both paths) */
    const char *row_path = getenv("QB_INGEST_ROW_PATH");
    r->ts[t].columnar = !(row_path && *row_path == '1') && qb_vqe_table_is_flat((qb_vqe_table)t) &&
                        qb_vqe_cols_init(&r->ts[t].cols, (qb_vqe_table)t, err) == QB_OK;
  }
  /* one batch at a time (ingest_lock.h); a dry run writes nothing and takes no lock */
  int rc = opts->dry_run ? QB_OK : qb__ingest_lock(&r->lock, cat, "ingest", err);
  if (rc == QB_OK) rc = open_tables(r, err);
  phase_next(r, QB_INGEST_PHASE_DISCOVER);
  if (rc == QB_OK) rc = discover(r, err);
  if (rc == QB_OK && opts->dry_run) {
    phase_next(r, QB_INGEST_PHASE_ROWS);
    rc = learn_batch_types(r, err);
    rep->passes = 1;
    for (size_t i = 0; rc == QB_OK && i < r->files.n; i++) rep->records += r->ok[i] ? r->nrec[i] : 0;
  } else if (rc == QB_OK && !(opts->skip_if_idle && !r->files.n)) {
    /* the ML phase's tables too, as users may have evolved them: checked before the batch writes anything */
    phase_next(r, QB_INGEST_PHASE_OPEN);
    if (!opts->no_features) rc = qb__features_check(cat, err);
    /* a writer thread that cannot start (EAGAIN: the process's thread limit) leaves the batch on one */
    qb_err werr = QB_ERR_INIT;
    if (rc == QB_OK && batch_threads(opts) > 1 && qb_ingest_writer_new(&r->writer, &werr) == QB_OK) rep->threads = 2;
    if (rc == QB_OK) rc = run_batch(r, err);
    qb_ingest_writer_free(r->writer); /* idle since commit_tables; its spare buffers go before the ML phase */
    r->writer = NULL;
    if (rc == QB_OK && !opts->no_features && (rc = qb__ingest_lock_check(r->lock, err)) == QB_OK) {
      /* the ML tables of the experiments this batch added */
      phase_next(r, QB_INGEST_PHASE_FEATURES);
      qb_features_options fo = {QB_FEATURES_OPTIONS_VERSION, r->batch, r->meta.processing_timestamp_us,
                                batch_membership, r, batch_threads(opts)};
      rc = qb__features_run_locked(&rep->features, cat, &fo, r->lock, err);
    }
  }
  rep->index_entries_read = r->ix.entries_read;
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) rep->key_rows_read += r->ts[t].key_rows_read;
  snprintf(rep->index_filter_error, sizeof rep->index_filter_error, "%s", r->ix.bloom_error);
  rep->elapsed_ms = qb_now_ms() - r->t0_ms;
  phase_next(r, r->phase);
  char batch[37];
  memcpy(batch, r->batch, sizeof batch);
  qb_ingest_lock *lock = r->lock;
  run_free(r);
  free(r);
  qb__ingest_unlock(lock);
  if (!rc) return QB_OK;
  return batch[0] ? qb_err_wrap(err, "ingest batch %s", batch) : qb_err_wrap(err, "ingest");
}

const char *qb_ingest_phase_name(int phase)
{
  static const char *const names[QB_INGEST_PHASES] = {"open",  "discover", "recover", "rows",    "commit",
                                                      "audit", "index",    "ledger",  "features"};
  return phase >= 0 && phase < QB_INGEST_PHASES ? names[phase] : "?";
}
