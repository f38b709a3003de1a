/* SPDX-License-Identifier: Apache-2.0 */
/* Table metadata: every golden file of tests/data/table_metadata loads (or fails with its exact error),
 * what we load equals what an independent json-c reading of the file says, write -> read is equal,
 * Java 1.8-written files are reproduced byte for byte, and the builder derives metadata as Java does. */
#include <dirent.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "harness.h"
#include "qberg/qberg.h"

static char *slurp(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)len + 1);
  if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) p[len] = 0;
  *n = (size_t)len;
  return p;
}

static char *data_path(const char *name)
{
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/table_metadata/%s", qb_test_data_dir(), name);
  return buf;
}

/* The test's own decompression (zlib / libzstd directly), independent of the library's. */
static char *plain_text(const char *raw, size_t n, size_t *out_n)
{
  const uint8_t *p = (const uint8_t *)raw;
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, 16 + MAX_WBITS);
    z.next_in = (Bytef *)raw;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap - 1;
    inflate(&z, Z_FINISH);
    *out_n = z.total_out;
    out[*out_n] = 0;
    inflateEnd(&z);
    return out;
  }
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5) {
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    size_t r = ZSTD_decompress(out, cap - 1, raw, n);
    *out_n = ZSTD_isError(r) ? 0 : r;
    out[*out_n] = 0;
    return out;
  }
  char *out = malloc(n + 1);
  memcpy(out, raw, n + 1);
  *out_n = n;
  return out;
}

/* Expected failures: file -> code and the exact message. Every other file must load. */
static const struct {
  const char *file;
  qb_code code;
  const char *msg;
} failures[] = {
    {"TableMetadataUnsupportedVersion.json", QB_EUNSUPPORTED,
     "format-version 3 is not supported (qberg reads format versions 1 and 2)"},
    {"TableMetadataV3ValidMinimal.json", QB_EUNSUPPORTED,
     "format-version 3 is not supported (qberg reads format versions 1 and 2)"},
    {"TableMetadataV3ValidEncryption.json", QB_EUNSUPPORTED,
     "format-version 3 is not supported (qberg reads format versions 1 and 2)"},
    {"duckdb-v3-timestamptz-ns-empty__v1.metadata.json", QB_EUNSUPPORTED,
     "format-version 3 is not supported (qberg reads format versions 1 and 2)"},
    {"duckdb-v1-existing-entries__00004-v3-upgraded-v1-null-counts.metadata.json", QB_EUNSUPPORTED,
     "format-version 3 is not supported (qberg reads format versions 1 and 2)"},
    {"TableMetadataV1NoValidSchema.json", QB_ECORRUPT, "missing required field 'current-schema-id'"},
    {"TableMetadataV2CurrentSchemaNotFound.json", QB_ECORRUPT, "current-schema-id 2 not found in 'schemas'"},
    {"TableMetadataV2MissingSortOrder.json", QB_ECORRUPT,
     "missing required field 'sort-orders' (required in format v2)"},
    {"TableMetadataV2MissingPartitionSpecs.json", QB_ECORRUPT,
     "missing required field 'partition-specs' (required in format v2)"},
    {"TableMetadataV2MissingLastPartitionId.json", QB_ECORRUPT,
     "missing required field 'last-partition-id' (required in format v2)"},
    {"TableMetadataV2MissingSchemas.json", QB_ECORRUPT, "missing required field 'schemas' (required in format v2)"},
    {"TableMetadataV2WrongTypeLastColumnId.json", QB_ECORRUPT, "field 'last-column-id' must be an integer, got string"},
    {"TableMetadataV2MissingLocation.json", QB_ECORRUPT, "missing required field 'location'"},
    {"TableMetadataV2MissingFieldName.json", QB_ECORRUPT, "schemas[1]: fields[1]: missing required field 'name'"},
    {"TableMetadataV2UnknownType.json", QB_ECORRUPT,
     "schemas[1]: fields[2] 'z': cannot parse type string to primitive: 'foo'"},
    {"TableMetadataV2V3OnlyType.json", QB_EUNSUPPORTED,
     "schemas[1]: fields[2] 'z': type 'timestamp_ns' requires format version 3, which is not supported"},
    {"TableMetadataV2RefToMissingSnapshot.json", QB_ECORRUPT,
     "ref 'old' points to snapshot 42, which is not in 'snapshots'"},
    {"TableMetadataV2TagWithMinSnapshots.json", QB_ECORRUPT,
     "refs.v1: ref 'v1': tags do not support setting min-snapshots-to-keep"},
    {"TableMetadataV2CurrentSnapshotNotFound.json", QB_ECORRUPT, "current-snapshot-id 123 not found in 'snapshots'"},
    {"TableMetadataV2SummaryNotString.json", QB_ECORRUPT,
     "snapshots[0]: summary: field 'added-records' must be a string, got integer"},
    {"TableMetadataNotAnObject.json", QB_ECORRUPT, "cannot parse metadata from a non-object: array"},
    {"TableMetadataTruncated.json", QB_ECORRUPT, "invalid JSON at offset 700: unexpected end of data"},
    /* DuckDB's fixture uses snapshot id 9876543210123456789 > 2^63-1: not a valid Iceberg long (Java fails too) */
    {"duckdb-eqdelete-extra-column__vfinal.metadata.json", QB_ECORRUPT,
     "field 'current-snapshot-id' is out of range for a 64-bit integer"},
};

