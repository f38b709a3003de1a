/* SPDX-License-Identifier: Apache-2.0 */
/* The ingest's writer thread (docs/PIPELINE.md "Threads"): the second half of the write path — Parquet
 * encoding, dictionaries, page compression and the data files, through each feature table's transaction —
 * runs on one thread fed by a bounded queue, while the calling thread parses and derives the next rows. */
#ifndef QB_PIPELINE_INGEST_WRITER_H
#define QB_PIPELINE_INGEST_WRITER_H

#include "pipeline/vqe_cols.h"
#include "qberg/table.h"

typedef struct qb_ingest_writer qb_ingest_writer;

/**
 * Start the thread. The transactions named in later calls belong to it from their first hand-off until
 * qb_ingest_writer_drain returns: the caller neither reads nor writes them (nor their slot) in between.
 * The thread runs every hand-off in the order it was made — the order the single-threaded ingest writes
 * in — so data files, their names (seeded UUIDs) and their row groups are the same bytes.
 */
int qb_ingest_writer_new(qb_ingest_writer **out, qb_err *err);

/**
 * Hand over the rows of `*cols` (feature table `t`): the thread writes them with qb_txn_write_batch to
 * `*txn`, which it begins on `table` (QB_TXN_FAST_APPEND, the rows in `schema`: qb_vqe__txn_begin) when NULL;
 * `schema` is borrowed until drain. `*cols` is swapped for an empty set
 * of buffers of the same table (a spare the thread returned, or a new one). Blocks while the queue is
 * full. Returns the thread's first error, if any (then nothing more is written).
 */
int qb_ingest_writer_put_cols(qb_ingest_writer *w, int t, qb_table *table, const qb_schema *schema, qb_txn **txn,
                              qb_vqe_cols *cols, qb_err *err);

/** Hand over a copy of `row` for qb_txn_write to `*txn` (begun as in put_cols). Rows are gathered in
 * chunks; a chunk is queued before the next put_cols and at drain, so the order holds. */
int qb_ingest_writer_put_row(qb_ingest_writer *w, qb_table *table, const qb_schema *schema, qb_txn **txn,
                             const qb_value *row, qb_err *err);

/** Wait until everything handed over is written; the transactions are the caller's again. Returns the
 * thread's first error (with its message as the write reported it), every time once it failed. */
int qb_ingest_writer_drain(qb_ingest_writer *w, qb_err *err);

/** Stop the thread (what is still queued is dropped) and join it. NULL-safe. */
void qb_ingest_writer_free(qb_ingest_writer *w);

#endif
