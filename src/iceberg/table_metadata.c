/* SPDX-License-Identifier: Apache-2.0 */
/* Table metadata (spec "Table Metadata"): getters, equality, the consistency rules Java's TableMetadata
 * constructor enforces, and the builder that derives new metadata (Java TableMetadata.Builder). */
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "util/hash.h"
#include "util/clock.h"
#include "util/str.h"

qb_table_metadata *qb_table_metadata__alloc(void)
{
  qb_table_metadata *md = calloc(1, sizeof *md);
  if (!md) return NULL;
  qb_arena_init(&md->arena, 16 << 10);
  md->current_snapshot_id = -1;
  return md;
}

static void snaps_release(qb_md_snaps *a)
{
  if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0) {
    free(a->ids);
    free(a);
  }
}

void qb_table_metadata_free(qb_table_metadata *md)
{
  if (!md) return;
  qb_md_text__release(md->snap_text);
  snaps_release(md->snap_arr);
  for (size_t i = 0; i < md->n_chunks; i++)
    if (__atomic_sub_fetch(&md->chunks[i]->refs, 1, __ATOMIC_ACQ_REL) == 0) {
      qb_arena_release(&md->chunks[i]->arena);
      free(md->chunks[i]);
    }
  qb_arena_release(&md->arena);
  free(md);
}

/* ---- getters --------------------------------------------------------------------------------- */

int qb_table_metadata_format_version(const qb_table_metadata *md) { return md->format_version; }
const char *qb_table_metadata_uuid(const qb_table_metadata *md) { return md->uuid; }
const char *qb_table_metadata_location(const qb_table_metadata *md) { return md->location; }
int64_t qb_table_metadata_last_sequence_number(const qb_table_metadata *md) { return md->last_sequence_number; }
int64_t qb_table_metadata_last_updated_ms(const qb_table_metadata *md) { return md->last_updated_ms; }
int32_t qb_table_metadata_last_column_id(const qb_table_metadata *md) { return md->last_column_id; }
int32_t qb_table_metadata_last_partition_id(const qb_table_metadata *md) { return md->last_partition_id; }
size_t qb_table_metadata_n_schemas(const qb_table_metadata *md) { return md->n_schemas; }
const qb_schema *qb_table_metadata_schema_at(const qb_table_metadata *md, size_t i)
{
  return i < md->n_schemas ? md->schemas[i] : NULL;
}

const qb_schema *qb_table_metadata_schema_by_id(const qb_table_metadata *md, int32_t id)
{
  for (size_t i = 0; i < md->n_schemas; i++)
    if (md->schemas[i]->schema_id == id) return md->schemas[i];
  return NULL;
}

const qb_schema *qb_table_metadata_current_schema(const qb_table_metadata *md)
{
  return qb_table_metadata_schema_by_id(md, md->current_schema_id);
}

size_t qb_table_metadata_n_specs(const qb_table_metadata *md) { return md->n_specs; }
const qb_partition_spec *qb_table_metadata_spec_at(const qb_table_metadata *md, size_t i)
{
  return i < md->n_specs ? &md->specs[i] : NULL;
}

const qb_partition_spec *qb_table_metadata_spec_by_id(const qb_table_metadata *md, int32_t id)
{
  for (size_t i = 0; i < md->n_specs; i++)
    if (md->specs[i].spec_id == id) return &md->specs[i];
  return NULL;
}

const qb_partition_spec *qb_table_metadata_default_spec(const qb_table_metadata *md)
{
  return qb_table_metadata_spec_by_id(md, md->default_spec_id);
}

size_t qb_table_metadata_n_sort_orders(const qb_table_metadata *md) { return md->n_sort_orders; }
const qb_sort_order *qb_table_metadata_sort_order_at(const qb_table_metadata *md, size_t i)
{
  return i < md->n_sort_orders ? &md->sort_orders[i] : NULL;
}

static const qb_sort_order *order_by_id(const qb_table_metadata *md, int32_t id)
{
  for (size_t i = 0; i < md->n_sort_orders; i++)
    if (md->sort_orders[i].order_id == id) return &md->sort_orders[i];
  return NULL;
}

const qb_sort_order *qb_table_metadata_default_sort_order(const qb_table_metadata *md)
{
  return order_by_id(md, md->default_sort_order_id);
}

size_t qb_table_metadata_n_properties(const qb_table_metadata *md) { return md->n_properties; }
const qb_kv *qb_table_metadata_properties(const qb_table_metadata *md) { return md->properties; }
const char *qb_table_metadata_property(const qb_table_metadata *md, const char *key)
{
  for (size_t i = 0; i < md->n_properties; i++)
    if (!strcmp(md->properties[i].key, key)) return md->properties[i].value;
  return NULL;
}

int64_t qb_table_metadata_current_snapshot_id(const qb_table_metadata *md) { return md->current_snapshot_id; }
const qb_snapshot *qb_table_metadata_current_snapshot(const qb_table_metadata *md)
{
  return md->current_snapshot_id == -1 ? NULL : qb_table_metadata_snapshot_by_id(md, md->current_snapshot_id);
}

size_t qb_table_metadata_n_snapshots(const qb_table_metadata *md) { return md->n_snapshots; }
const qb_snapshot *qb_table_metadata_snapshot_at(const qb_table_metadata *md, size_t i)
{
  return i < md->n_snapshots ? &md->snapshots[i] : NULL;
}

const qb_snapshot *qb_table_metadata_snapshot_by_id(const qb_table_metadata *md, int64_t id)
{
  /* newest first: the snapshots looked up most (the current one, a branch head) are at the end of a long
   * history; ids are unique (validated), so the order does not change the answer */
  if (md->snap_arr) { /* (snapshots == snap_arr->items) */
    const int64_t *ids = md->snap_arr->ids;
    for (size_t i = md->n_snapshots; i > 0; i--)
      if (ids[i - 1] == id) return &md->snapshots[i - 1];
    return NULL;
  }
  for (size_t i = md->n_snapshots; i > 0; i--)
    if (md->snapshots[i - 1].snapshot_id == id) return &md->snapshots[i - 1];
  return NULL;
}

size_t qb_table_metadata_n_refs(const qb_table_metadata *md) { return md->n_refs; }
const qb_ref *qb_table_metadata_ref_at(const qb_table_metadata *md, size_t i)
{
  return i < md->n_refs ? &md->refs[i] : NULL;
}

const qb_ref *qb_table_metadata_ref(const qb_table_metadata *md, const char *name)
{
  for (size_t i = 0; i < md->n_refs; i++)
    if (!strcmp(md->refs[i].name, name)) return &md->refs[i];
  return NULL;
}

const qb_snapshot_log_entry *qb_table_metadata_snapshot_log(const qb_table_metadata *md, size_t *n)
{
  *n = md->n_snapshot_log;
  return md->snapshot_log;
}

const qb_metadata_log_entry *qb_table_metadata_metadata_log(const qb_table_metadata *md, size_t *n)
{
  *n = md->n_metadata_log;
  return md->metadata_log;
}

