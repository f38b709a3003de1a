/* SPDX-License-Identifier: Apache-2.0 */
/* data_file metrics of a Parquet file (spec "Manifests": column_sizes … upper_bounds; Appendix D bounds) as
 * Java builds them: metrics modes per column (MetricsConfig, MetricsModes) and the footer statistics turned
 * into Iceberg bounds and truncated (ParquetMetrics). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"

#define DEFAULT_TRUNCATE 16
#define MAX_INFERRED_DEFAULT 100
#define PROP_DEFAULT "write.metadata.metrics.default"
#define PROP_COLUMN "write.metadata.metrics.column."
#define PROP_MAX_INFERRED "write.metadata.metrics.max-inferred-column-defaults"

/* ---- modes ------------------------------------------------------------------------------------------- */

int qb_metrics_mode_parse(qb_metrics_mode *out, const char *s, qb_err *err)
{
  char buf[40];
  size_t n = 0;
  /* MetricsModes.fromString: trimmed, case-insensitive */
  while (isspace((unsigned char)*s)) s++;
  for (; *s && n + 1 < sizeof buf; s++) buf[n++] = (char)tolower((unsigned char)*s);
  while (n && isspace((unsigned char)buf[n - 1])) n--;
  buf[n] = 0;
  out->length = 0;
  if (!strcmp(buf, "none")) out->kind = QB_METRICS_NONE;
  else if (!strcmp(buf, "counts")) out->kind = QB_METRICS_COUNTS;
  else if (!strcmp(buf, "full")) out->kind = QB_METRICS_FULL;
  else {
    char *end;
    long len = strncmp(buf, "truncate(", 9) ? -1 : strtol(buf + 9, &end, 10);
    if (len <= 0 || len > INT32_MAX || strcmp(end, ")") || !isdigit((unsigned char)buf[9]))
      return QB_FAIL(err, QB_EINVAL, "invalid metrics mode '%s' (none, counts, full or truncate(N) with N > 0)", buf);
    out->kind = QB_METRICS_TRUNCATE;
    out->length = (int32_t)len;
  }
  return QB_OK;
}

typedef struct col_mode {
  int32_t id;
  qb_metrics_mode mode;
} col_mode;

struct qb_metrics_config {
  qb_metrics_mode default_mode;
  size_t n, cap;
  col_mode *cols; /* explicit modes by field id; the last one set wins */
};

static int set_mode(qb_metrics_config *c, int32_t id, qb_metrics_mode m, qb_err *err)
{
  for (size_t i = 0; i < c->n; i++)
    if (c->cols[i].id == id) {
      c->cols[i].mode = m;
      return QB_OK;
    }
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 16;
    col_mode *p = realloc(c->cols, cap * sizeof *p);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory for metrics modes");
    c->cols = p;
    c->cap = cap;
  }
  c->cols[c->n].id = id;
  c->cols[c->n++].mode = m;
  return QB_OK;
}

qb_metrics_mode qb_metrics_config_mode(const qb_metrics_config *c, int32_t field_id)
{
  for (size_t i = 0; i < c->n; i++)
    if (c->cols[i].id == field_id) return c->cols[i].mode;
  return c->default_mode;
}

static const char *prop(const qb_kv *props, size_t n, const char *key)
{
  for (size_t i = n; i-- > 0;)
    if (props[i].key && !strcmp(props[i].key, key)) return props[i].value;
  return NULL;
}

/* TypeUtil.getProjectedIds: primitive fields, list elements and map keys/values, at any depth */
static size_t count_leaves(const qb_type *t)
{
  size_t n = 0;
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields; i++)
      n += qb_type_is_primitive(t->fields[i].type) ? 1 : count_leaves(t->fields[i].type);
    return n;
  case QB_T_LIST: return (qb_type_is_primitive(t->element) ? 1 : 0) + count_leaves(t->element);
  case QB_T_MAP:
    return (qb_type_is_primitive(t->key) ? 1 : 0) + (qb_type_is_primitive(t->value) ? 1 : 0) + count_leaves(t->key) +
           count_leaves(t->value);
  default: return 0;
  }
}

