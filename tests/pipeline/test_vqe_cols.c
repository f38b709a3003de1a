/* SPDX-License-Identifier: Apache-2.0 */
/* The columnar derivation (qb_vqe__rows_to_cols, record-constant columns filled once per record) against
 * the row derivation (qb_vqe_rows), cell for cell, over the 8 spec samples and generated records (with
 * edge cases: absent optionals, nulls), many records appended to the same buffers; and qb_vqe_cols_fill. */
#include "harness.h"
#include "pipeline/vqe_cols.h"
#include "pipeline/vqe_ids.h"
#include "support/vqe_support.h"
#include "util/hash.h"

static bool same_value(const qb_value *a, const qb_value *b)
{
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case QB_V_NULL: return true;
  case QB_V_BOOL: return a->u.b == b->u.b;
  case QB_V_INT32: return a->u.i32 == b->u.i32;
  case QB_V_INT64: return a->u.i64 == b->u.i64;
  case QB_V_DOUBLE: return !memcmp(&a->u.f64, &b->u.f64, 8);
  case QB_V_STRING:
    return a->u.bytes.n == b->u.bytes.n && (!a->u.bytes.n || !memcmp(a->u.bytes.p, b->u.bytes.p, a->u.bytes.n));
  default: return false;
  }
}

typedef struct cmp {
  const qb_vqe_cols *c;
  size_t row; /* next row of c to compare */
  int bad;
} cmp;

static int compare_row(void *ctx, const qb_value *row, qb_err *err)
{
  cmp *k = ctx;
  if (k->row >= k->c->n_rows || row->u.seq.n != k->c->n_cols)
    return QB_FAIL(err, QB_EINTERNAL, "row %zu: more rows or other columns than the buffers", k->row);
  for (size_t i = 0; i < k->c->n_cols; i++) {
    qb_value v = qb_vqe_cols_value(k->c, i, k->row);
    if (!same_value(&v, &row->u.seq.items[i])) {
      if (k->bad++ < 5)
        fprintf(stderr, "  %s row %zu column %s differs\n", qb_vqe_table_describe(k->c->table)->name, k->row,
                qb_vqe_table_describe(k->c->table)->columns[i].name);
    }
  }
  k->row++;
  return QB_OK;
}

typedef struct recs {
  qb_arena arena;
  qb_vqe_record rec[40];
  char eid[40][65];
  char *text[40];
  size_t n;
  qb_vqe_types types;
  qb_vqe_meta meta;
} recs;

static int load(recs *r, qb_err *err)
{
  memset(r, 0, sizeof *r);
  qb_arena_init(&r->arena, 0);
  qb_vqe_types_init(&r->types);
  int rc = QB_OK;
  for (int i = 0; rc == QB_OK && i < 8; i++) {
    size_t n;
    r->text[r->n] = vqe_read_data(vqe_good_samples[i], &n);
    if (!r->text[r->n]) return QB_FAIL(err, QB_EIO, "cannot read %s", vqe_good_samples[i]);
    rc = vqe_parse_one(&r->rec[r->n], &r->arena, vqe_good_samples[i], r->text[r->n], err);
    r->n++;
  }
  qb_vqe_gen_options o = QB_VQE_GEN_OPTIONS_INIT;
  o.seed = 7;
  o.min_iterations = 1;
  o.max_iterations = 12;
  for (uint64_t i = 0; rc == QB_OK && i < 32; i++) {
    o.edge_cases = i % 2 == 1;
    char name[64];
    size_t n;
    rc = qb_vqe_gen_record(&r->text[r->n], &n, name, &o, i, err);
    if (rc == QB_OK) rc = vqe_parse_one(&r->rec[r->n], &r->arena, name, r->text[r->n], err);
    r->n++;
  }
  for (size_t i = 0; rc == QB_OK && i < r->n; i++) qb_vqe_types_add(&r->types, &r->rec[i]);
  for (size_t i = 0; rc == QB_OK && i < r->n; i++) rc = qb_vqe_experiment_id(r->eid[i], &r->rec[i], &r->types, err);
  qb_vqe_meta_init(&r->meta, INT64_C(1764161500123456), "3f1c2d4e-0000-4000-8000-1234567890ab");
  return rc;
}

static void recs_free(recs *r)
{
  for (size_t i = 0; i < r->n; i++) free(r->text[i]);
  qb_arena_release(&r->arena);
}

