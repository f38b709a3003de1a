/* SPDX-License-Identifier: Apache-2.0 */
/* qberg ingest: incremental batches of the VQE pipeline (docs/PIPELINE.md): one batch, or --watch to
 * poll the source until SIGINT/SIGTERM; progress on a TTY, a one-screen summary, or --json. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_catalog.h"
#include "cli_features.h"
#include "qberg/pipeline.h"
#include "qberg/s3.h"

static void usage(FILE *f)
{
  fprintf(f,
          "usage: qberg [-w WAREHOUSE] ingest --raw DIR|URI [--batch-id UUID] [--dry-run] [--no-features]\n"
          "                                   [--threads N] [--json]\n"
          "       qberg [-w WAREHOUSE] ingest --raw DIR|URI --watch [--interval SECONDS] [--threads N] [--json]\n"
          "\n"
          "Process the raw VQE result files (.json lines, .avro containers) under --raw that earlier runs\n"
          "have not seen: derive the rows of the nine quantum_features tables, append the rows whose key\n"
          "columns are new (tag v_<batch> on a table's first batch, v_incr_<batch> later), and record the run\n"
          "in processing_metadata, the files in ingested_files and the rejected files (with the reason) in\n"
          "rejected_inputs. --raw is a folder whose subfolders are topics (s3://raw-results/experiments/) or\n"
          "one topic folder. Exit 1 if any file was rejected (the good ones are ingested all the same).\n"
          "A file gone between the listing and its read is skipped: reported, not recorded, processed by\n"
          "the next batch that lists it.\n"
          "\n"
          "--watch polls the source every --interval seconds (default 10) and runs a batch when new files\n"
          "appear, until SIGINT, SIGTERM or SIGHUP, which stop it between batches (exit 0); a second one during a\n"
          "batch ends it at once, as a kill (the next run recovers the batch). --json prints one JSON\n"
          "object per batch. On a terminal, stderr shows progress (files, MB/s, ETA).\n"
          "--dry-run reads and checks the new files (records, rejections) and writes nothing.\n"
          "After each batch the ML feature tables are computed for the new experiments (qberg features),\n"
          "unless --no-features.\n"
          "--threads N: 1 runs a batch on one thread; 2 writes the feature tables' Parquet files (encoding,\n"
          "compression, file writes) on a second thread while the first parses and derives rows. The files\n"
          "are the same bytes either way. N > 2 is taken as 2 (one writer thread is all a batch uses).\n"
          "Default: 2 when the process may run on two CPUs or more, else 1.\n");
}

/* ---- progress (stderr, TTY only) ---- */

static volatile sig_atomic_t line_open; /* a progress line is on stderr, not ended by a newline (signal notes) */

typedef struct progress_state {
  int64_t last_ms;
  bool shown;
  const char *phase;      /* the phase shown; rates and ETA count from its first report */
  int64_t phase_start_ms; /* elapsed_ms at that report */
  uint64_t phase_bytes0;  /* bytes_done at that report (the first file's bytes, read before it) */
} progress_state;

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Draw one progress line, cut to the terminal's width: a line that wraps leaves its first rows behind at
 * every redraw ("\r\033[K" clears only the row the cursor is on), which on a narrow terminal scrolled the
 * screen full of copies. The width is asked at each draw (the window may be resized). */
static void progress_line(const char *line)
{
  struct winsize ws;
  size_t n = strlen(line);
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n > (size_t)ws.ws_col - 1)
    n = (size_t)ws.ws_col - 1; /* the last column would wrap on some terminals */
  fprintf(stderr, "\r\033[K%.*s", (int)n, line);
}

