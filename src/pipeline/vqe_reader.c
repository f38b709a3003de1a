/* SPDX-License-Identifier: Apache-2.0 */
/* qb_vqe_reader: the public, one-record-at-a-time face of the raw record parser (raw_vqe.c). Each record
 * lives in an arena that is emptied when the next one is read, so memory follows the largest record. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/raw_vqe.h"
#include "util/arena.h"

struct qb_vqe_reader {
  qb_vqe_json_cursor cursor;
  qb_arena arena;
  qb_vqe_record rec;
  char *name;
  bool done;
};

int qb_vqe_reader_open(qb_vqe_reader **out, const char *name, const void *data, size_t n, qb_err *err)
{
  *out = NULL;
  if (!name) name = "(raw record)";
  if (n > QB_VQE_MAX_FILE_BYTES)
    return QB_FAIL(err, QB_ELIMIT, "%s: %zu bytes is more than a raw file may have (%zu)", name, n,
                   QB_VQE_MAX_FILE_BYTES);
  if (!data && n) return QB_FAIL(err, QB_EINVAL, "%s: no data", name);
  qb_vqe_reader *r = calloc(1, sizeof *r);
  char *copy = strdup(name);
  if (!r || !copy) {
    free(r);
    free(copy);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", name);
  }
  r->name = copy;
  qb_arena_init(&r->arena, 64 * 1024);
  qb_vqe_json_cursor_init(&r->cursor, r->name, data ? data : "", n);
  *out = r;
  return QB_OK;
}

int qb_vqe_reader_next(const qb_vqe_record **out, qb_vqe_reader *r, qb_err *err)
{
  *out = NULL;
  if (r->done) return QB_OK;
  qb_arena_release(&r->arena);
  qb_arena_init(&r->arena, 64 * 1024);
  bool got;
  int rc = qb_vqe_json_next(&r->rec, &got, &r->cursor, &r->arena, err);
  if (rc || !got) {
    r->done = true;
    return rc;
  }
  *out = &r->rec;
  return QB_OK;
}

void qb_vqe_reader_close(qb_vqe_reader *r)
{
  if (!r) return;
  qb_arena_release(&r->arena);
  free(r->name);
  free(r);
}
