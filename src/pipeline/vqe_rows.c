/* SPDX-License-Identifier: Apache-2.0 */
/* The rows of the nine feature tables derived from one raw record (pipeline-spec §4.1–§4.9) and the
 * processing_metadata row (§4.11), as qb_value structs in the column order of vqe_tables.c, or appended
 * cell by cell to column buffers (vqe_cols.h) by the same derivation. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/raw_vqe.h"
#include "pipeline/vqe_cols.h"
#include "pipeline/vqe_ids.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hash.h"

#define MAX_COLS 24
#define ID_MAX 128 /* "<64 hex>_iter_-999999_param_2147483647" */
#define DEC_ROOM 24 /* the room dec needs at out (8 bytes, or the digits of a longer number) */
#define ID_HEAD 96  /* an id's head ("<64 hex>_iter_-999999_param_": at most 84 chars), copied whole */
_Static_assert(ID_HEAD >= 64 + 6 + 7 + 7 && ID_MAX >= ID_HEAD && ID_MAX >= 64 + 6 + 7 + 7 + DEC_ROOM,
               "row id buffers");

typedef struct rows {
  const qb_vqe_record *r;
  const char *eid;
  size_t eid_n;
  const qb_vqe_types *types;
  const qb_vqe_meta *meta;
  qb_vqe_row_fn fn;
  void *ctx;
  qb_err *err;
  qb_arena *a;
  qb_vqe_cols *cols; /* the columnar target, else rows go to fn */
  qb_value items[MAX_COLS];
  size_t n;
  char id[ID_MAX]; /* row path: the id cell of the row being built */
  /* columnar: where the record-constant cells go, skipped per row and filled once (fill_constants) */
  size_t prefix_col, prefix_n, meta_col;
  bool has_prefix, has_meta;
} rows;

static inline void put(rows *w, qb_value v)
{
  if (w->cols) qb_vqe_cols_put(w->cols, &v, w->err);
  else w->items[w->n++] = v;
}

/* Typed puts of present cells for the many-row tables: columnar, no qb_value is built (vqe_cols.h). */
static inline void put_i32(rows *w, int32_t x)
{
  if (w->cols) qb_vqe_cols_put_i32(w->cols, x, w->err);
  else w->items[w->n++] = qb_value_i32(x);
}
static inline void put_i64(rows *w, int64_t x)
{
  if (w->cols) qb_vqe_cols_put_i64(w->cols, x, w->err);
  else w->items[w->n++] = qb_value_i64(x);
}
static inline void put_f64(rows *w, double x)
{
  if (w->cols) qb_vqe_cols_put_f64(w->cols, x, w->err);
  else w->items[w->n++] = qb_value_f64(x);
}

static qb_value v_str(const char *p, size_t n)
{
  qb_value v;
  v.kind = QB_V_STRING;
  v.u.bytes.p = (const uint8_t *)p;
  v.u.bytes.n = n;
  return v;
}
static qb_value v_vstr(qb_vqe_str s) { return v_str(s.p, s.n); }
static qb_value v_cstr(const char *s) { return v_str(s, strlen(s)); }
static qb_value v_list(qb_value *items, size_t n)
{
  qb_value v;
  v.kind = QB_V_LIST;
  v.u.seq.items = items;
  v.u.seq.n = n;
  return v;
}
static qb_value v_opt_f64(bool has, double x) { return has ? qb_value_f64(x) : qb_value_null(); }
static qb_value v_opt_i64(bool has, int64_t x) { return has ? qb_value_i64(x) : qb_value_null(); }

static int emit(rows *w)
{
  if (w->cols) return qb_vqe_cols_end_row(w->cols);
  qb_value row;
  row.kind = QB_V_STRUCT;
  row.u.seq.items = w->items;
  row.u.seq.n = w->n;
  int rc = w->fn(w->ctx, &row, w->err);
  w->n = 0;
  return rc;
}

/* processing_timestamp, processing_date, processing_batch_id, processing_name */
static void meta_values(const rows *w, qb_value v[4])
{
  v[0] = qb_value_i64(w->meta->processing_timestamp_us);
  v[1] = qb_value_i32(w->meta->processing_date);
  v[2] = v_cstr(w->meta->processing_batch_id);
  v[3] = v_cstr(w->meta->processing_name ? w->meta->processing_name : QB_VQE_PROCESSING_NAME);
}

/* experiment_id, molecule_id, basis_set, backend, num_qubits (the first 2 to 5 of them lead the rows) */
static void prefix_values(const rows *w, qb_value v[5])
{
  v[0] = v_str(w->eid, w->eid_n);
  v[1] = qb_value_i64(w->r->molecule_id);
  v[2] = v_vstr(w->r->basis_set);
  v[3] = v_vstr(w->r->backend);
  v[4] = qb_value_i64(w->r->num_qubits);
}

