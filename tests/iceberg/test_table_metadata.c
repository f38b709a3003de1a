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

/* ---- summaries ------------------------------------------------------------------------------- */

static const char *kv_get(const qb_kv *kv, size_t n, const char *k)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kv[i].key, k)) return kv[i].value;
  return NULL;
}

QB_TEST(summary_totals_match_java)
{
  /* Rebuild the summaries Java 1.8.1 wrote for icebird-java-bunnies from the same deltas. */
  size_t n;
  char *raw = slurp(data_path("icebird-java-bunnies__v5.metadata.json"), &n);
  CHECK(raw != NULL);
  qb_err err = QB_ERR_INIT;
  qb_table_metadata *md;
  CHECK_OK(qb_table_metadata_parse(&md, raw, n, &err), &err);
  free(raw);
  const qb_snapshot *s1 = qb_table_metadata_snapshot_at(md, 0), *s2 = qb_table_metadata_snapshot_at(md, 1),
                    *s3 = qb_table_metadata_snapshot_at(md, 2);
  qb_kv extra[] = {{"iceberg-version", qb_snapshot_summary_get(s1, "iceberg-version")}};
  struct {
    qb_summary_delta d;
    const qb_snapshot *prev, *want;
  } steps[] = {
      {{.added_data_files = 1, .added_records = 21, .added_files_size = 3407, .changed_partition_count = 1}, NULL, s1},
      {{.added_pos_delete_files = 1, .added_delete_files = 1, .added_files_size = 1376, .added_pos_deletes = 6,
        .changed_partition_count = 1},
       s1, s2},
      {{.added_data_files = 1, .added_eq_delete_files = 1, .added_delete_files = 1, .added_records = 1,
        .added_files_size = 5491, .added_eq_deletes = 1, .changed_partition_count = 1},
       s2, s3},
  };
  for (size_t i = 0; i < 3; i++) {
    qb_kv *kv;
    size_t nkv;
    /* Java appends the environment (iceberg-version) after the totals: emulate with extra at the end. */
    CHECK_OK(qb_snapshot_summary_build(&kv, &nkv, &steps[i].d, NULL, 0, steps[i].prev, &err), &err);
    CHECK_EQ_INT(nkv + 1, steps[i].want->n_summary);
    for (size_t k = 0; k < nkv; k++) {
      EXPECT(!strcmp(kv[k].key, steps[i].want->summary[k].key));
      EXPECT(!strcmp(kv[k].value, steps[i].want->summary[k].value));
    }
    free(kv);
  }
  /* custom entries come first; a previous snapshot without totals yields no totals */
  qb_snapshot bare = {.snapshot_id = 1, .operation = "append"};
  qb_summary_delta d = {.added_data_files = 2, .added_records = 10, .changed_partition_count = -1};
  qb_kv *kv;
  size_t nkv;
  CHECK_OK(qb_snapshot_summary_build(&kv, &nkv, &d, extra, 1, &bare, &err), &err);
  CHECK_EQ_INT(nkv, 3);
  CHECK_EQ_STR(kv[0].key, "iceberg-version");
  CHECK_EQ_STR(kv[1].key, "added-data-files");
  CHECK_EQ_STR(kv[2].value, "10");
  CHECK(kv_get(kv, nkv, "total-records") == NULL);
  free(kv);
  /* removals below zero drop the total */
  d = (qb_summary_delta){.deleted_records = 50, .deleted_data_files = 1, .changed_partition_count = 1};
  CHECK_OK(qb_snapshot_summary_build(&kv, &nkv, &d, NULL, 0, s1, &err), &err);
  CHECK(kv_get(kv, nkv, "total-records") == NULL);
  CHECK_EQ_STR(kv_get(kv, nkv, "total-data-files"), "0");
  CHECK_EQ_STR(kv_get(kv, nkv, "total-files-size"), "3407");
  free(kv);
  qb_kv dup[] = {{"added-records", "1"}};
  d = (qb_summary_delta){.added_records = 1, .changed_partition_count = -1};
  CHECK_FAIL(qb_snapshot_summary_build(&kv, &nkv, &d, dup, 1, NULL, &err), QB_EINVAL, &err,
             "duplicate snapshot summary key 'added-records'");
  qb_table_metadata_free(md);
}

