/* SPDX-License-Identifier: Apache-2.0 */
/* Threads the library starts for its own work (the ingest's writer, the local FileIO's read-ahead). */
#ifndef QB_UTIL_THREAD_H
#define QB_UTIL_THREAD_H

#include <pthread.h>

/** pthread_create with every signal blocked in the new thread (its mask is set before it runs, so no
 * signal can land there first): SIGINT/SIGTERM keep reaching the caller's threads, where `qberg ingest
 * --watch` stops between batches. The caller's mask is unchanged on return. Returns pthread_create's. */
int qb_thread_start_quiet(pthread_t *th, void *(*fn)(void *), void *arg);

/** Threads a job that can use two (the ingest batch, the ML feature job) runs on: `asked` when given (more
 * than 2 is 2), else (0) 2 when the process may run on two or more CPUs, 1 otherwise. */
unsigned qb_thread_count(unsigned asked);

#endif
