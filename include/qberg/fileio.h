/* SPDX-License-Identifier: Apache-2.0 */
/* FileIO: the storage interface everything above src/io speaks (local disk, S3).
 * Paths are URIs (`s3://bucket/key`, `s3a://…`, `file:/…`, `file:///…`) or plain local paths.
 * A qb_fileio may be used by several threads at once; one qb_file or qb_writer by one thread at a time. */
#ifndef QBERG_FILEIO_H
#define QBERG_FILEIO_H

#include "qberg/common.h"
#include "qberg/err.h"

typedef struct qb_fileio qb_fileio; /* a storage backend instance */
typedef struct qb_file qb_file;     /* an object open for (range) reads */
typedef struct qb_writer qb_writer; /* an object being written; visible only after qb_writer_close */
typedef struct qb_config qb_config; /* settings: include/qberg/config.h */

/** Optional capabilities; callers probe with qb_fileio_can and pick a fallback. */
typedef enum {
  QB_IO_CREATE_EXCL = 1 << 0, /* create-exclusive that is atomic against concurrent writers */
  QB_IO_LIST = 1 << 1,        /* prefix listing */
  QB_IO_RENAME = 1 << 2,      /* atomic rename (local only) */
} qb_io_cap;

typedef enum {
  QB_CREATE_OVERWRITE = 0, /* replace whatever is there, atomically (readers see old or new) */
  QB_CREATE_EXCLUSIVE = 1, /* fail with QB_EEXISTS if the path exists when publishing */
  QB_CREATE_OVERWRITE_VOLATILE = 2, /* as OVERWRITE, but need not survive a power loss (locally: no fsync);
                                       for hints and lock objects, which are rewritten anyway */
  QB_CREATE_EXCLUSIVE_BATCHED = 3,  /* as EXCLUSIVE, and the bytes are as durable, but the new name is made
                                       durable only by the next durable (non-batched, non-volatile) publish
                                       through the same FileIO, before that publish's name appears (locally:
                                       the directory joins the FileIO's set of directories to sync, and that
                                       publish fsyncs each once). For a file referred to only by files written
                                       after it through the same FileIO: data files, manifests and the
                                       manifest list of a commit, all referred to by its version file.
                                       Elsewhere the same as EXCLUSIVE. */
} qb_create_mode;

typedef struct qb_stat {
  uint64_t size_bytes;
  int64_t mtime_ms; /* last modification, ms since epoch; 0 if unknown */
} qb_stat;

/**
 * The local-disk backend: fsync'd writes, create-exclusive via link(2). A file being written that passes
 * 256 KiB (a Parquet data file; not metadata) continues with O_DIRECT: whole 4 KiB blocks from an aligned
 * 256 KiB staging buffer go to the disk without entering the page cache, the tail with O_DIRECT cleared; a
 * file system that refuses O_DIRECT (EINVAL) gets ordinary writes, and the FileIO does not try again. The
 * bytes, the fsync before publishing and the publish are the same either way; such a file is read from the
 * disk afterwards, not from the cache.
 */
QB_API int qb_fileio_local_new(qb_fileio **out, qb_err *err) QB_WUR;
/**
 * The backend for `uri` by its scheme: s3://, s3a://, s3n:// → S3 (endpoint, region and credentials from `cfg`,
 * see include/qberg/s3.h); file: and plain paths → local. `cfg` NULL: qb_config_load with default options.
 */
QB_API int qb_fileio_for_uri(qb_fileio **out, const char *uri, const qb_config *cfg, qb_err *err) QB_WUR;
/** NULL-safe. */
QB_API void qb_fileio_free(qb_fileio *io);
/**
 * Whether `io` can do `cap` now. QB_IO_CREATE_EXCL on S3 reflects the conditional-PUT probe (qb_fileio_probe),
 * or the configuration when it says so: until probed it is false. Without it, QB_CREATE_EXCLUSIVE is only a
 * check-then-write (racy): commits must take a lock instead.
 */
QB_API bool qb_fileio_can(const qb_fileio *io, qb_io_cap cap);
/**
 * Probe the store at `uri` (S3: writes, overwrites-conditionally and deletes a ".qberg-probe-<uuid>" object
 * under that prefix) and update what qb_fileio_can reports. *out_caps (may be NULL) receives the qb_io_cap bits.
 * Local: nothing to probe. Thread-safe.
 */
