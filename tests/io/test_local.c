/* SPDX-License-Identifier: Apache-2.0 */
/* Local FileIO: atomic publish, create-exclusive, range reads, listing, URIs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "io/faulty.h"
#include "qberg/fileio.h"
#include "util/buf.h"
#include "util/str.h"

/* fsync as the library calls it, recorded: this executable's definition is the one the static library
 * links to, and it asks the kernel itself. The tests below read which directories were made durable, and
 * whether `watched` (a file whose publish is the commit point) had appeared when each fsync ran. */
static char synced[64][PATH_MAX];
static bool synced_after[64]; /* `watched` existed when this fsync ran */
static int n_synced;
static int recording;
static const char *watched;

int fsync(int fd)
{
  if (recording && n_synced < 64) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, synced[n_synced], PATH_MAX - 1);
    if (n > 0) {
      synced_after[n_synced] = watched && access(watched, F_OK) == 0;
      synced[n_synced++][n] = '\0';
    }
  }
  return (int)syscall(SYS_fsync, fd);
}

/* pread as the library calls it, watched: while `pread_watch` is set, each call records whether its
 * descriptor reads with O_DIRECT, and O_DIRECT reads can be made to misbehave as some file systems do. */
static int pread_watch;
static int n_direct_reads, n_plain_reads;
static enum { DIO_OK, DIO_EINVAL, DIO_SHORT, DIO_EOF } dio_mode;

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
  if (pread_watch) {
    bool direct = ((int)syscall(SYS_fcntl, fd, F_GETFL) & O_DIRECT) != 0;
    if (!direct) __atomic_add_fetch(&n_plain_reads, 1, __ATOMIC_RELAXED); /* helper threads read too */
    if (direct) {
      __atomic_add_fetch(&n_direct_reads, 1, __ATOMIC_RELAXED);
      if (dio_mode == DIO_EINVAL) { /* a file system that refuses O_DIRECT, or these alignments */
        errno = EINVAL;
        return -1;
      }
      if (dio_mode == DIO_EOF) return 0;               /* the file shrank since its size was taken */
      if (dio_mode == DIO_SHORT && n > 100) n = 100; /* a short read leaving an unaligned offset */
    }
  }
  return (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}

/* openat as the library calls it, counted (atomically: the read-ahead's helper threads open files too):
 * opens with O_DIRECT and without. */
static int n_direct_opens, n_plain_opens;

