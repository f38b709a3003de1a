/* SPDX-License-Identifier: Apache-2.0 */
/* The commit lock for stores that ignore create-exclusive (Garage ignores If-None-Match on PUT,
 * s3-garage.md §1.1): Lamport's bakery algorithm over one object per contender, with a lease and fencing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog_int.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

/* With only plain PUT, GET, LIST and DELETE, a single lock object cannot be taken
 * atomically, so this is Lamport's bakery algorithm with one object per contender, under
 * <table>/metadata/_qberg_lock/ (a '_' name: Java's HiddenPathFilter and our orphan scans skip it):
 *
 *   doorway:  PUT c-<owner>; LIST; PUT t-<1 + highest ticket number>-<owner>; DELETE c-<owner>
 *   wait:     LIST until no c-* of anyone else, then a later LIST must show no t-* smaller than ours
 *             (number, then owner): the bakery reads choosing[j] before number[j]
 *   release:  DELETE t-<n>-<owner>
 *
 * Among live contenders this excludes without any timing assumption (the bakery algorithm only needs
 * read/write registers). Crashed contenders leave objects behind, so each object has a lease: a contender
 * rewrites its own objects every lease/4, and an object seen unchanged (name, mtime, size) for a whole
 * lease on the observer's monotonic clock, or older than 3 leases by the observer's wall clock, is broken
 * (deleted). Fencing: a contender never acts (enters, renews, publishes) on an object it last wrote more
 * than lease/2 ago, since by then it may have been broken; it starts over instead. qb_lock__check is the
 * re-check right before publishing. Residual risks: docs/CATALOG.md "The lock". */

#define LOCK_DIR "_qberg_lock"
#define MIN_LEASE_MS 100

struct qb_lock {
  qb_fileio *io;
  char *dir;          /* .../metadata/_qberg_lock/ (trailing slash: a prefix on object stores) */
  char *choosing;     /* path of c-<owner> */
  char *ticket;       /* path of t-<n>-<owner>, NULL outside the queue */
  char owner[33];
  uint64_t number;
  int64_t lease_ns;
  int64_t renewed_ns; /* qb_mono_ns() when the last write of our ticket started */
  uint64_t writes;    /* renewal counter, written into the ticket */
  qb_map seen;        /* name -> observation */
};

typedef struct observation {
  int64_t mtime_ms;
  uint64_t size;
  int64_t first_ns; /* when this (mtime, size) was first seen */
} observation;

