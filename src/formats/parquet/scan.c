/* SPDX-License-Identifier: Apache-2.0 */
/* A scan over a Parquet file: projection, row-group skipping by statistics, then one row group at a time
 * either as assembled rows (qb_value) or as columnar batches of non-repeated columns. */
#include <stdlib.h>
#include <string.h>

#include "formats/parquet/read_int.h"

int qb_pq_scan_new(qb_pq_scan **out, qb_pq_reader *r, const qb_pq_scan_options *opts, qb_err *err)
{
  *out = NULL;
  if (opts && opts->version != QB_PQ_SCAN_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "%s: scan options version %u, expected %u", r->path, opts->version,
                   QB_PQ_SCAN_OPTIONS_VERSION);
  qb_pq_scan *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", r->path);
  s->r = r;
  qb_arena_init(&s->arena, 16 << 10);
  int rc = qb_pq__fields_project(&s->top, &s->n_top, &s->slot_leaf, &s->n_cols, r, opts, &s->arena, err);
  if (rc) goto fail;
  size_t n_preds = opts ? opts->n_predicates : 0;
  s->cols = calloc(s->n_cols ? s->n_cols : 1, sizeof *s->cols);
  s->bcols = calloc(s->n_cols ? s->n_cols : 1, sizeof *s->bcols);
  s->preds = qb_arena_calloc(&s->arena, n_preds ? n_preds : 1, sizeof *s->preds);
  if (!s->cols || !s->bcols || !s->preds) {
    rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < n_preds; i++) {
    qb_pq_pred *p = &s->preds[i];
    if ((rc = qb_pq__pred_resolve(p, r, &opts->predicates[i], err))) goto fail;
    if (p->value.kind == QB_V_BYTES || p->value.kind == QB_V_STRING) {
      /* the caller's bytes need not outlive this call */
      const void *copy = qb_arena_memdup(&s->arena, p->value.u.bytes.p ? (const void *)p->value.u.bytes.p : "",
                                         p->value.u.bytes.n ? p->value.u.bytes.n : 1);
      if (!copy) {
        rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
        goto fail;
      }
      p->value.u.bytes.p = copy;
    }
  }
  s->n_preds = n_preds;
  if ((rc = qb_pq__rowpool_new(&s->pool, (size_t)r->opts.max_page_bytes, err))) goto fail;
  *out = s;
  return QB_OK;
fail:
  qb_err_wrap(err, "%s", r->path);
  qb_pq_scan_free(s);
  return rc;
}

static void close_rg(qb_pq_scan *s)
{
  for (size_t i = 0; i < s->n_cols; i++) qb_pq__col_end(&s->cols[i]);
  s->rg_open = false;
}

void qb_pq_scan_free(qb_pq_scan *s)
{
  if (!s) return;
  for (size_t i = 0; s->cols && i < s->n_cols; i++) qb_pq__col_close(&s->cols[i]);
  free(s->cols);
  free(s->bcols);
  free(s->stack);
  qb_pq__rowpool_free(s->pool);
  qb_arena_release(&s->arena);
  free(s);
}

size_t qb_pq_scan_num_fields(const qb_pq_scan *s) { return s->n_top; }
const qb_pq_field *qb_pq_scan_field(const qb_pq_scan *s, size_t i) { return i < s->n_top ? &s->top[i]->pub : NULL; }
size_t qb_pq_scan_row_groups_skipped(const qb_pq_scan *s) { return s->skipped; }
size_t qb_pq_scan_row_groups_read(const qb_pq_scan *s) { return s->read; }

/* Open the next row group that may match; rg_open stays false at the end of the file. */
static int open_rg(qb_pq_scan *s, qb_err *err)
{
  const qb_pq_reader *r = s->r;
  while (s->rg_next < r->meta.n_row_groups) {
    size_t g = s->rg_next++;
    if (!qb_pq__rg_may_match(s, g)) {
      s->skipped++;
      continue;
    }
    s->rg_cur = g;
    s->rg_open = true; /* so that a failure below closes what was opened */
    for (size_t i = 0; i < s->n_cols; i++) {
      int rc = qb_pq__col_open(&s->cols[i], s->r, g, s->slot_leaf[i], err);
      if (rc) return qb_err_wrap(err, "column %s", s->cols[i].path ? s->cols[i].path : "?");
    }
    s->rg_rows = r->meta.row_groups[g].num_rows;
    s->rg_row = 0;
    s->read++;
    return QB_OK;
  }
  return QB_OK;
}

