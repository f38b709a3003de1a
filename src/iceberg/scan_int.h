/* SPDX-License-Identifier: Apache-2.0 */
/* Scans inside the table layer (scan.c): opened on a qb_tbl by the public entry point that knows the
 * catalog's table handle. */
#ifndef QB_ICEBERG_SCAN_INT_H
#define QB_ICEBERG_SCAN_INT_H

#include "iceberg/table_int.h"
#include "qberg/scan.h"

/* Plan a scan of `t` (copied; its pointers must outlive the scan). */
int qb_scan__open(qb_scan **out, const qb_tbl *t, const qb_scan_options *o, qb_err *err);
/* The snapshot current on main at `ts_ms` (snapshot log, else main's ancestry). */
int qb_scan__snapshot_as_of(const qb_snapshot **out, const qb_table_metadata *md, int64_t ts_ms, qb_err *err);

#endif