const qb_statistics_file *qb_table_metadata_statistics(const qb_table_metadata *md, size_t *n)
{
  *n = md->n_statistics;
  return md->statistics;
}

const qb_statistics_file *qb_table_metadata_partition_statistics(const qb_table_metadata *md, size_t *n)
{
  *n = md->n_partition_statistics;
  return md->partition_statistics;
}

/* ---- equality -------------------------------------------------------------------------------- */

static bool s_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool transform_eq(const qb_transform *a, const qb_transform *b)
{
  return a->kind == b->kind && a->param == b->param && (a->kind != QB_TR_UNKNOWN || s_eq(a->unknown, b->unknown));
}

static bool spec_eq(const qb_partition_spec *a, const qb_partition_spec *b)
{
  if (a->spec_id != b->spec_id || a->n_fields != b->n_fields) return false;
  for (size_t i = 0; i < a->n_fields; i++) {
    const qb_partition_field *x = &a->fields[i], *y = &b->fields[i];
    if (x->source_id != y->source_id || x->field_id != y->field_id || !s_eq(x->name, y->name) ||
        !transform_eq(&x->transform, &y->transform))
      return false;
  }
  return true;
}

static bool order_fields_eq(const qb_sort_order *a, const qb_sort_order *b)
{
  if (a->n_fields != b->n_fields) return false;
  for (size_t i = 0; i < a->n_fields; i++) {
    const qb_sort_field *x = &a->fields[i], *y = &b->fields[i];
    if (x->source_id != y->source_id || x->direction != y->direction || x->null_order != y->null_order ||
        !transform_eq(&x->transform, &y->transform))
      return false;
  }
  return true;
}

static bool kv_eq(const qb_kv *a, size_t na, const qb_kv *b, size_t nb)
{
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (!s_eq(a[i].key, b[i].key) || !s_eq(a[i].value, b[i].value)) return false;
  return true;
}

static bool snapshot_eq(const qb_snapshot *a, const qb_snapshot *b)
{
  if (a->snapshot_id != b->snapshot_id || a->has_parent != b->has_parent ||
      (a->has_parent && a->parent_id != b->parent_id) || a->sequence_number != b->sequence_number ||
      a->timestamp_ms != b->timestamp_ms || !s_eq(a->manifest_list, b->manifest_list) ||
      a->n_manifests != b->n_manifests || !s_eq(a->operation, b->operation) ||
      !kv_eq(a->summary, a->n_summary, b->summary, b->n_summary) || a->has_schema_id != b->has_schema_id ||
      (a->has_schema_id && a->schema_id != b->schema_id))
    return false;
  for (size_t i = 0; i < a->n_manifests; i++)
    if (!s_eq(a->manifests[i], b->manifests[i])) return false;
  return true;
}

static bool stats_eq(const qb_statistics_file *a, size_t na, const qb_statistics_file *b, size_t nb)
{
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (a[i].snapshot_id != b[i].snapshot_id || !s_eq(a[i].json, b[i].json)) return false;
  return true;
}

bool qb_table_metadata_equal(const qb_table_metadata *a, const qb_table_metadata *b)
{
  if (a->format_version != b->format_version || !s_eq(a->uuid, b->uuid) || !s_eq(a->location, b->location) ||
      a->last_sequence_number != b->last_sequence_number || a->last_updated_ms != b->last_updated_ms ||
      a->last_column_id != b->last_column_id || a->current_schema_id != b->current_schema_id ||
      a->default_spec_id != b->default_spec_id || a->last_partition_id != b->last_partition_id ||
      a->default_sort_order_id != b->default_sort_order_id || a->current_snapshot_id != b->current_snapshot_id ||
      a->n_schemas != b->n_schemas || a->n_specs != b->n_specs || a->n_sort_orders != b->n_sort_orders ||
      a->n_snapshots != b->n_snapshots || a->n_refs != b->n_refs || a->n_snapshot_log != b->n_snapshot_log ||
      a->n_metadata_log != b->n_metadata_log ||
      !kv_eq(a->properties, a->n_properties, b->properties, b->n_properties) ||
      !stats_eq(a->statistics, a->n_statistics, b->statistics, b->n_statistics) ||
      !stats_eq(a->partition_statistics, a->n_partition_statistics, b->partition_statistics,
                b->n_partition_statistics))
    return false;
  for (size_t i = 0; i < a->n_schemas; i++)
    if (a->schemas[i]->schema_id != b->schemas[i]->schema_id || !qb_schema_same(a->schemas[i], b->schemas[i]))
      return false;
  for (size_t i = 0; i < a->n_specs; i++)
    if (!spec_eq(&a->specs[i], &b->specs[i])) return false;
  for (size_t i = 0; i < a->n_sort_orders; i++)
    if (a->sort_orders[i].order_id != b->sort_orders[i].order_id ||
        !order_fields_eq(&a->sort_orders[i], &b->sort_orders[i]))
      return false;
  for (size_t i = 0; i < a->n_snapshots; i++)
    if (!snapshot_eq(&a->snapshots[i], &b->snapshots[i])) return false;
  for (size_t i = 0; i < a->n_refs; i++) {
    const qb_ref *x = &a->refs[i], *y = &b->refs[i];
    if (!s_eq(x->name, y->name) || x->snapshot_id != y->snapshot_id || x->type != y->type ||
        x->min_snapshots_to_keep != y->min_snapshots_to_keep || x->max_snapshot_age_ms != y->max_snapshot_age_ms ||
        x->max_ref_age_ms != y->max_ref_age_ms)
      return false;
  }
  for (size_t i = 0; i < a->n_snapshot_log; i++)
    if (a->snapshot_log[i].timestamp_ms != b->snapshot_log[i].timestamp_ms ||
        a->snapshot_log[i].snapshot_id != b->snapshot_log[i].snapshot_id)
      return false;
  for (size_t i = 0; i < a->n_metadata_log; i++)
    if (a->metadata_log[i].timestamp_ms != b->metadata_log[i].timestamp_ms ||
        !s_eq(a->metadata_log[i].metadata_file, b->metadata_log[i].metadata_file))
      return false;
  return true;
}

/* ---- validation ------------------------------------------------------------------------------ */

