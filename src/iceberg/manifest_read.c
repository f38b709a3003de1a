/* SPDX-License-Identifier: Apache-2.0 */
/* Reading manifests of format v1 and v2 (spec "Manifests", "Sequence Number Inheritance", "Snapshot ID
 * Inheritance"): one entry at a time through a read schema resolved by field id, with Java's inheritance
 * rules (InheritableMetadataFactory) applied from the manifest list entry. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"

struct qb_manifest_reader {
  qb_file *file;
  qb_avro_reader *avro;
  const qb_avro_schema *schema; /* the read schema: shared, or own_schema */
  qb_avro_schema *own_schema;
  qb_arena meta;          /* partition type, spec and table schema parsed from the header */
  qb_arena rec;           /* the current entry's arrays and strings */
  qb_type ptype;
  const qb_partition_spec *spec;
  qb_partition_spec spec_parsed;
  const qb_schema *table_schema;
  int format_version;
  qb_manifest_content content;
  bool content_known; /* said by the "content" header key or the manifest list entry */
  bool inherit; /* a manifest list entry was given */
  int64_t inherit_snapshot_id, inherit_seq;
  uint64_t n_read;
  qb_manifest_entry cur;
};

/* The data_file.partition record of a writer schema, by field id (else name); NULL when there is none. */
static const qb_avro_node *writer_partition(const qb_avro_schema *ws)
{
  const qb_avro_node *root = qb_avro_schema_root(ws);
  if (qb_avro_node_type(root) != QB_AVRO_RECORD) return NULL;
  int i = qb_avro_node_field_index_by_id(root, 2);
  if (i < 0) i = qb_avro_node_field_index(root, "data_file");
  if (i < 0) return NULL;
  const qb_avro_node *df = qb_avro_node_non_null(qb_avro_node_child(root, (size_t)i));
  if (qb_avro_node_type(df) != QB_AVRO_RECORD) return NULL;
  int j = qb_avro_node_field_index_by_id(df, 102);
  if (j < 0) j = qb_avro_node_field_index(df, "partition");
  return j < 0 ? NULL : qb_avro_node_child(df, (size_t)j);
}

/* Open the file once without a read schema to learn the writer's partition record. */
static int partition_type_from_file(qb_manifest_reader *r, qb_err *err)
{
  qb_avro_reader *probe = NULL;
  int rc = qb_avro_reader_open(&probe, r->file, NULL, err);
  if (rc) return rc;
  const char *kind = qb_manifest__file_kind(probe);
  if (strcmp(kind, "manifest")) {
    rc = QB_FAIL(err, QB_ECORRUPT, "not a manifest: the file holds a %s", kind);
  } else {
    const qb_avro_node *p = writer_partition(qb_avro_reader_writer_schema(probe));
    if (p) rc = qb_manifest__partition_type_from_avro(&r->ptype, &r->meta, p, err);
    else r->ptype.id = QB_T_STRUCT; /* no partition field at all: unpartitioned */
  }
  qb_avro_reader_close(probe);
  return rc;
}