/* ---- builder --------------------------------------------------------------------------------- */

static qb_snapshot snap(int64_t id, int64_t parent, int64_t seq, int64_t ts_ms, const char *ml)
{
  qb_snapshot s = {.snapshot_id = id, .has_parent = parent != 0, .parent_id = parent, .sequence_number = seq,
                   .timestamp_ms = ts_ms, .manifest_list = ml, .operation = "append", .has_schema_id = true};
  return s;
}

QB_TEST(builder_new_table_and_commits)
{
  qb_err err = QB_ERR_INIT;
  qb_field cols[] = {
      {.id = 1, .name = "run_id", .required = true, .type = qb_type_primitive(QB_T_LONG)},
      {.id = 2, .name = "processing_date", .required = true, .type = qb_type_primitive(QB_T_DATE)},
      {.id = 3, .name = "basis_set", .required = false, .type = qb_type_primitive(QB_T_STRING)},
  };
  qb_schema *schema;
  CHECK_OK(qb_schema_new(&schema, 0, cols, 3, NULL, 0, &err), &err);
  qb_partition_field pf[] = {{.source_id = 2, .name = "processing_date", .transform = {.kind = QB_TR_IDENTITY}},
                             {.source_id = 3, .name = "basis_set", .transform = {.kind = QB_TR_IDENTITY}}};
  qb_partition_spec spec = {0, 2, pf};
  qb_metadata_builder *b;
  CHECK_OK(qb_metadata_builder_new_table(&b, schema, &spec, NULL, "s3://lake/wh/chem/runs/",
                                         "6f3c0000-0000-4000-8000-000000000001", &err),
           &err);
  qb_table_metadata *v1;
  CHECK_OK(qb_metadata_builder_build(&v1, b, NULL, 1736499990000, &err), &err);
  char *js;
  size_t jn;
  CHECK_OK(qb_table_metadata_to_json(&js, &jn, v1, 0, &err), &err);
  /* Java's new-table layout: -1 current snapshot, 999 -> 1001 partition ids, zstd default, empty lists */
  CHECK_EQ_STR(js,
               "{\"format-version\":2,\"table-uuid\":\"6f3c0000-0000-4000-8000-000000000001\",\"location\":\"s3://"
               "lake/wh/chem/runs\",\"last-sequence-number\":0,\"last-updated-ms\":1736499990000,\"last-column-id\":3,"
               "\"current-schema-id\":0,\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,"
               "\"name\":\"run_id\",\"required\":true,\"type\":\"long\"},{\"id\":2,\"name\":\"processing_date\","
               "\"required\":true,\"type\":\"date\"},{\"id\":3,\"name\":\"basis_set\",\"required\":false,\"type\":"
               "\"string\"}]}],\"default-spec-id\":0,\"partition-specs\":[{\"spec-id\":0,\"fields\":[{\"name\":"
               "\"processing_date\",\"transform\":\"identity\",\"source-id\":2,\"field-id\":1000},{\"name\":"
               "\"basis_set\",\"transform\":\"identity\",\"source-id\":3,\"field-id\":1001}]}],\"last-partition-id\":"
               "1001,\"default-sort-order-id\":0,\"sort-orders\":[{\"order-id\":0,\"fields\":[]}],\"properties\":{"
               "\"write.parquet.compression-codec\":\"zstd\"},\"current-snapshot-id\":-1,\"refs\":{},\"snapshots\":[],"
               "\"statistics\":[],\"partition-statistics\":[],\"snapshot-log\":[],\"metadata-log\":[]}");
  free(js);

  /* commit 1: append + main */
  CHECK_OK(qb_metadata_builder_from(&b, v1, &err), &err);
  qb_snapshot s1 = snap(11, 0, 1, 1736500000100, "s3://lake/wh/chem/runs/metadata/snap-11-1-a.avro");
  CHECK_OK(qb_metadata_builder_add_snapshot(b, &s1, &err), &err);
  CHECK_OK(qb_metadata_builder_set_branch_snapshot(b, "main", 11, &err), &err);
  qb_table_metadata *v2;
  CHECK_OK(qb_metadata_builder_build(&v2, b, "s3://lake/wh/chem/runs/metadata/v1.metadata.json", 1736500000123, &err),
           &err);
  CHECK_EQ_INT(qb_table_metadata_current_snapshot_id(v2), 11);
  CHECK_EQ_INT(qb_table_metadata_last_sequence_number(v2), 1);
  CHECK(qb_table_metadata_ref(v2, "main")->snapshot_id == 11);
  size_t n;
  const qb_snapshot_log_entry *sl = qb_table_metadata_snapshot_log(v2, &n);
  CHECK(n == 1 && sl[0].snapshot_id == 11 && sl[0].timestamp_ms == 1736500000100);
  const qb_metadata_log_entry *ml = qb_table_metadata_metadata_log(v2, &n);
  CHECK(n == 1 && ml[0].timestamp_ms == 1736499990000);
  CHECK_EQ_STR(ml[0].metadata_file, "s3://lake/wh/chem/runs/metadata/v1.metadata.json");

  /* commit 2: a stale sequence number is a retryable conflict and poisons the builder */
  CHECK_OK(qb_metadata_builder_from(&b, v2, &err), &err);
  qb_snapshot stale = snap(12, 11, 1, 1736500001000, "m2");
  CHECK_FAIL(qb_metadata_builder_add_snapshot(b, &stale, &err), QB_ECONFLICT, &err,
             "cannot add snapshot with sequence number 1 older than last sequence number 1");
  qb_kv p = {"a", "b"};
  CHECK_FAIL(qb_metadata_builder_set_properties(b, &p, 1, &err), QB_ECONFLICT, &err, "older than last sequence number");
  qb_metadata_builder_free(b);

  /* commit 2 again, plus a tag, properties, previous-versions-max 1, a new schema and spec */
  CHECK_OK(qb_metadata_builder_from(&b, v2, &err), &err);
  qb_snapshot s2 = snap(12, 11, 2, 1736500002000, "m2");
  CHECK_OK(qb_metadata_builder_add_snapshot(b, &s2, &err), &err);
  CHECK_OK(qb_metadata_builder_set_branch_snapshot(b, "main", 12, &err), &err);
  qb_ref tag = QB_REF_INIT("v1.0", 11, QB_REF_TAG);
  tag.max_ref_age_ms = 86400000;
  CHECK_OK(qb_metadata_builder_set_ref(b, &tag, &err), &err);
  qb_ref badtag = QB_REF_INIT("bad", 11, QB_REF_TAG);
  badtag.min_snapshots_to_keep = 2;
  CHECK_FAIL(qb_metadata_builder_set_ref(b, &badtag, &err), QB_EINVAL, &err,
             "ref 'bad': tags do not support setting min-snapshots-to-keep");
  qb_metadata_builder_free(b);
  CHECK_OK(qb_metadata_builder_from(&b, v2, &err), &err);
  CHECK_OK(qb_metadata_builder_add_snapshot(b, &s2, &err), &err);
  CHECK_OK(qb_metadata_builder_set_branch_snapshot(b, "main", 12, &err), &err);
  CHECK_OK(qb_metadata_builder_set_ref(b, &tag, &err), &err);
  qb_kv props[] = {{"write.metadata.previous-versions-max", "1"}, {"owner", "qberg"}};
  CHECK_OK(qb_metadata_builder_set_properties(b, props, 2, &err), &err);
  qb_kv reserved = {"format-version", "3"};
  CHECK_FAIL(qb_metadata_builder_set_properties(b, &reserved, 1, &err), QB_EINVAL, &err,
             "table property 'format-version' is reserved and cannot be set");
  qb_metadata_builder_free(b);
  CHECK_OK(qb_metadata_builder_from(&b, v2, &err), &err);
  CHECK_OK(qb_metadata_builder_add_snapshot(b, &s2, &err), &err);
  CHECK_OK(qb_metadata_builder_set_branch_snapshot(b, "main", 12, &err), &err);
  CHECK_OK(qb_metadata_builder_set_ref(b, &tag, &err), &err);
  CHECK_OK(qb_metadata_builder_set_properties(b, props, 2, &err), &err);
  qb_field cols2[] = {cols[0], cols[1], cols[2], {.id = 4, .name = "energy", .type = qb_type_primitive(QB_T_DOUBLE)}};
  qb_schema *schema2;
  CHECK_OK(qb_schema_new(&schema2, 0, cols2, 4, NULL, 0, &err), &err);
  int32_t sid, spid;
  CHECK_OK(qb_metadata_builder_add_schema(b, schema2, &sid, &err), &err);
  CHECK_EQ_INT(sid, 1);
  CHECK_OK(qb_metadata_builder_set_current_schema(b, -1, &err), &err);
  qb_partition_field pf2[] = {pf[0], pf[1], {.source_id = 1, .name = "run_bucket", .transform = {.kind = QB_TR_BUCKET, .param = 8}}};
  qb_partition_spec spec2 = {0, 3, pf2};
  CHECK_OK(qb_metadata_builder_add_spec(b, &spec2, &spid, &err), &err);
  CHECK_EQ_INT(spid, 1);
  CHECK_OK(qb_metadata_builder_set_default_spec(b, spid, &err), &err);
  qb_sort_field sf = {.transform = {.kind = QB_TR_IDENTITY}, .source_id = 1, .direction = QB_SORT_ASC, .null_order = QB_NULLS_FIRST};
  qb_sort_order order = {0, 1, &sf};
  int32_t oid;
  CHECK_OK(qb_metadata_builder_add_sort_order(b, &order, &oid, &err), &err);
  CHECK_EQ_INT(oid, 1);
  qb_table_metadata *v3;
  CHECK_OK(qb_metadata_builder_build(&v3, b, "s3://lake/wh/chem/runs/metadata/v2.metadata.json", 1736500002500, &err),
           &err);
  CHECK_EQ_INT(qb_table_metadata_last_column_id(v3), 4);
  CHECK_EQ_INT(qb_table_metadata_current_schema(v3) == qb_table_metadata_schema_by_id(v3, 1), 1);
  const qb_partition_spec *ds = qb_table_metadata_default_spec(v3);
  CHECK(ds->spec_id == 1 && ds->fields[0].field_id == 1000 && ds->fields[1].field_id == 1001 && ds->fields[2].field_id == 1002);
  CHECK_EQ_INT(qb_table_metadata_last_partition_id(v3), 1002);
  ml = qb_table_metadata_metadata_log(v3, &n);
  CHECK(n == 1 && !strcmp(ml[0].metadata_file, "s3://lake/wh/chem/runs/metadata/v2.metadata.json")); /* max 1 */
  sl = qb_table_metadata_snapshot_log(v3, &n);
  CHECK(n == 2 && sl[1].snapshot_id == 12);
  CHECK(qb_table_metadata_ref(v3, "v1.0")->max_ref_age_ms == 86400000);
  /* round trip of what the builder made */
  CHECK_OK(qb_table_metadata_to_json(&js, &jn, v3, 0, &err), &err);
  qb_table_metadata *back;
  CHECK_OK(qb_table_metadata_parse(&back, js, jn, &err), &err);
  CHECK(qb_table_metadata_equal(back, v3));
  qb_table_metadata_free(back);
  free(js);

  /* expire snapshot 11: the tag pointing at it goes, and the log loses history before the gap */
  CHECK_OK(qb_metadata_builder_from(&b, v3, &err), &err);
  int64_t rm = 11;
  CHECK_OK(qb_metadata_builder_remove_snapshots(b, &rm, 1, &err), &err);
  const char *keys[] = {"owner"};
  CHECK_OK(qb_metadata_builder_remove_properties(b, keys, 1, &err), &err);
  qb_table_metadata *v4;
  CHECK_OK(qb_metadata_builder_build(&v4, b, "s3://lake/wh/chem/runs/metadata/v3.metadata.json", 1736500003000, &err),
           &err);
  CHECK_EQ_INT(qb_table_metadata_n_snapshots(v4), 1);
  CHECK(qb_table_metadata_ref(v4, "v1.0") == NULL);
  CHECK(qb_table_metadata_ref(v4, "main") != NULL);
  sl = qb_table_metadata_snapshot_log(v4, &n);
  CHECK(n == 1 && sl[0].snapshot_id == 12);
  CHECK(qb_table_metadata_property(v4, "owner") == NULL);
  CHECK_EQ_STR(qb_table_metadata_property(v4, "write.metadata.previous-versions-max"), "1");

  /* removing main leaves no current snapshot; writing gives -1 */
  CHECK_OK(qb_metadata_builder_from(&b, v4, &err), &err);
  CHECK_OK(qb_metadata_builder_remove_ref(b, "main", &err), &err);
  qb_table_metadata *v5;
  CHECK_OK(qb_metadata_builder_build(&v5, b, NULL, 1736500004000, &err), &err);
  CHECK_EQ_INT(qb_table_metadata_current_snapshot_id(v5), -1);
  CHECK_OK(qb_table_metadata_to_json(&js, &jn, v5, 0, &err), &err);
  CHECK(strstr(js, "\"current-snapshot-id\":-1,\"refs\":{},") != NULL);
  free(js);

  qb_table_metadata_free(v1);
  qb_table_metadata_free(v2);
  qb_table_metadata_free(v3);
  qb_table_metadata_free(v4);
  qb_table_metadata_free(v5);
  qb_schema_free(schema);
  qb_schema_free(schema2);
}

