/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet schema tree: Dremel levels of the formats.md §2.5 shapes (checked against DuckDB there), Iceberg
 * LIST/MAP helpers, converted-type pairing, flatten/unflatten, validation, real footers. */
#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"
#include "harness.h"

static const qb_pq_column *col_by_path(const qb_pq_schema *s, const char *path)
{
  for (size_t i = 0; i < qb_pq_schema_n_columns(s); i++)
    if (strcmp(qb_pq_node_path(qb_pq_schema_column(s, i)), path) == 0) return qb_pq_schema_column_info(s, i);
  return NULL;
}

/* The shapes of formats.md §2.5 with their expected levels. */
static int build_vqe_like(qb_pq_schema **out, qb_err *err)
{
  qb_pq_schema *s;
  qb_pq_node *root, *lg, *lg2, *el, *coef, *st;
  int rc = qb_pq_schema_new(&s, "schema", err);
  if (rc) return rc;
  root = qb_pq_schema_root(s);
  /* id: required long */
  rc = qb_pq_schema_add_primitive(NULL, s, root, "id", QB_PQ_REQUIRED, QB_PQ_INT64, 0, NULL, 1, err);
  /* coords: optional list<optional list<optional double>> */
  if (!rc) rc = qb_pq_schema_add_list(&lg, NULL, s, root, "coords", QB_PQ_OPTIONAL, 2, err);
  if (!rc) rc = qb_pq_schema_add_list(&lg2, NULL, s, lg, "element", QB_PQ_OPTIONAL, 3, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, lg2, "element", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 4, err);
  /* parameters: optional list<optional double> */
  if (!rc) rc = qb_pq_schema_add_list(&lg, NULL, s, root, "parameters", QB_PQ_OPTIONAL, 5, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, lg, "element", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 6, err);
  /* hamiltonian: optional list<optional struct<label string, coefficients optional struct<real double>>> */
  if (!rc) rc = qb_pq_schema_add_list(&lg, NULL, s, root, "hamiltonian", QB_PQ_OPTIONAL, 7, err);
  if (!rc) rc = qb_pq_schema_add_group(&el, s, lg, "element", QB_PQ_OPTIONAL, 8, err);
  qb_pq_logical_type str = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, el, "label", QB_PQ_OPTIONAL, QB_PQ_BYTE_ARRAY, 0, &str, 9, err);
  if (!rc) rc = qb_pq_schema_add_group(&coef, s, el, "coefficients", QB_PQ_OPTIONAL, 10, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, coef, "real", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 11, err);
  /* iteration_list: optional list<optional struct<parameters optional list<optional double>>> */
  if (!rc) rc = qb_pq_schema_add_list(&lg, NULL, s, root, "iteration_list", QB_PQ_OPTIONAL, 12, err);
  if (!rc) rc = qb_pq_schema_add_group(&st, s, lg, "element", QB_PQ_OPTIONAL, 13, err);
  if (!rc) rc = qb_pq_schema_add_list(&lg2, NULL, s, st, "parameters", QB_PQ_OPTIONAL, 14, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, lg2, "element", QB_PQ_OPTIONAL, QB_PQ_DOUBLE, 0, NULL, 15, err);
  /* tags: required map<string, optional int> */
  if (!rc) rc = qb_pq_schema_add_map(&lg, NULL, s, root, "tags", QB_PQ_REQUIRED, 16, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, lg, "key", QB_PQ_REQUIRED, QB_PQ_BYTE_ARRAY, 0, &str, 17, err);
  if (!rc) rc = qb_pq_schema_add_primitive(NULL, s, lg, "value", QB_PQ_OPTIONAL, QB_PQ_INT32, 0, NULL, 18, err);
  if (!rc) rc = qb_pq_schema_finish(s, err);
  if (rc) {
    qb_pq_schema_free(s);
    return rc;
  }
  *out = s;
  return QB_OK;
}

