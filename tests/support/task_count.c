/* SPDX-License-Identifier: Apache-2.0 */
#include "support/task_count.h"

#include <dirent.h>
#include <time.h>

int test_threads_now(void)
{
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

int test_threads_settled(int want)
{
  int n = test_threads_now();
  for (int i = 0; i < 2000 && n > want; i++) {
    nanosleep(&(struct timespec){0, 1000000}, NULL);
    n = test_threads_now();
  }
  return n;
}
