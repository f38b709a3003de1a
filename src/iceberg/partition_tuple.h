/* SPDX-License-Identifier: Apache-2.0 */
/* Partition tuples as expression input (partition_spec.c): a projected filter (spec "Scan Planning")
 * is evaluated on a data file's partition tuple by looking its partition field ids up in the tuple. */
#ifndef QB_ICEBERG_PARTITION_TUPLE_H
#define QB_ICEBERG_PARTITION_TUPLE_H

#include "qberg/table_metadata.h"
#include "qberg/value.h"

/* A partition tuple (QB_V_STRUCT with one item per field of `spec`, in order) and its spec. */
typedef struct qb_partition_tuple {
  const qb_partition_spec *spec;
  const qb_value *tuple;
} qb_partition_tuple;

/* The qb_bexpr lookup callback over a qb_partition_tuple (`ctx`): the value of partition field `id`, or
 * NULL when the spec has no such field or the tuple is short. */
const qb_value *qb_partition__tuple_lookup(const void *ctx, int32_t id);

#endif
