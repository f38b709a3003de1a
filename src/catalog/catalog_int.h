/* SPDX-License-Identifier: Apache-2.0 */
/* Structures and helpers shared by the files of the catalog layer (hadoop.c, publish.c, lock.c, commit.c,
 * meta_info.c, table.c). */
#ifndef QB_CATALOG_INT_H
#define QB_CATALOG_INT_H

#include "qberg/catalog.h"
#include "qberg/table_metadata.h"

#define QB_VERSION_HINT "version-hint.text"
#define QB_DEFAULT_LEASE_MS 30000

struct qb_catalog {
  char *warehouse; /* absolute, no trailing slash; NULL if none */
  qb_fileio *io;
  bool own_io;
  qb_commit_mode mode;
  int64_t lease_ms;
  int probed; /* the store's create-exclusive was probed (atomic flag; probing twice is harmless) */
};

struct qb_table {
  qb_catalog *cat; /* borrowed */
  char *name;      /* as given */
  char *root;      /* table directory */
  char *meta_dir;  /* root + "/metadata" */
  bool pinned;     /* loaded from an explicit metadata file: refresh keeps it */
  char *path;      /* current metadata file */
  int64_t version; /* -1 when the file name carries no version */
  bool hint_stale; /* the version hint, a number, named another version when this one was found */
  uint8_t *json;   /* NUL-terminated; NULL after a commit until asked for (qb_table__json: made from md) */
  size_t json_n;   /* its length, also while json is NULL */
  qb_table_metadata *md; /* parsed on first use (qb_table_get_metadata) */
};

/* ---- metadata file names (hadoop.c) ---- */

typedef enum {
  QB_MDNAME_NONE = 0,
  QB_MDNAME_PLAIN,  /* v<N>.metadata.json */
  QB_MDNAME_GZ,     /* v<N>.gz.metadata.json (Java, write.metadata.compression-codec=gzip) */
  QB_MDNAME_OLDGZ,  /* v<N>.metadata.json.gz (Java before 0.9) */
  QB_MDNAME_SEQ,    /* <N>-<anything>.metadata.json[.gz] (metastore catalogs: 00003-<uuid>.metadata.json) */
} qb_mdname_kind;

/* Classify a file name of metadata/; *version gets N (0..INT32_MAX). */
qb_mdname_kind qb_hadoop__parse_name(const char *name, int64_t *version);
/* "<meta_dir>/v<N><suffix of kind>"; malloc'd, NULL on ENOMEM. */
char *qb_hadoop__version_path(const char *meta_dir, int64_t version, qb_mdname_kind kind);

/* "a/b" joined with one '/'; malloc'd. */
char *qb_path_join(const char *dir, const char *name);
/* The final component (after the last '/'), borrowed. */
const char *qb_path_base(const char *path);

/* Resolve TABLE (see catalog.h) to its directory, and to the metadata file when one was named. */
int qb_catalog__resolve(qb_catalog *cat, const char *table, char **root_out, char **file_out, qb_err *err);
/* Whether a table (`table`) or namespace named `name`, in directory `dir`, may be made there: no enclosing
 * namespace of a dotted name is a table, and a new table's directory holds no namespace or table. Nested, the
 * outer table's orphan removal and drop would delete the inner one's files as its own. QB_EINVAL if not. */
int qb_catalog__check_place(qb_catalog *cat, const char *name, const char *dir, bool table, qb_err *err);

/* The load algorithm on metadata/: hint, probe forward, listing. QB_ENOTFOUND when there is no metadata. */
int qb_hadoop__find_current(qb_fileio *io, const char *meta_dir, char **path_out, int64_t *version_out,
                            bool *hint_stale, qb_err *err);
/* Probe v<from+1>, v<from+2>, ... in every name form; *out = the last version that exists (>= from). */
int qb_hadoop__probe_forward(qb_fileio *io, const char *meta_dir, int64_t from, int64_t *out, char **path_out,
                             qb_err *err);
