/* SPDX-License-Identifier: Apache-2.0 */
/* Local-disk FileIO. Writes go to a hidden temporary file in the target directory, are fsync'd, then
 * published with rename(2) (overwrite) or renameat2(RENAME_NOREPLACE) (create-exclusive: fails with EEXIST
 * atomically; link(2) where the file system lacks it), and the directory is fsync'd so the name survives a
 * crash. Directory fsyncs that can wait (a new directory's entry in its parent, a batched publish's name) go
 * into the FileIO's set of directories to sync instead, and the next durable non-batched publish fsyncs each
 * directory in it once, before its own name appears (docs/CATALOG.md, "Durability"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io/fileio_int.h"
#include "util/clock.h"
#include "util/str.h"
#include "util/thread.h"

/* Small: a fan-out writer keeps dozens of files open (one buffer each), and the big writes (a Parquet
 * column chunk's pages) bypass the buffer anyway. */
#define LOCAL_WBUF (64 * 1024)

/* "file:///a/b" and "file:/a/b" -> "/a/b"; plain paths unchanged. Returns a pointer into `path`. */
static const char *local_path(const char *path)
{
  if (qb_str_has_prefix(path, "file://")) return path + 7;
  if (qb_str_has_prefix(path, "file:")) return path + 5;
  return path;
}

/* The local FileIO: the set of directories whose new entries (created directories, batched publishes) are
 * not yet durable. A commit creates a handful of partition directories and publishes one file in each;
 * syncing each directory at the moment it changed cost one fsync per mkdir plus one per data file, the same
 * directory (the table's, data/, a date partition) several times over. */
typedef struct local_io {
  qb_fileio base;
  pthread_mutex_t mu; /* guards the set, and is held across its fsyncs: see sync_dirty */
  char **dirty;
  size_t n_dirty, cap_dirty;
  int run; /* read_once: > 0, files in a row found (or taken as) cached; < 0, minus as many not cached;
             * atomic, a hint only (see CACHE_RUN) */
  int no_direct_writes; /* a file's O_DIRECT write was refused (EINVAL): later files do not try; atomic */
} local_io;

typedef struct local_file {
  qb_file base;
  int fd;
  local_io *io; /* NULL when opened through a wrapper of this FileIO */
} local_file;

static local_io *as_local(qb_fileio *io);

static int lf_pread(qb_file *f, void *buf, size_t n, uint64_t offset, qb_err *err)
{
  local_file *lf = (local_file *)f;
  uint8_t *p = buf;
  while (n) {
    ssize_t r = pread(lf->fd, p, n, (off_t)offset);
    if (r < 0) {
      if (errno == EINTR) continue;
      return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read at offset %llu", f->path, (unsigned long long)offset);
    }
    if (r == 0)
      return QB_FAIL(err, QB_ECORRUPT, "%s: truncated: file ended at offset %llu", f->path,
                     (unsigned long long)offset);
    p += r;
    n -= (size_t)r;
    offset += (uint64_t)r;
  }
  return QB_OK;
}

static void lf_close(qb_file *f)
{
  local_file *lf = (local_file *)f;
  close(lf->fd);
  free(f->path);
  free(lf);
}

/* O_DIRECT's alignment of the buffer, offset and length: the page size, a multiple of any logical block
 * size a local disk has (512 or 4096 bytes). A file system that wants more fails with EINVAL: see below. */
#define DIO_ALIGN 4096u

/* cachestat(2) (Linux 6.5; the number is the same on every architecture), declared here for older headers. */
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
struct local_cachestat_range {
  uint64_t off, len;
};
struct local_cachestat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

/* After this many files in a row found cached (or not cached), read_once asks only about every CACHE_RUN-th
 * file and takes the others as the run says, unasked: a batch's raw files are all cached (just written or
 * read) or all not, and each question is a system call (~+0.4% of a cached ingest's cycles when every file
 * asked). A batch that turns the other way is noticed at the next question, and from then on every file is
 * asked again. A cached file taken as not cached is read with O_DIRECT: the same bytes (the kernel writes
 * any dirty page of the range back first), from the disk instead of the cache. */
#define CACHE_RUN 8

static bool run_ask(int run)
{
  int a = run < 0 ? -run : run;
  return a < CACHE_RUN || a % CACHE_RUN == 0;
}

/* The run after a file found (or taken as) `uncached`; kept within +-2^30 (then it stays on a multiple of
 * CACHE_RUN, still asking every CACHE_RUN-th file). */
static int run_next(int run, bool uncached)
{
  if (uncached) return run >= 0 ? -1 : run > -(1 << 30) ? run - 1 : run + 1 - CACHE_RUN;
  return run <= 0 ? 1 : run < (1 << 30) ? run + 1 : run - CACHE_RUN + 1;
}

/* Whether the file's first page is not in the page cache: one cachestat, which reads nothing and starts no
 * I/O. Only the first page: asking about the whole file walked every page's slot in the cache (~2,000
 * kernel instructions for a 40 KB file against ~700), and a file read once is cached either whole or not at
 * all (written or read just before, or evicted long ago); a partly cached one is read correctly either
 * way. False when it cannot tell (an older kernel: ENOSYS; a seccomp filter): the ordinary read then. */
static bool not_cached(int fd)
{
  struct local_cachestat_range range = {0, 1};
  struct local_cachestat cs;
  return syscall(SYS_cachestat, fd, &range, &cs, 0) == 0 && cs.nr_cache == 0;
}

/* The whole file once (qb_file_ops.read_once). A file read once gains nothing from the page cache, and on a
 * machine that does not keep it there (or the first time) reading through it costs the kernel more than the
 * copy: readahead, a folio per 4 KiB allocated and inserted, then copied and later evicted (~8% of an
 * ingest's cycles at 20,000 uncached files). So a file whose first page is not cached (not_cached; after a
 * run of files only every CACHE_RUN-th file is asked) is read with O_DIRECT (set on this
 * descriptor, which only this read uses): whole blocks from the disk straight into the aligned buffer. A
 * cached file (just written, or read before) is read as before, from the cache. (preadv2 with RWF_NOWAIT
 * cannot tell the two apart: on a miss it fails with EAGAIN but first starts readahead of the range,
 * io_uring's semantics, so the file would be read twice.)
 * Any surprise on the O_DIRECT path (a file system without it or wanting other alignments: EINVAL; a short
 * read that leaves an unaligned offset before the end; any error) falls back to the ordinary pread for the
 * rest, which reports errors as lf_pread does. The bytes are the same whichever way they came. A file that
 * grew since open_read's fstat yields its first `size` bytes and one that shrank is "truncated", as with
 * lf_pread. The buffer is round_up(size + 1, 4096) bytes: room for the NUL byte the caller adds and for
 * O_DIRECT's whole last block. */
