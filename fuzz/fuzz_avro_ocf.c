/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: an Avro object container file read from memory (header, schema JSON, codecs, blocks, every
 * value). Beyond "no crash": the writer schema's JSON must re-parse to the same JSON, every record must
 * print as JSON and survive encode -> decode unchanged, and a fixed Iceberg-like reader schema is resolved
 * against whatever writer schema the input carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/datum.h"
#include "qberg/avro.h"

#define CHECK_OR_DIE(cond, what)                                  \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "fuzz_avro_ocf: %s: %s\n", what, err.msg); \
      abort();                                                    \
    }                                                             \
  } while (0)

static const char *READER =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"long\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\",\"string\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"],\"default\":\"A\"},"
    "\"default\":\"B\"},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"default\":0,\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"bytes\",\"default\":\"\\u00ff\",\"field-id\":100},"
    "{\"name\":\"value_counts\",\"type\":[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":"
    "\"record\",\"name\":\"k119_v120\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":119},{\"name\":"
    "\"value\",\"type\":\"double\",\"field-id\":120}]}}],\"default\":null,\"field-id\":109},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"float\"]},\"default\":{\"a\":null}},"
    "{\"name\":\"fx\",\"type\":[\"null\",{\"type\":\"fixed\",\"name\":\"f16\",\"size\":16}],\"default\":null}"
    "]},\"field-id\":2}]}";

static void drain(qb_avro_reader *r, bool wrap, bool roundtrip)
{
  qb_err err = QB_ERR_INIT;
  const qb_avro_node *root = qb_avro_schema_root(qb_avro_reader_schema(r));
  qb_avro_plans *ps = NULL;
  const qb_avro_plan *plan = NULL;
  if (roundtrip) CHECK_OR_DIE(qb_avro__plans_new(&ps, &plan, root, root, wrap, &err) == QB_OK, "identity plan");
  qb_buf b;
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  qb_arena a;
  qb_arena_init(&a, 4096);
  for (int i = 0; i < 4096; i++) {
    const qb_value *v;
    if (qb_avro_reader_next(&v, r, &err) || !v) break;
    char *json;
    size_t n;
    CHECK_OR_DIE(qb_avro_value_to_json(&json, &n, root, v, wrap, &err) == QB_OK, "value to JSON");
    free(json);
    if (!roundtrip) continue;
    qb_buf_reset(&b);
    CHECK_OR_DIE(qb_avro__encode(&b, root, v, wrap, &err) == QB_OK, "encode a decoded value");
    qb_avro_cur c = {b.p, b.p + b.n};
    qb_avro_dec d;
    qb_value back;
    qb_avro__dec_init(&d, &a, (size_t)1 << 30);
    CHECK_OR_DIE(qb_avro__decode(&back, plan, &c, &d, &err) == QB_OK && c.p == c.end, "decode what we encoded");
    CHECK_OR_DIE(qb_value_equal(v, &back), "decode(encode(v)) == v");
    qb_arena_release(&a);
    qb_arena_init(&a, 4096);
  }
  qb_arena_release(&a);
  qb_buf_free(&b);
  qb_avro__plans_free(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static qb_avro_schema *reader_schema;
  qb_err err = QB_ERR_INIT;
  if (!reader_schema) CHECK_OR_DIE(qb_avro_schema_parse(&reader_schema, READER, strlen(READER), &err) == QB_OK, "reader");
  qb_file *f;
  if (qb_file_from_memory(&f, data, size, "fuzz.avro", &err)) return 0;
  qb_avro_read_options o = QB_AVRO_READ_OPTIONS_INIT;
  o.max_block_bytes = 1 << 20;
  o.max_header_bytes = 1 << 20;
  o.max_record_bytes = 1 << 22;
  o.read_ahead_bytes = 512; /* small windows: exercise the re-reads */
  o.wrap_unions = size & 1;
  qb_avro_reader *r;
  if (qb_avro_reader_open(&r, f, &o, &err) == QB_OK) {
    const qb_avro_schema *ws = qb_avro_reader_writer_schema(r);
    char *j1, *j2;
    size_t n1, n2;
    qb_avro_schema *again;
    CHECK_OR_DIE(qb_avro_schema_to_json(&j1, &n1, ws, &err) == QB_OK, "schema to JSON");
    CHECK_OR_DIE(qb_avro_schema_parse(&again, j1, n1, &err) == QB_OK, "re-parse our schema JSON");
    CHECK_OR_DIE(qb_avro_schema_to_json(&j2, &n2, again, &err) == QB_OK, "schema to JSON again");
    CHECK_OR_DIE(n1 == n2 && !memcmp(j1, j2, n1), "schema JSON is stable");
    free(j1);
    free(j2);
    qb_avro_schema_free(again);
    char *meta;
    size_t mn;
    CHECK_OR_DIE(qb_avro_reader_meta_to_json(&meta, &mn, r, &err) == QB_OK, "metadata to JSON");
    free(meta);
    drain(r, o.wrap_unions, o.wrap_unions);
    qb_avro_reader_close(r);
    /* the same file through a reader schema (resolution errors are expected, crashes are not) */
    o.reader_schema = reader_schema;
    if (qb_avro_reader_open(&r, f, &o, &err) == QB_OK) {
      drain(r, o.wrap_unions, false);
      qb_avro_reader_close(r);
    }
  }
  qb_file_close(f);
  return 0;
}
