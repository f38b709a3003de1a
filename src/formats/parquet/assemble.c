/* SPDX-License-Identifier: Apache-2.0 */
/* Record assembly: rebuild one row of structs, lists and maps from the repetition/definition levels of
 * its leaf columns (Dremel; parquet-format README "Nested Encoding", formats.md §2.5). A field is null when
 * the definition level of the entry is below the field's, an empty list when it stops between the list and
 * its repeated node; an entry whose repetition level equals a list's is that list's next element. */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/read_int.h"

/* ---- row pool: the memory of one row, reused row after row ------------------------------------------- */

typedef struct pool_block {
  struct pool_block *next;
  size_t cap, used;
  max_align_t align[];
} pool_block;

struct qb_pq_rowpool {
  pool_block *head; /* current block first; reset keeps only the largest */
  size_t row_bytes; /* handed out for the current row */
  size_t max_bytes; /* a row needing more is QB_ELIMIT: a tiny hostile page can claim billions of elements */
};

int qb_pq__rowpool_new(qb_pq_rowpool **out, size_t max_bytes, qb_err *err)
{
  *out = calloc(1, sizeof **out);
  if (!*out) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  (*out)->max_bytes = max_bytes;
  return QB_OK;
}

void qb_pq__rowpool_free(qb_pq_rowpool *p)
{
  if (!p) return;
  while (p->head) {
    pool_block *b = p->head;
    p->head = b->next;
    free(b);
  }
  free(p);
}

void qb_pq__rowpool_reset(qb_pq_rowpool *p)
{
  /* keep one block big enough for the last row: the next rows then need no malloc */
  size_t total = 0;
  for (pool_block *b = p->head; b; b = b->next) total += b->used;
  pool_block *keep = p->head;
  if (keep && keep->cap < total) keep = NULL;
  while (p->head) {
    pool_block *b = p->head;
    p->head = b->next;
    if (b != keep) free(b);
  }
  if (!keep && total) {
    keep = malloc(sizeof *keep + total * 2);
    if (keep) keep->cap = total * 2;
  }
  if (keep) {
    keep->used = 0;
    keep->next = NULL;
  }
  p->head = keep;
  p->row_bytes = 0;
}

/* NULL on ENOMEM or when the row outgrows the limit (*limited set). */
static qb_value *pool_values(qb_pq_rowpool *p, size_t n, bool *limited)
{
  size_t need = n * sizeof(qb_value);
  if (need > p->max_bytes - p->row_bytes || n > p->max_bytes) {
    *limited = true;
    return NULL;
  }
  p->row_bytes += need;
  pool_block *b = p->head;
  if (!b || b->cap - b->used < need) {
    size_t cap = need > 4096 ? need : 4096;
    pool_block *nb = malloc(sizeof *nb + cap);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = 0;
    nb->next = p->head;
    p->head = b = nb;
  }
  qb_value *v = (qb_value *)((uint8_t *)b->align + b->used);
  b->used += need; /* qb_value's size keeps the next one aligned */
  return v;
}

/* ---- assembly ------------------------------------------------------------------------------------------ */

typedef struct asm_ctx {
  qb_pq_scan *s;
  qb_err *err;
} asm_ctx;

static int alloc_values(qb_value **out, asm_ctx *x, size_t n)
{
  bool limited = false;
  *out = pool_values(x->s->pool, n ? n : 1, &limited);
  if (*out) return QB_OK;
  if (limited)
    return QB_FAIL(x->err, QB_ELIMIT, "row %lld needs more than %zu bytes of values", (long long)x->s->rg_row,
                   (size_t)x->s->r->opts.max_page_bytes);
  return QB_FAIL(x->err, QB_ENOMEM, "out of memory");
}

static int col_fail(asm_ctx *x, qb_pq_colreader *c) { return qb_err_wrap(x->err, "column %s", c->path); }

static int entry_slow(asm_ctx *x, qb_pq_colreader *c)
{
  int rc = qb_pq__col_fill(c, x->err);
  if (rc) return col_fail(x, c);
  if (!c->n) {
    QB_FAIL(x->err, QB_ECORRUPT, "no more values at row %lld of %lld", (long long)x->s->rg_row,
            (long long)x->s->rg_rows);
    return col_fail(x, c);
  }
  return QB_OK;
}

/* Make the column's current entry available; running out inside a row group is corruption. */
static inline int entry(asm_ctx *x, qb_pq_colreader *c) { return c->pos < c->n ? QB_OK : entry_slow(x, c); }

/* Consume one entry of every leaf under f (a null or empty value has exactly one entry per leaf). */
static int skip_one(asm_ctx *x, const qb_pq_rfield *f)
{
  for (size_t i = f->lo; i < f->hi; i++) {
    qb_pq_colreader *c = &x->s->cols[i];
    int rc = entry(x, c);
    if (rc) return rc;
    c->pos++;
  }
  return QB_OK;
}

static int push(asm_ctx *x, const qb_value *v)
{
  qb_pq_scan *s = x->s;
  if (s->stack_n == s->stack_cap) {
    size_t cap = s->stack_cap ? s->stack_cap * 2 : 64;
    if (cap * sizeof *s->stack > s->r->opts.max_page_bytes)
      return QB_FAIL(x->err, QB_ELIMIT, "row %lld has more than %zu list elements", (long long)s->rg_row,
                     s->stack_cap);
    qb_value *st = realloc(s->stack, cap * sizeof *st);
    if (!st) return QB_FAIL(x->err, QB_ENOMEM, "out of memory");
    s->stack = st;
    s->stack_cap = cap;
  }
  s->stack[s->stack_n++] = *v;
  return QB_OK;
}

