/* SPDX-License-Identifier: Apache-2.0 */
/* The experiment index (docs/PIPELINE.md "De-duplication"): every key of the nine feature tables contains
 * the experiment_id, so "is this row stored?" reduces to "is this experiment stored, and with which keys?".
 * One row per experiment and batch: a 64-bit digest of the id and a 64-bit multiset digest of its keys. */
#include "pipeline/experiment_index.h"
#include "pipeline/table_binding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/table_int.h"
#include "qberg/scan.h"
#include "util/hash.h"
#include "util/str.h"

static const char index_schema_json[] =
    "{\"type\":\"struct\",\"schema-id\":0,\"fields\":["
    "{\"id\":1,\"name\":\"experiment_digest\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"keyset_digest\",\"required\":false,\"type\":\"long\"},"
    "{\"id\":3,\"name\":\"processing_batch_id\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":4,\"name\":\"processing_timestamp\",\"required\":false,\"type\":\"timestamptz\"}]}";

#define COVERS_KEY "qberg.covers"
#define COVERS_UUID_KEY "qberg.covers-uuid"
#define UNTRUSTED_KEY "qberg.keysets-untrusted"
#define BLOOM_KEY "qberg.bloom"
#define BLOOM_BASE_KEY "qberg.bloom-base" /* the snapshot the filter was built on */

void qb_expidx_map_init(qb_expidx_map *m) { memset(m, 0, sizeof *m); }

void qb_expidx_map_free(qb_expidx_map *m)
{
  if (!m) return;
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static size_t find_slot(const qb_expidx_map *m, uint64_t k)
{
  size_t mask = m->cap - 1, i = (size_t)qb_hash_u64(k) & mask;
  while (m->keys[i] && m->keys[i] != k) i = (i + 1) & mask;
  return i;
}

static int grow(qb_expidx_map *m, qb_err *err)
{
  size_t cap = m->cap ? m->cap * 2 : 1024;
  qb_expidx_map n = {calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(uint64_t)), cap, 0};
  if (!n.keys || !n.vals) {
    free(n.keys);
    free(n.vals);
    return QB_FAIL(err, QB_ENOMEM, "out of memory growing the experiment index to %zu slots", cap);
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t j = find_slot(&n, m->keys[i]);
      n.keys[j] = m->keys[i];
      n.vals[j] = m->vals[i];
      n.count++;
    }
  free(m->keys);
  free(m->vals);
  *m = n;
  return QB_OK;
}

int qb_expidx_map_ref(uint64_t **out, bool *created, qb_expidx_map *m, uint64_t exp, qb_err *err)
{
  if (!exp) exp = 1;
  if ((m->count + 1) * 2 > m->cap) {
    int rc = grow(m, err);
    if (rc) return rc;
  }
  size_t i = find_slot(m, exp);
  *created = !m->keys[i];
  if (*created) {
    m->keys[i] = exp;
    m->vals[i] = 0;
    m->count++;
  }
  *out = &m->vals[i];
  return QB_OK;
}

bool qb_expidx_map_get(const qb_expidx_map *m, uint64_t exp, uint64_t *keyset)
{
  if (!m->cap) return false;
  if (!exp) exp = 1;
  size_t i = find_slot(m, exp);
  if (!m->keys[i]) return false;
  if (keyset) *keyset = m->vals[i];
  return true;
}

uint64_t qb_expidx_digest(const char *experiment_id, size_t n)
{
  uint64_t h = qb_hash_bytes(experiment_id, n);
  return h ? h : 1;
}

/* "qberg.covers" = nine snapshot ids in table order, comma-separated (-1: the table had none). */
static void parse_covers(int64_t covers[QB_VQE_FEATURE_TABLES], const char *s)
{
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) covers[t] = -1;
  for (int t = 0; s && *s && t < QB_VQE_FEATURE_TABLES; t++) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s) break;
    covers[t] = v;
    s = *end == ',' ? end + 1 : end;
  }
}

/* "qberg.covers-uuid" = nine table uuids in table order, comma-separated (empty: none recorded). */
static void parse_uuids(char uuids[QB_VQE_FEATURE_TABLES][40], const char *s)
{
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) uuids[t][0] = '\0';
  for (int t = 0; s && t < QB_VQE_FEATURE_TABLES; t++) {
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n < sizeof uuids[t]) {
      memcpy(uuids[t], s, n);
      uuids[t][n] = '\0';
    }
    s = end ? end + 1 : NULL;
  }
}

