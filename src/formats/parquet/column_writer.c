/* SPDX-License-Identifier: Apache-2.0 */
/* Column chunk writer (see column_writer.h): stages one data page of levels and values, encodes and
 * compresses it when it fills, keeps the chunk's pages until the row group is written out. Dictionary
 * behaviour follows parquet-java's FallbackValuesWriter: start with a dictionary, fall back to PLAIN for the
 * rest of the chunk when the dictionary outgrows its limit or does not pay off on the first page. */
#include "formats/parquet/column_writer.h"

#include <string.h>

#include "formats/parquet/encodings.h"
#include "formats/parquet/page_writer.h"

/* Batch loops re-check the page size this often (values). */
#define BATCH_CHECK_EVERY 512

/* First-page values after which a dictionary that already loses by the first-page rule (indices, at
 * their bit-packed size, plus dictionary ≥ the PLAIN values) is dropped early: a column of measurements
 * (parameter values, coefficients, term labels) whose values are 80-99 % distinct fails that rule at the
 * end of its first page, after every value of the page was hashed into a dictionary then thrown away
 * (the session-14 profile: 800 k such values for 500 raw files, most of the dictionary time). All-distinct
 * values (row ids) are the extreme case. After a chunk whose dictionary was dropped, by the probe or by
 * the first-page rule, the next chunk of the column probes after DICT_PROBE_AGAIN values (a column of
 * distinct ids stays distinct: without this every row group of a fan-out writer hashes its first 8,192
 * ids into a dictionary it then throws away, and row groups smaller than the probe hash all their values).
 * A chunk that keeps its dictionary restores the long probe. The same holds across the files of one data
 * set (qb_pq_write_options.dict_lost): a fan-out writer keeps one file per partition open, most of them
 * under 8,192 rows, so a column that lost in one file judges its dictionary early in the others, at its
 * next new value (from DICT_PROBE_AGAIN values on) — on its own values, by the same rule, so a column
 * whose values repeat in this file keeps its dictionary. */
#define DICT_PROBE_VALUES 8192
#define DICT_PROBE_AGAIN 256

/* First-page values at which a chunk's dictionary is judged a first time, strictly: dropped when it loses
 * by the probe's rule (dict_loses) while at most 1 value in DICT_EARLY_REPEAT_DIV repeats an earlier one.
 * Ids, labels and measurements (term labels, coefficients, parameter ids and values) are that distinct;
 * the long probe hashed 8,192 of them (a chunk under 8,192 values: all of them, for the page-end rule)
 * into a dictionary it then threw away. A dictionary with more repeats goes on to DICT_PROBE_VALUES.
 * Values drawn at random from K distinct ones repeat about n^2/2K times in their first n, so 16 or fewer
 * repeats in 1,024 means K of 32,768 or more, for which the dictionary also loses at 8,192 (8-byte values:
 * ~7,250 distinct, 58 KB of dictionary and 13 KB of indices against 64 KB PLAIN); what the early judgement gives
 * up is a column that starts with 1,024 (almost) distinct values and repeats them only later (a cycle of
 * 1,010-8,000 values, or distinct values then one constant), which it writes PLAIN (docs/PARQUET.md). */
#define DICT_PROBE_EARLY 1024
#define DICT_EARLY_REPEAT_DIV 64

/* First-page values on which a chunk's string pages without dictionary judge DELTA_BYTE_ARRAY (see
 * dba_decide): enough to see an id column's shape, few enough that the rest of the page is staged split. */
#define DBA_PROBE_VALUES 1024

/* A chunk's BYTE_ARRAY pages without dictionary start undecided between DELTA_BYTE_ARRAY and PLAIN. */
static int8_t dba_initial(const qb_pq_colw *c) { return c->type == QB_PQ_BYTE_ARRAY && c->o->delta_byte_array ? 0 : -1; }

void qb_pq_colw_init(qb_pq_colw *c, const qb_pq_column *col, const qb_pq_write_options *o, qb_pq_compressor *z)
{
  memset(c, 0, sizeof *c);
  const qb_pq_node *leaf = col->leaf;
  c->col = col;
  c->o = o;
  qb_pq_chunk_codec_init(&c->cz, z);
  c->type = leaf->type;
  qb_pq_chunk_codec_type(&c->cz, c->type);
  c->width = qb_pq_node_value_width(leaf);
  c->max_def = col->max_def;
  c->max_rep = col->max_rep;
  c->def_bits = qb_pq_bit_width((uint64_t)col->max_def);
  c->rep_bits = qb_pq_bit_width((uint64_t)col->max_rep);
  /* parquet-java (DefaultV1ValuesWriterFactory): BOOLEAN is always PLAIN, and so is FIXED_LEN_BYTE_ARRAY
   * in v1 files; the v2 factory dictionary-encodes FLBA. We do the same so readers see familiar files. */
  c->dict_allowed = o->dictionary && c->type != QB_PQ_BOOLEAN &&
                    !(c->type == QB_PQ_FIXED_LEN_BYTE_ARRAY && o->data_page_version == 1);
  c->use_dict = c->dict_allowed;
  c->probe = DICT_PROBE_EARLY;
  c->probe_early = true;
  c->dba = dba_initial(c);
  bool numeric = c->type == QB_PQ_INT32 || c->type == QB_PQ_INT64 || c->type == QB_PQ_FLOAT || c->type == QB_PQ_DOUBLE;
  qb_pq_dict_init(&c->dict, c->width, numeric);
  qb_buf *bufs[] = {&c->def,  &c->rep,  &c->vals, &c->runs,   &c->data, &c->pages,
                    &c->body, &c->comp, &c->hdr,  &c->slices, &c->sufl, &c->prev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) qb_buf_init(bufs[i], QB_BUF_NOLIMIT);
  qb_pq_col_stats_init(&c->stats, leaf);
}

void qb_pq_colw_share_lost(qb_pq_colw *c, uint8_t *lost)
{
  c->lost = lost;
  if (*lost && c->dict_allowed) {
    c->probe = DICT_PROBE_AGAIN;
    c->probe_early = false;
  }
}

void qb_pq_colw_no_dictionary(qb_pq_colw *c) { c->dict_allowed = c->use_dict = false; }

void qb_pq_colw_free(qb_pq_colw *c)
{
  if (!c) return;
  qb_buf *bufs[] = {&c->def,  &c->rep,  &c->vals, &c->runs,   &c->data, &c->pages,
                    &c->body, &c->comp, &c->hdr,  &c->slices, &c->sufl, &c->prev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) qb_buf_free(bufs[i]);
  qb_pq_dict_free(&c->dict);
  qb_pq_col_stats_free(&c->stats);
}

/* ---- staging helpers -------------------------------------------------------------------------------- */

