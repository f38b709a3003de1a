/* SPDX-License-Identifier: Apache-2.0 */
/* Partition specs (spec "Partitioning", Appendix C "Partition Specs"): JSON in Java's key order
 * (name, transform, source-id, field-id), validation against a schema, partition tuples and
 * Java's PartitionSpec.partitionToPath with URLEncoder escaping. */
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "iceberg/partition_tuple.h"
#include "util/buf.h"

static int field_from_json(qb_partition_field *f, qb_arena *a, const json_object *o, bool *has_id, qb_err *err)
{
  const char *name, *tr;
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse partition field, not an object: %s", qb_json_kind(o));
  int rc = qb_json_req_str(&name, o, "name", err);
  if (!rc) rc = qb_json_req_str(&tr, o, "transform", err);
  if (!rc) rc = qb_json_req_i32(&f->source_id, o, "source-id", err);
  if (!rc) rc = qb_json_opt_i32(&f->field_id, has_id, o, "field-id", err);
  if (rc) return rc;
  if (!(f->name = qb_ice__strdup(a, name, err))) return QB_ENOMEM;
  return qb_transform__parse_keep(&f->transform, a, tr, err);
}

int qb_partition_spec__fields_from_json(qb_partition_spec *out, qb_arena *a, int32_t spec_id, const json_object *arr,
                                        qb_err *err)
{
  if (!json_object_is_type(arr, json_type_array))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse partition spec fields, not an array: %s", qb_json_kind(arr));
  size_t n = json_object_array_length(arr), with_ids = 0;
  qb_partition_field *fields = qb_ice__alloc(a, n, sizeof *fields, err);
  if (!fields) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    bool has_id;
    int rc = field_from_json(&fields[i], a, json_object_array_get_idx(arr, i), &has_id, err);
    if (rc) return qb_err_wrap(err, "fields[%zu]", i);
    if (has_id)
      with_ids++;
    else /* v1 specs may omit field ids: they count up from 1000 (Java PARTITION_DATA_ID_START) */
      fields[i].field_id = QB_PARTITION_FIELD_ID_START + (int32_t)i;
  }
  if (with_ids != 0 && with_ids != n)
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse spec with missing field IDs: %zu missing of %zu fields", n - with_ids,
                   n);
  out->spec_id = spec_id;
  out->n_fields = n;
  out->fields = fields;
  return QB_OK;
}

int qb_partition_spec__from_json(qb_partition_spec *out, qb_arena *a, const json_object *o, qb_err *err)
{
  int32_t spec_id;
  json_object *arr;
  if (!json_object_is_type(o, json_type_object))
    return QB_FAIL(err, QB_ECORRUPT, "cannot parse spec from non-object: %s", qb_json_kind(o));
  int rc = qb_json_req_i32(&spec_id, o, "spec-id", err);
  if (!rc) rc = qb_json_req_array(&arr, o, "fields", err);
  if (!rc) rc = qb_partition_spec__fields_from_json(out, a, spec_id, arr, err);
  return rc;
}

void qb_partition_spec__fields_to_json(qb_jw *w, const qb_partition_spec *spec)
{
  char tr[64];
  qb_jw_begin_array(w);
  for (size_t i = 0; i < spec->n_fields; i++) {
    const qb_partition_field *f = &spec->fields[i];
    qb_transform_to_string(tr, sizeof tr, &f->transform);
    qb_jw_begin_object(w);
    qb_jw_key(w, "name");
    qb_jw_str(w, f->name);
    qb_jw_key(w, "transform");
    qb_jw_str(w, f->transform.kind == QB_TR_UNKNOWN ? f->transform.unknown : tr);
    qb_jw_key(w, "source-id");
    qb_jw_i64(w, f->source_id);
    qb_jw_key(w, "field-id");
    qb_jw_i64(w, f->field_id);
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
}

void qb_partition_spec__to_json(qb_jw *w, const qb_partition_spec *spec)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "spec-id");
  qb_jw_i64(w, spec->spec_id);
  qb_jw_key(w, "fields");
  qb_partition_spec__fields_to_json(w, spec);
  qb_jw_end_object(w);
}

