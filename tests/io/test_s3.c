/* SPDX-License-Identifier: Apache-2.0 */
/* S3 FileIO against a real SigV4-validating server: radosgw on 127.0.0.1 (tests/s3/rgw-ctl). Run without
 * QB_S3_ENDPOINT, the binary re-executes itself under `rgw-ctl run`, which starts radosgw if it is not running
 * and stops it afterwards. Every operation, a 100 MiB multipart upload, 5,000 keys listed, a wrong secret,
 * 10 racing create-exclusive writers, and a proxy that drops, delays and fails ~10% of requests. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "harness.h"
#include "io/s3_sigv4.h"
#include "qberg/config.h"
#include "qberg/s3.h"
#include "util/clock.h"
#include "util/str.h"

/* glibc hands constructors argc/argv: re-exec under rgw-ctl when no server is given */
__attribute__((constructor)) static void need_server(int argc, char **argv)
{
  if (getenv("QB_S3_ENDPOINT")) return;
  const char *root = getenv("QB_ROOT");
  char *ctl = qb_str_printf("%s/tests/s3/rgw-ctl", root && *root ? root : ".");
  char **av = calloc((size_t)argc + 5, sizeof *av);
  int n = 0;
  av[n++] = "bash";
  av[n++] = ctl;
  av[n++] = "run";
  av[n++] = "--";
  for (int i = 0; i < argc; i++) av[n++] = argv[i];
  execvp("bash", av);
  perror("exec rgw-ctl");
  _exit(2);
}

static char bucket[64];

static qb_fileio *open_io(const char *endpoint, const char *secret, int max_retries)
{
  qb_s3_options o = QB_S3_OPTIONS_INIT;
  o.endpoint = endpoint ? endpoint : getenv("QB_S3_ENDPOINT");
  o.region = "garage";
  o.access_key_id = getenv("QB_S3_ACCESS_KEY");
  o.secret_access_key = secret ? secret : getenv("QB_S3_SECRET_KEY");
  o.part_size_bytes = 5 << 20;
  o.max_retries = max_retries;
  o.retry_base_ms = 10;
  qb_fileio *io = NULL;
  qb_err err = QB_ERR_INIT;
  if (qb_fileio_s3_new(&io, &o, &err)) fprintf(stderr, "qb_fileio_s3_new: %s\n", err.msg);
  return io;
}

static const char *test_bucket(void)
{
  if (!bucket[0]) {
    snprintf(bucket, sizeof bucket, "qbtest-%08llx", (unsigned long long)(qb_random_u64() & 0xffffffff));
    qb_fileio *io = open_io(NULL, NULL, -1);
    qb_err err = QB_ERR_INIT;
    char *u = qb_str_printf("s3://%s", bucket);
    if (qb_s3_bucket_create(io, u, &err)) fprintf(stderr, "bucket: %s\n", err.msg);
    free(u);
    qb_fileio_free(io);
  }
  return bucket;
}

static char *uri(const char *key) { return qb_str_printf("s3://%s/%s", test_bucket(), key); }

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = (uint8_t)x;
  }
}

static int count_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  (*(int *)ctx)++;
  return QB_OK;
}

QB_TEST(every_operation)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(NULL, NULL, -1);
  CHECK(io);
  CHECK(qb_fileio_can(io, QB_IO_LIST));
  /* bucket create is idempotent for its owner */
  char *b = qb_str_printf("s3://%s", test_bucket());
  CHECK_OK(qb_s3_bucket_create(io, b, &err), &err);
  free(b);

  /* keys that need encoding: space, plus, unicode, percent, double slash, dots */
  const char *keys[] = {"ops/plain.txt", "ops/with space+plus.txt", "ops/ünï©ødé.json", "ops/a//b/../c",
                        "ops/100%.bin", "ops/~tilde_-.x"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    char *p = uri(keys[i]);
    CHECK_OK(qb_fileio_write_all(io, p, keys[i], strlen(keys[i]), QB_CREATE_OVERWRITE, &err), &err);
    uint8_t *got;
    size_t n;
    CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 1000, &err), &err);
    CHECK(n == strlen(keys[i]) && !memcmp(got, keys[i], n));
    free(got);
    free(p);
  }
  /* s3a:// names the same object */
  char *s3a = qb_str_printf("s3a://%s/ops/plain.txt", test_bucket());
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, s3a, &st, &err), &err);
  CHECK_EQ_INT(st.size_bytes, strlen("ops/plain.txt"));
  CHECK(st.mtime_ms > qb_now_ms() - 600000 && st.mtime_ms < qb_now_ms() + 600000);
  free(s3a);

  /* range reads, small (read-ahead window) and large, against the same bytes held locally */
  size_t size = 3 * 1024 * 1024 + 123;
  uint8_t *data = malloc(size), *buf = malloc(size);
  fill(data, size, 7);
  char *p = uri("ops/ranges.bin");
  CHECK_OK(qb_fileio_write_all(io, p, data, size, QB_CREATE_OVERWRITE, &err), &err);
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, p, &err), &err);
  CHECK_EQ_INT(qb_file_size(f), size);
  const struct {
    uint64_t off;
    size_t n;
  } rr[] = {{0, 1}, {size - 8, 8}, {size - 1, 1}, {1000, 5000}, {1 << 20, 2 << 20}, {12345, size - 12345},
            {size / 2, 17}, {0, size}};
  for (size_t i = 0; i < sizeof rr / sizeof rr[0]; i++) {
    memset(buf, 0, rr[i].n);
    CHECK_OK(qb_file_pread(f, buf, rr[i].n, rr[i].off, &err), &err);
    CHECK(!memcmp(buf, data + rr[i].off, rr[i].n));
  }
  CHECK_FAIL(qb_file_pread(f, buf, 10, size - 5, &err), QB_ECORRUPT, &err, "truncated");
  qb_file_close(f);

  /* zero bytes */
  char *z = uri("ops/empty");
  CHECK_OK(qb_fileio_write_all(io, z, "", 0, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_stat(io, z, &st, &err), &err);
  CHECK_EQ_INT(st.size_bytes, 0);

  /* overwrite replaces; copy; listing with a prefix */
  CHECK_OK(qb_fileio_write_all(io, z, "new", 3, QB_CREATE_OVERWRITE, &err), &err);
  char *c = uri("ops/copy/of-ranges.bin");
  CHECK_OK(qb_fileio_copy(io, p, c, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, c, size, &err), &err);
  CHECK(n == size && !memcmp(got, data, size));
  free(got);
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, c, size - 1, &err), QB_ELIMIT, &err, "limit");
  int count = 0;
  char *pre = uri("ops/");
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 6 + 3);
  count = 0;
  char *pre2 = uri("ops/copy");
  CHECK_OK(qb_fileio_list(io, pre2, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 1);

  /* delete, delete of the absent, batch delete */
  CHECK_OK(qb_fileio_delete(io, c, &err), &err);
  CHECK_OK(qb_fileio_delete(io, c, &err), &err);
  CHECK_FAIL(qb_fileio_open_read(&f, io, c, &err), QB_ENOTFOUND, &err, "404");
  CHECK_FAIL(qb_fileio_stat(io, c, &st, &err), QB_ENOTFOUND, &err, "404");
  CHECK_EQ_INT(err.os_code, 404);
  char *all[16];
  size_t na = 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) all[na++] = uri(keys[i]);
  all[na++] = strdup(p);
  all[na++] = strdup(z);
  all[na++] = uri("ops/never-existed");
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)all, na, &err), &err);
  count = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 0);
  for (size_t i = 0; i < na; i++) free(all[i]);

  /* not S3 paths, bucket-only paths */
  CHECK_FAIL(qb_fileio_open_read(&f, io, "/tmp/x", &err), QB_EINVAL, &err, "not an s3:// path");
  CHECK_FAIL(qb_fileio_open_read(&f, io, "s3://bucket", &err), QB_EINVAL, &err, "names a bucket");
  free(pre);
  free(pre2);
  free(c);
  free(z);
  free(p);
  free(data);
  free(buf);
  qb_fileio_free(io);
}

