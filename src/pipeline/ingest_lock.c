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

int qb__ingest_lock(qb_file_lock **out, qb_catalog *cat, const char *verb, qb_err *err)
{
  *out = NULL;
  qb_fileio *io = qb_catalog_io(cat);
  const char *wh = qb_catalog_warehouse(cat);
  size_t n = strlen(wh);
  while (n > 1 && wh[n - 1] == '/') n--;
  char *dir = qb_str_printf("%.*s/%s", (int)n, wh, QB_VQE_NAMESPACE);
  char *path = dir ? qb_str_printf("%s/%s", dir, QB_INGEST_LOCK_NAME) : NULL;
  if (!path) {
    free(dir);
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
  int rc = qb_fileio_mkdir(io, dir, err);
  if (rc == QB_OK) {
    rc = qb_fileio_lock(out, io, path, note, err);
    if (rc == QB_EUNSUPPORTED) {
      qb_err_clear(err);
      rc = QB_OK;
    } else if (rc == QB_ECONFLICT) {
      qb_err_wrap(err, "another run is writing the %s tables of this warehouse; one batch at a time: run again "
                       "when it has ended", QB_VQE_NAMESPACE);
    }
  }
  free(path);
  free(dir);
  return rc;
}
