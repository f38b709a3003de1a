/* SPDX-License-Identifier: Apache-2.0 */
/* qberg maintain VERB TABLE|--all: expire-snapshots, remove-orphans, clean-metadata, rewrite-manifests, compact,
 * and "all", the routine a scheduler runs on every table of the warehouse (docs/MAINTENANCE.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_catalog.h"
#include "qberg/maintenance.h"

#define DAY_MS INT64_C(86400000)

static void usage(void)
{
  printf("usage: qberg [-w WAREHOUSE] maintain VERB TABLE|--all [OPTIONS] [--json] [--verbose]\n\n"
         "  expire-snapshots [--older-than DURATION|TIMESTAMP] [--retain-last N] [--dry-run]\n"
         "      remove snapshots no ref needs (tags, branches and their retention honoured; default: older\n"
         "      than history.expire.max-snapshot-age-ms, 5 days), then the files only they reached\n"
         "  remove-orphans [--older-than DURATION|TIMESTAMP] [--delete]\n"
         "      files under the table that no kept metadata reaches and older than the window (default 3d);\n"
         "      only printed unless --delete\n"
         "  clean-metadata [--force] [--dry-run]\n"
         "      delete metadata files older than the metadata-log keeps (write.metadata.previous-versions-max)\n"
         "      when write.metadata.delete-after-commit.enabled is true, or with --force\n"
         "  rewrite-manifests [--target-size BYTES] [--dry-run]\n"
         "      cluster manifest entries by partition into manifests of the target size (a replace snapshot)\n"
         "  compact [--target-size BYTES] [--min-input-files N] [--partition FILTER] [--dry-run]\n"
         "      bin-pack small data files per partition (a replace snapshot)\n"
         "  all [--dry-run] [--warehouse WH]\n"
         "      expire (older than history.expire.max-snapshot-age-ms, else 7 days; tags kept), compact,\n"
         "      rewrite manifests, remove orphans older than 3 days (deleting), clean metadata; on every\n"
         "      table of the warehouse unless TABLE is given\n\n"
         "DURATION: N[ms|s|m|h|d|w] (e.g. 7d, 36h); TIMESTAMP: 2026-01-31[T10:00:00[Z]] or epoch milliseconds.\n"
         "--verbose (or --dry-run) lists every file deleted (or that would be). Exit 1 if any table failed.\n");
}

/* ---- arguments ---- */

typedef struct args {
  const char *verb;
  const char *table; /* NULL with --all */
  bool all, dry_run, dry_run_given, delete_, force, verbose;
  int64_t older_than_ms; /* -1 unset */
  int64_t retain_last;   /* -1 unset */
  int64_t target_size;   /* 0 unset */
  int64_t min_input_files;
  const char *partition;
} args;

static int64_t days_from_civil(int y, int m, int d)
{
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t)era * 146097 + doe - 719468;
}

/* "7d", "36h", "90m", "30s", "500ms", "2w": a time before now; a date/time or epoch ms: that time */
static int parse_time(const char *s, int64_t now, int64_t *out)
{
  char *end;
  long long v = strtoll(s, &end, 10);
  if (end != s && v >= 0 && *end && !strchr(end, '-')) {
    static const struct {
      const char *unit;
      int64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", DAY_MS}, {"w", 7 * DAY_MS}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
      if (!strcmp(end, units[i].unit)) {
        if (v > INT64_MAX / units[i].ms) return -1;
        *out = now - v * units[i].ms;
        return 0;
      }
    return -1;
  }
  if (end != s && !*end && v > 100000000) { /* epoch milliseconds */
    *out = v;
    return 0;
  }
  int Y, M, D, h = 0, mi = 0, sec = 0, n = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || M < 1 || M > 12 || D < 1 || D > 31) return -1;
  const char *rest = s + n;
  if (*rest == 'T' || *rest == ' ') {
    int k = 0;
    if (sscanf(rest + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &k) != 3) return -1;
    rest += 1 + k;
  }
  if (*rest == 'Z') rest++;
  if (*rest) return -1;
  *out = ((days_from_civil(Y, M, D) * 24 + h) * 60 + mi) * 60000 + sec * 1000LL;
  return 0;
}