QB_TEST(multipart_100mib_streamed_and_abort)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(NULL, NULL, -1);
  CHECK(io);
  const size_t total = 100u << 20, chunk = (1u << 20) + 37;
  uint8_t *blk = malloc(chunk), *back = malloc(8u << 20);
  char *p = uri("big/100mib.bin");
  qb_writer *w;
  int64_t t0 = qb_mono_ns();
  CHECK_OK(qb_fileio_create(&w, io, p, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t h_in[32];
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  for (size_t off = 0; off < total;) {
    size_t k = total - off < chunk ? total - off : chunk;
    fill(blk, k, off);
    EVP_DigestUpdate(md, blk, k);
    CHECK_OK(qb_writer_write(w, blk, k, &err), &err);
    off += k;
  }
  unsigned hl;
  EVP_DigestFinal_ex(md, h_in, &hl);
  CHECK_OK(qb_writer_close(w, &err), &err);
  double up_s = (double)(qb_mono_ns() - t0) / 1e9;
  /* read it back in 8 MiB ranges */
  t0 = qb_mono_ns();
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, p, &err), &err);
  CHECK_EQ_INT(qb_file_size(f), total);
  EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  for (size_t off = 0; off < total; off += 8u << 20) {
    size_t k = total - off < (8u << 20) ? total - off : (8u << 20);
    CHECK_OK(qb_file_pread(f, back, k, off, &err), &err);
    EVP_DigestUpdate(md, back, k);
  }
  uint8_t h_out[32];
  EVP_DigestFinal_ex(md, h_out, &hl);
  EVP_MD_CTX_free(md);
  qb_file_close(f);
  fprintf(stderr, "  100 MiB multipart: up %.2f s, down %.2f s\n", up_s, (double)(qb_mono_ns() - t0) / 1e9);
  CHECK(!memcmp(h_in, h_out, 32));

  /* an aborted writer publishes nothing, even after parts went up */
  char *q = uri("big/aborted.bin");
  CHECK_OK(qb_fileio_create(&w, io, q, QB_CREATE_OVERWRITE, &err), &err);
  for (int i = 0; i < 12; i++) CHECK_OK(qb_writer_write(w, blk, chunk, &err), &err);
  qb_writer_abort(w);
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(io, q, &st, &err), QB_ENOTFOUND, &err, "404");
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  free(p);
  free(q);
  free(blk);
  free(back);
  qb_fileio_free(io);
}

typedef struct put_job {
  qb_fileio *io;
  int from, to;
  int failed;
  qb_err err;
} put_job;

static void *put_many(void *arg)
{
  put_job *j = arg;
  for (int i = j->from; i < j->to && !j->failed; i++) {
    char key[64];
    snprintf(key, sizeof key, "many/k%05d", i);
    char *p = uri(key);
    if (qb_fileio_write_all(j->io, p, key, strlen(key), QB_CREATE_OVERWRITE, &j->err)) j->failed = 1;
    free(p);
  }
  return NULL;
}

typedef struct seen_set {
  uint8_t seen[5000];
  int bad;
} seen_set;

static int seen_cb(void *ctx, const char *path, const qb_stat *st, qb_err *err)
{
  seen_set *s = ctx;
  const char *k = strstr(path, "/many/k");
  int i = k ? atoi(k + 7) : -1;
  if (i < 0 || i >= 5000 || s->seen[i] || st->size_bytes != 11) s->bad++;
  else s->seen[i] = 1;
  return QB_OK;
}

QB_TEST(list_5000_keys)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(NULL, NULL, -1);
  CHECK(io);
  enum { N = 5000, T = 8 };
  put_job jobs[T];
  pthread_t th[T];
  int64_t t0 = qb_mono_ns();
  for (int i = 0; i < T; i++) {
    jobs[i] = (put_job){io, i * N / T, (i + 1) * N / T, 0, QB_ERR_INIT};
    pthread_create(&th[i], NULL, put_many, &jobs[i]);
  }
  for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++)
    if (jobs[i].failed) fprintf(stderr, "  put: %s\n", jobs[i].err.msg);
  for (int i = 0; i < T; i++) CHECK(!jobs[i].failed);
  double put_s = (double)(qb_mono_ns() - t0) / 1e9;
  t0 = qb_mono_ns();
  seen_set *s = calloc(1, sizeof *s);
  char *pre = uri("many/");
  CHECK_OK(qb_fileio_list(io, pre, seen_cb, s, &err), &err);
  int seen = 0;
  for (int i = 0; i < N; i++) seen += s->seen[i];
  fprintf(stderr, "  5000 keys: put %.2f s (8 threads), list %.2f s\n", put_s, (double)(qb_mono_ns() - t0) / 1e9);
  CHECK_EQ_INT(s->bad, 0);
  CHECK_EQ_INT(seen, N);
  int count = 0;
  char *pre2 = uri("many/k049"); /* k04900..k04999 */
  CHECK_OK(qb_fileio_list(io, pre2, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 100);
  /* batch delete: 5 DeleteObjects requests */
  char **paths = calloc(N, sizeof *paths);
  for (int i = 0; i < N; i++) {
    char key[64];
    snprintf(key, sizeof key, "many/k%05d", i);
    paths[i] = uri(key);
  }
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)paths, N, &err), &err);
  count = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 0);
  for (int i = 0; i < N; i++) free(paths[i]);
  free(paths);
  free(pre);
  free(pre2);
  free(s);
  qb_fileio_free(io);
}

QB_TEST(wrong_secret_is_a_clear_403)
{
  qb_err err = QB_ERR_INIT;
  const char *secret = "WRONG-secret-0123456789-do-not-print";
  qb_fileio *io = open_io(NULL, secret, -1);
  CHECK(io);
  char *p = uri("auth/x");
  uint8_t *got;
  size_t n;
  CHECK_FAIL(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), QB_EAUTH, &err,
             "HTTP 403 SignatureDoesNotMatch");
  CHECK_EQ_INT(err.os_code, 403);
  CHECK(strstr(err.msg, "check the secret key"));
  CHECK(strstr(err.msg, "request id"));
  CHECK(!strstr(err.msg, secret));
  char *pre = uri("auth/");
  CHECK_FAIL(qb_fileio_list(io, pre, count_cb, NULL, &err), QB_EAUTH, &err, "SignatureDoesNotMatch");
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, p, 10, &err), QB_EAUTH, &err, "HTTP 403");
  qb_fileio_free(io);
  /* an unknown access key */
  qb_s3_options o = QB_S3_OPTIONS_INIT;
  o.endpoint = getenv("QB_S3_ENDPOINT");
  o.access_key_id = "NOSUCHKEY";
  o.secret_access_key = secret;
  CHECK_OK(qb_fileio_s3_new(&io, &o, &err), &err);
  CHECK_FAIL(qb_fileio_list(io, pre, count_cb, NULL, &err), QB_EAUTH, &err, "InvalidAccessKeyId");
  CHECK(!strstr(err.msg, secret) && !strstr(err.msg, "NOSUCHKEY"));
  qb_fileio_free(io);
  free(p);
  free(pre);
}

/* A closed port, a port that accepts but never answers, a bad endpoint, a 404: none of the messages may
 * carry the secret, the session token or the access key. */
QB_TEST(credentials_never_in_messages)
{
  const char *akid = "AKIDNEVERSHOWN42", *secret = "SECRETNEVERSHOWN42", *token = "TOKENNEVERSHOWN42";
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0 && listen(ls, 4) == 0);
  getsockname(ls, (struct sockaddr *)&a, &al);
  char *silent = qb_str_printf("http://127.0.0.1:%d", ntohs(a.sin_port));
  int closed_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in b = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t bl = sizeof b;
  bind(closed_fd, (struct sockaddr *)&b, sizeof b);
  getsockname(closed_fd, (struct sockaddr *)&b, &bl);
  char *closed = qb_str_printf("http://127.0.0.1:%d", ntohs(b.sin_port));
  close(closed_fd);
  const char *endpoints[] = {closed, silent, getenv("QB_S3_ENDPOINT")};
  for (size_t i = 0; i < 3; i++) {
    qb_s3_options o = QB_S3_OPTIONS_INIT;
    o.endpoint = endpoints[i];
    o.access_key_id = akid;
    o.secret_access_key = secret;
    o.session_token = token;
    o.max_retries = 1;
    o.retry_base_ms = 1;
    o.stall_timeout_ms = 1000;
    qb_fileio *io;
    qb_err err = QB_ERR_INIT;
    CHECK_OK(qb_fileio_s3_new(&io, &o, &err), &err);
    char *p = uri("secret/x");
    int64_t t0 = qb_mono_ns();
    int rc = qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err);
    CHECK(rc != QB_OK);
    if (i < 2) {
      CHECK_EQ_INT(rc, QB_ENET);
      CHECK(strstr(err.msg, "after 2 attempts"));
      CHECK(qb_mono_ns() - t0 < 10000000000LL); /* the stall timeout fired */
    }
    CHECK(!strstr(err.msg, secret) && !strstr(err.msg, token) && !strstr(err.msg, akid));
    qb_fileio_free(io);
    free(p);
  }
  qb_s3_options o = QB_S3_OPTIONS_INIT;
  o.endpoint = "ftp://x";
  o.access_key_id = akid;
  o.secret_access_key = secret;
  qb_fileio *io;
  qb_err err = QB_ERR_INIT;
  CHECK_FAIL(qb_fileio_s3_new(&io, &o, &err), QB_EINVAL, &err, "only http:// and https://");
  CHECK(!strstr(err.msg, secret));
  o.endpoint = NULL;
  o.secret_access_key = NULL;
  CHECK_FAIL(qb_fileio_s3_new(&io, &o, &err), QB_EINVAL, &err, "not the secret key");
  close(ls);
  free(silent);
  free(closed);
}

