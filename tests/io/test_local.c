/* SPDX-License-Identifier: Apache-2.0 */
/* Local FileIO: atomic publish, create-exclusive, range reads, listing, URIs. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "qberg/fileio.h"
#include "util/buf.h"
#include "util/str.h"

/* fsync as the library calls it, recorded: this executable's definition is the one the static library
 * links to, and it asks the kernel itself. The test below reads which directories were made durable. */
static char synced[64][PATH_MAX];
static int n_synced;
static int recording;

int fsync(int fd)
{
  if (recording && n_synced < 64) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, synced[n_synced], PATH_MAX - 1);
    if (n > 0) synced[n_synced++][n] = '\0';
  }
  return (int)syscall(SYS_fsync, fd);
}

static bool was_synced(const char *path)
{
  char real[PATH_MAX];
  if (!realpath(path, real)) return false;
  for (int i = 0; i < n_synced; i++)
    if (!strcmp(synced[i], real)) return true;
  return false;
}

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

/* A file published under directories that did not exist is durable only if each new directory's name is:
 * the parent of every directory created on the way is fsync'd (ext4 without a journal, XFS and others can
 * otherwise lose the directory entry, and the data file with it, after a power loss). */
QB_TEST(new_directories_are_synced_into_their_parents)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io;
  CHECK_OK(qb_fileio_local_new(&io, &err), &err);
  char *top = qb_str_printf("%s/durable", qb_test_tmpdir());
  CHECK(mkdir(top, 0777) == 0);
  char *p = qb_str_printf("%s/data/d=2026-11-27/b=sto3g/part-0.parquet", top);
  n_synced = 0;
  recording = 1;
  CHECK_OK(qb_fileio_write_all(io, p, "PAR1", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  recording = 0;
  char *data = qb_str_printf("%s/data", top), *d = qb_str_printf("%s/data/d=2026-11-27", top),
       *b = qb_str_printf("%s/data/d=2026-11-27/b=sto3g", top);
  CHECK(was_synced(top)); /* holds "data" */
  CHECK(was_synced(data)); /* holds "d=..." */
  CHECK(was_synced(d));    /* holds "b=..." */
  CHECK(was_synced(b));    /* holds the file (the publish's own fsync) */

  /* existing directories cost no directory fsync beyond the publish's own */
  char *q = qb_str_printf("%s/data/d=2026-11-27/b=sto3g/part-1.parquet", top);
  n_synced = 0;
  recording = 1;
  CHECK_OK(qb_fileio_write_all(io, q, "PAR1", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  recording = 0;
  CHECK_EQ_INT(n_synced, 2); /* the file's bytes (under its temporary name) and its directory */
  CHECK(was_synced(b));
  CHECK(!was_synced(d));

  /* qb_fileio_mkdir too */
  char *m = qb_str_printf("%s/meta/x", top), *meta = qb_str_printf("%s/meta", top);
  n_synced = 0;
  recording = 1;
  CHECK_OK(qb_fileio_mkdir(io, m, &err), &err);
  recording = 0;
  CHECK(was_synced(top) && was_synced(meta));
  free(m);
  free(meta);
  free(q);
  free(data);
  free(d);
  free(b);
  free(p);
  free(top);
  qb_fileio_free(io);
}