static inline int push(qb_buf *b, const void *p, size_t n, qb_err *err)
{
  if (b->cap - b->n <= n) {
    int rc = qb_buf_reserve(b, n, err);
    if (rc) return rc;
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
  return QB_OK;
}

/* Slack over a hint: the column's next chunk may need a little more than its previous one (a page closes
 * after the run that crossed the page size), and a few percent spare saves doubling a full page. */
static inline size_t hint_slack(size_t hint) { return hint + hint / 16; }

/* `n` rounded up to a size class, eight per power of two (n ≤ 9/8 of it rounded: 1 MiB, 1.125 MiB, ...):
 * chunk buffers are allocated and freed row group after row group, and blocks of a few sizes are reused
 * by the next chunks' requests, where exact sizes would leave holes too small for them (peak RSS +3 MB at
 * 20,000 files). */
static inline size_t size_class(size_t n)
{
  if (n < 64) return 64;
  size_t step = (size_t)1 << (63 - __builtin_clzll((unsigned long long)n) - 3);
  return (n + step - 1) & ~(step - 1);
}

/* Grow `b` (holding n < cap bytes) to a capacity of exactly `cap` bytes (the NUL qb_buf keeps room for
 * included): qb_buf_reserve would double, e.g. a 1.04 MB page into a 2 MiB block. */
static inline int reserve_cap(qb_buf *b, size_t cap, qb_err *err) { return qb_buf_reserve_exact(b, cap - b->n - 1, err); }

/* qb_buf_reserve; a buffer's first reservation of the chunk takes at least `hint` bytes (see the hints in
 * column_writer.h), plus a little slack, in its size class. */
static inline int reserve_hinted(qb_buf *b, size_t extra, size_t hint, qb_err *err)
{
  if (!b->cap && hint > extra && hint < (size_t)-1 / 4) return reserve_cap(b, size_class(hint_slack(hint) + 1), err);
  return qb_buf_reserve(b, extra, err);
}

/* BYTE_ARRAY values in PLAIN mode are staged in `data` after DATA_HEAD bytes of headroom, where
 * finish_page puts the page's levels when they fit (a page without nulls: one RLE run, 8 bytes with
 * its v1 length prefix) and hands the buffer to the page writer as the page body, without a copy. */
#define DATA_HEAD 16

/* Bytes of PLAIN values staged in `data` (after its headroom). */
static inline size_t data_bytes(const qb_pq_colw *c) { return c->data.n ? c->data.n - DATA_HEAD : 0; }

/* Room for `extra` more bytes of PLAIN values in `data` (opening it with its headroom). */
static inline int data_reserve(qb_pq_colw *c, size_t extra, qb_err *err)
{
  size_t head = c->data.n ? 0 : DATA_HEAD;
  int rc;
  size_t n = c->data.n, want = head + extra;
  if (want >= c->data.cap - n && c->data.cap && want < (size_t)-1 / 4 - n) {
    /* Growing a page's strings by doubling: a page closes after the run that crosses the page size, so
     * past it doubling would only add unused capacity (a 1 MiB page would hold 2 MiB, then hinted to the
     * next chunk); stop at the page size plus slack, or what this run needs. */
    size_t cap = c->data.cap * 2, top = size_class(hint_slack((size_t)c->o->page_size_bytes) + DATA_HEAD + 1);
    while (cap <= n + want) cap *= 2;
    if (cap > top) cap = n + want + 1 > top ? size_class(n + want + 1) : top;
    rc = reserve_cap(&c->data, cap, err);
  } else {
    rc = reserve_hinted(&c->data, want, c->hint_data, err);
  }
  if (rc) return rc;
  c->data.n += head;
  return QB_OK;
}

/* Bytes the open page's values take staged one by one (dictionary indices as u32, runs counted as if
 * expanded: page and row-group boundaries do not depend on how runs are kept). */
static inline size_t vals_bytes(const qb_pq_colw *c) { return c->use_dict ? 4 * (size_t)c->n_values : c->vals.n; }

/* Dictionary mode: write the runs into `vals`, which then holds one index per value. */
static int expand_runs(qb_pq_colw *c, qb_err *err)
{
  size_t nr = c->runs.n / sizeof(qb_pq_colw_run);
  if (!nr) return QB_OK;
  qb_buf all;
  qb_buf_init(&all, QB_BUF_NOLIMIT);
  int rc = qb_buf_reserve(&all, 4 * (size_t)c->n_values, err);
  if (rc) return rc;
  const qb_pq_colw_run *r = (const qb_pq_colw_run *)(const void *)c->runs.p;
  const uint32_t *src = (const uint32_t *)(const void *)c->vals.p;
  uint32_t *dst = (uint32_t *)(void *)all.p;
  size_t at = 0;
  for (size_t k = 0; k < nr; k++) {
    memcpy(dst, src + at, (r[k].at - at) * 4);
    dst += r[k].at - at;
    at = r[k].at;
    for (uint32_t j = 0; j < r[k].count; j++) *dst++ = r[k].idx;
  }
  size_t rest = c->vals.n / 4 - at;
  memcpy(dst, src + at, rest * 4);
  dst += rest;
  all.n = (size_t)((uint8_t *)dst - all.p);
  qb_buf_free(&c->vals);
  c->vals = all;
  qb_buf_reset(&c->runs);
  return QB_OK;
}

/* Stage the page's implicit definition levels (all max_def) before the first level that may differ. */
static int stage_implicit_defs(qb_pq_colw *c, qb_err *err)
{
  size_t n = c->def_implicit;
  if (!n) return QB_OK;
  int rc = qb_buf_reserve(&c->def, n * 2, err);
  if (rc) return rc;
  int16_t *d = (int16_t *)(void *)(c->def.p + c->def.n), m = (int16_t)c->max_def;
  for (size_t k = 0; k < n; k++) d[k] = m;
  c->def.n += n * 2;
  c->def_implicit = 0;
  return QB_OK;
}

static inline int put_level(qb_pq_colw *c, int rep, int def, qb_err *err)
{
  int rc;
  if (c->max_rep) {
    int16_t r = (int16_t)rep;
    if ((rc = push(&c->rep, &r, 2, err)) != QB_OK) return rc;
  }
  if (c->max_def) {
    int16_t d = (int16_t)def;
    if (def == c->max_def && c->def.n == 0) {
      c->def_implicit++;
    } else if ((rc = stage_implicit_defs(c, err)) != QB_OK || (rc = push(&c->def, &d, 2, err)) != QB_OK) {
      return rc;
    }
  }
  if (rep == 0) c->n_rows++;
  c->n_levels++;
  return QB_OK;
}

/* Bytes the open page's values take in PLAIN encoding (also when staged for DELTA_BYTE_ARRAY: pages close
 * where PLAIN ones would, at the rows of the chunk's first page, and hold at most page-size PLAIN bytes,
 * which DELTA_BYTE_ARRAY only shrinks). */
static size_t plain_bytes(const qb_pq_colw *c)
{
  if (c->type == QB_PQ_BOOLEAN) return ((size_t)c->n_values + 7) / 8;
  if (c->width) return (size_t)c->n_values * c->width;
  if (c->dba > 0) return c->page_value_bytes;
  return c->use_dict ? c->page_value_bytes + 4 * (size_t)c->n_values : data_bytes(c);
}

/* Bytes the open page's values take staged; DELTA_BYTE_ARRAY staging counts as PLAIN staging would (more
 * than it holds), so pages and row groups close at the same rows either way. */
static inline size_t staged_value_bytes(const qb_pq_colw *c)
{
  return c->dba > 0 ? c->page_value_bytes : vals_bytes(c) + data_bytes(c);
}

static size_t page_estimate(const qb_pq_colw *c)
{
  size_t levels = ((size_t)c->n_levels * (size_t)(c->def_bits + c->rep_bits) + 7) / 8;
  if (c->use_dict) {
    int bw = qb_pq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
    return levels + 1 + ((size_t)c->n_values * (size_t)bw + 7) / 8;
  }
  return levels + plain_bytes(c);
}

/* The estimate counts levels and indices at their bit width, but they are staged as int16 / u32: a page of
 * nulls or of one repeated dictionary value could grow without bound when there is no row limit. Staged
 * memory beyond STAGED_PAGE_FACTOR page sizes closes the page too. */
#define STAGED_PAGE_FACTOR 4

/* Bytes the open page holds staged in memory (levels as int16, dictionary indices as u32). */
static inline size_t staged_bytes(const qb_pq_colw *c)
{
  return c->def.n + 2 * (size_t)c->def_implicit + c->rep.n + staged_value_bytes(c);
}

/* page_full on the page's staged_bytes and page_estimate, computed by the caller. */
static inline bool page_full_sized(const qb_pq_colw *c, size_t staged, size_t est)
{
  if (c->o->page_row_limit && c->n_rows >= c->o->page_row_limit) return true;
  return est >= c->o->page_size_bytes || staged / STAGED_PAGE_FACTOR >= c->o->page_size_bytes;
}

static bool page_full(const qb_pq_colw *c) { return page_full_sized(c, staged_bytes(c), page_estimate(c)); }

/* qb_pq_colw_buffered_bytes on the open page's staged_bytes and page_estimate, computed by the caller. */
static inline uint64_t buffered_sized(const qb_pq_colw *c, size_t staged, size_t est)
{
  /* The open page counts with what it holds in memory when that exceeds its encoded estimate (levels
   * staged as int16, dictionary indices as u32): the row-group budget bounds memory, not file bytes. */
  uint64_t n = c->pages.n + (staged > est ? staged : est);
  if (c->use_dict || c->dict_pages) n += c->dict.plain_bytes;
  return n;
}

uint64_t qb_pq_colw_buffered_bytes(const qb_pq_colw *c) { return buffered_sized(c, staged_bytes(c), page_estimate(c)); }

/* Turn the open page's dictionary indices into PLAIN values; the rest of the chunk stays PLAIN. */
static int fall_back(qb_pq_colw *c, qb_err *err)
{
  int rc = expand_runs(c, err);
  if (rc) return rc;
  const uint32_t *idx = (const uint32_t *)(const void *)c->vals.p;
  size_t n = c->n_values;
  qb_buf plain;
  qb_buf_init(&plain, QB_BUF_NOLIMIT);
  qb_buf_reset(&c->data);
  if (c->width) {
    if ((rc = reserve_hinted(&plain, n * c->width, c->hint_vals, err)) != QB_OK) return rc;
    /* numbers by their width (a register copy each, not a call) */
    if (c->width == 8)
      for (size_t i = 0; i < n; i++) memcpy(plain.p + i * 8, qb_pq_dict_fixed(&c->dict, idx[i]), 8);
    else if (c->width == 4)
      for (size_t i = 0; i < n; i++) memcpy(plain.p + i * 4, qb_pq_dict_fixed(&c->dict, idx[i]), 4);
    else
      for (size_t i = 0; i < n; i++) memcpy(plain.p + i * c->width, qb_pq_dict_fixed(&c->dict, idx[i]), c->width);
    plain.n = n * c->width;
  } else {
    /* reserve the exact size: appending value by value would double the buffer past it */
    size_t total = 4 * n;
    for (size_t i = 0; i < n; i++) {
      size_t len;
      (void)qb_pq_dict_bytes(&c->dict, idx[i], &len);
      total += len;
    }
    if ((rc = data_reserve(c, total, err)) != QB_OK) return rc;
    uint8_t *dst = c->data.p + c->data.n;
    for (size_t i = 0; i < n; i++) {
      size_t len;
      const uint8_t *p = qb_pq_dict_bytes(&c->dict, idx[i], &len);
      qb_put_le32(dst, (uint32_t)len);
      memcpy(dst + 4, p, len);
      dst += 4 + len;
    }
    c->data.n += total;
  }
  qb_buf_free(&c->vals);
  c->vals = plain; /* BYTE_ARRAY: empty, the values are in `data` */
  c->use_dict = false;
  /* No page refers to the dictionary yet: drop it now (its memory counts against the row group). */
  if (!c->dict_pages) qb_pq_dict_reset(&c->dict);
  return QB_OK;
}

static inline bool dict_too_big(const qb_pq_colw *c)
{
  return c->dict.plain_bytes > c->o->dictionary_page_size_bytes || c->dict.n >= QB_PQ_DICT_MAX_ENTRIES;
}


/* Whether the open first page's dictionary already loses by the first-page rule of finish_page; the
 * indices count at their bit-packed size (RLE runs can only make them smaller, and a column with many
 * runs has few distinct values and passes by far). */
static bool dict_loses(const qb_pq_colw *c)
{
  int bw = qb_pq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
  size_t indices = 1 + ((size_t)c->n_values * (size_t)bw + 7) / 8;
  return indices + c->dict.plain_bytes >= plain_bytes(c);
}

/* Dictionary mode, after a value was staged: the dictionary limit, and the probe once the first page
 * holds `probe` values (checked on that exact value, by rows and batches alike, so both write the same
 * file). */
static int after_index(qb_pq_colw *c, bool added, qb_err *err)
{
  if (added && dict_too_big(c)) return fall_back(c, err);
  /* another file of the data set dropped this column's dictionary: judge this one now (on a new value
   * only, which rows and batches stage alike, so both still write the same file) */
  if (added && c->lost && *c->lost && c->probe > c->n_values && c->probe > DICT_PROBE_AGAIN) {
    c->probe = c->n_values > DICT_PROBE_AGAIN ? c->n_values : DICT_PROBE_AGAIN;
    c->probe_early = false; /* the hint's judgement is by the plain rule */
  }
  if (c->n_values != c->probe || c->first_page_done) return QB_OK;
  if (c->probe_early) { /* the strict first judgement; a dictionary it keeps is judged again later */
    c->probe_early = false;
    bool distinct = (uint64_t)(c->n_values - c->dict.n) * DICT_EARLY_REPEAT_DIV <= c->n_values;
    if (!distinct || !dict_loses(c)) {
      c->probe = DICT_PROBE_VALUES;
      return QB_OK;
    }
  } else if (!dict_loses(c)) {
    return QB_OK;
  }
  c->probe_dropped = true;
  if (c->lost) *c->lost = 1;
  return fall_back(c, err);
}

/* Dictionary mode: stage index `idx` of a value; `added` says whether the dictionary grew. Forced inline:
 * gcc otherwise calls it from each of its call sites, a fifth of the batch path's own instructions. */
static inline __attribute__((always_inline)) int stage_index(qb_pq_colw *c, uint32_t idx, bool added, qb_err *err)
{
  int rc = push(&c->vals, &idx, 4, err);
  if (rc) return rc;
  c->n_values++;
  /* the checks out of line: this runs for every dictionary-encoded value */
  return added || c->n_values == c->probe ? after_index(c, added, err) : QB_OK;
}

/* ---- typed values --------------------------------------------------------------------------------- */

static inline int val_i32(qb_pq_colw *c, int32_t v, qb_err *err)
{
  if (c->use_dict) {
    uint32_t idx;
    bool added;
    int rc = qb_pq_dict_put_u32(&c->dict, (uint32_t)v, &idx, &added, err);
    if (rc) return rc;
    if (added) qb_pq_col_stats_i32(&c->stats, v);
    return stage_index(c, idx, added, err);
  }
  qb_pq_col_stats_i32(&c->stats, v);
  c->n_values++;
  return push(&c->vals, &v, 4, err);
}

static inline int val_i64(qb_pq_colw *c, int64_t v, qb_err *err)
{
  if (c->use_dict) {
    uint32_t idx;
    bool added;
    int rc = qb_pq_dict_put_u64(&c->dict, (uint64_t)v, &idx, &added, err);
    if (rc) return rc;
    if (added) qb_pq_col_stats_int(&c->stats, v);
    return stage_index(c, idx, added, err);
  }
  qb_pq_col_stats_int(&c->stats, v);
  c->n_values++;
  return push(&c->vals, &v, 8, err);
}

/* NaN counts are per value, not per dictionary entry. */
static inline int val_float(qb_pq_colw *c, float v, qb_err *err)
{
  if (c->use_dict) {
    uint32_t bits, idx;
    bool added;
    memcpy(&bits, &v, 4);
    int rc = qb_pq_dict_put_u32(&c->dict, bits, &idx, &added, err);
    if (rc) return rc;
    if (added || isnan(v)) qb_pq_col_stats_double(&c->stats, v);
    return stage_index(c, idx, added, err);
  }
  qb_pq_col_stats_double(&c->stats, v);
  c->n_values++;
  return push(&c->vals, &v, 4, err);
}

static inline int val_double(qb_pq_colw *c, double v, qb_err *err)
{
  if (c->use_dict) {
    uint64_t bits;
    uint32_t idx;
    bool added;
    memcpy(&bits, &v, 8);
    int rc = qb_pq_dict_put_u64(&c->dict, bits, &idx, &added, err);
    if (rc) return rc;
    if (added || isnan(v)) qb_pq_col_stats_double(&c->stats, v);
    return stage_index(c, idx, added, err);
  }
  qb_pq_col_stats_double(&c->stats, v);
  c->n_values++;
  return push(&c->vals, &v, 8, err);
}

static inline int val_bool(qb_pq_colw *c, bool v, qb_err *err)
{
  uint8_t b = v ? 1 : 0;
  qb_pq_col_stats_int(&c->stats, b);
  c->n_values++;
  return push(&c->vals, &b, 1, err);
}

/* DELTA_BYTE_ARRAY staging of value (p, n) after the page's previous value (prev, prev_n; 0 bytes for the
 * page's first): its prefix and suffix lengths, its suffix. */
static inline int dba_stage(qb_pq_colw *c, const uint8_t *p, size_t n, const uint8_t *prev, size_t prev_n, qb_err *err)
{
  int rc;
  if (n > INT32_MAX) return QB_FAIL(err, QB_EINVAL, "value of %zu bytes exceeds DELTA_BYTE_ARRAY's 2 GiB limit", n);
  size_t k = qb_pq_common_prefix(p, prev, n < prev_n ? n : prev_n);
  int32_t pre = (int32_t)k, suf = (int32_t)(n - k);
  c->page_value_bytes += 4 + n;
  if ((rc = push(&c->vals, &pre, 4, err)) != QB_OK || (rc = push(&c->sufl, &suf, 4, err)) != QB_OK) return rc;
  if (c->data.cap - c->data.n < n - k + DATA_HEAD && (rc = data_reserve(c, n - k, err)) != QB_OK) return rc;
  if (!c->data.n) c->data.n = DATA_HEAD;
  if (n > k) memcpy(c->data.p + c->data.n, p + k, n - k);
  c->data.n += n - k;
  return QB_OK;
}

/* The chunk's first BYTE_ARRAY page without dictionary, staged PLAIN, decides whether the chunk's pages
 * are DELTA_BYTE_ARRAY, on its first DBA_PROBE_VALUES values (or all, when the page closes before):
 * it pays when their shared prefixes make up at least half of their bytes. Ids built from a long common
 * part (an experiment id, then "_iter_"/"_term_" and numbers) shrink to their last few bytes, and zstd,
 * the copies and the page faults then handle a few percent of them; values without such prefixes stay
 * PLAIN. When it pays, the staged values are re-staged split (in place) and the page goes on split. The
 * values judged are the same however they arrive (rows or batches), so the choice is too. */
static int dba_decide(qb_pq_colw *c, qb_err *err)
{
  size_t n = c->n_values, bytes = data_bytes(c), split = bytes;
  int rc;
  if ((rc = reserve_hinted(&c->vals, n * 4, c->hint_vals, err)) != QB_OK ||
      (rc = qb_buf_reserve(&c->sufl, n * 4, err)) != QB_OK)
    return rc;
  bool pays;
  rc = qb_pq_dba_split_plain((int32_t *)(void *)c->vals.p, (int32_t *)(void *)c->sufl.p, &pays, &c->prev,
                             c->data.p + DATA_HEAD, &split, n, DBA_PROBE_VALUES, err);
  if (rc) return rc;
  c->dba = pays ? 1 : -1;
  if (!pays) return QB_OK;
  c->vals.n = c->sufl.n = n * 4;
  c->data.n = DATA_HEAD + split;
  c->page_value_bytes = bytes; /* their PLAIN size: the page closes where it would PLAIN */
  return QB_OK;
}

static inline int val_bytes(qb_pq_colw *c, const uint8_t *p, size_t n, qb_err *err)
{
  int rc;
  if (c->use_dict) {
    uint32_t idx;
    bool added;
    if ((rc = qb_pq_dict_put_bytes(&c->dict, p, n, &idx, &added, err)) != QB_OK) return rc;
    if (added && (rc = qb_pq_col_stats_bytes(&c->stats, p, n, err)) != QB_OK) return rc;
    c->page_value_bytes += n;
    return stage_index(c, idx, added, err);
  }
  if ((rc = qb_pq_col_stats_bytes(&c->stats, p, n, err)) != QB_OK) return rc;
  c->n_values++;
  if (c->width) return push(&c->vals, p, n, err);
  if (c->dba > 0) {
    if ((rc = dba_stage(c, p, n, c->prev.p, c->prev.n, err)) != QB_OK) return rc;
    qb_buf_reset(&c->prev);
    return n ? qb_buf_append(&c->prev, p, n, err) : QB_OK;
  }
  if (n > UINT32_MAX) return QB_FAIL(err, QB_EINVAL, "value of %zu bytes exceeds the 4 GiB BYTE_ARRAY limit", n);
  if ((rc = data_reserve(c, 4 + n, err)) != QB_OK) return rc;
  qb_put_le32(c->data.p + c->data.n, (uint32_t)n);
  if (n) memcpy(c->data.p + c->data.n + 4, p, n);
  c->data.n += 4 + n;
  return c->dba == 0 && c->n_values >= DBA_PROBE_VALUES ? dba_decide(c, err) : QB_OK;
}

int qb_pq_colw_put_null(qb_pq_colw *c, int rep, int def, qb_err *err)
{
  c->stats.null_count++;
  return put_level(c, rep, def, err);
}

int qb_pq_colw_put_bool(qb_pq_colw *c, int rep, bool v, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_bool(c, v, err);
}

int qb_pq_colw_put_i32(qb_pq_colw *c, int rep, int32_t v, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_i32(c, v, err);
}

int qb_pq_colw_put_i64(qb_pq_colw *c, int rep, int64_t v, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_i64(c, v, err);
}

int qb_pq_colw_put_float(qb_pq_colw *c, int rep, float v, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_float(c, v, err);
}

int qb_pq_colw_put_double(qb_pq_colw *c, int rep, double v, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_double(c, v, err);
}

int qb_pq_colw_put_bytes(qb_pq_colw *c, int rep, const uint8_t *p, size_t n, qb_err *err)
{
  int rc = put_level(c, rep, c->max_def, err);
  return rc ? rc : val_bytes(c, p, n, err);
}

/* ---- pages ----------------------------------------------------------------------------------------------- */

/* Slices over the staged PLAIN values of a fixed-width byte column (FLBA, INT96), for the PLAIN encoder. */
static int stage_slices(qb_pq_colw *c, qb_err *err)
{
  size_t n = c->n_values;
  qb_buf_reset(&c->slices);
  int rc = qb_buf_reserve(&c->slices, n * sizeof(qb_slice), err);
  if (rc) return rc;
  qb_slice *s = (qb_slice *)(void *)c->slices.p;
  for (size_t i = 0; i < n; i++) s[i] = (qb_slice){c->vals.p + i * c->width, c->width};
  return QB_OK;
}

static int encode_plain(qb_buf *out, qb_pq_colw *c, qb_err *err)
{
  size_t n = c->n_values;
  const void *v = c->vals.p;
  int rc;
  switch (c->type) {
  case QB_PQ_BOOLEAN: return qb_pq_plain_encode_bool(out, v, n, err);
  case QB_PQ_INT32: return qb_pq_plain_encode_i32(out, v, n, err);
  case QB_PQ_INT64: return qb_pq_plain_encode_i64(out, v, n, err);
  case QB_PQ_FLOAT: return qb_pq_plain_encode_float(out, v, n, err);
  case QB_PQ_DOUBLE: return qb_pq_plain_encode_double(out, v, n, err);
  case QB_PQ_BYTE_ARRAY: return c->data.n ? qb_buf_append(out, c->data.p + DATA_HEAD, data_bytes(c), err) : QB_OK;
  default:
    if ((rc = stage_slices(c, err)) != QB_OK) return rc;
    return qb_pq_plain_encode_fixed(out, (const qb_slice *)(const void *)c->slices.p, n, c->width, err);
  }
}

/* Dictionary-encoded values section: 1 byte bit width, then RLE/bit-packed indices without length. */
static int encode_indices(qb_buf *out, const qb_pq_colw *c, qb_err *err)
{
  int bw = qb_pq_bit_width(c->dict.n ? c->dict.n - 1 : 0);
  int rc = qb_buf_putc(out, (uint8_t)bw, err);
  if (rc) return rc;
  const uint32_t *v = (const uint32_t *)(const void *)c->vals.p;
  size_t nr = c->runs.n / sizeof(qb_pq_colw_run);
  if (!nr) return qb_pq_rle_encode(out, v, c->n_values, bw, err);
  /* the runs given as runs: the same bytes as their indices one by one */
  const qb_pq_colw_run *r = (const qb_pq_colw_run *)(const void *)c->runs.p;
  qb_pq_rle_encoder e;
  qb_pq_rle_encoder_init(&e, out, bw);
  size_t at = 0;
  for (size_t k = 0; k < nr; k++) {
    if ((rc = qb_pq_rle_encoder_put_many(&e, v + at, r[k].at - at, err)) != QB_OK ||
        (rc = qb_pq_rle_encoder_put_run(&e, r[k].idx, r[k].count, err)) != QB_OK)
      return rc;
    at = r[k].at;
  }
  if ((rc = qb_pq_rle_encoder_put_many(&e, v + at, c->vals.n / 4 - at, err)) != QB_OK) return rc;
  return qb_pq_rle_encoder_finish(&e, err);
}

static int encode_levels(qb_buf *out, const qb_pq_colw *c, bool len_prefixed, size_t *out_rep_n, qb_err *err)
{
  int rc;
  size_t at = out->n;
  if (c->max_rep &&
      (rc = qb_pq_levels_encode(out, (const int16_t *)(const void *)c->rep.p, c->n_levels, c->max_rep, len_prefixed,
                                err)) != QB_OK)
    return rc;
  *out_rep_n = out->n - at;
  if (!c->max_def) return QB_OK;
  /* nothing staged: every level of the page is max_def (a page without nulls), one RLE run */
  if (c->def.n == 0) return qb_pq_levels_encode_run(out, c->max_def, c->n_levels, c->max_def, len_prefixed, err);
  return qb_pq_levels_encode(out, (const int16_t *)(const void *)c->def.p, c->n_levels, c->max_def, len_prefixed, err);
}

static int finish_page(qb_pq_colw *c, qb_err *err)
{
  int rc;
  if (c->n_levels == 0) return QB_OK;
  const qb_pq_write_options *o = c->o;
  bool v2 = o->data_page_version == 2;
  qb_buf *body = &c->body, *lv = &c->hdr;
  qb_buf_reset(body);
  qb_buf_reset(lv);
  size_t rep_n = 0;
  if ((rc = encode_levels(v2 ? lv : body, c, !v2, &rep_n, err)) != QB_OK) return rc;
  size_t values_at = body->n;

  bool dict = c->use_dict && (c->n_values > 0 || c->dict.n > 0);
  if (dict) {
    if ((rc = encode_indices(body, c, err)) != QB_OK) return rc;
    /* parquet-java FallbackValuesWriter: on the first page keep the dictionary only when indices plus
     * dictionary are smaller than the PLAIN values. */
    if (!c->first_page_done && (body->n - values_at) + c->dict.plain_bytes >= plain_bytes(c)) {
      body->n = values_at;
      c->probe_dropped = true; /* the column's next chunk probes early, as after a probe drop */
      if (c->lost) *c->lost = 1;
      if ((rc = fall_back(c, err)) != QB_OK) return rc;
      dict = false;
    }
  }
  if (!dict && c->dba == 0 && c->n_values && (rc = dba_decide(c, err)) != QB_OK) return rc;
  bool dba = !dict && c->dba > 0 && c->n_values;
  if (dba && (rc = qb_pq_dba_encode_split(body, (const int32_t *)(const void *)c->vals.p,
                                          (const int32_t *)(const void *)c->sufl.p, c->n_values,
                                          c->data.p + DATA_HEAD, data_bytes(c), err)) != QB_OK)
    return rc;
  /* the page's values section: encoded into body, or PLAIN strings as staged, the levels before them */
  const uint8_t *src;
  size_t src_n;
  if (!dict && !dba && c->type == QB_PQ_BYTE_ARRAY && c->data.n && values_at <= DATA_HEAD) {
    uint8_t *at = c->data.p + DATA_HEAD - values_at;
    if (values_at) memcpy(at, body->p, values_at);
    src = at;
    src_n = values_at + data_bytes(c);
  } else {
    if (!dict && !dba && (rc = encode_plain(body, c, err)) != QB_OK) return rc;
    src = body->p;
    src_n = body->n;
  }
  c->first_page_done = true;

  if (!c->pages.cap && c->hint_pages && c->hint_pages < (size_t)-1 / 4 &&
      (rc = reserve_cap(&c->pages, size_class(hint_slack(c->hint_pages) + 1), err)) != QB_OK)
    return rc;

  qb_pq_encoding enc = dict ? (v2 ? QB_PQ_RLE_DICTIONARY : QB_PQ_PLAIN_DICTIONARY)
                            : dba ? QB_PQ_DELTA_BYTE_ARRAY : QB_PQ_PLAIN;
  qb_pq_page_header h;
  memset(&h, 0, sizeof h);
  int64_t bytes, ubytes;
  if (!v2) {
    h.type = QB_PQ_PAGE_DATA;
    h.has_data_page_header = true;
    h.data_page_header.num_values = (int32_t)c->n_levels;
    h.data_page_header.encoding = enc;
    h.data_page_header.def_level_encoding = QB_PQ_RLE;
    h.data_page_header.rep_level_encoding = QB_PQ_RLE;
    rc = qb_pq_page_write(&c->pages, &h, NULL, 0, src, src_n, true, &c->cz, o->page_crc, &c->comp, &bytes, &ubytes, err);
  } else {
    size_t values_n = src_n;
    h.type = QB_PQ_PAGE_DATA_V2;
    h.has_data_page_header_v2 = true;
    qb_pq_data_page_header_v2 *h2 = &h.data_page_header_v2;
    h2->num_values = (int32_t)c->n_levels;
    h2->num_nulls = (int32_t)(c->n_levels - c->n_values);
    h2->num_rows = (int32_t)c->n_rows;
    h2->encoding = enc;
    h2->rep_levels_byte_length = (int32_t)rep_n;
    h2->def_levels_byte_length = (int32_t)(lv->n - rep_n);
    /* An empty values section is stored as nothing, not as an empty compressed stream, and flagged
     * uncompressed: readers must not feed 0 bytes to a decompressor (datapage_v2_empty_datapage). */
    h2->is_compressed = o->codec != QB_PQ_UNCOMPRESSED && values_n > 0;
    rc = qb_pq_page_write(&c->pages, &h, lv->p, lv->n, src, values_n, h2->is_compressed, &c->cz, o->page_crc, &c->comp,
                          &bytes, &ubytes, err);
  }
  if (rc) return qb_err_wrap(err, "data page");
  c->data_compressed += bytes;
  c->data_uncompressed += ubytes;
  c->num_values += c->n_levels;
  if (dict) {
    c->dict_pages = true;
    c->n_dict_pages_enc++;
  } else if (dba) {
    c->n_dba_pages++;
  } else {
    c->n_plain_pages++;
  }
  if (c->vals.n > c->peak_vals) c->peak_vals = c->vals.n;
  if (c->data.n > c->peak_data) c->peak_data = c->data.n;
  qb_buf_reset(&c->def);
  c->def_implicit = 0;
  qb_buf_reset(&c->rep);
  qb_buf_reset(&c->vals);
  qb_buf_reset(&c->runs);
  qb_buf_reset(&c->data);
  qb_buf_reset(&c->sufl);
  qb_buf_reset(&c->prev); /* a page's first value shares nothing: pages decode on their own */
  /* The encode/compress scratch is only needed while a page is written: a writer fanning out to many
   * partition files would otherwise keep a page-sized body and compressed copy per column per open file. */
  qb_buf *scratch[] = {&c->body, &c->comp, &c->hdr};
  for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++) {
    qb_buf_free(scratch[i]);
    qb_buf_init(scratch[i], QB_BUF_NOLIMIT);
  }
  c->n_levels = c->n_values = c->n_rows = 0;
  c->page_value_bytes = 0;
  return QB_OK;
}

