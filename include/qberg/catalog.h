/* SPDX-License-Identifier: Apache-2.0 */
/* The file-system (Hadoop layout) catalog: warehouse/namespace/table directories, loading a table's current
 * metadata, and commits that stay safe under concurrent writers (create-exclusive publish, or a lock with a
 * lease and fencing on stores without it). See docs/CATALOG.md. */
#ifndef QBERG_CATALOG_H
#define QBERG_CATALOG_H

#include "qberg/common.h"
#include "qberg/config.h"
#include "qberg/err.h"
#include "qberg/fileio.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"

typedef struct qb_catalog qb_catalog; /* a warehouse root and the FileIO to reach it */
typedef struct qb_table qb_table;     /* one table: its directory and the metadata it was loaded at */

/** How commits publish a new metadata version. */
typedef enum {
  QB_COMMIT_AUTO = 0,  /* create-exclusive when the FileIO has it (QB_IO_CREATE_EXCL), else the lock */
  QB_COMMIT_EXCLUSIVE, /* create-exclusive only; QB_EUNSUPPORTED on a FileIO without it */
  QB_COMMIT_LOCK,      /* the lock protocol with plain overwrites, as on a store that ignores
                          If-None-Match (Garage); never uses create-exclusive */
} qb_commit_mode;

typedef struct qb_catalog_options {
  int version;                /* QB_CATALOG_OPTIONS_VERSION */
  qb_fileio *io;              /* borrowed, must outlive the catalog; NULL = qb_fileio_for_uri(warehouse) */
  qb_commit_mode commit_mode; /* QB_COMMIT_AUTO */
  int64_t lock_lease_ms;      /* lock mode: a holder silent this long is presumed dead (0 = 30000) */
  const qb_config *config;    /* for the FileIO of an s3:// warehouse (borrowed); NULL = qb_config_load defaults */
} qb_catalog_options;

#define QB_CATALOG_OPTIONS_VERSION 1
#define QB_CATALOG_OPTIONS_INIT {QB_CATALOG_OPTIONS_VERSION, NULL, QB_COMMIT_AUTO, 0, NULL}

/**
 * Open the catalog rooted at `warehouse` (a local path, `file:` URI or s3:// URI; NULL when only
 * path-named tables will be used). A relative local path is made absolute against the working directory.
 * Without opts->io the FileIO comes from qb_fileio_for_uri(warehouse) (local when NULL) and is owned.
 * `opts` may be NULL (defaults). Thread-safety: a catalog may be shared by threads; each thread uses its
 * own qb_table handles.
 */
QB_API int qb_catalog_open(qb_catalog **out, const char *warehouse, const qb_catalog_options *opts,
                           qb_err *err) QB_WUR;
/** NULL-safe. Tables loaded from the catalog must be freed first. */
QB_API void qb_catalog_free(qb_catalog *cat);
/** The warehouse root without a trailing slash, or NULL. Borrowed. */
QB_API const char *qb_catalog_warehouse(const qb_catalog *cat);
/** The FileIO the catalog uses. Borrowed. */
QB_API qb_fileio *qb_catalog_io(const qb_catalog *cat);

/* ---- leases: exclusion for work longer than one commit, on any store ---- */

typedef struct qb_catalog_lease qb_catalog_lease;
/**
 * Take the lease on the folder `dir` of the catalog's store (a path or URI; created as needed), waiting at
 * most `wait_ms` for a holder ahead (< 0: a lease and 10 s more, long enough to break the ticket of a holder
 * that died): QB_ECONFLICT after, naming the ticket waited behind. For stores
 * without a kernel lock (object stores: local files use qb_fileio_lock). The commit lock's protocol
 * (docs/CATALOG.md "The lock": Lamport's bakery, one object per contender under dir/_qberg_lock/) with the
 * catalog's lease (lock_lease_ms, default 30 s): a thread of the lease renews it every lease/8 while it is
 * held. A holder that dies leaves its ticket, which the next taker breaks once it has stayed unchanged for
 * a lease; so a holder must not write once qb_catalog_lease_check fails.
 */
QB_API int qb_catalog_lease_take(qb_catalog_lease **out, qb_catalog *cat, const char *dir, int64_t wait_ms,
                                 qb_err *err) QB_WUR;
/**
 * Fencing, right before each write the lease protects: QB_OK only while the lease is surely held (renewed
 * in time, its ticket still there); QB_ECONFLICT, with the cause, once it was or may have been lost (a
 * renewal failed or came too late): stop writing; what was written before stays.
 */
QB_API int qb_catalog_lease_check(qb_catalog_lease *l, qb_err *err) QB_WUR;
/** Stop renewing, remove the ticket (best effort) and free. NULL-safe. */
QB_API void qb_catalog_lease_release(qb_catalog_lease *l);

/* ---- namespaces: dotted names ("db", "a.b"), each part one directory under the warehouse ---- */

/** Receives one name: a namespace ("a.b") or a table identifier ("a.b.t"). Non-zero stops the walk. */
typedef int (*qb_catalog_name_fn)(void *ctx, const char *name, qb_err *err);

