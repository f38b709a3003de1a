/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot summaries: Java SnapshotSummary.Builder's keys and order, and SnapshotProducer's totals
 * (new total = previous total + added - removed; omitted when the previous total is missing). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iceberg/iceberg_int.h"
#include "util/str.h"

int qb_kv__copy(qb_kv **out, qb_arena *a, const qb_kv *src, size_t n, qb_err *err)
{
  qb_kv *kv = qb_ice__alloc(a, n, sizeof *kv, err);
  if (!kv) return QB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    kv[i].key = qb_ice__strdup(a, src[i].key, err);
    kv[i].value = kv[i].key ? qb_ice__strdup(a, src[i].value, err) : NULL;
    if (!kv[i].value) return QB_ENOMEM;
  }
  *out = kv;
  return QB_OK;
}

static bool has_key(const qb_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kv[i].key, key)) return true;
  return false;
}

void qb_summary__carry(qb_kv *extra, size_t *n, size_t cap, char ids[2][24], const qb_snapshot *parent)
{
  if (!parent) return;
  int64_t from, from_parent;
  qb_snapshot_origin(parent, &from, &from_parent);
  /* the writer's operation: whether it removed rows stays known once it expired (a reader that met the
   * writer's `delete` only through this compaction took the rows for all there: exploreR) */
  const char *op = from == parent->snapshot_id ? parent->operation
                                               : qb_snapshot_summary_get(parent, QB_SUMMARY_CARRIED_OPERATION);
  size_t k = *n;
  for (size_t i = 0; i < parent->n_summary; i++) {
    const qb_kv *e = &parent->summary[i];
    if (strncmp(e->key, "qberg.", 6) || !strcmp(e->key, "qberg.batch-id") || !strcmp(e->key, QB_SUMMARY_CARRIED_FROM) ||
        !strcmp(e->key, QB_SUMMARY_CARRIED_PARENT) || !strcmp(e->key, QB_SUMMARY_CARRIED_OPERATION) ||
        has_key(extra, k, e->key))
      continue;
    if (k + 4 > cap) return; /* does not fit with the two ids and the operation: nothing carried */
    extra[k++] = *e;
  }
  if (k + 3 > cap || has_key(extra, k, QB_SUMMARY_CARRIED_FROM) || has_key(extra, k, QB_SUMMARY_CARRIED_PARENT) ||
      has_key(extra, k, QB_SUMMARY_CARRIED_OPERATION))
    return;
  snprintf(ids[0], sizeof ids[0], "%" PRId64, from);
  snprintf(ids[1], sizeof ids[1], "%" PRId64, from_parent);
  extra[k++] = (qb_kv){QB_SUMMARY_CARRIED_FROM, ids[0]};
  extra[k++] = (qb_kv){QB_SUMMARY_CARRIED_PARENT, ids[1]};
  if (op && *op) extra[k++] = (qb_kv){QB_SUMMARY_CARRIED_OPERATION, op};
  *n = k;
}

typedef struct entry {
  const char *key;
  char value[24];
} entry;

static void set_if(entry *e, size_t *n, bool cond, const char *key, int64_t v)
{
  if (!cond) return;
  e[*n].key = key;
  snprintf(e[*n].value, sizeof e[*n].value, "%" PRId64, v);
  (*n)++;
}

static const char *prev_get(const qb_snapshot *prev, const char *key)
{
  return prev ? qb_snapshot_summary_get(prev, key) : "0";
}

/* SnapshotProducer.updateTotal */
static void total(entry *e, size_t *n, const qb_snapshot *prev, const char *key, int64_t added, int64_t removed)
{
  const char *p = prev_get(prev, key);
  int64_t t;
  if (!p || !qb_str_to_i64(p, &t)) return;
  if (t >= 0) t += added;
  if (t >= 0) t -= removed;
  set_if(e, n, t >= 0, key, t);
}