static int num(const char *s, int64_t *out)
{
  char *end;
  long long v = strtoll(s, &end, 10);
  if (*end || !*s || v < 0) return -1;
  *out = v;
  return 0;
}

static int parse_args(args *a, qb_cli *cli)
{
  memset(a, 0, sizeof *a);
  a->older_than_ms = a->retain_last = -1;
  if (cli->argc < 2) return qb_cli_usage_error("maintain", "needs a VERB");
  a->verb = cli->argv[1];
  static const char *const verbs[] = {"expire-snapshots", "remove-orphans", "clean-metadata", "rewrite-manifests",
                                      "compact", "all"};
  bool known = false;
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) known |= !strcmp(a->verb, verbs[i]);
  if (!known) return qb_cli_usage_error("maintain", "unknown verb '%s'", a->verb);
  /* to the millisecond: a clock truncated to the second moved every cutoff up to a second back, so
   * "--older-than 0s" straight after a commit kept the snapshots it replaced */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  for (int i = 2; i < cli->argc; i++) {
    const char *o = cli->argv[i], *v = i + 1 < cli->argc ? cli->argv[i + 1] : NULL;
    bool takes = !strcmp(o, "--older-than") || !strcmp(o, "--retain-last") || !strcmp(o, "--target-size") ||
                 !strcmp(o, "--min-input-files") || !strcmp(o, "--partition") || !strcmp(o, "--warehouse") ||
                 !strcmp(o, "-w");
    if (takes && !v) return qb_cli_usage_error("maintain", "%s needs a value", o);
    if (!strcmp(o, "--json")) continue;
    if (!strcmp(o, "--all")) a->all = true;
    else if (!strcmp(o, "--dry-run")) a->dry_run = a->dry_run_given = true;
    else if (!strcmp(o, "--delete")) a->delete_ = true;
    else if (!strcmp(o, "--force")) a->force = true;
    else if (!strcmp(o, "--verbose") || !strcmp(o, "-v")) a->verbose = true;
    else if (!strcmp(o, "--older-than")) {
      if (parse_time(v, now, &a->older_than_ms))
        return qb_cli_usage_error("maintain", "--older-than: '%s' is neither a duration (7d) nor a time", v);
    } else if (!strcmp(o, "--retain-last")) {
      if (num(v, &a->retain_last) || a->retain_last < 1 || a->retain_last > INT32_MAX)
        return qb_cli_usage_error("maintain", "--retain-last needs a number >= 1");
    } else if (!strcmp(o, "--target-size")) {
      if (num(v, &a->target_size) || a->target_size < 1)
        return qb_cli_usage_error("maintain", "--target-size needs bytes > 0");
    } else if (!strcmp(o, "--min-input-files")) {
      if (num(v, &a->min_input_files) || a->min_input_files < 1 || a->min_input_files > INT32_MAX)
        return qb_cli_usage_error("maintain", "--min-input-files needs a number >= 1");
    } else if (!strcmp(o, "--partition")) {
      a->partition = v;
    } else if (!strcmp(o, "--warehouse") || !strcmp(o, "-w")) {
      cli->warehouse = v;
    } else if (o[0] == '-' || a->table) {
      return qb_cli_usage_error("maintain", "unexpected argument '%s'", o);
    } else {
      a->table = o;
    }
    if (takes) i++;
  }
  if (!strcmp(a->verb, "all") && !a->table) a->all = true;
  if (a->all == (a->table != NULL)) return qb_cli_usage_error("maintain", "needs TABLE or --all (not both)");
  bool expire = !strcmp(a->verb, "expire-snapshots"), orphans = !strcmp(a->verb, "remove-orphans"),
       compact = !strcmp(a->verb, "compact");
  if ((a->older_than_ms >= 0 && !expire && !orphans) || (a->retain_last >= 0 && !expire) ||
      (a->delete_ && !orphans) || (a->force && strcmp(a->verb, "clean-metadata")) ||
      (a->target_size && !compact && strcmp(a->verb, "rewrite-manifests")) ||
      ((a->min_input_files || a->partition) && !compact))
    return qb_cli_usage_error("maintain", "an option does not apply to %s", a->verb);
  if (orphans && a->delete_ && a->dry_run_given)
    return qb_cli_usage_error("maintain", "--delete and --dry-run contradict each other");
  if (orphans) a->dry_run = !a->delete_; /* dry run unless asked to delete */
  /* A short window deletes the files of a commit still being written (an ingest's data files before its
   * commit publishes them): that commit then fails, nothing committed is lost, but the work is. Spark's
   * procedure refuses windows under a day; the window is the user's call here, said once. */
  if (orphans && a->delete_ && a->older_than_ms >= 0 && now - a->older_than_ms < 3600 * 1000)
    fprintf(stderr, "qberg: warning: remove-orphans --older-than under 1h also deletes the files of commits still "
                    "being written (an ingest, an append, a compaction), which then fail; the window must exceed "
                    "the longest write (docs/MAINTENANCE.md)\n");
  return QB_EXIT_OK;
}

