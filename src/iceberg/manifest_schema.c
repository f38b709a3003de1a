/* SPDX-License-Identifier: Apache-2.0 */
/* The Avro schemas of manifests and manifest lists (spec "Manifests", "Manifest Lists", Appendix A):
 * Java's V2Metadata layout with TypeToSchema's naming (r2, r102, k117_v118, element-id …), a tolerant read
 * variant of the same layout, the "iceberg.schema" JSON, and partition tuple types. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/avro/schema_cache.h"
#include "formats/json/json.h"
#include "iceberg/manifest_int.h"

typedef enum {
  K_INT,
  K_LONG,
  K_STRING,
  K_BYTES,
  K_BOOL,
  K_COUNTS,    /* map<int, long> */
  K_BOUNDS,    /* map<int, binary> */
  K_LIST_LONG,
  K_LIST_INT,
  K_PARTITION, /* the partition struct */
  K_DATA_FILE, /* the data_file struct */
  K_SUMMARIES  /* list<field_summary> */
} kind;

typedef struct mfield {
  int32_t id;
  const char *name;
  kind k;
  bool required; /* in Java's v2 write schema */
  int32_t key_id, value_id; /* maps; lists use key_id for the element id */
  const char *doc;
  const char *alias; /* older writers' name for the same field id (read schema only) */
} mfield;

/* ManifestEntry + V2Metadata.entrySchema: no docs on the entry fields. */
static const mfield entry_fields[QB_ME_N] = {
    [QB_ME_STATUS] = {0, "status", K_INT, true, 0, 0, NULL, NULL},
    [QB_ME_SNAPSHOT_ID] = {1, "snapshot_id", K_LONG, false, 0, 0, NULL, NULL},
    [QB_ME_SEQ] = {3, "sequence_number", K_LONG, false, 0, 0, NULL, NULL},
    [QB_ME_FILE_SEQ] = {4, "file_sequence_number", K_LONG, false, 0, 0, NULL, NULL},
    [QB_ME_DATA_FILE] = {2, "data_file", K_DATA_FILE, true, 0, 0, NULL, NULL},
};

/* DataFile fields in V2Metadata.fileType order (content required in v2). */
static const mfield data_file_fields[QB_DF_N] = {
    [QB_DF_CONTENT] = {134, "content", K_INT, true, 0, 0,
                       "Contents of the file: 0=data, 1=position deletes, 2=equality deletes", NULL},
    [QB_DF_FILE_PATH] = {100, "file_path", K_STRING, true, 0, 0, "Location URI with FS scheme", NULL},
    [QB_DF_FILE_FORMAT] = {101, "file_format", K_STRING, true, 0, 0, "File format name: avro, orc, or parquet", NULL},
    [QB_DF_PARTITION] = {102, "partition", K_PARTITION, true, 0, 0,
                         "Partition data tuple, schema based on the partition spec", NULL},
    [QB_DF_RECORD_COUNT] = {103, "record_count", K_LONG, true, 0, 0, "Number of records in the file", NULL},
    [QB_DF_FILE_SIZE] = {104, "file_size_in_bytes", K_LONG, true, 0, 0, "Total file size in bytes", NULL},
    [QB_DF_COLUMN_SIZES] = {108, "column_sizes", K_COUNTS, false, 117, 118, "Map of column id to total size on disk",
                            NULL},
    [QB_DF_VALUE_COUNTS] = {109, "value_counts", K_COUNTS, false, 119, 120,
                            "Map of column id to total count, including null and NaN", NULL},
    [QB_DF_NULL_VALUE_COUNTS] = {110, "null_value_counts", K_COUNTS, false, 121, 122,
                                 "Map of column id to null value count", NULL},
    [QB_DF_NAN_VALUE_COUNTS] = {137, "nan_value_counts", K_COUNTS, false, 138, 139,
                                "Map of column id to number of NaN values in the column", NULL},
    [QB_DF_LOWER_BOUNDS] = {125, "lower_bounds", K_BOUNDS, false, 126, 127, "Map of column id to lower bound", NULL},
    [QB_DF_UPPER_BOUNDS] = {128, "upper_bounds", K_BOUNDS, false, 129, 130, "Map of column id to upper bound", NULL},
    [QB_DF_KEY_METADATA] = {131, "key_metadata", K_BYTES, false, 0, 0, "Encryption key metadata blob", NULL},
    [QB_DF_SPLIT_OFFSETS] = {132, "split_offsets", K_LIST_LONG, false, 133, 0, "Splittable offsets", NULL},
    [QB_DF_EQUALITY_IDS] = {135, "equality_ids", K_LIST_INT, false, 136, 0, "Equality comparison field IDs", NULL},
    [QB_DF_SORT_ORDER_ID] = {140, "sort_order_id", K_INT, false, 0, 0, "Sort order ID", NULL},
    [QB_DF_REFERENCED_DATA_FILE] = {143, "referenced_data_file", K_STRING, false, 0, 0,
                                    "Fully qualified location (URI with FS scheme) of a data file that all deletes "
                                    "reference",
                                    NULL},
};

