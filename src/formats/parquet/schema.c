/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet schema tree (parquet.thrift SchemaElement, LogicalTypes.md). */
#include "formats/parquet/schema.h"

const qb_pq_column * qb_pq_schema_column_info(const qb_pq_schema *s, size_t i)
{
  return NULL;
}

int qb_pq_schema_from_elements(qb_pq_schema **out, const qb_pq_schema_element *els, size_t n, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_to_elements(qb_pq_schema_element **out, size_t *out_n, const qb_pq_schema *s, qb_arena *a, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

qb_pq_converted_type qb_pq_logical_to_converted(const qb_pq_logical_type *lt, qb_pq_type type)
{
  return 0;
}

const char * qb_pq_type_name(qb_pq_type t)
{
  return NULL;
}

const char * qb_pq_repetition_name(qb_pq_repetition r)
{
  return NULL;
}

const char * qb_pq_codec_name(qb_pq_codec c)
{
  return NULL;
}

const char * qb_pq_encoding_name(qb_pq_encoding e)
{
  return NULL;
}

int qb_pq_codec_parse(qb_pq_codec *out, const char *name, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

bool qb_pq_codec_available(qb_pq_codec c, bool for_write)
{
  return false;
}

int qb_pq_schema_new(qb_pq_schema **out, const char *root_name, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

void qb_pq_schema_free(qb_pq_schema *s)
{
}

qb_pq_node * qb_pq_schema_root(qb_pq_schema *s)
{
  return NULL;
}

const qb_pq_node * qb_pq_schema_root_const(const qb_pq_schema *s)
{
  return NULL;
}

int qb_pq_schema_add_group(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_add_primitive(qb_pq_node **out, qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, qb_pq_type type, int32_t type_length, const qb_pq_logical_type *logical, int32_t field_id, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_add_list(qb_pq_node **out_list_group, qb_pq_node **out_list, qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_add_map(qb_pq_node **out_key_value, qb_pq_node **out_map, qb_pq_schema *s, qb_pq_node *parent, const char *name, qb_pq_repetition rep, int32_t field_id, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_schema_finish(qb_pq_schema *s, qb_err *err)
{
  return QB_FAIL(err, QB_EUNSUPPORTED, "not yet");
}

size_t qb_pq_schema_n_columns(const qb_pq_schema *s)
{
  return 0;
}

const qb_pq_node * qb_pq_schema_column(const qb_pq_schema *s, size_t i)
{
  return NULL;
}

size_t qb_pq_schema_n_nodes(const qb_pq_schema *s)
{
  return 0;
}

const char * qb_pq_node_name(const qb_pq_node *n)
{
  return NULL;
}

bool qb_pq_node_is_leaf(const qb_pq_node *n)
{
  return false;
}

qb_pq_repetition qb_pq_node_repetition(const qb_pq_node *n)
{
  return 0;
}

qb_pq_type qb_pq_node_type(const qb_pq_node *n)
{
  return 0;
}

int32_t qb_pq_node_type_length(const qb_pq_node *n)
{
  return 0;
}

qb_pq_logical_type qb_pq_node_logical(const qb_pq_node *n)
{
  return n->logical;
}

qb_pq_converted_type qb_pq_node_converted(const qb_pq_node *n)
{
  return 0;
}

bool qb_pq_node_field_id(const qb_pq_node *n, int32_t *out)
{
  return false;
}

size_t qb_pq_node_n_children(const qb_pq_node *n)
{
  return 0;
}

const qb_pq_node * qb_pq_node_child(const qb_pq_node *n, size_t i)
{
  return NULL;
}

const qb_pq_node * qb_pq_node_parent(const qb_pq_node *n)
{
  return NULL;
}

int qb_pq_node_max_def(const qb_pq_node *n)
{
  return QB_FAIL(NULL, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_node_max_rep(const qb_pq_node *n)
{
  return QB_FAIL(NULL, QB_EUNSUPPORTED, "not yet");
}

int qb_pq_node_column_index(const qb_pq_node *n)
{
  return QB_FAIL(NULL, QB_EUNSUPPORTED, "not yet");
}

const char * qb_pq_node_path(const qb_pq_node *n)
{
  return NULL;
}
