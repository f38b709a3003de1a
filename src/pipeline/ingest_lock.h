/* SPDX-License-Identifier: Apache-2.0 */
/* One batch at a time per warehouse (docs/PIPELINE.md "One batch at a time"): the lock `qberg ingest` and
 * a standalone `qberg features` hold while they write the quantum_features tables. */
#ifndef QB_PIPELINE_INGEST_LOCK_H
#define QB_PIPELINE_INGEST_LOCK_H

#include "qberg/catalog.h"
#include "qberg/fileio.h"

/* Local warehouses: flock(2) on this file under the namespace's folder ('_' hides it from Iceberg tools'
 * listings; it is no table's file, and the orphan scans look inside tables). */
#define QB_INGEST_LOCK_NAME "_qberg_ingest.lock"
/* Object stores: a catalog lease (qb_catalog_lease_take) on this folder under the namespace's. */
#define QB_INGEST_LEASE_NAME "_qberg_ingest"

typedef struct qb_ingest_lock qb_ingest_lock;

/* Take the warehouse's ingest lock for `verb` ("ingest", "features"). Local: without waiting. Object
 * stores: waiting up to a lease and 10 s more for a holder ahead (a holder that died leaves its ticket for a
 * lease; QBERG_INGEST_LEASE_WAIT_MS sets the wait). QB_ECONFLICT, naming the holder, when another run holds it. */
int qb__ingest_lock(qb_ingest_lock **out, qb_catalog *cat, const char *verb, qb_err *err);
/* Before each commit of the batch: QB_ECONFLICT once the lock may be lost (an object store's lease whose
 * renewals failed); always QB_OK for a local lock. NULL-safe (QB_OK). */
int qb__ingest_lock_check(qb_ingest_lock *l, qb_err *err);
/* NULL-safe. */
void qb__ingest_unlock(qb_ingest_lock *l);

#endif