/* The spec a manifest's header describes ("partition-spec" fields, "partition-spec-id"). */
static int spec_from_meta(qb_manifest_reader *r, int32_t default_id, qb_err *err)
{
  qb_slice v;
  int64_t id;
  int rc = qb_manifest__meta_i64(&id, r->avro, "partition-spec-id", err);
  if (rc) return rc;
  if (id == QB_UNASSIGNED) id = default_id;
  if (id < 0 || id > INT32_MAX) return QB_FAIL(err, QB_ECORRUPT, "partition-spec-id %" PRId64 " is not valid", id);
  if (qb_avro_reader_meta(r->avro, "partition-spec", &v)) {
    json_object *j = NULL;
    rc = qb_json_parse(&j, (const char *)v.p, v.n, err);
    if (!rc) rc = qb_partition_spec__fields_from_json(&r->spec_parsed, &r->meta, (int32_t)id, j, err);
    json_object_put(j);
    if (rc) return qb_err_wrap(err, "partition-spec metadata");
  } else {
    /* Required by the spec, but a writer that left it out still declared the tuple in its schema:
     * keep the names and ids, the transforms are unknown. */
    qb_partition_field *f = qb_ice__alloc(&r->meta, r->ptype.n_fields, sizeof *f, err);
    if (!f) return QB_ENOMEM;
    for (size_t i = 0; i < r->ptype.n_fields; i++) {
      f[i].field_id = r->ptype.fields[i].id;
      f[i].name = r->ptype.fields[i].name;
      f[i].transform.kind = QB_TR_UNKNOWN;
      f[i].transform.unknown = "unknown";
    }
    r->spec_parsed.spec_id = (int32_t)id;
    r->spec_parsed.n_fields = r->ptype.n_fields;
    r->spec_parsed.fields = f;
  }
  r->spec = &r->spec_parsed;
  return QB_OK;
}

static int read_header(qb_manifest_reader *r, const qb_manifest_read_options *o, qb_err *err)
{
  const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_writer_schema(r->avro));
  const char *kind = qb_manifest__file_kind(r->avro);
  if (strcmp(kind, "manifest")) return QB_FAIL(err, QB_ECORRUPT, "not a manifest: the file holds a %s", kind);
  bool has_seq = qb_avro_node_field_index_by_id(root, 3) >= 0 || qb_avro_node_field_index(root, "sequence_number") >= 0;
  int rc = qb_manifest__format_version(&r->format_version, r->avro, has_seq, err);
  if (rc) return rc;
  qb_slice v;
  r->content = QB_MANIFEST_DATA;
  if (qb_avro_reader_meta(r->avro, "content", &v)) {
    if (v.n == 7 && !memcmp(v.p, "deletes", 7)) r->content = QB_MANIFEST_DELETES;
    else if (!(v.n == 4 && !memcmp(v.p, "data", 4)))
      return QB_FAIL(err, QB_ECORRUPT, "content metadata '%.*s' is not \"data\" or \"deletes\"", (int)(v.n > 32 ? 32 : v.n),
                     (const char *)v.p);
    r->content_known = true;
  } else if (o->manifest) {
    r->content = o->manifest->content;
    r->content_known = true;
  }
  r->table_schema = o->schema;
  if (!r->table_schema && qb_avro_reader_meta(r->avro, "schema", &v)) {
    /* informational only (qb_manifest_reader_schema): a schema this library cannot represent (v3 types)
     * does not stop the entries from being read */
    json_object *j = NULL;
    qb_schema *s = NULL;
    qb_err ignored = QB_ERR_INIT;
    if (qb_json_parse(&j, (const char *)v.p, v.n, &ignored) == QB_OK &&
        qb_schema__from_json(&s, &r->meta, j, &ignored) == QB_OK)
      r->table_schema = s;
    json_object_put(j);
  }
  if (o->spec) {
    /* Java's ManifestReader decodes with the spec the file names: a different one given here is a bug in
     * the caller that would silently read the partition tuple wrong */
    int64_t id;
    if ((rc = qb_manifest__meta_i64(&id, r->avro, "partition-spec-id", err))) return rc;
    if (id != QB_UNASSIGNED && id != o->spec->spec_id)
      return QB_FAIL(err, QB_EINVAL, "the manifest was written with partition spec %" PRId64 ", not %d", id,
                     (int)o->spec->spec_id);
    r->spec = o->spec;
    return QB_OK;
  }
  return spec_from_meta(r, o->manifest ? o->manifest->partition_spec_id : 0, err);
}