static int lf_read_once(qb_file *f, uint8_t **out, qb_err *err)
{
  local_file *lf = (local_file *)f;
  if (f->size >= SIZE_MAX - DIO_ALIGN) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", f->path);
  size_t size = (size_t)f->size, cap = (size + 1 + DIO_ALIGN - 1) & ~(size_t)(DIO_ALIGN - 1);
  void *mem = NULL;
  if (posix_memalign(&mem, DIO_ALIGN, cap) != 0)
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory reading %zu bytes", f->path, size);
  uint8_t *p = mem;
  size_t off = 0;
  int run = lf->io ? __atomic_load_n(&lf->io->run, __ATOMIC_RELAXED) : 0;
  bool uncached = run_ask(run) ? not_cached(lf->fd) : run < 0;
  if (lf->io) __atomic_store_n(&lf->io->run, run_next(run, uncached), __ATOMIC_RELAXED);
  /* the descriptor's status flags are known: local_open_read opened it O_RDONLY (F_SETFL ignores the access
   * mode), so no F_GETFL */
  if (uncached && fcntl(lf->fd, F_SETFL, O_DIRECT) == 0) {
    size_t want = (size + DIO_ALIGN - 1) & ~(size_t)(DIO_ALIGN - 1);
    while (off < size && off % DIO_ALIGN == 0) {
      ssize_t r = pread(lf->fd, p + off, want - off, (off_t)off);
      if (r > 0) {
        off += (size_t)r;
      } else if (r == 0) {
        free(p);
        return QB_FAIL(err, QB_ECORRUPT, "%s: truncated: file ended at offset %zu", f->path, off);
      } else if (errno != EINTR) {
        break; /* EINVAL: O_DIRECT refused after all; other errors: the ordinary read reports them */
      }
    }
    if (off > size) off = size; /* the file grew: its first `size` bytes */
    /* the rest, if any, reads ordinarily: the offset left may be unaligned */
    if (off < size && fcntl(lf->fd, F_SETFL, 0) != 0) {
      int e = errno;
      free(p);
      return QB_FAIL_ERRNO(err, QB_EIO, e, "%s: read at offset %zu", f->path, off);
    }
  }
  int rc = off < size ? lf_pread(f, p + off, size - off, off, err) : QB_OK;
  if (rc) {
    free(p);
    return rc;
  }
  *out = p;
  return QB_OK;
}

static const struct qb_file_ops local_file_ops = {lf_pread, lf_close, lf_read_once};

static int local_open_read(qb_fileio *io, const char *path, qb_file **out, qb_err *err)
{
  const char *p = local_path(path);
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever (the fstat below
   * then refuses it); no effect on a regular file's reads */
  int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "%s: open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return QB_FAIL_ERRNO(err, QB_EIO, e, "%s: stat", path);
  }
  if (!S_ISREG(st.st_mode)) { /* a directory, FIFO, device or socket (errno says nothing here) */
    close(fd);
    return QB_FAIL(err, QB_EINVAL, "%s: not a regular file", path);
  }
  local_file *lf = calloc(1, sizeof *lf);
  char *pc = strdup(path);
  if (!lf || !pc) {
    free(lf);
    free(pc);
    close(fd);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", path);
  }
  lf->base.ops = &local_file_ops;
  lf->base.size = (uint64_t)st.st_size;
  lf->base.path = pc;
  lf->fd = fd;
  lf->io = as_local(io);
  *out = &lf->base;
  return QB_OK;
}

/* Read-ahead of a plan's uncached files (qb_dir_reader_plan). An uncached file costs ~200 us of waiting for
 * the disk in its pread (plus its inode's read in openat when that is cold too), as much as half the CPU
 * an ingest spends on it: helper threads open and read the next planned files while the caller parses, so
 * the wait overlaps the parse. Threads doing the ordinary blocking calls, not Linux AIO or io_uring: openat
 * blocks on a cold inode under AIO as well, io_uring may be disabled (sysctl, seccomp) and has no Debian
 * library here; one thread's blocking preads keep up with the parse (~200 us of disk for ~400 us of CPU per
 * file), the second overlaps two requests when the disk is slower than the parse.
 * - Only when the caller's reads find two files in a row not cached (the run, see CACHE_RUN): a cached batch
 *   starts no thread and makes no extra system call; the plan costs it one callback and one strcmp per read.
 *   A cached batch that the kernel trims a few pages at a time (DAMON's reclaim does, on some machines) may
 *   still start them: the helpers ask about every file, leave the cached ones to the caller, and the first
 *   one found cached pauses the window (its queued files dropped) until the caller's reads again find two
 *   uncached files in a row.
 * - The same bytes and errors: a helper reads with O_DIRECT into an aligned buffer as ld_read_once does and
 *   hands a file over only when one pread returned exactly its hinted size; everything else (gone, a
 *   directory, EINVAL, a short or longer read, a file found cached) is read again by ld_read_once when asked
 *   for, which reports what it finds then.
 * - Bounded: at most RA_SLOTS files and RA_BYTES of buffers held ahead; a file over RA_FILE_MAX is not read
 *   ahead. Buffers are allocated by the caller's thread and freed there (dropped) or handed over. */
#define RA_THREADS 2
#define RA_SLOTS 64
#define RA_BYTES (8u << 20)
#define RA_FILE_MAX (1u << 20)
#define RA_SEARCH 64 /* a read this many plan entries past the next one still follows the plan */

enum { RA_QUEUED, RA_BUSY, RA_DONE };

typedef struct ra_slot {
  size_t k;      /* index in the plan */
  uint64_t hint; /* the plan's size */
  uint8_t *buf;  /* DIO_ALIGN-aligned, cap bytes */
  size_t cap;
  int state;  /* RA_*; guarded by ra.mu */
  bool whole; /* done: one O_DIRECT pread returned exactly `hint` bytes */
  bool cached; /* done: the helper found the file's first page cached, and did not read it */
  char name[NAME_MAX + 1];
} ra_slot;

typedef struct read_ahead {
  qb_dir_plan_fn fn; /* NULL: no plan */
  void *ctx;
  size_t cursor; /* the plan's next file expected */
  size_t fill;   /* the plan's next file to queue */
  bool plan_end; /* fn said `fill` is past the end */
  /* the window: slots[(head + i) % RA_SLOTS], i < count, in plan order */
  ra_slot slots[RA_SLOTS];
  size_t head, count, bytes;
  /* the helpers: started at the first uncached read of a plan, stopped by ld_close */
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  pthread_t th[RA_THREADS];
  int n_threads;
  bool paused; /* a helper found a planned file cached: nothing more queued until the caller's own reads find
                * two uncached files in a row */
  bool started; /* mu, work and done initialised (threads tried) */
  bool stop;
} read_ahead;

/* A directory held open for a batch's reads (qb_fileio_dir_reader_open): its descriptor, for openat(2). */
typedef struct local_dir {
  qb_dir_reader base;
  int fd;
  local_io *io; /* NULL when opened through a wrapper of this FileIO */
  read_ahead *ra; /* NULL until a plan is given */
  bool last_uncached; /* the last file this reader read was not cached (read-ahead starts at two in a row) */
} local_dir;

/* The size the file system gives, for a read that did not end at the hinted size: QB_OK with *size, or the
 * error ("not a regular file", the limit) naming `path`. */
static int fd_size(int fd, const char *path, size_t max_bytes, uint64_t *size, qb_err *err)
{
  struct stat st;
  if (fstat(fd, &st) != 0) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: stat", path);
  if (!S_ISREG(st.st_mode)) return QB_FAIL(err, QB_EINVAL, "%s: not a regular file", path);
  if ((uint64_t)st.st_size > max_bytes)
    return QB_FAIL(err, QB_ELIMIT, "%s: %llu bytes is more than the limit of %zu", path,
                   (unsigned long long)st.st_size, max_bytes);
  *size = (uint64_t)st.st_size;
  return QB_OK;
}

/* The name of `path` in the reader's directory (as qb_dir_reader_read_once finds it), or NULL. */
static const char *name_in(const qb_dir_reader *d, const char *path)
{
  size_t n = d->dir_n;
  const char *name = NULL;
  if (!strncmp(path, d->dir, n)) {
    if (n == 1 && d->dir[0] == '/')
      name = path + 1;
    else if (path[n] == '/')
      name = path + n + 1;
  }
  return name && *name && !strchr(name, '/') && strlen(name) <= NAME_MAX ? name : NULL;
}

