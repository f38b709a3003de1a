/* SPDX-License-Identifier: Apache-2.0 */
/* Transactions inside the table layer (txn.c): the public entry points that know the catalog's table handle
 * begin them on a view of the handle and commit them through the catalog's commit loop. */
#ifndef QB_ICEBERG_TXN_INT_H
#define QB_ICEBERG_TXN_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

/* Begin on `view` (copied; view->md must stay valid until the commit), committing to `t`. */
int qb_txn__begin(qb_txn **out, qb_table *t, const qb_tbl *view, qb_txn_op op, const qb_txn_options *o, qb_err *err);
qb_table *qb_txn__table(const qb_txn *txn);
/* Before the commit loop: finish the transaction's data files and set up the snapshot producer. */
int qb_txn__prepare(qb_txn *txn, qb_err *err);
/* The commit loop's rebase callback: one attempt on `base`. */
int qb_txn__apply(qb_txn *txn, const qb_tbl *base, int attempt, qb_metadata_builder *b, qb_err *err);
/* After the commit loop with outcome `rc`: clean up files and fill *out (on QB_OK). */
void qb_txn__finish(qb_txn *txn, int rc, qb_txn_result *out);
void qb_txn__free(qb_txn *txn);

#endif
