/* SPDX-License-Identifier: Apache-2.0 */
/* data_file metrics of a Parquet file we wrote (Java MetricsConfig.forTable + ParquetMetrics, iceberg.md
 * §3.2): column sizes for every leaf; value, null and NaN counts and bounds only outside lists and maps;
 * bounds in the single-value serialisation, strings and binary truncated under truncate(N) (upper bound
 * rounded up, or dropped when it cannot be). Modes: write.metadata.metrics.default, .column.<name>, and
 * max-inferred-column-defaults. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/data_writer_int.h"
#include "util/str.h"

#define DEFAULT_TRUNCATE 16
#define DEFAULT_MAX_INFERRED 100

struct qb_file_metrics_config {
  size_t n;
  int32_t *ids;
  qb_metrics_mode *modes;
};

/* "none", "counts", "full", "truncate(N)" */
static bool parse_mode(qb_metrics_mode *m, const char *s)
{
  if (!strcasecmp(s, "none")) *m = (qb_metrics_mode){QB_METRICS_NONE, 0};
  else if (!strcasecmp(s, "counts")) *m = (qb_metrics_mode){QB_METRICS_COUNTS, 0};
  else if (!strcasecmp(s, "full")) *m = (qb_metrics_mode){QB_METRICS_FULL, 0};
  else if (!strncasecmp(s, "truncate(", 9)) {
    char *end;
    long n = strtol(s + 9, &end, 10);
    if (n <= 0 || n > 1 << 20 || strcmp(end, ")")) return false;
    *m = (qb_metrics_mode){QB_METRICS_TRUNCATE, (int32_t)n};
  } else
    return false;
  return true;
}

typedef struct collect {
  qb_file_metrics_config *c;
  const qb_schema *schema;
  const qb_table_metadata *md;
  qb_metrics_mode def;
  bool explicit_default;
  int64_t max_inferred;
  size_t primitives;
  int rc;
  qb_err *err;
} collect;

static void add_leaf(collect *k, int32_t id)
{
  qb_metrics_mode m = k->def;
  if (!k->explicit_default && (int64_t)k->primitives >= k->max_inferred) m = (qb_metrics_mode){QB_METRICS_NONE, 0};
  k->primitives++;
  const char *name = qb_schema_field_name(k->schema, id);
  char *key = name ? qb_str_printf("write.metadata.metrics.column.%s", name) : NULL;
  const char *v = key ? qb_table_metadata_property(k->md, key) : NULL;
  qb_metrics_mode col;
  if (v && parse_mode(&col, v)) m = col;
  free(key);
  k->c->ids[k->c->n] = id;
  k->c->modes[k->c->n++] = m;
}

static void walk(collect *k, const qb_type *t, int32_t id)
{
  switch (t->id) {
  case QB_T_STRUCT:
    for (size_t i = 0; i < t->n_fields; i++) walk(k, t->fields[i].type, t->fields[i].id);
    return;
  case QB_T_LIST: walk(k, t->element, t->element_id); return;
  case QB_T_MAP:
    walk(k, t->key, t->key_id);
    walk(k, t->value, t->value_id);
    return;
  default: add_leaf(k, id); return;
  }
}

