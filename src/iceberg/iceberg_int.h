/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of src/iceberg/: arena copies, JSON (de)serialisers of each object,
 * and the layout of qb_schema. Not part of the public API. */
#ifndef QB_ICEBERG_INT_H
#define QB_ICEBERG_INT_H

#include "formats/json/json.h"
#include "qberg/schema.h"
#include "qberg/table_metadata.h"
#include "util/arena.h"

/* Highest field id a user column may have: ids above are reserved for metadata columns. */
#define QB_MAX_USER_FIELD_ID (INT32_MAX - 200)

typedef struct qb_schema_entry {
  int32_t id;
  const qb_field *field;  /* for list elements and map keys/values a synthesized field */
  const char *full_name;  /* "a.b.element" */
  const uint32_t *path;   /* positions through structs from the root; valid when !in_collection */
  size_t path_len;
  bool in_collection;     /* inside a list or map */
  bool optional_ancestor; /* some enclosing struct field is optional */
} qb_schema_entry;

struct qb_schema {
  qb_arena *own; /* the arena this standalone schema owns; NULL when a metadata object owns it */
  int32_t schema_id;
  qb_type root;
  int32_t *identifier_ids;
  size_t n_identifier_ids;
  qb_schema_entry *index; /* sorted by id */
  size_t n_index;
  int32_t highest_id;
};

/* The compact JSON text of the snapshots of metadata objects, comma-separated, without brackets. Snapshots are
 * append-only between commits, so a builder derived from a metadata object shares its text (refcounted) and
 * serialises only the snapshots it adds, appending them in place when nobody appended past its view yet
 * (metadata_json.c). Each metadata object sees text[0..snap_text_n), the text of its first snap_text_count
 * snapshots; bytes beyond a view are never changed once written, so views of other objects stay valid. */
typedef struct qb_md_text {
  int refs;    /* atomic */
  size_t used; /* atomic: bytes written (claimed by one writer with a compare-and-swap) */
  size_t cap;
  char text[];
} qb_md_text;

void qb_md_text__release(qb_md_text *t);
/* Set md's snap_text view to the text of all its snapshots, extending the view it holds (that of its first,
 * unchanged, snap_text_count snapshots; NULL = none). Best effort: without memory md keeps no text. */
void qb_md_text__extend(struct qb_table_metadata *md);

/* The metadata object (table_metadata.c, metadata_json.c). Everything lives in `arena`, except snap_text. */
/* Storage of snapshots' strings (manifest list, operation, summary), refcounted: snapshots never change once
 * added, so metadata derived by a builder shares its base's chunks instead of copying every snapshot, and puts
 * the snapshots it adds into a chunk of its own (table_metadata.c). */
typedef struct qb_md_chunk {
  int refs; /* atomic */
  qb_arena arena;
} qb_md_chunk;

/* The snapshot structs of metadata made by builders, shared the same way as qb_md_text: a derived metadata
 * views its base's array and appends its new snapshots in place when nobody appended past its view yet
 * (claimed with a compare-and-swap on `used`), else it copies (table_metadata.c). Entries of a view never
 * change once written; a removal works on a private copy. */
typedef struct qb_md_snaps {
  int refs;    /* atomic */
  size_t used; /* atomic: entries claimed */
  size_t cap;
  int64_t *ids; /* ids[i] = items[i].snapshot_id: a lookup that misses scans 8 bytes per snapshot, not a struct */
  qb_snapshot items[];
} qb_md_snaps;

struct qb_table_metadata {
  qb_arena arena;
  int format_version;
  const char *uuid, *location;
  int64_t last_sequence_number, last_updated_ms;
  int32_t last_column_id, current_schema_id, default_spec_id, last_partition_id, default_sort_order_id;
  qb_schema **schemas;
  size_t n_schemas;
  qb_partition_spec *specs;
  size_t n_specs;
  qb_sort_order *sort_orders;
  size_t n_sort_orders;
  qb_kv *properties;
  size_t n_properties;
  int64_t current_snapshot_id; /* -1: none */
  qb_snapshot *snapshots; /* in snap_arr (its first n_snapshots items) or, if that is NULL, in `arena` */
  size_t n_snapshots;
  qb_md_snaps *snap_arr;  /* one reference, or NULL */
  qb_ref *refs;
  size_t n_refs;
  qb_snapshot_log_entry *snapshot_log;
  size_t n_snapshot_log;
  qb_metadata_log_entry *metadata_log;
  size_t n_metadata_log;
  qb_statistics_file *statistics;
  size_t n_statistics;
  qb_statistics_file *partition_statistics;
  size_t n_partition_statistics;
  qb_md_text *snap_text; /* NULL, or the cached text of snapshots (set by the builder only) */
  size_t snap_text_count, snap_text_n; /* this object's view of it */
  /* snaps_in_chunks: every snapshot's strings live in chunks[] (metadata from a builder); else in `arena`
   * (parsed metadata) */
  bool snaps_in_chunks;
  qb_md_chunk **chunks; /* in `arena`; one reference each */
  size_t n_chunks;
};

