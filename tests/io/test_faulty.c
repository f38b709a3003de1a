/* SPDX-License-Identifier: Apache-2.0 */
/* The fault-injecting FileIO over the local backend: fail, fail-after, truncate, stall at call N. */
#include "harness.h"
#include "io/faulty.h"
#include "util/clock.h"
#include "util/str.h"

static qb_fileio *wrap(qb_fault_kind kind, unsigned at, bool sticky)
{
  qb_fileio *local, *io;
  qb_err err = QB_ERR_INIT;
  if (qb_fileio_local_new(&local, &err)) return NULL;
  qb_fault_plan plan = {at, kind, 0, 200, sticky, NULL, NULL, false};
  if (qb_fileio_faulty_new(&io, local, true, &plan, &err)) return NULL;
  return io;
}

QB_TEST(fail_at_each_call_of_a_write_leaves_old_or_new)
{
  char *p = qb_str_printf("%s/obj", qb_test_tmpdir());
  qb_err err = QB_ERR_INIT;
  /* write_all = create, write, close: 3 calls. For N = 1..3 the object is never half-written. */
  qb_fileio *clean = wrap(QB_FAULT_FAIL, 0, false); /* at = 0: never */
  CHECK(clean);
  CHECK_OK(qb_fileio_write_all(clean, p, "old", 3, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_EQ_INT(qb_fileio_faulty_calls(clean), 3);
  CHECK(!qb_fileio_faulty_fired(clean));
  qb_fileio_free(clean);
  for (unsigned n = 1; n <= 3; n++) {
    qb_fileio *io = wrap(QB_FAULT_FAIL, n, false);
    int rc = qb_fileio_write_all(io, p, "new!", 4, QB_CREATE_OVERWRITE, &err);
    CHECK_EQ_INT(rc, QB_EIO);
    CHECK(strstr(err.msg, "injected fault at call"));
    CHECK(qb_fileio_faulty_fired(io));
    uint8_t *got;
    size_t k;
    CHECK_OK(qb_fileio_read_all(&got, &k, io, p, 10, &err), &err);
    CHECK(k == 3 && !memcmp(got, "old", 3));
    free(got);
    qb_fileio_free(io);
  }
  free(p);
}

QB_TEST(fail_after_publish_and_truncation_and_stall)
{
  char *p = qb_str_printf("%s/obj", qb_test_tmpdir());
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = wrap(QB_FAULT_FAIL_AFTER, 3, false); /* close publishes, then "fails" */
  CHECK_EQ_INT(qb_fileio_write_all(io, p, "landed", 6, QB_CREATE_EXCLUSIVE, &err), QB_EIO);
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
  CHECK_EQ_INT(st.size_bytes, 6);
  qb_fileio_free(io);

  io = wrap(QB_FAULT_TRUNCATE, 1, false); /* open: the object looks half as long */
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, p, &err), &err);
  CHECK_EQ_INT(qb_file_size(f), 3);
  char buf[8];
  CHECK_FAIL(qb_file_pread(f, buf, 6, 0, &err), QB_ECORRUPT, &err, "truncated");
  qb_file_close(f);
  qb_fileio_free(io);

  io = wrap(QB_FAULT_TRUNCATE, 2, false); /* write: half the bytes reach the file */
  CHECK_OK(qb_fileio_write_all(io, p, "abcdefgh", 8, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
  CHECK_EQ_INT(st.size_bytes, 4);
  qb_fileio_free(io);

  io = wrap(QB_FAULT_STALL, 1, false);
  int64_t t0 = qb_mono_ns();
  CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
  CHECK(qb_mono_ns() - t0 >= 190000000LL);
  CHECK_EQ_INT(qb_fileio_faulty_calls(io), 1);
  qb_fileio_free(io);

  io = wrap(QB_FAULT_FAIL, 2, true); /* sticky: everything from call 2 on */
  CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
  CHECK_EQ_INT(qb_fileio_stat(io, p, &st, &err), QB_EIO);
  CHECK_EQ_INT(qb_fileio_delete(io, p, &err), QB_EIO);
  qb_fileio_free(io);
  free(p);
}

/* A directory reader over a FileIO without directory readers of its own (this wrapper) reads each file by
 * its path through that FileIO: its faults reach the reads. */
QB_TEST(dir_reader_over_a_wrapper_reads_by_path)
{
  char *dir = qb_str_printf("%s/drw", qb_test_tmpdir());
  char *p = qb_str_printf("%s/a.json", dir);
  qb_err err = QB_ERR_INIT;
  qb_fileio *clean = wrap(QB_FAULT_FAIL, 0, false);
  CHECK(clean);
  CHECK_OK(qb_fileio_write_all(clean, p, "{\"x\":1}", 7, QB_CREATE_OVERWRITE, &err), &err);
  qb_fileio_free(clean);
  qb_fileio *io = wrap(QB_FAULT_FAIL, 1, false); /* the first call: the read's open */
  CHECK(io);
  qb_dir_reader *d;
  CHECK_OK(qb_fileio_dir_reader_open(&d, io, dir, &err), &err);
  uint8_t *got = NULL;
  size_t n = 0;
  CHECK(qb_dir_reader_read_once(&got, &n, d, p, 7, 100, &err) != QB_OK);
  CHECK(qb_fileio_faulty_fired(io));
  CHECK_OK(qb_dir_reader_read_once(&got, &n, d, p, 7, 100, &err), &err);
  CHECK(n == 7 && !memcmp(got, "{\"x\":1}", 8));
  free(got);
  qb_dir_reader_close(d);
  qb_fileio_free(io);
  free(p);
  free(dir);
}