/* V2Metadata.MANIFEST_LIST_SCHEMA; v1 lists and old Java named 504-506 "*_data_files_count". */
static const mfield list_fields[QB_MF_N] = {
    [QB_MF_PATH] = {500, "manifest_path", K_STRING, true, 0, 0, "Location URI with FS scheme", NULL},
    [QB_MF_LENGTH] = {501, "manifest_length", K_LONG, true, 0, 0, "Total file size in bytes", NULL},
    [QB_MF_SPEC_ID] = {502, "partition_spec_id", K_INT, true, 0, 0, "Spec ID used to write", NULL},
    [QB_MF_CONTENT] = {517, "content", K_INT, true, 0, 0, "Contents of the manifest: 0=data, 1=deletes", NULL},
    [QB_MF_SEQ] = {515, "sequence_number", K_LONG, true, 0, 0, "Sequence number when the manifest was added", NULL},
    [QB_MF_MIN_SEQ] = {516, "min_sequence_number", K_LONG, true, 0, 0, "Lowest sequence number in the manifest", NULL},
    [QB_MF_SNAPSHOT_ID] = {503, "added_snapshot_id", K_LONG, true, 0, 0, "Snapshot ID that added the manifest", NULL},
    [QB_MF_ADDED_FILES] = {504, "added_files_count", K_INT, true, 0, 0, "Added entry count", "added_data_files_count"},
    [QB_MF_EXISTING_FILES] = {505, "existing_files_count", K_INT, true, 0, 0, "Existing entry count",
                              "existing_data_files_count"},
    [QB_MF_DELETED_FILES] = {506, "deleted_files_count", K_INT, true, 0, 0, "Deleted entry count",
                             "deleted_data_files_count"},
    [QB_MF_ADDED_ROWS] = {512, "added_rows_count", K_LONG, true, 0, 0, "Added rows count", NULL},
    [QB_MF_EXISTING_ROWS] = {513, "existing_rows_count", K_LONG, true, 0, 0, "Existing rows count", NULL},
    [QB_MF_DELETED_ROWS] = {514, "deleted_rows_count", K_LONG, true, 0, 0, "Deleted rows count", NULL},
    [QB_MF_PARTITIONS] = {507, "partitions", K_SUMMARIES, false, 508, 0, "Summary for each partition", NULL},
    [QB_MF_KEY_METADATA] = {519, "key_metadata", K_BYTES, false, 0, 0, "Encryption key metadata blob", NULL},
};

/* ManifestFile.PARTITION_SUMMARY_TYPE */
static const mfield summary_fields[QB_PS_N] = {
    [QB_PS_CONTAINS_NULL] = {509, "contains_null", K_BOOL, true, 0, 0, "True if any file has a null partition value",
                             NULL},
    [QB_PS_CONTAINS_NAN] = {518, "contains_nan", K_BOOL, false, 0, 0, "True if any file has a nan partition value",
                            NULL},
    [QB_PS_LOWER] = {510, "lower_bound", K_BYTES, false, 0, 0, "Partition lower bound for all files", NULL},
    [QB_PS_UPPER] = {511, "upper_bound", K_BYTES, false, 0, 0, "Partition upper bound for all files", NULL},
};

/* ---- partition tuple types ---------------------------------------------------------------------------------- */

int qb_manifest__partition_type(qb_type *out, qb_arena *a, const qb_partition_spec *spec, const qb_schema *schema,
                                qb_err *err)
{
  memset(out, 0, sizeof *out);
  out->id = QB_T_STRUCT;
  qb_field *fields = qb_ice__alloc(a, spec->n_fields, sizeof *fields, err);
  if (!fields) return QB_ENOMEM;
  for (size_t i = 0; i < spec->n_fields; i++) {
    const qb_partition_field *pf = &spec->fields[i];
    const qb_field *src = qb_schema_find_field(schema, pf->source_id);
    if (!src)
      return QB_FAIL(err, QB_EINVAL, "partition field %s: source column %d is not in the schema", pf->name,
                     (int)pf->source_id);
    const qb_type *rt;
    int rc = qb_transform_result_type(&rt, &pf->transform, src->type, err);
    if (rc) return qb_err_wrap(err, "partition field %s", pf->name);
    fields[i].id = pf->field_id;
    fields[i].name = pf->name;
    fields[i].required = false; /* Java: partition fields are always optional */
    fields[i].type = rt;
  }
  out->n_fields = spec->n_fields;
  out->fields = fields;
  return QB_OK;
}