typedef struct race {
  qb_fileio *io;
  const char *path;
  int id;
  pthread_barrier_t *bar;
  int rc;
  qb_err err;
} race;

static void *racer(void *arg)
{
  race *r = arg;
  char body[32];
  snprintf(body, sizeof body, "writer %d", r->id);
  qb_writer *w;
  r->rc = qb_fileio_create(&w, r->io, r->path, QB_CREATE_EXCLUSIVE, &r->err);
  if (r->rc) return NULL;
  r->rc = qb_writer_write(w, body, strlen(body), &r->err);
  pthread_barrier_wait(r->bar); /* all close (= PUT) together */
  r->rc = r->rc ? (qb_writer_abort(w), r->rc) : qb_writer_close(w, &r->err);
  return NULL;
}

QB_TEST(conditional_put_probe_and_race_of_10)
{
  qb_err err = QB_ERR_INIT;
  qb_fileio *io = open_io(NULL, NULL, -1);
  CHECK(io);
  CHECK(!qb_fileio_can(io, QB_IO_CREATE_EXCL)); /* unknown until probed */
  CHECK_EQ_INT(qb_fileio_s3_conditional_put(io), QB_S3_COND_UNKNOWN);
  char *wh = uri("warehouse");
  unsigned caps = 0;
  CHECK_OK(qb_fileio_probe(io, wh, &caps, &err), &err);
  /* radosgw (Ceph 16) honours If-None-Match: * on PUT */
  CHECK_EQ_INT(qb_fileio_s3_conditional_put(io), QB_S3_COND_HONOURED);
  CHECK(caps & QB_IO_CREATE_EXCL);
  CHECK(qb_fileio_can(io, QB_IO_CREATE_EXCL));
  int count = 0;
  CHECK_OK(qb_fileio_list(io, wh, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 0); /* the probe object is gone */
  for (int round = 0; round < 3; round++) {
    char key[64];
    snprintf(key, sizeof key, "race/v%d.metadata.json", round);
    char *p = uri(key);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 10);
    race r[10];
    pthread_t th[10];
    for (int i = 0; i < 10; i++) {
      r[i] = (race){io, p, i, &bar, 0, QB_ERR_INIT};
      pthread_create(&th[i], NULL, racer, &r[i]);
    }
    int won = -1, lost = 0;
    for (int i = 0; i < 10; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 10; i++) {
      if (r[i].rc == QB_OK) won = won < 0 ? i : 99;
      else if (r[i].rc == QB_EEXISTS) lost++;
      else fprintf(stderr, "  racer %d: %s\n", i, r[i].err.msg);
    }
    pthread_barrier_destroy(&bar);
    CHECK(won >= 0 && won < 10);
    CHECK_EQ_INT(lost, 9);
    uint8_t *got;
    size_t n;
    CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
    char want[32];
    snprintf(want, sizeof want, "writer %d", won);
    CHECK_EQ_STR((char *)got, want);
    free(got);
    free(p);
  }
  free(wh);
  qb_fileio_free(io);
}

/* ---- fault injection through tests/s3/faultproxy.py ---- */

typedef struct proxy {
  pid_t pid;
  int in_fd;
  int port;
} proxy;

static int proxy_start2(proxy *px, double rate, const char *extra, const char *extra2, const char *log);

static int proxy_start(proxy *px, double rate, const char *extra, const char *log)
{
  return proxy_start2(px, rate, extra, NULL, log);
}

/* extra2: a second option (NULL: none) */
static int proxy_start2(proxy *px, double rate, const char *extra, const char *extra2, const char *log)
{
  int in[2], out[2];
  if (pipe(in) || pipe(out)) return -1;
  const char *root = getenv("QB_ROOT");
  char *script = qb_str_printf("%s/tests/s3/faultproxy.py", root && *root ? root : ".");
  const char *ep = getenv("QB_S3_ENDPOINT");
  const char *port = strrchr(ep, ':') + 1;
  char rate_s[32];
  snprintf(rate_s, sizeof rate_s, "%g", rate);
  px->pid = fork();
  if (px->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    char *av[] = {"python3", script, (char *)port, "--rate", rate_s, "--seed", "5", "--max-seconds", "300",
                  "--log", (char *)log, (char *)extra, (char *)extra2, NULL};
    execvp("python3", av);
    _exit(127);
  }
  free(script);
  close(in[0]);
  close(out[1]);
  px->in_fd = in[1];
  char line[64] = {0};
  size_t k = 0;
  while (k < sizeof line - 1 && read(out[0], line + k, 1) == 1 && line[k] != '\n') k++;
  close(out[0]);
  return sscanf(line, "PORT %d", &px->port) == 1 ? 0 : -1;
}

/* A TCP port free a moment ago (for a proxy that must know its own address) */
static int free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof a;
  int port = -1;
  if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) && !getsockname(fd, (struct sockaddr *)&a, &n))
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

static void proxy_stop(proxy *px)
{
  close(px->in_fd);
  int st;
  waitpid(px->pid, &st, 0);
}

static int log_faults(const char *log)
{
  FILE *f = fopen(log, "r");
  int n = 0;
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "pass ", 5)) n++;
  if (f) fclose(f);
  return n;
}

QB_TEST(faults_10_percent_everything_still_correct)
{
  proxy px;
  char *log = qb_str_printf("%s/faults.log", qb_test_tmpdir());
  CHECK(proxy_start(&px, 0.10, NULL, log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  qb_fileio *io = open_io(ep, NULL, 10);
  CHECK(io);
  qb_err err = QB_ERR_INIT;
  /* 60 small objects, each written, stat'ed, read back */
  for (int i = 0; i < 60; i++) {
    char key[64], body[64];
    snprintf(key, sizeof key, "faults/small-%02d", i);
    snprintf(body, sizeof body, "body of object %d", i);
    char *p = uri(key);
    CHECK_OK(qb_fileio_write_all(io, p, body, strlen(body), QB_CREATE_OVERWRITE, &err), &err);
    qb_stat st;
    CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
    CHECK_EQ_INT(st.size_bytes, strlen(body));
    uint8_t *got;
    size_t n;
    CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
    CHECK(n == strlen(body) && !memcmp(got, body, n));
    free(got);
    free(p);
  }
  /* create-exclusive: first succeeds exactly once (lost answers are recognised), second is EEXISTS */
  for (int i = 0; i < 20; i++) {
    char key[64];
    snprintf(key, sizeof key, "faults/excl-%02d", i);
    char *p = uri(key);
    CHECK_OK(qb_fileio_write_all(io, p, key, strlen(key), QB_CREATE_EXCLUSIVE, &err), &err);
    CHECK_FAIL(qb_fileio_write_all(io, p, "other", 5, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "exists");
    uint8_t *got;
    size_t n;
    CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
    CHECK_EQ_STR((char *)got, key);
    free(got);
    free(p);
  }
  /* multipart (5 parts of 5 MiB + a tail), read back by ranges */
  size_t size = 26u << 20;
  uint8_t *data = malloc(size), *back = malloc(size);
  fill(data, size, 99);
  char *big = uri("faults/big.bin");
  CHECK_OK(qb_fileio_write_all(io, big, data, size, QB_CREATE_OVERWRITE, &err), &err);
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, big, &err), &err);
  for (size_t off = 0; off < size; off += 3u << 20) {
    size_t k = size - off < (3u << 20) ? size - off : (3u << 20);
    CHECK_OK(qb_file_pread(f, back + off, k, off, &err), &err);
  }
  for (int i = 0; i < 200; i++) { /* small reads through the read-ahead window */
    uint64_t off = (qb_random_u64() % (size - 100));
    CHECK_OK(qb_file_pread(f, back + off, 100, off, &err), &err);
  }
  qb_file_close(f);
  CHECK(!memcmp(back, data, size));
  /* copy, list, batch delete */
  char *cp = uri("faults/copy.bin");
  CHECK_OK(qb_fileio_copy(io, big, cp, &err), &err);
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, cp, &st, &err), &err);
  CHECK_EQ_INT(st.size_bytes, size);
  int count = 0;
  char *pre = uri("faults/");
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 60 + 20 + 2);
  char *paths[82];
  int np = 0;
  for (int i = 0; i < 60; i++) {
    char key[64];
    snprintf(key, sizeof key, "faults/small-%02d", i);
    paths[np++] = uri(key);
  }
  for (int i = 0; i < 20; i++) {
    char key[64];
    snprintf(key, sizeof key, "faults/excl-%02d", i);
    paths[np++] = uri(key);
  }
  paths[np++] = strdup(big);
  paths[np++] = strdup(cp);
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)paths, (size_t)np, &err), &err);
  count = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &count, &err), &err);
  CHECK_EQ_INT(count, 0);
  for (int i = 0; i < np; i++) free(paths[i]);
  qb_fileio_free(io);
  proxy_stop(&px);
  int faults = log_faults(log);
  fprintf(stderr, "  faultproxy injected %d faults\n", faults);
  CHECK(faults >= 20);
  free(pre);
  free(cp);
  free(big);
  free(data);
  free(back);
  free(ep);
  free(log);
}