QB_TEST(levels_of_formats_md_examples)
{
  static const struct {
    const char *path;
    int max_def, max_rep;
  } want[] = {
      {"id", 0, 0},
      {"coords.list.element.list.element", 5, 2},
      {"parameters.list.element", 3, 1},
      {"hamiltonian.list.element.label", 4, 1},
      {"hamiltonian.list.element.coefficients.real", 5, 1},
      {"iteration_list.list.element.parameters.list.element", 6, 2},
      {"tags.key_value.key", 1, 1},
      {"tags.key_value.value", 2, 1},
  };
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s;
  CHECK_OK(build_vqe_like(&s, &err), &err);
  CHECK_EQ_INT(qb_pq_schema_n_columns(s), sizeof want / sizeof want[0]);
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const qb_pq_column *c = qb_pq_schema_column_info(s, i);
    CHECK(c);
    CHECK_EQ_STR(qb_pq_node_path(c->leaf), want[i].path);
    CHECK_EQ_INT(c->max_def, want[i].max_def);
    CHECK_EQ_INT(c->max_rep, want[i].max_rep);
    CHECK_EQ_INT(qb_pq_node_max_def(c->leaf), want[i].max_def);
    CHECK_EQ_INT(qb_pq_node_column_index(c->leaf), (int)i);
  }
  /* per level: the node it belongs to */
  const qb_pq_column *c = col_by_path(s, "coords.list.element.list.element");
  static const char *const def_nodes[] = {"schema", "coords", "coords.list", "coords.list.element",
                                          "coords.list.element.list", "coords.list.element.list.element"};
  CHECK_EQ_STR(c->def_node[0]->name, "schema");
  for (int d = 1; d <= 5; d++) CHECK_EQ_STR(qb_pq_node_path(c->def_node[d]), def_nodes[d]);
  CHECK_EQ_STR(qb_pq_node_path(c->rep_node[1]), "coords.list");
  CHECK_EQ_STR(qb_pq_node_path(c->rep_node[2]), "coords.list.element.list");
  CHECK_EQ_INT(c->path_len, 5);
  CHECK_EQ_STR(c->path[1], "list");
  CHECK(c->nodes[4] == c->leaf);
  /* group bookkeeping for shredding: which columns sit below a node */
  const qb_pq_node *ham = qb_pq_node_parent(qb_pq_node_parent(qb_pq_node_parent(col_by_path(s, "hamiltonian.list.element.label")->leaf)));
  CHECK_EQ_STR(qb_pq_node_name(ham), "hamiltonian");
  CHECK_EQ_INT(ham->first_column, 3);
  CHECK_EQ_INT(ham->n_columns, 2);
  CHECK_EQ_INT(qb_pq_node_column_index(ham), -1);
  qb_pq_schema_free(s);
}

QB_TEST(iceberg_field_ids_and_annotations)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s;
  CHECK_OK(build_vqe_like(&s, &err), &err);
  const qb_pq_column *c = col_by_path(s, "tags.key_value.value");
  int32_t id;
  const qb_pq_node *kv = qb_pq_node_parent(c->leaf), *map = qb_pq_node_parent(kv);
  CHECK(qb_pq_node_field_id(c->leaf, &id) && id == 18);
  CHECK(!qb_pq_node_field_id(kv, &id)); /* the repeated middle group has no id */
  CHECK(qb_pq_node_field_id(map, &id) && id == 16);
  CHECK_EQ_INT(qb_pq_node_logical(map).kind, QB_PQ_LT_MAP);
  CHECK_EQ_INT(qb_pq_node_converted(map), QB_PQ_CT_MAP);
  CHECK_EQ_INT(qb_pq_node_repetition(kv), QB_PQ_REPEATED);
  CHECK_EQ_STR(qb_pq_node_name(kv), "key_value");
  const qb_pq_node *list = qb_pq_node_parent(qb_pq_node_parent(col_by_path(s, "parameters.list.element")->leaf));
  CHECK_EQ_INT(qb_pq_node_converted(list), QB_PQ_CT_LIST);
  CHECK_EQ_INT(qb_pq_node_n_children(list), 1);
  CHECK_EQ_STR(qb_pq_node_name(qb_pq_node_child(list, 0)), "list");
  CHECK(qb_pq_node_child(list, 1) == NULL);
  CHECK_EQ_INT(qb_pq_node_converted(col_by_path(s, "tags.key_value.key")->leaf), QB_PQ_CT_UTF8);
  qb_pq_schema_free(s);
}

