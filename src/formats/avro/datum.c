/* SPDX-License-Identifier: Apache-2.0 */
/* Avro values: decode through a resolution plan, skip, and encode (Avro 1.11 spec, "Binary Encoding":
 * records are their fields in order, unions a zig-zag branch index then the value, arrays and maps a
 * series of blocks - a count (negative: followed by the block's byte size) then the items - ending with
 * a zero count, enums the symbol index, fixed the raw bytes). */
#include <stdio.h>
#include <string.h>

#include "formats/avro/datum.h"

/* ---- paths ------------------------------------------------------------------------------------- */

int qb_avro__path_push(qb_avro_path *p, const char *name, uint64_t index, qb_err *err)
{
  if (p->n >= QB_AVRO_MAX_PATH) return QB_FAIL(err, QB_ELIMIT, "data nested deeper than %d levels", QB_AVRO_MAX_PATH);
  p->seg[p->n].name = name;
  p->seg[p->n].index = index;
  p->n++;
  return QB_OK;
}

int qb_avro__path_wrap(const qb_avro_path *p, qb_err *err)
{
  if (!err) return QB_EINTERNAL;
  if (p->n == 0) return err->code;
  char buf[400];
  size_t n = 0;
  for (int i = 0; i < p->n && n < sizeof buf - 1; i++) {
    int k = p->seg[i].name ? snprintf(buf + n, sizeof buf - n, "%s%s", n ? "." : "", p->seg[i].name)
                           : snprintf(buf + n, sizeof buf - n, "[%llu]", (unsigned long long)p->seg[i].index);
    if (k < 0) break;
    n += (size_t)k;
    if (n >= sizeof buf) n = sizeof buf - 1;
  }
  buf[n] = '\0';
  return qb_err_wrap(err, "%s", buf);
}

/* ---- decoding ---------------------------------------------------------------------------------- */

void qb_avro__dec_init(qb_avro_dec *d, qb_arena *a, size_t max_bytes)
{
  d->arena = a;
  d->arena_base = a->total_bytes;
  d->max_bytes = max_bytes;
  d->path.n = 0;
}

/* Failures below name the field path where they happen; callers above just propagate. */
#define DFAIL(d, err, code, ...) (QB_FAIL((err), (code), __VA_ARGS__), qb_avro__path_wrap(&(d)->path, (err)))
#define DWRAP(d, err, rc) ((rc) == QB_ENOMEM ? (rc) : qb_avro__path_wrap(&(d)->path, (err)))

/* Items for n values, within the record's memory budget (a count read from the file never allocates
 * more than max_record_bytes). */
static qb_value *alloc_items(qb_avro_dec *d, size_t n, qb_err *err, int *rc)
{
  size_t used = d->arena->total_bytes - d->arena_base;
  if (n > (d->max_bytes - (used < d->max_bytes ? used : d->max_bytes)) / sizeof(qb_value)) {
    *rc = DFAIL(d, err, QB_ELIMIT, "%zu values exceed the decoded-record limit of %zu bytes", n, d->max_bytes);
    return NULL;
  }
  qb_value *v = qb_arena_alloc(d->arena, (n ? n : 1) * sizeof *v);
  if (!v) *rc = QB_FAIL(err, QB_ENOMEM, "out of memory decoding %zu values", n);
  return v;
}

/* The count of the next array/map block and, after a negative count, the block's byte size (else -1).
 * `item_min` is the fewest bytes an item takes, to refuse counts the remaining bytes cannot hold. */
static int block_count(qb_avro_cur *c, size_t item_min, uint64_t *out, int64_t *size_out, qb_avro_dec *d,
                       qb_err *err)
{
  int64_t n, size = -1;
  int rc = qb_avro__read_long(c, &n, err);
  if (rc) return DWRAP(d, err, rc);
  if (n < 0) {
    if (n == INT64_MIN) return DFAIL(d, err, QB_ECORRUPT, "block count %lld out of range", (long long)n);
    n = -n;
    if ((rc = qb_avro__read_long(c, &size, err))) return DWRAP(d, err, rc);
    if (size < 0 || (uint64_t)size > qb_avro__left(c))
      return DFAIL(d, err, QB_ECORRUPT, "block size %lld exceeds the %zu bytes left", (long long)size, qb_avro__left(c));
  }
  if (item_min && (uint64_t)n > qb_avro__left(c) / item_min)
    return DFAIL(d, err, QB_ECORRUPT, "block count %lld exceeds what the %zu bytes left can hold", (long long)n,
                 qb_avro__left(c));
  *out = (uint64_t)n;
  *size_out = size;
  return QB_OK;
}