/* Through a proxy that turns 412 into 200 (a store that ignores If-None-Match, like Garage), the probe must
 * say so, and create-exclusive must fall back to check-then-write. */
QB_TEST(probe_detects_a_store_that_ignores_if_none_match)
{
  proxy px;
  char *log = qb_str_printf("%s/ignore.log", qb_test_tmpdir());
  CHECK(proxy_start(&px, 0.0, "--ignore-conditional", log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  qb_fileio *io = open_io(ep, NULL, 3);
  CHECK(io);
  qb_err err = QB_ERR_INIT;
  char *wh = uri("warehouse2");
  CHECK_OK(qb_fileio_probe(io, wh, NULL, &err), &err);
  CHECK_EQ_INT(qb_fileio_s3_conditional_put(io), QB_S3_COND_IGNORED);
  CHECK(!qb_fileio_can(io, QB_IO_CREATE_EXCL));
  char *p = uri("warehouse2/v1.metadata.json");
  CHECK_OK(qb_fileio_write_all(io, p, "one", 3, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, p, "two", 3, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "already exists");
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  qb_fileio_free(io);
  proxy_stop(&px);
  free(p);
  free(wh);
  free(ep);
  free(log);
}

/* Configuration → qb_fileio_for_uri → a working S3 FileIO (spark-defaults.conf the way the seed writes it). */
QB_TEST(fileio_for_uri_from_spark_defaults)
{
  char *conf = qb_str_printf("%s/spark-defaults.conf", qb_test_tmpdir());
  FILE *f = fopen(conf, "w");
  CHECK(f);
  fprintf(f,
          "spark.sql.catalog.features            org.apache.iceberg.spark.SparkCatalog\n"
          "spark.sql.catalog.features.type       hadoop\n"
          "spark.sql.catalog.features.warehouse  s3a://%s/warehouse\n"
          "spark.hadoop.fs.s3a.endpoint          %s\n"
          "spark.hadoop.fs.s3a.endpoint.region   garage\n"
          "spark.hadoop.fs.s3a.path.style.access true\n"
          "spark.hadoop.fs.s3a.connection.ssl.enabled false\n"
          "spark.hadoop.fs.s3a.access.key        %s\n"
          "spark.hadoop.fs.s3a.secret.key        %s\n",
          test_bucket(), strstr(getenv("QB_S3_ENDPOINT"), "://") + 3, getenv("QB_S3_ACCESS_KEY"),
          getenv("QB_S3_SECRET_KEY"));
  fclose(f);
  qb_config_options co = QB_CONFIG_OPTIONS_INIT;
  co.ignore_env = true;
  co.spark_defaults = conf;
  qb_config *cfg;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_config_load(&cfg, &co, &err), &err);
  const char *wh = qb_config_get(cfg, "warehouse");
  CHECK(wh && qb_str_has_prefix(wh, "s3a://"));
  qb_fileio *io;
  CHECK_OK(qb_fileio_for_uri(&io, wh, cfg, &err), &err);
  char *p = qb_str_printf("%s/t/metadata/version-hint.text", wh);
  CHECK_OK(qb_fileio_write_all(io, p, "1", 1, QB_CREATE_OVERWRITE, &err), &err);
  char *same = qb_str_printf("s3://%s/warehouse/t/metadata/version-hint.text", test_bucket());
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, same, 10, &err), &err);
  CHECK(n == 1 && got[0] == '1');
  free(got);
  CHECK_OK(qb_fileio_delete(io, same, &err), &err);
  qb_fileio_free(io);
  qb_config_free(cfg);
  free(p);
  free(same);
  free(conf);
}

static int log_count(const char *log, const char *needle)
{
  FILE *f = fopen(log, "r");
  int n = 0;
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, needle)) n++;
  if (f) fclose(f);
  return n;
}

/* 4xx answers are final: one request each (counted by the proxy), while 5xx are retried. */
QB_TEST(no_retry_on_4xx)
{
  proxy px;
  char *log = qb_str_printf("%s/4xx.log", qb_test_tmpdir());
  CHECK(proxy_start(&px, 0.0, NULL, log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  qb_fileio *bad = open_io(ep, "not-the-secret", 5), *io = open_io(ep, NULL, 5);
  CHECK(bad && io);
  qb_err err = QB_ERR_INIT;
  char *p = uri("no-retry/obj");
  CHECK_FAIL(qb_fileio_write_all(bad, p, "x", 1, QB_CREATE_OVERWRITE, &err), QB_EAUTH, &err, "403");
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(io, p, &st, &err), QB_ENOTFOUND, &err, "404");
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, p, "y", 1, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "exists");
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  qb_fileio_free(bad);
  qb_fileio_free(io);
  proxy_stop(&px);
  /* unprobed, create-exclusive looks first: the second one stops at its HEAD */
  CHECK_EQ_INT(log_count(log, "PUT /"), 2);  /* the 403, the create */
  CHECK_EQ_INT(log_count(log, "HEAD /"), 3); /* the 404, the two exclusive checks */
  free(p);
  free(ep);
  free(log);
}

/* A part that keeps failing: close reports the error, the upload is aborted, nothing becomes visible. */
QB_TEST(multipart_failure_aborts_the_upload)
{
  proxy px;
  char *log = qb_str_printf("%s/abort.log", qb_test_tmpdir());
  CHECK(proxy_start(&px, 0.0, "--fail-match=partNumber=2&", log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  qb_fileio *io = open_io(ep, NULL, 2);
  CHECK(io);
  qb_err err = QB_ERR_INIT;
  size_t size = 12u << 20; /* parts 1, 2 (fails), 3 */
  uint8_t *data = malloc(size);
  fill(data, size, 3);
  char *p = uri("abort/obj");
  int rc = qb_fileio_write_all(io, p, data, size, QB_CREATE_OVERWRITE, &err);
  CHECK_EQ_INT(rc, QB_EIO);
  CHECK(strstr(err.msg, "(part 2, 5242880 bytes): HTTP 500 InternalError"));
  CHECK(err.retryable && err.os_code == 500);
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(io, p, &st, &err), QB_ENOTFOUND, &err, "404");
  qb_fileio_free(io);
  proxy_stop(&px);
  CHECK_EQ_INT(log_count(log, "partNumber=2&"), 3); /* first try + 2 retries */
  CHECK_EQ_INT(log_count(log, "DELETE /"), 1);      /* AbortMultipartUpload */
  CHECK_EQ_INT(log_count(log, "POST /") - log_count(log, "?uploads"), 0); /* never completed */
  free(p);
  free(data);
  free(ep);
  free(log);
}

/* A fault proxy answering by the `--sequence` rules `seq` (taken), logging to <tmp>/<name>.log, and a FileIO
 * through it with 3 retries: the setup of the cases below. sequenced_stop closes both; sq.log stays for
 * log_count until the case frees it. */
typedef struct sequenced {
  proxy px;
  char *log;
  qb_fileio *io;
} sequenced;

static bool sequenced_start(sequenced *sq, const char *name, char *seq)
{
  sq->log = qb_str_printf("%s/%s.log", qb_test_tmpdir(), name);
  sq->io = NULL;
  int rc = proxy_start(&sq->px, 0.0, seq, sq->log);
  free(seq);
  if (rc != 0) return false;
  char *ep = qb_str_printf("http://127.0.0.1:%d", sq->px.port);
  sq->io = open_io(ep, NULL, 3);
  free(ep);
  return sq->io != NULL;
}

static void sequenced_stop(sequenced *sq)
{
  qb_fileio_free(sq->io);
  sq->io = NULL;
  proxy_stop(&sq->px);
}

/* The answer to a conditional PUT is lost (the store applied it), and the retry gets a final 4xx: the object is
 * there, so the write is QB_ECOMMIT_UNKNOWN (the caller must look), never a plain failure its caller may clean
 * up after. A commit took such a failure for a failed commit, deleted its files and left its version published
 * (found by exploreD). */
QB_TEST(lost_answer_then_final_4xx_is_commit_unknown)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "lost4xx", qb_str_printf("--sequence=PUT /%s/lost-4xx/v3=drop-after,403:AccessDenied", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("lost-4xx/v3.metadata.json");
  int rc = qb_fileio_write_all(io, p, "ours", 4, QB_CREATE_EXCLUSIVE, &err);
  CHECK_EQ_INT(rc, QB_ECOMMIT_UNKNOWN);
  CHECK(strstr(err.msg, "HTTP 403 AccessDenied") && strstr(err.msg, "may have written it"));
  CHECK(!err.retryable && err.os_code == 403);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
  CHECK(n == 4 && !memcmp(got, "ours", 4));
  free(got);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "drop-after PUT"), 1);
  CHECK_EQ_INT(log_count(sq.log, "403:AccessDenied PUT"), 1);
  free(p);
  free(sq.log);
}

