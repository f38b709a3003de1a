/* SPDX-License-Identifier: Apache-2.0 */
/* The FileIO vtables shared by the backends (local.c, s3.c, faulty.c). A NULL slot means "cannot". */
#ifndef QB_IO_FILEIO_INT_H
#define QB_IO_FILEIO_INT_H

#include "qberg/fileio.h"

struct qb_fileio_ops {
  const char *name;
  unsigned caps; /* qb_io_cap bits */
  int (*open_read)(qb_fileio *io, const char *path, qb_file **out, qb_err *err);
  int (*create)(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err);
  int (*stat)(qb_fileio *io, const char *path, qb_stat *out, qb_err *err);
  int (*remove)(qb_fileio *io, const char *path, qb_err *err);
  int (*list)(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err);
  /* Optional (NULL: `list`, asking `want` before `fn`): qb_fileio_list_filtered, skipping before a stat. */
  int (*list_filtered)(qb_fileio *io, const char *prefix, qb_list_want_fn want, qb_list_fn fn, void *ctx,
                       qb_err *err);
  /* Optional (NULL: list_dir lists everything below and keeps the first path segments): the keys directly below
   * `prefix` (which ends in '/') and, once each, its sub-prefixes as paths ending in '/' (S3: delimiter '/').
   * Listing the warehouse's namespaces read every data file's key (found by exploreV). */
  int (*list_shallow)(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err);
  void (*free)(qb_fileio *io);
  int (*remove_many)(qb_fileio *io, const char *const *paths, size_t n, qb_err *err); /* NULL: one by one */
  int (*copy)(qb_fileio *io, const char *src, const char *dst, qb_err *err);         /* NULL: read + write */
  int (*probe)(qb_fileio *io, const char *uri, qb_err *err); /* NULL: nothing to probe; updates io->caps */
  bool batched_publish; /* honours QB_CREATE_EXCLUSIVE_BATCHED; false: qb_fileio_create passes EXCLUSIVE */
  /* Optional (NULL: qb_fileio_dir_reader_open makes a reader that reads each file by its path). A reader of
   * `dir` (as given, no trailing '/') holding what the backend needs to open names in it (local: the
   * directory's descriptor); *out's ops set, `io` and `dir` filled by the caller. */
  int (*dir_reader_open)(qb_fileio *io, const char *dir, qb_dir_reader **out, qb_err *err);
  /* Optional (NULL: QB_EUNSUPPORTED): qb_fileio_lock's contract; *out's release set by the backend. */
  int (*lock)(qb_fileio *io, const char *path, const char *note, qb_file_lock **out, qb_err *err);
};

/* A held lock: the backend's struct starts with this. */
struct qb_file_lock {
  void (*release)(qb_file_lock *l); /* unlocks and frees */
};

struct qb_dir_reader_ops {
  /* The file `name` (no '/') of the directory, read once as qb_fileio_read_once reads it; `path` is the whole
   * path, for messages. `size_hint`: the size the listing saw (QB_SIZE_UNKNOWN: none). */
  int (*read_once)(qb_dir_reader *d, const char *path, const char *name, uint64_t size_hint, size_t max_bytes,
                   uint8_t **out, size_t *out_n, qb_err *err);
  void (*close)(qb_dir_reader *d); /* frees what the backend holds, not `dir` nor the struct's base */
  /* Optional (NULL: plans ignored): qb_dir_reader_plan's contract. */
  void (*plan)(qb_dir_reader *d, qb_dir_plan_fn fn, void *ctx);
};

struct qb_dir_reader {
  const struct qb_dir_reader_ops *ops; /* NULL: by path through `io` */
  qb_fileio *io;
  char *dir; /* owned */
  size_t dir_n;
};

/* Directory operations, optional as a whole (NULL on object stores: fileio.c emulates or skips them).
 * Kept out of qb_fileio_ops so backends written before them need no change. */
struct qb_fileio_dir_ops {
  int (*list_dir)(qb_fileio *io, const char *dir, qb_dir_fn fn, void *ctx, qb_err *err);
  int (*mkdir)(qb_fileio *io, const char *dir, qb_err *err);
  int (*rmdir)(qb_fileio *io, const char *dir, qb_err *err);
  int (*rename)(qb_fileio *io, const char *from, const char *to, qb_err *err); /* no-replace */
};

struct qb_fileio {
  const struct qb_fileio_ops *ops;
  void *impl;
  const struct qb_fileio_dir_ops *dir; /* NULL: no directories */
  unsigned caps; /* what qb_fileio_can reports: ops->caps, or the probe's finding */
};

struct qb_file_ops {
  int (*pread)(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err);
  void (*close)(qb_file *f);
  /* Optional (NULL: malloc + pread). The whole file, read once: its `size` (> 0) bytes from offset 0 into a
   * new free()-able buffer of at least size + 1 bytes (*out), with pread's errors and messages. A backend
   * may keep what it reads out of its cache (local: O_DIRECT). Only close may follow. */
  int (*read_once)(qb_file *f, uint8_t **out, qb_err *err);
};

struct qb_file {
  const struct qb_file_ops *ops;
  uint64_t size;
  char *path; /* owned */
};

struct qb_writer_ops {
  int (*write)(qb_writer *w, const void *p, size_t n, qb_err *err);
  int (*close)(qb_writer *w, qb_err *err); /* publish and free */
  void (*abort)(qb_writer *w);             /* discard and free */
};

struct qb_writer {
  const struct qb_writer_ops *ops;
  uint64_t offset;
  char *path; /* owned */
};

/** Copy src to dst through a bounded buffer (qb_fileio_copy's fallback). */
int qb_fileio__copy_stream(qb_fileio *io, const char *src, const char *dst, qb_err *err);

#endif