/* ---- reporting ---- */

typedef struct out {
  qb_cli *cli;
  const args *a;
  const char *table;
  bool list_files;
  int n_files; /* JSON: files printed in the current object */
  int64_t failures;
  /* JSON: expire-snapshots' removed refs and expired snapshots (array elements), printed before the counts */
  char *items, *snaps;
  size_t items_len, snaps_len;
  FILE *items_f, *snaps_f;
  int n_refs, n_snaps;
} out;

static void on_file(void *ctx, qb_maint_file_kind kind, const char *path, const qb_err *failure)
{
  out *o = ctx;
  if (failure) {
    o->failures++;
    fprintf(stderr, "qberg maintain: %s: could not delete %s %s: %s\n", o->table, qb_maint_file_kind_name(kind), path,
            failure->msg);
  }
  if (!o->list_files) return;
  if (o->cli->json) {
    printf("%s{\"kind\":\"%s\",\"path\":", o->n_files++ ? "," : "", qb_maint_file_kind_name(kind));
    qb_cli_json_str(stdout, path);
    if (failure) {
      printf(",\"error\":");
      qb_cli_json_str(stdout, failure->msg);
    }
    printf("}");
  } else if (!failure) {
    printf("%s %s %s\n", o->a->dry_run ? "would delete" : "deleted", qb_maint_file_kind_name(kind), path);
  }
}

/* expire-snapshots: each ref removed and snapshot expired, listed as files are (dry run or --verbose) and
 * always in --json (as "removed_refs" and "expired_snapshots"). */
static void on_item(void *ctx, const qb_expire_item *it)
{
  out *o = ctx;
  const char *why = it->dangling ? "its snapshot is gone" : "older than its max-ref-age-ms";
  if (o->cli->json) {
    /* both arrays always (docs/MAINTENANCE.md), empty ones too: an empty one was left out, so a reader's
     * d["expired_snapshots"] failed when nothing expired (found by exploreR) */
    if (!o->items_f || !o->snaps_f) return;
    if (it->ref) {
      if (o->n_refs++) fputc(',', o->items_f);
      fputs("{\"name\":", o->items_f);
      qb_cli_json_str(o->items_f, it->ref);
      fprintf(o->items_f, ",\"type\":\"%s\",\"snapshot_id\":%" PRId64 ",\"reason\":\"%s\"}",
              it->branch ? "branch" : "tag", it->snapshot_id, it->dangling ? "dangling" : "max-ref-age");
    } else {
      if (o->n_snaps++) fputc(',', o->snaps_f);
      fprintf(o->snaps_f, "{\"snapshot_id\":%" PRId64 ",\"timestamp_ms\":%" PRId64 "}", it->snapshot_id,
              it->timestamp_ms);
    }
    return;
  }
  if (!o->list_files) return;
  if (it->ref) {
    printf("%s %s ", o->a->dry_run ? "would remove" : "removed", it->branch ? "branch" : "tag");
    qb_cli_put_text(it->ref, 0);
    printf(" (snapshot %" PRId64 ": %s)\n", it->snapshot_id, why);
  } else {
    printf("%s snapshot %" PRId64 " (", o->a->dry_run ? "would expire" : "expired", it->snapshot_id);
    qb_cli_print_ms(stdout, it->timestamp_ms);
    printf(")\n");
  }
}