QB_TEST(converted_types_written_with_logical_types)
{
  static const struct {
    qb_pq_type type;
    int32_t len;
    qb_pq_logical_type lt;
    qb_pq_converted_type ct;
  } cases[] = {
      {QB_PQ_BYTE_ARRAY, 0, QB_PQ_LOGICAL(QB_PQ_LT_STRING), QB_PQ_CT_UTF8},
      {QB_PQ_INT32, 0, QB_PQ_LOGICAL(QB_PQ_LT_DATE), QB_PQ_CT_DATE},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_TIMESTAMP(false, QB_PQ_MICROS), QB_PQ_CT_TIMESTAMP_MICROS},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_MICROS), QB_PQ_CT_TIMESTAMP_MICROS},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_MILLIS), QB_PQ_CT_TIMESTAMP_MILLIS},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_TIMESTAMP(true, QB_PQ_NANOS), QB_PQ_CT_NONE},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_TIME(false, QB_PQ_MICROS), QB_PQ_CT_TIME_MICROS},
      {QB_PQ_INT32, 0, QB_PQ_LOGICAL_TIME(true, QB_PQ_MILLIS), QB_PQ_CT_TIME_MILLIS},
      {QB_PQ_INT32, 0, QB_PQ_LOGICAL_DECIMAL(9, 2), QB_PQ_CT_DECIMAL},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_DECIMAL(18, 18), QB_PQ_CT_DECIMAL},
      {QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, QB_PQ_LOGICAL_DECIMAL(38, 10), QB_PQ_CT_DECIMAL},
      {QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, QB_PQ_LOGICAL(QB_PQ_LT_UUID), QB_PQ_CT_NONE},
      {QB_PQ_FIXED_LEN_BYTE_ARRAY, 2, QB_PQ_LOGICAL(QB_PQ_LT_FLOAT16), QB_PQ_CT_NONE},
      {QB_PQ_INT32, 0, QB_PQ_LOGICAL_INTEGER(8, true), QB_PQ_CT_INT_8},
      {QB_PQ_INT32, 0, QB_PQ_LOGICAL_INTEGER(16, false), QB_PQ_CT_UINT_16},
      {QB_PQ_INT64, 0, QB_PQ_LOGICAL_INTEGER(64, true), QB_PQ_CT_INT_64},
      {QB_PQ_BYTE_ARRAY, 0, QB_PQ_LOGICAL(QB_PQ_LT_JSON), QB_PQ_CT_JSON},
      {QB_PQ_BYTE_ARRAY, 0, QB_PQ_LOGICAL(QB_PQ_LT_ENUM), QB_PQ_CT_ENUM},
      {QB_PQ_DOUBLE, 0, QB_PQ_LOGICAL_NONE, QB_PQ_CT_NONE},
  };
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s;
  CHECK_OK(qb_pq_schema_new(&s, NULL, &err), &err);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[16];
    snprintf(name, sizeof name, "c%zu", i);
    CHECK_OK(qb_pq_schema_add_primitive(NULL, s, qb_pq_schema_root(s), name, QB_PQ_OPTIONAL, cases[i].type,
                                        cases[i].len, &cases[i].lt, (int32_t)i, &err),
             &err);
  }
  CHECK_OK(qb_pq_schema_finish(s, &err), &err);
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_pq_schema_element *els;
  size_t n;
  CHECK_OK(qb_pq_schema_to_elements(&els, &n, s, &a, &err), &err);
  CHECK_EQ_INT(n, 1 + sizeof cases / sizeof cases[0]);
  CHECK_EQ_STR(els[0].name, "schema");
  CHECK(!els[0].has_repetition && els[0].has_num_children && !els[0].has_type);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const qb_pq_schema_element *e = &els[i + 1];
    CHECK_EQ_INT(e->has_converted_type, cases[i].ct != QB_PQ_CT_NONE);
    if (e->has_converted_type) CHECK_EQ_INT(e->converted_type, cases[i].ct);
    CHECK_EQ_INT(e->has_logical_type, cases[i].lt.kind != QB_PQ_LT_NONE);
    CHECK_EQ_INT(e->logical_type.kind, cases[i].lt.kind);
    CHECK_EQ_INT(e->has_scale, cases[i].lt.kind == QB_PQ_LT_DECIMAL);
    if (e->has_scale) CHECK(e->scale == cases[i].lt.scale && e->precision == cases[i].lt.precision);
    CHECK_EQ_INT(e->has_type_length, cases[i].type == QB_PQ_FIXED_LEN_BYTE_ARRAY);
    CHECK(e->has_field_id && e->field_id == (int32_t)i);
  }
  qb_arena_release(&a);
  qb_pq_schema_free(s);
}

