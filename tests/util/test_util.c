/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/util: error chain, arena, buffer, hash map and set, clock overrides. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/hash.h"
#include "util/str.h"

static int fail_deep(qb_err *err) { return QB_FAIL(err, QB_ECORRUPT, "sync marker mismatch"); }

QB_TEST(err_chain)
{
  qb_err err = QB_ERR_INIT;
  int rc = fail_deep(&err);
  CHECK_EQ_INT(rc, QB_ECORRUPT);
  CHECK_EQ_INT(qb_err_wrap(&err, "block %d", 3), QB_ECORRUPT);
  CHECK_EQ_INT(qb_err_wrap(&err, "reading manifest %s", "m1.avro"), QB_ECORRUPT);
  CHECK_EQ_STR(err.msg, "reading manifest m1.avro: block 3: sync marker mismatch");
  CHECK(strstr(err.origin, "test_util.c") != NULL);
  CHECK_EQ_STR(qb_strerror(QB_ECONFLICT), "QB_ECONFLICT: commit conflict");
  CHECK_EQ_STR(qb_code_name(QB_ENOTFOUND), "QB_ENOTFOUND");
  CHECK_EQ_STR(qb_code_name((qb_code)999), "QB_E?");
  CHECK(QB_FAIL(NULL, QB_EIO, "x") == QB_EIO);
}

QB_TEST(err_truncates_long_chain)
{
  qb_err err = QB_ERR_INIT;
  QB_FAIL(&err, QB_EIO, "root");
  for (int i = 0; i < 200; i++) qb_err_wrap(&err, "context level %d", i);
  CHECK(strlen(err.msg) < sizeof err.msg);
  CHECK(qb_str_has_prefix(err.msg, "context level 199: context level 198"));
  CHECK(qb_str_has_suffix(err.msg, ": context level 0: root")); /* the root cause survives */
  CHECK(strstr(err.msg, " [...] ") != NULL);
}

/* Long paths in the contexts (a partition directory name past NAME_MAX, named twice) must not push the
 * root cause out of the message. */
