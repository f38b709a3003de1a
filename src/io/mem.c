/* SPDX-License-Identifier: Apache-2.0 */
/* A read-only qb_file over bytes in memory: lets the format readers (and their fuzz targets) run on a
 * buffer exactly as on a local or S3 object. The bytes are borrowed, never copied. */
#include <stdlib.h>
#include <string.h>

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
