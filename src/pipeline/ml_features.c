/* SPDX-License-Identifier: Apache-2.0 */
/* The ML feature job (pipeline-spec §7.1, issue "ML feature tables"): find the experiments of
 * vqe_iterations missing from the ML tables, join their context (vqe_results, ansatz_info, molecules,
 * performance_metrics), refuse fan-out, drop null join keys, compute one experiment at a time
 * (ml_window.c) and append both tables with tags and a processing_metadata row. The source tables are
 * read incrementally (issue 7): only the files appended since the snapshots the ML tables' last commit
 * recorded in its summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ingest_lock.h"
#include "pipeline/ml_features_int.h"
#include "pipeline/table_binding.h"
#include "qberg/features.h"
#include "qberg/scan.h"
#include "qberg/table.h"
#include "qberg/vqe.h"
#include "util/arena.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/thread.h"
#include "util/worker.h"

/* ---- tables -------------------------------------------------------------------------------------------- */

typedef struct ml_col {
  const char *name;
  const char *type;
} ml_col;

#define CONTEXT_COLS                                                                                      \
  {"molecule_name", "string"}, {"num_atoms", "int"}, {"num_qubits", "long"}, {"charge", "long"},           \
      {"multiplicity", "long"}, {"basis_set", "string"}, {"optimizer", "string"}, {"ansatz_type", "string"}, \
      {"ansatz_reps", "long"}, {"init_strategy", "string"}, {"seed", "long"}, {"default_shots", "long"}

static const ml_col iter_cols[QB_ML_ITER_COLUMNS] = {
    {"experiment_id", "string"},
    {"iteration_step", "long"},
    CONTEXT_COLS,
    {"energy", "double"},
    {"energy_std", "double"},
    {"energy_delta", "double"},
    {"parameter_delta_norm", "double"},
    {"cumulative_min_energy", "double"},
    {"relative_iteration", "double"},
    {"energy_improvement_rate", "double"},
    {"normalized_energy", "double"},
    {"is_new_minimum", "boolean"},
    {"steps_since_improvement", "int"},
    {"energy_moving_avg_5", "double"},
    {"energy_moving_std_5", "double"},
    {"mean_param_change", "double"},
    {"total_iterations", "int"},
    {"final_energy", "double"},
    {"converged", "boolean"},
    {"convergence_iteration", "long"},
    {"vqe_time", "double"},
    {"total_time", "double"},
    {"processing_date", "date"},
};

static const ml_col summary_cols[QB_ML_SUMMARY_COLUMNS] = {
    {"experiment_id", "string"},
    CONTEXT_COLS,
    {"total_iterations", "int"},
    {"final_energy", "double"},
    {"converged", "boolean"},
    {"convergence_iteration", "long"},
    {"vqe_time", "double"},
    {"total_time", "double"},
    {"mean_energy_delta", "double"},
    {"std_energy_delta", "double"},
    {"min_energy", "double"},
    {"max_energy", "double"},
    {"energy_range", "double"},
    {"mean_param_delta_norm", "double"},
    {"std_param_delta_norm", "double"},
    {"total_param_distance", "double"},
    {"num_new_minima", "long"},
    {"longest_plateau", "int"},
    {"improvement_ratio", "double"},
    {"processing_date", "date"},
    {"first_10_mean_energy", "double"},
    {"first_10_energy_slope", "double"},
    {"last_10_mean_energy", "double"},
    {"time_per_iteration", "double"},
};

static const char *const table_names[QB_ML_TABLE_COUNT] = {"ml_iteration_features", "ml_run_summary"};

const char *qb_ml_table_name(qb_ml_table t)
{
  return (unsigned)t < QB_ML_TABLE_COUNT ? table_names[t] : NULL;
}

static int find_col(const ml_col *cols, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(cols[i].name, name)) return (int)i;
  return -1;
}

int qb_ml_table_schema(qb_schema **out, qb_partition_spec *spec, qb_partition_field fields[2], qb_ml_table t,
                       qb_err *err)
{
  *out = NULL;
  if ((unsigned)t >= QB_ML_TABLE_COUNT) return QB_FAIL(err, QB_EINVAL, "unknown ML table %d", (int)t);
  const ml_col *cols = t == QB_ML_ITERATION_FEATURES ? iter_cols : summary_cols;
  size_t n = t == QB_ML_ITERATION_FEATURES ? QB_ML_ITER_COLUMNS : QB_ML_SUMMARY_COLUMNS;
  char json[4096];
  size_t used = (size_t)snprintf(json, sizeof json, "{\"type\":\"struct\",\"schema-id\":0,\"fields\":[");
  for (size_t i = 0; i < n && used < sizeof json; i++)
    used += (size_t)snprintf(json + used, sizeof json - used,
                             "%s{\"id\":%zu,\"name\":\"%s\",\"required\":false,\"type\":\"%s\"}", i ? "," : "",
                             i + 1, cols[i].name, cols[i].type);
  if (used < sizeof json) used += (size_t)snprintf(json + used, sizeof json - used, "]}");
  if (used >= sizeof json) return QB_FAIL(err, QB_EINTERNAL, "schema of %s: JSON too long", table_names[t]);
  int rc = qb_schema_parse_json(out, json, used, err);
  if (rc) return qb_err_wrap(err, "schema of %s", table_names[t]);
  const char *parts[2] = {"processing_date", "basis_set"};
  size_t np = t == QB_ML_ITERATION_FEATURES ? 1 : 2;
  for (size_t i = 0; i < np; i++) {
    memset(&fields[i], 0, sizeof fields[i]);
    fields[i].source_id = find_col(cols, n, parts[i]) + 1;
    fields[i].field_id = QB_PARTITION_FIELD_ID_START + (int32_t)i;
    fields[i].name = parts[i];
    fields[i].transform.kind = QB_TR_IDENTITY;
  }
  spec->spec_id = 0;
  spec->n_fields = np;
  spec->fields = fields;
  return QB_OK;
}

/* The ML table `t`, created when missing; *schema_out: the pipeline's schema of it (rows are written by its
 * field ids, table_binding.h), checked against an existing table's before anything is written. */
static int ensure_ml_table(qb_table **out, qb_schema **schema_out, qb_catalog *cat, qb_ml_table t, qb_err *err)
{
  char ident[128];
  snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, table_names[t]);
  qb_schema *schema = NULL;
  qb_partition_field fields[2];
  qb_partition_spec spec;
  int rc = qb_ml_table_schema(&schema, &spec, fields, t, err);
  if (rc == QB_OK) rc = qb_table_load(out, cat, ident, err);
  if (rc == QB_OK) {
    qb_schema *bound = NULL;
    rc = qb_vqe__bind_schema(&bound, *out, schema, true, err);
    qb_schema_free(schema);
    schema = bound;
    if (rc) {
      qb_table_free(*out);
      *out = NULL;
    }
  } else if (rc == QB_ENOTFOUND) {
    /* as the seed's CTAS: Iceberg 1.10 defaults (zstd), no comment */
    qb_kv props[1] = {{"write.parquet.compression-codec", "zstd"}};
    qb_table_def def = {schema, &spec, NULL, props, 1};
    rc = qb_catalog_create_table_def(out, cat, ident, &def, NULL, err);
    if (rc == QB_EEXISTS) rc = qb_table_load(out, cat, ident, err); /* created concurrently */
  }
  if (rc == QB_OK) *schema_out = schema;
  else qb_schema_free(schema);
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

/* ---- experiments ---------------------------------------------------------------------------------------- */

/* Source tables of the join (§7.2), in the order the fan-out guard names them. */
enum { SRC_RESULTS = 0, SRC_ANSATZ, SRC_MOLECULES, SRC_PERF, SRC_COUNT };
static const char *const src_names[SRC_COUNT] = {"vqe_results", "ansatz_info", "molecules", "performance_metrics"};

