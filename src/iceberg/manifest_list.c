/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest lists (spec "Manifest Lists", "Snapshots"): the manifest_file struct, reading v1/v2 lists
 * (and v1 snapshots' inline manifest paths), writing v2 lists as Java's ManifestListWriter.V2Writer. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"
#include "util/str.h"

static const uint8_t empty_bytes[1];

/* ---- header metadata ----------------------------------------------------------------------------------- */

int qb_manifest__meta_i64(int64_t *out, const qb_avro_reader *r, const char *key, qb_err *err)
{
  qb_slice v;
  char buf[32];
  *out = QB_UNASSIGNED;
  if (!qb_avro_reader_meta(r, key, &v)) return QB_OK;
  /* Java writes String.valueOf(null) = "null" for a missing parent snapshot id */
  if (v.n == 4 && !memcmp(v.p, "null", 4)) return QB_OK;
  if (v.n == 0 || v.n >= sizeof buf) return QB_FAIL(err, QB_ECORRUPT, "metadata %s is not a number", key);
  memcpy(buf, v.p, v.n);
  buf[v.n] = 0;
  if (!qb_str_to_i64(buf, out)) return QB_FAIL(err, QB_ECORRUPT, "metadata %s is not a number: '%s'", key, buf);
  return QB_OK;
}

int qb_manifest__format_version(int *out, const qb_avro_reader *r, bool has_seq_field, qb_err *err)
{
  int64_t v;
  int rc = qb_manifest__meta_i64(&v, r, "format-version", err);
  if (rc) return rc;
  if (v == QB_UNASSIGNED) v = has_seq_field ? 2 : 1; /* v1 writers may omit the key */
  if (v < 1) return QB_FAIL(err, QB_ECORRUPT, "format-version %" PRId64 " is not valid", v);
  if (v > 2) return QB_FAIL(err, QB_EUNSUPPORTED, "format-version %" PRId64 " is not supported", v);
  *out = (int)v;
  return QB_OK;
}

/* ---- the manifest_file struct ---------------------------------------------------------------------------- */

typedef struct owned_manifest_file {
  qb_manifest_file m; /* first: qb_manifest_file_free casts back */
  qb_arena arena;
} owned_manifest_file;

static int opt_i32(int32_t *out, const qb_value *v, const char *name, qb_err *err)
{
  int64_t x = qb_manifest__opt_i64(v);
  if (v->kind == QB_V_NULL) x = QB_UNASSIGNED;
  else if (x < INT32_MIN || x > INT32_MAX)
    return QB_FAIL(err, QB_ECORRUPT, "manifest_file.%s %" PRId64 " does not fit an int", name, x);
  *out = (int32_t)x;
  return QB_OK;
}

static int summaries_from(qb_manifest_file *out, const qb_value *v, qb_arena *a, qb_err *err)
{
  if (v->kind == QB_V_NULL) return QB_OK;
  if (v->kind != QB_V_LIST) return QB_FAIL(err, QB_ECORRUPT, "manifest_file.partitions is not an array");
  qb_partition_field_summary *s = qb_ice__alloc(a, v->u.seq.n, sizeof *s, err);
  if (!s) return QB_ENOMEM;
  for (size_t i = 0; i < v->u.seq.n; i++) {
    const qb_value *r = &v->u.seq.items[i];
    if (r->kind != QB_V_STRUCT || r->u.seq.n != QB_PS_N)
      return QB_FAIL(err, QB_ECORRUPT, "manifest_file.partitions[%zu] is not a field summary", i);
    const qb_value *x = r->u.seq.items;
    /* contains_null is required; a missing one cannot be trusted to say "no nulls" */
    s[i].contains_null = x[QB_PS_CONTAINS_NULL].kind != QB_V_BOOL || x[QB_PS_CONTAINS_NULL].u.b;
    s[i].contains_nan = x[QB_PS_CONTAINS_NAN].kind == QB_V_BOOL ? (int8_t)x[QB_PS_CONTAINS_NAN].u.b : QB_UNASSIGNED;
    if (x[QB_PS_LOWER].kind == QB_V_BYTES) {
      s[i].lower_bound.p = x[QB_PS_LOWER].u.bytes.n ? x[QB_PS_LOWER].u.bytes.p : empty_bytes;
      s[i].lower_bound.n = x[QB_PS_LOWER].u.bytes.n;
    }
    if (x[QB_PS_UPPER].kind == QB_V_BYTES) {
      s[i].upper_bound.p = x[QB_PS_UPPER].u.bytes.n ? x[QB_PS_UPPER].u.bytes.p : empty_bytes;
      s[i].upper_bound.n = x[QB_PS_UPPER].u.bytes.n;
    }
  }
  out->partitions = s;
  out->n_partitions = v->u.seq.n;
  return QB_OK;
}

int qb_manifest_file__from_value(qb_manifest_file *out, const qb_value *v, qb_arena *a, qb_err *err)
{
  memset(out, 0, sizeof *out);
  if (v->kind != QB_V_STRUCT || v->u.seq.n != QB_MF_N) return QB_FAIL(err, QB_ECORRUPT, "not a manifest_file record");
  const qb_value *x = v->u.seq.items;
  const qb_value *p = &x[QB_MF_PATH];
  if (p->kind != QB_V_STRING || memchr(p->u.bytes.p, 0, p->u.bytes.n))
    return QB_FAIL(err, QB_ECORRUPT, "manifest_file.manifest_path is missing or contains a NUL byte");
  char *path = qb_arena_strndup(a, p->u.bytes.n ? (const char *)p->u.bytes.p : "", p->u.bytes.n);
  if (!path) return QB_FAIL(err, QB_ENOMEM, "out of memory copying a manifest path");
  out->manifest_path = path;
  if (x[QB_MF_LENGTH].kind == QB_V_NULL || x[QB_MF_SPEC_ID].kind == QB_V_NULL)
    return QB_FAIL(err, QB_ECORRUPT, "%s: manifest_length or partition_spec_id is missing", path);
  out->manifest_length = qb_manifest__opt_i64(&x[QB_MF_LENGTH]);
  int64_t content = x[QB_MF_CONTENT].kind == QB_V_NULL ? 0 : qb_manifest__opt_i64(&x[QB_MF_CONTENT]);
  if (content < 0 || content > 1)
    return QB_FAIL(err, QB_ECORRUPT, "%s: manifest content %" PRId64 " is not 0 or 1", path, content);
  out->content = (qb_manifest_content)content;
  /* v1 lists have no sequence numbers: they read as 0 (spec "Sequence Number Inheritance") */
  out->sequence_number = x[QB_MF_SEQ].kind == QB_V_NULL ? 0 : qb_manifest__opt_i64(&x[QB_MF_SEQ]);
  out->min_sequence_number = x[QB_MF_MIN_SEQ].kind == QB_V_NULL ? 0 : qb_manifest__opt_i64(&x[QB_MF_MIN_SEQ]);
  out->added_snapshot_id = qb_manifest__opt_i64(&x[QB_MF_SNAPSHOT_ID]);
  out->added_rows_count = qb_manifest__opt_i64(&x[QB_MF_ADDED_ROWS]);
  out->existing_rows_count = qb_manifest__opt_i64(&x[QB_MF_EXISTING_ROWS]);
  out->deleted_rows_count = qb_manifest__opt_i64(&x[QB_MF_DELETED_ROWS]);
  int rc;
  if ((rc = opt_i32(&out->partition_spec_id, &x[QB_MF_SPEC_ID], "partition_spec_id", err)) ||
      (rc = opt_i32(&out->added_files_count, &x[QB_MF_ADDED_FILES], "added_files_count", err)) ||
      (rc = opt_i32(&out->existing_files_count, &x[QB_MF_EXISTING_FILES], "existing_files_count", err)) ||
      (rc = opt_i32(&out->deleted_files_count, &x[QB_MF_DELETED_FILES], "deleted_files_count", err)) ||
      (rc = summaries_from(out, &x[QB_MF_PARTITIONS], a, err)))
    return qb_err_wrap(err, "%s", path);
  if (x[QB_MF_KEY_METADATA].kind == QB_V_BYTES) {
    out->key_metadata.p = x[QB_MF_KEY_METADATA].u.bytes.n ? x[QB_MF_KEY_METADATA].u.bytes.p : empty_bytes;
    out->key_metadata.n = x[QB_MF_KEY_METADATA].u.bytes.n;
  }
  return QB_OK;
}

static qb_value v_int(qb_vkind k, int64_t x)
{
  qb_value v = {.kind = k};
  if (k == QB_V_INT32) v.u.i32 = (int32_t)x;
  else v.u.i64 = x;
  return v;
}

static qb_value v_bytes(qb_slice s)
{
  qb_value v = qb_value_null();
  if (s.p) {
    v.kind = QB_V_BYTES;
    v.u.bytes.p = s.p;
    v.u.bytes.n = s.n;
  }
  return v;
}

int qb_manifest_file__to_value(qb_value *out, const qb_manifest_file *m, qb_arena *a, qb_err *err)
{
  qb_value *x = qb_ice__alloc(a, QB_MF_N, sizeof *x, err);
  if (!x) return QB_ENOMEM;
  x[QB_MF_PATH].kind = QB_V_STRING;
  x[QB_MF_PATH].u.bytes.p = (const uint8_t *)m->manifest_path;
  x[QB_MF_PATH].u.bytes.n = strlen(m->manifest_path);
  x[QB_MF_LENGTH] = v_int(QB_V_INT64, m->manifest_length);
  x[QB_MF_SPEC_ID] = v_int(QB_V_INT32, m->partition_spec_id);
  x[QB_MF_CONTENT] = v_int(QB_V_INT32, m->content);
  x[QB_MF_SEQ] = v_int(QB_V_INT64, m->sequence_number);
  x[QB_MF_MIN_SEQ] = v_int(QB_V_INT64, m->min_sequence_number);
  x[QB_MF_SNAPSHOT_ID] = v_int(QB_V_INT64, m->added_snapshot_id);
  x[QB_MF_ADDED_FILES] = v_int(QB_V_INT32, m->added_files_count);
  x[QB_MF_EXISTING_FILES] = v_int(QB_V_INT32, m->existing_files_count);
  x[QB_MF_DELETED_FILES] = v_int(QB_V_INT32, m->deleted_files_count);
  x[QB_MF_ADDED_ROWS] = v_int(QB_V_INT64, m->added_rows_count);
  x[QB_MF_EXISTING_ROWS] = v_int(QB_V_INT64, m->existing_rows_count);
  x[QB_MF_DELETED_ROWS] = v_int(QB_V_INT64, m->deleted_rows_count);
  x[QB_MF_PARTITIONS] = qb_value_null();
  if (m->partitions) {
    qb_value *l = qb_ice__alloc(a, m->n_partitions, sizeof *l, err);
    qb_value *f = qb_ice__alloc(a, m->n_partitions * QB_PS_N, sizeof *f, err);
    if (!l || !f) return QB_ENOMEM;
    for (size_t i = 0; i < m->n_partitions; i++) {
      const qb_partition_field_summary *s = &m->partitions[i];
      qb_value *r = &f[i * QB_PS_N];
      r[QB_PS_CONTAINS_NULL].kind = QB_V_BOOL;
      r[QB_PS_CONTAINS_NULL].u.b = s->contains_null;
      r[QB_PS_CONTAINS_NAN] = qb_value_null();
      if (s->contains_nan >= 0) {
        r[QB_PS_CONTAINS_NAN].kind = QB_V_BOOL;
        r[QB_PS_CONTAINS_NAN].u.b = s->contains_nan != 0;
      }
      r[QB_PS_LOWER] = v_bytes(s->lower_bound);
      r[QB_PS_UPPER] = v_bytes(s->upper_bound);
      l[i].kind = QB_V_STRUCT;
      l[i].u.seq.items = r;
      l[i].u.seq.n = QB_PS_N;
    }
    x[QB_MF_PARTITIONS].kind = QB_V_LIST;
    x[QB_MF_PARTITIONS].u.seq.items = l;
    x[QB_MF_PARTITIONS].u.seq.n = m->n_partitions;
  }
  x[QB_MF_KEY_METADATA] = v_bytes(m->key_metadata);
  out->kind = QB_V_STRUCT;
  out->u.seq.items = x;
  out->u.seq.n = QB_MF_N;
  return QB_OK;
}

static int copy_slice(qb_slice *s, qb_arena *a, qb_err *err)
{
  if (!s->p) return QB_OK;
  s->p = s->n ? qb_arena_memdup(a, s->p, s->n) : empty_bytes;
  return s->p ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory copying a manifest file");
}

int qb_manifest_file_copy(qb_manifest_file **out, const qb_manifest_file *src, qb_err *err)
{
  *out = NULL;
  owned_manifest_file *o = calloc(1, sizeof *o);
  if (!o) return QB_FAIL(err, QB_ENOMEM, "out of memory copying a manifest file");
  qb_arena_init(&o->arena, 1024);
  o->m = *src;
  int rc = QB_OK;
  if (!(o->m.manifest_path = qb_ice__strdup(&o->arena, src->manifest_path ? src->manifest_path : "", err)))
    rc = QB_ENOMEM;
  if (!rc && src->partitions) {
    qb_partition_field_summary *s = qb_ice__alloc(&o->arena, src->n_partitions, sizeof *s, err);
    if (!s) rc = QB_ENOMEM;
    for (size_t i = 0; !rc && i < src->n_partitions; i++) {
      s[i] = src->partitions[i];
      if (!(rc = copy_slice(&s[i].lower_bound, &o->arena, err))) rc = copy_slice(&s[i].upper_bound, &o->arena, err);
    }
    o->m.partitions = s;
  }
  if (!rc) rc = copy_slice(&o->m.key_metadata, &o->arena, err);
  if (rc) {
    qb_manifest_file_free(&o->m);
    return rc;
  }
  *out = &o->m;
  return QB_OK;
}

void qb_manifest_file_free(qb_manifest_file *m)
{
  if (!m) return;
  owned_manifest_file *o = (owned_manifest_file *)m;
  qb_arena_release(&o->arena);
  free(o);
}

/* ---- reading ---------------------------------------------------------------------------------------------- */

struct qb_manifest_list_reader {
  qb_file *file;
  qb_avro_reader *avro;
  const qb_avro_schema *schema; /* the read schema: shared, or own_schema */
  qb_avro_schema *own_schema;
  qb_arena arena;         /* the current record's arrays and strings */
  qb_manifest_file cur;
  int format_version;
  int64_t snapshot_id, parent_snapshot_id, sequence_number;
  const qb_snapshot *inline_snapshot; /* v1 inline manifests, else NULL */
  size_t next_inline;
};

/* What an Avro file's top-level record is, by the field ids every writer puts there. */
static const char *kind_of_file(const qb_avro_reader *r)
{
  const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_writer_schema(r));
  if (qb_avro_node_type(root) != QB_AVRO_RECORD) return "not a record";
  if (qb_avro_node_field_index_by_id(root, 500) >= 0 || qb_avro_node_field_index(root, "manifest_path") >= 0)
    return "manifest list";
  if (qb_avro_node_field_index_by_id(root, 2) >= 0 || qb_avro_node_field_index(root, "data_file") >= 0)
    return "manifest";
  return "unknown record";
}