static void deletions_text(const qb_maint_deletions *d)
{
  printf("%s %" PRId64 " data, %" PRId64 " delete, %" PRId64 " manifests, %" PRId64 " manifest lists, %" PRId64
         " statistics, %" PRId64 " metadata, %" PRId64 " orphans (%" PRId64 " failed)",
         "files:", d->data_files, d->delete_files, d->manifests, d->manifest_lists, d->statistics, d->metadata,
         d->orphans, d->failed);
}

static void deletions_json(const qb_maint_deletions *d)
{
  printf("\"deleted\":{\"data_files\":%" PRId64 ",\"delete_files\":%" PRId64 ",\"manifests\":%" PRId64
         ",\"manifest_lists\":%" PRId64 ",\"statistics\":%" PRId64 ",\"metadata\":%" PRId64 ",\"orphans\":%" PRId64
         ",\"failed\":%" PRId64 "}",
         d->data_files, d->delete_files, d->manifests, d->manifest_lists, d->statistics, d->metadata, d->orphans,
         d->failed);
}

static void report_expire(const qb_cli *cli, const qb_expire_report *r)
{
  if (cli->json) {
    printf("\"snapshots\":%" PRId64 ",\"expired\":%" PRId64 ",\"refs_removed\":%" PRId64 ",\"version\":%" PRId64
           ",\"manifests_read\":%" PRId64 ",",
           r->snapshots, r->expired, r->refs_removed, r->version, r->manifests_read);
    deletions_json(&r->deleted);
  } else {
    printf("expired %" PRId64 " of %" PRId64 " snapshots, %" PRId64 " refs removed", r->expired, r->snapshots,
           r->refs_removed);
    if (r->version >= 0) printf(" (version %" PRId64 ")", r->version);
    printf("; ");
    deletions_text(&r->deleted);
  }
}

static void report_orphans(const qb_cli *cli, const qb_orphan_report *r)
{
  if (cli->json) {
    printf("\"listed\":%" PRId64 ",\"referenced\":%" PRId64 ",\"too_young\":%" PRId64 ",\"hidden\":%" PRId64
           ",\"orphans\":%" PRId64 ",\"temp_files\":%" PRId64 ",\"uploads\":%" PRId64 ",\"uploads_failed\":%" PRId64 ",",
           r->listed, r->referenced, r->too_young, r->hidden, r->orphans, r->temp_files, r->uploads,
           r->uploads_failed);
    deletions_json(&r->deleted);
  } else {
    printf("%" PRId64 " files listed, %" PRId64 " referenced, %" PRId64 " too young, %" PRId64 " hidden, %" PRId64
           " orphans (%" PRId64 " temporary files); ",
           r->listed, r->referenced, r->too_young, r->hidden, r->orphans, r->temp_files);
    if (r->uploads || r->uploads_failed)
      printf("%" PRId64 " unfinished multipart uploads (%" PRId64 " failed); ", r->uploads, r->uploads_failed);
    deletions_text(&r->deleted);
  }
}