static inline void put_meta(rows *w)
{
  if (w->cols) {
    w->meta_col = w->cols->cur, w->has_meta = true;
    qb_vqe_cols_skip(w->cols, 4);
    return;
  }
  qb_value v[4];
  meta_values(w, v);
  for (int i = 0; i < 4; i++) put(w, v[i]);
}

static inline void put_prefix(rows *w, int n)
{
  if (w->cols) {
    w->prefix_col = w->cols->cur, w->prefix_n = (size_t)n, w->has_prefix = true;
    qb_vqe_cols_skip(w->cols, (size_t)n);
    return;
  }
  qb_value v[5];
  prefix_values(w, v);
  for (int i = 0; i < n; i++) put(w, v[i]);
}

/* Columnar: the record-constant cells of rows [from, n_rows), which put_prefix and put_meta skipped. */
static int fill_constants(rows *w, size_t from)
{
  qb_value v[5];
  if (w->has_prefix) {
    prefix_values(w, v);
    for (size_t i = 0; i < w->prefix_n; i++) qb_vqe_cols_fill(w->cols, w->prefix_col + i, from, &v[i], w->err);
  }
  if (w->has_meta) {
    meta_values(w, v);
    for (size_t i = 0; i < 4; i++) qb_vqe_cols_fill(w->cols, w->meta_col + i, from, &v[i], w->err);
  }
  return w->cols->rc;
}

static qb_value *alloc_values(rows *w, size_t n)
{
  qb_value *v = qb_arena_calloc(w->a, n ? n : 1, sizeof *v);
  if (!v) QB_FAIL(w->err, QB_ENOMEM, "out of memory building a row");
  return v;
}

static qb_value doubles_list(rows *w, const qb_vqe_doubles *d, bool *ok)
{
  qb_value *items = alloc_values(w, d->n);
  *ok = items != NULL;
  if (!items) return qb_value_null();
  for (size_t i = 0; i < d->n; i++) items[i] = qb_value_f64(d->v[i]);
  return v_list(items, d->n);
}

static int molecules(rows *w)
{
  const qb_vqe_record *r = w->r;
  bool ok = true;
  qb_value *symbols = alloc_values(w, r->n_symbols), *coords = alloc_values(w, r->n_coords);
  size_t name_n = 0;
  for (size_t i = 0; i < r->n_symbols; i++) name_n += r->symbols[i].n;
  char *name = qb_arena_alloc(w->a, name_n + 1);
  if (!symbols || !coords || !name) return QB_FAIL(w->err, QB_ENOMEM, "out of memory building a row");
  name_n = 0;
  for (size_t i = 0; i < r->n_symbols; i++) { /* array_join(symbols, ''): in order, no separator */
    symbols[i] = v_vstr(r->symbols[i]);
    memcpy(name + name_n, r->symbols[i].p, r->symbols[i].n);
    name_n += r->symbols[i].n;
  }
  for (size_t i = 0; ok && i < r->n_coords; i++) coords[i] = doubles_list(w, &r->coords[i], &ok);
  qb_value masses = r->has_masses ? doubles_list(w, &r->masses, &ok) : qb_value_null();
  if (!ok) return w->err->code;
  put_prefix(w, 2);
  put(w, v_list(symbols, r->n_symbols));
  put(w, v_str(name, name_n));
  put(w, v_list(coords, r->n_coords));
  put(w, qb_value_i64(r->multiplicity));
  put(w, qb_value_i64(r->charge));
  put(w, v_vstr(r->units));
  put(w, masses);
  put_meta(w);
  return emit(w);
}

static qb_value ansatz_name(const qb_vqe_record *r)
{
  return r->has_ansatz_name ? v_vstr(r->ansatz_name) : v_cstr("EfficientSU2"); /* coalesce(…, 'EfficientSU2') */
}
static qb_value init_strategy(const qb_vqe_record *r)
{
  return r->has_init_strategy ? v_vstr(r->init_strategy) : v_cstr("random"); /* coalesce(…, 'random') */
}

static int ansatz_info(rows *w)
{
  put_prefix(w, 3);
  put(w, v_vstr(w->r->ansatz));
  put(w, qb_value_i64(w->r->ansatz_reps));
  put(w, ansatz_name(w->r));
  put(w, init_strategy(w->r));
  put_meta(w);
  return emit(w);
}