static void on_progress(void *ctx, const qb_ingest_progress *p)
{
  progress_state *s = ctx;
  int64_t now = mono_ms();
  bool last = p->files_done == p->files_total;
  if (!last && now - s->last_ms < 100) return;
  s->last_ms = now;
  s->shown = true;
  line_open = 1;
  char line[256];
  if (!strcmp(p->phase, "commit")) {
    snprintf(line, sizeof line, "committing tables %llu/%llu", (unsigned long long)p->files_done,
             (unsigned long long)p->files_total);
    progress_line(line);
    return;
  }
  if (s->phase != p->phase) {
    s->phase = p->phase;
    s->phase_start_ms = p->elapsed_ms;
    s->phase_bytes0 = p->bytes_done;
  }
  /* the rate of the bytes read since the phase's first report (that report's bytes were read in a time not
   * known here: counting them over no time said "0.0 MB/s  ETA 0s" with every file still to read) */
  double secs = (double)(p->elapsed_ms - s->phase_start_ms) / 1000.0;
  uint64_t since = p->bytes_done - s->phase_bytes0;
  const char *what = !strcmp(p->phase, "types") ? "type" : "row";
  int k = snprintf(line, sizeof line, "%s pass: %llu/%llu files  %.1f/%.1f MB", what, (unsigned long long)p->files_done,
                   (unsigned long long)p->files_total, (double)p->bytes_done / 1e6, (double)p->bytes_total / 1e6);
  if (k > 0 && (size_t)k < sizeof line) {
    if (secs > 0 && since > 0) {
      double bps = (double)since / secs;
      double eta = p->bytes_total > p->bytes_done ? (double)(p->bytes_total - p->bytes_done) / bps : 0;
      snprintf(line + k, sizeof line - (size_t)k, "  %.1f MB/s  ETA %.0fs", bps / 1e6, eta);
    } else if (p->files_done < p->files_total) {
      snprintf(line + k, sizeof line - (size_t)k, "  -- MB/s  ETA --");
    }
  }
  progress_line(line);
}

/* After a batch: the next one (--watch) starts its phases afresh. Its "rows" phase was taken for the one of the
 * batch before, timed from that batch's start: rates of 0.0 MB/s and negative ETAs. */
static void progress_clear(progress_state *s)
{
  if (s->shown) fprintf(stderr, "\r\033[K");
  s->shown = false;
  line_open = 0;
  s->phase = NULL;
  s->last_ms = 0;
}

/* ---- output ---- */

/* [{"file": ..., "reason": ...}, ...]: the rejected and the skipped inputs */
static void print_files_json(const qb_ingest_reject *v, size_t n)
{
  printf("[");
  for (size_t i = 0; i < n; i++) {
    printf("%s{\"file\":", i ? "," : "");
    qb_cli_json_str(stdout, v[i].file);
    printf(",\"reason\":");
    qb_cli_json_str(stdout, v[i].reason);
    printf("}");
  }
  printf("]");
}

static void print_json(const qb_ingest_report *r)
{
  printf("{\"batch_id\":\"%s\",\"files_seen\":%llu,\"files_new\":%llu,\"files_rejected\":%llu,\"records\":%llu,"
         "\"bytes\":%llu,\"elapsed_ms\":%lld,\"threads\":%u,\"experiments\":{\"new\":%llu,\"known\":%llu,"
         "\"rechecked\":%llu,\"recovered\":%llu},\"passes\":%u,\"stored_reads\":{\"ledger_rows\":%llu,"
         "\"index_entries\":%llu,\"key_rows\":%llu},\"tables\":[",
         r->batch_id, (unsigned long long)r->files_seen, (unsigned long long)r->files_new,
         (unsigned long long)r->files_rejected, (unsigned long long)r->records, (unsigned long long)r->bytes,
         (long long)r->elapsed_ms, r->threads, (unsigned long long)r->experiments_new,
         (unsigned long long)r->experiments_known, (unsigned long long)r->experiments_rechecked,
         (unsigned long long)r->experiments_recovered, r->passes,
         (unsigned long long)r->ledger_rows_read, (unsigned long long)r->index_entries_read, (unsigned long long)r->key_rows_read);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
    printf("%s{\"table\":\"%s\",\"rows\":%lld,\"duplicates\":%lld,\"version\":\"%s\",\"snapshot_id\":%lld}",
           t ? "," : "", qb_vqe_table_describe((qb_vqe_table)t)->name, (long long)r->rows[t],
           (long long)r->duplicates[t], r->versions[t], (long long)r->snapshot_ids[t]);
  printf("],\"rejected\":");
  print_files_json(r->rejects, r->n_rejects);
  printf(",\"files_skipped\":%llu,\"skipped_inputs\":", (unsigned long long)r->files_skipped);
  print_files_json(r->skipped, r->n_skipped);
  printf(",\"index_filter_error\":");
  qb_cli_json_str(stdout, r->index_filter_error);
  printf(",\"tables_replaced\":[");
  for (int t = 0, k = 0; t < QB_VQE_FEATURE_TABLES; t++)
    if (r->tables_replaced[t]) printf("%s\"%s\"", k++ ? "," : "", qb_vqe_table_describe((qb_vqe_table)t)->name);
  printf("],\"keysets_untrusted\":%s,\"phases_ms\":{", r->keysets_untrusted ? "true" : "false");
  for (int p = 0; p < QB_INGEST_PHASES; p++)
    printf("%s\"%s\":%.3f", p ? "," : "", qb_ingest_phase_name(p), (double)r->phase_us[p] / 1000.0);
  printf("}");
  if (r->features.batch_id[0]) { /* the ML phase ran */
    printf(",\"features\":");
    qb_cli_features_print(&r->features, true);
  }
  printf("}\n");
  fflush(stdout);
}