QB_TEST(err_keeps_the_root_cause_after_long_contexts)
{
  qb_err err = QB_ERR_INIT;
  char path[480];
  memset(path, 'b', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  QB_FAIL_ERRNO(&err, QB_EIO, 36, "creating directory %s", path);
  qb_err_wrap(&err, "%s", path);
  qb_err_wrap(&err, "%s", path);
  qb_err_wrap(&err, "ingest batch %d", 7);
  CHECK(strlen(err.msg) < sizeof err.msg);
  CHECK(qb_str_has_prefix(err.msg, "ingest batch 7: bbbb"));
  CHECK(qb_str_has_suffix(err.msg, ": File name too long"));
}

/* A first message longer than the buffer (a partition path of a 1,200-byte string value) must keep the OS
 * cause: it was appended after the truncated message, where there was no room left. */
QB_TEST(err_keeps_the_os_cause_of_a_long_message)
{
  qb_err err = QB_ERR_INIT;
  char path[1500];
  memset(path, 'y', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  QB_FAIL_ERRNO(&err, QB_EIO, 36, "creating directory %s", path);
  CHECK(strlen(err.msg) < sizeof err.msg);
  CHECK(qb_str_has_prefix(err.msg, "creating directory yyyy"));
  CHECK(qb_str_has_suffix(err.msg, "yyyy: File name too long"));
  CHECK(strstr(err.msg, " [...] ") != NULL);
  CHECK_EQ_INT(err.os_code, 36);
}

/* A first message longer than the buffer keeps its end, the cause (an S3 key of 1,100 bytes in "PUT s3://b/k:
 * HTTP 400 KeyTooLongError" hid the status and code; found by exploreM). */
QB_TEST(err_keeps_the_end_of_a_long_message)
{
  qb_err err = QB_ERR_INIT;
  char key[1101];
  memset(key, 'k', sizeof key - 1);
  key[sizeof key - 1] = '\0';
  QB_FAIL(&err, QB_EINVAL, "PUT s3://b/%s: HTTP 400 KeyTooLongError: Your key is too long", key);
  CHECK(strlen(err.msg) < sizeof err.msg);
  CHECK(qb_str_has_prefix(err.msg, "PUT s3://b/kkkk"));
  CHECK(qb_str_has_suffix(err.msg, "kkkk: HTTP 400 KeyTooLongError: Your key is too long"));
  CHECK(strstr(err.msg, " [...] ") != NULL);
}

QB_TEST(err_errno)
{
  qb_err err = QB_ERR_INIT;
  QB_FAIL_ERRNO(&err, QB_EIO, 2, "open %s", "x.parquet");
  CHECK_EQ_STR(err.msg, "open x.parquet: No such file or directory");
  CHECK_EQ_INT(err.os_code, 2);
}

QB_TEST(arena)
{
  qb_arena a;
  qb_arena_init(&a, 128);
  char *s = qb_arena_strdup(&a, "hello");
  void *big = qb_arena_alloc(&a, 10000);
  char *t = qb_arena_sprintf(&a, "%s-%d", s, 42);
  CHECK(big != NULL);
  CHECK_EQ_STR(s, "hello");
  CHECK_EQ_STR(t, "hello-42");
  CHECK(((uintptr_t)big & 15) == 0);
  int *z = qb_arena_calloc(&a, 100, sizeof(int));
  for (int i = 0; i < 100; i++) CHECK(z[i] == 0);
  CHECK(qb_arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
  qb_arena_release(&a);
  qb_arena_release(&a);
}

/* qb_arena_extend grows the last block in place while its chunk has room, and refuses (changing nothing)
 * for any other block, past the chunk's end, or a shrink; the data read so far stays put. */
QB_TEST(arena_extend_last_block)
{
  qb_arena a;
  qb_arena_init(&a, 256);
  unsigned char *p = qb_arena_alloc(&a, 24);
  CHECK(p != NULL);
  for (int i = 0; i < 24; i++) p[i] = (unsigned char)i;
#ifdef QB_DEBUG_ARENA
  CHECK(qb_arena_extend(&a, p, 24, 48) == NULL); /* every block its own malloc */
#else
  CHECK(qb_arena_extend(&a, p, 24, 48) == p);
  CHECK(qb_arena_extend(&a, p, 48, 200) == p);
  for (int i = 0; i < 24; i++) CHECK(p[i] == i);
  memset(p, 7, 200);
  CHECK(qb_arena_extend(&a, p, 200, 40) == NULL);  /* not a shrink */
  CHECK(qb_arena_extend(&a, p, 200, 300) == NULL); /* past the chunk: the caller copies */
  CHECK(qb_arena_extend(&a, p, 100, 150) == NULL); /* a size it was not given: not at the chunk's end */
  unsigned char *q = qb_arena_alloc(&a, 16);       /* the rest of the chunk (208 + 16 <= 256) */
  CHECK(q == p + 208);
  memset(q, 9, 16);
  CHECK(qb_arena_extend(&a, p, 200, 208) == NULL); /* no longer the last block */
  CHECK(qb_arena_extend(&a, q, 16, 32) == p + 208); /* the last block, 240 bytes used */
  CHECK(qb_arena_extend(&a, q, 32, 64) == NULL);    /* 208 + 64 > 256 */
  for (int i = 0; i < 200; i++) CHECK(p[i] == 7);
  for (int i = 0; i < 16; i++) CHECK(q[i] == 9);
  unsigned char *r = qb_arena_alloc(&a, 64); /* a new chunk becomes the head */
  CHECK(r != NULL && qb_arena_extend(&a, r, 64, 100) == r);
  CHECK(qb_arena_extend(&a, q, 32, 40) == NULL); /* q's chunk is no longer the head */
#endif
  CHECK(qb_arena_extend(&a, NULL, 0, 16) == NULL);
  qb_arena_release(&a);
  qb_arena_init(&a, 64);
  CHECK(qb_arena_extend(&a, p, 24, 48) == NULL); /* an empty arena holds no block */
  qb_arena_release(&a);
}

QB_TEST(buf_limit)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 10);
  CHECK_OK(qb_buf_append(&b, "12345", 5, &err), &err);
  CHECK_OK(qb_buf_printf(&b, &err, "%d", 678), &err);
  CHECK_EQ_INT(b.n, 8);
  CHECK_FAIL(qb_buf_append(&b, "abc", 3, &err), QB_ELIMIT, &err, "limit of 10 bytes");
  CHECK(b.p == NULL && b.n == 0); /* a failed append frees */
  qb_buf_free(&b);
  uint8_t le[8];
  qb_put_le64(le, 0x0102030405060708ULL);
  CHECK(le[0] == 8 && qb_le64(le) == 0x0102030405060708ULL);
}

/* qb_buf_reserve/append/putc test the capacity inline (buf.h): within the allocation the hard cap still
 * holds, to the byte, and a failing call frees as the out-of-line path does. */
QB_TEST(buf_inline_paths_keep_the_limit)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 300);
  CHECK_OK(qb_buf_append(&b, "x", 1, &err), &err);
  CHECK(b.cap >= 256); /* the first growth allocates more than the cap leaves room for */
  for (int i = 1; i < 299; i++) CHECK_OK(qb_buf_putc(&b, (uint8_t)('a' + i % 26), &err), &err);
  CHECK_EQ_INT(b.n, 299);
  CHECK_OK(qb_buf_reserve(&b, 1, &err), &err);
  CHECK_OK(qb_buf_append(&b, "z", 1, &err), &err); /* n == max: allowed */
  CHECK_EQ_INT(b.n, 300);
  CHECK(b.p[0] == 'x' && b.p[1] == 'b' && b.p[299] == 'z');
  CHECK_OK(qb_buf_append(&b, "", 0, &err), &err);
  CHECK_FAIL(qb_buf_reserve(&b, 1, &err), QB_ELIMIT, &err, "limit of 300 bytes");
  CHECK(b.p == NULL && b.n == 0 && b.cap == 0);
  qb_buf_init(&b, 20);
  CHECK_OK(qb_buf_append(&b, "0123456789", 10, &err), &err);
  CHECK(b.cap > 20); /* the allocation outgrows the cap: the inline test must not trust it */
  CHECK_OK(qb_buf_append(&b, "0123456789", 10, &err), &err);
  CHECK_FAIL(qb_buf_putc(&b, '!', &err), QB_ELIMIT, &err, "limit of 20 bytes");
  CHECK(b.p == NULL && b.n == 0);
  qb_buf_init(&b, QB_BUF_NOLIMIT);
  for (int i = 0; i < 1000; i++) CHECK_OK(qb_buf_append(&b, "abcd", 4, &err), &err);
  CHECK_EQ_INT(b.n, 4000);
  CHECK(b.cap > b.n && memcmp(b.p + 3996, "abcd", 4) == 0);
  qb_buf_free(&b);
}