int qb_partition_spec__copy(qb_partition_spec *out, qb_arena *a, const qb_partition_spec *src, qb_err *err)
{
  qb_partition_field *f = qb_ice__alloc(a, src->n_fields, sizeof *f, err);
  if (!f) return QB_ENOMEM;
  for (size_t i = 0; i < src->n_fields; i++) {
    f[i] = src->fields[i];
    if (!src->fields[i].name) return QB_FAIL(err, QB_EINVAL, "partition field %zu has no name", i);
    if (!(f[i].name = qb_ice__strdup(a, src->fields[i].name, err))) return QB_ENOMEM;
    if (f[i].transform.kind == QB_TR_UNKNOWN && f[i].transform.unknown &&
        !(f[i].transform.unknown = qb_ice__strdup(a, src->fields[i].transform.unknown, err)))
      return QB_ENOMEM;
  }
  out->spec_id = src->spec_id;
  out->n_fields = src->n_fields;
  out->fields = f;
  return QB_OK;
}

int32_t qb_partition_spec__last_field_id(const qb_partition_spec *spec)
{
  int32_t m = QB_PARTITION_FIELD_ID_START - 1;
  for (size_t i = 0; i < spec->n_fields; i++)
    if (spec->fields[i].field_id > m) m = spec->fields[i].field_id;
  return m;
}

int qb_partition_spec_validate(const qb_partition_spec *spec, const qb_schema *schema, qb_err *err)
{
  for (size_t i = 0; i < spec->n_fields; i++) {
    const qb_partition_field *f = &spec->fields[i];
    if (!f->name || !*f->name) return QB_FAIL(err, QB_EINVAL, "partition field %zu: empty name", i);
    for (size_t j = 0; j < i; j++) {
      if (!strcmp(spec->fields[j].name, f->name))
        return QB_FAIL(err, QB_EINVAL, "partition field '%s': duplicate name", f->name);
    }
    const qb_schema_entry *e = qb_schema__entry(schema, f->source_id);
    if (!e) return QB_FAIL(err, QB_EINVAL, "partition field '%s': cannot find source column %d", f->name, (int)f->source_id);
    if (e->in_collection)
      return QB_FAIL(err, QB_EINVAL, "partition field '%s': source column '%s' is inside a list or map", f->name,
                     e->full_name);
    if (f->transform.kind == QB_TR_UNKNOWN)
      return QB_FAIL(err, QB_EUNSUPPORTED, "partition field '%s': unknown transform '%s'", f->name,
                     f->transform.unknown ? f->transform.unknown : "?");
    if (!qb_type_is_primitive(e->field->type) && f->transform.kind != QB_TR_VOID)
      return QB_FAIL(err, QB_EINVAL, "partition field '%s': source column '%s' is not a primitive type", f->name,
                     e->full_name);
    const qb_type *rt;
    if (qb_transform_result_type(&rt, &f->transform, e->field->type, err))
      return qb_err_wrap(err, "partition field '%s'", f->name);
    /* Java PartitionSpec.checkForRedundantPartitions: a name may equal its source only for identity. */
    const qb_field *same = qb_schema_find_field_by_name(schema, f->name);
    if (same && f->transform.kind != QB_TR_VOID &&
        !(f->transform.kind == QB_TR_IDENTITY && same->id == f->source_id))
      return QB_FAIL(err, QB_EINVAL, "partition field '%s': name conflicts with a schema column", f->name);
  }
  return QB_OK;
}