int qb_manifest_reader__open_file(qb_manifest_reader **out, qb_file *file, const qb_manifest_read_options *opts,
                                  qb_err *err)
{
  *out = NULL;
  qb_manifest_read_options def = QB_MANIFEST_READ_OPTIONS_INIT;
  const qb_manifest_read_options *o = opts ? opts : &def;
  if (o->version != QB_MANIFEST_READ_OPTIONS_VERSION) {
    qb_file_close(file);
    return QB_FAIL(err, QB_EINVAL, "unknown qb_manifest_read_options version %u", o->version);
  }
  qb_manifest_reader *r = calloc(1, sizeof *r);
  if (!r) {
    qb_file_close(file);
    return QB_FAIL(err, QB_ENOMEM, "out of memory opening a manifest");
  }
  qb_arena_init(&r->meta, 4096);
  qb_arena_init(&r->rec, 4096);
  r->file = file;
  int rc = QB_OK;
  bool typed = false;
  if (o->spec && o->schema) {
    /* the table's spec gives the value types; if it cannot (an unknown transform, a dropped source
     * column), the file's own partition record still can */
    qb_err ignored = QB_ERR_INIT;
    typed = qb_manifest__partition_type(&r->ptype, &r->meta, o->spec, o->schema, &ignored) == QB_OK;
  }
  if (!typed) rc = partition_type_from_file(r, err);
  if (!rc) rc = qb_manifest__entry_schema(&r->schema, &r->own_schema, &r->ptype, QB_MANIFEST_SCHEMA_READ, err);
  if (!rc) {
    qb_avro_read_options ao = QB_AVRO_READ_OPTIONS_INIT;
    ao.reader_schema = r->schema;
    rc = r->own_schema ? qb_avro_reader_open(&r->avro, r->file, &ao, err)
                       : qb_manifest__avro_open(&r->avro, r->file, &ao, err);
  }
  if (!rc) rc = read_header(r, o, err);
  if (!rc && o->manifest) {
    r->inherit = true;
    r->inherit_snapshot_id = o->manifest->added_snapshot_id;
    r->inherit_seq = o->manifest->sequence_number;
  }
  if (rc) {
    qb_manifest_reader_close(r);
    return rc;
  }
  *out = r;
  return QB_OK;
}

int qb_manifest_reader_open(qb_manifest_reader **out, qb_fileio *io, const char *path,
                            const qb_manifest_read_options *opts, qb_err *err)
{
  qb_file *f = NULL;
  *out = NULL;
  int rc = qb_fileio_open_read(&f, io, path, err);
  if (!rc) rc = qb_manifest_reader__open_file(out, f, opts, err);
  return rc ? qb_err_wrap(err, "reading manifest %s", path) : QB_OK;
}