const char *qb_manifest__file_kind(const qb_avro_reader *r) { return kind_of_file(r); }

int qb_manifest_list_reader__open_file(qb_manifest_list_reader **out, qb_file *file, qb_err *err)
{
  *out = NULL;
  qb_manifest_list_reader *r = calloc(1, sizeof *r);
  if (!r) {
    qb_file_close(file);
    return QB_FAIL(err, QB_ENOMEM, "out of memory opening a manifest list");
  }
  qb_arena_init(&r->arena, 4096);
  r->file = file;
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  int rc = qb_manifest__list_schema(&r->schema, &r->own_schema, QB_MANIFEST_SCHEMA_READ, err);
  if (!rc) {
    o.reader_schema = r->schema;
    rc = r->own_schema ? qb_avro_reader_open(&r->avro, r->file, &o, err)
                       : qb_manifest__avro_open(&r->avro, r->file, &o, err);
  }
  if (!rc) {
    const char *kind = kind_of_file(r->avro);
    if (strcmp(kind, "manifest list"))
      rc = QB_FAIL(err, QB_ECORRUPT, "not a manifest list: the file holds a %s", kind);
  }
  if (!rc) {
    const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_writer_schema(r->avro));
    bool has_seq = qb_avro_node_field_index_by_id(root, 515) >= 0;
    /* first_row_id (520) exists only in v3 lists, which some writers (DuckDB) leave without the key */
    qb_slice fv;
    if (qb_avro_node_field_index_by_id(root, 520) >= 0 && !qb_avro_reader_meta(r->avro, "format-version", &fv))
      rc = QB_FAIL(err, QB_EUNSUPPORTED, "format-version 3 is not supported (the list has first_row_id)");
    if (!rc && !(rc = qb_manifest__format_version(&r->format_version, r->avro, has_seq, err)) &&
        !(rc = qb_manifest__meta_i64(&r->snapshot_id, r->avro, "snapshot-id", err)) &&
        !(rc = qb_manifest__meta_i64(&r->parent_snapshot_id, r->avro, "parent-snapshot-id", err)))
      rc = qb_manifest__meta_i64(&r->sequence_number, r->avro, "sequence-number", err);
  }
  if (rc) {
    qb_manifest_list_reader_close(r);
    return rc;
  }
  *out = r;
  return QB_OK;
}