/* A helper thread: reads the window's queued files, first queued first. */
static void *ra_main(void *arg)
{
  local_dir *d = arg;
  read_ahead *ra = d->ra;
  pthread_mutex_lock(&ra->mu);
  while (!ra->stop) {
    ra_slot *s = NULL;
    for (size_t i = 0; i < ra->count && !s; i++) {
      ra_slot *c = &ra->slots[(ra->head + i) % RA_SLOTS];
      if (c->state == RA_QUEUED) s = c;
    }
    if (!s) {
      pthread_cond_wait(&ra->work, &ra->mu);
      continue;
    }
    s->state = RA_BUSY; /* the caller leaves a busy slot alone (waits for it): its fields are ours */
    pthread_mutex_unlock(&ra->mu);
    bool whole = false, cached = false;
    int fd = openat(d->fd, s->name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_DIRECT);
    if (fd >= 0) {
      /* every file asked, not every CACHE_RUN-th as the caller's run asks: the question costs a system call
       * here, off the caller's path, and a cached file read from the disk costs far more (a page cache that
       * the kernel trims a few files at a time, as DAMON does, started the helpers on a cached batch, which
       * then read most of it past the cache) */
      if (!not_cached(fd)) { /* cached (or cannot tell): the caller reads it */
        cached = true;
      } else {
        ssize_t r;
        do r = pread(fd, s->buf, s->cap, 0);
        while (r < 0 && errno == EINTR);
        whole = r >= 0 && (uint64_t)r == s->hint;
      }
      close(fd);
    }
    pthread_mutex_lock(&ra->mu);
    s->whole = whole;
    s->cached = cached;
    s->state = RA_DONE;
    pthread_cond_broadcast(&ra->done);
  }
  pthread_mutex_unlock(&ra->mu);
  return NULL;
}

/* Drops the window's first file (mu held; not busy). */
static void ra_pop(read_ahead *ra)
{
  ra_slot *s = &ra->slots[ra->head];
  free(s->buf);
  s->buf = NULL;
  ra->bytes -= s->cap;
  ra->head = (ra->head + 1) % RA_SLOTS;
  ra->count--;
}

/* Drops the window's files before plan index `k` (all: SIZE_MAX), waiting for those being read. */
static void ra_drop_before(read_ahead *ra, size_t k)
{
  if (!ra->started) return; /* nothing was queued */
  pthread_mutex_lock(&ra->mu);
  while (ra->count && ra->slots[ra->head].k < k) {
    while (ra->slots[ra->head].state == RA_BUSY) pthread_cond_wait(&ra->done, &ra->mu);
    ra_pop(ra);
  }
  pthread_mutex_unlock(&ra->mu);
}

/* Starts the helpers (once per reader). With none (the thread limit), the plan reads nothing ahead. Their
 * signals are blocked: a SIGINT (--watch) goes to the caller's threads, as without read-ahead. */
static void ra_start(local_dir *d)
{
  read_ahead *ra = d->ra;
  ra->started = true;
  pthread_mutex_init(&ra->mu, NULL);
  pthread_cond_init(&ra->work, NULL);
  pthread_cond_init(&ra->done, NULL);
  while (ra->n_threads < RA_THREADS && qb_thread_start_quiet(&ra->th[ra->n_threads], ra_main, d) == 0)
    ra->n_threads++;
}

/* Queues the plan's next files while the window has room (the caller's read found the batch uncached). */
static void ra_fill(local_dir *d)
{
  read_ahead *ra = d->ra;
  if (ra->paused) return;
  if (!ra->started) ra_start(d);
  if (!ra->n_threads) return;
  /* topped up only once half empty, then in one go: the helpers are woken once per ~32 files, not per file
   * (each wake-up is a futex call and a context switch on each side) */
  if (ra->count > RA_SLOTS / 2 || ra->bytes > RA_BYTES / 2) return;
  bool queued = false;
  while (!ra->plan_end && ra->count < RA_SLOTS) {
    const char *path = NULL;
    uint64_t hint = QB_SIZE_UNKNOWN;
    if (!ra->fn(ra->ctx, ra->fill, &path, &hint)) {
      ra->plan_end = true;
      break;
    }
    const char *name = name_in(&d->base, path);
    if (!name || hint > RA_FILE_MAX) { /* read when asked for, as without a plan */
      ra->fill++;
      continue;
    }
    size_t cap = ((size_t)hint + 1 + DIO_ALIGN - 1) & ~(size_t)(DIO_ALIGN - 1);
    if (ra->bytes + cap > RA_BYTES) break;
    void *mem = NULL;
    if (posix_memalign(&mem, DIO_ALIGN, cap) != 0) break; /* no memory: read when asked for */
    pthread_mutex_lock(&ra->mu);
    ra_slot *s = &ra->slots[(ra->head + ra->count) % RA_SLOTS];
    s->k = ra->fill;
    s->hint = hint;
    s->buf = mem;
    s->cap = cap;
    s->state = RA_QUEUED;
    s->whole = s->cached = false;
    strcpy(s->name, name);
    ra->count++;
    ra->bytes += cap;
    pthread_mutex_unlock(&ra->mu);
    ra->fill++;
    queued = true;
  }
  if (queued) {
    pthread_mutex_lock(&ra->mu);
    pthread_cond_broadcast(&ra->work);
    pthread_mutex_unlock(&ra->mu);
  }
}

/* The read of `path` against the plan: 1 with *out and *out_n when its file was read ahead whole at the size
 * asked (`hint`, within `max_bytes`), else 0 (read it as without a plan). Moves the plan's cursor past a
 * planned path; *cached: the helper found the file cached. */
static int ra_take(local_dir *d, const char *path, uint64_t hint, size_t max_bytes, uint8_t **out, size_t *out_n,
                   bool *cached)
{
  read_ahead *ra = d->ra;
  size_t k = ra->cursor;
  for (;; k++) {
    const char *pp = NULL;
    uint64_t ph;
    if (k == ra->cursor + RA_SEARCH || !ra->fn(ra->ctx, k, &pp, &ph)) return 0; /* not planned */
    if (!strcmp(pp, path)) break;
  }
  ra->cursor = k + 1;
  if (ra->fill < ra->cursor) ra->fill = ra->cursor;
  if (!ra->count) return 0;
  ra_drop_before(ra, k);
  int served = 0;
  pthread_mutex_lock(&ra->mu);
  ra_slot *s = &ra->slots[ra->head];
  if (ra->count && s->k == k) {
    while (s->state != RA_DONE) pthread_cond_wait(&ra->done, &ra->mu);
    if (s->whole && s->hint == hint && hint <= max_bytes) {
      s->buf[hint] = '\0'; /* cap > hint */
      *out = s->buf;
      *out_n = (size_t)hint;
      s->buf = NULL;
      served = 1;
    }
    *cached = s->cached;
    ra_pop(ra);
    if (*cached) { /* the batch (or this part of it) is cached: the files queued after it are not read */
      ra->paused = true;
      while (ra->count && ra->slots[(ra->head + ra->count - 1) % RA_SLOTS].state == RA_QUEUED) {
        ra_slot *t = &ra->slots[(ra->head + ra->count - 1) % RA_SLOTS];
        free(t->buf);
        t->buf = NULL;
        ra->bytes -= t->cap;
        ra->count--;
      }
      ra->fill = ra->count ? ra->slots[(ra->head + ra->count - 1) % RA_SLOTS].k + 1 : ra->cursor;
      ra->plan_end = false; /* the dropped files are the plan's again */
    }
  }
  pthread_mutex_unlock(&ra->mu);
  return served;
}

static void ld_plan(qb_dir_reader *dr, qb_dir_plan_fn fn, void *ctx)
{
  local_dir *d = (local_dir *)dr;
  if (!d->ra) {
    if (!fn) return;
    if (!(d->ra = calloc(1, sizeof *d->ra))) return; /* no read-ahead: a plan is a hint */
  }
  read_ahead *ra = d->ra;
  ra_drop_before(ra, SIZE_MAX);
  ra->fn = fn;
  ra->ctx = ctx;
  ra->cursor = ra->fill = 0;
  ra->plan_end = false;
  ra->paused = false;
}