/* MetricsConfig.limitFieldIds: a struct's primitive fields first, then its nested types in order, until
 * `limit` ids are taken. */
static int limit_ids(qb_metrics_config *c, const qb_type *t, size_t *taken, size_t limit, qb_metrics_mode m,
                     qb_err *err)
{
  int rc = QB_OK;
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; !rc && *taken < limit && i < t->n_fields; i++)
      if (qb_type_is_primitive(t->fields[i].type) && !(rc = set_mode(c, t->fields[i].id, m, err))) (*taken)++;
    for (size_t i = 0; !rc && *taken < limit && i < t->n_fields; i++)
      rc = limit_ids(c, t->fields[i].type, taken, limit, m, err);
    return rc;
  case QB_T_LIST:
    if (*taken < limit && qb_type_is_primitive(t->element) && !(rc = set_mode(c, t->element_id, m, err))) (*taken)++;
    return rc ? rc : limit_ids(c, t->element, taken, limit, m, err);
  case QB_T_MAP:
    if (*taken < limit && qb_type_is_primitive(t->key) && !(rc = set_mode(c, t->key_id, m, err))) (*taken)++;
    if (!rc && *taken < limit && qb_type_is_primitive(t->value) && !(rc = set_mode(c, t->value_id, m, err))) (*taken)++;
    if (!rc) rc = limit_ids(c, t->key, taken, limit, m, err);
    return rc ? rc : limit_ids(c, t->value, taken, limit, m, err);
  default: return QB_OK;
  }
}

static bool preserves_order(qb_transform_kind k)
{
  return k == QB_TR_IDENTITY || k == QB_TR_TRUNCATE || k == QB_TR_YEAR || k == QB_TR_MONTH || k == QB_TR_DAY ||
         k == QB_TR_HOUR;
}

int qb_metrics_config_new(qb_metrics_config **out, const qb_schema *schema, const qb_kv *properties,
                          size_t n_properties, const qb_sort_order *order, qb_err *err)
{
  *out = NULL;
  qb_metrics_config *c = calloc(1, sizeof *c);
  if (!c) return QB_FAIL(err, QB_ENOMEM, "out of memory for a metrics config");
  const qb_metrics_mode def = {QB_METRICS_TRUNCATE, DEFAULT_TRUNCATE};
  qb_err ignored = QB_ERR_INIT;
  int rc = QB_OK;
  /* an unparsable mode falls back (Java MetricsConfig.parseMode logs and uses the default) */
  const char *configured = prop(properties, n_properties, PROP_DEFAULT);
  if (configured) {
    if (qb_metrics_mode_parse(&c->default_mode, configured, &ignored)) c->default_mode = def;
  } else {
    int64_t limit = MAX_INFERRED_DEFAULT;
    const char *lp = prop(properties, n_properties, PROP_MAX_INFERRED);
    if (lp) limit = atoll(lp);
    c->default_mode = def;
    if (count_leaves(qb_schema_struct(schema)) > (size_t)(limit < 0 ? 0 : limit)) {
      /* wide tables: only the first `limit` columns get metrics by default */
      size_t taken = 0;
      c->default_mode.kind = QB_METRICS_NONE;
      c->default_mode.length = 0;
      rc = limit_ids(c, qb_schema_struct(schema), &taken, (size_t)limit, def, err);
    }
  }
  /* sorted columns keep bounds even when the default would drop them */
  qb_metrics_mode sorted = c->default_mode;
  if (sorted.kind == QB_METRICS_NONE || sorted.kind == QB_METRICS_COUNTS) sorted = def;
  for (size_t i = 0; !rc && order && i < order->n_fields; i++)
    if (preserves_order(order->fields[i].transform.kind) && qb_schema_find_field(schema, order->fields[i].source_id))
      rc = set_mode(c, order->fields[i].source_id, sorted, err);
  /* write.metadata.metrics.column.<full column name> */
  size_t plen = strlen(PROP_COLUMN);
  for (size_t i = 0; !rc && i < n_properties; i++) {
    if (!properties[i].key || strncmp(properties[i].key, PROP_COLUMN, plen) || !properties[i].value) continue;
    const qb_field *f = qb_schema_find_field_by_name(schema, properties[i].key + plen);
    qb_metrics_mode m;
    if (!f) continue;
    if (qb_metrics_mode_parse(&m, properties[i].value, &ignored)) m = c->default_mode;
    rc = set_mode(c, f->id, m, err);
  }
  if (rc) {
    qb_metrics_config_free(c);
    return rc;
  }
  *out = c;
  return QB_OK;
}