int qb_manifest_list_reader_open(qb_manifest_list_reader **out, qb_fileio *io, const char *path, qb_err *err)
{
  qb_file *f = NULL;
  *out = NULL;
  int rc = qb_fileio_open_read(&f, io, path, err);
  if (!rc) rc = qb_manifest_list_reader__open_file(out, f, err);
  return rc ? qb_err_wrap(err, "reading manifest list %s", path) : QB_OK;
}

int qb_manifest_list_reader_open_snapshot(qb_manifest_list_reader **out, qb_fileio *io, const qb_snapshot *snapshot,
                                          qb_err *err)
{
  *out = NULL;
  if (snapshot->manifest_list) return qb_manifest_list_reader_open(out, io, snapshot->manifest_list, err);
  qb_manifest_list_reader *r = calloc(1, sizeof *r);
  if (!r) return QB_FAIL(err, QB_ENOMEM, "out of memory reading snapshot %" PRId64, snapshot->snapshot_id);
  qb_arena_init(&r->arena, 1024);
  r->inline_snapshot = snapshot;
  r->format_version = 1;
  r->snapshot_id = snapshot->snapshot_id;
  r->parent_snapshot_id = snapshot->has_parent ? snapshot->parent_id : QB_UNASSIGNED;
  r->sequence_number = 0;
  *out = r;
  return QB_OK;
}