/* read_once of `name` in the held directory: 3 system calls for a file whose size the listing gave (openat,
 * pread, close; cachestat for a file the run asks about, see CACHE_RUN), where read_once by path takes 7
 * (open, fstat, cachestat, fcntl, pread, close, plus the walk of every component of the path in open).
 * - A file taken as not cached is opened with O_DIRECT at once when the run before it was not cached (an
 *   F_SETFL only when the question says otherwise), and read into a 4096-aligned buffer of round_up(hint + 1,
 *   4096) bytes with one pread of the whole buffer: whole blocks, straight from the disk.
 * - The read ending at the hinted size is taken as the file's end: the listing's stat said so, and a pread
 *   of a regular file returns less than asked only at its end. No fstat then.
 * - Any other outcome (the file ended before the hint or filled the buffer: changed or replaced since the
 *   listing; no hint) asks fstat for the size, checks it is a regular file within the limit, and reads the
 *   rest, if any, with the ordinary pread ("truncated" if it ends before that size). A directory put in the
 *   file's place fails EISDIR at the read (or EINVAL at an O_DIRECT open, then opened plainly): "not a
 *   regular file".
 * - O_DIRECT refused (EINVAL at open or at the read: tmpfs before 6.6, some network file systems) or a read
 *   that leaves an unaligned offset: the ordinary pread for the rest, as lf_read_once does. */
static int ld_read_once(qb_dir_reader *dr, const char *path, const char *name, uint64_t hint, size_t max_bytes,
                        uint8_t **out, size_t *out_n, qb_err *err)
{
  local_dir *d = (local_dir *)dr;
  if (hint >= SIZE_MAX - DIO_ALIGN || hint > max_bytes) hint = QB_SIZE_UNKNOWN; /* fstat decides */
  bool planned = d->ra && d->ra->fn, ahead_cached = false;
  if (planned && ra_take(d, path, hint, max_bytes, out, out_n, &ahead_cached)) {
    if (d->io) { /* a file found uncached, as the caller's own question would have found it */
      int run = __atomic_load_n(&d->io->run, __ATOMIC_RELAXED);
      __atomic_store_n(&d->io->run, run_next(run, true), __ATOMIC_RELAXED);
    }
    d->last_uncached = true;
    ra_fill(d);
    return QB_OK;
  }
  /* the helper found it cached: the batch may have turned; this read asks (run 0), as a new batch does */
  if (ahead_cached && d->io) __atomic_store_n(&d->io->run, 0, __ATOMIC_RELAXED);
  int run = d->io ? __atomic_load_n(&d->io->run, __ATOMIC_RELAXED) : 0;
  bool direct = run < 0;
  /* O_NONBLOCK: a FIFO in the file's place must not wait for a writer (its read fails ESPIPE) */
  int fd = openat(d->fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (direct ? O_DIRECT : 0));
  if (fd < 0 && direct && errno == EINVAL) { /* no O_DIRECT here (or a directory in the file's place) */
    direct = false;
    fd = openat(d->fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  }
  if (fd < 0) return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "%s: open", path);
  int rc = QB_OK;
  uint64_t size = hint;
  bool known = hint != QB_SIZE_UNKNOWN; /* false: fstat's size, exact */
  if (!known && (rc = fd_size(fd, path, max_bytes, &size, err)) != QB_OK) {
    close(fd);
    return rc;
  }
  bool uncached = run_ask(run) ? not_cached(fd) : run < 0;
  if (d->io) __atomic_store_n(&d->io->run, run_next(run, uncached), __ATOMIC_RELAXED);
  if (uncached != direct && fcntl(fd, F_SETFL, uncached ? O_DIRECT : 0) == 0) direct = uncached;
  /* the next files are read while this one is, once two files in a row were not cached: one alone is more
   * often a cached batch with a page or two evicted than the start of an uncached one */
  if (uncached && d->last_uncached && planned) {
    d->ra->paused = false;
    ra_fill(d);
  }
  d->last_uncached = uncached;
  size_t cap = ((size_t)size + 1 + DIO_ALIGN - 1) & ~(size_t)(DIO_ALIGN - 1);
  void *mem = NULL;
  if (posix_memalign(&mem, DIO_ALIGN, cap) != 0) {
    close(fd);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory reading %llu bytes", path, (unsigned long long)size);
  }
  uint8_t *p = mem;
  size_t off = 0;
  /* known: up to the whole buffer, one byte past the hint, so a file that grew shows it; else the size */
  size_t want = known ? cap : (size_t)size;
  while (rc == QB_OK && off < want) {
    if (direct && off % DIO_ALIGN) { /* a short O_DIRECT read: the rest ordinarily */
      if (fcntl(fd, F_SETFL, 0) != 0) {
        rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read at offset %zu", path, off);
        break;
      }
      direct = false;
    }
    /* O_DIRECT reads whole blocks: up to the buffer's end (cap is a multiple of the block) */
    ssize_t r = pread(fd, p + off, (direct ? cap : want) - off, (off_t)off);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (direct && errno == EINVAL && fcntl(fd, F_SETFL, 0) == 0) { /* O_DIRECT refused after all */
        direct = false;
        continue;
      }
      if (errno == EISDIR || errno == ESPIPE) /* a directory or a FIFO */
        rc = QB_FAIL(err, QB_EINVAL, "%s: not a regular file", path);
      else
        rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read at offset %zu", path, off);
      break;
    }
    if (r == 0) break;
    off += (size_t)r;
    if (off == size) break; /* the end the listing (or fstat) gave */
  }
  if (rc == QB_OK && off != size && known) {
    /* not the listed size: the file changed since the listing; the file system says how big it is now */
    uint64_t now;
    if ((rc = fd_size(fd, path, max_bytes, &now, err)) == QB_OK) {
      size = now;
      known = false;
      if ((size_t)size + 1 > cap) { /* it grew: a larger buffer; the rest is read ordinarily */
        uint8_t *g = realloc(p, (size_t)size + 1);
        if (!g) rc = QB_FAIL(err, QB_ENOMEM, "%s: out of memory reading %llu bytes", path, (unsigned long long)size);
        else p = g;
      }
      if (rc == QB_OK && direct && off < size && fcntl(fd, F_SETFL, 0) != 0)
        rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read at offset %zu", path, off);
      while (rc == QB_OK && off < size) {
        ssize_t r = pread(fd, p + off, (size_t)size - off, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: read at offset %zu", path, off);
        else if (r == 0) break;
        else off += (size_t)r;
      }
    }
  }
  if (rc == QB_OK && off < size)
    rc = QB_FAIL(err, QB_ECORRUPT, "%s: truncated: file ended at offset %zu", path, off);
  close(fd);
  if (rc) {
    free(p);
    return rc;
  }
  p[size] = '\0'; /* a file that grew past fstat's size between the two: its first `size` bytes */
  *out = p;
  *out_n = (size_t)size;
  return QB_OK;
}

static void ld_close(qb_dir_reader *dr)
{
  local_dir *d = (local_dir *)dr;
  read_ahead *ra = d->ra;
  if (ra && ra->started) {
    pthread_mutex_lock(&ra->mu);
    ra->stop = true;
    pthread_cond_broadcast(&ra->work);
    pthread_mutex_unlock(&ra->mu);
    for (int i = 0; i < ra->n_threads; i++) pthread_join(ra->th[i], NULL);
    while (ra->count) ra_pop(ra); /* no helper left: none busy */
    pthread_cond_destroy(&ra->done);
    pthread_cond_destroy(&ra->work);
    pthread_mutex_destroy(&ra->mu);
  }
  free(ra);
  close(d->fd); /* after the helpers' last openat */
}

static const struct qb_dir_reader_ops local_dir_reader_ops = {ld_read_once, ld_close, ld_plan};

static int local_dir_reader_open(qb_fileio *io, const char *dir, qb_dir_reader **out, qb_err *err)
{
  const char *p = local_path(dir);
  /* O_PATH: the descriptor only anchors openat, no read permission on the directory needed */
  int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return QB_FAIL_ERRNO(err, errno == ENOENT || errno == ENOTDIR ? QB_ENOTFOUND : QB_EIO, errno, "%s: open", dir);
  local_dir *d = calloc(1, sizeof *d);
  if (!d) {
    close(fd);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", dir);
  }
  d->base.ops = &local_dir_reader_ops;
  d->fd = fd;
  d->io = as_local(io);
  *out = &d->base;
  return QB_OK;
}

