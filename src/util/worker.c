/* SPDX-License-Identifier: Apache-2.0 */
/* qb_worker (see worker.h): a ring of jobs under one mutex; jobs are numbered in submission order and the
 * thread counts the ones it finished, so "job k done" is done >= k. */
#include "util/worker.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/thread.h"

typedef struct job {
  qb_worker_fn fn;
  void *arg;
} job;

struct qb_worker {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t work; /* a job was queued, or stop */
  pthread_cond_t done; /* a job finished */
  job *ring;
  size_t cap, head, n; /* ring[head] is the job running (it stays queued until it is done) */
  uint64_t submitted, finished;
  bool stop;
  int rc; /* the first error, kept in `first` */
  qb_err first;
};

static void *thread_main(void *arg)
{
  qb_worker *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->n && !w->stop) pthread_cond_wait(&w->work, &w->mu);
    if (w->stop) break;
    job jb = w->ring[w->head];
    bool skip = w->rc != QB_OK;
    pthread_mutex_unlock(&w->mu);
    qb_err e = QB_ERR_INIT;
    int rc = skip ? QB_OK : jb.fn(jb.arg, &e);
    pthread_mutex_lock(&w->mu);
    if (rc && !w->rc) {
      w->rc = rc;
      w->first = e;
    }
    w->head = (w->head + 1) % w->cap;
    w->n--;
    w->finished++;
    pthread_cond_broadcast(&w->done);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int qb_worker_new(qb_worker **out, size_t depth, qb_err *err)
{
  *out = NULL;
  if (!depth) return QB_FAIL(err, QB_EINVAL, "a worker queue of depth 0");
  qb_worker *w = calloc(1, sizeof *w);
  job *ring = w ? calloc(depth, sizeof *ring) : NULL;
  if (!ring) {
    free(w);
    return QB_FAIL(err, QB_ENOMEM, "out of memory starting a worker thread");
  }
  w->ring = ring;
  w->cap = depth;
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->work, NULL);
  pthread_cond_init(&w->done, NULL);
  int prc = qb_thread_start_quiet(&w->thread, thread_main, w);
  if (prc) {
    pthread_cond_destroy(&w->done);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free(w->ring);
    free(w);
    return QB_FAIL_ERRNO(err, QB_EINTERNAL, prc, "starting a worker thread");
  }
  *out = w;
  return QB_OK;
}

/* The first error into err (caller holds the lock). */
static int failed_locked(qb_worker *w, qb_err *err)
{
  if (err) *err = w->first;
  return w->rc;
}

int qb_worker_submit(qb_worker *w, qb_worker_fn fn, void *arg, uint64_t *seq, qb_err *err)
{
  pthread_mutex_lock(&w->mu);
  while (w->n == w->cap && !w->rc) pthread_cond_wait(&w->done, &w->mu);
  int rc = w->rc ? failed_locked(w, err) : QB_OK;
  if (rc == QB_OK) {
    w->ring[(w->head + w->n) % w->cap] = (job){fn, arg};
    w->n++;
    w->submitted++;
    if (seq) *seq = w->submitted;
    pthread_cond_signal(&w->work);
  }
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int qb_worker_wait(qb_worker *w, uint64_t seq, qb_err *err)
{
  pthread_mutex_lock(&w->mu);
  if (seq > w->submitted) seq = w->submitted;
  while (w->finished < seq) pthread_cond_wait(&w->done, &w->mu);
  int rc = w->rc ? failed_locked(w, err) : QB_OK;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int qb_worker_drain(qb_worker *w, qb_err *err)
{
  pthread_mutex_lock(&w->mu);
  uint64_t last = w->submitted;
  pthread_mutex_unlock(&w->mu);
  return qb_worker_wait(w, last, err);
}

void qb_worker_free(qb_worker *w)
{
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  w->stop = true;
  pthread_cond_signal(&w->work);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  pthread_cond_destroy(&w->done);
  pthread_cond_destroy(&w->work);
  pthread_mutex_destroy(&w->mu);
  free(w->ring);
  free(w);
}