/* qb_buf_reserve_exact: a growth allocates exactly n + extra + 1 (the NUL qb_buf_cstr may add), keeps the
 * bytes, allocates nothing when there is room, and fails like qb_buf_reserve past the hard cap. */
QB_TEST(buf_reserve_exact)
{
  qb_err err = QB_ERR_INIT;
  qb_buf b;
  qb_buf_init(&b, 5000);
  CHECK_OK(qb_buf_reserve_exact(&b, 1000, &err), &err);
  CHECK_EQ_INT(b.cap, 1001);
  CHECK_OK(qb_buf_append(&b, "abc", 3, &err), &err);
  uint8_t *p = b.p;
  CHECK_OK(qb_buf_reserve_exact(&b, 997, &err), &err); /* fits: no reallocation */
  CHECK(b.p == p && b.cap == 1001);
  CHECK_OK(qb_buf_reserve_exact(&b, 2000, &err), &err);
  CHECK_EQ_INT(b.cap, 2004);
  CHECK(b.n == 3 && memcmp(b.p, "abc", 3) == 0);
  CHECK_OK(qb_buf_reserve_exact(&b, 4997, &err), &err); /* n + extra == max: allowed */
  CHECK_FAIL(qb_buf_reserve_exact(&b, 4998, &err), QB_ELIMIT, &err, "limit of 5000 bytes");
  CHECK(b.p == NULL && b.n == 0 && b.cap == 0);
  qb_buf_free(&b);
}

QB_TEST(map_and_set)
{
  qb_err err = QB_ERR_INIT;
  qb_map m;
  qb_map_init(&m);
  char key[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(key, sizeof key, "k%d", i);
    CHECK_OK(qb_map_put_str(&m, key, (void *)(intptr_t)(i + 1), &err), &err);
  }
  CHECK_EQ_INT(m.count, 5000);
  CHECK_EQ_INT((intptr_t)qb_map_get_str(&m, "k4321"), 4322);
  CHECK(!qb_map_has_str(&m, "k5000"));
  bool existed = false;
  CHECK_OK(qb_map_put(&m, "k7", 2, (void *)7, &existed, &err), &err);
  CHECK(existed && m.count == 5000);
  qb_map_free(&m);

  qb_u64set s;
  qb_u64set_init(&s);
  for (uint64_t v = 0; v < 10000; v += 2) CHECK_OK(qb_u64set_add(&s, v * 0x9e3779b97f4a7c15ULL, &err), &err);
  CHECK_EQ_INT(s.count, 5000);
  CHECK(qb_u64set_has(&s, 0));
  CHECK(qb_u64set_has(&s, 4 * 0x9e3779b97f4a7c15ULL));
  CHECK(!qb_u64set_has(&s, 3 * 0x9e3779b97f4a7c15ULL));
  qb_u64set_free(&s);
}

QB_TEST(clock_overrides)
{
  setenv("QB_TEST_NOW", "20150830T123600Z", 1);
  CHECK_EQ_INT(qb_now_ms(), 1440938160000LL);
  unsetenv("QB_TEST_NOW");
  CHECK(qb_now_ms() > 1700000000000LL);
  char u[37];
  qb_uuid_v4(u);
  CHECK(strlen(u) == 36 && u[14] == '4' && u[8] == '-');
  int64_t v;
  CHECK(qb_str_to_i64("-42", &v) && v == -42);
  CHECK(!qb_str_to_i64("4x", &v));
}

/* qb_hash_bytes in pieces (a shared prefix hashed once) equals qb_hash_bytes of the whole, at every split. */
QB_TEST(hash_bytes_in_pieces)
{
  char s[100];
  for (size_t i = 0; i < sizeof s; i++) s[i] = (char)(i * 37 + 11);
  int bad = 0;
  for (size_t n = 0; n <= sizeof s; n++)
    for (size_t cut = 0; cut <= n; cut++) {
      uint64_t st = qb_hash_bytes_update(QB_HASH_BYTES_INIT, s, cut);
      if (qb_hash_bytes_final(qb_hash_bytes_update(st, s + cut, n - cut)) != qb_hash_bytes(s, n)) bad++;
    }
  CHECK(bad == 0);
  /* FNV-1a 64 test vectors: digests stored in experiment indexes must not change */
  CHECK(qb_hash_bytes_update(QB_HASH_BYTES_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(qb_hash_bytes_update(QB_HASH_BYTES_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
}
