/* SPDX-License-Identifier: Apache-2.0 */
/* Row-level deletes of format v2 (spec "Scan Planning", "Position Delete Files", "Equality Delete Files";
 * Java DeleteFileIndex): which delete files apply to a data file by sequence number and partition, the
 * positions deleted from one data file, and the sets of deleted equality keys (loaded once per delete
 * file and kept for the scan). */
#include <stdlib.h>
#include <string.h>

#include "iceberg/table_int.h"
#include "util/hash.h"

#define FILE_PATH_ID 2147483546 /* reserved field ids of position delete files */
#define POS_ID 2147483545
#define MAX_EQ_IDS 64

typedef struct eqset {
  size_t n_ids;
  int32_t ids[MAX_EQ_IDS];
  qb_schema *hist; /* the key columns' schema when the read schema lacks some of them (dropped since), else NULL */
  qb_map keys;     /* serialised key tuples */
} eqset;

struct qb_delete_index {
  const qb_tbl *t;
  const qb_schema *schema;
  const qb_name_mapping *mapping;
  qb_delete_file *files;
  size_t n, cap;
  const qb_delete_file **match;
  size_t cap_match;
  /* the data file being read */
  int64_t *pos;
  size_t n_pos, cap_pos;
  eqset **eq;
  size_t n_eq, cap_eq;
  qb_map eq_cache; /* delete file path -> eqset */
  qb_buf key;
};

int qb_delete_index__new(qb_delete_index **out, const qb_tbl *t, const qb_schema *schema,
                         const qb_name_mapping *mapping, qb_err *err)
{
  qb_delete_index *x = calloc(1, sizeof *x);
  if (!x) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  x->t = t;
  x->schema = schema;
  x->mapping = mapping;
  qb_map_init(&x->eq_cache);
  qb_buf_init(&x->key, 64 << 20);
  *out = x;
  return QB_OK;
}

static void eqset_free(eqset *s)
{
  if (!s) return;
  qb_map_free(&s->keys);
  qb_schema_free(s->hist);
  free(s);
}

void qb_delete_index__free(qb_delete_index *x)
{
  if (!x) return;
  for (size_t i = 0; i < x->n; i++) qb_data_file_free(x->files[i].file);
  free(x->files);
  free(x->match);
  free(x->pos);
  free(x->eq);
  for (size_t i = 0; i < x->eq_cache.cap; i++)
    if (x->eq_cache.slots[i].key) eqset_free(x->eq_cache.slots[i].value);
  qb_map_free(&x->eq_cache);
  qb_buf_free(&x->key);
  free(x);
}

int qb_delete_index__add(qb_delete_index *x, const qb_manifest_entry *e, int32_t spec_id, qb_err *err)
{
  if (e->data_file.content == QB_CONTENT_EQUALITY_DELETES && (!e->data_file.equality_ids || !e->data_file.n_equality_ids))
    return QB_FAIL(err, QB_ECORRUPT, "equality delete file %s has no equality_ids", e->data_file.file_path);
  if (e->data_file.n_equality_ids > MAX_EQ_IDS)
    return QB_FAIL(err, QB_ELIMIT, "equality delete file %s has more than %d equality ids", e->data_file.file_path,
                   MAX_EQ_IDS);
  if (x->n == x->cap) {
    size_t nc = x->cap ? x->cap * 2 : 16;
    qb_delete_file *nf = realloc(x->files, nc * sizeof *nf);
    if (!nf) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    x->files = nf;
    x->cap = nc;
    const qb_delete_file **nm = realloc(x->match, nc * sizeof *nm);
    if (!nm) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    x->match = nm;
    x->cap_match = nc;
  }
  qb_delete_file *d = &x->files[x->n];
  int rc = qb_data_file_copy(&d->file, &e->data_file, err);
  if (rc) return rc;
  d->spec_id = spec_id;
  d->data_seq = e->sequence_number;
  x->n++;
  return QB_OK;
}

size_t qb_delete_index__count(const qb_delete_index *x) { return x->n; }

static bool same_partition(const qb_value *a, const qb_value *b)
{
  size_t na = a->kind == QB_V_STRUCT ? a->u.seq.n : 0, nb = b->kind == QB_V_STRUCT ? b->u.seq.n : 0;
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (!qb_value_equal(&a->u.seq.items[i], &b->u.seq.items[i])) return false;
  return true;
}