static int decode(qb_manifest_reader *r, const qb_value *v, qb_err *err)
{
  qb_manifest_entry *e = &r->cur;
  if (v->kind != QB_V_STRUCT || v->u.seq.n != QB_ME_N) return QB_FAIL(err, QB_ECORRUPT, "not a manifest_entry record");
  const qb_value *x = v->u.seq.items;
  if (x[QB_ME_STATUS].kind == QB_V_NULL) return QB_FAIL(err, QB_ECORRUPT, "status is missing");
  int64_t status = qb_manifest__opt_i64(&x[QB_ME_STATUS]);
  if (status < 0 || status > 2) return QB_FAIL(err, QB_ECORRUPT, "status %" PRId64 " is not 0, 1 or 2", status);
  e->status = (qb_entry_status)status;
  e->snapshot_id = qb_manifest__opt_i64(&x[QB_ME_SNAPSHOT_ID]);
  e->sequence_number = qb_manifest__opt_i64(&x[QB_ME_SEQ]);
  e->file_sequence_number = qb_manifest__opt_i64(&x[QB_ME_FILE_SEQ]);
  int rc = qb_data_file__from_value(&e->data_file, &x[QB_ME_DATA_FILE], &r->rec, err);
  if (rc) return rc;
  /* a manifest holds data files or delete files, not both: readers of one kind skip the other, so a delete
   * file in a data manifest lost its rows from a scan with no error */
  if (r->content_known && (e->data_file.content == QB_CONTENT_DATA) != (r->content == QB_MANIFEST_DATA))
    return QB_FAIL(err, QB_ECORRUPT, "data_file.content %d (%s) in a %s manifest", (int)e->data_file.content,
                   e->data_file.content == QB_CONTENT_DATA ? "data" : "deletes",
                   r->content == QB_MANIFEST_DATA ? "data" : "delete");
  if (e->data_file.partition.u.seq.n != r->ptype.n_fields)
    return QB_FAIL(err, QB_ECORRUPT, "partition has %zu values, the spec %zu fields", e->data_file.partition.u.seq.n,
                   r->ptype.n_fields);
  /* every value must be one of its type (a decimal of at most 16 bytes within its precision, …), so that
   * whatever is read can be compared, summarised and written again */
  for (size_t i = 0; i < r->ptype.n_fields; i++) {
    qb_value canon;
    uint8_t scratch[16];
    if (qb_manifest__partition_value(&canon, scratch, r->ptype.fields[i].type, &e->data_file.partition.u.seq.items[i],
                                     err)) {
      err->code = QB_ECORRUPT;
      return qb_err_wrap(err, "data_file.partition.%s", r->ptype.fields[i].name);
    }
  }
  if (r->inherit) {
    /* Java InheritableMetadataFactory: a null snapshot id is the manifest's; a null sequence number is
     * the manifest's for ADDED entries, and for every entry when that is 0 (a v1 list) */
    if (e->snapshot_id == QB_UNASSIGNED) e->snapshot_id = r->inherit_snapshot_id;
    bool take = r->inherit_seq == 0 || e->status == QB_ENTRY_ADDED;
    if (e->sequence_number == QB_UNASSIGNED && take) e->sequence_number = r->inherit_seq;
    if (e->file_sequence_number == QB_UNASSIGNED && take) e->file_sequence_number = r->inherit_seq;
  } else if (r->format_version == 1) {
    /* v1 manifests carry no sequence numbers: "all sequence numbers default to 0" */
    if (e->sequence_number == QB_UNASSIGNED) e->sequence_number = 0;
    if (e->file_sequence_number == QB_UNASSIGNED) e->file_sequence_number = 0;
  }
  return QB_OK;
}

int qb_manifest_reader_next(const qb_manifest_entry **out, qb_manifest_reader *r, qb_err *err)
{
  *out = NULL;
  const qb_value *v;
  int rc = qb_avro_reader_next(&v, r->avro, err);
  if (rc || !v) return rc;
  qb_arena_release(&r->rec);
  qb_arena_init(&r->rec, 4096);
  if ((rc = decode(r, v, err)))
    return qb_err_wrap(err, "%s: entry %" PRIu64 " (block %" PRIu64 ")", qb_file_path(r->file), r->n_read,
                       qb_avro_reader_blocks(r->avro) - 1);
  r->n_read++;
  *out = &r->cur;
  return QB_OK;
}

int qb_manifest_reader_format_version(const qb_manifest_reader *r) { return r->format_version; }
qb_manifest_content qb_manifest_reader_content(const qb_manifest_reader *r) { return r->content; }
const qb_partition_spec *qb_manifest_reader_spec(const qb_manifest_reader *r) { return r->spec; }
const qb_type *qb_manifest_reader_partition_type(const qb_manifest_reader *r) { return &r->ptype; }
const qb_schema *qb_manifest_reader_schema(const qb_manifest_reader *r) { return r->table_schema; }

void qb_manifest_reader_close(qb_manifest_reader *r)
{
  if (!r) return;
  qb_avro_reader_close(r->avro);
  qb_file_close(r->file);
  qb_avro_schema_free(r->own_schema);
  qb_arena_release(&r->rec);
  qb_arena_release(&r->meta);
  free(r);
}
