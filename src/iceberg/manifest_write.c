/* SPDX-License-Identifier: Apache-2.0 */
/* Writing v2 manifests as Java's ManifestWriter.V2Writer (spec "Manifests"): Java's Avro schema and
 * header metadata, entries streamed to the file, counts, min data sequence number and partition summaries
 * gathered for the manifest list. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/manifest_int.h"

struct qb_manifest_writer {
  qb_writer *dst;
  qb_avro_writer *avro;
  const qb_avro_schema *schema; /* shared, or own_schema */
  qb_avro_schema *own_schema;
  qb_arena meta; /* the partition type */
  qb_type ptype;
  char *path;
  int32_t spec_id;
  qb_manifest_content content;
  int64_t snapshot_id;
  qb_partition_summary *summary;
  int32_t added_files, existing_files, deleted_files;
  int64_t added_rows, existing_rows, deleted_rows;
  int64_t min_seq; /* lowest assigned data sequence number of a live entry, or QB_UNASSIGNED */
  int failed;      /* an error after an entry reached the file leaves the manifest unusable */
};

static int meta_json(qb_avro_writer *avro, const char *key, const qb_partition_spec *spec, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  qb_buf_init(&b, (size_t)16 << 20);
  qb_jw_init(&w, &b, false, err);
  qb_partition_spec__fields_to_json(&w, spec);
  int rc = qb_jw_finish(&w);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (!rc) rc = qb_avro_writer_set_meta_str(avro, key, (const char *)b.p, err);
  qb_buf_free(&b);
  return rc;
}

int qb_manifest_writer_open(qb_manifest_writer **out, qb_fileio *io, const char *path, const qb_schema *schema,
                            const qb_partition_spec *spec, qb_manifest_content content, int64_t snapshot_id,
                            const qb_manifest_write_options *opts, qb_err *err)
{
  *out = NULL;
  if ((unsigned)content > QB_MANIFEST_DELETES)
    return QB_FAIL(err, QB_EINVAL, "manifest %s: content %d is not data or deletes", path, (int)content);
  qb_manifest_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    return QB_FAIL(err, QB_ENOMEM, "out of memory writing manifest %s", path);
  }
  qb_arena_init(&w->meta, 1024);
  w->spec_id = spec->spec_id;
  w->content = content;
  w->snapshot_id = snapshot_id < 0 ? QB_UNASSIGNED : snapshot_id;
  w->min_seq = QB_UNASSIGNED;
  char *schema_json = NULL, *ice = NULL, spec_id[16];
  snprintf(spec_id, sizeof spec_id, "%d", (int)spec->spec_id);
  int rc = qb_partition_spec_validate(spec, schema, err);
  if (!rc) rc = qb_manifest__partition_type(&w->ptype, &w->meta, spec, schema, err);
  if (!rc) rc = qb_partition_summary__new(&w->summary, &w->ptype, err);
  if (!rc) rc = qb_manifest__entry_schema(&w->schema, &w->own_schema, &w->ptype, QB_MANIFEST_SCHEMA_WRITE, err);
  if (!rc) rc = qb_manifest__entry_iceberg_json(&ice, &w->ptype, err);
  if (!rc) rc = qb_schema_to_json(&schema_json, schema, err);
  if (!rc) rc = qb_manifest__open_avro(&w->dst, &w->avro, io, path, w->schema, opts, err);
  /* ManifestWriter.V2Writer: schema, partition-spec, partition-spec-id, format-version, content; Avro.write
   * adds iceberg.schema. (The spec also lists schema-id, which Java never writes.) */
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "schema", schema_json, err);
  if (!rc) rc = meta_json(w->avro, "partition-spec", spec, err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "partition-spec-id", spec_id, err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "format-version", "2", err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "content", content == QB_MANIFEST_DATA ? "data" : "deletes", err);
  if (!rc) rc = qb_avro_writer_set_meta_str(w->avro, "iceberg.schema", ice, err);
  free(schema_json);
  free(ice);
  if (rc) {
    qb_manifest_writer_abort(w);
    return qb_err_wrap(err, "writing manifest %s", path);
  }
  *out = w;
  return QB_OK;
}

static qb_value opt_long(int64_t x)
{
  qb_value v = qb_value_null();
  if (x >= 0) {
    v.kind = QB_V_INT64;
    v.u.i64 = x;
  }
  return v;
}

