/* SPDX-License-Identifier: Apache-2.0 */
/* FileIO dispatch and the whole-object helpers (see include/qberg/fileio.h). */
#include <stdlib.h>
#include <string.h>

#include "io/fileio_int.h"
#include "io/s3_int.h"
#include "io/uri.h"
#include "qberg/config.h"
#include "util/hash.h"
#include "util/str.h"

void qb_fileio_free(qb_fileio *io)
{
  if (io && io->ops->free) io->ops->free(io);
}

bool qb_fileio_can(const qb_fileio *io, qb_io_cap cap)
{
  return (__atomic_load_n(&io->caps, __ATOMIC_ACQUIRE) & (unsigned)cap) == (unsigned)cap;
}

int qb_fileio_probe(qb_fileio *io, const char *uri, unsigned *out_caps, qb_err *err)
{
  int rc = io->ops->probe ? io->ops->probe(io, uri, err) : QB_OK;
  if (out_caps) *out_caps = __atomic_load_n(&io->caps, __ATOMIC_ACQUIRE);
  return rc;
}

int qb_fileio_open_read(qb_file **out, qb_fileio *io, const char *path, qb_err *err)
{
  *out = NULL;
  return io->ops->open_read(io, path, out, err);
}

uint64_t qb_file_size(const qb_file *f) { return f->size; }
const char *qb_file_path(const qb_file *f) { return f->path; }

int qb_file_pread(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err)
{
  if (offset > f->size || n > f->size - offset)
    return QB_FAIL(err, QB_ECORRUPT, "%s: truncated: read of %zu bytes at offset %llu past the end (%llu bytes)",
                   f->path, n, (unsigned long long)offset, (unsigned long long)f->size);
  if (n == 0) return QB_OK;
  return f->ops->pread(f, buf, n, offset, err);
}

void qb_file_close(qb_file *f)
{
  if (f) f->ops->close(f);
}

int qb_fileio_create(qb_writer **out, qb_fileio *io, const char *path, qb_create_mode mode, qb_err *err)
{
  *out = NULL;
  if (!io->ops->create) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s cannot write", path, io->ops->name);
  /* a backend without directories to sync (S3: one PUT publishes durably) has nothing to batch */
  if (mode == QB_CREATE_EXCLUSIVE_BATCHED && !io->ops->batched_publish) mode = QB_CREATE_EXCLUSIVE;
  return io->ops->create(io, path, mode, out, err);
}

int qb_writer_write(qb_writer *w, const void *p, size_t n, qb_err *err)
{
  int rc = w->ops->write(w, p, n, err);
  if (rc == QB_OK) w->offset += n;
  return rc;
}

uint64_t qb_writer_offset(const qb_writer *w) { return w->offset; }

int qb_writer_close(qb_writer *w, qb_err *err) { return w->ops->close(w, err); }

void qb_writer_abort(qb_writer *w)
{
  if (w) w->ops->abort(w);
}

/* read_all and read_once: `once` lets the backend read the file past its cache (qb_file_ops.read_once). */
static int read_whole(uint8_t **out, size_t *out_n, qb_fileio *io, const char *path, size_t max_bytes, bool once,
                      qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  qb_file *f;
  int rc = qb_fileio_open_read(&f, io, path, err);
  if (rc) return rc;
  uint64_t size = qb_file_size(f);
  if (size > max_bytes) {
    qb_file_close(f);
    return QB_FAIL(err, QB_ELIMIT, "%s: %llu bytes is more than the limit of %zu", path, (unsigned long long)size,
                   max_bytes);
  }
  uint8_t *p = NULL;
  if (once && size && f->ops->read_once) {
    rc = f->ops->read_once(f, &p, err);
    qb_file_close(f);
    if (rc) return rc;
  } else {
    p = malloc((size_t)size + 1);
    if (!p) {
      qb_file_close(f);
      return QB_FAIL(err, QB_ENOMEM, "%s: out of memory reading %llu bytes", path, (unsigned long long)size);
    }
    rc = qb_file_pread(f, p, (size_t)size, 0, err);
    qb_file_close(f);
    if (rc) {
      free(p);
      return rc;
    }
  }
  p[size] = '\0';
  *out = p;
  *out_n = (size_t)size;
  return QB_OK;
}

int qb_fileio_read_all(uint8_t **out, size_t *out_n, qb_fileio *io, const char *path, size_t max_bytes, qb_err *err)
{
  return read_whole(out, out_n, io, path, max_bytes, false, err);
}

int qb_fileio_read_once(uint8_t **out, size_t *out_n, qb_fileio *io, const char *path, size_t max_bytes,
                        qb_err *err)
{
  return read_whole(out, out_n, io, path, max_bytes, true, err);
}

