/* SPDX-License-Identifier: Apache-2.0 */
/* Parquet page compression codecs and the page CRC (parquet-format Compression.md; formats.md §2.6):
 * UNCOMPRESSED, SNAPPY (raw block), GZIP (RFC 1952, multi-member on read), ZSTD, LZ4_RAW, LZ4 (Hadoop
 * framing, read only, raw-block fallback), BROTLI. */
#ifndef QB_FORMATS_PARQUET_CODEC_H
#define QB_FORMATS_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "qberg/err.h"
#include "qberg/parquet.h"
#include "util/buf.h"

/** Compression level meaning "the default": zstd 1 (QB_PQ_ZSTD_DEFAULT_LEVEL), gzip 6 (zlib's), brotli 5
 * (not the slow 11). */
#define QB_PQ_LEVEL_DEFAULT 0

/** zstd level when none is given. Not zstd's own default 3 (parquet-java's): on the ingest's data pages
 * (≤ 1 MiB, 20,000 rows) level 1 wrote 0.9 % fewer bytes and took 0.5 CPU s less of a 3.1 s ingest of
 * 2,000 raw files (docs/BENCHMARKS.md, session 14). Iceberg's write.parquet.compression-level overrides it,
 * and an explicit level (even 1) is zstd's own, parameters and all. */
#define QB_PQ_ZSTD_DEFAULT_LEVEL 1
/* The default level narrows two of level 1's parameters, which zstd picks by page size (ZSTD_c_hashLog
 * 11-15, ZSTD_c_minMatch 5-7): a 256-entry hash table (1 KiB, in L1) and 7-byte matches. The ingest's
 * pages are mostly PLAIN ids that repeat a 64-char experiment id on every row (parameter_id, term_id),
 * where the row before, found by the small table or zstd's repeat-offset check, is the best match. On
 * the 156 MB that the 2,000-file ingest compresses: 7 % fewer zstd instructions and 6.3 % fewer bytes
 * than plain level 1 (docs/BENCHMARKS.md, session 16); negative levels and uncompressed literals
 * cost 8-24 % fewer instructions but wrote 24-53 % more bytes. */
#define QB_PQ_ZSTD_DEFAULT_HASH_LOG 8
#define QB_PQ_ZSTD_DEFAULT_MIN_MATCH 7
/* Pages under this many bytes at the default level store their literals raw (ZSTD_c_literalCompressionMode
 * uncompressed; qb_pq_zstd_compress and every path that falls back to it): building and writing a Huffman
 * table costs a frame ~20,000 instructions whatever its size, and on small pages (the ingest's dictionary
 * indices, dictionaries of numbers, levels) it saves a few dozen bytes. 2,000-file ingest: 10.6 M fewer
 * instructions, 21 KB more in 26.3 MB of data files (256: 4 M and 1.4 KB; 1024: 15.5 M and 46 KB on the
 * replayed pages). docs/BENCHMARKS.md, session 22. */
#define QB_PQ_ZSTD_SMALL_RAW 512

/**
 * Decompress `src` into exactly `dst_len` bytes at `dst` (the page's uncompressed_page_size). Producing
 * fewer or more bytes, trailing garbage after the last gzip member / zstd frame, or any codec error is
 * QB_ECORRUPT ("snappy: page decompresses to 100 bytes, header says 120"). Never writes past dst+dst_len.
 * For UNCOMPRESSED, src_len must equal dst_len. LZ4: tries Hadoop framing
 * ([u32 BE raw len][u32 BE compressed len][block])…, then one raw LZ4 block.
 * @return QB_OK, QB_ECORRUPT, QB_EUNSUPPORTED (LZO or an unknown codec number), QB_ENOMEM (zlib/brotli state)
 */
int qb_pq_decompress(qb_pq_codec codec, uint8_t *dst, size_t dst_len, const uint8_t *src, size_t src_len,
                     qb_err *err);