static void report_metadata(const qb_cli *cli, const qb_clean_metadata_report *r, bool dry_run)
{
  if (cli->json) {
    printf("\"enabled\":%s,\"metadata_files\":%" PRId64 ",\"kept\":%" PRId64 ",", r->enabled ? "true" : "false",
           r->metadata_files, r->kept);
    deletions_json(&r->deleted);
  } else {
    bool held = !r->enabled && r->deleted.metadata;
    printf("%" PRId64 " metadata files, %" PRId64 " kept, %" PRId64 " older ones %s", r->metadata_files, r->kept,
           r->deleted.metadata,
           held      ? "NOT deleted: write.metadata.delete-after-commit.enabled is not true (use --force)"
           : dry_run ? "would be deleted"
                     : "deleted");
  }
}

static void report_rewrite(const qb_cli *cli, const qb_rewrite_manifests_report *r)
{
  if (cli->json)
    printf("\"replaced\":%" PRId64 ",\"created\":%" PRId64 ",\"kept\":%" PRId64 ",\"entries\":%" PRId64
           ",\"snapshot_id\":%" PRId64 ",\"version\":%" PRId64,
           r->replaced, r->created, r->kept, r->entries, r->snapshot_id, r->version);
  else if (r->replaced)
    printf("%" PRId64 " manifests replaced by %" PRId64 " (%" PRId64 " entries), %" PRId64 " kept", r->replaced,
           r->created, r->entries, r->kept);
  else
    printf("manifests already clustered (%" PRId64 " kept)", r->kept);
  if (!cli->json && r->snapshot_id >= 0)
    printf("; snapshot %" PRId64 " (version %" PRId64 ")", r->snapshot_id, r->version);
}

static void report_compact(const qb_cli *cli, const qb_compact_report *r)
{
  if (cli->json)
    printf("\"partitions\":%" PRId64 ",\"files_in\":%" PRId64 ",\"files_out\":%" PRId64 ",\"bytes_in\":%" PRId64
           ",\"bytes_out\":%" PRId64 ",\"delete_files_removed\":%" PRId64 ",\"snapshot_id\":%" PRId64 ",\"retries\":%d",
           r->partitions, r->files_in, r->files_out, r->bytes_in, r->bytes_out, r->delete_files_removed, r->snapshot_id,
           (int)r->retries);
  else if (r->files_in)
    printf("%" PRId64 " files (%" PRId64 " bytes) in %" PRId64 " partitions rewritten into %" PRId64 " (%" PRId64
           " bytes), %" PRId64 " delete files removed",
           r->files_in, r->bytes_in, r->partitions, r->files_out, r->bytes_out, r->delete_files_removed);
  else
    printf("nothing to compact");
  if (!cli->json && r->snapshot_id >= 0) printf("; snapshot %" PRId64 " (%d retries)", r->snapshot_id, (int)r->retries);
}

/* ---- one table ---- */

static void begin(out *o, const char *verb)
{
  o->n_files = 0;
  if (o->cli->json) {
    printf("{\"table\":");
    qb_cli_json_str(stdout, o->table);
    printf(",\"verb\":\"%s\",\"dry_run\":%s,", verb, o->a->dry_run ? "true" : "false");
    if (o->list_files) printf("\"files\":[");
  }
}

static void files_done(out *o)
{
  if (o->cli->json && o->list_files) printf("],");
}

static int fail_line(out *o, const char *verb, const qb_err *err)
{
  if (o->cli->json) {
    printf("\"error\":");
    qb_cli_json_str(stdout, err->msg);
    printf(",\"code\":\"%s\"}\n", qb_code_name(err->code));
  }
  fprintf(stderr, "qberg maintain %s: %s: %s: %s\n", verb, o->table, qb_code_name(err->code), err->msg);
  return QB_EXIT_ERROR;
}

