/* SPDX-License-Identifier: Apache-2.0 */
/* Transactions: what one snapshot will change (files added, removed, a row filter, summary entries, a
 * tag), staged until commit, then handed to the snapshot producer on every commit attempt. A transaction
 * that hit an error is poisoned: later calls return that first error until it is aborted (LMDB
 * MDB_TXN_ERROR). */
#include <stdlib.h>
#include <string.h>

#include "iceberg/copy_on_write.h"
#include "iceberg/data_writer_int.h"
#include "iceberg/producer_int.h"
#include "iceberg/txn_int.h"

struct qb_txn {
  qb_table *t;       /* the catalog handle it commits to (borrowed) */
  qb_tbl view;       /* at begin; view.md is valid until the commit */
  qb_txn_op op;
  char *branch;
  bool check_concurrent_adds;
  int64_t start_id, start_seq;
  int32_t default_spec;
  qb_data_writer *writer;
  qb_data_file **added; /* owned copies */
  int32_t *added_specs;
  size_t n_added, cap_added;
  char **removed;
  size_t n_removed, cap_removed;
  qb_expr *filter;
  char **decided;       /* copy-on-write: files read and kept or removed whole */
  bool *decided_remove;
  size_t n_decided, cap_decided;
  char **cow_written;   /* copy-on-write: where the rewritten files are (deleted when the commit fails) */
  size_t n_cow_written;
  bool rewrites;
  qb_kv *extra;         /* owned strings */
  size_t n_extra;
  char *tag;
  int64_t tag_age;
  qb_producer *prod;
  int rc;
  qb_err first;
};

static int poison(qb_txn *txn, int rc, qb_err *err)
{
  if (rc && !txn->rc) {
    txn->rc = rc;
    if (err) txn->first = *err;
    else txn->first.code = (qb_code)rc;
  }
  return rc;
}

static int poisoned(const qb_txn *txn, qb_err *err)
{
  if (!txn->rc) return QB_OK;
  if (err) *err = txn->first;
  return txn->rc;
}

