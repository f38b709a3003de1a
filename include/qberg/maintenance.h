/* SPDX-License-Identifier: Apache-2.0 */
/* Table maintenance (spec "Snapshot Retention Policy"; Java ExpireSnapshots, DeleteOrphanFiles,
 * RewriteManifests, CatalogUtil.deleteRemovedMetadataFiles): expiring snapshots and the files only they
 * reached, removing orphan files, deleting old metadata files, clustering manifests by partition, and the
 * routine that runs them all. See docs/MAINTENANCE.md.
 *
 * Safety rules shared by every operation: nothing is deleted before the metadata change it follows from is
 * committed; a path outside the table's directory (after resolving the recorded location and normalising
 * s3/s3a/s3n, file:/, file:///, percent-encoding, "." segments) or holding a ".." segment is never deleted;
 * a failure to delete one file is reported (counted and passed to the file callback), not fatal.
 * Thread-safety: one operation per table handle at a time. */
#ifndef QBERG_MAINTENANCE_H
#define QBERG_MAINTENANCE_H

#include "qberg/catalog.h"
#include "qberg/common.h"
#include "qberg/compact.h"
#include "qberg/err.h"

/** What a deleted file was to the table. */
typedef enum qb_maint_file_kind {
  QB_MAINT_DATA = 1,      /* data file */
  QB_MAINT_DELETES,       /* position or equality delete file */
  QB_MAINT_MANIFEST,
  QB_MAINT_MANIFEST_LIST,
  QB_MAINT_STATISTICS,    /* statistics or partition statistics file */
  QB_MAINT_METADATA,      /* a metadata JSON file */
  QB_MAINT_ORPHAN,        /* a file no kept metadata reaches */
  QB_MAINT_UPLOAD         /* S3: an unfinished multipart upload (remove-orphans aborts it; not in qb_maint_deletions) */
} qb_maint_file_kind;

/** "data", "deletes", "manifest", "manifest-list", "statistics", "metadata", "orphan", "upload". */
QB_API const char *qb_maint_file_kind_name(qb_maint_file_kind kind);

/**
 * Told about every file an operation deletes (or, dry run, would delete): `failure` is NULL when the
 * file is gone (or would go), else why deleting it failed (the operation goes on).
 */
typedef void (*qb_maint_file_fn)(void *ctx, qb_maint_file_kind kind, const char *path, const qb_err *failure);

/** Files deleted (dry run: that would be deleted), by kind, and deletions that failed. */
typedef struct qb_maint_deletions {
  int64_t data_files, delete_files, manifests, manifest_lists, statistics, metadata, orphans;
  int64_t failed;
} qb_maint_deletions;

/* ---- expire snapshots ------------------------------------------------------------------------------- */

/** A ref removed or a snapshot expired by qb_expire_snapshots (qb_expire_options.on_item). */
typedef struct qb_expire_item {
  const char *ref;      /* the ref's name; NULL for an expired snapshot (valid during the call only) */
  bool branch;          /* the ref is a branch (else a tag) */
  bool dangling;        /* the ref's snapshot is not in the table (else it outlived its max-ref-age-ms) */
  int64_t snapshot_id;  /* the expired snapshot, or the one the ref pointed at */
  int64_t timestamp_ms; /* that snapshot's commit time; -1 for a dangling ref */
} qb_expire_item;

/** Told about every ref removed, then every snapshot expired, once the commit succeeded (dry run: once
 * they are known), in metadata order, before the file cleanup's outcome is known. */
typedef void (*qb_expire_item_fn)(void *ctx, const qb_expire_item *item);

typedef struct qb_expire_options {
  unsigned version;      /* QB_EXPIRE_OPTIONS_VERSION (1: without on_item) */
  int64_t older_than_ms; /* expire snapshots older than this (ms since epoch); -1: now minus the table
                            property history.expire.max-snapshot-age-ms (5 days) */
  int32_t retain_last;   /* keep at least this many ancestors of every branch head; -1: the property
                            history.expire.min-snapshots-to-keep (1) */
  bool dry_run;          /* compute and report; commit and delete nothing */
  int64_t now_ms;        /* 0: the clock */
  qb_maint_file_fn on_file;
  void *ctx;             /* passed to on_file and on_item */
  qb_expire_item_fn on_item; /* version 2 */
} qb_expire_options;

#define QB_EXPIRE_OPTIONS_VERSION 2
#define QB_EXPIRE_OPTIONS_INIT {QB_EXPIRE_OPTIONS_VERSION, -1, -1, false, 0, NULL, NULL, NULL}

typedef struct qb_expire_report {
  int64_t snapshots;         /* snapshots before */
  int64_t expired;           /* snapshots removed (dry run: that would be) */
  int64_t refs_removed;      /* refs older than their max-ref-age-ms, or pointing at missing snapshots */
  int64_t version;           /* the metadata version committed; -1 when nothing was committed */
  int attempts;              /* commit attempts */
  int64_t manifests_read;    /* manifests read to find unreachable data files */
  qb_maint_deletions deleted;
} qb_expire_report;