static int decode_seq(qb_value *out, const qb_avro_plan *p, qb_avro_cur *c, qb_avro_dec *d, qb_err *err)
{
  bool is_map = p->op == QB_AVRO_OP_MAP, pairs = p->out == QB_V_MAP;
  size_t per = pairs ? 2 : 1; /* values per entry */
  size_t item_min = p->w->items->min_size + (is_map ? 1 : 0);
  qb_value *items = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    uint64_t count;
    int64_t size;
    int rc = block_count(c, item_min, &count, &size, d, err);
    if (rc) return rc;
    if (count == 0) break;
    if (count > SIZE_MAX / 4 - n) return DFAIL(d, err, QB_ECORRUPT, "block count %llu out of range", (unsigned long long)count);
    if (n + count > cap) { /* usually one block: grow to exactly what is announced */
      size_t ncap = n + count > 2 * cap ? n + count : 2 * cap;
      qb_value *ni = alloc_items(d, ncap * per, err, &rc);
      if (!ni) return rc;
      if (n) memcpy(ni, items, n * per * sizeof *ni);
      items = ni, cap = ncap;
    }
    for (uint64_t k = 0; k < count; k++, n++) {
      if ((rc = qb_avro__path_push(&d->path, NULL, n, err))) return DWRAP(d, err, rc);
      qb_value *dst = &items[n * per];
      if (is_map) {
        size_t len;
        if ((rc = qb_avro__read_len(c, &len, err))) return DWRAP(d, err, rc);
        dst->kind = QB_V_STRING, dst->u.bytes.p = c->p, dst->u.bytes.n = len;
        c->p += len;
        dst++;
      }
      qb_value v;
      if ((rc = qb_avro__decode(&v, p->item, c, d, err))) return rc;
      if (pairs && !is_map) { /* logical map: the {key, value} record becomes a pair */
        dst[0] = v.u.seq.items[0];
        dst[1] = v.u.seq.items[1];
      } else {
        *dst = v;
      }
      qb_avro__path_pop(&d->path);
    }
  }
  out->kind = p->out;
  out->u.seq.items = items;
  out->u.seq.n = n;
  return QB_OK;
}

static int decode_record(qb_value *out, const qb_avro_plan *p, qb_avro_cur *c, qb_avro_dec *d, qb_err *err)
{
  int rc = QB_OK;
  qb_value *items = alloc_items(d, p->n_rf, err, &rc);
  if (!items) return rc;
  for (size_t i = 0; i < p->n_rf; i++)
    if (p->fill[i]) items[i] = *p->fill[i];
  for (size_t j = 0; j < p->n_wf; j++) {
    const qb_avro_wfield *f = &p->wf[j];
    if ((rc = qb_avro__path_push(&d->path, f->w->name, 0, err))) return DWRAP(d, err, rc);
    rc = f->rindex >= 0 ? qb_avro__decode(&items[f->rindex], f->plan, c, d, err) : qb_avro__skip(f->w->type, c, d, err);
    if (rc) return rc;
    qb_avro__path_pop(&d->path);
  }
  out->kind = QB_V_STRUCT;
  out->u.seq.items = items;
  out->u.seq.n = p->n_rf;
  return QB_OK;
}