int openat(int dirfd, const char *path, int flags, ...)
{
  va_list ap;
  va_start(ap, flags);
  int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
  va_end(ap);
  __atomic_add_fetch((flags & O_DIRECT) ? &n_direct_opens : &n_plain_opens, 1, __ATOMIC_RELAXED);
  return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

/* fstat as the library calls it, counted: the directory reader must not ask for a size the listing gave. */
static int n_fstat;

int fstat(int fd, struct stat *st)
{
  n_fstat++;
  return (int)syscall(SYS_fstat, fd, st);
}

/* write as the library calls it, watched: while `write_watch` is set, each call records whether its
 * descriptor writes with O_DIRECT and whether such a write is aligned (buffer, length and file offset), and
 * O_DIRECT writes can be refused as a file system without it does. */
static int write_watch;
static int n_direct_writes, n_plain_writes, n_misaligned_writes;
static bool refuse_direct_writes;

ssize_t write(int fd, const void *buf, size_t n)
{
  if (write_watch) {
    bool direct = ((int)syscall(SYS_fcntl, fd, F_GETFL) & O_DIRECT) != 0;
    if (!direct) n_plain_writes++;
    if (direct) {
      n_direct_writes++;
      off_t at = lseek(fd, 0, SEEK_CUR);
      if ((uintptr_t)buf % 4096 || n % 4096 || at < 0 || at % 4096) n_misaligned_writes++;
      if (refuse_direct_writes) {
        errno = EINVAL;
        return -1;
      }
    }
  }
  return (ssize_t)syscall(SYS_write, fd, buf, n);
}

/* Pages of `path` in the page cache (cachestat(2), Linux 6.5), or -1 when the kernel cannot tell. */
static long cached_pages(const char *path)
{
  struct {
    uint64_t off, len;
  } range = {0, 0};
  uint64_t cs[5];
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  long r = syscall(451 /* cachestat */, fd, &range, cs, 0);
  close(fd);
  return r == 0 ? (long)cs[0] : -1;
}

/* Drops `path` from the page cache (its pages are clean: the FileIO fsync'd them). */
static void drop_cached(const char *path)
{
  int fd = open(path, O_RDONLY);
  if (fd >= 0) {
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

/* How many recorded fsyncs were of `path`; `before`/`after` count those that ran before / after `watched`
 * appeared (either may be NULL). */
static int times_synced(const char *path, int *before, int *after)
{
  char real[PATH_MAX];
  int n = 0, b = 0, a = 0;
  if (realpath(path, real))
    for (int i = 0; i < n_synced; i++)
      if (!strcmp(synced[i], real)) {
        n++;
        if (synced_after[i])
          a++;
        else
          b++;
      }
  if (before) *before = b;
  if (after) *after = a;
  return n;
}

static bool was_synced(const char *path) { return times_synced(path, NULL, NULL) > 0; }

static int count_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  (*(int *)ctx)++;
  return QB_OK;
}

QB_TEST(write_read_exclusive_list)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  CHECK(qb_fileio_can(io, QB_IO_CREATE_EXCL));
  char *p = qb_str_printf("%s/a/b/c.txt", qb_test_tmpdir());
  qb_writer *w;
  CHECK_OK(qb_fileio_create(&w, io, p, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_OK(qb_writer_write(w, "hello ", 6, &err), &err);
  qb_stat st;
  CHECK_EQ_INT(qb_fileio_stat(io, p, &st, &err), QB_ENOTFOUND); /* not visible before close */
  CHECK_OK(qb_writer_write(w, "world", 5, &err), &err);
  CHECK_EQ_INT(qb_writer_offset(w), 11);
  CHECK_OK(qb_writer_close(w, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "already exists");

  char *uri = qb_str_printf("file://%s", p);
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, uri, &err), &err);
  CHECK_EQ_INT(qb_file_size(f), 11);
  char buf[8] = {0};
  CHECK_OK(qb_file_pread(f, buf, 5, 6, &err), &err);
  CHECK_EQ_STR(buf, "world");
  CHECK_FAIL(qb_file_pread(f, buf, 5, 7, &err), QB_ECORRUPT, &err, "truncated");
  qb_file_close(f);

  CHECK_OK(qb_fileio_write_all(io, p, "new", 3, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *all;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&all, &n, io, p, 100, &err), &err);
  CHECK(n == 3 && !memcmp(all, "new", 3));
  free(all);

  char root[512], sub[600];
  snprintf(root, sizeof root, "%s", p);
  *strrchr(root, '/') = '\0';
  int count = 0;
  snprintf(sub, sizeof sub, "%s/d/e.bin", root);
  CHECK_OK(qb_fileio_write_all(io, sub, "1", 1, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_list(io, root, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 2);
  count = 0;
  snprintf(sub, sizeof sub, "%s/c", root);
  CHECK_OK(qb_fileio_list(io, sub, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 1);
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  CHECK_OK(qb_fileio_delete(io, p, &err), &err); /* absent is fine */
  CHECK_FAIL(qb_fileio_open_read(&f, io, p, &err), QB_ENOTFOUND, &err, "No such file");
  qb_fileio_free(io);
  free(p);
  free(uri);
}

/* qb_fileio_list_filtered: `want` is asked about every file before its stat; the files it declines never
 * reach fn, the others arrive with their sizes; a backend without the filtered listing (here the fault
 * wrapper over the local one) gives every file to fn and asks nothing. */
typedef struct filt {
  int asked, listed;
  uint64_t sizes;
  char seen[8][64];
} filt;

static bool want_not_skip(void *ctx, const char *path)
{
  filt *f = ctx;
  f->asked++;
  return !strstr(path, "skip");
}

static int filt_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  filt *f = ctx;
  if (f->listed < 8) snprintf(f->seen[f->listed], sizeof f->seen[0], "%s", strrchr(path, '/') + 1);
  f->listed++;
  f->sizes += st->size_bytes;
  return QB_OK;
}

QB_TEST(list_filtered_asks_before_the_stat)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  const char *dir = qb_test_tmpdir();
  const char *names[] = {"a-skip.json", "b.json", "sub/c-skip.json", "sub/d.json"};
  for (int i = 0; i < 4; i++) {
    char *p = qb_str_printf("%s/raw/%s", dir, names[i]);
    CHECK_OK(qb_fileio_write_all(io, p, "0123456789", (size_t)(3 + i), QB_CREATE_OVERWRITE, &err), &err);
    free(p);
  }
  char *root = qb_str_printf("%s/raw", dir);
  filt f = {0};
  CHECK_OK(qb_fileio_list_filtered(io, root, want_not_skip, filt_cb, &f, &err), &err);
  CHECK_EQ_INT(f.asked, 4);
  CHECK_EQ_INT(f.listed, 2);
  CHECK_EQ_INT(f.sizes, 4 + 6); /* b.json 4 bytes, sub/d.json 6 */
  CHECK(!strstr(f.seen[0], "skip") && !strstr(f.seen[1], "skip"));

  qb_fileio *fo;
  qb_fault_plan plan = {0};
  CHECK_OK(qb_fileio_faulty_new(&fo, io, false, &plan, &err), &err);
  filt g = {0};
  CHECK_OK(qb_fileio_list_filtered(fo, root, want_not_skip, filt_cb, &g, &err), &err);
  CHECK_EQ_INT(g.asked, 0);
  CHECK_EQ_INT(g.listed, 4);
  CHECK_EQ_INT(g.sizes, 3 + 4 + 5 + 6);
  qb_fileio_free(fo);
  qb_fileio_free(io);
  free(root);
}

/* Many deletions at once run on a few threads: every file goes, absent files are fine, and a path that cannot
 * be unlinked (a directory) fails with its name while the others are still deleted. */
QB_TEST(delete_many_threads)
{
  enum { N = 300 };
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *paths[N + 1];
  char *base = qb_str_printf("%s", qb_test_tmpdir()); /* each call makes a new directory */
  for (int i = 0; i < N; i++) {
    paths[i] = qb_str_printf("%s/many/f%03d", base, i);
    if (i % 7) CHECK_OK(qb_fileio_write_all(io, paths[i], "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  }
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)paths, N, &err), &err);
  char *dir = qb_str_printf("%s/many", base);
  int count = 0;
  CHECK_OK(qb_fileio_list(io, dir, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 0);

  for (int i = 0; i < N; i++) CHECK_OK(qb_fileio_write_all(io, paths[i], "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  paths[N] = qb_str_printf("%s/many/sub", base);
  CHECK_OK(qb_fileio_write_all(io, paths[N] /* a directory once its file is written below it */, "x", 1,
                               QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_delete(io, paths[N], &err), &err);
  char *inner = qb_str_printf("%s/many/sub/inner", base);
  CHECK_OK(qb_fileio_write_all(io, inner, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_FAIL(qb_fileio_delete_many(io, (const char *const *)paths, N + 1, &err), QB_EIO, &err, "many/sub: delete");
  count = 0;
  CHECK_OK(qb_fileio_list(io, dir, count_cb, &count, &err), &err);
  CHECK(count <= 2); /* the directory's file, and at most the stripe's files after the failure */
  CHECK_OK(qb_fileio_delete(io, inner, &err), &err);
  for (int i = 0; i <= N; i++) free(paths[i]);
  free(inner);
  free(dir);
  free(base);
  qb_fileio_free(io);
}

/* Pieces larger than the writer's buffer go to write(2) directly; small ones are buffered around them: the
 * file must hold them all in order. */
QB_TEST(large_and_small_pieces_in_order)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *p = qb_str_printf("%s/pieces.bin", qb_test_tmpdir());
  size_t sizes[] = {10, 300000, 5, 262144, 262143, 1, 700001, 3};
  size_t total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) total += sizes[i];
  uint8_t *want = malloc(total);
  for (size_t i = 0; i < total; i++) want[i] = (uint8_t)(i * 2654435761u >> 13);
  qb_writer *w;
  CHECK_OK(qb_fileio_create(&w, io, p, QB_CREATE_EXCLUSIVE, &err), &err);
  size_t off = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    CHECK_OK(qb_writer_write(w, want + off, sizes[i], &err), &err);
    off += sizes[i];
    CHECK_EQ_INT(qb_writer_offset(w), (int64_t)off);
  }
  CHECK_OK(qb_writer_close(w, &err), &err);
  uint8_t *got = NULL;
  size_t got_n = 0;
  CHECK_OK(qb_fileio_read_all(&got, &got_n, io, p, total, &err), &err);
  CHECK(got && got_n == total && !memcmp(got, want, total));
  free(got);
  free(want);
  free(p);
  qb_fileio_free(io);
}

static int names_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  qb_buf *b = ctx;
  const char *slash = strrchr(path, '/');
  return qb_buf_append(b, slash + 1, strlen(slash + 1) + 1, err); /* NUL-separated names */
}

static bool dir_has_tmp(const char *dir)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  bool found = false;
  while (d && (e = readdir(d)))
    if (qb_str_has_suffix(e->d_name, ".tmp")) found = true;
  if (d) closedir(d);
  return found;
}

/* Directories are created only when a file's directory is missing (the leaf first, then up on ENOENT):
 * deep and shallow, next to existing ones, through qb_fileio_mkdir; a losing create-exclusive leaves no
 * temporary file behind; listing recurses into directories and reports sizes, skipping symbolic links. */
QB_TEST(missing_directories_publish_and_listing)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char root[512], p[700];
  snprintf(root, sizeof root, "%s/wh", qb_test_tmpdir());
  snprintf(p, sizeof p, "%s/t/data/k=1/j=2/f1.parquet", root); /* five missing levels */
  CHECK_OK(qb_fileio_write_all(io, p, "abc", 3, QB_CREATE_EXCLUSIVE, &err), &err);
  snprintf(p, sizeof p, "%s/t/data/k=1/j=3/f2.parquet", root); /* one missing level */
  CHECK_OK(qb_fileio_write_all(io, p, "abcd", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  snprintf(p, sizeof p, "%s/t/data/k=1/j=3/f3.parquet", root); /* none missing */
  CHECK_OK(qb_fileio_write_all(io, p, "ab", 2, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "already exists");
  qb_writer *w;
  snprintf(p, sizeof p, "%s/t/data/k=1/j=3/f4.parquet", root);
  CHECK_OK(qb_fileio_create(&w, io, p, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_OK(qb_writer_write(w, "late", 4, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, p, "first", 5, QB_CREATE_EXCLUSIVE, &err), &err); /* wins the race */
  CHECK_FAIL(qb_writer_close(w, &err), QB_EEXISTS, &err, "already exists");
  uint8_t *all;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&all, &n, io, p, 100, &err), &err);
  CHECK(n == 5 && !memcmp(all, "first", 5)); /* the loser replaced nothing */
  free(all);
  *strrchr(p, '/') = '\0';
  CHECK(!dir_has_tmp(p));

  snprintf(p, sizeof p, "%s/t/metadata/a/b", root);
  CHECK_OK(qb_fileio_mkdir(io, p, &err), &err);
  CHECK_OK(qb_fileio_mkdir(io, p, &err), &err); /* existing: fine */
  struct stat st;
  CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
  snprintf(p, sizeof p, "%s/t/data/k=1/j=3/f2.parquet", root);
  char link_path[700];
  snprintf(link_path, sizeof link_path, "%s/t/data/k=1/link.parquet", root);
  CHECK(symlink(p, link_path) == 0);

  qb_buf names;
  qb_buf_init(&names, QB_BUF_NOLIMIT);
  snprintf(p, sizeof p, "%s/t", root);
  CHECK_OK(qb_fileio_list(io, p, names_cb, &names, &err), &err);
  int count = 0;
  bool f2 = false;
  for (size_t i = 0; i < names.n; i += strlen((char *)names.p + i) + 1, count++)
    if (!strcmp((char *)names.p + i, "f2.parquet")) f2 = true;
  CHECK_EQ_INT(count, 4); /* f1..f4, not the link */
  CHECK(f2);
  qb_buf_free(&names);
  qb_fileio_free(io);
}

/* A batched create-exclusive publishes like create-exclusive (atomically, never replacing a file); only the
 * directory fsync is left to the next durable publish in the directory. */
QB_TEST(batched_exclusive_publish)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char p[600], q[600];
  snprintf(p, sizeof p, "%s/meta/m0.avro", qb_test_tmpdir());
  snprintf(q, sizeof q, "%s/meta/list.avro", qb_test_tmpdir());
  CHECK_OK(qb_fileio_write_all(io, p, "m0", 2, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, p, "m1", 2, QB_CREATE_EXCLUSIVE_BATCHED, &err), QB_EEXISTS, &err, "already exists");
  qb_writer *w;
  CHECK_OK(qb_fileio_create(&w, io, q, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_OK(qb_writer_write(w, "late", 4, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, q, "list", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_FAIL(qb_writer_close(w, &err), QB_EEXISTS, &err, "already exists");
  uint8_t *all;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&all, &n, io, p, 100, &err), &err);
  CHECK(n == 2 && !memcmp(all, "m0", 2));
  free(all);
  CHECK_OK(qb_fileio_read_all(&all, &n, io, q, 100, &err), &err);
  CHECK(n == 4 && !memcmp(all, "list", 4));
  free(all);
  *strrchr(p, '/') = '\0';
  CHECK(!dir_has_tmp(p));
  qb_fileio_free(io);
}

/* A file published under directories that did not exist is durable only if each new directory's name is
 * (ext4 without a journal, XFS and others can otherwise lose the directory entry, and the data file with
 * it, after a power loss). A commit's files (data files, manifests, the list: batched publishes) and the
 * directories created for them leave their directory fsyncs to the FileIO's set; the next durable publish
 * (the version file) fsyncs every directory in it once, before its own name appears, then its own
 * directory. */
QB_TEST(new_directories_are_synced_into_their_parents)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *top = qb_str_printf("%s/durable", qb_test_tmpdir());
  CHECK(mkdir(top, 0777) == 0);
  char *p = qb_str_printf("%s/data/d=2026-11-27/b=sto3g/part-0.parquet", top),
       *p2 = qb_str_printf("%s/data/d=2026-11-27/b=sto3g/part-1.parquet", top),
       *p3 = qb_str_printf("%s/data/d=2026-11-27/b=6-31g/part-2.parquet", top),
       *man = qb_str_printf("%s/metadata/m0.avro", top), *list = qb_str_printf("%s/metadata/snap.avro", top),
       *ver = qb_str_printf("%s/metadata/v1.metadata.json", top);
  n_synced = 0;
  recording = 1;
  watched = ver;
  CHECK_OK(qb_fileio_write_all(io, p, "PAR1", 4, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_EQ_INT(n_synced, 1); /* the file's bytes only: its directories wait for the commit point */
  CHECK_OK(qb_fileio_write_all(io, p2, "PAR1", 4, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, p3, "PAR1", 4, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, man, "m", 1, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, list, "l", 1, QB_CREATE_EXCLUSIVE_BATCHED, &err), &err);
  CHECK_EQ_INT(n_synced, 5); /* bytes of the five files, no directory yet */
  /* a volatile publish (the hint) does not sync the set */
  char *hint = qb_str_printf("%s/metadata/version-hint.text", top);
  CHECK_OK(qb_fileio_write_all(io, hint, "1", 1, QB_CREATE_OVERWRITE_VOLATILE, &err), &err);
  CHECK_EQ_INT(n_synced, 5);
  CHECK_OK(qb_fileio_write_all(io, ver, "{}", 2, QB_CREATE_EXCLUSIVE, &err), &err);
  recording = 0;
  char *data = qb_str_printf("%s/data", top), *d = qb_str_printf("%s/data/d=2026-11-27", top),
       *b = qb_str_printf("%s/data/d=2026-11-27/b=sto3g", top), *b2 = qb_str_printf("%s/data/d=2026-11-27/b=6-31g", top),
       *meta = qb_str_printf("%s/metadata", top);
  /* every directory on the path of a committed file, once, before the version appeared */
  const char *const dirs[] = {top, data, d, b, b2};
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    int before, after;
    CHECK_EQ_INT(times_synced(dirs[i], &before, &after), 1);
    CHECK_EQ_INT(before, 1);
  }
  /* metadata/: once before (the manifests' and the list's names), once after (the version's own) */
  int before, after;
  CHECK_EQ_INT(times_synced(meta, &before, &after), 2);
  CHECK_EQ_INT(before, 1);
  CHECK_EQ_INT(after, 1);
  CHECK_EQ_INT(n_synced, 5 + 1 + 5 + 2); /* five files' bytes, the version's, five directories, metadata/ twice */

  /* the set is empty after the commit point: a durable publish in an existing directory costs its bytes and
   * its directory */
  char *q = qb_str_printf("%s/data/d=2026-11-27/b=sto3g/part-3.parquet", top);
  n_synced = 0;
  recording = 1;
  watched = NULL;
  CHECK_OK(qb_fileio_write_all(io, q, "PAR1", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  recording = 0;
  CHECK_EQ_INT(n_synced, 2); /* the file's bytes (under its temporary name) and its directory */
  CHECK(was_synced(b));
  CHECK(!was_synced(d));

  /* qb_fileio_mkdir is durable when it returns */
  char *m = qb_str_printf("%s/meta/x", top), *meta2 = qb_str_printf("%s/meta", top);
  n_synced = 0;
  recording = 1;
  CHECK_OK(qb_fileio_mkdir(io, m, &err), &err);
  recording = 0;
  CHECK(was_synced(top) && was_synced(meta2));
  CHECK_EQ_INT(n_synced, 2);
  free(m);
  free(meta2);
  free(meta);
  free(hint);
  free(q);
  free(data);
  free(d);
  free(b);
  free(b2);
  free(p);
  free(p2);
  free(p3);
  free(man);
  free(list);
  free(ver);
  free(top);
  qb_fileio_free(io);
}

/* read_once gives read_all's bytes and errors whichever way it reads: a file not in the page cache with
 * O_DIRECT (and it stays out of the cache), a cached one from the cache, sizes on and off the 4 KiB blocks,
 * the empty file, a file over the limit, and O_DIRECT refused or cut short (the ordinary read takes over). */
QB_TEST(read_once_cached_uncached_and_fallbacks)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  size_t sizes[] = {0, 1, 4095, 4096, 4097, 3 * 4096 + 5, 100000};
  uint8_t *want = malloc(100000);
  CHECK(want != NULL);
  for (size_t i = 0; i < 100000; i++) want[i] = (uint8_t)(i * 131 + (i >> 9));
  char *p = qb_str_printf("%s/once/f.bin", qb_test_tmpdir());
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t size = sizes[k];
    CHECK_OK(qb_fileio_write_all(io, p, want, size, QB_CREATE_OVERWRITE, &err), &err);
    for (int cached = 0; cached < 2; cached++) {
      drop_cached(p);
      if (cached) { /* read once through the cache: every page is there */
        uint8_t *all;
        size_t n;
        CHECK_OK(qb_fileio_read_all(&all, &n, io, p, size, &err), &err);
        free(all);
      }
      /* where the kernel can tell, and the file system lets a file leave the cache (not tmpfs) */
      bool expect_direct = !cached && size && cached_pages(p) == 0;
      uint8_t *got = NULL;
      size_t n = 7;
      n_direct_reads = n_plain_reads = 0;
      pread_watch = 1;
      CHECK_OK(qb_fileio_read_once(&got, &n, io, p, size, &err), &err);
      pread_watch = 0;
      CHECK_EQ_INT(n, size);
      CHECK(got && got[size] == '\0' && !memcmp(got, want, size));
      free(got);
      if (expect_direct) {
        CHECK_EQ_INT(n_direct_reads, 1);
        CHECK_EQ_INT(n_plain_reads, 0);
        CHECK_EQ_INT(cached_pages(p), 0); /* read past the cache, not into it */
      } else {
        CHECK_EQ_INT(n_direct_reads, 0);
        CHECK_EQ_INT(n_plain_reads, size ? 1 : 0);
      }
    }
    uint8_t *none = NULL;
    size_t n_none = 0;
    if (size) CHECK_FAIL(qb_fileio_read_once(&none, &n_none, io, p, size - 1, &err), QB_ELIMIT, &err, "f.bin");
    CHECK(none == NULL && n_none == 0);
  }

  /* O_DIRECT refused (EINVAL), or cut short at an unaligned offset: the ordinary read does the rest */
  size_t size = 3 * 4096 + 5;
  CHECK_OK(qb_fileio_write_all(io, p, want, size, QB_CREATE_OVERWRITE, &err), &err);
  for (int mode = DIO_EINVAL; mode <= DIO_SHORT; mode++) {
    drop_cached(p);
    bool direct = cached_pages(p) == 0;
    uint8_t *got = NULL;
    size_t n = 0;
    n_direct_reads = n_plain_reads = 0;
    dio_mode = mode;
    pread_watch = 1;
    CHECK_OK(qb_fileio_read_once(&got, &n, io, p, 1 << 20, &err), &err);
    pread_watch = 0;
    dio_mode = DIO_OK;
    CHECK(n == size && got && got[size] == '\0' && !memcmp(got, want, size));
    free(got);
    if (direct) CHECK(n_direct_reads == 1 && n_plain_reads >= 1);
  }
  /* a file that ends before its size (shrunk since the stat): "truncated", as read_all says it */
  drop_cached(p);
  if (cached_pages(p) == 0) {
    uint8_t *got = NULL;
    size_t n = 0;
    dio_mode = DIO_EOF;
    pread_watch = 1;
    CHECK_FAIL(qb_fileio_read_once(&got, &n, io, p, 1 << 20, &err), QB_ECORRUPT, &err, "truncated");
    pread_watch = 0;
    dio_mode = DIO_OK;
    CHECK(got == NULL && n == 0);
  }
  CHECK_FAIL(qb_fileio_read_once(&(uint8_t *){NULL}, &(size_t){0}, io, "/nonexistent/once", 10, &err),
             QB_ENOTFOUND, &err, "/nonexistent/once");

  /* after a run of cached files only every 8th file is asked about: 20 cached reads, then 9 uncached files
   * (each its own: a file read through the cache is cached after it). The first question among them finds
   * the batch uncached, and every file after it is asked and read past the cache. */
  drop_cached(p);
  if (cached_pages(p) == 0) {
    uint8_t *got = NULL;
    size_t n = 0;
    CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 1 << 20, &err), &err);
    free(got);
    n_direct_reads = 0;
    pread_watch = 1;
    for (int i = 0; i < 20; i++) {
      CHECK_OK(qb_fileio_read_once(&got, &n, io, p, 1 << 20, &err), &err);
      free(got);
    }
    pread_watch = 0;
    CHECK_EQ_INT(n_direct_reads, 0);
    char *q[9];
    for (int i = 0; i < 9; i++) {
      q[i] = qb_str_printf("%s/once/run%d.bin", qb_test_tmpdir(), i);
      CHECK_OK(qb_fileio_write_all(io, q[i], want + i, 5000, QB_CREATE_OVERWRITE, &err), &err);
      drop_cached(q[i]);
    }
    int first_direct = -1;
    for (int i = 0; i < 9; i++) {
      n_direct_reads = 0;
      pread_watch = 1;
      CHECK_OK(qb_fileio_read_once(&got, &n, io, q[i], 1 << 20, &err), &err);
      pread_watch = 0;
      CHECK(n == 5000 && !memcmp(got, want + i, 5000));
      free(got);
      if (n_direct_reads && first_direct < 0) first_direct = i;
      if (first_direct >= 0) CHECK_EQ_INT(n_direct_reads, 1);
      free(q[i]);
    }
    CHECK(first_direct >= 0 && first_direct < 8);
  }

  /* tmpfs (no O_DIRECT before Linux 6.6, and its pages never leave the cache): the same bytes */
  char shm[64];
  snprintf(shm, sizeof shm, "/dev/shm/qberg-once-%d.bin", (int)getpid());
  if (qb_fileio_write_all(io, shm, want, 100000, QB_CREATE_OVERWRITE, &err) == QB_OK) {
    uint8_t *got = NULL;
    size_t n = 0;
    CHECK_OK(qb_fileio_read_once(&got, &n, io, shm, 100000, &err), &err);
    CHECK(n == 100000 && got && got[n] == '\0' && !memcmp(got, want, n));
    free(got);
    unlink(shm);
  } else {
    qb_err_clear(&err);
  }
  free(want);
  free(p);
  qb_fileio_free(io);
}

/* One read through a directory reader: the bytes and NUL of `want`/`size`, and the reads it took. */
static bool dir_read_is(qb_dir_reader *d, const char *path, uint64_t hint, const uint8_t *want, size_t size,
                        int *fstats)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *got = NULL;
  size_t n = 7;
  n_fstat = 0;
  int rc = qb_dir_reader_read_once(&got, &n, d, path, hint, 1 << 20, &err);
  if (fstats) *fstats = n_fstat;
  bool ok = rc == QB_OK && n == size && got && got[size] == '\0' && !memcmp(got, want, size);
  if (!ok) fprintf(stderr, "  %s (hint %llu): rc %d n %zu: %s\n", path, (unsigned long long)hint, rc, n, err.msg);
  free(got);
  return ok;
}

/* The directory reader reads what read_once reads: with the listed size as the hint (no fstat), without one,
 * and with a wrong one (a file changed since the listing: its bytes as they are now, the limit applied to
 * them), cached or not, on and off the 4 KiB blocks; a file gone is QB_ENOTFOUND and a directory in a file's
 * place "not a regular file", each naming the path. */
QB_TEST(dir_reader_reads_by_hint_and_survives_changes)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  size_t sizes[] = {0, 1, 4095, 4096, 4097, 3 * 4096 + 5, 100000};
  uint8_t *want = malloc(200000);
  CHECK(want != NULL);
  for (size_t i = 0; i < 200000; i++) want[i] = (uint8_t)(i * 131 + (i >> 9));
  char *dir = qb_str_printf("%s/dr", qb_test_tmpdir());
  char *p = qb_str_printf("%s/f.json", dir);
  CHECK_OK(qb_fileio_write_all(io, p, want, 1, QB_CREATE_OVERWRITE, &err), &err);
  qb_dir_reader *d;
  char *slashed = qb_str_printf("%s/", dir);
  CHECK_OK(qb_fileio_dir_reader_open(&d, io, slashed, &err), &err);
  CHECK_EQ_STR(qb_dir_reader_dir(d), dir);
  free(slashed);
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t size = sizes[k];
    CHECK_OK(qb_fileio_write_all(io, p, want, size, QB_CREATE_OVERWRITE, &err), &err);
    for (int cached = 0; cached < 2; cached++) {
      drop_cached(p);
      if (cached) {
        uint8_t *all;
        size_t n;
        CHECK_OK(qb_fileio_read_all(&all, &n, io, p, size, &err), &err);
        free(all);
      }
      bool expect_direct = !cached && cached_pages(p) == 0;
      int fstats;
      /* a FileIO of its own: no run of earlier files decides unasked (see the run of files below) */
      qb_fileio *fresh;
      qb_dir_reader *fd;
      CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
      CHECK_OK(qb_fileio_dir_reader_open(&fd, fresh, dir, &err), &err);
      n_direct_reads = n_plain_reads = 0;
      pread_watch = 1;
      bool ok = dir_read_is(fd, p, size, want, size, &fstats);
      pread_watch = 0;
      qb_dir_reader_close(fd);
      qb_fileio_free(fresh);
      CHECK(ok);
      CHECK_EQ_INT(fstats, 0); /* the hint held: no fstat */
      if (expect_direct && size) { /* one O_DIRECT read, the file still out of the cache */
        CHECK_EQ_INT(n_direct_reads, 1);
        CHECK_EQ_INT(n_plain_reads, 0);
        CHECK_EQ_INT(cached_pages(p), 0);
      } else if (!expect_direct && size) { /* (an empty file has no page to find cached) */
        CHECK_EQ_INT(n_direct_reads, 0);
        CHECK_EQ_INT(n_plain_reads, 1);
      }
      drop_cached(p);
      CHECK(dir_read_is(d, p, QB_SIZE_UNKNOWN, want, size, &fstats)); /* no hint: fstat's size */
      CHECK_EQ_INT(fstats, 1);
      /* a stale hint, smaller or larger (the file grew or shrank since the listing): the file as it is */
      CHECK(dir_read_is(d, p, size / 2, want, size, &fstats));
      CHECK_EQ_INT(fstats, size / 2 == size ? 0 : 1);
      drop_cached(p);
      CHECK(dir_read_is(d, p, size + 5000, want, size, &fstats));
      CHECK_EQ_INT(fstats, 1);
    }
    /* the limit: on the file's size, whatever the hint said */
    uint8_t *none = NULL;
    size_t n_none = 0;
    if (size) {
      CHECK_FAIL(qb_dir_reader_read_once(&none, &n_none, d, p, size, size - 1, &err), QB_ELIMIT, &err, "f.json");
      CHECK_FAIL(qb_dir_reader_read_once(&none, &n_none, d, p, 0, size - 1, &err), QB_ELIMIT, &err, "f.json");
    }
    CHECK(none == NULL && n_none == 0);
  }
  /* O_DIRECT refused at the read (EINVAL), or cut short at an unaligned offset: the ordinary read goes on */
  size_t size = 3 * 4096 + 5;
  CHECK_OK(qb_fileio_write_all(io, p, want, size, QB_CREATE_OVERWRITE, &err), &err);
  for (int mode = DIO_EINVAL; mode <= DIO_SHORT; mode++) {
    drop_cached(p);
    bool direct = cached_pages(p) == 0;
    n_direct_reads = n_plain_reads = 0;
    dio_mode = mode;
    pread_watch = 1;
    bool ok = dir_read_is(d, p, size, want, size, NULL);
    pread_watch = 0;
    dio_mode = DIO_OK;
    CHECK(ok);
    if (direct) CHECK(n_direct_reads == 1 && n_plain_reads >= 1);
  }
  /* the file removed since the listing; a directory put in its place */
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  uint8_t *got = NULL;
  size_t n = 0;
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, size, 1 << 20, &err), QB_ENOTFOUND, &err, p);
  CHECK(mkdir(p, 0755) == 0);
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, size, 1 << 20, &err), QB_EINVAL, &err, "not a regular file");
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, QB_SIZE_UNKNOWN, 1 << 20, &err), QB_EINVAL, &err,
             "not a regular file");
  CHECK(got == NULL && n == 0);
  CHECK(rmdir(p) == 0);
  /* a path outside the reader's directory is read by its path */
  char *other = qb_str_printf("%s/elsewhere.json", qb_test_tmpdir());
  CHECK_OK(qb_fileio_write_all(io, other, want, 777, QB_CREATE_OVERWRITE, &err), &err);
  CHECK(dir_read_is(d, other, 777, want, 777, NULL));
  char *sub = qb_str_printf("%s/sub/g.json", dir);
  CHECK_OK(qb_fileio_write_all(io, sub, want + 1, 99, QB_CREATE_OVERWRITE, &err), &err);
  CHECK(dir_read_is(d, sub, 99, want + 1, 99, NULL));

  /* the directory renamed during the batch: the reader reads on in it under its new name, not in the new
   * directory that took the old name; a new reader follows the name */
  CHECK_OK(qb_fileio_write_all(io, p, want + 2, 5000, QB_CREATE_OVERWRITE, &err), &err);
  char *moved = qb_str_printf("%s/dr-moved", qb_test_tmpdir());
  CHECK(rename(dir, moved) == 0);
  CHECK(dir_read_is(d, p, 5000, want + 2, 5000, NULL));
  CHECK_OK(qb_fileio_write_all(io, p, want + 3, 4000, QB_CREATE_OVERWRITE, &err), &err); /* a new dr/ */
  CHECK(dir_read_is(d, p, 5000, want + 2, 5000, NULL));
  qb_dir_reader_close(d);
  CHECK_OK(qb_fileio_dir_reader_open(&d, io, dir, &err), &err);
  CHECK(dir_read_is(d, p, 4000, want + 3, 4000, NULL));
  qb_dir_reader_close(d);
  qb_dir_reader_close(NULL);
  /* a run of uncached files: after 8 in a row only every 8th is asked, the others are opened with O_DIRECT
   * unasked; a cached file among them is read past the cache, with the same bytes */
  qb_fileio *io2;
  CHECK_OK(qb_fileio_local_new(&io2, &err), &err);
  CHECK_OK(qb_fileio_dir_reader_open(&d, io2, dir, &err), &err);
  drop_cached(p);
  if (cached_pages(p) == 0) {
    int direct = 0;
    for (int i = 0; i < 20; i++) {
      drop_cached(p);
      if (i >= 12) { /* cached from here on: files 12..15 taken as uncached, 16 asked */
        uint8_t *all;
        size_t n_all;
        CHECK_OK(qb_fileio_read_all(&all, &n_all, io2, p, 1 << 20, &err), &err);
        free(all);
      }
      n_direct_reads = 0;
      pread_watch = 1;
      bool ok = dir_read_is(d, p, 4000, want + 3, 4000, NULL);
      pread_watch = 0;
      CHECK(ok);
      direct += n_direct_reads;
      if (i < 12) CHECK_EQ_INT(n_direct_reads, 1);
      if (i > 16) CHECK_EQ_INT(n_direct_reads, 0);
    }
    CHECK_EQ_INT(direct, 16);
  }
  qb_dir_reader_close(d);
  qb_fileio_free(io2);
  /* a missing directory */
  CHECK_FAIL(qb_fileio_dir_reader_open(&d, io, "/nonexistent/dr", &err), QB_ENOTFOUND, &err, "/nonexistent/dr");
  free(moved);
  free(sub);
  free(other);
  free(p);
  free(dir);
  free(want);
  qb_fileio_free(io);
}