int qb_txn__begin(qb_txn **out, qb_table *t, const qb_tbl *view, qb_txn_op op, const qb_txn_options *o, qb_err *err)
{
  *out = NULL;
  qb_txn_options defaults = QB_TXN_OPTIONS_INIT;
  if (!o) o = &defaults;
  if (o->version != QB_TXN_OPTIONS_VERSION)
    return QB_FAIL(err, QB_EINVAL, "transaction options version %u, expected %u", o->version, QB_TXN_OPTIONS_VERSION);
  if (op < QB_TXN_APPEND || op > QB_TXN_ROW_DELTA) return QB_FAIL(err, QB_EINVAL, "unknown transaction kind %d", (int)op);
  if (qb_table_metadata_format_version(view->md) < 2 && op == QB_TXN_ROW_DELTA)
    return QB_FAIL(err, QB_EUNSUPPORTED, "row-level deletes need format version 2");
  qb_txn *txn = calloc(1, sizeof *txn);
  if (!txn) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  txn->t = t;
  txn->view = *view;
  txn->op = op;
  txn->check_concurrent_adds = o->check_concurrent_adds;
  txn->tag_age = -1;
  if (o->branch && !(txn->branch = strdup(o->branch))) {
    free(txn);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  const qb_ref *r = qb_table_metadata_ref(view->md, o->branch ? o->branch : "main");
  if (r && r->type != QB_REF_BRANCH) {
    qb_txn__free(txn);
    return QB_FAIL(err, QB_EINVAL, "'%s' is a tag: commits go to branches", o->branch);
  }
  const qb_snapshot *head = r ? qb_table_metadata_snapshot_by_id(view->md, r->snapshot_id)
                              : qb_table_metadata_current_snapshot(view->md);
  txn->start_id = head ? head->snapshot_id : -1;
  txn->start_seq = head ? head->sequence_number : 0;
  const qb_partition_spec *spec = qb_table_metadata_default_spec(view->md);
  txn->default_spec = spec ? spec->spec_id : 0;
  *out = txn;
  return QB_OK;
}

qb_table *qb_txn__table(const qb_txn *txn) { return txn->t; }

void qb_txn__free(qb_txn *txn)
{
  if (!txn) return;
  qb_data_writer_free(txn->writer);
  for (size_t i = 0; i < txn->n_added; i++) qb_data_file_free(txn->added[i]);
  free(txn->added);
  free(txn->added_specs);
  for (size_t i = 0; i < txn->n_removed; i++) free(txn->removed[i]);
  free(txn->removed);
  qb_expr_free(txn->filter);
  for (size_t i = 0; i < txn->n_decided; i++) free(txn->decided[i]);
  free(txn->decided);
  free(txn->decided_remove);
  for (size_t i = 0; i < txn->n_cow_written; i++) free(txn->cow_written[i]);
  free(txn->cow_written);
  for (size_t i = 0; i < txn->n_extra; i++) {
    free((char *)txn->extra[i].key);
    free((char *)txn->extra[i].value);
  }
  free(txn->extra);
  free(txn->tag);
  free(txn->branch);
  qb_producer__free(txn->prod);
  free(txn);
}

void qb_txn_abort(qb_txn *txn)
{
  if (!txn) return;
  qb_data_writer_abort(txn->writer);
  txn->writer = NULL;
  qb_txn__free(txn);
}

static bool adds_files(qb_txn_op op) { return op != QB_TXN_DELETE; }
static bool removes_files(qb_txn_op op)
{
  return op == QB_TXN_OVERWRITE || op == QB_TXN_DELETE || op == QB_TXN_REWRITE;
}

static int push_added(qb_txn *txn, const qb_data_file *f, int32_t spec_id, qb_err *err)
{
  if (txn->n_added == txn->cap_added) {
    size_t nc = txn->cap_added ? txn->cap_added * 2 : 16;
    qb_data_file **na = realloc(txn->added, nc * sizeof *na);
    if (na) txn->added = na;
    int32_t *ns = realloc(txn->added_specs, nc * sizeof *ns);
    if (ns) txn->added_specs = ns;
    if (!na || !ns) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    txn->cap_added = nc;
  }
  int rc = qb_data_file_copy(&txn->added[txn->n_added], f, err);
  if (rc) return rc;
  txn->added_specs[txn->n_added++] = spec_id;
  return QB_OK;
}

/* The transaction's data writer, opened on the first row. */
static int open_writer(qb_txn *txn, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (!adds_files(txn->op) || txn->op == QB_TXN_ROW_DELTA)
    return poison(txn, QB_FAIL(err, QB_EINVAL, "this transaction does not add data rows"), err);
  if (!txn->writer) {
    const qb_partition_spec *spec = qb_table_metadata_spec_by_id(txn->view.md, txn->default_spec);
    rc = qb_data_writer__open(&txn->writer, &txn->view, qb_table_metadata_current_schema(txn->view.md), spec, NULL, err);
    if (rc) return poison(txn, rc, err);
  }
  return QB_OK;
}

int qb_txn_write_batch(qb_txn *txn, const qb_pq_column_batch *cols, size_t n_rows, qb_err *err)
{
  int rc = open_writer(txn, err);
  if (rc) return rc;
  rc = qb_data_writer_write_batch(txn->writer, cols, n_rows, err);
  /* a batch that fails the checks is not written: the transaction stays usable */
  return rc == QB_EINVAL ? rc : poison(txn, rc, err);
}

int qb_txn_set_write_schema(qb_txn *txn, const qb_schema *schema, qb_err *err)
{
  int rc = open_writer(txn, err);
  if (rc) return rc;
  /* a schema that does not fit is the caller's mistake, not a broken transaction: it stays usable */
  return qb_data_writer_set_input_schema(txn->writer, schema, err);
}

int qb_txn_write(qb_txn *txn, const qb_value *row, qb_err *err)
{
  int rc = open_writer(txn, err);
  if (rc) return rc;
  rc = qb_data_writer_write(txn->writer, row, err);
  /* a row that does not fit the schema leaves the writer, and the transaction, usable */
  return rc == QB_EINVAL ? rc : poison(txn, rc, err);
}

int qb_txn_add_file(qb_txn *txn, const qb_data_file *f, int32_t spec_id, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (!adds_files(txn->op)) return poison(txn, QB_FAIL(err, QB_EINVAL, "a delete transaction adds no files"), err);
  if (f->content != QB_CONTENT_DATA && txn->op != QB_TXN_ROW_DELTA)
    return poison(txn, QB_FAIL(err, QB_EINVAL, "delete files are added by a row delta transaction"), err);
  if (spec_id < 0) spec_id = txn->default_spec;
  const qb_partition_spec *spec = qb_table_metadata_spec_by_id(txn->view.md, spec_id);
  if (!spec) return poison(txn, QB_FAIL(err, QB_EINVAL, "the table has no partition spec %d", (int)spec_id), err);
  size_t np = f->partition.kind == QB_V_STRUCT ? f->partition.u.seq.n : 0;
  if (np != spec->n_fields)
    return poison(txn,
                  QB_FAIL(err, QB_EINVAL, "%s: %zu partition values for spec %d with %zu fields", f->file_path, np,
                          (int)spec_id, spec->n_fields),
                  err);
  return poison(txn, push_added(txn, f, spec_id, err), err);
}

static int push_removed(qb_txn *txn, const char *path, qb_err *err)
{
  if (txn->n_removed == txn->cap_removed) {
    size_t nc = txn->cap_removed ? txn->cap_removed * 2 : 16;
    char **nr = realloc(txn->removed, nc * sizeof *nr);
    if (!nr) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    txn->removed = nr;
    txn->cap_removed = nc;
  }
  if (!(txn->removed[txn->n_removed] = strdup(path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  txn->n_removed++;
  return QB_OK;
}

int qb_txn_remove_file(qb_txn *txn, const char *path, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (!removes_files(txn->op)) return poison(txn, QB_FAIL(err, QB_EINVAL, "this transaction removes no files"), err);
  return poison(txn, push_removed(txn, path, err), err);
}

int qb_txn_remove_where(qb_txn *txn, const qb_expr *filter, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (txn->op != QB_TXN_OVERWRITE && txn->op != QB_TXN_DELETE)
    return poison(txn, QB_FAIL(err, QB_EINVAL, "only overwrite and delete transactions remove by filter"), err);
  /* bind now so that a bad filter fails here, not at commit */
  qb_arena a;
  qb_arena_init(&a, 1024);
  const qb_bexpr *b;
  rc = qb_expr__bind(&b, filter, qb_table_metadata_current_schema(txn->view.md), &a, err);
  qb_arena_release(&a);
  if (rc) return poison(txn, rc, err);
  qb_expr *copy;
  if ((rc = qb_expr__copy(&copy, filter, err))) return poison(txn, rc, err);
  if (txn->filter) {
    if ((rc = qb_expr_or(&txn->filter, txn->filter, copy, err))) return poison(txn, rc, err);
  } else {
    txn->filter = copy;
  }
  return QB_OK;
}

int qb_txn_set_summary(qb_txn *txn, const char *key, const char *value, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (!key || !*key || !value) return poison(txn, QB_FAIL(err, QB_EINVAL, "a summary entry needs a key and a value"), err);
  if (!strcmp(key, "operation")) return poison(txn, QB_FAIL(err, QB_EINVAL, "'operation' is set by the commit"), err);
  if (txn->n_extra >= 32) return poison(txn, QB_FAIL(err, QB_ELIMIT, "at most 32 summary entries"), err);
  qb_kv *ne = realloc(txn->extra, (txn->n_extra + 1) * sizeof *ne);
  if (!ne) return poison(txn, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  txn->extra = ne;
  char *k = strdup(key), *v = strdup(value);
  if (!k || !v) {
    free(k);
    free(v);
    return poison(txn, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  }
  txn->extra[txn->n_extra++] = (qb_kv){k, v};
  return QB_OK;
}

int qb_txn_tag(qb_txn *txn, const char *name, int64_t max_ref_age_ms, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (!name || !*name || !strcmp(name, "main")) return poison(txn, QB_FAIL(err, QB_EINVAL, "bad tag name"), err);
  if (max_ref_age_ms == 0 || max_ref_age_ms < -1)
    return poison(txn, QB_FAIL(err, QB_EINVAL, "max-ref-age-ms must be positive"), err);
  free(txn->tag);
  if (!(txn->tag = strdup(name))) return poison(txn, QB_FAIL(err, QB_ENOMEM, "out of memory"), err);
  txn->tag_age = max_ref_age_ms;
  return QB_OK;
}

/* ---- copy-on-write: the plan's findings ---- */

static int cow_decided(void *ctx, const char *path, bool remove, qb_err *err)
{
  qb_txn *txn = ctx;
  if (txn->n_decided == txn->cap_decided) {
    size_t nc = txn->cap_decided ? txn->cap_decided * 2 : 16;
    char **nd = realloc(txn->decided, nc * sizeof *nd);
    if (nd) txn->decided = nd;
    bool *nr = realloc(txn->decided_remove, nc * sizeof *nr);
    if (nr) txn->decided_remove = nr;
    if (!nd || !nr) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    txn->cap_decided = nc;
  }
  if (!(txn->decided[txn->n_decided] = strdup(path))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  txn->decided_remove[txn->n_decided++] = remove;
  return QB_OK;
}

static int cow_rewritten(void *ctx, const char *path, qb_data_writer *w, int32_t spec_id, qb_err *err)
{
  qb_txn *txn = ctx;
  size_t n = qb_data_writer_n_files(w);
  char **nw = realloc(txn->cow_written, (txn->n_cow_written + n + 1) * sizeof *nw);
  if (!nw) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  txn->cow_written = nw;
  int rc = push_removed(txn, path, err);
  for (size_t i = 0; rc == QB_OK && i < n; i++) {
    const qb_data_file *f = qb_data_writer_file(w, i);
    if ((rc = qb_tbl__path(&txn->cow_written[txn->n_cow_written], &txn->view, f->file_path, err))) break;
    txn->n_cow_written++;
    rc = push_added(txn, f, spec_id, err);
  }
  txn->rewrites = true;
  return rc;
}

int qb_txn__prepare(qb_txn *txn, qb_err *err)
{
  int rc = poisoned(txn, err);
  if (rc) return rc;
  if (txn->writer) {
    if ((rc = qb_data_writer_close(txn->writer, err))) return poison(txn, rc, err);
    for (size_t i = 0; i < qb_data_writer_n_files(txn->writer); i++)
      if ((rc = push_added(txn, qb_data_writer_file(txn->writer, i), txn->default_spec, err))) return poison(txn, rc, err);
  }
  if ((txn->op == QB_TXN_DELETE || txn->op == QB_TXN_OVERWRITE) && txn->filter) {
    /* copy-on-write: rewrite the files where only some rows match, on the snapshot the transaction began on;
     * the producer re-validates against whatever was committed since */
    qb_cow_sink sink = {txn, cow_decided, cow_rewritten};
    rc = qb_cow__plan(&txn->view, qb_table_metadata_snapshot_by_id(txn->view.md, txn->start_id), txn->filter, &sink,
                      err);
    if (rc) return poison(txn, rc, err);
  }
  if (txn->op == QB_TXN_REWRITE && (!txn->n_removed || !txn->n_added))
    return poison(txn, QB_FAIL(err, QB_EINVAL, "a rewrite replaces files: it needs files to remove and to add"), err);
  qb_producer_spec ps = {txn->op,
                         txn->branch,
                         (const qb_data_file *const *)txn->added,
                         txn->added_specs,
                         txn->n_added,
                         (const char *const *)txn->removed,
                         txn->n_removed,
                         txn->filter,
                         txn->extra,
                         txn->n_extra,
                         txn->tag,
                         txn->tag_age,
                         txn->start_id,
                         txn->start_seq,
                         txn->check_concurrent_adds,
                         (const char *const *)txn->decided,
                         txn->decided_remove,
                         txn->n_decided,
                         txn->rewrites};
  return poison(txn, qb_producer__new(&txn->prod, &ps, err), err);
}

int qb_txn__apply(qb_txn *txn, const qb_tbl *base, int attempt, qb_metadata_builder *b, qb_err *err)
{
  return qb_producer__apply(txn->prod, base, attempt, b, err);
}

void qb_txn__finish(qb_txn *txn, int rc, qb_txn_result *out)
{
  if (txn->prod) {
    qb_producer__finish(txn->prod, rc);
    if (out && rc == QB_OK) qb_producer__result(txn->prod, out);
  }
  if (rc != QB_OK && rc != QB_ECOMMIT_UNKNOWN && txn->writer) { /* nothing references the data files */
    qb_data_writer_abort(txn->writer);
    txn->writer = NULL;
  }
  if (rc != QB_OK && rc != QB_ECOMMIT_UNKNOWN) {
    for (size_t i = 0; i < txn->n_cow_written; i++) {
      qb_tbl__delete_quietly(txn->view.io, txn->cow_written[i]);
      free(txn->cow_written[i]);
    }
    txn->n_cow_written = 0;
  }
}