static int type_from_avro(const qb_type **out, qb_arena *a, const qb_avro_node *n, qb_err *err)
{
  const char *lt = qb_avro_node_logical_type(n);
  qb_type *t = NULL;
  int64_t p, s;
  switch (qb_avro_node_type(n)) {
  case QB_AVRO_BOOLEAN: *out = qb_type_primitive(QB_T_BOOLEAN); return QB_OK;
  case QB_AVRO_INT: *out = qb_type_primitive(lt && !strcmp(lt, "date") ? QB_T_DATE : QB_T_INT); return QB_OK;
  case QB_AVRO_LONG:
    if (lt && !strcmp(lt, "time-micros")) *out = qb_type_primitive(QB_T_TIME);
    else if (lt && !strcmp(lt, "timestamp-micros")) {
      const char *utc = qb_avro_node_prop_json(n, "adjust-to-utc");
      *out = qb_type_primitive(utc && !strcmp(utc, "true") ? QB_T_TIMESTAMPTZ : QB_T_TIMESTAMP);
    } else *out = qb_type_primitive(QB_T_LONG);
    return QB_OK;
  case QB_AVRO_FLOAT: *out = qb_type_primitive(QB_T_FLOAT); return QB_OK;
  case QB_AVRO_DOUBLE: *out = qb_type_primitive(QB_T_DOUBLE); return QB_OK;
  case QB_AVRO_STRING: *out = qb_type_primitive(QB_T_STRING); return QB_OK;
  case QB_AVRO_BYTES:
  case QB_AVRO_FIXED:
    if (lt && !strcmp(lt, "decimal")) {
      if (!qb_avro_node_int_prop(n, "precision", &p) || p < 1 || p > 38 ||
          (qb_avro_node_int_prop(n, "scale", &s) ? (s < 0 || s > p) : (s = 0, false)))
        return QB_FAIL(err, QB_ECORRUPT, "decimal partition type without a valid precision and scale");
      if (!(t = qb_ice__alloc(a, 1, sizeof *t, err))) return QB_ENOMEM;
      t->id = QB_T_DECIMAL;
      t->precision = (int32_t)p;
      t->scale = (int32_t)s;
    } else if (qb_avro_node_type(n) == QB_AVRO_BYTES) {
      *out = qb_type_primitive(QB_T_BINARY);
      return QB_OK;
    } else if (lt && !strcmp(lt, "uuid") && qb_avro_node_size(n) == 16) {
      *out = qb_type_primitive(QB_T_UUID);
      return QB_OK;
    } else {
      if (!(t = qb_ice__alloc(a, 1, sizeof *t, err))) return QB_ENOMEM;
      t->id = QB_T_FIXED;
      t->length = (int32_t)qb_avro_node_size(n);
    }
    *out = t;
    return QB_OK;
  default:
    return QB_FAIL(err, QB_ECORRUPT, "a partition value cannot be of Avro type %s",
                   qb_avro_type_name(qb_avro_node_type(n)));
  }
}

int qb_manifest__partition_type_from_avro(qb_type *out, qb_arena *a, const qb_avro_node *rec, qb_err *err)
{
  memset(out, 0, sizeof *out);
  out->id = QB_T_STRUCT;
  rec = qb_avro_node_non_null(rec);
  if (qb_avro_node_type(rec) != QB_AVRO_RECORD)
    return QB_FAIL(err, QB_ECORRUPT, "data_file.partition is a %s, not a record",
                   qb_avro_type_name(qb_avro_node_type(rec)));
  size_t n = qb_avro_node_size(rec);
  qb_field *fields = qb_ice__alloc(a, n, sizeof *fields, err);
  if (!fields) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    const char *name = qb_avro_node_field_name(rec, i);
    /* Java keeps the original name of a sanitised field in "iceberg-field-name" */
    const char *orig = qb_avro_node_field_prop_json(rec, i, "iceberg-field-name");
    json_object *j = NULL;
    qb_err ignored = QB_ERR_INIT;
    if (orig && qb_json_parse(&j, orig, strlen(orig), &ignored) == QB_OK && json_object_is_type(j, json_type_string))
      name = json_object_get_string(j);
    fields[i].name = qb_ice__strdup(a, name, err);
    json_object_put(j);
    if (!fields[i].name) return QB_ENOMEM;
    int32_t id;
    /* v1 writers may omit ids: they count up from 1000 as in the spec's v1 rules */
    fields[i].id = qb_avro_node_field_id(rec, i, &id) ? id : QB_PARTITION_FIELD_ID_START + (int32_t)i;
    const qb_avro_node *ft = qb_avro_node_non_null(qb_avro_node_child(rec, i));
    int rc = type_from_avro(&fields[i].type, a, ft, err);
    if (rc) return qb_err_wrap(err, "partition field %s", fields[i].name);
  }
  out->n_fields = n;
  out->fields = fields;
  return QB_OK;
}

/* ---- Avro schema JSON ---------------------------------------------------------------------------------------- */

typedef struct gen {
  qb_jw w;
  qb_manifest_schema_mode mode;
  const qb_type *partition;
} gen;

/* The Avro name TypeToSchema gives a named type (uuid_fixed, fixed_L, decimal_P_S); false for the others. */
static bool type_name(char *buf, size_t n, const qb_type *t)
{
  switch (t->id) {
  case QB_T_UUID: snprintf(buf, n, "uuid_fixed"); return true;
  case QB_T_FIXED: snprintf(buf, n, "fixed_%d", (int)t->length); return true;
  case QB_T_DECIMAL: snprintf(buf, n, "decimal_%d_%d", (int)t->precision, (int)t->scale); return true;
  default: return false;
  }
}