/* Tree → elements → thrift bytes → elements → tree → elements: everything survives. */
QB_TEST(flatten_unflatten_round_trip)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s, *t;
  CHECK_OK(build_vqe_like(&s, &err), &err);
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_pq_schema_element *e1, *e2;
  size_t n1, n2;
  CHECK_OK(qb_pq_schema_to_elements(&e1, &n1, s, &a, &err), &err);
  CHECK_EQ_INT(n1, qb_pq_schema_n_nodes(s));
  /* through the wire format */
  qb_pq_file_meta m = {0};
  m.version = 1;
  m.schema = e1;
  m.n_schema = (uint32_t)n1;
  qb_buf b;
  qb_buf_init(&b, 1 << 20);
  CHECK_OK(qb_pq_file_meta_encode(&b, &m, &err), &err);
  qb_pq_file_meta back;
  CHECK_OK(qb_pq_file_meta_decode(&back, b.p, b.n, 0, &a, &err), &err);
  CHECK_OK(qb_pq_schema_from_elements(&t, back.schema, back.n_schema, &err), &err);
  CHECK_OK(qb_pq_schema_to_elements(&e2, &n2, t, &a, &err), &err);
  CHECK_EQ_INT(n1, n2);
  for (size_t i = 0; i < n1; i++) {
    CHECK_EQ_STR(e1[i].name, e2[i].name);
    CHECK(e1[i].has_type == e2[i].has_type && e1[i].type == e2[i].type);
    CHECK(e1[i].has_repetition == e2[i].has_repetition && e1[i].repetition == e2[i].repetition);
    CHECK(e1[i].has_num_children == e2[i].has_num_children && e1[i].num_children == e2[i].num_children);
    CHECK(e1[i].has_converted_type == e2[i].has_converted_type && e1[i].converted_type == e2[i].converted_type);
    CHECK(e1[i].has_field_id == e2[i].has_field_id && e1[i].field_id == e2[i].field_id);
    CHECK(e1[i].has_logical_type == e2[i].has_logical_type && e1[i].logical_type.kind == e2[i].logical_type.kind);
  }
  for (size_t i = 0; i < qb_pq_schema_n_columns(s); i++) {
    const qb_pq_column *x = qb_pq_schema_column_info(s, i), *y = qb_pq_schema_column_info(t, i);
    CHECK_EQ_STR(qb_pq_node_path(x->leaf), qb_pq_node_path(y->leaf));
    CHECK(x->max_def == y->max_def && x->max_rep == y->max_rep);
  }
  qb_buf_free(&b);
  qb_arena_release(&a);
  qb_pq_schema_free(s);
  qb_pq_schema_free(t);
}