int qb_pq_colw_end_rows(qb_pq_colw *c, qb_err *err)
{
  if (!page_full(c)) return QB_OK;
  return finish_page(c, err);
}

/* ---- columnar fast path ------------------------------------------------------------------------------ */

/* A batch row's value is at row k, or for a declared repeat at row s, the row holding row k - 1's value
 * (qb_pq_column_batch.repeats: a repeat stores no value of its own, its slot is never read). Loops keep s
 * as the row holding the value of the row before the one they are at. */
static inline size_t value_row(const uint8_t *rep, size_t k, size_t s) { return rep && rep[k] ? s : k; }

/* PLAIN fixed-width numbers: copy the run's non-null values at once, then fold their statistics. */
#define PLAIN_RUN(T, STATS_ARRAY)                                                        \
  do {                                                                                   \
    const T *all = (const T *)b->values, *own = all + i;                                 \
    if ((rc = qb_buf_reserve(&c->vals, run * sizeof(T), err)) != QB_OK) return rc;       \
    T *dst = (T *)(void *)(c->vals.p + c->vals.n);                                       \
    size_t m = 0;                                                                        \
    if (rep) {                                                                           \
      for (size_t k = i; k < i + run; k++) {                                             \
        s = value_row(rep, k, s);                                                        \
        if (!valid || valid[k]) dst[m++] = all[s];                                       \
      }                                                                                  \
    } else if (!valid) {                                                                 \
      memcpy(dst, own, run * sizeof(T));                                                 \
      m = run;                                                                           \
    } else {                                                                             \
      for (size_t k = 0; k < run; k++)                                                   \
        if (valid[i + k]) dst[m++] = own[k];                                             \
    }                                                                                    \
    STATS_ARRAY(&c->stats, dst, m);                                                      \
    c->vals.n += m * sizeof(T);                                                          \
    c->n_values += (uint32_t)m;                                                          \
    c->stats.null_count += run - m;                                                      \
  } while (0)