/** mkdir (with parents); QB_EEXISTS if it exists. On object stores namespaces are implicit: no-op. */
QB_API int qb_catalog_create_namespace(qb_catalog *cat, const char *ns, qb_err *err) QB_WUR;
/** Remove an empty namespace: QB_ENOTFOUND if absent, QB_EINVAL if it holds anything. */
QB_API int qb_catalog_drop_namespace(qb_catalog *cat, const char *ns, qb_err *err) QB_WUR;
/** The namespaces directly under `parent` (NULL or "" = the warehouse root), sorted. Hidden
 * directories (".x", "_x") and table directories are not namespaces. QB_ENOTFOUND for a namespace that is
 * not there, and at the root for a warehouse that does not exist (no folder, a missing bucket, an S3 prefix
 * holding no object): "warehouse W does not exist: <cause>". An existing empty warehouse lists nothing. */
QB_API int qb_catalog_list_namespaces(qb_catalog *cat, const char *parent, qb_catalog_name_fn fn, void *ctx,
                                      qb_err *err) QB_WUR;
/** The tables directly in `ns` as full identifiers ("ns.t"), sorted; `ns` NULL or "" = every table of the
 * warehouse, at any depth. QB_ENOTFOUND as qb_catalog_list_namespaces. */
QB_API int qb_catalog_list_tables(qb_catalog *cat, const char *ns, qb_catalog_name_fn fn, void *ctx,
                                  qb_err *err) QB_WUR;

/* ---- tables ----
 * TABLE strings name a table three ways: "db.table" (or "a.b.table") under the warehouse; a path or URI
 * of a table directory (anything with a '/' or a scheme); or a path/URI of one "*.metadata.json" file. */

/**
 * Load the current metadata of TABLE: the version hint, probing forward for newer versions, and listing
 * metadata/ when the hint is missing, stale or unreadable (docs/CATALOG.md "Loading").
 * QB_ENOTFOUND if TABLE is not a table.
 */
