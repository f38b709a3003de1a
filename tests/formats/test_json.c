/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the JSON writer (src/formats/json): numbers are written without printf and must keep its text. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "formats/json/json.h"
#include "harness.h"
#include "util/buf.h"

QB_TEST(jw_i64_matches_printf)
{
  static const int64_t vals[] = {0,          1,          -1,         9,          10,          -10,
                                 99,         100,        12345,      -12345,     1700000000000, -1700000000000,
                                 INT32_MAX,  INT32_MIN,  INT64_MAX,  INT64_MIN,  INT64_MAX - 1, INT64_MIN + 1,
                                 1000000000, 999999999999999999};
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 1 << 20);
  qb_jw w;
  qb_jw_init(&w, &b, false, &err);
  qb_jw_begin_array(&w);
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) qb_jw_i64(&w, vals[i]);
  qb_jw_end_array(&w);
  CHECK_EQ_INT(qb_jw_finish(&w), QB_OK);
  /* the same array as printf writes it */
  char want[1024];
  size_t n = 0;
  want[n++] = '[';
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
    n += (size_t)snprintf(want + n, sizeof want - n, "%s%" PRId64, i ? "," : "", vals[i]);
  want[n++] = ']';
  want[n] = '\0';
  CHECK_EQ_INT((int)b.n, (int)n);
  CHECK(b.n == n && memcmp(b.p, want, n) == 0);
  /* inside an object, after a key */
  qb_buf_reset(&b);
  qb_jw_init(&w, &b, false, &err);
  qb_jw_begin_object(&w);
  qb_jw_key(&w, "k");
  qb_jw_i64(&w, -42);
  qb_jw_end_object(&w);
  CHECK_EQ_INT(qb_jw_finish(&w), QB_OK);
  CHECK(b.n == 9 && memcmp(b.p, "{\"k\":-42}", 9) == 0);
  qb_buf_free(&b);
}