/* One value at a time (dictionary mode, strings, booleans), the value at row s; EXPR may switch the
 * chunk to PLAIN. */
#define VALUE_RUN(EXPR)                                      \
  do {                                                       \
    for (size_t k = i; k < i + run; k++) {                   \
      s = value_row(rep, k, s);                              \
      if (valid && !valid[k]) {                              \
        c->stats.null_count++;                               \
        continue;                                            \
      }                                                      \
      if ((rc = (EXPR)) != QB_OK) return rc;                 \
    }                                                        \
  } while (0)

/* Unsigned lexicographic order (QB_PQ_ORD_BYTES). */
static inline int cmp_unsigned_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  size_t n = an < bn ? an : bn;
  int r = n ? memcmp(a, b, n) : 0; /* a chunk bound may be empty (no buffer) */
  return r ? r : (an > bn) - (an < bn);
}

/* plain_bytes_run's loop for rows that are all values, none a declared repeat (ids, labels): each row's
 * end offset is the next row's start (one offset read per row), the first row opens the run's bounds when
 * the chunk has none, then one head test per row. Same staging and statistics as the general loop. */
static int plain_bytes_dense(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i, size_t run, qb_err *err)
{
  int rc;
  const uint8_t *base = b->values;
  const int64_t *off = b->offsets + i;
  if ((rc = data_reserve(c, 4 * run + (size_t)(off[run] - off[0]), err)) != QB_OK) return rc;
  uint8_t *dst = c->data.p + c->data.n;
  const qb_pq_col_stats *st = &c->stats;
  const uint8_t *minp = st->min_b.p, *maxp = st->max_b.p;
  size_t minn = st->min_b.n, maxn = st->max_b.n, k = 0;
  bool new_min = false, new_max = false;
  int64_t end = off[0];
  if (!st->has_minmax) {
    minp = maxp = base + off[0];
    minn = maxn = (size_t)(off[1] - off[0]);
    new_min = new_max = true;
  }
  uint64_t minh = qb_pq_bytes_head8(minp, minn), maxh = qb_pq_bytes_head8(maxp, maxn);
  for (; k < run; k++) {
    int64_t start = end;
    end = off[k + 1];
    const uint8_t *p = base + start;
    size_t n = (size_t)(end - start); /* ≤ UINT32_MAX: checked by the writer */
    qb_put_le32(dst, (uint32_t)n);
    memcpy(dst + 4, p, n);
    dst += 4 + n;
    uint64_t h = qb_pq_bytes_head8(p, n);
    if (h > minh && h < maxh) continue; /* neither bound: decided by the heads */
    if (h < minh || (h == minh && cmp_unsigned_bytes(p, n, minp, minn) < 0)) {
      minp = p, minn = n, minh = h, new_min = true;
    } else if (h > maxh || (h == maxh && cmp_unsigned_bytes(p, n, maxp, maxn) > 0)) {
      maxp = p, maxn = n, maxh = h, new_max = true;
    }
  }
  c->data.n = (size_t)(dst - c->data.p);
  c->n_values += (uint32_t)run;
  if (new_min && (rc = qb_pq_col_stats_bytes(&c->stats, minp, minn, err)) != QB_OK) return rc;
  if (new_max && (rc = qb_pq_col_stats_bytes(&c->stats, maxp, maxn, err)) != QB_OK) return rc;
  return QB_OK;
}

