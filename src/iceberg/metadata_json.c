/* SPDX-License-Identifier: Apache-2.0 */
/* Table metadata JSON (spec "Table Metadata Fields"): read v1 and v2 as Java TableMetadataParser.fromJson
 * does (v1 fall-backs, refs.main synthesis, -1/null/absent current-snapshot-id), write in Java's key order
 * (toJson), compact like Java >= 1.10 or pretty like Java <= 1.9. gzip/zstd input is detected by magic. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "iceberg/iceberg_int.h"
#include "util/buf.h"

/* ---- decompression --------------------------------------------------------------------------- */

static int gunzip(qb_buf *out, const uint8_t *p, size_t n, qb_err *err)
{
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return QB_FAIL(err, QB_ENOMEM, "cannot start gzip decompression");
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
  int zrc = Z_OK, rc = QB_OK;
  while (zrc != Z_STREAM_END) {
    if ((rc = qb_buf_reserve(out, 64 << 10, err))) break;
    z.next_out = out->p + out->n;
    z.avail_out = 64 << 10;
    zrc = inflate(&z, Z_NO_FLUSH);
    out->n += (64 << 10) - z.avail_out;
    if (zrc != Z_OK && zrc != Z_STREAM_END) {
      rc = QB_FAIL(err, QB_ECORRUPT, "gzip data is corrupt: %s", z.msg ? z.msg : "truncated");
      break;
    }
  }
  inflateEnd(&z);
  return rc;
}

static int unzstd(qb_buf *out, const uint8_t *p, size_t n, qb_err *err)
{
  ZSTD_DStream *d = ZSTD_createDStream();
  if (!d) return QB_FAIL(err, QB_ENOMEM, "cannot start zstd decompression");
  ZSTD_inBuffer in = {p, n, 0};
  int rc = QB_OK;
  size_t zr = 1;
  while (zr != 0) {
    if ((rc = qb_buf_reserve(out, 64 << 10, err))) break;
    ZSTD_outBuffer o = {out->p + out->n, 64 << 10, 0};
    zr = ZSTD_decompressStream(d, &o, &in);
    out->n += o.pos;
    if (ZSTD_isError(zr)) {
      rc = QB_FAIL(err, QB_ECORRUPT, "zstd data is corrupt: %s", ZSTD_getErrorName(zr));
      break;
    }
    if (zr != 0 && in.pos == in.size && o.pos == 0) {
      rc = QB_FAIL(err, QB_ECORRUPT, "zstd data is truncated");
      break;
    }
  }
  ZSTD_freeDStream(d);
  return rc;
}

/* ---- parsing --------------------------------------------------------------------------------- */

typedef struct parse_ctx {
  qb_table_metadata *md;
  qb_arena *a;
  qb_err *err;
} parse_ctx;

static int parse_schemas(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *arr, *single;
  int rc = qb_json_opt_array(&arr, root, "schemas", c->err);
  if (!rc) rc = qb_json_opt_object(&single, root, "schema", c->err);
  if (rc) return rc;
  if (!arr) {
    if (md->format_version > 1)
      return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'schemas' (required in format v%d)", md->format_version);
    if (!single) return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'schema' (format v1 without 'schemas')");
    md->schemas = qb_ice__alloc(c->a, 1, sizeof *md->schemas, c->err);
    if (!md->schemas) return QB_ENOMEM;
    if ((rc = qb_schema__from_json(&md->schemas[0], c->a, single, c->err))) return qb_err_wrap(c->err, "schema");
    md->n_schemas = 1;
    md->current_schema_id = md->schemas[0]->schema_id;
    return QB_OK;
  }
  size_t n = json_object_array_length(arr);
  md->schemas = qb_ice__alloc(c->a, n, sizeof *md->schemas, c->err);
  if (!md->schemas) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if ((rc = qb_schema__from_json(&md->schemas[i], c->a, json_object_array_get_idx(arr, i), c->err)))
      return qb_err_wrap(c->err, "schemas[%zu]", i);
  }
  md->n_schemas = n;
  bool has;
  if ((rc = qb_json_opt_i32(&md->current_schema_id, &has, root, "current-schema-id", c->err))) return rc;
  if (has) return QB_OK;
  /* Java requires current-schema-id with 'schemas'; like iceberg-rust we accept a v1 file whose legacy
   * 'schema' matches one of 'schemas'. */
  if (md->format_version == 1 && single) {
    qb_schema *legacy;
    if ((rc = qb_schema__from_json(&legacy, c->a, single, c->err))) return qb_err_wrap(c->err, "schema");
    for (size_t i = 0; i < n; i++)
      if (qb_schema_same(md->schemas[i], legacy)) {
        md->current_schema_id = md->schemas[i]->schema_id;
        return QB_OK;
      }
    return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'current-schema-id' and 'schema' matches no entry of 'schemas'");
  }
  return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'current-schema-id'");
}