void qb_metrics_config_free(qb_metrics_config *c)
{
  if (!c) return;
  free(c->cols);
  free(c);
}

/* ---- Parquet statistics -> Iceberg bounds (ParquetConversions.convertValue + Conversions.toByteBuffer) ---- */

/* The Iceberg single-value serialisation of a Parquet statistics value `in` of physical type `pt` for a
 * column of Iceberg type `t`; false when it cannot be converted (then the column gets no bounds). */
static bool convert_bound(qb_slice *out, uint8_t scratch[16], const qb_type *t, qb_pq_type pt, qb_slice in)
{
  qb_value v = qb_value_null();
  qb_err ignored = QB_ERR_INIT;
  switch (pt) {
  case QB_PQ_BOOLEAN:
    if (in.n != 1 || t->id != QB_T_BOOLEAN) return false;
    v.kind = QB_V_BOOL;
    v.u.b = in.p[0] != 0;
    break;
  case QB_PQ_INT32:
    if (in.n != 4) return false;
    v.kind = QB_V_INT32;
    v.u.i32 = (int32_t)qb_le32(in.p);
    break;
  case QB_PQ_INT64:
    if (in.n != 8) return false;
    v.kind = QB_V_INT64;
    v.u.i64 = (int64_t)qb_le64(in.p);
    break;
  case QB_PQ_FLOAT:
    if (in.n != 4) return false;
    v.kind = QB_V_FLOAT;
    {
      uint32_t bits = qb_le32(in.p);
      memcpy(&v.u.f32, &bits, 4);
    }
    if (t->id == QB_T_DOUBLE) { /* a promoted column */
      v.kind = QB_V_DOUBLE;
      v.u.f64 = v.u.f32;
    }
    break;
  case QB_PQ_DOUBLE:
    if (in.n != 8) return false;
    v.kind = QB_V_DOUBLE;
    {
      uint64_t bits = qb_le64(in.p);
      memcpy(&v.u.f64, &bits, 8);
    }
    break;
  case QB_PQ_BYTE_ARRAY:
  case QB_PQ_FIXED_LEN_BYTE_ARRAY:
    v.kind = t->id == QB_T_STRING ? QB_V_STRING : QB_V_BYTES;
    v.u.bytes.p = in.p;
    v.u.bytes.n = in.n;
    if (t->id == QB_T_DECIMAL) { /* big-endian two's complement of any width: re-serialised minimal */
      qb_i128 d;
      if (in.n == 0 || in.n > 16 || !qb_ice__decimal_of(&v, &d)) return false;
      out->p = scratch;
      out->n = qb_ice__decimal_bytes(d, scratch);
      return true;
    }
    break;
  default: return false; /* INT96: no order Iceberg uses */
  }
  if (v.kind == QB_V_INT32 && (t->id == QB_T_LONG || t->id == QB_T_TIME || t->id == QB_T_TIMESTAMP ||
                               t->id == QB_T_TIMESTAMPTZ)) {
    int32_t x = v.u.i32;
    v.kind = QB_V_INT64;
    v.u.i64 = x;
  }
  return qb_bound_encode(out, scratch, t, &v, &ignored) == QB_OK;
}