/* PLAIN BYTE_ARRAY rows: staged in their PLAIN layout (4-byte length, bytes) into `data` reserved once for
 * the run; the chunk's min and max widened by the run's values, folded into the statistics once when they
 * moved (for unsigned byte order). *src as in qb_pq_colw_put_batch. */
static int plain_bytes_run(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i, size_t run, size_t *src,
                           qb_err *err)
{
  int rc;
  const uint8_t *base = b->values, *valid = b->valid, *rep = b->repeats;
  const int64_t *off = b->offsets;
  if (!rep && !valid && run) {
    *src = i + run - 1;
    return plain_bytes_dense(c, b, i, run, err);
  }
  size_t total = 4 * run, s = *src;
  if (!rep) {
    total += (size_t)(off[i + run] - off[i]);
  } else { /* a repeat's bytes are its source row's, not in the offsets of the run */
    for (size_t k = i; k < i + run; k++) {
      s = value_row(rep, k, s);
      if (!valid || valid[k]) total += (size_t)(off[s + 1] - off[s]);
    }
    s = *src;
  }
  if ((rc = data_reserve(c, total, err)) != QB_OK) return rc;
  uint8_t *dst = c->data.p + c->data.n;
  /* the run's bounds start as the chunk's: a run's values mostly share one experiment's prefix, and
   * against its own first value each would need a full compare, against the chunk's (other experiments)
   * their heads decide */
  const qb_pq_col_stats *st = &c->stats;
  bool have = st->has_minmax, new_min = false, new_max = false;
  const uint8_t *minp = st->min_b.p, *maxp = st->max_b.p;
  size_t minn = st->min_b.n, maxn = st->max_b.n, m = 0;
  uint64_t minh = qb_pq_bytes_head8(minp, minn), maxh = qb_pq_bytes_head8(maxp, maxn); /* their heads */
  const uint8_t *p = NULL;
  size_t n = 0;
  for (size_t k = i; k < i + run; k++) {
    s = value_row(rep, k, s);
    if (valid && !valid[k]) continue;
    /* a declared repeat after the run's first row is row k - 1's value (p, n), already among the run's
     * statistics: no compare. */
    bool again = rep && k > i && rep[k];
    if (!again) p = base + off[s], n = (size_t)(off[s + 1] - off[s]); /* ≤ UINT32_MAX: checked by the writer */
    qb_put_le32(dst, (uint32_t)n);
    memcpy(dst + 4, p, n);
    dst += 4 + n;
    m++;
    if (again) continue;
    uint64_t h = qb_pq_bytes_head8(p, n);
    if (!have) {
      minp = maxp = p;
      minn = maxn = n;
      minh = maxh = h;
      have = new_min = new_max = true;
    } else if (h > minh && h < maxh) {
      continue; /* neither bound: decided by the heads */
    } else if (h < minh || (h == minh && cmp_unsigned_bytes(p, n, minp, minn) < 0)) {
      minp = p, minn = n, minh = h, new_min = true;
    } else if (h > maxh || (h == maxh && cmp_unsigned_bytes(p, n, maxp, maxn) > 0)) {
      maxp = p, maxn = n, maxh = h, new_max = true;
    }
  }
  *src = s;
  c->data.n = (size_t)(dst - c->data.p);
  c->n_values += (uint32_t)m;
  c->stats.null_count += run - m;
  if (new_min && (rc = qb_pq_col_stats_bytes(&c->stats, minp, minn, err)) != QB_OK) return rc;
  if (new_max && (rc = qb_pq_col_stats_bytes(&c->stats, maxp, maxn, err)) != QB_OK) return rc;
  return QB_OK;
}

/* DELTA_BYTE_ARRAY staging (c->dba > 0) of batch rows: as plain_bytes_run, each value split against the
 * one before it in the page (the run's first against `prev`); a declared repeat shares all its bytes. */
