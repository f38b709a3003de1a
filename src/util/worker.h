/* SPDX-License-Identifier: Apache-2.0 */
/* One background thread running jobs in the order they were queued (the ML feature job's writes). */
#ifndef QB_UTIL_WORKER_H
#define QB_UTIL_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"

typedef struct qb_worker qb_worker;

/** A job: returns QB_OK or fills err. Runs on the worker's thread; after a job failed, later jobs are not
 * run (their `fn` is never called) and every later call reports that first error. */
typedef int (*qb_worker_fn)(void *arg, qb_err *err);

/** Start the thread (every signal blocked in it, as qb_thread_start_quiet). `depth`: jobs queued or
 * running at most (>= 1); qb_worker_submit waits while that many are. */
int qb_worker_new(qb_worker **out, size_t depth, qb_err *err);

/**
 * Queue fn(arg). `*seq` (may be NULL) gets the job's number, 1 for the first job, for qb_worker_wait.
 * Blocks while the queue is full. Returns the first error of an earlier job, if any (fn is then not queued).
 */
int qb_worker_submit(qb_worker *w, qb_worker_fn fn, void *arg, uint64_t *seq, qb_err *err);

/** Wait until job `seq` and every job before it are done (seq 0: returns at once). Returns the first
 * error of any job run so far. */
int qb_worker_wait(qb_worker *w, uint64_t seq, qb_err *err);

/** Wait until every queued job is done; qb_worker_wait for the last job submitted. */
int qb_worker_drain(qb_worker *w, qb_err *err);

/** Stop the thread after the job it is running, if any (queued jobs are dropped: their fn is not called),
 * and join it. NULL-safe. */
void qb_worker_free(qb_worker *w);

#endif