/**
 * Append the compression of [src, src+n) to `out`. `level` is codec-specific (zstd 1..22, gzip 1..9,
 * brotli 0..11), QB_PQ_LEVEL_DEFAULT for the default; ignored by the others. GZIP writes one RFC 1952 member.
 * @return QB_OK, QB_EUNSUPPORTED (LZ4 Hadoop, LZO, unknown), QB_EINVAL (input above the codec's limit,
 *         e.g. 2 GiB for LZ4), QB_ENOMEM/QB_ELIMIT (from `out`), QB_EINTERNAL (codec library failure)
 */
int qb_pq_compress(qb_buf *out, qb_pq_codec codec, int level, const uint8_t *src, size_t n, qb_err *err);

/**
 * Append the zstd compression of [src, src+n) to `out` (one frame) with the context `*zctx`: created on
 * the first call, kept for the next ones, which must pass the same `level` (its parameters are set once);
 * release it with qb_pq_zstd_free. QB_PQ_LEVEL_DEFAULT: QB_PQ_ZSTD_DEFAULT_LEVEL with the parameters
 * above (raw literals under QB_PQ_ZSTD_SMALL_RAW bytes); any other level: zstd's own parameters for that
 * level. The default level's paths below set their frame's literal mode and target length every time, so
 * frames of one context do not depend on the order of the pages.
 * @return QB_OK, QB_ENOMEM (context, `out`), QB_ELIMIT, QB_EINTERNAL (libzstd failure)
 */
int qb_pq_zstd_compress(void **zctx, qb_buf *out, int level, const uint8_t *src, size_t n, qb_err *err);
/* PLAIN BYTE_ARRAY pages ([u32 LE length][bytes] per value) at the default level skip zstd's match finder:
 * each row is matched against the row before it (from its length prefix, or from its value when the
 * lengths differ, then against the last row of the same length if that covers more), and zstd entropy-codes
 * those sequences (ZSTD_compressSequences: a standard frame). The ingest's id columns repeat a 64-char
 * experiment id on every row, so the row before holds the best match; zstd level 1's fast search found it
 * too but spent ~250 instructions a row looking (and took two sequences a row on parameter_id). On the
 * 156 MB of pages the 2,000-file ingest compresses: 1,470 M → 1,248 M zstd instructions (−15 %) and
 * 14.69 → 14.54 MB out (−1.0 %): parameter_id −9 % instructions and −4 % bytes, term_label (12-letter
 * Pauli strings: zstd's 7-byte matches were mostly noise) −37 % and −14 %, term_id −4 % and +10 % bytes
 * (random numbers after the id; zstd found older rows with the same length). docs/BENCHMARKS.md, session 19.
 * Matches shorter than QB_PQ_ZSTD_ROWS_MIN_MATCH are literals (4: a length prefix; 6 and 8 wrote 6 % more
 * bytes); offsets above QB_PQ_ZSTD_ROWS_MAX_OFFSET are not used, which keeps them inside the window zstd
 * picks for any page. Matches are measured 32 bytes at a time where the CPU has AVX2 (else 16, SSE2): the
 * same sequences, hence the same frames, either way. zstd cuts the blocks (ZSTD_c_blockDelimiters stays
 * ZSTD_sf_noBlockDelimiters): explicit delimiters at our own 128 KiB cuts saved zstd's sequence split but
 * cost as much in its delimiter scan and need ZSTD_c_searchForExternalRepcodes (docs/BENCHMARKS.md,
 * session 20; again with the cuts made inside the matcher, session 21: zstd's copy -3.3 M instructions, its
 * scan +3.3 M, the matcher +2.8 M at 300 files). ZSTD_registerSequenceProducer takes the same copy and scan
 * (ZSTD_fastSequenceLengthSum) and no history across blocks. What zstd spends here is ~230 instructions a
 * sequence (one a row, the fewest: each id has its own digits) and ~14 a literal byte (random digits and
 * Pauli letters, which only Huffman shrinks). */