int qb_avro__decode(qb_value *out, const qb_avro_plan *p, qb_avro_cur *c, qb_avro_dec *d, qb_err *err)
{
  int rc = QB_OK;
  out->kind = QB_V_NULL;
  out->u.i64 = 0;
  switch (p->op) {
  case QB_AVRO_OP_NULL: return QB_OK;
  case QB_AVRO_OP_BOOL:
    out->kind = QB_V_BOOL;
    rc = qb_avro__read_bool(c, &out->u.b, err);
    break;
  case QB_AVRO_OP_INT:
  case QB_AVRO_OP_LONG: {
    int64_t v;
    int32_t i;
    if (p->op == QB_AVRO_OP_INT) {
      if ((rc = qb_avro__read_int(c, &i, err))) break;
      v = i;
    } else if ((rc = qb_avro__read_long(c, &v, err))) {
      break;
    }
    out->kind = p->out;
    if (p->out == QB_V_INT32) out->u.i32 = (int32_t)v;
    else if (p->out == QB_V_INT64) out->u.i64 = v;
    else if (p->out == QB_V_FLOAT) out->u.f32 = (float)v;
    else out->u.f64 = (double)v;
    break;
  }
  case QB_AVRO_OP_FLOAT: {
    float f;
    if ((rc = qb_avro__read_float(c, &f, err))) break;
    out->kind = p->out;
    if (p->out == QB_V_FLOAT) out->u.f32 = f;
    else out->u.f64 = (double)f;
    break;
  }
  case QB_AVRO_OP_DOUBLE:
    out->kind = QB_V_DOUBLE;
    rc = qb_avro__read_double(c, &out->u.f64, err);
    break;
  case QB_AVRO_OP_BYTES:
  case QB_AVRO_OP_FIXED: {
    size_t n = p->w->size;
    if (p->op == QB_AVRO_OP_BYTES && (rc = qb_avro__read_len(c, &n, err))) break;
    if ((rc = qb_avro__read_fixed(c, n, &out->u.bytes.p, err))) break;
    out->kind = p->out;
    out->u.bytes.n = n;
    break;
  }
  case QB_AVRO_OP_ENUM: {
    int32_t i;
    if ((rc = qb_avro__read_int(c, &i, err))) break;
    if (i < 0 || (size_t)i >= p->w->n)
      return DFAIL(d, err, QB_ECORRUPT, "enum index %d out of range (%zu symbols)", i, p->w->n);
    if (p->symmap[i] < 0)
      return DFAIL(d, err, QB_ECORRUPT, "enum symbol '%s' is not in the reader's enum %s", p->w->symbols[i],
                   p->r->name ? p->r->name : "");
    const char *sym = p->r->symbols[p->symmap[i]];
    out->kind = QB_V_STRING;
    out->u.bytes.p = (const uint8_t *)sym;
    out->u.bytes.n = strlen(sym);
    break;
  }
  case QB_AVRO_OP_RECORD: return decode_record(out, p, c, d, err);
  case QB_AVRO_OP_ARRAY:
  case QB_AVRO_OP_MAP: return decode_seq(out, p, c, d, err);
  case QB_AVRO_OP_UNION: {
    int64_t b;
    if ((rc = qb_avro__read_long(c, &b, err))) break;
    if (b < 0 || (uint64_t)b >= p->w->n)
      return DFAIL(d, err, QB_ECORRUPT, "union index %lld out of range (%zu branches)", (long long)b, p->w->n);
    if (!p->branch[b])
      return DFAIL(d, err, QB_ECORRUPT, "union branch %lld (%s) cannot be read: %s", (long long)b,
                   qb_avro_type_name(p->w->branches[b]->type), p->why[b]);
    return qb_avro__decode(out, p->branch[b], c, d, err);
  }
  case QB_AVRO_OP_BRANCH: {
    qb_value *pair = alloc_items(d, 2, err, &rc);
    if (!pair) return rc;
    pair[0].kind = QB_V_INT32;
    pair[0].u.i32 = p->rbranch;
    if ((rc = qb_avro__decode(&pair[1], p->item, c, d, err))) return rc;
    out->kind = QB_V_STRUCT;
    out->u.seq.items = pair;
    out->u.seq.n = 2;
    return QB_OK;
  }
  }
  return rc ? DWRAP(d, err, rc) : QB_OK;
}

/* ---- skipping ---------------------------------------------------------------------------------- */