QB_API int qb_fileio_probe(qb_fileio *io, const char *uri, unsigned *out_caps, qb_err *err) QB_WUR;

/** Open `path` for reads; QB_ENOTFOUND if it does not exist. */
QB_API int qb_fileio_open_read(qb_file **out, qb_fileio *io, const char *path, qb_err *err) QB_WUR;
QB_API uint64_t qb_file_size(const qb_file *f);
/** Read exactly `n` bytes at `offset`; reading past the end is QB_ECORRUPT ("truncated"). */
QB_API int qb_file_pread(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err) QB_WUR;
/** The path the file was opened with (borrowed, valid until close). */
QB_API const char *qb_file_path(const qb_file *f);
/** NULL-safe. */
QB_API void qb_file_close(qb_file *f);
/**
 * A read-only qb_file over `n` bytes at `p` (borrowed: they must outlive the file), for readers that
 * take a qb_file and for fuzzing. `name` (copied; NULL = "<memory>") is what error messages show.
 */
QB_API int qb_file_from_memory(qb_file **out, const void *p, size_t n, const char *name, qb_err *err) QB_WUR;

/** Start writing `path`. Nothing is visible until qb_writer_close succeeds. */
QB_API int qb_fileio_create(qb_writer **out, qb_fileio *io, const char *path, qb_create_mode mode,
                            qb_err *err) QB_WUR;
QB_API int qb_writer_write(qb_writer *w, const void *p, size_t n, qb_err *err) QB_WUR;
/** Bytes written so far (the offset of the next byte). */
QB_API uint64_t qb_writer_offset(const qb_writer *w);
/**
 * Publish the object (durably: fsync'd locally) and free `w` in every case.
 * QB_EEXISTS: exclusive mode and the path existed; nothing of ours is visible.
 */
QB_API int qb_writer_close(qb_writer *w, qb_err *err) QB_WUR;
/** Discard everything written; nothing becomes visible. Frees `w`. NULL-safe. */
QB_API void qb_writer_abort(qb_writer *w);

/** Whole-object helpers. read_all fails with QB_ELIMIT beyond max_bytes; *out is malloc'd (+1 NUL byte). */
QB_API int qb_fileio_read_all(uint8_t **out, size_t *out_n, qb_fileio *io, const char *path, size_t max_bytes,
                              qb_err *err) QB_WUR;
/**
 * As qb_fileio_read_all (same limit, errors and free()-able buffer with its NUL byte), for a file the caller
 * reads once and not again soon (an ingest's raw input): the backend may read it past its cache. Local: a
 * file already in the page cache is copied from it; one that is not is read with O_DIRECT and not added to
 * it (no page-cache insert and copy), falling back to an ordinary read where the file system refuses
 * O_DIRECT (tmpfs, some network file systems). After 8 files in a row found the same way (cached, or not),
 * only every 8th file is asked and the others are read as the run says: a cached file in a run of uncached
 * ones is read with O_DIRECT (the same bytes, from the disk). Files read repeatedly (metadata) should use
 * read_all.
 */
QB_API int qb_fileio_read_once(uint8_t **out, size_t *out_n, qb_fileio *io, const char *path, size_t max_bytes,
                               qb_err *err) QB_WUR;
/**
 * A directory held open while a batch reads the files it listed there (an ingest's raw files): each read opens
 * the file relative to the directory (locally openat(2) on the directory's descriptor: no walk of the whole
 * path per file) and may take the listed size as a hint instead of asking the file system for it.
 * Semantics of the held directory: the reads see the directory that was open when the reader was made, the
 * one the listing saw. If it is renamed (or another directory is moved to its name) while the reader is open,
 * the reads still find the files in it under its new name, not in whatever now has the old name; close the
 * reader and make a new one to follow the name. Hold it for one batch, not across batches. A missing
 * directory is QB_ENOTFOUND. Backends without directories (S3) read each file by its path. One thread at a
 * time per reader.
 */