static int parse_specs(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *arr, *single;
  bool has;
  int rc = qb_json_opt_array(&arr, root, "partition-specs", c->err);
  if (!rc) rc = qb_json_opt_array(&single, root, "partition-spec", c->err);
  if (rc) return rc;
  if (!arr) {
    if (md->format_version > 1)
      return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'partition-specs' (required in format v%d)",
                     md->format_version);
    if (!single)
      return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'partition-spec' (format v1 without 'partition-specs')");
    md->specs = qb_ice__alloc(c->a, 1, sizeof *md->specs, c->err);
    if (!md->specs) return QB_ENOMEM;
    if ((rc = qb_partition_spec__fields_from_json(&md->specs[0], c->a, 0, single, c->err)))
      return qb_err_wrap(c->err, "partition-spec");
    md->n_specs = 1;
    md->default_spec_id = 0;
  } else {
    size_t n = json_object_array_length(arr);
    md->specs = qb_ice__alloc(c->a, n, sizeof *md->specs, c->err);
    if (!md->specs) return QB_ENOMEM;
    for (size_t i = 0; i < n; i++)
      if ((rc = qb_partition_spec__from_json(&md->specs[i], c->a, json_object_array_get_idx(arr, i), c->err)))
        return qb_err_wrap(c->err, "partition-specs[%zu]", i);
    md->n_specs = n;
    if ((rc = qb_json_opt_i32(&md->default_spec_id, &has, root, "default-spec-id", c->err))) return rc;
    if (!has) {
      if (md->format_version > 1 || !n) return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'default-spec-id'");
      /* v1 leniency (iceberg-rust): without default-spec-id, the highest spec id is the default. */
      md->default_spec_id = md->specs[0].spec_id;
      for (size_t i = 1; i < n; i++)
        if (md->specs[i].spec_id > md->default_spec_id) md->default_spec_id = md->specs[i].spec_id;
    }
  }
  if ((rc = qb_json_opt_i32(&md->last_partition_id, &has, root, "last-partition-id", c->err))) return rc;
  if (!has) {
    if (md->format_version > 1)
      return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'last-partition-id' (required in format v%d)",
                     md->format_version);
    md->last_partition_id = QB_PARTITION_FIELD_ID_START - 1;
    for (size_t i = 0; i < md->n_specs; i++) {
      int32_t l = qb_partition_spec__last_field_id(&md->specs[i]);
      if (l > md->last_partition_id) md->last_partition_id = l;
    }
  }
  return QB_OK;
}

static int parse_sort_orders(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *arr;
  int rc = qb_json_opt_array(&arr, root, "sort-orders", c->err);
  if (rc) return rc;
  if (!arr) {
    if (md->format_version > 1)
      return QB_FAIL(c->err, QB_ECORRUPT, "missing required field 'sort-orders' (required in format v%d)",
                     md->format_version);
    md->sort_orders = qb_ice__alloc(c->a, 1, sizeof *md->sort_orders, c->err);
    if (!md->sort_orders) return QB_ENOMEM;
    md->n_sort_orders = 1; /* the unsorted order, id 0 */
    md->default_sort_order_id = 0;
    return QB_OK;
  }
  size_t n = json_object_array_length(arr);
  md->sort_orders = qb_ice__alloc(c->a, n, sizeof *md->sort_orders, c->err);
  if (!md->sort_orders) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    if ((rc = qb_sort_order__from_json(&md->sort_orders[i], c->a, json_object_array_get_idx(arr, i), c->err)))
      return qb_err_wrap(c->err, "sort-orders[%zu]", i);
  md->n_sort_orders = n;
  return qb_json_req_i32(&md->default_sort_order_id, root, "default-sort-order-id", c->err);
}