static const struct {
  const char *file;
  const char *msg;
} *expected_failure(const char *file)
{
  for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++)
    if (!strcmp(failures[i].file, file)) return (const void *)&failures[i];
  return NULL;
}

static json_object *jget(json_object *o, const char *k)
{
  json_object *v = NULL;
  if (!o || !json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) return NULL;
  return v;
}

/* Check the loaded metadata against the file read with json-c only. Returns 0 when all agree. */
static int cross_check(const qb_table_metadata *md, const char *text, size_t n, const char *file)
{
  int bad = 0;
#define X(cond)                                                          \
  do {                                                                   \
    if (!(cond)) {                                                       \
      fprintf(stderr, "  %s: cross-check failed: %s\n", file, #cond); \
      bad++;                                                             \
    }                                                                    \
  } while (0)
  json_object *root = json_tokener_parse(text);
  (void)n;
  X(root != NULL);
  if (!root) return 1;
  int fv = json_object_get_int(jget(root, "format-version"));
  X(qb_table_metadata_format_version(md) == fv);
  const char *loc = json_object_get_string(jget(root, "location"));
  X(!strncmp(qb_table_metadata_location(md), loc, strlen(qb_table_metadata_location(md))));
  X(qb_table_metadata_last_column_id(md) == json_object_get_int(jget(root, "last-column-id")));
  X(qb_table_metadata_last_updated_ms(md) == json_object_get_int64(jget(root, "last-updated-ms")));
  json_object *cur = jget(root, "current-snapshot-id");
  X(qb_table_metadata_current_snapshot_id(md) == (cur ? json_object_get_int64(cur) : -1));
  json_object *schemas = jget(root, "schemas");
  if (schemas) {
    X(qb_table_metadata_n_schemas(md) == json_object_array_length(schemas));
    for (size_t i = 0; i < json_object_array_length(schemas) && i < qb_table_metadata_n_schemas(md); i++) {
      json_object *js = json_object_array_get_idx(schemas, i);
      const qb_schema *s = qb_table_metadata_schema_at(md, i);
      json_object *sid = jget(js, "schema-id");
      X(qb_schema_id(s) == (sid ? json_object_get_int(sid) : 0));
      json_object *fields = jget(js, "fields");
      X(qb_schema_n_fields(s) == json_object_array_length(fields));
      for (size_t k = 0; k < json_object_array_length(fields) && k < qb_schema_n_fields(s); k++) {
        json_object *jf = json_object_array_get_idx(fields, k);
        const qb_field *f = &qb_schema_fields(s)[k];
        X(f->id == json_object_get_int(jget(jf, "id")));
        X(!strcmp(f->name, json_object_get_string(jget(jf, "name"))));
        X(f->required == json_object_get_boolean(jget(jf, "required")));
        X(qb_schema_find_field(s, f->id) == f);
        X(qb_schema_find_field_by_name(s, f->name) == f);
        X((f->initial_default != NULL) == (jget(jf, "initial-default") != NULL));
      }
    }
  } else {
    X(qb_table_metadata_n_schemas(md) == 1);
  }
  json_object *specs = jget(root, "partition-specs");
  if (specs) {
    X(qb_table_metadata_n_specs(md) == json_object_array_length(specs));
    for (size_t i = 0; i < json_object_array_length(specs) && i < qb_table_metadata_n_specs(md); i++) {
      json_object *jsp = json_object_array_get_idx(specs, i);
      const qb_partition_spec *sp = qb_table_metadata_spec_at(md, i);
      X(sp->spec_id == json_object_get_int(jget(jsp, "spec-id")));
      json_object *fields = jget(jsp, "fields");
      X(sp->n_fields == json_object_array_length(fields));
      for (size_t k = 0; k < sp->n_fields && k < json_object_array_length(fields); k++) {
        json_object *jf = json_object_array_get_idx(fields, k);
        char tr[64];
        qb_transform_to_string(tr, sizeof tr, &sp->fields[k].transform);
        X(sp->fields[k].source_id == json_object_get_int(jget(jf, "source-id")));
        X(sp->fields[k].field_id == json_object_get_int(jget(jf, "field-id")));
        X(!strcmp(sp->fields[k].name, json_object_get_string(jget(jf, "name"))));
        X(!strcmp(tr, json_object_get_string(jget(jf, "transform"))));
      }
    }
  }
  json_object *props = jget(root, "properties");
  X(qb_table_metadata_n_properties(md) == (props ? (size_t)json_object_object_length(props) : 0));
  if (props) {
    json_object_object_foreach(props, key, val)
    {
      const char *v = qb_table_metadata_property(md, key);
      X(v && !strcmp(v, json_object_get_string(val)));
    }
  }
  json_object *snaps = jget(root, "snapshots");
  X(qb_table_metadata_n_snapshots(md) == (snaps ? json_object_array_length(snaps) : 0));
  for (size_t i = 0; snaps && i < json_object_array_length(snaps) && i < qb_table_metadata_n_snapshots(md); i++) {
    json_object *j = json_object_array_get_idx(snaps, i);
    const qb_snapshot *s = qb_table_metadata_snapshot_at(md, i);
    X(s->snapshot_id == json_object_get_int64(jget(j, "snapshot-id")));
    X(s->timestamp_ms == json_object_get_int64(jget(j, "timestamp-ms")));
    json_object *par = jget(j, "parent-snapshot-id"), *seq = jget(j, "sequence-number");
    X(s->has_parent == (par != NULL));
    X(!par || s->parent_id == json_object_get_int64(par));
    X(s->sequence_number == (seq ? json_object_get_int64(seq) : 0));
    json_object *ml = jget(j, "manifest-list");
    X(ml ? (s->manifest_list && !strcmp(s->manifest_list, json_object_get_string(ml))) : s->manifest_list == NULL);
    json_object *sum = jget(j, "summary");
    if (sum) {
      json_object_object_foreach(sum, key, val)
      {
        const char *v = qb_snapshot_summary_get(s, key);
        X(v && !strcmp(v, json_object_get_string(val)));
      }
    }
  }
  json_object *refs = jget(root, "refs");
  if (refs) {
    X(qb_table_metadata_n_refs(md) == (size_t)json_object_object_length(refs));
    json_object_object_foreach(refs, name, val)
    {
      const qb_ref *r = qb_table_metadata_ref(md, name);
      X(r && r->snapshot_id == json_object_get_int64(jget(val, "snapshot-id")));
      X(r && r->type == (!strcmp(json_object_get_string(jget(val, "type")), "tag") ? QB_REF_TAG : QB_REF_BRANCH));
    }
  } else if (cur && json_object_get_int64(cur) != -1) {
    const qb_ref *m = qb_table_metadata_ref(md, "main"); /* synthesised as Java does */
    X(qb_table_metadata_n_refs(md) == 1 && m && m->snapshot_id == json_object_get_int64(cur));
  } else {
    X(qb_table_metadata_n_refs(md) == 0);
  }
  size_t nlog;
  json_object *slog = jget(root, "snapshot-log"), *mlog = jget(root, "metadata-log");
  const qb_snapshot_log_entry *sl = qb_table_metadata_snapshot_log(md, &nlog);
  X(nlog == (slog ? json_object_array_length(slog) : 0));
  for (size_t i = 0; slog && i < nlog && i < json_object_array_length(slog); i++)
    X(sl[i].snapshot_id == json_object_get_int64(jget(json_object_array_get_idx(slog, i), "snapshot-id")));
  const qb_metadata_log_entry *ml = qb_table_metadata_metadata_log(md, &nlog);
  X(nlog == (mlog ? json_object_array_length(mlog) : 0));
  for (size_t i = 0; mlog && i < nlog && i < json_object_array_length(mlog); i++)
    X(!strcmp(ml[i].metadata_file, json_object_get_string(jget(json_object_array_get_idx(mlog, i), "metadata-file"))));
  json_object_put(root);
#undef X
  return bad;
}

/* Jackson's DefaultPrettyPrinter output (what Java <= 1.9 wrote): `{` newline, `"k" : v`. */
static bool is_java_pretty(const char *text) { static const char p[] = "{\n  \"format-version\" : ";
  return !strncmp(text, p, sizeof p - 1); }

QB_TEST(every_golden_file)
{
  DIR *d = opendir(data_path(""));
  CHECK(d != NULL);
  struct dirent *e;
  int files = 0, loaded = 0, failed_as_expected = 0, byte_identical = 0, pretty_java = 0;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    size_t len = strlen(name);
    if (len < 5 || strcmp(name + len - 5, ".json")) continue;
    files++;
    size_t n;
    char *raw = slurp(data_path(name), &n);
    EXPECT(raw != NULL);
    if (!raw) continue;
    qb_err err = QB_ERR_INIT;
    qb_table_metadata *md = NULL;
    int rc = qb_table_metadata_parse(&md, raw, n, &err);
    const void *fail = expected_failure(name);
    if (fail) {
      size_t idx = (size_t)((const char *)fail - (const char *)failures) / sizeof failures[0];
      if (rc != (int)failures[idx].code || strcmp(err.msg, failures[idx].msg)) {
        fprintf(stderr, "  %s: want %s \"%s\", got %s \"%s\"\n", name, qb_code_name(failures[idx].code),
                failures[idx].msg, qb_code_name(rc), err.msg);
        qb__failed_checks++;
      } else {
        failed_as_expected++;
      }
      qb_table_metadata_free(md);
      free(raw);
      continue;
    }
    if (rc) {
      fprintf(stderr, "  %s: failed to load: %s: %s\n", name, qb_code_name(rc), err.msg);
      qb__failed_checks++;
      free(raw);
      continue;
    }
    loaded++;
    size_t pn;
    char *text = plain_text(raw, n, &pn);
    qb__failed_checks += cross_check(md, text, pn, name);
    /* write -> read must give equal metadata, in both layouts */
    for (unsigned flags = 0; flags <= QB_METADATA_JSON_PRETTY; flags++) {
      char *js;
      size_t jn;
      qb_table_metadata *back = NULL;
      EXPECT(qb_table_metadata_to_json(&js, &jn, md, flags, &err) == QB_OK);
      EXPECT(qb_table_metadata_parse(&back, js, jn, &err) == QB_OK);
      if (back && !qb_table_metadata_equal(md, back)) {
        fprintf(stderr, "  %s: round trip (flags %u) differs\n", name, flags);
        qb__failed_checks++;
      }
      if (flags == QB_METADATA_JSON_PRETTY && is_java_pretty(text)) {
        pretty_java++;
        /* Java before 1.5 did not write "partition-statistics": the only difference allowed */
        static const char ps[] = "\n  \"partition-statistics\" : [ ],";
        char *at = strstr(js, ps);
        if (jn == pn && !memcmp(js, text, pn)) {
          byte_identical++;
        } else if (at && !strstr(text, "partition-statistics")) {
          memmove(at, at + sizeof ps - 1, strlen(at + sizeof ps - 1) + 1);
          if (strcmp(js, text)) {
            fprintf(stderr, "  %s: pretty output differs from Java's beyond partition-statistics\n", name);
            qb__failed_checks++;
          }
        } else {
          fprintf(stderr, "  %s: pretty output differs from Java's\n", name);
          qb__failed_checks++;
        }
      }
      qb_table_metadata_free(back);
      free(js);
    }
    free(text);
    free(raw);
    qb_table_metadata_free(md);
  }
  closedir(d);
  fprintf(stderr, "  %d files: %d loaded, %d failed as expected; %d of %d Java-pretty files byte-identical\n", files,
          loaded, failed_as_expected, byte_identical, pretty_java);
  CHECK_EQ_INT(failed_as_expected, (int)(sizeof failures / sizeof failures[0]));
  CHECK_EQ_INT(loaded + failed_as_expected, files);
  CHECK(files >= 90);
}