/* S3's "400 RequestTimeout" (a body not sent in time) is retried, as the AWS SDKs do; another 400 is final. It
 * failed the whole operation at once (found by exploreD). */
QB_TEST(request_timeout_400_is_retried)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "rt400", qb_str_printf("--sequence=PUT /%s/rt400/slow=400:RequestTimeout,400:RequestTimeout;"
                                            "PUT /%s/rt400/bad=400:InvalidArgument",
                                            test_bucket(), test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *slow = uri("rt400/slow"), *bad = uri("rt400/bad");
  CHECK_OK(qb_fileio_write_all(io, slow, "body", 4, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, slow, 100, &err), &err);
  CHECK(n == 4 && !memcmp(got, "body", 4));
  free(got);
  CHECK_FAIL(qb_fileio_write_all(io, bad, "x", 1, QB_CREATE_OVERWRITE, &err), QB_EINVAL, &err,
             "HTTP 400 InvalidArgument");
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "400:RequestTimeout PUT"), 2);
  CHECK_EQ_INT(log_count(sq.log, "PUT /"), 4); /* two refused, the third stored; the bad one once */
  free(slow);
  free(bad);
  free(sq.log);
}

/* CompleteMultipartUpload may answer 200 and then an <Error> (its status line goes out before the work is done);
 * InternalError and SlowDown there did not complete the upload and are retried, as S3 asks. The upload was
 * aborted at once (found by exploreD). */
QB_TEST(complete_200_internal_error_is_retried)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "complete200", qb_str_printf("--sequence=POST /%s/mp200/obj?uploadId=200:InternalError,200:SlowDown", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  size_t size = 11u << 20; /* three parts */
  uint8_t *data = malloc(size);
  fill(data, size, 11);
  char *p = uri("mp200/obj");
  CHECK_OK(qb_fileio_write_all(io, p, data, size, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, size, &err), &err);
  CHECK(n == size && !memcmp(got, data, size));
  free(got);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "POST /") - log_count(sq.log, "?uploads"), 3); /* three Completes */
  CHECK_EQ_INT(log_count(sq.log, "200:SlowDown POST"), 1);
  CHECK_EQ_INT(log_count(sq.log, "DELETE /"), 0); /* never aborted */
  free(p);
  free(data);
  free(sq.log);
}

/* CopyObject may answer 200 and then an <Error>, as CompleteMultipartUpload does; InternalError and SlowDown there
 * did not copy and are retried (a copy is idempotent). It failed at once (found by exploreI). */
QB_TEST(copy_200_internal_error_is_retried)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "copy200", qb_str_printf("--sequence=PUT /%s/cp200/dst=200:InternalError,200:SlowDown;"
                                              "PUT /%s/cp200/never=200:InternalError,200:InternalError,"
                                              "200:InternalError,200:InternalError",
                                              test_bucket(), test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *src = uri("cp200/src"), *dst = uri("cp200/dst"), *never = uri("cp200/never");
  CHECK_OK(qb_fileio_write_all(io, src, "copied", 6, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_copy(io, src, dst, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, dst, 100, &err), &err);
  CHECK(n == 6 && !memcmp(got, "copied", 6));
  free(got);
  CHECK_FAIL(qb_fileio_copy(io, src, never, &err), QB_EIO, &err, "InternalError: injected by faultproxy");
  CHECK(err.retryable);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "PUT /") - 1, 3 + 4); /* three copies to dst, four (1 + 3 retries) to never */
  free(src);
  free(dst);
  free(never);
  free(sq.log);
}

/* An answer whose body runs past its Content-Length leaves junk on the kept-alive connection: the next request on
 * it reads "HTTP/0.9" and is sent again on a fresh connection. It failed with curl error 1 (found by exploreI). */
QB_TEST(junk_on_a_kept_alive_connection_is_retried)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "junk", qb_str_printf("--sequence=GET /%s/junk/obj=long-body", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("junk/obj");
  uint8_t data[3000];
  fill(data, sizeof data, 17);
  CHECK_OK(qb_fileio_write_all(io, p, data, sizeof data, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, sizeof data, &err), &err);
  CHECK(n == sizeof data && !memcmp(got, data, n));
  free(got);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "long-body GET"), 1);
  free(p);
  free(sq.log);
}

/* An object replaced between its open (HEAD) and a read: QB_ECORRUPT "changed since it was opened", retryable (a
 * read of it again reads the new object whole), so ingest skips such a raw file for the next batch instead of
 * rejecting it for good (found by exploreI). */
QB_TEST(object_replaced_while_open_is_corrupt_and_retryable)
{
  qb_fileio *io = open_io(NULL, NULL, 0);
  CHECK(io);
  qb_err err = QB_ERR_INIT;
  char *p = uri("replaced/obj");
  CHECK_OK(qb_fileio_write_all(io, p, "first", 5, QB_CREATE_OVERWRITE, &err), &err);
  qb_file *f;
  CHECK_OK(qb_fileio_open_read(&f, io, p, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, p, "second!", 7, QB_CREATE_OVERWRITE, &err), &err);
  char buf[5];
  CHECK_FAIL(qb_file_pread(f, buf, 5, 0, &err), QB_ECORRUPT, &err, "changed since it was opened (7 bytes, was 5)");
  CHECK(err.retryable);
  qb_file_close(f);
  CHECK_OK(qb_fileio_delete(io, p, &err), &err);
  free(p);
  qb_fileio_free(io);
}

/* The answer to a write is lost (the store applied it) and the retry is refused (404 NoSuchUpload for a Complete,
 * 412 for a create-exclusive PUT): the object is recognised as ours by the write id qberg sends as user metadata,
 * also when its ETag is not what qberg computes (SSE-KMS, SSE-C, another multipart-ETag formula; here the proxy
 * answers the HEAD with another ETag). It was QB_ECOMMIT_UNKNOWN / QB_EEXISTS. Someone else's object is never
 * taken for ours (found by exploreI). */
QB_TEST(lost_answer_recognised_by_write_id_whatever_the_etag)
{
  const char *b = test_bucket();
  sequenced sq;
  CHECK(sequenced_start(&sq, "writeid", qb_str_printf("--sequence=POST /%s/wid/big?uploadId=drop-after,404:NoSuchUpload;"
                                              "HEAD /%s/wid/big=other-etag;PUT /%s/wid/v1=drop-after;"
                                              "HEAD /%s/wid/v1=other-etag;PUT /%s/wid/v2=pass,drop-after;"
                                              "HEAD /%s/wid/v2=other-etag", b, b, b, b, b, b)));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *dir = uri("wid"), *big = uri("wid/big"), *v1 = uri("wid/v1"), *v2 = uri("wid/v2");
  unsigned caps = 0;
  CHECK_OK(qb_fileio_probe(io, dir, &caps, &err), &err); /* honoured: no HEAD before a create-exclusive PUT */
  CHECK(qb_fileio_can(io, QB_IO_CREATE_EXCL));
  size_t size = 11u << 20; /* three parts */
  uint8_t *data = malloc(size);
  fill(data, size, 23);
  CHECK_OK(qb_fileio_write_all(io, big, data, size, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, v1, "ours", 4, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, v2, "theirs", 6, QB_CREATE_EXCLUSIVE, &err), &err);
  CHECK_FAIL(qb_fileio_write_all(io, v2, "ours", 4, QB_CREATE_EXCLUSIVE, &err), QB_EEXISTS, &err, "412");
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, big, size, &err), &err);
  CHECK(n == size && !memcmp(got, data, size));
  free(got);
  CHECK_OK(qb_fileio_read_all(&got, &n, io, v2, 100, &err), &err);
  CHECK(n == 6 && !memcmp(got, "theirs", 6));
  free(got);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "other-etag HEAD"), 3);
  CHECK_EQ_INT(log_count(sq.log, "404:NoSuchUpload POST"), 1);
  CHECK_EQ_INT(log_count(sq.log, "DELETE /") - 1, 0); /* the probe's delete; no upload aborted */
  free(data);
  free(dir);
  free(big);
  free(v1);
  free(v2);
  free(sq.log);
}