/**
 * Expire snapshots of `t` as Java's ExpireSnapshots: refs are kept unless older than their max-ref-age-ms
 * (default history.expire.max-ref-age-ms, never for main) or dangling; every kept ref's snapshot is kept;
 * each kept branch keeps its ancestors while fewer than min-snapshots-to-keep are kept or while they are
 * newer than its max-snapshot-age-ms (ref value, else opts->older_than_ms); snapshots no ref reaches are kept
 * while newer than the cutoff. The new metadata is committed first (re-computed on a newer version after a
 * lost race); then manifest lists and statistics of removed snapshots are deleted, manifests only they
 * referenced, and data and delete files live in those manifests but in no manifest of a kept snapshot.
 * Refused (QB_EINVAL) when the table property gc.enabled is false.
 * @return QB_OK (also when nothing expires), QB_EINVAL, QB_ECONFLICT, QB_ECOMMIT_UNKNOWN (nothing deleted),
 *         QB_ECORRUPT, QB_EIO, QB_ENOMEM
 */
QB_API int qb_expire_snapshots(qb_table *t, const qb_expire_options *opts, qb_expire_report *out,
                               qb_err *err) QB_WUR;

/* ---- remove orphan files ------------------------------------------------------------------------------ */

typedef struct qb_orphan_options {
  unsigned version;      /* QB_ORPHAN_OPTIONS_VERSION */
  int64_t older_than_ms; /* only files modified before this are candidates; -1: now minus 3 days */
  bool dry_run;          /* default true: report what would be deleted */
  int64_t now_ms;        /* 0: the clock */
  qb_maint_file_fn on_file;
  void *ctx;
} qb_orphan_options;

#define QB_ORPHAN_OPTIONS_VERSION 1
#define QB_ORPHAN_OPTIONS_INIT {QB_ORPHAN_OPTIONS_VERSION, -1, true, 0, NULL, NULL}

typedef struct qb_orphan_report {
  int64_t listed;     /* files under the table directory */
  int64_t referenced; /* of those, reachable from the kept metadata */
  int64_t too_young;  /* unreferenced but modified after the cutoff (or of unknown age): kept */
  int64_t hidden;     /* names starting with '.' or '_' (Java HiddenPathFilter), files of a table nested in this
                       * one's directory: kept */
  int64_t orphans;    /* deleted, or that would be (dry run) */
  int64_t temp_files; /* of the orphans, temporary files a killed qberg writer left (".name.<16 hex>.tmp") */
  qb_maint_deletions deleted;
  int64_t uploads;         /* S3: unfinished multipart uploads under the table begun before the cutoff (a killed
                            * writer's), aborted (dry run: that would be) */
  int64_t uploads_failed;  /* of those, the aborts that failed, plus 1 when listing them failed (each told to
                            * on_file as QB_MAINT_UPLOAD with its error; a store answering 501 is skipped) */
} qb_orphan_report;

/**
 * Delete the files under the directory of `t` that no kept metadata reaches (Java DeleteOrphanFiles):
 * the valid set is the current metadata file and every file of its metadata-log, version-hint.text, metadata
 * files of the current version or newer, and for every snapshot of the current metadata its manifest list,
 * manifests, data and delete files (all entries) and statistics files. Paths are compared normalised.
 * Files modified at or after the cutoff are kept: a writer may be about to commit them. Hidden names ('.' or
 * '_' below the table) are kept, except qberg's own temporary files (".name.<16 hex>.tmp", left by a killed
 * writer), judged by the name they were to get. Any error while building the valid set fails the operation
 * before anything is deleted. On S3, the unfinished multipart uploads under the table begun before the cutoff
 * (a killed writer's, whose parts are kept and billed until aborted) are aborted too.
 */
QB_API int qb_remove_orphan_files(qb_table *t, const qb_orphan_options *opts, qb_orphan_report *out,
                                  qb_err *err) QB_WUR;

/* ---- clean metadata files -------------------------------------------------------------------------------- */

typedef struct qb_clean_metadata_options {
  unsigned version; /* QB_CLEAN_METADATA_OPTIONS_VERSION */
  bool force;       /* delete even when write.metadata.delete-after-commit.enabled is not true */
  bool dry_run;
  qb_maint_file_fn on_file;
  void *ctx;
} qb_clean_metadata_options;

#define QB_CLEAN_METADATA_OPTIONS_VERSION 1
#define QB_CLEAN_METADATA_OPTIONS_INIT {QB_CLEAN_METADATA_OPTIONS_VERSION, false, false, NULL, NULL}

typedef struct qb_clean_metadata_report {
  bool enabled;           /* the property or force allowed deleting */
  int64_t metadata_files; /* metadata JSON files found in metadata/ */
  int64_t kept;
  qb_maint_deletions deleted; /* metadata (dry run or disabled: that would be deleted) */
} qb_clean_metadata_report;

