/* SPDX-License-Identifier: Apache-2.0 */
/* Reusing parsed writer schemas across object container files: every manifest (and manifest list) of a table
 * carries the same schema text, and parsing plus resolving it costs more than decoding a small file's records
 * (measured: 40% of expiring 10,000 snapshots went to schema parsing). A few entries, replaced round-robin. */
#include <stdlib.h>
#include <string.h>

#include "formats/avro/schema_cache.h"

#define CACHE_ENTRIES 16

typedef struct cache_entry {
  char *text;
  size_t n;
  const qb_avro_schema *reader;
  bool wrap;
  qb_avro_schema *wschema;
  qb_avro_plans *plans;
  const qb_avro_plan *plan;
} cache_entry;

struct qb_avro_schema_cache {
  cache_entry e[CACHE_ENTRIES];
  size_t next; /* the slot replaced next */
  bool pinned; /* entries are never replaced: a full cache leaves new schemas to the reader */
};

int qb_avro_schema_cache_new(qb_avro_schema_cache **out, qb_err *err)
{
  *out = calloc(1, sizeof **out);
  return *out ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
}

int qb_avro__cache_new_pinned(qb_avro_schema_cache **out, qb_err *err)
{
  int rc = qb_avro_schema_cache_new(out, err);
  if (rc == QB_OK) (*out)->pinned = true;
  return rc;
}

static void entry_free(cache_entry *e)
{
  qb_avro__plans_free(e->plans);
  qb_avro_schema_free(e->wschema);
  free(e->text);
  memset(e, 0, sizeof *e);
}

void qb_avro_schema_cache_free(qb_avro_schema_cache *c)
{
  if (!c) return;
  for (size_t i = 0; i < CACHE_ENTRIES; i++) entry_free(&c->e[i]);
  free(c);
}

int qb_avro__cache_get(qb_avro_schema_cache *c, qb_slice text, const qb_avro_schema *reader, bool wrap_unions,
                       const qb_avro_schema **wschema, const qb_avro_plan **plan, qb_err *err)
{
  for (size_t i = 0; i < CACHE_ENTRIES; i++) {
    cache_entry *e = &c->e[i];
    if (e->text && e->n == text.n && e->reader == reader && e->wrap == wrap_unions &&
        !memcmp(e->text, text.p, text.n)) {
      *wschema = e->wschema;
      *plan = e->plan;
      return QB_OK;
    }
  }
  *wschema = NULL;
  *plan = NULL;
  if (c->pinned && c->e[c->next].text) return QB_OK; /* full: an entry may be in use by an open reader */
  cache_entry n = {0};
  int rc = qb_avro_schema_parse(&n.wschema, (const char *)text.p, text.n, err);
  if (rc == QB_EINVAL) err->code = rc = QB_ECORRUPT; /* a bad schema in a file is a corrupt file */
  if (rc) return rc;
  rc = qb_avro__plans_new(&n.plans, &n.plan, n.wschema->root, reader ? reader->root : n.wschema->root, wrap_unions,
                          err);
  if (rc == QB_OK && !(n.text = malloc(text.n ? text.n : 1))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) {
    entry_free(&n);
    return rc;
  }
  memcpy(n.text, text.p, text.n);
  n.n = text.n;
  n.reader = reader;
  n.wrap = wrap_unions;
  cache_entry *slot = &c->e[c->next];
  c->next = (c->next + 1) % CACHE_ENTRIES;
  entry_free(slot);
  *slot = n;
  *wschema = slot->wschema;
  *plan = slot->plan;
  return QB_OK;
}
