/* SPDX-License-Identifier: Apache-2.0 */
/* qberg: the command-line front end. Exit codes: 0 ok, 1 error, 2 usage. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__ /* defined by the libc headers above */
#include <malloc.h>
#endif

#include "cli.h"

static const qb_cli_cmd commands[] = {
#define QB_CLI_COMMAND(name, summary) {#name, summary, qb_cmd_##name},
#include "commands.h"
#undef QB_CLI_COMMAND
};

int qb_cli_fail(const qb_err *err)
{
  fprintf(stderr, "qberg: %s: %s\n", qb_code_name(err->code), err->msg);
  return err->code == QB_OK ? QB_EXIT_OK : QB_EXIT_ERROR;
}

int qb_cli_usage_error(const char *verb, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "qberg %s: ", verb);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\ntry 'qberg %s --help'\n", verb);
  return QB_EXIT_USAGE;
}

bool qb_cli_wants_help(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--")) break;
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return true;
  }
  return false;
}

static void usage(FILE *f)
{
  fprintf(f,
          "usage: qberg [-w WAREHOUSE] [--config FILE] [--json] VERB [ARGS]\n"
          "\n"
          "Apache Iceberg tables and the VQE feature pipeline, in C.\n"
          "\n"
          "global options:\n"
          "  -w, --warehouse DIR|URI  warehouse root (default: $QBERG_WAREHOUSE)\n"
          "      --config FILE        qberg.conf to read settings from\n"
          "      --json               structured output where the verb supports it\n"
          "  -h, --help               this help; 'qberg VERB --help' for a verb\n"
          "      --version            same as 'qberg version'\n"
          "\n"
          "verbs:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

/* glibc's allocator, tuned for the process (the library leaves the allocator alone): by default a freed block
 * of 128 KiB or more goes back to the kernel (munmap, or a trim of the heap top once 128 KiB are free) and the
 * threshold only grows as such blocks are freed, so an ingest's per-file and per-column buffers, a few
 * hundred KiB to a few MiB each, were unmapped and faulted in again page by page: 15.6k page faults for a
 * 55 MB peak at 2,000 files, 18% of the kernel's cycles. Fixed thresholds keep blocks under 4 MiB in the heap
 * and trim only past 16 MiB of free top, which leaves the faults of first use (12.8k) and adds ~2.5 MB of
 * peak RSS (docs/BENCHMARKS.md, "Session 20: fsys"). Larger blocks are still mmapped and returned. */
static void tune_allocator(void)
{
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

int main(int argc, char **argv)
{
  tune_allocator();
  qb_cli cli = {0};
  cli.warehouse = getenv("QBERG_WAREHOUSE");
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-w") || !strcmp(a, "--warehouse") || !strcmp(a, "--config")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "qberg: %s needs a value\n", a);
        return QB_EXIT_USAGE;
      }
      if (!strcmp(a, "--config"))
        cli.config = argv[++i];
      else
        cli.warehouse = argv[++i];
    } else if (!strncmp(a, "--warehouse=", 12)) {
      cli.warehouse = a + 12;
    } else if (!strcmp(a, "--json")) {
      cli.json = true;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return QB_EXIT_OK;
    } else if (!strcmp(a, "--version")) {
      argv[i] = "version";
      break;
    } else {
      fprintf(stderr, "qberg: unknown option '%s'\n", a);
      usage(stderr);
      return QB_EXIT_USAGE;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return QB_EXIT_USAGE;
  }
  cli.argc = argc - i;
  cli.argv = argv + i;
  /* --json is accepted after the verb too: verbs see it as a global flag */
  for (int j = 1; j < cli.argc; j++)
    if (!strcmp(cli.argv[j], "--json")) cli.json = true;
  if (!strcmp(cli.argv[0], "help")) {
    if (cli.argc > 1) {
      char *h[] = {cli.argv[1], "--help", NULL};
      cli.argc = 2;
      cli.argv = h;
    } else {
      usage(stdout);
      return QB_EXIT_OK;
    }
  }
  for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
    if (!strcmp(cli.argv[0], commands[k].name)) return commands[k].run(&cli);
  fprintf(stderr, "qberg: unknown verb '%s'\n", cli.argv[0]);
  usage(stderr);
  return QB_EXIT_USAGE;
}
