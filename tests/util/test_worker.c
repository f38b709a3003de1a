/* SPDX-License-Identifier: Apache-2.0 */
/* qb_worker: jobs run in submission order on one thread, a small queue makes submit wait, wait(seq) returns
 * once job seq is done, the first error stops the rest and is reported by every later call, and free drops
 * what is still queued. */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "util/worker.h"

static void sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

typedef struct log {
  int order[2000];
  atomic_int n;
  int fail_at; /* the job whose index this is fails (-1: none) */
  atomic_int started;
} log_t;

typedef struct arg {
  log_t *log;
  int index;
  int sleep_ms;
} arg_t;

static int record(void *p, qb_err *err)
{
  arg_t *a = p;
  atomic_store(&a->log->started, 1);
  if (a->sleep_ms) sleep_ms(a->sleep_ms);
  if (a->index == a->log->fail_at) return QB_FAIL(err, QB_EIO, "job %d failed on purpose", a->index);
  a->log->order[atomic_fetch_add(&a->log->n, 1)] = a->index;
  return QB_OK;
}

QB_TEST(runs_in_order_through_a_small_queue)
{
  static log_t lg;
  static arg_t args[2000];
  memset(&lg, 0, sizeof lg);
  lg.fail_at = -1;
  qb_err err = QB_ERR_INIT;
  qb_worker *w = NULL;
  CHECK_OK(qb_worker_new(&w, 3, &err), &err);
  for (int i = 0; i < 2000; i++) {
    args[i] = (arg_t){&lg, i, i % 97 == 0 ? 2 : 0}; /* a few slow jobs fill the queue of 3 */
    uint64_t seq = 0;
    CHECK_OK(qb_worker_submit(w, record, &args[i], &seq, &err), &err);
    CHECK_EQ_INT(seq, i + 1);
  }
  CHECK_OK(qb_worker_drain(w, &err), &err);
  CHECK_EQ_INT(atomic_load(&lg.n), 2000);
  for (int i = 0; i < 2000; i++) CHECK_EQ_INT(lg.order[i], i);
  CHECK_OK(qb_worker_drain(w, &err), &err); /* nothing queued: at once */
  qb_worker_free(w);
}

QB_TEST(wait_returns_when_that_job_is_done)
{
  static log_t lg;
  static arg_t args[6];
  memset(&lg, 0, sizeof lg);
  lg.fail_at = -1;
  qb_err err = QB_ERR_INIT;
  qb_worker *w = NULL;
  CHECK_OK(qb_worker_new(&w, 8, &err), &err);
  uint64_t seq[6];
  for (int i = 0; i < 6; i++) {
    args[i] = (arg_t){&lg, i, 20};
    CHECK_OK(qb_worker_submit(w, record, &args[i], &seq[i], &err), &err);
  }
  CHECK_OK(qb_worker_wait(w, 0, &err), &err); /* seq 0: no job */
  CHECK_OK(qb_worker_wait(w, seq[2], &err), &err);
  int done = atomic_load(&lg.n);
  CHECK(done >= 3 && done < 6); /* jobs 0-2 done; 3-5 take 60 ms more */
  CHECK_OK(qb_worker_wait(w, seq[5] + 10, &err), &err); /* past the last job: waits for the last */
  CHECK_EQ_INT(atomic_load(&lg.n), 6);
  qb_worker_free(w);
}

QB_TEST(first_error_stops_the_rest_and_is_reported_again)
{
  static log_t lg;
  static arg_t args[10];
  memset(&lg, 0, sizeof lg);
  lg.fail_at = 3;
  qb_err err = QB_ERR_INIT;
  qb_worker *w = NULL;
  CHECK_OK(qb_worker_new(&w, 16, &err), &err);
  uint64_t seq[10];
  for (int i = 0; i < 10; i++) {
    args[i] = (arg_t){&lg, i, 1};
    int rc = qb_worker_submit(w, record, &args[i], &seq[i], &err);
    if (rc) { /* the failure may be seen already while submitting */
      CHECK_EQ_INT(rc, QB_EIO);
      CHECK(strstr(err.msg, "job 3 failed on purpose"));
      break;
    }
  }
  qb_err_clear(&err);
  CHECK_FAIL(qb_worker_drain(w, &err), QB_EIO, &err, "job 3 failed on purpose");
  CHECK_EQ_INT(atomic_load(&lg.n), 3); /* 0, 1, 2 ran; 4.. were not called */
  for (int i = 0; i < 3; i++) CHECK_EQ_INT(lg.order[i], i);
  qb_err_clear(&err);
  CHECK_FAIL(qb_worker_submit(w, record, &args[9], NULL, &err), QB_EIO, &err, "job 3 failed on purpose");
  qb_err_clear(&err);
  CHECK_FAIL(qb_worker_wait(w, 1, &err), QB_EIO, &err, "job 3");
  qb_worker_free(w);
}

QB_TEST(free_drops_queued_jobs)
{
  static log_t lg;
  static arg_t args[5];
  memset(&lg, 0, sizeof lg);
  lg.fail_at = -1;
  qb_err err = QB_ERR_INIT;
  qb_worker *w = NULL;
  CHECK_OK(qb_worker_new(&w, 8, &err), &err);
  for (int i = 0; i < 5; i++) {
    args[i] = (arg_t){&lg, i, i == 0 ? 200 : 0};
    CHECK_OK(qb_worker_submit(w, record, &args[i], NULL, &err), &err);
  }
  while (!atomic_load(&lg.started)) sleep_ms(1);
  qb_worker_free(w); /* while job 0 sleeps: it finishes, 1-4 are dropped */
  CHECK_EQ_INT(atomic_load(&lg.n), 1);
  qb_worker_free(NULL);
}

QB_TEST(depth_zero_is_refused)
{
  qb_err err = QB_ERR_INIT;
  qb_worker *w = (qb_worker *)&err;
  CHECK_FAIL(qb_worker_new(&w, 0, &err), QB_EINVAL, &err, "depth 0");
  CHECK(w == NULL);
}