int qb_partition_spec_eval(qb_value *out, uint8_t (*scratch)[16], const qb_partition_spec *spec,
                           const qb_schema *schema, const qb_value *row, qb_err *err)
{
  for (size_t i = 0; i < spec->n_fields; i++) {
    const qb_partition_field *f = &spec->fields[i];
    const qb_schema_entry *e = qb_schema__entry(schema, f->source_id);
    if (!e || e->in_collection)
      return QB_FAIL(err, QB_EINVAL, "partition field '%s': source column %d not found", f->name, (int)f->source_id);
    const qb_value *v = row;
    for (size_t k = 0; k < e->path_len && v->kind != QB_V_NULL; k++) {
      if (v->kind != QB_V_STRUCT || e->path[k] >= v->u.seq.n)
        return QB_FAIL(err, QB_EINVAL, "partition field '%s': row does not match the schema at column '%s'", f->name,
                       e->full_name);
      v = &v->u.seq.items[e->path[k]];
    }
    if (qb_transform_apply(&out[i], scratch[i], &f->transform, e->field->type, v, err))
      return qb_err_wrap(err, "partition field '%s'", f->name);
  }
  return QB_OK;
}

/* java.net.URLEncoder (UTF-8) keeps [A-Za-z0-9.*_-] as they are */
static bool url_keeps(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '*' || c == '_';
}

size_t qb_partition_escaped_len(const char *s, size_t n)
{
  size_t out = 0;
  for (size_t i = 0; i < n; i++) out += url_keeps((unsigned char)s[i]) || s[i] == ' ' ? 1 : 3;
  return out;
}

/* java.net.URLEncoder (UTF-8): url_keeps, space -> '+', every other byte -> %XX. */
static int url_escape(qb_buf *b, const char *s, size_t n, qb_err *err)
{
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s, *end = p + n; p < end; p++) {
    unsigned char c = *p;
    int rc;
    if (url_keeps(c)) {
      rc = qb_buf_putc(b, c, err);
    } else if (c == ' ') {
      rc = qb_buf_putc(b, '+', err);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      rc = qb_buf_append(b, e, 3, err);
    }
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_partition_spec_path(char **out, const qb_partition_spec *spec, const qb_schema *schema,
                           const qb_value *partition, qb_err *err)
{
  qb_buf b;
  int rc = QB_OK;
  *out = NULL;
  qb_buf_init(&b, (size_t)64 << 20);
  for (size_t i = 0; i < spec->n_fields && !rc; i++) {
    const qb_partition_field *f = &spec->fields[i];
    const qb_field *src = qb_schema_find_field(schema, f->source_id);
    const qb_type *rt;
    char *human = NULL;
    if (!src)
      rc = QB_FAIL(err, QB_EINVAL, "partition field '%s': source column %d not found", f->name, (int)f->source_id);
    if (!rc) rc = qb_transform_result_type(&rt, &f->transform, src->type, err);
    if (!rc) rc = qb_transform_human_string(&human, &f->transform, rt, &partition[i], err);
    if (!rc && i > 0) rc = qb_buf_putc(&b, '/', err);
    if (!rc) rc = url_escape(&b, f->name, strlen(f->name), err);
    if (!rc) rc = qb_buf_putc(&b, '=', err);
    /* a string value is its own human string (Java's): escaped by its length, as it may hold NUL bytes */
    const qb_value *pv = &partition[i];
    if (!rc && pv->kind == QB_V_STRING) rc = url_escape(&b, (const char *)pv->u.bytes.p, pv->u.bytes.n, err);
    else if (!rc) rc = url_escape(&b, human, strlen(human), err);
    free(human);
    if (rc && i < spec->n_fields) qb_err_wrap(err, "partition field '%s'", f->name);
  }
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  size_t n;
  *out = (char *)qb_buf_detach(&b, &n);
  return QB_OK;
}

const qb_value *qb_partition__tuple_lookup(const void *ctx, int32_t id)
{
  const qb_partition_tuple *c = ctx;
  for (size_t i = 0; i < c->spec->n_fields; i++)
    if (c->spec->fields[i].field_id == id)
      return c->tuple->kind == QB_V_STRUCT && i < c->tuple->u.seq.n ? &c->tuple->u.seq.items[i] : NULL;
  return NULL;
}