QB_TEST(columnar_rows_equal_row_path)
{
  qb_err err = QB_ERR_INIT;
  recs *r = malloc(sizeof *r);
  CHECK(r != NULL);
  int rc = load(r, &err);
  if (rc) {
    recs_free(r);
    free(r);
  }
  CHECK_OK(rc, &err);
  size_t total = 0, repeats = 0, id_hashes = 0;
  qb_vqe_nums nums;
  qb_vqe_nums_init(&nums);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    if (!qb_vqe_table_is_flat((qb_vqe_table)t)) continue;
    qb_vqe_cols c;
    CHECK_OK(qb_vqe_cols_init(&c, (qb_vqe_table)t, &err), &err);
    cmp k = {&c, 0, 0};
    for (size_t i = 0; i < r->n; i++) {
      /* every 7th record starts on emptied buffers, as after a slice went to the writer */
      if (i % 7 == 6) {
        qb_vqe_cols_truncate(&c, 0);
        k.row = 0;
      }
      size_t from = c.n_rows;
      /* every other record with the initial_parameters' texts its experiment id kept */
      char eid[65];
      if (i % 2 && (rc = qb_vqe__experiment_id_nums(eid, &r->rec[i], &r->types, &nums, &err))) break;
      if (i % 2) EXPECT(!strcmp(eid, r->eid[i]));
      rc = qb_vqe__rows_to_cols(&c, &r->rec[i], r->eid[i], &r->types, &r->meta, i % 2 ? &nums : NULL, &err);
      if (rc) break;
      k.row = from;
      rc = qb_vqe_rows((qb_vqe_table)t, &r->rec[i], r->eid[i], &r->types, &r->meta, compare_row, &k, &err);
      if (rc) break;
      EXPECT(k.row == c.n_rows);
      total += c.n_rows - from;
      /* the id hashes kept for the key digest: those of the key column's bytes, for every row */
      const qb_vqe_table_desc *d = qb_vqe_table_describe((qb_vqe_table)t);
      const uint64_t *ih = qb_vqe_cols_id_hashes(&c, d->key_columns[0]);
      bool derived_id = t == QB_VQE_INITIAL_PARAMETERS || t == QB_VQE_OPTIMAL_PARAMETERS ||
                        t == QB_VQE_ITERATION_PARAMETERS || t == QB_VQE_HAMILTONIAN_TERMS;
      EXPECT((ih != NULL) == (derived_id && c.n_rows > 0));
      for (size_t row = 0; ih && row < c.n_rows; row++) {
        qb_value x = qb_vqe_cols_value(&c, d->key_columns[0], row);
        id_hashes++;
        EXPECT(ih[row] == qb_hash_bytes_update(QB_HASH_BYTES_INIT, x.u.bytes.p, x.u.bytes.n));
      }
      /* the batch view: a string column's offsets end at its bytes, validity only where a null is */
      const qb_pq_column_batch *b = qb_vqe_cols_batch(&c);
      for (size_t j = 0; j < c.n_cols; j++) {
        EXPECT(c.cols[j].valid.n == c.n_rows);
        if (!c.cols[j].width) EXPECT(b[j].offsets[c.n_rows] == (int64_t)c.cols[j].values.n);
        else EXPECT(c.cols[j].values.n == c.n_rows * c.cols[j].width);
        EXPECT((b[j].valid != NULL) == (memchr(c.cols[j].valid.p, 0, c.n_rows) != NULL));
        /* declared repeats hold: the first row repeats nothing, a repeated row equals the one before */
        if (!b[j].repeats) continue;
        EXPECT(b[j].repeats[0] == 0);
        for (size_t row = 1; row < c.n_rows; row++) {
          if (!b[j].repeats[row]) continue;
          qb_value x = qb_vqe_cols_value(&c, j, row), y = qb_vqe_cols_value(&c, j, row - 1);
          EXPECT(same_value(&x, &y));
          repeats++;
        }
      }
    }
    EXPECT(k.bad == 0);
    qb_vqe_cols_free(&c);
    if (rc) break;
  }
  qb_vqe_nums_free(&nums);
  recs_free(r);
  free(r);
  CHECK_OK(rc, &err);
  EXPECT(total > 10000);
  EXPECT(repeats > total); /* record-constant columns (ids, processing_*) declare theirs */
  EXPECT(id_hashes > total / 2);
}

