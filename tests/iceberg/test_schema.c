/* SPDX-License-Identifier: Apache-2.0 */
/* Schemas: Appendix C JSON in and out (Java's exact compact output), lookups by id and dotted name,
 * identifier-field rules, highest field id. */
#include <stdlib.h>

#include "harness.h"
#include "qberg/qberg.h"

/* The spec's Appendix C example shape, in Java SchemaParser's key order and compact layout. */
static const char nested[] =
    "{\"type\":\"struct\",\"schema-id\":3,\"identifier-field-ids\":[1],\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\",\"doc\":\"unique id\"},"
    "{\"id\":2,\"name\":\"tags\",\"required\":false,\"type\":{\"type\":\"list\",\"element-id\":5,\"element\":\"string\","
    "\"element-required\":true}},"
    "{\"id\":3,\"name\":\"attrs\",\"required\":false,\"type\":{\"type\":\"map\",\"key-id\":6,\"key\":\"string\","
    "\"value-id\":7,\"value\":\"double\",\"value-required\":false}},"
    "{\"id\":4,\"name\":\"pt\",\"required\":false,\"type\":{\"type\":\"struct\",\"fields\":["
    "{\"id\":8,\"name\":\"x\",\"required\":true,\"type\":\"decimal(9, 2)\"},"
    "{\"id\":9,\"name\":\"a.b\",\"required\":false,\"type\":\"fixed[16]\",\"initial-default\":\"000102ff\","
    "\"write-default\":\"000102ff\"}]}},"
    "{\"id\":10,\"name\":\"n\",\"required\":false,\"type\":\"int\",\"initial-default\":34}]}";

QB_TEST(json_round_trip_exact)
{
  qb_err err = QB_ERR_INIT;
  qb_schema *s;
  CHECK_OK(qb_schema_parse_json(&s, nested, strlen(nested), &err), &err);
  CHECK_EQ_INT(qb_schema_id(s), 3);
  CHECK_EQ_INT(qb_schema_n_fields(s), 5);
  CHECK_EQ_INT(qb_schema_highest_field_id(s), 10);
  size_t n;
  const int32_t *ids = qb_schema_identifier_field_ids(s, &n);
  CHECK(n == 1 && ids[0] == 1);
  char *js;
  CHECK_OK(qb_schema_to_json(&js, s, &err), &err);
  CHECK_EQ_STR(js, nested);
  free(js);
  /* lookups */
  CHECK_EQ_STR(qb_schema_find_field(s, 5)->name, "element");
  CHECK_EQ_STR(qb_schema_field_name(s, 5), "tags.element");
  CHECK_EQ_STR(qb_schema_field_name(s, 7), "attrs.value");
  CHECK_EQ_INT(qb_schema_find_field_by_name(s, "pt.x")->id, 8);
  CHECK_EQ_INT(qb_schema_find_field_by_name(s, "pt.a.b")->id, 9);
  CHECK(qb_schema_find_field_by_name(s, "pt.y") == NULL);
  CHECK(qb_schema_find_field(s, 11) == NULL);
  const qb_field *x = qb_schema_find_field(s, 8);
  CHECK(x->type->id == QB_T_DECIMAL && x->type->precision == 9 && x->type->scale == 2);
  CHECK_EQ_STR(qb_schema_find_field(s, 9)->initial_default, "\"000102ff\"");
  CHECK_EQ_STR(qb_schema_find_field(s, 10)->initial_default, "34");
  CHECK_EQ_STR(qb_schema_find_field(s, 1)->doc, "unique id");
  qb_schema *copy;
  CHECK_OK(qb_schema_new(&copy, 7, qb_schema_fields(s), qb_schema_n_fields(s), ids, n, &err), &err);
  CHECK(qb_schema_same(s, copy));
  CHECK_EQ_INT(qb_schema_id(copy), 7);
  qb_schema_free(copy);
  qb_schema_free(s);
}

QB_TEST(json_errors_name_the_field)
{
  static const struct {
    const char *json, *msg;
    qb_code code;
  } bad[] = {
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"required\":true,\"type\":\"long\"}]}",
       "fields[0]: missing required field 'name'", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":\"1\",\"name\":\"a\",\"required\":true,\"type\":\"long\"}]}",
       "fields[0]: field 'id' must be an integer, got string", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":1,\"type\":\"long\"}]}",
       "fields[0] 'a': field 'required' must be a boolean, got integer", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"variant\"}]}",
       "fields[0] 'a': type 'variant' requires format version 3, which is not supported", QB_EUNSUPPORTED},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"long\"},"
       "{\"id\":1,\"name\":\"b\",\"required\":true,\"type\":\"long\"}]}",
       "duplicate field id 1 ('a' and 'b')", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"identifier-field-ids\":[1],\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":false,"
       "\"type\":\"long\"}]}",
       "cannot add field 'a' as an identifier field: not a required field", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"identifier-field-ids\":[1],\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
       "\"type\":\"double\"}]}",
       "cannot add field 'a' as an identifier field: must not be float or double field", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"int\","
       "\"initial-default\":\"x\"}]}",
       "fields[0] 'a': field 'initial-default' is not a valid int value: got string", QB_ECORRUPT},
      {"{\"type\":\"list\",\"fields\":[]}", "cannot create schema, not a struct type: field 'type' is 'list'", QB_ECORRUPT},
      {"{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":{\"type\":\"list\","
       "\"element-id\":2,\"element\":\"int\"}}]}",
       "fields[0] 'a': list: missing required field 'element-required'", QB_ECORRUPT},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_schema *s = NULL;
    int rc = qb_schema_parse_json(&s, bad[i].json, strlen(bad[i].json), &err);
    if (rc != (int)bad[i].code || strcmp(err.msg, bad[i].msg))
      fprintf(stderr, "  case %zu: got %s \"%s\"\n", i, qb_code_name(rc), err.msg);
    EXPECT(rc == (int)bad[i].code && !strcmp(err.msg, bad[i].msg));
    qb_schema_free(s);
  }
}

QB_TEST(new_schema_rules)
{
  qb_err err = QB_ERR_INIT;
  qb_field inner[] = {{.id = 3, .name = "k", .required = true, .type = qb_type_primitive(QB_T_STRING)}};
  qb_type st = {.id = QB_T_STRUCT, .n_fields = 1, .fields = inner};
  qb_field cols[] = {
      {.id = 1, .name = "id", .required = true, .type = qb_type_primitive(QB_T_LONG)},
      {.id = 2, .name = "s", .required = false, .type = &st},
  };
  qb_schema *s;
  int32_t idf[] = {3};
  CHECK_FAIL(qb_schema_new(&s, 0, cols, 2, idf, 1, &err), QB_EINVAL, &err,
             "cannot add field 's.k' as an identifier field: must not be nested in an optional field");
  cols[1].required = true;
  CHECK_OK(qb_schema_new(&s, 0, cols, 2, idf, 1, &err), &err);
  CHECK_EQ_STR(qb_schema_field_name(s, 3), "s.k");
  qb_schema_free(s);
  cols[1].name = "id";
  CHECK_FAIL(qb_schema_new(&s, 0, cols, 2, NULL, 0, &err), QB_EINVAL, &err, "duplicate field name 'id'");
  cols[1].name = "s";
  cols[1].id = 0;
  CHECK_FAIL(qb_schema_new(&s, 0, cols, 2, NULL, 0, &err), QB_EINVAL, &err, "field 's' has invalid id 0");
}
