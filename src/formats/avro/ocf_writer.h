/* SPDX-License-Identifier: Apache-2.0 */
/* Internal hooks of the Avro container writer. */
#ifndef QB_FORMATS_AVRO_OCF_WRITER_H
#define QB_FORMATS_AVRO_OCF_WRITER_H

#include <stdint.h>

#include "qberg/avro.h"

/** Use `sync` as the file's 16-byte sync marker instead of a random one (before the first record or flush;
 *  later calls are ignored): a generator whose output must be the same bytes for the same seed. */
void qb_avro__writer_set_sync(qb_avro_writer *w, const uint8_t sync[16]);

#endif