QB_TEST(builder_rejects_bad_input)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s;
  qb_pq_node *g, *leaf, *mid;
  CHECK_OK(qb_pq_schema_new(&s, "m", &err), &err);
  qb_pq_node *root = qb_pq_schema_root(s);
  CHECK_OK(qb_pq_schema_add_primitive(&leaf, s, root, "a", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, -1, &err), &err);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "a", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, -1, &err),
             QB_EINVAL, &err, "duplicate field 'a' under 'm'");
  CHECK_FAIL(qb_pq_schema_add_group(NULL, s, root, "", QB_PQ_REQUIRED, -1, &err), QB_EINVAL, &err, "empty field name");
  CHECK_FAIL(qb_pq_schema_add_group(NULL, s, leaf, "x", QB_PQ_REQUIRED, -1, &err), QB_EINVAL, &err, "is not a group");
  qb_pq_logical_type lt = QB_PQ_LOGICAL_DECIMAL(10, 2);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "d", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &lt, -1, &err), QB_EINVAL,
             &err, "precision does not fit");
  lt = QB_PQ_LOGICAL_DECIMAL(39, 2);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "d", QB_PQ_REQUIRED, QB_PQ_FIXED_LEN_BYTE_ARRAY, 16, &lt, -1,
                                        &err),
             QB_EINVAL, &err, "precision does not fit");
  lt = QB_PQ_LOGICAL_DECIMAL(5, 6);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "d", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &lt, -1, &err), QB_EINVAL,
             &err, "scale must be in 0..precision");
  lt = QB_PQ_LOGICAL(QB_PQ_LT_UUID);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "u", QB_PQ_REQUIRED, QB_PQ_FIXED_LEN_BYTE_ARRAY, 8, &lt, -1,
                                        &err),
             QB_EINVAL, &err, "needs FIXED_LEN_BYTE_ARRAY(16)");
  lt = QB_PQ_LOGICAL(QB_PQ_LT_STRING);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "s", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &lt, -1, &err), QB_EINVAL,
             &err, "needs BYTE_ARRAY");
  lt = QB_PQ_LOGICAL(QB_PQ_LT_LIST);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "l", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &lt, -1, &err), QB_EINVAL,
             &err, "annotates groups only");
  lt = QB_PQ_LOGICAL_TIMESTAMP(false, QB_PQ_MICROS);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "t", QB_PQ_REQUIRED, QB_PQ_INT32, 0, &lt, -1, &err), QB_EINVAL,
             &err, "needs INT64");
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, root, "f", QB_PQ_REQUIRED, QB_PQ_FIXED_LEN_BYTE_ARRAY, 0, NULL, -1,
                                        &err),
             QB_EINVAL, &err, "needs a length > 0");
  /* an empty group and a list without element are caught by finish */
  CHECK_OK(qb_pq_schema_add_group(&g, s, root, "empty", QB_PQ_OPTIONAL, 5, &err), &err);
  CHECK_FAIL(qb_pq_schema_finish(s, &err), QB_EINVAL, &err, "group 'empty' has no fields");
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, g, "x", QB_PQ_OPTIONAL, QB_PQ_BOOLEAN, 0, NULL, 6, &err), &err);
  CHECK_OK(qb_pq_schema_add_list(&mid, NULL, s, root, "l", QB_PQ_OPTIONAL, 7, &err), &err);
  CHECK_FAIL(qb_pq_schema_finish(s, &err), QB_EINVAL, &err, "list 'l' has no element");
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, mid, "element", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, NULL, 8, &err), &err);
  CHECK_OK(qb_pq_schema_add_map(&mid, NULL, s, root, "m", QB_PQ_OPTIONAL, 9, &err), &err);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, mid, "key", QB_PQ_OPTIONAL, QB_PQ_INT64, 0, NULL, 10, &err), &err);
  CHECK_FAIL(qb_pq_schema_finish(s, &err), QB_EINVAL, &err, "map 'm' needs a required key");
  qb_pq_schema_free(s);

  /* depth limit */
  CHECK_OK(qb_pq_schema_new(&s, "m", &err), &err);
  g = qb_pq_schema_root(s);
  int rc = QB_OK;
  for (int i = 0; i < QB_PQ_MAX_SCHEMA_DEPTH + 5 && rc == QB_OK; i++)
    rc = qb_pq_schema_add_group(&g, s, g, "g", QB_PQ_OPTIONAL, -1, &err);
  CHECK_EQ_INT(rc, QB_ELIMIT);
  CHECK(strstr(err.msg, "nests deeper than 64"));
  qb_pq_schema_free(s);

  /* finished schemas are read-only; columns exist only after finish */
  CHECK_OK(qb_pq_schema_new(&s, "m", &err), &err);
  CHECK_OK(qb_pq_schema_add_primitive(NULL, s, qb_pq_schema_root(s), "a", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, -1, &err),
           &err);
  CHECK_EQ_INT(qb_pq_schema_n_columns(s), 0);
  CHECK_OK(qb_pq_schema_finish(s, &err), &err);
  CHECK_EQ_INT(qb_pq_schema_n_columns(s), 1);
  CHECK(qb_pq_schema_column(s, 1) == NULL);
  CHECK_FAIL(qb_pq_schema_add_primitive(NULL, s, qb_pq_schema_root(s), "b", QB_PQ_REQUIRED, QB_PQ_INT32, 0, NULL, -1,
                                        &err),
             QB_EINVAL, &err, "already finished");
  qb_pq_schema_free(s);
  qb_pq_schema_free(NULL);

  /* a root with nothing in it */
  CHECK_OK(qb_pq_schema_new(&s, "m", &err), &err);
  CHECK_FAIL(qb_pq_schema_finish(s, &err), QB_EINVAL, &err, "group '(root)' has no fields");
  qb_pq_schema_free(s);
}