QB_API int qb_table_load(qb_table **out, qb_catalog *cat, const char *table, qb_err *err) QB_WUR;
/** Re-read the current version (a no-op for a table loaded from an explicit metadata file). */
QB_API int qb_table_refresh(qb_table *t, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_table_free(qb_table *t);

/** TABLE as given to qb_table_load. Borrowed. */
QB_API const char *qb_table_name(const qb_table *t);
/** The table's directory, where it was found. Writers place new files under it: the `location` recorded
 * in the metadata may name where the table was first written (moved or renamed tables). Borrowed. */
QB_API const char *qb_table_location(const qb_table *t);
/** The metadata file the handle is at. Borrowed, valid until the next refresh or commit. */
QB_API const char *qb_table_metadata_path(const qb_table *t);
/** Its version number N (v<N>.metadata.json, <N>-<uuid>.metadata.json), -1 if the name carries none. */
QB_API int64_t qb_table_version(const qb_table *t);
/**
 * The Hadoop layout's version-hint.text is written after each new metadata version, so a writer that dies
 * in between (or whose hint write fails) leaves it naming an older version until the table's next commit.
 * qberg, Java and iceberg-go probe forward from it; a reader that trusts it alone (DuckDB) sees that older
 * version. If the table was found with such a hint, write the current version into it (*repaired, may be
 * NULL, says whether it did). A table loaded from an explicit metadata file is left alone.
 */
QB_API int qb_table_repair_version_hint(qb_table *t, bool *repaired, qb_err *err) QB_WUR;
/** The metadata JSON (decompressed; p[n] is a NUL byte). Borrowed, valid until the next refresh or commit.
 * After a commit the handle keeps the parsed metadata only: the document is serialised on the first call
 * (the bytes that were published); {NULL, 0} if that runs out of memory. */
QB_API qb_slice qb_table_metadata_json(const qb_table *t);
/**
 * The parsed metadata (parsed on first use: loading a table only locates and reads its file, so tables
 * in formats qberg cannot parse, such as v3, can still be found and dropped). Borrowed, valid until the
 * next refresh or commit. QB_ECORRUPT / QB_EUNSUPPORTED from the model, prefixed with the file.
 */
QB_API int qb_table_get_metadata(const qb_table_metadata **out, qb_table *t, qb_err *err) QB_WUR;

/**
 * Drop TABLE: remove its directory tree, metadata files first and oldest first, so an interrupted drop
 * never makes an older version current (Java HadoopCatalog semantics: the directory is the table).
 * `purge` first deletes the files the table references outside its directory, read from its manifest
 * lists and manifests (Java CatalogUtil.dropTableData): data and delete files (kept when gc.enabled is
 * false), manifests, manifest lists, statistics. Purging needs metadata qberg can parse.
 */
QB_API int qb_catalog_drop_table(qb_catalog *cat, const char *table, bool purge, qb_err *err) QB_WUR;
/** Rename TABLE to NEW (an identifier or path) by moving its directory, never over an existing one.
 * Needs a FileIO with atomic rename (local disk); QB_EUNSUPPORTED on object stores. Paths recorded in
 * the metadata keep naming the old location (docs/CATALOG.md "Rename"). */
QB_API int qb_catalog_rename_table(qb_catalog *cat, const char *table, const char *new_name, qb_err *err) QB_WUR;

/* ---- commits ---- */

/** What a metadata callback sees: the version it builds on. */
typedef struct qb_commit_base {
  const char *table_location; /* the table directory (qb_table_location) */
  const char *metadata_path;  /* the base metadata file; NULL when creating the table */
  int64_t version;            /* its version number; 0 when creating */
  qb_slice json;              /* the base metadata JSON; {NULL, 0} when creating */
  const qb_table_metadata *metadata; /* the same, parsed; NULL when creating */
  int attempt;                /* 1 for the first try, 2 after the first lost race, ... */
} qb_commit_base;

/**
 * Build the next metadata document (JSON bytes) from `base`. Called once per attempt: after a lost race it is called
 * again on the newer base, and must re-validate its change against it (an append never conflicts; an
 * overwrite or delete checks that its files are still live) and return QB_ECONFLICT if it cannot apply.
 * On QB_OK `*out` holds `*out_n` bytes of JSON allocated with malloc; the catalog frees them.
 * While the lock protocol is in use this runs under the lock: keep it short (well under the lease).
 */
typedef int (*qb_metadata_fn)(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err);

/** Filled by a commit (optional out-parameter). */
typedef struct qb_commit_info {
  int attempts;          /* publish attempts made (1 = no lost race) */
  int64_t version;       /* the version published */
  bool hint_written;     /* version-hint.text updated (best effort) */
  int deleted_metadata;  /* old metadata files removed by write.metadata.delete-after-commit.enabled */
  bool used_lock;        /* the lock protocol was used */
} qb_commit_info;

/**
 * Create TABLE (an identifier under the warehouse, or a directory path) with the v1 metadata that
 * `make` builds (base->version 0, base->json empty, base->table_location the new directory).
 * QB_EEXISTS if a table is there. On QB_OK `*out` (optional, may be NULL) is the loaded table.
 */
QB_API int qb_catalog_create_table(qb_table **out, qb_catalog *cat, const char *table, qb_metadata_fn make,
                                   void *ctx, qb_commit_info *info, qb_err *err) QB_WUR;

/**
 * Commit a new metadata version on `t` with optimistic concurrency: `apply` builds it from the current
 * version, it is published as v<N+1> without ever replacing another writer's version, and on a lost race
 * the current version is re-read and `apply` runs again, with exponential backoff, bounded by the table
 * properties commit.retry.num-retries (4), commit.retry.min-wait-ms (100), commit.retry.max-wait-ms
 * (60000) and commit.retry.total-timeout-ms (1800000). Then version-hint.text is updated (best effort)
 * and old metadata files that left the metadata-log are deleted if
 * write.metadata.delete-after-commit.enabled is true.
 * On QB_OK `t` is at the new version.
 * QB_ECONFLICT: retries exhausted or `apply` refused; nothing of this commit is visible.
 * QB_ECOMMIT_UNKNOWN: the store did not say whether the new version was written (e.g. a timeout after
 * the upload); it may be visible now or later: do not delete files it references.
 * Other errors: nothing visible.
 */
QB_API int qb_table_commit(qb_table *t, qb_metadata_fn apply, void *ctx, qb_commit_info *info,
                           qb_err *err) QB_WUR;

/**
 * Apply a change to `b`, a metadata builder started from base->metadata (add a snapshot and move a
 * branch, set refs or properties, evolve the schema...). Called once per attempt, like qb_metadata_fn,
 * and must re-validate its change against each new base. The catalog builds the result with the base
 * file recorded in metadata-log and last-updated-ms = now, and frees `b`.
 */
typedef int (*qb_metadata_update_fn)(void *ctx, const qb_commit_base *base, qb_metadata_builder *b, qb_err *err);

/** qb_table_commit with a builder callback (the usual way to commit). */
QB_API int qb_table_commit_update(qb_table *t, qb_metadata_update_fn update, void *ctx, qb_commit_info *info,
                                  qb_err *err) QB_WUR;

/** Set (`n_set` pairs) and remove (`n_remove` keys) table properties in one commit. */
QB_API int qb_table_set_properties(qb_table *t, const qb_kv *set, size_t n_set, const char *const *remove,
                                   size_t n_remove, qb_commit_info *info, qb_err *err) QB_WUR;

/** What a new table starts with (a v2 table; its location is the table directory). */
typedef struct qb_table_def {
  const qb_schema *schema;         /* required; keeps its field ids, becomes schema 0 */
  const qb_partition_spec *spec;   /* NULL = unpartitioned */
  const qb_sort_order *order;      /* NULL = unsorted */
  const qb_kv *properties;
  size_t n_properties;
} qb_table_def;

/** qb_catalog_create_table with the first metadata built from `def`. */
QB_API int qb_catalog_create_table_def(qb_table **out, qb_catalog *cat, const char *table, const qb_table_def *def,
                                       qb_commit_info *info, qb_err *err) QB_WUR;

#endif
