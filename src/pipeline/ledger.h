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
  uint64_t size;
  uint64_t counter, nano;
  bool patterned;
} qb_raw_file;

typedef struct qb_raw_list {
  qb_raw_file *v;
  size_t n, cap;
} qb_raw_list;

void qb_raw_list_free(qb_raw_list *l);

/**
 * One raw folder. `first`..`last` (base names, in range order: unix_nano, counter, name) hold every ledger
 * row of the folder committed up to the summary's base snapshot; `count` and `hash` (sum of qb_hash_bytes
 * of the paths) describe the files in that range the batch saw listed, all in the ledger. A listing that
 * shows the same count and sum in the range has nothing new there.
 */
typedef struct qb_ledger_dir {
  char *dir, *first, *last;    /* the range read (NULL: none) */
  char *n_first, *n_last;      /* the range for the next summary: the one read plus the rows after its base */
  uint64_t count, hash;        /* read; after discovery, the next summary's */
  uint64_t l_count, l_hash;    /* listed files in [first, last] */
  uint64_t x_count, x_hash;    /* listed files outside it that are in the ledger */
  uint64_t r_count, r_hash;    /* rows read outside it */
  bool listed, mismatch;       /* listed: some file of the folder was listed */
} qb_ledger_dir;

typedef struct qb_ledger {
  qb_table *table; /* borrowed */
  qb_ledger_dir *dirs;
  size_t n_dirs, cap_dirs, last_hit;
  int64_t base;     /* the summary's base snapshot: rows after it are read when a listed file is outside the ranges */
  int64_t current;  /* the ledger's current snapshot at open (-1: none): the next summary's base */
  bool legacy;      /* rows but no usable summary: the whole `file` column is read */
  bool all_read, tail_read;
  qb_u64set seen;   /* path hashes of the ledger rows read */
  uint64_t rows_read;
} qb_ledger;

/** Read the summary of the ledger's current snapshot (and every row when it has no usable one). */
int qb_ledger_open(qb_ledger *l, qb_table *table, qb_err *err);
/**
 * List `prefix` (.json and .avro files, not hidden) into `out` the files not in the ledger, sorted by
 * folder, then counter and nanoseconds; *listed counts every listed raw file.
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
