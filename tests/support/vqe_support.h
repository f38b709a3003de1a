/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers for the VQE pipeline tests: parse records from text or from tests/data/vqe files. */
#ifndef QB_TEST_VQE_SUPPORT_H
#define QB_TEST_VQE_SUPPORT_H

#include "pipeline/raw_vqe.h"
#include "util/arena.h"

/* A small valid record in Redpanda's shape (the spec's worked example E1: H2/sto3g, 2 terms, seed null). */
extern const char vqe_e1_record[];

/* Parse exactly one record from `text` (named `name` in errors). */
int vqe_parse_one(qb_vqe_record *out, qb_arena *a, const char *name, const char *text, qb_err *err);
/* malloc'd contents of tests/data/vqe/<rel> (NUL-terminated), NULL if unreadable. */
char *vqe_read_data(const char *rel, size_t *n);
/* Generate `count` raw files (qb_vqe_generate with `seed`, min_it..max_it iterations) into the test's
 * folder <qb_test_tmpdir()>/<name>, whose path goes to dir[dir_n]. */
int vqe_generate_raw(char *dir, size_t dir_n, const char *name, uint64_t seed, uint64_t count, uint32_t min_it,
                     uint32_t max_it, qb_err *err);
/* The 8 good sample files, in {counter} order (relative to tests/data/vqe). */
extern const char *const vqe_good_samples[8];

#endif
