/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: raw VQE JSON records through the whole pure pipeline (parse, batch types, experiment_id,
 * rows of every feature table). Any input must give records or a clean error, never a crash. */
#include <stdint.h>
#include <stdlib.h>

#include "qberg/vqe.h"

static int sink(void *ctx, const qb_value *row, qb_err *err)
{
  (void)ctx, (void)row, (void)err;
  return QB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  qb_err err = QB_ERR_INIT;
  qb_vqe_types types;
  qb_vqe_types_init(&types);
  for (int pass = 0; pass < 2; pass++) {
    qb_vqe_reader *r = NULL;
    if (qb_vqe_reader_open(&r, "fuzz.json", data, size, &err)) return 0;
    const qb_vqe_record *rec;
    qb_vqe_meta meta;
    qb_vqe_meta_init(&meta, 0, "00000000-0000-4000-8000-000000000000");
    while (!qb_vqe_reader_next(&rec, r, &err) && rec) {
      if (pass == 0) {
        qb_vqe_types_add(&types, rec);
        continue;
      }
      char eid[65];
      if (qb_vqe_experiment_id(eid, rec, &types, &err)) break;
      for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
        if (qb_vqe_rows((qb_vqe_table)t, rec, eid, &types, &meta, sink, NULL, &err)) break;
    }
    qb_vqe_reader_close(r);
  }
  return 0;
}
