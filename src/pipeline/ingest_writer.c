/* SPDX-License-Identifier: Apache-2.0 */
/* The ingest's writer thread (see ingest_writer.h): a bounded FIFO of hand-offs — a table's column slice,
 * or a chunk of copied rows — run one by one in hand-off order on one thread. */
#include "pipeline/ingest_writer.h"

#include <pthread.h>
#include <stdlib.h>

#include "pipeline/table_binding.h"
#include "util/arena.h"
#include "util/thread.h"

/* Hand-offs queued or being written: at most QUEUE_ITEMS, and at most QUEUE_BYTES of column slices and
 * row chunks (qb_vqe_cols_bytes, the chunk's arena), except that one hand-off larger than that always fits
 * an empty queue. The writer's hand-offs cost unevenly: most take 10-200 us (a slice's values staged), but
 * one in ~17 runs 1-8 ms (a page's or row group's encode, zstd and write), during which the deriving
 * thread hands over ~20 more. A queue of 4 slices filled within the first of those milliseconds: at 20,000
 * files each thread then waited ~2 s for the other (the deriving thread for room, the writer for work) and
 * two threads were ~1.3 CPUs. 8 MiB absorbs the long hand-offs (each thread waits ~0.4 s; docs/BENCHMARKS.md,
 * "Session 26"); a slice is at most ~SLICE_BYTES (ingest.c) plus one record's rows, so the queue holds
 * ~32 full slices and many more of the small ones (row chunks, the last slices of a batch). */
#define QUEUE_ITEMS 64
#define QUEUE_BYTES ((size_t)8 << 20)
/* Rows copied for qb_txn_write (tables with list columns; re-checked experiments) per queued chunk. */
#define ROW_CHUNK_BYTES ((size_t)256 << 10)
/* Empty buffer sets kept per table for the deriving thread's next slice. A set dropped and made anew
 * grows its buffers again (reallocs and copies); at 2,000 files 3 spares made 11 sets in all and dropped
 * none with a queue of 4 (1 spare: 446 made, 438 dropped, +15 M instructions of realloc copies at 300
 * files). With the 8 MiB queue more sets are in flight at once; 4 spares kept peak RSS at 1 GB of raw input
 * at 113.6 MiB (8 spares: 123.2 MiB, no faster). */
#define SPARES 4

typedef struct row_op {
  qb_table *table;
  const qb_schema *schema;
  qb_txn **txn;
  qb_value row;
} row_op;

typedef struct row_chunk {
  qb_arena arena; /* the copied rows */
  row_op *ops;
  size_t n, cap;
} row_chunk;

typedef struct item {
  int t;          /* table index of `cols`; -1: a row chunk */
  qb_table *table;
  const qb_schema *schema;
  qb_txn **txn;
  qb_vqe_cols cols;
  row_chunk *rows;
  size_t bytes; /* counted against QUEUE_BYTES */
} item;

struct qb_ingest_writer {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t work;  /* an item was queued, or stop */
  pthread_cond_t space; /* an item was done */
  item ring[QUEUE_ITEMS];
  size_t bytes;   /* of the queued items, ring[head] included */
  size_t head, n; /* ring[head] is the item being written (it stays queued until done) */
  bool stop;
  int rc; /* the thread's first error, kept in `first` */
  qb_err first;
  /* empty buffer sets the thread gave back, SPARES per table at most */
  qb_vqe_cols spare[QB_VQE_FEATURE_TABLES][SPARES];
  int n_spare[QB_VQE_FEATURE_TABLES];
  row_chunk *rows; /* the chunk being gathered (caller's side) */
};

static void chunk_free(row_chunk *c)
{
  if (!c) return;
  qb_arena_release(&c->arena);
  free(c->ops);
  free(c);
}

static void item_free(item *it)
{
  if (it->t >= 0) qb_vqe_cols_free(&it->cols);
  chunk_free(it->rows);
  it->rows = NULL;
}

static int begin(qb_table *table, const qb_schema *schema, qb_txn **txn, qb_err *err)
{
  return *txn ? QB_OK : qb_vqe__txn_begin(txn, table, QB_TXN_FAST_APPEND, schema, err);
}