int qb_fileio_dir_reader_open(qb_dir_reader **out, qb_fileio *io, const char *dir, qb_err *err)
{
  *out = NULL;
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--; /* "a/b/" names "a/b"; "/" stays */
  char *d = strndup(dir, n);
  if (!d) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", dir);
  qb_dir_reader *r = NULL;
  int rc = QB_OK;
  if (io->ops->dir_reader_open) {
    rc = io->ops->dir_reader_open(io, d, &r, err);
  } else if (!(r = calloc(1, sizeof *r))) {
    rc = QB_FAIL(err, QB_ENOMEM, "%s: out of memory", dir);
  }
  if (rc) {
    free(d);
    return rc;
  }
  r->io = io;
  r->dir = d;
  r->dir_n = n;
  *out = r;
  return QB_OK;
}

const char *qb_dir_reader_dir(const qb_dir_reader *d) { return d->dir; }

int qb_dir_reader_read_once(uint8_t **out, size_t *out_n, qb_dir_reader *d, const char *path, uint64_t size_hint,
                            size_t max_bytes, qb_err *err)
{
  *out = NULL;
  *out_n = 0;
  /* the name in the directory: `path` is dir + "/" + name (dir "/": "/" + name) */
  size_t n = d->dir_n;
  const char *name = NULL;
  if (d->ops && !strncmp(path, d->dir, n)) {
    if (n == 1 && d->dir[0] == '/')
      name = path + 1;
    else if (path[n] == '/')
      name = path + n + 1;
  }
  if (!name || !*name || strchr(name, '/')) return qb_fileio_read_once(out, out_n, d->io, path, max_bytes, err);
  return d->ops->read_once(d, path, name, size_hint, max_bytes, out, out_n, err);
}

void qb_dir_reader_plan(qb_dir_reader *d, qb_dir_plan_fn fn, void *ctx)
{
  if (d && d->ops && d->ops->plan) d->ops->plan(d, fn, ctx);
}

void qb_dir_reader_close(qb_dir_reader *d)
{
  if (!d) return;
  if (d->ops) d->ops->close(d);
  free(d->dir);
  free(d);
}

int qb_fileio_write_all(qb_fileio *io, const char *path, const void *p, size_t n, qb_create_mode mode, qb_err *err)
{
  qb_writer *w;
  int rc = qb_fileio_create(&w, io, path, mode, err);
  if (rc) return rc;
  if ((rc = qb_writer_write(w, p, n, err)) != QB_OK) {
    qb_writer_abort(w);
    return rc;
  }
  return qb_writer_close(w, err);
}

int qb_fileio_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  return io->ops->stat(io, path, out, err);
}

int qb_fileio_delete(qb_fileio *io, const char *path, qb_err *err)
{
  if (!io->ops->remove) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s cannot delete", path, io->ops->name);
  return io->ops->remove(io, path, err);
}

int qb_fileio_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  if (!io->ops->list) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s cannot list", prefix, io->ops->name);
  return io->ops->list(io, prefix, fn, ctx, err);
}

int qb_fileio_list_filtered(qb_fileio *io, const char *prefix, qb_list_want_fn want, qb_list_fn fn, void *ctx,
                            qb_err *err)
{
  /* a backend that learns sizes with its listing (S3) has nothing to save: every file goes to fn */
  if (io->ops->list_filtered) return io->ops->list_filtered(io, prefix, want, fn, ctx, err);
  return qb_fileio_list(io, prefix, fn, ctx, err);
}

/* list_dir on a store without directories: one prefix listing of "dir/", reduced to the first path segment
 * of each key (a key with a further '/' means a sub-prefix, reported once as a directory). */
typedef struct emu_dir {
  size_t plen;
  qb_map seen; /* name -> (void *)1 for files, (void *)2 for directories */
} emu_dir;

static int emu_dir_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  emu_dir *e = ctx;
  const char *rest = path + e->plen;
  const char *slash = strchr(rest, '/');
  size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
  if (n == 0) return QB_OK;
  void **v = qb_map_get(&e->seen, rest, n);
  if (v) {
    if (slash) *v = (void *)2;
    return QB_OK;
  }
  return qb_map_put(&e->seen, rest, n, slash ? (void *)2 : (void *)1, NULL, err);
}

int qb_fileio_list_dir(qb_fileio *io, const char *dir, qb_dir_fn fn, void *ctx, qb_err *err)
{
  if (io->dir && io->dir->list_dir) return io->dir->list_dir(io, dir, fn, ctx, err);
  size_t dn = strlen(dir);
  char *prefix = qb_str_printf("%s%s", dir, dn && dir[dn - 1] == '/' ? "" : "/");
  if (!prefix) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", dir);
  emu_dir e = {strlen(prefix), {0}};
  qb_map_init(&e.seen);
  int rc = io->ops->list_shallow ? io->ops->list_shallow(io, prefix, emu_dir_cb, &e, err)
                                 : qb_fileio_list(io, prefix, emu_dir_cb, &e, err);
  free(prefix);
  if (rc == QB_OK && e.seen.count == 0) rc = QB_FAIL(err, QB_ENOTFOUND, "%s: no such directory", dir);
  for (size_t i = 0; rc == QB_OK && i < e.seen.cap; i++)
    if (e.seen.slots[i].key) rc = fn(ctx, e.seen.slots[i].key, e.seen.slots[i].value == (void *)2, err);
  qb_map_free(&e.seen);
  return rc;
}

