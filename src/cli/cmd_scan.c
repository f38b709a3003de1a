/* SPDX-License-Identifier: Apache-2.0 */
/* qberg scan TABLE [--columns a,b] [--where EXPR] [--as-of ID|REF|TIME] [--format table|csv|jsonl]
 * [--limit N] [--explain]: rows of a table after deletes and the filter, or the scan plan's counts. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli_catalog.h"
#include "qberg/scan.h"

#define TABLE_SAMPLE 1000 /* rows that size the columns of --format table */
#define TABLE_MAX_COLS 80 /* a wider cell is cut to this many terminal columns, ending in "…" */

typedef enum { F_TABLE, F_CSV, F_JSONL } out_format;

typedef struct scan_args {
  const char *table, *columns, *where, *as_of;
  out_format format;
  bool format_given; /* --format on the command line */
  uint64_t limit;
  bool explain;
} scan_args;

static void usage(void)
{
  printf("usage: qberg [-w WAREHOUSE] scan TABLE [--columns A,B,...] [--where EXPR] [--as-of ID|REF|TIME]\n"
         "                                 [--format table|csv|jsonl] [--limit N] [--explain] [--json]\n\n"
         "Read the rows of a table: position and equality deletes applied, then the filter. Manifests and\n"
         "data files that cannot match the filter are not read (partition summaries, partition values through\n"
         "the partition transforms, column bounds).\n"
         "  --columns   columns to return (dotted names reach into structs; \"a,b\" quotes a name holding a\n"
         "              comma or a quote, \"\" for a quote); default all top-level columns\n"
         "  --where     filter: = != < <= > >= IN (...) NOT IN (...) IS [NOT] NULL IS [NOT] NAN AND OR NOT,\n"
         "              e.g. \"day >= '2024-01-01' AND basis IN ('sto-3g', '6-31g') AND NOT energy IS NULL\"\n"
         "  --as-of     a snapshot id, a branch or tag name, or a time (2024-01-31T10:00:00Z, epoch ms)\n"
         "  --format    table (default; one line a row: control characters and backslashes escaped, cells\n"
         "              cut at 80 columns with …), csv (header line, RFC 4180 quoting, null empty, an\n"
         "              empty value \"\") or jsonl\n"
         "  --limit     stop after N rows\n"
         "  --explain   plan only: manifests and data files total, pruned, to read (--json: an object)\n"
         "  --json      rows as JSON lines (the same as --format jsonl)\n");
}

static int parse_args(scan_args *a, qb_cli *cli)
{
  memset(a, 0, sizeof *a);
  for (int i = 1; i < cli->argc; i++) {
    const char *s = cli->argv[i];
    if (!strcmp(s, "--json")) continue;
    if (!strcmp(s, "--explain")) {
      a->explain = true;
      continue;
    }
    if (!strcmp(s, "--columns") || !strcmp(s, "--where") || !strcmp(s, "--as-of") || !strcmp(s, "--format") ||
        !strcmp(s, "--limit")) {
      if (i + 1 >= cli->argc) return qb_cli_usage_error("scan", "%s needs a value", s);
      const char *v = cli->argv[++i];
      if (!strcmp(s, "--columns")) a->columns = v;
      else if (!strcmp(s, "--where")) a->where = v;
      else if (!strcmp(s, "--as-of")) a->as_of = v;
      else if (!strcmp(s, "--limit")) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*end || n <= 0) return qb_cli_usage_error("scan", "--limit wants a positive number, not '%s'", v);
        a->limit = (uint64_t)n;
      } else if (!strcmp(v, "table")) a->format = F_TABLE;
      else if (!strcmp(v, "csv")) a->format = F_CSV;
      else if (!strcmp(v, "jsonl")) a->format = F_JSONL;
      else return qb_cli_usage_error("scan", "--format is table, csv or jsonl, not '%s'", v);
      a->format_given = !strcmp(s, "--format") || a->format_given;
      continue;
    }
    if (s[0] == '-' || a->table) return qb_cli_usage_error("scan", "unexpected argument '%s'", s);
    a->table = s;
  }
  if (!a->table) return qb_cli_usage_error("scan", "missing TABLE");
  /* --json asks for JSON: the rows as JSON lines (the table layout is not JSON) */
  if (cli->json && !a->explain) {
    if (a->format_given && a->format != F_JSONL)
      return qb_cli_usage_error("scan", "--json prints rows as JSON lines; it does not go with --format %s",
                                a->format == F_CSV ? "csv" : "table");
    a->format = F_JSONL;
  }
  return QB_EXIT_OK;
}