typedef struct experiment {
  const char *id;      /* NUL-terminated, in the arena */
  size_t id_len;
  uint64_t id_hash;    /* qb_hash_words of the id (its slot in the index) */
  struct experiment *next; /* the experiment first seen after this one in pass one */
  uint64_t expected;   /* its rows in vqe_iterations (pass one) */
  bool want_iter;      /* missing from ml_iteration_features */
  bool want_summary;   /* missing from ml_run_summary */
  uint8_t seen;        /* bit per SRC_*: a context row was joined */
  qb_value ctx[QB_ML_CTX_N];
  qb_ml_iter *rows;    /* buffered iterations while the experiment is assembled */
  size_t n_rows, cap;
  bool done;
} experiment;

/* With two threads the ML tables' rows are written (qb_txn_write_batch: encoding, dictionaries, pages) on a
 * worker while this thread reads the sources and computes the next experiments: each full set of columns
 * goes to the worker in one of ML_SETS slots per table, and the set the slot held before (written and
 * cleared by then) becomes the one staged into. 3 sets: the occasional long write (a page or row group
 * flushed) does not stop the computing thread. */
#define ML_SETS 3

struct job;
typedef struct ml_slot {
  struct job *j;
  int k;           /* ML table */
  qb_ml_cols cols; /* rows being written by the worker, or an empty set */
  uint64_t seq;    /* the worker's job number writing them (0: none yet) */
} ml_slot;

typedef struct job {
  qb_features_report *rep;
  qb_arena arena;   /* experiments and their context strings */
  /* the new experiments of vqe_iterations by id: open addressing over qb_hash_words (ix_cap a power of two, at
   * most half full), and in pass one's order from first_new (linked by next). A slot keeps the id's hash:
   * a probe reads an experiment (another cache line, then its id, a third) only when the hashes match —
   * the ~120,000 lookups of 20,000 new experiments were ~15% of the ML job's computing thread. */
  struct ix_slot *ix;
  size_t ix_cap, n_new;
  /* 64-bit digests of the experiment ids stored in each ML table, and of the ids of vqe_iterations found in
   * both (counted only). A collision (p ~ n^2 / 2^65) would skip a new experiment: with 10^6 experiments
   * ~3e-8 per run, the ingest's key de-duplication makes the same trade (docs/PIPELINE.md). */
  qb_u64set stored[QB_ML_TABLE_COUNT], seen_old;
  /* source i: 0 vqe_iterations, 1 + SRC_* the context tables */
  bool incr;                   /* reading only what was appended after `after` */
  bool need_full;              /* the incremental read cannot decide: read the tables whole */
  int64_t after[1 + SRC_COUNT]; /* QB_UNASSIGNED: the whole table */
  int64_t read_at[1 + SRC_COUNT]; /* the snapshots read, recorded with the commit (-1: none) */
  uint64_t orphans;            /* context rows of an experiment neither in vqe_iterations nor stored */
  /* Incremental runs right after an ingest batch: the batch answers "stored before?" (use_membership)
   * instead of ml_run_summary's experiment_id column; need_ids: it could not, read the column. */
  qb_features_membership_fn membership;
  void *membership_ctx;
  bool use_membership, need_ids;
  uint64_t summary_rows;       /* ml_run_summary's total-records (one row per experiment) */
  const char *batch;
  qb_table *iters, *src[SRC_COUNT], *ml[QB_ML_TABLE_COUNT], *meta;
  /* the pipeline's schemas of those tables: columns are read and written by their field ids */
  qb_schema *iters_schema, *src_schema[SRC_COUNT], *ml_schema[QB_ML_TABLE_COUNT], *meta_schema;
  qb_txn *txn[QB_ML_TABLE_COUNT];
  qb_ml_cols cols[QB_ML_TABLE_COUNT]; /* rows not yet handed to txn[t] */
  /* Two threads: txn[t] is begun and written by `worker` (the transactions are this thread's again after
   * qb_worker_drain; `begun` says whether txn[t] was asked for). The random draws of txn begins and data
   * file names then happen in the same order as on one thread (FIFO), so the files are the same bytes. */
  qb_worker *worker;
  bool begun[QB_ML_TABLE_COUNT];
  ml_slot slot[QB_ML_TABLE_COUNT][ML_SETS];
  int next_slot[QB_ML_TABLE_COUNT];
  bool was_empty[QB_ML_TABLE_COUNT];
  uint64_t null_id_rows;
  uint64_t buffered;
  int32_t date;
  /* The experiment of the last id looked up, with a copy of the id: rows of an experiment are contiguous
   * in a data file, so most rows repeat the previous row's id and need no find_new (which hashes the
   * whole id). last == NULL: none (ids longer than last_id are not cached). */
  experiment *last;
  experiment *first_new, *last_new;
  size_t last_n;
  char last_id[128];
} job;

/* Where an incremental read of `t` after `pos` starts: `pos`, or when it expired, a kept compaction of it
 * (`replace`, qberg.carried-from = pos: the same rows) on the current snapshot's parent chain — before,
 * `maintain all` a week after the last batch (a compaction, then the expiry of the snapshot it replaced,
 * once no tag kept it) made the next run read the source tables whole (found by exploreN). */