typedef struct qb_dir_reader qb_dir_reader;
#define QB_SIZE_UNKNOWN UINT64_MAX
QB_API int qb_fileio_dir_reader_open(qb_dir_reader **out, qb_fileio *io, const char *dir, qb_err *err) QB_WUR;
/** The directory as given to qb_fileio_dir_reader_open, without a trailing '/' (borrowed). */
QB_API const char *qb_dir_reader_dir(const qb_dir_reader *d);
/**
 * qb_fileio_read_once of `path`, which should be the reader's directory, '/' and a name (a path elsewhere is
 * read by its path through the FileIO). The contract is read_once's: the limit (QB_ELIMIT), free()-able buffer
 * with its NUL byte, QB_ENOTFOUND for a missing file, errors naming `path` ("not a regular file",
 * "truncated", "open", "read at offset"). `size_hint` is the size the listing saw, or QB_SIZE_UNKNOWN: a
 * hint only. The bytes are the file's as it is when read: a file that changed size since the listing (or was
 * replaced) is read whole at its new size, and the limit applies to that size (locally: a read that does not
 * end at the hinted size asks the file system for the size, and reads on or fails as read_once would).
 */
QB_API int qb_dir_reader_read_once(uint8_t **out, size_t *out_n, qb_dir_reader *d, const char *path,
                                   uint64_t size_hint, size_t max_bytes, qb_err *err) QB_WUR;
/**
 * The k-th file (k = 0, 1, ...) of a read-ahead plan: its path and size hint as qb_dir_reader_read_once will
 * be given them (the path borrowed for the call only); false past the plan's end.
 */
typedef bool (*qb_dir_plan_fn)(void *ctx, size_t k, const char **path, uint64_t *size_hint);
/**
 * A read-ahead plan: the files the next reads through `d` will ask for, in this order (an ingest's listing).
 * A backend may read planned files before they are asked for; the local FileIO does so only for files that
 * are not in the page cache (a batch it finds cached reads as without a plan: no thread, no extra system
 * call), with up to 2 helper threads and a window of up to 8 MiB of files read ahead (docs/CATALOG.md,
 * "Reading raw files ahead"). Backends without read-ahead ignore the plan.
 * The reads return what they return without a plan, with the same errors: a file read ahead is handed over
 * only when it was read whole at its hinted size, anything else (gone, replaced by a directory, changed size,
 * an error, the limit) is read again when asked for, as without a plan, and the error is that read's. Its
 * bytes are the file's as they were when read ahead (a file rewritten in place since then: the earlier
 * bytes), as for any file read once before it changed.
 * `fn` is called only from within calls on `d` (this one, read_once), on the thread making them, until the
 * plan is replaced or `d` closed; `ctx` must live until then. A read of the plan's next file, or of one up to
 * 64 files further on (the files skipped are dropped), follows the plan; any other path is read as without a
 * plan. A new plan replaces the old (files read ahead for the old are dropped); fn NULL removes it.
 * qb_dir_reader_close waits for reads in flight and frees every file read ahead.
 */
QB_API void qb_dir_reader_plan(qb_dir_reader *d, qb_dir_plan_fn fn, void *ctx);
/** NULL-safe. */
QB_API void qb_dir_reader_close(qb_dir_reader *d);
QB_API int qb_fileio_write_all(qb_fileio *io, const char *path, const void *p, size_t n, qb_create_mode mode,
                               qb_err *err) QB_WUR;
/** QB_ENOTFOUND when absent. */
QB_API int qb_fileio_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err) QB_WUR;
/** Delete one object; deleting an absent object is QB_OK. */
QB_API int qb_fileio_delete(qb_fileio *io, const char *path, qb_err *err) QB_WUR;
/**
 * Delete `n` objects (S3: DeleteObjects, 1,000 keys per request). Absent objects are fine. On failure the
 * message names the first object that could not be deleted and how many failed; the others may be gone.
 */
QB_API int qb_fileio_delete_many(qb_fileio *io, const char *const *paths, size_t n, qb_err *err) QB_WUR;
/** Copy `src` to `dst` (overwriting) on the same backend; S3: server-side CopyObject. */
QB_API int qb_fileio_copy(qb_fileio *io, const char *src, const char *dst, qb_err *err) QB_WUR;

