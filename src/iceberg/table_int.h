/* SPDX-License-Identifier: Apache-2.0 */
/* The table layer's view of one table (table.c): its metadata, the FileIO, and the directory it is in
 * now; plus the pieces the scan and the writers share: name mapping (name_mapping.c), reading a data file
 * onto a schema by field id (data_reader.c), and the deletes that apply to a data file (deletes.c). */
#ifndef QB_ICEBERG_TABLE_INT_H
#define QB_ICEBERG_TABLE_INT_H

#include "iceberg/expr_int.h"
#include "qberg/fileio.h"
#include "qberg/manifest.h"
#include "qberg/parquet.h"
#include "qberg/table_metadata.h"

typedef struct qb_tbl {
  qb_fileio *io;
  const qb_table_metadata *md;
  const char *root; /* the table's directory now; files recorded under the metadata's location live here */
  const char *name; /* for messages */
} qb_tbl;

/* Where a path recorded in the metadata (manifest list, manifest, data or delete file) is now: a path
 * under the recorded table location is taken under `root` (tables moved, renamed, or copied from another
 * store: the corpus tables record s3a:// and relative locations). *out is malloc'd. */
int qb_tbl__path(char **out, const qb_tbl *t, const char *recorded, qb_err *err);
/* A new file `rel` ("data/x=1/f.parquet", "metadata/snap-….avro") of the table: where to write it and the
 * path to record (the recorded location + rel). Both malloc'd. */
int qb_tbl__new_path(char **physical, char **recorded, const qb_tbl *t, const char *rel, qb_err *err);
/* An integer table property (Java PropertyUtil.propertyAsLong): `def` when absent, QB_EINVAL when junk. */
int qb_tbl__prop_i64(int64_t *out, const qb_table_metadata *md, const char *key, int64_t def, qb_err *err);
bool qb_tbl__prop_bool(const qb_table_metadata *md, const char *key, bool def);
/* Whether every source column of `spec` is in `schema` (a spec whose columns were dropped since does not). */
bool qb_tbl__spec_binds(const qb_partition_spec *spec, const qb_schema *schema);
/* Open manifest `mf` of the table as a scan reads it: its partition values typed by the table's spec of that
 * id over `schema`; when the spec's source columns are gone from `schema` (dropped since), with the file's own
 * types. QB_ECORRUPT when the table has no spec of that id; QB_EINVAL when the file was written with another
 * spec; QB_ECORRUPT when its partition record cannot be read as the spec's types. Errors are not wrapped. */
int qb_tbl__open_manifest(qb_manifest_reader **out, const qb_tbl *t, const qb_schema *schema,
                          const qb_manifest_file *mf, qb_err *err);
/* Delete a file we wrote and no longer need; failures leave an orphan, nothing worse. */
void qb_tbl__delete_quietly(qb_fileio *io, const char *path);

/* ---- name_mapping.c (spec "Column Projection", schema.name-mapping.default) ---- */

typedef struct qb_name_mapping qb_name_mapping;
struct qb_name_mapping {
  int32_t field_id; /* -1: names without an id */
  size_t n_names;
  const char **names;
  size_t n_fields;
  const qb_name_mapping *fields; /* nested: struct fields, list "element", map "key"/"value" */
};

/* Parse the JSON of schema.name-mapping.default into `a`: *out is the top level (n_fields entries). */
int qb_name_mapping__parse(const qb_name_mapping **out, const char *json, qb_arena *a, qb_err *err);
/* The entry of `level` that lists `name`, or NULL. */
const qb_name_mapping *qb_name_mapping__find(const qb_name_mapping *level, const char *name);
/* The mapping `json` brought in step with a schema change from `old` to `now`, as Java's SchemaUpdate does
 * (MappingUtil.update): a renamed field's entry gets the new name too (files written before keep theirs), an
 * added field gets an entry (with its nested fields) under its container's entry when that is mapped.
 * Unlike Java, a name another entry of the level lists stays with it (the renamed or added field does not
 * get it: moving it would re-point files written before). Dropped fields keep their entries. *out is a new
 * malloc'd text, or NULL when nothing changed. */
int qb_name_mapping__update(char **out, const char *json, const qb_schema *old, const qb_schema *now, qb_err *err);

/* ---- data_reader.c ---- */

typedef struct qb_data_reader qb_data_reader;

typedef struct qb_data_reader_opts {
  const qb_schema *schema;          /* rows come out in this schema's top-level layout */
  const bool *needed;               /* per top-level field; false ones are null and not read (NULL: all) */
  const qb_name_mapping *mapping;   /* for files without field ids (NULL: match by name) */
  const qb_partition_spec *spec;    /* with `partition`: identity partition values fill missing columns */
  const qb_value *partition;        /* QB_V_STRUCT of spec's fields, or NULL */
  const qb_pq_predicate *preds;     /* row-group pruning by field id (only used when the file has ids) */
  size_t n_preds;
} qb_data_reader_opts;

/* Open a Parquet data or delete file; values of a column missing from the file come from the identity
 * partition, else the field's initial-default, else null; int→long and float→double are widened. */