/* Avro allows one definition per name: a partition field whose named type an earlier field defined
 * refers to it by name (as Java's Schema.toString prints it). */
static bool defined_before(const gen *g, size_t field, const char *name)
{
  char other[48];
  for (size_t k = 0; k < field; k++)
    if (type_name(other, sizeof other, g->partition->fields[k].type) && !strcmp(other, name)) return true;
  return false;
}

static void fixed_type(gen *g, size_t field, const char *name, int64_t size, const char *logical, int32_t precision,
                       int32_t scale)
{
  if (defined_before(g, field, name)) {
    qb_jw_str(&g->w, name);
    return;
  }
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "fixed");
  qb_jw_key(&g->w, "name");
  qb_jw_str(&g->w, name);
  qb_jw_key(&g->w, "size");
  qb_jw_i64(&g->w, size);
  if (logical) {
    qb_jw_key(&g->w, "logicalType");
    qb_jw_str(&g->w, logical);
  }
  if (logical && !strcmp(logical, "decimal")) {
    qb_jw_key(&g->w, "precision");
    qb_jw_i64(&g->w, precision);
    qb_jw_key(&g->w, "scale");
    qb_jw_i64(&g->w, scale);
  }
  qb_jw_end_object(&g->w);
}

static void logical_prim(gen *g, const char *base, const char *logical, int utc)
{
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, base);
  qb_jw_key(&g->w, "logicalType");
  qb_jw_str(&g->w, logical);
  if (utc >= 0) {
    qb_jw_key(&g->w, "adjust-to-utc");
    qb_jw_bool(&g->w, utc != 0);
  }
  qb_jw_end_object(&g->w);
}

/* Java's TypeUtil.decimalRequiredBytes: the fewest bytes n with floor(log10(2^(8n-1) - 1)) >= precision. */
int32_t qb_manifest__decimal_width(int32_t precision)
{
  int32_t n = 1;
  while (n < 24 && (int32_t)floor(log10(pow(2, 8 * n - 1) - 1)) < precision) n++;
  return n;
}

/* Avro type of partition field `field` whose value has Iceberg type t (TypeToSchema.primitive). */
static void primitive_type(gen *g, size_t field, const qb_type *t)
{
  char name[48];
  type_name(name, sizeof name, t);
  switch (t->id) {
  case QB_T_BOOLEAN: qb_jw_str(&g->w, "boolean"); break;
  case QB_T_INT: qb_jw_str(&g->w, "int"); break;
  case QB_T_LONG: qb_jw_str(&g->w, "long"); break;
  case QB_T_FLOAT: qb_jw_str(&g->w, "float"); break;
  case QB_T_DOUBLE: qb_jw_str(&g->w, "double"); break;
  case QB_T_DATE: logical_prim(g, "int", "date", -1); break;
  case QB_T_TIME: logical_prim(g, "long", "time-micros", -1); break;
  case QB_T_TIMESTAMP: logical_prim(g, "long", "timestamp-micros", 0); break;
  case QB_T_TIMESTAMPTZ: logical_prim(g, "long", "timestamp-micros", 1); break;
  case QB_T_STRING: qb_jw_str(&g->w, "string"); break;
  case QB_T_BINARY: qb_jw_str(&g->w, "bytes"); break;
  case QB_T_UUID: fixed_type(g, field, name, 16, "uuid", 0, 0); break;
  case QB_T_FIXED: fixed_type(g, field, name, t->length, NULL, 0, 0); break;
  case QB_T_DECIMAL:
    fixed_type(g, field, name, qb_manifest__decimal_width(t->precision), "decimal", t->precision, t->scale);
    break;
  default: qb_jw_str(&g->w, "null"); break; /* not reached: partition types are primitive */
  }
}

/* AvroSchemaUtil.makeCompatibleName: [A-Za-z_][A-Za-z0-9_]*, other characters as _x<HEX>, a leading digit
 * as _<digit>. Java keeps non-ASCII letters; they are escaped here too, since Avro readers other than Java's
 * (avsc, ours) accept only ASCII names. */
static char *avro_name(const char *name, bool *changed)
{
  const unsigned char *p = (const unsigned char *)name;
  size_t o = 0, cap = 8 * strlen(name) + 1; /* a byte grows to at most "_x10FFFF" */
  char *out = malloc(cap);
  *changed = false;
  if (!out) return NULL;
  for (size_t i = 0; p[i];) {
    unsigned char c = p[i];
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (letter || (digit && i > 0)) {
      out[o++] = (char)c;
      i++;
      continue;
    }
    *changed = true;
    if (digit) {
      o += (size_t)snprintf(out + o, cap - o, "_%c", c);
      i++;
      continue;
    }
    /* one code point (lead byte plus continuation bytes) */
    uint32_t cp = c < 0x80 ? c : c < 0xE0 ? (c & 0x1Fu) : c < 0xF0 ? (c & 0x0Fu) : (c & 0x07u);
    for (i++; c >= 0x80 && (p[i] & 0xC0) == 0x80; i++) cp = cp << 6 | (p[i] & 0x3Fu);
    o += (size_t)snprintf(out + o, cap - o, "_x%X", (unsigned)cp);
  }
  out[o] = 0;
  return out;
}