QB_TEST(fill_repeats_a_value)
{
  qb_err err = QB_ERR_INIT;
  qb_vqe_cols c;
  CHECK_OK(qb_vqe_cols_init(&c, QB_VQE_HAMILTONIAN_TERMS, &err), &err);
  const qb_vqe_table_desc *d = qb_vqe_table_describe(QB_VQE_HAMILTONIAN_TERMS);
  /* rows whose only written cells are skipped: each filled column then holds the same value */
  for (size_t n_rows = 1; n_rows <= 37; n_rows += 9) {
    qb_vqe_cols_truncate(&c, 0);
    for (size_t i = 0; i < n_rows; i++) {
      qb_vqe_cols_skip(&c, d->n_columns);
      CHECK_OK(qb_vqe_cols_end_row(&c), &err);
    }
    for (size_t j = 0; j < d->n_columns; j++) {
      qb_value v;
      if (j == 3) v = qb_value_null();
      else if (c.cols[j].width == 8 && c.cols[j].type == QB_PQ_DOUBLE) v = qb_value_f64(-0.5 * (double)j);
      else if (c.cols[j].width == 8) v = qb_value_i64(-(int64_t)j * 1000003);
      else if (c.cols[j].width == 4) v = qb_value_i32((int32_t)j * 7);
      else {
        v.kind = QB_V_STRING;
        v.u.bytes.p = (const uint8_t *)"abcdefghijklmnopqrstuvwxyz";
        v.u.bytes.n = j % 27;
      }
      qb_vqe_cols_fill(&c, j, 0, &v, &err);
      CHECK_OK(c.rc, &err);
      for (size_t i = 0; i < n_rows; i++) {
        qb_value got = qb_vqe_cols_value(&c, j, i);
        EXPECT(same_value(&got, &v));
      }
      /* one run: each row after the first repeats its predecessor */
      const qb_pq_column_batch *b = qb_vqe_cols_batch(&c);
      EXPECT(b[j].repeats != NULL);
      for (size_t i = 0; b[j].repeats && i < n_rows; i++) EXPECT(b[j].repeats[i] == (i > 0));
    }
  }
  /* repeats store nothing: two fills of the same string store it once (the second's first row repeats the
   * first's last), a third of another value once more; truncating keeps what the kept rows refer to */
  qb_vqe_cols_truncate(&c, 0);
  size_t sc = 0;
  while (sc < d->n_columns && (c.cols[sc].width || !strcmp(d->columns[sc].name, "experiment_id"))) sc++;
  CHECK(sc < d->n_columns);
  qb_value sv[3] = {{.kind = QB_V_STRING}, {.kind = QB_V_STRING}, {.kind = QB_V_STRING}};
  sv[0].u.bytes.p = sv[1].u.bytes.p = (const uint8_t *)"constant-over-runs", sv[0].u.bytes.n = sv[1].u.bytes.n = 18;
  sv[2].u.bytes.p = (const uint8_t *)"other", sv[2].u.bytes.n = 5;
  size_t at[4] = {0};
  for (int f = 0; f < 3; f++) {
    for (size_t i = 0; i < 5; i++) {
      qb_vqe_cols_skip(&c, d->n_columns);
      CHECK_OK(qb_vqe_cols_end_row(&c), &err);
    }
    for (size_t j = 0; j < d->n_columns; j++) {
      qb_value v = j == sc ? sv[f] : qb_value_null();
      if (c.cols[j].type == QB_PQ_INT64) v = qb_value_i64(f == 2 ? 5 : 4);
      qb_vqe_cols_fill(&c, j, at[f], &v, &err);
    }
    CHECK_OK(c.rc, &err);
    at[f + 1] = c.n_rows;
  }
  CHECK_EQ_INT(c.cols[sc].values.n, 18 + 5);
  CHECK_EQ_INT(qb_vqe_cols_bytes(&c) >= 10 * 18 + 5 * 5, 1); /* counted as if every row stored its bytes */
  size_t before = qb_vqe_cols_bytes(&c);
  const qb_pq_column_batch *cb = qb_vqe_cols_batch(&c);
  for (size_t i = 0; i < c.n_rows; i++) {
    qb_value got = qb_vqe_cols_value(&c, sc, i);
    EXPECT(same_value(&got, &sv[i / 5]));
    EXPECT(cb[sc].repeats[i] == (i != 0 && i != 10));
    EXPECT(cb[sc].offsets[i + 1] - cb[sc].offsets[i] == (i == 0 ? 18 : i == 10 ? 5 : 0));
  }
  qb_vqe_cols_truncate(&c, 7);
  EXPECT(qb_vqe_cols_bytes(&c) < before);
  for (size_t i = 7; i < 12; i++) {
    qb_vqe_cols_skip(&c, d->n_columns);
    CHECK_OK(qb_vqe_cols_end_row(&c), &err);
  }
  for (size_t j = 0; j < d->n_columns; j++) {
    qb_value v = j == sc ? sv[1] : qb_value_null();
    if (c.cols[j].type == QB_PQ_INT64) v = qb_value_i64(4);
    qb_vqe_cols_fill(&c, j, 7, &v, &err);
  }
  CHECK_OK(c.rc, &err);
  CHECK_EQ_INT(c.cols[sc].values.n, 18); /* row 7 repeats row 6, whose value is row 0's */
  for (size_t i = 0; i < c.n_rows; i++) {
    qb_value got = qb_vqe_cols_value(&c, sc, i);
    EXPECT(same_value(&got, &sv[0]));
  }
  /* a column holding other than `from` cells is an internal error, not a silent mix-up */
  qb_value one = qb_value_i64(1);
  qb_vqe_cols_skip(&c, d->n_columns);
  CHECK_OK(qb_vqe_cols_end_row(&c), &err);
  qb_vqe_cols_fill(&c, 1, 0, &one, &err);
  EXPECT(c.rc == QB_EINTERNAL);
  qb_vqe_cols_free(&c);
}
