/* SPDX-License-Identifier: Apache-2.0 */
/* qb_vqe_reader: the public, one-record-at-a-time face of the raw record parsers — JSON text (raw_vqe.c) or
 * an Avro Object Container File (raw_vqe_avro.c), told apart by the OCF magic. Each record lives in an arena
 * that is emptied when the next one is read, so memory follows the largest record (or Avro block). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/raw_vqe.h"
#include "qberg/avro.h"
#include "qberg/schema.h"
#include "util/arena.h"

struct qb_vqe_reader {
  qb_vqe_json_cursor cursor;
  qb_arena arena;
  qb_vqe_record rec;
  char *name;
  bool done;
  /* .avro */
  qb_file *file;
  qb_avro_reader *avro;
  uint64_t n_records;
};

/* The reader schema is parsed once per process (it is constant); parsing it per file doubled the cost of
 * opening a small .avro file. Read-only after the first use, so readers on several threads share it. */
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static qb_avro_schema *schema;
static qb_err schema_err;
static void parse_schema(void)
{
  qb_err_clear(&schema_err);
  if (qb_avro_schema_parse(&schema, qb_vqe_avro_schema_json, strlen(qb_vqe_avro_schema_json), &schema_err))
    schema = NULL;
}

/* The writer's type inside a union with null (a nullable field), or the type itself. */
static const qb_avro_node *bare(const qb_avro_node *n)
{
  const qb_avro_node *b = qb_avro_node_type(n) == QB_AVRO_UNION ? qb_avro_node_non_null(n) : n;
  return b ? b : n;
}

/* A field of the writer's records under `w` (matched to the reader's `rd`) that the reader schema does not
 * have, written to path (".foo" after the path so far); false when there is none. The JSON path rejects such
 * fields inside the structs of the experiment_id text (PIPELINE.md "Unknown fields"): Spark's to_json would
 * print them, so qberg's id could not be Spark's. */
static bool unknown_field(const qb_avro_node *w, const qb_avro_node *rd, char *path, size_t cap)
{
  w = bare(w);
  rd = bare(rd);
  size_t len = strlen(path);
  if (qb_avro_node_type(w) == QB_AVRO_ARRAY && qb_avro_node_type(rd) == QB_AVRO_ARRAY) {
    snprintf(path + len, cap - len, "[]");
    if (unknown_field(qb_avro_node_child(w, 0), qb_avro_node_child(rd, 0), path, cap)) return true;
  } else if (qb_avro_node_type(w) == QB_AVRO_RECORD && qb_avro_node_type(rd) == QB_AVRO_RECORD) {
    for (size_t i = 0; i < qb_avro_node_size(w); i++) {
      const char *name = qb_avro_node_field_name(w, i);
      int k = qb_avro_node_field_index(rd, name);
      snprintf(path + len, cap - len, ".%s", name);
      if (k < 0) return true;
      if (unknown_field(qb_avro_node_child(w, i), qb_avro_node_child(rd, (size_t)k), path, cap)) return true;
    }
  }
  path[len] = '\0';
  return false;
}

/* The id structs (molecule.molecule_data, vqe_result.initial_data) of the file's writer schema against the
 * reader's: QB_ECORRUPT naming the first field the reader schema lacks. */
static int check_id_structs(const qb_vqe_reader *r, qb_err *err)
{
  static const char *const paths[][2] = {{"molecule", "molecule_data"}, {"vqe_result", "initial_data"}};
  const qb_avro_node *w = qb_avro_schema_root(qb_avro_reader_writer_schema(r->avro));
  const qb_avro_node *rd = qb_avro_schema_root(schema);
  for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
    const qb_avro_node *wn = w, *rn = rd;
    for (int d = 0; d < 2 && wn && rn; d++) {
      wn = bare(wn);
      rn = bare(rn);
      int wi = qb_avro_node_type(wn) == QB_AVRO_RECORD ? qb_avro_node_field_index(wn, paths[p][d]) : -1;
      int ri = qb_avro_node_field_index(rn, paths[p][d]);
      wn = wi < 0 ? NULL : qb_avro_node_child(wn, (size_t)wi);
      rn = ri < 0 ? NULL : qb_avro_node_child(rn, (size_t)ri);
    }
    if (!wn || !rn) continue; /* absent: the records say so, field by field */
    char path[256];
    snprintf(path, sizeof path, "%s.%s", paths[p][0], paths[p][1]);
    if (unknown_field(wn, rn, path, sizeof path))
      return QB_FAIL(err, QB_ECORRUPT,
                     "%s: writer schema field %s: unknown field (not in the VQEDecoratedResult schema; it would "
                     "change experiment_id)",
                     r->name, path);
  }
  return QB_OK;
}