static int performance_metrics(rows *w)
{
  const qb_vqe_record *r = w->r;
  put_prefix(w, 3);
  put(w, qb_value_f64(r->hamiltonian_time));
  put(w, qb_value_f64(r->mapping_time));
  put(w, qb_value_f64(r->vqe_time));
  put(w, qb_value_f64(r->total_time));
  put(w, qb_value_f64(r->minimization_time));
  double sum = r->hamiltonian_time + r->mapping_time; /* left to right, as Spark adds */
  sum = sum + r->vqe_time;
  put(w, qb_value_f64(sum));
  put_meta(w);
  return emit(w);
}

static int vqe_results(rows *w)
{
  const qb_vqe_record *r = w->r;
  put_prefix(w, 5);
  put(w, v_vstr(r->optimizer));
  put(w, v_vstr(r->noise_backend));
  put(w, v_opt_i64(r->has_default_shots, r->default_shots));
  put(w, qb_value_i64(r->ansatz_reps));
  put(w, ansatz_name(r));
  put(w, init_strategy(r));
  put(w, v_opt_i64(r->has_seed, r->seed));
  put(w, qb_value_f64(r->minimum));
  put(w, v_opt_f64(r->has_maxcv, r->maxcv));
  put(w, v_opt_f64(r->has_nuclear_repulsion_energy, r->nuclear_repulsion_energy));
  put(w, r->has_success ? qb_value_bool(r->success) : qb_value_null());
  put(w, v_opt_i64(r->has_nfev, r->nfev));
  put(w, v_opt_i64(r->has_nit, r->nit));
  put(w, qb_value_i32((int32_t)r->n_iterations));
  put_meta(w);
  return emit(w);
}

/* "00" to "99", each pair as the little-endian 16-bit value of its two characters */
#define PAIR(t, u) (uint16_t)(('0' + (t)) | ('0' + (u)) << 8)
#define PAIRS(t) PAIR(t, 0), PAIR(t, 1), PAIR(t, 2), PAIR(t, 3), PAIR(t, 4), PAIR(t, 5), PAIR(t, 6), PAIR(t, 7), \
                 PAIR(t, 8), PAIR(t, 9)
static const uint16_t pairs[100] = {PAIRS(0), PAIRS(1), PAIRS(2), PAIRS(3), PAIRS(4),
                                    PAIRS(5), PAIRS(6), PAIRS(7), PAIRS(8), PAIRS(9)};

/* The decimal form of v (what %PRId64 prints) as the little-endian bytes of *x, when it has at most 8
 * characters (|v| < 10^7: every bucket and parameter position); returns its length, else 0. Runs for
 * every row id, two digits per step: built in a register, the caller stores it at once and hashes it
 * from there (digits stored piecewise and then loaded whole stall the store forwarding). */
static inline size_t dec8(uint64_t *x, int64_t v)
{
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, r = 0;
  if (u >= 10000000) return 0;
  size_t n = 0;
  for (; u >= 100; u /= 100, n += 2) r = r << 16 | pairs[u % 100];
  if (u >= 10) {
    r = r << 16 | pairs[u];
    n += 2;
  } else {
    r = r << 8 | (uint64_t)('0' + u);
    n++;
  }
  if (v < 0) r = r << 8 | '-', n++;
  *x = r;
  return n;
}

/* Decimal form of v (what %PRId64 prints) at out, which must have DEC_ROOM bytes of room (any of them
 * may be written); returns its length (at most 20). */
static inline size_t dec(char *out, int64_t v)
{
  uint64_t x;
  size_t n = dec8(&x, v);
  if (n) {
    qb_put_le64((uint8_t *)out, x);
    return n;
  }
  char tmp[DEC_ROOM], *e = tmp + sizeof tmp, *p = e;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  n = (size_t)(e - p);
  memcpy(out, p, n);
  return n;
}

/* `prefix` `tag` `v`: the row ids of §4.5–§4.9 (ID_MAX bounds every one: a 64-char id, a short tag). */
static size_t row_id(char out[ID_MAX], const char *prefix, size_t prefix_n, const char *tag, size_t tag_n, int64_t v)
{
  memcpy(out, prefix, prefix_n);
  memcpy(out + prefix_n, tag, tag_n);
  return prefix_n + tag_n + dec(out + prefix_n + tag_n, v);
}
#define TAG(s) (s), sizeof(s) - 1

/* A present string cell; columnar: copied once, straight into the column. */
static inline void put_bytes(rows *w, const char *p, size_t n)
{
  if (!w->cols) {
    w->items[w->n++] = v_str(p, n);
    return;
  }
  uint8_t *dst = qb_vqe__bytes_begin(w->cols, n, w->err);
  if (!dst) {
    qb_vqe_cols_skip(w->cols, 1);
    return;
  }
  if (n) memcpy(dst, p, n);
  qb_vqe__bytes_end(w->cols, n);
}

/* The row's id cell (`prefix` `tag` `v`, as row_id): columnar, written straight into the column, with its
 * hash state (cols->id_hash) from `pre`, the state after `prefix` `tag`; the row path keeps it in w->id
 * until the row is emitted. */