static int fsync_dir(const char *dir);

/* The directory part of `p` into `dir` ("." for a bare name, "/" for a name under the root). Returns 0, or
 * -1 with errno ENAMETOOLONG. */
static int parent_of(const char *p, char dir[PATH_MAX])
{
  const char *slash = strrchr(p, '/');
  if (!slash) { /* a name in the working directory */
    dir[0] = '.';
    dir[1] = '\0';
    return 0;
  }
  size_t n = slash == p ? 1 : (size_t)(slash - p);
  if (n >= PATH_MAX) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(dir, p, n);
  dir[n] = '\0';
  return 0;
}

static const struct qb_fileio_ops local_ops;

/* The local FileIO behind `io`, or NULL when `io` is another FileIO that borrowed this file's directory
 * operations (a wrapper copying the vtable passes itself): those sync each directory at once, as before the
 * set existed. */
static local_io *as_local(qb_fileio *io) { return io && io->ops == &local_ops ? (local_io *)io : NULL; }

/* Adds the directory holding `p` to the set to sync (once: a directory already in it is not added again);
 * without a set (io NULL), fsyncs it now. Returns 0, or -1 with errno. */
static int mark_parent_dirty(local_io *io, const char *p)
{
  char dir[PATH_MAX];
  if (parent_of(p, dir) != 0) return -1;
  if (!io) return fsync_dir(dir);
  pthread_mutex_lock(&io->mu);
  int r = 0;
  size_t i = 0;
  while (i < io->n_dirty && strcmp(io->dirty[i], dir) != 0) i++;
  if (i == io->n_dirty) {
    char *d = strdup(dir);
    if (d && io->n_dirty == io->cap_dirty) {
      size_t cap = io->cap_dirty ? io->cap_dirty * 2 : 16;
      char **g = realloc(io->dirty, cap * sizeof *g);
      if (g) {
        io->dirty = g;
        io->cap_dirty = cap;
      } else {
        free(d);
        d = NULL;
      }
    }
    if (d)
      io->dirty[io->n_dirty++] = d;
    else {
      errno = ENOMEM;
      r = -1;
    }
  }
  pthread_mutex_unlock(&io->mu);
  return r;
}

/* fsync of every directory in the set, each once; a synced directory leaves the set, one that failed stays
 * (and the error is returned: -1 with errno). The lock is held across the fsyncs: a thread that finds the set
 * empty must not go on to publish while another thread is still syncing the directories it took out. */
static int sync_dirty(local_io *io)
{
  if (!io) return 0;
  pthread_mutex_lock(&io->mu);
  int r = 0, e = 0;
  size_t kept = 0;
  for (size_t i = 0; i < io->n_dirty; i++) {
    if (fsync_dir(io->dirty[i]) == 0) {
      free(io->dirty[i]);
      continue;
    }
    if (!r) e = errno;
    r = -1;
    io->dirty[kept++] = io->dirty[i];
  }
  io->n_dirty = kept;
  pthread_mutex_unlock(&io->mu);
  if (r) errno = e;
  return r;
}

/* mkdir of one directory: its name lives in its parent, which goes into the set to sync (the next durable
 * publish syncs it, so a data file cannot outlive a power loss while the partition directory holding it did
 * not). An existing directory costs the mkdir alone. Returns 0, or -1 with errno (EEXIST included: the
 * caller decides what it means). */
static int mkdir_durable(local_io *io, const char *dir)
{
  if (mkdir(dir, 0777) != 0) return -1;
  if (mark_parent_dirty(io, dir) != 0) return -1;
  return 0;
}

/* mkdir -p of `dir` (a writable path, restored on return): the directory itself is tried first and the walk
 * goes up only on ENOENT, so when its parent exists it costs one mkdir, not one per level (an ingest
 * batch writes hundreds of files under a handful of existing directories). Each directory created goes into
 * the set to sync with its parent (mkdir_durable). Returns 0 or an errno. */
static int mkdir_p(local_io *io, char *dir)
{
  if (mkdir_durable(io, dir) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return errno;
  char *slash = strrchr(dir, '/');
  while (slash && slash > dir && slash[1] == '\0') { /* "a/b/": the slash that ends the parent */
    char *s = slash;
    *s = '\0';
    slash = strrchr(dir, '/');
    *s = '/';
  }
  if (!slash || slash == dir) return ENOENT;
  *slash = '\0';
  int e = mkdir_p(io, dir);
  *slash = '/';
  if (e) return e;
  return mkdir_durable(io, dir) == 0 || errno == EEXIST ? 0 : errno;
}

/* mkdir -p of the parent directory of `p`. Callers try their open/rename first and come here only on
 * ENOENT: an existing directory then costs no system call at all. */
static int make_parents(local_io *io, const char *p, qb_err *err)
{
  char tmp[PATH_MAX];
  const char *slash = strrchr(p, '/');
  if (!slash || slash == p) return QB_OK; /* in the working directory, or under "/" */
  size_t n = (size_t)(slash - p);
  if (n >= sizeof tmp) return QB_FAIL(err, QB_EINVAL, "%s: path too long", p);
  memcpy(tmp, p, n);
  tmp[n] = '\0';
  int e = mkdir_p(io, tmp);
  if (e) return QB_FAIL_ERRNO(err, QB_EIO, e, "%s: creating directory %s", p, tmp);
  return QB_OK;
}

static int fsync_parent(const char *p)
{
  char dir[PATH_MAX];
  if (parent_of(p, dir) != 0) return -1;
  return fsync_dir(dir);
}

static int fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int r = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return r;
}

/* Large files are written past the page cache. Buffered, each 4 KiB of a file cost the kernel a page-cache
 * folio allocated, its buffer heads and delayed allocation (ext4_da_write_begin), the copy, and at fsync the
 * writeback walking those folios again (~3.5% of an ingest's cycles at 20,000 files, whose Parquet data files
 * are MBs). With O_DIRECT whole blocks go from an aligned buffer to the disk: the kernel allocates the extent
 * and submits the I/O, no folios. A file starts buffered (metadata JSON, manifests and small data files never
 * pass DIO_WSTART: the cache keeps them for the reads that follow soon); once its offset passes DIO_WSTART,
 * the bytes up to the next DIO_ALIGN boundary are written buffered and O_DIRECT is set on the descriptor
 * (which only this writer uses); from then on bytes are staged in a DIO_ALIGN-aligned buffer of DIO_WBUF
 * bytes and written a full buffer at a time; at close the whole blocks left go with O_DIRECT and the tail
 * (< DIO_ALIGN bytes) with O_DIRECT cleared. Nothing else changes: the fsync before publishing still makes
 * the size and the extents durable (and flushes the disk's write cache), and the publish protocol is the
 * same. A file system that refuses O_DIRECT (fcntl or a write fails with EINVAL: tmpfs before 6.6, some
 * network file systems, larger alignments) gets ordinary writes for the rest of that file, and the FileIO
 * remembers it (no_direct_writes) so later files do not try. Every byte goes through the staging buffer (one
 * user-space copy, as the kernel's copy into the cache was): the caller's pieces are neither aligned in
 * memory nor block-sized. Such a file is not in the cache afterwards: a reader soon after (the ingest's
 * feature phase scans the data files it wrote) reads it from the disk (docs/BENCHMARKS.md, "Session 23:
 * diow"). Larger buffered writes (1 MiB) instead saved less kernel work: the cost is per folio. DIO_WBUF:
 * a fan-out writer has several large files open at once, each with its buffer (1 MiB buffers: +12 MiB peak
 * RSS at 2,000 files, 256 KiB: +2.5 MiB, for the same kernel work within noise). */
