/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's range summary (src/pipeline/ledger.c): the range order of raw file names, and the summary
 * text: what qberg writes parses back; anything malformed is refused (the batch then reads every row). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pipeline/ledger.h"

QB_TEST(range_order_is_write_time_then_counter_then_name)
{
  CHECK(qb_ledger__cmp_base("9-200.json", "10-100.json") > 0);  /* unix_nano first: a restarted counter */
  CHECK(qb_ledger__cmp_base("10-100.json", "9-200.json") < 0);
  CHECK(qb_ledger__cmp_base("1-100.json", "2-100.json") < 0);   /* same time: counter */
  CHECK(qb_ledger__cmp_base("1-100.avro", "1-100.json") < 0);   /* same numbers: name */
  CHECK(qb_ledger__cmp_base("5-5.json", "5-5.json") == 0);
  CHECK(qb_ledger__cmp_base("99999-99999.json", "a.json") > 0); /* unpatterned names before, by name */
  CHECK(qb_ledger__cmp_base("a.json", "0-0.json") < 0);
  CHECK(qb_ledger__cmp_base("a.json", "b.json") < 0);
  CHECK(qb_ledger__cmp_base("1-x.json", "1-2.json") < 0);       /* not the pattern */
  CHECK(qb_ledger__cmp_base("-1-2.json", "1-2.json") < 0);
  CHECK(qb_ledger__cmp_base("my file: 50.json", "1-1.json") < 0);
  CHECK(qb_ledger__cmp_base("18446744073709551615-18446744073709551615.json", "0-0.json") > 0);
}

QB_TEST(summary_parses_and_refuses_malformed_text)
{
  qb_ledger l;
  memset(&l, 0, sizeof l);
  CHECK(qb_ledger__parse(&l, "base -1\n"));
  CHECK_EQ_INT((long long)l.n_dirs, 0);
  const char *ok = "base 42\n"
                   "5:a/b c 8:1-1.json8:9-9.json 3 00000000000000ff 0:0: 0 0000000000000000\n"
                   "1:x 0:0: 0 0000000000000000 8:7-7.json8:8-8.json 2 0000000000000010\n";
  CHECK(qb_ledger__parse(&l, ok));
  CHECK_EQ_INT((long long)l.base, 42);
  CHECK_EQ_INT((long long)l.n_dirs, 2);
  CHECK_EQ_STR(l.dirs[0].dir, "a/b c");
  CHECK_EQ_STR(l.dirs[0].r.first, "1-1.json");
  CHECK_EQ_STR(l.dirs[0].r.last, "9-9.json");
  CHECK(l.dirs[0].r.count == 3 && l.dirs[0].r.hash == 0xff && !l.dirs[0].t.first);
  CHECK(!l.dirs[1].r.first && l.dirs[1].t.count == 2 && l.dirs[1].t.hash == 0x10);
  CHECK(qb_ledger__parse(&l, "base 1\n1:a 6:x.json8:1-1.json 2 0 0:0: 0 0\n")); /* stray first */
  CHECK_EQ_STR(l.dirs[0].r.first, "x.json");
  const char *bad[] = {
      "",                                                       /* no base */
      "base x\n",                                               /* not a number */
      "base 1",                                                 /* no newline */
      "base -2\n",                                              /* no snapshot id */
      "base 1\n3:ab 0:0: 0 0 0:0: 0 0\n",                      /* dir length beyond the text */
      "base 1\n1:a 1:x0: 1 0 0:0: 0 0\n",                       /* one end of a range empty */
      "base 1\n1:a 0:0: 5 0 0:0: 0 0\n",                       /* an empty range with files */
      "base 1\n1:a 1:x1:y 1 0 0:0: 0 0",                        /* no newline at the end */
      "base 1\n1:a 1:x1:y 1 0\n",                                /* no second range */
      "base 1\n1:a 1:x1:y 1 0 0:0: 0 0\n1:a 0:0: 0 0 0:0: 0 0\n", /* a folder twice */
      "base 1\n1:a 99999999999999999999:x1:y 1 0 0:0: 0 0\n",   /* absurd length */
      "base 1\n1:a 1:y1:x 1 0 0:0: 0 0\n",                      /* a reversed range */
      "base 1\n1:a 0:0: 0 0 8:9-9.json8:1-1.json 1 0\n",        /* a reversed range (write times) */
      "base 1\n1:a 8:1-1.json6:x.json 2 0 0:0: 0 0\n",          /* stray last: the former order */
      "base 1\n1:a 0:0: 0 0 8:1-1.json6:x.json 2 0\n",          /* the same in the batch's range */
      "base 1\n1:a 1:x1:y -1 0 0:0: 0 0\n",                     /* a negative count */
      "base 1\n1:a 1:x1:y 1 0x10 0:0: 0 0\n",                   /* a hex prefix */
      "base 1\n1:a 1:x1:y 1  10 0:0: 0 0\n",                    /* a blank before the sum */
      "base 1\n+1:a 1:x1:y 1 0 0:0: 0 0\n",                     /* a signed length */
      "base +1\n",                                             /* a signed base */
      "base  1\n",                                             /* a blank before the base */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(!qb_ledger__parse(&l, bad[i]));
    CHECK_EQ_INT((long long)l.n_dirs, 0);
  }
  qb_ledger_close(&l);
}