/**
 * Call `fn` for every object under `prefix` (recursively, in no particular order), with its full path
 * (S3: "s3://bucket/key" whatever spelling the prefix used; the prefix is a plain string prefix of the key).
 * A non-zero return from `fn` stops the listing and is returned.
 */
typedef int (*qb_list_fn)(void *ctx, const char *path, const qb_stat *st, qb_err *err);
QB_API int qb_fileio_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err) QB_WUR;

/**
 * qb_fileio_list where learning a file's size costs a call of its own (a local disk: one stat(2) per file):
 * `want(ctx, path)` is asked first and, when it returns false, the file is skipped (`fn` is not called for
 * it) without that call. `want` may take the file into account itself (count it, note it). Backends whose
 * listing gives sizes anyway (S3) do not ask `want`: every file goes to `fn`, as with qb_fileio_list, so
 * `fn` must handle any file `want` would have taken. A directory entry whose type the file system does not
 * give is stat'ed first, then asked about. Same order and paths as qb_fileio_list.
 */
typedef bool (*qb_list_want_fn)(void *ctx, const char *path);
QB_API int qb_fileio_list_filtered(qb_fileio *io, const char *prefix, qb_list_want_fn want, qb_list_fn fn, void *ctx,
                                   qb_err *err) QB_WUR;

/*
 * Directories. Local disks have them; object stores only have key prefixes, so there a "directory" exists
 * while some object lies under it: list_dir is emulated with a prefix listing, mkdir and rmdir do nothing.
 */

/** One entry of a directory: its name (no slash) and whether it is a directory (or a non-empty prefix). */
typedef int (*qb_dir_fn)(void *ctx, const char *name, bool is_dir, qb_err *err);
/**
 * Call `fn` for every entry directly under `dir` (one level, no particular order, "." and ".." skipped).
 * A missing directory is QB_ENOTFOUND. A non-zero return from `fn` stops the listing and is returned.
 */
QB_API int qb_fileio_list_dir(qb_fileio *io, const char *dir, qb_dir_fn fn, void *ctx, qb_err *err) QB_WUR;
/** Create `dir` and its parents; an existing directory is QB_OK. No-op on object stores. */
QB_API int qb_fileio_mkdir(qb_fileio *io, const char *dir, qb_err *err) QB_WUR;
/** Remove the empty directory `dir`; absent is QB_OK, not empty is QB_EINVAL. No-op on object stores. */
QB_API int qb_fileio_rmdir(qb_fileio *io, const char *dir, qb_err *err) QB_WUR;
/**
 * Atomically rename a file or directory without replacing anything: QB_EEXISTS if `to` exists.
 * Parents of `to` are created. QB_EUNSUPPORTED unless qb_fileio_can(io, QB_IO_RENAME).
 */
QB_API int qb_fileio_rename(qb_fileio *io, const char *from, const char *to, qb_err *err) QB_WUR;
/** An exclusive lock this process holds (qb_fileio_lock). */
typedef struct qb_file_lock qb_file_lock;
/**
 * Take the exclusive lock named by the file `path` without waiting (the file and its folders are created
 * when missing). Held until qb_fileio_unlock or until the process ends, however it ends: a process
 * killed mid-work leaves no lock behind (local: flock(2) on the file, which stays where it is). `note`
 * (one line: who holds it, since when) replaces the file's text once taken, for whoever finds it held.
 * QB_ECONFLICT when another holder has it, the message quoting that holder's note; QB_EUNSUPPORTED when
 * the backend has no such lock (object stores: a lock there is a lease that must be renewed). Not
 * reentrant: taking a path this process already holds is QB_ECONFLICT too. Advisory: it excludes only
 * those who take it.
 */
QB_API int qb_fileio_lock(qb_file_lock **out, qb_fileio *io, const char *path, const char *note,
                          qb_err *err) QB_WUR;
/** Release the lock (NULL-safe). */
QB_API void qb_fileio_unlock(qb_file_lock *l);
/**
 * The one spelling of a storage URI, for comparing paths: s3a://b/k and s3n://b/k become s3://b/k; file:///p,
 * file:/p and p become p with "//" and "/./" collapsed and no trailing '/'. *out is malloc'd.
 */
QB_API int qb_uri_normalize(char **out, const char *uri, qb_err *err) QB_WUR;

#endif