/* The highest version among the metadata files listed in meta_dir (-1: none). */
int qb_hadoop__max_version(qb_fileio *io, const char *meta_dir, int64_t *out, qb_err *err);
/* Read a metadata file, decompressing gzip or zstd (by content, whatever the name says). */
int qb_hadoop__read_metadata(qb_fileio *io, const char *path, uint8_t **out, size_t *out_n, qb_err *err);
/* Does dir/metadata hold a metadata file or a version hint? */
int qb_hadoop__is_table_dir(qb_fileio *io, const char *dir, bool *out, qb_err *err);
/* Freed version numbers. Deleting v<N>.metadata.json frees its name for create-exclusive, so a writer on a
 * stale base could publish v<N> again (a fork). Whoever deletes a version first leaves a marker
 * "<meta_dir>-freed/v<N>-<table uuid>" (outside metadata/, so it never lengthens the listings commits make);
 * a publisher of v<N> that finds the marker of its own table takes its file back. The uuid keeps a marker of
 * a dropped table from refusing the versions of a new table created at the same place. */
char *qb_hadoop__freed_marker(const char *meta_dir, int64_t version, const char *uuid);
/* Leave the marker of `version_file`'s version (durably), then delete the file; the marker of the version
 * QB_FREED_MARKERS_KEPT below is removed (best effort), so markers do not grow with the history. A file
 * whose name is not a metadata version is refused (QB_EINVAL). */
#define QB_FREED_MARKERS_KEPT 1000
/* Only the marker of `version_file` (*version gets its number): for deleters that delete in batches. */
int qb_hadoop__mark_freed(qb_fileio *io, const char *meta_dir, const char *uuid, const char *version_file,
                          int64_t *version, qb_err *err);
int qb_hadoop__free_version(qb_fileio *io, const char *meta_dir, const char *uuid, const char *version_file,
                            qb_err *err);
/* Does a marker of `version` exist, of any table that lived here (creating v1: the uuid is not known)? */
int qb_hadoop__version_freed_any(qb_fileio *io, const char *meta_dir, int64_t version, bool *out, qb_err *err);
/* What the marker of `version` says of the file it freed: *known, with the size and qb_hash_bytes of its JSON
 * text (gunzipped) — a publisher of v<N> that finds the marker compares them with its own document, to tell
 * its own file freed after it was published (it stands) from another file of that number (ours is a fork).
 * *known is false without a marker, or for an empty one (written before qberg recorded identities, or of a
 * file that could not be read). */
int qb_hadoop__freed_identity(qb_fileio *io, const char *meta_dir, int64_t version, const char *uuid, bool *known,
                              uint64_t *size, uint64_t *hash, qb_err *err);
/* Does the marker of `version` exist? */
int qb_hadoop__version_freed(qb_fileio *io, const char *meta_dir, int64_t version, const char *uuid, bool *out,
                             qb_err *err);
/* Best effort: replace metadata/version-hint.text with the decimal `version`, no newline. */
int qb_hadoop__write_hint(qb_fileio *io, const char *meta_dir, int64_t version, qb_err *err);

/* ---- what the catalog reads from a metadata document (meta_info.c) ---- */

typedef struct qb_meta_info {
  const qb_table_metadata *md; /* borrowed */
  int64_t retry_num;      /* commit.retry.num-retries */
  int64_t retry_min_ms;   /* commit.retry.min-wait-ms */
  int64_t retry_max_ms;   /* commit.retry.max-wait-ms */
  int64_t retry_total_ms; /* commit.retry.total-timeout-ms */
  bool delete_after_commit;
  bool gzip;              /* write.metadata.compression-codec = gzip */
  bool has_metadata_path; /* write.metadata.path set (Hadoop tables cannot relocate metadata) */
} qb_meta_info;

/* Java's defaults for the commit properties (TableProperties.java) */
void qb_meta_info_defaults(qb_meta_info *out);
/* The catalog-relevant properties of `md`; a malformed integer fails as in Java. */
int qb_meta_info_from(qb_meta_info *out, const qb_table_metadata *md, qb_err *err);

/* ---- publishing one version (publish.c) ---- */

typedef struct qb_publish {
  qb_fileio *io;
  const char *meta_dir;
  int64_t version;    /* N+1 */
  const qb_slice *parts; /* the document: these byte ranges, one after the other */
  size_t n_parts;
  size_t n;           /* their total length */
  bool gzip;          /* write v<N>.gz.metadata.json, gzip-compressed */
  bool exclusive;     /* create-exclusive (else: check, overwrite, read back) */
} qb_publish;