static int parse_properties(parse_ctx *c, const json_object *root)
{
  json_object *o;
  int rc = qb_json_opt_object(&o, root, "properties", c->err);
  if (rc || !o) return rc;
  size_t n = (size_t)json_object_object_length(o), k = 0;
  qb_kv *kv = qb_ice__alloc(c->a, n, sizeof *kv, c->err);
  if (!kv) return QB_ENOMEM;
  json_object_object_foreach(o, key, val)
  {
    const char *v;
    (void)val;
    if ((rc = qb_json_req_str(&v, o, key, c->err))) return qb_err_wrap(c->err, "properties");
    kv[k].key = qb_ice__strdup(c->a, key, c->err);
    kv[k].value = kv[k].key ? qb_ice__strdup(c->a, v, c->err) : NULL;
    if (!kv[k++].value) return QB_ENOMEM;
  }
  c->md->properties = kv;
  c->md->n_properties = k;
  return QB_OK;
}

static int parse_snapshots(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *arr;
  int rc = qb_json_opt_array(&arr, root, "snapshots", c->err);
  if (rc || !arr) return rc;
  size_t n = json_object_array_length(arr);
  md->snapshots = qb_ice__alloc(c->a, n, sizeof *md->snapshots, c->err);
  if (!md->snapshots) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    if ((rc = qb_snapshot__from_json(&md->snapshots[i], c->a, json_object_array_get_idx(arr, i), c->err)))
      return qb_err_wrap(c->err, "snapshots[%zu]", i);
  md->n_snapshots = n;
  return QB_OK;
}

static int parse_refs(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *o;
  int rc = qb_json_opt_object(&o, root, "refs", c->err);
  if (rc) return rc;
  if (!o) {
    /* Spec: "there is always a main branch reference pointing to the current-snapshot-id even if the
     * refs map is null"; Java synthesises it on read. */
    if (md->current_snapshot_id == -1) return QB_OK;
    md->refs = qb_ice__alloc(c->a, 1, sizeof *md->refs, c->err);
    if (!md->refs) return QB_ENOMEM;
    qb_ref r = QB_REF_INIT("main", md->current_snapshot_id, QB_REF_BRANCH);
    md->refs[0] = r;
    md->n_refs = 1;
    return QB_OK;
  }
  size_t n = (size_t)json_object_object_length(o), k = 0;
  md->refs = qb_ice__alloc(c->a, n, sizeof *md->refs, c->err);
  if (!md->refs) return QB_ENOMEM;
  json_object_object_foreach(o, name, val)
  {
    if ((rc = qb_ref__from_json(&md->refs[k++], c->a, name, val, c->err))) return qb_err_wrap(c->err, "refs.%s", name);
  }
  md->n_refs = k;
  return QB_OK;
}

static int parse_stats(parse_ctx *c, const json_object *root, const char *key, qb_statistics_file **out, size_t *n_out)
{
  json_object *arr;
  int rc = qb_json_opt_array(&arr, root, key, c->err);
  if (rc || !arr) return rc;
  size_t n = json_object_array_length(arr);
  qb_statistics_file *s = qb_ice__alloc(c->a, n, sizeof *s, c->err);
  if (!s) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(arr, i);
    if (!json_object_is_type(e, json_type_object))
      return QB_FAIL(c->err, QB_ECORRUPT, "%s[%zu]: must be an object, got %s", key, i, qb_json_kind(e));
    if ((rc = qb_json_req_i64(&s[i].snapshot_id, e, "snapshot-id", c->err))) return qb_err_wrap(c->err, "%s[%zu]", key, i);
    if (!(s[i].json = qb_ice__json_text(c->a, e, c->err))) return c->err->code;
  }
  *out = s;
  *n_out = n;
  return QB_OK;
}