static void print_summary(const qb_ingest_report *r)
{
  double secs = (double)r->elapsed_ms / 1000.0;
  printf("batch %s: %llu raw files, %llu new, %llu rejected, %llu records, %.1f MB in %.2f s (%.1f MB/s, %u "
         "thread%s)\n",
         r->batch_id, (unsigned long long)r->files_seen, (unsigned long long)r->files_new,
         (unsigned long long)r->files_rejected, (unsigned long long)r->records, (double)r->bytes / 1e6, secs,
         secs > 0 ? (double)r->bytes / 1e6 / secs : 0.0, r->threads, r->threads == 1 ? "" : "s");
  printf("experiments: %llu new, %llu already stored, %llu re-checked row by row, %llu recovered\n",
         (unsigned long long)r->experiments_new, (unsigned long long)r->experiments_known,
         (unsigned long long)r->experiments_rechecked, (unsigned long long)r->experiments_recovered);
  /* where the time went (docs/PIPELINE.md "Where the time goes"); phases under a millisecond left out */
  printf("time:");
  for (int p = 0, k = 0; p < QB_INGEST_PHASES; p++)
    if (r->phase_us[p] >= 1000)
      printf("%s %s %.3f s", k++ ? "," : "", qb_ingest_phase_name(p), (double)r->phase_us[p] / 1e6);
  printf("\n");
  printf("%-22s %10s %10s  %-40s %s\n", "table", "rows", "duplicate", "version", "snapshot");
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++) {
    printf("%-22s %10lld %10lld  %-40s ", qb_vqe_table_describe((qb_vqe_table)t)->name, (long long)r->rows[t],
           (long long)r->duplicates[t], r->versions[t]);
    if (r->snapshot_ids[t] >= 0)
      printf("%lld\n", (long long)r->snapshot_ids[t]);
    else
      printf("-\n");
  }
  if (r->features.batch_id[0]) qb_cli_features_print(&r->features, false);
  if (r->index_filter_error[0])
    printf("experiment index: its Bloom filter was not used (%s): entries read, the file replaced\n",
           r->index_filter_error);
  for (int t = 0; t < QB_VQE_FEATURE_TABLES; t++)
    if (r->tables_replaced[t])
      fprintf(stderr,
              "warning: %s.%s was dropped and created again (or emptied, rolled back to an earlier snapshot, or "
              "had rows deleted) since the last batch: some of its earlier rows are gone. Stored experiments met again are compared row by row from now on, so delivering "
              "their raw files again (under new names) puts their rows back.\n",
              QB_VQE_NAMESPACE, qb_vqe_table_describe((qb_vqe_table)t)->name);
  if (r->files_skipped)
    printf("skipped: %llu raw files, not recorded: gone or changed since the listing (a later batch processes "
           "them if they are there then), or a path that is not valid UTF-8 (until renamed); each named on stderr\n",
           (unsigned long long)r->files_skipped);
  for (size_t i = 0; i < r->n_skipped && i < 10; i++) fprintf(stderr, "skipped %s\n", r->skipped[i].reason);
  for (size_t i = 0; i < r->n_rejects && i < 10; i++) fprintf(stderr, "rejected %s\n", r->rejects[i].reason);
  if (r->files_rejected > 10)
    fprintf(stderr, "... %llu rejections in all: qberg scan quantum_features.rejected_inputs\n",
            (unsigned long long)r->files_rejected);
  fflush(stdout);
}

/* ---- --watch ---- */

static volatile sig_atomic_t stop_requested, in_batch;
/* A note from the signal handler: on a new line when a progress line is open, else as a line of its own
 * (a leading blank line in a supervisor's log said nothing). */
