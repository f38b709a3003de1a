/* SPDX-License-Identifier: Apache-2.0 */
/* Leases (include/qberg/catalog.h): the commit lock (lock.c) held for a whole job, renewed by a thread.
 * The lock's fencing assumes its holder renews within lease/4 of its last write and gives up at lease/2;
 * a job between two commits can spend longer than that encoding or uploading, so the renewals cannot be
 * left to the job's own calls. The thread and the job's checks share the lock under a mutex. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_int.h"
#include "util/clock.h"
#include "util/thread.h"

struct qb_catalog_lease {
  qb_lock *lock;
  int64_t period_ms; /* the renewal thread's sleep: lease/8 */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t th;
  bool thread_started;
  bool stop;     /* mu */
  bool lost;     /* mu: a check failed; the lease may be someone else's now */
  qb_err lost_err; /* mu: why */
};

static void *renew_main(void *arg)
{
  qb_catalog_lease *l = arg;
  pthread_mutex_lock(&l->mu);
  while (!l->stop && !l->lost) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + (l->period_ms % 1000) * 1000000LL;
    until.tv_sec += (time_t)(l->period_ms / 1000 + ns / 1000000000LL);
    until.tv_nsec = (long)(ns % 1000000000LL);
    while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT) {
    }
    if (l->stop) break;
    qb_err e = QB_ERR_INIT;
    if (qb_lock__check(l->lock, &e) != QB_OK) { /* renews when due; fails once the lease may be lost */
      l->lost = true;
      l->lost_err = e;
    }
  }
  pthread_mutex_unlock(&l->mu);
  return NULL;
}

int qb_catalog_lease_take(qb_catalog_lease **out, qb_catalog *cat, const char *dir, int64_t wait_ms, qb_err *err)
{
  *out = NULL;
  qb_catalog_lease *l = calloc(1, sizeof *l);
  if (!l) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (wait_ms < 0) wait_ms = cat->lease_ms + 10000; /* long enough to break a dead holder's ticket */
  qb_lock_opts o = {cat->lease_ms, qb_mono_ns() + wait_ms * 1000000LL};
  int rc = qb_lock__acquire(&l->lock, cat->io, dir, &o, err);
  if (rc) {
    free(l);
    return qb_err_wrap(err, "lease %s", dir);
  }
  l->period_ms = cat->lease_ms / 8 > 0 ? cat->lease_ms / 8 : 1;
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, NULL);
  if (qb_thread_start_quiet(&l->th, renew_main, l) != 0) {
    qb_catalog_lease_release(l);
    return QB_FAIL(err, QB_ELIMIT, "lease %s: cannot start the thread that renews it", dir);
  }
  l->thread_started = true;
  *out = l;
  return QB_OK;
}

int qb_catalog_lease_check(qb_catalog_lease *l, qb_err *err)
{
  pthread_mutex_lock(&l->mu);
  int rc = QB_OK;
  if (!l->lost) {
    qb_err e = QB_ERR_INIT;
    if (qb_lock__check(l->lock, &e) != QB_OK) {
      l->lost = true;
      l->lost_err = e;
    }
  }
  if (l->lost) /* the code of a lost lease, whatever failed (a renewal's I/O error included) */
    rc = QB_FAIL(err, QB_ECONFLICT, "%s", l->lost_err.msg);
  pthread_mutex_unlock(&l->mu);
  return rc;
}

void qb_catalog_lease_release(qb_catalog_lease *l)
{
  if (!l) return;
  if (l->thread_started) {
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->th, NULL);
  }
  pthread_mutex_destroy(&l->mu);
  pthread_cond_destroy(&l->cv);
  qb_lock__release(l->lock);
  free(l);
}