static inline void put_id(rows *w, const char *prefix, size_t prefix_n, const char *tag, size_t tag_n, int64_t v,
                          uint64_t pre)
{
  if (!w->cols) {
    size_t n = row_id(w->id, prefix, prefix_n, tag, tag_n, v);
    w->items[w->n++] = v_str(w->id, n);
    return;
  }
  uint8_t *dst = qb_vqe__bytes_begin(w->cols, ID_MAX, w->err);
  if (!dst) {
    qb_vqe_cols_skip(w->cols, 1);
    return;
  }
  size_t n = row_id((char *)dst, prefix, prefix_n, tag, tag_n, v), head = prefix_n + tag_n;
  uint64_t h = qb_hash_bytes_update(pre, dst + head, n - head);
  qb_vqe_cols *c = w->cols;
  c->id_col = c->cur;
  qb_vqe__bytes_end(c, n);
  if ((c->rc = qb_vqe__room(&c->id_hash, 8, w->err))) return;
  memcpy(c->id_hash.p + c->id_hash.n, &h, 8);
  c->id_hash.n += 8;
}

/* The hash state of `a` `b` (put_id's `pre`); 0 on the row path, which keeps no hashes. */
static uint64_t id_pre(const rows *w, const char *a, size_t a_n, const char *b, size_t b_n)
{
  return w->cols ? qb_hash_bytes_update(qb_hash_bytes_update(QB_HASH_BYTES_INIT, a, a_n), b, b_n) : 0;
}

/* initial_parameters / optimal_parameters: one row per element, parameter_index a hash bucket of the
 * value's string form under the batch type (Double.toString for double, Long.toString for bigint). */
static int parameters(rows *w, const qb_vqe_doubles *d, unsigned bit, const char *tag, size_t tag_n)
{
  bool as_long = qb_vqe_types_as_long(w->types, w->r, bit);
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  uint64_t pre = id_pre(w, w->eid, w->eid_n, tag, tag_n);
  for (size_t i = 0; i < d->n; i++) {
    char num[32];
    size_t num_n = qb_vqe_number_string(num, d->v[i], as_long);
    int32_t index = qb_vqe_bucket(qb_vqe_idhash_str(&h, num, num_n));
    put_prefix(w, 5);
    put_f64(w, d->v[i]);
    put_meta(w);
    put_i32(w, index);
    put_id(w, w->eid, w->eid_n, tag, tag_n, index, pre);
    int rc = emit(w);
    if (rc) return rc;
  }
  return QB_OK;
}

static size_t iteration_id(char out[ID_MAX], const rows *w, const qb_vqe_idhash *h, int32_t step)
{
  char num[DEC_ROOM];
  size_t num_n = dec(num, step); /* cast(bigint as string) */
  int32_t bucket = qb_vqe_bucket(qb_vqe_idhash_str(h, num, num_n));
  return row_id(out, w->eid, w->eid_n, TAG("_iter_"), bucket);
}

static bool steps_increasing(const qb_vqe_record *r)
{
  for (size_t i = 1; i < r->n_iterations; i++)
    if (r->iterations[i].iteration <= r->iterations[i - 1].iteration) return false;
  return true;
}

/* dropDuplicates(experiment_id, iteration_step): Spark keeps an arbitrary row of each pair; we keep the
 * first in file order. Steps normally increase, which needs no set. */
static int vqe_iterations(rows *w)
{
  const qb_vqe_record *r = w->r;
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  qb_u64set seen;
  qb_u64set_init(&seen);
  bool check = !steps_increasing(r);
  int rc = QB_OK;
  for (size_t i = 0; !rc && i < r->n_iterations; i++) {
    const qb_vqe_iteration *it = &r->iterations[i];
    if (check) {
      uint64_t key = (uint64_t)(uint32_t)it->iteration;
      if (qb_u64set_has(&seen, key)) continue;
      if ((rc = qb_u64set_add(&seen, key, w->err))) break;
    }
    char id[ID_MAX];
    size_t id_n = iteration_id(id, w, &h, it->iteration);
    put_prefix(w, 5);
    put_i64(w, it->iteration);
    put_f64(w, it->result);
    put_f64(w, it->std);
    put(w, v_opt_f64(it->has_energy_delta, it->energy_delta));
    put(w, v_opt_f64(it->has_parameter_delta_norm, it->parameter_delta_norm));
    put(w, v_opt_f64(it->has_cumulative_min_energy, it->cumulative_min_energy));
    put_meta(w);
    put_bytes(w, id, id_n);
    rc = emit(w);
  }
  qb_u64set_free(&seen);
  return rc;
}

