/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: how many threads this process has, to assert that a library call left none running. */
#ifndef QB_TEST_TASK_COUNT_H
#define QB_TEST_TASK_COUNT_H

/* Threads of this process (entries of /proc/self/task); -1 if unreadable. */
int test_threads_now(void);

/* The count once joined threads are gone: pthread_join returns when the kernel clears the thread's tid at
 * exit, a moment before the task leaves /proc/self/task, so the count is polled (up to 2 s) until it is back
 * to `want`; a thread that was never joined keeps it higher. */
int test_threads_settled(int want);

#endif