/* A read-ahead plan over test files: names[k] in `dir`, with hints[k]. */
typedef struct test_plan {
  char **paths;
  const uint64_t *hints;
  size_t n;
  size_t calls;
} test_plan;

static bool plan_at(void *ctx, size_t k, const char **path, uint64_t *hint)
{
  test_plan *tp = ctx;
  tp->calls++;
  if (k >= tp->n) return false;
  *path = tp->paths[k];
  *hint = tp->hints[k];
  return true;
}

/* Every file of the plan read through `d`, in order: each read's result (rc, bytes, message) written to
 * `out` as text, to compare a reader with a plan against one without. */
static void read_all_planned(qb_dir_reader *d, test_plan *tp, qb_buf *out)
{
  for (size_t k = 0; k < tp->n; k++) {
    qb_err err = QB_ERR_INIT;
    uint8_t *got = NULL;
    size_t n = 0;
    int rc = qb_dir_reader_read_once(&got, &n, d, tp->paths[k], tp->hints[k], 200000, &err);
    char line[1200];
    unsigned long sum = 0;
    for (size_t i = 0; got && i < n; i++) sum = sum * 31 + got[i];
    snprintf(line, sizeof line, "%zu rc %d n %zu sum %lu nul %d msg %s\n", k, rc, n, sum, got ? got[n] == 0 : -1,
             rc ? err.msg : "");
    qb_err be = QB_ERR_INIT;
    CHECK(qb_buf_append(out, line, strlen(line) + 1, &be) == QB_OK);
    out->n--; /* kept NUL-terminated */
    free(got);
    qb_err_clear(&err);
  }
}