static void type_of(gen *g, const mfield *f);

static void kv_record(gen *g, const mfield *f, const char *vtype)
{
  char name[32];
  bool rd = g->mode == QB_MANIFEST_SCHEMA_READ;
  snprintf(name, sizeof name, "k%d_v%d", (int)f->key_id, (int)f->value_id);
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "array");
  qb_jw_key(&g->w, "items");
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "record");
  qb_jw_key(&g->w, "name");
  qb_jw_str(&g->w, name);
  qb_jw_key(&g->w, "fields");
  qb_jw_begin_array(&g->w);
  const char *names[2] = {"key", "value"};
  const char *types[2] = {rd ? "long" : "int", vtype};
  int32_t ids[2] = {f->key_id, f->value_id};
  for (int i = 0; i < 2; i++) {
    qb_jw_begin_object(&g->w);
    qb_jw_key(&g->w, "name");
    qb_jw_str(&g->w, names[i]);
    qb_jw_key(&g->w, "type");
    qb_jw_str(&g->w, types[i]);
    qb_jw_key(&g->w, "field-id");
    qb_jw_i64(&g->w, ids[i]);
    qb_jw_end_object(&g->w);
  }
  qb_jw_end_array(&g->w);
  qb_jw_end_object(&g->w);
  qb_jw_key(&g->w, "logicalType");
  qb_jw_str(&g->w, "map");
  qb_jw_end_object(&g->w);
}

static void array_of(gen *g, int32_t element_id, void (*items)(gen *, const void *), const void *arg)
{
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "array");
  qb_jw_key(&g->w, "items");
  items(g, arg);
  qb_jw_key(&g->w, "element-id");
  qb_jw_i64(&g->w, element_id);
  qb_jw_end_object(&g->w);
}

static void items_prim(gen *g, const void *name) { qb_jw_str(&g->w, name); }

static void record(gen *g, const char *name, const mfield *fields, size_t n);

static void items_summary(gen *g, const void *unused)
{
  (void)unused;
  record(g, "r508", summary_fields, QB_PS_N);
}

static void partition_record(gen *g)
{
  const qb_type *p = g->partition;
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "record");
  qb_jw_key(&g->w, "name");
  qb_jw_str(&g->w, "r102");
  qb_jw_key(&g->w, "fields");
  qb_jw_begin_array(&g->w);
  for (size_t i = 0; p && i < p->n_fields; i++) {
    const qb_field *f = &p->fields[i];
    bool changed;
    char *name = avro_name(f->name, &changed);
    if (!name) {
      g->w.rc = g->w.rc ? g->w.rc : QB_FAIL(g->w.err, QB_ENOMEM, "out of memory naming partition field %s", f->name);
      return;
    }
    qb_jw_begin_object(&g->w);
    qb_jw_key(&g->w, "name");
    qb_jw_str(&g->w, name);
    free(name);
    qb_jw_key(&g->w, "type");
    qb_jw_begin_array(&g->w);
    qb_jw_str(&g->w, "null");
    primitive_type(g, i, f->type);
    /* other writers store decimals and fixed values as bytes: let the read schema take either */
    if (g->mode == QB_MANIFEST_SCHEMA_READ && (f->type->id == QB_T_DECIMAL || f->type->id == QB_T_FIXED))
      qb_jw_str(&g->w, "bytes");
    qb_jw_end_array(&g->w);
    qb_jw_key(&g->w, "default");
    qb_jw_null(&g->w);
    if (changed) {
      qb_jw_key(&g->w, "iceberg-field-name");
      qb_jw_str(&g->w, f->name);
    }
    qb_jw_key(&g->w, "field-id");
    qb_jw_i64(&g->w, f->id);
    qb_jw_end_object(&g->w);
  }
  qb_jw_end_array(&g->w);
  qb_jw_end_object(&g->w);
}

static void type_of(gen *g, const mfield *f)
{
  bool rd = g->mode == QB_MANIFEST_SCHEMA_READ;
  switch (f->k) {
  case K_INT: qb_jw_str(&g->w, rd ? "long" : "int"); break;
  case K_LONG: qb_jw_str(&g->w, "long"); break;
  case K_STRING: qb_jw_str(&g->w, "string"); break;
  case K_BYTES: qb_jw_str(&g->w, "bytes"); break;
  case K_BOOL: qb_jw_str(&g->w, "boolean"); break;
  case K_COUNTS: kv_record(g, f, "long"); break;
  case K_BOUNDS: kv_record(g, f, "bytes"); break;
  case K_LIST_LONG: array_of(g, f->key_id, items_prim, "long"); break;
  case K_LIST_INT: array_of(g, f->key_id, items_prim, rd ? "long" : "int"); break;
  case K_PARTITION: partition_record(g); break;
  case K_DATA_FILE: record(g, "r2", data_file_fields, QB_DF_N); break;
  case K_SUMMARIES: array_of(g, f->key_id, items_summary, NULL); break;
  }
}

