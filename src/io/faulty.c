/* SPDX-License-Identifier: Apache-2.0 */
/* Fault-injecting FileIO wrapper (see faulty.h). */
#include "io/faulty.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/fileio_int.h"

typedef struct faulty_io {
  qb_fileio base;
  qb_fileio *inner;
  bool owns;
  qb_fault_plan plan;
  unsigned calls; /* atomic */
  bool fired;
} faulty_io;

/* Count a call; returns the fault kind to apply, or -1. */
static int hit(faulty_io *f)
{
  unsigned n = __atomic_add_fetch(&f->calls, 1, __ATOMIC_ACQ_REL);
  if (!f->plan.at || n < f->plan.at || (n > f->plan.at && !f->plan.sticky)) return -1;
  __atomic_store_n(&f->fired, true, __ATOMIC_RELEASE);
  if (f->plan.kind == QB_FAULT_STALL) {
    struct timespec ts = {f->plan.stall_ms / 1000, (long)(f->plan.stall_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
  return (int)f->plan.kind;
}

static int injected(faulty_io *f, const char *op, const char *path, qb_err *err)
{
  int rc = QB_FAIL(err, f->plan.code ? f->plan.code : QB_EIO, "%s: %s: injected fault at call %u", path, op,
                   __atomic_load_n(&f->calls, __ATOMIC_ACQUIRE));
  if (err) err->retryable = f->plan.retryable;
  return rc;
}

/* ---- files ---- */

typedef struct faulty_file {
  qb_file base;
  faulty_io *f;
  qb_file *inner;
} faulty_file;

static int ff_pread(qb_file *fb, void *buf, size_t n, uint64_t off, qb_err *err)
{
  faulty_file *ff = (faulty_file *)fb;
  int k = hit(ff->f);
  if (k == QB_FAULT_FAIL) return injected(ff->f, "read", fb->path, err);
  int rc = qb_file_pread(ff->inner, buf, n, off, err);
  if (rc == QB_OK && k == QB_FAULT_FAIL_AFTER) return injected(ff->f, "read", fb->path, err);
  return rc;
}

static void ff_close(qb_file *fb)
{
  faulty_file *ff = (faulty_file *)fb;
  qb_file_close(ff->inner);
  free(fb->path);
  free(ff);
}

static const struct qb_file_ops faulty_file_ops = {ff_pread, ff_close, NULL};

static int fo_open_read(qb_fileio *io, const char *path, qb_file **out, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  int k = hit(f);
  if (k == QB_FAULT_FAIL) return injected(f, "open", path, err);
  faulty_file *ff = calloc(1, sizeof *ff);
  if (!ff) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_fileio_open_read(&ff->inner, f->inner, path, err);
  if (rc == QB_OK && !(ff->base.path = strdup(path))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc == QB_OK && k == QB_FAULT_FAIL_AFTER) rc = injected(f, "open", path, err);
  if (rc) {
    qb_file_close(ff->inner);
    free(ff->base.path);
    free(ff);
    return rc;
  }
  ff->base.ops = &faulty_file_ops;
  ff->base.size = qb_file_size(ff->inner);
  if (k == QB_FAULT_TRUNCATE) ff->base.size /= 2; /* a short object: readers must notice */
  ff->f = f;
  *out = &ff->base;
  return QB_OK;
}

/* ---- writers ---- */

typedef struct faulty_writer {
  qb_writer base;
  faulty_io *f;
  qb_writer *inner;
} faulty_writer;

static void fw_free(faulty_writer *w)
{
  free(w->base.path);
  free(w);
}

static int fw_write(qb_writer *wb, const void *p, size_t n, qb_err *err)
{
  faulty_writer *w = (faulty_writer *)wb;
  int k = hit(w->f);
  if (k == QB_FAULT_FAIL) return injected(w->f, "write", wb->path, err);
  int rc = qb_writer_write(w->inner, p, k == QB_FAULT_TRUNCATE ? n / 2 : n, err);
  if (rc == QB_OK && k == QB_FAULT_FAIL_AFTER) return injected(w->f, "write", wb->path, err);
  return rc;
}

static int fw_close(qb_writer *wb, qb_err *err)
{
  faulty_writer *w = (faulty_writer *)wb;
  int k = hit(w->f), rc;
  if (k == QB_FAULT_FAIL) {
    qb_writer_abort(w->inner);
    rc = injected(w->f, "publish", wb->path, err);
  } else {
    rc = qb_writer_close(w->inner, err);
    if (rc == QB_OK && k == QB_FAULT_FAIL_AFTER) rc = injected(w->f, "publish", wb->path, err);
  }
  fw_free(w);
  return rc;
}

static void fw_abort(qb_writer *wb)
{
  faulty_writer *w = (faulty_writer *)wb;
  qb_writer_abort(w->inner);
  fw_free(w);
}

static const struct qb_writer_ops faulty_writer_ops = {fw_write, fw_close, fw_abort};

static int fo_create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  if (hit(f) == QB_FAULT_FAIL) return injected(f, "create", path, err);
  faulty_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  int rc = qb_fileio_create(&w->inner, f->inner, path, mode, err);
  if (rc == QB_OK && !(w->base.path = strdup(path))) {
    qb_writer_abort(w->inner);
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc) {
    free(w);
    return rc;
  }
  w->base.ops = &faulty_writer_ops;
  w->f = f;
  *out = &w->base;
  return QB_OK;
}

/* ---- the rest ---- */

#define SIMPLE(op, call, path)                                      \
  do {                                                              \
    int k_ = hit(f);                                                \
    if (k_ == QB_FAULT_FAIL) return injected(f, op, path, err);     \
    int rc_ = (call);                                               \
    if (rc_ == QB_OK && k_ == QB_FAULT_FAIL_AFTER) return injected(f, op, path, err); \
    return rc_;                                                     \
  } while (0)

static int fo_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  if (f->plan.before_stat) f->plan.before_stat(f->plan.before_stat_ctx, path);
  SIMPLE("stat", qb_fileio_stat(f->inner, path, out, err), path);
}

static int fo_remove(qb_fileio *io, const char *path, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  SIMPLE("delete", qb_fileio_delete(f->inner, path, err), path);
}

static int fo_remove_many(qb_fileio *io, const char *const *paths, size_t n, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  SIMPLE("delete", qb_fileio_delete_many(f->inner, paths, n, err), paths[0]);
}

static int fo_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  SIMPLE("list", qb_fileio_list(f->inner, prefix, fn, ctx, err), prefix);
}

