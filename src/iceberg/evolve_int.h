/* SPDX-License-Identifier: Apache-2.0 */
/* Metadata-only changes inside the table layer: schema evolution (schema_update.c), partition spec
 * evolution (spec_update.c) and refs (manage_refs.c). The public entry points that know the catalog's
 * handle start them and commit them through the catalog's commit loop, calling the __apply functions on
 * every attempt. */
#ifndef QB_ICEBERG_EVOLVE_INT_H
#define QB_ICEBERG_EVOLVE_INT_H

#include "iceberg/table_int.h"
#include "qberg/table.h"

int qb_schema_change__new(qb_schema_change **out, qb_table *t, const qb_table_metadata *md, qb_err *err);
qb_table *qb_schema_change__table(const qb_schema_change *c);
/* QB_ECONFLICT when the base's current schema is not the one the change started from. */
int qb_schema_change__apply(qb_schema_change *c, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err);
void qb_schema_change__free(qb_schema_change *c);

int qb_spec_change__new(qb_spec_change **out, qb_table *t, const qb_table_metadata *md, qb_err *err);
qb_table *qb_spec_change__table(const qb_spec_change *c);
int qb_spec_change__apply(qb_spec_change *c, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err);
void qb_spec_change__free(qb_spec_change *c);

/* Set or replace a ref on `base` (snapshot_id -1: the current snapshot). */
int qb_refs__set(const qb_ref *ref, bool replace, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err);
int qb_refs__remove(const char *name, const qb_table_metadata *base, qb_metadata_builder *b, qb_err *err);

#endif