/* A cell constant over the rows of one iteration: columnar, skipped here and filled per iteration. */
static void put_iteration_cell(rows *w, qb_value v, size_t *col)
{
  if (!w->cols) {
    put(w, v);
    return;
  }
  *col = w->cols->cur;
  qb_vqe_cols_skip(w->cols, 1);
}

/* posexplode(iteration_list) × posexplode(parameters): no de-duplication (§4.8) */
static int iteration_parameters(rows *w)
{
  const qb_vqe_record *r = w->r;
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  for (size_t i = 0; i < r->n_iterations; i++) {
    const qb_vqe_iteration *it = &r->iterations[i];
    char iter_id[ID_MAX];
    size_t iter_n = iteration_id(iter_id, w, &h, it->iteration);
    size_t from = w->cols ? w->cols->n_rows : 0, step_col = 0, id_col = 0;
    uint64_t pre = it->parameters.n ? id_pre(w, iter_id, iter_n, TAG("_param_")) : 0;
    for (size_t k = 0; k < it->parameters.n; k++) {
      put_prefix(w, 5);
      put_iteration_cell(w, qb_value_i64(it->iteration), &step_col);
      put_i32(w, (int32_t)k);
      put_f64(w, it->parameters.v[k]);
      put_meta(w);
      put_iteration_cell(w, v_str(iter_id, iter_n), &id_col);
      put_id(w, iter_id, iter_n, TAG("_param_"), (int64_t)k, pre);
      int rc = emit(w);
      if (rc) return rc;
    }
    if (w->cols && it->parameters.n) {
      qb_value step = qb_value_i64(it->iteration), id = v_str(iter_id, iter_n);
      qb_vqe_cols_fill(w->cols, step_col, from, &step, w->err);
      qb_vqe_cols_fill(w->cols, id_col, from, &id, w->err);
      if (w->cols->rc) return w->cols->rc;
    }
  }
  return QB_OK;
}

static int hamiltonian_terms(rows *w)
{
  const qb_vqe_record *r = w->r;
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  uint64_t pre = id_pre(w, w->eid, w->eid_n, TAG("_term_"));
  for (size_t i = 0; i < r->n_hamiltonian; i++) {
    const qb_vqe_term *t = &r->hamiltonian[i];
    int32_t index = qb_vqe_bucket(qb_vqe_idhash_str(&h, t->label.p, t->label.n));
    put_prefix(w, 4);
    put_bytes(w, t->label.p, t->label.n);
    put_f64(w, t->real);
    put_f64(w, t->imaginary);
    put_meta(w);
    put_i32(w, index);
    put_id(w, w->eid, w->eid_n, TAG("_term_"), index, pre);
    int rc = emit(w);
    if (rc) return rc;
  }
  return QB_OK;
}

/* ---- columnar: the many-row tables a run of rows at a time ------------------------------------------
 * The same rows as the functions above, appended column by column (one room check per column and run,
 * the values of a double array in one copy); the record-constant and iteration-constant columns are
 * filled as put_prefix, put_meta and put_iteration_cell leave them. Column positions: vqe_tables.c. */

/* The head of a run's ids (`prefix` `tag`, zero-padded to ID_HEAD bytes) and its hash state. */
typedef struct id_head {
  char p[ID_HEAD];
  size_t n;
  uint64_t pre;
} id_head;

/* `eid` is the hash state of prefix's first `eid_n` bytes (the experiment id, hashed once per record). */
static void id_head_init(id_head *h, const char *prefix, size_t prefix_n, const char *tag, size_t tag_n, uint64_t eid,
                         size_t eid_n)
{
  memset(h->p, 0, sizeof h->p);
  memcpy(h->p, prefix, prefix_n);
  memcpy(h->p + prefix_n, tag, tag_n);
  h->n = prefix_n + tag_n;
  h->pre = qb_hash_bytes_update(eid, h->p + eid_n, h->n - eid_n);
}

/* Room for `k` ids in column col and for their hash states (qb_vqe_cols.id_hash): the column, or NULL. */
static qb_vqe_col *ids_begin(rows *w, size_t col_i, size_t k)
{
  qb_vqe_cols *c = w->cols;
  qb_vqe_col *col = &c->cols[col_i];
  if (c->rc || (c->rc = qb_vqe__room(&col->valid, k, w->err)) ||
      (c->rc = qb_vqe__room(&col->values, k * ID_MAX, w->err)) ||
      (c->rc = qb_vqe__room(&col->offsets, 8 * k + 16, w->err)) || (c->rc = qb_vqe__room(&c->id_hash, 8 * k, w->err)))
    return NULL;
  c->id_col = col_i;
  return col;
}

/* The id `head` `v` as the next cell of col (room from ids_begin): the head copied whole, then the digits;
 * its hash state as put_id's. Inlined into each run's loop (one call per row was a measurable cost). */