static int parse_logs(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  json_object *arr;
  int rc = qb_json_opt_array(&arr, root, "snapshot-log", c->err);
  if (rc) return rc;
  size_t n = arr ? json_object_array_length(arr) : 0;
  md->snapshot_log = qb_ice__alloc(c->a, n, sizeof *md->snapshot_log, c->err);
  if (!md->snapshot_log) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(arr, i);
    rc = qb_json_req_i64(&md->snapshot_log[i].timestamp_ms, e, "timestamp-ms", c->err);
    if (!rc) rc = qb_json_req_i64(&md->snapshot_log[i].snapshot_id, e, "snapshot-id", c->err);
    if (rc) return qb_err_wrap(c->err, "snapshot-log[%zu]", i);
  }
  md->n_snapshot_log = n;
  if ((rc = qb_json_opt_array(&arr, root, "metadata-log", c->err))) return rc;
  n = arr ? json_object_array_length(arr) : 0;
  md->metadata_log = qb_ice__alloc(c->a, n, sizeof *md->metadata_log, c->err);
  if (!md->metadata_log) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(arr, i);
    const char *f = NULL;
    rc = qb_json_req_i64(&md->metadata_log[i].timestamp_ms, e, "timestamp-ms", c->err);
    if (!rc) rc = qb_json_req_str(&f, e, "metadata-file", c->err);
    if (rc) return qb_err_wrap(c->err, "metadata-log[%zu]", i);
    if (!(md->metadata_log[i].metadata_file = qb_ice__strdup(c->a, f, c->err))) return QB_ENOMEM;
  }
  md->n_metadata_log = n;
  return QB_OK;
}

static int parse_root(parse_ctx *c, const json_object *root)
{
  qb_table_metadata *md = c->md;
  int32_t fv;
  bool has;
  const char *s;
  if (!json_object_is_type(root, json_type_object))
    return QB_FAIL(c->err, QB_ECORRUPT, "cannot parse metadata from a non-object: %s", qb_json_kind(root));
  int rc = qb_json_req_i32(&fv, root, "format-version", c->err);
  if (rc) return rc;
  if (fv > 2)
    return QB_FAIL(c->err, QB_EUNSUPPORTED, "format-version %d is not supported (qberg reads format versions 1 and 2)",
                   (int)fv);
  if (fv < 1) return QB_FAIL(c->err, QB_ECORRUPT, "invalid format-version %d", (int)fv);
  md->format_version = fv;
  if ((rc = qb_json_opt_str(&s, root, "table-uuid", c->err))) return rc;
  if (s && !(md->uuid = qb_ice__strdup(c->a, s, c->err))) return QB_ENOMEM;
  if ((rc = qb_json_req_str(&s, root, "location", c->err))) return rc;
  /* Java LocationUtil.stripTrailingSlash */
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '/' && !(n >= 3 && !strncmp(s + n - 3, "://", 3))) n--;
  if (!(md->location = qb_arena_strndup(c->a, s, n))) return QB_FAIL(c->err, QB_ENOMEM, "out of memory");
  if (fv > 1) {
    if ((rc = qb_json_req_i64(&md->last_sequence_number, root, "last-sequence-number", c->err))) return rc;
    if (md->last_sequence_number < 0) return QB_FAIL(c->err, QB_ECORRUPT, "field 'last-sequence-number' must not be negative");
  }
  if ((rc = qb_json_req_i32(&md->last_column_id, root, "last-column-id", c->err))) return rc;
  if ((rc = parse_schemas(c, root))) return rc;
  if ((rc = parse_specs(c, root))) return rc;
  if ((rc = parse_sort_orders(c, root))) return rc;
  if ((rc = parse_properties(c, root))) return rc;
  if ((rc = qb_json_opt_i64(&md->current_snapshot_id, &has, root, "current-snapshot-id", c->err))) return rc;
  if (!has) md->current_snapshot_id = -1; /* absent or null, as Java */
  if ((rc = qb_json_req_i64(&md->last_updated_ms, root, "last-updated-ms", c->err))) return rc;
  if ((rc = parse_refs(c, root))) return rc;
  if ((rc = parse_snapshots(c, root))) return rc;
  if ((rc = parse_stats(c, root, "statistics", &md->statistics, &md->n_statistics))) return rc;
  if ((rc = parse_stats(c, root, "partition-statistics", &md->partition_statistics, &md->n_partition_statistics)))
    return rc;
  if ((rc = parse_logs(c, root))) return rc;
  return qb_table_metadata__validate(md, false, c->err);
}