/* table_metadata.c: the cross-object rules a loaded or built metadata must satisfy. ids_distinct: the caller
 * knows the snapshot ids are distinct (a builder's result), so they are not checked again. */
int qb_table_metadata__validate(const qb_table_metadata *md, bool ids_distinct, qb_err *err);
qb_table_metadata *qb_table_metadata__alloc(void);

/* types.c */
int qb_type__copy(const qb_type **out, qb_arena *a, const qb_type *t, qb_err *err);
bool qb_type__v3_name(const char *s);

/* schema.c: build a schema in `a` from (already copied) fields; validates ids and identifier fields. */
int qb_schema__build(qb_schema **out, qb_arena *a, int32_t schema_id, const qb_field *fields, size_t n,
                     const int32_t *ids, size_t n_ids, qb_err *err);
/* Deep copy into `a` under a (possibly new) schema id. */
int qb_schema__copy(qb_schema **out, qb_arena *a, const qb_schema *src, int32_t schema_id, qb_err *err);
const qb_schema_entry *qb_schema__entry(const qb_schema *s, int32_t id);

/* schema_json.c */
int qb_schema__from_json(qb_schema **out, qb_arena *a, const json_object *o, qb_err *err);
void qb_schema__to_json(qb_jw *w, const qb_schema *s);

/* bounds.c: decimal unscaled values (precision <= 38 fits in 127 bits). */
typedef __int128 qb_i128;
bool qb_ice__decimal_of(const qb_value *v, qb_i128 *out);
/* Java BigInteger.toByteArray: minimal two's-complement big-endian bytes (0 -> 00, -1 -> ff, 128 -> 00 80). */
size_t qb_ice__decimal_bytes(qb_i128 x, uint8_t out[16]);

/* transform.c */
int qb_transform__parse_keep(qb_transform *out, qb_arena *a, const char *s, qb_err *err);

/* partition_spec.c */
int qb_partition_spec__from_json(qb_partition_spec *out, qb_arena *a, const json_object *o, qb_err *err);
/* v1 "partition-spec": the fields array alone; field ids default to 1000, 1001, … */
int qb_partition_spec__fields_from_json(qb_partition_spec *out, qb_arena *a, int32_t spec_id,
                                        const json_object *arr, qb_err *err);
void qb_partition_spec__to_json(qb_jw *w, const qb_partition_spec *spec);
void qb_partition_spec__fields_to_json(qb_jw *w, const qb_partition_spec *spec);
int qb_partition_spec__copy(qb_partition_spec *out, qb_arena *a, const qb_partition_spec *src, qb_err *err);
int32_t qb_partition_spec__last_field_id(const qb_partition_spec *spec);

/* sort_order.c */
int qb_sort_order__from_json(qb_sort_order *out, qb_arena *a, const json_object *o, qb_err *err);
void qb_sort_order__to_json(qb_jw *w, const qb_sort_order *order);
int qb_sort_order__copy(qb_sort_order *out, qb_arena *a, const qb_sort_order *src, qb_err *err);

/* snapshot.c */
int qb_snapshot__from_json(qb_snapshot *out, qb_arena *a, const json_object *o, qb_err *err);
void qb_snapshot__to_json(qb_jw *w, const qb_snapshot *s);
int qb_snapshot__copy(qb_snapshot *out, qb_arena *a, const qb_snapshot *src, qb_err *err);

/* refs.c */
int qb_ref__from_json(qb_ref *out, qb_arena *a, const char *name, const json_object *o, qb_err *err);
void qb_ref__to_json(qb_jw *w, const qb_ref *r);
int qb_ref__validate(const qb_ref *r, qb_err *err);

/* summary.c */
int qb_kv__copy(qb_kv **out, qb_arena *a, const qb_kv *src, size_t n, qb_err *err);
/* The entries a `replace` snapshot committed on `parent` carries (QB_SUMMARY_CARRIED_FROM): appended to
 * extra[*n..cap) (values point into `parent` and `ids`), skipping keys already there; none when they do not
 * all fit (readers then find no carried state: what they did before). */
void qb_summary__carry(qb_kv *extra, size_t *n, size_t cap, char ids[2][24], const qb_snapshot *parent);

/* Arena helpers that report ENOMEM through err. */
void *qb_ice__alloc(qb_arena *a, size_t n, size_t size, qb_err *err);
char *qb_ice__strdup(qb_arena *a, const char *s, qb_err *err);
/* Compact JSON text of a json-c value (for fields kept verbatim). */
char *qb_ice__json_text(qb_arena *a, const json_object *v, qb_err *err);

#endif