#define DIO_WSTART (256 * 1024)
#define DIO_WBUF (256 * 1024)

typedef struct local_writer {
  qb_writer base;
  local_io *io;
  int fd;
  qb_create_mode mode;
  char *final_path; /* local path to publish */
  char *tmp_path;
  uint64_t flushed; /* bytes handed to the kernel: the descriptor's offset */
  uint8_t *dbuf;    /* staging buffer (DIO_WBUF, aligned) once the file passed DIO_WSTART; NULL before */
  size_t dn;        /* bytes in dbuf */
  bool direct;      /* O_DIRECT is set on fd */
  bool no_dio;      /* this file stays buffered (the FileIO said so, or the switch failed) */
  size_t n;         /* bytes in buf (only before dbuf exists) */
  uint8_t buf[LOCAL_WBUF];
} local_writer;

/* Clear (on = false) or set O_DIRECT on `fd`. */
static int set_direct(int fd, bool on)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return -1;
  return fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}

/* The FileIO's file system refuses O_DIRECT writes: this file continues with ordinary writes (the bytes of
 * the refused write are written again that way by the caller), later files do not try. */
static void remember_refusal(local_io *io)
{
  if (io) __atomic_store_n(&io->no_direct_writes, 1, __ATOMIC_RELAXED);
}

static int refuse_direct(local_writer *w)
{
  remember_refusal(w->io);
  w->direct = false;
  return set_direct(w->fd, false);
}

/* All `n` bytes at the descriptor's offset. An O_DIRECT write refused with EINVAL (the file system, or an
 * offset left unaligned by a short write) is retried as an ordinary one. */
static int write_all(local_writer *w, const uint8_t *p, size_t n, qb_err *err)
{
  while (n) {
    ssize_t r = write(w->fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && w->direct && refuse_direct(w) == 0) continue;
      return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: write", w->base.path);
    }
    p += r;
    n -= (size_t)r;
    w->flushed += (uint64_t)r;
  }
  return QB_OK;
}

static int lw_flush(local_writer *w, qb_err *err)
{
  int rc = write_all(w, w->buf, w->n, err);
  w->n = 0;
  return rc;
}

/* Switch to staging in dbuf if the file has passed DIO_WSTART; `*s`/`*n` lose the bytes written buffered to
 * reach the block boundary. Leaves dbuf NULL (keep writing buffered) when the boundary is not reached within
 * this piece, and sets no_dio when O_DIRECT cannot be had (then the file stays buffered). */
static int begin_direct(local_writer *w, const uint8_t **s, size_t *n, qb_err *err)
{
  uint64_t at = w->flushed + w->n;
  size_t head = (size_t)(-at & (DIO_ALIGN - 1));
  if (head > *n) return QB_OK; /* not there yet: buffered, and asked again at the next piece */
  if (w->io && __atomic_load_n(&w->io->no_direct_writes, __ATOMIC_RELAXED)) { /* io NULL: a wrapper's writer */
    w->no_dio = true;
    return QB_OK;
  }
  int rc;
  if (w->n + head > LOCAL_WBUF && (rc = lw_flush(w, err)) != QB_OK) return rc;
  memcpy(w->buf + w->n, *s, head);
  w->n += head;
  *s += head;
  *n -= head;
  if ((rc = lw_flush(w, err)) != QB_OK) return rc;
  void *b;
  if (posix_memalign(&b, DIO_ALIGN, DIO_WBUF) != 0) { /* no memory for it: buffered, as before */
    w->no_dio = true;
    return QB_OK;
  }
  if (set_direct(w->fd, true) != 0) { /* EINVAL: this file system has no O_DIRECT */
    if (errno == EINVAL) remember_refusal(w->io);
    free(b);
    w->no_dio = true;
    return QB_OK;
  }
  w->dbuf = b;
  w->direct = true;
  return QB_OK;
}

/* Append to dbuf, writing it whenever full. */
static int stage(local_writer *w, const uint8_t *s, size_t n, qb_err *err)
{
  while (n) {
    size_t k = DIO_WBUF - w->dn;
    if (k > n) k = n;
    memcpy(w->dbuf + w->dn, s, k);
    w->dn += k;
    s += k;
    n -= k;
    if (w->dn == DIO_WBUF) {
      int rc = write_all(w, w->dbuf, DIO_WBUF, err);
      w->dn = 0;
      if (rc) return rc;
    }
  }
  return QB_OK;
}

/* The bytes still staged: whole blocks (O_DIRECT), then the tail with O_DIRECT cleared. */
static int flush_staged(local_writer *w, qb_err *err)
{
  size_t whole = w->dn & ~(size_t)(DIO_ALIGN - 1);
  int rc = write_all(w, w->dbuf, whole, err);
  if (rc == QB_OK && w->dn > whole) {
    if (w->direct) {
      if (set_direct(w->fd, false) != 0) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fcntl", w->base.path);
      w->direct = false;
    }
    rc = write_all(w, w->dbuf + whole, w->dn - whole, err);
  }
  w->dn = 0;
  return rc;
}

static int lw_write(qb_writer *wb, const void *p, size_t n, qb_err *err)
{
  local_writer *w = (local_writer *)wb;
  const uint8_t *s = p;
  if (!w->dbuf && !w->no_dio && w->flushed + w->n + n >= DIO_WSTART) {
    int rc = begin_direct(w, &s, &n, err);
    if (rc) return rc;
  }
  if (w->dbuf) return stage(w, s, n, err);
  if (n >= LOCAL_WBUF) {
    /* a large piece goes to the file as it is: gathering it in the buffer would only copy it once more */
    int rc = lw_flush(w, err);
    return rc ? rc : write_all(w, s, n, err);
  }
  while (n) {
    if (w->n == LOCAL_WBUF) {
      int rc = lw_flush(w, err);
      if (rc) return rc;
    }
    size_t k = LOCAL_WBUF - w->n;
    if (k > n) k = n;
    memcpy(w->buf + w->n, s, k);
    w->n += k;
    s += k;
    n -= k;
  }
  return QB_OK;
}

static void lw_free(local_writer *w)
{
  free(w->base.path);
  free(w->final_path);
  free(w->tmp_path);
  free(w->dbuf);
  free(w);
}

static void lw_abort(qb_writer *wb)
{
  local_writer *w = (local_writer *)wb;
  if (w->fd >= 0) close(w->fd);
  unlink(w->tmp_path);
  lw_free(w);
}

/* Create-exclusive publish: renameat2(RENAME_NOREPLACE) moves the temporary file to its name unless the
 * name exists, atomically, in one call; file systems without it (EINVAL: e.g. NFS, older kernels) take
 * link(2), which fails with EEXIST as atomically, and the unlink of the temporary name. On failure the
 * temporary file is still there: the caller removes it. */
static int publish_exclusive(const char *tmp, const char *final, const char *path, qb_err *err)
{
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0) return QB_OK;
  if (errno == EEXIST) return QB_FAIL(err, QB_EEXISTS, "%s: already exists", path);
  if (errno != EINVAL && errno != ENOSYS) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: publishing (rename)", path);
  if (link(tmp, final) != 0)
    return errno == EEXIST ? QB_FAIL(err, QB_EEXISTS, "%s: already exists", path)
                           : QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: publishing (link)", path);
  unlink(tmp);
  return QB_OK;
}