int qb_manifest_list_reader_next(const qb_manifest_file **out, qb_manifest_list_reader *r, qb_err *err)
{
  *out = NULL;
  qb_arena_release(&r->arena);
  qb_arena_init(&r->arena, 4096);
  if (r->inline_snapshot) {
    const qb_snapshot *s = r->inline_snapshot;
    if (r->next_inline >= s->n_manifests) return QB_OK;
    /* Java's BaseSnapshot: new GenericManifestFile(file, specId 0, snapshotId) for v1 "manifests" */
    qb_manifest_file *m = &r->cur;
    memset(m, 0, sizeof *m);
    m->manifest_path = s->manifests[r->next_inline++];
    m->manifest_length = QB_UNASSIGNED;
    m->added_snapshot_id = s->snapshot_id;
    m->added_files_count = m->existing_files_count = m->deleted_files_count = QB_UNASSIGNED;
    m->added_rows_count = m->existing_rows_count = m->deleted_rows_count = QB_UNASSIGNED;
    *out = m;
    return QB_OK;
  }
  const qb_value *v;
  int rc = qb_avro_reader_next(&v, r->avro, err);
  if (rc || !v) return rc;
  if ((rc = qb_manifest_file__from_value(&r->cur, v, &r->arena, err)))
    return qb_err_wrap(err, "%s: block %" PRIu64, qb_file_path(r->file), qb_avro_reader_blocks(r->avro) - 1);
  *out = &r->cur;
  return QB_OK;
}