/* 503 SlowDown with "Retry-After: 2": the retry waits 2 s, not the 10 ms backoff (the retries were spent within
 * ~1 s whatever the server asked; found by exploreM). */
QB_TEST(retry_after_is_honoured)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "retryafter", qb_str_printf("--sequence=GET /%s/retryafter/obj=slowdown-after:2",
                                                         test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("retryafter/obj");
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  int64_t t0 = qb_mono_ns();
  uint8_t *got = NULL;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
  int64_t ms = (qb_mono_ns() - t0) / 1000000;
  CHECK(n == 1 && got[0] == 'x');
  CHECK(ms >= 1900 && ms < 10000);
  free(got);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "slowdown-after:2 GET"), 1);
  free(p);
  free(sq.log);
}

/* s3.stall-timeout-ms=1900 tolerates a pause of 1.3 s (curl counts whole seconds: rounded up); it was rounded
 * down to 1 s, failing the read (found by exploreM). Under 1 s is refused. */
QB_TEST(stall_timeout_rounds_up_to_whole_seconds)
{
  proxy px;
  char *log = qb_str_printf("%s/stall.log", qb_test_tmpdir());
  char *seq = qb_str_printf("--sequence=GET /%s/stall/obj=pause-body:1.3", test_bucket());
  CHECK(proxy_start(&px, 0.0, seq, log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  qb_s3_options o = QB_S3_OPTIONS_INIT;
  o.endpoint = ep;
  o.region = "garage";
  o.access_key_id = getenv("QB_S3_ACCESS_KEY");
  o.secret_access_key = getenv("QB_S3_SECRET_KEY");
  o.max_retries = 0;
  o.stall_timeout_ms = 1900;
  qb_fileio *io = NULL;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_fileio_s3_new(&io, &o, &err), &err);
  char *p = uri("stall/obj");
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got = NULL;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err);
  CHECK(n == 1 && got && got[0] == 'x');
  free(got);
  qb_fileio_free(io);
  proxy_stop(&px);
  CHECK_EQ_INT(log_count(log, "pause-body:1.3 GET"), 1);
  o.stall_timeout_ms = 500;
  io = NULL;
  CHECK_FAIL(qb_fileio_s3_new(&io, &o, &err), QB_EINVAL, &err, "S3 stall timeout 500 ms is under 1 s");
  CHECK(io == NULL);
  free(p);
  free(ep);
  free(seq);
  free(log);
}

/* 307 TemporaryRedirect (S3 right after a bucket is made in another region) and 301 PermanentRedirect with an
 * <Endpoint> are followed, re-signed for the new host (radosgw checks the signature), for reads, writes and HEAD;
 * a redirect to another host is not followed and the message names it. They failed "HTTP 307
 * TemporaryRedirect (the store redirects elsewhere ...)" (found by exploreM). */
QB_TEST(redirects_are_followed_to_the_same_host)
{
  const char *ep = getenv("QB_S3_ENDPOINT"); /* http://127.0.0.1:PORT: the proxy's host, another port */
  const char *b = test_bucket();
  sequenced sq;
  CHECK(sequenced_start(&sq, "redir", qb_str_printf("--sequence=PUT /%s/redir/obj=307>%s;HEAD /%s/redir/obj=307>%s;"
                                                    "GET /%s/redir/obj=301>%s;HEAD /%s/redir/far=307>http://localhost:%s",
                                                    b, ep, b, ep, b, ep + 7, b, strrchr(ep, ':') + 1)));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("redir/obj"), *far = uri("redir/far");
  CHECK_OK(qb_fileio_write_all(io, p, "moved", 5, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got = NULL;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, p, 100, &err), &err); /* HEAD (307), then GET (301) */
  CHECK(n == 5 && got && !memcmp(got, "moved", 5));
  free(got);
  qb_stat st;
  CHECK_OK(qb_fileio_stat(io, p, &st, &err), &err);
  CHECK(st.size_bytes == 5);
  char *want = qb_str_printf("HTTP 307 TemporaryRedirect (the store redirects to "
                             "http://localhost:%s: set s3.endpoint to it)", strrchr(ep, ':') + 1);
  CHECK_FAIL(qb_fileio_stat(io, far, &st, &err), QB_EIO, &err, want);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "307>"), 3);
  CHECK_EQ_INT(log_count(sq.log, "301>"), 1);
  free(want);
  free(p);
  free(far);
  free(sq.log);
}

/* One retry budget for a request and its redirects: a 307 after two 503s, then 503s at the target, is
 * s3.max-retries + 1 attempts and one for the hop. Each hop started a new budget: 4 x (retries + 1) attempts
 * (5 x with a credential renewal) where retries + 1 were promised (found by exploreV). */
QB_TEST(redirect_shares_the_retry_budget)
{
  const char *b = test_bucket();
  char *logb = qb_str_printf("%s/budget-b.log", qb_test_tmpdir());
  proxy pb; /* the redirect's target: 503 to every HEAD of the key */
  char *seqb = qb_str_printf("--sequence=HEAD /%s/budget/obj=503,503,503,503,503,503,503,503", b);
  CHECK(proxy_start(&pb, 0.0, seqb, logb) == 0);
  free(seqb);
  sequenced sq;
  CHECK(sequenced_start(&sq, "budget-a", qb_str_printf("--sequence=HEAD /%s/budget/obj=503,503,307>http://127.0.0.1:%d",
                                                       b, pb.port)));
  qb_err err = QB_ERR_INIT;
  char *p = uri("budget/obj");
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(sq.io, p, &st, &err), QB_EIO, &err, "HTTP 503");
  sequenced_stop(&sq);
  proxy_stop(&pb);
  CHECK_EQ_INT(log_count(sq.log, "HEAD"), 3);
  CHECK_EQ_INT(log_count(logb, "503 HEAD"), 2); /* 3 retries: two at the first host, one at the target */
  free(p);
  free(logb);
  free(sq.log);
}

