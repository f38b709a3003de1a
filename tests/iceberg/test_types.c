/* SPDX-License-Identifier: Apache-2.0 */
/* Primitive type strings as Java's Types.fromTypeName parses and prints them; v3 types refused. */
#include "harness.h"
#include "qberg/qberg.h"

QB_TEST(parse_and_print_primitives)
{
  static const struct {
    const char *in, *out;
    qb_type_id id;
  } ok[] = {
      {"boolean", "boolean", QB_T_BOOLEAN},       {"int", "int", QB_T_INT},
      {"long", "long", QB_T_LONG},                {"float", "float", QB_T_FLOAT},
      {"double", "double", QB_T_DOUBLE},          {"date", "date", QB_T_DATE},
      {"time", "time", QB_T_TIME},                {"timestamp", "timestamp", QB_T_TIMESTAMP},
      {"timestamptz", "timestamptz", QB_T_TIMESTAMPTZ}, {"string", "string", QB_T_STRING},
      {"uuid", "uuid", QB_T_UUID},                {"binary", "binary", QB_T_BINARY},
      {"LONG", "long", QB_T_LONG},                {"fixed[16]", "fixed[16]", QB_T_FIXED},
      {"fixed[ 3 ]", "fixed[3]", QB_T_FIXED},     {"decimal(9,2)", "decimal(9, 2)", QB_T_DECIMAL},
      {"decimal( 38 , 0 )", "decimal(38, 0)", QB_T_DECIMAL}, {"DECIMAL(9, 2)", "decimal(9, 2)", QB_T_DECIMAL},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    qb_err err = QB_ERR_INIT;
    qb_type t;
    char buf[40];
    CHECK_OK(qb_type_parse_primitive(&t, ok[i].in, &err), &err);
    CHECK_EQ_INT(t.id, ok[i].id);
    qb_type_to_string(buf, sizeof buf, &t);
    CHECK_EQ_STR(buf, ok[i].out);
    CHECK(qb_type_is_primitive(&t));
  }
  qb_err err = QB_ERR_INIT;
  qb_type t;
  CHECK_FAIL(qb_type_parse_primitive(&t, "decimal(39,2)", &err), QB_ECORRUPT, &err,
             "invalid type 'decimal(39,2)': decimal precision larger than 38 is not supported");
  CHECK_FAIL(qb_type_parse_primitive(&t, "decimal(2,3)", &err), QB_ECORRUPT, &err, "decimal scale exceeds precision");
  CHECK_FAIL(qb_type_parse_primitive(&t, "fixed[x]", &err), QB_ECORRUPT, &err,
             "cannot parse type string to primitive: 'fixed[x]'");
  CHECK_FAIL(qb_type_parse_primitive(&t, "struct", &err), QB_ECORRUPT, &err, "cannot parse type string to primitive");
  static const char *v3[] = {"timestamp_ns", "timestamptz_ns", "variant", "unknown", "geometry", "geography(OGC:CRS84, spherical)"};
  for (size_t i = 0; i < sizeof v3 / sizeof v3[0]; i++)
    CHECK_FAIL(qb_type_parse_primitive(&t, v3[i], &err), QB_EUNSUPPORTED, &err,
               "requires format version 3, which is not supported");
}

QB_TEST(shared_primitives_and_equality)
{
  CHECK(qb_type_primitive(QB_T_LONG)->id == QB_T_LONG);
  CHECK(qb_type_primitive(QB_T_DECIMAL) == NULL);
  CHECK(qb_type_primitive(QB_T_FIXED) == NULL);
  CHECK(qb_type_primitive(QB_T_STRUCT) == NULL);
  qb_type d1 = {.id = QB_T_DECIMAL, .precision = 9, .scale = 2}, d2 = d1, d3 = {.id = QB_T_DECIMAL, .precision = 9, .scale = 3};
  CHECK(qb_type_equal(&d1, &d2));
  CHECK(!qb_type_equal(&d1, &d3));
  qb_type l1 = {.id = QB_T_LIST, .element_id = 5, .element_required = true, .element = qb_type_primitive(QB_T_STRING)};
  qb_type l2 = l1;
  CHECK(qb_type_equal(&l1, &l2));
  l2.element_required = false;
  CHECK(!qb_type_equal(&l1, &l2));
}
