/* SPDX-License-Identifier: Apache-2.0 */
/* The test harness: QB_TEST(name) registers a case; CHECK/CHECK_OK/CHECK_EQ_* assert.
 * Run `build/tests/test_x` for all cases or `build/tests/test_x substring` for some.
 * The last line is "test_x: N passed, N failed" which tests/run.sh sums up. */
#ifndef QB_TEST_HARNESS_H
#define QB_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qberg/err.h"

typedef void (*qb_test_fn)(void);
struct qb_test_case {
  const char *name;
  qb_test_fn fn;
};

#define QB_TEST_MAX 1024
extern struct qb_test_case qb__tests[QB_TEST_MAX];
extern int qb__ntests;
extern int qb__failed_checks;
/* Directory of the repository's tests/data, from QB_TEST_DATA or the default relative path. */
const char *qb_test_data_dir(void);
/* A fresh empty temporary directory for this test case (removed at exit unless QB_TEST_KEEP=1). */
const char *qb_test_tmpdir(void);

#define QB_TEST(name)                                                         \
  static void qb_test_##name(void);                                           \
  __attribute__((constructor)) static void qb_test_register_##name(void)     \
  {                                                                           \
    if (qb__ntests < QB_TEST_MAX) qb__tests[qb__ntests++] = (struct qb_test_case){#name, qb_test_##name}; \
  }                                                                           \
  static void qb_test_##name(void)

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      qb__failed_checks++;                                                       \
      return;                                                                    \
    }                                                                            \
  } while (0)

/* Like CHECK but continues the test case (for loops over tables of cases). */
#define EXPECT(cond)                                                              \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "  %s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond); \
      qb__failed_checks++;                                                        \
    }                                                                             \
  } while (0)

#define CHECK_OK(expr, errp)                                                                                \
  do {                                                                                                      \
    int qb__rc = (expr);                                                                                    \
    if (qb__rc != QB_OK) {                                                                                  \
      fprintf(stderr, "  %s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #expr, qb_code_name(qb__rc),     \
              (errp)->msg);                                                                                 \
      qb__failed_checks++;                                                                                  \
      return;                                                                                               \
    }                                                                                                       \
  } while (0)

/* Assert that expr fails with `code` and that the message contains `substr`. */
#define CHECK_FAIL(expr, code, errp, substr)                                                              \
  do {                                                                                                    \
    int qb__rc = (expr);                                                                                  \
    if (qb__rc != (code) || !strstr((errp)->msg, (substr))) {                                             \
      fprintf(stderr, "  %s:%d: %s: want %s containing \"%s\", got %s: %s\n", __FILE__, __LINE__, #expr, \
              qb_code_name(code), substr, qb_code_name(qb__rc), (errp)->msg);                             \
      qb__failed_checks++;                                                                                \
      return;                                                                                             \
    }                                                                                                     \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                                    \
  do {                                                                                                        \
    long long qb__a = (long long)(a), qb__b = (long long)(b);                                                 \
    if (qb__a != qb__b) {                                                                                     \
      fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, qb__a, qb__b); \
      qb__failed_checks++;                                                                                    \
      return;                                                                                                 \
    }                                                                                                         \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                                      \
  do {                                                                                                          \
    const char *qb__a = (a), *qb__b = (b);                                                                      \
    if (!qb__a || !qb__b || strcmp(qb__a, qb__b) != 0) {                                                        \
      fprintf(stderr, "  %s:%d: %s == %s failed:\n    got  \"%s\"\n    want \"%s\"\n", __FILE__, __LINE__, #a, \
              #b, qb__a ? qb__a : "(null)", qb__b ? qb__b : "(null)");                                          \
      qb__failed_checks++;                                                                                      \
      return;                                                                                                   \
    }                                                                                                           \
  } while (0)

#endif
