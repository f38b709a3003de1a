/* SPDX-License-Identifier: Apache-2.0 */
/* The warehouse's ingest lock (ingest_lock.h). Two runs that both find the same raw files new, or the same
 * experiments missing from the ML tables, would both append their rows: the ledger, the experiment index
 * and the ML job's membership test read the tables once at the start of a batch and assume nobody else
 * appends until its end. The lock makes that assumption true where the store can lock. */
#include "pipeline/ingest_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qberg/vqe.h"
#include "util/clock.h"
#include "util/str.h"

struct qb_ingest_lock {
  qb_file_lock *file;      /* local */
  qb_catalog_lease *lease; /* object stores */
};

/* How long a run waits on an object store for the lease a holder has (an ingest that ended releases it at
 * once; one that died leaves it for the catalog's lease): QBERG_INGEST_LEASE_WAIT_MS, else (-1) a lease and
 * 10 s more. */
static int lease_wait_ms(int64_t *out, qb_err *err)
{
  *out = -1;
  const char *v = getenv("QBERG_INGEST_LEASE_WAIT_MS");
  if (!v || !*v) return QB_OK;
  char *end;
  long long ms = strtoll(v, &end, 10);
  if (*end || ms < 0)
    return QB_FAIL(err, QB_EINVAL, "QBERG_INGEST_LEASE_WAIT_MS must be a number of ms, 0 or more, not '%s'", v);
  *out = (int64_t)ms;
  return QB_OK;
}

int qb__ingest_lock(qb_ingest_lock **out, qb_catalog *cat, const char *verb, qb_err *err)
{
  *out = NULL;
  qb_fileio *io = qb_catalog_io(cat);
  const char *wh = qb_catalog_warehouse(cat);
  if (!wh) return QB_FAIL(err, QB_EINVAL, "the pipeline's tables need a catalog with a warehouse");
  size_t n = strlen(wh);
  while (n > 1 && wh[n - 1] == '/') n--;
  char *dir = qb_str_printf("%.*s/%s", (int)n, wh, QB_VQE_NAMESPACE);
  char *path = dir ? qb_str_printf("%s/%s", dir, QB_INGEST_LOCK_NAME) : NULL;
  char *lease_dir = dir ? qb_str_printf("%s/%s", dir, QB_INGEST_LEASE_NAME) : NULL;
  qb_ingest_lock *l = calloc(1, sizeof *l);
  if (!path || !lease_dir || !l) {
    free(dir);
    free(path);
    free(lease_dir);
    free(l);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  char host[64] = "?", when[32] = "?";
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  time_t now = (time_t)(qb_now_ms() / 1000);
  struct tm tm;
  if (gmtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char note[160];
  snprintf(note, sizeof note, "qberg %s (pid %ld on %s, since %s)", verb, (long)getpid(), host, when);
  int rc = qb_fileio_lock(&l->file, io, path, note, err);
  if (rc == QB_EUNSUPPORTED) { /* an object store */
    qb_err_clear(err);
    int64_t wait;
    rc = lease_wait_ms(&wait, err);
    if (rc == QB_OK) rc = qb_catalog_lease_take(&l->lease, cat, lease_dir, wait, err);
  }
  if (rc == QB_ECONFLICT)
    qb_err_wrap(err, "another run is writing the %s tables of this warehouse; one batch at a time: run again "
                     "when it has ended", QB_VQE_NAMESPACE);
  free(path);
  free(lease_dir);
  free(dir);
  if (rc) {
    qb__ingest_unlock(l);
    return rc;
  }
  *out = l;
  return QB_OK;
}

int qb__ingest_lock_check(qb_ingest_lock *l, qb_err *err)
{
  if (!l || !l->lease) return QB_OK;
  int rc = qb_catalog_lease_check(l->lease, err);
  return rc ? qb_err_wrap(err, "the warehouse's ingest lease") : QB_OK;
}

void qb__ingest_unlock(qb_ingest_lock *l)
{
  if (!l) return;
  qb_fileio_unlock(l->file);
  qb_catalog_lease_release(l->lease);
  free(l);
}