/* The JSON of metadata equals that of the same metadata parsed back (a parsed object has no cached text). */
static bool json_round_trips(const qb_table_metadata *md, qb_err *err)
{
  char *a = NULL, *b = NULL;
  size_t an, bn;
  qb_table_metadata *back = NULL;
  bool same = qb_table_metadata_to_json(&a, &an, md, 0, err) == QB_OK &&
              qb_table_metadata_parse(&back, a, an, err) == QB_OK &&
              qb_table_metadata_to_json(&b, &bn, back, 0, err) == QB_OK && an == bn && !memcmp(a, b, an);
  free(a);
  free(b);
  qb_table_metadata_free(back);
  return same;
}

static int commit_one(qb_table_metadata **out, const qb_table_metadata *base, int64_t id, qb_err *err)
{
  char ml[64];
  snprintf(ml, sizeof ml, "s3://lake/t/metadata/snap-%lld.avro", (long long)id);
  const qb_snapshot *head = qb_table_metadata_current_snapshot(base);
  qb_snapshot s = snap(id, head ? head->snapshot_id : 0, qb_table_metadata_last_sequence_number(base) + 1,
                       1736500000000 + id, ml);
  qb_kv sum[] = {{"added-records", "1"}, {"note", ml}};
  s.summary = sum;
  s.n_summary = 2;
  qb_metadata_builder *b;
  int rc = qb_metadata_builder_from(&b, base, err);
  if (!rc && (rc = qb_metadata_builder_add_snapshot(b, &s, err))) qb_metadata_builder_free(b);
  if (!rc && (rc = qb_metadata_builder_set_branch_snapshot(b, "main", id, err))) qb_metadata_builder_free(b);
  return rc ? rc : qb_metadata_builder_build(out, b, "s3://lake/t/metadata/v0.metadata.json", 1736600000000 + id, err);
}