static int fo_copy(qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  SIMPLE("copy", qb_fileio_copy(f->inner, src, dst, err), dst);
}

static int fo_probe(qb_fileio *io, const char *uri, qb_err *err)
{
  faulty_io *f = (faulty_io *)io;
  int rc = qb_fileio_probe(f->inner, uri, NULL, err);
  __atomic_store_n(&io->caps, __atomic_load_n(&f->inner->caps, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
  return rc;
}

/* The inner store's lock, not counted and never failed: the fault plans number the calls of the work a
 * lock protects, which are the same with and without it (a store without locks: QB_EUNSUPPORTED). */
static int fo_lock(qb_fileio *io, const char *path, const char *note, qb_file_lock **out, qb_err *err)
{
  return qb_fileio_lock(out, ((faulty_io *)io)->inner, path, note, err);
}

static void fo_free(qb_fileio *io)
{
  faulty_io *f = (faulty_io *)io;
  if (f->owns) qb_fileio_free(f->inner);
  free(f);
}

static const struct qb_fileio_ops faulty_ops = {
    .name = "faulty",
    .open_read = fo_open_read,
    .create = fo_create,
    .stat = fo_stat,
    .remove = fo_remove,
    .list = fo_list,
    .free = fo_free,
    .remove_many = fo_remove_many,
    .copy = fo_copy,
    .probe = fo_probe,
    .lock = fo_lock,
};

int qb_fileio_faulty_new(qb_fileio **out, qb_fileio *inner, bool owns_inner, const qb_fault_plan *plan, qb_err *err)
{
  *out = NULL;
  faulty_io *f = calloc(1, sizeof *f);
  if (!f) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  f->base.ops = &faulty_ops;
  f->base.impl = f;
  f->base.caps = inner->caps;
  f->inner = inner;
  f->owns = owns_inner;
  f->plan = *plan;
  *out = &f->base;
  return QB_OK;
}

unsigned qb_fileio_faulty_calls(const qb_fileio *io)
{
  return io->ops == &faulty_ops ? __atomic_load_n(&((const faulty_io *)io)->calls, __ATOMIC_ACQUIRE) : 0;
}

bool qb_fileio_faulty_fired(const qb_fileio *io)
{
  return io->ops == &faulty_ops && __atomic_load_n(&((const faulty_io *)io)->fired, __ATOMIC_ACQUIRE);
}