int qb_file_metrics__config(qb_file_metrics_config **out, const qb_schema *schema, const qb_table_metadata *md,
                            qb_err *err)
{
  *out = NULL;
  qb_file_metrics_config *c = calloc(1, sizeof *c);
  size_t cap = (size_t)qb_schema_highest_field_id(schema) + 1;
  if (c) {
    c->ids = calloc(cap, sizeof *c->ids);
    c->modes = calloc(cap, sizeof *c->modes);
  }
  if (!c || !c->ids || !c->modes) {
    qb_file_metrics__config_free(c);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  collect k = {c, schema, md, {QB_METRICS_TRUNCATE, DEFAULT_TRUNCATE}, false, DEFAULT_MAX_INFERRED, 0, QB_OK, err};
  const char *d = qb_table_metadata_property(md, "write.metadata.metrics.default");
  qb_metrics_mode m;
  if (d && parse_mode(&m, d)) { /* Java: an unparsable default falls back to truncate(16) */
    k.def = m;
    k.explicit_default = true;
  }
  int rc = qb_tbl__prop_i64(&k.max_inferred, md, "write.metadata.metrics.max-inferred-column-defaults",
                            DEFAULT_MAX_INFERRED, err);
  if (rc) {
    qb_file_metrics__config_free(c);
    return rc;
  }
  walk(&k, qb_schema_struct(schema), 0);
  *out = c;
  return QB_OK;
}

void qb_file_metrics__config_free(qb_file_metrics_config *c)
{
  if (!c) return;
  free(c->ids);
  free(c->modes);
  free(c);
}

static qb_metrics_mode mode_of(const qb_file_metrics_config *c, int32_t id)
{
  for (size_t i = 0; i < c->n; i++)
    if (c->ids[i] == id) return c->modes[i];
  return (qb_metrics_mode){QB_METRICS_NONE, 0};
}

/* A Parquet statistics bound (PLAIN little-endian numbers, raw bytes) as the Iceberg single-value form:
 * only decimals differ (Parquet: INT32/INT64 little-endian or fixed big-endian; Iceberg: minimal big-endian). */
static int iceberg_bound(qb_slice *out, const qb_type *t, qb_pq_type pt, qb_slice in, qb_arena *a, qb_err *err)
{
  if (t->id != QB_T_DECIMAL) {
    *out = in;
    return QB_OK;
  }
  qb_i128 x = 0;
  if (pt == QB_PQ_INT32 && in.n == 4) x = (int32_t)qb_le32(in.p);
  else if (pt == QB_PQ_INT64 && in.n == 8) x = (int64_t)qb_le64(in.p);
  else if (in.n >= 1 && in.n <= 16) {
    qb_value v = {.kind = QB_V_BYTES, .u.bytes = {in.p, in.n}};
    qb_ice__decimal_of(&v, &x);
  } else
    return QB_FAIL(err, QB_EINTERNAL, "decimal statistics of %zu bytes", in.n);
  uint8_t b[16];
  size_t n = qb_ice__decimal_bytes(x, b);
  uint8_t *p = qb_arena_memdup(a, b, n);
  if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  *out = (qb_slice){p, n};
  return QB_OK;
}

int qb_file_metrics__fill(qb_data_file *f, const qb_pq_write_result *r, const qb_schema *schema,
                          const qb_file_metrics_config *c, qb_arena *a, qb_err *err)
{
  size_t n = r->n_columns ? r->n_columns : 1;
  qb_column_count *sizes = qb_ice__alloc(a, n, sizeof *sizes, err), *values = qb_ice__alloc(a, n, sizeof *values, err),
                  *nulls = qb_ice__alloc(a, n, sizeof *nulls, err), *nans = qb_ice__alloc(a, n, sizeof *nans, err);
  qb_column_bound *lower = qb_ice__alloc(a, n, sizeof *lower, err), *upper = qb_ice__alloc(a, n, sizeof *upper, err);
  if (!sizes || !values || !nulls || !nans || !lower || !upper) return QB_ENOMEM;
  size_t ns = 0, nv = 0, nn = 0, nnan = 0, nl = 0, nu = 0;
  for (size_t i = 0; i < r->n_columns; i++) {
    const qb_pq_column_metrics *m = &r->columns[i];
    if (m->field_id == QB_PQ_NO_FIELD_ID) continue;
    sizes[ns++] = (qb_column_count){m->field_id, (int64_t)m->size_bytes};
    qb_metrics_mode mode = mode_of(c, m->field_id);
    /* Java ParquetMetrics: nothing but sizes for fields in lists and maps */
    if (mode.kind == QB_METRICS_NONE || m->max_rep > 0) continue;
    values[nv++] = (qb_column_count){m->field_id, (int64_t)m->value_count};
    nulls[nn++] = (qb_column_count){m->field_id, (int64_t)m->null_count};
    const qb_field *fld = qb_schema_find_field(schema, m->field_id);
    if (!fld) continue;
    const qb_type *t = fld->type;
    if (t->id == QB_T_FLOAT || t->id == QB_T_DOUBLE) nans[nnan++] = (qb_column_count){m->field_id, (int64_t)m->nan_count};
    if (mode.kind == QB_METRICS_COUNTS || !m->has_bounds) continue;
    qb_slice lo, hi;
    int rc = iceberg_bound(&lo, t, m->type, m->lower_bound, a, err);
    if (rc == QB_OK) rc = iceberg_bound(&hi, t, m->type, m->upper_bound, a, err);
    if (rc) return rc;
    bool has_hi = true;
    bool truncatable = t->id == QB_T_STRING || t->id == QB_T_BINARY || t->id == QB_T_FIXED;
    if (mode.kind == QB_METRICS_TRUNCATE && truncatable) {
      size_t sn = QB_BOUND_UPPER_SCRATCH(mode.length);
      uint8_t *scratch = qb_arena_alloc(a, sn);
      if (!scratch) return QB_FAIL(err, QB_ENOMEM, "out of memory");
      if ((rc = qb_bound_truncate_lower(&lo, t, lo, mode.length, err)) ||
          (rc = qb_bound_truncate_upper(&hi, &has_hi, scratch, sn, t, hi, mode.length, err)))
        return qb_err_wrap(err, "bounds of column %s", fld->name);
    }
    /* the bounds point into the write result or scratch: copy them into the data file's arena */
    uint8_t *lp = qb_ice__bytes_dup(a, lo.p, lo.n);
    uint8_t *hp = has_hi ? qb_ice__bytes_dup(a, hi.p, hi.n) : NULL;
    if (!lp || (has_hi && !hp)) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    lower[nl++] = (qb_column_bound){m->field_id, {lp, lo.n}};
    if (has_hi) upper[nu++] = (qb_column_bound){m->field_id, {hp, hi.n}};
  }
  f->column_sizes = (qb_counts){ns, sizes};
  f->value_counts = (qb_counts){nv, values};
  f->null_value_counts = (qb_counts){nn, nulls};
  f->nan_value_counts = (qb_counts){nnan, nans};
  f->lower_bounds = (qb_bounds){nl, lower};
  f->upper_bounds = (qb_bounds){nu, upper};
  return QB_OK;
}
