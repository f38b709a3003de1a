/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the ML feature job (ml_features.c: tables, scans, commits) and its per-experiment
 * computation (ml_window.c: pipeline-spec §7.2–§7.4 with Spark's window and aggregate semantics). */
#ifndef QB_PIPELINE_ML_FEATURES_INT_H
#define QB_PIPELINE_ML_FEATURES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/ingest_lock.h"
#include "qberg/err.h"
#include "qberg/features.h"
#include "qberg/parquet.h"
#include "qberg/value.h"
#include "util/buf.h"

/* Null bits of one iteration. */
enum {
  QB_ML_NULL_STEP = 1 << 0,
  QB_ML_NULL_ENERGY = 1 << 1,
  QB_ML_NULL_STD = 1 << 2,
  QB_ML_NULL_DELTA = 1 << 3,
  QB_ML_NULL_PDN = 1 << 4,
  QB_ML_NULL_CMIN = 1 << 5
};

/** One vqe_iterations row of an experiment. */
typedef struct qb_ml_iter {
  int64_t step;         /* iteration_step */
  double energy;        /* iteration_energy */
  double energy_std;    /* energy_std_dev */
  double energy_delta;  /* energy_delta */
  double pdn;           /* parameter_delta_norm */
  double cmin;          /* cumulative_min_energy */
  uint64_t seq;         /* position in the scan: breaks ties of iteration_step deterministically */
  uint8_t nulls;        /* QB_ML_NULL_* */
  uint8_t new_min;      /* is_new_minimum (computed) */
} qb_ml_iter;

/** The joined context columns of an experiment (LEFT JOINs: a missing row leaves them null). */
enum {
  QB_ML_CTX_MOLECULE_NAME = 0, /* molecules */
  QB_ML_CTX_NUM_ATOMS,         /* size(molecules.atom_symbols), int */
  QB_ML_CTX_NUM_QUBITS,        /* vqe_results */
  QB_ML_CTX_CHARGE,            /* molecules */
  QB_ML_CTX_MULTIPLICITY,      /* molecules */
  QB_ML_CTX_BASIS_SET,         /* ansatz_info */
  QB_ML_CTX_OPTIMIZER,         /* vqe_results */
  QB_ML_CTX_ANSATZ_TYPE,       /* ansatz_info.ansatz_name */
  QB_ML_CTX_ANSATZ_REPS,       /* vqe_results */
  QB_ML_CTX_INIT_STRATEGY,     /* ansatz_info */
  QB_ML_CTX_SEED,              /* vqe_results */
  QB_ML_CTX_DEFAULT_SHOTS,     /* vqe_results */
  QB_ML_CTX_TOTAL_ITERATIONS,  /* vqe_results, int */
  QB_ML_CTX_FINAL_ENERGY,      /* vqe_results.minimum_energy */
  QB_ML_CTX_CONVERGED,         /* vqe_results.success */
  QB_ML_CTX_VQE_TIME,          /* performance_metrics */
  QB_ML_CTX_TOTAL_TIME,        /* performance_metrics */
  QB_ML_CTX_N
};

#define QB_ML_ITER_COLUMNS 34
#define QB_ML_SUMMARY_COLUMNS 35

/** Receives one row (QB_V_STRUCT in the table's column order), valid during the call only. */
typedef int (*qb_ml_row_fn)(void *ctx, const qb_value *row, qb_err *err);

/**
 * The rows of one experiment: sorts `rows` by (iteration_step nulls first, seq), computes the window
 * features, calls iter_fn once per iteration (if non-NULL) and summary_fn once (if non-NULL).
 * `ctx` holds QB_ML_CTX_N values (kinds as in the tables: strings, INT64, INT32, DOUBLE, BOOL or NULL).
 * `date` is processing_date (days since 1970-01-01). n must be >= 1.
 */
int qb_ml__experiment(qb_ml_iter *rows, size_t n, const char *experiment_id, const qb_value *ctx, int32_t date,
                      qb_ml_row_fn iter_fn, qb_ml_row_fn summary_fn, void *fn_ctx, qb_err *err);

/** Where qb_ml__experiment_cols stages ml_iteration_features rows: `cols`, handed on by flush(fn_ctx) each
 *  time they hold batch_rows rows — the batches qb_ml__cols_append row by row with that bound makes. */
typedef struct qb_ml_iter_sink {
  struct qb_ml_cols *cols;
  size_t batch_rows;                     /* >= 1 */
  int (*flush)(void *ctx, qb_err *err);
} qb_ml_iter_sink;

/**
 * qb_ml__experiment with the iteration rows staged in sink->cols (the same values, row order and batches
 * as iter_fn + qb_ml__cols_append + a flush at batch_rows), without a qb_value row per iteration.
 */
int qb_ml__experiment_cols(qb_ml_iter *rows, size_t n, const char *experiment_id, const qb_value *ctx, int32_t date,
                           const qb_ml_iter_sink *sink, qb_ml_row_fn summary_fn, void *fn_ctx, qb_err *err);

/* ---- ml_cols.c: rows staged column by column for qb_txn_write_batch ---- */

#define QB_ML_MAX_COLUMNS QB_ML_SUMMARY_COLUMNS

typedef struct qb_ml_col {
  qb_vkind kind;     /* of the non-null values: STRING, INT64, INT32 (int, date), DOUBLE, BOOL */
  qb_pq_type type;
  size_t width;       /* bytes per value; 0 for BYTE_ARRAY (values + offsets) */
  qb_buf values, offsets, valid;
} qb_ml_col;

typedef struct qb_ml_cols {
  size_t n_cols, n_rows;
  size_t room_rows; /* rows that fit every valid, fixed-width values and offsets buffer without a reserve */
  qb_ml_col cols[QB_ML_MAX_COLUMNS];
  qb_pq_column_batch batch[QB_ML_MAX_COLUMNS];
} qb_ml_cols;

/** Empty buffers for columns of the given Iceberg types ("string", "long", "int", "date", "double",
 *  "boolean"). */
int qb_ml__cols_init(qb_ml_cols *c, const char *const *types, size_t n_cols, qb_err *err);
/** NULL-safe on a zeroed struct. */
void qb_ml__cols_free(qb_ml_cols *c);
/** Drop the buffered rows (the allocations stay). */
void qb_ml__cols_clear(qb_ml_cols *c);
/** Append one row (QB_V_STRUCT, one value per column, of the column's kind or NULL). On failure the
 *  buffers hold part of a row: the caller abandons them. */
int qb_ml__cols_append(qb_ml_cols *c, const qb_value *row, qb_err *err);
/* Whole rows staged column by column (qb_ml__experiment_cols: the columns constant over an experiment are
 * filled for all its rows at once, the others written row by row into bytes it claims after a reserve).
 * The caller reserves, fills or writes every column for `count` rows, then adds them. */
/** Room for `rows` more rows in every valid, fixed-width values and offsets buffer (string bytes excluded;
 *  made at least 256 rows at a time, counted in room_rows). */
int qb_ml__cols_reserve(qb_ml_cols *c, size_t rows, qb_err *err);
/** `count` copies of `v` (the column's kind or NULL) in column k; room reserved for them. */
int qb_ml__cols_fill(qb_ml_cols *c, size_t k, const qb_value *v, size_t count, qb_err *err);
/** `count` rows are complete in every column. */
void qb_ml__cols_add_rows(qb_ml_cols *c, size_t count);
/** The buffered rows as qb_txn_write_batch takes them; valid until the next append or clear. */
const qb_pq_column_batch *qb_ml__cols_batch(qb_ml_cols *c);

/* Whether the ML phase can run on the warehouse's tables as users may have evolved them (docs/PIPELINE.md
 * "Schema changes"), without writing anything: the columns it reads are in the source tables (by field id),
 * and the ML tables that exist take its rows. The ingest asks before its batch writes anything, so such a
 * change fails the run there, not after the feature tables were committed. QB_EINVAL naming the table and
 * the column otherwise. */
int qb__features_check(qb_catalog *cat, qb_err *err);

/* qb_features_run under a warehouse lock the caller holds (the ingest's ML phase): the lock is checked
 * before each commit (qb__ingest_lock_check); NULL: none. */
int qb__features_run_locked(qb_features_report *rep, qb_catalog *cat, const qb_features_options *opts,
                            qb_ingest_lock *lock, qb_err *err);

#endif