/* Java's field layout: name, type, doc, default (null for optional fields), field-id. The read schema
 * makes every field optional (a writer that lacks it reads as null) except the records that hold the
 * rest, and names the v1 aliases. */
static void record(gen *g, const char *name, const mfield *fields, size_t n)
{
  bool rd = g->mode == QB_MANIFEST_SCHEMA_READ;
  qb_jw_begin_object(&g->w);
  qb_jw_key(&g->w, "type");
  qb_jw_str(&g->w, "record");
  qb_jw_key(&g->w, "name");
  qb_jw_str(&g->w, name);
  qb_jw_key(&g->w, "fields");
  qb_jw_begin_array(&g->w);
  for (size_t i = 0; i < n; i++) {
    const mfield *f = &fields[i];
    bool container = f->k == K_DATA_FILE || f->k == K_PARTITION;
    bool optional = !container && (rd || !f->required);
    qb_jw_begin_object(&g->w);
    qb_jw_key(&g->w, "name");
    qb_jw_str(&g->w, f->name);
    qb_jw_key(&g->w, "type");
    if (optional) {
      qb_jw_begin_array(&g->w);
      qb_jw_str(&g->w, "null");
    }
    type_of(g, f);
    if (optional) qb_jw_end_array(&g->w);
    if (f->doc && !rd) {
      qb_jw_key(&g->w, "doc");
      qb_jw_str(&g->w, f->doc);
    }
    if (optional) {
      qb_jw_key(&g->w, "default");
      qb_jw_null(&g->w);
    }
    if (rd && f->alias) {
      qb_jw_key(&g->w, "aliases");
      qb_jw_begin_array(&g->w);
      qb_jw_str(&g->w, f->alias);
      qb_jw_end_array(&g->w);
    }
    qb_jw_key(&g->w, "field-id");
    qb_jw_i64(&g->w, f->id);
    qb_jw_end_object(&g->w);
  }
  qb_jw_end_array(&g->w);
  qb_jw_end_object(&g->w);
}

/* Parsed manifest schemas are kept for the process: every commit writes a manifest and a manifest list
 * and every scan reads them, and generating and parsing the same schema with json-c each time took ~12%
 * of a 20-file ingest. The key is what the schema is generated from (mode, record, the partition tuple's
 * field ids, names and types), so a hit generates nothing. Tables differ only in their partition tuple:
 * a few entries suffice; past SCHEMA_CACHE the schema is built for the caller alone. Cached schemas are
 * read-only, so threads share them (as vqe_reader.c shares its reader schema). */
#define SCHEMA_CACHE 64
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  char *key;
  size_t n;
  qb_avro_schema *schema; /* an Avro schema, or */
  char *text;             /* an "iceberg.schema" JSON (key mode ICE_KEY) */
} cache[SCHEMA_CACHE];
static size_t n_cache;
#define ICE_KEY (-1)

static int cache_find(const qb_buf *key)
{
  for (size_t i = 0; i < n_cache; i++)
    if (cache[i].n == key->n && !memcmp(cache[i].key, key->p, key->n)) return (int)i;
  return -1;
}

static int put_i32(qb_buf *k, int32_t v, qb_err *err) { return qb_buf_append(k, &v, sizeof v, err); }

/* Everything record() reads from its arguments, unambiguously (names carry their length). */
static int schema_key(qb_buf *k, int32_t mode, const char *record_name, const qb_type *p, qb_err *err)
{
  int rc = put_i32(k, mode, err);
  if (!rc) rc = qb_buf_append(k, record_name, strlen(record_name) + 1, err);
  for (size_t i = 0; !rc && p && i < p->n_fields; i++) {
    const qb_field *f = &p->fields[i];
    int32_t nums[6] = {f->id, f->required, (int32_t)f->type->id, f->type->length, f->type->precision, f->type->scale};
    size_t n = strlen(f->name);
    rc = qb_buf_append(k, nums, sizeof nums, err);
    if (!rc) rc = qb_buf_append(k, &n, sizeof n, err);
    if (!rc) rc = qb_buf_append(k, f->name, n, err);
  }
  return rc;
}