int qb_delete_index__for(const qb_delete_file *const **out, size_t *n, qb_delete_index *x, const qb_data_file *f,
                         int32_t spec_id, int64_t data_seq, qb_err *err)
{
  (void)err;
  size_t k = 0;
  for (size_t i = 0; i < x->n; i++) {
    const qb_delete_file *d = &x->files[i];
    const qb_data_file *df = d->file;
    bool applies;
    if (df->content == QB_CONTENT_POSITION_DELETES) {
      /* "applies if data seq <= delete seq" (rows added and deleted by one commit) */
      applies = data_seq <= d->data_seq;
      if (applies && df->referenced_data_file) applies = !strcmp(df->referenced_data_file, f->file_path);
      else if (applies) applies = d->spec_id == spec_id && same_partition(&df->partition, &f->partition);
      if (applies) { /* file_path bounds narrow it further */
        qb_slice lo, hi;
        size_t pn = strlen(f->file_path);
        qb_slice p = {(const uint8_t *)f->file_path, pn};
        if (qb_bounds_get(&df->lower_bounds, FILE_PATH_ID, &lo) && lo.p) {
          size_t m = lo.n < pn ? lo.n : pn;
          int c = memcmp(lo.p, p.p, m);
          if (c > 0 || (c == 0 && lo.n > pn)) applies = false;
        }
        if (applies && qb_bounds_get(&df->upper_bounds, FILE_PATH_ID, &hi) && hi.p) {
          size_t m = hi.n < pn ? hi.n : pn;
          int c = memcmp(hi.p, p.p, m);
          if (c < 0 || (c == 0 && hi.n < pn)) applies = false;
        }
      }
    } else {
      /* "applies if data seq < delete seq": strictly older rows only */
      applies = data_seq < d->data_seq;
      if (applies) {
        const qb_partition_spec *ds = qb_table_metadata_spec_by_id(x->t->md, d->spec_id);
        bool global = !ds || ds->n_fields == 0;
        applies = global || (d->spec_id == spec_id && same_partition(&df->partition, &f->partition));
      }
    }
    if (applies) x->match[k++] = d;
  }
  *out = x->match;
  *n = k;
  return QB_OK;
}

/* ---- position deletes ------------------------------------------------------------------------------------ */

static int add_pos(qb_delete_index *x, int64_t p, qb_err *err)
{
  if (x->n_pos == x->cap_pos) {
    size_t nc = x->cap_pos ? x->cap_pos * 2 : 1024;
    int64_t *np = realloc(x->pos, nc * sizeof *np);
    if (!np) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    x->pos = np;
    x->cap_pos = nc;
  }
  x->pos[x->n_pos++] = p;
  return QB_OK;
}

/* Every row of position delete file `del` as scans read it (file_path, pos); with `only`, row groups whose
 * file_path statistics exclude it are skipped. `fn` gets each row (*fn_failed when it fails). */
static int read_positions(qb_delete_index *x, const qb_data_file *del, const char *only, qb_delete_row_fn fn, void *ctx,
                          bool *fn_failed, qb_err *err)
{
  char *path;
  int rc = qb_tbl__path(&path, x->t, del->file_path, err);
  if (rc) return rc;
  qb_pq_reader *r = NULL;
  qb_pq_scan *s = NULL;
  if ((rc = qb_pq_reader_open_path(&r, x->t->io, path, NULL, err))) goto done;
  const qb_pq_field *fp = qb_pq_reader_field_by_id(r, FILE_PATH_ID), *fpos = qb_pq_reader_field_by_id(r, POS_ID);
  qb_pq_scan_options so = QB_PQ_SCAN_OPTIONS_INIT;
  int32_t ids[2] = {FILE_PATH_ID, POS_ID};
  const char *names[2] = {"file_path", "pos"};
  qb_pq_predicate pred = {NULL, FILE_PATH_ID, QB_PQ_OP_EQ,
                          {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)only, only ? strlen(only) : 0}}};
  if (fp && fpos) { /* row groups of other data files are skipped by their file_path statistics */
    so.field_ids = ids;
    so.n_field_ids = 2;
    so.predicates = only ? &pred : NULL;
    so.n_predicates = only ? 1 : 0;
  } else {
    so.columns = names;
    so.n_columns = 2;
  }
  if ((rc = qb_pq_scan_new(&s, r, &so, err))) goto done;
  for (int64_t row_no = 0;; row_no++) {
    const qb_value *row;
    if ((rc = qb_pq_scan_next(&row, s, err)) || !row) break;
    const qb_value *a = &row->u.seq.items[0], *b = &row->u.seq.items[1];
    if ((a->kind != QB_V_STRING && a->kind != QB_V_BYTES) || (b->kind != QB_V_INT64 && b->kind != QB_V_INT32)) {
      rc = QB_FAIL(err, QB_ECORRUPT, "a position delete row without file_path or pos");
      break;
    }
    if ((rc = fn(ctx, a->u.bytes.p, a->u.bytes.n, b->kind == QB_V_INT64 ? b->u.i64 : b->u.i32, row_no, err))) {
      *fn_failed = true;
      break;
    }
  }
