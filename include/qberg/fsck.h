/* SPDX-License-Identifier: Apache-2.0 */
/* Table consistency checks (qberg fsck): every file the metadata references exists with its recorded
 * size, manifest counts match their entries and the data files, snapshot summaries add up, sequence
 * numbers, parents and refs are consistent, the version hint names the newest metadata.
 * See docs/FSCK.md. */
#ifndef QBERG_FSCK_H
#define QBERG_FSCK_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/err.h"

/** One problem found. Every string is borrowed for the duration of the callback; absent ones are NULL. */
typedef struct qb_fsck_problem {
  const char *check;    /* "missing", "size", "record-count", "unreadable", "manifest-count", "summary",
                           "sequence-number", "parent", "ref", "version-hint", "metadata-log" */
  const char *file;     /* the file concerned (metadata, manifest list, manifest, data or delete file) */
  int64_t snapshot_id;  /* the snapshot concerned, -1 if none */
  const char *field;    /* the field or summary key that is wrong */
  const char *expected; /* what the rest of the table implies */
  const char *found;    /* what the file or field says */
  const char *detail;   /* a sentence, e.g. the error that made a file unreadable */
} qb_fsck_problem;

/** Receives each problem as it is found. A non-zero return stops the check with that code. */
typedef int (*qb_fsck_problem_fn)(void *ctx, const qb_fsck_problem *p, qb_err *err);

typedef struct qb_fsck_options {
  unsigned version;  /* QB_FSCK_OPTIONS_VERSION */
  bool deep;         /* also open every data and delete file: footer row count vs record_count, and read
                        every row (every page decoded) */
  qb_fsck_problem_fn on_problem; /* NULL: only counted */
  void *ctx;
} qb_fsck_options;

#define QB_FSCK_OPTIONS_VERSION 1
#define QB_FSCK_OPTIONS_INIT {QB_FSCK_OPTIONS_VERSION, false, NULL, NULL}

/** What was checked. */
typedef struct qb_fsck_report {
  int64_t problems;
  int64_t snapshots, manifest_lists, manifests; /* manifests: distinct files */
  int64_t data_files, delete_files;             /* distinct files */
  int64_t metadata_files;                       /* the current one and the metadata-log */
  int64_t rows_read;                            /* deep: rows decoded */
} qb_fsck_report;

/**
 * Check `t` at the version it is loaded at: every snapshot kept in its metadata, every manifest list,
 * manifest, data and delete file they reference (each distinct file once; manifests streamed entry by
 * entry, so memory grows with the number of distinct files, not their entries).
 * When a check finds problems and the table has meanwhile moved on to a newer version (a concurrent
 * expire-snapshots deletes files of the version being checked), `t` is refreshed and checked again, up to 3
 * checks; only the last check's problems reach the callback (they are held until then; beyond 4,096 they
 * are passed on as found, without a second check). A table loaded from an explicit metadata file is
 * checked once, at that version.
 * Problems are reported through opts->on_problem and counted; they are not errors: the call returns
 * QB_OK with out->problems > 0. Errors are failures to check at all (the metadata cannot be parsed,
 * out of memory, the callback's code).
 * `opts` may be NULL (defaults); `out` may be NULL.
 */
QB_API int qb_fsck(qb_table *t, const qb_fsck_options *opts, qb_fsck_report *out, qb_err *err) QB_WUR;

#endif