static int dba_bytes_run(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i, size_t run, size_t *src, qb_err *err)
{
  int rc;
  const uint8_t *base = b->values, *valid = b->valid, *rep = b->repeats;
  const int64_t *off = b->offsets;
  size_t s = *src, m = 0;
  if ((rc = qb_buf_reserve(&c->vals, run * 4, err)) != QB_OK || (rc = qb_buf_reserve(&c->sufl, run * 4, err)) != QB_OK)
    return rc;
  const uint8_t *minp = NULL, *maxp = NULL, *p = NULL, *prev = c->prev.p;
  size_t minn = 0, maxn = 0, n = 0, prev_n = c->prev.n;
  for (size_t k = i; k < i + run; k++) {
    s = value_row(rep, k, s);
    if (valid && !valid[k]) continue;
    bool again = rep && k > i && rep[k];
    if (!again) p = base + off[s], n = (size_t)(off[s + 1] - off[s]);
    if ((rc = dba_stage(c, p, n, prev, prev_n, err)) != QB_OK) return rc;
    prev = p, prev_n = n;
    m++;
    if (again) continue;
    if (!minp) {
      minp = maxp = p;
      minn = maxn = n;
    } else if (cmp_unsigned_bytes(p, n, minp, minn) < 0) {
      minp = p, minn = n;
    } else if (cmp_unsigned_bytes(p, n, maxp, maxn) > 0) {
      maxp = p, maxn = n;
    }
  }
  *src = s;
  /* the page's last value, for the next run (the batch may be gone by then) */
  if (m && prev != c->prev.p) {
    qb_buf_reset(&c->prev);
    if (prev_n && (rc = qb_buf_append(&c->prev, prev, prev_n, err)) != QB_OK) return rc;
  }
  c->n_values += (uint32_t)m;
  c->stats.null_count += run - m;
  if (minp && (rc = qb_pq_col_stats_bytes(&c->stats, minp, minn, err)) != QB_OK) return rc;
  if (minp && (rc = qb_pq_col_stats_bytes(&c->stats, maxp, maxn, err)) != QB_OK) return rc;
  return QB_OK;
}

/* Rows (k, end) of a batch that hold row k's value (bit pattern; fixed width `width`, else offsets) or
 * are null, up to the first that holds another value, which is returned. OUT: *out_same values,
 * *out_nulls nulls among them. One loop per width: the comparison is a register compare for 4 and 8
 * bytes, and no per-row dispatch. */
static size_t scan_run(const qb_pq_column_batch *b, size_t width, size_t k, size_t end, size_t *out_same,
                       size_t *out_nulls)
{
  const uint8_t *valid = b->valid, *base = b->values;
  size_t j = k + 1, nulls = 0;
  if (width == 8) {
    uint64_t x, y;
    memcpy(&x, base + k * 8, 8);
    for (; j < end; j++) {
      if (valid && !valid[j]) {
        nulls++;
        continue;
      }
      memcpy(&y, base + j * 8, 8);
      if (y != x) break;
    }
  } else if (width == 4) {
    uint32_t x, y;
    memcpy(&x, base + k * 4, 4);
    for (; j < end; j++) {
      if (valid && !valid[j]) {
        nulls++;
        continue;
      }
      memcpy(&y, base + j * 4, 4);
      if (y != x) break;
    }
  } else if (width) {
    for (; j < end; j++) {
      if (valid && !valid[j]) {
        nulls++;
        continue;
      }
      if (memcmp(base + j * width, base + k * width, width)) break;
    }
  } else {
    const int64_t *off = b->offsets;
    const uint8_t *x = base + off[k];
    size_t n = (size_t)(off[k + 1] - off[k]);
    for (; j < end; j++) {
      if (valid && !valid[j]) {
        nulls++;
        continue;
      }
      if ((size_t)(off[j + 1] - off[j]) != n || !qb_pq_bytes_eq(base + off[j], x, n)) break;
    }
  }
  *out_same = j - k - 1 - nulls;
  *out_nulls = nulls;
  return j;
}

/* Rows [k, end) of a batch with producer-given repeats: the first of them that does not repeat its
 * predecessor, or end (no comparison: the producer knew, see qb_pq_column_batch.repeats). */
static inline size_t repeats_end(const qb_pq_column_batch *b, size_t k, size_t end)
{
  if (k >= end) return end;
  const uint8_t *z = memchr(b->repeats + k, 0, end - k);
  return z ? (size_t)(z - b->repeats) : end;
}

static inline int dict_value(qb_pq_colw *c, const qb_pq_column_batch *b, size_t k, qb_err *err)
{
  switch (c->type) {
  case QB_PQ_INT32: return val_i32(c, ((const int32_t *)b->values)[k], err);
  case QB_PQ_INT64: return val_i64(c, ((const int64_t *)b->values)[k], err);
  case QB_PQ_FLOAT: return val_float(c, ((const float *)b->values)[k], err);
  case QB_PQ_DOUBLE: return val_double(c, ((const double *)b->values)[k], err);
  case QB_PQ_BYTE_ARRAY: {
    const int64_t *off = b->offsets;
    return val_bytes(c, (const uint8_t *)b->values + off[k], (size_t)(off[k + 1] - off[k]), err);
  }
  default: return val_bytes(c, (const uint8_t *)b->values + k * c->width, c->width, err);
  }
}

/* Repeats of at least this many values are staged as a run (qb_pq_colw_run), fewer one by one. */
#define RUN_MIN 16

/* Dictionary mode: `count` more copies of index `idx` (values, no nulls among them) staged at once, as a
 * run when long. */
static int stage_copies(qb_pq_colw *c, uint32_t idx, size_t count, bool nan, size_t value_bytes, qb_err *err)
{
  int rc;
  if (count >= RUN_MIN) { /* a long run (a record-constant column over a record): kept as a run */
    qb_pq_colw_run run = {(uint32_t)(c->vals.n / 4), idx, (uint32_t)count};
    if ((rc = push(&c->runs, &run, sizeof run, err)) != QB_OK) return rc;
  } else if (count) {
    if ((rc = qb_buf_reserve(&c->vals, count * 4, err)) != QB_OK) return rc;
    uint32_t *dst = (uint32_t *)(void *)(c->vals.p + c->vals.n);
    for (size_t r = 0; r < count; r++) dst[r] = idx;
    c->vals.n += count * 4;
  }
  c->n_values += (uint32_t)count;
  if (nan) c->stats.nan_count += count;
  c->page_value_bytes += count * value_bytes;
  return QB_OK;
}

/* Dictionary mode: row k's value (held by row v) was just staged; rows (k, j) repeat it (`same` values) or
 * are null. They reuse its index without a lookup, staged at once; a run that reaches the first-page probe
 * stages the value at the probe on its own (checked on that exact value, as rows do), the copies before
 * and after it at once, or with nulls among them one at a time, stopping where the chunk falls back to
 * PLAIN. Returns through *out_next the first row not consumed. */
static int stage_repeats(qb_pq_colw *c, const qb_pq_column_batch *b, size_t v, size_t k, size_t j, size_t same,
                         size_t nulls, size_t *out_next, qb_err *err)
{
  int rc;
  uint32_t idx;
  memcpy(&idx, c->vals.p + c->vals.n - 4, 4);
  bool nan = false;
  if (c->type == QB_PQ_FLOAT) nan = isnan(((const float *)b->values)[v]);
  if (c->type == QB_PQ_DOUBLE) nan = isnan(((const double *)b->values)[v]);
  size_t value_bytes = c->type == QB_PQ_BYTE_ARRAY ? (size_t)(b->offsets[v + 1] - b->offsets[v]) : 0;
  *out_next = j;
  if (!c->first_page_done && c->n_values < c->probe && same >= c->probe - c->n_values) {
    if (nulls) {
      for (size_t r = k + 1; r < j; r++) {
        if (b->valid && !b->valid[r]) {
          c->stats.null_count++;
          continue;
        }
        c->stats.nan_count += nan; /* NaN counts are per value */
        c->page_value_bytes += value_bytes;
        if ((rc = stage_index(c, idx, false, err)) != QB_OK) return rc;
        if (!c->use_dict) {
          *out_next = r + 1;
          return QB_OK;
        }
      }
      return QB_OK;
    }
    /* rows (k, j) are `same` values: the m-th is row k + m */
    size_t left = same;
    while (!c->first_page_done && c->n_values < c->probe && left >= c->probe - c->n_values) {
      size_t before = c->probe - c->n_values - 1;
      if ((rc = stage_copies(c, idx, before, nan, value_bytes, err)) != QB_OK) return rc;
      c->stats.nan_count += nan;
      c->page_value_bytes += value_bytes;
      if ((rc = stage_index(c, idx, false, err)) != QB_OK) return rc; /* the probe judges here */
      left -= before + 1;
      if (!c->use_dict) {
        *out_next = j - left;
        return QB_OK;
      }
    }
    return stage_copies(c, idx, left, nan, value_bytes, err);
  }
  c->stats.null_count += nulls;
  return stage_copies(c, idx, same, nan, value_bytes, err);
}

/* Dictionary mode: a value equal to the previous non-null row's reuses its index without a lookup
 * (constant and repeated columns: ids, names, metadata). Returns through *done the rows consumed, which
 * is fewer than `run` when the chunk fell back to PLAIN (the caller continues in PLAIN). *src as in
 * qb_pq_colw_put_batch. */
static int dict_run(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i, size_t run, size_t *src, size_t *done,
                    qb_err *err)
{
  int rc;
  const uint8_t *valid = b->valid, *rep = b->repeats;
  size_t width = c->type == QB_PQ_BYTE_ARRAY ? 0 : c->width, end = i + run, k = i, s = *src;
  while (k < end && c->use_dict) {
    if (valid && !valid[k]) { /* its repeats are null too (qb_pq_column_batch_validate) */
      size_t j = rep ? repeats_end(b, k + 1, end) : k + 1;
      c->stats.null_count += j - k;
      s = k;
      k = j;
      continue;
    }
    /* only the run's first row can be a declared repeat here: the loop steps over the others */
    s = value_row(rep, k, s);
    if ((rc = dict_value(c, b, s, err)) != QB_OK) return rc;
    if (!c->use_dict) {
      k++;
      break;
    }
    size_t same, nulls = 0, j;
    if (rep) same = (j = repeats_end(b, k + 1, end)) - k - 1;
    else j = scan_run(b, width, k, end, &same, &nulls);
    if (!same) { /* the common case of a column without runs: no repeat to stage */
      c->stats.null_count += nulls;
      k = j;
      continue;
    }
    if ((rc = stage_repeats(c, b, s, k, j, same, nulls, &k, err)) != QB_OK) return rc;
  }
  *src = s;
  *done = k - i;
  return QB_OK;
}

/* Rows ahead whose dictionary slot dict_run_num asks the cache for. */
#ifndef DICT_PREFETCH
#define DICT_PREFETCH 4
#endif