static int open_avro(qb_vqe_reader *r, const void *data, size_t n, qb_err *err)
{
  pthread_once(&schema_once, parse_schema);
  if (!schema) {
    if (err) *err = schema_err;
    return qb_err_wrap(err, "%s: VQEDecoratedResult schema", r->name);
  }
  int rc = qb_file_from_memory(&r->file, data, n, r->name, err);
  if (rc) return rc;
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = schema;
  o.max_record_bytes = QB_VQE_MAX_FILE_BYTES;
  rc = qb_avro_reader_open(&r->avro, r->file, &o, err);
  /* a writer schema that cannot become a VQEDecoratedResult is bad input, not a bad call */
  if (rc == QB_EINVAL) err->code = QB_ECORRUPT;
  if (rc) return qb_err_wrap(err, "%s: not a VQEDecoratedResult container", r->name);
  return check_id_structs(r, err);
}

int qb_vqe_reader_open(qb_vqe_reader **out, const char *name, const void *data, size_t n, qb_err *err)
{
  *out = NULL;
  if (!name) name = "(raw record)";
  if (n > QB_VQE_MAX_FILE_BYTES)
    return QB_FAIL(err, QB_ELIMIT, "%s: %zu bytes is more than a raw file may have (%zu)", name, n,
                   QB_VQE_MAX_FILE_BYTES);
  if (!data && n) return QB_FAIL(err, QB_EINVAL, "%s: no data", name);
  qb_vqe_reader *r = calloc(1, sizeof *r);
  char *copy = strdup(name);
  if (!r || !copy) {
    free(r);
    free(copy);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", name);
  }
  r->name = copy;
  qb_arena_init(&r->arena, 64 * 1024);
  if (n >= 4 && !memcmp(data, "Obj\x01", 4)) {
    int rc = open_avro(r, data, n, err);
    if (rc) {
      qb_vqe_reader_close(r);
      return rc;
    }
  } else {
    qb_vqe_json_cursor_init(&r->cursor, r->name, data ? data : "", n);
  }
  *out = r;
  return QB_OK;
}

static int next_avro(const qb_vqe_record **out, qb_vqe_reader *r, qb_err *err)
{
  const qb_value *v;
  int rc = qb_avro_reader_next(&v, r->avro, err);
  if (rc || !v) return rc;
  char where[320];
  snprintf(where, sizeof where, "%s: record %" PRIu64, r->name, r->n_records);
  if ((rc = qb_vqe_record_from_avro(&r->rec, v, where, &r->arena, err))) return rc;
  r->n_records++;
  *out = &r->rec;
  return QB_OK;
}

/* basis_set and backend partition most feature tables by identity (data/basis_set=<v>/backend=<v>/): a
 * value whose directory name a file system refuses (NAME_MAX, 255 bytes: "backend=" plus 247 escaped
 * bytes) would fail the whole batch at the first file written into it, and every batch after it, since the
 * file is never recorded. Such a record is rejected as any malformed one (200 escaped bytes: room for a
 * partition field of a longer name; real basis sets and backends are under 40). */
static int check_partition_values(const qb_vqe_record *rec, const char *name, uint64_t record, qb_err *err)
{
  static const size_t max = 200;
  const struct {
    const char *field;
    const qb_vqe_str *v;
  } f[2] = {{"basis_set", &rec->basis_set}, {"vqe_result.initial_data.backend", &rec->backend}};
  for (int i = 0; i < 2; i++) {
    size_t n = qb_partition_escaped_len(f[i].v->p, f[i].v->n);
    if (n > max)
      return QB_FAIL(err, QB_ECORRUPT,
                     "%s: record %" PRIu64 ": %s: a value of %zu bytes (%zu in a partition directory's name) is "
                     "too long for a partition value (at most %zu there)", name, record, f[i].field, f[i].v->n, n,
                     max);
  }
  return QB_OK;
}

int qb_vqe_reader_next(const qb_vqe_record **out, qb_vqe_reader *r, qb_err *err)
{
  *out = NULL;
  if (r->done) return QB_OK;
  qb_arena_release(&r->arena);
  qb_arena_init(&r->arena, 64 * 1024);
  int rc;
  if (r->avro) {
    rc = next_avro(out, r, err);
  } else {
    bool got;
    rc = qb_vqe_json_next(&r->rec, &got, &r->cursor, &r->arena, err);
    if (!rc && got) *out = &r->rec, r->n_records++;
  }
  if (!rc && *out) rc = check_partition_values(*out, r->name, r->n_records - 1, err);
  if (rc) *out = NULL;
  if (rc || !*out) r->done = true;
  return rc;
}

bool qb_vqe_reader__at_end(const qb_vqe_reader *r)
{
  if (r->done) return true;
  if (r->avro) return false;
  const qb_vqe_json_cursor *c = &r->cursor;
  for (size_t i = c->off; i < c->n; i++)
    if (c->p[i] != ' ' && c->p[i] != '\t' && c->p[i] != '\r' && c->p[i] != '\n') return false;
  return true;
}

void qb_vqe_reader_close(qb_vqe_reader *r)
{
  if (!r) return;
  qb_avro_reader_close(r->avro);
  qb_file_close(r->file);
  qb_arena_release(&r->arena);
  free(r->name);
  free(r);
}