/* ---- the data file ----------------------------------------------------------------------------------------- */

typedef struct acc {
  qb_column_count *items;
  size_t n;
} acc;

static int cmp_count(const void *a, const void *b)
{
  int32_t x = ((const qb_column_count *)a)->field_id, y = ((const qb_column_count *)b)->field_id;
  return (x > y) - (x < y);
}

static int cmp_bound(const void *a, const void *b)
{
  int32_t x = ((const qb_column_bound *)a)->field_id, y = ((const qb_column_bound *)b)->field_id;
  return (x > y) - (x < y);
}

static void add_count(acc *m, int32_t id, int64_t v)
{
  for (size_t i = 0; i < m->n; i++)
    if (m->items[i].field_id == id) {
      m->items[i].value += v;
      return;
    }
  m->items[m->n].field_id = id;
  m->items[m->n++].value = v;
}

static void finish_counts(qb_counts *out, acc *m)
{
  qsort(m->items, m->n, sizeof *m->items, cmp_count); /* ascending ids, as Java's HashMap of small ints */
  out->items = m->items;
  out->n = m->n;
}

static int bounds(qb_column_bound *lo, size_t *n_lo, qb_column_bound *hi, size_t *n_hi, qb_arena *a,
                  const qb_pq_column_metrics *c, const qb_type *t, qb_metrics_mode mode, qb_err *err)
{
  uint8_t s_lo[16], s_hi[16];
  qb_slice l, h;
  if (!convert_bound(&l, s_lo, t, c->type, c->lower_bound) || !convert_bound(&h, s_hi, t, c->type, c->upper_bound))
    return QB_OK;
  bool has_hi = true;
  uint8_t *scratch = NULL;
  if (mode.kind == QB_METRICS_TRUNCATE && (t->id == QB_T_STRING || t->id == QB_T_BINARY)) {
    qb_err bad = QB_ERR_INIT;
    size_t sn = QB_BOUND_UPPER_SCRATCH(mode.length);
    if (!(scratch = qb_ice__alloc(a, sn, 1, err))) return QB_ENOMEM;
    /* a string column whose statistics are not UTF-8 gets no bounds rather than wrong ones */
    if (qb_bound_truncate_lower(&l, t, l, mode.length, &bad) ||
        qb_bound_truncate_upper(&h, &has_hi, scratch, sn, t, h, mode.length, &bad))
      return QB_OK;
  }
  const uint8_t *lp = qb_arena_memdup(a, l.n ? l.p : (const uint8_t *)"", l.n ? l.n : 1);
  const uint8_t *hp = has_hi ? qb_arena_memdup(a, h.n ? h.p : (const uint8_t *)"", h.n ? h.n : 1) : NULL;
  if (!lp || (has_hi && !hp)) return QB_FAIL(err, QB_ENOMEM, "out of memory for bounds");
  lo[*n_lo].field_id = c->field_id;
  lo[*n_lo].value.p = lp;
  lo[(*n_lo)++].value.n = l.n;
  if (has_hi) { /* Java drops an upper bound that cannot be incremented (all 0xFF / U+10FFFF) */
    hi[*n_hi].field_id = c->field_id;
    hi[*n_hi].value.p = hp;
    hi[(*n_hi)++].value.n = h.n;
  }
  return QB_OK;
}

