/* SPDX-License-Identifier: Apache-2.0 */
/* Page-cache state of a raw-file folder for bench/ingest.sh, so a run says which case it measured: raw files
 * just written by `qberg generate` sit in the page cache (the warm case), while files that arrived a while ago
 * on this VM do not (it drops the cache after some minutes: the cold case, where qberg reads with O_DIRECT).
 *   page_cache [--evict|--load] DIR
 * walks DIR recursively (regular files only); --evict writes back and drops each file's cached pages
 * (fdatasync, then POSIX_FADV_DONTNEED: dirty pages cannot be dropped), --load reads every file once; then it
 * counts the resident pages with mincore and prints one JSON line: files, pages, cached. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct totals {
  size_t files, pages, cached;
} totals;

enum { KEEP, EVICT, LOAD };

static int one_file(totals *t, const char *path, int mode)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return perror(path), 1;
  struct stat st;
  if (fstat(fd, &st) != 0) return perror(path), close(fd), 1;
  size_t n = (size_t)st.st_size;
  int rc = 0;
  if (mode == EVICT) {
    if (fdatasync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) rc = 1;
  } else if (mode == LOAD) {
    static char buf[1 << 16];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
    }
    if (r < 0) rc = 1;
  }
  if (rc) perror(path);
  long ps = sysconf(_SC_PAGESIZE);
  size_t pages = (n + (size_t)ps - 1) / (size_t)ps;
  t->files++;
  t->pages += pages;
  if (!rc && n > 0) {
    void *m = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char *vec = malloc(pages);
    if (m == MAP_FAILED || !vec || mincore(m, n, vec) != 0) {
      perror(path);
      rc = 1;
    } else {
      for (size_t i = 0; i < pages; i++) t->cached += vec[i] & 1;
    }
    free(vec);
    if (m != MAP_FAILED) munmap(m, n);
  }
  close(fd);
  return rc;
}

static int walk(totals *t, const char *dir, int mode)
{
  DIR *d = opendir(dir);
  if (!d) return perror(dir), 1;
  int rc = 0;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(len);
    if (!p) {
      rc = 1;
      break;
    }
    snprintf(p, len, "%s/%s", dir, e->d_name);
    struct stat st;
    if (lstat(p, &st) != 0) rc = (perror(p), 1);
    else if (S_ISDIR(st.st_mode)) rc = walk(t, p, mode);
    else if (S_ISREG(st.st_mode)) rc = one_file(t, p, mode);
    free(p);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv)
{
  int mode = KEEP;
  if (argc == 3 && !strcmp(argv[1], "--evict")) mode = EVICT;
  else if (argc == 3 && !strcmp(argv[1], "--load")) mode = LOAD;
  else if (argc != 2) {
    fprintf(stderr, "usage: page_cache [--evict|--load] DIR\n");
    return 2;
  }
  totals t = {0, 0, 0};
  if (walk(&t, argv[argc - 1], mode)) return 1;
  printf("{\"files\":%zu,\"pages\":%zu,\"cached\":%zu}\n", t.files, t.pages, t.cached);
  return 0;
}