/*
 * Publish the document p->parts as version p->version (streamed to the store from its pieces: a long history's
 * document is mostly the snapshots text cached with the metadata, never copied into one buffer). QB_OK: it is visible (*path_out = its path). QB_ECONFLICT: another
 * writer has that version; nothing of ours is visible. QB_ECOMMIT_UNKNOWN: the outcome could not be
 * determined. Other codes: nothing visible.
 */
int qb_publish__version(const qb_publish *p, char **path_out, qb_err *err);
/* gzip-compress (RFC 1952) the concatenation of `parts` into a malloc'd buffer. */
int qb_gzip__compress(const qb_slice *parts, size_t n_parts, uint8_t **out, size_t *out_n, qb_err *err);
/* If p is gzip (1f 8b) or zstd (28 b5 2f fd), decompress it into *out (NUL-terminated, at most max_out
 * bytes: QB_ELIMIT beyond, QB_ECORRUPT on bad data) and return QB_OK; *out stays NULL for other input. */
int qb_metadata__decompress(const uint8_t *p, size_t n, size_t max_out, uint8_t **out, size_t *out_n, qb_err *err);

/* ---- the lock for stores without create-exclusive (lock.c) ---- */

typedef struct qb_lock qb_lock;

typedef struct qb_lock_opts {
  int64_t lease_ms;       /* a ticket unchanged this long (observer's clock) is broken */
  int64_t deadline_ns;    /* qb_mono_ns() time after which acquisition gives up (QB_ECONFLICT) */
} qb_lock_opts;

/* Take the lock of the table whose metadata lives in meta_dir (tickets under meta_dir/_qberg_lock/). */
int qb_lock__acquire(qb_lock **out, qb_fileio *io, const char *meta_dir, const qb_lock_opts *o, qb_err *err);
/* Fencing check, right before acting under the lock: QB_OK only if our lease is still good (renewing it
 * when due) and our ticket is still there; QB_ECONFLICT if the lock was or may have been lost. */
int qb_lock__check(qb_lock *l, qb_err *err);
/* After writing under the lock: was the write over (at write_end_ns, a qb_mono_ns() time) before anyone
 * could have broken the lock? If not, a writer that broke it may replace what we wrote. */
bool qb_lock__held_since_write(const qb_lock *l, int64_t write_end_ns);
/* Remove our ticket (best effort) and free. NULL-safe. */
void qb_lock__release(qb_lock *l);
/* Sleep (restarted after signals); for lock polling and commit backoff. */
void qb_catalog__sleep_ms(int64_t ms);

/* ---- the files a table references (purge.c) ---- */

typedef enum { QB_REF_DATA = 0, QB_REF_MANIFEST, QB_REF_MANIFEST_LIST, QB_REF_STATISTICS } qb_ref_kind;
typedef int (*qb_ref_fn)(void *ctx, qb_ref_kind kind, const char *path, qb_err *err);

/* Every file t's metadata references, once each, by kind; paths under the recorded location are given
 * under the table's directory. Manifests already gone are skipped. */
int qb_catalog__referenced_files(qb_table *t, qb_ref_fn fn, void *ctx, qb_err *err);
/* Delete the referenced files that lie outside t's directory (data/delete files only if gc.enabled). */
int qb_catalog__purge(qb_table *t, int *deleted, qb_err *err);

/* ---- tables (table.c) ---- */

/* Load the table at `root` (its current version, or `file` when given) into a new handle. */
int qb_table__open(qb_table **out, qb_catalog *cat, const char *name, const char *root, const char *file,
                   qb_err *err);
/* Replace the handle's state with an already-read version (takes ownership of path and json). json may be
 * NULL when the caller then sets t->md: the document of n bytes is serialised from it when asked for. */
void qb_table__set(qb_table *t, char *path, int64_t version, uint8_t *json, size_t n);
/* The handle's current document (serialised from t->md on first use after a commit). */
int qb_table__json(qb_slice *out, qb_table *t, qb_err *err);

#endif