int qb_avro__skip(const qb_avro_node *n, qb_avro_cur *c, qb_avro_dec *d, qb_err *err)
{
  int rc = QB_OK;
  int64_t v;
  size_t len;
  const uint8_t *p;
  if (n->zero) return QB_OK;
  switch (n->type) {
  case QB_AVRO_NULL: return QB_OK;
  case QB_AVRO_BOOLEAN: {
    bool b;
    rc = qb_avro__read_bool(c, &b, err);
    break;
  }
  case QB_AVRO_INT:
  case QB_AVRO_ENUM: {
    int32_t i;
    rc = qb_avro__read_int(c, &i, err);
    if (!rc && n->type == QB_AVRO_ENUM && (i < 0 || (size_t)i >= n->n))
      return DFAIL(d, err, QB_ECORRUPT, "enum index %d out of range (%zu symbols)", i, n->n);
    break;
  }
  case QB_AVRO_LONG: rc = qb_avro__read_long(c, &v, err); break;
  case QB_AVRO_FLOAT: rc = qb_avro__read_fixed(c, 4, &p, err); break;
  case QB_AVRO_DOUBLE: rc = qb_avro__read_fixed(c, 8, &p, err); break;
  case QB_AVRO_BYTES:
  case QB_AVRO_STRING:
    if (!(rc = qb_avro__read_len(c, &len, err))) c->p += len;
    break;
  case QB_AVRO_FIXED: rc = qb_avro__read_fixed(c, n->size, &p, err); break;
  case QB_AVRO_RECORD:
    for (size_t i = 0; i < n->n; i++) {
      if ((rc = qb_avro__path_push(&d->path, n->fields[i].name, 0, err))) return DWRAP(d, err, rc);
      if ((rc = qb_avro__skip(n->fields[i].type, c, d, err))) return rc;
      qb_avro__path_pop(&d->path);
    }
    return QB_OK;
  case QB_AVRO_UNION:
    if ((rc = qb_avro__read_long(c, &v, err))) break;
    if (v < 0 || (uint64_t)v >= n->n)
      return DFAIL(d, err, QB_ECORRUPT, "union index %lld out of range (%zu branches)", (long long)v, n->n);
    return qb_avro__skip(n->branches[v], c, d, err);
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: {
    size_t item_min = n->items->min_size + (n->type == QB_AVRO_MAP);
    for (uint64_t idx = 0;;) {
      uint64_t count;
      int64_t size;
      if ((rc = block_count(c, item_min, &count, &size, d, err))) return rc;
      if (count == 0) return QB_OK;
      if (size >= 0) { /* the writer gave the block's size: jump over it (spec: "for fast skipping") */
        c->p += size;
        idx += count;
        continue;
      }
      if (n->items->zero && n->type == QB_AVRO_ARRAY) continue; /* nothing to read, however many */
      for (uint64_t k = 0; k < count; k++, idx++) {
        if ((rc = qb_avro__path_push(&d->path, NULL, idx, err))) return DWRAP(d, err, rc);
        if (n->type == QB_AVRO_MAP && !(rc = qb_avro__read_len(c, &len, err))) c->p += len;
        if (rc) return DWRAP(d, err, rc);
        if ((rc = qb_avro__skip(n->items, c, d, err))) return rc;
        qb_avro__path_pop(&d->path);
      }
    }
  }
  }
  return rc ? DWRAP(d, err, rc) : QB_OK;
}

/* ---- encoding ---------------------------------------------------------------------------------- */

typedef struct ectx {
  qb_buf *b;
  bool wrap;
  qb_err *err;
  qb_avro_path path;
} ectx;