static int append(qb_manifest_writer *w, const qb_manifest_entry *e, qb_err *err)
{
  const qb_data_file *f = &e->data_file;
  const char *path = f->file_path ? f->file_path : "(null)";
  if (w->failed) return QB_FAIL(err, QB_EINVAL, "an earlier error left the manifest unusable");
  if ((unsigned)e->status > QB_ENTRY_DELETED)
    return QB_FAIL(err, QB_EINVAL, "%s: entry status %d is not 0, 1 or 2", path, (int)e->status);
  if ((w->content == QB_MANIFEST_DATA) != (f->content == QB_CONTENT_DATA))
    return QB_FAIL(err, QB_EINVAL, "%s: a %s file does not belong in a %s manifest", path,
                   f->content == QB_CONTENT_DATA ? "data" : "delete", w->content == QB_MANIFEST_DATA ? "data" : "delete");
  if (f->content == QB_CONTENT_EQUALITY_DELETES && (!f->equality_ids || !f->n_equality_ids))
    return QB_FAIL(err, QB_EINVAL, "%s: an equality delete file needs equality_ids", path);
  int64_t sid, seq = QB_UNASSIGNED, fseq = QB_UNASSIGNED;
  switch (e->status) {
  case QB_ENTRY_ADDED: /* GenericManifestEntry.wrapAppend: the commit's id, an explicit data seq if any */
    sid = w->snapshot_id;
    if (e->sequence_number >= 0) seq = e->sequence_number;
    break;
  case QB_ENTRY_EXISTING: /* wrapExisting: everything as it was */
    sid = e->snapshot_id;
    seq = e->sequence_number;
    fseq = e->file_sequence_number;
    break;
  default: /* wrapDelete: the deleting snapshot's id, the file's sequence numbers */
    sid = w->snapshot_id;
    seq = e->sequence_number;
    fseq = e->file_sequence_number;
    break;
  }
  /* V2Metadata.ManifestEntryWrapper: a null sequence number is only inherited by entries of this commit */
  if ((seq < 0 || (fseq < 0 && e->status != QB_ENTRY_ADDED)) && sid >= 0 && sid != w->snapshot_id)
    return QB_FAIL(err, QB_EINVAL, "%s: found unassigned sequence number for an entry from snapshot %" PRId64, path, sid);
  if (e->status == QB_ENTRY_EXISTING && sid < 0)
    return QB_FAIL(err, QB_EINVAL, "%s: an existing entry needs its snapshot id", path);

  qb_arena a;
  qb_arena_init(&a, 4096);
  qb_value *x = qb_ice__alloc(&a, QB_ME_N, sizeof *x, err);
  int rc = x ? qb_data_file__to_value(&x[QB_ME_DATA_FILE], f, &w->ptype, &a, err) : QB_ENOMEM;
  if (!rc) {
    x[QB_ME_STATUS].kind = QB_V_INT32;
    x[QB_ME_STATUS].u.i32 = (int32_t)e->status;
    x[QB_ME_SNAPSHOT_ID] = opt_long(sid);
    x[QB_ME_SEQ] = opt_long(seq);
    x[QB_ME_FILE_SEQ] = opt_long(fseq);
    qb_value rec = {.kind = QB_V_STRUCT};
    rec.u.seq.items = x;
    rec.u.seq.n = QB_ME_N;
    rc = qb_avro_writer_append(w->avro, &rec, err);
  }
  qb_arena_release(&a);
  if (rc) return rc;
  /* ManifestWriter.addEntry: counts and summaries over every entry, min sequence number over live ones */
  if ((rc = qb_partition_summary__update(w->summary, &f->partition, err))) {
    w->failed = rc;
    return rc;
  }
  switch (e->status) {
  case QB_ENTRY_ADDED:
    w->added_files++;
    w->added_rows += f->record_count;
    break;
  case QB_ENTRY_EXISTING:
    w->existing_files++;
    w->existing_rows += f->record_count;
    break;
  default:
    w->deleted_files++;
    w->deleted_rows += f->record_count;
    break;
  }
  if (e->status != QB_ENTRY_DELETED && seq >= 0 && (w->min_seq < 0 || seq < w->min_seq)) w->min_seq = seq;
  return QB_OK;
}

int qb_manifest_writer_append(qb_manifest_writer *w, const qb_manifest_entry *e, qb_err *err)
{
  int rc = append(w, e, err);
  return rc ? qb_err_wrap(err, "writing manifest %s", w->path) : QB_OK;
}

int qb_manifest_writer_add(qb_manifest_writer *w, const qb_data_file *f, qb_err *err)
{
  qb_manifest_entry e = {QB_ENTRY_ADDED, QB_UNASSIGNED, QB_UNASSIGNED, QB_UNASSIGNED, *f};
  return qb_manifest_writer_append(w, &e, err);
}

int qb_manifest_writer_close(qb_manifest_file **out, qb_manifest_writer *w, qb_err *err)
{
  if (out) *out = NULL;
  int rc = w->failed ? QB_FAIL(err, QB_EINVAL, "an earlier error left the manifest unusable")
                     : qb_avro_writer_close(w->avro, err);
  w->avro = NULL;
  uint64_t length = w->dst ? qb_writer_offset(w->dst) : 0;
  if (!rc) {
    rc = qb_writer_close(w->dst, err);
    w->dst = NULL;
  }
  if (!rc && out) {
    qb_partition_field_summary *s = calloc(w->ptype.n_fields ? w->ptype.n_fields : 1, sizeof *s);
    if (!s) rc = QB_FAIL(err, QB_ENOMEM, "out of memory summarising manifest %s", w->path);
    if (!rc) {
      qb_manifest_file m = {
          .manifest_path = w->path,
          .manifest_length = (int64_t)length,
          .partition_spec_id = w->spec_id,
          .content = w->content,
          .sequence_number = QB_UNASSIGNED, /* assigned by the manifest list writer at commit */
          .min_sequence_number = w->min_seq,
          .added_snapshot_id = w->snapshot_id,
          .added_files_count = w->added_files,
          .existing_files_count = w->existing_files,
          .deleted_files_count = w->deleted_files,
          .added_rows_count = w->added_rows,
          .existing_rows_count = w->existing_rows,
          .deleted_rows_count = w->deleted_rows,
          .n_partitions = qb_partition_summary__get(w->summary, s, w->ptype.n_fields),
          .partitions = s,
      };
      rc = qb_manifest_file_copy(out, &m, err);
    }
    free(s);
  }
  if (rc) qb_err_wrap(err, "writing manifest %s", w->path);
  qb_manifest_writer_abort(w);
  return rc;
}

void qb_manifest_writer_abort(qb_manifest_writer *w)
{
  if (!w) return;
  qb_avro_writer_abort(w->avro);
  qb_writer_abort(w->dst);
  qb_avro_schema_free(w->own_schema);
  qb_partition_summary__free(w->summary);
  qb_arena_release(&w->meta);
  free(w->path);
  free(w);
}