static int lw_close(qb_writer *wb, qb_err *err)
{
  local_writer *w = (local_writer *)wb;
  int rc = w->dbuf ? flush_staged(w, err) : lw_flush(w, err);
  bool durable = w->mode != QB_CREATE_OVERWRITE_VOLATILE;
  if (rc == QB_OK && durable && fsync(w->fd) != 0) rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fsync", wb->path);
  if (close(w->fd) != 0 && rc == QB_OK) rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: close", wb->path);
  w->fd = -1;
  bool batched = w->mode == QB_CREATE_EXCLUSIVE_BATCHED;
  /* a durable publish may make files reachable that were published (or directories created) before it:
   * their names are made durable first, before this name appears */
  if (rc == QB_OK && durable && !batched && sync_dirty(w->io) != 0)
    rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fsync of the directories written before it", wb->path);
  if (rc == QB_OK) {
    if (w->mode == QB_CREATE_EXCLUSIVE || batched) {
      rc = publish_exclusive(w->tmp_path, w->final_path, wb->path, err);
    } else if (rename(w->tmp_path, w->final_path) != 0) {
      rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: publishing (rename)", wb->path);
    }
  }
  /* batched: the next durable publish through this FileIO fsyncs the directory, with this name in it */
  if (rc == QB_OK && batched && mark_parent_dirty(w->io, w->final_path) != 0)
    rc = QB_FAIL_ERRNO(err, QB_ENOMEM, errno, "%s: recording the directory to sync", wb->path);
  if (rc == QB_OK && durable && !batched && fsync_parent(w->final_path) != 0)
    rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fsync of the directory", wb->path);
  if (rc != QB_OK) unlink(w->tmp_path);
  lw_free(w);
  return rc;
}

static const struct qb_writer_ops local_writer_ops = {lw_write, lw_close, lw_abort};

static int local_create(qb_fileio *io, const char *path, qb_create_mode mode, qb_writer **out, qb_err *err)
{
  const char *p = local_path(path);
  int rc;
  /* not calloc: zeroing the 256 KB buffer cost more than writing a small file */
  local_writer *w = malloc(sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", path);
  memset(w, 0, offsetof(local_writer, buf));
  w->fd = -1;
  w->mode = mode;
  w->io = as_local(io);
  const char *slash = strrchr(p, '/');
  int dirlen = slash ? (int)(slash - p + 1) : 0;
  w->base.ops = &local_writer_ops;
  w->base.path = strdup(path);
  w->final_path = strdup(p);
  /* remove-orphans matches exactly this form to take what a killed writer left (maintenance/remove_orphans.c) */
  w->tmp_path = qb_str_printf("%.*s.%s.%016llx.tmp", dirlen, p, slash ? slash + 1 : p,
                              (unsigned long long)qb_random_u64());
  if (!w->base.path || !w->final_path || !w->tmp_path) {
    lw_free(w);
    return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", path);
  }
  if ((mode == QB_CREATE_EXCLUSIVE || mode == QB_CREATE_EXCLUSIVE_BATCHED) && access(p, F_OK) == 0) {
    lw_free(w);
    return QB_FAIL(err, QB_EEXISTS, "%s: already exists", path);
  }
  w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (w->fd < 0 && errno == ENOENT) { /* the first file of its directory */
    if ((rc = make_parents(as_local(io), p, err)) != QB_OK) {
      lw_free(w);
      return rc;
    }
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (w->fd < 0) {
    rc = QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: creating temporary file", path);
    lw_free(w);
    return rc;
  }
  *out = &w->base;
  return QB_OK;
}

static int local_stat(qb_fileio *io, const char *path, qb_stat *out, qb_err *err)
{
  struct stat st;
  if (stat(local_path(path), &st) != 0)
    return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "%s: stat", path);
  out->size_bytes = (uint64_t)st.st_size;
  out->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
  return QB_OK;
}

static int local_remove(qb_fileio *io, const char *path, qb_err *err)
{
  if (unlink(local_path(path)) != 0 && errno != ENOENT)
    return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: delete", path);
  return QB_OK;
}

/* Deleting many files (maintenance removes thousands at once): a few threads unlink stripes of the list, as
 * Java's cleanup runs deletes on an executor; unlink waits on the file system's journal and inode locks, so the
 * threads overlap those waits. Small lists are deleted inline: a thread costs more than a few unlinks. */
enum { REMOVE_THREADS = 4, REMOVE_INLINE_MAX = 64 };

typedef struct remove_stripe {
  const char *const *paths;
  size_t n, first, step;
  int rc;
  qb_err err;
} remove_stripe;

static void *remove_stripe_run(void *arg)
{
  remove_stripe *st = arg;
  for (size_t i = st->first; i < st->n && !st->rc; i += st->step) st->rc = local_remove(NULL, st->paths[i], &st->err);
  return NULL;
}

static int local_remove_many(qb_fileio *io, const char *const *paths, size_t n, qb_err *err)
{
  (void)io;
  if (n <= REMOVE_INLINE_MAX) {
    for (size_t i = 0; i < n; i++) {
      int rc = local_remove(NULL, paths[i], err);
      if (rc) return rc;
    }
    return QB_OK;
  }
  remove_stripe st[REMOVE_THREADS];
  pthread_t th[REMOVE_THREADS];
  bool started[REMOVE_THREADS];
  for (size_t t = 0; t < REMOVE_THREADS; t++) {
    st[t] = (remove_stripe){paths, n, t, REMOVE_THREADS, QB_OK, QB_ERR_INIT};
    /* The calling thread takes stripe 0, and any stripe whose thread could not start. */
    started[t] = t > 0 && pthread_create(&th[t], NULL, remove_stripe_run, &st[t]) == 0;
  }
  for (size_t t = 0; t < REMOVE_THREADS; t++)
    if (!started[t]) remove_stripe_run(&st[t]);
  for (size_t t = 1; t < REMOVE_THREADS; t++)
    if (started[t]) pthread_join(th[t], NULL);
  for (size_t t = 0; t < REMOVE_THREADS; t++)
    if (st[t].rc) {
      if (err) *err = st[t].err;
      return st[t].rc;
    }
  return QB_OK;
}

/* Walk `dir` recursively; report regular files whose path starts with `prefix` (and that `want`, when
 * given, wants: asked before the stat when readdir gives the entry's type). Hidden temporary files of
 * unfinished writers (".name.<hex>.tmp") are reported too: orphan cleanup must see them. */
static int walk(const char *dir, const char *prefix, qb_list_want_fn want, qb_list_fn fn, void *ctx, qb_err *err)
{
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return QB_OK;
    return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: list", dir);
  }
  int rc = QB_OK;
  struct dirent *e;
  size_t plen = strlen(prefix);
  /* each entry's path is dir + '/' + name, joined by hand: formatting it was ~2,000 instructions per raw
   * file of an ingest's listing */
  size_t dlen = strlen(dir), slash = dlen && dir[dlen - 1] == '/' ? 0 : 1;
  while (rc == QB_OK && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    size_t elen = strlen(e->d_name), n = dlen + slash + elen;
    char *p = malloc(n + 1);
    if (!p) {
      rc = QB_FAIL(err, QB_ENOMEM, "out of memory listing %s", dir);
      break;
    }
    memcpy(p, dir, dlen);
    p[dlen] = '/'; /* overwritten by the name when dir ends with '/' */
    memcpy(p + dlen + slash, e->d_name, elen + 1);
    bool under = strncmp(p, prefix, n < plen ? n : plen) == 0;
    struct stat st;
    /* the entry's type from readdir where the file system gives it: a directory needs no stat, and a file
     * is stat'ed relative to the open directory (no walk of the whole path again) */
    if (e->d_type == DT_DIR) {
      if (under) rc = walk(p, prefix, want, fn, ctx, err);
    } else if (under && e->d_type == DT_REG && n >= plen && want && !want(ctx, p)) {
      /* skipped before its stat */
    } else if (under && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (S_ISDIR(st.st_mode)) {
        rc = walk(p, prefix, want, fn, ctx, err);
      } else if (S_ISREG(st.st_mode) && n >= plen && (e->d_type == DT_REG || !want || want(ctx, p))) {
        qb_stat qs = {(uint64_t)st.st_size, (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000};
        rc = fn(ctx, p, &qs, err);
      }
    }
    free(p);
  }
  closedir(d);
  return rc;
}

static int local_list_filtered(qb_fileio *io, const char *prefix, qb_list_want_fn want, qb_list_fn fn, void *ctx,
                               qb_err *err)
{
  const char *p = local_path(prefix);
  struct stat st;
  if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) return walk(p, p, want, fn, ctx, err);
  /* a prefix that is not a directory: walk its parent and filter by the prefix */
  char dir[PATH_MAX];
  const char *slash = strrchr(p, '/');
  size_t n = slash ? (slash == p ? 1 : (size_t)(slash - p)) : 1;
  if (n >= sizeof dir) return QB_FAIL(err, QB_EINVAL, "%s: path too long", prefix);
  if (slash)
    memcpy(dir, p, n);
  else
    dir[0] = '.';
  dir[n] = '\0';
  return walk(dir, p, want, fn, ctx, err);
}