static int run_item(item *it, qb_err *err)
{
  int rc = QB_OK;
  if (it->t >= 0) {
    if ((rc = begin(it->table, it->schema, it->txn, err)) == QB_OK)
      rc = qb_txn_write_batch(*it->txn, qb_vqe_cols_batch(&it->cols), it->cols.n_rows, err);
    qb_vqe_cols_truncate(&it->cols, 0);
    return rc;
  }
  for (size_t i = 0; rc == QB_OK && i < it->rows->n; i++) {
    row_op *op = &it->rows->ops[i];
    if ((rc = begin(op->table, op->schema, op->txn, err)) == QB_OK) rc = qb_txn_write(*op->txn, &op->row, err);
  }
  return rc;
}

static void *thread_main(void *arg)
{
  qb_ingest_writer *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->n && !w->stop) pthread_cond_wait(&w->work, &w->mu);
    if (w->stop) break;
    item *it = &w->ring[w->head];
    bool failed = w->rc != QB_OK;
    pthread_mutex_unlock(&w->mu);
    /* after a failure the rest is not written (the batch fails), only the buffers are recycled */
    qb_err e = QB_ERR_INIT;
    int rc = failed ? QB_OK : run_item(it, &e);
    if (failed && it->t >= 0) qb_vqe_cols_truncate(&it->cols, 0);
    qb_vqe_cols drop = {0};
    pthread_mutex_lock(&w->mu);
    if (rc && !w->rc) {
      w->rc = rc;
      w->first = e;
    }
    if (it->t >= 0 && w->n_spare[it->t] < SPARES) {
      w->spare[it->t][w->n_spare[it->t]++] = it->cols;
    } else if (it->t >= 0) {
      drop = it->cols;
    }
    row_chunk *done_rows = it->rows;
    it->rows = NULL;
    w->head = (w->head + 1) % QUEUE_ITEMS;
    w->n--;
    w->bytes -= it->bytes;
    pthread_cond_broadcast(&w->space);
    pthread_mutex_unlock(&w->mu);
    qb_vqe_cols_free(&drop);
    chunk_free(done_rows);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int qb_ingest_writer_new(qb_ingest_writer **out, qb_err *err)
{
  *out = NULL;
  qb_ingest_writer *w = calloc(1, sizeof *w);
  if (!w) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->work, NULL);
  pthread_cond_init(&w->space, NULL);
  /* Signals go to the caller's thread (qberg ingest --watch stops between batches on SIGINT/SIGTERM). */
  int prc = qb_thread_start_quiet(&w->thread, thread_main, w);
  if (prc) {
    pthread_cond_destroy(&w->space);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return QB_FAIL_ERRNO(err, QB_EINTERNAL, prc, "starting the ingest's writer thread");
  }
  *out = w;
  return QB_OK;
}

/* The thread's first error into err (caller holds the lock). */
static int failed_locked(qb_ingest_writer *w, qb_err *err)
{
  if (err) *err = w->first;
  return w->rc;
}

/* Whether `it` must wait: the queue is full by count, or by bytes unless it is empty. */
static bool full_locked(const qb_ingest_writer *w, const item *it)
{
  return w->n == QUEUE_ITEMS || (w->n && w->bytes + it->bytes > QUEUE_BYTES);
}

/* Queue `it` (moved: zeroed on return), waiting for room. */
static int push_locked(qb_ingest_writer *w, item *it, qb_err *err)
{
  while (full_locked(w, it) && !w->rc) pthread_cond_wait(&w->space, &w->mu);
  if (w->rc) return failed_locked(w, err);
  w->ring[(w->head + w->n) % QUEUE_ITEMS] = *it;
  w->n++;
  w->bytes += it->bytes;
  pthread_cond_signal(&w->work);
  return QB_OK;
}

/* Queue the chunk of rows being gathered, if any (before anything handed over after those rows). */
static int push_rows_locked(qb_ingest_writer *w, qb_err *err)
{
  if (!w->rows) return QB_OK;
  item it = {.t = -1, .rows = w->rows, .bytes = w->rows->arena.total_bytes};
  int rc = push_locked(w, &it, err);
  if (rc == QB_OK) w->rows = NULL;
  return rc;
}