static int load_entries(qb_expidx *ix, qb_err *err)
{
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = (const char *const *)ix->cols;
  o.n_columns = 2;
  qb_scan *s = NULL;
  int rc = qb_scan_new(&s, ix->table, &o, err);
  const qb_value *row;
  while (rc == QB_OK && (rc = qb_scan_next(&row, s, err)) == QB_OK && row) {
    const qb_value *e = &row->u.seq.items[0], *k = &row->u.seq.items[1];
    if (e->kind != QB_V_INT64) continue;
    ix->entries_read++;
    uint64_t *v;
    bool created;
    rc = qb_expidx_map_ref(&v, &created, &ix->stored, (uint64_t)e->u.i64, err);
    /* an experiment written by two batches (re-checked row by row): its entries are partial, so unknown */
    if (rc == QB_OK) *v = created && k->kind == QB_V_INT64 ? (uint64_t)k->u.i64 : 0;
  }
  qb_scan_free(s);
  return rc ? qb_err_wrap(err, "reading %s", QB_EXPIDX_TABLE) : QB_OK;
}

/* The snapshot whose summary says what the current entries cover (qberg.covers, its uuids, whether the
 * key-set digests are trusted): the newest one carrying qberg.covers when every snapshot after it is a
 * compaction (`replace`: the same rows), else the current one. A compaction of the index by another engine
 * or an older qberg writes no qberg summary; reading only the current snapshot made the next batch
 * take every feature table's rows for an interrupted batch's: it read the keys of all of them, called every
 * stored experiment "recovered" and appended a second index entry for each (found by exploreH). A qberg
 * compaction carries the summary of the snapshot it replaced (QB_SUMMARY_CARRIED_FROM), so this is found
 * on it even once that snapshot expired (before, that one batch read every stored key again: exploreN). */
static const qb_snapshot *covering_snapshot(const qb_table_metadata *md, const qb_snapshot *cur)
{
  const qb_snapshot *s = cur;
  for (size_t hops = 0; s && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    if (qb_snapshot_summary_get(s, COVERS_KEY)) return s;
    if (!s->operation || strcmp(s->operation, "replace") || !s->has_parent) return cur;
    s = qb_table_metadata_snapshot_by_id(md, s->parent_id);
  }
  return cur;
}

/* The filter that describes the current snapshot's entries: the newest snapshot's, when every snapshot
 * after it is a compaction (`replace`: the same rows), and when that snapshot's parent is the one the filter
 * was built on: a commit that lost a race is retried onto the winner's snapshot, whose entries its filter
 * lacks (they would pass for not stored, and their experiments' rows be written twice). A qberg compaction
 * carries the filter with the parent of the snapshot that wrote it (qb_snapshot_origin). */
static const char *current_bloom(const qb_table_metadata *md)
{
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  while (s) {
    const char *v = qb_snapshot_summary_get(s, BLOOM_KEY);
    if (v) {
      const char *b = qb_snapshot_summary_get(s, BLOOM_BASE_KEY);
      char *end;
      long long base = b && *b ? strtoll(b, &end, 10) : -2;
      int64_t origin, parent; /* a compaction carries the filter of the snapshot that wrote it */
      qb_snapshot_origin(s, &origin, &parent);
      if (!b || !*b || *end) return NULL;
      if (base == parent) return v;
      /* retried onto a compaction of the base (`maintain compact` while the batch ran): the same entries
       * (before, the next batch loaded every entry and rebuilt the filter: found by exploreN) */
      const qb_snapshot *p = parent >= 0 ? qb_table_metadata_snapshot_by_id(md, parent) : NULL;
      int64_t p_origin, p_parent;
      if (!p || !p->operation || strcmp(p->operation, "replace")) return NULL;
      qb_snapshot_origin(p, &p_origin, &p_parent);
      return p_origin == base || (p->has_parent && p->parent_id == base) ? v : NULL;
    }
    if (!s->operation || strcmp(s->operation, "replace") || !s->has_parent) return NULL;
    s = qb_table_metadata_snapshot_by_id(md, s->parent_id);
  }
  return NULL;
}

/* The filter file the newest snapshot naming one names, used or not (damaged, unreadable, built on another
 * parent): after the next commit names a new filter, no current snapshot can use it. Only a name this
 * writer gives its filters, in this table's data folder, is returned: a summary is table metadata anyone
 * may write, and the path is deleted. The summary records the path under the table's recorded location,
 * as manifests record data files; *out is where the file is now (qb_tbl__path: a moved or copied
 * warehouse deletes its own file, never the one at the old place). */
