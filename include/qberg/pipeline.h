/* SPDX-License-Identifier: Apache-2.0 */
/* The incremental VQE ingest: raw result files -> the nine feature tables of `quantum_features`, the
 * `processing_metadata` audit table, the `ingested_files` ledger and `rejected_inputs` (docs/PIPELINE.md). */
#ifndef QBERG_PIPELINE_H
#define QBERG_PIPELINE_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"
#include "qberg/features.h"
#include "qberg/fileio.h"
#include "qberg/vqe.h"

typedef struct qb_ingest_options {
  unsigned version;     /* QB_INGEST_OPTIONS_VERSION */
  const char *raw;      /* source: a folder/URI whose subfolders are topics, or one topic folder */
  qb_fileio *raw_io;    /* FileIO for `raw` (borrowed); NULL: the catalog's */
  const char *batch_id; /* NULL: a new UUID */
  bool no_features;     /* skip the ML feature tables (qb_features_run) after the batch */
} qb_ingest_options;

#define QB_INGEST_OPTIONS_VERSION 1
#define QB_INGEST_OPTIONS_INIT {QB_INGEST_OPTIONS_VERSION, NULL, NULL, NULL, false}

#define QB_INGEST_MAX_REJECTS 64 /* rejections kept in the report (all are recorded in the table) */

typedef struct qb_ingest_reject {
  char file[512];
  char reason[1024];
} qb_ingest_reject;

/** What one run did. */
typedef struct qb_ingest_report {
  char batch_id[37];
  uint64_t files_seen;     /* raw files found under the source */
  uint64_t files_new;      /* not in the ledger: processed by this run */
  uint64_t files_rejected; /* of files_new */
  uint64_t records;        /* records ingested from the accepted files */
  uint64_t bytes;          /* raw bytes read */
  int64_t rows[QB_VQE_FEATURE_TABLES];         /* rows appended per feature table (after de-duplication) */
  int64_t duplicates[QB_VQE_FEATURE_TABLES];   /* rows dropped because their key columns were stored */
  int64_t snapshot_ids[QB_VQE_FEATURE_TABLES]; /* new snapshot per table, -1 when nothing was appended */
  char versions[QB_VQE_FEATURE_TABLES][48];    /* the tag written, or "no_changes" */
  size_t n_rejects;
  qb_ingest_reject rejects[QB_INGEST_MAX_REJECTS];
  qb_features_report features; /* the ML phase, run after the batch (features.seconds: its wall time) */
} qb_ingest_report;

/**
 * Run one incremental batch: create the tables if missing, find the raw files not yet in the ledger,
 * parse them (two passes: Spark's batch-wide type inference decides ids), append the rows whose key columns
 * are new to each feature table tagged `v_<batch>` (first batch of a table) or `v_incr_<batch>`, then the
 * processing_metadata row, then the ledger and rejected_inputs rows. A rejected file never stops the batch.
 * A crash mid-batch leaves files out of the ledger: the rerun processes them again and the key
 * de-duplication drops what was already appended.
 */
QB_API int qb_ingest_run(qb_ingest_report *out, qb_catalog *cat, const qb_ingest_options *opts,
                         qb_err *err) QB_WUR;

#endif