/* Read-ahead (qb_dir_reader_plan): uncached planned files are read by the helpers, O_DIRECT, past the cache,
 * and each read returns what a reader without a plan returns, errors included (a file gone, a directory in
 * its place, one grown or shrunk since the listing, one over the limit); a window larger than the plan; a
 * cached batch starts no read-ahead; a reader closed with files read ahead frees them (valgrind). */
QB_TEST(dir_reader_plan_reads_ahead_with_the_same_results)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  uint8_t *want = malloc(300000);
  CHECK(want != NULL);
  for (size_t i = 0; i < 300000; i++) want[i] = (uint8_t)(i * 7 + (i >> 11));
  char *dir = qb_str_printf("%s/ra", qb_test_tmpdir());
  enum { N = 12 };
  /* sizes as written; hints as listed (file 5 grew, 6 shrank, 7 is over the limit of 200000) */
  size_t sizes[N] = {5000, 4096, 4095, 1, 100000, 9000, 3000, 250000, 8192, 77, 6000, 40000};
  uint64_t hints[N] = {5000, 4096, 4095, 1, 100000, 8000, 4000, 250000, 8192, 77, 6000, 40000};
  char *paths[N];
  for (int k = 0; k < N; k++) {
    paths[k] = qb_str_printf("%s/%02d.json", dir, k);
    CHECK_OK(qb_fileio_write_all(io, paths[k], want + k, sizes[k], QB_CREATE_OVERWRITE, &err), &err);
  }
  CHECK_OK(qb_fileio_delete(io, paths[3], &err), &err); /* listed, gone before the batch read it */
  CHECK_OK(qb_fileio_delete(io, paths[9], &err), &err);
  CHECK(mkdir(paths[9], 0755) == 0); /* a directory in its place */
  test_plan tp = {paths, hints, N, 0};

  /* without a plan: the expected results */
  qb_buf plain, ahead, warm;
  qb_buf_init(&plain, QB_BUF_NOLIMIT);
  qb_buf_init(&ahead, QB_BUF_NOLIMIT);
  qb_buf_init(&warm, QB_BUF_NOLIMIT);
  qb_dir_reader *d;
  for (int k = 0; k < N; k++) drop_cached(paths[k]);
  bool cold = cached_pages(paths[0]) == 0;
  qb_fileio *fresh;
  CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
  CHECK_OK(qb_fileio_dir_reader_open(&d, fresh, dir, &err), &err);
  read_all_planned(d, &tp, &plain);
  qb_dir_reader_close(d);
  qb_fileio_free(fresh);

  /* with a plan, cold: the same results; every other existing file opened once, by a helper, O_DIRECT */
  for (int k = 0; k < N; k++) drop_cached(paths[k]);
  CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
  CHECK_OK(qb_fileio_dir_reader_open(&d, fresh, dir, &err), &err);
  qb_dir_reader_plan(d, plan_at, &tp);
  __atomic_store_n(&n_direct_opens, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&n_plain_opens, 0, __ATOMIC_RELAXED);
  read_all_planned(d, &tp, &ahead);
  qb_dir_reader_close(d);
  qb_fileio_free(fresh);
  CHECK_EQ_STR((const char *)ahead.p, (const char *)plain.p);
  if (cold) {
    /* files 0 and 1 by the caller (asked: not cached; 0 read with O_DIRECT set after the open, 1 opened with
     * it, the run being uncached); the two in a row start the helpers: 2..11 by them, with O_DIRECT; those
     * not handed over (3 gone, 5 and 6 resized, 7 over the limit, 9 a directory) again by
     * the caller, which opens with O_DIRECT as the run says (9's EINVAL: once more without) */
    int direct = __atomic_load_n(&n_direct_opens, __ATOMIC_RELAXED);
    int plainly = __atomic_load_n(&n_plain_opens, __ATOMIC_RELAXED);
    if (direct < N - 1 || direct + plainly > N - 1 + 1 + 6)
      fprintf(stderr, "  opens: %d with O_DIRECT, %d without\n", direct, plainly);
    CHECK(direct >= N - 1);
    CHECK(direct + plainly <= N - 1 + 1 + 6);
    int handed[] = {0, 1, 2, 4, 8, 10, 11}; /* (a resized file's rest is read ordinarily, into the cache) */
    for (size_t j = 0; j < sizeof handed / sizeof handed[0]; j++)
      CHECK_EQ_INT(cached_pages(paths[handed[j]]), 0); /* read past the cache */
  }

  /* cached: no helper opens anything (the reads find every file cached; the plan of the regular files only:
   * a directory's first page is never cached, and the run takes it as an uncached file) */
  for (int k = 0; k < N; k++) {
    uint8_t *all;
    size_t n;
    if (k != 3 && k != 9) {
      CHECK_OK(qb_fileio_read_all(&all, &n, io, paths[k], 300000, &err), &err);
      free(all);
    }
  }
  CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
  CHECK_OK(qb_fileio_dir_reader_open(&d, fresh, dir, &err), &err);
  char *rpaths[7];
  uint64_t rhints[7];
  int regular[7] = {0, 1, 2, 4, 8, 10, 11};
  for (int j = 0; j < 7; j++) {
    rpaths[j] = paths[regular[j]];
    rhints[j] = hints[regular[j]];
  }
  test_plan rp = {rpaths, rhints, 7, 0};
  qb_buf regular_plain;
  qb_buf_init(&regular_plain, QB_BUF_NOLIMIT);
  read_all_planned(d, &rp, &regular_plain); /* no plan yet */
  qb_dir_reader_plan(d, plan_at, &rp);
  __atomic_store_n(&n_direct_opens, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&n_plain_opens, 0, __ATOMIC_RELAXED);
  read_all_planned(d, &rp, &warm);
  qb_dir_reader_close(d);
  qb_fileio_free(fresh);
  CHECK_EQ_STR((const char *)warm.p, (const char *)regular_plain.p);
  CHECK_EQ_INT(__atomic_load_n(&n_direct_opens, __ATOMIC_RELAXED), 0);
  CHECK_EQ_INT(__atomic_load_n(&n_plain_opens, __ATOMIC_RELAXED), 7); /* the caller's, one per file */
  CHECK_EQ_INT(rp.calls, 7); /* one look at the plan per read */
  qb_buf_free(&regular_plain);

  /* reads that leave the plan: skipping files (dropped from the window), going back (read as unplanned), a
   * path not planned; then the reader closed with files still read ahead (valgrind: nothing leaks) */
  for (int k = 0; k < N; k++) drop_cached(paths[k]);
  CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
  CHECK_OK(qb_fileio_dir_reader_open(&d, fresh, dir, &err), &err);
  qb_dir_reader_plan(d, plan_at, &tp);
  CHECK(dir_read_is(d, paths[0], hints[0], want + 0, sizes[0], NULL));
  CHECK(dir_read_is(d, paths[4], hints[4], want + 4, sizes[4], NULL));
  CHECK(dir_read_is(d, paths[2], hints[2], want + 2, sizes[2], NULL));
  CHECK(dir_read_is(d, paths[8], hints[8], want + 8, sizes[8], NULL));
  char *other = qb_str_printf("%s/other.json", dir);
  CHECK_OK(qb_fileio_write_all(io, other, want, 333, QB_CREATE_OVERWRITE, &err), &err);
  CHECK(dir_read_is(d, other, 333, want, 333, NULL));
  qb_dir_reader_plan(d, plan_at, &tp); /* a new plan: the window dropped */
  CHECK(dir_read_is(d, paths[1], hints[1], want + 1, sizes[1], NULL));
  qb_dir_reader_plan(d, NULL, NULL); /* no plan */
  CHECK(dir_read_is(d, paths[2], hints[2], want + 2, sizes[2], NULL));
  qb_dir_reader_plan(d, plan_at, &tp);
  CHECK(dir_read_is(d, paths[0], hints[0], want + 0, sizes[0], NULL)); /* the window fills ... */
  qb_dir_reader_close(d);                                            /* ... and is dropped at close */
  qb_fileio_free(fresh);

  CHECK(rmdir(paths[9]) == 0);
  for (int k = 0; k < N; k++) free(paths[k]);
  free(other);
  qb_buf_free(&plain);
  qb_buf_free(&ahead);
  qb_buf_free(&warm);
  free(dir);
  free(want);
  qb_fileio_free(io);
}

