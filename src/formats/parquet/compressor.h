/* SPDX-License-Identifier: Apache-2.0 */
/* A page compressor that keeps codec state between pages of one writer: zstd reuses one ZSTD_CCtx
 * (creating a context per page cost ~25% of zstd level-3 throughput on 160 KB pages, measured); the other
 * codecs go through qb_pq_compress (codec.h), which holds no state worth keeping. And the choice of each
 * column chunk's codec (ColumnMetaData.codec is per chunk, parquet.thrift): the configured one, or
 * UNCOMPRESSED for chunks compression does not pay for (qb_pq_write_options.codec_skip; docs/TABLES.md). */
#ifndef QB_FORMATS_PARQUET_COMPRESSOR_H
#define QB_FORMATS_PARQUET_COMPRESSOR_H

#include "qberg/err.h"
#include "qberg/parquet.h"
#include "util/buf.h"

typedef struct qb_pq_compressor {
  qb_pq_codec codec;
  int level;   /* QB_PQ_LEVEL_DEFAULT (0) = the codec's default */
  void *zctx;  /* ZSTD_CCtx, created on first use */
  qb_buf seqs; /* zstd sequences of string pages (qb_pq_zstd_compress_rows) */
} qb_pq_compressor;

void qb_pq_compressor_init(qb_pq_compressor *c, qb_pq_codec codec, int level);
/** Append the compression of [src, src+n) to `out`, as qb_pq_compress does. */
int qb_pq_compressor_run(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/** The same for a body of PLAIN BYTE_ARRAY values (v1: after the levels): zstd at the default level
 * takes qb_pq_zstd_compress_rows (codec.h); other codecs and levels as qb_pq_compressor_run. */
int qb_pq_compressor_run_rows(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/** The same for a body of PLAIN FLOAT or DOUBLE values: zstd at the default level takes
 * qb_pq_zstd_compress_floats (codec.h); other codecs and levels as qb_pq_compressor_run. */
int qb_pq_compressor_run_floats(qb_pq_compressor *c, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/** NULL-safe. */
void qb_pq_compressor_free(qb_pq_compressor *c);

/* A chunk whose only data page and dictionary together hold fewer bytes than this is stored: zstd's frame
 * and block headers (≥ 9 bytes) cost about what it can save there (the ingest's 3,500 such pages grew by
 * 5 % compressed) and each frame cost ~4 µs of setup. */
#define QB_PQ_STORE_TINY_BYTES 256
/* A compressed chunk of at least this many bytes (page bodies, before compression) teaches its column:
 * smaller ones are dominated by the frame overhead. */
#define QB_PQ_PROBE_MIN_BYTES 4096
/* Compression that saves less than 1/QB_PQ_PROBE_MIN_GAIN of a chunk's bytes (6.25 %) does not pay for
 * itself: random doubles (parameter values, energies, coefficients) save 4-6 % at zstd 1 and take 10-11 ms
 * per 6.8 MB of the ingest's pages; a column with such a chunk stores its next QB_PQ_STORE_CHUNKS chunks
 * UNCOMPRESSED, then compresses one again as a new probe (data that became compressible is compressed
 * again). */
#define QB_PQ_PROBE_MIN_GAIN 16
#define QB_PQ_STORE_CHUNKS 15
/* At zstd's default level (QB_PQ_LEVEL_DEFAULT) the page bytes zstd compresses with its own search and
 * Huffman-coded literals (qb_pq_compressor_run: integers, dictionary indices, levels, DELTA_BYTE_ARRAY; not
 * the PLAIN strings and floats of qb_pq_compressor_run_rows / _floats) must save 1/QB_PQ_PROBE_MIN_GAIN_SEARCH
 * (20 %) of themselves: there the literal Huffman is nearly all of zstd's work, ~16 instructions a byte
 * against ~4 on the id strings, so a chunk of random integers that saves 16 % buys 10 KB per million
 * instructions where the string columns buy 30-250 KB. A chunk's threshold is the sum over its compressed
 * pages (a dictionary page of strings and a data page of indices each by its own rule). A column whose
 * chunk fails only this rule (it saved 1/16 or more) stores QB_PQ_STORE_CHUNKS_SEARCH chunks, not
 * QB_PQ_STORE_CHUNKS: every 8th chunk compressed keeps an eighth of its gain, and the files' growth well
 * under 1.5 %. On the 2,000-file ingest: the random term_index (hamiltonian_terms) and parameter_index
 * (optimal_parameters) columns, which saved 15-16 %, are stored in 7 of 8 chunks (~35 M fewer instructions,
 * files +1.3 %); initial_parameters' parameter_index (23-31 %) and the dictionary indices (mostly > 40 %)
 * stay compressed (docs/BENCHMARKS.md, session 25). An explicit compression level keeps
 * 1/QB_PQ_PROBE_MIN_GAIN and QB_PQ_STORE_CHUNKS for every page. */
#define QB_PQ_PROBE_MIN_GAIN_SEARCH 5
#define QB_PQ_STORE_CHUNKS_SEARCH 7

/** One column's codec for the chunk being written (see the constants above). */
typedef struct qb_pq_chunk_codec {
  qb_pq_compressor *z; /* the writer's compressor (borrowed): the configured codec and level */
  uint8_t *skip;       /* NULL: every chunk uses z->codec; else the column's shared byte: chunks left to store */
  bool decided;        /* the chunk's first page was written: its codec is fixed */
  bool store;          /* the chunk is UNCOMPRESSED */
  bool closing;        /* the page being written ends the chunk (qb_pq_chunk_codec_closing) */
  qb_pq_type type;     /* the column's physical type: picks zstd's way with PLAIN pages (qb_pq_page_write) */
  size_t extra;        /* with `closing`: the bytes of the dictionary page still to come */
  uint64_t in, out;    /* compressed pages of the chunk: body bytes before and after */
  uint64_t searched;   /* of `in`: bytes of pages compressed by qb_pq_compressor_run (zstd's search) */
} qb_pq_chunk_codec;

/** Every chunk in z's codec until qb_pq_chunk_codec_share is called. Cannot fail. */
void qb_pq_chunk_codec_init(qb_pq_chunk_codec *cc, qb_pq_compressor *z);
/** The column's physical type (INT32 after init): qb_pq_page_write compresses BYTE_ARRAY PLAIN and
 * dictionary pages with qb_pq_compressor_run_rows, FLOAT and DOUBLE PLAIN pages with
 * qb_pq_compressor_run_floats. */
void qb_pq_chunk_codec_type(qb_pq_chunk_codec *cc, qb_pq_type type);
/** Choose chunk codecs by the rules above, learning in `*skip` (one byte per column, zero at first, shared
 * by the writers of one data set: qb_pq_write_options.codec_skip). Call before any page. */
void qb_pq_chunk_codec_share(qb_pq_chunk_codec *cc, uint8_t *skip);
/** The next page ends the chunk; `dict_bytes` (an upper bound) will follow in the dictionary page. */
void qb_pq_chunk_codec_closing(qb_pq_chunk_codec *cc, size_t dict_bytes);
/** Whether pages of the chunk are compressed; fixes the chunk's codec on its first page, of `n` bytes. */
bool qb_pq_chunk_codec_compresses(qb_pq_chunk_codec *cc, size_t n);
/** Count a compressed page (body bytes before and after) for the chunk's probe; `searched`: the page went
 * through qb_pq_compressor_run, not qb_pq_compressor_run_rows or _floats (QB_PQ_PROBE_MIN_GAIN_SEARCH). */
void qb_pq_chunk_codec_count(qb_pq_chunk_codec *cc, size_t in, size_t out, bool searched);
/** After the chunk's last page: its codec (ColumnMetaData.codec); learns and resets for the next chunk. */
qb_pq_codec qb_pq_chunk_codec_end(qb_pq_chunk_codec *cc);

#endif
