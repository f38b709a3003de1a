/* SPDX-License-Identifier: Apache-2.0 */
/* main() of every test binary: runs the registered cases, filtered by argv substrings. */
#include "harness.h"

#include <limits.h>
#include <unistd.h>

struct qb_test_case qb__tests[QB_TEST_MAX];
int qb__ntests;
int qb__failed_checks;

static char tmp_root[PATH_MAX];
static char tmp_case[PATH_MAX + 16];
static int tmp_seq;

const char *qb_test_data_dir(void)
{
  const char *d = getenv("QB_TEST_DATA");
  return d && *d ? d : "tests/data";
}

const char *qb_test_tmpdir(void)
{
  if (!tmp_root[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/qbtest.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_root)) {
      perror("mkdtemp");
      exit(2);
    }
  }
  snprintf(tmp_case, sizeof tmp_case, "%s/%d", tmp_root, ++tmp_seq);
  char cmd[PATH_MAX + 64];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", tmp_case);
  if (system(cmd) != 0) exit(2);
  return tmp_case;
}

static void cleanup_tmp(void)
{
  if (!tmp_root[0]) return;
  const char *keep = getenv("QB_TEST_KEEP");
  if (keep && *keep == '1') {
    fprintf(stderr, "kept %s\n", tmp_root);
    return;
  }
  char cmd[PATH_MAX + 32];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
}

int main(int argc, char **argv)
{
  const char *prog = strrchr(argv[0], '/');
  prog = prog ? prog + 1 : argv[0];
  int passed = 0, failed = 0;
  atexit(cleanup_tmp);
  for (int i = 0; i < qb__ntests; i++) {
    int selected = argc < 2;
    for (int j = 1; j < argc; j++)
      if (strstr(qb__tests[i].name, argv[j])) selected = 1;
    if (!selected) continue;
    int before = qb__failed_checks;
    qb__tests[i].fn();
    if (qb__failed_checks == before) {
      passed++;
      if (getenv("QB_TEST_VERBOSE")) fprintf(stderr, "ok   %s\n", qb__tests[i].name);
    } else {
      failed++;
      fprintf(stderr, "FAIL %s.%s\n", prog, qb__tests[i].name);
    }
  }
  printf("%s: %d passed, %d failed\n", prog, passed, failed);
  return failed ? 1 : 0;
}