static qb_pq_schema_element grp(const char *name, int rep, int children)
{
  qb_pq_schema_element e = {0};
  e.name = name;
  e.has_repetition = rep >= 0;
  e.repetition = (qb_pq_repetition)(rep >= 0 ? rep : 0);
  e.has_num_children = true;
  e.num_children = children;
  e.converted_type = QB_PQ_CT_NONE;
  return e;
}

static qb_pq_schema_element leaf(const char *name, int rep, int type)
{
  qb_pq_schema_element e = {0};
  e.name = name;
  e.has_repetition = rep >= 0;
  e.repetition = (qb_pq_repetition)(rep >= 0 ? rep : 0);
  e.has_type = type >= 0;
  e.type = (qb_pq_type)(type >= 0 ? type : 0);
  e.converted_type = QB_PQ_CT_NONE;
  return e;
}

QB_TEST(from_elements_validation)
{
  qb_err err = QB_ERR_INIT;
  qb_pq_schema *s = NULL;
  qb_pq_schema_element els[80];
  /* valid: root { a: optional int64, g: repeated group { b: required bytes } } */
  els[0] = grp("root", -1, 2);
  els[1] = leaf("a", 1, QB_PQ_INT64);
  els[2] = grp("g", 2, 1);
  els[3] = leaf("b", 0, QB_PQ_BYTE_ARRAY);
  CHECK_OK(qb_pq_schema_from_elements(&s, els, 4, &err), &err);
  CHECK_EQ_INT(qb_pq_schema_n_columns(s), 2);
  CHECK_EQ_STR(qb_pq_node_path(qb_pq_schema_column(s, 1)), "g.b");
  CHECK_EQ_INT(qb_pq_node_max_rep(qb_pq_schema_column(s, 1)), 1);
  qb_pq_schema_free(s);

  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 3, &err), QB_ECORRUPT, &err,
             "schema element 2 (g): num_children 1 but only 0 elements follow");
  els[0].num_children = 1;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "2 elements after the root's subtree");
  els[0].num_children = 2;
  els[0].num_children = 1000000;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "num_children 1000000 but only 3");
  els[0].num_children = 2;
  els[1].has_type = false;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err,
             "schema element 1 (a): a leaf without a physical type");
  els[1].has_type = true;
  els[1].type = (qb_pq_type)8;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "invalid physical type 8");
  els[1].type = QB_PQ_FIXED_LEN_BYTE_ARRAY;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "without a positive type_length");
  els[1].type = QB_PQ_INT64;
  els[3].has_repetition = false;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "schema element 3 (b): no repetition_type");
  els[3].has_repetition = true;
  els[3].repetition = (qb_pq_repetition)3;
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 4, &err), QB_ECORRUPT, &err, "invalid repetition_type 3");
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 0, &err), QB_ECORRUPT, &err, "empty schema list");
  els[0] = leaf("root", -1, QB_PQ_INT32);
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 1, &err), QB_ECORRUPT, &err, "the root is not a group");
  /* depth: a chain of 70 groups */
  for (int i = 0; i < 70; i++) els[i] = grp("g", i ? 1 : -1, 1);
  els[70] = leaf("x", 1, QB_PQ_INT32);
  CHECK_FAIL(qb_pq_schema_from_elements(&s, els, 71, &err), QB_ELIMIT, &err, "nesting deeper than 64");
  CHECK(s == NULL);
}

