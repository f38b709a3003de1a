/* SPDX-License-Identifier: Apache-2.0 */
/* qb_avro_schema_cache: files read through a cache give the values an uncached reader gives, with and without
 * a reader schema, for one shared writer schema and for more distinct ones than the cache holds; a bad schema
 * in a file is QB_ECORRUPT through the cache too; a pinned cache keeps every entry while its readers are open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/schema_cache.h"
#include "harness.h"
#include "qberg/avro.h"
#include "qberg/fileio.h"

static int write_file(qb_fileio *io, const char *path, const char *schema_json, int64_t base, bool name_first,
                      qb_err *err)
{
  qb_avro_schema *s;
  int rc = qb_avro_schema_parse(&s, schema_json, strlen(schema_json), err);
  if (rc) return rc;
  qb_writer *dst;
  qb_avro_writer *w = NULL;
  if ((rc = qb_fileio_create(&dst, io, path, QB_CREATE_OVERWRITE, err)) == QB_OK &&
      (rc = qb_avro_writer_open(&w, dst, s, NULL, err)) == QB_OK) {
    for (int64_t i = 0; rc == QB_OK && i < 3; i++) {
      char name[16];
      snprintf(name, sizeof name, "n%lld", (long long)(base + i));
      qb_value id = {.kind = QB_V_INT64, .u.i64 = base + i};
      qb_value nm = {.kind = QB_V_STRING, .u.bytes = {(const uint8_t *)name, strlen(name)}};
      qb_value items[2] = {name_first ? nm : id, name_first ? id : nm};
      qb_value v = {.kind = QB_V_STRUCT, .u.seq = {items, 2}};
      rc = qb_avro_writer_append(w, &v, err);
    }
    if (rc == QB_OK) rc = qb_avro_writer_close(w, err);
    else qb_avro_writer_abort(w);
    if (rc == QB_OK) rc = qb_writer_close(dst, err);
    else qb_writer_abort(dst);
  }
  qb_avro_schema_free(s);
  return rc;
}

/* The records of `path` as text "id:name;..." (or "name;..." when projected). */
static int dump(char *out, size_t cap, qb_fileio *io, const char *path, const qb_avro_schema *reader,
                qb_avro_schema_cache *cache, qb_err *err)
{
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.reader_schema = reader;
  o.schema_cache = cache;
  qb_avro_reader *r;
  int rc = qb_avro_reader_open_path(&r, io, path, &o, err);
  if (rc) return rc;
  size_t k = 0;
  out[0] = '\0';
  const qb_value *v;
  while ((rc = qb_avro_reader_next(&v, r, err)) == QB_OK && v) {
    for (size_t i = 0; i < v->u.seq.n && k < cap - 40; i++) {
      const qb_value *x = &v->u.seq.items[i];
      if (x->kind == QB_V_INT64) k += (size_t)snprintf(out + k, cap - k, "%lld:", (long long)x->u.i64);
      else k += (size_t)snprintf(out + k, cap - k, "%.*s;", (int)x->u.bytes.n, (const char *)x->u.bytes.p);
    }
  }
  qb_avro_reader_close(r);
  return rc;
}

#define SCHEMA_A                                                                                      \
  "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"field-id\":1}," \
  "{\"name\":\"name\",\"type\":\"string\",\"field-id\":2}]}"
#define PROJ "{\"type\":\"record\",\"name\":\"p\",\"fields\":[{\"name\":\"name\",\"type\":\"string\",\"field-id\":2}]}"