/* A cached batch with a few files evicted (as DAMON's reclaim trims a page cache on some machines): only the
 * evicted files are read past the cache. One evicted file alone starts no read-ahead; two in a row start it,
 * and the helpers, asking about every file, read only the uncached ones and pause at the first cached one.
 * (Before, a single evicted file started the helpers, which then read most of the cached batch from the disk
 * with O_DIRECT: ~9% of a 20,000-file ingest's CPU on such a machine.) */
QB_TEST(dir_reader_plan_reads_only_evicted_files_of_a_cached_batch)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  enum { N = 64, SIZE = 20000 };
  uint8_t *want = malloc(SIZE + N);
  CHECK(want != NULL);
  for (size_t i = 0; i < SIZE + N; i++) want[i] = (uint8_t)(i * 13 + (i >> 9));
  char *dir = qb_str_printf("%s/ra_evicted", qb_test_tmpdir());
  char *paths[N];
  uint64_t hints[N];
  for (int k = 0; k < N; k++) {
    paths[k] = qb_str_printf("%s/%02d.json", dir, k);
    hints[k] = SIZE;
    CHECK_OK(qb_fileio_write_all(io, paths[k], want + k, SIZE, QB_CREATE_OVERWRITE, &err), &err);
  }
  /* evicted: 5 alone, then 10, 11 and 12 in a row. The caller asks about every file while its run of cached
   * files is under CACHE_RUN (8), so it asks about 5 (run 5: read past the cache, run -1), 6 (cached: run 1),
   * 10 (run 4: past the cache) and 11 (past the cache: two in a row, the helpers start on 12..63); a helper
   * reads 12 and finds 13 cached, which pauses the window. Read past the cache: 5, 10, 11 and 12. */
  const int evicted[] = {5, 10, 11, 12};
  for (size_t j = 0; j < sizeof evicted / sizeof evicted[0]; j++) drop_cached(paths[evicted[j]]);
  bool can_tell = cached_pages(paths[5]) == 0 && cached_pages(paths[6]) > 0;
  test_plan tp = {paths, hints, N, 0};
  qb_fileio *fresh;
  CHECK_OK(qb_fileio_local_new(&fresh, &err), &err);
  qb_dir_reader *d;
  CHECK_OK(qb_fileio_dir_reader_open(&d, fresh, dir, &err), &err);
  qb_dir_reader_plan(d, plan_at, &tp);
  __atomic_store_n(&n_direct_reads, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&n_plain_reads, 0, __ATOMIC_RELAXED);
  pread_watch = 1;
  for (int k = 0; k < N; k++) CHECK(dir_read_is(d, paths[k], hints[k], want + k, SIZE, NULL));
  pread_watch = 0;
  qb_dir_reader_close(d);
  qb_fileio_free(fresh);
  int direct = __atomic_load_n(&n_direct_reads, __ATOMIC_RELAXED);
  int uncached_after = 0;
  for (int k = 0; k < N; k++) uncached_after += cached_pages(paths[k]) == 0;
  if (!can_tell) {
    fprintf(stderr, "  (this file system keeps no page cache that can be dropped: only the bytes checked)\n");
  } else {
    /* what was read past the cache stayed out of it, and nothing else was read past it */
    CHECK_EQ_INT(direct, uncached_after);
    if (direct != 4) {
      fprintf(stderr, "  read past the cache:");
      for (int k = 0; k < N; k++)
        if (cached_pages(paths[k]) == 0) fprintf(stderr, " %d", k);
      fprintf(stderr, "\n");
    }
    CHECK_EQ_INT(direct, 4);
    for (size_t j = 0; j < sizeof evicted / sizeof evicted[0]; j++)
      CHECK_EQ_INT(cached_pages(paths[evicted[j]]), 0);
  }
  for (int k = 0; k < N; k++) free(paths[k]);
  free(dir);
  free(want);
  qb_fileio_free(io);
}