int qb_manifest_list_reader_format_version(const qb_manifest_list_reader *r) { return r->format_version; }
int64_t qb_manifest_list_reader_snapshot_id(const qb_manifest_list_reader *r) { return r->snapshot_id; }
int64_t qb_manifest_list_reader_parent_snapshot_id(const qb_manifest_list_reader *r) { return r->parent_snapshot_id; }
int64_t qb_manifest_list_reader_sequence_number(const qb_manifest_list_reader *r) { return r->sequence_number; }

void qb_manifest_list_reader_close(qb_manifest_list_reader *r)
{
  if (!r) return;
  qb_avro_reader_close(r->avro);
  qb_file_close(r->file);
  qb_avro_schema_free(r->own_schema);
  qb_arena_release(&r->arena);
  free(r);
}

/* ---- writing ---------------------------------------------------------------------------------------------- */

struct qb_manifest_list_writer {
  qb_writer *dst;
  qb_avro_writer *avro;
  const qb_avro_schema *schema; /* shared, or own_schema */
  qb_avro_schema *own_schema;
  qb_avro_codec codec;
  int64_t snapshot_id, sequence_number;
  char *path;
};

int qb_manifest__open_avro(qb_writer **dst, qb_avro_writer **avro, qb_fileio *io, const char *path,
                           const qb_avro_schema *schema, const qb_manifest_write_options *opts, qb_err *err)
{
  qb_manifest_write_options def = QB_MANIFEST_WRITE_OPTIONS_INIT;
  if (!opts) opts = &def;
  if (opts->version != 1 && opts->version != QB_MANIFEST_WRITE_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "unknown qb_manifest_write_options version %u", opts->version);
  bool batched = opts->version >= 2 && opts->batched; /* a version 1 struct ends before the field */
  qb_avro_write_options ao = QB_AVRO_WRITE_OPTIONS_INIT;
  ao.codec = opts->codec;
  ao.level = opts->level;
  int rc = qb_fileio_create(dst, io, path, batched ? QB_CREATE_EXCLUSIVE_BATCHED : QB_CREATE_EXCLUSIVE, err);
  if (!rc && (rc = qb_avro_writer_open(avro, *dst, schema, &ao, err))) {
    qb_writer_abort(*dst);
    *dst = NULL;
  }
  return rc;
}

