/* SPDX-License-Identifier: Apache-2.0 */
/* The writer schema cache of the OCF reader (schema_cache.c). */
#ifndef QB_FORMATS_AVRO_SCHEMA_CACHE_H
#define QB_FORMATS_AVRO_SCHEMA_CACHE_H

#include "formats/avro/datum.h"

/* The parsed writer schema `text` and its plan against `reader` (NULL: the writer schema itself), from the
 * cache or parsed, resolved and added to it. Both stay owned by the cache. A full pinned cache sets both
 * to NULL (QB_OK): the reader parses the schema itself. */
int qb_avro__cache_get(qb_avro_schema_cache *c, qb_slice text, const qb_avro_schema *reader, bool wrap_unions,
                       const qb_avro_schema **wschema, const qb_avro_plan **plan, qb_err *err);

/* A cache whose entries are never replaced (so they stay valid for as long as the cache lives, whatever
 * readers still use them): for a process-wide cache shared under the caller's lock. */
int qb_avro__cache_new_pinned(qb_avro_schema_cache **out, qb_err *err);

#endif
