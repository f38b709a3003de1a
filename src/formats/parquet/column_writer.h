/* SPDX-License-Identifier: Apache-2.0 */
/* One leaf column's chunk being written: levels and values of the open data page, the chunk's
 * dictionary with its PLAIN fallback, finished (compressed) pages, statistics
 * (parquet-format README "Column chunks", Encodings.md; formats.md §2.3, §2.4, §2.7). */
#ifndef QB_FORMATS_PARQUET_COLUMN_WRITER_H
#define QB_FORMATS_PARQUET_COLUMN_WRITER_H

#include "formats/parquet/compressor.h"
#include "formats/parquet/dict_builder.h"
#include "formats/parquet/meta.h"
#include "formats/parquet/schema.h"
#include "formats/parquet/col_stats.h"
#include "qberg/fileio.h"
#include "qberg/parquet.h"
#include "util/arena.h"
#include "util/buf.h"

/* `count` copies of dictionary index `idx` staged after the first `at` indices of `vals`. */
typedef struct qb_pq_colw_run {
  uint32_t at, idx, count;
} qb_pq_colw_run;

typedef struct qb_pq_colw {
  const qb_pq_column *col;        /* leaf and levels (borrowed from the schema) */
  const qb_pq_write_options *o;   /* the writer's options (borrowed) */
  qb_pq_chunk_codec cz;           /* the chunk's codec; holds the writer's compressor (borrowed) */
  qb_pq_type type;
  size_t width;                   /* bytes per staged value: 1 BOOLEAN, 4, 8, 12 INT96, L FLBA; 0 BYTE_ARRAY */
  int max_def, max_rep;
  int def_bits, rep_bits;         /* level bit widths (page size estimate) */

  /* dictionary state of the current chunk */
  bool dict_allowed;              /* options and type permit a dictionary */
  bool use_dict;                  /* values of the open page are dictionary indices */
  bool dict_pages;                /* some finished page of this chunk is dictionary-encoded */
  bool first_page_done;           /* parquet-java judges the dictionary on the first page only */
  uint32_t probe;                 /* first-page values after which a losing dictionary is dropped at once */
  bool probe_early;               /* the probe at `probe` is the strict early one (see DICT_PROBE_EARLY) */
  bool probe_dropped;             /* this chunk's dictionary was dropped on its first page */
  uint8_t *lost;                  /* NULL or the column's byte of qb_pq_write_options.dict_lost */
  qb_pq_dict dict;

  /* the open data page */
  qb_buf def, rep;                /* int16 levels */
  uint32_t def_implicit;          /* levels at max_def not staged: while `def` is empty, every level of
                                   * the page (a page without nulls is encoded as one run, never staged) */
  qb_buf vals;                    /* PLAIN mode: values (not BYTE_ARRAY); dictionary: u32 indices */
  qb_buf runs;                    /* dictionary mode: long runs of one index not in `vals` (qb_pq_colw_run,
                                   * in page order; see stage_repeats) */
  qb_buf data;                    /* BYTE_ARRAY in PLAIN mode: the values in their PLAIN layout (4-byte
                                   * little-endian length, bytes), ready for the page as they are */
  qb_buf sufl, prev;              /* DELTA_BYTE_ARRAY staging (dba > 0): suffix lengths (int32; the prefix
                                   * lengths are in `vals`, the suffixes in `data`) and the page's last value */
  size_t page_value_bytes;        /* BYTE_ARRAY in dictionary mode: the open page's value bytes (their
                                   * PLAIN size for the first-page rule; `data` is empty then); staged for
                                   * DELTA_BYTE_ARRAY: their PLAIN size (lengths included), the page size */
  uint32_t n_levels, n_values, n_rows;

  /* finished pages of the chunk */
  qb_buf pages;                   /* page headers + page bodies, in order */
  int64_t num_values;             /* level entries in the chunk */
  int64_t data_uncompressed;      /* data pages incl. headers */
  int64_t data_compressed;
  int32_t n_dict_pages_enc;       /* data pages dictionary-encoded */
  int32_t n_plain_pages;          /* data pages PLAIN */
  int32_t n_dba_pages;            /* data pages DELTA_BYTE_ARRAY */
  int8_t dba;                     /* BYTE_ARRAY pages without dictionary: 1 DELTA_BYTE_ARRAY, -1 PLAIN,
                                   * 0 undecided (the chunk's first such page with values decides, staged
                                   * PLAIN; the pages after it are staged split, see sufl) */
  qb_pq_col_stats stats;

  /* capacity hints: a chunk's staging buffers start empty (reset_chunk releases them); the first use of
   * each reserves what the column's previous chunk needed (its largest page's values and bytes, its pages)
   * at once, rather than growing it by doubling (a realloc copy per step, page after page of a row group,
   * row group after row group) */
  size_t peak_vals, peak_data;    /* this chunk's largest page so far */
  size_t hint_vals, hint_data, hint_pages;

  /* scratch reused for every page */
  qb_buf body, comp, hdr, slices;
} qb_pq_colw;