static int build_schema(const qb_avro_schema **out, qb_avro_schema **owned, qb_manifest_schema_mode mode,
                        const char *record_name, const mfield *fields, size_t n, const qb_type *partition, qb_err *err)
{
  *out = NULL;
  *owned = NULL;
  qb_buf key, b;
  qb_buf_init(&key, (size_t)1 << 20);
  qb_buf_init(&b, (size_t)16 << 20);
  int rc = schema_key(&key, (int32_t)mode, record_name, partition, err);
  if (!rc) {
    pthread_mutex_lock(&cache_lock);
    int i = cache_find(&key);
    if (i >= 0) *out = cache[i].schema;
    pthread_mutex_unlock(&cache_lock);
  }
  if (!rc && !*out) {
    gen g = {.mode = mode, .partition = partition};
    qb_jw_init(&g.w, &b, false, err);
    record(&g, record_name, fields, n);
    rc = qb_jw_finish(&g.w);
    qb_avro_schema *s = NULL;
    if (!rc) rc = qb_avro_schema_parse(&s, (const char *)b.p, b.n, err);
    if (!rc) {
      pthread_mutex_lock(&cache_lock);
      int i = cache_find(&key); /* another thread built it meanwhile */
      const qb_avro_schema *again = i >= 0 ? cache[i].schema : NULL;
      char *k = again || n_cache == SCHEMA_CACHE ? NULL : malloc(key.n);
      if (k) {
        memcpy(k, key.p, key.n);
        cache[n_cache].key = k;
        cache[n_cache].n = key.n;
        cache[n_cache].text = NULL;
        cache[n_cache++].schema = s;
        *out = s;
        s = NULL;
      } else if (again) {
        *out = again;
      }
      pthread_mutex_unlock(&cache_lock);
      if (*out) qb_avro_schema_free(s);
      else *out = *owned = s; /* not cached: the caller's own */
    }
  }
  qb_buf_free(&key);
  qb_buf_free(&b);
  return rc ? qb_err_wrap(err, "building the manifest schema") : QB_OK;
}

/* The writer schemas of the manifests and lists read, parsed and resolved against the shared read schemas
 * once per process: the files this library wrote all carry the same few schema texts, and opening one
 * parsed its schema with json-c (~400 K instructions, 4% of a 20-file ingest). A pinned cache: its entries
 * are never replaced, so they outlive every reader that uses them; opens are serialised by avro_lock
 * (the header read included). */
static pthread_mutex_t avro_lock = PTHREAD_MUTEX_INITIALIZER;
static qb_avro_schema_cache *avro_cache;

int qb_manifest__avro_open(qb_avro_reader **out, qb_file *f, qb_avro_read_options *o, qb_err *err)
{
  pthread_mutex_lock(&avro_lock);
  if (!avro_cache) {
    qb_err ignored = QB_ERR_INIT;
    if (qb_avro__cache_new_pinned(&avro_cache, &ignored)) avro_cache = NULL; /* then every open parses */
  }
  o->schema_cache = avro_cache;
  int rc = qb_avro_reader_open(out, f, o, err);
  pthread_mutex_unlock(&avro_lock);
  return rc;
}

int qb_manifest__entry_schema(const qb_avro_schema **out, qb_avro_schema **owned, const qb_type *partition,
                              qb_manifest_schema_mode mode, qb_err *err)
{
  return build_schema(out, owned, mode, "manifest_entry", entry_fields, QB_ME_N, partition, err);
}

int qb_manifest__list_schema(const qb_avro_schema **out, qb_avro_schema **owned, qb_manifest_schema_mode mode,
                             qb_err *err)
{
  return build_schema(out, owned, mode, "manifest_file", list_fields, QB_MF_N, NULL, err);
}

/* ---- "iceberg.schema": SchemaParser.toJson of the same structs ------------------------------------------------ */

static void ice_struct(qb_jw *w, const mfield *fields, size_t n, const qb_type *partition);

static void ice_type(qb_jw *w, const mfield *f, const qb_type *partition)
{
  static const char *const prim[] = {[K_INT] = "int", [K_LONG] = "long", [K_STRING] = "string",
                                     [K_BYTES] = "binary", [K_BOOL] = "boolean"};
  switch (f->k) {
  case K_INT:
  case K_LONG:
  case K_STRING:
  case K_BYTES:
  case K_BOOL: qb_jw_str(w, prim[f->k]); break;
  case K_COUNTS:
  case K_BOUNDS:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "map");
    qb_jw_key(w, "key-id");
    qb_jw_i64(w, f->key_id);
    qb_jw_key(w, "key");
    qb_jw_str(w, "int");
    qb_jw_key(w, "value-id");
    qb_jw_i64(w, f->value_id);
    qb_jw_key(w, "value");
    qb_jw_str(w, f->k == K_COUNTS ? "long" : "binary");
    qb_jw_key(w, "value-required");
    qb_jw_bool(w, true);
    qb_jw_end_object(w);
    break;
  case K_LIST_LONG:
  case K_LIST_INT:
  case K_SUMMARIES:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "list");
    qb_jw_key(w, "element-id");
    qb_jw_i64(w, f->key_id);
    qb_jw_key(w, "element");
    if (f->k == K_SUMMARIES) ice_struct(w, summary_fields, QB_PS_N, NULL);
    else qb_jw_str(w, f->k == K_LIST_LONG ? "long" : "int");
    qb_jw_key(w, "element-required");
    qb_jw_bool(w, true);
    qb_jw_end_object(w);
    break;
  case K_DATA_FILE: ice_struct(w, data_file_fields, QB_DF_N, partition); break;
  case K_PARTITION:
    qb_jw_begin_object(w);
    qb_jw_key(w, "type");
    qb_jw_str(w, "struct");
    qb_jw_key(w, "fields");
    qb_jw_begin_array(w);
    for (size_t i = 0; partition && i < partition->n_fields; i++) {
      char tn[48];
      qb_type_to_string(tn, sizeof tn, partition->fields[i].type);
      qb_jw_begin_object(w);
      qb_jw_key(w, "id");
      qb_jw_i64(w, partition->fields[i].id);
      qb_jw_key(w, "name");
      qb_jw_str(w, partition->fields[i].name);
      qb_jw_key(w, "required");
      qb_jw_bool(w, false);
      qb_jw_key(w, "type");
      qb_jw_str(w, tn);
      qb_jw_end_object(w);
    }
    qb_jw_end_array(w);
    qb_jw_end_object(w);
    break;
  }
}

