/* SPDX-License-Identifier: Apache-2.0 */
/* Arena helpers of the Iceberg layer that report ENOMEM through qb_err, and verbatim JSON capture. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"

void *qb_ice__alloc(qb_arena *a, size_t n, size_t size, qb_err *err)
{
  void *p = qb_arena_calloc(a, n ? n : 1, size);
  if (!p) QB_FAIL(err, QB_ENOMEM, "out of memory (%zu x %zu bytes)", n, size);
  return p;
}

char *qb_ice__strdup(qb_arena *a, const char *s, qb_err *err)
{
  char *p = qb_arena_strdup(a, s);
  if (!p) QB_FAIL(err, QB_ENOMEM, "out of memory copying a string of %zu bytes", strlen(s));
  return p;
}

char *qb_ice__json_text(qb_arena *a, const json_object *v, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  qb_buf_init(&b, QB_MAX_METADATA_BYTES);
  qb_jw_init(&w, &b, false, err);
  qb_jw_value(&w, v);
  char *out = NULL;
  if (qb_jw_finish(&w) == QB_OK && qb_buf_cstr(&b, err) == QB_OK) out = qb_arena_strndup(a, (const char *)b.p, b.n);
  if (!out && err && err->code == QB_OK) QB_FAIL(err, QB_ENOMEM, "out of memory keeping a JSON value");
  qb_buf_free(&b);
  return out;
}