done:
  qb_pq_scan_free(s);
  qb_pq_reader_close(r);
  if (rc && !*fn_failed) qb_err_wrap(err, "position delete file %s", path);
  free(path);
  return rc;
}

typedef struct pos_of {
  qb_delete_index *x;
  const char *path;
  size_t n;
} pos_of;

static int add_if_named(void *ctx, const uint8_t *path, size_t n, int64_t pos, int64_t row, qb_err *err)
{
  (void)row;
  pos_of *p = ctx;
  if (n != p->n || memcmp(path, p->path, n)) return QB_OK;
  return add_pos(p->x, pos, err);
}

static int load_positions(qb_delete_index *x, const qb_data_file *data, const qb_data_file *del, qb_err *err)
{
  pos_of p = {x, data->file_path, strlen(data->file_path)};
  bool fn_failed = false;
  return read_positions(x, del, data->file_path, add_if_named, &p, &fn_failed, err);
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* ---- equality deletes ------------------------------------------------------------------------------------ */

/* The key of a row on `ids`: per column a null marker or the value in one canonical byte form (ints as 8
 * bytes, floats as the double's bits, decimals as 16 bytes, strings length-prefixed), so that a delete file
 * written before a type promotion still matches. */
static int key_value(qb_buf *b, const qb_field *f, const qb_value *v, qb_err *err)
{
  uint8_t tmp[17] = {1};
  if (!f || !v || v->kind == QB_V_NULL) return qb_buf_putc(b, 0, err);
  if (f->type->id == QB_T_DECIMAL) {
    qb_i128 x;
    if (!qb_ice__decimal_of(v, &x)) return QB_FAIL(err, QB_ECORRUPT, "bad decimal in column %s", f->name);
    for (int k = 0; k < 16; k++) tmp[1 + k] = (uint8_t)((unsigned __int128)x >> (8 * k));
    return qb_buf_append(b, tmp, 17, err);
  }
  switch (v->kind) {
  case QB_V_BOOL: tmp[1] = v->u.b; return qb_buf_append(b, tmp, 2, err);
  case QB_V_INT32:
  case QB_V_INT64:
    qb_put_le64(tmp + 1, (uint64_t)(v->kind == QB_V_INT32 ? (int64_t)v->u.i32 : v->u.i64));
    return qb_buf_append(b, tmp, 9, err);
  case QB_V_FLOAT:
  case QB_V_DOUBLE: {
    double d = v->kind == QB_V_FLOAT ? v->u.f32 : v->u.f64;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    qb_put_le64(tmp + 1, bits);
    return qb_buf_append(b, tmp, 9, err);
  }
  case QB_V_BYTES:
  case QB_V_STRING: {
    qb_put_le64(tmp + 1, v->u.bytes.n);
    int rc = qb_buf_append(b, tmp, 9, err);
    return rc ? rc : qb_buf_append(b, v->u.bytes.p, v->u.bytes.n, err);
  }
  default: return QB_FAIL(err, QB_EUNSUPPORTED, "equality deletes on nested column %s", f->name);
  }
}

static int build_key(qb_buf *b, const qb_schema *schema, const qb_value *row, const int32_t *ids, size_t n,
                     qb_err *err)
{
  qb_buf_reset(b);
  for (size_t i = 0; i < n; i++) {
    int rc = key_value(b, qb_schema_find_field(schema, ids[i]), qb_row__lookup(schema, row, ids[i]), err);
    if (rc) return rc;
  }
  return QB_OK;
}

/* Whether every key column of `s` is a primitive column of `schema` outside lists and maps */
static bool holds_keys(const qb_schema *schema, const eqset *s, int32_t *missing)
{
  for (size_t i = 0; i < s->n_ids; i++) {
    const qb_schema_entry *e = qb_schema__entry(schema, s->ids[i]);
    if (!e || e->in_collection || !e->path_len || !qb_type_is_primitive(e->field->type)) {
      *missing = s->ids[i];
      return false;
    }
  }
  return true;
}

/* The schema the key columns are read with: the read schema when it holds them all; else (a key column was
 * dropped after the delete file was written: the delete still applies, its values are in the data files and
 * its type in the table's older schemas, as iceberg-go #1951 resolves it) the top-level fields holding them in
 * the newest schema of the table that has them all. Such deletes are turned into positions per data file. */
static int key_schema(const qb_schema **out, eqset *s, const qb_delete_index *x, qb_err *err)
{
  int32_t missing = 0, ignored;
  *out = x->schema;
  if (holds_keys(x->schema, s, &missing)) return QB_OK;
  const qb_table_metadata *md = x->t->md;
  for (size_t i = md ? qb_table_metadata_n_schemas(md) : 0; i-- > 0;) {
    const qb_schema *hs = qb_table_metadata_schema_at(md, i);
    if (!holds_keys(hs, s, &ignored)) continue;
    const qb_type *st = qb_schema_struct(hs);
    qb_field fields[MAX_EQ_IDS];
    size_t n = 0;
    for (size_t k = 0; k < s->n_ids; k++) {
      const qb_field *top = &st->fields[qb_schema__entry(hs, s->ids[k])->path[0]];
      bool seen = false;
      for (size_t j = 0; j < n && !seen; j++) seen = fields[j].id == top->id;
      if (!seen) fields[n++] = *top;
    }
    int rc = qb_schema_new(&s->hist, qb_schema_id(hs), fields, n, NULL, 0, err);
    if (rc) return rc;
    *out = s->hist;
    return QB_OK;
  }
  return QB_FAIL(err, QB_EUNSUPPORTED, "equality field id %d is not a primitive column of any schema of the table",
                 (int)missing);
}

static int load_eqset(eqset **out, qb_delete_index *x, const qb_data_file *del, qb_err *err)
{
  eqset *s = calloc(1, sizeof *s);
  if (!s) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_map_init(&s->keys);
  s->n_ids = del->n_equality_ids;
  memcpy(s->ids, del->equality_ids, s->n_ids * sizeof *s->ids);
  const qb_schema *ks;
  bool *needed = NULL;
  char *path = NULL;
  qb_data_reader *r = NULL;
  int rc = key_schema(&ks, s, x, err);
  if (rc == QB_OK) {
    const qb_type *st = qb_schema_struct(ks);
    needed = calloc(st->n_fields ? st->n_fields : 1, sizeof *needed);
    rc = needed ? qb_tbl__path(&path, x->t, del->file_path, err) : QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  for (size_t i = 0; rc == QB_OK && i < s->n_ids; i++) needed[qb_schema__entry(ks, s->ids[i])->path[0]] = true;
  qb_data_reader_opts o = {ks, needed, x->mapping, NULL, NULL, NULL, 0};
  if (rc == QB_OK) rc = qb_data_reader__open(&r, x->t->io, path, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    if ((rc = qb_data_reader__next(&row, NULL, r, err)) || !row) break;
    if ((rc = build_key(&x->key, ks, row, s->ids, s->n_ids, err))) break;
    rc = qb_map_put(&s->keys, x->key.p ? x->key.p : (const uint8_t *)"", x->key.n, (void *)1, NULL, err);
  }
  qb_data_reader__close(r);
  if (rc) {
    qb_err_wrap(err, "equality delete file %s", path ? path : del->file_path);
    eqset_free(s);
  } else {
    *out = s;
  }
  free(path);
  free(needed);
  return rc;
}

/* An equality delete keyed on columns the read schema no longer has: the positions of the data file's rows it
 * deletes, found by reading the file's key columns with the schema that still has them. A key column the file
 * does not hold is its identity partition value, as in a scan (Hive-migrated files do not store their
 * partition columns); read without it, such a key was null and the delete matched nothing (found by
 * exploreO). */
static int eq_positions(qb_delete_index *x, const qb_data_file *f, const qb_partition_spec *spec, const eqset *s,
                        qb_err *err)
{
  char *path;
  int rc = qb_tbl__path(&path, x->t, f->file_path, err);
  if (rc) return rc;
  qb_data_reader *r = NULL;
  qb_data_reader_opts o = {s->hist, NULL, x->mapping, spec, spec ? &f->partition : NULL, NULL, 0};
  rc = qb_data_reader__open(&r, x->t->io, path, &o, err);
  while (rc == QB_OK) {
    const qb_value *row;
    int64_t pos;
    if ((rc = qb_data_reader__next(&row, &pos, r, err)) || !row) break;
    if ((rc = build_key(&x->key, s->hist, row, s->ids, s->n_ids, err))) break;
    if (qb_map_get(&s->keys, x->key.p ? x->key.p : (const uint8_t *)"", x->key.n)) rc = add_pos(x, pos, err);
  }
  qb_data_reader__close(r);
  if (rc) qb_err_wrap(err, "data file %s: key columns of equality deletes", path);
  free(path);
  return rc;
}

int qb_delete_index__begin_file(qb_delete_index *x, const qb_data_file *f, const qb_partition_spec *spec,
                                const qb_delete_file *const *dels, size_t n, qb_err *err)
{
  x->n_pos = 0;
  x->n_eq = 0;
  int rc;
  for (size_t i = 0; i < n; i++) {
    const qb_data_file *d = dels[i]->file;
    if (d->content == QB_CONTENT_POSITION_DELETES) {
      if ((rc = load_positions(x, f, d, err))) return rc;
      continue;
    }
    eqset *s = qb_map_get_str(&x->eq_cache, d->file_path);
    if (!s) {
      if ((rc = load_eqset(&s, x, d, err))) return rc;
      if ((rc = qb_map_put_str(&x->eq_cache, d->file_path, s, err))) {
        eqset_free(s);
        return rc;
      }
    }
    if (s->hist) {
      if ((rc = eq_positions(x, f, spec, s, err))) return rc;
      continue;
    }
    if (x->n_eq == x->cap_eq) {
      size_t nc = x->cap_eq ? x->cap_eq * 2 : 8;
      eqset **ne = realloc(x->eq, nc * sizeof *ne);
      if (!ne) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      x->eq = ne;
      x->cap_eq = nc;
    }
    x->eq[x->n_eq++] = s;
  }
  if (x->n_pos > 1) qsort(x->pos, x->n_pos, sizeof *x->pos, cmp_i64);
  return QB_OK;
}

bool qb_delete_index__deleted(qb_delete_index *x, const qb_value *row, int64_t pos)
{
  if (x->n_pos && bsearch(&pos, x->pos, x->n_pos, sizeof *x->pos, cmp_i64)) return true;
  for (size_t i = 0; i < x->n_eq; i++) {
    eqset *s = x->eq[i];
    qb_err e = QB_ERR_INIT;
    if (build_key(&x->key, x->schema, row, s->ids, s->n_ids, &e)) return false;
    if (qb_map_get(&s->keys, x->key.p ? x->key.p : (const uint8_t *)"", x->key.n)) return true;
  }
  return false;
}

static int ignore_row(void *ctx, const uint8_t *path, size_t n, int64_t pos, int64_t row, qb_err *err)
{
  (void)ctx, (void)path, (void)n, (void)pos, (void)row, (void)err;
  return QB_OK;
}

int qb_delete_index__verify(qb_delete_index *x, const qb_data_file *del, bool read, qb_delete_row_fn fn, void *ctx,
                            bool *fn_failed, qb_err *err)
{
  *fn_failed = false;
  if (del->content == QB_CONTENT_POSITION_DELETES)
    return read ? read_positions(x, del, NULL, fn ? fn : ignore_row, ctx, fn_failed, err) : QB_OK;
  if (!del->equality_ids || !del->n_equality_ids)
    return QB_FAIL(err, QB_ECORRUPT, "equality delete file %s has no equality_ids", del->file_path);
  if (del->n_equality_ids > MAX_EQ_IDS)
    return QB_FAIL(err, QB_ELIMIT, "equality delete file %s has more than %d equality ids", del->file_path,
                   MAX_EQ_IDS);
  eqset *s = NULL;
  int rc;
  if (read) {
    rc = load_eqset(&s, x, del, err);
  } else {
    const qb_schema *ks;
    if (!(s = calloc(1, sizeof *s))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    qb_map_init(&s->keys);
    s->n_ids = del->n_equality_ids;
    memcpy(s->ids, del->equality_ids, s->n_ids * sizeof *s->ids);
    rc = key_schema(&ks, s, x, err);
    if (rc) qb_err_wrap(err, "equality delete file %s", del->file_path);
  }
  eqset_free(s);
  return rc;
}