int qb_manifest_list_writer_open(qb_manifest_list_writer **out, qb_fileio *io, const char *path, int64_t snapshot_id,
                                 int64_t parent_snapshot_id, int64_t sequence_number,
                                 const qb_manifest_write_options *opts, qb_err *err)
{
  *out = NULL;
  char num[3][24], *ice = NULL;
  if (snapshot_id < 0 || sequence_number < 0)
    return QB_FAIL(err, QB_EINVAL, "manifest list %s: snapshot id and sequence number must not be negative", path);
  qb_manifest_list_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    return QB_FAIL(err, QB_ENOMEM, "out of memory writing manifest list %s", path);
  }
  w->snapshot_id = snapshot_id;
  w->sequence_number = sequence_number;
  const qb_manifest_write_options def = QB_MANIFEST_WRITE_OPTIONS_INIT;
  w->codec = (opts ? opts : &def)->codec;
  snprintf(num[0], sizeof num[0], "%" PRId64, snapshot_id);
  snprintf(num[1], sizeof num[1], "%" PRId64, parent_snapshot_id);
  snprintf(num[2], sizeof num[2], "%" PRId64, sequence_number);
  int rc = qb_manifest__list_schema(&w->schema, &w->own_schema, QB_MANIFEST_SCHEMA_WRITE, err);
  if (!rc) rc = qb_manifest__list_iceberg_json(&ice, err);
  if (!rc) rc = qb_manifest__open_avro(&w->dst, &w->avro, io, path, w->schema, opts, err);
  /* ManifestListWriter.V2Writer's metadata; the parent of a root snapshot is String.valueOf(null) */
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "snapshot-id", num[0], err);
  if (!rc)
    rc = qb_avro_writer_set_meta_str(w->avro, "parent-snapshot-id", parent_snapshot_id < 0 ? "null" : num[1], err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "sequence-number", num[2], err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "format-version", "2", err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "iceberg.schema", ice, err);
  free(ice);
  if (rc) {
    qb_manifest_list_writer_abort(w);
    return qb_err_wrap(err, "writing manifest list %s", path);
  }
  *out = w;
  return QB_OK;
}

