/* SPDX-License-Identifier: Apache-2.0 */
/* A read-only qb_file over bytes the caller keeps alive: for fuzzing, tests and decoding data already
 * in memory through the same range-read interface as files (see include/qberg/fileio.h). */
#include <stdlib.h>
#include <string.h>

#include "io/fileio_int.h"

typedef struct mem_file {
  qb_file base;
  const uint8_t *p; /* borrowed */
} mem_file;

static int mf_pread(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err)
{
  /* qb_file_pread has already checked offset + n against the size */
  memcpy(buf, ((mem_file *)f)->p + offset, n);
  return QB_OK;
}

static void mf_close(qb_file *f)
{
  free(f->path);
  free(f);
}

static const struct qb_file_ops mem_file_ops = {mf_pread, mf_close};

int qb_file_from_memory(qb_file **out, const void *p, size_t n, const char *name, qb_err *err)
{
  *out = NULL;
  if (!p && n) return QB_FAIL(err, QB_EINVAL, "memory file: NULL bytes with length %zu", n);
  mem_file *mf = calloc(1, sizeof *mf);
  char *path = strdup(name ? name : "memory");
  if (!mf || !path) {
    free(mf);
    free(path);
    return QB_FAIL(err, QB_ENOMEM, "memory file: out of memory");
  }
  mf->base.ops = &mem_file_ops;
  mf->base.size = n;
  mf->base.path = path;
  mf->p = p;
  *out = &mf->base;
  return QB_OK;
}