/* The local writer's threshold (src/io/local.c DIO_WSTART): a file passing it is written with O_DIRECT. */
#define DIO_START (256u * 1024)

/* Write `size` bytes of `want` to `path` in pieces of `piece` bytes (0: one piece), watched. */
static void write_pieces(qb_fileio *io, const char *path, const uint8_t *want, size_t size, size_t piece)
{
  qb_err err = QB_ERR_INIT;
  qb_writer *w;
  CHECK_OK(qb_fileio_create(&w, io, path, QB_CREATE_OVERWRITE, &err), &err);
  n_direct_writes = n_plain_writes = n_misaligned_writes = 0;
  write_watch = 1;
  for (size_t off = 0; off < size || (!size && !off);) {
    size_t k = piece && size - off > piece ? piece : size - off;
    CHECK_OK(qb_writer_write(w, want + off, k, &err), &err);
    off += k;
    if (!size) break;
  }
  CHECK_EQ_INT(qb_writer_offset(w), (int64_t)size);
  CHECK_OK(qb_writer_close(w, &err), &err);
  write_watch = 0;
}

static void check_content(qb_fileio *io, const char *path, const uint8_t *want, size_t size)
{
  qb_err err = QB_ERR_INIT;
  uint8_t *got = NULL;
  size_t n = 1;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, path, size, &err), &err);
  CHECK_EQ_INT(n, size);
  CHECK(got && !memcmp(got, want, size));
  free(got);
}