int qb_manifest_list_writer_append(qb_manifest_list_writer *w, const qb_manifest_file *m, qb_err *err)
{
  qb_manifest_file f = *m;
  const char *path = m->manifest_path ? m->manifest_path : "(null)";
  if (!m->manifest_path || m->manifest_length < 0 || m->partition_spec_id < 0)
    return QB_FAIL(err, QB_EINVAL, "manifest %s: path, length and spec id are required", path);
  /* a manifest written without a snapshot id (entries inherit it) is added by this commit, as in Java */
  if (f.added_snapshot_id < 0) f.added_snapshot_id = w->snapshot_id;
  if ((unsigned)m->content > QB_MANIFEST_DELETES)
    return QB_FAIL(err, QB_EINVAL, "manifest %s: content %d is not 0 or 1", path, (int)m->content);
  if (m->added_files_count < 0 || m->existing_files_count < 0 || m->deleted_files_count < 0 ||
      m->added_rows_count < 0 || m->existing_rows_count < 0 || m->deleted_rows_count < 0)
    return QB_FAIL(err, QB_EINVAL, "manifest %s: file and row counts are required in a v2 manifest list", path);
  /* V2Metadata.ManifestFileWrapper: only manifests written by this commit may carry unassigned numbers */
  if ((m->sequence_number < 0 || m->min_sequence_number < 0) && f.added_snapshot_id != w->snapshot_id)
    return QB_FAIL(err, QB_EINVAL, "manifest %s: found unassigned sequence number for a manifest from snapshot %" PRId64,
                   path, f.added_snapshot_id);
  if (f.sequence_number < 0) f.sequence_number = w->sequence_number;
  if (f.min_sequence_number < 0) f.min_sequence_number = w->sequence_number;
  qb_arena a;
  qb_value v;
  qb_arena_init(&a, 1024);
  int rc = qb_manifest_file__to_value(&v, &f, &a, err);
  if (!rc) rc = qb_avro_writer_append(w->avro, &v, err);
  qb_arena_release(&a);
  return rc ? qb_err_wrap(err, "writing manifest list %s", w->path) : QB_OK;
}

/* Whether the list `r` reads holds records exactly as this writer would encode them: a v2 list whose writer
 * schema is ours, byte for byte, and whose codec is ours, not yet read from. Every field of such a record is
 * final: v2 lists store explicit sequence numbers (assigned when the list was written, spec "Sequence Number
 * Inheritance" applies only to manifests added by the committing snapshot) and every count. */
static int copyable(bool *out, const qb_manifest_list_writer *w, const qb_manifest_list_reader *r, qb_err *err)
{
  *out = false;
  if (!r->avro || r->format_version != 2 || qb_avro_reader_blocks(r->avro) != 0 ||
      qb_avro_reader_codec(r->avro) != w->codec)
    return QB_OK;
  qb_slice text;
  if (!qb_avro_reader_meta(r->avro, "avro.schema", &text)) return QB_OK;
  char *ours;
  size_t n;
  int rc = qb_avro_schema_to_json(&ours, &n, w->schema, err);
  if (rc) return rc;
  *out = n == text.n && !memcmp(ours, text.p, n);
  free(ours);
  return QB_OK;
}

int qb_manifest_list_writer__append_rest(qb_manifest_list_writer *w, qb_manifest_list_reader *r, bool *verbatim,
                                         qb_err *err)
{
  bool copy;
  int rc = copyable(&copy, w, r, err);
  if (verbatim) *verbatim = copy && !rc;
  while (!rc && copy) {
    qb_avro_block b;
    if ((rc = qb_avro_reader_next_block(&b, r->avro, false, err)) || !b.stored.p) break;
    rc = qb_avro_writer_append_block(w->avro, b.records, b.stored, w->codec, err);
  }
  if (rc) return qb_err_wrap(err, "copying manifest list %s into %s", r->file ? qb_file_path(r->file) : "(inline)", w->path);
  while (!copy) { /* entries that need upgrading (v1, other schema or codec): decoded and written anew */
    const qb_manifest_file *mf;
    if ((rc = qb_manifest_list_reader_next(&mf, r, err)) || !mf) break;
    if ((rc = qb_manifest_list_writer_append(w, mf, err))) break;
  }
  return rc;
}

int qb_manifest_list_writer_close(qb_manifest_list_writer *w, qb_err *err)
{
  int rc = qb_avro_writer_close(w->avro, err);
  w->avro = NULL;
  if (!rc) {
    rc = qb_writer_close(w->dst, err);
    w->dst = NULL;
  }
  if (rc) qb_err_wrap(err, "writing manifest list %s", w->path);
  qb_manifest_list_writer_abort(w);
  return rc;
}

void qb_manifest_list_writer_abort(qb_manifest_list_writer *w)
{
  if (!w) return;
  qb_avro_writer_abort(w->avro);
  qb_writer_abort(w->dst);
  qb_avro_schema_free(w->own_schema);
  free(w->path);
  free(w);
}
