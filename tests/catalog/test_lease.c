/* SPDX-License-Identifier: Apache-2.0 */
/* Catalog leases (qb_catalog_lease_*): exclusive among takers, kept alive by their thread past many
 * leases, lost (and reported by the check) when another writer breaks the ticket, a dead holder's ticket
 * broken after a lease, released for the next taker. On a local disk: the protocol is the object stores'
 * (plain writes, listings, deletes). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "qberg/catalog.h"
#include "util/clock.h"
#include "util/str.h"

enum { LEASE_MS = 200 };

static qb_catalog *open_cat(const char *wh, qb_err *err)
{
  qb_catalog_options o = QB_CATALOG_OPTIONS_INIT;
  o.lock_lease_ms = LEASE_MS;
  qb_catalog *cat = NULL;
  return qb_catalog_open(&cat, wh, &o, err) == QB_OK ? cat : NULL;
}

/* the names under dir/_qberg_lock/ starting with `prefix`: how many, the last one in *last (malloc'd) */
static int tickets(const char *dir, const char *prefix, char **last)
{
  char *ld = qb_str_printf("%s/_qberg_lock", dir);
  DIR *d = opendir(ld);
  int n = 0;
  if (last) *last = NULL;
  for (struct dirent *e; d && (e = readdir(d));)
    if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix))) {
      n++;
      if (last) {
        free(*last);
        *last = qb_str_printf("%s/%s", ld, e->d_name);
      }
    }
  if (d) closedir(d);
  free(ld);
  return n;
}

static int64_t ms_since(int64_t t0) { return (qb_mono_ns() - t0) / 1000000; }

QB_TEST(lease_excludes_renews_and_is_lost_when_broken)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat = open_cat(wh, &err);
  CHECK(cat != NULL);
  char *dir = qb_str_printf("%s/ns/_job", wh);
  qb_catalog_lease *a = NULL, *b = NULL;
  CHECK_OK(qb_catalog_lease_take(&a, cat, dir, 0, &err), &err);
  CHECK_EQ_INT(tickets(dir, "t-", NULL), 1);
  /* a second taker gives up after its wait, naming the ticket ahead */
  int64_t t0 = qb_mono_ns();
  CHECK_FAIL(qb_catalog_lease_take(&b, cat, dir, 100, &err), QB_ECONFLICT, &err, "waiting behind t-");
  CHECK(b == NULL && ms_since(t0) >= 100);
  CHECK(strstr(err.msg, "lease ") != NULL);
  /* held across five leases by its thread alone */
  usleep(5 * LEASE_MS * 1000);
  CHECK_OK(qb_catalog_lease_check(a, &err), &err);
  /* another writer breaks the ticket (as a taker does that found it silent for a lease): lost */
  char *t = NULL;
  CHECK_EQ_INT(tickets(dir, "t-", &t), 1);
  CHECK(t && unlink(t) == 0);
  free(t);
  CHECK_FAIL(qb_catalog_lease_check(a, &err), QB_ECONFLICT, &err, "broken");
  CHECK_FAIL(qb_catalog_lease_check(a, &err), QB_ECONFLICT, &err, "broken"); /* and stays lost */
  qb_catalog_lease_release(a);
  CHECK_EQ_INT(tickets(dir, "", NULL), 0);
  /* released: the next taker gets it at once */
  t0 = qb_mono_ns();
  CHECK_OK(qb_catalog_lease_take(&b, cat, dir, 0, &err), &err);
  CHECK(ms_since(t0) < LEASE_MS);
  qb_catalog_lease_release(b);
  qb_catalog_lease_release(NULL);
  free(dir);
  qb_catalog_free(cat);
  free(wh);
}

QB_TEST(a_dead_holders_ticket_is_broken_after_a_lease)
{
  qb_err err = QB_ERR_INIT;
  char *wh = qb_str_printf("%s/wh", qb_test_tmpdir());
  qb_catalog *cat = open_cat(wh, &err);
  CHECK(cat != NULL);
  char *dir = qb_str_printf("%s/ns/_job", wh);
  /* a holder that died: its ticket stays, never renewed */
  char *ld = qb_str_printf("%s/_qberg_lock", dir);
  char *cmd = qb_str_printf("mkdir -p '%s' && echo '{}' > '%s/t-00000000000000000001-dead'", ld, ld);
  CHECK(system(cmd) == 0);
  qb_catalog_lease *a = NULL;
  int64_t t0 = qb_mono_ns();
  CHECK_OK(qb_catalog_lease_take(&a, cat, dir, -1, &err), &err); /* -1: a lease and 10 s more */
  int64_t waited = ms_since(t0);
  CHECK(waited >= LEASE_MS);
  CHECK_EQ_INT(tickets(dir, "t-00000000000000000001-dead", NULL), 0);
  CHECK_OK(qb_catalog_lease_check(a, &err), &err);
  qb_catalog_lease_release(a);
  free(cmd);
  free(ld);
  free(dir);
  qb_catalog_free(cat);
  free(wh);
}