/* Split --columns in place into cols (room for strlen(s) + 1 names): names separated by commas, a name in
 * double quotes ("" for a quote) when it holds a comma or a quote, as in --where. Returns false on an empty
 * name or an unterminated quote. */
static bool split_columns(const char **cols, size_t *n_cols, char *s)
{
  char *w = s; /* the unquoted names are written back over s: never ahead of the reading */
  *n_cols = 0;
  for (;;) {
    char *start = w;
    if (*s == '"') {
      for (s++;; s++) {
        if (!*s) return false;
        if (*s == '"' && s[1] != '"') break;
        *w++ = *s;
        if (*s == '"') s++;
      }
      if (*++s && *s != ',') return false;
    } else {
      while (*s && *s != ',') *w++ = *s++;
    }
    bool more = *s == ',';
    if (more) s++;
    *w++ = '\0';
    if (!*start) return false;
    cols[(*n_cols)++] = start;
    if (!more) return true;
  }
}

/* One CSV field of n bytes (a string may hold NUL bytes: they are written as they are, inside quotes, as
 * DuckDB's and Python's CSV writers do; a C string would end the value there). An empty value is written
 * "" so that it differs from null, which is nothing (PostgreSQL's and DuckDB's CSV do the same). */
static void csv_field(const char *s, size_t n)
{
  bool quote = n == 0;
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r' || !s[i];
  if (!quote) {
    fwrite(s, 1, n, stdout);
    return;
  }
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') putchar('"');
    putchar(s[i]);
  }
  putchar('"');
}

static void print_metrics(qb_cli *cli, const qb_scan *s, const qb_expr *filter)
{
  qb_scan_metrics m;
  qb_scan_get_metrics(s, &m);
  char *f = NULL;
  qb_err err = QB_ERR_INIT;
  if (filter && qb_expr_to_string(&f, filter, &err)) f = NULL;
  if (cli->json) {
    printf("{\"snapshot-id\":%" PRId64 ",\"schema-id\":%d,\"filter\":", qb_scan_snapshot_id(s),
           (int)qb_schema_id(qb_scan_table_schema(s)));
    if (f) qb_cli_json_str(stdout, f);
    else printf("null");
    printf(",\"manifests\":{\"total\":%" PRIu64 ",\"skipped\":%" PRIu64 ",\"read\":%" PRIu64 ",\"delete\":%" PRIu64 "}",
           m.manifests_total, m.manifests_skipped, m.manifests_total - m.manifests_skipped, m.delete_manifests);
    printf(",\"data-files\":{\"total\":%" PRIu64 ",\"pruned-by-partition\":%" PRIu64 ",\"pruned-by-metrics\":%" PRIu64
           ",\"scanned\":%" PRIu64 "}",
           m.data_files_total, m.data_files_pruned_partition, m.data_files_pruned_metrics, m.data_files_scanned);
    printf(",\"delete-files\":{\"total\":%" PRIu64 ",\"applied\":%" PRIu64 "}", m.delete_files, m.delete_files_applied);
    printf(",\"row-groups\":{\"read\":%" PRIu64 ",\"skipped\":%" PRIu64 "}", m.row_groups_read, m.row_groups_skipped);
    printf(",\"rows\":{\"read\":%" PRIu64 ",\"deleted\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"returned\":%" PRIu64 "}}\n",
           m.rows_read, m.rows_deleted, m.rows_filtered, m.rows_returned);
  } else {
    printf("snapshot:     %" PRId64 " (schema %d)\n", qb_scan_snapshot_id(s), (int)qb_schema_id(qb_scan_table_schema(s)));
    printf("filter:       %s\n", f ? f : "none");
    printf("manifests:    %" PRIu64 " total, %" PRIu64 " skipped, %" PRIu64 " read (+%" PRIu64 " delete manifests)\n",
           m.manifests_total, m.manifests_skipped, m.manifests_total - m.manifests_skipped, m.delete_manifests);
    printf("data files:   %" PRIu64 " total, %" PRIu64 " pruned by partition, %" PRIu64 " pruned by metrics, %" PRIu64
           " to read\n",
           m.data_files_total, m.data_files_pruned_partition, m.data_files_pruned_metrics, m.data_files_scanned);
    printf("delete files: %" PRIu64 " (%" PRIu64 " applications)\n", m.delete_files, m.delete_files_applied);
  }
  free(f);
}