static void ice_fields(qb_jw *w, const mfield *fields, size_t n, const qb_type *partition)
{
  qb_jw_begin_array(w);
  for (size_t i = 0; i < n; i++) {
    const mfield *f = &fields[i];
    qb_jw_begin_object(w);
    qb_jw_key(w, "id");
    qb_jw_i64(w, f->id);
    qb_jw_key(w, "name");
    qb_jw_str(w, f->name);
    qb_jw_key(w, "required");
    qb_jw_bool(w, f->required);
    qb_jw_key(w, "type");
    ice_type(w, f, partition);
    if (f->doc) {
      qb_jw_key(w, "doc");
      qb_jw_str(w, f->doc);
    }
    qb_jw_end_object(w);
  }
  qb_jw_end_array(w);
}

static void ice_struct(qb_jw *w, const mfield *fields, size_t n, const qb_type *partition)
{
  qb_jw_begin_object(w);
  qb_jw_key(w, "type");
  qb_jw_str(w, "struct");
  qb_jw_key(w, "fields");
  ice_fields(w, fields, n, partition);
  qb_jw_end_object(w);
}

static int ice_build(char **out, const mfield *fields, size_t n, const qb_type *partition, qb_err *err)
{
  qb_buf b;
  qb_jw w;
  size_t n_out;
  *out = NULL;
  qb_buf_init(&b, (size_t)16 << 20);
  qb_jw_init(&w, &b, false, err);
  /* a Schema's JSON is its struct with "schema-id" after "type" (here always 0, as Java) */
  qb_jw_begin_object(&w);
  qb_jw_key(&w, "type");
  qb_jw_str(&w, "struct");
  qb_jw_key(&w, "schema-id");
  qb_jw_i64(&w, 0);
  qb_jw_key(&w, "fields");
  ice_fields(&w, fields, n, partition);
  qb_jw_end_object(&w);
  int rc = qb_jw_finish(&w);
  if (!rc) rc = qb_buf_cstr(&b, err);
  if (rc) {
    qb_buf_free(&b);
    return rc;
  }
  *out = (char *)qb_buf_detach(&b, &n_out);
  return QB_OK;
}

/* Built once per partition tuple and kept in the schema cache (each manifest and list carries it). */
static int ice_schema(char **out, const char *record_name, const mfield *fields, size_t n, const qb_type *partition,
                      qb_err *err)
{
  *out = NULL;
  qb_buf key;
  qb_buf_init(&key, (size_t)1 << 20);
  int rc = schema_key(&key, ICE_KEY, record_name, partition, err);
  if (!rc) {
    pthread_mutex_lock(&cache_lock);
    int i = cache_find(&key);
    if (i >= 0 && !(*out = strdup(cache[i].text))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
    pthread_mutex_unlock(&cache_lock);
  }
  char *text = NULL;
  if (!rc && !*out && !(rc = ice_build(&text, fields, n, partition, err))) {
    pthread_mutex_lock(&cache_lock);
    char *k = cache_find(&key) >= 0 || n_cache == SCHEMA_CACHE ? NULL : malloc(key.n);
    char *copy = k ? strdup(text) : NULL;
    if (k && copy) {
      memcpy(k, key.p, key.n);
      cache[n_cache].key = k;
      cache[n_cache].n = key.n;
      cache[n_cache].schema = NULL;
      cache[n_cache++].text = copy;
    } else {
      free(k);
      free(copy);
    }
    pthread_mutex_unlock(&cache_lock);
    *out = text;
  }
  qb_buf_free(&key);
  return rc;
}

int qb_manifest__entry_iceberg_json(char **out, const qb_type *partition, qb_err *err)
{
  return ice_schema(out, "manifest_entry", entry_fields, QB_ME_N, partition, err);
}

int qb_manifest__list_iceberg_json(char **out, qb_err *err)
{
  return ice_schema(out, "manifest_file", list_fields, QB_MF_N, NULL, err);
}