int qb_table_metadata_parse(qb_table_metadata **out, const void *data, size_t n, qb_err *err)
{
  const uint8_t *p = data;
  qb_buf plain;
  int rc = QB_OK;
  *out = NULL;
  qb_buf_init(&plain, QB_MAX_METADATA_BYTES);
  if (n > QB_MAX_METADATA_BYTES)
    return QB_FAIL(err, QB_ELIMIT, "metadata of %zu bytes exceeds the limit of %zu", n, QB_MAX_METADATA_BYTES);
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
    rc = gunzip(&plain, p, n, err);
  else if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
    rc = unzstd(&plain, p, n, err);
  if (rc) {
    qb_buf_free(&plain);
    return rc;
  }
  if (plain.p) {
    p = plain.p;
    n = plain.n;
  }
  json_object *root = NULL;
  qb_table_metadata *md = NULL;
  rc = qb_json_parse(&root, (const char *)p, n, err);
  if (!rc && !(md = qb_table_metadata__alloc())) rc = QB_FAIL(err, QB_ENOMEM, "out of memory reading table metadata");
  if (!rc) {
    parse_ctx c = {md, &md->arena, err};
    rc = parse_root(&c, root);
  }
  json_object_put(root);
  qb_buf_free(&plain);
  if (rc) {
    qb_table_metadata_free(md);
    return rc;
  }
  *out = md;
  return QB_OK;
}

int qb_table_metadata_read(qb_table_metadata **out, qb_fileio *io, const char *path, qb_err *err)
{
  uint8_t *data = NULL;
  size_t n = 0;
  *out = NULL;
  int rc = qb_fileio_read_all(&data, &n, io, path, QB_MAX_METADATA_BYTES, err);
  if (!rc) rc = qb_table_metadata_parse(out, data, n, err);
  free(data);
  return rc ? qb_err_wrap(err, "reading table metadata %s", path) : QB_OK;
}

/* ---- writing --------------------------------------------------------------------------------- */

/* split: NULL, or where the cached snapshots text goes: the document is then written without it, and *split
 * receives the offset at which it belongs (SIZE_MAX when the text is not used). */
