/* SPDX-License-Identifier: Apache-2.0 */
/* The ML feature tables of `quantum_features` (pipeline-spec §7, docs/PIPELINE.md "ML feature tables"):
 * ml_iteration_features (one row per VQE iteration, window features as Spark computes them) and
 * ml_run_summary (one row per experiment), computed incrementally from the feature tables. */
#ifndef QBERG_FEATURES_H
#define QBERG_FEATURES_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/schema.h"

/** The two ML tables, in the order they are written. */
typedef enum qb_ml_table { QB_ML_ITERATION_FEATURES = 0, QB_ML_RUN_SUMMARY, QB_ML_TABLE_COUNT } qb_ml_table;

/** The processing_name of the ML runs' processing_metadata rows. */
#define QB_ML_PROCESSING_NAME "quantum_ml_feature_processing"

/** "ml_iteration_features", "ml_run_summary"; NULL when t is out of range. */
QB_API const char *qb_ml_table_name(qb_ml_table t);

/**
 * The table's Iceberg schema (schema id 0; columns 1..n in the spec's order, every one optional, as Spark's
 * CTAS creates them) and its identity partition spec (spec id 0, field ids 1000…): processing_date for
 * ml_iteration_features, processing_date then basis_set for ml_run_summary. Free the schema with
 * qb_schema_free; `fields` is storage for spec->fields.
 */
QB_API int qb_ml_table_schema(qb_schema **out, qb_partition_spec *spec, qb_partition_field fields[2],
                              qb_ml_table t, qb_err *err) QB_WUR;

/** What an ingest batch knows about an experiment of the rows it appended (qb_features_options.membership). */
typedef enum qb_features_membership {
  QB_FEATURES_UNKNOWN = 0, /* cannot say: the run reads the ML tables' experiment ids */
  QB_FEATURES_NEW,         /* no row of it was stored before the batch */
  QB_FEATURES_STORED,      /* its vqe_iterations rows were stored before the batch (an earlier qberg batch) */
} qb_features_membership;

typedef qb_features_membership (*qb_features_membership_fn)(void *ctx, const char *experiment_id, size_t n);

typedef struct qb_features_options {
  unsigned version;     /* QB_FEATURES_OPTIONS_VERSION */
  const char *batch_id; /* processing_batch_id of the audit row and the tags; NULL: a new UUID */
  int64_t timestamp_us; /* the run's time (processing_date = its UTC day); -1: now (QB_TEST_NOW applies) */
  /* version 2. The ingest batch `batch_id` that just committed the source tables can answer "was this
   * experiment stored before?" from its experiment index. An incremental run whose appended data is
   * exactly that batch's snapshots then asks it instead of reading the experiment_id column of
   * ml_run_summary (one row per stored experiment). NULL: read the column. */
  qb_features_membership_fn membership;
  void *membership_ctx;
  /* version 3. 1: one thread; 2: the ML tables' rows are encoded and written on a second thread while
   * the calling thread reads and computes (the same bytes); 0: 2 when the process may run on two CPUs or
   * more (more than 2 is 2). Older option structs run as 0. */
  unsigned threads;
} qb_features_options;

#define QB_FEATURES_OPTIONS_VERSION 3
#define QB_FEATURES_OPTIONS_INIT {QB_FEATURES_OPTIONS_VERSION, NULL, -1, NULL, NULL, 0}

/** What one run did. */
typedef struct qb_features_report {
  char batch_id[37];
  uint64_t experiments_seen;    /* distinct experiment ids in vqe_iterations */
  uint64_t experiments_new;     /* missing from ml_iteration_features or ml_run_summary: computed */
  uint64_t experiments_dropped; /* of those, dropped for a null join key */
  uint64_t rows_dropped;        /* iterations dropped for a null join key (molecule_name, optimizer,
                                   basis_set or num_qubits; also a null experiment_id) */
  uint64_t iterations_read;     /* vqe_iterations rows of the new experiments */
  uint64_t max_buffered_rows;   /* peak iterations held in memory at once */
  int64_t rows[QB_ML_TABLE_COUNT];         /* rows appended per ML table */
  int64_t snapshot_ids[QB_ML_TABLE_COUNT]; /* new snapshot per table, -1 when nothing was appended */
  char versions[QB_ML_TABLE_COUNT][48];    /* the tag written, or "no_changes" */
  double seconds;                          /* wall time of the run */
  unsigned threads;                        /* threads the run used (1 or 2) */
  /* What was read. The five source tables (vqe_iterations and the four context tables) are read
   * incrementally — only the data files appended since the snapshots the ML tables last consumed — unless
   * `full_scan_reason` says why they were read whole. */
  bool incremental;
  char full_scan_reason[192];   /* "" when incremental */
  uint64_t source_files_read;   /* data files of the five source tables read (all passes) */
  uint64_t source_rows_read;    /* their rows */
  uint64_t stored_ids_read;     /* experiment_id values read from the ML tables */
  /* why they were read (incremental runs): "" when the ingest batch's membership answered instead */
  char stored_ids_reason[160];
} qb_features_report;

/** The snapshot summary key prefix recording which snapshot of each source table an ML table consumed:
 * "qberg.ml.src.vqe_iterations" = "<snapshot id>" (-1: the table had none), written in the ML table's commit. */
#define QB_ML_SOURCE_KEY_PREFIX "qberg.ml.src."
/** Summary key: experiments a later run must re-examine over the whole tables (dropped for a null join key,
 * or context rows whose experiment has no iterations); while not 0, runs read the source tables whole. */
#define QB_ML_PENDING_KEY "qberg.ml.pending"

/**
 * Compute the ML tables for the experiments of vqe_iterations that are not in them yet, and append them:
 * creates the two tables when missing; reads vqe_iterations twice (experiment ids, then the iterations of
 * the new experiments, one experiment at a time) and the four context tables once — only the data appended
 * since the source snapshots recorded by the last commit when both ML tables recorded the same ones and
 * nothing is pending (else the whole tables, as the first run; docs/PIPELINE.md); refuses, with
 * QB_ECORRUPT and nothing written, a join that would multiply rows (a context table holding two rows
 * for one new experiment); drops and counts the rows with a null join key; appends each table as one
 * snapshot tagged `v_<batch hex32>` (first batch of the table) or `v_incr_<batch hex32>` with
 * `qberg.batch-id`, the source snapshots read (QB_ML_SOURCE_KEY_PREFIX) and QB_ML_PENDING_KEY in the
 * summary, then one processing_metadata row (processing_name
 * QB_ML_PROCESSING_NAME, the two tables, their tags and counts). Memory: the context of the new
 * experiments plus the iterations of the experiments being assembled (one at a time when each experiment's
 * iterations are contiguous in the scan, as qberg ingest writes them).
 * @return QB_OK; QB_ENOTFOUND (no vqe_iterations table: run ingest first); QB_ECORRUPT (join fan-out);
 *         storage and commit errors.
 */
QB_API int qb_features_run(qb_features_report *out, qb_catalog *cat, const qb_features_options *opts,
                           qb_err *err) QB_WUR;

#endif