/* Column order of the tree = ColumnChunk order in a real footer, and paths agree with path_in_schema. */
QB_TEST(real_footer_columns_and_levels)
{
  qb_err err = QB_ERR_INIT;
  char path[1024];
  snprintf(path, sizeof path, "%s/parquet/nested_maps.snappy.parquet", qb_test_data_dir());
  FILE *f = fopen(path, "rb");
  CHECK(f);
  uint8_t buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  uint32_t len;
  CHECK_OK(qb_pq_tail_parse(&len, buf + n - 8, n, &err), &err);
  qb_arena a;
  qb_arena_init(&a, 0);
  qb_pq_file_meta m;
  CHECK_OK(qb_pq_file_meta_decode(&m, buf + n - 8 - len, len, n - 8 - len, &a, &err), &err);
  qb_pq_schema *s;
  CHECK_OK(qb_pq_schema_from_elements(&s, m.schema, m.n_schema, &err), &err);
  CHECK_EQ_INT(qb_pq_schema_n_columns(s), m.row_groups[0].n_columns);
  for (size_t i = 0; i < qb_pq_schema_n_columns(s); i++) {
    const qb_pq_column *c = qb_pq_schema_column_info(s, i);
    const qb_pq_column_meta *cm = &m.row_groups[0].columns[i].meta_data;
    CHECK_EQ_INT(c->path_len, cm->n_path);
    for (size_t k = 0; k < c->path_len; k++) CHECK_EQ_STR(c->path[k], cm->path_in_schema[k]);
    CHECK_EQ_INT(c->leaf->type, cm->type);
  }
  /* map<string, map<int, bool>> (DuckDB's parquet_schema of this file): optional a, repeated key_value,
   * optional value, repeated key_value, required value → def 4, rep 2 */
  const qb_pq_column *inner = col_by_path(s, "a.key_value.value.key_value.value");
  CHECK(inner);
  CHECK_EQ_INT(inner->max_rep, 2);
  CHECK_EQ_INT(inner->max_def, 4);
  CHECK_EQ_INT(col_by_path(s, "a.key_value.key")->max_def, 2);
  CHECK_EQ_INT(qb_pq_node_converted(qb_pq_node_parent(qb_pq_node_parent(inner->leaf))), QB_PQ_CT_MAP);
  qb_pq_schema_free(s);
  qb_arena_release(&a);
}

QB_TEST(type_names)
{
  CHECK_EQ_STR(qb_pq_type_name(QB_PQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
  CHECK_EQ_STR(qb_pq_type_name((qb_pq_type)8), "?");
  CHECK_EQ_STR(qb_pq_repetition_name(QB_PQ_REPEATED), "REPEATED");
  CHECK_EQ_STR(qb_pq_encoding_name(QB_PQ_RLE_DICTIONARY), "RLE_DICTIONARY");
  CHECK_EQ_STR(qb_pq_encoding_name((qb_pq_encoding)1), "?");
  CHECK_EQ_STR(qb_pq_encoding_name((qb_pq_encoding)10), "?");
}
