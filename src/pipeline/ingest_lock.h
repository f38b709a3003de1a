/* SPDX-License-Identifier: Apache-2.0 */
/* One batch at a time per warehouse (docs/PIPELINE.md "One batch at a time"): the lock `qberg ingest` and
 * a standalone `qberg features` hold while they write the quantum_features tables. */
#ifndef QB_PIPELINE_INGEST_LOCK_H
#define QB_PIPELINE_INGEST_LOCK_H

#include "qberg/catalog.h"
#include "qberg/fileio.h"

/* The file the lock is taken on, under the namespace's folder: '_' hides it from Iceberg tools' listings
 * (Java's HiddenPathFilter) and it is no table's file (the orphan scans look inside tables). */
#define QB_INGEST_LOCK_NAME "_qberg_ingest.lock"

/* Take the warehouse's ingest lock for `verb` ("ingest", "features"), without waiting: *out is the held
 * lock, or NULL when the warehouse's store has no lock (object stores: the batch runs unlocked, as the
 * docs say). QB_ECONFLICT, naming the holder, when another run holds it. */
int qb__ingest_lock(qb_file_lock **out, qb_catalog *cat, const char *verb, qb_err *err);

#endif