static int named_bloom(char **out, const qb_table *t, const qb_table_metadata *md, qb_err *err)
{
  *out = NULL;
  const char *v = NULL;
  const qb_snapshot *s = qb_table_metadata_current_snapshot(md);
  for (size_t hops = 0; s && !v && hops <= qb_table_metadata_n_snapshots(md); hops++) {
    v = qb_snapshot_summary_get(s, BLOOM_KEY);
    s = s->has_parent ? qb_table_metadata_snapshot_by_id(md, s->parent_id) : NULL;
  }
  if (!v) return QB_OK;
  char *dir = qb_str_printf("%s/data/bloom-", qb_table_metadata_location(md));
  if (!dir) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  const char *name = v + strlen(dir);
  bool ours = !strncmp(v, dir, strlen(dir)) && qb_str_has_suffix(name, ".bin") && !strchr(name, '/');
  free(dir);
  if (!ours) return QB_OK;
  qb_tbl view = {NULL, md, qb_table_location(t), QB_EXPIDX_TABLE};
  return qb_tbl__path(out, &view, v, err);
}

/* A missing or unreadable filter is not an error: the entries are loaded instead, the next commit writes a
 * new filter and deletes this one (named_bloom); why it was not used is kept for the report. */
static void read_bloom(qb_expidx *ix, const char *path)
{
  uint8_t *data = NULL;
  size_t n = 0;
  qb_err e = QB_ERR_INIT;
  if (qb_fileio_read_all(&data, &n, ix->io, path, QB_BLOOM_MAX_BYTES + 64, &e) == QB_OK &&
      qb_bloom_decode(&ix->bloom, data, n, path, &e) == QB_OK) {
    ix->bloom_path = strdup(path);
    ix->have_bloom = ix->bloom_path != NULL;
    if (!ix->have_bloom) qb_bloom_free(&ix->bloom);
  } else {
    snprintf(ix->bloom_error, sizeof ix->bloom_error, "%s", e.msg);
  }
  free(data);
}

int qb_expidx_open(qb_expidx *ix, qb_catalog *cat, qb_err *err)
{
  memset(ix, 0, sizeof *ix);
  ix->io = qb_catalog_io(cat);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) ix->covers[t] = -1;
  qb_schema *schema = NULL;
  int rc = qb_schema_parse_json(&schema, index_schema_json, strlen(index_schema_json), err);
  if (rc == QB_OK) rc = qb_table_load(&ix->table, cat, QB_EXPIDX_TABLE, err);
  if (rc == QB_ENOTFOUND) {
    qb_kv props[2] = {{"write.parquet.compression-codec", "zstd"},
                      {"comment", "qberg ingest: one entry per stored experiment, for key de-duplication"}};
    qb_table_def def = {schema, NULL, NULL, props, 2};
    rc = qb_catalog_create_table_def(&ix->table, cat, QB_EXPIDX_TABLE, &def, NULL, err);
    if (rc == QB_EEXISTS) rc = qb_table_load(&ix->table, cat, QB_EXPIDX_TABLE, err);
  }
  /* users may have evolved it as any table: its rows are written and read by field id, and a change qberg
   * cannot write through fails here, before the batch writes anything */
  static const char *const names[2] = {"experiment_digest", "keyset_digest"};
  if (rc == QB_OK) rc = qb_vqe__bind_schema(&ix->schema, ix->table, schema, true, err);
  qb_schema_free(schema);
  const char *now[2];
  if (rc == QB_OK) rc = qb_vqe__column_names(now, ix->table, ix->schema, names, 2, err);
  for (int i = 0; rc == QB_OK && i < 2; i++)
    if (!(ix->cols[i] = strdup(now[i]))) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (rc) return qb_err_wrap(err, "table %s", QB_EXPIDX_TABLE);
  const qb_table_metadata *md;
  rc = qb_table_get_metadata(&md, ix->table, err);
  if (rc) return rc;
  const qb_snapshot *cur = qb_table_metadata_current_snapshot(md);
  ix->opened_at = cur ? cur->snapshot_id : -1;
  if (!cur) {
    ix->loaded = true; /* nothing stored */
    return QB_OK;
  }
  const qb_snapshot *summ = covering_snapshot(md, cur);
  parse_covers(ix->covers, qb_snapshot_summary_get(summ, COVERS_KEY));
  parse_uuids(ix->covers_uuid, qb_snapshot_summary_get(summ, COVERS_UUID_KEY));
  const char *untrusted = qb_snapshot_summary_get(summ, UNTRUSTED_KEY);
  ix->keysets_untrusted = untrusted && !strcmp(untrusted, "true");
  if ((rc = named_bloom(&ix->named_bloom, ix->table, md, err))) return rc;
  const char *bloom = current_bloom(md);
  if (bloom) {
    qb_tbl view = {ix->io, md, qb_table_location(ix->table), QB_EXPIDX_TABLE};
    char *at = NULL;
    if ((rc = qb_tbl__path(&at, &view, bloom, err))) return rc;
    read_bloom(ix, at);
    free(at);
  }
  if (ix->have_bloom) return QB_OK;
  ix->loaded = true;
  return load_entries(ix, err);
}