/* A store redirecting in a loop: the error says so instead of "set s3.endpoint to" the endpoint already set. */
QB_TEST(redirect_loop_says_so)
{
  const char *b = test_bucket();
  int port = free_port();
  CHECK(port > 0);
  char *self = qb_str_printf("307>http://127.0.0.1:%d", port);
  char *seq = qb_str_printf("--sequence=HEAD /%s/redirloop=%s,%s,%s,%s,%s", b, self, self, self, self, self);
  char *portopt = qb_str_printf("--port=%d", port);
  char *log = qb_str_printf("%s/redirloop.log", qb_test_tmpdir());
  proxy px;
  CHECK(proxy_start2(&px, 0.0, seq, portopt, log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", port);
  qb_fileio *io = open_io(ep, NULL, 3);
  qb_err err = QB_ERR_INIT;
  char *p = uri("redirloop");
  qb_stat st;
  int rc = qb_fileio_stat(io, p, &st, &err);
  qb_fileio_free(io);
  proxy_stop(&px);
  CHECK_EQ_INT(rc, QB_EIO);
  CHECK(strstr(err.msg, "HTTP 307 TemporaryRedirect") != NULL);
  CHECK(strstr(err.msg, "redirected again after 3 redirects followed") != NULL);
  CHECK(strstr(err.msg, "set s3.endpoint") == NULL);
  CHECK_EQ_INT(log_count(log, "307>"), 4);
  free(p);
  free(ep);
  free(log);
  free(portopt);
  free(seq);
  free(self);
}

static void write_conf(const char *path, const char *endpoint, const char *akid)
{
  FILE *f = fopen(path, "w");
  fprintf(f, "s3.endpoint = %s\ns3.region = garage\ns3.access-key-id = %s\ns3.secret-access-key = %s\n"
             "s3.max-retries = 0\n", endpoint, akid, getenv("QB_S3_SECRET_KEY"));
  fclose(f);
}

/* Credentials refused as expired or unknown are read again from the configuration's sources, once: a credential
 * helper renews them in qberg.conf while `ingest --watch` runs. A watcher died at the first expiry (found by
 * exploreM). Unchanged credentials are not sent again. */
QB_TEST(refused_credentials_are_read_again_from_the_config)
{
  char *conf = qb_str_printf("%s/renew.conf", qb_test_tmpdir());
  write_conf(conf, getenv("QB_S3_ENDPOINT"), "QBTESTNOSUCHKEY00001"); /* not a key radosgw knows */
  qb_config_options co = QB_CONFIG_OPTIONS_INIT;
  co.config_file = conf;
  co.ignore_env = true;
  qb_config *cfg = NULL;
  qb_err err = QB_ERR_INIT;
  CHECK_OK(qb_config_load(&cfg, &co, &err), &err);
  char *p = uri("renew/obj");
  qb_fileio *io = NULL;
  CHECK_OK(qb_fileio_for_uri(&io, p, cfg, &err), &err);
  qb_config_free(cfg); /* the FileIO keeps what it needs */
  CHECK_FAIL(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), QB_EAUTH, &err,
             "HTTP 403 InvalidAccessKeyId");
  write_conf(conf, getenv("QB_S3_ENDPOINT"), getenv("QB_S3_ACCESS_KEY")); /* the helper renews them */
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  qb_fileio_free(io);
  /* an expired token with nothing new in the configuration: one request, the error as it was */
  proxy px;
  char *log = qb_str_printf("%s/renew.log", qb_test_tmpdir());
  char *seq = qb_str_printf("--sequence=GET /%s/renew/obj=400:ExpiredToken", test_bucket());
  CHECK(proxy_start(&px, 0.0, seq, log) == 0);
  char *ep = qb_str_printf("http://127.0.0.1:%d", px.port);
  write_conf(conf, ep, getenv("QB_S3_ACCESS_KEY"));
  CHECK_OK(qb_config_load(&cfg, &co, &err), &err);
  CHECK_OK(qb_fileio_for_uri(&io, p, cfg, &err), &err);
  qb_config_free(cfg);
  uint8_t *got = NULL;
  size_t n;
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, p, 100, &err), QB_EAUTH, &err, "HTTP 400 ExpiredToken");
  qb_fileio_free(io);
  proxy_stop(&px);
  CHECK_EQ_INT(log_count(log, "GET /"), 1);
  free(ep);
  free(seq);
  free(log);
  free(p);
  free(conf);
}

/* qb_fileio_delete_many of keys holding CR (sent raw, the store read LF: "deleted" and still there) or a byte
 * XML cannot carry (the whole call failed, naming no key): all of them are gone (found by exploreM). */
QB_TEST(delete_many_of_keys_with_control_bytes)
{
  qb_fileio *io = open_io(NULL, NULL, -1);
  qb_err err = QB_ERR_INIT;
  const char *keys[] = {"ctl/cr\rx", "ctl/crlf\r\ny", "ctl/one\x01z", "ctl/tab\tw", "ctl/plain"};
  char *paths[5];
  for (size_t i = 0; i < 5; i++) {
    paths[i] = uri(keys[i]);
    CHECK_OK(qb_fileio_write_all(io, paths[i], "v", 1, QB_CREATE_OVERWRITE, &err), &err);
  }
  char *pre = uri("ctl/");
  int n = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &n, &err), &err);
  CHECK_EQ_INT(n, 5);
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)paths, 5, &err), &err);
  n = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &n, &err), &err);
  CHECK_EQ_INT(n, 0);
  for (size_t i = 0; i < 5; i++) free(paths[i]);
  free(pre);
  qb_fileio_free(io);
}

/* A 206 answer of another range than asked (same length): an error, retryable; its bytes were returned as the
 * range asked for (found by exploreM). */
QB_TEST(answer_of_another_range_is_an_error)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "shift", qb_str_printf("--sequence=GET /%s/shift/obj=shift-range,shift-range,shift-range,"
                                                    "shift-range", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("shift/obj");
  CHECK_OK(qb_fileio_write_all(io, p, "0123456789", 10, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got = NULL;
  size_t n = 0;
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, p, 100, &err), QB_EIO, &err,
             "the store answered another range (Content-Range: bytes 1-10/10)");
  CHECK(err.retryable);
  free(got);
  sequenced_stop(&sq);
  free(p);
  free(sq.log);
}

/* A listing that shows a key twice (a store repeating an entry, pages that overlap) reports it once: ingest read
 * such a raw file twice in one batch and committed its rows twice (found by exploreM). */
QB_TEST(listing_that_repeats_keys_reports_each_once)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "duplist", qb_str_printf("--sequence=duplist%%2F=dup-list")));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  const char *keys[] = {"duplist/a", "duplist/b", "duplist/c"};
  for (size_t i = 0; i < 3; i++) {
    char *p = uri(keys[i]);
    CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
    free(p);
  }
  char *pre = uri("duplist/");
  int n = 0;
  CHECK_OK(qb_fileio_list(io, pre, count_cb, &n, &err), &err);
  CHECK_EQ_INT(n, 3);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "dup-list GET"), 1);
  free(pre);
  free(sq.log);
}

/* A store whose continuation tokens cycle (A, B, A) is an error naming the prefix, not a listing without end: only
 * a token equal to the one just sent was caught, `s3 ls` looping forever (found by exploreV). */
QB_TEST(listing_whose_tokens_cycle_is_an_error)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "tokcycle",
                        qb_str_printf("--sequence=tokcycle%%2F=list-token:A,list-token:B,list-token:A,list-token:B,"
                                      "list-token:A,list-token:B,list-token:A,list-token:B")));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("tokcycle/a");
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  free(p);
  char *pre = uri("tokcycle/");
  int n = 0;
  CHECK_FAIL(qb_fileio_list(io, pre, count_cb, &n, &err), QB_ECORRUPT, &err, "repeats continuation token 'A'");
  CHECK(strstr(err.msg, pre) != NULL);
  CHECK_EQ_INT(n, 1);
  sequenced_stop(&sq);
  free(pre);
  free(sq.log);
}

typedef struct dir_seen {
  char names[8][32];
  bool dirs[8];
  int n;
} dir_seen;

static int dir_cb(void *ctx, const char *name, bool is_dir, qb_err *err)
{
  (void)err;
  dir_seen *d = ctx;
  for (int i = 0; i < d->n && i < 8; i++)
    if (!strcmp(d->names[i], name)) return QB_OK;
  if (d->n < 8) {
    snprintf(d->names[d->n], 32, "%s", name);
    d->dirs[d->n] = is_dir;
  }
  d->n++;
  return QB_OK;
}

static bool dir_has(const dir_seen *d, const char *name, bool is_dir)
{
  for (int i = 0; i < d->n && i < 8; i++)
    if (!strcmp(d->names[i], name)) return d->dirs[i] == is_dir;
  return false;
}

/* list_dir (namespaces, tables, metadata/) asks for one level (delimiter '/'): it listed every key below the
 * directory, every data file of every table, to keep the first segment of each (found by exploreV). */
QB_TEST(list_dir_lists_one_level)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "shallow", qb_str_printf("--sequence=nothing=pass")));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  const char *keys[] = {"shallow/a/x1", "shallow/a/x2", "shallow/a/deep/x3", "shallow/b", "shallow/c/", "shallow/",
                        "shallow2/z"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    char *p = uri(keys[i]);
    CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
    free(p);
  }
  char *dir = uri("shallow");
  dir_seen d = {0};
  CHECK_OK(qb_fileio_list_dir(io, dir, dir_cb, &d, &err), &err);
  CHECK_EQ_INT(d.n, 3);
  CHECK(dir_has(&d, "a", true));
  CHECK(dir_has(&d, "b", false));
  CHECK(dir_has(&d, "c", true));
  char *missing = uri("shallow-none");
  dir_seen e = {0};
  CHECK_FAIL(qb_fileio_list_dir(io, missing, dir_cb, &e, &err), QB_ENOTFOUND, &err, "no such directory");
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "list-type=2"), 2);
  CHECK_EQ_INT(log_count(sq.log, "delimiter=%2F"), 2);
  free(missing);
  free(dir);
  free(sq.log);
}

/* An expired session token is "400 ExpiredToken" on AWS: QB_EAUTH with a hint, as a 403 is. It was QB_EINVAL, which
 * ingest took for a bad raw file and rejected for good (found by exploreI). */
