/* SPDX-License-Identifier: Apache-2.0 */
/* A read-only qb_file over bytes in memory: lets the format readers (and their fuzz targets) run on a
 * buffer exactly as on a local or S3 object. The bytes are borrowed, never copied. */
#include <stdlib.h>
#include <string.h>

#include "io/buf_writer.h"
#include "io/fileio_int.h"

typedef struct mem_file {
  qb_file base;
  const uint8_t *p; /* borrowed */
} mem_file;

static int mem_pread(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err)
{
  /* qb_file_pread has already checked offset + n against the size */
  memcpy(buf, ((mem_file *)f)->p + offset, n);
  (void)err;
  return QB_OK;
}

static void mem_close(qb_file *f)
{
  if (!f) return;
  free(f->path);
  free(f);
}

static const struct qb_file_ops mem_file_ops = {mem_pread, mem_close, NULL};

int qb_file_from_memory(qb_file **out, const void *p, size_t n, const char *name, qb_err *err)
{
  *out = NULL;
  if (!p && n) return QB_FAIL(err, QB_EINVAL, "memory file: NULL bytes with length %zu", n);
  mem_file *f = calloc(1, sizeof *f);
  char *path = strdup(name ? name : "<memory>");
  if (!f || !path) {
    free(f);
    free(path);
    return QB_FAIL(err, QB_ENOMEM, "memory file: out of memory");
  }
  f->p = p;
  f->base.ops = &mem_file_ops;
  f->base.size = n;
  f->base.path = path;
  *out = &f->base;
  return QB_OK;
}

/* ---- a writer into a qb_buf (io/buf_writer.h) ---- */

typedef struct buf_writer {
  qb_writer base;
  qb_buf *dst; /* borrowed */
} buf_writer;

static int buf_write(qb_writer *w, const void *p, size_t n, qb_err *err)
{
  return qb_buf_append(((buf_writer *)w)->dst, p, n, err);
}

static void buf_abort(qb_writer *w)
{
  if (!w) return;
  free(w->path);
  free(w);
}

static int buf_close(qb_writer *w, qb_err *err)
{
  (void)err;
  buf_abort(w);
  return QB_OK;
}

static const struct qb_writer_ops buf_writer_ops = {buf_write, buf_close, buf_abort};

int qb_fileio__buf_writer(qb_writer **out, qb_buf *dst, qb_err *err)
{
  *out = NULL;
  buf_writer *w = calloc(1, sizeof *w);
  char *path = strdup("<memory>");
  if (!w || !path) {
    free(w);
    free(path);
    return QB_FAIL(err, QB_ENOMEM, "memory writer: out of memory");
  }
  w->base.ops = &buf_writer_ops;
  w->base.path = path;
  w->dst = dst;
  *out = &w->base;
  return QB_OK;
}