int qb_ingest_writer_put_cols(qb_ingest_writer *w, int t, qb_table *table, const qb_schema *schema, qb_txn **txn,
                              qb_vqe_cols *cols, qb_err *err)
{
  if (t < 0 || t >= QB_VQE_FEATURE_TABLES) return QB_FAIL(err, QB_EINVAL, "no feature table %d", t);
  pthread_mutex_lock(&w->mu);
  int rc = push_rows_locked(w, err);
  qb_vqe_cols empty = {0};
  bool have = rc == QB_OK && w->n_spare[t];
  if (have) empty = w->spare[t][--w->n_spare[t]];
  pthread_mutex_unlock(&w->mu);
  if (rc) return rc;
  if (!have && (rc = qb_vqe_cols_init(&empty, (qb_vqe_table)t, err))) return rc;
  item it = {.t = t, .table = table, .schema = schema, .txn = txn, .cols = *cols, .bytes = qb_vqe_cols_bytes(cols)};
  pthread_mutex_lock(&w->mu);
  rc = push_locked(w, &it, err);
  pthread_mutex_unlock(&w->mu);
  if (rc) {
    qb_vqe_cols_free(&empty); /* *cols stays the caller's */
    return rc;
  }
  *cols = empty;
  return QB_OK;
}

/* Deep copy of v into a (strings and nested values). */
static int copy_value(qb_value *out, const qb_value *v, qb_arena *a, qb_err *err)
{
  *out = *v;
  if (v->kind == QB_V_STRING || v->kind == QB_V_BYTES) {
    if (!v->u.bytes.n) return QB_OK;
    if (!(out->u.bytes.p = qb_arena_memdup(a, v->u.bytes.p, v->u.bytes.n)))
      return QB_FAIL(err, QB_ENOMEM, "out of memory");
    return QB_OK;
  }
  if (v->kind != QB_V_STRUCT && v->kind != QB_V_LIST && v->kind != QB_V_MAP) return QB_OK;
  size_t n = v->kind == QB_V_MAP ? 2 * v->u.seq.n : v->u.seq.n;
  if (!n) return QB_OK;
  qb_value *items = qb_arena_alloc(a, n * sizeof *items);
  if (!items) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  out->u.seq.items = items;
  for (size_t i = 0; i < n; i++) {
    int rc = copy_value(&items[i], &v->u.seq.items[i], a, err);
    if (rc) return rc;
  }
  return QB_OK;
}

int qb_ingest_writer_put_row(qb_ingest_writer *w, qb_table *table, const qb_schema *schema, qb_txn **txn,
                             const qb_value *row, qb_err *err)
{
  /* w->rows is the caller's alone until queued; only the failure check needs the lock */
  pthread_mutex_lock(&w->mu);
  int rc = w->rc ? failed_locked(w, err) : QB_OK;
  pthread_mutex_unlock(&w->mu);
  if (rc) return rc;
  row_chunk *c = w->rows;
  if (!c) {
    if (!(c = calloc(1, sizeof *c))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    qb_arena_init(&c->arena, 64 << 10);
    w->rows = c;
  }
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 64;
    row_op *ops = realloc(c->ops, cap * sizeof *ops);
    if (!ops) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    c->ops = ops;
    c->cap = cap;
  }
  row_op *op = &c->ops[c->n];
  op->table = table;
  op->schema = schema;
  op->txn = txn;
  if ((rc = copy_value(&op->row, row, &c->arena, err))) return rc;
  c->n++;
  if (c->arena.total_bytes < ROW_CHUNK_BYTES) return QB_OK;
  pthread_mutex_lock(&w->mu);
  rc = push_rows_locked(w, err);
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int qb_ingest_writer_drain(qb_ingest_writer *w, qb_err *err)
{
  pthread_mutex_lock(&w->mu);
  int rc = push_rows_locked(w, err);
  while (rc == QB_OK && w->n) pthread_cond_wait(&w->space, &w->mu);
  if (rc == QB_OK && w->rc) rc = failed_locked(w, err);
  pthread_mutex_unlock(&w->mu);
  return rc;
}

void qb_ingest_writer_free(qb_ingest_writer *w)
{
  if (!w) return;
  pthread_mutex_lock(&w->mu);
  w->stop = true;
  pthread_cond_signal(&w->work);
  pthread_mutex_unlock(&w->mu);
  pthread_join(w->thread, NULL);
  for (size_t i = 0; i < w->n; i++) item_free(&w->ring[(w->head + i) % QUEUE_ITEMS]);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
    for (int i = 0; i < w->n_spare[t]; i++) qb_vqe_cols_free(&w->spare[t][i]);
  chunk_free(w->rows);
  pthread_cond_destroy(&w->space);
  pthread_cond_destroy(&w->work);
  pthread_mutex_destroy(&w->mu);
  free(w);
}