QB_TEST(direct_writes_around_block_boundaries)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  size_t max = (3u << 20) + 12345; /* several MiB: several staging buffers' worth */
  uint8_t *want = malloc(max);
  CHECK(want != NULL);
  for (size_t i = 0; i < max; i++) want[i] = (uint8_t)(i * 2654435761u >> 11);
  size_t sizes[] = {0,
                    1,
                    4095,
                    4096,
                    4097,
                    DIO_START - 1,
                    DIO_START,
                    DIO_START + 1,
                    DIO_START + 4095,
                    DIO_START + 4096,
                    DIO_START + 4097,
                    2 * DIO_START - 1,
                    2 * DIO_START,
                    2 * DIO_START + 1,
                    (1u << 20) - 1,
                    1u << 20,
                    (1u << 20) + 1,
                    max};
  /* one piece; pieces smaller than the writer's 64 KiB buffer; pieces larger than it and unaligned (the
   * Parquet writer's pages); pieces crossing the threshold at every kind of offset */
  size_t pieces[] = {0, 1000, 4097, 70001, 300007, DIO_START + 3};
  char *p = qb_str_printf("%s/dio/f.bin", qb_test_tmpdir());
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    for (size_t j = 0; j < sizeof pieces / sizeof pieces[0]; j++) {
      size_t size = sizes[k];
      if (size < 4 * DIO_START && pieces[j] && pieces[j] < 4096) continue; /* enough small writes */
      write_pieces(io, p, want, size, pieces[j]);
      CHECK_EQ_INT(n_misaligned_writes, 0);
      if (size < DIO_START) CHECK_EQ_INT(n_direct_writes, 0);
      /* past the threshold and a block after it: at least that block went past the cache (on a file
       * system with O_DIRECT; tmpdir is on one where the tests run, else nothing was refused either) */
      if (size >= DIO_START + 2 * 4096) CHECK(n_direct_writes > 0);
      if (size >= 3 * DIO_START) {
        long cached = cached_pages(p); /* the direct blocks are not in the cache, the first MiB is */
        CHECK(cached < 0 || (size_t)cached <= (DIO_START + 2 * 4096) / 4096 + 1);
      }
      check_content(io, p, want, size);
    }

  /* a file system that refuses O_DIRECT writes: the refused bytes are written again, the rest of the file
   * is written the ordinary way, and the FileIO's later files do not try */
  refuse_direct_writes = true;
  write_pieces(io, p, want, max, 70001);
  CHECK_EQ_INT(n_direct_writes, 1);
  check_content(io, p, want, max);
  write_pieces(io, p, want, max, 0);
  CHECK_EQ_INT(n_direct_writes, 0);
  check_content(io, p, want, max);
  refuse_direct_writes = false;
  write_pieces(io, p, want, max, 0); /* remembered while the FileIO lives */
  CHECK_EQ_INT(n_direct_writes, 0);
  qb_fileio_free(io);
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  write_pieces(io, p, want, max, 0); /* a new FileIO tries again */
  CHECK(n_direct_writes > 0);
  check_content(io, p, want, max);

  /* tmpfs (O_DIRECT refused before Linux 6.6, accepted as a no-op since): the same bytes either way */
  char *shm_dir = qb_str_printf("/dev/shm/qberg-dio-%d", (int)getpid());
  char *shm = qb_str_printf("%s/f.bin", shm_dir);
  qb_writer *w;
  if (access("/dev/shm", W_OK) == 0) {
    write_pieces(io, shm, want, max, 70001);
    CHECK_EQ_INT(n_misaligned_writes, 0);
    check_content(io, shm, want, max);
    CHECK_OK(qb_fileio_delete(io, shm, &err), &err);
    CHECK_OK(qb_fileio_rmdir(io, shm_dir, &err), &err);
  }
  free(shm);
  free(shm_dir);

  /* abort mid-file, after direct writes and with bytes staged: nothing is published, no temporary file */
  char *q = qb_str_printf("%s/dio/aborted.bin", qb_test_tmpdir());
  CHECK_OK(qb_fileio_create(&w, io, q, QB_CREATE_EXCLUSIVE, &err), &err);
  n_direct_writes = 0;
  write_watch = 1;
  for (size_t off = 0; off + 70001 <= max; off += 70001) CHECK_OK(qb_writer_write(w, want + off, 70001, &err), &err);
  write_watch = 0;
  CHECK(n_direct_writes > 0);
  qb_writer_abort(w);
  CHECK(access(q, F_OK) != 0);
  char *dir = qb_str_printf("%s/dio", qb_test_tmpdir());
  CHECK(!dir_has_tmp(dir));
  /* and the same name can then be created exclusively */
  CHECK_OK(qb_fileio_write_all(io, q, want, DIO_START + 5000, QB_CREATE_EXCLUSIVE, &err), &err);
  check_content(io, q, want, DIO_START + 5000);
  free(dir);
  free(q);
  free(p);
  free(want);
  qb_fileio_free(io);
}