QB_TEST(expired_token_400_is_an_auth_error)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "token", qb_str_printf("--sequence=GET /%s/token/obj=400:ExpiredToken;"
                                            "PUT /%s/token/obj=pass,400:InvalidToken", test_bucket(), test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("token/obj");
  CHECK_OK(qb_fileio_write_all(io, p, "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, p, 100, &err), QB_EAUTH, &err,
             "HTTP 400 ExpiredToken: injected by faultproxy (the session token s3.session-token has expired");
  CHECK(!err.retryable && err.os_code == 400);
  CHECK_FAIL(qb_fileio_write_all(io, p, "y", 1, QB_CREATE_OVERWRITE, &err), QB_EAUTH, &err,
             "(check the session token s3.session-token)");
  sequenced_stop(&sq);
  free(p);
  free(sq.log);
}

/* A bucket of another region: AWS answers 301 with x-amz-bucket-region (a HEAD's 301 has no body). The message
 * names that region and s3.region; it was "HTTP 301 Error" alone (found by exploreI). */
QB_TEST(redirect_301_names_the_bucket_region)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "r301", qb_str_printf("--sequence=HEAD /%s/r301/obj=301:PermanentRedirect", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *p = uri("r301/obj");
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(io, p, &st, &err), QB_EIO, &err,
             "HTTP 301 PermanentRedirect (the bucket is in region eu-west-1: set s3.region to it)");
  CHECK(!err.retryable && err.os_code == 301);
  sequenced_stop(&sq);
  free(p);
  free(sq.log);
}

/* The answer to the probe's first PUT is lost after the store applied it: the retry's 412 is our own write (the
 * key is a fresh UUID), so the probe goes on and finds the condition honoured, and deletes its object. It failed
 * with "HTTP 412 PreconditionFailed" and left the object behind (found by exploreI). */
QB_TEST(probe_survives_a_lost_answer)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "probelost", qb_str_printf("--sequence=PUT /%s/probelost/.qberg-probe=drop-after", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *dir = uri("probelost/");
  unsigned caps = 0;
  CHECK_OK(qb_fileio_probe(io, dir, &caps, &err), &err);
  CHECK(qb_fileio_s3_conditional_put(io) == QB_S3_COND_HONOURED);
  int n = 0;
  CHECK_OK(qb_fileio_list(io, dir, count_cb, &n, &err), &err);
  CHECK_EQ_INT(n, 0);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "drop-after PUT"), 1);
  free(dir);
  free(sq.log);
}

/* An endpoint that does not speak HTTP (Garage's RPC port instead of its S3 port): the error says so. It was
 * "Received HTTP/0.9 when not allowed (curl error 1)" alone (found by exploreI). */
QB_TEST(not_http_endpoint_says_so)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "nothttp", qb_str_printf("--sequence=HEAD /%s/nothttp/obj=not-http", test_bucket())));
  qb_err err = QB_ERR_INIT;
  char *p = uri("nothttp/obj");
  qb_stat st;
  CHECK_FAIL(qb_fileio_stat(sq.io, p, &st, &err), QB_ENET, &err,
             "(curl error 1) (the server does not answer HTTP: check the endpoint and its port)");
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "not-http HEAD"), 1); /* a fresh connection: not retried */
  free(p);
  free(sq.log);
}

/* A DeleteObjects answered 200 with an <Error> document (or anything but a DeleteResult) deleted nothing: it is
 * an error. It was counted as every key deleted ("qberg s3 rm -r" said so; found by exploreD). */
QB_TEST(delete_objects_error_document_is_an_error)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "delerr", qb_str_printf("--sequence=POST /%s?delete=200:InternalError", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *paths[2] = {uri("delerr/a"), uri("delerr/b")};
  for (int i = 0; i < 2; i++) CHECK_OK(qb_fileio_write_all(io, paths[i], "x", 1, QB_CREATE_OVERWRITE, &err), &err);
  CHECK_FAIL(qb_fileio_delete_many(io, (const char *const *)paths, 2, &err), QB_EIO, &err,
             "(2 keys): InternalError: injected by faultproxy");
  qb_stat st;
  for (int i = 0; i < 2; i++) CHECK_OK(qb_fileio_stat(io, paths[i], &st, &err), &err);
  CHECK_OK(qb_fileio_delete_many(io, (const char *const *)paths, 2, &err), &err);
  for (int i = 0; i < 2; i++) CHECK_FAIL(qb_fileio_stat(io, paths[i], &st, &err), QB_ENOTFOUND, &err, "404");
  sequenced_stop(&sq);
  for (int i = 0; i < 2; i++) free(paths[i]);
  free(sq.log);
}

static int no_bucket(void *ctx, const char *name, int64_t created_ms, qb_err *err)
{
  (void)ctx, (void)name, (void)created_ms, (void)err;
  return QB_OK;
}

/* A malformed XML answer names the request and the object: it was "malformed XML at byte 117: unterminated
 * tag" alone for CreateMultipartUpload and ListBuckets (found by exploreD). */
QB_TEST(malformed_xml_answers_name_the_request)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "badxml", qb_str_printf("--sequence=GET /=half-body;POST /%s/badxml/obj?uploads=half-body", test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  CHECK_FAIL(qb_s3_bucket_list(io, no_bucket, NULL, &err), QB_ECORRUPT, &err, "ListBuckets: malformed XML");
  size_t size = 6u << 20; /* multipart */
  uint8_t *data = calloc(1, size);
  char *p = uri("badxml/obj");
  char *want = qb_str_printf("CreateMultipartUpload %s: malformed XML", p);
  CHECK_FAIL(qb_fileio_write_all(io, p, data, size, QB_CREATE_OVERWRITE, &err), QB_ECORRUPT, &err, want);
  sequenced_stop(&sq);
  free(want);
  free(p);
  free(data);
  free(sq.log);
}

/* A ranged GET answered with fewer bytes than asked (a body cut short with its own Content-Length) of an object
 * that still has its size is a transfer problem: retried, then QB_EIO (retryable). It was QB_ECORRUPT
 * "truncated", which ingest takes for a bad raw file and rejects for good (found by exploreD). */
QB_TEST(short_range_answer_is_retried_not_corrupt)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "short", qb_str_printf("--sequence=GET /%s/short/once=half-body;GET /%s/short/always=half-body,half-body,"
                                            "half-body,half-body",
                                            test_bucket(), test_bucket())));
  qb_fileio *io = sq.io;
  qb_err err = QB_ERR_INIT;
  char *once = uri("short/once"), *always = uri("short/always");
  const char *body = "0123456789abcdefghijklmnopqrstuvwxyz";
  CHECK_OK(qb_fileio_write_all(io, once, body, strlen(body), QB_CREATE_OVERWRITE, &err), &err);
  CHECK_OK(qb_fileio_write_all(io, always, body, strlen(body), QB_CREATE_OVERWRITE, &err), &err);
  uint8_t *got;
  size_t n;
  CHECK_OK(qb_fileio_read_all(&got, &n, io, once, 100, &err), &err);
  CHECK(n == strlen(body) && !memcmp(got, body, n));
  free(got);
  CHECK_FAIL(qb_fileio_read_all(&got, &n, io, always, 100, &err), QB_EIO, &err, "cut short (18 of 36 bytes, 4 attempts)");
  CHECK(err.retryable);
  sequenced_stop(&sq);
  CHECK_EQ_INT(log_count(sq.log, "half-body GET"), 5);
  free(once);
  free(always);
  free(sq.log);
}

static int upload_seen(void *ctx, const char *uri, const char *upload_id, int64_t initiated_ms, qb_err *err)
{
  (void)uri, (void)upload_id, (void)initiated_ms, (void)err;
  (*(int *)ctx)++;
  return QB_OK;
}

/* ListMultipartUploads and AbortMultipartUpload: each leaked its parsed URI (every remove-orphans run on S3
 * failed under ASan), and a store without ListMultipartUploads (501 NotImplemented) was QB_EIO, so
 * remove-orphans counted it as a failure where the documentation says such a store is skipped (found by
 * exploreR2). An upload already gone (404 NoSuchUpload) is aborted fine. */
QB_TEST(upload_list_and_abort)
{
  sequenced sq;
  CHECK(sequenced_start(&sq, "uploads", qb_str_printf("--sequence=max-uploads=pass,501:NotImplemented")));
  qb_err err = QB_ERR_INIT;
  char *prefix = uri("no-uploads-here/"), *key = uri("no-uploads-here/x");
  int n = 0;
  CHECK_OK(qb_s3_upload_list(sq.io, prefix, upload_seen, &n, &err), &err);
  CHECK_EQ_INT(n, 0);
  CHECK_FAIL(qb_s3_upload_list(sq.io, prefix, upload_seen, &n, &err), QB_EUNSUPPORTED, &err, "ListMultipartUploads");
  qb_err_clear(&err);
  CHECK_OK(qb_s3_upload_abort(sq.io, key, "2~not-an-upload", &err), &err);
  sequenced_stop(&sq);
  free(key);
  free(prefix);
  free(sq.log);
}