int qb_snapshot_summary_build(qb_kv **out, size_t *n_out, const qb_summary_delta *d, const qb_kv *extra,
                              size_t n_extra, const qb_snapshot *previous, qb_err *err)
{
  entry e[32];
  size_t n = 0;
  *out = NULL;
  *n_out = 0;
  /* UpdateMetrics.addTo order. */
  set_if(e, &n, d->added_data_files > 0, "added-data-files", d->added_data_files);
  set_if(e, &n, d->deleted_data_files > 0, "deleted-data-files", d->deleted_data_files);
  set_if(e, &n, d->added_eq_delete_files > 0, "added-equality-delete-files", d->added_eq_delete_files);
  set_if(e, &n, d->removed_eq_delete_files > 0, "removed-equality-delete-files", d->removed_eq_delete_files);
  set_if(e, &n, d->added_pos_delete_files > 0, "added-position-delete-files", d->added_pos_delete_files);
  set_if(e, &n, d->removed_pos_delete_files > 0, "removed-position-delete-files", d->removed_pos_delete_files);
  set_if(e, &n, d->added_delete_files > 0, "added-delete-files", d->added_delete_files);
  set_if(e, &n, d->removed_delete_files > 0, "removed-delete-files", d->removed_delete_files);
  set_if(e, &n, d->added_records > 0, "added-records", d->added_records);
  set_if(e, &n, d->deleted_records > 0, "deleted-records", d->deleted_records);
  set_if(e, &n, d->added_files_size > 0, "added-files-size", d->added_files_size);
  set_if(e, &n, d->removed_files_size > 0, "removed-files-size", d->removed_files_size);
  set_if(e, &n, d->added_pos_deletes > 0, "added-position-deletes", d->added_pos_deletes);
  set_if(e, &n, d->removed_pos_deletes > 0, "removed-position-deletes", d->removed_pos_deletes);
  set_if(e, &n, d->added_eq_deletes > 0, "added-equality-deletes", d->added_eq_deletes);
  set_if(e, &n, d->removed_eq_deletes > 0, "removed-equality-deletes", d->removed_eq_deletes);
  set_if(e, &n, d->changed_partition_count >= 0, "changed-partition-count", d->changed_partition_count);
  total(e, &n, previous, "total-records", d->added_records, d->deleted_records);
  total(e, &n, previous, "total-files-size", d->added_files_size, d->removed_files_size);
  total(e, &n, previous, "total-data-files", d->added_data_files, d->deleted_data_files);
  total(e, &n, previous, "total-delete-files", d->added_delete_files, d->removed_delete_files);
  total(e, &n, previous, "total-position-deletes", d->added_pos_deletes, d->removed_pos_deletes);
  total(e, &n, previous, "total-equality-deletes", d->added_eq_deletes, d->removed_eq_deletes);

  /* One malloc block: the kv array, then the strings. Extra (custom) properties come first. */
  size_t total_n = n + n_extra, bytes = total_n * sizeof(qb_kv);
  for (size_t i = 0; i < n_extra; i++) bytes += strlen(extra[i].key) + strlen(extra[i].value) + 2;
  for (size_t i = 0; i < n; i++) bytes += strlen(e[i].key) + strlen(e[i].value) + 2;
  qb_kv *kv = malloc(bytes ? bytes : 1);
  if (!kv) return QB_FAIL(err, QB_ENOMEM, "out of memory building a snapshot summary");
  char *s = (char *)(kv + total_n);
  size_t k = 0;
  for (size_t i = 0; i < total_n; i++) {
    const char *key = i < n_extra ? extra[i].key : e[i - n_extra].key;
    const char *val = i < n_extra ? extra[i].value : e[i - n_extra].value;
    /* Java's ImmutableMap.Builder throws on a duplicate key; so do we. */
    for (size_t j = 0; j < k; j++)
      if (!strcmp(kv[j].key, key)) {
        free(kv);
        return QB_FAIL(err, QB_EINVAL, "duplicate snapshot summary key '%s'", key);
      }
    size_t kl = strlen(key) + 1, vl = strlen(val) + 1;
    memcpy(s, key, kl);
    kv[k].key = s;
    s += kl;
    memcpy(s, val, vl);
    kv[k].value = s;
    s += vl;
    k++;
  }
  *out = kv;
  *n_out = k;
  return QB_OK;
}
