/* SPDX-License-Identifier: Apache-2.0 */
/* The ids of the feature tables exactly as the seed's Spark job computes them (pipeline-spec §3, §4.5–4.9,
 * §6): experiment_id = sha2(to_json(struct(molecule_data, basis_set, initial_data)), 256) under the batch's
 * inferred types, and the hash buckets hash(concat(experiment_id, x)) % 1000000. */
#ifndef QB_PIPELINE_VQE_IDS_H
#define QB_PIPELINE_VQE_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/raw_vqe.h"
#include "pipeline/spark_hash.h"
#include "util/buf.h"

#define QB_VQE_ID_BUCKETS 1000000 /* the seed's `% 1000000` */
#define QB_VQE_TYPES_AVRO 1u      /* qb_vqe_types.flags: the batch came from .avro files (§2.1) */

/* Whether field `bit` (QB_VQE_F_*) is typed bigint for this record in this batch: no non-integer token
 * anywhere in the batch. The record's own bits are included so a caller cannot print a fraction as a long. */
static inline bool qb_vqe_types_as_long(const qb_vqe_types *t, const qb_vqe_record *r, unsigned bit)
{
  return !((t->float_fields | r->float_fields) & bit);
}

/* The QB_VQE_F_* fields through which rec's ids and rows depend on the batch types: those holding integer
 * tokens only (a field with a fraction anywhere in the record is double whatever the batch says, and one
 * with no number prints the same under both types). */
static inline unsigned qb_vqe_types_deps(const qb_vqe_record *r) { return r->int_fields & ~r->float_fields; }

/* hash(concat(experiment_id, s)) for many s: the murmur state after the 64 id bytes is kept. */
typedef struct qb_vqe_idhash {
  qb_spark_murmur after_id;
} qb_vqe_idhash;

void qb_vqe_idhash_init(qb_vqe_idhash *h, const char *experiment_id, size_t n);
static inline int32_t qb_vqe_idhash_str(const qb_vqe_idhash *h, const char *p, size_t n)
{
  return qb_spark_murmur_final_with(&h->after_id, p, n);
}
/* hash(…) % 1000000, Java's remainder: in (-1000000, 1000000) */
static inline int32_t qb_vqe_bucket(int32_t hash) { return qb_java_rem(hash, QB_VQE_ID_BUCKETS); }

/* cast(value as string) under the column's batch type: Long.toString for bigint, Double.toString for double. */
size_t qb_vqe_number_string(char out[32], double v, bool as_long);

/* The texts of a record's initial_parameters as its experiment-id text printed them (qb_vqe_number_string
 * under the same type): the initial_parameters rows hash the same texts for their buckets, so the ingest
 * keeps them instead of formatting each double twice. */
typedef struct qb_vqe_nums {
  const qb_vqe_record *rec; /* whose texts these are (NULL: none) */
  size_t n;
  bool as_long;
  qb_buf text; /* n entries: a length byte, then the text */
} qb_vqe_nums;

static inline void qb_vqe_nums_init(qb_vqe_nums *k)
{
  k->rec = NULL;
  k->n = 0;
  k->as_long = false;
  qb_buf_init(&k->text, QB_BUF_NOLIMIT);
}
static inline void qb_vqe_nums_free(qb_vqe_nums *k) { qb_buf_free(&k->text); }

/* qb_vqe_experiment_id, keeping the initial_parameters' texts in `nums` (may be NULL). */
int qb_vqe__experiment_id_nums(char out[65], const qb_vqe_record *rec, const qb_vqe_types *t, qb_vqe_nums *nums,
                               qb_err *err);

#endif