static int64_t read_after(qb_table *t, int64_t pos)
{
  const qb_table_metadata *md;
  qb_err e = QB_ERR_INIT;
  if (pos < 0 || qb_table_get_metadata(&md, t, &e) != QB_OK) return pos;
  if (qb_table_metadata_snapshot_by_id(md, pos)) return pos;
  int64_t at = pos;
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  for (size_t hops = 0; s && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    int64_t origin, parent;
    qb_snapshot_origin(s, &origin, &parent);
    if (origin == pos && s->operation && !strcmp(s->operation, "replace")) at = s->snapshot_id; /* the oldest */
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  return at;
}

/* Scan `cols` of a table: source `src` (0..SRC_COUNT, read after j->after[src]) or an ML table (src -1). */
static int scan_columns(job *j, qb_table *t, const qb_schema *schema, int src, const char *const *cols, size_t n,
                        int (*fn)(job *, const qb_value *, qb_err *), qb_err *err)
{
  /* by field id: the names the table has now (a user may have renamed a column since) */
  const char *now[16];
  if (n > sizeof now / sizeof now[0]) return QB_FAIL(err, QB_EINTERNAL, "scan_columns: too many columns");
  int rc = qb_vqe__column_names(now, t, schema, cols, n, err);
  if (rc) return rc;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = now;
  o.n_columns = n;
  if (src >= 0 && j->incr) o.after_snapshot_id = read_after(t, j->after[src]);
  qb_scan *s = NULL;
  rc = qb_scan_new(&s, t, &o, err);
  if (o.after_snapshot_id != QB_UNASSIGNED && (rc == QB_ENOTFOUND || rc == QB_EUNSUPPORTED)) {
    /* the position was expired, or a snapshot since is not an append: the run reads the tables whole */
    snprintf(j->rep->full_scan_reason, sizeof j->rep->full_scan_reason, "%.190s", err->msg);
    qb_err_clear(err);
    j->need_full = true;
    return QB_OK;
  }
  /* in bulk: the data files of these tables are flat, so their columns are read without assembling rows */
  const qb_value *rows;
  size_t n_rows;
  while (rc == QB_OK && (rc = qb_scan_next_rows(&rows, &n_rows, s, 0, err)) == QB_OK && n_rows)
    for (size_t r = 0; rc == QB_OK && r < n_rows; r++) rc = fn(j, rows + r * n, err);
  if (s) {
    qb_scan_metrics m;
    qb_scan_get_metrics(s, &m);
    if (src >= 0) {
      j->rep->source_files_read += m.data_files_scanned;
      j->rep->source_rows_read += m.rows_read;
    } else {
      j->rep->stored_ids_read += m.rows_read;
    }
  }
  qb_scan_free(s);
  return rc ? qb_err_wrap(err, "reading %s", qb_table_name(t)) : QB_OK;
}

/* Columns `cols` of context source `src` (SRC_*). */
static int scan_source(job *j, int src, const char *const *cols, size_t n, int (*fn)(job *, const qb_value *, qb_err *),
                       qb_err *err)
{
  return scan_columns(j, j->src[src], j->src_schema[src], 1 + src, cols, n, fn, err);
}

#define COUNT(a) (sizeof(a) / sizeof *(a))

static bool is_str(const qb_value *v) { return v->kind == QB_V_STRING; }

/* The cached experiment of string id `id`, or NULL when it is not the last one looked up. */
static inline experiment *last_exp(const job *j, const qb_value *id)
{
  return j->last && id->u.bytes.n == j->last_n && !memcmp(id->u.bytes.p, j->last_id, j->last_n) ? j->last : NULL;
}

static void remember(job *j, experiment *e, const qb_value *id)
{
  if (id->u.bytes.n > sizeof j->last_id) {
    j->last = NULL;
    return;
  }
  memcpy(j->last_id, id->u.bytes.p, id->u.bytes.n);
  j->last_n = id->u.bytes.n;
  j->last = e;
}

static uint64_t id_digest(const qb_value *id) { return qb_hash_bytes(id->u.bytes.p, id->u.bytes.n); }

typedef struct ix_slot {
  uint64_t h;
  experiment *e; /* NULL: empty */
} ix_slot;

static experiment *find_new(const job *j, const uint8_t *p, size_t n)
{
  if (!j->ix_cap) return NULL;
  uint64_t h = qb_hash_words(p, n);
  for (size_t i = (size_t)h & (j->ix_cap - 1);; i = (i + 1) & (j->ix_cap - 1)) {
    const ix_slot *s = &j->ix[i];
    if (!s->e || (s->h == h && s->e->id_len == n && !memcmp(s->e->id, p, n))) return s->e;
  }
}

static void ix_put(ix_slot *ix, size_t cap, experiment *e)
{
  size_t i = (size_t)e->id_hash & (cap - 1);
  while (ix[i].e) i = (i + 1) & (cap - 1);
  ix[i] = (ix_slot){e->id_hash, e};
}

/* e (id set, not yet indexed) joins the new experiments. */
static int add_new(job *j, experiment *e, qb_err *err)
{
  if ((j->n_new + 1) * 2 > j->ix_cap) {
    size_t cap = j->ix_cap ? j->ix_cap * 2 : 1024;
    ix_slot *ix = calloc(cap, sizeof *ix);
    if (!ix) return QB_FAIL(err, QB_ENOMEM, "out of memory indexing %zu experiments", j->n_new + 1);
    for (experiment *x = j->first_new; x; x = x->next) ix_put(ix, cap, x);
    free(j->ix);
    j->ix = ix;
    j->ix_cap = cap;
  }
  ix_put(j->ix, j->ix_cap, e);
  j->n_new++;
  if (j->last_new) j->last_new->next = e;
  else j->first_new = e;
  j->last_new = e;
  return QB_OK;
}

/* Forget the new experiments (their memory is the arena's; their buffered rows are freed here). */
static void drop_new(job *j)
{
  for (experiment *e = j->first_new; e; e = e->next) free(e->rows);
  free(j->ix);
  j->ix = NULL;
  j->ix_cap = j->n_new = 0;
  j->first_new = j->last_new = NULL;
}

static int add_stored(job *j, qb_u64set *set, const qb_value *items, qb_err *err)
{
  if (!is_str(&items[0])) return QB_OK;
  return qb_u64set_add(set, id_digest(&items[0]), err);
}
static int on_stored_iter(job *j, const qb_value *items, qb_err *err)
{
  return add_stored(j, &j->stored[QB_ML_ITERATION_FEATURES], items, err);
}
static int on_stored_summary(job *j, const qb_value *items, qb_err *err)
{
  return add_stored(j, &j->stored[QB_ML_RUN_SUMMARY], items, err);
}

/* The ingest batch cannot say whether experiment `id` was stored: this run reads the stored ids after all
 * (compute stops, qb_features_run starts it again without the membership). */
static int membership_unknown(job *j, const qb_value *id)
{
  snprintf(j->rep->stored_ids_reason, sizeof j->rep->stored_ids_reason,
           "the ingest batch cannot tell whether experiment %.*s was stored before it",
           (int)(id->u.bytes.n < 64 ? id->u.bytes.n : 64), (const char *)id->u.bytes.p);
  j->need_ids = true;
  return QB_OK;
}

/* Pass one: the experiment ids of vqe_iterations; the new ones with their row count. */
static int on_iter_id(job *j, const qb_value *items, qb_err *err)
{
  if (!is_str(&items[0])) {
    /* a null experiment_id never matches a LEFT JOIN, so its context is null and the drop removes it */
    j->null_id_rows++;
    return QB_OK;
  }
  experiment *hit = last_exp(j, &items[0]);
  if (!hit) {
    hit = find_new(j, items[0].u.bytes.p, items[0].u.bytes.n);
    if (hit) remember(j, hit, &items[0]);
  }
  if (hit) {
    hit->expected++;
    return QB_OK;
  }
  uint64_t h = id_digest(&items[0]);
  bool in_summary;
  if (j->use_membership) {
    qb_features_membership m = j->membership(j->membership_ctx, (const char *)items[0].u.bytes.p, items[0].u.bytes.n);
    if (m == QB_FEATURES_UNKNOWN) return membership_unknown(j, &items[0]);
    in_summary = m == QB_FEATURES_STORED;
  } else {
    in_summary = qb_u64set_has(&j->stored[QB_ML_RUN_SUMMARY], h);
  }
  /* incremental: both tables were committed by the same runs (equal positions), so they hold the same
   * experiments and ml_run_summary's ids (one row per experiment) answer for both */
  bool in_iter = j->incr ? in_summary : qb_u64set_has(&j->stored[QB_ML_ITERATION_FEATURES], h);
  if (in_iter && in_summary) return qb_u64set_add(&j->seen_old, h, err);
  experiment *e = qb_arena_calloc(&j->arena, 1, sizeof *e);
  if (!e) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  e->expected = 1;
  e->want_iter = !in_iter;
  e->want_summary = !in_summary;
  for (int i = 0; i < QB_ML_CTX_N; i++) e->ctx[i] = qb_value_null();
  char *id = qb_arena_alloc(&j->arena, items[0].u.bytes.n + 1);
  if (!id) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  memcpy(id, items[0].u.bytes.p, items[0].u.bytes.n);
  id[items[0].u.bytes.n] = '\0';
  e->id = id;
  e->id_len = items[0].u.bytes.n;
  e->id_hash = qb_hash_words(id, e->id_len);
  int rc = add_new(j, e, err);
  if (rc == QB_OK) remember(j, e, &items[0]);
  return rc;
}

static experiment *lookup_new(job *j, const qb_value *id)
{
  if (!is_str(id)) return NULL;
  experiment *e = last_exp(j, id);
  if (e) return e;
  e = find_new(j, id->u.bytes.p, id->u.bytes.n);
  if (e) remember(j, e, id);
  return e;
}

/* A context row of an experiment without iterations in what was read and not stored: should its iterations
 * arrive later, that run needs this row, which an incremental read would not see. */
static void count_orphan(job *j, const qb_value *id)
{
  if (!is_str(id)) return;
  uint64_t h = id_digest(id);
  if (qb_u64set_has(&j->seen_old, h)) return;
  if (j->use_membership) {
    qb_features_membership m = j->membership(j->membership_ctx, (const char *)id->u.bytes.p, id->u.bytes.n);
    if (m == QB_FEATURES_UNKNOWN)
      membership_unknown(j, id);
    else if (m == QB_FEATURES_NEW)
      j->orphans++;
    return;
  }
  if (!qb_u64set_has(&j->stored[QB_ML_RUN_SUMMARY], h)) j->orphans++;
}

/* Copy a scanned value into the experiment's context: strings into the arena; numbers normalised to the
 * ML column's kind (kind: QB_V_INT64, QB_V_INT32, QB_V_DOUBLE, QB_V_BOOL or QB_V_STRING). */
static int set_ctx(job *j, experiment *e, int slot, const qb_value *v, qb_vkind kind, qb_err *err)
{
  qb_value out = qb_value_null();
  switch (v->kind) {
  case QB_V_STRING:
    if (kind != QB_V_STRING) break;
    out.kind = QB_V_STRING;
    out.u.bytes.n = v->u.bytes.n;
    out.u.bytes.p = qb_arena_memdup(&j->arena, v->u.bytes.p, v->u.bytes.n ? v->u.bytes.n : 1);
    if (!out.u.bytes.p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    break;
  case QB_V_INT32:
  case QB_V_INT64: {
    int64_t x = v->kind == QB_V_INT32 ? v->u.i32 : v->u.i64;
    if (kind == QB_V_INT64) {
      out.kind = QB_V_INT64;
      out.u.i64 = x;
    } else if (kind == QB_V_INT32 && x >= INT32_MIN && x <= INT32_MAX) {
      out.kind = QB_V_INT32;
      out.u.i32 = (int32_t)x;
    } else if (kind == QB_V_DOUBLE) {
      out.kind = QB_V_DOUBLE;
      out.u.f64 = (double)x;
    }
    break;
  }
  case QB_V_FLOAT:
  case QB_V_DOUBLE:
    if (kind != QB_V_DOUBLE) break;
    out.kind = QB_V_DOUBLE;
    out.u.f64 = v->kind == QB_V_FLOAT ? v->u.f32 : v->u.f64;
    break;
  case QB_V_BOOL:
    if (kind == QB_V_BOOL) out = *v;
    break;
  default: break;
  }
  if (v->kind != QB_V_NULL && out.kind == QB_V_NULL)
    return QB_FAIL(err, QB_ECORRUPT, "experiment %s: unexpected value kind %d for an ML context column", e->id,
                   (int)v->kind);
  e->ctx[slot] = out;
  return QB_OK;
}

/* The fan-out guard (§7.1 step 6): a second context row for a new experiment would multiply its rows. */
static int join_row(job *j, experiment **out, const qb_value *id, int src, qb_err *err)
{
  experiment *e = lookup_new(j, id);
  *out = e;
  if (!e) {
    count_orphan(j, id);
    return QB_OK;
  }
  if (e->seen & (1u << src))
    return QB_FAIL(err, QB_ECORRUPT,
                   "Join fan-out detected: %s holds more than one row for experiment_id %s, so the join would "
                   "multiply its %llu iterations; nothing was written",
                   src_names[src], e->id, (unsigned long long)e->expected);
  e->seen |= (uint8_t)(1u << src);
  return QB_OK;
}

static const char *const results_cols[] = {"experiment_id", "optimizer",        "ansatz_reps",    "seed",
                                           "default_shots", "num_qubits",       "total_iterations",
                                           "minimum_energy", "success"};
static int on_results(job *j, const qb_value *v, qb_err *err)
{
  experiment *e;
  int rc = join_row(j, &e, &v[0], SRC_RESULTS, err);
  if (rc || !e) return rc;
  if ((rc = set_ctx(j, e, QB_ML_CTX_OPTIMIZER, &v[1], QB_V_STRING, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_ANSATZ_REPS, &v[2], QB_V_INT64, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_SEED, &v[3], QB_V_INT64, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_DEFAULT_SHOTS, &v[4], QB_V_INT64, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_NUM_QUBITS, &v[5], QB_V_INT64, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_TOTAL_ITERATIONS, &v[6], QB_V_INT32, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_FINAL_ENERGY, &v[7], QB_V_DOUBLE, err)))
    return rc;
  return set_ctx(j, e, QB_ML_CTX_CONVERGED, &v[8], QB_V_BOOL, err);
}

static const char *const ansatz_cols[] = {"experiment_id", "basis_set", "ansatz_name", "init_strategy"};
static int on_ansatz(job *j, const qb_value *v, qb_err *err)
{
  experiment *e;
  int rc = join_row(j, &e, &v[0], SRC_ANSATZ, err);
  if (rc || !e) return rc;
  if ((rc = set_ctx(j, e, QB_ML_CTX_BASIS_SET, &v[1], QB_V_STRING, err)) ||
      (rc = set_ctx(j, e, QB_ML_CTX_ANSATZ_TYPE, &v[2], QB_V_STRING, err)))
    return rc;
  return set_ctx(j, e, QB_ML_CTX_INIT_STRATEGY, &v[3], QB_V_STRING, err);
}

static const char *const molecules_cols[] = {"experiment_id", "molecule_name", "atom_symbols", "charge",
                                             "multiplicity"};
static int on_molecules(job *j, const qb_value *v, qb_err *err)
{
  experiment *e;
  int rc = join_row(j, &e, &v[0], SRC_MOLECULES, err);
  if (rc || !e) return rc;
  if ((rc = set_ctx(j, e, QB_ML_CTX_MOLECULE_NAME, &v[1], QB_V_STRING, err))) return rc;
  /* num_atoms = size(atom_symbols): null for a null array (ANSI), the element count otherwise */
  if (v[2].kind == QB_V_LIST) {
    qb_value n = {.kind = QB_V_INT64, .u.i64 = (int64_t)v[2].u.seq.n};
    if ((rc = set_ctx(j, e, QB_ML_CTX_NUM_ATOMS, &n, QB_V_INT32, err))) return rc;
  }
  if ((rc = set_ctx(j, e, QB_ML_CTX_CHARGE, &v[3], QB_V_INT64, err))) return rc;
  return set_ctx(j, e, QB_ML_CTX_MULTIPLICITY, &v[4], QB_V_INT64, err);
}

static const char *const perf_cols[] = {"experiment_id", "vqe_time", "total_time"};
static int on_perf(job *j, const qb_value *v, qb_err *err)
{
  experiment *e;
  int rc = join_row(j, &e, &v[0], SRC_PERF, err);
  if (rc || !e) return rc;
  if ((rc = set_ctx(j, e, QB_ML_CTX_VQE_TIME, &v[1], QB_V_DOUBLE, err))) return rc;
  return set_ctx(j, e, QB_ML_CTX_TOTAL_TIME, &v[2], QB_V_DOUBLE, err);
}

/* §7.1 step 5: rows whose molecule_name, optimizer, basis_set or num_qubits is null are dropped. */
static bool has_null_key(const experiment *e)
{
  return e->ctx[QB_ML_CTX_MOLECULE_NAME].kind == QB_V_NULL || e->ctx[QB_ML_CTX_OPTIMIZER].kind == QB_V_NULL ||
         e->ctx[QB_ML_CTX_BASIS_SET].kind == QB_V_NULL || e->ctx[QB_ML_CTX_NUM_QUBITS].kind == QB_V_NULL;
}

/* ---- pass two: iterations, one experiment at a time ---------------------------------------------------- */

/* Rows staged per ML table before they go to its transaction: bounds the buffers (~2 MB) while keeping
 * the per-batch costs of qb_txn_write_batch small. */
#define ML_BATCH_ROWS 4096

static int begin_job(void *arg, qb_err *err)
{
  ml_slot *s = arg;
  return qb_vqe__txn_begin(&s->j->txn[s->k], s->j->ml[s->k], QB_TXN_FAST_APPEND, s->j->ml_schema[s->k], err);
}

/* ML table k's transaction, begun once (on the worker when there is one, in its queue's order). */
static int begin_txn(job *j, int k, qb_err *err)
{
  if (j->begun[k]) return QB_OK;
  j->begun[k] = true;
  if (!j->worker) return qb_vqe__txn_begin(&j->txn[k], j->ml[k], QB_TXN_FAST_APPEND, j->ml_schema[k], err);
  /* the slot only names the table here: begin_job reads s->j and s->k, never s->cols */
  return qb_worker_submit(j->worker, begin_job, &j->slot[k][0], NULL, err);
}

static int write_job(void *arg, qb_err *err)
{
  ml_slot *s = arg;
  int rc = qb_txn_write_batch(s->j->txn[s->k], qb_ml__cols_batch(&s->cols), s->cols.n_rows, err);
  qb_ml__cols_clear(&s->cols);
  return rc;
}

/* Hand ML table k's staged rows to its transaction: written here, or queued for the worker in exchange for
 * the empty set of the slot it wrote longest ago. */
static int flush_rows(job *j, int k, qb_err *err)
{
  qb_ml_cols *c = &j->cols[k];
  if (!c->n_rows) return QB_OK;
  if (!j->worker) {
    int rc = qb_txn_write_batch(j->txn[k], qb_ml__cols_batch(c), c->n_rows, err);
    qb_ml__cols_clear(c);
    return rc;
  }
  ml_slot *s = &j->slot[k][j->next_slot[k]];
  int rc = qb_worker_wait(j->worker, s->seq, err);
  if (rc) return rc;
  qb_ml_cols full = *c;
  *c = s->cols;
  s->cols = full;
  j->next_slot[k] = (j->next_slot[k] + 1) % ML_SETS;
  return qb_worker_submit(j->worker, write_job, s, &s->seq, err);
}

/* Rows of ML table k (0: iteration features, 1: run summary) go into one transaction begun on the first. */
static int write_row(job *j, int k, const qb_value *row, qb_err *err)
{
  int rc = begin_txn(j, k, err);
  if (rc == QB_OK) rc = qb_ml__cols_append(&j->cols[k], row, err);
  if (rc == QB_OK) j->rep->rows[k]++;
  if (rc == QB_OK && j->cols[k].n_rows >= ML_BATCH_ROWS) rc = flush_rows(j, k, err);
  return rc;
}

static int flush_iter_rows(void *ctx, qb_err *err) { return flush_rows(ctx, QB_ML_ITERATION_FEATURES, err); }
static int write_summary_row(void *ctx, const qb_value *row, qb_err *err) { return write_row(ctx, 1, row, err); }

static const char *const iteration_cols[] = {"experiment_id",  "iteration_step",       "iteration_energy",
                                             "energy_std_dev", "energy_delta",         "parameter_delta_norm",
                                             "cumulative_min_energy"};

static void read_double(const qb_value *v, double *out, uint8_t *nulls, uint8_t bit)
{
  switch (v->kind) {
  case QB_V_DOUBLE: *out = v->u.f64; break;
  case QB_V_FLOAT: *out = v->u.f32; break;
  case QB_V_INT64: *out = (double)v->u.i64; break; /* Spark infers bigint for all-integral batches */
  case QB_V_INT32: *out = v->u.i32; break;
  default: *out = 0; *nulls |= bit; break;
  }
}

static int on_iteration(job *j, const qb_value *v, qb_err *err)
{
  experiment *e = lookup_new(j, &v[0]);
  if (!e || e->done) return QB_OK;
  if (has_null_key(e)) { /* dropped wholesale: its window features would be thrown away */
    j->rep->rows_dropped++;
    if (++e->n_rows == e->expected) e->done = true;
    return QB_OK;
  }
  if (e->n_rows == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 64;
    if (cap > e->expected) cap = (size_t)e->expected;
    qb_ml_iter *r = realloc(e->rows, cap * sizeof *r);
    if (!r) return QB_FAIL(err, QB_ENOMEM, "out of memory buffering the iterations of %s", e->id);
    e->rows = r;
    e->cap = cap;
  }
  qb_ml_iter *it = &e->rows[e->n_rows];
  memset(it, 0, sizeof *it);
  it->seq = e->n_rows++;
  if (v[1].kind == QB_V_INT64 || v[1].kind == QB_V_INT32)
    it->step = v[1].kind == QB_V_INT64 ? v[1].u.i64 : v[1].u.i32;
  else
    it->nulls |= QB_ML_NULL_STEP;
  read_double(&v[2], &it->energy, &it->nulls, QB_ML_NULL_ENERGY);
  read_double(&v[3], &it->energy_std, &it->nulls, QB_ML_NULL_STD);
  read_double(&v[4], &it->energy_delta, &it->nulls, QB_ML_NULL_DELTA);
  read_double(&v[5], &it->pdn, &it->nulls, QB_ML_NULL_PDN);
  read_double(&v[6], &it->cmin, &it->nulls, QB_ML_NULL_CMIN);
  if (++j->buffered > j->rep->max_buffered_rows) j->rep->max_buffered_rows = j->buffered;
  j->rep->iterations_read++;
  if (e->n_rows < e->expected) return QB_OK;

  /* complete: every iteration counted in pass one is here (same snapshot); its iteration rows go to the
   * columns directly (qb_ml__experiment_cols), the summary row through write_row */
  int rc = QB_OK;
  qb_ml_iter_sink sink = {&j->cols[QB_ML_ITERATION_FEATURES], ML_BATCH_ROWS, flush_iter_rows};
  if (e->want_iter) rc = begin_txn(j, QB_ML_ITERATION_FEATURES, err);
  if (rc == QB_OK)
    rc = qb_ml__experiment_cols(e->rows, e->n_rows, e->id, e->ctx, j->date, e->want_iter ? &sink : NULL,
                                e->want_summary ? write_summary_row : NULL, j, err);
  if (rc == QB_OK && e->want_iter) j->rep->rows[QB_ML_ITERATION_FEATURES] += e->n_rows;
  j->buffered -= e->n_rows;
  free(e->rows);
  e->rows = NULL;
  e->cap = 0;
  e->done = true;
  return rc ? qb_err_wrap(err, "experiment %s", e->id) : QB_OK;
}

/* ---- what to read --------------------------------------------------------------------------------------- */

/* Source i of the job: 0 vqe_iterations, 1 + SRC_* the context tables. */
static const char *source_name(int i) { return i == 0 ? "vqe_iterations" : src_names[i - 1]; }
static qb_table *source_table(job *j, int i) { return i == 0 ? j->iters : j->src[i - 1]; }

/* `s` was committed right on top of `pos` (-1: none), or on compactions of it (`replace`: no rows added; one
 * that outlived `pos` names it as qberg.carried-from). Before, a `maintain compact` or `rewrite-manifests`
 * of a source table made the next batch read every stored id (found by exploreN). */
static bool on_top_of(const qb_table_metadata *md, const qb_snapshot *s, int64_t pos)
{
  int64_t at = s->has_parent ? s->parent_id : -1;
  for (size_t hops = 0; hops <= qb_table_metadata_n_snapshots(md); hops++) {
    if (at == pos) return true;
    const qb_snapshot *p = at >= 0 ? qb_table_metadata_snapshot_by_id(md, at) : NULL;
    if (!p || !p->operation || strcmp(p->operation, "replace")) return false;
    int64_t origin, parent;
    qb_snapshot_origin(p, &origin, &parent);
    if (origin == pos) return true;
    at = p->has_parent ? p->parent_id : -1;
  }
  return false;
}

/* May the ingest batch's membership replace ml_run_summary's ids? Only when what the incremental read sees
 * is exactly that batch: each source's current snapshot is the recorded position, or the batch's append
 * right on top of it (or on compactions of it: on_top_of). Rows stored before it were then all consumed by earlier runs and, nothing being
 * pending, are all in ml_run_summary, which is what "stored before the batch" answers. */
static void choose_membership(job *j, qb_table *summary)
{
  const char *why = NULL;
  const qb_table_metadata *md;
  qb_err e = QB_ERR_INIT;
  if (!j->incr)
    why = "whole-table run";
  else if (!j->membership)
    why = "no ingest batch to ask (qberg features on its own)";
  for (int i = 0; !why && i <= SRC_COUNT; i++) {
    int64_t pos = j->after[i] == QB_UNASSIGNED ? -1 : j->after[i];
    if (j->read_at[i] == pos) continue;
    const qb_snapshot *s = NULL;
    if (qb_table_get_metadata(&md, source_table(j, i), &e) == QB_OK) s = qb_table_metadata_current_snapshot(md);
    const char *b = s ? qb_snapshot_summary_get(s, "qberg.batch-id") : NULL;
    if (!s || !b || strcmp(b, j->batch) || !s->operation || strcmp(s->operation, "append") || !on_top_of(md, s, pos))
      why = "a source table changed since the ML tables' position by more than this ingest batch's append";
  }
  int64_t total = -1;
  if (!why) {
    const qb_snapshot *s = NULL;
    if (summary && qb_table_get_metadata(&md, summary, &e) == QB_OK) s = qb_table_metadata_current_snapshot(md);
    const char *t = s ? qb_snapshot_summary_get(s, "total-records") : NULL;
    if (!t || !qb_str_to_i64(t, &total) || total < 0) why = "ml_run_summary's snapshot has no total-records";
  }
  j->use_membership = !why;
  j->summary_rows = why ? 0 : (uint64_t)total;
  snprintf(j->rep->stored_ids_reason, sizeof j->rep->stored_ids_reason, "%s", why ? why : "");
}

/* Incremental when both ML tables' current snapshots (before any compaction) recorded the same source
 * positions and nothing pending; else the whole tables (the reason goes to the report). */
static int choose_read(job *j, qb_err *err)
{
  const qb_table_metadata *md;
  for (int i = 0; i <= SRC_COUNT; i++) {
    int rc = qb_table_get_metadata(&md, source_table(j, i), err);
    if (rc) return rc;
    j->read_at[i] = qb_table_metadata_current_snapshot_id(md);
    j->after[i] = QB_UNASSIGNED;
  }
  const qb_snapshot *cur[QB_ML_TABLE_COUNT];
  const char *why = NULL;
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    int rc = qb_table_get_metadata(&md, j->ml[t], err);
    if (rc) return rc;
    cur[t] = qb_table_metadata_current_snapshot(md);
    if (!cur[t]) why = "first run of the ML tables";
    /* a compaction of the ML table (replace: same rows) keeps the positions of the snapshot it replaced; a
     * qberg compaction carries them (a pending count is always recorded with them), even once that
     * snapshot expired */
    while (cur[t] && cur[t]->operation && !strcmp(cur[t]->operation, "replace") &&
           !qb_snapshot_summary_get(cur[t], QB_ML_PENDING_KEY)) {
      cur[t] = cur[t]->has_parent ? qb_table_metadata_snapshot_by_id(md, cur[t]->parent_id) : NULL;
      if (!cur[t] && !why) why = "an ML table was compacted and the snapshot before the compaction expired";
    }
  }
  for (int i = 0; !why && i <= SRC_COUNT; i++) {
    char key[64];
    snprintf(key, sizeof key, QB_ML_SOURCE_KEY_PREFIX "%s", source_name(i));
    const char *a = qb_snapshot_summary_get(cur[0], key), *b = qb_snapshot_summary_get(cur[1], key);
    int64_t v;
    if (!a || !b)
      why = "the ML tables' current snapshots record no source positions";
    else if (strcmp(a, b))
      why = "the ML tables record different source positions (a run stopped between their two commits)";
    else if (!qb_str_to_i64(a, &v))
      why = "an ML table records an unreadable source position";
    else
      j->after[i] = v < 0 ? QB_UNASSIGNED : v; /* -1: the source had no snapshot, all of it is new */
  }
  if (!why) {
    const char *a = qb_snapshot_summary_get(cur[0], QB_ML_PENDING_KEY);
    const char *b = qb_snapshot_summary_get(cur[1], QB_ML_PENDING_KEY);
    if (!a || !b || strcmp(a, "0") || strcmp(b, "0"))
      why = "experiments pending from an earlier run (dropped for a null join key, or context without iterations)";
  }
  j->incr = !why;
  if (why) snprintf(j->rep->full_scan_reason, sizeof j->rep->full_scan_reason, "%s", why);
  choose_membership(j, cur[QB_ML_RUN_SUMMARY] ? j->ml[QB_ML_RUN_SUMMARY] : NULL);
  return QB_OK;
}

/* The summary entries of an ML table's commit: the source snapshots read and what a later run must
 * re-examine whole. In the same commit as the rows, so a crash cannot separate them. */
static int set_positions(job *j, qb_txn *txn, qb_err *err)
{
  char key[64], val[32];
  int rc = QB_OK;
  for (int i = 0; rc == QB_OK && i <= SRC_COUNT; i++) {
    snprintf(key, sizeof key, QB_ML_SOURCE_KEY_PREFIX "%s", source_name(i));
    snprintf(val, sizeof val, "%lld", (long long)j->read_at[i]);
    rc = qb_txn_set_summary(txn, key, val, err);
  }
  snprintf(val, sizeof val, "%llu", (unsigned long long)(j->rep->experiments_dropped + j->orphans));
  return rc ? rc : qb_txn_set_summary(txn, QB_ML_PENDING_KEY, val, err);
}

/* Forget what an abandoned incremental read found (nothing was committed; the read counters stay). The
 * worker finishes what it was given first: the transactions are then this thread's to abort. */
static int reset_compute(job *j, qb_err *err)
{
  int rc = j->worker ? qb_worker_drain(j->worker, err) : QB_OK;
  if (rc) return rc;
  drop_new(j);
  j->last = NULL; /* its experiment was in the arena released below */
  qb_arena_release(&j->arena);
  qb_arena_init(&j->arena, 64 << 10);
  qb_u64set_free(&j->seen_old);
  qb_u64set_init(&j->seen_old);
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    qb_u64set_free(&j->stored[t]);
    qb_u64set_init(&j->stored[t]);
    qb_txn_abort(j->txn[t]);
    j->txn[t] = NULL;
    j->begun[t] = false;
    qb_ml__cols_clear(&j->cols[t]);
    j->rep->rows[t] = 0;
  }
  qb_features_report *r = j->rep;
  r->experiments_seen = r->experiments_new = r->experiments_dropped = r->rows_dropped = 0;
  r->iterations_read = r->max_buffered_rows = 0;
  j->null_id_rows = j->buffered = j->orphans = 0;
  j->need_full = j->need_ids = false;
  return QB_OK;
}