static void write_root(qb_jw *w, const qb_table_metadata *md, size_t *split)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "format-version");
  qb_jw_i64(w, md->format_version);
  qb_jw_key(w, "table-uuid");
  if (md->uuid)
    qb_jw_str(w, md->uuid);
  else
    qb_jw_null(w);
  qb_jw_key(w, "location");
  qb_jw_str(w, md->location);
  if (md->format_version > 1) {
    qb_jw_key(w, "last-sequence-number");
    qb_jw_i64(w, md->last_sequence_number);
  }
  qb_jw_key(w, "last-updated-ms");
  qb_jw_i64(w, md->last_updated_ms);
  qb_jw_key(w, "last-column-id");
  qb_jw_i64(w, md->last_column_id);
  if (md->format_version == 1) {
    qb_jw_key(w, "schema");
    qb_schema__to_json(w, qb_table_metadata_current_schema(md));
  }
  qb_jw_key(w, "current-schema-id");
  qb_jw_i64(w, md->current_schema_id);
  qb_jw_key(w, "schemas");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_schemas; i++) qb_schema__to_json(w, md->schemas[i]);
  qb_jw_end_array(w);
  if (md->format_version == 1) {
    qb_jw_key(w, "partition-spec");
    qb_partition_spec__fields_to_json(w, qb_table_metadata_default_spec(md));
  }
  qb_jw_key(w, "default-spec-id");
  qb_jw_i64(w, md->default_spec_id);
  qb_jw_key(w, "partition-specs");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_specs; i++) qb_partition_spec__to_json(w, &md->specs[i]);
  qb_jw_end_array(w);
  qb_jw_key(w, "last-partition-id");
  qb_jw_i64(w, md->last_partition_id);
  qb_jw_key(w, "default-sort-order-id");
  qb_jw_i64(w, md->default_sort_order_id);
  qb_jw_key(w, "sort-orders");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_sort_orders; i++) qb_sort_order__to_json(w, &md->sort_orders[i]);
  qb_jw_end_array(w);
  qb_jw_key(w, "properties");
  qb_jw_begin_object(w);
  for (size_t i = 0; i < md->n_properties; i++) {
    qb_jw_key(w, md->properties[i].key);
    qb_jw_str(w, md->properties[i].value);
  }
  qb_jw_end_object(w);
  /* Java writes -1 for "no current snapshot" in v1/v2 (null only from v3 on). */
  qb_jw_key(w, "current-snapshot-id");
  qb_jw_i64(w, md->current_snapshot_id);
  qb_jw_key(w, "refs");
  qb_jw_begin_object(w);
  for (size_t i = 0; i < md->n_refs; i++) {
    qb_jw_key(w, md->refs[i].name);
    qb_ref__to_json(w, &md->refs[i]);
  }
  qb_jw_end_object(w);
  qb_jw_key(w, "snapshots");
  qb_jw_begin_array(w);
  const qb_md_text *st = md->snap_text;
  if (split) *split = SIZE_MAX;
  if (st && !w->pretty && md->snap_text_count == md->n_snapshots && md->snap_text_count <= INT_MAX) {
    qb_jw_raw_elements(w, split ? "" : st->text, split ? 0 : md->snap_text_n, (int)md->snap_text_count);
    if (split) *split = w->b->n;
  } else
    for (size_t i = 0; i < md->n_snapshots; i++) qb_snapshot__to_json(w, &md->snapshots[i]);
  qb_jw_end_array(w);
  qb_jw_key(w, "statistics");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_statistics; i++) qb_jw_json_text(w, md->statistics[i].json);
  qb_jw_end_array(w);
  qb_jw_key(w, "partition-statistics");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_partition_statistics; i++) qb_jw_json_text(w, md->partition_statistics[i].json);
  qb_jw_end_array(w);
  qb_jw_key(w, "snapshot-log");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_snapshot_log; i++) {
    qb_jw_begin_object(w);
    qb_jw_key(w, "timestamp-ms");
    qb_jw_i64(w, md->snapshot_log[i].timestamp_ms);
    qb_jw_key(w, "snapshot-id");
    qb_jw_i64(w, md->snapshot_log[i].snapshot_id);
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
  qb_jw_key(w, "metadata-log");
  qb_jw_begin_array(w);
  for (size_t i = 0; i < md->n_metadata_log; i++) {
    qb_jw_begin_object(w);
    qb_jw_key(w, "timestamp-ms");
    qb_jw_i64(w, md->metadata_log[i].timestamp_ms);
    qb_jw_key(w, "metadata-file");
    qb_jw_str(w, md->metadata_log[i].metadata_file);
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
  qb_jw_end_object(w);
}

void qb_md_text__release(qb_md_text *t)
{
  if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0) free(t);
}