static inline __attribute__((always_inline)) void id_cell(qb_vqe_cols *c, qb_vqe_col *col, const id_head *head, int64_t v)
{
  uint8_t *dst = col->values.p + col->values.n;
  memcpy(dst, head->p, ID_HEAD);
  uint64_t x, h;
  size_t tail = dec8(&x, v);
  if (tail) {
    qb_put_le64(dst + head->n, x);
    h = qb_hash_bytes_update_le(head->pre, x, tail);
  } else {
    tail = dec((char *)dst + head->n, v);
    h = qb_hash_bytes_update(head->pre, dst + head->n, tail);
  }
  col->values.n += head->n + tail;
  col->valid.p[col->valid.n++] = 1;
  qb_vqe__close_bytes(col);
  memcpy(c->id_hash.p + c->id_hash.n, &h, 8);
  c->id_hash.n += 8;
}

static void constants_at(rows *w, size_t prefix_n, size_t meta_col)
{
  w->prefix_col = 0, w->prefix_n = prefix_n, w->has_prefix = true;
  w->meta_col = meta_col, w->has_meta = true;
}

/* `nums`: the texts the experiment-id text printed for these values, if it kept them (initial_parameters) */
static int parameters_cols(rows *w, const qb_vqe_doubles *d, unsigned bit, const char *tag, size_t tag_n,
                           const qb_vqe_nums *nums)
{
  enum { VALUE = 5, META, INDEX = 10, ID };
  qb_vqe_cols *c = w->cols;
  size_t k = d->n;
  constants_at(w, 5, META);
  if (!k) return QB_OK;
  bool as_long = qb_vqe_types_as_long(w->types, w->r, bit);
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  id_head head;
  id_head_init(&head, w->eid, w->eid_n, tag, tag_n, QB_HASH_BYTES_INIT, 0);
  uint8_t *values = qb_vqe__cells(c, VALUE, k, 8, w->err), *index = qb_vqe__cells(c, INDEX, k, 4, w->err);
  qb_vqe_col *ids = ids_begin(w, ID, k);
  if (!ids) return c->rc;
  memcpy(values, d->v, k * 8);
  const uint8_t *kept = nums && nums->rec == w->r && nums->n == k && nums->as_long == as_long ? nums->text.p : NULL;
  for (size_t i = 0; i < k; i++) {
    char num[32];
    const char *text = num;
    size_t num_n;
    if (kept) {
      num_n = *kept;
      text = (const char *)kept + 1;
      kept += 1 + num_n;
    } else {
      num_n = qb_vqe_number_string(num, d->v[i], as_long);
    }
    int32_t x = qb_vqe_bucket(qb_vqe_idhash_str(&h, text, num_n));
    memcpy(index + 4 * i, &x, 4);
    id_cell(c, ids, &head, x);
  }
  c->n_rows += k;
  return QB_OK;
}

static int iteration_parameters_cols(rows *w)
{
  enum { STEP = 5, INDEX, VALUE, META, ITER_ID = 12, ID };
  const qb_vqe_record *r = w->r;
  qb_vqe_cols *c = w->cols;
  constants_at(w, 5, META);
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  uint64_t eid = qb_hash_bytes_update(QB_HASH_BYTES_INIT, w->eid, w->eid_n); /* iteration ids start with it */
  for (size_t i = 0; i < r->n_iterations; i++) {
    const qb_vqe_iteration *it = &r->iterations[i];
    size_t k = it->parameters.n, from = c->n_rows;
    if (!k) continue;
    char iter_id[ID_MAX];
    size_t iter_n = iteration_id(iter_id, w, &h, it->iteration);
    id_head head;
    id_head_init(&head, iter_id, iter_n, TAG("_param_"), eid, w->eid_n);
    uint8_t *index = qb_vqe__cells(c, INDEX, k, 4, w->err), *values = qb_vqe__cells(c, VALUE, k, 8, w->err);
    qb_vqe_col *ids = ids_begin(w, ID, k);
    if (!ids) return c->rc;
    memcpy(values, it->parameters.v, k * 8);
    for (size_t j = 0; j < k; j++) {
      int32_t x = (int32_t)j;
      memcpy(index + 4 * j, &x, 4);
      id_cell(c, ids, &head, x);
    }
    c->n_rows += k;
    qb_value step = qb_value_i64(it->iteration), id = v_str(iter_id, iter_n);
    qb_vqe_cols_fill(c, STEP, from, &step, w->err);
    qb_vqe_cols_fill(c, ITER_ID, from, &id, w->err);
    if (c->rc) return c->rc;
  }
  return QB_OK;
}

