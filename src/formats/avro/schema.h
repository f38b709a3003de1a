/* SPDX-License-Identifier: Apache-2.0 */
/* The parsed Avro schema tree (Avro 1.11 spec, "Schema Declaration"), shared by the codec's files.
 * Nodes point into the retained json-c document, so every attribute stays available verbatim. */
#ifndef QB_FORMATS_AVRO_SCHEMA_H
#define QB_FORMATS_AVRO_SCHEMA_H

#include <json-c/json.h>
#include <stdatomic.h>

#include "qberg/avro.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"

typedef struct qb_avro_field {
  const char *name;
  qb_avro_node *type;
  json_object *json;  /* the field's JSON object: doc, default, order, aliases and the extra attributes */
  json_object *deflt; /* the "default" value when has_default (json-c's NULL is JSON null) */
  bool has_default;
  bool has_id; /* an int "field-id" attribute (Iceberg) */
  int32_t id;
  size_t n_aliases;
  const char **aliases;
} qb_avro_field;

struct qb_avro_node {
  qb_avro_type type;
  const char *name;       /* full name of a named type; NULL when anonymous or unnamed */
  const char *short_name; /* the name without its namespace */
  const char *space;      /* namespace; NULL = the null namespace */
  const char *logical;    /* "logicalType" attribute or NULL */
  json_object *json;      /* this type's JSON object; NULL when written as a bare primitive name */
  size_t n;               /* record fields, union branches or enum symbols */
  qb_avro_field *fields;
  qb_avro_node **branches;
  const char **symbols;
  qb_avro_node *items; /* array items or map values */
  size_t size;         /* fixed size in bytes */
  int32_t enum_default; /* index of the enum's "default" symbol or -1 */
  size_t min_size;      /* fewest bytes one value of this type encodes to */
  bool zero;            /* every value encodes to 0 bytes (null, fixed(0), records of such) */
  bool lmap;            /* array with logicalType "map" whose items are a 2-field record {key, value} */
  uint8_t mark;         /* parse-time traversal state */
};

struct qb_avro_schema {
  qb_arena arena;
  json_object *doc;     /* owned reference to the whole JSON document */
  qb_avro_node *root;
  qb_avro_node prim[8]; /* shared nodes for bare primitive names, indexed by qb_avro_type */
  qb_map names;         /* full name -> qb_avro_node* of every named type */
  /* qb_avro_schema_to_json's text, made on its first call (the schema never changes): every manifest a
   * commit writes embeds the JSON of one of a few shared schemas. Installed by compare-and-swap, so
   * threads sharing a schema may race to make it; one text wins, the others are freed. */
  _Atomic(char *) json_memo;
};

/** Names, namespaces and enum symbols match [A-Za-z_][A-Za-z0-9_]* and every record is named: what Java
 * and avsc insist on when they parse a schema, so files we write stay readable. */
int qb_avro__schema_check_names(const qb_avro_schema *s, qb_err *err);

/** Compact JSON of an attribute value (json-c, no slash escaping). */
const char *qb_avro__json_text(json_object *j);

#endif