int qb_data_reader__open(qb_data_reader **out, qb_fileio *io, const char *path, const qb_data_reader_opts *o,
                         qb_err *err);
/* The next row (QB_V_STRUCT with one item per top-level schema field) and its position in the file
 * (0-based, counting rows of skipped row groups). *row NULL at the end; valid until the next call. */
int qb_data_reader__next(const qb_value **row, int64_t *pos, qb_data_reader *r, qb_err *err);
/* Whether qb_data_reader__next_rows can read the top-level fields `top` (indexes into the schema's
 * fields) of this file: every column the file reads is a non-repeated primitive, and every field in `top`
 * is one of them (widened or retyped as the row path does) or a constant. */
bool qb_data_reader__flat(const qb_data_reader *r, const size_t *top, size_t n_top);
/* Up to `max_rows` next rows as the fields `top`, row-major: out[row * n_top + i] is field top[i] of the
 * row, the same value qb_data_reader__next's row holds (only when qb_data_reader__flat; `out` has room
 * for max_rows * n_top values). Column by column: no row is assembled. *n_rows 0 at the end. Strings
 * point into the file's pages, valid until the next call. Use it or qb_data_reader__next on a reader,
 * not both. */
int qb_data_reader__next_rows(qb_value *out, size_t *n_rows, qb_data_reader *r, const size_t *top, size_t n_top,
                              size_t max_rows, qb_err *err);
/* Whether top-level field `top` of the schema is read from the file (not a constant: partition value,
 * initial-default or null for a column the file lacks). */
bool qb_data_reader__from_file(const qb_data_reader *r, size_t top);
void qb_data_reader__counts(const qb_data_reader *r, uint64_t *rg_read, uint64_t *rg_skipped);
void qb_data_reader__close(qb_data_reader *r);

/* The value of field `id` (any depth outside lists/maps) in a row of `schema`'s layout; NULL when an
 * enclosing struct is null. */
const qb_value *qb_row__lookup(const qb_schema *schema, const qb_value *row, int32_t id);
/* A row with its schema, as qb_bexpr__eval input: qb_row__lookup_cb is the lookup callback over one. */
typedef struct qb_row_ref {
  const qb_schema *schema;
  const qb_value *row;
} qb_row_ref;
const qb_value *qb_row__lookup_cb(const void *ctx, int32_t id);

/* ---- deletes.c: v2 row-level deletes (spec "Scan Planning", "Delete Formats") ---- */

typedef struct qb_delete_index qb_delete_index;

typedef struct qb_delete_file {
  qb_data_file *file; /* owned copy */
  int32_t spec_id;
  int64_t data_seq;
} qb_delete_file;

int qb_delete_index__new(qb_delete_index **out, const qb_tbl *t, const qb_schema *schema,
                         const qb_name_mapping *mapping, qb_err *err);
/* Take a live delete file of the snapshot (its entry's sequence number inherited). */
int qb_delete_index__add(qb_delete_index *x, const qb_manifest_entry *e, int32_t spec_id, qb_err *err);
size_t qb_delete_index__count(const qb_delete_index *x);
/* The delete files that apply to data file `f` (sequence number `data_seq`, spec `spec_id`): position
 * deletes with seq >= data_seq in the same partition or naming the file, equality deletes with
 * seq > data_seq in the same partition or from an unpartitioned spec. *out borrowed until the next call. */
int qb_delete_index__for(const qb_delete_file *const **out, size_t *n, qb_delete_index *x, const qb_data_file *f,
                         int32_t spec_id, int64_t data_seq, qb_err *err);
/* Prepare to filter the rows of data file `f` (of partition spec `spec`, NULL: none): loads the positions
 * deleted from it and the equality delete sets (cached across files). Then qb_delete_index__deleted says
 * whether a row is gone. */
int qb_delete_index__begin_file(qb_delete_index *x, const qb_data_file *f, const qb_partition_spec *spec,
                                const qb_delete_file *const *dels, size_t n, qb_err *err);
bool qb_delete_index__deleted(qb_delete_index *x, const qb_value *row, int64_t pos);
/* One row of a position delete file: the data file path it names (not NUL-terminated) and the position. */
typedef int (*qb_delete_row_fn)(void *ctx, const uint8_t *path, size_t path_len, int64_t pos, int64_t row,
                                qb_err *err);
/* fsck: whether delete file `del` can be applied as scans apply it, failing as a scan would. An equality delete
 * needs equality ids that are primitive columns of some schema of the table; with `read`, its key columns are
 * read as scans read them. A position delete (only with `read`) is read as scans read it (file_path and pos),
 * each row passed to `fn` (NULL: none); *fn_failed says whether an error came from `fn`. */
int qb_delete_index__verify(qb_delete_index *x, const qb_data_file *del, bool read, qb_delete_row_fn fn, void *ctx,
                            bool *fn_failed, qb_err *err);
/* Field ids the equality deletes of the current file need in rows. */
void qb_delete_index__free(qb_delete_index *x);

#endif