/* --format table: columns sized by the header and the first rows */
typedef struct table_out {
  size_t n_cols;
  size_t *width;
  char **cells; /* TABLE_SAMPLE x n_cols buffered cells */
  size_t n_buffered;
  bool flushed;
} table_out;

/* One cell of --format table, padded to the column's width in terminal columns (not bytes). */
static void table_cell(const table_out *t, size_t c, const char *cell)
{
  if (!cell) cell = ""; /* a header name that could not be escaped (ENOMEM) */
  if (c) fputs(" | ", stdout);
  fputs(cell, stdout);
  for (size_t w = qb_cli_text_width(cell); w < t->width[c]; w++) putchar(' ');
}

static void table_row(const table_out *t, char *const *cells)
{
  for (size_t c = 0; c < t->n_cols; c++) table_cell(t, c, cells[c]);
  printf("\n");
}

/* The text of a cell: a string escaped to one line (control characters, backslashes, bytes that are not
 * UTF-8), any value cut to TABLE_MAX_COLS columns; NULL on ENOMEM. Takes txt (malloc'd) in every case. */
static char *table_text(char *txt, const qb_value *v)
{
  if (v && v->kind == QB_V_STRING) {
    free(txt);
    txt = qb_cli_text_escape((const char *)v->u.bytes.p, v->u.bytes.n);
  }
  return qb_cli_text_fit(txt, TABLE_MAX_COLS);
}

static void table_flush(table_out *t, const qb_type *rt)
{
  char **hdr = calloc(t->n_cols ? t->n_cols : 1, sizeof *hdr);
  for (size_t c = 0; hdr && c < t->n_cols; c++) {
    const char *name = rt->fields[c].name;
    hdr[c] = qb_cli_text_fit(qb_cli_text_escape(name, strlen(name)), TABLE_MAX_COLS);
  }
  if (hdr) table_row(t, hdr);
  for (size_t c = 0; c < t->n_cols; c++) {
    if (c) fputs("-+-", stdout);
    for (size_t w = 0; w < t->width[c]; w++) putchar('-');
  }
  printf("\n");
  for (size_t c = 0; hdr && c < t->n_cols; c++) free(hdr[c]);
  free(hdr);
  for (size_t r = 0; r < t->n_buffered; r++) table_row(t, t->cells + r * t->n_cols);
  for (size_t i = 0; i < t->n_buffered * t->n_cols; i++) free(t->cells[i]);
  t->n_buffered = 0;
  t->flushed = true;
}