static int run_one(out *o, qb_table *t)
{
  const args *a = o->a;
  qb_err err = QB_ERR_INIT;
  int rc = QB_OK;
  begin(o, a->verb);
  if (!strcmp(a->verb, "expire-snapshots")) {
    qb_expire_options x = QB_EXPIRE_OPTIONS_INIT;
    x.older_than_ms = a->older_than_ms;
    x.retain_last = (int32_t)a->retain_last;
    x.dry_run = a->dry_run;
    x.on_file = on_file;
    x.on_item = on_item;
    x.ctx = o;
    if (o->cli->json) {
      o->items_f = open_memstream(&o->items, &o->items_len);
      o->snaps_f = open_memstream(&o->snaps, &o->snaps_len);
    }
    qb_expire_report r;
    rc = qb_expire_snapshots(t, &x, &r, &err);
    files_done(o);
    bool listed = o->items_f && o->snaps_f;
    if (o->items_f && fclose(o->items_f)) listed = false;
    if (o->snaps_f && fclose(o->snaps_f)) listed = false;
    o->items_f = o->snaps_f = NULL;
    if (rc == QB_OK) {
      if (!o->cli->json) printf("%s: expire-snapshots%s: ", o->table, a->dry_run ? " (dry run)" : "");
      if (o->cli->json && listed)
        printf("\"removed_refs\":[%.*s],\"expired_snapshots\":[%.*s],", (int)o->items_len, o->items,
               (int)o->snaps_len, o->snaps);
      report_expire(o->cli, &r);
    }
    free(o->items);
    free(o->snaps);
    o->items = o->snaps = NULL;
  } else if (!strcmp(a->verb, "remove-orphans")) {
    qb_orphan_options x = QB_ORPHAN_OPTIONS_INIT;
    x.older_than_ms = a->older_than_ms;
    x.dry_run = a->dry_run;
    x.on_file = on_file;
    x.ctx = o;
    qb_orphan_report r;
    rc = qb_remove_orphan_files(t, &x, &r, &err);
    files_done(o);
    if (rc == QB_OK) {
      if (!o->cli->json) printf("%s: remove-orphans%s: ", o->table, a->dry_run ? " (dry run: use --delete)" : "");
      report_orphans(o->cli, &r);
    }
  } else if (!strcmp(a->verb, "clean-metadata")) {
    qb_clean_metadata_options x = QB_CLEAN_METADATA_OPTIONS_INIT;
    x.force = a->force;
    x.dry_run = a->dry_run;
    x.on_file = on_file;
    x.ctx = o;
    qb_clean_metadata_report r;
    rc = qb_clean_metadata(t, &x, &r, &err);
    files_done(o);
    if (rc == QB_OK) {
      if (!o->cli->json) printf("%s: clean-metadata: ", o->table);
      report_metadata(o->cli, &r, a->dry_run);
    }
  } else if (!strcmp(a->verb, "rewrite-manifests")) {
    qb_rewrite_manifests_options x = QB_REWRITE_MANIFESTS_OPTIONS_INIT;
    x.target_size_bytes = a->target_size;
    x.dry_run = a->dry_run;
    qb_rewrite_manifests_report r;
    rc = qb_rewrite_manifests(t, &x, &r, &err);
    files_done(o);
    if (rc == QB_OK) {
      if (!o->cli->json) printf("%s: rewrite-manifests%s: ", o->table, a->dry_run ? " (dry run)" : "");
      report_rewrite(o->cli, &r);
    }
  } else if (!strcmp(a->verb, "compact")) {
    qb_compact_options x = {a->target_size, (int32_t)a->min_input_files, a->partition, a->dry_run};
    qb_compact_report r;
    rc = qb_compact(t, &x, &r, &err);
    files_done(o);
    if (rc == QB_OK) {
      if (!o->cli->json) printf("%s: compact%s: ", o->table, a->dry_run ? " (dry run)" : "");
      report_compact(o->cli, &r);
    }
  } else {
    qb_maintain_options x = QB_MAINTAIN_OPTIONS_INIT;
    x.dry_run = a->dry_run;
    x.on_file = on_file;
    x.ctx = o;
    qb_maintain_report r;
    rc = qb_maintain_table(t, &x, &r, &err);
    files_done(o);
    for (int s = 0; s < QB_MAINTAIN_STEPS; s++) {
      if (!r.ran[s]) continue;
      const char *name = qb_maintain_step_name((qb_maintain_step)s);
      if (o->cli->json) printf("%s\"%s\":{", s ? "," : "", name);
      else printf("%s: %s%s: ", o->table, name, x.dry_run ? " (dry run)" : "");
      if (r.errors[s].code) {
        if (o->cli->json) {
          printf("\"error\":");
          qb_cli_json_str(stdout, r.errors[s].msg);
          printf("}");
        } else {
          printf("FAILED: %s: %s\n", qb_code_name(r.errors[s].code), r.errors[s].msg);
        }
        continue;
      }
      switch ((qb_maintain_step)s) {
      case QB_MAINTAIN_EXPIRE: report_expire(o->cli, &r.expire); break;
      case QB_MAINTAIN_COMPACT: report_compact(o->cli, &r.compact); break;
      case QB_MAINTAIN_REWRITE_MANIFESTS: report_rewrite(o->cli, &r.rewrite); break;
      case QB_MAINTAIN_ORPHANS: report_orphans(o->cli, &r.orphans); break;
      case QB_MAINTAIN_METADATA: report_metadata(o->cli, &r.metadata, a->dry_run); break;
      case QB_MAINTAIN_STEPS: break;
      }
      printf(o->cli->json ? "}" : "\n");
    }
    if (o->cli->json) printf("%s\"ok\":%s}\n", ",", rc ? "false" : "true");
    return rc ? QB_EXIT_ERROR : QB_EXIT_OK;
  }
  if (rc) return fail_line(o, a->verb, &err);
  printf(o->cli->json ? "}\n" : "\n");
  return QB_EXIT_OK;
}