static void signal_note(const char *msg, size_t n)
{
  size_t skip = line_open ? 0 : 1; /* msg starts with '\n' */
  ssize_t w = write(STDERR_FILENO, msg + skip, n - skip);
  (void)w;
}

/* The first SIGINT/SIGTERM lets the batch in flight finish (and says so: a batch over a large backlog runs for
 * minutes, and a Ctrl-C that shows nothing gets pressed again); a second one during that batch ends the process
 * at once with the signal's default action, as a kill would: the next batch recovers what this one committed
 * (docs/PIPELINE.md "Crash safety"). Only async-signal-safe calls here. */
static void on_signal(int sig)
{
  if (stop_requested && in_batch) {
    static const char msg[] = "\nqberg: second signal: ending the batch now; the next run recovers it\n";
    signal_note(msg, sizeof msg - 1);
    signal(sig, SIG_DFL);
    raise(sig); /* delivered when the handler returns */
    return;
  }
  stop_requested = sig ? sig : 1; /* which signal, for the closing message */
  if (in_batch) {
    static const char msg[] = "\nqberg: stopping after the batch in flight (a second signal ends it now)\n";
    signal_note(msg, sizeof msg - 1);
    line_open = 0;
  }
}

static void install_handlers(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART; /* a batch in flight finishes: its reads and writes must not fail with EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* a terminal's hangup (its window closed) stops the watcher as SIGTERM does, rather than cutting the batch
   * in flight; under nohup (SIGHUP ignored) it stays ignored */
  struct sigaction old;
  if (sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, NULL);
}