/* Derived metadata shares its base's snapshots and snapshot text: a long chain (past the point where the shared
 * storage is re-packed), bases freed along the way, two commits derived from one base (the second cannot extend
 * the shared text in place), and a parsed base: every version serialises as its parsed-back copy does. */
QB_TEST(derived_metadata_shares_history)
{
  qb_err err = QB_ERR_INIT;
  qb_field cols[] = {{.id = 1, .name = "id", .required = true, .type = qb_type_primitive(QB_T_LONG)}};
  qb_schema *schema;
  CHECK_OK(qb_schema_new(&schema, 0, cols, 1, NULL, 0, &err), &err);
  qb_metadata_builder *b;
  qb_table_metadata *md, *next;
  CHECK_OK(qb_metadata_builder_new_table(&b, schema, NULL, NULL, "s3://lake/t", NULL, &err), &err);
  CHECK_OK(qb_metadata_builder_build(&md, b, NULL, 1736499990000, &err), &err);
  for (int64_t id = 1; id <= 80; id++) {
    CHECK_OK(commit_one(&next, md, id, &err), &err);
    if (id == 40) { /* a sibling of version 40 built after it, from the same base */
      qb_table_metadata *sib;
      CHECK_OK(commit_one(&sib, md, 1000, &err), &err);
      EXPECT(json_round_trips(sib, &err));
      EXPECT(json_round_trips(next, &err));
      CHECK_EQ_INT(qb_table_metadata_n_snapshots(sib), 40);
      CHECK_EQ_INT(qb_table_metadata_current_snapshot(sib)->snapshot_id, 1000);
      qb_table_metadata_free(sib);
    }
    qb_table_metadata_free(md);
    md = next;
    if (id % 7 == 0) EXPECT(json_round_trips(md, &err));
  }
  CHECK_EQ_INT(qb_table_metadata_n_snapshots(md), 80);
  CHECK_EQ_STR(qb_table_metadata_snapshot_at(md, 0)->manifest_list, "s3://lake/t/metadata/snap-1.avro");
  EXPECT(json_round_trips(md, &err));
  /* a parsed base: its snapshots are copied once, then shared again */
  char *js;
  size_t jn;
  qb_table_metadata *parsed;
  CHECK_OK(qb_table_metadata_to_json(&js, &jn, md, 0, &err), &err);
  CHECK_OK(qb_table_metadata_parse(&parsed, js, jn, &err), &err);
  free(js);
  qb_table_metadata_free(md);
  CHECK_OK(commit_one(&md, parsed, 81, &err), &err);
  qb_table_metadata_free(parsed);
  CHECK_OK(commit_one(&next, md, 82, &err), &err);
  qb_table_metadata_free(md);
  EXPECT(json_round_trips(next, &err));
  CHECK_EQ_INT(qb_table_metadata_n_snapshots(next), 82);
  CHECK_EQ_STR(qb_table_metadata_snapshot_at(next, 80)->manifest_list, "s3://lake/t/metadata/snap-81.avro");
  qb_table_metadata_free(next);
  qb_schema_free(schema);
}

QB_TEST(read_through_fileio_names_the_path)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  qb_table_metadata *md;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK_OK(qb_table_metadata_read(&md, io, data_path("duckdb-lineitem-v1-gz-nohint__v2.gz.metadata.json"), &err), &err);
  CHECK_EQ_INT(qb_table_metadata_format_version(md), 1);
  CHECK_EQ_INT(qb_table_metadata_current_snapshot_id(md), 4468019210336628573);
  qb_table_metadata_free(md);
  CHECK_FAIL(qb_table_metadata_read(&md, io, data_path("TableMetadataV2MissingSchemas.json"), &err), QB_ECORRUPT, &err,
             "TableMetadataV2MissingSchemas.json: missing required field 'schemas' (required in format v2)");
  CHECK_FAIL(qb_table_metadata_read(&md, io, data_path("nope.json"), &err), QB_ENOTFOUND, &err, "nope.json");
  qb_fileio_free(io);
}