/* §7.1 steps 2–6: stored ids, pass one, context, pass two (rows into the transactions). Returns QB_OK with
 * j->need_full set when an incremental read cannot decide. */
static int compute(job *j, qb_err *err)
{
  qb_features_report *rep = j->rep;
  const char *id_col[1] = {"experiment_id"};
  int rc = QB_OK;
  /* per ML table, so that a crash between the two commits is completed by the next run (a full one: the
   * tables then record different positions) */
  if (!j->incr && !j->was_empty[0]) rc = scan_columns(j, j->ml[0], j->ml_schema[0], -1, id_col, 1, on_stored_iter, err);
  if (rc == QB_OK && !j->was_empty[1] && !j->use_membership)
    rc = scan_columns(j, j->ml[1], j->ml_schema[1], -1, id_col, 1, on_stored_summary, err);
  if (rc == QB_OK) rc = scan_columns(j, j->iters, j->iters_schema, 0, id_col, 1, on_iter_id, err);
  if (rc || j->need_full || j->need_ids) return rc;
  /* incremental: every experiment of the data read before is stored (nothing pending) */
  uint64_t stored = j->use_membership ? j->summary_rows : j->stored[QB_ML_RUN_SUMMARY].count;
  rep->experiments_seen = (j->incr ? stored : j->seen_old.count) + j->n_new;
  rep->experiments_new = j->n_new;
  rep->rows_dropped = j->null_id_rows;

  /* context of the new experiments (LEFT JOIN USING experiment_id, fan-out refused) */
  if (rep->experiments_new == 0) return QB_OK;
  rc = scan_source(j, SRC_RESULTS, results_cols, COUNT(results_cols), on_results, err);
  if (rc == QB_OK && !j->need_full && !j->need_ids)
    rc = scan_source(j, SRC_ANSATZ, ansatz_cols, COUNT(ansatz_cols), on_ansatz, err);
  if (rc == QB_OK && !j->need_full && !j->need_ids)
    rc = scan_source(j, SRC_MOLECULES, molecules_cols, COUNT(molecules_cols), on_molecules, err);
  if (rc == QB_OK && !j->need_full && !j->need_ids)
    rc = scan_source(j, SRC_PERF, perf_cols, COUNT(perf_cols), on_perf, err);
  if (rc || j->need_full || j->need_ids) return rc;
  for (experiment *e = j->first_new; e; e = e->next) {
    /* a new experiment's iterations are all in the appended data, its context rows need not be: a missing
     * one may sit in older data (and a second one there would be a fan-out) */
    if (j->incr && e->seen != (1u << SRC_COUNT) - 1) {
      snprintf(rep->full_scan_reason, sizeof rep->full_scan_reason,
               "experiment %.64s lacks context rows in the appended data", e->id);
      j->need_full = true;
      return QB_OK;
    }
    if (has_null_key(e)) rep->experiments_dropped++;
  }

  /* pass two */
  rc = scan_columns(j, j->iters, j->iters_schema, 0, iteration_cols, COUNT(iteration_cols), on_iteration, err);
  if (rc == QB_OK && j->need_full) /* the same range as pass one, which opened */
    return QB_FAIL(err, QB_EINTERNAL, "vqe_iterations: the incremental read failed in pass two");
  for (experiment *e = j->first_new; rc == QB_OK && e; e = e->next) {
    if (!e->done)
      rc = QB_FAIL(err, QB_EINTERNAL, "experiment %s: %zu of %llu iterations read twice", e->id, e->n_rows,
                   (unsigned long long)e->expected);
  }
  return rc;
}

