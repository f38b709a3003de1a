/* SPDX-License-Identifier: Apache-2.0 */
/* The ingest's ledger of raw files (docs/PIPELINE.md "Which files are new"): the table
 * `quantum_features.ingested_files` plus, in each ledger snapshot's summary, a per-folder range digest
 * that decides which listed files are new without reading the ledger's rows. */
#ifndef QB_PIPELINE_LEDGER_H
#define QB_PIPELINE_LEDGER_H

#include "qberg/fileio.h"
#include "qberg/table.h"
#include "qberg/vqe.h"
#include "util/hash.h"

#define QB_LEDGER_TABLE QB_VQE_NAMESPACE ".ingested_files"
#define QB_LEDGER_SUMMARY_KEY "qberg.ledger-ranges"

/** A listed raw file; "{counter}-{unix_nano}.json|.avro" names are `patterned` and sort by the numbers. */
typedef struct qb_raw_file {
  char *path;
  size_t dir_len; /* of path's folder (up to its last '/') */
  uint64_t size;
  int64_t mtime_ms; /* as listed (qb_stat); 0 if unknown */
  uint64_t counter, nano;
  bool patterned;
} qb_raw_file;

typedef struct qb_raw_list {
  qb_raw_file *v;
  size_t n, cap;
} qb_raw_list;

void qb_raw_list_free(qb_raw_list *l);

/**
 * One raw folder, as a ledger summary describes it (ranges in range order: unix_nano, counter, name):
 * `first`..`last` hold every ledger row of the folder committed up to the summary's base snapshot, and
 * `count`/`hash` (sum of qb_hash_bytes of the paths) the files in it the batch saw listed, all in the
 * ledger; `t_*` are the batch's own files outside that range (the rows after the base). A listing that shows
 * the same count and sum in a range has nothing new there.
 */
typedef struct qb_ledger_range {
  char *first, *last; /* NULL: empty */
  uint64_t count, hash;
} qb_ledger_range;

typedef struct qb_ledger_dir {
  char *dir;
  qb_ledger_range r, t;      /* read from the summary */
  qb_ledger_range nr, nt;    /* the next summary's */
  qb_ledger_range l, lt;     /* listed: in r; in t's range outside r */
  qb_ledger_range x, rows;   /* listed outside r, in the ledger; rows read outside r */
  bool listed, mismatch;     /* listed: some file of the folder was listed */
} qb_ledger_dir;

typedef struct qb_ledger {
  qb_table *table; /* borrowed */
  char *file_col; /* the table's current name of the `file` column (users may rename it); owned */
  qb_ledger_dir *dirs;
  size_t n_dirs, cap_dirs, last_hit;
  int64_t base;     /* the summary's base snapshot: rows after it are read when a listed file is outside the ranges */
  int64_t current;  /* the ledger's current snapshot at open (-1: none): the next summary's base */
  bool legacy;      /* rows but no usable summary: the whole `file` column is read */
  bool all_read, tail_read;
  qb_u64set seen;   /* path hashes of the ledger rows read */
  uint64_t rows_read;
  /* raw files whose path is not valid UTF-8, left out of the listing (Iceberg strings, the ledger's `file`
   * and processing_metadata's source_data_info among them, must be UTF-8): their count, and the first
   * QB_LEDGER_BAD_PATHS of them (owned) */
  uint64_t bad_paths;
  char *bad_path[8];
} qb_ledger;

#define QB_LEDGER_BAD_PATHS 8

/** Read the summary of the ledger's current snapshot (and every row when it has no usable one). `schema`:
 * the pipeline's schema of the ledger (its `file` column is read by field id). */
int qb_ledger_open(qb_ledger *l, qb_table *table, const qb_schema *schema, qb_err *err);
/**
 * List `prefix` (.json and .avro files, not hidden) into `out` the files not in the ledger, sorted by
 * folder, then counter and nanoseconds; *listed counts every listed raw file. A raw file whose path is not
 * valid UTF-8 is neither listed nor counted: l->bad_paths counts them (the caller reports them).
 */
int qb_ledger_discover(qb_raw_list *out, uint64_t *listed, qb_ledger *l, qb_fileio *io, const char *prefix,
                       qb_err *err);
/** Account for a file the batch records in the ledger. */
int qb_ledger_note(qb_ledger *l, const char *path, qb_err *err);
/** The summary value for the ledger commit (malloc'd). */
int qb_ledger_summary(char **out, const qb_ledger *l, qb_err *err);
/** Parse a summary value into l->dirs (false: malformed). Exposed for tests. */
bool qb_ledger__parse(qb_ledger *l, const char *s);
/** Order of two base names within a folder (the listing order). */
int qb_ledger__cmp_base(const char *a, const char *b);
void qb_ledger_close(qb_ledger *l);

#endif