static int finish_rg(qb_pq_scan *s, qb_err *err)
{
  for (size_t i = 0; i < s->n_cols; i++) {
    int rc = qb_pq__col_finish(&s->cols[i], s->rg_rows, err);
    if (rc) return qb_err_wrap(err, "column %s", s->cols[i].path);
  }
  close_rg(s);
  return QB_OK;
}

/* Record the first error: the scan is poisoned and returns it again. */
static int poison(qb_pq_scan *s, int rc, qb_err *err)
{
  qb_err_wrap(err, "row group %zu", s->rg_cur);
  qb_err_wrap(err, "%s", s->r->path);
  s->rc = rc;
  if (err) s->first = *err;
  else s->first.code = (qb_code)rc;
  close_rg(s);
  return rc;
}

static int poisoned(qb_pq_scan *s, qb_err *err)
{
  if (err) *err = s->first;
  return s->rc;
}

static void release_retired(qb_pq_scan *s)
{
  for (size_t i = 0; i < s->n_cols; i++)
    if (s->cols[i].retired) qb_pq__col_release_retired(&s->cols[i]);
}

int qb_pq_scan_next(const qb_value **row, qb_pq_scan *s, qb_err *err)
{
  int rc;
  *row = NULL;
  if (s->rc) return poisoned(s, err);
  release_retired(s);
  for (;;) {
    if (!s->rg_open) {
      if ((rc = open_rg(s, err))) return poison(s, rc, err);
      if (!s->rg_open) return QB_OK;
    }
    if (s->rg_row < s->rg_rows) {
      if ((rc = qb_pq__assemble_row(s, err))) return poison(s, rc, err);
      s->rg_row++;
      *row = &s->row;
      return QB_OK;
    }
    if ((rc = finish_rg(s, err))) return poison(s, rc, err);
  }
}

static void batch_column(qb_pq_scan *s, size_t i, size_t n)
{
  qb_pq_colreader *c = &s->cols[i];
  qb_pq_batch_column *b = &s->bcols[i];
  b->field = &s->slot_leaf[i]->pub;
  b->kind = c->kind;
  b->values = (const uint8_t *)c->vals + c->pos * c->vsize;
  b->nulls = NULL;
  if (c->batch_nulls) {
    const int16_t *def = c->def + c->pos;
    uint8_t *nulls = c->nulls + c->pos, any = 0;
    for (size_t k = 0; k < n; k++) any |= nulls[k] = def[k] != c->max_def;
    if (any) b->nulls = nulls;
  }
  c->pos += n;
}

int qb_pq_scan_next_batch(qb_pq_batch *out, qb_pq_scan *s, size_t max_rows, qb_err *err)
{
  int rc;
  memset(out, 0, sizeof *out);
  out->columns = s->bcols;
  out->n_columns = s->n_cols;
  if (s->rc) return poisoned(s, err);
  for (size_t i = 0; i < s->n_cols; i++)
    if (s->slot_leaf[i]->max_rep > 0)
      return QB_FAIL(err, QB_EUNSUPPORTED, "%s: column %s is repeated: read it with qb_pq_scan_next", s->r->path,
                     s->slot_leaf[i]->pub.node->path);
  if (max_rows == 0) max_rows = QB_PQ_BATCH;
  release_retired(s);
  for (;;) {
    if (!s->rg_open) {
      if ((rc = open_rg(s, err))) return poison(s, rc, err);
      if (!s->rg_open) return QB_OK;
    }
    if (s->rg_row < s->rg_rows) {
      uint64_t left = (uint64_t)(s->rg_rows - s->rg_row);
      size_t n = left < max_rows ? (size_t)left : max_rows;
      for (size_t i = 0; i < s->n_cols; i++) {
        qb_pq_colreader *c = &s->cols[i];
        if (c->pos >= c->n && (rc = qb_pq__col_fill(c, err))) {
          qb_err_wrap(err, "column %s", c->path);
          return poison(s, rc, err);
        }
        if (c->pos >= c->n) {
          QB_FAIL(err, QB_ECORRUPT, "column %s: no more values at row %lld of %lld", c->path, (long long)s->rg_row,
                  (long long)s->rg_rows);
          return poison(s, QB_ECORRUPT, err);
        }
        if (c->n - c->pos < n) n = c->n - c->pos;
      }
      for (size_t i = 0; i < s->n_cols; i++) batch_column(s, i, n);
      s->rg_row += (int64_t)n;
      out->n_rows = n;
      return QB_OK;
    }
    if ((rc = finish_rg(s, err))) return poison(s, rc, err);
  }
}