/**
 * Delete metadata JSON files of `t` older than the ones kept: the current file, every file of a newer or
 * equal version, the one version-hint.text names, and those of the metadata-log (which holds
 * write.metadata.previous-versions-max entries, default 100). Files whose name carries no version are
 * kept. Deletes only when write.metadata.delete-after-commit.enabled is true or opts->force.
 */
QB_API int qb_clean_metadata(qb_table *t, const qb_clean_metadata_options *opts, qb_clean_metadata_report *out,
                             qb_err *err) QB_WUR;

/* ---- rewrite manifests ------------------------------------------------------------------------------------ */

typedef struct qb_rewrite_manifests_options {
  unsigned version;          /* QB_REWRITE_MANIFESTS_OPTIONS_VERSION */
  int64_t target_size_bytes; /* 0: table property commit.manifest.target-size-bytes (8 MiB) */
  bool dry_run;
} qb_rewrite_manifests_options;

#define QB_REWRITE_MANIFESTS_OPTIONS_VERSION 1
#define QB_REWRITE_MANIFESTS_OPTIONS_INIT {QB_REWRITE_MANIFESTS_OPTIONS_VERSION, 0, false}

typedef struct qb_rewrite_manifests_report {
  int64_t replaced; /* manifests rewritten */
  int64_t created;  /* manifests written */
  int64_t kept;     /* manifests carried over unchanged */
  int64_t entries;  /* live entries rewritten */
  int64_t snapshot_id; /* the replace snapshot; -1 when nothing was committed */
  int64_t version;     /* metadata version; -1 when nothing was committed */
  int attempts;
} qb_rewrite_manifests_report;

/**
 * Rewrite the manifests of main's current snapshot (Java RewriteManifests clustered by partition): per
 * partition spec and content (data and delete manifests stay separate), the live entries of a group are
 * sorted by partition tuple into manifests of about the target size (a partition is never split), written
 * as EXISTING with their snapshot ids and both sequence numbers, and committed as a snapshot with operation
 * "replace" (summary manifests-created/-kept/-replaced, entries-processed, totals unchanged). A group is
 * rewritten only when that makes fewer manifests than it has, so a clustered table is left alone. After a
 * lost race the rewrite is re-applied on the newer version when every replaced manifest is still there
 * (manifests added meanwhile are kept), else QB_ECONFLICT. v1 tables: QB_EUNSUPPORTED. Memory: the distinct
 * partition tuples of a group, plus one Avro block per manifest being written.
 */
QB_API int qb_rewrite_manifests(qb_table *t, const qb_rewrite_manifests_options *opts,
                                qb_rewrite_manifests_report *out, qb_err *err) QB_WUR;

/* ---- the routine --------------------------------------------------------------------------------------------- */

typedef struct qb_maintain_options {
  unsigned version;             /* QB_MAINTAIN_OPTIONS_VERSION */
  int64_t expire_older_than_ms; /* -1: the table's history.expire.max-snapshot-age-ms, else now minus 7 days */
  int64_t orphan_older_than_ms; /* -1: now minus 3 days */
  bool dry_run;                 /* every step only reports */
  int64_t now_ms;               /* 0: the clock */
  bool skip_compact;            /* leave data files as they are */
  qb_maint_file_fn on_file;
  void *ctx;
} qb_maintain_options;

#define QB_MAINTAIN_OPTIONS_VERSION 1
#define QB_MAINTAIN_OPTIONS_INIT {QB_MAINTAIN_OPTIONS_VERSION, -1, -1, false, 0, false, NULL, NULL}

typedef enum qb_maintain_step {
  QB_MAINTAIN_EXPIRE = 0,
  QB_MAINTAIN_COMPACT,
  QB_MAINTAIN_REWRITE_MANIFESTS,
  QB_MAINTAIN_ORPHANS,
  QB_MAINTAIN_METADATA,
  QB_MAINTAIN_STEPS
} qb_maintain_step;

/** "expire-snapshots", "compact", "rewrite-manifests", "remove-orphans", "clean-metadata". */
QB_API const char *qb_maintain_step_name(qb_maintain_step step);

typedef struct qb_maintain_report {
  qb_expire_report expire;
  qb_compact_report compact;
  qb_rewrite_manifests_report rewrite;
  qb_orphan_report orphans;
  qb_clean_metadata_report metadata;
  bool ran[QB_MAINTAIN_STEPS];
  qb_err errors[QB_MAINTAIN_STEPS]; /* code QB_OK when the step succeeded or did not run */
} qb_maintain_report;

/**
 * The routine a scheduler runs on a table: expire snapshots older than the window (tags, branches and
 * their retention are honoured), compact (qb_compact with the table's defaults), rewrite manifests,
 * remove orphans older than their window (deleting), clean metadata files (per the table's properties).
 * A failing step is recorded in out->errors and the next steps still run (the table is refreshed first).
 * Returns QB_OK when every step succeeded, else the code of the first failure, with err naming the step.
 */
QB_API int qb_maintain_table(qb_table *t, const qb_maintain_options *opts, qb_maintain_report *out,
                             qb_err *err) QB_WUR;

#endif