/* Sleep `ms`, waking early when a stop was requested. */
static void nap(int64_t ms)
{
  int64_t end = mono_ms() + ms;
  while (!stop_requested) {
    int64_t left = end - mono_ms();
    if (left <= 0) break;
    if (left > 100) left = 100;
    struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
}

int qb_cmd_ingest(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage(stdout);
    return QB_EXIT_OK;
  }
  qb_ingest_options o = QB_INGEST_OPTIONS_INIT;
  bool watch = false, interval_given = false;
  double interval = 10;
  for (int i = 1; i < cli->argc; i++) {
    const char *a = cli->argv[i];
    if (!strcmp(a, "--json")) continue;
    if (!strcmp(a, "--watch")) {
      watch = true;
    } else if (!strcmp(a, "--dry-run")) {
      o.dry_run = true;
    } else if (!strcmp(a, "--no-features")) {
      o.no_features = true;
    } else if (!strcmp(a, "--interval") && i + 1 < cli->argc) {
      char *end;
      interval = strtod(cli->argv[++i], &end);
      if (*end || !(interval >= 0.05 && interval <= 86400))
        return qb_cli_usage_error("ingest", "--interval takes seconds between 0.05 and 86400");
      interval_given = true;
    } else if (!strcmp(a, "--threads") && i + 1 < cli->argc) {
      int st = qb_cli_threads_arg(&o.threads, "ingest", cli->argv[++i]);
      if (st) return st;
    } else if (!strcmp(a, "--raw") && i + 1 < cli->argc) {
      o.raw = cli->argv[++i];
    } else if (!strcmp(a, "--batch-id") && i + 1 < cli->argc) {
      int st = qb_cli_batch_id_arg(&o.batch_id, "ingest", cli->argv[++i]);
      if (st) return st;
    } else {
      return qb_cli_usage_error("ingest", "unexpected argument '%s'", a);
    }
  }
  if (!o.raw) return qb_cli_usage_error("ingest", "--raw DIR|URI is required");
  if (watch && o.dry_run) return qb_cli_usage_error("ingest", "--dry-run is one pass: not with --watch");
  if (interval_given && !watch) return qb_cli_usage_error("ingest", "--interval is the polling period of --watch");
  if (watch && o.batch_id) return qb_cli_usage_error("ingest", "--batch-id names one batch: not with --watch");
  /* A local --raw that is not a folder is a typo, not an empty delivery: the library lists a missing folder
   * as empty (a watched folder may be removed and made again between polls), so it is checked here, once,
   * before the warehouse is created or a processing_metadata row written. */
  bool raw_remote = strstr(o.raw, "://") && strncmp(o.raw, "file:", 5);
  if (!raw_remote) {
    const char *path = !strncmp(o.raw, "file://", 7) ? o.raw + 7 : !strncmp(o.raw, "file:", 5) ? o.raw + 5 : o.raw;
    struct stat st;
    qb_err e = QB_ERR_INIT;
    if (stat(path, &st) != 0) {
      QB_FAIL_ERRNO(&e, errno == ENOENT ? QB_ENOTFOUND : QB_EIO, errno, "ingest: --raw %s", o.raw);
      return qb_cli_fail(&e);
    }
    if (!S_ISDIR(st.st_mode)) {
      QB_FAIL(&e, QB_EINVAL, "ingest: --raw %s is not a folder (a folder of topic folders, or one topic folder)",
              o.raw);
      return qb_cli_fail(&e);
    }
  }
  if (watch) install_handlers(); /* before the catalog opens: a signal during setup still stops cleanly */
  qb_cli_catalog c;
  int st = qb_cli_catalog_open(&c, cli, "ingest", NULL);
  if (st) return st;
  qb_err err = QB_ERR_INIT;
  qb_fileio *raw_io = NULL;
  /* the raw source gets its own FileIO when it or the warehouse is on an object store (raw files on S3 for
   * a local warehouse, a local folder for a warehouse on S3); both local share the catalog's */
  const char *wh = qb_catalog_warehouse(c.cat);
  bool wh_remote = wh && strstr(wh, "://") && strncmp(wh, "file:", 5);
  if ((raw_remote || wh_remote) && qb_fileio_for_uri(&raw_io, o.raw, c.cfg, &err)) {
    qb_cli_catalog_close(&c);
    return qb_cli_fail(&err);
  }
  o.raw_io = raw_io;
  progress_state ps = {0, false, NULL, 0, 0};
  if (!cli->json && isatty(STDERR_FILENO)) {
    o.progress = on_progress;
    o.progress_ctx = &ps;
  }
  o.skip_if_idle = watch;
  qb_ingest_report *r = calloc(1, sizeof *r);
  int status = QB_EXIT_OK;
  if (!r) {
    status = QB_EXIT_ERROR;
    goto out;
  }
  bool polled = false; /* a poll went through */
  do {
    if (stop_requested) break; /* a signal before the batch began (setup): no batch starts after it */
    in_batch = watch;
    int rc = qb_ingest_run(r, c.cat, &o, &err);
    in_batch = 0;
    progress_clear(&ps);
    if (rc == QB_ECONFLICT && watch) {
      /* another run holds the warehouse (or won a commit race): nothing of this batch is visible; its
       * files are still new at the next poll */
      fprintf(stderr, "qberg: %s; trying again in %g s\n", err.msg, interval);
      qb_err_clear(&err);
      nap((int64_t)(interval * 1000));
      continue;
    }
    /* the store unreachable or failing (no answer, 5xx) after every retry, once the watcher has polled
     * successfully (a wrong endpoint still fails at once): an interrupted batch is recovered by the next one,
     * as after a kill, so the watcher polls on. It exited 1 when a store restarted (found by exploreM) */
    if (watch && polled && (rc == QB_ENET || (rc == QB_EIO && err.retryable))) {
      fprintf(stderr, "qberg: %s; trying again in %g s\n", err.msg, interval);
      qb_err_clear(&err);
      nap((int64_t)(interval * 1000));
      continue;
    }
    if (rc) {
      status = qb_cli_fail(&err);
      break;
    }
    polled = true;
    if (!watch || r->files_new) {
      if (cli->json)
        print_json(r);
      else
        print_summary(r);
    }
    if (!watch && r->files_rejected) status = QB_EXIT_ERROR;
    if (watch) nap((int64_t)(interval * 1000));
  } while (watch && !stop_requested);
  /* a watcher stopped by a signal says so (a supervisor's log shows why it ended, and that no batch was cut) */
  if (watch && stop_requested && status == QB_EXIT_OK)
    fprintf(stderr, "qberg: ingest --watch stopped by %s between batches\n",
            stop_requested == SIGINT    ? "SIGINT"
            : stop_requested == SIGTERM ? "SIGTERM"
            : stop_requested == SIGHUP  ? "SIGHUP"
                                        : "a signal");
out:
  free(r);
  qb_fileio_free(raw_io);
  qb_cli_catalog_close(&c);
  return status;
}