/* ---- the run -------------------------------------------------------------------------------------------- */

/* A VQE table the ML features read (`write`: and write), with the pipeline's schema of it in *schema_out. */
static int load_table(qb_table **out, qb_schema **schema_out, qb_catalog *cat, const char *name, bool write,
                      qb_err *err)
{
  char ident[128];
  snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, name);
  qb_vqe_table vt;
  int rc = qb_vqe_table_lookup(&vt, name, err);
  if (rc == QB_OK) rc = qb_vqe_table_schema(schema_out, vt, err);
  if (rc == QB_OK) rc = qb_table_load(out, cat, ident, err);
  if (rc == QB_ENOTFOUND)
    return qb_err_wrap(err, "the ML features need %s: run qberg ingest first", ident);
  qb_schema *bound = NULL;
  if (rc == QB_OK) rc = qb_vqe__bind_schema(&bound, *out, *schema_out, write, err);
  if (rc == QB_OK) {
    qb_schema_free(*schema_out);
    *schema_out = bound;
  }
  return rc ? qb_err_wrap(err, "table %s", ident) : QB_OK;
}

static qb_value str_value(const char *s)
{
  qb_value v;
  v.kind = QB_V_STRING;
  v.u.bytes.p = (const uint8_t *)s;
  v.u.bytes.n = strlen(s);
  return v;
}