void qb_catalog__sleep_ms(int64_t ms)
{
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

static int write_obj(qb_lock *l, const char *path, qb_err *err)
{
  char host[128] = "?";
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  char body[512];
  ++l->writes;
  /* Observers compare (mtime, size). Some stores keep LastModified to the second, so a renewal also
   * flips the size by one byte: every rewrite is visible as a change. */
  int n = snprintf(body, sizeof body, "{\"owner\":\"%s\",\"host\":\"%s\",\"pid\":%ld,\"written-ms\":%lld,\"write\":\"%020llu\"}%s\n",
                   l->owner, host, (long)getpid(), (long long)qb_now_ms(), (unsigned long long)l->writes,
                   l->writes % 2 ? " " : "");
  return qb_fileio_write_all(l->io, path, body, (size_t)n, QB_CREATE_OVERWRITE_VOLATILE, err);
}

static void delete_quiet(qb_fileio *io, const char *path)
{
  qb_err e = QB_ERR_INIT;
  int rc = qb_fileio_delete(io, path, &e); /* an object already gone is fine; others retry the break */
  (void)rc;
}

typedef struct scan {
  qb_lock *l;
  bool tickets;       /* this scan decides on tickets (else on choosing objects) */
  int64_t now_ns, now_ms;
  uint64_t max_number;
  bool own_present;
  bool blocked;
  int tickets_ahead; /* smaller tickets seen: our place in the queue */
  char blocker[160];
  int rc;
} scan;

/* "t-<20 digits>-<owner>" -> number and owner */
static bool parse_ticket(const char *name, uint64_t *number, const char **owner)
{
  if (strncmp(name, "t-", 2) != 0) return false;
  const char *p = name + 2;
  uint64_t v = 0;
  int nd = 0;
  for (; *p >= '0' && *p <= '9' && nd < 20; p++, nd++) v = v * 10 + (uint64_t)(*p - '0');
  if (nd != 20 || *p != '-' || !p[1]) return false;
  *number = v;
  *owner = p + 1;
  return true;
}

/* Stale = unchanged for a lease on our clock, or older than three leases by wall clock. */
static int observe(qb_lock *l, const char *name, const qb_stat *st, int64_t now_ns, int64_t now_ms, bool *stale,
                   qb_err *err)
{
  *stale = false;
  void **slot = qb_map_get(&l->seen, name, strlen(name));
  observation *o = slot ? *slot : NULL;
  if (!o) {
    if (!(o = malloc(sizeof *o))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    int rc = qb_map_put_str(&l->seen, name, o, err);
    if (rc) {
      free(o);
      return rc;
    }
    o->first_ns = now_ns;
  } else if (o->mtime_ms != st->mtime_ms || o->size != st->size_bytes) {
    o->first_ns = now_ns;
  }
  o->mtime_ms = st->mtime_ms;
  o->size = st->size_bytes;
  int64_t lease_ms = l->lease_ns / 1000000;
  *stale = now_ns - o->first_ns >= l->lease_ns || (st->mtime_ms > 0 && now_ms - st->mtime_ms > 3 * lease_ms);
  return QB_OK;
}

static int scan_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  scan *s = ctx;
  qb_lock *l = s->l;
  const char *name = qb_path_base(path);
  uint64_t number = 0;
  const char *owner = NULL;
  bool is_ticket = parse_ticket(name, &number, &owner);
  bool is_choosing = !strncmp(name, "c-", 2);
  if (!is_ticket && !is_choosing) return QB_OK; /* temporary files of unfinished writes, strangers */
  if (is_ticket && number > s->max_number) s->max_number = number;
  if (l->ticket && !strcmp(name, qb_path_base(l->ticket))) {
    s->own_present = true;
    return QB_OK;
  }
  if (!strcmp(name, qb_path_base(l->choosing))) return QB_OK;
  bool stale;
  int rc = observe(l, name, st, s->now_ns, s->now_ms, &stale, err);
  if (rc) return rc;
  if (stale) {
    /* a contender silent for a lease is presumed dead: break its object */
    char *p = qb_path_join(l->dir, name);
    if (!p) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    delete_quiet(l->io, p);
    free(p);
    return QB_OK;
  }
  /* A choosing object blocks only in the first listing, a smaller ticket in either: seen in the first,
   * its holder is ahead of us now, and the second listing would not change that; only "nobody ahead"
   * must be confirmed by a second listing made after the first (bakery read order). */
  bool ahead = is_choosing && !s->tickets;
  if (is_ticket && l->ticket) {
    int c = owner ? strcmp(owner, l->owner) : 0;
    ahead = number < l->number || (number == l->number && c < 0);
    s->tickets_ahead += ahead;
  }
  if (ahead && !s->blocked) {
    s->blocked = true;
    snprintf(s->blocker, sizeof s->blocker, "%s", name);
  }
  return QB_OK;
}

static int do_scan(qb_lock *l, scan *s, bool tickets, qb_err *err)
{
  memset(s, 0, sizeof *s);
  s->l = l;
  s->tickets = tickets;
  s->now_ns = qb_mono_ns();
  s->now_ms = qb_now_ms();
  return qb_fileio_list(l->io, l->dir, scan_cb, s, err);
}

static void leave_queue(qb_lock *l)
{
  if (l->ticket) delete_quiet(l->io, l->ticket);
  free(l->ticket);
  l->ticket = NULL;
}

/* The doorway: choose a number greater than every ticket in view, while c-<owner> tells others to wait. */
static int doorway(qb_lock *l, bool *again, qb_err *err)
{
  *again = false;
  int64_t start = qb_mono_ns();
  int rc = write_obj(l, l->choosing, err);
  scan s;
  if (rc == QB_OK) rc = do_scan(l, &s, true, err);
  if (rc == QB_OK) {
    l->number = s.max_number + 1;
    l->ticket = qb_str_printf("%st-%020llu-%s", l->dir, (unsigned long long)l->number, l->owner);
    if (!l->ticket) rc = QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  if (rc == QB_OK) {
    l->renewed_ns = qb_mono_ns();
    rc = write_obj(l, l->ticket, err);
  }
  /* Our choosing object may have been broken if the doorway took half a lease: then someone may have
   * picked a number without seeing ours. Start again rather than trust it. */
  if (rc == QB_OK && qb_mono_ns() - start >= l->lease_ns / 2) {
    leave_queue(l);
    *again = true;
  }
  delete_quiet(l->io, l->choosing);
  return rc;
}

int qb_lock__acquire(qb_lock **out, qb_fileio *io, const char *meta_dir, const qb_lock_opts *o, qb_err *err)
{
  *out = NULL;
  qb_lock *l = calloc(1, sizeof *l);
  if (!l) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  l->io = io;
  l->lease_ns = (o->lease_ms < MIN_LEASE_MS ? MIN_LEASE_MS : o->lease_ms) * 1000000LL;
  qb_map_init(&l->seen);
  uint8_t id[16];
  qb_uuid_v4_bytes(id);
  qb_hex_encode(l->owner, id, sizeof id);
  l->dir = qb_str_printf("%s%s" LOCK_DIR "/", meta_dir, meta_dir[strlen(meta_dir) - 1] == '/' ? "" : "/");
  l->choosing = l->dir ? qb_str_printf("%sc-%s", l->dir, l->owner) : NULL;
  int rc = l->choosing ? QB_OK : QB_FAIL(err, QB_ENOMEM, "out of memory");
  /* The head of the queue polls with backoff up to lease/256 (<= 10 ms): the lock is handed over about
   * one poll after its release. A waiter with k tickets ahead of it sleeps about k-1 holds (40 ms each,
   * at most lease/8, well inside its renewal period) instead: on a store whose LISTs are the bottleneck,
   * eight writers all polling slowed each other's commits (8 x 100 commits on radosgw: 103-143 s). */
  int64_t poll_max_ms = l->lease_ns / 1000000 / 256;
  if (poll_max_ms > 10) poll_max_ms = 10;
  if (poll_max_ms < 2) poll_max_ms = 2;
  int64_t queue_max_ms = l->lease_ns / 1000000 / 8;
  int64_t backoff_ms = 1;
  bool in_queue = false, looked = false;
  char blocker[160] = "";
  while (rc == QB_OK) {
    /* the deadline counts once the queue has been looked at: a free lock is taken even when the deadline
     * has passed already (a deadline of now: take it if free, else fail) */
    if (looked && qb_mono_ns() > o->deadline_ns) {
      rc = QB_FAIL(err, QB_ECONFLICT, "timed out waiting for the commit lock %s (waiting behind %s)", l->dir,
                   blocker[0] ? blocker : "?");
      break;
    }
    if (!in_queue) {
      bool again;
      if ((rc = doorway(l, &again, err)) != QB_OK) break;
      in_queue = !again;
      continue;
    }
    int64_t now = qb_mono_ns();
    if (now - l->renewed_ns >= l->lease_ns / 2) { /* we were too slow: our ticket may be broken */
      leave_queue(l);
      in_queue = false;
      continue;
    }
    if (now - l->renewed_ns > l->lease_ns / 4) {
      l->renewed_ns = now;
      if ((rc = write_obj(l, l->ticket, err)) != QB_OK) break;
    }
    /* The bakery reads every choosing[j] before the number[j] it then compares. One listing gives no
     * order between two names (a directory is read in hash order while others create and delete), so:
     * a first listing must show nobody choosing, and only a second, later listing is read for tickets. */
    scan s;
    if ((rc = do_scan(l, &s, false, err)) != QB_OK) break;
    if (!s.blocked && (rc = do_scan(l, &s, true, err)) != QB_OK) break;
    looked = true;
    if (!s.own_present || qb_mono_ns() - l->renewed_ns >= l->lease_ns / 2) {
      leave_queue(l);
      in_queue = false;
      continue;
    }
    if (!s.blocked) {
      *out = l;
      return QB_OK;
    }
    snprintf(blocker, sizeof blocker, "%s", s.blocker);
    int64_t ms = backoff_ms + (int64_t)(qb_random_u64() % (uint64_t)(backoff_ms + 1));
    if (s.tickets_ahead > 1) {
      int64_t q = (int64_t)(s.tickets_ahead - 1) * 40;
      ms = (q > queue_max_ms ? queue_max_ms : q) + (int64_t)(qb_random_u64() % 8);
    } else {
      backoff_ms = backoff_ms * 2 > poll_max_ms ? poll_max_ms : backoff_ms * 2;
    }
    qb_catalog__sleep_ms(ms);
  }
  qb_lock__release(l);
  return rc;
}

int qb_lock__check(qb_lock *l, qb_err *err)
{
  int64_t now = qb_mono_ns();
  if (now - l->renewed_ns >= l->lease_ns / 2)
    return QB_FAIL(err, QB_ECONFLICT, "commit lock %s: lease lost (%lld ms since it was last renewed)", l->dir,
                   (long long)((now - l->renewed_ns) / 1000000));
  int rc;
  if (now - l->renewed_ns > l->lease_ns / 4) {
    l->renewed_ns = now;
    if ((rc = write_obj(l, l->ticket, err)) != QB_OK) return qb_err_wrap(err, "renewing the commit lock");
  }
  qb_stat st;
  rc = qb_fileio_stat(l->io, l->ticket, &st, err);
  if (rc == QB_ENOTFOUND) {
    qb_err_clear(err);
    return QB_FAIL(err, QB_ECONFLICT, "commit lock %s: our ticket was broken by another writer", l->dir);
  }
  if (rc) return rc;
  now = qb_mono_ns();
  if (now - l->renewed_ns >= l->lease_ns / 2)
    return QB_FAIL(err, QB_ECONFLICT, "commit lock %s: lease lost while checking it", l->dir);
  return QB_OK;
}

bool qb_lock__held_since_write(const qb_lock *l, int64_t write_end_ns)
{
  /* nobody may break our ticket before a full lease after our last renewal started */
  return write_end_ns - l->renewed_ns < l->lease_ns;
}

void qb_lock__release(qb_lock *l)
{
  if (!l) return;
  leave_queue(l);
  for (size_t i = 0; i < l->seen.cap; i++)
    if (l->seen.slots[i].key) free(l->seen.slots[i].value);
  qb_map_free(&l->seen);
  free(l->dir);
  free(l->choosing);
  free(l);
}
