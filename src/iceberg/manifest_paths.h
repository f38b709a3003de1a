/* SPDX-License-Identifier: Apache-2.0 */
/* A lean scanner of manifest lists and manifests for callers that need only paths (maintenance: expiration,
 * orphan removal, fsck): decodes the few fields they need straight from each block's bytes, skipping the
 * rest by the writer schema, without building values. Fields match by field id (spec "Manifest Lists",
 * "Manifests"), else by name, so v1 and v2 files of every writer read alike. */
#ifndef QB_ICEBERG_MANIFEST_PATHS_H
#define QB_ICEBERG_MANIFEST_PATHS_H

#include "qberg/avro.h"
#include "qberg/err.h"
#include "qberg/fileio.h"

typedef struct qb_manifest_paths qb_manifest_paths; /* parsed schemas and skip plans, reused across files */

/* One manifest_file of a list. `path` is NUL-terminated and borrowed until the callback returns; an absent
 * field or a null reads as -1 (content: 0). */
typedef struct qb_mp_list_item {
  const char *path;
  size_t path_n;
  int64_t content;           /* 517 */
  int64_t added_snapshot_id; /* 503 */
  int64_t added_files;       /* 504 */
  int64_t existing_files;    /* 505 */
} qb_mp_list_item;

/* One manifest_entry. status is the raw value (checked by the caller); content defaults to 0 (v1). */
typedef struct qb_mp_entry {
  const char *path; /* data_file.file_path (100) */
  size_t path_n;
  int64_t status;  /* 0 */
  int64_t content; /* data_file.content (134) */
} qb_mp_entry;

typedef int (*qb_mp_list_fn)(void *ctx, const qb_mp_list_item *item, qb_err *err);
typedef int (*qb_mp_entry_fn)(void *ctx, const qb_mp_entry *entry, qb_err *err);

int qb_manifest_paths__new(qb_manifest_paths **out, qb_err *err);
void qb_manifest_paths__free(qb_manifest_paths *s);

/* Every manifest_file of the manifest list at `path` (a physical path of `io`), in file order.
 * Errors name the file, block and record: QB_ECORRUPT, QB_ENOTFOUND, QB_EIO, QB_ELIMIT, QB_ENOMEM, or what
 * `fn` returned. */
int qb_manifest_paths__list(qb_manifest_paths *s, qb_fileio *io, const char *path, qb_mp_list_fn fn, void *ctx,
                            qb_err *err);
/* Every manifest_entry of the manifest at `path`, in file order. */
int qb_manifest_paths__manifest(qb_manifest_paths *s, qb_fileio *io, const char *path, qb_mp_entry_fn fn,
                                void *ctx, qb_err *err);

#endif