int qb_table_metadata__validate(const qb_table_metadata *md, bool ids_distinct, qb_err *err)
{
  if (md->format_version > 1 && !md->uuid)
    return QB_FAIL(err, QB_ECORRUPT, "missing required field 'table-uuid' (required in format v%d)", md->format_version);
  for (size_t i = 0; i < md->n_schemas; i++)
    for (size_t j = 0; j < i; j++)
      if (md->schemas[i]->schema_id == md->schemas[j]->schema_id)
        return QB_FAIL(err, QB_ECORRUPT, "duplicate schema id %d in 'schemas'", (int)md->schemas[i]->schema_id);
  if (!qb_table_metadata_current_schema(md))
    return QB_FAIL(err, QB_ECORRUPT, "current-schema-id %d not found in 'schemas'", (int)md->current_schema_id);
  for (size_t i = 0; i < md->n_specs; i++)
    for (size_t j = 0; j < i; j++)
      if (md->specs[i].spec_id == md->specs[j].spec_id)
        return QB_FAIL(err, QB_ECORRUPT, "duplicate spec id %d in 'partition-specs'", (int)md->specs[i].spec_id);
  if (!qb_table_metadata_default_spec(md))
    return QB_FAIL(err, QB_ECORRUPT, "default-spec-id %d not found in 'partition-specs'", (int)md->default_spec_id);
  if (!qb_table_metadata_default_sort_order(md))
    return QB_FAIL(err, QB_ECORRUPT, "default-sort-order-id %d not found in 'sort-orders'",
                   (int)md->default_sort_order_id);
  /* a set, not a pairwise scan: metadata with 10,000s of snapshots is validated on every load */
  qb_u64set seen;
  qb_u64set_init(&seen);
  for (size_t i = 0; i < md->n_snapshots; i++) {
    const qb_snapshot *s = &md->snapshots[i];
    int rc = ids_distinct ? QB_OK
             : qb_u64set_has(&seen, (uint64_t)s->snapshot_id)
                 ? QB_FAIL(err, QB_ECORRUPT, "duplicate snapshot id %lld", (long long)s->snapshot_id)
                 : qb_u64set_add(&seen, (uint64_t)s->snapshot_id, err);
    if (rc) {
      qb_u64set_free(&seen);
      return rc;
    }
    /* Java indexAndValidateSnapshots */
    if (s->sequence_number > md->last_sequence_number) {
      qb_u64set_free(&seen);
      return QB_FAIL(err, QB_ECORRUPT,
                     "invalid snapshot %lld: sequence number %lld greater than last-sequence-number %lld",
                     (long long)s->snapshot_id, (long long)s->sequence_number, (long long)md->last_sequence_number);
    }
  }
  qb_u64set_free(&seen);
  if (md->current_snapshot_id != -1 && !qb_table_metadata_current_snapshot(md))
    return QB_FAIL(err, QB_ECORRUPT, "current-snapshot-id %lld not found in 'snapshots'",
                   (long long)md->current_snapshot_id);
  for (size_t i = 0; i < md->n_refs; i++) {
    const qb_ref *r = &md->refs[i];
    if (!qb_table_metadata_snapshot_by_id(md, r->snapshot_id))
      return QB_FAIL(err, QB_ECORRUPT, "ref '%s' points to snapshot %lld, which is not in 'snapshots'", r->name,
                     (long long)r->snapshot_id);
    if (!strcmp(r->name, "main")) {
      if (r->type != QB_REF_BRANCH) return QB_FAIL(err, QB_ECORRUPT, "ref 'main' must be a branch, not a tag");
      if (r->snapshot_id != md->current_snapshot_id)
        return QB_FAIL(err, QB_ECORRUPT, "current-snapshot-id %lld does not match ref 'main' (%lld)",
                       (long long)md->current_snapshot_id, (long long)r->snapshot_id);
    }
  }
  return QB_OK;
}

/* ---- builder --------------------------------------------------------------------------------- */

struct qb_metadata_builder {
  qb_table_metadata *md;
  int rc;              /* first error: the builder is poisoned */
  qb_err first_err;
  bool has_base;
  int64_t base_last_updated_ms;
  size_t cap_schemas, cap_specs, cap_orders, cap_props, cap_refs, cap_slog;
  bool has_last_schema, has_last_spec, has_last_order;
  int32_t last_added_schema, last_added_spec, last_added_order;
  int64_t *added; /* snapshots added by this builder */
  size_t n_added, cap_added;
  int64_t *main_sets; /* added snapshots that "main" pointed to at some time in this builder */
  size_t n_main_sets, cap_main_sets;
  bool removed_snapshots;
  qb_md_chunk *own_chunk; /* where the snapshots this builder adds keep their strings; NULL until one is */
};

static const char *const reserved_properties[] = {
    "format-version", "uuid", "snapshot-count", "current-snapshot-summary", "current-snapshot-id",
    "current-snapshot-timestamp-ms", "current-schema", "default-partition-spec", "default-sort-order"};

/* Make room for one more element in an arena array (old storage is abandoned to the arena). */
static int grow(qb_table_metadata *md, void **arr, size_t n, size_t *cap, size_t elem, qb_err *err)
{
  if (n < *cap) return QB_OK;
  size_t nc = *cap ? *cap * 2 : 4;
  void *p = qb_ice__alloc(&md->arena, nc, elem, err);
  if (!p) return QB_ENOMEM;
  if (n) memcpy(p, *arr, n * elem);
  *arr = p;
  *cap = nc;
  return QB_OK;
}

#define GROW(b, field, nfield, capfield, err) \
  grow((b)->md, (void **)&(b)->md->field, (b)->md->nfield, &(b)->capfield, sizeof *(b)->md->field, err)

/* Entry/exit for every builder call: poisoned builders repeat their first error. */
static int poisoned(qb_metadata_builder *b, qb_err *err)
{
  if (!b->rc) return QB_OK;
  if (err) *err = b->first_err;
  return b->rc;
}

static int done(qb_metadata_builder *b, int rc, qb_err *err)
{
  if (rc && !b->rc) {
    b->rc = rc;
    if (err) b->first_err = *err;
    else b->first_err.code = rc;
  }
  return rc;
}