void qb_md_text__extend(qb_table_metadata *md)
{
  qb_md_text *prefix = md->snap_text;
  md->snap_text = NULL;
  size_t from = prefix && md->snap_text_count <= md->n_snapshots ? md->snap_text_count : 0;
  size_t pn = from ? md->snap_text_n : 0;
  qb_err e = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, QB_MAX_METADATA_BYTES);
  for (size_t i = from; i < md->n_snapshots && b.n < QB_MAX_METADATA_BYTES; i++) {
    qb_jw w;
    qb_jw_init(&w, &b, false, &e);
    if (i > 0) qb_buf_putc(&b, ',', &e);
    qb_snapshot__to_json(&w, &md->snapshots[i]);
    if (qb_jw_finish(&w) != QB_OK) break;
  }
  qb_md_text *t = NULL;
  if (!e.code && from && b.n <= prefix->cap - pn) {
    /* append in place if the text still ends where our view does (no other builder appended to it) */
    size_t expect = pn;
    if (__atomic_compare_exchange_n(&prefix->used, &expect, pn + b.n, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      if (b.n) memcpy(prefix->text + pn, b.p, b.n);
      t = prefix;
      prefix = NULL;
    }
  }
  if (!t && !e.code) { /* a new text, with room to grow: each commit's append is then one small copy */
    size_t need = pn + b.n, cap = need < ((size_t)64 << 10) ? (size_t)64 << 10 : need + need / 2;
    if ((t = malloc(sizeof *t + cap))) {
      t->refs = 1;
      t->used = need;
      t->cap = cap;
      if (pn) memcpy(t->text, prefix->text, pn);
      if (b.n) memcpy(t->text + pn, b.p, b.n);
    }
  }
  if (t) {
    md->snap_text = t;
    md->snap_text_count = md->n_snapshots;
    md->snap_text_n = pn + b.n;
  }
  qb_err_clear(&e);
  qb_buf_free(&b);
  qb_md_text__release(prefix);
}

int qb_table_metadata_to_json(char **out, size_t *out_n, const qb_table_metadata *md, unsigned flags, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  *out = NULL;
  *out_n = 0;
  qb_buf_init(&b, QB_MAX_METADATA_BYTES);
  qb_jw_init(&w, &b, (flags & QB_METADATA_JSON_PRETTY) != 0, err);
  /* one allocation for a long history instead of doubling through it */
  if (md->snap_text && qb_buf_reserve(&b, md->snap_text_n + (64 << 10), err) != QB_OK) return QB_ENOMEM;
  write_root(&w, md, NULL);
  int rc = qb_jw_finish(&w);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return qb_err_wrap(err, "writing table metadata");
  }
  *out = (char *)qb_buf_detach(&b, out_n);
  return QB_OK;
}

struct qb_metadata_json {
  qb_buf doc;        /* the document, or all of it but the snapshots text */
  qb_md_text *text;  /* a reference to that text, or NULL */
  qb_slice parts[3];
  size_t n_parts, size;
};

int qb_table_metadata_to_json_parts(qb_metadata_json **out, const qb_table_metadata *md, qb_err *err)
{
  *out = NULL;
  qb_metadata_json *j = calloc(1, sizeof *j);
  if (!j) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_buf_init(&j->doc, QB_MAX_METADATA_BYTES);
  qb_jw w;
  qb_jw_init(&w, &j->doc, false, err);
  size_t split;
  write_root(&w, md, &split);
  int rc = qb_jw_finish(&w);
  if (rc) {
    qb_metadata_json_free(j);
    return qb_err_wrap(err, "writing table metadata");
  }
  const uint8_t *d = j->doc.p;
  if (split == SIZE_MAX) {
    j->parts[j->n_parts++] = (qb_slice){d, j->doc.n};
    j->size = j->doc.n;
  } else {
    j->size = j->doc.n + md->snap_text_n;
    if (j->size > QB_MAX_METADATA_BYTES) {
      qb_metadata_json_free(j);
      return QB_FAIL(err, QB_ELIMIT, "writing table metadata: more than %zu bytes", (size_t)QB_MAX_METADATA_BYTES);
    }
    j->text = md->snap_text;
    __atomic_add_fetch(&j->text->refs, 1, __ATOMIC_ACQ_REL);
    j->parts[j->n_parts++] = (qb_slice){d, split};
    j->parts[j->n_parts++] = (qb_slice){(const uint8_t *)j->text->text, md->snap_text_n};
    j->parts[j->n_parts++] = (qb_slice){d + split, j->doc.n - split};
  }
  *out = j;
  return QB_OK;
}

const qb_slice *qb_metadata_json_parts(const qb_metadata_json *j, size_t *n)
{
  *n = j->n_parts;
  return j->parts;
}

size_t qb_metadata_json_size(const qb_metadata_json *j) { return j->size; }

void qb_metadata_json_free(qb_metadata_json *j)
{
  if (!j) return;
  qb_buf_free(&j->doc);
  qb_md_text__release(j->text);
  free(j);
}