const char *qb_avro__kind_name(qb_vkind k)
{
  static const char *const names[] = {"null",  "bool",   "int32",  "int64", "float", "double",
                                      "bytes", "string", "struct", "list",  "map"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static int mismatch(ectx *e, const qb_avro_node *n, const qb_value *v)
{
  QB_FAIL(e->err, QB_EINVAL, "a %s value does not fit schema type %s", qb_avro__kind_name(v->kind),
          n->name ? n->name : qb_avro_type_name(n->type));
  return qb_avro__path_wrap(&e->path, e->err);
}

static int encode(ectx *e, const qb_avro_node *n, const qb_value *v);

/* Which union branch takes a value (wrap_unions aside): null to the null branch, otherwise an exact kind
 * match first (int32 -> int, string -> string …), then a widening one (int32 -> long, float -> double). */
int qb_avro__pick_branch(const qb_avro_node *u, const qb_value *v)
{
  static const struct {
    qb_vkind kind;
    qb_avro_type exact, wide;
  } tab[] = {{QB_V_NULL, QB_AVRO_NULL, QB_AVRO_NULL},       {QB_V_BOOL, QB_AVRO_BOOLEAN, QB_AVRO_BOOLEAN},
             {QB_V_INT32, QB_AVRO_INT, QB_AVRO_LONG},       {QB_V_INT64, QB_AVRO_LONG, QB_AVRO_LONG},
             {QB_V_FLOAT, QB_AVRO_FLOAT, QB_AVRO_DOUBLE},   {QB_V_DOUBLE, QB_AVRO_DOUBLE, QB_AVRO_DOUBLE},
             {QB_V_BYTES, QB_AVRO_BYTES, QB_AVRO_FIXED},    {QB_V_STRING, QB_AVRO_STRING, QB_AVRO_ENUM},
             {QB_V_STRUCT, QB_AVRO_RECORD, QB_AVRO_RECORD}, {QB_V_LIST, QB_AVRO_ARRAY, QB_AVRO_ARRAY},
             {QB_V_MAP, QB_AVRO_MAP, QB_AVRO_ARRAY}};
  for (size_t t = 0; t < sizeof tab / sizeof tab[0]; t++) {
    if (tab[t].kind != v->kind) continue;
    for (int pass = 0; pass < 2; pass++)
      for (size_t i = 0; i < u->n; i++) {
        const qb_avro_node *b = u->branches[i];
        if (b->type != (pass ? tab[t].wide : tab[t].exact)) continue;
        if (b->type == QB_AVRO_FIXED && b->size != v->u.bytes.n) continue;
        if (b->type == QB_AVRO_RECORD && b->n != v->u.seq.n) continue;
        if (v->kind == QB_V_MAP && b->type == QB_AVRO_ARRAY && !b->lmap) continue;
        return (int)i;
      }
  }
  return -1;
}

static int encode_union(ectx *e, const qb_avro_node *n, const qb_value *v)
{
  int i;
  if (e->wrap && qb_avro__union_wraps(n)) {
    if (v->kind != QB_V_STRUCT || v->u.seq.n != 2 || v->u.seq.items[0].kind != QB_V_INT32) {
      QB_FAIL(e->err, QB_EINVAL, "a wrapped union value must be a {int32 branch, value} struct");
      return qb_avro__path_wrap(&e->path, e->err);
    }
    i = v->u.seq.items[0].u.i32;
    if (i < 0 || (size_t)i >= n->n) {
      QB_FAIL(e->err, QB_EINVAL, "union branch %d out of range (%zu branches)", i, n->n);
      return qb_avro__path_wrap(&e->path, e->err);
    }
    v = &v->u.seq.items[1];
  } else if ((i = qb_avro__pick_branch(n, v)) < 0) {
    return mismatch(e, n, v);
  }
  int rc = qb_avro__put_long(e->b, i, e->err);
  return rc ? rc : encode(e, n->branches[i], v);
}

static int encode_seq(ectx *e, const qb_avro_node *n, const qb_value *v)
{
  bool pairs = v->kind == QB_V_MAP;
  if (n->type == QB_AVRO_MAP ? !pairs : !(v->kind == QB_V_LIST || (pairs && n->lmap))) return mismatch(e, n, v);
  size_t count = v->u.seq.n;
  int rc = QB_OK;
  if (count) rc = qb_avro__put_long(e->b, (int64_t)count, e->err); /* one block, as Java writes them */
  for (size_t i = 0; !rc && i < count; i++) {
    if ((rc = qb_avro__path_push(&e->path, NULL, i, e->err))) return rc;
    if (n->type == QB_AVRO_MAP) {
      const qb_value *k = &v->u.seq.items[2 * i];
      if (k->kind != QB_V_STRING) {
        QB_FAIL(e->err, QB_EINVAL, "map keys must be strings");
        return qb_avro__path_wrap(&e->path, e->err);
      }
      rc = qb_avro__put_bytes(e->b, k->u.bytes.p, k->u.bytes.n, e->err);
      if (!rc) rc = encode(e, n->items, &v->u.seq.items[2 * i + 1]);
    } else if (pairs) { /* logical map: each pair is a {key, value} record */
      qb_value rec = {QB_V_STRUCT, {0}};
      rec.u.seq.items = &v->u.seq.items[2 * i];
      rec.u.seq.n = 2;
      rc = encode(e, n->items, &rec);
    } else {
      rc = encode(e, n->items, &v->u.seq.items[i]);
    }
    if (!rc) qb_avro__path_pop(&e->path);
  }
  return rc ? rc : qb_avro__put_long(e->b, 0, e->err);
}

static int encode(ectx *e, const qb_avro_node *n, const qb_value *v)
{
  int rc;
  switch (n->type) {
  case QB_AVRO_NULL: return v->kind == QB_V_NULL ? QB_OK : mismatch(e, n, v);
  case QB_AVRO_BOOLEAN: return v->kind == QB_V_BOOL ? qb_buf_putc(e->b, v->u.b ? 1 : 0, e->err) : mismatch(e, n, v);
  case QB_AVRO_INT:
    if (v->kind == QB_V_INT32) return qb_avro__put_long(e->b, v->u.i32, e->err);
    if (v->kind == QB_V_INT64 && v->u.i64 >= INT32_MIN && v->u.i64 <= INT32_MAX)
      return qb_avro__put_long(e->b, v->u.i64, e->err);
    return mismatch(e, n, v);
  case QB_AVRO_LONG:
    if (v->kind == QB_V_INT64) return qb_avro__put_long(e->b, v->u.i64, e->err);
    if (v->kind == QB_V_INT32) return qb_avro__put_long(e->b, v->u.i32, e->err);
    return mismatch(e, n, v);
  case QB_AVRO_FLOAT: return v->kind == QB_V_FLOAT ? qb_avro__put_float(e->b, v->u.f32, e->err) : mismatch(e, n, v);
  case QB_AVRO_DOUBLE:
    if (v->kind == QB_V_DOUBLE) return qb_avro__put_double(e->b, v->u.f64, e->err);
    if (v->kind == QB_V_FLOAT) return qb_avro__put_double(e->b, v->u.f32, e->err);
    return mismatch(e, n, v);
  case QB_AVRO_BYTES:
  case QB_AVRO_STRING:
    if (v->kind != QB_V_BYTES && v->kind != QB_V_STRING) return mismatch(e, n, v);
    return qb_avro__put_bytes(e->b, v->u.bytes.p, v->u.bytes.n, e->err);
  case QB_AVRO_FIXED:
    if (v->kind != QB_V_BYTES) return mismatch(e, n, v);
    if (v->u.bytes.n != n->size) {
      QB_FAIL(e->err, QB_EINVAL, "%zu bytes do not fit fixed %s of %zu bytes", v->u.bytes.n, n->name ? n->name : "",
              n->size);
      return qb_avro__path_wrap(&e->path, e->err);
    }
    return qb_buf_append(e->b, v->u.bytes.p, v->u.bytes.n, e->err);
  case QB_AVRO_ENUM:
    if (v->kind == QB_V_INT32 && v->u.i32 >= 0 && (size_t)v->u.i32 < n->n)
      return qb_avro__put_long(e->b, v->u.i32, e->err);
    if (v->kind == QB_V_STRING)
      for (size_t i = 0; i < n->n; i++)
        if (strlen(n->symbols[i]) == v->u.bytes.n && !memcmp(n->symbols[i], v->u.bytes.p, v->u.bytes.n))
          return qb_avro__put_long(e->b, (int64_t)i, e->err);
    if (v->kind == QB_V_STRING || v->kind == QB_V_INT32) {
      QB_FAIL(e->err, QB_EINVAL, "not a symbol of enum %s", n->name ? n->name : "");
      return qb_avro__path_wrap(&e->path, e->err);
    }
    return mismatch(e, n, v);
  case QB_AVRO_RECORD:
    if (v->kind != QB_V_STRUCT) return mismatch(e, n, v);
    if (v->u.seq.n != n->n) {
      QB_FAIL(e->err, QB_EINVAL, "a struct of %zu values does not fit record %s of %zu fields", v->u.seq.n,
              n->name ? n->name : "(anonymous)", n->n);
      return qb_avro__path_wrap(&e->path, e->err);
    }
    for (size_t i = 0; i < n->n; i++) {
      if ((rc = qb_avro__path_push(&e->path, n->fields[i].name, 0, e->err))) return rc;
      if ((rc = encode(e, n->fields[i].type, &v->u.seq.items[i]))) return rc;
      qb_avro__path_pop(&e->path);
    }
    return QB_OK;
  case QB_AVRO_ARRAY:
  case QB_AVRO_MAP: return encode_seq(e, n, v);
  case QB_AVRO_UNION: return encode_union(e, n, v);
  }
  return mismatch(e, n, v);
}

int qb_avro__encode(qb_buf *b, const qb_avro_node *n, const qb_value *v, bool wrap_unions, qb_err *err)
{
  ectx e = {.b = b, .wrap = wrap_unions, .err = err};
  return encode(&e, n, v);
}
