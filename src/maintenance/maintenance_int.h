/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the maintenance operations: the table as they see it (paths.c: where a recorded path is, the
 * key paths are compared by, whether a path may be deleted), deleting files in batches with reports
 * (deleter.c), and streaming the paths a manifest list or manifest references (reachable.c). */
#ifndef QB_MAINTENANCE_INT_H
#define QB_MAINTENANCE_INT_H

#include "iceberg/manifest_paths.h"
#include "iceberg/table_int.h"
#include "qberg/maintenance.h"
#include "qberg/manifest.h"
#include "util/arena.h"
#include "util/hash.h"

/* ---- paths.c ---- */

typedef struct qb_maint_tbl {
  qb_table *t;
  qb_fileio *io;   /* the catalog's */
  qb_tbl view;     /* metadata, FileIO, the table's directory now */
  char *root_norm; /* the directory normalised, with a trailing '/' */
  char *loc_prefix; /* the recorded location with one trailing '/' (NULL: none recorded) */
  qb_manifest_paths *scanner; /* writer schemas and skip plans of the manifests read (reachable.c) */
} qb_maint_tbl;

/* Bind to `t` at the version it is loaded at (its metadata must parse). */
int qb_maint__open(qb_maint_tbl *m, qb_table *t, qb_err *err);
void qb_maint__close(qb_maint_tbl *m);
/* The key a path is compared by: resolved against the table directory (qb_tbl__path), normalised
 * (qb_uri_normalize: s3a/s3n -> s3, file: forms, "//" and "/./") and percent-decoded, so every spelling
 * of one object gives one key. A path that cannot be parsed (unknown scheme) keys as itself. malloc'd. */
int qb_maint__key(char **out, const qb_maint_tbl *m, const char *recorded, qb_err *err);
/* qb_maint__key into *buf, grown as needed (*cap bytes; the caller frees it) */
int qb_maint__key_into(char **buf, size_t *cap, const qb_maint_tbl *m, const char *recorded, qb_err *err);
/* The path to delete for `recorded`, or *out NULL when it must not be deleted: outside the table
 * directory once resolved and normalised, a ".." segment, an unparsable URI. malloc'd. */
int qb_maint__deletable(char **out, const qb_maint_tbl *m, const char *recorded, qb_err *err);
/* The file a metadata-log entry names, where this table keeps it: `<directory>/metadata/<name>` for an entry
 * whose name is a metadata file name in a metadata/ directory, whatever the rest of its spelling (the log
 * records each file where it was written: a table copied or moved since, or opened under another location
 * than the one recorded, spells it differently, yet a Hadoop table's metadata files only ever live in its own
 * metadata/ directory), else NULL. malloc'd. */
char *qb_maint__logged_metadata_file(const qb_maint_tbl *m, const char *logged);
/* Same test for a path listed under the table directory (physical already). */
bool qb_maint__inside(const qb_maint_tbl *m, const char *normalized);
/* A set of path keys, each with an optional string value (a recorded path), all stored in one arena: the
 * reachability sets of a long history hold hundreds of thousands of paths, one malloc each was a sixth of
 * expiring it. Iterate: for (i < cap) if (slots[i].key) ... */
typedef struct qb_maint_pathset_slot {
  uint64_t hash;
  const char *key; /* NULL: empty */
  const char *value;
  size_t n;
} qb_maint_pathset_slot;
typedef struct qb_maint_pathset {
  qb_maint_pathset_slot *slots;
  size_t cap, count;
  qb_arena arena;
} qb_maint_pathset;
void qb_maint__pathset_init(qb_maint_pathset *s);
void qb_maint__pathset_free(qb_maint_pathset *s);
bool qb_maint__pathset_has(const qb_maint_pathset *s, const char *key);
/* Add `key` with a copy of `value` (may be NULL) unless it is there; *added (optional) says which. */
int qb_maint__pathset_add(qb_maint_pathset *s, const char *key, const char *value, bool *added, qb_err *err);
/* A map key as a C string (maps store NUL-terminated copies). */
static inline const char *qb_maint__slot_key(const qb_map *m, size_t i) { return m->slots[i].key; }

/* ---- deleter.c ---- */

typedef struct qb_maint_deleter {
  qb_fileio *io;
  bool dry_run;
  qb_maint_file_fn fn;
  void *ctx;
  qb_maint_deletions *counts;
  size_t n;
  char *paths[1000]; /* S3 DeleteObjects takes 1,000 keys per request */
  qb_maint_file_kind kinds[1000];
} qb_maint_deleter;

void qb_maint__deleter_init(qb_maint_deleter *d, qb_fileio *io, bool dry_run, qb_maint_file_fn fn, void *ctx,
                            qb_maint_deletions *counts);
/* Queue `path` (taken over) for deletion. Delete failures are counted and reported through the callback. */
void qb_maint__delete(qb_maint_deleter *d, qb_maint_file_kind kind, char *path);
/* Delete what is queued. */
void qb_maint__deleter_flush(qb_maint_deleter *d);

/* ---- reachable.c ---- */

int qb_maint__scanner_open(qb_maint_tbl *m, qb_err *err);
void qb_maint__scanner_close(qb_maint_tbl *m);

/* One manifest of a list: its recorded path, content, the snapshot that added it and how many live
 * (added + existing) entries it holds (-1: unknown, v1). */
typedef int (*qb_maint_manifest_fn)(void *ctx, const char *path, qb_manifest_content content, int64_t added_snapshot_id,
                                    int64_t live_files, qb_err *err);
/* One data or delete file of a manifest: its recorded path, content and status. */
typedef int (*qb_maint_file_path_fn)(void *ctx, const char *path, qb_file_content content, qb_entry_status status,
                                     qb_err *err);

/* The manifests of `s`: its manifest list (only the path, content, added snapshot and file count fields are
 * decoded) or v1 inline manifests. A missing list is QB_ENOTFOUND. */
int qb_maint__snapshot_manifests(const qb_maint_tbl *m, const qb_snapshot *s, qb_maint_manifest_fn fn, void *ctx,
                                 qb_err *err);
/* The entries of manifest `recorded` (status, content, file path only). */
int qb_maint__manifest_files(const qb_maint_tbl *m, const char *recorded, qb_maint_file_path_fn fn, void *ctx,
                             qb_err *err);
/* "statistics-path" of a statistics entry, malloc'd (NULL when absent). */
int qb_maint__statistics_path(char **out, const char *json, qb_err *err);

#endif