/* The audit row (same columns as the ingest's, §4.11): the two ML tables, their tags and counts. */
static int write_audit(job *j, const char *batch, int64_t ts_us, int32_t date, qb_err *err)
{
  qb_value names[QB_ML_TABLE_COUNT], vers[QB_ML_TABLE_COUNT], cnts[QB_ML_TABLE_COUNT];
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    names[t] = str_value(table_names[t]);
    vers[t] = str_value(j->rep->versions[t]);
    cnts[t].kind = QB_V_INT64;
    cnts[t].u.i64 = j->rep->rows[t];
  }
  char info[160];
  snprintf(info, sizeof info, "ML feature processing of %llu new experiments from %s.vqe_iterations",
           (unsigned long long)j->rep->experiments_new, QB_VQE_NAMESPACE);
  qb_value items[8];
  items[0] = str_value(batch);
  items[1] = str_value(QB_ML_PROCESSING_NAME);
  items[2].kind = QB_V_INT64;
  items[2].u.i64 = ts_us;
  items[3].kind = QB_V_INT32;
  items[3].u.i32 = date;
  items[4].kind = items[5].kind = items[6].kind = QB_V_LIST;
  items[4].u.seq.items = names;
  items[5].u.seq.items = vers;
  items[6].u.seq.items = cnts;
  items[4].u.seq.n = items[5].u.seq.n = items[6].u.seq.n = QB_ML_TABLE_COUNT;
  items[7] = str_value(info);
  qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 8}};
  qb_txn *txn = NULL;
  int rc = qb_vqe__txn_begin(&txn, j->meta, QB_TXN_APPEND, j->meta_schema, err);
  if (rc == QB_OK && (rc = qb_txn_write(txn, &row, err)) == QB_OK) {
    rc = qb_txn_commit(txn, NULL, err);
    txn = NULL;
  }
  qb_txn_abort(txn);
  return rc ? qb_err_wrap(err, "writing processing_metadata") : QB_OK;
}