/** Set up for leaf column `col`. Cannot fail (allocation happens on first use). */
void qb_pq_colw_init(qb_pq_colw *c, const qb_pq_column *col, const qb_pq_write_options *o, qb_pq_compressor *z);
/** Share the column's "dictionary lost" byte with the other writers of a data set (set before any value). */
void qb_pq_colw_share_lost(qb_pq_colw *c, uint8_t *lost);
/** Write every chunk of the column PLAIN, without a dictionary attempt (set before any value). */
void qb_pq_colw_no_dictionary(qb_pq_colw *c);
/** NULL-safe. */
void qb_pq_colw_free(qb_pq_colw *c);

/*
 * Appending. Each call adds one level entry (rep, def) with def == max_def for a value and < max_def for
 * a null or empty ancestor. Values are checked against the column's type by the caller. A new row starts
 * at rep == 0. Page boundaries are decided by qb_pq_colw_end_rows (pages begin at row boundaries).
 * Errors: QB_ENOMEM / QB_ELIMIT (the writer is then poisoned).
 */
int qb_pq_colw_put_null(qb_pq_colw *c, int rep, int def, qb_err *err);
int qb_pq_colw_put_bool(qb_pq_colw *c, int rep, bool v, qb_err *err);
int qb_pq_colw_put_i32(qb_pq_colw *c, int rep, int32_t v, qb_err *err);
int qb_pq_colw_put_i64(qb_pq_colw *c, int rep, int64_t v, qb_err *err);
int qb_pq_colw_put_float(qb_pq_colw *c, int rep, float v, qb_err *err);
int qb_pq_colw_put_double(qb_pq_colw *c, int rep, double v, qb_err *err);
/** BYTE_ARRAY (any n), FLBA / INT96 (n == width). */
int qb_pq_colw_put_bytes(qb_pq_colw *c, int rep, const uint8_t *p, size_t n, qb_err *err);

/** After whole rows were appended: finish the open page if it reached the page size or row limit. */
int qb_pq_colw_end_rows(qb_pq_colw *c, qb_err *err);

/**
 * Columnar fast path for a flat column (max_rep 0, max_def ≤ 1): rows [row0, row0 + n) of `b`
 * (validated by the caller), finishing pages as they fill. A declared repeat holds no value of its own
 * (qb_pq_column_batch.repeats): *src is, on entry, the row of `b` holding row0 - 1's value (read only when
 * row0 repeats; it may precede row0 by any distance, e.g. rows another file took), and on return the row
 * holding the last row's value, for the call that continues the batch. On QB_OK *out_buffered is
 * qb_pq_colw_buffered_bytes(c) after the rows (from the sizes the last page test computed anyway).
 */
int qb_pq_colw_put_batch(qb_pq_colw *c, const qb_pq_column_batch *b, size_t row0, size_t n, size_t *src,
                         uint64_t *out_buffered, qb_err *err);

/** Bytes this chunk holds in memory (finished pages, dictionary, open page estimate): the row-group
 * size measure. */
uint64_t qb_pq_colw_buffered_bytes(const qb_pq_colw *c);

/**
 * Write the chunk to `sink` (dictionary page first, then the data pages), fill `cc` (ColumnChunk with
 * ColumnMetaData and statistics, arrays in `a`), fold the chunk statistics into `file_stats`, and reset
 * for the next row group. `base` is the sink offset of the file's first byte.
 */
int qb_pq_colw_flush(qb_pq_column_chunk *cc, qb_pq_colw *c, qb_writer *sink, uint64_t base, qb_arena *a,
                     qb_pq_col_stats *file_stats, qb_err *err);

#endif