int qb_expidx_lookup(bool *found, uint64_t *keyset, qb_expidx *ix, uint64_t exp, qb_err *err)
{
  if (!exp) exp = 1;
  *found = false;
  if (!ix->loaded) {
    if (!qb_bloom_may_have(&ix->bloom, exp)) return QB_OK;
    int rc = load_entries(ix, err);
    if (rc) return rc;
    ix->loaded = true;
  }
  *found = qb_expidx_map_get(&ix->stored, exp, keyset);
  return QB_OK;
}

int qb_expidx_stored(const qb_expidx *ix, uint64_t exp)
{
  if (!exp) exp = 1;
  if (ix->loaded) return qb_expidx_map_get(&ix->stored, exp, NULL);
  return qb_bloom_may_have(&ix->bloom, exp) ? -1 : 0;
}

/* The filter after the batch: the stored one plus `added` while it has room, else one twice the size
 * built from every entry (loading them: amortised, as the filter doubles). */
static int next_bloom(qb_bloom *out, qb_expidx *ix, const qb_expidx_map *added, qb_err *err)
{
  int rc;
  if (!ix->loaded && ix->have_bloom && qb_bloom_fits(&ix->bloom, added->count)) {
    *out = ix->bloom;
    if (!(out->bits = malloc((size_t)(ix->bloom.m / 8)))) {
      memset(out, 0, sizeof *out);
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    }
    memcpy(out->bits, ix->bloom.bits, (size_t)(ix->bloom.m / 8));
  } else {
    if (!ix->loaded) {
      if ((rc = load_entries(ix, err))) return rc;
      ix->loaded = true;
    }
    if ((rc = qb_bloom_init(out, 2 * (ix->stored.count + added->count), err))) return rc;
    for (size_t i = 0; i < ix->stored.cap; i++)
      if (ix->stored.keys[i]) qb_bloom_add(out, ix->stored.keys[i]);
  }
  for (size_t i = 0; i < added->cap; i++)
    if (added->keys[i]) qb_bloom_add(out, added->keys[i]);
  return QB_OK;
}

/* Write the filter next to the index's data files, under a name of its own (a rerun of the batch id
 * must not replace the file a committed snapshot names): in the table's directory (*physical), recorded
 * under its location (*path), as the data writer places and records data files — the recorded location
 * may name where the warehouse was before it was moved or copied. */
static int write_bloom(char **path, char **physical, int64_t *base, qb_expidx *ix, const qb_bloom *b,
                       const char *batch_id, qb_err *err)
{
  const qb_table_metadata *md;
  int rc = qb_table_get_metadata(&md, ix->table, err);
  if (rc) return rc;
  *base = ix->opened_at; /* not the table's current snapshot: a commit may have refreshed it since */
  char *rel = qb_str_printf("data/bloom-%s-%lld.bin", batch_id, (long long)*base);
  if (!rel) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  qb_tbl view = {ix->io, md, qb_table_location(ix->table), QB_EXPIDX_TABLE};
  rc = qb_tbl__new_path(physical, path, &view, rel, err);
  free(rel);
  if (rc) return rc;
  uint8_t *data = NULL;
  size_t n = 0;
  rc = qb_bloom_encode(&data, &n, b, err);
  if (rc == QB_OK) rc = qb_fileio_write_all(ix->io, *physical, data, n, QB_CREATE_OVERWRITE, err);
  free(data);
  return rc ? qb_err_wrap(err, "writing %s", *physical) : QB_OK;
}

