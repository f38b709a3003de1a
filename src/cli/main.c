/* SPDX-License-Identifier: Apache-2.0 */
/* qberg: the command-line front end. Exit codes: 0 ok, 1 error, 2 usage. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__ /* defined by the libc headers above */
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>
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

int qb_cli_threads_arg(unsigned *out, const char *verb, const char *arg)
{
  char *end;
  long n = strtol(arg, &end, 10);
  if (*end || end == arg || n < 1 || n > 1024)
    return qb_cli_usage_error(verb, "--threads takes a number from 1 to 1024 (more than 2 is 2)");
  *out = (unsigned)n;
  return 0;
}

int qb_cli_batch_id_arg(const char **out, const char *verb, const char *arg)
{
  /* one spelling per batch: the id is compared as text (a completed batch, recovery) and names the tags */
  size_t i = 0;
  for (; arg[i] && i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? arg[i] != '-' : !((arg[i] >= '0' && arg[i] <= '9') || (arg[i] >= 'a' && arg[i] <= 'f'))) break;
  }
  if (i != 36 || arg[i])
    return qb_cli_usage_error(verb, "--batch-id takes a UUID in lowercase (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not '%s'",
                              arg);
  *out = arg;
  return 0;
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
 * peak RSS (docs/BENCHMARKS.md, "Session 20: fsys"). Larger blocks are still mmapped and returned.
 * One arena for all threads: an ingest's writer thread frees the column buffers the reading thread
 * allocated and allocates its own pages, and with an arena of its own the two heaps fragmented each other:
 * 124-133 MiB peak RSS for 1 GB of raw input on two threads against 102-108 MiB with one arena, at the same
 * CPU and wall time (docs/BENCHMARKS.md, "Session 22: thp"). */
static void tune_allocator(void)
{
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
  mallopt(M_ARENA_MAX, 1);
#endif
}

/* Transparent huge pages for the heap, for the verbs that write data files. An ingest streams every value
 * through column buffers, dictionaries and zstd tables tens of MiB wide; with 4 KiB pages their TLB misses
 * (two-level page walks on a VM) and first-touch faults cost 6-14% of an ingest's cycles, which glibc's
 * glibc.malloc.hugetlb=1 (2.35+: the heap and mmapped blocks advised MADV_HUGEPAGE, the heap grown in 2 MiB
 * steps) removes for ~5 MB more peak RSS (docs/BENCHMARKS.md, "Session 22: thp"). glibc reads tunables only
 * at start-up, so the CLI executes itself once more with the tunable added to GLIBC_TUNABLES, keeping the
 * caller's other tunables; the library never touches the allocator (an embedding program sets the tunable
 * itself, docs/PIPELINE.md "Memory"). Not done when the caller set glibc.malloc.hugetlb (any value), when
 * QBERG_HUGEPAGES=0, when the kernel has THP off ("never") or glibc is older, under valgrind or a sanitizer
 * (their allocators replace glibc's), or for a secure-execution process (glibc drops GLIBC_TUNABLES there,
 * which would loop). Any failure leaves the process running as it is. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QB_FOREIGN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define QB_FOREIGN_MALLOC 1
#endif
#endif
static void want_huge_pages(const char *verb, char **argv)
{
#if defined(__GLIBC__) && defined(__linux__) && !defined(QB_FOREIGN_MALLOC)
  static const char *const heavy[] = {"ingest", "features", "maintain", "append"};
  bool wanted = false;
  for (size_t i = 0; i < sizeof heavy / sizeof heavy[0]; i++) wanted |= !strcmp(verb, heavy[i]);
  const char *off = getenv("QBERG_HUGEPAGES"), *tun = getenv("GLIBC_TUNABLES"), *pre = getenv("LD_PRELOAD");
  if (!wanted || (off && !strcmp(off, "0")) || (tun && strstr(tun, "glibc.malloc.hugetlb")) ||
      (pre && strstr(pre, "vgpreload")) || getauxval(AT_SECURE))
    return;
  unsigned major = 0, minor = 0;
  if (sscanf(gnu_get_libc_version(), "%u.%u", &major, &minor) != 2 || major < 2 || (major == 2 && minor < 35))
    return;
  char mode[128] = "";
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
  if (!f) return;
  bool got = fgets(mode, sizeof mode, f) != NULL;
  fclose(f);
  if (!got || !(strstr(mode, "[madvise]") || strstr(mode, "[always]"))) return; /* "[never]", or unknown */
  static const char add[] = "glibc.malloc.hugetlb=1";
  size_t n = tun ? strlen(tun) : 0;
  char *v = malloc(n + sizeof add + 1);
  if (!v) return;
  if (n) {
    memcpy(v, tun, n);
    v[n++] = ':';
  }
  memcpy(v + n, add, sizeof add);
  char *saved = tun ? strdup(tun) : NULL;
  if ((tun && !saved) || setenv("GLIBC_TUNABLES", v, 1)) {
    free(v);
    free(saved);
    return;
  }
  free(v);
  execv("/proc/self/exe", argv);
  /* still here: run as we are, with the caller's environment */
  if (saved) setenv("GLIBC_TUNABLES", saved, 1);
  else unsetenv("GLIBC_TUNABLES");
  free(saved);
#else
  (void)verb;
  (void)argv;
#endif
}

/* A verb's output that did not reach stdout (a full disk under `scan ... > out.csv`, /dev/full, a closed
 * descriptor) was lost with exit 0: the verb's status stands only when every byte was written. */
static int stdout_checked(int status)
{
  errno = 0;
  bool bad = fflush(stdout) != 0;
  int e = errno;
  bad |= ferror(stdout) != 0;
  if (!bad) return status;
  fprintf(stderr, "qberg: QB_EIO: writing standard output: %s (the output is incomplete)\n",
          e ? strerror(e) : "write error");
  return status == QB_EXIT_OK ? QB_EXIT_ERROR : status;
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
      if (!*argv[i]) { /* as 'warehouse =' in qberg.conf: "" read as unset, or as a file named "" */
        fprintf(stderr, "qberg: %s needs a value, not an empty one\n", a);
        return QB_EXIT_USAGE;
      }
    } else if (!strncmp(a, "--warehouse=", 12) || !strncmp(a, "--config=", 9)) {
      /* --config= was "unknown option"; an empty value is refused as for -w "": --config= said
       * "QB_ENOTFOUND: : No such file or directory", --warehouse= "no warehouse is set" (found by exploreR) */
      const char *v = strchr(a, '=') + 1;
      if (!*v) {
        fprintf(stderr, "qberg: %.*s needs a value, not an empty one\n", (int)(v - 1 - a), a);
        return QB_EXIT_USAGE;
      }
      if (a[2] == 'w')
        cli.warehouse = v;
      else
        cli.config = v;
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
  want_huge_pages(argv[i], argv);
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
    if (!strcmp(cli.argv[0], commands[k].name)) return stdout_checked(commands[k].run(&cli));
  fprintf(stderr, "qberg: unknown verb '%s'\n", cli.argv[0]);
  usage(stderr);
  return QB_EXIT_USAGE;
}