int qb_fileio_mkdir(qb_fileio *io, const char *dir, qb_err *err)
{
  return io->dir && io->dir->mkdir ? io->dir->mkdir(io, dir, err) : QB_OK;
}

int qb_fileio_rmdir(qb_fileio *io, const char *dir, qb_err *err)
{
  return io->dir && io->dir->rmdir ? io->dir->rmdir(io, dir, err) : QB_OK;
}

int qb_fileio_rename(qb_fileio *io, const char *from, const char *to, qb_err *err)
{
  if (!qb_fileio_can(io, QB_IO_RENAME) || !io->dir || !io->dir->rename)
    return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s cannot rename", from, io->ops->name);
  return io->dir->rename(io, from, to, err);
}

int qb_fileio_delete_many(qb_fileio *io, const char *const *paths, size_t n, qb_err *err)
{
  if (n == 0) return QB_OK;
  if (io->ops->remove_many) return io->ops->remove_many(io, paths, n, err);
  if (!io->ops->remove) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s cannot delete", paths[0], io->ops->name);
  for (size_t i = 0; i < n; i++) {
    int rc = io->ops->remove(io, paths[i], err);
    if (rc) return qb_err_wrap(err, "deleting %zu objects (%zu done)", n, i);
  }
  return QB_OK;
}

int qb_fileio_lock(qb_file_lock **out, qb_fileio *io, const char *path, const char *note, qb_err *err)
{
  *out = NULL;
  if (!io->ops->lock) return QB_FAIL(err, QB_EUNSUPPORTED, "%s: backend %s has no lock", path, io->ops->name);
  return io->ops->lock(io, path, note ? note : "", out, err);
}

void qb_fileio_unlock(qb_file_lock *l)
{
  if (l) l->release(l);
}

int qb_fileio_copy(qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  return io->ops->copy ? io->ops->copy(io, src, dst, err) : qb_fileio__copy_stream(io, src, dst, err);
}

/* Streamed copy through a bounded buffer, for backends without a native copy. */
int qb_fileio__copy_stream(qb_fileio *io, const char *src, const char *dst, qb_err *err)
{
  enum { CHUNK = 1 << 20 };
  qb_file *f;
  int rc = qb_fileio_open_read(&f, io, src, err);
  if (rc) return rc;
  qb_writer *w = NULL;
  uint8_t *buf = malloc(CHUNK);
  if (!buf) rc = QB_FAIL(err, QB_ENOMEM, "out of memory copying %s", src);
  if (rc == QB_OK) rc = qb_fileio_create(&w, io, dst, QB_CREATE_OVERWRITE, err);
  uint64_t size = qb_file_size(f);
  for (uint64_t off = 0; rc == QB_OK && off < size; off += CHUNK) {
    size_t k = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
    rc = qb_file_pread(f, buf, k, off, err);
    if (rc == QB_OK) rc = qb_writer_write(w, buf, k, err);
  }
  if (w) {
    if (rc == QB_OK)
      rc = qb_writer_close(w, err);
    else
      qb_writer_abort(w);
  }
  free(buf);
  qb_file_close(f);
  return rc ? qb_err_wrap(err, "copying %s to %s", src, dst) : QB_OK;
}

int qb_fileio_for_uri(qb_fileio **out, const char *uri, const qb_config *cfg, qb_err *err)
{
  *out = NULL;
  qb_uri u;
  int rc = qb_uri__parse(&u, uri, err);
  if (rc) return rc;
  qb_uri_kind kind = u.kind;
  qb_uri__free(&u);
  if (kind == QB_URI_LOCAL) return qb_fileio_local_new(out, err);
  qb_config *own = NULL;
  if (!cfg) {
    if ((rc = qb_config_load(&own, NULL, err)) != QB_OK) return qb_err_wrap(err, "opening %s", uri);
    cfg = own;
  }
  qb_s3_options o;
  rc = qb_config_s3_options(&o, cfg, err);
  if (rc == QB_OK) rc = qb_fileio_s3_new(out, &o, err);
  /* credentials refused as expired are read again from the configuration's sources (docs/S3.md) */
  if (rc == QB_OK && o.access_key_id && (rc = qb_s3__creds_from(*out, cfg, err)) != QB_OK) {
    qb_fileio_free(*out);
    *out = NULL;
  }
  qb_config_free(own);
  return rc ? qb_err_wrap(err, "opening %s", uri) : QB_OK;
}