/* A --batch-id given to a run on its own whose ML run already completed (its audit row is written after
 * the ML tables' commits) would move that run's v_/v_incr_ tags to this one and record two runs under one
 * id: refused, as the ingest refuses a completed batch id. One filtered scan, only for a given id. */
static int check_batch_id_unused(job *j, const char *batch, qb_err *err)
{
  bool used;
  int rc = qb_vqe__audit_row_exists(&used, j->meta, j->meta_schema, batch, QB_ML_PROCESSING_NAME, err);
  if (rc == QB_OK && used)
    rc = QB_FAIL(err, QB_EEXISTS,
                 "batch id %s names an ML run that completed (it has a %s row in %s.processing_metadata): a "
                 "batch id names one run; give a new one, or none",
                 batch, QB_ML_PROCESSING_NAME, QB_VQE_NAMESPACE);
  return rc;
}

int qb__features_check(qb_catalog *cat, qb_err *err)
{
  const char *now[16];
  static const char *const id_col[] = {"experiment_id"};
  struct {
    const char *table;
    const char *const *cols;
    size_t n;
  } reads[] = {{"vqe_iterations", iteration_cols, sizeof iteration_cols / sizeof *iteration_cols},
               {"vqe_results", results_cols, sizeof results_cols / sizeof *results_cols},
               {"ansatz_info", ansatz_cols, sizeof ansatz_cols / sizeof *ansatz_cols},
               {"molecules", molecules_cols, sizeof molecules_cols / sizeof *molecules_cols},
               {"performance_metrics", perf_cols, sizeof perf_cols / sizeof *perf_cols},
               {"processing_metadata", NULL, 0}};
  int rc = QB_OK;
  for (size_t i = 0; rc == QB_OK && i < sizeof reads / sizeof reads[0]; i++) {
    qb_table *t = NULL;
    qb_schema *schema = NULL;
    rc = load_table(&t, &schema, cat, reads[i].table, reads[i].n == 0, err);
    if (rc == QB_OK && reads[i].n) rc = qb_vqe__column_names(now, t, schema, reads[i].cols, reads[i].n, err);
    qb_table_free(t);
    qb_schema_free(schema);
  }
  for (int k = 0; rc == QB_OK && k < QB_ML_TABLE_COUNT; k++) {
    char ident[128];
    snprintf(ident, sizeof ident, "%s.%s", QB_VQE_NAMESPACE, table_names[k]);
    qb_table *t = NULL;
    qb_schema *schema = NULL, *bound = NULL;
    qb_partition_field fields[2];
    qb_partition_spec spec;
    rc = qb_ml_table_schema(&schema, &spec, fields, (qb_ml_table)k, err);
    if (rc == QB_OK && (rc = qb_table_load(&t, cat, ident, err)) == QB_ENOTFOUND) {
      qb_err_clear(err); /* created by the ML phase */
      rc = QB_OK;
    } else if (rc == QB_OK) {
      rc = qb_vqe__bind_schema(&bound, t, schema, true, err);
      if (rc == QB_OK) rc = qb_vqe__column_names(now, t, bound, id_col, 1, err);
    }
    qb_table_free(t);
    qb_schema_free(schema);
    qb_schema_free(bound);
  }
  return rc ? qb_err_wrap(err, "the ML features") : QB_OK;
}

