/* SPDX-License-Identifier: Apache-2.0 */
/* Test tool: compact a table with a rewrite snapshot (QB_TXN_REWRITE) through the public API: every live data
 * file of the current snapshot is read with a scan, its rows written again through the partitioned data
 * writer, and the old files replaced by the new ones in one commit.
 *
 *   tbl_rewrite TABLE      (TABLE: a table directory or metadata file path)
 * Prints "removed N added M" on success; exits 1 with the error otherwise. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "qberg/qberg.h"

static int fail(const qb_err *err)
{
  fprintf(stderr, "tbl_rewrite: %s: %s\n", qb_code_name(err->code), err->msg);
  return 1;
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: tbl_rewrite TABLE\n");
    return 2;
  }
  qb_err err = QB_ERR_INIT;
  qb_catalog *cat = NULL;
  qb_table *t = NULL;
  qb_scan *s = NULL;
  qb_txn *txn = NULL;
  qb_data_writer *w = NULL;
  int st = 1;
  if (qb_catalog_open(&cat, NULL, NULL, &err) || qb_table_load(&t, cat, argv[1], &err) ||
      qb_txn_begin(&txn, t, QB_TXN_REWRITE, NULL, &err) ||
      qb_data_writer_open(&w, t, NULL, &err))
    goto done;
  size_t removed = 0;
  /* the files first (planning), then their rows (a second scan of the same snapshot) */
  if (qb_scan_new(&s, t, NULL, &err)) goto done;
  for (;;) {
    const qb_scan_task *task;
    if (qb_scan_next_file(&task, s, &err)) goto done;
    if (!task) break;
    if (qb_txn_remove_file(txn, task->entry->data_file.file_path, &err)) goto done;
    removed++;
  }
  qb_scan_free(s);
  s = NULL;
  if (qb_scan_new(&s, t, NULL, &err)) goto done;
  for (;;) {
    const qb_value *row;
    if (qb_scan_next(&row, s, &err)) goto done;
    if (!row) break;
    if (qb_data_writer_write(w, row, &err)) goto done;
  }
  if (qb_data_writer_close(w, &err)) goto done;
  for (size_t i = 0; i < qb_data_writer_n_files(w); i++)
    if (qb_txn_add_file(txn, qb_data_writer_file(w, i), -1, &err)) goto done;
  qb_txn_result r;
  int rc = qb_txn_commit(txn, &r, &err);
  txn = NULL;
  if (rc) goto done;
  printf("removed %zu added %zu\n", removed, qb_data_writer_n_files(w));
  st = 0;
done:
  if (st) {
    fail(&err);
    qb_data_writer_abort(w);
  } else {
    qb_data_writer_free(w);
  }
  qb_txn_abort(txn);
  qb_scan_free(s);
  qb_table_free(t);
  qb_catalog_free(cat);
  return st;
}