/* ---- tables ---- */

typedef struct names {
  char **v;
  size_t n, cap;
} names;

static int add_name(void *ctx, const char *name, qb_err *err)
{
  names *ns = ctx;
  if (ns->n == ns->cap) {
    size_t cap = ns->cap ? 2 * ns->cap : 16;
    char **g = realloc(ns->v, cap * sizeof *g);
    if (!g) return QB_FAIL(err, QB_ENOMEM, "out of memory");
    ns->v = g;
    ns->cap = cap;
  }
  if (!(ns->v[ns->n] = strdup(name))) return QB_FAIL(err, QB_ENOMEM, "out of memory");
  ns->n++;
  return QB_OK;
}

int qb_cmd_maintain(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage();
    return QB_EXIT_OK;
  }
  args a;
  int st = parse_args(&a, cli);
  if (st) return st;
  qb_cli_catalog cc;
  if ((st = qb_cli_catalog_open(&cc, cli, "maintain", a.table))) return st;
  names ns = {0};
  qb_err err = QB_ERR_INIT;
  if (a.all) {
    if (!qb_catalog_warehouse(cc.cat)) {
      qb_cli_catalog_close(&cc);
      return qb_cli_usage_error("maintain", "--all needs a warehouse (-w WAREHOUSE)");
    }
    if (qb_catalog_list_tables(cc.cat, NULL, add_name, &ns, &err)) st = qb_cli_fail(&err);
  } else if (add_name(&ns, a.table, &err)) {
    st = qb_cli_fail(&err);
  }
  int failed = 0;
  for (size_t i = 0; st == QB_EXIT_OK && i < ns.n; i++) {
    out o = {cli, &a, ns.v[i], a.verbose || a.dry_run, 0, 0, NULL, NULL, 0, 0, NULL, NULL, 0, 0};
    qb_table *t;
    qb_err e = QB_ERR_INIT;
    if (qb_table_load(&t, cc.cat, ns.v[i], &e)) {
      begin(&o, a.verb);
      fail_line(&o, a.verb, &e);
      failed++;
      continue;
    }
    if (run_one(&o, t) || o.failures) failed++;
    qb_table_free(t);
  }
  for (size_t i = 0; i < ns.n; i++) free(ns.v[i]);
  free(ns.v);
  qb_cli_catalog_close(&cc);
  return st ? st : failed ? QB_EXIT_ERROR : QB_EXIT_OK;
}