int qb__features_run_locked(qb_features_report *rep, qb_catalog *cat, const qb_features_options *opts,
                            qb_ingest_lock *lock, qb_err *err)
{
  int64_t t0 = qb_mono_ns();
  memset(rep, 0, sizeof *rep);
  job j;
  memset(&j, 0, sizeof j);
  j.rep = rep;
  unsigned threads = qb_thread_count(opts && opts->version >= 3 ? opts->threads : 0);
  qb_arena_init(&j.arena, 64 << 10);
  qb_u64set_init(&j.seen_old);
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    qb_u64set_init(&j.stored[t]);
    rep->snapshot_ids[t] = -1;
    snprintf(rep->versions[t], sizeof rep->versions[t], "no_changes");
  }
  qb_vqe_meta meta;
  char batch[37], hex[33];
  if (opts && opts->batch_id)
    snprintf(batch, sizeof batch, "%s", opts->batch_id);
  else
    qb_uuid_v4(batch);
  qb_vqe_meta_init(&meta, opts && opts->timestamp_us >= 0 ? opts->timestamp_us : qb_now_ms() * 1000, batch);
  j.date = meta.processing_date;
  snprintf(rep->batch_id, sizeof rep->batch_id, "%s", batch);
  size_t hn = 0;
  for (const char *p = batch; *p && hn < 32; p++)
    if (*p != '-') hex[hn++] = *p;
  hex[hn] = '\0';

  int rc = QB_OK;
  for (int t = 0; rc == QB_OK && t < QB_ML_TABLE_COUNT; t++) {
    const ml_col *cols = t == QB_ML_ITERATION_FEATURES ? iter_cols : summary_cols;
    size_t n = t == QB_ML_ITERATION_FEATURES ? QB_ML_ITER_COLUMNS : QB_ML_SUMMARY_COLUMNS;
    const char *types[QB_ML_MAX_COLUMNS];
    for (size_t i = 0; i < n; i++) types[i] = cols[i].type;
    rc = qb_ml__cols_init(&j.cols[t], types, n, err);
    for (int i = 0; rc == QB_OK && threads > 1 && i < ML_SETS; i++) {
      j.slot[t][i].j = &j;
      j.slot[t][i].k = t;
      rc = qb_ml__cols_init(&j.slot[t][i].cols, types, n, err);
    }
  }
  /* a worker that cannot start (EAGAIN: the process's thread limit) leaves the run on one thread */
  if (rc == QB_OK && threads > 1) {
    qb_err werr = QB_ERR_INIT;
    if (qb_worker_new(&j.worker, 2 * ML_SETS + 2, &werr) != QB_OK) j.worker = NULL;
  }
  rep->threads = j.worker ? 2 : 1;
  if (rc == QB_OK) rc = load_table(&j.iters, &j.iters_schema, cat, "vqe_iterations", false, err);
  for (int s = 0; rc == QB_OK && s < SRC_COUNT; s++)
    rc = load_table(&j.src[s], &j.src_schema[s], cat, src_names[s], false, err);
  if (rc == QB_OK) rc = load_table(&j.meta, &j.meta_schema, cat, "processing_metadata", true, err);
  /* a run on its own (an ingest's ML phase runs under the batch id the ingest checked) */
  if (rc == QB_OK && opts && opts->batch_id && !(opts->version >= 2 && opts->membership))
    rc = check_batch_id_unused(&j, batch, err);
  for (int t = 0; rc == QB_OK && t < QB_ML_TABLE_COUNT; t++) {
    const qb_table_metadata *md;
    rc = ensure_ml_table(&j.ml[t], &j.ml_schema[t], cat, (qb_ml_table)t, err);
    /* under the warehouse's lock: a hint a killed run left stale names the current version again */
    if (rc == QB_OK && lock) rc = qb_table_repair_version_hint(j.ml[t], NULL, err);
    if (rc == QB_OK) rc = qb_table_get_metadata(&md, j.ml[t], err);
    if (rc == QB_OK) j.was_empty[t] = qb_table_metadata_current_snapshot_id(md) < 0;
  }
  if (opts && opts->version >= 2) {
    j.membership = opts->membership;
    j.membership_ctx = opts->membership_ctx;
  }
  j.batch = batch;
  if (rc == QB_OK) rc = choose_read(&j, err);
  if (rc == QB_OK) rc = compute(&j, err);
  if (rc == QB_OK && j.need_ids) { /* the batch could not answer for an experiment: read the stored ids */
    rc = reset_compute(&j, err);
    j.use_membership = false;
    if (rc == QB_OK) rc = compute(&j, err);
  }
  if (rc == QB_OK && j.need_full) { /* what the incremental read found cannot be decided from it: redo whole */
    rc = reset_compute(&j, err);
    j.incr = j.use_membership = false;
    snprintf(rep->stored_ids_reason, sizeof rep->stored_ids_reason, "whole-table run");
    if (rc == QB_OK) rc = compute(&j, err);
  }
  rep->incremental = j.incr;
  if (rc) goto done;

  /* commit each table with its tag, then the audit row */
  for (int t = 0; rc == QB_OK && t < QB_ML_TABLE_COUNT; t++) {
    if (!j.begun[t]) continue;
    if ((rc = qb__ingest_lock_check(lock, err)) != QB_OK) break; /* a lost lease: write no more */
    /* the last rows, then the transaction is this thread's again (flush, drain, commit per table: the
     * random draws in the order of one thread) */
    if ((rc = flush_rows(&j, t, err)) == QB_OK && j.worker) rc = qb_worker_drain(j.worker, err);
    if (rc) {
      qb_err_wrap(err, "committing %s", table_names[t]);
      break;
    }
    snprintf(rep->versions[t], sizeof rep->versions[t], "%s%s", j.was_empty[t] ? "v_" : "v_incr_", hex);
    qb_txn_result res;
    if ((rc = set_positions(&j, j.txn[t], err)) == QB_OK &&
        (rc = qb_txn_set_summary(j.txn[t], "qberg.batch-id", batch, err)) == QB_OK &&
        (rc = qb_txn_tag(j.txn[t], rep->versions[t], -1, err)) == QB_OK) {
      rc = qb_txn_commit(j.txn[t], &res, err);
      j.txn[t] = NULL;
      if (rc == QB_OK) rep->snapshot_ids[t] = res.snapshot_id;
    }
    if (rc) qb_err_wrap(err, "committing %s", table_names[t]);
  }
  /* one audit row per run, as the ingest writes one (also when nothing was new) */
  if (rc == QB_OK) rc = write_audit(&j, batch, meta.processing_timestamp_us, meta.processing_date, err);

done:
  qb_worker_free(j.worker); /* joined before its transactions are aborted */
  drop_new(&j);
  for (int t = 0; t < QB_ML_TABLE_COUNT; t++) {
    qb_txn_abort(j.txn[t]);
    qb_ml__cols_free(&j.cols[t]);
    for (int i = 0; i < ML_SETS; i++) qb_ml__cols_free(&j.slot[t][i].cols);
    qb_table_free(j.ml[t]);
    qb_schema_free(j.ml_schema[t]);
    qb_u64set_free(&j.stored[t]);
  }
  for (int s = 0; s < SRC_COUNT; s++) {
    qb_table_free(j.src[s]);
    qb_schema_free(j.src_schema[s]);
  }
  qb_table_free(j.iters);
  qb_table_free(j.meta);
  qb_schema_free(j.iters_schema);
  qb_schema_free(j.meta_schema);
  qb_u64set_free(&j.seen_old);
  qb_arena_release(&j.arena);
  rep->seconds = (double)(qb_mono_ns() - t0) / 1e9;
  return rc ? qb_err_wrap(err, "ML features (batch %s)", batch) : QB_OK;
}

/* A run on its own holds the warehouse's ingest lock (ingest_lock.h); an ingest's ML phase runs under its
 * batch's (qb__features_run_locked). */
int qb_features_run(qb_features_report *rep, qb_catalog *cat, const qb_features_options *opts, qb_err *err)
{
  qb_ingest_lock *lock = NULL;
  if (!(opts && opts->version >= 2 && opts->membership)) {
    int rc = qb__ingest_lock(&lock, cat, "features", err);
    if (rc) {
      memset(rep, 0, sizeof *rep);
      return qb_err_wrap(err, "ML features");
    }
  }
  int rc = qb__features_run_locked(rep, cat, opts, lock, err);
  qb__ingest_unlock(lock);
  return rc;
}