static int local_list(qb_fileio *io, const char *prefix, qb_list_fn fn, void *ctx, qb_err *err)
{
  return local_list_filtered(io, prefix, NULL, fn, ctx, err);
}

static int local_list_dir(qb_fileio *io, const char *dir, qb_dir_fn fn, void *ctx, qb_err *err)
{
  const char *p = local_path(dir);
  DIR *d = opendir(p);
  if (!d) return QB_FAIL_ERRNO(err, errno == ENOENT || errno == ENOTDIR ? QB_ENOTFOUND : QB_EIO, errno, "%s: list", dir);
  int rc = QB_OK;
  struct dirent *e;
  while (rc == QB_OK && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st;
      is_dir = fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    rc = fn(ctx, e->d_name, is_dir, err);
  }
  closedir(d);
  return rc;
}

static int local_mkdir(qb_fileio *io, const char *dir, qb_err *err)
{
  const char *p = local_path(dir);
  char *d = strdup(p);
  if (!d) return QB_FAIL(err, QB_ENOMEM, "%s: out of memory", dir);
  int e = mkdir_p(as_local(io), d);
  free(d);
  if (e) return QB_FAIL_ERRNO(err, QB_EIO, e, "%s: creating directory", dir);
  /* an explicit mkdir (a namespace) is durable when it returns */
  if (sync_dirty(as_local(io)) != 0) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fsync of its parent", dir);
  return QB_OK;
}

static int local_rmdir(qb_fileio *io, const char *dir, qb_err *err)
{
  if (rmdir(local_path(dir)) == 0 || errno == ENOENT) return QB_OK;
  if (errno == ENOTEMPTY || errno == EEXIST) return QB_FAIL(err, QB_EINVAL, "%s: directory not empty", dir);
  return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: remove directory", dir);
}

/* renameat2(RENAME_NOREPLACE) where the filesystem supports it; elsewhere a check then rename(2), which for
 * directories still refuses a non-empty target (only an empty target directory could be replaced). */
static int local_rename(qb_fileio *io, const char *from, const char *to, qb_err *err)
{
  const char *pf = local_path(from), *pt = local_path(to);
  int rc = make_parents(as_local(io), pt, err);
  if (rc) return rc;
  if (sync_dirty(as_local(io)) != 0)
    return QB_FAIL_ERRNO(err, QB_EIO, errno, "renaming %s: fsync of the directories written before it", from);
  if (renameat2(AT_FDCWD, pf, AT_FDCWD, pt, RENAME_NOREPLACE) != 0) {
    if (errno != EINVAL && errno != ENOSYS) {
      if (errno == EEXIST) return QB_FAIL(err, QB_EEXISTS, "renaming %s: %s already exists", from, to);
      return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "renaming %s to %s", from, to);
    }
    if (access(pt, F_OK) == 0) return QB_FAIL(err, QB_EEXISTS, "renaming %s: %s already exists", from, to);
    if (rename(pf, pt) != 0)
      return QB_FAIL_ERRNO(err, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "renaming %s to %s", from, to);
  }
  if (fsync_parent(pt) != 0) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: fsync of the directory", to);
  return QB_OK;
}

static const struct qb_fileio_dir_ops local_dir_ops = {local_list_dir, local_mkdir, local_rmdir, local_rename};

/* Directories still in the set hold only names nothing durable refers to yet (files of a commit that
 * failed or never came); they are synced anyway, at no cost when the set is empty, as a last courtesy. */
static void local_free(qb_fileio *io)
{
  local_io *l = (local_io *)io;
  (void)sync_dirty(l);
  for (size_t i = 0; i < l->n_dirty; i++) free(l->dirty[i]);
  free(l->dirty);
  pthread_mutex_destroy(&l->mu);
  free(l);
}

/* qb_fileio_lock: flock(2), so the kernel drops the lock with the last descriptor of the process, however
 * it ends; the file itself stays (unlinking it would let a second taker lock a new file while the first
 * still holds the old one). The note is written after the lock is taken and emptied before it is released,
 * so a reader that finds the lock held may see no note (a holder starting, or a program other than qberg
 * holding the file) or, after a crash, the crashed holder's until the next holder writes its own. */
typedef struct local_lock {
  qb_file_lock base;
  int fd;
} local_lock;

static void local_unlock(qb_file_lock *l)
{
  local_lock *ll = (local_lock *)l;
  /* the note goes with the lock (a crash leaves it: the next holder replaces it) */
  if (ftruncate(ll->fd, 0) != 0) {
  }
  close(ll->fd); /* releases the flock */
  free(ll);
}

static int local_lock_take(qb_fileio *io, const char *path, const char *note, qb_file_lock **out, qb_err *err)
{
  const char *p = local_path(path);
  int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0 && errno == ENOENT) { /* its folder first */
    int rc = make_parents(as_local(io), p, err);
    if (rc) return rc;
    fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  }
  if (fd < 0) return QB_FAIL_ERRNO(err, QB_EIO, errno, "%s: open for the lock", path);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    if (e != EWOULDBLOCK) {
      close(fd);
      return QB_FAIL_ERRNO(err, QB_EIO, e, "%s: flock", path);
    }
    char held[256];
    ssize_t n = pread(fd, held, sizeof held - 1, 0);
    close(fd);
    size_t k = n > 0 ? (size_t)n : 0;
    while (k && (held[k - 1] == '\n' || held[k - 1] == ' ')) k--;
    held[k] = '\0';
    for (size_t i = 0; i < k; i++)
      if ((unsigned char)held[i] < 0x20) held[i] = ' ';
    return QB_FAIL(err, QB_ECONFLICT, "%s is held by %s", path, k ? held : "another process (no note: starting, or not qberg)");
  }
  local_lock *l = malloc(sizeof *l);
  if (!l) {
    close(fd);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  l->base.release = local_unlock;
  l->fd = fd;
  /* the note only informs: a failure to write it leaves the lock held and good */
  size_t nn = strlen(note);
  if (ftruncate(fd, 0) == 0 && pwrite(fd, note, nn, 0) == (ssize_t)nn) (void)pwrite(fd, "\n", 1, (off_t)nn);
  *out = &l->base;
  return QB_OK;
}

static const struct qb_fileio_ops local_ops = {
    .name = "local",
    .caps = QB_IO_CREATE_EXCL | QB_IO_LIST | QB_IO_RENAME,
    .open_read = local_open_read,
    .create = local_create,
    .stat = local_stat,
    .remove = local_remove,
    .remove_many = local_remove_many,
    .list = local_list,
    .list_filtered = local_list_filtered,
    .free = local_free,
    .batched_publish = true,
    .dir_reader_open = local_dir_reader_open,
    .lock = local_lock_take,
};

int qb_fileio_local_new(qb_fileio **out, qb_err *err)
{
  local_io *l = calloc(1, sizeof *l);
  if (!l) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  if (pthread_mutex_init(&l->mu, NULL) != 0) {
    free(l);
    return QB_FAIL(err, QB_ENOMEM, "out of memory (mutex)");
  }
  l->base.ops = &local_ops;
  l->base.dir = &local_dir_ops;
  l->base.caps = local_ops.caps;
  *out = &l->base;
  return QB_OK;
}