static int run_rows(qb_scan *s, out_format fmt)
{
  const qb_type *rt = qb_scan_row_type(s);
  qb_err err = QB_ERR_INIT;
  table_out tab = {rt->n_fields, NULL, NULL, 0, false};
  if (fmt == F_TABLE) {
    tab.width = calloc(rt->n_fields ? rt->n_fields : 1, sizeof *tab.width);
    tab.cells = calloc((rt->n_fields ? rt->n_fields : 1) * TABLE_SAMPLE, sizeof *tab.cells);
    if (!tab.width || !tab.cells) {
      free(tab.width);
      free(tab.cells);
      QB_FAIL(&err, QB_ENOMEM, "out of memory");
      return qb_cli_fail(&err);
    }
    for (size_t c = 0; c < rt->n_fields; c++) {
      const char *name = rt->fields[c].name;
      char *hdr = qb_cli_text_fit(qb_cli_text_escape(name, strlen(name)), TABLE_MAX_COLS);
      tab.width[c] = hdr ? qb_cli_text_width(hdr) : strlen(name);
      free(hdr);
    }
  } else if (fmt == F_CSV) {
    for (size_t c = 0; c < rt->n_fields; c++) {
      if (c) putchar(',');
      csv_field(rt->fields[c].name, strlen(rt->fields[c].name));
    }
    putchar('\n');
  }
  int st = QB_EXIT_OK;
  uint64_t rows = 0;
  for (;;) {
    const qb_value *row;
    if (qb_scan_next(&row, s, &err)) {
      st = qb_cli_fail(&err);
      break;
    }
    if (!row) break;
    rows++;
    if (fmt == F_JSONL) {
      char *j;
      size_t n;
      if (qb_row_to_json(&j, &n, rt, row, &err)) {
        st = qb_cli_fail(&err);
        break;
      }
      fwrite(j, 1, n, stdout);
      putchar('\n');
      free(j);
      continue;
    }
    for (size_t c = 0; c < rt->n_fields; c++) {
      char *txt;
      const qb_value *v = &row->u.seq.items[c];
      if (qb_value_to_text(&txt, rt->fields[c].type, v, &err)) {
        st = qb_cli_fail(&err);
        goto done;
      }
      if (fmt == F_CSV) {
        if (c) putchar(',');
        if (v->kind == QB_V_STRING) csv_field((const char *)v->u.bytes.p, v->u.bytes.n);
        else if (v->kind != QB_V_NULL) csv_field(txt, strlen(txt));
        free(txt);
        continue;
      }
      if (!(txt = table_text(txt, v))) {
        QB_FAIL(&err, QB_ENOMEM, "out of memory");
        st = qb_cli_fail(&err);
        goto done;
      }
      if (!tab.flushed) {
        size_t w = qb_cli_text_width(txt);
        if (w > tab.width[c]) tab.width[c] = w;
        tab.cells[tab.n_buffered * tab.n_cols + c] = txt;
      } else {
        table_cell(&tab, c, txt);
        free(txt);
      }
    }
    if (fmt == F_CSV) putchar('\n');
    else if (tab.flushed) putchar('\n');
    else if (++tab.n_buffered == TABLE_SAMPLE) table_flush(&tab, rt);
  }
done:
  if (fmt == F_TABLE) {
    if (!tab.flushed) table_flush(&tab, rt);
    for (size_t i = 0; i < tab.n_buffered * tab.n_cols; i++) free(tab.cells[i]);
    free(tab.cells);
    free(tab.width);
    if (st == QB_EXIT_OK) printf("(%" PRIu64 " row%s)\n", rows, rows == 1 ? "" : "s");
  }
  return st;
}

int qb_cmd_scan(qb_cli *cli)
{
  if (qb_cli_wants_help(cli->argc, cli->argv)) {
    usage();
    return QB_EXIT_OK;
  }
  scan_args a;
  int st = parse_args(&a, cli);
  if (st) return st;
  qb_err err = QB_ERR_INIT;
  qb_expr *filter = NULL;
  if (a.where && qb_expr_parse(&filter, a.where, &err)) return qb_cli_usage_error("scan", "%s", err.msg);
  char *cols_buf = a.columns ? strdup(a.columns) : NULL;
  const char **cols = NULL;
  size_t n_cols = 0;
  if (cols_buf) {
    cols = calloc(strlen(cols_buf) + 1, sizeof *cols);
    if (cols && !split_columns(cols, &n_cols, cols_buf)) {
      free(cols);
      free(cols_buf);
      qb_expr_free(filter);
      return qb_cli_usage_error("scan", "--columns wants column names separated by commas (a name holding a comma "
                                        "or a quote in double quotes), not '%s'", a.columns);
    }
  }
  qb_cli_catalog cc;
  qb_table *t = NULL;
  qb_scan *s = NULL;
  if ((st = qb_cli_catalog_open(&cc, cli, "scan", a.table))) goto out;
  if ((st = qb_cli_load_table(cc.cat, a.table, &t))) goto close;
  qb_scan_options o = QB_SCAN_OPTIONS_INIT;
  o.columns = cols;
  o.n_columns = n_cols;
  o.filter = filter;
  o.limit = a.limit;
  const qb_table_metadata *md;
  if (qb_table_get_metadata(&md, t, &err) || (a.as_of && qb_scan_options_as_of(&o, md, a.as_of, &err)) ||
      qb_scan_new(&s, t, &o, &err)) {
    st = qb_cli_fail(&err);
    goto close;
  }
  if (a.explain) {
    const qb_scan_task *task;
    do {
      if (qb_scan_next_file(&task, s, &err)) {
        st = qb_cli_fail(&err);
        goto close;
      }
    } while (task);
    print_metrics(cli, s, filter);
  } else {
    st = run_rows(s, a.format);
  }
close:
  qb_scan_free(s);
  qb_table_free(t);
  qb_cli_catalog_close(&cc);
out:
  qb_expr_free(filter);
  free(cols);
  free(cols_buf);
  return st;
}