#define QB_PQ_ZSTD_ROWS_MIN_MATCH 4
#define QB_PQ_ZSTD_ROWS_MAX_OFFSET (1u << 17)
/* Pages whose literal runs between those matches average more than this many bytes go to zstd's own search
 * after all: long values (text, JSON) or values unlike the row before may repeat further back, which only
 * a search finds. The ingest's runs average 1-12 bytes (ids: the digits that differ; labels: 12 letters). */
#define QB_PQ_ZSTD_ROWS_MAX_LITERALS 32
/* Of those pages, the ones of short values (at most QB_PQ_ZSTD_FALLBACK_SHORT bytes a row with the length
 * prefix: ids, hashes) search with ZSTD_c_targetLength QB_PQ_ZSTD_FALLBACK_TARGET (zstd's fast strategy
 * steps further past bytes that matched nothing), the literals still Huffman-coded (ZSTD_ps_enable: at
 * level 1 any target length turns them off otherwise, 2x the bytes of hex). The ingest's are 64-hex
 * experiment ids (dictionaries, the ML tables' ids), which seldom repeat: 9.2 M fewer instructions at
 * 2,000 files, 8 KB more. Longer values (text such as the OPENQASM ansatz, 14 % larger with the quick
 * search) keep zstd's full search. docs/BENCHMARKS.md, session 22. */
#define QB_PQ_ZSTD_FALLBACK_SHORT 128
#define QB_PQ_ZSTD_FALLBACK_TARGET 4

/**
 * qb_pq_zstd_compress at QB_PQ_LEVEL_DEFAULT (same context) for a body that may be PLAIN strings: when
 * [src, src+n) is exactly ≥ 2 [u32 LE length][bytes] rows (v1 levels, [u32 length][RLE], parse as one
 * more) and the row matches above leave short literal runs, one frame from them; pages of such rows with
 * long literal runs, zstd's search (QB_PQ_ZSTD_FALLBACK_*); otherwise qb_pq_zstd_compress. Either way `out`
 * gets one standard zstd frame that decompresses to the input. `seqs` is scratch (16 bytes a row), kept by the caller.
 * @return QB_OK, QB_ENOMEM (context, `seqs`, `out`), QB_ELIMIT, QB_EINTERNAL (libzstd failure)
 */
int qb_pq_zstd_compress_rows(void **zctx, qb_buf *seqs, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/* PLAIN FLOAT/DOUBLE pages at the default level keep zstd's matches but store the literals raw
 * (ZSTD_c_literalCompressionMode uncompressed): random mantissas leave Huffman coding only the sign and
 * exponent bytes to gain on, and it cost more than half of zstd's time on these pages. On the 3.3 MB of
 * such pages in the 2,000-file ingest: 62 M → 14 M instructions, 2.99 → 3.15 MB out (gain 9 % → 4 %: below
 * the chunk probe's 1/16, so most such chunks are now stored, compressor.h). docs/BENCHMARKS.md, session 19. */
/* ZSTD_c_targetLength of those frames' search (see QB_PQ_ZSTD_FALLBACK_TARGET): random mantissas seldom
 * match. The float pages the 2,000-file ingest compresses (3.4 MB, mostly the chunk probes and the ML
 * tables): 8.0 M fewer instructions, 13 KB more (4: 6.3 M and 10 KB; 16: 9.9 M and 20 KB). */
#define QB_PQ_ZSTD_FLOATS_TARGET 8

/**
 * qb_pq_zstd_compress at QB_PQ_LEVEL_DEFAULT (same context) with the literals of this frame stored raw and
 * ZSTD_c_targetLength QB_PQ_ZSTD_FLOATS_TARGET.
 * @return as qb_pq_zstd_compress
 */
int qb_pq_zstd_compress_floats(void **zctx, qb_buf *out, const uint8_t *src, size_t n, qb_err *err);
/** NULL-safe. */
void qb_pq_zstd_free(void *zctx);

/** CRC-32 (zlib/gzip polynomial) of a page's bytes after its header; start with crc = 0. */
uint32_t qb_pq_crc32(uint32_t crc, const void *p, size_t n);

#endif