static int node(qb_value *out, asm_ctx *x, const qb_pq_rfield *f);

static int primitive(qb_value *out, asm_ctx *x, const qb_pq_rfield *f)
{
  qb_pq_colreader *c = &x->s->cols[f->lo];
  int rc = entry(x, c);
  if (rc) return rc;
  size_t i = c->pos++;
  if (c->max_def && c->def[i] != c->max_def) {
    *out = qb_value_null();
    return QB_OK;
  }
  out->kind = c->kind;
  switch (c->vsize) {
  case 1: out->u.b = ((const uint8_t *)c->vals)[i] != 0; break;
  case 4:
    if (c->kind == QB_V_FLOAT) out->u.f32 = ((const float *)c->vals)[i];
    else out->u.i32 = ((const int32_t *)c->vals)[i];
    break;
  case 8:
    if (c->kind == QB_V_DOUBLE) out->u.f64 = ((const double *)c->vals)[i];
    else out->u.i64 = ((const int64_t *)c->vals)[i];
    break;
  default: {
    const qb_slice *sl = &((const qb_slice *)c->vals)[i];
    out->u.bytes.p = sl->p;
    out->u.bytes.n = sl->n;
  }
  }
  return QB_OK;
}

static int structure(qb_value *out, asm_ctx *x, const qb_pq_rfield *f)
{
  size_t n = f->pub.n_children;
  qb_value *items;
  int rc = alloc_values(&items, x, n);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    if ((rc = node(&items[i], x, qb_pq__rf(f->pub.children[i])))) return rc;
  }
  out->kind = QB_V_STRUCT;
  out->u.seq.items = items;
  out->u.seq.n = n;
  return QB_OK;
}

/* LIST and MAP: elements (map: key, value pairs) while the probe column's next entry repeats at f->rep. */
static int repeated(qb_value *out, asm_ctx *x, const qb_pq_rfield *f, int def)
{
  qb_pq_colreader *probe = &x->s->cols[f->lo];
  bool map = f->pub.kind == QB_PQ_F_MAP;
  size_t base = x->s->stack_n;
  int rc;
  if (def >= f->rep_def) {
    for (;;) {
      qb_value v;
      for (size_t k = 0; k < (map ? 2u : 1u); k++) {
        if ((rc = node(&v, x, qb_pq__rf(f->pub.children[k]))) || (rc = push(x, &v))) return rc;
      }
      if (probe->pos >= probe->n && (rc = qb_pq__col_fill(probe, x->err))) return col_fail(x, probe);
      if (probe->pos >= probe->n || qb_pq__col_rep(probe) != f->rep) break;
    }
  } else if ((rc = skip_one(x, f))) {
    return rc;
  }
  size_t n = x->s->stack_n - base;
  qb_value *items;
  if ((rc = alloc_values(&items, x, n))) return rc;
  if (n) memcpy(items, x->s->stack + base, n * sizeof *items);
  x->s->stack_n = base;
  out->kind = map ? QB_V_MAP : QB_V_LIST;
  out->u.seq.items = items;
  out->u.seq.n = map ? n / 2 : n;
  return QB_OK;
}

static int node(qb_value *out, asm_ctx *x, const qb_pq_rfield *f)
{
  if (f->pub.kind == QB_PQ_F_PRIMITIVE) return primitive(out, x, f);
  qb_pq_colreader *probe = &x->s->cols[f->lo];
  int rc = entry(x, probe);
  if (rc) return rc;
  int def = qb_pq__col_def(probe);
  if (f->pub.nullable && def < f->def) {
    *out = qb_value_null();
    return skip_one(x, f);
  }
  if (f->pub.kind == QB_PQ_F_STRUCT) return structure(out, x, f);
  return repeated(out, x, f, def);
}

int qb_pq__assemble_row(qb_pq_scan *s, qb_err *err)
{
  asm_ctx x = {s, err};
  qb_pq__rowpool_reset(s->pool);
  s->stack_n = 0;
  /* every column must start the row: repetition level 0 (ARROW-GH-45185 starts with 1) */
  for (size_t i = 0; i < s->n_cols; i++) {
    qb_pq_colreader *c = &s->cols[i];
    if (!c->max_rep) continue;
    int rc = entry(&x, c);
    if (rc) return rc;
    if (qb_pq__col_rep(c) != 0) {
      QB_FAIL(err, QB_ECORRUPT, "row %lld starts with repetition level %d", (long long)s->rg_row, qb_pq__col_rep(c));
      return col_fail(&x, c);
    }
  }
  qb_value *items;
  int rc = alloc_values(&items, &x, s->n_top);
  if (rc) return rc;
  for (size_t i = 0; i < s->n_top; i++)
    if ((rc = node(&items[i], &x, s->top[i]))) return rc;
  s->row.kind = QB_V_STRUCT;
  s->row.u.seq.items = items;
  s->row.u.seq.n = s->n_top;
  return QB_OK;
}