/* Row k's value bits in a batch of 4- or 8-byte numbers (`width` a constant in dict_run_num's callers). */
static inline uint64_t num_bits(const uint8_t *base, size_t k, size_t width)
{
  if (width == 4) {
    uint32_t x;
    memcpy(&x, base + k * 4, 4);
    return x;
  }
  uint64_t x;
  memcpy(&x, base + k * 8, 8);
  return x;
}

/* dict_run for 4- and 8-byte numbers without declared repeats (INT32, FLOAT as 4; INT64, DOUBLE as 8;
 * `width` a constant in each caller): the value read, looked up, its statistics and the scan for the rows
 * repeating it by its bits, one loop for the type, with what dict_value and scan_run do per row. Same
 * values, indices, runs and statistics as dict_run. */
static inline __attribute__((always_inline)) int dict_run_num(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i,
                                                              size_t run, size_t *src, size_t *done, size_t width,
                                                              qb_err *err)
{
  int rc;
  const uint8_t *valid = b->valid, *base = b->values;
  bool is_float = c->type == QB_PQ_FLOAT || c->type == QB_PQ_DOUBLE;
  size_t end = i + run, k = i, s = *src;
  while (k < end && c->use_dict) { /* stage_repeats may fall back to PLAIN mid-run */
    if (!valid && !is_float && c->dict.direct) {
      /* A direct dictionary without nulls (an index or step column: a parameter's index on each of its
       * iteration's rows): the rows whose value the array holds and whose next row holds another value
       * stage their index in one tight loop, as the loop below would (a lookup without add, no repeats to
       * scan, no statistics), stopping short of the probe's value, which goes the long way. */
      size_t lim = end;
      if (c->probe > c->n_values && (size_t)(c->probe - c->n_values - 1) < lim - k) lim = k + (c->probe - c->n_values - 1);
      const uint32_t *dir = c->dict.direct;
      uint64_t dcap = c->dict.dcap;
      if ((rc = qb_buf_reserve(&c->vals, (lim - k) * 4, err)) != QB_OK) return rc;
      uint32_t *dst = (uint32_t *)(void *)(c->vals.p + c->vals.n);
      size_t k0 = k;
      uint64_t x, y = 0;
      if (k < lim) y = num_bits(base, k, width);
      for (; k < lim; k++) {
        uint32_t e;
        x = y;
        if (x >= dcap || (e = dir[x]) == 0) break;
        if (k + 1 < end && (y = num_bits(base, k + 1, width)) == x) break;
        dst[k - k0] = e - 1;
      }
      c->vals.n += (k - k0) * 4;
      c->n_values += (uint32_t)(k - k0);
      if (k == end) {
        s = k - 1;
        break;
      }
    }
    s = k;
    if (valid && !valid[k]) {
      c->stats.null_count++;
      k++;
      continue;
    }
    uint64_t bits;
    uint32_t idx;
    bool added;
    /* a hash table's slots are read at random, a cache miss per lookup once the table left the cache
     * (between two batches of a column, every other column and file ran): ask for the slot of the value
     * DICT_PREFETCH rows ahead now, so that line is on its way while the rows between are done (a hint:
     * a row that turns out null or repeated, or a table grown in between, costs the hint only) */
    if (c->dict.nslots && k + DICT_PREFETCH < end && (!valid || valid[k + DICT_PREFETCH])) { /* null: unset */
      __builtin_prefetch(c->dict.nslots + qb_pq_dict__slot(&c->dict, num_bits(base, k + DICT_PREFETCH, width)));
    }
    bits = num_bits(base, k, width);
    if (width == 4) rc = qb_pq_dict_put_u32(&c->dict, (uint32_t)bits, &idx, &added, err);
    else rc = qb_pq_dict_put_u64(&c->dict, bits, &idx, &added, err);
    if (rc) return rc;
    if (is_float) { /* NaN counts are per value, min and max move only on a new entry */
      double d;
      if (width == 4) {
        float f;
        uint32_t x = (uint32_t)bits;
        memcpy(&f, &x, 4);
        d = f;
      } else {
        memcpy(&d, &bits, 8);
      }
      if (added || isnan(d)) qb_pq_col_stats_double(&c->stats, d);
    } else if (added) {
      if (width == 4) qb_pq_col_stats_i32(&c->stats, (int32_t)(uint32_t)bits);
      else qb_pq_col_stats_int(&c->stats, (int64_t)bits);
    }
    if ((rc = stage_index(c, idx, added, err)) != QB_OK) return rc;
    if (!c->use_dict) {
      k++;
      break;
    }
    /* the rows after it holding the same bits or null (scan_run) */
    size_t j = k + 1, nulls = 0;
    for (; j < end; j++) {
      if (valid && !valid[j]) {
        nulls++;
        continue;
      }
      if (num_bits(base, j, width) != bits) break;
    }
    size_t same = j - k - 1 - nulls;
    if (!same) {
      c->stats.null_count += nulls;
      k = j;
      continue;
    }
    if ((rc = stage_repeats(c, b, s, k, j, same, nulls, &k, err)) != QB_OK) return rc;
  }
  *src = s;
  *done = k - i;
  return QB_OK;
}

/* Rows [i, i + run) of a batch: values and null counts (levels are staged by the caller). *src as in
 * qb_pq_colw_put_batch. */
static int batch_run(qb_pq_colw *c, const qb_pq_column_batch *b, size_t i, size_t run, size_t *src, bool nulls,
                     qb_err *err)
{
  int rc;
  /* rows without a null among them: the loops below take the no-validity path (one test per run, not a
   * load and a test per row; PLAIN numbers are then one copy) */
  qb_pq_column_batch dense;
  if (!nulls && b->valid) {
    dense = *b;
    dense.valid = NULL;
    b = &dense;
  }
  const uint8_t *valid = b->valid, *rep = b->repeats;
  if (c->use_dict && c->type != QB_PQ_BOOLEAN) {
    size_t done;
    bool num4 = c->type == QB_PQ_INT32 || c->type == QB_PQ_FLOAT, num8 = c->type == QB_PQ_INT64 || c->type == QB_PQ_DOUBLE;
    if (!rep && num4) rc = dict_run_num(c, b, i, run, src, &done, 4, err);
    else if (!rep && num8) rc = dict_run_num(c, b, i, run, src, &done, 8, err);
    else rc = dict_run(c, b, i, run, src, &done, err);
    if (rc) return rc;
    i += done;
    run -= done;
    if (!run) return QB_OK;
  }
  size_t s = *src;
  switch (c->type) {
  case QB_PQ_BOOLEAN: VALUE_RUN(val_bool(c, ((const uint8_t *)b->values)[s] != 0, err)); break;
  case QB_PQ_INT32:
    if (!c->use_dict) PLAIN_RUN(int32_t, qb_pq_col_stats_i32_array);
    else VALUE_RUN(val_i32(c, ((const int32_t *)b->values)[s], err));
    break;
  case QB_PQ_INT64:
    if (!c->use_dict) PLAIN_RUN(int64_t, qb_pq_col_stats_i64_array);
    else VALUE_RUN(val_i64(c, ((const int64_t *)b->values)[s], err));
    break;
  case QB_PQ_FLOAT:
    if (!c->use_dict) PLAIN_RUN(float, qb_pq_col_stats_float_array);
    else VALUE_RUN(val_float(c, ((const float *)b->values)[s], err));
    break;
  case QB_PQ_DOUBLE:
    if (!c->use_dict) PLAIN_RUN(double, qb_pq_col_stats_double_array);
    else VALUE_RUN(val_double(c, ((const double *)b->values)[s], err));
    break;
  case QB_PQ_BYTE_ARRAY: {
    if (!c->use_dict && c->stats.order == QB_PQ_ORD_BYTES) {
      if (c->dba > 0) return dba_bytes_run(c, b, i, run, src, err);
      if ((rc = plain_bytes_run(c, b, i, run, src, err)) != QB_OK) return rc;
      return c->dba == 0 && c->n_values >= DBA_PROBE_VALUES ? dba_decide(c, err) : QB_OK;
    }
    const uint8_t *base = b->values;
    const int64_t *off = b->offsets;
    VALUE_RUN(val_bytes(c, base + off[s], (size_t)(off[s + 1] - off[s]), err));
    break;
  }
  default: VALUE_RUN(val_bytes(c, (const uint8_t *)b->values + s * c->width, c->width, err)); break;
  }
  /* without declared repeats every row holds its own value */
  *src = rep ? s : i + run - 1;
  return QB_OK;
}

/* Rows a chunk's first batch reserves staging for at once (see qb_pq_colw_put_batch). */
#define BATCH_RESERVE_ROWS 4096

