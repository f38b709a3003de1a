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

/** Where a run is, reported after each raw file of each pass (the library never prints: callers render). */
typedef struct qb_ingest_progress {
  const char *phase;    /* "rows" (parse, derive and write), "types" (parse only: the pass one of a batch
                           whose speculated types failed, or --dry-run), "commit" */
  uint64_t files_done;  /* in this phase */
  uint64_t files_total; /* in this phase */
  uint64_t bytes_done;  /* raw bytes read in this phase */
  uint64_t bytes_total;
  int64_t elapsed_ms;   /* since the run started */
} qb_ingest_progress;

typedef void (*qb_ingest_progress_fn)(void *ctx, const qb_ingest_progress *p);

typedef struct qb_ingest_options {
  unsigned version;     /* QB_INGEST_OPTIONS_VERSION */
  const char *raw;      /* source: a folder/URI whose subfolders are topics, or one topic folder */
  qb_fileio *raw_io;    /* FileIO for `raw` (borrowed); NULL: the catalog's */
  const char *batch_id; /* NULL: a new UUID */
  qb_ingest_progress_fn progress; /* NULL: none */
  void *progress_ctx;
  bool skip_if_idle; /* no new raw file: write nothing (no processing_metadata row); for polling loops */
  bool dry_run;      /* discover and parse the new files (pass one: records, rejections), write nothing */
  bool no_features;  /* skip the ML feature tables (qb_features_run) after the batch */
  /* threads of a batch (version >= 3): 1 parses, derives and writes on the calling thread; 2 moves the
   * feature tables' Parquet encoding, compression and data-file writes to one writer thread fed in order
   * (the same bytes as 1); more is 2; 0 (and older option structs): 2 when the process may use two CPUs */
  unsigned threads;
} qb_ingest_options;

#define QB_INGEST_OPTIONS_VERSION 3
#define QB_INGEST_OPTIONS_INIT {QB_INGEST_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, false, false, false, 0}

/* The phases of a run, in their order (docs/PIPELINE.md "Where the time goes"). */
typedef enum qb_ingest_phase {
  QB_INGEST_PHASE_OPEN,     /* the ingest lock, creating or loading the tables, checking the ML tables */
  QB_INGEST_PHASE_DISCOVER, /* listing the raw files, the ledger's answer which are new */
  QB_INGEST_PHASE_RECOVER,  /* reading back the keys of interrupted batches (usually nothing) */
  QB_INGEST_PHASE_ROWS,     /* reading, parsing, deriving and writing the rows (both passes, the re-checks) */
  QB_INGEST_PHASE_COMMIT,   /* the writer's last row groups, closing the data files, the nine tables' commits */
  QB_INGEST_PHASE_AUDIT,    /* the processing_metadata row */
  QB_INGEST_PHASE_INDEX,    /* the experiment index */
  QB_INGEST_PHASE_LEDGER,   /* the ledger and rejected_inputs */
  QB_INGEST_PHASE_FEATURES, /* the ML feature tables */
  QB_INGEST_PHASES
} qb_ingest_phase;

/** The phase's short name ("open", "discover", "recover", "rows", "commit", "audit", "index", "ledger",
 * "features"); "?" out of range. */
QB_API const char *qb_ingest_phase_name(int phase);

#define QB_INGEST_MAX_REJECTS 64 /* rejections kept in the report (all are recorded in the table) */
#define QB_INGEST_MAX_SKIPPED 16 /* vanished files kept in the report */

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
  /* key de-duplication through the experiment index (docs/PIPELINE.md "De-duplication") */
  uint64_t experiments_new;       /* records whose experiment was not stored: appended whole */
  uint64_t experiments_known;     /* records whose experiment was stored with the same keys: dropped whole */
  uint64_t experiments_rechecked; /* records compared row by row against the stored keys of their experiment */
  uint64_t experiments_recovered; /* experiments of an earlier, interrupted batch added to the index */
  /* parses of each accepted file: 1 when the types speculated for the one pass held, 2 when the batch's
   * types differed and its rows were derived again in a second pass (docs/PIPELINE.md "One pass") */
  unsigned passes;
  /* what the batch read in proportion to the stored data (docs/PIPELINE.md "Which files are new"):
   * ledger rows (0 unless a listed range changed or the ledger predates its summary) and index entries */
  uint64_t ledger_rows_read;
  uint64_t index_entries_read;
  /* rows of the feature tables whose keys were read: those of interrupted batches (or every row, when the
   * position the index covers is unknown) and of re-checked experiments; 0 in normal operation */
  uint64_t key_rows_read;
  int64_t elapsed_ms;
  /* wall time of each phase in microseconds, from the monotonic clock (QB_TEST_NOW, which pins
   * elapsed_ms, does not touch these); a phase the run did not reach is 0. Their sum is the run's time
   * but for the report itself (~nothing) */
  int64_t phase_us[QB_INGEST_PHASES];
  unsigned threads; /* threads the batch ran on (1 for --dry-run, an idle skip, or when none could start) */
  qb_features_report features; /* the ML phase, run after the batch (features.seconds: its wall time) */
  /* raw files listed but gone or changed when read (QB_ENOTFOUND: deleted or moved since the listing, an
   * S3 404; or replaced while being read): of files_new, neither ingested nor rejected nor recorded in the
   * ledger, so a batch that lists them again processes them; `skipped` keeps the first
   * QB_INGEST_MAX_SKIPPED with the read error */
  uint64_t files_skipped;
  size_t n_skipped;
  qb_ingest_reject skipped[QB_INGEST_MAX_SKIPPED];
  /* why the experiment index's Bloom filter named by its current snapshot was not used ("" when it was, or
   * none is named): the entries were read instead, and this batch's index commit replaced the file */
  char index_filter_error[1024];
  /* feature tables replaced (dropped and created again, or emptied, or rolled back: main moved to a snapshot
   * the covered one does not descend from, or rows deleted: a delete/overwrite snapshot after the covered
   * one) since the experiment index covered them: earlier rows are gone, and stored experiments met again are compared row by row, so a
   * re-delivered raw file puts back its rows there (docs/PIPELINE.md "De-duplication") */
  bool tables_replaced[QB_VQE_FEATURE_TABLES];
  /* the index's key-set digests are not trusted (a table was replaced, in this batch or before) */
  bool keysets_untrusted;
} qb_ingest_report;

/**
 * Run one incremental batch: create the tables if missing, find the raw files (.json and .avro) not yet in
 * the ledger, parse them (once when the types speculated for the batch hold, else twice: Spark's
 * batch-wide type inference decides ids), append the rows whose
 * key columns are new to each feature table tagged `v_<batch>` (first batch of a table) or `v_incr_<batch>`,
 * then the processing_metadata row, the experiment index, the ledger and rejected_inputs rows. A rejected
 * file never stops the batch. A crash mid-batch leaves files out of the ledger: the rerun processes them
 * again, first reading back the rows of the interrupted batch (the snapshots the index does not cover), so
 * the key de-duplication drops what was already appended.
 */
QB_API int qb_ingest_run(qb_ingest_report *out, qb_catalog *cat, const qb_ingest_options *opts,
                         qb_err *err) QB_WUR;

#endif