static int push_id(qb_table_metadata *md, int64_t **arr, size_t *n, size_t *cap, int64_t id, qb_err *err)
{
  void *p = *arr;
  int rc = grow(md, &p, *n, cap, sizeof(int64_t), err);
  if (rc) return rc;
  *arr = p;
  (*arr)[(*n)++] = id;
  return QB_OK;
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static bool has_id(const int64_t *arr, size_t n, int64_t id)
{
  for (size_t i = 0; i < n; i++)
    if (arr[i] == id) return true;
  return false;
}

/* Beyond this many chunks a derived metadata copies its snapshots into one chunk again: a long-lived process
 * committing often keeps few small chunks alive, and the cost of the copy is spread over that many commits. */
#define MAX_CHUNKS 32

/* A new chunk appended to md->chunks (the array is re-made in md's arena: it is short). */
static qb_md_chunk *add_chunk(qb_table_metadata *md, qb_err *err)
{
  qb_md_chunk **arr = qb_ice__alloc(&md->arena, md->n_chunks + 1, sizeof *arr, err);
  qb_md_chunk *c = arr ? malloc(sizeof *c) : NULL;
  if (!c) {
    if (arr) QB_FAIL(err, QB_ENOMEM, "out of memory copying snapshots");
    return NULL;
  }
  c->refs = 1;
  qb_arena_init(&c->arena, 4096);
  if (md->n_chunks) memcpy(arr, md->chunks, md->n_chunks * sizeof *arr);
  arr[md->n_chunks++] = c;
  md->chunks = arr;
  return c;
}

/* Room a derived metadata leaves after the snapshots and the snapshot-log it copies: a commit adds one or a few
 * entries, which then need no second, doubled copy of a long history's arrays. */
#define HEADROOM 16

/* An arena array of n elements with HEADROOM spare, the first n copied from src unless it is NULL (nothing
 * zeroed: a long history's arrays are megabytes). */
static void *copy_array(qb_arena *a, const void *src, size_t n, size_t elem, qb_err *err)
{
  void *p = qb_arena_alloc(a, (n + HEADROOM) * elem);
  if (!p) {
    QB_FAIL(err, QB_ENOMEM, "out of memory (%zu x %zu bytes)", n + HEADROOM, elem);
    return NULL;
  }
  if (n && src) memcpy(p, src, n * elem);
  return p;
}

/* A new snapshot array for md holding its n_snapshots current entries (copied from `from`, NULL: left for the
 * caller to fill) and room for `extra` more; replaces md's view. */
static int snaps_fresh(qb_table_metadata *md, const qb_snapshot *from, size_t extra, qb_err *err)
{
  size_t n = md->n_snapshots, cap = n + n / 2 + extra;
  if (cap > (SIZE_MAX - sizeof(qb_md_snaps)) / sizeof(qb_snapshot))
    return QB_FAIL(err, QB_ELIMIT, "%zu snapshots are too many", n);
  qb_md_snaps *a = malloc(sizeof *a + cap * sizeof(qb_snapshot));
  int64_t *ids = a ? malloc((cap ? cap : 1) * sizeof *ids) : NULL;
  if (!ids) {
    free(a);
    return QB_FAIL(err, QB_ENOMEM, "out of memory for %zu snapshots", cap);
  }
  a->refs = 1;
  a->used = n;
  a->cap = cap;
  a->ids = ids;
  if (n && from) memcpy(a->items, from, n * sizeof(qb_snapshot));
  for (size_t i = 0; from && i < n; i++) ids[i] = from[i].snapshot_id;
  snaps_release(md->snap_arr);
  md->snap_arr = a;
  md->snapshots = a->items;
  return QB_OK;
}

/* Make md->snapshots[md->n_snapshots] writable: in place at the end of the shared array if our view still
 * ends where the array does, else in a copy with room to grow (each commit's append is then no copy). */
static int snaps_append_slot(qb_table_metadata *md, qb_err *err)
{
  qb_md_snaps *a = md->snap_arr;
  size_t n = md->n_snapshots, expect = n;
  if (a && n < a->cap &&
      __atomic_compare_exchange_n(&a->used, &expect, n + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return QB_OK;
  int rc = snaps_fresh(md, md->snapshots, HEADROOM, err);
  if (rc == QB_OK) md->snap_arr->used = n + 1; /* the slot is ours */
  return rc;
}

static int copy_snapshots(qb_table_metadata *dst, const qb_table_metadata *src, qb_err *err)
{
  bool share = src->snaps_in_chunks && src->n_chunks < MAX_CHUNKS;
  dst->snaps_in_chunks = true;
  dst->n_snapshots = src->n_snapshots;
  if (share && src->snap_arr) { /* view the base's array: no copy of a long history's structs */
    __atomic_add_fetch(&src->snap_arr->refs, 1, __ATOMIC_ACQ_REL);
    dst->snap_arr = src->snap_arr;
    dst->snapshots = src->snapshots;
  } else {
    /* shared strings: the snapshot structs are copied as they are; else each is deep-copied below */
    int rc = snaps_fresh(dst, share ? src->snapshots : NULL, HEADROOM, err);
    if (rc) return rc;
  }
  if (share) { /* share the strings */
    if (src->n_chunks && !(dst->chunks = qb_ice__alloc(&dst->arena, src->n_chunks, sizeof *dst->chunks, err)))
      return QB_ENOMEM;
    for (size_t i = 0; i < src->n_chunks; i++) {
      __atomic_add_fetch(&src->chunks[i]->refs, 1, __ATOMIC_ACQ_REL);
      dst->chunks[i] = src->chunks[i];
    }
    dst->n_chunks = src->n_chunks;
    return QB_OK;
  }
  qb_md_chunk *c = src->n_snapshots ? add_chunk(dst, err) : NULL;
  if (src->n_snapshots && !c) return QB_ENOMEM;
  for (size_t i = 0; i < src->n_snapshots; i++) {
    int rc = qb_snapshot__copy(&dst->snapshots[i], &c->arena, &src->snapshots[i], err);
    dst->snap_arr->ids[i] = src->snapshots[i].snapshot_id;
    if (rc) {
      dst->n_snapshots = i; /* what is there is valid */
      return rc;
    }
  }
  return QB_OK;
}

static int copy_metadata(qb_table_metadata *dst, const qb_table_metadata *src, qb_err *err)
{
  qb_arena *a = &dst->arena;
  int rc = QB_OK;
  dst->format_version = src->format_version;
  dst->last_sequence_number = src->last_sequence_number;
  dst->last_updated_ms = src->last_updated_ms;
  dst->last_column_id = src->last_column_id;
  dst->current_schema_id = src->current_schema_id;
  dst->default_spec_id = src->default_spec_id;
  dst->last_partition_id = src->last_partition_id;
  dst->default_sort_order_id = src->default_sort_order_id;
  dst->current_snapshot_id = src->current_snapshot_id;
  if ((dst->snap_text = src->snap_text)) __atomic_add_fetch(&dst->snap_text->refs, 1, __ATOMIC_ACQ_REL);
  dst->snap_text_count = src->snap_text_count;
  dst->snap_text_n = src->snap_text_n;
  if (src->uuid && !(dst->uuid = qb_ice__strdup(a, src->uuid, err))) return QB_ENOMEM;
  if (src->location && !(dst->location = qb_ice__strdup(a, src->location, err))) return QB_ENOMEM;
  dst->schemas = qb_ice__alloc(a, src->n_schemas, sizeof *dst->schemas, err);
  dst->specs = qb_ice__alloc(a, src->n_specs, sizeof *dst->specs, err);
  dst->sort_orders = qb_ice__alloc(a, src->n_sort_orders, sizeof *dst->sort_orders, err);
  dst->refs = qb_ice__alloc(a, src->n_refs, sizeof *dst->refs, err);
  dst->snapshot_log = copy_array(a, src->snapshot_log, src->n_snapshot_log, sizeof *dst->snapshot_log, err);
  dst->metadata_log = qb_ice__alloc(a, src->n_metadata_log, sizeof *dst->metadata_log, err);
  dst->statistics = qb_ice__alloc(a, src->n_statistics, sizeof *dst->statistics, err);
  dst->partition_statistics = qb_ice__alloc(a, src->n_partition_statistics, sizeof *dst->partition_statistics, err);
  if (!dst->schemas || !dst->specs || !dst->sort_orders || !dst->refs || !dst->snapshot_log ||
      !dst->metadata_log || !dst->statistics || !dst->partition_statistics)
    return QB_ENOMEM;
  for (size_t i = 0; i < src->n_schemas && !rc; i++)
    rc = qb_schema__copy(&dst->schemas[i], a, src->schemas[i], src->schemas[i]->schema_id, err);
  dst->n_schemas = src->n_schemas;
  for (size_t i = 0; i < src->n_specs && !rc; i++) rc = qb_partition_spec__copy(&dst->specs[i], a, &src->specs[i], err);
  dst->n_specs = src->n_specs;
  for (size_t i = 0; i < src->n_sort_orders && !rc; i++)
    rc = qb_sort_order__copy(&dst->sort_orders[i], a, &src->sort_orders[i], err);
  dst->n_sort_orders = src->n_sort_orders;
  if (!rc) rc = qb_kv__copy(&dst->properties, a, src->properties, src->n_properties, err);
  dst->n_properties = src->n_properties;
  if (!rc) rc = copy_snapshots(dst, src, err);
  for (size_t i = 0; i < src->n_refs && !rc; i++) {
    dst->refs[i] = src->refs[i];
    if (!(dst->refs[i].name = qb_ice__strdup(a, src->refs[i].name, err))) rc = QB_ENOMEM;
  }
  dst->n_refs = src->n_refs;
  dst->n_snapshot_log = src->n_snapshot_log;
  for (size_t i = 0; i < src->n_metadata_log && !rc; i++) {
    dst->metadata_log[i].timestamp_ms = src->metadata_log[i].timestamp_ms;
    if (!(dst->metadata_log[i].metadata_file = qb_ice__strdup(a, src->metadata_log[i].metadata_file, err)))
      rc = QB_ENOMEM;
  }
  dst->n_metadata_log = src->n_metadata_log;
  for (size_t i = 0; i < src->n_statistics && !rc; i++) {
    dst->statistics[i].snapshot_id = src->statistics[i].snapshot_id;
    if (!(dst->statistics[i].json = qb_ice__strdup(a, src->statistics[i].json, err))) rc = QB_ENOMEM;
  }
  dst->n_statistics = src->n_statistics;
  for (size_t i = 0; i < src->n_partition_statistics && !rc; i++) {
    dst->partition_statistics[i].snapshot_id = src->partition_statistics[i].snapshot_id;
    if (!(dst->partition_statistics[i].json = qb_ice__strdup(a, src->partition_statistics[i].json, err)))
      rc = QB_ENOMEM;
  }
  dst->n_partition_statistics = src->n_partition_statistics;
  return rc;
}

static qb_metadata_builder *builder_alloc(qb_err *err)
{
  qb_metadata_builder *b = calloc(1, sizeof *b);
  if (b && !(b->md = qb_table_metadata__alloc())) {
    free(b);
    b = NULL;
  }
  if (b) b->md->snaps_in_chunks = true; /* none yet */
  if (!b) QB_FAIL(err, QB_ENOMEM, "out of memory creating a metadata builder");
  return b;
}

void qb_metadata_builder_free(qb_metadata_builder *b)
{
  if (!b) return;
  qb_table_metadata_free(b->md);
  free(b);
}

int qb_metadata_builder_from(qb_metadata_builder **out, const qb_table_metadata *base, qb_err *err)
{
  *out = NULL;
  qb_metadata_builder *b = builder_alloc(err);
  if (!b) return QB_ENOMEM;
  int rc = copy_metadata(b->md, base, err);
  if (rc) {
    qb_metadata_builder_free(b);
    return rc;
  }
  b->has_base = true;
  b->base_last_updated_ms = base->last_updated_ms;
  b->cap_schemas = b->md->n_schemas;
  b->cap_specs = b->md->n_specs;
  b->cap_orders = b->md->n_sort_orders;
  b->cap_props = b->md->n_properties;
  b->cap_refs = b->md->n_refs;
  b->cap_slog = b->md->n_snapshot_log + HEADROOM;
  *out = b;
  return QB_OK;
}

int qb_metadata_builder_new_table(qb_metadata_builder **out, const qb_schema *schema, const qb_partition_spec *spec,
                                  const qb_sort_order *order, const char *location, const char *uuid, qb_err *err)
{
  *out = NULL;
  if (!location || !*location) return QB_FAIL(err, QB_EINVAL, "a new table needs a location");
  qb_metadata_builder *b = builder_alloc(err);
  if (!b) return QB_ENOMEM;
  qb_table_metadata *md = b->md;
  char gen[37];
  if (!uuid) {
    qb_uuid_v4(gen);
    uuid = gen;
  }
  md->format_version = 2;
  md->last_partition_id = QB_PARTITION_FIELD_ID_START - 1;
  md->default_spec_id = 0;
  md->current_schema_id = 0;
  md->default_sort_order_id = 0;
  int rc = (md->uuid = qb_ice__strdup(&md->arena, uuid, err)) ? QB_OK : QB_ENOMEM;
  if (!rc) rc = qb_metadata_builder_set_location(b, location, err);
  if (!rc) {
    int32_t id;
    rc = qb_metadata_builder_add_schema(b, schema, &id, err);
    if (!rc) md->current_schema_id = id;
  }
  qb_partition_spec unpartitioned = {0, 0, NULL};
  qb_partition_spec s0 = spec ? *spec : unpartitioned;
  s0.spec_id = 0;
  if (!rc) rc = qb_metadata_builder_add_spec(b, &s0, NULL, err);
  /* the unsorted order always exists (id 0); a real order becomes order 1 (Java INITIAL_SORT_ORDER_ID) */
  qb_sort_order unsorted = {0, 0, NULL};
  if (!rc) rc = qb_metadata_builder_add_sort_order(b, &unsorted, NULL, err);
  if (!rc && order && order->n_fields) {
    int32_t oid;
    rc = qb_metadata_builder_add_sort_order(b, order, &oid, err);
    if (!rc) md->default_sort_order_id = oid;
  }
  /* Java persists this default for new tables only (PARQUET_COMPRESSION_DEFAULT_SINCE_1_4_0). */
  qb_kv zstd = {"write.parquet.compression-codec", "zstd"};
  if (!rc) rc = qb_metadata_builder_set_properties(b, &zstd, 1, err);
  if (rc) {
    qb_metadata_builder_free(b);
    return rc;
  }
  *out = b;
  return QB_OK;
}

int qb_metadata_builder_add_schema(qb_metadata_builder *b, const qb_schema *schema, int32_t *out_id, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  /* Java reuseOrCreateNewSchemaId: an identical schema keeps its id, else highest id + 1. */
  int32_t id = md->n_schemas ? md->current_schema_id : 0;
  for (size_t i = 0; i < md->n_schemas; i++) {
    if (qb_schema_same(md->schemas[i], schema)) {
      b->has_last_schema = true;
      b->last_added_schema = md->schemas[i]->schema_id;
      if (out_id) *out_id = md->schemas[i]->schema_id;
      if (schema->highest_id > md->last_column_id) md->last_column_id = schema->highest_id;
      return QB_OK;
    }
    if (md->schemas[i]->schema_id >= id) id = md->schemas[i]->schema_id + 1;
  }
  if ((rc = GROW(b, schemas, n_schemas, cap_schemas, err))) return done(b, rc, err);
  qb_schema *copy;
  if ((rc = qb_schema__copy(&copy, &md->arena, schema, id, err))) return done(b, rc, err);
  md->schemas[md->n_schemas++] = copy;
  if (copy->highest_id > md->last_column_id) md->last_column_id = copy->highest_id;
  b->has_last_schema = true;
  b->last_added_schema = id;
  if (out_id) *out_id = id;
  return QB_OK;
}

int qb_metadata_builder_set_current_schema(qb_metadata_builder *b, int32_t schema_id, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  if (schema_id == -1) {
    if (!b->has_last_schema)
      return done(b, QB_FAIL(err, QB_EINVAL, "cannot set last added schema: no schema has been added"), err);
    schema_id = b->last_added_schema;
  }
  if (!qb_table_metadata_schema_by_id(b->md, schema_id))
    return done(b, QB_FAIL(err, QB_EINVAL, "cannot set current schema to unknown schema: %d", (int)schema_id), err);
  b->md->current_schema_id = schema_id;
  return QB_OK;
}

static bool spec_compatible(const qb_partition_spec *a, const qb_partition_spec *b)
{
  if (a->n_fields != b->n_fields) return false;
  for (size_t i = 0; i < a->n_fields; i++) {
    const qb_partition_field *x = &a->fields[i], *y = &b->fields[i];
    if (x->source_id != y->source_id || strcmp(x->name, y->name) || !transform_eq(&x->transform, &y->transform))
      return false;
  }
  return true;
}

int qb_metadata_builder_add_spec(qb_metadata_builder *b, const qb_partition_spec *spec, int32_t *out_id, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  int32_t id = 0;
  for (size_t i = 0; i < md->n_specs; i++) {
    if (spec_compatible(&md->specs[i], spec)) {
      b->has_last_spec = true;
      b->last_added_spec = md->specs[i].spec_id;
      if (out_id) *out_id = md->specs[i].spec_id;
      return QB_OK;
    }
    if (md->specs[i].spec_id >= id) id = md->specs[i].spec_id + 1;
  }
  const qb_schema *schema = qb_table_metadata_current_schema(md);
  if (!schema) return done(b, QB_FAIL(err, QB_EINVAL, "cannot add a partition spec before a schema"), err);
  if ((rc = qb_partition_spec_validate(spec, schema, err))) return done(b, rc, err);
  if ((rc = GROW(b, specs, n_specs, cap_specs, err))) return done(b, rc, err);
  qb_partition_spec copy;
  if ((rc = qb_partition_spec__copy(&copy, &md->arena, spec, err))) return done(b, rc, err);
  copy.spec_id = id;
  /* Java freshSpec: in v2 a field equal to an existing one (same source, transform, name) keeps its
   * id; every other field gets last-partition-id + 1. In v1 a field that comes with an id keeps it (a field
   * removed by a spec update stays as a void transform with its id: v1 ids are 1000, 1001, ... by position)
   * and a new one gets last-partition-id + 1. */
  qb_partition_field *f = (qb_partition_field *)copy.fields;
  for (size_t i = 0; i < copy.n_fields; i++) {
    if (md->format_version == 1) { /* no recycling of ids in v1 (Java recycles from v2 on) */
      if (f[i].field_id < 1000) f[i].field_id = ++md->last_partition_id;
      else if (f[i].field_id > md->last_partition_id) md->last_partition_id = f[i].field_id;
      continue;
    }
    int32_t reuse = 0;
    for (size_t s = 0; s < md->n_specs && !reuse; s++)
      for (size_t k = 0; k < md->specs[s].n_fields && !reuse; k++) {
        const qb_partition_field *o = &md->specs[s].fields[k];
        if (o->source_id == f[i].source_id && !strcmp(o->name, f[i].name) && transform_eq(&o->transform, &f[i].transform))
          reuse = o->field_id;
      }
    f[i].field_id = reuse ? reuse : ++md->last_partition_id;
  }
  int32_t last = qb_partition_spec__last_field_id(&copy);
  if (last > md->last_partition_id) md->last_partition_id = last;
  md->specs[md->n_specs++] = copy;
  b->has_last_spec = true;
  b->last_added_spec = id;
  if (out_id) *out_id = id;
  return QB_OK;
}

int qb_metadata_builder_set_default_spec(qb_metadata_builder *b, int32_t spec_id, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  if (spec_id == -1) {
    if (!b->has_last_spec) return done(b, QB_FAIL(err, QB_EINVAL, "cannot set last added spec: no spec has been added"), err);
    spec_id = b->last_added_spec;
  }
  if (!qb_table_metadata_spec_by_id(b->md, spec_id))
    return done(b, QB_FAIL(err, QB_EINVAL, "cannot set default partition spec to unknown spec: %d", (int)spec_id), err);
  b->md->default_spec_id = spec_id;
  return QB_OK;
}

int qb_metadata_builder_add_sort_order(qb_metadata_builder *b, const qb_sort_order *order, int32_t *out_id,
                                       qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  int32_t id = order->n_fields ? 1 : 0;
  for (size_t i = 0; i < md->n_sort_orders; i++) {
    const qb_sort_order *o = &md->sort_orders[i];
    if (order_fields_eq(o, order)) {
      b->has_last_order = true;
      b->last_added_order = o->order_id;
      if (out_id) *out_id = o->order_id;
      return QB_OK;
    }
    if (order->n_fields && o->order_id >= id) id = o->order_id + 1;
  }
  const qb_schema *schema = qb_table_metadata_current_schema(md);
  if (!schema) return done(b, QB_FAIL(err, QB_EINVAL, "cannot add a sort order before a schema"), err);
  qb_sort_order copy;
  if ((rc = qb_sort_order__copy(&copy, &md->arena, order, err))) return done(b, rc, err);
  copy.order_id = id;
  if ((rc = qb_sort_order_validate(&copy, schema, err))) return done(b, rc, err);
  if ((rc = GROW(b, sort_orders, n_sort_orders, cap_orders, err))) return done(b, rc, err);
  md->sort_orders[md->n_sort_orders++] = copy;
  b->has_last_order = true;
  b->last_added_order = id;
  if (out_id) *out_id = id;
  return QB_OK;
}

int qb_metadata_builder_set_default_sort_order(qb_metadata_builder *b, int32_t order_id, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  if (order_id == -1) {
    if (!b->has_last_order)
      return done(b, QB_FAIL(err, QB_EINVAL, "cannot set last added sort order: no sort order has been added"), err);
    order_id = b->last_added_order;
  }
  if (!order_by_id(b->md, order_id))
    return done(b, QB_FAIL(err, QB_EINVAL, "cannot set default sort order to unknown order: %d", (int)order_id), err);
  b->md->default_sort_order_id = order_id;
  return QB_OK;
}

int qb_metadata_builder_add_snapshot(qb_metadata_builder *b, const qb_snapshot *s, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  if (qb_table_metadata_snapshot_by_id(md, s->snapshot_id))
    return done(b, QB_FAIL(err, QB_EINVAL, "snapshot already exists for id: %lld", (long long)s->snapshot_id), err);
  if (md->format_version > 1 && !(s->sequence_number > md->last_sequence_number || !s->has_parent))
    return done(b,
                QB_FAIL(err, QB_ECONFLICT,
                        "cannot add snapshot with sequence number %lld older than last sequence number %lld",
                        (long long)s->sequence_number, (long long)md->last_sequence_number),
                err);
  if (md->format_version > 1 && !s->manifest_list)
    return done(b, QB_FAIL(err, QB_EINVAL, "snapshot %lld has no manifest list", (long long)s->snapshot_id), err);
  if (!s->operation) return done(b, QB_FAIL(err, QB_EINVAL, "snapshot %lld has no operation", (long long)s->snapshot_id), err);
  qb_snapshot copy;
  if (!b->own_chunk && !(b->own_chunk = add_chunk(md, err))) return done(b, QB_ENOMEM, err);
  if ((rc = qb_snapshot__copy(&copy, &b->own_chunk->arena, s, err))) return done(b, rc, err);
  if ((rc = snaps_append_slot(md, err))) return done(b, rc, err);
  md->snap_arr->ids[md->n_snapshots] = copy.snapshot_id;
  md->snapshots[md->n_snapshots++] = copy;
  md->last_sequence_number = s->sequence_number;
  if ((rc = push_id(md, &b->added, &b->n_added, &b->cap_added, s->snapshot_id, err))) return done(b, rc, err);
  return QB_OK;
}

static qb_ref *find_ref(qb_table_metadata *md, const char *name)
{
  for (size_t i = 0; i < md->n_refs; i++)
    if (!strcmp(md->refs[i].name, name)) return &md->refs[i];
  return NULL;
}

int qb_metadata_builder_set_ref(qb_metadata_builder *b, const qb_ref *ref, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  if (!ref->name || !*ref->name) return done(b, QB_FAIL(err, QB_EINVAL, "a ref needs a name"), err);
  if ((rc = qb_ref__validate(ref, err))) return done(b, rc, err);
  const qb_snapshot *snap = qb_table_metadata_snapshot_by_id(md, ref->snapshot_id);
  if (!snap)
    return done(b, QB_FAIL(err, QB_EINVAL, "cannot set %s to unknown snapshot: %lld", ref->name, (long long)ref->snapshot_id),
                err);
  bool is_main = !strcmp(ref->name, "main");
  if (is_main && ref->type != QB_REF_BRANCH)
    return done(b, QB_FAIL(err, QB_EINVAL, "cannot set main to a tag, it must be a branch"), err);
  qb_ref *existing = find_ref(md, ref->name);
  if (existing && existing->snapshot_id == ref->snapshot_id && existing->type == ref->type &&
      existing->min_snapshots_to_keep == ref->min_snapshots_to_keep &&
      existing->max_snapshot_age_ms == ref->max_snapshot_age_ms && existing->max_ref_age_ms == ref->max_ref_age_ms)
    return QB_OK;
  if (is_main) {
    md->current_snapshot_id = ref->snapshot_id;
    /* Java: a newly added snapshot logs its own timestamp; a rollback logs the time of the change,
     * which is this metadata's last-updated-ms (set at build); use the snapshot time as Java does
     * for additions and mark rollbacks with INT64_MIN to fill in at build. */
    bool added = has_id(b->added, b->n_added, ref->snapshot_id);
    if ((rc = GROW(b, snapshot_log, n_snapshot_log, cap_slog, err))) return done(b, rc, err);
    md->snapshot_log[md->n_snapshot_log].timestamp_ms = added ? snap->timestamp_ms : INT64_MIN;
    md->snapshot_log[md->n_snapshot_log++].snapshot_id = ref->snapshot_id;
    if (added && (rc = push_id(md, &b->main_sets, &b->n_main_sets, &b->cap_main_sets, ref->snapshot_id, err)))
      return done(b, rc, err);
  }
  if (!existing) {
    if ((rc = GROW(b, refs, n_refs, cap_refs, err))) return done(b, rc, err);
    existing = &md->refs[md->n_refs++];
    if (!(existing->name = qb_ice__strdup(&md->arena, ref->name, err))) return done(b, QB_ENOMEM, err);
  }
  const char *name = existing->name;
  *existing = *ref;
  existing->name = name;
  return QB_OK;
}

int qb_metadata_builder_set_branch_snapshot(qb_metadata_builder *b, const char *branch, int64_t snapshot_id,
                                            qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_ref *existing = find_ref(b->md, branch);
  qb_ref r = QB_REF_INIT(branch, snapshot_id, QB_REF_BRANCH);
  if (existing) {
    if (existing->type != QB_REF_BRANCH)
      return done(b, QB_FAIL(err, QB_EINVAL, "cannot update branch: %s is a tag", branch), err);
    r = *existing;
    r.name = branch;
    r.snapshot_id = snapshot_id;
  }
  const qb_snapshot *s = qb_table_metadata_snapshot_by_id(b->md, snapshot_id);
  if (s && b->md->format_version > 1 && s->sequence_number > b->md->last_sequence_number)
    return done(b,
                QB_FAIL(err, QB_EINVAL, "last sequence number %lld is less than existing snapshot sequence number %lld",
                        (long long)b->md->last_sequence_number, (long long)s->sequence_number),
                err);
  return qb_metadata_builder_set_ref(b, &r, err);
}

int qb_metadata_builder_remove_ref(qb_metadata_builder *b, const char *name, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  if (!strcmp(name, "main")) md->current_snapshot_id = -1;
  for (size_t i = 0; i < md->n_refs; i++)
    if (!strcmp(md->refs[i].name, name)) {
      memmove(&md->refs[i], &md->refs[i + 1], (md->n_refs - i - 1) * sizeof *md->refs);
      md->n_refs--;
      break;
    }
  return QB_OK;
}

static void remove_stats(qb_statistics_file *s, size_t *n, int64_t id)
{
  size_t k = 0;
  for (size_t i = 0; i < *n; i++)
    if (s[i].snapshot_id != id) s[k++] = s[i];
  *n = k;
}

int qb_metadata_builder_remove_snapshots(qb_metadata_builder *b, const int64_t *ids, size_t n, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  /* Expiring a long history removes thousands at once: look the ids up in a sorted copy, not linearly. */
  int64_t *sorted = NULL;
  if (n > 8) {
    if (!(sorted = malloc(n * sizeof *sorted))) return done(b, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_i64);
  }
  /* compacted in place: on a private copy, never in an array other metadata objects view */
  if ((rc = snaps_fresh(md, md->snapshots, 0, err))) {
    free(sorted);
    return done(b, rc, err);
  }
  size_t k = 0;
  for (size_t i = 0; i < md->n_snapshots; i++) {
    int64_t id = md->snapshots[i].snapshot_id;
    if (sorted ? bsearch(&id, sorted, n, sizeof *sorted, cmp_i64) != NULL : has_id(ids, n, id)) {
      b->removed_snapshots = true;
      remove_stats(md->statistics, &md->n_statistics, id);
      remove_stats(md->partition_statistics, &md->n_partition_statistics, id);
    } else {
      md->snap_arr->ids[k] = id;
      md->snapshots[k++] = md->snapshots[i];
    }
  }
  free(sorted);
  md->n_snapshots = k;
  md->snap_arr->used = k;
  if (b->removed_snapshots) { /* the cached text no longer describes a prefix */
    qb_md_text__release(md->snap_text);
    md->snap_text = NULL;
  }
  /* remove refs that no longer point at a snapshot (Java rewriteSnapshotsInternal) */
  for (size_t i = 0; i < md->n_refs;) {
    if (!qb_table_metadata_snapshot_by_id(md, md->refs[i].snapshot_id)) {
      if ((rc = qb_metadata_builder_remove_ref(b, md->refs[i].name, err))) return rc;
    } else {
      i++;
    }
  }
  return QB_OK;
}

int qb_metadata_builder_set_properties(qb_metadata_builder *b, const qb_kv *props, size_t n, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  for (size_t i = 0; i < n; i++) {
    for (size_t r = 0; r < sizeof reserved_properties / sizeof reserved_properties[0]; r++)
      if (!strcmp(props[i].key, reserved_properties[r]))
        return done(b, QB_FAIL(err, QB_EINVAL, "table property '%s' is reserved and cannot be set", props[i].key), err);
    char *v = qb_ice__strdup(&md->arena, props[i].value, err);
    if (!v) return done(b, QB_ENOMEM, err);
    bool found = false;
    for (size_t j = 0; j < md->n_properties && !found; j++)
      if (!strcmp(md->properties[j].key, props[i].key)) {
        md->properties[j].value = v;
        found = true;
      }
    if (found) continue;
    if ((rc = GROW(b, properties, n_properties, cap_props, err))) return done(b, rc, err);
    qb_kv *kv = &md->properties[md->n_properties];
    if (!(kv->key = qb_ice__strdup(&md->arena, props[i].key, err))) return done(b, QB_ENOMEM, err);
    kv->value = v;
    md->n_properties++;
  }
  return QB_OK;
}

int qb_metadata_builder_remove_properties(qb_metadata_builder *b, const char *const *keys, size_t n, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  qb_table_metadata *md = b->md;
  size_t k = 0;
  for (size_t i = 0; i < md->n_properties; i++) {
    bool drop = false;
    for (size_t j = 0; j < n && !drop; j++) drop = !strcmp(md->properties[i].key, keys[j]);
    if (!drop) md->properties[k++] = md->properties[i];
  }
  md->n_properties = k;
  return QB_OK;
}

int qb_metadata_builder_set_location(qb_metadata_builder *b, const char *location, qb_err *err)
{
  int rc = poisoned(b, err);
  if (rc) return rc;
  /* Java LocationUtil.stripTrailingSlash */
  size_t n = strlen(location);
  while (n > 0 && location[n - 1] == '/' && !(n >= 3 && !strncmp(location + n - 3, "://", 3))) n--;
  char *loc = qb_arena_strndup(&b->md->arena, location, n);
  if (!loc) return done(b, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  b->md->location = loc;
  return QB_OK;
}

/* Java Builder.updateSnapshotLog: drop intermediate snapshots of this builder and, after a removal,
 * every entry before the last one whose snapshot is gone. */
static int update_snapshot_log(qb_metadata_builder *b, qb_err *err)
{
  qb_table_metadata *md = b->md;
  size_t k = 0;
  /* a set of the snapshot ids: the log of a long history has as many entries as there are snapshots. Needed
   * only after a removal: otherwise every snapshot ever added is still there, so an entry is dropped exactly
   * when it is an intermediate snapshot of this builder (added by it, hence present). */
  qb_u64set ids;
  qb_u64set_init(&ids);
  for (size_t i = 0; b->removed_snapshots && i < md->n_snapshots; i++) {
    int rc = qb_u64set_add(&ids, (uint64_t)md->snapshots[i].snapshot_id, err);
    if (rc) {
      qb_u64set_free(&ids);
      return rc;
    }
  }
  for (size_t i = 0; i < md->n_snapshot_log; i++) {
    qb_snapshot_log_entry e = md->snapshot_log[i];
    if (e.timestamp_ms == INT64_MIN) e.timestamp_ms = md->last_updated_ms;
    bool intermediate = has_id(b->main_sets, b->n_main_sets, e.snapshot_id) && e.snapshot_id != md->current_snapshot_id;
    if (!b->removed_snapshots || qb_u64set_has(&ids, (uint64_t)e.snapshot_id)) {
      if (!intermediate) md->snapshot_log[k++] = e;
    } else if (b->removed_snapshots) {
      k = 0;
    } else {
      md->snapshot_log[k++] = e;
    }
  }
  qb_u64set_free(&ids);
  md->n_snapshot_log = k;
  if (qb_table_metadata_current_snapshot(md) && (k == 0 || md->snapshot_log[k - 1].snapshot_id != md->current_snapshot_id))
    return QB_FAIL(err, QB_EINVAL, "cannot set invalid snapshot log: latest entry is not the current snapshot");
  return QB_OK;
}

static int add_previous_file(qb_metadata_builder *b, const char *file, qb_err *err)
{
  qb_table_metadata *md = b->md;
  int64_t max = 100;
  const char *p = qb_table_metadata_property(md, "write.metadata.previous-versions-max");
  if (p && !qb_str_to_i64(p, &max))
    return QB_FAIL(err, QB_EINVAL, "table property 'write.metadata.previous-versions-max' is not a number: '%s'", p);
  if (max < 1) max = 1;
  size_t keep = md->n_metadata_log;
  if ((int64_t)keep >= max) keep = (size_t)max - 1;
  qb_metadata_log_entry *log = qb_ice__alloc(&md->arena, keep + 1, sizeof *log, err);
  if (!log) return QB_ENOMEM;
  if (keep) memcpy(log, md->metadata_log + (md->n_metadata_log - keep), keep * sizeof *log);
  log[keep].timestamp_ms = b->base_last_updated_ms;
  if (!(log[keep].metadata_file = qb_ice__strdup(&md->arena, file, err))) return QB_ENOMEM;
  md->metadata_log = log;
  md->n_metadata_log = keep + 1;
  return QB_OK;
}

int qb_metadata_builder_build(qb_table_metadata **out, qb_metadata_builder *b, const char *previous_metadata_file,
                              int64_t now_ms, qb_err *err)
{
  *out = NULL;
  int rc = poisoned(b, err);
  if (!rc) {
    b->md->last_updated_ms = now_ms;
    if (b->has_base && previous_metadata_file) rc = add_previous_file(b, previous_metadata_file, err);
    if (!rc) rc = update_snapshot_log(b, err);
    /* snapshot ids stay distinct by construction: the base's were validated (parsed or built metadata),
     * add_snapshot refuses an id already there and removals cannot make duplicates */
    if (!rc && (rc = qb_table_metadata__validate(b->md, true, err)) == QB_ECORRUPT) err->code = rc = QB_EINVAL;
    if (!rc) qb_md_text__extend(b->md);
  }
  if (rc) {
    qb_metadata_builder_free(b);
    return rc;
  }
  *out = b->md;
  b->md = NULL;
  qb_metadata_builder_free(b);
  return QB_OK;
}