int qb_pq_colw_put_batch(qb_pq_colw *c, const qb_pq_column_batch *b, size_t row0, size_t n, size_t *src,
                         uint64_t *out_buffered, qb_err *err)
{
  int rc;
  size_t i = row0, end = row0 + n, staged = 0, est = 0;
  bool sized = false; /* staged and est are the open page's (no page finished since they were computed) */
  uint32_t limit = c->o->page_row_limit;
  /* A chunk's staging buffers start empty (reset_chunk releases them): size the values for this batch's
   * rows, or the previous chunk's largest page, at once rather than by doubling from 256 bytes (about one
   * realloc per column per 64 rows of a small chunk; the fan-out writer's chunks are mostly small). */
  if (!c->vals.cap && c->type != QB_PQ_BOOLEAN && (c->use_dict || c->width)) {
    size_t rows = n < BATCH_RESERVE_ROWS ? n : BATCH_RESERVE_ROWS;
    rc = reserve_hinted(&c->vals, rows * (c->use_dict ? 4 : c->width), c->hint_vals, err);
    if (rc) return rc;
  }
  while (i < end) {
    if (limit && c->n_rows >= limit && (rc = finish_page(c, err)) != QB_OK) return rc;
    size_t run = end - i;
    if (limit && run > limit - c->n_rows) run = limit - c->n_rows;
    if (run > BATCH_CHECK_EVERY) run = BATCH_CHECK_EVERY;
    /* a REQUIRED column has no null (qb_pq_column_batch_validate), whatever `valid` holds */
    uint8_t nulls = 0;
    if (c->max_def) {
      /* levels stay implicit while the page has no null (one branch-free pass finds out) */
      const uint8_t *valid = b->valid ? b->valid + i : NULL;
      for (size_t k = 0; valid && k < run; k++) nulls |= valid[k] == 0;
      if (!nulls && c->def.n == 0) {
        c->def_implicit += (uint32_t)run;
      } else {
        if ((rc = stage_implicit_defs(c, err)) != QB_OK || (rc = qb_buf_reserve(&c->def, run * 2, err)) != QB_OK)
          return rc;
        int16_t *d = (int16_t *)(void *)(c->def.p + c->def.n);
        if (valid)
          for (size_t k = 0; k < run; k++) d[k] = (int16_t)(valid[k] != 0);
        else
          for (size_t k = 0; k < run; k++) d[k] = 1;
        c->def.n += run * 2;
      }
    }
    if ((rc = batch_run(c, b, i, run, src, nulls != 0, err)) != QB_OK) return rc;
    i += run;
    c->n_levels += (uint32_t)run;
    c->n_rows += (uint32_t)run;
    staged = staged_bytes(c), est = page_estimate(c), sized = true;
    if (page_full_sized(c, staged, est)) {
      sized = false;
      if ((rc = finish_page(c, err)) != QB_OK) return rc;
    }
  }
  /* the page test's sizes give the buffered bytes too (the caller sums them for its row group) */
  *out_buffered = sized ? buffered_sized(c, staged, est) : qb_pq_colw_buffered_bytes(c);
  return QB_OK;
}

/* ---- chunk -------------------------------------------------------------------------------------------------- */

static int encode_dictionary(qb_buf *out, qb_pq_colw *c, qb_err *err)
{
  const qb_pq_dict *d = &c->dict;
  const void *v = d->values.p;
  int rc;
  switch (c->type) {
  case QB_PQ_INT32: return qb_pq_plain_encode_i32(out, v, d->n, err);
  case QB_PQ_INT64: return qb_pq_plain_encode_i64(out, v, d->n, err);
  case QB_PQ_FLOAT: return qb_pq_plain_encode_float(out, v, d->n, err);
  case QB_PQ_DOUBLE: return qb_pq_plain_encode_double(out, v, d->n, err);
  default: break;
  }
  qb_buf_reset(&c->slices);
  if ((rc = qb_buf_reserve(&c->slices, (size_t)d->n * sizeof(qb_slice), err)) != QB_OK) return rc;
  qb_slice *s = (qb_slice *)(void *)c->slices.p;
  for (uint32_t i = 0; i < d->n; i++) {
    if (d->width) s[i] = (qb_slice){qb_pq_dict_fixed(d, i), d->width};
    else s[i].p = qb_pq_dict_bytes(d, i, &s[i].n);
  }
  if (c->type == QB_PQ_BYTE_ARRAY) return qb_pq_plain_encode_bytes(out, s, d->n, err);
  return qb_pq_plain_encode_fixed(out, s, d->n, d->width, err);
}

static int sink_write(qb_writer *sink, const qb_buf *b, qb_err *err)
{
  return b->n ? qb_writer_write(sink, b->p, b->n, err) : QB_OK;
}

static void add_encoding(qb_pq_column_meta *m, qb_pq_encoding e)
{
  for (uint32_t i = 0; i < m->n_encodings; i++)
    if (m->encodings[i] == e) return;
  m->encodings[m->n_encodings++] = e;
}

static void reset_chunk(qb_pq_colw *c)
{
  qb_pq_dict_reset(&c->dict);
  qb_pq_col_stats_reset(&c->stats);
  c->hint_vals = c->peak_vals;
  c->hint_data = c->peak_data;
  c->hint_pages = c->pages.n;
  c->peak_vals = c->peak_data = 0;
  /* Release the row group's pages and staging buffers rather than keep their peak capacity for the next
   * one: a writer fanning out to many files would hold it for every column of every open file, outside
   * the row-group budget (which counts bytes held, not capacity). */
  qb_buf *bufs[] = {&c->pages, &c->def, &c->rep, &c->vals, &c->runs, &c->data, &c->slices, &c->sufl, &c->prev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
    qb_buf_free(bufs[i]);
    qb_buf_init(bufs[i], QB_BUF_NOLIMIT);
  }
  c->use_dict = c->dict_allowed;
  c->probe = c->probe_dropped ? DICT_PROBE_AGAIN : DICT_PROBE_EARLY;
  c->probe_early = !c->probe_dropped;
  c->dict_pages = c->first_page_done = c->probe_dropped = false;
  c->num_values = c->data_uncompressed = c->data_compressed = 0;
  c->n_dict_pages_enc = c->n_plain_pages = c->n_dba_pages = 0;
  c->dba = dba_initial(c);
}

int qb_pq_colw_flush(qb_pq_column_chunk *cc, qb_pq_colw *c, qb_writer *sink, uint64_t base, qb_arena *a,
                     qb_pq_col_stats *file_stats, qb_err *err)
{
  int rc;
  const qb_pq_write_options *o = c->o;
  bool v2 = o->data_page_version == 2;
  qb_pq_chunk_codec_closing(&c->cz, c->use_dict ? c->dict.plain_bytes : 0);
  if ((rc = finish_page(c, err)) != QB_OK) return rc;
  memset(cc, 0, sizeof *cc);
  qb_pq_column_meta *m = &cc->meta_data;
  int64_t start = (int64_t)(qb_writer_offset(sink) - base);
  int64_t dict_bytes = 0, dict_ubytes = 0;
  if (c->dict_pages) {
    qb_buf_reset(&c->body);
    qb_buf_reset(&c->hdr);
    if ((rc = encode_dictionary(&c->body, c, err)) != QB_OK) return qb_err_wrap(err, "dictionary page");
    qb_pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = QB_PQ_PAGE_DICTIONARY;
    h.has_dictionary_page_header = true;
    h.dictionary_page_header.num_values = (int32_t)c->dict.n;
    /* parquet-java v1 files say PLAIN_DICTIONARY for the dictionary page, v2 files PLAIN (same bytes) */
    h.dictionary_page_header.encoding = v2 ? QB_PQ_PLAIN : QB_PQ_PLAIN_DICTIONARY;
    if ((rc = qb_pq_page_write(&c->hdr, &h, NULL, 0, c->body.p, c->body.n, true, &c->cz, o->page_crc, &c->comp,
                               &dict_bytes, &dict_ubytes, err)) != QB_OK)
      return qb_err_wrap(err, "dictionary page");
    if ((rc = sink_write(sink, &c->hdr, err)) != QB_OK) return rc;
    m->has_dictionary_page_offset = true;
    m->dictionary_page_offset = start;
  }
  m->data_page_offset = start + dict_bytes;
  if ((rc = sink_write(sink, &c->pages, err)) != QB_OK) return rc;

  cc->file_offset = start;
  cc->has_meta_data = true;
  m->type = c->type;
  m->path_in_schema = c->col->path;
  m->n_path = (uint32_t)c->col->path_len;
  m->codec = qb_pq_chunk_codec_end(&c->cz);
  m->num_values = c->num_values;
  m->total_uncompressed_size = c->data_uncompressed + dict_ubytes;
  m->total_compressed_size = c->data_compressed + dict_bytes;

  /* encodings: every encoding of the chunk, levels included; encoding_stats: pages per (type, encoding) */
  qb_pq_encoding dict_enc = v2 ? QB_PQ_RLE_DICTIONARY : QB_PQ_PLAIN_DICTIONARY;
  qb_pq_encoding dict_page_enc = v2 ? QB_PQ_PLAIN : QB_PQ_PLAIN_DICTIONARY;
  qb_pq_page_type data_type = v2 ? QB_PQ_PAGE_DATA_V2 : QB_PQ_PAGE_DATA;
  m->encodings = qb_arena_calloc(a, 5, sizeof *m->encodings);
  m->encoding_stats = qb_arena_calloc(a, 4, sizeof *m->encoding_stats);
  if (!m->encodings || !m->encoding_stats) return QB_FAIL(err, QB_ENOMEM, "column metadata: out of memory");
  if (c->dict_pages) {
    add_encoding(m, dict_page_enc);
    m->encoding_stats[m->n_encoding_stats++] = (qb_pq_page_encoding_stats){QB_PQ_PAGE_DICTIONARY, dict_page_enc, 1};
  }
  if (c->n_dict_pages_enc) {
    add_encoding(m, dict_enc);
    m->encoding_stats[m->n_encoding_stats++] = (qb_pq_page_encoding_stats){data_type, dict_enc, c->n_dict_pages_enc};
  }
  if (c->n_plain_pages) {
    add_encoding(m, QB_PQ_PLAIN);
    m->encoding_stats[m->n_encoding_stats++] = (qb_pq_page_encoding_stats){data_type, QB_PQ_PLAIN, c->n_plain_pages};
  }
  if (c->n_dba_pages) {
    add_encoding(m, QB_PQ_DELTA_BYTE_ARRAY);
    m->encoding_stats[m->n_encoding_stats++] =
        (qb_pq_page_encoding_stats){data_type, QB_PQ_DELTA_BYTE_ARRAY, c->n_dba_pages};
  }
  /* v1 page headers name RLE as the level encoding even when a column has no levels */
  if (c->max_def || c->max_rep || !v2) add_encoding(m, QB_PQ_RLE);

  m->has_statistics = true;
  if ((rc = qb_pq_col_stats_to_thrift(&m->statistics, &c->stats, a, err)) != QB_OK) return rc;
  if ((rc = qb_pq_col_stats_merge(file_stats, &c->stats, err)) != QB_OK) return rc;
  reset_chunk(c);
  return QB_OK;
}