/* A named pipe where a file is expected (a table's version-hint.text, a data file, a raw input) is "not a
 * regular file", naming the path, at once: opening a FIFO for reading used to wait for a writer forever
 * (qberg parquet cat, info, scan hung). The alarm turns a regression into a failure instead of a hang. */
QB_TEST(fifo_is_not_a_regular_file_and_does_not_block)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *dir = qb_str_printf("%s/fifo", qb_test_tmpdir());
  char *p = qb_str_printf("%s/hint.text", dir);
  CHECK(mkdir(dir, 0755) == 0);
  CHECK(mkfifo(p, 0644) == 0);
  alarm(20);
  qb_file *f = NULL;
  CHECK_FAIL(qb_fileio_open_read(&f, io, p, &err), QB_EINVAL, &err, "not a regular file");
  CHECK(f == NULL && strstr(err.msg, p) != NULL);
  uint8_t *got = NULL;
  size_t n = 0;
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, p, 1 << 20, &err), QB_EINVAL, &err, "not a regular file");
  CHECK_FAIL(qb_fileio_read_once(&got, &n, io, p, 1 << 20, &err), QB_EINVAL, &err, "not a regular file");
  qb_dir_reader *d;
  CHECK_OK(qb_fileio_dir_reader_open(&d, io, dir, &err), &err);
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, 0, 1 << 20, &err), QB_EINVAL, &err, "not a regular file");
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, 100, 1 << 20, &err), QB_EINVAL, &err, "not a regular file");
  CHECK_FAIL(qb_dir_reader_read_once(&got, &n, d, p, QB_SIZE_UNKNOWN, 1 << 20, &err), QB_EINVAL, &err,
             "not a regular file");
  CHECK(strstr(err.msg, p) != NULL);
  CHECK(got == NULL && n == 0);
  alarm(0);
  qb_dir_reader_close(d);
  CHECK(unlink(p) == 0 && rmdir(dir) == 0);
  free(p);
  free(dir);
  qb_fileio_free(io);
}

/* qb_fileio_lock: exclusive between holders in this process and in others, the holder's note in the
 * refusal, released by unlock and by the death of the holding process (SIGKILL), the file left in place. */
QB_TEST(lock_excludes_and_dies_with_its_holder)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *dir = qb_str_printf("%s/lock", qb_test_tmpdir());
  char *p = qb_str_printf("%s/_l.lock", dir);
  qb_file_lock *a = NULL, *b = NULL;
  /* its folder is made when missing; a path that cannot be a file fails */
  CHECK_FAIL(qb_fileio_lock(&a, io, qb_test_tmpdir(), "x", &err), QB_EIO, &err, "open for the lock");
  CHECK(a == NULL);
  CHECK_OK(qb_fileio_lock(&a, io, p, "holder one (pid 1)", &err), &err);
  CHECK(a != NULL);
  /* a second taker in the same process is refused, with the holder's note */
  qb_err_clear(&err);
  CHECK_FAIL(qb_fileio_lock(&b, io, p, "holder two", &err), QB_ECONFLICT, &err,
             "_l.lock is held by holder one (pid 1)");
  CHECK(b == NULL);
  /* released: the next taker gets it and its note replaces the last */
  qb_fileio_unlock(a);
  struct stat st;
  CHECK(stat(p, &st) == 0 && st.st_size == 0); /* the note went with the lock; the file stays */
  CHECK_OK(qb_fileio_lock(&b, io, p, "holder two", &err), &err);
  qb_fileio_unlock(b);

  /* another process holds it: refused here until that process is killed */
  int ready[2];
  CHECK(pipe(ready) == 0);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    qb_err e = QB_ERR_INIT;
    qb_fileio *cio;
    qb_file_lock *l;
    if (qb_fileio_local_new(&cio, &e) || qb_fileio_lock(&l, cio, p, "the child", &e)) _exit(1);
    if (write(ready[1], "k", 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  CHECK(read(ready[0], &c, 1) == 1 && c == 'k');
  close(ready[0]);
  CHECK_FAIL(qb_fileio_lock(&a, io, p, "parent", &err), QB_ECONFLICT, &err, "held by the child");
  CHECK(kill(child, SIGKILL) == 0);
  int status;
  CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status));
  CHECK_OK(qb_fileio_lock(&a, io, p, "parent", &err), &err);
  qb_fileio_unlock(a);
  qb_fileio_unlock(NULL); /* NULL-safe */

  /* the faulty wrapper passes the lock through to its store, uncounted and never failed (its plans
   * number the calls of the work under the lock) */
  qb_fileio *fio;
  qb_fault_plan plan = {1, QB_FAULT_FAIL, QB_EIO, 0, true, NULL, NULL, false};
  CHECK_OK(qb_fileio_faulty_new(&fio, io, false, &plan, &err), &err);
  CHECK_OK(qb_fileio_lock(&a, fio, p, "through the wrapper", &err), &err);
  CHECK_FAIL(qb_fileio_lock(&b, io, p, "x", &err), QB_ECONFLICT, &err, "held by through the wrapper");
  CHECK_EQ_INT((int)qb_fileio_faulty_calls(fio), 0);
  qb_fileio_unlock(a);
  qb_fileio_free(fio);
  /* (a backend without locks, S3, says QB_EUNSUPPORTED: tests/pipeline/one_batch_s3.sh takes the lease then) */
  free(dir);
  free(p);
  qb_fileio_free(io);
}