static int hamiltonian_terms_cols(rows *w)
{
  enum { LABEL = 4, REAL, IMAG, META, INDEX = 11, ID };
  const qb_vqe_record *r = w->r;
  qb_vqe_cols *c = w->cols;
  size_t k = r->n_hamiltonian;
  constants_at(w, 4, META);
  if (!k) return QB_OK;
  qb_vqe_idhash h;
  qb_vqe_idhash_init(&h, w->eid, w->eid_n);
  id_head head;
  id_head_init(&head, w->eid, w->eid_n, TAG("_term_"), QB_HASH_BYTES_INIT, 0);
  size_t label_bytes = 0;
  for (size_t i = 0; i < k; i++) label_bytes += r->hamiltonian[i].label.n;
  qb_vqe_col *labels = &c->cols[LABEL];
  if (c->rc || (c->rc = qb_vqe__room(&labels->values, label_bytes, w->err)) ||
      (c->rc = qb_vqe__room(&labels->offsets, 8 * k + 16, w->err)))
    return c->rc;
  (void)qb_vqe__cells(c, LABEL, k, 0, w->err); /* the labels' validity; their bytes go in below */
  uint8_t *re = qb_vqe__cells(c, REAL, k, 8, w->err), *im = qb_vqe__cells(c, IMAG, k, 8, w->err),
          *index = qb_vqe__cells(c, INDEX, k, 4, w->err);
  qb_vqe_col *ids = ids_begin(w, ID, k); /* NULL after any failure above too (c->rc) */
  if (!ids) return c->rc;
  for (size_t i = 0; i < k; i++) {
    const qb_vqe_term *t = &r->hamiltonian[i];
    uint8_t *dst = labels->values.p + labels->values.n;
    if (t->label.n >= 8 && t->label.n <= 16) { /* two overlapping words (no call per label), within the label */
      uint64_t a, b;
      memcpy(&a, t->label.p, 8);
      memcpy(&b, t->label.p + t->label.n - 8, 8);
      memcpy(dst, &a, 8);
      memcpy(dst + t->label.n - 8, &b, 8);
    } else if (t->label.n) {
      memcpy(dst, t->label.p, t->label.n);
    }
    labels->values.n += t->label.n;
    qb_vqe__close_bytes(labels);
    memcpy(re + 8 * i, &t->real, 8);
    memcpy(im + 8 * i, &t->imaginary, 8);
    int32_t x = qb_vqe_bucket(qb_vqe_idhash_str(&h, t->label.p, t->label.n));
    memcpy(index + 4 * i, &x, 4);
    id_cell(c, ids, &head, x);
  }
  c->n_rows += k;
  return QB_OK;
}

static int derive(qb_vqe_table t, const qb_vqe_record *rec, const char *experiment_id, const qb_vqe_types *types,
                  const qb_vqe_meta *meta, qb_vqe_row_fn fn, void *ctx, qb_vqe_cols *cols, const qb_vqe_nums *nums,
                  qb_err *err)
{
  if ((unsigned)t >= QB_VQE_FEATURE_TABLES) return QB_FAIL(err, QB_EINVAL, "table %d is not a feature table", t);
  if (!rec || !experiment_id || !types || !meta || !meta->processing_batch_id || (!fn && !cols))
    return QB_FAIL(err, QB_EINVAL, "qb_vqe_rows: missing argument");
  qb_arena a;
  qb_arena_init(&a, cols ? 64 : 16 * 1024);
  /* Field by field: an initializer would zero items[] and id[] too (~830 bytes, nine times per record),
   * which the row path writes before it reads and the columnar path never uses. */
  rows w;
  w.r = rec, w.eid = experiment_id, w.eid_n = strnlen(experiment_id, 64), w.types = types, w.meta = meta;
  w.fn = fn, w.ctx = ctx, w.err = err, w.a = &a, w.cols = cols, w.n = 0;
  w.prefix_col = 0, w.prefix_n = 0, w.meta_col = 0, w.has_prefix = false, w.has_meta = false;
  size_t from = cols ? cols->n_rows : 0;
  int rc;
  switch (t) {
  case QB_VQE_MOLECULES: rc = molecules(&w); break;
  case QB_VQE_ANSATZ_INFO: rc = ansatz_info(&w); break;
  case QB_VQE_PERFORMANCE_METRICS: rc = performance_metrics(&w); break;
  case QB_VQE_VQE_RESULTS: rc = vqe_results(&w); break;
  case QB_VQE_INITIAL_PARAMETERS:
    rc = cols ? parameters_cols(&w, &rec->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS, TAG("_init_"), nums)
              : parameters(&w, &rec->initial_parameters, QB_VQE_F_INITIAL_PARAMETERS, TAG("_init_"));
    break;
  case QB_VQE_OPTIMAL_PARAMETERS:
    rc = cols ? parameters_cols(&w, &rec->optimal_parameters, QB_VQE_F_OPTIMAL_PARAMETERS, TAG("_opt_"), NULL)
              : parameters(&w, &rec->optimal_parameters, QB_VQE_F_OPTIMAL_PARAMETERS, TAG("_opt_"));
    break;
  case QB_VQE_VQE_ITERATIONS: rc = vqe_iterations(&w); break;
  case QB_VQE_ITERATION_PARAMETERS: rc = cols ? iteration_parameters_cols(&w) : iteration_parameters(&w); break;
  default: rc = cols ? hamiltonian_terms_cols(&w) : hamiltonian_terms(&w);
  }
  if (rc == QB_OK && cols) rc = fill_constants(&w, from);
  qb_arena_release(&a);
  return rc;
}