QB_TEST(cached_reads_equal_uncached)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  qb_avro_schema_cache *cache;
  CHECK_OK(qb_avro_schema_cache_new(&cache, &err), &err);
  qb_avro_schema *proj;
  CHECK_OK(qb_avro_schema_parse(&proj, PROJ, strlen(PROJ), &err), &err);
  /* 20 files: 10 with schema A, 10 with 10 distinct texts (a doc each, fields swapped): 11 texts per round
   * through a 16-entry cache, read in two rounds with two reader schemas: 22 combinations, so entries are
   * evicted and parsed again */
  char path[20][600];
  for (int i = 0; i < 20; i++) {
    snprintf(path[i], sizeof path[i], "%s/f%d.avro", qb_test_tmpdir(), i);
    char schema[512];
    if (i % 2)
      snprintf(schema, sizeof schema,
               "{\"type\":\"record\",\"name\":\"r\",\"doc\":\"v%d\",\"fields\":[{\"name\":\"name\",\"type\":\"string\","
               "\"field-id\":2},{\"name\":\"id\",\"type\":\"long\",\"field-id\":1}]}",
               i);
    else
      snprintf(schema, sizeof schema, "%s", SCHEMA_A);
    CHECK_OK(write_file(io, path[i], schema, i * 10, i % 2, &err), &err);
  }
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < 20; i++) {
      char want[512], got[512];
      const qb_avro_schema *reader = round ? proj : NULL;
      CHECK_OK(dump(want, sizeof want, io, path[i], reader, NULL, &err), &err);
      CHECK_OK(dump(got, sizeof got, io, path[i], reader, cache, &err), &err);
      EXPECT(!strcmp(want, got));
      if (round) {
        char exp[64];
        snprintf(exp, sizeof exp, "n%d;n%d;n%d;", i * 10, i * 10 + 1, i * 10 + 2);
        EXPECT(!strcmp(got, exp));
      }
    }
  /* a file whose header holds a schema that does not parse: corrupt, cached or not */
  char bad[600];
  snprintf(bad, sizeof bad, "%s/bad.avro", qb_test_tmpdir());
  static const char hdr[] = "Obj\x01\x02\x16"
                            "avro.schema\x08{bad\x00"
                            "0123456789abcdef";
  CHECK_OK(qb_fileio_write_all(io, bad, hdr, sizeof hdr - 1, QB_CREATE_OVERWRITE, &err), &err);
  char got[64];
  CHECK_FAIL(dump(got, sizeof got, io, bad, proj, cache, &err), QB_ECORRUPT, &err, "avro.schema");
  CHECK_FAIL(dump(got, sizeof got, io, bad, NULL, NULL, &err), QB_ECORRUPT, &err, "avro.schema");
  qb_avro_schema_free(proj);
  qb_avro_schema_cache_free(cache);
  qb_fileio_free(io);
}

/* A pinned cache (qb_avro__cache_new_pinned, the manifests' process-wide cache) never replaces an entry: 20
 * readers of 20 distinct schema texts stay open together (the 5 beyond its 16 entries parse their own
 * schema) and each reads what an uncached reader reads. */
QB_TEST(pinned_cache_keeps_entries_of_open_readers)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  qb_avro_schema_cache *cache;
  CHECK_OK(qb_avro__cache_new_pinned(&cache, &err), &err);
  enum { N = 20 };
  char path[N][600];
  qb_avro_reader *r[N];
  for (int i = 0; i < N; i++) {
    snprintf(path[i], sizeof path[i], "%s/p%d.avro", qb_test_tmpdir(), i);
    char schema[512];
    snprintf(schema, sizeof schema,
             "{\"type\":\"record\",\"name\":\"r\",\"doc\":\"p%d\",\"fields\":[{\"name\":\"id\",\"type\":\"long\","
             "\"field-id\":1},{\"name\":\"name\",\"type\":\"string\",\"field-id\":2}]}",
             i);
    CHECK_OK(write_file(io, path[i], schema, i * 10, false, &err), &err);
  }
  for (int i = 0; i < N; i++) {
    qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
    o.schema_cache = cache;
    CHECK_OK(qb_avro_reader_open_path(&r[i], io, path[i], &o, &err), &err);
  }
  for (int i = 0; i < N; i++) {
    char want[512], got[512] = "";
    CHECK_OK(dump(want, sizeof want, io, path[i], NULL, NULL, &err), &err);
    size_t k = 0;
    const qb_value *v;
    int rc;
    while ((rc = qb_avro_reader_next(&v, r[i], &err)) == QB_OK && v)
      k += (size_t)snprintf(got + k, sizeof got - k, "%lld:%.*s;", (long long)v->u.seq.items[0].u.i64,
                            (int)v->u.seq.items[1].u.bytes.n, (const char *)v->u.seq.items[1].u.bytes.p);
    CHECK_OK(rc, &err);
    EXPECT(!strcmp(want, got));
  }
  for (int i = 0; i < N; i++) qb_avro_reader_close(r[i]);
  qb_avro_schema_cache_free(cache);
  qb_fileio_free(io);
}
