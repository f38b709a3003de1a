/* SPDX-License-Identifier: Apache-2.0 */
/* Avro container block codecs (Avro 1.11 spec, "Required Codecs" / "Optional Codecs"). */
#ifndef QB_FORMATS_AVRO_CODEC_H
#define QB_FORMATS_AVRO_CODEC_H

#include "qberg/avro.h"
#include "util/buf.h"

/** The codec named by an `avro.codec` value; QB_EUNSUPPORTED for names such as "xz" and "bzip2". */
int qb_avro__codec_parse(qb_avro_codec *out, const uint8_t *name, size_t n, qb_err *err);
const char *qb_avro__codec_name(qb_avro_codec c);
/** Decompress one block into `out` (reset first); more than `max` bytes is QB_ELIMIT. */
int qb_avro__decompress(qb_avro_codec c, const uint8_t *in, size_t n, qb_buf *out, size_t max, qb_err *err);
/** Compress one block, appending to `out`. `level` 0 = the codec's default. */
int qb_avro__compress(qb_avro_codec c, int level, const uint8_t *in, size_t n, qb_buf *out, qb_err *err);

#endif