int qb_expidx_commit(qb_expidx *ix, const qb_expidx_map *added, const int64_t covers[QB_VQE_FEATURE_TABLES],
                     const char *const uuids[QB_VQE_FEATURE_TABLES], const char *batch_id, int64_t timestamp_us,
                     qb_err *err)
{
  if (!added->count) return QB_OK;
  qb_txn *txn = NULL;
  int rc = qb_vqe__txn_begin(&txn, ix->table, QB_TXN_FAST_APPEND, ix->schema, err);
  for (size_t i = 0; rc == QB_OK && i < added->cap; i++) {
    if (!added->keys[i]) continue;
    qb_value items[4];
    items[0].kind = QB_V_INT64;
    items[0].u.i64 = (int64_t)added->keys[i];
    items[1].kind = QB_V_INT64;
    items[1].u.i64 = (int64_t)added->vals[i];
    items[2].kind = QB_V_STRING;
    items[2].u.bytes.p = (const uint8_t *)batch_id;
    items[2].u.bytes.n = strlen(batch_id);
    items[3].kind = QB_V_INT64;
    items[3].u.i64 = timestamp_us;
    qb_value row = {.kind = QB_V_STRUCT, .u.seq = {items, 4}};
    rc = qb_txn_write(txn, &row, err);
  }
  char buf[QB_VQE_FEATURE_TABLES * 21 + 1];
  size_t n = 0;
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", t ? "," : "", (long long)covers[t]);
  if (rc == QB_OK) rc = qb_txn_set_summary(txn, COVERS_KEY, buf, err);
  char ubuf[QB_VQE_FEATURE_TABLES * 40 + 1];
  n = 0;
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
    n += (size_t)snprintf(ubuf + n, sizeof ubuf - n, "%s%.39s", t ? "," : "", uuids && uuids[t] ? uuids[t] : "");
  if (rc == QB_OK) rc = qb_txn_set_summary(txn, COVERS_UUID_KEY, ubuf, err);
  if (rc == QB_OK && ix->keysets_untrusted) rc = qb_txn_set_summary(txn, UNTRUSTED_KEY, "true", err);
  if (rc == QB_OK) rc = qb_txn_set_summary(txn, "qberg.batch-id", batch_id, err);
  qb_bloom next = {0};
  char *path = NULL, *physical = NULL;
  if (rc == QB_OK) rc = next_bloom(&next, ix, added, err);
  int64_t base = -1;
  if (rc == QB_OK) rc = write_bloom(&path, &physical, &base, ix, &next, batch_id, err);
  qb_bloom_free(&next);
  if (rc == QB_OK) rc = qb_txn_set_summary(txn, BLOOM_KEY, path, err);
  char base_s[24];
  snprintf(base_s, sizeof base_s, "%lld", (long long)base);
  if (rc == QB_OK) rc = qb_txn_set_summary(txn, BLOOM_BASE_KEY, base_s, err);
  if (rc == QB_OK) {
    rc = qb_txn_commit(txn, NULL, err);
    txn = NULL;
  }
  qb_txn_abort(txn);
  qb_err ignored = QB_ERR_INIT;
  /* the filter the current snapshot no longer names (best effort: a leftover file is only garbage, which
   * remove-orphans deletes once no retained snapshot names it) */
  const char *unused = rc == QB_OK ? ix->named_bloom : rc != QB_ECOMMIT_UNKNOWN ? physical : NULL;
  if (unused && physical && !strcmp(unused, physical)) unused = NULL; /* a rerun of the batch on the same base */
  if (unused && qb_fileio_delete(ix->io, unused, &ignored) != QB_OK) qb_err_clear(&ignored);
  free(path);
  free(physical);
  if (rc) return qb_err_wrap(err, "committing %s", QB_EXPIDX_TABLE);
  memcpy(ix->covers, covers, sizeof ix->covers);
  return QB_OK;
}

void qb_expidx_close(qb_expidx *ix)
{
  if (!ix) return;
  qb_table_free(ix->table);
  qb_schema_free(ix->schema);
  ix->schema = NULL;
  free(ix->cols[0]);
  free(ix->cols[1]);
  ix->cols[0] = ix->cols[1] = NULL;
  qb_expidx_map_free(&ix->stored);
  qb_bloom_free(&ix->bloom);
  free(ix->bloom_path);
  free(ix->named_bloom);
  ix->bloom_path = ix->named_bloom = NULL;
  ix->table = NULL;
}
