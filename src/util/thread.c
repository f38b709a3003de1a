/* SPDX-License-Identifier: Apache-2.0 */
#include "util/thread.h"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

int qb_thread_start_quiet(pthread_t *th, void *(*fn)(void *), void *arg)
{
  /* a new thread inherits its creator's mask: block everything around the create, then restore */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(th, NULL, fn, arg);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return rc;
}

unsigned qb_thread_count(unsigned asked)
{
  unsigned n = asked;
  if (n == 0) {
    cpu_set_t set;
    long cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    n = cpus >= 2 ? 2 : 1;
  }
  return n >= 2 ? 2 : 1;
}