int qb_data_file_from_parquet(qb_data_file **out, const qb_pq_write_result *res, const char *path,
                              const qb_value *partition, const qb_schema *schema, const qb_metrics_config *cfg,
                              qb_err *err)
{
  *out = NULL;
  qb_data_file *f = NULL;
  qb_arena *a = NULL;
  int rc = qb_data_file__new_owned(&f, &a, 0, err);
  if (rc) return rc;
  const qb_metrics_mode def = {QB_METRICS_TRUNCATE, DEFAULT_TRUNCATE};
  size_t n = res->n_columns;
  acc sizes = {qb_ice__alloc(a, n, sizeof(qb_column_count), err), 0};
  acc values = {qb_ice__alloc(a, n, sizeof(qb_column_count), err), 0};
  acc nulls = {qb_ice__alloc(a, n, sizeof(qb_column_count), err), 0};
  acc nans = {qb_ice__alloc(a, n, sizeof(qb_column_count), err), 0};
  qb_column_bound *lo = qb_ice__alloc(a, n, sizeof *lo, err), *hi = qb_ice__alloc(a, n, sizeof *hi, err);
  int64_t *offs = qb_ice__alloc(a, res->n_split_offsets, sizeof *offs, err);
  size_t n_lo = 0, n_hi = 0;
  if (!sizes.items || !values.items || !nulls.items || !nans.items || !lo || !hi || !offs) rc = QB_ENOMEM;
  qb_value empty = {.kind = QB_V_STRUCT};
  if (!rc) {
    qb_data_file src;
    memset(&src, 0, sizeof src);
    src.file_path = path;
    src.file_format = "PARQUET";
    src.partition = partition && partition->kind == QB_V_STRUCT ? *partition : empty;
    src.sort_order_id = QB_UNASSIGNED;
    rc = qb_data_file__copy_into(f, &src, a, err);
  }
  for (size_t i = 0; !rc && i < n; i++) {
    const qb_pq_column_metrics *c = &res->columns[i];
    if (c->field_id == QB_PQ_NO_FIELD_ID) continue;
    const qb_schema_entry *e = qb_schema__entry(schema, c->field_id);
    if (!e) continue;
    qb_metrics_mode mode = cfg ? qb_metrics_config_mode(cfg, c->field_id) : def;
    if (mode.kind == QB_METRICS_NONE) continue;
    add_count(&sizes, c->field_id, (int64_t)c->size_bytes);
    /* ParquetMetrics: fields inside lists and maps get no counts and no bounds */
    if (e->in_collection || c->max_rep > 0) continue;
    const qb_type *t = e->field->type;
    add_count(&values, c->field_id, (int64_t)c->value_count);
    add_count(&nulls, c->field_id, (int64_t)c->null_count);
    if (t->id == QB_T_FLOAT || t->id == QB_T_DOUBLE) add_count(&nans, c->field_id, (int64_t)c->nan_count);
    if (mode.kind != QB_METRICS_COUNTS && c->has_bounds) rc = bounds(lo, &n_lo, hi, &n_hi, a, c, t, mode, err);
  }
  if (rc) {
    qb_data_file_free(f);
    return rc == QB_ENOMEM && err->code == QB_OK ? QB_FAIL(err, QB_ENOMEM, "out of memory for metrics") : rc;
  }
  f->record_count = (int64_t)res->record_count;
  f->file_size_in_bytes = (int64_t)res->file_size_bytes;
  finish_counts(&f->column_sizes, &sizes);
  finish_counts(&f->value_counts, &values);
  finish_counts(&f->null_value_counts, &nulls);
  finish_counts(&f->nan_value_counts, &nans);
  qsort(lo, n_lo, sizeof *lo, cmp_bound);
  qsort(hi, n_hi, sizeof *hi, cmp_bound);
  f->lower_bounds.items = lo;
  f->lower_bounds.n = n_lo;
  f->upper_bounds.items = hi;
  f->upper_bounds.n = n_hi;
  for (size_t i = 0; i < res->n_split_offsets; i++) offs[i] = (int64_t)res->split_offsets[i];
  f->split_offsets = offs;
  f->n_split_offsets = res->n_split_offsets;
  /* kept until the commit: an exact copy (the arrays above have a slot per column, the arena 4 KiB) */
  rc = qb_data_file_copy(out, f, err);
  qb_data_file_free(f);
  return rc;
}