int qb_vqe_rows(qb_vqe_table t, const qb_vqe_record *rec, const char *experiment_id, const qb_vqe_types *types,
                const qb_vqe_meta *meta, qb_vqe_row_fn fn, void *ctx, qb_err *err)
{
  return derive(t, rec, experiment_id, types, meta, fn, ctx, NULL, NULL, err);
}

int qb_vqe__rows_to_cols(qb_vqe_cols *c, const qb_vqe_record *rec, const char *experiment_id,
                         const qb_vqe_types *types, const qb_vqe_meta *meta, const qb_vqe_nums *nums, qb_err *err)
{
  if (!qb_vqe_table_is_flat(c->table))
    return QB_FAIL(err, QB_EINVAL, "table %s has list columns: it has no columnar path",
                   qb_vqe_table_describe(c->table)->name);
  return derive(c->table, rec, experiment_id, types, meta, NULL, NULL, c, nums, err);
}

void qb_vqe_meta_init(qb_vqe_meta *m, int64_t timestamp_us, const char *batch_id)
{
  const int64_t day_us = INT64_C(86400000000);
  int64_t days = timestamp_us / day_us;
  if (timestamp_us % day_us < 0) days--; /* floor for instants before 1970 */
  m->processing_timestamp_us = timestamp_us;
  m->processing_date = (int32_t)days;
  m->processing_batch_id = batch_id;
  m->processing_name = QB_VQE_PROCESSING_NAME;
}

void qb_vqe_meta_now(qb_vqe_meta *m, char batch_id[37])
{
  qb_uuid_v4(batch_id);
  qb_vqe_meta_init(m, qb_now_ms() * 1000, batch_id);
}

int qb_vqe_metadata_row(const qb_vqe_meta *meta, const char *const versions[QB_VQE_FEATURE_TABLES],
                        const int64_t counts[QB_VQE_FEATURE_TABLES], const char *topic, qb_vqe_row_fn fn,
                        void *ctx, qb_err *err)
{
  if (!meta || !meta->processing_batch_id || !versions || !counts || !fn)
    return QB_FAIL(err, QB_EINVAL, "qb_vqe_metadata_row: missing argument");
  qb_value names[QB_VQE_FEATURE_TABLES], vers[QB_VQE_FEATURE_TABLES], cnts[QB_VQE_FEATURE_TABLES], items[8];
  for (int i = 0; i < QB_VQE_FEATURE_TABLES; i++) {
    if (!versions[i]) return QB_FAIL(err, QB_EINVAL, "qb_vqe_metadata_row: no version for table %d", i);
    names[i] = v_cstr(qb_vqe_table_describe((qb_vqe_table)i)->name);
    vers[i] = v_cstr(versions[i]);
    cnts[i] = qb_value_i64(counts[i]);
  }
  char info[256];
  int info_n = snprintf(info, sizeof info, "Incremental VQE simulation data processing%s%s",
                        topic && *topic ? " from topic " : "", topic && *topic ? topic : "");
  if (info_n < 0 || (size_t)info_n >= sizeof info) return QB_FAIL(err, QB_EINVAL, "topic name too long");
  items[0] = v_cstr(meta->processing_batch_id);
  items[1] = v_cstr(meta->processing_name ? meta->processing_name : QB_VQE_PROCESSING_NAME);
  items[2] = qb_value_i64(meta->processing_timestamp_us);
  items[3] = qb_value_i32(meta->processing_date);
  items[4] = v_list(names, QB_VQE_FEATURE_TABLES);
  items[5] = v_list(vers, QB_VQE_FEATURE_TABLES);
  items[6] = v_list(cnts, QB_VQE_FEATURE_TABLES);
  items[7] = v_str(info, (size_t)info_n);
  qb_value row;
  row.kind = QB_V_STRUCT;
  row.u.seq.items = items;
  row.u.seq.n = 8;
  return fn(ctx, &row, err);
}
